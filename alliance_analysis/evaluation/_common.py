"""Shared pieces of the evaluation package: periods, thresholds, warnings, declared breaks, panels."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from alliance_analysis.errors import DataValidationError, ParameterError

log = logging.getLogger(__name__)


PERIOD_COLUMNS = ("month", "quarter", "period")

#: Thresholds used by :func:`verdict` (and stated in its text).
THRESHOLDS = {
    "alpha": 0.05,  # a test supports an effect only at p <= alpha AND a 95% interval excluding zero
    "sc_placebo_p": 0.10,  # synthetic control "unlikely to be chance" only at placebo p <= 0.10 ...
    "sc_min_placebos": 10,  # ... with at least 10 placebos (so that p <= 0.10 is attainable)
}
#: Below this many forces (treated + controls) difference-in-differences warns: the
#: randomisation test cannot reach p <= 0.05 (smallest attainable p is 1/G) and the t test
#: leans on roughly normal, equal-variance force-level changes.
MIN_CLUSTERS = 20


class SmallSampleWarning(UserWarning):
    """Few forces: inference is exact but coarse, or leans on distributional assumptions."""


class ConvergenceWarning(UserWarning):
    """The synthetic-control weight optimisation did not certify optimality."""


# --------------------------------------------------------------------------- periods


def _period_column(df: pd.DataFrame) -> str:
    for c in PERIOD_COLUMNS:
        if c in df.columns:
            if not isinstance(df[c].dtype, pd.PeriodDtype):
                raise DataValidationError(f"{c} must hold pandas Period values (got {df[c].dtype})", column=c,
                                          fix="convert with clean.to_month or pd.PeriodIndex(..., freq='Q')")
            return c
    raise DataValidationError("no period column", column="month",
                              fix="give a 'month', 'quarter' or 'period' column of pandas Period values")


def periods_per_year(freq) -> int:
    """Periods per year for a pandas Period frequency (monthly 12, quarterly 4, annual 1).

    Examples
    --------
    >>> periods_per_year(pd.Period("2013Q1").freq), periods_per_year(pd.Period("2013-01", "M").freq)
    (4, 12)
    """
    name = str(getattr(freq, "freqstr", freq))
    first = name.upper().lstrip("0123456789")[:1]
    if first == "M":
        return 12
    if first == "Q":
        return 4
    if first in ("Y", "A"):
        return 1
    raise ParameterError(f"period frequency {name!r} is not supported: use monthly, quarterly or annual periods")


def _change_period(change_date: str | pd.Period, freq) -> pd.Period:
    try:
        return pd.Period(change_date, freq=freq)
    except (ValueError, TypeError) as exc:
        raise ParameterError(f"change_date {change_date!r} is not a date (use e.g. '2013-10')") from exc


# --------------------------------------------------------------------------- data breaks


@dataclass(frozen=True)
class DataBreak:
    """A declared data-quality break: ``gap`` periods are excluded; ``recording_change`` adds a level shift."""

    kind: str  # "gap" or "recording_change"
    start: str
    end: str | None = None
    note: str = ""


def _missing(v) -> bool:
    if v is None:
        return True
    if isinstance(v, str):
        return v.strip() == ""
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def declared_breaks(data_breaks, first: pd.Period, last: pd.Period, change: pd.Period | None = None) -> pd.DataFrame:
    """Normalise declared data breaks and keep those overlapping ``first``..``last``.

    ``data_breaks`` is a DataFrame or a list of dicts (``start``, optional ``end`` and
    ``description``; e.g. ``alliance_analysis.taxonomy.data_breaks()``) or :class:`DataBreak`
    objects. An empty ``end`` means the break is still in force. With ``change`` (the first
    post period), ``overlaps_post`` marks breaks in force during the post-period.

    Examples
    --------
    >>> b = declared_breaks([{"start": "2014-01-01", "end": "2016-12-31", "description": "recording uplift"}],
    ...                     pd.Period("2013-01", "M"), pd.Period("2015-12", "M"))
    >>> b[["start", "end", "description"]].to_dict("records")
    [{'start': '2014-01-01', 'end': '2016-12-31', 'description': 'recording uplift'}]
    """
    cols = ["start", "end", "description", "kind", "overlaps_post"]
    if data_breaks is None:
        return pd.DataFrame(columns=cols)
    if isinstance(data_breaks, pd.DataFrame):
        rows = data_breaks.to_dict("records")
    else:
        rows = []
        for b in data_breaks:
            if isinstance(b, DataBreak):
                rows.append({"start": b.start, "end": b.end, "description": b.note or b.kind, "kind": b.kind})
            elif isinstance(b, dict):
                rows.append(dict(b))
            else:
                raise ParameterError(f"data break {b!r}: give dicts with start, end, description or DataBreak objects")
    out = []
    lo, hi = first.start_time, last.end_time
    for i, r in enumerate(rows, start=1):
        if _missing(r.get("start")):
            raise DataValidationError("data break has no start", column="start", row=i, fix="give a start date")
        try:
            start = pd.Timestamp(str(r["start"]))
            end_raw = r.get("end")
            open_end = _missing(end_raw)
            end = max(hi, start) if open_end else pd.Timestamp(str(end_raw))
        except (ValueError, TypeError) as exc:
            raise DataValidationError(f"data break date is not a date: {r.get('start')!r} / {r.get('end')!r}",
                                      column="start", row=i, fix="use ISO dates such as 2014-01-01") from exc
        if end < start:
            raise DataValidationError("data break ends before it starts", column="end", row=i, fix="swap start and end")
        if end < lo or start > hi:
            continue
        desc = r.get("description") or r.get("note") or r.get("break_id") or ""
        out.append({"start": start.strftime("%Y-%m-%d"), "end": "" if open_end else end.strftime("%Y-%m-%d"),
                    "description": str(desc), "kind": str(r.get("kind", "") or ""),
                    "overlaps_post": bool(change is not None and end >= change.start_time)})
    return pd.DataFrame(out, columns=cols)


def _breaks_text(b: pd.DataFrame) -> str:
    if b is None or b.empty:
        return ""
    items = [f"{r.start} to {r.end or 'now'} ({r.description})" for r in b.itertuples()]
    text = "Declared data breaks in the window: " + "; ".join(items) + "."
    if "overlaps_post" in b.columns and b["overlaps_post"].any():
        names = [f"{r.start} to {r.end or 'now'}" for r in b[b["overlaps_post"]].itertuples()]
        text += (f" Breaks in force during the post-period ({'; '.join(names)}) could explain part of any change: "
                 "check the affected offence groups before attributing it to the policy.")
    return text


# --------------------------------------------------------------------------- panels


def _panel(df: pd.DataFrame, units: Sequence[str], what: str) -> tuple[pd.DataFrame, str]:
    pc = _period_column(df)
    for c in ("force", "count"):
        if c not in df.columns:
            raise DataValidationError("column is missing", column=c, fix=f"give 'force', '{pc}' and 'count'")
    sub = df[df["force"].isin(list(units))]
    if (sub["count"] < 0).any():
        raise DataValidationError("negative counts", column="count", fix="counts must be >= 0")
    wide = sub.pivot_table(index=pc, columns="force", values="count", aggfunc="sum").sort_index()
    missing = sorted(set(units) - set(wide.columns))
    if missing:
        raise DataValidationError(f"no data for forces {missing}", column="force", fix=f"check the {what}")
    wide = wide.reindex(pd.period_range(wide.index.min(), wide.index.max(), freq=wide.index.freq))
    if wide.isna().any().any():
        gaps = wide.isna().stack()
        f, p = gaps[gaps].index[0]
        raise DataValidationError(f"the panel has gaps (first: {p} for {f})", column="count",
                                  fix="complete the panel or restrict it to periods every force reports")
    return wide[list(units)].astype(float), pc


def _check_design(treated: Sequence[str], controls: Sequence[str], t0: pd.Period, index: pd.PeriodIndex,
                  role: str = "controls") -> None:
    if not treated:
        raise ParameterError("no treated force given")
    both = sorted(set(treated) & set(controls))
    if both:
        raise ParameterError(f"{both} are both treated and {role}: remove them from {role}")
    if not controls:
        raise ParameterError(f"no {role} given: the design needs a comparison group")
    if not (index < t0).any():
        raise ParameterError(f"no pre-period: the change date {t0} is at or before the first period {index.min()}; "
                             "move the change date or supply earlier data")
    if not (index >= t0).any():
        raise ParameterError(f"no post-period: the change date {t0} is after the last period {index.max()}; "
                             "supply later data")
