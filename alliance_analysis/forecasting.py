"""Crime trend forecasting: baselines, vectorised ETS, rolling-origin backtests, reconciliation.

Models (per series, on monthly, quarterly or annual counts; the point forecast of every
model is clipped at zero and so are all interval bounds):

``snaive``  seasonal naive (the last season repeated; the last value for annual data);
            normal intervals from the seasonal-difference residuals;
``drift``   random walk with drift; normal intervals widening with sqrt(h);
``ets``     additive Holt-Winters (ETS(A,N,A), damped ETS(A,Ad,A) or ETS(A,A,A); no seasonal
            term for annual data) on ``log1p(count)``; parameters chosen per series and origin
            from a grid by in-sample one-step error. ``engine="numpy"`` (default) filters all
            series and grid points at once (:mod:`alliance_analysis._ets`);
            ``engine="statsmodels"`` fits statsmodels ``ETSModel`` per series (slow reference);
``sarima``  seasonal ARIMA(1,0,0)(1,1,0)_m with drift on ``log1p(count)`` (conditional least
            squares for all series at once, :mod:`alliance_analysis._sarima`, or statsmodels
            ``SARIMAX`` with ``engine="statsmodels"``); needs a seasonal period (m >= 2);
``combo``   the mean of ``ets`` and ``sarima`` (point forecasts and bounds);
``croston``, ``sba``, ``tsb``  intermittent-demand methods (:mod:`alliance_analysis._intermittent`),
            candidates only for series that are mostly zeros.

Log-scale models report the back-transformed median ``expm1(mu)`` as the point forecast
(column ``mean``, kept for compatibility); the baselines and intermittent methods report
their mean.

Minimum length (training periods before the first backtest origin), per model with season
length ``m``: ``snaive`` m+1, ``drift`` max(m+1, 3), ``ets`` max(2m+1, 4), ``sarima`` 2m+8
(m >= 2), ``combo`` as ``sarima``, intermittent methods m+1 (see :func:`min_length`). A model
whose minimum is not met is not run and is listed in ``ForecastResult.skipped`` (no rows are
copied from another model); if no requested model can run, :class:`DataValidationError`.

Nested evaluation: of ``n_origins`` rolling origins the first ``n_origins - holdout`` select
the model (``selection_score``) and the last ``holdout`` (default ``n_origins // 2``) measure
the selected model's accuracy (``accuracy_holdout``); the hold-out errors never influence
the choice. A candidate replaces the robust default (``ets`` for regular series, ``sba`` for
intermittent ones) only when its selection score is at least ``min_improvement`` (5%) lower.

Calibrated intervals (``intervals="calibrated"``, the default): every model's bounds are
rebuilt from out-of-sample backtest errors (split-conformal, studentised). For each model the
score ``r = (log1p(actual) - log1p(forecast)) / s_h`` is computed at the backtest origins,
where ``s_h = (log1p(hi) - log1p(forecast)) / z`` is the model's own log-scale spread at step
``h`` from its widest level; the bounds of level L are ``expm1(log1p(f) + q s_h)`` with ``q``
the empirical ``(1-L)/2`` and ``(1+L)/2`` quantiles of ``r`` (finite-sample conformal
correction), pooled over series and origins, per horizon step when at least 200 scores
per step are available and over all steps otherwise. Quantiles come from the selection
origins for the hold-out rows of the backtest (so hold-out coverage is honest) and from all
origins for the final forecasts; at most 2,000 series (every k-th) are used so results do not
depend on chunking. With fewer than 20 scores the model's own normal intervals are kept
(logged). ``intervals="model"`` keeps the normal intervals throughout.

Scale: series are processed in chunks sized from ``memory_budget_mb`` (ETS grid filtered in
blocks of 128 series, BLAS pinned to one thread with threadpoolctl); output frames are built
from arrays in series, model, origin, period order (no sorting) and chunks give the same
result as one pass. ``workers=``/``client=`` run the chunks on Dask
(:mod:`alliance_analysis.parallel`). For national runs pass a wide frame and
``keep="selected"`` (measured on 2 cores, quiet: 60,000 series x 120 months 39 s and
491 MB peak; 490,000 series 328 s and 2.18 GB peak, most of it the input and the returned frames).

Fallbacks: a forecast that raises at run time, is not finite, has a point forecast above 10x
the series maximum or a bound above 100x it is replaced by the next model in the chain and
recorded in ``ForecastResult.fallbacks``; nothing is returned NaN.

Examples
--------
>>> mase([3, 5], [4, 4], insample=[1, 2, 3, 4, 5, 6], m=2)   # MAE 1 / seasonal-naive MAE 2
0.5
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from alliance_analysis import _ets, _intermittent, _sarima
from alliance_analysis._intervals import normal_bounds
from alliance_analysis.errors import DataValidationError, ParameterError

log = logging.getLogger(__name__)

MODELS = ("snaive", "drift", "ets", "sarima", "combo", "croston", "sba", "tsb")
DEFAULT_MODELS = ("snaive", "drift", "ets", "sarima", "combo", "sba", "tsb")
INTERMITTENT_MODELS = ("croston", "sba", "tsb")
FALLBACK_CHAIN = {"sarima": ("ets", "snaive"), "ets": ("snaive",), "drift": ("snaive",), "combo": ("snaive",)}
EXPLODE_MEAN = 10.0
EXPLODE_BOUND = 100.0
TIME_COLUMNS = ("month", "quarter", "period", "year")
CALIB_SERIES = 2000
CALIB_MIN = 20
CALIB_PER_STEP = 200
INTERMITTENT_SHARE = 0.5

# --------------------------------------------------------------------------- metrics

def mase(actual: Sequence[float], forecast: Sequence[float], *, insample: Sequence[float], m: int = 12) -> float:
    """Mean absolute scaled error: forecast MAE over the in-sample seasonal-naive MAE (lag ``m``).

    Returns NaN when the in-sample seasonal-naive MAE is 0 (a perfectly repeating history).

    Examples
    --------
    >>> mase([10, 20], [12, 20], insample=[1, 2, 4, 5], m=2)   # MAE 1 / mean(|4-1|, |5-2|) 3
    0.3333333333333333
    """
    a, f, x = (np.asarray(v, dtype=float) for v in (actual, forecast, insample))
    if a.shape != f.shape:
        raise ParameterError(f"actual has shape {a.shape} and forecast {f.shape}; they must match")
    if len(x) <= m:
        raise ParameterError(f"insample has {len(x)} values; need more than m={m}")
    scale = np.mean(np.abs(x[m:] - x[:-m]))
    return float(np.mean(np.abs(a - f)) / scale) if scale > 0 else float("nan")


def smape(actual: Sequence[float], forecast: Sequence[float]) -> float:
    """Symmetric MAPE in percent: mean of 200 |a - f| / (|a| + |f|), a term being 0 where both are 0.

    Examples
    --------
    >>> smape([100, 0], [50, 0])   # 200*50/150 = 66.67 and 0
    33.333333333333336
    """
    a, f = np.asarray(actual, dtype=float), np.asarray(forecast, dtype=float)
    if a.shape != f.shape:
        raise ParameterError(f"actual has shape {a.shape} and forecast {f.shape}; they must match")
    den = np.abs(a) + np.abs(f)
    terms = np.where(den == 0, 0.0, 200 * np.abs(a - f) / np.where(den == 0, 1, den))
    return float(terms.mean())


def interval_coverage(actual: Sequence[float], lower: Sequence[float], upper: Sequence[float]) -> float:
    """Share of actual values inside the closed interval [lower, upper].

    Examples
    --------
    >>> interval_coverage([1, 5, 9], [0, 0, 0], [4, 6, 8])
    0.6666666666666666
    """
    a, lo, hi = (np.asarray(v, dtype=float) for v in (actual, lower, upper))
    if (lo > hi).any():
        raise ParameterError("a lower bound is above its upper bound")
    return float(np.mean((a >= lo) & (a <= hi)))




# --------------------------------------------------------------------------- validation

def season_length_of(freq: str) -> int:
    """Seasonal period of a pandas Period frequency: monthly 12, quarterly 4, annual 1.

    Examples
    --------
    >>> season_length_of("M"), season_length_of("Q-DEC"), season_length_of("Y-DEC")
    (12, 4, 1)
    """
    f = str(freq).upper()
    if f.startswith("M"):
        return 12
    if f.startswith("Q"):
        return 4
    if f.startswith("A") or f.startswith("Y"):
        return 1
    raise DataValidationError(f"period frequency {freq!r} is not monthly, quarterly or annual",
                              fix="aggregate to months (Period[M]), quarters (Period[Q]) or years (Period[Y]) first")


def time_column(df: pd.DataFrame, time: str | None = None) -> str:
    """The period column of a tidy frame: ``time`` if given, else the first of ``month``,
    ``quarter``, ``period``, ``year`` present, else the only column with a Period dtype.

    Examples
    --------
    >>> time_column(pd.DataFrame({"q": pd.period_range("2020Q1", periods=2, freq="Q"), "count": [1, 2]}))
    'q'
    """
    if time is not None:
        if time not in df.columns:
            raise DataValidationError(f"time column {time!r} is missing", column=time,
                                      fix="name an existing Period column")
        return time
    for c in TIME_COLUMNS:
        if c in df.columns:
            return c
    periods = [c for c in df.columns if isinstance(df[c].dtype, pd.PeriodDtype)]
    if len(periods) == 1:
        return periods[0]
    raise DataValidationError(f"no time column: none of {list(TIME_COLUMNS)} and {len(periods)} Period columns",
                              column="month", fix="name it with time=... or add a 'month' / 'quarter' Period column")


def _to_matrix(df: pd.DataFrame, keys: Sequence[str], value: str = "count", time: str = "month"
               ) -> tuple[pd.DataFrame, np.ndarray, pd.PeriodIndex]:
    keys = list(keys)
    if not isinstance(df, pd.DataFrame):
        raise ParameterError(f"df must be a DataFrame, not {type(df).__name__}")
    missing = [c for c in [*keys, time, value] if c not in df.columns]
    if missing:
        raise DataValidationError(f"columns {missing} are missing", column=missing[0],
                                  fix=f"give a tidy frame with columns {[*keys, time, value]}")
    if len(df) == 0:
        raise DataValidationError("the frame has no rows", fix="pass at least one series")
    if not isinstance(df[time].dtype, pd.PeriodDtype):
        raise DataValidationError(f"the {time} column has dtype {df[time].dtype}, not a pandas Period",
                                  column=time,
                                  fix=f"convert with df[{time!r}].dt.to_period('M') (monthly), ('Q') or ('Y')")
    freq = df[time].dtype.freq.freqstr
    if not freq.upper().startswith(("M", "Q", "A", "Y")):
        raise DataValidationError(f"period frequency {freq!r} is not monthly or quarterly (or annual)", column=time,
                                  fix="aggregate to months (Period[M]), quarters (Period[Q]) or years (Period[Y]) first")
    raw = df[value]
    if raw.dtype == object or isinstance(raw.dtype, pd.StringDtype):
        counts = pd.to_numeric(raw, errors="coerce")
        bad = counts.isna() & raw.notna()
        if bad.any():
            r = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataValidationError(f"series {dict(df.iloc[r][keys])} has a non-numeric count {raw.iloc[r]!r} in "
                                      f"{df.iloc[r][time]}", column=value, row=r, fix="counts must be numbers")
    else:
        counts = raw
    c = counts.to_numpy(dtype=float, na_value=np.nan)
    for mask, what, fix in ((np.isnan(c), "a missing count", "declare or fill the gap explicitly before forecasting"),
                            (np.isinf(c), "a non-finite count (inf)", "counts must be finite numbers"),
                            (c < 0, "a negative count", "counts must be >= 0; correct or drop the adjustment rows")):
        if mask.any():
            bad = df[mask]
            raise DataValidationError(f"series {dict(bad.iloc[0][keys])} has {what} in "
                                      f"{', '.join(map(str, bad[time].head(5)))}", column=value,
                                      row=int(np.flatnonzero(mask)[0]), fix=fix)
    groups = df.groupby(keys, sort=True, observed=True, dropna=False)
    code = groups.ngroup().to_numpy()
    index = groups.size().index.to_frame(index=False)
    ordinal = df[time].array.asi8
    first, last = ordinal.min(), ordinal.max()
    periods = pd.period_range(df[time].min(), df[time].max(), freq=df[time].dtype.freq)
    pos = ordinal - first
    flat = code * len(periods) + pos
    order = np.sort(flat)
    dup_at = np.flatnonzero(order[1:] == order[:-1])
    if len(dup_at):
        dup = pd.Series(flat).duplicated().to_numpy()
        bad = df[dup].iloc[0]
        raise DataValidationError(f"series {dict(bad[keys])} has {time} {bad[time]} more than once", column=time,
                                  row=int(np.flatnonzero(dup)[0]),
                                  fix=f"aggregate duplicates first (groupby keys + {time}, sum)")
    y = np.full((len(index), len(periods)), np.nan)
    y[code, pos] = c
    holes = np.isnan(y)
    if holes.any():
        i = int(np.flatnonzero(holes.any(axis=1))[0])
        months = ", ".join(str(periods[j]) for j in np.flatnonzero(holes[i])[:12])
        raise DataValidationError(f"series {dict(index.iloc[i])} has no value for {months} "
                                  f"({int(holes.any(axis=1).sum())} series have gaps)", column=time,
                                  fix="every series must cover the same run of periods: make gaps explicit with "
                                      "clean.complete_monthly_index and fill or shorten them before forecasting")
    del last
    return index, y, periods


def _wide_input(df: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray, pd.PeriodIndex]:
    """A wide frame (one row per series, index = keys, columns = a PeriodIndex)."""
    periods = pd.PeriodIndex(df.columns)
    expected = pd.period_range(periods[0], periods=len(periods), freq=periods.freq)
    if not periods.equals(expected):
        raise DataValidationError("the columns of a wide frame must be consecutive periods", column=str(periods[0]),
                                  fix="reindex the columns with pd.period_range(first, last) and fill gaps")
    y = df.to_numpy(dtype=float, na_value=np.nan)
    for mask, what in ((~np.isfinite(y), "a missing or non-finite count"), (y < 0, "a negative count")):
        if mask.any():
            i, j = np.argwhere(mask)[0]
            raise DataValidationError(f"series {df.index[i]!r} has {what} in {periods[j]}", column=str(periods[j]),
                                      row=int(i), fix="counts must be finite and >= 0")
    return df.index.to_frame(index=False), y, periods


def min_length(model: str, m: int) -> int | None:
    """Fewest training periods before the first origin that ``model`` needs (``None``: cannot run).

    Examples
    --------
    >>> [min_length(k, 12) for k in ("snaive", "ets", "sarima", "combo", "sba")]
    [13, 25, 32, 32, 13]
    >>> min_length("sarima", 1) is None, min_length("ets", 1)
    (True, 4)
    """
    if model in ("snaive", *INTERMITTENT_MODELS):
        return m + 1
    if model == "drift":
        return max(m + 1, 3)
    if model == "ets":
        return _ets.min_length(m)
    if model in ("sarima", "combo"):
        return _sarima.min_length(m) if m >= 2 else None
    raise ParameterError(f"unknown model {model!r}; choose from {list(MODELS)}")


# --------------------------------------------------------------------------- models


def _snaive(y: np.ndarray, h: int, m: int) -> np.ndarray:
    reps = int(np.ceil(h / m))
    return np.tile(y[:, -m:], reps)[:, :h]


def _drift(y: np.ndarray, h: int) -> np.ndarray:
    n = y.shape[1]
    slope = (y[:, -1] - y[:, 0]) / max(n - 1, 1)
    return y[:, -1:] + slope[:, None] * np.arange(1, h + 1)[None, :]


def _baseline(y: np.ndarray, h: int, m: int, kind: str, levels: Sequence[int]) -> dict[str, np.ndarray]:
    """Seasonal naive or drift forecasts with the textbook normal intervals (Hyndman & Athanasopoulos 5.5)."""
    steps = np.arange(1, h + 1)
    if kind == "snaive":
        mean = _snaive(y, h, m)
        sigma = np.sqrt(np.mean((y[:, m:] - y[:, :-m]) ** 2, axis=1))
        sd = sigma[:, None] * np.sqrt(np.floor((steps - 1) / m) + 1)[None, :]
    else:
        mean = _drift(y, h)
        n = y.shape[1]
        sigma = np.std(np.diff(y, axis=1), axis=1, ddof=1)
        sd = sigma[:, None] * np.sqrt(steps * (1 + steps / max(n - 1, 1)))[None, :]
    return normal_bounds(mean, sd, levels)


def _empty(S: int, h: int, levels: Sequence[int]) -> dict[str, np.ndarray]:
    return {k: np.full((S, h), np.nan) for k in ["mean", *[f"{p}_{lv}" for lv in levels for p in ("lo", "hi")]]}


def _sm_ets(y: np.ndarray, h: int, m: int, levels: Sequence[int]) -> tuple[dict, dict[int, str]]:
    """statsmodels ETSModel (A,Ad,A) on log1p counts, one fit per series (reference engine)."""
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    out, errors = _empty(len(y), h, levels), {}
    for i, series in enumerate(y):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                # a pandas Series: statsmodels 0.15 get_prediction fails on bare arrays
                res = ETSModel(pd.Series(np.log1p(series)), error="add", trend="add", damped_trend=True,
                               seasonal="add" if m > 1 else None, seasonal_periods=m if m > 1 else None
                               ).fit(disp=False)
                pred = res.get_prediction(start=len(series), end=len(series) + h - 1)
                out["mean"][i] = np.expm1(pred.predicted_mean)
                for lv in levels:
                    pi = np.asarray(pred.pred_int(alpha=1 - lv / 100))
                    out[f"lo_{lv}"][i], out[f"hi_{lv}"][i] = np.expm1(pi[:, 0]), np.expm1(pi[:, 1])
        except Exception as exc:  # noqa: BLE001 - any fitting failure falls back, with its reason
            errors[i] = f"statsmodels ETSModel failed: {type(exc).__name__}: {exc}"
    return {k: np.clip(v, 0, None) for k, v in out.items()}, errors


def _sm_sarima(y: np.ndarray, h: int, m: int, levels: Sequence[int]) -> tuple[dict, dict[int, str]]:
    """statsmodels SARIMAX(1,0,0)(1,1,0)_m with drift on log1p counts, one fit per series (reference)."""
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    out, errors = _empty(len(y), h, levels), {}
    for i, series in enumerate(y):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = SARIMAX(np.log1p(series), order=(1, 0, 0), seasonal_order=(1, 1, 0, m),
                              trend="c").fit(disp=False)
                fc = res.get_forecast(h)
                out["mean"][i] = np.expm1(fc.predicted_mean)
                for lv in levels:
                    ci = np.asarray(fc.conf_int(alpha=1 - lv / 100))
                    out[f"lo_{lv}"][i], out[f"hi_{lv}"][i] = np.expm1(ci[:, 0]), np.expm1(ci[:, 1])
        except Exception as exc:  # noqa: BLE001 - any fitting failure falls back, with its reason
            errors[i] = f"SARIMAX failed: {type(exc).__name__}: {exc}"
    return {k: np.clip(v, 0, None) for k, v in out.items()}, errors



def _forecast_origin(y: np.ndarray, origin: int, h: int, m: int, run: Sequence[str], levels: Sequence[int],
                     ets_state: _ets.State | None, engine: str) -> tuple[dict[str, dict], dict[str, dict[int, str]]]:
    train = y[:, :origin]
    fc: dict[str, dict] = {"snaive": _baseline(train, h, m, "snaive", levels)}
    errors: dict[str, dict[int, str]] = {}
    if "drift" in run:
        fc["drift"] = _baseline(train, h, m, "drift", levels)
    if "ets" in run:
        if engine == "statsmodels":
            fc["ets"], errors["ets"] = _sm_ets(train, h, m, levels)
        else:
            fc["ets"] = _ets.forecast(ets_state, h, levels)
    if "sarima" in run:
        if engine == "statsmodels":
            fc["sarima"], errors["sarima"] = _sm_sarima(train, h, m, levels)
        else:
            try:
                fc["sarima"] = _sarima.fit_forecast(np.log1p(train), m, h, levels)
            except (ValueError, np.linalg.LinAlgError) as exc:
                fc["sarima"] = _empty(len(train), h, levels)
                errors["sarima"] = {i: f"least-squares seasonal AR failed: {exc}" for i in range(len(train))}
    for kind in INTERMITTENT_MODELS:
        if kind in run:
            fc[kind] = _intermittent.forecast(train, h, levels, kind)
    return fc, errors


def _guard(fc: dict[str, dict], errors: dict[str, dict[int, str]], y_max: np.ndarray) -> list[tuple[int, str, str]]:
    """Apply the fallback chain in place; return (series, model, reason) for every replaced forecast."""
    events = []
    cap = np.maximum(y_max, 1.0)
    for name in [k for k in ("drift", "ets", "sarima") if k in fc]:  # a fallback is checked before it is used
        d = fc[name]
        reasons: dict[int, str] = dict(errors.get(name, {}))
        finite = np.ones(len(cap), bool)
        for v in d.values():
            finite &= np.isfinite(v).all(axis=1)
        for i in np.flatnonzero(~finite):
            reasons.setdefault(int(i), "non-finite forecast or bound (NaN or inf)")
        big_mean = np.nan_to_num(d["mean"], nan=0.0).max(axis=1) > EXPLODE_MEAN * cap
        his = [np.nan_to_num(v, nan=0.0).max(axis=1) for k, v in d.items() if k.startswith("hi_")]
        big_bound = np.max(his, axis=0) > EXPLODE_BOUND * cap if his else np.zeros(len(cap), bool)
        for i in np.flatnonzero(big_mean & finite):
            reasons.setdefault(int(i), f"point forecast above {EXPLODE_MEAN:g}x the series maximum (diverged)")
        for i in np.flatnonzero(big_bound & finite & ~big_mean):
            reasons.setdefault(int(i), f"interval bound above {EXPLODE_BOUND:g}x the series maximum (diverged)")
        if not reasons:
            continue
        sub = next(s for s in FALLBACK_CHAIN[name] if s in fc)
        rows = np.array(sorted(reasons))
        for k in d:
            d[k][rows] = fc[sub][k][rows]
        events += [(int(i), name, f"{reasons[int(i)]}; replaced by {sub}") for i in rows]
    return events


ETS_BLOCK = 128


def _ets_states(y: np.ndarray, m: int, origins: Sequence[int]) -> dict[int, _ets.State]:
    """ETS states in blocks of 128 series (the grid filter's arrays then stay in cache)."""
    if len(y) <= ETS_BLOCK:
        return _ets.states_at(np.log1p(y), m, origins)
    parts = [_ets.states_at(np.log1p(y[a:a + ETS_BLOCK]), m, origins) for a in range(0, len(y), ETS_BLOCK)]
    return {o: _ets.State(**{f: np.concatenate([getattr(p[o], f) for p in parts])
                             for f in ("level", "trend", "season", "sigma", "params")}) for o in parts[0]}


def _run_block(y: np.ndarray, m: int, horizon: int, origins: Sequence[int], run: Sequence[str],
               levels: Sequence[int], engine: str) -> dict:
    """Raw backtest and final forecasts for the rows of ``y``: arrays (S, origins, h) and (S, h) per model.

    BLAS is pinned to one thread (the work is many small batched solves; more threads only
    contend with other workers).
    """
    from threadpoolctl import threadpool_limits

    S, n = y.shape
    value_keys = ["mean", *[f"{p}_{lv}" for lv in levels for p in ("lo", "hi")]]
    with threadpool_limits(limits=1, user_api="blas"):
        states = _ets_states(y, m, [*origins, n]) if "ets" in run and engine == "numpy" else {}
        bt = {mdl: {k: np.empty((S, len(origins), horizon)) for k in value_keys} for mdl in run}
        final: dict[str, dict] = {}
        fb = []
        for j, o in enumerate([*origins, n]):
            fc, errors = _forecast_origin(y, o, horizon, m, run, levels, states.get(o), engine)
            events = _guard(fc, errors, y[:, :o].max(axis=1))
            if "combo" in run:
                fc["combo"] = {k: (fc["ets"][k] + fc["sarima"][k]) / 2 for k in fc["ets"]}
            fb += [(i, mdl, why, -1 if o == n else j) for i, mdl, why in events]
            for mdl in run:
                if o == n:
                    final[mdl] = fc[mdl]
                else:
                    for k in value_keys:
                        bt[mdl][k][:, j] = fc[mdl][k]
    return {"bt": bt, "final": final, "fallbacks": fb}


# --------------------------------------------------------------------------- calibrated intervals

def _spread(d: Mapping[str, np.ndarray], lv: int) -> np.ndarray:
    """Model log-scale spread per step: ``(log1p(hi_lv) - log1p(mean)) / z_lv``, floored at 0.01."""
    z = stats.norm.ppf(0.5 + lv / 200)
    return np.maximum((np.log1p(d[f"hi_{lv}"]) - np.log1p(d["mean"])) / z, 0.01)


def conformal_quantiles(scores: np.ndarray, levels: Sequence[int]) -> dict[int, tuple[np.ndarray, np.ndarray]] | None:
    """Lower and upper split-conformal quantiles of studentised scores (series, origins, h) per level.

    Per horizon step when every step has at least 200 scores, otherwise pooled over steps
    (the same quantile for every step). The level ``L`` uses the order statistics
    ``ceil((N + 1) (1 - L) / 2)`` and ``ceil((N + 1) (1 + L) / 2)`` of the ``N`` scores, the
    finite-sample conformal correction. ``None`` when fewer than 20 finite scores.

    Examples
    --------
    >>> q = conformal_quantiles(np.linspace(-1, 1, 99).reshape(99, 1, 1), (80,))
    >>> [round(float(v[0]), 3) for v in q[80]]    # 10th and 90th of 99: ranks 10 and 90
    [-0.816, 0.816]
    """
    r = np.asarray(scores, dtype=float)
    h = r.shape[-1]
    flat = r.reshape(-1, h)
    n_step = np.isfinite(flat).sum(axis=0)
    if n_step.sum() < CALIB_MIN:
        return None
    out = {}
    per_step = bool(n_step.min() >= CALIB_PER_STEP)
    cols = [np.sort(flat[:, j][np.isfinite(flat[:, j])]) for j in range(h)] if per_step else None
    pooled = None if per_step else np.sort(flat[np.isfinite(flat)])
    for lv in levels:
        a = (1 - lv / 100) / 2

        def q(v: np.ndarray) -> tuple[float, float]:
            N = len(v)
            lo = max(math.ceil((N + 1) * a) - 1, 0)
            hi = min(math.ceil((N + 1) * (1 - a)) - 1, N - 1)
            return v[lo], v[hi]

        if per_step:
            pairs = np.array([q(c) for c in cols])
            out[lv] = (pairs[:, 0], pairs[:, 1])
        else:
            lo, hi = q(pooled)
            out[lv] = (np.full(h, lo), np.full(h, hi))
    return out


def _scores(d: Mapping[str, np.ndarray], actual: np.ndarray, lv: int) -> np.ndarray:
    return (np.log1p(actual) - np.log1p(d["mean"])) / _spread(d, lv)


def _apply_calibration(d: Mapping[str, np.ndarray], q: dict | None, levels: Sequence[int]) -> dict[str, np.ndarray]:
    """Bounds ``expm1(log1p(mean) + q s_h)`` (clipped at 0, never excluding the point forecast)."""
    if q is None:
        return dict(d)
    s = _spread(d, max(levels))
    c = np.log1p(d["mean"])
    out = {"mean": d["mean"]}
    for lv in levels:
        qlo, qhi = q[lv]
        out[f"lo_{lv}"] = np.minimum(np.clip(np.expm1(c + qlo * s), 0, None), d["mean"])
        out[f"hi_{lv}"] = np.maximum(np.expm1(c + qhi * s), d["mean"])
    return out


def _calibrate(raw: dict, y: np.ndarray, origins: Sequence[int], n_sel: int, horizon: int,
               levels: Sequence[int]) -> dict[str, dict[str, dict | None]]:
    """Quantiles per model from the selection origins (``sel``) and from all origins (``all``)."""
    actual = np.stack([y[:, o:o + horizon] for o in origins], axis=1)
    out: dict[str, dict[str, dict | None]] = {}
    top = max(levels)
    for mdl, d in raw["bt"].items():
        r = _scores(d, actual, top)
        out[mdl] = {"sel": conformal_quantiles(r[:, :n_sel], levels), "all": conformal_quantiles(r, levels)}
    return out


# --------------------------------------------------------------------------- one chunk of series

@dataclass(frozen=True)
class _Config:
    m: int
    horizon: int
    origins: tuple[int, ...]
    n_sel: int
    run: tuple[str, ...]
    levels: tuple[int, ...]
    engine: str
    select_by: str
    intervals: str
    keep: str
    min_improvement: float
    periods: pd.PeriodIndex
    time: str
    candidates: tuple[str, ...] = ()


def _block_scores(raw: dict, y: np.ndarray, cfg: _Config) -> dict[str, np.ndarray]:
    actual = np.stack([y[:, o:o + cfg.horizon] for o in cfg.origins], axis=1)
    return {mdl: _scores(d, actual, max(cfg.levels)) for mdl, d in raw["bt"].items()}


def _quantiles(scores: dict[str, np.ndarray], cfg: _Config) -> dict[str, dict[str, dict | None]]:
    out = {}
    for mdl, r in scores.items():
        out[mdl] = {"sel": conformal_quantiles(r[:, :cfg.n_sel], cfg.levels),
                    "all": conformal_quantiles(r, cfg.levels)}
        if out[mdl]["all"] is None:
            log.info("%s: fewer than %d backtest errors; model intervals kept (not calibrated)", mdl, CALIB_MIN)
    return out


def _fmt(x: np.ndarray) -> np.ndarray:
    return np.char.mod("%.3f", np.asarray(x, dtype=float))


def _process_chunk(y: np.ndarray, index: pd.DataFrame, cfg: _Config, calib: dict | None) -> dict:
    """Backtest, select, calibrate and forecast the rows of ``y``; tidy frames built from arrays.

    Rows come out ordered by series (as in ``y``), model (as in ``cfg.run``), origin and period,
    by construction (no sorting). ``calib`` None: quantiles from this chunk itself.
    """
    S, n = y.shape
    h, m, O, M = cfg.horizon, cfg.m, len(cfg.origins), len(cfg.run)
    n_sel = cfg.n_sel
    levels = list(cfg.levels)
    value_keys = ["mean", *[f"{p}_{lv}" for lv in levels for p in ("lo", "hi")]]
    raw = _run_block(y, m, h, cfg.origins, cfg.run, levels, cfg.engine)
    if cfg.intervals == "calibrated" and calib is None:
        calib = _quantiles(_block_scores(raw, y, cfg), cfg)
    actual = np.stack([y[:, o:o + h] for o in cfg.origins], axis=1)  # (S, O, h)
    scale = np.stack([np.mean(np.abs(y[:, m:o] - y[:, :o - m]), axis=1) for o in cfg.origins], axis=1)  # (S, O)
    bt: dict[str, dict[str, np.ndarray]] = {}
    final: dict[str, dict[str, np.ndarray]] = {}
    for mdl in cfg.run:
        d, f = raw["bt"][mdl], raw["final"][mdl]
        if cfg.intervals == "calibrated":
            hold = _apply_calibration({k: v[:, n_sel:] for k, v in d.items()}, calib[mdl]["sel"], levels)
            d = {k: np.concatenate([d[k][:, :n_sel], hold[k]], axis=1) for k in value_keys}
            f = _apply_calibration(f, calib[mdl]["all"], levels)
        bt[mdl], final[mdl] = d, f
    # metrics per series, model, origin
    mase_o = np.empty((S, M, O))
    smape_o = np.empty((S, M, O))
    cover = {lv: np.empty((S, M, O)) for lv in levels}
    safe = np.where(scale > 0, scale, 1.0)
    for k, mdl in enumerate(cfg.run):
        f = bt[mdl]["mean"]
        err = np.abs(actual - f)
        den = np.abs(actual) + np.abs(f)
        mase_o[:, k] = np.where(scale > 0, err.mean(axis=2) / safe, np.nan)
        smape_o[:, k] = np.where(den == 0, 0.0, 200 * err / np.where(den == 0, 1, den)).mean(axis=2)
        for lv in levels:
            cover[lv][:, k] = ((actual >= bt[mdl][f"lo_{lv}"]) & (actual <= bt[mdl][f"hi_{lv}"])).mean(axis=2)
    n_hold = O - n_sel
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN MASE where the history repeats exactly
        metric_o = mase_o if cfg.select_by == "mase" else smape_o
        sel_score = np.nanmean(metric_o[:, :, :n_sel], axis=2)
        sel_smape = smape_o[:, :, :n_sel].mean(axis=2)
        hold_score = np.nanmean(metric_o[:, :, n_sel:], axis=2) if n_hold else np.full((S, M), np.nan)
        mase_all = np.nanmean(mase_o, axis=2)
    smape_all = smape_o.mean(axis=2)
    cov_span = slice(n_sel, O) if n_hold else slice(0, O)
    coverage = {lv: cover[lv][:, :, cov_span].mean(axis=2) for lv in levels}
    flag = np.zeros((S, M), bool)
    for lv in levels:
        flag |= coverage[lv] < lv / 100 - 0.10
    # selection on the selection origins only, among the candidates of each series
    last_sel = cfg.origins[n_sel - 1]
    intermittent = (y[:, :last_sel] == 0).mean(axis=1) >= INTERMITTENT_SHARE
    is_int_model = np.array([mdl in INTERMITTENT_MODELS for mdl in cfg.run])
    is_int_cand = is_int_model | (np.array(cfg.run) == "snaive")
    cand = np.where(intermittent[:, None], is_int_cand[None, :], ~is_int_model[None, :])
    requested = np.array([mdl in (cfg.candidates or cfg.run) for mdl in cfg.run])
    cand &= requested[None, :]
    cand[~cand.any(axis=1)] = requested
    key = np.where(cand & np.isfinite(sel_score), sel_score, np.inf)
    undefined = ~np.isfinite(key).any(axis=1)
    key[undefined] = np.where(cand[undefined], sel_smape[undefined], np.inf)
    best = np.argmin(key, axis=1)
    pos = {mdl: i for i, mdl in enumerate(cfg.run)}
    ok_pos = {mdl: i for i, mdl in enumerate(cfg.run) if requested[i]}
    reg_default = ok_pos.get("ets", -1)
    int_default = next((ok_pos[k] for k in ("sba", "tsb", "croston") if k in ok_pos), -1)
    default = np.where(intermittent, int_default, reg_default)
    rows = np.arange(S)
    dsafe = np.maximum(default, 0)
    d_ok = (default >= 0) & cand[rows, dsafe] & np.isfinite(key[rows, dsafe]) & ~undefined
    clearly = key[rows, best] < (1 - cfg.min_improvement) * key[rows, dsafe]
    use_default = d_ok & ~clearly & (best != dsafe)
    chosen = np.where(use_default, dsafe, best)
    run_arr = np.array(cfg.run, dtype=object)
    metric = cfg.select_by.upper()
    kind = np.where(intermittent, "intermittent series (mostly zeros): ", "")
    best_txt = np.char.add(np.char.add(run_arr[best].astype(str), " "), _fmt(key[rows, best]))
    reason = np.where(
        use_default,
        np.char.add(np.char.add(np.char.add(f"robust default: no model at least {cfg.min_improvement:.0%} better on "
                                            f"mean selection-origin {metric} (best ", best_txt),
                                np.char.add(", default ", _fmt(key[rows, dsafe]))), ")"),
        np.char.add(f"lowest mean selection-origin {metric} (", np.char.add(_fmt(key[rows, chosen]),
                                                                           f") over {n_sel} origins")))
    reason = np.where(undefined, f"{metric} undefined (history repeats exactly); lowest selection-origin sMAPE",
                      reason)
    reason = np.char.add(kind, reason.astype(str))
    if n_hold:
        reason = np.char.add(reason, np.char.add(f"; hold-out {metric} ", _fmt(hold_score[rows, chosen])))
        reason = np.char.add(reason, f" on {n_hold} later origins")
    if "snaive" in pos and cfg.select_by == "mase":
        reason = np.char.add(reason, np.char.add("; seasonal naive ", _fmt(sel_score[:, pos["snaive"]])))
    is_sel = chosen[:, None] == np.arange(M)[None, :]
    # ---- frames, built in series-model-origin-period order
    out: dict[str, pd.DataFrame] = {}
    future = pd.period_range(cfg.periods[-1] + 1, periods=h, freq=cfg.periods.freq)

    def keys_rep(times: int) -> pd.DataFrame:
        return index.iloc[np.repeat(np.arange(S), times)].reset_index(drop=True)

    if cfg.keep == "all":
        vals = {k: np.stack([final[mdl][k] for mdl in cfg.run], axis=1).ravel() for k in value_keys}
        fc = pd.DataFrame({cfg.time: future[np.tile(np.arange(h), S * M)],
                           "model": np.tile(np.repeat(run_arr, h), S), **vals,
                           "is_selected": np.repeat(is_sel.ravel(), h)})
        out["forecasts"] = pd.concat([keys_rep(M * h), fc], axis=1)
        origin_labels = np.array([str(cfg.periods[o]) for o in cfg.origins], dtype=object)
        tpos = (np.asarray(cfg.origins)[:, None] + np.arange(h)[None, :]).ravel()
        bvals = {k: np.stack([bt[mdl][k] for mdl in cfg.run], axis=1).ravel() for k in value_keys}
        btf = pd.DataFrame({"origin": np.tile(np.repeat(origin_labels, h), S * M),
                            cfg.time: cfg.periods[np.tile(tpos, S * M)],
                            "model": np.tile(np.repeat(run_arr, O * h), S),
                            "actual": np.repeat(actual[:, None], M, axis=1).ravel(), **bvals})
        out["backtest"] = pd.concat([keys_rep(M * O * h), btf], axis=1)
    else:
        vals = {k: np.stack([final[mdl][k] for mdl in cfg.run], axis=1)[rows, chosen].ravel() for k in value_keys}
        fc = pd.DataFrame({cfg.time: future[np.tile(np.arange(h), S)], "model": np.repeat(run_arr[chosen], h),
                           **vals, "is_selected": True})
        out["forecasts"] = pd.concat([keys_rep(h), fc], axis=1)
    acc = pd.DataFrame({"model": np.tile(run_arr, S), "mase": mase_all.ravel(), "smape": smape_all.ravel(),
                        **{f"coverage_{lv}": coverage[lv].ravel() for lv in levels},
                        "n_origins": O, "selected": is_sel.ravel(),
                        "selection_score": sel_score.ravel(), "accuracy_holdout": hold_score.ravel(),
                        "coverage_flag": flag.ravel(), "intermittent": np.repeat(intermittent, M)})
    out["accuracy"] = pd.concat([keys_rep(M), acc], axis=1)
    out["selected"] = pd.concat([index.reset_index(drop=True),
                                 pd.DataFrame({"model": run_arr[chosen], "reason": reason.astype(object),
                                               "selection_score": key[rows, chosen],
                                               "accuracy_holdout": hold_score[rows, chosen],
                                               "coverage_flag": flag[rows, chosen]})], axis=1)
    fb = sorted(raw["fallbacks"], key=lambda e: (e[0], pos[e[1]], e[3] if e[3] >= 0 else O))
    fbf = pd.DataFrame({"model": [e[1] for e in fb],
                        "origin": ["final" if e[3] < 0 else str(cfg.periods[cfg.origins[e[3]]]) for e in fb],
                        "reason": [e[2] for e in fb]})
    out["fallbacks"] = pd.concat([index.iloc[[e[0] for e in fb]].reset_index(drop=True), fbf], axis=1)
    return out


def _process_item(item: tuple) -> dict:
    """``_process_chunk(*item)``: one picklable task per chunk for Dask."""
    return _process_chunk(*item)


def _map(items: list, workers: int | None, client, progress: bool = False) -> list:
    """Process chunks in order on Dask (:mod:`alliance_analysis.parallel`): a LocalCluster of
    ``workers`` processes or the given ``Client`` / scheduler address."""
    from alliance_analysis import parallel

    with parallel.dask_client(int(workers) if workers else None, client) as c:
        return parallel.map_tasks(_process_item, items, client=c, progress=progress)


def _bytes_per_series(m: int, n: int, n_models: int, n_origins: int, horizon: int, n_levels: int) -> int:
    """Rough working memory of one series in a chunk (ETS grid filter, forecasts, metrics, frames)."""
    P = len(_ets.grid())
    cells = n_models * (n_origins + 1) * horizon * (1 + 2 * n_levels)
    return 8 * (3 * P * max(m, 1) + 12 * P + 4 * n + 6 * cells) + 120 * n_models * (n_origins + 1) * horizon


@dataclass(frozen=True)
class ForecastResult:
    """Tidy outputs of :func:`forecast_many` (see its docstring for the columns)."""

    forecasts: pd.DataFrame
    backtest: pd.DataFrame
    accuracy: pd.DataFrame
    selected: pd.DataFrame
    history: pd.DataFrame
    fallbacks: pd.DataFrame
    settings: dict = field(default_factory=dict)
    skipped: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["model", "reason"]))


def forecast_many(
    df: pd.DataFrame,
    *,
    keys: Sequence[str] = ("force", "crime_type"),
    horizon: int = 12,
    n_origins: int = 4,
    step: int = 1,
    models: Sequence[str] = DEFAULT_MODELS,
    levels: Sequence[int] = (80, 95),
    season_length: int | None = None,
    select_by: str = "mase",
    engine: str = "numpy",
    n_jobs: int = 1,
    progress: bool = False,
    time: str | None = None,
    value: str = "count",
    holdout: int | None = None,
    intervals: str = "calibrated",
    min_improvement: float = 0.05,
    memory_budget_mb: float = 512,
    keep: str = "all",
    workers: int | None = None,
    client=None,
) -> ForecastResult:
    """Backtest-selected forecasts with calibrated intervals for many count series in one call.

    Parameters
    ----------
    df : DataFrame
        Tidy counts: ``keys`` + a Period column (monthly, quarterly or annual) + ``value``
        (>= 0, finite). Every series must cover the same run of periods without gaps. Or a
        wide frame: one row per series (index = keys), columns a consecutive PeriodIndex.
    keys : sequence of str
        Columns identifying a series (tidy input).
    horizon, n_origins, step : int
        Rolling-origin design: training lengths ``n - horizon - step*(n_origins-1-i)``
        for ``i = 0..n_origins-1``, each forecasting ``horizon`` periods.
    models : sequence of str
        From :data:`MODELS`; by default all but ``croston``.
    levels : sequence of int
        Central prediction-interval levels in percent.
    season_length : int, optional
        Default from the period frequency: 12 monthly, 4 quarterly, 1 annual.
    select_by : {"mase", "smape"}
        Score that selects the model of each series on the selection origins.
    engine : {"numpy", "statsmodels"}
        ``ets`` and ``sarima``: vectorised (fast) or statsmodels per series (slow reference).
    n_jobs : int
        Kept for compatibility: ``n_jobs > 1`` means ``workers=n_jobs``.
    progress : bool
        Show a tqdm bar over chunks (in process).
    time : str, optional
        The Period column; default ``month``, ``quarter``, ``period`` or ``year`` (the first
        present), else the only Period column. Outputs use the same name.
    value : str
        The count column.
    holdout : int, optional
        Origins held out from selection (the last ones); default ``n_origins // 2``.
    intervals : {"calibrated", "model"}
        Conformal intervals from backtest errors (default; see the module docstring) or the
        models' own normal intervals.
    min_improvement : float
        Relative margin by which a candidate must beat the robust default (``ets``; ``sba``
        for intermittent series) on the selection score to be chosen.
    memory_budget_mb : float
        Working memory for one chunk of series; chunks are sized from it. The returned
        frames grow with the number of series; use ``keep="selected"`` for national runs.
    keep : {"all", "selected"}
        ``"selected"``: only the selected model's final forecasts and no backtest rows, and
        ``history`` is the input itself rather than a copy (it is never modified).
    workers : int, optional
        Run chunks on a Dask LocalCluster with this many worker processes.
    client : dask.distributed.Client or str, optional
        Run chunks on this Dask cluster (a Client or a scheduler address).

    Returns
    -------
    ForecastResult
        ``forecasts`` (keys, time, model, mean, lo_*, hi_*, is_selected) for the ``horizon``
        periods after the data, every model refitted on the whole series;
        ``backtest`` (keys, origin, time, model, actual, mean, lo_*, hi_*): ``origin`` is the
        first forecast period; bounds at hold-out origins are calibrated from the selection
        origins, those at selection origins are the model's own;
        ``accuracy`` (keys, model, mase and smape over all origins, coverage_* over the
        hold-out origins (all origins without hold-out), n_origins, selected,
        selection_score, accuracy_holdout, coverage_flag (a level's coverage more than 10
        points below nominal), intermittent); ``selected`` (keys, model, reason,
        selection_score, accuracy_holdout, coverage_flag); ``history`` (copy of ``df``);
        ``fallbacks`` (keys, model, origin, reason); ``skipped`` (keys, model, reason) for
        models that could not run.

    Raises
    ------
    DataValidationError
        Missing columns, no Period column or an unsupported frequency, missing, non-finite
        or negative counts, duplicate periods, gaps, or a first origin shorter than every
        requested model's minimum length.
    ParameterError
        Unknown model, engine, score, intervals or keep; bad integers or holdout.

    Examples
    --------
    >>> months = pd.period_range("2015-01", periods=60, freq="M")
    >>> d = pd.DataFrame({"force": "A", "crime_type": "Drugs", "month": months,
    ...                   "count": 100 + 10 * np.sin(np.arange(60) * np.pi / 6)})
    >>> r = forecast_many(d, horizon=6, n_origins=2)
    >>> len(r.forecasts[r.forecasts["is_selected"]]), bool((r.forecasts["lo_80"] >= 0).all())
    (6, True)
    """
    from alliance_analysis.progress import tqdm

    models = list(dict.fromkeys(models))
    levels = [int(lv) for lv in levels]
    unknown = sorted(set(models) - set(MODELS))
    if unknown or not models:
        raise ParameterError(f"models: unknown or empty {unknown}; choose from {list(MODELS)}")
    for name, v in (("horizon", horizon), ("n_origins", n_origins), ("step", step), ("n_jobs", n_jobs)):
        if not isinstance(v, (int, np.integer)) or v < 1:
            raise ParameterError(f"{name} must be an integer >= 1 (got {v!r})")
    if select_by not in ("mase", "smape"):
        raise ParameterError(f"select_by must be 'mase' or 'smape' (got {select_by!r})")
    if engine not in ("numpy", "statsmodels"):
        raise ParameterError(f"engine must be 'numpy' or 'statsmodels' (got {engine!r})")
    if intervals not in ("calibrated", "model"):
        raise ParameterError(f"intervals must be 'calibrated' or 'model' (got {intervals!r})")
    if keep not in ("all", "selected"):
        raise ParameterError(f"keep must be 'all' or 'selected' (got {keep!r})")
    if not levels or any(not 0 < lv < 100 for lv in levels):
        raise ParameterError(f"levels must be percentages strictly between 0 and 100 (got {levels})")
    if not 0 <= min_improvement < 1:
        raise ParameterError(f"min_improvement must be in [0, 1) (got {min_improvement!r})")
    if not memory_budget_mb > 0:
        raise ParameterError(f"memory_budget_mb must be positive (got {memory_budget_mb!r})")
    n_hold = n_origins // 2 if holdout is None else holdout
    if not isinstance(n_hold, (int, np.integer)) or not 0 <= n_hold < n_origins:
        raise ParameterError(f"holdout must be an integer from 0 to n_origins - 1 = {n_origins - 1} (got {holdout!r}); "
                             "selection needs at least one origin")
    if n_jobs > 1 and workers is None:
        workers = n_jobs
    if isinstance(df, pd.DataFrame) and isinstance(df.columns, pd.PeriodIndex):
        index, y, periods = _wide_input(df)
        tname = time or "month"
    else:
        if not isinstance(df, pd.DataFrame):
            raise ParameterError(f"df must be a DataFrame, not {type(df).__name__}")
        keys = list(keys)
        missing = [c for c in [*keys, value] if c not in df.columns]
        if missing:
            raise DataValidationError(f"columns {missing} are missing", column=missing[0],
                                      fix=f"give a tidy frame with columns {[*keys, 'month', value]}")
        tname = time_column(df, time)
        index, y, periods = _to_matrix(df, keys, value, tname)
    m = season_length or season_length_of(periods.freqstr)
    if m < 1:
        raise ParameterError(f"season_length must be >= 1 (got {m})")
    S, n = y.shape
    origins = tuple(n - horizon - step * (n_origins - 1 - i) for i in range(n_origins))
    first = origins[0]
    need = {mdl: min_length(mdl, m) for mdl in models}
    need_any = min((v for v in need.values() if v is not None), default=None)
    if need_any is None or first < need_any:
        req = need_any if need_any is not None else m + 1
        raise DataValidationError(
            f"series have {n} periods ({periods[0]} to {periods[-1]}): the first backtest origin has {max(first, 0)} "
            f"training periods, fewer than any requested model needs ({req}: e.g. snaive needs m + 1 = {m + 1}); "
            f"need at least {req} + horizon {horizon} + step {step} x (n_origins {n_origins} - 1) = "
            f"{req + horizon + step * (n_origins - 1)}", column=tname,
            fix="use a longer history, a shorter horizon or fewer origins")
    skipped_rows = []
    for mdl in models:
        if need[mdl] is None:
            skipped_rows.append((mdl, f"needs a seasonal period m >= 2 (this data has m = {m})"))
        elif first < need[mdl]:
            skipped_rows.append((mdl, f"needs {need[mdl]} training periods before the first origin "
                                      f"({'2m+8' if mdl in ('sarima', 'combo') else '2m+1' if mdl == 'ets' else 'm+1'}"
                                      f", m = {m}); the first origin has {first}"))
    run = [mdl for mdl in models if need[mdl] is not None and first >= need[mdl]]
    compute = list(run)
    for dep in ("ets", "sarima"):
        if "combo" in run and dep not in compute:
            compute.append(dep)
    if "sarima" in run and "ets" not in compute:
        compute.append("ets")  # its fallback
    for mdl, why in skipped_rows:
        log.warning("model %s not run: %s", mdl, why)
    cfg = _Config(m=m, horizon=horizon, origins=origins, n_sel=n_origins - n_hold, run=tuple(compute),
                  levels=tuple(levels), engine=engine, select_by=select_by, intervals=intervals, keep=keep,
                  min_improvement=float(min_improvement), periods=periods, time=tname,
                  candidates=tuple(run))
    per = _bytes_per_series(m, n, len(compute), n_origins, horizon, len(levels))
    chunk = int(max(20, min(S, memory_budget_mb * 2**20 // per)))
    bounds = [(a, min(a + chunk, S)) for a in range(0, S, chunk)]
    calib = None
    if intervals == "calibrated":
        stride = math.ceil(S / CALIB_SERIES)
        if stride > 1 or len(bounds) > 1 or workers or client is not None:
            sample = np.arange(0, S, stride)
            scores: dict[str, list] = {mdl: [] for mdl in compute}
            for a in range(0, len(sample), chunk):
                ys = y[sample[a:a + chunk]]
                part = _block_scores(_run_block(ys, m, horizon, origins, compute, levels, engine), ys, cfg)
                for mdl in compute:
                    scores[mdl].append(part[mdl])
            calib = _quantiles({k: np.concatenate(v) for k, v in scores.items()}, cfg)
    items = [(y[a:b], index.iloc[a:b], cfg, calib) for a, b in bounds]
    if workers or client is not None:
        parts = _map(items, workers, client, progress)
    else:
        parts = [_process_chunk(*it) for it in tqdm(items, desc="forecast chunks", disable=not progress)]
    drop = [mdl for mdl in compute if mdl not in run]
    frames = {}
    for name in ("forecasts", "backtest", "accuracy", "selected", "fallbacks"):
        got = [p.pop(name) for p in parts if name in p]  # each chunk's frame is released once joined
        frames[name] = pd.concat(got, ignore_index=True) if got else pd.DataFrame(
            columns=[*index.columns, "origin", tname, "model", "actual", "mean"])
        del got
        if drop and name in ("forecasts", "backtest", "accuracy") and len(frames[name]):
            frames[name] = frames[name][~frames[name]["model"].isin(drop)].reset_index(drop=True)
    fallbacks = frames["fallbacks"]
    if drop and len(fallbacks):
        fallbacks = fallbacks[~fallbacks["model"].isin(drop)].reset_index(drop=True)
    for _, r in fallbacks.head(20).iterrows():
        log.warning("forecast fallback: %s, %s at origin %s: %s", r[list(index.columns)].to_dict(), r["model"],
                    r["origin"], r["reason"])
    if len(fallbacks) > 20:
        log.warning("%d further forecast fallbacks (see ForecastResult.fallbacks)", len(fallbacks) - 20)
    skipped = pd.concat([index.iloc[np.repeat(np.arange(S), len(skipped_rows))].reset_index(drop=True),
                         pd.DataFrame({"model": np.tile([s[0] for s in skipped_rows], S),
                                       "reason": np.tile([s[1] for s in skipped_rows], S)})], axis=1)
    return ForecastResult(
        forecasts=frames["forecasts"], backtest=frames["backtest"], accuracy=frames["accuracy"],
        selected=frames["selected"], history=df.copy() if keep == "all" else df, fallbacks=fallbacks,
        skipped=skipped,
        settings={"keys": list(index.columns), "horizon": horizon, "n_origins": n_origins, "step": step,
                  "season_length": m, "models": run, "levels": list(levels), "select_by": select_by,
                  "time": tname, "holdout": n_hold, "intervals": intervals, "min_improvement": min_improvement,
                  "chunk_size": chunk, "n_chunks": len(bounds)},
    )


# --------------------------------------------------------------------------- hierarchies and reconciliation

@dataclass(frozen=True, eq=False)
class Hierarchy:
    """A tree of series: ``nodes`` top-down with the bottom series last, and summing matrix ``S``.

    ``S[i, j]`` is 1 when bottom series ``j`` is part of node ``i``. ``children`` maps every
    aggregate node to its direct children. Built from data, ``levels`` names the columns and
    ``bottom`` holds the level values of each bottom node (column ``node`` is its label).
    """

    nodes: tuple[str, ...]
    S: np.ndarray
    children: Mapping[str, tuple[str, ...]]
    levels: tuple[str, ...] = ()
    bottom: pd.DataFrame | None = None

    @property
    def bottom_nodes(self) -> tuple[str, ...]:
        """Labels of the bottom series (the last ``S.shape[1]`` nodes)."""
        return self.nodes[len(self.nodes) - self.S.shape[1]:]


def hierarchy_from_mapping(mapping: Mapping[str, Sequence[str]]) -> Hierarchy:
    """Hierarchy from ``{parent: [children]}``; nodes never used as parents are the bottom series.

    Raises
    ------
    ParameterError
        A node with two parents, a cycle, or an empty child list.

    Examples
    --------
    >>> h = hierarchy_from_mapping({"All": ["A", "B"], "A": ["A1", "A2"]})
    >>> h.nodes, h.S.astype(int).tolist()
    (('All', 'A', 'A1', 'A2', 'B'), [[1, 1, 1], [1, 1, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]])
    """
    children = {str(p): tuple(str(c) for c in cs) for p, cs in mapping.items()}
    parent_of: dict[str, str] = {}
    for p, cs in children.items():
        if not cs:
            raise ParameterError(f"hierarchy node {p!r} has no children; drop it or list its members")
        for c in cs:
            if c in parent_of:
                raise ParameterError(f"hierarchy node {c!r} has two parents ({parent_of[c]!r} and {p!r}); "
                                     "give a tree (each series in one parent)")
            parent_of[c] = p
    roots = [p for p in children if p not in parent_of]
    if not roots:
        raise ParameterError("the hierarchy has a cycle (every parent is also a child)")
    seen: list[str] = []

    def walk(node: str, path: tuple[str, ...]) -> None:
        if node in path:
            raise ParameterError(f"the hierarchy has a cycle through {node!r}")
        seen.append(node)
        for c in children.get(node, ()):
            walk(c, (*path, node))

    for r in roots:
        walk(r, ())
    if len(seen) != len(set(seen)) or set(seen) != set(children) | set(parent_of):
        raise ParameterError("the hierarchy is not a tree reachable from its top nodes")
    depth = {r: 0 for r in roots}
    for node in seen:
        for c in children.get(node, ()):
            depth[c] = depth[node] + 1
    aggregates = sorted((s for s in seen if s in children), key=lambda s: depth[s])  # level by level
    bottom = [s for s in seen if s not in children]
    col = {b: j for j, b in enumerate(bottom)}

    def leaves(node: str) -> list[str]:
        return [node] if node not in children else [x for c in children[node] for x in leaves(c)]

    nodes = (*aggregates, *bottom)
    S = np.zeros((len(nodes), len(bottom)))
    for i, node in enumerate(nodes):
        S[i, [col[b] for b in leaves(node)]] = 1.0
    return Hierarchy(nodes=nodes, S=S, children=children)


def build_hierarchy(df: pd.DataFrame, levels: Sequence[str] = ("alliance", "force", "crime_type"), *,
                    groups: Mapping[str, Sequence[str]] | None = None) -> Hierarchy:
    """Hierarchy of the series in a tidy frame, from the top level to the bottom level.

    Node labels join the level values with ``|``, aggregated levels written ``Total``
    (``"Alliance|West Mercia|Total"`` is a force total). A grand total ``Total|...|Total``
    is added when the top level has more than one value. When the top level is not a
    column, ``groups`` maps each of its values to values of the next level (e.g.
    alliance -> forces).

    Raises
    ------
    DataValidationError
        A level column missing (and no ``groups``) or a value of the next level in no group.

    Examples
    --------
    >>> d = pd.DataFrame({"force": ["A", "A", "B"], "crime_type": ["x", "y", "x"]})
    >>> h = build_hierarchy(d, groups={"AB": ["A", "B"]})
    >>> h.nodes
    ('AB|Total|Total', 'AB|A|Total', 'AB|B|Total', 'AB|A|x', 'AB|A|y', 'AB|B|x')
    """
    levels = list(levels)
    if not levels:
        raise ParameterError("levels must name at least one column")
    frame = df.copy()
    if levels[0] not in frame.columns and groups is not None:
        if len(levels) < 2 or levels[1] not in frame.columns:
            raise DataValidationError(f"groups map {levels[0]!r} to {levels[1:2]}, which is not a column",
                                      column=levels[1] if len(levels) > 1 else levels[0],
                                      fix="give the level below the grouped level as a column")
        member = {str(v): g for g, vs in groups.items() for v in vs}
        frame[levels[0]] = frame[levels[1]].astype(str).map(member)
        orphans = sorted(frame.loc[frame[levels[0]].isna(), levels[1]].astype(str).unique())
        if orphans:
            raise DataValidationError(f"{levels[1]} values {orphans} are in no {levels[0]} group", column=levels[1],
                                      fix="add them to groups or filter them out")
    missing = [c for c in levels if c not in frame.columns]
    if missing:
        raise DataValidationError(f"hierarchy levels {missing} are not columns", column=missing[0],
                                  fix="add the columns or pass groups for the top level")
    bottom = frame[levels].astype(str).drop_duplicates().sort_values(levels).reset_index(drop=True)
    k = len(levels)
    label = lambda vals: "|".join([*vals, *["Total"] * (k - len(vals))])  # noqa: E731
    mapping: dict[str, list[str]] = {}
    if bottom[levels[0]].nunique() > 1:
        mapping[label([])] = [label([v]) for v in bottom[levels[0]].unique()] if k > 1 else \
            [label([v]) for v in bottom[levels[0]]]
    for depth in range(1, k):
        for vals, sub in bottom.groupby(levels[:depth], sort=False):
            vals = [str(v) for v in (vals if isinstance(vals, tuple) else (vals,))]
            mapping[label(vals)] = list(dict.fromkeys(label([*vals, *map(str, r)])
                                                      for r in sub[levels[:depth + 1]].to_numpy()[:, depth:]))
    if not mapping:
        raise ParameterError("a hierarchy needs at least two bottom series or two levels")
    h = hierarchy_from_mapping(mapping)
    bottom["node"] = ["|".join(r) for r in bottom[levels].to_numpy()]
    bottom = bottom.set_index("node").loc[list(h.bottom_nodes)].reset_index()
    return Hierarchy(nodes=h.nodes, S=h.S, children=h.children, levels=tuple(levels), bottom=bottom)


def aggregate_hierarchy(df: pd.DataFrame, hierarchy: Hierarchy, *, groups: Mapping[str, Sequence[str]] | None = None,
                        value: str = "count") -> pd.DataFrame:
    """Tidy ``node, month, value`` series for every node of a hierarchy built by :func:`build_hierarchy`.

    Examples
    --------
    >>> d = pd.DataFrame({"force": ["A", "A", "B"], "crime_type": ["x", "y", "x"],
    ...                   "month": pd.PeriodIndex(["2020-01"] * 3, freq="M"), "count": [1, 2, 4]})
    >>> h = build_hierarchy(d, ("force", "crime_type"))
    >>> aggregate_hierarchy(d, h).set_index("node")["count"].to_dict()["Total|Total"]
    7
    """
    if hierarchy.bottom is None:
        raise ParameterError("the hierarchy has no level columns; build it with build_hierarchy")
    levels = list(hierarchy.levels)
    frame = df.copy()
    if levels[0] not in frame.columns:
        if groups is None:
            raise ParameterError(f"column {levels[0]!r} is missing; pass the groups used to build the hierarchy")
        member = {str(v): g for g, vs in groups.items() for v in vs}
        frame[levels[0]] = frame[levels[1]].astype(str).map(member)
    for c in levels:
        frame[c] = frame[c].astype(str)
    merged = frame.merge(hierarchy.bottom, on=levels, how="inner")
    wide = merged.pivot_table(index="node", columns="month", values=value, aggfunc="sum", observed=True)
    wide = wide.reindex(list(hierarchy.bottom_nodes)).fillna(0)
    total = hierarchy.S @ wide.to_numpy()
    out = pd.DataFrame({"node": np.repeat(hierarchy.nodes, wide.shape[1]),
                        "month": wide.columns[np.tile(np.arange(wide.shape[1]), len(hierarchy.nodes))],
                        value: total.ravel()})
    if pd.api.types.is_integer_dtype(df[value].dtype):
        out[value] = np.rint(out[value]).astype("int64")
    return out


def shrinkage_covariance(residuals: np.ndarray) -> tuple[np.ndarray, float]:
    """Schafer-Strimmer shrinkage of the residual covariance towards its diagonal.

    As in MinT-shrink (Wickramasuriya, Athanasopoulos & Hyndman 2019; ``hts::shrink.estim``):
    ``W = lambda diag(C) + (1 - lambda) C`` with ``C = E'E / T`` (errors not centred) and
    ``lambda = sum_{i!=j} Var(r_ij) / sum_{i!=j} r_ij^2`` clipped to [0, 1] (1 when the
    correlations are all zero).

    Examples
    --------
    >>> e = np.array([[2.0, 1], [-2, -1], [1, 1], [-1, -1]])
    >>> W, lam = shrinkage_covariance(e)
    >>> round(lam * 27, 9), round(float(W[0, 1]), 6)   # lambda 1/27, 1.5 * 26/27
    (1.0, 1.444444)
    """
    x = np.asarray(residuals, dtype=float)
    if x.ndim != 2 or x.shape[0] < 2:
        raise ParameterError(f"residuals must be a 2-d array with at least 2 rows (got shape {x.shape})")
    if not np.isfinite(x).all():
        raise ParameterError("residuals contain NaN or inf; drop incomplete rows first")
    T = x.shape[0]
    cov = x.T @ x / T
    sd = np.sqrt(np.diag(cov))
    sd_safe = np.where(sd > 0, sd, 1.0)
    xs = x / sd_safe
    corr = cov / np.outer(sd_safe, sd_safe)
    v = (xs**2).T @ (xs**2) - (xs.T @ xs) ** 2 / T
    v = v / (T * (T - 1))
    off = ~np.eye(len(cov), dtype=bool)
    d = (corr[off] ** 2).sum()
    lam = 1.0 if d == 0 else float(np.clip(v[off].sum() / d, 0.0, 1.0))
    return lam * np.diag(np.diag(cov)) + (1 - lam) * cov, lam


def reconcile_matrix(base: np.ndarray, S: np.ndarray, *, method: str = "mint_shrink",
                     residuals: np.ndarray | None = None, nonnegative: bool = True) -> np.ndarray:
    """Coherent forecasts from base forecasts of every node (rows of ``S``), as an array.

    ``bottom_up`` aggregates the bottom rows; ``ols`` projects with ``W = I``; ``mint_shrink``
    uses ``W`` = :func:`shrinkage_covariance` of ``residuals`` (observations x nodes):
    ``S (S' W^-1 S)^-1 S' W^-1 base``. With ``nonnegative`` (default) negative reconciled
    bottom forecasts are set to 0 before aggregating, so the result stays coherent.

    Examples
    --------
    >>> S = np.array([[1, 1], [1, 0], [0, 1]], dtype=float)
    >>> reconcile_matrix(np.array([[10.0], [4.0], [5.0]]), S, method="bottom_up").ravel().tolist()
    [9.0, 4.0, 5.0]
    >>> np.round(reconcile_matrix(np.array([[10.0], [4.0], [5.0]]), S, method="ols").ravel() * 3, 9).tolist()
    [29.0, 13.0, 16.0]
    """
    base = np.asarray(base, dtype=float)
    S = np.asarray(S, dtype=float)
    n_all, n_b = S.shape
    if base.ndim != 2 or base.shape[0] != n_all:
        raise ParameterError(f"base forecasts have shape {base.shape}; need ({n_all}, horizon) for the hierarchy")
    if method == "bottom_up":
        bottom = base[n_all - n_b:]
    elif method in ("ols", "mint_shrink"):
        if method == "ols":
            W = np.eye(n_all)
        else:
            if residuals is None or np.ndim(residuals) != 2 or np.shape(residuals)[1] != n_all:
                raise ParameterError(f"mint_shrink needs residuals with one column per node ({n_all}); "
                                     f"got {None if residuals is None else np.shape(residuals)}")
            W, _ = shrinkage_covariance(residuals)
        W_inv = np.linalg.pinv(W)
        bottom = np.linalg.solve(S.T @ W_inv @ S, S.T @ W_inv @ base)
    else:
        raise ParameterError(f"method {method!r}: use 'bottom_up', 'ols' or 'mint_shrink'")
    if nonnegative:
        bottom = np.clip(bottom, 0, None)
    return S @ bottom


def reconcile(forecasts: pd.DataFrame, hierarchy: Hierarchy | Mapping[str, Sequence[str]], method: str = "bottom_up",
              residuals: pd.DataFrame | np.ndarray | None = None, *, value: str = "mean",
              nonnegative: bool = True) -> pd.DataFrame:
    """Coherent forecasts: crime types add up to forces, forces to the alliance.

    Parameters
    ----------
    forecasts : DataFrame
        Base forecasts: ``node``, ``month`` and ``value`` (every node for ``mint_shrink``
        and ``ols``; the bottom nodes suffice for ``bottom_up``).
    hierarchy : Hierarchy or mapping
        From :func:`build_hierarchy`, or ``{parent: [children]}``.
    method : {"bottom_up", "ols", "mint_shrink"}
    residuals : DataFrame or array, optional
        For ``mint_shrink``: forecast errors, one column per node (wide DataFrame with node
        columns, or an array with columns in ``hierarchy.nodes`` order), one row per
        observation (in-sample or backtest errors).

    Returns
    -------
    DataFrame
        ``node, month, base, coherent``, nodes in hierarchy order. Only point forecasts
        are reconciled; intervals are not.

    Examples
    --------
    >>> f = pd.DataFrame({"node": ["All", "A", "B"], "month": pd.Period("2020-01", "M"),
    ...                   "mean": [10.0, 4.0, 5.0]})
    >>> reconcile(f, {"All": ["A", "B"]})["coherent"].tolist()
    [9.0, 4.0, 5.0]
    """
    h = hierarchy if isinstance(hierarchy, Hierarchy) else hierarchy_from_mapping(hierarchy)
    missing_cols = [c for c in ("node", "month", value) if c not in forecasts.columns]
    if missing_cols:
        raise DataValidationError(f"forecasts lack columns {missing_cols}", column=missing_cols[0],
                                  fix=f"give a tidy frame with node, month and {value}")
    needed = list(h.bottom_nodes) if method == "bottom_up" else list(h.nodes)
    wide = forecasts.pivot_table(index="node", columns="month", values=value, aggfunc="first", observed=True)
    absent = [nd for nd in needed if nd not in wide.index]
    if absent:
        raise DataValidationError(f"no base forecasts for nodes {absent[:10]}", column="node",
                                  fix=f"{method} needs forecasts of {'the bottom' if method == 'bottom_up' else 'every'}"
                                      " node of the hierarchy")
    wide = wide.reindex(list(h.nodes))
    if wide.loc[needed].isna().any().any():
        raise DataValidationError("base forecasts have missing months for some nodes", column=value,
                                  fix="give every node the same forecast months")
    base = wide.to_numpy()
    res = residuals
    if isinstance(residuals, pd.DataFrame):
        absent = [nd for nd in h.nodes if nd not in residuals.columns]
        if absent:
            raise DataValidationError(f"residuals have no column for nodes {absent[:10]}", column="node",
                                      fix="give one residual column per node")
        res = residuals[list(h.nodes)].dropna().to_numpy(dtype=float)
    coherent = reconcile_matrix(np.nan_to_num(base) if method == "bottom_up" else base, h.S, method=method,
                                residuals=res, nonnegative=nonnegative)
    k = base.shape[1]
    return pd.DataFrame({"node": np.repeat(h.nodes, k), "month": wide.columns[np.tile(np.arange(k), len(h.nodes))],
                         "base": base.ravel(), "coherent": coherent.ravel()})


def reconcile_forecasts(result: ForecastResult, levels: Sequence[str] = ("force", "crime_type"), *,
                        groups: Mapping[str, Sequence[str]] | None = None, method: str = "mint_shrink") -> pd.DataFrame:
    """Coherent forecasts for the hierarchy above the series of a :func:`forecast_many` result.

    Every node's history is aggregated from ``result.history`` and forecast with the same
    settings (model selected per node as in :func:`forecast_many`). ``levels`` are key columns
    from top to bottom; with ``groups`` (e.g. ``{"Warwickshire and West Mercia": [...forces]}``)
    an ``alliance`` level is added on top.

    What is reconciled: the point forecast column ``mean`` of each node's selected model,
    which for the log-scale models (``ets``, ``sarima``, ``combo``) is the back-transformed
    *median* ``expm1(mu)``, and for ``snaive``, ``drift`` and the intermittent methods the
    mean. Medians do not add up exactly, so coherent totals are sums of medians (slightly
    below the mean of the total for skewed counts). Intervals are not reconciled.

    Errors used by MinT (``mint_shrink``): the out-of-sample backtest errors
    ``actual - mean`` of each node's selected model at every backtest origin (selection and
    hold-out) and every horizon step 1..h, pooled as observations (rows = origin x period);
    multi-step errors are therefore mixed with one-step ones, and the shrinkage covariance
    (:func:`shrinkage_covariance`) is estimated from them, not from in-sample residuals.

    Returns
    -------
    DataFrame
        ``node, month, base, coherent`` (labels as in :func:`build_hierarchy`);
        ``attrs["S"]`` (the summing matrix as nested tuples, so pandas can compare attrs when
        it concatenates derived frames; ``np.array(attrs["S"])`` gives the array),
        ``attrs["labels"]`` (tuples) and ``attrs["hierarchy"]``.

    Examples
    --------
    >>> months = pd.period_range("2015-01", periods=40, freq="M")
    >>> d = pd.DataFrame({"force": np.repeat(["A", "B"], 40), "crime_type": "Drugs",
    ...                   "month": np.tile(months, 2), "count": np.arange(80) % 12 + 20})
    >>> out = reconcile_forecasts(forecast_many(d, horizon=3, n_origins=1), method="bottom_up")
    >>> w = out.pivot(index="node", columns="month", values="coherent")
    >>> bool(np.allclose(w.loc["Total|Total"], w.loc["A|Drugs"] + w.loc["B|Drugs"]))
    True
    """
    lv = list(levels)
    if groups:
        lv = ["alliance", *lv]
    s = result.settings
    tname = s.get("time", "month")
    history = result.history
    if isinstance(history.columns, pd.PeriodIndex):
        raise ParameterError("reconcile_forecasts needs a tidy history (the result of a tidy forecast_many input)")
    if tname != "month":
        history = history.rename(columns={tname: "month"})
    h = build_hierarchy(history, lv, groups=groups)
    nodes = aggregate_hierarchy(history, h, groups=groups)
    node_fc = forecast_many(nodes, keys=("node",), horizon=s["horizon"], n_origins=s["n_origins"], step=s["step"],
                            models=s["models"], levels=s["levels"], season_length=s["season_length"],
                            select_by=s["select_by"], holdout=s.get("holdout"),
                            intervals=s.get("intervals", "calibrated"), time="month")
    sel = node_fc.forecasts[node_fc.forecasts["is_selected"]]
    bt = node_fc.backtest.merge(node_fc.selected[["node", "model"]], on=["node", "model"])
    residuals = bt.assign(err=bt["actual"] - bt["mean"]).pivot_table(index=["origin", "month"], columns="node",
                                                                     values="err", observed=True)
    out = reconcile(sel, h, method=method, residuals=residuals if method == "mint_shrink" else None)
    if tname != "month":
        out = out.rename(columns={"month": tname})
    out.attrs["S"] = tuple(map(tuple, h.S.astype(int).tolist()))  # hashable: pandas compares attrs on concat
    out.attrs["labels"] = [tuple(nd.split("|")) for nd in h.nodes]
    out.attrs["hierarchy"] = h
    return out
