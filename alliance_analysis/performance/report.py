"""The performance report: every measure against its own history and against similar forces.

:func:`performance_report` builds a :class:`PerformanceReport` for one force or a group of
forces, on the shipped Home Office series (default) or a police.uk street archive (monthly
outcome shares from ``Last outcome category``). The object carries the numbers as
DataFrames (``panel``, ``scorecard``, ``signals``, ``funnels``, ``calibration``), renders
itself, and gives the report's opening (:meth:`PerformanceReport.answer`), the one-page
table (:meth:`~PerformanceReport.summary_table`), a page per measure
(:meth:`~PerformanceReport.pages`) and the appendix (:meth:`~PerformanceReport.appendix`).
"""

from __future__ import annotations

import base64
import dataclasses
import html
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from alliance_analysis import clean
from alliance_analysis.errors import ParameterError
from alliance_analysis.performance import calibration as cal
from alliance_analysis.performance import funnelplot as fn
from alliance_analysis.performance import measures as ms
from alliance_analysis.performance import peers, plots, spc
from alliance_analysis.presentation import report as rp
from alliance_analysis.presentation import tables

log = logging.getLogger(__name__)

VERDICTS = ("Improving", "Deteriorating", "Good", "Concern", "Stable", "Rising", "Falling", "Higher", "Lower",
            "Not checked")
_FREQ_WORD = {"year": "year", "quarter": "quarter", "month": "month"}


def _fmt(v: float, m: ms.Measure) -> str:
    if not np.isfinite(v):
        return "not known"
    if m.unit == "%":
        return f"{v:.1f}%"
    return f"{v:,.{m.decimals}f}"


def _change(now: float, before: float, m: ms.Measure) -> tuple[float, str]:
    if not (np.isfinite(now) and np.isfinite(before)):
        return float("nan"), "not known"
    if m.unit == "%":
        d = now - before
        return d, f"{d:+.1f} points"
    if before == 0:
        return float("nan"), "not known"
    d = (now / before - 1) * 100
    return d, f"{d:+.0f}%" if abs(d) >= 10 else f"{d:+.1f}%"


def _verdict(signal: str, position: str, polarity: int) -> str:
    if signal in ("too few points to judge", "not checked") and position == "not checked":
        return "Not checked"
    if polarity != 0:
        if signal == "improving":
            return "Improving"
        if signal == "deteriorating":
            return "Deteriorating"
        good = "above" if polarity > 0 else "below"
        bad = "below" if polarity > 0 else "above"
        if position.startswith(bad):
            return "Concern"
        if position.startswith(good):
            return "Good"
        return "Stable"
    if signal in ("rising", "falling"):
        return signal.capitalize()
    if position.startswith("above"):
        return "Higher"
    if position.startswith("below"):
        return "Lower"
    return "Stable"


def _episode_sentence(ep: pd.Series, m: ms.Measure, freq: str) -> str:
    side = "higher" if ep["direction"] > 0 else "lower"
    a, b = _period_words(str(ep["start"])), _period_words(str(ep["end"]))
    when = f"In {a}" if a == b else f"From {a} to {b}"
    judged = spc.judge(int(ep["direction"]), m.polarity)
    return f"{when} it was {side} than its usual level ({ep['rules']}): {judged}."


#: the own-history verdict as a phrase after "the latest year/quarter/month shows"
_SHOWS = {"improving": "an improvement", "deteriorating": "a deterioration", "rising": "a rise",
          "falling": "a fall", "no significant change": "no significant change"}


@dataclass
class PerformanceReport:
    """Performance of one force or group: numbers as DataFrames, rendering itself.

    Attributes
    ----------
    unit : str
        The force or group reported on.
    forces : list of str
        Its member forces.
    basis : str
        Counting basis of the outcome rates (``"recorded"`` or ``"assigned"``).
    source : str
        ``"home_office"`` or ``"police_uk"``.
    panel : DataFrame
        Every measure, force (and the group) and period: numerator, denominator, value.
    scorecard : DataFrame
        One row per measure: latest value, change on a year ago, own-history signal,
        position against all forces and against similar forces, verdict, sentence.
    signals : DataFrame
        Dated signal episodes of the unit's charts, with their sentences.
    charts : dict
        Measure -> chart points (value, centre, limits, rule flags, period).
    funnels : dict
        Measure -> {"all": funnel of all forces, "similar": funnel of the similar forces}.
    similar : SimilarForces or None
    calibration : DataFrame or None
        False-alarm rates on simulated stable processes (see :mod:`.calibration`).
    offence_groups : DataFrame or None
        Charge rate and no-suspect share by offence group, latest financial year.
    by_force : DataFrame or None
        For a group: each member's (and the group's) latest value and own-history signal per measure.
    maturity : DataFrame or None
        police.uk street files: each month's share of crimes still awaiting an outcome and whether
        it is settled (:func:`.measures.street_maturity`); maturing months are not judged.
    maturing : dict
        Measure -> the maturing months' points (``period``, ``period_start``, ``value``), drawn
        on the chart but not judged.
    """

    unit: str
    forces: list[str]
    basis: str
    source: str
    panel: pd.DataFrame
    scorecard: pd.DataFrame
    signals: pd.DataFrame
    charts: dict[str, pd.DataFrame] = field(default_factory=dict)
    funnels: dict[str, dict[str, pd.DataFrame]] = field(default_factory=dict)
    similar: peers.SimilarForces | None = None
    calibration: pd.DataFrame | None = None
    offence_groups: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)
    by_force: pd.DataFrame | None = None
    maturity: pd.DataFrame | None = None
    maturing: dict[str, pd.DataFrame] = field(default_factory=dict)

    # ------------------------------------------------------------------ words
    def answer(self) -> str:
        """The report's opening: at most six plain sentences (checked)."""
        s = self.scorecard
        checked = s[s["signal"] != "not checked"]
        n = len(checked)
        imp = checked.loc[checked["signal"] == "improving", "label"].tolist()
        det = checked.loc[checked["signal"] == "deteriorating", "label"].tolist()
        moved = checked.loc[checked["signal"].isin(["rising", "falling"])]
        steady = int((checked["signal"] == "no significant change").sum())

        def names(labels: list[str]) -> str:
            shown = [x if x[:2].isupper() else x[0].lower() + x[1:] for x in labels[:3]]
            return rp.join_names(shown) + (f" and {len(labels) - 3} more" if len(labels) > 3 else "")

        parts = []
        if imp:
            parts.append(f"{len(imp)} {'is' if len(imp) == 1 else 'are'} better than usual ({names(imp)})")
        if det:
            parts.append(f"{len(det)} {'is' if len(det) == 1 else 'are'} worse than usual ({names(det)})")
        if len(moved):
            parts.append(f"{len(moved)} with no better direction moved "
                         f"({names([f'{r.label} {r.signal}' for r in moved.itertuples()])})")
        parts.append(f"{steady} show no real change")
        out = [f"Of {rp.plural(n, 'measure')} of {self.unit}'s performance checked against its own record, "
               f"{rp.join_names(parts) if len(parts) > 1 else parts[0]}."]
        pos = s[s["versus_similar"].str.startswith(("above", "below"))]
        if self.source == "police_uk":
            out.append("These monthly figures come from the police.uk street files, so no comparison with other "
                       "forces was checked.")
            out.append(self._maturity_sentence())
        elif len(pos):
            parts = [f"{r.label.lower()} ({r.versus_similar.split(' the ')[0]})" for r in pos.head(3).itertuples()]
            out.append(f"Against similar forces, {self.unit} stands out on {rp.join_names(parts)}; "
                       f"on the other measures it is within their range.")
        else:
            out.append(f"Against similar forces, {self.unit} is within their range on every measure checked.")
        latest = s.loc[s["frequency"] == "quarter", "latest_period"]
        basis = "the outcomes so far of the crimes recorded in each quarter" if self.basis == "recorded" else \
            "the outcomes given in each quarter, whenever the crime was recorded"
        if len(latest) and self.source != "police_uk":
            out.append(f"Crime outcome rates run to {_period_words(latest.iloc[0])} and count {basis}.")
        if self.calibration is not None and len(self.calibration):
            c = self.calibration[~self.calibration["check"].str.startswith(("plain", "funnel"))]
            worst = float(c["false_alarm_latest"].max())
            out.append(f"A signal means a pattern unlikely to arise by chance: on simulated steady figures the charts "
                       f"flagged the latest point in at most {rp.about_pct(worst, share=True)} of cases.")
        return rp.answer_text(out[:6])

    def _maturity_sentence(self) -> str:
        """police.uk: which recent months are left out because their outcomes are still coming in."""
        if self.basis == "assigned":
            return ("They count the outcomes given each month, whenever the crime was recorded, so every month "
                    "published is complete.")
        m = self.maturity
        if m is None or not len(m):
            return ""
        settled, late = m[m["settled"]], m[~m["settled"]]
        lo = rp.about_pct(float(settled["awaiting_pct"].max()) / 100, share=True) if len(settled) else "none"
        if not len(late):
            return (f"Each crime's latest outcome is used; in every month at most {lo} of crimes still await one, so "
                    f"every month is judged.")
        first, last = _period_words(str(late["month"].iloc[0])), _period_words(str(late["month"].iloc[-1]))
        span = first if len(late) == 1 else f"{first} to {last}"
        return (f"The latest {rp.plural(len(late), 'month')} ({span}) are not judged: many of their crimes still await "
                f"an outcome ({rp.about_pct(float(late['awaiting_pct'].iloc[-1]) / 100, share=True)} in {last}, "
                f"against at most {lo} in the months judged), which lowers their charge shares whether or not "
                f"performance changed.")

    def key_figures(self) -> rp.KeyFigures:
        """A small table of headline figures (reader words)."""
        rows = []
        for key in ("crime_per_1000", "charge_rate", "officers_per_1000", "stop_search_arrest_share"):
            r = self.scorecard[self.scorecard["measure"] == key]
            if len(r) and r["signal"].iloc[0] != "not checked":
                r = r.iloc[0]
                rows.append((f"{r['label']}, {r['latest_period_words']}", f"{r['latest_text']} {_unit_words(key)}",
                             f"{r['change_text']} on a year before; {r['signal']}; {r['versus_similar']}"))
        return rp.KeyFigures(rows, caption=f"Key figures for {self.unit}")

    def summary_table(self):
        """The one-page table: measure, latest value, change on a year ago, own-history signal,
        position against similar forces, verdict (a formatted table)."""
        s = self.scorecard
        t = pd.DataFrame({"Measure": [measure_name(a, b) for a, b in zip(s["label"], s["unit_words"])],
                          "Latest": s["latest_text"] + " (" + s["latest_period_words"] + ")",
                          "Change on a year ago": s["change_text"],
                          "Against its own history": s["signal"],
                          "Against similar forces": s["versus_similar"],
                          "Verdict": s["verdict"]})
        return tables.format_table(t, caption=f"Performance of {self.unit} at a glance (latest period of each "
                                              "measure)")

    def pages(self) -> "MeasurePages":
        """A page per measure: its sentence, control chart and funnel plot (renders itself)."""
        return MeasurePages(self)

    def appendix(self) -> rp.Appendix:
        """How this was worked out: methods, assumptions, calibration, data sources."""
        methods = [
            "Against its own history: statistical process control charts. Counts and rates without a natural "
            "denominator use an individuals chart (XmR: limits at the average plus or minus three times the average "
            "moving range divided by 1.128). Rates per resident or per crime use Laney's u' chart, and proportions "
            "Laney's p' chart (Laney 2002): the limits of a plain p or u chart are widened by the spread of the "
            "points' z-scores, because with denominators in the thousands the plain chart flags almost every point.",
            f"Special causes, as NHS England's Making Data Count: a point outside the limits; a run of {spc.RUN} or "
            f"more on one side of the average; {spc.TREND} or more points rising or falling; 2 of 3 points beyond "
            "two sigma on the same side. The verdict on the latest point is improving, deteriorating (or rising, "
            "falling where neither direction is better) or no significant change; the whole series is the baseline.",
            "Against similar forces: funnel plots with limits adjusted for overdispersion (Spiegelhalter 2005), "
            "additive random effects: the limits add a between-force variance to each force's sampling variance. "
            "That variance is the one at which the forces' z-scores on the combined scale, winsorised at 10% each "
            "tail (so a few outlying forces do not widen the funnel), have the mean square of a normal sample "
            "(0.68). FunnelPlotR instead winsorises the sampling z-scores and uses DerSimonian-Laird; because "
            "forces differ far more than sampling explains, that trims the largest forces rather than outliers, "
            "and on simulated steady panels its 99.8% limits left 0.6-0.7% of forces outside instead of 0.2%. "
            "These limits leave about 0.3% outside (and about 5% outside the 95% limits): the spread between "
            "forces is itself estimated from 43 forces, so the outer limits are slightly narrower than promised "
            "(see the diagnostics). A force beyond the 99.8% limits is above or below the range; the similar "
            "forces' funnel is centred on their pooled value and uses the national between-force variance.",
            "Groups of forces: summed numerators over summed denominators, for periods where every member has data.",
            "Verdict: improving or deteriorating when the latest point signals; otherwise good or concern when the "
            "force is below or above the range of similar forces (on the side that is better or worse), else stable.",
        ]
        assumptions = [
            "Outcome rates count "
            + (ms.BASES and ("the outcomes so far of the offences recorded in each quarter, as a share of those "
                             "offences (crimes not yet assigned an outcome included)" if self.basis == "recorded"
                             else "the outcomes assigned in each quarter, whenever the offence was recorded, as a "
                                  "share of all outcomes assigned in the quarter"))
            + ". The 2017/18 table as tidied by its publisher drops expired offence codes; the 2018/19 table keeps "
              "them, with no count of outcomes for offences recorded in the quarter.",
            "Harm is the ONS Crime Severity Score (crimes weighted by sentencing severity, per resident); harm per "
            "officer multiplies it by the population and divides by officers (full-time equivalent at 31 March).",
            "Population is the ONS mid-year estimate of the year the financial year starts in (to mid-2020).",
            f"Similar forces for {self.similar.force if self.similar else self.unit}: "
            f"{self.similar.source if self.similar else 'not checked'}"
            + (f" ({rp.join_names(self.similar.forces)})." if self.similar and self.similar.forces else "."),
        ] + list(self.notes)
        if self.source == "police_uk":
            # a police.uk archive: monthly outcome shares of the archive's own forces, no funnel, no Home Office tables
            methods = [x for x in methods if not x.startswith(("Against similar forces", "Verdict"))] + [
                "Against similar forces: not checked (a police.uk archive holds only its own forces).",
                "Verdict: improving or deteriorating when the latest judged month signals (rising or falling where "
                "neither direction is better), else stable.",
            ]
            assumptions = [
                "Outcome shares count "
                + ("each crime's latest outcome when the archive was published (the street files' Last outcome "
                   "category), as a share of the month's crimes; anti-social behaviour incidents are not crimes and "
                   "are left out; court results count as charged or summonsed" if self.basis == "recorded" else
                   "the police outcomes given in each month (the archive's outcomes files), whenever the crime was "
                   "recorded")
                + ". police.uk's unable-to-prosecute outcome covers evidential difficulties whether or not the victim "
                  "supports action.",
            ] + list(self.notes)
        diagnostics = []
        if self.calibration is not None:
            for r in self.calibration.itertuples():
                if r.check.startswith("funnel"):
                    diagnostics.append(
                        f"{r.check}, {r.measure}: {rp.about_pct(r.false_alarm_latest, share=True)} of stable forces "
                        f"outside the 99.8% limits (promised 0.2%), {rp.about_pct(r.outside_95, share=True)} outside "
                        f"the 95% limits (promised 5%), {r.n_sims} simulated panels of {r.points} forces.")
                else:
                    diagnostics.append(
                        f"{r.check}, {r.measure} ({r.points} points"
                        + (f", overdispersion factor {r.overdispersion:.2f}" if np.isfinite(r.overdispersion) else "")
                        + f"): latest point flagged on {rp.about_pct(r.false_alarm_latest, share=True)} of "
                          f"{r.n_sims} simulated stable series, some point on {rp.about_pct(r.any_signal, share=True)}.")
        sources = sorted({ms.MEASURES[k].source for k in self.scorecard["measure"]})
        if self.source == "police_uk":
            sources = ["data.police.uk outcomes files (Outcome type), as given" if self.basis == "assigned" else
                       "data.police.uk street files (Last outcome category), as given"]
        sources.append("Contains public sector information licensed under the Open Government Licence v3.0.")
        return rp.Appendix(methods=methods, assumptions=assumptions, diagnostics=diagnostics, sources=sources)

    def header_facts(self) -> dict:
        """``source``, ``forces`` and ``period`` for the report header (reader words)."""
        if self.source == "police_uk":
            src = ("police.uk outcomes files (the outcomes given each month)" if self.basis == "assigned" else
                   "police.uk street files (the Last outcome category of each crime)")
        else:
            src = ("Home Office crime outcomes (2017/18 and 2018/19), stop and search, arrests, recorded crime and "
                   "workforce open data; ONS population and Crime Severity Score (shipped with the package)")
        own = self.panel[self.panel["force"] == self.unit]
        if len(own):
            a = own.loc[own["period_start"].idxmin(), "period"]
            b = own.loc[own["period_start"].idxmax(), "period"]
            period = f"{_period_words(str(a))} to {_period_words(str(b))}"
        else:
            period = "not known"
        return {"source": src, "forces": list(self.forces), "period": period}

    def offence_group_table(self):
        """Charge rate and no-suspect share by offence group in the latest financial year, for the
        force or group, its similar forces and England and Wales (a formatted table)."""
        if self.offence_groups is None or not len(self.offence_groups):
            from IPython.display import Markdown

            return Markdown("Outcomes by offence group: not checked (the Home Office outcomes tables are not used "
                            "for a police.uk archive).")
        t = self.offence_groups.copy()
        names = {"charge_rate": "charged or summonsed (%)", "no_suspect_share": "no suspect identified (%)"}
        labels = {c: f"{c.split('|')[0]}: {names[c.split('|')[1]]}" for c in t.columns if "|" in c}
        labels["offence_group"] = "Offence group"
        return tables.format_table(t, pct=[c for c in t.columns if "|" in c], labels=labels,
                                   caption=f"Outcomes by offence group, {t.attrs.get('financial_year', '')} "
                                           f"({ms.BASES and ('outcomes so far of offences recorded in the year' if self.basis == 'recorded' else 'outcomes assigned in the year')})")

    def force_table(self):
        """Each member force beside the group: latest value and own-history signal per measure."""
        if self.by_force is None or not len(self.by_force):
            from IPython.display import Markdown

            return Markdown(f"{self.unit} is one force: its figures are in the table above.")
        return tables.format_table(self.by_force, caption=f"Each force in {self.unit}: latest value (own-history "
                                                          "signal)")

    def calibration_table(self):
        """The false-alarm rates measured on simulated stable processes (a formatted table)."""
        if self.calibration is None or not len(self.calibration):
            from IPython.display import Markdown

            return Markdown("Calibration: not run (no simulations asked for, or too few points).")
        c = self.calibration.copy()
        t = pd.DataFrame({"Check": c["check"], "Measure": c["measure"], "Points or forces": c["points"],
                          "Latest point flagged (funnel: forces outside 99.8%)": c["false_alarm_latest"],
                          "Any point flagged (funnel: any force outside 99.8%)": c["any_signal"],
                          "Funnel: forces outside 95%": c["outside_95"], "Simulations": c["n_sims"]})
        return tables.format_table(t, counts=["Points or forces", "Simulations"],
                                   shares=[x for x in t.columns if "flagged" in x or "outside" in x],
                                   caption="How often each method signals on steady figures shaped like the real ones")

    def summary_text(self) -> str:
        """Plain text: one sentence per measure."""
        return "\n".join(f"- {s}" for s in self.scorecard["sentence"])

    def summary(self) -> str:  # type: ignore[override]
        """Short text summary (the answer)."""
        return self.answer()

    def _repr_html_(self) -> str:
        return f"<p>{html.escape(self.answer())}</p>" + self.summary_table().to_html()


def _period_words(period: str) -> str:
    if "Q" in period:
        y, q = int(period[:4]), int(period[-1])
        fy_start = y if q >= 2 else y - 1
        return f"{clean.fy_label(fy_start)} quarter {(q - 2) % 4 + 1}"
    return period if "/" in period else pd.Period(period, "M").strftime("%B %Y")


def measure_name(label: str, unit: str) -> str:
    """A measure's name with its unit, the unit left out where the name already says it.

    Examples
    --------
    >>> measure_name("Recorded crime", "per 1,000 residents")
    'Recorded crime (per 1,000 residents)'
    >>> measure_name("Arrests per 100 recorded crimes", "per 100 crimes")
    'Arrests per 100 recorded crimes'
    """
    lead = " ".join(unit.lower().split()[:2])
    if lead.startswith("per ") and lead in label.lower():
        return label
    return f"{label} ({unit})"


def _unit_words(key: str) -> str:
    u = ms.MEASURES[key].unit
    return "" if u == "%" else u


class MeasurePages:
    """A page per measure: heading, sentence, control chart and funnel plot (images carry alt text)."""

    def __init__(self, report: PerformanceReport) -> None:
        self.report = report

    def _img(self, fig) -> str:
        from alliance_analysis.presentation.plots import describe_figure

        alt = describe_figure(fig)
        data = base64.b64encode(plots.figure_png(fig)).decode()
        return f"<img src='data:image/png;base64,{data}' alt='{html.escape(alt, quote=True)}' style='max-width:100%'>"

    def figures(self, row) -> list:
        """The page's figures for one scorecard row (a control chart, then the similar forces' funnel)."""
        r = self.report
        figs = []
        chart = r.charts.get(row.measure)
        if chart is not None and len(chart) >= 2:
            figs.append(plots.plot_spc(chart, chart["period_start"], measure=row.measure, unit=r.unit,
                                       frequency=row.frequency, maturing=r.maturing.get(row.measure),
                                       title=f"{row.label}: {r.unit}"))
        f = r.funnels.get(row.measure, {})
        if "similar" in f:
            figs.append(plots.plot_funnel(f["similar"], measure=row.measure, highlight=r.unit,
                                          comparison="similar forces",
                                          title=f"{row.label}, {row.latest_period_words}: {r.unit} against similar "
                                                "forces"))
        return figs

    def _ipython_display_(self) -> None:
        """In a notebook: each page as a heading, its sentence and real figure outputs (so reports give
        every chart its alt text)."""
        import matplotlib.pyplot as plt
        from IPython.display import HTML, display

        for row in self.report.scorecard.itertuples():
            display(HTML(f"<h3>{html.escape(row.label)}</h3><p>{html.escape(row.sentence)}</p>"))
            for fig in self.figures(row):
                display(fig)
                plt.close(fig)

    def _repr_html_(self) -> str:
        r = self.report
        parts = []
        for row in r.scorecard.itertuples():
            parts.append(f"<h3>{html.escape(row.label)}</h3><p>{html.escape(row.sentence)}</p>")
            chart = r.charts.get(row.measure)
            if chart is not None and len(chart) >= 2:
                parts.append(self._img(plots.plot_spc(chart, chart["period_start"], measure=row.measure, unit=r.unit,
                                                      frequency=row.frequency, maturing=r.maturing.get(row.measure),
                                                      title=f"{row.label}: {r.unit}")))
            f = r.funnels.get(row.measure, {})
            if "similar" in f:
                parts.append(self._img(plots.plot_funnel(f["similar"], measure=row.measure, highlight=r.unit,
                                                         comparison="similar forces",
                                                         title=f"{row.label}, {row.latest_period_words}: "
                                                               f"{r.unit} against similar forces")))
        return "".join(parts)


def _position(num: float, den: float, f: pd.DataFrame) -> tuple[str, float]:
    scale = f.attrs["scale"]
    theta = f.attrs["target"] / scale
    kind = f.attrs["kind"]
    se = np.sqrt(theta * (1 - theta) / den) if kind == "p" else np.sqrt(theta / den)
    if f.attrs["method"] == "additive":
        total = np.sqrt(se ** 2 + f.attrs["tau2"])
    elif f.attrs["method"] == "multiplicative":
        total = se * np.sqrt(max(f.attrs["phi"], 1.0))
    else:
        total = se
    z = (num / den - theta) / total
    return ("above" if z > fn.Z998 else "below" if z < -fn.Z998 else "within"), float(z)


#: police.uk does not say whether the victim supported action ("Unable to prosecute suspect" covers both)
POLICE_UK_LABELS = {"evidential_no_victim_support_share": "Evidential difficulties (victim's support not known)"}


def _chart(series: pd.DataFrame, m: ms.Measure) -> pd.DataFrame:
    if m.chart == "xmr":
        lim = spc.xmr_limits(series["value"])
    else:
        lim = spc.laney_limits(series["numerator"], series["denominator"], kind=m.chart, scale=m.scale)
    flags = spc.special_causes(lim)
    flags["period"] = series["period"].to_numpy()
    flags["period_start"] = series["period_start"].to_numpy()
    return flags


def performance_report(forces: Sequence[str] | str = ("Warwickshire", "West Mercia"), *,
                       group_name: str | None = None, basis: str = "recorded", police_uk_path: str | Path | None = None,
                       measures: Sequence[str] | None = None, funnel_method: str = "additive", n_sims: int = 1000,
                       seed: int = 2014) -> PerformanceReport:
    """Build the performance report for a force or a group of forces.

    Parameters
    ----------
    forces : str or sequence of str
        Force names or a named group (``data/raw/reference/force_groups.csv``). With
        ``police_uk_path``, the forces in the archive (empty: every force in it).
    group_name : str, optional
        The group's name in the report (default: the forces' names joined).
    basis : {"recorded", "assigned"}
        Counting basis of the outcome rates (see :mod:`.measures`).
    police_uk_path : path, optional
        A police.uk archive (folder or zip): monthly outcome shares instead of the Home Office
        series; no comparison with other forces. ``basis="recorded"``: each crime's latest
        outcome from the street files, recent months whose outcomes are still coming in held
        out of the judgements (:func:`.measures.street_maturity`); ``basis="assigned"``: the
        outcomes given each month, from the archive's outcomes files.
    measures : sequence of str, optional
        Only these measures (keys of :data:`measures.MEASURES`).
    funnel_method : {"additive", "multiplicative", "none"}
    n_sims : int
        Simulations for the calibration (0 skips it).
    seed : int

    Returns
    -------
    PerformanceReport

    Raises
    ------
    ParameterError
        Unknown measure, basis or method, or no data for the forces.
    """
    if basis not in ms.BASES:
        raise ParameterError(f"basis {basis!r} is not one of {ms.BASES}")
    if funnel_method not in fn.METHODS:
        raise ParameterError(f"funnel method {funnel_method!r} is not one of {fn.METHODS}")
    unknown = [k for k in (measures or []) if k not in ms.MEASURES]
    if unknown:
        raise ParameterError(f"unknown measures {unknown}; choose from {sorted(ms.MEASURES)}")
    wanted = clean.resolve_forces(forces) if forces else []
    notes: list[str] = []
    maturity = None
    if police_uk_path is not None:
        from alliance_analysis.datasets.outcomes import load_police_uk_outcome_files, load_street_outcomes

        if basis == "assigned":
            counts = load_police_uk_outcome_files(police_uk_path, forces=wanted or None)
            if counts.empty:
                raise ParameterError(f"the police.uk archive {police_uk_path} has no outcomes files "
                                     "(YYYY-MM/YYYY-MM-<force>-outcomes.csv) for the forces asked for, so outcomes "
                                     "given each month cannot be counted; fix: use outcome_basis 'recorded' (each "
                                     "crime's latest outcome from the street files) or an archive with outcomes files")
            panel = ms.assigned_outcome_panel(counts)
            notes.append("The outcome shares count the police outcomes given each month (police.uk outcomes files), "
                         "whenever the crime was recorded; court results after a charge are left out of both the "
                         "count and the total.")
        else:
            counts = load_street_outcomes(police_uk_path, forces=wanted or None)
            panel = ms.street_outcome_panel(counts)
        wanted = sorted(counts["force"].unique()) if not wanted else [f for f in wanted if f in set(counts["force"])]
        if not wanted:
            raise ParameterError("none of the forces asked for is in the police.uk archive")
        if basis == "recorded":
            maturity = ms.street_maturity(counts[counts["force"].isin(wanted)])
            notes.append("police.uk gives each crime's latest outcome when the archive was published, so the most "
                         "recent months still hold crimes awaiting an outcome. Months are judged up to the last month "
                         "whose share of crimes still awaiting an outcome (under investigation or with no status "
                         f"update) is within {ms.SETTLED_MARGIN_PP:g} percentage points of the archive's lowest month "
                         f"({maturity['awaiting_pct'].min():.1f}%); the months after it are drawn as open circles and "
                         "not judged.")
        freq = {k: "month" for k in ms.OUTCOME_TYPES}
        source = "police_uk"
        annual = outcomes = None
    else:
        annual = ms.annual_panel()
        outcomes = ms.outcome_panel(basis)
        panel = pd.concat([annual, outcomes], ignore_index=True)
        freq = {k: m.frequency for k, m in ms.MEASURES.items()}
        source = "home_office"
        missing = [f for f in wanted if f not in set(panel["force"])]
        if missing:
            raise ParameterError(f"no Home Office data for {missing}; territorial forces only")
    if not wanted:
        raise ParameterError("give at least one force")
    unit = wanted[0] if len(wanted) == 1 else (group_name or rp.group_name(wanted))
    if len(wanted) > 1:
        panel = ms.with_group(panel, wanted, unit)
    keys = [k for k in (measures or ms.MEASURES) if k in freq and k in set(panel["measure"])]
    similar = peers.similar_to_group(wanted, annual) if source == "home_office" else None
    rows, episodes, charts, funnels, maturing = [], [], {}, {}, {}
    late = set() if maturity is None else {str(x) for x in maturity.loc[~maturity["settled"], "month"]}
    for key in keys:
        m = ms.MEASURES[key]
        if source == "police_uk" and key in POLICE_UK_LABELS:
            m = dataclasses.replace(m, label=POLICE_UK_LABELS[key])
        s = ms.series_of(panel, key, unit)
        if late:
            held = s["period"].isin(late)
            maturing[key] = s.loc[held, ["period", "period_start", "value"]].reset_index(drop=True)
            s = s[~held].reset_index(drop=True)
        unit_words = m.unit
        if key in ms.OUTCOME_TYPES:   # every outcome rate says its counting basis
            unit_words = (("% of the month's crimes, latest outcome known" if basis == "recorded" else
                           "% of police outcomes given in the month") if source == "police_uk" else
                          "% of crimes recorded in the quarter" if basis == "recorded" else
                          "% of outcomes assigned in the quarter")
        row = {"measure": key, "label": m.label, "unit_words": unit_words, "frequency": freq[key],
               "polarity": m.polarity}
        if len(s) < 2:
            row.update(latest_period="", latest_period_words="not known", latest_value=float("nan"),
                       latest_text="not known", change=float("nan"), change_text="not known", signal="not checked",
                       versus_all="not checked", versus_similar="not checked", verdict="Not checked",
                       sentence=f"{m.label}: no data for {unit}, so not checked.")
            rows.append(row)
            continue
        flags = _chart(s, m)
        charts[key] = flags
        signal = spc.latest_signal(flags, m.polarity)
        eps = spc.signal_episodes(flags, s["period"].tolist())
        lag = {"year": 1, "quarter": 4, "month": 12}[freq[key]]
        now = float(s["value"].iloc[-1])
        before = float(s["value"].iloc[-1 - lag]) if len(s) > lag else float("nan")
        change, change_text = _change(now, before, m)
        latest = str(s["period"].iloc[-1])
        vs_all = vs_sim = "not checked"
        if source == "home_office":
            last = panel[(panel["measure"] == key) & (panel["period"] == latest)
                         & panel["force"].isin(clean.CANONICAL_FORCES)]
            kind = "p" if m.chart == "p" else "u"
            if len(last) >= 10:
                f_all = fn.funnel(last["numerator"], last["denominator"], kind=kind, method=funnel_method,
                                  scale=m.scale, units=last["force"].tolist())
                pos, _ = _position(float(s["numerator"].iloc[-1]), float(s["denominator"].iloc[-1]), f_all)
                vs_all = f"{pos} the range of all forces" if pos != "within" else "within the range of all forces"
                sim = last[last["force"].isin(similar.forces)] if similar is not None else last.iloc[:0]
                if len(sim) >= 3:
                    target = float(sim["numerator"].sum() / sim["denominator"].sum())
                    units = pd.concat([sim[["force", "numerator", "denominator"]],
                                       s.iloc[[-1]].assign(force=unit)[["force", "numerator", "denominator"]]])
                    f_sim = fn.funnel(units["numerator"], units["denominator"], kind=kind, method=funnel_method,
                                      target=target, tau2=f_all.attrs["tau2"], scale=m.scale,
                                      units=units["force"].tolist())
                    f_sim.attrs["phi"] = f_all.attrs["phi"]
                    pos, _ = _position(float(s["numerator"].iloc[-1]), float(s["denominator"].iloc[-1]), f_sim)
                    vs_sim = f"{pos} the range of similar forces" if pos != "within" else \
                        "within the range of similar forces"
                    funnels[key] = {"all": f_all, "similar": f_sim}
                else:
                    funnels[key] = {"all": f_all}
        verdict = _verdict(signal, vs_sim if vs_sim != "not checked" else vs_all, m.polarity)
        unit_txt = "" if m.unit == "%" else f" {m.unit}"
        first = (f"{m.label} in {unit}: {_fmt(now, m)}{unit_txt} in {_period_words(latest)}"
                 + (f" ({change_text} on a year before)." if change_text != "not known" else "."))
        last_dir = int(flags["direction"].iloc[-1]) if bool(flags["signal"].iloc[-1]) else 0
        fw = _FREQ_WORD[freq[key]]
        if signal == "too few points to judge":
            own = "Against its own record: too few points to judge."
        elif last_dir == 0:
            own = f"Against its own record: the latest {fw} is within its usual range (no significant change)."
        else:
            own = (f"Against its own record: the latest {fw} is {'higher' if last_dir > 0 else 'lower'} than its "
                   f"usual level, {_SHOWS[signal]}.")
        ep_text = " ".join(_episode_sentence(e, m, freq[key]) for _, e in eps.tail(2).iterrows())
        comp = (f" Against similar forces it is {vs_sim}; against all forces, {vs_all}." if vs_sim != "not checked"
                else f" Against all forces it is {vs_all}." if vs_all != "not checked" else "")
        sentence = " ".join(x for x in (first, own, ep_text) if x) + comp
        row.update(latest_period=latest, latest_period_words=_period_words(latest), latest_value=now,
                   latest_text=_fmt(now, m), change=change, change_text=change_text, signal=signal,
                   versus_all=vs_all, versus_similar=vs_sim, verdict=verdict, sentence=sentence)
        rows.append(row)
        for _, e in eps.iterrows():
            episodes.append({"measure": key, "label": m.label, **e.to_dict(),
                             "judgement": spc.judge(int(e["direction"]), m.polarity),
                             "sentence": _episode_sentence(e, m, freq[key])})
    summary = pd.DataFrame(rows)
    signals = pd.DataFrame(episodes, columns=["measure", "label", "start", "end", "points", "direction", "rules",
                                              "judgement", "sentence"])
    calib = None
    if n_sims > 0 and source == "home_office":
        calib = cal.calibrate(annual, outcomes, n_sims=n_sims, seed=seed)
    elif n_sims > 0:
        sub = panel[(panel["measure"] == "charge_rate") & (panel["force"] == unit)].sort_values("period_start")
        if "charge_rate" in charts:   # the months judged (police.uk months still maturing are not)
            sub = sub[sub["period"].isin(charts["charge_rate"]["period"])]
        if len(sub) >= spc.MIN_POINTS:
            sz = float(spc.laney_limits(sub["numerator"], sub["denominator"])["sigma_z"].iloc[0])
            level = float(sub["numerator"].sum() / sub["denominator"].sum())
            r = cal.chart_false_alarms("p", len(sub), denominators=sub["denominator"].to_numpy(), level=level,
                                       sigma_z=sz, n_sims=n_sims, seed=seed)
            calib = pd.DataFrame([{"check": "Laney p' chart", "measure": "Charged or summonsed", "points": len(sub),
                                   "overdispersion": sz, "nominal": float("nan"),
                                   "false_alarm_latest": r["latest_flagged"], "any_signal": r["any_signal"],
                                   "outside_95": float("nan"), "n_sims": n_sims}])
    by_force = None
    if len(wanted) > 1:
        cells = []
        for key in keys:
            m = ms.MEASURES[key]
            row = {"Measure": measure_name(m.label, m.unit)}
            for who in [*wanted, unit]:
                sw = ms.series_of(panel, key, who)
                if len(sw) < 2:
                    row[who] = "not known"
                    continue
                sig = spc.latest_signal(_chart(sw, m), m.polarity)
                row[who] = f"{_fmt(float(sw['value'].iloc[-1]), m)} ({sig})"
            cells.append(row)
        by_force = pd.DataFrame(cells)
    og = None
    if source == "home_office":
        og = _offence_group_table(basis, wanted, unit, similar)
    return PerformanceReport(unit=unit, forces=wanted, basis=basis, source=source, panel=panel, scorecard=summary,
                             signals=signals, charts=charts, funnels=funnels, similar=similar, calibration=calib,
                             offence_groups=og, notes=notes, by_force=by_force, maturity=maturity, maturing=maturing)


def _offence_group_table(basis: str, forces: list[str], unit: str,
                         similar: peers.SimilarForces | None) -> pd.DataFrame:
    p = ms.outcome_panel(basis, by_offence_group=True)
    last_fy = max(p["period_start"]).year - 1 if max(p["period_start"]).month < 4 else max(p["period_start"]).year
    p = p[(p["period_start"] >= pd.Timestamp(f"{last_fy}-04-01")) & (p["measure"].isin(["charge_rate",
                                                                                        "no_suspect_share"]))]
    groups = {unit: forces, "Similar forces": list(similar.forces) if similar else [],
              "England and Wales": list(clean.CANONICAL_FORCES)}
    out = []
    for name, members in groups.items():
        if not members:
            continue
        g = p[p["force"].isin(members)].groupby(["offence_group", "measure"])[["numerator", "denominator"]].sum()
        g["value"] = g["numerator"] / g["denominator"] * 100
        out.append(g["value"].unstack("measure").add_prefix(f"{name}|"))
    t = pd.concat(out, axis=1).reset_index()
    t.attrs["financial_year"] = clean.fy_label(last_fy)
    return t
