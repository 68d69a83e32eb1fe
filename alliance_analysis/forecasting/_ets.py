"""Vectorised additive Holt-Winters (ETS(A,N,A), damped ETS(A,Ad,A)) for many series at once.

Private helper of :mod:`alliance_analysis.forecasting`. Every series is filtered with every
point of a small parameter grid in one pass of numpy operations over time (arrays of shape
series x grid points), so 600 series x 120 months cost about as much as a few hundred
single-series fits. States are recorded only at the requested forecast origins, so memory
is O(series x grid x season) rather than O(series x grid x time).

Model (error-correction form, Hyndman et al. 2008, on ``z = log1p(count)``)::

    e_t   = z_t - (l + phi b + s_{t-m})
    l'    = l + phi b + alpha e_t
    b'    = phi b + alpha beta e_t              (beta = 0 and b = 0 without a trend)
    s_t   = s_{t-m} + gamma (1 - alpha) e_t

Initial states: least-squares level, slope and sum-to-zero seasonal effects fitted to the
training stretch before the *first* requested origin (so no origin sees later data), which
is far less noisy than the classical first-season start on count data. The grid point
with the lowest one-step squared error within the training window is chosen per series
and per origin, so a forecast from origin ``o`` uses nothing after ``o``.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from alliance_analysis.forecasting._intervals import normal_bounds

ALPHAS = (0.05, 0.1, 0.2, 0.3, 0.5, 0.7)
BETAS = (0.0, 0.01, 0.05)
GAMMAS = (0.0, 0.05, 0.1, 0.2)
PHIS = (0.8, 0.9, 0.98)  # damped trends only (ETS(A,Ad,A)): undamped trends extrapolated worse on police series


def grid() -> np.ndarray:
    """Parameter grid: rows (alpha, beta, gamma, phi, trend_on); no-trend rows have beta = 0.

    Examples
    --------
    >>> g = grid()
    >>> g.shape[1], bool(((g[:, 4] == 0) <= (g[:, 1] == 0)).all())
    (5, True)
    """
    no_trend = [(a, 0.0, g, 1.0, 0.0) for a, g in itertools.product(ALPHAS, GAMMAS)]
    trend = [(a, b, g, p, 1.0) for a, b, g, p in itertools.product(ALPHAS, BETAS, GAMMAS, PHIS)]
    return np.array(no_trend + trend, dtype=float)


def min_length(m: int) -> int:
    """Fewest observations before the first origin: two full seasons (4 without a season).

    Two seasons give the initial least-squares fit (level, slope and ``m - 1`` seasonal
    effects: ``m + 1`` coefficients) ``m - 1`` spare rows, as standard libraries require.

    Examples
    --------
    >>> min_length(12), min_length(4), min_length(1)
    (24, 8, 4)
    """
    return max(2 * m, 4)


@dataclass(frozen=True)
class State:
    """Chosen states and parameters at one origin (arrays over series)."""

    level: np.ndarray
    trend: np.ndarray
    season: np.ndarray  # (S, m): seasonal state for forecast steps 1..m
    sigma: np.ndarray
    params: np.ndarray  # (S, 5)


def initial_states(z: np.ndarray, m: int) -> dict[str, np.ndarray]:
    """Initial states by least squares on the first stretch ``z`` (S x L) of every series.

    Fits ``z_t = a + s_(t mod m)`` (no trend) and ``z_t = a + b t + s_(t mod m)`` (trend) with
    seasonal effects summing to zero, one design matrix for all series. Returned states are
    those *before* the first observation: ``level = a`` (``a - b`` with trend), ``trend = b``.

    Examples
    --------
    >>> t = np.arange(24)
    >>> st = initial_states((5 + 0.1 * t + np.where(t % 2 == 0, 1.0, -1.0))[None, :], 2)
    >>> np.round([st["level_t"][0], st["trend"][0], *st["season_t"][0]], 6).tolist()
    [4.9, 0.1, 1.0, -1.0]
    """
    S, L = z.shape
    t = np.arange(L)
    dummies = (t[:, None] % m == np.arange(m - 1)[None, :]).astype(float) - (t % m == m - 1)[:, None]
    out = {}
    for name, X in (("", np.column_stack([np.ones(L), dummies])),
                    ("_t", np.column_stack([np.ones(L), t, dummies]))):
        coef, *_ = np.linalg.lstsq(X, z.T, rcond=None)
        if m > 1:
            eff = coef[-(m - 1):].T  # (S, m-1)
            season = np.column_stack([eff, -eff.sum(axis=1)])
        else:  # no seasonality (annual data): a zero seasonal state
            season = np.zeros((S, 1))
        if name:
            out["level_t"], out["trend"] = coef[0] - coef[1], coef[1]
        else:
            out["level"] = coef[0]
        out["season" + name] = season
    return out


def states_at(z: np.ndarray, m: int, origins: Sequence[int], params: np.ndarray | None = None,
              seasonal: np.ndarray | None = None) -> dict[int, State]:
    """Filter every series of ``z`` (S x n) with every grid point; best states at each origin.

    ``seasonal`` (bool per series, optional): series marked False get no seasonal term (zero
    initial seasonal states, only ``gamma = 0`` grid points).
    ``origins`` are training lengths (forecast from after observation ``origin - 1``); each
    must be at least :func:`min_length` ``(m)`` = ``2 * m`` (4 when ``m = 1``). With
    ``m = 1`` (annual data) only grid points with ``gamma = 0`` are used (no seasonality).

    Examples
    --------
    >>> z = np.log1p(100 + 10 * np.sin(np.arange(48) * np.pi / 6))[None, :]
    >>> st = states_at(z, 12, [48])[48]
    >>> st.season.shape, bool(st.sigma[0] < 0.01)
    ((1, 12), True)
    """
    params = grid() if params is None else params
    if m == 1:
        params = params[params[:, 2] == 0]
    S, n = z.shape
    P = len(params)
    origins = sorted(set(int(o) for o in origins))
    if origins[0] < min_length(m) or origins[-1] > n:
        raise ValueError(f"origins must lie in [{min_length(m)}, {n}]")
    a, b, g, phi, on = (np.ascontiguousarray(np.broadcast_to(params[:, k][None, :], (S, P)))
                        for k in range(5))
    init = initial_states(z[:, :origins[0]], m)
    trend_row = on[0] > 0
    level = np.where(trend_row[None, :], init["level_t"][:, None], init["level"][:, None])
    trend = np.where(trend_row[None, :], init["trend"][:, None], 0.0)
    season = np.where(trend_row[None, :, None], init["season_t"][:, None, :], init["season"][:, None, :])
    if seasonal is not None:
        season = season * np.asarray(seasonal, bool)[:, None, None]
    # seasonal states season-major (m, S, P): the state read and written at each step is
    # one contiguous block, and every update below is in place (no temporaries)
    buf = np.ascontiguousarray(np.moveaxis(season, 2, 0))
    sse = np.zeros((S, P))
    g_eff = g * (1 - a)
    ab = a * b * on
    phi_on = np.where(on > 0, phi, 0.0)
    damped, err, tmp = np.empty((S, P)), np.empty((S, P)), np.empty((S, P))
    z_by_time = np.ascontiguousarray(z.T)
    banned = None if seasonal is None else (~np.asarray(seasonal, bool))[:, None] & (params[:, 2] > 0)[None, :]
    out: dict[int, State] = {}
    idx = np.arange(S)
    want = set(origins)
    for t in range(origins[-1]):
        s_t = buf[t % m]
        np.multiply(phi_on, trend, out=damped)
        level += damped                                   # l + phi b
        np.add(level, s_t, out=tmp)
        np.subtract(z_by_time[t][:, None], tmp, out=err)  # e_t
        np.multiply(err, err, out=tmp)
        sse += tmp
        np.multiply(a, err, out=tmp)
        level += tmp                                      # l' = l + phi b + alpha e
        np.multiply(ab, err, out=trend)
        trend += damped                                   # b' = phi b + alpha beta e
        np.multiply(g_eff, err, out=tmp)
        s_t += tmp                                        # s_t = s_{t-m} + gamma (1 - alpha) e
        if t + 1 in want:
            o = t + 1
            best = np.argmin(sse if seasonal is None else np.where(banned, np.inf, sse), axis=1)
            # degrees of freedom: level and m-1 seasonal initial states, alpha, gamma
            # (+ initial slope, beta and phi with a trend)
            k = m + 2 + 3 * params[best, 4]
            sigma = np.sqrt(sse[idx, best] / np.maximum(o - k, 1))
            order = (o + np.arange(m)) % m
            out[o] = State(level=level[idx, best], trend=trend[idx, best],
                           season=buf[:, idx, best].T[:, order], sigma=sigma, params=params[best])
    return out


def forecast(state: State, h: int, levels: Sequence[int]) -> dict[str, np.ndarray]:
    """Back-transformed forecasts and intervals (count scale, clipped at 0) from ``state``.

    The h-step variance on the log scale is ``sigma^2 (1 + sum_{i<h} c_i^2)`` with
    ``c_i = alpha (1 + beta phi_i) + gamma (1 - alpha) [i mod m = 0]`` and
    ``phi_i = phi + ... + phi^i`` (Hyndman et al. 2008, class 1). ``mean`` is the
    back-transformed median ``expm1(mu)``.

    Examples
    --------
    >>> z = np.log1p(np.tile([90.0, 110.0], 30))[None, :]
    >>> f = forecast(states_at(z, 2, [60])[60], 4, (80,))
    >>> np.round(f["mean"], 3).tolist()
    [[90.0, 110.0, 90.0, 110.0]]
    """
    S, m = state.season.shape
    a, b, g, phi, on = (state.params[:, k] for k in range(5))
    steps = np.arange(1, h + 1)
    phi_pow = np.where(on[:, None] > 0, phi[:, None] ** steps[None, :], 0.0)
    phi_cum = np.cumsum(phi_pow, axis=1)  # phi_1 .. phi_h
    mu = state.level[:, None] + phi_cum * state.trend[:, None] + state.season[:, (steps - 1) % m]
    c = a[:, None] * (1 + b[:, None] * phi_cum) + (g * (1 - a))[:, None] * ((steps % m) == 0)[None, :]
    var = np.ones((S, h))
    var[:, 1:] += np.cumsum(c[:, :-1] ** 2, axis=1)
    sd = state.sigma[:, None] * np.sqrt(var)
    return normal_bounds(mu, sd, levels, back=np.expm1)
