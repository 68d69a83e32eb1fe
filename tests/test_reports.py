"""Run machinery: parameter validation before kernels, partial output, HTML, provenance, determinism."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from alliance_analysis import reports
from alliance_analysis.errors import ParameterError

NAME = "04_police_foundation_review"  # reuse a real parameter model (ReviewParams: show_only_status, seed)


def _make_notebook(folder: Path, body: str, name: str = NAME) -> Path:
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("show_only_status = None\nseed = 2014")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(body)]
    nb.metadata["kernelspec"] = {"name": "alliance-analysis", "display_name": "Python (alliance-analysis)",
                                 "language": "python"}
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


def test_bad_parameter_stops_before_any_kernel(tmp_path):
    nb_dir = tmp_path / "nbs"
    _make_notebook(nb_dir, "open('ran.txt','w').write('x')")
    with pytest.raises(ParameterError, match=r"04_police_foundation_review: unknown parameter 'sed'.*allowed: show_only_status, seed"):
        reports.run_notebooks({"notebooks": {NAME: {"sed": 1}}}, notebooks_dir=nb_dir, output_dir=tmp_path / "r")
    with pytest.raises(ParameterError, match=r"parameter 'seed'.*greater than or equal to 0"):
        reports.run_notebooks({"notebooks": {NAME: {"seed": -1}}}, notebooks_dir=nb_dir, output_dir=tmp_path / "r")
    assert not (nb_dir / "ran.txt").exists()
    assert not (tmp_path / "r").exists()


def test_unknown_notebook_in_config():
    with pytest.raises(ParameterError, match="unknown notebook 'nope'"):
        reports.load_run_config({"notebooks": {"nope": {}}})


@pytest.mark.notebook
def test_run_injects_parameters_writes_html_provenance_and_index(tmp_path):
    nb_dir = tmp_path / "nbs"
    _make_notebook(nb_dir, "print('seed is', seed * 2)")
    res = reports.run_notebooks({"notebooks": {NAME: {"seed": 21}}}, notebooks_dir=nb_dir,
                                output_dir=tmp_path / "r")
    assert res.ok
    run = res.notebooks[0]
    out = nbformat.read(run.output, as_version=4)
    text = "".join(o.get("text", "") for c in out.cells for o in c.get("outputs", []))
    assert "seed is 42" in text  # 21 * 2: the injected value was used
    page = run.html.read_text()
    assert "seed is 42" in page and "print(" not in page  # code hidden, output shown
    prov = json.loads(run.provenance.read_text())
    assert prov["parameters"]["seed"] == 21 and prov["status"] == "succeeded"
    assert any(k.startswith("data/raw/") for k in prov["inputs_sha256"])
    assert len(next(iter(prov["inputs_sha256"].values()))) == 64
    assert "pandas" in prov["libraries"]
    index = (tmp_path / "r" / "index.html").read_text()
    assert res.run_id in index and f"{NAME}.html" in index


@pytest.mark.notebook
def test_failing_notebook_keeps_partial_output_and_nonzero_exit(tmp_path, monkeypatch):
    nb_dir = tmp_path / "nbs"
    _make_notebook(nb_dir, "print('before the error')\nraise ValueError('deliberate failure')")
    res = reports.run_notebooks({"notebooks": {NAME: {}}}, notebooks_dir=nb_dir, output_dir=tmp_path / "r")
    assert not res.ok
    run = res.notebooks[0]
    assert run.status == "failed" and "deliberate failure" in run.error
    assert run.output.exists() and "deliberate failure" in run.html.read_text()
    assert json.loads(run.provenance.read_text())["status"] == "failed"


@pytest.mark.notebook
def test_hanging_cell_is_stopped_at_timeout(tmp_path):
    nb_dir = tmp_path / "nbs"
    _make_notebook(nb_dir, "import time\ntime.sleep(120)")
    res = reports.run_notebooks({"notebooks": {NAME: {}}}, notebooks_dir=nb_dir, output_dir=tmp_path / "r",
                                timeout=3)
    assert res.notebooks[0].status == "failed"
    assert res.notebooks[0].seconds < 60
    assert "Timeout" in res.notebooks[0].error or "timed out" in res.notebooks[0].error.lower()


@pytest.mark.notebook
def test_two_identical_runs_give_identical_reports(tmp_path, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    nb_dir = tmp_path / "nbs"
    _make_notebook(nb_dir, "import matplotlib.pyplot as plt\nplt.plot([1, 3, 2]); plt.title(str(seed)); plt.show()")
    a = reports.run_notebooks({"notebooks": {NAME: {}}}, notebooks_dir=nb_dir, output_dir=tmp_path / "a")
    b = reports.run_notebooks({"notebooks": {NAME: {}}}, notebooks_dir=nb_dir, output_dir=tmp_path / "b")
    assert a.notebooks[0].output.read_bytes() == b.notebooks[0].output.read_bytes()
    assert a.notebooks[0].html.read_bytes() == b.notebooks[0].html.read_bytes()
    out = nbformat.read(a.notebooks[0].output, as_version=4)
    assert sum("image/png" in o.get("data", {}) for c in out.cells for o in c.get("outputs", [])) == 1  # a real figure
    assert "start_time" not in out.metadata["papermill"]
    import os
    assert "SOURCE_DATE_EPOCH" not in os.environ  # the caller's environment is restored


def test_check_notebook_flags_outputs_def_and_parameter_mismatch(tmp_path):
    path = _make_notebook(tmp_path, "class X:\n    pass")
    nb = nbformat.read(path, as_version=4)
    nb.cells[0].source = "seed = 1\nextra = 2"
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", text="x")]
    nbformat.write(nb, path)
    problems = reports.check_notebook(path)
    assert any("has outputs" in p for p in problems)
    assert any("ClassDef" in p for p in problems)
    assert any("'extra'" in p and "show_only_status" in p for p in problems)
    assert reports.strip_notebook(path) is True
    assert not any("has outputs" in p for p in reports.check_notebook(path))
