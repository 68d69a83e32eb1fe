"""Notebook 01 runs on the default data, with and without a harm weights file."""

from __future__ import annotations

import nbformat
import papermill as pm
import pytest

from alliance_analysis import paths


def _run(tmp_path, **params):
    out = tmp_path / "01.ipynb"
    pm.execute_notebook(str(paths.NOTEBOOKS_DIR / "01_demand_analysis.ipynb"), str(out), parameters=params,
                        kernel_name="alliance-analysis", cwd=str(tmp_path), progress_bar=False)
    nb = nbformat.read(out, as_version=4)
    outputs = [o for c in nb.cells for o in c.get("outputs", [])]
    text = "".join(o.get("text", "") + o.get("data", {}).get("text/plain", "") for o in outputs)
    return text, sum("image/png" in o.get("data", {}) for o in outputs)


@pytest.mark.notebook
def test_notebook_01_default_says_volume_only_and_synthetic(tmp_path):
    text, pngs = _run(tmp_path, start_month="2011-04", end_month="2014-03")
    assert "synthetic data: True" in text
    assert "No harm weights file was given" in text
    assert "where to invest: rising demand" in text
    assert "gap_gbp" in text
    assert pngs == 5  # heatmap, volume ranking, trends, split vs shares, staffing curve


@pytest.mark.notebook
@pytest.mark.shared_data
def test_notebook_01_with_cchi_weights_and_workforce(tmp_path, shared_data):
    text, _ = _run(tmp_path, start_month="2011-04", end_month="2014-03",
                   cchi_weights_file=str(shared_data / "harm" / "cchi_days_by_offence_subgroup.csv"),
                   workforce_file=str(shared_data / "workforce" / "police_workforce_by_force_2014_2019_long.csv"))
    assert "Harm weights from" in text and "harm_rank" in text
    assert "harm-weighted crime" in text and "workforce FTE" in text
