"""Geography lookups: local authority district -> community safety partnership -> police force area.

Examples
--------
>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "l.csv"
>>> _ = p.write_text("lad21cd,pfa21cd,pfa21nm\\nE07000222,E23000017,Warwickshire\\n")
>>> load_lad_pfa(p).values.tolist()
[['E07000222', 'E23000017', 'Warwickshire']]
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from alliance_analysis import clean
from alliance_analysis.errors import DataValidationError
from alliance_analysis.validation import Column, Schema, read_table, validate

#: districts in the published lookups (``../shared/data/lookups``; ``data/raw/lookups``): a copy of
#: one of these files (same name) with fewer rows is refused as truncated
PUBLISHED_ROWS: dict[str, int] = {"lad_csp_pfa_2017.csv": 348, "lad_pfa_2021.csv": 331}

_CODE = r"^[EWSN]\d{8}$"


def _load(path: str | Path, columns: list[str], what: str) -> pd.DataFrame:
    schema = Schema(what, [Column(c) for c in columns], key=(columns[0],),
                    expected_rows=PUBLISHED_ROWS.get(Path(path).name))
    df = validate(read_table(path, schema), schema, source=path)
    for c in columns:
        if c.upper().endswith("CD"):
            bad = ~df[c].str.match(_CODE).to_numpy(dtype=bool)
            if bad.any():
                i = int(bad.nonzero()[0][0])
                raise DataValidationError(f"{df[c].iloc[i]!r} is not a GSS code", file=path, column=c, row=i + 1,
                                          fix="GSS codes are a letter and eight digits, e.g. E07000222")
    return df


def load_lad_csp_pfa(path: str | Path) -> pd.DataFrame:
    """LAD -> CSP -> PFA (2017): ``lad_code``, ``lad_name``, ``csp_code``, ``csp_name``, ``pfa_code``, ``force``.

    One row per district (a repeated district is an error: it would count its population twice).
    """
    df = _load(path, ["LAD17CD", "LAD17NM", "CSP17CD", "CSP17NM", "PFA17CD", "PFA17NM"], "LAD-CSP-PFA lookup")
    out = pd.DataFrame({"lad_code": df["LAD17CD"], "lad_name": df["LAD17NM"], "csp_code": df["CSP17CD"],
                        "csp_name": df["CSP17NM"], "pfa_code": df["PFA17CD"], "force": df["PFA17NM"]})
    return clean.normalise_force_names(out, "force", source=str(path))


def load_lad_pfa(path: str | Path) -> pd.DataFrame:
    """LAD -> PFA (2021): ``lad_code``, ``pfa_code``, ``force``.

    One row per district (a repeated district is an error: it would count its population twice).
    """
    df = _load(path, ["lad21cd", "pfa21cd", "pfa21nm"], "LAD-PFA lookup")
    out = pd.DataFrame({"lad_code": df["lad21cd"], "pfa_code": df["pfa21cd"], "force": df["pfa21nm"]})
    return clean.normalise_force_names(out, "force", source=str(path))
