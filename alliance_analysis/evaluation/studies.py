"""The alliance evaluations as data, run on any crime series.

A *study* asks whether recorded crime in a set of treated forces (taken together as one
unit) moved after a change date, relative to comparison forces. The designs the package
ships are in ``data/raw/reference/evaluation_designs.csv``: the Warwickshire-West Mercia
alliance (November 2011) and its new policing model (30 September 2013) against West
Mercia's most similar group, and the Devon and Cornwall-Dorset alliance (March 2015)
against comparison forces chosen from the data by a stated rule. Every design carries
its source and the reason for its comparison forces.

:func:`run_study` runs an interrupted time series on the treated unit's counts, a
difference-in-differences on counts with calibrated small-cluster inference, and a
synthetic control on crime per 1,000 residents (ADH levels estimator) with placebos,
over a window of ``pre_start`` to ``post_years`` after the change, with the declared data
breaks; :func:`StudyResult.table` lays the three side by side. Where the data cannot
support a design (a treated force or too few comparison forces absent, the change outside
the data) :func:`run_study` returns a result whose ``skipped`` sentence says why.

Examples
--------
>>> d = designs()
>>> d["study"].tolist()[:2]
['Warwickshire-West Mercia alliance', 'Warwickshire-West Mercia new policing model']
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from alliance_analysis import clean, paths
from alliance_analysis.errors import DataValidationError, ParameterError

log = logging.getLogger(__name__)

DESIGNS_FILE = paths.REFERENCE_DIR / "evaluation_designs.csv"
MIN_DONORS = 2


@dataclass(frozen=True)
class Study:
    """One evaluation design.

    Attributes
    ----------
    name : str
    treated : tuple of str
        Forces taken together as the treated unit.
    change_date : str
        First month of the change (``"2011-11"``).
    donors : tuple of str
        Comparison forces (empty: chosen from the data by :func:`choose_donors`).
    donor_rule : str
        Why these comparison forces.
    exclude : tuple of str
        Forces never used as comparison (in another alliance, metropolitan...).
    pre_start : str
        First month of the pre-period.
    post_years : int
        Years after the change evaluated (later years mix in other changes).
    source : str
        Where the change date comes from.
    """

    name: str
    treated: tuple[str, ...]
    change_date: str
    donors: tuple[str, ...] = ()
    donor_rule: str = ""
    exclude: tuple[str, ...] = ()
    pre_start: str = "2007-04"
    post_years: int = 3
    source: str = ""

    @property
    def unit(self) -> str:
        """Name of the treated unit ("Warwickshire + West Mercia")."""
        return " + ".join(self.treated)


def _split(x: object) -> tuple[str, ...]:
    if x is None or (isinstance(x, float) and np.isnan(x)) or str(x).strip() == "":
        return ()
    return tuple(clean.canonical_force_name(s.strip()) for s in str(x).split(";") if s.strip())


def designs() -> pd.DataFrame:
    """The shipped evaluation designs (one row per study).

    Examples
    --------
    >>> designs().loc[2, "change_date"]
    '2015-03'
    """
    if not DESIGNS_FILE.exists():
        raise DataValidationError("evaluation designs file is missing", file=DESIGNS_FILE,
                                  fix="restore data/raw/reference/evaluation_designs.csv from the repository")
    return pd.read_csv(DESIGNS_FILE, dtype=str, keep_default_na=False)


def shipped_studies(names: Sequence[str] | None = None) -> list[Study]:
    """The shipped designs as :class:`Study` objects (all, or those named).

    Examples
    --------
    >>> [s.unit for s in shipped_studies(["Devon and Cornwall-Dorset alliance"])]
    ['Devon and Cornwall + Dorset']
    """
    d = designs()
    if names is not None:
        unknown = sorted(set(names) - set(d["study"]))
        if unknown:
            raise ParameterError(f"unknown studies {unknown}; the shipped designs are {d['study'].tolist()}")
        d = d[d["study"].isin(list(names))]
    out = []
    for _, r in d.iterrows():
        try:
            pd.Period(r["change_date"], "M")
        except ValueError:
            raise DataValidationError(f"change date {r['change_date']!r} is not a month", file=DESIGNS_FILE,
                                      column="change_date", fix="write it as YYYY-MM") from None
        out.append(Study(r["study"], _split(r["treated"]), r["change_date"], _split(r["donors"]), r["donor_rule"],
                         _split(r["exclude"]), r["pre_start"] or "2007-04", int(r["post_years"] or 3), r["source"]))
    return out


def custom_study(treated: str | Sequence[str], change_date: str, peers: str | Sequence[str] | None = None,
                 *, post_years: int = 3, pre_start: str | None = None) -> Study:
    """A study from notebook parameters (treated force or group, change date, peer group or forces).

    Examples
    --------
    >>> custom_study("West Mercia", "2013-10", "West Mercia most similar group").donors[:2]
    ('Devon and Cornwall', 'Gloucestershire')
    """
    t = tuple(clean.resolve_forces(treated))
    donors = tuple(f for f in clean.resolve_forces(peers) if f not in t) if peers else ()
    rule = f"the forces of {peers!r} except the treated" if isinstance(peers, str) else (
        "the comparison forces named in the parameters" if peers else "")
    return Study(f"{' + '.join(t)} from {change_date}", t, change_date, donors, rule, (),
                 pre_start or "2000-01", post_years, "notebook parameters")


def unit_panel(totals: pd.DataFrame, population: pd.DataFrame, study: Study, *, time: str) -> pd.DataFrame:
    """Recorded crime (count) and crime per 1,000 residents of the year (rate) by unit and period:
    the treated forces summed into one unit, every other force as itself.

    Parameters
    ----------
    totals : DataFrame
        ``force``, ``time``, ``count`` (all categories summed, fraud and ASB left out).
    population : DataFrame
        ``force``, ``year``, ``population`` (nearest year used outside the estimates).
    study : Study
    time : str
        The Period column.

    Examples
    --------
    >>> q = pd.PeriodIndex(["2013Q1", "2013Q1", "2013Q1"], freq="Q")
    >>> t = pd.DataFrame({"force": ["A", "B", "C"], "quarter": q, "count": [10, 30, 20]})
    >>> p = pd.DataFrame({"force": ["A", "B", "C"], "year": 2013, "population": [1000, 1000, 4000]})
    >>> unit_panel(t, p, Study("s", ("A", "B"), "2013-01"), time="quarter")[["force", "count", "rate"]].values.tolist()
    [['A + B', 40, 20.0], ['C', 20, 5.0]]
    """
    from alliance_analysis.demand.annual import population_for_years

    d = totals.copy()
    d["year"] = d[time].dt.year
    popy = population_for_years(population, sorted(d["year"].unique()), sorted(d["force"].unique()))
    d = d.merge(popy[["force", "year", "population"]].astype({"population": float}), on=["force", "year"],
                how="left")
    d["force"] = np.where(d["force"].isin(study.treated), study.unit, d["force"])
    out = d.groupby(["force", time], as_index=False)[["count", "population"]].sum()
    out["rate"] = out["count"] / out["population"] * 1000
    return out[["force", time, "count", "rate"]]


def choose_donors(panel: pd.DataFrame, study: Study, *, k: int = 8, time: str) -> tuple[list[str], pd.DataFrame]:
    """The ``k`` forces whose pre-period crime rate was closest to the treated unit's.

    Distance: root mean squared difference of the per-period rates per 1,000 residents over
    the pre-period. Forces in ``study.exclude`` and the treated forces are never chosen.

    Returns
    -------
    (list of str, DataFrame)
        The chosen forces, and every candidate with its distance and whether it was chosen.

    Examples
    --------
    >>> q = pd.period_range("2010Q1", periods=4, freq="Q")
    >>> p = pd.concat([pd.DataFrame({"force": f, "quarter": q, "rate": r}) for f, r in
    ...                [("T", 10.0), ("A", 11.0), ("B", 15.0), ("C", 9.5)]])
    >>> choose_donors(p, Study("s", ("T",), "2011-01"), k=2, time="quarter")[0]
    ['C', 'A']
    """
    freq = panel[time].dtype.freq
    t0 = pd.Period(study.change_date, "M").asfreq(freq, how="start")
    pre = panel[panel[time] < t0]
    wide = pre.pivot_table(index=time, columns="force", values="rate")
    if study.unit not in wide.columns:
        raise ParameterError(f"{study.unit} is not in the panel")
    cand = [c for c in wide.columns if c != study.unit and c not in study.exclude and c not in study.treated]
    dist = np.sqrt(((wide[cand].sub(wide[study.unit], axis=0)) ** 2).mean()).sort_values()
    chosen = list(dist.index[:k])
    table = pd.DataFrame({"force": dist.index, "rms_rate_difference": dist.to_numpy(),
                          "chosen": dist.index.isin(chosen)})
    return chosen, table


def recording_breaks(data_breaks: pd.DataFrame | None, t0: pd.Period, first: pd.Period,
                     last: pd.Period) -> tuple[list, list[str]]:
    """Recording-practice breaks the treated unit's time series can model, and notes for those it cannot.

    A recording-practice change (kind ``recording practice``) that starts inside the window
    at least a year away from the change gets its own level shift in the interrupted time
    series; one that starts within a year of the change cannot be told apart from it in
    the treated series alone, so the note says to rely on the comparisons with other forces
    (which the same national change also affected).

    Examples
    --------
    >>> b = pd.DataFrame({"start": [pd.Timestamp("2014-01-01")], "end": [pd.Timestamp("2016-12-31")],
    ...                   "kind": ["recording practice"], "description": ["uplift"], "break_id": ["u"]})
    >>> q = lambda s: pd.Period(s, "Q")
    >>> len(recording_breaks(b, q("2012Q1"), q("2007Q2"), q("2014Q4"))[0])
    1
    >>> recording_breaks(b, q("2013Q4"), q("2007Q2"), q("2016Q3"))[1][0][:45]
    'the u recording change starts 1 quarter after'
    """
    from alliance_analysis.evaluation import DataBreak

    if data_breaks is None or len(data_breaks) == 0:
        return [], []
    out, notes = [], []
    per_year = 4 if t0.freqstr.startswith("Q") else 12
    unit = "quarter" if per_year == 4 else "month"
    for _, b in data_breaks.iterrows():
        if str(b.get("kind", "")).lower() != "recording practice":
            continue
        start = pd.Period(pd.Timestamp(b["start"]), t0.freq)
        if not (first < start <= last):
            continue
        gap = (start - t0).n
        end = b.get("end")
        phased_into_post = end is not None and not pd.isna(end) and pd.Period(pd.Timestamp(end), t0.freq) >= t0
        if abs(gap) >= per_year:
            out.append(DataBreak("recording_change", str(start), None, str(b.get("description", ""))[:80]))
            if phased_into_post:
                notes.append(f"the {b.get('break_id', 'recording')} recording change was phased in until "
                             f"{pd.Timestamp(end).date()}, into the post-period; the treated forces' time series "
                             f"models it as one level shift from {start}, so its effect may still include part of "
                             "it: rely on the comparisons with other forces, which the same national change also "
                             "affected")
        else:
            notes.append(f"the {b.get('break_id', 'recording')} recording change starts {abs(gap)} {unit}"
                         f"{'s' if abs(gap) != 1 else ''} {'after' if gap >= 0 else 'before'} the change, so the "
                         "treated forces' own time series cannot separate the two: rely on the comparisons with "
                         "other forces, which the same national change also affected")
    return out, notes


@dataclass
class StudyResult:
    """A study's estimates (attributes are ``None`` where a method could not run)."""

    study: Study
    donors: list[str]
    donor_table: pd.DataFrame
    its: object | None
    did: object | None
    sc: object | None
    verdict: str
    window: str
    skipped: str = ""
    notes: list[str] = field(default_factory=list)

    def table(self) -> pd.DataFrame:
        """The three designs side by side: effect in percent with its interval and the test that backs it.

        Examples
        --------
        >>> StudyResult(Study("s", ("A",), "2013-01"), [], pd.DataFrame(), None, None, None, "", "").table().empty
        True
        """
        rows = []
        if self.its is not None:
            i = self.its
            rows.append({"method": "interrupted time series (treated unit alone)",
                         "effect_pct": i.percent_effect * 100, "ci_low_pct": i.percent_ci[0] * 100,
                         "ci_high_pct": i.percent_ci[1] * 100, "test": f"level change p = {i.level_p:.3f}"})
        if self.did is not None:
            d = self.did
            rows.append({"method": f"difference-in-differences ({d.n_controls} comparison forces)",
                         "effect_pct": d.effect * 100, "ci_low_pct": d.ci[0] * 100, "ci_high_pct": d.ci[1] * 100,
                         "test": f"small-cluster t p = {d.p_value:.3f}; randomisation p = {d.ri_p_value:.3f} "
                                 f"(smallest attainable {d.ri_min_p:.3f})"})
        if self.sc is not None:
            s = self.sc
            rows.append({"method": f"synthetic control, crime per 1,000 ({s.method}, {len(s.placebos) - 1} placebos)",
                         "effect_pct": s.effect * 100, "ci_low_pct": s.effect_ci[0] * 100,
                         "ci_high_pct": s.effect_ci[1] * 100,
                         "test": f"placebo rank {s.rank} of {len(s.placebos)}, p = {s.p_value:.3f}"})
        return pd.DataFrame(rows)


def run_study(totals: pd.DataFrame, population: pd.DataFrame, study: Study, *, time: str,
              data_breaks: pd.DataFrame | None = None, k_donors: int = 8) -> StudyResult:
    """Run one study on force x period totals (see the module docstring).

    Parameters
    ----------
    totals : DataFrame
        ``force``, ``time``, ``count``: recorded crime of every force available (fraud and ASB out).
    population : DataFrame
        ``force``, ``year``, ``population``.
    study : Study
    time : str
        Period column (``quarter`` or ``month``).
    data_breaks : DataFrame, optional
        Declared data breaks, passed to every method.
    k_donors : int
        Comparison forces chosen when the design names none.

    Returns
    -------
    StudyResult
    """
    from alliance_analysis import evaluation

    freq = totals[time].dtype.freq
    if data_breaks is not None and len(data_breaks) and "offence_groups" in data_breaks:
        # the totals leave fraud out, so a break that touches fraud alone does not touch them
        data_breaks = data_breaks[~data_breaks["offence_groups"].astype(str).str.strip().eq("Fraud")]
    empty = StudyResult(study, [], pd.DataFrame(), None, None, None, "", "")
    absent = sorted(set(study.treated) - set(totals["force"]))
    if absent:
        empty.skipped = f"{study.name}: the data have no series for {', '.join(absent)}, so it cannot be evaluated."
        return empty
    change = pd.Period(study.change_date, "M")
    t0 = change.asfreq(freq, how="start")
    if t0.start_time < change.start_time:   # a change inside a quarter counts from the first full quarter after it
        t0 = t0 + 1
    first = max(totals[time].min(), pd.Period(study.pre_start, "M").asfreq(freq, how="start"))
    per_year = 4 if time == "quarter" else 12
    last = min(totals[time].max(), t0 + study.post_years * per_year - 1)
    if not (totals[time].min() < t0 <= totals[time].max()):
        empty.skipped = (f"{study.name}: the change ({study.change_date}) lies outside the data "
                         f"({totals[time].min()} to {totals[time].max()}).")
        return empty
    window = totals[(totals[time] >= first) & (totals[time] <= last)]
    panel = unit_panel(window, population, study, time=time)
    if study.donors:
        donors = [d for d in study.donors if d in set(panel["force"])]
        donor_table = pd.DataFrame({"force": list(study.donors), "chosen": [d in donors for d in study.donors],
                                    "reason": study.donor_rule})
    else:
        donors, donor_table = choose_donors(panel, study, k=k_donors, time=time)
    notes = []
    if len(donors) < len(study.donors):
        notes.append(f"comparison forces missing from the data: {sorted(set(study.donors) - set(donors))}")
    label = f"{first} to {last} (change from {t0})"
    its = did = sc = None
    unit = panel[panel["force"] == study.unit][[time, "count"]]
    its_breaks, confounded = recording_breaks(data_breaks, t0, first, last)
    notes += confounded
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")       # small-sample warnings are restated in the verdict and notes
        try:
            its = evaluation.interrupted_time_series(unit, str(t0), breaks=its_breaks, data_breaks=data_breaks)
        except (ParameterError, DataValidationError, ValueError) as exc:
            notes.append(f"interrupted time series not run: {exc}")
        if len(donors) >= MIN_DONORS:
            try:
                did = evaluation.difference_in_differences(panel[["force", time, "count"]], study.unit, donors,
                                                           str(t0), data_breaks=data_breaks)
            except (ParameterError, DataValidationError, ValueError) as exc:
                notes.append(f"difference-in-differences not run: {exc}")
            try:
                rates = panel[["force", time, "rate"]].rename(columns={"rate": "count"})
                sc = evaluation.synthetic_control(rates, study.unit, donors, str(t0), method="levels",
                                                  data_breaks=data_breaks)
            except (ParameterError, DataValidationError, ValueError) as exc:
                notes.append(f"synthetic control not run: {exc}")
        else:
            notes.append(f"only {len(donors)} comparison forces in the data: difference-in-differences and the "
                         "synthetic control need at least two")
    text = evaluation.verdict(its, sc, did)
    return StudyResult(study, donors, donor_table, its, did, sc, text, label, "", notes)


def studies_for(names: Sequence[str] | None = None, *, treated_force: str | None = None,
                change_date: str | None = None, peer_group: str | None = None) -> list[Study]:
    """The studies a notebook asked for: a custom one when ``treated_force`` and ``change_date``
    are given, otherwise the shipped designs (all, or those ``names``).

    Examples
    --------
    >>> [s.name for s in studies_for(treated_force="Dorset", change_date="2015-03")]
    ['Dorset from 2015-03']
    >>> len(studies_for())
    3
    """
    if treated_force and change_date:
        return [custom_study(treated_force, change_date, peer_group)]
    if treated_force or change_date:
        raise ParameterError("a custom evaluation needs both treated_force and change_date")
    return shipped_studies(names)


def run_studies(totals: pd.DataFrame, population: pd.DataFrame, chosen: Sequence[Study], *, time: str,
                data_breaks: pd.DataFrame | None = None) -> list[StudyResult]:
    """:func:`run_study` for each study, in order."""
    return [run_study(totals, population, s, time=time, data_breaks=data_breaks) for s in chosen]


def summary_lines(results: Sequence[StudyResult]) -> str:
    """One bullet per study for the report's opening summary (markdown).

    Examples
    --------
    >>> r = StudyResult(Study("s", ("A",), "2013-01"), [], pd.DataFrame(), None, None, None, "", "", skipped="no A.")
    >>> summary_lines([r])
    '- s: no A.'
    """
    out = []
    for r in results:
        if r.skipped:
            out.append(f"- {r.study.name}: {r.skipped.split(': ', 1)[-1]}")
            continue
        bits = []
        if r.did is not None:
            bits.append(f"difference-in-differences {r.did.effect * 100:+.1f}% (95% CI {r.did.ci[0] * 100:+.1f}% "
                        f"to {r.did.ci[1] * 100:+.1f}%, randomisation p = {r.did.ri_p_value:.2f})")
        if r.sc is not None:
            bits.append(f"synthetic control {r.sc.effect * 100:+.1f}% (placebo rank {r.sc.rank} of "
                        f"{len(r.sc.placebos)})")
        if r.its is not None and not bits:
            bits.append(f"interrupted time series {r.its.percent_effect * 100:+.1f}% (95% CI "
                        f"{r.its.percent_ci[0] * 100:+.1f}% to {r.its.percent_ci[1] * 100:+.1f}%)")
        conclusion = r.verdict.split("Overall: ")[-1].split(".")[0] if "Overall: " in r.verdict else ""
        conclusion = conclusion[:1].upper() + conclusion[1:]
        out.append(f"- {r.study.name} ({r.window}): " + "; ".join(bits) + (f". {conclusion}." if conclusion else "."))
    return "\n".join(out)


def report_markdown(r: StudyResult) -> str:
    """The study's section text: design, comparison forces and why, window, notes, verdict."""
    s = r.study
    if r.skipped:
        return f"### {s.name}\n\n{r.skipped}"
    donors = ", ".join(r.donors) if r.donors else "none in the data"
    lines = [f"### {s.name}", "",
             f"**Treated**: {s.unit}, change from {s.change_date} ({s.source}). **Window**: {r.window}.",
             f"**Comparison forces**: {donors}. **Why these**: {s.donor_rule or 'named in the parameters'}."]
    if r.notes:
        lines.append("**Notes**: " + "; ".join(r.notes) + ".")
    lines += ["", "**Verdict**: " + r.verdict]
    return "\n".join(lines)


def plot_study(r: StudyResult) -> list:
    """Figures of a study: the treated unit against its no-change counterfactual, and against its
    synthetic control (where those ran); declared breaks shaded."""
    from alliance_analysis import evaluation

    figs = []
    if r.its is not None:
        figs.append(evaluation.plot_counterfactual(r.its, title=f"{r.study.unit}: recorded crime and the no-change "
                                                                f"counterfactual", change_date=r.study.change_date))
    if r.sc is not None:
        figs.append(evaluation.plot_synthetic_control(r.sc, title=f"{r.study.unit}: crime per 1,000 residents "
                                                                  f"against its synthetic control",
                                                      change_date=r.study.change_date))
    return figs
