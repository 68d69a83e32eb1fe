"""The data overview for a lay reader: the answer, the key figures and the appendix (issue 20).

Each function takes a :class:`~alliance_analysis.overview.data_overview.DataOverview` and
returns plain-English text or a self-rendering object; :class:`DataOverview` exposes them
as methods, so every cell of notebook ``00`` is one readable call.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from alliance_analysis.overview._common import COMPLETE, PARTIAL
from alliance_analysis.presentation.report import (Appendix, KeyFigures, about, about_pct, answer_text, group_name,
                                                   join_names, plural)

#: a :class:`~alliance_analysis.overview.data_overview.DataOverview` (not imported: it imports this module)
DataOverview = Any


def _span(ov: DataOverview) -> str:
    """``"April 2006 to September 2023"`` from the series' first and last period."""
    s = ov.series_info
    return f"{s['start']:%B %Y} to {s['end']:%B %Y}"


def _crime_years(ov: DataOverview) -> pd.DataFrame:
    cov = ov.coverage
    crime = cov[cov["series"] == "Recorded crime"]
    y0, y1 = ov.series_info["fy_first"], ov.series_info["fy_last"]
    return crime[crime["year"].between(y0, y1)]


def _source_words(ov: DataOverview) -> str:
    s = ov.series_info
    if s["synthetic"]:
        return "made-up demonstration figures (seeded, not a finding about any force)"
    if s["time"] == "month":
        return "the data.police.uk street-level crime records"
    if s["source"] == "Home Office police recorded crime":
        return "the Home Office's police recorded crime figures"
    return f"the {s['source']} figures"


def _unit(ov: DataOverview) -> str:
    return "month" if ov.series_info["time"] == "month" else "quarter"


def answer(ov: DataOverview) -> str:
    """``## The answer`` of the data overview: what the data covers, how complete, what it means.

    At most six sentences of plain English; every number comes from the overview's tables.
    """
    s = ov.series_info
    forces = group_name(s["forces"], max_names=6)
    crime = _crime_years(ov)
    complete = int((crime["status"] == COMPLETE).sum())
    missing = int((ov.series["periods_expected"] - ov.series["periods_present"]).sum())
    parts = [f"This report uses {_source_words(ov)} for {forces}, from {_span(ov)}: "
             f"{about(s['records'], unit='records')}."]
    partial = sorted(set(crime.loc[crime["status"] == PARTIAL, "financial_year"]))
    gap_text = (f"{plural(missing, _unit(ov))} {'is' if missing == 1 else 'are'} missing and shown as gaps, never "
                "filled in" if missing else f"no {_unit(ov)} is missing")
    if complete == len(crime):
        parts.append(f"Every financial year is complete for every force, and {gap_text}.")
    else:
        ends = f" (the incomplete ones include {join_names(partial[:3])})" if partial else ""
        parts.append(f"Of {len(crime)} force-years (one force in one financial year), {complete} are complete{ends}; "
                     f"{gap_text}.")
    if ov.revisions is not None and len(ov.revisions.by_force_year):
        t = ov.revisions.by_force_year
        changed = int((t["difference"] != 0).sum())
        biggest = t["percent"].abs().max()
        parts.append(f"Between its 2019 and 2023 releases the Home Office revised {changed} of {len(t)} yearly force "
                     f"totals, by at most {about_pct(biggest)}, so the two releases are shown side by side rather "
                     "than joined.")
    if len(ov.breaks):
        short = ov.breaks["Break"].str.replace(r"\s+\d{4}(-\d{2,4})?$", "", regex=True)
        names = join_names(n if n[1:2].isupper() or n[1:2] == "-" else n[:1].lower() + n[1:] for n in short.head(3))
        parts.append(f"{plural(len(ov.breaks), 'known change')} in how crime was recorded or counted, or in "
                     f"everyday life, fall in this period ({names}), so a jump around them is not necessarily a "
                     "change in crime.")
    if len(ov.rates):
        last = ov.rates["financial_year"].max()
        r = ov.rates[ov.rates["financial_year"] == last]["rate_per_1000"]
        rate = (f"about {r.iloc[0]:,.0f}" if len(r) == 1 else
                f"between about {r.min():,.0f} and {r.max():,.0f}")
        parts.append(f"In {last} the police recorded {rate} crimes per 1,000 residents in "
                     f"{'this force' if len(r) == 1 else 'these forces'}.")
    if s["synthetic"]:
        parts = parts[:5] + ["None of this describes a real force: the figures are made up for demonstration."]
    elif complete < len(crime) or missing:
        parts = parts[:5] + ["Year-by-year comparisons should leave out the incomplete years listed below."]
    return answer_text(parts[:6])


def key_figures(ov: DataOverview) -> KeyFigures:
    """``## Key figures``: forces, period, records, completeness, revisions, breaks, latest rates."""
    s = ov.series_info
    crime = _crime_years(ov)
    complete = int((crime["status"] == COMPLETE).sum())
    missing = int((ov.series["periods_expected"] - ov.series["periods_present"]).sum())
    rows: list[tuple[str, str, str]] = [
        ("Forces", f"{len(s['forces']):,}", join_names(s["forces"])),
        ("Period", _span(ov), plural(s["n_periods"], _unit(ov))),
        ("Records", f"{s['records']:,}", f"in {plural(s['n_categories'], 'crime category', 'crime categories')}"),
        ("Complete force-years", f"{complete} of {len(crime)}", "financial years (April to March) with every "
                                                                 f"{_unit(ov)} present"),
        (f"Missing {_unit(ov)}s", f"{missing:,}", "between the first and last period; shown as gaps, never filled"),
    ]
    if ov.revisions is not None and len(ov.revisions.by_force_year):
        t = ov.revisions.by_force_year
        rows.append(("Largest revision", about_pct(t.loc[t["percent"].abs().idxmax(), "percent"], signed=True),
                     "the October 2023 release against the 2019 release, one force and year"))
    else:
        rows.append(("Revisions between releases", "not checked", "only the shipped Home Office default has two releases"))
    rows.append(("Known breaks", f"{len(ov.breaks):,}", "changes in recording or counting in this period"))
    if len(ov.rates):
        last = ov.rates["financial_year"].max()
        r = ov.rates[ov.rates["financial_year"] == last]["rate_per_1000"]
        rows.append((f"Crimes per 1,000 residents, {last}",
                     f"{r.iloc[0]:,.1f}" if len(r) == 1 else f"{r.min():,.1f} to {r.max():,.1f}",
                     "lowest to highest force" if len(r) > 1 else ""))
    else:
        rows.append(("Crimes per 1,000 residents", "not checked", "no complete financial year in the series"))
    return KeyFigures(rows)


def appendix(ov: DataOverview) -> Appendix:
    """``## How this was worked out``: alignment rules, revision comparison, rates, sources."""
    srcs = [f"{r['Source']} ({r['Publisher']}, {r['Release']})" for _, r in ov.sources.iterrows()
            if str(r.get("Source", "")).strip()]
    return Appendix(
        methods=[
            "Coverage counts, for each force and financial year, the months or quarters present against those "
            "in the year; population, workforce and crime severity count a year as present when its figure exists.",
            "A mid-year population estimate belongs to the financial year it falls in; a 31 March workforce "
            "figure and a crime severity score for the year ending March belong to the year that ends then.",
            "Revisions compare the October 2023 quarterly release with the 2019 rolling-year release for the "
            "financial years both cover; the series uses the 2019 release only before 2012/13.",
            "Rates divide recorded crime in each complete financial year by the ONS mid-year population of that "
            "year (the nearest estimate when the year is beyond the estimates); anti-social behaviour and fraud "
            "are left out of crime.",
        ],
        assumptions=[n for n in ov.notes] or ["None beyond the declared breaks listed in the report."],
        sources=srcs,
        terms=["financial year", "recorded crime", "per 1,000 residents"],
    )


def series_info(series: Any) -> dict[str, Any]:
    """The facts of a crime series the reader functions need (kept on the overview)."""
    from alliance_analysis.overview._common import _fy_start

    y0, y1 = (int(x) for x in _fy_start(pd.Series([series.start, series.end])))
    return {
        "forces": list(series.forces), "start": series.start.start_time, "end": series.end.end_time,
        "time": series.time, "source": series.source, "synthetic": bool(series.synthetic),
        "records": int(series.data["count"].sum()), "n_categories": int(series.data[series.category].nunique()),
        "n_periods": int(series.n_periods), "fy_first": y0, "fy_last": y1,
    }
