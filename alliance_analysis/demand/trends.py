"""Rising, stable or diminishing demand (review para 90)."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from alliance_analysis.errors import DataValidationError, ParameterError
from alliance_analysis.demand._common import _check_counts

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- trends

def classify_trends(
    df: pd.DataFrame,
    *,
    by: Sequence[str] = ("force", "crime_type"),
    alpha: float = 0.05,
    correction: str = "fdr_bh",
    min_months: int = 24,
) -> pd.DataFrame:
    """Rising / stable / diminishing per series from a quasi-Poisson GLM with seasonality.

    For each series: ``log E[count] = a + b * t + month-of-year effects``, fitted by
    statsmodels GLM (Poisson family, scale estimated by Pearson chi2 to allow
    over-dispersion). The annual change is ``exp(12 b) - 1`` with a 95% Wald interval;
    p-values are corrected across all series (Benjamini-Hochberg by default). A series is
    rising / diminishing when its corrected p < ``alpha`` and the change is positive /
    negative, otherwise stable. ``para_90`` answers the review's questions.

    Examples
    --------
    >>> months = pd.period_range("2015-01", periods=36, freq="M")
    >>> up = pd.DataFrame({"force": "A", "crime_type": "Drugs", "month": months,
    ...                    "count": (100 * 1.02 ** np.arange(36)).round().astype(int)})
    >>> classify_trends(up)["trend"].item()
    'rising'
    """
    import statsmodels.api as sm
    from statsmodels.stats.multitest import multipletests

    _check_counts(df)
    by = list(by)
    if not 0 < alpha < 1:
        raise ParameterError(f"alpha {alpha} must be between 0 and 1")
    rows = []
    for key, g in df.groupby(by, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        g = g.groupby("month", as_index=False)["count"].sum().sort_values("month")
        if len(g) < min_months:
            raise DataValidationError(f"series {dict(zip(by, key))} has {len(g)} months; at least {min_months} needed",
                                      column="month", fix="use a longer period or aggregate crime types")
        t = np.array([(m - g["month"].iloc[0]).n for m in g["month"]], dtype=float)
        moy = pd.get_dummies(g["month"].dt.month.astype("category"), prefix="m", drop_first=True, dtype=float)
        X = sm.add_constant(np.column_stack([t, moy.to_numpy()]) if moy.shape[1] else t[:, None])
        y = g["count"].to_numpy(dtype=float)
        if y.sum() == 0:
            rows.append({**dict(zip(by, key)), "annual_change": np.nan, "ci_low": np.nan, "ci_high": np.nan,
                         "p_value": 1.0, "months": len(g), "total": 0})
            continue
        res = sm.GLM(y, X, family=sm.families.Poisson()).fit(scale="X2")
        b, se = res.params[1], res.bse[1]
        rows.append({**dict(zip(by, key)), "annual_change": math.expm1(12 * b),
                     "ci_low": math.expm1(12 * (b - 1.96 * se)), "ci_high": math.expm1(12 * (b + 1.96 * se)),
                     "p_value": float(res.pvalues[1]), "months": len(g), "total": int(y.sum())})
    out = pd.DataFrame(rows)
    out["p_adjusted"] = multipletests(out["p_value"], alpha=alpha, method=correction)[1]
    sig = out["p_adjusted"] < alpha
    out["trend"] = np.where(sig & (out["annual_change"] > 0), "rising",
                            np.where(sig & (out["annual_change"] < 0), "diminishing", "stable"))
    out["para_90"] = out["trend"].map({
        "rising": "where to invest: rising demand",
        "diminishing": "diminishing demand",
        "stable": "stable: plan at current levels",
    })
    out.attrs["method"] = f"quasi-Poisson GLM, month-of-year effects, {correction} correction at alpha={alpha}"
    return out
