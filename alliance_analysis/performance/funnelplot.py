"""Funnel plots with overdispersion-adjusted limits (Spiegelhalter 2005), as FunnelPlotR draws them.

Each unit (force) has ``x_i`` events out of a denominator ``n_i``; its value is
``y_i = x_i / n_i``; the target ``theta`` is the pooled value ``sum(x) / sum(n)`` (or given).
The sampling standard error is ``s_i = sqrt(theta (1 - theta) / n_i)`` for a proportion and
``sqrt(theta / n_i)`` for a rate. Between forces there is more variation than sampling
alone gives (forces differ in ways no count captures), so, as Spiegelhalter (2005)
recommends, the z-scores ``z_i = (y_i - theta) / s_i`` are winsorised at their 10th and
90th percentiles and ``phi = mean(z_w^2)`` measures the overdispersion:

- **multiplicative**: limits ``theta +/- z_a sqrt(phi) s_i`` (when phi > 1);
- **additive random effects** (the default): limits ``theta +/- z_a sqrt(s_i^2 + tau^2)``.
  ``tau^2`` is the value at which the z-scores on the *total* scale,
  ``(y_i - theta) / sqrt(s_i^2 + tau^2)``, winsorised at 10% each tail, have the mean square a
  normal sample has (:data:`WINSOR_MOMENT`); 0 when they have less at ``tau^2 = 0``.
  FunnelPlotR instead puts the winsorised phi into DerSimonian-Laird,
  ``tau^2 = (I phi - (I - 1)) / (sum w - sum w^2 / sum w)``, ``w = 1 / s_i^2``
  (``tau2_method="dersimonian-laird"``). When forces differ far more than sampling explains
  (every real measure here) the sampling z-scores of large forces are the largest, so
  winsorising them clips large forces rather than outliers and that estimate comes out
  15-20% too small: on simulated stable panels shaped like the real one, 0.6-0.7% of forces
  fell outside its 99.8% limits and 7-8% outside its 95% limits. Winsorising on the total
  scale treats every force alike and gives about 0.3% and 5% (see :mod:`.calibration`; the
  remaining excess at 99.8% is the uncertainty of a spread estimated from 43 forces).

Limits are on the natural scale (FunnelPlotR transforms proportions first; on these large
denominators the two agree to within rounding). A force beyond the 99.8% limits is
"above" or "below" the range; otherwise "within the range".

Examples
--------
Hand-worked: four forces of 1,000, 20% overall, one at 30%:

>>> f = funnel([150, 200, 200, 250], [1000] * 4, method="none")
>>> round(f.attrs["target"], 3), round(float(f["upper_998"].iloc[0]), 4)   # 0.2 + 3.0902 * sqrt(0.2 * 0.8 / 1000)
(0.2, 0.2391)
>>> f["position"].tolist()
['below', 'within', 'within', 'above']
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import optimize, stats

from alliance_analysis.errors import ParameterError

Z95 = float(stats.norm.ppf(0.975))
Z998 = float(stats.norm.ppf(0.999))
METHODS = ("additive", "multiplicative", "none")
TAU2_METHODS = ("winsorised", "dersimonian-laird")


def _se(theta: float, n: np.ndarray, kind: str) -> np.ndarray:
    return np.sqrt(theta * (1 - theta) / n) if kind == "p" else np.sqrt(theta / n)


def _winsor_moment(q: float = 0.1) -> float:
    """E[z_w^2] of a standard normal winsorised at its q and 1-q quantiles (0.678 for q = 0.1)."""
    a = float(stats.norm.ppf(1 - q))
    return float((2 * stats.norm.cdf(a) - 1) - 2 * a * stats.norm.pdf(a) + 2 * a * a * q)


#: the winsorised second moment of a normal z-score: winsorising at 10% shrinks phi by this factor
#: even when nothing is wrong, so phi is divided by it (without this the funnel's limits were too
#: narrow: 2.4% of stable forces outside the 99.8% limits in the calibration, against 0.2% promised)
WINSOR_MOMENT = _winsor_moment(0.1)


def _winsorised_square(d: np.ndarray, total: np.ndarray) -> float:
    z = d / total
    return float(np.mean(np.clip(z, *np.percentile(z, [10, 90])) ** 2))


def winsorised_tau2(values: np.ndarray, se: np.ndarray, theta: float) -> float:
    """Between-unit variance at which the winsorised z-scores on the total scale are standard normal.

    Solves ``mean(winsor((y - theta) / sqrt(se^2 + tau2))^2) = WINSOR_MOMENT`` for ``tau2 >= 0``
    (0 when the left side is already below at ``tau2 = 0``). Every unit's z-score has the same
    spread under the random-effects model, so the 10% winsorising trims outlying units, not
    large ones (see the module docstring).

    Examples
    --------
    Equal standard errors: the z-scores at ``tau2`` are those at 0 times
    ``se / sqrt(se^2 + tau2)``, so ``tau2 = se^2 (phi - 1)``; z = -10, 0, 10 winsorise to -8, 0, 8,
    phi = (128 / 3) / 0.6776 and ``tau2 = 1e-4 (phi - 1)``:

    >>> t = winsorised_tau2(np.array([0.1, 0.2, 0.3]), np.array([0.01] * 3), 0.2)
    >>> round(t, 5), round(1e-4 * (128 / 3 / WINSOR_MOMENT - 1), 5)
    (0.00619, 0.00619)
    """
    d = np.asarray(values, dtype=float) - theta
    se = np.asarray(se, dtype=float)

    def excess(t2: float) -> float:
        return _winsorised_square(d, np.sqrt(se ** 2 + t2)) - WINSOR_MOMENT

    if excess(0.0) <= 0:
        return 0.0
    hi = max(float(np.mean(d ** 2)), float(np.max(se ** 2)), 1e-300)
    while excess(hi) > 0:
        hi *= 4
    return float(optimize.brentq(excess, 0.0, hi, xtol=hi * 1e-10, rtol=1e-10))


def overdispersion(values: np.ndarray, se: np.ndarray, theta: float, *, consistent: bool = True,
                   tau2_method: str = "winsorised") -> tuple[float, float]:
    """``(phi, tau2)``: phi from sampling z-scores winsorised at 10% each tail (Spiegelhalter 2005).

    ``consistent`` divides phi by :data:`WINSOR_MOMENT` so that phi is 1 for a process with
    no overdispersion (plain winsorising gives 0.68 and too narrow limits). ``tau2_method``:
    ``"winsorised"`` (:func:`winsorised_tau2`, the default) or ``"dersimonian-laird"``
    (FunnelPlotR's: DerSimonian-Laird on the winsorised phi; too small when forces differ far
    more than sampling explains, see the module docstring).

    Examples
    --------
    z = -10, 0, 10 are winsorised to -8, 0, 8 (the 10th and 90th percentiles): phi = 128 / 3;
    w = 1e4 each, so the DerSimonian-Laird tau2 = (3 phi - 2) / (3e4 - 3e8 / 3e4) = 126 / 2e4:

    >>> phi, tau2 = overdispersion(np.array([0.1, 0.2, 0.3]), np.array([0.01] * 3), 0.2, consistent=False,
    ...                            tau2_method="dersimonian-laird")
    >>> round(phi, 2), round(tau2, 4)
    (42.67, 0.0063)
    """
    if tau2_method not in TAU2_METHODS:
        raise ParameterError(f"tau2_method must be one of {TAU2_METHODS}")
    z = (values - theta) / se
    lo, hi = np.percentile(z, [10, 90])
    zw = np.clip(z, lo, hi)
    k = len(z)
    phi = float(np.mean(zw ** 2)) / (WINSOR_MOMENT if consistent else 1.0)
    if tau2_method == "winsorised":
        return phi, winsorised_tau2(values, se, theta)
    w = 1 / se ** 2
    denom = w.sum() - (w ** 2).sum() / w.sum()
    tau2 = max(0.0, (k * phi - (k - 1)) / denom) if denom > 0 else 0.0
    return phi, float(tau2)


def funnel(numerator: Sequence[float], denominator: Sequence[float], *, kind: str = "p",
           method: str = "additive", target: float | None = None, tau2: float | None = None,
           scale: float = 1.0, units: Sequence[str] | None = None,
           tau2_method: str = "winsorised") -> pd.DataFrame:
    """Funnel limits and each unit's position.

    Parameters
    ----------
    numerator, denominator : sequences
        Events and denominators per unit (denominators > 0).
    kind : {"p", "u"}
        Proportion (binomial) or rate (Poisson).
    method : {"additive", "multiplicative", "none"}
        Overdispersion adjustment.
    target : float, optional
        The centre (default the pooled value); on the unscaled scale.
    tau2 : float, optional
        Between-unit variance to use (unscaled) instead of estimating it here, e.g. the
        national panel's when the units are a small group of similar forces.
    scale : float
        Display multiplier (100 for %, 1000 per 1,000).
    units : sequence of str, optional
        Unit names (the index of the result).
    tau2_method : {"winsorised", "dersimonian-laird"}
        How the between-unit variance is estimated (see :func:`overdispersion`).

    Returns
    -------
    DataFrame
        ``numerator``, ``denominator``, ``value``, ``lower_95``, ``upper_95``,
        ``lower_998``, ``upper_998`` (scaled), ``z`` (on the adjusted scale) and
        ``position`` ("above", "below", "within"); ``attrs``: ``target`` (scaled), ``phi``,
        ``tau2`` (unscaled), ``method``, ``kind``.

    Raises
    ------
    ParameterError
        Fewer than 3 units, a non-positive denominator, unknown kind or method.
    """
    x = np.asarray(numerator, dtype=float)
    n = np.asarray(denominator, dtype=float)
    if len(x) != len(n) or len(x) < 3:
        raise ParameterError("a funnel plot needs at least 3 units with a numerator and a denominator each")
    if not (np.isfinite(x).all() and np.isfinite(n).all()) or (n <= 0).any():
        raise ParameterError("every denominator must be positive and every value finite")
    if kind not in ("p", "u") or method not in METHODS:
        raise ParameterError(f"kind must be 'p' or 'u' and method one of {METHODS}")
    theta = float(x.sum() / n.sum()) if target is None else float(target)
    y = x / n
    se = _se(theta, n, kind)
    phi, t2 = overdispersion(y, se, theta, tau2_method=tau2_method)
    if tau2 is not None:
        t2 = float(tau2)
    if method == "additive":
        total = np.sqrt(se ** 2 + t2)
    elif method == "multiplicative":
        total = se * np.sqrt(max(phi, 1.0))
    else:
        total = se
    out = pd.DataFrame({"numerator": x, "denominator": n, "value": y * scale,
                        "lower_95": (theta - Z95 * total) * scale, "upper_95": (theta + Z95 * total) * scale,
                        "lower_998": (theta - Z998 * total) * scale, "upper_998": (theta + Z998 * total) * scale,
                        "z": (y - theta) / total},
                       index=pd.Index(list(units) if units is not None else range(len(x)), name="unit"))
    out["position"] = np.where(out["z"] > Z998, "above", np.where(out["z"] < -Z998, "below", "within"))
    out.attrs.update({"target": theta * scale, "phi": phi, "tau2": t2, "method": method, "kind": kind,
                      "scale": scale, "tau2_method": tau2_method})
    return out


def funnel_curve(target: float, tau2: float, kind: str, n_min: float, n_max: float, *, method: str = "additive",
                 phi: float = 1.0, scale: float = 1.0, points: int = 200) -> pd.DataFrame:
    """The limit curves over denominators ``n_min``-``n_max`` (unscaled ``target``), for drawing."""
    n = np.geomspace(max(n_min, 1e-9), max(n_max, n_min * 1.01), points)
    se = _se(target, n, kind)
    total = np.sqrt(se ** 2 + tau2) if method == "additive" else se * np.sqrt(max(phi, 1.0)) \
        if method == "multiplicative" else se
    return pd.DataFrame({"denominator": n, "lower_95": (target - Z95 * total) * scale,
                         "upper_95": (target + Z95 * total) * scale, "lower_998": (target - Z998 * total) * scale,
                         "upper_998": (target + Z998 * total) * scale})
