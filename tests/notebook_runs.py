"""Shared helper for the notebook tests: execute with papermill, return the text and figures."""

from __future__ import annotations

import re

import nbformat
import papermill as pm

from alliance_analysis import paths

WEST_YORKSHIRE = "crime_sim_toolkit/tests/testing_data/test_policedata"


def run_notebook(name: str, tmp_path, **params) -> dict:
    """Run ``notebooks/<name>.ipynb`` with ``params``; return text (plain + markdown + stripped HTML),
    the number of figures, stderr text and the executed notebook."""
    out = tmp_path / f"{name}.ipynb"
    pm.execute_notebook(str(paths.NOTEBOOKS_DIR / f"{name}.ipynb"), str(out), parameters=params,
                        kernel_name="alliance-analysis", cwd=str(paths.NOTEBOOKS_DIR), progress_bar=False)
    nb = nbformat.read(out, as_version=4)
    outputs = [o for c in nb.cells for o in c.get("outputs", [])]
    parts, stderr = [], []
    for o in outputs:
        if o.get("name") == "stderr":
            stderr.append(o.get("text", ""))
            continue
        data = o.get("data", {})
        parts.append(o.get("text", ""))
        parts.append(data.get("text/markdown", ""))
        parts.append(re.sub(r"<[^>]+>", " ", data.get("text/html", "")) if "text/html" in data
                     else data.get("text/plain", ""))
    text = re.sub(r"\s+", " ", " ".join(parts))
    figures = sum("image/png" in o.get("data", {}) or "image/svg+xml" in o.get("data", {}) for o in outputs)
    return {"text": text, "figures": figures, "stderr": "".join(stderr), "nb": nb}


_FAST_RUN: list = []


def fast_run():
    """One run of ``config/fast.yaml`` per test session (HTML and PDF), shared by the generic notebook
    test and the browser checks, so the notebooks execute once."""
    if not _FAST_RUN:
        import tempfile
        from pathlib import Path

        from alliance_analysis import reports

        cfg = reports.load_run_config(paths.CONFIG_DIR / "fast.yaml")
        present = [n for n in cfg.notebooks if (paths.NOTEBOOKS_DIR / f"{n}.ipynb").exists()]
        out = Path(tempfile.mkdtemp(prefix="alliance-fast-run-"))
        _FAST_RUN.append(reports.run_notebooks(cfg, only=present, output_dir=out, html=True, pdf=True))
    return _FAST_RUN[0]
