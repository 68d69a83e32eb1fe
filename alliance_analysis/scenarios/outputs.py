"""Outputs of the business case: figures, the assumptions table and the full set of tables."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from alliance_analysis.errors import ParameterError
from alliance_analysis.scenarios.appraisal import Appraisal, _option, appraise, compare_options, option_flows
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

    from alliance_analysis.plots import apply_house_style, figure_title

    apply_house_style()
    x = base.flows["financial_year"]
    lo, mid, hi = np.percentile(mc.cumulative_pv_net, [10, 50, 90], axis=0)
    fig, ax = plt.subplots()
    ax.fill_between(range(len(x)), lo, hi, alpha=0.25, label="Monte Carlo 10-90%")
    ax.plot(range(len(x)), mid, ls="--", label="Monte Carlo median")
    ax.plot(range(len(x)), base.flows["cumulative_pv_net_gbp_m"], lw=2, label="deterministic")
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xticks(range(len(x)))
    ax.set_xticklabels(x, rotation=45, fontsize=8)
    ax.set_ylabel("cumulative discounted net benefit, GBP m")
    fig.text(0.01, 0.005, f"Prices: {base.price_base}. Year 0 undiscounted.", fontsize=7, color="0.35")
    figure_title(ax, title or f"{base.option}: cumulative net benefit", synthetic=False)
    ax.legend()
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

    from alliance_analysis.plots import apply_house_style, figure_title

    apply_house_style()
    t = tor.iloc[::-1]
    base = t["base_npv"].iloc[0]
    fig, ax = plt.subplots(figsize=(8, 3.5))
    ax.barh(t["input"], t["high_npv"] - base, left=base, color="#2e7d32", label="favourable end")
    ax.barh(t["input"], t["low_npv"] - base, left=base, color="#c62828", label="adverse end")
    ax.axvline(base, color="black", lw=0.8)
    ax.axvline(0, color="grey", lw=0.8, ls=":")
    ax.set_xlabel("NPV, GBP m")
    figure_title(ax, title, synthetic=False)
    ax.legend(fontsize=8)
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
    >>> round(float(plot_waterfall(s, "o", horizon=3).axes[0].patches[-1].get_height()), 6)   # 10 + 10 - 15
    5.0
    """
    import matplotlib.pyplot as plt

    from alliance_analysis.plots import apply_house_style, figure_title

    apply_house_style()
    f = option_flows(scenario, option, horizon)
    g = f.groupby(["area", "kind"], as_index=False)["amount_gbp_m"].sum()
    g = g[g["amount_gbp_m"] != 0].sort_values("amount_gbp_m", ascending=False)
    fig, ax = plt.subplots(figsize=(10, 4.8))
    running = 0.0
    for i, r in enumerate(g.itertuples()):
        ax.bar(i, r.amount_gbp_m, bottom=running, color="#2e7d32" if r.amount_gbp_m > 0 else "#c62828")
        running += r.amount_gbp_m
    ax.bar(len(g), running, color="#0d47a1")
    ax.set_xticks(range(len(g) + 1))
    ax.set_xticklabels([*g["area"].str.slice(0, 28), "net"], rotation=40, ha="right", fontsize=7)
    ax.set_ylabel(f"GBP m over {horizon} years (undiscounted, before optimism bias)")
    figure_title(ax, f"{_option(scenario, option).name}: savings and costs", synthetic=False)
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

    from alliance_analysis.plots import apply_house_style, figure_title, grouped_bars

    apply_house_style()
    fig, ax = plt.subplots(figsize=(9, 4))
    grouped_bars(fair, category="rule", group="force", value="pv_net_gbp_m", ax=ax)
    ax.set_ylabel("PV net benefit, GBP m")
    figure_title(ax, "Who gains under each cost-sharing rule", synthetic=False)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


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
                rows.append({"item": f"{f.name}: {attr}", "value_gbp_m": resolve(v),
                             "source": v.describe() if isinstance(v, SeedRef) else "", "assumption": f.assumption or ""})
    for o in scenario.options:
        for s in [*o.savings, *o.costs]:
            label = s.area if isinstance(s, SavingsFlow) else s.item
            rows.append({"item": f"{o.name}: {label}", "value_gbp_m": resolve(s.amount_gbp_m),
                         "source": s.amount_gbp_m.describe() if isinstance(s.amount_gbp_m, SeedRef) else (s.source or ""),
                         "assumption": s.assumption or ""})
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
    cmp = compare_options(scenario, horizon=horizon, schedule=schedule, rate=rate)
    cmp = cmp[cmp["option"].isin(names)].reset_index(drop=True)
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
        res.append(r.assign(option=n, first_breach=r["force"].map(r.attrs["first_breach"])))
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
