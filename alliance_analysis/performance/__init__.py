"""Performance information a PCC can hold a chief constable to account with (issue 19).

The review found that "PCCs lack both independent performance information and the
capability to analyse what data is available" (seed 002, para 18). This stage answers "are
service standards rising or falling?" for any force or group of forces:

- :mod:`.measures`: recorded crime and harm per 1,000 residents, the charge/summons rate and
  the main outcome groups' shares (on a stated counting basis), arrests per 1,000 residents
  and per 100 crimes, stop and search per 1,000 and the share leading to arrest, officers per
  1,000 and harm per officer; every measure a numerator over a denominator, so groups add up;
- :mod:`.spc`: XmR and Laney p'/u' charts and the NHS "Making Data Count" special-cause rules,
  giving dated "improving" / "deteriorating" / "no significant change" sentences;
- :mod:`.funnelplot`: funnel plots with overdispersion-adjusted limits (Spiegelhalter 2005) against
  all forces and against similar forces (:mod:`.peers`: the published most similar group, else
  a stated rule);
- :mod:`.calibration`: false-alarm rates of each chart and the funnel on simulated stable
  processes with the overdispersion measured on the real panel;
- :mod:`.report`: :func:`performance_report` and the self-rendering :class:`PerformanceReport`
  (the answer, the one-page table, a page per measure, the appendix); :mod:`.plots`: the charts.

May import: the foundation modules, ``datasets``, ``series``, ``demand`` and ``presentation``.

Examples
--------
>>> lim = laney_limits([10, 20, 30], [100, 100, 100])
>>> round(float(lim["upper"].iloc[0]), 4)
0.466
"""

from alliance_analysis.performance.calibration import calibrate, chart_false_alarms, funnel_false_alarms
from alliance_analysis.performance.funnelplot import funnel, overdispersion
from alliance_analysis.performance.measures import (MEASURES, annual_panel, outcome_panel, street_outcome_panel,
                                                    with_group)
from alliance_analysis.performance.peers import similar_forces, similar_to_group
from alliance_analysis.performance.report import PerformanceReport, performance_report
from alliance_analysis.performance.spc import laney_limits, signal_episodes, special_causes, xmr_limits

__all__ = ["MEASURES", "PerformanceReport", "annual_panel", "calibrate", "chart_false_alarms", "funnel",
           "funnel_false_alarms", "laney_limits", "outcome_panel", "overdispersion", "performance_report",
           "signal_episodes", "similar_forces", "similar_to_group", "special_causes", "street_outcome_panel",
           "with_group", "xmr_limits"]
