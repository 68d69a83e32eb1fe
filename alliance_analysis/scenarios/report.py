"""The business-case report (notebook 03) as one results object that renders itself.

:func:`run_business_case` loads a scenario file, or builds a generic scenario for a list of
forces (:func:`~alliance_analysis.scenarios.generic.generic_scenario`), plugs in the
partners' real shares, and computes every table of the economic case. The returned
:class:`BusinessCaseReport` gives the report's parts, each one call: :meth:`~BusinessCaseReport.answer`
(at most six plain sentences for a finance director), :meth:`~BusinessCaseReport.key_figures`,
the section tables and charts, and :meth:`~BusinessCaseReport.appendix` (how it was worked
out). Every piece of text that comes from a scenario (its file name, ``name``,
``price_base``, option names and descriptions, the chosen option) is HTML-escaped before
it reaches Markdown or HTML, so a name such as ``<script>...`` shows as text.

Examples
--------
>>> r = run_business_case(scenario_data={"name": "<b>x</b>", "base_year": 2013, "price_base": "real 2013/14",
...     "forces": [{"name": "A"}], "options": [{"name": "status quo"}, {"name": "o", "description": "d",
...     "savings": [{"area": "s", "amount_gbp_m": 10, "start_year": 2014}]}]}, horizon_years=3, n_draws=200)
>>> r.answer().startswith("Over the 3 years from 2013/14, o would most likely leave A about £19 million better off")
True
>>> "<b>" in r._repr_html_()
False
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from alliance_analysis.errors import ParameterError
from alliance_analysis.presentation.report import Appendix, KeyFigures, answer_text
from alliance_analysis.scenarios.appraisal import _fy, _option, appraise
from alliance_analysis.scenarios.fairness import SHARE_SOURCES, with_real_shares
from alliance_analysis.scenarios.model import ScenarioSet, load_scenarios, resolve
from alliance_analysis.scenarios.outputs import (business_case, plot_cumulative, seed_source_text, plot_fairness,
                                                 plot_tornado, plot_waterfall, reader_table, scenario_path,
                                                 sharing_table)
from alliance_analysis.scenarios.outputs import focus_option as _focus_option
from alliance_analysis.scenarios.uncertainty import INDISTINGUISHABLE_BAND, monte_carlo, tornado

log = logging.getLogger(__name__)

#: the uncertain inputs and the distributions in a reader's words
_INPUT_WORDS = {"savings_delivery": "savings delivered (share of plan)", "cost_overrun": "one-off cost overrun (multiple)",
                "timing_slip_years": "timing slip (years)"}
_DIST_WORDS = {"fixed": "fixed", "triangular": "triangular", "pert": "PERT (smoothed triangular)", "uniform": "even",
               "uniform_int": "whole years, evenly spread", "lognormal": "log-normal"}

_MD_SPECIAL = re.compile(r"([\\`*_\[\]{}#|~])")


def md_text(text: Any) -> str:
    """Text from an input made safe for Markdown and HTML: tags escaped, Markdown markup characters escaped.

    Examples
    --------
    >>> md_text('<img src="x" onerror="alert(1)"> [a](javascript:x) *b*')
    '&lt;img src="x" onerror="alert(1)"&gt; \\\\[a\\\\](javascript:x) \\\\*b\\\\*'
    """
    return _MD_SPECIAL.sub(r"\\\1", html.escape(str(text), quote=False))   # quotes are harmless in text


def money(x: float) -> str:
    """Millions of pounds rounded as a newspaper would: '£220 million', '£4.5 million', '£0.3 million'.

    Examples
    --------
    >>> money(217.78), money(-4.46), money(1234.5), money(0.04)
    ('£220 million', '£4.5 million', '£1,200 million', 'less than £0.1 million')
    """
    v = abs(float(x))
    if v < 0.05:
        return "less than £0.1 million"
    if v < 10:
        return f"£{v:.1f} million"
    digits = len(str(int(v))) - 2   # two significant figures
    return f"£{round(v, -digits):,.0f} million"


def _pct(p: float) -> str:
    """A probability as a reader's percentage: '3%', 'under 1%', 'over 99%'."""
    if p <= 0:
        return "0%"
    if p < 0.01:
        return "under 1%"
    if p > 0.99 and p < 1:
        return "over 99%"
    return f"{p:.0%}"


def _group(names: Sequence[str]) -> str:
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _markdown(text: str) -> Any:
    from IPython.display import Markdown

    return Markdown(text)


@dataclass(frozen=True)
class BusinessCaseReport:
    """The economic case of one scenario: every table, the answer, key figures and the appendix.

    Build it with :func:`run_business_case`. Text methods return Markdown strings (already
    escaped); ``*_table`` methods return formatted tables; ``plot_*`` methods figures.
    """

    scenario: ScenarioSet
    tables: dict[str, pd.DataFrame]
    focus: str
    shares: pd.DataFrame
    share_notes: list[str]
    source_label: str
    generic: bool
    horizon: int
    schedule: str
    rate: float
    n_draws: int
    seed: int
    reserves_floor_gbp_m: float
    scenario_file: Path | None = None
    options: list[str] | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    run_parameters: dict[str, Any] = field(default_factory=dict)

    def header_facts(self) -> dict[str, Any]:
        """``source``, ``forces`` and ``period`` for the report's "what produced this report" header."""
        src = ("a generic scenario built from default assumptions scaled from the two alliances' papers"
               if self.generic else f"scenario file {self.source_label} (figures from the source papers)")
        return {"source": f"{src}, with partner shares from the shipped Home Office and ONS series",
                "forces": self.forces,
                "period": f"{_fy(self.scenario.base_year)} to {_fy(self.scenario.base_year + self.horizon - 1)} "
                          f"({self.horizon} years; price base: {self.scenario.price_base})"}

    # ------------------------------------------------------------------ helpers
    @property
    def forces(self) -> list[str]:
        """The scenario's forces."""
        return [f.name for f in self.scenario.forces]

    @property
    def option_names(self) -> list[str]:
        """The options compared, in scenario order."""
        return list(self.tables["comparison"]["option"])

    def _planned(self) -> pd.Series:
        return self.tables["comparison"].set_index("option")["npv_gbp_m"]

    def _status_quo(self) -> str | None:
        """The option with neither savings nor costs (the baseline), if it is compared."""
        for n in self.option_names:
            o = _option(self.scenario, n)
            if not o.savings and not o.costs and o.leadership is None:
                return n
        return None

    def _period(self) -> str:
        return f"{self.horizon} years from {_fy(self.scenario.base_year)}"

    # ------------------------------------------------------------------ the answer
    def answer(self) -> str:
        """At most six plain sentences for a finance director: what is known, how sure, what it means."""
        sc, f = self.scenario, self.focus
        who = f"the forces" if len(self.forces) > 1 else self.forces[0]
        head = self.tables.get("headline", pd.DataFrame())
        planned = float(self._planned()[f])
        basis = (f"counting savings against costs in {_fy(sc.base_year)} prices, with later years discounted as "
                 "the Treasury's Green Book requires")
        if self.generic:
            basis += "; these are default assumptions scaled from two real alliances, not the forces' own plans"
        sentences = []
        if not head.empty:
            exp = float(head["npv_gbp_m"].iloc[0])
            p10, p90 = float(head["p10_npv_gbp_m"].iloc[0]), float(head["p90_npv_gbp_m"].iloc[0])
            neg = float(head["prob_npv_negative"].iloc[0])
            better = "better off" if exp >= 0 else "worse off"
            sentences.append(f"Over the {self._period()}, {md_text(f)} would most likely leave {who} about "
                             f"{money(exp)} {better} than staying as they are ({basis}).")

            def signed(x: float) -> str:
                return ("a loss of " if x < 0 else "a gain of ") + money(x)

            chance = ("none of the simulated outcomes is a loss" if neg == 0 else
                      f"{_pct(neg)} of them end in a loss")
            sentences.append(f"In eight out of ten simulated outcomes the result lies between {signed(p10)} and "
                             f"{signed(p90)}, and {chance}; if every saving arrived in full and on time it would be "
                             f"{signed(planned)}.")
        else:
            better = "better off" if planned >= 0 else "worse off"
            sentences.append(f"Over the {self._period()}, {md_text(f)} would leave {who} about {money(planned)} "
                             f"{better} than staying as they are if every saving arrived in full and on time "
                             f"({basis}); the range of outcomes was not simulated.")
        rank = self.tables.get("ranking", pd.DataFrame())
        if not rank.empty and len(rank) > 1:
            top = rank.iloc[0]
            text = (f"Of the {len(rank)} options compared, {md_text(top['option'])} comes out best, in "
                    f"{_pct(float(top['prob_best']))} of the simulations")
            if top["call"] == "indistinguishable from next":
                text += f", but it cannot be told apart from {md_text(top['next_option'])}"
            sentences.append(text + ".")
        note = self._unwind_note()
        if note:
            sentences.append(note)
        sentences.append(self._sharing_sentence())
        sentences.append(self._reserves_sentence())
        return answer_text([x for x in sentences if x])   # checked: at most six sentences, no code identifiers

    def _unwind_note(self) -> str:
        """Why an option that ends its savings early can still beat the status quo (issue 20)."""
        planned = self._planned()
        sq = self._status_quo()
        for n in self.option_names:
            o = _option(self.scenario, n)
            counted = [s for s in o.savings if s.counts]
            ends = [s.end_year for s in counted if s.end_year is not None]
            if not counted or len(ends) != len(counted) or planned[n] <= (planned[sq] if sq else 0):
                continue
            last = max(ends)
            others = [m for m in self.option_names if m not in (n, sq)
                      and any(s.counts and s.end_year is None for s in _option(self.scenario, m).savings)]
            ref = next((m for m in others if "agreed" in m), others[0] if others else None)
            text = (f"{md_text(n[:1].upper() + n[1:])} beats staying as they are only because it keeps the savings "
                    f"made before it ends in {_fy(last)}")
            if ref is not None:
                text += f"; against {md_text(ref)} it is about {money(planned[ref] - planned[n])} worse"
            return text + "."
        return ""

    def _sharing_sentence(self) -> str:
        sh, sc = self.shares, self.scenario
        if len(self.forces) < 2:
            return ""
        if sh is None or sh.empty:
            return "The forces' real shares of crime, population and workforce could not be checked."
        fy = sh["financial_year"].iloc[0]
        first = self.forces[0]
        items = [(b.replace(" (FTE)", ""), _pct(float(g.loc[g["force"] == first, "share"].iloc[0])))
                 for b, g in sh.groupby("basis", sort=False) if first in set(g["force"])]
        if not items:
            return ""
        whose = "the partners'" if sc.agreed_split else "the group's"
        parts = f"its share of {whose} {items[0][0]} was {items[0][1]}"
        if len(items) > 1:
            parts += "".join(f", of {b} {p}" for b, p in items[1:-1]) + f" and of {items[-1][0]} {items[-1][1]}"
        if sc.agreed_split:
            split = ":".join(f"{v:g}" for v in sc.agreed_split.values())
            agreed = sc.agreed_split[first] / 100
            return f"The agreed {split} split of costs gives {md_text(first)} {_pct(agreed)}; in {fy} {parts}."
        return f"No split of costs has been agreed; in {fy} {md_text(first)}'s share of the group's " + \
            parts.removeprefix("its share of the group's ") + "."

    def _reserves_sentence(self) -> str:
        res = self.tables.get("reserves", pd.DataFrame())
        if res.empty:
            return ""
        r = res[res["option"] == self.focus]
        unchecked = [f for f in self.forces if str(r.loc[r["force"] == f, "first_breach"].iloc[0]).startswith("not")]
        checked = r[~r["force"].isin(unchecked)]
        parts = []   # one sentence, whatever mix of checked and unchecked forces
        if unchecked:
            parts.append(f"reserves were not checked for {md_text(_group(unchecked))}, because the scenario gives no "
                         "reserves figures")
        if not checked.empty:
            breach = checked.dropna(subset=["first_breach"]).groupby("force")["first_breach"].first()
            floor = money(self.reserves_floor_gbp_m) if self.reserves_floor_gbp_m else "zero"
            if breach.empty:
                parts.append(f"under {md_text(self.focus)} no checked force's reserves fall below {floor}")
            else:
                when = breach.astype(str)
                if when.nunique() == 1:   # "for Warwickshire and West Mercia in 2019/20", not the year twice
                    who = _group([md_text(k) for k in when.index]) + f" in {when.iloc[0]}"
                else:
                    who = _group([f"{md_text(k)} in {v}" for k, v in when.items()])
                parts.append(f"under {md_text(self.focus)} reserves fall below {floor} for {who}")
        text = "; ".join(parts)
        return (text[:1].upper() + text[1:] + ".") if text else ""

    # ------------------------------------------------------------------ key figures
    def key_figures(self) -> KeyFigures:
        """A small table of the figures a finance director needs first (words, rounded for reading; escaped)."""
        t = self.key_figures_frame()
        return KeyFigures(list(t.itertuples(index=False, name=None)), caption=f"Key figures: {self.focus}")

    def key_figures_frame(self) -> pd.DataFrame:
        """The key figures as a frame (figure, value, meaning)."""
        f = self.focus
        a = appraise(self.scenario, f, horizon=self.horizon, schedule=self.schedule, rate=self.rate)

        def signed(x: float) -> str:
            return money(x) + (" loss" if x < 0 else "")

        prices = f"{_fy(self.scenario.base_year)} prices"
        rows = [("Forces", _group(self.forces), "the partners in this business case"),
                ("Option examined", f, _option(self.scenario, f).description),
                ("Period", self._period(), f"money in {prices}; later years discounted (counted for less)")]
        head = self.tables.get("headline", pd.DataFrame())
        if not head.empty:
            lo, hi = float(head["p10_npv_gbp_m"].iloc[0]), float(head["p90_npv_gbp_m"].iloc[0])
            rows += [("Expected gain", signed(float(head["npv_gbp_m"].iloc[0])),
                      f"savings less costs against staying as they are, averaged over {self.n_draws:,} simulations"),
                     ("Likely range", f"{signed(lo)} to {signed(hi)}", "eight out of ten simulations fall in it"),
                     ("Chance of a loss", _pct(float(head["prob_npv_negative"].iloc[0])),
                      "share of simulations in which the option does worse than staying as they are")]
        rows += [("Gain if all goes to plan", signed(a.npv_gbp_m), "every saving in full and on time, costs as costed"),
                 ("Savings for each £1 of cost", "no costs" if not np.isfinite(a.bcr) else f"£{a.bcr:.2f}",
                  "discounted savings divided by discounted costs, to plan (benefit-cost ratio)"),
                 ("Costs paid back by", a.discounted_payback_year or "not within the period",
                  "the year from which discounted savings stay ahead of discounted costs")]
        rank = self.tables.get("ranking", pd.DataFrame())
        if not rank.empty and len(rank) > 1:
            rows.append(("Best option", str(rank["option"].iloc[0]),
                         f"best in {_pct(float(rank['prob_best'].iloc[0]))} of the simulations"))
        return pd.DataFrame(rows, columns=["figure", "value", "meaning"])

    # ------------------------------------------------------------------ sections
    def options_table(self) -> Any:
        """Every option with its description, planned value, benefit-cost ratio, payback and a note."""
        return reader_table(self.options_frame(), caption=f"Options, planned case, GBP m, {self.scenario.price_base}",
                            table_id="options")

    def options_frame(self) -> pd.DataFrame:
        """Options with description and note (why it ranks where it does; savings not counted)."""
        cmp = self.tables["comparison"]
        sq = self._status_quo()
        notes = []
        for n in cmp["option"]:
            o = _option(self.scenario, n)
            parts = []
            if n == sq:
                parts.append("the baseline: every other option is measured against it")
            own = [s for s in o.savings if not s.counts]
            for s in own:
                parts.append(f"leaves out {s.force}'s own saving of GBP {resolve(s.amount_gbp_m):g}m a year "
                             "(made without the collaboration)")
            ends = [s.end_year for s in o.savings if s.counts and s.end_year is not None]
            if ends and len(ends) == len([s for s in o.savings if s.counts]):
                parts.append(f"counts the savings made before it ends in {_fy(max(ends))}")
            notes.append("; ".join(parts))
        out = cmp[["option", "description", "npv_gbp_m", "bcr", "discounted_payback"]].copy()
        out["note"] = notes
        return out

    def headline_table(self) -> Any:
        """Expected (risk-adjusted) value beside the planned case."""
        return reader_table(self.tables["headline"], caption=f"{self.focus}: GBP m, {self.scenario.price_base}",
                            table_id="headline")

    def headline_text(self) -> Any:
        """Why the expected value differs from the plan, input by input."""
        head = self.tables["headline"]
        text = head.attrs.get("explanation") if not head.empty else None
        return _markdown(md_text(text) if text else
                         "The simulation is switched off (no draws), so only the planned case is shown.")

    def inputs_table(self) -> Any:
        """How each uncertain input leans."""
        return reader_table(self.inputs_frame(), caption="How each uncertain input leans", table_id="inputs")

    def ranking_text(self) -> Any:
        """The generated sentence on the ranking, with the band that defines 'too close to call'."""
        rank = self.tables["ranking"]
        if rank.empty:
            return _markdown("No ranking: the simulation is switched off (no draws).")
        lo, hi = rank.attrs.get("band", INDISTINGUISHABLE_BAND)
        return _markdown(f"Two neighbouring options are called indistinguishable when one beats the other in "
                         f"between {lo:.0%} and {hi:.0%} of the simulations. " + md_text(rank.attrs["summary"]))

    def ranking_table(self) -> Any:
        """Options ranked by expected value with the probability each beats the next."""
        return reader_table(self.tables["ranking"], caption=f"GBP m, {self.scenario.price_base}", table_id="ranking")

    def plot_waterfall(self):
        """Savings and costs of the option examined."""
        return plot_waterfall(self.scenario, self.focus, horizon=self.horizon)

    def uncertainty_table(self) -> Any:
        """Simulation summary per option."""
        return reader_table(self.tables["uncertainty"], caption=f"GBP m, {self.scenario.price_base}",
                            table_id="uncertainty")

    def payback_table(self) -> Any:
        """Share of simulations paying back in each year, for the option examined."""
        pay = self.tables["payback"]
        return reader_table(None if pay.empty else pay[pay["option"] == self.focus],
                            caption=f"{self.focus}: discounted payback year across simulations", table_id="payback")

    def plot_cumulative(self):
        """Cumulative discounted net benefit, planned and the simulations' 10-90% band."""
        mc = monte_carlo(self.scenario, self.focus, n_draws=max(self.n_draws, 1), seed=self.seed,
                         horizon=self.horizon, schedule=self.schedule, rate=self.rate)
        return plot_cumulative(mc, appraise(self.scenario, self.focus, horizon=self.horizon, schedule=self.schedule,
                                            rate=self.rate))

    def switching_table(self) -> Any:
        """How far each input can move before the option stops paying."""
        return reader_table(self.switching_frame(), caption="Switching values (options with costs and savings)",
                            table_id="switching")

    def plot_tornado(self):
        """What moves the value of the option examined."""
        return plot_tornado(tornado(self.scenario, self.focus, horizon=self.horizon, schedule=self.schedule,
                                    rate=self.rate), title=f"What moves the value: {self.focus}")

    def sharing_text(self) -> Any:
        """Which real shares were loaded, which were not and why, and the agreed split if any."""
        notes = " ".join(md_text(n) for n in self.share_notes) or "Every basis was loaded."
        if not self.scenario.agreed_split:
            notes += " No split of costs has been agreed for these forces, so no agreed split is compared."
        return _markdown(notes)

    def sharing_table(self) -> Any:
        """Real shares of each partner on each basis, beside the agreed split when there is one."""
        return reader_table(sharing_table(self.scenario, self.shares),
                            caption=f"Real shares, {_fy(self.scenario.sharing_year)}", table_id="shares")

    def _fair(self) -> pd.DataFrame:
        fair = self.tables["fairness"]
        return fair[fair["option"] == self.focus]

    def fairness_table(self) -> Any:
        """Each force's present value under each sharing rule."""
        return reader_table(self._fair(), caption=f"{self.focus}: GBP m present value, {self.scenario.price_base}",
                            table_id="fairness")

    def plot_fairness(self):
        """Who gains under each sharing rule."""
        return plot_fairness(self._fair())

    def reserves_text(self) -> Any:
        """Whether reserves were checked, and the first year below the floor."""
        return _markdown(self._reserves_sentence() or "No reserves check.")

    def reserves_table(self) -> Any:
        """Year-end reserves of every force whose reserves are given (others: not checked)."""
        res = self.tables["reserves"]
        r = res[(res["option"] == self.focus) & res["reserves_gbp_m"].notna()]
        if r.empty:
            return _markdown("*No reserves table: the scenario gives no reserves figures, so reserves are not checked.*")
        wide = (r.pivot(index="financial_year", columns="force", values="reserves_gbp_m").rename(columns=str)
                .add_suffix("_gbp_m").reset_index())
        return reader_table(wide, caption=f"{self.focus}: year-end reserves, GBP m", table_id="reserves")

    def assumptions_table(self) -> Any:
        """Every figure with its source (paper, place, figure as printed) or stated assumption."""
        return reader_table(self.assumptions_frame(), caption=f"GBP m, {self.scenario.price_base}",
                            table_id="assumptions")

    def assumptions_frame(self) -> pd.DataFrame:
        """The assumptions table for readers: sources named by paper and place, not by seed id."""
        from alliance_analysis.scenarios.model import _seed_refs

        refs = {ref.describe(): seed_source_text(ref) for _, ref in _seed_refs(self.scenario)}
        t = self.tables["assumptions"].copy()
        t["source"] = ["; ".join(refs.get(part, part) for part in str(x).split("; ")) if x else x
                       for x in t["source"]]
        return t

    def switching_frame(self) -> pd.DataFrame:
        """Switching values with the inputs named in words."""
        t = self.tables["switching_values"]
        return t if t.empty else t.assign(input=t["input"].map(lambda x: _INPUT_WORDS.get(x, x)))

    def inputs_frame(self) -> pd.DataFrame:
        """How each uncertain input leans, with the distributions named in words."""
        t = self.tables["inputs"].drop(columns=["input", "uncertain"], errors="ignore")
        return t if t.empty else t.assign(distribution=t["distribution"].map(lambda x: _DIST_WORDS.get(x, x)))

    def appendix(self) -> Appendix:
        """How this was worked out: methods, assumptions, data sources and the terms used (renders itself)."""
        sc = self.scenario
        disc = ("the HM Treasury Green Book schedule (3.5% a year for years 1-30, then lower), year 0 undiscounted"
                if self.schedule == "green_book" else f"a flat {self.rate:.1%} a year, year 0 undiscounted")
        src = (f"a generic scenario built for {_group(self.forces)} from default assumptions scaled from the two "
               "alliances' papers (listed below and in the scenario format documentation)" if self.generic
               else "the scenario file named in the header above")
        methods = [
            f"Scope: the economic case only (one of the Green Book's five cases): costs and savings of each option "
            f"against the forces staying as they are, from {src} ({sc.name}).",
            f"Money: GBP millions, {sc.price_base}; discounted at {disc} (a spreadsheet's NPV() would also "
            "discount year 0).",
            f"Simulation: {self.n_draws:,} seeded draws (seed {self.seed}) of savings delivery, timing slip and "
            "one-off cost overrun, the same draws for every option, so options are compared draw by draw; P10-P90 "
            "holds the middle eight in ten. Neighbouring options whose chance of beating each other lies in "
            f"{INDISTINGUISHABLE_BAND[0]:.0%}-{INDISTINGUISHABLE_BAND[1]:.0%} are called indistinguishable.",
            f"Sharing rules: the partners' real shares of {_fy(sc.sharing_year)}.",
            "Reserves: an affordability check, not a financial case: opening reserves less the planned drawdown "
            "and each force's share of one-off revenue and redundancy costs; capital is taken to be financed by "
            "borrowing or capital receipts.",
        ]
        assumptions = [
            f"Optimism bias: one-off costs raised by {sc.optimism_bias:.0%}, {sc.optimism_mitigation:.0%} of that "
            "mitigated; savings are not adjusted (their risk is in the simulation).",
            "Savings made by one force alone (not brought about by the collaboration) are shown in the "
            "assumptions table but not counted as benefits.",
            "A force whose reserves are not given is not checked (never taken as zero).",
            "Every other figure: its source row in the source papers or its stated assumption (table below).",
        ]
        sources = [*(SHARE_SOURCES[b] for b in self.shares["basis"].unique()),
                   "Police Foundation review and alliance papers, transcribed in data/raw/seed"]
        return Appendix(methods=methods, assumptions=assumptions, sources=sources,
                        terms=["NPV", "PV", "BCR", "Green Book", "Monte Carlo", "financial year"])

    # ------------------------------------------------------------------ workbook and rendering
    def save_workbook(self, workbook_file: str | Path | None = None) -> str:
        """Write the Excel workbook (run folder, or ``workbook_file``) and say where, in one sentence."""
        from alliance_analysis.scenarios.workbook import save_business_case

        path = save_business_case({**self.tables, "sharing": sharing_table(self.scenario, self.shares)}, self.scenario,
                                  workbook_file=workbook_file, options=self.options, horizon=self.horizon,
                                  schedule=self.schedule, rate=self.rate, scenario_file=self.scenario_file,
                                  parameters=self.parameters,
                                  data_sources=[SHARE_SOURCES[b] for b in self.shares["basis"].unique()])
        if path is None:
            return "No workbook written: this is not a report run and no workbook file was named."
        return (f"Workbook written: {md_text(path.name)} (cover sheet first; the present values, net present values "
                "and benefit-cost ratios are spreadsheet formulas over the cash-flow sheet).")

    def summary(self) -> str:
        """Plain-text summary: the answer (Markdown escapes removed)."""
        return html.unescape(re.sub(r"\\(.)", r"\1", self.answer()))

    def _repr_html_(self) -> str:
        return f"<h3>The answer</h3><p>{self.answer()}</p>{self.key_figures()._repr_html_()}"


def run_business_case(scenario_file: str | Path | None = None, *, forces: Sequence[str] | None = None,
                      scenario_data: Mapping[str, Any] | None = None, options: Sequence[str] | None = None,
                      horizon_years: int = 10, discount_schedule: str = "green_book", flat_rate: float = 0.035,
                      n_draws: int = 10_000, seed: int = 2014, reserves_floor_gbp: float = 0.0,
                      focus_option: str | None = None,
                      frames: Mapping[str, pd.DataFrame] | None = None) -> BusinessCaseReport:
    """The whole business case of notebook 03, as one results object.

    Parameters
    ----------
    scenario_file : path, optional
        A scenario YAML (default: the shipped Warwickshire and West Mercia file when no
        ``forces`` are given).
    forces : list of str, optional
        Two or more forces: a generic scenario is built from their real shares
        (:func:`~alliance_analysis.scenarios.generic.generic_scenario`). Not with ``scenario_file``.
    scenario_data : mapping, optional
        An already-parsed scenario (tests, interactive use).
    options, horizon_years, discount_schedule, flat_rate, n_draws, seed, reserves_floor_gbp, focus_option
        As notebook 03's parameters (the reserves floor is in GBP, not millions).
    frames : mapping, optional
        Real data tables (``crime``, ``population``, ``workforce``); default: the shipped series.
        With ``scenario_data`` and no ``frames``, no real shares are loaded.
    """
    from alliance_analysis.scenarios.generic import generic_scenario

    given = [x is not None for x in (scenario_file, forces, scenario_data)]
    if sum(given) > 1:
        raise ParameterError("give one of scenario_file, forces or scenario_data, not several")
    if options is not None and not list(options):
        raise ParameterError("options: the list of options is empty; name at least one option or leave it unset")
    path = None
    if forces is not None:
        scenario = generic_scenario(forces, frames=frames)
        label = "generic scenario"
    elif scenario_data is not None:
        scenario = load_scenarios(scenario_data)
        label = "scenario given as data"
        frames = frames if frames is not None else {}
    else:
        path = scenario_path(scenario_file)
        scenario = load_scenarios(path)
        label = path.name
    opts = None if options is None else list(options)
    chosen = _focus_option(scenario, focus_option, opts)
    if frames is not None and not frames:
        names = [f.name for f in scenario.forces]
        shares = pd.DataFrame(columns=["financial_year", "basis", "force", "value", "share", "source"])
        notes = [] if len(names) < 2 else ["Real shares were not loaded for this run."]
    else:
        scenario, shares, notes = with_real_shares(scenario, frames=dict(frames) if frames is not None else None)
    tables = business_case(scenario, options=opts, horizon=horizon_years, schedule=discount_schedule, rate=flat_rate,
                           n_draws=n_draws, seed=seed, reserves_floor_gbp_m=reserves_floor_gbp / 1e6, focus=chosen)
    params = {"scenario_file": None if path is None else str(scenario_file) if scenario_file else None,
              "forces": list(forces) if forces is not None else None, "options": opts, "horizon_years": horizon_years,
              "discount_schedule": discount_schedule, "flat_rate": flat_rate, "n_draws": n_draws, "seed": seed,
              "reserves_floor_gbp": reserves_floor_gbp, "focus_option": chosen}
    return BusinessCaseReport(scenario=scenario, tables=tables, focus=chosen, shares=shares, share_notes=list(notes),
                              source_label=label, generic=forces is not None, horizon=horizon_years,
                              schedule=discount_schedule, rate=flat_rate, n_draws=n_draws, seed=seed,
                              reserves_floor_gbp_m=reserves_floor_gbp / 1e6, scenario_file=path, options=opts,
                              parameters={k: v for k, v in params.items() if v is not None},
                              run_parameters={"scenario_file": None if scenario_file is None else str(scenario_file),
                                              "forces": None if forces is None else list(forces), "options": opts,
                                              "horizon_years": horizon_years, "discount_schedule": discount_schedule,
                                              "flat_rate": flat_rate, "n_draws": n_draws, "seed": seed,
                                              "reserves_floor_gbp": reserves_floor_gbp, "focus_option": focus_option})
