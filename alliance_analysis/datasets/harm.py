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


def load_offence_to_police_uk(path: str | Path) -> pd.DataFrame:
    """ONS offence code -> police.uk category join: ``offence_code``, ``offence_description``, ``css_weight``, ``crime_type``.

    ``crime_type`` is the police.uk spelling (``"Criminal damage and arson"``; the file
    title-cases it). Duplicated codes are kept once.
    """
    from alliance_analysis.taxonomy import canonical_crime_type

    df = _read(path, ("ONS_SEVERITY_code", "ONS_COUNTS_description", "ONS_SEVERITY_weight",
                      "POLICE_UK_CAT_MAP_category"))
    cats = df["POLICE_UK_CAT_MAP_category"].astype(str).str.strip()
    mapping = {}
    for i, c in enumerate(cats):
        if c not in mapping:
            try:
                mapping[c] = canonical_crime_type(c)
            except DataValidationError:
                raise DataValidationError(f"unknown police.uk category {c!r}", file=path,
                                          column="POLICE_UK_CAT_MAP_category", row=i + 1,
                                          fix="use a police.uk crime type name") from None
    out = pd.DataFrame({"offence_code": df["ONS_SEVERITY_code"].astype(str).str.strip(),
                        "offence_description": df["ONS_COUNTS_description"].astype(str).str.strip(),
                        "css_weight": _weights(df, "ONS_SEVERITY_weight", path),
                        "crime_type": cats.map(mapping)})
    return out.drop_duplicates("offence_code").reset_index(drop=True)


def load_police_cost_and_hours(path: str | Path) -> pd.DataFrame:
    """Police cost and implied hours per offence (Home Office costs of crime 2018).

    The file is Windows-1252 encoded (its last header holds a pound sign as byte
    0xA3), so it is decoded as cp1252. Returns ``offence``, ``event_priority``,
    ``css_weight``, ``cost_gbp``, ``cost_category``, ``police_hours`` (hours at
    GBP 50 per hour; cost and hours are missing where the source leaves them blank).
    """
    p = Path(path)
    if not p.exists():
        raise DataValidationError("file not found", file=p, fix="check the path")
    df = pd.read_csv(p, encoding="cp1252")
    hours_col = next((c for c in df.columns if c.startswith("Police Hours")), None)
    need = ["Offence", "Event-Priority", "Weight", "Cost", "Cost cat"]
    missing = [c for c in need if c not in df.columns] + ([] if hours_col else ["Police Hours Assuming ..."])
    if missing:
        raise DataValidationError(f"missing columns {missing}", file=p, fix=f"expected columns {need}")
    out = pd.DataFrame({
        "offence": df["Offence"].astype(str).str.strip(),
        "event_priority": pd.to_numeric(df["Event-Priority"], errors="coerce").astype("Int64"),
        "css_weight": _weights(df, "Weight", p),
        "cost_gbp": pd.to_numeric(df["Cost"], errors="coerce"),  # blank where the source has no cost
        "cost_category": df["Cost cat"].astype(str).str.strip(),
        "police_hours": pd.to_numeric(df[hours_col], errors="coerce"),
    })
    return out


def load_css_by_force(path: str | Path) -> pd.DataFrame:
    """ONS Crime Severity Score per force and year ending March: ``force``, ``force_code``, ``year``, ``css``.

    Force names are canonical (``clean.canonical_force_name``); years the source
    leaves blank keep a missing ``css`` (explicit gap, never filled).
    """
    from alliance_analysis.clean import canonical_force_name

    df = _read(path, ("code", "name", "year", "score"))
    names = {n: canonical_force_name(n, source=str(path)) for n in df["name"].astype(str).unique()}
    year = pd.to_numeric(df["year"], errors="coerce")
    if year.isna().any():
        i = int(year.isna().to_numpy().nonzero()[0][0])
        raise DataValidationError("year is not a number", file=path, column="year", row=i + 1,
                                  fix="year ending March as a four-digit year")
    out = pd.DataFrame({"force": df["name"].astype(str).map(names), "force_code": df["code"].astype(str),
                        "year": year.astype("int64"),
                        "css": pd.to_numeric(df["score"], errors="coerce")})  # missing years stay missing
    return out.sort_values(["force", "year"]).reset_index(drop=True)
