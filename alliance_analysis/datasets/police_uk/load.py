"""load_street_archive: select the street files, read them (threads or Dask), aggregate."""

from __future__ import annotations

import functools
import logging
import os
import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
from alliance_analysis.progress import tqdm

from alliance_analysis import clean, parallel, taxonomy
from alliance_analysis.datasets.police_uk._common import _Member, _force_of
from alliance_analysis.datasets.police_uk.accumulator import _Accumulator
from alliance_analysis.datasets.police_uk.names import _NAME_FIX
from alliance_analysis.datasets.police_uk.reader import _read_street_file, _read_task
from alliance_analysis.datasets.police_uk.source import MAX_MEMBER_BYTES, MAX_RATIO, _Source
from alliance_analysis.errors import DataValidationError, ParameterError

logger = logging.getLogger(__name__)


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
