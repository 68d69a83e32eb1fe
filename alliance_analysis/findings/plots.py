"""Figures of the claims register."""

from __future__ import annotations

import pandas as pd


def plot_printed_vs_recomputed(register: pd.DataFrame):
    """Dot chart: relative difference (recomputed vs printed) for every checkable claim.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    from alliance_analysis.presentation.plots import apply_house_style

    apply_house_style()
    d = register.dropna(subset=["relative_difference"]).copy()
    d = d.sort_values("relative_difference")
    fig, ax = plt.subplots(figsize=(9, max(4, 0.22 * len(d))))
    colours = d["status"].map({"reproduced": "#2e7d32", "differs": "#c62828", "not directly comparable": "#f9a825"}).fillna("#757575")
    ax.scatter(d["relative_difference"] * 100, range(len(d)), c=colours, zorder=3)
    ax.axvline(0, color="black", lw=0.8)
    import textwrap

    from matplotlib.lines import Line2D

    ax.set_yticks(range(len(d)))
    ax.set_yticklabels([f"{i}  " + textwrap.shorten(str(c).split("[")[0].strip() or str(c).strip("[] "), 48,
                                                    placeholder=" ...")
                        for i, c in zip(d["id"], d["claim_as_printed"])], fontsize=7)
    ax.set_xlabel("recomputed minus printed, as % of the printed figure")
    ax.set_title("Source-paper claims recomputed: how far each is from the printed figure")
    handles = [Line2D([], [], marker="o", ls="", color=c, label=lab) for lab, c in
               (("checks out", "#2e7d32"), ("does not check out", "#c62828"), ("measures something different", "#f9a825"))]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    fig.tight_layout()
    return fig


def plot_table3(volumes: pd.DataFrame):
    """Table 3 (seed 002): six-month volumes for April-September 2012, 2013, 2014 by measure,
    indexed to 2012 = 100.

    Parameters
    ----------
    volumes : DataFrame
        ``load_seed_table("crime_volumes")``.
    """
    import matplotlib.pyplot as plt

    from alliance_analysis.presentation.plots import apply_house_style

    apply_house_style()
    six = volumes[volumes["period_label"].str.startswith("April")].copy()
    six["year"] = six["period_start"].str.slice(0, 4).astype(int)
    wide = six.pivot_table(index="year", columns="measure", values="value")
    index = wide / wide.iloc[0] * 100
    fig, ax = plt.subplots(figsize=(9, 5))
    for col in index.columns:
        ax.plot(index.index, index[col], marker="o", label=col)
    ax.axhline(100, color="grey", lw=0.8)
    ax.set_xticks(list(index.index))
    ax.set_xticklabels([f"Apr-Sep {y}" for y in index.index])
    ax.set_ylabel("index, Apr-Sep 2012 = 100")
    ax.set_title("West Mercia, Table 3: six-month volumes (new policing model from 30 Sep 2013)")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    return fig
