"""The review report (notebook ``04``) as one results object that renders itself.

:func:`review_report` builds :class:`ReviewReport` from the claims register. Its methods
give every part of the answer-first report (issue 20): :meth:`~ReviewReport.answer` (plain
English, at most six sentences), :meth:`~ReviewReport.key_figures`, the section tables
(source papers by title, never by file name; relative differences as percentages that agree
with the chart), the figures and :meth:`~ReviewReport.appendix` ("How this was worked out").
Every text from the claims file is HTML-escaped where it reaches a table.

Examples
--------
>>> r = review_report()
>>> r.answer().startswith("We recomputed")
True
>>> int(r.counts["total"]) == len(r.register)
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from alliance_analysis.findings.checks import DATA_CHECKS
from alliance_analysis.findings.register import (STATUS_COLOURS, STATUSES, build_claims_register, filter_register,
                                                 largest_differences, register_summary)
from alliance_analysis.presentation import tables
from alliance_analysis.presentation.report import (Appendix, KeyFigures, about_pct, answer_text, code_identifiers,
                                                   document_title, plural)

#: reader words for each status (the register's own labels, explained)
STATUS_WORDS = {
    "reproduced": "check out",
    "differs": "do not check out",
    "not directly comparable": "measure something different from the public figures",
    "not checkable from public data": "cannot be checked from public data",
}


def _num(x: Any) -> str:
    """A printed or recomputed figure for a sentence: up to four significant figures, separators."""
    v = float(x)
    if v.is_integer():
        return f"{v:,.0f}"
    return f"{v:,.{max(0, 3 - len(str(int(abs(v)))) + 1)}f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class ReviewReport:
    """The claims register and everything notebook 04 shows, rendering itself.

    Attributes
    ----------
    register : DataFrame
        :func:`~alliance_analysis.findings.register.build_claims_register` output.
    show_only_status : list of str, optional
        Statuses shown in the full register (all when None).
    """

    register: pd.DataFrame
    show_only_status: Sequence[str] | None = None
    counts: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        vc = self.register["status"].value_counts()
        counts = {s: int(vc.get(s, 0)) for s in STATUSES}
        counts["total"] = len(self.register)
        counts["papers"] = int(self.register["document"].nunique())
        object.__setattr__(self, "counts", counts)

    # ---- the answer and the key figures -----------------------------------------------------------------
    def _differs(self) -> pd.DataFrame:
        d = self.register[self.register["status"] == "differs"].copy()
        d["abs_rel"] = d["relative_difference"].abs()
        return d.sort_values("abs_rel", ascending=False)

    def _public(self) -> pd.DataFrame:
        return self.register[self.register["check"].isin(list(DATA_CHECKS)) & self.register["recomputed"].notna()]

    def answer(self) -> str:
        """``## The answer``: what the check found, how sure it is and what it means (at most six sentences).

        Examples
        --------
        >>> from alliance_analysis.presentation.report import sentence_count
        >>> sentence_count(review_report().answer()) <= 6
        True
        """
        c = self.counts
        parts = [f"We recomputed {plural(c['total'], 'figure')} quoted in the {plural(c['papers'], 'source paper')} "
                 f"on the two police alliances: {c['reproduced']} check out, {c['differs']} do not, "
                 f"{c['not directly comparable']} measure something different from the public figures and "
                 f"{c['not checkable from public data']} cannot be checked from public data."]
        d = self._differs()
        if len(d):
            big = int((d["abs_rel"] > 0.10).sum())
            top = d.iloc[0]
            claim = (str(top["claim_as_printed"]).split("[")[0].strip()
                     or str(top["claim_as_printed"]).strip("[] ")).rstrip(".")
            sentence = (f"Of those that do not, {big} {'is' if big == 1 else 'are'} out by more than 10%; the largest gap "
                        f"is \u201c{claim}\u201d, printed as {_num(top['value'])} where the papers' own figures give "
                        f"{_num(top['recomputed'])}.")
            parts.append(sentence if not code_identifiers(sentence) else
                         f"Of those that do not, {big} {'is' if big == 1 else 'are'} out by more than 10%.")
        pub = self._public()
        if len(pub):
            held = int((pub["status"] == "reproduced").sum())
            parts.append(f"{plural(len(pub), 'claim')} could be tested against the Home Office and ONS public "
                         f"series, and {held} of them hold.")
        checkable = c["reproduced"] + c["differs"]
        if checkable:
            share = c["differs"] / checkable
            lead = (f"Most figures can be relied on, but {about_pct(share, share=True)} of the checkable ones do not "
                    "match" if share < 0.34 else
                    f"{about_pct(share, share=True)} of the checkable figures do not match as printed")
            parts.append(f"{lead}, which bears out the review's point that the forces and their Police and Crime "
                         "Commissioners lacked one reliable source of performance figures.")
        parts.append("A figure counts as checking out when our number rounds to the printed one.")
        return answer_text(parts)

    def key_figures(self) -> KeyFigures:
        """``## Key figures``: claims by status, papers, largest gap."""
        c = self.counts
        rows = [
            ("Figures checked", f"{c['total']:,}", f"quantitative claims in {plural(c['papers'], 'source paper')}"),
            ("Check out", f"{c['reproduced']:,}", "our figure rounds to the printed one"),
            ("Do not check out", f"{c['differs']:,}", "our figure differs from the printed one"),
            ("Measure something different", f"{c['not directly comparable']:,}",
             "the public figure counts something else, e.g. all robbery rather than personal robbery"),
            ("Cannot be checked", f"{c['not checkable from public data']:,}", "no public table settles them"),
        ]
        d = self._differs()
        if len(d):
            rows.append(("Largest gap", about_pct(100 * d.iloc[0]["relative_difference"], signed=True),
                         f"claim {d.iloc[0]['id']}, relative to the printed figure"))
        return KeyFigures(rows)

    # ---- section tables --------------------------------------------------------------------------------
    def summary_table(self):
        """Claims by source paper (by title) and status, with totals."""
        s = register_summary(self.register).reset_index()
        s["document"] = s["document"].map(lambda d: "All source papers" if d == "all documents" else document_title(d))
        return tables.format_table(s, counts=list(STATUSES) + ["total"], labels={"document": "Source paper"},
                                   caption="Claims by source paper and status")

    def largest_differences(self, n: int = 12) -> pd.DataFrame:
        """The ``n`` largest differences, relative difference in per cent (as the chart)."""
        d = largest_differences(self.register, n)
        d["document"] = d["document"].map(document_title)
        d["relative_difference_pct"] = 100 * d["relative_difference"]
        return d.drop(columns=["relative_difference", "status"])

    def largest_differences_table(self, n: int = 12):
        """The largest differences as a reader's table ("Relative difference (%)", e.g. 60.4%)."""
        return tables.format_table(
            self.largest_differences(n), pct=["relative_difference_pct"], rates=["value", "recomputed", "difference"],
            labels={"id": "Claim", "document": "Source paper", "location": "Where", "claim_as_printed": "Claim as printed",
                    "value": "Printed", "recomputed": "Recomputed", "difference": "Difference",
                    "relative_difference_pct": "Relative difference (%)", "reason": "Why it differs"},
            caption="Largest differences: recomputed minus printed, as a percentage of the printed figure")

    def not_comparable_table(self):
        """Claims the public data measures differently."""
        d = self.register.loc[self.register["status"] == "not directly comparable",
                              ["id", "claim_as_printed", "value", "recomputed", "note"]]
        return tables.format_table(d, rates=["value", "recomputed"],
                                   labels={"id": "Claim", "claim_as_printed": "Claim as printed", "value": "Printed",
                                           "recomputed": "Public data", "note": "How they differ"},
                                   caption="Claims measured differently by the public data")

    def not_checkable_table(self):
        """Claims no public table settles, with what would settle each."""
        d = self.register.loc[self.register["status"] == "not checkable from public data",
                              ["id", "document", "location", "claim_as_printed", "reason"]].copy()
        d["document"] = d["document"].map(document_title)
        d["reason"] = d["reason"].astype(str).str.replace(r"^needs: ", "", regex=True)
        return tables.format_table(d, labels={"id": "Claim", "document": "Source paper", "location": "Where",
                                              "claim_as_printed": "Claim as printed", "reason": "What would settle it"},
                                   caption="Claims no public table here can settle")

    def register_table(self):
        """The full register (filtered by ``show_only_status``), rows coloured by status, text escaped."""
        view = filter_register(self.register, self.show_only_status)
        cols = ["id", "document", "location", "claim_as_printed", "value", "unit", "recomputed", "status", "reason"]
        view = view[cols].copy()
        view["document"] = view["document"].map(document_title)
        styler = tables.format_table(
            view, rates=["value", "recomputed"],
            labels={"id": "Claim", "document": "Source paper", "location": "Where",
                    "claim_as_printed": "Claim as printed", "value": "Printed", "unit": "Unit",
                    "recomputed": "Recomputed", "difference": "Difference", "status": "Status", "reason": "Why"},
            caption="Every claim, coloured by status: green checks out, red does not, amber measures something "
                    "different, grey cannot be checked")
        colours = view["status"].map(STATUS_COLOURS)
        return styler.apply(lambda row: [f"background-color: {colours.loc[row.name]}"] * len(row), axis=1)

    # ---- figures ---------------------------------------------------------------------------------------
    def plot_differences(self):
        """Every checkable claim's relative difference in per cent (agrees with the table)."""
        from alliance_analysis.findings.plots import plot_printed_vs_recomputed

        return plot_printed_vs_recomputed(self.register)

    def plot_table3(self):
        """Table 3 of the 2014 pack, indexed to 2012 = 100."""
        from alliance_analysis.datasets.seed import load_seed_table
        from alliance_analysis.findings.plots import plot_table3

        return plot_table3(load_seed_table("crime_volumes"))

    # ---- appendix --------------------------------------------------------------------------------------
    def appendix(self) -> Appendix:
        """``## How this was worked out``: the method, the tolerance rule and the papers."""
        docs = sorted(self.register["document"].unique())
        return Appendix(
            methods=[
                "Every quantitative claim found in the source papers is held as a row of data (the claims file "
                "data/raw/claims/claims.csv) with the check that recomputes it.",
                "A claim is recomputed from the figures transcribed from the papers (data/raw/seed) or from the "
                "Home Office recorded crime, police workforce and ONS population series shipped with the package.",
                "Relative difference: recomputed minus printed, as a percentage of the printed figure; the table "
                "and the chart use the same numbers.",
            ],
            assumptions=[
                "A claim checks out when the recomputed value rounds to the printed one (within half a unit of "
                "the last printed digit), or meets a printed bound such as 'over' or 'up to'.",
                "A claim is 'measured differently' when the public figure counts something else than the printed "
                "one (for example all robbery rather than personal robbery, people in post rather than posts).",
            ],
            sources=[document_title(d) for d in docs]
            + ["Home Office police recorded crime and workforce open data; ONS mid-year population estimates "
               "(Open Government Licence v3.0)"],
            terms=["relative difference", "financial year", "recorded crime"],
        )

    def summary(self) -> str:
        """The answer, as plain text."""
        return self.answer()

    def _repr_html_(self) -> str:
        import html

        return f"<p>{html.escape(self.answer())}</p>" + self.key_figures()._repr_html_()


def review_report(register: pd.DataFrame | None = None, show_only_status: Sequence[str] | None = None) -> ReviewReport:
    """Build the review report from the claims register (built from the shipped claims when None).

    Parameters
    ----------
    register : DataFrame, optional
        A claims register; the shipped one is built when None (the input is never changed).
    show_only_status : list of str, optional
        Statuses to show in the full register; unknown statuses raise ``DataValidationError``.

    Returns
    -------
    ReviewReport

    Examples
    --------
    >>> review_report(show_only_status=["differs"]).register_table().data["status"].unique().tolist()
    ['differs']
    """
    reg = build_claims_register() if register is None else register.copy()
    if show_only_status is not None:
        filter_register(reg, show_only_status)   # validates the statuses now, not at the last cell
    return ReviewReport(reg, None if show_only_status is None else list(show_only_status))
