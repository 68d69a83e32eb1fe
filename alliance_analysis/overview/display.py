"""Tables for readers: the overview's human column labels, as a Styler or an IPython HTML object."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from pandas.io.formats.style import Styler

#: Human column labels used by :func:`display_table`.
LABELS: dict[str, str] = {
    "force": "Force", "area": "Area", "financial_year": "Financial year", "series": "Series",
    "periods_present": "Periods present", "periods_expected": "Periods expected", "status": "Status",
    "basis": "Basis", "missing": "Missing periods", "release_2019": "2019 release", "release_2023": "Oct 2023 release",
    "difference": "Revision (2023 minus 2019)", "percent": "Revision (%)", "offence_group": "Offence group",
    "count": "Recorded crimes", "population": "Population", "population_year": "Population estimate (mid-year)",
    "rate_per_1000": "Crimes per 1,000 residents", "first_period": "First period", "last_period": "Last period",
    "table": "Seed table", "document": "Document", "figures": "Figures", "file": "File",
}


def display_table(df: pd.DataFrame, *, counts: Sequence[str] = (), pct: Sequence[str] = (),
                  rates: Sequence[str] = (), labels: Mapping[str, str] | None = None,
                  caption: str | None = None) -> Styler:
    """A table formatted for readers by :func:`alliance_analysis.presentation.tables.format_table`, with the
    overview's human labels (:data:`LABELS`) by default; column names refer to ``df`` before
    relabelling. The table id derives from the content, so identical runs give identical HTML.

    Examples
    --------
    >>> s = display_table(pd.DataFrame({"force": ["A"], "count": [12345]}), counts=["count"])
    >>> "12,345" in s.to_html()
    True
    """
    from alliance_analysis.presentation.tables import format_table

    lab = {c: LABELS.get(c, c) for c in df.columns}
    lab.update(labels or {})
    return format_table(df, counts=tuple(counts), pct=tuple(pct), rates=tuple(rates), labels=lab, caption=caption)


def html_table(df: pd.DataFrame, **kwargs: Any) -> Any:
    """:func:`display_table` as an IPython ``HTML`` object, for ``display()`` in a report.

    Displaying a Styler also stores its ``repr`` (with an object address) as the plain-text
    output, so two identical runs would differ; the HTML object's outputs are the same
    bytes every run.

    Examples
    --------
    >>> h = html_table(pd.DataFrame({"force": ["A"], "count": [12345]}), counts=["count"])
    >>> "12,345" in h.data, repr(h).startswith("<IPython.core.display.HTML object")
    (True, True)
    """
    from IPython.display import HTML

    return HTML(display_table(df, **kwargs).to_html())
