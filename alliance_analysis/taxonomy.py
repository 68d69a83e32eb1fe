"""Offence taxonomy: police.uk crime types, Home Office offence codes, PRC groups.

Examples
--------
>>> "Violence and sexual offences" in POLICE_UK_CRIME_TYPES
True
>>> canonical_crime_type("anti-social behaviour")
'Anti-social behaviour'
"""

from __future__ import annotations

from alliance_analysis.errors import DataValidationError

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
