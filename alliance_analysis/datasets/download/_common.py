"""Shared defaults and helpers of the download package (no public API of its own).

The hostile-input guard defaults, the read chunk size, the time stamp used in
records and the package logger (named ``alliance_analysis.datasets.download`` as
before the package split, so logging configuration by that name still applies).
"""

from __future__ import annotations

import datetime as _dt
import logging
import re
from pathlib import Path

from alliance_analysis.datasets.police_uk.source import _RATIO_FLOOR, MAX_MEMBER_BYTES, MAX_RATIO  # noqa: F401
from alliance_analysis.errors import DownloadError

logger = logging.getLogger(__name__.rpartition(".")[0])

_CHUNK = 1 << 16
#: Defaults for the hostile-input guards (the zip member caps are the reader's own,
#: :mod:`alliance_analysis.datasets.police_uk.source`, so extraction and reading agree).
DEFAULT_DEADLINE = 900.0
MAX_RETRY_AFTER = 120.0


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat()


def _head_unless_html(path: Path, refusal: str) -> bytes:
    """The first 4 KiB of a downloaded file; :class:`DownloadError` ``refusal`` if it is an HTML page."""
    with open(path, "rb") as fh:
        head = fh.read(4096)
    if re.match(rb"\s*(<!doctype html|<html)", head, re.IGNORECASE):
        raise DownloadError(refusal)
    return head
