"""Crime pressure: harm per officer (Crime Severity Score x population / officer FTE), per force and year,
against the force's most similar group.

Harm is the ONS Crime Severity Score (recorded crime weighted by the average sentence, in
days, that each offence attracts, per resident) times the force's population: the
severity-weighted volume of its recorded crime. Dividing by the force's police officer
FTE gives the harm each officer faces. Conventions as in :mod:`alliance_analysis.demand.annual`:
financial year 2013/14 takes the score of the year ending March 2014, the mid-2013
population and the officers at 31 March 2014.

Comparison group (stated rule): the force's own most similar group where
``data/raw/reference/force_groups.csv`` records one ("<force> most similar group");
otherwise a recorded most similar group the force belongs to (named in the output);
otherwise every force with data (England and Wales). The comparison is the median of
the *other* members.

Examples
--------
>>> sev = pd.DataFrame({"force": ["A", "B"], "year": 2014, "severity_score": [10.0, 20.0]})
>>> pop = pd.DataFrame({"force": ["A", "B"], "year": 2013, "population": [1000, 500]})
>>> off = pd.DataFrame({"force": ["A", "B"], "year": 2014, "value": [2.0, 5.0]})
>>> harm_per_officer(sev, pop, off)[["force", "financial_year", "harm_per_officer"]].values.tolist()
[['A', '2013/14', 5000.0], ['B', '2013/14', 2000.0]]
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd

from alliance_analysis import paths
from alliance_analysis.clean import fy_label

log = logging.getLogger(__name__)

FORCE_GROUPS_FILE = paths.REFERENCE_DIR / "force_groups.csv"


def harm_per_officer(severity: pd.DataFrame, population: pd.DataFrame, officers: pd.DataFrame) -> pd.DataFrame:
    """Harm per officer by force and financial year (years where all three series have a value).

    Parameters
    ----------
    severity : DataFrame
        ``force``, ``year`` (year ending March), ``severity_score`` (total recorded crime).
    population : DataFrame
        ``force``, ``year`` (mid-year), ``population``.
    officers : DataFrame
        ``force``, ``year`` (31 March), ``value`` (police officer FTE; summed per force and year).

    Returns
    -------
    DataFrame
        ``force``, ``financial_year``, ``year`` (first calendar year), ``severity_score``, ``population``,
        ``population_year`` (the mid-year estimate used: the year itself, or the nearest within two years,
        listed in ``attrs["nearest_population"]``), ``officers``, ``harm``, ``harm_per_officer``.
    """
    s = severity[["force", "year", "severity_score"]].dropna().copy()
    s["year"] = s["year"].astype(int) - 1
    o = officers.groupby(["force", "year"], as_index=False)["value"].sum()
    o = o.assign(year=o["year"].astype(int) - 1).rename(columns={"value": "officers"})
    d = s.merge(o, on=["force", "year"])
    # population of the year, or the nearest estimate within two years (stated in ``population_year``)
    pop = population[["force", "year", "population"]].rename(columns={"year": "population_year"})
    d = d.merge(pop, on="force")
    d["_gap"] = (d["population_year"] - d["year"]).abs()
    d = d[d["_gap"] <= 2].sort_values(["force", "year", "_gap", "population_year"])
    d = d.drop_duplicates(["force", "year"]).drop(columns="_gap")
    d = d[d["officers"] > 0]
    d["harm"] = d["severity_score"] * d["population"]
    d["harm_per_officer"] = d["harm"] / d["officers"]
    d.insert(1, "financial_year", d["year"].map(fy_label))
    out = d[["force", "financial_year", "year", "severity_score", "population", "population_year", "officers", "harm",
             "harm_per_officer"]].sort_values(["force", "year"]).reset_index(drop=True)
    out.attrs["nearest_population"] = sorted({(fy_label(int(y)), int(py)) for y, py in
                                              zip(out["year"], out["population_year"]) if y != py})
    return out


def comparison_group(force: str, groups: pd.DataFrame | None = None) -> tuple[str, list[str]]:
    """The force's comparison group by the module's stated rule: (description, other members).

    An empty member list means "every other force with data (England and Wales)".

    Examples
    --------
    >>> name, peers = comparison_group("West Mercia")
    >>> name, len(peers)
    ('West Mercia most similar group', 7)
    >>> comparison_group("Warwickshire")[0]
    "West Mercia most similar group (Warwickshire's own is not recorded)"
    >>> comparison_group("Kent")
    ('all forces in England and Wales (no most similar group is recorded for Kent)', [])
    """
    g = pd.read_csv(FORCE_GROUPS_FILE) if groups is None else groups
    msg = g[g["group_type"] == "most_similar_group"]
    own = msg[msg["group"] == f"{force} most similar group"]
    if len(own):
        return f"{force} most similar group", sorted(set(own["force"]) - {force})
    member = msg[msg["force"] == force]["group"].unique()
    if len(member):
        name = sorted(member)[0]
        return (f"{name} ({force}'s own is not recorded)",
                sorted(set(msg[msg["group"] == name]["force"]) - {force}))
    return f"all forces in England and Wales (no most similar group is recorded for {force})", []


def against_group(hpo: pd.DataFrame, forces: Sequence[str], groups: pd.DataFrame | None = None) -> pd.DataFrame:
    """Each force's harm per officer beside the median of its comparison group, year by year.

    ``hpo`` must hold the forces and their peers (all forces for the England and Wales fallback).

    Returns
    -------
    DataFrame
        ``force``, ``financial_year``, ``year``, ``harm_per_officer``, ``group``, ``group_median``,
        ``peers`` (number with data), ``ratio_to_group`` (force / median), ``rank`` (1 = most harm per
        officer, among the force and its peers).

    Examples
    --------
    >>> h = pd.DataFrame({"force": ["A", "B", "C"], "financial_year": "2013/14", "year": 2013,
    ...                   "harm_per_officer": [30.0, 10.0, 20.0]})
    >>> g = pd.DataFrame({"group": "A most similar group", "group_type": "most_similar_group",
    ...                   "force": ["A", "B", "C"]})
    >>> against_group(h, ["A"], g)[["group_median", "ratio_to_group", "rank"]].values.tolist()
    [[15.0, 2.0, 1.0]]
    """
    rows = []
    for f in forces:
        name, peers = comparison_group(f, groups)
        if not peers:
            peers = sorted(set(hpo["force"]) - {f})
        mine = hpo[hpo["force"] == f]
        for _, r in mine.iterrows():
            others = hpo[(hpo["year"] == r["year"]) & hpo["force"].isin(peers)]["harm_per_officer"]
            med = float(others.median()) if len(others) else np.nan
            allv = np.append(others.to_numpy(), r["harm_per_officer"])
            rows.append({"force": f, "financial_year": r["financial_year"], "year": int(r["year"]),
                         "harm_per_officer": r["harm_per_officer"], "group": name, "group_median": med,
                         "peers": int(len(others)), "ratio_to_group": r["harm_per_officer"] / med if med else np.nan,
                         "rank": int((allv > r["harm_per_officer"]).sum() + 1)})
    return pd.DataFrame(rows)


def peers_needed(forces: Sequence[str], groups: pd.DataFrame | None = None) -> list[str] | None:
    """Every force whose data :func:`against_group` needs (``None`` = all forces).

    Examples
    --------
    >>> len(peers_needed(["West Mercia"]))
    8
    """
    need = set(forces)
    for f in forces:
        _, peers = comparison_group(f, groups)
        if not peers:
            return None
        need |= set(peers)
    return sorted(need)
