"""Notebook 04 executes on a fresh kernel, opens with the answer, and its numbers read back.

- the report follows the answer-first structure (title, header, The answer, Key figures,
  sections, How this was worked out last) and the answer has at most six sentences and no
  code identifier;
- the "Relative difference" column is in per cent: each row read back from the HTML equals
  100 x (recomputed - printed) / printed of the same row (issue 20: all rows were 100x too small);
- source papers appear by title, never as hashed file names.
"""

from __future__ import annotations

import re

import pytest

from alliance_analysis import findings
from alliance_analysis.presentation.report import code_identifiers, sentence_count
from tests.notebook_runs import run_notebook


def _cells(table_html: str) -> list[list[str]]:
    rows = re.findall(r"<tr>(.*?)</tr>", table_html, flags=re.S)
    return [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", r, flags=re.S)] for r in rows]


def _number(text: str) -> float:
    return float(text.replace(",", "").replace("%", "").replace("\u2212", "-"))


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return run_notebook("04_police_foundation_review", tmp_path_factory.mktemp("nb04"))


@pytest.mark.notebook
def test_notebook_04_opens_with_the_answer_and_ends_with_the_method(run):
    headings = [ln for c in run["nb"].cells if c.cell_type == "markdown" for ln in c.source.splitlines()
                if ln.startswith("## ")]
    assert headings[:2] == ["## The answer", "## Key figures"]
    assert headings[-1] == "## How this was worked out"
    answer_cell = next(i for i, c in enumerate(run["nb"].cells) if c.source == "## The answer") + 1
    answer = run["nb"].cells[answer_cell].outputs[0]["data"]["text/markdown"]
    assert 1 <= sentence_count(answer) <= 6
    assert code_identifiers(answer) == []
    reg = findings.build_claims_register()
    assert f"We recomputed {len(reg)} figures" in answer
    assert f"{int((reg['status'] == 'reproduced').sum())} check out" in answer


@pytest.mark.notebook
def test_relative_difference_is_in_per_cent_and_agrees_with_printed_and_recomputed(run):
    html = "".join(o.get("data", {}).get("text/html", "") for c in run["nb"].cells for o in c.get("outputs", []))
    table = next(t for t in re.findall(r"<table.*?</table>", html, flags=re.S) if "Relative difference (%)" in t)
    heads = [re.sub(r"<[^>]+>", "", h).strip() for h in re.findall(r"<th[^>]*>(.*?)</th>", table, flags=re.S)]
    rows = [r for r in _cells(table) if r]
    assert len(rows) == 12
    col = {h: i for i, h in enumerate(heads)}
    for r in rows:
        printed, recomputed = _number(r[col["Printed"]]), _number(r[col["Recomputed"]])
        shown = _number(r[col["Relative difference (%)"]])
        expected = 100 * (recomputed - printed) / printed
        # the cells are rounded: recomputed to its last shown digit, the percentage to one decimal
        def half_unit(cell: str) -> float:
            digits = cell.split(".")[1] if "." in cell else ""
            return 0.5 * 10 ** -len(digits.rstrip("%"))
        slack = 100 * (half_unit(r[col["Recomputed"]]) + half_unit(r[col["Printed"]])) / abs(printed) * 1.05 + 0.05
        assert shown == pytest.approx(expected, abs=slack), r
    c08 = next(r for r in rows if r[col["Claim"]] == "C08")   # printed 9%, recomputed 14.4%: 60%, not 0.6%
    assert c08[col["Relative difference (%)"]] == "60.4%"


@pytest.mark.notebook
def test_source_papers_by_title_and_figures_shown(run):
    text = run["text"]
    assert not re.search(r"\b\d{3}_[0-9a-f]{16}\.txt\b", text)
    assert "West Mercia Police and Crime Panel agenda with the Police Foundation review" in text
    assert "not directly comparable" in text and "C48" in text and "C50" in text
    html = "".join(o.get("data", {}).get("text/html", "") for c in run["nb"].cells for o in c.get("outputs", []))
    assert findings.STATUS_COLOURS["differs"] in html
    assert run["figures"] == 2


@pytest.mark.notebook
def test_filter_shows_only_the_chosen_statuses(tmp_path):
    out = run_notebook("04_police_foundation_review", tmp_path, show_only_status=["differs"])
    html = out["nb"].cells[-3].outputs[0]["data"]["text/html"]   # the full register
    statuses = {r[7] for r in _cells(html) if len(r) > 7}
    assert statuses == {"differs"}


def test_chart_and_table_show_the_same_relative_differences():
    """The dot chart's x positions are the table's percentages, claim by claim (issue 20: they disagreed)."""
    import matplotlib.pyplot as plt

    review = findings.review_report()
    fig = review.plot_differences()
    ax = fig.axes[0]
    xs = ax.collections[0].get_offsets()[:, 0]
    labels = [t.get_text().split()[0] for t in ax.get_yticklabels()]
    plt.close(fig)
    on_chart = dict(zip(labels, xs))
    table = review.largest_differences(12)
    assert len(table) == 12
    for claim, pct, printed, rec in zip(table["id"], table["relative_difference_pct"], table["value"],
                                        table["recomputed"]):
        assert on_chart[claim] == pytest.approx(pct)
        assert pct == pytest.approx(100 * (rec - printed) / printed, rel=1e-4)   # per cent, not a fraction (recomputed is stored to 6 decimals)
