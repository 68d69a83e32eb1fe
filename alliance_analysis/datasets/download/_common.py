"""Shared defaults and helpers of the download package (no public API of its own).

The hostile-input guard defaults, the read chunk size, the time stamp used in
records and the package logger (named ``alliance_analysis.datasets.download`` as
before the package split, so logging configuration by that name still applies).
"""

from __future__ import annotations

import datetime as _dt
import logging

logger = logging.getLogger(__name__.rpartition(".")[0])

_CHUNK = 1 << 16
#: Defaults for the hostile-input guards.
DEFAULT_DEADLINE = 900.0
MAX_RETRY_AFTER = 120.0
MAX_MEMBER_BYTES = 2 * 1024**3
MAX_RATIO = 200.0
_RATIO_FLOOR = 1 << 20


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat()
