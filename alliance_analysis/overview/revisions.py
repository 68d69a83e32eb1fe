"""Revisions between the 2019 rolling release and the October 2023 quarterly release."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from alliance_analysis.overview._common import _shipped_releases
from alliance_analysis.errors import DataValidationError, ParameterError


@dataclass(frozen=True)
class RevisionTables:
    """Revisions between the 2019 rolling release and the October 2023 quarterly release.

    Attributes
    ----------
    by_force_year : DataFrame
        ``force``, ``financial_year``, ``release_2019``, ``release_2023``, ``difference``,
        ``percent`` (total recorded crime excluding fraud; complete years both give).
    largest : DataFrame
        The largest absolute revisions by force x offence group x financial year.
    """

    by_force_year: pd.DataFrame
    largest: pd.DataFrame


def revision_tables(rev: pd.DataFrame, *, top: int = 10) -> RevisionTables:
    """Totals and largest revisions from :func:`alliance_analysis.series.longseries.revisions`
    (``freq="financial_year"``) output.

    Examples
    --------
    >>> rev = pd.DataFrame({"force": "A", "offence_group": ["Robbery", "Theft"], "financial_year": "2015/16",
    ...                     "release_2019": [10, 100], "release_2023": [12, 95]})
    >>> t = revision_tables(rev)
    >>> t.by_force_year[["release_2019", "release_2023", "difference"]].values.tolist()
    [[110, 107, -3]]
    >>> t.largest["offence_group"].tolist()
    ['Theft', 'Robbery']
    """
    if top < 1:
        raise ParameterError(f"top must be at least 1, got {top}")
    need = ["force", "offence_group", "financial_year", "release_2019", "release_2023"]
    miss = [c for c in need if c not in rev.columns]
    if miss:
        raise DataValidationError("revisions frame lacks columns", column=", ".join(miss),
                                  fix="pass longseries.revisions(..., freq='financial_year') output")
    r = rev[need].copy()
    r["difference"] = r["release_2023"] - r["release_2019"]
    tot = r.groupby(["force", "financial_year"], as_index=False, sort=True)[["release_2019", "release_2023"]].sum()
    for d in (r, tot):
        d["difference"] = d["release_2023"] - d["release_2019"]
        d["percent"] = (d["difference"] / d["release_2019"].where(d["release_2019"] != 0) * 100).astype("float64")
    big = r[r["difference"] != 0].assign(_abs=lambda d: d["difference"].abs())
    big = big.sort_values(["_abs", "force", "offence_group", "financial_year"],
                          ascending=[False, True, True, True]).drop(columns="_abs").head(top)
    return RevisionTables(tot.reset_index(drop=True), big.reset_index(drop=True))


def release_revisions(forces: Sequence[str]) -> pd.DataFrame:
    """Revisions by force x offence group x financial year between the shipped releases
    (the 2019 rolling table, derived to quarters, and the Oct 2023 quarterly table).

    Examples
    --------
    >>> r = release_revisions(["West Mercia"])
    >>> int(r[r["financial_year"] == "2015/16"]["release_2019"].sum())
    72599
    """
    from alliance_analysis import clean
    from alliance_analysis.series import longseries

    wanted = clean.resolve_forces(list(forces))
    rolling, prc = _shipped_releases()
    rolling = rolling[rolling["force"].isin(wanted).to_numpy()]
    prc = prc[prc["force"].isin(wanted).to_numpy()]
    if "force_type" in rolling.columns:
        rolling = rolling[(rolling["force_type"] == "territorial").to_numpy()]
    if "force_type" in prc.columns:
        prc = prc[(prc["force_type"] == "territorial").to_numpy()]
    if rolling.empty or prc.empty:
        return pd.DataFrame(columns=["force", "offence_group", "financial_year", "release_2019", "release_2023",
                                     "difference", "percent"])
    keep = [c for c in ("force", "offence", "period_end", "rolling_total") if c in rolling.columns]
    derived = longseries.quarterly_from_rolling(rolling[keep], prc)
    return longseries.revisions(derived, prc, freq="financial_year")


def plot_revisions(by_force_year: pd.DataFrame, *, synthetic: bool = False,
                   title: str = "Recorded crime (excluding fraud): Oct 2023 release against 2019 release"):
    """Bar chart of the revision (Oct 2023 release minus 2019 release) per force and year.

    Examples
    --------
    >>> t = pd.DataFrame({"force": ["A", "A"], "financial_year": ["2014/15", "2015/16"], "difference": [0, 5],
    ...                   "percent": [0.0, 2.0]})
    >>> fig = plot_revisions(t)
    >>> fig.axes[0].get_ylabel()
    'Revision (% of the 2019 figure)'
    """
    import matplotlib.pyplot as plt

    from alliance_analysis.presentation import plots

    plots.apply_house_style()
    w = by_force_year.pivot(index="financial_year", columns="force", values="percent").sort_index()
    fig, ax = plt.subplots(figsize=(9, 4.5))
    n = max(1, w.shape[1])
    width = 0.8 / n
    x = np.arange(len(w))
    colours = plots.group_colours(list(w.columns))
    for i, f in enumerate(w.columns):   # a year missing from a release draws no bar (never a zero)
        ax.bar(x + (i - (n - 1) / 2) * width, w[f].to_numpy(dtype=float), width, label=f, color=colours[str(f)])
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xticks(x, w.index)
    ax.set_xlabel("Financial year")
    ax.set_ylabel("Revision (% of the 2019 figure)")
    plots.legend_outside(ax, title="Force")
    plots.figure_title(ax, title, synthetic=synthetic)
    fig.tight_layout()
    return fig
