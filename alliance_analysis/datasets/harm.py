"""Harm weights: ONS Crime Severity Score per offence code, Cambridge Crime Harm Index per subgroup.

Examples
--------
>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "c.csv"
>>> _ = p.write_text("category,prc_subgroup,cchi_days\\nRobbery,Robbery of business property,365\\n")
>>> load_cchi_weights(p)[["offence_subgroup", "cchi_days"]].values.tolist()
[['Robbery of business property', 365.0]]
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import pandas as pd

from alliance_analysis import taxonomy
from alliance_analysis.errors import DataValidationError
from alliance_analysis.validation import Column, Schema, read_table, validate

log = logging.getLogger(__name__)


#: rows in the published files (``../shared/data/harm``, ``../shared/data/css``): a copy of one of
#: these files (same name) with fewer rows is refused as truncated
PUBLISHED_ROWS: dict[str, int] = {
    "cchi_days_by_offence_subgroup.csv": 23,
    "ons_css_weights_by_offence_code.csv": 134,
    "ons_offence_code_to_police_uk_category.csv": 134,
    "police_cost_and_hours_by_offence.csv": 135,
    "crime_severity_score_by_force_2003_2023.csv": 903,
}

#: offences printed twice, identically, in the published costs-of-crime file (one copy is kept)
KNOWN_REPEATED_ROWS: tuple[str, ...] = ("sexual activity involving a child under 13",)


def _schema(name: str, path: str | Path, columns: list[Column], key: tuple[str, ...] = ()) -> Schema:
    return Schema(name, columns, key=key, expected_rows=PUBLISHED_ROWS.get(Path(path).name))


def _load(path: str | Path, schema: Schema, **kwargs: object) -> pd.DataFrame:
    return validate(read_table(path, schema, **kwargs), schema, source=path)


def load_css_weights(path: str | Path) -> pd.DataFrame:
    """ONS Crime Severity Score weights: ``offence_code``, ``offence_description``, ``category``, ``css_weight``.

    The ONS file lists some codes twice (an old code mapped onto its successor,
    e.g. 30A -> 30C) with the same weight: one row is kept. Two different weights
    for one code, a blank, text, negative or infinite weight is an error.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "w.csv"
    >>> _ = p.write_text("code_severity,description,weight\\n56A,Arson,826.19\\n")
    >>> load_css_weights(p)["css_weight"].tolist()
    [826.19]
    """
    schema = _schema("ONS Crime Severity Score weights", path, [
        Column("code_severity"), Column("description"), Column("weight", "float", nonnegative=True),
        Column("category_counts", required=False, nullable=True)])
    df = _load(path, schema, comment="#")
    category = df["category_counts"] if "category_counts" in df.columns else pd.Series([""] * len(df), index=df.index)
    out = pd.DataFrame({"offence_code": df["code_severity"], "offence_description": df["description"],
                        "category": category.fillna("").astype(str), "css_weight": df["weight"]})
    conflicts = out.groupby("offence_code")["css_weight"].nunique()
    if (conflicts > 1).any():
        code = conflicts[conflicts > 1].index[0]
        rows = (out.index[out["offence_code"] == code] + 1).tolist()
        raise DataValidationError(f"offence code {code!r} has two different weights (rows {rows[:5]})",
                                  file=path, column="code_severity", row=rows[1], fix="one weight per offence code")
    return out.drop_duplicates("offence_code").reset_index(drop=True)


def load_cchi_weights(path: str | Path) -> pd.DataFrame:
    """Cambridge Crime Harm Index: ``category`` (police.uk type), ``offence_subgroup``, ``cchi_days`` [, ``national_count``].

    ``national_count`` (from a ``national_count_<year>`` column, when present) is
    the volume used to weight subgroups into police.uk categories, so it is
    checked as strictly as the days: a blank, text (including ``"598,830"``),
    negative or infinite value is an error, never a silent gap that would move
    the category weights. Each subgroup appears once.

    Completeness rule (any path): the file must end with a line break (a last row cut
    mid-number is refused), and a table with national counts must weight every police.uk
    crime category except anti-social behaviour (13 categories): a file missing its last
    rows, which drops whole categories, is refused naming the categories missing.
    """
    schema = _schema("Cambridge Crime Harm Index weights", path, [
        Column("category"), Column("prc_subgroup"), Column("cchi_days", "float", nonnegative=True),
        Column("national_count", "count", required=False, prefix=True)], key=("prc_subgroup",))
    df = _load(path, schema, comment="#")
    out = pd.DataFrame({"category": df["category"], "offence_subgroup": df["prc_subgroup"],
                        "cchi_days": df["cchi_days"].astype(float)})
    if "national_count" in df.columns:
        out["national_count"] = df["national_count"].astype(float)
        need = [c for c in taxonomy.POLICE_UK_CRIME_TYPES if c != "Anti-social behaviour"]
        missing = [c for c in need if c not in set(out["category"])]
        if missing:
            raise DataValidationError(
                f"{schema.name}: no row for {len(missing)} police.uk categor{'y' if len(missing) == 1 else 'ies'} "
                f"({', '.join(missing)}); the file looks truncated", file=path, column="category", row=len(out),
                fix=f"restore the complete file: a table with national counts weights all {len(need)} police.uk "
                    "crime categories (anti-social behaviour excepted)")
    return out


def load_offence_to_police_uk(path: str | Path) -> pd.DataFrame:
    """ONS offence code -> police.uk category join: ``offence_code``, ``offence_description``, ``css_weight``, ``crime_type``.

    ``crime_type`` is the police.uk spelling (``"Criminal damage and arson"``; the file
    title-cases it). Codes listed twice with the same weight and category are kept once;
    a code with two different weights or categories is an error.
    """
    from alliance_analysis.taxonomy import canonical_crime_type

    schema = _schema("ONS offence code to police.uk join", path, [
        Column("ONS_SEVERITY_code"), Column("ONS_COUNTS_description"),
        Column("ONS_SEVERITY_weight", "float", nonnegative=True), Column("POLICE_UK_CAT_MAP_category")])
    df = _load(path, schema, comment="#")
    cats = df["POLICE_UK_CAT_MAP_category"]
    mapping = {}
    for c in cats.unique():  # a handful of distinct categories
        try:
            mapping[c] = canonical_crime_type(c)
        except DataValidationError:
            i = int((cats == c).to_numpy().nonzero()[0][0])
            raise DataValidationError(f"unknown police.uk category {c!r}", file=path,
                                      column="POLICE_UK_CAT_MAP_category", row=i + 1,
                                      fix="use a police.uk crime type name") from None
    out = pd.DataFrame({"offence_code": df["ONS_SEVERITY_code"], "offence_description": df["ONS_COUNTS_description"],
                        "css_weight": df["ONS_SEVERITY_weight"], "crime_type": cats.map(mapping)})
    for col, source_col in (("css_weight", "ONS_SEVERITY_weight"), ("crime_type", "POLICE_UK_CAT_MAP_category")):
        n = out.groupby("offence_code")[col].nunique()
        if (n > 1).any():
            code = n[n > 1].index[0]
            rows = (out.index[out["offence_code"] == code] + 1).tolist()
            raise DataValidationError(f"offence code {code!r} has two different values (rows {rows[:5]})",
                                      file=path, column=source_col, row=rows[1], fix="one value per offence code")
    return out.drop_duplicates("offence_code").reset_index(drop=True)


def load_police_cost_and_hours(path: str | Path) -> pd.DataFrame:
    """Police cost and implied hours per offence (Home Office costs of crime 2018).

    The published file is Windows-1252 encoded (its last header holds a pound
    sign as byte 0xA3): it is read as UTF-8 when it decodes as such and
    otherwise as cp1252 (logged). Returns ``offence``, ``event_priority``,
    ``css_weight``, ``cost_gbp``, ``cost_category``, ``police_hours`` (hours at
    GBP 50 per hour). Cost and hours are missing only where the source leaves
    them blank; text, negative or infinite costs, hours or weights are errors.
    Each offence appears once.
    """
    schema = _schema("police cost and hours per offence", path, [
        Column("Offence"), Column("Event-Priority", "int", nullable=True, allowed=None),
        Column("Weight", "float", nonnegative=True), Column("Cost", "float", nonnegative=True, nullable=True),
        Column("Cost cat", nullable=True), Column("Police Hours", "float", nonnegative=True, nullable=True,
                                                   prefix=True)])
    # published without a final line break: its last row is checked by the published row count instead
    schema = dataclasses.replace(schema, final_newline=False)
    df = _load(path, schema)
    # two different offences share a name in the source ("other miscellaneous sexual offences", with
    # different weights), so the offence is not a key; a row repeated exactly is a known fault of the
    # published file for one offence only: that copy is dropped, counted and logged, any other is an error
    repeated = df.duplicated(keep="first").to_numpy()
    if repeated.any():
        known = df["Offence"].isin(KNOWN_REPEATED_ROWS).to_numpy()
        unknown = repeated & ~known
        if unknown.any():
            i = int(unknown.nonzero()[0][0])
            raise DataValidationError(f"row repeats an earlier row exactly (offence {df['Offence'].iloc[i]!r}); "
                                      f"{int(repeated.sum())} repeated row(s) in all", file=path, column="Offence",
                                      row=i + 1, fix="remove the repeated row")
        note = f"dropped {int(repeated.sum())} exact repeat(s) of a published row ({', '.join(KNOWN_REPEATED_ROWS)})"
        log.warning("%s: %s", path, note)
        df = df.loc[~repeated]
        df.attrs.setdefault("corrections", []).append(note)
    out = pd.DataFrame({
        "offence": df["Offence"],
        "event_priority": df["Event-Priority"].astype("Int64"),
        "css_weight": df["Weight"],
        "cost_gbp": df["Cost"],  # missing only where the source has no cost
        "cost_category": df["Cost cat"].fillna("").astype(str),
        "police_hours": df["Police Hours"],
    }).reset_index(drop=True)
    out.attrs["corrections"] = list(df.attrs.get("corrections", []))
    return out


def load_css_by_force(path: str | Path) -> pd.DataFrame:
    """ONS Crime Severity Score per force and year ending March: ``force``, ``force_code``, ``year``, ``css``.

    Force names are canonical (``clean.canonical_force_name``); years the source
    leaves blank keep a missing ``css`` (explicit gap, never filled). A text,
    negative or infinite score and a repeated force-year are errors.
    """
    from alliance_analysis.clean import canonical_force_name

    schema = _schema("Crime Severity Score by force", path, [
        Column("code"), Column("name"), Column("year", "int"),
        Column("score", "float", nonnegative=True, nullable=True, missing_markers=("NA",))], key=("code", "year"))
    df = _load(path, schema, comment="#")
    bad_year = ~df["year"].between(1990, 2100)
    if bad_year.any():
        i = int(bad_year.to_numpy().nonzero()[0][0])
        raise DataValidationError(f"year {df['year'].iloc[i]} is out of range", file=path, column="year", row=i + 1,
                                  fix="year ending March as a four-digit year")
    names = {n: canonical_force_name(n, source=str(path)) for n in df["name"].unique()}
    out = pd.DataFrame({"force": df["name"].map(names), "force_code": df["code"],
                        "year": df["year"].astype("int64"), "css": df["score"]})  # missing years stay missing
    dup = out.duplicated(["force", "year"])
    if dup.any():
        i = int(dup.to_numpy().nonzero()[0][0])
        raise DataValidationError(f"{out['force'].iloc[i]} {out['year'].iloc[i]} appears twice (under two codes or "
                                  "spellings)", file=path, column="name", row=i + 1, fix="one row per force and year")
    return out.sort_values(["force", "year"]).reset_index(drop=True)
