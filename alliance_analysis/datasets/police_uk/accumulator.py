"""Per-file aggregates accumulated as integer codes, turned into the tidy frame."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pyarrow as pa

from alliance_analysis import taxonomy
from alliance_analysis.datasets.police_uk._common import _Member
from alliance_analysis.datasets.police_uk.reader import _FileResult
from alliance_analysis.datasets.police_uk.source import _Source
from alliance_analysis.errors import DataValidationError

logger = logging.getLogger(__name__)

_OUT_COLUMNS = ["force", "month", "crime_type", "count"]


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
