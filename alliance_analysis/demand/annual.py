"""Year by year: financial-year totals, annual rates per 1,000 residents of that year, and
each partner's share of crime, harm, population and workforce against the agreed split.

The review (para 46) asked whether the 69:31 resources split reflects demand; one year's
shares cannot say whether it ever did or how far it drifted. These functions put the
Home Office long series (2003 onwards), the ONS mid-year population of each year, the
workforce open data (31 March of each year) and the Crime Severity Score side by side.

Conventions: financial years run April-March (``2013/14``); a year's population is the ONS
mid-year estimate of the year it starts in (mid-2013 for 2013/14, i.e. 30 June inside the
year); the workforce of 2013/14 is the 31 March 2014 snapshot (its end); harm is the
Crime Severity Score times the population (proportional to the severity-weighted count,
since the score is per head).

Examples
--------
>>> q = pd.period_range("2013Q2", periods=4, freq="Q")     # FY 2013/14
>>> s = pd.DataFrame({"force": "A", "offence_group": "Robbery", "quarter": q, "count": [1, 2, 3, 4]})
>>> financial_year_totals(s, by=("force", "offence_group"))[["financial_year", "count"]].values.tolist()
[['2013/14', 10]]
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from alliance_analysis.demand.trends import periods_per_year, time_column
from alliance_analysis.errors import DataValidationError, ParameterError
from alliance_analysis.clean import fy_label

log = logging.getLogger(__name__)




def financial_year_totals(series: pd.DataFrame, *, by: Sequence[str] = ("force", "crime_type")) -> pd.DataFrame:
    """Sum a monthly or quarterly series to complete financial years.

    A year is complete when every month (or quarter) of April-March is present; incomplete
    years at either end are left out, listed in ``attrs["incomplete_years"]`` and logged
    (a partial year's total is not comparable with a full one).

    Parameters
    ----------
    series : DataFrame
        ``by`` columns, a Period column (``month``, ``quarter`` or ``period``) and ``count``.
    by : sequence of str
        Keys kept in the output.

    Returns
    -------
    DataFrame
        ``by``..., ``financial_year`` (``"2013/14"``), ``year`` (its first calendar year), ``count``.

    Examples
    --------
    >>> m = pd.period_range("2013-04", periods=15, freq="M")   # 2013/14 complete, 2014/15 three months
    >>> s = pd.DataFrame({"force": "A", "crime_type": "Drugs", "month": m, "count": 1})
    >>> t = financial_year_totals(s)
    >>> t[["financial_year", "count"]].values.tolist(), t.attrs["incomplete_years"]
    ([['2013/14', 12]], ['2014/15'])
    """
    by = list(by)
    tcol = time_column(series)
    k = periods_per_year(series[tcol])
    if k == 1:
        raise ParameterError("the series is already annual; financial-year totals need months or quarters")
    start = series[tcol].dt.start_time
    fy_start = start.dt.year - (start.dt.month < 4).astype(int)
    d = series.assign(year=fy_start.to_numpy())
    n = d.groupby("year")[tcol].nunique()
    complete = n[n == k].index
    incomplete = sorted(fy_label(int(y)) for y in n.index.difference(complete))
    if incomplete:
        log.info("financial years left out as incomplete: %s", ", ".join(incomplete))
    out = (d[d["year"].isin(complete)].groupby([*by, "year"], as_index=False, observed=True)["count"].sum())
    out.insert(len(by), "financial_year", out["year"].map(fy_label))
    out["count"] = out["count"].astype("int64")
    out.attrs["incomplete_years"] = incomplete
    out.attrs["periods_per_year"] = k
    return out


def population_for_years(population: pd.DataFrame, years: Sequence[int], forces: Sequence[str]) -> pd.DataFrame:
    """Population of each force in each financial year (mid-year estimate of its first year).

    Years outside the estimates take the nearest year available: the row says which
    (``population_year``) and ``attrs["nearest_year_used"]`` lists them, so a 2023/14 rate on
    mid-2020 population is never presented as exact.

    Examples
    --------
    >>> pop = pd.DataFrame({"force": "A", "year": [2019, 2020], "population": [100, 110]})
    >>> p = population_for_years(pop, [2019, 2022], ["A"])
    >>> p[["year", "population", "population_year"]].values.tolist()
    [[2019, 100, 2019], [2022, 110, 2020]]
    """
    missing = sorted(set(forces) - set(population["force"]))
    if missing:
        raise DataValidationError(f"no population for {missing}", column="force",
                                  fix="use a population table covering every selected force")
    rows, nearest = [], set()
    for f in forces:
        p = population[population["force"] == f].set_index("year")["population"].sort_index()
        avail = p.index.to_numpy()
        for y in years:
            py = int(avail[np.argmin(np.abs(avail - y))])
            if py != y:
                nearest.add((int(y), py))
            rows.append({"force": f, "year": int(y), "population": p.loc[py], "population_year": py})
    out = pd.DataFrame(rows)
    out.attrs["nearest_year_used"] = sorted(nearest)
    return out


def annual_rates(totals: pd.DataFrame, population: pd.DataFrame, *, by: str = "crime_type",
                 groups: Mapping[str, Sequence[str]] | None = None) -> pd.DataFrame:
    """Annual count and rate per 1,000 residents of that year, by force (and group) and category.

    Parameters
    ----------
    totals : DataFrame
        From :func:`financial_year_totals`: ``force``, ``by``, ``financial_year``, ``year``, ``count``.
    population : DataFrame
        ``force``, ``year``, ``population`` (mid-year estimates).
    by : str
        Category column.
    groups : mapping, optional
        Group name -> members; each group is the sum of its members (counts and population).

    Returns
    -------
    DataFrame
        ``area``, ``area_type``, ``by``, ``financial_year``, ``year``, ``count``, ``population``,
        ``population_year``, ``rate_per_1000``.

    Examples
    --------
    >>> t = pd.DataFrame({"force": ["A", "B"], "crime_type": "Drugs", "financial_year": "2013/14",
    ...                   "year": 2013, "count": [30, 10]})
    >>> pop = pd.DataFrame({"force": ["A", "B"], "year": 2013, "population": [1000, 4000]})
    >>> r = annual_rates(t, pop, groups={"A+B": ["A", "B"]})
    >>> r[["area", "rate_per_1000"]].values.tolist()
    [['A', 30.0], ['B', 2.5], ['A+B', 8.0]]
    """
    forces = sorted(totals["force"].unique())
    pop = population_for_years(population, sorted(totals["year"].unique()), forces)
    base = totals.merge(pop, on=["force", "year"], how="left").rename(columns={"force": "area"})
    base["area_type"] = "force"
    frames = [base]
    for name, members in (groups or {}).items():
        absent = sorted(set(members) - set(forces))
        if absent:
            raise ParameterError(f"group {name!r}: no data for member forces {absent}")
        m = base[base["area"].isin(members)]
        g = m.groupby([by, "financial_year", "year"], as_index=False)["count"].sum()
        gp = pop[pop["force"].isin(members)].groupby("year").agg(population=("population", "sum"),
                                                                 population_year=("population_year", "max"))
        g = g.merge(gp, on="year")
        g["area"], g["area_type"] = name, "group"
        frames.append(g)
    out = pd.concat(frames, ignore_index=True)
    out["rate_per_1000"] = out["count"] / out["population"] * 1000
    out.attrs["nearest_year_used"] = pop.attrs["nearest_year_used"]
    return out[["area", "area_type", by, "financial_year", "year", "count", "population", "population_year",
                "rate_per_1000"]]


def shares_by_year(forces: Sequence[str], *, crime: pd.DataFrame | None = None,
                   population: pd.DataFrame | None = None, workforce: pd.DataFrame | None = None,
                   severity: pd.DataFrame | None = None) -> pd.DataFrame:
    """Each partner's share of recorded crime, harm, population and workforce, year by year.

    Parameters
    ----------
    forces : sequence of str
        The partners.
    crime : DataFrame, optional
        ``force``, ``year`` (first year of the financial year), ``count`` (summed here).
    population : DataFrame, optional
        ``force``, ``year``, ``population`` (mid-year of the financial year's first year).
    workforce : DataFrame, optional
        ``force``, ``year`` (the 31 March year, i.e. the END of the financial year), ``value`` (FTE, summed).
    severity : DataFrame, optional
        ``force``, ``year`` (year ending March, i.e. the END of the financial year),
        ``severity_score`` (total crime); harm = score x population of the year.

    Returns
    -------
    DataFrame
        ``financial_year``, ``year``, ``basis``, ``force``, ``value``, ``share_pct`` (of the partners'
        total; sums to 100 per year and basis). Only years where every partner has a value.

    Examples
    --------
    >>> pop = pd.DataFrame({"force": ["A", "B"] * 2, "year": [2013, 2013, 2014, 2014],
    ...                     "population": [690, 310, 700, 300]})
    >>> s = shares_by_year(["A", "B"], population=pop)
    >>> s[s["force"] == "A"][["financial_year", "share_pct"]].values.tolist()
    [['2013/14', 69.0], ['2014/15', 70.0]]
    """
    forces = list(forces)
    parts = []

    def add(frame: pd.DataFrame, basis: str, value: str, year_shift: int = 0) -> None:
        f = frame[frame["force"].isin(forces)].copy()
        f["year"] = f["year"].astype(int) - year_shift
        v = f.groupby(["year", "force"])[value].sum().unstack("force")
        v = v.reindex(columns=forces).dropna()
        if v.empty:
            return
        long = v.stack().rename("value").reset_index()
        long["basis"] = basis
        parts.append(long)

    if crime is not None:
        add(crime, "recorded crime", "count")
    if population is not None:
        add(population, "population", "population")
    if workforce is not None:
        add(workforce, "workforce (FTE)", "value", year_shift=1)
    if severity is not None:
        if population is None:
            raise ParameterError("harm shares need population: harm = severity score x population")
        sv = severity[severity["force"].isin(forces)][["force", "year", "severity_score"]].copy()
        sv["year"] = sv["year"].astype(int) - 1
        pop = population[population["force"].isin(forces)][["force", "year", "population"]]
        h = sv.merge(pop, on=["force", "year"], how="inner")
        h["harm"] = h["severity_score"] * h["population"]
        add(h, "harm (crime severity score x population)", "harm")
    if not parts:
        raise ParameterError("give at least one of crime, population, workforce, severity")
    out = pd.concat(parts, ignore_index=True)
    out["share_pct"] = out["value"] / out.groupby(["year", "basis"])["value"].transform("sum") * 100
    out.insert(0, "financial_year", out["year"].map(fy_label))
    return out[["financial_year", "year", "basis", "force", "value", "share_pct"]].sort_values(
        ["basis", "year", "force"]).reset_index(drop=True)


def split_drift(shares: pd.DataFrame, split: Mapping[str, float]) -> pd.DataFrame:
    """The agreed split against each partner's share, year by year, in percentage points.

    Returns
    -------
    DataFrame
        ``financial_year``, ``year``, ``basis``, ``force``, ``share_pct``, ``split_pct``, ``gap_pp``
        (split minus share: positive means the force pays more than its share on that basis).

    Examples
    --------
    >>> s = pd.DataFrame({"financial_year": "2013/14", "year": 2013, "basis": "population",
    ...                   "force": ["A", "B"], "value": [66, 34], "share_pct": [66.0, 34.0]})
    >>> split_drift(s, {"A": 69, "B": 31})["gap_pp"].tolist()
    [3.0, -3.0]
    """
    from alliance_analysis.demand._common import check_split

    split = check_split(split)
    absent = sorted(set(split) - set(shares["force"]))
    if absent:
        raise DataValidationError(f"no shares for {absent}", column="force", fix="compute shares for every partner")
    d = shares[shares["force"].isin(split)].copy()
    d["split_pct"] = d["force"].map(split).astype(float)
    d["gap_pp"] = d["split_pct"] - d["share_pct"]
    return d[["financial_year", "year", "basis", "force", "share_pct", "split_pct", "gap_pp"]].reset_index(drop=True)


def drift_summary(drift: pd.DataFrame, force: str, *, within_pp: float = 1.0) -> pd.DataFrame:
    """Per basis, for one partner: years covered, share first and last year, range, and the
    years in which the agreed split was within ``within_pp`` points of the share.

    Examples
    --------
    >>> d = pd.DataFrame({"financial_year": ["2013/14", "2014/15"], "year": [2013, 2014], "basis": "population",
    ...                   "force": "A", "share_pct": [68.5, 66.0], "split_pct": 69.0, "gap_pp": [0.5, 3.0]})
    >>> drift_summary(d, "A")[["first_share_pct", "last_share_pct", "years_within"]].values.tolist()
    [[68.5, 66.0, '1 of 2 years (2013/14)']]
    """
    d = drift[drift["force"] == force].sort_values("year")
    if d.empty:
        raise ParameterError(f"no shares for {force!r}")
    rows = []
    for basis, g in d.groupby("basis", sort=True):
        within = g.loc[g["gap_pp"].abs() <= within_pp, "financial_year"].tolist()
        n = len(g)
        if len(within) == n:
            said = f"every year ({n})"
        elif not within:
            said = f"none of {n} years"
        else:
            said = f"{len(within)} of {n} years ({', '.join(within)})"
        rows.append({"basis": basis, "force": force, "years": f"{g['financial_year'].iloc[0]} to "
                     f"{g['financial_year'].iloc[-1]}", "first_share_pct": g["share_pct"].iloc[0],
                     "last_share_pct": g["share_pct"].iloc[-1], "min_share_pct": g["share_pct"].min(),
                     "max_share_pct": g["share_pct"].max(), "split_pct": g["split_pct"].iloc[0],
                     "years_within": said})
    return pd.DataFrame(rows)


def plot_split_drift(drift: pd.DataFrame, force: str, *, title: str | None = None):
    """One line per basis: the force's share each year, against the agreed split (dashed).

    Examples
    --------
    >>> d = pd.DataFrame({"financial_year": ["2013/14", "2014/15"], "year": [2013, 2014], "basis": "population",
    ...                   "force": "A", "share_pct": [68.5, 66.0], "split_pct": 69.0, "gap_pp": [0.5, 3.0]})
    >>> fig = plot_split_drift(d, "A")
    >>> len(fig.axes[0].lines)
    2
    """
    import matplotlib.pyplot as plt

    from alliance_analysis.presentation.plots import (apply_house_style, figure_title, financial_year_axis,
                                                      group_colours, legend_outside, wrap_label)

    apply_house_style()
    d = drift[drift["force"] == force]
    fig, ax = plt.subplots(figsize=(10, 4.8))
    colours = group_colours(sorted(d["basis"].astype(str).unique()))
    for basis, g in d.groupby("basis", sort=True):
        ax.plot(g["year"], g["share_pct"], marker="o", ms=3, color=colours[str(basis)], label=basis)
    split = float(d["split_pct"].iloc[0])
    ax.axhline(split, ls="--", color="black", lw=1.2, label=f"agreed split {split:g}%")
    ax.set_xlabel("financial year")
    ax.set_ylabel(wrap_label(f"{force}'s share of the partners (%)", 40))
    financial_year_axis(ax, dates=False)
    legend_outside(ax)
    figure_title(ax, wrap_label(title or f"{force}: agreed split against its share of demand and resources, "
                                          "year by year", 70))
    fig.tight_layout()
    return fig
