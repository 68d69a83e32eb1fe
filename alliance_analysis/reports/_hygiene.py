"""Notebook hygiene: committed notebooks without outputs, logic or parameter drift."""

from __future__ import annotations

from pathlib import Path

import nbformat

from alliance_analysis.io import atomic_write_text
from alliance_analysis.params import NOTEBOOK_MODELS

KERNEL_NAME = "alliance-analysis"


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
