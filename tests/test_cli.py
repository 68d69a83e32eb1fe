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
    assert "known: 00_data_overview" in capsys.readouterr().err


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
