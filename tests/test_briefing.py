"""Notebook 02's reader parts (evaluation.briefing) on the real default series."""

from __future__ import annotations

import numpy as np
import pytest

from alliance_analysis.evaluation import briefing
from alliance_analysis.forecasting import outlook
from alliance_analysis.presentation.report import code_identifiers, sentence_count
from alliance_analysis.series import sources

FORCES = ["Warwickshire", "West Mercia"]
CATS = ["Burglary", "Robbery"]


@pytest.fixture(scope="module")
def brief():
    panel = sources.load_crime_series("default")
    fc = outlook.forecast_outlook(panel, forces=FORCES, categories=CATS, horizon=4, n_origins=2, step=1)
    return briefing.trend_briefing(fc, categories=CATS)


def test_group_total_is_the_sum_of_the_forces_every_period(brief):
    t = brief.totals()
    group = t[t["area"] == "Warwickshire and West Mercia"].set_index("quarter")["coherent"]
    forces = t[t["area"].isin(FORCES)].groupby("quarter")["coherent"].sum()
    assert len(group) == 4 and sorted(set(t["area"])) == sorted(FORCES + ["Warwickshire and West Mercia"])
    np.testing.assert_allclose(group.sort_index().to_numpy(), forces.sort_index().to_numpy(), rtol=1e-9)
    assert (t["lo_80"] <= t["coherent"]).all() and (t["coherent"] <= t["hi_80"]).all()
    assert (t["lo_95"] <= t["lo_80"]).all() and (t["hi_80"] <= t["hi_95"]).all()


def test_answer_names_the_categories_and_rounds_like_a_newspaper(brief):
    t = brief.totals()
    first = t[t["area"] == "Warwickshire and West Mercia"].iloc[0]
    text = brief.answer()
    expected = f"{float(f'{first.coherent:.3g}'):,.0f}"      # three significant figures, by hand
    assert f"About {expected} crimes of burglary and robbery are expected" in text
    assert "July to September 2023" in text                   # the default series ends in 2023 Q2
    assert sentence_count(text) <= 6 and code_identifiers(text) == []


def test_key_figures_and_accuracy_use_plain_words(brief):
    md = brief.key_figures().to_markdown()
    assert "Expected burglary and robbery, Warwickshire and West Mercia" in md and "Past ranges that held" in md
    acc = brief.accuracy_table()
    assert code_identifiers(" ".join(acc["Method"])) == []
    assert "middle of three methods (combination)" in set(acc["Method"])


def test_error_ratio_is_chosen_over_seasonal_naive_at_the_hold_out_origins(brief):
    a = brief.outlook.result.accuracy
    chosen = a.loc[a["selected"].astype(bool), "accuracy_holdout"].mean()
    naive = a.loc[a["model"] == "snaive", "accuracy_holdout"].mean()
    assert brief.error_ratio() == pytest.approx(chosen / naive)


def test_total_chart_has_financial_year_ticks_and_the_expected_path(brief):
    import matplotlib.pyplot as plt
    import re

    fig = brief.plot_total()
    ax = fig.axes[0]
    fig.canvas.draw()
    labels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert labels and all(re.fullmatch(r"\d{4}/\d{2}", x) for x in labels)
    expected = brief.totals().query("area == 'Warwickshire and West Mercia'")["coherent"].to_numpy()
    line = next(ln for ln in ax.get_lines() if ln.get_label() == "expected")
    np.testing.assert_allclose(line.get_ydata(), expected)
    plt.close(fig)


def test_without_a_forecast_every_part_says_why():
    o = outlook.Outlook(None, __import__("pandas").DataFrame(), "A", "offence_group", "quarter", 4,
                        skipped="the data hold 5 quarters.")
    b = briefing.trend_briefing(o)
    assert b.plot_total() is None and b.totals().empty and b.accuracy_table().empty
    assert "the data hold 5 quarters" in b.show_totals().data
    assert np.isnan(b.error_ratio())


def test_forces_without_a_design_are_told_so_in_the_answer():
    from alliance_analysis.evaluation import studies

    text = studies.answer([], None, forecast="About 10 crimes are expected.", forces="Cumbria and Lancashire")
    assert text == ("About 10 crimes are expected. No collaboration involving Cumbria and Lancashire is among the "
                    "evaluation designs, so no change was evaluated for these forces on their own.")
