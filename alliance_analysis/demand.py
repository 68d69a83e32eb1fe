"""Demand analysis: volume, harm, trends, demand vs resources, control-room staffing.

Answers the Police Foundation review's questions (seed 002, paras 17, 33, 46, 68, 90):
what demand there is and where (volume, share, rate per 1,000 residents, seasonality);
how much harm it carries (ONS Crime Severity Score, Cambridge Crime Harm Index); which
demand is rising or diminishing (count regression with seasonality, multiple-comparison
corrected); whether each partner's cost share matches its share of demand; and how many
call handlers a control room needs (Erlang C), pooled or separate.

Examples
--------
>>> round(erlang_c(2.0, 3), 12)   # A = 2 Erlangs, N = 3 agents: 4/9
0.444444444444
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from alliance_analysis import taxonomy
from alliance_analysis.errors import DataValidationError, ParameterError

log = logging.getLogger(__name__)

HARM_APPROXIMATION = (
    "police.uk crime types are broader than Home Office offence subgroups: each type's harm "
    "weight is the count-weighted mean of its subgroups' weights (weights file's own counts), "
    "so mixed types (e.g. violence and sexual offences) are approximated"
)


def _check_counts(df: pd.DataFrame, *, value: str = "count", source: str | None = None) -> None:
    if value not in df.columns:
        raise DataValidationError("column is missing", file=source, column=value, fix="counts go in a 'count' column")
    vals = pd.to_numeric(df[value], errors="coerce")
    bad = vals.isna() | (vals < 0)
    if bad.any():
        i = int(bad.to_numpy().nonzero()[0][0])
        raise DataValidationError(f"count {df[value].iloc[i]!r} is negative or missing", file=source, column=value,
                                  row=i + 1, fix="counts must be non-negative numbers")
    if "crime_type" in df.columns:
        unknown = sorted(set(df["crime_type"].astype(str)) - set(taxonomy.ALL_POLICE_UK_CRIME_TYPES))
        if unknown:
            raise DataValidationError(f"unknown crime types {unknown}", file=source, column="crime_type",
                                      fix=f"use police.uk crime types: {', '.join(taxonomy.POLICE_UK_CRIME_TYPES)}")


# --------------------------------------------------------------------------- profile

def demand_profile(
    df: pd.DataFrame,
    *,
    population: pd.DataFrame | None = None,
    groups: Mapping[str, Sequence[str]] | None = None,
    by: str = "crime_type",
) -> pd.DataFrame:
    """Volume, share of total and rate per 1,000 residents by force (and group) and ``by``.

    Parameters
    ----------
    df : DataFrame
        Tidy counts with ``force``, ``by`` and ``count`` (any period: summed).
    population : DataFrame, optional
        ``force``, ``population``; every force in ``df`` must be present.
    groups : mapping, optional
        Group name -> member forces; each group is added as the sum of its members.
    by : str
        Category column (``crime_type`` or ``offence_group``).

    Returns
    -------
    DataFrame
        ``area``, ``area_type`` (force/group), ``by``, ``count``, ``share`` (of the area's
        total; sums to 1 per area), and ``rate_per_1000`` when population is given.

    Examples
    --------
    >>> d = pd.DataFrame({"force": ["A", "A", "B"], "crime_type": ["Drugs", "Robbery", "Drugs"],
    ...                   "count": [30, 10, 20]})
    >>> p = demand_profile(d, population=pd.DataFrame({"force": ["A", "B"], "population": [1000, 4000]}),
    ...                    groups={"A+B": ["A", "B"]})
    >>> p.loc[p["area"] == "A+B", ["crime_type", "count", "rate_per_1000"]].values.tolist()
    [['Drugs', 50, 10.0], ['Robbery', 10, 2.0]]
    """
    _check_counts(df)
    for col in ("force", by):
        if col not in df.columns:
            raise DataValidationError("column is missing", column=col, fix=f"the table needs 'force' and '{by}'")
    base = df.groupby(["force", by], as_index=False)["count"].sum().rename(columns={"force": "area"})
    base["area_type"] = "force"
    frames = [base]
    for name, members in (groups or {}).items():
        missing = sorted(set(members) - set(base["area"]))
        if missing:
            raise ParameterError(f"group {name!r}: no data for member forces {missing}")
        g = base[base["area"].isin(members)].groupby(by, as_index=False)["count"].sum()
        g["area"], g["area_type"] = name, "group"
        frames.append(g)
    out = pd.concat(frames, ignore_index=True)
    out["share"] = out["count"] / out.groupby("area")["count"].transform("sum")
    if population is not None:
        pop = population.set_index("force")["population"]
        area_pop = {f: pop.get(f) for f in base["area"].unique()}
        missing = sorted(f for f, v in area_pop.items() if v is None or pd.isna(v))
        if missing:
            raise DataValidationError(f"no population for {missing}", column="population",
                                      fix="supply a population row for every force (e.g. load_census_2011_population())")
        for name, members in (groups or {}).items():
            area_pop[name] = sum(area_pop[m] for m in members)
        out["population"] = out["area"].map(area_pop)
        out["rate_per_1000"] = (out["count"] / out["population"] * 1000).round(6)
    return out[["area", "area_type", by, "count", "share", *[c for c in ("population", "rate_per_1000") if c in out]]]


def seasonality_index(df: pd.DataFrame, *, by: Sequence[str] = ("crime_type",)) -> pd.DataFrame:
    """Month-of-year index: mean count in that calendar month / mean over all months (1 = average).

    Examples
    --------
    >>> d = pd.DataFrame({"crime_type": ["Drugs"] * 2, "month": pd.PeriodIndex(["2020-01", "2020-02"], freq="M"),
    ...                   "count": [10, 30]})
    >>> seasonality_index(d)["index"].tolist()
    [0.5, 1.5]
    """
    _check_counts(df)
    by = list(by)
    tot = df.groupby([*by, "month"], as_index=False)["count"].sum()
    tot["month_of_year"] = tot["month"].dt.month
    moy = tot.groupby([*by, "month_of_year"], as_index=False)["count"].mean()
    moy["index"] = moy["count"] / moy.groupby(by)["count"].transform("mean")
    return moy[[*by, "month_of_year", "index"]]


# --------------------------------------------------------------------------- harm

def police_uk_harm_weights(weights: pd.DataFrame, *, category: str = "category", weight: str = "cchi_days",
                           volume: str | None = "national_count_2024_25") -> pd.DataFrame:
    """Collapse subgroup harm weights to police.uk crime types (count-weighted mean).

    The result carries ``attrs["approximation"]`` stating the approximation.

    Examples
    --------
    >>> w = pd.DataFrame({"category": ["Burglary", "Burglary"], "cchi_days": [273.5, 183.5],
    ...                   "national_count_2024_25": [3, 1]})
    >>> police_uk_harm_weights(w)["weight"].tolist()   # (273.5*3 + 183.5*1) / 4
    [251.0]
    """
    for c in (category, weight):
        if c not in weights.columns:
            raise DataValidationError("column is missing", column=c, fix="the weights file needs a category and a weight column")
    w = weights.copy()
    w["_v"] = w[volume] if volume and volume in w.columns else 1.0
    w["_wv"] = w[weight] * w["_v"]
    g = w.groupby(category, as_index=False)[["_wv", "_v"]].sum()
    g["weight"] = g["_wv"] / g["_v"]
    g["crime_type"] = g[category].map(taxonomy.canonical_crime_type)
    out = g[["crime_type", "weight"]]
    out.attrs["approximation"] = HARM_APPROXIMATION
    return out


def harm_weighted(df: pd.DataFrame, weights: pd.DataFrame, *, key: str = "crime_type",
                  weight: str = "weight") -> pd.DataFrame:
    """Add ``harm`` = count x weight; every category must have a weight (error lists those missing).

    Examples
    --------
    >>> d = pd.DataFrame({"crime_type": ["Drugs", "Robbery"], "count": [10, 2]})
    >>> w = pd.DataFrame({"crime_type": ["Drugs", "Robbery"], "weight": [3.0, 365.0]})
    >>> harm_weighted(d, w)["harm"].tolist()
    [30.0, 730.0]
    """
    _check_counts(df)
    missing = sorted(set(df[key]) - set(weights[key]))
    if missing:
        raise DataValidationError(f"no harm weight for {missing}", column=key,
                                  fix="add weights for these categories to the weights file")
    out = df.merge(weights[[key, weight]], on=key, how="left")
    out["harm"] = out["count"] * out[weight].astype(float)
    out.attrs.update(df.attrs)
    return out


def rank_volume_vs_harm(df: pd.DataFrame, *, key: str = "crime_type") -> pd.DataFrame:
    """Rank categories by volume and by harm (1 = largest) with shares and rank change.

    Examples
    --------
    >>> d = pd.DataFrame({"crime_type": ["Shoplifting", "Robbery"], "count": [100, 5], "harm": [100.0, 1825.0]})
    >>> rank_volume_vs_harm(d)[["crime_type", "volume_rank", "harm_rank"]].values.tolist()
    [['Robbery', 2, 1], ['Shoplifting', 1, 2]]
    """
    g = df.groupby(key, as_index=False)[["count", "harm"]].sum()
    g["volume_share"] = g["count"] / g["count"].sum()
    g["harm_share"] = g["harm"] / g["harm"].sum()
    g["volume_rank"] = g["count"].rank(ascending=False, method="min").astype(int)
    g["harm_rank"] = g["harm"].rank(ascending=False, method="min").astype(int)
    g["rank_change"] = g["volume_rank"] - g["harm_rank"]
    return g.sort_values("harm_rank").reset_index(drop=True)


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


# --------------------------------------------------------------------------- resources

def demand_vs_split(
    shares: pd.DataFrame,
    split: Mapping[str, float],
    *,
    budget_gbp: float,
) -> pd.DataFrame:
    """Compare a cost-sharing split with each force's share of population, crime, harm, workforce.

    Parameters
    ----------
    shares : DataFrame
        ``force``, ``basis`` (e.g. "population"), ``value`` (the force's quantity on that basis).
    split : mapping
        Force -> agreed cost share in percent (e.g. {"West Mercia": 69, "Warwickshire": 31}).
    budget_gbp : float
        The budget the split applies to (GBP, stated price base).

    Returns
    -------
    DataFrame
        ``force``, ``basis``, ``share_pct``, ``split_pct``, ``gap_pp`` (split - share) and
        ``gap_gbp`` (gap x budget: positive means the force pays more than its share).

    Examples
    --------
    >>> s = pd.DataFrame({"force": ["A", "B"], "basis": "population", "value": [60, 40]})
    >>> demand_vs_split(s, {"A": 70, "B": 30}, budget_gbp=100.0)[["force", "gap_pp", "gap_gbp"]].values.tolist()
    [['A', 10.0, 10.0], ['B', -10.0, -10.0]]
    """
    if budget_gbp <= 0:
        raise ParameterError(f"budget_gbp {budget_gbp} must be positive")
    total = sum(split.values())
    if abs(total - 100) > 1e-6:
        raise ParameterError(f"split {dict(split)} sums to {total}, not 100")
    missing = sorted(set(split) - set(shares["force"]))
    if missing:
        raise DataValidationError(f"no {sorted(shares['basis'].unique())} data for {missing}", column="force",
                                  fix="supply a value for every force in the split")
    s = shares[shares["force"].isin(split)].copy()
    s["share_pct"] = s["value"] / s.groupby("basis")["value"].transform("sum") * 100
    s["split_pct"] = s["force"].map(split).astype(float)
    s["gap_pp"] = s["split_pct"] - s["share_pct"]
    s["gap_gbp"] = s["gap_pp"] / 100 * budget_gbp
    return s[["force", "basis", "value", "share_pct", "split_pct", "gap_pp", "gap_gbp"]].reset_index(drop=True)


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


# --------------------------------------------------------------------------- notebook helpers

def harm_weights_from_file(path: str | None) -> pd.DataFrame | None:
    """Read a harm-weights file the user names; None when no file is given.

    Accepts the ONS CSS layout (``code_severity``, ``weight``: weights per offence code, for
    Home Office tables), the CCHI subgroup layout (``category``, ``cchi_days`` [, counts]:
    collapsed to police.uk types) and a plain ``crime_type``, ``weight`` table.

    Examples
    --------
    >>> harm_weights_from_file(None) is None
    True
    """
    if path is None:
        return None
    from pathlib import Path

    p = Path(path)
    if not p.exists():
        raise DataValidationError("weights file not found", file=p, fix="check weights file path, or set it to None")
    w = pd.read_csv(p, comment="#")
    if {"code_severity", "weight"} <= set(w.columns):
        from alliance_analysis.datasets.harm import load_css_weights

        out = load_css_weights(p).rename(columns={"css_weight": "weight"})[["offence_code", "weight"]]
        out.attrs["approximation"] = "ONS Crime Severity Score weights per Home Office offence code (use key='offence_code')"
        out.attrs["source"] = str(p)
        return out
    if {"category", "cchi_days"} <= set(w.columns):
        from alliance_analysis.datasets.harm import load_cchi_weights

        out = police_uk_harm_weights(load_cchi_weights(p), volume="national_count")
    elif {"crime_type", "weight"} <= set(w.columns):
        out = w[["crime_type", "weight"]].assign(crime_type=lambda d: d["crime_type"].map(taxonomy.canonical_crime_type))
        out.attrs["approximation"] = "weights given per police.uk crime type"
    else:
        raise DataValidationError("unrecognised weights layout", file=p,
                                  fix="give columns category + cchi_days (CCHI) or crime_type + weight")
    out.attrs["source"] = str(p)
    return out


def split_from_seed(forces: Sequence[str], override: Mapping[str, float] | None = None) -> dict[str, float]:
    """The agreed cost split for an alliance from the seed tables (resources or savings allocation).

    Examples
    --------
    >>> split_from_seed(["Warwickshire", "West Mercia"])
    {'West Mercia': 69.0, 'Warwickshire': 31.0}
    """
    if override is not None:
        return {k: float(v) for k, v in override.items()}
    from alliance_analysis.datasets.seed import load_seed_table

    t = load_seed_table("cost_splits")
    t = t[t["basis"].isin(["resources", "savings allocation"])]
    for _, g in t.groupby("alliance"):
        if set(g["force"]) == set(forces):
            return dict(zip(g["force"], g["share_pct"]))
    raise ParameterError(f"no agreed split in the seed tables for {sorted(forces)}; pass split={{force: percent}}")


WORKFORCE_MEASURES = ("officers_fte", "staff_fte", "pcso_fte")


def resource_shares(monthly: pd.DataFrame, population: pd.DataFrame, prc: pd.DataFrame | None = None,
                    weights: pd.DataFrame | None = None, workforce: pd.DataFrame | None = None,
                    workforce_measures: Sequence[str] = WORKFORCE_MEASURES) -> pd.DataFrame:
    """Each force's quantity on several bases (long: ``force``, ``basis``, ``value``).

    Bases: population; recorded crime and ASB in the monthly series; Home Office recorded
    crime (``prc``, when given); harm-weighted monthly demand (when ``weights`` given);
    workforce FTE (when ``workforce`` is given, tidy as from
    ``datasets.workforce.load_workforce``): the sum of ``workforce_measures`` at the latest
    ``as_at`` date that every force reports.

    Examples
    --------
    >>> m = pd.DataFrame({"force": ["A", "B"], "crime_type": ["Drugs", "Drugs"], "count": [3, 1]})
    >>> p = pd.DataFrame({"force": ["A", "B"], "population": [10, 30]})
    >>> resource_shares(m, p)["basis"].unique().tolist()
    ['population', 'recorded crime and ASB (monthly series)']
    """
    from alliance_analysis.plots import is_synthetic

    forces = sorted(monthly["force"].unique())
    tag = ", SYNTHETIC" if is_synthetic(monthly) else ""
    rows = [pd.DataFrame({"force": forces, "basis": "population",
                          "value": population.set_index("force").loc[forces, "population"].to_numpy()})]
    vol = monthly.groupby("force")["count"].sum()
    rows.append(pd.DataFrame({"force": forces, "basis": f"recorded crime and ASB (monthly series{tag})",
                              "value": vol.loc[forces].to_numpy()}))
    if prc is not None:
        tot = prc[prc["force"].isin(forces)].groupby("force")["count"].sum()
        fy = ", ".join(sorted(prc["financial_year"].unique()))
        rows.append(pd.DataFrame({"force": forces, "basis": f"Home Office recorded crime {fy}",
                                  "value": tot.loc[forces].to_numpy()}))
    if weights is not None:
        h = harm_weighted(monthly[monthly["crime_type"].isin(weights["crime_type"])], weights)
        hv = h.groupby("force")["harm"].sum()
        rows.append(pd.DataFrame({"force": forces, "basis": f"harm-weighted crime (monthly series{tag})",
                                  "value": hv.loc[forces].to_numpy()}))
    if workforce is not None:
        rows.append(_workforce_basis(workforce, forces, workforce_measures))
    return pd.concat(rows, ignore_index=True)


def _workforce_basis(workforce: pd.DataFrame, forces: list[str], measures: Sequence[str]) -> pd.DataFrame:
    for c in ("force", "as_at", "measure", "value"):
        if c not in workforce.columns:
            raise DataValidationError("workforce table column is missing", column=c,
                                      fix="load it with datasets.workforce.load_workforce")
    w = workforce[workforce["force"].isin(forces) & workforce["measure"].isin(measures)]
    absent = sorted(set(forces) - set(w["force"]))
    if absent:
        raise DataValidationError(f"no workforce figures {list(measures)} for {absent}", column="force",
                                  fix="use a workforce file that covers every selected force")
    dates = w.groupby("force")["as_at"].apply(set)
    common = set.intersection(*dates.tolist())
    if not common:
        raise DataValidationError(f"the forces {forces} share no workforce date", column="as_at",
                                  fix="use a workforce file with a common census date")
    latest = max(common)
    fte = w[w["as_at"] == latest].groupby("force")["value"].sum()
    when = pd.Timestamp(latest).strftime("%d %b %Y")
    return pd.DataFrame({"force": forces, "basis": f"workforce FTE ({' + '.join(measures)}) at {when}",
                         "value": fte.loc[forces].to_numpy(dtype=float)})


def plot_demand_heatmap(monthly: pd.DataFrame, *, title: str = "Monthly demand by crime type (all selected forces)"):
    """Heatmap of monthly counts (rows crime type, columns month), synthetic-labelled when needed."""
    import matplotlib.pyplot as plt

    from alliance_analysis.plots import apply_house_style, figure_title, is_synthetic

    apply_house_style()
    wide = monthly.groupby(["crime_type", "month"])["count"].sum().unstack("month")
    wide = wide.loc[wide.sum(axis=1).sort_values(ascending=False).index]
    fig, ax = plt.subplots(figsize=(11, 5.5))
    im = ax.imshow(np.log10(wide.to_numpy(dtype=float) + 1), aspect="auto", cmap="viridis")
    ax.set_yticks(range(len(wide.index)))
    ax.set_yticklabels(wide.index, fontsize=8)
    step = max(1, len(wide.columns) // 12)
    ax.set_xticks(range(0, len(wide.columns), step))
    ax.set_xticklabels([str(c) for c in wide.columns[::step]], rotation=45, fontsize=8)
    ax.grid(False)
    fig.colorbar(im, ax=ax, label="log10(count + 1)")
    figure_title(ax, title, synthetic=is_synthetic(monthly))
    fig.tight_layout()
    return fig


def plot_volume_vs_harm(ranked: pd.DataFrame, *, synthetic: bool = False):
    """Paired bars: each crime type's share of volume and of harm."""
    import matplotlib.pyplot as plt

    from alliance_analysis.plots import apply_house_style, figure_title

    apply_house_style()
    has_harm = "harm_share" in ranked.columns
    r = ranked.sort_values("harm_share" if has_harm else "volume_share")
    y = np.arange(len(r))
    fig, ax = plt.subplots(figsize=(9, 5.5))
    if has_harm:
        ax.barh(y - 0.2, r["volume_share"] * 100, height=0.4, label="share of volume")
        ax.barh(y + 0.2, r["harm_share"] * 100, height=0.4, label="share of harm")
    else:
        ax.barh(y, r["volume_share"] * 100, height=0.6, label="share of volume (no harm weights given)")
    ax.set_yticks(y)
    ax.set_yticklabels(r["crime_type"], fontsize=8)
    ax.set_xlabel("% of total")
    ax.legend()
    figure_title(ax, "Volume vs harm: where the harm is" if has_harm else "Volume only (no harm weights file given)",
                 synthetic=synthetic)
    fig.tight_layout()
    return fig


def plot_trends(trends: pd.DataFrame, *, synthetic: bool = False):
    """Annual % change with 95% intervals per series, coloured by classification."""
    import matplotlib.pyplot as plt

    from alliance_analysis.plots import apply_house_style, figure_title

    apply_house_style()
    t = trends.dropna(subset=["annual_change"]).sort_values("annual_change").reset_index(drop=True)
    label = t["crime_type"] + (" (" + t["force"] + ")" if "force" in t.columns else "")
    colours = t["trend"].map({"rising": "#c62828", "diminishing": "#1565c0", "stable": "#757575"})
    fig, ax = plt.subplots(figsize=(9, max(4, 0.25 * len(t))))
    ax.errorbar(t["annual_change"] * 100, range(len(t)),
                xerr=[(t["annual_change"] - t["ci_low"]) * 100, (t["ci_high"] - t["annual_change"]) * 100],
                fmt="none", ecolor="#9e9e9e")
    ax.scatter(t["annual_change"] * 100, range(len(t)), c=colours, zorder=3)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(range(len(t)))
    ax.set_yticklabels(label, fontsize=7)
    ax.set_xlabel("annual change, % (95% CI); red rising, blue diminishing, grey stable")
    figure_title(ax, "Rising and diminishing demand", synthetic=synthetic)
    fig.tight_layout()
    return fig


def plot_share_vs_split(gaps: pd.DataFrame):
    """Each force's share on each basis against its agreed cost share."""
    import matplotlib.pyplot as plt

    from alliance_analysis.plots import apply_house_style, figure_title, force_colour, grouped_bars

    apply_house_style()
    fig, ax = plt.subplots(figsize=(9, 4.5))
    bases = grouped_bars(gaps, category="basis", group="force", value="share_pct", ax=ax, label="{group} share")
    for i, f in enumerate(dict.fromkeys(gaps["force"])):
        split = gaps.loc[gaps["force"] == f, "split_pct"].iloc[0]
        ax.axhline(split, color=force_colour(f, i), ls="--", lw=1, label=f"{f} agreed split {split:g}%")
    ax.tick_params(axis="x", labelrotation=10)
    ax.set_ylabel("%")
    ax.set_ylim(0, 100)
    ax.legend(fontsize=7, ncol=2, loc="upper center")
    figure_title(ax, "Cost split vs shares of demand and population",
                 synthetic=any("SYNTHETIC" in b for b in bases))
    fig.tight_layout()
    return fig


def plot_staffing_curve(aht_seconds: float, *, max_calls: int = 300, interval_seconds: float = 1800.0, **kwargs):
    """Agents needed against calls per interval (Erlang C), one combined vs two equal rooms."""
    import matplotlib.pyplot as plt

    from alliance_analysis.plots import apply_house_style

    apply_house_style()
    calls = np.arange(0, max_calls + 1, 5, dtype=float)
    one = erlang_c_staffing(calls, aht_seconds, interval_seconds=interval_seconds, **kwargs)
    half = erlang_c_staffing(calls / 2, aht_seconds, interval_seconds=interval_seconds, **kwargs)
    fig, ax = plt.subplots()
    ax.plot(calls, one["agents"], label="one combined control room")
    ax.plot(calls, 2 * half["agents"], label="two rooms, demand split equally")
    ax.set_xlabel(f"calls per {int(interval_seconds / 60)} minutes")
    ax.set_ylabel("call handlers needed (before shrinkage)")
    ax.legend()
    ax.set_title(f"Erlang C staffing, AHT {aht_seconds:g} s")
    fig.tight_layout()
    return fig


def volume_and_harm(df: pd.DataFrame, weights: pd.DataFrame | None) -> pd.DataFrame:
    """Ranking by volume and, when weights are given, by harm; ``attrs["message"]`` says which.

    Examples
    --------
    >>> d = pd.DataFrame({"crime_type": ["Drugs"], "count": [4]})
    >>> volume_and_harm(d, None).attrs["message"].startswith("No harm weights file")
    True
    """
    if weights is None:
        g = df.groupby("crime_type", as_index=False)["count"].sum()
        g["volume_share"] = g["count"] / g["count"].sum()
        g["volume_rank"] = g["count"].rank(ascending=False, method="min").astype(int)
        out = g.sort_values("volume_rank").reset_index(drop=True)
        out.attrs["message"] = ("No harm weights file was given, so demand is shown by volume only. Name a "
                                "weights file (ONS Crime Severity Score or Cambridge Crime Harm Index) to rank by harm.")
        return out
    if "crime_type" not in weights.columns:
        raise ParameterError("these weights are per Home Office offence code (ONS CSS); the monthly series are by "
                             "police.uk crime type. Use a CCHI weights file here, or weight a Home Office table with "
                             "harm_weighted(prc, weights, key='offence_code')")
    out = rank_volume_vs_harm(harm_weighted(df[df["crime_type"].isin(weights["crime_type"])], weights))
    dropped = sorted(set(df["crime_type"]) - set(weights["crime_type"]))
    out.attrs["message"] = (f"Harm weights from {weights.attrs.get('source', 'the weights file')}. "
                            f"{weights.attrs.get('approximation', '')}. "
                            + (f"Not harm-weighted (no weight, e.g. not a crime): {', '.join(dropped)}." if dropped else ""))
    return out
