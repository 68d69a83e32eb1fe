"""Crime trend forecasting: baselines, vectorised ETS, rolling-origin backtests, reconciliation.

Models (per series, on monthly or quarterly counts; the point forecast of every model is
clipped at zero and so are all interval bounds):

``snaive``  seasonal naive (the last season repeated); normal intervals from the
            seasonal-difference residuals, widening with the number of seasons ahead;
``drift``   random walk with drift; normal intervals widening with sqrt(h);
``ets``     additive Holt-Winters (ETS(A,N,A), damped ETS(A,Ad,A) or ETS(A,A,A)) on ``log1p(count)``,
            which keeps counts positive and makes the variance grow with the level (as
            for counts); parameters chosen per series and origin from a grid by in-sample
            one-step error. ``engine="numpy"`` (default) filters all series and all grid
            points at once (:mod:`alliance_analysis._ets`); ``engine="statsmodels"`` fits
            statsmodels ``ETSModel`` per series (the slow reference);
``sarima``  seasonal ARIMA(1,0,0)(1,1,0)_m with drift on ``log1p(count)``: with
            ``engine="numpy"`` fitted by conditional least squares for all series at once
            (:mod:`alliance_analysis._sarima`); with ``engine="statsmodels"`` by exact
            maximum likelihood with statsmodels ``SARIMAX`` per series (slow reference);
``combo``   the mean of ``ets`` and ``sarima`` (point forecasts and, as an approximation,
            interval bounds).

Log-scale models report the back-transformed median ``expm1(mu)`` as the point forecast.

Rolling-origin backtest: ``n_origins`` training lengths ``n - horizon - step*(n_origins-1-i)``,
each forecasting ``horizon`` periods; per series and model: mean MASE (scaled by the
seasonal-naive in-sample MAE of each training window), sMAPE and the empirical coverage of
each interval level. The model with the lowest mean backtest MASE is selected per series
(sMAPE breaks ties and decides where MASE is undefined) and refitted on the whole series.

Fallbacks: a forecast that raises, is not finite, has a point forecast above 10x the
series maximum or a bound above 100x it is replaced by the next model in the chain
``sarima -> ets -> snaive`` (``ets``, ``drift``, ``combo`` -> ``snaive``), logged with
:mod:`logging` and recorded in ``ForecastResult.fallbacks``; nothing is returned NaN.

Minimum length: every series needs ``2*m + horizon + step*(n_origins - 1)`` periods
(two seasons to initialise the seasonal models before the first origin).

Examples
--------
>>> mase([3, 5], [4, 4], insample=[1, 2, 3, 4, 5, 6], m=2)   # MAE 1 / seasonal-naive MAE 2
0.5
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from alliance_analysis import _ets, _sarima
from alliance_analysis._intervals import normal_bounds
from alliance_analysis.errors import DataValidationError, ParameterError

log = logging.getLogger(__name__)

MODELS = ("snaive", "drift", "ets", "sarima", "combo")
FALLBACK_CHAIN = {"sarima": ("ets", "snaive"), "ets": ("snaive",), "drift": ("snaive",), "combo": ("snaive",)}
EXPLODE_MEAN = 10.0
EXPLODE_BOUND = 100.0


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

def _to_matrix(df: pd.DataFrame, keys: Sequence[str], value: str = "count") -> tuple[pd.DataFrame, np.ndarray, pd.PeriodIndex]:
    keys = list(keys)
    if not isinstance(df, pd.DataFrame):
        raise ParameterError(f"df must be a DataFrame, not {type(df).__name__}")
    missing = [c for c in [*keys, "month", value] if c not in df.columns]
    if missing:
        raise DataValidationError(f"columns {missing} are missing", column=missing[0],
                                  fix=f"give a tidy frame with columns {[*keys, 'month', value]}")
    if len(df) == 0:
        raise DataValidationError("the frame has no rows", fix="pass at least one series")
    if not isinstance(df["month"].dtype, pd.PeriodDtype):
        raise DataValidationError(f"the month column has dtype {df['month'].dtype}, not a pandas Period",
                                  column="month",
                                  fix="convert with df['month'].dt.to_period('M') (monthly) or ('Q') (quarterly)")
    freq = df["month"].dtype.freq.rule_code
    if not (freq.startswith("M") or freq.startswith("Q")):
        raise DataValidationError(f"period frequency {freq!r} is not monthly or quarterly", column="month",
                                  fix="aggregate to months (Period[M]) or quarters (Period[Q]) first")
    counts = pd.to_numeric(df[value], errors="coerce")
    if counts.isna().any():
        bad = df[counts.isna()]
        raise DataValidationError(f"series {dict(bad.iloc[0][keys])} has a missing count in "
                                  f"{', '.join(map(str, bad['month'].head(5)))}", column=value,
                                  row=int(np.flatnonzero(counts.isna().to_numpy())[0]),
                                  fix="declare or fill the gap explicitly before forecasting")
    if (counts < 0).any():
        bad = df[counts < 0]
        raise DataValidationError(f"series {dict(bad.iloc[0][keys])} has a negative count in {bad.iloc[0]['month']}",
                                  column=value, row=int(np.flatnonzero((counts < 0).to_numpy())[0]),
                                  fix="counts must be >= 0; correct or drop the adjustment rows")
    dup = df.duplicated([*keys, "month"])
    if dup.any():
        bad = df[dup].iloc[0]
        raise DataValidationError(f"series {dict(bad[keys])} has month {bad['month']} more than once", column="month",
                                  row=int(np.flatnonzero(dup.to_numpy())[0]),
                                  fix="aggregate duplicates first (groupby keys + month, sum)")
    wide = df.assign(**{value: counts}).pivot_table(index=keys, columns="month", values=value, aggfunc="sum",
                                                   observed=True)
    periods = pd.period_range(df["month"].min(), df["month"].max(), freq=df["month"].dtype.freq)
    wide = wide.reindex(columns=periods)
    holes = wide.isna().to_numpy()
    if holes.any():
        i = int(np.flatnonzero(holes.any(axis=1))[0])
        months = ", ".join(str(periods[j]) for j in np.flatnonzero(holes[i])[:12])
        key = wide.index[i] if isinstance(wide.index[i], tuple) else (wide.index[i],)
        raise DataValidationError(f"series {dict(zip(keys, key))} has no value for {months} "
                                  f"({int(holes.any(axis=1).sum())} series have gaps)", column="month",
                                  fix="every series must cover the same run of months: make gaps explicit with "
                                      "clean.complete_monthly_index and fill or shorten them before forecasting")
    index = wide.index.to_frame(index=False)
    return index, wide.to_numpy(dtype=float), periods


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
                res = ETSModel(pd.Series(np.log1p(series)), error="add", trend="add", damped_trend=True, seasonal="add",
                               seasonal_periods=m).fit(disp=False)
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


def _forecast_origin(y: np.ndarray, origin: int, h: int, m: int, models: Sequence[str], levels: Sequence[int],
                     ets_state: _ets.State | None, engine: str) -> tuple[dict[str, dict], dict[str, dict[int, str]]]:
    train = y[:, :origin]
    need = set(models) | {"snaive"}
    if "combo" in need:
        need |= {"ets", "sarima"}
    if "sarima" in need:
        need.add("ets")  # its fallback
    fc: dict[str, dict] = {"snaive": _baseline(train, h, m, "snaive", levels)}
    errors: dict[str, dict[int, str]] = {}
    if "drift" in need:
        fc["drift"] = _baseline(train, h, m, "drift", levels)
    if "ets" in need:
        if engine == "statsmodels":
            fc["ets"], errors["ets"] = _sm_ets(train, h, m, levels)
        else:
            fc["ets"] = _ets.forecast(ets_state, h, levels)
    if "sarima" in need:
        if engine == "statsmodels":
            fc["sarima"], errors["sarima"] = _sm_sarima(train, h, m, levels)
        else:
            try:
                fc["sarima"] = _sarima.fit_forecast(np.log1p(train), m, h, levels)
            except (ValueError, np.linalg.LinAlgError) as exc:
                fc["sarima"] = _empty(len(train), h, levels)
                errors["sarima"] = {i: f"least-squares seasonal AR failed: {exc}" for i in range(len(train))}
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
        for i, why in sorted(reasons.items()):
            sub = next(s for s in FALLBACK_CHAIN[name] if s in fc)
            for k in d:
                d[k][i] = fc[sub][k][i]
            events.append((i, name, f"{why}; replaced by {sub}"))
    return events


def _run_block(y: np.ndarray, m: int, horizon: int, origins: Sequence[int], models: Sequence[str],
               levels: Sequence[int], engine: str) -> dict:
    """Backtest and final forecasts for the rows of ``y`` (module level so it can run in a worker)."""
    S, n = y.shape
    states = _ets.states_at(np.log1p(y), m, [*origins, n]) if ("ets" in models or "combo" in models
                                                                  or "sarima" in models) and engine == "numpy" else {}
    bt, fb = {}, []
    for o in [*origins, n]:
        fc, errors = _forecast_origin(y, o, horizon, m, models, levels, states.get(o), engine)
        events = _guard(fc, errors, y[:, :o].max(axis=1))
        if "combo" in models:
            fc["combo"] = {k: (fc["ets"][k] + fc["sarima"][k]) / 2 for k in fc["ets"]}
        fb += [(i, mdl, why, "final" if o == n else o) for i, mdl, why in events]
        bt[o] = {k: fc[k] for k in models}
    return {"fc": bt, "fallbacks": fb}


def _split_rows(S: int, n_jobs: int) -> list[np.ndarray]:
    return [c for c in np.array_split(np.arange(S), n_jobs) if len(c)]


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


def forecast_many(
    df: pd.DataFrame,
    *,
    keys: Sequence[str] = ("force", "crime_type"),
    horizon: int = 12,
    n_origins: int = 4,
    step: int = 1,
    models: Sequence[str] = MODELS,
    levels: Sequence[int] = (80, 95),
    season_length: int | None = None,
    select_by: str = "mase",
    engine: str = "numpy",
    n_jobs: int = 1,
    progress: bool = False,
) -> ForecastResult:
    """Backtest-selected forecasts with intervals for many count series in one call.

    Parameters
    ----------
    df : DataFrame
        Tidy counts: ``keys`` + ``month`` (Period, monthly or quarterly) + ``count`` (>= 0).
        Every series must cover the same run of periods without gaps.
    keys : sequence of str
        Columns identifying a series.
    horizon, n_origins, step : int
        Rolling-origin design: training lengths ``n - horizon - step*(n_origins-1-i)``
        for ``i = 0..n_origins-1``, each forecasting ``horizon`` periods.
    models : sequence of str
        From ``snaive``, ``drift``, ``ets``, ``sarima``, ``combo`` (all by default).
    levels : sequence of int
        Central prediction-interval levels in percent.
    season_length : int, optional
        Default 12 for monthly and 4 for quarterly periods.
    select_by : {"mase", "smape"}
        Backtest score that selects the model of each series (lowest mean wins).
    engine : {"numpy", "statsmodels"}
        ``ets`` and ``sarima`` implementation: vectorised over all series (fast) or
        statsmodels ``ETSModel`` / ``SARIMAX`` fitted per series and origin (reference, slow).
    n_jobs : int
        Worker processes (series split into ``n_jobs`` blocks); 1 runs in process.
    progress : bool
        Show a tqdm bar over blocks of series.

    Returns
    -------
    ForecastResult
        ``forecasts`` (keys, month, model, mean, lo_80, hi_80, lo_95, hi_95, is_selected) for
        the ``horizon`` periods after the data, every model refitted on the whole series;
        ``backtest`` (keys, origin, month, model, actual, mean, lo_*, hi_*) where ``origin``
        is the first forecast period; ``accuracy`` (keys, model, mase, smape, coverage_*,
        n_origins, selected); ``selected`` (keys, model, reason); ``history`` (copy of ``df``);
        ``fallbacks`` (keys, model, origin, reason) for every replaced forecast.

    Raises
    ------
    DataValidationError
        Missing columns, non-period or non-monthly/quarterly ``month``, missing or negative
        counts, duplicate months, gaps, or series shorter than
        ``2*season_length + horizon + step*(n_origins-1)`` periods.
    ParameterError
        Unknown model, engine or score; horizon, n_origins, step or n_jobs below 1.

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
    if not levels or any(not 0 < lv < 100 for lv in levels):
        raise ParameterError(f"levels must be percentages strictly between 0 and 100 (got {levels})")
    keys = list(keys)
    index, y, periods = _to_matrix(df, keys)
    m = season_length or (12 if periods.freqstr.startswith("M") else 4)
    if m < 2:
        raise ParameterError(f"season_length must be >= 2 (got {m})")
    S, n = y.shape
    need = 2 * m + horizon + step * (n_origins - 1)
    if n < need:
        raise DataValidationError(f"series have {n} periods ({periods[0]} to {periods[-1]}); need at least "
                                  f"2 x {m} (two seasons) + horizon {horizon} + step {step} x (n_origins "
                                  f"{n_origins} - 1) = {need}", column="month",
                                  fix="use a longer history, a shorter horizon or fewer origins")
    origins = [n - horizon - step * (n_origins - 1 - i) for i in range(n_origins)]
    blocks = _split_rows(S, min(n_jobs, S)) if n_jobs > 1 else [np.arange(S)]
    if engine == "numpy" and n_jobs == 1 and S > 200:
        blocks = _split_rows(S, int(np.ceil(S / 200)))  # bounds memory of the grid filter
    args = [(y[b], m, horizon, origins, models, levels, engine) for b in blocks]
    if n_jobs > 1 and len(blocks) > 1:
        with ProcessPoolExecutor(max_workers=min(n_jobs, len(blocks))) as pool:
            parts = list(tqdm(pool.map(_run_block, *zip(*args)), total=len(args), desc="forecast blocks",
                              disable=not progress))
    else:
        parts = [_run_block(*a) for a in tqdm(args, desc="forecast blocks", disable=not progress)]
    return _assemble(parts, blocks, index, y, periods, m, horizon, origins, models, levels, select_by, df, step)


def _assemble(parts, blocks, index, y, periods, m, horizon, origins, models, levels, select_by, df, step
              ) -> ForecastResult:
    S, n = y.shape
    order = np.concatenate(blocks)
    value_keys = ["mean", *[f"{p}_{lv}" for lv in levels for p in ("lo", "hi")]]

    def stitched(o: int, model: str) -> dict[str, np.ndarray]:
        out = {}
        for k in value_keys:
            full = np.empty((S, horizon))
            full[order] = np.vstack([p["fc"][o][model][k] for p in parts])
            out[k] = full
        return out

    rows = np.repeat(np.arange(S), horizon)
    bt_frames, score_frames = [], []
    for o in origins:
        actual = y[:, o:o + horizon]
        train = y[:, :o]
        scale = np.mean(np.abs(train[:, m:] - train[:, :-m]), axis=1)
        months = periods[np.tile(np.arange(o, o + horizon), S)]
        for model in models:
            d = stitched(o, model)
            err = np.abs(actual - d["mean"])
            den = np.abs(actual) + np.abs(d["mean"])
            sc = {"series": np.arange(S), "model": model, "origin": str(periods[o]),
                  "mase": np.where(scale > 0, err.mean(axis=1) / np.where(scale > 0, scale, 1), np.nan),
                  "smape": np.where(den == 0, 0.0, 200 * err / np.where(den == 0, 1, den)).mean(axis=1)}
            for lv in levels:
                sc[f"coverage_{lv}"] = ((actual >= d[f"lo_{lv}"]) & (actual <= d[f"hi_{lv}"])).mean(axis=1)
            score_frames.append(pd.DataFrame(sc))
            bt_frames.append(pd.DataFrame({"series": rows, "origin": str(periods[o]), "month": months, "model": model,
                                           "actual": actual.ravel(), **{k: v.ravel() for k, v in d.items()}}))
    scores = pd.concat(score_frames, ignore_index=True)
    metric_cols = ["mase", "smape", *[f"coverage_{lv}" for lv in levels]]
    accuracy = scores.groupby(["series", "model"], sort=False)[metric_cols].mean().reset_index()
    accuracy["n_origins"] = len(origins)
    rank = accuracy.assign(_key=accuracy[select_by].fillna(np.inf),
                           _tie=accuracy["smape"] if select_by == "mase" else accuracy["mase"].fillna(np.inf),
                           _pref=accuracy["model"].map({mdl: i for i, mdl in enumerate(models)}))
    best = rank.sort_values(["series", "_key", "_tie", "_pref"]).groupby("series", sort=True).head(1)
    chosen = best.set_index("series")["model"]
    accuracy["selected"] = accuracy["model"].to_numpy() == chosen.reindex(accuracy["series"]).to_numpy()

    future = pd.period_range(periods[-1] + 1, periods=horizon, freq=periods.freq)
    fc_frames = [pd.DataFrame({"series": rows, "month": future[np.tile(np.arange(horizon), S)], "model": model,
                               **{k: v.ravel() for k, v in stitched(n, model).items()}}) for model in models]
    forecasts = pd.concat(fc_frames, ignore_index=True)
    forecasts["is_selected"] = forecasts["model"].to_numpy() == chosen.reindex(forecasts["series"]).to_numpy()

    sel_acc = best.set_index("series")
    snaive_mase = accuracy[accuracy["model"] == "snaive"].set_index("series")["mase"] if "snaive" in models else None
    reasons = []
    for i in range(S):
        r = sel_acc.loc[i]
        if np.isfinite(r[select_by]):
            text = f"lowest mean backtest {select_by.upper()} ({r[select_by]:.3f}) over {len(origins)} origins"
            if snaive_mase is not None and select_by == "mase":
                text += f"; seasonal naive {snaive_mase.loc[i]:.3f}"
        else:
            text = f"{select_by.upper()} undefined (history repeats exactly); lowest sMAPE ({r['smape']:.1f}%)"
        reasons.append(text)
    selected = pd.concat([index, pd.DataFrame({"model": chosen.reindex(range(S)).to_numpy(), "reason": reasons})],
                         axis=1)

    fb = []
    for part, block in zip(parts, blocks):
        for i, model, why, o in part["fallbacks"]:
            fb.append((int(block[i]), model, "final" if o == "final" else str(periods[o]), why))
    fallbacks = pd.DataFrame(fb, columns=["series", "model", "origin", "reason"])
    for _, r in fallbacks.head(20).iterrows():
        log.warning("forecast fallback: series %s, %s at origin %s: %s", index.iloc[r["series"]].to_dict(),
                    r["model"], r["origin"], r["reason"])
    if len(fallbacks) > 20:
        log.warning("%d further forecast fallbacks (see ForecastResult.fallbacks)", len(fallbacks) - 20)

    model_rank = {mdl: i for i, mdl in enumerate(models)}

    def attach(frame: pd.DataFrame) -> pd.DataFrame:
        """Order rows by series, model (as given), origin and month; put the key columns first."""
        sort = ["series", "_m", *[c for c in ("origin", "month") if c in frame.columns]]
        frame = (frame.assign(_m=frame["model"].map(model_rank)).sort_values(sort, kind="stable")
                 .drop(columns="_m") if len(frame) else frame)
        keys = index.iloc[frame["series"].to_numpy()].reset_index(drop=True)
        return pd.concat([keys, frame.drop(columns="series").reset_index(drop=True)], axis=1)

    return ForecastResult(
        forecasts=attach(forecasts), backtest=attach(pd.concat(bt_frames, ignore_index=True)),
        accuracy=attach(accuracy), selected=selected, history=df.copy(), fallbacks=attach(fallbacks),
        settings={"keys": list(index.columns), "horizon": horizon, "n_origins": len(origins), "step": step,
                  "season_length": m, "models": list(models), "levels": list(levels), "select_by": select_by},
    )


# --------------------------------------------------------------------------- hierarchies and reconciliation

@dataclass(frozen=True)
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
                                      fix=f"add them to groups or filter them out")
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
    settings (model selected per node by the backtest); MinT uses the backtest errors of the
    selected models as residuals. ``levels`` are key columns from top to bottom; with
    ``groups`` (e.g. ``{"Warwickshire and West Mercia": [...forces]}``) an ``alliance``
    level is added on top.

    Returns
    -------
    DataFrame
        ``node, month, base, coherent`` (labels as in :func:`build_hierarchy`);
        ``attrs["S"]``, ``attrs["labels"]`` (tuples) and ``attrs["hierarchy"]``.

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
    h = build_hierarchy(result.history, lv, groups=groups)
    nodes = aggregate_hierarchy(result.history, h, groups=groups)
    s = result.settings
    node_fc = forecast_many(nodes, keys=("node",), horizon=s["horizon"], n_origins=s["n_origins"], step=s["step"],
                            models=s["models"], levels=s["levels"], season_length=s["season_length"],
                            select_by=s["select_by"])
    sel = node_fc.forecasts[node_fc.forecasts["is_selected"]]
    bt = node_fc.backtest.merge(node_fc.selected[["node", "model"]], on=["node", "model"])
    residuals = bt.assign(err=bt["actual"] - bt["mean"]).pivot_table(index=["origin", "month"], columns="node",
                                                                     values="err", observed=True)
    out = reconcile(sel, h, method=method, residuals=residuals if method == "mint_shrink" else None)
    out.attrs["S"] = h.S
    out.attrs["labels"] = [tuple(nd.split("|")) for nd in h.nodes]
    out.attrs["hierarchy"] = h
    return out
