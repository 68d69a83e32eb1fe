"""Accessors the notebooks call for their data.

The real default (issue 9), read from the Open Government Licence files shipped in
``data/raw/`` with no download: :func:`recorded_crime_quarterly` (Home Office recorded
crime by force, quarter and harmonised offence group from 2006 Q2), :func:`population_by_year`
(ONS mid-year estimates 2001-2020), :func:`workforce_by_year` (Home Office workforce at
31 March 2007-2022) and :func:`css_by_year` (ONS Crime Severity Score 2003-2022).

The monthly switch :func:`monthly_crime`: ``data_source="default"`` gives the labelled
synthetic monthly series (see :mod:`alliance_analysis.datasets.synthetic`), kept for
tests and opt-in demonstrations; ``"police_uk"`` reads a data.police.uk street-level
archive (a folder or the zip) from ``police_uk_path``.

Examples
--------
>>> df = monthly_crime(forces=["Dorset"], start="2014-01", end="2014-03")
>>> bool(df.attrs["synthetic"]), sorted(df["month"].astype(str).unique())
(True, ['2014-01', '2014-02', '2014-03'])
"""

from __future__ import annotations

import logging
from functools import lru_cache
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from alliance_analysis import clean
from alliance_analysis.errors import ParameterError

log = logging.getLogger(__name__)


def monthly_crime(
    data_source: str = "default",
    police_uk_path: str | Path | None = None,
    forces: str | Sequence[str] = ("Warwickshire", "West Mercia"),
    start: str = "2010-04",
    end: str = "2014-09",
    seed: int = 2014,
) -> pd.DataFrame:
    """Monthly counts by force and police.uk crime type from the chosen source.

    Parameters
    ----------
    data_source : {"default", "police_uk"}
        ``"default"``: seeded synthetic series, labelled synthetic. ``"police_uk"``:
        the real archive at ``police_uk_path``.
    police_uk_path : path, optional
        Folder of ``YYYY-MM/YYYY-MM-<force>-street.csv`` files or the archive zip.
    forces : str or sequence of str
        Force names or a group name.
    start, end : str
        First and last month, ``"YYYY-MM"``.
    seed : int
        Seed for the synthetic default.

    Returns
    -------
    DataFrame
        ``force``, ``month``, ``crime_type``, ``count``, ``synthetic``.
    """
    forces = clean.resolve_forces(forces)
    if data_source == "default":
        from alliance_analysis.datasets.synthetic import synthetic_monthly_crime

        return synthetic_monthly_crime(forces, start=start, end=end, seed=seed)
    if data_source == "police_uk":
        if police_uk_path is None or not Path(police_uk_path).exists():
            raise ParameterError(
                f"data_source='police_uk' needs police_uk_path pointing at a data.police.uk archive "
                f"(folder or .zip); got {police_uk_path!r}. Fix: download one with "
                f"alliance_analysis.datasets.download.download_police_uk or set data_source='default'"
            )
        from alliance_analysis.datasets.police_uk import load_street_archive

        df = load_street_archive(police_uk_path, forces=forces, start=start, end=end)
        df["synthetic"] = False
        df.attrs["synthetic"] = False
        return df
    raise ParameterError(f"data_source {data_source!r} is not a monthly source; use 'default' or 'police_uk' "
                         f"(Home Office PRC tables are quarterly: use datasets.prc.load_prc_table)")


def annual_prc(prc_path: str | Path | None = None) -> pd.DataFrame:
    """Recorded crime by force and offence for a financial year (real; bundled 2017/18 by default).

    Examples
    --------
    >>> annual_prc()["financial_year"].unique().tolist()
    ['2017/18']
    """
    from alliance_analysis.datasets.prc import load_prc_table

    prc = load_prc_table(prc_path)
    keys = [c for c in ("financial_year", "force", "is_territorial", "offence_description", "offence_group",
                        "offence_subgroup", "offence_code", "police_uk_category") if c in prc.columns]
    return prc.groupby(keys, as_index=False, dropna=False)["count"].sum()


def population(data_source: str = "default", population_path: str | Path | None = None) -> pd.DataFrame:
    """Resident population by force: ``force``, ``year``, ``population``.

    ``"default"`` gives the real Census 2011 counts (bundled LSOA data, always
    available); ``"mid2018"`` reads the ONS mid-2018 estimates from ``population_path``.

    Raises
    ------
    ParameterError
        For an unknown ``data_source`` or ``"mid2018"`` without a path.

    Examples
    --------
    >>> p = population()
    >>> int(p["year"].unique()[0]), len(p)
    (2011, 43)
    """
    from alliance_analysis.datasets import population as pop

    if data_source == "default":
        return pop.load_census_2011_population()[["force", "year", "population"]]
    if data_source == "mid2018":
        if population_path is None:
            raise ParameterError("data_source='mid2018' needs population_path: pass the path to "
                                 "population_by_force_mid2018.csv")
        return pop.load_population_mid2018(population_path)[["force", "year", "population"]]
    raise ParameterError(f"population data_source {data_source!r} is unknown; use 'default' or 'mid2018'")


# --------------------------------------------------------------------------- the real long-series default (issue 9)

def _select_forces(df: pd.DataFrame, forces: str | Sequence[str] | None) -> pd.DataFrame:
    if forces is None:
        return df.reset_index(drop=True)
    wanted = clean.resolve_forces(forces)
    return df[df["force"].isin(wanted)].reset_index(drop=True)


def population_by_year(forces: str | Sequence[str] | None = None) -> pd.DataFrame:
    """Real mid-year population of each force 2001-2020 (ONS, shipped): ``force``, ``year``, ``population``.

    Parameters
    ----------
    forces : str or sequence of str, optional
        Force names or a group name; ``None`` for all 43 forces.

    Examples
    --------
    >>> p = population_by_year(["Warwickshire", "West Mercia"])
    >>> sorted(p["force"].unique()), int(p["year"].min()), int(p["year"].max())
    (['Warwickshire', 'West Mercia'], 2001, 2020)
    """
    return _select_forces(population_table()[["force", "year", "population"]], forces)


def population_table(path: str | Path | None = None, lookup: str | Path | None = None) -> pd.DataFrame:
    """``datasets.population.population_by_force_year`` for these files (default: the shipped
    ones), computed once per process and file version; a copy, so callers may change it.

    Examples
    --------
    >>> population_table() is not population_table()
    True
    """
    from alliance_analysis import paths
    from alliance_analysis.series.longseries import _mtime_key

    pkey = _mtime_key(path or paths.POPULATION_LAD, "POPULATION_LAD")
    lkey = _mtime_key(lookup or paths.LAD_PFA_LOOKUP, "LAD_PFA_LOOKUP")
    return _population_cached(pkey, lkey).copy()


@lru_cache(maxsize=4)
def _population_cached(pkey: tuple[str, float], lkey: tuple[str, float]) -> pd.DataFrame:
    from alliance_analysis.datasets.population import population_by_force_year

    return population_by_force_year(pkey[0], lkey[0])


def workforce_by_year(forces: str | Sequence[str] | None = None, measure: str = "fte") -> pd.DataFrame:
    """Real workforce at 31 March of each year 2007-2022 (Home Office open data, shipped).

    Returns ``force``, ``year``, ``worker_type``, ``value`` (``measure``: ``"fte"`` or ``"headcount"``).

    Examples
    --------
    >>> w = workforce_by_year("Dorset")
    >>> sorted(w["worker_type"].unique())[:2], int(w["year"].max())
    (['designated_officer', 'pcso'], 2022)
    """
    from alliance_analysis.datasets.workforce import load_workforce_open_data, workforce_by_force_year

    return _select_forces(workforce_by_force_year(load_workforce_open_data(), measure=measure), forces)


def css_by_year(forces: str | Sequence[str] | None = None) -> pd.DataFrame:
    """Real ONS Crime Severity Score of each force by offence group, years ending March 2003-2022.

    Returns ``force``, ``financial_year``, ``year_ending``, ``offence_group``, ``severity_score``
    (forces only; regions and countries are in :func:`datasets.css.load_css_by_force_group`).

    Examples
    --------
    >>> c = css_by_year("West Mercia")
    >>> c["financial_year"].min(), c["offence_group"].nunique()
    ('2002/03', 7)
    """
    from alliance_analysis.datasets.css import load_css_by_force_group

    df = load_css_by_force_group()
    df = df[df["area_type"] == "force"]
    return _select_forces(df[["force", "financial_year", "year_ending", "offence_group", "severity_score"]], forces)


def recorded_crime_quarterly(forces: str | Sequence[str] | None = None, start: object = None, end: object = None,
                             **kwargs) -> pd.DataFrame:
    """Real quarterly recorded crime by force and offence group from 2006 Q2 (see :mod:`alliance_analysis.series.longseries`).

    A re-export of :func:`alliance_analysis.series.longseries.recorded_crime_quarterly`.

    Examples
    --------
    >>> q = recorded_crime_quarterly("Dorset", start="2013Q1", end="2013Q1")
    >>> q["force"].unique().tolist(), bool(q["synthetic"].any())
    (['Dorset'], False)
    """
    from alliance_analysis.series.longseries import recorded_crime_quarterly as _rcq

    return _rcq(forces, start, end, **kwargs)
