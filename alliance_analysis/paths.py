"""One root for every path in the project.

Every path is built from the package location (or the ``ALLIANCE_ANALYSIS_ROOT``
environment variable), never from the current working directory, so notebooks,
papermill runs, tests and the command line all agree on where data lives.

Examples
--------
>>> from alliance_analysis import paths
>>> paths.SEED_DIR.relative_to(paths.PROJECT_ROOT).as_posix()
'data/raw/seed'
>>> paths.HO_ROLLING_PFA.relative_to(paths.RAW_DIR).as_posix()
'home_office/rec-crime-pfa.csv'
"""

from __future__ import annotations

import os
from importlib import metadata
from pathlib import Path

PACKAGE_DIR: Path = Path(__file__).resolve().parent
PROJECT_ROOT: Path = Path(os.environ.get("ALLIANCE_ANALYSIS_ROOT", PACKAGE_DIR.parent)).resolve()

DATA_DIR: Path = PROJECT_ROOT / "data"
RAW_DIR: Path = DATA_DIR / "raw"
SEED_DIR: Path = RAW_DIR / "seed"
REFERENCE_DIR: Path = RAW_DIR / "reference"
SCENARIO_DIR: Path = RAW_DIR / "scenarios"
PROCESSED_DIR: Path = DATA_DIR / "processed"
REPORTS_DIR: Path = PROJECT_ROOT / "reports"
NOTEBOOKS_DIR: Path = PROJECT_ROOT / "notebooks"
CONFIG_DIR: Path = PROJECT_ROOT / "config"

#: Real public reference data kept *beside* the project (never copied into it).
SHARED_DATA_DIR: Path = Path(
    os.environ.get("ALLIANCE_SHARED_DATA", PROJECT_ROOT.parent / "shared" / "data")
).resolve()

CRIME_SIM_TOOLKIT = "crime-sim-toolkit"

#: Open Government Licence time series shipped with the project (the real default),
#: copied byte for byte from their publishers' releases; see ``data/raw/SOURCES.csv``.
SOURCES_CSV: Path = RAW_DIR / "SOURCES.csv"
HOME_OFFICE_DIR: Path = RAW_DIR / "home_office"
WORKFORCE_DIR: Path = RAW_DIR / "workforce"
POPULATION_DIR: Path = RAW_DIR / "population"
LOOKUPS_DIR: Path = RAW_DIR / "lookups"
CSS_DIR: Path = RAW_DIR / "css"
HO_ROLLING_PFA: Path = HOME_OFFICE_DIR / "rec-crime-pfa.csv"
HO_PRC_QUARTERLY: Path = HOME_OFFICE_DIR / "prc-pfa-mar2013-onwards-tables-191023.csv.gz"
WORKFORCE_OPEN_DATA: Path = WORKFORCE_DIR / "police_workforce_open_data_2007_2022.csv.gz"
POPULATION_LAD: Path = POPULATION_DIR / "population_by_lad_mid2001_mid2020.csv.gz"
LAD_PFA_LOOKUP: Path = LOOKUPS_DIR / "lad_pfa_2021.csv"
CSS_FORCE_GROUP: Path = CSS_DIR / "crime_severity_score_by_force_and_offence_group_2003_2022.csv.gz"
#: Every shipped OGL file, keyed by the name used in manifests.
SHIPPED_SOURCES: dict[str, Path] = {
    "rolling_pfa": HO_ROLLING_PFA,
    "prc_quarterly": HO_PRC_QUARTERLY,
    "workforce_open_data": WORKFORCE_OPEN_DATA,
    "population_lad": POPULATION_LAD,
    "lad_pfa_lookup": LAD_PFA_LOOKUP,
    "css_force_group": CSS_FORCE_GROUP,
    "outcomes_2017_18": RAW_DIR / "outcomes" / "prc_outcomes_pfa_2017_18_tidy.csv.gz",
    "outcomes_2018_19": RAW_DIR / "outcomes" / "prc_outcomes_pfa_2018_19.csv.gz",
    "stop_search": RAW_DIR / "activity" / "stop_search_by_force_2006_07_2018_19.csv.gz",
    "arrests": RAW_DIR / "activity" / "arrests_by_force_2006_07_2017_18.csv.gz",
}


def crime_sim_toolkit_file(relative: str) -> Path:
    """Locate a data file shipped inside the ``crime-sim-toolkit`` wheel.

    The package is never imported (its import pulls heavy optional modules);
    its installed files are located through the distribution metadata.

    Parameters
    ----------
    relative : str
        Path inside the installed distribution, e.g.
        ``"crime_sim_toolkit/src/prc-pfa-201718_new.csv"``.

    Returns
    -------
    pathlib.Path
        Absolute path of the file.

    Raises
    ------
    FileNotFoundError
        If the distribution is not installed or the file is not in it, with
        the command that fixes it.

    Examples
    --------
    >>> p = crime_sim_toolkit_file("crime_sim_toolkit/src/prc-pfa-201718_new.csv")
    >>> p.name
    'prc-pfa-201718_new.csv'
    """
    try:
        dist = metadata.distribution(CRIME_SIM_TOOLKIT)
    except metadata.PackageNotFoundError as exc:  # pragma: no cover - env problem
        raise FileNotFoundError(
            f"The '{CRIME_SIM_TOOLKIT}' distribution is not installed, so its bundled "
            f"file '{relative}' cannot be found. Fix: run `make install` "
            f"(or `pip install crime-sim-toolkit==1.5.0`)."
        ) from exc
    path = Path(str(dist.locate_file(relative))).resolve()
    if not path.exists():
        raise FileNotFoundError(
            f"'{relative}' is not inside the installed '{CRIME_SIM_TOOLKIT}' "
            f"distribution (looked at {path}). Fix: reinstall crime-sim-toolkit==1.5.0."
        )
    return path


def shared_data_available() -> bool:
    """Return True when the real reference data beside the project is present.

    Examples
    --------
    >>> isinstance(shared_data_available(), bool)
    True
    """
    return SHARED_DATA_DIR.is_dir()
