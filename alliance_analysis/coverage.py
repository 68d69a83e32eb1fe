"""What the data covers: sources, coverage force by force and year by year, revisions, breaks.

The data overview report (notebook ``00``) is built from these functions, so that it
says true things on every source the package reads (the shipped Home Office default, a
PRC table, a police.uk archive, the synthetic demo):

- :func:`sources_table`: every shipped file (``data/raw/SOURCES.csv``) with publisher,
  release, coverage and licence attribution, plus the report's own source when it is not
  a shipped file;
- :func:`crime_coverage`, :func:`yearly_coverage`, :func:`coverage_by_force_year`:
  periods present per financial year for the crime series (and whether derived or
  published) and the years of population, workforce and crime severity; gaps are rows
  marked ``missing`` or ``partial``, never filled;
- :func:`revision_tables`: the revision between the 2019 rolling release and the October
  2023 quarterly release by force x financial year, with the largest revisions;
- :func:`breaks_table`: the declared discontinuities, readable;
- :func:`series_summary`: first/last period, periods present vs expected and the missing
  periods of any :class:`~alliance_analysis.sources.CrimeSeries`;
- :func:`data_overview`: all of the above for one series, with the header and the summary
  in numbers the report prints (:class:`DataOverview`).

Years are aligned on financial years (April-March, ``2013/14``): a mid-year population
estimate of year Y is FY Y/Y+1 (30 June falls inside it); a workforce snapshot at 31 March
Y and a Crime Severity Score for the year ending March Y are FY Y-1/Y.

Examples
--------
>>> q = pd.period_range("2012Q2", periods=3, freq="Q")
>>> d = pd.DataFrame({"force": "A", "quarter": q, "offence_group": "Robbery", "count": 1})
>>> crime_coverage(d)[["financial_year", "periods_present", "periods_expected", "status"]].values.tolist()
[['2012/13', 3, 4, 'partial']]
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from alliance_analysis import paths
from alliance_analysis.errors import DataValidationError, ParameterError
from alliance_analysis.clean import fy_label

if TYPE_CHECKING:  # pragma: no cover
    from pandas.io.formats.style import Styler

    from alliance_analysis.sources import ContextSeries, CrimeSeries

log = logging.getLogger(__name__)

COMPLETE, PARTIAL, MISSING = "complete", "partial", "missing"
#: Derived / published labels for the default crime series (by quarter).
BASIS_DERIVED = "derived"
BASIS_PUBLISHED = "published"

_SOURCES_COLUMNS = ("file", "publisher", "title", "official_source_url", "release_date", "licence", "attribution",
                    "sha256")

#: Short titles of the seed documents (``../shared/seeds/README.md``).
SEED_DOCUMENT_TITLES: dict[str, str] = {
    "000_8f7a1a0a92a31161.txt": "Warwickshire and West Mercia Strategic Alliance, Treasurer's slides (c.2013)",
    "001_0255e07e538da6b4.txt": "Devon & Cornwall and Dorset Strategic Alliance, Police and Crime Panel presentation "
                                "(Oct 2017)",
    "002_4cc3981417ef25d8.txt": "West Mercia Police and Crime Panel agenda with the Police Foundation review "
                                "(21 Oct 2014)",
    "003_3b0c1c2e478d21e4.txt": "Devon & Cornwall PCC report to the panel on the alliance with Dorset (15 Apr 2016)",
    "004_f4fdb168081c2227.txt": "PCC decision PCC/D/2017/05, Mobilising Transformational Change (Feb 2017)",
}

#: Human column labels used by :func:`display_table`.
LABELS: dict[str, str] = {
    "force": "Force", "area": "Area", "financial_year": "Financial year", "series": "Series",
    "periods_present": "Periods present", "periods_expected": "Periods expected", "status": "Status",
    "basis": "Basis", "missing": "Missing periods", "release_2019": "2019 release", "release_2023": "Oct 2023 release",
    "difference": "Revision (2023 minus 2019)", "percent": "Revision (%)", "offence_group": "Offence group",
    "count": "Recorded crimes", "population": "Population", "population_year": "Population estimate (mid-year)",
    "rate_per_1000": "Crimes per 1,000 residents", "first_period": "First period", "last_period": "Last period",
    "table": "Seed table", "document": "Document", "figures": "Figures", "file": "File",
}


# --------------------------------------------------------------------------------------
# Financial years
# --------------------------------------------------------------------------------------



def _fy_start(periods: pd.Series) -> np.ndarray:
    """First calendar year of the financial year of each Period (month or quarter)."""
    start = pd.PeriodIndex(periods).start_time
    return (start.year - (start.month < 4).astype(int)).to_numpy()


def _period_text(p: pd.Period) -> str:
    return f"{p.year} Q{p.quarter}" if p.freqstr.startswith("Q") else p.strftime("%Y-%m")


def _time_column(df: pd.DataFrame) -> str:
    for c in ("quarter", "month"):
        if c in df.columns:
            return c
    raise DataValidationError("series has no 'quarter' or 'month' column", column="quarter",
                              fix="pass a CrimeSeries' data (force, quarter or month, count)")


# --------------------------------------------------------------------------------------
# Sources
# --------------------------------------------------------------------------------------

def read_sources(path: str | Path | None = None) -> pd.DataFrame:
    """Read the manifest of shipped files (``data/raw/SOURCES.csv``), validated.

    Raises
    ------
    DataValidationError
        Missing file or columns, or a row without publisher, release date or licence.

    Examples
    --------
    >>> s = read_sources()
    >>> bool((s["licence"] == "Open Government Licence v3.0").all())
    True
    """
    p = Path(path) if path is not None else paths.SOURCES_CSV
    try:
        df = pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8")
    except FileNotFoundError:
        raise DataValidationError("sources manifest not found", file=p,
                                  fix="restore data/raw/SOURCES.csv from the repository") from None
    except (UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise DataValidationError(f"sources manifest is not a UTF-8 CSV ({exc})", file=p,
                                  fix="save it as UTF-8 CSV") from None
    missing = [c for c in _SOURCES_COLUMNS if c not in df.columns]
    if missing:
        raise DataValidationError("sources manifest lacks columns", file=p, column=", ".join(missing),
                                  fix=f"columns are {', '.join(_SOURCES_COLUMNS)}")
    for col in ("file", "publisher", "release_date", "licence"):
        blank = np.flatnonzero(df[col].str.strip().eq("").to_numpy())
        if len(blank):
            raise DataValidationError(f"no {col} for a shipped file", file=p, row=int(blank[0]) + 1, column=col,
                                      fix=f"every shipped file needs its {col}")
    return df


def sources_table(manifest: pd.DataFrame | None = None, *, coverage: Mapping[str, str] | None = None,
                  extra: Sequence[Mapping[str, str]] = ()) -> pd.DataFrame:
    """One row per source: what, publisher, release, coverage, licence and attribution.

    Parameters
    ----------
    manifest : DataFrame, optional
        :func:`read_sources` output (default: the shipped manifest).
    coverage : mapping, optional
        File (as in the manifest) -> coverage text; files not given show ``"–"``.
    extra : sequence of mappings
        Further rows (e.g. the report's own archive) with the same keys as the output
        columns in lower case: ``source``, ``publisher``, ``release``, ``coverage``,
        ``licence``, ``attribution``, ``file``.

    Returns
    -------
    DataFrame
        ``Source``, ``Publisher``, ``Release``, ``Coverage``, ``Licence``, ``Attribution``,
        ``File`` (human labels; the table is for reading).

    Examples
    --------
    >>> m = pd.DataFrame({"file": ["a.csv"], "publisher": ["Home Office"], "title": ["Crime"],
    ...                   "official_source_url": ["https://x"], "release_date": ["2019-04-25"],
    ...                   "licence": ["OGL v3"], "attribution": ["Contains PSI"], "sha256": ["0"]})
    >>> sources_table(m, coverage={"a.csv": "2003-2018"})[["Source", "Release", "Coverage"]].values.tolist()
    [['Crime', '25 April 2019', '2003-2018']]
    """
    m = read_sources() if manifest is None else manifest
    coverage = dict(coverage or {})
    rows = []
    for r in m.itertuples(index=False):
        try:
            release = pd.Timestamp(r.release_date).strftime("%-d %B %Y")
        except ValueError:
            release = str(r.release_date)
        rows.append({"source": r.title, "publisher": r.publisher, "release": release,
                     "coverage": coverage.get(r.file, "–"), "licence": r.licence, "attribution": r.attribution,
                     "file": f"data/raw/{r.file}"})
    for e in extra:
        rows.append({k: e.get(k, "–") for k in ("source", "publisher", "release", "coverage", "licence",
                                                   "attribution", "file")})
    out = pd.DataFrame(rows, columns=["source", "publisher", "release", "coverage", "licence", "attribution", "file"])
    return out.rename(columns=str.capitalize)


def series_source_row(series: CrimeSeries, path: str | Path | None = None) -> dict[str, str] | None:
    """The sources-table row of a report's crime series when it is not a shipped file.

    ``None`` for the default (its files are in the manifest).

    Examples
    --------
    >>> from alliance_analysis.sources import CrimeSeries
    >>> s = CrimeSeries(pd.DataFrame({"force": "A", "month": pd.period_range("2022-02", periods=2, freq="M"),
    ...                               "crime_type": "Drugs", "count": 1}), "data.police.uk street-level records",
    ...                 "as read from x", False)
    >>> series_source_row(s, "x")["licence"]
    'Open Government Licence v3.0'
    """
    if series.source == "Home Office police recorded crime" and path is None:
        return None
    ogl = "Open Government Licence v3.0"
    att = "Contains public sector information licensed under the Open Government Licence v3.0"
    if series.synthetic:
        publisher, lic, att = "this package (seeded generator)", "not applicable (synthetic)", "–"
    elif series.time == "month":
        publisher, lic = "data.police.uk (Home Office)", ogl
    else:
        publisher, lic = "Home Office", ogl
    return {"source": series.source, "publisher": publisher, "release": series.release,
            "coverage": f"{', '.join(series.forces)}: {series.period_label()}", "licence": lic, "attribution": att,
            "file": str(path) if path is not None else "–"}


# --------------------------------------------------------------------------------------
# Coverage
# --------------------------------------------------------------------------------------

def _status(present: int, expected: int) -> str:
    return COMPLETE if present >= expected else (MISSING if present == 0 else PARTIAL)


def crime_coverage(data: pd.DataFrame, *, basis: pd.Series | str | None = None,
                   years: Sequence[int] | None = None) -> pd.DataFrame:
    """Periods present per force and financial year of a monthly or quarterly crime series.

    A period is present for a force when any category has a row for it. Every force gets
    every financial year from the first to the last of the series (or ``years``); a year
    with nothing is a row with 0 present (``missing``), never filled.

    Parameters
    ----------
    data : DataFrame
        ``force``, ``quarter`` or ``month`` (Period), ``count`` (a CrimeSeries' ``data``).
    basis : Series or str, optional
        Per row (aligned with ``data``) or one label: how each period was obtained (e.g.
        ``"derived"``/``"published"``); the distinct labels of a year are joined with " and ".
    years : sequence of int, optional
        Financial years (first calendar year) to report; default: the series' span.

    Returns
    -------
    DataFrame
        ``force``, ``financial_year``, ``year``, ``series`` ("Recorded crime"),
        ``periods_present``, ``periods_expected`` (4 or 12), ``status``, ``basis``,
        ``missing`` (the absent periods, "2013-05, 2013-06"; "" when none).

    Examples
    --------
    >>> m = pd.PeriodIndex(["2013-04", "2013-05", "2014-04"], freq="M")
    >>> d = pd.DataFrame({"force": "A", "month": m, "count": 1})
    >>> c = crime_coverage(d)
    >>> c[["financial_year", "periods_present", "status"]].values.tolist()
    [['2013/14', 2, 'partial'], ['2014/15', 1, 'partial']]
    >>> c["missing"].iloc[1]
    '2014-05, 2014-06, 2014-07, 2014-08, 2014-09, 2014-10, 2014-11, 2014-12, 2015-01, 2015-02, 2015-03'
    """
    if "force" not in data.columns:
        raise DataValidationError("series has no 'force' column", column="force",
                                  fix="pass a CrimeSeries' data (force, quarter or month, count)")
    tcol = _time_column(data)
    per = pd.PeriodIndex(data[tcol])
    freq = per.freqstr
    k = 4 if freq.startswith("Q") else 12
    if basis is None:
        b = pd.Series("", index=data.index)
    elif isinstance(basis, str):
        b = pd.Series(basis, index=data.index)
    else:
        b = pd.Series(np.asarray(basis), index=data.index)
    d = pd.DataFrame({"force": data["force"].astype(str).to_numpy(), "period": per, "basis": b.to_numpy(),
                      "year": _fy_start(data[tcol])})
    forces = sorted(d["force"].unique())
    if years is None:
        years = range(int(d["year"].min()), int(d["year"].max()) + 1) if len(d) else []
    rows = []
    for f in forces:
        df_f = d[d["force"] == f]
        for y in years:
            first = pd.Period(f"{y}-04", freq="M").asfreq(freq, how="start") if k == 4 else pd.Period(f"{y}-04", "M")
            want = pd.period_range(first, periods=k, freq=freq)
            dy = df_f[df_f["year"] == y]
            have = set(dy["period"])
            absent = [p for p in want if p not in have]
            labels = [x for x in pd.unique(dy["basis"]) if x]
            rows.append({"force": f, "financial_year": fy_label(y), "year": int(y), "series": "Recorded crime",
                         "periods_present": k - len(absent), "periods_expected": k,
                         "status": _status(k - len(absent), k), "basis": " and ".join(labels),
                         "missing": ", ".join(_period_text(p) for p in absent)})
    cols = ["force", "financial_year", "year", "series", "periods_present", "periods_expected", "status", "basis",
            "missing"]
    return pd.DataFrame(rows, columns=cols).astype({"periods_present": "int64", "periods_expected": "int64"})


def default_basis(data: pd.DataFrame) -> pd.Series:
    """``"derived"`` before FY 2012/13 Q1 (2012 Q2), ``"published"`` from it: how the default
    series obtained each quarter (see :mod:`alliance_analysis.longseries`).

    Examples
    --------
    >>> d = pd.DataFrame({"quarter": pd.PeriodIndex(["2012Q1", "2012Q2"], freq="Q")})
    >>> default_basis(d).tolist()
    ['derived', 'published']
    """
    from alliance_analysis.longseries import SPLICE_QUARTER

    q = pd.PeriodIndex(data["quarter"], freq="Q-DEC")
    return pd.Series(np.where(q < SPLICE_QUARTER, BASIS_DERIVED, BASIS_PUBLISHED), index=data.index)


def yearly_coverage(frame: pd.DataFrame | None, *, series: str, forces: Sequence[str], years: Sequence[int],
                    year_is: str = "start", value: str | None = None) -> pd.DataFrame:
    """Which financial years a yearly series (population, workforce, severity) covers, per force.

    Parameters
    ----------
    frame : DataFrame or None
        ``force``, ``year`` and optionally ``value``; ``None`` (series absent) marks every year missing.
    series : str
        Name shown in the table.
    forces : sequence of str
        Forces reported (a force absent from ``frame`` is missing in every year).
    years : sequence of int
        Financial years (first calendar year) reported.
    year_is : {"start", "end"}
        Whether ``year`` is the financial year's first calendar year (mid-year population)
        or its last (31 March snapshots, years ending March).
    value : str, optional
        A column whose missing values count as absent.

    Returns
    -------
    DataFrame
        Same columns as :func:`crime_coverage` (``periods_expected`` 1).

    Examples
    --------
    >>> wf = pd.DataFrame({"force": "A", "year": [2008, 2009]})   # 31 March 2008 and 2009
    >>> c = yearly_coverage(wf, series="Workforce", forces=["A"], years=[2006, 2007, 2008], year_is="end")
    >>> c[["financial_year", "status"]].values.tolist()
    [['2006/07', 'missing'], ['2007/08', 'complete'], ['2008/09', 'complete']]
    """
    if year_is not in ("start", "end"):
        raise ParameterError(f"year_is {year_is!r} must be 'start' or 'end'")
    have: set[tuple[str, int]] = set()
    if frame is not None:
        miss = [c for c in ("force", "year") if c not in frame.columns]
        if miss:
            raise DataValidationError(f"{series} frame lacks columns", column=", ".join(miss),
                                      fix="pass force, year (and a value column)")
        f = frame if value is None else frame[frame[value].notna()]
        shift = 0 if year_is == "start" else 1
        have = set(zip(f["force"].astype(str), f["year"].astype("int64") - shift, strict=True))
    rows = []
    for force in forces:
        for y in years:
            ok = (force, int(y)) in have
            rows.append({"force": force, "financial_year": fy_label(y), "year": int(y), "series": series,
                         "periods_present": int(ok), "periods_expected": 1, "status": COMPLETE if ok else MISSING,
                         "basis": "", "missing": "" if ok else fy_label(y)})
    return pd.DataFrame(rows, columns=["force", "financial_year", "year", "series", "periods_present",
                                       "periods_expected", "status", "basis", "missing"])


def coverage_by_force_year(crime: pd.DataFrame, *, population: pd.DataFrame | None = None,
                           workforce: pd.DataFrame | None = None, severity: pd.DataFrame | None = None,
                           basis: pd.Series | str | None = None) -> pd.DataFrame:
    """Coverage of the crime series and its context series, force by force and year by year.

    The years reported run from the earliest to the latest year of any series given, so
    every series shows its gaps against the others (e.g. population ends with mid-2020).

    Parameters
    ----------
    crime : DataFrame
        The crime series' data (``force``, ``quarter``/``month``, ...).
    population : DataFrame, optional
        ``force``, ``year`` (mid-year), ``population``.
    workforce : DataFrame, optional
        ``force``, ``year`` (31 March), ``value``.
    severity : DataFrame, optional
        ``force``, ``year`` (year ending March), ``severity_score``.
    basis : Series or str, optional
        See :func:`crime_coverage`.

    Returns
    -------
    DataFrame
        Long: one row per force x financial year x series (``Recorded crime``,
        ``Population``, ``Workforce``, ``Crime severity``).

    Examples
    --------
    >>> q = pd.period_range("2019Q2", periods=8, freq="Q")
    >>> crime = pd.DataFrame({"force": "A", "quarter": q, "count": 1})
    >>> pop = pd.DataFrame({"force": "A", "year": [2019], "population": [100]})
    >>> c = coverage_by_force_year(crime, population=pop)
    >>> c.pivot(index="series", columns="financial_year", values="status").loc["Population"].tolist()
    ['complete', 'missing']
    """
    forces = sorted(crime["force"].astype(str).unique())
    tcol = _time_column(crime)
    fy = _fy_start(crime[tcol]) if len(crime) else np.array([], dtype=int)
    spans = [(int(fy.min()), int(fy.max()))] if len(fy) else []
    ctx = [("Population", population, "start", "population"), ("Workforce", workforce, "end", "value"),
           ("Crime severity", severity, "end", "severity_score")]
    for _, f, year_is, val in ctx:
        if f is not None and len(f):
            f = f[f["force"].isin(forces)]
            if val in f.columns:
                f = f[f[val].notna()]
            if len(f):
                shift = 0 if year_is == "start" else 1
                spans.append((int(f["year"].min()) - shift, int(f["year"].max()) - shift))
    if not spans:
        raise DataValidationError("no data to describe", column="force", fix="pass a non-empty crime series")
    years = list(range(min(s for s, _ in spans), max(e for _, e in spans) + 1))
    parts = [crime_coverage(crime, basis=basis, years=years)]
    for name, f, year_is, val in ctx:
        if f is not None:
            parts.append(yearly_coverage(f, series=name, forces=forces, years=years, year_is=year_is,
                                         value=val if val in f.columns else None))
    return pd.concat(parts, ignore_index=True)


def coverage_wide(long: pd.DataFrame) -> pd.DataFrame:
    """Reader's table of :func:`coverage_by_force_year`: one row per force and year, one
    column per series ("4 of 4 (published)", "yes", "missing").

    Examples
    --------
    >>> q = pd.period_range("2019Q2", periods=4, freq="Q")
    >>> c = coverage_by_force_year(pd.DataFrame({"force": "A", "quarter": q, "count": 1}), basis="published",
    ...                            population=pd.DataFrame({"force": "A", "year": [2020], "population": [1]}))
    >>> coverage_wide(c).values.tolist()
    [['A', '2019/20', '4 of 4 (published)', 'missing'], ['A', '2020/21', 'missing', 'yes']]
    """
    def cell(r: Any) -> str:
        if r.periods_expected == 1:
            return "yes" if r.periods_present else MISSING
        if r.periods_present == 0:
            return MISSING
        txt = f"{r.periods_present} of {r.periods_expected}"
        return f"{txt} ({r.basis})" if r.basis else txt

    d = long.assign(cell=[cell(r) for r in long.itertuples(index=False)])
    order = list(dict.fromkeys(long["series"]))
    w = d.pivot(index=["force", "financial_year"], columns="series", values="cell")
    w = w[order].reset_index()
    w.columns.name = None
    return w.rename(columns={"force": "Force", "financial_year": "Financial year"})


def coverage_gaps(long: pd.DataFrame) -> pd.DataFrame:
    """The rows of :func:`coverage_by_force_year` that are not complete, gaps grouped per
    force and series into runs of consecutive years.

    Returns
    -------
    DataFrame
        ``force``, ``series``, ``from``, ``to`` (financial years), ``years``, ``status``
        (``missing`` or ``partial``), ``missing`` (the absent periods of partial years).

    Examples
    --------
    >>> long = pd.DataFrame({"force": "A", "series": "Population", "year": [2019, 2020, 2021],
    ...     "financial_year": ["2019/20", "2020/21", "2021/22"], "status": ["complete", "missing", "missing"],
    ...     "missing": ["", "2020/21", "2021/22"]})
    >>> coverage_gaps(long)[["from", "to", "years", "status"]].values.tolist()
    [['2020/21', '2021/22', 2, 'missing']]
    """
    g = long[long["status"] != COMPLETE].sort_values(["force", "series", "year"])
    rows = []
    for (force, series), d in g.groupby(["force", "series"], sort=False):
        run: list[Any] = []
        for r in d.itertuples(index=False):
            if run and (r.year == run[-1].year + 1) and r.status == run[-1].status == MISSING:
                run.append(r)
                continue
            if run:
                rows.append(_gap_row(force, series, run))
            run = [r]
        if run:
            rows.append(_gap_row(force, series, run))
    return pd.DataFrame(rows, columns=["force", "series", "from", "to", "years", "status", "missing"])


def _gap_row(force: str, series: str, run: list[Any]) -> dict[str, Any]:
    partial = run[0].status == PARTIAL
    return {"force": force, "series": series, "from": run[0].financial_year, "to": run[-1].financial_year,
            "years": len(run), "status": run[0].status, "missing": run[0].missing if partial else ""}


def plot_coverage(long: pd.DataFrame, *, synthetic: bool = False, title: str = "Coverage by force and year"):
    """Heatmap of coverage: one row per force and series, one column per financial year,
    shaded by the share of the year's periods present (white = missing).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> q = pd.period_range("2019Q2", periods=6, freq="Q")
    >>> fig = plot_coverage(coverage_by_force_year(pd.DataFrame({"force": "A", "quarter": q, "count": 1})))
    >>> len(fig.axes) >= 1
    True
    """
    import matplotlib.pyplot as plt

    from alliance_analysis import plots

    plots.apply_house_style()
    share = long.assign(share=long["periods_present"] / long["periods_expected"],
                        row=long["force"] + " – " + long["series"])
    order = list(dict.fromkeys(share.sort_values(["force"], kind="stable")["row"]))
    grid = share.pivot(index="row", columns="financial_year", values="share").reindex(order)
    height = min(40.0, max(2.5, 0.32 * grid.shape[0] + 1.5))   # 43 forces x 4 series stay legible, capped
    fig, ax = plt.subplots(figsize=(max(6.0, 0.38 * grid.shape[1] + 3), height))
    im = ax.imshow(grid.to_numpy(dtype=float), aspect="auto", cmap="Blues", vmin=0, vmax=1, interpolation="nearest")
    ax.set_yticks(range(grid.shape[0]), grid.index, fontsize=10 if grid.shape[0] <= 40 else 7)
    step = max(1, grid.shape[1] // 12)
    ax.set_xticks(range(0, grid.shape[1], step), grid.columns[::step], rotation=45, ha="right",
                  rotation_mode="anchor")
    ax.grid(False)
    ax.set_xlabel("Financial year (April-March)")
    cb = fig.colorbar(im, ax=ax, fraction=0.03)
    cb.set_label("Share of the year's periods present")
    plots.figure_title(ax, title, synthetic=synthetic)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------------------
# Revisions between releases
# --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RevisionTables:
    """Revisions between the 2019 rolling release and the October 2023 quarterly release.

    Attributes
    ----------
    by_force_year : DataFrame
        ``force``, ``financial_year``, ``release_2019``, ``release_2023``, ``difference``,
        ``percent`` (total recorded crime excluding fraud; complete years both give).
    largest : DataFrame
        The largest absolute revisions by force x offence group x financial year.
    """

    by_force_year: pd.DataFrame
    largest: pd.DataFrame


def revision_tables(rev: pd.DataFrame, *, top: int = 10) -> RevisionTables:
    """Totals and largest revisions from :func:`alliance_analysis.longseries.revisions`
    (``freq="financial_year"``) output.

    Examples
    --------
    >>> rev = pd.DataFrame({"force": "A", "offence_group": ["Robbery", "Theft"], "financial_year": "2015/16",
    ...                     "release_2019": [10, 100], "release_2023": [12, 95]})
    >>> t = revision_tables(rev)
    >>> t.by_force_year[["release_2019", "release_2023", "difference"]].values.tolist()
    [[110, 107, -3]]
    >>> t.largest["offence_group"].tolist()
    ['Theft', 'Robbery']
    """
    if top < 1:
        raise ParameterError(f"top must be at least 1, got {top}")
    need = ["force", "offence_group", "financial_year", "release_2019", "release_2023"]
    miss = [c for c in need if c not in rev.columns]
    if miss:
        raise DataValidationError("revisions frame lacks columns", column=", ".join(miss),
                                  fix="pass longseries.revisions(..., freq='financial_year') output")
    r = rev[need].copy()
    r["difference"] = r["release_2023"] - r["release_2019"]
    tot = r.groupby(["force", "financial_year"], as_index=False, sort=True)[["release_2019", "release_2023"]].sum()
    for d in (r, tot):
        d["difference"] = d["release_2023"] - d["release_2019"]
        d["percent"] = (d["difference"] / d["release_2019"].where(d["release_2019"] != 0) * 100).astype("float64")
    big = r[r["difference"] != 0].assign(_abs=lambda d: d["difference"].abs())
    big = big.sort_values(["_abs", "force", "offence_group", "financial_year"],
                          ascending=[False, True, True, True]).drop(columns="_abs").head(top)
    return RevisionTables(tot.reset_index(drop=True), big.reset_index(drop=True))


def release_revisions(forces: Sequence[str]) -> pd.DataFrame:
    """Revisions by force x offence group x financial year between the shipped releases
    (the 2019 rolling table, derived to quarters, and the Oct 2023 quarterly table).

    Examples
    --------
    >>> r = release_revisions(["West Mercia"])
    >>> int(r[r["financial_year"] == "2015/16"]["release_2019"].sum())
    72599
    """
    from alliance_analysis import clean, longseries

    wanted = clean.resolve_forces(list(forces))
    rolling, prc = _shipped_releases()
    rolling = rolling[rolling["force"].isin(wanted).to_numpy()]
    prc = prc[prc["force"].isin(wanted).to_numpy()]
    if "force_type" in rolling.columns:
        rolling = rolling[(rolling["force_type"] == "territorial").to_numpy()]
    if "force_type" in prc.columns:
        prc = prc[(prc["force_type"] == "territorial").to_numpy()]
    if rolling.empty or prc.empty:
        return pd.DataFrame(columns=["force", "offence_group", "financial_year", "release_2019", "release_2023",
                                     "difference", "percent"])
    keep = [c for c in ("force", "offence", "period_end", "rolling_total") if c in rolling.columns]
    derived = longseries.quarterly_from_rolling(rolling[keep], prc)
    return longseries.revisions(derived, prc, freq="financial_year")


def _shipped_releases() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The shipped rolling and PRC tables, parsed once per process (shared with the default series)."""
    from alliance_analysis import longseries

    return longseries.shipped_releases()


def plot_revisions(by_force_year: pd.DataFrame, *, synthetic: bool = False,
                   title: str = "Recorded crime (excluding fraud): Oct 2023 release against 2019 release"):
    """Bar chart of the revision (Oct 2023 release minus 2019 release) per force and year.

    Examples
    --------
    >>> t = pd.DataFrame({"force": ["A", "A"], "financial_year": ["2014/15", "2015/16"], "difference": [0, 5],
    ...                   "percent": [0.0, 2.0]})
    >>> fig = plot_revisions(t)
    >>> fig.axes[0].get_ylabel()
    'Revision (% of the 2019 figure)'
    """
    import matplotlib.pyplot as plt

    from alliance_analysis import plots

    plots.apply_house_style()
    w = by_force_year.pivot(index="financial_year", columns="force", values="percent").sort_index()
    fig, ax = plt.subplots(figsize=(9, 4.5))
    n = max(1, w.shape[1])
    width = 0.8 / n
    x = np.arange(len(w))
    for i, f in enumerate(w.columns):
        ax.bar(x + (i - (n - 1) / 2) * width, w[f].fillna(0).to_numpy(), width, label=f, color=plots.force_colour(f, i))
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xticks(x, w.index)
    ax.set_xlabel("Financial year")
    ax.set_ylabel("Revision (% of the 2019 figure)")
    ax.legend(ncol=min(4, n), loc="upper center", bbox_to_anchor=(0.5, -0.18))
    plots.figure_title(ax, title, synthetic=synthetic)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------------------
# Breaks, series summary, rates, seed tables
# --------------------------------------------------------------------------------------

_PROPER = {"action fraud": "Action Fraud", "covid": "COVID-19"}


def _break_name(break_id: str) -> str:
    """``"covid_lockdowns_2020_21"`` -> ``"COVID-19 lockdowns 2020-21"``."""
    import re

    s = re.sub(r"(\d{4})_(\d{2,4})$", r"\1-\2", str(break_id)).replace("_", " ")
    for k, v in _PROPER.items():
        s = re.sub(rf"\b{k}\b", v, s)
    return s[:1].upper() + s[1:]


def breaks_table(breaks: pd.DataFrame) -> pd.DataFrame:
    """Readable declared breaks: ``Break``, ``From``, ``To`` ("no end: permanent"), ``Offence groups``,
    ``Kind``, ``What changed``, ``Source``.

    Examples
    --------
    >>> b = pd.DataFrame({"break_id": ["x"], "start": pd.to_datetime(["2017-04-01"]), "end": [pd.NaT],
    ...                   "offence_groups": ["Burglary"], "kind": ["reclassification"], "description": ["d"],
    ...                   "source": ["s"]})
    >>> breaks_table(b)[["From", "To"]].values.tolist()
    [['April 2017', 'no end: permanent']]
    """
    need = ["break_id", "start", "end", "offence_groups", "description", "source"]
    miss = [c for c in need if c not in breaks.columns]
    if miss:
        raise DataValidationError("breaks frame lacks columns", column=", ".join(miss),
                                  fix="pass taxonomy.data_breaks() output")
    start = pd.to_datetime(breaks["start"])
    end = pd.to_datetime(breaks["end"])
    return pd.DataFrame({
        "Break": [_break_name(b) for b in breaks["break_id"]],
        "From": start.dt.strftime("%B %Y"),
        "To": [e.strftime("%B %Y") if pd.notna(e) else "no end: permanent" for e in end],
        "Offence groups": breaks["offence_groups"].str.replace(";", ", ").replace({"all": "all groups"}),
        "Kind": breaks["kind"] if "kind" in breaks.columns else "–",
        "What changed": breaks["description"], "Source": breaks["source"]}).reset_index(drop=True)


def series_summary(data: pd.DataFrame) -> pd.DataFrame:
    """First/last period, periods present vs expected and the missing periods, per force.

    Expected periods run from the series' first to its last period (over all forces), so
    a force that starts late or stops early shows the gap.

    Examples
    --------
    >>> m = pd.PeriodIndex(["2022-01", "2022-03", "2022-01", "2022-02", "2022-03"], freq="M")
    >>> d = pd.DataFrame({"force": ["A", "A", "B", "B", "B"], "month": m, "count": 1})
    >>> series_summary(d)[["force", "periods_present", "periods_expected", "missing"]].values.tolist()
    [['A', 2, 3, '2022-02'], ['B', 3, 3, 'none']]
    """
    tcol = _time_column(data)
    per = pd.PeriodIndex(data[tcol])
    if not len(per):
        raise DataValidationError("the series is empty", column=tcol, fix="check the forces and period asked")
    want = pd.period_range(per.min(), per.max(), freq=per.freqstr)
    rows = []
    d = pd.DataFrame({"force": data["force"].astype(str).to_numpy(), "period": per})
    for f, g in d.groupby("force", sort=True):
        have = set(g["period"])
        absent = [p for p in want if p not in have]
        rows.append({"force": f, "first_period": _period_text(min(have)), "last_period": _period_text(max(have)),
                     "periods_present": len(have), "periods_expected": len(want),
                     "missing": ", ".join(_period_text(p) for p in absent) or "none"})
    return pd.DataFrame(rows)


def rates_by_force_year(series: CrimeSeries, population: pd.DataFrame) -> pd.DataFrame:
    """Crime per 1,000 residents by force and complete financial year, population of each year.

    Crime is :meth:`CrimeSeries.totals` (anti-social behaviour and fraud left out). Years
    beyond the population estimates take the nearest estimate: ``population_year`` says
    which. ``attrs["incomplete_years"]`` lists partial years left out,
    ``attrs["nearest_year_used"]`` the (year, population year) pairs not exact.
    ``population_year`` is text (``"mid-2013"``), so no reader sees it as a count.

    Examples
    --------
    >>> from alliance_analysis.sources import CrimeSeries
    >>> q = pd.period_range("2013Q2", periods=4, freq="Q")
    >>> s = CrimeSeries(pd.DataFrame({"force": "A", "quarter": q, "offence_group": "Robbery", "count": 25}),
    ...                 "x", "y", False)
    >>> pop = pd.DataFrame({"force": "A", "year": [2013], "population": [50_000]})
    >>> rates_by_force_year(s, pop)[["financial_year", "count", "rate_per_1000"]].values.tolist()
    [['2013/14', 100, 2.0]]
    """
    from alliance_analysis.demand import annual_rates, financial_year_totals

    tot = series.totals().assign(category="All crime")
    cols = ["area", "financial_year", "year", "count", "population", "population_year", "rate_per_1000"]
    t = financial_year_totals(tot, by=("force", "category"))
    if t.empty:
        out = pd.DataFrame(columns=cols)
        out.attrs.update(incomplete_years=t.attrs.get("incomplete_years", []), nearest_year_used=[])
        return out
    r = annual_rates(t, population, by="category")
    out = r[cols].sort_values(["area", "year"]).reset_index(drop=True)
    out["population_year"] = "mid-" + out["population_year"].astype("int64").astype(str)
    out.attrs.update(incomplete_years=t.attrs.get("incomplete_years", []),
                     nearest_year_used=r.attrs.get("nearest_year_used", []))
    return out


def seed_summary(figures: pd.DataFrame) -> pd.DataFrame:
    """Number of transcribed figures per seed table and source document (titled).

    Returns ``table`` (readable), ``document`` (title), ``file`` (seed file), ``figures``.

    Examples
    --------
    >>> f = pd.DataFrame({"table": ["a_b", "a_b", "c"], "document": ["d1", "d1", "004_f4fdb168081c2227.txt"]})
    >>> seed_summary(f).values.tolist()[0]
    ['A b', 'd1', 'd1', 2]
    >>> seed_summary(f)["document"].iloc[1]
    'PCC decision PCC/D/2017/05, Mobilising Transformational Change (Feb 2017)'

    """
    miss = [c for c in ("table", "document") if c not in figures.columns]
    if miss:
        raise DataValidationError("seed figures lack columns", column=", ".join(miss),
                                  fix="pass datasets.seed.all_seed_figures() output")
    out = figures.groupby(["table", "document"], as_index=False).size().rename(columns={"size": "figures"})
    out["table"] = out["table"].astype(str).str.replace("_", " ").str.capitalize()
    out.insert(2, "file", out["document"].astype(str))
    out["document"] = out["document"].map(lambda d: SEED_DOCUMENT_TITLES.get(str(d), str(d)))
    return out


# --------------------------------------------------------------------------------------
# Tables for readers
# --------------------------------------------------------------------------------------

def display_table(df: pd.DataFrame, *, counts: Sequence[str] = (), pct: Sequence[str] = (),
                  rates: Sequence[str] = (), labels: Mapping[str, str] | None = None,
                  caption: str | None = None) -> Styler:
    """A table formatted for readers by :func:`alliance_analysis.tables.format_table`, with the
    overview's human labels (:data:`LABELS`) by default; column names refer to ``df`` before
    relabelling. The table id derives from the content, so identical runs give identical HTML.

    Examples
    --------
    >>> s = display_table(pd.DataFrame({"force": ["A"], "count": [12345]}), counts=["count"])
    >>> "12,345" in s.to_html()
    True
    """
    from alliance_analysis.tables import format_table

    lab = {c: LABELS.get(c, c) for c in df.columns}
    lab.update(labels or {})
    return format_table(df, counts=tuple(counts), pct=tuple(pct), rates=tuple(rates), labels=lab, caption=caption)


def html_table(df: pd.DataFrame, **kwargs: Any) -> Any:
    """:func:`display_table` as an IPython ``HTML`` object, for ``display()`` in a report.

    Displaying a Styler also stores its ``repr`` (with an object address) as the plain-text
    output, so two identical runs would differ; the HTML object's outputs are the same
    bytes every run.

    Examples
    --------
    >>> h = html_table(pd.DataFrame({"force": ["A"], "count": [12345]}), counts=["count"])
    >>> "12,345" in h.data, repr(h).startswith("<IPython.core.display.HTML object")
    (True, True)
    """
    from IPython.display import HTML

    return HTML(display_table(df, **kwargs).to_html())


# --------------------------------------------------------------------------------------
# The whole overview
# --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class DataOverview:
    """Everything the data overview report shows for one crime series.

    Attributes
    ----------
    header : str
        Markdown: what produced the report (source, release, forces, period, parameters).
    summary : str
        Markdown: the findings in numbers, generated from the tables below.
    sources : DataFrame
        :func:`sources_table` (shipped files plus the report's own source).
    coverage : DataFrame
        :func:`coverage_by_force_year` (long).
    gaps : DataFrame
        :func:`coverage_gaps`.
    series : DataFrame
        :func:`series_summary` of the crime series.
    revisions : RevisionTables or None
        ``None`` when the source is not the shipped default (see ``revision_note``).
    revision_note : str
        One sentence on the revisions section.
    breaks : DataFrame
        :func:`breaks_table` of the declared breaks touching the series' period.
    rates : DataFrame
        :func:`rates_by_force_year`.
    rates_note : str
        One sentence on the rates (population years used, or why there are none).
    breaks_note : str
        One sentence on the declared breaks touching the period (or that none does).
    caveats : str
        Markdown list of the series' caveats (derived quarters, ASB, synthetic label); "" when none.
    synthetic : bool
        True for the seeded generator.
    """

    header: str
    summary: str
    sources: pd.DataFrame
    coverage: pd.DataFrame
    gaps: pd.DataFrame
    series: pd.DataFrame
    revisions: RevisionTables | None
    revision_note: str
    breaks: pd.DataFrame
    rates: pd.DataFrame
    rates_note: str
    breaks_note: str = ""
    caveats: str = ""
    synthetic: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)


def _fmt(n: float) -> str:
    return f"{n:,.0f}"


def _shipped_coverage_text(context: ContextSeries | None) -> dict[str, str]:
    out = {}
    try:
        r, p = _shipped_releases()
    except (OSError, DataValidationError) as exc:  # pragma: no cover - shipped files present in the repo
        log.warning("shipped Home Office tables unavailable: %s", exc)
    else:
        q = r[r["frequency"] == "quarterly"]["period_end"] if "frequency" in r.columns else r["period_end"]
        a = r["period_end"]
        out["home_office/rec-crime-pfa.csv"] = (
            f"years ending March {a.min().year} onwards, rolling quarterly to {q.max():%B %Y}; "
            f"{r.loc[r.get('force_type', pd.Series('territorial', index=r.index)) == 'territorial', 'force'].nunique()}"
            f" territorial forces")
        pq = pd.PeriodIndex(p["quarter"])
        first, last = p.iloc[int(pq.argmin())], p.iloc[int(pq.argmax())]
        out["home_office/prc-pfa-mar2013-onwards-tables-191023.csv.gz"] = (
            f"quarters {_period_text(pq.min())} to {_period_text(pq.max())} (FY {first['financial_year']} "
            f"Q{first['financial_quarter']} to FY {last['financial_year']} Q{last['financial_quarter']})")
    if context is not None:
        if context.workforce is not None and len(context.workforce):
            w = context.workforce["year"]
            out["workforce/police_workforce_open_data_2007_2022.csv.gz"] = f"31 March {w.min()} to 31 March {w.max()}"
        if len(context.population):
            y = context.population["year"]
            out["population/population_by_lad_mid2001_mid2020.csv.gz"] = f"mid-{y.min()} to mid-{y.max()}"
        if context.severity_total is not None and len(context.severity_total):
            y = context.severity_total["year"]
            out["css/crime_severity_score_by_force_and_offence_group_2003_2022.csv.gz"] = (
                f"years ending March {y.min()} to March {y.max()}")
    out.setdefault("lookups/lad_pfa_2021.csv", "districts of England and Wales, December 2021 boundaries")
    return out


def header_markdown(series: CrimeSeries, params: Mapping[str, Any] | None = None,
                    defaults: Mapping[str, Any] | None = None) -> str:
    """What produced the report: source and release, forces, period, and the parameters that
    differ from the defaults.

    Examples
    --------
    >>> from alliance_analysis.sources import CrimeSeries
    >>> s = CrimeSeries(pd.DataFrame({"force": "A", "quarter": pd.period_range("2013Q2", periods=2, freq="Q"),
    ...                               "offence_group": "Robbery", "count": 1}), "Src", "rel", False)
    >>> print(header_markdown(s, {"seed": 7}, {"seed": 2014}).splitlines()[-1])
    - **Parameters that differ from the defaults:** seed = 7
    """
    lines = ["**What produced this report**", "",
             f"- **Data:** {series.describe()}",
             f"- **Forces:** {', '.join(series.forces)}",
             f"- **Period:** {series.period_label()}"]
    if series.synthetic:
        lines.append("- **SYNTHETIC DATA**: seeded demonstration series; nothing here is a finding about any force.")
    for n in series.notes:
        lines.append(f"- {n}")
    if params is not None:
        d = defaults or {}
        diff = [f"{k} = {v!r}" if isinstance(v, str) else f"{k} = {v}" for k, v in params.items()
                if k not in d or d[k] != v]
        lines.append(f"- **Parameters that differ from the defaults:** {', '.join(diff) if diff else 'none'}")
    return "\n".join(lines)


def caveats_markdown(series: CrimeSeries) -> str:
    """The caveats a report must state about its crime series, as a Markdown list ("" when none).

    Examples
    --------
    >>> from alliance_analysis.sources import CrimeSeries
    >>> d = pd.DataFrame({"force": "A", "month": pd.PeriodIndex(["2022-01"], freq="M"), "crime_type": "x", "count": 1})
    >>> caveats_markdown(CrimeSeries(d, "s", "r", True, ("a note",))).splitlines()[1]
    '- a note'
    >>> caveats_markdown(CrimeSeries(d, "s", "r", False))
    ''
    """
    lines = []
    if series.synthetic:
        lines.append("- **SYNTHETIC DATA**: seeded demonstration series; nothing here is a finding about any force.")
    lines.extend(f"- {n}" for n in series.notes)
    return "\n".join(lines)


def summary_markdown(series: CrimeSeries, coverage: pd.DataFrame, revisions: RevisionTables | None,
                     rates: pd.DataFrame, breaks: pd.DataFrame) -> str:
    """The findings in numbers, generated from the overview's tables.

    Examples
    --------
    >>> from alliance_analysis.sources import CrimeSeries
    >>> q = pd.period_range("2013Q2", periods=4, freq="Q")
    >>> s = CrimeSeries(pd.DataFrame({"force": "A", "quarter": q, "offence_group": "Robbery", "count": 1}),
    ...                 "Src", "rel", False)
    >>> cov = coverage_by_force_year(s.data)
    >>> "1 of 1 force-years from 2013/14 to 2013/14 are complete" in summary_markdown(s, cov, None, pd.DataFrame(),
    ...                                                                            pd.DataFrame())
    True
    """
    unit = "quarters" if series.time == "quarter" else "months"
    y0, y1 = (int(x) for x in _fy_start(pd.Series([series.start, series.end])))
    crime = coverage[(coverage["series"] == "Recorded crime") & coverage["year"].between(y0, y1)]
    n_complete = int((crime["status"] == COMPLETE).sum())
    nf = len(series.forces)
    lines = [f"- The crime series covers {nf} {'force' if nf == 1 else 'forces'}, {series.period_label()}: "
             f"{_fmt(series.data['count'].sum())} records in {series.data[series.category].nunique()} "
             f"categories; {n_complete} of {len(crime)} force-years from {fy_label(y0)} to {fy_label(y1)} "
             f"are complete."]
    inner = series_summary(series.data)
    miss = int((inner["periods_expected"] - inner["periods_present"]).sum())
    lines.append(f"- {miss} {unit} are missing between the first and last period of the series"
                 + (" (listed below as gaps, never filled)." if miss else "."))
    edge = crime[(crime["status"] == PARTIAL) & crime["year"].isin([y0, y1])]
    if len(edge):
        lines.append(f"- Partial financial years at the ends of the series: "
                     f"{', '.join(sorted(set(edge['financial_year'])))} (left out of annual totals and rates).")
    for name in ("Population", "Workforce", "Crime severity"):
        c = coverage[(coverage["series"] == name) & (coverage["status"] == COMPLETE)]
        if len(c):
            lines.append(f"- {name}: financial years {c['financial_year'].min()} to {c['financial_year'].max()} "
                         f"({c['financial_year'].nunique()} years).")
    if revisions is not None and len(revisions.by_force_year):
        t = revisions.by_force_year
        big = t.loc[t["difference"].abs().idxmax()]
        changed = int((t["difference"] != 0).sum())

        def said(r: Any) -> str:
            return (f"{r['force']} {r['financial_year']}, {_fmt(r['release_2019'])} in the 2019 release vs "
                    f"{_fmt(r['release_2023'])} in Oct 2023 ({int(r['difference']):+,}, {r['percent']:+.1f}%)")

        line = (f"- The Oct 2023 release revised {changed} of {len(t)} force-years of the 2019 release; the largest: "
                f"{said(big)}")
        rel = t.loc[t["percent"].abs().fillna(-1).idxmax()]
        if (rel["force"], rel["financial_year"]) != (big["force"], big["financial_year"]):
            line += f"; the largest in per cent: {said(rel)}"
        lines.append(line + ".")
    if len(rates):
        last = rates["financial_year"].max()
        r = rates[rates["financial_year"] == last].sort_values("rate_per_1000")
        if len(r) <= 6:
            parts = ", ".join(f"{a} {v:,.1f}" for a, v in zip(r["area"], r["rate_per_1000"], strict=True))
        else:
            lo, hi = r.iloc[0], r.iloc[-1]
            parts = (f"median {r['rate_per_1000'].median():,.1f} across {len(r)} forces, lowest {lo['area']} "
                     f"{lo['rate_per_1000']:,.1f}, highest {hi['area']} {hi['rate_per_1000']:,.1f}")
        lines.append(f"- Crime per 1,000 residents in {last}: {parts}.")
    if len(breaks):
        lines.append(f"- {len(breaks)} declared {'break touches' if len(breaks) == 1 else 'breaks touch'} the period: "
                     f"{', '.join(breaks['Break'])}.")
    return "\n".join(lines)


def data_overview(series: CrimeSeries, context: ContextSeries, *, path: str | Path | None = None,
                  params: Mapping[str, Any] | None = None, defaults: Mapping[str, Any] | None = None,
                  top: int = 10) -> DataOverview:
    """The data overview of one crime series and its context (notebook ``00``).

    Parameters
    ----------
    series : CrimeSeries
        From :func:`alliance_analysis.sources.load_crime_series`.
    context : ContextSeries
        From :func:`alliance_analysis.sources.load_context` for the same forces.
    path : path, optional
        The file or archive the series was read from (PRC / police.uk).
    params, defaults : mapping, optional
        The run's parameters and their defaults (the header lists those that differ).
    top : int
        How many of the largest revisions to list.

    Returns
    -------
    DataOverview

    Examples
    --------
    >>> from alliance_analysis.sources import CrimeSeries, load_context
    >>> q = pd.period_range("2013Q2", periods=4, freq="Q")
    >>> s = CrimeSeries(pd.DataFrame({"force": "Dorset", "quarter": q, "offence_group": "Robbery", "count": 5}),
    ...                 "Example table", "test", False)
    >>> ov = data_overview(s, load_context(["Dorset"]), path="x.csv")
    >>> ov.revisions is None, ov.rates["count"].tolist()
    (True, [20])
    """
    from alliance_analysis.taxonomy import breaks_for

    default = series.source == "Home Office police recorded crime" and path is None and not series.synthetic
    basis = default_basis(series.data) if default else None
    cov = coverage_by_force_year(series.data, population=context.population, workforce=context.workforce,
                                 severity=context.severity_total, basis=basis)
    extra = [row] if (row := series_source_row(series, path)) is not None else []
    src = sources_table(coverage=_shipped_coverage_text(context), extra=extra)
    if default:
        revs: RevisionTables | None = revision_tables(release_revisions(series.forces), top=top)
        rnote = ("Where the two Home Office releases both give a financial year (2012/13 to 2017/18), the October "
                 "2023 release is compared with the 2019 release; the default series uses the 2019 release only "
                 "before 2012/13 and the 2023 release from then on, so the revisions are shown, never spliced over.")
        if revs.by_force_year.empty:
            rnote = "The two Home Office releases share no complete financial year for these forces."
            revs = None
    else:
        revs = None
        kind = ("a seeded synthetic series" if series.synthetic else
                "a police.uk archive (one release, as read)" if series.time == "month" else
                "a single Home Office table")
        rnote = (f"This report's crime series is {kind}, so there is no revision between releases to show; revisions "
                 f"are measured on the shipped Home Office default.")
    cats = sorted(series.data[series.category].unique())
    start, end = series.start.start_time, series.end.end_time
    try:
        br = breaks_for("all", start, end)
    except ParameterError:  # an odd period: show every declared break
        br = context.breaks
    if series.category == "offence_group":
        from alliance_analysis.taxonomy import expand_groups

        have = set(cats)
        br = br[br["offence_groups"].map(lambda g: bool(have & set(expand_groups(g))))]
    bt = breaks_table(br.reset_index(drop=True))
    bnote = (f"No declared break touches {series.period_label()}." if bt.empty else
             f"{len(bt)} declared {'break touches' if len(bt) == 1 else 'breaks touch'} {series.period_label()}; "
             f"trend and evaluation models take them as declared breaks rather than as changes in crime.")
    rates = rates_by_force_year(series, context.population)
    if rates.empty:
        rnote_rates = (f"The series has no complete financial year (April to March) for any force, so no annual rate "
                       f"per 1,000 residents is given; incomplete years: "
                       f"{', '.join(rates.attrs.get('incomplete_years', [])) or 'none'}.")
    else:
        near = rates.attrs.get("nearest_year_used", [])
        pop_years = f"mid-{context.population['year'].min()} to mid-{context.population['year'].max()}"
        rnote_rates = (f"Rates use the ONS mid-year population of each year ({pop_years} available)"
                       + (f"; years beyond the estimates use the nearest ({', '.join(f'{fy_label(y)} on mid-{p}' for y, p in near)})"
                          if near else "")
                       + ". Anti-social behaviour and fraud are left out of crime.")
    return DataOverview(
        header=header_markdown(series, params, defaults),
        summary=summary_markdown(series, cov, revs, rates, bt),
        sources=src, coverage=cov, gaps=coverage_gaps(cov), series=series_summary(series.data),
        revisions=revs, revision_note=rnote, breaks=bt, rates=rates, rates_note=rnote_rates, breaks_note=bnote,
        caveats=caveats_markdown(series),
        synthetic=series.synthetic, notes=series.notes)
