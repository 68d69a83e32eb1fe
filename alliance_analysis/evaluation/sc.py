"""Synthetic control: ADH levels and scaled estimators, certified QP weights, placebo tests."""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from alliance_analysis.errors import DataValidationError, ParameterError
from alliance_analysis.evaluation._common import (ConvergenceWarning, _change_period, _check_design, _panel,
                                                  declared_breaks, periods_per_year)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SimplexFit:
    """Convex weights minimising ``||A w - b||^2`` and the certificate of optimality."""

    weights: np.ndarray
    loss: float
    gap: float  # Frank-Wolfe duality gap: an upper bound on loss - optimal loss
    converged: bool
    iterations: int


def simplex_least_squares(A: np.ndarray, b: np.ndarray, *, rtol: float = 1e-7) -> SimplexFit:
    """Solve ``min ||A w - b||^2`` subject to ``w >= 0``, ``sum(w) = 1``.

    Lawson-Hanson NNLS with the constraint as a heavily weighted row for a start, SLSQP
    with the analytic gradient ``2 A'(A w - b)`` on the rescaled problem if that start is not
    optimal, then an active-set polish (the equality-constrained least squares on the support), then
    projected-gradient steps if needed. Convergence is certified by the Frank-Wolfe gap
    ``w'g - min(g)``, an upper bound on the excess loss: ``converged`` means
    ``gap <= rtol * (loss + rtol * ||b||^2)``.

    Examples
    --------
    >>> A = np.array([[1.0, 0.0, 2.0], [0.0, 1.0, 2.0]])
    >>> f = simplex_least_squares(A, np.array([0.5, 0.5]))
    >>> np.round(f.weights, 6).tolist(), f.converged
    ([0.5, 0.5, 0.0], True)
    """
    from scipy.optimize import minimize, nnls

    A = np.asarray(A, dtype=float)
    b = np.asarray(b, dtype=float)
    k = A.shape[1]
    scale = float(np.sqrt(np.mean(b**2))) or 1.0
    As, bs = A / scale, b / scale
    H = As.T @ As
    c = As.T @ bs
    bb = float(bs @ bs)

    def loss(w):
        r = As @ w - bs
        return float(r @ r)

    def grad(w):
        return 2 * (H @ w - c)

    def fw_gap(w):
        g = grad(w)
        return float(w @ g - g.min())

    def ok(w):
        return fw_gap(w) <= rtol * (max(loss(w), 0.0) + rtol * bb)

    if k == 1:
        w = np.ones(1)
        return SimplexFit(w, loss(w) * scale**2, 0.0, True, 0)
    # start: Lawson-Hanson NNLS on the sum-to-one constraint appended as a heavily weighted row
    At = As - bs[:, None]  # on the simplex, A w - b = (A - b 1') w
    big = 1e3 * max(1.0, float(np.linalg.norm(At)))
    v, _ = nnls(np.vstack([At, np.full((1, k), big)]), np.append(np.zeros(len(bs)), big), maxiter=50 * k)
    w = v / v.sum() if v.sum() > 0 else np.full(k, 1 / k)
    its = 1
    if not ok(w):  # SLSQP with the analytic gradient
        res = minimize(loss, w, jac=grad, method="SLSQP", bounds=[(0, 1)] * k,
                       constraints=[{"type": "eq", "fun": lambda w: w.sum() - 1, "jac": lambda w: np.ones(k)}],
                       options={"maxiter": 200, "ftol": 1e-15})
        cand = np.clip(res.x, 0, None)
        cand = cand / cand.sum()
        its += int(res.nit)
        if loss(cand) < loss(w):
            w = cand
    # active-set polish: exact KKT solution on the support, repeated while it improves
    for _ in range(2 * k):
        if ok(w):
            break
        S = w > 1e-10
        g = grad(w)
        j = int(np.argmin(g))
        S[j] = True  # bring in the most violating coordinate
        idx = np.flatnonzero(S)
        KKT = np.zeros((len(idx) + 1, len(idx) + 1))
        KKT[:-1, :-1] = 2 * H[np.ix_(idx, idx)]
        KKT[:-1, -1] = 1
        KKT[-1, :-1] = 1
        rhs = np.append(2 * c[idx], 1.0)
        sol = np.linalg.lstsq(KKT, rhs, rcond=None)[0][:-1]
        cand = np.zeros(k)
        if (sol >= 0).all():
            cand[idx] = sol
        else:  # step from w towards the solution until a weight hits zero
            d = np.zeros(k)
            d[idx] = sol - w[idx]
            neg = d < 0
            step = min(1.0, float(np.min(-w[neg] / d[neg]))) if neg.any() else 1.0
            cand = np.clip(w + step * d, 0, None)
        cand = cand / cand.sum()
        its += 1
        if loss(cand) <= loss(w) + 1e-15:
            w = cand
        else:
            break
    if not ok(w):  # accelerated projected gradient as a last resort
        L = 2 * float(np.linalg.eigvalsh(H).max()) or 1.0
        x, yv, tk = w.copy(), w.copy(), 1.0
        for _ in range(5000):
            xn = _project_simplex(yv - grad(yv) / L)
            tn = (1 + math.sqrt(1 + 4 * tk * tk)) / 2
            yv = xn + (tk - 1) / tn * (xn - x)
            x, tk = xn, tn
            its += 1
            if ok(x):
                break
        if loss(x) < loss(w):
            w = x
    gap = fw_gap(w)
    conv = ok(w)
    return SimplexFit(w, loss(w) * scale**2, gap * scale**2, conv, its)


def _project_simplex(v: np.ndarray) -> np.ndarray:
    u = np.sort(v)[::-1]
    css = np.cumsum(u) - 1
    rho = np.nonzero(u - css / np.arange(1, len(v) + 1) > 0)[0][-1]
    return np.maximum(v - css[rho] / (rho + 1), 0)


@dataclass(frozen=True, repr=False)
class SyntheticControlResult:
    """Synthetic control estimates.

    ``method`` is ``"levels"`` (Abadie-Diamond-Hainmueller) or ``"scaled"`` (each unit
    divided by its pre-period mean). ``pre_rmspe``/``post_rmspe`` are in outcome units;
    ``pre_rmspe_pct`` is the pre RMSPE as a fraction of the treated pre-period mean;
    ``ratio`` is post/pre RMSPE. ``effect`` is the post-period percent effect
    (sum treated / sum synthetic - 1); ``average_effect``/``cumulative_effect`` are in counts.
    ``p_value`` = rank of the treated ratio among the treated and placebos / (placebos + 1).
    ``effect_ci`` inverts the placebo gaps: under a constant proportional effect it covers
    with probability at least ``ci_coverage`` = (n - 1)/(n + 1) for n placebos;
    ``cumulative_ci``/``average_ci`` are the same interval in counts (percent x the synthetic
    post-period total, divided by the post periods for the average).
    """

    weights: pd.Series
    path: pd.DataFrame  # period column, treated, synthetic, gap
    pre_rmspe: float
    post_rmspe: float
    ratio: float
    effect: float
    placebos: pd.DataFrame  # unit, ratio, effect, pre_rmspe, treated
    p_value: float
    time_placebos: pd.DataFrame = field(default_factory=pd.DataFrame)
    method: str = "levels"
    pre_rmspe_pct: float = float("nan")
    average_effect: float = float("nan")
    cumulative_effect: float = float("nan")
    effect_ci: tuple[float, float] = (float("nan"), float("nan"))
    cumulative_ci: tuple[float, float] = (float("nan"), float("nan"))
    average_ci: tuple[float, float] = (float("nan"), float("nan"))
    ci_coverage: float = float("nan")
    rank: int = 0
    converged: bool = True
    optimality_gap: float = 0.0
    period_column: str = "month"
    data_breaks: pd.DataFrame = field(default_factory=pd.DataFrame)

    def __repr__(self) -> str:
        top = self.weights[self.weights > 0.005].sort_values(ascending=False).round(3).to_dict()
        return (f"SyntheticControlResult(method={self.method!r}, effect={self.effect:+.1%}, "
                f"average_effect={self.average_effect:.4g}, pre_rmspe={self.pre_rmspe:.4g} (outcome units, "
                f"{self.pre_rmspe_pct:.1%} of the pre mean), ratio={self.ratio:.3g}, "
                f"placebo rank {self.rank} of {len(self.placebos)}, p={self.p_value:.3f}, weights={top})")


def _sc_fit(wide: np.ndarray, pre: np.ndarray, j: int, donors: np.ndarray, method: str,
            pred: np.ndarray | None) -> tuple:
    """Fit unit j on donors. Returns weights, synthetic path (outcome units), fit."""
    Y = wide
    if method == "scaled":
        means = Y[pre].mean(axis=0)
        if (means <= 0).any():
            raise DataValidationError("a unit has a zero pre-period mean; the scaled method cannot divide by it",
                                      column="count", fix="use method='levels' or drop that unit")
        Y = Y / means
    A, b = Y[pre][:, donors], Y[pre, j]
    if pred is not None:
        A = np.vstack([A, pred[:, donors]])
        b = np.concatenate([b, pred[:, j]])
    fit = simplex_least_squares(A, b)
    synth = Y[:, donors] @ fit.weights
    if method == "scaled":
        synth = synth * means[j]
    return fit.weights, synth, fit


def placebo_test_arrays(X: np.ndarray, pre: np.ndarray, *, method: str = "levels",
                        pred: np.ndarray | None = None) -> dict:
    """Synthetic control for column 0 of ``X`` (periods x units) and every placebo in space.

    Each other column is refitted as if treated, with the remaining columns except column 0
    as its donors. Returns arrays over units (column 0 first): ``pre_rmspe``, ``post_rmspe``,
    ``ratio`` (post/pre), ``effect`` (sum actual / sum synthetic - 1 over the post-period),
    ``average`` (mean post gap), ``converged``; plus the treated unit's ``weights``,
    ``synthetic`` path and ``fit``, and ``rank`` and ``p`` = rank / number of units.

    Examples
    --------
    >>> t = np.arange(10.0)
    >>> X = np.c_[10 + t + 5 * (t >= 7), 10 + t, 12 + t, 8 + t]
    >>> r = placebo_test_arrays(X, t < 7)
    >>> int(r["rank"]), float(r["p"])
    (1, 0.25)
    """
    n = X.shape[1]
    out = {k: np.zeros(n) for k in ("pre_rmspe", "post_rmspe", "ratio", "effect", "average")}
    out["converged"] = np.ones(n, dtype=bool)
    for j in range(n):
        pool = np.arange(1, n) if j == 0 else np.array([i for i in range(1, n) if i != j])
        if len(pool) == 0:
            raise ParameterError("a placebo needs at least two donors")
        w, s, fit = _sc_fit(X, pre, j, pool, method, pred)
        if j == 0:
            out.update(weights=w, synthetic=s, fit=fit)
        gap = X[:, j] - s
        pr = float(np.sqrt(np.mean(gap[pre] ** 2)))
        po = float(np.sqrt(np.mean(gap[~pre] ** 2)))
        out["pre_rmspe"][j], out["post_rmspe"][j] = pr, po
        out["ratio"][j] = po / pr if pr > 0 else np.inf
        out["effect"][j] = X[~pre, j].sum() / s[~pre].sum() - 1
        out["average"][j] = gap[~pre].mean()
        out["converged"][j] = fit.converged
    out["rank"] = int((out["ratio"] >= out["ratio"][0] * (1 - 1e-12)).sum())
    out["p"] = out["rank"] / n
    return out


def synthetic_control(df: pd.DataFrame, treated: str, donors: Sequence[str], change_date: str,
                      *, method: str = "levels", predictors: pd.DataFrame | None = None,
                      time_placebos: Sequence[str] = (), min_pre: int | None = None,
                      data_breaks=None) -> SyntheticControlResult:
    """Synthetic control with placebo tests in space (and, optionally, in time).

    ``method="levels"`` is the Abadie-Diamond-Hainmueller estimator: convex donor weights
    (non-negative, summing to one) minimising the squared distance between the treated
    unit's pre-period outcomes (and, if given, ``predictors``) and the weighted donors',
    with an identity V (every pre-period outcome equally important; predictors are
    standardised across units and scaled to the outcomes' spread; V is not optimised).
    ``method="scaled"`` divides each unit by its pre-period mean first (matching shape,
    for units of very different sizes), then rescales the synthetic path to the treated
    unit's level. Weights are solved by :func:`simplex_least_squares`; a
    :class:`ConvergenceWarning` is issued if optimality cannot be certified.

    Placebos: each donor as if treated, with the other donors as its pool (the treated unit
    excluded). The p-value is the rank of the treated unit's post/pre RMSPE ratio among the
    treated and its placebos, divided by their number: the smallest attainable is 1/(k+1).

    Examples
    --------
    >>> yrs = pd.period_range("2000", periods=12, freq="Y")
    >>> t = np.arange(12.0)
    >>> d = pd.concat([pd.DataFrame({"force": f, "period": yrs, "count": v}) for f, v in
    ...     [("A", 100 + t), ("B", 120 + 2 * t), ("C", 90 - t), ("T", 110 + 1.5 * t + 10 * (t >= 8))]])
    >>> r = synthetic_control(d, "T", ["A", "B", "C"], "2008", min_pre=6)
    >>> r.method, round(r.average_effect, 3), r.weights.round(3).to_dict()
    ('levels', 10.0, {'A': 0.5, 'B': 0.5, 'C': 0.0})
    """
    if method not in ("levels", "scaled"):
        raise ParameterError(f"method {method!r}: use 'levels' (Abadie-Diamond-Hainmueller) or 'scaled'")
    donors = list(donors)
    if len(set(donors)) != len(donors):
        raise ParameterError("donors contain duplicates")
    wide, pc = _panel(df, [treated, *donors], "donor pool")
    freq = wide.index.freq
    m = periods_per_year(freq)
    t0 = _change_period(change_date, freq)
    _check_design([treated], donors, t0, wide.index, role="donors")
    if len(donors) < 2:
        raise ParameterError(f"only {len(donors)} donor: a synthetic control and its placebo test need at least two "
                             "donors (add peer forces)")
    if min_pre is None:
        min_pre = {12: 12, 4: 8, 1: 6}[m]
    pre = np.asarray(wide.index < t0)
    if pre.sum() < min_pre:
        raise DataValidationError(f"only {pre.sum()} pre-period periods; at least {min_pre} needed", column=pc,
                                  fix="move the change date or extend the data")
    units = [treated, *donors]
    X = wide.to_numpy()
    pre_means = X[pre].mean(axis=0)
    if method == "levels" and not (pre_means[1:].min() <= pre_means[0] <= pre_means[1:].max()):
        raise ParameterError(
            f"{treated}'s pre-period mean ({pre_means[0]:.4g}) lies outside the donors' range "
            f"({pre_means[1:].min():.4g} to {pre_means[1:].max():.4g}): no convex combination of the donors can "
            "reproduce it, so a synthetic control cannot build its counterfactual (the City of London against "
            "other forces is the usual case); fix: use method='scaled', a comparison-group estimator on the log "
            "scale (evaluation.comparison), or donors that bracket the treated unit")
    pred = None
    if predictors is not None:
        miss = sorted(set(units) - set(predictors.index))
        if miss:
            raise DataValidationError(f"predictors missing for {miss}", column="index", fix="one row per unit")
        P = predictors.loc[units].to_numpy(dtype=float).T  # (n_pred, units)
        if np.isnan(P).any():
            raise DataValidationError("predictors contain missing values", fix="fill or drop the predictor")
        sd = P.std(axis=1, keepdims=True)
        sd[sd == 0] = 1
        base = X[pre] if method == "levels" else X[pre] / X[pre].mean(axis=0)
        pred = (P - P.mean(axis=1, keepdims=True)) / sd * float(base.std(axis=1).mean() or 1.0)
    n = len(units)
    all_idx = np.arange(n)
    pt = placebo_test_arrays(X, pre, method=method, pred=pred)
    w, synth, fit = pt["weights"], pt["synthetic"], pt["fit"]
    if not fit.converged:
        warnings.warn(f"synthetic-control weights for {treated} not certified optimal "
                      f"(Frank-Wolfe gap {fit.gap:.3g} at loss {fit.loss:.3g})", ConvergenceWarning, stacklevel=2)
    unconv = [units[j] for j in range(1, n) if not pt["converged"][j]]
    if unconv:
        warnings.warn(f"placebo weights not certified optimal for {unconv}", ConvergenceWarning, stacklevel=2)
    main = {k: float(pt[k][0]) for k in ("pre_rmspe", "post_rmspe", "ratio", "effect", "average")}
    plac = pd.DataFrame({"unit": units, "ratio": pt["ratio"], "effect": pt["effect"], "pre_rmspe": pt["pre_rmspe"],
                         "treated": [True] + [False] * (n - 1)})
    rank, p = int(pt["rank"]), float(pt["p"])
    others = plac.loc[~plac["treated"], "effect"].to_numpy()
    if len(others) >= 2:
        e_ci = (main["effect"] - float(others.max()), main["effect"] - float(others.min()))
        cov = (len(others) - 1) / (len(others) + 1)
    else:
        e_ci, cov = (float("nan"), float("nan")), float("nan")
    tp = []
    for fake in time_placebos:
        f0 = _change_period(fake, freq)
        mask_pre = np.asarray(wide.index < t0)
        sub = X[mask_pre]
        fpre = np.asarray(wide.index[mask_pre] < f0)
        if fpre.sum() >= min_pre and (~fpre).any():
            _, s_f, _ = _sc_fit(sub, fpre, 0, all_idx[1:], method, None)
            y = sub[:, 0]
            g = y - s_f
            pr, po = float(np.sqrt(np.mean(g[fpre] ** 2))), float(np.sqrt(np.mean(g[~fpre] ** 2)))
            tp.append({"fake_change": str(f0), "ratio": po / pr if pr > 0 else np.inf,
                       "effect": float(y[~fpre].sum() / s_f[~fpre].sum() - 1)})
        else:
            log.info("time placebo %s skipped: fewer than %d pre periods before it", f0, min_pre)
    path = pd.DataFrame({pc: wide.index, "treated": X[:, 0], "synthetic": synth, "gap": X[:, 0] - synth})
    n_post = int((~pre).sum())
    synth_post = float(synth[~pre].sum())
    pre_mean = float(X[pre, 0].mean())
    return SyntheticControlResult(
        pd.Series(w, index=donors), path, main["pre_rmspe"], main["post_rmspe"], main["ratio"], main["effect"],
        plac, p, pd.DataFrame(tp, columns=["fake_change", "ratio", "effect"]), method=method,
        pre_rmspe_pct=main["pre_rmspe"] / pre_mean if pre_mean else float("nan"),
        average_effect=main["average"], cumulative_effect=main["average"] * n_post, effect_ci=e_ci,
        cumulative_ci=(e_ci[0] * synth_post, e_ci[1] * synth_post),
        average_ci=(e_ci[0] * synth_post / n_post, e_ci[1] * synth_post / n_post),
        ci_coverage=cov, rank=rank, converged=fit.converged, optimality_gap=fit.gap, period_column=pc,
        data_breaks=declared_breaks(data_breaks, wide.index[0], wide.index[-1], t0))
