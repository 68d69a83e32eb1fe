"""Every committed notebook: no outputs, no def/class, one parameters cell matching params.py."""

from __future__ import annotations

import re

import nbformat
import papermill as pm
import pytest

from alliance_analysis import paths, reports
from alliance_analysis.params import NOTEBOOK_MODELS
from tests.notebook_runs import fast_run

NOTEBOOKS = sorted(paths.NOTEBOOKS_DIR.glob("*.ipynb"))


def test_there_are_notebooks_and_each_has_a_model():
    assert NOTEBOOKS, "no notebooks in notebooks/"
    for nb in NOTEBOOKS:
        assert nb.stem in NOTEBOOK_MODELS, f"{nb.name} has no parameter model in params.py"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_hygiene(path):
    assert reports.check_notebook(path) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_parameters_cell_defaults_match_model(path):
    declared = pm.inspect_notebook(str(path))
    model = NOTEBOOK_MODELS[path.stem]
    assert set(declared) == set(model.model_fields)
    defaults = model()
    for name, info in declared.items():
        # papermill reports the default as source text; evaluate it and compare with the model default
        assert eval(info["default"]) == getattr(defaults, name), f"{path.name}: {name}"  # noqa: S307


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_kernel_is_the_registered_one(path):
    nb = nbformat.read(path, as_version=4)
    assert nb.metadata["kernelspec"]["name"] == reports.KERNEL_NAME


@pytest.mark.notebook
def test_fast_config_runs_every_present_notebook(tmp_path):
    """Two runs of config/fast.yaml: every notebook succeeds, HTML and provenance written, and the second
    run's notebooks and HTML are byte-identical to the first's (timestamps live only in the provenance)."""
    cfg = reports.load_run_config(paths.CONFIG_DIR / "fast.yaml")
    present = [n for n in cfg.notebooks if (paths.NOTEBOOKS_DIR / f"{n}.ipynb").exists()]
    res = fast_run()   # shared with the browser checks (tests/test_browser.py)
    failed = {n.name: n.error for n in res.notebooks if n.status != "succeeded"}
    assert not failed
    assert [n.name for n in res.notebooks] == present
    for n in res.notebooks:
        page = n.html.read_text()
        assert "<img" in page or "image/png" in page or "<table" in page  # real content rendered
        assert "from alliance_analysis import" not in page  # code hidden
        title = re.search(r"<title>(.*?)</title>", page).group(1)
        assert title not in ("Notebook", n.name) and len(title) > 5
        assert all('alt="' in img and "No description has been provided" not in img
                   for img in re.findall(r"<img [^>]*>", page))
        assert "What produced this report" in page
        assert "TqdmWarning" not in page and "application/vnd.jupyter.stderr\"" not in page
    index = (res.run_dir.parent / "index.html").read_text()
    assert all(f"{n}.html" in index for n in present)
    # a second run with the same parameters gives byte-identical notebooks and HTML for every notebook
    again = reports.run_notebooks(cfg, only=present, output_dir=tmp_path / "again", html=True)
    for first, second in zip(res.notebooks, again.notebooks):
        assert second.status == "succeeded", second.error
        x, y = first.html.read_text(), second.html.read_text()
        at = next((i for i, (p, q) in enumerate(zip(x, y)) if p != q), min(len(x), len(y)))
        assert x == y, f"{first.name}: HTML differs between runs at {at}: {x[at - 200:at + 40]!r} vs {y[at - 200:at + 40]!r}"
        assert first.output.read_bytes() == second.output.read_bytes(), f"{first.name}: notebook differs between runs"
