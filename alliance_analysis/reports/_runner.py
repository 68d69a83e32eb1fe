"""Run notebooks with papermill into ``reports/<run-id>/`` with HTML and provenance.

Parameters are validated against :mod:`alliance_analysis.params` *before* any
kernel starts, path parameters resolved to absolute paths and checked, and the
kernel receives the validated, typed values (which the provenance records). Each
notebook gets an executed copy, an HTML report (code hidden by default) and a
provenance record; ``reports/index.html`` lists every run. A failing notebook
keeps its partial executed copy with the error shown and the run goes on with the
others unless ``fail_fast``. A run folder holds ``run.json`` from the start
(status ``running``) until it finishes, so a killed run shows as incomplete.

Examples
--------
>>> cfg = load_run_config({"notebooks": {"04_police_foundation_review": {}}})
>>> list(cfg.notebooks)
['04_police_foundation_review']
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import platform
import secrets
import signal
import subprocess
import threading
from dataclasses import dataclass, field
from importlib import metadata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from alliance_analysis import __version__, paths
from alliance_analysis.errors import ParameterError
from alliance_analysis.io import atomic_write_text, sha256_file
from alliance_analysis.params import NOTEBOOK_MODELS, kernel_values, resolve_paths, validate_notebook_params
from alliance_analysis.reports._header import META_SUFFIX, RUN_DIR_ENV
from alliance_analysis.reports._index import write_index
from alliance_analysis.reports._hygiene import KERNEL_NAME
from alliance_analysis.reports._post import describe_error, export_html, insert_failure_note, normalise_notebook

log = logging.getLogger(__name__)

LIBRARIES = ("pandas", "numpy", "statsmodels", "scipy", "matplotlib", "seaborn", "papermill",
             "nbconvert", "pyarrow", "pydantic", "crime-sim-toolkit")


class RunConfig(BaseModel):
    """A run: which notebooks, with which parameters (``config/run.yaml``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    notebooks: dict[str, dict[str, Any]] = Field(default_factory=lambda: {k: {} for k in NOTEBOOK_MODELS})
    timeout: int | None = Field(None, ge=1, strict=True, description="per-cell timeout in seconds (>= 1)")


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
        data = _read_yaml(p)
    if isinstance(data.get("notebooks"), dict):  # "01_demand_analysis:" with nothing after it means defaults
        data = {**data, "notebooks": {k: ({} if v is None else v) for k, v in data["notebooks"].items()}}
    try:
        cfg = RunConfig(**data)
    except ValidationError as exc:
        msg = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ParameterError(f"{source}: {msg} (allowed keys: notebooks, timeout)") from None
    for name, params in cfg.notebooks.items():
        validate_notebook_params(name, params)
    return cfg


def _read_yaml(path: Path) -> dict:
    """A run configuration: aliases bounded, duplicate keys and non-mappings refused, file and line named."""
    from alliance_analysis.yamlio import load_yaml_mapping

    return load_yaml_mapping(path, what="run configuration", error=ParameterError)


def check_timeout(timeout: int | None) -> int | None:
    """Validate a per-cell timeout: None (no limit) or a whole number of seconds >= 1.

    Examples
    --------
    >>> check_timeout(30)
    30
    >>> check_timeout(0)
    Traceback (most recent call last):
    ...
    alliance_analysis.errors.ParameterError: timeout 0: must be a whole number of seconds >= 1; fix: give --timeout 1 or more, or leave it out for no limit
    """
    if timeout is None:
        return None
    if isinstance(timeout, bool) or not isinstance(timeout, int) or timeout < 1:
        raise ParameterError(f"timeout {timeout!r}: must be a whole number of seconds >= 1; "
                             "fix: give --timeout 1 or more, or leave it out for no limit")
    return timeout


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


@contextlib.contextmanager
def _kernel_env(run_dir: Path) -> Iterator[None]:
    """Environment for the kernel, restored afterwards.

    Fixed SOURCE_DATE_EPOCH, PYTHONHASHSEED and svg.hashsalt (reproducible output),
    ``ALLIANCE_RUN_DIR`` (the run folder, for extra outputs such as the workbook)
    and ``TQDM_DISABLE`` (no progress widgets or IProgress warnings in reports). The
    kernel inherits the environment when it starts, so the caller's own environment
    is left exactly as it was once the notebook has run.
    """
    rc = run_dir / ".matplotlibrc"
    if not rc.exists():
        atomic_write_text("svg.hashsalt: alliance-analysis\n", rc)
    wanted = {"SOURCE_DATE_EPOCH": "0", "MATPLOTLIBRC": str(rc), "PYTHONHASHSEED": "0",
              RUN_DIR_ENV: str(run_dir.resolve()), "TQDM_DISABLE": "1"}
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


_deterministic_env = _kernel_env  # old name


def new_run_dir(out_root: Path) -> tuple[str, Path]:
    """Create a fresh run folder ``<UTC time>-<random>``; never reuses one (safe for concurrent runs).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> a, b = new_run_dir(root)[0], new_run_dir(root)[0]
    >>> a != b and a[:8] == b[:8]
    True
    """
    try:
        out_root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _unwritable(out_root, exc) from None
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    for _ in range(100):
        run_id = f"{stamp}-{os.getpid() % 100000:05d}{secrets.token_hex(3)}"
        run_dir = out_root / run_id
        try:
            run_dir.mkdir()
        except FileExistsError:  # pragma: no cover - astronomically unlikely
            continue
        except OSError as exc:
            raise _unwritable(out_root, exc) from None
        return run_id, run_dir
    raise ParameterError(f"could not create a new run folder in {out_root}")  # pragma: no cover


def _unwritable(folder: Path, exc: OSError) -> ParameterError:
    reason = exc.strerror or type(exc).__name__
    return ParameterError(f"cannot write reports into {folder}: {reason}; fix: give --output-dir a folder you can "
                          "write to (not on a read-only or full filesystem)")


#: ``run.json`` is padded to a multiple of this many bytes, so its final status can be written
#: in place (no new disk block needed) when the disk is full
_STATUS_BLOCK = 4096


def _write_status(run_dir: Path, **fields: Any) -> None:
    """Update ``run.json`` atomically; on a full disk, overwrite it in place within its padded size."""
    path = run_dir / "run.json"
    current: dict[str, Any] = {}
    if path.exists():
        with contextlib.suppress(OSError, json.JSONDecodeError, UnicodeDecodeError):
            loaded = json.loads(path.read_text())
            current = loaded if isinstance(loaded, dict) else {}
    current.update(fields)
    text = json.dumps(current, indent=2, sort_keys=True, default=str) + "\n"
    padded = text + " " * (-len(text.encode()) % _STATUS_BLOCK)
    try:
        atomic_write_text(padded, path)
    except OSError:
        size = path.stat().st_size if path.exists() else 0
        data = text.encode()
        if not size or len(data) > size:
            raise
        with open(path, "r+b") as fh:   # the blocks are already allocated: no new space needed
            fh.write(data + b" " * (size - len(data)))


class RunInterrupted(BaseException):
    """Raised inside a run when the process receives SIGTERM (cleaned up, then re-raised as SIGTERM)."""


@contextlib.contextmanager
def _sigterm_cleanup(run_dir: Path) -> Iterator[None]:
    """On SIGTERM: stop the run, remove ``.tmp`` files, mark the run interrupted, then die by SIGTERM."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGTERM)

    def handler(signum, frame):  # noqa: ARG001
        raise RunInterrupted("SIGTERM")

    signal.signal(signal.SIGTERM, handler)
    try:
        yield
    except KeyboardInterrupt:
        remove_temporary_files(run_dir)
        with contextlib.suppress(OSError):
            _write_status(run_dir, status="interrupted", ended=dt.datetime.now(dt.UTC).isoformat())
        with contextlib.suppress(OSError):
            write_index(run_dir.parent)
        raise
    except RunInterrupted:
        remove_temporary_files(run_dir)
        with contextlib.suppress(OSError):
            _write_status(run_dir, status="interrupted", ended=dt.datetime.now(dt.UTC).isoformat())
        with contextlib.suppress(OSError):
            write_index(run_dir.parent)
        signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)  # die by SIGTERM (or run the caller's own handler)
        raise
    finally:
        if previous is not None and signal.getsignal(signal.SIGTERM) is not previous:
            signal.signal(signal.SIGTERM, previous)


def remove_temporary_files(folder: Path, *, recursive: bool = True) -> list[Path]:
    """Remove the ``.*.tmp`` files atomic writes leave behind when a process is killed mid-write,
    and the ``.*.tmp.ipynb`` notebooks papermill was executing into."""
    removed = []
    for pattern in (".*.tmp", ".*.tmp.ipynb"):
        for p in Path(folder).glob(("**/" if recursive else "") + pattern):
            with contextlib.suppress(OSError):
                p.unlink()
                removed.append(p)
    return removed


def _extra_outputs(run_dir: Path, names: list[str], before: set[Path]) -> dict[str, str]:
    """SHA-256 of files a notebook wrote into the run folder (beyond the runner's own)."""
    ours = {f"{n}{s}" for n in names for s in (".ipynb", ".html", ".pdf", ".provenance.json", META_SUFFIX)}
    out = {}
    for p in sorted(run_dir.rglob("*")):
        if not p.is_file() or p in before or p.name.startswith(".") or p.name in ours or p.name == "run.json":
            continue
        out[p.relative_to(run_dir).as_posix()] = sha256_file(p)
    return out


def _named_outputs(params: dict[str, Any]) -> dict[str, str]:
    """SHA-256 of output files a parameter named outside the run folder (e.g. ``workbook_file``)."""
    from alliance_analysis.params import OUTPUT_PATHS

    return {str(params[k]): sha256_file(params[k]) for k in sorted(OUTPUT_PATHS)
            if isinstance(params.get(k), str) and Path(params[k]).is_file()}


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
    base_dir: str | Path | None = None,
    pdf: bool = False,
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
        Per-cell timeout in seconds (>= 1); a hung kernel is stopped when a cell exceeds it.
    html : bool
        Also write an HTML report per notebook.
    pdf : bool
        Also print each HTML report to PDF beside it with headless Chromium (skipped, with a
        warning and a note in the provenance, when Chromium is not installed). The command
        line does this by default (``--no-pdf`` turns it off).
    progress : bool
        Show per-notebook and per-cell progress bars.
    notebooks_dir : path, optional
        Where the notebooks are (default ``notebooks/``).
    base_dir : path, optional
        Directory relative path parameters are resolved against (default: the
        current working directory, where the command was run).

    Returns
    -------
    RunResult
        Per-notebook status and paths. ``ok`` is False if any notebook failed.

    Raises
    ------
    ParameterError
        Before any kernel starts: invalid parameters, a path parameter that does not
        exist (naming notebook, parameter and path), a missing notebook, a bad timeout.
    """
    import papermill as pm
    from alliance_analysis.progress import tqdm

    cfg = config if isinstance(config, RunConfig) else load_run_config(config)
    cell_timeout = check_timeout(timeout) if timeout is not None else cfg.timeout
    names = list(cfg.notebooks)
    if only:
        unknown = [n for n in only if n not in cfg.notebooks]
        if unknown:
            raise ParameterError(f"--only {unknown}: not in the run configuration; choose from {names}")
        names = [n for n in names if n in only]
    # validate everything, and check every path, before any kernel starts
    validated = {n: resolve_paths(n, validate_notebook_params(n, cfg.notebooks[n]), base_dir) for n in names}
    injected = {n: kernel_values(v) for n, v in validated.items()}
    nb_dir = Path(notebooks_dir) if notebooks_dir else paths.NOTEBOOKS_DIR
    for n in names:
        if not (nb_dir / f"{n}.ipynb").exists():
            raise ParameterError(f"notebook {n}.ipynb not found in {nb_dir}")
    out_root = Path(output_dir) if output_dir else paths.REPORTS_DIR
    run_id, run_dir = new_run_dir(out_root)
    _write_status(run_dir, run_id=run_id, status="running", pid=os.getpid(), notebooks=names,
                  started=dt.datetime.now(dt.UTC).isoformat())
    result = RunResult(run_id=run_id, run_dir=run_dir)
    with _sigterm_cleanup(run_dir):
        for name in tqdm(names, desc="notebooks", disable=not progress):
            try:
                nb_run = _run_one(pm, name, nb_dir, run_dir, run_id, cfg.notebooks[name], injected[name],
                                  cell_timeout, html, progress, names, pdf=pdf)
            except OSError as exc:  # e.g. a full disk before the notebook could start: this notebook fails
                remove_temporary_files(run_dir, recursive=False)
                nb_run = NotebookRun(name, "failed", run_dir / f"{name}.ipynb", None,
                                     run_dir / f"{name}.provenance.json",
                                     f"could not write into the run folder: {describe_error(exc)}")
                log.error("%s failed: %s", name, nb_run.error)
            result.notebooks.append(nb_run)
            if nb_run.status == "failed" and fail_fast:
                break
        try:
            _write_status(run_dir, status="complete", ended=dt.datetime.now(dt.UTC).isoformat(),
                          succeeded=sum(n.status == "succeeded" for n in result.notebooks),
                          failed=[n.name for n in result.notebooks if n.status != "succeeded"])
        except OSError as exc:
            log.error("run %s: status file not written: %s", run_id, describe_error(exc))
        try:
            write_index(out_root)
        except OSError as exc:  # the reports exist; say the index could not be written, do not lose them
            log.error("run %s: index not written: %s", run_id, describe_error(exc))
    return result


def _run_one(pm: Any, name: str, nb_dir: Path, run_dir: Path, run_id: str, given: dict, params: dict,
             cell_timeout: int | None, html: bool, progress: bool, names: list[str], *, pdf: bool = False) -> NotebookRun:
    out_nb = run_dir / f"{name}.ipynb"
    prov_path = run_dir / f"{name}.provenance.json"
    start = dt.datetime.now(dt.UTC)
    before = {p for p in run_dir.rglob("*") if p.is_file()}
    prov: dict[str, Any] = {
        "run_id": run_id, "notebook": name, "status": "running", "error": None,
        "package_version": __version__, "git_commit": git_commit(),
        "parameters": params, "parameters_given": given, "start_time": start.isoformat(),
    }
    atomic_write_text(json.dumps(prov, indent=2, sort_keys=True, default=str), prov_path)
    status, error = "succeeded", None
    failure: tuple[str | None, str | None] = (None, None)
    log.info("running %s", name)
    # papermill rewrites its output after every cell: execute into a temporary file and rename it
    # once it is a complete, valid notebook, so a full disk never leaves an invalid .ipynb
    partial = run_dir / f".{name}.tmp.ipynb"
    try:
        with _kernel_env(run_dir):
            pm.execute_notebook(
                str(nb_dir / f"{name}.ipynb"), str(partial), parameters=params,
                kernel_name=KERNEL_NAME, cwd=str(nb_dir), execution_timeout=cell_timeout,
                progress_bar=progress, log_output=False,
                extra_arguments=["--IPKernelApp.log_level=CRITICAL",
                                 "--IPKernelApp.exec_lines=__import__('alliance_analysis.reports._kernel').reports._kernel.install()"],
            )
    except Exception as exc:  # papermill raises several types; keep the partial output
        status, error = "failed", describe_error(exc)
        failure = (getattr(exc, "ename", None) or type(exc).__name__, getattr(exc, "evalue", None) or str(exc))
        log.error("%s failed: %s", name, error.splitlines()[0] if error else "")
    kept = _keep_if_valid(partial, out_nb)
    if kept is not None:
        status, error = "failed", f"{error}\n{kept}" if error else kept
        failure = failure if failure[0] else ("OSError", kept)
    end = dt.datetime.now(dt.UTC)
    html_path = None
    pdf_note = "not requested" if not (html and pdf) else "not produced"
    meta: dict[str, Any] = {}
    meta_file = run_dir / f"{name}{META_SUFFIX}"
    if meta_file.exists():
        with contextlib.suppress(OSError, json.JSONDecodeError):
            meta = json.loads(meta_file.read_text())
    try:
        if out_nb.exists():
            if not meta:  # the notebook did not show report_header: add it from the parameters
                from alliance_analysis.reports._header import changed_parameters, default_source, report_header
                from alliance_analysis.reports._post import insert_header

                meta = {"source": default_source(name, params), "forces": params.get("forces"), "period": None,
                        "changed_parameters": changed_parameters(name, params)}
                insert_header(out_nb, report_header(name, params, source=meta["source"]))
            if status == "failed":
                insert_failure_note(out_nb, ename=failure[0], evalue=failure[1])
            normalise_notebook(out_nb)
            if html:
                html_path = export_html(out_nb, run_dir / f"{name}.html", title=_page_title(out_nb, meta))
                if pdf:
                    pdf_note = _print_pdf(html_path, run_dir / f"{name}.pdf")
    except Exception as exc:  # noqa: BLE001 - post-processing failure belongs to this notebook only
        post = f"post-processing failed ({'HTML export' if html else 'normalising'}): {describe_error(exc)}"
        error = f"{error}\n{post}" if error else post
        status = "failed"
        log.error("%s: %s", name, post)
    prov.update({
        "status": status, "error": error, "report": meta,
        "inputs_sha256": input_checksums(params),
        "outputs_sha256": {**_extra_outputs(run_dir, names, before), **_named_outputs(params)},
        "libraries": library_versions(), "end_time": end.isoformat(), "pdf": pdf_note,
        "duration_seconds": round((end - start).total_seconds(), 1),
    })
    try:
        atomic_write_text(json.dumps(prov, indent=2, sort_keys=True, default=str), prov_path)
    except OSError as exc:
        status, error = "failed", f"{error or ''}\nprovenance not written: {describe_error(exc)}".strip()
    return NotebookRun(name, status, out_nb, html_path, prov_path, error, (end - start).total_seconds())


def _print_pdf(html_path: Path, pdf_path: Path) -> str:
    """Print the report to PDF; a missing browser or a failed print is noted, never fatal."""
    from alliance_analysis.reports._pdf import print_pdf

    try:
        done = print_pdf(html_path, pdf_path)
    except OSError as exc:
        log.warning("%s: PDF not printed: %s", html_path.name, exc)
        return f"not produced: {exc}"
    return pdf_path.name if done else "not produced: Chromium not found (install chromium)"


def _keep_if_valid(partial: Path, target: Path) -> str | None:
    """Rename papermill's output to ``target`` if it is a complete notebook; else remove it and say why."""
    if not partial.exists():
        return None
    try:
        nbformat.read(partial, as_version=4)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is removed, not published
        with contextlib.suppress(OSError):
            partial.unlink()
        return (f"the executed notebook could not be written completely ({describe_error(exc).splitlines()[0]}); "
                "it was removed rather than left invalid. Fix: free disk space in the output folder and run again")
    os.replace(partial, target)
    return None


def _page_title(notebook: Path, meta: dict[str, Any]) -> str:
    from alliance_analysis.reports._post import notebook_title

    title = notebook_title(nbformat.read(notebook, as_version=4)) or notebook.stem
    forces = meta.get("forces")
    parts = [title]
    if forces:
        parts.append(", ".join(forces) if len(forces) <= 4 else f"{len(forces)} forces")
    if meta.get("period"):
        parts.append(str(meta["period"]))
    return " - ".join(parts)
