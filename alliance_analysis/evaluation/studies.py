"""The collaboration evaluations as data, run on any crime series, with calibrated size and stated power.

A *study* asks whether recorded crime in a set of treated forces (taken together as one
unit) moved after a change date, relative to comparison forces. The designs the package
ships are in ``data/raw/reference/evaluation_designs.csv``: the start of the
Warwickshire-West Mercia alliance (November 2011), its new policing model (30 September
2013), its end (October 2019) and the start of the Devon and Cornwall-Dorset alliance
(March 2015). Comparison forces are chosen by the rule of
:func:`alliance_analysis.evaluation.register.comparison_pool` (partners and forces in
another collaboration never serve), or named and screened by the same rule.

:func:`run_study` estimates the change with the comparison-group estimator of
:mod:`alliance_analysis.evaluation.comparison` over the whole post-period and each year of
it, each row with its own interval and placebo p-value, marks windows that contain a
declared national data break, and states the smallest change the design could detect (80%
power at the verdict's level) on the real panel. A change that falls inside a quarter (the
alliance's start in November 2011, Devon and Cornwall-Dorset's in March 2015) leaves that
quarter out of both the baseline and the after-period: counted in the baseline, its months
after the change would shrink a real change (by a twelfth at the alliance's start). Given
offence-group counts (``groups``), the headline rows pool the offence groups (each group's
change against the same comparison forces, combined with minimum-variance weights set on the
comparison forces' placebo changes alone) and the rows for all recorded crime as one series
follow.

Power, measured on the shipped panel (``benchmarks/bench_evaluation_placebo.py``): the
smallest detectable change of the Warwickshire-West Mercia start, new policing model and end
is 11.5%, 12.2% and 14.7% pooled (Devon and Cornwall-Dorset 14.1%), against 16.9%, 17.6% and
25.7% (27.3%) for all crime as one series (10.8% and 13.6% pooled, 15.3% and 25.7% all
crime, while the quarter of the change counted in the baseline). The 10% target is not
reached: the floor is each force's own drift against the comparison forces, the robust
spread of the placebo changes at the design's date (pooled 3.9%, 2.9% and 4.4% on the log
scale; all crime 5.8%, 4.5% and 7.1%), which more comparison forces cannot lower, times
about 3 (the critical ratio, 2.2-3.0 with the placebo changes' heavy tails, plus 0.84 for
80% power). Synthetic difference-in-differences (:mod:`alliance_analysis.evaluation.sdid`:
comparison forces weighted to match the treated forces' path before the change) gives 16.7%,
19.5% and 21.6% (26.8%) on all crime and added nothing once groups are pooled; longer
baselines (three or four years) and a fitted response to the national series raised them
(placebo changes drift like a random walk), so none is used. The single-series interrupted
time series and the synthetic control are not used here: on placebo designs drawn from the
shipped panel the first reports an "effect of nothing" of about +28% (it extends the
pre-2014 trend through the recording uplift) and the second's placebo interval excludes zero
about 15% of the time; the estimator used rejects 2-8% of the time at a nominal 5%
(``tests/test_evaluation_placebo.py``).

Examples
--------
>>> d = designs()
>>> d["study"].tolist()[:2]
['Warwickshire-West Mercia alliance', 'Warwickshire-West Mercia new policing model']
"""

from __future__ import annotations

import html
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from alliance_analysis import clean, paths
from alliance_analysis.errors import DataValidationError, ParameterError
from alliance_analysis.evaluation import comparison, register

log = logging.getLogger(__name__)

DESIGNS_FILE = paths.REFERENCE_DIR / "evaluation_designs.csv"
#: Fewest comparison forces a design runs with (placebo sets and a spread need a pool).
MIN_POOL = 8
PRE_YEARS = 2
SIGNIFICANT = comparison.VERDICT_ALPHA


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
        Comparison forces named (empty: chosen by the register rule).
    donor_rule : str
        Why these comparison forces (empty: the rule's own words).
    exclude : tuple of str
        Forces never used as comparison, beyond the rule.
    pre_start : str
        Unused by the comparison estimator (two years before the change are its baseline); kept for old designs.
    post_years : int
        Years after the change evaluated.
    source : str
        Where the change date comes from.
    event : str
        ``"start"`` or ``"end"`` of a collaboration (or ``"change"``).
    subject : str
        The change in a reader's words ("the Warwickshire and West Mercia alliance began").
    """

    name: str
    treated: tuple[str, ...]
    change_date: str
    donors: tuple[str, ...] = ()
    donor_rule: str = ""
    exclude: tuple[str, ...] = ()
    pre_start: str = ""
    post_years: int = 3
    source: str = ""
    event: str = "start"
    subject: str = ""

    @property
    def unit(self) -> str:
        """Name of the treated unit ("Warwickshire + West Mercia")."""
        return " + ".join(self.treated)

    @property
    def reader_unit(self) -> str:
        """The treated forces for a reader ("Warwickshire and West Mercia")."""
        return register.clean_join(self.treated)


def _split(x: object) -> tuple[str, ...]:
    if x is None or (isinstance(x, float) and np.isnan(x)) or str(x).strip() == "":
        return ()
    return tuple(clean.canonical_force_name(s.strip()) for s in str(x).split(";") if s.strip())


def designs() -> pd.DataFrame:
    """The shipped evaluation designs (one row per study).

    Examples
    --------
    >>> designs().set_index("study").loc["Devon and Cornwall-Dorset alliance", "change_date"]
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
    for i, r in d.iterrows():
        try:
            pd.Period(r["change_date"], "M")
        except ValueError:
            raise DataValidationError(f"change date {r['change_date']!r} is not a month", file=DESIGNS_FILE,
                                      row=i + 2, column="change_date", fix="write it as YYYY-MM") from None
        out.append(Study(r["study"], _split(r["treated"]), r["change_date"], _split(r.get("donors", "")),
                         r.get("donor_rule", ""), _split(r.get("exclude", "")), r.get("pre_start", ""),
                         int(r.get("post_years") or 3), r.get("source", ""), r.get("event", "") or "start",
                         r.get("subject", "")))
    return out


def custom_study(treated: str | Sequence[str], change_date: str, peers: str | Sequence[str] | None = None,
                 *, post_years: int = 3, pre_start: str | None = None) -> Study:
    """A study from notebook parameters: a force, a group name or a list of forces as the treated group;
    comparison forces named (a group name or a list) or, when ``peers`` is empty or ``"rule"``, chosen
    by the register rule. The study records truthfully which was done.

    Examples
    --------
    >>> s = custom_study(["Norfolk", "Suffolk"], "2010-01")
    >>> s.unit, s.donors, s.donor_rule
    ('Norfolk + Suffolk', (), '')
    >>> custom_study("West Mercia", "2013-10", "West Mercia most similar group").donors[:2]
    ('Devon and Cornwall', 'Gloucestershire')
    """
    t = tuple(clean.resolve_forces(treated))
    if not t:
        raise ParameterError("no treated force given; fix: give a force, a group name or a list of forces")
    try:
        pd.Period(change_date, "M")
    except (ValueError, TypeError):
        raise ParameterError(f"change_date {change_date!r} is not a month; fix: write it as YYYY-MM") from None
    by_rule = peers is None or (isinstance(peers, str) and peers.strip().lower() in ("", "rule"))
    donors = () if by_rule else tuple(f for f in clean.resolve_forces(peers) if f not in t)
    rule = "" if by_rule else (f"the forces of the group {peers!r} named in the parameters, except the treated"
                               if isinstance(peers, str) else "the comparison forces named in the parameters")
    name = f"{' + '.join(t)} from {change_date}"
    month = pd.Period(change_date, "M").strftime("%B %Y")
    return Study(name, t, change_date, donors, rule, (), pre_start or "", post_years, "notebook parameters",
                 "change", f"{register.clean_join(t)} made the change of {month}")


def unit_panel(totals: pd.DataFrame, population: pd.DataFrame, study: Study, *, time: str) -> pd.DataFrame:
    """Recorded crime (count) and crime per 1,000 residents of the year (rate) by unit and period:
    the treated forces summed into one unit, every other force as itself.

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


# --------------------------------------------------------------------------- national breaks

_BREAK_NAMES = {
    "recording practice": "recording-practice uplift",
    "external shock": "COVID-19 lockdowns",
    "reclassification": "burglary reclassification",
    "transfer": "fraud moved to Action Fraud",
}


def _break_label(r: dict) -> str:
    kind = str(r.get("kind", "") or "").lower()
    name = next((v for k, v in _BREAK_NAMES.items() if k in kind), None)
    if name is None:
        name = str(r.get("description", "") or "declared break").split(" (")[0][:60]
    start = pd.Timestamp(r["start"])
    end = r.get("end")
    years = f"{start.year}" if end is None or pd.isna(end) or pd.Timestamp(end).year == start.year else \
        f"{start.year}-{str(pd.Timestamp(end).year)[2:]}"
    return f"{name} ({years})"


def breaks_in_window(data_breaks: pd.DataFrame | None, first: pd.Period, last: pd.Period) -> list[str]:
    """Declared national breaks that touch a window: a dated break overlapping it, or an open-ended one
    starting inside it. Fraud-only breaks are left out (the totals leave fraud out).

    Examples
    --------
    >>> b = pd.DataFrame({"start": [pd.Timestamp("2014-01-01")], "end": [pd.Timestamp("2016-12-31")],
    ...                   "kind": ["recording practice"], "offence_groups": ["Violence"], "description": ["x"]})
    >>> breaks_in_window(b, pd.Period("2013Q1"), pd.Period("2014Q2"))
    ['recording-practice uplift (2014-16)']
    >>> breaks_in_window(b, pd.Period("2017Q1"), pd.Period("2018Q2"))
    []
    """
    if data_breaks is None or len(data_breaks) == 0:
        return []
    lo, hi = first.start_time, last.end_time
    out = []
    for r in data_breaks.to_dict("records"):
        if str(r.get("offence_groups", "")).strip().lower() in ("fraud", "fraud transfer"):
            continue
        start = pd.Timestamp(r["start"])
        end = r.get("end")
        open_end = end is None or (not isinstance(end, str) and pd.isna(end)) or str(end).strip() == ""
        touches = (lo <= start <= hi) if open_end else (start <= hi and pd.Timestamp(end) >= lo)
        if touches:
            out.append(_break_label(r))
    return out


# --------------------------------------------------------------------------- results


def _q(p: pd.Period) -> str:
    return f"{p.year} Q{p.quarter}" if p.freqstr.startswith("Q") else p.strftime("%b %Y")


@dataclass
class StudyResult:
    """A study's estimates: one row per window (the whole post-period, then each year).

    ``rows`` columns: ``window``, ``first``, ``last``, ``effect_pct``, ``ci_low_pct``,
    ``ci_high_pct``, ``p_value``, ``national_break`` (the declared breaks the window
    touches, or empty), each row's interval and p-value from that row's own placebo test.
    ``mde`` is the smallest change (proportion) the design detects with 80% power at 5%.
    """

    study: Study
    donors: list[str]
    donor_table: pd.DataFrame
    rows: pd.DataFrame
    rule: str
    window: str
    mde: float = float("nan")
    n_placebos: int = 0
    path: pd.DataFrame = field(default_factory=pd.DataFrame)
    skipped: str = ""
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    time: str = "quarter"
    years: int = 0
    nulls: dict = field(default_factory=dict, repr=False)  # window offsets (a, b) -> (signed placebo ratios, spread)
    group_weights: pd.Series = field(default_factory=lambda: pd.Series(dtype=float))  # offence group -> weight
    mde_total: float = float("nan")   # smallest detectable change of the total alone

    @property
    def pooled(self) -> bool:
        """Whether the headline measure is the offence groups pooled (else all recorded crime)."""
        return len(self.group_weights) > 0

    def headline_rows(self) -> pd.DataFrame:
        """The rows of the headline measure (the verdict's): offence groups pooled when available."""
        if self.rows.empty or "measure" not in self.rows:
            return self.rows
        return self.rows[self.rows["measure"] == self.rows["measure"].iloc[0]]

    @property
    def overall(self) -> pd.Series | None:
        """The whole-post-period row (``None`` when skipped)."""
        return None if self.rows.empty else self.rows.iloc[0]

    @property
    def threshold(self) -> float:
        """The verdict's level: 4% for one series, 3% for the offence groups pooled (each keeps the false-positive
        rate on placebo designs from the shipped panel under 5%)."""
        return comparison.POOLED_VERDICT_ALPHA if self.pooled else SIGNIFICANT

    @property
    def significant(self) -> bool:
        """Whether the whole-period change is distinguishable from chance at the verdict's level."""
        o = self.overall
        return bool(o is not None and o["p_value"] <= self.threshold)

    # legacy names used by older notebooks
    @property
    def verdict(self) -> str:
        """The plain-English conclusion (same as :meth:`answer`)."""
        return self.answer()

    def table(self) -> pd.DataFrame:
        """One row per estimate, for a reader: window, change with its interval and p-value, break mark.

        Examples
        --------
        >>> StudyResult(Study("s", ("A",), "2013-01"), [], pd.DataFrame(), pd.DataFrame(), "", "").table().empty
        True
        """
        if self.rows.empty:
            return pd.DataFrame()
        r = self.rows
        measure = r["measure"] if "measure" in r else pd.Series("all recorded crime", index=r.index)
        return pd.DataFrame({
            "Measure": measure,
            "Period after the change": r["window"],
            "Change in recorded crime": r["effect_pct"],
            "95% interval, low": r["ci_low_pct"],
            "95% interval, high": r["ci_high_pct"],
            "p-value": r["p_value"].round(3),
            "Declared national break in the window": [b or "none" for b in r["national_break"]],
        })

    def answer(self) -> str:
        """One plain sentence (two when a warning applies): what changed, how sure, what can be ruled out.

        Examples
        --------
        >>> r = StudyResult(Study("s", ("A",), "2013-01"), [], pd.DataFrame(), pd.DataFrame(), "", "",
        ...                 skipped="the data have no series for A.")
        >>> r.answer()
        'The s could not be checked: the data have no series for A.'
        """
        s = self.study
        if self.skipped:
            return f"The {s.name} could not be checked: {self.skipped}"
        from alliance_analysis.presentation.report import about_pct

        o = self.overall
        years = self.years or s.post_years
        words = {1: "year", 2: "two years", 3: "three years", 4: "four years", 5: "five years"}
        when = pd.Period(s.change_date, "M").strftime("%B %Y")
        subject = s.subject or f"{s.reader_unit} made the change"
        head = f"After {subject} in {when}" if "made the change" not in subject else f"After {subject}"
        what = (f"recorded crime in {s.reader_unit}, offence group by offence group,"
                if self.pooled else f"recorded crime in {s.reader_unit}")
        pct = o["effect_pct"]
        direction = "higher" if pct > 0 else "lower"
        size = about_pct(abs(pct))
        mde = about_pct(self.mde, share=True) if np.isfinite(self.mde) else "not known"
        span = words.get(years, f"{years} years")
        likely = f"likely range {about_pct(o['ci_low_pct'], signed=True)} to {about_pct(o['ci_high_pct'], signed=True)}"
        if self.significant:
            text = (f"{head}, {what} over the next {span} was about {size} {direction} "
                    f"than the comparison forces' movement implies ({likely}), a change unlikely to be chance.")
        else:
            text = (f"{head}, {what} over the next {span} was about {size} {direction} "
                    f"than the comparison forces' movement implies ({likely}), a gap chance alone often produces; "
                    f"this check could detect a change of about {mde} or more, so smaller effects cannot be ruled "
                    "out.")
        if self.warnings:
            text += " " + self.warnings[0]
        return text

    def summary(self) -> str:
        """Markdown: the answer, the design (treated, comparison forces and why, window), power and notes."""
        s = self.study
        esc = lambda x: html.escape(str(x), quote=False)  # noqa: E731
        if self.skipped:
            return f"### {esc(s.name)}\n\n{esc(self.answer())}"
        donors = register.clean_join(self.donors)
        mde = f"{self.mde:.0%}" if np.isfinite(self.mde) else "not known"
        lines = [f"### {esc(s.name)}", "", esc(self.answer()), "",
                 f"**Treated**: {esc(s.reader_unit)}, change from {esc(s.change_date)} ({esc(s.source)}). "
                 f"**Windows**: {esc(self.window)}.",
                 f"**Comparison forces** ({len(self.donors)}): {esc(donors)}. **Why these**: {esc(self.rule)}.",
                 f"**What this design can detect**: this design could detect a change of about {mde} or more "
                 "(four times in five); smaller effects cannot be ruled out.",
                 *([self._groups_line()] if self.pooled else []),
                 f"**How sure**: each row's randomisation p-value compares its change with {self.n_placebos:,} "
                 "placebo changes (comparison forces treated as if they had changed, at dates within two years). "
                 f"Thresholds: a change is called established only at a whole-period p-value of "
                 f"{self.threshold:.0%} or less."]
        if self.warnings:
            lines.append("**Warning**: " + esc(" ".join(self.warnings)))
        if self.notes:
            lines.append("**Notes**: " + esc("; ".join(self.notes)) + ".")
        return "\n".join(lines)

    report_markdown = summary

    def _groups_line(self) -> str:
        w = self.group_weights.sort_values(ascending=False)
        w = w[w >= 0.005]
        parts = register.clean_join([f"{html.escape(str(g).lower(), quote=False)} {v:.0%}" for g, v in w.items()])
        tot = f"{self.mde_total:.0%}" if np.isfinite(self.mde_total) else "not known"
        return ("**Offence groups pooled**: the headline rows measure the change in each offence group against the "
                "same comparison forces and combine the groups with fixed weights chosen to make the estimate "
                f"steadiest on the placebo changes of the comparison forces alone ({parts}); a change of the same "
                "size in every group moves the pooled figure by that size, and a change confined to one kind of "
                "crime must be larger to be seen. All recorded crime taken as one series could detect a change of "
                f"about {tot} or more; its rows follow the pooled ones.")

    def _repr_markdown_(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        from alliance_analysis.presentation import tables

        e = html.escape
        head = f"<h4>{e(self.study.name)}</h4><p>{e(self.answer())}</p>"
        if self.rows.empty:
            return head
        t = tables.format_table(self.table(), pct=["Change in recorded crime", "95% interval, low",
                                                   "95% interval, high"], pvalues=["p-value"],
                                caption=f"{self.study.name}: each row's interval and p-value belong to that row's "
                                        "estimate")
        return head + t.to_html()


def _first_full_period(change: pd.Period, freq) -> pd.Period:
    t0 = change.asfreq(freq, how="start")
    if t0.start_time < change.start_time:   # a change inside a quarter counts from the first full quarter after it
        t0 = t0 + 1
    return t0


def _partly_changed(change: pd.Period, freq) -> int:
    """1 when the change falls inside a period (that period is partly before and partly after it), else 0.

    Such a period belongs to neither the baseline nor the after-period: counted in the baseline, a real
    change would shrink by the share of the period after it divided by the baseline's length.

    Examples
    --------
    >>> _partly_changed(pd.Period("2011-11", "M"), "Q"), _partly_changed(pd.Period("2013-10", "M"), "Q")
    (1, 0)
    """
    return int(change.asfreq(freq, how="start").start_time < change.start_time)


def run_study(totals: pd.DataFrame, population: pd.DataFrame | None, study: Study, *, time: str,
              data_breaks: pd.DataFrame | None = None, register_table: pd.DataFrame | None = None,
              seed: int = 0, k_donors: int | None = None, groups: pd.DataFrame | None = None) -> StudyResult:
    """Run one study on force x period totals (see the module docstring).

    Parameters
    ----------
    totals : DataFrame
        ``force``, ``time``, ``count``: recorded crime of every force available (fraud and ASB out),
        or one offence group's counts.
    population : DataFrame, optional
        ``force``, ``year``, ``population``: used to warn when the treated forces' crime per
        resident lies outside the comparison forces' range.
    study : Study
    time : str
        Period column (``quarter`` or ``month``).
    data_breaks : DataFrame, optional
        Declared data breaks; windows that touch one are marked.
    register_table : DataFrame, optional
        The collaborations register (default: the shipped one).
    seed : int
        Seed for the placebo sets drawn when a group has more combinations than are used.
    k_donors : int, optional
        Ignored (comparison pools follow the register rule); kept for old callers.
    groups : DataFrame, optional
        ``force``, ``time``, a category column (offence group or crime type) and ``count``. Given, the
        headline (verdict) rows pool the offence groups (:func:`comparison.pooled_window_tests`): on the
        shipped panel this lowers the smallest detectable change of the Warwickshire-West Mercia designs
        from 17%, 18% and 26% (all recorded crime as one series) to about 12%, 12% and 15%. Anti-social
        behaviour and fraud are left out, as in the totals; groups with gaps for any force used are left out
        and named in the notes.

    Returns
    -------
    StudyResult
    """
    reg = register.collaborations() if register_table is None else register_table
    empty = StudyResult(study, [], pd.DataFrame(), pd.DataFrame(), "", "", time=time)
    absent = sorted(set(study.treated) - set(totals["force"]))
    if absent:
        empty.skipped = f"the data have no series for {register.clean_join(absent)}."
        return empty
    freq = totals[time].dtype.freq
    m = 4 if time == "quarter" else 12 if time == "month" else 1
    t0 = _first_full_period(pd.Period(study.change_date, "M"), freq)
    gap = _partly_changed(pd.Period(study.change_date, "M"), freq)   # the period the change fell in: left out
    L = PRE_YEARS * m
    lo_t, hi_t = totals[time].min(), totals[time].max()
    if not (lo_t + L + gap <= t0 <= hi_t - m + 1):
        empty.skipped = (f"the change ({study.change_date}) needs {PRE_YEARS} years of data before it and one after "
                         f"it; the data run from {_q(lo_t)} to {_q(hi_t)}.")
        return empty
    notes: list[str] = []
    post_years = min(study.post_years, (hi_t - t0).n // m + 1)
    if post_years < study.post_years:
        notes.append(f"only {post_years} year{'s' if post_years != 1 else ''} of data after the change "
                     f"(the design asks for {study.post_years})")
    first, last = t0 - gap - L, t0 + post_years * m - 1
    wide = totals.pivot_table(index=time, columns="force", values="count", aggfunc="sum").sort_index()
    wide = wide.reindex(pd.period_range(lo_t, hi_t, freq=freq))
    available = [f for f in wide.columns if wide[f].notna().all()]
    gappy = sorted(set(wide.columns) - set(available))
    if set(study.treated) & set(gappy):
        empty.skipped = (f"the series of {register.clean_join(sorted(set(study.treated) & set(gappy)))} has gaps, "
                         "so its change cannot be measured.")
        return empty
    if gappy:
        notes.append(f"forces left out for gaps in their series: {register.clean_join(gappy)}")
    named = [f for f in study.donors if f not in study.exclude] if study.donors else None
    pool, rule, donor_table = register.comparison_pool(study.treated, available, first, last, named=named,
                                                       register=reg)
    pool = [f for f in pool if f not in study.exclude]
    if study.donor_rule and named:
        rule = study.donor_rule + (rule[len("the comparison forces named in the parameters"):] if
                                   rule.startswith("the comparison forces named") else "")
    size = len(study.treated)
    if len(pool) < max(MIN_POOL, size + 2):
        empty.skipped = (f"only {len(pool)} comparison forces are left after leaving out partners and forces in "
                         f"other collaborations; at least {max(MIN_POOL, size + 2)} are needed.")
        empty.donors, empty.donor_table, empty.rule = pool, donor_table, rule
        return empty
    warn = []
    if register.CITY in study.treated:
        warn.append("The City of London is a business district with very few residents, outside the range of "
                    "every comparison force, so no counterfactual built from them can stand in for it: treat this "
                    "result as unreliable.")
    elif population is not None and len(population):
        try:
            rates = unit_panel(totals[(totals[time] >= first) & (totals[time] < t0)], population, study, time=time)
            mean_rate = rates.groupby("force")["rate"].mean()
            tr, pr = mean_rate.get(study.unit), mean_rate.reindex(pool).dropna()
            if tr is not None and len(pr) and not (pr.min() <= tr <= pr.max()):
                warn.append(f"{study.reader_unit}'s crime per resident before the change lay outside the range of "
                            "every comparison force, so the comparison may not stand in for it: treat this result "
                            "with caution.")
        except (DataValidationError, ParameterError, KeyError, ValueError) as exc:
            log.info("rate range check skipped: %s", exc)
    treated = wide[list(study.treated)].sum(axis=1).to_numpy(dtype=float)
    P = wide[pool].T.to_numpy(dtype=float)
    idx = (t0 - lo_t).n
    base_end = idx - gap   # the baseline is the L periods before base_end; windows count from idx = base_end + gap
    windows = [(f"first {post_years} year{'s' if post_years != 1 else ''}", 0, post_years * m)]
    if post_years > 1:
        windows += [(f"year {k + 1}", k * m, (k + 1) * m) for k in range(post_years)]
    rows, mde, n_pl, nulls = [], float("nan"), 0, {}
    weights = pd.Series(dtype=float)
    if groups is not None and len(groups):
        panels, gnote = _group_panels(groups, study, pool, time, wide.index)
        if gnote:
            notes.append(gnote)
        if len(panels) >= 2:
            gtr = np.stack([v[0] for v in panels])
            gpool = np.stack([v[1] for v in panels])
            pt = comparison.pooled_window_tests(gtr, gpool, base_end, L, [(a + gap, b + gap) for _, a, b in windows],
                                                size=size, seed=seed)
            weights = pd.Series(pt.weights, index=list(panels.index), dtype=float)
            for (label, a, b), w, null in zip(windows, pt.tests, pt.nulls):
                if label.startswith("first"):
                    mde, n_pl = w.mde, w.n_placebos
                nulls[(a, b)] = ((null.effects / null.spread[None, :]).ravel(), w.spread, w.effect)
                rows.append(_row("offence groups pooled", label, a, b, w, t0, first, data_breaks))
    gaps = comparison.placebo_gaps(P, size, seed=seed)
    mde_total = float("nan")
    for label, a, b in windows:
        null = comparison.placebo_null(P, size, L, a + gap, b + gap, around=base_end, gaps=gaps)
        w = comparison.window_test(treated, P, base_end, L, a + gap, b + gap, null=null, size=size,
                                   with_mde=label.startswith("first"))
        if label.startswith("first"):
            mde_total = w.mde
            if weights.empty:
                mde, n_pl = w.mde, w.n_placebos
        if weights.empty:
            nulls[(a, b)] = ((null.effects / null.spread[None, :]).ravel(), w.spread, w.effect)
        rows.append(_row("all recorded crime", label, a, b, w, t0, first, data_breaks))
    # the no-change path: the treated unit's pre-period gap to the comparison mean carried forward
    logc = np.log1p(P).mean(axis=0)
    D = np.log1p(treated) - logc
    base = D[base_end - L:base_end].mean()
    sl = slice(base_end - L, idx + post_years * m)
    path = pd.DataFrame({time: wide.index[sl], "observed": treated[sl], "no_change": np.expm1(logc[sl] + base),
                         "post": np.arange(sl.start, sl.stop) >= idx})
    window = f"baseline {_q(first)} to {_q(t0 - gap - 1)}; after the change {_q(t0)} to {_q(last)}"
    if gap:
        window += f"; {_q(t0 - 1)}, part before and part after the change, is in neither"
    return StudyResult(study, pool, donor_table, pd.DataFrame(rows), rule, window, mde, n_pl, path, "", notes, warn,
                       time, post_years, nulls, weights, mde_total)


def _row(measure: str, label: str, a: int, b: int, w: comparison.WindowTest, t0: pd.Period, first: pd.Period,
         data_breaks: pd.DataFrame | None) -> dict:
    wf, wl = t0 + a, t0 + b - 1
    return {"measure": measure, "window": f"{label} ({_q(wf)} to {_q(wl)})", "first": wf, "last": wl,
            "effect_pct": w.percent * 100, "ci_low_pct": w.ci[0] * 100, "ci_high_pct": w.ci[1] * 100,
            "p_value": w.p_value, "national_break": "; ".join(breaks_in_window(data_breaks, first, wl))}


#: Categories left out of pooled offence groups, as in the totals (ASB is not crime; fraud moved to Action Fraud).
EXCLUDED_CATEGORIES = ("Anti-social behaviour", "Fraud")


def _group_panels(groups: pd.DataFrame, study: Study, pool: Sequence[str], time: str, index: pd.PeriodIndex
                  ) -> tuple[pd.Series, str]:
    """Per offence group: the treated unit's counts and the pool's (groups with a gap left out, named)."""
    cat = next((c for c in groups.columns if c not in ("force", time, "count")), None)
    if cat is None:
        return pd.Series(dtype=object), "no offence group column in the data, so groups were not pooled"
    g = groups[~groups[cat].isin(EXCLUDED_CATEGORIES)]
    forces = [*study.treated, *pool]
    out, dropped = {}, []
    for name, sub in g.groupby(cat, sort=True):
        w = sub.pivot_table(index=time, columns="force", values="count", aggfunc="sum").reindex(index=index,
                                                                                               columns=forces)
        if w.isna().any().any():
            dropped.append(str(name))
            continue
        out[str(name)] = (w[list(study.treated)].sum(axis=1).to_numpy(dtype=float),
                          w[list(pool)].T.to_numpy(dtype=float))
    note = (f"offence groups left out of the pooled measure for gaps: {register.clean_join(dropped)}"
            if dropped else "")
    return pd.Series(out, dtype=object), note


def studies_for(names: Sequence[str] | None = None, *, treated_force: str | Sequence[str] | None = None,
                change_date: str | None = None, peer_group: str | Sequence[str] | None = None,
                forces: Sequence[str] | None = None) -> list[Study]:
    """The studies a notebook asked for: a custom one when ``treated_force`` and ``change_date``
    are given; else the shipped designs named; else the shipped designs whose treated forces
    are among ``forces`` (designs follow the forces analysed); else all of them.

    Examples
    --------
    >>> [s.name for s in studies_for(treated_force="Dorset", change_date="2015-03")]
    ['Dorset from 2015-03']
    >>> len(studies_for()), len(studies_for(forces=["Cumbria", "Lancashire"]))
    (4, 0)
    >>> [s.name for s in studies_for(forces=["Dorset"])]
    ['Devon and Cornwall-Dorset alliance']
    """
    if treated_force and change_date:
        return [custom_study(treated_force, change_date, peer_group)]
    if treated_force or change_date:
        raise ParameterError("a custom evaluation needs both treated_force and change_date")
    if names is not None:
        return shipped_studies(names)
    every = shipped_studies()
    if forces is None:
        return every
    chosen = set(clean.resolve_forces(list(forces)))
    return [s for s in every if chosen & set(s.treated)]


def run_studies(totals: pd.DataFrame, population: pd.DataFrame | None, chosen: Sequence[Study], *, time: str,
                data_breaks: pd.DataFrame | None = None, groups: pd.DataFrame | None = None) -> list[StudyResult]:
    """:func:`run_study` for each study, in order (``groups``: offence-group counts, pooled as the headline)."""
    return [run_study(totals, population, s, time=time, data_breaks=data_breaks, groups=groups) for s in chosen]


def summary_lines(results: Sequence[StudyResult]) -> str:
    """One bullet per study (markdown), each the study's plain answer.

    Examples
    --------
    >>> r = StudyResult(Study("s", ("A",), "2013-01"), [], pd.DataFrame(), pd.DataFrame(), "", "",
    ...                 skipped="no A.")
    >>> summary_lines([r])
    '- The s could not be checked: no A.'
    """
    return "\n".join(f"- {html.escape(r.answer(), quote=False)}" for r in results)


def answer(results: Sequence[StudyResult], together: object | None = None, forecast: str = "",
           forces: str | None = None) -> str:
    """The ``## The answer`` text of a report with evaluations: the forecast sentences (if any), the
    first design that could be checked, how many others follow, and the average across the
    register's collaborations (``together``, a :class:`~alliance_analysis.evaluation.staggered.StaggeredResult`).

    Parameters
    ----------
    results : sequence of StudyResult
        The designs run, in report order.
    together : StaggeredResult, optional
        The average across collaborations; its ``answer()`` closes the text.
    forecast : str
        Plain sentences on the forecast (``Outlook.sentences()``), put first.
    forces : str, optional
        The forces analysed in words ("Cumbria and Lancashire"), named when no design was run.

    Returns
    -------
    str
        At most six plain sentences, checked by :func:`~alliance_analysis.presentation.report.answer_text`.

    Examples
    --------
    >>> r = StudyResult(Study("the A change", ("A",), "2013-01"), [], pd.DataFrame(), pd.DataFrame(), "", "",
    ...                 skipped="the data have no series for A.")
    >>> answer([r], forecast="About 100 crimes are expected.")
    'About 100 crimes are expected. The the A change could not be checked: the data have no series for A.'
    """
    from alliance_analysis.presentation.report import answer_text, split_sentences as split

    parts = split(forecast) if forecast else []
    checked = [r for r in results if not r.skipped]
    first = (checked or list(results))[:1]
    parts += [s for r in first for s in split(r.answer())]
    if not results:
        parts.append(f"No collaboration involving {forces} is among the evaluation designs, so no change was "
                     "evaluated for these forces on their own." if forces else "No collaboration was evaluated.")
    others = len(results) - len(first)
    if others:
        parts.append(f"The {others} other design{'s' if others > 1 else ''} for these forces "
                     f"{'are' if others > 1 else 'is'} set out below.")
    if together is not None:
        parts.append(together.answer())
    if len(parts) > 6:     # keep the forecast, the first design and the collaborations' average
        keep = parts[:2] + [p for p in parts[2:-1] if "other design" not in p][:2] + parts[-1:]
        parts = keep[:6]
    return answer_text(parts)


def report_markdown(r: StudyResult) -> str:
    """The study's section text (see :meth:`StudyResult.summary`)."""
    return r.summary()


def plot_study(r: StudyResult) -> list:
    """Figures of a study: recorded crime against the no-change path implied by the comparison forces,
    and the gap in percent with the interval of each year; declared breaks noted in the title."""
    import matplotlib.pyplot as plt

    from alliance_analysis.presentation.plots import (apply_house_style, figure_title, financial_year_axis,
                                                      thousands_axis)

    if r.skipped or r.path.empty:
        return []
    apply_house_style()
    p = r.path
    x = p[r.time].dt.to_timestamp()
    fig, ax = plt.subplots(figsize=(8, 4))
    ax.plot(x, p["observed"], color="#0d47a1", lw=1.8, label="recorded crime")
    ax.plot(x, p["no_change"], color="#b71c1c", ls="--", lw=1.5,
            label="no-change path (comparison forces' movement)")
    ax.axvline(x[p["post"]].iloc[0], color="black", lw=0.8)
    ax.set_ylabel(f"recorded crimes per {r.time}")
    thousands_axis(ax)
    ax.legend(fontsize=8, loc="best")
    financial_year_axis(ax)
    figure_title(ax, f"{r.study.reader_unit}: recorded crime and the no-change path")
    fig.tight_layout()
    head = r.headline_rows()
    rows = head.iloc[1:] if len(head) > 1 else head
    fig2, ax2 = plt.subplots(figsize=(8, 3.5))
    ypos = np.arange(len(rows))
    ax2.errorbar(rows["effect_pct"], ypos, xerr=[rows["effect_pct"] - rows["ci_low_pct"],
                                                rows["ci_high_pct"] - rows["effect_pct"]],
                 fmt="o", color="#0d47a1", ecolor="#546e7a", capsize=4)
    ax2.axvline(0, color="black", lw=0.8)
    ax2.set_yticks(ypos, [w.split(" (")[0] + ("*" if b else "") for w, b in zip(rows["window"],
                                                                                  rows["national_break"])])
    ax2.invert_yaxis()
    ax2.set_xlabel("change in recorded crime against the comparison forces (%), with 95% interval")
    pooled = ", offence groups pooled" if r.pooled else ""
    marked = " (* a declared national break in the window)" if rows["national_break"].astype(bool).any() else ""
    figure_title(ax2, f"{r.study.name}: change by year{pooled}{marked}")
    fig2.tight_layout()
    return [fig, fig2]
