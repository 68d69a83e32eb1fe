"""Vectorised seasonal ARIMA(1,0,0)(1,1,0)_m with drift, fitted by least squares (private).

Private helper of :mod:`alliance_analysis.forecasting`. On ``z = log1p(count)`` and its
seasonal difference ``w_t = z_t - z_{t-m}``::

    w_t = c + phi w_{t-1} + Phi w_{t-m} + e_t

is fitted by conditional least squares for every series at once (batched 3 x 3 normal
equations), forecast recursively, and given intervals from the psi-weights of the full
autoregressive polynomial ``(1 - phi B)(1 - Phi B^m)(1 - B^m)``:
``Var(z_{n+h}) = sigma^2 sum_{j<h} psi_j^2``. The same model fitted by exact maximum
likelihood is statsmodels ``SARIMAX(order=(1,0,0), seasonal_order=(1,1,0,m), trend="c")``
(the reference engine).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from alliance_analysis.forecasting._intervals import normal_bounds

MIN_ROWS = 8


def min_length(m: int) -> int:
    """Fewest observations the fit needs: ``2 m + 8`` (eight regression rows for three coefficients).

    Examples
    --------
    >>> min_length(12), min_length(4)
    (32, 16)
    """
    return 2 * m + MIN_ROWS


def fit_forecast(z: np.ndarray, m: int, h: int, levels: Sequence[int]) -> dict[str, np.ndarray]:
    """Fit on every row of ``z`` (S x n log1p counts) and forecast ``h`` steps (count scale, >= 0).

    Needs ``n >= 2m + 8`` (at least eight regression rows for three coefficients); the AR
    coefficients are clipped to [-0.99, 0.99] so the forecast recursion stays stable.

    Examples
    --------
    >>> t = np.arange(60)
    >>> z = np.log1p(100 + 20 * np.sin(2 * np.pi * t / 12) + t)[None, :]
    >>> f = fit_forecast(z, 12, 12, (80,))
    >>> expected = 100 + 20 * np.sin(2 * np.pi * np.arange(60, 72) / 12) + np.arange(60, 72)
    >>> bool(np.max(np.abs(f["mean"][0] / expected - 1)) < 0.01)
    True
    """
    S, n = z.shape
    if m < 2:
        raise ValueError("the seasonal AR needs a seasonal period m >= 2 (annual data have none)")
    if n < 2 * m + MIN_ROWS:
        raise ValueError(f"need at least {2 * m + MIN_ROWS} values for the seasonal AR fit (got {n})")
    w = z[:, m:] - z[:, :-m]  # w[:, k] is the seasonal difference at time k + m
    target = w[:, m:]  # times 2m..n-1
    lag1 = w[:, m - 1:-1]
    lagm = w[:, :-m]
    X = np.stack([np.ones_like(target), lag1, lagm], axis=2)  # (S, T, 3)
    XtX = np.einsum("stk,stl->skl", X, X) + 1e-9 * np.eye(3)
    Xty = np.einsum("stk,st->sk", X, target)
    coef = np.linalg.solve(XtX, Xty[:, :, None])[:, :, 0]
    resid = target - np.einsum("stk,sk->st", X, coef)
    dof = max(target.shape[1] - 3, 1)
    sigma = np.sqrt((resid**2).sum(axis=1) / dof)
    c, phi, Phi = coef[:, 0], np.clip(coef[:, 1], -0.99, 0.99), np.clip(coef[:, 2], -0.99, 0.99)
    # recursive point forecasts of w, then z
    w_ext = np.concatenate([w, np.empty((S, h))], axis=1)
    z_ext = np.concatenate([z, np.empty((S, h))], axis=1)
    nw = w.shape[1]
    for j in range(h):
        k = nw + j
        w_ext[:, k] = c + phi * w_ext[:, k - 1] + Phi * w_ext[:, k - m]
        z_ext[:, n + j] = z_ext[:, n + j - m] + w_ext[:, k]
    mu = z_ext[:, n:]
    # psi-weights of 1 / [(1 - phi B)(1 - Phi B^m)(1 - B^m)]
    K = 2 * m + 1
    a = np.zeros((S, K + 1))
    a[:, 1] += phi
    a[:, m] += 1 + Phi
    a[:, m + 1] += -phi * (1 + Phi)
    a[:, 2 * m] += -Phi
    a[:, 2 * m + 1] += phi * Phi
    psi = np.zeros((S, h))
    psi[:, 0] = 1.0
    for j in range(1, h):
        ks = np.arange(1, min(j, K) + 1)
        psi[:, j] = (a[:, ks] * psi[:, j - ks]).sum(axis=1)
    sd = sigma[:, None] * np.sqrt(np.cumsum(psi**2, axis=1))
    with np.errstate(over="ignore"):  # an overflow becomes inf, which the caller's guard replaces
        return normal_bounds(mu, sd, levels, back=np.expm1)
