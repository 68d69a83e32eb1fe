"""Unmet demand: victimisation the Crime Survey finds that never reaches the police (one year's survey evidence).

The file ``hidden_demand/csew_vs_recorded_by_force_2011_12.csv`` (beside the project; not
shippable, so read from a path) gives, per force for 2011/12, Crime Survey for England and
Wales (CSEW) estimates of incidents of violence, theft and criminal damage against
residents (``<type>.combined``), the part the victims say was reported to the police
(``.combined.rp``) and the police recorded crime of the same types (``.combined.prc``).

For each force and type: never reported = survey estimate - reported; reported but not
recorded = reported - recorded (at least zero); recorded per survey incident =
recorded / survey estimate.

Uncertainty (stated approximation): the file gives no standard errors, only the number
of people interviewed in the force (``n``). The survey incidents behind an estimate are
taken as k = estimate / base x n (base: adults for violence, households for theft and
damage), and a Poisson 95% interval (estimate x (1 +/- 1.96 / sqrt(k))) is given for the
survey estimate and for the never-reported part (k times the unreported share). The
survey's clustering and repeat victimisation make real intervals wider: read these as
the least uncertainty there is. The ratios are one year's evidence (2011/12); recording
practice changed in 2014-16, so they are not projected onto later years.

Examples
--------
>>> row = pd.DataFrame({"force": ["A"], "interviews": [1000], "adults": [100_000], "households": [50_000],
...                     "crime_type": ["violence"], "survey": [5000.0], "reported": [2000.0], "recorded": [1500.0]})
>>> u = unmet_demand(row)
>>> u[["never_reported", "reported_not_recorded", "sampled_incidents"]].values.tolist()   # k = 5000/100000*1000
[[3000.0, 500.0, 50.0]]
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from alliance_analysis import paths
from alliance_analysis.errors import DataValidationError

log = logging.getLogger(__name__)

CSEW_FILE: Path = paths.SHARED_DATA_DIR / "hidden_demand" / "csew_vs_recorded_by_force_2011_12.csv"
TYPES = ("violence", "theft", "damage")
TYPE_NAMES = {"violence": "violence", "theft": "theft (incl. burglary and vehicle theft)",
              "damage": "criminal damage"}
PUBLISHED_ROWS = 43


def load_csew_vs_recorded(path: str | Path | None = None) -> pd.DataFrame | None:
    """The survey-versus-recorded file, long by force and crime type; ``None`` when the file is absent.

    Returns
    -------
    DataFrame
        ``force``, ``interviews``, ``adults``, ``households``, ``crime_type``, ``survey``, ``reported``,
        ``recorded``.

    Raises
    ------
    DataValidationError
        A missing column, a blank, text, negative or infinite value, an unknown force, a
        repeated force, or fewer than the 43 published rows (truncated), naming the file,
        row and column.

    Examples
    --------
    >>> load_csew_vs_recorded("/no/such/file.csv") is None
    True
    """
    from alliance_analysis.clean import canonical_force_name
    from alliance_analysis.validation import Column, Schema, read_table, validate

    p = Path(path) if path is not None else CSEW_FILE
    if not p.exists():
        log.info("survey-versus-recorded file not found at %s: unmet demand not given", p)
        return None
    cols = [Column("PFA17NM"), Column("n", "count"), Column("Individuals_2011.16over", "count"),
            Column("Households_2011", "count")]
    for t in TYPES:
        cols += [Column(f"{t}.combined", "float", nonnegative=True), Column(f"{t}.combined.rp", "float", nonnegative=True),
                 Column(f"{t}.combined.prc", "float", nonnegative=True)]
    schema = Schema("Crime Survey against recorded crime by force, 2011/12", cols, key=("PFA17NM",),
                    expected_rows=PUBLISHED_ROWS if p.name == CSEW_FILE.name else None)
    df = validate(read_table(p, schema), schema, source=p)
    if (df["n"] <= 0).any():
        i = int((df["n"] <= 0).to_numpy().nonzero()[0][0])
        raise DataValidationError("a force with no survey interviews", file=p, column="n", row=i + 1,
                                  fix="the number of people interviewed must be positive")
    names = {v: canonical_force_name(v, source=str(p)) for v in df["PFA17NM"].unique()}
    rows = []
    for t in TYPES:
        rows.append(pd.DataFrame({
            "force": df["PFA17NM"].map(names), "interviews": df["n"].astype("int64"),
            "adults": df["Individuals_2011.16over"].astype("int64"), "households": df["Households_2011"].astype("int64"),
            "crime_type": t, "survey": df[f"{t}.combined"].astype(float),
            "reported": df[f"{t}.combined.rp"].astype(float), "recorded": df[f"{t}.combined.prc"].astype(float)}))
    out = pd.concat(rows, ignore_index=True)
    out.attrs["source"] = str(p)
    return out


def unmet_demand(csew: pd.DataFrame, forces: list[str] | None = None) -> pd.DataFrame:
    """Never-reported and reported-but-not-recorded incidents, with approximate 95% intervals.

    Returns
    -------
    DataFrame
        ``force``, ``crime_type``, ``survey``, ``survey_low``, ``survey_high``, ``reported``, ``recorded``,
        ``never_reported``, ``never_reported_low``, ``never_reported_high``, ``reported_not_recorded``,
        ``reported_pct`` (reported / survey), ``recorded_per_survey`` (recorded / survey),
        ``sampled_incidents`` (k, see the module docstring).
    """
    d = csew if forces is None else csew[csew["force"].isin(forces)]
    d = d.copy()
    base = np.where(d["crime_type"] == "violence", d["adults"], d["households"]).astype(float)
    k = d["survey"] / base * d["interviews"]
    half = 1.96 / np.sqrt(k.where(k > 0))
    d["sampled_incidents"] = k
    d["survey_low"] = (d["survey"] * (1 - half)).clip(lower=0)
    d["survey_high"] = d["survey"] * (1 + half)
    d["never_reported"] = (d["survey"] - d["reported"]).clip(lower=0)
    share_unrep = d["never_reported"] / d["survey"].where(d["survey"] > 0)
    half_u = 1.96 / np.sqrt((k * share_unrep).where(k * share_unrep > 0))
    d["never_reported_low"] = (d["never_reported"] * (1 - half_u)).clip(lower=0)
    d["never_reported_high"] = d["never_reported"] * (1 + half_u)
    d["reported_not_recorded"] = (d["reported"] - d["recorded"]).clip(lower=0)
    d["reported_pct"] = d["reported"] / d["survey"].where(d["survey"] > 0) * 100
    d["recorded_per_survey"] = d["recorded"] / d["survey"].where(d["survey"] > 0)
    return d[["force", "crime_type", "survey", "survey_low", "survey_high", "reported", "recorded",
              "never_reported", "never_reported_low", "never_reported_high", "reported_not_recorded",
              "reported_pct", "recorded_per_survey", "sampled_incidents"]].reset_index(drop=True)


def unmet_totals(unmet: pd.DataFrame) -> pd.DataFrame:
    """Per force (and all forces given, as ``"all"``): survey, recorded and never-reported totals over the types.

    Interval bounds are summed (conservative: as if the types' errors moved together).

    Examples
    --------
    >>> u = pd.DataFrame({"force": "A", "crime_type": ["violence", "theft"], "survey": [10.0, 30.0],
    ...                   "recorded": [4.0, 6.0], "never_reported": [5.0, 15.0], "never_reported_low": [3.0, 10.0],
    ...                   "never_reported_high": [7.0, 20.0]})
    >>> unmet_totals(u)[["force", "never_reported_pct", "survey_per_recorded"]].values.tolist()
    [['A', 50.0, 4.0], ['all', 50.0, 4.0]]
    """
    cols = ["survey", "recorded", "never_reported", "never_reported_low", "never_reported_high"]
    per = unmet.groupby("force", as_index=False)[cols].sum()
    allf = per[cols].sum().to_frame().T.assign(force="all")
    out = pd.concat([per, allf], ignore_index=True)
    out["never_reported_pct"] = out["never_reported"] / out["survey"] * 100
    out["survey_per_recorded"] = out["survey"] / out["recorded"]
    return out
