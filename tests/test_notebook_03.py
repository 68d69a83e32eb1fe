"""Notebook 03 runs on both default scenario files, fast, and writes its workbook where told."""

from __future__ import annotations

import nbformat
import pandas as pd
import papermill as pm
import pytest

from alliance_analysis import paths, scenarios


@pytest.mark.notebook
@pytest.mark.parametrize(
    "scenario_file, focus",
    [
        pytest.param("warwickshire_west_mercia.yaml", None, id="ww-full-merger"),
        pytest.param("devon_cornwall_dorset.yaml", "alliance as agreed", id="dcd-alliance"),
    ],
)
def test_notebook_03_runs(tmp_path, scenario_file, focus):
    out, book = tmp_path / "03.ipynb", tmp_path / "bc.xlsx"
    pm.execute_notebook(str(paths.NOTEBOOKS_DIR / "03_merger_business_case.ipynb"), str(out),
                        parameters={"scenario_file": scenario_file, "n_draws": 2000, "focus_option": focus,
                                    "workbook_file": str(book)},
                        kernel_name="alliance-analysis", cwd=str(tmp_path), progress_bar=False)
    nb = nbformat.read(out, as_version=4)
    outputs = [o for c in nb.cells for o in c.get("outputs", [])]
    text = "".join(o.get("text", "") + o.get("data", {}).get("text/plain", "") for o in outputs)
    chosen = focus or "full merger"
    assert f"option examined in detail: {chosen}" in text
    assert "prob_npv_negative" in text and "change_vs_agreed_gbp_m" in text and "seed: " in text
    assert sum("image/png" in o.get("data", {}) for o in outputs) == 4
    assert any("economic case only" in c.source for c in nb.cells if c.cell_type == "markdown")
    # the workbook went where asked, and its comparison agrees with the library's appraisal
    sheets = {k.lower().replace(" ", "_"): v.rename(columns=lambda c: {"Option": "option", "NPV (GBP m)": "npv_gbp_m", "Draws": "draws"}.get(c, c)) for k, v in pd.read_excel(book, sheet_name=None).items()}
    assert {"comparison", "fairness", "reserves", "assumptions", "tornado"} <= set(sheets)
    s = scenarios.load_scenarios(paths.SCENARIO_DIR / scenario_file)
    npv = sheets["comparison"].set_index("option").loc[chosen, "npv_gbp_m"]
    assert npv == pytest.approx(scenarios.appraise(s, chosen).npv_gbp_m)
    assert sheets["uncertainty"]["draws"].eq(2000).all()
