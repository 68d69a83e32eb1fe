"""Statistical process control: XmR and Laney p'/u' limits, NHS "Making Data Count" rules.

- :func:`xmr_limits`: individuals chart. Centre = mean; sigma = mean moving range / 1.128;
  limits centre +/- 3 sigma.
- :func:`laney_limits`: Laney's p' (proportions) and u' (rates) charts for large
  denominators. With ``pbar = sum(x) / sum(n)``, the binomial (p) or Poisson (u) sigma of
  each point ``s_i`` is ``sqrt(pbar (1 - pbar) / n_i)`` or ``sqrt(ubar / n_i)``; the
  z-scores ``z_i = (p_i - pbar) / s_i`` give ``sigma_z`` = mean moving range of z / 1.128,
  and the limits are ``pbar +/- 3 s_i sigma_z`` (Laney 2002). ``sigma_z`` > 1 widens the
  limits for the overdispersion that makes plain p and u charts flag almost every point
  of a large-denominator series.
- :func:`special_causes`: the four rules of NHS England's "Making Data Count": a point
  outside the limits; a run of 7 or more on one side of the centre; 7 or more points
  rising or falling; 2 of 3 consecutive points beyond two sigma on the same side.
- :func:`signal_episodes` turns the flags into dated episodes, and :func:`latest_signal`
  into the chart's verdict on its latest point.

Examples
--------
>>> lim = xmr_limits([10, 12, 11, 13, 12])
>>> round(float(lim["centre"].iloc[0]), 3), round(float(lim["sigma"].iloc[0]), 4)   # mean 11.6; mean MR 1.5 / 1.128
(11.6, 1.3298)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from alliance_analysis.errors import ParameterError

#: d2 for moving ranges of two points
D2 = 1.128
#: run / trend length of the Making Data Count rules, as the issue states them
RUN = 7
TREND = 7
#: fewest points for a chart to say anything
MIN_POINTS = 5
RULES = {"outside": "a point outside the limits", "shift": f"a run of {RUN} or more on one side of the average",
         "trend": f"{TREND} or more points in a row rising or falling",
         "two_of_three": "2 of 3 points close to a limit"}


def _arr(values: Sequence[float] | pd.Series, name: str) -> np.ndarray:
    a = np.asarray(values, dtype=float)
    if a.ndim != 1 or not np.isfinite(a).all():
        raise ParameterError(f"{name} must be a one-dimensional series of finite numbers")
    return a


def xmr_limits(values: Sequence[float] | pd.Series) -> pd.DataFrame:
    """Limits of an XmR (individuals and moving range) chart.

    Returns
    -------
    DataFrame
        One row per point: ``value``, ``centre``, ``sigma``, ``lower``, ``upper``.

    Raises
    ------
    ParameterError
        Fewer than two points, or a value that is not finite.

    Examples
    --------
    >>> xmr_limits([1.0, 3.0, 2.0])["upper"].round(3).tolist()[0]   # 2 + 3 * 1.5 / 1.128
    5.989
    """
    v = _arr(values, "values")
    if len(v) < 2:
        raise ParameterError("an XmR chart needs at least two points")
    sigma = np.abs(np.diff(v)).mean() / D2
    centre = v.mean()
    return pd.DataFrame({"value": v, "centre": centre, "sigma": sigma, "lower": centre - 3 * sigma,
                         "upper": centre + 3 * sigma})


def laney_limits(numerator: Sequence[float], denominator: Sequence[float], *, kind: str = "p",
                 scale: float = 1.0) -> pd.DataFrame:
    """Limits of a Laney p' (``kind="p"``) or u' (``kind="u"``) chart.

    Parameters
    ----------
    numerator, denominator : sequences
        Events and their denominators per period (denominators > 0; for p, numerator <= denominator).
    kind : {"p", "u"}
    scale : float
        Multiplier for display (100 for a percentage, 1000 for per 1,000 residents).

    Returns
    -------
    DataFrame
        ``value``, ``centre``, ``sigma`` (per point, Laney-adjusted), ``lower``, ``upper``
        (all times ``scale``; a p chart's lower limit is not below 0), ``sigma_z``.

    Examples
    --------
    Hand-worked (p chart): x = 10, 20, 30 of n = 100 each: pbar = 0.2, s = 0.04, z = -2.5, 0, 2.5,
    mean moving range of z = 2.5, sigma_z = 2.5 / 1.128 = 2.2163, upper = 0.2 + 3 * 0.04 * 2.2163:

    >>> lim = laney_limits([10, 20, 30], [100, 100, 100])
    >>> round(float(lim["sigma_z"].iloc[0]), 4), round(float(lim["upper"].iloc[0]), 4)
    (2.2163, 0.466)
    """
    x = _arr(numerator, "numerator")
    n = _arr(denominator, "denominator")
    if len(x) != len(n) or len(x) < 2:
        raise ParameterError("numerator and denominator must have the same length, at least two")
    if (n <= 0).any():
        raise ParameterError("every denominator must be positive")
    if kind not in ("p", "u"):
        raise ParameterError(f"kind {kind!r} is not 'p' or 'u'")
    if kind == "p" and ((x < 0) | (x > n)).any():
        raise ParameterError("a proportion's numerator must be between 0 and its denominator")
    p = x / n
    pbar = x.sum() / n.sum()
    s = np.sqrt(pbar * (1 - pbar) / n) if kind == "p" else np.sqrt(pbar / n)
    z = np.where(s > 0, (p - pbar) / np.where(s > 0, s, 1), 0.0)
    sigma_z = np.abs(np.diff(z)).mean() / D2
    sig = s * sigma_z
    lower = pbar - 3 * sig
    lower = np.maximum(lower, 0.0)
    upper = pbar + 3 * sig
    if kind == "p":
        upper = np.minimum(upper, 1.0)
    return pd.DataFrame({"value": p * scale, "centre": pbar * scale, "sigma": sig * scale, "lower": lower * scale,
                         "upper": upper * scale, "sigma_z": sigma_z})


def _runs(mask: np.ndarray, length: int) -> np.ndarray:
    """Points belonging to a run of at least ``length`` consecutive True values."""
    out = np.zeros(len(mask), dtype=bool)
    i = 0
    while i < len(mask):
        if mask[i]:
            j = i
            while j < len(mask) and mask[j]:
                j += 1
            if j - i >= length:
                out[i:j] = True
            i = j
        else:
            i += 1
    return out


def special_causes(limits: pd.DataFrame) -> pd.DataFrame:
    """Flag the Making Data Count special-cause rules on a chart's points.

    Parameters
    ----------
    limits : DataFrame
        From :func:`xmr_limits` or :func:`laney_limits` (``value``, ``centre``, ``sigma``,
        ``lower``, ``upper``).

    Returns
    -------
    DataFrame
        ``limits`` plus boolean ``outside``, ``shift``, ``trend``, ``two_of_three``, ``signal``
        (any rule) and ``direction`` (+1 a high signal, -1 a low one, 0 none).

    Examples
    --------
    Seven points in a row on each side of the average are two shifts (a step this clean is also
    outside the limits: the moving ranges are tiny); a lone high point is only outside:

    >>> f = special_causes(xmr_limits([0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1]))
    >>> f["shift"].tolist() == [True] * 14, int(f["outside"].sum())
    (True, 14)
    >>> g = special_causes(xmr_limits([5, 7] * 6 + [20] + [5, 7] * 2))   # mean 6.82, upper limit 16.13
    >>> g["signal"].tolist().index(True), int(g["signal"].sum()), int(g["direction"].iloc[12])
    (12, 1, 1)
    """
    v = limits["value"].to_numpy(float)
    c = limits["centre"].to_numpy(float)
    sd = limits["sigma"].to_numpy(float)
    up, lo = limits["upper"].to_numpy(float), limits["lower"].to_numpy(float)
    above, below = v > c, v < c
    out_hi, out_lo = v > up, v < lo
    shift_hi, shift_lo = _runs(above, RUN), _runs(below, RUN)
    d = np.diff(v)
    rise = np.zeros(len(v), dtype=bool)
    fall = np.zeros(len(v), dtype=bool)
    r = _runs(d > 0, TREND - 1)
    f = _runs(d < 0, TREND - 1)
    rise[:-1] |= r
    rise[1:] |= r
    fall[:-1] |= f
    fall[1:] |= f
    near_hi, near_lo = v > c + 2 * sd, v < c - 2 * sd
    two_hi = np.zeros(len(v), dtype=bool)
    two_lo = np.zeros(len(v), dtype=bool)
    for i in range(len(v) - 2):
        for near, flag in ((near_hi, two_hi), (near_lo, two_lo)):
            w = near[i:i + 3]
            if w.sum() >= 2:
                flag[i:i + 3] |= w
    hi = out_hi | shift_hi | rise | two_hi
    lo_ = out_lo | shift_lo | fall | two_lo
    res = limits.copy()
    res["outside"] = out_hi | out_lo
    res["shift"] = shift_hi | shift_lo
    res["trend"] = rise | fall
    res["two_of_three"] = two_hi | two_lo
    res["signal"] = hi | lo_
    # a point flagged both ways (e.g. the top of a fall that started above the average) takes its latest rule's side
    res["direction"] = np.where(hi & ~lo_, 1, np.where(lo_ & ~hi, -1, np.where(hi & lo_, np.sign(v - c), 0))).astype(int)
    return res


def signal_episodes(flags: pd.DataFrame, periods: Sequence[str]) -> pd.DataFrame:
    """Consecutive flagged points with the same direction, as dated episodes.

    Returns
    -------
    DataFrame
        ``start``, ``end`` (period labels), ``points``, ``direction`` (+1 / -1), ``rules``
        (plain words of the rules that fired, joined).

    Examples
    --------
    >>> f = special_causes(xmr_limits([0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1]))
    >>> signal_episodes(f, [str(y) for y in range(2000, 2014)])[["start", "end", "direction"]].values.tolist()
    [['2000', '2006', -1], ['2007', '2013', 1]]
    """
    per = list(periods)
    rows = []
    i, n = 0, len(flags)
    d = flags["direction"].to_numpy()
    sig = flags["signal"].to_numpy()
    while i < n:
        if sig[i] and d[i] != 0:
            j = i
            while j + 1 < n and sig[j + 1] and d[j + 1] == d[i]:
                j += 1
            fired = [RULES[r] for r in RULES if flags[r].iloc[i:j + 1].any()]
            rows.append({"start": per[i], "end": per[j], "points": j - i + 1, "direction": int(d[i]),
                         "rules": "; ".join(fired)})
            i = j + 1
        else:
            i += 1
    return pd.DataFrame(rows, columns=["start", "end", "points", "direction", "rules"])


def judge(direction: int, polarity: int) -> str:
    """``"improving"``, ``"deteriorating"`` (or, for a measure with no better direction,
    ``"rising"`` / ``"falling"``), or ``"no significant change"``.

    Examples
    --------
    >>> judge(1, -1), judge(-1, -1), judge(1, 0), judge(0, 1)
    ('deteriorating', 'improving', 'rising', 'no significant change')
    """
    if direction == 0:
        return "no significant change"
    if polarity == 0:
        return "rising" if direction > 0 else "falling"
    return "improving" if direction * polarity > 0 else "deteriorating"


def latest_signal(flags: pd.DataFrame, polarity: int) -> str:
    """The chart's verdict on its latest point (:func:`judge` of the latest point's direction)."""
    if len(flags) < MIN_POINTS:
        return "too few points to judge"
    last = flags.iloc[-1]
    return judge(int(last["direction"]) if bool(last["signal"]) else 0, polarity)
