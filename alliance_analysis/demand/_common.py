"""Shared checks for the demand modules."""

from __future__ import annotations

import logging

import pandas as pd

from alliance_analysis import taxonomy
from alliance_analysis.errors import DataValidationError

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
