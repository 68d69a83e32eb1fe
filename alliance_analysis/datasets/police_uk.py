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
import io
import logging
import os
import re
import zipfile
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from tqdm.auto import tqdm

from alliance_analysis import clean, taxonomy
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


class _Source:
    """A folder or zip archive of police.uk files, opened for reading."""

    def __init__(self, source: str | Path) -> None:
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
            self.zip = zipfile.ZipFile(path)

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
            for p in self.path.rglob("*"):
                if p.is_file():
                    yield p.relative_to(self.path).as_posix()

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
            if parsed is None:
                out.append(_Member(name, None, None, None, folder_month))
            else:
                out.append(_Member(name, parsed[0], parsed[1], parsed[2], folder_month))
        return out

    def display(self, member: _Member) -> str:
        """Human-readable location of a member for messages."""
        if self.zip is not None:
            return f"{self.path}!{member.name}"
        return str(self.path / member.name)

    def reader(self, member: _Member) -> pa.NativeFile | str:
        """Something pyarrow.csv can read: a path, or the member's bytes in a buffer."""
        if self.zip is not None:
            return pa.BufferReader(self.zip.read(member.name))
        return str(self.path / member.name)

    def header(self, member: _Member) -> list[str] | None:
        """The header row of a member, or None when the file is empty."""
        if self.zip is not None:
            with self.zip.open(member.name) as fh:
                first = fh.readline(1 << 16)
        else:
            with open(self.path / member.name, "rb") as fh:
                first = fh.readline(1 << 16)
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
        table = pacsv.read_csv(
            src.reader(member),
            read_options=pacsv.ReadOptions(use_threads=False),
            convert_options=pacsv.ConvertOptions(
                include_columns=required, column_types=types, strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid as exc:
        # Arrow numbers the column among the columns read ("In CSV column #2: ...")
        m = re.search(r"CSV column #(\d+)", str(exc))
        column = required[int(m.group(1))] if m and int(m.group(1)) < len(required) else None
        raise DataValidationError(
            f"could not parse the CSV: {exc}", file=where, column=column,
            fix="check the file is an unmodified data.police.uk street file (re-download it); "
            "Longitude must be a number or empty",
        ) from exc
    n = table.num_rows
    if n == 0:
        return _FileResult(pa.table({}), 0, 0, 0)
    table = table.unify_dictionaries()

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
    distinct = len(pc.unique(ids))
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


def _collect(src: _Source, chosen: list[tuple[_Member, str]], results: Iterator[_FileResult],
             by_lsoa: bool, progress: bool
             ) -> tuple[list[pa.Table], dict[str, list[str]], dict[str, int], list[str]]:
    """Turn per-file results into tidy Arrow parts; collect unknown crime types."""
    parts: list[pa.Table] = []
    unknown: dict[str, list[str]] = {}
    type_map: dict[str, str | None] = {}
    totals = {"rows": 0, "dups": 0, "xy": 0}
    empty: list[str] = []
    for (member, force), res in tqdm(zip(chosen, results), total=len(chosen), desc="police.uk files",
                                     unit="file", disable=not progress):
        totals["rows"] += res.rows
        totals["dups"] += res.duplicates
        totals["xy"] += res.missing_coordinates
        if res.rows == 0:
            empty.append(member.name)
            logger.info("%s: header only, no records for %s %s", member.name, force, member.month)
            continue
        ct = res.table["Crime type"].combine_chunks()
        raw_types = ct.dictionary.to_pylist()
        for raw in raw_types:
            if raw not in type_map:
                try:
                    type_map[raw] = taxonomy.canonical_crime_type(raw)
                except DataValidationError:
                    type_map[raw] = None
            if type_map[raw] is None:
                unknown.setdefault(raw, []).append(src.display(member))
        if unknown:
            continue  # keep scanning so the error can list every unknown type
        canon = pa.DictionaryArray.from_arrays(
            ct.indices, pa.array([type_map[r] for r in raw_types], pa.string())
        ).cast(pa.string())
        k = res.table.num_rows
        cols = {
            "force": pa.array([force] * k, pa.string()),
            "month": pa.array([str(member.month)] * k, pa.string()),
            "crime_type": canon,
        }
        if by_lsoa:
            cols["lsoa_code"] = res.table["LSOA code"].cast(pa.string())
        cols["count"] = res.table["count_all"]
        parts.append(pa.table(cols))
    return parts, unknown, totals, empty


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
    workers: int | None = None,
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
    workers : int, optional
        Files parsed concurrently (pyarrow releases the GIL while parsing). Default
        ``min(4, 2 * os.cpu_count())``; memory grows with ``workers`` x the largest
        file, never with the number of files. ``1`` reads strictly one at a time.

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
        For a file with a non-standard name, a missing required column, a Month
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
    if workers is None:
        workers = min(4, 2 * (os.cpu_count() or 1))
    if not isinstance(workers, int) or workers < 1:
        raise ParameterError(f"workers={workers!r} must be a positive integer")

    with _Source(source) as src, ThreadPoolExecutor(max_workers=workers) as pool:
        chosen = _select(src, wanted, lo, hi)
        if not chosen:
            raise DataValidationError(
                f"no street files for forces={sorted(wanted) if wanted else 'all'} "
                f"between {lo or 'the first month'} and {hi or 'the last month'}",
                file=str(src.path),
                fix="check the forces and months asked for against archive_inventory(source)",
            )
        results = pool.map(lambda mf: _read_street_file(src, mf[0], mf[0].month, by_lsoa), chosen)
        try:
            parts, unknown, totals, empty = _collect(src, chosen, results, by_lsoa, progress)
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)  # do not read the rest after an error
            raise
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

    keys = ["force", "month", "crime_type"] + (["lsoa_code"] if by_lsoa else [])
    if parts:
        df = pa.concat_tables(parts).to_pandas()
        if by_lsoa:
            codes = df["lsoa_code"].astype("str")
            df["lsoa_code"] = codes.where((codes != "") & (codes != "<NA>") & codes.notna(), None)
        df = df.groupby(keys, sort=True, dropna=False, as_index=False)["count"].sum()
        df["month"] = pd.PeriodIndex(df["month"], freq="M")
        df["count"] = df["count"].astype("int64")
        df = df[keys + ["count"]].reset_index(drop=True)
        df["force"] = df["force"].astype("str")
        df["crime_type"] = df["crime_type"].astype("str")
    else:
        df = _empty_frame(by_lsoa)
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


def _count_rows(src: _Source, member: _Member) -> int:
    header = src.header(member)
    if header is None:
        raise DataValidationError("empty file", file=src.display(member))
    table = pacsv.read_csv(
        src.reader(member),
        convert_options=pacsv.ConvertOptions(include_columns=[header[0]],
                                             column_types={header[0]: pa.string()}),
    )
    return table.num_rows


def archive_inventory(source: str | Path, progress: bool = False) -> pd.DataFrame:
    """List every CSV file of a police.uk archive, with gaps made explicit.

    Unlike :func:`load_street_archive` this never raises on bad files: it reports
    them, so an analyst can see what the archive holds before loading it.

    Parameters
    ----------
    source : str or Path
        Folder or archive ``.zip`` (same as :func:`load_street_archive`).
    progress : bool, default False
        Show a tqdm progress bar over files.

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
        ``unreadable``
            the file could not be parsed (see the log).

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
    with _Source(source) as src:
        members = src.members()
        seen: set[tuple[str, pd.Period]] = set()
        for m in tqdm(members, desc="inventory", unit="file", disable=not progress):
            rec: dict[str, object] = {"file": m.name, "month": m.month, "force": None,
                                      "kind": m.kind, "rows": None}
            if m.kind is None:
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
                    except (DataValidationError, pa.ArrowInvalid) as exc:
                        logger.warning("%s: unreadable: %s", src.display(m), exc)
                        rec["status"] = "unreadable"
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
                                "rows": None, "status": "missing"})
    inv = pd.DataFrame.from_records(
        records, columns=["file", "month", "force", "kind", "rows", "status"]
    )
    inv["month"] = pd.PeriodIndex(inv["month"], freq="M") if len(inv) else pd.PeriodIndex([], freq="M")
    inv["rows"] = inv["rows"].astype("Int64")
    for col in ("file", "force", "kind", "status"):
        inv[col] = inv[col].astype("str")
    order = inv.assign(_f=inv["force"].fillna(""), _n=inv["file"].fillna(""))
    order = order.sort_values(["_f", "month", "_n"], kind="stable", na_position="first")
    return order.drop(columns=["_f", "_n"]).reset_index(drop=True)
