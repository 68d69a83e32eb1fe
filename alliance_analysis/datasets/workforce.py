"""Home Office police workforce by force (tidy long table of FTE and headcounts).

Examples
--------
>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "w.csv"
>>> _ = p.write_text("as_at,area,is_region_or_total,measure,value,source_file,sheet\\n"
...     "2015-03-31,Devon & Cornwall,False,officers_fte,3000.5,a.ods,T1\\n"
...     "2015-03-31,Devon & Cornwall,False,officers_fte,3001.5,b.ods,T1\\n"
...     "2015-03-31,South West,True,officers_fte,1,b.ods,T1\\n")
>>> load_workforce(p)[["force", "value"]].values.tolist()
[['Devon and Cornwall', 3001.5]]
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

MEASURES = ("officers_fte", "staff_fte", "pcso_fte", "designated_officers_fte", "special_constables_headcount",
            "staff_plus_designated_fte")
#: The long table of the published releases, declared once. A blank value means "not published"
#: (kept absent, counted); the key is checked once those are set aside (see :func:`load_workforce`).
WORKFORCE_SCHEMA = Schema("the workforce table", [
    Column("as_at", "date", date_format="%Y-%m-%d"),
    Column("area"),
    Column("is_region_or_total", "category", allowed=("True", "False")),
    Column("measure", "category", allowed=MEASURES),
    Column("value", "float", nonnegative=True, nullable=True),
    Column("source_file"),
    Column("sheet", required=False, nullable=True),
])
_WORKFORCE_KEY = ["area", "is_region_or_total", "as_at", "measure", "source_file"]
#: Areas in the published tables that are not forces; their rows are dropped and counted.
NON_FORCE_AREAS: frozenset[str] = frozenset({"Central Service Secondments"})


def load_workforce(path: str | Path) -> pd.DataFrame:
    """Tidy workforce: ``force``, ``as_at``, ``measure``, ``value``, ``source_file``.

    Regions and totals are dropped; where several vintages give the same force, date and
    measure, the latest ``source_file`` (sorted by name, which encodes the publication) wins;
    the non-force areas in ``NON_FORCE_AREAS`` (central service secondments) are dropped
    and counted in the log. Any other area that is not a force, a repeated row within one
    source file, a text, negative or infinite value is an error naming the row.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "w.csv"
    >>> _ = p.write_text("as_at,area,is_region_or_total,measure,value,source_file\\n"
    ...                  "2015-03-31,West Mercya,False,officers_fte,1,a.ods\\n")
    >>> load_workforce(p)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    alliance_analysis.errors.DataValidationError: ...row 1: unknown police force name 'West Mercya' ...
    """
    p = Path(path)
    if not p.exists():
        raise DataValidationError(f"{WORKFORCE_SCHEMA.name} not found", file=p,
                                  fix="check the path to police_workforce_by_force_2014_2019_long.csv")
    raw = validation.read_table(p, WORKFORCE_SCHEMA, encodings=("utf-8-sig",))
    if "measure" in raw.columns:  # the allowed measures, named as this loader always has
        measure = raw["measure"].str.strip()
        unknown = ~measure.isin(MEASURES) & measure.notna()
        if unknown.any():
            i = int(unknown.to_numpy().nonzero()[0][0])
            raise DataValidationError(f"unknown measure {raw['measure'].iloc[i]!r}", file=p, column="measure",
                                      row=i + 1, fix=f"use one of {list(MEASURES)}")
    df = validation.validate(raw, WORKFORCE_SCHEMA, source=p)
    blank = df["value"].isna()
    if blank.any():
        # Blank cells in the published tables mean "not published": they stay absent, counted.
        log.info("%s: %d blank values left absent", p, int(blank.sum()))
    df = df[~blank]
    # Checked once blanks are set aside: the published tables repeat some areas with a
    # blank cell beside the figure (West Midlands, Sep 2017), which changes no total.
    validation.check_key(df, _WORKFORCE_KEY, source=p)
    df = df[df["is_region_or_total"] == "False"]
    area = df["area"]
    non_force = area.isin(NON_FORCE_AREAS)
    if non_force.any():
        log.info("%s: %d rows for non-force areas %s dropped", p, int(non_force.sum()),
                 sorted(set(area[non_force])))
    df = df[~non_force]
    # A misspelt or blank force is an error naming its row (issue 12: "West Mercya" lost 56 rows silently).
    df = df.assign(force=clean.canonical_force_column(df["area"], file=p, column="area"))
    df = df.sort_values("source_file").drop_duplicates(["force", "as_at", "measure"], keep="last")
    return df[["force", "as_at", "measure", "value", "source_file"]].sort_values(
        ["force", "measure", "as_at"]).reset_index(drop=True)


# --------------------------------------------------------------------------- open data table 2007-2022

#: Published worker type -> tidy worker type.
WORKER_TYPES: dict[str, str] = {
    "police officer": "police_officer",
    "police staff": "police_staff",
    "police community support officer": "pcso",
    "pcso": "pcso",
    "designated officer": "designated_officer",
    "special constable": "special_constable",
    "police support volunteer": "police_support_volunteer",
}
#: Rank spellings that differ only by letter case between years, unified (counted in attrs).
RANK_SPELLINGS: dict[str, str] = {"Police support volunteer": "Police Support Volunteer"}
#: The open data table, declared once: headcount and FTE non-negative finite numbers, a known worker
#: type, one row per date, force, sex, rank and worker type (checked again once names are canonical).
OPEN_DATA_SCHEMA = Schema("the police workforce open data table", [
    Column("date", "date", date_format="%Y-%m-%d"),
    Column("geo_code", required=False, nullable=True),
    Column("force_name"),
    Column("region"),
    Column("sex"),
    Column("rank_description"),
    Column("worker_type", "category", allowed=tuple(WORKER_TYPES)),
    Column("total_headcount", "float", nonnegative=True),
    Column("total_fte", "float", nonnegative=True),
], key=("date", "force_name", "sex", "rank_description", "worker_type"))
#: Rows in the shipped release of 27 July 2022.
SHIPPED_OPEN_DATA_ROWS = 25198
_OPEN_KEY = ["as_at", "force", "sex", "rank", "worker_type"]


def load_workforce_open_data(path: str | Path | None = None) -> pd.DataFrame:
    """Load the Home Office police workforce open data table (31 March snapshots, 2007-2022).

    Parameters
    ----------
    path : str or Path, optional
        The table in the shipped snake_case layout (``date, geo_code, force_name, region, sex,
        rank_description, worker_type, total_headcount, total_fte``); ``None`` reads the
        shipped release of 27 July 2022.

    Returns
    -------
    DataFrame
        ``as_at`` (datetime64, 31 March; the file dates each snapshot 1 March), ``year``
        (the March year), ``force`` (canonical), ``region``, ``sex``, ``rank``,
        ``worker_type`` (one of ``police_officer``, ``police_staff``, ``pcso``,
        ``designated_officer``, ``special_constable``, ``police_support_volunteer``),
        ``headcount`` and ``fte`` (float). ``attrs["corrections"]`` counts the rank
        spellings unified.

    Raises
    ------
    DataValidationError
        Missing file or columns, a date not in March, an unknown force or worker type,
        a blank, text, negative or infinite headcount/FTE, or a repeated (date, force,
        sex, rank, worker type), naming the file, the 1-based data row and the column.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "w.csv"
    >>> _ = p.write_text("date,geo_code,force_name,region,sex,rank_description,worker_type,"
    ...     "total_headcount,total_fte\\n2015-03-01,E23000016,West Mercia,West Midlands,Female,"
    ...     "Constable,police officer,10,9.5\\n")
    >>> load_workforce_open_data(p)[["as_at", "force", "worker_type", "fte"]].astype(str).values.tolist()
    [['2015-03-31', 'West Mercia', 'police_officer', '9.5']]
    """
    p = paths.WORKFORCE_OPEN_DATA if path is None else Path(path)
    schema = OPEN_DATA_SCHEMA
    if path is None:
        schema = dataclasses.replace(schema, expected_rows=SHIPPED_OPEN_DATA_ROWS)
    if not p.exists():
        raise DataValidationError(f"{schema.name} not found", file=p,
                                  fix="restore data/raw/workforce/police_workforce_open_data_2007_2022.csv.gz "
                                      "from git, or pass the path of the Home Office workforce open data table")
    raw = validation.read_table(p, schema, encodings=("utf-8-sig",), fast_numbers=True)
    df = validation.validate(raw, schema, source=p)
    date = df["date"]
    bad = date.dt.month != 3
    if bad.any():
        i = int(bad.to_numpy().nonzero()[0][0])
        raise DataValidationError(f"{raw['date'].iloc[i]!r} is not a March snapshot date", file=p, column="date",
                                  row=i + 1, fix="the table is as at 31 March each year: write YYYY-03-31 (or -03-01)")
    wt_text = df["worker_type"]
    rank = df["rank_description"]
    corrections = []
    for wrong, right in RANK_SPELLINGS.items():
        n = int((rank == wrong).sum())
        if n:
            corrections.append({"column": "rank_description", "from": wrong, "to": right, "rows": n,
                                "reason": "letter case differs between years"})
            rank = rank.where(rank != wrong, right)
    force = clean.canonical_force_column(df["force_name"], file=p, column="force_name")
    as_at = date + pd.offsets.MonthEnd(0)
    out = pd.DataFrame({
        "as_at": as_at.astype("datetime64[ns]"),
        "year": as_at.dt.year.astype("int64"),
        "force": force,
        "region": df["region"],
        "sex": df["sex"],
        "rank": rank,
        "worker_type": wt_text.map(WORKER_TYPES),
        "headcount": df["total_headcount"],
        "fte": df["total_fte"],
    })
    nonterr = ~out["force"].isin(clean.CANONICAL_FORCES)
    if nonterr.any():
        i = int(nonterr.to_numpy().nonzero()[0][0])
        raise DataValidationError(f"{df['force_name'].iloc[i]!r} is not one of the 43 territorial forces", file=p,
                                  column="force_name", row=i + 1, fix="remove the row or correct the force name")
    # two spellings of one force repeat a row the raw key did not
    validation.check_key(out, _OPEN_KEY, source=p, columns={"as_at": "date", "force": "force_name",
                                                            "rank": "rank_description"})
    out.attrs["corrections"] = corrections
    gaps = clean.coverage_gaps(out, "force", "year")
    out.attrs["coverage_gaps"] = gaps
    if gaps:
        log.warning("%s: %d or more force x year combinations missing (first: %s); the file may be truncated",
                    p, len(gaps), gaps[0])
    return out


def workforce_by_force_year(df: pd.DataFrame, measure: str = "fte") -> pd.DataFrame:
    """Total ``fte`` or ``headcount`` by force, March year and worker type.

    Parameters
    ----------
    df : DataFrame
        Output of :func:`load_workforce_open_data`.
    measure : {"fte", "headcount"}

    Returns
    -------
    DataFrame
        ``force``, ``year``, ``worker_type``, ``value`` (float), sorted.

    Examples
    --------
    >>> d = pd.DataFrame({"force": ["Dorset"] * 3, "year": [2015] * 3, "worker_type": ["pcso", "pcso", "police_staff"],
    ...                   "fte": [1.5, 2.0, 4.0], "headcount": [2.0, 2.0, 4.0]})
    >>> workforce_by_force_year(d).values.tolist()
    [['Dorset', 2015, 'pcso', 3.5], ['Dorset', 2015, 'police_staff', 4.0]]
    """
    from alliance_analysis.errors import ParameterError

    if measure not in ("fte", "headcount"):
        raise ParameterError(f"measure={measure!r}: use 'fte' or 'headcount'")
    missing = [c for c in ("force", "year", "worker_type", measure) if c not in df.columns]
    if missing:
        raise DataValidationError(f"missing columns {missing}", column=missing[0],
                                  fix="pass the output of load_workforce_open_data()")
    out = df.groupby(["force", "year", "worker_type"], as_index=False, sort=True)[measure].sum()
    return out.rename(columns={measure: "value"}).reset_index(drop=True)
