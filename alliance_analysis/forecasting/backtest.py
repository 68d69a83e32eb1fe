"""Rolling-origin backtests of one chunk of series: calibrated intervals, metrics, selection, frames.

``conformal_quantiles`` and the helpers around it rebuild interval bounds from out-of-sample
backtest errors (split-conformal, studentised); ``_process_chunk`` backtests, scores, selects
(nested: selection origins choose, hold-out origins score) and assembles the tidy frames of
one chunk in series-model-origin-period order without sorting; ``_process_item`` and
``_map`` send chunks to Dask (module-level so they pickle); ``_bytes_per_series`` sizes the
chunks from the memory budget.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import ndtri

from alliance_analysis.forecasting import _ets
from alliance_analysis.forecasting.models import INTERMITTENT_MODELS, _run_block

log = logging.getLogger(__name__)

CALIB_SERIES = 2000
CALIB_RECENT: int | None = None
"""Origins whose quantiles may widen the all-origin ones (:func:`recent_or_all_quantiles`);
``None`` (default): plain split-conformal quantiles of every origin. The widening (the last
``horizon`` origins) was the default while the 2014-16 recording change was not in the
models; with level and trend following the change it only widened the intervals: on the
shipped quarterly panels (bench_forecast_real.py, 17 origins) pooled 80% / 95% coverage and
scaled interval score went from 0.867 / 0.965 / 14.50 to 0.795 / 0.948 / 13.49 (force x
offence group), 0.830 / 0.963 / 12.61 to 0.765 / 0.928 / 11.71 (force totals) and
0.868 / 0.975 / 10.26 to 0.738 / 0.958 / 9.03 (alliance totals) without it (chosen on those
origins)."""
CALIB_MIN = 20
CALIB_PER_STEP = 200
INTERMITTENT_SHARE = 0.5


# --------------------------------------------------------------------------- calibrated intervals

def _spread(d: Mapping[str, np.ndarray], lv: int) -> np.ndarray:
    """Model log-scale spread per step: ``(log1p(hi_lv) - log1p(mean)) / z_lv``, floored at 0.01."""
    z = float(ndtri(0.5 + lv / 200))
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
    """Studentised log errors; NaN where the model's interval has no width (spread at the 0.01 floor).

    A zero-width interval (an all-zero history forecast as zero) carries no scale: one later
    record then scores ``log1p(1) / 0.01 = 69``, and such scores made the pooled quantiles
    explode (95% bounds of tens of thousands on series that had one crime in two years).

    Examples
    --------
    >>> d = {"mean": np.array([[10.0, 0.0]]), "hi_80": np.array([[20.0, 0.0]])}
    >>> r = _scores(d, np.array([[12.0, 1.0]]), 80)
    >>> round(float(r[0, 0]), 3), bool(np.isnan(r[0, 1]))   # (log 13 - log 11) / ((log 21 - log 11) / 1.2816)
    (0.331, True)
    """
    s = _spread(d, lv)
    return np.where(s > 0.01, (np.log1p(actual) - np.log1p(d["mean"])) / s, np.nan)


def recent_or_all_quantiles(r: np.ndarray, levels: Sequence[int], recent: int
                            ) -> dict[int, tuple[np.ndarray, np.ndarray]] | None:
    """The wider of the conformal quantiles of all origins and of the most recent ``recent`` ones.

    ``r`` is (series, origins, h) in origin order. Errors of police series change with the
    recording climate (the 2014-16 uplift, the lockdowns): bounds from many past origins lag a
    change, bounds from the last few are noisy. Taking, per level and step, the lower of the
    two lower quantiles and the higher of the two upper ones widens the intervals as soon as
    recent errors grow and keeps the long-run width otherwise. With ``recent`` at least the
    number of origins (or too few recent scores) it is :func:`conformal_quantiles` of all.

    Examples
    --------
    >>> r = np.stack([np.linspace(-1, 1, 50), np.linspace(-3, 3, 50)], axis=1)[:, :, None]  # 50 series, 2 origins
    >>> q = recent_or_all_quantiles(r, (80,), 1)[80]   # the last origin alone: 50 scores from -3 to 3
    >>> round(float(q[1][0]), 4), round(-3 + 45 * 6 / 49, 4)   # rank ceil(51 x 0.9) = 46 of 50
    (2.5102, 2.5102)
    """
    base = conformal_quantiles(r, levels)
    if base is None or r.shape[1] <= recent:
        return base
    late = conformal_quantiles(r[:, -recent:], levels)
    if late is None:
        return base
    return {lv: (np.minimum(base[lv][0], late[lv][0]), np.maximum(base[lv][1], late[lv][1])) for lv in levels}


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
    select: str = "backtest"
    need: tuple[tuple[str, int], ...] = ()


def _block_scores(raw: dict, y: np.ndarray, cfg: _Config) -> dict[str, np.ndarray]:
    actual = np.stack([y[:, o:o + cfg.horizon] for o in cfg.origins], axis=1)
    return {mdl: _scores(d, actual, max(cfg.levels)) for mdl, d in raw["bt"].items()}


def _sparse_rows(y: np.ndarray, cfg: _Config) -> np.ndarray:
    """Series that are mostly zeros before the last selection origin (the ``intermittent`` flag)."""
    return (y[:, :cfg.origins[cfg.n_sel - 1]] == 0).mean(axis=1) >= INTERMITTENT_SHARE


def _quantiles(scores: dict[str, np.ndarray], cfg: _Config, sparse: np.ndarray | None = None
               ) -> dict[str, dict[str, dict | None]]:
    """Calibration quantiles per model: ``sel`` (selection origins) and ``all``, from the regular
    series, and under ``sparse`` the same from the mostly-zero series (``sparse`` a row mask).

    Regular and mostly-zero series are calibrated apart: their studentised errors are on
    different footings (a near-zero forecast with a very narrow interval scores one later crime
    as dozens of spreads), and pooled quantiles from the mix made the regular series' 95%
    bounds several times too wide. A group with too few scores borrows the other's quantiles.
    """
    def pair(r: np.ndarray) -> dict[str, dict | None]:
        recent = CALIB_RECENT if CALIB_RECENT is not None else r.shape[1]  # None: every origin alike
        return {"sel": recent_or_all_quantiles(r[:, :cfg.n_sel], cfg.levels, recent),
                "all": recent_or_all_quantiles(r, cfg.levels, recent)}

    out = {}
    split = sparse is not None and 0 < int(np.sum(sparse)) < len(sparse)
    for mdl, r in scores.items():
        if split:
            reg, spa = pair(r[~sparse]), pair(r[sparse])
            out[mdl] = {k: reg[k] if reg[k] is not None else spa[k] for k in reg}
            out[mdl]["sparse"] = {k: spa[k] if spa[k] is not None else reg[k] for k in spa}
        else:
            out[mdl] = pair(r)
            out[mdl]["sparse"] = None
        if out[mdl]["all"] is None:
            log.info("%s: fewer than %d backtest errors; model intervals kept (not calibrated)", mdl, CALIB_MIN)
    return out


def _calibrated(d: Mapping[str, np.ndarray], q: Mapping, which: str, sparse: np.ndarray,
                levels: Sequence[int]) -> dict[str, np.ndarray]:
    """:func:`_apply_calibration` with the regular quantiles, and the mostly-zero ones on ``sparse`` rows."""
    out = _apply_calibration(d, q[which], levels)
    if q.get("sparse") is not None and sparse.any():
        rows = np.flatnonzero(sparse)
        part = _apply_calibration({k: v[rows] for k, v in d.items()}, q["sparse"][which], levels)
        out = {k: np.array(v, copy=True) for k, v in out.items()}
        for k in out:
            out[k][rows] = part[k]
    return out


def _fmt(x: np.ndarray) -> np.ndarray:
    return np.char.mod("%.3f", np.asarray(x, dtype=float))


def _process_chunk(y: np.ndarray, index: pd.DataFrame, cfg: _Config, calib: dict | None,
                   y_fit: np.ndarray | None = None, starts: np.ndarray | None = None) -> dict:
    """Backtest, select, calibrate and forecast the rows of ``y``; tidy frames built from arrays.

    Rows come out ordered by series (as in ``y``), model (as in ``cfg.run``), origin and period,
    by construction (no sorting). ``calib`` None: quantiles from this chunk itself. ``y_fit``: the
    series the models are fitted on (shock periods imputed); ``y`` (recorded) scores them.
    ``starts``: per series, the first period after a declared recording-practice change (see
    :func:`alliance_analysis.forecasting.models._run_block`).
    """
    S, n = y.shape
    h, m, O, M = cfg.horizon, cfg.m, len(cfg.origins), len(cfg.run)
    n_sel = cfg.n_sel
    levels = list(cfg.levels)
    value_keys = ["mean", *[f"{p}_{lv}" for lv in levels for p in ("lo", "hi")]]
    raw = _run_block(y if y_fit is None else y_fit, m, h, cfg.origins, cfg.run, levels, cfg.engine, dict(cfg.need),
                     starts)
    sparse = _sparse_rows(y, cfg)
    if cfg.intervals == "calibrated" and calib is None:
        calib = _quantiles(_block_scores(raw, y, cfg), cfg, sparse)
    actual = np.stack([y[:, o:o + h] for o in cfg.origins], axis=1)  # (S, O, h)
    scale = np.stack([np.mean(np.abs(y[:, m:o] - y[:, :o - m]), axis=1) for o in cfg.origins], axis=1)  # (S, O)
    bt: dict[str, dict[str, np.ndarray]] = {}
    final: dict[str, dict[str, np.ndarray]] = {}
    for mdl in cfg.run:
        d, f = raw["bt"][mdl], raw["final"][mdl]
        if cfg.intervals == "calibrated":
            hold = _calibrated({k: v[:, n_sel:] for k, v in d.items()}, calib[mdl], "sel", sparse, levels)
            d = {k: np.concatenate([d[k][:, :n_sel], hold[k]], axis=1) for k in value_keys}
            f = _calibrated(f, calib[mdl], "all", sparse, levels)
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
        ran = np.isfinite(f).all(axis=2)  # False at origins shorter than the model's minimum
        for lv in levels:
            inside = ((actual >= bt[mdl][f"lo_{lv}"]) & (actual <= bt[mdl][f"hi_{lv}"])).mean(axis=2)
            cover[lv][:, k] = np.where(ran, inside, np.nan)
    n_hold = O - n_sel
    with warnings.catch_warnings():
        # all-NaN slices: MASE where the history repeats exactly, models not run at short origins
        warnings.simplefilter("ignore", RuntimeWarning)
        metric_o = mase_o if cfg.select_by == "mase" else smape_o
        sel_score = np.nanmean(metric_o[:, :, :n_sel], axis=2)
        sel_smape = np.nanmean(smape_o[:, :, :n_sel], axis=2)
        hold_score = np.nanmean(metric_o[:, :, n_sel:], axis=2) if n_hold else np.full((S, M), np.nan)
        mase_all = np.nanmean(mase_o, axis=2)
        smape_all = np.nanmean(smape_o, axis=2)
        cov_span = slice(n_sel, O) if n_hold else slice(0, O)
        coverage = {lv: np.nanmean(cover[lv][:, :, cov_span], axis=2) for lv in levels}
    flag = np.zeros((S, M), bool)
    for lv in levels:
        flag |= coverage[lv] < lv / 100 - 0.10
    # selection on the selection origins only, among the candidates of each series
    intermittent = sparse  # mostly zeros before the last selection origin
    is_int_model = np.array([mdl in INTERMITTENT_MODELS for mdl in cfg.run])
    is_int_cand = is_int_model | (np.array(cfg.run) == "snaive")
    cand = np.where(intermittent[:, None], is_int_cand[None, :], ~is_int_model[None, :])
    requested = np.array([mdl in (cfg.candidates or cfg.run) for mdl in cfg.run])
    cand &= requested[None, :]
    cand[~cand.any(axis=1)] = requested
    key = np.where(cand & np.isfinite(sel_score), sel_score, np.inf)
    undefined = ~np.isfinite(key).any(axis=1)
    key[undefined] = np.where(cand[undefined] & np.isfinite(sel_smape[undefined]), sel_smape[undefined], np.inf)
    none_scored = ~np.isfinite(key).any(axis=1)  # no candidate ran at any selection origin
    key[none_scored] = np.where(cand[none_scored], 0.0, np.inf)
    best = np.argmin(key, axis=1)
    pos = {mdl: i for i, mdl in enumerate(cfg.run)}
    ok_pos = {mdl: i for i, mdl in enumerate(cfg.run) if requested[i]}
    reg_default = ok_pos.get("combo", ok_pos.get("ets", -1))
    int_default = next((ok_pos[k] for k in ("sba", "tsb", "croston") if k in ok_pos), -1)
    default = np.where(intermittent, int_default, reg_default)
    rows = np.arange(S)
    dsafe = np.maximum(default, 0)
    d_ok = (default >= 0) & cand[rows, dsafe] & np.isfinite(key[rows, dsafe]) & ~undefined
    clearly = key[rows, best] < (1 - cfg.min_improvement) * key[rows, dsafe]
    use_default = d_ok & ~clearly & (best != dsafe)
    if cfg.select == "combination":  # the robust default wherever it runs; no per-series selection (also
        use_default = (default >= 0) & cand[rows, dsafe]  # where too few origins were long enough to score it)
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
    if cfg.select == "combination":
        fixed = np.char.add(np.char.add("fixed robust default (backtest selection off; best on selection origins ",
                                        best_txt), ")")
        reason = np.where(use_default, fixed, reason)
    reason = np.where(undefined, f"{metric} undefined (history repeats exactly); lowest selection-origin sMAPE",
                      reason)
    reason = np.char.add(kind, reason.astype(str))
    if n_hold:
        reason = np.char.add(reason, np.char.add(f"; hold-out {metric} ", _fmt(hold_score[rows, chosen])))
        reason = np.char.add(reason, f" on {n_hold} later origins")
    if "snaive" in pos and cfg.select_by == "mase":
        reason = np.char.add(reason, np.char.add("; seasonal naive ", _fmt(sel_score[:, pos["snaive"]])))
    is_sel = chosen[:, None] == np.arange(M)[None, :]
    # ---- frames, built in series-model-origin-period order; copy=False keeps one block per
    # column (no consolidation copy), so the join in core can release chunk columns one by one
    out: dict[str, pd.DataFrame] = {}
    future = pd.period_range(cfg.periods[-1] + 1, periods=h, freq=cfg.periods.freq)

    def keys_rep(times: int) -> pd.DataFrame:
        return index.iloc[np.repeat(np.arange(S), times)].reset_index(drop=True)

    if cfg.keep == "all":
        vals = {k: np.stack([final[mdl][k] for mdl in cfg.run], axis=1).ravel() for k in value_keys}
        fc = pd.DataFrame({cfg.time: future[np.tile(np.arange(h), S * M)],
                           "model": np.tile(np.repeat(run_arr, h), S), **vals,
                           "is_selected": np.repeat(is_sel.ravel(), h)}, copy=False)
        out["forecasts"] = pd.concat([keys_rep(M * h), fc], axis=1)
        origin_labels = np.array([str(cfg.periods[o]) for o in cfg.origins], dtype=object)
        tpos = (np.asarray(cfg.origins)[:, None] + np.arange(h)[None, :]).ravel()
        bvals = {k: np.stack([bt[mdl][k] for mdl in cfg.run], axis=1).ravel() for k in value_keys}
        btf = pd.DataFrame({"origin": np.tile(np.repeat(origin_labels, h), S * M),
                            cfg.time: cfg.periods[np.tile(tpos, S * M)],
                            "model": np.tile(np.repeat(run_arr, O * h), S),
                            "actual": np.repeat(actual[:, None], M, axis=1).ravel(), **bvals}, copy=False)
        out["backtest"] = pd.concat([keys_rep(M * O * h), btf], axis=1)
        if not np.isfinite(bvals["mean"]).all():  # origins shorter than a model's minimum: no rows
            out["backtest"] = out["backtest"][np.isfinite(bvals["mean"])].reset_index(drop=True)
    else:
        vals = {k: np.stack([final[mdl][k] for mdl in cfg.run], axis=1)[rows, chosen].ravel() for k in value_keys}
        fc = pd.DataFrame({cfg.time: future[np.tile(np.arange(h), S)], "model": np.repeat(run_arr[chosen], h),
                           **vals, "is_selected": True}, copy=False)
        out["forecasts"] = pd.concat([keys_rep(h), fc], axis=1)
    acc = pd.DataFrame({"model": np.tile(run_arr, S), "mase": mase_all.ravel(), "smape": smape_all.ravel(),
                        **{f"coverage_{lv}": coverage[lv].ravel() for lv in levels},
                        "n_origins": O, "selected": is_sel.ravel(),
                        "selection_score": sel_score.ravel(), "accuracy_holdout": hold_score.ravel(),
                        "coverage_flag": flag.ravel(), "intermittent": np.repeat(intermittent, M)}, copy=False)
    out["accuracy"] = pd.concat([keys_rep(M), acc], axis=1)
    out["selected"] = pd.concat([index.reset_index(drop=True),
                                 pd.DataFrame({"model": run_arr[chosen], "reason": reason.astype(object),
                                               "selection_score": key[rows, chosen],
                                               "accuracy_holdout": hold_score[rows, chosen],
                                               "coverage_flag": flag[rows, chosen]}, copy=False)], axis=1)
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
