"""Vectorised forecasts for intermittent counts: Croston, SBA and TSB (private).

Private helper of :mod:`alliance_analysis.forecasting`. All series of a block are filtered
at once (one numpy step per period over arrays of shape ``series``):

``croston``  Croston (1972): demand size ``z`` and inter-demand interval ``p`` smoothed with
             ``alpha`` only in periods with a demand; forecast ``z / p`` per period;
``sba``      Syntetos-Boylan approximation: Croston times ``1 - alpha / 2`` (removes its bias);
``tsb``      Teunter-Syntetos-Babai (2011): demand probability ``pi`` smoothed every period
             with ``beta``, size ``z`` with ``alpha`` when there is a demand; forecast ``pi z``
             (it decays towards 0 when demand stops, unlike Croston).

Initial states come from the training window itself (mean non-zero size, mean interval,
share of non-zero periods). The forecast is flat over the horizon. Intervals: normal on the
count scale with the standard deviation of the in-sample one-step errors, constant over the
horizon (the rate is stationary), clipped at zero; :func:`alliance_analysis.forecasting.forecast_many`
replaces them with intervals calibrated on backtest errors by default.

Examples
--------
>>> import numpy as np
>>> y = np.array([[0, 3, 0, 0, 3, 0, 3, 0, 0, 3.0]])
>>> f = forecast(y, 2, (80,), kind="croston")
>>> f["mean"].shape, bool(abs(f["mean"][0, 0] - 1.2) < 0.3)
((1, 2), True)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from alliance_analysis.forecasting._intervals import normal_bounds

ALPHA = 0.1
BETA = 0.05
KINDS = ("croston", "sba", "tsb")


def rates(y: np.ndarray, kind: str = "sba", alpha: float = ALPHA, beta: float = BETA) -> tuple[np.ndarray, np.ndarray]:
    """Forecast rate after the last observation and in-sample one-step RMSE, per row of ``y``.

    Examples
    --------
    >>> rate, rmse = rates(np.zeros((2, 6)), "tsb")
    >>> rate.tolist(), rmse.tolist()
    ([0.0, 0.0], [0.0, 0.0])
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    y = np.asarray(y, dtype=float)
    S, n = y.shape
    nz = y > 0
    n_nz = nz.sum(axis=1)
    size0 = np.where(n_nz > 0, np.where(nz, y, 0).sum(axis=1) / np.maximum(n_nz, 1), 0.0)
    share0 = n_nz / n
    interval0 = np.where(n_nz > 0, n / np.maximum(n_nz, 1), 1.0)
    z, p, pi = size0.copy(), interval0.copy(), share0.copy()
    since = np.ones(S)
    sse = np.zeros(S)
    bias = 1 - alpha / 2 if kind == "sba" else 1.0
    for t in range(n):
        f = pi * z if kind == "tsb" else bias * z / p
        sse += (y[:, t] - f) ** 2
        d = nz[:, t]
        if kind == "tsb":
            pi = pi + beta * (d - pi)
            z = np.where(d, z + alpha * (y[:, t] - z), z)
        else:
            z = np.where(d, z + alpha * (y[:, t] - z), z)
            p = np.where(d, p + alpha * (since - p), p)
            since = np.where(d, 1.0, since + 1)
    rate = pi * z if kind == "tsb" else bias * z / p
    return rate, np.sqrt(sse / n)


def forecast(y: np.ndarray, h: int, levels: Sequence[int], kind: str = "sba") -> dict[str, np.ndarray]:
    """Flat forecasts of ``h`` periods with normal bounds (count scale, clipped at 0).

    Examples
    --------
    >>> f = forecast(np.array([[0, 2, 0, 2, 0, 2.0]]), 3, (80,), kind="tsb")
    >>> bool(np.allclose(f["mean"][0], f["mean"][0, 0])), bool((f["lo_80"] <= f["hi_80"]).all())
    (True, True)
    """
    rate, rmse = rates(y, kind)
    mean = np.repeat(rate[:, None], h, axis=1)
    sd = np.repeat(rmse[:, None], h, axis=1)
    return normal_bounds(mean, sd, levels)
