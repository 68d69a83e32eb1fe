"""One declarative validation layer for every tabular loader.

A loader declares its source once, as a :class:`Schema` of :class:`Column` s
(type, allowed values, non-negative and finite numbers, blanks, the uniqueness
key, the expected number of rows), then calls :func:`read_table` (a CSV read
that turns every pandas / codec error into a :class:`DataValidationError`) and
:func:`validate` (types enforced, nothing coerced silently). Every error names
the file, the 1-based data row and the column, and says what to do about it.
Where a loader's own correction can make two published rows the same (two spellings
of one force, a misprinted date, a repaired offence code) it checks its tidy key
again with :func:`check_key`. Every tabular loader in ``alliance_analysis.datasets``
declares its schema(s) as module-level constants (e.g. ``prc.PRC_SCHEMA``,
``home_office.ROLLING_SCHEMA``, ``harm`` / ``finance`` / ``lookups`` / ``seed``).

The only corrections made are explicit and counted: a thousands separator in
a column declared ``thousands=True`` ("598,830" -> 598830) and a cp1252 file
read where UTF-8 fails (loaders of files published as UTF-8 pass ``encodings=("utf-8-sig",)``
and refuse it); both are logged and listed in ``df.attrs["corrections"]``.

No schema library needed (pandas, numpy and pyarrow only) and vectorised: no per-row Python
loop on the happy path.

Examples
--------
>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "w.csv"
>>> _ = p.write_text("force,count\\nDorset,12\\nDorset,12\\n")
>>> s = Schema("demo", [Column("force"), Column("count", "count")], key=("force",))
>>> validate(read_table(p, s), s, source=p)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
alliance_analysis.errors.DataValidationError: ...w.csv: column 'force', row 2: duplicate key ('Dorset',) (first on row 1)...
"""

from __future__ import annotations

import logging
import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from alliance_analysis.errors import DataValidationError

log = logging.getLogger(__name__)

KINDS = frozenset({"str", "int", "float", "count", "date", "category"})

#: longest value shown in an error message (messages stay bounded in size)
_SHOW = 60

#: largest whole number a float64 holds exactly
_MAX_EXACT = 2.0**53

_THOUSANDS = r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$"


def _show(value: Any) -> str:
    if isinstance(value, np.generic):
        value = value.item()
    text = repr(value)
    return text if len(text) <= _SHOW else text[: _SHOW - 3] + "..."


@dataclass(frozen=True)
class Column:
    """One declared column of a source file.

    Parameters
    ----------
    name : str
        The header as published (also the name in the validated frame).
    kind : {"str", "int", "float", "count", "date", "category"}
        ``count`` is a non-negative whole number; ``category`` is a string that
        must be one of ``allowed``.
    required : bool
        A missing required column is an error; a missing optional one is absent
        from the result.
    allowed : iterable of str, optional
        The only values accepted (after stripping spaces).
    nonnegative : bool
        Negative numbers are an error (always true for ``count``).
    finite : bool
        ``inf`` / ``-inf`` are an error (numbers only).
    nullable : bool
        Blank cells are kept as missing instead of being an error.
    aliases : tuple of str
        Other headers accepted for this column (e.g. underscored spellings).
    prefix : bool
        Match any header starting with ``name`` (or an alias), e.g.
        ``national_count_2024_25`` for ``national_count``.
    thousands : bool
        Accept ``"598,830"`` as 598830; each such cell is counted and logged.
    date_format : str, optional
        ``strftime`` format for ``date`` columns (default: ISO ``YYYY-MM-DD``).
    missing_markers : tuple of str
        Texts the publisher uses for "no value" in a numeric column (e.g. ``("NA",)``
        or ONS's ``(":",)``), read as missing (a declared gap, even when the column is
        not ``nullable``: ``nullable`` is about blank cells); any other text is an error.
    scientific : bool
        Accept exponent notation (``"1e3"``) in ``int`` / ``count`` columns. ``False``
        refuses it: a count printed as ``1.5E+05`` has usually lost digits in a
        spreadsheet, so it is an error naming the cell rather than 150000.

    Examples
    --------
    >>> Column("count", "count").nonnegative
    True
    """

    name: str
    kind: str = "str"
    required: bool = True
    allowed: Iterable[str] | None = None
    nonnegative: bool = False
    finite: bool = True
    nullable: bool = False
    aliases: tuple[str, ...] = ()
    prefix: bool = False
    thousands: bool = False
    date_format: str | None = None
    missing_markers: tuple[str, ...] = ()
    scientific: bool = True

    def __post_init__(self) -> None:
        from alliance_analysis.errors import ParameterError

        if self.kind not in KINDS:
            raise ParameterError(f"column {self.name!r}: kind {self.kind!r} is not one of {sorted(KINDS)}")
        if self.kind == "count":
            object.__setattr__(self, "nonnegative", True)
        if self.allowed is not None:
            object.__setattr__(self, "allowed", frozenset(str(a) for a in self.allowed))


@dataclass(frozen=True)
class Schema:
    """A source file declared once: its columns, key and expected size.

    Parameters
    ----------
    name : str
        What the file is (used in messages), e.g. ``"CCHI weights"``.
    columns : sequence of Column
    key : tuple of str
        Column names that identify a row; duplicates on the key are an error.
    expected_rows : int, optional
        Rows in the published file where known. Fewer than
        ``min_coverage * expected_rows`` is an error (a truncated file); any
        other difference is logged.
    min_rows : int
        Fewer data rows than this is an error (default 1: no empty tables).
    min_coverage : float
        See ``expected_rows`` (default 0.99).
    final_newline : bool
        The last line must end with a line break (default ``True``): a table cut off
        mid-row (``117875`` read as ``1178``) ends without one, whatever its path, so
        :func:`read_table` refuses it, unless the file is a registered release (its
        SHA-256 listed in ``data/raw/SOURCES.csv``: complete by checksum, published
        without a final line break). ``False`` for files the publisher ships that way
        that are not registered (their last row is then checked by row counts).

    Examples
    --------
    >>> Schema("x", [Column("a")], key=("a",)).column("a").kind
    'str'
    """

    name: str
    columns: Sequence[Column]
    key: tuple[str, ...] = ()
    expected_rows: int | None = None
    min_rows: int = 1
    min_coverage: float = 0.99
    final_newline: bool = True
    _by_name: dict[str, Column] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        from alliance_analysis.errors import ParameterError

        object.__setattr__(self, "columns", tuple(self.columns))
        names = {c.name: c for c in self.columns}
        object.__setattr__(self, "_by_name", names)
        for k in self.key:
            if k not in names:
                raise ParameterError(f"schema {self.name!r}: key column {k!r} is not declared")

    def column(self, name: str) -> Column:
        """The declared column called ``name``."""
        return self._by_name[name]


def _file_error(message: str, path: Path, fix: str, **kw: Any) -> DataValidationError:
    return DataValidationError(message, file=path, fix=fix, **kw)


def read_table(
    path: str | Path,
    schema: Schema | None = None,
    *,
    encodings: Sequence[str] = ("utf-8-sig", "cp1252"),
    fast_numbers: bool = False,
    **read_csv_kwargs: Any,
) -> pd.DataFrame:
    """Read a CSV (or CSV.gz) file as text, turning every read error into a DataValidationError.

    All cells are read as strings (blanks as missing) so :func:`validate` decides
    every conversion. A file that is not UTF-8 is retried as cp1252 (logged, and
    recorded in ``attrs["corrections"]``). Rows with more fields than the header
    are an error, never a silent shift of columns.

    Parameters
    ----------
    path : str or Path
    schema : Schema, optional
        Used only to name the source in messages.
    encodings : sequence of str
        Tried in order.
    fast_numbers : bool
        For large files: let pandas' C parser type the schema's numeric columns
        (about 3x faster; every other column is still read as text, so codes keep
        their leading zeros). :func:`validate` applies the same checks to typed
        columns: a blank, text, ``inf`` or negative value is still an error.
    **read_csv_kwargs
        Passed to :func:`pandas.read_csv` (e.g. ``usecols``), except ``comment="#"``, which
        here means only the note lines at the top of the file (a ``#`` inside a cell, as in
        ``"#N/A"``, is data and is validated like any other value).

    Returns
    -------
    DataFrame
        String cells; ``attrs["source"]`` is the path, ``attrs["encoding"]`` the codec used.

    Raises
    ------
    DataValidationError
        Missing, empty or unreadable file, undecodable bytes, bad quoting, ragged rows.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "c.csv"
    >>> _ = p.write_bytes(b"item,cost\\n\\xa3 note,5\\n")
    >>> df = read_table(p)
    >>> df["item"].iloc[0], df.attrs["encoding"]
    ('£ note', 'cp1252')
    """
    p = Path(path)
    what = schema.name if schema is not None else "data file"
    if not p.exists():
        raise _file_error(f"{what} not found", p, "check the path (or restore the file from version control)")
    if p.is_dir():
        raise _file_error(f"{what} path is a folder, not a file", p, "give the CSV file itself")
    try:
        size = p.stat().st_size
    except OSError as exc:
        raise _file_error(f"cannot read {what}: {exc.strerror}", p, "check the file permissions") from None
    if size == 0:
        raise _file_error(f"{what} is empty (0 bytes)", p, "restore the file; it may have been truncated")
    kwargs: dict[str, Any] = {"dtype": str, "keep_default_na": False, "na_values": [""], "index_col": False}
    kwargs.update(read_csv_kwargs)
    comment = kwargs.pop("comment", None)
    if comment is not None:
        # only whole lines at the top of the file are notes: pandas' own ``comment`` would also cut
        # any data line at a '#' inside a cell ("#N/A") and drop or shorten that row silently
        kwargs["skiprows"] = _leading_comment_lines(p, str(comment))
    if fast_numbers and schema is not None and "dtype" not in read_csv_kwargs:
        kwargs["dtype"] = _text_columns(p, schema, kwargs, encodings)
    corrections: list[str] = []
    last_exc: Exception | None = None
    for i, enc in enumerate(encodings):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", pd.errors.ParserWarning)
                df = pd.read_csv(p, encoding=enc, **kwargs)
        except UnicodeDecodeError as exc:
            last_exc = exc
            continue
        except pd.errors.EmptyDataError:
            raise _file_error(f"{what} has no header and no data", p,
                              "restore the file; it may have been truncated") from None
        except pd.errors.ParserWarning as exc:
            raise _file_error(f"some rows have more fields than the header ({_bounded(exc)})", p,
                              "remove the extra delimiters, or quote fields containing commas") from None
        except pd.errors.ParserError as exc:
            raise _file_error(f"not a readable CSV: {_bounded(exc)}", p,
                              "check the quoting and the number of fields on that line") from None
        except (OSError, EOFError) as exc:  # gzip: truncated or not gzip
            raise _file_error(f"cannot read {what}: {_bounded(exc)}", p,
                              "restore the file; it may be truncated or corrupt") from None
        except ValueError as exc:  # e.g. usecols naming an absent column
            raise _file_error(f"cannot read {what}: {_bounded(exc)}", p,
                              "check the file has the published columns") from None
        if i > 0:
            note = f"decoded as {enc} (not {encodings[0]})"
            log.info("%s: %s", p, note)
            corrections.append(note)
        df.columns = [str(c).strip().lstrip("\ufeff") for c in df.columns]
        if schema is not None and schema.final_newline and len(df) and not _ends_with_newline(p) \
                and not _registered_release(p):
            raise _file_error(
                f"{what}: the last line has no line break, so the file was cut off and its last row "
                f"(row {len(df)}) may be incomplete (a number cut short reads as a smaller number)", p,
                "restore the complete file from its source; every row of a published table ends with a "
                "line break")
        if isinstance(kwargs["dtype"], dict):
            df = _retext_exponents(df, p, schema, kwargs, enc)
        df.attrs["source"] = str(p)
        df.attrs["encoding"] = enc
        df.attrs["corrections"] = corrections
        return df
    assert isinstance(last_exc, UnicodeDecodeError)
    raise _file_error(f"{what} is not text in any of {list(encodings)} (byte {last_exc.start}: "
                      f"{last_exc.object[last_exc.start:last_exc.start + 1]!r})", p,
                      "save the file as UTF-8 CSV") from None


def _text_columns(path: Path, schema: Schema, kwargs: dict[str, Any], encodings: Sequence[str]) -> Any:
    """``dtype`` for read_csv: str for every column except the schema's numeric ones (header read first)."""
    numeric = [c for c in schema.columns if c.kind in ("int", "float", "count")]
    for enc in encodings:
        try:
            header = pd.read_csv(path, nrows=0, encoding=enc, skiprows=kwargs.get("skiprows"),
                                 sep=kwargs.get("sep", ","))
            break
        except UnicodeDecodeError:
            continue
        except Exception:  # noqa: BLE001 - the full read reports the fault with its own message
            return str
    else:
        return str
    heads = [str(h) for h in header.columns]
    stripped = {h: h.strip().lstrip("\ufeff") for h in heads}
    frame = pd.DataFrame(columns=[stripped[h] for h in heads])
    typed = {_resolve(frame, c) for c in numeric} - {None}
    return {h: str for h in heads if stripped[h] not in typed}


def _retext_exponents(df: pd.DataFrame, path: Path, schema: Schema | None, kwargs: dict[str, Any],
                      encoding: str) -> pd.DataFrame:
    """Fast path: a whole-number column declared ``scientific=False`` that the C parser read as float may
    hold ``1e3``; re-read such a column as text so :func:`validate` sees (and names) the cell as printed."""
    if schema is None:
        return df
    redo = []
    for col in schema.columns:
        if col.kind in ("int", "count") and not col.scientific:
            h = _resolve(df, col)
            if h is not None and pd.api.types.is_float_dtype(df[h].dtype):
                redo.append(h)
    if not redo:
        return df
    heads = {str(c).strip().lstrip("\ufeff"): c for c in
             pd.read_csv(path, nrows=0, encoding=encoding, skiprows=kwargs.get("skiprows"),
                         sep=kwargs.get("sep", ",")).columns}
    again = {k: v for k, v in kwargs.items() if k not in ("dtype", "usecols")}
    text = pd.read_csv(path, encoding=encoding, usecols=[heads[h] for h in redo], dtype=str, **again)
    out = df.copy()
    for h in redo:
        out[h] = text[heads[h]].to_numpy()
    return out


def _registered_release(path: Path) -> bool:
    """Whether the file's SHA-256 is a release registered in ``data/raw/SOURCES.csv`` (complete by checksum:
    a few publishers' files end without a line break, e.g. the 2018/19 crime outcomes table)."""
    import csv
    import hashlib

    from alliance_analysis import paths

    try:
        with open(paths.SOURCES_CSV, newline="", encoding="utf-8") as fh:
            known = {r.get("sha256", "") for r in csv.DictReader(fh)}
        h = hashlib.sha256()
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    except OSError:
        return False
    if h.hexdigest() in known:
        log.debug("%s: no line break after the last row, but the file is a registered release (checksum)", path)
        return True
    return False


def _ends_with_newline(path: Path) -> bool:
    """Whether the file's (decompressed) text ends with a line break (LF or CR)."""
    import gzip

    if path.suffix != ".gz":
        with open(path, "rb") as fh:
            fh.seek(-1, 2)
            return fh.read(1) in (b"\n", b"\r")
    last = b""
    with gzip.open(path, "rb") as fh:  # already read whole by pandas; streamed, 4 MB at a time
        for chunk in iter(lambda: fh.read(1 << 22), b""):
            last = chunk[-1:]
    return last in (b"\n", b"\r")


def _leading_comment_lines(path: Path, prefix: str) -> int:
    """How many lines at the top of the file start with ``prefix`` (notes above the header)."""
    import gzip

    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as fh:
            n = 0
            marker = prefix.encode("utf-8")
            for line in fh:
                if not line.lstrip(b"\xef\xbb\xbf").startswith(marker):
                    return n
                n += 1
            return n
    except (OSError, EOFError):
        return 0  # the read itself reports the fault


def _bounded(exc: BaseException, limit: int = 300) -> str:
    return _clip(str(exc), limit)


def _clip(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _resolve(df: pd.DataFrame, col: Column) -> str | None:
    names = (col.name, *col.aliases)
    for n in names:
        if n in df.columns:
            return n
    if col.prefix:
        for c in df.columns:
            if any(str(c).startswith(n) for n in names):
                return str(c)
    return None


def _first(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])


def _raise_at(mask: np.ndarray, raw: pd.Series, message: str, source: Any, column: str, fix: str) -> None:
    i = _first(mask)
    n = int(mask.sum())
    more = f" ({n - 1} more row{'s' if n > 2 else ''} like it)" if n > 1 else ""
    raise DataValidationError(f"{message.format(value=_show(raw.iloc[i]))}{more}", file=source,
                              column=column, row=i + 1, fix=fix)


def _text(raw: pd.Series) -> pd.Series:
    """Cells as stripped strings (pandas' ``str`` dtype; missing stays missing)."""
    text = raw if isinstance(raw.dtype, pd.StringDtype) else raw.astype("str")
    return text.str.strip()


def _fast_float(text: pd.Series) -> np.ndarray | None:
    """Parse a column of numbers in one vectorised pass (pyarrow); None if any cell is not a number."""
    try:
        arr = pa.array(text, from_pandas=True)
        return pc.cast(arr, pa.float64()).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, TypeError, ValueError):
        return None


def _numeric(raw: pd.Series, col: Column, header: str, source: Any, corrections: list[str]) -> pd.Series:
    marker = np.zeros(len(raw), dtype=bool)
    if pd.api.types.is_numeric_dtype(raw.dtype) and not pd.api.types.is_bool_dtype(raw.dtype):
        values = raw.astype("float64")
        blank = np.array(values.isna(), dtype=bool)
    else:
        text = _text(raw)
        blank = np.array(text.isna() | (text == ""), dtype=bool)
        if col.missing_markers:
            marker = text.isin(col.missing_markers).fillna(False).to_numpy(dtype=bool)
        if col.thousands:
            sep = text.str.match(_THOUSANDS).fillna(False).to_numpy(dtype=bool)
            if sep.any():
                text = text.where(~sep, text.str.replace(",", "", regex=False))
                note = f"column '{header}': {int(sep.sum())} value(s) with a thousands separator read as numbers"
                log.info("%s: %s", source, note)
                corrections.append(note)
        # "nan"/"inf" spelled out: nan is not a number; inf is caught by the finite check
        cleaned = text.where(~pd.Series(blank | marker, index=text.index))
        values = _fast_float(cleaned)
        if values is None:  # some cell is not a number: the slower parse finds which
            values = pd.to_numeric(cleaned, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        values = pd.Series(values, index=raw.index)
        bad = ~blank & ~marker & values.isna().to_numpy()
        if bad.any():
            hint = " (a thousands separator?)" if text[bad].str.contains(",", regex=False).any() else ""
            _raise_at(bad, raw, "{value} is not a number" + hint, source, header,
                      "write a plain number (digits, optional '.' and sign), no separators or text")
        if col.kind in ("int", "count") and not col.scientific:
            sci = (~blank & ~marker) & cleaned.str.contains("[eE]", regex=True).fillna(False).to_numpy(dtype=bool)
            if sci.any():
                _raise_at(sci, raw, "{value} is not a whole number as printed (exponent notation)", source, header,
                          "write the count in full digits (a spreadsheet may have rounded it)")
    if blank.any() and not col.nullable:
        _raise_at(blank, raw, "blank cell where a number is required", source, header,
                  "fill in the value from the published source (a blank is not zero)")
    blank = blank | marker
    arr = values.to_numpy()
    if col.finite:
        inf = np.isinf(arr)
        if inf.any():
            _raise_at(inf, raw, "{value} is not a finite number", source, header, "replace with the published value")
    if col.nonnegative:
        neg = arr < 0
        if neg.any():
            _raise_at(neg, raw, "{value} is negative", source, header, "counts, costs and weights must be >= 0")
    if col.kind in ("int", "count"):
        with np.errstate(invalid="ignore"):
            frac = np.isfinite(arr) & (arr != np.round(arr))
        if frac.any():
            _raise_at(frac, raw, "{value} is not a whole number", source, header, "counts are whole numbers")
        with np.errstate(invalid="ignore"):
            huge = np.abs(arr) >= _MAX_EXACT
        if huge.any():  # beyond 2**53 a float is no longer an exact whole number (and int64 overflows)
            _raise_at(huge, raw, "{value} is too large to be an exact count", source, header,
                      "check the value against the published source")
        if blank.any():
            return pd.Series(pd.array(arr, dtype="Float64"), index=raw.index).round().astype("Int64")
        return pd.Series(arr.astype("int64"), index=raw.index)
    return pd.Series(arr, index=raw.index, dtype="float64")


def validate(df: pd.DataFrame, schema: Schema, *, source: str | Path | None = None) -> pd.DataFrame:
    """Check a frame against a schema and return a NEW frame with the declared types.

    Declared columns are renamed to their ``Column.name`` (aliases resolved) and
    converted: ``str``/``category`` -> stripped strings, ``int``/``count`` ->
    int64 (Int64 when nullable with blanks), ``float`` -> float64, ``date`` ->
    datetime64. Undeclared columns are kept unchanged. Nothing is coerced
    silently and no row is dropped.

    Parameters
    ----------
    df : DataFrame
        Typically from :func:`read_table` (string cells), but numeric columns are accepted.
    schema : Schema
    source : str or Path, optional
        The file named in errors (default ``df.attrs["source"]``).

    Returns
    -------
    DataFrame
        ``attrs["corrections"]`` lists every counted correction.

    Raises
    ------
    DataValidationError
        Missing columns, blanks, text in a number column, non-finite or negative
        numbers, values outside ``allowed``, duplicate keys, too few rows; the
        message names the file, the 1-based data row and the column.

    Examples
    --------
    >>> s = Schema("demo", [Column("n", "count", thousands=True)])
    >>> out = validate(pd.DataFrame({"n": ["598,830", "7"]}), s, source="d.csv")
    >>> out["n"].tolist(), out.attrs["corrections"][0][:14]
    ([598830, 7], "column 'n': 1 ")
    >>> validate(pd.DataFrame({"n": ["-1"]}), s, source="d.csv")
    Traceback (most recent call last):
    ...
    alliance_analysis.errors.DataValidationError: d.csv: column 'n', row 1: '-1' is negative. Fix: counts, costs and weights must be >= 0
    """
    src = source if source is not None else df.attrs.get("source")
    corrections: list[str] = list(df.attrs.get("corrections", []))
    headers: dict[str, str] = {}
    missing = []
    for col in schema.columns:
        h = _resolve(df, col)
        if h is None:
            if col.required:
                missing.append(col.name)
        else:
            headers[col.name] = h
    if missing:
        shown = _clip(", ".join(_show(c) for c in list(df.columns)[:20]) + (", ..." if len(df.columns) > 20 else ""))
        raise DataValidationError(f"{schema.name}: missing column(s) {missing} (found {shown})", file=src,
                                  column=missing[0], fix=f"expected columns {[c.name for c in schema.columns]}")
    n = len(df)
    if n < schema.min_rows:
        raise DataValidationError(f"{schema.name}: {n} data row(s), need at least {schema.min_rows}", file=src,
                                  fix="restore the file; it may have been truncated")
    if schema.expected_rows is not None:
        need = math.ceil(schema.expected_rows * schema.min_coverage)
        if n < need:
            raise DataValidationError(
                f"{schema.name}: {n:,} data rows, expected {schema.expected_rows:,} (the published file); "
                "the file looks truncated", file=src, fix="restore the complete file from its source")
        if n != schema.expected_rows:
            log.info("%s: %s has %d rows (published: %d)", src, schema.name, n, schema.expected_rows)
    out: dict[str, Any] = {}
    renamed = {h: name for name, h in headers.items()}
    for c in df.columns:
        name = renamed.get(c)
        if name is None:
            if c not in headers:
                out[c] = df[c]
            continue
        col = schema.column(name)
        raw = df[c]
        if col.kind in ("int", "float", "count"):
            out[name] = _numeric(raw, col, c, src, corrections)
        elif col.kind == "date":
            text = _text(raw)
            blank = np.array(text.isna() | (text == ""), dtype=bool)
            if blank.any() and not col.nullable:
                _raise_at(blank, raw, "blank date", src, c, "fill in the date from the published source")
            fmt = col.date_format or "%Y-%m-%d"
            parsed = pd.to_datetime(text.where(~pd.Series(blank, index=text.index)), format=fmt, errors="coerce")
            bad = ~blank & parsed.isna().to_numpy()
            if bad.any():
                _raise_at(bad, raw, "{value} is not a date", src, c, f"write dates as {fmt}")
            out[name] = parsed
        else:
            text = _text(raw)
            blank = np.array(text.isna() | (text == ""), dtype=bool)
            if blank.any() and not col.nullable:
                _raise_at(blank, raw, "blank cell", src, c, "fill in the value from the published source")
            if col.allowed is not None:
                outside = ~blank & ~text.isin(col.allowed).to_numpy(dtype=bool)
                if outside.any():
                    allowed = sorted(col.allowed)
                    listed = ", ".join(allowed[:12]) + (", ..." if len(allowed) > 12 else "")
                    _raise_at(outside, raw, "{value} is not an allowed value", src, c, f"use one of: {listed}")
            out[name] = text.where(~pd.Series(blank, index=text.index)) if col.nullable else text
    result = pd.DataFrame(out, index=df.index)
    if schema.key:
        check_key(result, schema.key, source=src, columns=headers)
    result.attrs = {k: v for k, v in df.attrs.items() if k != "corrections"}
    result.attrs["corrections"] = corrections
    return result


def check_key(df: pd.DataFrame, key: Sequence[str], *, source: str | Path | None = None,
              columns: dict[str, str] | None = None) -> None:
    """Raise if two rows share ``key``: a repeated row would double a total.

    Used by :func:`validate` for a schema's key, and by loaders after a correction that
    can make two published rows the same (two spellings of one force, a misprinted date).

    Parameters
    ----------
    df : DataFrame
    key : sequence of str
        Columns of ``df`` that identify a row.
    source : str or Path, optional
        The file named in the error.
    columns : dict, optional
        ``df`` column -> the header as published, for the message.

    Raises
    ------
    DataValidationError
        Naming the second row (1-based: the index label + 1 for an integer index, so rows
        keep their file numbers after a filter) and the first row with the same key.

    Examples
    --------
    >>> check_key(pd.DataFrame({"a": [1, 2, 1]}), ["a"], source="x.csv")
    Traceback (most recent call last):
    ...
    alliance_analysis.errors.DataValidationError: x.csv: column 'a', row 3: duplicate key (1,) (first on row 1). Fix: one row per a: remove the repeated row (duplicates would double totals)
    """
    key = list(key)
    missing = [k for k in key if k not in df.columns]
    if missing:
        from alliance_analysis.errors import ParameterError

        raise ParameterError(f"key column(s) {missing} are not in the frame")
    if len(df) < 2:
        return
    first_dup = df.duplicated(key, keep="first").to_numpy()
    if not first_dup.any():
        return
    i = _first(first_dup)
    values = tuple(v.item() if isinstance(v, np.generic) else v for v in (df[k].iloc[i] for k in key))
    same = (df[key] == df[key].iloc[i]).all(axis=1).to_numpy()
    j = _first(same) if same.any() else i  # a missing value in the key never equals itself
    integer_index = pd.api.types.is_integer_dtype(df.index.dtype)
    row_i = int(df.index[i]) + 1 if integer_index else i + 1
    row_j = int(df.index[j]) + 1 if integer_index else j + 1
    n_dup = int(first_dup.sum())
    more = f"; {n_dup} duplicated row(s) in all" if n_dup > 1 else ""
    raise DataValidationError(
        f"duplicate key {_show(values)[:_SHOW]} (first on row {row_j}){more}", file=source,
        column=(columns or {}).get(key[0], key[0]), row=row_i,
        fix=f"one row per {', '.join((columns or {}).get(k, k) for k in key)}: remove the repeated row "
            "(duplicates would double totals)")


def check_complete_grid(df: pd.DataFrame, *, period: str, unit: str, item: str | None = None,
                        grid: np.ndarray | pd.Series | None = None, source: str | Path | None = None,
                        what: str = "table", columns: dict[str, str] | None = None, noun: str = "row") -> None:
    """Refuse a table that is not the complete grid its publisher prints (a file missing its last rows).

    The rule, for any path: (1) without ``item``, every ``unit`` appears in every ``period``
    (e.g. every district in every year); with ``item``, within each ``period`` every
    ``unit`` has every ``item`` that more than half the units of that period have (e.g.
    every force has every offence code most forces print for that quarter: the tables print
    zeros, they do not omit rows; a code only one force uses is not required of others); units outside ``grid``
    (a boolean mask, e.g. the pseudo-forces) are exempt from (1); (2) the last period has
    every unit of the period before it, so rows dropped from the end of a file are caught
    even when they remove whole units.

    Parameters
    ----------
    df : DataFrame
        Validated rows, in file order (the index gives 1-based file rows).
    period, unit, item : str
        Columns of ``df``.
    grid : boolean array, optional
        Rows taking part in rule (1) (default: all).
    source : str or Path, optional
        The file named in the error.
    what : str
        What the table is, for the message.
    columns : dict, optional
        ``df`` column -> header as published, for the message.
    noun : str
        What one row gives, for the message (``"population"``: "'W06000022' has no population for 2010").

    Raises
    ------
    DataValidationError
        Naming the period, the unit, how many items it has of how many, the last row of the
        file, and the fix.

    Examples
    --------
    >>> df = pd.DataFrame({"y": [2019, 2019, 2020], "code": ["A", "B", "A"]})
    >>> check_complete_grid(df, period="y", unit="code", source="p.csv", what="population")
    Traceback (most recent call last):
    ...
    alliance_analysis.errors.DataValidationError: p.csv: column 'code', row 3: population: 'B' has no row for 2020 (present in 1 of 2 periods); the file looks truncated or rows were dropped. Fix: restore the complete file from its source: every unit is published for every period of the table
    """
    if len(df) == 0:
        return
    cols = columns or {}
    last_row = len(df)
    fix_item = "restore the complete file from its source: the published table prints every row (zeros included)"
    sub = df if grid is None else df[np.asarray(grid, dtype=bool)]
    if item is None:
        n_periods = sub[period].nunique()
        per_unit = sub.groupby(unit, sort=False)[period].nunique()
        short = per_unit[per_unit < n_periods]
        if len(short):
            u = short.index[0]
            have = set(sub.loc[sub[unit] == u, period])
            missing = [v for v in pd.unique(sub[period]) if v not in have]
            raise DataValidationError(
                f"{what}: {_show(u)} has no {noun} for {missing[0]} (present in {int(short.iloc[0])} of {n_periods} "
                "periods); the file looks truncated or rows were dropped", file=source,
                column=cols.get(unit, unit), row=last_row,
                fix="restore the complete file from its source: every unit is published for every period of the table")
    else:
        pairs = sub[[period, unit, item]].drop_duplicates()
        n_units = pairs.groupby(period, sort=False)[unit].nunique()
        per_item = pairs.groupby([period, item], sort=False)[unit].nunique()
        common = per_item[per_item.to_numpy() * 2 > n_units.reindex(per_item.index.get_level_values(0)).to_numpy()]
        n_common = common.groupby(level=0, sort=False).size()
        keys = pd.MultiIndex.from_frame(pairs[[period, item]])
        has = pairs[keys.isin(common.index)].groupby([period, unit], sort=False)[item].nunique()
        units = pairs[[period, unit]].drop_duplicates()
        have = has.reindex(pd.MultiIndex.from_frame(units), fill_value=0)
        need = n_common.reindex(have.index.get_level_values(0), fill_value=0).to_numpy()
        short = have[have.to_numpy() < need]
        if len(short):
            (pv, u), got = short.index[0], int(short.iloc[0])
            total = int(n_common[pv])
            raise DataValidationError(
                f"{what}: {_show(u)} has {got} of the {total} {cols.get(item, item)} values published for most "
                f"units in {pd.Timestamp(pv).date() if isinstance(pv, pd.Timestamp) else pv}; the file looks "
                "truncated or rows were dropped", file=source, column=cols.get(item, item), row=last_row,
                fix=fix_item)
    periods = sorted(pd.unique(df[period]))
    if len(periods) >= 2:
        prev = set(df.loc[df[period] == periods[-2], unit])
        last = set(df.loc[df[period] == periods[-1], unit])
        gone = sorted(prev - last, key=str)
        if gone:
            pv = periods[-1]
            shown = pd.Timestamp(pv).date() if isinstance(pv, pd.Timestamp) else pv
            raise DataValidationError(
                f"{what}: the last period ({shown}) lacks {len(gone)} unit(s) present in the period before it "
                f"(first: {_show(gone[0])}); the file looks truncated", file=source, column=cols.get(unit, unit),
                row=last_row, fix=fix_item)


def load_table(path: str | Path, schema: Schema, **read_csv_kwargs: Any) -> pd.DataFrame:
    """:func:`read_table` then :func:`validate`: the one call most loaders need.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "g.csv"
    >>> _ = p.write_text("force,grant\\nDorset,10\\n")
    >>> load_table(p, Schema("grant", [Column("force"), Column("grant", "count")]))["grant"].sum()
    np.int64(10)
    """
    return validate(read_table(path, schema, **read_csv_kwargs), schema, source=path)
