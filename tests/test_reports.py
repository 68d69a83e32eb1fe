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


# ---------------------------------------------------------------- post-processing without a kernel

def _executed(tmp_path: Path, uuid: str, address: str, cell_id: str) -> Path:
    nb = nbformat.v4.new_notebook()
    title = nbformat.v4.new_markdown_cell("# Demand analysis")
    inj = nbformat.v4.new_code_cell("seed = 1")
    inj.metadata["tags"] = ["injected-parameters"]
    inj["id"] = cell_id
    table = nbformat.v4.new_code_cell("styled")
    table.outputs = [nbformat.v4.new_output("execute_result", data={
        "text/html": f"<style>#T_{uuid}_row0_col0 {{color: red}}</style><table id=\"T_{uuid}\"><td id=\"T_{uuid}_row0_col0\">1</td></table>",
        "text/plain": f"<pandas.io.formats.style.Styler at {address}>"}, execution_count=1)]
    fig = nbformat.v4.new_code_cell("fig")
    fig.outputs = [nbformat.v4.new_output("display_data", data={
        "image/png": "iVBORw0KGgo=", "text/plain": "<Figure size 640x480 with 1 Axes| Crime by year (y: offences)>"})]
    nb.cells = [title, inj, nbformat.v4.new_markdown_cell("## 2. Trends"), table, fig]
    nb.metadata["kernelspec"] = {"name": "alliance-analysis", "display_name": "x", "language": "python"}
    nb.metadata["papermill"] = {"start_time": "2026-01-01T00:00:00", "duration": 3.2, "parameters": {"seed": 1}}
    path = tmp_path / f"{uuid}.ipynb"
    nbformat.write(nb, path)
    return path


def test_normalise_removes_random_ids_addresses_and_times(tmp_path):
    a = _executed(tmp_path, "a1b2c", "0x7f3a2c1b9d90", "5f1e0c3a-random")
    b = _executed(tmp_path, "ffe01", "0x7f00deadbeef", "0aa0c3c1-other")
    for p in (a, b):
        reports.normalise_notebook(p)
    assert a.read_bytes() == b.read_bytes()
    text = a.read_text()
    assert "T_00000_row0_col0" in text and "a1b2c" not in text and "0x7f3a" not in text
    nb = nbformat.read(a, as_version=4)
    assert nb.cells[1]["id"] == "injected-parameters" and "start_time" not in nb.metadata["papermill"]
    assert nb.cells[4].outputs[0].metadata["image/png"]["alt"] == "Figure: Crime by year (y: offences)"
    ha, hb = reports.export_html(a, tmp_path / "a.html", title="T"), reports.export_html(b, tmp_path / "b.html", title="T")
    assert ha.read_bytes() == hb.read_bytes()
    page = ha.read_text()
    assert "<title>T</title>" in page and 'alt="Figure: Crime by year (y: offences)"' in page


@pytest.mark.parametrize(
    ("text", "alt"),
    [
        pytest.param("<Figure size 640x480 with 2 Axes| Dorset; Crime (y: offences)>", "Figure: Dorset; Crime (y: offences)", id="titled"),
        pytest.param("<Figure size 640x480 with 1 Axes>", "Figure in section '2. Trends'", id="untitled"),
    ],
)
def test_figure_alt_text(text, alt):
    assert reports.figure_alt_text({"data": {"text/plain": text}}, "2. Trends") == alt


def test_plots_describe_figure_gives_titles_for_alt_text():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from alliance_analysis.presentation import plots

    fig, (a1, a2) = plt.subplots(1, 2)
    fig.suptitle("West Mercia")
    a1.set_title("Burglary")
    a2.set_ylabel("offences per 1,000")
    try:
        assert plots.describe_figure(fig) == "West Mercia; Burglary; panel (y: offences per 1,000)"
        plots.install_kernel_hooks()
        assert repr(fig).endswith("| West Mercia; Burglary; panel (y: offences per 1,000)>")
    finally:
        plt.close(fig)


def test_describe_error_uses_papermill_fields():
    from papermill.exceptions import PapermillExecutionError

    exc = PapermillExecutionError(cell_index=3, exec_count=4, source="x = 1\n\nraise KeyError('Dorset')\nmore\nand more\nlast",
                                  ename="KeyError", evalue="'Dorset'", traceback=["\x1b[31mKeyError\x1b[0m"])
    text = reports.describe_error(exc)
    assert text.splitlines() == ["KeyError: 'Dorset'", "  in cell 4:", "    x = 1", "    raise KeyError('Dorset')",
                                 "    more", "    and more"]


@pytest.mark.parametrize(
    ("notebook", "params", "expected"),
    [
        pytest.param("02_crime_trend_forecasting", {"horizon": 6, "seed": 2014},
                     ["how many periods ahead to forecast: 6"], id="changed"),
        pytest.param("01_demand_analysis", {"css_weights_file": "/x/y/css.csv"},
                     ["optional CSV of ONS Crime Severity Score weights per offence, replacing the shipped ones: css.csv"],
                     id="path-name"),
        pytest.param("04_police_foundation_review", {"seed": 2014}, ["none"], id="defaults"),
    ],
)
def test_report_header_lists_changed_parameters(notebook, params, expected, monkeypatch):
    monkeypatch.delenv("ALLIANCE_RUN_DIR", raising=False)
    text = reports.report_header(notebook, params, source="S", forces=["Dorset"], period="P")
    assert text.startswith("> **What produced this report.** Data: S. Forces: Dorset. Period: P.")
    changed = text.split("Parameters changed from the defaults: ")[1].split(". Produced by")[0]
    assert changed.split("; ") == expected


def test_report_header_records_meta_in_run_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("ALLIANCE_RUN_DIR", str(tmp_path))
    reports.report_header("02_crime_trend_forecasting", {"horizon": 6}, source="S", forces=["A", "B"], period="P")
    meta = json.loads((tmp_path / "02_crime_trend_forecasting.report.json").read_text())
    assert meta == {"source": "S", "forces": ["A", "B"], "period": "P", "changed_parameters": {"horizon": 6}}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("notebooks:\n  04_police_foundation_review:\n", {}, id="empty-entry-means-defaults"),
        pytest.param("notebooks:\n  04_police_foundation_review: {seed: 3}\ntimeout: 5\n", {"seed": 3}, id="values"),
    ],
)
def test_run_config_from_yaml(tmp_path, text, expected):
    cfg = tmp_path / "run.yaml"
    cfg.write_text(text)
    assert reports.load_run_config(cfg).notebooks == {NAME: expected}


def test_run_config_yaml_errors_name_file_and_line(tmp_path):
    cfg = tmp_path / "run.yaml"
    cfg.write_text("notebooks:\n  04_police_foundation_review: {}\n  04_police_foundation_review: {}\n")
    with pytest.raises(ParameterError, match=r"run\.yaml.*line 3.*duplicate key '04_police_foundation_review'"):
        reports.load_run_config(cfg)
