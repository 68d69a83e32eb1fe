"""Synthetic difference-in-differences (Arkhangelsky, Athey, Hirshberg, Imbens and Wager 2021).

Unit weights make the comparison units' weighted path parallel to the treated unit's before
the change (with an intercept, regularised by ``zeta``); time weights make the weighted
pre-period of the comparison units predict their post-period mean (with an intercept, a tiny
ridge). The effect is the weighted difference-in-differences::

    tau = (mean post y - lambda' pre y) - sum_j omega_j (mean post Y_j - lambda' pre Y_j)

with ``zeta = (N_treated x T_post) ** 0.25 x sd(first differences of the comparison units' pre-period)``,
as in the paper and the ``synthdid`` R package. On California's Proposition 99 (the fixture
``tests/fixtures/california_prop99.csv``) it gives -15.6 packs per capita, the paper's Table 1
figure (DID -27.3).

Measured on the shipped police panel (all recorded crime, the Warwickshire-West Mercia
designs, log counts, a 20-quarter fit, placebo inference as in
:mod:`alliance_analysis.evaluation.comparison`; ``benchmarks/bench_evaluation_placebo.py``): the
smallest detectable change is 16.7%, 19.5% and 21.6% (Devon and Cornwall-Dorset 26.8%) against
16.9%, 17.6% and 25.7% (27.3%) for the equal-weight comparison, and 11.5%, 12.2% and 14.7%
(14.1%) for the offence groups pooled (the quarter a change fell in left out of both periods; with
it in the baseline SDID gave 14.9% and 24.8% at the two designs it affects); unit weights alone over
a grid of fit windows and regularisation did no better than 13.4%, 17.5% and 21% (with that quarter
in the baseline), and nothing once groups are pooled. The
reports therefore do not use it; it stays for analysts' own designs and as the check against
the published result.

Examples
--------
>>> rng = np.random.default_rng(0)
>>> Y0 = 50 + rng.normal(0, 1, (20, 12)).cumsum(axis=1)
>>> y1 = Y0[:3].mean(axis=0) + 5.0
>>> y1[8:] -= 10.0
>>> r = synthetic_did(y1, Y0, 8)
>>> round(r.effect, 0), round(float(r.unit_weights.sum()), 6), round(float(r.time_weights.sum()), 6)
(-10.0, 1.0, 1.0)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from alliance_analysis.errors import ParameterError
from alliance_analysis.evaluation.sc import simplex_least_squares


@dataclass(frozen=True)
class SDIDResult:
    """The effect, the unit and time weights and the regularisation used; ``did`` is the unweighted
    difference-in-differences of the same data, for comparison."""

    effect: float
    unit_weights: np.ndarray
    time_weights: np.ndarray
    zeta: float
    did: float


def _weights_with_intercept(A: np.ndarray, b: np.ndarray, ridge: float) -> np.ndarray:
    """``min_{w0, w in simplex} |w0 + A w - b|^2 + ridge^2 x rows(A) x |w|^2`` (the intercept removed by centring)."""
    Ac = A - A.mean(axis=0)
    bc = b - b.mean()
    k = A.shape[1]
    Aaug = np.vstack([Ac, ridge * np.sqrt(A.shape[0]) * np.eye(k)])
    baug = np.concatenate([bc, np.zeros(k)])
    return simplex_least_squares(Aaug, baug).weights


def synthetic_did(treated: np.ndarray, controls: np.ndarray, t0: int, *, n_treated: int = 1) -> SDIDResult:
    """Synthetic difference-in-differences for one treated series.

    Parameters
    ----------
    treated : array (periods,)
        The treated unit's outcome (several treated units: their mean, with ``n_treated`` set).
    controls : array (units, periods)
        The comparison units' outcomes.
    t0 : int
        Index of the first period after the change (at least two before it, one after).
    n_treated : int
        Treated units averaged into ``treated`` (enters the regularisation only).

    Returns
    -------
    SDIDResult
    """
    y = np.asarray(treated, dtype=float)
    Y0 = np.asarray(controls, dtype=float)
    if Y0.ndim != 2 or Y0.shape[1] != len(y):
        raise ParameterError(f"controls must be units x {len(y)} periods; got shape {Y0.shape}")
    T = len(y)
    if not 2 <= t0 < T:
        raise ParameterError(f"the change index {t0} needs two periods before it and one after (the data have {T})")
    if not (np.isfinite(y).all() and np.isfinite(Y0).all()):
        raise ParameterError("the outcomes contain missing or infinite values; fix: drop or fill those units first")
    T1 = T - t0
    sigma = float(np.diff(Y0[:, :t0], axis=1).std(ddof=1)) if t0 > 2 else float(Y0[:, :t0].std(ddof=1))
    zeta = (n_treated * T1) ** 0.25 * sigma
    omega = _weights_with_intercept(Y0[:, :t0].T, y[:t0], zeta)
    lam = _weights_with_intercept(Y0[:, :t0], Y0[:, t0:].mean(axis=1), 1e-6 * sigma)
    tau = (y[t0:].mean() - lam @ y[:t0]) - (omega @ Y0[:, t0:].mean(axis=1) - omega @ (Y0[:, :t0] @ lam))
    did = (y[t0:].mean() - y[:t0].mean()) - (Y0[:, t0:].mean() - Y0[:, :t0].mean())
    return SDIDResult(float(tau), omega, lam, float(zeta), float(did))


def placebo_se(controls: np.ndarray, t0: int) -> float:
    """Placebo standard error (the paper's Algorithm 4 with every comparison unit in turn as the treated one):
    the standard deviation of the placebo effects.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> Y0 = 50 + rng.normal(0, 1, (15, 10)).cumsum(axis=1)
    >>> 0 < placebo_se(Y0, 7) < 5
    True
    """
    Y0 = np.asarray(controls, dtype=float)
    est = [synthetic_did(Y0[i], np.delete(Y0, i, axis=0), t0).effect for i in range(Y0.shape[0])]
    return float(np.std(est, ddof=1))
