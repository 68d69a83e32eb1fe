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


def _read(path: str | Path, required: tuple[str, ...]) -> pd.DataFrame:
    p = Path(path)
    df = pd.read_csv(p, dtype=str, encoding="utf-8-sig")
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise DataValidationError(f"missing columns {missing}", file=p, fix=f"expected columns {list(required)}")
    return df


def load_lad_csp_pfa(path: str | Path) -> pd.DataFrame:
    """LAD -> CSP -> PFA (2017): ``lad_code``, ``lad_name``, ``csp_code``, ``csp_name``, ``pfa_code``, ``force``."""
    df = _read(path, ("LAD17CD", "LAD17NM", "CSP17CD", "CSP17NM", "PFA17CD", "PFA17NM"))
    out = pd.DataFrame({"lad_code": df["LAD17CD"], "lad_name": df["LAD17NM"], "csp_code": df["CSP17CD"],
                        "csp_name": df["CSP17NM"], "pfa_code": df["PFA17CD"], "force": df["PFA17NM"]})
    if out["lad_code"].duplicated().any():
        raise DataValidationError(f"district {out.loc[out['lad_code'].duplicated(), 'lad_code'].iloc[0]} appears twice",
                                  file=path, column="LAD17CD", fix="one row per district")
    return clean.normalise_force_names(out, "force", source=str(path))


def load_lad_pfa(path: str | Path) -> pd.DataFrame:
    """LAD -> PFA (2021): ``lad_code``, ``pfa_code``, ``force``."""
    df = _read(path, ("lad21cd", "pfa21cd", "pfa21nm"))
    out = pd.DataFrame({"lad_code": df["lad21cd"], "pfa_code": df["pfa21cd"], "force": df["pfa21nm"]})
    return clean.normalise_force_names(out, "force", source=str(path))
