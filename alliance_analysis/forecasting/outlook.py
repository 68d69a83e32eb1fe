"""Forecast outlook of a crime series: backtest-selected forecasts, honest accuracy, coherent totals.

:func:`forecast_outlook` prepares the series of the chosen forces and categories (periods
missing inside a series are zeros: police.uk and Home Office tables list only non-zero
combinations; a period absent from the whole source is a gap and stops the forecast with a
sentence saying so), runs :func:`alliance_analysis.forecasting.forecast_many` with its
nested design (models selected on earlier origins, scored on later ones they were not
selected on; intervals calibrated from out-of-sample errors), reconciles forces, categories
and the group total (MinT), and records whatever it could not do in one plain sentence.

Examples
--------
>>> q = pd.PeriodIndex(["2020Q1", "2020Q3"], freq="Q")
>>> d = pd.DataFrame({"force": "A", "offence_group": "Robbery", "quarter": q, "count": [1, 2]})
>>> complete_series(d, "quarter", ["force", "offence_group"])[1]
'the source has no data for 2020Q2: forecasts need consecutive periods'
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from alliance_analysis.errors import DataValidationError, ParameterError

log = logging.getLogger(__name__)


def complete_series(data: pd.DataFrame, time: str, keys: Sequence[str]) -> tuple[pd.DataFrame, str]:
    """Every series over every period of the source, zero where a series has no record.

    Returns the completed frame and ``""``, or an empty frame and the sentence saying why
    forecasting cannot run (periods absent from the whole source).

    Examples
    --------
    >>> m = pd.PeriodIndex(["2020-01", "2020-02", "2020-02"], freq="M")
    >>> d = pd.DataFrame({"force": "A", "crime_type": ["Drugs", "Drugs", "Robbery"], "month": m, "count": [3, 4, 1]})
    >>> out, why = complete_series(d, "month", ["force", "crime_type"])
    >>> out["count"].tolist(), why
    ([3, 4, 0, 1], '')
    """
    keys = list(keys)
    periods = pd.period_range(data[time].min(), data[time].max(), freq=data[time].dtype.freq)
    absent = periods.difference(pd.PeriodIndex(data[time].unique()))
    if len(absent):
        shown = ", ".join(str(p) for p in absent[:6]) + (f" and {len(absent) - 6} more" if len(absent) > 6 else "")
        return data.iloc[0:0], f"the source has no data for {shown}: forecasts need consecutive periods"
    combos = data[keys].drop_duplicates()
    grid = combos.merge(pd.DataFrame({time: periods}), how="cross")
    out = grid.merge(data[[*keys, time, "count"]], on=[*keys, time], how="left")
    filled = int(out["count"].isna().sum())
    out["count"] = out["count"].fillna(0).astype("int64")
    out = out.sort_values([*keys, time]).reset_index(drop=True)
    out.attrs["zero_filled"] = filled
    return out, ""


@dataclass
class Outlook:
    """Results of :func:`forecast_outlook` (``result`` is ``None`` when forecasting could not run)."""

    result: object | None
    coherent: pd.DataFrame
    group_name: str
    category: str
    time: str
    horizon: int
    skipped: str = ""
    notes: list[str] = field(default_factory=list)

    def accuracy_table(self) -> pd.DataFrame:
        """Mean accuracy by model on the hold-out origins, with interval coverage and flagged series.

        Examples
        --------
        >>> Outlook(None, pd.DataFrame(), "A", "crime_type", "month", 6).accuracy_table().empty
        True
        """
        if self.result is None:
            return pd.DataFrame()
        a = self.result.accuracy
        cols = {"mase": "mean", "smape": "mean"}
        for c in a.columns:
            if c.startswith("coverage_") and c != "coverage_flag":
                cols[c] = "mean"
        t = a.groupby("model").agg(cols)
        if "coverage_flag" in a.columns:
            t["series_flagged"] = a.groupby("model")["coverage_flag"].apply(lambda s: int(s.astype(bool).sum()))
        sel = self.result.selected["model"].value_counts()
        t["selected_for"] = sel.reindex(t.index).fillna(0).astype(int)
        for c in t.columns:
            if c.startswith("coverage_"):
                t[c] = t[c] * 100
        return t.sort_values("mase").reset_index()

    def selected_holdout(self) -> float:
        """Mean hold-out MASE of the selected models (scored on origins not used to select them)."""
        if self.result is None or "accuracy_holdout" not in self.result.selected:
            return float("nan")
        return float(np.nanmean(self.result.selected["accuracy_holdout"].to_numpy(dtype=float)))

    def totals_table(self) -> pd.DataFrame:
        """Coherent forecasts of the group total and each force's total: one row per period, one
        column per area (from the reconciled hierarchy's "...|Total" nodes).

        Examples
        --------
        >>> c = pd.DataFrame({"node": ["G|Total|Total", "G|A|Total", "G|A|Drugs"],
        ...                   "quarter": pd.PeriodIndex(["2024Q1"] * 3, freq="Q"), "coherent": [5.0, 5.0, 5.0]})
        >>> Outlook(object(), c, "G", "offence_group", "quarter", 1).totals_table().columns.tolist()
        ['quarter', 'G', 'A']
        """
        if self.coherent.empty:
            return pd.DataFrame()
        c = self.coherent
        parts = c["node"].str.split("|")
        is_total = parts.str[-1] == "Total"
        label = parts.map(lambda p: next((x for x in reversed(p) if x != "Total"), p[0]))
        tot = c[is_total].assign(area=label[is_total])
        order = list(dict.fromkeys(tot["area"]))
        wide = tot.pivot_table(index=self.time, columns="area", values="coherent", aggfunc="sum")[order]
        wide.columns.name = None
        return wide.reset_index()

    def holdout_coverage(self, level: int = 80) -> float:
        """Share of recorded counts inside the selected forecasts' ``level``% range at the hold-out
        origins (origins the model and its intervals were not tuned on); NaN without a result.

        Examples
        --------
        >>> import math
        >>> math.isnan(Outlook(None, pd.DataFrame(), "A", "crime_type", "month", 6).holdout_coverage())
        True
        """
        if self.result is None or f"coverage_{level}" not in self.result.accuracy:
            return float("nan")
        a = self.result.accuracy
        return float(a.loc[a["selected"].astype(bool), f"coverage_{level}"].mean())

    def sentences(self, level: int = 80) -> str:
        """The forecast in plain English for a lay reader: the group total expected next period,
        its likely range, and how often forecasts made this way fell inside their range at the
        hold-out origins.

        Examples
        --------
        >>> c = pd.DataFrame({"node": ["G|Total|Total"], "quarter": pd.PeriodIndex(["2024Q1"], freq="Q"),
        ...                   "coherent": [34512.0], "lo_80": [33020.0], "hi_80": [36110.0]})
        >>> acc = pd.DataFrame({"selected": [True, True], "coverage_80": [0.75, 0.85]})
        >>> r = type("R", (), {"accuracy": acc})()
        >>> print(Outlook(r, c, "G", "offence_group", "quarter", 4).sentences())
        About 34,500 crimes are expected in G in January to March 2024, most likely between 33,000 and 36,100. Forecasts made this way fell inside their range 8 times in 10 when tested on past quarters they had not seen.
        """
        unit = "quarter" if self.time == "quarter" else "month"
        if self.result is None:
            return f"No forecast could be made: {self.skipped}"
        if self.coherent.empty:
            return "No total could be forecast: the forces and categories could not be added up (see the notes)."
        c = self.coherent
        top = c[c["node"].str.split("|").map(lambda p: all(x == "Total" for x in p[1:]))]
        if top.empty:
            return "No total could be forecast (see the notes)."
        first = top.sort_values(self.time).iloc[0]
        period = first[self.time]
        if unit == "quarter":
            start, end = period.start_time, period.end_time
            when = f"{start:%B} to {end:%B %Y}"
        else:
            when = f"{period.start_time:%B %Y}"
        area = first["node"].split("|")[0] if first["node"].split("|")[0] != "Total" else self.group_name
        text = f"About {_about(first['coherent'])} crimes are expected in {area} in {when}"
        lo, hi = f"lo_{level}", f"hi_{level}"
        if lo in first.index and hi in first.index and pd.notna(first[lo]) and pd.notna(first[hi]):
            text += f", most likely between {_about(first[lo])} and {_about(first[hi])}."
        else:
            text += "."
        cov = self.holdout_coverage(level)
        if np.isfinite(cov):
            text += (f" Forecasts made this way fell inside their range {round(cov * 10):.0f} times in 10 when "
                     f"tested on past {unit}s they had not seen.")
        else:
            text += " How often such ranges held in the past was not checked (too few past periods)."
        return text

    def summary(self) -> str:
        """One or two sentences in numbers for the report's opening summary."""
        if self.result is None:
            return f"- Forecasts: {self.skipped}"
        r = self.result
        n = len(r.selected)
        unit = "quarters" if self.time == "quarter" else "months"
        snaive = r.accuracy.loc[r.accuracy["model"] == "snaive", "mase"].mean() if "snaive" in set(
            r.accuracy["model"]) else float("nan")
        cov = [c for c in r.accuracy.columns if c.startswith("coverage_") and c != "coverage_flag"]
        sel = r.accuracy[r.accuracy["selected"].astype(bool)] if "selected" in r.accuracy else r.accuracy
        cov_txt = ", ".join(f"{c.split('_')[1]}% intervals covered {sel[c].mean() * 100:.0f}%" for c in cov)
        flagged = int(r.selected["coverage_flag"].astype(bool).sum()) if "coverage_flag" in r.selected else 0
        out = (f"- Forecasts: {n} series for the next {self.horizon} {unit}; the selected models' mean scaled "
               f"error on origins they were not chosen on is {self.selected_holdout():.2f} (seasonal naive over all "
               f"origins {snaive:.2f}; below 1 beats the in-sample seasonal naive); {cov_txt} at hold-out origins"
               f"{f'; {flagged} series flagged for low coverage' if flagged else ''}.")
        return out


def _about(x: float) -> str:
    """A count rounded as a newspaper would: three significant figures, thousands separated.

    Examples
    --------
    >>> _about(34512.4), _about(987.6), _about(12.2)
    ('34,500', '988', '12')
    """
    x = float(x)
    if x >= 1000:
        digits = len(str(int(x))) - 3
        x = round(x, -digits)
    return f"{x:,.0f}"


def forecast_outlook(series, *, forces: Sequence[str], categories: Sequence[str] | None = None, horizon: int,
                     n_origins: int, step: int, group_name: str | None = None,
                     breaks: pd.DataFrame | str | None = "declared") -> Outlook:
    """Forecast the series of ``forces`` (and ``categories``) with coherent totals (see the module docstring).

    Parameters
    ----------
    series : CrimeSeries
    forces : sequence of str
    categories : sequence of str, optional
        Categories to forecast (all when ``None``); anti-social behaviour and fraud are left out.
    horizon, n_origins, step : int
        Passed to :func:`forecast_many`.
    group_name : str, optional
        Name of the group total (default the forces joined by "and").
    breaks : DataFrame, "declared" or None
        Data breaks passed to :func:`forecast_many` (lockdown periods treated as missing when
        fitting); ``"declared"`` (default): :func:`alliance_analysis.taxonomy.data_breaks`.
    """
    from alliance_analysis import forecasting

    cat, time = series.category, series.time
    name = group_name or " and ".join(forces)
    d = series.data[series.data["force"].isin(list(forces))]
    d = d[~d[cat].isin(["Anti-social behaviour", "Fraud"])]
    if categories:
        unknown = sorted(set(categories) - set(d[cat]))
        if unknown:
            raise ParameterError(f"categories {unknown} are not in the data; it has {sorted(d[cat].unique())}")
        d = d[d[cat].isin(list(categories))]
    empty = Outlook(None, pd.DataFrame(), name, cat, time, horizon)
    if d.empty:
        empty.skipped = "no series of the chosen forces and categories are in the data."
        return empty
    d, why = complete_series(d, time, ["force", cat])
    if why:
        empty.skipped = why + "."
        return empty
    notes = []
    if d.attrs.get("zero_filled"):
        notes.append(f"{d.attrs['zero_filled']:,} force-category-period cells with no record were counted as zero.")
    try:
        if isinstance(breaks, str):
            from alliance_analysis import taxonomy

            breaks = taxonomy.data_breaks()
        result = forecasting.forecast_many(d, keys=("force", cat), horizon=horizon, n_origins=n_origins, step=step,
                                           time=time, breaks=breaks, keep="all")
    except DataValidationError as exc:
        empty.skipped = f"the series are too short for this design ({exc.detail})."
        return empty
    coherent = pd.DataFrame()
    try:
        coherent = forecasting.reconcile_forecasts(result, ["force", cat],
                                                   groups={name: list(forces)} if len(forces) > 1 else None)
    except (DataValidationError, ParameterError, ValueError) as exc:
        notes.append(f"coherent totals not computed: {exc}")
    if len(result.skipped):
        for m, g in result.skipped.groupby("model"):
            notes.append(f"{m} could not run on {len(g)} series: {g['reason'].iloc[0]}")
    return Outlook(result, coherent, name, cat, time, horizon, "", notes)


def forces_in(series, forces: Sequence[str] | str | None) -> tuple[list[str], str]:
    """The asked-for forces that the series covers, and a sentence naming any it does not.

    Examples
    --------
    >>> from alliance_analysis.series.sources import CrimeSeries
    >>> s = CrimeSeries(pd.DataFrame({"force": ["Dorset"], "quarter": pd.PeriodIndex(["2020Q1"], freq="Q"),
    ...                               "offence_group": ["Robbery"], "count": [1]}), "x", "y", False)
    >>> forces_in(s, ["Dorset", "Wiltshire"])
    (['Dorset'], 'The data have no series for Wiltshire; the report covers Dorset.')
    """
    from alliance_analysis import clean

    have = series.forces
    if forces is None or (not isinstance(forces, str) and len(forces) == 0):
        return have, ""
    wanted = clean.resolve_forces(forces)
    chosen = [f for f in wanted if f in have]
    missing = [f for f in wanted if f not in have]
    if not chosen:
        raise ParameterError(f"the data have no series for {wanted}; they cover {', '.join(have[:10])}"
                             f"{' ...' if len(have) > 10 else ''}. Fix: set 'forces' to forces the data covers")
    note = (f"The data have no series for {', '.join(missing)}; the report covers {', '.join(chosen)}."
            if missing else "")
    return chosen, note


#: Plain names of the forecasting methods for what a reader sees (charts, tables); codes never reach them.
MODEL_NAMES: dict[str, str] = {
    "snaive": "same period last year (seasonal naive)",
    "naive": "last period's figure",
    "drift": "straight line from first to last figure (drift)",
    "ets": "exponential smoothing",
    "sarima": "seasonal ARIMA",
    "theta": "Theta method",
    "combo": "middle of three methods (combination)",
    "croston": "Croston's method (mostly-zero counts)",
    "sba": "Croston's method, bias-corrected (mostly-zero counts)",
    "tsb": "Croston-type method for fading counts",
}


def plot_fan(outlook: Outlook, force: str, category: str, *, synthetic: bool = False):
    """History and the selected model's forecast with its 80% and 95% intervals for one series.

    The title names the group (when it is more than the one force), the force and the
    category; quarterly data get financial-year ticks ("2022/23"); the legend names the
    method in plain words.

    Examples
    --------
    >>> q = pd.period_range("2015Q1", periods=24, freq="Q")
    >>> hist = pd.DataFrame({"force": "A", "offence_group": "Robbery", "quarter": q, "count": 100})
    >>> fc = pd.DataFrame({"force": "A", "offence_group": "Robbery", "quarter": pd.period_range("2021Q1", periods=2,
    ...                    freq="Q"), "model": "combo", "mean": 100.0, "lo_80": 90.0, "hi_80": 110.0,
    ...                    "is_selected": True})
    >>> r = type("R", (), {"history": hist, "forecasts": fc})()
    >>> fig = plot_fan(Outlook(r, pd.DataFrame(), "A and B", "offence_group", "quarter", 2), "A", "Robbery")
    >>> fig.axes[0].get_title()
    'A and B, A: robbery, recorded and forecast'
    >>> import matplotlib.pyplot as plt; plt.close(fig)
    """
    import matplotlib.pyplot as plt

    from alliance_analysis.presentation.plots import apply_house_style, figure_title, financial_year_axis

    if outlook.result is None:
        raise ParameterError(f"no forecasts to plot: {outlook.skipped}")
    r, t, c = outlook.result, outlook.time, outlook.category
    h = r.history[(r.history["force"] == force) & (r.history[c] == category)].sort_values(t)
    f = r.forecasts[r.forecasts["is_selected"] & (r.forecasts["force"] == force) & (r.forecasts[c] == category)]
    if h.empty or f.empty:
        raise ParameterError(f"no series for {force} / {category}")
    apply_house_style()
    fig, ax = plt.subplots(figsize=(10, 4.8))
    x = h[t].dt.to_timestamp()
    xf = f[t].dt.to_timestamp()
    ax.plot(x, h["count"], color="#424242", lw=1.2, label="recorded")
    if {"lo_95", "hi_95"} <= set(f.columns):
        ax.fill_between(xf, f["lo_95"], f["hi_95"], color="#90caf9", alpha=0.5, label="95% range")
    if {"lo_80", "hi_80"} <= set(f.columns):
        ax.fill_between(xf, f["lo_80"], f["hi_80"], color="#42a5f5", alpha=0.6, label="80% range")
    code = str(f["model"].iloc[0])
    ax.plot(xf, f["mean"], color="#0d47a1", lw=1.8, label=f"forecast: {MODEL_NAMES.get(code, code)}")
    ax.set_ylabel(f"recorded a {'quarter' if t == 'quarter' else 'month'}")
    ax.legend(fontsize=8, loc="upper left")
    if t == "quarter":
        financial_year_axis(ax)
    group = outlook.group_name
    where = f"{group}, {force}" if group and group != force else force
    figure_title(ax, f"{where}: {category.lower()}, recorded and forecast", synthetic=synthetic)
    fig.tight_layout()
    return fig
