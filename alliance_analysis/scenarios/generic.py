"""A generic business case for any group of forces, built from their real shares and stated default assumptions.

The two shipped scenario files hold the figures the alliances' own papers printed. Any
other group of forces has no such papers, so :func:`generic_scenario` builds the options
from the group's **real** workforce (Home Office FTE at 31 March), population (ONS) and
recorded crime (Home Office), with defaults scaled from what the two alliances reported
(each default is stated in the assumptions table and in ``docs/scenario_format.md``):

- **savings**: GBP :data:`SAVINGS_PER_FTE_GBP` a year per full-time-equivalent worker
  of the group, the mean of the two alliances' planned savings per FTE (Warwickshire and
  West Mercia: GBP 30.2m over 5,071.74 FTE at 31 March 2014 = GBP 5,955; Devon and
  Cornwall and Dorset: GBP 12m over 7,394.17 FTE at 31 March 2015 = GBP 1,623), ramped
  evenly over three years from the year after the base year;
- **programme costs**: :data:`PROGRAMME_COST_RATIO` of the full yearly saving (Devon and
  Cornwall and Dorset: a GBP 5m programme for a GBP 12m yearly saving), spread over the
  base year and the next;
- **full merger** adds one chief officer team (five posts a force before, the review's
  typical team of six after, GBP 150,000 a post), one PCC office (GBP 0.8m a year for each
  office removed) and GBP 5m of one-off merger costs for each force joining the first;
- costs are shared by workforce (no split has been agreed; the other rules are compared); reserves are not given, so
  they are reported as not checked.

Examples
--------
>>> wf = pd.DataFrame({"force": ["Cumbria", "Lancashire"], "year": 2020, "value": [1000.0, 3000.0]})
>>> s = generic_scenario(["Cumbria", "Lancashire"], frames={"workforce": wf}, base_year=2019)   # FTE at 31 March 2020
>>> [o.name for o in s.options], s.agreed_split is None
(['status quo (stand-alone)', 'alliance', 'full merger'], True)
>>> round(float(s.options[1].savings[0].amount_gbp_m), 4)   # 4,000 FTE x GBP 3,788.73
15.1549
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import pandas as pd

from alliance_analysis.errors import ParameterError
from alliance_analysis.scenarios.model import ScenarioSet, load_scenarios

log = logging.getLogger(__name__)

#: the two alliances' planned yearly savings (GBP) and their workforce FTE in the year the plan began
ALLIANCE_SAVINGS_PER_FTE: dict[str, tuple[float, float]] = {
    "Warwickshire and West Mercia (blueprint, 2013/14)": (30.2e6, 5071.74),
    "Devon and Cornwall and Dorset (peak, 2014/15)": (12.0e6, 7394.17),
}
#: default yearly saving per FTE of the group (GBP): the mean of the two alliances' figures
SAVINGS_PER_FTE_GBP: float = sum(s / f for s, f in ALLIANCE_SAVINGS_PER_FTE.values()) / len(ALLIANCE_SAVINGS_PER_FTE)
#: default one-off programme cost as a multiple of the full yearly saving (Devon and Cornwall and Dorset: 5 / 12)
PROGRAMME_COST_RATIO: float = 5.0 / 12.0
#: default base year of a generic scenario: 2019/20, the latest year every shipped basis covers before the pandemic
GENERIC_BASE_YEAR = 2019


def generic_scenario(forces: Sequence[str], *, base_year: int = GENERIC_BASE_YEAR,
                     frames: Mapping[str, pd.DataFrame] | None = None) -> ScenarioSet:
    """A business-case scenario for ``forces`` built from their real workforce with the module's stated defaults.

    Parameters
    ----------
    forces : sequence of str
        Two or more force names (canonical spelling, or a group name from the shipped groups).
    base_year : int
        Appraisal year 0 (first calendar year of the financial year); also the year of the shares.
    frames : mapping, optional
        ``workforce`` (and any of ``crime``, ``population``) tables as
        :func:`alliance_analysis.scenarios.real_sharing_data` returns; default: loaded from
        the shipped series.

    Raises
    ------
    ParameterError
        Fewer than two forces, an unknown force, or no workforce figure for every force in
        ``base_year``.
    """
    from alliance_analysis.clean import resolve_forces
    from alliance_analysis.errors import AllianceError
    from alliance_analysis.scenarios.fairness import _year_frame, real_sharing_data

    try:
        names = resolve_forces(list(forces))
    except (AllianceError, ValueError, KeyError) as exc:
        raise ParameterError(f"forces {list(forces)}: {exc}") from None
    if len(names) < 2:
        raise ParameterError(f"forces {names}: a business case for collaboration needs two or more forces")
    if frames is None:
        frames, _ = real_sharing_data(names)
    wf = frames.get("workforce")
    if wf is None:
        raise ParameterError("no workforce figures: the generic scenario scales its savings by the group's "
                             "workforce; install the shipped workforce series or pass frames={'workforce': ...}")
    if "value" not in wf.columns:
        wf = _year_frame(wf, "workforce")
    # workforce ``year`` is the 31 March snapshot, i.e. the END of the financial year (as demand.shares_by_year)
    got = wf[(wf["year"] == base_year + 1) & wf["force"].isin(names)].groupby("force")["value"].sum()
    missing = [n for n in names if n not in got.index]
    if missing:
        years = sorted(int(y) for y in wf["year"].unique())
        raise ParameterError(f"no workforce figure for {missing} at 31 March {base_year + 1} (the end of "
                             f"{base_year}/{(base_year + 1) % 100:02d}; workforce data cover 31 March "
                             f"{years[0] if years else '-'} to {years[-1] if years else '-'}); choose another base year")
    fte = float(got[names].sum())
    n = len(names)
    saving = round(fte * SAVINGS_PER_FTE_GBP / 1e6, 6)
    programme = round(saving * PROGRAMME_COST_RATIO, 6)
    group = " and ".join(names) if n == 2 else ", ".join(names[:-1]) + " and " + names[-1]
    per_fte = f"GBP {SAVINGS_PER_FTE_GBP:,.0f}"
    alliance_savings = [{
        "area": "Joint business areas",
        "amount_gbp_m": saving, "start_year": base_year + 1, "ramp_years": 3,
        "assumption": (f"default: {per_fte} a year per full-time-equivalent worker (mean of the two alliances' "
                       f"planned savings per worker) x the group's {fte:,.0f} FTE at 31 March {base_year + 1}; "
                       "ramped evenly over three years"),
    }]
    alliance_costs = [{
        "kind": "one_off_revenue", "item": "Collaboration programme", "amount_gbp_m": programme,
        "year": base_year, "years": 2,
        "assumption": (f"default: {PROGRAMME_COST_RATIO:.0%} of the full yearly saving (Devon and Cornwall and "
                       "Dorset: GBP 5m programme for GBP 12m a year), spread over two years"),
    }]
    merger_start = base_year + 3
    data = {
        "name": f"{group}: generic business case",
        "base_year": base_year,
        "price_base": f"real {base_year}/{(base_year + 1) % 100:02d} prices (default assumptions, not a plan)",
        "optimism_bias": 0.20, "optimism_mitigation": 0.50, "share_year": base_year,
        "forces": [{"name": f, "workforce": round(float(got[f]), 2),
                    "assumption": "reserves not given: not checked"} for f in names],
        "uncertainty": {"savings_delivery": {"dist": "triangular", "low": 0.70, "mode": 0.95, "high": 1.05},
                        "timing_slip_years": {"dist": "uniform_int", "low": 0, "mode": 0, "high": 2},
                        "cost_overrun": {"dist": "triangular", "low": 0.90, "mode": 1.10, "high": 1.60}},
        "options": [
            {"name": "status quo (stand-alone)", "split": "workforce",
             "description": "the forces stay separate; the baseline every other option is measured against"},
            {"name": "alliance", "split": "workforce", "savings": alliance_savings, "costs": alliance_costs,
             "description": "shared back-office and specialist teams, each force keeping its chief officers and PCC"},
            {"name": "full merger", "split": "workforce",
             "description": "the alliance plus one chief officer team and one PCC office",
             "savings": [*alliance_savings, {
                 "area": "One PCC office", "amount_gbp_m": round(0.8 * (n - 1), 6), "start_year": merger_start,
                 "assumption": "default: GBP 0.8m a year for each PCC office removed (not published)"}],
             "costs": [*alliance_costs, {
                 "kind": "one_off_revenue", "item": "Merger one-off costs", "amount_gbp_m": 5.0 * (n - 1),
                 "year": base_year + 2, "years": 2,
                 "assumption": "default: GBP 5m for each force joining the first (legal, systems, rebranding)"}],
             "leadership": {"chief_officers": {"seed": "typical_chief_officer_team"},
                            "baseline_chief_officers": 5 * n, "cost_per_post_gbp_m": 0.15,
                            "start_year": merger_start,
                            "assumption": "default: about five chief officers a force cut to the review's typical "
                                          "team of six; GBP 150,000 a post"}},
        ],
    }
    log.info("generic scenario for %s: %.1f FTE, saving GBP %.2fm a year", names, fte, saving)
    return load_scenarios(data)
