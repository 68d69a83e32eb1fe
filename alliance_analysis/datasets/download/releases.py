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

from ._common import DEFAULT_DEADLINE, MAX_RELEASE_BYTES, _head_unless_html, _now, _sigterm_cleans_up, logger
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
    ['activity', 'css', 'home_office', 'outcomes', 'population', 'workforce']
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


#: zip members that make a workbook what its extension says
_WORKBOOK_MEMBERS = {".ods": ("mimetype", "content.xml"), ".xlsx": ("[Content_Types].xml", "xl/workbook.xml")}


def fetched_name(filename: str, day: str) -> str:
    """The name a fetched release is written under: the listed name with ``-fetched-<day>`` before
    its extension, so a fetch never overwrites a shipped file and ``data build`` can choose releases.

    Examples
    --------
    >>> fetched_name("rec-crime-pfa.csv", "2026-12-05"), fetched_name("t.csv.gz", "2026-12-05")
    ('rec-crime-pfa-fetched-2026-12-05.csv', 't-fetched-2026-12-05.csv.gz')
    """
    base, dot, ext = filename.partition(".")
    return f"{base}-fetched-{day}{dot}{ext}"


def _validate_release(path: Path, filename: str) -> None:
    """Check the body is the kind of file its name says, before it is kept.

    The rules: no markup (an HTML page, however it starts); an ``.ods`` / ``.xlsx`` is a
    readable zip holding ``mimetype`` + ``content.xml`` / ``xl/workbook.xml`` (a few bytes
    starting ``PK`` are not a workbook); a ``.zip`` is a readable zip; a ``.gz`` starts with
    the gzip signature; a ``.csv`` is UTF-8 (or cp1252) text, not JSON, whose first line is
    a header of at least two comma-separated names followed by a row with as many fields
    (a one-line error message, even one with a comma, is refused).
    """
    import zipfile

    head = _head_unless_html(
        path,
        "the server returned an HTML page, not a data file. Fix: put the direct link to the "
        "file (not the page that lists it) in data/raw/reference/official_releases.csv",
    )
    low = filename.lower()
    suffix = Path(low).suffix
    if suffix in (".ods", ".xlsx", ".zip"):
        try:
            with zipfile.ZipFile(path) as z:
                names = set(z.namelist())
        except (zipfile.BadZipFile, OSError):
            raise DownloadError(f"the download ({path.stat().st_size:,} bytes) is not a readable {suffix} file "
                                "(not a complete zip)") from None
        missing = [m for m in _WORKBOOK_MEMBERS.get(suffix, ()) if m not in names]
        if missing:
            raise DownloadError(f"the download is a zip but not a {suffix} workbook (no {missing[0]})")
        return
    if low.endswith(".gz"):
        if not head.startswith(b"\x1f\x8b"):
            raise DownloadError("the download is not gzip data (no gzip signature)")
        return
    if suffix == ".csv":
        text = head.lstrip(b"\xef\xbb\xbf")
        decoded = text.decode("utf-8", errors="replace")
        if decoded[:-1].count("\ufffd"):  # not UTF-8 (the last character may be cut by the 4 KiB window)
            decoded = text.decode("cp1252", errors="replace")
        if re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", decoded):
            raise DownloadError("the download is binary data, not a CSV")
        stripped = decoded.lstrip()
        if stripped[:1] in ("{", "["):
            raise DownloadError("the download is JSON (an API error message?), not a CSV")
        lines = stripped.splitlines()
        first = lines[0] if lines else ""
        fields = [len(r) for r in csv.reader(lines[:2])]
        whole = path.stat().st_size <= len(head)
        if fields[:1] < [2] or len(lines) < 2 or ((len(lines) >= 3 or whole) and fields[1] != fields[0]):
            raise DownloadError(f"the download's first line {first[:80]!r} is not a CSV header followed by rows "
                                "with as many fields (at least two comma-separated columns); an error message "
                                "from the server?")


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
    max_bytes: int = MAX_RELEASE_BYTES,
) -> list[DownloadRecord]:
    """Download the current Home Office and ONS releases into ``data/raw/<source>/``.

    Each release listed in ``data/raw/reference/official_releases.csv`` (rolling
    PFA table, PRC quarterly tables, workforce open data, ONS population, CSS) is
    fetched with the download machinery (atomic, checksummed, retried, overall
    deadline, http(s)-only redirects) and recorded in ``<dest>/<source>/download_manifest.json``
    with its name, publisher, licence and final URL. A file already present with the
    checksum recorded for the same URL is reused (``force=True`` fetches it again).

    Rules that keep the shipped data safe: each release is written under a NEW name,
    ``<name>-fetched-<UTC date>.<ext>`` (:func:`fetched_name`), never over a shipped
    file, and ``data build`` chooses between the releases present; the body must be the
    kind of file its name says (see ``_validate_release``: no HTML or JSON or one-line
    error text as a CSV, a complete zip with the workbook's members as an ODS/XLSX); a
    body larger than ``max_bytes`` (200 MB) is refused; where the list gives a ``sha256``
    for a release, a download with another checksum is refused; SIGTERM during a fetch
    leaves no temporary file.

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
    max_bytes : int, default 200 MB
        Largest body accepted for one release.
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
    >>> _ = (mirror / "rec-crime-pfa.csv").write_text("Year,Force,Count\\n2016,Dorset,10\\n")
    >>> out = pathlib.Path(tempfile.mkdtemp())
    >>> recs = fetch_official_releases(out, sources="rolling_pfa", base_url=mirror.as_uri())
    >>> import re
    >>> [bool(re.fullmatch(r"home_office/rec-crime-pfa-fetched-\\d{4}-\\d\\d-\\d\\d\\.csv", r.path.relative_to(out).as_posix()))
    ...  for r in recs]
    [True]
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
    day = _now()[:10]
    with _sigterm_cleans_up():
        for rel in tqdm(listed, desc="official releases", unit="file", disable=not progress):
            out.append(_fetch_release(rel, root, day, base_url, allow_file, retries=retries, backoff=backoff,
                                      timeout=timeout, deadline=deadline, force=force, max_bytes=max_bytes))
    logger.info("fetched %d official release(s) into %s", len(out), root)
    return out


def _fetch_release(rel: dict[str, str], root: Path, day: str, base_url: str | None, allow_file: bool, *,
                   retries: int, backoff: float, timeout: float, deadline: float, force: bool,
                   max_bytes: int) -> DownloadRecord:
    url = rel["url"] if base_url is None else f"{base_url.rstrip('/')}/{rel['filename']}"
    target = root / rel["source"] / fetched_name(rel["filename"], day)
    extra = {"release": rel["name"], "publisher": rel["publisher"], "licence": rel["licence"]}
    if rel.get("title"):
        extra["title"] = rel["title"]
    try:
        return _download(url, target, sha256=rel.get("sha256") or None, retries=retries, backoff=backoff,
                         timeout=timeout, deadline=deadline, force=force, max_bytes=max_bytes,
                         allow_file_urls=allow_file, extra=extra,
                         validate=functools.partial(_validate_release, filename=rel["filename"]))
    except DownloadError as exc:
        raise DownloadError(
            f"release {rel['name']!r} ({rel['publisher']}): {exc}"
            + (f" (release page: {rel['release_page']})" if rel.get("release_page") else "")
        ) from exc
