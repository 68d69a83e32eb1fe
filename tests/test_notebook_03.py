"""Notebook 03 runs on both default scenario files, fast: risk-adjusted headline, ranking, real shares,
workbook where told (a named file or the run folder). The narrative's dependence on the parameters
(no Monte Carlo, flat rate) is tested on the library in test_scenarios.py."""

from __future__ import annotations

import html
import re

import nbformat
import openpyxl
import papermill as pm
import pytest

from alliance_analysis import paths, scenarios


def _run(tmp_path, **parameters) -> tuple[str, list[dict]]:
    out = tmp_path / "03.ipynb"
    pm.execute_notebook(str(paths.NOTEBOOKS_DIR / "03_merger_business_case.ipynb"), str(out),
                        parameters=parameters, kernel_name="alliance-analysis", cwd=str(tmp_path), progress_bar=False)
    nb = nbformat.read(out, as_version=4)
    outputs = [o for c in nb.cells for o in c.get("outputs", [])]
    parts = []
    for o in outputs:
        d = o.get("data", {})
        parts.append(o.get("text", "") + d.get("text/markdown", ""))
        if "text/html" in d:
            body = d["text/html"].split("</style>")[-1]
            parts.append(" ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split()))
    return "\n".join(parts), outputs


@pytest.mark.notebook
@pytest.mark.parametrize(
    "scenario_file, focus, planned, expected, named_file",
    [
        # planned NPV and Monte Carlo mean of the full merger quoted in issue 10 (GBP 345.8m, 245.2m at 10,000 draws)
        pytest.param("warwickshire_west_mercia.yaml", None, 345.8, 245.2, True, id="ww-full-merger-named-file"),
        pytest.param("devon_cornwall_dorset.yaml", "alliance as agreed", None, None, False, id="dcd-alliance-run-folder"),
    ],
)
def test_notebook_03_runs(tmp_path, monkeypatch, scenario_file, focus, planned, expected, named_file):
    run_dir = tmp_path / "run-20260101T000000-x"
    monkeypatch.setenv("ALLIANCE_RUN_DIR", str(run_dir))  # as the report runner sets it
    book = tmp_path / "bc.xlsx" if named_file else run_dir / "business_case.xlsx"
    text, outputs = _run(tmp_path, scenario_file=scenario_file, n_draws=2000, focus_option=focus,
                         workbook_file=str(book) if named_file else None)
    chosen = focus or "full merger"
    s = scenarios.load_scenarios(paths.SCENARIO_DIR / scenario_file)
    a = scenarios.appraise(s, chosen)
    if planned is not None:
        assert round(a.npv_gbp_m, 1) == planned
    # the summary leads with the expected NPV, its range and P(negative), then the planned case and why they differ
    lines = text.split("\n")
    assert lines[0].startswith("> **What produced this report.**") and s.name.split()[0] in lines[0]
    summary = lines[1]
    assert summary.startswith(f"**{s.name}**")
    assert f"{chosen[:1].upper() + chosen[1:]}: expected NPV GBP " in text and "P10-P90" in text
    assert f"against GBP {a.npv_gbp_m:,.1f}m planned" in text
    assert "below the planned case" in text and "leans adverse of the plan" in text
    assert "Band for 'indistinguishable': 40% to 60%." in text
    assert "P(beats next)" in text and "Expected NPV (GBP m)" in text
    # reader-formatted tables: human labels, no snake_case money columns, no nan/None
    assert "npv_gbp_m" not in text and "prob_npv_negative" not in text
    assert not re.search(r"\bnan\b|\bNaN\b", text)
    # sharing rules from the real shares of the scenario's year
    fy = scenarios.fy_label(s.sharing_year)
    assert f"Real shares in {fy} against the agreed" in text and "recorded crime" in text
    assert f"demand (recorded crime {fy})" in text
    assert sum("image/png" in o.get("data", {}) for o in outputs) == 4
    # the workbook went where asked (the named file, else the run folder), with a cover and GBP m formats
    assert f"Workbook written: `{book.name}`" in text
    assert not (run_dir / "business_case.xlsx").exists() or not named_file
    wb = openpyxl.load_workbook(book)
    assert wb.sheetnames[0] == "Cover" and {"Headline", "Ranking", "Comparison", "Fairness", "Sharing"} <= set(wb.sheetnames)
    ws = wb["Comparison"]
    head = {c.value: c.column for c in ws[1]}
    row = next(r for r in ws.iter_rows(min_row=2) if r[head["Option"] - 1].value == chosen)
    cell = row[head["NPV (GBP m)"] - 1]
    assert cell.value == pytest.approx(a.npv_gbp_m) and cell.number_format == "#,##0.0"
    cover = {r[0]: r[1] for r in wb["Cover"].iter_rows(min_row=2, values_only=True)}
    assert cover["Price base"] == s.price_base and "n_draws = 2000" in cover["Parameters"]
    assert cover["Run id"] == run_dir.name
    assert "Home Office police recorded crime" in cover["Data sources"]
    if expected is not None:  # 2,000 draws: within GBP 5m of the 10,000-draw mean
        h = wb["Headline"]
        hh = {c.value: c.column for c in h[1]}
        assert h.cell(2, hh["NPV (GBP m)"]).value == pytest.approx(expected, abs=5)
