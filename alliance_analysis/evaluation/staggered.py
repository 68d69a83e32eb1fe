"""Staggered adoption: did the collaborations in the register change recorded crime, on average?

A stacked design. Each collaboration in the register (strategic alliances and preferred
partnerships; single-function agreements left out) with two years of data before its start
and at least one after is a cohort: its forces summed into one unit, compared with its own
clean comparison pool (the register rule: no partners, no force in another collaboration
during its window), with the comparison-group estimator of
:mod:`alliance_analysis.evaluation.comparison` for each year after the start. The
event-time effect for year ``k`` is the mean over the cohorts observed in that year.

Inference: the null distribution of the mean is built by drawing, for each cohort, one of
its own placebo ratios (a placebo set of its size at a placebo date, divided by the spread
at that date) times the cohort's spread at its start, and averaging; the p-value and the
95% interval invert that same distribution, so a row's interval excludes zero exactly when
its p-value is at most 5%. The draws treat cohorts as independent (they start at
different dates and have different comparison pools); this is stated in the result.

Examples
--------
>>> cohorts_from_register()["collaboration"].tolist()[:1]
['Warwickshire-West Mercia strategic alliance']
"""

from __future__ import annotations

import html
import logging
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from alliance_analysis.evaluation import comparison, register, studies

log = logging.getLogger(__name__)

KINDS = ("strategic alliance", "preferred partnership")
DRAWS = 20000


def cohorts_from_register(register_table: pd.DataFrame | None = None, kinds=KINDS) -> pd.DataFrame:
    """The register's collaborations of the given kinds (one row each).

    Examples
    --------
    >>> "Cheshire-North Wales armed policing alliance" in cohorts_from_register()["collaboration"].tolist()
    False
    """
    reg = register.collaborations() if register_table is None else register_table
    return reg[reg["kind"].isin(list(kinds))].reset_index(drop=True)


@dataclass
class StaggeredResult:
    """Event-time effects (``table``: event year, cohorts, effect with interval and p-value) and
    each cohort's own study (``cohorts``)."""

    event_time: pd.DataFrame
    cohorts: list
    skipped: list[str] = field(default_factory=list)
    draws: int = DRAWS
    seed: int = 0
    mde: float = float("nan")  # smallest average change detected with 80% power at 5% (all years observed)

    def table(self) -> pd.DataFrame:
        """One row per event year (and the whole period), for a reader."""
        e = self.event_time
        if e.empty:
            return pd.DataFrame()
        return pd.DataFrame({"Years after the start": e["window"], "Collaborations observed": e["cohorts"],
                             "Average change in recorded crime": e["effect_pct"],
                             "95% interval, low": e["ci_low_pct"], "95% interval, high": e["ci_high_pct"],
                             "p-value": e["p_value"].round(3)})

    def cohort_table(self) -> pd.DataFrame:
        """Each collaboration's own change over its first years, with its interval and p-value."""
        rows = []
        for r in self.cohorts:
            o = r.overall
            rows.append({"Collaboration": r.study.name, "Start": r.study.change_date,
                         "Comparison forces": len(r.donors), "Change in recorded crime": o["effect_pct"],
                         "95% interval, low": o["ci_low_pct"], "95% interval, high": o["ci_high_pct"],
                         "p-value": round(float(o["p_value"]), 3),
                         "Smallest detectable change": r.mde * 100})
        return pd.DataFrame(rows)

    def answer(self) -> str:
        """One plain sentence for the report's opening."""
        from alliance_analysis.presentation.report import about_pct

        if self.event_time.empty:
            return "Too few collaborations in the register have data before and after their start to compare them."
        o = self.event_time.iloc[0]
        n = int(o["cohorts"])
        direction = "higher" if o["effect_pct"] > 0 else "lower"
        sure = ("a change unlikely to be chance" if o["p_value"] <= comparison.VERDICT_ALPHA
                else "a gap chance alone often produces")
        return (f"Across the {n} collaborations in the register that can be checked, recorded crime in the "
                f"partner forces over the years after each began was on average about "
                f"{about_pct(abs(o['effect_pct']))} {direction} than their comparison forces' movement implies "
                f"(likely range {about_pct(o['ci_low_pct'], signed=True)} to "
                f"{about_pct(o['ci_high_pct'], signed=True)}), {sure}; taken together they could reveal an "
                f"average change of about {about_pct(self.mde, share=True)} or more.")

    def summary(self) -> str:
        """Markdown: the answer, the cohorts and how the average was tested."""
        e = lambda x: html.escape(str(x), quote=False)  # noqa: E731
        names = register.clean_join(r.study.name for r in self.cohorts)
        lines = [e(self.answer()), "", f"**Collaborations compared**: {e(names)}."]
        if self.skipped:
            lines.append("**Not compared**: " + e("; ".join(self.skipped)) + ".")
        lines.append(f"**How sure**: each year's average is tested against {self.draws:,} averages of placebo "
                     "changes, one drawn from each collaboration's own comparison forces and dates (seeded), "
                     "treating the collaborations as independent.")
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        from alliance_analysis.presentation import tables

        head = f"<p>{html.escape(self.answer())}</p>"
        if self.event_time.empty:
            return head
        t = tables.format_table(self.table(), pct=["Average change in recorded crime", "95% interval, low",
                                                   "95% interval, high"], pvalues=["p-value"],
                                counts=["Collaborations observed"],
                                caption="Average change by years after a collaboration began (each row's interval "
                                        "and p-value belong to that row)")
        return head + t.to_html()


def staggered_effects(totals: pd.DataFrame, population: pd.DataFrame | None = None, *, time: str,
                      data_breaks: pd.DataFrame | None = None, register_table: pd.DataFrame | None = None,
                      post_years: int = 3, kinds=KINDS, seed: int = 0, draws: int = DRAWS,
                      groups: pd.DataFrame | None = None) -> StaggeredResult:
    """Stacked event-time effects of the register's collaborations (see the module docstring).

    ``groups`` (offence-group counts) makes each cohort's measure the offence groups pooled
    (:func:`alliance_analysis.evaluation.studies.run_study`).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> q = pd.period_range("2008Q1", periods=40, freq="Q")
    >>> forces = ["Warwickshire", "West Mercia", "Norfolk", "Suffolk"] + [f"F{i}" for i in range(12)]
    >>> tot = pd.concat([pd.DataFrame({"force": f, "quarter": q, "count": np.round(np.exp(8 + rng.normal(0, .03, 40))
    ...       * np.where((f in ("Warwickshire", "West Mercia")) & (q >= pd.Period("2012Q1")), 1.3, 1.0))})
    ...       for f in forces])
    >>> reg = register.collaborations()
    >>> r = staggered_effects(tot, time="quarter", register_table=reg[reg["collaboration"].str.startswith("Warw")])
    >>> int(r.event_time["cohorts"].iloc[0]), bool(r.event_time["effect_pct"].iloc[0] > 20)
    (1, True)
    """
    coh = cohorts_from_register(register_table, kinds)
    results, skipped = [], []
    reg = register.collaborations() if register_table is None else register_table
    for _, c in coh.iterrows():
        st = studies.Study(c["collaboration"], tuple(c["forces"]), c["start"], post_years=post_years,
                           source=c["source"], event="start")
        r = studies.run_study(totals, population, st, time=time, data_breaks=data_breaks, register_table=reg,
                              seed=seed, groups=groups)
        if r.skipped:
            skipped.append(f"{c['collaboration']}: {r.skipped}")
        else:
            results.append(r)
    m = 4 if time == "quarter" else 12 if time == "month" else 1
    rng = np.random.default_rng(seed)
    rows, mde = [], float("nan")
    windows = [("first years", None)] + [(f"year {k + 1}", (k * m, (k + 1) * m)) for k in range(post_years)]
    for label, key in windows:
        eff, nulls = [], []
        for r in results:
            k = (0, r.years * m) if key is None else key
            if k not in r.nulls:
                continue
            ratios, spread, e = r.nulls[k]
            eff.append(e)
            nulls.append(rng.choice(ratios, size=draws) * spread)
        if not eff:
            continue
        att = float(np.mean(eff))
        null = np.mean(nulls, axis=0)
        absn = np.sort(np.abs(null))[::-1]
        p = comparison.placebo_p(absn, abs(att))
        c = comparison._critical(absn, comparison.ALPHA)
        if key is None:
            grid = np.arange(0.0, 1.0, 0.0025)
            c4 = comparison._critical(absn, comparison.VERDICT_ALPHA)
            need = []
            for sign in (1.0, -1.0):
                hit = np.array([(np.abs(null + sign * d) > c4).mean() for d in grid])
                ok = np.flatnonzero(hit >= comparison.POWER)
                need.append(float("nan") if len(ok) == 0 else
                            (math.expm1(grid[ok[0]]) if sign > 0 else -math.expm1(-grid[ok[0]])))
            mde = max(need)
        rows.append({"window": "all years observed" if key is None else label, "cohorts": len(eff),
                     "effect_pct": math.expm1(att) * 100, "ci_low_pct": math.expm1(att - c) * 100,
                     "ci_high_pct": math.expm1(att + c) * 100, "p_value": p})
    return StaggeredResult(pd.DataFrame(rows, columns=["window", "cohorts", "effect_pct", "ci_low_pct", "ci_high_pct",
                                                       "p_value"]), results, skipped, draws, seed, mde)
