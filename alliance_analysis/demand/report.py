"""The whole demand analysis of one force or group, as one result object for the notebook.

:func:`demand_analysis` runs every section the data allows and records, for each section
it cannot run, one plain sentence saying why (too few periods for trends, no agreed split
for the group, no harm series for the period...), so the notebook always finishes and
says what it could not do. :meth:`DemandAnalysis.summary` gives the report's opening
summary in numbers, generated from the results.

Examples
--------
>>> q = pd.period_range("2012Q2", periods=12, freq="Q")
>>> rows = [{"force": f, "quarter": p, "offence_group": "Robbery", "count": n + i % 3}
...         for f, n in (("A", 70), ("B", 30)) for i, p in enumerate(q)]
>>> from alliance_analysis.series.sources import CrimeSeries
>>> s = CrimeSeries(pd.DataFrame(rows), "example", "test", False)
>>> pop = pd.DataFrame({"force": ["A", "B"] * 3, "year": [2012, 2012, 2013, 2013, 2014, 2014],
...                     "population": [1000, 500] * 3})
>>> a = demand_analysis(s, population=pop, split={"A": 69, "B": 31})
>>> a.drift.groupby("basis")["gap_pp"].first().round(1).to_dict()   # 69 - 1000/1500; 69 - 283/406
{'population': 2.3, 'recorded crime': -0.7}
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from alliance_analysis import paths
from alliance_analysis.demand.annual import (annual_rates, drift_summary, financial_year_totals, shares_by_year,
                                             split_drift)
from alliance_analysis.demand.trends import classify_trends
from alliance_analysis.errors import ParameterError

log = logging.getLogger(__name__)

CSS_GROUPS_FILE = paths.REFERENCE_DIR / "css_offence_groups.csv"
#: categories left out of recorded-crime totals (ASB is not crime; fraud moved to Action Fraud in 2011-13)
NOT_CRIME = ("Anti-social behaviour", "Fraud")


@dataclass
class DemandAnalysis:
    """Results of :func:`demand_analysis` (frames are empty where a section could not run).

    Attributes
    ----------
    description : str
        What data produced it (from ``CrimeSeries.describe()``).
    forces : list of str
    group_name : str
        "Warwickshire and West Mercia" for a group, the force name for one force.
    category : str
        ``offence_group`` or ``crime_type``.
    annual : DataFrame
        Annual counts and rates per 1,000 residents of each year (forces and the group).
    trends : DataFrame
        Rising / stable / diminishing per force and category (breaks handled).
    shares, drift, drift_table : DataFrame
        Partner shares by year and basis, the agreed split against them, and a summary per basis.
    volume_harm : DataFrame
        Volume and harm shares by Crime Severity Score offence group and year (Home Office data).
    split : dict
        The agreed split used (empty when none).
    skipped : dict
        Section -> the plain sentence saying why it did not run.
    notes : list of str
        Caveats to print (nearest population year, incomplete years, revisions).
    """

    description: str
    forces: list[str]
    group_name: str
    category: str
    annual: pd.DataFrame
    trends: pd.DataFrame
    shares: pd.DataFrame
    drift: pd.DataFrame
    drift_table: pd.DataFrame
    volume_harm: pd.DataFrame
    split: dict[str, float]
    synthetic: bool
    skipped: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """A short summary of the findings in numbers (markdown bullet list), generated from the results.

        Examples
        --------
        >>> DemandAnalysis("d", ["A"], "A", "crime_type", *[pd.DataFrame()] * 6, {}, False).summary()
        '- d'
        """
        out = [f"- {self.description}"]
        a = self.annual
        if len(a):
            area = self.group_name
            a = a[~a[self.category].isin(NOT_CRIME)]         # anti-social behaviour is not recorded crime
            tot = a[a["area"] == area].groupby("financial_year", as_index=False).agg(
                count=("count", "sum"), population=("population", "first"))
            if len(tot) >= 2:
                first, last = tot.iloc[0], tot.iloc[-1]
                r0, r1 = first["count"] / first["population"] * 1000, last["count"] / last["population"] * 1000
                change = (last["count"] - first["count"]) / first["count"] * 100
                out.append(f"- {area}: {int(last['count']):,} crimes recorded in {last['financial_year']} "
                           f"({r1:,.1f} per 1,000 residents), {'up' if change >= 0 else 'down'} "
                           f"{abs(change):.1f}% on {first['financial_year']} ({int(first['count']):,}; "
                           f"{r0:,.1f} per 1,000).")
            elif len(tot) == 1:
                last = tot.iloc[-1]
                out.append(f"- {area}: {int(last['count']):,} crimes recorded in {last['financial_year']}.")
        t = self.trends
        if len(t):
            n = t["trend"].value_counts()
            rising = t[t["trend"] == "rising"].sort_values("annual_change", ascending=False)
            top = ", ".join(f"{r['force']} {r[self.category].lower()} (+{r['annual_change'] * 100:.1f}% a year)"
                            for _, r in rising.head(3).iterrows())
            out.append(f"- Trends: {n.get('rising', 0)} series rising, {n.get('stable', 0)} stable, "
                       f"{n.get('diminishing', 0)} diminishing (after declared breaks and a false-discovery "
                       f"correction){'; fastest rising: ' + top if top else ''}.")
        if len(self.drift_table):
            lead = next(iter(self.split))
            for _, r in self.drift_table.iterrows():
                out.append(f"- {lead}'s share of {r['basis']}: {r['first_share_pct']:.1f}% to "
                           f"{r['last_share_pct']:.1f}% over {r['years']} against the agreed "
                           f"{r['split_pct']:g}%; within 1 point of it in {r['years_within']}.")
        for section, why in self.skipped.items():
            out.append(f"- {section}: {why}")
        if self.synthetic:
            out.append("- SYNTHETIC DATA: these numbers demonstrate the methods only.")
        return "\n".join(out)

    def rates_table(self, years: int = 6) -> pd.DataFrame:
        """Recorded per 1,000 residents a year, by category (rows) for the last ``years`` financial
        years (columns) of the group (or the single force), with the change over those years in %.

        Examples
        --------
        >>> a = pd.DataFrame({"area": "A", "crime_type": "Drugs", "financial_year": ["2013/14", "2014/15"],
        ...                   "count": [10, 12], "rate_per_1000": [1.0, 1.2]})
        >>> d = DemandAnalysis("d", ["A"], "A", "crime_type", a, *[pd.DataFrame()] * 5, {}, False)
        >>> d.rates_table().round(1).values.tolist()
        [['Drugs', 1.0, 1.2, 20.0]]
        """
        if self.annual.empty:
            return pd.DataFrame()
        a = self.annual[self.annual["area"] == self.group_name]
        if a.empty:
            return pd.DataFrame()
        wide = a.pivot_table(index=self.category, columns="financial_year", values="rate_per_1000", aggfunc="sum")
        wide = wide[sorted(wide.columns)[-years:]]
        wide["change_pct"] = (wide.iloc[:, -1] / wide.iloc[:, 0] - 1) * 100
        wide = wide.sort_values(wide.columns[-2], ascending=False)
        wide.index.name = self.category
        wide.columns.name = None
        return wide.reset_index()

    def trends_table(self) -> pd.DataFrame:
        """Trend per series, fastest rising first, with the annual change and its interval in %."""
        if self.trends.empty:
            return pd.DataFrame()
        t = self.trends.sort_values("annual_change", ascending=False)
        out = t[["force", self.category, "trend", "annual_change", "ci_low", "ci_high", "p_adjusted",
                 "breaks_adjusted"]].copy()
        for c in ("annual_change", "ci_low", "ci_high"):
            out[c] = out[c] * 100
        # p-values as read in journals: "<0.001" below that (one that underflows to 0 is not zero)
        out["p_adjusted"] = out["p_adjusted"].map(
            lambda p: "–" if pd.isna(p) else ("<0.001" if p < 0.001 else f"{p:.3f}"))
        return out.rename(columns={"annual_change": "annual_change_pct", "ci_low": "ci_low_pct",
                                   "ci_high": "ci_high_pct"}).reset_index(drop=True)

    def latest_shares(self, budget_gbp: float | None = None) -> pd.DataFrame:
        """Each partner's share on each basis in the latest year that basis covers, against the split
        (percentage points and, with ``budget_gbp``, GBP m a year)."""
        if self.drift.empty:
            return pd.DataFrame()
        last = self.drift[self.drift["year"] == self.drift.groupby("basis")["year"].transform("max")]
        out = last[["basis", "financial_year", "force", "share_pct", "split_pct", "gap_pp"]].copy()
        if budget_gbp is not None:
            out["gap_gbp_m"] = out["gap_pp"] / 100 * budget_gbp / 1e6
        return out.reset_index(drop=True)

    def harm_table(self) -> pd.DataFrame:
        """Volume and harm shares by Crime Severity Score offence group in the latest year both cover."""
        if self.volume_harm.empty:
            return pd.DataFrame()
        v = self.volume_harm[self.volume_harm["year"] == self.volume_harm["year"].max()]
        return v[["css_group", "financial_year", "count", "volume_share_pct", "harm_share_pct"]].sort_values(
            "harm_share_pct", ascending=False).reset_index(drop=True)

    # ------------------------------------------------------------------ one call per notebook cell (issue 20 item 8)
    def _say(self, section: str, default: str):
        from IPython.display import Markdown

        from alliance_analysis.presentation.report import escape_markdown

        return Markdown(escape_markdown(self.skipped.get(section, default)))

    def show_rates(self, years: int = 6):
        """Recorded crime per 1,000 residents by category for the last ``years`` years, or the reason it is absent."""
        from alliance_analysis.presentation.tables import format_table

        t = self.rates_table(years)
        if t.empty:
            return self._say("Annual rates", "No complete financial year.")
        rates = [c for c in t.columns if c not in ("change_pct", self.category)]
        return format_table(t, rates=rates, pct=["change_pct"],
                            labels={"change_pct": "Change over the years shown (%)",
                                    self.category: "Offence group" if self.category == "offence_group" else "Crime type"},
                            caption=f"{self.group_name}: recorded crime per 1,000 residents a year")

    def plot_rates(self):
        """Recorded crime per 1,000 residents, year by year (None when there is no complete year)."""
        if self.annual.empty:
            return None
        from alliance_analysis.demand.plots import plot_annual_rates

        return plot_annual_rates(self.annual, self.group_name, synthetic=self.synthetic)

    def show_notes(self):
        """The caveats (population years, incomplete years, revisions), or None."""
        from IPython.display import Markdown

        from alliance_analysis.presentation.report import escape_markdown

        return Markdown("**Notes.** " + escape_markdown(" ".join(self.notes))) if self.notes else None

    def show_trends(self):
        """Rising, stable or diminishing per series, in plain words, or the reason it is absent."""
        from alliance_analysis.presentation.tables import format_table

        t = self.trends_table()
        if t.empty:
            return self._say("Trends", "Too few periods to tell rising from diminishing demand.")
        t = t.assign(breaks_adjusted=t["breaks_adjusted"].map(_plain_breaks))
        return format_table(t, pct=["annual_change_pct", "ci_low_pct", "ci_high_pct"], rates=["p_adjusted"],
                            labels={"force": "Force", self.category: "Offence group" if self.category ==
                                    "offence_group" else "Crime type", "trend": "Trend",
                                    "annual_change_pct": "Change a year", "ci_low_pct": "95% range: low",
                                    "ci_high_pct": "95% range: high",
                                    "p_adjusted": "Chance alone would give this (adjusted for the number of series)",
                                    "breaks_adjusted": "Allowing for known changes in recording"},
                            caption="Rising, stable or diminishing, with the yearly change and its 95% range")

    def plot_trends(self):
        """The yearly change per series with its 95% range (None when there are no trends)."""
        if self.trends.empty:
            return None
        from alliance_analysis.demand.plots import plot_trends

        return plot_trends(self.trends, synthetic=self.synthetic)

    def show_harm(self):
        """Volume and harm shares by offence group in the latest year, or the reason it is absent."""
        from alliance_analysis.presentation.tables import format_table

        if self.volume_harm.empty:
            return self._say("Volume against harm by year", "No harm series for these data.")
        return format_table(self.harm_table(), counts=["count"], pct=["volume_share_pct", "harm_share_pct"],
                            labels={"css_group": "Offence group", "financial_year": "Year", "count": "Recorded",
                                    "volume_share_pct": "Share of crimes", "harm_share_pct": "Share of harm"},
                            caption="Latest year with both series")

    def plot_harm(self):
        """Share of volume and of harm by offence group, year by year (None when absent)."""
        if self.volume_harm.empty:
            return None
        from alliance_analysis.demand.plots import plot_volume_harm_years

        return plot_volume_harm_years(self.volume_harm,
                                      title=f"{self.group_name}: share of volume and of harm by offence group")

    def show_split(self):
        """The lead partner's share on each basis, year by year, against the split, or the reason it is absent."""
        from alliance_analysis.presentation.tables import format_table

        if self.drift_table.empty:
            return self._say("Split against demand", "No agreed split to test.")
        return format_table(self.drift_table, pct=["first_share_pct", "last_share_pct", "min_share_pct",
                                                   "max_share_pct", "split_pct"],
                            labels={"basis": "Share of", "force": "Force", "years": "Years",
                                    "first_share_pct": "First year", "last_share_pct": "Latest year",
                                    "min_share_pct": "Lowest", "max_share_pct": "Highest", "split_pct": "Agreed split",
                                    "years_within": "Years within a point of the split"},
                            caption="Share of the first partner named in the split, year by year")

    def plot_split(self):
        """The lead partner's share on each basis against the split (None when there is no split)."""
        if self.drift.empty:
            return None
        from alliance_analysis.demand.annual import plot_split_drift

        return plot_split_drift(self.drift, next(iter(self.split)))

    def show_latest_shares(self, budget_gbp: float):
        """Each partner's latest share on each basis against the split, in points and GBP m a year (None without a split)."""
        from alliance_analysis.presentation.tables import format_table

        if self.drift.empty:
            return None
        return format_table(self.latest_shares(budget_gbp), pct=["share_pct", "split_pct"], rates=["gap_pp"],
                            money_gbp_m=["gap_gbp_m"],
                            labels={"basis": "Share of", "financial_year": "Year", "force": "Force",
                                    "share_pct": "Share", "split_pct": "Agreed split",
                                    "gap_pp": "Split minus share (points)", "gap_gbp_m": "Gap a year"},
                            caption=f"Latest year on each basis; the money gap applies the split to an illustrative "
                                    f"budget of GBP {budget_gbp / 1e6:,.0f}m a year (the papers do not print the "
                                    "combined budget)")

    def show_police_uk_harm(self, data: pd.DataFrame, weights: pd.DataFrame | None):
        """For police.uk data: the harm ranking message; for Home Office data: where harm is shown."""
        from IPython.display import Markdown

        from alliance_analysis.demand.harm import volume_and_harm
        from alliance_analysis.presentation.report import escape_markdown

        if self.category != "crime_type":
            return Markdown("The Crime Severity Score series above weights the Home Office offence groups.")
        if weights is None:
            return Markdown("No harm weights were given for police.uk crime types, so they are compared by volume "
                            "only here; section 8 weights them by harm where the Cambridge Crime Harm Index is "
                            "available.")
        return Markdown(escape_markdown(volume_and_harm(data, weights).attrs["message"]))


#: plain names of the declared data breaks (``data/raw/reference/data_breaks.csv`` ids) for readers
BREAK_NAMES = {
    "fraud_to_action_fraud": "fraud moved to Action Fraud (2011-13)",
    "burglary_reclassification_2017": "burglary reclassified (2017)",
    "recording_practice_uplift_2014_2016": "recording improvements (2014-16)",
    "covid_lockdowns_2020_21": "lockdowns (2020-21)",
}


def _plain_breaks(value: object) -> str:
    """Break ids as plain words (unknown ids lose their underscores), "none" when there are none.

    Examples
    --------
    >>> _plain_breaks("burglary_reclassification_2017; covid_lockdowns_2020_21")
    'burglary reclassified (2017); lockdowns (2020-21)'
    >>> _plain_breaks(""), _plain_breaks(None), _plain_breaks("new_break")
    ('none', 'none', 'new break')
    """
    if value is None or (isinstance(value, float) and value != value) or value is False or str(value).strip() in ("", "False"):
        return "none"
    if value is True:
        return "yes"
    parts = [p.strip() for p in str(value).replace(",", ";").split(";") if p.strip()]
    return "; ".join(BREAK_NAMES.get(p, p.replace("_", " ")) for p in parts) or "none"


def cat_is_police_uk(category: str) -> bool:
    """True for a police.uk series (categories are crime types, anti-social behaviour among them).

    Examples
    --------
    >>> cat_is_police_uk("crime_type"), cat_is_police_uk("offence_group")
    (True, False)
    """
    return category == "crime_type"


def _css_groups() -> dict[str, str]:
    t = pd.read_csv(CSS_GROUPS_FILE)
    return dict(zip(t["harmonised_group"], t["css_offence_group"]))


def volume_and_harm_by_year(totals: pd.DataFrame, severity: pd.DataFrame, population: pd.DataFrame,
                            forces: list[str]) -> pd.DataFrame:
    """Share of volume and of harm by Crime Severity Score offence group, year by year, for the forces together.

    Harm of a group = its severity score (per head) x population; volume = recorded offences
    of the harmonised groups it contains.

    Parameters
    ----------
    totals : DataFrame
        ``force``, ``offence_group`` (harmonised), ``year``, ``count`` (financial-year totals).
    severity : DataFrame
        ``force``, ``year`` (year ending March), ``offence_group`` (CSS group), ``severity_score``.
    population : DataFrame
        ``force``, ``year``, ``population``.

    Returns
    -------
    DataFrame
        ``financial_year``, ``year``, ``css_group``, ``count``, ``harm``, ``volume_share_pct``, ``harm_share_pct``.

    Examples
    --------
    >>> t = pd.DataFrame({"force": "A", "offence_group": ["Robbery", "Burglary"], "year": 2013, "count": [10, 90]})
    >>> s = pd.DataFrame({"force": "A", "year": 2014, "offence_group": ["Robbery", "Theft offences"],
    ...                   "severity_score": [3.0, 1.0]})
    >>> p = pd.DataFrame({"force": ["A"], "year": [2013], "population": [1000]})
    >>> volume_and_harm_by_year(t, s, p, ["A"])[["css_group", "volume_share_pct", "harm_share_pct"]].values.tolist()
    [['Robbery', 10.0, 75.0], ['Theft offences', 90.0, 25.0]]
    """
    from alliance_analysis.demand.annual import fy_label

    groups = _css_groups()
    t = totals[totals["force"].isin(forces)].copy()
    t["css_group"] = t["offence_group"].map(groups)
    vol = t.dropna(subset=["css_group"]).groupby(["year", "css_group"], as_index=False)["count"].sum()
    sv = severity[severity["force"].isin(forces)].copy()
    sv["year"] = sv["year"].astype(int) - 1
    sv = sv.merge(population[population["force"].isin(forces)][["force", "year", "population"]], on=["force", "year"])
    sv["harm"] = sv["severity_score"] * sv["population"]
    harm = sv.rename(columns={"offence_group": "css_group"}).groupby(["year", "css_group"], as_index=False)["harm"].sum()
    out = vol.merge(harm, on=["year", "css_group"], how="inner")
    out["volume_share_pct"] = out["count"] / out.groupby("year")["count"].transform("sum") * 100
    out["harm_share_pct"] = out["harm"] / out.groupby("year")["harm"].transform("sum") * 100
    out.insert(0, "financial_year", out["year"].map(fy_label))
    return out.sort_values(["year", "css_group"]).reset_index(drop=True)


def demand_analysis(
    series,
    *,
    population: pd.DataFrame,
    workforce: pd.DataFrame | None = None,
    severity_total: pd.DataFrame | None = None,
    severity_groups: pd.DataFrame | None = None,
    breaks: pd.DataFrame | None = None,
    split: Mapping[str, float] | None = None,
    group_name: str | None = None,
    earlier_years: pd.DataFrame | None = None,
) -> DemandAnalysis:
    """Run every demand section the data allows (see the module docstring).

    Parameters
    ----------
    series : CrimeSeries
        From :func:`alliance_analysis.series.sources.load_crime_series`.
    population : DataFrame
        ``force``, ``year``, ``population`` (mid-year estimates; nearest year used outside them, flagged).
    workforce : DataFrame, optional
        ``force``, ``year`` (31 March), ``value`` (FTE of officers, staff and PCSOs, summed here).
    severity_total : DataFrame, optional
        ``force``, ``year`` (year ending March), ``severity_score`` (total recorded crime).
    severity_groups : DataFrame, optional
        ``force``, ``year``, ``offence_group`` (CSS groups), ``severity_score``.
    breaks : DataFrame, optional
        Declared data breaks (``taxonomy.data_breaks()``), used by the trend models.
    split : mapping, optional
        The agreed cost split (percent); without one the split sections say so and are skipped.
    group_name : str, optional
        Name of the group of forces (default: the forces joined by "and").
    earlier_years : DataFrame, optional
        Financial-year totals from before the series starts (``force``, category, ``financial_year``,
        ``year``, ``count``; e.g. :func:`alliance_analysis.series.sources.annual_before`): they extend the annual
        rates and the crime shares back (2002/03 for the Home Office tables), never the trends,
        which need the periods themselves.

    Returns
    -------
    DemandAnalysis
    """
    data = series.data
    if cat_is_police_uk(series.category):
        # anti-social behaviour records are incidents, not crimes: never in a crime table or trend (issue 20/22);
        # they have their own stream (demand.streams.asb_stream)
        data = data[data[series.category] != "Anti-social behaviour"].reset_index(drop=True)
    forces = series.forces
    cat = series.category
    if len(forces) == 0:
        raise ParameterError("the series has no forces")
    from alliance_analysis.presentation.report import group_name as readable

    name = group_name or readable(forces)   # "Dyfed-Powys, Gwent, North Wales and South Wales", never "A and B and C"
    skipped: dict[str, str] = {}
    notes = list(series.notes)
    by = ("force", cat)

    totals = financial_year_totals(data, by=by)
    incomplete = totals.attrs.get("incomplete_years", [])
    if earlier_years is not None and len(earlier_years):
        early = earlier_years[earlier_years["force"].isin(forces) & ~earlier_years["year"].isin(totals["year"])]
        if len(early):
            totals = pd.concat([early[[*by, "financial_year", "year", "count"]], totals], ignore_index=True)
            incomplete = [y for y in incomplete if y not in set(early["financial_year"])]
            notes.append(f"Annual figures for {early['financial_year'].min()} to {early['financial_year'].max()} are "
                         "the published year-to-March totals (rolling-year table); quarters start later.")
    if incomplete:
        notes.append("Incomplete financial years left out of annual figures: " + ", ".join(incomplete) + ".")
    groups = {name: forces} if len(forces) > 1 else None
    if len(totals):
        annual = annual_rates(totals, population, by=cat, groups=groups)
        near = annual.attrs.get("nearest_year_used") or []
        if near:
            notes.append("Population outside the ONS estimates: " + "; ".join(
                f"{fy_year}/{(fy_year + 1) % 100:02d} uses mid-{py}" for fy_year, py in near) + ".")
    else:
        annual = pd.DataFrame()
        skipped["Annual rates"] = (f"the data cover no complete financial year ({series.period_label()}), "
                                   "so annual rates per 1,000 residents are not given.")

    trends = classify_trends(data, by=by, breaks=breaks, on_short="skip")
    if len(trends) and (trends["trend"] == "too short to tell").all():
        skipped["Trends"] = (f"{series.period_label()} is too short to tell rising from diminishing demand "
                             f"(at least {trends.attrs['min_periods']} consecutive periods are needed).")
        trends = trends.iloc[0:0]
    elif data[series.time].nunique() < (data[series.time].max() - data[series.time].min()).n + 1:
        notes.append("The series has gaps: trends are estimated on the periods present.")

    from alliance_analysis.demand._common import check_split

    agreed = check_split(split, forces) if split else {}
    if not agreed and len(forces) > 1:
        from alliance_analysis.demand.resources import split_from_seed

        try:
            agreed = split_from_seed(forces)
        except ParameterError:
            agreed = {}
    shares = drift = table = pd.DataFrame()
    if len(forces) < 2:
        skipped["Split against demand"] = "one force: there is no cost split to test."
    elif not agreed:
        skipped["Split against demand"] = (f"no agreed cost split is recorded for {name}; pass split= "
                                           "{force: percent} to test one.")
    else:
        excl = totals[~totals[cat].isin(["Anti-social behaviour", "Fraud"])] if len(totals) else totals
        crime_year = excl.groupby(["force", "year"], as_index=False)["count"].sum() if len(excl) else None
        shares = shares_by_year(forces, crime=crime_year, population=population, workforce=workforce,
                                severity=severity_total)
        drift = split_drift(shares, agreed)
        table = drift_summary(drift, next(iter(agreed)))

    volume_harm = pd.DataFrame()
    if cat == "offence_group" and severity_groups is not None and len(totals):
        volume_harm = volume_and_harm_by_year(totals, severity_groups, population, forces)
    if volume_harm.empty:
        skipped["Volume against harm by year"] = (
            "needs Home Office offence groups and the Crime Severity Score series for the same years"
            + (" (police.uk categories do not map one-to-one onto the score's offence groups)"
               if cat == "crime_type" else "") + ".")
    return DemandAnalysis(series.describe(), forces, name, cat, annual, trends, shares, drift, table, volume_harm,
                          agreed, series.synthetic, skipped, notes)

