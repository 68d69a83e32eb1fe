"""Post-processing of executed notebooks: determinism, alt text, titles, readable errors."""

from __future__ import annotations

import html as _html
import logging
import re
from pathlib import Path
from typing import Any

import nbformat

from alliance_analysis.io import atomic_write_text

#: nbconvert's own logger for our exports: its "Alternative text is missing" warning is
#: wrong for our reports (we set the alt text after export), so only errors are shown
_NBCONVERT_LOG = logging.getLogger(__name__ + ".nbconvert")
_NBCONVERT_LOG.setLevel(logging.ERROR)

_VOLATILE_NB_KEYS = ("start_time", "end_time", "duration", "input_path", "output_path")
#: pandas Styler's random table ids (``T_`` + 5 hex digits by default)
_STYLER_ID = re.compile(r"\bT_([0-9a-f]{5})(?=[_\"'\s{:.,#]|$)")
#: object addresses in reprs, e.g. ``<Foo object at 0x7f3a2c1b9d90>``
_ADDRESS = re.compile(r"\bat 0x[0-9a-fA-F]{6,16}\b")
#: the figure repr installed in kernels by :func:`alliance_analysis.presentation.plots.install_kernel_hooks`
_FIGURE_REPR = re.compile(r"<Figure[^|>]*\|(?P<desc>[^>]*)>")


def _stable_text(text: str, ids: dict[str, str]) -> str:
    def sub(m: re.Match) -> str:
        key = m.group(1)
        if key not in ids:
            ids[key] = f"{len(ids):05d}"
        return "T_" + ids[key]

    return _ADDRESS.sub("at 0x0", _STYLER_ID.sub(sub, text))


def _walk_strings(obj: Any, fn) -> Any:
    if isinstance(obj, str):
        return fn(obj)
    if isinstance(obj, list):
        return [_walk_strings(x, fn) for x in obj]
    if isinstance(obj, dict):
        return type(obj)({k: _walk_strings(v, fn) for k, v in obj.items()})
    return obj


def figure_alt_text(output: dict, heading: str | None) -> str:
    """Alt text for an image output: the figure's titles when known, else its section.

    Examples
    --------
    >>> figure_alt_text({"data": {"text/plain": "<Figure size 640x480 with 1 Axes| Crime by year>"}}, "1. Demand")
    'Figure: Crime by year'
    >>> figure_alt_text({"data": {"text/plain": "<Figure size 640x480 with 1 Axes>"}}, "1. Demand")
    "Figure in section '1. Demand'"
    """
    text = output.get("data", {}).get("text/plain", "")
    text = "".join(text) if isinstance(text, list) else text
    m = _FIGURE_REPR.search(text)
    if m and m.group("desc").strip():
        return "Figure: " + m.group("desc").strip()
    return f"Figure in section {heading!r}" if heading else "Figure"


def notebook_title(nb: nbformat.NotebookNode) -> str | None:
    """The first level-1 markdown heading of a notebook."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return None


HEADER_CELL_ID = "report-header"
#: the markdown cell that tells the reader, in one paragraph, what a failed report could not produce
FAILURE_CELL_ID = "report-failure"
#: papermill's own error banner and anchor cells (replaced by the plain paragraph in the HTML)
_PAPERMILL_ERROR_TAG = "papermill-error-cell-tag"
#: error types whose message is already written for a reader (named errors with their fix)
_PLAIN_ERRORS = ("ParameterError", "DataValidationError", "DownloadError", "ScenarioError", "FileNotFoundError")


def failure_paragraph(ename: str | None, evalue: str | None, section: str | None) -> str:
    """One plain paragraph for a failed report: what could not be produced and why (markdown, escaped).

    The traceback is not repeated here; it stays in the executed notebook and the log.

    Examples
    --------
    >>> print(failure_paragraph("DataValidationError", "the archive holds Avon and Somerset but not Kent",
    ...                         "1. Demand by force"))  # doctest: +NORMALIZE_WHITESPACE
    **This report could not be completed.** It stopped in the section "1. Demand by force" because the archive
    holds Avon and Somerset but not Kent. Everything before that point is shown below; what comes after it could
    not be produced. The technical details are kept for the analyst in the executed notebook saved beside this
    report and in the run log.
    """
    from alliance_analysis.presentation.report import escape_markdown

    msg = " ".join(str(evalue or "").split())
    msg = msg.split(". Fix: ")[0].split("; fix: ")[0]            # the fix is for the analyst (in the log)
    msg = re.sub(r"(?:/[^\s/:'\"]+)+/([^\s/:'\"]+)", r"\1", msg)   # folders: their last name only
    if len(msg) > 600:
        msg = msg[:600].rsplit(" ", 1)[0] + " ..."
    msg = msg.rstrip(".")
    if ename and ename not in _PLAIN_ERRORS and not ename.endswith("ValidationError"):
        why = (f"of an unexpected problem in the program ({ename}: {msg})" if msg
               else f"of an unexpected problem in the program ({ename})")
    else:
        why = msg[:1].lower() + msg[1:] if msg[:2].isalpha() and not msg[:2].isupper() else msg
        why = why or "of an error"
    where = f' in the section "{section}"' if section else ""
    return (f"**This report could not be completed.** It stopped{where} because {escape_markdown(why)}. "
            "Everything before that point is shown below; what comes after it could not be produced. "
            "The technical details are kept for the analyst in the executed notebook saved beside this "
            "report and in the run log.")


def _failing_cell(nb: nbformat.NotebookNode) -> tuple[int | None, str | None, str | None, str | None]:
    """Index of the first cell with an error output, its section heading, ename and evalue."""
    heading = None
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            if _PAPERMILL_ERROR_TAG in cell.metadata.get("tags", []):
                continue
            for line in cell.source.splitlines():
                if line.startswith("#") and not line.startswith("# "):
                    heading = line.lstrip("#").strip()
            continue
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                return i, heading, out.get("ename"), out.get("evalue")
    return None, heading, None, None


def insert_failure_note(path: Path, *, ename: str | None = None, evalue: str | None = None) -> bool:
    """Put the plain failure paragraph at the top of a failed notebook (after the header), in place.

    The error's type and message come from the notebook's error output (else from
    ``ename``/``evalue``). Returns True when a note was added.
    """
    nb = nbformat.read(path, as_version=4)
    if any(c.get("id") == FAILURE_CELL_ID for c in nb.cells):
        return False
    idx, section, e_name, e_value = _failing_cell(nb)
    cell = nbformat.v4.new_markdown_cell(failure_paragraph(e_name or ename, e_value if e_name else evalue, section))
    cell["id"] = FAILURE_CELL_ID
    header = next((i for i, c in enumerate(nb.cells) if c.get("id") == HEADER_CELL_ID), None)
    if header is None:
        first_md = next((i for i, c in enumerate(nb.cells) if c.cell_type == "markdown"
                         and _PAPERMILL_ERROR_TAG not in c.metadata.get("tags", [])), None)
        header = first_md if first_md is not None else -1
        # a header displayed by a code cell (report_header) comes right after the title: keep it first
        nxt = next((i for i, c in enumerate(nb.cells) if i > header and c.cell_type == "code"
                    and "parameters" not in c.metadata.get("tags", [])
                    and "injected-parameters" not in c.metadata.get("tags", [])), None)
        if nxt is not None and (idx is None or nxt < idx) and any(
                "What produced this report" in str(o.get("data", {}).get("text/markdown", ""))
                for o in nb.cells[nxt].get("outputs", [])):
            header = nxt
    nb.cells.insert(header + 1, cell)
    atomic_write_text(nbformat.writes(nb), path)
    return True


def _reader_copy(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The notebook a reader sees when it failed: no traceback, no papermill banner, nothing after the failure."""
    import copy

    nb = copy.deepcopy(nb)
    nb.cells = [c for c in nb.cells if _PAPERMILL_ERROR_TAG not in c.metadata.get("tags", [])]
    idx, *_ = _failing_cell(nb)
    if idx is None:
        return nb
    cell = nb.cells[idx]
    cell.outputs = [o for o in cell.get("outputs", []) if o.get("output_type") != "error"]
    nb.cells = nb.cells[: idx + 1]
    return nb


def insert_header(path: Path, markdown: str) -> None:
    """Put a markdown header cell after the notebook's title (first markdown cell), in place."""
    nb = nbformat.read(path, as_version=4)
    if any(c.get("id") == HEADER_CELL_ID for c in nb.cells):
        return
    cell = nbformat.v4.new_markdown_cell(markdown)
    cell["id"] = HEADER_CELL_ID
    first_md = next((i for i, c in enumerate(nb.cells) if c.cell_type == "markdown"
                     and _PAPERMILL_ERROR_TAG not in c.metadata.get("tags", [])), None)
    at = first_md + 1 if first_md is not None and first_md < 3 else 0
    nb.cells.insert(at, cell)
    atomic_write_text(nbformat.writes(nb), path)


def normalise_notebook(path: Path) -> None:
    """Make an executed notebook reproducible and readable, in place (atomically).

    Strips run-specific timestamps and durations, gives every cell a fixed id
    (papermill's injected cell ``injected-parameters``, others by position), renumbers pandas Styler random table ids in order of appearance,
    blanks object addresses, and records alt text for every figure (from the
    figure's titles, else its section heading) in the output metadata.
    """
    nb = nbformat.read(path, as_version=4)
    pm = nb.metadata.get("papermill", {})
    for k in _VOLATILE_NB_KEYS:
        pm.pop(k, None)
    ids: dict[str, str] = {}
    heading = None
    for i, cell in enumerate(nb.cells):
        cell.metadata.pop("execution", None)
        cpm = cell.metadata.get("papermill", {})
        for k in _VOLATILE_NB_KEYS:
            cpm.pop(k, None)
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell["id"] = "injected-parameters"
        elif cell.get("id") not in (HEADER_CELL_ID, FAILURE_CELL_ID):
            cell["id"] = f"cell-{i:03d}"  # papermill/nbformat give random ids to cells without one
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    heading = line.lstrip("#").strip()
            continue
        if cell.cell_type != "code":
            continue
        for out in cell.get("outputs", []):
            if "data" in out:
                out["data"] = _walk_strings(dict(out["data"]), lambda s: _stable_text(s, ids))
                if "image/png" in out["data"]:
                    md = out.setdefault("metadata", {})
                    md.setdefault("image/png", {})
                    md["image/png"]["alt"] = figure_alt_text(out, heading)
            if "text" in out:
                out["text"] = _stable_text(out["text"], ids)
            if out.get("output_type") == "error":
                out["evalue"] = _stable_text(out.get("evalue", ""), ids)
    atomic_write_text(nbformat.writes(nb), path)


def export_html(notebook: Path, target: Path, *, show_code: bool = False, title: str | None = None) -> Path:
    """Export an executed notebook to HTML (figures embedded, code hidden by default).

    The page gets a real ``<title>`` (``title``, else the notebook's first heading)
    and every figure its alt text (see :func:`normalise_notebook`). A failed notebook
    (one carrying the note of :func:`insert_failure_note`) shows the reader that plain
    paragraph and what was produced before the failure: no traceback, no papermill banner,
    no empty section headings after it (the executed notebook keeps them all).
    """
    from nbconvert import HTMLExporter

    nb = nbformat.read(notebook, as_version=4)
    if any(c.get("id") == FAILURE_CELL_ID for c in nb.cells):
        nb = _reader_copy(nb)
    exporter = HTMLExporter(exclude_input=not show_code, exclude_input_prompt=True, exclude_output_prompt=True,
                            log=_NBCONVERT_LOG)
    body, _ = exporter.from_notebook_node(nb)
    page_title = title or notebook_title(nb) or Path(notebook).stem
    body = re.sub(r"<title>.*?</title>", lambda _m: f"<title>{_html.escape(page_title)}</title>", body,
                  count=1, flags=re.S)
    alts = [o.get("metadata", {}).get("image/png", {}).get("alt", "Figure")
            for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    it = iter(alts)

    def add_alt(m: re.Match) -> str:
        tag = m.group(0)
        if "data:image/png" not in tag:
            return tag
        alt = _html.escape(next(it, "Figure"))
        tag = re.sub(r'\salt="[^"]*"', "", tag)
        return tag.replace("<img", f'<img alt="{alt}"', 1)

    body = re.sub(r"<img\b[^>]*>", add_alt, body)
    body = _ADDRESS.sub("at 0x0", body)
    body = _self_contained(body)
    return atomic_write_text(body, target)


#: the house CSS every report gets: words left-aligned and never broken, figures within the page
REPORT_CSS = """
body { max-width: 1200px; margin: 0 auto; }
.jp-RenderedHTMLCommon td, .jp-RenderedHTMLCommon th,
.jp-RenderedHTMLCommon tbody tr td, .jp-RenderedHTMLCommon thead tr th { text-align: left; vertical-align: top;
  overflow-wrap: normal; word-break: normal; hyphens: none; white-space: normal; }
.jp-RenderedHTMLCommon table { max-width: 100%; }
.jp-OutputArea-output { overflow-x: auto; }
.jp-RenderedImage img, .jp-OutputArea-output img { max-width: 100%; height: auto; }
.jp-RenderedMarkdown blockquote { border-left: 4px solid #0d47a1; background: #f5f7fb; padding: 0.4em 0.8em; }
"""


def _self_contained(body: str) -> str:
    """No scripts fetched from the internet (MathJax, require.js: unused by the reports and a script error
    offline), and the house CSS added."""
    body = re.sub(r"<script\b[^>]*\bsrc=[\"']https?://[^>]*>\s*</script>", "", body, flags=re.I)
    body = re.sub(r"<script type=\"text/x-mathjax-config\">.*?</script>", "", body, flags=re.S)
    return body.replace("</head>", f"<style id='alliance-report-css'>{REPORT_CSS}</style></head>", 1)


def describe_error(exc: BaseException, *, max_lines: int = 4) -> str:
    """A readable one-paragraph account of a failed notebook: exception, message, failing cell.

    Examples
    --------
    >>> describe_error(ValueError("bad month"))
    'ValueError: bad month'
    """
    ename = getattr(exc, "ename", None)
    evalue = getattr(exc, "evalue", None)
    if ename:
        text = f"{ename}: {evalue}".strip()
        source = getattr(exc, "source", "") or ""
        count = getattr(exc, "exec_count", None)
        lines = [ln for ln in source.splitlines() if ln.strip()][:max_lines]
        if lines:
            text += f"\n  in cell {count if count is not None else '?'}:\n" + "\n".join("    " + ln for ln in lines)
        return _ANSI.sub("", text)[:4000]
    msg = str(exc).strip()
    return _ANSI.sub("", f"{type(exc).__name__}: {msg}" if msg else type(exc).__name__)[:4000]


_ANSI = re.compile(r"\x1b\[[0-9;]*m")
