"""Uncertainty: seeded Monte Carlo, the risk-adjusted headline, option ranking, switching values, tornado.

Every option is simulated from the same draws of the uncertain inputs (common random
numbers: :func:`draw_inputs` depends on the scenario's distributions and the seed, never
on the option), so "option A beats option B" is judged draw by draw.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from alliance_analysis.errors import ParameterError
from alliance_analysis.scenarios.appraisal import (_benefit_cost_vectors, _fy, _option, _paid_back, appraise,  # noqa: F401
                                                   discount_factors)
from alliance_analysis.scenarios.model import Option, ScenarioSet, load_scenarios  # noqa: F401

log = logging.getLogger(__name__)

# --------------------------------------------------------------------------- uncertainty

@dataclass(frozen=True)
class MonteCarloResult:
    """Distribution of NPV and payback for one option."""

    option: str
    npv_gbp_m: np.ndarray
    payback_year_index: np.ndarray  # -1 = no payback within the horizon
    cumulative_pv_net: np.ndarray  # draws x years
    draws: dict[str, np.ndarray] = field(default_factory=dict)

    base_year: int = 0

    def summary(self) -> pd.Series:
        """Mean, P10/P50/P90 NPV, P(NPV < 0), median discounted payback year and P(no payback)."""
        q = np.percentile(self.npv_gbp_m, [10, 50, 90])
        pay = np.where(self.payback_year_index < 0, np.iinfo(np.int64).max, self.payback_year_index)
        med = int(np.sort(pay)[(len(pay) - 1) // 2])  # lower median; "none" if most draws never pay back
        return pd.Series({"option": self.option, "draws": len(self.npv_gbp_m),
                          "mean_npv_gbp_m": float(self.npv_gbp_m.mean()),
                          "p10_npv_gbp_m": q[0], "p50_npv_gbp_m": q[1], "p90_npv_gbp_m": q[2],
                          "prob_npv_negative": float((self.npv_gbp_m < 0).mean()),
                          "median_payback": _fy(self.base_year + med) if med < np.iinfo(np.int64).max else "none",
                          "prob_no_payback": float((self.payback_year_index < 0).mean())})

    def payback_distribution(self) -> pd.DataFrame:
        """Share of draws whose discounted payback falls in each financial year (``none``: not within the horizon)."""
        idx, n = np.unique(self.payback_year_index, return_counts=True)
        labels = [_fy(self.base_year + int(i)) if i >= 0 else "none" for i in idx]
        return pd.DataFrame({"option": self.option, "payback_year": labels, "share_of_draws": n / n.sum()})


def monte_carlo(scenario: ScenarioSet, option: Option | str, *, n_draws: int = 10_000, seed: int = 2014,
                horizon: int = 10, schedule: str = "green_book", rate: float = 0.035) -> MonteCarloResult:
    """Seeded, vectorised Monte Carlo over savings delivery, timing slip and cost overrun.

    Savings are multiplied by the delivery factor and delayed by the slip (whole years);
    costs (after optimism bias) are multiplied by the overrun factor. All draws are
    evaluated at once with array operations.

    Examples
    --------
    >>> s = load_scenarios({"name": "x", "base_year": 2013, "price_base": "p", "forces": [{"name": "A"}],
    ...     "options": [{"name": "o", "savings": [{"area": "s", "amount_gbp_m": 10, "start_year": 2014}]}]})
    >>> r = monte_carlo(s, "o", n_draws=5, horizon=3)
    >>> bool(np.allclose(r.npv_gbp_m, appraise(s, "o", horizon=3).npv_gbp_m))   # zero variance = deterministic
    True
    """
    if n_draws < 1:
        raise ParameterError(f"n_draws {n_draws} must be >= 1")
    opt = _option(scenario, option)
    draws = draw_inputs(scenario, n_draws=n_draws, seed=seed, horizon=horizon)
    delivery, slip, overrun = draws["savings_delivery"], draws["timing_slip_years"], draws["cost_overrun"]
    b, c = _benefit_cost_vectors(scenario, opt, horizon)
    shifted = _shifted(b, horizon)
    df = discount_factors(horizon, schedule, rate)
    net = delivery[:, None] * shifted[slip] - overrun[:, None] * c[None, :]
    cum = np.cumsum(net * df[None, :], axis=1)
    if not np.isfinite(cum).all():
        raise ParameterError(f"option {opt.name!r}: {int((~np.isfinite(cum[:, -1])).sum()):,} of {n_draws:,} Monte "
                             "Carlo draws give a non-finite NPV (the uncertainty distributions overflow); narrow "
                             "the 'uncertainty' distributions in the scenario file")
    ok = _paid_back(cum, np.cumsum(delivery[:, None] * shifted[slip], axis=1) > 0)
    pay = np.where(ok.any(axis=1), ok.argmax(axis=1), -1)
    return MonteCarloResult(opt.name, cum[:, -1], pay, cum, draws, scenario.base_year)


def draw_inputs(scenario: ScenarioSet, *, n_draws: int = 10_000, seed: int = 2014,
                horizon: int = 10) -> dict[str, np.ndarray]:
    """Seeded draws of the three uncertain inputs, shared by every option (common random numbers).

    Examples
    --------
    >>> s = load_scenarios({"name": "x", "base_year": 2013, "price_base": "p", "forces": [{"name": "A"}],
    ...     "uncertainty": {"timing_slip_years": {"dist": "uniform_int", "low": 0, "mode": 0, "high": 9}},
    ...     "options": [{"name": "o"}]})
    >>> d = draw_inputs(s, n_draws=1000, horizon=3)
    >>> sorted(d), int(d["timing_slip_years"].max())   # slips beyond the horizon are capped at it
    (['cost_overrun', 'savings_delivery', 'timing_slip_years'], 3)
    """
    if n_draws < 1:
        raise ParameterError(f"n_draws {n_draws} must be >= 1")
    rng = np.random.default_rng(seed)
    u = scenario.uncertainty
    delivery = u.savings_delivery.sample(rng, n_draws)
    slip = np.clip(np.rint(u.timing_slip_years.sample(rng, n_draws)), 0, horizon).astype(int)
    overrun = u.cost_overrun.sample(rng, n_draws)
    return {"savings_delivery": delivery, "timing_slip_years": slip, "cost_overrun": overrun}


def _shifted(b: np.ndarray, horizon: int) -> np.ndarray:
    """Row s = the benefit vector delayed by s whole years (truncated at the horizon)."""
    shifted = np.zeros((horizon + 1, horizon))
    for s in range(horizon + 1):
        shifted[s, s:] = b[: horizon - s]
    return shifted


# --------------------------------------------------------------------------- risk-adjusted headline

#: each uncertain input: label, value in the planned (deterministic) case, +1 if higher is favourable
_INPUTS: dict[str, tuple[str, float, int]] = {
    "savings_delivery": ("savings delivery", 1.0, +1),
    "timing_slip_years": ("timing slip", 0.0, -1),
    "cost_overrun": ("one-off cost overrun", 1.0, -1),
}


def _capital(text: str) -> str:
    """First letter upper case (option names are lower case: 'full merger')."""
    return text[:1].upper() + text[1:]


def _chance_negative(p: float) -> str:
    """'no draw negative', '0.3% chance it is negative', '12% chance it is negative'."""
    if p == 0:
        return "negative in none of the draws"
    return f"{p:.1%} chance it is negative" if p < 0.1 else f"{p:.0%} chance it is negative"


def _gbp(x: float) -> str:
    return f"-GBP {abs(x):,.1f}m" if x < 0 else f"GBP {x:,.1f}m"


def _input_text(name: str, mean: float, mode: float, planned: float) -> str:
    if name == "timing_slip_years":
        return f"{_INPUTS[name][0]} averages {mean:.1f} years (planned {planned:g}, most likely {mode:g})"
    if name == "savings_delivery":
        return f"{_INPUTS[name][0]} averages {mean:.0%} of plan (most likely {mode:.0%})"
    return f"{_INPUTS[name][0]} averages {mean:.2f}x the costed figure (most likely {mode:.2f}x)"


@dataclass(frozen=True)
class RiskAdjustedCase:
    """The expected (risk-adjusted) NPV of one option beside its planned (deterministic) case.

    ``inputs`` has one row per uncertain input: its planned value, mode and mean, which way
    the mean leans from the plan and from the mode (``adverse`` / ``favourable`` /
    ``neutral``), and ``effect_gbp_m``, the expected NPV with that input alone uncertain
    less the planned NPV (from the same draws). ``explanation`` is one generated sentence.
    """

    option: str
    expected_npv_gbp_m: float
    p10_npv_gbp_m: float
    p90_npv_gbp_m: float
    prob_npv_negative: float
    planned_npv_gbp_m: float
    draws: int
    seed: int
    price_base: str
    inputs: pd.DataFrame
    explanation: str

    def table(self) -> pd.DataFrame:
        """Two rows, expected beside planned (the planned case has no range: NaN)."""
        return pd.DataFrame([
            {"case": "expected (risk-adjusted)", "option": self.option, "npv_gbp_m": self.expected_npv_gbp_m,
             "p10_npv_gbp_m": self.p10_npv_gbp_m, "p90_npv_gbp_m": self.p90_npv_gbp_m,
             "prob_npv_negative": self.prob_npv_negative},
            {"case": "planned (deterministic)", "option": self.option, "npv_gbp_m": self.planned_npv_gbp_m,
             "p10_npv_gbp_m": np.nan, "p90_npv_gbp_m": np.nan, "prob_npv_negative": np.nan},
        ])

    @property
    def headline(self) -> str:
        """One sentence: expected NPV, P10-P90 range and the chance it is negative."""
        return (f"{_capital(self.option)}: expected NPV {_gbp(self.expected_npv_gbp_m)} (P10-P90 {_gbp(self.p10_npv_gbp_m)} to "
                f"{_gbp(self.p90_npv_gbp_m)}; {_chance_negative(self.prob_npv_negative)}) against "
                f"{_gbp(self.planned_npv_gbp_m)} planned, {self.price_base}, {self.draws:,} draws (seed {self.seed}).")


def input_leaning(scenario: ScenarioSet) -> pd.DataFrame:
    """Which way each uncertain input's distribution leans: its mean against the plan and against its mode.

    ``lean_vs_plan`` compares the mean with the value the planned case assumes (full
    delivery, no slip, costs as costed); ``lean_vs_mode`` compares it with the most likely
    value (skew). Each is ``adverse``, ``favourable`` or ``neutral`` for the NPV.

    Examples
    --------
    >>> s = load_scenarios({"name": "x", "base_year": 2013, "price_base": "p", "forces": [{"name": "A"}],
    ...     "uncertainty": {"savings_delivery": {"dist": "triangular", "low": 0.7, "mode": 0.95, "high": 1.05}},
    ...     "options": [{"name": "o"}]})
    >>> t = input_leaning(s).set_index("input")
    >>> round(float(t.loc["savings_delivery", "mean"]), 4), t.loc["savings_delivery", "lean_vs_plan"]  # (0.7+0.95+1.05)/3
    (0.9, 'adverse')
    >>> t.loc["cost_overrun", "lean_vs_plan"]   # fixed at 1: no lean
    'neutral'
    """
    u = scenario.uncertainty
    rows = []
    for name, (label, planned, sign) in _INPUTS.items():
        d = getattr(u, name)
        mean, mode = float(d.mean), float(d.centre)

        def lean(x: float, ref: float) -> str:
            v = sign * (x - ref)
            return "favourable" if v > 1e-9 else "adverse" if v < -1e-9 else "neutral"

        rows.append({"input": name, "label": label, "distribution": d.dist, "planned": planned, "mode": mode,
                     "mean": mean, "lean_vs_plan": lean(mean, planned), "lean_vs_mode": lean(mean, mode),
                     "uncertain": d.dist != "fixed" and d.bounds()[0] != d.bounds()[1]})
    return pd.DataFrame(rows)


def _npv_draws(b: np.ndarray, c: np.ndarray, df: np.ndarray, delivery: np.ndarray, slip: np.ndarray,
               overrun: np.ndarray) -> np.ndarray:
    """NPV of every draw (year-0 convention)."""
    horizon = len(b)
    return (delivery[:, None] * _shifted(b, horizon)[slip]) @ df - overrun * float(c @ df)


def explain_difference(expected: float, planned: float, inputs: pd.DataFrame) -> str:
    """One sentence saying why the expected NPV differs from the planned case, from :func:`input_leaning`
    rows with an ``effect_gbp_m`` column.

    Examples
    --------
    >>> t = pd.DataFrame({"input": ["savings_delivery", "cost_overrun"], "label": ["savings delivery", "x"],
    ...     "planned": [1.0, 1.0], "mode": [0.95, 1.0], "mean": [0.9, 1.0], "uncertain": [True, False],
    ...     "lean_vs_plan": ["adverse", "neutral"], "lean_vs_mode": ["adverse", "neutral"], "effect_gbp_m": [-10.0, 0.0]})
    >>> explain_difference(90.0, 100.0, t)
    'The expected NPV (GBP 90.0m) is GBP 10.0m below the planned case (GBP 100.0m) because the only uncertain input leans adverse of the plan: savings delivery averages 90% of plan (most likely 95%; -GBP 10.0m on its own).'
    """
    gap = expected - planned
    head = f"The expected NPV ({_gbp(expected)})"
    tol = max(0.05, 0.005 * abs(planned))
    unc = inputs[inputs["uncertain"]]
    if abs(gap) < tol:
        return (f"{head} is within {_gbp(tol)} of the planned case ({_gbp(planned)}): "
                + ("no input is uncertain." if unc.empty else "the uncertain inputs average out close to the plan."))
    direction = "below" if gap < 0 else "above"
    side = "adverse" if gap < 0 else "favourable"

    def parts(rows: pd.DataFrame) -> str:
        # "<input> averages x (most likely y" + "; GBP z on its own)"
        return "; ".join(f"{_input_text(r.input, r.mean, r.mode, r.planned)[:-1]}; {_gbp(r.effect_gbp_m)} on its own)"
                         for r in rows.itertuples())

    driving = unc[unc["lean_vs_plan"] == side].sort_values("effect_gbp_m", key=abs, ascending=False)
    other = unc[(unc["lean_vs_plan"] != side) & (unc["lean_vs_plan"] != "neutral")]
    if len(driving) == len(unc) and len(unc) > 1:
        why = f"every uncertain input leans {side} of the plan: {parts(driving)}"
    elif len(driving) == len(unc):
        why = f"the only uncertain input leans {side} of the plan: {parts(driving)}"
    elif not driving.empty:
        why = f"{', '.join(driving['label'])} lean{'s' if len(driving) == 1 else ''} {side} of the plan ({parts(driving)})"
        if not other.empty:
            why += f", outweighing {', '.join(other['label'])} ({parts(other)})"
    else:
        why = "of how the inputs combine (a delay costs more when savings are larger), not of any single input's mean"
    return f"{head} is {_gbp(abs(gap)).replace('-', '')} {direction} the planned case ({_gbp(planned)}) because {why}."


def risk_adjusted(scenario: ScenarioSet, option: Option | str, *, n_draws: int = 10_000, seed: int = 2014,
                  horizon: int = 10, schedule: str = "green_book", rate: float = 0.035,
                  _mc: MonteCarloResult | None = None) -> RiskAdjustedCase:
    """Expected NPV with its P10-P90 range and P(NPV < 0), the planned case, and why they differ.

    Examples
    --------
    >>> s = load_scenarios({"name": "x", "base_year": 2013, "price_base": "p", "forces": [{"name": "A"}],
    ...     "uncertainty": {"cost_overrun": {"dist": "uniform", "low": 1.0, "mode": 1.0, "high": 2.0}},
    ...     "options": [{"name": "o", "savings": [{"area": "s", "amount_gbp_m": 10, "start_year": 2013}],
    ...                  "costs": [{"kind": "capital", "item": "c", "amount_gbp_m": 4, "year": 2013}]}]})
    >>> r = risk_adjusted(s, "o", n_draws=4000, horizon=1)
    >>> r.planned_npv_gbp_m, abs(r.expected_npv_gbp_m - 4.0) < 0.1   # 10 - 4; costs average 1.5x: 10 - 6
    (6.0, True)
    >>> r.explanation.split(" because ")[1][:52]
    'the only uncertain input leans adverse of the plan: '
    """
    opt = _option(scenario, option)
    mc = _mc if _mc is not None else monte_carlo(scenario, opt, n_draws=n_draws, seed=seed, horizon=horizon,
                                                 schedule=schedule, rate=rate)
    planned = appraise(scenario, opt, horizon=horizon, schedule=schedule, rate=rate).npv_gbp_m
    b, c = _benefit_cost_vectors(scenario, opt, horizon)
    df = discount_factors(horizon, schedule, rate)
    n = len(mc.npv_gbp_m)
    alone = {k: v for k, v in mc.draws.items()}
    plan = {"savings_delivery": np.ones(n), "timing_slip_years": np.zeros(n, dtype=int), "cost_overrun": np.ones(n)}
    effects = {}
    for name in _INPUTS:
        args = {**plan, name: alone[name]}
        e = float(_npv_draws(b, c, df, args["savings_delivery"], args["timing_slip_years"],
                             args["cost_overrun"]).mean()) - planned
        effects[name] = 0.0 if abs(e) < 1e-9 * max(1.0, abs(planned)) else e  # no rounding noise
    inputs = input_leaning(scenario)
    inputs["effect_gbp_m"] = inputs["input"].map(effects)
    expected = float(mc.npv_gbp_m.mean())
    p10, p90 = (float(x) for x in np.percentile(mc.npv_gbp_m, [10, 90]))
    return RiskAdjustedCase(opt.name, expected, p10, p90, float((mc.npv_gbp_m < 0).mean()), planned, n, seed,
                            scenario.price_base, inputs, explain_difference(expected, planned, inputs))


#: P(option beats the next) inside this closed band: the two are called indistinguishable
INDISTINGUISHABLE_BAND: tuple[float, float] = (0.4, 0.6)


def rank_options(scenario: ScenarioSet, options: Sequence[str] | None = None, *, n_draws: int = 10_000,
                 seed: int = 2014, horizon: int = 10, schedule: str = "green_book", rate: float = 0.035,
                 band: tuple[float, float] = INDISTINGUISHABLE_BAND) -> pd.DataFrame:
    """Options ranked by expected NPV, each with the probability it beats the next one down.

    All options use the same draws (common random numbers), so ``prob_beats_next`` is the
    share of draws in which this option's NPV exceeds the next option's (ties count one
    half); ``prob_best`` is the share of draws in which it is the best of all (ties shared). Where it lies inside ``band`` (default 0.4-0.6) the two are called
    ``indistinguishable``; above it ``better than next``; below it (a higher mean carried by a few
    large draws) ``higher mean, but worse in most draws``. ``attrs`` record the band, draws, seed and a generated summary.

    Examples
    --------
    >>> s = load_scenarios({"name": "x", "base_year": 2013, "price_base": "p", "forces": [{"name": "A"}],
    ...     "uncertainty": {"savings_delivery": {"dist": "uniform", "low": 0.5, "mode": 1, "high": 1.5}},
    ...     "options": [{"name": "a", "savings": [{"area": "s", "amount_gbp_m": 10, "start_year": 2013}]},
    ...                 {"name": "b", "savings": [{"area": "s", "amount_gbp_m": 9, "start_year": 2013}]},
    ...                 {"name": "c", "savings": [{"area": "s", "amount_gbp_m": 9, "start_year": 2013}]}]})
    >>> r = rank_options(s, n_draws=500, horizon=1)
    >>> r[["option", "prob_beats_next", "call"]].values.tolist()   # a > b in every draw; b and c tie
    [['a', 1.0, 'better than next'], ['b', 0.5, 'indistinguishable from next'], ['c', nan, '']]
    """
    lo, hi = band
    if not 0 <= lo <= 0.5 <= hi <= 1:
        raise ParameterError(f"band {band}: need 0 <= low <= 0.5 <= high <= 1, e.g. (0.4, 0.6)")
    names = [o.name for o in scenario.options] if options is None else list(options)
    if not names:
        raise ParameterError("options: choose at least one option to rank")
    sims = {n: monte_carlo(scenario, n, n_draws=n_draws, seed=seed, horizon=horizon, schedule=schedule, rate=rate)
            for n in names}
    planned = {n: appraise(scenario, n, horizon=horizon, schedule=schedule, rate=rate).npv_gbp_m for n in names}
    out = _ranking(sims, planned, (lo, hi))
    out.attrs.update({"draws": n_draws, "seed": seed, "price_base": scenario.price_base})
    return out


def _ranking(sims: dict[str, MonteCarloResult], planned: dict[str, float], band: tuple[float, float]) -> pd.DataFrame:
    """The ranking table from simulations sharing their draws (see :func:`rank_options`)."""
    lo, hi = band
    names = list(sims)
    order = sorted(names, key=lambda n: (-float(sims[n].npv_gbp_m.mean()), names.index(n)))
    best = _prob_best(np.vstack([sims[n].npv_gbp_m for n in order]))
    rows = []
    for i, n in enumerate(order):
        x = sims[n].npv_gbp_m
        row = {"rank": i + 1, "option": n, "expected_npv_gbp_m": float(x.mean()), "prob_best": float(best[i]),
               "p10_npv_gbp_m": float(np.percentile(x, 10)), "p90_npv_gbp_m": float(np.percentile(x, 90)),
               "prob_npv_negative": float((x < 0).mean()), "planned_npv_gbp_m": planned[n],
               "next_option": "", "prob_beats_next": np.nan, "expected_margin_gbp_m": np.nan, "call": ""}
        if i + 1 < len(order):
            y = sims[order[i + 1]].npv_gbp_m
            diff = x - y
            tie = np.abs(diff) <= 1e-9 * max(1.0, float(np.abs(x).max()))
            p = float(((diff > 0) & ~tie).mean() + 0.5 * tie.mean())
            row.update(next_option=order[i + 1], prob_beats_next=p, expected_margin_gbp_m=float(diff.mean()),
                       call="indistinguishable from next" if lo <= p <= hi else
                       "better than next" if p > hi else "higher mean, but worse in most draws")
        rows.append(row)
    out = pd.DataFrame(rows)
    out.attrs.update({"band": (lo, hi), "summary": ranking_sentence(out, band=(lo, hi))})
    return out


def _prob_best(npv: np.ndarray) -> np.ndarray:
    """Share of draws (columns) in which each option (row) has the highest NPV; ties share the draw."""
    top = npv.max(axis=0)
    scale = 1e-9 * max(1.0, float(np.abs(npv).max()))
    is_top = np.abs(npv - top[None, :]) <= scale
    return (is_top / is_top.sum(axis=0, keepdims=True)).mean(axis=1)


def ranking_sentence(ranking: pd.DataFrame, *, band: tuple[float, float] = INDISTINGUISHABLE_BAND) -> str:
    """A generated sentence on the ranking: the best option and any indistinguishable neighbours.

    Examples
    --------
    >>> r = pd.DataFrame({"option": ["a", "b"], "expected_npv_gbp_m": [10.0, 9.9], "next_option": ["b", ""],
    ...                   "prob_beats_next": [0.52, np.nan], "call": ["indistinguishable from next", ""]})
    >>> ranking_sentence(r)
    'A has the highest expected NPV (GBP 10.0m), but it cannot be told apart from b (it does better in 52% of draws, inside the 40-60% band).'
    """
    top = ranking.iloc[0]
    text = f"{_capital(top['option'])} has the highest expected NPV ({_gbp(top['expected_npv_gbp_m'])})"
    if "prob_best" in ranking.columns and len(ranking) > 1:
        text += f" and is the best option in {top['prob_best']:.0%} of draws"
    ties = ranking[ranking["call"] == "indistinguishable from next"]
    band_txt = f"inside the {band[0]:.0%}-{band[1]:.0%} band".replace("%-", "-")
    if len(ranking) == 1:
        return text + "."
    if ties.empty:
        return (text + f"; no option's chance of beating the next one down falls {band_txt}, "
                "so the order is clear under the modelled uncertainty.")
    pairs = [f"{r.option} from {r.next_option} ({r.option} does better in {r.prob_beats_next:.0%} of draws)"
             for r in ties.itertuples()]
    if ties.index[0] == ranking.index[0] and len(pairs) == 1:
        t = ties.iloc[0]
        return (text + f", but it cannot be told apart from {t['next_option']} (it does better in "
                f"{t['prob_beats_next']:.0%} of draws, {band_txt}).")
    return text + f"; options too close to call ({band_txt}): " + "; ".join(pairs) + "."


def switching_values(scenario: ScenarioSet, option: Option | str, *, horizon: int = 10,
                     schedule: str = "green_book", rate: float = 0.035) -> pd.DataFrame:
    """How far each input can move before NPV crosses zero.

    NPV = d x PV(savings) - o x PV(costs) is linear in the delivery factor d and the
    overrun factor o, so their switching values are exact: d* = PV(costs)/PV(savings),
    o* = PV(savings)/PV(costs). For the slip, the smallest whole number of years that
    makes NPV negative.

    Examples
    --------
    >>> s = load_scenarios({"name": "x", "base_year": 2013, "price_base": "p", "forces": [{"name": "A"}],
    ...     "options": [{"name": "o", "savings": [{"area": "s", "amount_gbp_m": 10, "start_year": 2014}],
    ...                  "costs": [{"kind": "capital", "item": "c", "amount_gbp_m": 15, "year": 2013}]}]})
    >>> sv = switching_values(s, "o", horizon=3).set_index("input")["switching_value"]
    >>> round(float(sv["savings_delivery"]), 4)   # 15 / (10/1.035 + 10/1.035^2)
    0.7896
    """
    opt = _option(scenario, option)
    b, c = _benefit_cost_vectors(scenario, opt, horizon)
    df = discount_factors(horizon, schedule, rate)
    pvb, pvc = float(b @ df), float(c @ df)
    slip_sv = None
    for s in range(horizon + 1):
        bs = np.concatenate([np.zeros(s), b])[:horizon]
        if float(bs @ df) - pvc < 0:
            slip_sv = s
            break
    return pd.DataFrame([
        {"input": "savings_delivery", "base": 1.0, "switching_value": pvc / pvb if pvb else np.nan,
         "meaning": "share of planned savings that must be delivered for NPV >= 0"},
        {"input": "cost_overrun", "base": 1.0, "switching_value": pvb / pvc if pvc else np.inf,
         "meaning": "cost multiple at which NPV reaches 0"},
        {"input": "timing_slip_years", "base": 0.0, "switching_value": slip_sv,
         "meaning": "whole years of delay that make NPV negative (blank: none within the horizon)"},
    ])


def tornado(scenario: ScenarioSet, option: Option | str, *, horizon: int = 10, schedule: str = "green_book",
            rate: float = 0.035) -> pd.DataFrame:
    """NPV with each uncertain input at the adverse and favourable end of its distribution.

    The other inputs stay at the appraisal's base case (full delivery, no slip, no
    overrun), so ``base_npv`` equals :func:`appraise`'s NPV. Ends are the distribution's
    ``low``/``high`` (lognormal: 5th/95th percentiles).

    Examples
    --------
    >>> s = load_scenarios({"name": "x", "base_year": 2013, "price_base": "p", "forces": [{"name": "A"}],
    ...     "uncertainty": {"cost_overrun": {"dist": "triangular", "low": 1.0, "mode": 1.1, "high": 2.0}},
    ...     "options": [{"name": "o", "savings": [{"area": "s", "amount_gbp_m": 10, "start_year": 2014}],
    ...                  "costs": [{"kind": "capital", "item": "c", "amount_gbp_m": 15, "year": 2013}]}]})
    >>> t = tornado(s, "o", horizon=3).set_index("input")
    >>> round(float(t.loc["one-off cost overrun", "low_npv"]), 4)   # 3.996943 - 15 (cost doubled)
    -11.0031
    """
    opt = _option(scenario, option)
    u = scenario.uncertainty
    b, c = _benefit_cost_vectors(scenario, opt, horizon)
    df = discount_factors(horizon, schedule, rate)

    def value(d: float = 1.0, s: float = 0.0, o: float = 1.0) -> float:
        s = int(np.clip(round(s), 0, horizon))
        bs = np.concatenate([np.zeros(s), b])[:horizon]
        return float((d * bs - o * c) @ df)

    base = value()
    (d_lo, d_hi), (s_lo, s_hi), (o_lo, o_hi) = (u.savings_delivery.bounds(), u.timing_slip_years.bounds(),
                                                u.cost_overrun.bounds())
    rows = [
        {"input": "savings delivery", "adverse_input": d_lo, "favourable_input": d_hi,
         "low_npv": value(d=d_lo), "high_npv": value(d=d_hi)},
        {"input": "timing slip (years)", "adverse_input": s_hi, "favourable_input": s_lo,
         "low_npv": value(s=s_hi), "high_npv": value(s=s_lo)},
        {"input": "one-off cost overrun", "adverse_input": o_hi, "favourable_input": o_lo,
         "low_npv": value(o=o_hi), "high_npv": value(o=o_lo)},
    ]
    out = pd.DataFrame(rows)
    out["base_npv"] = base
    out["swing"] = out["high_npv"] - out["low_npv"]
    return out.sort_values("swing", ascending=False).reset_index(drop=True)


