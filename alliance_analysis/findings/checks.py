"""Named checks that recompute a claim: arithmetic on the transcribed seed figures, and
recomputations from the Home Office and ONS public series (see :mod:`alliance_analysis.findings.data_checks`)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

import numpy as np

from alliance_analysis.datasets.seed import seed_value
from alliance_analysis.errors import DataValidationError
from alliance_analysis.findings.data_checks import HOME_OFFICE_CHECKS

log = logging.getLogger(__name__)


def _operand(token: str) -> float:
    """A seed id, or several joined with '+', summed."""
    return float(sum(seed_value(t.strip()) for t in token.split("+")))


def _seed_operands(inputs: str) -> list[float]:
    return [_operand(tok) for tok in inputs.split(";") if tok.strip()]


def _pct_change(v: Sequence[float]) -> float:
    return (v[0] / v[1] - 1.0) * 100.0


def _pct_fall(v: Sequence[float]) -> float:
    return (v[0] - v[1]) / v[0] * 100.0


def _count_increases(v: Sequence[float]) -> float:
    if len(v) % 2:
        raise DataValidationError("count_increases needs (new, old) pairs", column="inputs",
                                  fix="list the inputs as new;old;new;old...")
    return float(sum(v[i] > v[i + 1] for i in range(0, len(v), 2)))


#: Named checks over seed operands (first operand first).
SEED_CHECKS: dict[str, Callable[[Sequence[float]], float]] = {
    "value": lambda v: v[0],
    "sum": lambda v: float(sum(v)),
    "mean": lambda v: float(np.mean(v)),
    "difference": lambda v: v[0] - v[1],
    "product": lambda v: float(np.prod(v)),
    "ratio": lambda v: v[0] / v[1],
    "ratio_pct": lambda v: v[0] / v[1] * 100.0,
    "pct_change": _pct_change,
    "pct_fall": _pct_fall,
    "count_increases": _count_increases,
}


def _population_share(forces: list[str]) -> float:
    from alliance_analysis.datasets.population import load_census_2011_population

    pop = load_census_2011_population().set_index("force")["population"]
    return float(pop[forces[0]] / pop[forces].sum() * 100.0)


def _prc_share(forces: list[str]) -> float:
    from alliance_analysis.datasets.prc import load_prc_table

    prc = load_prc_table()
    tot = prc[prc["force"].isin(forces)].groupby("force")["count"].sum()
    return float(tot[forces[0]] / tot[forces].sum() * 100.0)


#: Named checks that recompute from public data (inputs are force names).
DATA_CHECKS: dict[str, Callable[[list[str]], float]] = {
    "population_share": _population_share,
    "prc_share": _prc_share,
    **HOME_OFFICE_CHECKS,
}
