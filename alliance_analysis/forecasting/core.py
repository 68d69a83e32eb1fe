"""The entry point :func:`forecast_many` and its result :class:`ForecastResult`.

``forecast_many`` validates the parameters and the input (:mod:`.inputs`), works out the
backtest origins and which models can run (:func:`.models.min_length`; the others are listed
in ``skipped``), sizes chunks from the memory budget, estimates the interval calibration from
a fixed sample of series so chunking does not change results, processes the chunks in process
or on Dask (:mod:`.backtest`) and joins their frames.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from alliance_analysis.errors import DataValidationError, ParameterError
from alliance_analysis.forecasting.backtest import (
    CALIB_SERIES,
    _block_scores,
    _bytes_per_series,
    _Config,
    _map,
    _process_chunk,
    _quantiles,
    _sparse_rows,
)
from alliance_analysis.forecasting.breaks import OFFENCE_KEYS, impute_shocks, regime_starts, shock_mask
from alliance_analysis.forecasting.inputs import _to_matrix, _wide_input, season_length_of, time_column
from alliance_analysis.forecasting.models import DEFAULT_MODELS, MODELS, _run_block, min_length

log = logging.getLogger(__name__)

_LIBC: list = []


def _release_free_heap() -> None:
    """Hand freed heap pages back to the operating system (glibc ``malloc_trim(0)``).

    The per-chunk arrays are small enough to live on the C heap, whose free pages glibc keeps
    resident; without this the peak RSS of a national run grows with the number of chunks
    even though the memory is free. A no-op where glibc is not available.

    Examples
    --------
    >>> _release_free_heap()   # never raises
    """
    if not _LIBC:
        try:
            import ctypes

            libc = ctypes.CDLL("libc.so.6")
            _LIBC.append(libc.malloc_trim)
        except (OSError, AttributeError):
            _LIBC.append(None)
    if _LIBC[0] is not None:
        _LIBC[0](0)


def _join(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """``pd.concat(parts, ignore_index=True)`` column by column, emptying ``parts`` as it goes.

    Each column is joined and then deleted from every part, so the peak is the joined frame
    plus one column of the parts rather than twice the frame (at national scale the
    forecasts frame alone is about 0.4 GB). The caller must not reuse ``parts``. Parts with
    differing columns, or a single part, are joined with ``pd.concat`` as before.

    Examples
    --------
    >>> a, b = pd.DataFrame({"k": [1], "v": [0.5]}), pd.DataFrame({"k": [2], "v": [1.5]})
    >>> expected = pd.concat([a, b], ignore_index=True)
    >>> _join([a, b]).equals(expected), list(a.columns)   # a and b are emptied
    (True, [])
    """
    cols = list(parts[0].columns)
    if len(parts) == 1 or any(list(p.columns) != cols for p in parts) or len(set(cols)) != len(cols):
        return pd.concat(parts, ignore_index=True)
    out = {}
    for c in cols:
        out[c] = pd.concat([p[c] for p in parts], ignore_index=True)
        for p in parts:
            del p[c]
        _release_free_heap()
    return pd.DataFrame(out, copy=False)


AUTO_ORIGINS = 24


def _check_holdout(holdout: int | None, n_origins: int) -> int:
    """The number of hold-out origins (default ``n_origins // 2``), checked.

    Examples
    --------
    >>> _check_holdout(None, 24), _check_holdout(0, 1)
    (12, 0)
    """
    n_hold = n_origins // 2 if holdout is None else holdout
    if not isinstance(n_hold, (int, np.integer)) or not 0 <= n_hold < n_origins:
        raise ParameterError(f"holdout must be an integer from 0 to n_origins - 1 = {n_origins - 1} (got {holdout!r}); "
                             "selection needs at least one origin")
    return int(n_hold)


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
    n_origins: int | None = None,
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
    keep: str = "selected",
    select: str = "combination",
    breaks: pd.DataFrame | None = None,
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
        for ``i = 0..n_origins-1``, each forecasting ``horizon`` periods. ``n_origins=None``
        (default): as many origins as the data allow, at most :data:`AUTO_ORIGINS` (24), the
        first with at least ``m + 1`` training periods. More origins calibrate the intervals on
        more varied errors (on the real quarterly series 4 origins gave 80% intervals that held
        about 6 times in 10, 24 origins about 8 in 10).
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
    keep : {"selected", "all"}
        ``"selected"`` (default): only the selected model's final forecasts and no backtest
        rows, and ``history`` is the input itself rather than a copy (it is never modified);
        the output is bounded (60,000 monthly series x 120 months with every argument at its
        default, 24 origins: 506 MB peak, ``benchmarks/bench_scaling_forecast.py --defaults``). ``"all"``: every
        model's final forecasts and the full backtest, on request.
    select : {"combination", "backtest"}
        ``"combination"`` (default): every regular series gets the robust default, the median
        of exponential smoothing, seasonal ARIMA and Theta (``combo``; ``ets`` when the
        combination is not requested), and intermittent series ``sba``: per-series selection
        on a few origins is noisy and lost accuracy on the real police series. ``"backtest"``:
        the nested selection described in the module docstring.
    breaks : DataFrame, optional
        Declared data breaks (:func:`alliance_analysis.taxonomy.data_breaks` columns ``start``,
        ``end``, ``kind``, ``offence_groups``): periods of an ``external shock`` (the lockdowns)
        are treated as missing when the models are fitted (see :func:`shock_mask`), so a
        forecast made from a lockdown quarter does not project the dip forward. A change of
        ``recording practice`` (the 2014-16 uplift) covers the offence groups it names and
        series that are totals over offences (no key column named like ``offence_group`` or
        ``crime_type``, :data:`~alliance_analysis.forecasting.breaks.OFFENCE_KEYS`): while it is
        in force and once a full season has been recorded since it began, ETS and Theta keep
        the whole history's season and take level and trend from the data since it began (the
        seasonal AR is refitted on that data after ``2m + 8`` periods); the count of such
        series is ``settings["regime_series"]`` (see
        :func:`~alliance_analysis.forecasting.breaks.regime_starts`). Reclassifications are not
        adjusted (the burglary total is comparable across the 2017 change).
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
    for name, v in (("horizon", horizon), ("n_origins", 1 if n_origins is None else n_origins), ("step", step),
                    ("n_jobs", n_jobs)):
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
    if select not in ("combination", "backtest"):
        raise ParameterError(f"select must be 'combination' or 'backtest' (got {select!r})")
    if not levels or any(not 0 < lv < 100 for lv in levels):
        raise ParameterError(f"levels must be percentages strictly between 0 and 100 (got {levels})")
    if not 0 <= min_improvement < 1:
        raise ParameterError(f"min_improvement must be in [0, 1) (got {min_improvement!r})")
    if not memory_budget_mb > 0:
        raise ParameterError(f"memory_budget_mb must be positive (got {memory_budget_mb!r})")
    if n_origins is not None:
        _check_holdout(holdout, n_origins)
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
    y_fit = y
    n_shock = 0
    starts = None
    if breaks is not None:
        cats = index.iloc[:, -1].astype(str).tolist() if index.shape[1] else None
        mask = shock_mask(periods, breaks, cats)
        n_shock = int(mask.any(axis=0).sum())
        if mask.any():
            y_fit = impute_shocks(y, mask, m)
            log.info("%d shock periods treated as missing when fitting", n_shock)
        # totals over offences (no offence or crime-type key) contain every offence-specific change
        is_total = not any(str(c).lower() in OFFENCE_KEYS for c in index.columns)
        starts = regime_starts(periods, breaks, cats if cats is not None else [""] * S, is_total)
        if not starts[:, 0].any():
            starts = None
        else:
            log.info("%d series fitted from their last recording-practice change once a season has passed",
                     int((starts[:, 0] > 0).sum()))
    if n_origins is None:
        n_origins = int(max(1, min(AUTO_ORIGINS, (n - horizon - (m + 1)) // step + 1)))
    n_hold = _check_holdout(holdout, n_origins)
    origins = tuple(n - horizon - step * (n_origins - 1 - i) for i in range(n_origins))
    first = origins[0]
    need = {mdl: min_length(mdl, m) for mdl in {*models, "ets", "theta", "sarima"}}
    need_any = min((need[mdl] for mdl in models if need[mdl] is not None), default=None)
    if need_any is None or first < need_any:
        req = need_any if need_any is not None else m + 1
        raise DataValidationError(
            f"series have {n} periods ({periods[0]} to {periods[-1]}): the first backtest origin has {max(first, 0)} "
            f"training periods, fewer than any requested model needs ({req}: e.g. snaive needs m + 1 = {m + 1}); "
            f"need at least {req} + horizon {horizon} + step {step} x (n_origins {n_origins} - 1) = "
            f"{req + horizon + step * (n_origins - 1)}", column=tname,
            fix="use a longer history, a shorter horizon or fewer origins")
    skipped_rows = []
    rule = {"sarima": "2m+8", "ets": "two full seasons, 2m", "theta": "two full seasons, 2m",
            "combo": "two full seasons, 2m"}
    for mdl in models:
        if need[mdl] is None:
            skipped_rows.append((mdl, f"needs a seasonal period m >= 2 (this data has m = {m})"))
        elif n < need[mdl]:
            skipped_rows.append((mdl, f"needs {need[mdl]} training periods ({rule.get(mdl, 'm+1')}, m = {m}); "
                                      f"the series have {n}"))
    # a model runs wherever its own minimum is met: on the whole series for the final forecast,
    # and at the backtest origins that are long enough (shorter origins leave it unscored there)
    run = [mdl for mdl in models if need[mdl] is not None and n >= need[mdl]]
    partial = {mdl: need[mdl] for mdl in run if first < need[mdl]}
    for mdl, k in partial.items():
        log.info("model %s is scored only at backtest origins with at least %d training periods", mdl, k)
    compute = list(run)
    for dep in ("ets", "theta", "sarima"):
        if "combo" in run and dep not in compute and need[dep] is not None and n >= need[dep]:
            compute.append(dep)
    if "sarima" in run and "ets" not in compute:
        compute.append("ets")  # its fallback
    for mdl, why in skipped_rows:
        log.warning("model %s not run: %s", mdl, why)
    cfg = _Config(m=m, horizon=horizon, origins=origins, n_sel=n_origins - n_hold, run=tuple(compute),
                  levels=tuple(levels), engine=engine, select_by=select_by, intervals=intervals, keep=keep,
                  min_improvement=float(min_improvement), periods=periods, time=tname,
                  candidates=tuple(run), select=select,
                  need=tuple((mdl, int(need[mdl] if mdl in need else min_length(mdl, m) or 0)) for mdl in compute))
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
                part = _block_scores(_run_block(y_fit[sample[a:a + chunk]], m, horizon, origins, compute, levels,
                                                engine, dict(cfg.need),
                                                None if starts is None else starts[sample[a:a + chunk]]), ys, cfg)
                for mdl in compute:
                    scores[mdl].append(part[mdl])
            calib = _quantiles({k: np.concatenate(v) for k, v in scores.items()}, cfg, _sparse_rows(y[sample], cfg))
    items = [(y[a:b], index.iloc[a:b], cfg, calib, None if y_fit is y else y_fit[a:b],
              None if starts is None else starts[a:b]) for a, b in bounds]
    if workers or client is not None:
        parts = _map(items, workers, client, progress)
    else:
        parts = []
        for it in tqdm(items, desc="forecast chunks", disable=not progress):
            parts.append(_process_chunk(*it))
            _release_free_heap()  # the chunk's working arrays
    drop = [mdl for mdl in compute if mdl not in run]
    frames = {}
    for name in ("forecasts", "backtest", "accuracy", "selected", "fallbacks"):
        got = [p.pop(name) for p in parts if name in p]  # each chunk's frame is released once joined
        frames[name] = _join(got) if got else pd.DataFrame(
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
                  "select": select, "keep": keep, "shock_periods": n_shock,
                  "regime_series": 0 if starts is None else int((starts[:, 0] > 0).sum()),
                  "partly_backtested": partial,
                  "chunk_size": chunk, "n_chunks": len(bounds)},
    )
