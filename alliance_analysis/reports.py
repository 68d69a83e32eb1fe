"""Run notebooks with papermill into ``reports/<run-id>/`` with HTML and provenance.

Parameters are validated against :mod:`alliance_analysis.params` *before* any
kernel starts. Each notebook gets an executed copy, an HTML report (code hidden
by default) and a provenance record; ``reports/index.html`` lists every run. A
failing notebook keeps its partial executed copy with the error shown and the run
goes on with the others unless ``fail_fast``.

Examples
--------
>>> cfg = load_run_config({"notebooks": {"04_police_foundation_review": {}}})
>>> list(cfg.notebooks)
['04_police_foundation_review']
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import html
import json
import logging
import os
import platform
import subprocess
from dataclasses import dataclass, field
from importlib import metadata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from alliance_analysis import __version__, paths
from alliance_analysis.errors import ParameterError
from alliance_analysis.io import atomic_write_text, sha256_file
from alliance_analysis.params import NOTEBOOK_MODELS, validate_notebook_params

log = logging.getLogger(__name__)

KERNEL_NAME = "alliance-analysis"
LIBRARIES = ("pandas", "numpy", "statsmodels", "scipy", "matplotlib", "seaborn", "papermill",
             "nbconvert", "pyarrow", "pydantic", "crime-sim-toolkit")


class RunConfig(BaseModel):
    """A run: which notebooks, with which parameters (``config/run.yaml``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    notebooks: dict[str, dict[str, Any]] = Field(default_factory=lambda: {k: {} for k in NOTEBOOK_MODELS})
    timeout: int | None = Field(None, ge=1, description="per-cell timeout in seconds")


def load_run_config(config: str | Path | dict | None = None) -> RunConfig:
    """Load and validate a run configuration (YAML path, dict, or None for all defaults).

    Raises
    ------
    ParameterError
        Unknown keys, unknown notebooks or invalid parameters, naming the
        notebook, the parameter and what is allowed.
    """
    source = "defaults"
    if config is None:
        data: dict = {}
    elif isinstance(config, dict):
        data = config
    else:
        source = str(config)
        p = Path(config)
        if not p.exists():
            raise ParameterError(f"run configuration {p} does not exist; fix: pass --config with an existing YAML file")
        data = yaml.safe_load(p.read_text()) or {}
    try:
        cfg = RunConfig(**data)
    except ValidationError as exc:
        msg = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ParameterError(f"{source}: {msg} (allowed keys: notebooks, timeout)") from None
    for name, params in cfg.notebooks.items():
        validate_notebook_params(name, params)
    return cfg


@dataclass
class NotebookRun:
    """Outcome of one notebook in a run."""

    name: str
    status: str
    output: Path
    html: Path | None
    provenance: Path
    error: str | None = None
    seconds: float = 0.0


@dataclass
class RunResult:
    """Outcome of a whole run."""

    run_id: str
    run_dir: Path
    notebooks: list[NotebookRun] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every notebook succeeded."""
        return all(n.status == "succeeded" for n in self.notebooks)


def git_commit() -> str | None:
    """The project's git commit, or None when not in a git checkout."""
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=paths.PROJECT_ROOT, capture_output=True,
                             text=True, timeout=10, check=True)
        return out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None


def library_versions() -> dict[str, str]:
    """Installed versions of the libraries a report depends on."""
    out = {"python": platform.python_version(), "alliance-analysis": __version__}
    for lib in LIBRARIES:
        try:
            out[lib] = metadata.version(lib)
        except metadata.PackageNotFoundError:
            out[lib] = "not installed"
    return out


def input_checksums(params: dict[str, Any]) -> dict[str, str]:
    """SHA-256 of every file in data/raw and data/processed, and of any path parameter."""
    files: list[Path] = []
    for root in (paths.RAW_DIR, paths.PROCESSED_DIR):
        if root.exists():
            files += [p for p in sorted(root.rglob("*")) if p.is_file() and p.name != ".gitkeep"]
    for key, value in params.items():
        if isinstance(value, str) and (key.endswith("_path") or key.endswith("_file")):
            p = Path(value)
            if p.is_file():
                files.append(p)
            elif p.is_dir():
                files += [q for q in sorted(p.rglob("*")) if q.is_file()]
    out = {}
    for f in files:
        try:
            key = f.resolve().relative_to(paths.PROJECT_ROOT).as_posix()
        except ValueError:
            key = str(f.resolve())
        out[key] = sha256_file(f)
    return out


_VOLATILE_NB_KEYS = ("start_time", "end_time", "duration", "input_path", "output_path")


def normalise_notebook(path: Path) -> None:
    """Strip run-specific timestamps and durations so identical runs give identical files."""
    nb = nbformat.read(path, as_version=4)
    pm = nb.metadata.get("papermill", {})
    for k in _VOLATILE_NB_KEYS:
        pm.pop(k, None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        cpm = cell.metadata.get("papermill", {})
        for k in _VOLATILE_NB_KEYS:
            cpm.pop(k, None)
    atomic_write_text(nbformat.writes(nb), path)


def export_html(notebook: Path, target: Path, *, show_code: bool = False) -> Path:
    """Export an executed notebook to HTML with figures embedded (code hidden by default)."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(exclude_input=not show_code, exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nbformat.read(notebook, as_version=4))
    return atomic_write_text(body, target)


@contextlib.contextmanager
def _deterministic_env(run_dir: Path) -> Iterator[None]:
    """Environment for the kernel: fixed SOURCE_DATE_EPOCH and svg.hashsalt; restored afterwards.

    The kernel inherits the environment when it starts, so the caller's own
    environment is left exactly as it was once the notebook has run.
    """
    rc = run_dir / ".matplotlibrc"
    if not rc.exists():
        atomic_write_text("svg.hashsalt: alliance-analysis\n", rc)
    wanted = {"SOURCE_DATE_EPOCH": "0", "MATPLOTLIBRC": str(rc), "PYTHONHASHSEED": "0"}
    saved = {k: os.environ.get(k) for k in wanted}
    os.environ.update(wanted)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _run_id(cfg: RunConfig) -> str:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    digest = hashlib.sha256(cfg.model_dump_json().encode()).hexdigest()[:8]
    return f"{stamp}-{digest}"


def run_notebooks(
    config: str | Path | dict | RunConfig | None = None,
    *,
    only: list[str] | None = None,
    output_dir: str | Path | None = None,
    fail_fast: bool = False,
    timeout: int | None = None,
    html: bool = True,
    progress: bool = False,
    notebooks_dir: str | Path | None = None,
) -> RunResult:
    """Execute the configured notebooks into ``<output_dir>/<run-id>/``.

    Parameters
    ----------
    config : path, dict or RunConfig, optional
        Which notebooks and parameters; None runs every notebook on defaults.
    only : list of str, optional
        Notebook names to run (a subset of the configuration).
    output_dir : path, optional
        Where run folders go (default ``reports/``).
    fail_fast : bool
        Stop at the first failing notebook.
    timeout : int, optional
        Per-cell timeout in seconds; a hung kernel is stopped when a cell exceeds it.
    html : bool
        Also write an HTML report per notebook.
    progress : bool
        Show per-notebook and per-cell progress bars.
    notebooks_dir : path, optional
        Where the notebooks are (default ``notebooks/``).

    Returns
    -------
    RunResult
        Per-notebook status and paths. ``ok`` is False if any notebook failed.
    """
    import papermill as pm
    from tqdm.auto import tqdm

    cfg = config if isinstance(config, RunConfig) else load_run_config(config)
    names = list(cfg.notebooks)
    if only:
        unknown = [n for n in only if n not in cfg.notebooks]
        if unknown:
            raise ParameterError(f"--only {unknown}: not in the run configuration; choose from {names}")
        names = [n for n in names if n in only]
    # validate everything before any kernel starts
    validated = {n: validate_notebook_params(n, cfg.notebooks[n]) for n in names}
    nb_dir = Path(notebooks_dir) if notebooks_dir else paths.NOTEBOOKS_DIR
    for n in names:
        if not (nb_dir / f"{n}.ipynb").exists():
            raise ParameterError(f"notebook {n}.ipynb not found in {nb_dir}")
    out_root = Path(output_dir) if output_dir else paths.REPORTS_DIR
    run_id = _run_id(cfg)
    run_dir = out_root / run_id
    run_dir.mkdir(parents=True, exist_ok=True)
    result = RunResult(run_id=run_id, run_dir=run_dir)
    cell_timeout = timeout or cfg.timeout
    for name in tqdm(names, desc="notebooks", disable=not progress):
        params = cfg.notebooks[name]
        out_nb = run_dir / f"{name}.ipynb"
        start = dt.datetime.now(dt.UTC)
        status, error = "succeeded", None
        log.info("running %s", name)
        try:
            with _deterministic_env(run_dir):
                pm.execute_notebook(
                    str(nb_dir / f"{name}.ipynb"), str(out_nb), parameters=params,
                    kernel_name=KERNEL_NAME, cwd=str(nb_dir), execution_timeout=cell_timeout,
                    progress_bar=progress, log_output=False,
                )
        except Exception as exc:  # papermill raises several types; keep the partial output
            status, error = "failed", f"{type(exc).__name__}: {exc}"[:4000]
            log.error("%s failed: %s", name, error.splitlines()[0] if error else "")
        end = dt.datetime.now(dt.UTC)
        html_path = None
        if out_nb.exists():
            normalise_notebook(out_nb)
            if html:
                html_path = export_html(out_nb, run_dir / f"{name}.html")
        prov = {
            "run_id": run_id, "notebook": name, "status": status, "error": error,
            "package_version": __version__, "git_commit": git_commit(),
            "parameters": validated[name].model_dump(), "parameters_given": params,
            "inputs_sha256": input_checksums(params), "libraries": library_versions(),
            "start_time": start.isoformat(), "end_time": end.isoformat(),
        }
        prov_path = run_dir / f"{name}.provenance.json"
        atomic_write_text(json.dumps(prov, indent=2, sort_keys=True, default=str), prov_path)
        result.notebooks.append(NotebookRun(name, status, out_nb, html_path, prov_path, error,
                                            (end - start).total_seconds()))
        if status == "failed" and fail_fast:
            break
    write_index(out_root)
    return result


def write_index(reports_dir: str | Path | None = None) -> Path:
    """Rebuild ``reports/index.html`` from the provenance records of every run."""
    root = Path(reports_dir) if reports_dir else paths.REPORTS_DIR
    rows = []
    for prov in sorted(root.glob("*/*.provenance.json"), reverse=True):
        try:
            p = json.loads(prov.read_text())
        except (OSError, json.JSONDecodeError):
            continue
        run = prov.parent.name
        name = p.get("notebook", prov.name)
        link = f"{run}/{name}.html" if (prov.parent / f"{name}.html").exists() else f"{run}/{name}.ipynb"
        colour = "#1b5e20" if p.get("status") == "succeeded" else "#b71c1c"
        rows.append(
            f"<tr><td>{html.escape(run)}</td><td><a href='{html.escape(link)}'>{html.escape(name)}</a></td>"
            f"<td style='color:{colour}'>{html.escape(str(p.get('status')))}</td>"
            f"<td>{html.escape(str(p.get('start_time', '')))}</td><td>{html.escape(str(p.get('git_commit') or ''))[:12]}</td></tr>"
        )
    page = (
        "<!doctype html><html><head><meta charset='utf-8'><title>alliance-analysis reports</title>"
        "<style>body{font-family:sans-serif;margin:2em}td,th{padding:4px 10px;border-bottom:1px solid #ddd}</style>"
        "</head><body><h1>alliance-analysis reports</h1><table><tr><th>run</th><th>report</th><th>status</th>"
        "<th>started (UTC)</th><th>commit</th></tr>" + "".join(rows) + "</table></body></html>"
    )
    root.mkdir(parents=True, exist_ok=True)
    return atomic_write_text(page, root / "index.html")


def strip_notebook(path: str | Path) -> bool:
    """Remove outputs and execution counts from a notebook in place (atomically).

    Returns True if the file changed.
    """
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    changed = False
    for cell in nb.cells:
        if cell.cell_type == "code":
            if cell.get("outputs") or cell.get("execution_count") is not None:
                changed = True
            cell["outputs"] = []
            cell["execution_count"] = None
            if cell.metadata.pop("execution", None) is not None:
                changed = True
    if changed:
        atomic_write_text(nbformat.writes(nb) + "\n", path)
    return changed


def check_notebook(path: str | Path) -> list[str]:
    """Problems with a committed notebook: outputs, def/class, parameters cell, parameter model.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> nb = nbformat.v4.new_notebook()
    >>> nb.cells = [nbformat.v4.new_code_cell("def f():\\n    pass")]
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "00_data_overview.ipynb"
    >>> nbformat.write(nb, p)
    >>> [m.split(": ")[1].split(" ")[0] for m in check_notebook(p)]
    ['needs', 'cell', 'kernelspec']
    """
    import ast

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    problems = []
    param_cells = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    if len(param_cells) != 1:
        problems.append(f"{path.name}: needs exactly one cell tagged 'parameters' (found {len(param_cells)})")
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if cell.get("outputs"):
            problems.append(f"{path.name}: cell {i} has outputs; run `alliance-analysis notebooks strip`")
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
                problems.append(f"{path.name}: cell {i} defines {type(node).__name__}; move logic into alliance_analysis/")
    kernel = nb.metadata.get("kernelspec", {}).get("name")
    if kernel != KERNEL_NAME:
        problems.append(f"{path.name}: kernelspec is {kernel!r}; set it to {KERNEL_NAME!r} (Python (alliance-analysis))")
    model = NOTEBOOK_MODELS.get(path.stem)
    if model is not None and len(param_cells) == 1 and kernel is not None:
        import papermill as pm

        declared = set(pm.inspect_notebook(str(path)))
        fields = set(model.model_fields)
        if declared != fields:
            problems.append(
                f"{path.name}: parameters {sorted(declared ^ fields)} differ between the notebook and "
                f"params.{model.__name__}"
            )
    return problems
