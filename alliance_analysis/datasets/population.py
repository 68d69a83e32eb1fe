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

import dataclasses
import logging
import re
from pathlib import Path

import pandas as pd

from alliance_analysis import clean, paths, validation
from alliance_analysis.errors import DataValidationError
from alliance_analysis.validation import Column, Schema

log = logging.getLogger(__name__)

LSOA_POPULATION = "crime_sim_toolkit/src/LSOA_data/census_2011_population_hh.csv"
LSOA_FORCE = "crime_sim_toolkit/src/LSOA_data/PoliceforceLSOA.csv"


#: Census 2011 usual residents by LSOA (KS101EW, as in the crime-sim-toolkit wheel): one row per LSOA.
CENSUS_LSOA_SCHEMA = Schema("the Census 2011 LSOA population table", [
    Column("Local authority code"), Column("LSOA Code"), Column("Persons", "count", thousands=True, scientific=False),
], key=("LSOA Code",))
#: The wheel's LSOA -> force lookup (blank where it has no force: filled from the supplement).
CENSUS_LSOA_FORCE_SCHEMA = Schema("the wheel's LSOA -> force lookup", [
    Column("Local authority code"), Column("Police_force", nullable=True)])
#: The hand-written district -> force supplement: one row per district.
CENSUS_SUPPLEMENT_SCHEMA = Schema("the 2011 district -> force supplement", [
    Column("lad_code"), Column("lad_name", required=False), Column("force")], key=("lad_code",))


def load_census_2011_population() -> pd.DataFrame:
    """Census 2011 usual residents by police force area (England).

    Returns
    -------
    DataFrame
        ``force``, ``year`` (2011), ``population`` (int), ``lsoas`` (number summed).

    Raises
    ------
    DataValidationError
        A fault in the wheel's tables or the supplement (:data:`CENSUS_LSOA_SCHEMA`,
        :data:`CENSUS_LSOA_FORCE_SCHEMA`, :data:`CENSUS_SUPPLEMENT_SCHEMA`), an unknown
        force name, a district mapped twice or to no force; naming the file that holds it.
    """
    pop_path = paths.crime_sim_toolkit_file(LSOA_POPULATION)
    lk_path = paths.crime_sim_toolkit_file(LSOA_FORCE)
    pop = validation.load_table(pop_path, CENSUS_LSOA_SCHEMA, encodings=("utf-8-sig",),
                                usecols=["Local authority code", "LSOA Code", "Persons"])
    lk = validation.load_table(lk_path, CENSUS_LSOA_FORCE_SCHEMA, encodings=("utf-8-sig",),
                               usecols=["Local authority code", "Police_force"])
    # the wheel's lookup leaves some LSOAs without a force (filled from the supplement below)
    lk = lk.dropna(subset=["Police_force"]).drop_duplicates()
    lk = lk.assign(Police_force=clean.canonical_force_column(lk["Police_force"], file=lk_path, column="Police_force"))
    sup_path = paths.REFERENCE_DIR / "lad_to_force_supplement_2011.csv"
    sup = validation.load_table(sup_path, CENSUS_SUPPLEMENT_SCHEMA, encodings=("utf-8-sig",))
    # each file's force names are checked against that file, so an error names the file that holds the name
    sup = sup.assign(force=clean.canonical_force_column(sup["force"], file=sup_path, column="force")).rename(
        columns={"lad_code": "Local authority code", "force": "Police_force"})
    lad_force = pd.concat([lk, sup[["Local authority code", "Police_force"]]], ignore_index=True)
    if lad_force["Local authority code"].duplicated().any():
        dup = lad_force["Local authority code"][lad_force["Local authority code"].duplicated()].iloc[0]
        twice_in_wheel = bool(lk["Local authority code"].duplicated().any())
        raise DataValidationError(f"district {dup} is mapped to more than one force",
                                  file=lk_path if twice_in_wheel else sup_path,
                                  column="Local authority code" if twice_in_wheel else "lad_code",
                                  fix="reinstall crime-sim-toolkit==1.5.0" if twice_in_wheel
                                  else "remove it from the supplement (the wheel's lookup already maps it)")
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


#: Mid-2001 - mid-2010 by force, in thousands: the year columns ("Mid 2001" ... "Mid 2010") are
#: declared as non-negative finite numbers once the header is read; one row per force.
POP_2001_2010_SCHEMA = Schema("the 2001-2010 population table", [Column("Police Force")], key=("Police Force",))
#: Mid-2018 by area (countries, regions, forces, and collaboration aggregates such as "Beds Cambs
#: Herts" printed without a code); the force rows (E23 / W15 codes) are kept; one row per area.
POP_MID2018_SCHEMA = Schema("the mid-2018 population table", [
    Column("code", nullable=True), Column("name"), Column("MYE2018", "count", scientific=False),
], key=("code", "name"))
#: ONS mid-year estimates by district: one row per district and year.
POP_LAD_SCHEMA = Schema("the population by district table", [
    Column("code"), Column("name"), Column("year", "int", scientific=False),
    Column("population", "count", scientific=False),
], key=("code", "year"))
#: Rows in the shipped mid-2001 - mid-2020 series (331 districts x 20 years).
SHIPPED_POP_LAD_ROWS = 6620
#: The district -> police force area lookup: one row per district.
LAD_PFA_SCHEMA = Schema("the district -> force lookup", [Column("lad21cd"), Column("pfa21cd"), Column("pfa21nm")],
                        key=("lad21cd",))
#: Rows in the shipped December 2021 lookup.
SHIPPED_LAD_PFA_ROWS = 331


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
    raw = validation.read_table(p, POP_2001_2010_SCHEMA, encodings=("utf-8-sig",))
    # the published file ends every line with a comma: an unnamed, empty last column
    empty = [c for c in raw.columns if (str(c).startswith("Unnamed") or not str(c).strip()) and raw[c].isna().all()]
    raw = raw.drop(columns=empty)
    years = {c: re.search(r"(\d{4})", str(c)) for c in raw.columns if c != "Police Force"}
    nodate = [c for c, m in years.items() if m is None]
    if nodate:
        raise DataValidationError(f"column {nodate[0]!r} names no year", file=p, column=nodate[0],
                                  fix="year columns are 'Mid 2001' ... 'Mid 2010'")
    schema = dataclasses.replace(POP_2001_2010_SCHEMA, columns=[
        *POP_2001_2010_SCHEMA.columns, *(Column(c, "float", nonnegative=True) for c in years)])
    df = validation.validate(raw, schema, source=p)
    force = clean.canonical_force_column(df["Police Force"], file=p, column="Police Force")
    validation.check_key(pd.DataFrame({"force": force}), ["force"], source=p, columns={"force": "Police Force"})
    parts = []
    for c, m in years.items():
        parts.append(pd.DataFrame({"force": force, "year": int(m.group(1)),
                                   "population": (df[c] * 1000).round().astype("int64")}))
    long = pd.concat(parts, ignore_index=True)
    validation.check_key(long, ["force", "year"], source=p)
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
    df = validation.load_table(p, POP_MID2018_SCHEMA, encodings=("utf-8-sig",))
    df = df[df["code"].str.startswith(("E23", "W15")).fillna(False).astype(bool)]
    out = pd.DataFrame({"force": clean.canonical_force_column(df["name"], file=p, column="name"), "year": 2018,
                        "population": df["MYE2018"].astype("int64")})
    validation.check_key(out, ["force"], source=p, columns={"force": "name"})
    return out.reset_index(drop=True)


# --------------------------------------------------------------------------- ONS mid-year estimates by district

_FIX_POP = ("restore data/raw/population/population_by_lad_mid2001_mid2020.csv.gz from git, or pass the path of "
            "the ONS mid-year estimates by district (columns code, name, year, population)")
_FIX_LOOKUP = ("restore data/raw/lookups/lad_pfa_2021.csv from git, or pass the path of the ONS district -> police "
               "force area lookup (columns lad21cd, pfa21cd, pfa21nm)")


def _read(p: Path, schema: Schema, fix: str) -> pd.DataFrame:
    if not p.exists():
        raise DataValidationError(f"{schema.name} not found", file=p, fix=fix)
    return validation.read_table(p, schema, encodings=("utf-8-sig",), fast_numbers=True)


def _count_spaces(codes: pd.Series, column: str, corrections: list[dict]) -> None:
    """Count district codes published with spaces or non-breaking spaces around them (the validation
    layer strips them); the correction is listed and logged."""
    text = codes.astype("str")
    stripped = text.str.strip()
    changed = (stripped != text).fillna(False).to_numpy(dtype=bool)
    if changed.any():
        corrections.append({"column": column, "rows": int(changed.sum()),
                            "values": sorted(set(text[changed].map(repr))),
                            "reason": "spaces around district codes removed (published with trailing spaces)"})
        log.warning("%d district codes in column %s carried spaces; stripped", int(changed.sum()), column)


def load_population_by_lad(path: str | Path | None = None) -> pd.DataFrame:
    """Load ONS mid-year population estimates by local authority district (2021 codes).

    Parameters
    ----------
    path : str or Path, optional
        Columns ``code, name, year, population``; ``None`` reads the shipped mid-2001 -
        mid-2020 series.

    Returns
    -------
    DataFrame
        ``lad_code``, ``lad_name``, ``year`` (int64), ``population`` (int64).
        ``attrs["corrections"]`` counts codes published with trailing (non-breaking)
        spaces (the two Northamptonshire unitary authorities), which are stripped.

    Raises
    ------
    DataValidationError
        Missing file or columns, a blank code, a bad year, a blank, decimal, text or
        negative population, a district given twice for one year; a file cut off mid-row (no
        line break after its last row) or missing rows (the rule, for any path: every district
        appears in every year of the file, as ONS publishes it).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "p.csv"
    >>> _ = p.write_text("code,name,year,population\\nE06000061\\u00a0,North Northamptonshire,2020,350448\\n")
    >>> df = load_population_by_lad(p)
    >>> df.values.tolist(), df.attrs["corrections"][0]["rows"]
    ([['E06000061', 'North Northamptonshire', 2020, 350448]], 1)
    """
    p = paths.POPULATION_LAD if path is None else Path(path)
    schema = POP_LAD_SCHEMA
    if path is None:
        schema = dataclasses.replace(schema, expected_rows=SHIPPED_POP_LAD_ROWS)
    raw = _read(p, schema, _FIX_POP)
    corrections: list[dict] = []
    if "code" in raw.columns:
        _count_spaces(raw["code"], "code", corrections)
    df = validation.validate(raw, schema, source=p)
    bad = (df["year"] < 1900) | (df["year"] > 2099)
    if bad.any():
        i = int(bad.to_numpy().nonzero()[0][0])
        raise DataValidationError(f"{raw['year'].iloc[i]!r} is not a year", file=p, column="year", row=i + 1,
                                  fix="write the mid-year as four digits, e.g. 2015")
    out = pd.DataFrame({"lad_code": df["code"], "lad_name": df["name"], "year": df["year"].astype("int64"),
                        "population": df["population"].astype("int64")})
    # rows dropped from the end of any file (not only the shipped one): every district in every year
    validation.check_complete_grid(out, period="year", unit="lad_code", source=p, what=schema.name,
                                   columns={"lad_code": "code", "year": "year"}, noun="population")
    out.attrs["corrections"] = corrections
    return out


def load_lad_force_lookup(path: str | Path | None = None) -> pd.DataFrame:
    """Load the district -> police force area lookup (December 2021): ``lad_code``, ``pfa_code``, ``force``.

    Examples
    --------
    >>> lk = load_lad_force_lookup()
    >>> lk.loc[lk["lad_code"] == "E07000222", "force"].item()
    'Warwickshire'
    """
    p = paths.LAD_PFA_LOOKUP if path is None else Path(path)
    schema = LAD_PFA_SCHEMA
    if path is None:
        schema = dataclasses.replace(schema, expected_rows=SHIPPED_LAD_PFA_ROWS)
    raw = _read(p, schema, _FIX_LOOKUP)
    corrections: list[dict] = []
    if "lad21cd" in raw.columns:
        _count_spaces(raw["lad21cd"], "lad21cd", corrections)
    df = validation.validate(raw, schema, source=p)
    out = pd.DataFrame({"lad_code": df["lad21cd"], "pfa_code": df["pfa21cd"],
                        "force": clean.canonical_force_column(df["pfa21nm"], file=p, column="pfa21nm")})
    out.attrs["corrections"] = corrections
    return out


def population_by_force_year(path: str | Path | None = None, lookup: str | Path | None = None) -> pd.DataFrame:
    """Mid-year population of every police force area, 2001-2020, summed over its districts.

    Every district is joined to its force by code; a district the lookup does not know
    is an error naming it (never dropped).

    Parameters
    ----------
    path : str or Path, optional
        Population by district (see :func:`load_population_by_lad`).
    lookup : str or Path, optional
        District -> force lookup (see :func:`load_lad_force_lookup`).

    Returns
    -------
    DataFrame
        ``force``, ``year``, ``population`` (int64), ``districts`` (number summed).

    Examples
    --------
    >>> pop = population_by_force_year()
    >>> int(pop.loc[(pop["force"] == "Warwickshire") & (pop["year"] == 2011), "population"].item()) > 500_000
    True
    """
    pop = load_population_by_lad(path)
    lk = load_lad_force_lookup(lookup)
    merged = pop.merge(lk[["lad_code", "force"]], on="lad_code", how="left", validate="many_to_one")
    if merged["force"].isna().any():
        i = int(merged["force"].isna().to_numpy().nonzero()[0][0])
        raise DataValidationError(
            f"district {merged['lad_code'].iloc[i]} ({merged['lad_name'].iloc[i]}) has no police force in the lookup",
            file=path or paths.POPULATION_LAD, column="code", row=i + 1,
            fix=f"add the district to the lookup {lookup or paths.LAD_PFA_LOOKUP}, or correct its code")
    # A truncated file must not pass as smaller forces: every district of each force present
    # needs an estimate for every year in the file.
    years = sorted(merged["year"].unique())
    have = set(zip(merged["lad_code"], merged["year"]))
    for force_name, codes in lk[lk["force"].isin(set(merged["force"]))].groupby("force")["lad_code"]:
        for code in codes:
            absent = [y for y in years if (code, y) not in have]
            if absent:
                raise DataValidationError(
                    f"district {code} of {force_name} has no population for {len(absent)} of the {len(years)} "
                    f"years (first: {absent[0]}); the force total would be too small",
                    file=path or paths.POPULATION_LAD, column="code",
                    fix="supply every district of each force for every year (the file may be truncated), or "
                        "pass a lookup restricted to the districts you have")
    out = (merged.groupby(["force", "year"], as_index=False, sort=True)
           .agg(population=("population", "sum"), districts=("lad_code", "size")))
    out["population"] = out["population"].astype("int64")
    out.attrs["corrections"] = pop.attrs.get("corrections", []) + lk.attrs.get("corrections", [])
    return out.reset_index(drop=True)
