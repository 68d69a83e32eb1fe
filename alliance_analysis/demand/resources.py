"""Demand against resources: agreed cost splits against shares of population, crime, harm, workforce."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from alliance_analysis.errors import DataValidationError, ParameterError
from alliance_analysis.demand._common import check_split
from alliance_analysis.demand.harm import harm_weighted

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- resources

def demand_vs_split(
    shares: pd.DataFrame,
    split: Mapping[str, float],
    *,
    budget_gbp: float,
) -> pd.DataFrame:
    """Compare a cost-sharing split with each force's share of population, crime, harm, workforce.

    Parameters
    ----------
    shares : DataFrame
        ``force``, ``basis`` (e.g. "population"), ``value`` (the force's quantity on that basis).
    split : mapping
        Force -> agreed cost share in percent (e.g. {"West Mercia": 69, "Warwickshire": 31}).
    budget_gbp : float
        The budget the split applies to (GBP, stated price base).

    Returns
    -------
    DataFrame
        ``force``, ``basis``, ``share_pct``, ``split_pct``, ``gap_pp`` (split - share) and
        ``gap_gbp`` (gap x budget: positive means the force pays more than its share).

    Examples
    --------
    >>> s = pd.DataFrame({"force": ["A", "B"], "basis": "population", "value": [60, 40]})
    >>> demand_vs_split(s, {"A": 70, "B": 30}, budget_gbp=100.0)[["force", "gap_pp", "gap_gbp"]].values.tolist()
    [['A', 10.0, 10.0], ['B', -10.0, -10.0]]
    """
    if budget_gbp <= 0:
        raise ParameterError(f"budget_gbp {budget_gbp} must be positive")
    split = check_split(split)
    if "value" in shares.columns and not pd.to_numeric(shares["value"], errors="coerce").map(np.isfinite).all():
        bad = shares[~pd.to_numeric(shares["value"], errors="coerce").map(np.isfinite)]
        raise DataValidationError(f"share value {bad['value'].iloc[0]!r} for {bad['force'].iloc[0]!r} "
                                  f"({bad['basis'].iloc[0]}) is missing or not a number", column="value",
                                  row=int(bad.index[0]) + 1, fix="give a finite value for every force and basis")
    if (pd.to_numeric(shares["value"]) < 0).any():
        bad = shares[pd.to_numeric(shares["value"]) < 0]
        raise DataValidationError(f"share value {bad['value'].iloc[0]!r} for {bad['force'].iloc[0]!r} is negative",
                                  column="value", row=int(bad.index[0]) + 1, fix="values must be 0 or more")
    missing = sorted(set(split) - set(shares["force"]))
    if missing:
        raise DataValidationError(f"no {sorted(shares['basis'].unique())} data for {missing}", column="force",
                                  fix="supply a value for every force in the split")
    s = shares[shares["force"].isin(split)].copy()
    s["share_pct"] = s["value"] / s.groupby("basis")["value"].transform("sum") * 100
    s["split_pct"] = s["force"].map(split).astype(float)
    s["gap_pp"] = s["split_pct"] - s["share_pct"]
    s["gap_gbp"] = s["gap_pp"] / 100 * budget_gbp
    return s[["force", "basis", "value", "share_pct", "split_pct", "gap_pp", "gap_gbp"]].reset_index(drop=True)


def split_from_seed(forces: Sequence[str], override: Mapping[str, float] | None = None) -> dict[str, float]:
    """The agreed cost split for an alliance from the seed tables (resources or savings allocation).

    Examples
    --------
    >>> split_from_seed(["Warwickshire", "West Mercia"])
    {'West Mercia': 69.0, 'Warwickshire': 31.0}
    """
    if override is not None:
        return {k: float(v) for k, v in override.items()}
    from alliance_analysis.datasets.seed import load_seed_table

    t = load_seed_table("cost_splits")
    t = t[t["basis"].isin(["resources", "savings allocation"])]
    for _, g in t.groupby("alliance"):
        if set(g["force"]) == set(forces):
            return dict(zip(g["force"], g["share_pct"]))
    raise ParameterError(f"no agreed split in the seed tables for {sorted(forces)}; pass split={{force: percent}}")


WORKFORCE_MEASURES = ("officers_fte", "staff_fte", "pcso_fte")


def resource_shares(monthly: pd.DataFrame, population: pd.DataFrame, prc: pd.DataFrame | None = None,
                    weights: pd.DataFrame | None = None, workforce: pd.DataFrame | None = None,
                    workforce_measures: Sequence[str] = WORKFORCE_MEASURES) -> pd.DataFrame:
    """Each force's quantity on several bases (long: ``force``, ``basis``, ``value``).

    Bases: population; recorded crime and ASB in the monthly series; Home Office recorded
    crime (``prc``, when given); harm-weighted monthly demand (when ``weights`` given);
    workforce FTE (when ``workforce`` is given, tidy as from
    ``datasets.workforce.load_workforce``): the sum of ``workforce_measures`` at the latest
    ``as_at`` date that every force reports.

    Examples
    --------
    >>> m = pd.DataFrame({"force": ["A", "B"], "crime_type": ["Drugs", "Drugs"], "count": [3, 1]})
    >>> p = pd.DataFrame({"force": ["A", "B"], "population": [10, 30]})
    >>> resource_shares(m, p)["basis"].unique().tolist()
    ['population', 'recorded crime and ASB (monthly series)']
    """
    from alliance_analysis.presentation.plots import is_synthetic

    forces = sorted(monthly["force"].unique())
    tag = ", SYNTHETIC" if is_synthetic(monthly) else ""
    rows = [pd.DataFrame({"force": forces, "basis": "population",
                          "value": population.set_index("force").loc[forces, "population"].to_numpy()})]
    vol = monthly.groupby("force")["count"].sum()
    rows.append(pd.DataFrame({"force": forces, "basis": f"recorded crime and ASB (monthly series{tag})",
                              "value": vol.loc[forces].to_numpy()}))
    if prc is not None:
        tot = prc[prc["force"].isin(forces)].groupby("force")["count"].sum()
        fy = ", ".join(sorted(prc["financial_year"].unique()))
        rows.append(pd.DataFrame({"force": forces, "basis": f"Home Office recorded crime {fy}",
                                  "value": tot.loc[forces].to_numpy()}))
    if weights is not None:
        h = harm_weighted(monthly[monthly["crime_type"].isin(weights["crime_type"])], weights)
        hv = h.groupby("force")["harm"].sum()
        rows.append(pd.DataFrame({"force": forces, "basis": f"harm-weighted crime (monthly series{tag})",
                                  "value": hv.loc[forces].to_numpy()}))
    if workforce is not None:
        rows.append(_workforce_basis(workforce, forces, workforce_measures))
    return pd.concat(rows, ignore_index=True)


def _workforce_basis(workforce: pd.DataFrame, forces: list[str], measures: Sequence[str]) -> pd.DataFrame:
    for c in ("force", "as_at", "measure", "value"):
        if c not in workforce.columns:
            raise DataValidationError("workforce table column is missing", column=c,
                                      fix="load it with datasets.workforce.load_workforce")
    w = workforce[workforce["force"].isin(forces) & workforce["measure"].isin(measures)]
    absent = sorted(set(forces) - set(w["force"]))
    if absent:
        raise DataValidationError(f"no workforce figures {list(measures)} for {absent}", column="force",
                                  fix="use a workforce file that covers every selected force")
    dates = w.groupby("force")["as_at"].apply(set)
    common = set.intersection(*dates.tolist())
    if not common:
        raise DataValidationError(f"the forces {forces} share no workforce date", column="as_at",
                                  fix="use a workforce file with a common census date")
    latest = max(common)
    fte = w[w["as_at"] == latest].groupby("force")["value"].sum()
    when = pd.Timestamp(latest).strftime("%d %b %Y")
    return pd.DataFrame({"force": forces, "basis": f"workforce FTE ({' + '.join(measures)}) at {when}",
                         "value": fte.loc[forces].to_numpy(dtype=float)})
