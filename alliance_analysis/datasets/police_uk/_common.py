"""Private helpers shared by the police.uk submodules: the archive member record,
the zip error family and the force of a file-name slug."""

from __future__ import annotations

import functools
import zipfile
import zlib
from dataclasses import dataclass

import pandas as pd

from alliance_analysis import clean
from alliance_analysis.errors import DataValidationError

_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError)


@dataclass(frozen=True)
class _Member:
    """One CSV file of the archive (on disk or inside a zip)."""

    name: str  # path relative to the source, posix
    month: pd.Period | None
    slug: str | None
    kind: str | None
    folder_month: str | None  # parent folder name when it looks like YYYY-MM
    dangling: bool = False  # a symbolic link whose target does not exist


@functools.lru_cache(maxsize=4096)
def _force_of(slug: str) -> str | None:
    """Canonical force of a file-name slug or a force name as printed (cached: asked once per file)."""
    try:
        return clean.canonical_force_name(slug)
    except DataValidationError:
        return None
