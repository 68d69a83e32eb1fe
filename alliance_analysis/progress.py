"""Progress bars that work in a terminal and in a Jupyter kernel without noise.

``tqdm.auto`` warns ("IProgress not found") in every kernel without ipywidgets, and that
warning lands in the reports. This module picks the notebook widget only when ipywidgets
is installed, and the plain text bar otherwise; long loops in the library import
``tqdm`` from here and show a bar only when their caller asks (``progress=True``).

Examples
--------
>>> sum(tqdm(range(3), disable=True))
3
"""

from __future__ import annotations

import importlib.util

if importlib.util.find_spec("ipywidgets") is not None:  # pragma: no cover - depends on the environment
    from tqdm.auto import tqdm
else:
    from tqdm.std import tqdm

__all__ = ["tqdm"]
