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

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from alliance_analysis import clean, paths
from alliance_analysis.errors import DataValidationError

log = logging.getLogger(__name__)

_COLUMNS = ("offence_group", "code", "name", "year", "severity_score", "year_ending")
#: Area code prefix -> area type (GSS codes).
AREA_TYPES: dict[str, str] = {"E23": "force", "W15": "force", "E12": "region", "K04": "country",
                              "E92": "country", "W92": "country"}
NOT_AVAILABLE = ":"
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
        Missing file or columns, an unknown area code type, a force name that is not a
        force, a year ending not on 31 March, a text/negative/infinite score, or an area,
        group and year given twice; naming the file, the 1-based data row and the column.

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
    df = clean.read_csv_strict(p, _COLUMNS, what="the Crime Severity Score table", fix_missing=_FIX)
    code = df["code"].str.strip()
    area_type = code.str[:3].map(AREA_TYPES)
    if area_type.isna().any():
        i = clean._first_bad(area_type.isna())
        raise DataValidationError(f"area code {df['code'].iloc[i]!r} is not a force, region or country code", file=p,
                                  column="code", row=i + 1, fix=f"codes start with one of {sorted(AREA_TYPES)}")
    is_force = area_type == "force"
    force = pd.Series(pd.NA, index=df.index, dtype="str")
    if is_force.any():
        force[is_force] = clean.canonical_force_column(df.loc[is_force, "name"], file=p, column="name")
    ye = pd.to_datetime(df["year_ending"].str.strip(), format="%Y-%m-%d", errors="coerce")
    bad = ye.isna() | (ye.dt.month != 3) | (ye.dt.day != 31)
    if bad.any():
        i = clean._first_bad(bad)
        raise DataValidationError(f"{df['year_ending'].iloc[i]!r} is not a year ending 31 March", file=p,
                                  column="year_ending", row=i + 1, fix="write YYYY-03-31")
    group = df["offence_group"].str.strip()
    if (group == "").any():
        i = clean._first_bad(group == "")
        raise DataValidationError("blank offence group", file=p, column="offence_group", row=i + 1,
                                  fix="name the offence group")
    raw_score = df["severity_score"].str.strip()
    na = raw_score == NOT_AVAILABLE
    score = pd.Series(np.nan, index=df.index)
    if (~na).any():
        score[~na] = clean.parse_float_column(raw_score[~na], file=p, column="severity_score").to_numpy()
    fy_start = ye.dt.year - 1
    out = pd.DataFrame({
        "area_code": code,
        "area": df["name"].str.strip(),
        "area_type": area_type.astype(str),
        "force": force,
        "year_ending": ye.astype("datetime64[ns]"),
        "financial_year": fy_start.astype(str) + "/" + (ye.dt.year % 100).map("{:02d}".format),
        "offence_group": group,
        "severity_score": score.astype("float64"),
    })
    clean.check_unique(out, ["area_code", "offence_group", "year_ending"], file=p,
                       columns={"area_code": "code", "year_ending": "year_ending"})
    out.attrs["not_available"] = int(na.sum())
    if na.any():
        log.info("%s: %d scores published as ':' (not available) kept as NaN", p, int(na.sum()))
    return out
