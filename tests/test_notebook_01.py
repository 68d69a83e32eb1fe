"""Notebook 01 on the real default: the year-by-year split test, trends, harm, and the
summary in numbers generated from the results."""

from __future__ import annotations

import pytest

from tests.notebook_runs import run_notebook


@pytest.mark.notebook
def test_notebook_01_real_default(tmp_path):
    out = run_notebook("01_demand_analysis", tmp_path)
    text = out["text"]
    assert "Home Office police recorded crime" in text and "SYNTHETIC" not in text
    assert "crimes recorded in 2022/23" in text and "per 1,000 residents" in text
    # the split section on real shares, year by year, for all four bases
    for basis in ("recorded crime", "population", "workforce (FTE)", "harm (crime severity score x population)"):
        assert f"West Mercia's share of {basis}" in text
    assert "Response-time compliance for West Mercia" in text
    assert out["figures"] >= 6


@pytest.mark.notebook
def test_notebook_01_one_force_says_what_it_cannot_do(tmp_path):
    out = run_notebook("01_demand_analysis", tmp_path, forces=["Gloucestershire"])
    text = out["text"]
    assert "one force: there is no cost split to test" in text
    assert "publish response-time compliance for West Mercia only" in text
    assert "Alliance" not in text.replace("alliance-analysis", "")
