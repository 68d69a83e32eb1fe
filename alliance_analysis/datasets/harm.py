"""Harm weights: ONS Crime Severity Score per offence code, Cambridge Crime Harm Index per subgroup.

Examples
--------
>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "c.csv"
>>> _ = p.write_text("category,prc_subgroup,cchi_days,national_count_2024_25\\nRobbery,Robbery of business property,365,10\\n")
>>> load_cchi_weights(p)[["offence_subgroup", "cchi_days"]].values.tolist()
[['Robbery of business property', 365.0]]
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from alliance_analysis.errors import DataValidationError


def _read(path: str | Path, required: tuple[str, ...]) -> pd.DataFrame:
    p = Path(path)
    if not p.exists():
        raise DataValidationError("file not found", file=p, fix="check the path")
    df = pd.read_csv(p, comment="#", encoding_errors="replace")
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise DataValidationError(f"missing columns {missing}", file=p, fix=f"expected columns {list(required)}")
    return df


def _weights(df: pd.DataFrame, col: str, p: str | Path) -> pd.Series:
    w = pd.to_numeric(df[col], errors="coerce")
    bad = w.isna() | (w < 0)
    if bad.any():
        i = int(bad.to_numpy().nonzero()[0][0])
        raise DataValidationError(f"weight '{df[col].iloc[i]}' is not a non-negative number", file=p, column=col,
                                  row=i + 1, fix="weights are days of custody (CCHI) or CSS weights, >= 0")
    return w.astype(float)


def load_css_weights(path: str | Path) -> pd.DataFrame:
    """ONS Crime Severity Score weights: ``offence_code``, ``offence_description``, ``category``, ``css_weight``."""
    df = _read(path, ("code_severity", "description", "weight"))
    out = pd.DataFrame({"offence_code": df["code_severity"].astype(str).str.strip(),
                        "offence_description": df["description"].astype(str),
                        "category": df.get("category_counts", pd.Series([""] * len(df))).astype(str),
                        "css_weight": _weights(df, "weight", path)})
    # the ONS file lists some codes twice (an old code mapped onto its successor, e.g. 30A -> 30C)
    # with the same weight: keep one row; conflicting weights for one code are an error
    conflicts = out.groupby("offence_code")["css_weight"].nunique()
    if (conflicts > 1).any():
        raise DataValidationError(f"offence code {conflicts[conflicts > 1].index[0]!r} has two different weights",
                                  file=path, column="code_severity", fix="one weight per offence code")
    return out.drop_duplicates("offence_code").reset_index(drop=True)


def load_cchi_weights(path: str | Path) -> pd.DataFrame:
    """Cambridge Crime Harm Index: ``category`` (police.uk type), ``offence_subgroup``, ``cchi_days`` [, ``national_count``]."""
    df = _read(path, ("category", "prc_subgroup", "cchi_days"))
    out = pd.DataFrame({"category": df["category"].astype(str), "offence_subgroup": df["prc_subgroup"].astype(str),
                        "cchi_days": _weights(df, "cchi_days", path)})
    count_cols = [c for c in df.columns if c.startswith("national_count")]
    if count_cols:
        out["national_count"] = pd.to_numeric(df[count_cols[0]], errors="coerce")
    return out
