"""Notebook 05 executes on a fresh kernel on the shipped real data and opens with the answer,
the key figures and the one-page table; every measure gets a page."""

from __future__ import annotations

import pytest

from alliance_analysis.performance import MEASURES
from tests.notebook_runs import run_notebook


@pytest.mark.notebook
def test_notebook_05_runs_on_shipped_data(tmp_path):
    out = run_notebook("05_performance", tmp_path, n_sims=100)
    text = out["text"]
    sections = [c for c in out["nb"].cells if c.cell_type == "markdown" and c.source.startswith("## ")]
    heads = [c.source.splitlines()[0] for c in sections]
    assert heads[:3] == ["## The answer", "## Key figures", "## Performance at a glance"]
    assert heads[-1] == "## How this was worked out"
    assert "Of 13 measures of Warwickshire and West Mercia's performance" in text
    for col in ("Against its own history", "Against similar forces", "Verdict", "Change on a year ago"):
        assert col in text
    html = "".join(o.get("data", {}).get("text/html", "") for c in out["nb"].cells for o in c.get("outputs", []))
    # a page per measure: a heading and a control chart with alt text each
    assert all(f"<h3>{m.label}</h3>" in html for m in MEASURES.values())
    assert out["figures"] >= 2 * len(MEASURES) - 1   # a control chart and a funnel per measure (real figures)
    assert "Laney p&#x27; chart" in html or "Laney p' chart" in html
    assert "Traceback" not in out["stderr"]
