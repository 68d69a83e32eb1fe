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

from __future__ import annotations

import csv
import datetime as _dt
import email.utils
import functools
import hashlib
import http.client
import io
import json
import logging
import re
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import pandas as pd
from alliance_analysis.progress import tqdm

from alliance_analysis import clean, paths
from alliance_analysis.errors import DataValidationError, DownloadError, ParameterError
from alliance_analysis.io import atomic_path, atomic_write_text, sha256_file

logger = logging.getLogger(__name__)

__all__ = [
    "DownloadRecord",
    "PoliceUkDownload",
    "download_file",
    "download_police_uk",
    "download_prc_table",
    "fetch_official_releases",
    "read_official_releases",
    "OFFICIAL_RELEASES_CSV",
    "read_manifest",
    "MANIFEST_NAME",
    "POLICE_UK_ARCHIVE_URL",
]

#: data.police.uk publishes one zip per month at ``<this>/YYYY-MM.zip``.
POLICE_UK_ARCHIVE_URL = "https://data.police.uk/data/archive"
#: Name of the JSON checksum manifest written beside downloaded files.
MANIFEST_NAME = "download_manifest.json"

_CHUNK = 1 << 16
_USER_AGENT = "alliance-analysis/0.1 (+https://data.police.uk; research use)"
_SHA_RE = re.compile(r"^[0-9a-f]{64}$")
#: Defaults for the hostile-input guards.
DEFAULT_DEADLINE = 900.0
MAX_RETRY_AFTER = 120.0
MAX_MEMBER_BYTES = 2 * 1024**3
MAX_RATIO = 200.0
_RATIO_FLOOR = 1 << 20
#: The list of official releases :func:`fetch_official_releases` downloads.
OFFICIAL_RELEASES_CSV: Path = paths.REFERENCE_DIR / "official_releases.csv"


@dataclass(frozen=True)
class DownloadRecord:
    """What was downloaded: where from, where to, its checksum.

    Attributes
    ----------
    url : str
        Source URL (for extracted archive members: ``<archive url>#<member>``).
    path : Path
        Final location of the file.
    sha256 : str
        Hex SHA-256 of the file as written.
    size : int
        Size in bytes.
    attempts : int
        HTTP attempts made (0 when an existing verified file was reused).
    retrieved_at : str
        UTC ISO-8601 time the file was written (or originally recorded).
    reused : bool
        True when an existing file with the expected checksum was kept.
    final_url : str
        The address the file actually came from after redirects (``""`` when
        reused or extracted).
    """

    url: str
    path: Path
    sha256: str
    size: int
    attempts: int
    retrieved_at: str
    reused: bool = False
    final_url: str = ""


@dataclass(frozen=True)
class PoliceUkDownload:
    """Result of :func:`download_police_uk`.

    Attributes
    ----------
    files : tuple of DownloadRecord
        One record per extracted street file.
    missing : tuple of (str, str)
        ``(month, force)`` pairs asked for but absent from the archive (a force
        supply gap, or a month the archive does not cover).
    archives : tuple of DownloadRecord
        The monthly archives fetched (deleted afterwards unless ``keep_archives``).
    """

    files: tuple[DownloadRecord, ...]
    missing: tuple[tuple[str, str], ...] = ()
    archives: tuple[DownloadRecord, ...] = field(default_factory=tuple)


class _Retryable(Exception):
    """A transient failure worth another attempt (``retry_after``: server's wish, s)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
    """Follow redirects only to http(s) addresses (urllib would also follow ftp://)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        scheme = urllib.parse.urlsplit(newurl).scheme.lower()
        if scheme not in ("http", "https"):
            raise DownloadError(
                f"{req.full_url}: the server redirected to {newurl!r}, which is not an http(s) "
                "address; refused. Fix: check the URL (a hijacked or misconfigured mirror?)"
            )
        return super().redirect_request(req, fp, code, msg, headers, newurl)


_OPENER = urllib.request.build_opener(_HttpOnlyRedirects)


def _parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta seconds or HTTP date).

    Examples
    --------
    >>> _parse_retry_after("7")
    7.0
    >>> _parse_retry_after("Wed, 21 Oct 2015 07:28:10 GMT", now=1445412480.0)
    10.0
    >>> _parse_retry_after("soon") is None
    True
    """
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=_dt.UTC)
    now = time.time() if now is None else now
    return max(0.0, when.timestamp() - now)


# --------------------------------------------------------------------------- manifest


def read_manifest(folder: str | Path) -> dict:
    """Return the download manifest of ``folder`` (empty when there is none).

    Parameters
    ----------
    folder : str or Path
        The folder holding ``download_manifest.json``.

    Returns
    -------
    dict
        ``{"files": {relative path: {"url", "sha256", "size", "retrieved_at"}}}``.

    Examples
    --------
    >>> import tempfile
    >>> read_manifest(tempfile.mkdtemp())
    {'files': {}}
    """
    path = Path(folder) / MANIFEST_NAME
    if not path.exists():
        return {"files": {}}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataValidationError(
            f"the download manifest is not valid JSON ({exc})", file=path,
            fix="delete it; it is rebuilt on the next download (files are re-verified)",
        ) from exc
    if not isinstance(data, dict) or not isinstance(data.get("files"), dict):
        raise DataValidationError(
            "the download manifest has no 'files' mapping", file=path,
            fix="delete it; it is rebuilt on the next download",
        )
    return data


def _record_in_manifest(folder: Path, records: Sequence[DownloadRecord],
                        extra: dict[str, str] | None = None) -> None:
    data = read_manifest(folder)
    for rec in records:
        key = Path(rec.path).resolve().relative_to(folder.resolve()).as_posix()
        old = data["files"].get(key, {})
        entry = {
            "url": rec.url, "sha256": rec.sha256, "size": rec.size, "retrieved_at": rec.retrieved_at,
        }
        final = rec.final_url or (old.get("final_url") if rec.reused else None)
        if final:
            entry["final_url"] = final
        for k, v in (extra or {}).items():
            entry[k] = v
        data["files"][key] = entry
    data["files"] = dict(sorted(data["files"].items()))
    atomic_write_text(json.dumps(data, indent=2) + "\n", folder / MANIFEST_NAME)


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat()


# --------------------------------------------------------------------------- core


def _check_args(url: str, sha256: str | None, retries: int, backoff: float, timeout: float,
                allow_file_urls: bool, deadline: float = DEFAULT_DEADLINE,
                max_bytes: int | None = None) -> str | None:
    scheme = urllib.parse.urlsplit(url).scheme.lower()
    allowed = {"http", "https"} | ({"file"} if allow_file_urls else set())
    if scheme not in allowed:
        raise ParameterError(
            f"url={url!r}: scheme {scheme or '(none)'!r} is not supported. Fix: use an "
            "http:// or https:// address"
        )
    if not isinstance(retries, int) or retries < 0:
        raise ParameterError(f"retries={retries!r} must be an integer >= 0")
    if backoff < 0:
        raise ParameterError(f"backoff={backoff!r} must be >= 0 seconds")
    if timeout <= 0:
        raise ParameterError(f"timeout={timeout!r} must be > 0 seconds")
    if isinstance(deadline, bool) or not isinstance(deadline, (int, float)) or not deadline > 0 \
            or deadline == float("inf"):
        raise ParameterError(f"deadline={deadline!r} must be a finite number of seconds > 0. "
                             "Fix: e.g. deadline=900")
    if max_bytes is not None and (isinstance(max_bytes, bool) or not isinstance(max_bytes, int)
                                  or max_bytes < 1):
        raise ParameterError(f"max_bytes={max_bytes!r} must be a positive integer or None")
    if sha256 is None:
        return None
    digest = sha256.strip().lower()
    if not _SHA_RE.match(digest):
        raise ParameterError(f"sha256={sha256!r} is not a 64-character hex SHA-256 digest")
    return digest


def _fetch(url: str, tmp: Path, timeout: float, deadline_at: float,
           max_bytes: int | None = None) -> tuple[str, int, str]:
    """Stream ``url`` into ``tmp``; return (sha256, size, final url).

    Raise _Retryable when transient, DownloadError when the overall deadline passes,
    the body exceeds ``max_bytes`` or a redirect leaves http(s).
    """
    def remaining() -> float:
        left = deadline_at - time.monotonic()
        if left <= 0:
            raise DownloadError(
                f"{url}: the download did not finish within its overall deadline; nothing was "
                "written. Fix: retry on a faster connection or pass a larger deadline="
            )
        return left

    req = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    try:
        with _OPENER.open(req, timeout=min(timeout, remaining())) as resp:
            final = resp.geturl()
            length = resp.headers.get("Content-Length")
            if max_bytes is not None and length is not None and length.isdigit() \
                    and int(length) > max_bytes:
                raise DownloadError(f"{url}: the server announces {int(length):,} bytes, above "
                                    f"max_bytes={max_bytes:,}. Fix: check the URL or raise max_bytes")
            h = hashlib.sha256()
            size = 0
            read = getattr(resp, "read1", resp.read)
            with open(tmp, "wb") as fh:
                while True:
                    left = remaining()
                    sock = getattr(getattr(resp, "fp", None), "raw", None)
                    sock = getattr(sock, "_sock", None)
                    if sock is not None:
                        sock.settimeout(min(timeout, left))
                    chunk = read(_CHUNK)
                    if not chunk:
                        break
                    fh.write(chunk)
                    h.update(chunk)
                    size += len(chunk)
                    if max_bytes is not None and size > max_bytes:
                        raise DownloadError(f"{url}: the download exceeds max_bytes={max_bytes:,}; "
                                            "nothing was written. Fix: check the URL or raise max_bytes")
            remaining()
    except urllib.error.HTTPError as exc:
        if exc.code >= 500 or exc.code in (408, 429):
            wait = _parse_retry_after(exc.headers.get("Retry-After") if exc.headers else None)
            raise _Retryable(f"HTTP {exc.code} {exc.reason}", retry_after=wait) from exc
        raise DownloadError(
            f"{url}: the server answered HTTP {exc.code} {exc.reason}. Fix: check the address "
            "(for data.police.uk, that the month's archive is published)"
        ) from exc
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, DownloadError):
            raise exc.reason from exc
        raise _Retryable(f"cannot connect ({exc.reason})") from exc
    except (http.client.HTTPException, ConnectionError, TimeoutError) as exc:
        raise _Retryable(f"connection failed mid-transfer ({type(exc).__name__}: {exc})") from exc
    if length is not None and length.isdigit() and size != int(length):
        raise _Retryable(f"connection closed early: got {size} of {length} bytes")
    return h.hexdigest(), size, final


def _download(
    url: str,
    dest: Path,
    *,
    sha256: str | None,
    retries: int,
    backoff: float,
    timeout: float,
    validate: Callable[[Path], None] | None = None,
    force: bool = False,
    allow_file_urls: bool = False,
    record: bool = True,
    deadline: float = DEFAULT_DEADLINE,
    max_retry_after: float = MAX_RETRY_AFTER,
    max_bytes: int | None = None,
    extra: dict[str, str] | None = None,
) -> DownloadRecord:
    expected = _check_args(url, sha256, retries, backoff, timeout, allow_file_urls, deadline,
                           max_bytes)
    deadline_at = time.monotonic() + float(deadline)
    dest = Path(dest)
    if dest.is_dir():
        raise ParameterError(f"dest={dest} is a folder. Fix: give the full file path to write")
    if dest.exists() and not force:
        known = expected
        if known is None:
            entry = read_manifest(dest.parent)["files"].get(dest.name)
            known = entry["sha256"] if entry and entry.get("url") == url else None
        if known is not None:
            actual = sha256_file(dest)
            if actual == known:
                logger.info("%s already present with the expected SHA-256; not downloading", dest)
                rec = DownloadRecord(url, dest, actual, dest.stat().st_size, 0, _now(), reused=True)
                if record:
                    _record_in_manifest(dest.parent, [rec], extra)
                return rec
            logger.info("%s exists but its SHA-256 differs; downloading again", dest)

    last: Exception | None = None
    attempts = 0
    for attempt in range(1, retries + 2):
        attempts = attempt
        try:
            with atomic_path(dest) as tmp:
                digest, size, final = _fetch(url, tmp, timeout, deadline_at, max_bytes)
                if expected is not None and digest != expected:
                    raise DownloadError(
                        f"{url}: checksum mismatch, expected SHA-256 {expected} but the download "
                        f"has {digest}; nothing was written to {dest}. Fix: check the URL and the "
                        "expected checksum (the source may have been revised)"
                    )
                if validate is not None:
                    try:
                        validate(tmp)
                    except DownloadError as exc:
                        raise DownloadError(f"{url}: {exc}; nothing was written to {dest}") from exc
        except _Retryable as exc:
            last = exc
            if attempt <= retries:
                delay = backoff * 2 ** (attempt - 1)
                if exc.retry_after is not None:
                    delay = max(delay, min(exc.retry_after, max_retry_after))
                left = deadline_at - time.monotonic()
                if delay >= left:
                    last = DownloadError(f"{exc}; the next attempt (in {delay:.1f}s) would pass the "
                                         f"overall deadline of {deadline:g}s")
                    break
                logger.warning("%s: attempt %d failed (%s); retrying in %.2fs", url, attempt, exc, delay)
                time.sleep(delay)
            continue
        rec = DownloadRecord(url, dest, digest, size, attempts, _now(), final_url=final)
        if final != url:
            logger.info("%s was redirected to %s", url, final)
        logger.info("downloaded %s -> %s (%d bytes, sha256 %s)", url, dest, size, digest)
        if record:
            _record_in_manifest(dest.parent, [rec], extra)
        return rec
    raise DownloadError(
        f"could not download {url} after {attempts} attempt(s): {last}. Fix: check the network "
        f"connection or proxy and retry, or fetch the file by other means and place it at {dest}"
        + (f" (its SHA-256 should be {expected})" if expected else "")
    )


def download_file(
    url: str,
    dest: str | Path,
    *,
    sha256: str | None = None,
    retries: int = 3,
    backoff: float = 0.5,
    timeout: float = 30,
    force: bool = False,
    allow_file_urls: bool = False,
    deadline: float = DEFAULT_DEADLINE,
    max_retry_after: float = MAX_RETRY_AFTER,
    max_bytes: int | None = None,
) -> DownloadRecord:
    """Download ``url`` to ``dest`` atomically, verified, with retries.

    Parameters
    ----------
    url : str
        ``http://`` or ``https://`` address.
    dest : str or Path
        File to write. Its folder is created; its checksum goes into
        ``download_manifest.json`` in that folder.
    sha256 : str, optional
        Expected hex SHA-256. A mismatch raises and writes nothing. When ``dest``
        already exists with this checksum (or, without ``sha256``, with the
        checksum the manifest recorded for the same URL) it is reused, not fetched.
    retries : int, default 3
        Extra attempts after the first for transient failures (HTTP 5xx, 408, 429,
        refused / reset connections, time-outs, truncated bodies).
    backoff : float, default 0.5
        Seconds before the first retry; doubled for each further retry.
    timeout : float, default 30
        Socket time-out in seconds for connecting and for each read.
    force : bool, default False
        Download even when a verified copy exists.
    allow_file_urls : bool, default False
        Also accept ``file://`` URLs (used by examples and local mirrors).
    deadline : float, default 900
        Overall limit in seconds for the whole download, retries included.
    max_retry_after : float, default 120
        Longest ``Retry-After`` wait honoured (longer requests are capped).
    max_bytes : int, optional
        Refuse a body larger than this.

    Returns
    -------
    DownloadRecord

    Raises
    ------
    DownloadError
        Offline / unreachable after all retries (the message names the URL and says
        where to place the file by hand), HTTP 4xx, a checksum mismatch, the
        deadline passed, ``max_bytes`` exceeded, or a redirect to a non-http(s)
        address.
        ``dest`` is never left partially written.
    ParameterError
        Unsupported URL scheme or invalid retry / time-out / checksum arguments.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> src = pathlib.Path(tempfile.mkdtemp()) / "x.txt"
    >>> _ = src.write_bytes(b"abc")
    >>> dest = pathlib.Path(tempfile.mkdtemp()) / "x.txt"
    >>> sha = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"  # sha256("abc")
    >>> download_file(src.as_uri(), dest, sha256=sha, allow_file_urls=True).size
    3
    >>> download_file(src.as_uri(), dest, sha256=sha, allow_file_urls=True).reused
    True
    """
    return _download(url, Path(dest), sha256=sha256, retries=retries, backoff=backoff,
                     timeout=timeout, force=force, allow_file_urls=allow_file_urls,
                     deadline=deadline, max_retry_after=max_retry_after, max_bytes=max_bytes)


# --------------------------------------------------------------------------- police.uk


def _months(months: str | Sequence[object] | pd.PeriodIndex) -> list[pd.Period]:
    values = [months] if isinstance(months, (str, pd.Period)) else list(months)
    if not values:
        raise ParameterError("months is empty. Fix: pass months as 'YYYY-MM' strings")
    out = []
    for v in values:
        if isinstance(v, str) and not re.match(r"^\d{4}-\d{2}$", v.strip()):
            raise ParameterError(f"month {v!r} is not 'YYYY-MM'. Fix: write it as e.g. '2022-04'")
        try:
            out.append(pd.Period(v, freq="M"))
        except (ValueError, TypeError) as exc:
            raise ParameterError(f"month {v!r} is not 'YYYY-MM'") from exc
    return sorted(set(out))


def _slugs(forces: str | Sequence[str]) -> dict[str, str]:
    try:
        names = clean.resolve_forces(forces)
    except DataValidationError as exc:
        raise ParameterError(f"forces={forces!r}: {exc}") from exc
    if not names:
        raise ParameterError("forces is empty. Fix: pass at least one force name")
    return {clean.force_slug(f): f for f in names}


def download_police_uk(
    forces: str | Sequence[str],
    months: str | Sequence[object],
    dest_dir: str | Path,
    base_url: str = POLICE_UK_ARCHIVE_URL,
    *,
    archive: str | None = None,
    retries: int = 3,
    backoff: float = 0.5,
    timeout: float = 60,
    keep_archives: bool = False,
    progress: bool = False,
    deadline: float = DEFAULT_DEADLINE,
    max_member_bytes: int = MAX_MEMBER_BYTES,
    max_ratio: float = MAX_RATIO,
) -> PoliceUkDownload:
    """Fetch data.police.uk street files for chosen forces and months.

    For each month the archive ``{base_url}/YYYY-MM.zip`` is downloaded (into
    ``dest_dir/.archives``) and only the chosen forces' ``YYYY-MM-<slug>-street.csv``
    files for that month are extracted, each atomically, to
    ``dest_dir/YYYY-MM/``; their checksums go into ``dest_dir/download_manifest.json``.
    The result is the folder layout :func:`police_uk.load_street_archive` reads.
    Months whose files are all already present and verified are not fetched again.

    Parameters
    ----------
    forces : str or sequence of str
        Force names in any spelling or a group name (``"Warwickshire and West Mercia"``).
    months : str or sequence
        ``"YYYY-MM"`` strings or Periods.
    dest_dir : str or Path
        Folder to fill.
    base_url : str
        Where the monthly archives live (a parameter so mirrors and tests can be used).
    archive : str, optional
        Fetch this one archive month (e.g. ``"2024-12"``) and extract every requested
        month from it; data.police.uk archives carry the preceding three years.
    retries, backoff, timeout
        As in :func:`download_file`.
    keep_archives : bool, default False
        Keep the downloaded zips in ``dest_dir/.archives`` (they are large).
    deadline : float, default 900
        Overall limit in seconds for each archive download.
    max_member_bytes, max_ratio
        Caps on the expanded size and compression ratio of each extracted member.
    progress : bool, default False
        Show a tqdm progress bar over archives.

    Returns
    -------
    PoliceUkDownload
        Extracted files, ``(month, force)`` pairs missing from the archives, archives.

    Raises
    ------
    DownloadError
        When an archive cannot be fetched or is not a valid zip.
    DataValidationError
        When none of the requested files is in the archives.

    Examples
    --------
    >>> import tempfile, pathlib, zipfile
    >>> web = pathlib.Path(tempfile.mkdtemp())
    >>> with zipfile.ZipFile(web / "2020-01.zip", "w") as z:
    ...     z.writestr("2020-01/2020-01-dorset-street.csv", "Crime ID,Month\\n")
    ...     z.writestr("2020-01/2020-01-kent-street.csv", "Crime ID,Month\\n")
    >>> out = pathlib.Path(tempfile.mkdtemp())
    >>> res = download_police_uk("Dorset", "2020-01", out, base_url=web.as_uri())
    >>> [p.relative_to(out).as_posix() for p in sorted(out.rglob("*.csv"))]
    ['2020-01/2020-01-dorset-street.csv']
    """
    slugs = _slugs(forces)
    wanted = _months(months)
    dest_dir = Path(dest_dir)
    if archive is not None:
        plan = {_months(archive)[0]: wanted}
    else:
        plan = {m: [m] for m in wanted}
    manifest = read_manifest(dest_dir)["files"]
    base = base_url.rstrip("/")
    allow_file = urllib.parse.urlsplit(base).scheme == "file"

    files: list[DownloadRecord] = []
    missing: list[tuple[str, str]] = []
    archives: list[DownloadRecord] = []
    for arch_month, months_in in tqdm(plan.items(), desc="police.uk archives", unit="archive",
                                      disable=not progress):
        targets = {
            f"{m}/{m}-{slug}-street.csv": (m, slug) for m in months_in for slug in slugs
        }
        present = []
        for rel in targets:
            entry = manifest.get(rel)
            path = dest_dir / rel
            if entry and path.exists() and sha256_file(path) == entry["sha256"]:
                present.append(DownloadRecord(entry["url"], path, entry["sha256"], path.stat().st_size,
                                              0, entry["retrieved_at"], reused=True))
        if len(present) == len(targets):
            logger.info("archive %s: every requested file already present; skipping", arch_month)
            files.extend(present)
            continue
        url = f"{base}/{arch_month}.zip"
        zpath = dest_dir / ".archives" / f"{arch_month}.zip"
        arec = _download(url, zpath, sha256=None, retries=retries, backoff=backoff, timeout=timeout,
                         allow_file_urls=allow_file, deadline=deadline)
        archives.append(arec)
        try:
            extracted = _extract_street_files(zpath, url, targets, dest_dir, max_member_bytes, max_ratio)
        finally:
            if not keep_archives:
                zpath.unlink(missing_ok=True)
        files.extend(extracted)
        got = {Path(r.path).relative_to(dest_dir).as_posix() for r in extracted}
        for rel, (m, slug) in targets.items():
            if rel not in got:
                missing.append((str(m), slugs[slug]))
                logger.warning("archive %s has no street file for %s %s", url, slugs[slug], m)
        if extracted:
            _record_in_manifest(dest_dir, extracted)
    if not files:
        raise DataValidationError(
            f"none of the requested street files ({sorted(slugs.values())} x "
            f"{[str(m) for m in wanted]}) is in the archive(s)",
            file=base, fix="check the force names and months (archive_inventory lists an archive's contents)",
        )
    return PoliceUkDownload(tuple(files), tuple(missing), tuple(archives))


def _match_members(names: Sequence[str], rel: str, url: str) -> str | None:
    """The zip member for target ``YYYY-MM/<file>``, matched by full path.

    A member whose path ends with the month folder and the file name wins (at the
    archive root or under one top folder); a file of that name elsewhere is used
    only when it is the only one. Two candidates raise rather than pick one.
    """
    folder, name = PurePosixPath(rel).parts[-2:]
    exact = [n for n in names if PurePosixPath(n).parts[-2:] == (folder, name)]
    if len(exact) > 1:
        raise DownloadError(
            f"{url}: {len(exact)} members are {folder}/{name} ({', '.join(exact)}); refusing to "
            "guess which is current. Fix: check the archive (re-download it)"
        )
    if exact:
        return exact[0]
    loose = [n for n in names if PurePosixPath(n).name == name]
    if len(loose) > 1:
        raise DownloadError(
            f"{url}: {len(loose)} members are named {name} and none sits in a {folder} folder "
            f"({', '.join(loose)}); refusing to guess. Fix: check the archive (re-download it)"
        )
    return loose[0] if loose else None


def _extract_street_files(
    zpath: Path, url: str, targets: dict[str, tuple[pd.Period, str]], dest_dir: Path,
    max_member_bytes: int = MAX_MEMBER_BYTES, max_ratio: float = MAX_RATIO,
) -> list[DownloadRecord]:
    try:
        zf = zipfile.ZipFile(zpath)
    except (zipfile.BadZipFile, OSError) as exc:
        raise DownloadError(
            f"{url} is not a valid zip archive ({exc}). Fix: check base_url points at the "
            "data.police.uk archive folder; delete the file and retry"
        ) from exc
    out = []
    with zf:
        names = [i.filename for i in zf.infolist()
                 if not i.is_dir() and not i.filename.startswith("__MACOSX/")
                 and i.filename.endswith("-street.csv")]
        for rel in targets:
            member = _match_members(names, rel, url)
            if member is None:
                continue
            info = zf.getinfo(member)
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > max_member_bytes or (info.file_size > _RATIO_FLOOR and ratio > max_ratio):
                raise DownloadError(
                    f"{url}: member {member} expands to {info.file_size:,} bytes (ratio {ratio:,.0f}:1), "
                    f"beyond max_member_bytes={max_member_bytes:,} / max_ratio={max_ratio:g}; not "
                    "extracted (a damaged archive or a zip bomb). Fix: re-download, or raise the caps "
                    "if the file is genuine"
                )
            limit = min(max_member_bytes, max(int(max_ratio * max(info.compress_size, 1)), _RATIO_FLOOR))
            dest = dest_dir / rel
            h = hashlib.sha256()
            size = 0
            try:
                with zf.open(member) as src, atomic_path(dest) as tmp, open(tmp, "wb") as fh:
                    while chunk := src.read(_CHUNK):
                        size += len(chunk)
                        if size > limit:
                            raise DownloadError(
                                f"{url}: member {member} expands beyond {limit:,} bytes (size/ratio "
                                "cap); not extracted. Fix: re-download the archive"
                            )
                        fh.write(chunk)
                        h.update(chunk)
            except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
                if isinstance(exc, DownloadError):
                    raise
                raise DownloadError(
                    f"{url}: member {member} could not be extracted ({exc}). Fix: delete "
                    f"{zpath} and retry the download"
                ) from exc
            out.append(DownloadRecord(f"{url}#{member}", dest, h.hexdigest(), size, 1, _now()))
    return out


# --------------------------------------------------------------------------- PRC tables

_PRC_REQUIRED = ("financial year", "offence code", "number of offences")


def _validate_prc(path: Path, suffix: str) -> None:
    """Check a downloaded PRC table (at temporary ``path``; ``suffix`` of its final name)."""
    with open(path, "rb") as fh:
        head = fh.read(4096)
    if re.match(rb"\s*(<!doctype html|<html)", head, re.IGNORECASE):
        raise DownloadError(
            "the server returned an HTML page, not a data table. Fix: use the "
            "direct link to the .csv / .ods / .xlsx file, not the web page that lists it"
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
    with open(path, "rb") as fh:
        head = fh.read(4096)
    if re.match(rb"\s*(<!doctype html|<html)", head, re.IGNORECASE):
        raise DownloadError(
            "the server returned an HTML page, not a data file. Fix: put the direct link to the "
            "file (not the page that lists it) in data/raw/reference/official_releases.csv"
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
