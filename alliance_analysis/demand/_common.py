"""Shared checks for the demand modules."""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence

import pandas as pd

from alliance_analysis import taxonomy
from alliance_analysis.errors import DataValidationError, ParameterError

log = logging.getLogger(__name__)


HARM_APPROXIMATION = (
    "police.uk crime types are broader than Home Office offence subgroups: each type's harm "
    "weight is the count-weighted mean of its subgroups' weights (weights file's own counts), "
    "so mixed types (e.g. violence and sexual offences) are approximated"
)


def _check_counts(df: pd.DataFrame, *, value: str = "count", source: str | None = None) -> None:
    if value not in df.columns:
        raise DataValidationError("column is missing", file=source, column=value, fix="counts go in a 'count' column")
    vals = pd.to_numeric(df[value], errors="coerce")
    bad = vals.isna() | (vals < 0)
    if bad.any():
        i = int(bad.to_numpy().nonzero()[0][0])
        raise DataValidationError(f"count {df[value].iloc[i]!r} is negative or missing", file=source, column=value,
                                  row=i + 1, fix="counts must be non-negative numbers")
    if "crime_type" in df.columns:
        unknown = sorted(set(df["crime_type"].astype(str)) - set(taxonomy.ALL_POLICE_UK_CRIME_TYPES))
        if unknown:
            raise DataValidationError(f"unknown crime types {unknown}", file=source, column="crime_type",
                                      fix=f"use police.uk crime types: {', '.join(taxonomy.POLICE_UK_CRIME_TYPES)}")


def check_split(split: Mapping[str, float] | None, forces: Sequence[str] | None = None) -> dict[str, float]:
    """A cost split checked: every share a finite number from 0 to 100, summing to 100, one per force.

    Raises
    ------
    ParameterError
        Naming the bad share and the fix (issue 21: a 170 / -70 split or a missing share is refused).

    Examples
    --------
    >>> check_split({"A": 69, "B": 31})
    {'A': 69.0, 'B': 31.0}
    >>> check_split({"A": 170, "B": -70})
    Traceback (most recent call last):
    ...
    alliance_analysis.errors.ParameterError: split share for 'A' is 170; fix: give each force a share from 0 to 100, the shares summing to 100 (e.g. {'West Mercia': 69, 'Warwickshire': 31})
    """
    if not split:
        return {}
    out = {}
    for k, v in split.items():
        try:
            x = float(v)
        except (TypeError, ValueError):
            x = float("nan")
        if not math.isfinite(x) or not 0 <= x <= 100:
            raise ParameterError(f"split share for {k!r} is {v!r}; fix: give each force a share from 0 to 100, the "
                                 "shares summing to 100 (e.g. {'West Mercia': 69, 'Warwickshire': 31})")
        out[str(k)] = x
    total = sum(out.values())
    if abs(total - 100) > 1e-6:
        raise ParameterError(f"split {out} sums to {total:g}, not 100; fix: give shares that sum to 100")
    if forces is not None:
        extra = sorted(set(out) - set(forces))
        if extra:
            raise ParameterError(f"split names {extra}, which are not among the forces {list(forces)}; fix: give a "
                                 "share for each force analysed")
    return out
