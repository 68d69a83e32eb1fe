"""Demand as the review meant it (issue 22): police time, harm per officer, the split against them,
anti-social behaviour as its own stream, unmet demand and where demand concentrates, as one
results object with the report's opening answer.

:func:`demand_review` runs every section its inputs allow on top of
:func:`alliance_analysis.demand.report.demand_analysis`; a section whose input is absent
(a file kept beside the project, a police.uk archive for the neighbourhood sections)
records one plain sentence saying so and the report goes on. :meth:`DemandReview.answer`
is the report's "The answer" (at most six plain sentences); :meth:`key_figures` and
:meth:`appendix` give the key-figures table and "How this was worked out".

Examples
--------
>>> r = DemandReview.empty("Kent")
>>> r.answer()   # nothing given: each question says it was not checked
'Demand in police time was not checked: no data. How much crime goes unreported was not checked: no survey data.'
"""

from __future__ import annotations

import html
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from alliance_analysis.demand import police_time as pt
from alliance_analysis.demand import pressure as pr
from alliance_analysis.demand import streams, unmet
from alliance_analysis.demand._common import check_split
from alliance_analysis.demand.annual import split_drift
from alliance_analysis.errors import ParameterError

log = logging.getLogger(__name__)

HOURS_BASIS = "demand in police time (hours)"
#: Cambridge Crime Harm Index weights beside the project (not shippable), for the harm concentration
CCHI_FILE: Path = pt.paths.SHARED_DATA_DIR / "harm" / "cchi_days_by_offence_subgroup.csv"


def _hours_shares(police_time: pd.DataFrame, forces: Sequence[str], split: Mapping[str, float]) -> pd.DataFrame:
    d = police_time[police_time["area"].isin(forces)]
    n = d.groupby("year")["area"].nunique()
    d = d[d["year"].isin(n[n == len(forces)].index)]
    if d.empty:
        return pd.DataFrame()
    s = d.assign(share_pct=d["hours"] / d.groupby("year")["hours"].transform("sum") * 100, basis=HOURS_BASIS)
    s = s.rename(columns={"area": "force", "hours": "value"})
    return split_drift(s[["financial_year", "year", "basis", "force", "value", "share_pct"]], split)


def split_pressure(hpo: pd.DataFrame, forces: Sequence[str], split: Mapping[str, float]) -> pd.DataFrame:
    """Harm per officer, actual and if the partners' officers were shared as the split, year by year.

    Equal pressure needs each partner's share of officers to equal its share of harm; the
    column ``harm_per_officer_if_split`` = harm / (split share x the partners' officers),
    and ``pressure_vs_partners_pct`` says how far the partner's harm per officer under the
    split lies above (+) or below (-) the partners' overall harm per officer.

    Examples
    --------
    >>> h = pd.DataFrame({"force": ["A", "B"], "financial_year": "2013/14", "year": 2013,
    ...                   "harm": [600.0, 400.0], "officers": [7.0, 3.0], "harm_per_officer": [600 / 7, 400 / 3]})
    >>> split_pressure(h, ["A", "B"], {"A": 70, "B": 30})["pressure_vs_partners_pct"].round(1).tolist()
    [-14.3, 33.3]
    """
    d = hpo[hpo["force"].isin(forces)]
    n = d.groupby("year")["force"].nunique()
    d = d[d["year"].isin(n[n == len(forces)].index)].copy()
    if d.empty:
        return pd.DataFrame()
    tot_h = d.groupby("year")["harm"].transform("sum")
    tot_o = d.groupby("year")["officers"].transform("sum")
    d["split_pct"] = d["force"].map(split).astype(float)
    d["harm_share_pct"] = d["harm"] / tot_h * 100
    d["officer_share_pct"] = d["officers"] / tot_o * 100
    d["harm_per_officer_if_split"] = d["harm"] / (d["split_pct"] / 100 * tot_o)
    d["pressure_vs_partners_pct"] = (d["harm_per_officer_if_split"] / (tot_h / tot_o) - 1) * 100
    return d[["financial_year", "year", "force", "harm_per_officer", "harm_share_pct", "officer_share_pct",
              "split_pct", "harm_per_officer_if_split", "pressure_vs_partners_pct"]].reset_index(drop=True)


def _fmt_hours(x: float) -> str:
    from alliance_analysis.presentation.report import about

    return about(x)


@dataclass
class DemandReview:
    """Results of :func:`demand_review` (frames are empty where a section could not run).

    Attributes
    ----------
    group_name : str
        The forces' readable name.
    forces : list of str
    analysis : DemandAnalysis or None
        The volume, rates, trends, harm and split sections (``demand.report``).
    police_time : DataFrame
        :func:`police_time.hours_per_fte` per force and for the group.
    uncovered : DataFrame
        Offences without a police-time estimate in the latest year (counted, never zero hours).
    pressure : DataFrame
        :func:`pressure.against_group`: harm per officer beside the comparison group.
    split_hours, split_pressure : DataFrame
        The split against each partner's share of demand in hours; harm per officer under the split.
    asb : dict of DataFrame
        :func:`streams.asb_stream` (police.uk archives only).
    concentration : DataFrame
        :func:`streams.concentration` (police.uk archives only).
    unmet, unmet_totals : DataFrame
        :func:`unmet.unmet_demand` and :func:`unmet.unmet_totals` (2011/12).
    productive_hours : float
    split : dict
    skipped : dict
        Section -> the plain sentence saying why it did not run.
    sources : list of str
    """

    group_name: str
    forces: list[str]
    analysis: object | None = None
    police_time: pd.DataFrame = field(default_factory=pd.DataFrame)
    uncovered: pd.DataFrame = field(default_factory=pd.DataFrame)
    pressure: pd.DataFrame = field(default_factory=pd.DataFrame)
    split_hours: pd.DataFrame = field(default_factory=pd.DataFrame)
    split_pressure: pd.DataFrame = field(default_factory=pd.DataFrame)
    asb: dict = field(default_factory=dict)
    concentration: pd.DataFrame = field(default_factory=pd.DataFrame)
    unmet: pd.DataFrame = field(default_factory=pd.DataFrame)
    unmet_totals: pd.DataFrame = field(default_factory=pd.DataFrame)
    productive_hours: float = pt.PRODUCTIVE_HOURS_PER_FTE
    split: dict = field(default_factory=dict)
    skipped: dict = field(default_factory=dict)
    sources: list = field(default_factory=list)

    @classmethod
    def empty(cls, name: str) -> "DemandReview":
        """A review with no sections (for examples and failed inputs)."""
        return cls(name, [name])

    # ------------------------------------------------------------------ answer-first pieces
    def _time_force_rows(self) -> pd.DataFrame:
        t = self.police_time
        if t.empty:
            return t
        return t[t["area"].isin(self.forces) & t["hours_per_fte"].notna()]

    def fastest_rise(self) -> dict | None:
        """The force whose demand in hours per FTE rose most between the first and last years with both.

        Examples
        --------
        >>> DemandReview.empty("A").fastest_rise() is None
        True
        """
        t = self._time_force_rows()
        if t.empty:
            return None
        best = None
        for f, g in t.groupby("area"):
            g = g.sort_values("year")
            if len(g) < 2:
                continue
            a, b = g.iloc[0], g.iloc[-1]
            ch = (b["hours_per_fte"] / a["hours_per_fte"] - 1) * 100
            hch = (b["hours"] / a["hours"] - 1) * 100
            row = {"force": f, "first": a["financial_year"], "last": b["financial_year"], "change_pct": ch,
                   "hours_change_pct": hch, "first_value": a["hours_per_fte"], "last_value": b["hours_per_fte"],
                   "coverage_pct": b["coverage_pct"]}
            if best is None or ch > best["change_pct"]:
                best = row
        return best

    def split_matches_time(self) -> dict | None:
        """The lead partner's share of demand in hours in the latest year against the split.

        Examples
        --------
        >>> DemandReview.empty("A").split_matches_time() is None
        True
        """
        s = self.split_hours
        if s.empty or not self.split:
            return None
        lead = next(iter(self.split))
        d = s[s["force"] == lead].sort_values("year")
        last = d.iloc[-1]
        within = int((d["gap_pp"].abs() <= 1).sum())
        return {"force": lead, "financial_year": last["financial_year"], "share_pct": last["share_pct"],
                "split_pct": last["split_pct"], "gap_pp": last["gap_pp"], "years": len(d), "within": within,
                "min": d["share_pct"].min(), "max": d["share_pct"].max(),
                "first_year": d["financial_year"].iloc[0]}

    def answer(self) -> str:
        """The report's "The answer": at most six plain sentences (checked for code identifiers).

        One sentence each on where demand in hours rose fastest, whether the split matches
        demand in time, and how much demand goes unreported; each says "not checked" where
        its input is missing. No split sentence where the forces have no agreed split.
        """
        from alliance_analysis.presentation.report import about, about_pct, answer_text

        out = []
        a = self.analysis
        if a is not None and len(getattr(a, "annual", [])):
            ann = a.annual[(a.annual["area"] == a.group_name)]
            cat = a.category
            ann = ann[~ann[cat].isin(("Anti-social behaviour", "Fraud"))]
            tot = ann.groupby("financial_year")["count"].sum().sort_index()
            if len(tot) >= 2:
                ch = (tot.iloc[-1] / tot.iloc[0] - 1) * 100
                out.append(f"{self.group_name} recorded {about(tot.iloc[-1])} crimes in {tot.index[-1]}, "
                           f"{'up' if ch >= 0 else 'down'} {about_pct(abs(ch))} on {tot.index[0]}.")
        fr = self.fastest_rise()
        if fr is not None:
            many = len(self.forces) > 1
            lead = (f"Of the forces, demand on police time rose fastest in {fr['force']}: the police hours its "
                    "recorded crimes take, per member of staff, went" if many else
                    f"In {fr['force']}, the police hours its recorded crimes take, per member of staff, went")
            out.append(f"{lead} "
                       f"{'up' if fr['change_pct'] >= 0 else 'down'} {about_pct(abs(fr['change_pct']))} between "
                       f"{fr['first']} and {fr['last']} (to {about(fr['last_value'])} hours a year each), "
                       f"counting only the {about_pct(fr['coverage_pct'])} of crimes with a Home Office time estimate.")
        else:
            out.append("Demand in police time was not checked: " + self.skipped.get("Police time", "no data.").rstrip(".")
                       + ".")
        sm = self.split_matches_time()
        if sm is not None:
            verdict = ("is within a point of its share" if abs(sm["gap_pp"]) <= 1 else
                       "asks it to pay more than its share" if sm["gap_pp"] > 0 else
                       "asks it to pay less than its share")
            out.append(f"Under the agreed split {sm['force']} pays {sm['split_pct']:g}% and carried "
                       f"{about_pct(sm['share_pct'])} of the partners' demand in police time in {sm['financial_year']} "
                       f"(between {about_pct(sm['min'])} and {about_pct(sm['max'])} since {sm['first_year']}), so the "
                       f"split {verdict}.")
        elif len(self.forces) > 1 and not self.split:
            out.append(f"No cost split is recorded for {self.group_name}, so none was tested.")
        u = self.unmet_totals
        if len(u):
            allr = u[u["force"] == "all"].iloc[0]
            out.append(f"The 2011/12 Crime Survey suggests residents suffered about {allr['survey_per_recorded']:.1f} "
                       f"incidents of violence, theft and criminal damage for every one the police recorded, and "
                       f"that {about_pct(allr['never_reported_pct'])} were never reported (one year's survey "
                       f"evidence, with wide margins).")
        else:
            out.append("How much crime goes unreported was not checked: " +
                       self.skipped.get("Unmet demand", "no survey data.").rstrip(".") + ".")
        if len(self.asb.get("years", [])):
            y = self.asb["years"]
            y = y[y["force"] == "all"].iloc[-1]
            out.append(f"Anti-social behaviour, which is not crime, made up {about_pct(y['share_of_demand_pct'])} of "
                       f"all recorded incidents in {int(y['year'])}.")
        if not out:
            return answer_text(f"{self.group_name}: demand in police time, unreported crime and the agreed split could "
                               "not be checked with the data given.")
        return answer_text(out[:6])

    def key_figures(self):
        """The key-figures table (renders itself)."""
        from alliance_analysis.presentation.report import KeyFigures, about, about_pct

        rows = []
        t = self.police_time
        if len(t):
            last = t[t["hours_per_fte"].notna()].sort_values("year")
            last = last[last["year"] == last["year"].max()]
            for _, r in last.iterrows():
                rows.append((f"{r['area']}: police hours of recorded crime per staff member, {r['financial_year']}",
                             about(r["hours_per_fte"]),
                             f"{about_pct(r['share_of_time_pct'])} of {self.productive_hours:,.0f} productive hours; "
                             f"covers {about_pct(r['coverage_pct'])} of crimes"))
        if len(self.pressure):
            p = self.pressure[self.pressure["year"] == self.pressure["year"].max()]
            for _, r in p.iterrows():
                rows.append((f"{r['force']}: harm per officer, {r['financial_year']}", about(r["harm_per_officer"]),
                             f"{r['ratio_to_group']:.2f} times the median of its comparison group"))
        if len(self.unmet_totals):
            r = self.unmet_totals[self.unmet_totals["force"] == "all"].iloc[0]
            rows.append(("Never reported to the police, 2011/12 (survey)", about(r["never_reported"]),
                         f"{about(r['never_reported_low'])} to {about(r['never_reported_high'])} incidents"))
        if len(self.asb.get("years", [])):
            y = self.asb["years"]
            y = y[y["force"] == "all"].iloc[-1]
            rows.append((f"Anti-social behaviour incidents, {int(y['year'])}", about(y["incidents"]),
                         f"{about_pct(y['share_of_demand_pct'])} of all recorded demand"))
        return KeyFigures(rows or [("Demand sections", "not checked", "no input for them")],
                          caption=f"{self.group_name}: key figures")

    def appendix(self):
        """The "How this was worked out" section (renders itself)."""
        from alliance_analysis.presentation.report import Appendix

        methods = [
            "Rising, stable or diminishing: a quasi-Poisson regression of each series' counts with a seasonal "
            "effect for each month or quarter and a linear trend; each declared data break that touches the series "
            "enters as a level shift, ramp or pulse; the yearly change has a 95% interval, and p-values are "
            "corrected for the number of series with the Benjamini-Hochberg false discovery rate.",
            "Police time: each recorded offence is given the Home Office's estimate of the police hours it takes "
            "(economic and social costs of crime, 2018: police cost per offence at GBP 50 an hour). Offences are "
            "matched by their Home Office description; homicide offences take the homicide estimate; a name printed "
            "twice with different hours, or with no cost, has no estimate. Offences without an estimate are counted "
            "and shown, never given zero hours, so the hours are a floor.",
            "Before 2012/13 the Home Office tables give offence groups only: each force's hours per offence within each "
            "group in 2012/13 are applied to the earlier years' group totals.",
            "Supply: full-time equivalent officers, staff and community support officers at 31 March (the end of the "
            "financial year) times the productive hours per person assumed below.",
            "Harm per officer: the ONS Crime Severity Score (recorded crime weighted by the average sentence each "
            "offence attracts, per resident) times the population, divided by police officers at 31 March; compared "
            "with the median of the force's most similar group (as the 2014 performance bulletin lists it) or, where "
            "none is recorded, of all forces.",
            "The split against police time: each partner's share of the partners' police hours, year by year. Harm "
            "per officer under the split: each partner's harm divided by its split share of the partners' officers.",
            "Unmet demand: Crime Survey for England and Wales estimates for 2011/12 of violence, theft and criminal "
            "damage against residents, the part victims say they reported, and police recorded crime of the same "
            "types. Intervals are approximate: the sampled incidents are estimated from the number interviewed, and "
            "a Poisson 95% interval is given; clustering makes real intervals wider. Recording practice changed in "
            "2014-16, so the ratios are not applied to later years.",
            "Neighbourhoods (police.uk archives only): the share of crime, and of harm, in the 1%, 5% and 10% of "
            "neighbourhoods (about 1,500 residents each) with most, by calendar year; anti-social behaviour is a "
            "separate stream of incidents and never enters a crime figure.",
        ]
        assumptions = [f"Productive hours per full-time equivalent: {self.productive_hours:,.0f} a year (an "
                       "assumption; change it with the report's parameter for productive hours)."]
        diagnostics = [f"{k}: {v}" for k, v in self.skipped.items()]
        return Appendix(methods=methods, assumptions=assumptions, sources=list(self.sources),
                        diagnostics=diagnostics, terms=["Crime Severity Score", "financial year", "recorded crime", "p-value", "false discovery rate", "Erlang C"])

    # ------------------------------------------------------------------ section displays
    def _skip(self, section: str):
        from IPython.display import Markdown

        return Markdown(html.escape(self.skipped.get(section, "Not available for these data."), quote=False))

    def show_police_time(self):
        """Hours of demand per full-time equivalent, by force (and group) and year."""
        from alliance_analysis.presentation.tables import format_table

        if self.police_time.empty:
            return self._skip("Police time")
        t = self.police_time[["area", "financial_year", "offences", "coverage_pct", "hours", "fte", "hours_per_fte",
                              "share_of_time_pct", "basis"]]
        return format_table(t, counts=["offences", "hours"], pct=["coverage_pct", "share_of_time_pct"],
                            rates=["fte", "hours_per_fte"],
                            labels={"area": "Force or group", "financial_year": "Year", "offences": "Recorded crimes",
                                    "coverage_pct": "With a time estimate", "hours": "Police hours (estimated crimes)",
                                    "fte": "Staff (full-time equivalent)", "hours_per_fte": "Hours per staff member",
                                    "share_of_time_pct": f"Of {self.productive_hours:,.0f} productive hours",
                                    "basis": "Worked out from"},
                            caption="Demand in police time against the workforce, year by year")

    def show_uncovered(self):
        """Offences without a police-time estimate in the latest year (the 15 largest)."""
        from alliance_analysis.presentation.tables import format_table

        if self.uncovered.empty:
            return self._skip("Police time")
        fyr = self.uncovered.attrs.get("financial_year", "")
        return format_table(self.uncovered.head(15), counts=["offences"], pct=["share_pct"],
                            labels={"offence": "Offence", "offences": "Recorded", "share_pct": "Of all recorded crime"},
                            caption=f"Offences with no Home Office estimate of police time, {fyr}: "
                                    f"{self.uncovered.attrs.get('n_offences', len(self.uncovered))} offence types, "
                                    f"{self.uncovered['offences'].sum():,} crimes (counted, not given zero hours)")

    def show_pressure(self):
        """Harm per officer against the comparison group, latest six years."""
        from alliance_analysis.presentation.tables import format_table

        if self.pressure.empty:
            return self._skip("Harm per officer")
        p = self.pressure[self.pressure["year"] >= self.pressure["year"].max() - 5]
        return format_table(p[["force", "financial_year", "harm_per_officer", "group_median", "ratio_to_group", "rank",
                               "peers", "group"]], rates=["harm_per_officer", "group_median", "ratio_to_group"],
                            counts=["rank", "peers"],
                            labels={"force": "Force", "financial_year": "Year", "harm_per_officer": "Harm per officer",
                                    "group_median": "Comparison group median", "ratio_to_group": "Times the median",
                                    "rank": "Rank (1 = most)", "peers": "Forces compared", "group": "Comparison group"},
                            caption="Harm per officer (Crime Severity Score times population, per police officer)")

    def show_split_time(self):
        """The split against each partner's share of demand in police time, and harm per officer under it."""
        from IPython.display import Markdown

        from alliance_analysis.presentation.tables import format_table

        if self.split_hours.empty:
            return self._skip("Split against police time")
        d = self.split_hours.merge(self.split_pressure[["year", "force", "harm_share_pct", "officer_share_pct",
                                                        "pressure_vs_partners_pct"]],
                                   on=["year", "force"], how="left") if len(self.split_pressure) else self.split_hours
        cols = [c for c in ["financial_year", "force", "split_pct", "share_pct", "gap_pp", "officer_share_pct",
                            "harm_share_pct", "pressure_vs_partners_pct"] if c in d.columns]
        return format_table(d[cols], pct=[c for c in cols if c.endswith("_pct")], rates=["gap_pp"],
                            labels={"financial_year": "Year", "force": "Force", "split_pct": "Agreed split",
                                    "share_pct": "Share of police hours", "gap_pp": "Split minus share (points)",
                                    "officer_share_pct": "Share of officers", "harm_share_pct": "Share of harm",
                                    "pressure_vs_partners_pct": "Harm per officer under the split, against the partners"},
                            caption="The agreed split against demand in police time and harm per officer, year by year")

    def show_asb(self):
        """Anti-social behaviour incidents by year (a separate stream, not crime)."""
        from alliance_analysis.presentation.tables import format_table

        if not len(self.asb.get("years", [])):
            return self._skip("Anti-social behaviour")
        y = self.asb["years"].assign(year=lambda d: d["year"].astype(str),
                                     force=lambda d: d["force"].replace({"all": self.group_name}))
        return format_table(y, counts=["incidents", "crimes", "months"],
                            pct=["share_of_demand_pct", "change_pct"],
                            labels={"force": "Force", "year": "Year", "months": "Months covered",
                                    "incidents": "Anti-social behaviour incidents", "crimes": "Crimes recorded",
                                    "share_of_demand_pct": "Incidents as a share of all records",
                                    "change_pct": "Change in incidents on the year before"},
                            caption="Anti-social behaviour incidents (not crime), year by year")

    def show_concentration(self):
        """Share of crime and harm in the top 1, 5 and 10% of neighbourhoods, year by year."""
        from alliance_analysis.presentation.tables import format_table

        if self.concentration.empty:
            return self._skip("Concentration")
        c = self.concentration.assign(top=lambda d: "top " + d["top_pct"].map("{:g}%".format),
                                      year=lambda d: d["year"].astype(str))
        return format_table(c[["measure", "year", "months", "areas", "top", "share_pct", "change_pp"]],
                            counts=["months", "areas"], pct=["share_pct"], rates=["change_pp"],
                            labels={"measure": "Of", "year": "Year", "months": "Months covered",
                                    "areas": "Neighbourhoods with crime", "top": "Neighbourhoods",
                                    "share_pct": "Share", "change_pp": "Change on the year before (points)"},
                            caption=f"Where crime and harm concentrate; {self.concentration.attrs.get('no_lsoa', 0):,} "
                                    "crimes with no neighbourhood left out")

    def show_unmet(self):
        """Crime Survey incidents against recorded crime, 2011/12, with approximate intervals."""
        from alliance_analysis.presentation.tables import format_table

        if self.unmet.empty:
            return self._skip("Unmet demand")
        u = self.unmet.assign(crime_type=self.unmet["crime_type"].map(unmet.TYPE_NAMES))
        return format_table(u[["force", "crime_type", "survey", "survey_low", "survey_high", "reported_pct", "recorded",
                               "never_reported", "never_reported_low", "never_reported_high"]],
                            counts=["survey", "survey_low", "survey_high", "recorded", "never_reported",
                                    "never_reported_low", "never_reported_high"], pct=["reported_pct"],
                            labels={"force": "Force", "crime_type": "Crime", "survey": "Survey estimate",
                                    "survey_low": "low", "survey_high": "high", "reported_pct": "Reported",
                                    "recorded": "Police recorded", "never_reported": "Never reported",
                                    "never_reported_low": "low ", "never_reported_high": "high "},
                            caption="One year's survey evidence (2011/12): incidents against residents, approximate "
                                    "95% ranges")

    def plot_asb(self):
        """Anti-social behaviour incidents a month, with their share of all records (None without ASB)."""
        months = self.asb.get("months") if self.asb else None
        if months is None or not len(months):
            return None
        import matplotlib.pyplot as plt

        from alliance_analysis.presentation.plots import (PALETTE, apply_house_style, figure_title,
                                                          financial_year_month_axis, wrap_label)

        apply_house_style()
        fig, ax = plt.subplots(figsize=(10, 4.5))
        x = months["month"].dt.to_timestamp()
        ax.plot(x, months["incidents"], marker="o", ms=3, color=PALETTE[0], label="incidents a month")
        ax.set_ylabel("anti-social behaviour incidents a month")
        ax2 = ax.twinx()
        ax2.plot(x, months["share_of_demand_pct"], ls="--", color=PALETTE[1], label="share of all records (%)")
        ax2.set_ylabel("share of all records (%)")
        ax2.set_ylim(0, max(5.0, float(months["share_of_demand_pct"].max()) * 1.2))
        lines = ax.get_lines() + ax2.get_lines()
        ax.legend(lines, [ln.get_label() for ln in lines], loc="upper left", bbox_to_anchor=(1.08, 1.0), fontsize=8)
        figure_title(ax, wrap_label(f"{self.group_name}: anti-social behaviour incidents (not crime), month by "
                                    "month", 70))
        financial_year_month_axis(ax)   # "2019/20" on each 1 April; months named on short spans
        ax.set_xlabel("financial year (April to March)")
        fig.tight_layout()
        return fig

    def plot_police_time(self):
        """Hours of demand per staff member, per force (and group), year by year; None when not available."""
        if self.police_time.empty:
            return None
        import matplotlib.pyplot as plt

        from alliance_analysis.presentation.plots import (apply_house_style, figure_title, financial_year_axis,
                                                          group_colours, legend_outside, wrap_label)

        apply_house_style()
        t = self.police_time.dropna(subset=["hours_per_fte"])
        colours = group_colours(sorted(t["area"].unique()))
        fig, ax = plt.subplots(figsize=(10, 4.8))
        for area, g in t.groupby("area"):
            ax.plot(g["year"], g["hours_per_fte"], marker="o", ms=3, color=colours[area], label=area)
        ax.set_ylabel("police hours of recorded crime per staff member")
        financial_year_axis(ax, dates=False)
        legend_outside(ax)
        figure_title(ax, wrap_label(f"{self.group_name}: demand in police time per staff member", 60))
        fig.tight_layout()
        return fig

    def plot_pressure(self):
        """Harm per officer against the comparison group median; None when not available."""
        if self.pressure.empty:
            return None
        import matplotlib.pyplot as plt

        from alliance_analysis.presentation.plots import (apply_house_style, figure_title, financial_year_axis,
                                                          group_colours, legend_outside, wrap_label)

        apply_house_style()
        colours = group_colours(sorted(self.pressure["force"].unique()))
        fig, ax = plt.subplots(figsize=(10, 4.8))
        for f, g in self.pressure.groupby("force"):
            ax.plot(g["year"], g["harm_per_officer"], marker="o", ms=3, color=colours[f], label=f)
            ax.plot(g["year"], g["group_median"], ls="--", color=colours[f], label=f"{f}: comparison group median")
        ax.set_ylabel("harm per officer")
        financial_year_axis(ax, dates=False)
        legend_outside(ax)
        figure_title(ax, wrap_label(f"{self.group_name}: harm per officer against the comparison group", 60))
        fig.tight_layout()
        return fig

    def summary(self) -> str:
        """The answer and the sections that could not run, as markdown."""
        return self.answer() + "".join(f"\n\n- {k}: {v}" for k, v in self.skipped.items())

    def _repr_html_(self) -> str:
        return "<p>" + html.escape(self.answer()) + "</p>" + self.key_figures()._repr_html_()


def _officers(forces: list[str] | None) -> pd.DataFrame | None:
    from alliance_analysis.series.default import workforce_by_year

    try:
        w = workforce_by_year(forces)
    except Exception as exc:  # noqa: BLE001 - a missing shipped series: the section says so
        log.warning("workforce series unavailable: %s", exc)
        return None
    return w[w["worker_type"] == "police_officer"][["force", "year", "value"]]


def demand_review(
    series,
    context,
    *,
    analysis=None,
    split: Mapping[str, float] | None = None,
    productive_hours_per_fte: float = pt.PRODUCTIVE_HOURS_PER_FTE,
    police_hours_file: str | Path | None = None,
    csew_file: str | Path | None = None,
    police_uk_path: str | Path | None = None,
    harm_weights: pd.DataFrame | None = None,
    prc_path: str | Path | None = None,
) -> DemandReview:
    """Every issue-22 section the inputs allow (see the module docstring).

    Parameters
    ----------
    series : CrimeSeries
    context : ContextSeries
        From :func:`alliance_analysis.series.sources.load_context` (population, workforce, severity).
    analysis : DemandAnalysis, optional
        The volume / trends / split analysis (its agreed split is reused).
    split : mapping, optional
        A cost split to test (checked by :func:`check_split`); default: the analysis's.
    productive_hours_per_fte : float
        Productive hours a year per full-time equivalent (an assumption).
    police_hours_file, csew_file : path, optional
        The costs-of-crime police hours file and the Crime Survey file (default: beside the project).
    police_uk_path : path, optional
        A police.uk archive: anti-social behaviour stream and neighbourhood concentration.
    harm_weights : DataFrame, optional
        Harm weights per police.uk crime type, for the harm concentration (default: the Cambridge Crime
        Harm Index file beside the project, when present).
    prc_path : path, optional
        A Home Office table by offence code to work police time from (default: the shipped one).
    """
    from alliance_analysis.presentation.report import group_name as readable
    from alliance_analysis.series import longseries

    forces = list(series.forces)
    name = readable(forces)
    agreed = check_split(split, forces) if split else dict(getattr(analysis, "split", {}) or {})
    agreed = check_split(agreed, forces) if agreed else {}
    r = DemandReview(name, forces, analysis=analysis, productive_hours=float(productive_hours_per_fte), split=agreed)
    if not (isinstance(productive_hours_per_fte, (int, float)) and math.isfinite(productive_hours_per_fte)
            and 0 < productive_hours_per_fte <= 8760):
        raise ParameterError(f"productive hours per FTE {productive_hours_per_fte!r} must be above 0 and at most 8,760; "
                             "fix: give e.g. 1600")

    # 1. police time -------------------------------------------------------------
    costs = pt.load_costs(police_hours_file)
    if costs is None:
        r.skipped["Police time"] = ("the Home Office estimates of police time per offence are not shipped with the "
                                    "package (their licence does not allow it) and were not found in the data folder "
                                    "beside the project, so demand in police time is not given.")
    elif series.synthetic:
        r.skipped["Police time"] = ("the data are synthetic, and police time is worked out only on real Home "
                                    "Office tables.")
    else:
        prc = longseries.load_prc(prc_path if series.source and prc_path else None)
        prc = prc[prc["force"].isin(forces)]
        if prc.empty:
            r.skipped["Police time"] = "the Home Office offence table holds none of these forces."
        else:
            hours = pt.hours_by_offence_code(prc[["offence_code", "offence_description", "offence_subgroup"]], costs)
            cl = pt.offence_year_hours(prc, hours, forces)
            gt = None
            if series.category == "offence_group":
                from alliance_analysis.demand.annual import financial_year_totals

                gt = financial_year_totals(series.data, by=("force", "offence_group"))
            full = pt.extend_back(cl, gt)
            r.police_time = pt.hours_per_fte(full, context.workforce, productive_hours=productive_hours_per_fte,
                                             groups={name: forces} if len(forces) > 1 else None)
            last_fy = cl["financial_year"].max()
            unc = pt.uncovered_offences(prc, hours, forces, last_fy)
            unc.attrs["financial_year"] = last_fy
            unc.attrs["n_offences"] = len(unc)
            r.uncovered = unc
            r.sources.append("Police time per offence: Home Office, The economic and social costs of crime (2018), "
                             "police costs per offence and implied hours at GBP 50 an hour (file kept beside the "
                             "project, not shipped).")
            if series.category != "offence_group":
                r.skipped["Police time (source)"] = ("police.uk crime types are too broad to convert to police hours, "
                                                     "so this section uses the Home Office tables for the same forces.")

    # 2. harm per officer ------------------------------------------------------------
    need = pr.peers_needed(forces)
    officers = _officers(need)
    if context.severity_total is None or officers is None:
        r.skipped["Harm per officer"] = "the Crime Severity Score or workforce series is not available."
    else:
        from alliance_analysis.series.sources import load_context

        ctx = context if need is not None and set(need) <= set(forces) else load_context(need or
                                                                                        sorted(officers["force"].unique()))
        hpo = pr.harm_per_officer(ctx.severity_total, ctx.population, officers)
        r.pressure = pr.against_group(hpo, forces)
        near = [n for n in hpo.attrs.get("nearest_population", []) if int(n[0][:4]) in set(r.pressure["year"])]
        if near:
            r.skipped["Harm per officer (population)"] = (
                "harm per officer in " + ", ".join(sorted({f for f, _ in near})) + " uses the nearest population "
                "estimate (mid-" + str(max(p for _, p in near)) + "), as the estimates end there.")
        if agreed and len(forces) > 1:
            r.split_pressure = split_pressure(hpo, forces, agreed)

    # 3. split against police time ---------------------------------------------------
    if len(forces) < 2:
        r.skipped["Split against police time"] = "one force: there is no cost split to test."
    elif not agreed:
        r.skipped["Split against police time"] = (f"no agreed cost split is recorded for {name}; give one in the "
                                                  "report's split parameter to test it.")
    elif r.police_time.empty:
        r.skipped["Split against police time"] = "demand in police time is not available (see above)."
    else:
        r.split_hours = _hours_shares(r.police_time, forces, agreed)

    # 4 and 6. police.uk streams ----------------------------------------------------
    if series.category == "crime_type" and not series.synthetic:
        r.asb = streams.asb_stream(series.data)
        if not len(r.asb.get("years", [])):
            r.skipped["Anti-social behaviour"] = "this archive holds no anti-social behaviour records."
    else:
        r.skipped["Anti-social behaviour"] = ("anti-social behaviour is published in police.uk archives only; the Home "
                                              "Office tables hold crime alone.")
    if police_uk_path is not None and series.category == "crime_type" and not series.synthetic:
        from alliance_analysis.datasets.police_uk import load_street_archive

        t = series.data[series.time]
        lsoa = load_street_archive(police_uk_path, forces=forces, start=t.min(), end=t.max(), by_lsoa=True)
        if harm_weights is None and CCHI_FILE.exists():
            from alliance_analysis.demand.harm import harm_weights_from_file

            harm_weights = harm_weights_from_file(CCHI_FILE)
            r.sources.append("Harm of police.uk crime types: Cambridge Crime Harm Index days per offence subgroup "
                             "(file kept beside the project, not shipped), averaged over each crime type's subgroups.")
        r.concentration = streams.concentration(lsoa, harm_weights)
        if harm_weights is None:
            r.skipped["Concentration of harm"] = ("no harm weights for police.uk crime types were given, so only the "
                                                  "concentration of crime is shown.")
    else:
        r.skipped["Concentration"] = ("where crime concentrates is worked out from police.uk archives by neighbourhood; "
                                      "these data have no neighbourhoods.")

    # 5. unmet demand ---------------------------------------------------------------
    cs = unmet.load_csew_vs_recorded(csew_file)
    if cs is None:
        r.skipped["Unmet demand"] = ("the Crime Survey comparison by force is not shipped with the package (its "
                                     "licence does not allow it) and was not found in the data folder beside the "
                                     "project, so crime that never reaches the police is not estimated.")
    else:
        u = unmet.unmet_demand(cs, forces)
        if u.empty:
            r.skipped["Unmet demand"] = "the Crime Survey comparison holds none of these forces."
        else:
            r.unmet, r.unmet_totals = u, unmet.unmet_totals(u)
            r.sources.append("Unmet demand: Crime Survey for England and Wales against police recorded crime by force, "
                             "2011/12 (file kept beside the project, not shipped).")
    r.sources += list(getattr(context, "sources", ()))
    return r
