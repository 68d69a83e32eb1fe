"""Outputs of the business case: figures, the assumptions table and the full set of tables."""

from __future__ import annotations

import html
import logging
import textwrap
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from alliance_analysis.errors import ParameterError
from alliance_analysis.scenarios.appraisal import Appraisal, _fy, _option, appraise, compare_options, option_flows
from alliance_analysis.scenarios.fairness import fairness, reserves_trajectory
from alliance_analysis.scenarios.model import Option, ScenarioSet, SavingsFlow, SeedRef, load_scenarios, resolve  # noqa: F401
from alliance_analysis.scenarios.uncertainty import (INDISTINGUISHABLE_BAND, MonteCarloResult, _ranking, monte_carlo,
                                                     risk_adjusted, switching_values, tornado)

log = logging.getLogger(__name__)

# --------------------------------------------------------------------------- figures and workbook

def plot_cumulative(mc: MonteCarloResult, base: Appraisal, *, title: str | None = None):
    """Cumulative discounted net benefit: deterministic line and the Monte Carlo 10-90% band.

    Examples
    --------
    >>> s = load_scenarios({"name": "x", "base_year": 2013, "price_base": "p", "forces": [{"name": "A"}, {"name": "B"}],
    ...     "options": [{"name": "o", "split": {"A": 69, "B": 31},
    ...                  "savings": [{"area": "s", "amount_gbp_m": 10, "start_year": 2014}],
    ...                  "costs": [{"kind": "capital", "item": "c", "amount_gbp_m": 15, "year": 2013}]}]})
    >>> fig = plot_cumulative(monte_carlo(s, "o", n_draws=20, horizon=3), appraise(s, "o", horizon=3))
    >>> fig.axes[0].get_title()
    'o: cumulative net benefit'
    """
    import matplotlib.pyplot as plt

    from alliance_analysis.presentation.plots import PALETTE, apply_house_style, figure_title, legend_outside, wrap_label

    apply_house_style()
    x = base.flows["financial_year"]
    lo, mid, hi = np.percentile(mc.cumulative_pv_net, [10, 50, 90], axis=0)
    fig, ax = plt.subplots(figsize=(10, 4.8))
    ax.fill_between(range(len(x)), lo, hi, alpha=0.25, color=PALETTE[0], label="simulations: 10-90% range")
    ax.plot(range(len(x)), mid, ls="--", color=PALETTE[1], label="simulations: middle")
    ax.plot(range(len(x)), base.flows["cumulative_pv_net_gbp_m"], lw=2, color=PALETTE[2], label="planned case")
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xticks(range(len(x)))
    ax.set_xticklabels(x, rotation=45, ha="right", rotation_mode="anchor", fontsize=8)
    ax.set_ylabel("cumulative discounted net\nbenefit, GBP m")
    ax.set_xlabel(wrap_label(f"financial year (prices: {base.price_base}; the first year is not discounted)", 90))
    figure_title(ax, wrap_label(title or f"{base.option}: cumulative net benefit", 70), synthetic=False)
    legend_outside(ax)
    fig.tight_layout()
    return fig


def plot_tornado(tor: pd.DataFrame, *, title: str = "What moves the NPV"):
    """Tornado chart of :func:`tornado`: bars from the base NPV to each input's adverse and favourable end.

    Examples
    --------
    >>> s = load_scenarios({"name": "x", "base_year": 2013, "price_base": "p", "forces": [{"name": "A"}, {"name": "B"}],
    ...     "options": [{"name": "o", "split": {"A": 69, "B": 31},
    ...                  "savings": [{"area": "s", "amount_gbp_m": 10, "start_year": 2014}],
    ...                  "costs": [{"kind": "capital", "item": "c", "amount_gbp_m": 15, "year": 2013}]}]})
    >>> len(plot_tornado(tornado(s, "o", horizon=3)).axes[0].patches)   # 3 inputs x 2 ends
    6
    """
    import matplotlib.pyplot as plt

    from alliance_analysis.presentation.plots import apply_house_style, figure_title, legend_outside, wrap_label

    apply_house_style()
    t = tor.iloc[::-1]
    base = t["base_npv"].iloc[0]
    fig, ax = plt.subplots(figsize=(9, 3.5))
    names = [wrap_label(i, 24) for i in t["input"]]
    ax.barh(names, t["high_npv"] - base, left=base, color="#2e7d32", label="favourable end")
    ax.barh(names, t["low_npv"] - base, left=base, color="#c62828", label="adverse end")
    ax.axvline(base, color="black", lw=0.8)
    ax.axvline(0, color="grey", lw=0.8, ls=":")
    ax.set_xlabel("net present value, GBP m")
    figure_title(ax, wrap_label(title, 60), synthetic=False)
    legend_outside(ax)
    fig.tight_layout()
    return fig


def plot_waterfall(scenario: ScenarioSet, option: Option | str, *, horizon: int = 10):
    """Undiscounted savings and costs over the horizon by area, as a waterfall to the net total.

    Examples
    --------
    >>> s = load_scenarios({"name": "x", "base_year": 2013, "price_base": "p", "forces": [{"name": "A"}, {"name": "B"}],
    ...     "options": [{"name": "o", "split": {"A": 69, "B": 31},
    ...                  "savings": [{"area": "s", "amount_gbp_m": 10, "start_year": 2014}],
    ...                  "costs": [{"kind": "capital", "item": "c", "amount_gbp_m": 15, "year": 2013}]}]})
    >>> round(float(plot_waterfall(s, "o", horizon=3).axes[0].patches[-1].get_width()), 6)   # 10 + 10 - 15
    5.0
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    from alliance_analysis.presentation.plots import apply_house_style, figure_title, wrap_label

    apply_house_style()
    f = option_flows(scenario, option, horizon)
    f = f[f["kind"] != "single_force_saving"]  # a force's own savings are not the collaboration's
    g = f.groupby(["area", "kind"], as_index=False)["amount_gbp_m"].sum()
    g = g[g["amount_gbp_m"] != 0].sort_values("amount_gbp_m", ascending=False)
    # horizontal: each area's name reads on one line or two beside its bar, never rotated or overlapping
    fig, ax = plt.subplots(figsize=(10, max(3.5, 0.42 * (len(g) + 1) + 1.4)))
    running = 0.0
    for i, r in enumerate(g.itertuples()):
        ax.barh(i, r.amount_gbp_m, left=running, color="#2e7d32" if r.amount_gbp_m > 0 else "#c62828")
        running += r.amount_gbp_m
    ax.barh(len(g), running, color="#0d47a1")
    ax.set_yticks(range(len(g) + 1))
    ax.set_yticklabels([*(textwrap.fill(a, 42, break_long_words=False) for a in g["area"]), "net"],
                       fontsize=7)   # wrapped between words, never cut mid-word
    ax.invert_yaxis()   # first saving at the top, the net total at the bottom
    ax.set_xlabel(f"GBP m over {horizon} years (undiscounted, before optimism bias)")
    ax.legend(handles=[Patch(color="#2e7d32", label="saving"), Patch(color="#c62828", label="cost"),
                       Patch(color="#0d47a1", label="net total")], loc="upper left", bbox_to_anchor=(1.01, 1.0),
              borderaxespad=0.0, fontsize=8)   # beside the plot, never over a bar
    figure_title(ax, wrap_label(f"{_option(scenario, option).name}: savings and costs", 70), synthetic=False)
    fig.tight_layout()
    return fig


def plot_fairness(fair: pd.DataFrame):
    """Each force's PV net benefit under each sharing rule (bars grouped by rule).

    Examples
    --------
    >>> s = load_scenarios({"name": "x", "base_year": 2013, "price_base": "p", "forces": [{"name": "A"}, {"name": "B"}],
    ...     "options": [{"name": "o", "split": {"A": 69, "B": 31},
    ...                  "savings": [{"area": "s", "amount_gbp_m": 10, "start_year": 2014}],
    ...                  "costs": [{"kind": "capital", "item": "c", "amount_gbp_m": 15, "year": 2013}]}]})
    >>> len(plot_fairness(fairness(s, "o", horizon=3, rules=["equal"])).axes[0].patches)   # 2 rules x 2 forces
    4
    """
    import matplotlib.pyplot as plt

    from alliance_analysis.presentation.plots import apply_house_style, figure_title, grouped_bars, legend_outside

    apply_house_style()
    fig, ax = plt.subplots(figsize=(10, 4))
    grouped_bars(fair, category="rule", group="force", value="pv_net_gbp_m", ax=ax)
    ax.set_ylabel("present value of net\nbenefit, GBP m")
    figure_title(ax, "Who gains under each cost-sharing rule", synthetic=False)
    legend_outside(ax)
    fig.tight_layout()
    return fig


#: reader labels of a force's money figures in the assumptions table
_FORCE_FIGURES = {"budget_gbp_m": "budget", "reserves_gbp_m": "reserves",
                  "reserves_drawdown_gbp_m_per_year": "planned reserves drawdown a year"}


def seed_source_text(ref: SeedRef) -> str:
    """A seed reference in a reader's words: the paper, where in it, the figure as printed, and the arithmetic.

    Examples
    --------
    >>> seed_source_text(SeedRef(seed="ww_reserves_2014", scale=0.69))
    'West Mercia Police and Crime Panel agenda with the Police Foundation review (21 Oct 2014), Police Foundation review para 31 (some £87 million), times 0.69'
    """
    from alliance_analysis.datasets.seed import all_seed_figures
    from alliance_analysis.presentation.report import document_title

    figs = all_seed_figures().set_index("id")

    def one(i: str) -> str:
        if i not in figs.index:
            return i
        r = figs.loc[i]
        return f"{document_title(r['document'])}, {r['location']} ({r['value_as_printed']})"

    text = one(ref.seed) + "".join(f", less {one(x)}" for x in ref.less)
    return text + (f", times {ref.scale:g}" if ref.scale != 1 else "")


def assumptions_table(scenario: ScenarioSet) -> pd.DataFrame:
    """Every figure with its source (seed id) or its stated assumption.

    Examples
    --------
    >>> s = load_scenarios({"name": "x", "base_year": 2013, "price_base": "p", "forces": [{"name": "A"}],
    ...     "options": [{"name": "o", "savings": [{"area": "s", "amount_gbp_m": {"seed": "ww_blueprint_savings"},
    ...                                            "start_year": 2013}]}]})
    >>> assumptions_table(s)[["item", "value_gbp_m", "source"]].values.tolist()
    [['o: s', 30.2, 'seed: ww_blueprint_savings']]
    """
    rows = []
    for f in scenario.forces:
        for attr in ("budget_gbp_m", "reserves_gbp_m", "reserves_drawdown_gbp_m_per_year"):
            v = getattr(f, attr)
            if v is not None and not (isinstance(v, float) and v == 0):
                rows.append({"item": f"{f.name}: {_FORCE_FIGURES[attr]}", "value_gbp_m": resolve(v),
                             "source": v.describe() if isinstance(v, SeedRef) else "", "assumption": f.assumption or ""})
    for o in scenario.options:
        for s in [*o.savings, *o.costs]:
            label = s.area if isinstance(s, SavingsFlow) else s.item
            note = s.assumption or ""
            if isinstance(s, SavingsFlow) and not s.counts:
                note = (f"made by {s.force} alone: shown, but not counted as a benefit of the collaboration"
                        + (f"; {note}" if note else ""))
            rows.append({"item": f"{o.name}: {label}", "value_gbp_m": resolve(s.amount_gbp_m),
                         "source": s.amount_gbp_m.describe() if isinstance(s.amount_gbp_m, SeedRef) else (s.source or ""),
                         "assumption": note})
        if o.leadership is not None:
            L = o.leadership
            before, after = (int(round(resolve(x))) for x in (L.baseline_chief_officers, L.chief_officers))
            src = "; ".join(x.describe() for x in (L.baseline_chief_officers, L.chief_officers) if isinstance(x, SeedRef))
            rows.append({"item": f"{o.name}: chief officer team {before} -> {after}",
                         "value_gbp_m": L.saving_gbp_m, "source": src or (L.source or ""),
                         "assumption": L.assumption or ""})
    return pd.DataFrame(rows)


def scenario_path(scenario_file: str | Path | None) -> Path:
    """The scenario file to use: the one given, or the Warwickshire and West Mercia default.

    Examples
    --------
    >>> scenario_path(None).name
    'warwickshire_west_mercia.yaml'
    """
    from alliance_analysis import paths

    if scenario_file is None:
        return paths.SCENARIO_DIR / "warwickshire_west_mercia.yaml"
    p = Path(scenario_file)
    if not p.is_absolute() and not p.exists():
        p = paths.SCENARIO_DIR / p
    return p


def focus_option(scenario: ScenarioSet, requested: str | None = None,
                 options: Sequence[str] | None = None) -> str:
    """The option to examine in detail: ``requested``, else "full merger" if offered, else the last option.

    Examples
    --------
    >>> s = load_scenarios({"name": "x", "base_year": 2013, "price_base": "p", "forces": [{"name": "A"}],
    ...     "options": [{"name": "status quo"}, {"name": "full merger"}, {"name": "other"}]})
    >>> focus_option(s), focus_option(s, options=["status quo", "other"]), focus_option(s, "other")
    ('full merger', 'other', 'other')
    """
    names = [o.name for o in scenario.options] if options is None else list(options)
    if not names:
        raise ParameterError("options: the list of options is empty; name at least one option of the scenario "
                             f"({[o.name for o in scenario.options]}) or leave options unset for all of them")
    if requested is not None:
        if requested not in names:
            raise ParameterError(f"focus_option {requested!r} is not one of the chosen options {names}")
        return requested
    return "full merger" if "full merger" in names else names[-1]


def business_case(scenario: ScenarioSet, *, options: Sequence[str] | None = None, horizon: int = 10,
                  schedule: str = "green_book", rate: float = 0.035, n_draws: int = 10_000, seed: int = 2014,
                  reserves_floor_gbp_m: float = 0.0, focus: str | None = None,
                  band: tuple[float, float] = INDISTINGUISHABLE_BAND) -> dict[str, pd.DataFrame]:
    """Every table of the economic case for the chosen options (for display and the workbook).

    Every option is simulated once, from the same draws (common random numbers); the
    headline is the expected (risk-adjusted) NPV of the ``focus`` option (default: see
    :func:`focus_option`) beside its planned case.

    Returns
    -------
    dict
        ``headline`` (attrs ``headline`` and ``explanation``: generated sentences), ``ranking``
        (attrs ``summary``, ``band``), ``inputs`` (how each uncertain input leans),
        ``comparison``, ``cash_flows``, ``uncertainty``, ``payback``, ``switching_values``,
        ``tornado``, ``fairness``, ``reserves``, ``assumptions``; each carries ``attrs["price_base"]``.
        With ``n_draws=0`` the three uncertainty-based tables are empty.

    Examples
    --------
    >>> s = load_scenarios({"name": "x", "base_year": 2013, "price_base": "p", "forces": [{"name": "A"}],
    ...     "options": [{"name": "o", "savings": [{"area": "s", "amount_gbp_m": 10, "start_year": 2014}],
    ...                  "costs": [{"kind": "capital", "item": "c", "amount_gbp_m": 15, "year": 2013}]}]})
    >>> case = business_case(s, horizon=3, n_draws=10)
    >>> list(case)[:5], round(float(case["comparison"]["npv_gbp_m"].iloc[0]), 4)
    (['headline', 'ranking', 'inputs', 'comparison', 'cash_flows'], 3.9969)
    """
    names = [o.name for o in scenario.options] if options is None else list(options)
    for n in names:
        _option(scenario, n)
    chosen = focus_option(scenario, focus, names)
    sims: dict[str, MonteCarloResult] = {}
    planned: dict[str, float] = {}
    if not names:
        raise ParameterError("options: the list of options is empty; name at least one option of the scenario "
                             f"({[o.name for o in scenario.options]}) or leave options unset for all of them")
    cmp = compare_options(scenario, horizon=horizon, schedule=schedule, rate=rate)
    cmp = cmp[cmp["option"].isin(names)].reset_index(drop=True)
    cmp.insert(1, "description", [_option(scenario, n).description for n in cmp["option"]])
    flows, unc, pay, sw, tor, fair, res = [], [], [], [], [], [], []
    for n in names:
        a = appraise(scenario, n, horizon=horizon, schedule=schedule, rate=rate)
        flows.append(a.flows.assign(option=n))
        planned[n] = a.npv_gbp_m
        if n_draws:
            mc = monte_carlo(scenario, n, n_draws=n_draws, seed=seed, horizon=horizon, schedule=schedule, rate=rate)
            sims[n] = mc
            unc.append(mc.summary())
            pay.append(mc.payback_distribution())
        if a.pv_costs_gbp_m > 0 and a.pv_benefits_gbp_m > 0:
            sw.append(switching_values(scenario, n, horizon=horizon, schedule=schedule, rate=rate).assign(option=n))
            tor.append(tornado(scenario, n, horizon=horizon, schedule=schedule, rate=rate).assign(option=n))
        fair.append(fairness(scenario, n, horizon=horizon, schedule=schedule, rate=rate).assign(option=n))
        r = reserves_trajectory(scenario, n, horizon=horizon, floor_gbp_m=reserves_floor_gbp_m)
        breach = {f: ("not checked (no reserves figure)" if f in r.attrs["not_checked"] else y)
                  for f, y in r.attrs["first_breach"].items()}
        res.append(r.assign(option=n, first_breach=r["force"].map(breach)))
    if sims:
        ra = risk_adjusted(scenario, chosen, n_draws=n_draws, seed=seed, horizon=horizon, schedule=schedule,
                           rate=rate, _mc=sims[chosen])
        headline, inputs = ra.table(), ra.inputs
        headline.attrs.update({"headline": ra.headline, "explanation": ra.explanation})
        ranking = _ranking(sims, planned, band)
        ranking.attrs.update({"draws": n_draws, "seed": seed})
    else:
        headline, ranking, inputs = pd.DataFrame(), pd.DataFrame(), pd.DataFrame()
    out = {
        "headline": headline,
        "ranking": ranking,
        "inputs": inputs,
        "comparison": cmp,
        "cash_flows": pd.concat(flows, ignore_index=True),
        "uncertainty": pd.DataFrame(unc) if unc else pd.DataFrame(),
        "payback": pd.concat(pay, ignore_index=True) if pay else pd.DataFrame(),
        "switching_values": pd.concat(sw, ignore_index=True) if sw else pd.DataFrame(),
        "tornado": pd.concat(tor, ignore_index=True) if tor else pd.DataFrame(),
        "fairness": pd.concat(fair, ignore_index=True),
        "reserves": pd.concat(res, ignore_index=True),
        "assumptions": assumptions_table(scenario),
    }
    for t in out.values():
        t.attrs["price_base"] = scenario.price_base
    return out


# --------------------------------------------------------------------------- reader-facing tables and text

def _display_format(name: str, values: pd.Series):
    """A str.format pattern (or callable) for a column, matching the workbook's Excel formats."""
    from alliance_analysis.scenarios.workbook import (FACTOR_FORMAT, GBP_M_FORMAT, INTEGER_FORMAT, NUMBER_FORMAT,
                                                      PERCENT_FORMAT, RATIO_FORMAT, number_format)

    fmt = number_format(name, values)
    if name.endswith("_pp"):
        return "{:+.1f}"
    if fmt == NUMBER_FORMAT:  # whole numbers (counts held as floats) without decimals, others to two places
        return _whole_or_two
    if fmt == GBP_M_FORMAT:
        return _one_decimal
    return {PERCENT_FORMAT: "{:.1%}", RATIO_FORMAT: "{:.2f}", FACTOR_FORMAT: "{:.4f}",
            INTEGER_FORMAT: "{:,.0f}"}.get(fmt)


def _one_decimal(x: float) -> str:
    v = round(float(x), 1)
    return f"{(0.0 if v == 0 else v):,.1f}"   # no "-0.0" from rounding noise


def _whole_or_two(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.2f}"


def reader_table(table: pd.DataFrame | None, *, caption: str | None = None, table_id: str = "t"):
    """A table formatted for readers: human labels, GBP m to one decimal, percentages, no index, "–" for gaps.

    The Styler's id is fixed (``table_id``) so two runs give identical HTML. Empty tables
    give a one-line note instead.

    Examples
    --------
    >>> t = pd.DataFrame({"option": ["a"], "npv_gbp_m": [1234.5678], "prob_npv_negative": [0.1234],
    ...                   "p10_npv_gbp_m": [float("nan")]})
    >>> html = reader_table(t, table_id="x").to_html()
    >>> "1,234.6" in html and "12.3%" in html and "NPV (GBP m)" in html and "–" in html and "nan" not in html
    True
    >>> "P(NPV &lt; 0)" in html   # labels are escaped
    True
    >>> "&lt;b&gt;" in reader_table(t, caption="<b>x</b>", table_id="x").to_html()   # so are captions
    True
    >>> "#T_x td.col1" in html and "text-align: right" in html   # numbers right, text left
    True
    """
    from alliance_analysis.scenarios.workbook import column_label

    if table is None or table.empty:
        from IPython.display import Markdown

        return Markdown(f"*{caption + ': ' if caption else ''}nothing to show for these parameters.*")
    t = table.reset_index(drop=True)
    t = t.astype({c: object for c in t.columns if pd.api.types.is_bool_dtype(t[c])})
    formats = {column_label(str(c)): f for c in t.columns if (f := _display_format(str(c), t[c])) is not None}
    view = t.rename(columns={c: column_label(str(c)) for c in t.columns})
    st = view.style.format(formats, na_rep="–", escape="html").format_index(escape="html", axis=1)
    st = st.hide(axis="index").set_uuid(table_id)
    # text left, numbers right; words never broken (long text wraps between words only)
    st = st.set_table_styles([{"selector": "td", "props": "white-space: normal; max-width: 40em; text-align: left; "
                                                          "word-break: normal; overflow-wrap: normal; hyphens: none"},
                              {"selector": "th", "props": "text-align: left; word-break: normal; hyphens: none"}])
    numeric = [column_label(str(c)) for c in t.columns
               if pd.api.types.is_numeric_dtype(t[c]) and not pd.api.types.is_bool_dtype(t[c])]
    if numeric:   # column-keyed table styles (".colN" selectors) outrank the td rule above; cell styles would not
        st = st.set_table_styles({c: [{"selector": "td", "props": "text-align: right; white-space: nowrap"},
                                      {"selector": "th", "props": "text-align: right"}] for c in numeric},
                                 overwrite=False)
    if caption:
        st = st.set_caption(html.escape(caption))   # scenario text (option names, price base) is never live HTML
    return st


def _pct(x: float) -> str:
    return f"{x:.1%}".replace(".0%", "%")


def sharing_table(scenario: ScenarioSet, shares: pd.DataFrame) -> pd.DataFrame:
    """Each partner's real share on each basis beside the agreed split, with the gap in percentage points.

    Examples
    --------
    >>> s = load_scenarios({"name": "x", "base_year": 2013, "price_base": "p", "agreed_split": {"A": 69, "B": 31},
    ...     "forces": [{"name": "A"}, {"name": "B"}], "options": [{"name": "o"}]})
    >>> sh = pd.DataFrame({"financial_year": "2013/14", "basis": "population", "force": ["A", "B"],
    ...                    "value": [650.0, 350.0], "share": [0.65, 0.35], "source": "ONS"})
    >>> sharing_table(s, sh)[["force", "share", "agreed_share", "gap_pp"]].round(2).values.tolist()
    [['A', 0.65, 0.69, 4.0], ['B', 0.35, 0.31, -4.0]]
    """
    out = shares.copy()
    if scenario.agreed_split and not out.empty:
        agreed = {k: v / 100 for k, v in scenario.agreed_split.items()}
        out["agreed_share"] = out["force"].map(agreed)
        out["gap_pp"] = (out["agreed_share"] - out["share"]) * 100
    return out


def summary_markdown(scenario: ScenarioSet, case: dict[str, pd.DataFrame], *, focus: str,
                     shares: pd.DataFrame | None = None, share_notes: Sequence[str] = (), horizon: int = 10,
                     schedule: str = "green_book", rate: float = 0.035, n_draws: int = 10_000) -> str:
    """The report's opening summary of findings in numbers, generated from the results (Markdown).

    Examples
    --------
    >>> s = load_scenarios({"name": "x", "base_year": 2013, "price_base": "real 2013/14", "forces": [{"name": "A"}],
    ...     "options": [{"name": "o", "savings": [{"area": "s", "amount_gbp_m": 10, "start_year": 2014}]}]})
    >>> text = summary_markdown(s, business_case(s, horizon=3, n_draws=0), focus="o", horizon=3, n_draws=0)
    >>> "planned (deterministic) NPV of o is GBP 19.0m" in text
    True
    """
    from alliance_analysis.presentation.report import escape_markdown as esc
    from alliance_analysis.scenarios.uncertainty import _gbp

    disc = ("the Green Book schedule (3.5% a year to year 30)" if schedule == "green_book"
            else f"a flat {rate:.1%} a year")
    lines = [f"**{esc(scenario.name)}**: {len(case['comparison'])} options against the stand-alone status quo over "
             f"{horizon} years from {_fy(scenario.base_year)}, discounted at {disc}; GBP m, {esc(scenario.price_base)}."]
    head = case.get("headline", pd.DataFrame())
    planned = case["comparison"].set_index("option")["npv_gbp_m"]
    if not head.empty:
        lines.append("- " + esc(head.attrs["headline"]))
        lines.append("- " + esc(head.attrs["explanation"]))
    else:
        lines.append(f"- The planned (deterministic) NPV of {esc(focus)} is {_gbp(float(planned[focus]))}; the Monte Carlo "
                     "is switched off (`n_draws = 0`), so there is no expected value or range.")
    rank = case.get("ranking", pd.DataFrame())
    if not rank.empty and len(rank) > 1:
        lines.append("- Ranking by expected NPV: " + esc(rank.attrs["summary"]))
        best_planned = str(planned.idxmax())
        if best_planned != rank["option"].iloc[0]:
            lines.append(f"- On the planned figures alone {best_planned} would rank first "
                         f"({_gbp(float(planned.max()))}); the risk-adjusted order differs.")
    if shares is not None and not shares.empty and scenario.agreed_split:
        agreed = {k: v / 100 for k, v in scenario.agreed_split.items()}
        split = ":".join(f"{v:g}" for v in scenario.agreed_split.values())
        parts = []
        for basis, g in shares.groupby("basis", sort=False):
            first = g.iloc[0]
            parts.append(f"{first['force']} had {_pct(first['share'])} of the partners' {basis} "
                         f"(agreed share {_pct(agreed[first['force']])})")
        lines.append(f"- Real shares in {shares['financial_year'].iloc[0]} against the agreed {split} split: "
                     + "; ".join(parts) + ".")
    for note in share_notes:
        lines.append(f"- {esc(note)}")
    res = case.get("reserves", pd.DataFrame())
    if not res.empty:
        r = res[res["option"] == focus]
        unchecked = sorted(set(r.loc[r["first_breach"].astype(str).str.startswith("not checked"), "force"]))
        r = r[~r["force"].isin(unchecked)]
        breach = r.dropna(subset=["first_breach"]).groupby("force")["first_breach"].first()
        if unchecked:
            lines.append(f"- Reserves are not checked for {', '.join(unchecked)}: the scenario gives no reserves "
                         "figure.")
        if r.empty:
            pass
        elif breach.empty:
            lines.append(f"- Under {esc(focus)} no force's reserves fall below the floor within the horizon.")
        else:
            lines.append(f"- Under {esc(focus)} reserves first fall below the floor in "
                         + ", ".join(f"{y} ({f})" for f, y in breach.items()) + ".")
    return "\n".join(lines)
