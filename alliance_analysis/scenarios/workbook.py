"""The business-case Excel workbook."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from alliance_analysis.errors import ParameterError

log = logging.getLogger(__name__)


def write_workbook(tables: Mapping[str, pd.DataFrame], path: str | Path) -> Path:
    """Write tables to an Excel workbook (one sheet each), atomically.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = write_workbook({"npv": pd.DataFrame({"a": [1]})}, pathlib.Path(tempfile.mkdtemp()) / "b.xlsx")
    >>> pd.read_excel(p, sheet_name="npv")["a"].tolist()
    [1]
    """
    from alliance_analysis.io import atomic_path

    if not tables:
        raise ParameterError("no tables to write")
    with atomic_path(path, suffix=".xlsx") as tmp:
        with pd.ExcelWriter(tmp, engine="openpyxl") as xw:
            for name, t in tables.items():
                t.to_excel(xw, sheet_name=str(name)[:31], index=False)
    return Path(path)


def workbook_path(path: str | Path | None = None) -> Path:
    """Where the business-case workbook goes: ``path``, or ``data/processed/business_case.xlsx``.

    Examples
    --------
    >>> workbook_path().name, workbook_path("/tmp/x.xlsx").name
    ('business_case.xlsx', 'x.xlsx')
    """
    from alliance_analysis import paths

    if path is None:
        return paths.PROCESSED_DIR / "business_case.xlsx"
    p = Path(path)
    if p.suffix.lower() != ".xlsx":
        raise ParameterError(f"workbook_file {str(p)!r} must end in .xlsx")
    return p


