"""Run notebooks with papermill into ``reports/<run-id>/`` with HTML, provenance and an index.

- :mod:`._runner`: validated, typed parameters to the kernel; safe run folders
  (unique ids, status file, SIGTERM clean-up); per-notebook failures recorded.
- :mod:`._post`: reproducible notebooks and HTML (no random ids or addresses),
  page titles, figure alt text, readable error messages.
- :mod:`._header`: :func:`report_header`, the "what produced this report" block.
- :mod:`._index`: ``reports/index.html``.
- :mod:`._hygiene`: committed notebooks without outputs, logic or parameter drift.

May import: the foundation modules (``paths``, ``io``, ``params``, ``yamlio``, ``progress``) and
``presentation``; heavy notebook libraries (nbformat, nbconvert, papermill) load lazily, so
report kernels do not pay for them.

Examples
--------
>>> cfg = load_run_config({"notebooks": {"04_police_foundation_review": {}}})
>>> list(cfg.notebooks)
['04_police_foundation_review']
"""

from alliance_analysis.reports._header import RUN_DIR_ENV, changed_parameters, report_header
from alliance_analysis.reports._hygiene import KERNEL_NAME, check_notebook, strip_notebook
from alliance_analysis.reports._index import index_rows, run_status, write_index
from alliance_analysis.reports._post import describe_error, export_html, figure_alt_text, normalise_notebook
from alliance_analysis.reports._runner import (
    LIBRARIES,
    NotebookRun,
    RunConfig,
    RunInterrupted,
    RunResult,
    check_timeout,
    git_commit,
    input_checksums,
    library_versions,
    load_run_config,
    new_run_dir,
    remove_temporary_files,
    run_notebooks,
)

__all__ = [
    "KERNEL_NAME", "LIBRARIES", "RUN_DIR_ENV", "NotebookRun", "RunConfig", "RunInterrupted", "RunResult",
    "changed_parameters", "check_notebook", "check_timeout", "describe_error", "export_html", "figure_alt_text",
    "git_commit", "index_rows", "input_checksums", "library_versions", "load_run_config", "new_run_dir",
    "normalise_notebook", "remove_temporary_files", "report_header", "run_notebooks", "run_status",
    "strip_notebook", "write_index",
]
