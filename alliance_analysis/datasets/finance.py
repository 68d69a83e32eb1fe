"""Police grant (finance) by force.

Examples
--------
>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "g.csv"
>>> _ = p.write_text("# note\\nforce,budget_gbp\\nDevon & Cornwall,100\\n")
>>> load_police_grant(p, financial_year="2025/26").values.tolist()
[['Devon and Cornwall', '2025/26', 100]]
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from alliance_analysis import clean
from alliance_analysis.errors import DataValidationError


def load_police_grant(path: str | Path, *, financial_year: str = "2025/26") -> pd.DataFrame:
    """Central government police grant per force: ``force``, ``financial_year``, ``grant_gbp`` (int, cash).

    Lines starting with ``#`` are comments (the file's notes, e.g. that Welsh forces are understated).
    """
    p = Path(path)
    df = pd.read_csv(p, comment="#")
    value = next((c for c in ("grant_gbp", "budget_gbp") if c in df.columns), None)
    if "force" not in df.columns or value is None:
        raise DataValidationError("missing columns", file=p, fix="expected columns force and grant_gbp (or budget_gbp)")
    v = pd.to_numeric(df[value], errors="coerce")
    if v.isna().any() or (v < 0).any():
        i = int((v.isna() | (v < 0)).to_numpy().nonzero()[0][0])
        raise DataValidationError(f"grant '{df[value].iloc[i]}' is not a non-negative number", file=p, column=value,
                                  row=i + 1, fix="give the grant in pounds")
    out = clean.normalise_force_names(pd.DataFrame({"force": df["force"], "financial_year":
                                                    clean.normalise_financial_year(financial_year),
                                                    "grant_gbp": v.round().astype("int64")}), source=str(p))
    return out
