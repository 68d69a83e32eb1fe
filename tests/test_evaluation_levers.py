"""The power levers of issue 18 (alliance_analysis.evaluation.levers): each piece checked by hand working.

The measurements themselves (smallest detectable change per shipped design, size and power on real
placebo designs) are printed by benchmarks/bench_evaluation_power.py; here the machinery is checked:
crime per resident, baseline weights, the fitted loading, leave-out weights, the minimum-variance
solver and conformal inference over time, and that the lever machinery with no lever reproduces the
reports' smallest detectable change.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from alliance_analysis.evaluation import comparison, levers


def test_min_variance_weights_by_hand():
    # uncorrelated: inverse variance, 1/1 : 1/4 -> 0.8, 0.2
    assert comparison.min_variance_weights(np.diag([1.0, 4.0])) == pytest.approx([0.8, 0.2], abs=1e-4)
    # symmetric correlated pair: equal weights
    assert comparison.min_variance_weights(np.array([[1.0, 0.5], [0.5, 1.0]])) == pytest.approx([0.5, 0.5], abs=1e-4)
    # cov 1.5 > var 1 of the first: the unconstrained optimum (S^-1 1 proportional to (2.5, -0.5)) puts a negative
    # weight on the second, so the constrained optimum is all weight on the first
    assert comparison.min_variance_weights(np.array([[1.0, 1.5], [1.5, 4.0]])) == pytest.approx([1.0, 0.0], abs=1e-4)


def test_quarterly_population_interpolates_mid_year_estimates_and_holds_flat_beyond():
    pop = pd.DataFrame({"force": ["A", "A", "B", "B"], "year": [2019, 2020, 2019, 2020],
                        "population": [1000, 2000, 500, 500]})
    q = pd.period_range("2019Q1", periods=8, freq="Q")
    P = levers.quarterly_population(pop, ["A", "B"], q)
    # 2019Q1 (mid-point 15 Feb) lies before the first estimate (1 July 2019): held at 1000; 2021Q1 after the last
    assert P[0, 0] == 1000 and P[0, -1] == 2000 and (P[1] == 500).all()
    # 2020Q1 (91 days) mid-point 15 Feb 2020 12:00: 229.5 of the 366 days from 1 July 2019 to 1 July 2020
    assert P[0, 4] == pytest.approx(1000 + 1000 * 229.5 / 366, abs=0.01)


def test_per_resident_effect_is_the_count_effect_less_the_population_change():
    T, t0 = 24, 12
    pool = np.full((1, 6, T), 999.0)              # log(1 + 999) = log 1000 throughout
    tr = np.full((1, T), 999.0)
    pop_pool = np.full((6, T), 1e5)
    pop_tr = np.full(T, 1e5)
    pop_tr[t0:] *= 1.1                            # the treated area grows 10% at the change, its crime does not
    lv = levers.Lever("per resident", per_resident=True)
    e = levers.lever_effect(tr, pool, t0, lv, np.ones(1), treated_population=pop_tr, population=pop_pool)
    assert e == pytest.approx(-math.log(1.1), abs=1e-12)
    assert levers.lever_effect(tr, pool, t0, levers.Lever("counts"), np.ones(1)) == pytest.approx(0.0, abs=1e-12)


def test_baseline_leaning_on_its_last_quarter():
    T, t0 = 24, 12
    pool = np.full((1, 5, T), 999.0)
    tr = np.full((1, T), 999.0)
    tr[0, t0 - 1] = 1000 * math.e - 1            # the last baseline quarter's log gap is 1, every other 0
    lv = levers.Lever("last", last_weight=0.25)
    # baseline = 0.75 x mean(0, ..., 0, 1) + 0.25 x 1 = 0.75 / 8 + 0.25 = 0.34375; post gap 0
    assert levers.lever_effect(tr, pool, t0, lv, np.ones(1)) == pytest.approx(-0.34375, abs=1e-12)
    assert levers.baseline_weights(lv).sum() == pytest.approx(1.0)


@pytest.mark.parametrize("decay, expected", [
    pytest.param(1.0, 0.25, id="plain-mean"),                 # (0.1 + 0.2 + 0.3 + 0.4) / 4
    pytest.param(0.5, 2.6 / 15, id="halving-each-quarter"),   # (8 x 0.1 + 4 x 0.2 + 2 x 0.3 + 1 x 0.4) / 15
])
def test_post_decay_weights_a_gradual_change_toward_its_first_quarters(decay, expected):
    T, t0 = 24, 12
    pool = np.full((1, 5, T), 999.0)
    tr = np.full((1, T), 999.0)
    tr[0, t0:t0 + 4] = 1000 * np.exp([0.1, 0.2, 0.3, 0.4]) - 1   # the log gap climbs 0.1 a quarter
    lv = levers.Lever("decay", post=4, post_decay=decay)
    assert levers.lever_effect(tr, pool, t0, lv, np.ones(1)) == pytest.approx(expected, abs=1e-12)
    step = np.full((1, T), 999.0)
    step[0, t0:] = 1099.0                                       # a step: the same for any weights
    assert levers.lever_effect(step, pool, t0, lv, np.ones(1)) == pytest.approx(math.log(1.1), abs=1e-12)


def test_fitted_loading_removes_a_national_shock_the_treated_unit_feels_twice():
    T, t0 = 30, 18
    t = np.arange(T)
    national = 0.01 * t + np.where(t >= t0, 0.2, 0.0)      # a trend, and a national shock at the change
    pool = np.exp(7 + np.tile(national, (1, 6, 1)))
    tr = np.exp(5 + 2 * national)[None, :]                 # the treated unit moves twice as much as the nation
    did = levers.lever_effect(tr - 1, pool - 1, t0, levers.Lever("did"), np.ones(1))
    cits = levers.lever_effect(tr - 1, pool - 1, t0, levers.Lever("cits", loading_fit=12), np.ones(1))
    # the difference against the comparison mean keeps the second helping of the shock and the trend:
    # (0.2 + 0.01 x (mean post t - mean baseline t)) = 0.2 + 0.01 x (23.5 - 13.5) = 0.3
    assert did == pytest.approx(0.3, abs=1e-9)
    assert cits == pytest.approx(0.0, abs=1e-9)


def test_leave_out_weights_use_only_placebo_sets_sharing_no_force():
    rng = np.random.default_rng(5)
    M = comparison.placebo_sets(7, 2)                      # every pair of 7 forces: 21 sets
    Eg = np.stack([rng.normal(0, s, (len(M), 6)) for s in (0.02, 0.03, 0.05)])
    W = levers.leave_out_weights(Eg, M)
    for i in (0, 7, 20):
        others = ~M[:, M[i]].any(axis=1)                    # sets with neither of set i's forces: C(5, 2) = 10
        assert others.sum() == 10
        assert W[i] == pytest.approx(comparison.pooled_weights(Eg[:, others, :]), abs=2e-3)


def test_conformal_time_p_by_hand():
    gap = np.array([0, 0, 0, 0, 0, 0, 0, 0, 3.0, 3.0])
    # residuals about the mean 0.6: -0.6 x 8, 2.4 x 2. Window means over the 10 cyclic shifts: 2.4 (the window),
    # 0.9 (starting at 7, and at 9, which wraps to period 0), 0.6 otherwise, so only the window reaches 2.4
    assert levers.conformal_time_p(gap, 8, 2) == pytest.approx(0.1)
    assert levers.conformal_time_p(gap, 8, 2, theta=3.0) == pytest.approx(1.0)
    assert levers.conformal_time_p(gap, 8, 2, theta=1.5) == pytest.approx(0.1)
    # 9 periods, window 7-8 = (0, 3): residuals -1/3 x 8 and 8/3; the window's mean 7/6 is tied by the shift
    # starting at 8 (periods 8 and 0, wrapping round); every other shift gives 1/3: p = 2/9
    assert levers.conformal_time_p(gap[:9], 7, 2) == pytest.approx(2 / 9)


def test_conformal_over_time_needs_stationary_residuals():
    """Why it fails on the forces' gaps: with iid noise the 5% test holds its size; with a random-walk gap (the
    forces' drift) the whole-series mean is a poor counterfactual and it rejects far more often."""
    rng = np.random.default_rng(18)
    n, T, t0 = 400, 69, 45
    iid = rng.normal(0, 1, (n, T))
    walk = np.cumsum(rng.normal(0, 1, (n, T)), axis=1)
    rate = lambda X: np.mean([levers.conformal_time_p(x, t0, 12) <= 0.05 for x in X])  # noqa: E731
    assert 0.02 <= rate(iid) <= 0.08
    assert rate(walk) > 0.15


def test_rates_count_rejections():
    d = pd.DataFrame({"p": [0.01, 0.03, 0.05, 0.2], "p_step": [0.01, 0.02, 0.5, 0.6], "mde 4%": [0.1, 0.3, 0.2, 0.4]})
    r = levers.rates(d, 0.04)
    assert (r["5% test"], r["verdict"], r["power"], r["median mde"]) == (0.75, 0.5, 0.5, pytest.approx(0.25))


def test_no_lever_reproduces_the_reports_smallest_detectable_change():
    from alliance_analysis.evaluation import studies
    from alliance_analysis.series import sources

    s = sources.load_crime_series("default")
    st = studies.shipped_studies(["Warwickshire-West Mercia alliance"])[0]
    r = studies.run_study(s.totals(), None, st, time=s.time, groups=s.data)
    m = levers.shipped_mdes(levers.LEVERS[0], series=s)
    assert m[st.name] == pytest.approx(r.mde, rel=1e-9)
