"""Claims recomputed from the Home Office and ONS series the package ships.

Each check takes the claim's ``inputs`` split on ``;`` and returns one number. They use
the shipped releases (rolling-year recorded crime, 2019; quarterly recorded crime,
October 2023; workforce open data, July 2022; ONS mid-year population by district),
which may differ from the figures a paper used at the time: the register's note says so
where it matters.

Examples
--------
>>> round(ho_min_fall_pct(["2011/12", "2012/13", "West Mercia", "Warwickshire"]), 1) > 0
True
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import lru_cache

import pandas as pd

from alliance_analysis import clean
from alliance_analysis.errors import DataValidationError

log = logging.getLogger(__name__)


def _fy_end(fy: str) -> pd.Timestamp:
    start = clean.parse_financial_year(fy)
    return pd.Timestamp(year=start + 1, month=3, day=31)


@lru_cache(maxsize=1)
def _rolling_crime_excluding_fraud() -> pd.DataFrame:
    from alliance_analysis.series import longseries
    from alliance_analysis import taxonomy

    r, _ = longseries.shipped_releases()
    r = r[r["force_type"] == "territorial"]
    h = taxonomy.harmonise(r[["period_end", "force", "offence", "rolling_total"]], "rolling", include_fraud=False)
    return h.groupby(["period_end", "force"], as_index=False)["rolling_total"].sum()


def recorded_crime_year(force: str, fy: str) -> int:
    """Police recorded crime excluding fraud in a financial year, from the rolling-year table
    (the total for the 12 months ending 31 March).

    Examples
    --------
    >>> recorded_crime_year("Dorset", "2012/13") > 30000
    True
    """
    r = _rolling_crime_excluding_fraud()
    hit = r[(r["force"] == clean.canonical_force_name(force)) & (r["period_end"] == _fy_end(fy))]
    if hit.empty:
        raise KeyError(f"no rolling-year total for {force} in {fy}")
    return int(hit["rolling_total"].iloc[0])


def ho_min_fall_pct(tokens: Sequence[str]) -> float:
    """Smallest percentage fall in recorded crime (excluding fraud) across the forces named,
    from financial year ``tokens[0]`` to ``tokens[1]`` ("crime was down in both areas by more
    than X%"). A rise gives a negative fall."""
    fy0, fy1, *forces = tokens
    if not forces:
        raise DataValidationError("name at least one force after the two years", column="inputs")
    falls = [(recorded_crime_year(f, fy0) - recorded_crime_year(f, fy1)) / recorded_crime_year(f, fy0) * 100
             for f in forces]
    return float(min(falls))


@lru_cache(maxsize=1)
def _prc_quarterly_excluding_fraud() -> pd.DataFrame:
    from alliance_analysis.series import longseries
    from alliance_analysis import taxonomy

    _, q = longseries.shipped_releases()
    q = q[q["force_type"] == "territorial"]
    h = taxonomy.harmonise(q[["force", "quarter", "offence_subgroup", "count"]], "prc", include_fraud=False)
    return h.groupby(["force", "quarter"], as_index=False)["count"].sum()


@lru_cache(maxsize=1)
def _population() -> pd.DataFrame:
    from alliance_analysis.series.default import population_table

    return population_table()


def ho_msg_rank(tokens: Sequence[str]) -> float:
    """Rank (1 = lowest) of a force's recorded crime per 1,000 residents among a group, over
    the quarters ``tokens[1]``..``tokens[2]`` (published quarterly table, excluding fraud;
    population: ONS mid-year estimate of the first quarter's year). Inputs:
    ``force;first quarter;last quarter;group``."""
    force, q0, q1, group = tokens
    members = clean.group_members(group)
    q = _prc_quarterly_excluding_fraud()
    lo, hi = pd.Period(q0, "Q"), pd.Period(q1, "Q")
    c = q[q["force"].isin(members) & (q["quarter"] >= lo) & (q["quarter"] <= hi)].groupby("force")["count"].sum()
    pop = _population()
    p = pop[(pop["year"] == lo.year) & pop["force"].isin(members)].set_index("force")["population"]
    missing = sorted(set(members) - set(c.index) - set(p.index))
    if missing or len(c) != len(members) or len(p) != len(members):
        raise KeyError(f"no crime or population for some of {members}")
    rate = (c / p.reindex(c.index) * 1000).sort_values()
    return float(list(rate.index).index(clean.canonical_force_name(force)) + 1)


@lru_cache(maxsize=1)
def _workforce() -> pd.DataFrame:
    from alliance_analysis.datasets.workforce import load_workforce_open_data

    return load_workforce_open_data()


def _workforce_sum(what: str, year: int, measure: str, forces: Sequence[str]) -> float:
    w = _workforce()
    names = [clean.canonical_force_name(f) for f in forces]
    parts = [s.strip() for s in what.split("+")]
    sel = w["force"].isin(names) & (w["year"] == int(year))
    keep = w["rank"].isin(parts) | w["worker_type"].isin(parts)
    d = w[sel & keep]
    if d.empty:
        raise KeyError(f"no workforce rows for {what} at 31 March {year} in {names}")
    col = {"fte": "fte", "headcount": "headcount"}[measure]
    return float(d[col].sum())


def ho_workforce_level(tokens: Sequence[str]) -> float:
    """Workforce at 31 March of a year, summed over forces. Inputs: ``rank or worker type (``+``
    joins several);year;fte|headcount;force;force...``."""
    what, year, measure, *forces = tokens
    return _workforce_sum(what, int(year), measure, forces)


def ho_workforce_change(tokens: Sequence[str]) -> float:
    """Change (later minus earlier) in the workforce between two 31 March snapshots. Inputs:
    ``rank or worker type;year from;year to;fte|headcount;force;force...``."""
    what, y0, y1, measure, *forces = tokens
    return _workforce_sum(what, int(y1), measure, forces) - _workforce_sum(what, int(y0), measure, forces)


def ho_workforce_pct_fall(tokens: Sequence[str]) -> float:
    """Percentage fall in the workforce between two 31 March snapshots (inputs as
    :func:`ho_workforce_change`)."""
    what, y0, y1, measure, *forces = tokens
    before = _workforce_sum(what, int(y0), measure, forces)
    return (before - _workforce_sum(what, int(y1), measure, forces)) / before * 100


#: Named checks on the shipped public series (inputs split on ';').
HOME_OFFICE_CHECKS = {
    "ho_min_fall_pct": ho_min_fall_pct,
    "ho_msg_rank": ho_msg_rank,
    "ho_workforce_level": ho_workforce_level,
    "ho_workforce_change": ho_workforce_change,
    "ho_workforce_pct_fall": ho_workforce_pct_fall,
}
