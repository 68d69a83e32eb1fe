"""Home Office crime outcomes open data, and police.uk street files' ``Last outcome category``.

The Home Office publishes the outcome of every recorded crime by force, quarter, offence
code and outcome type (0 = not yet assigned, 1 = charged/summonsed, 14-16 = evidential
difficulties, 18 = investigation complete, no suspect identified, ...), with two counts:

- **outcomes of the offences recorded in the quarter** (``Force outcomes for offences
  recorded in quarter``): what has happened so far to the crimes recorded in that quarter,
  including those not yet assigned an outcome, so its total is the quarter's recorded crime;
- **outcomes assigned in the quarter** (``Force outcomes recorded in quarter``): outcomes
  given during the quarter, whenever the offence was recorded.

:func:`load_outcomes` reads every form the table comes in: the as-published CSV (UTF-8 with a
byte-order mark, official headers, the text ``N/A - offence code expired`` in the first count
for expired offence codes), a publisher's tidied snake_case CSV (expired codes dropped, one
trailing all-blank row), and the ODS / XLSX workbooks with one sheet per financial year.
:func:`load_street_outcomes` counts police.uk street records by month and ``Last outcome
category``. The shipped copies are in ``data/raw/outcomes/``.

Examples
--------
>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "o.csv"
>>> _ = p.write_text("\\ufeffFinancial Year,Financial Quarter,Force Name,Offence Description,Offence Group,"
...     "Offence Subgroup,Offence Code,Offence code expired,Outcome Description,Outcome Group,Outcome Type,"
...     "Force outcomes for offences recorded in quarter,Force outcomes recorded in quarter\\n"
...     "2018/19,1,Dorset,Burglary - residential,Theft offences,Burglary,28E,,Charged/Summonsed,"
...     "Charged/Summonsed,1,12,15\\n", encoding="utf-8")
>>> o = load_outcomes(p)
>>> o[["force", "quarter", "outcome_type", "outcomes_of_recorded", "outcomes_assigned"]].astype(str).values.tolist()
[['Dorset', '2018Q2', '1', '12', '15']]
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from alliance_analysis import clean, paths, validation
from alliance_analysis.errors import DataValidationError
from alliance_analysis.validation import Column, Schema

log = logging.getLogger(__name__)

OUTCOMES_DIR: Path = paths.RAW_DIR / "outcomes"
#: the shipped tables: 2017/18 (tidied by its publisher) and 2018/19 (as published)
SHIPPED_OUTCOMES: tuple[Path, ...] = (OUTCOMES_DIR / "prc_outcomes_pfa_2017_18_tidy.csv.gz",
                                      OUTCOMES_DIR / "prc_outcomes_pfa_2018_19.csv.gz")
#: data rows of the shipped tables as published (the 2017/18 count includes its trailing all-blank row)
SHIPPED_ROWS = {"prc_outcomes_pfa_2017_18_tidy.csv.gz": 450913, "prc_outcomes_pfa_2018_19.csv.gz": 621280}
#: the placeholder the Home Office prints in the first count for an expired offence code
EXPIRED = "N/A - offence code expired"
#: the counting bases, in reader words
BASES = {"recorded": "outcomes so far of the offences recorded in the quarter",
         "assigned": "outcomes assigned in the quarter, whenever the offence was recorded"}

_OF_RECORDED = "Force outcomes for offences recorded in quarter"
_ASSIGNED = "Force outcomes recorded in quarter"

#: The Home Office outcomes open data table (official headers; the tidy snake_case spelling as aliases).
OUTCOMES_SCHEMA = Schema("the crime outcomes open data table", [
    Column("Financial Year", aliases=("financial_year",)),
    Column("Financial Quarter", "int", aliases=("financial_quarter",), scientific=False),
    Column("Force Name", aliases=("force_name",)),
    Column("Offence Description", aliases=("offence_description",)),
    Column("Offence Group", aliases=("offence_group",)),
    Column("Offence Subgroup", aliases=("offence_subgroup",)),
    Column("Offence Code", aliases=("offence_code",)),
    Column("Offence code expired", aliases=("offence_code_expired", "Offence Code Expired"), required=False,
           nullable=True),
    Column("Outcome Description", aliases=("outcome_description",)),
    Column("Outcome Group", aliases=("outcome_group",)),
    Column("Outcome Type", "count", aliases=("outcome_type",), scientific=False),
    Column(_OF_RECORDED, "int", aliases=("offences", "force_outcomes_for_offences_recorded_in_quarter"),
           nullable=True, missing_markers=(EXPIRED, "NA"), scientific=False, thousands=True),
    Column(_ASSIGNED, "int", aliases=("force_outcomes_recorded_in_quarter",), nullable=True,
           missing_markers=("NA",), scientific=False, thousands=True),
])
_KEY = ["financial_year", "financial_quarter", "force", "offence_code", "offence_description", "outcome_type"]
_FIX = ("restore data/raw/outcomes/ from git, or pass the path of a Home Office 'crime outcomes open data' "
        "table (CSV, ODS or XLSX)")
_FY_SHEET = re.compile(r"^\s*(?:FY\s*)?(\d{4})\s*[-_/ ]\s*(\d{2}|\d{4})\s*$", re.IGNORECASE)
_ENGINES = {".ods": "odf", ".xlsx": "openpyxl", ".xlsm": "openpyxl"}


def _quarter_period(fy_start: np.ndarray, fq: np.ndarray) -> pd.PeriodIndex:
    # FY Q1 (Apr-Jun) is calendar Q2 of the starting year; FY Q4 (Jan-Mar) calendar Q1 of the next
    return pd.PeriodIndex.from_fields(year=fy_start + (fq == 4), quarter=fq % 4 + 1, freq="Q-DEC")


def tidy_outcomes(raw: pd.DataFrame, *, source: str = "<DataFrame>") -> pd.DataFrame:
    """Tidy a raw outcomes table (official or snake_case headers, text cells).

    Returns
    -------
    DataFrame
        ``financial_year``, ``financial_quarter``, ``quarter`` (Period ``Q-DEC``), ``force``
        (canonical), ``force_type``, ``offence_description``, ``offence_group``,
        ``offence_subgroup``, ``offence_code``, ``offence_code_expired`` (bool),
        ``outcome_type`` (int), ``outcome_group``, ``outcome_description``,
        ``outcomes_of_recorded`` and ``outcomes_assigned`` (Int64; missing where the
        publisher printed ``NA`` or the expired-code placeholder). ``attrs`` count the
        placeholders (``expired_placeholders``) and dropped all-blank rows (``blank_rows_dropped``).

    Raises
    ------
    DataValidationError
        Missing columns, text in a count, a bad year or quarter, an unknown force, the
        expired-code placeholder on a code not marked expired, or a duplicated row; the
        message names the file, the 1-based row and the column.
    """
    df = raw.reset_index(drop=True)
    blank = np.ones(len(df), dtype=bool)
    for c in df.columns:  # column by column: a row is blank when every cell is empty or NA
        col = df[c]
        blank &= (col.isna() | col.isin(["", "NA", " "])).to_numpy()
        if not blank.any():
            break
    dropped = int(blank.sum())
    if dropped:
        log.info("%s: %d all-blank row(s) dropped", source, dropped)
        df = df.loc[~blank].reset_index(drop=True)
    v = validation.validate(df, OUTCOMES_SCHEMA, source=source)
    fq = v["Financial Quarter"].astype("int64")
    badq = ~fq.isin([1, 2, 3, 4])
    if badq.any():
        i = int(np.flatnonzero(badq.to_numpy())[0])
        raise DataValidationError(f"financial quarter {fq.iloc[i]!r} is not 1-4", file=source,
                                  column="Financial Quarter", row=i + 1, fix="quarters are 1 (Apr-Jun) to 4 (Jan-Mar)")
    labels = {}
    for u in pd.unique(v["Financial Year"]):
        try:
            labels[u] = clean.normalise_financial_year(u)
        except DataValidationError:
            i = int(np.flatnonzero((v["Financial Year"] == u).to_numpy())[0])
            raise DataValidationError(f"{u!r} is not a financial year", file=source, column="Financial Year",
                                      row=i + 1, fix="write it as '2018/19'") from None
    fy = v["Financial Year"].map(labels).astype(str)
    expired_flag = (v["Offence code expired"].fillna("").str.strip().str.lower().isin(["x", "y", "yes", "true"])
                    if "Offence code expired" in v.columns else pd.Series(False, index=v.index))
    raw_first = df[validation._resolve(df, OUTCOMES_SCHEMA.column(_OF_RECORDED))].astype("string").str.strip()
    placeholder = (raw_first == EXPIRED).fillna(False).to_numpy()
    wrong = placeholder & ~expired_flag.to_numpy()
    if wrong.any():
        i = int(np.flatnonzero(wrong)[0])
        raise DataValidationError(f"{EXPIRED!r} on an offence code not marked expired", file=source,
                                  column=_OF_RECORDED, row=i + 1,
                                  fix="mark the code expired ('x' in 'Offence code expired') or give the count")
    force = clean.canonical_force_column(v["Force Name"], file=source, column="Force Name")
    out = pd.DataFrame({
        "financial_year": fy,
        "financial_quarter": fq,
        "quarter": _quarter_period(fy.str[:4].astype("int64").to_numpy(), fq.to_numpy()),
        "force": force,
        "force_type": clean.force_type(force),
        "offence_description": v["Offence Description"],
        "offence_group": v["Offence Group"],
        "offence_subgroup": v["Offence Subgroup"],
        "offence_code": v["Offence Code"].str.replace(r"\.0$", "", regex=True),
        "offence_code_expired": expired_flag.to_numpy(),
        "outcome_type": v["Outcome Type"].astype("int64"),
        "outcome_group": v["Outcome Group"],
        "outcome_description": v["Outcome Description"],
        "outcomes_of_recorded": v[_OF_RECORDED].astype("Int64"),
        "outcomes_assigned": v[_ASSIGNED].astype("Int64"),
    })
    validation.check_key(out, _KEY, source=source)
    out.attrs["expired_placeholders"] = int(placeholder.sum())
    out.attrs["blank_rows_dropped"] = dropped
    return out


def _read_workbook(p: Path) -> list[tuple[str, pd.DataFrame]]:
    try:
        book = pd.read_excel(p, sheet_name=None, header=None, dtype=str, engine=_ENGINES[p.suffix.lower()])
    except Exception as exc:  # zip / XML / odf errors: reported, never raised raw
        raise DataValidationError(f"cannot read the workbook ({type(exc).__name__}: {exc})", file=p,
                                  fix="check the file is a complete ODS/XLSX workbook") from exc
    out = []
    for name, block in book.items():
        head = None
        for i in range(min(15, len(block))):
            row = {str(x).strip().lower() for x in block.iloc[i].tolist() if isinstance(x, str)}
            if {"force name", "outcome type"} <= row:
                head = i
                break
        if head is None:
            if _FY_SHEET.match(str(name)):
                raise DataValidationError(f"sheet {name!r} has no header row with Force Name and Outcome Type",
                                          file=p, fix="keep the published column names in the sheet's header row")
            continue
        body = block.iloc[head + 1:].copy()
        body.columns = [str(x).strip() if isinstance(x, str) else f"Unnamed: {j}"
                        for j, x in enumerate(block.iloc[head])]
        body = body.loc[:, [c for c in body.columns if not c.startswith("Unnamed")]]
        out.append((str(name), body.reset_index(drop=True)))
    if not out:
        raise DataValidationError(f"no financial-year data sheet in the workbook (sheets: {list(book)})", file=p,
                                  fix="the Home Office workbook has one sheet per financial year, e.g. '2018-19'")
    return out


def load_outcomes(path: str | Path | None = None) -> pd.DataFrame:
    """Load Home Office crime outcomes open data (CSV as published or tidied, ODS or XLSX).

    Parameters
    ----------
    path : str or Path, optional
        One table; ``None`` loads both shipped years (2017/18 and 2018/19) stacked.

    Returns
    -------
    DataFrame
        See :func:`tidy_outcomes`.

    Raises
    ------
    DataValidationError
        See :func:`tidy_outcomes`; also a missing or unreadable file or sheet, and two files
        holding the same quarter.
    """
    if path is None:
        key = tuple((str(p), p.stat().st_mtime if p.exists() else 0.0) for p in SHIPPED_OUTCOMES)
        cached = _shipped_cached(key)
        out = cached.copy()
        out.attrs = dict(cached.attrs)
        return out
    return _load_one(path)


@functools.lru_cache(maxsize=1)
def _shipped_cached(key: tuple) -> pd.DataFrame:
    """Both shipped years, read once per process and file version (callers get a copy)."""
    parts = [_load_one(p) for p in SHIPPED_OUTCOMES]
    out = pd.concat(parts, ignore_index=True)
    validation.check_key(out, _KEY, source=OUTCOMES_DIR)
    out.attrs["expired_placeholders"] = sum(x.attrs["expired_placeholders"] for x in parts)
    out.attrs["blank_rows_dropped"] = sum(x.attrs["blank_rows_dropped"] for x in parts)
    return out


def _load_one(path: str | Path) -> pd.DataFrame:
    p = Path(path)
    if p.suffix.lower() in _ENGINES:
        if not p.is_file():
            raise DataValidationError("the outcomes workbook not found", file=p, fix=_FIX)
        parts = [tidy_outcomes(body, source=f"{p} [sheet {name}]") for name, body in _read_workbook(p)]
        out = pd.concat(parts, ignore_index=True)
        validation.check_key(out, _KEY, source=p)
        out.attrs["expired_placeholders"] = sum(x.attrs["expired_placeholders"] for x in parts)
        out.attrs["blank_rows_dropped"] = sum(x.attrs["blank_rows_dropped"] for x in parts)
        return out
    if not p.exists():
        raise DataValidationError(f"{OUTCOMES_SCHEMA.name} not found", file=p, fix=_FIX)
    schema = OUTCOMES_SCHEMA
    if p.resolve() in {s.resolve() for s in SHIPPED_OUTCOMES}:
        # the 2018/19 table is published without a final line break: the shipped copies are
        # checked by their published row counts instead
        schema = dataclasses.replace(schema, final_newline=False, expected_rows=SHIPPED_ROWS[p.name],
                                     min_coverage=1.0)
    raw = validation.read_table(p, schema, encodings=("utf-8-sig",))
    if schema.expected_rows is not None and len(raw) != schema.expected_rows:
        raise DataValidationError(f"{len(raw):,} data rows, the published table has {schema.expected_rows:,}",
                                  file=p, fix=_FIX)
    return tidy_outcomes(raw, source=str(p))


# --------------------------------------------------------------------------- police.uk Last outcome category

#: police.uk ``Last outcome category`` -> the Home Office outcome group it corresponds to (reader words)
STREET_OUTCOME_GROUPS: dict[str, str] = {
    "Offender sent to prison": "Charged or summonsed", "Offender given suspended prison sentence": "Charged or summonsed",
    "Offender fined": "Charged or summonsed", "Offender given community sentence": "Charged or summonsed",
    "Offender given conditional discharge": "Charged or summonsed",
    "Offender given absolute discharge": "Charged or summonsed",
    "Offender otherwise dealt with": "Charged or summonsed", "Offender deprived of property": "Charged or summonsed",
    "Offender ordered to pay compensation": "Charged or summonsed", "Court case unable to proceed": "Charged or summonsed",
    "Defendant found not guilty": "Charged or summonsed", "Defendant sent to Crown Court": "Charged or summonsed",
    "Awaiting court outcome": "Charged or summonsed", "Court result unavailable": "Charged or summonsed",
    "Suspect charged as part of another case": "Charged or summonsed",
    "Offender given a caution": "Out-of-court", "Offender given a drugs possession warning": "Out-of-court",
    "Offender given penalty notice": "Out-of-court", "Local resolution": "Out-of-court",
    "Investigation complete; no suspect identified": "No suspect identified",
    "Unable to prosecute suspect": "Evidential difficulties",
    "Formal action is not in the public interest": "Not in the public interest",
    "Further investigation is not in the public interest": "Not in the public interest",
    "Further action is not in the public interest": "Not in the public interest",
    "Action to be taken by another organisation": "Transferred to another body",
    "Under investigation": "Not yet assigned", "Status update unavailable": "Not yet assigned",
}


def _monthly_files(src: Any, kind: str, wanted: set[str] | None,
                   column: str) -> Iterator[tuple[Any, str, str, pd.DataFrame]]:
    """Each police.uk file of ``kind`` ("street" or "outcomes") for a wanted force: its member,
    force, display name and the columns Crime ID, Month and ``column`` as text, after checking
    that the columns are there and every row's Month is the file's month."""
    from alliance_analysis.datasets.police_uk._common import _force_of

    for m in (m for m in src.members() if m.kind == kind):
        force = _force_of(m.slug)
        if force is None or (wanted is not None and force not in wanted):
            continue
        where = src.display(m)
        head = src.header(m)
        if head is None:
            continue
        use = ["Crime ID", "Month", column]
        missing = [c for c in use if c not in head]
        if missing:
            raise DataValidationError(f"{kind} file lacks columns {missing}", file=where,
                                      fix=f"give the police.uk {kind} file with its published columns")
        with src.open(m) as fh:
            df = pd.read_csv(fh, usecols=use, dtype=str, keep_default_na=False)
        bad_month = df["Month"].str.strip() != str(m.month)
        if bad_month.any():
            i = int(np.flatnonzero(bad_month.to_numpy())[0])
            raise DataValidationError(f"Month {df['Month'].iloc[i]!r} in the file for {m.month}", file=where,
                                      column="Month", row=i + 1, fix=f"keep each month's {kind} records in its own file")
        yield m, force, where, df


def load_street_outcomes(source: str | Path, *, forces: list[str] | None = None) -> pd.DataFrame:
    """Crimes by force, month and ``Last outcome category`` from police.uk street files.

    Anti-social behaviour rows (no ``Crime ID``) are not crimes and are left out; each
    ``Crime ID`` counts once per file. The outcome is the last one known when the archive
    was published, so recent months carry more crimes still under investigation.

    Parameters
    ----------
    source : str or Path
        A folder of ``YYYY-MM/YYYY-MM-<force>-street.csv`` files or the archive zip.
    forces : list of str, optional
        Only these forces.

    Returns
    -------
    DataFrame
        ``force``, ``month`` (Period ``M``), ``outcome_category`` (as published; blank reads
        ``"Not recorded"``), ``outcome_group`` (see :data:`STREET_OUTCOME_GROUPS`), ``count``.

    Raises
    ------
    DataValidationError
        No street files, a file without ``Last outcome category``, an unknown outcome
        category (named with its file), or a ``Month`` that disagrees with the file name.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp()); (root / "2020-01").mkdir()
    >>> _ = (root / "2020-01" / "2020-01-dorset-street.csv").write_text(
    ...     "Crime ID,Month,Crime type,Last outcome category\\n"
    ...     "a1,2020-01,Burglary,Under investigation\\n"
    ...     "a2,2020-01,Burglary,Investigation complete; no suspect identified\\n"
    ...     ",2020-01,Anti-social behaviour,\\n")
    >>> load_street_outcomes(root)[["outcome_group", "count"]].values.tolist()
    [['No suspect identified', 1], ['Not yet assigned', 1]]
    """
    from alliance_analysis.datasets.police_uk.source import _Source

    wanted = set(clean.resolve_forces(forces)) if forces else None
    frames = []
    with _Source(source) as src:
        for m, force, where, df in _monthly_files(src, "street", wanted, "Last outcome category"):
            df = df[df["Crime ID"].str.strip() != ""].drop_duplicates("Crime ID")
            cat = df["Last outcome category"].str.strip().replace("", "Not recorded")
            unknown = sorted(set(cat) - set(STREET_OUTCOME_GROUPS) - {"Not recorded"})
            if unknown:
                raise DataValidationError(f"unknown outcome categories {unknown}", file=where,
                                          column="Last outcome category",
                                          fix="add the category to datasets.outcomes.STREET_OUTCOME_GROUPS")
            counts = cat.value_counts()
            frames.append(pd.DataFrame({"force": force, "month": pd.Period(m.month, "M"),
                                        "outcome_category": counts.index, "count": counts.to_numpy()}))
    if not frames:
        raise DataValidationError("no police.uk street files with crimes found", file=source,
                                  fix="give a folder or zip of YYYY-MM/YYYY-MM-<force>-street.csv files")
    out = pd.concat(frames, ignore_index=True)
    out["outcome_group"] = out["outcome_category"].map(STREET_OUTCOME_GROUPS).fillna("Not recorded")
    out["count"] = out["count"].astype("int64")
    out = out.groupby(["force", "month", "outcome_group", "outcome_category"], as_index=False)["count"].sum()
    return out[["force", "month", "outcome_category", "outcome_group", "count"]]


# --------------------------------------------------------------------------- police.uk outcomes files

#: police.uk outcomes files' ``Outcome type`` -> outcome group. Each row is an outcome *given* in the
#: file's month (whenever the crime was recorded): the police outcome, then for a charged suspect the
#: court's result, which is a later event for a crime already counted as charged ("Court result").
POLICE_OUTCOME_GROUPS: dict[str, str] = {
    "Suspect charged": "Charged or summonsed", "Suspect charged as part of another case": "Charged or summonsed",
    "Offender given a caution": "Out-of-court", "Offender given a drugs possession warning": "Out-of-court",
    "Offender given penalty notice": "Out-of-court", "Local resolution": "Out-of-court",
    "Investigation complete; no suspect identified": "No suspect identified",
    "Unable to prosecute suspect": "Evidential difficulties",
    "Formal action is not in the public interest": "Not in the public interest",
    "Further investigation is not in the public interest": "Not in the public interest",
    "Further action is not in the public interest": "Not in the public interest",
    "Action to be taken by another organisation": "Transferred to another body",
    **{c: "Court result" for c, g in STREET_OUTCOME_GROUPS.items()
       if g == "Charged or summonsed" and c != "Suspect charged as part of another case"},
}
#: the published columns of a police.uk outcomes file
OUTCOME_FILE_COLUMNS = ("Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location",
                        "LSOA code", "LSOA name", "Outcome type")


def load_police_uk_outcome_files(source: str | Path, *, forces: list[str] | None = None) -> pd.DataFrame:
    """Outcomes given each month, by force and ``Outcome type``, from police.uk outcomes files.

    A police.uk archive may carry ``YYYY-MM/YYYY-MM-<force>-outcomes.csv`` beside the street
    files: one row per outcome given in that month, whenever the crime was recorded (the
    "outcomes assigned" counting basis, complete once the month is published). A row repeated
    exactly (same crime, same outcome) counts once.

    Parameters
    ----------
    source : str or Path
        A folder or zip of the archive.
    forces : list of str, optional
        Only these forces.

    Returns
    -------
    DataFrame
        ``force``, ``month`` (Period ``M``), ``outcome_category`` (as published), ``outcome_group``
        (see :data:`POLICE_OUTCOME_GROUPS`), ``count``. Empty (with these columns) when the
        archive has no outcomes files.

    Raises
    ------
    DataValidationError
        A file without ``Crime ID``, ``Month`` or ``Outcome type``, an unknown outcome type
        (named with its file), or a ``Month`` that disagrees with the file name.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp()); (root / "2020-01").mkdir()
    >>> _ = (root / "2020-01" / "2020-01-dorset-outcomes.csv").write_text(
    ...     "Crime ID,Month,Outcome type\\n"
    ...     "a1,2020-01,Suspect charged\\n"
    ...     "a2,2020-01,Investigation complete; no suspect identified\\n"
    ...     "a3,2020-01,Offender fined\\n")
    >>> load_police_uk_outcome_files(root)[["outcome_group", "count"]].values.tolist()
    [['Charged or summonsed', 1], ['Court result', 1], ['No suspect identified', 1]]
    """
    from alliance_analysis.datasets.police_uk.source import _Source

    cols = ["force", "month", "outcome_category", "outcome_group", "count"]
    wanted = set(clean.resolve_forces(forces)) if forces else None
    frames = []
    with _Source(source) as src:
        for m, force, where, df in _monthly_files(src, "outcomes", wanted, "Outcome type"):
            df = df.assign(**{"Outcome type": df["Outcome type"].str.strip()}).drop_duplicates(["Crime ID",
                                                                                                  "Outcome type"])
            unknown = sorted(set(df["Outcome type"]) - set(POLICE_OUTCOME_GROUPS))
            if unknown:
                raise DataValidationError(f"unknown outcome types {unknown}", file=where, column="Outcome type",
                                          fix="add the type to datasets.outcomes.POLICE_OUTCOME_GROUPS")
            counts = df["Outcome type"].value_counts()
            frames.append(pd.DataFrame({"force": force, "month": pd.Period(m.month, "M"),
                                        "outcome_category": counts.index, "count": counts.to_numpy()}))
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype="int64" if c == "count" else object) for c in cols})
    out = pd.concat(frames, ignore_index=True)
    out["outcome_group"] = out["outcome_category"].map(POLICE_OUTCOME_GROUPS)
    out["count"] = out["count"].astype("int64")
    out = out.groupby(["force", "month", "outcome_group", "outcome_category"], as_index=False)["count"].sum()
    return out[cols]
