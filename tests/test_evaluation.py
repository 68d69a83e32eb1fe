"""Policy evaluation: seeded simulations with known effects, placebo bounds, declared breaks, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alliance_analysis import evaluation as E
from alliance_analysis.errors import DataValidationError, ParameterError

MONTHS = pd.period_range("2010-01", periods=48, freq="M")


def _series(step: float, seed: int, level: float = 300.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    t = np.arange(48)
    mu = level * (1 + 0.1 * np.cos(2 * np.pi * t / 12)) * np.where(t >= 24, 1 + step, 1.0)
    return pd.DataFrame({"month": MONTHS, "count": rng.poisson(mu)})


def test_known_step_is_detected_and_ci_covers_truth():
    r = E.interrupted_time_series(_series(0.2, 1), "2012-01")
    assert r.level_ci[0] > 0
    assert r.level_ci[0] < 0.2 < r.level_ci[1]


@pytest.mark.slow
def test_power_and_false_positive_rate():
    # 60 series each way, Poisson counts ~300/month, 24 months either side, alpha 0.05
    hits = [E.interrupted_time_series(_series(0.2, s), "2012-01").level_p < 0.05 for s in range(60)]
    false = [E.interrupted_time_series(_series(0.0, 1000 + s), "2012-01").level_p < 0.05 for s in range(60)]
    assert np.mean(hits) >= 0.8
    assert np.mean(false) <= 0.15


def test_declared_gap_is_excluded_and_undeclared_gap_is_an_error():
    d = _series(0.0, 3)
    d.loc[30:33, "count"] = np.nan
    with pytest.raises(DataValidationError, match="no declared break"):
        E.interrupted_time_series(d, "2012-01")
    r = E.interrupted_time_series(d, "2012-01", breaks=[E.DataBreak("gap", "2012-07", "2012-10", "supply gap")])
    assert r.excluded_months == ["2012-07", "2012-08", "2012-09", "2012-10"]
    assert r.fitted["excluded"].sum() == 4


def test_recording_change_is_not_credited_to_the_policy():
    d = _series(0.0, 4)
    d.loc[d.index >= 36, "count"] = (d.loc[d.index >= 36, "count"] * 1.3).round()  # recording change at 2013-01
    naive = E.interrupted_time_series(d, "2012-01")
    declared = E.interrupted_time_series(d, "2012-01", breaks=[E.DataBreak("recording_change", "2013-01", note="NCRS audit")])
    assert abs(declared.level_change) < abs(naive.level_change) or declared.level_ci[0] < 0 < declared.level_ci[1]


@pytest.mark.parametrize(
    "kwargs, exc, message",
    [
        pytest.param({"change_date": "2020-01"}, ParameterError, "outside the data", id="date-outside"),
        pytest.param({"change_date": "2010-06"}, DataValidationError, "only 5 pre-period periods", id="short-pre"),
        pytest.param({"family": "gamma"}, ParameterError, "family", id="bad-family"),
    ],
)
def test_bad_its_arguments(kwargs, exc, message):
    with pytest.raises(exc, match=message):
        E.interrupted_time_series(_series(0.0, 1), **{"change_date": "2012-01", **kwargs})


def test_negative_and_non_period_input():
    d = _series(0.0, 1)
    d.loc[3, "count"] = -1
    with pytest.raises(DataValidationError, match="negative count"):
        E.interrupted_time_series(d, "2012-01")
    with pytest.raises(DataValidationError, match="must hold pandas Period values"):
        E.interrupted_time_series(_series(0.0, 1).assign(month=MONTHS.to_timestamp()), "2012-01")


def _panel(effect: float, seed: int = 0):
    rng = np.random.default_rng(seed)
    t = np.arange(48)
    common = 1 + 0.1 * np.cos(2 * np.pi * t / 12) + 0.003 * t
    rows = []
    for f, lvl in zip(["T", "A", "B", "C", "D", "E"], [400, 300, 500, 350, 450, 380]):
        mult = np.where((f == "T") & (t >= 24), 1 + effect, 1.0)
        rows.append(pd.DataFrame({"force": f, "month": MONTHS, "count": rng.poisson(lvl * common * mult)}))
    return pd.concat(rows, ignore_index=True)


def test_did_recovers_known_effect():
    r = E.difference_in_differences(_panel(0.25), "T", ["A", "B", "C", "D", "E"], "2012-01")
    # force-clustered SEs with six clusters are tight (and known to understate uncertainty with
    # few clusters), so test the point estimate against the truth rather than CI coverage
    assert abs(r.effect - 0.25) < 0.03 and r.p_value < 0.05
    null = E.difference_in_differences(_panel(0.0, 7), "T", ["A", "B", "C", "D", "E"], "2012-01")
    assert null.ci[0] < 0 < null.ci[1]


def test_scaled_synthetic_control_recovers_convex_weights_and_placebo_p_bounds():
    t = np.arange(48)
    base = {f: lvl * (1 + a * np.cos(2 * np.pi * t / 12)) * (1 + g) ** (t / 12) for f, lvl, a, g in
            [("A", 300, 0.05, 0.05), ("B", 500, 0.2, -0.05), ("C", 350, 0.1, 0.0), ("D", 450, 0.15, 0.1)]}
    scaled = {f: v / v[:24].mean() for f, v in base.items()}
    treated = (0.6 * scaled["A"] + 0.4 * scaled["B"]) * 400
    rows = [pd.DataFrame({"force": f, "month": MONTHS, "count": v}) for f, v in base.items()]
    rows.append(pd.DataFrame({"force": "T", "month": MONTHS, "count": treated}))
    r = E.synthetic_control(pd.concat(rows), "T", ["A", "B", "C", "D"], "2012-01", method="scaled")
    assert r.method == "scaled" and "method='scaled'" in repr(r)
    assert r.weights["A"] == pytest.approx(0.6, abs=0.02) and r.weights["B"] == pytest.approx(0.4, abs=0.02)
    assert r.weights.sum() == pytest.approx(1) and (r.weights >= 0).all()
    assert 1 / 5 <= r.p_value <= 1


def test_verdict_is_plain_and_honest_about_small_pools():
    sc = E.synthetic_control(_panel(0.0, 3), "T", ["A", "B", "C", "D", "E"], "2012-01")
    text = E.verdict(sc=sc)
    assert "smallest possible is 0.17" in text and "Overall" in text


# ---------------------------------------------------------------- DiD: designs, refusals, frequencies

import dataclasses  # noqa: E402
import warnings  # noqa: E402


def _freq_panel(freq: str, n: int, change_at: int, effect: float, forces=("T", "A", "B", "C", "D"), seed: int = 0):
    rng = np.random.default_rng(seed)
    start = {"M": "2010-01", "Q": "2010Q1", "Y": "2000"}[freq]
    col = {"M": "month", "Q": "quarter", "Y": "period"}[freq]
    per = pd.period_range(start, periods=n, freq=freq)
    rows = []
    for f in forces:
        mult = np.where((f == "T") & (np.arange(n) >= change_at), 1 + effect, 1.0)
        rows.append(pd.DataFrame({"force": f, col: per, "count": rng.poisson(20000 * mult)}))
    return pd.concat(rows, ignore_index=True), per[change_at]


@pytest.mark.parametrize(
    "freq, n, change_at, n_years",
    [
        pytest.param("M", 48, 24, 4, id="monthly"),
        pytest.param("Q", 16, 8, 4, id="quarterly"),
        pytest.param("Y", 8, 4, 8, id="yearly"),
    ],
)
def test_did_runs_on_monthly_quarterly_and_yearly_panels(freq, n, change_at, n_years):
    d, t0 = _freq_panel(freq, n, change_at, 0.2)
    with pytest.warns(E.SmallSampleWarning, match="5 forces"):
        r = E.difference_in_differences(d, "T", ["A", "B", "C", "D"], str(t0))
    assert abs(r.effect - 0.2) < 0.03
    assert r.df == 3 and r.ri_min_p == pytest.approx(0.2) and r.n_post == n - change_at
    assert len(r.event_study) == n_years - 1  # every relative year except the reference year -1
    assert np.isfinite([r.ci[0], r.ci[1], r.p_value]).all() and r.ci[0] < r.ci[1]


def test_did_estimate_equals_two_way_fixed_effects_ols_and_t_equals_hand_working():
    import statsmodels.formula.api as smf

    d, t0 = _freq_panel("Q", 12, 6, 0.1, seed=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", E.SmallSampleWarning)
        r = E.difference_in_differences(d, "T", ["A", "B", "C", "D"], str(t0))
    x = d.assign(y=np.log1p(d["count"]), tp=((d["force"] == "T") & (d["quarter"] >= t0)).astype(float),
                 q=d["quarter"].astype(str))
    ols = smf.ols("y ~ tp + C(force) + C(q)", data=x).fit()
    assert np.log1p(r.effect) == pytest.approx(ols.params["tp"], abs=1e-10)
    # Donald-Lang by hand: each force's post-minus-pre mean change
    post_mean = x[x["quarter"] >= t0].groupby("force")["y"].mean()
    ch = post_mean - x[x["quarter"] < t0].groupby("force")["y"].mean()
    se = ch.drop("T").std(ddof=1) * np.sqrt(1 + 1 / 4)
    assert np.log1p(r.ci[1]) - np.log1p(r.effect) == pytest.approx(3.182446305284263 * se, rel=1e-9)  # t(3) 97.5%
    # randomisation p = rank of |T's estimate| among each force taken as treated
    est = {f: ch[f] - ch.drop(f).mean() for f in ch.index}
    rank = sum(abs(v) >= abs(est["T"]) - 1e-12 for v in est.values())
    assert r.ri_p_value == pytest.approx(rank / 5)


@pytest.mark.parametrize(
    "controls, change, message",
    [
        pytest.param(["A", "B"], "2010-01", "no pre-period", id="no-pre-period"),
        pytest.param(["A", "B"], "2014-01", "no post-period", id="no-post-period"),
        pytest.param(["A"], "2012-01", "only 1 control", id="one-control"),
        pytest.param([], "2012-01", "no controls", id="no-controls"),
        pytest.param(["A", "T"], "2012-01", "both treated and controls", id="treated-in-controls"),
    ],
)
def test_did_refuses_designs_it_cannot_estimate(controls, change, message):
    with pytest.raises(ParameterError, match=message):
        E.difference_in_differences(_panel(0.0), "T", controls, change)


def test_did_with_two_treated_forces_uses_every_assignment():
    d, t0 = _freq_panel("M", 36, 18, 0.2, forces=("T", "U", "A", "B", "C", "D"))
    d.loc[d["force"] == "U", "count"] = d.loc[d["force"] == "T", "count"].to_numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", E.SmallSampleWarning)
        r = E.difference_in_differences(d, ["T", "U"], ["A", "B", "C", "D"], str(t0))
    assert r.n_treated == 2 and r.ri_assignments == 15  # C(6, 2)
    assert r.ri_p_value == pytest.approx(1 / 15) and r.df == 4
    assert r.cumulative_effect > 0 and r.average_ci[0] < r.average_effect < r.average_ci[1]


def test_did_randomisation_samples_assignments_with_a_seed_when_there_are_too_many():
    d, t0 = _freq_panel("M", 36, 18, 0.0, forces=("T", "U", "A", "B", "C", "D"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", E.SmallSampleWarning)
        a = E.difference_in_differences(d, ["T", "U"], ["A", "B", "C", "D"], str(t0), max_assignments=10, seed=1)
        b = E.difference_in_differences(d, ["T", "U"], ["A", "B", "C", "D"], str(t0), max_assignments=10, seed=1)
    assert a.ri_assignments == 10 and a.ri_p_value == b.ri_p_value  # 10 of the C(6, 2) = 15, reproducible
    assert any("seeded random assignments (seed 1)" in n for n in a.notes)


def test_did_refuses_a_zero_variance_comparison():
    t = np.arange(48)
    d = pd.concat([pd.DataFrame({"force": f, "month": MONTHS, "count": 100 + (t >= 24) * k})
                   for f, k in [("T", 20), ("A", 0), ("B", 0), ("C", 0)]])
    with pytest.raises(DataValidationError, match="no variance"):
        E.difference_in_differences(d, "T", ["A", "B", "C"], "2012-01")


def test_did_rejects_gaps_and_unknown_forces():
    d = _panel(0.0).drop(index=5)
    with pytest.raises(DataValidationError, match="gaps"):
        E.difference_in_differences(d, "T", ["A", "B"], "2012-01")
    with pytest.raises(DataValidationError, match="no data for forces"):
        E.difference_in_differences(_panel(0.0), "T", ["A", "Z"], "2012-01")


# ---------------------------------------------------------------- ITS: effects people can read


def test_its_average_effect_shows_a_temporary_effect_that_level_and_slope_miss():
    t = np.arange(48)
    mu = 300 * (1 + 0.1 * np.cos(2 * np.pi * t / 12))
    bump = np.where((t >= 24) & (t < 30), 60.0, 0.0)  # +60 a month for six months, then nothing
    y = np.random.default_rng(11).poisson(mu) + bump
    r = E.interrupted_time_series(pd.DataFrame({"month": MONTHS, "count": y}), "2012-01")
    f = r.fitted
    post = f["post"] & ~f["excluded"]
    assert r.cumulative_effect == pytest.approx((f.loc[post, "count"] - f.loc[post, "counterfactual"]).sum())
    assert r.average_effect == pytest.approx(r.cumulative_effect / 24) and r.n_post == 24
    assert r.cumulative_ci[0] < 360 < r.cumulative_ci[1]  # true cumulative effect 6 x 60
    assert r.percent_ci[0] < r.percent_effect < r.percent_ci[1]
    assert set(r.summary()["estimate"].str.split(" ").str[0]) >= {"level", "slope", "average", "cumulative"}


def test_its_runs_on_quarterly_and_annual_series():
    q = pd.period_range("2010Q1", periods=24, freq="Q")
    y = np.random.default_rng(2).poisson(np.where(np.arange(24) >= 12, 1200, 1000))
    rq = E.interrupted_time_series(pd.DataFrame({"quarter": q, "count": y}), "2013Q1")
    assert rq.period_column == "quarter" and rq.level_ci[0] < 0.2 < rq.level_ci[1]
    yr = pd.period_range("2000", periods=14, freq="Y")
    ya = np.random.default_rng(3).poisson(np.where(np.arange(14) >= 7, 12000, 10000))
    ra = E.interrupted_time_series(pd.DataFrame({"period": yr, "count": ya}), "2007")
    assert ra.n_post == 7 and ra.level_ci[0] < 0.2 < ra.level_ci[1]
    assert "s_2" not in " ".join(map(str, ra.fitted.columns))


# ---------------------------------------------------------------- data breaks in results and plots

BREAKS = [
    {"start": "2011-04-01", "end": "2013-03-31", "description": "fraud to Action Fraud"},
    {"start": "2014-01-01", "end": "", "description": "recording uplift"},  # open-ended
    {"start": "2030-01-01", "end": "2031-01-01", "description": "outside the window"},
]


def test_declared_breaks_are_listed_and_shaded_in_every_chart():
    import matplotlib.pyplot as plt

    its = E.interrupted_time_series(_series(0.0, 1), "2012-01", data_breaks=BREAKS)
    assert its.data_breaks["description"].tolist() == ["fraud to Action Fraud"]  # the others miss 2010-2013
    fig = E.plot_counterfactual(its, title="t", change_date="2012-01")
    spans = [p for p in fig.axes[0].patches if p.get_label() == "declared data break"]
    assert len(spans) == 1
    plt.close(fig)
    sc = E.synthetic_control(_panel(0.0), "T", ["A", "B", "C", "D", "E"], "2012-01",
                             data_breaks=pd.DataFrame(BREAKS[:1]))
    fig = E.plot_synthetic_control(sc, title="t", change_date="2012-01")
    assert any(p.get_label() == "declared data break" for p in fig.axes[0].patches)
    assert "synthetic control (levels" in " ".join(t.get_text() for t in fig.axes[0].get_legend().get_texts())
    plt.close(fig)
    text = E.verdict(its=its)
    assert "fraud to Action Fraud" in text
    assert "Breaks in force during the post-period (2011-04-01 to 2013-03-31)" in text  # change 2012-01
    assert its.data_breaks["overlaps_post"].tolist() == [True]


@pytest.mark.parametrize(
    "breaks, message",
    [
        pytest.param([{"end": "2012-01-01"}], "no start", id="no-start"),
        pytest.param([{"start": "2012-05-01", "end": "2012-01-01"}], "ends before it starts", id="reversed"),
        pytest.param([{"start": "not a date"}], "not a date", id="bad-date"),
    ],
)
def test_bad_declared_breaks(breaks, message):
    with pytest.raises(DataValidationError, match=message):
        E.declared_breaks(breaks, pd.Period("2010-01", "M"), pd.Period("2013-12", "M"))


# ---------------------------------------------------------------- synthetic control: refusals and levels


@pytest.mark.parametrize(
    "kwargs, exc, message",
    [
        pytest.param({"method": "ratio"}, ParameterError, "method", id="bad-method"),
        pytest.param({"change_date": "2010-01"}, ParameterError, "no pre-period", id="no-pre-period"),
        pytest.param({"change_date": "2015-01"}, ParameterError, "no post-period", id="no-post-period"),
        pytest.param({"donors": []}, ParameterError, "no donors", id="no-donors"),
        pytest.param({"donors": ["A"]}, ParameterError, "only 1 donor", id="one-donor"),
        pytest.param({"change_date": "2010-06"}, DataValidationError, "only 5 pre-period", id="short-pre"),
    ],
)
def test_bad_synthetic_control_designs(kwargs, exc, message):
    args = {"treated": "T", "donors": ["A", "B", "C"], "change_date": "2012-01", **kwargs}
    with pytest.raises(exc, match=message):
        E.synthetic_control(_panel(0.0), **args)


def test_levels_synthetic_control_recovers_a_convex_combination_in_outcome_units():
    t = np.arange(48.0)
    series = {"A": 300 + 2 * t, "B": 500 - t, "C": 350 + 5 * np.sin(t), "D": 900 + t}
    series["T"] = 0.25 * series["A"] + 0.75 * series["B"] + np.where(t >= 24, 40.0, 0.0)
    d = pd.concat([pd.DataFrame({"force": f, "month": MONTHS, "count": v}) for f, v in series.items()])
    r = E.synthetic_control(d, "T", ["A", "B", "C", "D"], "2012-01")
    assert r.weights["A"] == pytest.approx(0.25, abs=1e-6) and r.weights["B"] == pytest.approx(0.75, abs=1e-6)
    assert r.average_effect == pytest.approx(40.0, abs=1e-4) and r.cumulative_effect == pytest.approx(960, abs=1e-2)
    synth_post = (0.25 * series["A"] + 0.75 * series["B"])[24:].sum()
    assert r.effect == pytest.approx(960 / synth_post, rel=1e-6)
    placebo = r.placebos.loc[~r.placebos["treated"], "effect"]
    assert r.effect_ci == pytest.approx((r.effect - placebo.max(), r.effect - placebo.min()))
    assert r.cumulative_ci == pytest.approx((r.effect_ci[0] * synth_post, r.effect_ci[1] * synth_post))
    assert r.ci_coverage == pytest.approx(3 / 5)  # 4 placebos: (4 - 1) / (4 + 1)
    assert r.converged and r.pre_rmspe < 1e-4


def test_simplex_solver_certificate_bounds_the_excess_loss():
    rng = np.random.default_rng(4)
    A, b = rng.normal(size=(15, 30)) * 1000, rng.normal(size=15) * 1000  # unscaled inputs
    f = E.simplex_least_squares(A, b)
    w = rng.dirichlet(np.ones(30), size=2000)  # no feasible point may beat the certified optimum
    losses = ((w @ A.T - b) ** 2).sum(axis=1)
    assert f.converged and losses.min() >= f.loss - f.gap - 1e-6 * f.loss


# ---------------------------------------------------------------- verdict thresholds


def _sc_with(p: float, n_units: int):
    sc = E.synthetic_control(_panel(0.3, 3), "T", ["A", "B", "C", "D", "E"], "2012-01")
    plac = pd.DataFrame({"unit": [f"u{i}" for i in range(n_units)], "ratio": 1.0, "effect": 0.0, "pre_rmspe": 1.0,
                         "treated": [True] + [False] * (n_units - 1)})
    return dataclasses.replace(sc, p_value=p, placebos=plac, rank=round(p * n_units))


@pytest.mark.parametrize(
    "p, n_units, chance",
    [
        pytest.param(0.15, 20, False, id="p-0.15-is-not-enough"),
        pytest.param(1 / 6, 6, False, id="five-placebos-never-enough"),
        pytest.param(0.09, 11, True, id="p-0.09-with-10-placebos"),
    ],
)
def test_verdict_synthetic_control_threshold(p, n_units, chance):
    text = E.verdict(sc=_sc_with(p, n_units))
    assert ("Unlikely to be chance." in text) is chance
    assert ("unlikely to be chance" in text.split("Overall:")[1]) is chance
    assert "Thresholds:" in text and "placebo p <= 0.1" in text


def test_verdict_needs_both_did_tests_and_states_what_would_overturn_it():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", E.SmallSampleWarning)
        did = E.difference_in_differences(_panel(0.25), "T", ["A", "B", "C", "D", "E"], "2012-01")
    assert did.p_value < 0.05 and did.ri_p_value == pytest.approx(1 / 6)
    text = E.verdict(did=did)
    assert "significant at 5% on both tests" in text and "would be overturned" in text
    worse = dataclasses.replace(did, ri_p_value=2 / 6)  # treated force not the most extreme
    assert "not significant" in E.verdict(did=worse) and "unproven" in E.verdict(did=worse)


def test_breaks_from_the_taxonomy_table_are_listed_and_shaded_on_a_quarterly_series():
    import matplotlib.pyplot as plt

    from alliance_analysis import taxonomy

    table = taxonomy.data_breaks()
    q = pd.period_range("2012Q2", "2023Q2", freq="Q")
    y = np.random.default_rng(5).poisson(np.full(len(q), 20000))
    r = E.interrupted_time_series(pd.DataFrame({"quarter": q, "count": y}), "2016Q2", data_breaks=table)
    # independent count: breaks whose [start, end or open] overlaps April 2012 - June 2023
    ends = table["end"].fillna(pd.Timestamp("2099-01-01"))
    expected = int(((table["start"] <= pd.Timestamp("2023-06-30")) & (ends >= pd.Timestamp("2012-04-01"))).sum())
    assert len(r.data_breaks) == expected == 4
    in_post = int((ends >= pd.Timestamp("2016-04-01")).sum())  # in force on or after the change quarter
    assert int(r.data_breaks["overlaps_post"].sum()) == in_post == 3
    fig = E.plot_counterfactual(r, title="t", change_date="2016Q2")
    grey = (0.6196, 0.6196, 0.6196)  # #9e9e9e, the break shading
    spans = [p for p in fig.axes[0].patches if p.get_facecolor()[:3] == pytest.approx(grey, abs=1e-3)]
    assert len(spans) == expected
    plt.close(fig)


def test_predictors_enter_the_fit_and_must_cover_every_unit():
    t = np.arange(48.0)
    # A and B both reproduce T's pre-period path equally well through different mixes; a predictor breaks the tie
    series = {"A": 300 + t, "B": 300 + t, "C": 280 + t, "D": 320 + t}
    series["T"] = 300 + t
    d = pd.concat([pd.DataFrame({"force": f, "month": MONTHS, "count": v}) for f, v in series.items()])
    pred = pd.DataFrame({"urban_share": [0.9, 0.9, 0.1, 0.5, 0.5]}, index=["T", "A", "B", "C", "D"])
    r = E.synthetic_control(d, "T", ["A", "B", "C", "D"], "2012-01", predictors=pred)
    assert r.weights["A"] == pytest.approx(1.0, abs=1e-4)  # the only donor matching both outcome and predictor
    with pytest.raises(DataValidationError, match="predictors missing"):
        E.synthetic_control(d, "T", ["A", "B", "C", "D"], "2012-01", predictors=pred.drop(index="D"))


def test_uncertified_weights_raise_a_convergence_warning(monkeypatch):
    real = E.simplex_least_squares

    def failing(A, b, **kw):
        return dataclasses.replace(real(A, b, **kw), converged=False)

    import importlib

    monkeypatch.setattr(importlib.import_module("alliance_analysis.evaluation.sc"), "simplex_least_squares", failing)
    with pytest.warns(E.ConvergenceWarning, match="not certified optimal"):
        r = E.synthetic_control(_panel(0.0), "T", ["A", "B", "C"], "2012-01")
    assert not r.converged


def test_verdict_reports_time_placebos_and_a_fake_date_as_bad_overturns_the_result():
    sc = _sc_with(0.05, 20)
    tp_ok = pd.DataFrame({"fake_change": ["2011-01"], "ratio": [sc.ratio / 2], "effect": [0.0]})
    tp_bad = pd.DataFrame({"fake_change": ["2011-01"], "ratio": [sc.ratio * 2], "effect": [0.0]})
    assert "Unlikely to be chance" in E.verdict(sc=dataclasses.replace(sc, time_placebos=tp_ok))
    text = E.verdict(sc=dataclasses.replace(sc, time_placebos=tp_bad))
    assert "a fake date fits as badly" in text and "unproven" in text and "Unlikely to be chance" not in text
