"""Demand profile: volume, share and rate per 1,000 residents; seasonality."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import pandas as pd

from alliance_analysis.errors import DataValidationError, ParameterError
from alliance_analysis.demand._common import _check_counts

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- profile

def demand_profile(
    df: pd.DataFrame,
    *,
    population: pd.DataFrame | None = None,
    groups: Mapping[str, Sequence[str]] | None = None,
    by: str = "crime_type",
) -> pd.DataFrame:
    """Volume, share of total and rate per 1,000 residents by force (and group) and ``by``.

    Parameters
    ----------
    df : DataFrame
        Tidy counts with ``force``, ``by`` and ``count`` (any period: summed).
    population : DataFrame, optional
        ``force``, ``population``; every force in ``df`` must be present.
    groups : mapping, optional
        Group name -> member forces; each group is added as the sum of its members.
    by : str
        Category column (``crime_type`` or ``offence_group``).

    Returns
    -------
    DataFrame
        ``area``, ``area_type`` (force/group), ``by``, ``count``, ``share`` (of the area's
        total; sums to 1 per area), and ``rate_per_1000`` when population is given.

    Examples
    --------
    >>> d = pd.DataFrame({"force": ["A", "A", "B"], "crime_type": ["Drugs", "Robbery", "Drugs"],
    ...                   "count": [30, 10, 20]})
    >>> p = demand_profile(d, population=pd.DataFrame({"force": ["A", "B"], "population": [1000, 4000]}),
    ...                    groups={"A+B": ["A", "B"]})
    >>> p.loc[p["area"] == "A+B", ["crime_type", "count", "rate_per_1000"]].values.tolist()
    [['Drugs', 50, 10.0], ['Robbery', 10, 2.0]]
    """
    _check_counts(df)
    for col in ("force", by):
        if col not in df.columns:
            raise DataValidationError("column is missing", column=col, fix=f"the table needs 'force' and '{by}'")
    base = df.groupby(["force", by], as_index=False)["count"].sum().rename(columns={"force": "area"})
    base["area_type"] = "force"
    frames = [base]
    for name, members in (groups or {}).items():
        missing = sorted(set(members) - set(base["area"]))
        if missing:
            raise ParameterError(f"group {name!r}: no data for member forces {missing}")
        g = base[base["area"].isin(members)].groupby(by, as_index=False)["count"].sum()
        g["area"], g["area_type"] = name, "group"
        frames.append(g)
    out = pd.concat(frames, ignore_index=True)
    out["share"] = out["count"] / out.groupby("area")["count"].transform("sum")
    if population is not None:
        pop = population.set_index("force")["population"]
        area_pop = {f: pop.get(f) for f in base["area"].unique()}
        missing = sorted(f for f, v in area_pop.items() if v is None or pd.isna(v))
        if missing:
            raise DataValidationError(f"no population for {missing}", column="population",
                                      fix="supply a population row for every force (e.g. load_census_2011_population())")
        for name, members in (groups or {}).items():
            area_pop[name] = sum(area_pop[m] for m in members)
        out["population"] = out["area"].map(area_pop)
        out["rate_per_1000"] = (out["count"] / out["population"] * 1000).round(6)
    return out[["area", "area_type", by, "count", "share", *[c for c in ("population", "rate_per_1000") if c in out]]]


def seasonality_index(df: pd.DataFrame, *, by: Sequence[str] = ("crime_type",)) -> pd.DataFrame:
    """Month-of-year index: mean count in that calendar month / mean over all months (1 = average).

    Examples
    --------
    >>> d = pd.DataFrame({"crime_type": ["Drugs"] * 2, "month": pd.PeriodIndex(["2020-01", "2020-02"], freq="M"),
    ...                   "count": [10, 30]})
    >>> seasonality_index(d)["index"].tolist()
    [0.5, 1.5]
    """
    _check_counts(df)
    by = list(by)
    tot = df.groupby([*by, "month"], as_index=False)["count"].sum()
    tot["month_of_year"] = tot["month"].dt.month
    moy = tot.groupby([*by, "month_of_year"], as_index=False)["count"].mean()
    moy["index"] = moy["count"] / moy.groupby(by)["count"].transform("mean")
    return moy[[*by, "month_of_year", "index"]]
