"""Forecasting: hand-worked metrics, seeded properties, fallbacks, validation, real data.

Reconciliation is tested in tests/test_reconcile.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alliance_analysis.forecasting import _ets
from alliance_analysis import forecasting as F
from alliance_analysis.errors import DataValidationError, ParameterError

def _fm(*args, **kwargs):
    """``forecast_many`` with per-series backtest selection and the full backtest (the behaviour
    these tests pin; the defaults are ``select="combination"`` and ``keep="selected"``)."""
    kwargs.setdefault("keep", "all")
    kwargs.setdefault("select", "backtest")
    return F.forecast_many(*args, **kwargs)



def _panel(n_series: int = 40, n: int = 72, seed: int = 0, level: float = 200.0) -> pd.DataFrame:
    """Seeded Poisson counts with a +-10% seasonal cycle (synthetic)."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    mu = level * (1 + 0.1 * np.cos(2 * np.pi * t / 12))
    months = pd.period_range("2015-01", periods=n, freq="M")
    return pd.DataFrame({"force": np.repeat([f"F{i:02d}" for i in range(n_series)], n), "crime_type": "Drugs",
                         "month": np.tile(months, n_series), "count": rng.poisson(np.tile(mu, n_series))})


def _one(values, start: str = "2015-01", freq: str = "M") -> pd.DataFrame:
    return pd.DataFrame({"force": "A", "crime_type": "Drugs",
                         "month": pd.period_range(start, periods=len(values), freq=freq), "count": values})


# --------------------------------------------------------------------------- metrics by hand

@pytest.mark.parametrize(
    "actual, forecast, insample, m, expected",
    [
        # seasonal-naive errors |3-1|,|4-2|,|5-3|,|6-4| = 2 -> scale 2; MAE (1 + 1)/2 = 1 -> 0.5
        pytest.param([3, 5], [4, 4], [1, 2, 3, 4, 5, 6], 2, 0.5, id="m2"),
        # lag-1 errors all 1 -> scale 1; MAE (2 + 0 + 4)/3 = 2
        pytest.param([10, 10, 10], [8, 10, 14], [1, 2, 3, 4], 1, 2.0, id="m1"),
        # scale mean(|4-1|, |5-2|) = 3; MAE (2 + 0)/2 = 1 -> 1/3
        pytest.param([10, 20], [12, 20], [1, 2, 4, 5], 2, 1 / 3, id="third"),
    ],
)
def test_mase_by_hand(actual, forecast, insample, m, expected):
    assert F.mase(actual, forecast, insample=insample, m=m) == pytest.approx(expected, abs=1e-12)


def test_mase_undefined_for_a_repeating_history_and_checks_shapes():
    assert np.isnan(F.mase([1, 2], [1, 1], insample=[1, 2, 1, 2], m=2))
    with pytest.raises(ParameterError, match="shape"):
        F.mase([1, 2], [1], insample=[1, 2, 3], m=1)
    with pytest.raises(ParameterError, match="more than m=12"):
        F.mase([1], [1], insample=[1] * 12, m=12)


@pytest.mark.parametrize(
    "actual, forecast, expected",
    [
        # 200*50/150 = 66.667 and 200*0/20 = 0 -> mean 33.333
        pytest.param([100, 10], [50, 10], 100 / 3, id="half"),
        # both zero -> term 0; 200*|0-5|/5 = 200 -> mean 100
        pytest.param([0, 0], [0, 5], 100.0, id="zeros"),
        # 200*10/190 = 10.526
        pytest.param([100], [90], 2000 / 190, id="ten-off"),
    ],
)
def test_smape_by_hand(actual, forecast, expected):
    assert F.smape(actual, forecast) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize(
    "actual, lower, upper, expected",
    [
        pytest.param([1, 2, 3, 4], [0, 0, 0, 0], [1, 1, 5, 5], 0.75, id="three-of-four"),  # 2 > 1 is outside
        pytest.param([5, 5], [5, 6], [5, 7], 0.5, id="closed-bounds"),  # 5 in [5, 5]; 5 not in [6, 7]
    ],
)
def test_interval_coverage_by_hand(actual, lower, upper, expected):
    assert F.interval_coverage(actual, lower, upper) == expected


def test_interval_coverage_rejects_crossed_bounds():
    with pytest.raises(ParameterError, match="lower bound is above"):
        F.interval_coverage([1], [2], [1])


# --------------------------------------------------------------------------- properties on seeded Poisson series

@pytest.fixture(scope="module")
def panel():
    return _panel()


@pytest.fixture(scope="module")
def result(panel):
    return _fm(panel, horizon=12, n_origins=4)


@pytest.fixture(scope="module")
def result_model(panel):
    """The models' own normal intervals (not calibrated), for tests of their shape."""
    return _fm(panel, horizon=12, n_origins=4, intervals="model")


def test_input_is_not_mutated(panel):
    before = panel.copy()
    _fm(panel, horizon=6, n_origins=1, models=("snaive",))
    pd.testing.assert_frame_equal(panel, before)


def test_backtest_design(result):
    # 72 months, horizon 12, 4 origins 1 apart: training lengths 57..60, first forecast
    # months 2015-01 + 57 = 2019-10 .. 2020-01; each origin forecasts 12 months
    origins = sorted(result.backtest["origin"].unique())
    assert origins == ["2019-10", "2019-11", "2019-12", "2020-01"]
    one = result.backtest[(result.backtest["force"] == "F00") & (result.backtest["model"] == "ets")]
    assert one.groupby("origin").size().eq(12).all()
    assert str(one[one["origin"] == "2019-10"]["month"].max()) == "2020-09"
    # final forecasts: the 12 months after 2020-12
    assert [str(p) for p in sorted(result.forecasts["month"].unique())][::11] == ["2021-01", "2021-12"]


def test_accuracy_matches_backtest_recomputed_by_hand(result, panel):
    # MASE of F03/snaive at the first origin, recomputed with plain numpy from history + backtest
    y = panel[panel["force"] == "F03"]["count"].to_numpy(dtype=float)
    bt = result.backtest[(result.backtest["force"] == "F03") & (result.backtest["model"] == "snaive")]
    per_origin = []
    for k, (origin, grp) in enumerate(bt.groupby("origin")):
        train = y[:57 + k]
        assert np.allclose(grp["actual"], y[57 + k:69 + k])
        assert np.allclose(grp["mean"], np.tile(train[-12:], 1))  # seasonal naive = last 12 months
        per_origin.append(np.mean(np.abs(grp["actual"] - grp["mean"])) / np.mean(np.abs(train[12:] - train[:-12])))
    row = result.accuracy[(result.accuracy["force"] == "F03") & (result.accuracy["model"] == "snaive")]
    assert row["mase"].item() == pytest.approx(np.mean(per_origin))
    assert row["n_origins"].item() == 4


def test_intervals_widen_with_horizon(result_model):
    fc = result_model.forecasts
    for model in ("ets", "snaive", "drift"):
        f = fc[fc["model"] == model]
        # ETS intervals are symmetric on log1p(count), so compare widths there; baselines on counts
        width = ((np.log1p(f["hi_80"]) - np.log1p(f["lo_80"])) if model == "ets" else (f["hi_80"] - f["lo_80"]))
        width = width.to_numpy().reshape(-1, 12)
        assert (np.diff(width, axis=1) >= -1e-9).all(), model
        if model != "snaive":  # seasonal naive widens only from the second season on
            assert (width[:, -1] > width[:, 0]).all(), model
    assert (fc["lo_95"] <= fc["lo_80"]).all() and (fc["lo_80"] <= fc["mean"]).all()
    assert (fc["mean"] <= fc["hi_80"]).all() and (fc["hi_80"] <= fc["hi_95"]).all()


@pytest.mark.parametrize("which", [pytest.param("model", id="model-intervals"),
                                   pytest.param("calibrated", id="calibrated")])
def test_80pc_coverage_on_poisson_series_is_near_80pc(result, result_model, which):
    # 40 series x 2 hold-out origins x 12 months = 960 forecast points per model
    acc = (result_model if which == "model" else result).accuracy.groupby("model")[["coverage_80", "coverage_95"]].mean()
    assert 0.70 <= acc.loc["ets", "coverage_80"] <= 0.90
    assert 0.88 <= acc.loc["ets", "coverage_95"] <= 0.99
    assert 0.70 <= acc.loc["snaive", "coverage_80"] <= 0.90


def test_forecasts_never_negative_on_low_counts():
    # Poisson(0.8) counts: normal intervals of the baselines would go below zero without clipping
    d = _panel(10, 48, seed=3, level=0.8)
    r = _fm(d, horizon=12, n_origins=2)
    cols = ["mean", "lo_80", "hi_80", "lo_95", "hi_95"]
    assert (r.forecasts[cols] >= 0).all().all() and (r.backtest[cols] >= 0).all().all()
    assert (r.forecasts[r.forecasts["model"] == "snaive"]["lo_95"] == 0).any()  # the clip was needed
    assert np.isfinite(r.forecasts[cols].to_numpy()).all()


def test_selection_on_selection_origins_with_robust_default(result, panel):
    # recompute the rule with plain pandas from the backtest rows of the first two origins:
    # lowest mean MASE among the regular models, unless not 5% better than ETS
    bt = result.backtest
    first_two = sorted(bt["origin"].unique())[:2]
    y = panel.set_index(["force", "month"])["count"]
    rows = []
    for (force, model, origin), g in bt[bt["origin"].isin(first_two)].groupby(["force", "model", "origin"]):
        hist = panel[panel["force"] == force]
        train = hist[hist["month"] < pd.Period(origin, "M")]["count"].to_numpy(dtype=float)
        scale = np.mean(np.abs(train[12:] - train[:-12]))
        rows.append((force, model, np.mean(np.abs(g["actual"] - g["mean"])) / scale))
    score = pd.DataFrame(rows, columns=["force", "model", "s"]).groupby(["force", "model"])["s"].mean().unstack()
    score = score.drop(columns=["sba", "tsb"])  # intermittent models are not candidates for these series
    best = score.idxmin(axis=1)
    expected = best.where(score.min(axis=1) < 0.95 * score["combo"], "combo")
    got = result.selected.set_index("force")["model"]
    assert (got.loc[expected.index] == expected).all()
    assert result.accuracy["selected"].sum() == 40
    sel = result.accuracy[result.accuracy["selected"]].set_index("force")
    assert np.allclose(sel.loc[expected.index, "selection_score"], score.min(axis=1).where(expected == best,
                                                                                          score["combo"]))
    assert result.selected["reason"].str.contains("selection-origin MASE").all()
    assert result.forecasts.groupby(["force", "crime_type"])["is_selected"].sum().eq(12).all()
    del y


def test_exact_models_on_exact_series():
    # a straight line 10 + 2t: drift is exact (MASE 0) while seasonal naive is off by 24 every month
    line = _one(10 + 2 * np.arange(48))
    r = _fm(line, horizon=6, n_origins=2, models=("snaive", "drift"))
    assert r.selected["model"].item() == "drift"
    drift = r.forecasts[r.forecasts["model"] == "drift"]["mean"].to_numpy()
    assert np.allclose(drift, 10 + 2 * np.arange(48, 54))
    # snaive MAE 24 over in-sample seasonal-naive MAE 24 -> MASE 1
    assert r.accuracy.set_index("model").loc["snaive", "mase"] == pytest.approx(1.0)
    # an exactly repeating season: MASE undefined (scale 0) -> selection by sMAPE, said in the reason
    seasonal = _one(np.tile([50, 60, 70, 80, 90, 100, 90, 80, 70, 60, 50, 40], 4))
    r = _fm(seasonal, horizon=12, n_origins=1, models=("drift", "snaive", "ets"))
    assert r.accuracy["mase"].isna().all()
    assert r.selected["model"].item() in ("snaive", "ets")
    assert "undefined" in r.selected["reason"].item()
    ets = r.forecasts[r.forecasts["model"] == "ets"]["mean"].to_numpy()
    assert np.allclose(ets, seasonal["count"].to_numpy()[:12], rtol=1e-6)


def test_quarterly_series_use_season_four():
    q = _one(np.tile([100, 120, 90, 110], 8) + np.arange(32), start="2010Q1", freq="Q")
    r = _fm(q, horizon=4, n_origins=2)
    assert r.settings["season_length"] == 4
    assert [str(p) for p in r.forecasts["month"].unique()] == ["2018Q1", "2018Q2", "2018Q3", "2018Q4"]


# --------------------------------------------------------------------------- ETS against statsmodels

def test_fast_ets_close_to_statsmodels_holt_winters():
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    t = np.arange(96)
    y = np.round(300 * (1 + 0.15 * np.sin(2 * np.pi * t / 12)) * 1.01 ** (t / 12))
    ours = _fm(_one(y), horizon=12, n_origins=1, models=("ets",)).forecasts["mean"].to_numpy()
    ref = np.expm1(ExponentialSmoothing(np.log1p(y), trend="add", seasonal="add", seasonal_periods=12).fit()
                   .forecast(12))
    assert np.max(np.abs(ours - ref) / ref) < 0.03


def test_statsmodels_engine_agrees_with_numpy_engine():
    rng = np.random.default_rng(7)
    t = np.arange(60)
    y = rng.poisson(400 * (1 + 0.2 * np.cos(2 * np.pi * t / 12)))
    fast = _fm(_one(y), horizon=12, n_origins=1, models=("ets",))
    ref = _fm(_one(y), horizon=12, n_origins=1, models=("ets",), engine="statsmodels")
    a, b = fast.forecasts["mean"].to_numpy(), ref.forecasts["mean"].to_numpy()
    assert np.max(np.abs(a - b) / b) < 0.05
    # interval widths agree to within a third
    wa = (fast.forecasts["hi_80"] - fast.forecasts["lo_80"]).to_numpy()
    wb = (ref.forecasts["hi_80"] - ref.forecasts["lo_80"]).to_numpy()
    assert np.all(np.abs(wa / wb - 1) < 0.34)


def test_ets_variance_matches_hyndman_formula():
    # ETS(A,N,A) with alpha .2, gamma* .1 (gamma = .1 * .8 = .08), m = 4:
    # c_i = .2 + .08 [i mod 4 = 0]; var_h = 1 + sum_{i<h} c_i^2 -> h=5: 1 + 3*.04 + .28^2 = 1.1984
    st = _ets.State(level=np.array([0.0]), trend=np.array([0.0]), season=np.zeros((1, 4)), sigma=np.array([1.0]),
                    params=np.array([[0.2, 0.0, 0.1, 1.0, 0.0]]))
    f = _ets.forecast(st, 5, (80,))
    z80 = 1.2815515655446004
    assert np.log1p(f["hi_80"][0, 4]) == pytest.approx(z80 * np.sqrt(1.1984))
    assert np.log1p(f["hi_80"][0, 0]) == pytest.approx(z80)


# --------------------------------------------------------------------------- fallbacks

def test_diverging_model_falls_back_to_snaive_without_nan(monkeypatch):
    calls = {"n": 0}

    def bad_drift(y, h):
        calls["n"] += 1
        out = np.full((y.shape[0], h), 1e12)
        out[:, 0] = np.inf
        return out

    monkeypatch.setattr(F.models, "_drift", bad_drift)  # patched where _baseline looks it up
    r = _fm(_panel(2, 48), horizon=6, n_origins=2, models=("snaive", "drift"))
    assert calls["n"] == 3  # two origins + the final fit
    assert np.isfinite(r.forecasts[["mean", "lo_80", "hi_95"]].to_numpy()).all()
    drift = r.forecasts[r.forecasts["model"] == "drift"]["mean"].to_numpy()
    snaive = r.forecasts[r.forecasts["model"] == "snaive"]["mean"].to_numpy()
    assert np.array_equal(drift, snaive)
    assert set(r.fallbacks["model"]) == {"drift"} and len(r.fallbacks) == 2 * 3  # 2 series x 3 fits
    assert r.fallbacks["reason"].str.contains("non-finite").all()
    assert r.fallbacks["reason"].str.endswith("replaced by snaive").all()
    assert set(r.fallbacks["origin"]) == {"2018-06", "2018-07", "final"}


def test_exploding_ets_falls_back_and_is_logged(monkeypatch, caplog):
    real = _ets.forecast

    def exploding(state, h, levels):
        out = real(state, h, levels)
        out["mean"] = out["mean"] * 1e6
        return out

    monkeypatch.setattr(_ets, "forecast", exploding)
    with caplog.at_level("WARNING", logger="alliance_analysis.forecasting"):
        r = _fm(_panel(1, 48), horizon=6, n_origins=1, models=("snaive", "ets"))
    assert r.fallbacks["reason"].str.contains("above 3x the series maximum").all()
    assert len(r.fallbacks) == 2 and "forecast fallback" in caplog.text
    ets = r.forecasts[r.forecasts["model"] == "ets"]["mean"].to_numpy()
    assert ets.max() < 10 * r.history["count"].max()


def test_failing_statsmodels_sarima_falls_back_to_ets(monkeypatch):
    import statsmodels.tsa.statespace.sarimax as sx

    class Broken:
        def __init__(self, *a, **k):
            raise np.linalg.LinAlgError("Schur decomposition solver error")

    monkeypatch.setattr(sx, "SARIMAX", Broken)
    r = _fm(_panel(1, 48), horizon=6, n_origins=1, models=("ets", "sarima"), engine="statsmodels")
    assert len(r.fallbacks) == 2 and (r.fallbacks["model"] == "sarima").all()
    assert r.fallbacks["reason"].str.contains("SARIMAX failed: LinAlgError").all()
    f = r.forecasts.pivot(index="month", columns="model", values="mean")
    assert np.array_equal(f["sarima"], f["ets"]) and np.isfinite(f.to_numpy()).all()


def test_too_short_for_sarima_is_skipped_not_copied():
    # 30 months, horizon 2, one origin: 28 training values < 2*12 + 8 = 32 the seasonal AR
    # needs, so sarima does not run (no rows), and skipped says why; ETS (24) runs and the
    # combination is the median (here the mean) of ETS and Theta
    r = _fm(_panel(1, 30), horizon=2, n_origins=1, models=("snaive", "ets", "sarima", "combo"))
    assert set(r.forecasts["model"]) == {"snaive", "ets", "combo"} == set(r.backtest["model"])
    assert sorted(r.skipped["model"]) == ["sarima"]
    assert r.skipped["reason"].str.contains("needs 32 training periods").all()
    assert len(r.fallbacks) == 0 and r.settings["models"] == ["snaive", "ets", "combo"]
    assert np.isfinite(r.forecasts[["mean", "lo_95", "hi_95"]].to_numpy()).all()


def test_fast_sarima_close_to_statsmodels_sarimax():
    rng = np.random.default_rng(12)
    t = np.arange(120)
    y = rng.poisson(300 * (1 + 0.15 * np.cos(2 * np.pi * t / 12)) * 1.02 ** (t / 12))
    fast = _fm(_one(y), horizon=12, n_origins=1, models=("sarima",))
    ref = _fm(_one(y), horizon=12, n_origins=1, models=("sarima",), engine="statsmodels")
    assert len(ref.fallbacks) == 0
    a, b = fast.forecasts["mean"].to_numpy(), ref.forecasts["mean"].to_numpy()
    assert np.max(np.abs(a / b - 1)) < 0.03
    wa = (fast.forecasts["hi_80"] - fast.forecasts["lo_80"]).to_numpy()
    wb = (ref.forecasts["hi_80"] - ref.forecasts["lo_80"]).to_numpy()
    assert np.all(np.abs(wa / wb - 1) < 0.2)


# --------------------------------------------------------------------------- bad input

@pytest.mark.parametrize(
    "mutate, error, message",
    [
        # 24 months: first origin 24 - 12 - 1 = 11 < 13 (seasonal naive: m + 1); 13 + 12 + 1 = 26
        pytest.param(lambda d: d.iloc[:24], DataValidationError, r"fewer than any requested model.*= 26",
                     id="too-short"),
        pytest.param(lambda d: d.assign(count=d["count"].astype(float).where(d.index != 4, np.inf)),
                     DataValidationError, r"F00.*non-finite count \(inf\) in 2015-05", id="inf-count"),
        pytest.param(lambda d: d.drop(index=5), DataValidationError, r"F00.*no value for 2015-06", id="gap"),
        pytest.param(lambda d: d.assign(count=d["count"].astype(float).where(d.index != 3)), DataValidationError,
                     r"missing count in 2015-04", id="na-count"),
        pytest.param(lambda d: d.assign(count=d["count"].where(d.index != 3, -1)), DataValidationError,
                     r"negative count in 2015-04", id="negative"),
        pytest.param(lambda d: d.assign(month=d["month"].dt.to_timestamp()), DataValidationError,
                     "not a pandas Period", id="not-period"),
        pytest.param(lambda d: d.assign(month=d["month"].dt.asfreq("D")), DataValidationError,
                     "not monthly or quarterly", id="daily"),
        pytest.param(lambda d: pd.concat([d, d.iloc[[7]]]), DataValidationError, "2015-08 more than once",
                     id="duplicate-month"),
        pytest.param(lambda d: d.drop(columns="crime_type"), DataValidationError, r"\['crime_type'\] are missing",
                     id="missing-column"),
    ],
)
def test_bad_input(mutate, error, message):
    d = _panel(1, 48)
    with pytest.raises(error, match=message):
        _fm(mutate(d), horizon=12, n_origins=2)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        pytest.param({"models": ("prophet",)}, "unknown or empty", id="model"),
        pytest.param({"horizon": 0}, "horizon must be an integer >= 1", id="horizon"),
        pytest.param({"n_jobs": 0}, "n_jobs", id="n-jobs"),
        pytest.param({"engine": "torch"}, "engine", id="engine"),
        pytest.param({"select_by": "rmse"}, "select_by", id="select-by"),
        pytest.param({"levels": (80, 100)}, "levels", id="levels"),
    ],
)
def test_bad_parameters(kwargs, message):
    with pytest.raises(ParameterError, match=message):
        _fm(_panel(1, 48), **kwargs)


# --------------------------------------------------------------------------- real data

@pytest.mark.shared_data
def test_real_gloucestershire_35_months(shared_data):
    files = sorted((shared_data / "police_uk" / "gloucestershire").rglob("*-street.csv"))
    assert len(files) == 35
    counts = pd.concat(pd.read_csv(f, usecols=["Month", "Crime type"]) for f in files)
    d = (counts.groupby(["Month", "Crime type"]).size().rename("count").reset_index()
         .rename(columns={"Month": "month", "Crime type": "crime_type"}))
    d["month"] = pd.PeriodIndex(d["month"], freq="M")
    d["force"] = "Gloucestershire"
    from alliance_analysis.clean import complete_monthly_index  # noqa: F401 - gaps are explicit in the error

    full = d.pivot_table(index="crime_type", columns="month", values="count").notna().all(axis=1)
    d = d[d["crime_type"].isin(full[full].index)]
    # 35 months: 2 seasons (24) + horizon 6 + step 1 x (4 origins - 1) = 33 <= 35
    r = _fm(d, horizon=6, n_origins=4)
    assert r.forecasts["crime_type"].nunique() == full.sum() >= 12
    scored = r.accuracy[r.accuracy["model"] != "sarima"]
    assert np.isfinite(scored["mase"]).all() and (r.forecasts["lo_95"] >= 0).all()
    # selection score: the selected model is never worse than seasonal naive by more than the
    # robust-default margin (the combination is kept unless a model is 5% better)
    sel = r.accuracy[r.accuracy["selected"]].set_index("crime_type")["selection_score"].sort_index()
    sn = r.accuracy[r.accuracy["model"] == "snaive"].set_index("crime_type")["selection_score"].sort_index()
    assert (sel <= sn / 0.95 + 1e-12).all()
    # first origin 35 - 6 - 3 = 26: ETS, Theta and their combination (24) are backtested at every
    # origin; SARIMA (32) fits the whole 35 months but no origin is long enough to score it:
    # no backtest rows, no selection, never copied from another model
    assert len(r.skipped) == 0 and r.settings["partly_backtested"] == {"sarima": 32}
    assert "sarima" not in set(r.backtest["model"]) and r.accuracy.loc[r.accuracy["model"] == "sarima",
                                                                       "mase"].isna().all()
    assert "sarima" not in set(r.selected["model"])
    # horizon 12 with 4 origins: first origin 20 < 24, yet every model whose minimum the 35 months
    # meet forecasts (minimum lengths come from the models, not the backtest layout)
    short = _fm(d, horizon=12, n_origins=4)
    assert set(short.forecasts["model"]) == set(F.DEFAULT_MODELS)
    assert set(short.backtest["model"]) == {"snaive", "drift", "sba", "tsb"}
    assert np.isfinite(short.forecasts[["mean", "lo_95", "hi_95"]].to_numpy()).all()
    # 22 months: first origin 22 - 12 - 3 = 7 < 13 (seasonal naive); 13 + 12 + 1 x 3 = 28
    with pytest.raises(DataValidationError, match=r"have 22 periods.*= 28"):
        _fm(d[d["month"] <= pd.Period("2023-11", "M")], horizon=12, n_origins=4)
