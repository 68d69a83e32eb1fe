"""One street file -> per crime type (x LSOA) counts, applying the file rules."""

from __future__ import annotations

import gzip
import logging
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from alliance_analysis.datasets.police_uk._common import _ZIP_ERRORS, _force_of, _Member
from alliance_analysis.datasets.police_uk.source import _Source
from alliance_analysis.errors import DataValidationError

logger = logging.getLogger(__name__)

_DICT = pa.dictionary(pa.int32(), pa.string())


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
    padded = [h for h in header if h != h.strip()]
    header = [h.strip().lstrip("\ufeff") for h in header]
    if padded:
        logger.warning("%s: %d header name(s) had spaces around them (%s); read without the spaces",
                       where, len(padded), ", ".join(repr(h) for h in padded[:5]))
    twice = sorted({h for h in header if header.count(h) > 1})
    if twice:
        raise DataValidationError(
            f"the header names {twice} more than once", file=where, column=twice[0],
            fix="use the unmodified data.police.uk street file (each column appears once)")
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
    force_columns = [c for c in ("Falls within", "Reported by") if c in header]
    for c in force_columns:
        types[c] = _DICT
    try:
        with src.reader(member) as stream:
            table = pacsv.read_csv(
                stream,
                # the header's names as read (spaces removed); line ends LF, CRLF or CR alike
                read_options=pacsv.ReadOptions(use_threads=False, column_names=header, skip_rows=1),
                convert_options=pacsv.ConvertOptions(
                    include_columns=required + force_columns, column_types=types, strings_can_be_null=False,
                ),
                memory_pool=_POOL,
            )
    except pa.ArrowInvalid as exc:
        if "Empty CSV file" in str(exc) or "Could not skip initial" in str(exc):
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
    except (*_ZIP_ERRORS, gzip.BadGzipFile) as exc:
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

    # The force named in the rows must be the force the file is named for (checked per distinct value).
    force = _force_of(member.slug) if member.slug else None
    for c in force_columns if force is not None else []:
        for value in _dictionary(table[c]).to_pylist():
            if not value.strip():
                continue  # not stated: nothing to contradict the file name
            if _force_of(value) != force:
                row = _first_row_where(pc.equal(table[c].cast(pa.string()), value))
                raise DataValidationError(
                    f"{value!r} is not {force}, the force the file is named for; its rows would be counted as "
                    f"{force}", file=where, column=c, row=row,
                    fix="put each force's rows in that force's YYYY-MM-<force>-street.csv (unmodified from "
                        "data.police.uk), or rename the file after the force in its rows")

    # Repeated Crime IDs: one row per non-empty ID is counted. The repeats of an ID usually disagree
    # on location or outcome and the file says nothing about which is current, so the row kept is
    # chosen by a rule that does not depend on row order: the smallest (crime type, LSOA code) by
    # text. Counts by crime type and by LSOA are then the same whatever order the rows are in.
    ids = table["Crime ID"]
    has_id = _nonempty(ids)
    n_with_id = int(has_id.sum())
    distinct = len(pc.unique(ids, memory_pool=_POOL))
    n_unique = distinct - (1 if n_with_id < n else 0)  # "" is one of the distinct values
    duplicates = n_with_id - n_unique
    keep: np.ndarray | None = None
    if duplicates:
        rows = np.arange(n, dtype=np.int64)
        rank = _text_rank(table["Crime type"])
        if "LSOA code" in table.column_names:
            ls_rank = _text_rank(table["LSOA code"])
            rank = rank * (int(ls_rank.max()) + 1) + ls_rank
        sub = pa.table({"id": ids, "rank": rank, "row": rows}).filter(pa.array(has_id))
        order = pc.sort_indices(sub, sort_keys=[("id", "ascending"), ("rank", "ascending"), ("row", "ascending")])
        sorted_ids = pc.take(sub["id"], order).to_numpy(zero_copy_only=False)
        first = np.ones(len(sorted_ids), dtype=bool)
        first[1:] = sorted_ids[1:] != sorted_ids[:-1]
        kept = pc.take(sub["row"], order).to_numpy()[first]
        keep = np.sort(np.concatenate([kept, rows[~has_id]]))
        logger.warning("%s: %d repeated Crime ID row(s) not counted; of each repeated ID the row with the "
                       "smallest (crime type, LSOA code) is kept, so counts do not depend on row order",
                       where, duplicates)

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


def _text_rank(col: pa.ChunkedArray) -> np.ndarray:
    """Each row's rank of its dictionary value in text order (independent of first appearance)."""
    values = _dictionary(col).to_pylist()
    rank_of = np.empty(len(values), dtype=np.int64)
    rank_of[np.argsort(np.array(values, dtype=object), kind="stable")] = np.arange(len(values))
    return rank_of[_codes(col)] if len(values) else np.zeros(0, dtype=np.int64)


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


def _read_task(source: str, max_member_bytes: int, max_ratio: float, by_lsoa: bool,
               member: _Member) -> _FileResult:
    """One file, read in a (possibly remote) worker: the picklable unit of Dask work."""
    with _Source(source, max_member_bytes, max_ratio) as src:
        return _read_street_file(src, member, member.month, by_lsoa)
