"""data.police.uk street-level archives -> tidy monthly crime counts.

data.police.uk publishes one CSV per force and month,
``YYYY-MM/YYYY-MM-<force-slug>-street.csv``, with the columns ``Crime ID, Month,
Reported by, Falls within, Longitude, Latitude, Location, LSOA code, LSOA name,
Crime type, Last outcome category, Context``. The monthly archive zip has the same
layout (sometimes under one top folder) and also carries ``-outcomes.csv`` and
``-stop-and-search.csv`` files, which are not street records and are ignored.

:func:`load_street_archive` streams the files one at a time with ``pyarrow.csv``,
reading only the columns it needs (``Crime ID``, ``Month``, ``Longitude``,
``Crime type`` and, when asked, ``LSOA code``) and aggregating each file before
the next one is opened, so memory is bounded by the largest single file, not by the
archive. The force comes from the file name slug (``west-mercia`` -> ``West Mercia``);
files of forces or months not asked for are skipped by name without being opened.

Rules applied to every street file (each has a test):

* **Empty months.** A header-only file contributes no rows; it is listed in
  ``df.attrs["empty_files"]`` and in :func:`archive_inventory` (status ``empty``),
  which also lists months with no file at all (status ``missing``).
* **Duplicate Crime IDs.** Each non-empty ``Crime ID`` is counted once per file,
  i.e. once per force and month (the first row wins). Anti-social behaviour rows have
  an empty ``Crime ID`` and are all kept. The number dropped is logged and stored in
  ``df.attrs["duplicates_dropped"]``.
* **Missing coordinates.** Rows without ``Longitude`` are kept (they still count);
  their number is in ``df.attrs["missing_coordinates"]``. Their ``LSOA code`` is
  usually empty too; with ``by_lsoa=True`` they appear with ``lsoa_code`` = ``<NA>``.
* **Month disagreement.** A file whose ``Month`` values differ from the month in its
  name or folder raises :class:`~alliance_analysis.errors.DataValidationError`
  naming the file, the first offending row and both months.
* **Unknown crime types** raise one ``DataValidationError`` listing every unknown
  type and the files it occurs in (pre-May-2013 types such as ``Violent crime`` are
  known, see :mod:`alliance_analysis.taxonomy`).
* **Unexpected file names.** Decision: a ``.csv`` file whose name is not
  ``YYYY-MM-<force-slug>-(street|outcomes|stop-and-search).csv`` *raises* (naming it)
  rather than being skipped, because a renamed or browser-duplicated street file
  (``...-street (1).csv``) silently skipped would silently lose or double crimes.
  Non-CSV files (READMEs, ``.DS_Store``) are ignored. Two files for the same force
  and month also raise.
* **Required columns** are checked per file from its header; the error names the
  file and every missing column.

Examples
--------
>>> import tempfile, pathlib
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> (root / "2020-01").mkdir()
>>> _ = (root / "2020-01" / "2020-01-dorset-street.csv").write_text(
...     "Crime ID,Month,Longitude,Crime type\\n"
...     "a1,2020-01,-2.1,Burglary\\n"
...     "a1,2020-01,-2.1,Burglary\\n"
...     ",2020-01,,Anti-social behaviour\\n")
>>> df = load_street_archive(root)
>>> df[["force", "crime_type", "count"]].values.tolist()
[['Dorset', 'Anti-social behaviour', 1], ['Dorset', 'Burglary', 1]]
>>> df.attrs["duplicates_dropped"], df.attrs["missing_coordinates"]
(1, 1)
"""

from __future__ import annotations

import csv
import functools
import io
import logging
import os
import re
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from typing import IO
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from alliance_analysis.progress import tqdm

from alliance_analysis import clean, parallel, taxonomy
from alliance_analysis.errors import DataValidationError, ParameterError

logger = logging.getLogger(__name__)

__all__ = ["load_street_archive", "archive_inventory", "parse_archive_name", "STREET_COLUMNS"]

#: The columns of a data.police.uk street-level file, in order.
STREET_COLUMNS: tuple[str, ...] = (
    "Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude",
    "Location", "LSOA code", "LSOA name", "Crime type", "Last outcome category", "Context",
)

_NAME_RE = re.compile(
    r"^(?P<month>\d{4}-\d{2})-(?P<slug>[a-z0-9]+(?:-[a-z0-9]+)*?)-"
    r"(?P<kind>street|outcomes|stop-and-search)\.csv$"
)
_MONTH_DIR_RE = re.compile(r"^\d{4}-\d{2}$")
_DICT = pa.dictionary(pa.int32(), pa.string())
_NAME_FIX = (
    "name street files YYYY-MM-<force-slug>-street.csv (e.g. 2022-02-west-mercia-street.csv) "
    "inside a YYYY-MM folder, or move other CSV files out of the archive folder"
)

_OUT_COLUMNS = ["force", "month", "crime_type", "count"]


def _arrow_pool() -> pa.MemoryPool:
    """Arrow memory for the per-file tables: jemalloc where pyarrow ships it (Linux, macOS).

    Measured with ``threads=4`` (2 cores): peak RSS at 5 / 20 M rows 156 / 167 MB with
    jemalloc, 287 / 288 MB with Arrow's default mimalloc (a heap per reading thread) and
    191 / 364 MB with the system allocator (fragmenting with the input), at the same speed.
    """
    try:
        return pa.jemalloc_memory_pool()
    except NotImplementedError:  # a pyarrow build without jemalloc (Windows)
        return pa.default_memory_pool()


_POOL = _arrow_pool()

#: Default cap on the expanded size of one zip member (bytes). The largest real
#: police.uk street file (Metropolitan, one month) is about 25 MB.
MAX_MEMBER_BYTES: int = 2 * 1024**3
#: Default cap on a zip member's expanded / compressed size. police.uk CSV files
#: compress about 5-10 to 1; a zip bomb compresses 1000 to 1.
MAX_RATIO: float = 200.0
#: Members smaller than this are never refused for their ratio (tiny files of
#: repeated text legitimately compress very well).
_RATIO_FLOOR = 1 << 20
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError)


# --------------------------------------------------------------------------- names


def parse_archive_name(name: str) -> tuple[pd.Period, str, str] | None:
    """Split a data.police.uk archive file name into (month, force slug, kind).

    Parameters
    ----------
    name : str
        A file name (no folder), e.g. ``"2022-02-west-mercia-street.csv"``.

    Returns
    -------
    tuple or None
        ``(Period[M], slug, kind)`` with ``kind`` one of ``street``, ``outcomes``,
        ``stop-and-search``; ``None`` when the name does not follow the pattern
        (or the month is not a real month).

    Examples
    --------
    >>> parse_archive_name("2022-02-devon-and-cornwall-street.csv")
    (Period('2022-02', 'M'), 'devon-and-cornwall', 'street')
    >>> parse_archive_name("2022-02-dorset-stop-and-search.csv")[2]
    'stop-and-search'
    >>> parse_archive_name("crimes (1).csv") is None
    True
    """
    m = _NAME_RE.match(name)
    if not m:
        return None
    year, month = (int(x) for x in m.group("month").split("-"))
    if not 1 <= month <= 12:
        return None
    return pd.Period(year=year, month=month, freq="M"), m.group("slug"), m.group("kind")


@dataclass(frozen=True)
class _Member:
    """One CSV file of the archive (on disk or inside a zip)."""

    name: str  # path relative to the source, posix
    month: pd.Period | None
    slug: str | None
    kind: str | None
    folder_month: str | None  # parent folder name when it looks like YYYY-MM
    dangling: bool = False  # a symbolic link whose target does not exist


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
            if pp.suffix.lower() != ".csv" or pp.name.startswith("."):
                logger.debug("ignoring non-CSV file %s", name)
                continue
            parsed = parse_archive_name(pp.name)
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
        if self.zip is None and not member.dangling:
            return pa.OSFile(str(self.path / member.name))
        return self.open(member)

    def header(self, member: _Member) -> list[str] | None:
        """The header row of a member, or None when the file is empty."""
        try:
            with self.open(member) as fh:
                first = fh.readline(1 << 16)
        except _ZIP_ERRORS as exc:
            raise DataValidationError(
                f"the zip member cannot be read: {exc}", file=self.display(member),
                fix="re-download the archive from data.police.uk",
            ) from exc
        text = first.decode("utf-8-sig", errors="replace").strip("\r\n")
        if not text.strip():
            return None
        return [c.strip() for c in next(csv.reader(io.StringIO(text)))]


def _force_of(slug: str) -> str | None:
    try:
        return clean.canonical_force_name(slug)
    except DataValidationError:
        return None


def _parse_month(value: object, name: str) -> pd.Period | None:
    if value is None:
        return None
    if isinstance(value, str) and not re.match(r"^\s*\d{4}-\d{1,2}(-\d{1,2})?\s*$", value):
        raise ParameterError(
            f"{name}={value!r} is not a month. Fix: write it as 'YYYY-MM', e.g. '2022-04'"
        )
    try:
        return pd.Period(value, freq="M")
    except (ValueError, TypeError) as exc:
        raise ParameterError(
            f"{name}={value!r} is not a month. Fix: write it as 'YYYY-MM', e.g. '2022-04'"
        ) from exc


def _resolve_force_filter(forces: str | Sequence[str] | None) -> set[str] | None:
    if forces is None:
        return None
    if not isinstance(forces, str) and len(forces) == 0:
        raise ParameterError("forces=[] selects nothing. Fix: pass force names or None for all forces")
    try:
        return set(clean.resolve_forces(forces))
    except DataValidationError as exc:
        raise ParameterError(f"forces={forces!r}: {exc}") from exc


# --------------------------------------------------------------------------- per file


@dataclass
class _FileResult:
    table: pa.Table  # crime type (raw), [lsoa], count_all
    rows: int
    duplicates: int
    missing_coordinates: int


def _first_row_where(mask: pa.ChunkedArray | pa.Array) -> int:
    arr = mask.combine_chunks() if isinstance(mask, pa.ChunkedArray) else mask
    idx = np.flatnonzero(arr.to_numpy(zero_copy_only=False))
    return int(idx[0]) + 1  # 1-based data row


def _read_street_file(src: _Source, member: _Member, expected: pd.Period, by_lsoa: bool) -> _FileResult:
    where = src.display(member)
    header = src.header(member)
    if header is None:
        raise DataValidationError(
            "the file is empty (no header row)", file=where,
            fix="re-download the month; a month with no crimes still has the header row",
        )
    required = ["Crime ID", "Month", "Longitude", "Crime type"] + (["LSOA code"] if by_lsoa else [])
    missing = [c for c in required if c not in header]
    if missing:
        raise DataValidationError(
            f"required columns {missing} are missing (found {header})", file=where,
            column=missing[0],
            fix="use the unmodified data.police.uk street file, whose header starts "
            "'Crime ID,Month,Reported by,Falls within,Longitude,...'",
        )
    types = {"Crime ID": pa.binary(), "Month": _DICT, "Crime type": _DICT, "Longitude": pa.float64()}
    if by_lsoa:
        types["LSOA code"] = _DICT
    try:
        with src.reader(member) as stream:
            table = pacsv.read_csv(
                stream,
                read_options=pacsv.ReadOptions(use_threads=False),
                convert_options=pacsv.ConvertOptions(
                    include_columns=required, column_types=types, strings_can_be_null=False,
                ),
                memory_pool=_POOL,
            )
    except pa.ArrowInvalid as exc:
        if "Empty CSV file" in str(exc):
            # a header row with no newline and no records: a month with no crimes
            return _FileResult(pa.table({}), 0, 0, 0)
        # Arrow numbers the column by its position in the file ("In CSV column #4: ...")
        m = re.search(r"CSV column #(\d+)", str(exc))
        column = header[int(m.group(1))] if m and int(m.group(1)) < len(header) else None
        raise DataValidationError(
            f"could not parse the CSV: {exc}", file=where, column=column,
            fix="check the file is an unmodified data.police.uk street file (re-download it); "
            "Longitude must be a number or empty",
        ) from exc
    except _ZIP_ERRORS as exc:
        raise DataValidationError(
            f"the zip member is damaged ({type(exc).__name__}: {exc})", file=where,
            fix="re-download the archive from data.police.uk",
        ) from exc
    n = table.num_rows
    if n == 0:
        return _FileResult(pa.table({}), 0, 0, 0)
    table = table.unify_dictionaries(memory_pool=_POOL)

    # Month column must agree with the file's month. After unify_dictionaries every
    # chunk shares one dictionary holding exactly the values seen in the file.
    exp = str(expected)
    seen = set(_dictionary(table["Month"]).to_pylist())
    if seen != {exp}:
        month_text = table["Month"].cast(pa.string())
        row = _first_row_where(pc.not_equal(month_text, exp))
        other = month_text[row - 1].as_py()
        named_by = "file name and its folder say" if member.folder_month else "file name says"
        raise DataValidationError(
            f"the Month column says {other!r} but the {named_by} {exp} "
            f"(months in the file: {sorted(seen)})",
            file=where, column="Month", row=row,
            fix="put each file in the YYYY-MM folder of the month its rows belong to "
            "(the folder, the file name and the Month column must agree)",
        )

    # Duplicate Crime IDs: count each non-empty ID once (first row wins).
    ids = table["Crime ID"]
    has_id = _nonempty(ids)
    n_with_id = int(has_id.sum())
    distinct = len(pc.unique(ids, memory_pool=_POOL))
    n_unique = distinct - (1 if n_with_id < n else 0)  # "" is one of the distinct values
    duplicates = n_with_id - n_unique
    keep: np.ndarray | None = None
    if duplicates:
        rows = np.arange(n, dtype=np.int64)
        firsts = (pa.table({"id": ids, "row": rows}).filter(pa.array(has_id))
                  .group_by("id", use_threads=False).aggregate([("row", "min")]))
        keep = np.sort(np.concatenate([firsts["row_min"].to_numpy(), rows[~has_id]]))
        logger.warning("%s: dropped %d duplicate Crime ID row(s)", where, duplicates)

    lon = table["Longitude"]
    if keep is None:
        missing_xy = lon.null_count
    else:
        missing_xy = int(np.isnan(lon.to_numpy()[keep]).sum())

    # Counts per crime type (x LSOA) straight from the dictionary codes.
    ct_dict, ct_codes = _dictionary(table["Crime type"]), _codes(table["Crime type"])
    if keep is not None:
        ct_codes = ct_codes[keep]
    cols: dict[str, pa.Array] = {}
    if by_lsoa:
        ls_dict, ls_codes = _dictionary(table["LSOA code"]), _codes(table["LSOA code"])
        if keep is not None:
            ls_codes = ls_codes[keep]
        width = len(ls_dict)
        tally = np.bincount(ct_codes.astype(np.int64) * width + ls_codes, minlength=len(ct_dict) * width)
        nz = np.flatnonzero(tally)
        cols["Crime type"] = pa.DictionaryArray.from_arrays(pa.array(nz // width, pa.int32()), ct_dict)
        cols["LSOA code"] = pa.DictionaryArray.from_arrays(pa.array(nz % width, pa.int32()), ls_dict)
    else:
        tally = np.bincount(ct_codes, minlength=len(ct_dict))
        nz = np.flatnonzero(tally)
        cols["Crime type"] = pa.DictionaryArray.from_arrays(pa.array(nz, pa.int32()), ct_dict)
    cols["count_all"] = pa.array(tally[nz], pa.int64())
    return _FileResult(pa.table(cols), n, duplicates, int(missing_xy))


def _dictionary(col: pa.ChunkedArray) -> pa.Array:
    """The (unified) dictionary of a dictionary-typed chunked column."""
    return col.chunk(0).dictionary if col.num_chunks else pa.array([], pa.string())


def _codes(col: pa.ChunkedArray) -> np.ndarray:
    """The dictionary codes of a unified dictionary column as one int64 numpy array."""
    return np.concatenate([c.indices.to_numpy(zero_copy_only=False) for c in col.chunks]).astype(np.int64)


def _nonempty(col: pa.ChunkedArray) -> np.ndarray:
    """Boolean numpy mask of non-empty strings, from the Arrow offsets (no copies)."""
    parts = []
    for c in col.chunks:
        offsets = np.frombuffer(c.buffers()[1], dtype=np.int32)[c.offset: c.offset + len(c) + 1]
        parts.append(np.diff(offsets) > 0)
    return np.concatenate(parts) if parts else np.zeros(0, dtype=bool)


# --------------------------------------------------------------------------- public


def _select(
    src: _Source, wanted: set[str] | None, lo: pd.Period | None, hi: pd.Period | None
) -> list[tuple[_Member, str]]:
    """Choose the street files to read; raise on bad names, clashes or folder mismatches."""
    members = src.members()
    bad = [m for m in members if m.kind is None]
    if bad:
        names = ", ".join(src.display(m) for m in bad[:10])
        more = f" (and {len(bad) - 10} more)" if len(bad) > 10 else ""
        raise DataValidationError(
            f"{len(bad)} CSV file(s) do not follow the data.police.uk naming pattern: {names}{more}",
            file=src.display(bad[0]), fix=_NAME_FIX,
        )
    chosen: list[tuple[_Member, str]] = []
    unknown: list[_Member] = []
    seen: dict[tuple[str, pd.Period], _Member] = {}
    for m in members:
        if m.kind != "street":
            logger.debug("skipping %s (%s file)", m.name, m.kind)
            continue
        if (lo is not None and m.month < lo) or (hi is not None and m.month > hi):
            continue
        force = _force_of(m.slug)
        if force is None:
            if wanted is None:
                unknown.append(m)
            else:
                logger.debug("skipping %s: force slug %r is not a known force", m.name, m.slug)
            continue
        if wanted is not None and force not in wanted:
            continue
        if m.folder_month is not None and m.folder_month != str(m.month):
            raise DataValidationError(
                f"the file name says month {m.month} but it sits in month folder {m.folder_month}",
                file=src.display(m),
                fix="move the file into the folder of its month (folder, file name and "
                "Month column must agree)",
            )
        if m.dangling:
            raise DataValidationError(
                f"the street file for {force} {m.month} is a symbolic link to a missing target; "
                "reading on without it would silently lose that month",
                file=src.display(m), fix="restore the link's target, or remove the link (the "
                "month then shows as missing in archive_inventory)",
            )
        key = (force, m.month)
        if key in seen:
            raise DataValidationError(
                f"two street files for {force} {m.month}: {src.display(seen[key])} and "
                f"{src.display(m)}; reading both would double-count",
                file=src.display(m), fix="keep one copy of each month's file",
            )
        seen[key] = m
        chosen.append((m, force))
    if unknown:
        slugs = sorted({m.slug for m in unknown})
        raise DataValidationError(
            f"force slug(s) {slugs} are not known police forces "
            f"(files: {', '.join(src.display(m) for m in unknown[:5])})",
            file=src.display(unknown[0]),
            fix="pass forces=[...] to read only known forces, or add an alias in "
            "alliance_analysis/clean.py",
        )
    return chosen


class _Accumulator:
    """Per-file aggregates held as integer codes against shared dictionaries.

    Memory grows with the number of output rows (a few integers each), never with
    Python objects per row: force, month, crime type and LSOA are codes into small
    lists, turned into strings once at the end.
    """

    def __init__(self, by_lsoa: bool) -> None:
        self.by_lsoa = by_lsoa
        self.forces: dict[str, int] = {}
        self.types: dict[str, int] = {}
        self.lsoas: dict[str, int] = {}
        self.type_map: dict[str, str | None] = {}
        self.unknown: dict[str, list[str]] = {}
        self.parts: list[tuple[int, int, np.ndarray, np.ndarray | None, np.ndarray]] = []
        self.totals = {"rows": 0, "dups": 0, "xy": 0}
        self.empty: list[str] = []

    def add(self, src: _Source, member: _Member, force: str, res: _FileResult) -> None:
        self.totals["rows"] += res.rows
        self.totals["dups"] += res.duplicates
        self.totals["xy"] += res.missing_coordinates
        if res.rows == 0:
            self.empty.append(member.name)
            logger.info("%s: header only, no records for %s %s", member.name, force, member.month)
            return
        ct = res.table["Crime type"].combine_chunks()
        raw_types = ct.dictionary.to_pylist()
        codes = np.empty(len(raw_types), dtype=np.int64)
        for i, raw in enumerate(raw_types):
            if raw not in self.type_map:
                try:
                    self.type_map[raw] = taxonomy.canonical_crime_type(raw)
                except DataValidationError:
                    self.type_map[raw] = None
            canon = self.type_map[raw]
            if canon is None:
                self.unknown.setdefault(raw, []).append(src.display(member))
                codes[i] = -1
            else:
                codes[i] = self.types.setdefault(canon, len(self.types))
        if self.unknown:
            return  # keep scanning so the error can list every unknown type
        ct_codes = codes[ct.indices.to_numpy(zero_copy_only=False)]
        counts = res.table["count_all"].to_numpy()
        if self.by_lsoa:
            ls = res.table["LSOA code"].combine_chunks()
            ls_raw = ls.dictionary.to_pylist()
            ls_map = np.array([-1 if not v else self.lsoas.setdefault(v, len(self.lsoas))
                               for v in ls_raw], dtype=np.int64)
            ls_codes = ls_map[ls.indices.to_numpy(zero_copy_only=False)]
            key = ct_codes * (len(self.lsoas) + 1) + (ls_codes + 1)
        else:
            ls_codes = None
            key = ct_codes
        # two spellings of one crime type in a file are merged here
        uniq, inv = np.unique(key, return_inverse=True)
        if len(uniq) < len(key):
            counts = np.bincount(inv, weights=counts, minlength=len(uniq)).astype(np.int64)
            first = np.zeros(len(uniq), dtype=np.int64)
            first[inv[::-1]] = np.arange(len(key))[::-1]
            ct_codes = ct_codes[first]
            ls_codes = ls_codes[first] if ls_codes is not None else None
        f = self.forces.setdefault(force, len(self.forces))
        # int32 everywhere: a cell of one force-month file never holds 2**31 records
        self.parts.append((f, int(member.month.ordinal), ct_codes.astype(np.int32),
                           None if ls_codes is None else ls_codes.astype(np.int32),
                           counts.astype(np.int32)))

    def frame(self) -> pd.DataFrame:
        """The tidy frame, sorted by force, month, crime type [, LSOA (missing last)]."""
        if not self.parts:
            return _empty_frame(self.by_lsoa)
        # Memory matters here (20 M rows by LSOA give ~7 M cells): int32 codes, every
        # unsorted array freed as soon as its sorted copy exists, strings built last.
        sizes = np.array([len(p[4]) for p in self.parts])
        force = np.repeat(np.array([p[0] for p in self.parts], dtype=np.int32), sizes)
        month = np.repeat(np.array([p[1] for p in self.parts], dtype=np.int32), sizes)
        ctype = np.concatenate([p[2] for p in self.parts])
        count = np.concatenate([p[4] for p in self.parts])
        lsoa = np.concatenate([p[3] for p in self.parts]) if self.by_lsoa else None  # type: ignore[misc]
        self.parts = []

        def ranks(names: dict[str, int]) -> tuple[list[str], np.ndarray]:
            ordered = sorted(names)
            rank = np.empty(len(names) + 1, dtype=np.int32)
            for r, name in enumerate(ordered):
                rank[names[name]] = r
            rank[-1] = -1  # code -1 (missing) stays missing
            return ordered, rank

        f_names, f_rank = ranks(self.forces)
        t_names, t_rank = ranks(self.types)
        force = f_rank[force]
        ctype = t_rank[ctype]
        if lsoa is not None:
            l_names, l_rank = ranks(self.lsoas)
            lsoa = l_rank[lsoa]
            lsoa[lsoa < 0] = len(l_names)  # missing LSOA sorts last ...
            order = np.lexsort([lsoa, ctype, month, force])
            lsoa = lsoa[order]
            lsoa[lsoa == len(l_names)] = -1  # ... and is missing again
        else:
            order = np.lexsort([ctype, month, force])
        force, month, ctype, count = force[order], month[order], ctype[order], count[order]
        del order
        cols: dict[str, object] = {"force": _strings(force, f_names)}
        del force
        cols["month"] = pd.PeriodIndex.from_ordinals(month.astype(np.int64), freq="M")
        del month
        cols["crime_type"] = _strings(ctype, t_names)
        del ctype
        if lsoa is not None:
            cols["lsoa_code"] = _strings(lsoa, l_names)
            del lsoa
        cols["count"] = count.astype(np.int64)
        del count
        return pd.DataFrame(cols, copy=False)


def _strings(codes: np.ndarray, names: list[str]) -> pd.Series:
    """A ``str`` column from integer codes into ``names`` (code -1 is missing)."""
    missing = codes < 0
    idx = pa.array(codes, pa.int32(), mask=missing) if missing.any() else pa.array(codes, pa.int32())
    arr = pa.array(names, pa.large_string()).take(idx)
    return pd.Series(arr.to_pandas(), dtype="str")


def _empty_frame(by_lsoa: bool) -> pd.DataFrame:
    cols = {
        "force": pd.Series([], dtype="str"),
        "month": pd.Series(pd.PeriodIndex([], freq="M")),
        "crime_type": pd.Series([], dtype="str"),
    }
    if by_lsoa:
        cols["lsoa_code"] = pd.Series([], dtype="str")
    cols["count"] = pd.Series([], dtype="int64")
    return pd.DataFrame(cols)


def load_street_archive(
    source: str | Path,
    forces: str | Sequence[str] | None = None,
    start: object | None = None,
    end: object | None = None,
    by_lsoa: bool = False,
    progress: bool = False,
    *,
    threads: int | None = None,
    workers: int | None = None,
    client: object | None = None,
    max_member_bytes: int = MAX_MEMBER_BYTES,
    max_ratio: float = MAX_RATIO,
) -> pd.DataFrame:
    """Aggregate data.police.uk street files to force x month x crime type counts.

    Parameters
    ----------
    source : str or Path
        A folder of ``YYYY-MM/YYYY-MM-<force-slug>-street.csv`` files (searched
        recursively) or the archive ``.zip`` with the same layout, possibly under
        one top folder.
    forces : str or sequence of str, optional
        Force names in any spelling, or a group name such as
        ``"Warwickshire and West Mercia"`` (see :func:`clean.resolve_forces`).
        Files of other forces are skipped by name without being read. ``None``
        reads every force.
    start, end : str or Period, optional
        First and last month to read (inclusive), e.g. ``"2022-04"``.
    by_lsoa : bool, default False
        Also break counts down by ``lsoa_code`` (``<NA>`` where the record has none).
    progress : bool, default False
        Show a tqdm progress bar over files.
    threads : int, optional
        In-process: files parsed concurrently (pyarrow releases the GIL while
        parsing). Default ``min(4, 2 * os.cpu_count())``; memory grows with
        ``threads`` x the largest file, never with the number of files. ``1`` reads
        strictly one at a time.
    workers : int, optional
        Read the files on a local Dask cluster of this many worker processes (one
        task per file; see :mod:`alliance_analysis.parallel`). Same result as
        in-process.
    client : distributed.Client or str, optional
        Read the files on this Dask client or scheduler address instead. The
        workers must see ``source`` at the same path.
    max_member_bytes : int, default 2 GiB
        Largest expanded size accepted for one zip member (streamed, never read
        whole into memory).
    max_ratio : float, default 200
        Largest expanded/compressed ratio accepted for a zip member above 1 MiB.

    Returns
    -------
    DataFrame
        Columns ``force`` (canonical name), ``month`` (Period[M]), ``crime_type``
        (canonical police.uk type), [``lsoa_code``], ``count`` (int64), sorted by
        the key columns. Only combinations with at least one record appear;
        header-only months give no rows (see ``attrs["empty_files"]`` and
        :func:`archive_inventory`). ``attrs`` holds ``source``, ``files_read``,
        ``rows_read``, ``duplicates_dropped``, ``missing_coordinates`` and
        ``empty_files``.

    Raises
    ------
    ParameterError
        If ``source`` does not exist, or ``forces`` / ``start`` / ``end`` are invalid.
    DataValidationError
        For a damaged zip member or one beyond the size/ratio caps, a street file
        that is a dangling symbolic link, a file with a non-standard name, a missing required column, a Month
        column that disagrees with its folder / file name, unknown crime types
        (all listed), two files for one force and month, or when no street file
        matches the selection.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> for m in ("2020-01", "2020-02"):
    ...     (root / m).mkdir()
    ...     _ = (root / m / f"{m}-west-mercia-street.csv").write_text(
    ...         f"Crime ID,Month,Longitude,Crime type\\nx,{m},-2.2,Drugs\\ny,{m},-2.2,Drugs\\n")
    >>> df = load_street_archive(root, forces="West Mercia Police", start="2020-02")
    >>> df.astype({"month": str}).values.tolist()
    [['West Mercia', '2020-02', 'Drugs', 2]]
    """
    if not isinstance(by_lsoa, bool):
        raise ParameterError(f"by_lsoa={by_lsoa!r} must be True or False")
    lo, hi = _parse_month(start, "start"), _parse_month(end, "end")
    if lo is not None and hi is not None and lo > hi:
        raise ParameterError(f"start={lo} is after end={hi}. Fix: swap them")
    wanted = _resolve_force_filter(forces)
    if threads is None:
        threads = min(4, 2 * (os.cpu_count() or 1))
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise ParameterError(f"threads={threads!r} must be a positive integer. Fix: e.g. threads=2")

    acc = _Accumulator(by_lsoa)
    with _Source(source, max_member_bytes, max_ratio) as src:
        chosen = _select(src, wanted, lo, hi)
        if not chosen:
            raise DataValidationError(
                f"no street files for forces={sorted(wanted) if wanted else 'all'} "
                f"between {lo or 'the first month'} and {hi or 'the last month'}",
                file=str(src.path),
                fix="check the forces and months asked for against archive_inventory(source)",
            )
        bar = tqdm(total=len(chosen), desc="police.uk files", unit="file", disable=not progress)
        if workers is not None or client is not None:
            task = functools.partial(_read_task, str(src.path.resolve()), max_member_bytes, max_ratio,
                                     by_lsoa)
            with parallel.dask_client(workers, client) as dclient:  # type: ignore[arg-type]
                results = parallel.map_tasks(task, [m for m, _ in chosen], client=dclient)
            for (member, force), res in zip(chosen, results):
                acc.add(src, member, force, res)
                bar.update()
        else:
            with ThreadPoolExecutor(max_workers=threads) as pool:
                it = pool.map(lambda mf: _read_street_file(src, mf[0], mf[0].month, by_lsoa), chosen)
                try:
                    for (member, force), res in zip(chosen, it):
                        acc.add(src, member, force, res)
                        bar.update()
                except BaseException:
                    pool.shutdown(wait=True, cancel_futures=True)  # do not read the rest after an error
                    raise
        bar.close()
        unknown = acc.unknown
        if unknown:
            listing = "; ".join(
                f"{t!r} in {', '.join(sorted(set(files)))}" for t, files in sorted(unknown.items())
            )
            raise DataValidationError(
                f"{len(unknown)} unknown crime type(s): {listing}",
                file=sorted(set(unknown[min(unknown)]))[0], column="Crime type",
                fix=f"police.uk types are {', '.join(taxonomy.POLICE_UK_CRIME_TYPES)}; correct "
                "the file or add the spelling to alliance_analysis/taxonomy.py",
            )

    df = acc.frame()
    totals, empty = acc.totals, acc.empty
    df.attrs.update(
        source=str(Path(source)),
        files_read=len(chosen),
        rows_read=totals["rows"],
        duplicates_dropped=totals["dups"],
        missing_coordinates=totals["xy"],
        empty_files=empty,
    )
    if totals["dups"]:
        logger.warning("dropped %d duplicate Crime ID row(s) in total", totals["dups"])
    logger.info(
        "read %d street file(s), %d rows -> %d aggregate rows (%d duplicates dropped, "
        "%d without coordinates, %d empty files)",
        len(chosen), totals["rows"], len(df), totals["dups"], totals["xy"], len(empty),
    )
    return df


def _read_task(source: str, max_member_bytes: int, max_ratio: float, by_lsoa: bool,
               member: _Member) -> _FileResult:
    """One file, read in a (possibly remote) worker: the picklable unit of Dask work."""
    with _Source(source, max_member_bytes, max_ratio) as src:
        return _read_street_file(src, member, member.month, by_lsoa)


def _count_rows(src: _Source, member: _Member) -> int:
    header = src.header(member)
    if header is None:
        raise DataValidationError("empty file", file=src.display(member))
    rows = 0
    try:
        with src.reader(member) as stream:
            batches = pacsv.open_csv(
                stream, read_options=pacsv.ReadOptions(use_threads=False),
                convert_options=pacsv.ConvertOptions(include_columns=[header[0]],
                                                     column_types={header[0]: pa.string()}),
            )
            for batch in batches:
                rows += batch.num_rows
    except pa.ArrowInvalid as exc:
        if "Empty CSV file" in str(exc):
            return 0
        raise
    return rows


def archive_inventory(source: str | Path, progress: bool = False, *,
                      max_member_bytes: int = MAX_MEMBER_BYTES,
                      max_ratio: float = MAX_RATIO) -> pd.DataFrame:
    """List every CSV file of a police.uk archive, with gaps made explicit.

    Unlike :func:`load_street_archive` this never raises on bad files: it reports
    them, so an analyst can see what the archive holds before loading it.

    Parameters
    ----------
    source : str or Path
        Folder or archive ``.zip`` (same as :func:`load_street_archive`).
    progress : bool, default False
        Show a tqdm progress bar over files.
    max_member_bytes, max_ratio
        Zip member caps, as in :func:`load_street_archive` (a member beyond them
        is ``unreadable``, not read).

    Returns
    -------
    DataFrame
        One row per file plus one row per missing month, columns ``file`` (path
        inside the source, ``<NA>`` for a missing month), ``month`` (Period[M]),
        ``force`` (canonical, ``<NA>`` when unknown), ``kind`` (``street``,
        ``outcomes``, ``stop-and-search``), ``rows`` (Int64 data rows of street
        files, ``<NA>`` otherwise) and ``status``:

        ``ok``
            street file with at least one record;
        ``empty``
            header-only street file (a month with no records);
        ``missing``
            no street file for a force in a month between its first and last file;
        ``other_product``
            an outcomes or stop-and-search file (not read);
        ``bad_name``
            a CSV file not named ``YYYY-MM-<force>-<kind>.csv``;
        ``unknown_force``
            the force slug is not a known force;
        ``folder_mismatch``
            the month in the file name differs from its ``YYYY-MM`` folder;
        ``duplicate``
            a second file for the same force and month;
        ``dangling_link``
            a symbolic link (named like a police.uk file) whose target is missing;
        ``unreadable``
            the file could not be parsed, or is a damaged zip member or one beyond
            the caps.

        A last column ``error`` holds the reason for ``unreadable`` and
        ``dangling_link`` rows (``<NA>`` otherwise).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> for m, body in (("2020-01", "x,2020-01,,Drugs\\n"), ("2020-03", "")):
    ...     (root / m).mkdir()
    ...     _ = (root / m / f"{m}-dorset-street.csv").write_text(
    ...         "Crime ID,Month,Longitude,Crime type\\n" + body)
    >>> inv = archive_inventory(root)
    >>> inv["month"].astype(str).tolist(), inv["status"].tolist()
    (['2020-01', '2020-02', '2020-03'], ['ok', 'missing', 'empty'])
    >>> inv["rows"].tolist()
    [1, <NA>, 0]
    """
    records: list[dict[str, object]] = []
    with _Source(source, max_member_bytes, max_ratio) as src:
        members = src.members()
        seen: set[tuple[str, pd.Period]] = set()
        for m in tqdm(members, desc="inventory", unit="file", disable=not progress):
            rec: dict[str, object] = {"file": m.name, "month": m.month, "force": None,
                                      "kind": m.kind, "rows": None, "error": None}
            if m.dangling:
                rec["status"] = "dangling_link"
                rec["error"] = "symbolic link to a missing target"
                if m.slug is not None:
                    rec["force"] = _force_of(m.slug)
            elif m.kind is None:
                rec["status"] = "bad_name"
                if m.folder_month:
                    rec["month"] = pd.Period(m.folder_month, freq="M")
            else:
                rec["force"] = _force_of(m.slug)
                if rec["force"] is None:
                    rec["status"] = "unknown_force"
                elif m.kind != "street":
                    rec["status"] = "other_product"
                elif m.folder_month is not None and m.folder_month != str(m.month):
                    rec["status"] = "folder_mismatch"
                elif (rec["force"], m.month) in seen:
                    rec["status"] = "duplicate"
                else:
                    seen.add((rec["force"], m.month))
                    try:
                        rows = _count_rows(src, m)
                    except (DataValidationError, pa.ArrowInvalid, OSError, *_ZIP_ERRORS) as exc:
                        logger.warning("%s: unreadable: %s", src.display(m), exc)
                        rec["status"] = "unreadable"
                        rec["error"] = f"{type(exc).__name__}: {exc}"
                    else:
                        rec["rows"] = rows
                        rec["status"] = "ok" if rows else "empty"
            records.append(rec)
    by_force: dict[str, set[pd.Period]] = {}
    for force, month in seen:
        by_force.setdefault(force, set()).add(month)
    for force, months in by_force.items():
        for month in pd.period_range(min(months), max(months), freq="M"):
            if month not in months:
                records.append({"file": None, "month": month, "force": force, "kind": "street",
                                "rows": None, "status": "missing", "error": None})
    inv = pd.DataFrame.from_records(
        records, columns=["file", "month", "force", "kind", "rows", "status", "error"]
    )
    inv["month"] = pd.PeriodIndex(inv["month"], freq="M") if len(inv) else pd.PeriodIndex([], freq="M")
    inv["rows"] = inv["rows"].astype("Int64")
    for col in ("file", "force", "kind", "status", "error"):
        inv[col] = inv[col].astype("str")
    order = inv.assign(_f=inv["force"].fillna(""), _n=inv["file"].fillna(""))
    order = order.sort_values(["_f", "month", "_n"], kind="stable", na_position="first")
    return order.drop(columns=["_f", "_n"]).reset_index(drop=True)
