"""Charts in the house style: a process control chart per measure and a funnel plot against forces.

Colours follow NHS "Making Data Count": blue for a signal of improvement, orange for a
signal of concern, purple for a change on a measure with no better direction, grey for
common-cause variation.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import matplotlib.ticker as mticker
import numpy as np
import pandas as pd

from alliance_analysis.performance import funnelplot as fn
from alliance_analysis.performance.measures import MEASURES
from alliance_analysis.presentation import plots as house

IMPROVING, CONCERN, NEUTRAL, COMMON = "#0d47a1", "#f57f17", "#6a1b9a", "#757575"
#: open circles: police.uk months whose outcomes are still coming in (drawn, not judged)
MATURING = "#00838f"

#: what a funnel plot's horizontal axis counts, per measure (the denominator of its rate)
DENOMINATOR_WORDS = {
    "crime_per_1000": "residents", "harm_per_1000": "residents", "arrests_per_1000": "residents",
    "stop_search_per_1000": "residents", "officers_per_1000": "residents", "arrests_per_100_crimes": "recorded crimes",
    "stop_search_arrest_share": "searches", "harm_per_officer": "officers", "charge_rate": "crimes",
    "no_suspect_share": "crimes", "evidential_victim_supports_share": "crimes",
    "evidential_no_victim_support_share": "crimes", "out_of_court_share": "crimes",
}


def _signal_colour(direction: int, polarity: int) -> str:
    if direction == 0:
        return COMMON
    if polarity == 0:
        return NEUTRAL
    return IMPROVING if direction * polarity > 0 else CONCERN


def _time_axis(ax: plt.Axes, starts: pd.Series, frequency: str) -> None:
    if frequency == "month":
        house.financial_year_month_axis(ax)   # "2022/23" on each 1 April; months named on short spans
        ax.set_xlabel("financial year (April to March)")
    elif frequency == "quarter" and len(starts) <= 12:
        ax.set_xticks(list(starts))
        ax.set_xticklabels([house.fy_label_of(d.year if d.month >= 4 else d.year - 1) + f" Q{((d.month - 4) % 12) // 3 + 1}"
                            for d in starts], rotation=45, ha="right", rotation_mode="anchor")
    else:
        house.financial_year_axis(ax)


def plot_spc(flags: pd.DataFrame, starts: pd.Series, *, measure: str, unit: str, frequency: str = "year",
             title: str | None = None, maturing: pd.DataFrame | None = None) -> plt.Figure:
    """A process control chart: values, average, limits, and the points that signal.

    ``flags``: from :func:`spc.special_causes`; ``starts``: each point's period start (dates);
    ``maturing``: later points (``period_start``, ``value``) drawn as open circles and not judged
    (police.uk months whose outcomes are still coming in).
    """
    m = MEASURES[measure]
    house.apply_house_style()
    fig, ax = plt.subplots(figsize=(8, 3.6), layout="constrained")
    x = pd.to_datetime(pd.Series(starts)).reset_index(drop=True)
    ax.plot(x, flags["value"], color=COMMON, marker="o", ms=4, lw=1.2, label=house.wrap_label(unit, 28))
    ax.plot(x, flags["centre"], color="#212121", lw=1, ls="-", label="average")
    ax.plot(x, flags["upper"], color="#212121", lw=1, ls="--", label="process limits")
    ax.plot(x, flags["lower"], color="#212121", lw=1, ls="--")
    # one legend entry per meaning: improvement / concern, or (no better direction) change either way
    for ds in (((1,), (-1,)) if m.polarity else ((1, -1),)):
        sel = (flags["signal"] & flags["direction"].isin(ds)).to_numpy()
        if sel.any():
            word = "improvement" if ds[0] * m.polarity > 0 else "concern" if m.polarity else "change"
            ax.scatter(x[sel], flags["value"][sel], color=_signal_colour(ds[0], m.polarity), zorder=3, s=36,
                       label=f"signal of {word}")
    if maturing is not None and len(maturing):
        ax.scatter(pd.to_datetime(maturing["period_start"]), maturing["value"], facecolor="none", edgecolor=MATURING,
                   s=30, zorder=3, label="outcomes still coming in (not judged)")
    ax.set_ylabel(m.unit)
    house.figure_title(ax, house.wrap_label(title or f"{m.label}: {unit}", 50))
    _time_axis(ax, x, frequency)
    house.legend_outside(ax)
    return fig


def plot_funnel(f: pd.DataFrame, *, measure: str, highlight: str | list[str], comparison: str,
                title: str | None = None) -> plt.Figure:
    """A funnel plot: every unit's value against its denominator, with 95% and 99.8% limits."""
    m = MEASURES[measure]
    hl = [highlight] if isinstance(highlight, str) else list(highlight)
    scale = f.attrs.get("scale", 1.0)
    curve = fn.funnel_curve(f.attrs["target"] / scale, f.attrs["tau2"], f.attrs["kind"], f["denominator"].min() * 0.8,
                            f["denominator"].max() * 1.2, method=f.attrs["method"], phi=f.attrs["phi"], scale=scale)
    house.apply_house_style()
    fig, ax = plt.subplots(figsize=(8, 3.8), layout="constrained")
    ax.plot(curve["denominator"], curve["upper_95"], color="#212121", ls="--", lw=1, label="95% limits")
    ax.plot(curve["denominator"], curve["lower_95"], color="#212121", ls="--", lw=1)
    ax.plot(curve["denominator"], curve["upper_998"], color="#212121", ls="-", lw=1, label="99.8% limits")
    ax.plot(curve["denominator"], curve["lower_998"], color="#212121", ls="-", lw=1)
    ax.axhline(f.attrs["target"], color=COMMON, lw=0.8)
    others = ~f.index.isin(hl)
    ax.scatter(f.loc[others, "denominator"], f.loc[others, "value"], color="#90a4ae", s=18, label=comparison)
    colours = house.group_colours(hl)
    for h in hl:
        if h in f.index:
            ax.scatter([f.loc[h, "denominator"]], [f.loc[h, "value"]], color=colours[h], s=60, zorder=3, label=house.wrap_label(h, 28),
                       edgecolor="black")
    ax.set_xscale("log")
    ax.xaxis.set_major_locator(mticker.LogLocator(subs=(1.0, 2.0, 5.0)))
    ax.xaxis.set_minor_locator(mticker.NullLocator())
    ax.xaxis.set_major_formatter(mticker.FuncFormatter(lambda v, _pos: f"{v:,.0f}"))
    ax.set_xlabel(f"size of force: {DENOMINATOR_WORDS.get(measure, 'denominator of the rate')} (log scale)")
    ax.set_ylabel(m.unit)
    house.figure_title(ax, house.wrap_label(title or f"{m.label} against {comparison}", 50))
    house.legend_outside(ax)
    return fig


def figure_png(fig: plt.Figure) -> bytes:
    """The figure as PNG bytes (closed afterwards, so notebooks do not show it twice)."""
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    plt.close(fig)
    return buf.getvalue()


def finite(values: pd.Series) -> np.ndarray:
    """Values as floats with non-finite ones dropped."""
    a = np.asarray(values, dtype=float)
    return a[np.isfinite(a)]
