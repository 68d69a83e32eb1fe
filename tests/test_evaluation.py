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
    rng = np.random.default_rng(5)
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
