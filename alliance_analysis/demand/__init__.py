"""Demand analysis: volume, harm, trends, demand vs resources, control-room staffing.

Answers the Police Foundation review's questions (seed 002, paras 17, 33, 46, 68, 90):
what demand there is and where (volume, share, annual rate per 1,000 residents of each
year, seasonality); how much harm it carries (ONS Crime Severity Score, Cambridge Crime
Harm Index); which demand is rising or diminishing (count regression with seasonality
and declared data breaks, multiple-comparison corrected); whether each partner's cost
share matches its share of demand, year by year; and how many call handlers a control
room needs (Erlang C), pooled or separate.

One module per question: ``profile``, ``harm``, ``trends``, ``resources``, ``annual``
(year-by-year rates and shares on the Home Office long series), ``staffing``, ``plots``;
and for the review's demand as it meant it (issue 22): ``police_time`` (offences in police
hours against workforce hours), ``pressure`` (harm per officer against the most similar
group), ``streams`` (anti-social behaviour as incidents; where crime and harm concentrate),
``unmet`` (Crime Survey against recorded crime) and ``review`` (all of them, with the
report's opening answer).

May import: the foundation modules, ``datasets``, ``series`` and ``presentation``.

Examples
--------
>>> round(erlang_c(2.0, 3), 12)   # A = 2 Erlangs, N = 3 agents: 4/9
0.444444444444
"""

from alliance_analysis.demand._common import HARM_APPROXIMATION
from alliance_analysis.demand.annual import (annual_rates, drift_summary, financial_year_totals, fy_label,
                                             plot_split_drift, population_for_years, shares_by_year, split_drift)
from alliance_analysis.demand.harm import (harm_weighted, harm_weights_from_file, police_uk_harm_weights,
                                           rank_volume_vs_harm, volume_and_harm)
from alliance_analysis.demand.plots import (plot_annual_rates, plot_demand_heatmap, plot_volume_harm_years, plot_share_vs_split, plot_staffing_curve,
                                            plot_trends, plot_volume_vs_harm)
from alliance_analysis.demand.profile import demand_profile, seasonality_index
from alliance_analysis.demand.resources import (WORKFORCE_MEASURES, demand_vs_split, resource_shares,
                                                split_from_seed)
from alliance_analysis.demand.staffing import (erlang_c, erlang_c_performance, erlang_c_staffing, pooled_vs_separate,
                                               response_compliance, seed_response_compliance, wilson_interval)
from alliance_analysis.demand.report import DemandAnalysis, demand_analysis, volume_and_harm_by_year
from alliance_analysis.demand._common import check_split
from alliance_analysis.demand.police_time import PRODUCTIVE_HOURS_PER_FTE, hours_by_offence_code, hours_per_fte
from alliance_analysis.demand.pressure import against_group, comparison_group, harm_per_officer
from alliance_analysis.demand.review import DemandReview, demand_review, split_pressure
from alliance_analysis.demand.streams import asb_stream, concentration, crime_only
from alliance_analysis.demand.unmet import load_csew_vs_recorded, unmet_demand, unmet_totals
from alliance_analysis.demand.trends import NOT_ESTIMABLE, TOO_SHORT, classify_trends, periods_per_year, time_column

__all__ = [
    "annual_rates", "drift_summary", "financial_year_totals", "fy_label", "plot_split_drift", "population_for_years",
    "shares_by_year", "split_drift", "TOO_SHORT", "NOT_ESTIMABLE", "DemandAnalysis", "demand_analysis",
    "volume_and_harm_by_year", "seed_response_compliance", "plot_annual_rates", "plot_volume_harm_years", "periods_per_year", "time_column",
    "HARM_APPROXIMATION", "classify_trends", "demand_profile", "demand_vs_split", "erlang_c", "erlang_c_performance",
    "erlang_c_staffing", "harm_weighted", "harm_weights_from_file", "plot_demand_heatmap", "plot_share_vs_split",
    "plot_staffing_curve", "plot_trends", "plot_volume_vs_harm", "police_uk_harm_weights", "pooled_vs_separate",
    "rank_volume_vs_harm", "resource_shares", "response_compliance", "seasonality_index", "split_from_seed",
    "volume_and_harm", "wilson_interval", "WORKFORCE_MEASURES",
    "check_split", "PRODUCTIVE_HOURS_PER_FTE", "hours_by_offence_code", "hours_per_fte", "against_group",
    "comparison_group", "harm_per_officer", "DemandReview", "demand_review", "split_pressure", "asb_stream",
    "concentration", "crime_only", "load_csew_vs_recorded", "unmet_demand", "unmet_totals",
]
