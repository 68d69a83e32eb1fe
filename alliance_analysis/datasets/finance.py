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

import re
from pathlib import Path

import pandas as pd

from alliance_analysis import clean
from alliance_analysis.errors import DataValidationError
from alliance_analysis.validation import Column, Schema, read_table, validate

#: the per-force figures are rounded to the pound: the sum may differ from a stated total by GBP 1 a force
_ROUNDING_PER_ROW = 1

_TOTAL = re.compile(r"total\s+reconciles\s+to\s+(?:£|GBP\s*)?([\d,]+)", re.IGNORECASE)


def _stated_total(path: Path) -> int | None:
    """The national total stated in the file's ``#`` notes ("reconciles to £9,806,553,489"), if any."""
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if not line.startswith("#"):
                    break
                m = _TOTAL.search(line)
                if m:
                    return int(m.group(1).replace(",", ""))
    except OSError:
        return None
    return None


def load_police_grant(path: str | Path, *, financial_year: str = "2025/26") -> pd.DataFrame:
    """Central government police grant per force: ``force``, ``financial_year``, ``grant_gbp`` (int, cash).

    Lines starting with ``#`` are comments (the file's notes, e.g. that Welsh forces are understated).
    Every force appears once (a repeated row would double the national total); a blank, text,
    negative, fractional or infinite grant is an error. When the notes state the national total
    ("National total reconciles to £9,806,553,489"), the rows must add up to it (within GBP 1 a
    force for rounding), so a truncated or padded file is refused.

    Raises
    ------
    DataValidationError
        Missing file or columns, a bad value, a repeated force or a total that does not reconcile;
        the message names the file, row and column.
    """
    p = Path(path)
    value_col = Column("grant_gbp", "count", aliases=("budget_gbp",))
    schema = Schema("police grant table", [Column("force"), value_col], key=("force",))
    raw = read_table(p, schema, comment="#")
    df = validate(raw, schema, source=p)
    header = "grant_gbp" if "grant_gbp" in raw.columns else "budget_gbp"
    out = clean.normalise_force_names(pd.DataFrame({"force": df["force"], "financial_year":
                                                    clean.normalise_financial_year(financial_year),
                                                    "grant_gbp": df["grant_gbp"].astype("int64")}), source=str(p))
    dup = out["force"].duplicated()
    if dup.any():  # two spellings of one force ("Devon & Cornwall" and "Devon and Cornwall")
        i = int(dup.to_numpy().nonzero()[0][0])
        raise DataValidationError(f"force {out['force'].iloc[i]!r} appears twice (two spellings)", file=p,
                                  column="force", row=i + 1, fix="one row per force")
    stated = _stated_total(p)
    if stated is not None:
        total = int(out["grant_gbp"].sum())
        if abs(total - stated) > _ROUNDING_PER_ROW * len(out):
            raise DataValidationError(
                f"the rows add up to GBP {total:,}, but the file's notes state a national total of GBP {stated:,}",
                file=p, column=header, fix="restore the complete published table (rows missing, added or changed?)")
    return out
