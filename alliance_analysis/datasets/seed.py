"""The source papers' figures, transcribed into ``data/raw/seed/`` as tidy CSVs.

Every row has a stable ``id``, the ``document`` (seed file name in
``../shared/seeds/``) and the ``location`` (table, paragraph or slide) it was
transcribed from. Numbers are exactly as printed (``value_as_printed`` keeps
the printed text); inconsistencies between papers are kept and explained in
``note``.

Examples
--------
>>> seed_value("ww_blueprint_savings")
30.2
>>> t = load_seed_table("cost_splits")
>>> int(t.loc[t["id"] == "ww_resources_west_mercia", "share_pct"].iloc[0])
69
"""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

from alliance_analysis import paths
from alliance_analysis.errors import DataValidationError
from alliance_analysis.validation import Column, Schema, read_table, validate

#: The seed documents (see ../shared/seeds/README.md).
SEED_DOCUMENTS: tuple[str, ...] = (
    "000_8f7a1a0a92a31161.txt",
    "001_0255e07e538da6b4.txt",
    "002_4cc3981417ef25d8.txt",
    "003_3b0c1c2e478d21e4.txt",
    "004_f4fdb168081c2227.txt",
)

#: Table name -> the numeric value column.
SEED_TABLES: dict[str, str] = {
    "crime_volumes": "value",
    "response_times": "value",
    "survey_measures": "value",
    "performance_bulletin": "value",
    "finance": "value",
    "workforce": "value",
    "cost_splits": "share_pct",
    "leadership": "value",
    "business_case_pipeline": "value",
    "crime_bureau_pcso": "value",
}

_REQUIRED = ("id", "document", "location", "value_as_printed", "note")


def seed_path(name: str) -> "paths.Path":
    """Path of seed table ``name`` (``data/raw/seed/<name>.csv``)."""
    return paths.SEED_DIR / f"{name}.csv"


def load_seed_table(name: str) -> pd.DataFrame:
    """Load and validate one seed table.

    Parameters
    ----------
    name : str
        One of :data:`SEED_TABLES` (e.g. ``"finance"``).

    Returns
    -------
    DataFrame
        The table, ``value`` (or ``share_pct``) as float; a fresh copy each call.

    Raises
    ------
    DataValidationError
        Unknown table, missing columns, duplicate ids, non-numeric values or an
        unknown document name; the message names the file, column and row.

    Examples
    --------
    >>> load_seed_table("crime_volumes")["measure"].iloc[0]
    'Total recorded crime'
    """
    return _load_cached(name).copy()


@lru_cache(maxsize=None)
def _load_cached(name: str) -> pd.DataFrame:
    if name not in SEED_TABLES:
        raise DataValidationError(
            f"unknown seed table {name!r}", fix=f"use one of {', '.join(SEED_TABLES)}"
        )
    path = seed_path(name)
    if not path.exists():
        raise DataValidationError(
            "seed table file is missing", file=path,
            fix="restore data/raw/seed from version control (raw data is immutable)",
        )
    value_col = SEED_TABLES[name]
    schema = Schema(f"seed table {name}", [
        Column("id"), Column("document", "category", allowed=SEED_DOCUMENTS),
        Column("location", nullable=True), Column("value_as_printed", nullable=True),
        Column("note", nullable=True), Column(value_col, "float")], key=("id",))
    # cells are kept as text exactly as transcribed (blanks as ""); only the value column is converted
    raw = read_table(path, schema, keep_default_na=False, na_filter=False)
    checked = validate(raw, schema, source=path)
    df = raw.copy()
    df[value_col] = checked[value_col].astype(float)
    df.attrs = {}
    return df


def all_seed_figures() -> pd.DataFrame:
    """Every seed figure in one long table: ``table``, ``id``, ``value``, ``document``, ``location``.

    Examples
    --------
    >>> figs = all_seed_figures()
    >>> figs["id"].is_unique
    True
    """
    return _all_cached().copy()


@lru_cache(maxsize=1)
def _all_cached() -> pd.DataFrame:
    frames = []
    for name, col in SEED_TABLES.items():
        t = _load_cached(name)
        frames.append(pd.DataFrame({
            "table": name, "id": t["id"], "value": t[col],
            "value_as_printed": t["value_as_printed"], "document": t["document"],
            "location": t["location"], "note": t["note"],
        }))
    out = pd.concat(frames, ignore_index=True)
    dup = out["id"][out["id"].duplicated()]
    if len(dup):
        raise DataValidationError(f"id {dup.iloc[0]!r} appears in more than one seed table",
                                  file=paths.SEED_DIR, column="id", fix="make ids unique across tables")
    return out


@lru_cache(maxsize=1)
def _values() -> dict[str, float]:
    figs = _all_cached()
    return dict(zip(figs["id"], figs["value"].astype(float)))


def seed_value(seed_id: str) -> float:
    """The numeric value of one seed figure, searched across all seed tables.

    Raises
    ------
    DataValidationError
        If no seed table has that id (the message suggests close ids).

    Examples
    --------
    >>> seed_value("t3_total_2014_h1")
    30101.0
    """
    values = _values()
    if seed_id in values:
        return float(values[seed_id])
    figs = _all_cached()
    hit = figs.loc[figs["id"] == seed_id, "value"]
    if hit.empty:
        import difflib

        close = difflib.get_close_matches(seed_id, figs["id"].tolist(), n=3)
        raise DataValidationError(f"unknown seed id {seed_id!r} (close: {', '.join(close) or 'none'})",
                                  file=paths.SEED_DIR, column="id",
                                  fix="see data/raw/seed/data_dictionary.csv and the seed tables")
    return float(hit.iloc[0])


def seed_row(seed_id: str) -> pd.Series:
    """The full row (with ``document`` and ``location``) of one seed figure.

    Examples
    --------
    >>> seed_row("dcd_combined_budget")["location"]
    'Financial Picture slide'
    """
    figs = all_seed_figures()
    hit = figs.loc[figs["id"] == seed_id]
    if hit.empty:
        seed_value(seed_id)  # raises the helpful error
    return hit.iloc[0].copy()
