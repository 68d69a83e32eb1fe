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

import hashlib
import logging
from pathlib import Path

import pandas as pd

from alliance_analysis import clean, paths
from alliance_analysis.errors import DataValidationError

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
        Missing file or columns, a date that is not the end of a quarter (other than the
        known misprint), a blank, decimal, text or (for ordinary offences) negative
        total, an unknown force, or two rows for the same (period, force, offence),
        naming the file, the 1-based data row, the column and the fix.

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
    raw = clean.read_csv_strict(p, list(ROLLING_COLUMNS), what="the rolling PFA recorded crime table",
                                fix_missing=_FIX_MISSING)
    col = {v: k for k, v in ROLLING_COLUMNS.items()}
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
    dates = pd.to_datetime(text, format="%d-%m-%Y", errors="coerce")
    bad = dates.isna() | ~dates.dt.is_month_end | ~dates.dt.month.isin([3, 6, 9, 12])
    if bad.any():
        i = clean._first_bad(bad)
        raise DataValidationError(f"{raw['12 months ending'].iloc[i]!r} is not the last day of a quarter (DD-MM-YYYY)",
                                  file=p, column=col["period_end"], row=i + 1,
                                  fix="write the end of the twelve months as DD-MM-YYYY, e.g. 31-03-2016")
    offence = raw["Offence"].str.strip()
    if (offence == "").any():
        i = clean._first_bad(offence == "")
        raise DataValidationError("blank offence", file=p, column="Offence", row=i + 1, fix="name the offence group")
    allow_neg = offence.isin(NET_ADJUSTMENT_OFFENCES)
    totals = clean.parse_count_column(raw[col["rolling_total"]], file=p, column=col["rolling_total"],
                                      allow_negative=allow_neg)
    force = clean.canonical_force_column(raw["PFA"], file=p, column="PFA")
    out = pd.DataFrame({
        "period_end": dates.astype("datetime64[ns]"),
        "frequency": _frequency(dates),
        "force": force,
        "region": raw["Region"].str.strip(),
        "force_type": clean.force_type(force),
        "offence": offence,
        "rolling_total": totals,
        "release": release_of(p),
    })
    other = out["force_type"] == "other"
    if other.any():
        i = clean._first_bad(other)
        raise DataValidationError(f"{raw['PFA'].iloc[i]!r} is not a force of England and Wales", file=p,
                                  column="PFA", row=i + 1, fix="remove the row or correct the force name")
    clean.check_unique(out, ["period_end", "force", "offence"], file=p,
                       columns={"period_end": col["period_end"], "force": "PFA", "offence": "Offence"})
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
