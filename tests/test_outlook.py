"""The forecast fan chart on the shipped default series: financial-year ticks, the group in the
title, method names in plain words (issue 17)."""

from __future__ import annotations

import re

import matplotlib.pyplot as plt
import pytest

from alliance_analysis.forecasting.outlook import MODEL_NAMES, forecast_outlook, plot_fan


@pytest.fixture(scope="module")
def outlook():
    from alliance_analysis.series.sources import load_crime_series

    forces = ["Warwickshire", "West Mercia"]
    s = load_crime_series("default", forces=forces)
    return forecast_outlook(s, forces=forces, categories=["Burglary", "Robbery"], horizon=4, n_origins=4, step=1,
                            group_name="Warwickshire and West Mercia")


def test_fan_chart_has_financial_year_ticks_group_title_and_plain_legend(outlook):
    fig = plot_fan(outlook, "West Mercia", "Burglary")
    try:
        ax = fig.axes[0]
        fig.canvas.draw()
        labels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
        # 2006 Q2 .. 2024 Q2 spans financial years 2006/07 .. 2024/25: every label is "YYYY/YY"
        assert labels and all(re.fullmatch(r"\d{4}/\d{2}", x) for x in labels), labels
        assert all(int(x[:4]) % 100 + 1 == int(x[5:]) % 100 for x in labels)
        assert ax.get_title() == "Warwickshire and West Mercia, West Mercia: burglary, recorded and forecast"
        legend = [t.get_text() for t in ax.get_legend().get_texts()]
        assert legend == ["recorded", "95% range", "80% range", f"forecast: {MODEL_NAMES['combo']}"]
        assert not any(code in " ".join(legend).split() for code in ("combo", "ets", "sarima", "snaive"))
    finally:
        plt.close(fig)
