"""Seeded synthetic monthly crime series, calibrated to published totals.

Nothing shipped covers monthly force x crime-type series for the alliance years, so
the notebooks' default monthly data is **synthetic**, generated here and labelled as
such (a ``synthetic`` column of True and ``df.attrs["synthetic"] = True``; figures and
reports that use it say so). How it is made:

1. **Level** per force and police.uk crime type: the force's real Home Office recorded
   crime for FY 2017/18 in that category (bundled PRC table, via its own police.uk
   category column), divided by 12. Anti-social behaviour is not recorded crime: its
   level is the force's total x 0.850, the ASB-to-crime ratio of West Mercia's 2013/14
   totals in Table 3 (49,280 / 57,969; seed ids ``t3_asb_2013_14``, ``t3_total_2013_14``).
2. **Trend**: a stated, assumed annual growth rate per crime type (:data:`ASSUMED_ANNUAL_GROWTH`,
   e.g. burglary -5 %, violence +5 %) applied log-linearly around October 2017.
   These are assumptions that give the series a plausible shape; they are not findings.
3. **Seasonality**: a summer peak, factor ``1 + 0.08 cos(2 pi (month - 7) / 12)``.
4. **Noise**: negative binomial counts with dispersion 300 (variance mu + mu^2 / 300: about 6 % month-to-month noise on a large series, as in real force data).
5. **Calibration**: West Mercia's expected series is scaled so its expected totals in
   Table 3's three April-September windows equal the published ones (scale factors
   interpolated linearly between windows; the same factors scale every other force, an
   assumption: the 2014 -> 2017/18 rise, largely recording-practice change, is taken as
   common to all forces); then every West Mercia window inside the requested
   period is redrawn as a multinomial whose total is exactly the published
   six-month total of recorded crime (all crime types but ASB) and of ASB, so those
   totals match the source exactly.

Examples
--------
>>> df = synthetic_monthly_crime(["West Mercia"], start="2012-04", end="2012-09", seed=1)
>>> int(df.loc[df["crime_type"] != "Anti-social behaviour", "count"].sum())
32045
>>> bool(df["synthetic"].all()), df.attrs["synthetic"]
(True, True)
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd

from alliance_analysis import clean, taxonomy
from alliance_analysis.errors import DataValidationError, ParameterError

log = logging.getLogger(__name__)

ASB_TO_CRIME_RATIO = 49_280 / 57_969
DISPERSION = 300.0
SEASONAL_AMPLITUDE = 0.08
ANCHOR = pd.Period("2017-10", "M")

#: Assumed annual growth per crime type (shape only; labelled as assumption).
ASSUMED_ANNUAL_GROWTH: dict[str, float] = {
    "Anti-social behaviour": -0.06,
    "Bicycle theft": -0.02,
    "Burglary": -0.05,
    "Criminal damage and arson": -0.03,
    "Drugs": -0.03,
    "Other crime": 0.04,
    "Other theft": -0.02,
    "Possession of weapons": 0.05,
    "Public order": 0.08,
    "Robbery": 0.0,
    "Shoplifting": 0.02,
    "Theft from the person": 0.0,
    "Vehicle crime": -0.05,
    "Violence and sexual offences": 0.05,
}

#: Table 3 (seed 002) West Mercia six-month totals used for calibration: (start, total crime, ASB).
TABLE3_WEST_MERCIA: tuple[tuple[str, int, int], ...] = (
    ("2012-04", 32_045, 29_860),
    ("2013-04", 29_297, 27_224),
    ("2014-04", 30_101, 27_269),
)


def _levels(forces: Sequence[str]) -> pd.DataFrame:
    from alliance_analysis.datasets.prc import load_prc_table

    prc = load_prc_table()
    prc = prc[prc["force"].isin(forces)]
    missing = sorted(set(forces) - set(prc["force"]))
    if missing:
        raise ParameterError(f"no Home Office recorded crime to calibrate {missing}; "
                             f"use territorial forces of England and Wales")
    prc = prc.assign(crime_type=prc["police_uk_category"].map(taxonomy.canonical_crime_type))
    lv = prc.groupby(["force", "crime_type"], as_index=False)["count"].sum()
    asb = lv.groupby("force", as_index=False)["count"].sum()
    asb["count"] = asb["count"] * ASB_TO_CRIME_RATIO
    asb["crime_type"] = "Anti-social behaviour"
    lv = pd.concat([lv, asb], ignore_index=True)
    lv["monthly"] = lv["count"].clip(lower=0) / 12.0
    return lv[["force", "crime_type", "monthly"]]


def _offset(months: pd.Series) -> np.ndarray:
    """Months after ANCHOR, vectorised (year * 12 + month arithmetic)."""
    m = months.dt
    return ((m.year * 12 + m.month) - (ANCHOR.year * 12 + ANCHOR.month)).to_numpy(dtype=float)


def _expected(grid: pd.DataFrame) -> np.ndarray:
    offset = _offset(grid["month"])
    growth = grid["crime_type"].map(ASSUMED_ANNUAL_GROWTH).to_numpy(dtype=float)
    moy = grid["month"].dt.month.to_numpy(dtype=float)
    season = 1.0 + SEASONAL_AMPLITUDE * np.cos(2 * np.pi * (moy - 7) / 12)
    return grid["monthly"].to_numpy() * np.exp(np.log1p(growth) * offset / 12.0) * season


def _table3_scale(grid: pd.DataFrame, lv: pd.DataFrame) -> np.ndarray:
    """Scale factors from West Mercia: published / expected totals in each Table 3 window,
    interpolated linearly between window mid-points (constant outside), separately for
    recorded crime and ASB; applied to every force (assumption: the gap between the
    2017/18 levels and 2012-14 levels, much of it recording-practice change, is common
    to all forces)."""
    wm = lv[lv["force"] == "West Mercia"]
    scale = np.ones(len(grid))
    for is_asb in (False, True):
        sub = wm[(wm["crime_type"] == "Anti-social behaviour") == is_asb]
        mids, ratios = [], []
        for w_start, crime_total, asb_total in TABLE3_WEST_MERCIA:
            window = pd.period_range(w_start, periods=6, freq="M")
            g = sub.merge(pd.DataFrame({"month": window}), how="cross")
            expected = _expected(g).sum()
            mids.append((window[0] - ANCHOR).n + 2.5)
            ratios.append((asb_total if is_asb else crime_total) / expected)
        mask = ((grid["crime_type"] == "Anti-social behaviour") == is_asb).to_numpy()
        t = _offset(grid.loc[mask, "month"])
        scale[mask] = np.interp(t, mids, ratios)
    return scale


def synthetic_monthly_crime(
    forces: str | Sequence[str],
    start: str = "2010-04",
    end: str = "2014-09",
    seed: int = 2014,
    crime_types: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Synthetic monthly counts by force and police.uk crime type (see module docstring).

    Parameters
    ----------
    forces : str or sequence of str
        Force names or a group name (``"Warwickshire and West Mercia"``).
    start, end : str
        First and last month, ``"YYYY-MM"``.
    seed : int
        Seed of the numpy Generator; the same arguments give the same frame.
    crime_types : sequence of str, optional
        Subset of police.uk crime types (default all 14).

    Returns
    -------
    DataFrame
        ``force``, ``month`` (Period[M]), ``crime_type``, ``count`` (int64), ``synthetic`` (True).
    """
    forces = clean.resolve_forces(forces)
    import re

    try:
        if not all(re.fullmatch(r"\d{4}-\d{2}", str(x)) for x in (start, end)):
            raise ValueError("not YYYY-MM")
        months = pd.period_range(pd.Period(start, "M"), pd.Period(end, "M"), freq="M")
    except (ValueError, TypeError, AttributeError) as exc:
        raise ParameterError(f"start/end {start!r}..{end!r} are not months; write 'YYYY-MM'") from exc
    if len(months) == 0:
        raise ParameterError(f"start {start} is after end {end}")
    types = list(taxonomy.POLICE_UK_CRIME_TYPES) if crime_types is None else [
        taxonomy.canonical_crime_type(c) for c in crime_types]
    rng = np.random.default_rng(seed)
    all_lv = _levels(list(dict.fromkeys([*forces, "West Mercia"])))  # one PRC read for both uses
    lv = all_lv[all_lv["force"].isin(forces) & all_lv["crime_type"].isin(types)].reset_index(drop=True)
    grid = lv.merge(pd.DataFrame({"month": months}), how="cross")
    mu = _expected(grid) * _table3_scale(grid, all_lv[all_lv["force"] == "West Mercia"])
    p = DISPERSION / (DISPERSION + mu)
    counts = rng.negative_binomial(DISPERSION, p).astype("int64")
    grid["count"] = counts
    grid["mu"] = mu
    calibrated = []
    if "West Mercia" in forces:
        for w_start, crime_total, asb_total in TABLE3_WEST_MERCIA:
            window = pd.period_range(w_start, periods=6, freq="M")
            if not set(window) <= set(months):
                continue
            in_w = (grid["force"] == "West Mercia") & grid["month"].isin(window)
            is_asb = grid["crime_type"] == "Anti-social behaviour"
            all_crime = set(taxonomy.POLICE_UK_CRIME_TYPES) - {"Anti-social behaviour"} <= set(types)
            for mask, total, ok in ((in_w & ~is_asb, crime_total, all_crime),
                                    (in_w & is_asb, asb_total, "Anti-social behaviour" in types)):
                if not ok:
                    continue  # a subset of crime types cannot carry the published all-crime total
                w = grid.loc[mask, "mu"].to_numpy()
                grid.loc[mask, "count"] = rng.multinomial(total, w / w.sum()).astype("int64")
            calibrated.append(w_start)
    out = grid[["force", "month", "crime_type", "count"]].copy()
    out["synthetic"] = True
    out = out.sort_values(["force", "crime_type", "month"], kind="stable").reset_index(drop=True)
    out.attrs.update({
        "synthetic": True,
        "generator": "alliance_analysis.datasets.synthetic.synthetic_monthly_crime",
        "seed": seed,
        "calibration": "levels: Home Office PRC FY2017/18 by force and police.uk category; "
                       f"West Mercia Table 3 six-month totals matched exactly for windows {calibrated}",
    })
    log.info("synthetic monthly crime: %d forces x %d types x %d months (seed %d)",
             len(forces), len(types), len(months), seed)
    return out


def check_synthetic_label(df: pd.DataFrame) -> None:
    """Raise if a frame from this module has lost its synthetic label.

    Examples
    --------
    >>> check_synthetic_label(synthetic_monthly_crime("Dorset", "2014-01", "2014-02"))
    """
    if "synthetic" not in df.columns or not df["synthetic"].all():
        raise DataValidationError("synthetic data has lost its 'synthetic' label", column="synthetic",
                                  fix="keep the column when transforming synthetic frames")
