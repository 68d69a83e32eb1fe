"""Every committed notebook: no outputs, no def/class, one parameters cell matching params.py."""

from __future__ import annotations

import nbformat
import papermill as pm
import pytest

from alliance_analysis import paths, reports
from alliance_analysis.params import NOTEBOOK_MODELS

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
