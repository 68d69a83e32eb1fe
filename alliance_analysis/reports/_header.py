"""The block at the top of every report: what produced it."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from alliance_analysis import __version__
from alliance_analysis.io import atomic_write_text
from alliance_analysis.presentation.report import escape_markdown, group_name

#: environment variable naming the run folder (set by the report runner for each kernel)
RUN_DIR_ENV = "ALLIANCE_RUN_DIR"
#: file (in the run folder) where a report records its source, forces and period for the index
META_SUFFIX = ".report.json"


def _fmt(value: Any) -> str:
    """A parameter value as plain text (not yet escaped)."""
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value)) if value else "none"
    if isinstance(value, dict):
        return ", ".join(f"{k} {v}" for k, v in value.items())
    if isinstance(value, float) and value.is_integer() and abs(value) >= 1000:
        return f"{value:,.0f}"
    return str(value)


def _describe_param(notebook: str, name: str) -> str:
    """The parameter's plain description (its pydantic ``description``), else its name."""
    from alliance_analysis.errors import ParameterError
    from alliance_analysis.params import describe_parameter

    try:
        desc = describe_parameter(notebook, name)
    except ParameterError:
        return name.replace("_", " ")
    import re

    label = re.split(r";|: | = |, or |\. ", re.sub(r" \([^)]*\)", "", desc))[0].rstrip(".")
    return label[:1].lower() + label[1:] if label[1:2].islower() else label


def changed_parameters(notebook: str, params: dict[str, Any] | None) -> dict[str, Any]:
    """The parameters that differ from the notebook's defaults (path values shown by file name).

    Examples
    --------
    >>> changed_parameters("02_crime_trend_forecasting", {"horizon": 6, "seed": 2014})
    {'horizon': 6}
    """
    from alliance_analysis.params import NOTEBOOK_MODELS

    model = NOTEBOOK_MODELS.get(notebook)
    defaults = model().model_dump() if model else {}
    out = {}
    for k, v in (params or {}).items():
        if k in defaults and defaults[k] == v:
            continue
        if model and k not in defaults:
            continue
        out[k] = Path(v).name if isinstance(v, str) and k.endswith(("_path", "_file")) else v
    return out


_NOTEBOOK_SOURCES = {
    "03_merger_business_case": "the scenario file{file} and the seed tables of the alliance papers (data/raw/seed)",
    "04_police_foundation_review": "the seed tables transcribed from the Police Foundation review and the alliance "
                                   "papers, checked against the shipped Home Office and ONS open data",
}


def default_source(notebook: str, params: dict[str, Any]) -> str:
    """Plain words for the data a notebook used, from its parameters (when it did not say itself).

    Examples
    --------
    >>> default_source("00_data_overview", {"data_source": "police_uk", "police_uk_path": "/d/gloucestershire"})
    'police.uk street-level archive gloucestershire'
    """
    ds = params.get("data_source")
    name = lambda k: Path(str(params[k])).name if params.get(k) else ""  # noqa: E731
    if ds == "police_uk":
        return f"police.uk street-level archive {name('police_uk_path')}".strip()
    if ds == "prc":
        return f"Home Office police recorded crime table {name('prc_path')}".strip()
    if ds == "synthetic":
        return "SYNTHETIC seeded demonstration data (not a finding about any force)"
    if ds == "default":
        return "the shipped default data (Home Office and ONS open data in data/raw)"
    if notebook in _NOTEBOOK_SOURCES:
        f = name("scenario_file")
        return _NOTEBOOK_SOURCES[notebook].format(file=f" {f}" if f else " (shipped default)")
    return "as described in the report"


def report_header(notebook: str, params: dict[str, Any] | None = None, *, series: Any = None,
                  source: str | None = None, forces: list[str] | None = None, period: str | None = None) -> str:
    """Markdown block saying what produced a report: data source and release, forces, period, parameters.

    When run by ``alliance-analysis run`` (``ALLIANCE_RUN_DIR`` set) the same facts are
    recorded in the run folder for the index and the provenance.

    Parameters
    ----------
    notebook : str
        Notebook name, e.g. ``"01_demand_analysis"``.
    params : dict, optional
        The notebook's parameter values; those differing from the defaults are listed.
    series : CrimeSeries, optional
        The data used (gives source, release, forces and period).
    source, forces, period : optional
        Given explicitly when there is no ``series``.

    Returns
    -------
    str
        Markdown. Every text from inputs (source, forces, period, parameter values) is
        escaped, so a force or file named ``<script>...`` shows as text, never as markup.

    Examples
    --------
    >>> print(report_header("02_crime_trend_forecasting", {"horizon": 6}, source="Home Office PRC (2023 release)",
    ...                     forces=["Dorset"], period="2013 Q2 to 2023 Q1"))  # doctest: +ELLIPSIS
    > **What produced this report.** Data: Home Office PRC (2023 release). Forces: Dorset. Period: 2013 Q2 to 2023 Q1. Parameters changed from the defaults: ...: 6. Produced by alliance-analysis ...
    """
    if series is not None:
        source = source or f"{series.source} ({series.release})" + (" - SYNTHETIC demonstration data" if series.synthetic else "")
        forces = forces or list(series.forces)
        period = period or series.period_label()
    params = params or {}
    if forces is None and isinstance(params.get("forces"), list):
        forces = params["forces"]
    if source is None:
        source = default_source(notebook, params)
    changed = changed_parameters(notebook, params)
    esc = escape_markdown
    parts = [f"Data: {esc(source or 'as described below')}."]
    if forces:
        parts.append(f"Forces: {esc(group_name(list(map(str, forces)), max_names=8))}.")
    if period:
        parts.append(f"Period: {esc(period)}.")
    parts.append("Parameters changed from the defaults: "
                 + ("; ".join(f"{esc(_describe_param(notebook, k))}: {esc(_fmt(v))}" for k, v in changed.items())
                    if changed else "none") + ".")
    parts.append(f"Produced by alliance-analysis {__version__}, notebook {esc(notebook)}.")
    run_dir = os.environ.get(RUN_DIR_ENV)
    if run_dir and Path(run_dir).is_dir():
        meta = {"source": source, "forces": forces, "period": period, "changed_parameters": changed}
        atomic_write_text(json.dumps(meta, indent=2, sort_keys=True, default=str), Path(run_dir) / f"{notebook}{META_SUFFIX}")
    return "> **What produced this report.** " + " ".join(parts)
