"""Notebook 02 runs on the default synthetic data on a fast configuration."""

from __future__ import annotations

import nbformat
import papermill as pm
import pytest

from alliance_analysis import paths


@pytest.mark.notebook
def test_notebook_02_runs_and_labels_synthetic(tmp_path):
    out = tmp_path / "02.ipynb"
    pm.execute_notebook(str(paths.NOTEBOOKS_DIR / "02_crime_trend_forecasting.ipynb"), str(out),
                        parameters={"crime_types": ["Burglary", "Violence and sexual offences"], "horizon": 6,
                                    "n_origins": 2},
                        kernel_name="alliance-analysis", cwd=str(tmp_path), progress_bar=False)
    nb = nbformat.read(out, as_version=4)
    outputs = [o for c in nb.cells for o in c.get("outputs", [])]
    text = "".join(o.get("text", "") + o.get("data", {}).get("text/plain", "") for o in outputs)
    assert "4 series" in text and "synthetic data: True" in text
    assert "coverage_80" in text and "Overall:" in text
    assert sum("image/png" in o.get("data", {}) for o in outputs) == 3
