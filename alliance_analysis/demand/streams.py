"""police.uk archives: anti-social behaviour as its own stream of incidents, and where crime and harm concentrate.

Anti-social behaviour (ASB) records are incidents, not crimes: they never enter a crime
table or a crime trend. :func:`asb_stream` gives them their own monthly and yearly series
and their share of all recorded demand (crimes plus ASB incidents) in the archive.

:func:`concentration` answers the review's "where do communities need protection from
harm?" (para 17): the share of crime (and of harm, when harm weights per police.uk crime
type are given) in the top 1%, 5% and 10% of neighbourhoods (LSOAs: Lower layer Super
Output Areas, about 1,500 residents each), year by year, and its change on the year before.
Rule: the areas ranked are those with at least one crime record in the year; the top p%
is the ceil(p% x areas) areas with most crime (or harm), ties broken by area code; records
without an LSOA are left out and counted. Years are calendar years, with the months each
covers stated (a partial year is labelled, never compared silently).

Examples
--------
>>> m = pd.DataFrame({"force": "A", "month": pd.period_range("2020-01", periods=2, freq="M").repeat(2),
...                   "crime_type": ["Anti-social behaviour", "Drugs"] * 2, "count": [3, 1, 5, 3]})
>>> asb_stream(m)["months"][["month", "incidents", "share_of_demand_pct"]].values.tolist()
[[Period('2020-01', 'M'), 3, 75.0], [Period('2020-02', 'M'), 5, 62.5]]
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from alliance_analysis.errors import DataValidationError

log = logging.getLogger(__name__)

ASB = "Anti-social behaviour"
TOP_SHARES = (1, 5, 10)


def _check(df: pd.DataFrame, cols: Sequence[str]) -> None:
    for c in cols:
        if c not in df.columns:
            raise DataValidationError("column is missing", column=c,
                                      fix="use the police.uk series (datasets.police_uk.load_street_archive)")


def crime_only(monthly: pd.DataFrame) -> pd.DataFrame:
    """The crime records of a police.uk series (anti-social behaviour removed), a new frame.

    Examples
    --------
    >>> m = pd.DataFrame({"crime_type": [ASB, "Drugs"], "count": [3, 1]})
    >>> crime_only(m)["crime_type"].tolist()
    ['Drugs']
    """
    if "crime_type" not in monthly.columns:
        return monthly.copy()
    return monthly[monthly["crime_type"] != ASB].reset_index(drop=True)


def asb_stream(monthly: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Anti-social behaviour incidents by month and calendar year (all forces in ``monthly`` together and
    per force), with their share of all recorded demand (crimes plus ASB incidents).

    Returns
    -------
    dict
        ``"months"``: ``month``, ``incidents``, ``crimes``, ``share_of_demand_pct``;
        ``"years"``: ``force`` (``"all"`` for the forces together), ``year``, ``months`` (covered),
        ``incidents``, ``crimes``, ``share_of_demand_pct``, ``change_pct`` (on the year before, for
        complete years only). Empty frames when the series holds no ASB.
    """
    _check(monthly, ("month", "crime_type", "count"))
    if not (monthly["crime_type"] == ASB).any():
        return {"months": pd.DataFrame(), "years": pd.DataFrame()}
    d = monthly.assign(asb=monthly["crime_type"] == ASB)
    force = d["force"] if "force" in d.columns else pd.Series("all", index=d.index)
    d = d.assign(force=force)
    m = d.groupby(["month", "asb"])["count"].sum().unstack(fill_value=0).reindex(columns=[True, False], fill_value=0)
    months = pd.DataFrame({"month": m.index, "incidents": m[True].to_numpy().astype("int64"),
                           "crimes": m[False].to_numpy().astype("int64")})
    months["share_of_demand_pct"] = months["incidents"] / (months["incidents"] + months["crimes"]) * 100
    frames = []
    for f, g in [("all", d)] + (list(d.groupby("force")) if d["force"].nunique() > 1 else []):
        g = g.assign(year=g["month"].dt.year)
        y = g.groupby(["year", "asb"])["count"].sum().unstack(fill_value=0).reindex(columns=[True, False], fill_value=0)
        n = g.groupby("year")["month"].nunique()
        t = pd.DataFrame({"force": f, "year": y.index.astype(int), "months": n.reindex(y.index).to_numpy(),
                          "incidents": y[True].to_numpy().astype("int64"), "crimes": y[False].to_numpy().astype("int64")})
        t["share_of_demand_pct"] = t["incidents"] / (t["incidents"] + t["crimes"]) * 100
        prev = t["incidents"].shift(1)
        ok = (t["months"] == 12) & (t["months"].shift(1) == 12)
        t["change_pct"] = ((t["incidents"] / prev - 1) * 100).where(ok)
        frames.append(t)
    return {"months": months.reset_index(drop=True), "years": pd.concat(frames, ignore_index=True)}


def _top_share(values: np.ndarray, codes: np.ndarray, pct: float) -> float:
    order = np.lexsort((codes, -values))
    k = math.ceil(len(values) * pct / 100)
    total = values.sum()
    return float(values[order][:k].sum() / total * 100) if total > 0 else float("nan")


def concentration(lsoa_monthly: pd.DataFrame, weights: pd.DataFrame | None = None,
                  top: Sequence[float] = TOP_SHARES) -> pd.DataFrame:
    """Share of crime (and harm) in the top ``top`` % of LSOAs, by calendar year, with the change on the
    year before (percentage points).

    Parameters
    ----------
    lsoa_monthly : DataFrame
        ``month``, ``crime_type``, ``lsoa_code``, ``count`` (``load_street_archive(..., by_lsoa=True)``);
        anti-social behaviour is left out (it is not crime).
    weights : DataFrame, optional
        ``crime_type``, ``weight`` (harm per crime, e.g. Cambridge Crime Harm Index days); crime types
        without a weight are left out of the harm shares and listed in ``attrs["unweighted"]``.

    Returns
    -------
    DataFrame
        ``measure`` ("crime" or "harm"), ``year``, ``months``, ``areas``, ``top_pct``, ``share_pct``,
        ``change_pp`` (on the year before; only when both years are complete). ``attrs["no_lsoa"]``
        counts crime records without an area.

    Examples
    --------
    >>> rows = [("E1", 50), ("E2", 30), ("E3", 10), ("E4", 10)]   # 4 areas: top 10% = 1 area, 50 of 100
    >>> d = pd.DataFrame({"month": pd.Period("2020-01", "M"), "crime_type": "Drugs",
    ...                   "lsoa_code": [r[0] for r in rows], "count": [r[1] for r in rows]})
    >>> concentration(d)[["top_pct", "share_pct"]].values.tolist()
    [[1.0, 50.0], [5.0, 50.0], [10.0, 50.0]]
    """
    _check(lsoa_monthly, ("month", "crime_type", "lsoa_code", "count"))
    d = crime_only(lsoa_monthly)
    no_area = d["lsoa_code"].isna()
    missing = int(d.loc[no_area, "count"].sum())
    d = d[~no_area].assign(year=d.loc[~no_area, "month"].dt.year)
    months = d.groupby("year")["month"].nunique()
    measures = [("crime", d.assign(v=d["count"].astype(float)))]
    unweighted: list[str] = []
    if weights is not None:
        w = dict(zip(weights["crime_type"], weights["weight"].astype(float)))
        unweighted = sorted(set(d["crime_type"]) - set(w))
        h = d[d["crime_type"].isin(w)]
        measures.append(("harm", h.assign(v=h["count"] * h["crime_type"].map(w))))
    rows = []
    for name, frame in measures:
        per = frame.groupby(["year", "lsoa_code"])["v"].sum().reset_index()
        for year, g in per.groupby("year"):
            g = g[g["v"] > 0]
            for p in top:
                rows.append({"measure": name, "year": int(year), "months": int(months.loc[year]),
                             "areas": int(len(g)), "top_pct": float(p),
                             "share_pct": _top_share(g["v"].to_numpy(), g["lsoa_code"].astype(str).to_numpy(), p)})
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    out = out.sort_values(["measure", "top_pct", "year"]).reset_index(drop=True)
    prev = out.groupby(["measure", "top_pct"])["share_pct"].shift(1)
    full = (out["months"] == 12) & (out.groupby(["measure", "top_pct"])["months"].shift(1) == 12)
    out["change_pp"] = (out["share_pct"] - prev).where(full)
    out = out.sort_values(["measure", "year", "top_pct"]).reset_index(drop=True)
    out.attrs["no_lsoa"] = missing
    out.attrs["unweighted"] = unweighted
    return out
