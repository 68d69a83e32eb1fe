"""ONS Crime Severity Score (CSS) by police force area and offence group, years ending March 2003-2022.

The table covers England and Wales, the two countries, the nine English regions and
the 43 forces (``area_type``), for seven offence groups. ONS prints ``:`` where a score
is not available (City of London); those scores are NaN and counted in
``attrs["not_available"]``. Any other text, a negative or an infinite score is an error.

Examples
--------
>>> css = load_css_by_force_group()
>>> sorted(css["area_type"].unique())
['country', 'force', 'region']
>>> css.attrs["not_available"]
140
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import pandas as pd

from alliance_analysis import clean, paths, validation
from alliance_analysis.errors import DataValidationError
from alliance_analysis.validation import Column, Schema

log = logging.getLogger(__name__)

NOT_AVAILABLE = ":"
#: The published table, declared once: ``:`` is ONS's "not available" (a declared gap, counted);
#: a blank, text, negative or infinite score is an error; one row per area, group and year.
CSS_SCHEMA = Schema("the Crime Severity Score table", [
    Column("offence_group"),
    Column("code"),
    Column("name"),
    Column("year"),
    Column("severity_score", "float", nonnegative=True, missing_markers=(NOT_AVAILABLE,)),
    Column("year_ending", "date", date_format="%Y-%m-%d"),
], key=("code", "offence_group", "year_ending"))
#: Rows in the shipped table (55 areas x 7 groups x 20 years).
SHIPPED_CSS_ROWS = 7700
#: Area code prefix -> area type (GSS codes).
AREA_TYPES: dict[str, str] = {"E23": "force", "W15": "force", "E12": "region", "K04": "country",
                              "E92": "country", "W92": "country"}
_FIX = ("restore data/raw/css/crime_severity_score_by_force_and_offence_group_2003_2022.csv.gz from git, or pass "
        "the path of the ONS CSS table with columns offence_group, code, name, year, severity_score, year_ending")


def load_css_by_force_group(path: str | Path | None = None) -> pd.DataFrame:
    """Load the ONS Crime Severity Score by area and offence group.

    Parameters
    ----------
    path : str or Path, optional
        ``None`` reads the shipped table (years ending March 2003 - March 2022).

    Returns
    -------
    DataFrame
        ``area_code``, ``area``, ``area_type`` (``"force"``, ``"region"``, ``"country"``),
        ``force`` (canonical for forces, NA otherwise), ``year_ending`` (datetime64, 31 March),
        ``financial_year`` (``"2002/03"``), ``offence_group``, ``severity_score`` (float).

    Raises
    ------
    DataValidationError
        Any failure of :data:`CSS_SCHEMA` (missing file or columns, a blank, text, negative
        or infinite score, a bad date, an area, group and year given twice; fewer rows than
        the shipped table when reading it), an unknown area code type, a force name that is
        not a force, a year ending not on 31 March; naming the file, the 1-based data row
        and the column.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "c.csv"
    >>> _ = p.write_text("offence_group,code,name,year,severity_score,year_ending\\n"
    ...                  "Robbery,E23000016,West Mercia,Apr '15 to Mar '16,1.25,2016-03-31\\n")
    >>> load_css_by_force_group(p)[["force", "financial_year", "severity_score"]].values.tolist()
    [['West Mercia', '2015/16', 1.25]]
    """
    p = paths.CSS_FORCE_GROUP if path is None else Path(path)
    schema = CSS_SCHEMA
    if path is None:
        schema = dataclasses.replace(CSS_SCHEMA, expected_rows=SHIPPED_CSS_ROWS)
    if not p.exists():
        raise DataValidationError(f"{schema.name} not found", file=p, fix=_FIX)
    raw = validation.read_table(p, schema, encodings=("utf-8-sig",), fast_numbers=True)
    df = validation.validate(raw, schema, source=p)
    code = df["code"]
    area_type = code.str[:3].map(AREA_TYPES)
    if area_type.isna().any():
        i = int(area_type.isna().to_numpy().nonzero()[0][0])
        raise DataValidationError(f"area code {raw['code'].iloc[i]!r} is not a force, region or country code", file=p,
                                  column="code", row=i + 1, fix=f"codes start with one of {sorted(AREA_TYPES)}")
    is_force = area_type == "force"
    force = pd.Series(pd.NA, index=df.index, dtype="str")
    if is_force.any():
        force[is_force] = clean.canonical_force_column(df.loc[is_force, "name"], file=p, column="name")
    ye = df["year_ending"]
    bad = (ye.dt.month != 3) | (ye.dt.day != 31)
    if bad.any():
        i = int(bad.to_numpy().nonzero()[0][0])
        raise DataValidationError(f"{raw['year_ending'].iloc[i]!r} is not a year ending 31 March", file=p,
                                  column="year_ending", row=i + 1, fix="write YYYY-03-31")
    group = df["offence_group"]
    score = df["severity_score"]
    na = score.isna()
    fy_start = ye.dt.year - 1
    out = pd.DataFrame({
        "area_code": code,
        "area": df["name"],
        "area_type": area_type.astype(str),
        "force": force,
        "year_ending": ye.astype("datetime64[ns]"),
        "financial_year": fy_start.astype(str) + "/" + (ye.dt.year % 100).map("{:02d}".format),
        "offence_group": group,
        "severity_score": score.astype("float64"),
    })
    out.attrs["not_available"] = int(na.sum())
    if na.any():
        log.info("%s: %d scores published as ':' (not available) kept as NaN", p, int(na.sum()))
    return out
