"""Sources: the manifest of shipped files and the sources table of a report."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from alliance_analysis import paths
from alliance_analysis.errors import DataValidationError

if TYPE_CHECKING:  # pragma: no cover
    from alliance_analysis.series.sources import CrimeSeries

_SOURCES_COLUMNS = ("file", "publisher", "title", "official_source_url", "release_date", "licence", "attribution",
                    "sha256")


def read_sources(path: str | Path | None = None) -> pd.DataFrame:
    """Read the manifest of shipped files (``data/raw/SOURCES.csv``), validated.

    Raises
    ------
    DataValidationError
        Missing file or columns, or a row without publisher, release date or licence.

    Examples
    --------
    >>> s = read_sources()
    >>> bool((s["licence"] == "Open Government Licence v3.0").all())
    True
    """
    p = Path(path) if path is not None else paths.SOURCES_CSV
    try:
        df = pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8")
    except FileNotFoundError:
        raise DataValidationError("sources manifest not found", file=p,
                                  fix="restore data/raw/SOURCES.csv from the repository") from None
    except (UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise DataValidationError(f"sources manifest is not a UTF-8 CSV ({exc})", file=p,
                                  fix="save it as UTF-8 CSV") from None
    missing = [c for c in _SOURCES_COLUMNS if c not in df.columns]
    if missing:
        raise DataValidationError("sources manifest lacks columns", file=p, column=", ".join(missing),
                                  fix=f"columns are {', '.join(_SOURCES_COLUMNS)}")
    for col in ("file", "publisher", "release_date", "licence"):
        blank = np.flatnonzero(df[col].str.strip().eq("").to_numpy())
        if len(blank):
            raise DataValidationError(f"no {col} for a shipped file", file=p, row=int(blank[0]) + 1, column=col,
                                      fix=f"every shipped file needs its {col}")
    return df


def sources_table(manifest: pd.DataFrame | None = None, *, coverage: Mapping[str, str] | None = None,
                  extra: Sequence[Mapping[str, str]] = ()) -> pd.DataFrame:
    """One row per source: what, publisher, release, coverage, licence and attribution.

    Parameters
    ----------
    manifest : DataFrame, optional
        :func:`read_sources` output (default: the shipped manifest).
    coverage : mapping, optional
        File (as in the manifest) -> coverage text; files not given show ``"–"``.
    extra : sequence of mappings
        Further rows (e.g. the report's own archive) with the same keys as the output
        columns in lower case: ``source``, ``publisher``, ``release``, ``coverage``,
        ``licence``, ``attribution``, ``file``.

    Returns
    -------
    DataFrame
        ``Source``, ``Publisher``, ``Release``, ``Coverage``, ``Licence``, ``Attribution``,
        ``File`` (human labels; the table is for reading).

    Examples
    --------
    >>> m = pd.DataFrame({"file": ["a.csv"], "publisher": ["Home Office"], "title": ["Crime"],
    ...                   "official_source_url": ["https://x"], "release_date": ["2019-04-25"],
    ...                   "licence": ["OGL v3"], "attribution": ["Contains PSI"], "sha256": ["0"]})
    >>> sources_table(m, coverage={"a.csv": "2003-2018"})[["Source", "Release", "Coverage"]].values.tolist()
    [['Crime', '25 April 2019', '2003-2018']]
    """
    m = read_sources() if manifest is None else manifest
    coverage = dict(coverage or {})
    rows = []
    for r in m.itertuples(index=False):
        try:
            release = pd.Timestamp(r.release_date).strftime("%-d %B %Y")
        except ValueError:
            release = str(r.release_date)
        rows.append({"source": r.title, "publisher": r.publisher, "release": release,
                     "coverage": coverage.get(r.file, "–"), "licence": r.licence, "attribution": r.attribution,
                     "file": f"data/raw/{r.file}"})
    for e in extra:
        rows.append({k: e.get(k, "–") for k in ("source", "publisher", "release", "coverage", "licence",
                                                   "attribution", "file")})
    out = pd.DataFrame(rows, columns=["source", "publisher", "release", "coverage", "licence", "attribution", "file"])
    return out.rename(columns=str.capitalize)


def series_source_row(series: CrimeSeries, path: str | Path | None = None) -> dict[str, str] | None:
    """The sources-table row of a report's crime series when it is not a shipped file.

    ``None`` for the default (its files are in the manifest).

    Examples
    --------
    >>> from alliance_analysis.series.sources import CrimeSeries
    >>> s = CrimeSeries(pd.DataFrame({"force": "A", "month": pd.period_range("2022-02", periods=2, freq="M"),
    ...                               "crime_type": "Drugs", "count": 1}), "data.police.uk street-level records",
    ...                 "as read from x", False)
    >>> series_source_row(s, "x")["licence"]
    'Open Government Licence v3.0'
    """
    if series.source == "Home Office police recorded crime" and path is None:
        return None
    ogl = "Open Government Licence v3.0"
    att = "Contains public sector information licensed under the Open Government Licence v3.0"
    if series.synthetic:
        publisher, lic, att = "this package (seeded generator)", "not applicable (synthetic)", "–"
    elif series.time == "month":
        publisher, lic = "data.police.uk (Home Office)", ogl
    else:
        publisher, lic = "Home Office", ogl
    return {"source": series.source, "publisher": publisher, "release": series.release,
            "coverage": f"{', '.join(series.forces)}: {series.period_label()}", "licence": lic, "attribution": att,
            "file": str(path) if path is not None else "–"}

