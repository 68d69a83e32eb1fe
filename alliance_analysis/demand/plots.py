"""Figures for the demand analysis."""

from __future__ import annotations

import logging
import math

import numpy as np
import pandas as pd

from alliance_analysis.demand.staffing import erlang_c_staffing

log = logging.getLogger(__name__)

#: colour of each trend class in the trends chart (and its legend)
TREND_COLOURS = {"rising": "#c62828", "stable": "#757575", "diminishing": "#1565c0"}


def plot_demand_heatmap(monthly: pd.DataFrame, *, title: str | None = None):
    """Heatmap of counts (rows category, columns period), for months or quarters, synthetic-labelled when needed.

    Examples
    --------
    >>> d = pd.DataFrame({"offence_group": ["Robbery", "Burglary"] * 2, "count": [1, 2, 3, 4],
    ...                   "quarter": pd.PeriodIndex(["2020Q1", "2020Q1", "2020Q2", "2020Q2"], freq="Q")})
    >>> plot_demand_heatmap(d).axes[0].get_title()
    'Quarterly recorded crime by offence group (all selected forces)'
    """
    import matplotlib.colors as mcolors
    import matplotlib.pyplot as plt
    import matplotlib.ticker as mticker

    from alliance_analysis.demand.trends import time_column
    from alliance_analysis.presentation.plots import apply_house_style, figure_title, is_synthetic

    apply_house_style()
    tcol = time_column(monthly)
    cat = "offence_group" if "offence_group" in monthly.columns else "crime_type"
    if title is None:
        what = "recorded crime by offence group" if cat == "offence_group" else "demand by crime type"
        title = f"{'Quarterly' if tcol == 'quarter' else 'Monthly'} {what} (all selected forces)"
    wide = monthly.groupby([cat, tcol])["count"].sum().unstack(tcol)
    wide = wide.loc[wide.sum(axis=1).sort_values(ascending=False).index]
    fig, ax = plt.subplots(figsize=(11, 5.5))
    values = np.ma.masked_less_equal(wide.to_numpy(dtype=float), 0)   # none recorded: left blank
    top = float(values.max()) if values.count() else 1.0
    im = ax.imshow(values, aspect="auto", cmap="viridis", norm=mcolors.LogNorm(vmin=1, vmax=max(top, 10.0)))
    ax.set_yticks(range(len(wide.index)))
    ax.set_yticklabels(wide.index, fontsize=8)
    ticks, labels = financial_year_ticks(wide.columns)
    ax.set_xticks(ticks)
    ax.set_xticklabels(labels, rotation=45 if len(ticks) > 6 else 0, ha="right" if len(ticks) > 6 else "center",
                       rotation_mode="anchor", fontsize=8)
    ax.set_xlabel("financial year (April to March)")
    ax.grid(False)
    bar = fig.colorbar(im, ax=ax)
    bar.set_label(f"crimes a {'quarter' if tcol == 'quarter' else 'month'} (log scale; blank: none)")
    bar.ax.yaxis.set_major_formatter(mticker.FuncFormatter(lambda v, _pos: f"{v:,.0f}"))
    figure_title(ax, title, synthetic=is_synthetic(monthly))
    fig.tight_layout()
    return fig


def financial_year_ticks(periods: "pd.Index | list", max_ticks: int = 12) -> tuple[list[int], list[str]]:
    """Positions and ``"2022/23"`` labels of the first period of each financial year among ``periods``.

    ``periods`` are monthly or quarterly ``Period`` values in order (one column each, as in a
    heatmap). A financial year starts in April; when the first period is not April and the
    stub before the first April spans at least a twelfth of the columns (or there is no
    April), the first period is ticked too, with the financial year it falls in (a shorter
    stub would crowd the next label). At most ``max_ticks`` labels (every 2nd, 3rd, ... year
    on long spans).

    Examples
    --------
    >>> financial_year_ticks(pd.period_range("2012Q1", "2013Q4", freq="Q"))
    ([0, 1, 5], ['2011/12', '2012/13', '2013/14'])
    >>> financial_year_ticks(pd.period_range("2022-02", "2024-12", freq="M"))   # 2 of 35 columns: no stub label
    ([2, 14, 26], ['2022/23', '2023/24', '2024/25'])
    """
    from alliance_analysis.presentation.plots import fy_label_of

    starts = [pd.Period(p).start_time for p in periods]
    idx = [i for i, d in enumerate(starts) if d.month == 4]
    if starts and (not idx or idx[0] >= max(1, math.ceil(len(starts) / 12))):
        idx = [0] + idx
    step = max(1, -(-len(idx) // max_ticks))
    idx = idx[:1] + idx[1:][step - 1::step] if step > 1 else idx
    return idx, [fy_label_of(starts[i].year if starts[i].month >= 4 else starts[i].year - 1) for i in idx]


def plot_volume_vs_harm(ranked: pd.DataFrame, *, synthetic: bool = False):
    """Paired bars: each crime type's share of volume and of harm."""
    import matplotlib.pyplot as plt

    from alliance_analysis.presentation.plots import apply_house_style, figure_title, legend_outside

    apply_house_style()
    has_harm = "harm_share" in ranked.columns
    r = ranked.sort_values("harm_share" if has_harm else "volume_share")
    y = np.arange(len(r))
    fig, ax = plt.subplots(figsize=(9, 5.5))
    if has_harm:
        ax.barh(y - 0.2, r["volume_share"] * 100, height=0.4, label="share of volume")
        ax.barh(y + 0.2, r["harm_share"] * 100, height=0.4, label="share of harm")
    else:
        ax.barh(y, r["volume_share"] * 100, height=0.6, label="share of volume (no harm weights given)")
    ax.set_yticks(y)
    ax.set_yticklabels(r["crime_type"], fontsize=8)
    ax.set_xlabel("% of total")
    legend_outside(ax)
    figure_title(ax, "Volume vs harm: where the harm is" if has_harm else "Volume only (no harm weights file given)",
                 synthetic=synthetic)
    fig.tight_layout()
    return fig


def plot_trends(trends: pd.DataFrame, *, synthetic: bool = False):
    """Annual % change with 95% intervals per series, coloured by classification."""
    import matplotlib.pyplot as plt

    from matplotlib.lines import Line2D

    from alliance_analysis.presentation.plots import apply_house_style, figure_title

    apply_house_style()
    t = trends.dropna(subset=["annual_change"]).sort_values("annual_change").reset_index(drop=True)
    cat = "offence_group" if "offence_group" in t.columns else "crime_type"
    label = t[cat] + (" (" + t["force"] + ")" if "force" in t.columns else "")
    colours = t["trend"].map(TREND_COLOURS)
    fig, ax = plt.subplots(figsize=(9, max(4, 0.25 * len(t))))
    ax.errorbar(t["annual_change"] * 100, range(len(t)),
                xerr=[(t["annual_change"] - t["ci_low"]) * 100, (t["ci_high"] - t["annual_change"]) * 100],
                fmt="none", ecolor="#9e9e9e")
    ax.scatter(t["annual_change"] * 100, range(len(t)), c=colours, zorder=3)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(range(len(t)))
    ax.set_yticklabels(label, fontsize=7)
    ax.set_xlabel("change a year, % (lines: 95% range)")
    shown = [k for k in TREND_COLOURS if k in set(t["trend"])]
    ax.legend([Line2D([], [], marker="o", ls="", color=TREND_COLOURS[k]) for k in shown], shown, fontsize=8,
              loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
    figure_title(ax, "Rising and diminishing demand", synthetic=synthetic)
    fig.tight_layout()
    return fig


def plot_share_vs_split(gaps: pd.DataFrame):
    """Each force's share on each basis against its agreed cost share."""
    import matplotlib.pyplot as plt

    from alliance_analysis.presentation.plots import apply_house_style, figure_title, group_colours, grouped_bars
    from alliance_analysis.presentation.plots import legend_outside

    apply_house_style()
    fig, ax = plt.subplots(figsize=(10, 4.5))
    bases = grouped_bars(gaps, category="basis", group="force", value="share_pct", ax=ax, label="{group} share")
    colours = group_colours(list(dict.fromkeys(gaps["force"])))
    for f in dict.fromkeys(gaps["force"]):
        split = gaps.loc[gaps["force"] == f, "split_pct"].iloc[0]
        ax.axhline(split, color=colours[str(f)], ls="--", lw=1, label=f"{f} agreed split {split:g}%")
    ax.set_ylabel("%")
    ax.set_ylim(0, 100)
    legend_outside(ax)
    figure_title(ax, "Cost split vs shares of demand and population",
                 synthetic=any("SYNTHETIC" in b for b in bases))
    fig.tight_layout()
    return fig


def plot_staffing_curve(aht_seconds: float, *, max_calls: int = 300, interval_seconds: float = 1800.0, **kwargs):
    """Agents needed against calls per interval (Erlang C), one combined vs two equal rooms."""
    import matplotlib.pyplot as plt

    from alliance_analysis.presentation.plots import PALETTE, apply_house_style, legend_outside, wrap_label

    apply_house_style()
    calls = np.arange(0, max_calls + 1, 5, dtype=float)
    one = erlang_c_staffing(calls, aht_seconds, interval_seconds=interval_seconds, **kwargs)
    half = erlang_c_staffing(calls / 2, aht_seconds, interval_seconds=interval_seconds, **kwargs)
    fig, ax = plt.subplots()
    ax.plot(calls, one["agents"], color=PALETTE[0], label="one combined control room")
    ax.plot(calls, 2 * half["agents"], color=PALETTE[1], ls="--", label="two rooms, demand split equally")
    ax.set_xlabel(f"calls per {int(interval_seconds / 60)} minutes")
    ax.set_ylabel("call handlers needed\n(before time off the phones)")
    legend_outside(ax)
    ax.set_title(wrap_label(f"Call handlers needed: one control room or two (calls take "
                            f"{aht_seconds / 60:g} minutes on average)", 60))
    fig.tight_layout()
    return fig


def plot_annual_rates(annual: pd.DataFrame, area: str, *, synthetic: bool = False):
    """Recorded crime per 1,000 residents of each year, by category, for one area (force or group).

    Examples
    --------
    >>> a = pd.DataFrame({"area": "A", "offence_group": ["Robbery", "Robbery"], "year": [2013, 2014],
    ...                   "rate_per_1000": [1.0, 1.2]})
    >>> len(plot_annual_rates(a, "A").axes[0].lines)
    1
    """
    import matplotlib.pyplot as plt

    from alliance_analysis.presentation.plots import (apply_house_style, figure_title, financial_year_axis,
                                                      group_colours, legend_outside, wrap_label)

    apply_house_style()
    cat = "offence_group" if "offence_group" in annual.columns else "crime_type"
    d = annual[annual["area"] == area]
    fig, ax = plt.subplots(figsize=(10, 5.5))
    order = d.groupby(cat)["rate_per_1000"].mean().sort_values(ascending=False).index
    colours = group_colours(list(order))
    for c in order:
        g = d[d[cat] == c].sort_values("year")
        ax.plot(g["year"], g["rate_per_1000"], marker="o", ms=2.5, color=colours[str(c)], label=wrap_label(c, 30))
    ax.set_xlabel("financial year")
    ax.set_ylabel("recorded per 1,000 residents a year")
    if len(d):
        financial_year_axis(ax, dates=False)
    legend_outside(ax, fontsize=7)
    figure_title(ax, wrap_label(f"{area}: recorded crime per 1,000 residents, year by year", 70), synthetic=synthetic)
    fig.tight_layout()
    return fig


def plot_volume_harm_years(volume_harm: pd.DataFrame, *, title: str):
    """Each Crime Severity Score offence group's share of volume (solid) and harm (dashed), year by year.

    Examples
    --------
    >>> v = pd.DataFrame({"year": [2013, 2014], "css_group": "Robbery", "volume_share_pct": [1.0, 1.1],
    ...                   "harm_share_pct": [6.0, 5.5]})
    >>> len(plot_volume_harm_years(v, title="x").axes[0].lines)
    2
    """
    import matplotlib.pyplot as plt

    from alliance_analysis.presentation.plots import (apply_house_style, figure_title, financial_year_axis,
                                                      group_colours, legend_outside, wrap_label)

    apply_house_style()
    fig, ax = plt.subplots(figsize=(10, 5.5))
    colours = group_colours(sorted(volume_harm["css_group"].astype(str).unique()))
    for g, d in volume_harm.groupby("css_group", sort=True):
        colour = colours[str(g)]
        ax.plot(d["year"], d["volume_share_pct"], color=colour, lw=1.5, label=f"{g}: volume")
        ax.plot(d["year"], d["harm_share_pct"], color=colour, lw=1.5, ls="--", label=f"{g}: harm")
    ax.set_xlabel("financial year (solid: share of crimes; dashed: share of harm)")
    ax.set_ylabel("% of all recorded crime")
    if len(volume_harm):
        financial_year_axis(ax, dates=False)
    legend_outside(ax, fontsize=7)
    figure_title(ax, wrap_label(title, 70))
    fig.tight_layout()
    return fig
