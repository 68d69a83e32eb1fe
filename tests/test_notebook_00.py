"""Notebook 00 (data overview) runs on the real default, a police.uk archive of 35 months and
the three West Yorkshire months in the crime-sim-toolkit wheel, and says what it used.

The three runs execute concurrently (each in its own kernel) once per session; each test
then checks one run's output text.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import papermill as pm
import pytest

from alliance_analysis import paths
from alliance_analysis.presentation.report import code_identifiers, sentence_count

NOTEBOOK = paths.NOTEBOOKS_DIR / "00_data_overview.ipynb"
_KNOWN_STDERR = re.compile(r"TqdmWarning: IProgress not found|ipywidgets\.readthedocs|from \.autonotebook import")
GLOUCESTERSHIRE = paths.SHARED_DATA_DIR / "police_uk" / "gloucestershire"


def _west_yorkshire() -> Path | None:
    try:
        return paths.crime_sim_toolkit_file("crime_sim_toolkit/tests/testing_data/test_policedata")
    except FileNotFoundError:
        return None


def _configs() -> dict[str, dict | None]:
    wy = _west_yorkshire()
    return {
        "default": {},
        "gloucestershire": ({"data_source": "police_uk", "forces": ["Gloucestershire"],
                             "police_uk_path": str(GLOUCESTERSHIRE)} if GLOUCESTERSHIRE.is_dir() else None),
        "west_yorkshire": ({"data_source": "police_uk", "forces": ["West Yorkshire"], "police_uk_path": str(wy)}
                           if wy is not None else None),
    }


def _text(nb: nbformat.NotebookNode) -> str:
    parts = []
    for c in nb.cells:
        for o in c.get("outputs", []):
            parts.append(o.get("text", ""))
            parts.append(o.get("evalue", "") + "".join(o.get("traceback", [])))
            for kind in ("text/markdown", "text/html", "text/plain"):
                parts.append(o.get("data", {}).get(kind, ""))
    return "\n".join(parts)


def _execute(name: str, params: dict, out_dir: Path) -> tuple[str, nbformat.NotebookNode | None, str]:
    out = out_dir / f"00_{name}.ipynb"
    try:
        pm.execute_notebook(str(NOTEBOOK), str(out), parameters=params, kernel_name="alliance-analysis",
                            cwd=str(paths.NOTEBOOKS_DIR), progress_bar=False)
    except pm.PapermillExecutionError as exc:  # reported by the test of that run
        return name, nbformat.read(out, as_version=4) if out.exists() else None, f"{exc.ename}: {exc.evalue}"
    return name, nbformat.read(out, as_version=4), ""


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, tuple[nbformat.NotebookNode | None, str]]:
    out_dir = tmp_path_factory.mktemp("nb00")
    todo = {k: v for k, v in _configs().items() if v is not None}
    with ThreadPoolExecutor(max_workers=len(todo)) as pool:
        done = list(pool.map(lambda kv: _execute(kv[0], kv[1], out_dir), todo.items()))
    return {name: (nb, err) for name, nb, err in done}


def _run(runs: dict, name: str) -> tuple[nbformat.NotebookNode, str]:
    if name not in runs:
        pytest.skip(f"data for the {name} run is absent ({GLOUCESTERSHIRE} or the crime-sim-toolkit wheel)")
    nb, err = runs[name]
    assert not err, f"notebook 00 failed on {name}: {err}"
    return nb, _text(nb)


def _common_checks(nb: nbformat.NotebookNode, text: str) -> None:
    assert "Traceback" not in text
    stderr = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []) if o.get("name") == "stderr")
    # Known, outside this notebook: alliance_analysis/parallel.py imports tqdm.auto, which warns once in a
    # kernel without ipywidgets (requested fix: import tqdm.std there). Anything else on stderr fails.
    other = [ln for ln in stderr.splitlines() if ln.strip() and not _KNOWN_STDERR.search(ln)]
    assert not other, f"stderr in report: {other}"
    assert not re.search(r" at 0x[0-9a-f]+>", text), "an object address in the outputs (runs would differ)"
    assert "synthetic" not in text.lower()                      # real data is never called synthetic
    assert re.search(r"\bnan\b|\bNone\b", re.sub(r"<[^>]+>", " ", text)) is None
    assert "What produced this report" in text and "This report uses" in text
    headings = [ln for c in nb.cells if c.cell_type == "markdown" for ln in c.source.splitlines() if ln.startswith("## ")]
    assert headings[:2] == ["## The answer", "## Key figures"] and headings[-1] == "## How this was worked out"
    at = next(i for i, c in enumerate(nb.cells) if c.source == "## The answer") + 1
    answer = nb.cells[at].outputs[0]["data"]["text/markdown"]
    assert 1 <= sentence_count(answer) <= 6 and code_identifiers(answer) == []
    assert "Open Government Licence v3.0" in text               # licence attribution
    assert "Contains public sector information" in text


@pytest.mark.notebook
@pytest.mark.parametrize("forces", [pytest.param(["Warwickshire", "West Mercia", "Devon and Cornwall", "Dorset"],
                                                 id="default-forces")])
def test_default_run_shows_sources_coverage_revisions_and_rates(runs, forces):
    nb, text = _run(runs, "default")
    _common_checks(nb, text)
    assert "Home Office police recorded crime" in text
    for f in forces:
        assert f in text
    assert "2006 Q2 to 2023 Q2" in text
    # the revision the brief quotes, in both releases
    # the revision the brief quotes, West Mercia 2015/16: 72,599 (2019 release) vs 76,290 (Oct 2023), +5.1%
    row = re.search(r"West Mercia</td>\s*<td[^>]*>2015/16</td>\s*<td[^>]*>72,599</td>\s*<td[^>]*>76,290</td>"
                    r"\s*<td[^>]*>3,691</td>", text)
    assert row, "revision row West Mercia 2015/16 not found"
    assert "by at most 5.1%" in text and round(100 * (76290 - 72599) / 72599, 1) == 5.1
    assert "derived" in text and "published" in text               # how each quarter was obtained
    assert "Burglary reclassification 2017" in text
    assert "Crimes per 1,000 residents" in text
    assert sum("image/png" in o.get("data", {}) for c in nb.cells for o in c.get("outputs", [])) == 2


@pytest.mark.notebook
@pytest.mark.shared_data
def test_gloucestershire_archive_run(runs):
    nb, text = _run(runs, "gloucestershire")
    _common_checks(nb, text)
    assert "data.police.uk street-level records" in text and "Gloucestershire" in text
    assert "2022-02 to 2024-12 (35 months)" in text
    assert "no revision between releases" in text                # the section says why, in one sentence
    narrative = "".join(o.get("data", {}).get("text/markdown", "") for c in nb.cells for o in c.get("outputs", []))
    assert "West Mercia" not in narrative and "2010-04" not in text   # no hard-coded forces or months
    assert "In 2023/24 the police recorded about 83 crimes per 1,000 residents in this force" in text
    assert "No declared break touches" in text


@pytest.mark.notebook
def test_west_yorkshire_three_months_run(runs):
    nb, text = _run(runs, "west_yorkshire")
    _common_checks(nb, text)
    assert "West Yorkshire" in text and "(3 months)" in text
    assert "no complete financial year" in text                  # rates section says why and goes on
    assert "no revision between releases" in text
    assert "Transcribed figures per seed table" in text           # the notebook reached its last section
    assert "Crimes per 1,000 residents | not checked" in text      # a missing input is "not checked", not zero


def test_cells_hard_code_no_forces_months_or_years():
    from alliance_analysis import clean

    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c.source for c in nb.cells if c.cell_type == "code" and "parameters" not in c.metadata.get("tags", [])]
    markdown = [c.source for c in nb.cells if c.cell_type == "markdown"]
    forces = sorted(set(clean.force_groups()["force"]) | {"Gloucestershire", "West Yorkshire"})
    for text in code + markdown:
        assert not re.search(r"\b(19|20)\d\d[-/ ]?(Q[1-4]|\d\d)\b", text), text    # no months, quarters, years
        for f in forces:
            assert f not in text, f"{f!r} hard-coded in: {text[:80]}"


def test_revision_chart_agrees_with_the_revision_table():
    """Each bar of the revision chart is the table's per cent for that force and year (read back from the figure)."""
    import math

    import matplotlib.pyplot as plt

    from alliance_analysis import overview
    from alliance_analysis.series import sources

    series = sources.load_crime_series("default", forces=["West Mercia", "Dorset"])
    ov = overview.data_overview(series, sources.load_context(series.forces))
    table = ov.revisions.by_force_year
    fig = ov.plot_revisions()
    ax = fig.axes[0]
    years = [t.get_text() for t in ax.get_xticklabels()]
    bars = {}
    for container, force in zip(ax.containers, [t.get_text() for t in ax.get_legend().get_texts()]):
        for year, patch in zip(years, container.patches):
            bars[(force, year)] = patch.get_height()
    plt.close(fig)
    assert len(bars) == len(table) > 0
    for _, row in table.iterrows():
        # independent recomputation from the two releases' counts
        expected = 100 * (row["release_2023"] - row["release_2019"]) / row["release_2019"]
        got = bars[(row["force"], row["financial_year"])]
        assert got == pytest.approx(expected, abs=1e-9) if not math.isnan(expected) else math.isnan(got)
