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
PALETTE = ["#0d47a1", "#b71c1c", "#1b5e20", "#f57f17", "#6a1b9a", "#00838f", "#4e342e", "#546e7a"]


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
    """Consistent colour for a force (palette fallback by index)."""
    return FORCE_COLOURS.get(force, PALETTE[i % len(PALETTE)])


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
    for i, (force, g) in enumerate(tot.groupby("force")):
        ax.plot(g["month"].dt.to_timestamp(), g["count"], label=force, color=force_colour(force, i))
    ax.set_ylabel("records per month")
    ax.legend(fontsize=8, ncol=2)
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
    for i, g in enumerate(groups):
        sub = table[table[group] == g].set_index(category).reindex(cats)
        ax.bar(np.arange(len(cats)) + i * width, sub[value], width, label=label.format(group=g),
               color=force_colour(g, i))
    ax.set_xticks(np.arange(len(cats)) + width * (len(groups) - 1) / 2)
    ax.set_xticklabels(cats, fontsize=8)
    return cats


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
