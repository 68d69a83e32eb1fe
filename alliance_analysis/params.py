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

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from alliance_analysis.errors import ParameterError


class NotebookParams(BaseModel):
    """Base class: frozen, no unknown keys."""

    model_config = ConfigDict(frozen=True, extra="forbid")


DataSource = Literal["default", "police_uk", "prc"]


class DataOverviewParams(NotebookParams):
    """Parameters of ``00_data_overview``."""

    forces: list[str] = Field(default_factory=lambda: ["Warwickshire", "West Mercia", "Devon and Cornwall", "Dorset"])
    data_source: DataSource = "default"
    police_uk_path: str | None = None
    prc_path: str | None = None
    seed: int = Field(2014, ge=0)


class DemandParams(NotebookParams):
    """Parameters of ``01_demand_analysis``."""

    forces: list[str] = Field(default_factory=lambda: ["Warwickshire", "West Mercia"], min_length=1)
    start_month: str = "2010-04"
    end_month: str = "2014-09"
    data_source: DataSource = "default"
    police_uk_path: str | None = None
    prc_path: str | None = None
    css_weights_file: str | None = None
    cchi_weights_file: str | None = None
    workforce_file: str | None = None
    budget_gbp: float = Field(300_000_000.0, gt=0)
    split: dict[str, float] | None = None
    seed: int = Field(2014, ge=0)

    @field_validator("start_month", "end_month")
    @classmethod
    def _month(cls, v: str) -> str:
        import pandas as pd

        try:
            pd.Period(v, "M")
        except (ValueError, TypeError) as exc:
            raise ValueError(f"{v!r} is not a month; write it as 'YYYY-MM'") from exc
        return v


class ForecastParams(NotebookParams):
    """Parameters of ``02_crime_trend_forecasting``."""

    forces: list[str] = Field(default_factory=lambda: ["Warwickshire", "West Mercia"], min_length=1)
    crime_types: list[str] | None = None
    horizon: int = Field(12, ge=1, le=60)
    n_origins: int = Field(4, ge=1, le=24)
    step: int = Field(1, ge=1, le=12)
    change_date: str = "2013-10"
    peer_group: str = "West Mercia most similar group"
    treated_force: str = "West Mercia"
    data_source: DataSource = "default"
    police_uk_path: str | None = None
    start_month: str = "2008-04"
    end_month: str = "2014-09"
    seed: int = Field(2014, ge=0)


class BusinessCaseParams(NotebookParams):
    """Parameters of ``03_merger_business_case``."""

    scenario_file: str | None = None
    options: list[str] | None = None
    horizon_years: int = Field(10, ge=1, le=60)
    discount_schedule: Literal["green_book", "flat"] = "green_book"
    flat_rate: float = Field(0.035, ge=0.0, le=0.5)
    n_draws: int = Field(10_000, ge=0, le=1_000_000)
    seed: int = Field(2014, ge=0)
    reserves_floor_gbp: float = Field(0.0, ge=0)
    focus_option: str | None = None
    workbook_file: str | None = None


class ReviewParams(NotebookParams):
    """Parameters of ``04_police_foundation_review``."""

    show_only_status: list[Literal["reproduced", "differs", "not checkable from public data"]] | None = None
    seed: int = Field(2014, ge=0)


#: Notebook name (file stem) -> its parameter model.
NOTEBOOK_MODELS: dict[str, type[NotebookParams]] = {
    "00_data_overview": DataOverviewParams,
    "01_demand_analysis": DemandParams,
    "02_crime_trend_forecasting": ForecastParams,
    "03_merger_business_case": BusinessCaseParams,
    "04_police_foundation_review": ReviewParams,
}


def _allowed(model: type[NotebookParams], name: str) -> str:
    field = model.model_fields.get(name)
    if field is None:
        return "one of: " + ", ".join(model.model_fields)
    return f"type {field.annotation!s}".replace("typing.", "")


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
    alliance_analysis.errors.ParameterError: 03_merger_business_case: parameter 'horizon_years': Input should be greater than or equal to 1 (got 0; allowed: type <class 'int'>)
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
                problems.append(
                    f"{notebook}: parameter {name!r}: {e['msg']} (got {e.get('input')!r}; "
                    f"allowed: {_allowed(model, top)})"
                )
        raise ParameterError("; ".join(problems)) from None
