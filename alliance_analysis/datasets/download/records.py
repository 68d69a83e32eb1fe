"""Download records and the ``download_manifest.json`` checksum manifest.

:class:`DownloadRecord` and :class:`PoliceUkDownload` describe what was fetched;
:func:`read_manifest` reads a folder's manifest and ``_record_in_manifest`` adds
records to it (written atomically).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from alliance_analysis.errors import DataValidationError
from alliance_analysis.io import atomic_write_text

#: Name of the JSON checksum manifest written beside downloaded files.
MANIFEST_NAME = "download_manifest.json"


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
    final_url : str
        The address the file actually came from after redirects (``""`` when
        reused or extracted).
    """

    url: str
    path: Path
    sha256: str
    size: int
    attempts: int
    retrieved_at: str
    reused: bool = False
    final_url: str = ""


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


def _record_in_manifest(folder: Path, records: Sequence[DownloadRecord],
                        extra: dict[str, str] | None = None) -> None:
    data = read_manifest(folder)
    for rec in records:
        key = Path(rec.path).resolve().relative_to(folder.resolve()).as_posix()
        old = data["files"].get(key, {})
        entry = {
            "url": rec.url, "sha256": rec.sha256, "size": rec.size, "retrieved_at": rec.retrieved_at,
        }
        final = rec.final_url or (old.get("final_url") if rec.reused else None)
        if final:
            entry["final_url"] = final
        for k, v in (extra or {}).items():
            entry[k] = v
        data["files"][key] = entry
    data["files"] = dict(sorted(data["files"].items()))
    atomic_write_text(json.dumps(data, indent=2) + "\n", folder / MANIFEST_NAME)
