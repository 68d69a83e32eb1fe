"""Notebook 00 runs on the default data and says the monthly series are synthetic."""

from __future__ import annotations

import nbformat
import papermill as pm
import pytest

from alliance_analysis import paths


@pytest.mark.notebook
def test_notebook_00_runs_and_labels_synthetic(tmp_path):
    out = tmp_path / "00.ipynb"
    pm.execute_notebook(str(paths.NOTEBOOKS_DIR / "00_data_overview.ipynb"), str(out),
                        parameters={"forces": ["West Mercia", "Dorset"]}, kernel_name="alliance-analysis",
                        cwd=str(tmp_path), progress_bar=False)
    nb = nbformat.read(out, as_version=4)
    outputs = [o for c in nb.cells for o in c.get("outputs", [])]
    text = "".join(o.get("text", "") + o.get("data", {}).get("text/plain", "") + o.get("data", {}).get("text/html", "")
                   for o in outputs)
    assert "synthetic data: True" in text
    assert "Warwickshire and West Mercia" in text  # groupings table
    assert "crimes_per_1000" in text
    assert sum("image/png" in o.get("data", {}) for o in outputs) == 1
