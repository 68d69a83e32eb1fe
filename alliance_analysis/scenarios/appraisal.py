"""Green Book appraisal: discounting, option cash flows, NPV, BCR and discounted payback.

Examples
--------
>>> round(float(discount_factors(32)[31]), 6) == round(1.035 ** -30 * 1.03 ** -1, 6)
True
>>> npv([0.035], [-100, 103.5])
0.0
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from alliance_analysis.errors import ParameterError
from alliance_analysis.scenarios.model import Option, ScenarioSet, load_scenarios, resolve  # noqa: F401
from alliance_analysis.clean import fy_label

log = logging.getLogger(__name__)

#: kinds of flow that are benefits of the collaboration, and kinds that are its costs; a saving made by one
#: force alone (``single_force_saving``) is neither: it is shown, never counted
BENEFIT_KINDS: tuple[str, ...] = ("saving", "leadership")
COST_KINDS: tuple[str, ...] = ("one_off_revenue", "capital", "redundancy")

GREEN_BOOK_SCHEDULE: tuple[tuple[int, float], ...] = (
    (30, 0.035), (75, 0.030), (125, 0.025), (200, 0.020), (300, 0.015), (10**9, 0.010),
)

# --------------------------------------------------------------------------- discounting

def discount_factors(n_years: int, schedule: str = "green_book", rate: float = 0.035) -> np.ndarray:
    """Discount factors for years 0..n-1 (year 0 = 1).

    Examples
    --------
    >>> [round(float(x), 6) for x in discount_factors(3)]
    [1.0, 0.966184, 0.933511]
    """
    if n_years < 1:
        raise ParameterError(f"n_years {n_years} must be >= 1")
    years = np.arange(1, n_years)
    if schedule == "green_book":
        rates = np.empty(len(years))
        lo = 0
        for upper, r in GREEN_BOOK_SCHEDULE:
            rates[(years > lo) & (years <= upper)] = r
            lo = upper
    elif schedule == "flat":
        if not 0 <= rate < 1:
            raise ParameterError(f"rate {rate} must be in [0, 1)")
        rates = np.full(len(years), rate)
    else:
        raise ParameterError(f"schedule {schedule!r}: use 'green_book' or 'flat'")
    return np.concatenate([[1.0], np.cumprod(1.0 / (1.0 + rates))])


def npv(rates: Sequence[float] | float | Literal["green_book"], cashflows: Sequence[float], *,
        convention: Literal["year0", "spreadsheet"] = "year0") -> float:
    """Net present value under a flat rate, a per-year rate schedule or the Green Book schedule.

    ``rates`` is a flat rate (float or 1-item sequence), a sequence of per-period rates
    (``rates[k]`` discounts period k+1, compounded: DF_t = prod 1/(1 + r_k)), or
    ``"green_book"``. ``year0``: the first cash flow is undiscounted (as
    ``numpy_financial.npv``); ``spreadsheet``: every flow is discounted one more period
    (as Excel's ``NPV()``). To use precomputed factors, take ``cashflows @ factors``.

    Examples
    --------
    >>> round(npv(0.035, [0, 100]), 3), round(npv(0.035, [100], convention="spreadsheet"), 3)
    (96.618, 96.618)
    >>> round(npv([0.035, 0.03], [0, 0, 100]), 4)    # 100 / (1.035 x 1.03)
    93.8042
    """
    cf = np.asarray(cashflows, dtype=float)
    if convention not in ("year0", "spreadsheet"):
        raise ParameterError(f"convention {convention!r}: use 'year0' or 'spreadsheet'")
    shift = 1 if convention == "spreadsheet" else 0
    periods = len(cf) - 1 + shift  # number of compounding periods needed
    if isinstance(rates, str):
        df = discount_factors(periods + 1, rates)
    else:
        r = np.atleast_1d(np.asarray(rates, dtype=float))
        if r.size == 1:
            r = np.full(periods, r[0])
        if len(r) < periods:
            raise ParameterError(f"rates: {len(r)} per-period rates for {len(cf)} cash flows need {periods} "
                                 f"({convention} convention); give one rate or one per period")
        if np.any(r <= -1):
            raise ParameterError("rates: every rate must be > -100%")
        df = np.concatenate([[1.0], np.cumprod(1.0 / (1.0 + r[:periods]))])
    return float(round(np.sum(cf * df[shift: len(cf) + shift]), 10))


# --------------------------------------------------------------------------- cash flows



_fy = fy_label


def option_flows(scenario: ScenarioSet, option: Option | str, horizon: int) -> pd.DataFrame:
    """Yearly cash flows of one option against the stand-alone status quo (GBP m).

    Returns
    -------
    DataFrame
        ``year`` (0..), ``financial_year``, ``area``, ``kind`` (saving / one_off_revenue /
        capital / redundancy / leadership / single_force_saving: made by one force alone, shown
        but never counted as a benefit of the collaboration), ``force`` (None = shared by the split rule),
        ``amount_gbp_m`` (savings positive, costs negative, before optimism bias), in real
        base-year prices (nominal scenarios are deflated by ``deflator_index``).

    Examples
    --------
    >>> s = load_scenarios({"name": "x", "base_year": 2013, "price_base": "p", "forces": [{"name": "A"}],
    ...     "options": [{"name": "o", "savings": [{"area": "s", "amount_gbp_m": 3, "start_year": 2014, "ramp_years": 3}]}]})
    >>> option_flows(s, "o", 4)["amount_gbp_m"].tolist()
    [0.0, 1.0, 2.0, 3.0]
    """
    opt = _option(scenario, option)
    if horizon < 1:
        raise ParameterError(f"horizon {horizon} must be >= 1 year")
    years = np.arange(horizon)
    rows = []
    for s in opt.savings:
        full = resolve(s.amount_gbp_m)
        k = scenario.base_year + years - s.start_year  # years since start
        amount = np.where(k < 0, 0.0, full * np.minimum(k + 1, s.ramp_years) / s.ramp_years)
        if s.end_year is not None:
            amount = np.where(scenario.base_year + years > s.end_year, 0.0, amount)
        kind = "saving" if s.counts else "single_force_saving"
        for t in years:
            rows.append((t, s.area, kind, s.force, amount[t]))
    for c in opt.costs:
        total = resolve(c.amount_gbp_m)
        for t in years:
            y = scenario.base_year + t
            inside = c.year <= y < c.year + c.years
            rows.append((t, c.item, c.kind, c.force, -total / c.years if inside else 0.0))
    if opt.leadership is not None:
        L = opt.leadership
        saving = L.saving_gbp_m
        for t in years:
            rows.append((t, "chief officer team", "leadership", None,
                         saving if scenario.base_year + t >= L.start_year else 0.0))
    df = pd.DataFrame(rows, columns=["year", "area", "kind", "force", "amount_gbp_m"])
    if df.empty:
        df = pd.DataFrame({"year": years, "area": "none", "kind": "saving", "force": None, "amount_gbp_m": 0.0})
    df["financial_year"] = [_fy(scenario.base_year + int(t)) for t in df["year"]]
    if scenario.prices == "nominal":
        df["amount_gbp_m"] = df["amount_gbp_m"] * _real_factors(scenario, horizon)[df["year"].to_numpy()]
    return df[["year", "financial_year", "area", "kind", "force", "amount_gbp_m"]]


def _real_factors(scenario: ScenarioSet, horizon: int) -> np.ndarray:
    """Multipliers taking each year's cash to base-year prices: index[base] / index[year]."""
    idx = scenario.deflator_index or {}
    missing = [scenario.base_year + t for t in range(horizon) if scenario.base_year + t not in idx]
    if missing:
        raise ParameterError(f"deflator_index has no value for {', '.join(_fy(y) for y in missing)}; extend it to "
                             f"cover the {horizon}-year horizon or shorten the horizon")
    return np.array([idx[scenario.base_year] / idx[scenario.base_year + t] for t in range(horizon)])


def _option(scenario: ScenarioSet, option: Option | str) -> Option:
    if isinstance(option, Option):
        return option
    for o in scenario.options:
        if o.name == option:
            return o
    raise ParameterError(f"unknown option {option!r}; options are {[o.name for o in scenario.options]}")


def _benefit_cost_vectors(scenario: ScenarioSet, option: Option | str, horizon: int,
                          slip: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Benefits (savings incl. leadership) and costs (positive, with optimism bias) per year."""
    f = option_flows(scenario, option, horizon)
    ben = f[f["kind"].isin(BENEFIT_KINDS)].groupby("year")["amount_gbp_m"].sum()
    cost = -f[f["kind"].isin(COST_KINDS)].groupby("year")["amount_gbp_m"].sum()
    b = ben.reindex(range(horizon), fill_value=0.0).to_numpy()
    c = cost.reindex(range(horizon), fill_value=0.0).to_numpy()
    uplift = 1 + scenario.optimism_bias * (1 - scenario.optimism_mitigation)
    if slip:
        b = np.concatenate([np.zeros(slip), b])[:horizon]
    return b, c * uplift


def _paid_back(cum: np.ndarray, started: np.ndarray) -> np.ndarray:
    """Years (per row) from which the cumulative discounted net benefit stays >= 0, once savings have begun."""
    stays = np.minimum.accumulate(cum[:, ::-1], axis=1)[:, ::-1] >= -1e-12
    return stays & started


@dataclass(frozen=True)
class Appraisal:
    """The economic case of one option."""

    option: str
    flows: pd.DataFrame
    npv_gbp_m: float
    pv_benefits_gbp_m: float
    pv_costs_gbp_m: float
    bcr: float
    discounted_payback_year: str | None
    price_base: str
    convention: str = "year 0 undiscounted (numpy_financial.npv)"


def appraise(scenario: ScenarioSet, option: Option | str, *, horizon: int = 10, schedule: str = "green_book",
             rate: float = 0.035) -> Appraisal:
    """NPV, benefit-cost ratio and discounted payback of one option.

    The discounted payback year is the first year from which the cumulative discounted
    net benefit stays at or above zero for the rest of the horizon (so a later dip, e.g.
    from separation costs, is not hidden). All figures use the year-0 convention.

    Examples
    --------
    >>> s = load_scenarios({"name": "x", "base_year": 2013, "price_base": "p", "forces": [{"name": "A"}],
    ...     "options": [{"name": "o", "savings": [{"area": "s", "amount_gbp_m": 10, "start_year": 2014}],
    ...                  "costs": [{"kind": "capital", "item": "c", "amount_gbp_m": 15, "year": 2013}]}]})
    >>> a = appraise(s, "o", horizon=3)
    >>> round(a.npv_gbp_m, 4), a.discounted_payback_year   # -15 + 10/1.035 + 10/1.035^2
    (3.9969, '2015/16')
    """
    opt = _option(scenario, option)
    b, c = _benefit_cost_vectors(scenario, opt, horizon)
    df = discount_factors(horizon, schedule, rate)
    net = b - c
    cum = np.cumsum(net * df)
    pay = np.nonzero(_paid_back(cum[None, :], np.cumsum(b)[None, :] > 0)[0])[0]
    flows = pd.DataFrame({"year": range(horizon), "financial_year": [_fy(scenario.base_year + t) for t in range(horizon)],
                          "benefits_gbp_m": b, "costs_gbp_m": c, "net_gbp_m": net, "discount_factor": df,
                          "pv_net_gbp_m": net * df, "cumulative_pv_net_gbp_m": cum})
    pvb, pvc = float(b @ df), float(c @ df)
    return Appraisal(opt.name, flows, float(net @ df), pvb, pvc, pvb / pvc if pvc > 0 else float("nan"),
                     _fy(scenario.base_year + int(pay[0])) if len(pay) else None, scenario.price_base)


def compare_options(scenario: ScenarioSet, *, horizon: int = 10, schedule: str = "green_book",
                    rate: float = 0.035) -> pd.DataFrame:
    """One row per option: NPV, PV benefits and costs, BCR, discounted payback, undiscounted totals.

    ``attrs`` state the price base, horizon, schedule and discount convention.

    Examples
    --------
    >>> s = load_scenarios({"name": "x", "base_year": 2013, "price_base": "p", "forces": [{"name": "A"}, {"name": "B"}],
    ...     "options": [{"name": "o", "split": {"A": 69, "B": 31},
    ...                  "savings": [{"area": "s", "amount_gbp_m": 10, "start_year": 2014}],
    ...                  "costs": [{"kind": "capital", "item": "c", "amount_gbp_m": 15, "year": 2013}]}]})
    >>> compare_options(s, horizon=3)[["option", "discounted_payback"]].values.tolist()
    [['o', '2015/16']]
    """
    rows = []
    for o in scenario.options:
        a = appraise(scenario, o, horizon=horizon, schedule=schedule, rate=rate)
        rows.append({"option": o.name, "npv_gbp_m": a.npv_gbp_m, "pv_benefits_gbp_m": a.pv_benefits_gbp_m,
                     "pv_costs_gbp_m": a.pv_costs_gbp_m, "bcr": a.bcr, "discounted_payback": a.discounted_payback_year,
                     "undiscounted_net_gbp_m": float(a.flows["net_gbp_m"].sum())})
    out = pd.DataFrame(rows)
    out.attrs.update({"price_base": scenario.price_base, "horizon_years": horizon, "schedule": schedule,
                      "convention": "year 0 undiscounted (numpy_financial.npv)"})
    return out


