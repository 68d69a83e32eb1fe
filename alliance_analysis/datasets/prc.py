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

import logging
import re
from pathlib import Path

import pandas as pd

from alliance_analysis import clean, paths
from alliance_analysis.datasets import home_office
from alliance_analysis.errors import DataValidationError

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
    df = raw.copy().reset_index(drop=True)
    row_id = [c for c in df.columns if str(c).startswith("Unnamed")]
    if row_id:
        # An exported row index (R / pandas) is the only thing telling apart rows that
        # the source relabelled to one code (e.g. the homicide codes "1/4.1/4.10/4.2"):
        # a repeated index value is a duplicated row.
        clean.check_unique(df, row_id[:1], file=source, columns={row_id[0]: "row index"})
    df = df.loc[:, [c for c in df.columns if not str(c).startswith("Unnamed")]]
    df.columns = [_COLUMNS.get(_norm(c), _norm(c).replace(" ", "_")) for c in df.columns]
    missing = [c for c in _REQUIRED if c not in df.columns]
    if missing:
        raise DataValidationError(
            f"missing columns {missing}", file=source,
            fix="a Home Office PRC table needs Financial Year, Financial Quarter, Force Name, Offence "
            "Description, Offence Group, Offence Subgroup, Offence Code, Number of Offences (or the underscored names)",
        )
    counts = pd.to_numeric(df["count"].astype(str).str.replace(",", "", regex=False), errors="coerce")
    bad = counts.isna() | (counts % 1 != 0)
    if bad.any():
        i = int(bad.to_numpy().nonzero()[0][0])
        raise DataValidationError(f"number of offences {df['count'].iloc[i]!r} is not a whole number",
                                  file=source, column="Number of Offences", row=i + 1,
                                  fix="correct the count or remove the row")
    if (counts < 0).any():
        # The published tables carry negative adjustments (offences cancelled or
        # reclassified after the quarter they were recorded in); keep them, so totals
        # match the Home Office's own, and say so.
        log.info("%s: %d rows with negative adjustments kept", source, int((counts < 0).sum()))
    df["count"] = counts.astype("int64")
    q = pd.to_numeric(df["financial_quarter"], errors="coerce")
    badq = ~q.isin([1, 2, 3, 4])
    if badq.any():
        i = int(badq.to_numpy().nonzero()[0][0])
        raise DataValidationError(f"financial quarter {df['financial_quarter'].iloc[i]!r} is not 1-4", file=source,
                                  column="Financial Quarter", row=i + 1, fix="quarters are 1 (Apr-Jun) to 4 (Jan-Mar)")
    df["financial_quarter"] = q.astype("int64")
    fys = {fy: clean.normalise_financial_year(fy) for fy in df["financial_year"].astype(str).unique()}
    df["financial_year"] = df["financial_year"].astype(str).map(fys)
    df = clean.normalise_force_names(df, "force", source=source)
    df["is_territorial"] = df["force"].isin(clean.CANONICAL_FORCES)
    df["offence_code"] = df["offence_code"].astype(str).str.strip()
    for col in ("offence_description", "offence_group", "offence_subgroup"):
        df[col] = df[col].astype(str).str.strip()
    if not row_id:
        key = ["financial_year", "financial_quarter", "force"] + [c for c in ("csp",) if c in df.columns]
        clean.check_unique(df, key + ["offence_code", "offence_description"], file=source)
    order = ["financial_year", "financial_quarter", "force", "is_territorial"]
    order += [c for c in ("csp",) if c in df.columns]
    order += ["offence_description", "offence_group", "offence_subgroup", "offence_code", "count"]
    order += [c for c in ("police_uk_category",) if c in df.columns]
    return df[order].reset_index(drop=True)


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
    raw = clean.read_csv_strict(p, [], what="the PRC open data table",
                                fix_missing="check the path, or omit it to use the bundled 2017/18 table")
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
    from alliance_analysis import clean, taxonomy

    p = Path(path)
    df = clean.read_csv_strict(p, [], what="the force x category table",
                               fix_missing="check the path to recorded_crime_by_force_and_category_2024_25.csv")
    need = ["force", "crime_type", "count_2024_25", "harm_cchi_days"]
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise DataValidationError(f"missing columns {missing}", file=p, fix=f"expected columns {need}")
    out = df[need].copy()
    out["force"] = clean.canonical_force_column(out["force"], file=p, column="force")
    out["crime_type"] = [taxonomy.canonical_crime_type(c) for c in out["crime_type"]]
    clean.check_unique(out, ["force", "crime_type"], file=p)
    out["count_2024_25"] = clean.parse_count_column(out["count_2024_25"], file=p, column="count_2024_25")
    out["harm_cchi_days"] = clean.parse_float_column(out["harm_cchi_days"], file=p, column="harm_cchi_days")
    return pd.DataFrame({"force": out["force"], "financial_year": "2024/25", "crime_type": out["crime_type"],
                         "count": out["count_2024_25"].astype("int64"),
                         "harm_cchi_days": out["harm_cchi_days"].astype(float)})


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


def _read_workbook(p: Path, sheet: str | list[str] | None) -> tuple[list[tuple[str, pd.DataFrame]], list[str]]:
    engine = _WORKBOOK_ENGINES[p.suffix.lower()]
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
    for name, block in book.items():
        if wanted is not None and name not in wanted:
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
        body = block.iloc[h + 1:].copy()
        body.columns = header
        body = body.loc[:, [c for c in header if not c.startswith("Unnamed")]].fillna("")
        body = body.loc[~(body.astype(str).apply(lambda c: c.str.strip()) == "").all(axis=1)]
        data.append((str(name), body.astype(str).reset_index(drop=True)))
    if not data:
        raise DataValidationError(f"no financial-year data sheet in the workbook (sheets: {list(book)})", file=p,
                                  fix="the Home Office workbook has one sheet per financial year, e.g. '2012-13'")
    return data, skipped


def _quarter_period(fy_start: pd.Series, fq: pd.Series) -> pd.Series:
    # FY Q1 (Apr-Jun) = calendar Q2 of the starting year; FY Q4 (Jan-Mar) = calendar Q1 of the next.
    year = fy_start + (fq == 4).astype("int64")
    cq = fq % 4 + 1
    return pd.Series(pd.PeriodIndex.from_fields(year=year.to_numpy(), quarter=cq.to_numpy(), freq="Q-DEC"),
                     index=fy_start.index)


def _tidy_quarterly(raw: pd.DataFrame, *, source: str, sheet_fy: str | None) -> pd.DataFrame:
    df = raw.rename(columns={c: _COLUMNS.get(_norm(c), _norm(c).replace(" ", "_")) for c in raw.columns})
    missing = [c for c in _REQUIRED if c not in df.columns]
    if missing:
        raise DataValidationError(
            f"missing columns {missing}", file=source, column=missing[0],
            fix="a Home Office PRC table needs Financial Year, Financial Quarter, Force Name, Offence Description, "
                "Offence Group, Offence Subgroup, Offence Code, Number of Offences (or the underscored/dotted names)")
    fy_text = df["financial_year"].astype(str).str.strip()
    labels = {}
    for u in pd.unique(fy_text):
        try:
            labels[u] = clean.normalise_financial_year(u)
        except DataValidationError:
            i = clean._first_bad(fy_text == u)
            raise DataValidationError(f"{u!r} is not a financial year", file=source, column="Financial Year",
                                      row=i + 1, fix="write it as '2013/14'") from None
    fy = fy_text.map(labels)
    if sheet_fy is not None and (fy != sheet_fy).any():
        i = clean._first_bad(fy != sheet_fy)
        raise DataValidationError(f"financial year {fy.iloc[i]!r} in the sheet for {sheet_fy}", file=source,
                                  column="Financial Year", row=i + 1,
                                  fix="move the row to its own year's sheet or correct the year")
    fq_text = df["financial_quarter"].astype(str).str.strip().str.replace(r"\.0$", "", regex=True)
    badq = ~fq_text.isin(["1", "2", "3", "4"])
    if badq.any():
        i = clean._first_bad(badq)
        raise DataValidationError(f"financial quarter {df['financial_quarter'].iloc[i]!r} is not 1-4", file=source,
                                  column="Financial Quarter", row=i + 1, fix="quarters are 1 (Apr-Jun) to 4 (Jan-Mar)")
    fq = fq_text.astype("int64")
    counts = clean.parse_count_column(df["count"].str.replace(r"\.0$", "", regex=True), file=source,
                                      column="Number of Offences", allow_negative=True)
    force = clean.canonical_force_column(df["force"], file=source, column="Force Name")
    code = df["offence_code"].astype(str).str.strip().str.replace(r"\.0$", "", regex=True)
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
    if (code == "").any():
        i = clean._first_bad(code == "")
        raise DataValidationError("blank offence code", file=source, column="Offence Code", row=i + 1,
                                  fix="give the Home Office offence code")
    fy_start = fy.str[:4].astype("int64")
    out = pd.DataFrame({
        "financial_year": fy.astype(str),
        "financial_quarter": fq,
        "quarter": _quarter_period(fy_start, fq),
        "force": force,
        "force_type": clean.force_type(force),
        "offence_description": df["offence_description"].astype(str).str.strip(),
        "offence_group": df["offence_group"].astype(str).str.strip(),
        "offence_subgroup": df["offence_subgroup"].astype(str).str.strip(),
        "offence_code": code.astype(str),
        "count": counts,
    })
    clean.check_unique(out, _QUARTERLY_KEY, file=source,
                       columns={"financial_year": "Financial Year", "financial_quarter": "Financial Quarter",
                                "force": "Force Name", "offence_code": "Offence Code"})
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
        force, offence code), naming the file (and sheet), the 1-based data row and column.

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
        for name, body in sheets:
            m = _FY_SHEET.match(name)
            sheet_fy = None
            if m:
                try:
                    sheet_fy = clean.normalise_financial_year(f"{m.group(1)}/{m.group(2)}")
                except DataValidationError:
                    sheet_fy = None
            parts.append(_tidy_quarterly(body, source=f"{p} [sheet {name}]", sheet_fy=sheet_fy))
        out = pd.concat(parts, ignore_index=True)
        out.attrs["repaired_codes"] = sum(x.attrs.get("repaired_codes", 0) for x in parts)
        clean.check_unique(out, _QUARTERLY_KEY, file=p)
        if skipped:
            log.info("%s: skipped %d non-data sheets %s", p, len(skipped), skipped)
    else:
        if sheet is not None:
            raise DataValidationError("sheet= only applies to ODS/XLSX workbooks", file=p,
                                      fix="drop the sheet argument for a CSV")
        raw = clean.read_csv_strict(p, [], what="the PRC open data table", fix_missing=_FIX_PRC)
        out = _tidy_quarterly(raw, source=str(p), sheet_fy=None)
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
    return out
