"""The performance measures: one long panel of numerators and denominators for every force.

Every measure is a ratio ``numerator / denominator x scale`` so a group of forces is its
members' summed numerators over their summed denominators (never an average of rates).

Annual (financial years), from the shipped Home Office and ONS series:

- recorded crime per 1,000 residents (excluding fraud), and harm (ONS Crime Severity
  Score: the severity-weighted crime rate per resident);
- arrests per 1,000 residents and per 100 recorded crimes (2006/07-2017/18);
- stop and search per 1,000 residents and the share leading to arrest (2006/07-2018/19);
- police officers (FTE at 31 March) per 1,000 residents, and harm per officer.

Quarterly (2017/18 Q1 - 2018/19 Q4), from the crime outcomes open data, on a stated
counting basis (``"recorded"``: outcomes so far of the offences recorded in the quarter,
as a share of those offences; ``"assigned"``: outcomes assigned in the quarter, as a share
of all outcomes assigned in it): the charge/summons rate and the shares of the main
outcome groups.

Examples
--------
>>> MEASURES["charge_rate"].label
'Charged or summonsed'
>>> sorted({m.frequency for m in MEASURES.values()})
['quarter', 'year']
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from alliance_analysis import clean
from alliance_analysis.errors import ParameterError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Measure:
    """One performance measure.

    ``chart``: ``"xmr"``, ``"p"`` (Laney p') or ``"u"`` (Laney u'); ``polarity``: +1 when
    higher is better, -1 when lower is better, 0 when neither is (the report then says
    "rising" / "falling"); ``unit``: how a value reads ("per 1,000 residents", "%").
    """

    key: str
    label: str
    unit: str
    chart: str
    scale: float
    polarity: int
    frequency: str
    source: str
    decimals: int = 1


MEASURES: dict[str, Measure] = {m.key: m for m in [
    Measure("crime_per_1000", "Recorded crime", "per 1,000 residents", "u", 1000, -1, "year",
            "Home Office recorded crime (excluding fraud); ONS mid-year population"),
    Measure("harm_per_1000", "Harm (Crime Severity Score)", "severity points per resident", "xmr", 1, -1, "year",
            "ONS Crime Severity Score"),
    Measure("arrests_per_1000", "Arrests", "per 1,000 residents", "u", 1000, 0, "year",
            "Home Office arrests by force; ONS population"),
    Measure("arrests_per_100_crimes", "Arrests per 100 recorded crimes", "per 100 crimes", "u", 100, 0, "year",
            "Home Office arrests and recorded crime"),
    Measure("stop_search_per_1000", "Stop and search", "per 1,000 residents", "u", 1000, 0, "year",
            "Home Office stop and search; ONS population"),
    Measure("stop_search_arrest_share", "Searches leading to arrest", "%", "p", 100, 1, "year",
            "Home Office stop and search with resultant arrests"),
    Measure("officers_per_1000", "Police officers", "FTE per 1,000 residents", "xmr", 1000, 1, "year",
            "Home Office police workforce (31 March); ONS population", 2),
    Measure("harm_per_officer", "Harm per officer", "severity points per officer", "xmr", 1, -1, "year",
            "ONS Crime Severity Score x population; Home Office workforce", 0),
    Measure("charge_rate", "Charged or summonsed", "%", "p", 100, 1, "quarter", "Home Office crime outcomes"),
    Measure("no_suspect_share", "Investigation complete, no suspect identified", "%", "p", 100, -1, "quarter",
            "Home Office crime outcomes"),
    Measure("evidential_victim_supports_share", "Evidential difficulties, victim supports action", "%", "p", 100,
            -1, "quarter", "Home Office crime outcomes"),
    Measure("evidential_no_victim_support_share", "Evidential difficulties, victim does not support action", "%",
            "p", 100, 0, "quarter", "Home Office crime outcomes"),
    Measure("out_of_court_share", "Out-of-court resolution", "%", "p", 100, 0, "quarter",
            "Home Office crime outcomes"),
]}

#: outcome measure -> Home Office outcome types in its numerator
OUTCOME_TYPES: dict[str, tuple[int, ...]] = {
    "charge_rate": (1,), "no_suspect_share": (18,), "evidential_victim_supports_share": (15,),
    "evidential_no_victim_support_share": (14, 16), "out_of_court_share": (2, 3, 6, 7, 8),
}
BASES = ("recorded", "assigned")
_COLS = ["measure", "force", "period", "period_start", "numerator", "denominator", "value"]


def _fy_start(fy: pd.Series) -> pd.Series:
    return pd.to_datetime(fy.str[:4] + "-04-01")


def _frame(measure: str, df: pd.DataFrame, num: str, den: str) -> pd.DataFrame:
    m = MEASURES[measure]
    d = df.dropna(subset=[num, den])
    d = d[d[den] > 0]
    out = pd.DataFrame({"measure": measure, "force": d["force"].to_numpy(), "period": d["period"].to_numpy(),
                        "period_start": d["period_start"].to_numpy(), "numerator": d[num].to_numpy(float),
                        "denominator": d[den].to_numpy(float)})
    out["value"] = out["numerator"] / out["denominator"] * m.scale
    return out


@lru_cache(maxsize=2)
def _annual_inputs() -> pd.DataFrame:
    from alliance_analysis.datasets import activity
    from alliance_analysis.series import default

    q = default.recorded_crime_quarterly()
    crime = q.groupby(["force", "financial_year"]).agg(crime=("count", "sum"), quarters=("quarter", "nunique"))
    crime = crime[crime["quarters"] == 4]["crime"]
    pop = default.population_by_year()
    pop = pop.assign(financial_year=[clean.fy_label(y) for y in pop["year"]]).set_index(
        ["force", "financial_year"])["population"]
    css = default.css_by_year()
    css = css[css["offence_group"] == "Total recorded crime"].set_index(["force", "financial_year"])["severity_score"]
    wf = default.workforce_by_year()
    wf = wf[wf["worker_type"] == "police_officer"]
    officers = wf.assign(financial_year=[clean.fy_label(y - 1) for y in wf["year"]]).set_index(
        ["force", "financial_year"])["value"]
    ss = activity.stop_search_by_force_year(activity.load_stop_search()).set_index(["force", "financial_year"])
    arr = activity.arrests_by_force_year(activity.load_arrests()).set_index(["force", "financial_year"])["arrests"]
    df = pd.concat({"crime": crime, "population": pop, "css": css, "officers": officers,
                    "searches": ss["searches"], "search_arrests": ss["resultant_arrests"], "arrests": arr}, axis=1)
    df = df.reset_index().rename(columns={"level_0": "force", "level_1": "financial_year"})
    df = df[df["force"].isin(clean.CANONICAL_FORCES)]
    df["harm"] = df["css"] * df["population"]
    df["period"] = df["financial_year"]
    df["period_start"] = _fy_start(df["financial_year"])
    return df.sort_values(["force", "period"]).reset_index(drop=True)


def annual_panel() -> pd.DataFrame:
    """Every annual measure for every territorial force: ``measure``, ``force``, ``period``
    ("2018/19"), ``period_start``, ``numerator``, ``denominator``, ``value`` (scaled).

    Examples
    --------
    >>> p = annual_panel()
    >>> r = p[(p["measure"] == "stop_search_arrest_share") & (p["force"] == "West Mercia") & (p["period"] == "2018/19")]
    >>> int(r["numerator"].iloc[0]), int(r["denominator"].iloc[0])
    (666, 4102)
    """
    df = _annual_inputs()
    parts = [_frame("crime_per_1000", df, "crime", "population"),
             _frame("harm_per_1000", df, "harm", "population"),
             _frame("arrests_per_1000", df, "arrests", "population"),
             _frame("arrests_per_100_crimes", df, "arrests", "crime"),
             _frame("stop_search_per_1000", df, "searches", "population"),
             _frame("stop_search_arrest_share", df, "search_arrests", "searches"),
             _frame("officers_per_1000", df, "officers", "population"),
             _frame("harm_per_officer", df, "harm", "officers")]
    return pd.concat(parts, ignore_index=True)[_COLS]


@lru_cache(maxsize=2)
def _outcomes_cached() -> pd.DataFrame:
    from alliance_analysis.datasets.outcomes import load_outcomes

    o = load_outcomes()
    return o.groupby(["force", "quarter", "financial_year", "financial_quarter", "offence_group", "outcome_type"],
                     as_index=False, observed=True)[["outcomes_of_recorded", "outcomes_assigned"]].sum()


def outcome_counts(outcomes: pd.DataFrame | None = None) -> pd.DataFrame:
    """Outcome counts by force, quarter, offence group and outcome type (both bases).

    ``outcomes``: a frame from :func:`alliance_analysis.datasets.outcomes.load_outcomes`;
    ``None`` uses the shipped 2017/18 and 2018/19 tables (read once per process).
    """
    if outcomes is None:
        return _outcomes_cached().copy()
    return outcomes.groupby(["force", "quarter", "financial_year", "financial_quarter", "offence_group",
                             "outcome_type"], as_index=False, observed=True)[
        ["outcomes_of_recorded", "outcomes_assigned"]].sum()


def outcome_panel(basis: str = "recorded", outcomes: pd.DataFrame | None = None, *,
                  by_offence_group: bool = False) -> pd.DataFrame:
    """The outcome measures per force and quarter on one counting basis.

    Parameters
    ----------
    basis : {"recorded", "assigned"}
        ``"recorded"``: outcomes so far of the offences recorded in the quarter over those
        offences (outcome not yet assigned included); ``"assigned"``: outcomes assigned in
        the quarter over all outcomes assigned in it.
    outcomes : DataFrame, optional
        A loaded outcomes table (default the shipped years).
    by_offence_group : bool
        Also split by offence group (an ``offence_group`` column).

    Returns
    -------
    DataFrame
        As :func:`annual_panel`, ``period`` like ``"2018Q2"`` (calendar quarter; FY 2018/19 Q1).

    Raises
    ------
    ParameterError
        An unknown basis.
    """
    if basis not in BASES:
        raise ParameterError(f"outcome basis {basis!r} is not one of {BASES}")
    col = "outcomes_of_recorded" if basis == "recorded" else "outcomes_assigned"
    c = outcome_counts(outcomes)
    c = c[c["force"].isin(clean.CANONICAL_FORCES)]
    keys = ["force", "quarter"] + (["offence_group"] if by_offence_group else [])
    den = c.groupby(keys, observed=True)[col].sum()
    parts = []
    for key, types in OUTCOME_TYPES.items():
        num = c[c["outcome_type"].isin(types)].groupby(keys, observed=True)[col].sum()
        d = pd.concat({"num": num, "den": den}, axis=1).fillna(0).reset_index()
        d["period"] = d["quarter"].astype(str)
        d["period_start"] = d["quarter"].dt.start_time
        f = _frame(key, d, "num", "den")
        if by_offence_group:
            f["offence_group"] = d.loc[d["den"] > 0, "offence_group"].to_numpy()
        parts.append(f)
    out = pd.concat(parts, ignore_index=True)
    out.attrs["basis"] = basis
    return out


def with_group(panel: pd.DataFrame, forces: Sequence[str], name: str) -> pd.DataFrame:
    """``panel`` plus rows for a group of forces (summed numerators over summed denominators),
    for the periods where every member has data.

    Examples
    --------
    >>> p = pd.DataFrame({"measure": "crime_per_1000", "force": ["A", "B"], "period": "2018/19",
    ...     "period_start": pd.Timestamp("2018-04-01"), "numerator": [10.0, 30.0], "denominator": [1000.0, 3000.0],
    ...     "value": [10.0, 10.0]})
    >>> r = with_group(p, ["A", "B"], "A and B").iloc[-1]
    >>> r["force"], float(r["numerator"]), float(r["value"])
    ('A and B', 40.0, 10.0)
    """
    forces = list(dict.fromkeys(forces))
    if len(forces) < 2:
        return panel.copy()
    extra = [c for c in panel.columns if c not in _COLS]
    keys = ["measure", "period", "period_start"] + extra
    mem = panel[panel["force"].isin(forces)]
    g = mem.groupby(keys, as_index=False, dropna=False).agg(numerator=("numerator", "sum"),
                                                            denominator=("denominator", "sum"),
                                                            members=("force", "nunique"))
    g = g[g["members"] == len(forces)].drop(columns="members")
    g["force"] = name
    g["value"] = g["numerator"] / g["denominator"] * g["measure"].map({k: m.scale for k, m in MEASURES.items()})
    return pd.concat([panel, g[panel.columns]], ignore_index=True)


#: police.uk outcome group -> the measure whose numerator it is
_POLICE_UK_GROUPS = {"charge_rate": "Charged or summonsed", "no_suspect_share": "No suspect identified",
                     "evidential_no_victim_support_share": "Evidential difficulties",
                     "out_of_court_share": "Out-of-court"}
#: a month's latest outcomes count as settled when the share of its crimes still awaiting an outcome is
#: within this many percentage points of the archive's lowest month (see :func:`street_maturity`)
SETTLED_MARGIN_PP = 5.0


def _group_panel(counts: pd.DataFrame) -> pd.DataFrame:
    den = counts.groupby(["force", "month"])["count"].sum()
    parts = []
    for key, group in _POLICE_UK_GROUPS.items():
        num = counts[counts["outcome_group"] == group].groupby(["force", "month"])["count"].sum()
        d = pd.concat({"num": num, "den": den}, axis=1).fillna(0).reset_index()
        d["period"] = d["month"].astype(str)
        d["period_start"] = d["month"].dt.start_time
        parts.append(_frame(key, d, "num", "den"))
    return pd.concat(parts, ignore_index=True)


def street_outcome_panel(street: pd.DataFrame) -> pd.DataFrame:
    """Monthly outcome shares from police.uk street files (:func:`datasets.outcomes.load_street_outcomes`).

    The share of each month's crimes whose last known outcome falls in each group; the
    charge rate counts "Charged or summonsed" (court outcomes included). Returns the panel
    columns with ``period`` like ``"2019-01"``.
    """
    return _group_panel(street)


def assigned_outcome_panel(outcomes: pd.DataFrame) -> pd.DataFrame:
    """Monthly outcome shares from police.uk outcomes files
    (:func:`datasets.outcomes.load_police_uk_outcome_files`): each group's share of the police
    outcomes given in the month, whenever the crime was recorded. Court results (a later event
    for a crime already counted as charged) are in neither numerator nor denominator.

    Examples
    --------
    >>> o = pd.DataFrame({"force": "Dorset", "month": pd.Period("2020-01", "M"),
    ...                   "outcome_group": ["Charged or summonsed", "No suspect identified", "Court result"],
    ...                   "count": [1, 3, 5]})
    >>> p = assigned_outcome_panel(o).set_index("measure")
    >>> float(p.loc["charge_rate", "value"]), float(p.loc["charge_rate", "denominator"])
    (25.0, 4.0)
    """
    return _group_panel(outcomes[outcomes["outcome_group"] != "Court result"])


def street_maturity(street: pd.DataFrame, *, margin_pp: float = SETTLED_MARGIN_PP) -> pd.DataFrame:
    """How settled each month's latest outcomes are, for the forces in ``street`` taken together.

    police.uk street files give each crime's latest outcome when the archive was published,
    so the most recent months still hold many crimes "under investigation" (or with no status
    update): their charge shares are low and their other shares distorted, not because
    performance changed. A month is *settled* when the share of its crimes still awaiting an
    outcome is within ``margin_pp`` points of the archive's lowest month; every month after
    the last settled one is *maturing* and is left out of judgements.

    Returns
    -------
    DataFrame
        ``month``, ``crimes``, ``awaiting`` (crimes without an outcome yet), ``awaiting_pct``,
        ``settled`` (bool); ``attrs["threshold_pct"]``.

    Examples
    --------
    Awaiting 2%, 3%, 9%, 4%, 30%: threshold 2 + 5 = 7%, so the last settled month is the fourth
    (4%) and only the fifth is maturing:

    >>> st = pd.DataFrame({"month": pd.period_range("2020-01", periods=5, freq="M").repeat(2),
    ...                    "outcome_group": ["Not yet assigned", "No suspect identified"] * 5,
    ...                    "count": [2, 98, 3, 97, 9, 91, 4, 96, 30, 70]})
    >>> street_maturity(st)["settled"].tolist()
    [True, True, True, True, False]
    """
    tot = street.groupby("month")["count"].sum()
    wait = street[street["outcome_group"] == "Not yet assigned"].groupby("month")["count"].sum()
    out = pd.DataFrame({"crimes": tot, "awaiting": wait.reindex(tot.index).fillna(0).astype("int64")})
    out["awaiting_pct"] = 100 * out["awaiting"] / out["crimes"]
    threshold = float(out["awaiting_pct"].min()) + margin_pp if len(out) else float("nan")
    ok = np.flatnonzero(out["awaiting_pct"].to_numpy() <= threshold)
    last = int(ok[-1]) if len(ok) else -1
    out["settled"] = np.arange(len(out)) <= last
    out = out.reset_index().rename(columns={"index": "month"})
    out.attrs["threshold_pct"] = threshold
    return out


def series_of(panel: pd.DataFrame, measure: str, force: str) -> pd.DataFrame:
    """One force's series of one measure, in time order (a copy)."""
    s = panel[(panel["measure"] == measure) & (panel["force"] == force)]
    if "offence_group" in s.columns:
        s = s[s["offence_group"].isna()] if s["offence_group"].isna().any() else s
    return s.sort_values("period_start").reset_index(drop=True)


def latest_common_period(panel: pd.DataFrame, measure: str) -> str | None:
    """The latest period in which at least 30 territorial forces have the measure."""
    s = panel[(panel["measure"] == measure) & panel["force"].isin(clean.CANONICAL_FORCES)]
    counts = s.groupby("period_start")["force"].nunique()
    ok = counts[counts >= 30]
    if ok.empty:
        return None
    return str(s.loc[s["period_start"] == ok.index.max(), "period"].iloc[0])


def np_float(x: object) -> float:
    """A finite float or NaN."""
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return float("nan")
    return v if np.isfinite(v) else float("nan")
