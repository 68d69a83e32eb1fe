"""Command line: exit codes and messages."""

from __future__ import annotations

import nbformat
import pytest

from alliance_analysis import paths
from alliance_analysis.cli import build_parser, main


def test_cli_reports_parameter_errors_with_exit_code_2(tmp_path, capsys):
    cfg = tmp_path / "run.yaml"
    cfg.write_text("notebooks:\n  03_merger_business_case:\n    horizon_years: 0\n")
    code = main(["run", "--config", str(cfg), "--output-dir", str(tmp_path / "r")])
    assert code == 2
    assert "03_merger_business_case: parameter 'horizon_years'" in capsys.readouterr().err


def test_cli_params_lists_fields(capsys):
    assert main(["params", "01_demand_analysis"]) == 0
    out = capsys.readouterr().out
    assert "budget_gbp" in out and "forces" in out


@pytest.mark.parametrize(
    ("argv", "attr", "expected"),
    [
        pytest.param(["run", "--only", "a", "b"], "only", ["a", "b"], id="only-many"),
        pytest.param(["run", "--timeout", "30"], "timeout", 30, id="timeout-int"),
        pytest.param(["run", "--no-html"], "no_html", True, id="no-html"),
        pytest.param(["run", "--fail-fast"], "fail_fast", True, id="fail-fast"),
        pytest.param(["notebooks", "check"], "nb_command", "check", id="nb-check"),
    ],
)
def test_parser(argv, attr, expected):
    assert getattr(build_parser().parse_args(argv), attr) == expected


def test_cli_unknown_notebook_params_exit_2(capsys):
    assert main(["params", "99_nope"]) == 2
    assert "known notebooks: 00_data_overview" in capsys.readouterr().err


def test_cli_unknown_only_name_exit_2(tmp_path, capsys):
    code = main(["run", "--config", str(paths.CONFIG_DIR / "fast.yaml"), "--only", "nope",
                 "--output-dir", str(tmp_path)])
    assert code == 2 and "--only ['nope']" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())  # nothing started


def test_cli_notebooks_check_passes_on_committed_notebooks(capsys):
    assert main(["notebooks", "check"]) == 0
    n = len(list(paths.NOTEBOOKS_DIR.glob("*.ipynb")))
    assert f"{n} notebooks checked, 0 problems" in capsys.readouterr().out


def test_cli_notebooks_check_fails_on_outputs(tmp_path, monkeypatch, capsys):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("seed = 2014\nshow_only_status = None")
    cell.metadata["tags"] = ["parameters"]
    cell.outputs = [nbformat.v4.new_output("stream", text="x")]
    nb.cells = [cell]
    nb.metadata["kernelspec"] = {"name": "alliance-analysis", "display_name": "Python (alliance-analysis)",
                                 "language": "python"}
    nbformat.write(nb, tmp_path / "04_police_foundation_review.ipynb")
    monkeypatch.setattr(paths, "NOTEBOOKS_DIR", tmp_path)
    assert main(["notebooks", "check"]) == 1
    assert "cell 0 has outputs" in capsys.readouterr().out
    assert main(["notebooks", "strip"]) == 0
    assert main(["notebooks", "check"]) == 0


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param("0", "0 is not allowed; give a timeout of 1 second or more", id="zero"),
        pytest.param("-1", "-1 is not allowed", id="negative"),
        pytest.param("1.5", "'1.5' is not a whole number", id="fraction"),
    ],
)
def test_cli_timeout_below_one_second_is_rejected(value, message, capsys):
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args(["run", "--timeout", value])
    assert exc.value.code == 2
    assert message in capsys.readouterr().err


def test_cli_data_fetch_calls_fetch_official_releases(tmp_path, monkeypatch, capsys):
    from alliance_analysis.datasets import download

    calls = []

    class Rec:
        def __init__(self, path):
            self.path = path

    def fake_fetch(dest=None, sources=None, base_url=None):
        calls.append((dest, sources, base_url))
        return [Rec(tmp_path / "home_office" / "a.ods")]

    monkeypatch.setattr(download, "fetch_official_releases", fake_fetch)
    code = main(["data", "fetch", "--dest", str(tmp_path), "--source", "rolling_pfa", "workforce",
                 "--base-url", "http://127.0.0.1:9/mirror"])
    assert code == 0
    assert calls == [(str(tmp_path), ["rolling_pfa", "workforce"], "http://127.0.0.1:9/mirror")]
    out = capsys.readouterr().out
    assert "a.ods" in out and "fetched 1 releases" in out


def test_cli_data_fetch_errors_exit_2(monkeypatch, capsys):
    from alliance_analysis.datasets import download
    from alliance_analysis.errors import DownloadError

    def failing(dest=None, sources=None, base_url=None):
        raise DownloadError("http://x/y: deadline of 60 s exceeded")

    monkeypatch.setattr(download, "fetch_official_releases", failing)
    assert main(["data", "fetch"]) == 2
    assert "deadline of 60 s exceeded" in capsys.readouterr().err


def test_cli_bad_path_parameter_named_before_any_kernel(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cfg = tmp_path / "run.yaml"
    cfg.write_text("notebooks:\n  03_merger_business_case:\n    scenario_file: scenarios/missing.yaml\n")
    code = main(["run", "--config", str(cfg), "--output-dir", str(tmp_path / "r")])
    err = capsys.readouterr().err
    assert code == 2
    assert f"03_merger_business_case: parameter 'scenario_file': {tmp_path / 'scenarios' / 'missing.yaml'} does not exist" in err
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("notebooks: {}\nnotebooks: {}\n", "duplicate key 'notebooks'", id="duplicate-key"),
        pytest.param("- a\n- b\n", "mapping", id="list-top-level"),
        pytest.param("a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
                     "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
                     "g: [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n", "run.yaml", id="alias-bomb"),
        pytest.param("timeout: 0\n", "timeout", id="timeout-zero"),
        pytest.param("timeout: '30'\n", "timeout", id="timeout-text"),
    ],
)
def test_cli_bad_run_config_named_with_file(tmp_path, capsys, text, message):
    cfg = tmp_path / "run.yaml"
    cfg.write_text(text)
    code = main(["run", "--config", str(cfg), "--output-dir", str(tmp_path / "r")])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err and len(err) < 3000
    assert not (tmp_path / "r").exists()


def test_cli_prints_the_real_error_and_cell_of_a_failed_notebook(tmp_path, monkeypatch, capsys):
    from alliance_analysis import reports

    error = "KeyError: 'Dorset'\n  in cell 4:\n    x = frame.loc['Dorset']"
    result = reports.RunResult("rid", tmp_path / "rid", [
        reports.NotebookRun("01_demand_analysis", "failed", tmp_path / "a.ipynb", None, tmp_path / "a.json", error, 1.0),
        reports.NotebookRun("04_police_foundation_review", "succeeded", tmp_path / "b.ipynb", tmp_path / "b.html",
                            tmp_path / "b.json", None, 2.0)])
    monkeypatch.setattr(reports, "run_notebooks", lambda *a, **k: result)
    assert main(["run", "--output-dir", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "KeyError: 'Dorset'" in out and "x = frame.loc['Dorset']" in out
    assert "PapermillExecutionError" not in out
    assert "1/2 succeeded" in out


@pytest.mark.parametrize(
    ("name", "notebook"),
    [
        pytest.param("01", "01_demand_analysis", id="number"),
        pytest.param("4", "04_police_foundation_review", id="short-number"),
        pytest.param("00", "00_data_overview", id="zero"),
        pytest.param("03_merger_business_case", "03_merger_business_case", id="full-name"),
    ],
)
def test_cli_params_accepts_a_notebook_number(name, notebook, capsys):
    assert main(["params", name]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith(f"Parameters of {notebook}")


def test_cli_params_describes_every_parameter_in_words(capsys):
    from alliance_analysis.params import NOTEBOOK_MODELS

    for notebook, model in NOTEBOOK_MODELS.items():
        assert main(["params", notebook]) == 0
        out = capsys.readouterr().out
        blocks = out.split("\n\n", 1)[1].split("\n")
        names = [ln for ln in blocks if ln and not ln.startswith(" ")]
        assert names == list(model.model_fields), notebook
        # every parameter: at least one line of description and one 'allowed: ...; default: ...' line
        assert out.count("    allowed: ") == len(model.model_fields), notebook
        assert "typing" not in out and "Annotated" not in out and "Strict" not in out, notebook


@pytest.mark.parametrize(
    ("notebook", "param", "allowed"),
    [
        pytest.param("02", "horizon", "a whole number from 1 to 60; default: 8", id="int-range"),
        pytest.param("00", "data_source", "one of 'default', 'police_uk', 'prc'; default: 'default'", id="choices"),
        pytest.param("03", "flat_rate", "a number from 0.0 to 0.5; default: 0.035", id="float-range"),
        pytest.param("04", "show_only_status", "a list of any of 'reproduced', 'differs', 'not checkable from public "
                     "data', or empty (null); default: empty (null)", id="list-of-choices"),
    ],
)
def test_cli_params_allowed_values(notebook, param, allowed, capsys):
    assert main(["params", notebook]) == 0
    out = capsys.readouterr().out.split("\n")
    block = out[out.index(param) + 1:]
    line = next(ln for ln in block if ln.startswith("    allowed: "))
    assert line == "    allowed: " + allowed


def test_cli_misspelt_force_is_refused_before_any_kernel(tmp_path, capsys):
    cfg = tmp_path / "run.yaml"
    cfg.write_text("notebooks:\n  00_data_overview:\n    forces: [Warwickshire, Dorest]\n")
    code = main(["run", "--config", str(cfg), "--output-dir", str(tmp_path / "r")])
    assert code == 2
    err = capsys.readouterr().err
    assert "00_data_overview: parameter 'forces': unknown police force name 'Dorest'" in err
    assert "close matches: Dorset" in err
    assert not (tmp_path / "r").exists()   # no run folder: nothing started
