"""Demand in police time: offences converted to police hours, set against the hours the workforce supplies.

The Home Office's economic and social costs of crime (2018) give, for some offences, the
police cost of dealing with one offence; at GBP 50 an hour that is an implied number of
police hours (``datasets.harm.load_police_cost_and_hours``). Many offences, including
high-volume ones (assault without injury, shoplifting, criminal damage, public order),
have no estimate: they are counted and shown as offences *without an estimate*, never
given zero hours, so the hours are a floor on the demand the estimates cover, and every
figure carries its coverage (the share of recorded offences with an estimate).

Matching an offence code to an estimate (stated rules, in order):

1. the offence description, lower-cased with spaces collapsed and any "(outcome only)" /
   "(outcomes only)" tag removed, equals an estimate's offence name treated the same way;
2. offences of the Home Office "Homicide" subgroup (murder, manslaughter, infanticide)
   take the estimate for homicide;
3. a name printed twice in the estimates with different hours is ambiguous: no estimate;
4. an estimate whose cost is blank is no estimate (the file prints 0 hours there).

Supply: FTE of officers, staff and PCSOs at 31 March (the workforce open data) times
productive hours per FTE, an assumption the user can change (default
:data:`PRODUCTIVE_HOURS_PER_FTE`). Financial year 2013/14 is set against the workforce of
31 March 2014.

Before 2012/13 the Home Office tables give offence groups, not offence codes: for those
years each force's hours per offence and coverage within each offence group are those of
its first financial year with offence codes (2012/13 for the shipped tables), applied to
that year's group totals; the rows say so (``basis``).

Examples
--------
>>> costs = pd.DataFrame({"offence": ["robbery of personal property", "shoplifting"],
...                       "cost_gbp": [4343.0, None], "police_hours": [86.86, 0.0]})
>>> codes = pd.DataFrame({"offence_code": ["34B", "46"], "offence_subgroup": ["Robbery", "Shoplifting"],
...                       "offence_description": ["Robbery of personal property", "Shoplifting"]})
>>> hours_by_offence_code(codes, costs)["police_hours"].tolist()   # shoplifting: no estimate, not zero
[86.86, nan]
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import numpy as np
import pandas as pd

from alliance_analysis import paths
from alliance_analysis.clean import fy_label
from alliance_analysis.errors import DataValidationError, ParameterError

log = logging.getLogger(__name__)

#: default place of the costs-of-crime police hours file, beside the project (not shippable)
COSTS_FILE: Path = paths.SHARED_DATA_DIR / "harm" / "police_cost_and_hours_by_offence.csv"
#: productive hours a year per full-time equivalent (assumption: about 37 hours a week for
#: 43 weeks, after leave, training and sickness); a parameter of notebook 01
PRODUCTIVE_HOURS_PER_FTE: float = 1600.0

_TAG = re.compile(r"\s*\(outcomes? only\)\s*")


def _norm(text: str) -> str:
    t = _TAG.sub(" ", str(text).lower())
    return " ".join(t.split())


def hours_by_offence_code(offences: pd.DataFrame, costs: pd.DataFrame) -> pd.DataFrame:
    """Police hours per offence for each offence code (``NaN`` = no estimate; see the module rules).

    Parameters
    ----------
    offences : DataFrame
        ``offence_code``, ``offence_description``, ``offence_subgroup`` (one row per code and description).
    costs : DataFrame
        ``offence``, ``cost_gbp``, ``police_hours`` (``datasets.harm.load_police_cost_and_hours``).

    Returns
    -------
    DataFrame
        ``offence_code``, ``offence_description``, ``offence_subgroup``, ``police_hours``, ``matched_to``
        (the estimate's offence name, empty where none).

    Examples
    --------
    >>> costs = pd.DataFrame({"offence": ["homicide", "x", "x"], "cost_gbp": [11960.0, 1.0, 2.0],
    ...                       "police_hours": [239.2, 0.02, 0.04]})
    >>> codes = pd.DataFrame({"offence_code": ["1", "9"], "offence_subgroup": ["Homicide", "Other"],
    ...                       "offence_description": ["Murder", "X (outcomes only)"]})
    >>> hours_by_offence_code(codes, costs)[["police_hours", "matched_to"]].values.tolist()   # x is ambiguous
    [[239.2, 'homicide'], [nan, '']]
    """
    for c in ("offence", "cost_gbp", "police_hours"):
        if c not in costs.columns:
            raise DataValidationError("police hours table column is missing", column=c,
                                      fix="load it with datasets.harm.load_police_cost_and_hours")
    c = costs.assign(key=costs["offence"].map(_norm))
    c = c.assign(hours=c["police_hours"].where(c["cost_gbp"].notna()))       # blank cost: no estimate, not 0
    spread = c.groupby("key")["hours"].agg(lambda s: s.nunique(dropna=False))
    lookup = c[~c["key"].isin(spread[spread > 1].index)].drop_duplicates("key").set_index("key")
    out = offences[["offence_code", "offence_description", "offence_subgroup"]].drop_duplicates().copy()
    key = out["offence_description"].map(_norm)
    homicide = out["offence_subgroup"].astype(str).str.strip().str.lower().eq("homicide") & ~key.isin(lookup.index)
    key = key.where(~homicide, "homicide")
    known = key.isin(lookup.index)
    out["police_hours"] = key.map(lookup["hours"]).where(known).astype(float)
    out["matched_to"] = np.where(known & out["police_hours"].notna(), key, "")
    return out.reset_index(drop=True)


def offence_year_hours(prc: pd.DataFrame, hours: pd.DataFrame, forces: list[str]) -> pd.DataFrame:
    """Offences, offences with an estimate and police hours by force, financial year and harmonised group.

    ``prc`` is a quarterly Home Office table by offence code (``force``, ``financial_year``,
    ``quarter``, ``offence_code``, ``offence_description``, ``offence_subgroup``, ``count``);
    only complete financial years (four quarters) and the harmonised groups in recorded
    crime (fraud left out) are kept.

    Examples
    --------
    >>> q = pd.period_range("2012Q2", periods=4, freq="Q")
    >>> prc = pd.DataFrame({"force": "A", "financial_year": "2012/13", "quarter": list(q) * 2,
    ...                     "offence_code": ["34B"] * 4 + ["46"] * 4, "offence_subgroup":
    ...                     ["Robbery of personal property"] * 4 + ["Shoplifting"] * 4,
    ...                     "offence_description": ["R"] * 4 + ["S"] * 4, "count": [1, 1, 1, 1, 5, 5, 5, 5]})
    >>> h = pd.DataFrame({"offence_code": ["34B", "46"], "offence_description": ["R", "S"], "police_hours": [10.0, None]})
    >>> offence_year_hours(prc, h, ["A"])[["offence_group", "offences", "estimated", "hours"]].values.tolist()
    [['Robbery', 4, 4, 40.0], ['Theft (other)', 20, 0, 0.0]]
    """
    from alliance_analysis import taxonomy

    p = prc[prc["force"].isin(forces)]
    nq = p.groupby(["force", "financial_year"])["quarter"].nunique()
    full = nq[nq == 4].reset_index()[["force", "financial_year"]]
    p = p.merge(full, on=["force", "financial_year"])
    groups = taxonomy.harmonised_taxonomy()
    groups = groups[(groups["scheme"] == "prc") & groups["in_total"]]
    gmap = {" ".join(str(k).lower().split()): v for k, v in zip(groups["label"], groups["harmonised_group"])}
    p = p.assign(offence_group=p["offence_subgroup"].map(lambda s: gmap.get(" ".join(str(s).lower().split()))))
    p = p.dropna(subset=["offence_group"])
    h = hours[["offence_code", "offence_description", "police_hours"]].drop_duplicates(
        ["offence_code", "offence_description"])
    p = p.merge(h, on=["offence_code", "offence_description"], how="left")
    est = p["police_hours"].notna()
    p = p.assign(estimated=p["count"].where(est, 0), hours=(p["count"] * p["police_hours"]).where(est, 0.0))
    out = p.groupby(["force", "financial_year", "offence_group"], as_index=False).agg(
        offences=("count", "sum"), estimated=("estimated", "sum"), hours=("hours", "sum"))
    out["year"] = out["financial_year"].str[:4].astype(int)
    out[["offences", "estimated"]] = out[["offences", "estimated"]].astype("int64")
    return out[["force", "financial_year", "year", "offence_group", "offences", "estimated", "hours"]]


def extend_back(code_level: pd.DataFrame, group_totals: pd.DataFrame) -> pd.DataFrame:
    """Hours for years before offence codes: group totals x the force's hours per offence (and coverage)
    in each group in its first year with codes. Rows carry ``basis``.

    Examples
    --------
    >>> cl = pd.DataFrame({"force": "A", "financial_year": "2012/13", "year": 2012, "offence_group": "Robbery",
    ...                    "offences": [10], "estimated": [8], "hours": [80.0]})
    >>> gt = pd.DataFrame({"force": "A", "financial_year": "2011/12", "year": 2011, "offence_group": "Robbery",
    ...                    "count": [20]})
    >>> extend_back(cl, gt)[["financial_year", "offences", "estimated", "hours"]].values.tolist()
    [['2011/12', 20, 16, 160.0], ['2012/13', 10, 8, 80.0]]
    """
    cl = code_level.assign(basis="offence by offence")
    if group_totals is None or group_totals.empty or cl.empty:
        return cl
    first = cl.groupby("force")["year"].transform("min")
    base = cl[cl["year"] == first].copy()
    base["rate"] = base["hours"] / base["offences"].where(base["offences"] > 0)
    base["cover"] = base["estimated"] / base["offences"].where(base["offences"] > 0)
    fy0 = base.groupby("force")["financial_year"].first()
    g = group_totals[group_totals["force"].isin(base["force"])].copy()
    g = g[g["year"] < g["force"].map(base.groupby("force")["year"].min())]
    if g.empty:
        return cl
    g = g.merge(base[["force", "offence_group", "rate", "cover"]], on=["force", "offence_group"], how="left")
    g[["rate", "cover"]] = g[["rate", "cover"]].fillna(0.0)     # a group absent from the base year: no estimate
    early = pd.DataFrame({
        "force": g["force"], "financial_year": g["financial_year"], "year": g["year"],
        "offence_group": g["offence_group"], "offences": g["count"].astype("int64"),
        "estimated": np.rint(g["count"] * g["cover"]).astype("int64"), "hours": g["count"] * g["rate"],
        "basis": "offence-group mix of " + g["force"].map(fy0)})
    return pd.concat([early, cl], ignore_index=True).sort_values(["force", "year", "offence_group"]).reset_index(
        drop=True)


def hours_per_fte(group_hours: pd.DataFrame, workforce: pd.DataFrame | None, *,
                  productive_hours: float = PRODUCTIVE_HOURS_PER_FTE,
                  groups: dict[str, list[str]] | None = None) -> pd.DataFrame:
    """Demand in hours against supply, per force (and group) and financial year.

    Parameters
    ----------
    group_hours : DataFrame
        From :func:`extend_back` / :func:`offence_year_hours`.
    workforce : DataFrame or None
        ``force``, ``year`` (31 March), ``value`` (FTE of officers, staff and PCSOs).
    productive_hours : float
        Productive hours a year per FTE (an assumption; must be positive and at most 8,760).
    groups : dict, optional
        Group name -> member forces, summed.

    Returns
    -------
    DataFrame
        ``area``, ``financial_year``, ``year``, ``offences``, ``estimated``, ``coverage_pct``, ``hours``,
        ``fte``, ``supply_hours``, ``hours_per_fte``, ``share_of_time_pct``, ``basis``.

    Examples
    --------
    >>> gh = pd.DataFrame({"force": "A", "financial_year": "2013/14", "year": 2013, "offence_group": ["R", "S"],
    ...                    "offences": [10, 30], "estimated": [10, 0], "hours": [800.0, 0.0],
    ...                    "basis": "offence by offence"})
    >>> wf = pd.DataFrame({"force": ["A"], "year": [2014], "value": [2.0]})
    >>> r = hours_per_fte(gh, wf, productive_hours=1000)
    >>> r[["coverage_pct", "hours_per_fte", "share_of_time_pct"]].values.tolist()   # 800 h / 2 FTE; of 2,000 h
    [[25.0, 400.0, 40.0]]
    """
    if not np.isfinite(productive_hours) or not 0 < productive_hours <= 8760:
        raise ParameterError(f"productive hours per FTE {productive_hours!r} must be a number above 0 and at most "
                             "8,760 (the hours in a year); fix: give e.g. 1600")
    d = group_hours.groupby(["force", "financial_year", "year"], as_index=False).agg(
        offences=("offences", "sum"), estimated=("estimated", "sum"), hours=("hours", "sum"),
        basis=("basis", "first"))
    d = d.rename(columns={"force": "area"})
    if workforce is not None and len(workforce):
        w = workforce.groupby(["force", "year"], as_index=False)["value"].sum()
        w = w.assign(year=w["year"].astype(int) - 1).rename(columns={"force": "area", "value": "fte"})
        d = d.merge(w, on=["area", "year"], how="left")
    else:
        d["fte"] = np.nan
    frames = [d]
    for name, members in (groups or {}).items():
        m = d[d["area"].isin(members)]
        n = m.groupby("year")["area"].nunique()
        full = n[n == len(members)].index
        m = m[m["year"].isin(full)]
        if m.empty:
            continue
        g = m.groupby(["financial_year", "year"], as_index=False).agg(
            offences=("offences", "sum"), estimated=("estimated", "sum"), hours=("hours", "sum"),
            basis=("basis", "first"), fte=("fte", lambda s: s.sum(min_count=len(members))))
        g["area"] = name
        frames.append(g)
    out = pd.concat(frames, ignore_index=True)
    out["coverage_pct"] = out["estimated"] / out["offences"] * 100
    out["supply_hours"] = out["fte"] * productive_hours
    out["hours_per_fte"] = out["hours"] / out["fte"]
    out["share_of_time_pct"] = out["hours"] / out["supply_hours"] * 100
    out.attrs["productive_hours"] = float(productive_hours)
    return out[["area", "financial_year", "year", "offences", "estimated", "coverage_pct", "hours", "fte",
                "supply_hours", "hours_per_fte", "share_of_time_pct", "basis"]].reset_index(drop=True)


def uncovered_offences(prc: pd.DataFrame, hours: pd.DataFrame, forces: list[str], financial_year: str) -> pd.DataFrame:
    """Offences of ``financial_year`` without an estimate, largest first (shown, never given zero hours).

    Examples
    --------
    >>> prc = pd.DataFrame({"force": "A", "financial_year": "2013/14", "offence_code": ["46", "34B"],
    ...                     "offence_description": ["Shoplifting", "R"], "count": [7, 2]})
    >>> h = pd.DataFrame({"offence_code": ["46", "34B"], "offence_description": ["Shoplifting", "R"],
    ...                   "police_hours": [None, 9.0]})
    >>> uncovered_offences(prc, h, ["A"], "2013/14").values.tolist()
    [['Shoplifting', 7, 77.77777777777779]]
    """
    p = prc[prc["force"].isin(forces) & (prc["financial_year"] == financial_year)]
    p = p.merge(hours[["offence_code", "offence_description", "police_hours"]].drop_duplicates(
        ["offence_code", "offence_description"]), on=["offence_code", "offence_description"], how="left")
    total = p["count"].sum()
    u = p[p["police_hours"].isna()].groupby("offence_description", as_index=False)["count"].sum()
    u = u[u["count"] > 0].sort_values(["count", "offence_description"], ascending=[False, True])
    u["share_pct"] = u["count"] / total * 100 if total else np.nan
    return u.rename(columns={"offence_description": "offence", "count": "offences"}).reset_index(drop=True)


def load_costs(path: str | Path | None = None) -> pd.DataFrame | None:
    """The costs-of-crime police hours file at ``path`` (default: beside the project), or ``None`` when absent.

    Examples
    --------
    >>> load_costs("/no/such/file.csv") is None
    True
    """
    p = Path(path) if path is not None else COSTS_FILE
    if not p.exists():
        log.info("police hours file not found at %s: demand in police time not given", p)
        return None
    from alliance_analysis.datasets.harm import load_police_cost_and_hours

    return load_police_cost_and_hours(p)


def fy(year: int) -> str:
    """``2013`` -> ``"2013/14"`` (the financial-year label).

    Examples
    --------
    >>> fy(2006)
    '2006/07'
    """
    return fy_label(int(year))
