"""Coverage force by force and financial year: periods present, gaps, the reader's table and the heatmap."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from alliance_analysis.clean import fy_label
from alliance_analysis.overview._common import (BASIS_DERIVED, BASIS_PUBLISHED, COMPLETE, MISSING, PARTIAL,
                                                _fy_start, _period_text, _time_column)
from alliance_analysis.errors import DataValidationError, ParameterError


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
    series obtained each quarter (see :mod:`alliance_analysis.series.longseries`).

    Examples
    --------
    >>> d = pd.DataFrame({"quarter": pd.PeriodIndex(["2012Q1", "2012Q2"], freq="Q")})
    >>> default_basis(d).tolist()
    ['derived', 'published']
    """
    from alliance_analysis.series.longseries import SPLICE_QUARTER

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

    from alliance_analysis.presentation import plots

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

