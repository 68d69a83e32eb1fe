"""Policy impact: interrupted time series, difference-in-differences and synthetic control.

Modules: ``its``, ``did``, ``sc`` (synthetic control), ``report`` (verdict), ``plots``; every
public name of those is importable from ``alliance_analysis.evaluation``. The reports use
``comparison`` (the comparison-group estimator with placebo inference over forces and dates,
and the smallest detectable change), ``register`` (the collaborations register and the
comparison-pool rule), ``studies`` (the shipped and custom designs), ``staggered`` (the
collaborations' average event-time effects), ``placebo`` (size and power on placebo designs
from the real panel and synthetic series) and ``sdid`` (synthetic difference-in-differences,
checked against its published Proposition 99 result); import those modules directly.

Every function takes a long table with a ``month``, ``quarter`` or ``period`` column of
pandas ``Period`` values (monthly, quarterly or annual; the seasonal period and the
"per year" scaling come from that frequency) and a ``count`` column, and returns a result
object that carries the effect with its interval, the inference used, and any declared
data breaks overlapping the window.

- :func:`interrupted_time_series`: segmented count regression (negative binomial or
  quasi-Poisson GLM) with season-of-year effects, a pre-trend, optional covariates (population,
  the comparison forces' total: a comparative design), and a level and slope change;
  also the average and cumulative effect over the post-period (observed minus the no-change
  counterfactual) with 95% intervals, in counts and in percent. Declared gaps are excluded;
  a declared recording-practice change gets its own level shift.
- :func:`difference_in_differences`: two-way fixed effects on log(count + 1) for one or a
  few treated forces, with two calibrated tests: randomisation inference over the donor
  pool (exact; the smallest attainable p-value is stated) and a small-cluster t test
  (Donald-Lang aggregation to one change per force, t with G - 2 degrees of freedom).
  Conventional cluster-robust errors with one treated force reject a true null 37-55% of
  the time at a nominal 5% and are not reported.
- :func:`synthetic_control`: the Abadie-Diamond-Hainmueller levels estimator (convex donor
  weights on the pre-period outcomes, optionally predictors) or the scaled variant (each
  unit divided by its pre-period mean); weights solved as a quadratic programme with an
  analytic gradient and a certified optimality gap; placebo tests in space and time.
- :func:`verdict`: the design, the effect with its interval, the placebo rank, and what
  would overturn the conclusion, with the thresholds in :data:`THRESHOLDS`.

Dates: the alliance began on 1 November 2011; West Mercia's new policing model on 30
September 2013 (first post month 2013-10).

May import: the foundation modules, ``datasets``, ``series``, ``demand`` (comparison groups by
similarity) and ``presentation``.

Examples
--------
>>> months = pd.period_range("2011-01", periods=48, freq="M")
>>> y = np.where(np.arange(48) >= 24, 120, 100)
>>> r = interrupted_time_series(pd.DataFrame({"month": months, "count": y}), "2013-01", seasonality=False)
>>> round(r.level_change, 2), round(r.average_effect, 1)
(0.2, 20.0)
"""

import numpy as np  # noqa: F401  (doctest namespace)
import pandas as pd  # noqa: F401

from alliance_analysis.evaluation._common import (
    MIN_CLUSTERS, PERIOD_COLUMNS, THRESHOLDS, ConvergenceWarning, DataBreak, SmallSampleWarning, declared_breaks,
    periods_per_year,
)
from alliance_analysis.evaluation.did import DiDResult, did_statistics, difference_in_differences, randomisation_p
from alliance_analysis.evaluation.its import ITSResult, interrupted_time_series
from alliance_analysis.evaluation.plots import plot_counterfactual, plot_fan, plot_synthetic_control
from alliance_analysis.evaluation.report import verdict
from alliance_analysis.evaluation.sc import (
    SimplexFit, SyntheticControlResult, placebo_test_arrays, simplex_least_squares, synthetic_control,
)

__all__ = [
    "MIN_CLUSTERS", "PERIOD_COLUMNS", "THRESHOLDS", "ConvergenceWarning", "DataBreak", "DiDResult", "ITSResult",
    "SimplexFit", "SmallSampleWarning", "SyntheticControlResult", "declared_breaks", "did_statistics",
    "difference_in_differences", "interrupted_time_series", "periods_per_year", "placebo_test_arrays",
    "plot_counterfactual", "plot_fan", "plot_synthetic_control", "randomisation_p", "simplex_least_squares",
    "synthetic_control", "verdict",
]
