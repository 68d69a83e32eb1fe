"""Notebook 01 on the real default: the answer first, demand in police time, harm per officer, the
split year by year against crime, harm, population, workforce and police time, unmet demand; and on
a police.uk archive: anti-social behaviour as its own stream, never in a crime table."""

from __future__ import annotations

import pytest

from alliance_analysis.presentation.report import code_identifiers, sentence_count
from tests.notebook_runs import run_notebook


def _cell(nb, cell_id: str) -> str:
    """The text of one executed cell's outputs (markdown, HTML or plain)."""
    for c in nb.cells:
        if c.get("id") == cell_id:
            parts = []
            for o in c.get("outputs", []):
                d = o.get("data", {})
                parts.append(d.get("text/markdown") or d.get("text/html") or d.get("text/plain") or o.get("text", ""))
            return "\n".join(parts)
    raise AssertionError(f"no cell {cell_id}")


def _headings(nb) -> list[str]:
    return [line for c in nb.cells if c.cell_type == "markdown" for line in c.source.splitlines()
            if line.startswith("## ")]


@pytest.mark.notebook
def test_notebook_01_real_default(tmp_path):
    out = run_notebook("01_demand_analysis", tmp_path)
    text, nb = out["text"], out["nb"]
    assert "Home Office police recorded crime" in text and "SYNTHETIC" not in text
    # answer first, key figures next, the appendix last (issue 20 structure)
    heads = _headings(nb)
    assert heads[:2] == ["## The answer", "## Key figures"] and heads[-1] == "## How this was worked out"
    answer = _cell(nb, "a22a0002")
    assert sentence_count(answer) <= 6 and not code_identifiers(answer)
    # one sentence each: police time rose fastest, the split against police time, unreported crime
    assert "demand on police time rose fastest in" in answer
    assert "Under the agreed split West Mercia pays 69%" in answer and "demand in police time" in answer
    assert "never reported" in answer and "2011/12 Crime Survey" in answer
    # the split section on real shares, year by year, for all four bases, plus police time beside them
    for basis in ("recorded crime", "population", "workforce (FTE)", "harm (crime severity score x population)"):
        assert f"West Mercia's share of {basis}" in text
    assert "Share of police hours" in _cell(nb, "a22a0011")
    # police time 2006/07 to 2021/22 with coverage; offences without an estimate shown, not zero
    pt = _cell(nb, "a22a0021")
    assert "2006/07" in pt and "2021/22" in pt and "With a time estimate" in pt
    assert "Assault without injury" in _cell(nb, "a22a0023")
    assert "West Mercia most similar group" in _cell(nb, "a22a0031")
    assert "Never reported" in _cell(nb, "a22a0061")
    assert "Response-time compliance for West Mercia" in text
    assert out["figures"] >= 8


@pytest.mark.notebook
def test_notebook_01_one_force_says_what_it_cannot_do(tmp_path):
    out = run_notebook("01_demand_analysis", tmp_path, forces=["Gloucestershire"])
    text = out["text"]
    assert "one force: there is no cost split to test" in text
    assert "publish response-time compliance for West Mercia only" in text
    assert "Alliance" not in text.replace("alliance-analysis", "")
    answer = _cell(out["nb"], "a22a0002")
    assert "split" not in answer and "69" not in answer


@pytest.mark.notebook
@pytest.mark.shared_data
def test_notebook_01_police_uk_asb_is_its_own_stream(tmp_path, shared_data):
    from alliance_analysis import paths

    out = run_notebook("01_demand_analysis", tmp_path, data_source="police_uk", forces=["Gloucestershire"],
                       police_uk_path=str(paths.SHARED_DATA_DIR / "police_uk" / "gloucestershire"))
    nb = out["nb"]
    # never in a crime table or crime trend
    for cell in ("577f712a", "ce17cbc0"):
        assert "Anti-social behaviour" not in _cell(nb, cell)
    asb = _cell(nb, "a22a0041")
    assert "Anti-social behaviour incidents" in asb and "2023" in asb
    assert "top 10%" in _cell(nb, "a22a0051")
    assert "Anti-social behaviour, which is not crime, made up" in _cell(nb, "a22a0002")
