"""Typed, validated parameters for every notebook and every run.

Each notebook's ``parameters`` cell mirrors one frozen pydantic model here.
Runs validate parameters against these models *before* any kernel starts, so an
unknown name, a wrong type or an out-of-range value stops the run with a message
naming the notebook, the parameter and the allowed values (papermill alone only
warns).

Examples
--------
>>> p = DemandParams(forces=["Warwickshire", "West Mercia"])
>>> p.forces
['Warwickshire', 'West Mercia']
>>> validate_notebook_params("01_demand_analysis", {"forces": ["Dorset"]}).forces
['Dorset']
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AllowInfNan, BaseModel, ConfigDict, Field, Strict, ValidationError, field_validator

from alliance_analysis.errors import ParameterError

#: an integer parameter: ``"6"``, ``7.0`` and ``True`` are rejected, not coerced
Int = Annotated[int, Strict()]
#: a real parameter: ints are accepted, strings and booleans rejected, and so are inf and NaN
Float = Annotated[float, Strict(), AllowInfNan(False)]


class NotebookParams(BaseModel):
    """Base class: frozen, no unknown keys."""

    model_config = ConfigDict(frozen=True, extra="forbid")


DataSource = Literal["default", "police_uk", "prc"]
#: sources of the demand notebook (``synthetic``: the seeded generator, labelled as such)
DemandSource = Literal["default", "police_uk", "prc", "synthetic"]


class DataOverviewParams(NotebookParams):
    """Parameters of ``00_data_overview``."""

    forces: list[str] = Field(default_factory=lambda: ["Warwickshire", "West Mercia", "Devon and Cornwall", "Dorset"])
    data_source: DataSource = "default"
    police_uk_path: str | None = None
    prc_path: str | None = None
    seed: Int = Field(2014, ge=0)


class DemandParams(NotebookParams):
    """Parameters of ``01_demand_analysis``."""

    forces: list[str] = Field(default_factory=lambda: ["Warwickshire", "West Mercia"], min_length=1)
    data_source: DemandSource = "default"
    police_uk_path: str | None = None
    prc_path: str | None = None
    start: str | None = None
    end: str | None = None
    split: dict[str, Float] | None = None
    budget_gbp: Float = Field(300_000_000.0, gt=0)
    css_weights_file: str | None = None
    cchi_weights_file: str | None = None
    seed: Int = Field(2014, ge=0)
    productive_hours_per_fte: Float = Field(1600.0, gt=0, le=8760)
    police_hours_file: str | None = None
    csew_file: str | None = None

    @field_validator("split")
    @classmethod
    def _split(cls, v: dict[str, float] | None) -> dict[str, float] | None:
        if v is None:
            return v
        from alliance_analysis.demand._common import check_split
        from alliance_analysis.errors import ParameterError

        try:
            return check_split(v)
        except ParameterError as exc:
            raise ValueError(str(exc)) from None

    @field_validator("start", "end")
    @classmethod
    def _period(cls, v: str | None) -> str | None:
        if v is None:
            return v
        import pandas as pd

        freq = "Q" if "Q" in v.upper() else "M"
        try:
            pd.Period(v, freq)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"{v!r} is not a month or quarter; write 'YYYY-MM' or 'YYYYQn'") from exc
        return v


class ForecastParams(NotebookParams):
    """Parameters of ``02_crime_trend_forecasting``."""

    forces: list[str] = Field(default_factory=lambda: ["Warwickshire", "West Mercia"], min_length=1)
    categories: list[str] | None = None
    horizon: Int = Field(8, ge=1, le=60)
    n_origins: Int = Field(4, ge=1, le=24)
    step: Int = Field(1, ge=1, le=12)
    data_source: DemandSource = "default"
    police_uk_path: str | None = None
    prc_path: str | None = None
    start: str | None = None
    end: str | None = None
    studies: list[str] | None = None
    treated_force: str | list[str] | None = None
    change_date: str | None = None
    peer_group: str | list[str] | None = None
    seed: Int = Field(2014, ge=0)

    _period = field_validator("start", "end", "change_date")(DemandParams._period.__func__)


class BusinessCaseParams(NotebookParams):
    """Parameters of ``03_merger_business_case``."""

    scenario_file: str | None = None
    forces: list[str] | None = Field(None, min_length=2)
    options: list[str] | None = Field(None, min_length=1)
    horizon_years: Int = Field(10, ge=1, le=60)
    discount_schedule: Literal["green_book", "flat"] = "green_book"
    flat_rate: Float = Field(0.035, ge=0.0, le=0.5)
    n_draws: Int = Field(10_000, ge=0, le=1_000_000)
    seed: Int = Field(2014, ge=0)
    reserves_floor_gbp: Float = Field(0.0, ge=0)
    focus_option: str | None = None
    workbook_file: str | None = None

    @field_validator("forces")
    @classmethod
    def _scenario_or_forces(cls, v: list[str] | None, info: Any) -> list[str] | None:
        # forces build a generic scenario; a scenario file names its own forces: one or the other
        if v is not None and info.data.get("scenario_file") is not None:
            raise ValueError("give either scenario_file (its forces are in the file) or forces (a generic "
                             "scenario is built for them), not both")
        return v


class ReviewParams(NotebookParams):
    """Parameters of ``04_police_foundation_review``."""

    show_only_status: list[Literal["reproduced", "differs", "not checkable from public data"]] | None = None
    seed: Int = Field(2014, ge=0)


class PerformanceParams(NotebookParams):
    """Parameters of ``05_performance`` (issue 19)."""

    forces: list[str] = Field(default_factory=lambda: ["Warwickshire", "West Mercia"])
    group_name: str | None = Field(None, description="Name of the group of forces in the report (default: the "
                                                      "forces' names joined)")
    data_source: Literal["default", "police_uk"] = "default"
    police_uk_path: str | None = None
    outcome_basis: Literal["recorded", "assigned"] = Field(
        "recorded", description="Counting basis of outcome rates: outcomes so far of the offences recorded in the "
                                "quarter ('recorded') or outcomes assigned in the quarter ('assigned'); on a police.uk "
                                "archive, each crime's latest outcome from the street files ('recorded') or the "
                                "outcomes given each month from its outcomes files ('assigned')")
    measures: list[str] | None = Field(None, description="Only these performance measures (default: all)")
    funnel_method: Literal["additive", "multiplicative", "none"] = Field(
        "additive", description="How funnel limits allow for real differences between forces")
    n_sims: Int = Field(1000, ge=0, le=100_000, description="Simulated steady series used to measure how often "
                                                           "each chart gives a false alarm (0 skips it)")
    seed: Int = Field(2014, ge=0)


#: Notebook name (file stem) -> its parameter model.
NOTEBOOK_MODELS: dict[str, type[NotebookParams]] = {
    "00_data_overview": DataOverviewParams,
    "01_demand_analysis": DemandParams,
    "02_crime_trend_forecasting": ForecastParams,
    "03_merger_business_case": BusinessCaseParams,
    "04_police_foundation_review": ReviewParams,
    "05_performance": PerformanceParams,
}


_HINTS = {
    "int_type": "; fix: write a whole number without quotes or decimal point (6, not \"6\" or 6.0)",
    "float_type": "; fix: write a number without quotes",
    "finite_number": "; fix: give a finite number (.inf and .nan are not allowed)",
    "string_type": "; fix: quote the value",
}


def _allowed(model: type[NotebookParams], name: str) -> str:
    field = model.model_fields.get(name)
    if field is None:
        return "one of: " + ", ".join(model.model_fields)
    ann = field.annotation.__name__ if isinstance(field.annotation, type) else str(field.annotation)
    return f"type {ann}".replace("typing.", "")


def validate_notebook_params(notebook: str, params: dict[str, Any] | None) -> NotebookParams:
    """Validate ``params`` for ``notebook``; raise :class:`ParameterError` naming the problem.

    Parameters
    ----------
    notebook : str
        Notebook file stem, e.g. ``"01_demand_analysis"``.
    params : dict
        Parameter overrides.

    Returns
    -------
    NotebookParams
        The validated, frozen model (defaults filled in).

    Raises
    ------
    ParameterError
        Unknown notebook, unknown parameter, wrong type or out-of-range value;
        the message names the notebook, the parameter and what is allowed.

    Examples
    --------
    >>> validate_notebook_params("03_merger_business_case", {"horizon_years": 0})
    Traceback (most recent call last):
    ...
    alliance_analysis.errors.ParameterError: 03_merger_business_case: parameter 'horizon_years': Input should be greater than or equal to 1 (got 0; allowed: type int)
    """
    if notebook not in NOTEBOOK_MODELS:
        raise ParameterError(
            f"unknown notebook {notebook!r}; known notebooks: {', '.join(NOTEBOOK_MODELS)}"
        )
    model = NOTEBOOK_MODELS[notebook]
    try:
        validated = model(**(params or {}))
    except ValidationError as exc:
        problems = []
        for e in exc.errors():
            name = ".".join(str(p) for p in e["loc"]) or "?"
            top = str(e["loc"][0]) if e["loc"] else name
            if e["type"] == "extra_forbidden":
                problems.append(
                    f"{notebook}: unknown parameter {name!r} (allowed: {', '.join(model.model_fields)})"
                )
            else:
                hint = _HINTS.get(e["type"], "")
                problems.append(
                    f"{notebook}: parameter {name!r}: {e['msg']} (got {e.get('input')!r}; "
                    f"allowed: {_allowed(model, top)}){hint}"
                )
        raise ParameterError("; ".join(problems)) from None
    check_forces(notebook, validated)   # a misspelt force stops the run before any kernel starts
    return validated


def path_parameters(params: NotebookParams) -> list[str]:
    """Names of the path parameters (ending ``_path`` or ``_file``) of a model.

    Examples
    --------
    >>> path_parameters(BusinessCaseParams())
    ['scenario_file', 'workbook_file']
    """
    return [n for n in type(params).model_fields if n.endswith(("_path", "_file"))]


#: path parameters that name an output to be written (checked for a writable folder, not existence)
OUTPUT_PATHS = frozenset({"workbook_file"})


def resolve_paths(notebook: str, params: NotebookParams, base: str | os.PathLike | None = None) -> NotebookParams:
    """Resolve every path parameter to an absolute path against ``base`` and check it exists.

    Input paths must exist; output paths (``workbook_file``) must have an existing folder.
    Relative paths are taken relative to ``base`` (default: the current working
    directory, i.e. where the command was run), so the kernel, which runs in
    ``notebooks/``, receives the same file the user named.

    Parameters
    ----------
    notebook : str
        Notebook name, for messages.
    params : NotebookParams
        Validated parameters.
    base : path, optional
        Directory relative paths are resolved against.

    Returns
    -------
    NotebookParams
        A copy with absolute paths.

    Raises
    ------
    ParameterError
        A path that does not exist, naming the notebook, the parameter and the path.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp()); _ = (d / "s.yaml").write_text("a: 1")
    >>> p = resolve_paths("03_merger_business_case", BusinessCaseParams(scenario_file="s.yaml"), d)
    >>> p.scenario_file == str(d.resolve() / "s.yaml")
    True
    >>> resolve_paths("03_merger_business_case", BusinessCaseParams(scenario_file="nope.yaml"), d)
    Traceback (most recent call last):
    ...
    alliance_analysis.errors.ParameterError: 03_merger_business_case: parameter 'scenario_file': ...
    """
    root = Path(base if base is not None else os.getcwd()).resolve()
    changes: dict[str, str] = {}
    for name in path_parameters(params):
        value = getattr(params, name)
        if value is None:
            continue
        p = Path(os.path.expanduser(str(value)))
        p = p if p.is_absolute() else root / p
        p = Path(os.path.abspath(p))
        if name in OUTPUT_PATHS:
            from alliance_analysis import paths as _paths

            raw = _paths.RAW_DIR.resolve()
            if p.resolve() == raw or raw in p.resolve().parents:
                raise ParameterError(
                    f"{notebook}: parameter {name!r}: {p} is inside data/raw/ (the project's immutable inputs, read "
                    "by 'data build'); fix: write it into the run folder or any folder outside data/raw/")
            if not p.parent.is_dir():
                raise ParameterError(
                    f"{notebook}: parameter {name!r}: folder {p.parent} does not exist (given {value!r}, "
                    f"resolved against {root}); fix: create the folder or name a path in an existing one")
        elif not p.exists():
            raise ParameterError(
                f"{notebook}: parameter {name!r}: {p} does not exist (given {value!r}, resolved against "
                f"{root}); fix: correct the path, or give it absolute")
        changes[name] = str(p)
    return params.model_copy(update=changes) if changes else params


def kernel_values(params: NotebookParams) -> dict[str, Any]:
    """The values papermill injects: the validated model's values, JSON-typed, finite.

    Examples
    --------
    >>> kernel_values(ForecastParams(horizon=6))["horizon"]
    6
    """
    values = params.model_dump(mode="python")
    for k, v in values.items():
        if isinstance(v, float) and not math.isfinite(v):  # pragma: no cover - models forbid it
            raise ParameterError(f"parameter {k!r} is not finite ({v})")
    return values


#: Plain descriptions of every parameter, by name (``"<notebook>.<name>"`` for a notebook's own
#: meaning). A field's own ``Field(description=...)`` takes precedence. ``alliance-analysis params``
#: and the report header use them; a test checks every parameter of every notebook has one.
PARAMETER_DESCRIPTIONS: dict[str, str] = {
    "forces": "The police forces the report covers, by name (any usual spelling, e.g. 'Devon & Cornwall'), "
              "or the name of a group from data/raw/reference/force_groups.csv",
    "data_source": "Where the crime figures come from: 'default' = the Home Office and ONS open data shipped "
                   "with the package; 'police_uk' = a data.police.uk street-level archive (give police_uk_path); "
                   "'prc' = a Home Office police recorded crime table (give prc_path); 'synthetic' = seeded "
                   "made-up data for demonstrations, labelled as such",
    "police_uk_path": "Folder or zip of a data.police.uk street-level archive (used when data_source is 'police_uk')",
    "prc_path": "A Home Office police recorded crime table, CSV/ODS/XLSX (used when data_source is 'prc')",
    "seed": "Number that fixes every random draw, so the same parameters give the same report",
    "start": "First month ('2015-04') or quarter ('2015Q2') to use; empty = from the start of the data",
    "end": "Last month ('2023-03') or quarter ('2023Q1') to use; empty = to the end of the data",
    "split": "The agreed cost split between the forces, as a share per force (e.g. Warwickshire: 31, West Mercia: 69); "
             "empty = the split recorded in the source papers for these forces",
    "budget_gbp": "Total annual budget of the forces in pounds, used to turn shares into money",
    "css_weights_file": "Optional CSV of ONS Crime Severity Score weights per offence, replacing the shipped ones",
    "cchi_weights_file": "Optional CSV of Cambridge Crime Harm Index weights, replacing the shipped ones",
    "productive_hours_per_fte": "Productive hours a year of one full-time officer or staff member (an assumption, "
                                "default 1,600: about 37 hours a week for 43 weeks), used to set police time "
                                "demanded against police time available",
    "police_hours_file": "The Home Office costs-of-crime file of police hours per offence (not shipped); empty = "
                         "its place beside the project (../shared/data/harm/police_cost_and_hours_by_offence.csv)",
    "csew_file": "The Crime Survey against recorded crime by force, 2011/12 (not shipped); empty = its place beside "
                 "the project (../shared/data/hidden_demand/csew_vs_recorded_by_force_2011_12.csv)",
    "categories": "Offence groups (or police.uk crime types) to forecast; empty = every group in the data",
    "horizon": "How many periods (months or quarters, as the data) ahead to forecast",
    "n_origins": "How many past forecast start points to test the methods on (more = a firmer comparison, slower)",
    "step": "Periods between those past start points",
    "studies": "Which policy evaluations to run, by name; empty = those that concern the forces chosen",
    "treated_force": "For a custom evaluation: the force, group name or list of forces that made the change",
    "change_date": "For a custom evaluation: the month ('2013-10') or quarter the change took effect",
    "peer_group": "For a custom evaluation: comparison forces named (a group name or a list); empty or 'rule' = every force not in a collaboration of its own, by the register rule",
    "scenario_file": "Business-case scenario YAML (see the scenario template); empty = the shipped scenario",
    "options": "Which options of the scenario to appraise, by name; empty = all of them",
    "horizon_years": "How many financial years the appraisal covers",
    "discount_schedule": "How later money is discounted: 'green_book' = HM Treasury rates (3.5% a year for 30 "
                         "years, then lower); 'flat' = one rate every year (flat_rate)",
    "flat_rate": "The yearly discount rate when discount_schedule is 'flat', as a fraction (0.035 = 3.5%)",
    "n_draws": "How many random draws the uncertainty analysis makes (0 = none)",
    "reserves_floor_gbp": "The lowest reserves (in pounds, e.g. 10000000 for £10m) a force should hold; years below it are flagged",
    "focus_option": "The option the report describes in most detail; empty = full merger if offered, else the last option",
    "workbook_file": "Where to write the Excel workbook; empty = into the run folder",
    "show_only_status": "Show only claims with these statuses in the full register: 'reproduced', 'differs', "
                        "'not checkable from public data'; empty = all claims",
}


def _constraint(meta: list[Any], kind: str) -> Any:
    for m in meta:
        if hasattr(m, kind):
            return getattr(m, kind)
    return None


def allowed_values(model: type[NotebookParams], name: str) -> str:
    """The values a parameter accepts, in words.

    Examples
    --------
    >>> allowed_values(ForecastParams, "horizon")
    'a whole number from 1 to 60'
    >>> allowed_values(DemandParams, "data_source")
    "one of 'default', 'police_uk', 'prc', 'synthetic'"
    >>> allowed_values(BusinessCaseParams, "flat_rate")
    'a number from 0.0 to 0.5'
    """
    import typing

    f = model.model_fields[name]
    ann = f.annotation
    meta = list(f.metadata)
    optional = False
    args = typing.get_args(ann)
    if typing.get_origin(ann) in (typing.Union, getattr(__import__("types"), "UnionType", None)) and type(None) in args:
        optional = True
        rest = [a for a in args if a is not type(None)]
        ann = rest[0] if len(rest) == 1 else ann
    while typing.get_origin(ann) is Annotated:
        base, *extra = typing.get_args(ann)
        meta += extra
        ann = base
    origin = typing.get_origin(ann)
    lo = _constraint(meta, "ge")
    lo_strict = _constraint(meta, "gt")
    hi = _constraint(meta, "le")
    if origin is Literal:
        text = "one of " + ", ".join(repr(a) for a in typing.get_args(ann))
    elif origin is list:
        inner = typing.get_args(ann)[0] if typing.get_args(ann) else str
        if typing.get_origin(inner) is Literal:
            text = "a list of any of " + ", ".join(repr(a) for a in typing.get_args(inner))
        else:
            text = "a list of names" if name in ("forces", "categories", "options", "studies") else "a list of text values"
        mn = _constraint(meta, "min_length")
        if mn:
            text += f" (at least {mn})"
    elif origin is dict:
        text = "a mapping of name to number"
    elif ann in (int, float):
        word = "a whole number" if ann is int else "a number"
        if lo is not None and hi is not None:
            text = f"{word} from {lo} to {hi}"
        elif lo is not None:
            text = f"{word} of {lo} or more"
        elif lo_strict is not None:
            text = f"{word} above {lo_strict}"
        else:
            text = word
    elif ann is str:
        text = "a file path" if name.endswith(("_path", "_file")) else "text"
    else:
        text = str(ann).replace("typing.", "")
    return text + (", or empty (null)" if optional else "")


def describe_parameter(notebook: str, name: str) -> str:
    """A parameter's plain description (the field's own, else :data:`PARAMETER_DESCRIPTIONS`).

    Raises
    ------
    ParameterError
        Unknown notebook or parameter, or a parameter nobody has described yet.

    Examples
    --------
    >>> describe_parameter("02_crime_trend_forecasting", "horizon")
    'How many periods (months or quarters, as the data) ahead to forecast'
    """
    model = NOTEBOOK_MODELS.get(notebook)
    if model is None or name not in model.model_fields:
        raise ParameterError(f"unknown parameter {name!r} of notebook {notebook!r}")
    desc = model.model_fields[name].description or PARAMETER_DESCRIPTIONS.get(f"{notebook}.{name}") \
        or PARAMETER_DESCRIPTIONS.get(name)
    if not desc:
        raise ParameterError(f"{notebook}: parameter {name!r} has no description; fix: add "
                             f"Field(description=...) in alliance_analysis/params.py")
    return desc


def resolve_notebook_name(name: str) -> str:
    """A notebook's full name from its number or name: ``"01"``, ``"1"``, ``"01_demand_analysis"``.

    Raises
    ------
    ParameterError
        No notebook, or more than one, matches; the known notebooks are listed.

    Examples
    --------
    >>> resolve_notebook_name("01"), resolve_notebook_name("4")
    ('01_demand_analysis', '04_police_foundation_review')
    """
    text = str(name).strip().removesuffix(".ipynb")
    if text in NOTEBOOK_MODELS:
        return text
    if text.isdigit():
        hits = [n for n in NOTEBOOK_MODELS if n.split("_", 1)[0].lstrip("0") == text.lstrip("0")
                or (text.strip("0") == "" and n.startswith("00"))]
    else:
        hits = [n for n in NOTEBOOK_MODELS if n.startswith(text) or n.split("_", 1)[-1] == text]
    if len(hits) == 1:
        return hits[0]
    raise ParameterError(f"unknown notebook {name!r}; known notebooks: {', '.join(NOTEBOOK_MODELS)} "
                         "(give the full name or its number, e.g. 01)")


def check_forces(notebook: str, params: NotebookParams) -> None:
    """Every force name (``forces``, ``treated_force``) is a known force or group, before any kernel starts.

    Raises
    ------
    ParameterError
        Naming the notebook, the parameter, the unknown name, close matches and the fix.

    Examples
    --------
    >>> check_forces("01_demand_analysis", DemandParams(forces=["Dorest"]))
    Traceback (most recent call last):
    ...
    alliance_analysis.errors.ParameterError: 01_demand_analysis: parameter 'forces': unknown police force name 'Dorest' (close matches: Dorset); fix: use one of the 43 territorial force names (any usual spelling) or a group name from data/raw/reference/force_groups.csv
    """
    from alliance_analysis import clean
    from alliance_analysis.errors import DataValidationError

    for field_name in ("forces", "treated_force"):
        value = getattr(params, field_name, None)
        if value is None:
            continue
        for force in [value] if isinstance(value, str) else list(value):
            try:
                clean.resolve_forces(force)
            except DataValidationError as exc:
                reason = str(exc).split(". Fix:")[0]
                reason = reason.split(": ", 1)[1] if reason.startswith("None: ") else reason
                raise ParameterError(
                    f"{notebook}: parameter {field_name!r}: {reason}; fix: use one of the 43 territorial force names "
                    "(any usual spelling) or a group name from data/raw/reference/force_groups.csv") from None
