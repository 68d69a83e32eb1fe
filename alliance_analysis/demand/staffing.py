"""Control-room staffing (Erlang C) and response-time compliance."""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from alliance_analysis.errors import DataValidationError, ParameterError

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- control room

def erlang_c(traffic: float | np.ndarray, agents: int | np.ndarray) -> float | np.ndarray:
    """Probability that a call waits (Erlang C), via the stable Erlang B recursion.

    Returns 1.0 where ``agents <= traffic`` (the queue is unstable: every call waits).

    Examples
    --------
    >>> round(erlang_c(2.0, 3), 6), erlang_c(3.0, 3)
    (0.444444, 1.0)
    """
    a = np.asarray(traffic, dtype=float)
    n = np.asarray(agents)
    a, n = np.broadcast_arrays(a, n)
    b = np.ones(a.shape)
    nmax = int(n.max()) if n.size else 0
    out = np.ones(a.shape)
    for k in range(1, nmax + 1):
        b = a * b / (k + a * b)
        at = n == k
        if at.any():
            stable = at & (a < k)
            c = k * b / (k - a * (1 - b))
            out = np.where(stable, c, out)
    out = np.where(n <= a, 1.0, out)
    return float(out) if out.ndim == 0 else out


def erlang_c_staffing(
    calls: float | Sequence[float] | np.ndarray,
    aht_seconds: float,
    *,
    interval_seconds: float = 1800.0,
    target_answer_seconds: float = 20.0,
    target_service_level: float = 0.8,
    shrinkage: float = 0.3,
    max_agents: int | None = None,
) -> pd.DataFrame:
    """Agents needed per interval to answer ``target_service_level`` of calls within the target.

    Vectorised over intervals: all intervals advance together through agent counts with
    the Erlang B recursion (no factorials), stopping at the first count meeting the
    target. Heavy load is handled: agents always exceed the traffic (a queue with
    traffic >= agents never clears), so waits are never negative.

    Returns
    -------
    DataFrame
        ``calls``, ``traffic_erlangs``, ``agents``, ``staff_rostered`` (agents / (1 - shrinkage),
        rounded up), ``service_level``, ``asa_seconds``, ``occupancy``.

    Examples
    --------
    >>> r = erlang_c_staffing([360], aht_seconds=300, interval_seconds=3600,
    ...                       target_answer_seconds=20, target_service_level=0.8, shrinkage=0.0)
    >>> int(r["agents"].item()), round(float(r["traffic_erlangs"].item()), 1)
    (36, 30.0)
    """
    if aht_seconds <= 0:
        raise ParameterError(f"aht_seconds {aht_seconds} must be positive (average handle time in seconds)")
    if interval_seconds <= 0:
        raise ParameterError(f"interval_seconds {interval_seconds} must be positive")
    if not 0 < target_service_level < 1:
        raise ParameterError(f"target_service_level {target_service_level} must be between 0 and 1")
    if not 0 <= shrinkage < 1:
        raise ParameterError(f"shrinkage {shrinkage} must be in [0, 1)")
    if target_answer_seconds < 0:
        raise ParameterError(f"target_answer_seconds {target_answer_seconds} must be >= 0")
    lam = np.atleast_1d(np.asarray(calls, dtype=float))
    if (lam < 0).any() or np.isnan(lam).any():
        raise ParameterError("calls must be non-negative numbers")
    a = lam * aht_seconds / interval_seconds
    limit = max_agents or int(np.ceil(a.max() + 10 * np.sqrt(a.max() + 1) + 10))
    agents = np.zeros(a.shape, dtype=int)
    sl = np.where(a == 0, 1.0, 0.0)
    done = a == 0
    b = np.ones(a.shape)
    for k in range(1, limit + 1):
        b = a * b / (k + a * b)
        stable = a < k
        with np.errstate(divide="ignore", invalid="ignore"):
            c = np.where(stable, k * b / (k - a * (1 - b)), 1.0)
            s = np.where(stable, 1 - c * np.exp(-(k - a) * target_answer_seconds / aht_seconds), 0.0)
        hit = ~done & stable & (s >= target_service_level)
        agents[hit], sl[hit] = k, s[hit]
        done |= hit
        if done.all():
            break
    if not done.all():
        raise ParameterError(f"max_agents {limit} is too few to meet the target in every interval; raise it")
    pw = erlang_c(a, np.maximum(agents, 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        asa = np.where(a > 0, pw * aht_seconds / (agents - a), 0.0)
        occ = np.where(agents > 0, a / agents, 0.0)
    return pd.DataFrame({
        "calls": lam, "traffic_erlangs": a, "agents": agents,
        "staff_rostered": np.ceil(agents / (1 - shrinkage)).astype(int),
        "service_level": sl, "asa_seconds": asa, "occupancy": occ,
    })


def erlang_c_performance(calls: float, aht_seconds: float, agents: int, *, interval_seconds: float = 1800.0,
                         target_answer_seconds: float = 20.0) -> dict[str, float]:
    """Service level, ASA and occupancy for a given number of agents; unstable load is explicit.

    Examples
    --------
    >>> erlang_c_performance(100, 180, 10)["stable"]   # A = 100 * 180 / 1800 = 10 = agents
    False
    """
    if aht_seconds <= 0:
        raise ParameterError(f"aht_seconds {aht_seconds} must be positive")
    a = calls * aht_seconds / interval_seconds
    if agents <= a:
        return {"traffic_erlangs": a, "stable": False, "service_level": 0.0, "asa_seconds": math.inf,
                "occupancy": 1.0}
    pw = erlang_c(a, agents)
    return {"traffic_erlangs": a, "stable": True,
            "service_level": 1 - pw * math.exp(-(agents - a) * target_answer_seconds / aht_seconds),
            "asa_seconds": pw * aht_seconds / (agents - a), "occupancy": a / agents}


def pooled_vs_separate(calls_a: Sequence[float], calls_b: Sequence[float], aht_seconds: float,
                       **kwargs) -> pd.DataFrame:
    """Agents for two separate control rooms vs one combined room handling both demands.

    Examples
    --------
    >>> r = pooled_vs_separate([100], [100], 180, interval_seconds=1800, shrinkage=0.0)
    >>> int(r["separate_agents"].item()) > int(r["pooled_agents"].item())
    True
    """
    a = np.asarray(calls_a, dtype=float)
    b = np.asarray(calls_b, dtype=float)
    if a.shape != b.shape:
        raise ParameterError("calls_a and calls_b must cover the same intervals")
    ra = erlang_c_staffing(a, aht_seconds, **kwargs)
    rb = erlang_c_staffing(b, aht_seconds, **kwargs)
    rp = erlang_c_staffing(a + b, aht_seconds, **kwargs)
    return pd.DataFrame({
        "calls_a": a, "calls_b": b, "agents_a": ra["agents"], "agents_b": rb["agents"],
        "separate_agents": ra["agents"] + rb["agents"], "pooled_agents": rp["agents"],
        "agents_saved": ra["agents"] + rb["agents"] - rp["agents"],
        "separate_staff": ra["staff_rostered"] + rb["staff_rostered"], "pooled_staff": rp["staff_rostered"],
    })


# --------------------------------------------------------------------------- response times

def wilson_interval(p: float | np.ndarray, n: int | np.ndarray, z: float = 1.96) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a proportion ``p`` from ``n`` trials.

    Examples
    --------
    >>> lo, hi = wilson_interval(0.95, 1000)
    >>> round(float(lo), 4), round(float(hi), 4)
    (0.9347, 0.9619)
    """
    p = np.asarray(p, dtype=float)
    n = np.asarray(n, dtype=float)
    if (n <= 0).any():
        raise ParameterError("n (number of incidents) must be positive")
    denom = 1 + z**2 / n
    centre = (p + z**2 / (2 * n)) / denom
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
    return centre - half, centre + half


def response_compliance(table: pd.DataFrame, *, n_incidents: int | Mapping[str, int]) -> pd.DataFrame:
    """Compliance (share within target) per period with Wilson intervals and a linear trend.

    The source (Table 4) prints percentages only; an interval needs the number of
    incidents, so ``n_incidents`` is a stated assumption per period (or per measure).

    Parameters
    ----------
    table : DataFrame
        ``measure``, ``period_label`` (in time order), ``value`` (percent).
    n_incidents : int or mapping measure -> int

    Returns
    -------
    DataFrame
        Input rows plus ``share``, ``ci_low``, ``ci_high``, ``trend_pp_per_period`` (least-squares
        slope in percentage points per period, per measure).

    Examples
    --------
    >>> t = pd.DataFrame({"measure": ["m"] * 3, "period_label": ["q1", "q2", "q3"], "value": [95.0, 94.0, 93.0]})
    >>> float(response_compliance(t, n_incidents=1000)["trend_pp_per_period"].iloc[0])
    -1.0
    """
    out = table.copy()
    if ((out["value"] < 0) | (out["value"] > 100)).any():
        raise DataValidationError("percentages must be in 0-100", column="value", fix="give values in percent")
    out["share"] = out["value"] / 100
    n = out["measure"].map(n_incidents) if isinstance(n_incidents, Mapping) else pd.Series(n_incidents, index=out.index)
    if n.isna().any():
        raise ParameterError(f"n_incidents has no value for {sorted(out.loc[n.isna(), 'measure'].unique())}")
    out["n_assumed"] = n.astype(int)
    lo, hi = wilson_interval(out["share"].to_numpy(), out["n_assumed"].to_numpy())
    out["ci_low"], out["ci_high"] = lo, hi
    slopes = {}
    for m, g in out.groupby("measure", sort=False):
        x = np.arange(len(g), dtype=float)
        slopes[m] = float(np.polyfit(x, g["value"].to_numpy(dtype=float), 1)[0]) if len(g) > 1 else np.nan
    out["trend_pp_per_period"] = out["measure"].map(slopes).round(10)
    return out


#: Incidents a quarter assumed for the response-time intervals (the paper prints percentages only).
ASSUMED_INCIDENTS = {"Emergency incidents responded to within 20 minutes": 2000,
                     "Priority incidents responded to within 60 minutes": 3000}


def seed_response_compliance(forces: Sequence[str]) -> tuple[pd.DataFrame, str]:
    """Response-time compliance from the source papers for the forces that published it.

    Only West Mercia's Table 4 (2012/13 Q3 - 2013/14 Q4) is in the papers; for any other
    selection the table is empty and the sentence says so.

    Returns
    -------
    (DataFrame, str)
        The compliance table (as :func:`response_compliance`) and one sentence for the report.

    Examples
    --------
    >>> t, why = seed_response_compliance(["Dorset"])
    >>> t.empty, why
    (True, 'The source papers publish response-time compliance for West Mercia only; none for Dorset.')
    """
    from alliance_analysis.datasets.seed import load_seed_table

    forces = list(forces)
    response = load_seed_table("response_times")
    t4 = response[(response["location"] == "Table 4") & response["force"].isin(forces)]
    if t4.empty:
        return pd.DataFrame(), ("The source papers publish response-time compliance for West Mercia only; "
                                f"none for {', '.join(forces)}.")
    table = response_compliance(t4[["measure", "period_label", "value"]], n_incidents=ASSUMED_INCIDENTS)
    who = ", ".join(sorted(t4["force"].unique()))
    return table, (f"Response-time compliance for {who} from Table 4 of the October 2014 panel paper; intervals "
                   f"assume {ASSUMED_INCIDENTS['Emergency incidents responded to within 20 minutes']:,} emergency "
                   f"and {ASSUMED_INCIDENTS['Priority incidents responded to within 60 minutes']:,} priority "
                   "incidents a quarter (the paper prints percentages only).")
