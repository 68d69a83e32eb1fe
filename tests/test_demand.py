"""Demand analysis: hand-worked examples, properties, bad input, real-data integration."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from alliance_analysis import demand, taxonomy
from alliance_analysis.errors import DataValidationError, ParameterError


def textbook_erlang_c(a: float, n: int) -> float:
    """The standard formula with factorials (independent of the library's recursion)."""
    top = a**n / math.factorial(n) * n / (n - a)
    return top / (sum(a**k / math.factorial(k) for k in range(n)) + top)


# ---------------------------------------------------------------- Erlang C

@pytest.mark.parametrize(
    "a, n, expected",
    [
        # A=2, N=3: A^3/3! * 3/(3-2) = 8/6*3 = 4; sum_{k<3} 2^k/k! = 1+2+2 = 5; C = 4/(5+4) = 4/9
        pytest.param(2.0, 3, 4 / 9, id="A2-N3-hand"),
        # A=1, N=2: 1/2 * 2/1 = 1; 1 + 1 = 2; C = 1/3
        pytest.param(1.0, 2, 1 / 3, id="A1-N2-hand"),
        pytest.param(30.0, 36, textbook_erlang_c(30.0, 36), id="A30-N36-textbook"),
    ],
)
def test_erlang_c_probability(a, n, expected):
    assert demand.erlang_c(a, n) == pytest.approx(expected, rel=1e-12)


def test_staffing_matches_textbook_search():
    # 360 calls/hour x 300 s = 30 Erlangs; textbook SL(N) = 1 - C(N) exp(-(N-A) 20/300):
    # N=35 -> 0.7961 < 0.8, N=36 -> 0.8580 >= 0.8, so 36 agents.
    r = demand.erlang_c_staffing([360], 300, interval_seconds=3600, target_answer_seconds=20,
                                 target_service_level=0.8, shrinkage=0.3).iloc[0]
    assert r["agents"] == 36
    c = textbook_erlang_c(30.0, 36)
    assert r["service_level"] == pytest.approx(1 - c * math.exp(-6 * 20 / 300))
    assert r["asa_seconds"] == pytest.approx(c * 300 / 6)
    assert r["occupancy"] == pytest.approx(30 / 36)
    assert r["staff_rostered"] == math.ceil(36 / 0.7)  # 52


def test_staffing_is_monotone_in_demand_and_vectorised():
    calls = np.linspace(0, 400, 401)
    r = demand.erlang_c_staffing(calls, 240, interval_seconds=1800)
    assert (np.diff(r["agents"].to_numpy()) >= 0).all()
    assert r.loc[0, "agents"] == 0 and r.loc[0, "service_level"] == 1.0
    assert (r.loc[1:, "agents"] > r.loc[1:, "traffic_erlangs"]).all()  # always a stable queue
    assert (r["asa_seconds"] >= 0).all() and (r["service_level"] >= 0.8).all()


def test_heavy_load_is_explicit_never_negative_wait():
    perf = demand.erlang_c_performance(calls=200, aht_seconds=300, agents=30, interval_seconds=1800)
    # A = 200*300/1800 = 33.3 > 30 agents: unstable
    assert perf == {"traffic_erlangs": pytest.approx(33.333333), "stable": False, "service_level": 0.0,
                    "asa_seconds": math.inf, "occupancy": 1.0}
    assert demand.erlang_c(33.3, 30) == 1.0


def test_pooling_never_needs_more_agents():
    rng = np.random.default_rng(3)
    a, b = rng.uniform(0, 150, 200), rng.uniform(0, 150, 200)
    r = demand.pooled_vs_separate(a, b, 240, interval_seconds=1800)
    assert (r["pooled_agents"] <= r["separate_agents"]).all()
    assert r["agents_saved"].sum() > 0


@pytest.mark.parametrize(
    "kwargs, message",
    [
        pytest.param({"aht_seconds": 0}, "aht_seconds 0 must be positive", id="zero-aht"),
        pytest.param({"target_service_level": 1.2}, "target_service_level", id="sl-over-1"),
        pytest.param({"shrinkage": 1.0}, "shrinkage", id="shrinkage-1"),
        pytest.param({"calls": [-5]}, "non-negative", id="negative-calls"),
    ],
)
def test_staffing_bad_input(kwargs, message):
    args = {"calls": [100], "aht_seconds": 200, **kwargs}
    with pytest.raises(ParameterError, match=message):
        demand.erlang_c_staffing(args.pop("calls"), args.pop("aht_seconds"), **args)


# ---------------------------------------------------------------- profile and harm

@pytest.fixture
def small():
    return pd.DataFrame({"force": ["A", "A", "B", "B"], "crime_type": ["Burglary", "Drugs", "Burglary", "Drugs"],
                         "count": [30, 10, 15, 45]})


def test_profile_shares_sum_to_one_and_group_is_sum(small):
    p = demand.demand_profile(small, groups={"A+B": ["A", "B"]})
    assert p.groupby("area")["share"].sum().tolist() == pytest.approx([1, 1, 1])
    g = p[p["area"] == "A+B"].set_index("crime_type")["count"]
    assert g.to_dict() == {"Burglary": 45, "Drugs": 55}


def test_profile_inputs_not_mutated(small):
    before = small.copy()
    demand.demand_profile(small)
    pd.testing.assert_frame_equal(small, before)


def test_harm_with_unit_weights_equals_volume(small):
    w = pd.DataFrame({"crime_type": ["Burglary", "Drugs"], "weight": [1.0, 1.0]})
    out = demand.harm_weighted(small, w)
    assert out["harm"].tolist() == out["count"].astype(float).tolist()


def test_volume_and_harm_rankings_differ_by_hand():
    # Drugs 55 x 3 = 165 days; Burglary 45 x 251 = 11,295 days: burglary first by harm, drugs first by volume
    d = pd.DataFrame({"crime_type": ["Burglary", "Drugs"], "count": [45, 55]})
    w = pd.DataFrame({"crime_type": ["Burglary", "Drugs"], "weight": [251.0, 3.0]})
    r = demand.rank_volume_vs_harm(demand.harm_weighted(d, w)).set_index("crime_type")
    assert (r.loc["Drugs", "volume_rank"], r.loc["Drugs", "harm_rank"]) == (1, 2)
    assert r.loc["Burglary", "harm_share"] == pytest.approx(11295 / (11295 + 165))


@pytest.mark.parametrize(
    "bad, message",
    [
        pytest.param({"crime_type": "Cybercrime"}, r"unknown crime types \['Cybercrime'\]", id="unknown-type"),
        pytest.param({"count": -3}, "negative or missing", id="negative-count"),
    ],
)
def test_profile_bad_input(small, bad, message):
    d = small.copy()
    for k, v in bad.items():
        d[k] = d[k].astype(object)
        d.loc[0, k] = v
    with pytest.raises(DataValidationError, match=message):
        demand.demand_profile(d)


def test_missing_population_is_named(small):
    with pytest.raises(DataValidationError, match=r"no population for \['B'\]"):
        demand.demand_profile(small, population=pd.DataFrame({"force": ["A"], "population": [1000]}))


def test_missing_harm_weight_is_named(small):
    with pytest.raises(DataValidationError, match=r"no harm weight for \['Drugs'\]"):
        demand.harm_weighted(small, pd.DataFrame({"crime_type": ["Burglary"], "weight": [1.0]}))


# ---------------------------------------------------------------- trends

def _series(growth: float, seed: int, months: int = 48, level: float = 200.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    t = np.arange(months)
    mu = level * (1 + growth) ** (t / 12) * (1 + 0.1 * np.cos(2 * np.pi * t / 12))
    return pd.DataFrame({"force": "A", "crime_type": "Drugs", "month": pd.period_range("2015-01", periods=months, freq="M"),
                         "count": rng.poisson(mu)})


def test_trend_detects_rising_and_diminishing_and_ci_covers_truth():
    up = demand.classify_trends(_series(0.15, 1)).iloc[0]
    down = demand.classify_trends(_series(-0.15, 2)).iloc[0]
    assert up["trend"] == "rising" and up["ci_low"] < 0.15 < up["ci_high"]
    assert down["trend"] == "diminishing" and down["ci_low"] < -0.15 < down["ci_high"]


def test_flat_series_are_mostly_stable_after_correction():
    flat = pd.concat([_series(0.0, s).assign(crime_type=t) for s, t in
                      zip(range(10, 24), taxonomy.POLICE_UK_CRIME_TYPES)])
    res = demand.classify_trends(flat)
    assert (res["trend"] == "stable").mean() >= 0.85
    assert (res["p_adjusted"] >= res["p_value"]).all()


def test_too_short_series_is_an_error():
    with pytest.raises(DataValidationError, match="has 12 months; at least 24 needed"):
        demand.classify_trends(_series(0.0, 1, months=12))


# ---------------------------------------------------------------- resources and response

def test_split_gap_by_hand():
    # Census 2011: West Mercia 1,222,416, Warwickshire 545,474 -> 69.145% / 30.855%.
    s = pd.DataFrame({"force": ["West Mercia", "Warwickshire"], "basis": "population", "value": [1222416, 545474]})
    r = demand.demand_vs_split(s, {"West Mercia": 69, "Warwickshire": 31}, budget_gbp=300e6).set_index("force")
    assert r.loc["West Mercia", "gap_pp"] == pytest.approx(69 - 69.14548, abs=1e-4)
    assert r.loc["Warwickshire", "gap_gbp"] == pytest.approx((31 - 30.85452) / 100 * 300e6, rel=1e-4)
    assert r["gap_gbp"].sum() == pytest.approx(0, abs=1e-6)


def _workforce(rows):
    return pd.DataFrame(rows, columns=["force", "as_at", "measure", "value"]).assign(
        as_at=lambda d: pd.to_datetime(d["as_at"]))


def test_workforce_basis_uses_latest_common_date_by_hand():
    monthly = pd.DataFrame({"force": ["A", "B"], "crime_type": ["Drugs", "Drugs"], "count": [3, 1]})
    pop = pd.DataFrame({"force": ["A", "B"], "population": [10, 30]})
    wf = _workforce([
        ("A", "2015-03-31", "officers_fte", 100.0), ("A", "2015-03-31", "staff_fte", 50.0),
        ("A", "2015-03-31", "pcso_fte", 10.0), ("A", "2015-03-31", "special_constables_headcount", 999.0),
        ("A", "2016-03-31", "officers_fte", 500.0),  # B has no 2016 figure: not a common date
        ("B", "2015-03-31", "officers_fte", 30.0), ("B", "2015-03-31", "staff_fte", 10.0),
    ])
    before = wf.copy()
    s = demand.resource_shares(monthly, pop, workforce=wf)
    w = s[s["basis"].str.startswith("workforce FTE")].set_index("force")["value"]
    # A: 100 + 50 + 10 = 160 (specials headcount excluded); B: 30 + 10 = 40; both at 31 Mar 2015
    assert w.to_dict() == {"A": 160.0, "B": 40.0}
    assert s["basis"].str.contains("at 31 Mar 2015").any()
    pd.testing.assert_frame_equal(wf, before)
    # 70:30 split vs 160/200 = 80% -> A pays 10 pp less than its workforce share
    g = demand.demand_vs_split(s, {"A": 70, "B": 30}, budget_gbp=1000.0)
    a = g[(g["force"] == "A") & g["basis"].str.startswith("workforce")].iloc[0]
    assert a["gap_pp"] == pytest.approx(-10.0) and a["gap_gbp"] == pytest.approx(-100.0)


@pytest.mark.parametrize(
    "rows, message",
    [
        pytest.param([("A", "2015-03-31", "officers_fte", 1.0)], r"no workforce figures .* \['B'\]", id="force-absent"),
        pytest.param([("A", "2015-03-31", "officers_fte", 1.0), ("B", "2016-03-31", "officers_fte", 1.0)],
                     "share no workforce date", id="no-common-date"),
    ],
)
def test_workforce_basis_bad_input(rows, message):
    monthly = pd.DataFrame({"force": ["A", "B"], "crime_type": ["Drugs", "Drugs"], "count": [3, 1]})
    pop = pd.DataFrame({"force": ["A", "B"], "population": [10, 30]})
    with pytest.raises(DataValidationError, match=message):
        demand.resource_shares(monthly, pop, workforce=_workforce(rows))


@pytest.mark.shared_data
def test_real_workforce_shares_of_alliance(shared_data):
    from alliance_analysis.datasets.workforce import load_workforce

    wf = load_workforce(shared_data / "workforce" / "police_workforce_by_force_2014_2019_long.csv")
    forces = ["Warwickshire", "West Mercia"]
    monthly = pd.DataFrame({"force": forces, "crime_type": ["Drugs", "Drugs"], "count": [1, 1]})
    pop = pd.DataFrame({"force": forces, "population": [545474, 1222416]})
    s = demand.resource_shares(monthly, pop, workforce=wf)
    g = demand.demand_vs_split(s, {"West Mercia": 69, "Warwickshire": 31}, budget_gbp=1.0)
    g = g[g["basis"].str.startswith("workforce")].set_index("force")
    # read by hand from the file (police-workforce-sep19-tables, 30 Sep 2019, officers + staff + PCSO FTE):
    # West Mercia 3831.97, Warwickshire 1698.88 -> 3831.97 / 5530.85 = 69.283% vs the 69% split
    assert g.index.name == "force" and g["basis"].str.contains("30 Sep 2019").all()
    assert g.loc["West Mercia", "value"] == pytest.approx(3831.97, abs=0.01)
    assert g.loc["West Mercia", "share_pct"] == pytest.approx(69.283, abs=0.001)
    assert g.loc["West Mercia", "gap_pp"] == pytest.approx(69 - 69.283, abs=0.001)


def test_split_must_sum_to_100():
    s = pd.DataFrame({"force": ["A", "B"], "basis": "population", "value": [1, 1]})
    with pytest.raises(ParameterError, match="sums to 90"):
        demand.demand_vs_split(s, {"A": 60, "B": 30}, budget_gbp=1.0)


def test_response_compliance_table4_trend():
    t = pd.DataFrame({"measure": ["emergency"] * 6, "period_label": list("abcdef"),
                      "value": [95.0, 95.2, 96.4, 95.8, 94.7, 94.6]})
    r = demand.response_compliance(t, n_incidents=2000)
    # least squares slope of (95.0, 95.2, 96.4, 95.8, 94.7, 94.6) on 0..5:
    # x mean 2.5, y mean 95.283; Sxy = -2.05, Sxx = 17.5 -> -0.11714
    assert r["trend_pp_per_period"].iloc[0] == pytest.approx(-2.05 / 17.5, abs=1e-6)
    assert ((r["ci_low"] < r["share"]) & (r["share"] < r["ci_high"])).all()


# ---------------------------------------------------------------- real data

@pytest.mark.shared_data
def test_real_2024_25_force_table_volume_vs_cchi_harm(shared_data):
    t = pd.read_csv(shared_data / "prc" / "recorded_crime_by_force_and_category_2024_25.csv")
    w = pd.read_csv(shared_data / "harm" / "cchi_days_by_offence_subgroup.csv")
    weights = demand.police_uk_harm_weights(w)
    wm = t[t["force"] == "West Mercia"].rename(columns={"count_2024_25": "count"})
    ranked = demand.rank_volume_vs_harm(demand.harm_weighted(wm[["crime_type", "count"]], weights))
    # violence and sexual offences is the largest category by volume and by harm
    assert ranked.iloc[0]["crime_type"] == "Violence and sexual offences"
    assert ranked["harm_share"].sum() == pytest.approx(1)
    # the file's own harm column equals count x category weight up to the subgroup mix:
    # shoplifting has a single subgroup (1 day), so harm equals volume exactly
    shop = wm[wm["crime_type"] == "Shoplifting"].iloc[0]
    assert shop["harm_cchi_days"] == pytest.approx(shop["count"])
    profile = demand.demand_profile(t.rename(columns={"count_2024_25": "count"}))
    assert profile["area"].nunique() == 43


@pytest.mark.shared_data
def test_css_weights_on_the_real_prc_table(shared_data):
    from alliance_analysis.datasets.prc import load_prc_table

    w = demand.harm_weights_from_file(str(shared_data / "harm" / "ons_css_weights_by_offence_code.csv"))
    prc = load_prc_table()
    wm = prc[(prc["force"] == "West Mercia") & prc["offence_code"].isin(w["offence_code"])]
    wm = wm.groupby("offence_code", as_index=False)["count"].sum()
    wm["count"] = wm["count"].clip(lower=0)  # the published table nets a few adjustments below zero
    out = demand.harm_weighted(wm, w, key="offence_code")
    # harm = count x weight row by row (checked against a direct product)
    direct = wm.merge(w, on="offence_code")
    assert out["harm"].sum() == pytest.approx((direct["count"] * direct["weight"]).sum())
    with pytest.raises(ParameterError, match="per Home Office offence code"):
        demand.volume_and_harm(pd.DataFrame({"crime_type": ["Drugs"], "count": [1]}), w)
