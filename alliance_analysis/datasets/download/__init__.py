"""Download helpers for the real public sources (data.police.uk, Home Office tables).

Every download streams into a temporary file beside its destination, is checked
(length against ``Content-Length``, SHA-256 when one is given, content checks for
tables) and only then renamed into place, so an interrupted or corrupt transfer
never leaves a partial file. Transient failures (HTTP 5xx / 429, refused or reset
connections, time-outs, truncated bodies) are retried with exponential back-off.
Each file's SHA-256, size, URL and retrieval time are recorded in
``download_manifest.json`` beside it (written atomically).

Only the standard library (``urllib``) is used, so proxies configured through the
usual ``http_proxy`` / ``https_proxy`` variables apply.

Hostile servers and archives (issue 12): every download has an overall
``deadline`` (seconds, across connection, every read and every retry, so a server
dripping bytes cannot hold it open); redirects are followed only to ``http(s)``
addresses and the final address is recorded in the manifest (``final_url``);
``Retry-After`` on 429/503 is honoured (seconds or an HTTP date, capped by
``max_retry_after`` and the deadline); ``max_bytes`` caps a download; archive
members are extracted by their full path inside the zip, streamed, with a cap on
the expanded size and on the compression ratio.

:func:`fetch_official_releases` refreshes the Home Office and ONS tables listed in
``data/raw/reference/official_releases.csv`` into ``data/raw/<source>/``.

Examples
--------
>>> import tempfile, pathlib, hashlib
>>> src = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
>>> _ = src.write_text("a,b\\n1,2\\n")
>>> dest = pathlib.Path(tempfile.mkdtemp()) / "copy.csv"
>>> rec = download_file(src.as_uri(), dest, allow_file_urls=True)
>>> rec.sha256 == hashlib.sha256(b"a,b\\n1,2\\n").hexdigest(), dest.read_text()
(True, 'a,b\\n1,2\\n')
>>> sorted(read_manifest(dest.parent)["files"])
['copy.csv']
"""

# Package layout (one module per capability): ``records`` (DownloadRecord,
# PoliceUkDownload, the manifest), ``core`` (one verified, retried HTTP download),
# ``police_uk`` (monthly archives), ``prc`` (PRC tables), ``releases`` (official
# releases list and fetch), ``_common`` (shared defaults, logger, time stamp).

from __future__ import annotations

# ``time`` stays a package attribute: tests patch ``download.time.sleep``, which is
# the same module object ``core`` calls ``time.sleep`` on.
import time  # noqa: F401

from ._common import DEFAULT_DEADLINE, MAX_MEMBER_BYTES, MAX_RATIO, MAX_RELEASE_BYTES, MAX_RETRY_AFTER, logger  # noqa: F401
from .core import download_file
from .police_uk import POLICE_UK_ARCHIVE_URL, download_police_uk
from .prc import download_prc_table
from .records import MANIFEST_NAME, DownloadRecord, PoliceUkDownload, read_manifest
from .releases import OFFICIAL_RELEASES_CSV, fetch_official_releases, fetched_name, read_official_releases

__all__ = [
    "DownloadRecord",
    "PoliceUkDownload",
    "download_file",
    "download_police_uk",
    "download_prc_table",
    "fetch_official_releases",
    "fetched_name",
    "read_official_releases",
    "OFFICIAL_RELEASES_CSV",
    "read_manifest",
    "MANIFEST_NAME",
    "POLICE_UK_ARCHIVE_URL",
]
