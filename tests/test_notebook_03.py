"""Notebook 03 runs on both default scenario files."""

from __future__ import annotations

import nbformat
import papermill as pm
import pytest

from alliance_analysis import paths


@pytest.mark.notebook
@pytest.mark.parametrize("scenario_file", ["warwickshire_west_mercia.yaml", "devon_cornwall_dorset.yaml"])
def test_notebook_03_runs(tmp_path, scenario_file):
    out = tmp_path / "03.ipynb"
    pm.execute_notebook(str(paths.NOTEBOOKS_DIR / "03_merger_business_case.ipynb"), str(out),
                        parameters={"scenario_file": scenario_file, "n_draws": 2000}, kernel_name="alliance-analysis",
                        cwd=str(tmp_path), progress_bar=False)
    nb = nbformat.read(out, as_version=4)
    outputs = [o for c in nb.cells for o in c.get("outputs", [])]
    text = "".join(o.get("text", "") + o.get("data", {}).get("text/plain", "") for o in outputs)
    assert "full merger" in text and "prob_npv_negative" in text and "change_vs_agreed_gbp_m" in text
    assert "workbook: business_case.xlsx" in text
    assert sum("image/png" in o.get("data", {}) for o in outputs) == 4
