"""Crime trend forecasting: baselines, vectorised ETS, rolling-origin backtests, reconciliation.

Models (per series, on monthly or quarterly counts):

``snaive``  seasonal naive (last season repeated);
``drift``   random walk with drift;
``ets``     additive Holt-Winters, with or without trend (ETS(A,A,A) / ETS(A,N,A)), on
            ``log1p(count)``; trend choice and smoothing parameters chosen per series and
            per origin from a grid by in-sample one-step SSE; all
            series and all grid points are filtered at once with numpy (the fast path);
``combo``   the mean of ``snaive`` and ``ets``;
``sarima``  statsmodels SARIMAX(1,0,0)(0,1,1) per series (slow reference model; opt-in).

Every model is scored by a rolling-origin backtest (``n_origins`` origins ``step`` apart,
each forecasting ``horizon`` ahead): MASE (scaled by the in-sample seasonal-naive MAE of
each training window), sMAPE and empirical coverage of the 80% and 95% intervals. The
model with the lowest mean MASE is selected per series and refitted on the full series.
Forecasts and bounds are never negative (log1p models are back-transformed; baselines are
clipped at zero). A model whose forecast is not finite or explodes (above 10x the series
maximum) is replaced by the seasonal naive forecast and recorded in ``fallbacks``.

Examples
--------
>>> mase([3, 5], [4, 4], insample=[1, 2, 3, 4, 5, 6], m=2)   # MAE 1 / seasonal-naive MAE 2
0.5
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from alliance_analysis.errors import DataValidationError, ParameterError

log = logging.getLogger(__name__)

FAST_MODELS = ("snaive", "drift", "ets", "combo")
ALPHAS = (0.05, 0.1, 0.2, 0.3, 0.5, 0.7)
BETAS = (0.0, 0.005, 0.02)
GAMMAS = (0.0, 0.05, 0.1, 0.2)
TRENDS = (0.0, 1.0)  # 0: no trend (ETS(A,N,A)), 1: additive trend (ETS(A,A,A))


# --------------------------------------------------------------------------- metrics

def mase(actual: Sequence[float], forecast: Sequence[float], *, insample: Sequence[float], m: int = 12) -> float:
    """Mean absolute scaled error, scaled by the in-sample seasonal naive MAE (lag ``m``)."""
    a, f, x = (np.asarray(v, dtype=float) for v in (actual, forecast, insample))
    if len(x) <= m:
        raise ParameterError(f"insample has {len(x)} values; need more than m={m}")
    scale = np.mean(np.abs(x[m:] - x[:-m]))
    return float(np.mean(np.abs(a - f)) / scale) if scale > 0 else float("nan")


def smape(actual: Sequence[float], forecast: Sequence[float]) -> float:
    """Symmetric MAPE in percent: mean of 200 |a - f| / (|a| + |f|) (0 where both are 0).

    Examples
    --------
    >>> smape([100, 0], [50, 0])   # 200*50/150 = 66.67 and 0
    33.333333333333336
    """
    a, f = np.asarray(actual, dtype=float), np.asarray(forecast, dtype=float)
    den = np.abs(a) + np.abs(f)
    terms = np.where(den == 0, 0.0, 200 * np.abs(a - f) / np.where(den == 0, 1, den))
    return float(terms.mean())


def interval_coverage(actual: Sequence[float], lower: Sequence[float], upper: Sequence[float]) -> float:
    """Share of actual values inside [lower, upper].

    Examples
    --------
    >>> interval_coverage([1, 5, 9], [0, 0, 0], [4, 6, 8])
    0.6666666666666666
    """
    a, lo, hi = (np.asarray(v, dtype=float) for v in (actual, lower, upper))
    return float(np.mean((a >= lo) & (a <= hi)))


# --------------------------------------------------------------------------- validation

def _to_matrix(df: pd.DataFrame, keys: Sequence[str], value: str = "count") -> tuple[pd.DataFrame, np.ndarray, pd.PeriodIndex]:
    keys = list(keys)
    missing = [c for c in [*keys, "month", value] if c not in df.columns]
    if missing:
        raise DataValidationError(f"columns {missing} are missing", fix=f"give columns {[*keys, 'month', value]}")
    if not isinstance(df["month"].dtype, pd.PeriodDtype):
        raise DataValidationError("the month column is not a pandas Period", column="month",
                                  fix="convert with clean.to_month (monthly) or to Period[Q] (quarterly)")
    freq = df["month"].dtype.freq.name
    if not (freq.startswith("M") or freq.startswith("Q")):
        raise DataValidationError(f"period frequency {freq!r} is not monthly or quarterly", column="month",
                                  fix="aggregate to months or quarters")
    if df[value].isna().any():
        bad = df[df[value].isna()].iloc[0]
        raise DataValidationError(f"series {dict(bad[keys])} has a missing count in {bad['month']}", column=value,
                                  fix="declare or fill the gap explicitly before forecasting")
    if (df[value] < 0).any():
        bad = df[df[value] < 0].iloc[0]
        raise DataValidationError(f"series {dict(bad[keys])} has a negative count in {bad['month']}", column=value,
                                  fix="counts must be >= 0")
    if df.duplicated([*keys, "month"]).any():
        bad = df[df.duplicated([*keys, "month"])].iloc[0]
        raise DataValidationError(f"series {dict(bad[keys])} has month {bad['month']} twice", column="month",
                                  fix="aggregate duplicates first")
    wide = df.pivot_table(index=keys, columns="month", values=value, aggfunc="sum")
    periods = pd.period_range(wide.columns.min(), wide.columns.max(), freq=df["month"].dtype.freq)
    wide = wide.reindex(columns=periods)
    if wide.isna().any().any():
        i, j = np.argwhere(wide.isna().to_numpy())[0]
        raise DataValidationError(f"series {dict(zip(keys, np.atleast_1d(wide.index[i])))} has no value for "
                                  f"{periods[j]} (gap)", column="month",
                                  fix="make gaps explicit with clean.complete_monthly_index and handle them before forecasting")
    index = wide.index.to_frame(index=False)
    return index, wide.to_numpy(dtype=float), periods


# --------------------------------------------------------------------------- models

def _snaive(y: np.ndarray, h: int, m: int) -> np.ndarray:
    last = y[:, -m:]
    reps = int(np.ceil(h / m))
    return np.tile(last, reps)[:, :h]


def _drift(y: np.ndarray, h: int) -> np.ndarray:
    n = y.shape[1]
    slope = (y[:, -1] - y[:, 0]) / max(n - 1, 1)
    return y[:, -1:] + slope[:, None] * np.arange(1, h + 1)[None, :]


def _residual_sd(y: np.ndarray, fitted_err: np.ndarray) -> np.ndarray:
    return np.sqrt(np.nanmean(fitted_err**2, axis=1))


def _ets_filter(z: np.ndarray, m: int, params: np.ndarray):
    """Run additive Holt-Winters for every series x parameter row at once.

    z: (S, n) log1p counts. params: (P, 4) alpha, beta, gamma, trend switch.
    Returns level, trend (S, P, n+1 history of states), season (S, P, n+m), sse cumulative (S, P, n).
    """
    S, n = z.shape
    P = params.shape[0]
    a, b, g, on = (params[:, k][None, :] for k in range(4))
    b = b * on
    first = z[:, :m].mean(axis=1)
    second = z[:, m:2 * m].mean(axis=1) if n >= 2 * m else first
    level = np.repeat(first[:, None], P, axis=1)
    trend = ((second - first) / m)[:, None] * on
    season = np.repeat((z[:, :m] - first[:, None])[:, None, :], P, axis=1)  # (S, P, m)
    seas_hist = np.empty((S, P, n + m))
    seas_hist[:, :, :m] = season
    L = np.empty((S, P, n))
    T = np.empty((S, P, n))
    sq = np.empty((S, P, n))
    for t in range(n):
        s_t = seas_hist[:, :, t]
        pred = level + trend + s_t
        err = z[:, t][:, None] - pred
        sq[:, :, t] = err**2
        new_level = level + trend + a * err
        trend = trend + a * b * err
        seas_hist[:, :, t + m] = s_t + g * (1 - a) * err
        level = new_level
        L[:, :, t], T[:, :, t] = level, trend
    return L, T, seas_hist, np.cumsum(sq, axis=2), sq


def _grid() -> np.ndarray:
    grid = np.array(list(itertools.product(ALPHAS, BETAS, GAMMAS, TRENDS)), dtype=float)
    return grid[(grid[:, 3] == 1) | (grid[:, 1] == 0)]  # beta is irrelevant without a trend


def _ets_forecast_at(L, T, seas, cum, sq, origin: int, h: int, m: int, levels: Sequence[int]):
    """Forecast from the state after observation ``origin`` - 1 (training length ``origin``)."""
    S = L.shape[0]
    params = _grid()
    warm = min(m, origin - 1)
    sse = cum[:, :, origin - 1] - cum[:, :, warm - 1]
    best = np.argmin(sse, axis=1)
    idx = np.arange(S)
    lv, tr = L[idx, best, origin - 1], T[idx, best, origin - 1]
    steps = np.arange(1, h + 1)
    # seasonal state for step j: seas_hist[origin + (j-1) % m] (last m seasonal states)
    sidx = origin + (steps - 1) % m
    sv = seas[idx[:, None], best[:, None], sidx[None, :]]
    mu = lv[:, None] + tr[:, None] * steps[None, :] + sv
    n_res = origin - warm
    sigma = np.sqrt((sq[idx, best, warm:origin]).sum(axis=1) / max(n_res - 3, 1))
    a, g = params[best, 0], params[best, 2]
    b = params[best, 1] * params[best, 3]
    # h-step variance of additive Holt-Winters (Hyndman et al. 2008, class 1)
    var = np.ones((S, h))
    for j in range(2, h + 1):
        c = np.zeros(S)
        for i in range(1, j):
            c += (a * (1 + i * b) + g * (1 - a) * (i % m == 0)) ** 2
        var[:, j - 1] = 1 + c
    sd = sigma[:, None] * np.sqrt(var)
    out = {"mean": np.expm1(mu)}
    for lvl in levels:
        zq = stats.norm.ppf(0.5 + lvl / 200)
        out[f"lo_{lvl}"] = np.expm1(mu - zq * sd)
        out[f"hi_{lvl}"] = np.expm1(mu + zq * sd)
    return out


def _baseline_intervals(y_train: np.ndarray, mean: np.ndarray, kind: str, m: int, levels: Sequence[int]) -> dict:
    h = mean.shape[1]
    if kind == "snaive":
        res = y_train[:, m:] - y_train[:, :-m]
        sigma = np.sqrt(np.mean(res**2, axis=1))
        k = np.floor((np.arange(1, h + 1) - 1) / m) + 1
        sd = sigma[:, None] * np.sqrt(k)[None, :]
    else:
        d = np.diff(y_train, axis=1)
        sigma = np.std(d, axis=1, ddof=1)
        sd = sigma[:, None] * np.sqrt(np.arange(1, h + 1))[None, :]
    out = {"mean": np.clip(mean, 0, None)}
    for lvl in levels:
        zq = stats.norm.ppf(0.5 + lvl / 200)
        out[f"lo_{lvl}"] = np.clip(mean - zq * sd, 0, None)
        out[f"hi_{lvl}"] = np.clip(mean + zq * sd, 0, None)
    return out


def _sarima(y_train: np.ndarray, h: int, m: int, levels: Sequence[int]) -> dict:
    import warnings

    from statsmodels.tsa.statespace.sarimax import SARIMAX

    out = {"mean": np.empty((len(y_train), h))}
    for lvl in levels:
        out[f"lo_{lvl}"] = np.empty((len(y_train), h))
        out[f"hi_{lvl}"] = np.empty((len(y_train), h))
    for i, y in enumerate(y_train):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = SARIMAX(np.log1p(y), order=(1, 0, 0), seasonal_order=(0, 1, 1, m), trend="c").fit(disp=False)
        fc = res.get_forecast(h)
        out["mean"][i] = np.expm1(fc.predicted_mean)
        for lvl in levels:
            ci = fc.conf_int(alpha=1 - lvl / 100)
            out[f"lo_{lvl}"][i], out[f"hi_{lvl}"][i] = np.expm1(ci[:, 0]), np.expm1(ci[:, 1])
    return out


def _forecast_all(y: np.ndarray, origin: int, h: int, m: int, models: Sequence[str], levels: Sequence[int],
                  ets_state) -> dict[str, dict]:
    train = y[:, :origin]
    out: dict[str, dict] = {}
    sn = _snaive(train, h, m)
    if "snaive" in models or "combo" in models:
        out["snaive"] = _baseline_intervals(train, sn, "snaive", m, levels)
    if "drift" in models:
        out["drift"] = _baseline_intervals(train, _drift(train, h), "drift", m, levels)
    if "ets" in models or "combo" in models:
        out["ets"] = _ets_forecast_at(*ets_state, origin, h, m, levels)
    if "combo" in models:
        out["combo"] = {k: (out["snaive"][k] + out["ets"][k]) / 2 for k in out["ets"]}
    if "sarima" in models:
        out["sarima"] = _sarima(train, h, m, levels)
    return {k: v for k, v in out.items() if k in models}


def _guard(fc: dict[str, dict], y: np.ndarray, models: Sequence[str]) -> list[tuple[int, str, str]]:
    """Replace non-finite or exploding forecasts by seasonal naive; return (series, model, reason)."""
    events = []
    cap = 10 * np.maximum(y.max(axis=1), 1)
    for name, d in fc.items():
        if name == "snaive":
            continue
        bad = ~np.isfinite(d["mean"]).all(axis=1) | (d["mean"] > cap[:, None]).any(axis=1)
        for k in d:
            bad |= ~np.isfinite(d[k]).all(axis=1)
        if bad.any() and "snaive" in fc:
            for k in d:
                d[k][bad] = fc["snaive"][k][bad]
            events += [(int(i), name, "non-finite or exploding forecast; replaced by seasonal naive")
                       for i in np.nonzero(bad)[0]]
        for k in d:
            d[k] = np.clip(d[k], 0, None)
    return events


@dataclass(frozen=True)
class ForecastResult:
    """Tidy outputs of :func:`forecast_many`."""

    forecasts: pd.DataFrame
    backtest: pd.DataFrame
    accuracy: pd.DataFrame
    selected: pd.DataFrame
    history: pd.DataFrame
    fallbacks: pd.DataFrame
    settings: dict = field(default_factory=dict)


def forecast_many(
    df: pd.DataFrame,
    *,
    keys: Sequence[str] = ("force", "crime_type"),
    horizon: int = 12,
    n_origins: int = 4,
    step: int = 1,
    models: Sequence[str] = FAST_MODELS,
    levels: Sequence[int] = (80, 95),
    season_length: int | None = None,
    select_by: str = "mase",
    progress: bool = False,
) -> ForecastResult:
    """Backtest-selected forecasts for many count series at once.

    Parameters
    ----------
    df : DataFrame
        ``keys`` + ``month`` (Period, monthly or quarterly) + ``count``.
    horizon, n_origins, step : int
        Rolling-origin design: origins at ``n - horizon - step*(n_origins-1-i)``.
    models : sequence of str
        From ``snaive``, ``drift``, ``ets``, ``combo``, ``sarima`` (slow).
    season_length : int, optional
        12 for monthly, 4 for quarterly (inferred).

    Raises
    ------
    DataValidationError
        Missing columns, gaps, negative or missing counts, duplicate months, non-period index,
        or series too short: at least ``2 * season_length + horizon + step * (n_origins - 1)`` values.

    Examples
    --------
    >>> months = pd.period_range("2015-01", periods=60, freq="M")
    >>> d = pd.DataFrame({"force": "A", "crime_type": "Drugs", "month": months,
    ...                   "count": 100 + 10 * np.sin(np.arange(60) * np.pi / 6)})
    >>> r = forecast_many(d, horizon=6, n_origins=2)
    >>> len(r.forecasts[r.forecasts["is_selected"]]), bool((r.forecasts["lo_80"] >= 0).all())
    (6, True)
    """
    from tqdm.auto import tqdm

    unknown = sorted(set(models) - {"snaive", "drift", "ets", "combo", "sarima"})
    if unknown:
        raise ParameterError(f"unknown models {unknown}; use snaive, drift, ets, combo, sarima")
    if horizon < 1 or n_origins < 1 or step < 1:
        raise ParameterError("horizon, n_origins and step must be >= 1")
    if select_by not in ("mase", "smape"):
        raise ParameterError("select_by must be 'mase' or 'smape'")
    index, y, periods = _to_matrix(df, keys)
    m = season_length or (12 if periods.freqstr.startswith("M") else 4)
    n = y.shape[1]
    need = 2 * m + horizon + step * (n_origins - 1)
    if n < need:
        raise DataValidationError(f"series have {n} periods; need at least 2 x {m} (two seasons) + horizon {horizon} "
                                  f"+ step {step} x (origins {n_origins} - 1) = {need}", column="month",
                                  fix="use a longer history, a shorter horizon or fewer origins")
    z = np.log1p(y)
    ets_state = _ets_filter(z, m, _grid()) if ("ets" in models or "combo" in models) else None
    origins = [n - horizon - step * (n_origins - 1 - i) for i in range(n_origins)]
    bt_rows, fb_rows = [], []
    scores = {mdl: {"mase": [], "smape": [], **{f"coverage_{lv}": [] for lv in levels}} for mdl in models}
    for o in tqdm(origins, desc="backtest origins", disable=not progress):
        fc = _forecast_all(y, o, horizon, m, models, levels, ets_state)
        fb_rows += [(i, mdl, r, str(periods[o])) for i, mdl, r in _guard(fc, y[:, :o], models)]
        actual = y[:, o:o + horizon]
        insample = y[:, :o]
        scale = np.mean(np.abs(insample[:, m:] - insample[:, :-m]), axis=1)
        for mdl, d in fc.items():
            err = np.abs(actual - d["mean"])
            scores[mdl]["mase"].append(np.where(scale > 0, err.mean(axis=1) / np.where(scale > 0, scale, 1), np.nan))
            den = np.abs(actual) + np.abs(d["mean"])
            sm = np.where(den == 0, 0.0, 200 * err / np.where(den == 0, 1, den)).mean(axis=1)
            scores[mdl]["smape"].append(sm)
            for lv in levels:
                scores[mdl][f"coverage_{lv}"].append(((actual >= d[f"lo_{lv}"]) & (actual <= d[f"hi_{lv}"])).mean(axis=1))
            frame = pd.DataFrame({"series": np.repeat(np.arange(len(y)), horizon),
                                  "month": np.tile(periods[o:o + horizon], len(y)),
                                  "origin": str(periods[o]), "model": mdl, "actual": actual.ravel(),
                                  **{k: v.ravel() for k, v in d.items()}})
            bt_rows.append(frame)
    acc_rows = []
    for mdl in models:
        acc = {k: np.nanmean(np.vstack(v), axis=0) for k, v in scores[mdl].items()}
        acc_rows.append(pd.DataFrame({"series": np.arange(len(y)), "model": mdl, **acc, "n_origins": n_origins}))
    accuracy = pd.concat(acc_rows, ignore_index=True)
    # lowest score wins; series whose MASE is undefined (constant history) fall back to sMAPE
    best = accuracy.sort_values([select_by, "smape"], na_position="last").groupby("series").head(1)
    chosen = dict(zip(best["series"], best["model"]))
    accuracy["selected"] = accuracy["model"] == accuracy["series"].map(chosen)
    # refit on the full series and forecast ahead
    future = pd.period_range(periods[-1] + 1, periods=horizon, freq=periods.freq)
    ets_full = _ets_filter(z, m, _grid()) if ets_state is not None else None
    fc = _forecast_all(y, n, horizon, m, models, levels, ets_full)
    fb_rows += [(i, mdl, r, "final") for i, mdl, r in _guard(fc, y, models)]
    fc_rows = [pd.DataFrame({"series": np.repeat(np.arange(len(y)), horizon), "month": np.tile(future, len(y)),
                             "model": mdl, **{k: v.ravel() for k, v in d.items()}}) for mdl, d in fc.items()]
    forecasts = pd.concat(fc_rows, ignore_index=True)
    forecasts["is_selected"] = forecasts["model"] == forecasts["series"].map(chosen)

    def attach(frame: pd.DataFrame) -> pd.DataFrame:
        return index.assign(series=np.arange(len(index))).merge(frame, on="series").drop(columns="series")

    selected = index.assign(model=[chosen.get(i) for i in range(len(index))],
                            reason=f"lowest mean backtest {select_by.upper()} over {n_origins} origins")
    fallbacks = pd.DataFrame(fb_rows, columns=["series", "model", "reason", "origin"])
    for _, r in fallbacks.iterrows():
        log.warning("series %s: %s %s (%s)", dict(index.iloc[r["series"]]), r["model"], r["reason"], r["origin"])
    return ForecastResult(
        forecasts=attach(forecasts), backtest=attach(pd.concat(bt_rows, ignore_index=True)),
        accuracy=attach(accuracy), selected=selected, history=df.copy(), fallbacks=attach(fallbacks),
        settings={"horizon": horizon, "n_origins": n_origins, "step": step, "season_length": m, "models": list(models)},
    )


# --------------------------------------------------------------------------- reconciliation

def summing_matrix(bottom: pd.DataFrame, levels: Sequence[str]) -> tuple[np.ndarray, list[tuple]]:
    """Summing matrix S for a hierarchy whose bottom series are the rows of ``bottom``.

    ``levels`` lists the columns from top to bottom, e.g. ``("alliance", "force", "crime_type")``;
    every prefix of the levels is an aggregation level. Returns S (n_all x n_bottom) and the
    labels of all series (each a tuple of the level values, aggregated levels as "Total").

    Examples
    --------
    >>> b = pd.DataFrame({"force": ["A", "A", "B"], "crime_type": ["x", "y", "x"]})
    >>> S, labels = summing_matrix(b, ["force", "crime_type"])
    >>> S.shape, labels[0]
    ((6, 3), ('Total', 'Total'))
    """
    levels = list(levels)
    rows, labels = [], []
    for depth in range(len(levels) + 1):
        cols = levels[:depth]
        groups = bottom.groupby(cols, sort=True).groups if cols else {(): bottom.index}
        for key, idx in groups.items():
            key = key if isinstance(key, tuple) else (key,)
            row = np.zeros(len(bottom))
            row[bottom.index.get_indexer(idx)] = 1
            rows.append(row)
            labels.append(tuple(key) + ("Total",) * (len(levels) - depth))
    return np.vstack(rows), labels


def reconcile(base: np.ndarray, S: np.ndarray, *, method: str = "mint_shrink",
              residuals: np.ndarray | None = None) -> np.ndarray:
    """Coherent forecasts from base forecasts of every series (rows of ``S``).

    ``bottom_up`` sums the bottom-level forecasts; ``mint_shrink`` is MinT (Wickramasuriya
    et al. 2019) with the Schafer-Strimmer shrinkage covariance of ``residuals``
    (n_obs x n_all in-sample or backtest errors). Returns (n_all x h) coherent forecasts.

    Examples
    --------
    >>> S = np.array([[1, 1], [1, 0], [0, 1]], dtype=float)
    >>> reconcile(np.array([[10.0], [4.0], [5.0]]), S, method="bottom_up").ravel().tolist()
    [9.0, 4.0, 5.0]
    """
    base = np.asarray(base, dtype=float)
    n_all, n_b = S.shape
    if base.shape[0] != n_all:
        raise ParameterError(f"base forecasts have {base.shape[0]} rows; the hierarchy has {n_all} series")
    if method == "bottom_up":
        return S @ base[n_all - n_b:]
    if method != "mint_shrink":
        raise ParameterError(f"method {method!r}: use 'bottom_up' or 'mint_shrink'")
    if residuals is None or residuals.shape[1] != n_all:
        raise ParameterError("mint_shrink needs residuals with one column per series")
    e = residuals - residuals.mean(axis=0)
    T = e.shape[0]
    cov = e.T @ e / T
    sd = np.sqrt(np.diag(cov))
    sd[sd == 0] = 1e-9
    corr = cov / np.outer(sd, sd)
    en = e / sd
    w = np.einsum("ti,tj->tij", en, en)
    var_corr = T / (T - 1) ** 2 * ((w - w.mean(axis=0)) ** 2).sum(axis=0)
    off = ~np.eye(n_all, dtype=bool)
    lam = float(np.clip(var_corr[off].sum() / max((corr[off] ** 2).sum(), 1e-12), 0, 1))
    shrunk = lam * np.diag(np.diag(cov)) + (1 - lam) * cov
    W_inv = np.linalg.pinv(shrunk)
    P = np.linalg.solve(S.T @ W_inv @ S, S.T @ W_inv)
    return S @ (P @ base)


def reconcile_forecasts(result: ForecastResult, levels: Sequence[str], *, groups: Mapping[str, Sequence[str]] | None = None,
                        method: str = "mint_shrink") -> pd.DataFrame:
    """Reconcile the selected forecasts of a :func:`forecast_many` result.

    ``levels`` are key columns from top to bottom (e.g. ``("force", "crime_type")``);
    with ``groups`` (alliance -> forces) an ``alliance`` level is added on top. Base
    forecasts of aggregate series are the selected model's forecasts of the aggregated
    history (refitted), MinT weights use the backtest errors of all series.

    Returns
    -------
    DataFrame
        one row per series label and month: ``base`` and ``coherent`` mean forecasts.
    """
    hist = result.history.copy()
    lv = list(levels)
    if groups:
        f2g = {f: g for g, fs in groups.items() for f in fs}
        hist["alliance"] = hist["force"].map(f2g)
        if hist["alliance"].isna().any():
            raise ParameterError(f"forces {sorted(hist.loc[hist['alliance'].isna(), 'force'].unique())} are in no group")
        lv = ["alliance", *lv]
    bottom = hist[lv].drop_duplicates().sort_values(lv).reset_index(drop=True)
    S, labels = summing_matrix(bottom, lv)
    # aggregate histories for every node, forecast them the same way
    frames = []
    for row, label in zip(S, labels):
        members = bottom[row == 1]
        sub = hist.merge(members, on=lv)
        agg = sub.groupby("month", as_index=False)["count"].sum()
        frames.append(agg.assign(node="|".join(map(str, label))))
    allh = pd.concat(frames, ignore_index=True)
    s = result.settings
    node_fc = forecast_many(allh, keys=("node",), horizon=s["horizon"], n_origins=s["n_origins"], step=s["step"],
                            models=[m for m in s["models"] if m != "sarima"], season_length=s["season_length"])
    sel = node_fc.forecasts[node_fc.forecasts["is_selected"]]
    order = ["|".join(map(str, lab)) for lab in labels]
    base = sel.pivot(index="node", columns="month", values="mean").loc[order]
    bt = node_fc.backtest.merge(node_fc.selected, on=["node", "model"])
    res = (bt.assign(err=bt["actual"] - bt["mean"]).pivot_table(index=["origin", "month"], columns="node", values="err")
           [order].to_numpy())
    coh = reconcile(base.to_numpy(), S, method=method, residuals=res) if method == "mint_shrink" else \
        reconcile(base.to_numpy(), S, method=method)
    out = pd.DataFrame({"node": np.repeat(order, base.shape[1]), "month": np.tile(base.columns, len(order)),
                        "base": base.to_numpy().ravel(), "coherent": np.clip(coh, 0, None).ravel()})
    out.attrs["S"] = S
    out.attrs["labels"] = labels
    return out
