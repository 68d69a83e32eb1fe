"""House style for every figure, and the synthetic-data label.

Every figure built from synthetic data must say so in its title; use
:func:`figure_title` with ``synthetic=is_synthetic(df)``.

Examples
--------
>>> import pandas as pd
>>> label_title("Monthly demand", synthetic=True)
'Monthly demand [SYNTHETIC DATA]'
>>> is_synthetic(pd.DataFrame({"synthetic": [True, False]}))
True
"""

from __future__ import annotations

import math

import matplotlib as mpl
import matplotlib.pyplot as plt
import pandas as pd

SYNTHETIC_TAG = "[SYNTHETIC DATA]"

#: Colour per force for consistent figures across notebooks.
FORCE_COLOURS: dict[str, str] = {
    "West Mercia": "#1b5e20",
    "Warwickshire": "#b71c1c",
    "Devon and Cornwall": "#0d47a1",
    "Dorset": "#f57f17",
    "Gloucestershire": "#6a1b9a",
}
#: Twelve colours a reader can tell apart (dark and light pairs of different hues); more groups
#: than this call for small multiples (one panel per group), not more colours.
PALETTE = ["#0d47a1", "#b71c1c", "#1b5e20", "#f57f17", "#6a1b9a", "#00838f", "#4e342e", "#546e7a",
           "#d81b60", "#9e9d24", "#64b5f6", "#ffb74d"]


def group_colours(names: "list[str] | tuple[str, ...] | pd.Index") -> dict[str, str]:
    """One distinct colour per name: the house colour of a known force, else the next unused palette colour.

    Up to 12 names never share a colour; beyond 12, colours come from matplotlib's
    ``tab20`` (still distinct up to 20) and a chart should rather use small multiples.

    Examples
    --------
    >>> c = group_colours(["Dorset", "Kent", "Essex", "Warwickshire"])
    >>> c["Dorset"], c["Warwickshire"], len(set(c.values()))
    ('#f57f17', '#b71c1c', 4)
    >>> len(set(group_colours([f"F{i}" for i in range(12)]).values()))
    12
    """
    names = list(dict.fromkeys(map(str, names)))
    out = {n: FORCE_COLOURS[n] for n in names if n in FORCE_COLOURS}
    free = [c for c in PALETTE if c not in out.values()]
    if len(names) > len(PALETTE):
        import matplotlib

        free = [mpl.colors.to_hex(c) for c in matplotlib.colormaps["tab20"].colors]
        out = {}
    for n in names:
        if n not in out:
            out[n] = free.pop(0) if free else "#757575"
    return out


def fy_label_of(year: int) -> str:
    """``2022`` -> ``"2022/23"`` (the financial year starting in April of ``year``).

    Examples
    --------
    >>> fy_label_of(1999), fy_label_of(2022)
    ('1999/00', '2022/23')
    """
    return f"{int(year)}/{(int(year) + 1) % 100:02d}"


def financial_year_axis(ax: plt.Axes, *, axis: str = "x", dates: bool = True, max_ticks: int = 10) -> None:
    """Tick an axis by financial year, labelled ``"2022/23"``, never ``2022.5``.

    ``dates=True``: the axis holds dates (e.g. ``period.to_timestamp()``); ticks fall on
    1 April. ``dates=False``: the axis holds financial-year start years as numbers (2022
    for 2022/23); ticks fall on whole years. At most ``max_ticks`` labels (every 2nd, 3rd,
    ... year when the span is long), rotated when crowded.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> _ = ax.plot([2012, 2013, 2014], [1, 2, 3])
    >>> financial_year_axis(ax, dates=False)
    >>> fig.canvas.draw(); [t.get_text() for t in ax.get_xticklabels()]
    ['2012/13', '2013/14', '2014/15']
    >>> plt.close(fig)
    """
    import matplotlib.dates as mdates
    import matplotlib.ticker as mticker

    target = ax.xaxis if axis == "x" else ax.yaxis
    lo, hi = (ax.get_xlim() if axis == "x" else ax.get_ylim())
    if dates:
        import datetime as _dt

        aprils = [mdates.date2num(_dt.datetime(y, 4, 1)) for y in range(mdates.num2date(lo).year,
                                                                        mdates.num2date(hi).year + 1)]
        aprils = [a for a in aprils if lo <= a <= hi]
        step = max(1, -(-len(aprils) // max_ticks))
        target.set_major_locator(mticker.FixedLocator(aprils[::step]))
        target.set_major_formatter(mticker.FuncFormatter(
            lambda v, _pos: fy_label_of(mdates.num2date(v).year if mdates.num2date(v).month >= 4
                                        else mdates.num2date(v).year - 1)))
        target.set_minor_locator(mticker.NullLocator())
    else:
        first, last = int(math.ceil(lo)), int(math.floor(hi))
        step = max(1, -(-(last - first + 1) // max_ticks))
        target.set_major_locator(mticker.FixedLocator(list(range(first, last + 1, step))))
        target.set_major_formatter(mticker.FuncFormatter(lambda v, _pos: fy_label_of(round(v))))
    if axis == "x":
        n = len([t for t in target.get_major_locator()() if lo <= t <= hi])
        if n > 6:
            plt.setp(ax.get_xticklabels(), rotation=45, ha="right", rotation_mode="anchor")


def thousands_axis(ax: plt.Axes, *, axis: str = "y") -> None:
    """Label an axis's numbers with thousands separators ("50,000", never "50000" or "5e4").

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> _ = ax.plot([0, 1], [0, 50_000])
    >>> thousands_axis(ax)
    >>> ax.yaxis.get_major_formatter()(50_000, 0)
    '50,000'
    >>> plt.close(fig)
    """
    import matplotlib.ticker as mticker

    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(mticker.FuncFormatter(lambda v, _pos: f"{v:,.0f}"))


def financial_year_month_axis(ax: plt.Axes, *, short_months: int = 30) -> None:
    """A monthly time axis: financial years labelled on 1 April ("2019/20"), a small tick each month,
    and, when the axis spans at most ``short_months`` months, the months January, April, July and
    October named ("Jan") on a line above the years, so a year of data is readable month by month.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> _ = ax.plot(pd.period_range("2019-01", "2019-12", freq="M").to_timestamp(), range(12))
    >>> financial_year_month_axis(ax)
    >>> fig.canvas.draw(); [t.get_text() for t in ax.get_xticklabels()]
    ['2019/20']
    >>> [t.get_text() for t in ax.get_xticklabels(minor=True) if t.get_text()]
    ['Jan', 'Apr', 'Jul', 'Oct']
    >>> plt.close(fig)
    """
    import matplotlib.dates as mdates

    financial_year_axis(ax)
    lo, hi = ax.get_xlim()
    if (hi - lo) / 30.44 <= short_months:
        ax.xaxis.set_minor_locator(mdates.MonthLocator(bymonth=(1, 4, 7, 10)))
        ax.xaxis.set_minor_formatter(mdates.DateFormatter("%b"))
        ax.xaxis.remove_overlapping_locs = False   # "Apr" above each year's label too
        ax.tick_params(axis="x", which="minor", labelsize=7, length=3)
        ax.tick_params(axis="x", which="major", pad=14)
        plt.setp(ax.get_xticklabels(), rotation=0, ha="center")
    else:
        ax.xaxis.set_minor_locator(mdates.MonthLocator())


def legend_outside(ax: plt.Axes, *, title: str | None = None, ncol: int = 1, **kwargs) -> None:
    """A legend beside the plot (right), so it never covers a bar or a line.

    Call ``fig.tight_layout()`` (or use ``layout="constrained"``) afterwards so nothing is cut.
    """
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        ax.legend(handles, labels, title=title, loc="upper left", bbox_to_anchor=(1.01, 1.0), ncol=ncol,
                  borderaxespad=0.0, fontsize=kwargs.pop("fontsize", 8), **kwargs)


def apply_house_style() -> None:
    """Set matplotlib defaults: readable fonts, light grid, no top/right spines."""
    mpl.rcParams.update(
        {
            "figure.figsize": (9, 5),
            "figure.dpi": 100,
            "savefig.dpi": 100,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.titlesize": 12,
            "axes.titleweight": "bold",
            "axes.labelsize": 10,
            "legend.frameon": False,
            "axes.prop_cycle": mpl.cycler(color=PALETTE),
            "svg.hashsalt": "alliance-analysis",
        }
    )


def is_synthetic(df: pd.DataFrame | None) -> bool:
    """True if ``df`` carries synthetic data (a True ``synthetic`` column or attr).

    Examples
    --------
    >>> is_synthetic(pd.DataFrame({"count": [1]}))
    False
    """
    if df is None:
        return False
    if bool(getattr(df, "attrs", {}).get("synthetic", False)):
        return True
    return "synthetic" in df.columns and bool(df["synthetic"].astype(bool).any())


def label_title(text: str, *, synthetic: bool = False) -> str:
    """Return ``text`` with the synthetic tag appended when ``synthetic``."""
    return f"{text} {SYNTHETIC_TAG}" if synthetic and SYNTHETIC_TAG not in text else text


def figure_title(target: plt.Axes | plt.Figure, text: str, *, synthetic: bool = False) -> None:
    """Set an axes title (or figure suptitle) carrying the synthetic tag when needed."""
    title = label_title(text, synthetic=synthetic)
    if isinstance(target, plt.Figure):
        target.suptitle(title, fontweight="bold")
    else:
        target.set_title(title)


def force_colour(force: str, i: int = 0) -> str:
    """Consistent colour for a force (palette fallback by index; prefer :func:`group_colours`
    for a whole legend, which never repeats a colour up to 12 groups).

    Forces without a house colour take, by index, the palette colours no named force uses
    first, so a legend of known and unknown forces does not repeat a colour.

    Examples
    --------
    >>> force_colour("Kent", 0) != force_colour("Devon and Cornwall")
    True
    """
    if force in FORCE_COLOURS:
        return FORCE_COLOURS[force]
    order = [c for c in PALETTE if c not in FORCE_COLOURS.values()] + [c for c in PALETTE if c in FORCE_COLOURS.values()]
    return order[i % len(order)]


def plot_monthly_totals(df: pd.DataFrame, *, title: str = "Monthly recorded crime and ASB by force"):
    """Line chart of monthly totals per force; titled synthetic when the data is.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> d = pd.DataFrame({"force": ["A", "A"], "month": pd.PeriodIndex(["2020-01", "2020-02"], freq="M"),
    ...                   "crime_type": ["Drugs", "Drugs"], "count": [3, 4], "synthetic": [True, True]})
    >>> plot_monthly_totals(d).axes[0].get_title().endswith("[SYNTHETIC DATA]")
    True
    """
    apply_house_style()
    tot = df.groupby(["force", "month"], as_index=False)["count"].sum()
    fig, ax = plt.subplots()
    colours = group_colours(sorted(tot["force"].unique()))
    for force, g in tot.groupby("force"):
        ax.plot(g["month"].dt.to_timestamp(), g["count"], label=force, color=colours[str(force)])
    ax.set_ylabel("records per month")
    financial_year_axis(ax)
    legend_outside(ax)
    figure_title(ax, title, synthetic=is_synthetic(df))
    fig.tight_layout()
    return fig


def grouped_bars(table: pd.DataFrame, *, category: str, group: str, value: str, ax: plt.Axes,
                 label: str = "{group}") -> list[str]:
    """Bars of ``value`` per ``category`` (x axis), one bar per ``group`` (forces), house colours.

    Returns the categories in plotting order.

    Examples
    --------
    >>> fig, ax = plt.subplots()
    >>> t = pd.DataFrame({"c": ["x", "x", "y", "y"], "force": ["A", "B", "A", "B"], "v": [1, 2, 3, 4]})
    >>> grouped_bars(t, category="c", group="force", value="v", ax=ax)
    ['x', 'y']
    """
    import numpy as np

    cats = list(dict.fromkeys(table[category]))
    groups = list(dict.fromkeys(table[group]))
    width = 0.8 / len(groups)
    colours = group_colours(groups)
    for i, g in enumerate(groups):
        sub = table[table[group] == g].set_index(category).reindex(cats)
        ax.bar(np.arange(len(cats)) + i * width, sub[value], width, label=label.format(group=g),
               color=colours[str(g)])
    ax.set_xticks(np.arange(len(cats)) + width * (len(groups) - 1) / 2)
    ax.set_xticklabels([wrap_label(c) for c in cats], fontsize=8)
    return cats


def wrap_label(text: object, width: int = 16) -> str:
    """A tick or legend label wrapped between words (never cut mid-word).

    Examples
    --------
    >>> wrap_label("Violence against the person", 12).split(chr(10))
    ['Violence', 'against the', 'person']
    """
    import textwrap

    return "\n".join(textwrap.wrap(str(text), width, break_long_words=False, break_on_hyphens=False)) or str(text)


def describe_figure(fig: "mpl.figure.Figure") -> str:
    """Plain-text description of a figure from its suptitle and axes titles and labels (for alt text).

    Examples
    --------
    >>> fig, ax = plt.subplots(); _ = ax.set_title("Crime by year"); _ = ax.set_ylabel("offences")
    >>> describe_figure(fig)
    'Crime by year (y: offences)'
    >>> plt.close(fig)
    """
    parts = []
    sup = getattr(fig, "_suptitle", None)
    if sup is not None and sup.get_text().strip():
        parts.append(sup.get_text().strip())
    for ax in fig.get_axes():
        title = " ".join(t for t in (ax.get_title("left"), ax.get_title(), ax.get_title("right")) if t.strip())
        labels = ", ".join(f"{k}: {v}" for k, v in (("x", ax.get_xlabel()), ("y", ax.get_ylabel())) if v.strip())
        if title or labels:
            parts.append(title + (f" ({labels})" if labels else "") if title else f"panel ({labels})")
    text = "; ".join(" ".join(p.split()) for p in parts)
    return text.replace("|", "/").replace(">", ")")[:600]


def install_kernel_hooks() -> None:
    """In a report kernel: make a figure's repr carry its titles, so the report's alt text can use them.

    Called by the report runner at kernel start; harmless elsewhere.
    """
    from matplotlib.figure import Figure

    if getattr(Figure.__repr__, "_alliance", False):
        return
    original = Figure.__repr__

    def _repr(self: Figure) -> str:
        base = original(self)
        try:
            desc = describe_figure(self)
        except Exception:  # noqa: BLE001 - a repr must never fail
            desc = ""
        return base[:-1] + f"| {desc}>" if desc and base.endswith(">") else base

    _repr._alliance = True  # type: ignore[attr-defined]
    Figure.__repr__ = _repr  # type: ignore[method-assign]
