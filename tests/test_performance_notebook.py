"""Notebook 05 on a police.uk archive (issue 19): the real Gloucestershire street files, monthly
control charts of the outcome shares from each crime's Last outcome category, the months whose
outcomes are still coming in drawn but not judged, and no comparison with other forces claimed."""

from __future__ import annotations

import pytest

from tests.notebook_runs import run_notebook


@pytest.mark.notebook
@pytest.mark.shared_data
def test_notebook_05_runs_on_the_gloucestershire_police_uk_archive(tmp_path, shared_data):
    out = run_notebook("05_performance", tmp_path, data_source="police_uk", forces=["Gloucestershire"],
                       police_uk_path=str(shared_data / "police_uk" / "gloucestershire"), n_sims=50)
    text = out["text"]
    assert "Traceback" not in out["stderr"]
    assert "police.uk street files" in text and "Forces: Gloucestershire" in text
    assert "Of 4 measures of Gloucestershire's performance" in text
    # June-December 2024 still hold many crimes awaiting an outcome (counted by hand in test_performance)
    assert "The latest 7 months (June 2024 to December 2024) are not judged" in text
    assert "Charged or summonsed (% of the month's crimes, latest outcome known)" in text
    assert "May 2024" in text   # the latest judged month
    # one monthly control chart per outcome measure and no funnel (no other forces in a police.uk archive)
    assert out["figures"] == 4
    assert "above the range of similar forces" not in text and "below the range of similar forces" not in text
