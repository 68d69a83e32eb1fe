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
from pathlib import Path

import pandas as pd

from alliance_analysis import clean, paths
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
    df = raw.copy()
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
    if not p.exists():
        raise DataValidationError("file not found", file=p, fix="check the path, or omit it to use the bundled 2017/18 table")
    raw = pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8-sig")
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
    if not p.exists():
        raise DataValidationError("file not found", file=p, fix="check the path to recorded_crime_by_force_and_category_2024_25.csv")
    df = pd.read_csv(p)
    need = ["force", "crime_type", "count_2024_25", "harm_cchi_days"]
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise DataValidationError(f"missing columns {missing}", file=p, fix=f"expected columns {need}")
    out = clean.normalise_force_names(df[need], "force", source=str(p))
    out["crime_type"] = [taxonomy.canonical_crime_type(c) for c in out["crime_type"]]
    for col in ("count_2024_25", "harm_cchi_days"):
        v = pd.to_numeric(out[col], errors="coerce")
        bad = v.isna() | (v < 0)
        if bad.any():
            i = int(bad.to_numpy().nonzero()[0][0])
            raise DataValidationError(f"value {out[col].iloc[i]!r} is not a non-negative number", file=p,
                                      column=col, row=i + 1, fix="counts and harm days must be >= 0")
        out[col] = v
    return pd.DataFrame({"force": out["force"], "financial_year": "2024/25", "crime_type": out["crime_type"],
                         "count": out["count_2024_25"].astype("int64"),
                         "harm_cchi_days": out["harm_cchi_days"].astype(float)})
