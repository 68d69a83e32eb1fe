"""Scenario model: typed, frozen pydantic models of a scenario file, and loading.

Scenario files are YAML (top-level keys starting with ``_`` may hold anchors; nested
lists under ``savings``/``costs`` are flattened so anchored blocks combine) validated by
typed, frozen models: unknown keys, wrong types and inconsistent values are rejected
with the key path, e.g. ``options[2].savings[0].start_year``. Money is in GBP millions;
a value may be a number or ``{seed: <id>, less: [<id>...], scale: x}``, resolved from
``data/raw/seed/`` at load time so every default names its source row(s); anything
else carries an ``assumption`` text that is shown in the outputs.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from alliance_analysis.errors import DataValidationError, ParameterError

log = logging.getLogger(__name__)

# --------------------------------------------------------------------------- models

class _Model(BaseModel):
    # allow_inf_nan=False: a ``.nan`` or ``.inf`` amount is an error naming its key path, never
    # a silently dropped flow (a ``.nan`` saving used to vanish from the NPV).
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


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


#: largest money amount accepted (GBP m): GBP 1 trillion; anything bigger is a typing error, and
#: would overflow the discounted sums to +/-inf
MAX_AMOUNT_GBP_M = 1e6
Money = Annotated[float, Field(ge=-MAX_AMOUNT_GBP_M, le=MAX_AMOUNT_GBP_M)] | SeedRef
#: a cost: never negative (a negative cost is a saving; put it under ``savings``)
CostMoney = Annotated[float, Field(ge=0, le=MAX_AMOUNT_GBP_M)] | SeedRef


class ForceSpec(_Model):
    """One force: budget, workforce, population, demand (for sharing rules) and reserves.

    Reserves open at the start of ``reserves_year`` (default: the base year) and fall by
    the planned drawdown each year to ``drawdown_end_year`` (default: every year). A force
    without ``reserves_gbp_m`` has its reserves "not checked", never a computed zero.
    """

    name: str
    budget_gbp_m: Money | None = None
    workforce: float | None = Field(None, ge=0)
    population: int | None = Field(None, ge=0)
    demand: float | None = Field(None, ge=0)
    figure_basis: dict[str, str] = Field(default_factory=dict)
    reserves_gbp_m: Money | None = None
    reserves_drawdown_gbp_m_per_year: Money = 0.0
    reserves_year: int | None = Field(None, ge=1900)
    drawdown_end_year: int | None = Field(None, ge=1900)
    assumption: str | None = None


class SavingsFlow(_Model):
    """A recurring saving: ramps linearly from ``start_year`` to full ``amount`` over ``ramp_years``.

    A saving with a ``force`` is made by that force alone and is **not** a benefit of the
    collaboration (it is shown, but left out of NPV, BCR and the sharing rules), unless
    ``collaborative: true`` says the collaboration brings it about.
    """

    area: str
    amount_gbp_m: Money
    start_year: int = Field(ge=1900)
    ramp_years: int = Field(1, ge=1)
    end_year: int | None = None
    force: str | None = None
    collaborative: bool | None = None
    source: str | None = None
    assumption: str | None = None

    @property
    def counts(self) -> bool:
        """Whether the saving counts as a collaboration benefit (default: only savings not tied to one force)."""
        return self.force is None if self.collaborative is None else self.collaborative


class CostItem(_Model):
    """A one-off cost spread evenly over ``years`` starting ``year``."""

    kind: Literal["one_off_revenue", "capital", "redundancy"]
    item: str
    amount_gbp_m: CostMoney
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


#: largest lognormal sigma (of the log) accepted: beyond it draws span absurd factors and can overflow to inf/nan
MAX_LOG_SIGMA = 3.0


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
            if self.sigma > MAX_LOG_SIGMA:
                raise ValueError(f"lognormal sigma {self.sigma:g} is above {MAX_LOG_SIGMA:g}: its draws span more than "
                                 f"a factor of {np.exp(2 * 1.6449 * MAX_LOG_SIGMA):,.0f} between the 5th and 95th "
                                 "percentiles and can overflow; give sigma (of the log) <= "
                                 f"{MAX_LOG_SIGMA:g}, e.g. 0.2")
            if not np.isfinite(self.median * np.exp(MAX_LOG_SIGMA * 8)):
                raise ValueError(f"lognormal median {self.median:g} is too large: its draws overflow")
        elif self.dist != "fixed" and not self.low <= self.mode <= self.high:
            raise ValueError(f"need low <= mode <= high (got {self.low:g}, {self.mode:g}, {self.high:g})")
        if self.dist == "uniform_int" and not (float(self.low).is_integer() and float(self.high).is_integer()):
            raise ValueError(f"uniform_int needs whole-number low and high (got {self.low:g} and {self.high:g}); "
                             "round them, or use 'uniform' for a continuous range")
        return self

    def lowest(self) -> float:
        """The smallest value a draw can take (the lognormal's is above 0)."""
        if self.dist == "fixed":
            return self.mode
        return 0.0 if self.dist == "lognormal" else self.low

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

    @field_validator("savings_delivery", "timing_slip_years", "cost_overrun")
    @classmethod
    def _not_negative(cls, d: Distribution, info: Any) -> Distribution:
        # a negative delivery factor, slip or cost multiple has no meaning and would silently change the NPV
        what = {"savings_delivery": "a share of the planned savings", "cost_overrun": "a multiple of the costed figure",
                "timing_slip_years": "a delay in years"}[info.field_name]
        if d.lowest() < 0 or (d.dist == "fixed" and d.mode < 0):
            key = "mode" if d.dist == "fixed" else "low"
            raise ValueError(f"{key} {getattr(d, key):g} is negative; this input is {what}, so every value must be "
                             ">= 0")
        return d


class ScenarioSet(_Model):
    """A scenario file: forces, options, appraisal settings and uncertainty.

    ``prices`` says whether the money figures are ``real`` (already in ``price_base``
    prices; the default) or ``nominal`` cash of each year, in which case
    ``deflator_index`` (financial-year start -> GDP deflator index) converts every
    yearly flow to base-year prices before discounting, as the Green Book requires.
    ``share_year`` is the financial year (its first calendar year) whose real recorded-crime,
    population and workforce shares build the sharing rules (default: ``base_year``).

    Examples
    --------
    >>> s = ScenarioSet(name="x", base_year=2013, price_base="p", forces=[{"name": "A"}], options=[{"name": "o"}])
    >>> s.sharing_year
    2013
    """

    @property
    def sharing_year(self) -> int:
        """The financial year of the real shares: ``share_year``, else ``base_year``."""
        return self.share_year if self.share_year is not None else self.base_year


    name: str
    base_year: int = Field(ge=1900)
    price_base: str
    prices: Literal["real", "nominal"] = "real"
    deflator_index: dict[int, Annotated[float, Field(gt=0)]] | None = None
    optimism_bias: float = Field(0.0, ge=0, le=2)
    optimism_mitigation: float = Field(0.0, ge=0, le=1)
    agreed_split: dict[str, float] | None = None
    share_year: int | None = Field(None, ge=1900)
    forces: list[ForceSpec] = Field(min_length=1)
    options: list[Option]
    uncertainty: Uncertainty = Uncertainty()

    @field_validator("agreed_split", mode="before")
    @classmethod
    def _seed_shares(cls, v: Any) -> Any:
        return _resolve_shares(v)

    @field_validator("options")
    @classmethod
    def _some_options(cls, v: list[Option]) -> list[Option]:
        if not v:
            raise ValueError("no options; list at least the status quo and one option to compare "
                             "(see data/raw/scenarios/TEMPLATE.yaml)")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> ScenarioSet:
        names = [f.name for f in self.forces]
        if len(set(names)) != len(names):
            raise ValueError("forces: duplicate force names")
        seen: dict[str, int] = {}
        for i, opt in enumerate(self.options):
            if opt.name in seen:
                raise ValueError(f"options[{i}].name: {opt.name!r} is already the name of options[{seen[opt.name]}]; "
                                 "give every option its own name")
            seen[opt.name] = i
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
    >>> from alliance_analysis.scenarios import split_shares
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
        data = _read_yaml(Path(source))
    elif isinstance(source, Mapping):
        data = dict(source)
    else:
        raise ParameterError(f"scenario source {type(source).__name__}: pass a YAML path or a mapping")
    data = _expand_anchors(data or {})
    try:
        model = ScenarioSet(**data)
    except ValidationError as exc:
        msgs = []
        errors = exc.errors()
        number_member = {tuple(p for p in e["loc"] if p not in _UNION_TAGS) for e in errors
                         if any(t in e["loc"] for t in _NUMBER_TAGS)}
        for e in errors:
            loc = [p for p in e["loc"] if p not in _UNION_TAGS]
            if tuple(loc) in number_member:
                # a number | {seed: id} union: report the member the user meant (a mapping -> the seed
                # reference; anything else -> the number), not both
                meant_seed = isinstance(e["input"], Mapping)
                if ("SeedRef" in e["loc"]) != meant_seed and any(t in e["loc"] for t in (*_NUMBER_TAGS, "SeedRef")):
                    continue
            path = _key_path(loc)
            if e["type"] == "finite_number":
                text = (f"{e['input']!r} is not a finite number; give a number (GBP m for amounts) or a "
                        "{seed: id} reference, never .nan or .inf")
            else:
                text = e["msg"].removeprefix("Value error, ")
            msg = f"{path}: {text}" if path else text
            if msg not in msgs:
                msgs.append(msg)
        raise DataValidationError("; ".join(msgs), file=where,
                                  fix="correct the scenario file (see data/raw/scenarios/ for examples)") from None
    bad = []
    for path, ref in _seed_refs(model):
        try:
            value = resolve(ref)
        except DataValidationError as exc:
            bad.append(f"{path}: {exc.detail}")
            continue
        if ".costs[" in path and path.endswith("amount_gbp_m") and value < 0:
            raise DataValidationError(f"{path}: {ref.describe()} gives {value:g}, a negative cost", file=where,
                                      fix="a cost must be >= 0: change the reference's scale or 'less' ids, or put a "
                                          "saving under 'savings'")
    if bad:
        raise DataValidationError("; ".join(bad), file=where, column="seed",
                                  fix="use an id from data/raw/seed/ (see data_dictionary.csv)")
    return model


#: pydantic's names for the members of ``Money`` (float | SeedRef), dropped from key paths
_UNION_TAGS = {"float", "constrained-float", "SeedRef", "constrained-int", "int",
               "function-after[_order(), Distribution]"}
_NUMBER_TAGS = ("float", "constrained-float", "int", "constrained-int")

def _read_yaml(path: Path) -> dict[str, Any]:
    """Parse a scenario YAML file with :func:`alliance_analysis.yamlio.load_yaml_mapping`.

    Alias expansion is bounded (an alias bomb of a few hundred bytes is refused before it
    is built), cycles and duplicate keys are refused, the top level must be a mapping, and
    every error names the file and line.
    """
    from alliance_analysis.yamlio import load_yaml_mapping

    return load_yaml_mapping(Path(path), what="scenario file")


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
        return (_seed(value.seed) - sum(_seed(x) for x in value.less)) * value.scale
    return float(value)


_SEED_CACHE: dict[str, Any] = {}


def _seed(seed_id: str) -> float:
    """One seed figure, from a lookup rebuilt only when a seed table changes on disk.

    (``datasets.seed.seed_value`` rebuilds the long table on every call: a business case
    resolves a few hundred references.) Unknown ids go to ``seed_value`` for its error,
    which suggests close ids.
    """
    from alliance_analysis import paths
    from alliance_analysis.datasets.seed import all_seed_figures, seed_value

    key = tuple(sorted((f.name, f.stat().st_mtime_ns, f.stat().st_size) for f in paths.SEED_DIR.glob("*.csv")))
    if _SEED_CACHE.get("key") != key:
        figs = all_seed_figures()
        _SEED_CACHE.update(key=key, values=dict(zip(figs["id"], figs["value"].astype(float))))
    values = _SEED_CACHE["values"]
    return float(values[seed_id]) if seed_id in values else seed_value(seed_id)


