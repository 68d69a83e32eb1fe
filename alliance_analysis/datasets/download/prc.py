"""Home Office police recorded crime (PRC) open data tables: download with content checks."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from alliance_analysis.errors import DownloadError

from ._common import _head_unless_html
from .core import _download
from .records import DownloadRecord

# --------------------------------------------------------------------------- PRC tables

_PRC_REQUIRED = ("financial year", "offence code", "number of offences")


def _validate_prc(path: Path, suffix: str) -> None:
    """Check a downloaded PRC table (at temporary ``path``; ``suffix`` of its final name)."""
    head = _head_unless_html(
        path,
        "the server returned an HTML page, not a data table. Fix: use the "
        "direct link to the .csv / .ods / .xlsx file, not the web page that lists it",
    )
    if suffix.lower() in (".ods", ".xlsx"):
        if not head.startswith(b"PK"):
            raise DownloadError(f"the download is not a {suffix} spreadsheet (no zip signature)")
        return
    first = head.split(b"\n", 1)[0].decode("utf-8-sig", errors="replace")
    header = next(csv.reader(io.StringIO(first)), [])
    norm = {" ".join(h.replace("_", " ").lower().split()) for h in header}
    missing = [c for c in _PRC_REQUIRED if c not in norm]
    if missing:
        raise DownloadError(
            f"the downloaded header {header} lacks {missing}; this is not a police recorded "
            "crime open data table. Fix: check the URL"
        )


def download_prc_table(
    url: str,
    dest: str | Path,
    *,
    sha256: str | None = None,
    retries: int = 3,
    backoff: float = 0.5,
    timeout: float = 60,
    force: bool = False,
    allow_file_urls: bool = False,
) -> DownloadRecord:
    """Download a Home Office police recorded crime open data table.

    Like :func:`download_file`, plus content checks before the file is kept: an
    HTML page (a common result of linking the landing page instead of the file)
    is rejected, and a ``.csv`` must have the ``Financial Year``, ``Offence Code``
    and ``Number of Offences`` columns (official or underscored names).

    Parameters
    ----------
    url : str
        Direct link to the ``.csv`` / ``.ods`` / ``.xlsx`` table.
    dest : str or Path
        Where to write it; the suffix decides which content check applies.
    sha256, retries, backoff, timeout, force, allow_file_urls
        As in :func:`download_file`.

    Returns
    -------
    DownloadRecord

    Examples
    --------
    >>> import tempfile, pathlib
    >>> src = pathlib.Path(tempfile.mkdtemp()) / "prc.csv"
    >>> _ = src.write_text("Financial_Year,Force_Name,Offence_Code,Number_of_Offences\\n2017/18,Dorset,28E,5\\n")
    >>> dest = pathlib.Path(tempfile.mkdtemp()) / "prc.csv"
    >>> download_prc_table(src.as_uri(), dest, allow_file_urls=True).size > 0
    True
    """
    dest = Path(dest)
    return _download(url, dest, sha256=sha256, retries=retries, backoff=backoff,
                     timeout=timeout, validate=lambda tmp: _validate_prc(tmp, dest.suffix), force=force,
                     allow_file_urls=allow_file_urls)
