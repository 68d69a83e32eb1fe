"""Run notebooks with papermill into ``reports/<run-id>/`` with HTML, provenance and an index.

- :mod:`._runner`: validated, typed parameters to the kernel; safe run folders
  (unique ids, status file, SIGTERM clean-up); per-notebook failures recorded.
- :mod:`._post`: reproducible, self-contained notebooks and HTML (no random ids or addresses,
  no scripts from the internet), page titles, figure alt text, readable error messages, and
  for a failed notebook one plain paragraph in place of the traceback.
- :mod:`._header`: :func:`report_header`, the "what produced this report" block.
- :mod:`._index`: ``reports/index.html`` (malformed records never break it; each report's PDF linked).
- :mod:`._pdf`: a PDF of each HTML report, printed by headless Chromium, for board papers.
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

import importlib
from typing import Any

#: public name -> the module that defines it. Imported on first use, so a report kernel that
#: only needs ``report_header`` does not load nbformat, nbconvert and papermill (about 1.2 s).
_LAZY = {
    **dict.fromkeys(("RUN_DIR_ENV", "changed_parameters", "report_header"), "_header"),
    **dict.fromkeys(("KERNEL_NAME", "check_notebook", "strip_notebook"), "_hygiene"),
    **dict.fromkeys(("index_rows", "run_status", "write_index"), "_index"),
    **dict.fromkeys(("describe_error", "export_html", "figure_alt_text", "normalise_notebook"), "_post"),
    **dict.fromkeys(("LIBRARIES", "NotebookRun", "RunConfig", "RunInterrupted", "RunResult", "check_timeout",
                     "git_commit", "input_checksums", "library_versions", "load_run_config", "new_run_dir",
                     "remove_temporary_files", "run_notebooks"), "_runner"),
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "KERNEL_NAME", "LIBRARIES", "RUN_DIR_ENV", "NotebookRun", "RunConfig", "RunInterrupted", "RunResult",
    "changed_parameters", "check_notebook", "check_timeout", "describe_error", "export_html", "figure_alt_text",
    "git_commit", "index_rows", "input_checksums", "library_versions", "load_run_config", "new_run_dir",
    "normalise_notebook", "remove_temporary_files", "report_header", "run_notebooks", "run_status",
    "strip_notebook", "write_index",
]
