"""Shared defaults and helpers of the download package (no public API of its own).

The hostile-input guard defaults, the read chunk size, the time stamp used in
records and the package logger (named ``alliance_analysis.datasets.download`` as
before the package split, so logging configuration by that name still applies).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import logging
import re
import signal
import threading
from collections.abc import Iterator
from pathlib import Path

from alliance_analysis.datasets.police_uk.source import _RATIO_FLOOR, MAX_MEMBER_BYTES, MAX_RATIO  # noqa: F401
from alliance_analysis.errors import DownloadError

logger = logging.getLogger(__name__.rpartition(".")[0])

_CHUNK = 1 << 16
#: Defaults for the hostile-input guards (the zip member caps are the reader's own,
#: :mod:`alliance_analysis.datasets.police_uk.source`, so extraction and reading agree).
DEFAULT_DEADLINE = 900.0
MAX_RETRY_AFTER = 120.0


@contextlib.contextmanager
def _sigterm_cleans_up() -> Iterator[None]:
    """While fetching, SIGTERM raises ``SystemExit(143)`` instead of killing the process outright,
    so every ``finally`` runs and no ``.tmp`` file is left beside the destination (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def _raise(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, _raise)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat()


#: Largest official release file fetched (bytes); the Home Office and ONS workbooks are tens of MB.
MAX_RELEASE_BYTES = 200 * 1024**2

#: markup after an optional byte-order mark and white space: a page, not a data file (``<!doctype``,
#: ``<html``, a bare ``<head>``, an ``<!-- comment -->``, ``<?xml ...>``)
_MARKUP = re.compile(rb"^(?:\xef\xbb\xbf|\xff\xfe|\xfe\xff)?\s*<[!?a-zA-Z]")


def _head_unless_html(path: Path, refusal: str) -> bytes:
    """The first 4 KiB of a downloaded file; :class:`DownloadError` ``refusal`` if it is markup (an HTML
    page, with or without a doctype, a byte-order mark or a leading comment)."""
    with open(path, "rb") as fh:
        head = fh.read(4096)
    if _MARKUP.match(head):
        raise DownloadError(refusal)
    return head
