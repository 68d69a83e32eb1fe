"""Notebook 04 executes on a fresh kernel and shows the register and its summary."""

from __future__ import annotations

import nbformat
import papermill as pm
import pytest

from alliance_analysis import findings, paths


@pytest.mark.notebook
def test_notebook_04_runs_and_shows_register(tmp_path):
    out = tmp_path / "04.ipynb"
    pm.execute_notebook(str(paths.NOTEBOOKS_DIR / "04_police_foundation_review.ipynb"), str(out),
                        parameters={"show_only_status": ["differs"]}, kernel_name="alliance-analysis",
                        cwd=str(tmp_path), progress_bar=False)
    nb = nbformat.read(out, as_version=4)
    html = "".join(o.get("data", {}).get("text/html", "") for c in nb.cells for o in c.get("outputs", []))
    pngs = sum("image/png" in o.get("data", {}) for c in nb.cells for o in c.get("outputs", []))
    assert "all documents" in html  # the summary table
    assert findings.STATUS_COLOURS["differs"] in html  # the colour-coded register
    assert "C01" in html and "3656" in html.replace(",", "")
    assert pngs == 2
