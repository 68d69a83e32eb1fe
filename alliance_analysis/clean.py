"""Harmonisation: force names, financial years and quarters, monthly calendars.

Conventions (see ``docs/data_contracts.md``): force names use one canonical
spelling (``"Devon and Cornwall"``); financial years run April-March and are
labelled ``"2013/14"``; months are ``pandas.Period`` values with frequency ``M``;
missing months are made explicit, never silently filled.

Examples
--------
>>> canonical_force_name("Devon & Cornwall Police")
'Devon and Cornwall'
>>> financial_year("2013-04-01"), financial_year("2014-03-31")
('2013/14', '2013/14')
>>> financial_quarter("2013-12-15")
3
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd

from alliance_analysis import paths
from alliance_analysis.errors import DataValidationError

#: The 43 territorial forces of England and Wales plus national reporting bodies,
#: in the Home Office's own spelling.
CANONICAL_FORCES: tuple[str, ...] = (
    "Avon and Somerset", "Bedfordshire", "Cambridgeshire", "Cheshire", "City of London",
    "Cleveland", "Cumbria", "Derbyshire", "Devon and Cornwall", "Dorset", "Durham",
    "Dyfed-Powys", "Essex", "Gloucestershire", "Greater Manchester", "Gwent", "Hampshire",
    "Hertfordshire", "Humberside", "Kent", "Lancashire", "Leicestershire", "Lincolnshire",
    "Merseyside", "Metropolitan Police", "Norfolk", "North Wales", "North Yorkshire",
    "Northamptonshire", "Northumbria", "Nottinghamshire", "South Wales", "South Yorkshire",
    "Staffordshire", "Suffolk", "Surrey", "Sussex", "Thames Valley", "Warwickshire",
    "West Mercia", "West Midlands", "West Yorkshire", "Wiltshire",
)
NATIONAL_BODIES: tuple[str, ...] = (
    "British Transport Police", "Action Fraud", "CIFAS", "UK Finance", "Financial Fraud Action UK", "Northern Ireland",
)

_SUFFIXES = (
    "police service", "police force", "constabulary", "police", "service", "force", "pfa",
)


def _key(name: str) -> str:
    s = str(name).strip().lower()
    s = s.replace("&", " and ").replace("_", " ").replace("-", " ").replace(".", " ")
    s = re.sub(r"[^a-z0-9 ]", " ", s)
    s = re.sub(r"\s+", " ", s).strip()
    changed = True
    while changed:
        changed = False
        for suf in _SUFFIXES:
            if s.endswith(" " + suf):
                s = s[: -len(suf) - 1].strip()
                changed = True
    return s


_ALIASES: dict[str, str] = {
    "metropolitan": "Metropolitan Police",
    "met": "Metropolitan Police",
    "london metropolitan": "Metropolitan Police",
    "london": "Metropolitan Police",
    "london city of": "City of London",
    "city of london": "City of London",
    "hampshire and isle of wight": "Hampshire",
    "dyfed powys": "Dyfed-Powys",
    "devon and corn": "Devon and Cornwall",
    "devon cornwall": "Devon and Cornwall",
    "btp": "British Transport Police",
    "police service of northern ireland": "Northern Ireland",
    "psni": "Northern Ireland",
    "british transport": "British Transport Police",
    "action fraud": "Action Fraud",
    "cifas": "CIFAS",
    "uk finance": "UK Finance",
    "avon somerset": "Avon and Somerset",
}

_LOOKUP: dict[str, str] = {_key(f): f for f in CANONICAL_FORCES + NATIONAL_BODIES}
_LOOKUP.update(_ALIASES)


def canonical_force_name(name: str, *, source: str | None = None) -> str:
    """Return the one canonical spelling of a police force name.

    Accepts the spellings used by data.police.uk (``"West Mercia Police"``,
    ``"devon-and-cornwall"``), the Home Office tables, ONS lookups and the
    source papers (``"Devon & Cornwall"``).

    Parameters
    ----------
    name : str
        Any spelling of a force name.
    source : str, optional
        Where the name came from, quoted in the error message.

    Returns
    -------
    str
        The canonical name, e.g. ``"Devon and Cornwall"``.

    Raises
    ------
    DataValidationError
        If the name matches no known force; the message lists close matches.

    Examples
    --------
    >>> canonical_force_name("west-mercia")
    'West Mercia'
    >>> canonical_force_name("Metropolitan Police Service")
    'Metropolitan Police'
    """
    key = _key(name)
    if key in _LOOKUP:
        return _LOOKUP[key]
    close = difflib.get_close_matches(key, list(_LOOKUP), n=3, cutoff=0.6)
    hint = ", ".join(sorted({_LOOKUP[c] for c in close})) or "none"
    raise DataValidationError(
        f"unknown police force name {name!r} (close matches: {hint})",
        file=source,
        fix="use one of the 43 territorial force names, e.g. 'Devon and Cornwall', "
        "or add an alias in alliance_analysis/clean.py",
    )


def normalise_force_names(df: pd.DataFrame, column: str = "force", *, source: str | None = None) -> pd.DataFrame:
    """Return a copy of ``df`` with ``column`` mapped to canonical force names.

    Examples
    --------
    >>> out = normalise_force_names(pd.DataFrame({"force": ["Dorset Police", "Devon & Cornwall"]}))
    >>> out["force"].tolist()
    ['Dorset', 'Devon and Cornwall']
    """
    if column not in df.columns:
        raise DataValidationError(
            "column is missing", file=source, column=column,
            fix=f"the table needs a '{column}' column of force names",
        )
    out = df.copy()
    uniques = pd.unique(out[column].astype(str))
    mapping = {u: canonical_force_name(u, source=source) for u in uniques}
    out[column] = out[column].astype(str).map(mapping)
    return out


def force_slug(force: str) -> str:
    """Return the data.police.uk file slug for a force (``"devon-and-cornwall"``).

    Examples
    --------
    >>> force_slug("Metropolitan Police"), force_slug("Dyfed-Powys")
    ('metropolitan', 'dyfed-powys')
    """
    canon = canonical_force_name(force)
    if canon == "Metropolitan Police":
        return "metropolitan"
    if canon == "British Transport Police":
        return "btp"
    return canon.lower().replace(" ", "-")


# --------------------------------------------------------------------------- dates

_FY_RE = re.compile(r"^\s*(?:FY\s*)?(\d{4})\s*[/\-]\s*(\d{2}|\d{4})\s*$", re.IGNORECASE)


def fy_label(start_year: int) -> str:
    """The financial year starting in April ``start_year``: ``2013`` -> ``"2013/14"``.

    Examples
    --------
    >>> fy_label(2013), fy_label(1999)
    ('2013/14', '1999/00')
    """
    return f"{int(start_year)}/{(int(start_year) + 1) % 100:02d}"


def financial_year(date: object) -> str:
    """Label the April-March financial year containing ``date`` (``"2013/14"``).

    Examples
    --------
    >>> financial_year(pd.Period("2014-03", "M")), financial_year("2014-04-01")
    ('2013/14', '2014/15')
    """
    if isinstance(date, pd.Period):
        ts = date.to_timestamp()
    else:
        ts = pd.Timestamp(date)
    return fy_label(ts.year if ts.month >= 4 else ts.year - 1)


def financial_quarter(date: object) -> int:
    """Financial quarter 1-4 (Q1 = April-June) of ``date``.

    Examples
    --------
    >>> [financial_quarter(f"2013-{m:02d}-01") for m in (4, 7, 10, 1)]
    [1, 2, 3, 4]
    """
    ts = date.to_timestamp() if isinstance(date, pd.Period) else pd.Timestamp(date)
    return ((ts.month - 4) % 12) // 3 + 1


def parse_financial_year(label: str) -> int:
    """Return the starting calendar year of a financial-year label.

    Accepts ``"2013/14"``, ``"2013-14"``, ``"2013/2014"`` and ``"FY2013/14"``.

    Raises
    ------
    DataValidationError
        If the label is not a financial year or its two years are not consecutive.

    Examples
    --------
    >>> parse_financial_year("2013/14"), parse_financial_year("2013-2014")
    (2013, 2013)
    """
    m = _FY_RE.match(str(label))
    if not m:
        raise DataValidationError(
            f"{label!r} is not a financial year label", fix="write it as '2013/14'"
        )
    start, end = int(m.group(1)), m.group(2)
    end_full = int(end) if len(end) == 4 else (start // 100) * 100 + int(end)
    if len(end) == 2 and end_full < start:
        end_full += 100
    if end_full != start + 1:
        raise DataValidationError(
            f"{label!r}: the two years are not consecutive", fix="write it as '2013/14'"
        )
    return start


def normalise_financial_year(label: str) -> str:
    """Return the canonical ``"2013/14"`` spelling of a financial-year label.

    Examples
    --------
    >>> normalise_financial_year("2013-2014")
    '2013/14'
    """
    start = parse_financial_year(label)
    return f"{start}/{(start + 1) % 100:02d}"


def financial_quarter_months(fy: str, quarter: int) -> pd.PeriodIndex:
    """The three calendar months of financial quarter ``quarter`` of ``fy``.

    Examples
    --------
    >>> [str(p) for p in financial_quarter_months("2013/14", 4)]
    ['2014-01', '2014-02', '2014-03']
    """
    if quarter not in (1, 2, 3, 4):
        raise DataValidationError(f"financial quarter {quarter!r} is not 1-4", fix="use 1, 2, 3 or 4")
    start = pd.Period(f"{parse_financial_year(fy)}-04", "M") + 3 * (quarter - 1)
    return pd.period_range(start, periods=3, freq="M")


def to_month(values: Iterable[object] | pd.Series) -> pd.Series:
    """Convert ``YYYY-MM`` strings, dates or periods to a ``Period[M]`` series.

    Examples
    --------
    >>> to_month(["2013-04", "2013-05-17"]).astype(str).tolist()
    ['2013-04', '2013-05']
    """
    s = pd.Series(values)
    if isinstance(s.dtype, pd.PeriodDtype):
        return s.dt.asfreq("M")
    return pd.to_datetime(s.astype(str), format="mixed").dt.to_period("M")


def complete_monthly_index(
    df: pd.DataFrame,
    *,
    by: Sequence[str] = ("force", "crime_type"),
    month: str = "month",
    value: str = "count",
    start: object | None = None,
    end: object | None = None,
) -> pd.DataFrame:
    """Return every month for every group, with missing months made explicit.

    Missing months get ``value`` = ``<NA>`` and ``is_gap = True``; they are never
    filled with zero or interpolated. The result is sorted by ``by`` then month.

    Parameters
    ----------
    df : DataFrame
        Long table with ``by`` columns, a ``Period[M]`` month column and a value.
    by : sequence of str
        Grouping columns.
    start, end : optional
        Calendar bounds (default: the min and max month in ``df``).

    Examples
    --------
    >>> d = pd.DataFrame({"force": ["A", "A"], "crime_type": ["Drugs", "Drugs"],
    ...                   "month": pd.PeriodIndex(["2020-01", "2020-03"], freq="M"),
    ...                   "count": [5, 7]})
    >>> out = complete_monthly_index(d)
    >>> out["count"].tolist(), out["is_gap"].tolist()
    ([5, <NA>, 7], [False, True, False])
    """
    by = list(by)
    missing = [c for c in [*by, month, value] if c not in df.columns]
    if missing:
        raise DataValidationError(
            f"columns {missing} are missing", fix=f"the table needs columns {[*by, month, value]}"
        )
    months = to_month(df[month]) if not isinstance(df[month].dtype, pd.PeriodDtype) else df[month]
    lo = pd.Period(start, "M") if start is not None else months.min()
    hi = pd.Period(end, "M") if end is not None else months.max()
    calendar = pd.period_range(lo, hi, freq="M")
    work = df.copy()
    work[month] = months.array
    groups = work[by].drop_duplicates()
    grid = groups.merge(pd.DataFrame({month: calendar}), how="cross")
    out = grid.merge(work, on=[*by, month], how="left")
    out["is_gap"] = out[value].isna()
    if pd.api.types.is_integer_dtype(work[value]) or pd.api.types.is_bool_dtype(work[value]) is False:
        try:
            out[value] = out[value].astype("Int64")
        except (TypeError, ValueError):
            pass
    return out.sort_values([*by, month], kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------- groupings

def force_groups() -> pd.DataFrame:
    """Alliance and peer groupings as data (``data/raw/reference/force_groups.csv``).

    Returns
    -------
    DataFrame
        Columns ``group``, ``group_type``, ``force``, ``document``, ``location``.

    Examples
    --------
    >>> g = force_groups()
    >>> sorted(g.loc[g["group"] == "Warwickshire and West Mercia", "force"])
    ['Warwickshire', 'West Mercia']
    """
    path = paths.REFERENCE_DIR / "force_groups.csv"
    df = pd.read_csv(path, dtype=str)
    return normalise_force_names(df, "force", source=str(path))


def group_members(group: str) -> list[str]:
    """Forces in a named group, e.g. ``"Devon and Cornwall and Dorset"``.

    Examples
    --------
    >>> group_members("West Mercia most similar group")[:2]
    ['West Mercia', 'Devon and Cornwall']
    """
    g = force_groups()
    members = g.loc[g["group"] == group, "force"].tolist()
    if not members:
        raise DataValidationError(
            f"unknown force group {group!r}",
            file=str(paths.REFERENCE_DIR / "force_groups.csv"),
            column="group",
            fix=f"use one of {sorted(g['group'].unique())}",
        )
    return members


def resolve_forces(forces: str | Sequence[str]) -> list[str]:
    """Expand a group name or a list of force names into canonical force names.

    Examples
    --------
    >>> resolve_forces("Warwickshire and West Mercia")
    ['Warwickshire', 'West Mercia']
    >>> resolve_forces(["dorset"])
    ['Dorset']
    """
    if isinstance(forces, str):
        g = force_groups()
        if forces in set(g["group"]):
            return group_members(forces)
        return [canonical_force_name(forces)]
    out: list[str] = []
    for f in forces:
        for x in resolve_forces(f):
            if x not in out:
                out.append(x)
    return out


def coverage_summary(df: pd.DataFrame, *, by: Sequence[str] = ("force",)) -> pd.DataFrame:
    """First and last month, months expected, months present and explicit gaps per group.

    Examples
    --------
    >>> d = pd.DataFrame({"force": ["A", "A", "A"], "crime_type": ["Drugs"] * 3,
    ...                   "month": pd.PeriodIndex(["2020-01", "2020-02", "2020-04"], freq="M"),
    ...                   "count": [1, 2, 3]})
    >>> row = coverage_summary(d).iloc[0]
    >>> int(row["months_expected"]), int(row["months_present"]), row["gap_months"]
    (4, 3, '2020-03')
    """
    by = list(by)
    totals = df.groupby([*by, "month"], as_index=False)["count"].sum()
    full = complete_monthly_index(totals, by=by, month="month", value="count")
    rows = []
    for key, g in full.groupby(by, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        gaps = g.loc[g["is_gap"], "month"].astype(str).tolist()
        rows.append({**dict(zip(by, key)), "first_month": str(g["month"].min()), "last_month": str(g["month"].max()),
                     "months_expected": len(g), "months_present": int((~g["is_gap"]).sum()),
                     "gap_months": ", ".join(gaps), "total_count": int(g["count"].sum())})
    return pd.DataFrame(rows)


def month_range(start: object, end: object) -> pd.PeriodIndex:
    """Every calendar month from ``start`` to ``end`` inclusive, as ``Period[M]``.

    Raises
    ------
    ParameterError
        If ``end`` is before ``start``.

    Examples
    --------
    >>> month_range("2013-11", "2014-02").astype(str).tolist()
    ['2013-11', '2013-12', '2014-01', '2014-02']
    """
    from alliance_analysis.errors import ParameterError

    a, b = pd.Period(str(start), "M"), pd.Period(str(end), "M")
    if b < a:
        raise ParameterError(f"end month {b} is before start month {a}; swap start and end")
    return pd.period_range(a, b, freq="M")


def quarter_label(date: object) -> str:
    """Financial-year quarter label of a date, e.g. ``"2013/14 Q3"`` (Q1 = April-June).

    Examples
    --------
    >>> quarter_label("2014-01-15"), quarter_label("2013-04-01")
    ('2013/14 Q4', '2013/14 Q1')
    """
    return f"{financial_year(date)} Q{financial_quarter(date)}"


# --------------------------------------------------------------------------- strict helpers
# Reading, type checks and duplicate keys live in ``alliance_analysis.validation`` (one declared
# ``Schema`` per source); what stays here maps published force names, naming the first bad row.


def _first_bad(mask: pd.Series) -> int:
    return int(mask.to_numpy().nonzero()[0][0])


def _row(values: pd.Series, pos: int) -> int:
    """1-based data row of position ``pos``: the original row where the index still holds it."""
    label = values.index[pos]
    return int(label) + 1 if pd.api.types.is_integer_dtype(values.index) else pos + 1


def canonical_force_column(values: pd.Series, *, file: str | Path | None, column: str) -> pd.Series:
    """Map a column of published force names to canonical names, naming the first bad row.

    Examples
    --------
    >>> canonical_force_column(pd.Series(["Devon & Cornwall", "London, City of"]), file=None, column="f").tolist()
    ['Devon and Cornwall', 'City of London']
    """
    text = values.astype(str)
    mapping: dict[str, str] = {}
    for u in pd.unique(text):
        try:
            if not str(u).strip():
                raise DataValidationError("blank force name")
            mapping[u] = canonical_force_name(u)
        except DataValidationError as exc:
            i = _first_bad(text == u)
            raise DataValidationError(exc.detail, file=file, column=column, row=_row(values, i),
                                      fix=exc.fix or "give the force's name") from None
    return text.map(mapping)


def force_type(force: pd.Series) -> pd.Series:
    """Classify canonical names as ``territorial``, ``btp`` or ``national_fraud``.

    Examples
    --------
    >>> force_type(pd.Series(["Dorset", "British Transport Police", "Action Fraud"])).tolist()
    ['territorial', 'btp', 'national_fraud']
    """
    out = pd.Series("other", index=force.index, dtype=object)
    out[force.isin(CANONICAL_FORCES)] = "territorial"
    out[force == "British Transport Police"] = "btp"
    out[force.isin(NATIONAL_FRAUD_BODIES)] = "national_fraud"
    return out.astype(str)


#: Fraud-reporting bodies the Home Office tables list as pseudo-forces.
NATIONAL_FRAUD_BODIES: tuple[str, ...] = ("Action Fraud", "CIFAS", "UK Finance", "Financial Fraud Action UK")


def coverage_gaps(df: pd.DataFrame, rows: str, cols: str, *, limit: int = 50) -> list[dict]:
    """Combinations of ``rows`` x ``cols`` values absent from ``df`` (e.g. a force missing a quarter).

    A published table covers every force in every period; a gap means a truncated or
    edited file. Loaders report the gaps in ``attrs["coverage_gaps"]`` and log a warning.

    Examples
    --------
    >>> d = pd.DataFrame({"force": ["A", "A", "B"], "q": [1, 2, 1]})
    >>> coverage_gaps(d, "force", "q")
    [{'force': 'B', 'q': 2}]
    """
    pairs = df[[rows, cols]].drop_duplicates()
    n_r, n_c = pairs[rows].nunique(), pairs[cols].nunique()
    if len(pairs) == n_r * n_c:
        return []
    have = set(zip(pairs[rows].tolist(), pairs[cols].tolist()))
    gaps = []
    for r in sorted(pd.unique(df[rows])):
        for c in sorted(pd.unique(df[cols])):
            if (r, c) not in have:
                gaps.append({rows: r, cols: c.item() if hasattr(c, "item") else c})
                if len(gaps) >= limit:
                    return gaps
    return gaps
