"""The crime series a notebook analyses, from whichever source its parameters name.

Every notebook starts from one call, :func:`load_crime_series`, so that it runs the same
way on each source the package reads:

``"default"``
    the shipped Home Office recorded crime long series, quarterly, by force and harmonised
    offence group, 2006 Q2 onwards (derived from rolling-year totals up to 2012 Q1, the
    published quarterly tables from 2012/13); real, no download.
``"prc"``
    a Home Office police recorded crime open data table at ``path`` (CSV, ODS or XLSX),
    quarterly, harmonised to the same offence groups.
``"police_uk"``
    a data.police.uk street-level archive at ``path`` (folder or zip), monthly, by
    police.uk crime type (crimes and anti-social behaviour records).
``"synthetic"``
    the seeded synthetic monthly generator, labelled synthetic everywhere (opt-in demos).

The result says what it is (:class:`CrimeSeries`): its frequency, its category column,
whether it is synthetic, its period and a one-line description the notebooks print, so
narrative adapts to the data actually used.

Examples
--------
>>> s = CrimeSeries(pd.DataFrame({"force": ["A"], "quarter": pd.PeriodIndex(["2013Q2"], freq="Q"),
...                               "offence_group": ["Robbery"], "count": [5]}),
...                 source="example", release="test", synthetic=False)
>>> s.time, s.category, s.frequency, s.periods_per_year
('quarter', 'offence_group', 'quarterly', 4)
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from alliance_analysis import clean
from alliance_analysis.errors import DataValidationError, ParameterError

log = logging.getLogger(__name__)

SOURCES = ("default", "prc", "police_uk", "synthetic")
_CATEGORY = ("offence_group", "crime_type")
_TIME = ("quarter", "month")


@dataclass(frozen=True)
class CrimeSeries:
    """A tidy crime series and what it is.

    Attributes
    ----------
    data : DataFrame
        ``force``, a Period column (``quarter`` or ``month``), a category column
        (``offence_group`` or ``crime_type``), ``count`` (int64).
    source : str
        Plain-language source, e.g. "Home Office police recorded crime".
    release : str
        Which release(s) of it.
    synthetic : bool
        True only for the seeded generator.
    notes : tuple of str
        Caveats the report must state (revisions, gaps, breaks, population years).
    """

    data: pd.DataFrame
    source: str
    release: str
    synthetic: bool
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def time(self) -> str:
        """Name of the Period column."""
        for c in _TIME:
            if c in self.data.columns:
                return c
        raise DataValidationError("series has no 'quarter' or 'month' column", column="quarter")

    @property
    def category(self) -> str:
        """Name of the category column."""
        for c in _CATEGORY:
            if c in self.data.columns:
                return c
        raise DataValidationError("series has no 'offence_group' or 'crime_type' column", column="offence_group")

    @property
    def frequency(self) -> str:
        """``"quarterly"`` or ``"monthly"``."""
        return "quarterly" if self.time == "quarter" else "monthly"

    @property
    def periods_per_year(self) -> int:
        """4 for quarterly, 12 for monthly."""
        return 4 if self.time == "quarter" else 12

    @property
    def forces(self) -> list[str]:
        """Forces present, sorted."""
        return sorted(self.data["force"].unique())

    @property
    def start(self) -> pd.Period | None:
        """First period present."""
        return self.data[self.time].min() if len(self.data) else None

    @property
    def end(self) -> pd.Period | None:
        """Last period present."""
        return self.data[self.time].max() if len(self.data) else None

    @property
    def n_periods(self) -> int:
        """Number of distinct periods."""
        return int(self.data[self.time].nunique())

    def period_label(self) -> str:
        """``"2007 Q2 to 2023 Q2 (65 quarters)"`` or ``"2022-02 to 2024-12 (35 months)"``.

        Examples
        --------
        >>> s = CrimeSeries(pd.DataFrame({"force": "A", "month": pd.period_range("2022-02", periods=3, freq="M"),
        ...                               "crime_type": "Drugs", "count": 1}), "x", "y", False)
        >>> s.period_label()
        '2022-02 to 2022-04 (3 months)'
        """
        if not len(self.data):
            return "no periods"
        unit = "quarter" if self.time == "quarter" else "month"
        fmt = (lambda p: f"{p.year} Q{p.quarter}") if self.time == "quarter" else (lambda p: p.strftime("%Y-%m"))
        return f"{fmt(self.start)} to {fmt(self.end)} ({self.n_periods} {unit}{'' if self.n_periods == 1 else 's'})"

    def describe(self) -> str:
        """One sentence for a report: source, release, frequency, forces, period.

        Examples
        --------
        >>> s = CrimeSeries(pd.DataFrame({"force": "A", "month": pd.period_range("2022-02", periods=3, freq="M"),
        ...                               "crime_type": "Drugs", "count": 1}), "police.uk archive", "as read", False)
        >>> s.describe()
        'police.uk archive (as read): monthly counts by police.uk crime type for A, 2022-02 to 2022-04 (3 months).'
        """
        kind = "harmonised offence group" if self.category == "offence_group" else "police.uk crime type"
        label = " SYNTHETIC (seeded demonstration data, not a finding about any force)" if self.synthetic else ""
        forces = self.forces
        names = ", ".join(forces) if len(forces) <= 6 else f"{len(forces)} forces"
        return (f"{self.source} ({self.release}){label}: {self.frequency} counts by {kind} for {names}, "
                f"{self.period_label()}.")

    def totals(self, *, exclude: Sequence[str] = ("Anti-social behaviour", "Fraud")) -> pd.DataFrame:
        """Force x period totals over categories, leaving out ``exclude`` (ASB is not crime;
        fraud moved to Action Fraud in 2011-13).

        Examples
        --------
        >>> d = pd.DataFrame({"force": "A", "month": pd.PeriodIndex(["2022-02"] * 2, freq="M"),
        ...                   "crime_type": ["Drugs", "Anti-social behaviour"], "count": [3, 9]})
        >>> CrimeSeries(d, "x", "y", False).totals()["count"].tolist()
        [3]
        """
        d = self.data[~self.data[self.category].isin(list(exclude))]
        return d.groupby(["force", self.time], as_index=False)["count"].sum()


def _forces_or_all(forces: str | Sequence[str] | None) -> list[str] | None:
    if forces is None or (not isinstance(forces, str) and len(forces) == 0):
        return None
    return clean.resolve_forces(forces)


def _check_forces(df: pd.DataFrame, wanted: list[str] | None, where: str) -> None:
    if wanted is None:
        return
    missing = sorted(set(wanted) - set(df["force"].unique()))
    if missing:
        have = sorted(df["force"].unique())
        shown = ", ".join(have[:10]) + (" ..." if len(have) > 10 else "")
        raise ParameterError(f"{where} has no data for {missing}; it covers {shown or 'no force'}. "
                             f"Fix: set 'forces' to forces the data covers")


def _path(path: str | Path | None, data_source: str) -> Path:
    if path is None:
        raise ParameterError(f"data_source={data_source!r} needs a path to the file or archive; got None")
    p = Path(path)
    if not p.exists():
        raise ParameterError(f"data_source={data_source!r}: {p} does not exist. Fix: check the path")
    return p


def load_crime_series(
    data_source: str = "default",
    *,
    forces: str | Sequence[str] | None = None,
    path: str | Path | None = None,
    start: str | None = None,
    end: str | None = None,
    seed: int = 2014,
    include_fraud: bool = False,
    include_supply_gaps: bool = False,
) -> CrimeSeries:
    """Load the crime series of a notebook's source (see the module docstring).

    Parameters
    ----------
    data_source : {"default", "prc", "police_uk", "synthetic"}
        Which source.
    forces : str or sequence of str, optional
        Force or group names; ``None`` keeps every force in the data.
    path : path, optional
        The table (``prc``) or archive (``police_uk``).
    start, end : str, optional
        First and last period kept (``"2010-04"`` or ``"2010Q2"``); ``None`` keeps all.
    seed : int
        Seed of the synthetic generator.
    include_fraud : bool
        Keep police-recorded fraud (Home Office sources; it moved to Action Fraud in 2011-13,
        so it is left out of long series by default).
    include_supply_gaps : bool
        police.uk archives only: keep force-months flagged as partial supply gaps (runs of at
        least 3 months more than 20% below the force's own trend and season, net of other
        forces; ``datasets.police_uk.supply_gaps``). By default they are left out of the series
        and its notes say which months, so trends, forecasts and evaluations never read a
        missing feed as a fall in crime.

    Returns
    -------
    CrimeSeries

    Raises
    ------
    ParameterError
        Unknown source, missing path, forces the data does not cover, or no data in the period.
    """
    if data_source not in SOURCES:
        raise ParameterError(f"data_source {data_source!r} is unknown; use one of {list(SOURCES)}")
    wanted = _forces_or_all(forces)
    notes: list[str] = []
    if data_source == "default":
        from alliance_analysis.series import longseries

        df = longseries.recorded_crime_quarterly(wanted, harmonised=True, include_fraud=include_fraud)
        releases = sorted(df["source"].unique()) if "source" in df.columns else []
        release = "; ".join(releases) or "shipped release"
        notes.append("Quarters before 2012/13 are derived exactly from consecutive rolling-year totals "
                     "(2019 release); from 2012/13 they are the published quarterly counts (October 2023 "
                     "release). The two releases differ where the Home Office revised its figures.")
        src = "Home Office police recorded crime"
        tcol, ccol = "quarter", "offence_group"
        synthetic = False
    elif data_source == "prc":
        from alliance_analysis import taxonomy
        from alliance_analysis.datasets import prc

        p = _path(path, data_source)
        raw = prc.load_prc_quarterly(p)
        raw = raw[raw["force_type"] == "territorial"] if "force_type" in raw.columns else raw
        h = taxonomy.harmonise(raw[["force", "quarter", "offence_subgroup", "count"]], "prc")
        df = h.groupby(["force", "quarter", "offence_group"], as_index=False)["count"].sum()
        release = ", ".join(sorted(raw["release"].unique())) if "release" in raw.columns else p.name
        src = f"Home Office police recorded crime table {p.name}"
        tcol, ccol = "quarter", "offence_group"
        synthetic = False
    elif data_source == "police_uk":
        from alliance_analysis.datasets.police_uk import load_street_archive

        p = _path(path, data_source)
        df = load_street_archive(p, forces=wanted)
        release = f"as read from {p.name}"
        src = "data.police.uk street-level records"
        notes.append("police.uk counts records of crime and anti-social behaviour by month; ASB is not "
                     "recorded crime and is left out of crime totals.")
        tcol, ccol = "month", "crime_type"
        synthetic = False
    else:
        from alliance_analysis.datasets.synthetic import synthetic_monthly_crime

        df = synthetic_monthly_crime(wanted or ["Warwickshire", "West Mercia"], start=start or "2010-04",
                                     end=end or "2014-09", seed=seed)
        release = f"seed {seed}"
        src = "Synthetic monthly series"
        notes.append("SYNTHETIC: seeded series calibrated to real 2017/18 levels; they demonstrate the methods "
                     "and say nothing true about any force.")
        tcol, ccol = "month", "crime_type"
        synthetic = True
    if not include_fraud and ccol == "offence_group":
        df = df[df[ccol] != "Fraud"]
    _check_forces(df, wanted, src)
    if wanted is not None:
        df = df[df["force"].isin(wanted)]
    freq = "Q" if tcol == "quarter" else "M"
    if start is not None:
        df = df[df[tcol] >= pd.Period(start, freq)]
    if end is not None:
        df = df[df[tcol] <= pd.Period(end, freq)]
    if df.empty:
        raise ParameterError(f"{src} has no data for the forces and period asked ({start} to {end}). "
                             f"Fix: widen start/end or check the forces")
    out = (df.groupby(["force", tcol, ccol], as_index=False, observed=True)["count"].sum()
           .sort_values(["force", ccol, tcol]).reset_index(drop=True))
    out["count"] = out["count"].astype("int64")
    out.attrs["synthetic"] = synthetic
    series = CrimeSeries(out, src, release, synthetic, tuple(notes))
    if data_source == "police_uk":
        from alliance_analysis.datasets.police_uk import exclude_supply_gaps

        series = exclude_supply_gaps(series, include=include_supply_gaps)
    return series


@dataclass(frozen=True)
class ContextSeries:
    """The yearly series that put a crime series in context, for the same forces.

    Attributes
    ----------
    population : DataFrame
        ``force``, ``year``, ``population`` (ONS mid-year estimates by district, summed to forces).
    workforce : DataFrame or None
        ``force``, ``year`` (31 March), ``value``: FTE of police officers, police staff and PCSOs.
    severity_total, severity_groups : DataFrame or None
        ONS Crime Severity Score by force: ``force``, ``year`` (year ending March),
        [``offence_group``], ``severity_score``.
    breaks : DataFrame
        Declared data breaks (``taxonomy.data_breaks()``).
    sources : tuple of str
        One line per series: what it is and which release.
    """

    population: pd.DataFrame
    workforce: pd.DataFrame | None
    severity_total: pd.DataFrame | None
    severity_groups: pd.DataFrame | None
    breaks: pd.DataFrame
    sources: tuple[str, ...] = ()


WORKFORCE_TYPES = ("police_officer", "police_staff", "pcso")


def load_context(forces: Sequence[str]) -> ContextSeries:
    """Population, workforce, Crime Severity Score and declared breaks for ``forces``, from the
    shipped series (each optional series is ``None`` where its file is absent).

    Examples
    --------
    >>> c = load_context(["Dorset"])
    >>> int(c.population["year"].min()), c.workforce is not None
    (2001, True)
    """
    from alliance_analysis import taxonomy
    from alliance_analysis.datasets import population as pop_data
    from alliance_analysis.datasets import workforce as wf_data

    forces = list(forces)
    lines = []
    pop = pop_data.population_by_force_year()
    pop = pop[pop["force"].isin(forces)][["force", "year", "population"]].reset_index(drop=True)
    lines.append("Population: ONS mid-year estimates by local authority district (2001-2020), summed to police "
                 "force areas with the ONS district to force lookup (December 2021).")
    try:
        w = wf_data.workforce_by_force_year(wf_data.load_workforce_open_data(), measure="fte")
    except (OSError, DataValidationError) as exc:
        log.warning("workforce series unavailable: %s", exc)
        wf = None
    else:
        w = w[w["force"].isin(forces) & w["worker_type"].isin(WORKFORCE_TYPES)]
        wf = w.groupby(["force", "year"], as_index=False)["value"].sum()
        lines.append("Workforce: Home Office police workforce open data (release of July 2022), FTE of officers, "
                     "staff and PCSOs at 31 March, 2007-2022.")
    sev_t = sev_g = None
    try:
        from alliance_analysis.datasets import css

        c = css.load_css_by_force_group()
    except (ImportError, AttributeError, OSError, DataValidationError) as exc:
        log.warning("crime severity series unavailable: %s", exc)
    else:
        c = c[c["force"].isin(forces)].assign(year=lambda d: pd.to_datetime(d["year_ending"]).dt.year)
        sev_t = c[c["offence_group"] == "Total recorded crime"][["force", "year", "severity_score"]].reset_index(
            drop=True)
        sev_g = c[c["offence_group"] != "Total recorded crime"][["force", "year", "offence_group",
                                                                 "severity_score"]].reset_index(drop=True)
        lines.append("Harm: ONS Crime Severity Score by force and offence group, years ending March 2003-2022.")
    return ContextSeries(pop, wf, sev_t, sev_g, taxonomy.data_breaks(), tuple(lines))


def annual_before(series: CrimeSeries) -> pd.DataFrame | None:
    """Financial-year totals from before the quarterly series starts, where the source has them.

    The Home Office rolling-year table gives annual totals for the years ending March 2003 to
    2006, before the first quarter that can be derived (2006 Q2). For the default source
    this returns them by force and harmonised offence group (fraud left out, as in the
    series), so annual demand runs from 2002/03; other sources have none (``None``).

    Returns
    -------
    DataFrame or None
        ``force``, ``offence_group``, ``financial_year``, ``year`` (first calendar year), ``count``.

    Examples
    --------
    >>> s = load_crime_series("default", forces=["Dorset"])
    >>> a = annual_before(s)
    >>> a["financial_year"].min(), a["financial_year"].max()
    ('2002/03', '2005/06')
    """
    if series.synthetic or series.category != "offence_group" or "derived" not in series.release:
        return None
    from alliance_analysis.series import longseries
    from alliance_analysis import taxonomy

    r, _ = longseries.shipped_releases()
    first_q = series.data[series.time].min()
    r = r[(r["frequency"] == "annual") & r["force"].isin(series.forces) & (r["force_type"] == "territorial")]
    r = r[r["period_end"] < first_q.start_time]
    if r.empty:
        return None
    h = taxonomy.harmonise(r[["period_end", "force", "offence", "rolling_total"]], "rolling", include_fraud=False)
    h["year"] = pd.to_datetime(h["period_end"]).dt.year - 1
    h["financial_year"] = h["year"].map(lambda y: f"{y}/{(y + 1) % 100:02d}")
    out = h.rename(columns={"rolling_total": "count"})[["force", "offence_group", "financial_year", "year", "count"]]
    out["count"] = out["count"].astype("int64")
    return out.sort_values(["force", "offence_group", "year"]).reset_index(drop=True)
