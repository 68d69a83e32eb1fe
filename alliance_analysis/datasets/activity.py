"""Police activity by force: stop and search with resultant arrests, and arrests.

Two Home Office tables (shipped in ``data/raw/activity/``, Open Government Licence v3.0):

- stop and search by force, legislation (section 1 PACE, section 44/47a Terrorism Act,
  section 60 Criminal Justice and Public Order Act), reason and self-defined ethnicity,
  years ending 31 March 2007-2019, with the searches' resultant arrests (``NA`` where a
  breakdown is not published: a declared gap, never zero);
- arrests by force, offence group, ethnic group, age group and sex, 2006/07-2017/18.

:func:`load_stop_search` and :func:`load_arrests` validate the tables;
:func:`stop_search_by_force_year` and :func:`arrests_by_force_year` give the force totals
per financial year the performance measures use.

Examples
--------
>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "a.csv"
>>> _ = p.write_text("financial_year,force_name,offence_group,ethnic_group,age_group,sex,arrests,year_ending\\n"
...     "2016/17,Dorset,Robbery,White,18 - 20 years,Male,4,2017-03-31\\n"
...     "2016/17,Dorset,Robbery,White,18 - 20 years,Female,NA,2017-03-31\\n")
>>> arrests_by_force_year(load_arrests(p)).values.tolist()
[['Dorset', '2016/17', 4]]
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import pandas as pd

from alliance_analysis import clean, paths, validation
from alliance_analysis.errors import DataValidationError
from alliance_analysis.validation import Column, Schema

log = logging.getLogger(__name__)

ACTIVITY_DIR: Path = paths.RAW_DIR / "activity"
STOP_SEARCH_FILE: Path = ACTIVITY_DIR / "stop_search_by_force_2006_07_2018_19.csv.gz"
ARRESTS_FILE: Path = ACTIVITY_DIR / "arrests_by_force_2006_07_2017_18.csv.gz"

_NA = ("NA",)
#: Stop and search and resultant arrests by force (years ending March).
STOP_SEARCH_SCHEMA = Schema("the stop and search table", [
    Column("year_ending", "date"),
    Column("force_name"),
    Column("legislation"),
    Column("reason_for_search_arrest"),
    Column("ethnic_group_self_defined"),
    Column("ethnicity_self_defined"),
    Column("searches", "count", missing_markers=_NA, scientific=False, thousands=True),
    Column("resultant_arrests", "count", missing_markers=_NA, scientific=False, thousands=True),
], key=("year_ending", "force_name", "legislation", "reason_for_search_arrest", "ethnic_group_self_defined",
        "ethnicity_self_defined"))
#: Arrests by force, offence group, ethnic group, age group and sex.
ARRESTS_SCHEMA = Schema("the arrests table", [
    Column("financial_year"),
    Column("force_name"),
    Column("offence_group"),
    Column("ethnic_group"),
    Column("age_group"),
    Column("sex"),
    Column("arrests", "count", missing_markers=_NA, scientific=False, thousands=True),
], key=("financial_year", "force_name", "offence_group", "ethnic_group", "age_group", "sex"))
SHIPPED_ROWS = {STOP_SEARCH_FILE.name: 92199, ARRESTS_FILE.name: 286500}


def _read(path: str | Path | None, default: Path, schema: Schema) -> tuple[Path, pd.DataFrame]:
    p = default if path is None else Path(path)
    if not p.exists():
        raise DataValidationError(f"{schema.name} not found", file=p,
                                  fix=f"restore {default.relative_to(paths.PROJECT_ROOT)} from git, or pass the path")
    if path is None:
        schema = dataclasses.replace(schema, expected_rows=SHIPPED_ROWS[p.name], min_coverage=1.0)
    return p, validation.validate(validation.read_table(p, schema, encodings=("utf-8-sig",)), schema, source=p)


def load_stop_search(path: str | Path | None = None) -> pd.DataFrame:
    """Load the Home Office stop and search table (default: the shipped copy).

    Returns
    -------
    DataFrame
        ``year_ending`` (date), ``financial_year`` ("2018/19"), ``force`` (canonical),
        ``legislation``, ``reason``, ``ethnic_group``, ``ethnicity``, ``searches`` and
        ``resultant_arrests`` (Int64, missing where the publisher printed ``NA``).

    Raises
    ------
    DataValidationError
        Missing file or columns, text or negative numbers in a count, an unknown force,
        a duplicated row, fewer rows than published (shipped copy); file, row and column named.

    Examples
    --------
    >>> s = load_stop_search()
    >>> int(s.loc[(s["force"] == "West Mercia") & (s["financial_year"] == "2018/19"), "searches"].sum())
    4102
    """
    p, v = _read(path, STOP_SEARCH_FILE, STOP_SEARCH_SCHEMA)
    out = pd.DataFrame({
        "year_ending": v["year_ending"],
        "financial_year": [clean.fy_label(d.year - 1) for d in v["year_ending"]],
        "force": clean.canonical_force_column(v["force_name"], file=p, column="force_name"),
        "legislation": v["legislation"], "reason": v["reason_for_search_arrest"],
        "ethnic_group": v["ethnic_group_self_defined"], "ethnicity": v["ethnicity_self_defined"],
        "searches": v["searches"].astype("Int64"), "resultant_arrests": v["resultant_arrests"].astype("Int64"),
    })
    bad = ~((out["year_ending"].dt.month == 3) & (out["year_ending"].dt.day == 31))
    if bad.any():
        i = int(bad.to_numpy().nonzero()[0][0])
        raise DataValidationError(f"year ending {out['year_ending'].iloc[i].date()} is not 31 March", file=p,
                                  column="year_ending", row=i + 1, fix="the table counts years ending 31 March")
    return out


def load_arrests(path: str | Path | None = None) -> pd.DataFrame:
    """Load the Home Office arrests table (default: the shipped copy).

    Returns
    -------
    DataFrame
        ``financial_year``, ``force`` (canonical), ``offence_group``, ``ethnic_group``,
        ``age_group``, ``sex``, ``arrests`` (Int64, missing where the publisher printed ``NA``).

    Raises
    ------
    DataValidationError
        As :func:`load_stop_search`, and a financial year that is not a ``2016/17`` label.
    """
    p, v = _read(path, ARRESTS_FILE, ARRESTS_SCHEMA)
    labels = {}
    for u in pd.unique(v["financial_year"]):
        try:
            labels[u] = clean.normalise_financial_year(u)
        except DataValidationError:
            i = int((v["financial_year"] == u).to_numpy().nonzero()[0][0])
            raise DataValidationError(f"{u!r} is not a financial year", file=p, column="financial_year", row=i + 1,
                                      fix="write it as '2016/17'") from None
    return pd.DataFrame({
        "financial_year": v["financial_year"].map(labels).astype(str),
        "force": clean.canonical_force_column(v["force_name"], file=p, column="force_name"),
        "offence_group": v["offence_group"], "ethnic_group": v["ethnic_group"], "age_group": v["age_group"],
        "sex": v["sex"], "arrests": v["arrests"].astype("Int64"),
    })


def stop_search_by_force_year(stop_search: pd.DataFrame) -> pd.DataFrame:
    """Searches and resultant arrests per force and financial year (published ``NA`` cells left out).

    Returns ``force``, ``financial_year``, ``searches``, ``resultant_arrests`` (int64).
    """
    g = stop_search.groupby(["force", "financial_year"], as_index=False)[["searches", "resultant_arrests"]].sum()
    return g.astype({"searches": "int64", "resultant_arrests": "int64"})


def arrests_by_force_year(arrests: pd.DataFrame) -> pd.DataFrame:
    """Arrests per force and financial year (published ``NA`` cells left out): ``force``, ``financial_year``, ``arrests``."""
    g = arrests.groupby(["force", "financial_year"], as_index=False)["arrests"].sum()
    return g.astype({"arrests": "int64"})
