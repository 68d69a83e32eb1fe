"""Crime trend forecasting: baselines, vectorised ETS, rolling-origin backtests, reconciliation.

Models (per series, on monthly, quarterly or annual counts; the point forecast of every
model is clipped at zero and so are all interval bounds):

``snaive``  seasonal naive (the last season repeated; the last value for annual data);
            normal intervals from the seasonal-difference residuals;
``drift``   random walk with drift; normal intervals widening with sqrt(h);
``ets``     additive Holt-Winters (ETS(A,N,A) or damped ETS(A,Ad,A); no seasonal
            term for annual data) on ``log1p(count)``; parameters chosen per series and origin
            from a grid by in-sample one-step error. ``engine="numpy"`` (default) filters all
            series and grid points at once (:mod:`alliance_analysis.forecasting._ets`);
            ``engine="statsmodels"`` fits statsmodels ``ETSModel`` per series (slow reference);
``sarima``  seasonal ARIMA(1,0,0)(1,1,0)_m with drift on ``log1p(count)`` (conditional least
            squares for all series at once, :mod:`alliance_analysis.forecasting._sarima`, or statsmodels
            ``SARIMAX`` with ``engine="statsmodels"``); needs a seasonal period (m >= 2);
``combo``   the mean of ``ets`` and ``sarima`` (point forecasts and bounds);
``croston``, ``sba``, ``tsb``  intermittent-demand methods (:mod:`alliance_analysis.forecasting._intermittent`),
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
per step are available and over all steps otherwise (``backtest.CALIB_RECENT`` set to a
number of origins widens them to the quantiles of the most recent origins where those are
wider, :func:`~alliance_analysis.forecasting.backtest.recent_or_all_quantiles`; off by default
since the declared recording change entered the point forecasts, see its note). Mostly-zero
series are calibrated apart from the regular ones, and errors of zero-width intervals
(spread at its floor) are left out: they made the pooled bounds explode. Quantiles come
from the selection origins for the hold-out rows of the backtest (so hold-out coverage is
honest) and from all origins for the final forecasts; at most 2,000 series (every k-th)
are used so results do not depend on chunking. With fewer than 20 scores the model's own
normal intervals are kept (logged). ``intervals="model"`` keeps the normal intervals throughout.

Scale: series are processed in chunks sized from ``memory_budget_mb`` (ETS grid filtered in
blocks of 128 series, BLAS pinned to one thread with threadpoolctl); output frames are built
from arrays in series, model, origin, period order (no sorting) and chunks give the same
result as one pass; chunk frames are joined column by column (each chunk column released
once joined) and freed heap pages are returned to the OS after each chunk (glibc
``malloc_trim``), so the peak is about the input plus the returned frames plus one chunk's
working memory. ``workers=``/``client=`` run the chunks on Dask
(:mod:`alliance_analysis.parallel`). For national runs pass a wide frame and
``keep="selected"`` (``benchmarks/bench_scaling_forecast.py``, 2 cores: 60,000 series x 120
months 22 s and 425 MB peak; 490,000 series 176 s and 1,593 MB peak, of which about 470 MB is
the input and 800 MB the returned frames; 2,183 MB before the column-wise join).

Declared data breaks (``breaks=``, :mod:`.breaks`): lockdown periods are treated as missing
when fitting; while a declared change of recording practice is in force, the series it covers
(the offence groups it names and totals over offences) keep the season of their whole history
and take level and trend from the data since the change began, once a full season of it
exists (``models._refit_since``). On the shipped quarterly series
(``benchmarks/bench_forecast_real.py``, 17 origins 2015 Q1 .. 2019 Q1, 8 quarters held out)
this and fitting a season wherever three full seasons exist took the default's pooled MASE
from 1.834 to 1.485 on the 43 force totals (AutoETS 1.715, the best rival), 1.763 to 1.302 on
the alliance totals (AutoARIMA 1.455) and 1.553 to 1.446 on force x offence group (AutoETS
1.544). The break rule was designed looking at those origins: no earlier origin has a
recording change in its hold-out.

Fallbacks: a forecast that raises at run time, is not finite, has a point forecast above 10x
the series maximum or a bound above 100x it is replaced by the next model in the chain and
recorded in ``ForecastResult.fallbacks``; nothing is returned NaN.

Package layout (every name below is importable from ``alliance_analysis.forecasting``):
:mod:`.metrics` (``mase``, ``smape``, ``interval_coverage``); :mod:`.inputs` (frame
validation, ``season_length_of``, ``time_column``); :mod:`.models` (baselines, ``MODELS``,
``min_length``, the fallback chain); :mod:`.backtest` (origins of one chunk, calibrated
intervals, ``conformal_quantiles``, selection, frame assembly, Dask tasks); :mod:`.core`
(``forecast_many``, ``ForecastResult``); :mod:`.hierarchy` (``Hierarchy``, ``build_hierarchy``,
``aggregate_hierarchy``, ``shrinkage_covariance``, ``reconcile_matrix``, ``reconcile``,
``reconcile_forecasts``). The vectorised engines stay in :mod:`alliance_analysis.forecasting._ets`,
:mod:`alliance_analysis.forecasting._sarima` and :mod:`alliance_analysis.forecasting._intermittent`.

May import: the foundation modules (``errors``, ``parallel``, ``progress``, ``clean``) and
``presentation``; the engines (``_ets``, ``_sarima``, ``_intermittent``, ``_intervals``) and
``outlook`` live here.

Examples
--------
>>> mase([3, 5], [4, 4], insample=[1, 2, 3, 4, 5, 6], m=2)   # MAE 1 / seasonal-naive MAE 2
0.5
"""

from __future__ import annotations

from alliance_analysis.forecasting import _ets, _intermittent, _sarima
from alliance_analysis.forecasting._intervals import normal_bounds
from alliance_analysis.forecasting.backtest import (
    CALIB_MIN,
    CALIB_PER_STEP,
    CALIB_SERIES,
    INTERMITTENT_SHARE,
    _apply_calibration,
    _block_scores,
    _bytes_per_series,
    _calibrate,
    _Config,
    _fmt,
    _map,
    _process_chunk,
    _process_item,
    _quantiles,
    _scores,
    _spread,
    conformal_quantiles,
    recent_or_all_quantiles,
)
from alliance_analysis.forecasting.core import ForecastResult, forecast_many
from alliance_analysis.forecasting.hierarchy import (
    Hierarchy,
    aggregate_hierarchy,
    build_hierarchy,
    hierarchy_from_mapping,
    reconcile,
    reconcile_forecasts,
    reconcile_matrix,
    shrinkage_covariance,
)
from alliance_analysis.forecasting.inputs import TIME_COLUMNS, _to_matrix, _wide_input, season_length_of, time_column
from alliance_analysis.forecasting.metrics import interval_coverage, mase, smape
from alliance_analysis.forecasting.models import (
    DEFAULT_MODELS,
    ETS_BLOCK,
    EXPLODE_BOUND,
    EXPLODE_MEAN,
    FALLBACK_CHAIN,
    INTERMITTENT_MODELS,
    MODELS,
    _baseline,
    _drift,
    _empty,
    _ets_states,
    _forecast_origin,
    _guard,
    _run_block,
    _sm_ets,
    _sm_sarima,
    _snaive,
    min_length,
)

__all__ = [
    "DEFAULT_MODELS", "INTERMITTENT_MODELS", "MODELS", "ForecastResult", "Hierarchy", "aggregate_hierarchy",
    "build_hierarchy", "conformal_quantiles", "forecast_many", "hierarchy_from_mapping", "interval_coverage",
    "mase", "min_length", "recent_or_all_quantiles", "reconcile", "reconcile_forecasts", "reconcile_matrix", "season_length_of",
    "shrinkage_covariance", "smape", "time_column",
]

# private names re-exported for callers and tests that used the single-module layout
_PRIVATE = (_ets, _intermittent, _sarima, normal_bounds, CALIB_MIN, CALIB_PER_STEP, CALIB_SERIES, INTERMITTENT_SHARE,
            _apply_calibration, _block_scores, _bytes_per_series, _calibrate, _Config, _fmt, _map, _process_chunk,
            _process_item, _quantiles, _scores, _spread, TIME_COLUMNS, _to_matrix, _wide_input, ETS_BLOCK,
            EXPLODE_BOUND, EXPLODE_MEAN, FALLBACK_CHAIN, _baseline, _drift, _empty, _ets_states, _forecast_origin,
            _guard, _run_block, _sm_ets, _sm_sarima, _snaive)
