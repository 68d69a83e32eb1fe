"""Input validation: tidy or wide count frames to a (series x periods) matrix, and the season length.

Every check that a frame passed to :func:`alliance_analysis.forecasting.forecast_many` must pass
(columns, Period dtype and frequency, numeric, finite, non-negative counts, no duplicate
periods, no gaps) lives here and raises :class:`DataValidationError` naming the series,
period and column; nothing is coerced or dropped silently.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from alliance_analysis.errors import DataValidationError, ParameterError

TIME_COLUMNS = ("month", "quarter", "period", "year")


# --------------------------------------------------------------------------- validation

def season_length_of(freq: str) -> int:
    """Seasonal period of a pandas Period frequency: monthly 12, quarterly 4, annual 1.

    Examples
    --------
    >>> season_length_of("M"), season_length_of("Q-DEC"), season_length_of("Y-DEC")
    (12, 4, 1)
    """
    f = str(freq).upper()
    if f.startswith("M"):
        return 12
    if f.startswith("Q"):
        return 4
    if f.startswith("A") or f.startswith("Y"):
        return 1
    raise DataValidationError(f"period frequency {freq!r} is not monthly, quarterly or annual",
                              fix="aggregate to months (Period[M]), quarters (Period[Q]) or years (Period[Y]) first")


def time_column(df: pd.DataFrame, time: str | None = None) -> str:
    """The period column of a tidy frame: ``time`` if given, else the first of ``month``,
    ``quarter``, ``period``, ``year`` present, else the only column with a Period dtype.

    Examples
    --------
    >>> time_column(pd.DataFrame({"q": pd.period_range("2020Q1", periods=2, freq="Q"), "count": [1, 2]}))
    'q'
    """
    if time is not None:
        if time not in df.columns:
            raise DataValidationError(f"time column {time!r} is missing", column=time,
                                      fix="name an existing Period column")
        return time
    for c in TIME_COLUMNS:
        if c in df.columns:
            return c
    periods = [c for c in df.columns if isinstance(df[c].dtype, pd.PeriodDtype)]
    if len(periods) == 1:
        return periods[0]
    raise DataValidationError(f"no time column: none of {list(TIME_COLUMNS)} and {len(periods)} Period columns",
                              column="month", fix="name it with time=... or add a 'month' / 'quarter' Period column")


def _to_matrix(df: pd.DataFrame, keys: Sequence[str], value: str = "count", time: str = "month"
               ) -> tuple[pd.DataFrame, np.ndarray, pd.PeriodIndex]:
    keys = list(keys)
    if not isinstance(df, pd.DataFrame):
        raise ParameterError(f"df must be a DataFrame, not {type(df).__name__}")
    missing = [c for c in [*keys, time, value] if c not in df.columns]
    if missing:
        raise DataValidationError(f"columns {missing} are missing", column=missing[0],
                                  fix=f"give a tidy frame with columns {[*keys, time, value]}")
    if len(df) == 0:
        raise DataValidationError("the frame has no rows", fix="pass at least one series")
    if not isinstance(df[time].dtype, pd.PeriodDtype):
        raise DataValidationError(f"the {time} column has dtype {df[time].dtype}, not a pandas Period",
                                  column=time,
                                  fix=f"convert with df[{time!r}].dt.to_period('M') (monthly), ('Q') or ('Y')")
    freq = df[time].dtype.freq.freqstr
    if not freq.upper().startswith(("M", "Q", "A", "Y")):
        raise DataValidationError(f"period frequency {freq!r} is not monthly or quarterly (or annual)", column=time,
                                  fix="aggregate to months (Period[M]), quarters (Period[Q]) or years (Period[Y]) first")
    raw = df[value]
    if raw.dtype == object or isinstance(raw.dtype, pd.StringDtype):
        counts = pd.to_numeric(raw, errors="coerce")
        bad = counts.isna() & raw.notna()
        if bad.any():
            r = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataValidationError(f"series {dict(df.iloc[r][keys])} has a non-numeric count {raw.iloc[r]!r} in "
                                      f"{df.iloc[r][time]}", column=value, row=r, fix="counts must be numbers")
    else:
        counts = raw
    c = counts.to_numpy(dtype=float, na_value=np.nan)
    for mask, what, fix in ((np.isnan(c), "a missing count", "declare or fill the gap explicitly before forecasting"),
                            (np.isinf(c), "a non-finite count (inf)", "counts must be finite numbers"),
                            (c < 0, "a negative count", "counts must be >= 0; correct or drop the adjustment rows")):
        if mask.any():
            bad = df[mask]
            raise DataValidationError(f"series {dict(bad.iloc[0][keys])} has {what} in "
                                      f"{', '.join(map(str, bad[time].head(5)))}", column=value,
                                      row=int(np.flatnonzero(mask)[0]), fix=fix)
    groups = df.groupby(keys, sort=True, observed=True, dropna=False)
    code = groups.ngroup().to_numpy()
    index = groups.size().index.to_frame(index=False)
    ordinal = df[time].array.asi8
    first, last = ordinal.min(), ordinal.max()
    periods = pd.period_range(df[time].min(), df[time].max(), freq=df[time].dtype.freq)
    pos = ordinal - first
    flat = code * len(periods) + pos
    order = np.sort(flat)
    dup_at = np.flatnonzero(order[1:] == order[:-1])
    if len(dup_at):
        dup = pd.Series(flat).duplicated().to_numpy()
        bad = df[dup].iloc[0]
        raise DataValidationError(f"series {dict(bad[keys])} has {time} {bad[time]} more than once", column=time,
                                  row=int(np.flatnonzero(dup)[0]),
                                  fix=f"aggregate duplicates first (groupby keys + {time}, sum)")
    y = np.full((len(index), len(periods)), np.nan)
    y[code, pos] = c
    holes = np.isnan(y)
    if holes.any():
        i = int(np.flatnonzero(holes.any(axis=1))[0])
        months = ", ".join(str(periods[j]) for j in np.flatnonzero(holes[i])[:12])
        raise DataValidationError(f"series {dict(index.iloc[i])} has no value for {months} "
                                  f"({int(holes.any(axis=1).sum())} series have gaps)", column=time,
                                  fix="every series must cover the same run of periods: make gaps explicit with "
                                      "clean.complete_monthly_index and fill or shorten them before forecasting")
    del last
    return index, y, periods


def _wide_input(df: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray, pd.PeriodIndex]:
    """A wide frame (one row per series, index = keys, columns = a PeriodIndex)."""
    periods = pd.PeriodIndex(df.columns)
    expected = pd.period_range(periods[0], periods=len(periods), freq=periods.freq)
    if not periods.equals(expected):
        raise DataValidationError("the columns of a wide frame must be consecutive periods", column=str(periods[0]),
                                  fix="reindex the columns with pd.period_range(first, last) and fill gaps")
    y = df.to_numpy(dtype=float, na_value=np.nan)
    for mask, what in ((~np.isfinite(y), "a missing or non-finite count"), (y < 0, "a negative count")):
        if mask.any():
            i, j = np.argwhere(mask)[0]
            raise DataValidationError(f"series {df.index[i]!r} has {what} in {periods[j]}", column=str(periods[j]),
                                      row=int(i), fix="counts must be finite and >= 0")
    return df.index.to_frame(index=False), y, periods
