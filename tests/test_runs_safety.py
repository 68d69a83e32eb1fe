"""Runs that say what went wrong, run what was validated, and are reproducible and safe together.

Issue 10 item 2-3 and issue 12 item 4: typed values to the kernel, the real error on the
console, unique run ids, post-processing failures recorded per notebook, byte-identical
reports with styled tables, titles and alt text, the run folder for extra outputs.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from alliance_analysis import reports
from alliance_analysis.errors import ParameterError
from alliance_analysis.reports import _runner

KERNEL = {"name": "alliance-analysis", "display_name": "Python (alliance-analysis)", "language": "python"}


def make_notebook(folder: Path, name: str, params: str, *cells: str, title: str = "# Test report") -> Path:
    nb = nbformat.v4.new_notebook()
    p = nbformat.v4.new_code_cell(params)
    p.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell(title), p, *[nbformat.v4.new_code_cell(c) for c in cells]]
    nb.metadata["kernelspec"] = KERNEL
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


GOOD = [
    "import os, pandas as pd, matplotlib.pyplot as plt\n"
    "from IPython.display import Markdown, display\n"
    "from alliance_analysis import reports\nfrom alliance_analysis.presentation import tables\n"
    "display(Markdown(reports.report_header('04_police_foundation_review', dict(seed=seed), source='test data (r1)', forces=['Dorset'], period='2013 Q2 to 2014 Q1')))\n"
    "print('seed type', type(seed).__name__, seed)",
    "pd.DataFrame({'a': [1.5, 2.25]}).style.format('{:.2f}')",  # default Styler: random uuid
    "tables.format_table(pd.DataFrame({'n': [30100, None]}), counts=['n'])",
    "object()",
    "from tqdm.auto import tqdm\nfor _ in tqdm(range(3)): pass",
    "fig, ax = plt.subplots(); ax.plot([1, 3, 2]); ax.set_title('Crimes by month'); fig.suptitle('Dorset'); plt.show()",
    "open(os.path.join(os.environ['ALLIANCE_RUN_DIR'], 'extra.csv'), 'w').write('a,b\\n1,2\\n')",
]


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """Run 1: a failing notebook whose HTML export also fails, then a good one. Run 2: the good one again."""
    tmp = tmp_path_factory.mktemp("runs")
    nbs = tmp / "nbs"
    make_notebook(nbs, "04_police_foundation_review", "show_only_status = None\nseed = 2014", *GOOD,
                  title="# Review findings")
    make_notebook(nbs, "00_data_overview", "seed = 2014",
                  "x = 1\ny = 2\nraise ValueError(f'month 2010-13 is not valid (x={x})')")
    real_export = _runner.export_html

    def flaky_export(notebook, target, **kw):
        if "00_" in Path(target).name:
            raise OSError(28, "No space left on device", str(target))
        return real_export(notebook, target, **kw)

    mp = pytest.MonkeyPatch()
    mp.setattr(_runner, "export_html", flaky_export)
    cfg = {"notebooks": {"00_data_overview": {}, "04_police_foundation_review": {"seed": 7}}}
    one = reports.run_notebooks(cfg, notebooks_dir=nbs, output_dir=tmp / "r")
    mp.undo()
    two = reports.run_notebooks(cfg, notebooks_dir=nbs, output_dir=tmp / "r", only=["04_police_foundation_review"])
    return one, two, tmp / "r"


@pytest.mark.notebook
def test_kernel_gets_validated_typed_values_and_provenance_records_them(two_runs):
    one, _, _ = two_runs
    good = one.notebooks[1]
    nb = nbformat.read(good.output, as_version=4)
    text = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
    assert "seed type int 7" in text
    prov = json.loads(good.provenance.read_text())
    assert prov["parameters"] == {"seed": 7, "show_only_status": None}
    assert prov["status"] == "succeeded" and prov["report"]["source"] == "test data (r1)"


@pytest.mark.notebook
def test_failed_notebook_error_names_exception_message_and_cell(two_runs):
    one, _, _ = two_runs
    failed = one.notebooks[0]
    assert failed.status == "failed"
    assert failed.error.startswith("ValueError: month 2010-13 is not valid (x=1)")
    assert "x = 1" in failed.error and "PapermillExecutionError" not in failed.error


@pytest.mark.notebook
def test_post_processing_failure_recorded_against_that_notebook_only(two_runs):
    one, _, root = two_runs
    by_name = {n.name: n for n in one.notebooks}
    broken = by_name["00_data_overview"]
    assert broken.status == "failed" and "No space left on device" in broken.error and "HTML export" in broken.error
    assert broken.output.exists()  # the partial notebook is kept
    assert json.loads(broken.provenance.read_text())["status"] == "failed"
    assert by_name["04_police_foundation_review"].status == "succeeded"
    assert json.loads((one.run_dir / "run.json").read_text())["status"] == "complete"
    index = (root / "index.html").read_text()
    assert "No space left on device" in index and "month 2010-13 is not valid" in index


@pytest.mark.notebook
def test_reports_are_byte_identical_with_styled_tables_and_object_reprs(two_runs):
    one, two, _ = two_runs
    a, b = one.notebooks[1], two.notebooks[0]
    assert a.output.read_bytes() == b.output.read_bytes()
    assert a.html.read_bytes() == b.html.read_bytes()
    page = a.html.read_text()
    assert "<style type" in page and "T_00000" in page  # the Styler table is there, its id renumbered
    assert not re.search(r"at 0x[0-9a-f]{6,}", page)


@pytest.mark.notebook
def test_html_has_title_alt_text_header_and_no_warnings(two_runs):
    one, _, _ = two_runs
    page = one.notebooks[1].html.read_text()
    assert "<title>Review findings - Dorset - 2013 Q2 to 2014 Q1</title>" in page
    imgs = re.findall(r"<img [^>]*>", page)
    assert len(imgs) == 1 and 'alt="Figure: Dorset; Crimes by month"' in imgs[0]
    assert "What produced this report" in page and "test data (r1)" in page
    assert "30,100" in page
    for noise in ("TqdmWarning", "IProgress", "without encryption", "application/vnd.jupyter.stderr\""):
        assert noise not in page


@pytest.mark.notebook
def test_extra_outputs_in_run_folder_listed_with_sha256(two_runs):
    one, _, _ = two_runs
    prov = json.loads(one.notebooks[1].provenance.read_text())
    extra = one.run_dir / "extra.csv"
    assert extra.read_text() == "a,b\n1,2\n"
    assert prov["outputs_sha256"] == {"extra.csv": hashlib.sha256(b"a,b\n1,2\n").hexdigest()}


@pytest.mark.notebook
def test_index_lists_source_forces_period_duration(two_runs):
    _, two, root = two_runs
    rows = [r for r in reports.index_rows(root) if r["run"] == two.run_id]
    assert len(rows) == 1
    row = rows[0]
    assert (row["status"], row["source"], row["forces"], row["period"]) == ("succeeded", "test data (r1)", "Dorset",
                                                                            "2013 Q2 to 2014 Q1")
    assert row["duration"].endswith(" s")


def test_run_ids_unique_within_one_second_and_across_processes(tmp_path):
    code = ("import sys, pathlib; from alliance_analysis.reports import new_run_dir; "
            "print(' '.join(new_run_dir(pathlib.Path(sys.argv[1]))[0] for _ in range(20)))")
    procs = [subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], stdout=subprocess.PIPE, text=True)
             for _ in range(2)]
    ids = [i for p in procs for i in p.communicate(timeout=60)[0].split()]
    assert len(ids) == 40 and len(set(ids)) == 40
    assert len({p.name for p in tmp_path.iterdir()}) == 40
    stamps = {i.split("-")[0] for i in ids}
    assert len(stamps) <= 3  # most were started in the same second


@pytest.mark.parametrize(
    ("timeout", "ok"),
    [pytest.param(0, False, id="zero"), pytest.param(-1, False, id="negative"), pytest.param(True, False, id="bool"),
     pytest.param(1, True, id="one"), pytest.param(None, True, id="none")],
)
def test_timeout_validated(timeout, ok, tmp_path):
    if ok:
        assert reports.check_timeout(timeout) == timeout
    else:
        with pytest.raises(ParameterError, match=">= 1"):
            reports.run_notebooks({"notebooks": {"04_police_foundation_review": {}}}, timeout=timeout,
                                  output_dir=tmp_path / "r")
        assert not (tmp_path / "r").exists()
