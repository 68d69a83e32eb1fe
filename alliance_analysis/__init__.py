"""alliance-analysis: demand, forecasting and business-case analysis for police alliances.

Library functions never print: they log through :mod:`logging` and return values.

Examples
--------
>>> import alliance_analysis
>>> alliance_analysis.__version__
'0.1.0'
"""

from __future__ import annotations

import logging
from importlib import metadata

try:
    __version__ = metadata.version("alliance-analysis")
except metadata.PackageNotFoundError:  # pragma: no cover - running from a bare checkout
    __version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = ["__version__"]
