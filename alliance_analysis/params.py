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
    treated_force: str | None = None
    change_date: str | None = None
    peer_group: str | None = None
    seed: Int = Field(2014, ge=0)

    _period = field_validator("start", "end", "change_date")(DemandParams._period.__func__)


class BusinessCaseParams(NotebookParams):
    """Parameters of ``03_merger_business_case``."""

    scenario_file: str | None = None
    options: list[str] | None = None
    horizon_years: Int = Field(10, ge=1, le=60)
    discount_schedule: Literal["green_book", "flat"] = "green_book"
    flat_rate: Float = Field(0.035, ge=0.0, le=0.5)
    n_draws: Int = Field(10_000, ge=0, le=1_000_000)
    seed: Int = Field(2014, ge=0)
    reserves_floor_gbp: Float = Field(0.0, ge=0)
    focus_option: str | None = None
    workbook_file: str | None = None


class ReviewParams(NotebookParams):
    """Parameters of ``04_police_foundation_review``."""

    show_only_status: list[Literal["reproduced", "differs", "not checkable from public data"]] | None = None
    seed: Int = Field(2014, ge=0)


#: Notebook name (file stem) -> its parameter model.
NOTEBOOK_MODELS: dict[str, type[NotebookParams]] = {
    "00_data_overview": DataOverviewParams,
    "01_demand_analysis": DemandParams,
    "02_crime_trend_forecasting": ForecastParams,
    "03_merger_business_case": BusinessCaseParams,
    "04_police_foundation_review": ReviewParams,
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
        return model(**(params or {}))
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
