"""Notebook 03 runs on the default scenario and on a generic scenario for another force group, fast: the
answer first (at most six sentences, no code identifiers), key figures, the sections, the appendix last;
the workbook where told (a named file or the run folder) with traceable formulas. The wording's dependence
on the parameters is tested on the library in test_scenarios.py."""

from __future__ import annotations

import html
import json
import re

import nbformat
import openpyxl
import papermill as pm
import pytest

from alliance_analysis import paths, scenarios

NOTEBOOK = paths.NOTEBOOKS_DIR / "03_merger_business_case.ipynb"


def _run(tmp_path, **parameters) -> tuple[str, list[dict], list[str]]:
    out = tmp_path / "03.ipynb"
    pm.execute_notebook(str(NOTEBOOK), str(out), parameters=parameters, kernel_name="alliance-analysis",
                        cwd=str(tmp_path), progress_bar=False)
    nb = nbformat.read(out, as_version=4)
    outputs = [o for c in nb.cells for o in c.get("outputs", [])]
    parts = []
    for o in outputs:
        d = o.get("data", {})
        parts.append(o.get("text", "") + d.get("text/markdown", ""))
        if "text/html" in d:
            body = d["text/html"].split("</style>")[-1]
            parts.append(" ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split()))
    headings = [line for c in nb.cells if c.cell_type == "markdown" for line in c.source.splitlines()
                if line.startswith("## ")]
    return "\n".join(parts), outputs, headings


def test_notebook_cells_are_one_readable_call():
    # issue 20 item 8: no def/class, no inline formatting (f-strings, conditional expressions, .format, %)
    nb = json.loads(NOTEBOOK.read_text())
    code = [("".join(c["source"])) for c in nb["cells"] if c["cell_type"] == "code"
            and "parameters" not in c["metadata"].get("tags", [])]
    for src in code:
        assert not re.search(r"\bdef\b|\bclass\b|\bf'|\bf\"|\.format\(| if .* else |:\.\d|%\w", src), src
    intro = "".join(nb["cells"][0]["source"])
    assert "69:31" not in intro   # the opening speaks for whatever forces are chosen


@pytest.mark.notebook
@pytest.mark.parametrize(
    "params, named_file",
    [
        pytest.param({"n_draws": 2000}, True, id="ww-default-named-file"),
        pytest.param({"forces": ["Cumbria", "Lancashire"], "n_draws": 1000}, False, id="generic-cumbria-lancashire"),
    ],
)
def test_notebook_03_runs(tmp_path, monkeypatch, params, named_file):
    run_dir = tmp_path / "run-20260101T000000-x"
    monkeypatch.setenv("ALLIANCE_RUN_DIR", str(run_dir))  # as the report runner sets it
    book = tmp_path / "bc.xlsx" if named_file else run_dir / "business_case.xlsx"
    text, outputs, headings = _run(tmp_path, workbook_file=str(book) if named_file else None, **params)
    # structure: header, the answer, key figures, sections, the appendix last
    assert headings[:2] == ["## The answer", "## Key figures"] and headings[-1] == "## How this was worked out"
    lines = [x for x in text.split("\n") if x.strip()]
    assert lines[0].startswith("> **What produced this report.**")
    answer = lines[1]
    assert answer.startswith("Over the 10 years from ")
    assert len(re.findall(r"[.!?](?:\s|$)", answer)) <= 6
    assert not re.search(r"\b[a-z]+_[a-z_]+\b|\bnpv\b|\bNPV\b|\bbcr\b|GBP", answer)   # no code identifiers, no jargon
    assert not re.search(r"\bnan\b|\bNaN\b", text)
    if "forces" in params:
        assert "Cumbria" in lines[0] and "Warwickshire" not in text and "69:31" not in text
        assert "default assumptions scaled from two real alliances" in answer
        assert "No split of costs has been agreed" in answer
        assert "Reserves were not checked for Cumbria and Lancashire" in answer
    else:
        s = scenarios.load_scenarios(paths.SCENARIO_DIR / "warwickshire_west_mercia.yaml")
        a = scenarios.appraise(s, "full merger")
        # planned GBP 311.4m (issue 10's 345.8m less West Mercia's own GBP 4m a year, by hand in test_appraisal)
        assert round(a.npv_gbp_m) == 311 and "a gain of £310 million" in answer
        assert "The agreed 69:31 split of costs gives West Mercia 69%" in answer
        assert "Unwind alliance beats staying as they are only because it keeps the savings made before it ends" \
            in answer
        assert "leaves out West Mercia's own saving of GBP 4m a year" in text
    assert sum("image/png" in o.get("data", {}) for o in outputs) == 4
    # the workbook went where asked (the named file, else the run folder), with formulas and a cover
    assert f"Workbook written: {scenarios.md_text(book.name)}" in text
    assert not named_file or not (run_dir / "business_case.xlsx").exists()
    wb = openpyxl.load_workbook(book)
    assert wb.sheetnames[0] == "Cover" and {"Headline", "Ranking", "Comparison", "Fairness", "Cash flows"} <= set(wb.sheetnames)
    ws = wb["Comparison"]
    head = {c.value: c.column for c in ws[1]}
    assert all(ws.cell(r, head["NPV (GBP m)"]).data_type == "f" for r in range(2, ws.max_row + 1))
    cover = {r[0]: r[1] for r in wb["Cover"].iter_rows(min_row=2, values_only=True)}
    assert cover["Run id"] == run_dir.name
    assert "Home Office police recorded crime" in cover["Data sources"]
