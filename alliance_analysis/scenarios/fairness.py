"""Cost-sharing rules: shares, per-force flows, fairness of each rule, reserves, and sharing rules built from
real workforce, population and recorded-crime shares of a chosen year."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from alliance_analysis.errors import DataValidationError, ParameterError  # noqa: F401
from alliance_analysis.scenarios.appraisal import BENEFIT_KINDS, COST_KINDS, _fy, _option, discount_factors, option_flows
from alliance_analysis.scenarios.model import (Option, ScenarioSet, _check_split, load_scenarios,  # noqa: F401
                                               resolve, with_force_figures)

log = logging.getLogger(__name__)

# --------------------------------------------------------------------------- sharing and reserves

def split_shares(scenario: ScenarioSet, rule: str | Mapping[str, float]) -> dict[str, float]:
    """Shares (fractions summing to 1) under a rule: a fixed split in %, 'equal', 'population',
    'workforce', 'budget' or 'demand' (the forces' ``demand`` figures, e.g. from
    :mod:`alliance_analysis.demand`).

    Examples
    --------
    >>> s = load_scenarios({"name": "x", "base_year": 2013, "price_base": "p",
    ...     "forces": [{"name": "A", "population": 3}, {"name": "B", "population": 1}], "options": [{"name": "o"}]})
    >>> split_shares(s, "population"), split_shares(s, {"A": 100, "B": 0})
    ({'A': 0.75, 'B': 0.25}, {'A': 1.0, 'B': 0.0})
    """
    names = [f.name for f in scenario.forces]
    if isinstance(rule, Mapping):
        try:
            _check_split(rule, names, "split")
        except ValueError as exc:
            raise ParameterError(str(exc)) from None
        return {k: rule[k] / 100 for k in names}
    if rule == "equal":
        return {k: 1 / len(names) for k in names}
    attr = {"population": "population", "workforce": "workforce", "budget": "budget_gbp_m", "demand": "demand"}.get(rule)
    if attr is None:
        raise ParameterError(f"split rule {rule!r}: use a mapping, 'equal', 'population', 'workforce', 'budget' "
                             "or 'demand'")
    vals = {f.name: resolve(getattr(f, attr)) if attr == "budget_gbp_m" else getattr(f, attr) for f in scenario.forces}
    if any(v is None or not np.isfinite(v) for v in vals.values()):
        raise ParameterError(f"split rule {rule!r} needs '{attr}' for every force in the scenario file")
    total = sum(vals.values())
    if total <= 0:
        raise ParameterError(f"split rule {rule!r}: the forces' '{attr}' figures sum to {total:g}; need a positive total")
    return {k: v / total for k, v in vals.items()}


def force_flows(scenario: ScenarioSet, option: Option | str, horizon: int = 10,
                rule: str | Mapping[str, float] | None = None) -> pd.DataFrame:
    """Cash flows per force: force-specific items to that force, shared items by the split rule.

    Costs carry the optimism-bias uplift. ``rule`` overrides the option's own split.

    Examples
    --------
    >>> s = load_scenarios({"name": "x", "base_year": 2013, "price_base": "p", "forces": [{"name": "A"}, {"name": "B"}],
    ...     "options": [{"name": "o", "split": {"A": 69, "B": 31},
    ...                  "savings": [{"area": "s", "amount_gbp_m": 10, "start_year": 2014}],
    ...                  "costs": [{"kind": "capital", "item": "c", "amount_gbp_m": 15, "year": 2013}]}]})
    >>> ff = force_flows(s, "o", 2)
    >>> ff.groupby("force")["amount_gbp_m"].sum().round(2).to_dict()   # (10 - 15) x 0.69 and x 0.31
    {'A': -3.45, 'B': -1.55}
    """
    opt = _option(scenario, option)
    shares = split_shares(scenario, opt.split if rule is None else rule)
    f = option_flows(scenario, opt, horizon)
    uplift = 1 + scenario.optimism_bias * (1 - scenario.optimism_mitigation)
    f = f[f["kind"].isin([*BENEFIT_KINDS, *COST_KINDS])]  # a force's own savings are not the collaboration's
    f["amount_gbp_m"] = np.where(f["kind"].isin(BENEFIT_KINDS), f["amount_gbp_m"], f["amount_gbp_m"] * uplift)
    rows = []
    for name, share in shares.items():
        own = f["force"] == name
        shared = f["force"].isna()
        amt = np.where(own, f["amount_gbp_m"], np.where(shared, f["amount_gbp_m"] * share, 0.0))
        rows.append(f.assign(force=name, amount_gbp_m=amt))
    out = pd.concat(rows, ignore_index=True)
    return out.groupby(["force", "year", "financial_year", "kind"], as_index=False)["amount_gbp_m"].sum()


def fairness(scenario: ScenarioSet, option: Option | str, *, horizon: int = 10,
             rules: Sequence[str | Mapping[str, float]] | None = None, schedule: str = "green_book",
             rate: float = 0.035) -> pd.DataFrame:
    """Each force's PV of benefits, costs and net under each sharing rule, and the change vs the agreed split.

    Examples
    --------
    >>> s = load_scenarios({"name": "x", "base_year": 2013, "price_base": "p", "agreed_split": {"A": 69, "B": 31},
    ...     "forces": [{"name": "A"}, {"name": "B"}],
    ...     "options": [{"name": "o", "savings": [{"area": "s", "amount_gbp_m": 10, "start_year": 2013}]}]})
    >>> f = fairness(s, "o", horizon=1, rules=["equal"])
    >>> f.loc[f["rule"] == "equal", ["force", "pv_net_gbp_m", "change_vs_agreed_gbp_m"]].round(2).values.tolist()
    [['A', 5.0, -1.9], ['B', 5.0, 1.9]]
    """
    opt = _option(scenario, option)
    agreed = scenario.agreed_split or (opt.split if isinstance(opt.split, dict) else None)
    rules = list(rules) if rules is not None else ["equal", "population", "workforce", "budget", "demand"]
    if agreed is not None:
        rules = [dict(agreed), *[r for r in rules if r != agreed]]
    df = discount_factors(horizon, schedule, rate)
    rows = []
    for rule in rules:
        label = "agreed " + ":".join(f"{v:g}" for v in rule.values()) if isinstance(rule, Mapping) else rule
        bases = {f.figure_basis.get(str(rule)) for f in scenario.forces} if isinstance(rule, str) else {None}
        if len(bases) == 1 and None not in bases:
            basis = bases.pop()
            label = basis if str(basis).startswith(str(rule)) else f"{rule} ({basis})"
        try:
            ff = force_flows(scenario, opt, horizon, rule)
        except ParameterError as exc:
            log.info("rule %s skipped: %s", label, exc)
            continue
        ff["pv"] = ff["amount_gbp_m"] * df[ff["year"].to_numpy()]
        for force, g in ff.groupby("force"):
            ben = g.loc[g["kind"].isin(BENEFIT_KINDS), "pv"].sum()
            cost = -g.loc[g["kind"].isin(COST_KINDS), "pv"].sum()
            rows.append({"rule": label, "force": force, "pv_benefits_gbp_m": ben, "pv_costs_gbp_m": cost,
                         "pv_net_gbp_m": ben - cost})
    out = pd.DataFrame(rows)
    if agreed is not None:
        base = out[out["rule"] == out["rule"].iloc[0]].set_index("force")["pv_net_gbp_m"]
        out["change_vs_agreed_gbp_m"] = out["pv_net_gbp_m"] - out["force"].map(base)
    return out


def reserves_trajectory(scenario: ScenarioSet, option: Option | str, *, horizon: int = 10,
                        floor_gbp_m: float = 0.0,
                        funded_from_reserves: Sequence[str] = ("one_off_revenue", "redundancy")) -> pd.DataFrame:
    """Year-end reserves per force: opening reserves, less planned drawdown and the force's
    share (after optimism bias) of the one-off costs funded from reserves.

    The opening balance is at the start of the force's ``reserves_year`` (default: the
    base year); costs before then are taken as already reflected in it. Planned drawdown
    runs from then to ``drawdown_end_year`` (inclusive; default: every year). Capital is
    not charged to reserves by default (it is usually financed by borrowing or capital
    receipts); pass ``funded_from_reserves`` to change that. Recurring savings are not
    added to reserves: they close budget gaps.

    ``attrs["first_breach"]`` maps each force to the first financial year below ``floor_gbp_m``
    (or None); ``attrs["first_breach_any"]`` is the earliest of them (or None). A force whose
    scenario gives no reserves figure is **not checked**: its rows hold NaN, it is listed in
    ``attrs["not_checked"]`` and never reported as falling below the floor.

    Examples
    --------
    >>> s = load_scenarios({"name": "x", "base_year": 2013, "price_base": "p",
    ...     "forces": [{"name": "A", "reserves_gbp_m": 10, "reserves_drawdown_gbp_m_per_year": 2,
    ...                 "drawdown_end_year": 2014}],
    ...     "options": [{"name": "o", "costs": [{"kind": "redundancy", "item": "r", "amount_gbp_m": 3, "year": 2015}]}]})
    >>> reserves_trajectory(s, "o", horizon=4, floor_gbp_m=4)["reserves_gbp_m"].tolist()   # 10-2, -2, -3, flat
    [8.0, 6.0, 3.0, 3.0]
    """
    opt = _option(scenario, option)
    allowed = {"one_off_revenue", "capital", "redundancy"}
    if not set(funded_from_reserves) <= allowed:
        raise ParameterError(f"funded_from_reserves {list(funded_from_reserves)}: use kinds from {sorted(allowed)}")
    ff = force_flows(scenario, opt, horizon)
    costs = ff[ff["kind"].isin(list(funded_from_reserves))].groupby(["force", "year"])["amount_gbp_m"].sum()
    rows, breach, unchecked = [], {}, []
    for f in scenario.forces:
        if f.reserves_gbp_m is None:  # no figure: not checked, never a computed zero
            unchecked.append(f.name)
            breach[f.name] = None
            rows.extend({"force": f.name, "year": t, "financial_year": _fy(scenario.base_year + t),
                         "reserves_gbp_m": np.nan} for t in range(horizon))
            continue
        level = resolve(f.reserves_gbp_m)
        drawdown = resolve(f.reserves_drawdown_gbp_m_per_year)
        start = f.reserves_year if f.reserves_year is not None else scenario.base_year
        breach[f.name] = None
        for t in range(horizon):
            y = scenario.base_year + t
            if y >= start:
                planned = drawdown if f.drawdown_end_year is None or y <= f.drawdown_end_year else 0.0
                level += costs.get((f.name, t), 0.0) - planned
            rows.append({"force": f.name, "year": t, "financial_year": _fy(scenario.base_year + t), "reserves_gbp_m": level})
            if level < floor_gbp_m and breach[f.name] is None:
                breach[f.name] = _fy(scenario.base_year + t)
    out = pd.DataFrame(rows)
    out.attrs["first_breach"] = breach
    out.attrs["first_breach_any"] = min((y for y in breach.values() if y is not None), default=None)
    out.attrs["floor_gbp_m"] = floor_gbp_m
    out.attrs["not_checked"] = unchecked
    return out




# --------------------------------------------------------------------------- sharing rules from real data

#: share basis (as :func:`alliance_analysis.demand.shares_by_year` names it) -> force figure it sets
SHARE_FIELDS: dict[str, str] = {"recorded crime": "demand", "population": "population", "workforce (FTE)": "workforce"}

#: where each basis comes from, for the fairness table and the workbook cover
SHARE_SOURCES: dict[str, str] = {
    "recorded crime": "Home Office police recorded crime (rolling and quarterly PFA tables, excluding fraud)",
    "population": "ONS mid-year population estimates by district, summed to force areas",
    "workforce (FTE)": "Home Office police workforce open data, FTE at 31 March",
}


def _complete_years(crime: pd.DataFrame) -> pd.DataFrame:
    """``force``, ``year``, ``count``: financial-year totals, complete years only when quarters are given."""
    need = {"force", "count"} - set(crime.columns)
    if need or not ({"year", "financial_year"} & set(crime.columns)):
        raise DataValidationError(f"crime table lacks {sorted(need) or ['year or financial_year']}",
                                  column=", ".join(sorted(need)) or "financial_year",
                                  fix="pass longseries.recorded_crime_quarterly output or force, year, count")
    c = crime
    if "year" not in c.columns:
        c = c.assign(year=c["financial_year"].astype(str).str.slice(0, 4).astype(int))
    if "quarter" in c.columns:  # keep a financial year only where every force has its four quarters
        nq = c.groupby(["force", "year"])["quarter"].nunique()
        complete = nq[nq == 4].index
        partial = sorted({int(y) for (_, y) in nq[nq != 4].index})
        if partial:
            log.info("recorded crime: incomplete financial years left out of the shares: %s", partial)
        c = c.set_index(["force", "year"]).loc[lambda d: d.index.isin(complete)].reset_index()
    return c.groupby(["force", "year"], as_index=False)["count"].sum()


def partner_shares(forces: Sequence[str], year: int, *, crime: pd.DataFrame | None = None,
                   population: pd.DataFrame | None = None, workforce: pd.DataFrame | None = None) -> pd.DataFrame:
    """Each partner's share of recorded crime, population and workforce in one financial year.

    Built on :func:`alliance_analysis.demand.shares_by_year` (same conventions: ``year`` is
    the first calendar year of the financial year; population is the mid-year estimate of
    that year; workforce the 31 March snapshot ending it). Quarterly crime (as from
    ``longseries.recorded_crime_quarterly``) counts only where all four quarters are
    present. A basis without data for ``year`` is left out and named in
    ``attrs["missing"]`` with the years it does cover.

    Returns
    -------
    DataFrame
        ``financial_year``, ``basis``, ``force``, ``value``, ``share`` (fraction), ``source``.

    Examples
    --------
    >>> pop = pd.DataFrame({"force": ["A", "B"], "year": 2013, "population": [690, 310]})
    >>> q = pd.period_range("2013Q2", periods=4, freq="Q-DEC")
    >>> crime = pd.DataFrame({"force": ["A"] * 4 + ["B"] * 4, "quarter": list(q) * 2,
    ...                       "financial_year": "2013/14", "count": [10] * 4 + [30] * 4})
    >>> s = partner_shares(["A", "B"], 2013, crime=crime, population=pop)
    >>> s[["basis", "force", "share"]].values.tolist()
    [['recorded crime', 'A', 0.25], ['recorded crime', 'B', 0.75], ['population', 'A', 0.69], ['population', 'B', 0.31]]
    """
    from alliance_analysis.demand import shares_by_year

    forces = list(forces)
    if len(forces) < 2:
        raise ParameterError(f"forces {forces}: sharing rules need at least two partners")
    frames = {"crime": None if crime is None else _complete_years(crime), "population": population,
              "workforce": workforce}
    if all(v is None for v in frames.values()):
        raise ParameterError("give at least one of crime, population, workforce")
    out, missing = [], {}
    for key, basis in (("crime", "recorded crime"), ("population", "population"), ("workforce", "workforce (FTE)")):
        if frames[key] is None:
            continue
        try:
            s = shares_by_year(forces, **{key: frames[key]})
        except ParameterError:  # no year in which every partner has a (complete) figure
            s = pd.DataFrame({"year": pd.Series(dtype=int)})
        have = sorted(int(y) for y in s["year"].unique())
        got = s[s["year"] == year]
        if got.empty:
            missing[basis] = (f"data cover {_fy(have[0])} to {_fy(have[-1])}" if have
                              else "no year in which every partner has a figure")
            log.info("%s: no %s figures for every partner (%s)", basis, _fy(year), missing[basis])
            continue
        got = got.assign(basis=basis, share=got["share_pct"] / 100, source=SHARE_SOURCES[basis])
        out.append(got[["financial_year", "basis", "force", "value", "share", "source"]])
    res = (pd.concat(out, ignore_index=True) if out else
           pd.DataFrame(columns=["financial_year", "basis", "force", "value", "share", "source"]))
    order = {b: i for i, b in enumerate(SHARE_FIELDS)}
    res = res.sort_values(["basis", "force"], key=lambda c: c.map(order) if c.name == "basis" else c).reset_index(drop=True)
    res.attrs["missing"] = missing
    res.attrs["year"] = year
    return res


def with_partner_shares(scenario: ScenarioSet, shares: pd.DataFrame) -> ScenarioSet:
    """A copy of ``scenario`` whose forces carry the real figures of :func:`partner_shares`.

    Recorded crime becomes each force's ``demand``, population its ``population``,
    workforce FTE its ``workforce``; each records its basis (e.g. ``recorded crime
    2013/14``) so the fairness table names the year and source of every rule.

    Examples
    --------
    >>> s = load_scenarios({"name": "x", "base_year": 2013, "price_base": "p",
    ...     "forces": [{"name": "A"}, {"name": "B"}], "options": [{"name": "o"}]})
    >>> sh = pd.DataFrame({"financial_year": "2013/14", "basis": "recorded crime", "force": ["A", "B"],
    ...                    "value": [10.0, 30.0], "share": [0.25, 0.75], "source": "HO"})
    >>> split_shares(with_partner_shares(s, sh), "demand")
    {'A': 0.25, 'B': 0.75}
    """
    names = {f.name for f in scenario.forces}
    out = scenario
    for basis, g in shares.groupby("basis", sort=False):
        field = SHARE_FIELDS.get(str(basis))
        if field is None:
            raise DataValidationError(f"unknown share basis {basis!r}", column="basis",
                                      fix=f"use partner_shares output (bases {list(SHARE_FIELDS)})")
        extra = sorted(set(g["force"]) - names)
        if extra:
            raise DataValidationError(f"shares for forces not in the scenario: {extra}", column="force",
                                      fix="compute the shares for the scenario's forces")
        fy = ", ".join(sorted(g["financial_year"].astype(str).unique()))
        label = str(basis).replace("workforce (FTE)", "workforce FTE")
        out = with_force_figures(out, dict(zip(g["force"], g["value"].astype(float))), field, basis=f"{label} {fy}")
    return out


def real_sharing_data(forces: Sequence[str]) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """Load the real long series behind :func:`partner_shares` for ``forces``.

    Recorded crime from ``longseries.recorded_crime_quarterly``; population and workforce
    from ``datasets.default.population_by_year`` / ``workforce_by_year`` where those
    loaders exist. Returns the frames found (keys ``crime``, ``population``,
    ``workforce``) and one plain sentence per basis that could not be loaded.

    Examples
    --------
    >>> frames, notes = real_sharing_data(["Warwickshire", "West Mercia"])  # doctest: +SKIP
    """
    from alliance_analysis.series import longseries
    from alliance_analysis.series import default
    from alliance_analysis.errors import AllianceError

    frames: dict[str, pd.DataFrame] = {}
    notes: list[str] = []
    try:
        frames["crime"] = longseries.recorded_crime_quarterly(list(forces))
    except (AllianceError, OSError) as exc:
        notes.append(f"Recorded crime shares are not shown: {exc}")
    for key, name, label in (("population", "population_by_year", "population"),
                             ("workforce", "workforce_by_year", "workforce")):
        loader = getattr(default, name, None)
        if loader is None:
            notes.append(f"{label.capitalize()} shares are not shown: this installation has no "
                         f"datasets.default.{name} loader yet.")
            continue
        try:
            t = loader()
        except (AllianceError, OSError) as exc:
            notes.append(f"{label.capitalize()} shares are not shown: {exc}")
            continue
        frames[key] = _year_frame(t, key)
    return frames, notes


def _year_frame(t: pd.DataFrame, key: str) -> pd.DataFrame:
    """Bring a population/workforce loader's table to ``force``, ``year``, value column."""
    value = "population" if key == "population" else "value"
    t = t.rename(columns={"fte": "value", "count": value} if key == "workforce" else {})
    if "year" not in t.columns and "as_at" in t.columns:
        t = t.assign(year=pd.to_datetime(t["as_at"]).dt.year)
    missing = {"force", "year", value} - set(t.columns)
    if missing:
        raise DataValidationError(f"{key} table lacks {sorted(missing)}", column=", ".join(sorted(missing)),
                                  fix=f"the {key} loader must return force, year and {value}")
    return t[["force", "year", value]]


def with_real_shares(scenario: ScenarioSet, *,
                     frames: dict[str, pd.DataFrame] | None = None) -> tuple[ScenarioSet, pd.DataFrame, list[str]]:
    """The scenario with its partners' real shares of ``scenario.sharing_year`` plugged in.

    ``frames`` (keys ``crime``, ``population``, ``workforce``) default to
    :func:`real_sharing_data`. Returns the updated scenario, the shares (see
    :func:`partner_shares`; empty for a single force) and one plain sentence per basis
    that is not shown and why.

    Examples
    --------
    >>> s = load_scenarios({"name": "x", "base_year": 2013, "price_base": "p",
    ...     "forces": [{"name": "A"}, {"name": "B"}], "options": [{"name": "o"}]})
    >>> pop = pd.DataFrame({"force": ["A", "B"], "year": 2013, "population": [1, 3]})
    >>> s2, sh, notes = with_real_shares(s, frames={"population": pop})
    >>> split_shares(s2, "population"), notes
    ({'A': 0.25, 'B': 0.75}, [])
    """
    names = [f.name for f in scenario.forces]
    empty = pd.DataFrame(columns=["financial_year", "basis", "force", "value", "share", "source"])
    if len(names) < 2:
        return scenario, empty, ["Sharing rules need two or more partners; this scenario has one force."]
    notes: list[str] = []
    if frames is None:
        frames, notes = real_sharing_data(names)
    if not frames:
        return scenario, empty, notes
    shares = partner_shares(names, scenario.sharing_year, **frames)
    for basis, why in shares.attrs.get("missing", {}).items():
        notes.append(f"{basis[:1].upper() + basis[1:]} shares are not shown for {_fy(scenario.sharing_year)}: {why}.")
    return with_partner_shares(scenario, shares), shares, notes
