"""A police.uk archive opened for reading: a folder or a zip, with zip-bomb caps."""

from __future__ import annotations

import csv
import gzip
import io
import logging
import os
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import IO

import numpy as np
import pyarrow as pa

from alliance_analysis.datasets.police_uk._common import _ZIP_ERRORS, _Member
from alliance_analysis.datasets.police_uk.names import _MONTH_DIR_RE, parse_archive_name
from alliance_analysis.errors import DataValidationError, ParameterError

logger = logging.getLogger(__name__)

#: Default cap on the expanded size of one zip member (bytes). The largest real
#: police.uk street file (Metropolitan, one month) is about 25 MB.
MAX_MEMBER_BYTES: int = 2 * 1024**3
#: Default cap on a zip member's expanded / compressed size. police.uk CSV files
#: compress about 5-10 to 1; a zip bomb compresses 1000 to 1.
MAX_RATIO: float = 200.0
#: Longest header line read from a street file (bytes): the real header is about 120 bytes, so
#: a longer first line is refused rather than read as an empty month.
MAX_HEADER_BYTES: int = 1 << 16
#: Members smaller than this are never refused for their ratio (tiny files of
#: repeated text legitimately compress very well).
_RATIO_FLOOR = 1 << 20


class _CappedReader(io.RawIOBase):
    """Stream a zip member, refusing to expand it beyond ``limit`` bytes."""

    def __init__(self, fh: IO[bytes], limit: int, where: str, why: str) -> None:
        super().__init__()
        self._fh, self._limit, self._where, self._why = fh, limit, where, why
        self._total = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        n = self._fh.readinto(b)
        self._total += n
        if self._total > self._limit:
            raise DataValidationError(
                f"the member expands beyond {self._limit:,} bytes ({self._why}); refusing to "
                "read it (a damaged archive or a zip bomb)", file=self._where,
                fix="re-download the archive from data.police.uk, or raise max_member_bytes / "
                "max_ratio if the file is genuine",
            )
        return n

    def close(self) -> None:
        self._fh.close()
        super().close()


class _Source:
    """A folder or zip archive of police.uk files, opened for reading."""

    def __init__(self, source: str | Path, max_member_bytes: int = MAX_MEMBER_BYTES,
                 max_ratio: float = MAX_RATIO) -> None:
        if isinstance(max_member_bytes, bool) or not isinstance(max_member_bytes, int) \
                or max_member_bytes < 1:
            raise ParameterError(f"max_member_bytes={max_member_bytes!r} must be a positive integer "
                                 "(bytes). Fix: e.g. max_member_bytes=2 * 1024**3")
        if isinstance(max_ratio, bool) or not isinstance(max_ratio, (int, float)) \
                or not np.isfinite(max_ratio) or max_ratio < 1:
            raise ParameterError(f"max_ratio={max_ratio!r} must be a finite number >= 1. "
                                 "Fix: e.g. max_ratio=200")
        self.max_member_bytes, self.max_ratio = int(max_member_bytes), float(max_ratio)
        self.dangling: set[str] = set()
        path = Path(source)
        if not path.exists():
            raise ParameterError(
                f"police.uk archive '{path}' does not exist. Fix: pass the folder of "
                "YYYY-MM/YYYY-MM-<force>-street.csv files or the archive .zip "
                "(datasets.download.download_police_uk fetches them)"
            )
        self.path = path
        self.zip: zipfile.ZipFile | None = None
        if path.is_file():
            if not zipfile.is_zipfile(path):
                raise ParameterError(
                    f"police.uk archive '{path}' is a file but not a zip archive. Fix: pass "
                    "the archive .zip or the folder that holds the YYYY-MM month folders"
                )
            try:
                self.zip = zipfile.ZipFile(path)
            except (*_ZIP_ERRORS, OSError) as exc:
                raise DataValidationError(
                    f"the zip archive cannot be opened: {exc}", file=str(path),
                    fix="re-download the archive from data.police.uk",
                ) from exc

    def __enter__(self) -> _Source:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.zip is not None:
            self.zip.close()

    def _names(self) -> Iterator[str]:
        if self.zip is not None:
            for info in self.zip.infolist():
                if info.is_dir() or info.filename.startswith("__MACOSX/"):
                    continue
                yield info.filename
        else:
            # os.walk(followlinks=True) enters symlinked month folders (Path.rglob does
            # not); each real folder is entered once, so a link loop cannot recurse.
            visited: set[str] = set()
            root = str(self.path)
            for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
                real = os.path.realpath(dirpath)
                if real in visited:
                    logger.warning("%s: folder already read through another path (symlink loop "
                                   "or alias of %s); not read twice", dirpath, real)
                    dirnames[:] = []
                    continue
                visited.add(real)
                dirnames.sort()
                for f in sorted(filenames):
                    full = os.path.join(dirpath, f)
                    rel = Path(os.path.relpath(full, root)).as_posix()
                    if os.path.isfile(full):
                        yield rel
                    elif os.path.islink(full) and not os.path.exists(full):
                        self.dangling.add(rel)
                        yield rel

    def members(self) -> list[_Member]:
        """Every CSV file, classified by its name (sorted by name)."""
        out = []
        for name in sorted(self._names()):
            pp = PurePosixPath(name)
            lower = pp.name.lower()
            if not (lower.endswith(".csv") or lower.endswith(".csv.gz")) or pp.name.startswith("."):
                logger.debug("ignoring non-CSV file %s", name)
                continue
            parsed = parse_archive_name(pp.name[:-3] if lower.endswith(".gz") else pp.name)
            parent = pp.parent.name
            folder_month = parent if _MONTH_DIR_RE.match(parent) else None
            dangling = name in self.dangling
            if dangling:
                logger.warning("%s: symbolic link to a missing file", self.display_name(name))
            if parsed is None:
                out.append(_Member(name, None, None, None, folder_month, dangling))
            else:
                out.append(_Member(name, parsed[0], parsed[1], parsed[2], folder_month, dangling))
        return out

    def display_name(self, name: str) -> str:
        """Human-readable location of a path inside the source."""
        if self.zip is not None:
            return f"{self.path}!{name}"
        return str(self.path / name)

    def display(self, member: _Member) -> str:
        """Human-readable location of a member for messages."""
        return self.display_name(member.name)

    def _check_member(self, member: _Member) -> tuple[int, str]:
        """Refuse a zip member whose declared size or ratio exceeds the caps; return the
        streaming limit and its reason."""
        assert self.zip is not None
        where = self.display(member)
        info = self.zip.getinfo(member.name)
        if info.file_size > self.max_member_bytes:
            raise DataValidationError(
                f"the member declares {info.file_size:,} bytes expanded, above "
                f"max_member_bytes={self.max_member_bytes:,}", file=where,
                fix="re-download the archive, or raise max_member_bytes if the file is genuine",
            )
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > _RATIO_FLOOR and ratio > self.max_ratio:
            raise DataValidationError(
                f"the member's compression ratio is {ratio:,.0f}:1 ({info.compress_size:,} -> "
                f"{info.file_size:,} bytes), above max_ratio={self.max_ratio:g} (a zip bomb?)",
                file=where, fix="re-download the archive from data.police.uk, or raise max_ratio "
                "if the file is genuine",
            )
        by_ratio = max(int(self.max_ratio * max(info.compress_size, 1)), _RATIO_FLOOR)
        if by_ratio < self.max_member_bytes:
            return by_ratio, f"max_ratio={self.max_ratio:g} of {info.compress_size:,} compressed bytes"
        return self.max_member_bytes, f"max_member_bytes={self.max_member_bytes:,}"

    def open(self, member: _Member) -> IO[bytes]:
        """A binary stream of the member: the file, or the zip member streamed with caps."""
        if member.dangling:
            raise DataValidationError(
                "the file is a symbolic link to a missing target", file=self.display(member),
                fix="restore the link's target or remove the link",
            )
        if self.zip is None:
            return open(self.path / member.name, "rb")
        limit, why = self._check_member(member)
        try:
            fh = self.zip.open(member.name)
        except (*_ZIP_ERRORS, OSError) as exc:
            raise DataValidationError(
                f"the zip member cannot be read: {exc}", file=self.display(member),
                fix="re-download the archive from data.police.uk",
            ) from exc
        return _CappedReader(fh, limit, self.display(member), why)  # type: ignore[return-value]

    def reader(self, member: _Member) -> IO[bytes] | pa.NativeFile:
        """Something pyarrow.csv can read: a stream, never the whole member in memory
        (a native Arrow file on disk, so parsing threads need not hold the GIL)."""
        if member.name.lower().endswith(".gz"):  # a month saved gzipped: streamed, expanded size capped
            return _CappedReader(gzip.GzipFile(fileobj=self.open(member)), self.max_member_bytes,  # type: ignore
                                 self.display(member), f"max_member_bytes={self.max_member_bytes:,}")
        if self.zip is None and not member.dangling:
            return pa.OSFile(str(self.path / member.name))
        return self.open(member)

    def header(self, member: _Member) -> list[str] | None:
        """The header row of a member, or None when the file is empty."""
        try:
            with self.open(member) as fh:
                first = (gzip.GzipFile(fileobj=fh) if member.name.endswith(".gz") else fh).read(MAX_HEADER_BYTES)
        except (*_ZIP_ERRORS, gzip.BadGzipFile, OSError) as exc:
            raise DataValidationError(
                f"the file cannot be read: {exc}", file=self.display(member),
                fix="re-download the month from data.police.uk",
            ) from exc
        m = re.search(rb"\r\n|\n|\r", first)
        if m is None and len(first) >= MAX_HEADER_BYTES:
            raise DataValidationError(
                f"the header line is longer than {MAX_HEADER_BYTES:,} bytes (a street file's header is about "
                "120 bytes), so its rows cannot be told apart from the header", file=self.display(member),
                fix="use the unmodified data.police.uk street file (re-download the month)")
        line = first[: m.start()] if m else first
        text = line.decode("utf-8-sig", errors="replace")
        if not text.strip():
            return None
        return next(csv.reader(io.StringIO(text)))
