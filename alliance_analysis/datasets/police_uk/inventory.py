"""archive_inventory: every CSV file of an archive with its status, gaps made explicit."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
from alliance_analysis.progress import tqdm

from alliance_analysis.datasets.police_uk._common import _ZIP_ERRORS, _Member, _force_of
from alliance_analysis.datasets.police_uk.source import MAX_MEMBER_BYTES, MAX_RATIO, _Source
from alliance_analysis.errors import DataValidationError

logger = logging.getLogger(__name__)


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
