"""Reader tables: the HTML a reader gets, read back."""

from __future__ import annotations

import math
import re

import pandas as pd
import pytest

from alliance_analysis.presentation import tables
from alliance_analysis.errors import ParameterError


def _cells(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", html, flags=re.S)]


def _headers(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<th[^>]*>(.*?)</th>", html, flags=re.S)]


@pytest.mark.parametrize(
    ("kwargs", "value", "shown"),
    [
        pytest.param({"counts": ["x"]}, 30100, "30,100", id="count"),
        pytest.param({"counts": ["x"]}, 3.01e4, "30,100", id="count-float"),
        pytest.param({"pct": ["x"]}, 48.7089, "48.7%", id="pct"),
        pytest.param({"shares": ["x"]}, 0.487089, "48.7%", id="share"),
        pytest.param({"pvalues": ["x"]}, 0.49, "0.490", id="p-value-padded"),
        pytest.param({"pvalues": ["x"]}, 0.0004, "&lt;0.001", id="p-value-tiny"),  # "<0.001", escaped
        pytest.param({"money_gbp_m": ["x"]}, 253.9740878497154, "254.0", id="money"),
        pytest.param({"money_gbp_m": ["x"]}, 12345.67, "12,345.7", id="money-thousands"),
        pytest.param({"rates": ["x"]}, 1.072781e-02, "0.0107", id="rate-small"),
        pytest.param({}, -7.11e-15, "0", id="float-noise"),
        pytest.param({}, 0.487089, "0.487", id="float-default"),
        pytest.param({}, float("nan"), "\u2013", id="nan"),
        pytest.param({"dates": ["x"]}, pd.Period("2013Q2", "Q"), "2013 Q2", id="quarter"),
        pytest.param({"dates": ["x"]}, pd.Period("2014", "Y-MAR"), "2013/14", id="financial-year"),
        pytest.param({"dates": ["x"]}, pd.Period("2013-04", "M"), "Apr 2013", id="month"),
    ],
)
def test_values_as_a_reader_sees_them(kwargs, value, shown):
    html = tables.format_table(pd.DataFrame({"x": [value]}), **kwargs).to_html()
    assert _cells(html) == [shown]
    assert "e+0" not in html and "e-0" not in html


def test_no_index_column_human_labels_dash_footnote_and_caption():
    df = pd.DataFrame({"force_name": ["Dorset", None], "crime_count": [30100, 2],
                       "npv_gbp_m": [1.0, math.nan]}, index=[7, 9])
    html = tables.format_table(df, counts=["crime_count"], money_gbp_m=["npv_gbp_m"], price_base="2014/15",
                               caption="Test table", labels={"force_name": "Force"}).to_html()
    assert _headers(html) == ["Force", "Crime count", "NPV (GBP m)"]
    assert _cells(html) == ["Dorset", "30,100", "1.0", "\u2013", "2", "\u2013"]
    assert ">7<" not in html and ">9<" not in html  # no row numbers
    caption = re.search(r"<caption>(.*?)</caption>", html, flags=re.S).group(1)
    assert "Test table" in caption and "2014/15 prices" in caption and "\u2013 not available" in caption
    assert "None" not in _cells(html) and "nan" not in html.lower().replace("nan-", "")


def test_long_text_is_wrapped_not_truncated():
    text = "Assumption: " + "savings realised over five years as posts are removed by natural turnover " * 4
    html = tables.format_table(pd.DataFrame({"assumption": [text]})).to_html()
    assert text.strip() in html
    assert "white-space: normal" in html and "..." not in _cells(html)[0]


def test_identical_input_gives_identical_html_and_input_unchanged():
    df = pd.DataFrame({"a_pct": [1.234, 5.0], "b": ["x", "y"]})
    before = df.copy()
    one = tables.format_table(df, pct=["a_pct"]).to_html()
    two = tables.format_table(df.copy(), pct=["a_pct"]).to_html()
    assert one == two
    pd.testing.assert_frame_equal(df, before)
    assert tables.format_table(df.assign(b=["x", "z"]), pct=["a_pct"]).to_html() != one


def test_numbers_differing_beyond_the_shown_precision_give_identical_html():
    # 0.1 + 0.2 != 0.3 in floating point (summation order); both show as "0.3%" -> same table, same id.
    a = pd.DataFrame({"a_pct": [0.1 + 0.2, math.nan], "b": ["x", None]})
    b = pd.DataFrame({"a_pct": [0.3, math.nan], "b": ["x", None]})
    assert a["a_pct"].iloc[0] != b["a_pct"].iloc[0]
    assert tables.format_table(a, pct=["a_pct"]).to_html() == tables.format_table(b, pct=["a_pct"]).to_html()
    shown_differently = b.assign(a_pct=[0.4, math.nan])
    assert tables.format_table(shown_differently, pct=["a_pct"]).to_html() != tables.format_table(b, pct=["a_pct"]).to_html()


@pytest.mark.parametrize(
    ("name", "label"),
    [
        pytest.param("annual_change_pct", "Annual change (%)", id="pct"),
        pytest.param("n_forces", "Number of forces", id="n"),
        pytest.param("p10_gbp_m", "P10 (GBP m)", id="money"),
        pytest.param("Force", "Force", id="already-human"),
    ],
)
def test_human_label(name, label):
    assert tables.human_label(name) == label


def test_number_summary_sentences():
    text = tables.number_summary([("Recorded crime", 1234567, "count", "offences"), ("Expected NPV", 245.17, "gbp_m"),
                                  ("Missing", None, "pct")])
    assert text.splitlines() == ["- **Recorded crime**: 1,234,567 offences", "- **Expected NPV**: GBP 245.2m",
                                 "- **Missing**: \u2013"]
    with pytest.raises(ParameterError, match="kind .money. is unknown"):
        tables.number_sentence("x", 1, "money")


HOSTILE = ["<script>alert(1)</script>", '<img src=x onerror="alert(1)">', '<a href="javascript:alert(1)">x</a>']


@pytest.mark.parametrize("text", HOSTILE, ids=["script", "img-onerror", "javascript-link"])
def test_input_text_never_becomes_markup(text):
    df = pd.DataFrame({text: [text, ["a", text]], "count": [1, 2]})
    html = tables.format_table(df, counts=["count"], caption=text, labels={"count": text}).to_html()
    assert "<script" not in html and "<img" not in html and "<a " not in html
    assert html.count("&lt;") >= 5   # shown as text: caption, two labels, two cells


def test_text_is_left_aligned_numbers_right_and_words_never_broken():
    df = pd.DataFrame({"group": ["Dyfed-Powys, Gwent, North Wales and South Wales"], "count": [12]})
    html = tables.format_table(df, counts=["count"]).to_html()
    assert "overflow-wrap: anywhere" not in html and "word-break: break-all" not in html
    assert re.search(r"_row0_col0 \{\s*text-align: left", html)       # the words
    assert re.search(r"_row0_col1 \{\s*text-align: right", html)      # the number
    assert re.search(r"th\.col1 \{\s*text-align: right", html)        # and its heading


# ---- figures: distinct colours, financial-year ticks, labels never cut ---------------------------------

@pytest.mark.parametrize("n", [2, 5, 11, 12], ids=lambda n: f"{n}-groups")
def test_group_colours_never_repeat_up_to_twelve(n):
    from alliance_analysis.presentation.plots import group_colours

    names = ["Warwickshire", "West Mercia", "Dorset"] + [f"Force {i}" for i in range(n - 3)] if n > 3 else \
        ["Warwickshire", "West Mercia"][:n]
    colours = group_colours(names)
    assert len(set(colours.values())) == len(names)


@pytest.mark.parametrize(
    ("start", "end", "expected_first"),
    [
        pytest.param("2012-04", "2015-03", "2012/13", id="three-years"),
        pytest.param("2003-04", "2023-03", "2003/04", id="twenty-years"),
    ],
)
def test_date_axis_ticks_are_financial_years(start, end, expected_first):
    import matplotlib.pyplot as plt

    from alliance_analysis.presentation.plots import financial_year_axis

    fig, ax = plt.subplots()
    months = pd.period_range(start, end, freq="M").to_timestamp()
    ax.plot(months, range(len(months)))
    financial_year_axis(ax)
    fig.canvas.draw()
    labels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    plt.close(fig)
    assert labels[0] == expected_first
    assert all(re.fullmatch(r"\d{4}/\d{2}", t) for t in labels), labels
    years = [int(t[:4]) for t in labels]
    assert all(int(t[5:]) == (y + 1) % 100 for t, y in zip(labels, years))
    assert len(labels) <= 11
