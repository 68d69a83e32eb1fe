"""Figures for the demand analysis."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from alliance_analysis.demand.staffing import erlang_c_staffing

log = logging.getLogger(__name__)


def plot_demand_heatmap(monthly: pd.DataFrame, *, title: str | None = None):
    """Heatmap of counts (rows category, columns period), for months or quarters, synthetic-labelled when needed.

    Examples
    --------
    >>> d = pd.DataFrame({"offence_group": ["Robbery", "Burglary"] * 2, "count": [1, 2, 3, 4],
    ...                   "quarter": pd.PeriodIndex(["2020Q1", "2020Q1", "2020Q2", "2020Q2"], freq="Q")})
    >>> plot_demand_heatmap(d).axes[0].get_title()
    'Quarterly recorded crime by offence group (all selected forces)'
    """
    import matplotlib.pyplot as plt

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
    im = ax.imshow(np.log10(wide.to_numpy(dtype=float) + 1), aspect="auto", cmap="viridis")
    ax.set_yticks(range(len(wide.index)))
    ax.set_yticklabels(wide.index, fontsize=8)
    step = max(1, len(wide.columns) // 12)
    ax.set_xticks(range(0, len(wide.columns), step))
    ax.set_xticklabels([str(c) for c in wide.columns[::step]], rotation=45, fontsize=8)
    ax.grid(False)
    fig.colorbar(im, ax=ax, label="log10(count + 1)")
    figure_title(ax, title, synthetic=is_synthetic(monthly))
    fig.tight_layout()
    return fig


def plot_volume_vs_harm(ranked: pd.DataFrame, *, synthetic: bool = False):
    """Paired bars: each crime type's share of volume and of harm."""
    import matplotlib.pyplot as plt

    from alliance_analysis.presentation.plots import apply_house_style, figure_title

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
    ax.legend()
    figure_title(ax, "Volume vs harm: where the harm is" if has_harm else "Volume only (no harm weights file given)",
                 synthetic=synthetic)
    fig.tight_layout()
    return fig


def plot_trends(trends: pd.DataFrame, *, synthetic: bool = False):
    """Annual % change with 95% intervals per series, coloured by classification."""
    import matplotlib.pyplot as plt

    from alliance_analysis.presentation.plots import apply_house_style, figure_title

    apply_house_style()
    t = trends.dropna(subset=["annual_change"]).sort_values("annual_change").reset_index(drop=True)
    cat = "offence_group" if "offence_group" in t.columns else "crime_type"
    label = t[cat] + (" (" + t["force"] + ")" if "force" in t.columns else "")
    colours = t["trend"].map({"rising": "#c62828", "diminishing": "#1565c0", "stable": "#757575"})
    fig, ax = plt.subplots(figsize=(9, max(4, 0.25 * len(t))))
    ax.errorbar(t["annual_change"] * 100, range(len(t)),
                xerr=[(t["annual_change"] - t["ci_low"]) * 100, (t["ci_high"] - t["annual_change"]) * 100],
                fmt="none", ecolor="#9e9e9e")
    ax.scatter(t["annual_change"] * 100, range(len(t)), c=colours, zorder=3)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(range(len(t)))
    ax.set_yticklabels(label, fontsize=7)
    ax.set_xlabel("annual change, % (95% CI); red rising, blue diminishing, grey stable")
    figure_title(ax, "Rising and diminishing demand", synthetic=synthetic)
    fig.tight_layout()
    return fig


def plot_share_vs_split(gaps: pd.DataFrame):
    """Each force's share on each basis against its agreed cost share."""
    import matplotlib.pyplot as plt

    from alliance_analysis.presentation.plots import apply_house_style, figure_title, force_colour, grouped_bars

    apply_house_style()
    fig, ax = plt.subplots(figsize=(9, 4.5))
    bases = grouped_bars(gaps, category="basis", group="force", value="share_pct", ax=ax, label="{group} share")
    for i, f in enumerate(dict.fromkeys(gaps["force"])):
        split = gaps.loc[gaps["force"] == f, "split_pct"].iloc[0]
        ax.axhline(split, color=force_colour(f, i), ls="--", lw=1, label=f"{f} agreed split {split:g}%")
    ax.tick_params(axis="x", labelrotation=10)
    ax.set_ylabel("%")
    ax.set_ylim(0, 100)
    ax.legend(fontsize=7, ncol=2, loc="upper center")
    figure_title(ax, "Cost split vs shares of demand and population",
                 synthetic=any("SYNTHETIC" in b for b in bases))
    fig.tight_layout()
    return fig


def plot_staffing_curve(aht_seconds: float, *, max_calls: int = 300, interval_seconds: float = 1800.0, **kwargs):
    """Agents needed against calls per interval (Erlang C), one combined vs two equal rooms."""
    import matplotlib.pyplot as plt

    from alliance_analysis.presentation.plots import apply_house_style

    apply_house_style()
    calls = np.arange(0, max_calls + 1, 5, dtype=float)
    one = erlang_c_staffing(calls, aht_seconds, interval_seconds=interval_seconds, **kwargs)
    half = erlang_c_staffing(calls / 2, aht_seconds, interval_seconds=interval_seconds, **kwargs)
    fig, ax = plt.subplots()
    ax.plot(calls, one["agents"], label="one combined control room")
    ax.plot(calls, 2 * half["agents"], label="two rooms, demand split equally")
    ax.set_xlabel(f"calls per {int(interval_seconds / 60)} minutes")
    ax.set_ylabel("call handlers needed (before shrinkage)")
    ax.legend()
    ax.set_title(f"Erlang C staffing, AHT {aht_seconds:g} s")
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

    from alliance_analysis.presentation.plots import apply_house_style, figure_title

    apply_house_style()
    cat = "offence_group" if "offence_group" in annual.columns else "crime_type"
    d = annual[annual["area"] == area]
    fig, ax = plt.subplots(figsize=(10, 5.5))
    order = d.groupby(cat)["rate_per_1000"].mean().sort_values(ascending=False).index
    for c in order:
        g = d[d[cat] == c].sort_values("year")
        ax.plot(g["year"], g["rate_per_1000"], marker="o", ms=2.5, label=c)
    ax.set_xlabel("financial year (first calendar year)")
    ax.set_ylabel("recorded per 1,000 residents a year")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    figure_title(ax, f"{area}: recorded crime per 1,000 residents, year by year", synthetic=synthetic)
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

    from alliance_analysis.presentation.plots import apply_house_style, figure_title, force_colour

    apply_house_style()
    fig, ax = plt.subplots(figsize=(10, 5.5))
    for i, (g, d) in enumerate(volume_harm.groupby("css_group", sort=True)):
        colour = force_colour(g, i)
        ax.plot(d["year"], d["volume_share_pct"], color=colour, lw=1.5, label=f"{g}: volume")
        ax.plot(d["year"], d["harm_share_pct"], color=colour, lw=1.5, ls="--", label=f"{g}: harm")
    ax.set_xlabel("financial year (first calendar year)")
    ax.set_ylabel("% of all recorded crime")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    figure_title(ax, title)
    fig.tight_layout()
    return fig
