"""Every default report, rendered in a real browser (issue 20 item 3).

Headless Chromium (Debian packages ``chromium`` and ``chromium-driver``, driven by selenium)
opens each HTML report of one ``config/fast.yaml`` run at 1280 px wide. A report fails on:

- horizontal overflow: the page wider than the window, or a table or figure wider than the
  output area it sits in (cut off, or hidden behind a scroll bar);
- a broken image (not loaded, or zero size);
- a script error (an uncaught exception, or a SEVERE message in the browser console);
- a table cell breaking words mid-word, or text cells aligned right.

Each report's PDF (printed by the browser for board papers) must sit beside its HTML. The
tests skip when Chromium, chromedriver or selenium is absent; CI installs them (``.ci/run``).
The run is shared with ``tests/test_notebooks_generic.py`` (one fast run per session).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.notebook_runs import fast_run

WIDTH, HEIGHT = 1280, 900

#: installed before any page script: records uncaught errors and rejected promises
_ERROR_HOOK = """
window.__errors = [];
window.addEventListener('error', e => window.__errors.push(String(e.message || e.type) + ' @ ' + (e.filename || '')));
window.addEventListener('unhandledrejection', e => window.__errors.push('unhandled rejection: ' + String(e.reason)));
"""

#: measured after load: overflowing page or blocks, broken images, broken words, right-aligned text
_CHECKS = """
const doc = document.documentElement;
const out = {pageOverflow: doc.scrollWidth - doc.clientWidth, wide: [], broken: [], wordBreak: [], rightText: []};
for (const el of document.querySelectorAll('.jp-OutputArea-output table, .jp-OutputArea-output img, .jp-RenderedHTMLCommon table')) {
  const box = el.closest('.jp-OutputArea-output, .jp-RenderedHTMLCommon, .jp-Cell') || document.body;
  const over = el.getBoundingClientRect().right - box.getBoundingClientRect().right;
  if (over > 1) out.wide.push(el.tagName + ' ' + (el.id || el.alt || '').slice(0, 60) + ' by ' + Math.round(over) + ' px');
}
for (const img of document.images) {
  if (!img.complete || img.naturalWidth === 0) out.broken.push((img.alt || img.src).slice(0, 80));
}
for (const td of document.querySelectorAll('td, th')) {   // words: never broken; text cells (td): left
  const cs = getComputedStyle(td);
  if (cs.overflowWrap === 'anywhere' || cs.wordBreak === 'break-all' || cs.wordBreak === 'break-word')
    out.wordBreak.push(td.textContent.trim().slice(0, 40));
  const text = td.textContent.trim();
  if (td.tagName === 'TD' && /[A-Za-z]{4,}/.test(text) && !/^[-+\\u2212]?[\\d.,%£]+/.test(text) && cs.textAlign === 'right')
    out.rightText.push(text.slice(0, 40));
}
out.errors = window.__errors || [];
return out;
"""


def _driver():
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium not installed (pip install -e '.[test]')")
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.chrome.service import Service

    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    driver_bin = shutil.which("chromedriver")
    if not browser or not driver_bin:
        pytest.skip("headless Chromium not installed (apt-get install chromium chromium-driver)")
    opts = webdriver.ChromeOptions()
    opts.binary_location = browser
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
                f"--window-size={WIDTH},{HEIGHT}", "--force-device-scale-factor=1"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    try:
        drv = webdriver.Chrome(service=Service(driver_bin), options=opts)
    except WebDriverException as exc:  # pragma: no cover - environment problem, reported as a skip reason
        pytest.skip(f"Chromium could not start: {exc.msg}")
    drv.set_window_size(WIDTH, HEIGHT)
    drv.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": _ERROR_HOOK})
    return drv


def render(drv, page: Path, screenshot: Path | None = None) -> dict:
    """Open ``page`` at 1280 px, return the measured problems (and save a full-page screenshot)."""
    drv.get(page.resolve().as_uri())
    drv.execute_script("return document.readyState")
    result = drv.execute_script(_CHECKS)
    result["console"] = [e["message"] for e in drv.get_log("browser") if e.get("level") == "SEVERE"]
    if screenshot is not None:
        height = drv.execute_script("return document.documentElement.scrollHeight")
        drv.set_window_size(WIDTH, min(int(height) + 100, 20000))
        drv.save_screenshot(str(screenshot))
        drv.set_window_size(WIDTH, HEIGHT)
    return result


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    run = fast_run()
    drv = _driver()
    shots = tmp_path_factory.mktemp("shots")
    try:
        pages = {n.name: (n, render(drv, n.html, shots / f"{n.name}.png")) for n in run.notebooks if n.html}
    finally:
        drv.quit()
    return run, pages


def _ids() -> list[str]:
    from alliance_analysis import paths, reports

    cfg = reports.load_run_config(paths.CONFIG_DIR / "fast.yaml")
    return [n for n in cfg.notebooks if (paths.NOTEBOOKS_DIR / f"{n}.ipynb").exists()]


@pytest.mark.notebook
@pytest.mark.browser
@pytest.mark.parametrize("name", _ids())
def test_report_renders_at_1280_px_without_overflow_broken_images_or_script_errors(rendered, name):
    run, pages = rendered
    assert name in pages, f"{name}: no HTML report ({[n.error for n in run.notebooks if n.name == name]})"
    _, got = pages[name]
    assert got["pageOverflow"] <= 0, f"{name}: page {got['pageOverflow']} px wider than the 1280 px window"
    assert got["wide"] == [], f"{name}: cut or scrolled blocks {got['wide']}"
    assert got["broken"] == [], f"{name}: broken images {got['broken']}"
    assert got["errors"] == [] and got["console"] == [], f"{name}: script errors {got['errors'] + got['console']}"
    assert got["wordBreak"] == [], f"{name}: cells that break words {got['wordBreak'][:5]}"
    assert got["rightText"] == [], f"{name}: text cells aligned right {got['rightText'][:5]}"


@pytest.mark.notebook
@pytest.mark.browser
@pytest.mark.parametrize("name", _ids())
def test_each_report_has_a_pdf_beside_it(rendered, name):
    run, _ = rendered
    nb = next(n for n in run.notebooks if n.name == name)
    pdf = nb.html.with_suffix(".pdf")
    assert pdf.exists(), f"{name}: no PDF beside {nb.html.name}"
    data = pdf.read_bytes()
    assert data[:5] == b"%PDF-" and data.rstrip().endswith(b"%%EOF")
    assert len(re.findall(rb"/Type\s*/Page[^s]", data)) >= 1   # at least one printed page


def test_render_catches_overflow_broken_images_and_script_errors(tmp_path):
    """The checks themselves, on a page built to fail each of them."""
    drv = _driver()
    bad = tmp_path / "bad.html"
    bad.write_text("<html><head></head><body><div class='jp-OutputArea-output' style='width:600px'>"
                   "<table style='width:2000px'><tr><td style='overflow-wrap:anywhere'>Dyfed-Powys</td>"
                   "<td style='text-align:right'>West Mercia</td></tr></table></div>"
                   "<img alt='missing figure' src='data:image/png;base64,AAAA'>"
                   "<script>undefinedFunction()</script></body></html>")
    good = tmp_path / "good.html"
    good.write_text("<html><head></head><body><p>Fine</p></body></html>")
    try:
        b, g = render(drv, bad), render(drv, good)
    finally:
        drv.quit()
    assert b["pageOverflow"] > 0 and b["wide"] and b["broken"] == ["missing figure"]
    assert any("undefinedFunction" in e for e in b["errors"] + b["console"])
    assert b["wordBreak"] == ["Dyfed-Powys"] and b["rightText"] == ["West Mercia"]
    assert (g["pageOverflow"], g["wide"], g["broken"], g["errors"], g["wordBreak"]) == (0, [], [], [], [])
