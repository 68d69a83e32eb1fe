"""Declared data breaks in the models: shock periods treated as missing, recording changes as a new start.

:func:`shock_mask` marks the periods of every series that a declared ``external shock``
(the 2020-21 lockdowns) covers for at least half the period; :func:`impute_shocks` replaces
them, for fitting only, by the value one season earlier (repeatedly, so a shock longer than a
season reaches back to the last normal season). Forecasts made from a shock period therefore
start from the pre-shock level and seasonal pattern rather than projecting the dip forward;
accuracy is still scored on the recorded counts.

:func:`regime_starts` gives, per series, the first period of the latest declared change of
``recording practice`` (the 2014-16 uplift) that covers it: the offence groups it names and
series that are totals over offences (no offence or crime-type key), which contain them.
Counts recorded before such a change are not comparable with those after it, so while it is
in force, once a full season has been recorded since it began, level and trend come from the
data since then and the season from the whole history
(:func:`alliance_analysis.forecasting.models._refit_since`); before that, and after the
change ends, the models use the whole history. Reclassifications (the 2017 burglary change)
are not adjusted: the burglary total is comparable across it.

Examples
--------
>>> q = pd.period_range("2019Q1", periods=12, freq="Q")
>>> b = pd.DataFrame({"start": [pd.Timestamp("2020-03-23")], "end": [pd.Timestamp("2021-07-19")],
...                   "kind": ["external shock"], "offence_groups": ["all"]})
>>> [str(p) for p, x in zip(q, shock_mask(q, b)[0]) if x]
['2020Q2', '2020Q3', '2020Q4', '2021Q1', '2021Q2']
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from alliance_analysis.errors import DataValidationError

SHOCK_KINDS = ("external shock",)
REGIME_KINDS = ("recording practice",)
OFFENCE_KEYS = ("offence_group", "offence_subgroup", "offence", "offence_code", "offence_description",
                "crime_type", "category")


def shock_mask(periods: pd.PeriodIndex, breaks: pd.DataFrame | None, categories: Sequence[str] | None = None
               ) -> np.ndarray:
    """Boolean (series, periods) mask of shock periods (one row for all series without ``categories``).

    A period is masked when a break of kind ``external shock`` covers at least half of its
    days and the break's ``offence_groups`` is ``all`` or names the series' category
    (``;``-separated).

    Examples
    --------
    >>> m = pd.period_range("2020-02", periods=3, freq="M")
    >>> b = pd.DataFrame({"start": ["2020-03-23"], "end": ["2020-06-30"], "kind": ["external shock"],
    ...                   "offence_groups": ["Burglary"]})
    >>> shock_mask(m, b, ["Burglary", "Robbery"]).astype(int).tolist()   # 9 of March's 31 days: not masked
    [[0, 0, 1], [0, 0, 0]]
    """
    rows = 1 if categories is None else len(categories)
    out = np.zeros((rows, len(periods)), bool)
    if breaks is None or len(breaks) == 0:
        return out
    missing = [c for c in ("start", "end", "kind") if c not in breaks.columns]
    if missing:
        raise DataValidationError(f"breaks lack columns {missing}", column=missing[0],
                                  fix="pass alliance_analysis.taxonomy.data_breaks() or a frame with start, end, "
                                      "kind and offence_groups")
    p_start = periods.start_time.to_numpy()
    p_end = (periods.end_time + pd.Timedelta(1, "ns")).to_numpy()
    days = (p_end - p_start) / np.timedelta64(1, "D")
    for _, b in breaks.iterrows():
        if str(b["kind"]).strip().lower() not in SHOCK_KINDS:
            continue
        start = pd.Timestamp(b["start"])
        end = pd.Timestamp(b["end"]) + pd.Timedelta(days=1) if pd.notna(b["end"]) else pd.Timestamp.max
        lo = np.maximum(p_start, start.to_datetime64())
        hi = np.minimum(p_end, end.to_datetime64())
        cover = np.clip((hi - lo) / np.timedelta64(1, "D"), 0, None) / days >= 0.5
        groups = str(b.get("offence_groups", "all")).strip()
        if categories is None or groups.lower() == "all":
            out |= cover[None, :]
        else:
            names = {g.strip() for g in groups.split(";")}
            hit = np.array([c in names for c in categories])
            out[hit] |= cover[None, :]
    return out


def impute_shocks(y: np.ndarray, mask: np.ndarray, m: int) -> np.ndarray:
    """A copy of ``y`` (series x periods) with masked values replaced by the value ``m`` periods earlier.

    Masked values at the very start (no earlier season) are left as they are.

    Examples
    --------
    >>> y = np.array([[10.0, 20, 11, 21, 1, 2, 13, 23]])
    >>> impute_shocks(y, np.array([[0, 0, 0, 0, 1, 1, 0, 0]], bool), 2).tolist()
    [[10.0, 20.0, 11.0, 21.0, 11.0, 21.0, 13.0, 23.0]]
    """
    out = np.array(y, dtype=float, copy=True)
    mask = np.broadcast_to(mask, out.shape)
    step = max(int(m), 1)
    for t in np.flatnonzero(mask.any(axis=0)):
        if t >= step:
            rows = mask[:, t]
            out[rows, t] = out[rows, t - step]
    return out


def regime_starts(periods: pd.PeriodIndex, breaks: pd.DataFrame | None, categories: Sequence[str] | None = None,
                  totals: np.ndarray | bool = False) -> np.ndarray:
    """Per series, the positions in ``periods`` of the first and last periods of the latest
    declared recording-practice change that covers it: an integer array (series x 2), first
    position 0 where none does.

    A break of kind ``recording practice`` covers a series when its ``offence_groups`` is
    ``all`` or names the series' category (``;``-separated), or when the series is a total over
    offences (``totals`` True for it: its sum includes the named groups). Its first period is
    the one containing the break's ``start``, its last the one containing its ``end`` (the last
    of ``periods`` when the end is missing or later); breaks starting before the second period
    or after the last one are ignored.

    Examples
    --------
    >>> q = pd.period_range("2013Q1", periods=8, freq="Q")
    >>> b = pd.DataFrame({"start": ["2014-01-01"], "end": ["2016-12-31"], "kind": ["recording practice"],
    ...                   "offence_groups": ["Sexual offences;Public order offences"]})
    >>> regime_starts(q, b, ["Sexual offences", "Robbery", "Force total"], np.array([False, False, True])).tolist()
    [[4, 7], [0, 0], [4, 7]]
    """
    rows = 1 if categories is None else len(categories)
    out = np.zeros((rows, 2), dtype=int)
    if breaks is None or len(breaks) == 0 or "kind" not in breaks.columns or "start" not in breaks.columns:
        return out
    tot = np.broadcast_to(np.asarray(totals, bool), (rows,))
    ends = periods.end_time.to_numpy()
    for _, b in breaks.iterrows():
        if str(b["kind"]).strip().lower() not in REGIME_KINDS or pd.isna(b["start"]):
            continue
        start = pd.Timestamp(b["start"])
        pos = int(np.searchsorted(ends, start.to_datetime64()))  # the period containing the start
        if pos < 1 or pos >= len(periods):
            continue
        last = len(periods) - 1 if pd.isna(b.get("end")) else int(
            min(np.searchsorted(ends, pd.Timestamp(b["end"]).to_datetime64()), len(periods) - 1))
        groups = str(b.get("offence_groups", "all")).strip()
        if categories is None or groups.lower() == "all":
            hit = np.ones(rows, bool)
        else:
            names = {g.strip() for g in groups.split(";")}
            hit = np.array([c in names for c in categories]) | tot
        later = hit & (pos > out[:, 0])
        out[later] = (pos, last)
    return out
