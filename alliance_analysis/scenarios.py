"""Merger and alliance business cases: scenarios, Green Book appraisal, uncertainty, fairness.

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

Examples
--------
>>> round(float(discount_factors(32)[31]), 6) == round(1.035 ** -30 * 1.03 ** -1, 6)
True
>>> npv([0.035], [-100, 103.5])
0.0
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from alliance_analysis.errors import DataValidationError, ParameterError

log = logging.getLogger(__name__)

GREEN_BOOK_SCHEDULE: tuple[tuple[int, float], ...] = (
    (30, 0.035), (75, 0.030), (125, 0.025), (200, 0.020), (300, 0.015), (10**9, 0.010),
)


# --------------------------------------------------------------------------- models

class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SeedRef(_Model):
    """A figure derived from the seed tables: ``(seed - sum(less)) * scale``.

    ``less`` and ``scale`` let a default be traced to its source rows, e.g. the blueprint
    savings less the slipped Criminal Justice review, or 69% of the combined reserves.
    """

    seed: str
    less: list[str] = Field(default_factory=list)
    scale: float = 1.0

    def describe(self) -> str:
        """Human-readable provenance, e.g. ``seed: (a - b) x 0.69``."""
        text = self.seed if not self.less else f"({' - '.join([self.seed, *self.less])})"
        return f"seed: {text}" + (f" x {self.scale:g}" if self.scale != 1 else "")


Money = float | SeedRef


class ForceSpec(_Model):
    """One force: budget, workforce, population, demand (for sharing rules) and reserves.

    Reserves open at the start of ``reserves_year`` (default: the base year) and fall by
    the planned drawdown each year to ``drawdown_end_year`` (default: every year).
    """

    name: str
    budget_gbp_m: Money | None = None
    workforce: float | None = Field(None, ge=0)
    population: int | None = Field(None, ge=0)
    demand: float | None = Field(None, ge=0)
    figure_basis: dict[str, str] = Field(default_factory=dict)
    reserves_gbp_m: Money = 0.0
    reserves_drawdown_gbp_m_per_year: Money = 0.0
    reserves_year: int | None = Field(None, ge=1900)
    drawdown_end_year: int | None = Field(None, ge=1900)
    assumption: str | None = None


class SavingsFlow(_Model):
    """A recurring saving: ramps linearly from ``start_year`` to full ``amount`` over ``ramp_years``."""

    area: str
    amount_gbp_m: Money
    start_year: int = Field(ge=1900)
    ramp_years: int = Field(1, ge=1)
    end_year: int | None = None
    force: str | None = None
    source: str | None = None
    assumption: str | None = None


class CostItem(_Model):
    """A one-off cost spread evenly over ``years`` starting ``year``."""

    kind: Literal["one_off_revenue", "capital", "redundancy"]
    item: str
    amount_gbp_m: Money
    year: int = Field(ge=1900)
    years: int = Field(1, ge=1)
    force: str | None = None
    source: str | None = None
    assumption: str | None = None


class Leadership(_Model):
    """Chief officer team: posts after the change vs before, and the cost of a post (GBP m a year).

    Counts may be seed references (e.g. ``{seed: ww_chief_officers_actual}``, the review's 8).
    """

    chief_officers: Annotated[int, Field(ge=0)] | SeedRef
    baseline_chief_officers: Annotated[int, Field(ge=0)] | SeedRef
    cost_per_post_gbp_m: float = Field(ge=0)

    @property
    def posts_removed(self) -> int:
        """Baseline posts less posts after the change (negative if the team grows)."""
        return int(round(resolve(self.baseline_chief_officers))) - int(round(resolve(self.chief_officers)))

    @property
    def saving_gbp_m(self) -> float:
        """Yearly saving from the change in team size (GBP m)."""
        return self.posts_removed * self.cost_per_post_gbp_m
    start_year: int = Field(ge=1900)
    source: str | None = None
    assumption: str | None = None


class Option(_Model):
    """One option: recurring savings, one-off costs, leadership change and its cost-sharing rule."""

    name: str
    description: str = ""
    savings: list[SavingsFlow] = Field(default_factory=list)
    costs: list[CostItem] = Field(default_factory=list)
    leadership: Leadership | None = None
    split: dict[str, float] | Literal["population", "workforce", "budget", "demand", "equal"] = "equal"

    @field_validator("split", mode="before")
    @classmethod
    def _seed_shares(cls, v: Any) -> Any:
        return _resolve_shares(v)


class Distribution(_Model):
    """A named distribution of a multiplicative factor or a number of years.

    ``fixed`` (always ``mode``; ``low``/``high`` ignored), ``triangular``, ``pert`` (beta-PERT, shape 4),
    ``uniform`` and ``uniform_int`` use ``low <= mode <= high``; ``lognormal`` uses
    ``median`` and ``sigma`` (of the log), with ``low``/``high`` ignored.

    Examples
    --------
    >>> d = Distribution(dist="pert", low=0.7, mode=0.95, high=1.1)
    >>> round(d.mean, 4)   # (0.7 + 4 x 0.95 + 1.1) / 6
    0.9333
    >>> Distribution(dist="lognormal", median=1.1, sigma=0.0).sample(np.random.default_rng(0), 2).tolist()
    [1.1, 1.1]
    """

    dist: Literal["fixed", "triangular", "pert", "uniform", "uniform_int", "lognormal"]
    low: float = 1.0
    mode: float = 1.0
    high: float = 1.0
    median: float | None = Field(None, gt=0)
    sigma: float | None = Field(None, ge=0)

    @model_validator(mode="after")
    def _order(self) -> Distribution:
        if self.dist == "lognormal":
            if self.median is None or self.sigma is None:
                raise ValueError("lognormal needs 'median' (> 0) and 'sigma' (>= 0, of the log)")
        elif self.dist != "fixed" and not self.low <= self.mode <= self.high:
            raise ValueError(f"need low <= mode <= high (got {self.low:g}, {self.mode:g}, {self.high:g})")
        return self

    @property
    def centre(self) -> float:
        """Most likely value: the mode, or the lognormal's median."""
        return float(self.median) if self.dist == "lognormal" else self.mode

    @property
    def mean(self) -> float:
        """Expected value (analytic)."""
        if self.dist == "lognormal":
            return float(self.median * np.exp(self.sigma**2 / 2))
        return {"fixed": self.mode, "triangular": (self.low + self.mode + self.high) / 3,
                "pert": (self.low + 4 * self.mode + self.high) / 6, "uniform": (self.low + self.high) / 2,
                "uniform_int": (np.floor(self.low) + np.floor(self.high)) / 2}[self.dist]

    def bounds(self) -> tuple[float, float]:
        """Low and high ends used by the tornado: ``low``/``high``, or the lognormal's 5th/95th percentiles."""
        if self.dist == "fixed":
            return self.mode, self.mode
        if self.dist == "lognormal":
            z = 1.6448536269514722  # standard normal 95th percentile
            return float(self.median * np.exp(-z * self.sigma)), float(self.median * np.exp(z * self.sigma))
        return self.low, self.high

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` seeded draws (vectorised); zero-width distributions return their centre exactly."""
        if self.dist == "fixed" or (self.dist != "lognormal" and self.low == self.high) or \
                (self.dist == "lognormal" and self.sigma == 0):
            return np.full(n, self.centre, dtype=float)
        if self.dist == "triangular":
            return rng.triangular(self.low, self.mode, self.high, n)
        if self.dist == "pert":
            width = self.high - self.low
            a = 1 + 4 * (self.mode - self.low) / width
            b = 1 + 4 * (self.high - self.mode) / width
            return self.low + width * rng.beta(a, b, n)
        if self.dist == "uniform":
            return rng.uniform(self.low, self.high, n)
        if self.dist == "uniform_int":
            return rng.integers(int(self.low), int(self.high) + 1, n).astype(float)
        return self.median * np.exp(self.sigma * rng.standard_normal(n))


class Uncertainty(_Model):
    """Distributions of the savings delivery factor, the timing slip (years) and the cost overrun factor."""

    savings_delivery: Distribution = Distribution(dist="fixed")
    timing_slip_years: Distribution = Distribution(dist="fixed", low=0, mode=0, high=0)
    cost_overrun: Distribution = Distribution(dist="fixed")


class ScenarioSet(_Model):
    """A scenario file: forces, options, appraisal settings and uncertainty.

    ``prices`` says whether the money figures are ``real`` (already in ``price_base``
    prices; the default) or ``nominal`` cash of each year, in which case
    ``deflator_index`` (financial-year start -> GDP deflator index) converts every
    yearly flow to base-year prices before discounting, as the Green Book requires.
    """

    name: str
    base_year: int = Field(ge=1900)
    price_base: str
    prices: Literal["real", "nominal"] = "real"
    deflator_index: dict[int, Annotated[float, Field(gt=0)]] | None = None
    optimism_bias: float = Field(0.0, ge=0, le=2)
    optimism_mitigation: float = Field(0.0, ge=0, le=1)
    agreed_split: dict[str, float] | None = None
    forces: list[ForceSpec] = Field(min_length=1)
    options: list[Option] = Field(min_length=1)
    uncertainty: Uncertainty = Uncertainty()

    @field_validator("agreed_split", mode="before")
    @classmethod
    def _seed_shares(cls, v: Any) -> Any:
        return _resolve_shares(v)

    @model_validator(mode="after")
    def _consistent(self) -> ScenarioSet:
        names = [f.name for f in self.forces]
        if len(set(names)) != len(names):
            raise ValueError("forces: duplicate force names")
        if self.prices == "nominal" and (self.deflator_index is None or self.base_year not in self.deflator_index):
            raise ValueError(f"deflator_index: nominal prices need a deflator index including the base year "
                             f"{self.base_year}")
        for i, opt in enumerate(self.options):
            if isinstance(opt.split, dict):
                _check_split(opt.split, names, f"options[{i}].split")
            for j, s in enumerate(opt.savings):
                if s.start_year < self.base_year:
                    raise ValueError(f"options[{i}].savings[{j}].start_year: {s.start_year} is before the scenario "
                                     f"starts ({self.base_year})")
                if s.end_year is not None and s.end_year < s.start_year:
                    raise ValueError(f"options[{i}].savings[{j}].end_year: {s.end_year} is before its start_year "
                                     f"({s.start_year})")
                if s.force is not None and s.force not in names:
                    raise ValueError(f"options[{i}].savings[{j}].force: {s.force!r} is not one of {names}")
            for j, c in enumerate(opt.costs):
                if c.year < self.base_year:
                    raise ValueError(f"options[{i}].costs[{j}].year: {c.year} is before the scenario starts "
                                     f"({self.base_year})")
                if c.force is not None and c.force not in names:
                    raise ValueError(f"options[{i}].costs[{j}].force: {c.force!r} is not one of {names}")
        if self.agreed_split is not None:
            _check_split(self.agreed_split, names, "agreed_split")
        return self


def _resolve_shares(v: Any) -> Any:
    """Resolve ``{force: {seed: id}}`` shares (e.g. the 69:31 rows of cost_splits.csv) to numbers."""
    if isinstance(v, Mapping):
        out = {}
        for k, x in v.items():
            if isinstance(x, Mapping) and "seed" in x:
                try:
                    out[k] = resolve(SeedRef(**x))
                except DataValidationError as exc:
                    raise ValueError(f"{k}: {exc.detail}") from None
            else:
                out[k] = x
        return out
    return v


def _check_split(split: Mapping[str, float], names: Sequence[str], where: str) -> None:
    if set(split) != set(names):
        raise ValueError(f"{where}: forces {sorted(split)} do not match the scenario's forces {sorted(names)}")
    if any(v < 0 for v in split.values()):
        raise ValueError(f"{where}: shares must be >= 0")
    if abs(sum(split.values()) - 100) > 1e-6:
        raise ValueError(f"{where}: shares sum to {sum(split.values()):g}%, not 100%")


def _key_path(loc: Sequence[Any]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def with_force_figures(scenario: ScenarioSet, figures: pd.DataFrame | Mapping[str, float],
                       field: Literal["demand", "workforce", "population"], *, basis: str | None = None) -> ScenarioSet:
    """A copy of ``scenario`` with each force's demand, workforce or population replaced.

    ``figures`` is a mapping force -> value, or a table with ``force`` and ``value`` columns
    such as :func:`alliance_analysis.demand.resource_shares` returns (then ``basis`` picks
    its rows). The basis is recorded so the fairness table names it (e.g. a synthetic series).

    Examples
    --------
    >>> s = load_scenarios({"name": "x", "base_year": 2013, "price_base": "p",
    ...     "forces": [{"name": "A"}, {"name": "B"}], "options": [{"name": "o"}]})
    >>> split_shares(with_force_figures(s, {"A": 30, "B": 10}, "demand"), "demand")
    {'A': 0.75, 'B': 0.25}
    """
    if field not in ("demand", "workforce", "population"):
        raise ParameterError(f"field {field!r}: use 'demand', 'workforce' or 'population'")
    if isinstance(figures, pd.DataFrame):
        missing_cols = {"force", "value"} - set(figures.columns)
        if missing_cols:
            raise DataValidationError(f"figures table lacks {sorted(missing_cols)}", column=", ".join(sorted(missing_cols)),
                                      fix="pass a table with 'force' and 'value' columns (and 'basis' with basis=)")
        t = figures
        if basis is not None:
            if "basis" not in t.columns:
                raise DataValidationError("figures table has no 'basis' column", column="basis",
                                          fix="drop basis= or pass demand.resource_shares output")
            t = t[t["basis"] == basis]
        values = dict(zip(t["force"], t["value"].astype(float)))
    else:
        values = {k: float(v) for k, v in figures.items()}
    names = [f.name for f in scenario.forces]
    missing = [n for n in names if n not in values]
    if missing:
        raise DataValidationError(f"no {field} figure for {missing}" + (f" on basis {basis!r}" if basis else ""),
                                  column="force", fix=f"supply a {field} value for every force in the scenario")
    bad = [n for n in names if not np.isfinite(values[n]) or values[n] < 0]
    if bad:
        raise DataValidationError(f"{field} must be a finite number >= 0 for {bad}", column="value",
                                  fix="check the figures")
    label = basis or field
    forces = [f.model_copy(update={field: int(round(values[f.name])) if field == "population" else values[f.name],
                                   "figure_basis": {**f.figure_basis, field: label}}) for f in scenario.forces]
    return scenario.model_copy(update={"forces": forces})


def load_scenarios(source: str | Path | Mapping[str, Any]) -> ScenarioSet:
    """Load and validate a scenario YAML file (or an already-parsed mapping).

    Raises
    ------
    DataValidationError
        Naming the file and the key path (e.g. ``options[2].savings[0].year``) of every
        unknown key, wrong type or inconsistent value.

    Examples
    --------
    >>> s = load_scenarios({"name": "x", "base_year": 2013, "price_base": "real 2013/14",
    ...     "forces": [{"name": "A"}], "options": [{"name": "status quo"}]})
    >>> s.options[0].name
    'status quo'
    """
    where = "<mapping>"
    if isinstance(source, (str, Path)):
        where = str(source)
        p = Path(source)
        if not p.exists():
            raise DataValidationError("scenario file not found", file=p, fix="check the path")
        data = yaml.safe_load(p.read_text())
    else:
        data = dict(source)
    data = _expand_anchors(data or {})
    try:
        model = ScenarioSet(**data)
    except ValidationError as exc:
        msgs = []
        for e in exc.errors():
            path = _key_path(e["loc"])
            text = e["msg"].removeprefix("Value error, ")
            msgs.append(f"{path}: {text}" if path else text)
        raise DataValidationError("; ".join(msgs), file=where,
                                  fix="correct the scenario file (see data/raw/scenarios/ for examples)") from None
    bad = []
    for path, ref in _seed_refs(model):
        try:
            resolve(ref)
        except DataValidationError as exc:
            bad.append(f"{path}: {exc.detail}")
    if bad:
        raise DataValidationError("; ".join(bad), file=where, column="seed",
                                  fix="use an id from data/raw/seed/ (see data_dictionary.csv)")
    return model


def _seed_refs(obj: Any, path: str = "") -> list[tuple[str, SeedRef]]:
    """Every ``{seed: id}`` reference in a scenario model, with its key path."""
    if isinstance(obj, SeedRef):
        return [(path, obj)]
    if isinstance(obj, BaseModel):
        return [r for name in type(obj).model_fields
                for r in _seed_refs(getattr(obj, name), f"{path}.{name}" if path else name)]
    if isinstance(obj, list):
        return [r for i, x in enumerate(obj) for r in _seed_refs(x, f"{path}[{i}]")]
    return []


def _flatten(items: Any) -> Any:
    if not isinstance(items, list):
        return items
    out: list[Any] = []
    for x in items:
        out.extend(_flatten(x) if isinstance(x, list) else [x])
    return out


def _expand_anchors(data: Mapping[str, Any]) -> dict[str, Any]:
    """Drop top-level keys starting with '_' (holders of YAML anchors) and flatten nested
    lists in each option's ``savings`` and ``costs``, so anchored blocks can be combined."""
    out = {k: v for k, v in data.items() if not str(k).startswith("_")}
    if isinstance(out.get("options"), list):
        opts = []
        for o in out["options"]:
            if isinstance(o, Mapping):
                o = dict(o)
                for key in ("savings", "costs"):
                    if key in o:
                        o[key] = _flatten(o[key])
            opts.append(o)
        out["options"] = opts
    return out


def resolve(value: Money | None) -> float:
    """A number, or the seed figure a ``{seed: id}`` reference names.

    Examples
    --------
    >>> resolve(SeedRef(seed="ww_blueprint_savings")), resolve(2.5)
    (30.2, 2.5)
    >>> round(resolve(SeedRef(seed="ww_blueprint_savings", less=["ww_cj_review_slip_2016_17"])), 3)  # 30.2 - 2.125
    28.075
    """
    if value is None:
        return float("nan")
    if isinstance(value, SeedRef):
        from alliance_analysis.datasets.seed import seed_value

        return (seed_value(value.seed) - sum(seed_value(x) for x in value.less)) * value.scale
    return float(value)


# --------------------------------------------------------------------------- discounting

def discount_factors(n_years: int, schedule: str = "green_book", rate: float = 0.035) -> np.ndarray:
    """Discount factors for years 0..n-1 (year 0 = 1).

    Examples
    --------
    >>> [round(float(x), 6) for x in discount_factors(3)]
    [1.0, 0.966184, 0.933511]
    """
    if n_years < 1:
        raise ParameterError(f"n_years {n_years} must be >= 1")
    years = np.arange(1, n_years)
    if schedule == "green_book":
        rates = np.empty(len(years))
        lo = 0
        for upper, r in GREEN_BOOK_SCHEDULE:
            rates[(years > lo) & (years <= upper)] = r
            lo = upper
    elif schedule == "flat":
        if not 0 <= rate < 1:
            raise ParameterError(f"rate {rate} must be in [0, 1)")
        rates = np.full(len(years), rate)
    else:
        raise ParameterError(f"schedule {schedule!r}: use 'green_book' or 'flat'")
    return np.concatenate([[1.0], np.cumprod(1.0 / (1.0 + rates))])


def npv(rates: Sequence[float] | float | Literal["green_book"], cashflows: Sequence[float], *,
        convention: Literal["year0", "spreadsheet"] = "year0") -> float:
    """Net present value under a flat rate, a per-year rate schedule or the Green Book schedule.

    ``rates`` is a flat rate (float or 1-item sequence), a sequence of per-period rates
    (``rates[k]`` discounts period k+1, compounded: DF_t = prod 1/(1 + r_k)), or
    ``"green_book"``. ``year0``: the first cash flow is undiscounted (as
    ``numpy_financial.npv``); ``spreadsheet``: every flow is discounted one more period
    (as Excel's ``NPV()``). To use precomputed factors, take ``cashflows @ factors``.

    Examples
    --------
    >>> round(npv(0.035, [0, 100]), 3), round(npv(0.035, [100], convention="spreadsheet"), 3)
    (96.618, 96.618)
    >>> round(npv([0.035, 0.03], [0, 0, 100]), 4)    # 100 / (1.035 x 1.03)
    93.8042
    """
    cf = np.asarray(cashflows, dtype=float)
    if convention not in ("year0", "spreadsheet"):
        raise ParameterError(f"convention {convention!r}: use 'year0' or 'spreadsheet'")
    shift = 1 if convention == "spreadsheet" else 0
    periods = len(cf) - 1 + shift  # number of compounding periods needed
    if isinstance(rates, str):
        df = discount_factors(periods + 1, rates)
    else:
        r = np.atleast_1d(np.asarray(rates, dtype=float))
        if r.size == 1:
            r = np.full(periods, r[0])
        if len(r) < periods:
            raise ParameterError(f"rates: {len(r)} per-period rates for {len(cf)} cash flows need {periods} "
                                 f"({convention} convention); give one rate or one per period")
        if np.any(r <= -1):
            raise ParameterError("rates: every rate must be > -100%")
        df = np.concatenate([[1.0], np.cumprod(1.0 / (1.0 + r[:periods]))])
    return float(round(np.sum(cf * df[shift: len(cf) + shift]), 10))


# --------------------------------------------------------------------------- cash flows

def _fy(year: int) -> str:
    return f"{year}/{(year + 1) % 100:02d}"


def option_flows(scenario: ScenarioSet, option: Option | str, horizon: int) -> pd.DataFrame:
    """Yearly cash flows of one option against the stand-alone status quo (GBP m).

    Returns
    -------
    DataFrame
        ``year`` (0..), ``financial_year``, ``area``, ``kind`` (saving / one_off_revenue /
        capital / redundancy / leadership), ``force`` (None = shared by the split rule),
        ``amount_gbp_m`` (savings positive, costs negative, before optimism bias), in real
        base-year prices (nominal scenarios are deflated by ``deflator_index``).

    Examples
    --------
    >>> s = load_scenarios({"name": "x", "base_year": 2013, "price_base": "p", "forces": [{"name": "A"}],
    ...     "options": [{"name": "o", "savings": [{"area": "s", "amount_gbp_m": 3, "start_year": 2014, "ramp_years": 3}]}]})
    >>> option_flows(s, "o", 4)["amount_gbp_m"].tolist()
    [0.0, 1.0, 2.0, 3.0]
    """
    opt = _option(scenario, option)
    if horizon < 1:
        raise ParameterError(f"horizon {horizon} must be >= 1 year")
    years = np.arange(horizon)
    rows = []
    for s in opt.savings:
        full = resolve(s.amount_gbp_m)
        k = scenario.base_year + years - s.start_year  # years since start
        amount = np.where(k < 0, 0.0, full * np.minimum(k + 1, s.ramp_years) / s.ramp_years)
        if s.end_year is not None:
            amount = np.where(scenario.base_year + years > s.end_year, 0.0, amount)
        for t in years:
            rows.append((t, s.area, "saving", s.force, amount[t]))
    for c in opt.costs:
        total = resolve(c.amount_gbp_m)
        for t in years:
            y = scenario.base_year + t
            inside = c.year <= y < c.year + c.years
            rows.append((t, c.item, c.kind, c.force, -total / c.years if inside else 0.0))
    if opt.leadership is not None:
        L = opt.leadership
        saving = L.saving_gbp_m
        for t in years:
            rows.append((t, "chief officer team", "leadership", None,
                         saving if scenario.base_year + t >= L.start_year else 0.0))
    df = pd.DataFrame(rows, columns=["year", "area", "kind", "force", "amount_gbp_m"])
    if df.empty:
        df = pd.DataFrame({"year": years, "area": "none", "kind": "saving", "force": None, "amount_gbp_m": 0.0})
    df["financial_year"] = [_fy(scenario.base_year + int(t)) for t in df["year"]]
    if scenario.prices == "nominal":
        df["amount_gbp_m"] = df["amount_gbp_m"] * _real_factors(scenario, horizon)[df["year"].to_numpy()]
    return df[["year", "financial_year", "area", "kind", "force", "amount_gbp_m"]]


def _real_factors(scenario: ScenarioSet, horizon: int) -> np.ndarray:
    """Multipliers taking each year's cash to base-year prices: index[base] / index[year]."""
    idx = scenario.deflator_index or {}
    missing = [scenario.base_year + t for t in range(horizon) if scenario.base_year + t not in idx]
    if missing:
        raise ParameterError(f"deflator_index has no value for {', '.join(_fy(y) for y in missing)}; extend it to "
                             f"cover the {horizon}-year horizon or shorten the horizon")
    return np.array([idx[scenario.base_year] / idx[scenario.base_year + t] for t in range(horizon)])


def _option(scenario: ScenarioSet, option: Option | str) -> Option:
    if isinstance(option, Option):
        return option
    for o in scenario.options:
        if o.name == option:
            return o
    raise ParameterError(f"unknown option {option!r}; options are {[o.name for o in scenario.options]}")


def _benefit_cost_vectors(scenario: ScenarioSet, option: Option | str, horizon: int,
                          slip: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Benefits (savings incl. leadership) and costs (positive, with optimism bias) per year."""
    f = option_flows(scenario, option, horizon)
    ben = f[f["kind"].isin(["saving", "leadership"])].groupby("year")["amount_gbp_m"].sum()
    cost = -f[~f["kind"].isin(["saving", "leadership"])].groupby("year")["amount_gbp_m"].sum()
    b = ben.reindex(range(horizon), fill_value=0.0).to_numpy()
    c = cost.reindex(range(horizon), fill_value=0.0).to_numpy()
    uplift = 1 + scenario.optimism_bias * (1 - scenario.optimism_mitigation)
    if slip:
        b = np.concatenate([np.zeros(slip), b])[:horizon]
    return b, c * uplift


def _paid_back(cum: np.ndarray, started: np.ndarray) -> np.ndarray:
    """Years (per row) from which the cumulative discounted net benefit stays >= 0, once savings have begun."""
    stays = np.minimum.accumulate(cum[:, ::-1], axis=1)[:, ::-1] >= -1e-12
    return stays & started


@dataclass(frozen=True)
class Appraisal:
    """The economic case of one option."""

    option: str
    flows: pd.DataFrame
    npv_gbp_m: float
    pv_benefits_gbp_m: float
    pv_costs_gbp_m: float
    bcr: float
    discounted_payback_year: str | None
    price_base: str
    convention: str = "year 0 undiscounted (numpy_financial.npv)"


def appraise(scenario: ScenarioSet, option: Option | str, *, horizon: int = 10, schedule: str = "green_book",
             rate: float = 0.035) -> Appraisal:
    """NPV, benefit-cost ratio and discounted payback of one option.

    The discounted payback year is the first year from which the cumulative discounted
    net benefit stays at or above zero for the rest of the horizon (so a later dip, e.g.
    from separation costs, is not hidden). All figures use the year-0 convention.

    Examples
    --------
    >>> s = load_scenarios({"name": "x", "base_year": 2013, "price_base": "p", "forces": [{"name": "A"}],
    ...     "options": [{"name": "o", "savings": [{"area": "s", "amount_gbp_m": 10, "start_year": 2014}],
    ...                  "costs": [{"kind": "capital", "item": "c", "amount_gbp_m": 15, "year": 2013}]}]})
    >>> a = appraise(s, "o", horizon=3)
    >>> round(a.npv_gbp_m, 4), a.discounted_payback_year   # -15 + 10/1.035 + 10/1.035^2
    (3.9969, '2015/16')
    """
    opt = _option(scenario, option)
    b, c = _benefit_cost_vectors(scenario, opt, horizon)
    df = discount_factors(horizon, schedule, rate)
    net = b - c
    cum = np.cumsum(net * df)
    pay = np.nonzero(_paid_back(cum[None, :], np.cumsum(b)[None, :] > 0)[0])[0]
    flows = pd.DataFrame({"year": range(horizon), "financial_year": [_fy(scenario.base_year + t) for t in range(horizon)],
                          "benefits_gbp_m": b, "costs_gbp_m": c, "net_gbp_m": net, "discount_factor": df,
                          "pv_net_gbp_m": net * df, "cumulative_pv_net_gbp_m": cum})
    pvb, pvc = float(b @ df), float(c @ df)
    return Appraisal(opt.name, flows, float(net @ df), pvb, pvc, pvb / pvc if pvc > 0 else float("nan"),
                     _fy(scenario.base_year + int(pay[0])) if len(pay) else None, scenario.price_base)


def compare_options(scenario: ScenarioSet, *, horizon: int = 10, schedule: str = "green_book",
                    rate: float = 0.035) -> pd.DataFrame:
    """One row per option: NPV, PV benefits and costs, BCR, discounted payback, undiscounted totals.

    ``attrs`` state the price base, horizon, schedule and discount convention.

    Examples
    --------
    >>> s = load_scenarios({"name": "x", "base_year": 2013, "price_base": "p", "forces": [{"name": "A"}, {"name": "B"}],
    ...     "options": [{"name": "o", "split": {"A": 69, "B": 31},
    ...                  "savings": [{"area": "s", "amount_gbp_m": 10, "start_year": 2014}],
    ...                  "costs": [{"kind": "capital", "item": "c", "amount_gbp_m": 15, "year": 2013}]}]})
    >>> compare_options(s, horizon=3)[["option", "discounted_payback"]].values.tolist()
    [['o', '2015/16']]
    """
    rows = []
    for o in scenario.options:
        a = appraise(scenario, o, horizon=horizon, schedule=schedule, rate=rate)
        rows.append({"option": o.name, "npv_gbp_m": a.npv_gbp_m, "pv_benefits_gbp_m": a.pv_benefits_gbp_m,
                     "pv_costs_gbp_m": a.pv_costs_gbp_m, "bcr": a.bcr, "discounted_payback": a.discounted_payback_year,
                     "undiscounted_net_gbp_m": float(a.flows["net_gbp_m"].sum())})
    out = pd.DataFrame(rows)
    out.attrs.update({"price_base": scenario.price_base, "horizon_years": horizon, "schedule": schedule,
                      "convention": "year 0 undiscounted (numpy_financial.npv)"})
    return out


# --------------------------------------------------------------------------- sharing and reserves

def split_shares(scenario: ScenarioSet, rule: str | Mapping[str, float]) -> dict[str, float]:
    """Shares (fractions summing to 1) under a rule: a fixed split in %, 'equal', 'population',
    'workforce', 'budget' or 'demand' (the forces' ``demand`` figures, e.g. from
    :mod:`alliance_analysis.demand`).

    Examples
    --------
    >>> s = load_scenarios({"name": "x", "base_year": 2013, "price_base": "p",
    ...     "forces": [{"name": "A", "population": 3}, {"name": "B", "population": 1}], "options": [{"name": "o"}]})
    >>> split_shares(s, "population"), split_shares(s, {"A": 100, "B": 0})
    ({'A': 0.75, 'B': 0.25}, {'A': 1.0, 'B': 0.0})
    """
    names = [f.name for f in scenario.forces]
    if isinstance(rule, Mapping):
        try:
            _check_split(rule, names, "split")
        except ValueError as exc:
            raise ParameterError(str(exc)) from None
        return {k: rule[k] / 100 for k in names}
    if rule == "equal":
        return {k: 1 / len(names) for k in names}
    attr = {"population": "population", "workforce": "workforce", "budget": "budget_gbp_m", "demand": "demand"}.get(rule)
    if attr is None:
        raise ParameterError(f"split rule {rule!r}: use a mapping, 'equal', 'population', 'workforce', 'budget' "
                             "or 'demand'")
    vals = {f.name: resolve(getattr(f, attr)) if attr == "budget_gbp_m" else getattr(f, attr) for f in scenario.forces}
    if any(v is None or not np.isfinite(v) for v in vals.values()):
        raise ParameterError(f"split rule {rule!r} needs '{attr}' for every force in the scenario file")
    total = sum(vals.values())
    if total <= 0:
        raise ParameterError(f"split rule {rule!r}: the forces' '{attr}' figures sum to {total:g}; need a positive total")
    return {k: v / total for k, v in vals.items()}


def force_flows(scenario: ScenarioSet, option: Option | str, horizon: int = 10,
                rule: str | Mapping[str, float] | None = None) -> pd.DataFrame:
    """Cash flows per force: force-specific items to that force, shared items by the split rule.

    Costs carry the optimism-bias uplift. ``rule`` overrides the option's own split.

    Examples
    --------
    >>> s = load_scenarios({"name": "x", "base_year": 2013, "price_base": "p", "forces": [{"name": "A"}, {"name": "B"}],
    ...     "options": [{"name": "o", "split": {"A": 69, "B": 31},
    ...                  "savings": [{"area": "s", "amount_gbp_m": 10, "start_year": 2014}],
    ...                  "costs": [{"kind": "capital", "item": "c", "amount_gbp_m": 15, "year": 2013}]}]})
    >>> ff = force_flows(s, "o", 2)
    >>> ff.groupby("force")["amount_gbp_m"].sum().round(2).to_dict()   # (10 - 15) x 0.69 and x 0.31
    {'A': -3.45, 'B': -1.55}
    """
    opt = _option(scenario, option)
    shares = split_shares(scenario, opt.split if rule is None else rule)
    f = option_flows(scenario, opt, horizon)
    uplift = 1 + scenario.optimism_bias * (1 - scenario.optimism_mitigation)
    f["amount_gbp_m"] = np.where(f["kind"].isin(["saving", "leadership"]), f["amount_gbp_m"], f["amount_gbp_m"] * uplift)
    rows = []
    for name, share in shares.items():
        own = f["force"] == name
        shared = f["force"].isna()
        amt = np.where(own, f["amount_gbp_m"], np.where(shared, f["amount_gbp_m"] * share, 0.0))
        rows.append(f.assign(force=name, amount_gbp_m=amt))
    out = pd.concat(rows, ignore_index=True)
    return out.groupby(["force", "year", "financial_year", "kind"], as_index=False)["amount_gbp_m"].sum()


def fairness(scenario: ScenarioSet, option: Option | str, *, horizon: int = 10,
             rules: Sequence[str | Mapping[str, float]] | None = None, schedule: str = "green_book",
             rate: float = 0.035) -> pd.DataFrame:
    """Each force's PV of benefits, costs and net under each sharing rule, and the change vs the agreed split.

    Examples
    --------
    >>> s = load_scenarios({"name": "x", "base_year": 2013, "price_base": "p", "agreed_split": {"A": 69, "B": 31},
    ...     "forces": [{"name": "A"}, {"name": "B"}],
    ...     "options": [{"name": "o", "savings": [{"area": "s", "amount_gbp_m": 10, "start_year": 2013}]}]})
    >>> f = fairness(s, "o", horizon=1, rules=["equal"])
    >>> f.loc[f["rule"] == "equal", ["force", "pv_net_gbp_m", "change_vs_agreed_gbp_m"]].round(2).values.tolist()
    [['A', 5.0, -1.9], ['B', 5.0, 1.9]]
    """
    opt = _option(scenario, option)
    agreed = scenario.agreed_split or (opt.split if isinstance(opt.split, dict) else None)
    rules = list(rules) if rules is not None else ["equal", "population", "workforce", "budget", "demand"]
    if agreed is not None:
        rules = [dict(agreed), *[r for r in rules if r != agreed]]
    df = discount_factors(horizon, schedule, rate)
    rows = []
    for rule in rules:
        label = "agreed " + ":".join(f"{v:g}" for v in rule.values()) if isinstance(rule, Mapping) else rule
        bases = {f.figure_basis.get(str(rule)) for f in scenario.forces} if isinstance(rule, str) else {None}
        if len(bases) == 1 and None not in bases:
            label = f"{rule} ({bases.pop()})"
        try:
            ff = force_flows(scenario, opt, horizon, rule)
        except ParameterError as exc:
            log.info("rule %s skipped: %s", label, exc)
            continue
        ff["pv"] = ff["amount_gbp_m"] * df[ff["year"].to_numpy()]
        for force, g in ff.groupby("force"):
            ben = g.loc[g["kind"].isin(["saving", "leadership"]), "pv"].sum()
            cost = -g.loc[~g["kind"].isin(["saving", "leadership"]), "pv"].sum()
            rows.append({"rule": label, "force": force, "pv_benefits_gbp_m": ben, "pv_costs_gbp_m": cost,
                         "pv_net_gbp_m": ben - cost})
    out = pd.DataFrame(rows)
    if agreed is not None:
        base = out[out["rule"] == out["rule"].iloc[0]].set_index("force")["pv_net_gbp_m"]
        out["change_vs_agreed_gbp_m"] = out["pv_net_gbp_m"] - out["force"].map(base)
    return out


def reserves_trajectory(scenario: ScenarioSet, option: Option | str, *, horizon: int = 10,
                        floor_gbp_m: float = 0.0,
                        funded_from_reserves: Sequence[str] = ("one_off_revenue", "redundancy")) -> pd.DataFrame:
    """Year-end reserves per force: opening reserves, less planned drawdown and the force's
    share (after optimism bias) of the one-off costs funded from reserves.

    The opening balance is at the start of the force's ``reserves_year`` (default: the
    base year); costs before then are taken as already reflected in it. Planned drawdown
    runs from then to ``drawdown_end_year`` (inclusive; default: every year). Capital is
    not charged to reserves by default (it is usually financed by borrowing or capital
    receipts); pass ``funded_from_reserves`` to change that. Recurring savings are not
    added to reserves: they close budget gaps.

    ``attrs["first_breach"]`` maps each force to the first financial year below ``floor_gbp_m``
    (or None); ``attrs["first_breach_any"]`` is the earliest of them (or None).

    Examples
    --------
    >>> s = load_scenarios({"name": "x", "base_year": 2013, "price_base": "p",
    ...     "forces": [{"name": "A", "reserves_gbp_m": 10, "reserves_drawdown_gbp_m_per_year": 2,
    ...                 "drawdown_end_year": 2014}],
    ...     "options": [{"name": "o", "costs": [{"kind": "redundancy", "item": "r", "amount_gbp_m": 3, "year": 2015}]}]})
    >>> reserves_trajectory(s, "o", horizon=4, floor_gbp_m=4)["reserves_gbp_m"].tolist()   # 10-2, -2, -3, flat
    [8.0, 6.0, 3.0, 3.0]
    """
    opt = _option(scenario, option)
    allowed = {"one_off_revenue", "capital", "redundancy"}
    if not set(funded_from_reserves) <= allowed:
        raise ParameterError(f"funded_from_reserves {list(funded_from_reserves)}: use kinds from {sorted(allowed)}")
    ff = force_flows(scenario, opt, horizon)
    costs = ff[ff["kind"].isin(list(funded_from_reserves))].groupby(["force", "year"])["amount_gbp_m"].sum()
    rows, breach = [], {}
    for f in scenario.forces:
        level = resolve(f.reserves_gbp_m)
        drawdown = resolve(f.reserves_drawdown_gbp_m_per_year)
        start = f.reserves_year if f.reserves_year is not None else scenario.base_year
        breach[f.name] = None
        for t in range(horizon):
            y = scenario.base_year + t
            if y >= start:
                planned = drawdown if f.drawdown_end_year is None or y <= f.drawdown_end_year else 0.0
                level += costs.get((f.name, t), 0.0) - planned
            rows.append({"force": f.name, "year": t, "financial_year": _fy(scenario.base_year + t), "reserves_gbp_m": level})
            if level < floor_gbp_m and breach[f.name] is None:
                breach[f.name] = _fy(scenario.base_year + t)
    out = pd.DataFrame(rows)
    out.attrs["first_breach"] = breach
    out.attrs["first_breach_any"] = min((y for y in breach.values() if y is not None), default=None)
    out.attrs["floor_gbp_m"] = floor_gbp_m
    return out


# --------------------------------------------------------------------------- uncertainty

@dataclass(frozen=True)
class MonteCarloResult:
    """Distribution of NPV and payback for one option."""

    option: str
    npv_gbp_m: np.ndarray
    payback_year_index: np.ndarray  # -1 = no payback within the horizon
    cumulative_pv_net: np.ndarray  # draws x years
    draws: dict[str, np.ndarray] = field(default_factory=dict)

    base_year: int = 0

    def summary(self) -> pd.Series:
        """Mean, P10/P50/P90 NPV, P(NPV < 0), median discounted payback year and P(no payback)."""
        q = np.percentile(self.npv_gbp_m, [10, 50, 90])
        pay = np.where(self.payback_year_index < 0, np.iinfo(np.int64).max, self.payback_year_index)
        med = int(np.sort(pay)[(len(pay) - 1) // 2])  # lower median; "none" if most draws never pay back
        return pd.Series({"option": self.option, "draws": len(self.npv_gbp_m),
                          "mean_npv_gbp_m": float(self.npv_gbp_m.mean()),
                          "p10_npv_gbp_m": q[0], "p50_npv_gbp_m": q[1], "p90_npv_gbp_m": q[2],
                          "prob_npv_negative": float((self.npv_gbp_m < 0).mean()),
                          "median_payback": _fy(self.base_year + med) if med < np.iinfo(np.int64).max else "none",
                          "prob_no_payback": float((self.payback_year_index < 0).mean())})

    def payback_distribution(self) -> pd.DataFrame:
        """Share of draws whose discounted payback falls in each financial year (``none``: not within the horizon)."""
        idx, n = np.unique(self.payback_year_index, return_counts=True)
        labels = [_fy(self.base_year + int(i)) if i >= 0 else "none" for i in idx]
        return pd.DataFrame({"option": self.option, "payback_year": labels, "share_of_draws": n / n.sum()})


def monte_carlo(scenario: ScenarioSet, option: Option | str, *, n_draws: int = 10_000, seed: int = 2014,
                horizon: int = 10, schedule: str = "green_book", rate: float = 0.035) -> MonteCarloResult:
    """Seeded, vectorised Monte Carlo over savings delivery, timing slip and cost overrun.

    Savings are multiplied by the delivery factor and delayed by the slip (whole years);
    costs (after optimism bias) are multiplied by the overrun factor. All draws are
    evaluated at once with array operations.

    Examples
    --------
    >>> s = load_scenarios({"name": "x", "base_year": 2013, "price_base": "p", "forces": [{"name": "A"}],
    ...     "options": [{"name": "o", "savings": [{"area": "s", "amount_gbp_m": 10, "start_year": 2014}]}]})
    >>> r = monte_carlo(s, "o", n_draws=5, horizon=3)
    >>> bool(np.allclose(r.npv_gbp_m, appraise(s, "o", horizon=3).npv_gbp_m))   # zero variance = deterministic
    True
    """
    if n_draws < 1:
        raise ParameterError(f"n_draws {n_draws} must be >= 1")
    opt = _option(scenario, option)
    rng = np.random.default_rng(seed)
    u = scenario.uncertainty
    delivery = u.savings_delivery.sample(rng, n_draws)
    slip = np.clip(np.rint(u.timing_slip_years.sample(rng, n_draws)), 0, horizon).astype(int)
    overrun = u.cost_overrun.sample(rng, n_draws)
    b, c = _benefit_cost_vectors(scenario, opt, horizon)
    shifted = np.zeros((horizon + 1, horizon))
    for s in range(horizon + 1):
        shifted[s, s:] = b[: horizon - s]
    df = discount_factors(horizon, schedule, rate)
    net = delivery[:, None] * shifted[slip] - overrun[:, None] * c[None, :]
    cum = np.cumsum(net * df[None, :], axis=1)
    ok = _paid_back(cum, np.cumsum(delivery[:, None] * shifted[slip], axis=1) > 0)
    pay = np.where(ok.any(axis=1), ok.argmax(axis=1), -1)
    return MonteCarloResult(opt.name, cum[:, -1], pay, cum, {"savings_delivery": delivery, "timing_slip_years": slip,
                                                             "cost_overrun": overrun}, scenario.base_year)


def switching_values(scenario: ScenarioSet, option: Option | str, *, horizon: int = 10,
                     schedule: str = "green_book", rate: float = 0.035) -> pd.DataFrame:
    """How far each input can move before NPV crosses zero.

    NPV = d x PV(savings) - o x PV(costs) is linear in the delivery factor d and the
    overrun factor o, so their switching values are exact: d* = PV(costs)/PV(savings),
    o* = PV(savings)/PV(costs). For the slip, the smallest whole number of years that
    makes NPV negative.

    Examples
    --------
    >>> s = load_scenarios({"name": "x", "base_year": 2013, "price_base": "p", "forces": [{"name": "A"}],
    ...     "options": [{"name": "o", "savings": [{"area": "s", "amount_gbp_m": 10, "start_year": 2014}],
    ...                  "costs": [{"kind": "capital", "item": "c", "amount_gbp_m": 15, "year": 2013}]}]})
    >>> sv = switching_values(s, "o", horizon=3).set_index("input")["switching_value"]
    >>> round(float(sv["savings_delivery"]), 4)   # 15 / (10/1.035 + 10/1.035^2)
    0.7896
    """
    opt = _option(scenario, option)
    b, c = _benefit_cost_vectors(scenario, opt, horizon)
    df = discount_factors(horizon, schedule, rate)
    pvb, pvc = float(b @ df), float(c @ df)
    slip_sv = None
    for s in range(horizon + 1):
        bs = np.concatenate([np.zeros(s), b])[:horizon]
        if float(bs @ df) - pvc < 0:
            slip_sv = s
            break
    return pd.DataFrame([
        {"input": "savings_delivery", "base": 1.0, "switching_value": pvc / pvb if pvb else np.nan,
         "meaning": "share of planned savings that must be delivered for NPV >= 0"},
        {"input": "cost_overrun", "base": 1.0, "switching_value": pvb / pvc if pvc else np.inf,
         "meaning": "cost multiple at which NPV reaches 0"},
        {"input": "timing_slip_years", "base": 0.0, "switching_value": slip_sv,
         "meaning": "whole years of delay that make NPV negative (None: none within the horizon)"},
    ])


def tornado(scenario: ScenarioSet, option: Option | str, *, horizon: int = 10, schedule: str = "green_book",
            rate: float = 0.035) -> pd.DataFrame:
    """NPV with each uncertain input at the adverse and favourable end of its distribution.

    The other inputs stay at the appraisal's base case (full delivery, no slip, no
    overrun), so ``base_npv`` equals :func:`appraise`'s NPV. Ends are the distribution's
    ``low``/``high`` (lognormal: 5th/95th percentiles).

    Examples
    --------
    >>> s = load_scenarios({"name": "x", "base_year": 2013, "price_base": "p", "forces": [{"name": "A"}],
    ...     "uncertainty": {"cost_overrun": {"dist": "triangular", "low": 1.0, "mode": 1.1, "high": 2.0}},
    ...     "options": [{"name": "o", "savings": [{"area": "s", "amount_gbp_m": 10, "start_year": 2014}],
    ...                  "costs": [{"kind": "capital", "item": "c", "amount_gbp_m": 15, "year": 2013}]}]})
    >>> t = tornado(s, "o", horizon=3).set_index("input")
    >>> round(float(t.loc["one-off cost overrun", "low_npv"]), 4)   # 3.996943 - 15 (cost doubled)
    -11.0031
    """
    opt = _option(scenario, option)
    u = scenario.uncertainty
    b, c = _benefit_cost_vectors(scenario, opt, horizon)
    df = discount_factors(horizon, schedule, rate)

    def value(d: float = 1.0, s: float = 0.0, o: float = 1.0) -> float:
        s = int(np.clip(round(s), 0, horizon))
        bs = np.concatenate([np.zeros(s), b])[:horizon]
        return float((d * bs - o * c) @ df)

    base = value()
    (d_lo, d_hi), (s_lo, s_hi), (o_lo, o_hi) = (u.savings_delivery.bounds(), u.timing_slip_years.bounds(),
                                                u.cost_overrun.bounds())
    rows = [
        {"input": "savings delivery", "adverse_input": d_lo, "favourable_input": d_hi,
         "low_npv": value(d=d_lo), "high_npv": value(d=d_hi)},
        {"input": "timing slip (years)", "adverse_input": s_hi, "favourable_input": s_lo,
         "low_npv": value(s=s_hi), "high_npv": value(s=s_lo)},
        {"input": "one-off cost overrun", "adverse_input": o_hi, "favourable_input": o_lo,
         "low_npv": value(o=o_hi), "high_npv": value(o=o_lo)},
    ]
    out = pd.DataFrame(rows)
    out["base_npv"] = base
    out["swing"] = out["high_npv"] - out["low_npv"]
    return out.sort_values("swing", ascending=False).reset_index(drop=True)


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


def write_workbook(tables: Mapping[str, pd.DataFrame], path: str | Path) -> Path:
    """Write tables to an Excel workbook (one sheet each), atomically.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = write_workbook({"npv": pd.DataFrame({"a": [1]})}, pathlib.Path(tempfile.mkdtemp()) / "b.xlsx")
    >>> pd.read_excel(p, sheet_name="npv")["a"].tolist()
    [1]
    """
    from alliance_analysis.io import atomic_path

    if not tables:
        raise ParameterError("no tables to write")
    with atomic_path(path, suffix=".xlsx") as tmp:
        with pd.ExcelWriter(tmp, engine="openpyxl") as xw:
            for name, t in tables.items():
                t.to_excel(xw, sheet_name=str(name)[:31], index=False)
    return Path(path)


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


def workbook_path(path: str | Path | None = None) -> Path:
    """Where the business-case workbook goes: ``path``, or ``data/processed/business_case.xlsx``.

    Examples
    --------
    >>> workbook_path().name, workbook_path("/tmp/x.xlsx").name
    ('business_case.xlsx', 'x.xlsx')
    """
    from alliance_analysis import paths

    if path is None:
        return paths.PROCESSED_DIR / "business_case.xlsx"
    p = Path(path)
    if p.suffix.lower() != ".xlsx":
        raise ParameterError(f"workbook_file {str(p)!r} must end in .xlsx")
    return p


def business_case(scenario: ScenarioSet, *, options: Sequence[str] | None = None, horizon: int = 10,
                  schedule: str = "green_book", rate: float = 0.035, n_draws: int = 10_000, seed: int = 2014,
                  reserves_floor_gbp_m: float = 0.0) -> dict[str, pd.DataFrame]:
    """Every table of the economic case for the chosen options (for display and the workbook).

    Returns
    -------
    dict
        ``comparison``, ``cash_flows``, ``uncertainty``, ``payback``, ``switching_values``,
        ``tornado``, ``fairness``, ``reserves``, ``assumptions``; each carries ``attrs["price_base"]``.

    Examples
    --------
    >>> s = load_scenarios({"name": "x", "base_year": 2013, "price_base": "p", "forces": [{"name": "A"}],
    ...     "options": [{"name": "o", "savings": [{"area": "s", "amount_gbp_m": 10, "start_year": 2014}],
    ...                  "costs": [{"kind": "capital", "item": "c", "amount_gbp_m": 15, "year": 2013}]}]})
    >>> case = business_case(s, horizon=3, n_draws=10)
    >>> list(case)[:4], round(float(case["comparison"]["npv_gbp_m"].iloc[0]), 4)
    (['comparison', 'cash_flows', 'uncertainty', 'payback'], 3.9969)
    """
    names = [o.name for o in scenario.options] if options is None else list(options)
    for n in names:
        _option(scenario, n)
    cmp = compare_options(scenario, horizon=horizon, schedule=schedule, rate=rate)
    cmp = cmp[cmp["option"].isin(names)].reset_index(drop=True)
    flows, unc, pay, sw, tor, fair, res = [], [], [], [], [], [], []
    for n in names:
        a = appraise(scenario, n, horizon=horizon, schedule=schedule, rate=rate)
        flows.append(a.flows.assign(option=n))
        if n_draws:
            mc = monte_carlo(scenario, n, n_draws=n_draws, seed=seed, horizon=horizon, schedule=schedule, rate=rate)
            unc.append(mc.summary())
            pay.append(mc.payback_distribution())
        if a.pv_costs_gbp_m > 0 and a.pv_benefits_gbp_m > 0:
            sw.append(switching_values(scenario, n, horizon=horizon, schedule=schedule, rate=rate).assign(option=n))
            tor.append(tornado(scenario, n, horizon=horizon, schedule=schedule, rate=rate).assign(option=n))
        fair.append(fairness(scenario, n, horizon=horizon, schedule=schedule, rate=rate).assign(option=n))
        r = reserves_trajectory(scenario, n, horizon=horizon, floor_gbp_m=reserves_floor_gbp_m)
        res.append(r.assign(option=n, first_breach=r["force"].map(r.attrs["first_breach"])))
    out = {
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
