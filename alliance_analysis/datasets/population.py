"""Population by police force area.

``load_census_2011_population()`` sums Census 2011 usual residents (table KS101EW,
as shipped in the ``crime-sim-toolkit`` wheel's ``LSOA_data``) over each force's
local authority districts. The wheel's own LSOA -> force lookup leaves 53 English
districts (e.g. Warwick, Wychavon, every Devon district) and all of Wales without a
force, which would halve some forces' populations; each district lies wholly in one
force area, so districts are mapped by the wheel's lookup where it has them and by the
hand-written ``data/raw/reference/lad_to_force_supplement_2011.csv`` otherwise. Every
LSOA must end up in a force, or the loader raises.

Examples
--------
>>> pop = load_census_2011_population()
>>> pop.loc[pop["force"] == "Warwickshire", "population"].item() > 500_000
True
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from alliance_analysis import clean, paths
from alliance_analysis.errors import DataValidationError

LSOA_POPULATION = "crime_sim_toolkit/src/LSOA_data/census_2011_population_hh.csv"
LSOA_FORCE = "crime_sim_toolkit/src/LSOA_data/PoliceforceLSOA.csv"


def load_census_2011_population() -> pd.DataFrame:
    """Census 2011 usual residents by police force area (England).

    Returns
    -------
    DataFrame
        ``force``, ``year`` (2011), ``population`` (int), ``lsoas`` (number summed).
    """
    pop_path = paths.crime_sim_toolkit_file(LSOA_POPULATION)
    lk_path = paths.crime_sim_toolkit_file(LSOA_FORCE)
    pop = pd.read_csv(pop_path, usecols=["Local authority code", "LSOA Code", "Persons"], thousands=",",
                      encoding="utf-8-sig")
    lk = pd.read_csv(lk_path, usecols=["Local authority code", "Police_force"]).dropna().drop_duplicates()
    if pop["LSOA Code"].duplicated().any():
        raise DataValidationError("duplicate LSOA codes", file=pop_path, column="LSOA Code",
                                  fix="reinstall crime-sim-toolkit==1.5.0")
    sup_path = paths.REFERENCE_DIR / "lad_to_force_supplement_2011.csv"
    sup = pd.read_csv(sup_path).rename(columns={"lad_code": "Local authority code", "force": "Police_force"})
    lad_force = pd.concat([lk, sup[["Local authority code", "Police_force"]]], ignore_index=True)
    if lad_force["Local authority code"].duplicated().any():
        dup = lad_force["Local authority code"][lad_force["Local authority code"].duplicated()].iloc[0]
        raise DataValidationError(f"district {dup} is mapped to more than one force", file=sup_path,
                                  column="lad_code", fix="remove it from the supplement")
    merged = pop.merge(lad_force, on="Local authority code", how="left")
    if merged["Police_force"].isna().any():
        lad = merged.loc[merged["Police_force"].isna(), "Local authority code"].iloc[0]
        raise DataValidationError(f"district {lad} has no police force", file=sup_path, column="lad_code",
                                  fix="add the district and its force to the supplement")
    out = merged.groupby("Police_force").agg(population=("Persons", "sum"), lsoas=("LSOA Code", "size")).reset_index()
    out = out.rename(columns={"Police_force": "force"})
    out = clean.normalise_force_names(out, "force", source=str(lk_path))
    out["year"] = 2011
    out["population"] = out["population"].astype("int64")
    return out[["force", "year", "population", "lsoas"]].sort_values("force").reset_index(drop=True)


def load_population_2001_2010(path: str | Path) -> pd.DataFrame:
    """Mid-year population by force 2001-2010 (thousands in the file; persons returned).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "p.csv"
    >>> _ = p.write_text("Police Force,Mid 2001,Mid 2002,\\nDorset,690.1,695.5,\\n")
    >>> load_population_2001_2010(p)["population"].tolist()
    [690100, 695500]
    """
    p = Path(path)
    raw = pd.read_csv(p)
    raw = raw.loc[:, [c for c in raw.columns if not str(c).startswith("Unnamed")]]
    if "Police Force" not in raw.columns:
        raise DataValidationError("column is missing", file=p, column="Police Force",
                                  fix="expected columns 'Police Force', 'Mid 2001', ... 'Mid 2010'")
    long = raw.melt(id_vars="Police Force", var_name="year", value_name="thousands")
    long["year"] = long["year"].str.extract(r"(\d{4})", expand=False).astype(int)
    vals = pd.to_numeric(long["thousands"], errors="coerce")
    if vals.isna().any() or (vals < 0).any():
        i = int((vals.isna() | (vals < 0)).to_numpy().nonzero()[0][0])
        raise DataValidationError(f"population {long['thousands'].iloc[i]!r} is not a non-negative number", file=p,
                                  row=i + 1, fix="population is in thousands")
    long["population"] = (vals * 1000).round().astype("int64")
    long = long.rename(columns={"Police Force": "force"})
    long = clean.normalise_force_names(long, "force", source=str(p))
    return long[["force", "year", "population"]].sort_values(["force", "year"]).reset_index(drop=True)


def load_population_mid2018(path: str | Path) -> pd.DataFrame:
    """Mid-2018 population by police force area (regions and nations dropped).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "p.csv"
    >>> _ = p.write_text("code,name,MYE2018,SNHP2017\\nE92000001,ENGLAND,1,1\\nE23000017,Warwickshire,571010,240000\\n")
    >>> load_population_mid2018(p).values.tolist()
    [['Warwickshire', 2018, 571010]]
    """
    p = Path(path)
    df = pd.read_csv(p)
    for c in ("code", "name", "MYE2018"):
        if c not in df.columns:
            raise DataValidationError("column is missing", file=p, column=c, fix="expected code, name, MYE2018")
    df = df[df["code"].astype(str).str.startswith(("E23", "W15"))]
    out = pd.DataFrame({"force": df["name"], "year": 2018, "population": pd.to_numeric(df["MYE2018"]).astype("int64")})
    return clean.normalise_force_names(out, "force", source=str(p)).reset_index(drop=True)
