"""Breaks, series summary, rates and seed tables: the readable summaries of a crime series."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from alliance_analysis.overview._common import _period_text, _time_column
from alliance_analysis.errors import DataValidationError
from alliance_analysis.presentation.report import DOCUMENT_TITLES

if TYPE_CHECKING:  # pragma: no cover
    from alliance_analysis.series.sources import CrimeSeries

#: Short titles of the seed documents (one list, kept in :mod:`alliance_analysis.presentation.report`).
SEED_DOCUMENT_TITLES: dict[str, str] = DOCUMENT_TITLES

_PROPER = {"action fraud": "Action Fraud", "covid": "COVID-19"}


def _break_name(break_id: str) -> str:
    """``"covid_lockdowns_2020_21"`` -> ``"COVID-19 lockdowns 2020-21"``."""
    import re

    s = re.sub(r"(\d{4})_(\d{2,4})$", r"\1-\2", str(break_id)).replace("_", " ")
    for k, v in _PROPER.items():
        s = re.sub(rf"\b{k}\b", v, s)
    return s[:1].upper() + s[1:]


def breaks_table(breaks: pd.DataFrame) -> pd.DataFrame:
    """Readable declared breaks: ``Break``, ``From``, ``To`` ("no end: permanent"), ``Offence groups``,
    ``Kind``, ``What changed``, ``Source``.

    Examples
    --------
    >>> b = pd.DataFrame({"break_id": ["x"], "start": pd.to_datetime(["2017-04-01"]), "end": [pd.NaT],
    ...                   "offence_groups": ["Burglary"], "kind": ["reclassification"], "description": ["d"],
    ...                   "source": ["s"]})
    >>> breaks_table(b)[["From", "To"]].values.tolist()
    [['April 2017', 'no end: permanent']]
    """
    need = ["break_id", "start", "end", "offence_groups", "description", "source"]
    miss = [c for c in need if c not in breaks.columns]
    if miss:
        raise DataValidationError("breaks frame lacks columns", column=", ".join(miss),
                                  fix="pass taxonomy.data_breaks() output")
    start = pd.to_datetime(breaks["start"])
    end = pd.to_datetime(breaks["end"])
    return pd.DataFrame({
        "Break": [_break_name(b) for b in breaks["break_id"]],
        "From": start.dt.strftime("%B %Y"),
        "To": [e.strftime("%B %Y") if pd.notna(e) else "no end: permanent" for e in end],
        "Offence groups": breaks["offence_groups"].str.replace(";", ", ").replace({"all": "all groups"}),
        "Kind": breaks["kind"] if "kind" in breaks.columns else "–",
        "What changed": breaks["description"], "Source": breaks["source"]}).reset_index(drop=True)


def series_summary(data: pd.DataFrame) -> pd.DataFrame:
    """First/last period, periods present vs expected and the missing periods, per force.

    Expected periods run from the series' first to its last period (over all forces), so
    a force that starts late or stops early shows the gap.

    Examples
    --------
    >>> m = pd.PeriodIndex(["2022-01", "2022-03", "2022-01", "2022-02", "2022-03"], freq="M")
    >>> d = pd.DataFrame({"force": ["A", "A", "B", "B", "B"], "month": m, "count": 1})
    >>> series_summary(d)[["force", "periods_present", "periods_expected", "missing"]].values.tolist()
    [['A', 2, 3, '2022-02'], ['B', 3, 3, 'none']]
    """
    tcol = _time_column(data)
    per = pd.PeriodIndex(data[tcol])
    if not len(per):
        raise DataValidationError("the series is empty", column=tcol, fix="check the forces and period asked")
    want = pd.period_range(per.min(), per.max(), freq=per.freqstr)
    rows = []
    d = pd.DataFrame({"force": data["force"].astype(str).to_numpy(), "period": per})
    for f, g in d.groupby("force", sort=True):
        have = set(g["period"])
        absent = [p for p in want if p not in have]
        rows.append({"force": f, "first_period": _period_text(min(have)), "last_period": _period_text(max(have)),
                     "periods_present": len(have), "periods_expected": len(want),
                     "missing": ", ".join(_period_text(p) for p in absent) or "none"})
    return pd.DataFrame(rows)


def rates_by_force_year(series: CrimeSeries, population: pd.DataFrame) -> pd.DataFrame:
    """Crime per 1,000 residents by force and complete financial year, population of each year.

    Crime is :meth:`CrimeSeries.totals` (anti-social behaviour and fraud left out). Years
    beyond the population estimates take the nearest estimate: ``population_year`` says
    which. ``attrs["incomplete_years"]`` lists partial years left out,
    ``attrs["nearest_year_used"]`` the (year, population year) pairs not exact.
    ``population_year`` is text (``"mid-2013"``), so no reader sees it as a count.

    Examples
    --------
    >>> from alliance_analysis.series.sources import CrimeSeries
    >>> q = pd.period_range("2013Q2", periods=4, freq="Q")
    >>> s = CrimeSeries(pd.DataFrame({"force": "A", "quarter": q, "offence_group": "Robbery", "count": 25}),
    ...                 "x", "y", False)
    >>> pop = pd.DataFrame({"force": "A", "year": [2013], "population": [50_000]})
    >>> rates_by_force_year(s, pop)[["financial_year", "count", "rate_per_1000"]].values.tolist()
    [['2013/14', 100, 2.0]]
    """
    from alliance_analysis.demand import annual_rates, financial_year_totals

    tot = series.totals().assign(category="All crime")
    cols = ["area", "financial_year", "year", "count", "population", "population_year", "rate_per_1000"]
    t = financial_year_totals(tot, by=("force", "category"))
    if t.empty:
        out = pd.DataFrame(columns=cols)
        out.attrs.update(incomplete_years=t.attrs.get("incomplete_years", []), nearest_year_used=[])
        return out
    r = annual_rates(t, population, by="category")
    out = r[cols].sort_values(["area", "year"]).reset_index(drop=True)
    out["population_year"] = "mid-" + out["population_year"].astype("int64").astype(str)
    out.attrs.update(incomplete_years=t.attrs.get("incomplete_years", []),
                     nearest_year_used=r.attrs.get("nearest_year_used", []))
    return out


def seed_summary(figures: pd.DataFrame) -> pd.DataFrame:
    """Number of transcribed figures per seed table and source document (titled).

    Returns ``table`` (readable), ``document`` (title), ``file`` (seed file), ``figures``.

    Examples
    --------
    >>> f = pd.DataFrame({"table": ["a_b", "a_b", "c"], "document": ["d1", "d1", "004_f4fdb168081c2227.txt"]})
    >>> seed_summary(f).values.tolist()[0]
    ['A b', 'd1', 'd1', 2]
    >>> seed_summary(f)["document"].iloc[1]
    'PCC decision PCC/D/2017/05, Mobilising Transformational Change (Feb 2017)'

    """
    miss = [c for c in ("table", "document") if c not in figures.columns]
    if miss:
        raise DataValidationError("seed figures lack columns", column=", ".join(miss),
                                  fix="pass datasets.seed.all_seed_figures() output")
    out = figures.groupby(["table", "document"], as_index=False).size().rename(columns={"size": "figures"})
    out["table"] = out["table"].astype(str).str.replace("_", " ").str.capitalize()
    out.insert(2, "file", out["document"].astype(str))
    out["document"] = out["document"].map(lambda d: SEED_DOCUMENT_TITLES.get(str(d), str(d)))
    return out
