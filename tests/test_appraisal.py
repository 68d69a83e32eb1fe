"""Appraisal: hand-worked Green Book discounting, NPV conventions, BCR, payback, optimism bias,
Monte Carlo identities and statistics, switching values and the tornado.

The running example (``SIMPLE``): GBP 15m capital in year 0 (2013/14) and GBP 10m a year
of savings from year 1. PV of savings over 3 years = 10/1.035 + 10/1.035^2
= 9.661836 + 9.335107 = 18.996943; NPV = 18.996943 - 15 = 3.996943.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

from alliance_analysis import scenarios
from alliance_analysis.errors import ParameterError

BASE = {"name": "t", "base_year": 2013, "price_base": "real 2013/14",
        "forces": [{"name": "A", "population": 300}, {"name": "B", "population": 100}]}
PVB = 10 / 1.035 + 10 / 1.035**2  # 18.996943


def _set(options, **extra):
    return scenarios.load_scenarios({**BASE, "options": options, **extra})


SIMPLE = [{"name": "o", "split": {"A": 69, "B": 31},
           "savings": [{"area": "s", "amount_gbp_m": 10, "start_year": 2014}],
           "costs": [{"kind": "capital", "item": "c", "amount_gbp_m": 15, "year": 2013}]}]


def _uncertain(**dists):
    return _set(SIMPLE, uncertainty=dists)


@pytest.mark.parametrize(
    "year, expected",
    [
        pytest.param(0, 1.0, id="year0-undiscounted"),
        pytest.param(1, 1 / 1.035, id="year1-3.5pc"),            # 0.966184
        pytest.param(30, 1.035**-30, id="year30"),                # 0.356278
        pytest.param(31, 1.035**-30 * 1.03**-1, id="year31-3pc"),
        pytest.param(76, 1.035**-30 * 1.03**-45 * 1.025**-1, id="year76-2.5pc"),
    ],
)
def test_green_book_factors(year, expected):
    assert scenarios.discount_factors(year + 1)[year] == pytest.approx(expected, rel=1e-12)


def test_npv_conventions_by_hand():
    # year-0: -100 + 103.5/1.035 = 0; spreadsheet: (-100)/1.035 + 103.5/1.035^2 = 0 too (scaled)
    assert scenarios.npv(0.035, [-100, 103.5]) == pytest.approx(0, abs=1e-9)
    # 100 at year 1 at 3.5% = 96.618357
    assert scenarios.npv(0.035, [0, 100]) == pytest.approx(96.618357, abs=1e-6)
    assert scenarios.npv(0.035, [100], convention="spreadsheet") == pytest.approx(96.618357, abs=1e-6)
    assert scenarios.npv("green_book", [5, 5], convention="spreadsheet") == pytest.approx(5 / 1.035 + 5 / 1.035**2)


def test_appraisal_by_hand():
    a = scenarios.appraise(_set(SIMPLE), "o", horizon=3)
    # -15 + 10/1.035 + 10/1.035^2 = -15 + 9.661836 + 9.335107 = 3.996943
    assert a.npv_gbp_m == pytest.approx(3.996943, abs=1e-6)
    assert a.bcr == pytest.approx((9.661836 + 9.335107) / 15, abs=1e-6)
    assert a.discounted_payback_year == "2015/16"  # cumulative: -15, -5.34, +4.00


def test_optimism_bias_uplifts_costs_only():
    a = scenarios.appraise(_set(SIMPLE, optimism_bias=0.2, optimism_mitigation=0.5), "o", horizon=3)
    # costs x (1 + 0.2 x 0.5) = 16.5
    assert a.pv_costs_gbp_m == pytest.approx(16.5)
    assert a.pv_benefits_gbp_m == pytest.approx(10 / 1.035 + 10 / 1.035**2)


def test_ramp_profile():
    s = _set([{"name": "o", "savings": [{"area": "s", "amount_gbp_m": 30.2, "start_year": 2013, "ramp_years": 3}]}])
    f = scenarios.option_flows(s, "o", 5)
    assert f["amount_gbp_m"].round(4).tolist() == [10.0667, 20.1333, 30.2, 30.2, 30.2]


def test_zero_flows_give_zero_npv():
    a = scenarios.appraise(_set([{"name": "nothing"}]), "nothing", horizon=10)
    assert a.npv_gbp_m == 0 and np.isnan(a.bcr)


def test_monte_carlo_zero_variance_equals_deterministic_and_is_seeded():
    s = _set(SIMPLE)
    mc = scenarios.monte_carlo(s, "o", n_draws=100, horizon=3)
    assert np.allclose(mc.npv_gbp_m, scenarios.appraise(s, "o", horizon=3).npv_gbp_m)
    u = {"uncertainty": {"savings_delivery": {"dist": "triangular", "low": 0.5, "mode": 0.9, "high": 1.1},
                         "timing_slip_years": {"dist": "uniform_int", "low": 0, "mode": 0, "high": 2},
                         "cost_overrun": {"dist": "triangular", "low": 1.0, "mode": 1.2, "high": 2.0}}}
    s2 = _set(SIMPLE, **u)
    a = scenarios.monte_carlo(s2, "o", n_draws=2000, seed=5, horizon=5)
    b = scenarios.monte_carlo(s2, "o", n_draws=2000, seed=5, horizon=5)
    assert np.array_equal(a.npv_gbp_m, b.npv_gbp_m)
    assert 0 < a.summary()["prob_npv_negative"] < 1


def test_switching_value_makes_npv_zero():
    s = _set(SIMPLE)
    sv = scenarios.switching_values(s, "o", horizon=3).set_index("input")["switching_value"]
    b, c = 10 / 1.035 + 10 / 1.035**2, 15.0
    assert sv["savings_delivery"] == pytest.approx(c / b)
    assert sv["cost_overrun"] == pytest.approx(b / c)
    assert sv["timing_slip_years"] == 1  # one year's delay leaves 10/1.035^2 < 15



@pytest.mark.parametrize(
    "rates, cashflows, convention, expected",
    [
        # -100 + 50/1.1 + 60/1.21 = -100 + 45.454545 + 49.586777
        pytest.param(0.1, [-100, 50, 60], "year0", -4.958678, id="flat-year0"),
        # -100/1.1 + 50/1.21 + 60/1.331 = -90.909091 + 41.322314 + 45.078888
        pytest.param(0.1, [-100, 50, 60], "spreadsheet", -4.507889, id="flat-spreadsheet"),
        # 100 / (1.035 x 1.03) = 100 / 1.06605
        pytest.param([0.035, 0.03], [0, 0, 100], "year0", 93.804231, id="per-year-rates"),
        pytest.param([0.035], [0, 0, 100], "year0", 100 / 1.035**2, id="one-rate-broadcast"),
        pytest.param("green_book", [0] * 31 + [100], "year0", 100 * 1.035**-30 / 1.03, id="green-book-year31"),
        pytest.param(0.035, [0, 0, 0], "year0", 0.0, id="zero-flows"),
    ],
)
def test_npv_table(rates, cashflows, convention, expected):
    assert scenarios.npv(rates, cashflows, convention=convention) == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize(
    "call, message",
    [
        pytest.param(lambda: scenarios.npv([0.03, 0.03], [1, 2, 3, 4]), "rates: 2 per-period rates", id="short-rates"),
        pytest.param(lambda: scenarios.npv(0.03, [1], convention="excel"), "convention 'excel'", id="bad-convention"),
        pytest.param(lambda: scenarios.npv(-1.0, [1, 2]), "> -100%", id="rate-minus-100"),
        pytest.param(lambda: scenarios.discount_factors(0), "n_years 0", id="no-years"),
        pytest.param(lambda: scenarios.discount_factors(3, "hyperbolic"), "schedule 'hyperbolic'", id="bad-schedule"),
    ],
)
def test_bad_discount_arguments(call, message):
    with pytest.raises(ParameterError, match=message):
        call()


def test_flat_schedule_bcr_by_hand():
    a = scenarios.appraise(_set(SIMPLE), "o", horizon=3, schedule="flat", rate=0.10)
    # PV savings 10/1.1 + 10/1.21 = 9.090909 + 8.264463 = 17.355372; BCR = 17.355372 / 15
    assert a.pv_benefits_gbp_m == pytest.approx(17.355372, abs=1e-6)
    assert a.bcr == pytest.approx(1.157025, abs=1e-6)


@pytest.mark.parametrize(
    "dists, expected",
    [
        pytest.param({"savings_delivery": {"dist": "fixed", "mode": 0.5}}, 0.5 * PVB - 15, id="half-delivery"),
        pytest.param({"timing_slip_years": {"dist": "fixed", "low": 1, "mode": 1, "high": 1}},
                     10 / 1.035**2 - 15, id="one-year-slip"),  # 9.335107 - 15
        pytest.param({"cost_overrun": {"dist": "fixed", "mode": 1.2}}, PVB - 18, id="20pc-overrun"),
        pytest.param({"cost_overrun": {"dist": "lognormal", "median": 1.3, "sigma": 0}}, PVB - 19.5,
                     id="lognormal-zero-sigma"),
    ],
)
def test_monte_carlo_fixed_inputs_by_hand(dists, expected):
    mc = scenarios.monte_carlo(_uncertain(**dists), "o", n_draws=50, horizon=3)
    assert np.allclose(mc.npv_gbp_m, expected, atol=1e-9)


def test_monte_carlo_matches_analytic_mean_and_probability():
    s = _uncertain(savings_delivery={"dist": "triangular", "low": 0.5, "mode": 0.9, "high": 1.1})
    mc = scenarios.monte_carlo(s, "o", n_draws=100_000, seed=1, horizon=3)
    # E[d] = (0.5 + 0.9 + 1.1) / 3 = 0.833333; mean NPV = 0.833333 x 18.996943 - 15 = 0.830786
    assert mc.npv_gbp_m.mean() == pytest.approx(0.830786, abs=0.03)  # s.e. ~0.0075
    # NPV < 0 iff d < 15 / 18.996943 = 0.789600; triangular CDF (0.2896)^2 / (0.6 x 0.4) = 0.349451
    assert mc.summary()["prob_npv_negative"] == pytest.approx(0.349451, abs=0.005)


@pytest.mark.parametrize(
    "dist, mean",
    [
        pytest.param({"dist": "pert", "low": 0.7, "mode": 0.95, "high": 1.1}, (0.7 + 4 * 0.95 + 1.1) / 6, id="pert"),
        pytest.param({"dist": "triangular", "low": 0.7, "mode": 0.95, "high": 1.1}, (0.7 + 0.95 + 1.1) / 3,
                     id="triangular"),
        pytest.param({"dist": "uniform", "low": 0.8, "mode": 1.0, "high": 1.4}, 1.1, id="uniform"),
        pytest.param({"dist": "lognormal", "median": 1.1, "sigma": 0.2}, 1.1 * math.exp(0.02), id="lognormal"),
    ],
)
def test_distribution_sample_means(dist, mean):
    d = scenarios.Distribution(**dist)
    x = d.sample(np.random.default_rng(3), 200_000)
    assert d.mean == pytest.approx(mean)
    assert x.mean() == pytest.approx(mean, abs=2e-3)  # s.e. < 5e-4 for these widths
    if d.dist != "lognormal":
        assert x.min() >= d.low and x.max() <= d.high


def test_payback_distribution_follows_the_slip():
    s = _uncertain(timing_slip_years={"dist": "uniform_int", "low": 0, "mode": 0, "high": 2})
    mc = scenarios.monte_carlo(s, "o", n_draws=3000, seed=9, horizon=5)
    # cumulative PV by slip: 0 -> pays back in year 2 (-15, -5.34, +4.00); 1 -> year 3 (-5.66 + 9.02);
    # 2 -> year 4 (-5.98 + 8.71). So payback year shares equal slip shares.
    slip = mc.draws["timing_slip_years"]
    got = mc.payback_distribution().set_index("payback_year")["share_of_draws"]
    assert got.to_dict() == pytest.approx({"2015/16": np.mean(slip == 0), "2016/17": np.mean(slip == 1),
                                           "2017/18": np.mean(slip == 2)})
    assert 0.3 < got["2016/17"] < 0.37


def test_switching_value_round_trip():
    s = _set(SIMPLE)
    sv = scenarios.switching_values(s, "o", horizon=3).set_index("input")["switching_value"]
    at_switch = _uncertain(savings_delivery={"dist": "fixed", "mode": float(sv["savings_delivery"])})
    assert scenarios.monte_carlo(at_switch, "o", n_draws=2, horizon=3).npv_gbp_m[0] == pytest.approx(0, abs=1e-9)
    over = _uncertain(cost_overrun={"dist": "fixed", "mode": float(sv["cost_overrun"])})
    assert scenarios.monte_carlo(over, "o", n_draws=2, horizon=3).npv_gbp_m[0] == pytest.approx(0, abs=1e-9)


def test_tornado_by_hand():
    s = _uncertain(savings_delivery={"dist": "pert", "low": 0.6, "mode": 0.9, "high": 1.0},
                   cost_overrun={"dist": "lognormal", "median": 1.0, "sigma": 0.1})
    t = scenarios.tornado(s, "o", horizon=3).set_index("input")
    assert np.allclose(t["base_npv"], scenarios.appraise(s, "o", horizon=3).npv_gbp_m)
    assert t.loc["savings delivery", "low_npv"] == pytest.approx(0.6 * PVB - 15)
    # lognormal 95th percentile: exp(1.644854 x 0.1) = 1.178804
    assert t.loc["one-off cost overrun", "low_npv"] == pytest.approx(PVB - 15 * math.exp(1.6448536 * 0.1), abs=1e-6)
    assert list(t.index) == list(t.sort_values("swing", ascending=False).index)


def test_monte_carlo_rejects_no_draws_and_does_not_touch_the_scenario():
    s = _set(SIMPLE)
    before = copy.deepcopy(s.model_dump())
    scenarios.monte_carlo(s, "o", n_draws=10, horizon=3)
    assert s.model_dump() == before
    with pytest.raises(ParameterError, match="n_draws 0"):
        scenarios.monte_carlo(s, "o", n_draws=0)


def test_nominal_flows_are_deflated_to_base_year_prices():
    s = scenarios.load_scenarios({**BASE, "prices": "nominal", "deflator_index": {2013: 100.0, 2014: 102.0},
                                  "options": [{"name": "o", "savings": [{"area": "s", "amount_gbp_m": 10.2,
                                                                         "start_year": 2014}]}]})
    # 10.2 cash in 2014/15 x 100 / 102 = 10.0 at 2013/14 prices; NPV = 10 / 1.035 = 9.661836
    assert scenarios.appraise(s, "o", horizon=2).npv_gbp_m == pytest.approx(9.661836, abs=1e-6)
    with pytest.raises(ParameterError, match="deflator_index has no value for 2015/16"):
        scenarios.appraise(s, "o", horizon=3)


def test_payback_must_hold_to_the_horizon():
    s = _set([{"name": "dip", "savings": [{"area": "s", "amount_gbp_m": 10, "start_year": 2013, "end_year": 2013}],
               "costs": [{"kind": "one_off_revenue", "item": "late", "amount_gbp_m": 20, "year": 2015}]}])
    a = scenarios.appraise(s, "dip", horizon=3)
    # cumulative: 10, 10, 10 - 20/1.035^2 = 10 - 18.670 = -8.670: positive at first, but not paid back
    assert a.flows["cumulative_pv_net_gbp_m"].iloc[-1] == pytest.approx(10 - 20 / 1.035**2)
    assert a.discounted_payback_year is None
    assert scenarios.monte_carlo(s, "dip", n_draws=5, horizon=3).summary()["prob_no_payback"] == 1.0


# ---------------------------------------------------------------- risk-adjusted headline and ranking (issue 10.4)

def _year0(options, **uncertainty):
    """One-year scenarios: every flow in year 0, so NPV = d x savings - o x costs exactly."""
    return _set(options, uncertainty=uncertainty)


def test_expected_npv_by_hand_with_cost_overrun_only():
    # NPV = 10 - 4 o, o ~ U(1, 2): planned (o = 1) 6; expected 10 - 4 x 1.5 = 4;
    # P10 = 10 - 4 x 1.9 = 2.4, P90 = 10 - 4 x 1.1 = 5.6; never negative (min 10 - 8 = 2)
    s = _year0([{"name": "o", "savings": [{"area": "s", "amount_gbp_m": 10, "start_year": 2013}],
                 "costs": [{"kind": "capital", "item": "c", "amount_gbp_m": 4, "year": 2013}]}],
               cost_overrun={"dist": "uniform", "low": 1.0, "mode": 1.0, "high": 2.0})
    r = scenarios.risk_adjusted(s, "o", n_draws=20_000, horizon=1)
    assert r.planned_npv_gbp_m == pytest.approx(6.0)
    assert r.expected_npv_gbp_m == pytest.approx(4.0, abs=0.05)
    assert (r.p10_npv_gbp_m, r.p90_npv_gbp_m) == pytest.approx((2.4, 5.6), abs=0.05)
    assert r.prob_npv_negative == 0
    eff = r.inputs.set_index("input")["effect_gbp_m"]
    assert eff["cost_overrun"] == pytest.approx(-2.0, abs=0.05)
    assert eff["savings_delivery"] == 0 and eff["timing_slip_years"] == 0
    assert "below the planned case" in r.explanation and "the only uncertain input leans adverse" in r.explanation
    t = r.table()
    assert t["case"].tolist() == ["expected (risk-adjusted)", "planned (deterministic)"]
    assert t["npv_gbp_m"].iloc[1] == pytest.approx(6.0)


@pytest.mark.parametrize(
    "name, dist, mean, vs_plan, vs_mode",
    [
        pytest.param("savings_delivery", {"dist": "triangular", "low": 0.7, "mode": 0.95, "high": 1.05},
                     (0.7 + 0.95 + 1.05) / 3, "adverse", "adverse", id="delivery-ww-leans-adverse"),
        pytest.param("savings_delivery", {"dist": "triangular", "low": 0.9, "mode": 1.0, "high": 1.3},
                     (0.9 + 1.0 + 1.3) / 3, "favourable", "favourable", id="delivery-right-skew-favourable"),
        pytest.param("timing_slip_years", {"dist": "uniform_int", "low": 0, "mode": 0, "high": 2},
                     1.0, "adverse", "adverse", id="slip-0-2-adverse"),
        pytest.param("cost_overrun", {"dist": "triangular", "low": 0.9, "mode": 1.1, "high": 1.6},
                     1.2, "adverse", "adverse", id="overrun-ww-adverse"),
        pytest.param("cost_overrun", {"dist": "pert", "low": 0.8, "mode": 1.0, "high": 1.2},
                     1.0, "neutral", "neutral", id="symmetric-pert-neutral"),
        pytest.param("cost_overrun", {"dist": "triangular", "low": 0.5, "mode": 0.9, "high": 1.0},
                     0.8, "favourable", "favourable", id="underrun-favourable"),
    ],
)
def test_input_leaning_table(name, dist, mean, vs_plan, vs_mode):
    t = scenarios.input_leaning(_uncertain(**{name: dist})).set_index("input")
    assert t.loc[name, "mean"] == pytest.approx(mean)
    assert (t.loc[name, "lean_vs_plan"], t.loc[name, "lean_vs_mode"]) == (vs_plan, vs_mode)


def test_favourable_inputs_put_expected_above_planned():
    # NPV = 10 d; d triangular(0.9, 1.0, 1.3): mean 16/15 -> expected 10.667 vs planned 10
    s = _year0([{"name": "o", "savings": [{"area": "s", "amount_gbp_m": 10, "start_year": 2013}]}],
               savings_delivery={"dist": "triangular", "low": 0.9, "mode": 1.0, "high": 1.3})
    r = scenarios.risk_adjusted(s, "o", n_draws=20_000, horizon=1)
    assert r.expected_npv_gbp_m == pytest.approx(32 / 3, abs=0.02)
    assert "above the planned case" in r.explanation and "leans favourable" in r.explanation


def test_no_uncertainty_says_the_cases_agree():
    r = scenarios.risk_adjusted(_set(SIMPLE), "o", n_draws=50, horizon=3)
    assert r.expected_npv_gbp_m == pytest.approx(r.planned_npv_gbp_m)
    assert "no input is uncertain" in r.explanation


def test_default_full_merger_headline_matches_the_issue():
    # issue 10: planned GBP 345.8m, Monte Carlo mean 245.2m, both counting West Mercia's own GBP 4m a year
    # (2013/14 on). Issue 20: a saving made by one force alone is not a collaboration benefit, so take out
    # its PV by hand: 4 x sum of the Green Book factors of years 0-9 (= 34.43) from the plan, and from the
    # mean its expectation under the draws: delivery averages (0.7 + 0.95 + 1.05) / 3 = 0.9, the slip is
    # 0, 1 or 2 years with equal chance (independent of delivery).
    df = [1.035 ** -t for t in range(10)]
    own_plan = 4 * sum(df)
    own_mean = 0.9 * 4 * sum(sum(df[k:]) for k in (0, 1, 2)) / 3
    s = scenarios.load_scenarios(scenarios.scenario_path(None))
    r = scenarios.risk_adjusted(s, "full merger", n_draws=10_000, seed=2014)
    assert round(own_plan, 2) == 34.43
    assert r.planned_npv_gbp_m == pytest.approx(345.8 - own_plan, abs=0.05)   # 311.4
    assert r.expected_npv_gbp_m == pytest.approx(245.2 - own_mean, abs=0.3)
    assert r.planned_npv_gbp_m > r.p90_npv_gbp_m
    assert "every uncertain input leans adverse of the plan" in r.explanation
    # the per-input effects explain most of the gap (the rest is their interaction)
    gap = r.expected_npv_gbp_m - r.planned_npv_gbp_m
    assert r.inputs["effect_gbp_m"].sum() == pytest.approx(gap, rel=0.15)


RANK = [
    {"name": "a", "savings": [{"area": "s", "amount_gbp_m": 10, "start_year": 2013}]},
    {"name": "b", "savings": [{"area": "s", "amount_gbp_m": 20, "start_year": 2013}],
     "costs": [{"kind": "capital", "item": "c", "amount_gbp_m": 10.5, "year": 2013}]},
    {"name": "b twin", "savings": [{"area": "s", "amount_gbp_m": 20, "start_year": 2013}],
     "costs": [{"kind": "capital", "item": "c", "amount_gbp_m": 10.5, "year": 2013}]},
    {"name": "c", "savings": [{"area": "s", "amount_gbp_m": 5, "start_year": 2013}]},
]


def test_ranking_by_hand_with_common_random_numbers():
    # d ~ U(0.5, 1.5): a = 10 d (mean 10), b = 20 d - 10.5 (mean 9.5), c = 5 d (mean 5).
    # a beats b when 10 d > 20 d - 10.5, i.e. d < 1.05: P = 0.55 -> indistinguishable (0.4-0.6);
    # b and its twin tie in every draw: 0.5; b beats c when 15 d > 10.5, d > 0.7: P = 0.8
    s = _year0(RANK, savings_delivery={"dist": "uniform", "low": 0.5, "mode": 1.0, "high": 1.5})
    r = scenarios.rank_options(s, n_draws=20_000, horizon=1)
    assert r["option"].tolist() == ["a", "b", "b twin", "c"]
    assert r["prob_beats_next"].iloc[0] == pytest.approx(0.55, abs=0.015)
    assert r["prob_beats_next"].iloc[1] == 0.5
    assert r["prob_beats_next"].iloc[2] == pytest.approx(0.8, abs=0.015)
    assert r["call"].tolist() == ["indistinguishable from next", "indistinguishable from next", "better than next", ""]
    assert r["expected_npv_gbp_m"].tolist() == pytest.approx([10, 9.5, 9.5, 5], abs=0.05)
    # best of all: a when d < 1.05 (55%); otherwise b and its twin tie for best (22.5% each); c never
    assert r["prob_best"].tolist() == pytest.approx([0.55, 0.225, 0.225, 0.0], abs=0.015)
    assert r["prob_best"].sum() == pytest.approx(1.0)
    assert "too close to call" in r.attrs["summary"] and r.attrs["band"] == (0.4, 0.6)


def test_a_narrower_band_separates_the_close_pair():
    s = _year0(RANK[:2], savings_delivery={"dist": "uniform", "low": 0.5, "mode": 1.0, "high": 1.5})
    r = scenarios.rank_options(s, n_draws=20_000, horizon=1, band=(0.45, 0.52))
    assert r["call"].iloc[0] == "better than next"


def test_options_share_their_draws():
    s = _uncertain(savings_delivery={"dist": "pert", "low": 0.6, "mode": 0.9, "high": 1.1},
                   cost_overrun={"dist": "triangular", "low": 1, "mode": 1.1, "high": 1.5})
    s = s.model_copy(update={"options": [*s.options, s.options[0].model_copy(update={"name": "p"})]})
    m1, m2 = (scenarios.monte_carlo(s, n, n_draws=300, horizon=3) for n in ("o", "p"))
    for k in m1.draws:
        assert np.array_equal(m1.draws[k], m2.draws[k])


@pytest.mark.parametrize("band", [pytest.param((0.6, 0.4), id="reversed"), pytest.param((0.55, 0.7), id="excludes-half")])
def test_bad_band_is_a_parameter_error(band):
    with pytest.raises(ParameterError, match="band"):
        scenarios.rank_options(_set(SIMPLE), n_draws=10, horizon=3, band=band)
