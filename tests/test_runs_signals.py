"""Killed and terminated runs: temporary files removed, run marked, the index says so (issue 12 item 4)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from alliance_analysis import reports

SCRIPT = """
import sys, nbformat
from pathlib import Path
from alliance_analysis import reports
nbs = Path(sys.argv[1])
nb = nbformat.v4.new_notebook()
p = nbformat.v4.new_code_cell("show_only_status = None\\nseed = 2014"); p.metadata["tags"] = ["parameters"]
nb.cells = [p, nbformat.v4.new_code_cell(
    "import os, time\\nd = os.environ['ALLIANCE_RUN_DIR']\\n"
    "open(os.path.join(d, '.half-written.html.tmp'), 'w').write('partial')\\n"
    "open(os.path.join(d, 'started.flag'), 'w').write('x')\\ntime.sleep(300)")]
nb.metadata["kernelspec"] = {"name": "alliance-analysis", "display_name": "x", "language": "python"}
nbs.mkdir(parents=True, exist_ok=True); nbformat.write(nb, nbs / "04_police_foundation_review.ipynb")
reports.run_notebooks({"notebooks": {"04_police_foundation_review": {}}}, notebooks_dir=nbs, output_dir=sys.argv[2])
"""


@pytest.mark.notebook
def test_sigterm_removes_tmp_files_marks_run_interrupted_and_dies_by_sigterm(tmp_path):
    out = tmp_path / "r"
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, str(tmp_path / "nbs"), str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not list(out.glob("*/started.flag")):
            assert proc.poll() is None, proc.communicate()[1][-2000:]
            assert time.monotonic() < deadline, "the notebook never started"
            time.sleep(0.3)
        run_dir = next(out.glob("*/started.flag")).parent
        assert (run_dir / ".half-written.html.tmp").exists()
        assert json.loads((run_dir / "run.json").read_text())["status"] == "running"
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGTERM
    assert not list(out.rglob("*.tmp"))
    assert json.loads((run_dir / "run.json").read_text())["status"] == "interrupted"
    assert reports.run_status(run_dir) == "interrupted"
    rows = [r for r in reports.index_rows(out) if r["run"] == run_dir.name]
    assert [r["status"] for r in rows] == ["incomplete"]
    assert "interrupted" in (out / "index.html").read_text()


def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


@pytest.mark.parametrize(
    ("run_json", "provenance", "partial", "expected_run", "expected_nb", "link"),
    [
        pytest.param({"status": "running", "pid": "DEAD", "notebooks": ["04_police_foundation_review"]},
                     {"status": "running"}, True, "incomplete", "incomplete", ".ipynb", id="killed-mid-notebook"),
        pytest.param({"status": "running", "pid": "DEAD", "notebooks": ["04_police_foundation_review"]},
                     None, False, "incomplete", "not run", None, id="killed-before-notebook"),
        pytest.param({"status": "running", "pid": "SELF", "notebooks": ["04_police_foundation_review"]},
                     {"status": "running"}, True, "running", "running", ".ipynb", id="still-running"),
        pytest.param({"status": "complete", "pid": "DEAD", "notebooks": ["04_police_foundation_review"]},
                     {"status": "succeeded", "duration_seconds": 3.2}, True, "complete", "succeeded", ".ipynb",
                     id="finished"),
    ],
)
def test_index_shows_killed_runs_as_incomplete_with_partial_notebook(tmp_path, run_json, provenance, partial,
                                                                     expected_run, expected_nb, link):
    run_dir = tmp_path / "20260101T000000Z-00001abcdef"
    run_dir.mkdir()
    pid = _dead_pid() if run_json["pid"] == "DEAD" else os.getpid()
    (run_dir / "run.json").write_text(json.dumps({**run_json, "pid": pid}))
    name = "04_police_foundation_review"
    if provenance is not None:
        (run_dir / f"{name}.provenance.json").write_text(json.dumps({"notebook": name, **provenance}))
    if partial:
        (run_dir / f"{name}.ipynb").write_text("{}")
    assert reports.run_status(run_dir) == expected_run
    (row,) = reports.index_rows(tmp_path)
    assert row["status"] == expected_nb
    assert (row["link"] or None) == (f"{run_dir.name}/{name}{link}" if link else None)
    page = reports.write_index(tmp_path).read_text()
    assert expected_nb in page
    if expected_nb == "incomplete":
        assert "killed or stopped before it finished" in page


def test_remove_temporary_files_only_removes_tmp(tmp_path):
    (tmp_path / "sub").mkdir()
    for name in (".a.html.tmp", "sub/.b.json.tmp", "keep.html", "sub/keep.tmp.txt"):
        (tmp_path / name).write_text("x")
    removed = sorted(p.relative_to(tmp_path).as_posix() for p in reports.remove_temporary_files(tmp_path))
    assert removed == [".a.html.tmp", "sub/.b.json.tmp"]
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()) == [
        "keep.html", "sub/keep.tmp.txt"]


QUIET = """
import sys, nbformat
from pathlib import Path
from alliance_analysis import reports
nbs = Path(sys.argv[1])
nb = nbformat.v4.new_notebook()
p = nbformat.v4.new_code_cell("show_only_status = None\\nseed = 2014"); p.metadata["tags"] = ["parameters"]
nb.cells = [nbformat.v4.new_markdown_cell("# Quiet"), p, nbformat.v4.new_code_cell(
    "from tqdm.auto import tqdm\\nimport matplotlib.pyplot as plt\\nfor _ in tqdm(range(3)): pass\\n"
    "plt.plot([1, 2]); plt.show()")]
nb.metadata["kernelspec"] = {"name": "alliance-analysis", "display_name": "x", "language": "python"}
nbs.mkdir(parents=True, exist_ok=True); nbformat.write(nb, nbs / "04_police_foundation_review.ipynb")
r = reports.run_notebooks({"notebooks": {"04_police_foundation_review": {}}}, notebooks_dir=nbs, output_dir=sys.argv[2])
print(r.notebooks[0].status)
"""


@pytest.mark.notebook
def test_console_has_no_kernel_tqdm_or_nbconvert_warnings(tmp_path):
    proc = subprocess.run([sys.executable, "-c", QUIET, str(tmp_path / "nbs"), str(tmp_path / "r")],
                          capture_output=True, text=True, timeout=300)
    assert proc.stdout.strip() == "succeeded", proc.stderr[-2000:]
    assert proc.stderr == ""  # no "without encryption", no TqdmWarning, no "Alternative text is missing"
