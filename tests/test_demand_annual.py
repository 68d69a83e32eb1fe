"""Year-by-year demand: financial-year totals, annual rates, shares against the split, and
trend classification on quarterly series with declared breaks. Expected values are worked
by hand in the comments."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alliance_analysis import demand
from alliance_analysis.errors import DataValidationError, ParameterError


def _quarters(start: str, counts: list[int], **keys) -> pd.DataFrame:
    q = pd.period_range(start, periods=len(counts), freq="Q")
    return pd.DataFrame({**keys, "quarter": q, "count": counts})


@pytest.mark.parametrize(("start", "counts", "expected", "incomplete"), [
    # 2013Q2..2014Q1 is FY 2013/14 (April-March): 1+2+3+4 = 10
    pytest.param("2013Q2", [1, 2, 3, 4], [("2013/14", 10)], [], id="one-complete-year"),
    # 2013Q1 belongs to 2012/13 (incomplete), then 2013/14 = 2+3+4+5 = 14, then 2014Q2 alone (incomplete)
    pytest.param("2013Q1", [1, 2, 3, 4, 5, 6], [("2013/14", 14)], ["2012/13", "2014/15"], id="partial-ends-left-out"),
    pytest.param("2012Q2", [1] * 8, [("2012/13", 4), ("2013/14", 4)], [], id="two-years"),
])
def test_financial_year_totals_quarterly(start, counts, expected, incomplete):
    t = demand.financial_year_totals(_quarters(start, counts, force="A", offence_group="Robbery"),
                                     by=("force", "offence_group"))
    assert list(zip(t["financial_year"], t["count"])) == expected
    assert t.attrs["incomplete_years"] == incomplete


def test_financial_year_totals_monthly_march_belongs_to_previous_year():
    m = pd.period_range("2014-01", "2014-12", freq="M")
    s = pd.DataFrame({"force": "A", "crime_type": "Drugs", "month": m, "count": np.arange(1, 13)})
    # April-December 2014 is only 9 months of 2014/15; January-March 2014 only 3 of 2013/14: nothing complete
    t = demand.financial_year_totals(s)
    assert t.empty and t.attrs["incomplete_years"] == ["2013/14", "2014/15"]


def test_annual_rates_use_each_years_population_and_nearest_year_is_flagged():
    totals = pd.DataFrame({"force": "A", "crime_type": "Drugs", "financial_year": ["2019/20", "2022/23"],
                           "year": [2019, 2022], "count": [50, 66]})
    pop = pd.DataFrame({"force": "A", "year": [2019, 2020], "population": [1000, 1100]})
    r = demand.annual_rates(totals, pop)
    # 50 / 1000 x 1000 = 50.0 on mid-2019; 66 / 1100 x 1000 = 60.0 on mid-2020 (nearest to 2022)
    assert r["rate_per_1000"].tolist() == [50.0, 60.0]
    assert r["population_year"].tolist() == [2019, 2020]
    assert r.attrs["nearest_year_used"] == [(2022, 2020)]


def test_annual_rates_group_is_sum_of_members():
    totals = pd.DataFrame({"force": ["A", "B"], "crime_type": "Drugs", "financial_year": "2013/14",
                           "year": 2013, "count": [30, 10]})
    pop = pd.DataFrame({"force": ["A", "B"], "year": 2013, "population": [1000, 4000]})
    r = demand.annual_rates(totals, pop, groups={"A+B": ["A", "B"]})
    g = r[r["area"] == "A+B"].iloc[0]
    assert (g["count"], g["population"], g["rate_per_1000"]) == (40, 5000, 8.0)   # 40 / 5000 x 1000
    with pytest.raises(ParameterError, match="no data for member forces"):
        demand.annual_rates(totals, pop, groups={"A+C": ["A", "C"]})


def test_shares_by_year_align_each_basis_to_the_financial_year():
    forces = ["A", "B"]
    crime = pd.DataFrame({"force": forces, "year": 2013, "count": [600, 400]})
    pop = pd.DataFrame({"force": forces, "year": 2013, "population": [700, 300]})
    # workforce at 31 March 2014 = end of 2013/14
    wf = pd.DataFrame({"force": forces * 2, "year": [2014, 2014, 2014, 2014], "value": [300, 100, 200, 0]})
    # CSS for the year ending March 2014: A 10 x 700 = 7000, B 30 x 300 = 9000: A's harm share 7000/16000
    css = pd.DataFrame({"force": forces, "year": 2014, "severity_score": [10.0, 30.0]})
    s = demand.shares_by_year(forces, crime=crime, population=pop, workforce=wf, severity=css)
    a = s[s["force"] == "A"].set_index("basis")["share_pct"]
    assert a["recorded crime"] == pytest.approx(60.0)
    assert a["population"] == pytest.approx(70.0)
    assert a["workforce (FTE)"] == pytest.approx(500 / 600 * 100)   # (300 + 200) / 600
    assert a["harm (crime severity score x population)"] == pytest.approx(43.75)
    assert set(s["financial_year"]) == {"2013/14"}


def test_shares_need_every_partner_in_a_year():
    pop = pd.DataFrame({"force": ["A", "B", "A"], "year": [2013, 2013, 2014], "population": [1, 1, 1]})
    s = demand.shares_by_year(["A", "B"], population=pop)
    assert s["year"].unique().tolist() == [2013]     # 2014 has no B: left out, not 100% for A


def test_split_drift_and_summary():
    shares = pd.DataFrame({"financial_year": ["2011/12", "2011/12", "2012/13", "2012/13"], "year": [2011, 2011, 2012, 2012],
                           "basis": "population", "force": ["A", "B", "A", "B"], "value": 0,
                           "share_pct": [69.4, 30.6, 67.0, 33.0]})
    d = demand.split_drift(shares, {"A": 69, "B": 31})
    assert d.loc[d["force"] == "A", "gap_pp"].round(6).tolist() == [-0.4, 2.0]
    s = demand.drift_summary(d, "A").iloc[0]
    assert s["years_within"] == "1 of 2 years (2011/12)" and s["first_share_pct"] == 69.4 and s["last_share_pct"] == 67.0
    with pytest.raises(ParameterError, match="sums to 90"):
        demand.split_drift(shares, {"A": 60, "B": 30})


def test_quarterly_trend_uses_four_periods_a_year():
    s = _quarters("2008Q1", list((500 * 1.05 ** np.arange(40)).round().astype(int)), force="A", offence_group="Drugs")
    r = demand.classify_trends(s, by=("force", "offence_group")).iloc[0]
    # 1.05 per quarter is 1.05 ** 4 - 1 = 21.55% a year
    assert r["trend"] == "rising" and r["annual_change"] == pytest.approx(0.2155, abs=0.003)
    assert r["periods"] == 40


def test_declared_break_is_not_read_as_a_trend():
    # flat at 100 a quarter, then a recording-practice step to 150 from 2014Q2: no underlying trend
    counts = [100] * 25 + [150] * 15
    s = _quarters("2008Q1", counts, force="A", offence_group="Violence against the person")
    naive = demand.classify_trends(s, by=("force", "offence_group")).iloc[0]
    assert naive["trend"] == "rising"
    brk = pd.DataFrame({"break_id": ["hmic_uplift"], "start": ["2014-04-01"], "end": [None],
                        "offence_groups": ["Violence against the person; Sexual offences"]})
    adj = demand.classify_trends(s, by=("force", "offence_group"), breaks=brk).iloc[0]
    assert adj["trend"] == "stable" and abs(adj["annual_change"]) < 1e-6
    assert adj["breaks_adjusted"] == "hmic_uplift"
    other = demand.classify_trends(s.assign(offence_group="Robbery"), by=("force", "offence_group"), breaks=brk)
    assert other["breaks_adjusted"].item() == ""          # the break does not touch robbery


def test_short_series_skip_or_raise():
    s = _quarters("2020Q1", [5, 6, 7], force="A", offence_group="Drugs")
    with pytest.raises(DataValidationError, match="has 3 quarters; at least 8 needed"):
        demand.classify_trends(s, by=("force", "offence_group"))
    r = demand.classify_trends(s, by=("force", "offence_group"), on_short="skip")
    assert r["trend"].item() == demand.TOO_SHORT and np.isnan(r["annual_change"].item())


@pytest.mark.shared_data
def test_population_share_2011_matches_plain_sum(shared_data):
    """West Mercia's share of the pair's mid-2011 population, from the district file summed
    with the csv module (independent of the package's loaders)."""
    import csv
    import gzip

    lad = {}
    with open(shared_data / "lookups" / "lad_pfa_2021.csv", newline="") as fh:
        for r in csv.DictReader(fh):
            lad[r["lad21cd"]] = r["pfa21nm"].strip()
    tot = {"West Mercia": 0, "Warwickshire": 0}
    with gzip.open(shared_data / "population" / "population_by_lad_mid2001_mid2020.csv.gz", "rt") as fh:
        for r in csv.DictReader(fh):
            if r["year"] == "2011" and lad.get(r["code"]) in tot:
                tot[lad[r["code"]]] += int(r["population"])
    pop = pd.DataFrame({"force": list(tot), "year": 2011, "population": list(tot.values())})
    s = demand.shares_by_year(["West Mercia", "Warwickshire"], population=pop)
    wm = s.loc[s["force"] == "West Mercia", "share_pct"].item()
    assert 68.0 < wm < 70.0          # the 69:31 split follows population (review para 46)
    assert wm == pytest.approx(tot["West Mercia"] / sum(tot.values()) * 100)


def test_breaks_from_the_taxonomy_file_by_kind():
    """The declared breaks as shipped: a phased uplift (ramp 2014-2016) in violence, a lockdown
    pulse for every group. A series that is flat apart from a lockdown dip is stable once the
    pulse is modelled."""
    from alliance_analysis import taxonomy

    brk = taxonomy.data_breaks()
    q = pd.period_range("2015Q1", periods=32, freq="Q")
    lock = (q.start_time >= "2020-03-23") & (q.start_time <= "2021-07-19")
    counts = np.random.default_rng(7).poisson(np.where(lock, 120, 200))
    s = pd.DataFrame({"force": "A", "offence_group": "Robbery", "quarter": q, "count": counts})
    r = demand.classify_trends(s, by=("force", "offence_group"), breaks=brk).iloc[0]
    assert "covid_lockdowns_2020_21" in r["breaks_adjusted"]
    assert r["trend"] == "stable" and r["ci_low"] < 0 < r["ci_high"]
    naive = demand.classify_trends(s, by=("force", "offence_group")).iloc[0]
    assert naive["annual_change"] < r["annual_change"]      # the late dip drags an unadjusted trend down


def test_annual_figures_reach_back_to_2002_03_from_the_rolling_table():
    """Before the first derived quarter (2006 Q2) the annual totals are the published years to
    March 2003-2006; checked against a csv-module sum of the shipped rolling-year file."""
    import csv

    from alliance_analysis import paths
    from alliance_analysis.series import sources

    s = sources.load_crime_series("default", forces=["Dorset"])
    early = sources.annual_before(s)
    plain = 0
    with open(paths.RAW_DIR / "home_office" / "rec-crime-pfa.csv", newline="", encoding="utf-8-sig") as fh:
        for r in csv.DictReader(fh):
            if r["12 months ending"] == "31-03-2003" and r["PFA"] == "Dorset" and r["Offence"] != "Fraud offences":
                plain += int(r["Rolling year total number of offences"])
    assert int(early.loc[early["financial_year"] == "2002/03", "count"].sum()) == plain
    ctx = sources.load_context(s.forces)
    r = demand.demand_analysis(s, population=ctx.population, earlier_years=early)
    assert r.annual["financial_year"].min() == "2002/03"
    assert any("2002/03 to 2005/06" in n for n in r.notes)
