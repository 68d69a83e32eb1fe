"""Accuracy metrics of point forecasts and intervals: MASE, sMAPE and interval coverage.

Plain functions on sequences of numbers, used by :func:`alliance_analysis.forecasting.forecast_many`'s
vectorised backtest (which computes the same formulas on arrays) and by notebooks and tests
that score forecasts by hand; shapes that do not match raise :class:`ParameterError`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from alliance_analysis.errors import ParameterError

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
