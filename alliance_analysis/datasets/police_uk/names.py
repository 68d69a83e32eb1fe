"""data.police.uk archive file names: the street columns and the name pattern."""

from __future__ import annotations

import re

import pandas as pd

#: The columns of a data.police.uk street-level file, in order.
STREET_COLUMNS: tuple[str, ...] = (
    "Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude",
    "Location", "LSOA code", "LSOA name", "Crime type", "Last outcome category", "Context",
)

_NAME_RE = re.compile(
    r"^(?P<month>\d{4}-\d{2})-(?P<slug>[a-z0-9]+(?:-[a-z0-9]+)*?)-"
    r"(?P<kind>street|outcomes|stop-and-search)\.csv$"
)
_MONTH_DIR_RE = re.compile(r"^\d{4}-\d{2}$")
_NAME_FIX = (
    "name street files YYYY-MM-<force-slug>-street.csv (e.g. 2022-02-west-mercia-street.csv) "
    "inside a YYYY-MM folder, or move other CSV files out of the archive folder"
)


# --------------------------------------------------------------------------- names


def parse_archive_name(name: str) -> tuple[pd.Period, str, str] | None:
    """Split a data.police.uk archive file name into (month, force slug, kind).

    Parameters
    ----------
    name : str
        A file name (no folder), e.g. ``"2022-02-west-mercia-street.csv"``.

    Returns
    -------
    tuple or None
        ``(Period[M], slug, kind)`` with ``kind`` one of ``street``, ``outcomes``,
        ``stop-and-search``; ``None`` when the name does not follow the pattern
        (or the month is not a real month).

    Examples
    --------
    >>> parse_archive_name("2022-02-devon-and-cornwall-street.csv")
    (Period('2022-02', 'M'), 'devon-and-cornwall', 'street')
    >>> parse_archive_name("2022-02-dorset-stop-and-search.csv")[2]
    'stop-and-search'
    >>> parse_archive_name("crimes (1).csv") is None
    True
    """
    m = _NAME_RE.match(name)
    if not m:
        return None
    year, month = (int(x) for x in m.group("month").split("-"))
    if not 1 <= month <= 12:
        return None
    return pd.Period(year=year, month=month, freq="M"), m.group("slug"), m.group("kind")
