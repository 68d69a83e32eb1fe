"""Charts for the evaluation results; declared data breaks are shaded."""

from __future__ import annotations

import logging

import pandas as pd

from alliance_analysis.evaluation.its import ITSResult
from alliance_analysis.evaluation.sc import SyntheticControlResult

log = logging.getLogger(__name__)


def _shade_breaks(ax, b: pd.DataFrame) -> None:
    if b is None or b.empty:
        return
    lo, hi = ax.get_xlim()
    import matplotlib.dates as mdates

    for i, r in enumerate(b.itertuples()):
        start = pd.Timestamp(r.start)
        end = pd.Timestamp(r.end) if r.end else mdates.num2date(hi).replace(tzinfo=None)
        ax.axvspan(start, end, color="#9e9e9e", alpha=0.2, lw=0,
                   label="declared data break" if i == 0 else None)
    ax.set_xlim(lo, hi)


def plot_counterfactual(its: ITSResult, *, title: str, change_date: str, synthetic: bool = False):
    """Observed series, fitted model and the no-change counterfactual with its 95% band; breaks shaded."""
    import matplotlib.pyplot as plt

    from alliance_analysis.presentation.plots import apply_house_style, figure_title

    apply_house_style()
    f = its.fitted
    pc = its.period_column
    x = f[pc].dt.to_timestamp()
    fig, ax = plt.subplots()
    ax.plot(x, f["count"], color="#424242", lw=1, label="observed")
    ax.plot(x, f["fitted"], color="#0d47a1", label="model")
    post = f["post"]
    ax.plot(x[post], f.loc[post, "counterfactual"], color="#c62828", ls="--", label="counterfactual (no change)")
    ax.fill_between(x[post], f.loc[post, "cf_low"], f.loc[post, "cf_high"], color="#c62828", alpha=0.15)
    ax.axvline(pd.Period(change_date, f[pc].dtype.freq).to_timestamp(), color="black", lw=0.8)
    _shade_breaks(ax, its.data_breaks)
    ax.set_ylabel(f"count per {pc}")
    ax.legend(fontsize=8)
    figure_title(ax, title, synthetic=synthetic)
    fig.tight_layout()
    return fig


def plot_synthetic_control(sc: SyntheticControlResult, *, title: str, change_date: str, synthetic: bool = False):
    """Treated force against its synthetic control (method in the legend); breaks shaded."""
    import matplotlib.pyplot as plt

    from alliance_analysis.presentation.plots import apply_house_style, figure_title

    apply_house_style()
    pc = sc.period_column
    x = sc.path[pc].dt.to_timestamp()
    fig, ax = plt.subplots()
    ax.plot(x, sc.path["treated"], label="treated force")
    ax.plot(x, sc.path["synthetic"], ls="--", label=f"synthetic control ({sc.method}, weighted peers)")
    ax.axvline(pd.Period(change_date, sc.path[pc].dtype.freq).to_timestamp(), color="black", lw=0.8)
    _shade_breaks(ax, sc.data_breaks)
    ax.legend(fontsize=8)
    figure_title(ax, title, synthetic=synthetic)
    fig.tight_layout()
    return fig


def plot_fan(result, series: dict, *, title: str, synthetic: bool = False):
    """History and the selected model's forecast with 80% and 95% bands for one series."""
    import matplotlib.pyplot as plt

    from alliance_analysis.presentation.plots import apply_house_style, figure_title

    apply_house_style()
    h = result.history
    f = result.forecasts[result.forecasts["is_selected"]]
    for k, v in series.items():
        h = h[h[k] == v]
        f = f[f[k] == v]
    hh = h.groupby("month")["count"].sum()
    fig, ax = plt.subplots()
    ax.plot(hh.index.to_timestamp(), hh.to_numpy(), color="#424242", label="history")
    x = f["month"].dt.to_timestamp()
    ax.fill_between(x, f["lo_95"], f["hi_95"], alpha=0.15, color="#0d47a1", label="95%")
    ax.fill_between(x, f["lo_80"], f["hi_80"], alpha=0.3, color="#0d47a1", label="80%")
    ax.plot(x, f["mean"], color="#0d47a1", label=f"forecast ({f['model'].iloc[0]})")
    ax.legend(fontsize=8)
    figure_title(ax, title, synthetic=synthetic)
    fig.tight_layout()
    return fig
