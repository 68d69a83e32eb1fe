"""Size before power: the reports' test on seeded placebo designs from the real panel and synthetic series.

Issue 18: every test the reports use rejects 2-8% of the time at a nominal 5% on placebo
designs drawn from the shipped 43-force quarterly panel (force totals and offence groups),
and the verdict's false-positive rate is at most 5%. Nothing happened at a placebo date,
so every rejection is a false positive. Power is measured on the same designs.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from alliance_analysis.evaluation import comparison, placebo


@pytest.fixture(scope="module")
def real():
    return placebo.real_panels()


@pytest.fixture(scope="module")
def real_study(real):
    return placebo.placebo_study(real, n_designs=300, seed=18, sizes=(1, 2))


def _rate(ps, test: str) -> float:
    return float(ps.rates.set_index("test").loc[test, "rate"])


def test_real_panel_holds_totals_and_offence_groups_of_forces_outside_collaborations(real):
    assert "total" in real and len(real) >= 10
    assert real["total"].shape == (31, 69)        # 43 forces less 11 in the register and the City of London


@pytest.mark.parametrize("test", [
    pytest.param("whole post-period at 5%", id="whole-period"),
    pytest.param("year 1", id="year-1"),
    pytest.param("year 2", id="year-2"),
    pytest.param("year 3", id="year-3"),
    pytest.param("interval excludes zero (whole period)", id="interval"),
])
def test_every_reported_test_rejects_2_to_8_percent_on_real_placebo_designs(real_study, test):
    assert 0.02 <= _rate(real_study, test) <= 0.08


def test_verdict_false_positive_rate_is_at_most_5_percent_on_real_placebo_designs(real_study):
    assert _rate(real_study, "the verdict (whole post-period at 4%)") <= 0.05
    d = real_study.designs
    assert (d["outcome"] != "total").mean() > 0.5 and set(d["size"]) == {1, 2}


def test_power_is_measured_not_bought_with_size(real_study):
    # on real placebo designs a 10% step is found less often than 80%: stated, not hidden (measured 12-15%)
    p = _rate(real_study, "power against a 10% step (the verdict)")
    assert _rate(real_study, "the verdict (whole post-period at 4%)") < p < 0.8


def test_size_on_synthetic_series_with_uneven_national_shocks():
    # 40 SYNTHETIC panels x 25 designs: one panel is one draw of the forces (its rate depends on which forces
    # happen to drift most), so size is measured across panels. Measured over 5,000 designs (five seeds): the 5%
    # test 5.9%, the verdict 4.8%.
    ps = placebo.synthetic_study(40, 25, seed=18)
    for test in ("whole post-period at 5%", "year 1", "year 2", "year 3"):
        assert 0.02 <= _rate(ps, test) <= 0.08, test
    assert _rate(ps, "the verdict (whole post-period at 4%)") <= 0.05
    assert _rate(ps, "power against a 10% step (the verdict)") > 0.2


def test_synthetic_panel_persistence_is_like_the_real_panel(real):
    """How long a force's placebo effect lasts: its correlation with its own effect 8 quarters later (real panel
    0.25; the synthetic default about 0.1); straight-line force trends over the whole panel (the stress case,
    the earlier synthetic default) make it last (0.4-0.7)."""
    def persistence(C, lag=8):
        E, _ = comparison._window_effects(comparison.placebo_gaps(C, 1), 8, 0, 12)
        R = E / comparison._spread(E)[None]
        return float(np.mean([np.corrcoef(R[:, i], R[:, i + lag])[0, 1] for i in range(R.shape[1] - lag)]))

    assert persistence(real["total"]) < 0.3
    assert persistence(placebo.synthetic_panel(30, 69, seed=3)) < 0.3
    assert persistence(placebo.synthetic_panel(30, 69, seed=0, trend=0.004, drift=0.0)) > 0.35


@pytest.fixture(scope="module")
def pooled_study(real):
    return placebo.pooled_placebo_study(real, n_designs=300, seed=18)


@pytest.mark.parametrize("test", [
    pytest.param("offence groups pooled, whole post-period at 5%", id="pooled-whole-period"),
    pytest.param("offence groups pooled, year 1", id="pooled-year-1"),
    pytest.param("offence groups pooled, year 2", id="pooled-year-2"),
    pytest.param("offence groups pooled, year 3", id="pooled-year-3"),
    pytest.param("offence groups pooled, interval excludes zero", id="pooled-interval"),
])
def test_pooled_offence_groups_reject_2_to_8_percent_on_real_placebo_designs(pooled_study, test):
    assert 0.02 <= _rate(pooled_study, test) <= 0.08


def test_pooled_verdict_at_most_5_percent_and_more_powerful(pooled_study, real_study):
    assert _rate(pooled_study, "offence groups pooled, the verdict (at 3%)") <= 0.05
    p = _rate(pooled_study, "offence groups pooled, power against a 10% step in every group (the verdict)")
    assert p > _rate(real_study, "power against a 10% step (the verdict)") + 0.15   # measured 40-48% against 12-15%
    assert pooled_study.designs["mde"].median() < 0.18


def test_interval_and_p_value_are_the_same_test():
    rng = np.random.default_rng(0)
    for _ in range(40):
        C = np.exp(6 + rng.normal(0, 0.05, (16, 40)))
        C[0, 20:] *= math.exp(rng.normal(0, 0.08))
        w = comparison.window_test(C[0], C[1:], 20, 8, 0, 8)
        excludes = w.ci[0] > 0 or w.ci[1] < 0
        assert excludes == (w.p_value <= 0.05)


def test_minimum_detectable_effect_matches_the_normal_theory_on_iid_noise():
    """Independent working: with iid normal log noise (sd s) and K comparison forces, the estimate's sd is
    s sqrt((1/12 + 1/8)(1 + 1/(K-1))); at 4% two-sided with 80% power the MDE is (z_0.98 + z_0.8) x that."""
    rng = np.random.default_rng(4)
    K, s = 40, 0.05
    C = np.exp(8 + rng.normal(0, s, (K + 1, 60)))
    null = comparison.placebo_null(C[1:], 1, 8, 0, 12, around=30)
    sd = s * math.sqrt((1 / 12 + 1 / 8) * (1 + 1 / (K - 1)))
    theory = math.expm1((stats.norm.ppf(0.98) + stats.norm.ppf(0.8)) * sd)
    assert comparison.mde_from_null(null, 30) == pytest.approx(theory, rel=0.25)


def test_placebo_sets_for_groups_are_sets_of_the_same_size():
    M = comparison.placebo_sets(30, 2)
    assert M.shape == (400, 30) and (M.sum(axis=1) == 2).all()
    assert len({tuple(np.flatnonzero(r)) for r in M}) > 350
