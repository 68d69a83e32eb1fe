"""Collaboration evaluations as data: designs, the register, comparison pools, estimates, skips, real runs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alliance_analysis.errors import DataValidationError, ParameterError
from alliance_analysis.evaluation import register, staggered, studies

PEERS = ["Avon and Somerset", "Cleveland", "Cumbria", "Derbyshire", "Durham", "Essex", "Gloucestershire", "Gwent",
         "Humberside", "Kent", "Lancashire", "Leicestershire", "Lincolnshire", "Northamptonshire"]


def _panel(effect: float = 0.0, seed: int = 1, treated=("Warwickshire", "West Mercia"), start="2012Q2"):
    """Quarterly counts 2008-2016: a national uplift every force shares (sizes differ a little), noise,
    and ``effect`` on the treated forces from ``start``."""
    rng = np.random.default_rng(seed)
    q = pd.period_range("2008Q1", "2016Q4", freq="Q")
    t = np.arange(len(q))
    national = 0.15 * np.clip((t - 24) / 8, 0, 1)
    rows = []
    for f in [*treated, "Norfolk", "Suffolk", *PEERS]:
        lvl = np.log(rng.uniform(3000, 20000)) + national * rng.uniform(0.8, 1.2) + rng.normal(0, 0.02, len(q))
        lvl = lvl + np.log1p(effect) * ((f in treated) & (q >= pd.Period(start)))
        rows.append(pd.DataFrame({"force": f, "quarter": q, "count": np.round(np.exp(lvl)).astype(int)}))
    return pd.concat(rows, ignore_index=True)


def _hand_effect(tot: pd.DataFrame, treated, pool, t0: str, pre: int = 8, post: int = 12) -> float:
    """Independent working of the estimate: log gap to the comparison mean, post mean minus pre mean."""
    w = tot.pivot_table(index="quarter", columns="force", values="count")
    gap = np.log1p(w[list(treated)].sum(axis=1)) - np.log1p(w[list(pool)]).mean(axis=1)
    i = list(w.index).index(pd.Period(t0))
    return float(np.expm1(gap.iloc[i:i + post].mean() - gap.iloc[i - pre:i].mean()))


def test_designs_name_sources_and_events():
    d = studies.designs()
    assert d["study"].is_unique and (d["source"].str.len() > 10).all()
    s = {x.name: x for x in studies.shipped_studies()}
    assert s["Warwickshire-West Mercia alliance"].change_date == "2011-11"
    end = s["Warwickshire-West Mercia alliance ending"]
    assert end.event == "end" and end.change_date == "2019-10" and end.treated == ("Warwickshire", "West Mercia")
    assert all(x.donors == () for x in s.values())          # every shipped pool follows the register rule


def test_unknown_study_is_named():
    with pytest.raises(ParameterError, match="unknown studies"):
        studies.shipped_studies(["No such alliance"])


def test_register_records_cited_dates():
    r = register.collaborations().set_index("collaboration")
    ww = r.loc["Warwickshire-West Mercia strategic alliance"]
    assert (ww["start"], ww["end"]) == ("2011-11", "2019-10") and "seed 000" in ww["source"]
    assert r.loc["Devon and Cornwall-Dorset strategic alliance", "start"] == "2015-03"
    assert (r["source"].str.len() > 30).all()


@pytest.mark.parametrize(("row", "match"), [
    pytest.param("x,Kent;Essex,merger,2012-01,,a source", "kind", id="unknown-kind"),
    pytest.param("x,Kent;Essex,strategic alliance,2012-01,,", "no source", id="no-source"),
    pytest.param("x,Kent;Essex,strategic alliance,2012-01,2011-01,s", "ends before", id="end-before-start"),
    pytest.param("x,Kent;Essex,strategic alliance,Jan 2012,,s", "not a month", id="bad-month"),
    pytest.param("x,Kent,strategic alliance,2012-01,,s", "at least two", id="one-force"),
])
def test_register_rejects_bad_rows_naming_row_and_column(tmp_path, row, match):
    p = tmp_path / "collaborations.csv"
    p.write_text("collaboration,forces,kind,start,end,source\n" + row + "\n")
    with pytest.raises(DataValidationError, match=match) as e:
        register.collaborations(p)
    assert "row 2" in str(e.value) and "collaborations.csv" in str(e.value)


@pytest.mark.parametrize(("treated", "named", "window", "absent", "present"), [
    pytest.param(["Norfolk"], ["Suffolk", "Kent", "Essex"], ("2009Q1", "2013Q4"), {"Suffolk"}, {"Kent", "Essex"},
                 id="partner-never-a-control"),
    pytest.param(["Kent"], None, ("2012Q1", "2014Q4"),
                 {"Norfolk", "Suffolk", "Bedfordshire", "Warwickshire", "Cheshire", "City of London"},
                 {"Devon and Cornwall", "Dorset", "Essex"}, id="rule-drops-other-collaborations-in-window"),
    pytest.param(["Kent"], None, ("2008Q1", "2009Q4"), {"City of London"},
                 {"Norfolk", "Warwickshire", "Cheshire", "Bedfordshire"}, id="before-any-collaboration"),
])
def test_comparison_pool_rule(treated, named, window, absent, present):
    every = ["Norfolk", "Suffolk", "Kent", "Essex", "Bedfordshire", "Warwickshire", "West Mercia", "Cheshire",
             "City of London", "Devon and Cornwall", "Dorset"]
    pool, rule, table = register.comparison_pool(treated, every, pd.Period(window[0]), pd.Period(window[1]),
                                                 named=named)
    assert not absent & set(pool) and present <= set(pool)
    assert ("named in the parameters" in rule) == bool(named)


def test_custom_study_accepts_a_list_and_states_the_rule_truthfully():
    by_rule = studies.custom_study(["Norfolk", "Suffolk"], "2010-01")
    assert by_rule.treated == ("Norfolk", "Suffolk") and by_rule.donors == () and by_rule.donor_rule == ""
    named = studies.custom_study("Norfolk", "2010-01", ["Suffolk", "Kent"])
    assert named.donors == ("Suffolk", "Kent") and "named in the parameters" in named.donor_rule
    tot = _panel(treated=("Norfolk",), start="2010Q1")
    r = studies.run_study(tot, None, studies.custom_study("Norfolk", "2010-01"), time="quarter")
    assert "Suffolk" not in r.donors and "named" not in r.rule and "partners" in r.rule


def test_change_inside_a_quarter_counts_from_the_next_full_quarter():
    r = studies.run_study(_panel(), None, studies.Study("s", ("Warwickshire", "West Mercia"), "2011-11"),
                          time="quarter")
    assert r.rows["first"].iloc[0] == pd.Period("2012Q1") and "2012 Q1" in r.window


def test_the_quarter_a_change_falls_in_is_in_neither_period():
    # +30% from January 2012 and two thirds of it in October-December 2011 (the alliance began on
    # 1 November 2011). Worked independently: the baseline is the eight quarters 2009 Q4 - 2011 Q3,
    # the after-period 2012 Q1 - 2014 Q4; 2011 Q4 is in neither. Counted in the baseline, 2011 Q4
    # would have pulled the estimate down by about 0.26 / 8 on the log scale.
    tot = _panel(effect=0.30, seed=4, start="2012Q1")
    partly = tot["force"].isin(["Warwickshire", "West Mercia"]) & (tot["quarter"] == pd.Period("2011Q4"))
    tot.loc[partly, "count"] = np.round(tot.loc[partly, "count"] * (1 + 0.30 * 2 / 3)).astype(int)
    r = studies.run_study(tot, None, studies.Study("s", ("Warwickshire", "West Mercia"), "2011-11"), time="quarter")
    w = tot.pivot_table(index="quarter", columns="force", values="count")
    gap = np.log1p(w[["Warwickshire", "West Mercia"]].sum(axis=1)) - np.log1p(w[list(r.donors)]).mean(axis=1)
    i = list(w.index).index(pd.Period("2012Q1"))
    post = gap.iloc[i:i + 12].mean()
    hand = float(np.expm1(post - gap.iloc[i - 9:i - 1].mean()))
    old = float(np.expm1(post - gap.iloc[i - 8:i].mean()))      # 2011 Q4 counted in the baseline
    assert r.overall["effect_pct"] / 100 == pytest.approx(hand, abs=1e-9)
    assert hand - old > 0.02 and abs(hand - 0.30) < abs(old - 0.30)
    assert "baseline 2009 Q4 to 2011 Q3" in r.window and "2011 Q4, part before and part after" in r.window


@pytest.mark.parametrize(("effect", "established"), [
    pytest.param(0.30, True, id="30-percent-found"),
    pytest.param(0.0, False, id="nothing-not-claimed"),
])
def test_effect_found_or_not_claimed_and_matches_hand_working(effect, established):
    tot = _panel(effect=effect, seed=3, start="2012Q2")
    st = studies.Study("s", ("Warwickshire", "West Mercia"), "2012-04")
    r = studies.run_study(tot, None, st, time="quarter")
    o = r.overall
    assert o["effect_pct"] / 100 == pytest.approx(_hand_effect(tot, st.treated, r.donors, "2012Q2"), abs=1e-9)
    assert r.significant is established
    if established:
        assert o["ci_low_pct"] < 30 < o["ci_high_pct"] and "unlikely to be chance" in r.answer()
    else:
        assert "cannot be ruled out" in r.answer()


def test_each_row_interval_and_p_value_belong_to_its_own_estimate():
    tot = _panel(effect=0.08, seed=5, start="2012Q2")
    r = studies.run_study(tot, None, studies.Study("s", ("Warwickshire", "West Mercia"), "2012-04"), time="quarter")
    assert len(r.rows) == 4
    for row in r.rows.itertuples():
        assert row.ci_low_pct <= row.effect_pct <= row.ci_high_pct
        excludes = row.ci_low_pct > 0 or row.ci_high_pct < 0
        assert excludes == (row.p_value <= 0.05), row.window


@pytest.mark.parametrize(("study", "match"), [
    pytest.param(studies.Study("s", ("Nowhere",), "2012-04"), "no series for Nowhere", id="treated-absent"),
    pytest.param(studies.Study("s", ("Warwickshire",), "2030-01"), "needs 2 years", id="change-outside"),
    pytest.param(studies.Study("s", ("Warwickshire",), "2008-06"), "needs 2 years", id="no-baseline"),
])
def test_designs_the_data_cannot_support_say_why(study, match):
    r = studies.run_study(_panel(), None, study, time="quarter")
    assert match in r.skipped and r.table().empty and "could not be checked" in r.answer()


def test_too_few_comparison_forces_is_refused_not_guessed():
    r = studies.run_study(_panel(), None, studies.custom_study("Warwickshire", "2012-04", ["Kent", "Essex"]),
                          time="quarter")
    assert "at least 8 are needed" in r.skipped


@pytest.mark.parametrize(("forces", "expected"), [
    pytest.param(["Cumbria", "Lancashire"], [], id="cumbria-lancashire-no-design"),
    pytest.param(["Dyfed-Powys", "Gwent", "North Wales", "South Wales"], [], id="wales-no-design"),
    pytest.param(["Dorset"], ["Devon and Cornwall-Dorset alliance"], id="dorset"),
    pytest.param(["Warwickshire", "West Mercia"], ["Warwickshire-West Mercia alliance",
                                                   "Warwickshire-West Mercia new policing model",
                                                   "Warwickshire-West Mercia alliance ending"], id="ww-wm"),
])
def test_designs_follow_the_forces_analysed(forces, expected):
    assert [s.name for s in studies.studies_for(forces=forces)] == expected


def test_staggered_finds_a_shared_effect_on_synthetic_cohorts():
    tot = _panel(effect=0.25, seed=7, treated=("Warwickshire", "West Mercia"), start="2012Q1")
    reg = register.collaborations()
    r = staggered.staggered_effects(tot, time="quarter", register_table=reg[reg["collaboration"].str.startswith("W")])
    e = r.event_time.set_index("window")
    assert e.loc["all years observed", "cohorts"] == 1
    assert e.loc["all years observed", "ci_low_pct"] < 25 < e.loc["all years observed", "ci_high_pct"]
    assert e.loc["all years observed", "p_value"] <= 0.04
    assert {"year 1", "year 2", "year 3"} <= set(e.index)


def test_shipped_designs_on_the_real_default():
    from alliance_analysis.presentation.report import code_identifiers, sentence_count
    from alliance_analysis.series import sources

    s = sources.load_crime_series("default")
    ctx = sources.load_context(s.forces)
    out = {st.name: studies.run_study(s.totals(), ctx.population, st, time=s.time, data_breaks=ctx.breaks)
           for st in studies.shipped_studies()}
    ww = out["Warwickshire-West Mercia alliance"]
    # window 2010 Q1 - 2014 Q4: Norfolk-Suffolk (2010-), Bedfordshire-Cambridgeshire-Hertfordshire (2011-) and
    # Cheshire-North Wales (June 2014-) were running; Devon and Cornwall-Dorset began only in 2015
    assert not {"Norfolk", "Suffolk", "Bedfordshire", "Cambridgeshire", "Hertfordshire", "Cheshire", "North Wales",
                "City of London", "Warwickshire", "West Mercia"} & set(ww.donors)
    assert {"Devon and Cornwall", "Dorset"} <= set(ww.donors) and len(ww.donors) == 43 - 10
    dc = out["Devon and Cornwall-Dorset alliance"]
    assert not {"Warwickshire", "West Mercia", "Norfolk"} & set(dc.donors)
    for name, r in out.items():
        assert r.skipped == "" and len(r.table()) == 4, name
        assert 0.05 < r.mde < 0.40, name                       # measured 15%, 19%, 24%, 27%
        assert "could detect a change of about" in r.summary()
        marks = r.table()["Declared national break in the window"]
        baseline_start = r.rows["first"].iloc[0] - 8          # two years before the change
        touches_uplift = [(baseline_start <= pd.Period("2016Q4")) and (row.last >= pd.Period("2014Q1"))
                          for row in r.rows.itertuples()]
        assert [("recording-practice" in m) for m in marks] == touches_uplift, name
        assert not code_identifiers(r.answer()) and sentence_count(r.answer()) <= 2
        html = r._repr_html_()
        assert "<table" in html and "p-value" in html
    assert "COVID-19" in out["Warwickshire-West Mercia alliance ending"].table().iloc[0, -1]


def test_city_of_london_is_warned_and_synthetic_control_refuses():
    from alliance_analysis import evaluation
    from alliance_analysis.series import sources

    s = sources.load_crime_series("default")
    ctx = sources.load_context(s.forces)
    r = studies.run_study(s.totals(), ctx.population, studies.custom_study("City of London", "2015-03"),
                          time=s.time, data_breaks=ctx.breaks)
    assert "City of London" in r.answer() and "unreliable" in r.answer()
    panel = studies.unit_panel(s.totals(), ctx.population, studies.Study("s", ("City of London",), "2015-03"),
                               time=s.time)
    rates = panel[["force", s.time, "rate"]].rename(columns={"rate": "count"})
    with pytest.raises(ParameterError, match="outside the donors' range"):
        evaluation.synthetic_control(rates, "City of London", ["Kent", "Essex", "Surrey", "Sussex"], "2015Q2")


def _groups_panel(effect: float, seed: int) -> pd.DataFrame:
    """Three offence groups (each a :func:`_panel` with its own seed) in one long table with a group column."""
    parts = [_panel(effect=effect, seed=seed + k, start="2012Q2").assign(offence_group=f"group {k}") for k in range(3)]
    return pd.concat(parts, ignore_index=True)


@pytest.mark.parametrize(("effect", "established"), [
    pytest.param(0.20, True, id="20-percent-in-every-group-found"),
    pytest.param(0.0, False, id="nothing-not-claimed"),
])
def test_pooled_offence_groups_equal_the_weighted_hand_effects(effect, established):
    g = _groups_panel(effect, seed=11)
    tot = g.groupby(["force", "quarter"], as_index=False)["count"].sum()
    st = studies.Study("s", ("Warwickshire", "West Mercia"), "2012-04")
    r = studies.run_study(tot, None, st, time="quarter", groups=g)
    assert r.pooled and r.group_weights.sum() == pytest.approx(1) and (r.group_weights >= 0).all()
    hand = {k: np.log1p(_hand_effect(sub, st.treated, r.donors, "2012Q2")) for k, sub in g.groupby("offence_group")}
    pooled = sum(r.group_weights[k] * hand[k] for k in hand)          # weighted sum of each group's log change
    o = r.overall
    assert o["measure"] == "offence groups pooled"
    assert o["effect_pct"] / 100 == pytest.approx(np.expm1(pooled), abs=1e-9)
    assert r.significant is established and r.threshold == 0.03
    assert len(r.table()) == 8 and r.table()["Measure"].tolist().count("all recorded crime") == 4
    if established:
        assert o["ci_low_pct"] < 20 < o["ci_high_pct"]
    assert "offence group by offence group" in r.answer() and "Offence groups pooled" in r.summary()


def test_pooled_offence_groups_lower_the_detectable_change_on_the_real_default():
    from alliance_analysis.presentation.report import code_identifiers, sentence_count
    from alliance_analysis.series import sources

    s = sources.load_crime_series("default")
    ctx = sources.load_context(s.forces)
    for st in studies.shipped_studies():
        r = studies.run_study(s.totals(), ctx.population, st, time=s.time, data_breaks=ctx.breaks, groups=s.data)
        # measured: 10.7%, 12.1%, 14.6% and 13.5% pooled against 15%, 18%, 26% and 26% for all crime as one series
        assert r.pooled and r.mde < r.mde_total and r.mde < 0.16, st.name
        assert not code_identifiers(r.answer()) and sentence_count(r.answer()) <= 2
        assert r.group_weights.sum() == pytest.approx(1) and len(r.group_weights) == 11


def test_study_charts_use_financial_year_ticks_and_plain_titles():
    import matplotlib.pyplot as plt

    from alliance_analysis.presentation.report import code_identifiers

    g = _groups_panel(0.0, seed=2)
    tot = g.groupby(["force", "quarter"], as_index=False)["count"].sum()
    r = studies.run_study(tot, None, studies.Study("Test alliance", ("Warwickshire", "West Mercia"), "2012-04"),
                          time="quarter", groups=g)
    figs = studies.plot_study(r)
    try:
        assert len(figs) == 2
        fig = figs[0]
        fig.canvas.draw()
        labels = [t.get_text() for ax in fig.axes for t in ax.get_xticklabels(minor=False) + ax.get_xticklabels(
            minor=True) if t.get_text()]
        assert "2012/13" in labels, labels                    # financial years, not calendar years
        yfmt = fig.axes[0].yaxis.get_major_formatter()
        assert yfmt(27000, 0) == "27,000"                       # counts with thousands separators
        for f in figs:
            title = " ".join(t.get_text() for ax in f.axes for t in [ax.title, *ax.texts] if t.get_text())
            title += " ".join(t.get_text() for t in f.texts)
            assert title and not code_identifiers(title), title
        # the by-year chart shows the headline (offence groups pooled) rows: years 1-3
        assert len(figs[1].axes[0].get_yticklabels()) == 3
    finally:
        for f in figs:
            plt.close(f)
