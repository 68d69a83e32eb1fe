"""Harmonised long series of recorded crime: quarters from rolling totals, revisions, splice.

The Home Office rolling 12-month PFA table (early-2019 release) gives, for every force
and offence, the total of the twelve months ending each quarter from June 2007 (and
each March from 2003). Consecutive rolling totals differ by the quarter that enters
minus the quarter that leaves::

    R_t - R_{t-1} = q_t - q_{t-4}

so four known quarters fix every other quarter exactly, in integers. The four known
quarters (the *anchor*) are the published quarterly counts of FY 2012/13 from the PRC
open data tables (release of 19 Oct 2023). Where that later release revised 2012/13,
its four quarters do not add up to the rolling release's year to March 2013; the
difference is then allocated across the four anchor quarters in proportion to their
published counts (largest-remainder rounding), recorded per row in ``method`` and in
``attrs["adjustments"]``, so every derived financial year adds up exactly to the
published year-ending-March total of the rolling release. Negative derived quarters
(reclassifications inside a rolling year) are flagged in ``negative``, never hidden.

:func:`recorded_crime_quarterly` splices the two releases at the start of FY 2012/13:
derived quarters up to 2012 Q1, published quarters from 2012 Q2, with a ``source``
on every row; :func:`revisions` measures where they disagree.

Examples
--------
>>> rolling = pd.DataFrame({"force": "A", "offence_group": "Robbery",
...     "period_end": pd.to_datetime(["2012-03-31", "2012-06-30", "2012-09-30", "2012-12-31", "2013-03-31"]),
...     "rolling_total": [40, 42, 42, 43, 44]})
>>> anchor = pd.DataFrame({"force": "A", "offence_group": "Robbery",
...     "quarter": pd.period_range("2012Q2", periods=4, freq="Q-DEC"), "count": [12, 10, 11, 11]})
>>> q = quarterly_from_rolling(rolling, anchor)
>>> q.loc[q["quarter"] < pd.Period("2012Q2", "Q-DEC"), "count"].tolist()
[10, 10, 10, 10]
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from alliance_analysis import clean, taxonomy
from alliance_analysis.errors import DataValidationError, ParameterError

log = logging.getLogger(__name__)

#: Source labels on every row of :func:`recorded_crime_quarterly`.
SOURCE_DERIVED = "derived from rolling totals (2019 release)"
SOURCE_PUBLISHED = "published quarterly (Oct 2023 release)"

#: First published quarter of the PRC open data tables (FY 2012/13 Q1 = calendar 2012 Q2).
SPLICE_QUARTER = pd.Period("2012Q2", freq="Q-DEC")

METHOD_ANCHOR = "anchor: published FY 2012/13 quarter"
METHOD_BACKWARD = "derived backward from rolling totals"
METHOD_FORWARD = "derived forward from rolling totals"


def financial_year_of_quarter(quarter: pd.Period) -> str:
    """Financial year label (April-March) of a calendar quarter.

    Examples
    --------
    >>> financial_year_of_quarter(pd.Period("2013Q1", freq="Q-DEC"))
    '2012/13'
    >>> financial_year_of_quarter(pd.Period("2013Q2", freq="Q-DEC"))
    '2013/14'
    """
    y = quarter.year if quarter.quarter >= 2 else quarter.year - 1
    return f"{y}/{(y + 1) % 100:02d}"


def _fy_quarters(fy: str) -> pd.PeriodIndex:
    y = clean.parse_financial_year(fy)
    return pd.period_range(pd.Period(f"{y}Q2", freq="Q-DEC"), periods=4, freq="Q-DEC")


def _quarter_of(df: pd.DataFrame) -> pd.PeriodIndex:
    """Calendar quarter (Q-DEC) of each row from ``quarter`` or ``financial_year`` + ``financial_quarter``."""
    if "quarter" in df.columns:
        return pd.PeriodIndex(df["quarter"], freq="Q-DEC")
    if not {"financial_year", "financial_quarter"} <= set(df.columns):
        raise DataValidationError("frame has no quarter (or financial_year + financial_quarter)", column="quarter",
                                  fix="pass datasets.prc.load_prc_quarterly() output")
    pairs = pd.MultiIndex.from_arrays([df["financial_year"].astype(str), df["financial_quarter"].astype("int64")])
    uniq = pairs.unique()
    lookup = {}
    for y, fq in uniq:
        if fq not in (1, 2, 3, 4):
            raise DataValidationError(f"financial quarter {fq} is not 1-4", column="financial_quarter",
                                      fix="financial quarters run 1 (Apr-Jun) to 4 (Jan-Mar)")
        lookup[(y, fq)] = _fy_quarters(y)[fq - 1]
    return pd.PeriodIndex([lookup[k] for k in uniq], freq="Q-DEC")[uniq.get_indexer(pairs)]


def _largest_remainder(total: int, weights: np.ndarray) -> np.ndarray:
    """Split integer ``total`` in proportion to non-negative ``weights`` (largest remainder).

    Ties go to the earlier position; a zero weight vector splits equally. Negative
    totals are split as the negative of the split of ``-total``.
    """
    sign = -1 if total < 0 else 1
    t = abs(int(total))
    w = np.clip(np.asarray(weights, dtype="float64"), 0, None)
    if w.sum() <= 0:
        w = np.ones_like(w)
    exact = t * w / w.sum()
    base = np.floor(exact).astype("int64")
    rest = t - int(base.sum())
    order = np.argsort(-(exact - base), kind="stable")
    base[order[:rest]] += 1
    return sign * base


def _groups(labels: pd.Series, scheme: str) -> np.ndarray:
    """Harmonised group of each label (looked up once per distinct label)."""
    codes, uniq = pd.factorize(labels.astype(str), sort=False)
    found = taxonomy.harmonised_group([str(u) for u in uniq], scheme).to_numpy()
    return found[codes]


def _fy_labels(quarters: pd.Series | pd.PeriodIndex) -> np.ndarray:
    idx = pd.PeriodIndex(quarters, freq="Q-DEC")
    uniq = idx.unique()
    labels = np.array([financial_year_of_quarter(p) for p in uniq], dtype=object)
    return labels[uniq.get_indexer(idx)]


def _rolling_to_groups(rolling: pd.DataFrame) -> pd.DataFrame:
    """Tidy rolling frame -> force, offence_group, quarter, rolling_total (summed per group)."""
    if "offence_group" not in rolling.columns:
        if "offence" not in rolling.columns:
            raise DataValidationError("rolling frame has neither offence_group nor offence", column="offence",
                                      fix="pass datasets.home_office.load_rolling_pfa() output")
        rolling = rolling.assign(offence_group=_groups(rolling["offence"], "rolling"))
    need = ["force", "offence_group", "period_end", "rolling_total"]
    missing = [c for c in need if c not in rolling.columns]
    if missing:
        raise DataValidationError("rolling frame lacks columns", column=", ".join(missing),
                                  fix="pass datasets.home_office.load_rolling_pfa() output")
    pe = pd.to_datetime(rolling["period_end"])
    # the misprinted 30-12-2017 still falls in 2017 Q4; only quarter ends are usable
    q = pe.dt.to_period("Q-DEC")
    off = (pe.dt.month % 3 != 0)
    if off.any():
        i = int(np.flatnonzero(off.to_numpy())[0])
        raise DataValidationError(f"rolling period end {pe.iloc[i].date()} is not a quarter end", row=i + 1,
                                  column="period_end", fix="rolling totals must end in March, June, September or December")
    r = pd.DataFrame({"force": rolling["force"].astype(str).to_numpy(),
                      "offence_group": rolling["offence_group"].astype(str).to_numpy(),
                      "quarter": q.array, "rolling_total": rolling["rolling_total"].to_numpy()})
    if r["rolling_total"].isna().any():
        i = int(np.flatnonzero(r["rolling_total"].isna().to_numpy())[0])
        raise DataValidationError("missing rolling total", row=i + 1, column="rolling_total",
                                  fix="every rolling row needs a count")
    if "offence" in rolling.columns:
        dup = rolling.assign(_q=q.to_numpy()).duplicated(["force", "offence", "_q"])
        if dup.any():
            i = int(np.flatnonzero(dup.to_numpy())[0])
            raise DataValidationError(f"two rolling totals for {rolling['force'].iloc[i]} / {rolling['offence'].iloc[i]} "
                                      f"in {q.iloc[i]}", row=i + 1, column="period_end",
                                      fix="keep one release of the rolling table (annual and quarterly rows must not repeat a date)")
    return r.groupby(["force", "offence_group", "quarter"], as_index=False, sort=True)["rolling_total"].sum()


def _anchor_to_groups(anchor: pd.DataFrame, fy: str) -> pd.DataFrame:
    a = anchor.assign(quarter=_quarter_of(anchor))
    return _published_groups(a[a["quarter"].isin(_fy_quarters(fy))], what="anchor",
                             fix="pass datasets.prc.load_prc_quarterly() output (or force, offence_group, quarter, count)")


def quarterly_from_rolling(rolling: pd.DataFrame, anchor: pd.DataFrame, *,
                           anchor_year: str = "2012/13") -> pd.DataFrame:
    """Derive exact integer quarterly counts from consecutive rolling-year totals.

    Parameters
    ----------
    rolling : pandas.DataFrame
        Rolling 12-month totals: ``force``, ``period_end`` (quarter ends), ``rolling_total``
        and either ``offence`` (rolling-table labels, harmonised here) or ``offence_group``.
        Annual rows (years ending March) are used where they are quarter ends.
    anchor : pandas.DataFrame
        Published quarterly counts: ``force``, ``count`` and ``quarter`` (Period Q-DEC)
        or ``financial_year`` + ``financial_quarter``, with ``offence_subgroup`` (PRC
        labels, harmonised here) or ``offence_group``. Only ``anchor_year`` is used.
    anchor_year : str, default "2012/13"
        Financial year whose four published quarters anchor the derivation.

    Returns
    -------
    pandas.DataFrame
        ``force``, ``offence_group``, ``quarter`` (Period Q-DEC), ``financial_year``,
        ``count`` (int64), ``method``, ``negative`` (True where a derived quarter is
        below zero), for every quarter the chain of rolling totals reaches, backward and
        forward from the anchor. Every four consecutive quarters add up to the rolling
        total ending with the last of them. ``attrs["adjustments"]`` lists each
        force x group whose anchor year differs from the rolling year to March of the
        year after: ``anchor_total``, ``rolling_total``, ``difference`` and the amount
        added to each quarter (``adjust_q1`` ... ``adjust_q4``, financial quarters).

    Raises
    ------
    DataValidationError
        If a force x group of the rolling table has no anchor, the anchor lacks one of
        its four quarters, or the rolling table lacks the year to March of the anchor
        year's end.

    Examples
    --------
    >>> rolling = pd.DataFrame({"force": "A", "offence_group": "Robbery",
    ...     "period_end": pd.to_datetime(["2012-03-31", "2012-06-30", "2012-09-30",
    ...                                   "2012-12-31", "2013-03-31"]),
    ...     "rolling_total": [40, 42, 42, 43, 44]})
    >>> anchor = pd.DataFrame({"force": "A", "offence_group": "Robbery",
    ...     "quarter": pd.period_range("2012Q2", periods=4, freq="Q-DEC"), "count": [12, 10, 11, 11]})
    >>> quarterly_from_rolling(rolling, anchor)["count"].tolist()
    [10, 10, 10, 10, 12, 10, 11, 11]
    """
    r = _rolling_to_groups(rolling)
    a = _anchor_to_groups(anchor, anchor_year)
    aq = _fy_quarters(anchor_year)
    q_end = aq[-1]
    keys = r[["force", "offence_group"]].drop_duplicates()
    # series in the rolling table that reach the anchor year's end
    at_end = r[r["quarter"] == q_end][["force", "offence_group"]]
    no_end = keys.merge(at_end, how="left", indicator=True).query("_merge == 'left_only'")
    if len(no_end):
        log.info("%d force x group series end before %s and are derived backward from no anchor: %s",
                 len(no_end), q_end, no_end.head(5).to_dict("records"))
    keys = at_end
    anchored = a.groupby(["force", "offence_group"]).size().rename("n").reset_index()
    chk = keys.merge(anchored, how="left", on=["force", "offence_group"])
    lacking = chk[chk["n"].fillna(0) < 4]
    if len(lacking):
        sample = lacking[["force", "offence_group"]].head(10).to_dict("records")
        raise DataValidationError(
            f"{len(lacking)} force x group series of the rolling table have no complete FY {anchor_year} anchor "
            f"(four quarters), e.g. {sample}", column="force",
            fix="pass the published quarterly counts of every force and group being derived, or filter the rolling frame")
    # wide arrays: series x quarter
    quarters = pd.period_range(min(r["quarter"].min(), aq[0]) - 4, max(r["quarter"].max(), q_end), freq="Q-DEC")
    idx = pd.MultiIndex.from_frame(keys.sort_values(["force", "offence_group"]))
    R = r.set_index(["force", "offence_group", "quarter"])["rolling_total"].unstack("quarter")
    R = R.reindex(index=idx, columns=quarters)
    Rv = R.notna().to_numpy()
    Ri = R.fillna(0).to_numpy().astype("int64")
    n, T = Ri.shape
    A = a.set_index(["force", "offence_group", "quarter"])["count"].unstack("quarter").reindex(index=idx, columns=aq)
    Ai = A.to_numpy().astype("int64")
    ia = quarters.get_loc(aq[0])
    # reconcile the anchor year with the rolling year to March
    rolling_end = Ri[:, ia + 3]
    diff = rolling_end - Ai.sum(axis=1)
    adj = np.zeros_like(Ai)
    for i in np.flatnonzero(diff):
        adj[i] = _largest_remainder(int(diff[i]), Ai[i])
    Q = np.zeros((n, T), dtype="int64")
    V = np.zeros((n, T), dtype=bool)
    M = np.full((n, T), "", dtype=object)
    Q[:, ia:ia + 4] = Ai + adj
    V[:, ia:ia + 4] = True
    for j in range(4):
        M[:, ia + j] = [METHOD_ANCHOR if d == 0 else f"{METHOD_ANCHOR} {d:+d} to match the rolling year to March"
                        for d in adj[:, j]]
    # D_t = R_t - R_{t-1}, valid where both exist
    D = np.zeros_like(Ri)
    DV = np.zeros_like(Rv)
    D[:, 1:] = Ri[:, 1:] - Ri[:, :-1]
    DV[:, 1:] = Rv[:, 1:] & Rv[:, :-1]
    for t in range(ia + 3, 3, -1):  # backward: q_{t-4} = q_t - D_t
        ok = V[:, t] & DV[:, t] & ~V[:, t - 4]
        Q[ok, t - 4] = Q[ok, t] - D[ok, t]
        V[ok, t - 4] = True
        M[ok, t - 4] = METHOD_BACKWARD
    for t in range(ia + 4, T):  # forward: q_t = q_{t-4} + D_t
        ok = V[:, t - 4] & DV[:, t] & ~V[:, t]
        Q[ok, t] = Q[ok, t - 4] + D[ok, t]
        V[ok, t] = True
        M[ok, t] = METHOD_FORWARD
    ii, tt = np.nonzero(V)
    out = pd.DataFrame({"force": idx.get_level_values(0)[ii], "offence_group": idx.get_level_values(1)[ii],
                        "quarter": quarters[tt], "count": Q[ii, tt], "method": M[ii, tt].astype(str)})
    out["financial_year"] = _fy_labels(out["quarter"])
    out["negative"] = out["count"] < 0
    out = out[["force", "offence_group", "quarter", "financial_year", "count", "method", "negative"]]
    out = out.sort_values(["force", "offence_group", "quarter"], kind="stable").reset_index(drop=True)
    changed = np.flatnonzero(diff)
    adjustments = pd.DataFrame({
        "force": idx.get_level_values(0)[changed], "offence_group": idx.get_level_values(1)[changed],
        "anchor_year": anchor_year, "anchor_total": Ai[changed].sum(axis=1), "rolling_total": rolling_end[changed],
        "difference": diff[changed], **{f"adjust_q{j + 1}": adj[changed, j] for j in range(4)}})
    out.attrs["adjustments"] = adjustments
    out.attrs["negative"] = out.loc[out["negative"], ["force", "offence_group", "quarter", "count"]].reset_index(drop=True)
    if len(adjustments):
        log.info("anchor %s differs from the rolling year to March for %d force x group series (net %+d); "
                 "differences allocated by quarterly shares", anchor_year, len(adjustments), int(diff.sum()))
    if out["negative"].any():
        log.warning("%d derived quarters are negative (classification changes inside a rolling year)",
                    int(out["negative"].sum()))
    return out


def revisions(rolling_derived: pd.DataFrame, prc_quarterly: pd.DataFrame, *,
              freq: str = "quarter", include_fraud: bool = False) -> pd.DataFrame:
    """Compare the two releases wherever both give a quarter (or a financial year).

    Parameters
    ----------
    rolling_derived : pandas.DataFrame
        Output of :func:`quarterly_from_rolling` (the early-2019 rolling release).
    prc_quarterly : pandas.DataFrame
        Published quarterly counts (``datasets.prc.load_prc_quarterly`` output, or any
        frame with ``force``, ``quarter`` or financial year/quarter, ``offence_subgroup``
        or ``offence_group`` and ``count``): the Oct 2023 release.
    freq : {"quarter", "financial_year"}
        Compare quarters, or whole financial years (four quarters both releases give).
    include_fraud : bool, default False
        Fraud is not in the recorded-crime total by default.

    Returns
    -------
    pandas.DataFrame
        ``force``, ``offence_group``, ``quarter`` or ``financial_year``,
        ``release_2019`` (derived from the rolling totals), ``release_2023`` (published),
        ``difference`` (2023 minus 2019) and ``percent`` (difference / 2019 x 100; NaN
        where 2019 is zero). Rows only where both releases give the period.

    Examples
    --------
    >>> q = pd.period_range("2015Q2", periods=4, freq="Q-DEC")
    >>> old = pd.DataFrame({"force": "A", "offence_group": "Robbery", "quarter": q, "count": [10, 10, 10, 10]})
    >>> new = old.assign(count=[11, 10, 10, 9])
    >>> revisions(old, new, freq="financial_year")[["release_2019", "release_2023", "difference"]].values.tolist()
    [[40, 40, 0]]
    >>> revisions(old, new)["difference"].tolist()
    [1, 0, 0, -1]
    """
    if freq not in ("quarter", "financial_year"):
        raise ParameterError(f"freq {freq!r} must be 'quarter' or 'financial_year'")
    old = rolling_derived
    need = ["force", "offence_group", "quarter", "count"]
    missing = [c for c in need if c not in old.columns]
    if missing:
        raise DataValidationError("derived frame lacks columns", column=", ".join(missing),
                                  fix="pass quarterly_from_rolling() output")
    old = old[need]
    new = _published_groups(prc_quarterly)
    if not include_fraud:
        old = old[old["offence_group"] != "Fraud"]
        new = new[new["offence_group"] != "Fraud"]
    m = old.rename(columns={"count": "release_2019"}).merge(
        new.rename(columns={"count": "release_2023"}), on=["force", "offence_group", "quarter"], how="inner")
    if freq == "financial_year":
        m["financial_year"] = _fy_labels(m["quarter"])
        full = m.groupby(["force", "offence_group", "financial_year"])["quarter"].transform("size") == 4
        m = m[full].groupby(["force", "offence_group", "financial_year"], as_index=False, sort=True)[
            ["release_2019", "release_2023"]].sum()
        key = "financial_year"
    else:
        m = m.sort_values(["force", "offence_group", "quarter"]).reset_index(drop=True)
        key = "quarter"
    m = m[["force", "offence_group", key, "release_2019", "release_2023"]].astype(
        {"release_2019": "int64", "release_2023": "int64"})
    m["difference"] = m["release_2023"] - m["release_2019"]
    base = m["release_2019"].where(m["release_2019"] != 0)
    m["percent"] = (m["difference"] / base * 100).astype("float64")
    return m.reset_index(drop=True)


def _published_groups(prc: pd.DataFrame, *, what: str = "published",
                      fix: str = "pass datasets.prc.load_prc_quarterly() output") -> pd.DataFrame:
    """Published quarterly counts summed to force x harmonised group x quarter."""
    a = prc.assign(quarter=_quarter_of(prc))
    if "offence_subgroup" in a.columns:
        a = a.assign(offence_group=_groups(a["offence_subgroup"], "prc"))
    missing = [c for c in ("force", "offence_group", "count") if c not in a.columns]
    if missing:
        raise DataValidationError(f"{what} frame lacks columns", column=", ".join(missing), fix=fix)
    out = pd.DataFrame({"force": a["force"].astype(str).to_numpy(), "offence_group": a["offence_group"].astype(str).to_numpy(),
                        "quarter": a["quarter"].array, "count": a["count"].to_numpy()})
    return out.groupby(["force", "offence_group", "quarter"], as_index=False, sort=True)["count"].sum()


# --------------------------------------------------------------------------------------
# The spliced default series
# --------------------------------------------------------------------------------------

def _mtime_key(path: str | Path | None, default: str) -> tuple[str, float]:
    if path is None:
        from alliance_analysis import paths

        path = getattr(paths, default, None)
        if path is None:
            return ("<default>", 0.0)
    p = Path(path)
    try:
        return (str(p.resolve()), os.stat(p).st_mtime)
    except OSError:
        return (str(p), 0.0)


@lru_cache(maxsize=4)
def _load_rolling_cached(key: tuple[str, float]) -> pd.DataFrame:
    from alliance_analysis.datasets import home_office

    return home_office.load_rolling_pfa(key[0])


@lru_cache(maxsize=4)
def _load_prc_cached(key: tuple[str, float]) -> pd.DataFrame:
    from alliance_analysis.datasets import prc

    return prc.load_prc_quarterly(key[0])


def load_rolling(path: str | Path | None = None) -> pd.DataFrame:
    """The rolling-year table at ``path`` (default: the shipped file), parsed once per process and
    file version (``datasets.home_office.load_rolling_pfa``); a copy, so callers may change it."""
    return _load_rolling_cached(_mtime_key(path, "HO_ROLLING_PFA")).copy()


def load_prc(path: str | Path | None = None) -> pd.DataFrame:
    """The quarterly PRC table at ``path`` (default: the shipped file), parsed once per process and
    file version (``datasets.prc.load_prc_quarterly``); a copy, so callers may change it."""
    return _load_prc_cached(_mtime_key(path, "HO_PRC_QUARTERLY")).copy()


def shipped_releases(rolling_path: str | Path | None = None,
                     prc_path: str | Path | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rolling-year table and the quarterly PRC release (default: the shipped files), each
    parsed once per process and file version; returns copies, so callers may change them.

    Examples
    --------
    >>> rolling, prc = shipped_releases()
    >>> len(rolling), len(prc)
    (46469, 258905)
    """
    r = _load_rolling_cached(_mtime_key(rolling_path, "HO_ROLLING_PFA"))
    p = _load_prc_cached(_mtime_key(prc_path, "HO_PRC_QUARTERLY"))
    return r.copy(), p.copy()


@lru_cache(maxsize=4)
def _spliced_cached(rkey: tuple[str, float], pkey: tuple[str, float]) -> pd.DataFrame:
    return _splice(_load_rolling_cached(rkey), _load_prc_cached(pkey))


#: ``data build`` writes the spliced series (fraud included) and its two attrs tables here.
PROCESSED_SERIES = "recorded_crime_quarterly.parquet"
PROCESSED_ADJUSTMENTS = "recorded_crime_quarterly_adjustments.parquet"
PROCESSED_NEGATIVE = "recorded_crime_quarterly_negative.parquet"


@lru_cache(maxsize=16)
def _sha256_by_key(key: tuple[str, float]) -> str:
    from alliance_analysis.io import sha256_file

    return sha256_file(key[0])


def _from_parquet(path: Path) -> pd.DataFrame:
    df = pd.read_parquet(path)
    if "quarter" in df.columns:
        # parse each distinct label once (a few dozen quarters, not tens of thousands of rows)
        codes, labels = pd.factorize(df["quarter"])
        periods = pd.PeriodIndex(labels, freq="Q-DEC")
        df["quarter"] = pd.array(periods.take(codes))
    return df


@lru_cache(maxsize=4)
def _processed_cached(rkey: tuple[str, float], pkey: tuple[str, float], processed_dir: str) -> pd.DataFrame | None:
    """The spliced series as ``data build`` wrote it, or None when it is absent or stale.

    It is used only when ``manifest.json`` says it was built from exactly the raw files this
    call would parse (same path and SHA-256) and the parquet files still have the SHA-256
    the manifest recorded; anything else falls back to parsing the raw files.
    """
    import json

    from alliance_analysis import paths

    folder = Path(processed_dir)
    try:
        manifest = json.loads((folder / "manifest.json").read_text())
        sources = {s["source"]: s for s in manifest.get("sources", [])}
        outputs = {o["output"]: o["sha256"] for o in manifest.get("outputs", [])}
        for name, key in (("rolling_pfa", rkey), ("prc_quarterly", pkey)):
            rec = sources[name]
            if (paths.PROJECT_ROOT / rec["path"]).resolve() != Path(key[0]).resolve():
                return None
            if rec["sha256"] != _sha256_by_key(key):
                return None
        frames = []
        for name in (PROCESSED_SERIES, PROCESSED_ADJUSTMENTS, PROCESSED_NEGATIVE):
            target = folder / name
            if outputs.get(name) != _sha256_by_key(_mtime_key(target, "")):
                return None
            frames.append(_from_parquet(target))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.debug("processed recorded crime series not used (%s); parsing the raw files", exc)
        return None
    out, adjustments, negative = frames
    out["synthetic"] = out["synthetic"].astype(bool)
    out.attrs["adjustments"] = adjustments
    out.attrs["negative"] = negative
    log.info("recorded crime series read from %s", folder / PROCESSED_SERIES)
    return out


def spliced_default(rolling_path: str | Path | None = None, prc_path: str | Path | None = None,
                    processed_dir: str | Path | None = None, *, use_processed: bool = True) -> pd.DataFrame:
    """The spliced series of every territorial force, fraud included (the frame
    :func:`recorded_crime_quarterly` selects from).

    Read from ``data/processed`` when ``data build`` wrote it from these very raw files
    (checked by SHA-256, see :func:`_processed_cached`), otherwise derived from the raw files;
    both give the same frame. ``use_processed=False`` always derives it (``data build`` does).
    Cached per process and file version.

    Examples
    --------
    >>> df = spliced_default()
    >>> str(df["quarter"].min()), bool((df["offence_group"] == "Fraud").any())
    ('2006Q2', True)
    """
    from alliance_analysis import paths

    rkey = _mtime_key(rolling_path, "HO_ROLLING_PFA")
    pkey = _mtime_key(prc_path, "HO_PRC_QUARTERLY")
    folder = str(Path(processed_dir or paths.PROCESSED_DIR).resolve())
    out = _processed_cached(rkey, pkey, folder) if use_processed else None
    if out is None:
        out = _spliced_cached(rkey, pkey)
    return out


_KEEP = ("force", "force_type", "offence", "offence_group", "offence_subgroup", "period_end", "rolling_total",
         "quarter", "financial_year", "financial_quarter", "count")


def _territorial(df: pd.DataFrame) -> pd.DataFrame:
    """Only the columns the splice needs, territorial forces only (when ``force_type`` is given)."""
    df = df[[c for c in df.columns if c in _KEEP]]
    if "offence_subgroup" in df.columns and "offence_group" in df.columns:
        df = df.drop(columns="offence_group")  # PRC's own groups: the subgroup is harmonised instead
    if "force_type" in df.columns:
        return df[(df["force_type"] == "territorial").to_numpy()]
    return df


def _splice(rolling: pd.DataFrame, prc_q: pd.DataFrame) -> pd.DataFrame:
    rolling = _territorial(rolling)
    prc_q = _territorial(prc_q)
    published = _published_groups(prc_q)
    derived = quarterly_from_rolling(rolling, published)
    d = derived[derived["quarter"] < SPLICE_QUARTER][["force", "offence_group", "quarter", "count"]].assign(
        source=SOURCE_DERIVED)
    p = published[published["quarter"] >= SPLICE_QUARTER].assign(source=SOURCE_PUBLISHED)
    out = pd.concat([d, p], ignore_index=True)
    out["financial_year"] = _fy_labels(out["quarter"])
    out["count"] = out["count"].astype("int64")
    out["synthetic"] = False
    out = out[["force", "quarter", "financial_year", "offence_group", "count", "source", "synthetic"]]
    out = out.sort_values(["force", "offence_group", "quarter"], kind="stable").reset_index(drop=True)
    out.attrs["adjustments"] = derived.attrs["adjustments"]
    out.attrs["negative"] = derived.attrs["negative"][derived.attrs["negative"]["quarter"] < SPLICE_QUARTER]
    return out


def _quarter_bound(x: object, which: str) -> pd.Period:
    if isinstance(x, pd.Period):
        return x.asfreq("Q-DEC")
    s = str(x).strip()
    try:
        if "/" in s:
            q = _fy_quarters(clean.normalise_financial_year(s))
            return q[0] if which == "start" else q[-1]
        return pd.Period(s, freq="Q-DEC") if "q" in s.lower() else pd.Timestamp(s).to_period("Q-DEC")
    except (ValueError, TypeError, DataValidationError) as exc:
        raise ParameterError(f"{which} {x!r} is not a quarter ('2008Q1'), date or financial year ('2012/13'): {exc}") from None


def recorded_crime_quarterly(forces: str | Sequence[str] | None = None, start: object = None, end: object = None, *,
                             harmonised: bool = True, include_fraud: bool = False,
                             rolling_path: str | Path | None = None, prc_path: str | Path | None = None,
                             rolling: pd.DataFrame | None = None, prc: pd.DataFrame | None = None) -> pd.DataFrame:
    """Quarterly recorded crime by force and harmonised offence group, 2006 Q2 onwards.

    Derived quarters (from the rolling totals of the early-2019 release, anchored on FY
    2012/13) up to 2012 Q1, published quarters (Oct 2023 release) from 2012 Q2 (FY
    2012/13 Q1); every row says which in ``source``. Territorial forces only.

    Parameters
    ----------
    forces : str or sequence of str, optional
        Forces or a force group (``clean.resolve_forces``); all territorial forces by default.
    start, end : quarter, date or financial year, optional
        ``"2008Q1"``, ``"2010-06-30"``, ``"2012/13"`` (a financial year starts at its Q1
        and ends at its Q4); inclusive.
    harmonised : bool, default True
        Offence groups are always the harmonised groups (the releases publish different
        offence labels, so they can only be spliced on a common taxonomy); False raises.
    include_fraud : bool, default False
        Fraud is not in the recorded-crime total (police-recorded fraud moved to Action
        Fraud 2011-13, a declared break); True keeps the territorial forces' fraud rows.
    rolling_path, prc_path : path, optional
        Files for ``datasets.home_office.load_rolling_pfa`` and
        ``datasets.prc.load_prc_quarterly`` (default: the shipped files). Parsed results
        are cached by path and modification time.
    rolling, prc : pandas.DataFrame, optional
        Already-loaded tidy frames (used instead of the paths).

    Returns
    -------
    pandas.DataFrame
        ``force``, ``quarter`` (Period Q-DEC), ``financial_year``, ``offence_group``,
        ``count`` (int64), ``source``, ``synthetic`` (False). ``attrs["adjustments"]``
        lists the anchor reconciliations (see :func:`quarterly_from_rolling`),
        ``attrs["negative"]`` any negative derived quarters.

    Examples
    --------
    >>> q = pd.period_range("2011Q2", periods=8, freq="Q-DEC")
    >>> rolling = pd.DataFrame({"force": "Dorset", "force_type": "territorial", "offence": "Robbery",
    ...     "period_end": q[3:].to_timestamp(how="end").normalize(), "rolling_total": [40, 42, 42, 43, 44]})
    >>> prc = pd.DataFrame({"force": "Dorset", "force_type": "territorial", "quarter": q[4:],
    ...     "offence_subgroup": "Robbery of personal property", "count": [12, 10, 11, 11]})
    >>> out = recorded_crime_quarterly(rolling=rolling, prc=prc)
    >>> out.groupby("source")["count"].sum().to_dict()
    {'derived from rolling totals (2019 release)': 40, 'published quarterly (Oct 2023 release)': 44}
    """
    if not harmonised:
        raise ParameterError("harmonised=False is not available: the two releases publish different offence "
                             "labels and can only be spliced on the harmonised groups; use "
                             "datasets.home_office.load_rolling_pfa / datasets.prc.load_prc_quarterly for the labels as published")
    if rolling is not None or prc is not None:
        if rolling is None or prc is None:
            raise ParameterError("pass both rolling= and prc= frames, or neither")
        out = _splice(rolling, prc)
    else:
        out = spliced_default(rolling_path, prc_path)
    attrs = {k: v.copy() for k, v in out.attrs.items()}
    keep = np.ones(len(out), dtype=bool)
    if not include_fraud:
        keep &= (out["offence_group"] != "Fraud").to_numpy()
    if forces is not None:
        wanted = clean.resolve_forces(forces)
        unknown = sorted(set(wanted) - set(out["force"]))
        if unknown:
            raise ParameterError(f"forces {unknown} are not territorial forces of the recorded crime tables")
        keep &= out["force"].isin(wanted).to_numpy()
    if start is not None:
        keep &= (out["quarter"] >= _quarter_bound(start, "start")).to_numpy()
    if end is not None:
        keep &= (out["quarter"] <= _quarter_bound(end, "end")).to_numpy()
    res = out[keep].reset_index(drop=True).copy()
    res.attrs = attrs
    return res
