"""Merger and alliance business cases: scenarios, Green Book appraisal, uncertainty, fairness.

Modules: :mod:`.model` (scenario models and loading), :mod:`.appraisal` (discounting,
NPV, BCR, payback), :mod:`.uncertainty` (Monte Carlo, switching values, tornado,
risk-adjusted headline and option ranking), :mod:`.fairness` (sharing rules, reserves),
:mod:`.outputs` (figures and tables), :mod:`.workbook` (the Excel workbook), :mod:`.generic` (a
scenario for any group of forces from their real shares and stated defaults), :mod:`.report`
(notebook 03's results object: the answer, key figures, sections, appendix). Every
public name is importable from ``alliance_analysis.scenarios``.

Scenario files are YAML (top-level keys starting with ``_`` may hold anchors; nested
lists under ``savings``/``costs`` are flattened so anchored blocks combine) validated by
typed, frozen models: unknown keys, wrong types and inconsistent values are rejected
with the key path, e.g. ``options[2].savings[0].start_year``. Money is in GBP millions;
a value may be a number or ``{seed: <id>, less: [<id>...], scale: x}``, resolved from
``data/raw/seed/`` at load time so every default names its source row(s); anything
else carries an ``assumption`` text that is shown in the outputs
(:func:`assumptions_table`).

Conventions
-----------
- Years are financial years, identified by their starting calendar year (2013 = 2013/14).
  Appraisal year 0 is the scenario's ``base_year``. Every option is appraised against the
  stand-alone status quo (its NPV is 0 by construction).
- Discounting follows the HM Treasury Green Book: 3.5% a year for years 1-30, then 3.0%
  (31-75), 2.5% (76-125), 2.0% (126-200), 1.5% (201-300), 1.0% beyond, compounded year by
  year (DF_t = prod 1/(1 + r_k)); year 0 is undiscounted (as ``numpy_financial.npv``). A
  spreadsheet's ``NPV()`` discounts its first value by one period: :func:`npv` offers
  both; every NPV in the tables uses the year-0 convention.
- Prices: real, at the ``price_base`` stated in every output. The default scenario files
  take the papers' cash figures as real at base-year prices (no deflator); a scenario
  with ``prices: nominal`` is deflated by its ``deflator_index`` before discounting.
- Optimism bias uplifts costs by ``optimism_bias x (1 - optimism_mitigation)``; savings
  are not adjusted (their risk is in the Monte Carlo).
- The discounted payback year is the first year from which the cumulative discounted net
  benefit stays non-negative to the horizon.
- The headline is the expected (risk-adjusted) NPV: the mean over seeded Monte Carlo draws,
  with its P10-P90 range and P(NPV < 0); the planned (deterministic) case sits beside it with
  a generated sentence saying which inputs lean which way (:func:`risk_adjusted`). Options are
  ranked by expected NPV from common random numbers; neighbours whose P(beats next) lies
  in 0.4-0.6 are called indistinguishable (:func:`rank_options`).
- Sharing rules can use the partners' real recorded-crime, population and workforce shares
  of the scenario's ``share_year`` (:func:`with_real_shares`).
- Scenario numbers must be finite (``.nan``/``.inf`` are errors naming the key path) and
  money amounts within +/-GBP 1 trillion; YAML is read by
  :func:`alliance_analysis.yamlio.load_yaml_mapping` (aliases bounded, duplicate keys refused).

May import: the foundation modules, ``datasets``, ``series``, ``demand`` and ``presentation``.

Examples
--------
>>> round(float(discount_factors(32)[31]), 6) == round(1.035 ** -30 * 1.03 ** -1, 6)
True
>>> npv([0.035], [-100, 103.5])
0.0
"""

from alliance_analysis.scenarios.appraisal import (GREEN_BOOK_SCHEDULE, Appraisal, _benefit_cost_vectors, _fy, _option,  # noqa: F401
                                                   fy_label,
                                                   _paid_back, _real_factors, appraise, compare_options,
                                                   discount_factors, npv, option_flows)
from alliance_analysis.scenarios.fairness import (SHARE_FIELDS, SHARE_SOURCES, fairness, with_real_shares, force_flows, partner_shares,
                                                 real_sharing_data, reserves_trajectory, split_shares,
                                                 with_partner_shares)
from alliance_analysis.scenarios.model import (CostItem, Distribution, ForceSpec, Leadership, Money, Option,
                                               SavingsFlow, ScenarioSet, SeedRef, Uncertainty, load_scenarios, resolve,
                                               with_force_figures)
from alliance_analysis.scenarios.outputs import (assumptions_table, business_case, focus_option, plot_cumulative,
                                                 plot_fairness, plot_tornado, plot_waterfall, reader_table,
                                                 scenario_path, sharing_table, summary_markdown)
from alliance_analysis.scenarios.uncertainty import (INDISTINGUISHABLE_BAND, MonteCarloResult, RiskAdjustedCase,
                                                     draw_inputs, explain_difference, input_leaning, monte_carlo,
                                                     rank_options, ranking_sentence, risk_adjusted, switching_values,
                                                     tornado)
from alliance_analysis.scenarios.generic import SAVINGS_PER_FTE_GBP, generic_scenario
from alliance_analysis.scenarios.report import BusinessCaseReport, md_text, money, run_business_case
from alliance_analysis.scenarios.workbook import (case_formulas, column_label, number_format, refuse_raw_data, run_id,
                                                  save_business_case, workbook_cover, workbook_path, write_workbook)

__all__ = [
    "GREEN_BOOK_SCHEDULE", "Appraisal", "CostItem", "Distribution", "ForceSpec", "Leadership", "Money",
    "MonteCarloResult", "Option", "SavingsFlow", "ScenarioSet", "SeedRef", "Uncertainty", "appraise",
    "assumptions_table", "business_case", "compare_options", "discount_factors", "fairness", "focus_option",
    "force_flows", "load_scenarios", "monte_carlo", "npv", "option_flows", "plot_cumulative", "plot_fairness",
    "plot_tornado", "plot_waterfall", "reserves_trajectory", "resolve", "scenario_path", "split_shares",
    "switching_values", "tornado", "with_force_figures", "workbook_path", "write_workbook",
    "INDISTINGUISHABLE_BAND", "RiskAdjustedCase", "draw_inputs", "explain_difference", "input_leaning",
    "rank_options", "ranking_sentence", "risk_adjusted", "column_label", "number_format", "run_id",
    "save_business_case", "workbook_cover", "SHARE_FIELDS", "partner_shares", "real_sharing_data",
    "with_partner_shares", "reader_table", "sharing_table", "summary_markdown", "SHARE_SOURCES",
    "with_real_shares", "fy_label", "SAVINGS_PER_FTE_GBP", "generic_scenario", "BusinessCaseReport", "md_text",
    "money", "run_business_case", "case_formulas", "refuse_raw_data",
]
