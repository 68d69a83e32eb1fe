"""Offence taxonomy: police.uk crime types, Home Office offence codes, PRC groups.

The links Home Office offence code -> PRC offence group/subgroup -> police.uk crime
type -> source-paper (seed table) category are data, in
``data/raw/reference/prc_subgroup_taxonomy.csv`` (one row per PRC subgroup, with a
``source`` column); offence codes reach it through
``data/raw/reference/offence_codes_2017_18.csv``, built once from the real PRC 2017/18
table's own code/subgroup columns (this module imports no dataset loader).

**Harmonised offence groups 2003-2023** (``offence_group_harmonised.csv``): every
``Offence`` label of the rolling 12-month PFA table, every PRC ``Offence Subgroup`` and
every police.uk crime type maps to one of :data:`HARMONISED_GROUPS` (police.uk types that
hold two groups map to a composite in :data:`COMPOSITE_GROUPS`), with a ``source``
column: :func:`harmonised_group`, :func:`harmonise`. Fraud is kept apart (not in the
recorded-crime total by default).

**Declared breaks** (``data_breaks.csv``, :func:`data_breaks`, :func:`breaks_for`): fraud
to Action Fraud (April 2011 - March 2013), the April 2017 burglary reclassification, the
2014-2016 recording-practice uplift after the inspectorate's crime data integrity
reviews (violence, sexual offences, public order) and the 2020-21 lockdowns (all groups),
each with its source publication and the groups it affects.

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
from alliance_analysis.errors import DataValidationError, ParameterError

TAXONOMY_FILE = paths.REFERENCE_DIR / "prc_subgroup_taxonomy.csv"
#: Offence code -> PRC group/subgroup -> police.uk type, built once from the real PRC 2017/18 table.
CODE_FILE = paths.REFERENCE_DIR / "offence_codes_2017_18.csv"
#: Every published offence label (rolling table, PRC subgroups, police.uk types) -> one harmonised group.
HARMONISED_FILE = paths.REFERENCE_DIR / "offence_group_harmonised.csv"
#: Declared discontinuities in the long series.
BREAKS_FILE = paths.REFERENCE_DIR / "data_breaks.csv"

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
    df = pd.read_csv(CODE_FILE, dtype=str, keep_default_na=False)
    dup = df["offence_code"][df["offence_code"].duplicated()].tolist()
    if dup:
        raise DataValidationError(f"offence codes listed twice: {dup}", file=str(CODE_FILE), column="offence_code",
                                  fix="keep one row per Home Office offence code")
    df = df.drop(columns=["source"])
    return df.assign(harmonised_group=harmonised_group(df["offence_subgroup"], "prc").to_numpy())


def offence_code_table() -> pd.DataFrame:
    """Return Home Office offence code -> PRC group/subgroup -> police.uk type.

    Codes and their group/subgroup come from the real PRC 2017/18 table itself, kept as
    ``data/raw/reference/offence_codes_2017_18.csv`` (so this module reads no PRC table);
    ``harmonised_group`` is the subgroup's harmonised offence group.

    Examples
    --------
    >>> t = offence_code_table()
    >>> t.loc[t["offence_code"] == "28A", ["offence_subgroup", "harmonised_group"]].values.tolist()
    [['Domestic burglary', 'Burglary']]
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


# --------------------------------------------------------------------------------------
# Harmonised offence groups, 2003-2023 (rolling PFA table, PRC tables, police.uk types)
# --------------------------------------------------------------------------------------

#: The harmonised offence groups, in the order reports show them. Fraud is kept apart:
#: it is not in the recorded-crime total by default (recording moved to Action Fraud 2011-13).
HARMONISED_GROUPS: tuple[str, ...] = (
    "Violence against the person",
    "Sexual offences",
    "Robbery",
    "Burglary",
    "Vehicle offences",
    "Theft (other)",
    "Criminal damage and arson",
    "Drug offences",
    "Possession of weapons",
    "Public order offences",
    "Miscellaneous crimes against society",
    "Fraud",
)

#: Groups a coarser source cannot split (police.uk types), with the harmonised groups they hold.
COMPOSITE_GROUPS: dict[str, tuple[str, ...]] = {
    "Violence and sexual offences": ("Violence against the person", "Sexual offences"),
    "Public order and weapons": ("Public order offences", "Possession of weapons"),
}

SCHEMES: tuple[str, ...] = ("rolling", "prc", "police_uk")

#: Default label and value columns of each scheme's tidy frame.
_SCHEME_COLUMNS: dict[str, tuple[str, str]] = {
    "rolling": ("offence", "rolling_total"),
    "prc": ("offence_subgroup", "count"),
    "police_uk": ("crime_type", "count"),
}

#: Descriptive offence columns dropped when a frame is aggregated to harmonised groups.
_OFFENCE_COLUMNS = ("offence", "offence_description", "offence_group", "offence_subgroup", "offence_code",
                    "crime_type", "police_uk_category")


def _label_key(label: object) -> str:
    return " ".join(str(label).strip().lower().split())


@lru_cache(maxsize=1)
def _harmonised_cached() -> pd.DataFrame:
    df = pd.read_csv(HARMONISED_FILE, dtype=str, keep_default_na=False)
    allowed = set(HARMONISED_GROUPS) | set(COMPOSITE_GROUPS) | {"Anti-social behaviour"}
    bad = sorted(set(df["harmonised_group"]) - allowed)
    if bad:
        raise DataValidationError(f"unknown harmonised groups {bad}", file=str(HARMONISED_FILE),
                                  column="harmonised_group", fix=f"use one of {', '.join(HARMONISED_GROUPS)}")
    bad_scheme = sorted(set(df["scheme"]) - set(SCHEMES))
    if bad_scheme:
        raise DataValidationError(f"unknown schemes {bad_scheme}", file=str(HARMONISED_FILE), column="scheme",
                                  fix=f"use one of {', '.join(SCHEMES)}")
    df = df.assign(key=df["label"].map(_label_key), in_total=df["in_total"].str.lower().eq("true"))
    dup = df[df.duplicated(["scheme", "key"])]
    if len(dup):
        raise DataValidationError(f"labels listed twice: {dup['label'].tolist()}", file=str(HARMONISED_FILE),
                                  column="label", fix="keep one row per scheme and label (matching ignores case)")
    return df


def harmonised_taxonomy() -> pd.DataFrame:
    """Return the harmonised offence-group table (a copy).

    One row per published label: ``scheme`` (``rolling``: the Offence column of the
    rolling PFA table; ``prc``: the Offence Subgroup of the PRC open data tables;
    ``police_uk``: a data.police.uk crime type), ``label``, ``harmonised_group``,
    ``in_total`` (False for fraud and anti-social behaviour), ``source`` and ``note``.

    Examples
    --------
    >>> t = harmonised_taxonomy()
    >>> sorted(set(t["scheme"]))
    ['police_uk', 'prc', 'rolling']
    """
    return _harmonised_cached().drop(columns=["key"]).copy()


def _check_scheme(scheme: str) -> str:
    if scheme not in SCHEMES:
        raise ParameterError(f"unknown offence scheme {scheme!r}; use one of {', '.join(SCHEMES)}")
    return scheme


def harmonised_group(labels: Iterable[str] | str, scheme: str = "rolling") -> pd.Series:
    """Map published offence labels to the harmonised offence groups.

    Parameters
    ----------
    labels : str or iterable of str
        Labels as published (matching ignores case and repeated spaces).
    scheme : {"rolling", "prc", "police_uk"}
        Which source the labels come from: the rolling PFA table's ``Offence``, a PRC
        ``Offence Subgroup``, or a police.uk crime type.

    Returns
    -------
    pandas.Series
        Harmonised group per label, index = the labels as given. police.uk types that
        hold two groups map to a composite in :data:`COMPOSITE_GROUPS`.

    Raises
    ------
    DataValidationError
        Naming every label with no harmonised group.

    Examples
    --------
    >>> harmonised_group(["Domestic burglary", "Residential burglary"], "rolling").tolist()
    ['Burglary', 'Burglary']
    >>> harmonised_group("Theft of a motor vehicle", scheme="prc").item()
    'Vehicle offences'
    """
    _check_scheme(scheme)
    labels = [labels] if isinstance(labels, str) else [str(x) for x in labels]
    tab = _harmonised_cached()
    tab = tab[tab["scheme"] == scheme].set_index("key")["harmonised_group"]
    found = {lab: tab.get(_label_key(lab)) for lab in dict.fromkeys(labels)}
    unknown = sorted(lab for lab, g in found.items() if g is None)
    if unknown:
        raise DataValidationError(
            f"{scheme} offence labels with no harmonised group: {unknown}", file=str(HARMONISED_FILE),
            column="label", fix=f"add a row (scheme={scheme}) for each label to {HARMONISED_FILE.name}")
    return pd.Series([found[lab] for lab in labels], index=pd.Index(labels, name="label"), name="harmonised_group",
                     dtype=object)


def harmonise(df: pd.DataFrame, scheme: str, *, label: str | None = None, value: str | None = None,
              include_fraud: bool = True) -> pd.DataFrame:
    """Aggregate a tidy frame of published offence labels to harmonised groups.

    Parameters
    ----------
    df : pandas.DataFrame
        Tidy counts with a label column and a value column (defaults per scheme:
        ``rolling`` -> ``offence``/``rolling_total``; ``prc`` -> ``offence_subgroup``/``count``;
        ``police_uk`` -> ``crime_type``/``count``).
    scheme : {"rolling", "prc", "police_uk"}
    label, value : str, optional
        Override the label and value columns.
    include_fraud : bool, default True
        False drops the Fraud group (and anti-social behaviour), keeping only groups in
        the recorded-crime total.

    Returns
    -------
    pandas.DataFrame
        A new frame: every column except the offence-descriptor columns (``offence``,
        ``offence_description``, ``offence_group``, ``offence_subgroup``, ``offence_code``,
        ``crime_type``, ``police_uk_category``) and the value, then ``offence_group``
        (harmonised) and the value summed (int64 when the input is integer).

    Raises
    ------
    DataValidationError
        If a column is missing or a label has no harmonised group (all are named).

    Examples
    --------
    >>> df = pd.DataFrame({"force": "Dorset", "offence": ["Domestic burglary", "Non-domestic burglary",
    ...                    "Robbery"], "rolling_total": [10, 5, 7]})
    >>> harmonise(df, "rolling").values.tolist()
    [['Dorset', 'Burglary', 15], ['Dorset', 'Robbery', 7]]
    """
    _check_scheme(scheme)
    lab_default, val_default = _SCHEME_COLUMNS[scheme]
    label, value = label or lab_default, value or val_default
    missing = [c for c in (label, value) if c not in df.columns]
    if missing:
        raise DataValidationError(f"frame lacks columns {missing} needed to harmonise ({scheme})",
                                  column=", ".join(missing), fix=f"pass a tidy {scheme} frame or name label=/value=")
    groups = harmonised_group(df[label].astype(str).unique().tolist(), scheme)
    mapped = df[label].astype(str).map(dict(zip(groups.index, groups.to_numpy())))
    keys = [c for c in df.columns if c not in _OFFENCE_COLUMNS and c not in (label, value)]
    out = df[keys + [value]].assign(offence_group=mapped.to_numpy())
    if not include_fraud:
        out = out[~out["offence_group"].isin(["Fraud", "Anti-social behaviour"])]
    out = out.groupby(keys + ["offence_group"], as_index=False, sort=True, dropna=False, observed=True)[value].sum()
    return out.reset_index(drop=True)


def expand_groups(groups: Iterable[str] | str) -> list[str]:
    """Expand composite and ``all`` group names into harmonised groups (order kept).

    Examples
    --------
    >>> expand_groups("Violence and sexual offences")
    ['Violence against the person', 'Sexual offences']
    >>> len(expand_groups("all"))
    12
    """
    items = [groups] if isinstance(groups, str) else list(groups)
    out: list[str] = []
    for g in items:
        parts = [p.strip() for p in str(g).split(";") if p.strip()]
        for p in parts:
            if p.lower() == "all":
                new = list(HARMONISED_GROUPS)
            elif p in COMPOSITE_GROUPS:
                new = list(COMPOSITE_GROUPS[p])
            elif p in HARMONISED_GROUPS:
                new = [p]
            else:
                raise ParameterError(f"unknown offence group {p!r}; use one of {', '.join(HARMONISED_GROUPS)}, "
                                     f"a composite ({', '.join(COMPOSITE_GROUPS)}) or 'all'")
            out.extend(x for x in new if x not in out)
    return out


# --------------------------------------------------------------------------------------
# Declared breaks
# --------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _breaks_cached() -> pd.DataFrame:
    df = pd.read_csv(BREAKS_FILE, dtype=str, keep_default_na=False)
    need = ["break_id", "start", "end", "offence_groups", "description", "source"]
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise DataValidationError("breaks table lacks columns", file=str(BREAKS_FILE), column=", ".join(missing),
                                  fix=f"columns are {', '.join(need)}")
    for i, row in df.iterrows():
        if not row["source"].strip():
            raise DataValidationError(f"break {row['break_id']!r} names no source", file=str(BREAKS_FILE),
                                      row=int(i) + 1, column="source", fix="name the publication it comes from")
        try:
            expand_groups(row["offence_groups"])
        except ParameterError as exc:
            raise DataValidationError(str(exc), file=str(BREAKS_FILE), row=int(i) + 1, column="offence_groups",
                                      fix="use harmonised group names separated by ';' or 'all'") from None
    out = df.assign(start=pd.to_datetime(df["start"], format="%Y-%m-%d"),
                    end=pd.to_datetime(df["end"].replace("", None), format="%Y-%m-%d"))
    return out


def data_breaks() -> pd.DataFrame:
    """Return the declared discontinuities in the long recorded-crime series.

    Columns ``break_id``, ``start``, ``end`` (datetime64; ``NaT`` for a permanent
    reclassification), ``offence_groups`` (``;``-separated harmonised groups or ``all``),
    ``kind``, ``description``, ``source`` (the publication). Read from
    ``data/raw/reference/data_breaks.csv``.

    Examples
    --------
    >>> b = data_breaks()
    >>> b.loc[b["break_id"] == "burglary_reclassification_2017", "offence_groups"].item()
    'Burglary'
    """
    return _breaks_cached().copy()


def breaks_for(groups: Iterable[str] | str, start: object, end: object) -> pd.DataFrame:
    """Return the declared breaks touching a series of these groups over ``[start, end]``.

    A break with an end date touches the series when the two periods overlap; a
    permanent reclassification (no end) when it starts after the series starts and no
    later than it ends (a series wholly after it is homogeneous).

    Parameters
    ----------
    groups : str or iterable of str
        Harmonised groups (composites and ``all`` expand).
    start, end : date-like
        The series' first and last dates (a quarter such as ``"2012Q2"`` is taken whole).

    Examples
    --------
    >>> breaks_for("Burglary", "2015-01-01", "2018-12-31")["break_id"].tolist()
    ['burglary_reclassification_2017']
    >>> breaks_for(["Robbery"], "2008Q1", "2012Q4").empty
    True
    """
    want = set(expand_groups(groups))
    s = _as_bound(start, "start")
    e = _as_bound(end, "end")
    if e < s:
        raise ParameterError(f"end {end!r} is before start {start!r}")
    b = _breaks_cached()
    touches_group = b["offence_groups"].map(lambda g: bool(want & set(expand_groups(g))))
    bounded = b["end"].notna()
    overlap = bounded & (b["start"] <= e) & (b["end"] >= s)
    permanent = ~bounded & (b["start"] > s) & (b["start"] <= e)
    return b[touches_group & (overlap | permanent)].reset_index(drop=True).copy()


def _as_bound(x: object, which: str) -> pd.Timestamp:
    try:
        if isinstance(x, pd.Period):
            p = x
        elif isinstance(x, str) and "q" in x.lower():
            p = pd.Period(x, freq="Q-DEC")
        else:
            return pd.Timestamp(x)
    except (ValueError, TypeError) as exc:
        raise ParameterError(f"{which} {x!r} is not a date or quarter ({exc})") from None
    return p.start_time if which == "start" else p.end_time.normalize()
