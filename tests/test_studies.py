"""Alliance evaluations as data: designs, treated units, donor choice, skips, and a real run."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alliance_analysis.evaluation import studies
from alliance_analysis.errors import ParameterError


def test_designs_name_sources_and_reasons():
    d = studies.designs()
    assert d["study"].is_unique
    assert (d["source"].str.len() > 10).all() and (d["donor_rule"].str.len() > 10).all()
    s = {x.name: x for x in studies.shipped_studies()}
    ww = s["Warwickshire-West Mercia alliance"]
    assert ww.treated == ("Warwickshire", "West Mercia") and ww.change_date == "2011-11"
    assert "West Mercia" not in ww.donors and len(ww.donors) == 6   # the MSG of eight without the two partners
    dc = s["Devon and Cornwall-Dorset alliance"]
    assert dc.donors == () and "West Mercia" in dc.exclude


def test_unknown_study_is_named():
    with pytest.raises(ParameterError, match="unknown studies"):
        studies.shipped_studies(["No such alliance"])


def _panel(effect: float = 0.0, seed: int = 1) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    q = pd.period_range("2008Q1", "2016Q4", freq="Q")
    rows = []
    for i, f in enumerate(["T1", "T2", "A", "B", "C", "D", "E"]):
        base = 1000 + 100 * i
        for j, p in enumerate(q):
            lam = base * (1 + 0.01 * j) * (1 + effect * (f.startswith("T") and p >= pd.Period("2012Q2", "Q")))
            rows.append({"force": f, "quarter": p, "count": int(rng.poisson(lam))})
    pop = pd.DataFrame({"force": ["T1", "T2", "A", "B", "C", "D", "E"], "year": 2010, "population": 100_000})
    return pd.DataFrame(rows), pop


def test_change_inside_a_quarter_counts_from_the_next_full_quarter():
    tot, pop = _panel()
    st = studies.Study("s", ("T1", "T2"), "2011-11", ("A", "B", "C", "D", "E"), "test")
    r = studies.run_study(tot, pop, st, time="quarter")
    assert r.window.endswith("(change from 2012Q1)")          # November 2011 lies inside 2011Q4
    assert r.did is not None and r.sc is not None and r.its is not None
    assert set(r.table()["method"].str.split(" ").str[0]) == {"interrupted", "difference-in-differences",
                                                               "synthetic"}


def test_large_effect_is_found_and_null_is_not_claimed():
    tot, pop = _panel(effect=0.25, seed=3)
    st = studies.Study("s", ("T1", "T2"), "2012-04", ("A", "B", "C", "D", "E"), "test")
    r = studies.run_study(tot, pop, st, time="quarter")
    assert r.did.effect == pytest.approx(0.25, abs=0.05)
    tot0, _ = _panel(effect=0.0, seed=3)
    r0 = studies.run_study(tot0, pop, st, time="quarter")
    assert abs(r0.did.effect) < 0.05 and "unproven" in r0.verdict


@pytest.mark.parametrize(("study", "match"), [
    pytest.param(studies.Study("s", ("Nowhere",), "2012-04"), "no series for Nowhere", id="treated-absent"),
    pytest.param(studies.Study("s", ("T1",), "2030-01"), "outside the data", id="change-outside"),
])
def test_designs_the_data_cannot_support_say_why(study, match):
    tot, pop = _panel()
    r = studies.run_study(tot, pop, study, time="quarter")
    assert match in r.skipped and r.did is None and r.table().empty


def test_too_few_donors_runs_the_time_series_only():
    tot, pop = _panel()
    r = studies.run_study(tot, pop, studies.Study("s", ("T1",), "2012-04", ("A",), "one peer"), time="quarter")
    assert r.its is not None and r.did is None and r.sc is None
    assert any("at least two" in n for n in r.notes)


def test_shipped_designs_on_the_real_default():
    from alliance_analysis.series import sources

    s = sources.load_crime_series("default")
    ctx = sources.load_context(s.forces)
    out = {st.name: studies.run_study(s.totals(), ctx.population, st, time=s.time, data_breaks=ctx.breaks)
           for st in studies.shipped_studies()}
    dc = out["Devon and Cornwall-Dorset alliance"]
    assert dc.window.endswith("(change from 2015Q2)") and len(dc.donors) == 8
    assert not set(dc.donors) & {"West Mercia", "Warwickshire", "Metropolitan Police", "Devon and Cornwall", "Dorset"}
    for r in out.values():
        assert r.skipped == "" and len(r.table()) == 3
        assert "Thresholds" in r.verdict
