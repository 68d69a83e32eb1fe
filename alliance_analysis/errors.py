"""Exceptions that name the file, the column or row, and the fix.

Examples
--------
>>> err = DataValidationError("negative count", file="x.csv", column="count", row=3,
...                           fix="counts must be >= 0")
>>> str(err)
"x.csv: column 'count', row 3: negative count. Fix: counts must be >= 0"
"""

from __future__ import annotations

from pathlib import Path


class AllianceError(Exception):
    """Base class for every error raised by the package."""


class DataValidationError(AllianceError, ValueError):
    """Input data failed validation.

    Parameters
    ----------
    message : str
        What was wrong.
    file : str or Path, optional
        The file the data came from.
    column : str, optional
        The offending column.
    row : int, optional
        The offending row (1-based data row, as a spreadsheet user counts).
    fix : str, optional
        What the user should do about it.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        column: str | None = None,
        row: int | None = None,
        fix: str | None = None,
    ) -> None:
        self.file = str(file) if file is not None else None
        self.column = column
        self.row = row
        self.fix = fix
        self.detail = message
        where = []
        if self.file:
            where.append(self.file)
        loc = []
        if column is not None:
            loc.append(f"column '{column}'")
        if row is not None:
            loc.append(f"row {row}")
        prefix = ""
        if where:
            prefix = where[0] + (": " + ", ".join(loc) if loc else "") + ": "
        elif loc:
            prefix = ", ".join(loc) + ": "
        text = f"{prefix}{message}"
        if fix:
            text += f". Fix: {fix}"
        super().__init__(text)


class ParameterError(AllianceError, ValueError):
    """A run or notebook parameter is invalid."""


class DownloadError(AllianceError, OSError):
    """A download failed (offline, HTTP error, checksum mismatch)."""
