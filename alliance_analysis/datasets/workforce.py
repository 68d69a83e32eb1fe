"""Home Office police workforce by force (tidy long table of FTE and headcounts).

Examples
--------
>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "w.csv"
>>> _ = p.write_text("as_at,area,is_region_or_total,measure,value,source_file,sheet\\n"
...     "2015-03-31,Devon & Cornwall,False,officers_fte,3000.5,a.ods,T1\\n"
...     "2015-03-31,Devon & Cornwall,False,officers_fte,3001.5,b.ods,T1\\n"
...     "2015-03-31,South West,True,officers_fte,1,b.ods,T1\\n")
>>> load_workforce(p)[["force", "value"]].values.tolist()
[['Devon and Cornwall', 3001.5]]
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from alliance_analysis import clean
from alliance_analysis.errors import DataValidationError

MEASURES = ("officers_fte", "staff_fte", "pcso_fte", "designated_officers_fte", "special_constables_headcount",
            "staff_plus_designated_fte")
_REQUIRED = ("as_at", "area", "is_region_or_total", "measure", "value", "source_file")


def load_workforce(path: str | Path) -> pd.DataFrame:
    """Tidy workforce: ``force``, ``as_at``, ``measure``, ``value``, ``source_file``.

    Regions and totals are dropped; where several vintages give the same force, date and
    measure, the latest ``source_file`` (sorted by name, which encodes the publication) wins;
    non-force areas (e.g. central service secondments) are dropped.
    """
    p = Path(path)
    df = pd.read_csv(p)
    missing = [c for c in _REQUIRED if c not in df.columns]
    if missing:
        raise DataValidationError(f"missing columns {missing}", file=p, fix=f"expected {list(_REQUIRED)}")
    unknown = sorted(set(df["measure"]) - set(MEASURES))
    if unknown:
        raise DataValidationError(f"unknown measures {unknown}", file=p, column="measure", fix=f"use {list(MEASURES)}")
    vals = pd.to_numeric(df["value"], errors="coerce")
    bad = (vals.isna() & df["value"].notna()) | (vals < 0)
    if bad.any():
        i = int(bad.to_numpy().nonzero()[0][0])
        raise DataValidationError(f"value '{df['value'].iloc[i]}' is not a non-negative number", file=p, column="value",
                                  row=i + 1, fix="correct the figure")
    df = df.assign(value=vals).dropna(subset=["value"])  # blank cells in the published tables stay absent
    df = df[~df["is_region_or_total"].astype(str).str.lower().eq("true")]
    keep = []
    for area in df["area"].unique():
        try:
            keep.append((area, clean.canonical_force_name(area)))
        except DataValidationError:
            continue  # not a force (e.g. Central Service Secondments)
    names = dict(keep)
    df = df[df["area"].isin(names)].assign(force=lambda d: d["area"].map(names))
    df["as_at"] = pd.to_datetime(df["as_at"])
    df = df.sort_values("source_file").drop_duplicates(["force", "as_at", "measure"], keep="last")
    return df[["force", "as_at", "measure", "value", "source_file"]].sort_values(
        ["force", "measure", "as_at"]).reset_index(drop=True)
