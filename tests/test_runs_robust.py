"""Runs that cannot be broken by their surroundings (issue 21 items 1, 11, 13; issue 20 item 4).

- a read-only output folder gives a named error with the fix, before any kernel starts;
- a malformed ``*.provenance.json`` or ``run.json`` in the reports folder never breaks a later
  run or :func:`write_index`;
- a full disk while papermill writes leaves no invalid ``.ipynb`` and no ``run.json`` stuck at
  "running";
- a failed notebook's report gives the reader one plain paragraph (no traceback, no empty
  headings after the failure), and the executed notebook keeps the traceback;
- text from inputs (forces, categories, file and scenario names, error messages) never
  reaches a report's HTML as live markup.
"""

from __future__ import annotations

import errno
import json
import re
from pathlib import Path

import nbformat
import pytest

from alliance_analysis import reports
from alliance_analysis.errors import ParameterError
from alliance_analysis.reports import _runner
from tests.test_runs_safety import make_notebook

HOSTILE = ["<script>alert(1)</script>", '<img src=x onerror="alert(2)">', '<a href="javascript:alert(3)">click</a>']


def _live_markup(page: str) -> list[str]:
    """Injected markup that a browser would run or follow (nbconvert's own script tags do not count)."""
    found = []
    if "<script>alert(1)</script>" in page:
        found.append("script")
    if re.search(r"<img\b[^<>]*onerror=", page, flags=re.I):
        found.append("img onerror")
    if re.search(r"<a\b[^<>]*href=[\"']?\s*javascript:", page, flags=re.I):
        found.append("javascript link")
    return found


# ---- read-only output folder ---------------------------------------------------------------------------

@pytest.mark.parametrize("err", [errno.EROFS, errno.EACCES, errno.ENOSPC], ids=["read-only", "no-permission", "full"])
def test_unwritable_output_dir_is_a_named_error_before_any_kernel(tmp_path, monkeypatch, err):
    real_mkdir = Path.mkdir

    def mkdir(self, *a, **kw):
        if str(self).startswith(str(tmp_path / "ro")):
            raise OSError(err, {errno.EROFS: "Read-only file system", errno.EACCES: "Permission denied",
                                errno.ENOSPC: "No space left on device"}[err], str(self))
        return real_mkdir(self, *a, **kw)

    monkeypatch.setattr(Path, "mkdir", mkdir)
    started = []
    monkeypatch.setattr("papermill.execute_notebook", lambda *a, **k: started.append(a))
    with pytest.raises(ParameterError, match=r"cannot write reports into .*ro.*fix: give --output-dir a folder"):
        reports.run_notebooks({"notebooks": {"04_police_foundation_review": {}}}, output_dir=tmp_path / "ro")
    assert started == []


def test_cli_read_only_output_dir_exits_2_with_the_fix(tmp_path, monkeypatch, capsys):
    from alliance_analysis.cli import main

    def mkdir(self, *a, **kw):
        raise OSError(errno.EROFS, "Read-only file system", str(self))

    monkeypatch.setattr(Path, "mkdir", mkdir)
    assert main(["run", "--config", "config/fast.yaml", "--only", "04_police_foundation_review",
                 "--output-dir", str(tmp_path / "ro")]) == 2
    err = capsys.readouterr().err
    assert "Read-only file system" in err and "fix: give --output-dir" in err and "Traceback" not in err


# ---- malformed records in the reports folder -----------------------------------------------------------

@pytest.mark.parametrize(
    "content",
    [
        pytest.param("{not json", id="not-json"),
        pytest.param("[1, 2]", id="a-list"),
        pytest.param('"text"', id="a-string"),
        pytest.param('{"status": 5, "report": "x", "parameters": [1], "duration_seconds": "slow", "error": {"a": 1},'
                     ' "start_time": 3}', id="wrong-types"),
        pytest.param('{"report": {"forces": {"a": 1}, "source": ["x"], "period": 7}, "parameters": {"forces": 3}}',
                     id="nested-wrong-types"),
        pytest.param("\x00\xff", id="binary"),
    ],
)
def test_malformed_provenance_never_breaks_the_index(tmp_path, content):
    run = tmp_path / "20260101T000000Z-00001aaaaaa"
    run.mkdir()
    (run / "04_police_foundation_review.provenance.json").write_text(content, encoding="latin-1")
    (run / "run.json").write_text('{"status": "complete", "notebooks": 7}')
    page = reports.write_index(tmp_path).read_text()
    assert "04_police_foundation_review" in page
    rows = reports.index_rows(tmp_path)
    assert len(rows) == 1 and all(isinstance(v, str) or v is None for v in rows[0].values())


def test_later_run_into_a_folder_with_a_malformed_record_succeeds(tmp_path, monkeypatch):
    bad = tmp_path / "r" / "20200101T000000Z-00001bbbbbb"
    bad.mkdir(parents=True)
    (bad / "00_data_overview.provenance.json").write_text('{"report": "broken", "parameters": ["x"]}')
    nbs = tmp_path / "nbs"
    make_notebook(nbs, "04_police_foundation_review", "show_only_status = None\nseed = 2014", "1 + 1")

    def fake_execute(src, out, **kw):
        nbformat.write(nbformat.read(src, as_version=4), out)

    monkeypatch.setattr("papermill.execute_notebook", fake_execute)
    res = reports.run_notebooks({"notebooks": {"04_police_foundation_review": {}}}, notebooks_dir=nbs,
                                output_dir=tmp_path / "r", html=False)
    assert res.ok
    index = (tmp_path / "r" / "index.html").read_text()
    assert res.run_id in index and "20200101T000000Z-00001bbbbbb" in index


# ---- a full disk during a run ---------------------------------------------------------------------------

def test_full_disk_while_papermill_writes_leaves_no_invalid_notebook_nor_running_status(tmp_path, monkeypatch):
    nbs = tmp_path / "nbs"
    make_notebook(nbs, "04_police_foundation_review", "show_only_status = None\nseed = 2014", "1 + 1")
    make_notebook(nbs, "00_data_overview", "seed = 2014", "2 + 2")

    def full_disk(src, out, **kw):   # papermill writes the notebook in place, then the disk fills
        Path(out).write_text('{"cells": [{"cell_type": "code", "sou')
        raise OSError(errno.ENOSPC, "No space left on device", str(out))

    real_write = _runner.atomic_write_text

    def status_write(text, path, *a, **k):   # and the final run.json cannot get a new block either
        if Path(path).name == "run.json" and '"complete"' in text:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real_write(text, path, *a, **k)

    monkeypatch.setattr("papermill.execute_notebook", full_disk)
    monkeypatch.setattr(_runner, "atomic_write_text", status_write)
    res = reports.run_notebooks({"notebooks": {"00_data_overview": {}, "04_police_foundation_review": {}}},
                                notebooks_dir=nbs, output_dir=tmp_path / "r")
    assert [n.status for n in res.notebooks] == ["failed", "failed"]
    for n in res.notebooks:
        assert "No space left on device" in n.error and "removed rather than left invalid" in n.error
    for nb_file in res.run_dir.glob("*.ipynb"):   # whatever is there is a valid notebook
        nbformat.read(nb_file, as_version=4)
    assert not list(res.run_dir.glob("*.ipynb")) and not list(res.run_dir.glob(".*.tmp*"))
    status = json.loads((res.run_dir / "run.json").read_text())
    assert status["status"] == "complete" and status["failed"] == ["00_data_overview", "04_police_foundation_review"]
    assert reports.run_status(res.run_dir) == "complete"


def test_full_disk_before_a_notebook_starts_fails_that_notebook_only(tmp_path, monkeypatch):
    nbs = tmp_path / "nbs"
    make_notebook(nbs, "04_police_foundation_review", "show_only_status = None\nseed = 2014", "1 + 1")
    real_write = _runner.atomic_write_text

    def no_space_for_provenance(text, path, *a, **k):
        if Path(path).name.endswith(".provenance.json"):
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real_write(text, path, *a, **k)

    monkeypatch.setattr(_runner, "atomic_write_text", no_space_for_provenance)
    res = reports.run_notebooks({"notebooks": {"04_police_foundation_review": {}}}, notebooks_dir=nbs,
                                output_dir=tmp_path / "r")
    assert res.notebooks[0].status == "failed" and "No space left on device" in res.notebooks[0].error
    assert json.loads((res.run_dir / "run.json").read_text())["status"] == "complete"


# ---- a failed notebook, in words; and no live markup from inputs ---------------------------------------

FAILING = [
    "from IPython.display import Markdown, display\n"
    "from alliance_analysis import reports\n"
    "from alliance_analysis.presentation import tables\n"
    "import pandas as pd\n"
    f"hostile = {HOSTILE!r}\n"
    "display(Markdown(reports.report_header('02_crime_trend_forecasting', dict(categories=categories), "
    "source=hostile[0] + ' file ' + hostile[1], forces=hostile, period=hostile[2])))",
    "tables.format_table(pd.DataFrame({'option': hostile, 'npv_gbp_m': [1.0, 2.0, 3.0]}), money_gbp_m=['npv_gbp_m'], "
    "caption=hostile[0] + hostile[1] + hostile[2])",
    "from alliance_analysis.errors import DataValidationError\n"
    "raise DataValidationError('the archive holds Avon and Somerset and Dorset but not Kent ' + hostile[0] + hostile[1])",
]


@pytest.fixture(scope="module")
def failed_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("failed")
    nbs = tmp / "nbs"
    nb = make_notebook(nbs, "02_crime_trend_forecasting", "categories = None\nseed = 2014", *FAILING,
                       title="# Crime trends")
    node = nbformat.read(nb, as_version=4)   # sections before and after the failure
    node.cells.insert(3, nbformat.v4.new_markdown_cell("## 1. The data"))
    node.cells.insert(5, nbformat.v4.new_markdown_cell("## 2. Trends"))
    node.cells.append(nbformat.v4.new_markdown_cell("## 3. Forecasts"))
    node.cells.append(nbformat.v4.new_code_cell("print('never runs')"))
    node.cells.append(nbformat.v4.new_markdown_cell("## How this was worked out"))
    nbformat.write(node, nb)
    return reports.run_notebooks({"notebooks": {"02_crime_trend_forecasting": {"categories": HOSTILE}}},
                                 notebooks_dir=nbs, output_dir=tmp / "r")


@pytest.mark.notebook
def test_failed_report_says_in_one_paragraph_what_could_not_be_produced(failed_run):
    run = failed_run.notebooks[0]
    assert run.status == "failed"
    page = run.html.read_text()
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert "This report could not be completed." in text
    assert 'It stopped in the section "2. Trends" because the archive holds Avon and Somerset and Dorset but not Kent' in text
    assert "Traceback" not in page and "DataValidationError" not in text and "An Exception was encountered" not in text
    assert "3. Forecasts" not in text and "How this was worked out" not in text   # no empty headings after it
    assert "1. The data" in text and "2. Trends" in text
    executed = run.output.read_text()
    assert "Traceback" in executed or "traceback" in executed   # the analyst keeps it


@pytest.mark.notebook
def test_input_text_never_reaches_the_html_as_live_markup(failed_run):
    page = failed_run.notebooks[0].html.read_text()
    assert _live_markup(page) == []
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page   # shown, as text
    index = (failed_run.run_dir.parent / "index.html").read_text()
    assert _live_markup(index) == []


def test_hostile_scenario_file_name_in_the_inserted_header_is_text(tmp_path, monkeypatch):
    """03's header is written by the runner from its parameters: a scenario file named with markup stays text."""
    nbs = tmp_path / "nbs"
    params = "\n".join(f"{k} = None" for k in ("scenario_file", "options", "focus_option", "workbook_file"))
    make_notebook(nbs, "03_merger_business_case", params, "1 + 1", title="# Business case")
    hostile = tmp_path / '<img src=x onerror="alert(2)">.yaml'
    hostile.write_text("name: x\n")

    def fake_execute(src, out, **kw):
        nbformat.write(nbformat.read(src, as_version=4), out)

    monkeypatch.setattr("papermill.execute_notebook", fake_execute)
    res = reports.run_notebooks({"notebooks": {"03_merger_business_case": {
        "scenario_file": str(hostile), "focus_option": HOSTILE[0], "options": [HOSTILE[2]]}}},
        notebooks_dir=nbs, output_dir=tmp_path / "r")
    page = res.notebooks[0].html.read_text()
    assert "What produced this report" in page and "onerror" in page   # it is shown ...
    assert _live_markup(page) == []                                    # ... as text
    assert _live_markup((tmp_path / "r" / "index.html").read_text()) == []


def test_index_links_the_pdf_beside_a_report(tmp_path):
    run = tmp_path / "20260101T000000Z-00001cccccc"
    run.mkdir()
    (run / "04_police_foundation_review.provenance.json").write_text('{"status": "succeeded"}')
    (run / "04_police_foundation_review.html").write_text("<html></html>")
    page = reports.write_index(tmp_path).read_text()
    assert ".pdf" not in page                       # no PDF, no link
    (run / "04_police_foundation_review.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    page = reports.write_index(tmp_path).read_text()
    assert f"<a href='{run.name}/04_police_foundation_review.pdf'>PDF</a>" in page
