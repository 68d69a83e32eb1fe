"""The reviewers' claims register: the source papers' figures, recomputed.

``register`` loads the claims table and gives each claim a status; ``checks`` holds the
named recomputations on the transcribed seed figures; ``data_checks`` those on the Home
Office and ONS series the package ships; ``plots`` the figures; ``report`` the review report
(notebook 04) as one results object that renders itself.

May import: the foundation modules, ``datasets``, ``series`` and ``presentation``.

Examples
--------
>>> reg = build_claims_register()
>>> sorted(set(reg["status"])) <= sorted(STATUSES)
True
"""

from alliance_analysis.findings.checks import DATA_CHECKS, SEED_CHECKS
from alliance_analysis.findings.plots import plot_printed_vs_recomputed, plot_table3
from alliance_analysis.findings.report import ReviewReport, review_report
from alliance_analysis.findings.register import (CLAIMS_FILE, STATUS_COLOURS, STATUSES, build_claims_register,
                                                 compare, filter_register, largest_differences, load_claims,
                                                 printed_tolerance, recompute_claim, register_summary,
                                                 style_register, summary_text)

__all__ = [
    "CLAIMS_FILE", "DATA_CHECKS", "ReviewReport", "review_report", "SEED_CHECKS", "STATUS_COLOURS", "STATUSES", "build_claims_register", "compare",
    "filter_register", "largest_differences", "load_claims", "plot_printed_vs_recomputed", "plot_table3",
    "printed_tolerance", "recompute_claim", "register_summary", "style_register", "summary_text",
]
