"""Notebook 02 for its readers: the answer, key figures, the expected total, and the appendix.

Notebook 02 joins two analyses: a forecast of recorded crime
(:class:`~alliance_analysis.forecasting.outlook.Outlook`) and evaluations of whether
recorded crime moved after a collaboration began or ended
(:class:`~alliance_analysis.evaluation.studies.StudyResult`, with the average across the
register's collaborations, :class:`~alliance_analysis.evaluation.staggered.StaggeredResult`).
:class:`TrendBriefing` holds the three and gives the report's reader parts, each one call:
``answer()`` (at most six plain sentences), ``key_figures()``, ``plot_total()`` (the group's
recorded crime with the expected range ahead), ``show_totals()``, ``design_table(r)`` and
``study_figures(r)`` (one design), and ``appendix()`` with ``show_accuracy()`` (method names
and hold-out diagnostics, which belong there, not in the reader's text).

Examples
--------
>>> MODEL_NAMES["combo"]
'middle of three methods (combination)'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from alliance_analysis.evaluation import studies
from alliance_analysis.evaluation.staggered import StaggeredResult
from alliance_analysis.evaluation.studies import StudyResult
from alliance_analysis.forecasting.outlook import MODEL_NAMES, Outlook
from alliance_analysis.presentation.report import Appendix, KeyFigures, about, about_pct


def plain_model(code: str) -> str:
    """The reader's name of a forecasting method code (unknown codes are returned unchanged).

    Examples
    --------
    >>> plain_model("ets"), plain_model("other")
    ('exponential smoothing', 'other')
    """
    return MODEL_NAMES.get(str(code), str(code))


@dataclass(frozen=True)
class TrendBriefing:
    """The reader parts of notebook 02 (see the module docstring).

    Parameters
    ----------
    outlook : Outlook
        The forecast (``forecast_outlook``); its ``result`` may be ``None`` (forecasts skipped).
    evaluations : sequence of StudyResult
        The designs run for the forces analysed, in report order.
    together : StaggeredResult, optional
        The average across the register's collaborations.
    synthetic : bool
        The data are synthetic (chart titles say so).
    categories : sequence of str, optional
        The offence groups or crime types forecast, when not all of them (the text names them).

    Examples
    --------
    >>> b = TrendBriefing(Outlook(None, pd.DataFrame(), "A", "offence_group", "quarter", 4), [], None)
    >>> b.outlook.group_name, b.totals().empty
    ('A', True)
    """

    outlook: Outlook
    evaluations: Sequence[StudyResult] = ()
    together: StaggeredResult | None = None
    synthetic: bool = False
    categories: tuple[str, ...] = ()

    # ------------------------------------------------------------------ the answer
    def answer(self) -> str:
        """At most six plain sentences: the forecast, the first design, the collaborations' average."""
        return studies.answer(self.evaluations, self.together, forecast=self.forecast_sentences(),
                              forces=self.outlook.group_name)

    def forecast_sentences(self) -> str:
        """The forecast in plain words, naming the categories when only some were forecast.

        Examples
        --------
        >>> o = Outlook(None, pd.DataFrame(), "A", "offence_group", "quarter", 4, skipped="no data.")
        >>> TrendBriefing(o, categories=("Burglary",)).forecast_sentences()
        'No forecast could be made: no data.'
        """
        text = self.outlook.sentences()
        if not self.categories or self.outlook.result is None:
            return text
        from alliance_analysis.presentation.report import join_names

        which = join_names([c.lower() for c in self.categories])
        if " crimes are expected" in text:
            return text.replace(" crimes are expected", f" crimes of {which} are expected", 1)
        return f"{text} Only {which} were forecast."

    # ------------------------------------------------------------------ forecasts
    def totals(self) -> pd.DataFrame:
        """The coherent forecast of the group and of each force (``area``, period, expected, 80%/95% range).

        Empty when no forecast was made.
        """
        c = self.outlook.coherent
        if c is None or c.empty:
            return pd.DataFrame()
        parts = c["node"].str.split("|")
        keep = parts.map(lambda p: len(p) >= 2 and all(x == "Total" for x in p[2:]))
        t = c[keep].copy()
        t["area"] = parts[keep].map(lambda p: p[0] if p[1] == "Total" else p[1])
        cols = ["area", self.outlook.time, "coherent"] + [x for x in ("lo_80", "hi_80", "lo_95", "hi_95") if x in t]
        return t[cols].sort_values(["area", self.outlook.time]).reset_index(drop=True)

    def show_totals(self) -> Any:
        """Expected recorded crime of the group and each force, period by period, with the 80% range."""
        from IPython.display import Markdown

        from alliance_analysis.presentation.tables import format_table

        t = self.totals()
        if t.empty:
            why = self.outlook.skipped or "the forces and categories could not be added up (see the notes)."
            return Markdown(f"No expected totals: {why}")
        time = self.outlook.time
        rows = pd.DataFrame({
            "Area": t["area"],
            "Period": [_period_label(p) for p in t[time]],
            "Expected recorded crime": t["coherent"].round(),
            "Likely range (8 in 10), low": t.get("lo_80", pd.Series(np.nan, index=t.index)).round(),
            "Likely range (8 in 10), high": t.get("hi_80", pd.Series(np.nan, index=t.index)).round(),
        })
        order = [self.outlook.group_name] + [a for a in dict.fromkeys(rows["Area"]) if a != self.outlook.group_name]
        rows["_o"] = rows["Area"].map({a: i for i, a in enumerate(order)})
        rows = rows.sort_values(["_o"], kind="stable").drop(columns="_o")
        return format_table(rows, counts=[c for c in rows.columns if c not in ("Area", "Period")],
                            caption=f"Expected recorded crime, {self.outlook.group_name} and each force "
                                    "(categories add up to forces, forces to the group)")

    def plot_total(self):
        """The group's recorded crime to date and the expected path ahead with its 80% and 95% ranges;
        ``None`` when no forecast was made."""
        t = self.totals()
        r = self.outlook.result
        if t.empty or r is None:
            return None
        import matplotlib.pyplot as plt

        from alliance_analysis.presentation.plots import (apply_house_style, figure_title, financial_year_axis,
                                                          thousands_axis)

        time, name = self.outlook.time, self.outlook.group_name
        hist = r.history.groupby(time)["count"].sum().sort_index()
        ahead = t[t["area"] == name].sort_values(time)
        apply_house_style()
        fig, ax = plt.subplots(figsize=(10, 4.8))
        x = hist.index.to_timestamp(how="start")
        xf = pd.PeriodIndex(ahead[time]).to_timestamp(how="start")
        if {"lo_95", "hi_95"} <= set(ahead.columns):
            ax.fill_between(xf, ahead["lo_95"], ahead["hi_95"], color="#bbdefb", label="range for 19 in 20")
        if {"lo_80", "hi_80"} <= set(ahead.columns):
            ax.fill_between(xf, ahead["lo_80"], ahead["hi_80"], color="#64b5f6", label="range for 8 in 10")
        ax.plot(x, hist.to_numpy(), color="#424242", lw=1.4, label="recorded")
        ax.plot(xf, ahead["coherent"], color="#0d47a1", lw=1.8, label="expected")
        ax.set_ylabel(f"recorded crimes per {'quarter' if time == 'quarter' else 'month'}")
        ax.set_ylim(bottom=0)
        thousands_axis(ax)
        financial_year_axis(ax, dates=True)
        ax.legend(loc="lower left", fontsize=8)
        figure_title(ax, f"{name}: recorded crime and what to expect", synthetic=self.synthetic)
        fig.tight_layout()
        return fig

    def accuracy_table(self) -> pd.DataFrame:
        """Hold-out accuracy by forecasting method, methods by their plain names (empty without forecasts)."""
        a = self.outlook.accuracy_table()
        if a.empty:
            return a
        out = a.copy()
        out.insert(0, "Method", out.pop("model").map(plain_model))
        return out

    def show_accuracy(self) -> Any:
        """The hold-out accuracy table for the appendix (plain method names), or why there is none."""
        from IPython.display import Markdown

        from alliance_analysis.presentation.tables import format_table

        t = self.accuracy_table()
        if t.empty:
            return Markdown(f"Forecasts were not made: {self.outlook.skipped}")
        pct = [c for c in t.columns if c.startswith("coverage_")]
        return format_table(t, rates=[c for c in ("mase", "smape") if c in t], pct=pct,
                            counts=[c for c in ("series_flagged", "selected_for") if c in t],
                            labels={"mase": "MASE", "smape": "sMAPE (%)", "coverage_80": "Inside 80% range (%)",
                                    "coverage_95": "Inside 95% range (%)", "series_flagged": "Series with low coverage",
                                    "selected_for": "Chosen for (series)"},
                            caption="Accuracy of each method at the hold-out origins (origins not used to choose it)")

    def error_ratio(self) -> float:
        """The chosen forecasts' mean hold-out scaled error over seasonal naive's at the same hold-out
        origins (below 1: the forecasts beat repeating last year); NaN when either is missing."""
        r = self.outlook.result
        if r is None or "accuracy_holdout" not in r.accuracy:
            return float("nan")
        a = r.accuracy
        naive = a.loc[a["model"] == "snaive", "accuracy_holdout"].astype(float).mean()
        chosen = a.loc[a["selected"].astype(bool), "accuracy_holdout"].astype(float).mean()
        return float(chosen / naive) if np.isfinite(naive) and naive > 0 and np.isfinite(chosen) else float("nan")

    # ------------------------------------------------------------------ evaluations
    def design_table(self, result: StudyResult) -> Any:
        """One design's table: every row an estimate with its own interval and p-value."""
        from IPython.display import Markdown

        from alliance_analysis.presentation.tables import format_table

        t = result.table()
        if t.empty:
            return Markdown("No estimates: " + (result.skipped or "the design could not run."))
        return format_table(t, pct=["Change in recorded crime", "95% interval, low", "95% interval, high"],
                            pvalues=["p-value"],
                            caption=f"{result.study.name}: each row's interval and p-value belong to that row's "
                                    "estimate")

    def together_table(self) -> Any:
        """The collaborations' average, year by year after they began (each row its own interval and p-value)."""
        from IPython.display import Markdown

        from alliance_analysis.presentation.tables import format_table

        if self.together is None or self.together.event_time.empty:
            return Markdown("Too few collaborations in the register have data before and after their start to "
                            "compare them.")
        t = self.together.table()
        return format_table(t, pct=[c for c in ("Average change in recorded crime", "95% interval, low",
                                                "95% interval, high") if c in t],
                            pvalues=[c for c in ("p-value",) if c in t],
                            counts=[c for c in ("Collaborations observed",) if c in t],
                            caption="Average change by years after a collaboration began (each row's interval and "
                                    "p-value belong to that row)")

    def plot_example(self, force: str | None = None, category: str | None = None):
        """One series' history and forecast with its ranges (default: the largest category of the last
        force), for the appendix; ``None`` without forecasts."""
        from alliance_analysis.forecasting.outlook import plot_fan

        r = self.outlook.result
        if r is None:
            return None
        h = r.history
        force = force or str(h["force"].iloc[-1])
        mine = h[h["force"] == force]
        category = category or str(mine.groupby(self.outlook.category)["count"].sum().idxmax())
        return plot_fan(self.outlook, force, category, synthetic=self.synthetic)

    @staticmethod
    def study_figures(result: StudyResult) -> list:
        """The design's charts, closed (display them once, with ``display(*figures)``)."""
        import matplotlib.pyplot as plt

        figs = studies.plot_study(result)
        for f in figs:
            plt.close(f)
        return figs

    # ------------------------------------------------------------------ key figures and appendix
    def key_figures(self) -> KeyFigures:
        """The expected total and its range, how often past ranges held, and each design's change."""
        rows: list[tuple[str, str, str]] = []
        t = self.totals()
        name = self.outlook.group_name
        if not t.empty:
            first = t[t["area"] == name].sort_values(self.outlook.time).iloc[0]
            period = _period_label(first[self.outlook.time])
            rng = (f"likely between {about(first['lo_80'])} and {about(first['hi_80'])} (8 in 10)"
                   if pd.notna(first.get("lo_80")) else "")
            from alliance_analysis.presentation.report import join_names

            what = ("Expected recorded crime" if not self.categories else
                    "Expected " + join_names([c.lower() for c in self.categories]))
            rows.append((f"{what}, {name}, {period}", about(first["coherent"]), rng))
        cov = self.outlook.holdout_coverage(80)
        if np.isfinite(cov):
            rows.append(("Past ranges that held", f"{round(cov * 10):.0f} in 10",
                         "share of recorded figures inside the 8-in-10 range when forecasts were tested on past "
                         "periods they had not seen"))
        ratio = self.error_ratio()
        if np.isfinite(ratio):
            word = "smaller" if ratio < 1 else "larger"
            rows.append(("Forecast error against repeating last year", f"{about_pct(abs(1 - ratio), share=True)} {word}",
                         "typical error at past test origins, against forecasting each period as the same period of "
                         "the year before"))
        for r in self.evaluations:
            o = r.overall
            if r.skipped or o is None:
                rows.append((f"Change after the {r.study.name}", "not checked", r.skipped or ""))
                continue
            mde = f"could detect about {about_pct(r.mde, share=True)} or more" if np.isfinite(r.mde) else ""
            rows.append((f"Change after the {r.study.name}", about_pct(o["effect_pct"], signed=True),
                         f"likely range {about_pct(o['ci_low_pct'], signed=True)} to "
                         f"{about_pct(o['ci_high_pct'], signed=True)}; {mde}".rstrip("; ")))
        if self.together is not None and not self.together.event_time.empty:
            o = self.together.event_time.iloc[0]
            rows.append((f"Average change across {int(o['cohorts'])} collaborations",
                         about_pct(o["effect_pct"], signed=True),
                         f"likely range {about_pct(o['ci_low_pct'], signed=True)} to "
                         f"{about_pct(o['ci_high_pct'], signed=True)}; could detect about "
                         f"{about_pct(self.together.mde, share=True)} or more"))
        return KeyFigures(rows, caption=f"Key figures for {name}")

    def appendix(self) -> Appendix:
        """Methods, diagnostics and terms (the forecast's hold-out scores and notes included)."""
        methods = [
            "Forecasts: each force and offence group is forecast separately by the middle value of three standard "
            "methods (damped exponential smoothing, seasonal ARIMA and the Theta method), unless tests on earlier "
            "origins show a simpler method clearly does better; series that are mostly zero use Croston-type "
            "methods. Methods are chosen on the earlier test origins and scored on later ones.",
            "Quarters in the 2020-21 lockdowns are treated as missing when the models are fitted, so a forecast made "
            "from a lockdown quarter does not carry the dip forward.",
            "Ranges come from each method's own errors at the test origins. Forecasts of offence groups are made "
            "to add up to force and group totals by minimum-trace reconciliation (the totals are sums of medians).",
            "Evaluations: recorded crime of the forces that changed is compared with the average movement of "
            "comparison forces, before and after the change; the p-value is the share of placebo changes "
            "(comparison forces and nearby dates treated as if they had changed) at least as large; the smallest "
            "detectable change is the change the design would find four times in five at a 5% false-alarm rate.",
        ]
        diagnostics = []
        if self.outlook.result is not None:
            diagnostics.append(self.outlook.summary().lstrip("- ").replace("\n- ", " "))
        diagnostics += list(self.outlook.notes)
        return Appendix(methods=methods, diagnostics=[d for d in diagnostics if d],
                        terms=["seasonal naive", "exponential smoothing", "ARIMA", "Croston's method", "MASE", "sMAPE",
                               "prediction interval", "p-value", "confidence interval"])


def _period_label(p: pd.Period) -> str:
    """``2023Q3`` -> "July to September 2023"; a month -> "July 2023".

    Examples
    --------
    >>> _period_label(pd.Period("2023Q3", "Q")), _period_label(pd.Period("2023-07", "M"))
    ('July to September 2023', 'July 2023')
    """
    p = pd.Period(p)
    if p.freqstr.startswith("Q"):
        return f"{p.start_time:%B} to {p.end_time:%B %Y}"
    return f"{p.start_time:%B %Y}"


def trend_briefing(outlook: Outlook, evaluations: Sequence[StudyResult] = (),
                   together: StaggeredResult | None = None, *, synthetic: bool = False,
                   categories: Sequence[str] | None = None) -> TrendBriefing:
    """:class:`TrendBriefing` of a forecast and evaluations (one call for the notebook).

    Examples
    --------
    >>> o = Outlook(None, pd.DataFrame(), "A", "offence_group", "quarter", 4, skipped="the data hold 5 quarters.")
    >>> trend_briefing(o).answer().split(". ")[0]
    'No forecast could be made: the data hold 5 quarters'
    """
    return TrendBriefing(outlook, tuple(evaluations), together, synthetic, tuple(categories or ()))
