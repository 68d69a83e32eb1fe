"""HTTP core: one verified, atomic, retried download (:func:`download_file`).

Streams into a temporary file beside the destination, checks length, SHA-256 and
an optional content check, retries transient failures with exponential back-off
(honouring ``Retry-After``) within an overall deadline, follows redirects only to
http(s) addresses and records the result in the folder's manifest. Retry waits
call ``time.sleep`` through the :mod:`time` module (tests patch it there).
"""

from __future__ import annotations

import datetime as _dt
import email.utils
import hashlib
import http.client
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

from alliance_analysis.errors import DownloadError, ParameterError
from alliance_analysis.io import atomic_path, sha256_file

from ._common import _CHUNK, DEFAULT_DEADLINE, MAX_RETRY_AFTER, _now, logger
from .records import DownloadRecord, _record_in_manifest, read_manifest

_USER_AGENT = "alliance-analysis/0.1 (+https://data.police.uk; research use)"
_SHA_RE = re.compile(r"^[0-9a-f]{64}$")


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
