"""Offence taxonomy: police.uk crime types, Home Office offence codes, PRC groups.

The links Home Office offence code -> PRC offence group/subgroup -> police.uk crime
type -> source-paper (seed table) category are data, in
``data/raw/reference/prc_subgroup_taxonomy.csv`` (one row per PRC subgroup, with a
``source`` column); offence codes reach it through the real PRC 2017/18 table's own
code/subgroup columns.

Known breaks (series are not comparable across them without adjustment):

* **May 2013, data.police.uk re-categorisation**: "Violent crime" became "Violence and
  sexual offences" and further categories (e.g. criminal damage and arson, shoplifting,
  drugs, other theft) were split out of "Other crime"; "Public disorder and weapons"
  was later split into "Public order" and "Possession of weapons". Pre-May-2013 types
  are in :data:`POLICE_UK_HISTORICAL_CRIME_TYPES`.
* **2015/16, Home Office violence split**: a "Stalking and harassment" subgroup was
  created from offences previously counted under violence without injury, so
  subgroup-level violence series break in April 2015 (the police.uk total is unaffected).

Examples
--------
>>> "Violence and sexual offences" in POLICE_UK_CRIME_TYPES
True
>>> canonical_crime_type("anti-social behaviour")
'Anti-social behaviour'
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

import pandas as pd

from alliance_analysis import paths
from alliance_analysis.errors import DataValidationError

TAXONOMY_FILE = paths.REFERENCE_DIR / "prc_subgroup_taxonomy.csv"

#: The 14 data.police.uk street-level crime types in use since May 2013.
POLICE_UK_CRIME_TYPES: tuple[str, ...] = (
    "Anti-social behaviour",
    "Bicycle theft",
    "Burglary",
    "Criminal damage and arson",
    "Drugs",
    "Other crime",
    "Other theft",
    "Possession of weapons",
    "Public order",
    "Robbery",
    "Shoplifting",
    "Theft from the person",
    "Vehicle crime",
    "Violence and sexual offences",
)

#: Crime types used by data.police.uk before the May 2013 re-categorisation.
POLICE_UK_HISTORICAL_CRIME_TYPES: tuple[str, ...] = (
    "Violent crime",
    "Public disorder and weapons",
    "Other crime",
)

ALL_POLICE_UK_CRIME_TYPES: tuple[str, ...] = tuple(
    dict.fromkeys(POLICE_UK_CRIME_TYPES + POLICE_UK_HISTORICAL_CRIME_TYPES)
)

_BY_KEY = {t.lower(): t for t in ALL_POLICE_UK_CRIME_TYPES}
_BY_KEY.update({"antisocial behaviour": "Anti-social behaviour", "anti social behaviour": "Anti-social behaviour"})


def canonical_crime_type(name: str) -> str:
    """Return the canonical police.uk spelling of a crime type (case-insensitive).

    Raises
    ------
    DataValidationError
        If ``name`` is not a police.uk crime type.

    Examples
    --------
    >>> canonical_crime_type("VEHICLE CRIME")
    'Vehicle crime'
    """
    key = " ".join(str(name).strip().lower().split())
    if key in _BY_KEY:
        return _BY_KEY[key]
    raise DataValidationError(
        f"unknown police.uk crime type {name!r}",
        fix=f"use one of {', '.join(POLICE_UK_CRIME_TYPES)}",
    )


@lru_cache(maxsize=1)
def _taxonomy_cached() -> pd.DataFrame:
    df = pd.read_csv(TAXONOMY_FILE, dtype=str, keep_default_na=False)
    bad = sorted(set(df["police_uk_crime_type"]) - set(POLICE_UK_CRIME_TYPES))
    if bad:
        raise DataValidationError(
            f"unknown police.uk crime types {bad}", file=str(TAXONOMY_FILE),
            column="police_uk_crime_type", fix="use the spellings in taxonomy.POLICE_UK_CRIME_TYPES",
        )
    return df


def subgroup_taxonomy() -> pd.DataFrame:
    """Return the PRC subgroup -> police.uk type -> seed category table (a copy).

    Examples
    --------
    >>> t = subgroup_taxonomy()
    >>> t.loc[t["offence_subgroup"] == "Domestic burglary", "police_uk_crime_type"].item()
    'Burglary'
    """
    return _taxonomy_cached().copy()


@lru_cache(maxsize=1)
def _code_table() -> pd.DataFrame:
    from alliance_analysis.datasets.prc import load_prc_table

    prc = load_prc_table()
    codes = prc[["offence_code", "offence_description", "offence_group", "offence_subgroup"]].drop_duplicates(
        "offence_code")
    return codes.merge(_taxonomy_cached()[["offence_subgroup", "police_uk_crime_type"]],
                       on="offence_subgroup", how="left", validate="many_to_one")


def offence_code_table() -> pd.DataFrame:
    """Return Home Office offence code -> PRC group/subgroup -> police.uk type.

    Codes and their group/subgroup come from the real PRC 2017/18 table itself.

    Examples
    --------
    >>> t = offence_code_table()
    >>> t.loc[t["offence_code"] == "28A", "offence_subgroup"].item()
    'Domestic burglary'
    """
    return _code_table().copy()


def offence_code_to_police_uk(codes: Iterable[str]) -> pd.Series:
    """Map Home Office offence codes to police.uk crime types.

    Parameters
    ----------
    codes : iterable of str
        Offence codes as in the PRC tables (``"28A"``, ``"105A"``, ``"AF"``).

    Returns
    -------
    pandas.Series
        police.uk crime type per code, index = the codes as given.

    Raises
    ------
    DataValidationError
        If a code is not in the PRC 2017/18 table.

    Examples
    --------
    >>> offence_code_to_police_uk(["34A", "66"]).tolist()
    ['Robbery', 'Public order']
    """
    codes = [str(c).strip() for c in codes]
    table = _code_table().set_index("offence_code")["police_uk_crime_type"]
    unknown = sorted(set(codes) - set(table.index))
    if unknown:
        raise DataValidationError(
            f"offence codes not in the Home Office PRC 2017/18 table: {unknown[:10]}",
            column="offence_code", fix="use Home Office offence codes such as '28A' or '105A'",
        )
    return pd.Series(table.loc[codes].to_numpy(), index=pd.Index(codes, name="offence_code"),
                     name="police_uk_crime_type")


def prc_to_police_uk(prc_df: pd.DataFrame, *, include_fraud: bool = False) -> pd.DataFrame:
    """Aggregate a tidy PRC table to police.uk crime types per force and quarter.

    Parameters
    ----------
    prc_df : pandas.DataFrame
        Tidy PRC frame (``prc.load_prc_table``): ``force``, ``financial_year``,
        ``financial_quarter``, ``offence_subgroup``, ``count``.
    include_fraud : bool, default False
        Centrally recorded fraud (Action Fraud, CIFAS, UK Finance) is not in
        police.uk street-level data, so it is dropped unless this is True.

    Returns
    -------
    pandas.DataFrame
        ``force``, ``financial_year``, ``financial_quarter``, ``crime_type``, ``count``.

    Examples
    --------
    >>> df = pd.DataFrame({"force": ["Dorset"] * 3, "financial_year": "2017/18",
    ...     "financial_quarter": 1, "offence_subgroup": ["Domestic burglary",
    ...     "Non-domestic burglary", "Shoplifting"], "count": [10, 5, 7]})
    >>> prc_to_police_uk(df)[["crime_type", "count"]].values.tolist()
    [['Burglary', 15], ['Shoplifting', 7]]
    """
    need = ["force", "financial_year", "financial_quarter", "offence_subgroup", "count"]
    missing = [c for c in need if c not in prc_df.columns]
    if missing:
        raise DataValidationError("PRC frame lacks required columns", column=", ".join(missing),
                                  fix="pass the output of datasets.prc.load_prc_table")
    tax = _taxonomy_cached().set_index("offence_subgroup")["police_uk_crime_type"]
    df = prc_df[need]
    if not include_fraud:
        df = df[~df["offence_subgroup"].astype(str).str.startswith("Fraud")]
    unknown = sorted(set(df["offence_subgroup"]) - set(tax.index))
    if unknown:
        raise DataValidationError(
            f"PRC offence subgroups with no police.uk mapping: {unknown}", file=str(TAXONOMY_FILE),
            column="offence_subgroup", fix="add a row for each subgroup to prc_subgroup_taxonomy.csv",
        )
    df = df.assign(crime_type=df["offence_subgroup"].map(tax))
    out = df.groupby(["force", "financial_year", "financial_quarter", "crime_type"], as_index=False,
                     sort=True)["count"].sum()
    out["count"] = out["count"].astype("int64")
    return out


def crime_type_to_seed_category() -> pd.DataFrame:
    """How each police.uk crime type relates to the source papers' categories.

    ``relation`` is ``"equal"`` (same offences), ``"contains"`` (the police.uk type
    includes the seed category and more, so it cannot be compared directly) or
    ``"part_of"`` (the type counts towards the seed category, e.g. every recorded
    crime type towards "Total recorded crime").

    Examples
    --------
    >>> m = crime_type_to_seed_category()
    >>> m.loc[m["crime_type"] == "Robbery", ["seed_category", "relation"]].values.tolist()
    [['Robbery', 'equal'], ['Total recorded crime', 'part_of']]
    """
    tax = _taxonomy_cached()
    tax = tax[~tax["offence_subgroup"].str.startswith("Fraud")]
    rows = []
    for ctype, grp in tax.groupby("police_uk_crime_type", sort=True):
        for cat in sorted(set(grp["seed_category"]) - {""}):
            rel = "equal" if (grp["seed_category"] == cat).all() else "contains"
            rows.append((ctype, cat, rel))
        rows.append((ctype, "Total recorded crime", "part_of"))
    rows.append(("Anti-social behaviour", "Anti social behaviour", "equal"))
    return pd.DataFrame(rows, columns=["crime_type", "seed_category", "relation"])
