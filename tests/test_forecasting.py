"""Forecasting: hand-worked metrics, seeded properties, validation, reconciliation, real data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alliance_analysis import forecasting as F
from alliance_analysis.errors import DataValidationError, ParameterError


def _panel(n_series=30, n=72, seed=0, level=200.0):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    rows = []
    for i in range(n_series):
        mu = level * (1 + 0.1 * np.cos(2 * np.pi * t / 12))
        rows.append(pd.DataFrame({"force": f"F{i}", "crime_type": "Drugs",
                                  "month": pd.period_range("2015-01", periods=n, freq="M"),
                                  "count": rng.poisson(mu)}))
    return pd.concat(rows, ignore_index=True)


def test_mase_and_smape_by_hand():
    # insample 1..6, m=2: seasonal-naive errors all 2 -> scale 2; |3-4|,|5-4| -> MAE 1 -> MASE 0.5
    assert F.mase([3, 5], [4, 4], insample=[1, 2, 3, 4, 5, 6], m=2) == 0.5
    # 200*|100-50|/150 = 66.667; 200*|10-10|/20 = 0 -> mean 33.333
    assert F.smape([100, 10], [50, 10]) == pytest.approx(100 / 3)
    assert F.interval_coverage([1, 2, 3, 4], [0, 0, 0, 0], [1, 1, 5, 5]) == 0.75


@pytest.fixture(scope="module")
def result():
    return F.forecast_many(_panel(), horizon=12, n_origins=4)


def test_intervals_widen_with_horizon_and_are_non_negative(result):
    fc = result.forecasts[result.forecasts["model"] == "ets"]
    # ETS intervals are built on log1p(count): their width there must not shrink with the horizon
    width = (np.log1p(fc["hi_80"]) - np.log1p(fc["lo_80"])).to_numpy().reshape(-1, 12)
    assert (np.diff(width, axis=1) >= -1e-9).all()
    assert (result.forecasts[["mean", "lo_80", "hi_80", "lo_95", "hi_95"]] >= 0).all().all()
    assert (fc["lo_95"] <= fc["lo_80"]).all() and (fc["hi_80"] <= fc["hi_95"]).all()


def test_80pc_coverage_on_poisson_series_is_near_80pc(result):
    cov = result.accuracy.loc[result.accuracy["model"] == "ets", "coverage_80"].mean()
    assert 0.70 <= cov <= 0.92


def test_selection_uses_lowest_backtest_mase(result):
    acc = result.accuracy
    best = acc.sort_values(["mase", "smape"]).groupby(["force", "crime_type"]).head(1)
    assert best["selected"].all()
    assert result.forecasts.groupby(["force", "crime_type"])["is_selected"].sum().eq(12).all()


def test_ets_close_to_statsmodels_on_a_simple_series():
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    t = np.arange(96)
    y = np.round(300 * (1 + 0.15 * np.sin(2 * np.pi * t / 12)) * 1.01 ** (t / 12))
    d = pd.DataFrame({"force": "A", "crime_type": "Drugs", "month": pd.period_range("2010-01", periods=96, freq="M"),
                      "count": y})
    ours = F.forecast_many(d, horizon=12, n_origins=1, models=("ets",)).forecasts["mean"].to_numpy()
    ref = np.expm1(ExponentialSmoothing(np.log1p(y), trend="add", seasonal="add", seasonal_periods=12).fit().forecast(12))
    assert np.max(np.abs(ours - ref) / ref) < 0.03


def test_diverging_model_falls_back_to_snaive_without_nan(monkeypatch):
    # make the drift model diverge (inf, then 1e12) and check the fallback is applied and logged
    calls = {"n": 0}

    def bad_drift(y, h):
        calls["n"] += 1
        out = np.full((y.shape[0], h), 1e12)
        out[:, 0] = np.inf
        return out

    monkeypatch.setattr(F, "_drift", bad_drift)
    d = _panel(2, 48)
    r = F.forecast_many(d, horizon=6, n_origins=2, models=("snaive", "drift"))
    assert calls["n"] == 3  # two origins + the final fit
    assert np.isfinite(r.forecasts[["mean", "lo_80", "hi_95"]].to_numpy()).all()
    drift = r.forecasts[r.forecasts["model"] == "drift"]["mean"].to_numpy()
    snaive = r.forecasts[r.forecasts["model"] == "snaive"]["mean"].to_numpy()
    assert np.array_equal(drift, snaive)
    assert set(r.fallbacks["model"]) == {"drift"} and len(r.fallbacks) == 2 * 3
    assert r.fallbacks["reason"].str.contains("replaced by seasonal naive").all()


@pytest.mark.parametrize(
    "mutate, message",
    [
        pytest.param(lambda d: d.iloc[:20], "need at least", id="too-short"),
        pytest.param(lambda d: d.drop(index=5), "has no value for", id="gap"),
        pytest.param(lambda d: d.assign(count=d["count"].where(d.index != 3, -1)), "negative count", id="negative"),
        pytest.param(lambda d: d.assign(month=d["month"].dt.to_timestamp()), "not a pandas Period", id="not-period"),
        pytest.param(lambda d: d.assign(month=d["month"].dt.asfreq("D")), "not monthly or quarterly", id="daily"),
    ],
)
def test_bad_input(mutate, message):
    d = _panel(1, 48)
    with pytest.raises(DataValidationError, match=message):
        F.forecast_many(mutate(d), horizon=12, n_origins=2)


def test_unknown_model():
    with pytest.raises(ParameterError, match="unknown models"):
        F.forecast_many(_panel(1), models=("prophet",))


def test_reconciliation_is_coherent():
    rng = np.random.default_rng(1)
    b = pd.DataFrame({"force": ["A", "A", "B"], "crime_type": ["x", "y", "x"]})
    S, labels = F.summing_matrix(b, ["force", "crime_type"])
    base = rng.uniform(10, 100, (S.shape[0], 5))
    res = rng.normal(0, 5, (40, S.shape[0]))
    for method, kw in (("bottom_up", {}), ("mint_shrink", {"residuals": res})):
        coh = F.reconcile(base, S, method=method, **kw)
        bottom = coh[-3:]
        assert np.allclose(S @ bottom, coh, atol=1e-8), method
    bu = F.reconcile(base, S, method="bottom_up")
    assert np.allclose(bu[0], base[-3:].sum(axis=0))


def test_reconcile_forecasts_force_and_alliance_levels():
    d = _panel(4, 60)
    d["crime_type"] = np.where(d["force"].isin(["F0", "F2"]), "Drugs", "Burglary")
    d["force"] = d["force"].map({"F0": "A", "F1": "A", "F2": "B", "F3": "B"})
    r = F.forecast_many(d, horizon=6, n_origins=2)
    out = F.reconcile_forecasts(r, ["force", "crime_type"], groups={"AB": ["A", "B"]})
    w = out.pivot(index="node", columns="month", values="coherent")
    S, labels = out.attrs["S"], out.attrs["labels"]
    order = ["|".join(map(str, lab)) for lab in labels]
    bottom = w.loc[order[-S.shape[1]:]].to_numpy()
    assert np.allclose(S @ bottom, w.loc[order].to_numpy(), atol=1e-6)


@pytest.mark.shared_data
def test_real_gloucestershire_35_months(shared_data):
    from alliance_analysis.datasets.police_uk import load_street_archive

    d = load_street_archive(shared_data / "police_uk" / "gloucestershire")
    # 35 months: 2 seasons (24) + horizon 6 + 4 origins - 1 = 33 <= 35
    r = F.forecast_many(d, horizon=6, n_origins=4)
    assert r.forecasts["crime_type"].nunique() == 14
    assert np.isfinite(r.accuracy["mase"]).all()
    with pytest.raises(DataValidationError, match="need at least 2 x 12"):
        F.forecast_many(d, horizon=12, n_origins=4)
