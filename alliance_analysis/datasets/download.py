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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import pandas as pd
from tqdm.auto import tqdm

from alliance_analysis import clean
from alliance_analysis.errors import DataValidationError, DownloadError, ParameterError
from alliance_analysis.io import atomic_path, atomic_write_text, sha256_file

logger = logging.getLogger(__name__)

__all__ = [
    "DownloadRecord",
    "PoliceUkDownload",
    "download_file",
    "download_police_uk",
    "download_prc_table",
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
    """

    url: str
    path: Path
    sha256: str
    size: int
    attempts: int
    retrieved_at: str
    reused: bool = False


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
    """A transient failure worth another attempt."""


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


def _record_in_manifest(folder: Path, records: Sequence[DownloadRecord]) -> None:
    data = read_manifest(folder)
    for rec in records:
        key = Path(rec.path).resolve().relative_to(folder.resolve()).as_posix()
        data["files"][key] = {
            "url": rec.url, "sha256": rec.sha256, "size": rec.size, "retrieved_at": rec.retrieved_at,
        }
    data["files"] = dict(sorted(data["files"].items()))
    atomic_write_text(json.dumps(data, indent=2) + "\n", folder / MANIFEST_NAME)


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat()


# --------------------------------------------------------------------------- core


def _check_args(url: str, sha256: str | None, retries: int, backoff: float, timeout: float,
                allow_file_urls: bool) -> str | None:
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
    if sha256 is None:
        return None
    digest = sha256.strip().lower()
    if not _SHA_RE.match(digest):
        raise ParameterError(f"sha256={sha256!r} is not a 64-character hex SHA-256 digest")
    return digest


def _fetch(url: str, tmp: Path, timeout: float) -> tuple[str, int]:
    """Stream ``url`` into ``tmp``; return (sha256, size). Raise _Retryable when transient."""
    req = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            length = resp.headers.get("Content-Length")
            h = hashlib.sha256()
            size = 0
            with open(tmp, "wb") as fh:
                while chunk := resp.read(_CHUNK):
                    fh.write(chunk)
                    h.update(chunk)
                    size += len(chunk)
    except urllib.error.HTTPError as exc:
        if exc.code >= 500 or exc.code in (408, 429):
            raise _Retryable(f"HTTP {exc.code} {exc.reason}") from exc
        raise DownloadError(
            f"{url}: the server answered HTTP {exc.code} {exc.reason}. Fix: check the address "
            "(for data.police.uk, that the month's archive is published)"
        ) from exc
    except urllib.error.URLError as exc:
        raise _Retryable(f"cannot connect ({exc.reason})") from exc
    except (http.client.HTTPException, ConnectionError, TimeoutError) as exc:
        raise _Retryable(f"connection failed mid-transfer ({type(exc).__name__}: {exc})") from exc
    if length is not None and length.isdigit() and size != int(length):
        raise _Retryable(f"connection closed early: got {size} of {length} bytes")
    return h.hexdigest(), size


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
) -> DownloadRecord:
    expected = _check_args(url, sha256, retries, backoff, timeout, allow_file_urls)
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
                    _record_in_manifest(dest.parent, [rec])
                return rec
            logger.info("%s exists but its SHA-256 differs; downloading again", dest)

    last: Exception | None = None
    attempts = 0
    for attempt in range(1, retries + 2):
        attempts = attempt
        try:
            with atomic_path(dest) as tmp:
                digest, size = _fetch(url, tmp, timeout)
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
                logger.warning("%s: attempt %d failed (%s); retrying in %.2fs", url, attempt, exc, delay)
                time.sleep(delay)
            continue
        rec = DownloadRecord(url, dest, digest, size, attempts, _now())
        logger.info("downloaded %s -> %s (%d bytes, sha256 %s)", url, dest, size, digest)
        if record:
            _record_in_manifest(dest.parent, [rec])
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

    Returns
    -------
    DownloadRecord

    Raises
    ------
    DownloadError
        Offline / unreachable after all retries (the message names the URL and says
        where to place the file by hand), HTTP 4xx, or a checksum mismatch.
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
                     timeout=timeout, force=force, allow_file_urls=allow_file_urls)


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
                         allow_file_urls=allow_file)
        archives.append(arec)
        try:
            extracted = _extract_street_files(zpath, url, targets, dest_dir)
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


def _extract_street_files(
    zpath: Path, url: str, targets: dict[str, tuple[pd.Period, str]], dest_dir: Path
) -> list[DownloadRecord]:
    try:
        zf = zipfile.ZipFile(zpath)
    except zipfile.BadZipFile as exc:
        raise DownloadError(
            f"{url} is not a valid zip archive ({exc}). Fix: check base_url points at the "
            "data.police.uk archive folder; delete the file and retry"
        ) from exc
    by_name = {PurePosixPath(n).name: n for n in zf.namelist() if n.endswith("-street.csv")}
    out = []
    with zf:
        for rel in targets:
            member = by_name.get(PurePosixPath(rel).name)
            if member is None:
                continue
            dest = dest_dir / rel
            h = hashlib.sha256()
            size = 0
            try:
                with zf.open(member) as src, atomic_path(dest) as tmp, open(tmp, "wb") as fh:
                    while chunk := src.read(_CHUNK):
                        fh.write(chunk)
                        h.update(chunk)
                        size += len(chunk)
            except (zipfile.BadZipFile, OSError) as exc:
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
