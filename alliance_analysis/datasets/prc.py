"""Home Office police recorded crime (PRC) open data tables.

The tables come by police force area (PFA) or community safety partnership (CSP),
by financial year, financial quarter and Home Office offence code, with either the
official column names (``Financial Year``, ``Force Name``, ``Number of Offences``...)
or the underscored variant (``Financial_Year``...). ``load_prc_table()`` with no
path loads the real FY 2017/18 PFA table shipped inside the ``crime-sim-toolkit``
wheel (located through its metadata, never imported).

Examples
--------
>>> prc = load_prc_table()
>>> sorted(prc["financial_year"].unique())
['2017/18']
>>> int(prc.loc[prc["force"] == "West Mercia", "count"].sum()) > 50000
True
"""

from __future__ import annotations

import dataclasses
import logging
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pandas as pd

from alliance_analysis import clean, paths, validation
from alliance_analysis.datasets import home_office
from alliance_analysis.datasets.police_uk.source import _RATIO_FLOOR, MAX_RATIO
from alliance_analysis.errors import DataValidationError
from alliance_analysis.validation import Column, Schema

log = logging.getLogger(__name__)

BUNDLED_PRC_2017_18 = "crime_sim_toolkit/src/prc-pfa-201718_new.csv"

#: normalised source column -> tidy column
_COLUMNS = {
    "financial year": "financial_year",
    "financial quarter": "financial_quarter",
    "force name": "force",
    "community safety partnership": "csp",
    "csp name": "csp",
    "offence description": "offence_description",
    "offence group": "offence_group",
    "offence subgroup": "offence_subgroup",
    "offence code": "offence_code",
    "number of offences": "count",
    "policeuk cat": "police_uk_category",
}
_REQUIRED = ("financial_year", "financial_quarter", "force", "offence_description", "offence_group",
             "offence_subgroup", "offence_code", "count")

#: tidy column -> the official published header (files with underscored, dotted or other-case
#: headers are read under these names, so every message names the column as published officially)
_OFFICIAL = {"financial_year": "Financial Year", "financial_quarter": "Financial Quarter", "force": "Force Name",
             "csp": "Community Safety Partnership", "offence_description": "Offence Description",
             "offence_group": "Offence Group", "offence_subgroup": "Offence Subgroup", "offence_code": "Offence Code",
             "count": "Number of Offences", "police_uk_category": "PoliceUK Cat"}

#: A Home Office PRC open data table (PFA or CSP level), declared once. Counts are whole numbers
#: (thousands separators accepted and counted; negative adjustments are published and kept), never
#: blank, text, infinite or in exponent notation. The key (year, quarter, force, offence code) is
#: checked once force names are canonical and float-mangled codes repaired (see the loaders).
PRC_SCHEMA = Schema("the PRC open data table", [
    Column("Financial Year"),
    Column("Financial Quarter", "int", scientific=False),
    Column("Force Name"),
    Column("Community Safety Partnership", required=False),
    Column("Offence Description"),
    Column("Offence Group"),
    Column("Offence Subgroup"),
    Column("Offence Code"),
    Column("Number of Offences", "int", thousands=True, scientific=False),
    Column("PoliceUK Cat", required=False),
])
#: Rows in the shipped quarterly release of 19 October 2023.
SHIPPED_PRC_QUARTERLY_ROWS = 258905


def _official_headers(df: pd.DataFrame) -> pd.DataFrame:
    """The frame with every recognised header spelling renamed to the official one (a shallow copy)."""
    names = {}
    for c in df.columns:
        tidy = _COLUMNS.get(_norm(c))
        if tidy is not None:
            names[c] = _OFFICIAL[tidy]
    return df.rename(columns=names)


def _norm(col: str) -> str:
    return " ".join(str(col).replace("_", " ").replace(".", " ").strip().lower().split())


def tidy_prc(raw: pd.DataFrame, *, source: str = "<DataFrame>") -> pd.DataFrame:
    """Tidy a raw PRC table (official or underscored column names).

    Returns
    -------
    DataFrame
        ``financial_year`` ("2017/18"), ``financial_quarter`` (1-4), ``force`` (canonical),
        ``is_territorial``, ``offence_description``, ``offence_group``, ``offence_subgroup``,
        ``offence_code`` (str), ``count`` (int64), plus ``csp`` / ``police_uk_category`` when present.

    Raises
    ------
    DataValidationError
        Missing columns, bad financial years or quarters, non-integer counts,
        unknown force names; the message names the file, the column and the row.

    Examples
    --------
    >>> raw = pd.DataFrame({"Financial Year": ["2013/14"], "Financial Quarter": [3],
    ...     "Force Name": ["Devon & Cornwall"], "Offence Description": ["Robbery of personal property"],
    ...     "Offence Group": ["Robbery"], "Offence Subgroup": ["Robbery of personal property"],
    ...     "Offence Code": ["34B"], "Number of Offences": [12]})
    >>> tidy_prc(raw)[["force", "financial_quarter", "count"]].values.tolist()
    [['Devon and Cornwall', 3, 12]]
    """
    df = raw.reset_index(drop=True)
    row_id = [c for c in df.columns if str(c).startswith("Unnamed")]
    if row_id:
        # An exported row index (R / pandas) is the only thing telling apart rows that
        # the source relabelled to one code (e.g. the homicide codes "1/4.1/4.10/4.2"):
        # a repeated index value is a duplicated row.
        validation.check_key(df, row_id[:1], source=source, columns={row_id[0]: "row index"})
    df = df.loc[:, [c for c in df.columns if not str(c).startswith("Unnamed")]]
    df = _official_headers(df)
    missing = [t for t in _REQUIRED if _OFFICIAL[t] not in df.columns]
    if missing:
        raise DataValidationError(
            f"missing columns {missing}", file=source,
            fix="a Home Office PRC table needs Financial Year, Financial Quarter, Force Name, Offence "
            "Description, Offence Group, Offence Subgroup, Offence Code, Number of Offences (or the underscored names)",
        )
    v = _validate(df, PRC_SCHEMA, source)
    counts = v["Number of Offences"]
    if (counts < 0).any():
        # The published tables carry negative adjustments (offences cancelled or
        # reclassified after the quarter they were recorded in); keep them, so totals
        # match the Home Office's own, and say so.
        log.info("%s: %d rows with negative adjustments kept", source, int((counts < 0).sum()))
    q = v["Financial Quarter"]
    badq = ~q.isin([1, 2, 3, 4])
    if badq.any():
        i = int(badq.to_numpy().nonzero()[0][0])
        raise DataValidationError(f"financial quarter {df['Financial Quarter'].iloc[i]!r} is not 1-4", file=source,
                                  column="Financial Quarter", row=i + 1, fix="quarters are 1 (Apr-Jun) to 4 (Jan-Mar)")
    out = pd.DataFrame({"financial_year": _financial_years(v["Financial Year"], source),
                        "financial_quarter": q.astype("int64"),
                        "force": clean.canonical_force_column(v["Force Name"], file=source, column="Force Name")})
    out["is_territorial"] = out["force"].isin(clean.CANONICAL_FORCES)
    if "Community Safety Partnership" in v.columns:
        out["csp"] = v["Community Safety Partnership"]
    for col in ("offence_description", "offence_group", "offence_subgroup", "offence_code"):
        out[col] = v[_OFFICIAL[col]]
    out["count"] = counts.astype("int64")
    if "PoliceUK Cat" in v.columns:
        out["police_uk_category"] = v["PoliceUK Cat"]
    if not row_id:
        key = ["financial_year", "financial_quarter", "force"] + [c for c in ("csp",) if c in out.columns]
        validation.check_key(out, key + ["offence_code", "offence_description"], source=source,
                             columns={k: _OFFICIAL[k] for k in _OFFICIAL})
    return out.reset_index(drop=True)


def _validate(df: pd.DataFrame, schema: Schema, source: str) -> pd.DataFrame:
    """:func:`validation.validate`, a count that is not a number worded as the PRC loaders always have."""
    try:
        return validation.validate(df, schema, source=source)
    except DataValidationError as exc:
        if exc.column == "Number of Offences" and exc.row is not None and " is not a number" in exc.detail:
            raise DataValidationError(f"number of offences {df['Number of Offences'].iloc[exc.row - 1]!r} is not a "
                                      "whole number", file=source, column=exc.column, row=exc.row,
                                      fix="write the count in digits (thousands separators are accepted), or "
                                          "remove the row") from None
        raise


def _financial_years(fy_text: pd.Series, source: str) -> pd.Series:
    """Canonical ``"2013/14"`` labels, the first bad label named by row."""
    labels = {}
    for u in pd.unique(fy_text):
        try:
            labels[u] = clean.normalise_financial_year(u)
        except DataValidationError as exc:
            i = int((fy_text == u).to_numpy().nonzero()[0][0])
            why = "" if exc.detail.endswith("is not a financial year label") else f" ({exc.detail})"
            raise DataValidationError(f"{u!r} is not a financial year{why}", file=source, column="Financial Year",
                                      row=i + 1, fix="write it as '2013/14'") from None
    return fy_text.map(labels).astype(str)


def load_prc_table(path: str | Path | None = None) -> pd.DataFrame:
    """Load a Home Office PRC open data table (PFA or CSP level).

    Parameters
    ----------
    path : str or Path, optional
        A CSV in the official or underscored layout. ``None`` loads the real FY 2017/18
        force x quarter x offence code table bundled in the ``crime-sim-toolkit`` wheel.

    Returns
    -------
    DataFrame
        See :func:`tidy_prc`.
    """
    p = paths.crime_sim_toolkit_file(BUNDLED_PRC_2017_18) if path is None else Path(path)
    raw = _read_csv(p, "check the path, or omit it to use the bundled 2017/18 table")
    return tidy_prc(raw, source=str(p))


def load_force_category_table(path: str | Path) -> pd.DataFrame:
    """Recorded crime by force x police.uk category, FY 2024/25, with CCHI harm.

    Returns ``force`` (canonical), ``financial_year`` (``"2024/25"``), ``crime_type``
    (police.uk spelling), ``count`` (int64) and ``harm_cchi_days`` (float).

    Raises
    ------
    DataValidationError
        On missing columns, unknown forces or categories, or negative/non-numeric values.
    """
    from alliance_analysis import taxonomy

    p = Path(path)
    if not p.exists():
        raise DataValidationError(f"{FORCE_CATEGORY_SCHEMA.name} not found", file=p,
                                  fix="check the path to recorded_crime_by_force_and_category_2024_25.csv")
    df = validation.load_table(p, FORCE_CATEGORY_SCHEMA)
    out = pd.DataFrame({"force": clean.canonical_force_column(df["force"], file=p, column="force"),
                        "financial_year": "2024/25",
                        "crime_type": [taxonomy.canonical_crime_type(c) for c in df["crime_type"]],
                        "count": df["count_2024_25"].astype("int64"),
                        "harm_cchi_days": df["harm_cchi_days"].astype(float)})
    validation.check_key(out, ["force", "crime_type"], source=p)
    return out


#: Recorded crime by force x police.uk category, FY 2024/25, with CCHI harm.
FORCE_CATEGORY_SCHEMA = Schema("the force x category table", [
    Column("force"), Column("crime_type"), Column("count_2024_25", "count", scientific=False),
    Column("harm_cchi_days", "float", nonnegative=True),
], key=("force", "crime_type"))


# --------------------------------------------------------------------------- quarterly release (2012/13 onwards)

_FY_SHEET = re.compile(r"^\s*(?:FY\s*)?(\d{4})\s*[-_/ ]\s*(\d{2}|\d{4})\s*$", re.IGNORECASE)
_WORKBOOK_ENGINES = {".ods": "odf", ".xlsx": "openpyxl", ".xlsm": "openpyxl"}
_QUARTERLY_KEY = ["financial_year", "financial_quarter", "force", "offence_code"]
_FIX_PRC = ("restore data/raw/home_office/prc-pfa-mar2013-onwards-tables-191023.csv.gz from git, or pass "
            "the path of a Home Office 'police recorded crime open data tables' file (CSV, ODS or XLSX)")


def _header_row(block: pd.DataFrame) -> int | None:
    """Index of the first of the top 15 rows that holds a 'Force Name' column, else None."""
    for i in range(min(15, len(block))):
        names = {_COLUMNS.get(_norm(v)) for v in block.iloc[i].tolist() if isinstance(v, str)}
        if {"force", "count", "offence_code"} <= names:
            return i
    return None


#: Largest total expanded size of a PRC workbook's zip members (bytes). The Home Office ODS of
#: every year since 2012/13 expands to a few hundred MB of XML; a zip bomb declares far more.
MAX_WORKBOOK_BYTES: int = 1024**3
_ODS_NS = {"table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
           "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0"}
_XLSX_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def check_workbook_zip(p: Path, *, max_bytes: int = MAX_WORKBOOK_BYTES, max_ratio: float = MAX_RATIO) -> None:
    """Refuse a workbook whose zip members would expand too far, before any XML is parsed.

    The rule (an ODS or XLSX is a zip of XML files): every member of more than 1 MB must
    expand at most ``max_ratio`` (200) times its compressed size, and all members together
    at most ``max_bytes`` (1 GiB), by the sizes the zip declares (Python's zip reader never
    expands a member beyond its declared size). A real PRC workbook compresses its XML
    about 10-30 to 1; a zip bomb 1000 to 1.

    Raises
    ------
    DataValidationError
        Not a zip (not an ODS/XLSX), or a member over the ratio, or a total over the cap,
        naming the workbook, the member and the rule.

    Examples
    --------
    >>> import tempfile, pathlib, zipfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "bomb.xlsx"
    >>> with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as z:
    ...     z.writestr("xl/worksheets/sheet1.xml", b"<" * (8 << 20))
    >>> check_workbook_zip(p)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    alliance_analysis.errors.DataValidationError: ...bomb.xlsx: member 'xl/worksheets/sheet1.xml' expands ...
    """
    try:
        with zipfile.ZipFile(p) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise DataValidationError(f"cannot read the workbook: not an ODS/XLSX zip ({exc})", file=p,
                                  fix="check the file is a complete ODS/XLSX workbook (re-download it)") from None
    total = 0
    for info in infos:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > _RATIO_FLOOR and ratio > max_ratio:
            raise DataValidationError(
                f"member {info.filename!r} expands {ratio:,.0f} times ({info.compress_size:,} -> {info.file_size:,} "
                f"bytes), above the limit of {max_ratio:g} times for a member over 1 MB (a zip bomb?)", file=p,
                fix="re-download the workbook from the Home Office; a genuine workbook compresses about 10-30 to 1")
        if total > max_bytes:
            raise DataValidationError(
                f"the workbook's members expand to more than {max_bytes:,} bytes (limit), so it was not parsed",
                file=p, fix="re-download the workbook from the Home Office, or pass a CSV export of its year sheets")


def hidden_sheets(p: Path) -> list[str]:
    """Names of the sheets an ODS/XLSX workbook marks hidden (``hidden`` or ``veryHidden``).

    Read from the workbook's own XML (``xl/workbook.xml``; for ODS the table styles with
    ``table:display="false"`` in ``content.xml``), after :func:`check_workbook_zip`.

    Examples
    --------
    >>> import tempfile, pathlib, pandas as pd
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "h.xlsx"
    >>> with pd.ExcelWriter(p, engine="openpyxl") as xw:
    ...     pd.DataFrame({"a": [1]}).to_excel(xw, sheet_name="2012-13", index=False)
    ...     pd.DataFrame({"a": [2]}).to_excel(xw, sheet_name="old", index=False)
    ...     xw.book["old"].sheet_state = "hidden"
    >>> hidden_sheets(p)
    ['old']
    """
    out: list[str] = []
    with zipfile.ZipFile(p) as z:
        names = set(z.namelist())
        if "xl/workbook.xml" in names:
            root = ElementTree.fromstring(z.read("xl/workbook.xml"))
            for sh in root.iter(f"{_XLSX_NS}sheet"):
                if sh.get("state") in ("hidden", "veryHidden"):
                    out.append(str(sh.get("name")))
        elif "content.xml" in names:
            t, st = _ODS_NS["table"], _ODS_NS["style"]
            hidden_styles: set[str] = set()
            with z.open("content.xml") as fh:
                style_name = None
                for event, el in ElementTree.iterparse(fh, events=("start", "end")):
                    if event == "start" and el.tag == f"{{{st}}}style" and el.get(f"{{{st}}}family") == "table":
                        style_name = el.get(f"{{{st}}}name")
                    elif event == "start" and el.tag == f"{{{st}}}table-properties" and style_name \
                            and el.get(f"{{{t}}}display") == "false":
                        hidden_styles.add(style_name)
                    elif event == "start" and el.tag == f"{{{t}}}table" and el.get(f"{{{t}}}style-name") in hidden_styles:
                        out.append(str(el.get(f"{{{t}}}name")))
                    elif event == "end" and el.tag == f"{{{t}}}table-row":
                        el.clear()
    return out


def _read_workbook(p: Path, sheet: str | list[str] | None) -> tuple[list[tuple[str, pd.DataFrame]], list[str]]:
    engine = _WORKBOOK_ENGINES[p.suffix.lower()]
    check_workbook_zip(p)
    try:
        hidden = hidden_sheets(p)
    except (zipfile.BadZipFile, ElementTree.ParseError, OSError, KeyError) as exc:
        raise DataValidationError(f"cannot read the workbook's sheet list ({type(exc).__name__}: {exc})", file=p,
                                  fix="check the file is a complete ODS/XLSX workbook") from None
    try:
        book = pd.read_excel(p, sheet_name=None, header=None, dtype=str, engine=engine)
    except Exception as exc:  # zipfile.BadZipFile, XML errors, odf errors: report, never raise raw
        raise DataValidationError(f"cannot read the workbook ({type(exc).__name__}: {exc})", file=p,
                                  fix="check the file is a complete ODS/XLSX workbook") from exc
    wanted = None if sheet is None else ([sheet] if isinstance(sheet, str) else list(sheet))
    if wanted is not None:
        unknown = [s for s in wanted if s not in book]
        if unknown:
            raise DataValidationError(f"no sheet(s) {unknown} in the workbook (sheets: {list(book)})", file=p,
                                      fix="pass one of the workbook's sheet names, or sheet=None for every year sheet")
    data, skipped = [], []
    hidden_skipped = [str(n) for n in book if str(n) in hidden and (wanted is None or n in wanted)]
    if hidden_skipped:
        log.warning("%s: skipped %d hidden sheet(s) %s: a hidden sheet is not part of the published table "
                    "(unhide it in the workbook if it is meant to be read)", p, len(hidden_skipped), hidden_skipped)
    for name, block in book.items():
        if wanted is not None and name not in wanted:
            continue
        if str(name) in hidden:
            continue
        h = _header_row(block)
        if h is None:
            if _FY_SHEET.match(str(name)) or wanted is not None:
                raise DataValidationError(
                    f"sheet {name!r} has no header row with Force Name, Offence Code and Number of Offences",
                    file=p, fix="keep the published column names in the sheet's header row")
            skipped.append(str(name))
            continue
        header = [str(v).strip() if isinstance(v, str) else f"Unnamed: {j}" for j, v in enumerate(block.iloc[h])]
        _refuse_repeated_headers(header, f"{p} [sheet {name}]", h + 1)
        body = block.iloc[h + 1:].copy()
        body.columns = header
        body = body.loc[:, [c for c in header if not c.startswith("Unnamed")]].fillna("")
        body = body.loc[~(body.astype(str).apply(lambda c: c.str.strip()) == "").all(axis=1)]
        sheet_rows = (body.index.to_numpy() + 1).tolist()  # the spreadsheet's own row numbers
        body = body.astype(str).reset_index(drop=True)
        body.attrs["sheet_rows"] = sheet_rows
        data.append((str(name), body))
    if not data:
        raise DataValidationError(f"no financial-year data sheet in the workbook to read (sheets: {list(book)}; "
                                  f"hidden, not read: {hidden_skipped})", file=p,
                                  fix="the Home Office workbook has one sheet per financial year, e.g. '2012-13'")
    return data, skipped + [f"{n} (hidden)" for n in hidden_skipped]


def _refuse_repeated_headers(header: list[str], where: str, header_row: int | None = None) -> None:
    """Two columns that both read as one PRC column (e.g. two 'Number of Offences') are an error:
    which one holds the counts cannot be guessed."""
    seen: dict[str, int] = {}
    for j, h in enumerate(header):
        tidy = _COLUMNS.get(_norm(h))
        if tidy is None:
            continue
        if tidy in seen:
            at = f" (header row {header_row})" if header_row is not None else ""
            raise DataValidationError(
                f"two columns are {_OFFICIAL[tidy]!r}: columns {seen[tidy] + 1} and {j + 1}{at}", file=where,
                column=_OFFICIAL[tidy], fix="keep one of the two columns (the published table has one of each)")
        seen[tidy] = j


def _quarter_period(fy_start: pd.Series, fq: pd.Series) -> pd.Series:
    # FY Q1 (Apr-Jun) = calendar Q2 of the starting year; FY Q4 (Jan-Mar) = calendar Q1 of the next.
    year = fy_start + (fq == 4).astype("int64")
    cq = fq % 4 + 1
    return pd.Series(pd.PeriodIndex.from_fields(year=year.to_numpy(), quarter=cq.to_numpy(), freq="Q-DEC"),
                     index=fy_start.index)


def _at_sheet_row(exc: DataValidationError, sheet_rows: list[int]) -> DataValidationError:
    """The same error with its data-row numbers turned into the spreadsheet's own row numbers."""
    def row(n: int) -> int:
        return sheet_rows[n - 1] if 1 <= n <= len(sheet_rows) else n

    detail = re.sub(r"\b(on row|rows?) (\d+)\b", lambda m: f"{m.group(1)} {row(int(m.group(2)))}", exc.detail)
    return DataValidationError(detail, file=exc.file, column=exc.column,
                               row=row(exc.row) if exc.row is not None else None, fix=exc.fix)


def _refuse_repeats_across_sheets(out: pd.DataFrame, where: list[tuple[str, list[int]]], p: Path) -> None:
    """Two rows for one (year, quarter, force, offence code) in different sheets: named by sheet and sheet row."""
    dup = out.duplicated(list(_QUARTERLY_KEY), keep=False).to_numpy()
    if not dup.any():
        return
    sheet = [name for name, rows in where for _ in rows]
    row = [r for _, rows in where for r in rows]
    idx = dup.nonzero()[0]
    first_key = tuple(out.iloc[idx[0]][list(_QUARTERLY_KEY)])
    same = [i for i in idx if tuple(out.iloc[i][list(_QUARTERLY_KEY)]) == first_key][:2]
    a, b = same[0], same[1]
    shown = ", ".join(str(v) for v in first_key)
    raise DataValidationError(
        f"sheet {sheet[b]!r} row {row[b]} repeats sheet {sheet[a]!r} row {row[a]} ({shown}); "
        f"{int(out.duplicated(list(_QUARTERLY_KEY)).sum())} repeated row(s) in all", file=f"{p} [sheet {sheet[b]}]",
        column=_OFFICIAL["offence_code"], row=row[b],
        fix="remove the duplicate sheet or rows (a repeated year would double its totals)")


def _raw_csv_header(p: Path) -> list[str]:
    """The header line of a CSV / CSV.gz as published (no renaming of repeated names)."""
    import csv
    import gzip
    import io

    opener = gzip.open if p.suffix.lower() == ".gz" else open
    with opener(p, "rb") as fh:
        line = fh.readline(1 << 20)
    text = line.decode("utf-8-sig", errors="replace")
    return next(csv.reader(io.StringIO(text)), [])


def _read_csv(p: Path, fix_missing: str) -> pd.DataFrame:
    """A PRC CSV / CSV.gz as text (the count typed by the fast parser), UTF-8 only, official headers."""
    if not p.exists():
        raise DataValidationError(f"{PRC_SCHEMA.name} not found", file=p, fix=fix_missing)
    # headers are renamed to the official spelling before validation, so the fast parser is told the
    # published spelling of the numeric columns through aliases read from the header line
    header = validation.read_table(p, PRC_SCHEMA, encodings=("utf-8-sig",), nrows=0)
    _refuse_repeated_headers(_raw_csv_header(p), str(p), 1)  # pandas would rename the second 'X' to 'X.1'
    spelled = {_OFFICIAL.get(_COLUMNS.get(_norm(c), ""), c): c for c in header.columns}
    schema = dataclasses.replace(PRC_SCHEMA, columns=[
        dataclasses.replace(c, aliases=(spelled[c.name],)) if c.name in spelled and spelled[c.name] != c.name else c
        for c in PRC_SCHEMA.columns])
    return _official_headers(validation.read_table(p, schema, encodings=("utf-8-sig",), fast_numbers=True))


def _tidy_quarterly(raw: pd.DataFrame, *, source: str, sheet_fy: str | None,
                    schema: Schema = PRC_SCHEMA) -> pd.DataFrame:
    df = _official_headers(raw)
    missing = [t for t in _REQUIRED if _OFFICIAL[t] not in df.columns]
    if missing:
        raise DataValidationError(
            f"missing columns {missing}", file=source, column=missing[0],
            fix="a Home Office PRC table needs Financial Year, Financial Quarter, Force Name, Offence Description, "
                "Offence Group, Offence Subgroup, Offence Code, Number of Offences (or the underscored/dotted names)")
    v = _validate(df, schema, source)
    fy = _financial_years(v["Financial Year"], source)
    if sheet_fy is not None and (fy != sheet_fy).any():
        i = int((fy != sheet_fy).to_numpy().nonzero()[0][0])
        raise DataValidationError(f"financial year {fy.iloc[i]!r} in the sheet for {sheet_fy}", file=source,
                                  column="Financial Year", row=i + 1,
                                  fix="move the row to its own year's sheet or correct the year")
    fq = v["Financial Quarter"]
    badq = ~fq.isin([1, 2, 3, 4])
    if badq.any():
        i = int(badq.to_numpy().nonzero()[0][0])
        raise DataValidationError(f"financial quarter {df['Financial Quarter'].iloc[i]!r} is not 1-4", file=source,
                                  column="Financial Quarter", row=i + 1, fix="quarters are 1 (Apr-Jun) to 4 (Jan-Mar)")
    fq = fq.astype("int64")
    counts = v["Number of Offences"].astype("int64")
    force = clean.canonical_force_column(v["Force Name"], file=source, column="Force Name")
    code = v["Offence Code"].str.replace(r"\.0$", "", regex=True)
    # an export through floating point turned codes such as 4.9 into "4.9000000000000004":
    # repaired to the shortest decimal that reads back as the same float, counted and logged
    mangled = code.str.fullmatch(r"\d+\.\d{6,}")
    if mangled.any():
        fixed = code[mangled].map(lambda c: repr(float(c)))
        log.info("%s: %d offence codes repaired from float artefacts (e.g. %s -> %s)", source, int(mangled.sum()),
                 code[mangled].iloc[0], fixed.iloc[0])
        code = code.where(~mangled, fixed)
        repaired_codes = int(mangled.sum())
    else:
        repaired_codes = 0
    fy_start = fy.str[:4].astype("int64")
    out = pd.DataFrame({
        "financial_year": fy,
        "financial_quarter": fq,
        "quarter": _quarter_period(fy_start, fq),
        "force": force,
        "force_type": clean.force_type(force),
        "offence_description": v["Offence Description"],
        "offence_group": v["Offence Group"],
        "offence_subgroup": v["Offence Subgroup"],
        "offence_code": code.astype(str),
        "count": counts,
    })
    # one check on the tidy key: it also catches two spellings of a force and a repaired code
    # that equals a printed one, which a check on the raw cells would miss
    validation.check_key(out, _QUARTERLY_KEY, source=source, columns={k: _OFFICIAL[k] for k in _QUARTERLY_KEY})
    out.attrs["repaired_codes"] = repaired_codes
    return out


def load_prc_quarterly(path: str | Path | None = None, *, sheet: str | list[str] | None = None) -> pd.DataFrame:
    """Load the Home Office quarterly PRC open data table (PFA level, 2012/13 onwards).

    Parameters
    ----------
    path : str or Path, optional
        A CSV / CSV.gz (all years stacked) or an ODS / XLSX workbook as the Home Office
        publishes it (one sheet per financial year, named like ``"2012-13"``, ``"2012_13"``
        or ``"2012/13"``, plus cover, contents and notes sheets, which are skipped and
        listed in ``attrs["skipped_sheets"]``). ``None`` reads the shipped release of 19 Oct 2023.
    sheet : str or list of str, optional
        Only these sheets of a workbook.

    Returns
    -------
    DataFrame
        ``financial_year`` ("2012/13"), ``financial_quarter`` (1-4), ``quarter`` (Period
        ``Q-DEC``; FY Q1 = calendar Q2), ``force`` (canonical), ``force_type``,
        ``offence_description``, ``offence_group``, ``offence_subgroup``, ``offence_code``
        (str), ``count`` (int64; the published negative adjustments kept, their number in
        ``attrs["negative_counts"]``), ``release``. Offence codes mangled by a floating-point export
        (``"4.9000000000000004"``) are repaired to ``"4.9"`` and counted in ``attrs["repaired_codes"]``.

    Raises
    ------
    DataValidationError
        Missing/unreadable file or sheet, missing columns, bad year/quarter/count/force,
        a year sheet holding another year's rows, or two rows for the same (year, quarter,
        force, offence code) (in a workbook: named by sheet and the spreadsheet's own row number,
        the header being row 1 or below any title rows); a file cut off mid-row (no line break after its last row), a
        territorial force missing offence codes printed for the other forces in its quarter, or
        a last quarter missing forces of the quarter before (rows dropped from the end of any
        file: :func:`alliance_analysis.validation.check_complete_grid`), naming the file (and sheet), the 1-based data row and column.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "prc.csv"
    >>> _ = p.write_text("Financial_Year,Financial_Quarter,Force_Name,Offence_Description,Offence_Group,"
    ...     "Offence_Subgroup,Offence_Code,Number_of_Offences\\n"
    ...     "2013/14,4,\\"London, City of\\",Robbery of personal property,Robbery,Robbery,34B,7\\n")
    >>> df = load_prc_quarterly(p)
    >>> df[["force", "quarter", "count"]].astype(str).values.tolist()
    [['City of London', '2014Q1', '7']]
    """
    p = paths.HO_PRC_QUARTERLY if path is None else Path(path)
    skipped: list[str] = []
    if p.suffix.lower() in _WORKBOOK_ENGINES:
        if not p.is_file():
            raise DataValidationError("the PRC open data workbook not found", file=p, fix=_FIX_PRC)
        sheets, skipped = _read_workbook(p, sheet)
        parts = []
        where: list[tuple[str, list[int]]] = []
        for name, body in sheets:
            m = _FY_SHEET.match(name)
            sheet_fy = None
            if m:
                try:
                    sheet_fy = clean.normalise_financial_year(f"{m.group(1)}/{m.group(2)}")
                except DataValidationError:
                    sheet_fy = None
            sheet_rows = body.attrs.get("sheet_rows", list(range(2, len(body) + 2)))
            try:
                parts.append(_tidy_quarterly(body, source=f"{p} [sheet {name}]", sheet_fy=sheet_fy))
            except DataValidationError as exc:
                raise _at_sheet_row(exc, sheet_rows) from None
            where.append((name, body.attrs.get("sheet_rows", list(range(2, len(body) + 2)))))
        out = pd.concat(parts, ignore_index=True)
        out.attrs["repaired_codes"] = sum(x.attrs.get("repaired_codes", 0) for x in parts)
        _refuse_repeats_across_sheets(out, where, p)
        if skipped:
            log.info("%s: skipped %d non-data sheets %s", p, len(skipped), skipped)
    else:
        if sheet is not None:
            raise DataValidationError("sheet= only applies to ODS/XLSX workbooks", file=p,
                                      fix="drop the sheet argument for a CSV")
        raw = _read_csv(p, _FIX_PRC)
        schema = PRC_SCHEMA
        if path is None:
            schema = dataclasses.replace(schema, expected_rows=SHIPPED_PRC_QUARTERLY_ROWS)
        out = _tidy_quarterly(raw, source=str(p), sheet_fy=None, schema=schema)
    out["release"] = home_office.release_of(p)
    out.attrs["skipped_sheets"] = skipped
    out.attrs["negative_counts"] = int((out["count"] < 0).sum())
    terr = out[out["force_type"] == "territorial"]
    gaps = clean.coverage_gaps(terr[["force", "financial_year", "financial_quarter"]].assign(
        quarter=lambda d: d["financial_year"] + " Q" + d["financial_quarter"].astype(str)), "force", "quarter")
    gaps = [{"force": g["force"], "quarter": str(_quarter_period(pd.Series([int(g["quarter"][:4])]),
                                                                 pd.Series([int(g["quarter"][-1])])).iloc[0])}
            for g in gaps]
    out.attrs["coverage_gaps"] = gaps
    if gaps:
        log.warning("%s: %d or more force x quarter combinations missing (first: %s); the file may be truncated",
                    p, len(gaps), gaps[0])
    # rows dropped from the end of any file (not only the shipped one) break the published grid
    validation.check_complete_grid(out, period="quarter", unit="force", item="offence_code",
                                   grid=(out["force_type"] == "territorial").to_numpy(), source=p,
                                   what=PRC_SCHEMA.name, columns={"quarter": "Financial Quarter",
                                                                  "force": _OFFICIAL["force"],
                                                                  "offence_code": _OFFICIAL["offence_code"]})
    return out
