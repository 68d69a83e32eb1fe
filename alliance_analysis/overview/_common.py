"""Shared pieces of :mod:`alliance_analysis.overview`: status labels, financial-year and
period helpers, and the shipped Home Office releases."""

from __future__ import annotations

import numpy as np
import pandas as pd

from alliance_analysis.errors import DataValidationError

COMPLETE, PARTIAL, MISSING = "complete", "partial", "missing"
#: Derived / published labels for the default crime series (by quarter).
BASIS_DERIVED = "derived"
BASIS_PUBLISHED = "published"


# --------------------------------------------------------------------------------------
# Financial years
# --------------------------------------------------------------------------------------

def _fy_start(periods: pd.Series) -> np.ndarray:
    """First calendar year of the financial year of each Period (month or quarter)."""
    start = pd.PeriodIndex(periods).start_time
    return (start.year - (start.month < 4).astype(int)).to_numpy()


def _period_text(p: pd.Period) -> str:
    return f"{p.year} Q{p.quarter}" if p.freqstr.startswith("Q") else p.strftime("%Y-%m")


def _time_column(df: pd.DataFrame) -> str:
    for c in ("quarter", "month"):
        if c in df.columns:
            return c
    raise DataValidationError("series has no 'quarter' or 'month' column", column="quarter",
                              fix="pass a CrimeSeries' data (force, quarter or month, count)")


def _shipped_releases() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The shipped rolling and PRC tables, parsed once per process (shared with the default series)."""
    from alliance_analysis.series import longseries

    return longseries.shipped_releases()

