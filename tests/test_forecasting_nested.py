"""Forecasting, issue 11 items 4-6 and issue 13 items 1-2: minimum lengths, periods, nested
selection, intermittent models, calibrated intervals, chunks and Dask.

Expected values are worked by hand or recounted with plain numpy/pandas in the test.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from alliance_analysis.forecasting import _intermittent
from alliance_analysis import forecasting as F
from alliance_analysis.errors import DataValidationError, ParameterError

def _fm(*args, **kwargs):
    """``forecast_many`` with per-series backtest selection and the full backtest (the behaviour
    these tests pin; the defaults are ``select="combination"`` and ``keep="selected"``)."""
    kwargs.setdefault("keep", "all")
    kwargs.setdefault("select", "backtest")
    return F.forecast_many(*args, **kwargs)



def _panel(n_series: int = 30, n: int = 60, seed: int = 0, level: float = 200.0, freq: str = "M",
           start: str = "2015-01", time: str = "month", m: int = 12) -> pd.DataFrame:
    """Seeded Poisson counts with a +-10% seasonal cycle (synthetic)."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    mu = level * (1 + 0.1 * np.cos(2 * np.pi * t / max(m, 1)))
    periods = pd.period_range(start, periods=n, freq=freq)
    return pd.DataFrame({"force": np.repeat([f"F{i:03d}" for i in range(n_series)], n), "crime_type": "Drugs",
                         time: np.tile(periods, n_series), "count": rng.poisson(np.tile(mu, n_series))})


# --------------------------------------------------------------------------- minimum lengths

BASELINES = {"snaive", "drift", "sba", "tsb"}


@pytest.mark.parametrize(
    "n, first, runs, scored, skipped",
    [
        # monthly m = 12, horizon 6, 4 origins: first origin = n - 6 - 3. A model runs when the
        # whole series meets its own minimum (ETS, Theta, combination 2m = 24; SARIMA 2m + 8 =
        # 32) and is scored at the origins that meet it; the backtest layout does not decide
        pytest.param(41, 32, set(F.DEFAULT_MODELS), set(F.DEFAULT_MODELS), set(), id="first-32-all-scored"),
        pytest.param(34, 25, set(F.DEFAULT_MODELS), set(F.DEFAULT_MODELS) - {"sarima"}, set(), id="first-25"),
        pytest.param(33, 24, set(F.DEFAULT_MODELS), set(F.DEFAULT_MODELS) - {"sarima"}, set(),
                     id="first-24-two-seasons"),
        pytest.param(32, 23, set(F.DEFAULT_MODELS), set(F.DEFAULT_MODELS) - {"sarima"}, set(),
                     id="n-32-sarima-fits-unscored"),
        pytest.param(29, 20, set(F.DEFAULT_MODELS) - {"sarima"}, BASELINES, {"sarima"}, id="n-29-ets-unscored"),
        pytest.param(23, 14, BASELINES, BASELINES, {"ets", "theta", "sarima", "combo"}, id="n-23-baselines"),
    ],
)
def test_minimum_length_rule_per_model(n, first, runs, scored, skipped):
    r = _fm(_panel(2, n), horizon=6, n_origins=4)
    assert int(pd.Period(r.backtest["origin"].min(), "M").ordinal - pd.Period("2015-01", "M").ordinal) == first
    assert set(r.forecasts["model"]) == runs and set(r.backtest["model"]) == scored
    assert set(r.skipped["model"]) == skipped
    assert len(r.skipped) == 2 * len(skipped)  # one row per series and model
    assert np.isfinite(r.forecasts[["mean", "lo_95", "hi_95"]].to_numpy()).all()
    # a model scored at only some origins has backtest rows only there
    per = r.backtest.groupby("model")["origin"].nunique()
    assert per.get("sarima", 0) in (0, sum(o >= 32 for o in range(first, first + 4)))


def test_min_length_table():
    # two full seasons for ETS, Theta and their combination; 2m + 8 for the least-squares seasonal AR
    assert [F.min_length(k, 4) for k in ("snaive", "drift", "ets", "theta", "sarima", "combo", "tsb")] == \
        [5, 5, 8, 8, 16, 8, 5]
    assert F.min_length("drift", 1) == 3 and F.min_length("sarima", 1) is None


def test_combo_only_request_runs_its_components_but_returns_combo_only():
    r = _fm(_panel(2, 48), horizon=6, n_origins=2, models=("combo",))
    assert set(r.forecasts["model"]) == {"combo"} and set(r.accuracy["model"]) == {"combo"}
    assert (r.selected["model"] == "combo").all()


# --------------------------------------------------------------------------- periods

@pytest.mark.parametrize(
    "freq, start, time, m, n",
    [
        pytest.param("M", "2015-01", "month", 12, 48, id="monthly"),
        pytest.param("Q", "2007Q2", "quarter", 4, 40, id="quarterly-quarter-column"),
        pytest.param("Q", "2007Q2", "period", 4, 40, id="quarterly-period-column"),
        pytest.param("Y", "1990", "year", 1, 30, id="annual"),
        pytest.param("Q", "2007Q2", "when", 4, 40, id="any-period-column"),
    ],
)
def test_season_length_and_time_column_from_the_data(freq, start, time, m, n):
    d = _panel(3, n, freq=freq, start=start, time=time, m=m)
    r = _fm(d, horizon=4, n_origins=2)
    assert r.settings["season_length"] == m and r.settings["time"] == time
    last = pd.Period(start, freq) + n - 1
    assert [str(p) for p in r.forecasts[time].unique()] == [str(last + k) for k in range(1, 5)]
    assert time in r.backtest.columns and "month" not in r.forecasts.columns or time == "month"
    if m == 1:  # annual: no seasonal ARIMA, said in skipped (the combination is ETS and Theta)
        assert set(r.skipped["model"]) == {"sarima"}
        assert r.skipped["reason"].str.contains("seasonal period m >= 2").all()


def test_annual_ets_has_no_seasonal_term():
    # a straight line on log1p: ETS with m = 1 should follow the trend, not a season
    y = np.expm1(np.log1p(100) + 0.05 * np.arange(25))
    d = pd.DataFrame({"force": "A", "crime_type": "x", "year": pd.period_range("1999", periods=25, freq="Y"),
                      "count": y})
    r = _fm(d, horizon=3, n_origins=1, models=("ets",), intervals="model")
    f = r.forecasts["mean"].to_numpy()
    # damped trend (phi < 1): the forecast keeps rising, above the last value and at most the
    # undamped line, within 6% of it three steps ahead
    line = np.expm1(np.log1p(100) + 0.05 * np.arange(25, 28))
    assert (np.diff(f) > 0).all() and f[0] > y[-1] and (f <= line).all()
    assert np.allclose(f, line, rtol=0.06)


def test_wide_input_equals_tidy():
    d = _panel(5, 48)
    wide = d.pivot(index=["force", "crime_type"], columns="month", values="count")
    a = _fm(d, horizon=6, n_origins=2)
    b = _fm(wide, horizon=6, n_origins=2)
    pd.testing.assert_frame_equal(a.forecasts, b.forecasts)
    pd.testing.assert_frame_equal(a.accuracy, b.accuracy)


@pytest.mark.parametrize(
    "mutate, message",
    [
        pytest.param(lambda d: d.assign(count=d["count"].astype(float).where(d.index != 50, np.inf)),
                     r"F001.*non-finite count \(inf\) in 2015-03", id="inf"),
        pytest.param(lambda d: d.assign(count=d["count"].astype(float).where(d.index != 50, -np.inf)),
                     r"F001.*non-finite count \(inf\) in 2015-03", id="minus-inf"),
        pytest.param(lambda d: d.assign(count=d["count"].astype(float).where(d.index != 50)),
                     r"F001.*missing count in 2015-03", id="nan"),
        pytest.param(lambda d: d.assign(count=d["count"].astype(object).where(d.index != 50, "x")),
                     r"F001.*non-numeric count 'x' in 2015-03", id="text"),
        pytest.param(lambda d: d.rename(columns={"month": "when"}).assign(other=d["month"]),
                     r"no time column", id="two-period-columns"),
    ],
)
def test_bad_counts_name_series_and_period(mutate, message):
    d = _panel(2, 48)  # series F001 starts at row 48; row 50 is its third month, 2015-03
    with pytest.raises(DataValidationError, match=message):
        _fm(mutate(d), horizon=6, n_origins=2)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        pytest.param({"holdout": 2, "n_origins": 2}, "holdout", id="holdout-all"),
        pytest.param({"intervals": "bootstrap"}, "intervals", id="intervals"),
        pytest.param({"keep": "some"}, "keep", id="keep"),
        pytest.param({"memory_budget_mb": 0}, "memory_budget_mb", id="budget"),
        pytest.param({"min_improvement": 1.5}, "min_improvement", id="margin"),
    ],
)
def test_bad_new_parameters(kwargs, message):
    with pytest.raises(ParameterError, match=message):
        _fm(_panel(1, 48), **{"horizon": 6, **kwargs})


# --------------------------------------------------------------------------- nested selection

@pytest.fixture(scope="module")
def nested():
    return _fm(_panel(30, 60, seed=4), horizon=6, n_origins=4)


def test_selection_and_holdout_use_disjoint_origins(nested):
    # 4 origins: the first 2 select, the last 2 are scored; recompute both with plain numpy
    bt, acc = nested.backtest, nested.accuracy
    origins = sorted(bt["origin"].unique())
    assert nested.settings["holdout"] == 2
    d = _panel(30, 60, seed=4)
    one = bt[(bt["force"] == "F007") & (bt["model"] == "snaive")]
    y = d[d["force"] == "F007"]["count"].to_numpy(dtype=float)
    per = []
    for k, o in enumerate(origins):
        train = y[:60 - 6 - 3 + k]
        g = one[one["origin"] == o]
        per.append(np.mean(np.abs(g["actual"] - g["mean"])) / np.mean(np.abs(train[12:] - train[:-12])))
    row = acc[(acc["force"] == "F007") & (acc["model"] == "snaive")].iloc[0]
    assert row["selection_score"] == pytest.approx(np.mean(per[:2]))
    assert row["accuracy_holdout"] == pytest.approx(np.mean(per[2:]))
    assert row["mase"] == pytest.approx(np.mean(per))


def test_holdout_errors_do_not_change_the_choice():
    # changing the data after the last selection origin's training end cannot change any
    # selection score... but it changes the actuals of windows; so change only the last
    # hold-out window's final month, which no selection window reaches (origins 51, 52 with
    # horizon 6 reach month 57 at most; month 59 is the last)
    d = _panel(10, 60, seed=5)
    a = _fm(d, horizon=6, n_origins=4)
    d2 = d.copy()
    last = d2["month"] == d2["month"].max()
    d2.loc[last, "count"] = d2.loc[last, "count"] * 3
    b = _fm(d2, horizon=6, n_origins=4)
    assert (a.selected["model"] == b.selected["model"]).all()
    assert np.allclose(a.selected["selection_score"], b.selected["selection_score"])
    assert not np.allclose(a.selected["accuracy_holdout"], b.selected["accuracy_holdout"])


def test_robust_default_kept_unless_clearly_better(nested):
    acc = nested.accuracy
    sel = nested.selected.set_index("force")
    combo = acc[acc["model"] == "combo"].set_index("force")["selection_score"]
    regular = acc[~acc["model"].isin(F.INTERMITTENT_MODELS)]
    best = regular.loc[regular.groupby("force")["selection_score"].idxmin()].set_index("force")
    expect = np.where(best["selection_score"] < 0.95 * combo.loc[best.index], best["model"], "combo")
    assert (sel.loc[best.index, "model"].to_numpy() == expect).all()
    kept = sel[sel["reason"].str.startswith("robust default")]
    assert (kept["model"] == "combo").all()
    # with no margin the lowest selection score always wins
    r0 = _fm(_panel(30, 60, seed=4), horizon=6, n_origins=4, min_improvement=0.0)
    assert (r0.selected.set_index("force")["model"] == best["model"]).all()


def test_single_origin_has_no_holdout_and_says_so():
    r = _fm(_panel(3, 48), horizon=6, n_origins=1)
    assert r.settings["holdout"] == 0 and r.accuracy["accuracy_holdout"].isna().all()
    assert not r.selected["reason"].str.contains("hold-out").any()


# --------------------------------------------------------------------------- intermittent counts

def test_croston_and_sba_by_hand():
    # y = 0 4 0 4: size0 = 4, interval0 = 2; alpha 0.1. Demands at t=1 and t=3 with gaps 2:
    # z stays 4 and p stays 2, so Croston = 2 and SBA = 0.95 x 2 = 1.9
    y = np.array([[0, 4, 0, 4.0]])
    assert _intermittent.rates(y, "croston")[0][0] == pytest.approx(2.0)
    assert _intermittent.rates(y, "sba")[0][0] == pytest.approx(1.9)
    # TSB: pi0 = 0.5, z0 = 4; pi moves 0.5 -> 0.475 -> 0.50125 -> 0.4761875 -> 0.502378; z stays 4
    pi = 0.5
    for d in (0, 1, 0, 1):
        pi += 0.05 * (d - pi)
    assert _intermittent.rates(y, "tsb")[0][0] == pytest.approx(4 * pi)


def test_mostly_zero_series_choose_an_intermittent_model():
    rng = np.random.default_rng(9)
    n, S = 48, 12
    counts = rng.binomial(1, 0.2, size=(S, n)) * rng.poisson(3, size=(S, n))
    d = pd.DataFrame({"force": np.repeat([f"L{i:02d}" for i in range(S)], n), "crime_type": "Robbery",
                      "month": np.tile(pd.period_range("2019-01", periods=n, freq="M"), S),
                      "count": counts.ravel()})
    r = _fm(d, horizon=6, n_origins=4)
    zero_share = (counts[:, :n - 6 - 3 + 1] == 0).mean(axis=1)  # up to the last selection origin
    assert (zero_share >= 0.5).all()
    assert r.accuracy.groupby("force")["intermittent"].all().all()
    assert r.selected["model"].isin(["sba", "tsb", "croston", "snaive"]).all()
    assert r.selected["reason"].str.startswith("intermittent series").all()


# --------------------------------------------------------------------------- calibrated intervals

def test_conformal_quantiles_by_hand():
    # 19 scores 1..19: level 80 -> ranks ceil(20 x 0.1) = 2 and ceil(20 x 0.9) = 18
    r = np.arange(1, 20, dtype=float).reshape(19, 1, 1)
    assert F.conformal_quantiles(r, (80,)) is None  # fewer than 20 scores
    r = np.arange(1, 21, dtype=float).reshape(20, 1, 1)  # ranks ceil(21 x .1) = 3, ceil(21 x .9) = 19
    lo, hi = F.conformal_quantiles(r, (80,))[80]
    assert (lo[0], hi[0]) == (3.0, 19.0)
    # per step when every step has >= 200 scores; pooled otherwise (same value each step)
    rng = np.random.default_rng(0)
    two = np.stack([rng.normal(0, 1, 200), rng.normal(0, 3, 200)], axis=1)[:, None, :]
    lo, hi = F.conformal_quantiles(two, (90,))[90]
    assert hi[1] > 2 * hi[0]
    lo, hi = F.conformal_quantiles(two[:150], (90,))[90]
    assert hi[0] == hi[1]


def test_calibrated_holdout_coverage_near_nominal_where_model_intervals_are_too_narrow():
    # overdispersed counts (negative binomial): the log-normal ETS intervals, fitted to
    # one-step errors, miss the nominal coverage; calibration from backtest errors repairs it
    rng = np.random.default_rng(21)
    S, n = 300, 40
    t = np.arange(n)
    mu = 50 * (1 + 0.2 * np.cos(2 * np.pi * t / 12))
    counts = rng.negative_binomial(3, 3 / (3 + np.tile(mu, (S, 1))))
    d = pd.DataFrame({"force": np.repeat([f"F{i:03d}" for i in range(S)], n), "crime_type": "x",
                      "month": np.tile(pd.period_range("2020-01", periods=n, freq="M"), S),
                      "count": counts.ravel()})
    cal = _fm(d, horizon=4, n_origins=4, models=("ets", "snaive"), min_improvement=0.0)
    mod = _fm(d, horizon=4, n_origins=4, models=("ets", "snaive"), intervals="model",
                          min_improvement=0.0)
    c = cal.accuracy.groupby("model")[["coverage_80", "coverage_95"]].mean()
    assert abs(c.loc["ets", "coverage_80"] - 0.80) <= 0.05 and abs(c.loc["ets", "coverage_95"] - 0.95) <= 0.05
    # coverage recounted from the hold-out rows of the backtest with plain pandas
    bt = cal.backtest[(cal.backtest["model"] == "ets") & cal.backtest["origin"].isin(
        sorted(cal.backtest["origin"].unique())[2:])]
    inside = ((bt["actual"] >= bt["lo_80"]) & (bt["actual"] <= bt["hi_80"])).mean()
    assert inside == pytest.approx(c.loc["ets", "coverage_80"])
    # calibration moves coverage towards nominal (the model's own intervals miss it by more)
    model_cov = mod.accuracy.groupby("model")["coverage_80"].mean().loc["ets"]
    assert abs(c.loc["ets", "coverage_80"] - 0.80) < abs(model_cov - 0.80)


def test_zero_width_intervals_do_not_blow_up_the_calibration():
    # issue 17: LSOA x crime type panels are mostly all-zero stretches; a model forecasting 0 with a
    # zero-width interval scored one later crime as (log 2 - 0) / 0.01 = 69 spreads, and pooled
    # 95% bounds reached tens of thousands on series with one crime in two years. SYNTHETIC,
    # seeded: 40 series with a single 1 (month 5) in 36 months and 40 Poisson(5) series.
    rng = np.random.default_rng(17)
    months = pd.period_range("2021-01", periods=36, freq="M")
    sparse = np.zeros((40, 36))
    sparse[:, 4] = 1
    sparse[:, 30:] = rng.binomial(1, 0.1, (40, 6))  # a few crimes in the scored months
    busy = rng.poisson(5, (40, 36))
    y = np.vstack([sparse, busy])
    d = pd.DataFrame({"force": np.repeat([f"A{i:02d}" for i in range(80)], 36), "crime_type": "x",
                      "month": np.tile(months, 80), "count": y.ravel()})
    r = F.forecast_many(d, horizon=6, keep="all")
    # a generous bound worked by hand: 100 a month is 10 x the largest Poisson(5) draw seen here
    assert y.max() <= 15
    for frame in (r.forecasts, r.backtest):
        assert frame["hi_95"].max() < 100, frame.nlargest(3, "hi_95")


def test_recent_errors_widen_the_intervals_and_calm_ones_do_not_narrow_them():
    # 30 origins of scores: N(0, 1) then the last 6 (= horizon) at N(0, 3): the wider recent
    # quantiles win; reversed (recent calm), the long-run quantiles are kept
    rng = np.random.default_rng(5)
    calm, wild = rng.normal(0, 1, (100, 24, 6)), rng.normal(0, 3, (100, 6, 6))
    levels = (80,)
    up = F.recent_or_all_quantiles(np.concatenate([calm, wild], axis=1), levels, 6)[80]
    both = F.conformal_quantiles(np.concatenate([calm, wild], axis=1), levels)[80]
    recent = F.conformal_quantiles(wild, levels)[80]
    assert np.allclose(up[1], np.maximum(both[1], recent[1])) and (up[1] > both[1]).all()
    assert np.allclose(up[0], np.minimum(both[0], recent[0]))
    # z_0.9 = 1.2816: the recent upper quantile is near 3 x 1.28 = 3.8, the pooled one well below
    assert 3.3 < up[1].mean() < 4.3 and both[1].mean() < 3.0
    down = F.recent_or_all_quantiles(np.concatenate([wild, calm], axis=1), levels, 6)[80]
    assert np.allclose(down[1], F.conformal_quantiles(np.concatenate([wild, calm], axis=1), levels)[80][1])


def test_coverage_flag_marks_series_more_than_10_points_below():
    r = _fm(_panel(20, 60, seed=2), horizon=6, n_origins=4)
    acc = r.accuracy
    expect = (acc["coverage_80"] < 0.70) | (acc["coverage_95"] < 0.85)
    assert (acc["coverage_flag"] == expect).all()
    assert (r.selected["coverage_flag"].to_numpy() == acc[acc["selected"]]["coverage_flag"].to_numpy()).all()


# --------------------------------------------------------------------------- chunks and Dask

def test_chunked_equals_unchunked():
    d = _panel(60, 48, seed=6)
    whole = _fm(d, horizon=6, n_origins=2)
    parts = _fm(d, horizon=6, n_origins=2, memory_budget_mb=2)
    assert whole.settings["n_chunks"] == 1 and parts.settings["n_chunks"] > 2
    for name in ("forecasts", "backtest", "accuracy", "selected", "fallbacks", "skipped"):
        pd.testing.assert_frame_equal(getattr(whole, name), getattr(parts, name), check_exact=False, rtol=1e-9)
    # rows come out ordered by series, model (as given) and period, without a sort
    f = whole.forecasts
    assert f["force"].is_monotonic_increasing
    order = {m: i for i, m in enumerate(whole.settings["models"])}
    assert f.groupby("force")["model"].apply(lambda s: s.map(order).is_monotonic_increasing).all()


def test_keep_selected_returns_only_the_selected_forecasts():
    d = _panel(8, 48)
    full = _fm(d, horizon=6, n_origins=2)
    slim = _fm(d, horizon=6, n_origins=2, keep="selected")
    sel = full.forecasts[full.forecasts["is_selected"]].reset_index(drop=True)
    pd.testing.assert_frame_equal(sel, slim.forecasts)
    assert len(slim.backtest) == 0
    pd.testing.assert_frame_equal(full.accuracy, slim.accuracy)


def test_dask_local_cluster_equals_in_process():
    pytest.importorskip("dask.distributed")
    d = _panel(45, 48, seed=8)
    serial = _fm(d, horizon=6, n_origins=2, memory_budget_mb=1)
    # n_jobs=2 (the old process-pool argument) now means a 2-worker Dask LocalCluster
    dask = _fm(d, horizon=6, n_origins=2, memory_budget_mb=1, n_jobs=2)
    assert serial.settings["n_chunks"] >= 2
    pd.testing.assert_frame_equal(serial.forecasts, dask.forecasts)
    pd.testing.assert_frame_equal(serial.accuracy, dask.accuracy)


def test_chunk_size_follows_the_budget():
    d = _panel(40, 48)
    small = _fm(d, horizon=6, n_origins=2, memory_budget_mb=1)
    big = _fm(d, horizon=6, n_origins=2, memory_budget_mb=100)
    assert small.settings["chunk_size"] < big.settings["chunk_size"] == 40
    assert math.ceil(40 / small.settings["chunk_size"]) == small.settings["n_chunks"]


@pytest.mark.parametrize("freq, start, m", [pytest.param("M", "2000-01", 12, id="monthly"),
                                            pytest.param("Q", "2000Q1", 4, id="quarterly"),
                                            pytest.param("Y", "1990", 1, id="annual")])
def test_every_length_that_passes_the_check_runs(freq, start, m):
    # every length from the shortest accepted (first origin m + 1) to past SARIMA's 2m + 8,
    # low and high counts, all models: a finite forecast or the named length error, never a crash
    rng = np.random.default_rng(m)
    for n in range(m + 2, 2 * m + 12):
        for level in (0.3, 50.0):
            y = rng.poisson(level, size=(2, n))
            d = pd.DataFrame({"force": np.repeat(["a", "b"], n), "crime_type": "x",
                              "p": np.tile(pd.period_range(start, periods=n, freq=freq), 2), "count": y.ravel()})
            try:
                r = _fm(d, horizon=2, n_origins=2, models=F.MODELS)
            except DataValidationError as exc:
                assert n - 3 < m + 1 and "fewer than any requested model" in str(exc)
                continue
            assert np.isfinite(r.forecasts[["mean", "lo_95", "hi_95"]].to_numpy()).all()
            ran = set(r.forecasts["model"])
            assert ran | set(r.skipped["model"]) == set(F.MODELS) and not ran & set(r.skipped["model"])
