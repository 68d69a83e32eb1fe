"""Notebook 04 executes on a fresh kernel and shows the register, its generated summary and
the claims the Home Office tables now settle."""

from __future__ import annotations

import pytest

from alliance_analysis import findings
from tests.notebook_runs import run_notebook


@pytest.mark.notebook
def test_notebook_04_runs_and_shows_register(tmp_path):
    out = run_notebook("04_police_foundation_review", tmp_path, show_only_status=["differs"])
    nb_html = "".join(o.get("data", {}).get("text/html", "") for c in out["nb"].cells for o in c.get("outputs", []))
    text = out["text"]
    assert "quantitative claims from 5 source papers" in text
    assert "not directly comparable" in text and "C48" in text and "C50" in text
    assert findings.STATUS_COLOURS["differs"] in nb_html
    assert out["figures"] == 2
