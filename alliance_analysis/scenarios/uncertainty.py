"""Uncertainty: seeded Monte Carlo, switching values and the tornado."""

from __future__ import annotations

import logging
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
    rng = np.random.default_rng(seed)
    u = scenario.uncertainty
    delivery = u.savings_delivery.sample(rng, n_draws)
    slip = np.clip(np.rint(u.timing_slip_years.sample(rng, n_draws)), 0, horizon).astype(int)
    overrun = u.cost_overrun.sample(rng, n_draws)
    b, c = _benefit_cost_vectors(scenario, opt, horizon)
    shifted = np.zeros((horizon + 1, horizon))
    for s in range(horizon + 1):
        shifted[s, s:] = b[: horizon - s]
    df = discount_factors(horizon, schedule, rate)
    net = delivery[:, None] * shifted[slip] - overrun[:, None] * c[None, :]
    cum = np.cumsum(net * df[None, :], axis=1)
    ok = _paid_back(cum, np.cumsum(delivery[:, None] * shifted[slip], axis=1) > 0)
    pay = np.where(ok.any(axis=1), ok.argmax(axis=1), -1)
    return MonteCarloResult(opt.name, cum[:, -1], pay, cum, {"savings_delivery": delivery, "timing_slip_years": slip,
                                                             "cost_overrun": overrun}, scenario.base_year)


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
         "meaning": "whole years of delay that make NPV negative (None: none within the horizon)"},
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


