"""Notebook 02 on the real default: quarterly forecasts scored on hold-out origins, coherent
totals, and the three alliance evaluations with calibrated inference."""

from __future__ import annotations

import pytest

from tests.notebook_runs import run_notebook


@pytest.mark.notebook
def test_notebook_02_real_default(tmp_path):
    out = run_notebook("02_crime_trend_forecasting", tmp_path, horizon=4, n_origins=2)
    text = out["text"]
    assert "Home Office police recorded crime" in text and "SYNTHETIC" not in text
    assert "origins they were not chosen on" in text
    for study in ("Warwickshire-West Mercia alliance", "Warwickshire-West Mercia new policing model",
                  "Warwickshire-West Mercia alliance ending"):
        assert study in text
    assert "Devon and Cornwall-Dorset alliance" not in text.split("## 3.")[0]   # designs follow the forces
    cells = out["nb"].cells
    at = next(i for i, c in enumerate(cells) if c.source.strip() == "## The answer")
    answer = " ".join(o.get("data", {}).get("text/markdown", "") for o in cells[at + 1].get("outputs", []))
    assert "crimes are expected in" in answer and "times in 10" in answer
    assert "Across the 4 collaborations" in answer
    assert "randomisation p" in text and "Thresholds" in text and "Why these" in text
    assert out["figures"] >= 7     # fan chart + two per study


@pytest.mark.notebook
def test_notebook_02_custom_study_without_peers(tmp_path):
    from alliance_analysis import paths

    out = run_notebook("02_crime_trend_forecasting", tmp_path, horizon=4, n_origins=2, data_source="prc",
                       prc_path=str(paths.RAW_DIR / "home_office" / "prc-pfa-mar2013-onwards-tables-191023.csv.gz"),
                       forces=["Dorset"], treated_force="Dorset", change_date="2015-03")
    text = out["text"]
    assert "Dorset from 2015-03" in text
