"""A PDF of each HTML report, printed by headless Chromium, for board papers (issue 20).

Chromium comes from the system packages (Debian: ``apt-get install chromium``). When it is
absent the run goes on without PDFs and says so (a warning, and ``pdf`` in the provenance);
nothing else depends on it.

Examples
--------
>>> chromium_path(candidates=("no-such-browser",)) is None
True
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

#: executables tried in order (Debian names first)
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
#: print CSS added for the PDF only: tables and figures fit the page, no cut words
PRINT_CSS = ("@page { size: A4 landscape; margin: 12mm; } html { zoom: 0.8; } "
             "body { -webkit-print-color-adjust: exact; print-color-adjust: exact; } "
             "table { max-width: 100% !important; } img { max-width: 100% !important; height: auto !important; } "
             "tr, img { break-inside: avoid; }")


def chromium_path(candidates: tuple[str, ...] = CHROMIUM_NAMES) -> str | None:
    """The first Chromium-like browser on ``PATH`` (``ALLIANCE_CHROMIUM`` overrides), or None."""
    override = os.environ.get("ALLIANCE_CHROMIUM")
    if override:
        return override if Path(override).exists() or shutil.which(override) else None
    for name in candidates:
        found = shutil.which(name)
        if found:
            return found
    return None


def print_pdf(html_file: str | Path, pdf_file: str | Path, *, timeout: int = 120) -> Path | None:
    """Print ``html_file`` to ``pdf_file`` with headless Chromium (written atomically).

    Returns
    -------
    Path or None
        The PDF, or None when no browser is installed (logged as a warning).

    Raises
    ------
    OSError
        Chromium ran but wrote no PDF (its last message is quoted), or it timed out.
    """
    browser = chromium_path()
    if browser is None:
        log.warning("no PDF for %s: Chromium not found (install it, e.g. apt-get install chromium)", Path(html_file).name)
        return None
    html_file, pdf_file = Path(html_file).resolve(), Path(pdf_file)
    printable = html_file.with_name(f".{html_file.stem}.print.html")
    tmp_pdf = pdf_file.with_name(f".{pdf_file.name}.tmp")
    page = html_file.read_text(encoding="utf-8")
    page = page.replace("</head>", f"<style media='print'>{PRINT_CSS}</style></head>", 1)
    printable.write_text(page, encoding="utf-8")
    try:
        with tempfile.TemporaryDirectory(prefix="alliance-chromium-") as profile:
            cmd = [browser, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                   "--no-pdf-header-footer", "--no-first-run", "--disable-extensions",
                   f"--user-data-dir={profile}", "--virtual-time-budget=10000",
                   f"--print-to-pdf={tmp_pdf}", printable.as_uri()]
            try:
                proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
            except subprocess.TimeoutExpired:
                raise OSError(f"Chromium did not print {html_file.name} within {timeout} s") from None
        if not tmp_pdf.exists() or tmp_pdf.stat().st_size == 0 or not tmp_pdf.read_bytes()[:5] == b"%PDF-":
            last = (proc.stderr or proc.stdout or "").strip().splitlines()[-1:] or ["no message"]
            raise OSError(f"Chromium wrote no PDF for {html_file.name} (exit {proc.returncode}: {last[0][:300]})")
        os.replace(tmp_pdf, pdf_file)
        return pdf_file
    finally:
        with contextlib.suppress(OSError):
            printable.unlink()
        with contextlib.suppress(OSError):
            tmp_pdf.unlink()
