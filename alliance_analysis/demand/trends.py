"""Rising, stable or diminishing demand (review para 90).

Monthly (police.uk), quarterly (Home Office tables) and annual series alike: the seasonal
period comes from the data's period column, and declared data breaks (recording-practice
changes, reclassifications, lockdowns) enter the model as level shifts or pulses so a
break is never read as a trend.

Examples
--------
>>> q = pd.period_range("2010Q1", periods=24, freq="Q")
>>> down = pd.DataFrame({"force": "A", "offence_group": "Robbery", "quarter": q,
...                      "count": (400 * 0.97 ** np.arange(24)).round().astype(int)})
>>> r = classify_trends(down, by=("force", "offence_group"))
>>> r["trend"].item(), round(float(r["annual_change"].item()), 2)   # 0.97 ** 4 - 1 = -0.1147
('diminishing', -0.11)
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from alliance_analysis.demand._common import _check_counts
from alliance_analysis.errors import DataValidationError, ParameterError

log = logging.getLogger(__name__)

#: Period frequency code prefix -> periods per year
_PER_YEAR = {"M": 12, "Q": 4, "Y": 1, "A": 1}
TOO_SHORT = "too short to tell"
NOT_ESTIMABLE = "not estimable"


def time_column(df: pd.DataFrame) -> str:
    """The period column of a tidy series: ``month``, ``quarter``, ``period`` or ``year``.

    Examples
    --------
    >>> time_column(pd.DataFrame({"quarter": pd.period_range("2020Q1", periods=2, freq="Q"), "count": [1, 2]}))
    'quarter'
    """
    for c in ("period", "month", "quarter", "year"):
        if c in df.columns:
            return c
    raise DataValidationError("no period column", column="period",
                              fix="name the time column 'month', 'quarter' or 'period' (pandas Periods)")


def periods_per_year(values: pd.Series) -> int:
    """Seasonal period of a Period column: 12 for months, 4 for quarters, 1 for years.

    Examples
    --------
    >>> periods_per_year(pd.Series(pd.period_range("2020-01", periods=3, freq="M")))
    12
    """
    if not isinstance(values.dtype, pd.PeriodDtype):
        raise DataValidationError(f"time column has dtype {values.dtype}, not Period", column=str(values.name),
                                  fix="convert it with pd.PeriodIndex(..., freq='M' or 'Q')")
    code = values.dtype.freq.freqstr.upper()
    for prefix, n in _PER_YEAR.items():
        if code.startswith(prefix):
            return n
    raise DataValidationError(f"period frequency {code!r} is not monthly, quarterly or annual",
                              column=str(values.name), fix="aggregate the series to months, quarters or years")


def _break_columns(periods: pd.Series, breaks: pd.DataFrame | None, group: str | None) -> tuple[np.ndarray, list[str]]:
    """Design columns for the declared breaks touching this series: a pulse over an external shock
    (kind "external shock", e.g. lockdowns), a ramp from 0 to 1 over a phased recording-practice
    change (kind "recording practice"), otherwise a step from the start (reclassifications);
    only where the series has data on both sides."""
    if breaks is None or breaks.empty:
        return np.empty((len(periods), 0)), []
    cols, names = [], []
    start_ts = periods.dt.start_time
    for _, b in breaks.iterrows():
        groups = b.get("offence_groups")
        if isinstance(groups, str):
            groups = [g.strip() for g in groups.split(";") if g.strip()]
        if group is not None and groups and "all" not in [g.lower() for g in groups] and group not in groups:
            continue
        start = pd.Timestamp(b["start"])
        end = b.get("end")
        has_end = end is not None and not pd.isna(end) and str(end).strip() != ""
        kind = str(b.get("kind", "") or "").lower()
        temporary = has_end and kind in ("external shock", "pulse", "")
        if temporary:       # e.g. lockdowns: a pulse over the window, back to the trend after it
            x = ((start_ts >= start) & (start_ts <= pd.Timestamp(end))).to_numpy(dtype=float)
        elif has_end and kind in ("recording practice", "ramp"):   # phased in: 0 -> 1 over the window, then 1
            span = max((pd.Timestamp(end) - start).days, 1)
            x = np.clip((start_ts - start).dt.days.to_numpy(dtype=float) / span, 0.0, 1.0)
        else:               # reclassification, transfer: a level shift from the start
            x = (start_ts >= start).to_numpy(dtype=float)
        on = (x > 0).sum()
        if 2 <= on <= len(x) - 2 or (temporary and 1 <= on <= len(x) - 4):
            cols.append(x)
            names.append(str(b.get("break_id", b.get("description", start.date()))))
    return (np.column_stack(cols) if cols else np.empty((len(periods), 0))), names


def classify_trends(
    df: pd.DataFrame,
    *,
    by: Sequence[str] = ("force", "crime_type"),
    alpha: float = 0.05,
    correction: str = "fdr_bh",
    min_months: int = 24,
    min_years: float | None = None,
    breaks: pd.DataFrame | None = None,
    on_short: str = "raise",
) -> pd.DataFrame:
    """Rising / stable / diminishing per series from a quasi-Poisson GLM with seasonality and breaks.

    For each series: ``log E[count] = a + b t + period-of-year effects + break terms``, fitted
    by statsmodels GLM (Poisson family, scale estimated by Pearson chi2 to allow
    over-dispersion). ``t`` counts periods; the annual change is ``exp(k b) - 1`` with ``k``
    periods a year (12 monthly, 4 quarterly, 1 annual) and a 95% Wald interval. Each declared
    break that touches the series' group adds a level shift from its start (a pulse when it
    is an external shock with an end, e.g. the 2020-21 lockdowns; a ramp over a phased
    recording-practice change such as the 2014-16 uplift), so a break is not read as a trend. p-values are corrected across all series (Benjamini-Hochberg by default). A
    series is rising / diminishing when its corrected p < ``alpha`` and the change is
    positive / negative, otherwise stable. ``para_90`` answers the review's questions.

    Parameters
    ----------
    df : DataFrame
        Tidy counts: ``by`` columns, a Period column (``month``, ``quarter`` or ``period``), ``count``.
    by : sequence of str
        Series keys; the last one is matched against the breaks' ``offence_groups``.
    alpha, correction : float, str
        Significance level and ``statsmodels.stats.multitest`` method.
    min_months : int
        Shortest monthly series classified (kept for monthly data; ``min_years`` generalises it).
    min_years : float, optional
        Shortest series in years (default ``min_months / 12``: two years).
    breaks : DataFrame, optional
        Declared breaks: ``break_id``, ``start``, ``end`` (empty for permanent), ``offence_groups``
        (list or ``;``-separated; ``all`` for every group) and optionally ``kind``, as from
        ``taxonomy.data_breaks()``.
    on_short : {"raise", "skip"}
        A series shorter than the minimum raises, or is returned with trend ``"too short to tell"``.

    Returns
    -------
    DataFrame
        ``by``..., ``annual_change``, ``ci_low``, ``ci_high``, ``p_value``, ``p_adjusted``,
        ``periods``, ``total``, ``breaks_adjusted``, ``trend``, ``para_90``.

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
    if on_short not in ("raise", "skip"):
        raise ParameterError(f"on_short {on_short!r} must be 'raise' or 'skip'")
    tcol = time_column(df)
    k = periods_per_year(df[tcol])
    unit = {12: "months", 4: "quarters", 1: "years"}[k]
    need = int(math.ceil((min_years if min_years is not None else min_months / 12) * k))
    rows = []
    for key, g in df.groupby(by, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        ident = dict(zip(by, key))
        g = g.groupby(tcol, as_index=False)["count"].sum().sort_values(tcol)
        base = {**ident, "periods": len(g), "total": int(g["count"].sum()), "breaks_adjusted": ""}
        if len(g) < need:
            if on_short == "raise":
                raise DataValidationError(f"series {ident} has {len(g)} {unit}; at least {need} needed",
                                          column=tcol, fix="use a longer period or aggregate categories")
            rows.append({**base, "annual_change": np.nan, "ci_low": np.nan, "ci_high": np.nan, "p_value": np.nan,
                         "short": True})
            continue
        t = np.array([(p - g[tcol].iloc[0]).n for p in g[tcol]], dtype=float)
        parts = [t[:, None]]
        if k > 1:
            poy = g[tcol].dt.month if k == 12 else g[tcol].dt.quarter
            dummies = pd.get_dummies(poy.astype("category"), prefix="s", drop_first=True, dtype=float).to_numpy()
            if dummies.shape[1]:
                parts.append(dummies)
        bx, bnames = _break_columns(g[tcol], breaks, str(key[-1]))
        if bnames:
            parts.append(bx)
        X = sm.add_constant(np.column_stack(parts), has_constant="add")
        y = g["count"].to_numpy(dtype=float)
        if y.sum() == 0 or np.ptp(y) == 0:     # all zero or constant: no change to estimate
            rows.append({**base, "annual_change": 0.0 if y.sum() else np.nan, "ci_low": np.nan, "ci_high": np.nan,
                         "p_value": 1.0, "short": False})
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")     # perfect-fit warnings: the interval below says it all
                res = sm.GLM(y, X, family=sm.families.Poisson()).fit(scale="X2")
            b, se = float(res.params[1]), float(res.bse[1])
            if not (np.isfinite(b) and np.isfinite(se)):
                raise ValueError("non-finite estimate")
        except (ValueError, np.linalg.LinAlgError) as exc:
            log.warning("trend for %s could not be estimated: %s", ident, exc)
            rows.append({**base, "annual_change": np.nan, "ci_low": np.nan, "ci_high": np.nan, "p_value": np.nan,
                         "short": False, "failed": True})
            continue
        rows.append({**base, "annual_change": math.expm1(k * b), "ci_low": math.expm1(k * (b - 1.96 * se)),
                     "ci_high": math.expm1(k * (b + 1.96 * se)), "p_value": float(res.pvalues[1]),
                     "breaks_adjusted": "; ".join(bnames), "short": False})
    out = pd.DataFrame(rows)
    failed = out["failed"].fillna(False).astype(bool) if "failed" in out else pd.Series(False, index=out.index)
    tested = ~out["short"] & out["p_value"].notna()
    out["p_adjusted"] = np.nan
    if tested.any():
        out.loc[tested, "p_adjusted"] = multipletests(out.loc[tested, "p_value"], alpha=alpha, method=correction)[1]
    sig = out["p_adjusted"] < alpha
    out["trend"] = np.where(failed, NOT_ESTIMABLE, np.where(out["short"], TOO_SHORT,
                            np.where(sig & (out["annual_change"] > 0), "rising",
                                     np.where(sig & (out["annual_change"] < 0), "diminishing", "stable"))))
    out["para_90"] = out["trend"].map({
        "rising": "where to invest: rising demand",
        "diminishing": "diminishing demand",
        "stable": "stable: plan at current levels",
        TOO_SHORT: f"fewer than {need} {unit}: not classified",
        NOT_ESTIMABLE: "the model could not be fitted: not classified",
    })
    out = out.drop(columns=[c for c in ("short", "failed") if c in out])
    cols = [*by, "annual_change", "ci_low", "ci_high", "p_value", "p_adjusted", "periods", "total",
            "breaks_adjusted", "trend", "para_90"]
    out = out[cols]
    out.attrs["method"] = (f"quasi-Poisson GLM on {unit}, "
                           f"{'period-of-year effects, ' if k > 1 else ''}"
                           f"{'declared breaks as level shifts/pulses, ' if breaks is not None and len(breaks) else ''}"
                           f"{correction} correction at alpha={alpha}")
    out.attrs["periods_per_year"] = k
    out.attrs["min_periods"] = need
    return out
