"""The whole data overview of one crime series (notebook ``00``): header, summary in numbers, tables."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from alliance_analysis.clean import fy_label
from alliance_analysis.overview._common import COMPLETE, PARTIAL, _fy_start, _period_text, _shipped_releases
from alliance_analysis.overview.force_year import coverage_by_force_year, coverage_gaps, default_basis
from alliance_analysis.overview.manifest import series_source_row, sources_table
from alliance_analysis.overview.revisions import RevisionTables, release_revisions, revision_tables
from alliance_analysis.overview.reader import series_info
from alliance_analysis.overview.summaries import breaks_table, rates_by_force_year, series_summary
from alliance_analysis.errors import DataValidationError, ParameterError

if TYPE_CHECKING:  # pragma: no cover
    from alliance_analysis.series.sources import ContextSeries, CrimeSeries

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DataOverview:
    """Everything the data overview report shows for one crime series.

    Attributes
    ----------
    header : str
        Markdown: what produced the report (source, release, forces, period, parameters).
    summary : str
        Markdown: the findings in numbers, generated from the tables below.
    sources : DataFrame
        :func:`sources_table` (shipped files plus the report's own source).
    coverage : DataFrame
        :func:`coverage_by_force_year` (long).
    gaps : DataFrame
        :func:`coverage_gaps`.
    series : DataFrame
        :func:`series_summary` of the crime series.
    revisions : RevisionTables or None
        ``None`` when the source is not the shipped default (see ``revision_note``).
    revision_note : str
        One sentence on the revisions section.
    breaks : DataFrame
        :func:`breaks_table` of the declared breaks touching the series' period.
    rates : DataFrame
        :func:`rates_by_force_year`.
    rates_note : str
        One sentence on the rates (population years used, or why there are none).
    breaks_note : str
        One sentence on the declared breaks touching the period (or that none does).
    caveats : str
        Markdown list of the series' caveats (derived quarters, ASB, synthetic label); "" when none.
    synthetic : bool
        True for the seeded generator.
    """

    header: str
    summary: str
    sources: pd.DataFrame
    coverage: pd.DataFrame
    gaps: pd.DataFrame
    series: pd.DataFrame
    revisions: RevisionTables | None
    revision_note: str
    breaks: pd.DataFrame
    rates: pd.DataFrame
    rates_note: str
    breaks_note: str = ""
    caveats: str = ""
    synthetic: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)
    series_info: dict[str, Any] = field(default_factory=dict)

    # ---- the reader's report: one call per notebook cell (issue 20) ----------------------------------
    def answer(self) -> str:
        """``## The answer``: at most six plain sentences (:func:`alliance_analysis.overview.reader.answer`)."""
        from alliance_analysis.overview import reader

        return reader.answer(self)

    def key_figures(self) -> Any:
        """``## Key figures`` (renders itself)."""
        from alliance_analysis.overview import reader

        return reader.key_figures(self)

    def appendix(self) -> Any:
        """``## How this was worked out`` (renders itself)."""
        from alliance_analysis.overview import reader

        return reader.appendix(self)

    def show_sources(self) -> Any:
        """Sources and licences, as a reader's table."""
        shown = self.sources.copy()
        if "File" in shown.columns:   # long paths may wrap after a slash or underscore (not inside a word)
            shown["File"] = shown["File"].astype(str).str.replace(r"([/_])", "\\1\u200b", regex=True)
        return _html(shown, caption="Sources used by this report")

    def plot_coverage(self) -> Any:
        """Heat map of the share of periods present by force and financial year."""
        from alliance_analysis.overview.force_year import plot_coverage

        return plot_coverage(self.coverage, synthetic=self.synthetic,
                             title="Coverage by force and financial year (share of periods present)")

    def show_coverage(self) -> Any:
        """Coverage by force and financial year, wide."""
        from alliance_analysis.overview.force_year import coverage_wide

        return _html(coverage_wide(self.coverage), caption="Coverage by force and financial year")

    def show_series(self) -> Any:
        """First and last period, periods present and missing, by force."""
        return _html(self.series, counts=["periods_present", "periods_expected"],
                     caption="First and last period, periods present and missing")

    def show_gaps(self) -> Any:
        """Years missing or incomplete (or a sentence saying there are none)."""
        from IPython.display import Markdown

        if not len(self.gaps):
            return Markdown("Every series is complete in every year shown.")
        return _html(self.gaps, labels={"from": "From", "to": "To", "years": "Years"},
                     caption="Years that are missing or incomplete, by force and series")

    def show_revisions(self) -> Any:
        """The revision note and, for the shipped default, the revision tables."""
        from IPython.display import HTML

        parts = [f"<p>{_esc(self.revision_note)}</p>"]
        if self.revisions is not None:
            kw = {"counts": ["release_2019", "release_2023", "difference"], "pct": ["percent"]}
            parts.append(_styled(self.revisions.by_force_year, caption="Recorded crime excluding fraud by force and "
                                 "financial year in both releases", **kw))
            parts.append(_styled(self.revisions.largest, caption="The largest revisions by force, offence group "
                                 "and financial year", **kw))
        return HTML("".join(parts))

    def plot_revisions(self) -> Any:
        """Revisions by force and year (None when there is nothing to compare)."""
        if self.revisions is None:
            return None
        from alliance_analysis.overview.revisions import plot_revisions

        return plot_revisions(self.revisions.by_force_year, synthetic=self.synthetic)

    def show_breaks(self) -> Any:
        """The declared breaks touching the period (note and table)."""
        from IPython.display import HTML

        parts = [f"<p>{_esc(self.breaks_note)}</p>"]
        if len(self.breaks):
            parts.append(_styled(self.breaks, caption="Declared breaks touching the period of this report"))
        return HTML("".join(parts))

    def show_rates(self) -> Any:
        """Crime per 1,000 residents by force and financial year (note and table)."""
        from IPython.display import HTML

        parts = [f"<p>{_esc(self.rates_note)}</p>"]
        if len(self.rates):
            parts.append(_styled(self.rates.drop(columns="year"), counts=["count", "population"],
                                 rates=["rate_per_1000"],
                                 labels={"area": "Force", "population_year": "Population estimate (mid-year)"},
                                 caption="Crime per 1,000 residents by force and financial year"))
        return HTML("".join(parts))

    def show_seed_tables(self) -> Any:
        """Figures transcribed from the source papers, per table and paper (by title)."""
        from alliance_analysis.datasets import seed as seed_tables
        from alliance_analysis.overview.summaries import seed_summary

        table = seed_summary(seed_tables.all_seed_figures()).drop(columns="file")   # papers by title, not file name
        return _html(table, counts=["figures"], caption="Transcribed figures per seed table and source paper")


def _esc(text: str) -> str:
    import html

    return html.escape(str(text), quote=False)


def _styled(df: pd.DataFrame, **kwargs: Any) -> str:
    from alliance_analysis.overview.display import display_table

    return display_table(df, **kwargs).to_html()


def _html(df: pd.DataFrame, **kwargs: Any) -> Any:
    from alliance_analysis.overview.display import html_table

    return html_table(df, **kwargs)


def _fmt(n: float) -> str:
    return f"{n:,.0f}"


def _shipped_coverage_text(context: ContextSeries | None) -> dict[str, str]:
    out = {}
    try:
        r, p = _shipped_releases()
    except (OSError, DataValidationError) as exc:  # pragma: no cover - shipped files present in the repo
        log.warning("shipped Home Office tables unavailable: %s", exc)
    else:
        q = r[r["frequency"] == "quarterly"]["period_end"] if "frequency" in r.columns else r["period_end"]
        a = r["period_end"]
        out["home_office/rec-crime-pfa.csv"] = (
            f"years ending March {a.min().year} onwards, rolling quarterly to {q.max():%B %Y}; "
            f"{r.loc[r.get('force_type', pd.Series('territorial', index=r.index)) == 'territorial', 'force'].nunique()}"
            f" territorial forces")
        pq = pd.PeriodIndex(p["quarter"])
        first, last = p.iloc[int(pq.argmin())], p.iloc[int(pq.argmax())]
        out["home_office/prc-pfa-mar2013-onwards-tables-191023.csv.gz"] = (
            f"quarters {_period_text(pq.min())} to {_period_text(pq.max())} (FY {first['financial_year']} "
            f"Q{first['financial_quarter']} to FY {last['financial_year']} Q{last['financial_quarter']})")
    if context is not None:
        if context.workforce is not None and len(context.workforce):
            w = context.workforce["year"]
            out["workforce/police_workforce_open_data_2007_2022.csv.gz"] = f"31 March {w.min()} to 31 March {w.max()}"
        if len(context.population):
            y = context.population["year"]
            out["population/population_by_lad_mid2001_mid2020.csv.gz"] = f"mid-{y.min()} to mid-{y.max()}"
        if context.severity_total is not None and len(context.severity_total):
            y = context.severity_total["year"]
            out["css/crime_severity_score_by_force_and_offence_group_2003_2022.csv.gz"] = (
                f"years ending March {y.min()} to March {y.max()}")
    out.setdefault("lookups/lad_pfa_2021.csv", "districts of England and Wales, December 2021 boundaries")
    return out


def header_markdown(series: CrimeSeries, params: Mapping[str, Any] | None = None,
                    defaults: Mapping[str, Any] | None = None) -> str:
    """What produced the report: source and release, forces, period, and the parameters that
    differ from the defaults.

    Examples
    --------
    >>> from alliance_analysis.series.sources import CrimeSeries
    >>> s = CrimeSeries(pd.DataFrame({"force": "A", "quarter": pd.period_range("2013Q2", periods=2, freq="Q"),
    ...                               "offence_group": "Robbery", "count": 1}), "Src", "rel", False)
    >>> print(header_markdown(s, {"seed": 7}, {"seed": 2014}).splitlines()[-1])
    - **Parameters that differ from the defaults:** seed = 7
    """
    lines = ["**What produced this report**", "",
             f"- **Data:** {series.describe()}",
             f"- **Forces:** {', '.join(series.forces)}",
             f"- **Period:** {series.period_label()}"]
    if series.synthetic:
        lines.append("- **SYNTHETIC DATA**: seeded demonstration series; nothing here is a finding about any force.")
    for n in series.notes:
        lines.append(f"- {n}")
    if params is not None:
        d = defaults or {}
        diff = [f"{k} = {v!r}" if isinstance(v, str) else f"{k} = {v}" for k, v in params.items()
                if k not in d or d[k] != v]
        lines.append(f"- **Parameters that differ from the defaults:** {', '.join(diff) if diff else 'none'}")
    return "\n".join(lines)


def caveats_markdown(series: CrimeSeries) -> str:
    """The caveats a report must state about its crime series, as a Markdown list ("" when none).

    Examples
    --------
    >>> from alliance_analysis.series.sources import CrimeSeries
    >>> d = pd.DataFrame({"force": "A", "month": pd.PeriodIndex(["2022-01"], freq="M"), "crime_type": "x", "count": 1})
    >>> caveats_markdown(CrimeSeries(d, "s", "r", True, ("a note",))).splitlines()[1]
    '- a note'
    >>> caveats_markdown(CrimeSeries(d, "s", "r", False))
    ''
    """
    lines = []
    if series.synthetic:
        lines.append("- **SYNTHETIC DATA**: seeded demonstration series; nothing here is a finding about any force.")
    lines.extend(f"- {n}" for n in series.notes)
    return "\n".join(lines)


def summary_markdown(series: CrimeSeries, coverage: pd.DataFrame, revisions: RevisionTables | None,
                     rates: pd.DataFrame, breaks: pd.DataFrame) -> str:
    """The findings in numbers, generated from the overview's tables.

    Examples
    --------
    >>> from alliance_analysis.series.sources import CrimeSeries
    >>> q = pd.period_range("2013Q2", periods=4, freq="Q")
    >>> s = CrimeSeries(pd.DataFrame({"force": "A", "quarter": q, "offence_group": "Robbery", "count": 1}),
    ...                 "Src", "rel", False)
    >>> cov = coverage_by_force_year(s.data)
    >>> "1 of 1 force-years from 2013/14 to 2013/14 are complete" in summary_markdown(s, cov, None, pd.DataFrame(),
    ...                                                                            pd.DataFrame())
    True
    """
    unit = "quarters" if series.time == "quarter" else "months"
    y0, y1 = (int(x) for x in _fy_start(pd.Series([series.start, series.end])))
    crime = coverage[(coverage["series"] == "Recorded crime") & coverage["year"].between(y0, y1)]
    n_complete = int((crime["status"] == COMPLETE).sum())
    nf = len(series.forces)
    lines = [f"- The crime series covers {nf} {'force' if nf == 1 else 'forces'}, {series.period_label()}: "
             f"{_fmt(series.data['count'].sum())} records in {series.data[series.category].nunique()} "
             f"categories; {n_complete} of {len(crime)} force-years from {fy_label(y0)} to {fy_label(y1)} "
             f"are complete."]
    inner = series_summary(series.data)
    miss = int((inner["periods_expected"] - inner["periods_present"]).sum())
    lines.append(f"- {miss} {unit} are missing between the first and last period of the series"
                 + (" (listed below as gaps, never filled)." if miss else "."))
    edge = crime[(crime["status"] == PARTIAL) & crime["year"].isin([y0, y1])]
    if len(edge):
        lines.append(f"- Partial financial years at the ends of the series: "
                     f"{', '.join(sorted(set(edge['financial_year'])))} (left out of annual totals and rates).")
    for name in ("Population", "Workforce", "Crime severity"):
        c = coverage[(coverage["series"] == name) & (coverage["status"] == COMPLETE)]
        if len(c):
            lines.append(f"- {name}: financial years {c['financial_year'].min()} to {c['financial_year'].max()} "
                         f"({c['financial_year'].nunique()} years).")
    if revisions is not None and len(revisions.by_force_year):
        t = revisions.by_force_year
        big = t.loc[t["difference"].abs().idxmax()]
        changed = int((t["difference"] != 0).sum())

        def said(r: Any) -> str:
            return (f"{r['force']} {r['financial_year']}, {_fmt(r['release_2019'])} in the 2019 release vs "
                    f"{_fmt(r['release_2023'])} in Oct 2023 ({int(r['difference']):+,}, {r['percent']:+.1f}%)")

        line = (f"- The Oct 2023 release revised {changed} of {len(t)} force-years of the 2019 release; the largest: "
                f"{said(big)}")
        rel = t.loc[t["percent"].abs().fillna(-1).idxmax()]
        if (rel["force"], rel["financial_year"]) != (big["force"], big["financial_year"]):
            line += f"; the largest in per cent: {said(rel)}"
        lines.append(line + ".")
    if len(rates):
        last = rates["financial_year"].max()
        r = rates[rates["financial_year"] == last].sort_values("rate_per_1000")
        if len(r) <= 6:
            parts = ", ".join(f"{a} {v:,.1f}" for a, v in zip(r["area"], r["rate_per_1000"], strict=True))
        else:
            lo, hi = r.iloc[0], r.iloc[-1]
            parts = (f"median {r['rate_per_1000'].median():,.1f} across {len(r)} forces, lowest {lo['area']} "
                     f"{lo['rate_per_1000']:,.1f}, highest {hi['area']} {hi['rate_per_1000']:,.1f}")
        lines.append(f"- Crime per 1,000 residents in {last}: {parts}.")
    if len(breaks):
        lines.append(f"- {len(breaks)} declared {'break touches' if len(breaks) == 1 else 'breaks touch'} the period: "
                     f"{', '.join(breaks['Break'])}.")
    return "\n".join(lines)


def data_overview(series: CrimeSeries, context: ContextSeries, *, path: str | Path | None = None,
                  params: Mapping[str, Any] | None = None, defaults: Mapping[str, Any] | None = None,
                  top: int = 10) -> DataOverview:
    """The data overview of one crime series and its context (notebook ``00``).

    Parameters
    ----------
    series : CrimeSeries
        From :func:`alliance_analysis.series.sources.load_crime_series`.
    context : ContextSeries
        From :func:`alliance_analysis.series.sources.load_context` for the same forces.
    path : path, optional
        The file or archive the series was read from (PRC / police.uk).
    params, defaults : mapping, optional
        The run's parameters and their defaults (the header lists those that differ).
    top : int
        How many of the largest revisions to list.

    Returns
    -------
    DataOverview

    Examples
    --------
    >>> from alliance_analysis.series.sources import CrimeSeries, load_context
    >>> q = pd.period_range("2013Q2", periods=4, freq="Q")
    >>> s = CrimeSeries(pd.DataFrame({"force": "Dorset", "quarter": q, "offence_group": "Robbery", "count": 5}),
    ...                 "Example table", "test", False)
    >>> ov = data_overview(s, load_context(["Dorset"]), path="x.csv")
    >>> ov.revisions is None, ov.rates["count"].tolist()
    (True, [20])
    """
    from alliance_analysis.taxonomy import breaks_for

    default = series.source == "Home Office police recorded crime" and path is None and not series.synthetic
    basis = default_basis(series.data) if default else None
    cov = coverage_by_force_year(series.data, population=context.population, workforce=context.workforce,
                                 severity=context.severity_total, basis=basis)
    extra = [row] if (row := series_source_row(series, path)) is not None else []
    src = sources_table(coverage=_shipped_coverage_text(context), extra=extra)
    if default:
        revs: RevisionTables | None = revision_tables(release_revisions(series.forces), top=top)
        rnote = ("Where the two Home Office releases both give a financial year (2012/13 to 2017/18), the October "
                 "2023 release is compared with the 2019 release; the default series uses the 2019 release only "
                 "before 2012/13 and the 2023 release from then on, so the revisions are shown, never spliced over.")
        if revs.by_force_year.empty:
            rnote = "The two Home Office releases share no complete financial year for these forces."
            revs = None
    else:
        revs = None
        kind = ("a seeded synthetic series" if series.synthetic else
                "a police.uk archive (one release, as read)" if series.time == "month" else
                "a single Home Office table")
        rnote = (f"This report's crime series is {kind}, so there is no revision between releases to show; revisions "
                 f"are measured on the shipped Home Office default.")
    cats = sorted(series.data[series.category].unique())
    start, end = series.start.start_time, series.end.end_time
    try:
        br = breaks_for("all", start, end)
    except ParameterError:  # an odd period: show every declared break
        br = context.breaks
    if series.category == "offence_group":
        from alliance_analysis.taxonomy import expand_groups

        have = set(cats)
        br = br[br["offence_groups"].map(lambda g: bool(have & set(expand_groups(g))))]
    bt = breaks_table(br.reset_index(drop=True))
    bnote = (f"No declared break touches {series.period_label()}." if bt.empty else
             f"{len(bt)} declared {'break touches' if len(bt) == 1 else 'breaks touch'} {series.period_label()}; "
             f"trend and evaluation models take them as declared breaks rather than as changes in crime.")
    rates = rates_by_force_year(series, context.population)
    if rates.empty:
        rnote_rates = (f"The series has no complete financial year (April to March) for any force, so no annual rate "
                       f"per 1,000 residents is given; incomplete years: "
                       f"{', '.join(rates.attrs.get('incomplete_years', [])) or 'none'}.")
    else:
        near = rates.attrs.get("nearest_year_used", [])
        pop_years = f"mid-{context.population['year'].min()} to mid-{context.population['year'].max()}"
        rnote_rates = (f"Rates use the ONS mid-year population of each year ({pop_years} available)"
                       + (f"; years beyond the estimates use the nearest ({', '.join(f'{fy_label(y)} on mid-{p}' for y, p in near)})"
                          if near else "")
                       + ". Anti-social behaviour and fraud are left out of crime.")
    return DataOverview(
        header=header_markdown(series, params, defaults),
        summary=summary_markdown(series, cov, revs, rates, bt),
        sources=src, coverage=cov, gaps=coverage_gaps(cov), series=series_summary(series.data),
        revisions=revs, revision_note=rnote, breaks=bt, rates=rates, rates_note=rnote_rates, breaks_note=bnote,
        caveats=caveats_markdown(series),
        synthetic=series.synthetic, notes=series.notes, series_info=series_info(series))
