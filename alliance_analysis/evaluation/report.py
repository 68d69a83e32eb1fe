"""Plain-language verdict with stated thresholds."""

from __future__ import annotations

import logging

import numpy as np

from alliance_analysis.evaluation._common import THRESHOLDS, _breaks_text
from alliance_analysis.evaluation.did import DiDResult
from alliance_analysis.evaluation.its import ITSResult
from alliance_analysis.evaluation.sc import SyntheticControlResult

log = logging.getLogger(__name__)


def _num(x: float, *, sign: bool = True) -> str:
    """Readable number: thousands separators for large values, three significant figures for small ones."""
    if not np.isfinite(x):
        return str(x)
    if abs(x) >= 100:
        return f"{x:+,.0f}" if sign else f"{x:,.0f}"
    return f"{x:+.3g}" if sign else f"{x:.3g}"


def _excludes_zero(ci: tuple[float, float]) -> bool:
    return bool(ci[0] > 0 or ci[1] < 0)


def verdict(its: ITSResult | None = None, sc: SyntheticControlResult | None = None, did: DiDResult | None = None,
            *, alpha: float = THRESHOLDS["alpha"]) -> str:
    """Plain-language verdict: design, effect with interval, placebo rank, and what would overturn it.

    Thresholds (also in :data:`THRESHOLDS`): an interrupted time series supports an effect
    when the level change's p <= ``alpha`` and its 95% interval excludes zero (or the
    percent effect's interval excludes zero); difference-in-differences when the
    small-cluster t gives p <= ``alpha``, its interval excludes zero AND the randomisation
    test puts the treated force first (p equal to its smallest attainable value, or
    <= ``alpha`` when that is attainable); the synthetic control is "unlikely to be
    chance" only when the placebo p <= 0.10 with at least 10 placebos. The overall
    conclusion claims an effect only if every supplied method supports it with the same sign.
    A placebo change date in the pre-period whose post/pre error ratio reaches the real
    one's withdraws the synthetic control's support.
    No test that is known to be miscalibrated is used.

    Examples
    --------
    >>> verdict()
    'No estimate was supplied.'
    """
    parts: list[str] = []
    supports: list[bool] = []
    signs: list[float] = []
    breaks = []
    if its is not None:
        sig = its.level_p <= alpha and _excludes_zero(its.level_ci)
        sig_avg = _excludes_zero(its.percent_ci)
        parts.append(
            f"Interrupted time series (one force, {its.family} regression): level change {its.level_change:+.1%} "
            f"(95% CI {its.level_ci[0]:+.1%} to {its.level_ci[1]:+.1%}, p = {its.level_p:.3f}); trend change "
            f"{its.slope_change_annual:+.1%} a year (95% CI {its.slope_ci[0]:+.1%} to {its.slope_ci[1]:+.1%}); "
            f"average effect {_num(its.average_effect)} a period, {its.cumulative_effect:+,.0f} over {its.n_post} "
            f"periods (95% CI {its.cumulative_ci[0]:+,.0f} to {its.cumulative_ci[1]:+,.0f}), "
            f"{its.percent_effect:+.1%} (95% CI {its.percent_ci[0]:+.1%} to {its.percent_ci[1]:+.1%}); "
            f"{'distinguishable' if (sig or sig_avg) else 'not distinguishable'} from no change.")
        supports.append(sig or sig_avg)
        signs.append(np.sign(its.percent_effect if sig_avg else its.level_change))
        breaks.append(its.data_breaks)
    if did is not None:
        ri_first = did.ri_p_value <= max(alpha, did.ri_min_p) + 1e-12
        sig = did.p_value <= alpha and _excludes_zero(did.ci) and ri_first
        parts.append(
            f"Difference-in-differences ({did.n_treated} treated, {did.n_controls} control forces): "
            f"{did.effect:+.1%} (95% CI {did.ci[0]:+.1%} to {did.ci[1]:+.1%}; small-cluster t, {did.df} df, "
            f"p = {did.p_value:.3f}); randomisation over the donor pool p = {did.ri_p_value:.3f} "
            f"(smallest attainable {did.ri_min_p:.3f}); {did.cumulative_effect:+,.0f} over {did.n_post} periods; "
            f"{'significant' if sig else 'not significant'} at {alpha:.0%} on both tests.")
        supports.append(sig)
        signs.append(np.sign(did.effect))
        breaks.append(did.data_breaks)
    if sc is not None:
        n = len(sc.placebos)
        k = n - 1
        chance = sc.p_value <= THRESHOLDS["sc_placebo_p"] and k >= THRESHOLDS["sc_min_placebos"]
        tp_text = ""
        tp = sc.time_placebos
        if tp is not None and not tp.empty:
            worst = tp.loc[tp["ratio"].idxmax()]
            above = bool(worst["ratio"] >= sc.ratio)
            tp_text = (f"Placebo change dates in the pre-period ({', '.join(tp['fake_change'])}) give post/pre "
                       f"error ratios up to {worst['ratio']:.2f} against {sc.ratio:.2f} at the real date"
                       + (": a fake date fits as badly, which undermines the result." if above else "."))
            chance = chance and not above
        ci = "" if np.isnan(sc.effect_ci[0]) else (
            f" (placebo interval {sc.effect_ci[0]:+.1%} to {sc.effect_ci[1]:+.1%}, coverage >= {sc.ci_coverage:.0%})")
        parts.append(
            f"Synthetic control ({sc.method} method): {sc.effect:+.1%}{ci}, {_num(sc.average_effect)} a period; "
            f"pre-period RMSPE {_num(sc.pre_rmspe, sign=False)} ({sc.pre_rmspe_pct:.1%} of the pre-period mean); "
            f"its post/pre error ratio ranks {sc.rank} of {n} units, a permutation p-value of {sc.p_value:.2f} "
            f"(the smallest possible is {1 / n:.2f}"
            + (", so with this few peers no result can be strongly conclusive)." if k < THRESHOLDS["sc_min_placebos"]
               else ").")
            + (" Unlikely to be chance." if chance else ""))
        if tp_text:
            parts.append(tp_text)
        supports.append(chance)
        signs.append(np.sign(sc.effect))
        breaks.append(sc.data_breaks)
    if not parts:
        return "No estimate was supplied."
    confident = all(supports) and len(set(signs)) == 1
    bt = next((_breaks_text(b) for b in breaks if b is not None and not b.empty), "")
    if bt:
        parts.append(bt)
    parts.append(
        f"Thresholds: a test supports an effect only at p <= {alpha:g} with a 95% interval excluding zero; the "
        f"synthetic control only at placebo p <= {THRESHOLDS['sc_placebo_p']:g} with at least "
        f"{THRESHOLDS['sc_min_placebos']} placebos.")
    if confident:
        parts.append("Overall: the methods agree on a change that is unlikely to be chance. It would be overturned by "
                     "a placebo force or earlier fake change date showing a gap as large, a declared data break or "
                     "recording change coinciding with the change date, or a peer affected by its own change.")
    else:
        parts.append("Overall: the evidence does not establish an effect with confidence; treat any change as "
                     "unproven. Effects inside the intervals above cannot be ruled out; a longer post-period, more "
                     "peer forces or agreement across methods would be needed to establish one.")
    return " ".join(parts)
