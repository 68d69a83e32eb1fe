"""Business-case scenarios: hand-worked discounting and NPVs, identities, bad scenario files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alliance_analysis import paths, scenarios
from alliance_analysis.errors import DataValidationError

BASE = {"name": "t", "base_year": 2013, "price_base": "real 2013/14",
        "forces": [{"name": "A", "population": 300}, {"name": "B", "population": 100}]}


def _set(options, **extra):
    return scenarios.load_scenarios({**BASE, "options": options, **extra})


SIMPLE = [{"name": "o", "split": {"A": 69, "B": 31},
           "savings": [{"area": "s", "amount_gbp_m": 10, "start_year": 2014}],
           "costs": [{"kind": "capital", "item": "c", "amount_gbp_m": 15, "year": 2013}]}]


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


def test_split_100_0_assigns_everything_to_one_force():
    s = _set(SIMPLE)
    ff = scenarios.force_flows(s, "o", 3, {"A": 100, "B": 0})
    assert ff.loc[ff["force"] == "B", "amount_gbp_m"].abs().sum() == 0
    assert ff.loc[ff["force"] == "A", "amount_gbp_m"].sum() == pytest.approx(10 + 10 - 15)


def test_fairness_69_31_vs_50_50_by_hand():
    s = _set(SIMPLE, agreed_split={"A": 69, "B": 31})
    f = scenarios.fairness(s, "o", horizon=3, rules=["equal", "population"])
    npv = 3.996943
    eq = f[f["rule"] == "equal"].set_index("force")
    # moving from 69:31 to 50:50 moves 19% of the NPV from A to B
    assert eq.loc["A", "change_vs_agreed_gbp_m"] == pytest.approx(-0.19 * npv, abs=1e-5)
    pop = f[f["rule"] == "population"].set_index("force")  # 300:100 = 75:25
    assert pop.loc["B", "pv_net_gbp_m"] == pytest.approx(0.25 * npv, abs=1e-5)


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
    "change, message",
    [
        pytest.param({"forces": []}, "forces: List should have at least 1 item", id="no-forces"),
        pytest.param({"options": [{"name": "o", "split": {"A": 60, "B": 30}}]},
                     r"options\[0\]\.split: shares sum to 90%", id="split-not-100"),
        pytest.param({"options": [{"name": "o", "split": {"A": 100}}]},
                     r"do not match the scenario's forces", id="missing-force"),
        pytest.param({"options": [{"name": "o", "savings": [{"area": "s", "amount_gbp_m": 1, "start_year": 2010}]}]},
                     r"options\[0\]\.savings\[0\]\.start_year: 2010 is before the scenario starts", id="savings-before-start"),
        pytest.param({"options": [{"name": "o", "costs": [{"kind": "capital", "item": "c", "amount_gbp_m": 1, "year": -3}]}]},
                     r"options\[0\]\.costs\[0\]\.year: Input should be greater than or equal to 1900", id="negative-year"),
        pytest.param({"options": [{"name": "o", "saving": []}]}, r"options\[0\]\.saving: Extra inputs", id="unknown-key"),
        pytest.param({"base_year": "next year"}, r"base_year: Input should be a valid integer", id="wrong-type"),
    ],
)
def test_bad_scenarios_name_the_key(change, message):
    data = {**BASE, "options": [{"name": "o"}], **change}
    with pytest.raises(DataValidationError, match=message):
        scenarios.load_scenarios(data)


@pytest.mark.parametrize("name", ["warwickshire_west_mercia", "devon_cornwall_dorset"])
def test_default_scenarios_load_and_name_sources(name):
    s = scenarios.load_scenarios(paths.SCENARIO_DIR / f"{name}.yaml")
    assert {o.name for o in s.options} >= {"status quo (stand-alone)", "alliance as agreed", "deepened alliance",
                                           "full merger", "unwind alliance"}
    a = scenarios.assumptions_table(s)
    assert ((a["source"] != "") | (a["assumption"] != "")).all()  # every figure is sourced or an assumption
    cmp = scenarios.compare_options(s)
    assert cmp.loc[cmp["option"] == "status quo (stand-alone)", "npv_gbp_m"].item() == 0


def test_default_ww_uses_seed_figures():
    s = scenarios.load_scenarios(paths.SCENARIO_DIR / "warwickshire_west_mercia.yaml")
    f = scenarios.option_flows(s, "alliance as agreed", 5)
    # year 2015/16: 28.075 (full blueprint less CJ) + 4 (West Mercia) = 32.075; 2016/17 adds 2.125 -> 34.2
    tot = f[f["kind"] == "saving"].groupby("financial_year")["amount_gbp_m"].sum()
    assert tot["2015/16"] == pytest.approx(32.075)
    assert tot["2016/17"] == pytest.approx(34.2)


def test_workbook_round_trip(tmp_path):
    s = _set(SIMPLE)
    p = scenarios.write_workbook({"options": scenarios.compare_options(s, horizon=3)}, tmp_path / "bc.xlsx")
    back = pd.read_excel(p, sheet_name="options")
    assert back["npv_gbp_m"].iloc[0] == pytest.approx(3.996943, abs=1e-6)
    assert not list(tmp_path.glob(".*tmp"))
