"""Normal prediction bounds shared by every forecasting model.

Examples
--------
>>> import numpy as np
>>> b = normal_bounds(np.array([[10.0]]), np.array([[1.0]]), (80,))
>>> round(float(b["hi_80"][0, 0]), 4)   # 10 + 1.2816 x 1
11.2816
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from scipy.special import ndtri


def normal_bounds(center: np.ndarray, sd: np.ndarray, levels: Sequence[int],
                  back: Callable[[np.ndarray], np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """Mean and central ``levels``% bounds ``center +/- z sd``, mapped by ``back`` (e.g. ``np.expm1``
    for models fitted on ``log1p`` counts) and clipped at zero, since counts are never negative."""
    f = back or (lambda x: x)
    out = {"mean": np.clip(f(center), 0, None)}
    for lvl in levels:
        zq = float(ndtri(0.5 + lvl / 200))  # the normal quantile; ndtri is a plain ufunc, ppf is slow
        out[f"lo_{lvl}"] = np.clip(f(center - zq * sd), 0, None)
        out[f"hi_{lvl}"] = np.clip(f(center + zq * sd), 0, None)
    return out
