"""Partial supply gaps in police.uk archives: months present but far below their expected level.

A force's feed to data.police.uk sometimes delivers only part of its records for a run of
months (Devon and Cornwall, April-November 2023: 25-35% short). The months are present,
so nothing looks missing, but a trend or forecast would read the gap as a fall in crime.
:func:`supply_gaps` finds such runs; :func:`exclude_supply_gaps` removes them from a
series (a ``CrimeSeries`` or its tidy frame) and says so in its notes.

The rule (stated again in every message): a month is a data break when its recorded crimes
per day (anti-social behaviour left out) are more than ``threshold`` (20%) below the
force's expected level for that month, in a run of at least ``min_run`` (3) consecutive
months. The expected level is the force's own robust trend (Theil-Sen line through the
log of crimes per day, refitted without flagged months) times its own seasonal pattern
(month-of-year medians of the residuals, when the archive has at least 24 months of the
force; otherwise no seasonal pattern); where the archive holds other forces, the median
of the other forces' deviation in the same month is taken out first, so a shock common to
every force (a lockdown) is not a break.

Examples
--------
>>> import numpy as np
>>> months = pd.period_range("2021-01", periods=36, freq="M")
>>> level = np.where((months >= pd.Period("2022-04", "M")) & (months <= pd.Period("2022-11", "M")), 0.7, 1.0)
>>> df = pd.DataFrame({"force": "Dorset", "month": months, "crime_type": "Burglary",
...                    "count": (100 * months.days_in_month * level).round().astype(int)})
>>> g = supply_gaps(df)
>>> [str(m) for m in g["month"]][:2], len(g), round(float(g["shortfall"].iloc[0]), 2)
(['2022-04', '2022-05'], 8, 0.3)
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

import numpy as np
import pandas as pd

from alliance_analysis.errors import ParameterError

log = logging.getLogger(__name__)

#: a month more than this fraction below its expected level may be a supply gap
GAP_THRESHOLD: float = 0.20
#: ... when at least this many consecutive months are (a level shift, not one odd month)
GAP_MIN_RUN: int = 3
#: months of one force needed to estimate its own seasonal pattern
SEASONAL_MIN_MONTHS: int = 24

_RULE = ("a data break is a run of {run} or more consecutive months whose crimes per day are more than "
         "{pct:.0f}% below the force's expected level (own trend and seasonal pattern, net of the other forces' "
         "deviation that month)")

_COLUMNS = ["force", "month", "observed", "expected", "shortfall", "run_start", "run_end", "rule"]


def _theil_sen(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    if len(x) < 2:
        return 0.0, float(np.median(y)) if len(y) else 0.0
    i, j = np.triu_indices(len(x), k=1)
    slope = float(np.median((y[j] - y[i]) / (x[j] - x[i])))
    return slope, float(np.median(y - slope * x))


def _deviation(month: pd.PeriodIndex, lograte: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """Log deviation of each month from the trend x seasonal pattern fitted on the ``ok`` months."""
    x = np.asarray(month.year * 12 + month.month, dtype=float)
    slope, icpt = _theil_sen(x[ok], lograte[ok])
    resid = lograte - (icpt + slope * x)
    if ok.sum() >= SEASONAL_MIN_MONTHS:
        moy = np.asarray(month.month)
        season = pd.Series(resid[ok]).groupby(moy[ok]).median()
        season = season - season.mean()
        resid = resid - pd.Series(moy).map(season).fillna(0.0).to_numpy()
    return resid


def supply_gaps(counts: pd.DataFrame, *, threshold: float = GAP_THRESHOLD,
                min_run: int = GAP_MIN_RUN) -> pd.DataFrame:
    """Months of a police.uk archive that look like partial supply gaps (level shifts down).

    Parameters
    ----------
    counts : DataFrame
        Tidy police.uk counts: ``force``, ``month`` (Period[M]), ``crime_type``, ``count``
        (as from :func:`~alliance_analysis.datasets.police_uk.load_street_archive`, or a
        ``CrimeSeries``' ``data``). Anti-social behaviour is left out.
    threshold : float
        Fraction below the expected level (default 0.20; see the module rule).
    min_run : int
        Consecutive months needed (default 3).

    Returns
    -------
    DataFrame
        One row per flagged force-month: ``force``, ``month``, ``observed`` (crimes),
        ``expected`` (crimes the force's pattern implies), ``shortfall`` (fraction below
        expected), ``run_start``, ``run_end`` and ``rule`` (the rule in words). Empty when
        nothing is flagged. Logged as a warning per run.

    Examples
    --------
    >>> supply_gaps(pd.DataFrame({"force": [], "month": [], "crime_type": [], "count": []})).empty
    True
    """
    if not 0 < threshold < 1 or isinstance(min_run, bool) or int(min_run) != min_run or min_run < 1:
        raise ParameterError(f"threshold={threshold!r} must be between 0 and 1 and min_run={min_run!r} a whole "
                             "number >= 1. Fix: e.g. threshold=0.2, min_run=3")
    rule = _RULE.format(run=min_run, pct=threshold * 100)
    crimes = counts[counts["crime_type"] != "Anti-social behaviour"] if len(counts) else counts
    if not len(crimes):
        return pd.DataFrame(columns=_COLUMNS)
    tot = crimes.groupby(["force", "month"], observed=True)["count"].sum()
    forces = sorted(tot.index.get_level_values(0).unique())
    cut = np.log1p(-threshold)
    flags: dict[str, np.ndarray] = {}
    dev: dict[str, pd.Series] = {}
    series = {}
    for f in forces:
        s = tot.loc[f].sort_index()
        s = s[s > 0]
        idx = pd.PeriodIndex(s.index, freq="M")
        series[f] = (idx, s.to_numpy(dtype=float))
    for _ in range(3):  # fit, flag, refit without the flagged months
        for f in forces:
            idx, obs = series[f]
            lograte = np.log(obs / np.asarray(idx.days_in_month, dtype=float))
            ok = ~flags.get(f, np.zeros(len(idx), dtype=bool))
            if ok.sum() < 3:
                ok = np.ones(len(idx), dtype=bool)
            dev[f] = pd.Series(_deviation(idx, lograte, ok), index=idx)
        new_flags = {}
        for f in forces:
            own = dev[f]
            others = [dev[o] for o in forces if o != f]
            if others:
                common = pd.concat(others, axis=1).median(axis=1).reindex(own.index).fillna(0.0)
                own = own - common
            low = (own < cut).to_numpy()
            new_flags[f] = _runs(low, int(min_run))
        if all(np.array_equal(new_flags[f], flags.get(f, np.zeros_like(new_flags[f]))) for f in forces):
            break
        flags = new_flags
    rows = []
    for f in forces:
        idx, obs = series[f]
        mask = flags.get(f, np.zeros(len(idx), dtype=bool))
        if not mask.any():
            continue
        own = dev[f].to_numpy()
        others = [dev[o] for o in forces if o != f]
        common = (pd.concat(others, axis=1).median(axis=1).reindex(dev[f].index).fillna(0.0).to_numpy()
                  if others else np.zeros(len(idx)))
        expected = obs / np.exp(own - common)
        for start, end in _spans(mask):
            log.warning("%s: police.uk months %s to %s look like a partial supply gap (%.0f%% below expected); "
                        "kept out of trends, forecasts and evaluations unless asked. Rule: %s", f, idx[start],
                        idx[end], 100 * (1 - obs[start:end + 1].sum() / expected[start:end + 1].sum()), rule)
            for k in range(start, end + 1):
                rows.append({"force": f, "month": idx[k], "observed": int(obs[k]), "expected": float(expected[k]),
                             "shortfall": float(1 - obs[k] / expected[k]), "run_start": idx[start],
                             "run_end": idx[end], "rule": rule})
    return pd.DataFrame(rows, columns=_COLUMNS)


def _runs(low: np.ndarray, min_run: int) -> np.ndarray:
    out = np.zeros(len(low), dtype=bool)
    for start, end in _spans(low):
        if end - start + 1 >= min_run:
            out[start:end + 1] = True
    return out


def _spans(mask: np.ndarray) -> list[tuple[int, int]]:
    spans, start = [], None
    for i, v in enumerate(mask):
        if v and start is None:
            start = i
        if not v and start is not None:
            spans.append((start, i - 1))
            start = None
    if start is not None:
        spans.append((start, len(mask) - 1))
    return spans


def exclude_supply_gaps(series: Any, gaps: pd.DataFrame | None = None, *, include: bool = False) -> Any:
    """The series without the force-months flagged as supply gaps, with a note saying so.

    Parameters
    ----------
    series : CrimeSeries or DataFrame
        A monthly police.uk series (``force``, ``month``, ...): a ``CrimeSeries`` (a new one
        is returned, its ``notes`` extended) or its tidy frame (a new frame is returned,
        ``attrs["supply_gaps"]`` set).
    gaps : DataFrame, optional
        From :func:`supply_gaps`; computed from the series when not given.
    include : bool
        ``True`` keeps the months (the user's explicit choice); the gaps are still listed.

    Examples
    --------
    >>> df = pd.DataFrame({"force": "A", "month": pd.period_range("2022-01", periods=3, freq="M"),
    ...                    "crime_type": "Drugs", "count": [10, 3, 10]})
    >>> gaps = pd.DataFrame({"force": ["A"], "month": [pd.Period("2022-02", "M")]})
    >>> exclude_supply_gaps(df, gaps)["count"].tolist()
    [10, 10]
    """
    frame = series if isinstance(series, pd.DataFrame) else series.data
    if gaps is None:
        gaps = supply_gaps(frame)
    out = frame
    if len(gaps) and not include:
        key = pd.MultiIndex.from_arrays([gaps["force"], pd.PeriodIndex(gaps["month"], freq="M")])
        here = pd.MultiIndex.from_arrays([frame["force"], pd.PeriodIndex(frame["month"], freq="M")])
        out = frame[~here.isin(key)].reset_index(drop=True)
    if isinstance(series, pd.DataFrame):
        out = out.copy()
        out.attrs = {**frame.attrs, "supply_gaps": gaps}
        return out
    if not len(gaps):
        return series
    spans = "; ".join(f"{f} {g['month'].min()} to {g['month'].max()}" for f, g in gaps.groupby("force"))
    what = "kept at the user's request" if include else "left out of trends, forecasts and evaluations"
    note = (f"Data break: police.uk months that look like a partial supply gap ({spans}) are {what}; "
            f"{gaps['rule'].iloc[0] if 'rule' in gaps.columns else 'see the appendix'}.")
    return dataclasses.replace(series, data=out, notes=(*series.notes, note))
