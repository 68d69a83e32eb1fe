"""What the data covers: sources, coverage force by force and year by year, revisions, breaks.

The data overview report (notebook ``00``) is built from these functions, so that it
says true things on every source the package reads (the shipped Home Office default, a
PRC table, a police.uk archive, the synthetic demo):

- :func:`sources_table`: every shipped file (``data/raw/SOURCES.csv``) with publisher,
  release, coverage and licence attribution, plus the report's own source when it is not
  a shipped file;
- :func:`crime_coverage`, :func:`yearly_coverage`, :func:`coverage_by_force_year`:
  periods present per financial year for the crime series (and whether derived or
  published) and the years of population, workforce and crime severity; gaps are rows
  marked ``missing`` or ``partial``, never filled;
- :func:`revision_tables`: the revision between the 2019 rolling release and the October
  2023 quarterly release by force x financial year, with the largest revisions;
- :func:`breaks_table`: the declared discontinuities, readable;
- :func:`series_summary`: first/last period, periods present vs expected and the missing
  periods of any :class:`~alliance_analysis.series.sources.CrimeSeries`;
- :func:`data_overview`: all of the above for one series, with the header and the summary
  in numbers the report prints (:class:`DataOverview`).

Years are aligned on financial years (April-March, ``2013/14``): a mid-year population
estimate of year Y is FY Y/Y+1 (30 June falls inside it); a workforce snapshot at 31 March
Y and a Crime Severity Score for the year ending March Y are FY Y-1/Y.

One module per capability: ``manifest`` (sources), ``force_year`` (coverage by force and
year), ``revisions``, ``summaries`` (breaks, series summary, rates, seed tables),
``display`` (tables for readers) and ``overview`` (the whole overview); ``_common`` holds
the status labels and period helpers they share.

May import: the foundation modules, ``datasets``, ``series``, ``demand`` and ``presentation``.

Examples
--------
>>> q = pd.period_range("2012Q2", periods=3, freq="Q")
>>> d = pd.DataFrame({"force": "A", "quarter": q, "offence_group": "Robbery", "count": 1})
>>> crime_coverage(d)[["financial_year", "periods_present", "periods_expected", "status"]].values.tolist()
[['2012/13', 3, 4, 'partial']]
"""

from __future__ import annotations

import logging

import pandas as pd  # noqa: F401  (the docstring example above uses it)

from alliance_analysis.overview._common import (BASIS_DERIVED, BASIS_PUBLISHED, COMPLETE, MISSING,
                                                PARTIAL)
from alliance_analysis.overview.display import LABELS, display_table, html_table
from alliance_analysis.overview.force_year import (coverage_by_force_year, coverage_gaps, coverage_wide,
                                                   crime_coverage, default_basis, plot_coverage,
                                                   yearly_coverage)
from alliance_analysis.overview.manifest import read_sources, series_source_row, sources_table
from alliance_analysis.overview.data_overview import (DataOverview, caveats_markdown, data_overview,
                                                 header_markdown, summary_markdown)
from alliance_analysis.overview.revisions import (RevisionTables, plot_revisions, release_revisions,
                                                  revision_tables)
from alliance_analysis.overview.summaries import (SEED_DOCUMENT_TITLES, breaks_table, rates_by_force_year,
                                                  seed_summary, series_summary)

log = logging.getLogger(__name__)

__all__ = [
    "BASIS_DERIVED", "BASIS_PUBLISHED", "COMPLETE", "MISSING", "PARTIAL", "LABELS", "SEED_DOCUMENT_TITLES",
    "DataOverview", "RevisionTables", "breaks_table", "caveats_markdown", "coverage_by_force_year",
    "coverage_gaps", "coverage_wide", "crime_coverage", "data_overview", "default_basis", "display_table",
    "header_markdown", "html_table", "plot_coverage", "plot_revisions", "rates_by_force_year", "read_sources",
    "release_revisions", "revision_tables", "seed_summary", "series_source_row", "series_summary",
    "sources_table", "summary_markdown", "yearly_coverage",
]
