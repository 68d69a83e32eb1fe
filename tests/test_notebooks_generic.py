"""Every committed notebook: no outputs, no def/class, one parameters cell matching params.py."""

from __future__ import annotations

import re

import nbformat
import papermill as pm
import pytest

from alliance_analysis import paths, reports
from alliance_analysis.params import NOTEBOOK_MODELS
from tests.notebook_runs import fast_run

NOTEBOOKS = sorted(paths.NOTEBOOKS_DIR.glob("*.ipynb"))


def test_there_are_notebooks_and_each_has_a_model():
    assert NOTEBOOKS, "no notebooks in notebooks/"
    for nb in NOTEBOOKS:
        assert nb.stem in NOTEBOOK_MODELS, f"{nb.name} has no parameter model in params.py"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_hygiene(path):
    assert reports.check_notebook(path) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_parameters_cell_defaults_match_model(path):
    declared = pm.inspect_notebook(str(path))
    model = NOTEBOOK_MODELS[path.stem]
    assert set(declared) == set(model.model_fields)
    defaults = model()
    for name, info in declared.items():
        # papermill reports the default as source text; evaluate it and compare with the model default
        assert eval(info["default"]) == getattr(defaults, name), f"{path.name}: {name}"  # noqa: S307


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_kernel_is_the_registered_one(path):
    nb = nbformat.read(path, as_version=4)
    assert nb.metadata["kernelspec"]["name"] == reports.KERNEL_NAME


@pytest.mark.notebook
def test_fast_config_runs_every_present_notebook(tmp_path):
    """Two runs of config/fast.yaml: every notebook succeeds, HTML and provenance written, and the second
    run's notebooks and HTML are byte-identical to the first's (timestamps live only in the provenance)."""
    cfg = reports.load_run_config(paths.CONFIG_DIR / "fast.yaml")
    present = [n for n in cfg.notebooks if (paths.NOTEBOOKS_DIR / f"{n}.ipynb").exists()]
    res = fast_run()   # shared with the browser checks (tests/test_browser.py)
    failed = {n.name: n.error for n in res.notebooks if n.status != "succeeded"}
    assert not failed
    assert [n.name for n in res.notebooks] == present
    for n in res.notebooks:
        page = n.html.read_text()
        assert "<img" in page or "image/png" in page or "<table" in page  # real content rendered
        assert "from alliance_analysis import" not in page  # code hidden
        title = re.search(r"<title>(.*?)</title>", page).group(1)
        assert title not in ("Notebook", n.name) and len(title) > 5
        assert all('alt="' in img and "No description has been provided" not in img
                   for img in re.findall(r"<img [^>]*>", page))
        assert "What produced this report" in page
        assert "TqdmWarning" not in page and "application/vnd.jupyter.stderr\"" not in page
    index = (res.run_dir.parent / "index.html").read_text()
    assert all(f"{n}.html" in index for n in present)
    # a second run with the same parameters gives byte-identical notebooks and HTML for every notebook
    again = reports.run_notebooks(cfg, only=present, output_dir=tmp_path / "again", html=True)
    for first, second in zip(res.notebooks, again.notebooks):
        assert second.status == "succeeded", second.error
        x, y = first.html.read_text(), second.html.read_text()
        at = next((i for i, (p, q) in enumerate(zip(x, y)) if p != q), min(len(x), len(y)))
        assert x == y, f"{first.name}: HTML differs between runs at {at}: {x[at - 200:at + 40]!r} vs {y[at - 200:at + 40]!r}"
        assert first.output.read_bytes() == second.output.read_bytes(), f"{first.name}: notebook differs between runs"


def _reader_text(page: str) -> str:
    """The report's visible text, tags removed, zero-width spaces dropped."""
    import html as _html

    page = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r"<img [^>]*>", " ", page)
    text = _html.unescape(re.sub(r"<[^>]+>", " ", page)).replace("\u200b", "")
    return re.sub(r"\s+", " ", text)


@pytest.mark.notebook
def test_every_fast_run_report_opens_with_the_answer_and_keeps_code_words_in_the_appendix():
    """Issue 20: each report's reader text (after the provenance header, before the appendix) holds
    no code identifier or model code; the answer comes first, then the key figures, and the
    appendix comes last."""
    from alliance_analysis.presentation.report import code_identifiers, sentence_count

    res = fast_run()
    for n in res.notebooks:
        text = _reader_text(n.html.read_text())
        at_answer, at_key = text.find("The answer"), text.find("Key figures")
        at_appendix = text.find("How this was worked out")
        assert 0 < at_answer < at_key < at_appendix, f"{n.name}: sections out of order"
        header_end = text.find("Produced by alliance-analysis")
        reader = text[at_answer:at_appendix]
        assert header_end < at_answer, n.name
        # file names and paths are references a reader can follow, not code words (hashed seed names are)
        words = re.sub(r"\S*/\S*|\S+\.(?:xlsx|csv|gz|yaml|yml|ods|parquet|json|html|pdf|zip)\b", " ", reader)
        assert code_identifiers(words) == [], f"{n.name}: code words in the reader's text"
        answer = reader[len("The answer"):reader.find("Key figures")].strip(" ¶")
        assert 1 <= sentence_count(answer) <= 6, f"{n.name}: {answer!r}"
