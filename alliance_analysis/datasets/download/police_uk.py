"""data.police.uk monthly archives: fetch and extract chosen forces' street files.

:func:`download_police_uk` downloads each month's archive with the HTTP core and
extracts only the requested ``YYYY-MM/YYYY-MM-<force>-street.csv`` members, matched
by full path, streamed, with caps on expanded size and compression ratio.
"""

from __future__ import annotations

import hashlib
import re
import urllib.parse
import zipfile
import zlib
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

import pandas as pd
from alliance_analysis.progress import tqdm

from alliance_analysis import clean
from alliance_analysis.errors import DataValidationError, DownloadError, ParameterError
from alliance_analysis.io import atomic_path, sha256_file

from ._common import _CHUNK, _RATIO_FLOOR, DEFAULT_DEADLINE, MAX_MEMBER_BYTES, MAX_RATIO, _now, logger
from .core import _download
from .records import DownloadRecord, PoliceUkDownload, _record_in_manifest, read_manifest

#: data.police.uk publishes one zip per month at ``<this>/YYYY-MM.zip``.
POLICE_UK_ARCHIVE_URL = "https://data.police.uk/data/archive"


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
