"""Issue 20: the charts of reports 01 (demand), 03 (business case) and 05 (performance), drawn on the
real shipped default data, read at a glance: time axes ticked by financial year ("2022/23"), legend
entries told apart by colour (a dashed twin of a line may share its colour), legends beside the plot
(never over a bar or a line), nothing cut at the figure's edge, and groups named "A and B" or
"A, B, C and D", never "A and B and C and D"."""

from __future__ import annotations

import re

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import Collection
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from alliance_analysis import demand, performance, scenarios
from alliance_analysis.demand.plots import financial_year_ticks
from alliance_analysis.performance.report import MeasurePages
from alliance_analysis.series import sources

FY = re.compile(r"^\d{4}/\d{2}$")
FY_QUARTER = re.compile(r"^\d{4}/\d{2}( Q[1-4])?$")
WW = ["Warwickshire", "West Mercia"]


# --------------------------------------------------------------------------- the charts, on the real default

@pytest.fixture(scope="module")
def demand_figures():
    series = sources.load_crime_series("default", forces=WW)
    context = sources.load_context(series.forces)
    result = demand.demand_analysis(series, population=context.population, workforce=context.workforce,
                                    severity_total=context.severity_total, severity_groups=context.severity_groups,
                                    breaks=context.breaks, earlier_years=sources.annual_before(series))
    review = demand.demand_review(series, context, analysis=result)
    figs = {"rates": result.plot_rates(), "heatmap": demand.plot_demand_heatmap(demand.crime_only(series.data)),
            "trends": result.plot_trends(), "harm": result.plot_harm(), "split": result.plot_split(),
            "police_time": review.plot_police_time(), "pressure": review.plot_pressure(),
            "staffing": demand.plot_staffing_curve(300, max_calls=300, target_answer_seconds=20,
                                                   target_service_level=0.8, shrinkage=0.3)}
    yield figs
    plt.close("all")


@pytest.fixture(scope="module")
def case_figures():
    case = scenarios.run_business_case(None, n_draws=200, seed=2014)
    figs = {"waterfall": case.plot_waterfall(), "cumulative": case.plot_cumulative(),
            "tornado": case.plot_tornado(), "fairness": case.plot_fairness()}
    yield figs
    plt.close("all")


@pytest.fixture(scope="module")
def performance_figures():
    r = performance.performance_report(WW, n_sims=0,
                                       measures=["crime_per_1000", "officers_per_1000", "charge_rate"])
    pages = MeasurePages(r)
    figs = {}
    for row in r.scorecard.itertuples():
        for i, fig in enumerate(pages.figures(row)):
            figs[f"{row.measure}-{'control' if i == 0 else 'funnel'}"] = fig
    yield figs
    plt.close("all")


#: each chart's time axis: "fy" (financial years only), "fy-quarter" ("2018/19 Q1" allowed), None (no time axis)
TIME_AXIS = {"rates": "fy", "heatmap": "fy", "trends": None, "harm": "fy", "split": "fy", "police_time": "fy",
             "pressure": "fy", "staffing": None, "waterfall": None, "cumulative": "fy", "tornado": None,
             "fairness": None, "crime_per_1000-control": "fy", "crime_per_1000-funnel": None,
             "officers_per_1000-control": "fy", "officers_per_1000-funnel": None,
             "charge_rate-control": "fy-quarter", "charge_rate-funnel": None}


def _all_figures(request) -> dict:
    out = {}
    for name in ("demand_figures", "case_figures", "performance_figures"):
        out.update(request.getfixturevalue(name))
    return out


def _legend_styles(leg) -> list[tuple[str, str]]:
    """(colour, line style) of each legend entry, read from its handles."""
    out = []
    for h in leg.legend_handles:
        if isinstance(h, Line2D):
            colour = h.get_color() if h.get_linestyle() not in ("None", "", " ") or h.get_marker() in (None, "None") \
                else h.get_markerfacecolor()
            out.append((matplotlib.colors.to_hex(colour), str(h.get_linestyle())))
        elif isinstance(h, Patch):
            out.append((matplotlib.colors.to_hex(h.get_facecolor()), "patch"))
        elif isinstance(h, Collection):
            face = h.get_facecolor()
            if len(face) and face[0][3] > 0:
                out.append((matplotlib.colors.to_hex(face[0]), "marker"))
            else:   # an open circle: its edge is its colour
                out.append((matplotlib.colors.to_hex(h.get_edgecolor()[0]), "open marker"))
        else:   # pragma: no cover - every chart here uses the three kinds above
            raise AssertionError(f"unexpected legend handle {type(h).__name__}")
    return out


@pytest.mark.parametrize("name", [pytest.param(k, id=k) for k in TIME_AXIS])
def test_chart_reads_at_a_glance(request, name):
    fig = _all_figures(request)[name]
    assert fig is not None, f"{name}: the default data should draw this chart"
    check_chart(fig, name, TIME_AXIS[name])


def check_chart(fig, name: str, time_axis: str | None, *, min_ticks: int = 2) -> None:
    """Every check of a chart (also used by hand on police.uk charts outside the suite's budget)."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    main = fig.axes[0]

    # financial-year ticks on the time axis, never 2002.5 or 2022.2
    if time_axis:
        labels = [t.get_text() for t in main.get_xticklabels() if t.get_text()]
        assert len(labels) >= min_ticks, (name, labels)
        pattern = FY if time_axis == "fy" else FY_QUARTER
        assert all(pattern.match(x) for x in labels), (name, labels)
        assert labels == sorted(labels), (name, labels)

    # legend entries are told apart: distinct colours, except a dashed twin sharing its solid line's colour
    legends = [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None]
    for leg in legends:
        styles = _legend_styles(leg)
        assert len(set(styles)) == len(styles), (name, styles)
        solid = [c for c, ls in styles if ls not in ("--", ":", "-.")]
        assert len(set(solid)) == len(solid), (name, styles)
        # beside the plot: the legend box does not overlap any axes of the figure
        box = leg.get_window_extent(renderer)
        for ax in fig.axes:
            if ax.get_label() == "<colorbar>":
                continue
            a = ax.get_window_extent(renderer)
            overlap = min(box.x1, a.x1) - max(box.x0, a.x0) > 1 and min(box.y1, a.y1) - max(box.y0, a.y0) > 1
            assert not overlap, f"{name}: the legend covers the plot"

    # nothing cut: every title, label, tick label and legend lies inside the figure
    tight = fig.get_tightbbox(renderer)
    w, h = fig.get_size_inches()
    assert tight.x0 >= -0.02 and tight.y0 >= -0.02 and tight.x1 <= w + 0.02 and tight.y1 <= h + 0.02, \
        (name, tight.bounds, (w, h))

    # tick labels never overlap one another (no covered or unreadable labels)
    for ax in fig.axes:
        for ticks in (ax.get_xticklabels(), ax.get_yticklabels()):
            shown = [t for t in ticks if t.get_text() and t.get_visible()]
            if shown and shown[0].get_rotation() % 180:
                # rotated labels are parallel strips: consecutive anchors must be a line height apart across them
                xs = sorted(t.get_window_extent(renderer).x1 for t in shown)
                gap = min((b - a for a, b in zip(xs, xs[1:])), default=np.inf)
                height = shown[0].get_fontsize() * fig.dpi / 72
                assert gap * np.sin(np.radians(shown[0].get_rotation() % 180)) >= height, f"{name}: labels overlap"
                continue
            boxes = [t.get_window_extent(renderer) for t in shown]
            for i, a in enumerate(boxes):
                for b in boxes[i + 1:]:
                    assert not (min(a.x1, b.x1) - max(a.x0, b.x0) > 1 and min(a.y1, b.y1) - max(a.y0, b.y0) > 1), \
                        f"{name}: tick labels overlap"

    # group names read "Warwickshire and West Mercia", never a chain of "and"s
    texts = [t.get_text() for ax in fig.axes for t in (ax.title, ax.xaxis.label, ax.yaxis.label)]
    texts += [t.get_text() for leg in legends for t in leg.get_texts()]
    for t in texts:
        assert not re.search(r"\w and [^,]+ and [A-Z]\w+ and ", " ".join(t.split())), (name, t)


def test_every_chart_with_a_legend_is_checked(request):
    figs = _all_figures(request)
    with_legend = [k for k, f in figs.items() if any(ax.get_legend() is not None for ax in f.axes)]
    # every chart but the heatmap (a colour scale) carries a legend
    assert sorted(with_legend) == sorted(k for k in TIME_AXIS if k != "heatmap")


def test_group_titles_use_the_readable_group_name(request):
    figs = _all_figures(request)
    for name in ("rates", "harm", "police_time", "pressure", "crime_per_1000-control"):
        title = " ".join(figs[name].axes[0].get_title().split())
        assert "Warwickshire and West Mercia" in title, (name, title)


@pytest.mark.shared_data
def test_monthly_police_uk_charts_read_at_a_glance(shared_data):
    # the real Devon and Cornwall 2019 archive: anti-social behaviour month by month (01) and the monthly
    # outcome control charts (05) with the months still awaiting outcomes drawn as open circles
    plt.close("all")   # the default charts above stay usable; pyplot just stops holding them
    path = shared_data / "police_uk" / "devon_and_cornwall_2019"
    series = sources.load_crime_series("police_uk", forces=["Devon and Cornwall"], path=path)
    context = sources.load_context(series.forces)
    review = demand.demand_review(series, context, police_uk_path=path)
    figs = {"asb": review.plot_asb(), "heatmap": demand.plot_demand_heatmap(demand.crime_only(series.data))}
    r = performance.performance_report([], police_uk_path=path, n_sims=0)
    for row in r.scorecard.itertuples():
        figs[row.measure] = MeasurePages(r).figures(row)[0]
    assert len(figs) == 6
    for name, fig in figs.items():
        # a single calendar year: one financial-year label on the monthly charts (April 2019: "2019/20")
        check_chart(fig, name, "fy", min_ticks=1)
        if name != "heatmap":
            months = [t.get_text() for t in fig.axes[0].get_xticklabels(minor=True) if t.get_text()]
            assert months == ["Jan", "Apr", "Jul", "Oct"], (name, months)
    charge = figs["charge_rate"].axes[0]
    assert "outcomes still coming in (not judged)" in [t.get_text() for t in charge.get_legend().get_texts()]
    plt.close("all")


def test_four_force_group_charts_name_the_group_readably():
    # the Welsh forces on the real default: a long group name is written "A, B, C and D" and wrapped, never cut
    forces = ["Dyfed-Powys", "Gwent", "North Wales", "South Wales"]
    plt.close("all")
    series = sources.load_crime_series("default", forces=forces)
    context = sources.load_context(series.forces)
    result = demand.demand_analysis(series, population=context.population, workforce=context.workforce,
                                    severity_total=context.severity_total, severity_groups=context.severity_groups,
                                    breaks=context.breaks)
    review = demand.demand_review(series, context, analysis=result)
    assert result.group_name == "Dyfed-Powys, Gwent, North Wales and South Wales"
    figs = {"rates": result.plot_rates(), "harm": result.plot_harm(), "police_time": review.plot_police_time(),
            "pressure": review.plot_pressure()}
    for name, fig in figs.items():
        check_chart(fig, name, "fy")
        assert "Dyfed-Powys, Gwent, North Wales and South Wales" in " ".join(fig.axes[0].get_title().split()), name
    plt.close("all")


# --------------------------------------------------------------------------- helpers worked by hand

@pytest.mark.parametrize("periods, ticks, labels", [
    # quarters Jan 2012 - Dec 2013: Jan-Mar 2012 is in 2011/12 (one of 8 columns, labelled), April 2012
    # starts 2012/13 (position 1), April 2013 starts 2013/14 (position 5)
    pytest.param(pd.period_range("2012Q1", "2013Q4", freq="Q"), [0, 1, 5], ["2011/12", "2012/13", "2013/14"],
                 id="quarters-from-january"),
    # months Feb 2022 - Dec 2024 (the Gloucestershire archive): two of 35 columns in 2021/22, too short a stub
    # (under a twelfth of the columns) to label
    pytest.param(pd.period_range("2022-02", "2024-12", freq="M"), [2, 14, 26], ["2022/23", "2023/24", "2024/25"],
                 id="months-from-february"),
    # months Jan - Dec 2019 (the Devon and Cornwall archive): three of 12 columns in 2018/19, labelled
    pytest.param(pd.period_range("2019-01", "2019-12", freq="M"), [0, 3], ["2018/19", "2019/20"],
                 id="months-from-january"),
    # months April 2022 - March 2024: two financial years, starting at positions 0 and 12
    pytest.param(pd.period_range("2022-04", "2024-03", freq="M"), [0, 12], ["2022/23", "2023/24"],
                 id="months-from-april"),
    # 40 quarterly financial years starting each April: at most 12 labels, the first kept
    pytest.param(pd.period_range("1990Q2", periods=160, freq="Q"), list(range(0, 160, 16)),
                 [f"{1990 + 4 * i}/{(1991 + 4 * i) % 100:02d}" for i in range(10)], id="long-span-thinned"),
])
def test_financial_year_ticks_by_hand(periods, ticks, labels):
    assert financial_year_ticks(periods) == (ticks, labels)


def test_heatmap_colour_scale_is_real_counts():
    d = pd.DataFrame({"offence_group": ["Robbery", "Burglary"] * 2, "count": [0, 200, 30, 4000],
                      "quarter": pd.PeriodIndex(["2020Q2", "2020Q2", "2020Q3", "2020Q3"], freq="Q")})
    fig = demand.plot_demand_heatmap(d)
    image = fig.axes[0].images[0]
    values = image.get_array()
    # rows by total (Burglary 4,200 first), the zero robbery quarter masked (blank), colours on counts not logs
    assert values[0].tolist() == [200, 4000] and bool(values.mask[1, 0]) and values[1, 1] == 30
    assert image.norm.vmin == 1 and image.norm.vmax == 4000
    assert "log scale" in fig.axes[1].get_ylabel() and "log10" not in fig.axes[1].get_ylabel()
    plt.close(fig)


def test_demand_group_name_for_four_forces_is_readable():
    from alliance_analysis.presentation.report import group_name

    name = group_name(["Dyfed-Powys", "Gwent", "North Wales", "South Wales"])
    assert name == "Dyfed-Powys, Gwent, North Wales and South Wales"
    fig = demand.plot_annual_rates(pd.DataFrame({"area": name, "offence_group": ["Robbery", "Robbery"],
                                                 "year": [2013, 2014], "rate_per_1000": [1.0, 1.2]}), name)
    fig.canvas.draw()
    assert name in " ".join(fig.axes[0].get_title().split())
    assert [t.get_text() for t in fig.axes[0].get_xticklabels() if t.get_text()] == ["2013/14", "2014/15"]
    plt.close(fig)


def test_legend_styles_reader_tells_colours_apart():
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1], color="#0d47a1", label="a")
    ax.plot([0, 1], [1, 0], color="#0d47a1", ls="--", label="a: median")
    ax.scatter([0.5], [0.5], color="#b71c1c", label="b")
    ax.scatter([0.6], [0.6], facecolor="none", edgecolor="#757575", label="c")
    leg = ax.legend()
    assert _legend_styles(leg) == [("#0d47a1", "-"), ("#0d47a1", "--"), ("#b71c1c", "marker"),
                                   ("#757575", "open marker")]
    plt.close(fig)
