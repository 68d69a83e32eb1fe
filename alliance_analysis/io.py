"""Atomic file output and checksums.

Every output is written to a temporary file in the destination folder and then
renamed over the target, so a crash never leaves a half-written file.

Examples
--------
>>> import tempfile, pathlib, pandas as pd
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> out = atomic_write_csv(pd.DataFrame({"a": [1, 2]}), d / "t.csv")
>>> out.read_text().splitlines()
['a', '1', '2']
>>> len(sha256_file(out))
64
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pandas as pd


@contextlib.contextmanager
def atomic_path(target: str | Path, suffix: str = "") -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it over ``target`` on success.

    On any exception the temporary file is removed and ``target`` is untouched.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> with atomic_path(d / "x.txt") as tmp:
    ...     _ = tmp.write_text("hi")
    >>> (d / "x.txt").read_text()
    'hi'
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix + ".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; give the usual file mode
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


@contextlib.contextmanager
def atomic_open(target: str | Path, mode: str = "w", **kwargs) -> Iterator[IO]:
    """Open a temporary file for writing and rename it over ``target`` on success.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> with atomic_open(d / "y.txt") as fh:
    ...     _ = fh.write("ok")
    >>> (d / "y.txt").read_text()
    'ok'
    """
    with atomic_path(target) as tmp:
        with open(tmp, mode, **kwargs) as fh:
            yield fh


def atomic_write_text(text: str, target: str | Path, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``target`` atomically and return the path."""
    with atomic_open(target, "w", encoding=encoding, newline="") as fh:
        fh.write(text)
    return Path(target)


def atomic_write_bytes(data: bytes, target: str | Path) -> Path:
    """Write ``data`` to ``target`` atomically and return the path."""
    with atomic_open(target, "wb") as fh:
        fh.write(data)
    return Path(target)


def atomic_write_csv(df: pd.DataFrame, target: str | Path, **kwargs) -> Path:
    """Write a DataFrame to CSV atomically (``index=False`` unless given)."""
    kwargs.setdefault("index", False)
    with atomic_path(target) as tmp:
        df.to_csv(tmp, **kwargs)
    return Path(target)


def atomic_write_parquet(df: pd.DataFrame, target: str | Path, **kwargs) -> Path:
    """Write a DataFrame to parquet atomically (pyarrow engine)."""
    kwargs.setdefault("index", False)
    with atomic_path(target) as tmp:
        df.to_parquet(tmp, engine="pyarrow", **kwargs)
    return Path(target)


def sha256_file(path: str | Path, chunk_size: int = 1 << 20) -> str:
    """Return the hex SHA-256 digest of a file, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(chunk_size), b""):
            h.update(chunk)
    return h.hexdigest()
