"""Official Home Office and ONS releases listed in ``official_releases.csv``.

:func:`read_official_releases` reads and checks the list;
:func:`fetch_official_releases` refreshes every listed release into
``data/raw/<source>/`` with the HTTP core.
"""

from __future__ import annotations

import csv
import functools
import re
import urllib.parse
from collections.abc import Sequence
from pathlib import Path

from alliance_analysis.progress import tqdm

from alliance_analysis import paths
from alliance_analysis.errors import DataValidationError, DownloadError, ParameterError

from ._common import DEFAULT_DEADLINE, _head_unless_html, logger
from .core import _download
from .records import DownloadRecord

#: The list of official releases :func:`fetch_official_releases` downloads.
OFFICIAL_RELEASES_CSV: Path = paths.REFERENCE_DIR / "official_releases.csv"


# --------------------------------------------------------------------------- official releases

_RELEASE_COLUMNS = ("name", "source", "url", "filename", "publisher", "licence")
_SIMPLE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def read_official_releases(path: str | Path | None = None) -> list[dict[str, str]]:
    """Read and check the list of official releases :func:`fetch_official_releases` fetches.

    Parameters
    ----------
    path : str or Path, optional
        The CSV (default ``data/raw/reference/official_releases.csv``) with columns
        ``name`` (unique key), ``source`` (folder under ``data/raw``), ``url``
        (direct http(s) link), ``filename`` (file written), ``publisher``,
        ``licence`` and any further descriptive columns (``title``,
        ``release_page``, ``url_checked``).

    Returns
    -------
    list of dict
        One dict per release, in file order.

    Raises
    ------
    DataValidationError
        Missing file or column, blank value, duplicate name, a URL that is not
        http(s), or a source/filename that is not a plain name (no folders).

    Examples
    --------
    >>> sorted({r["source"] for r in read_official_releases()})
    ['css', 'home_office', 'population', 'workforce']
    """
    path = Path(OFFICIAL_RELEASES_CSV if path is None else path)
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh))
            header = list(rows[0].keys()) if rows else []
    except FileNotFoundError as exc:
        raise DataValidationError("the list of official releases is missing", file=path,
                                  fix="restore data/raw/reference/official_releases.csv") from exc
    except (UnicodeDecodeError, csv.Error) as exc:
        raise DataValidationError(f"the list of official releases cannot be read ({exc})", file=path,
                                  fix="save it as UTF-8 CSV") from exc
    missing = [c for c in _RELEASE_COLUMNS if c not in header]
    if not rows or missing:
        raise DataValidationError(
            f"the list of official releases lacks columns {missing or list(_RELEASE_COLUMNS)} or rows",
            file=path, column=(missing or [None])[0],
            fix=f"give it the header {','.join(_RELEASE_COLUMNS)} and one row per release",
        )
    seen: set[str] = set()
    out = []
    for i, rec in enumerate(rows, start=1):
        if None in rec:
            raise DataValidationError("the row has more fields than the header", file=path, row=i,
                                      fix="quote values that contain commas")
        clean_rec = {k: (v or "").strip() for k, v in rec.items()}
        for col in _RELEASE_COLUMNS:
            if not clean_rec[col]:
                raise DataValidationError("blank value", file=path, row=i, column=col,
                                          fix="fill it in or delete the row")
        if clean_rec["name"] in seen:
            raise DataValidationError(f"duplicate release name {clean_rec['name']!r}", file=path,
                                      row=i, column="name", fix="give each release a unique name")
        seen.add(clean_rec["name"])
        if urllib.parse.urlsplit(clean_rec["url"]).scheme.lower() not in ("http", "https"):
            raise DataValidationError(f"url {clean_rec['url']!r} is not an http(s) address", file=path,
                                      row=i, column="url", fix="use the direct https:// link to the file")
        for col in ("source", "filename"):
            if not _SIMPLE_NAME.match(clean_rec[col]) or ".." in clean_rec[col]:
                raise DataValidationError(
                    f"{col} {clean_rec[col]!r} must be a plain name (letters, digits, . _ -)",
                    file=path, row=i, column=col, fix="no folders, spaces or '..' in it",
                )
        out.append(clean_rec)
    return out


def _validate_release(path: Path, filename: str) -> None:
    """Reject an HTML page or a file whose signature does not match its extension."""
    head = _head_unless_html(
        path,
        "the server returned an HTML page, not a data file. Fix: put the direct link to the "
        "file (not the page that lists it) in data/raw/reference/official_releases.csv",
    )
    low = filename.lower()
    if low.endswith((".ods", ".xlsx", ".zip")) and not head.startswith(b"PK"):
        raise DownloadError(f"the download is not a {Path(low).suffix} file (no zip signature)")
    if low.endswith(".gz") and not head.startswith(b"\x1f\x8b"):
        raise DownloadError("the download is not gzip data (no gzip signature)")


def fetch_official_releases(
    dest: str | Path | None = None,
    *,
    sources: str | Sequence[str] | None = None,
    base_url: str | None = None,
    releases: str | Path | None = None,
    retries: int = 3,
    backoff: float = 0.5,
    timeout: float = 60,
    deadline: float = DEFAULT_DEADLINE,
    force: bool = False,
    progress: bool = False,
) -> list[DownloadRecord]:
    """Download the current Home Office and ONS releases into ``data/raw/<source>/``.

    Each release listed in ``data/raw/reference/official_releases.csv`` (rolling
    PFA table, PRC quarterly tables, workforce open data, ONS population, CSS) is
    fetched with the download machinery (atomic, checksummed, retried, overall
    deadline, http(s)-only redirects) and recorded in ``<dest>/<source>/download_manifest.json``
    with its name, publisher, licence and final URL. A file already present with the
    checksum recorded for the same URL is reused.

    Parameters
    ----------
    dest : str or Path, optional
        Root to fill (default ``data/raw``); files go to ``dest/<source>/<filename>``.
    sources : str or sequence of str, optional
        Release names (``rolling_pfa``) or source folders (``home_office``) to fetch;
        ``None`` fetches all.
    base_url : str, optional
        Fetch ``{base_url}/{filename}`` instead of each listed URL (a mirror, or a
        local test server).
    releases : str or Path, optional
        Another list of releases with the same columns.
    retries, backoff, timeout, deadline, force
        As in :func:`download_file`.
    progress : bool, default False
        Show a tqdm bar over releases.

    Returns
    -------
    list of DownloadRecord
        One per release, in list order.

    Raises
    ------
    DownloadError
        Offline or unreachable (the message names the release, the URL and where to
        put the file by hand), HTTP errors, an HTML page instead of the file.
    ParameterError
        Unknown names in ``sources``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> mirror = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (mirror / "rec-crime-pfa.csv").write_text("Year,Force,Count\\n")
    >>> out = pathlib.Path(tempfile.mkdtemp())
    >>> recs = fetch_official_releases(out, sources="rolling_pfa", base_url=mirror.as_uri())
    >>> [r.path.relative_to(out).as_posix() for r in recs]
    ['home_office/rec-crime-pfa.csv']
    """
    listed = read_official_releases(releases)
    if sources is not None:
        wanted = [sources] if isinstance(sources, str) else list(sources)
        known = {r["name"] for r in listed} | {r["source"] for r in listed}
        unknown = [w for w in wanted if w not in known]
        if unknown or not wanted:
            raise ParameterError(
                f"sources={sources!r}: {unknown or 'nothing'} not in the list of releases. Fix: "
                f"choose from {sorted(known)}"
            )
        listed = [r for r in listed if r["name"] in wanted or r["source"] in wanted]
    root = Path(paths.RAW_DIR if dest is None else dest)
    allow_file = False
    if base_url is not None:
        scheme = urllib.parse.urlsplit(base_url).scheme.lower()
        if scheme not in ("http", "https", "file"):
            raise ParameterError(f"base_url={base_url!r} must be an http(s) or file:// address")
        allow_file = scheme == "file"
    out: list[DownloadRecord] = []
    for rel in tqdm(listed, desc="official releases", unit="file", disable=not progress):
        url = rel["url"] if base_url is None else f"{base_url.rstrip('/')}/{rel['filename']}"
        target = root / rel["source"] / rel["filename"]
        extra = {"release": rel["name"], "publisher": rel["publisher"], "licence": rel["licence"]}
        if rel.get("title"):
            extra["title"] = rel["title"]
        try:
            rec = _download(url, target, sha256=None, retries=retries, backoff=backoff,
                            timeout=timeout, deadline=deadline, force=force,
                            allow_file_urls=allow_file, extra=extra,
                            validate=functools.partial(_validate_release, filename=rel["filename"]))
        except DownloadError as exc:
            raise DownloadError(
                f"release {rel['name']!r} ({rel['publisher']}): {exc}"
                + (f" (release page: {rel['release_page']})" if rel.get("release_page") else "")
            ) from exc
        out.append(rec)
    logger.info("fetched %d official release(s) into %s", len(out), root)
    return out
