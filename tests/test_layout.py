"""The package layout: one folder per stage, no import cycles, a small root (issue 23).

Imports are read with :mod:`ast` from every module, including imports inside functions,
so a lazy import cannot hide a cycle.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "alliance_analysis"
FOUNDATION = {"paths", "errors", "io", "progress", "params", "validation", "yamlio", "parallel", "clean",
              "taxonomy"}
#: what each stage may import from the package, besides the foundation modules
ALLOWED = {
    "datasets": set(),
    "series": {"datasets"},
    "presentation": set(),
    "demand": {"datasets", "series", "presentation"},
    "performance": {"datasets", "series", "demand", "presentation"},
    "forecasting": {"presentation", "series"},
    "evaluation": {"datasets", "series", "demand", "presentation", "forecasting"},
    "scenarios": {"datasets", "series", "demand", "presentation"},
    "findings": {"datasets", "series", "demand", "presentation"},
    "overview": {"datasets", "series", "demand", "presentation"},
    "reports": {"presentation"},
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PKG.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in PKG.rglob("*.py")}


def _edges() -> dict[str, set[str]]:
    mods = _modules()
    edges: dict[str, set[str]] = defaultdict(set)
    for name, path in mods.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                subs = [f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in mods]
                if len(subs) < len(node.names) and target in mods:
                    edges[name].add(target)
                edges[name].update(subs)
            elif isinstance(node, ast.Import):
                edges[name].update(a.name for a in node.names if a.name in mods)
        edges[name].discard(name)
    return edges


def _stage(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one member (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in list(graph):
        if v not in index:
            visit(v)
    return out


def test_cycle_finder_finds_a_planted_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_between_modules():
    assert _cycles(_edges()) == []


def test_no_import_cycle_between_top_level_folders():
    stages: dict[str, set[str]] = defaultdict(set)
    for a, targets in _edges().items():
        for b in targets:
            sa, sb = _stage(a), _stage(b)
            if sa and sb and sa != sb and sa in ALLOWED and sb in ALLOWED:
                stages[sa].add(sb)
    assert _cycles(stages) == []


@pytest.mark.parametrize("stage", sorted(ALLOWED), ids=sorted(ALLOWED))
def test_stage_imports_only_what_its_docstring_allows(stage):
    if not (PKG / stage).is_dir():
        pytest.skip(f"{stage}/ not present")
    bad = set()
    for a, targets in _edges().items():
        if _stage(a) != stage:
            continue
        for b in targets:
            sb = _stage(b)
            if sb and sb != stage and sb not in FOUNDATION and sb not in ALLOWED[stage]:
                bad.add(f"{a} -> {b}")
    assert not bad, sorted(bad)


def test_root_is_small_and_has_nothing_private():
    root = sorted(p.name for p in PKG.glob("*.py"))
    assert len(root) <= 14, root
    assert [n for n in root if n.startswith("_") and n != "__init__.py"] == []
    assert set(root) <= {f"{m}.py" for m in FOUNDATION} | {"__init__.py", "build.py", "cli.py"}


@pytest.mark.parametrize("folder", sorted(p.name for p in PKG.iterdir() if (p / "__init__.py").exists()))
def test_every_stage_says_what_it_does_and_may_import(folder):
    doc = ast.get_docstring(ast.parse((PKG / folder / "__init__.py").read_text()))
    assert doc and len(doc.splitlines()[0]) > 20
    if "/" not in folder:
        assert "May import" in doc, f"{folder}/__init__.py docstring lacks 'May import:'"
