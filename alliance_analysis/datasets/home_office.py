"""The Home Office rolling 12-month recorded crime table by police force area.

``rec-crime-pfa.csv`` ("Recorded crime data at Police Force Area level") gives, for
each force and offence group, the number of offences recorded in the twelve months
ending on a date: years ending March 2003-2007 (annual rows), then every quarter from
the year ending June 2007. Action Fraud, CIFAS and UK Finance appear as pseudo-forces
(``force_type == "national_fraud"``) and British Transport Police as ``"btp"``, kept
apart from the 43 territorial forces. One date is misprinted ``30-12-2017`` (the year
ending 31 December 2017); it is corrected, counted and logged in
``df.attrs["corrections"]``. A few published totals are negative net adjustments
(police-recorded fraud after the move to Action Fraud, death or serious injury by
illegal driving); they are kept as published and listed in ``df.attrs["negative_totals"]``;
a negative total for any other offence is an error.

Examples
--------
>>> df = load_rolling_pfa()
>>> int(df.loc[(df["force"] == "West Mercia") & (df["period_end"] == "2016-03-31"), "rolling_total"].sum())
72599
>>> df.attrs["corrections"][0]["rows"]
927
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from pathlib import Path

import pandas as pd

from alliance_analysis import clean, paths, validation
from alliance_analysis.errors import DataValidationError
from alliance_analysis.validation import Column, Schema

log = logging.getLogger(__name__)

#: Published column -> tidy column.
ROLLING_COLUMNS: dict[str, str] = {
    "12 months ending": "period_end",
    "PFA": "force",
    "Region": "region",
    "Offence": "offence",
    "Rolling year total number of offences": "rolling_total",
}
#: Misprinted dates in published releases, corrected and counted (text as printed -> ISO date).
KNOWN_DATE_MISPRINTS: dict[str, str] = {"30-12-2017": "2017-12-31"}
#: Offence groups for which the Home Office publishes negative net rolling totals.
NET_ADJUSTMENT_OFFENCES: frozenset[str] = frozenset(
    {"Fraud offences", "Death or serious injury caused by illegal driving"})

#: The published file, declared once: the counts are whole numbers (negative only for the
#: ``NET_ADJUSTMENT_OFFENCES``, checked by the loader), one row per date, force and offence.
ROLLING_SCHEMA = Schema("the rolling PFA recorded crime table", [
    Column("12 months ending", "date", date_format="%d-%m-%Y"),
    Column("PFA"),
    Column("Region", nullable=True),
    Column("Offence"),
    Column("Rolling year total number of offences", "int", scientific=False),
], key=("12 months ending", "PFA", "Offence"))
#: Rows in the shipped release (2019-04-25); a shorter copy of that file is truncated.
SHIPPED_ROLLING_ROWS = 46469

_FIX_MISSING = ("restore data/raw/home_office/rec-crime-pfa.csv from git (`git checkout -- data/raw/home_office`) "
                "or pass the path of a downloaded 'Recorded crime data at Police Force Area level' CSV")


def release_of(path: str | Path) -> str:
    """Return the release date recorded in ``data/raw/SOURCES.csv`` for a file, by its SHA-256.

    A file not listed there (for example a newer release fetched beside the shipped
    one) is labelled ``"<name> (unregistered release)"``.

    Examples
    --------
    >>> from alliance_analysis import paths
    >>> release_of(paths.HO_PRC_QUARTERLY)
    '2023-10-19'
    """
    p = Path(path)
    try:
        digest = hashlib.sha256(p.read_bytes()).hexdigest()
        sources = pd.read_csv(paths.SOURCES_CSV, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError):
        return f"{p.name} (unregistered release)"
    hit = sources.loc[sources.get("sha256", pd.Series(dtype=str)) == digest, "release_date"]
    return str(hit.iloc[0]) if len(hit) else f"{p.name} (unregistered release)"


def _frequency(period_end: pd.Series) -> pd.Series:
    """``annual`` where a date follows the previous one by 12 months (or, first, precedes the next by 12)."""
    dates = pd.Series(sorted(period_end.unique()))
    months = dates.dt.year * 12 + dates.dt.month
    gap_prev = months.diff()
    gap_next = -months.diff(-1)
    gap = gap_prev.fillna(gap_next)
    freq = pd.Series(["annual" if g >= 12 else "quarterly" for g in gap], index=dates.to_numpy())
    return period_end.map(freq).astype(str)


def _read(p: Path, schema: Schema) -> pd.DataFrame:
    """The file as text (numbers typed by the fast parser), UTF-8 only, missing file named with its fix."""
    if not p.exists():
        raise DataValidationError(f"{schema.name} not found", file=p, fix=_FIX_MISSING)
    return validation.read_table(p, schema, encodings=("utf-8-sig",), fast_numbers=True)


def load_rolling_pfa(path: str | Path | None = None) -> pd.DataFrame:
    """Load the Home Office rolling 12-month recorded crime table by force and offence group.

    Parameters
    ----------
    path : str or Path, optional
        Any release of ``rec-crime-pfa.csv``; ``None`` reads the shipped early-2019 release.

    Returns
    -------
    DataFrame
        ``period_end`` (datetime64, the last day of the twelve months), ``frequency``
        (``"annual"`` / ``"quarterly"``), ``force`` (canonical), ``region``, ``force_type``
        (``"territorial"``, ``"btp"``, ``"national_fraud"``), ``offence`` (as published),
        ``rolling_total`` (int64), ``release``. ``attrs["corrections"]`` lists counted
        corrections; ``attrs["negative_totals"]`` the published negative adjustments kept.

    Raises
    ------
    DataValidationError
        Any failure of :data:`ROLLING_SCHEMA` (missing file or columns, a blank, decimal,
        exponent, text, infinite total, a repeated row; fewer rows than the shipped release
        when reading it; a last line without a line break, i.e. a file cut off mid-row), a date
        that is not the end of a quarter (other than the known misprint) or that lies after
        today, a territorial force missing some of the offence groups printed for its date or
        a last date missing forces of the date before (rows dropped from the end of any file:
        :func:`alliance_analysis.validation.check_complete_grid`), a negative total for an ordinary offence, an unknown force, or two rows
        for the same (period, force, offence) once names are canonical; naming the file,
        the 1-based data row, the column and the fix.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "r.csv"
    >>> _ = p.write_text("12 months ending,PFA,Region,Offence,Rolling year total number of offences\\n"
    ...                  "30-12-2017,Devon & Cornwall,South West,Robbery,500\\n")
    >>> df = load_rolling_pfa(p)
    >>> df[["period_end", "force", "rolling_total"]].astype(str).values.tolist()
    [['2017-12-31', 'Devon and Cornwall', '500']]
    """
    p = paths.HO_ROLLING_PFA if path is None else Path(path)
    schema = ROLLING_SCHEMA
    if path is None:
        schema = dataclasses.replace(schema, expected_rows=SHIPPED_ROLLING_ROWS)
    raw = _read(p, schema)
    col = {v: k for k, v in ROLLING_COLUMNS.items()}
    if "12 months ending" not in raw.columns:
        validation.validate(raw, schema, source=p)  # names the missing column(s)
    text = raw["12 months ending"].str.strip()
    corrections = []
    for wrong, right in KNOWN_DATE_MISPRINTS.items():
        n = int((text == wrong).sum())
        if n:
            corrections.append({"column": col["period_end"], "from": wrong, "to": right, "rows": n,
                                "reason": "misprinted date in the published table (means the year ending "
                                          f"{right})"})
            log.warning("%s: corrected %d rows dated %s to %s", p, n, wrong, right)
            text = text.where(text != wrong, pd.Timestamp(right).strftime("%d-%m-%Y"))
    df = validation.validate(raw.assign(**{"12 months ending": text}), schema, source=p)
    dates = df["12 months ending"]
    future = (dates > pd.Timestamp.today().normalize()).to_numpy()
    if future.any():
        i = int(future.nonzero()[0][0])
        raise DataValidationError(f"{raw['12 months ending'].iloc[i]!r} is in the future: a published twelve-month "
                                  "total cannot end after today", file=p, column=col["period_end"], row=i + 1,
                                  fix="correct the date (DD-MM-YYYY) from the published table; a year such as 2099 "
                                      "is a typing error")
    bad = ~dates.dt.is_month_end | ~dates.dt.month.isin([3, 6, 9, 12])
    if bad.any():
        i = int(bad.to_numpy().nonzero()[0][0])
        raise DataValidationError(f"{raw['12 months ending'].iloc[i]!r} is not the last day of a quarter (DD-MM-YYYY)",
                                  file=p, column=col["period_end"], row=i + 1,
                                  fix="write the end of the twelve months as DD-MM-YYYY, e.g. 31-03-2016")
    offence = df["Offence"]
    totals = df["Rolling year total number of offences"]
    neg_bad = (totals < 0) & ~offence.isin(NET_ADJUSTMENT_OFFENCES)
    if neg_bad.any():
        i = int(neg_bad.to_numpy().nonzero()[0][0])
        raise DataValidationError(f"negative total {raw[col['rolling_total']].iloc[i]!r}", file=p,
                                  column=col["rolling_total"], row=i + 1,
                                  fix="only fraud and illegal-driving net adjustments are published below zero; "
                                      "correct the row")
    force = clean.canonical_force_column(df["PFA"], file=p, column="PFA")
    out = pd.DataFrame({
        "period_end": dates.astype("datetime64[ns]"),
        "frequency": _frequency(dates),
        "force": force,
        "region": df["Region"],
        "force_type": clean.force_type(force),
        "offence": offence,
        "rolling_total": totals.astype("int64"),
        "release": release_of(p),
    })
    other = out["force_type"] == "other"
    if other.any():
        i = int(other.to_numpy().nonzero()[0][0])
        raise DataValidationError(f"{raw['PFA'].iloc[i]!r} is not a force of England and Wales", file=p,
                                  column="PFA", row=i + 1, fix="remove the row or correct the force name")
    # two spellings of one force (or a corrected date) can repeat a row the raw key did not
    validation.check_key(out, ["period_end", "force", "offence"], source=p,
                         columns={"period_end": col["period_end"], "force": "PFA", "offence": "Offence"})
    # rows dropped from the end of any file (not only the shipped one) break the published grid
    validation.check_complete_grid(out, period="period_end", unit="force", item="offence",
                                   grid=(out["force_type"] == "territorial").to_numpy(), source=p,
                                   what=schema.name, columns={"period_end": col["period_end"], "force": "PFA",
                                                              "offence": "Offence"})
    neg = out.index[totals < 0]
    out.attrs["corrections"] = corrections
    out.attrs["negative_totals"] = [
        {"row": int(i) + 1, "period_end": str(out.at[i, "period_end"].date()), "force": out.at[i, "force"],
         "offence": out.at[i, "offence"], "rolling_total": int(out.at[i, "rolling_total"])} for i in neg]
    if len(neg):
        log.info("%s: %d negative net rolling totals kept as published", p, len(neg))
    terr = out[out["force_type"] == "territorial"]
    gaps = clean.coverage_gaps(terr.assign(period_end=terr["period_end"].dt.strftime("%Y-%m-%d")), "force",
                               "period_end")
    out.attrs["coverage_gaps"] = gaps
    if gaps:
        log.warning("%s: %d or more force x period combinations missing (first: %s); the file may be truncated",
                    p, len(gaps), gaps[0])
    return out
