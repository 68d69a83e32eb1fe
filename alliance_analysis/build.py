"""``alliance-analysis data build``: raw -> processed, idempotent, atomic, with a manifest.

Outputs in ``data/processed/`` (disposable, rebuilt by ``make data``):

- ``prc_2017_18_by_force_offence.csv``: the real Home Office PRC table, tidy;
- ``population_census_2011_by_force.csv``;
- ``seed_figures.csv``: every seed figure, validated, in one long table;
- ``claims_register.csv``: the recomputed claims register;
- ``synthetic_monthly_crime_default.csv``: the labelled synthetic default series for the
  alliance and peer forces (``synthetic`` column True);
- the real long series, tidy parquet from the shipped OGL files (or a newer release placed
  beside them in ``data/raw/``): ``rolling_pfa.parquet``, ``prc_quarterly.parquet``,
  ``workforce_open_data.parquet``, ``population_by_force_year.parquet``,
  ``css_by_force_group.parquet``;
- ``manifest.json``: inputs (path, SHA-256), outputs (path, rows, SHA-256), and for each
  real source the release used (path, SHA-256, release) and the releases it superseded.

Unchanged outputs are not rewritten, so a second build changes nothing.

Examples
--------
>>> import tempfile
>>> m = build_processed(tempfile.mkdtemp())
>>> sorted(m["output"])[0]
'claims_register.csv'
"""

from __future__ import annotations

import io
import json
import logging
import re
from pathlib import Path

import pandas as pd
from alliance_analysis.progress import tqdm

from alliance_analysis import clean, paths
from alliance_analysis.errors import DataValidationError
from alliance_analysis.io import atomic_write_bytes, atomic_write_text, sha256_file

log = logging.getLogger(__name__)

DEFAULT_SYNTHETIC_GROUPS = ("Warwickshire and West Mercia", "Devon and Cornwall and Dorset",
                            "West Mercia most similar group")
DEFAULT_SYNTHETIC_RANGE = ("2008-04", "2014-09")
DEFAULT_SEED = 2014


def _outputs() -> dict[str, callable]:
    from alliance_analysis import findings
    from alliance_analysis.datasets import population, prc, seed, synthetic

    def _synthetic() -> pd.DataFrame:
        forces = clean.resolve_forces(list(DEFAULT_SYNTHETIC_GROUPS))
        df = synthetic.synthetic_monthly_crime(forces, *DEFAULT_SYNTHETIC_RANGE, seed=DEFAULT_SEED)
        return df.assign(month=df["month"].astype(str))

    return {
        "prc_2017_18_by_force_offence.csv": lambda: prc.load_prc_table(),
        "population_census_2011_by_force.csv": population.load_census_2011_population,
        "seed_figures.csv": seed.all_seed_figures,
        "claims_register.csv": findings.build_claims_register,
        "synthetic_monthly_crime_default.csv": _synthetic,
    }


def _inputs() -> list[Path]:
    files = [p for p in sorted(paths.RAW_DIR.rglob("*")) if p.is_file() and p.name != ".gitkeep"]
    from alliance_analysis.datasets import population, prc

    files += [paths.crime_sim_toolkit_file(prc.BUNDLED_PRC_2017_18),
              paths.crime_sim_toolkit_file(population.LSOA_POPULATION),
              paths.crime_sim_toolkit_file(population.LSOA_FORCE)]
    return files


def _rel(p: Path) -> str:
    try:
        return p.resolve().relative_to(paths.PROJECT_ROOT).as_posix()
    except ValueError:
        return str(p)


#: Real source -> (folder under data/raw, file-name globs of its releases, output parquet).
RELEASE_PATTERNS: dict[str, tuple[str, tuple[str, ...], str]] = {
    "rolling_pfa": ("home_office", ("rec-crime-pfa*.csv", "rec-crime-pfa*.csv.gz"), "rolling_pfa.parquet"),
    "prc_quarterly": ("home_office", ("prc-pfa-*.csv", "prc-pfa-*.csv.gz", "prc-pfa-*.ods", "prc-pfa-*.xlsx"),
                      "prc_quarterly.parquet"),
    "workforce_open_data": ("workforce", ("police_workforce_open_data*.csv", "police_workforce_open_data*.csv.gz"),
                            "workforce_open_data.parquet"),
    "population_lad": ("population", ("population_by_lad*.csv", "population_by_lad*.csv.gz"),
                       "population_by_force_year.parquet"),
    "lad_pfa_lookup": ("lookups", ("lad_pfa_*.csv",), ""),
    "css_force_group": ("css", ("crime_severity_score_by_force_and_offence_group*.csv",
                                "crime_severity_score_by_force_and_offence_group*.csv.gz"),
                        "css_by_force_group.parquet"),
    # read directly by the performance stage (issue 19); registered here so every shipped file is in the manifest
    "outcomes_2017_18": ("outcomes", ("prc_outcomes_pfa_2017_18*.csv.gz",), ""),
    "outcomes_2018_19": ("outcomes", ("prc_outcomes_pfa_2018_19*.csv.gz",), ""),
    "stop_search": ("activity", ("stop_search_by_force*.csv.gz",), ""),
    "arrests": ("activity", ("arrests_by_force*.csv.gz",), ""),
}
#: Release label of a file with no registered checksum and no date in its name (sorts before any date).
UNDATED = "0000-00-00 (undated)"
_DDMMYY = re.compile(r"(?<!\d)(\d{2})(\d{2})(\d{2})(?!\d)")
_ISO = re.compile(r"(20\d{2})-?(\d{2})-?(\d{2})")


def _release_date(path: Path, registered: dict[str, str], sha: str) -> tuple[str, bool]:
    """Release date of a file: from SOURCES.csv by checksum, else a date in its name, else :data:`UNDATED`."""
    if sha in registered:
        return registered[sha], True
    for rx, order in ((_ISO, (0, 1, 2)), (_DDMMYY, (2, 1, 0))):
        m = rx.search(path.name)
        if m:
            y, mo, d = (m.group(i + 1) for i in order)
            y = y if len(y) == 4 else f"20{y}"
            try:
                return pd.Timestamp(f"{y}-{mo}-{d}").date().isoformat(), False
            except ValueError:
                pass
    # no registered checksum and no date in the name: the release date is unknown, and a copy made
    # today must not pass for today's release, so it ranks below every dated release (see find_releases)
    return UNDATED, False


def find_releases(raw_dir: str | Path | None = None) -> pd.DataFrame:
    """Every release file of the real sources present under ``raw_dir``, the newest marked ``selected``.

    Releases are ordered by release date (``data/raw/SOURCES.csv`` for the shipped files,
    matched by SHA-256; otherwise a date in the file name such as ``191023`` or
    ``2024-07-18``, as ``data fetch`` names the files it writes); a file with neither is
    :data:`UNDATED` and never wins over a dated one (its modification date says when it was
    copied, not when it was published; it is logged); on a tie the registered file wins.

    Returns
    -------
    DataFrame
        ``source``, ``path``, ``sha256``, ``release``, ``registered``, ``selected``.

    Examples
    --------
    >>> r = find_releases()
    >>> chosen = set(r.loc[r["selected"], "source"])
    >>> {"rolling_pfa", "prc_quarterly", "css_force_group", "lad_pfa_lookup"} <= chosen
    True
    """
    raw = paths.RAW_DIR if raw_dir is None else Path(raw_dir)
    try:
        src = pd.read_csv(paths.SOURCES_CSV, dtype=str, keep_default_na=False)
        registered = dict(zip(src["sha256"], src["release_date"]))
    except (OSError, KeyError, pd.errors.ParserError, pd.errors.EmptyDataError):
        registered = {}
    rows = []
    for source, (folder, globs, _out) in RELEASE_PATTERNS.items():
        found = sorted({f for g in globs for f in (raw / folder).glob(g) if f.is_file()})
        for f in found:
            sha = sha256_file(f)
            release, reg = _release_date(f, registered, sha)
            rows.append({"source": source, "path": f, "sha256": sha, "release": release, "registered": reg})
    df = pd.DataFrame(rows, columns=["source", "path", "sha256", "release", "registered"])
    df["selected"] = False
    for r in df[df["release"] == UNDATED].itertuples():
        log.warning("%s has no registered checksum and no date in its name; it is not chosen over a dated "
                    "release (rename it with its release date, e.g. ...-2024-07-18.csv)", r.path)
    if len(df):
        order = df.sort_values(["source", "release", "registered", "path"]).groupby("source").tail(1).index
        df.loc[order, "selected"] = True
    return df.sort_values(["source", "release"]).reset_index(drop=True)


def _parquet_bytes(df: pd.DataFrame) -> bytes:
    out = df.copy()
    for c in out.columns:
        if isinstance(out[c].dtype, pd.PeriodDtype):
            out[c] = out[c].astype(str)
    out.attrs = {}
    buf = io.BytesIO()
    out.to_parquet(buf, engine="pyarrow", index=False)
    return buf.getvalue()


def build_sources(output_dir: str | Path = paths.PROCESSED_DIR, raw_dir: str | Path | None = None,
                  progress: bool = False) -> tuple[pd.DataFrame, list[dict]]:
    """Write tidy parquet of each real source's newest release present in ``raw_dir``.

    Returns
    -------
    (DataFrame, list of dict)
        One row per output (``output``, ``rows``, ``sha256``, ``written``, ``synthetic``) and
        the manifest records of the sources (``source``, ``path``, ``sha256``, ``release``,
        ``superseded``). A source with no release file is skipped and logged.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> raw = pathlib.Path(tempfile.mkdtemp()) / "raw"
    >>> (raw / "css").mkdir(parents=True)
    >>> _ = (raw / "css" / "crime_severity_score_by_force_and_offence_group_2023-07-20.csv").write_text(
    ...     "offence_group,code,name,year,severity_score,year_ending\\n"
    ...     "Robbery,E23000016,West Mercia,2022/23,1.5,2023-03-31\\n")
    >>> out, recs = build_sources(raw.parent / "out", raw)
    >>> out["output"].tolist(), recs[0]["release"]
    (['css_by_force_group.parquet'], '2023-07-20')
    """
    from alliance_analysis.datasets import css, workforce
    from alliance_analysis.series import longseries
    from alliance_analysis.series.default import population_table

    out_dir = Path(output_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rel = find_releases(raw_dir)
    chosen = {r.source: r for r in rel[rel["selected"]].itertuples()}
    records = []
    for source, r in sorted(chosen.items()):
        records.append({"source": source, "path": _rel(r.path), "sha256": r.sha256, "release": r.release,
                        "registered": bool(r.registered),
                        "superseded": [{"path": _rel(o.path), "sha256": o.sha256, "release": o.release}
                                       for o in rel[(rel["source"] == source) & ~rel["selected"]].itertuples()]})

    def _labelled(df: pd.DataFrame, source: str) -> pd.DataFrame:
        return df.assign(release=chosen[source].release) if "release" in df.columns else df

    makers = {
        "rolling_pfa": lambda p: _labelled(longseries.load_rolling(p), "rolling_pfa"),
        "prc_quarterly": lambda p: _labelled(longseries.load_prc(p), "prc_quarterly"),
        "workforce_open_data": workforce.load_workforce_open_data,
        "population_lad": lambda p: population_table(
            p, chosen["lad_pfa_lookup"].path if "lad_pfa_lookup" in chosen else None),
        "css_force_group": css.load_css_by_force_group,
    }
    rows = []
    for source, make in tqdm(makers.items(), desc="real sources", disable=not progress):
        name = RELEASE_PATTERNS[source][2]
        if source not in chosen:
            log.warning("no release of %s under %s; %s not built", source, raw_dir or paths.RAW_DIR, name)
            continue
        if source == "population_lad" and "lad_pfa_lookup" not in chosen:
            raise DataValidationError("population by district is present but the district -> force lookup is not",
                                      file=Path(raw_dir or paths.RAW_DIR) / "lookups",
                                      fix="restore data/raw/lookups/lad_pfa_2021.csv")
        df = make(chosen[source].path)
        data = _parquet_bytes(df)
        target = out_dir / name
        written = not (target.exists() and target.read_bytes() == data)
        if written:
            atomic_write_bytes(data, target)
        log.info("%s: %d rows from %s (release %s, %s)", name, len(df), chosen[source].path.name,
                 chosen[source].release, "written" if written else "unchanged")
        rows.append({"output": name, "rows": len(df), "sha256": sha256_file(target), "written": written,
                     "synthetic": False})
    if "rolling_pfa" in chosen and "prc_quarterly" in chosen:
        # The harmonised series every notebook reads (fraud included; callers select), so that
        # report kernels read parquet instead of re-parsing and re-splicing the raw releases.
        spliced = longseries.spliced_default(chosen["rolling_pfa"].path, chosen["prc_quarterly"].path,
                                             use_processed=False)
        for name, df in ((longseries.PROCESSED_SERIES, spliced),
                         (longseries.PROCESSED_ADJUSTMENTS, spliced.attrs["adjustments"]),
                         (longseries.PROCESSED_NEGATIVE, spliced.attrs["negative"])):
            data = _parquet_bytes(df)
            target = out_dir / name
            written = not (target.exists() and target.read_bytes() == data)
            if written:
                atomic_write_bytes(data, target)
            rows.append({"output": name, "rows": len(df), "sha256": sha256_file(target), "written": written,
                         "synthetic": False})
    return pd.DataFrame(rows, columns=["output", "rows", "sha256", "written", "synthetic"]), records


def build_processed(output_dir: str | Path = paths.PROCESSED_DIR, progress: bool = False,
                    raw_dir: str | Path | None = None) -> pd.DataFrame:
    """Build every processed table into ``output_dir`` and write ``manifest.json``.

    ``raw_dir`` (default ``data/raw``) is where the real sources' releases are looked for.
    ``manifest.json`` is removed before the first output is written and written last,
    atomically: a build that fails or is killed part-way leaves no manifest, never one
    describing the previous outputs.

    Returns
    -------
    DataFrame
        One row per output: ``output``, ``rows``, ``sha256``, ``written`` (False when unchanged).
    """
    out_dir = Path(output_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    mpath = out_dir / "manifest.json"
    # The manifest describes the outputs it was written with: it is removed before any output is
    # touched and written last (atomically), so a killed or failed build leaves no manifest (readers
    # then derive from data/raw) rather than one describing outputs that have since changed.
    mpath.unlink(missing_ok=True)
    rows = []
    for name, make in tqdm(_outputs().items(), desc="data build", disable=not progress):
        df = make()
        data = df.to_csv(index=False, lineterminator="\n").encode("utf-8")
        target = out_dir / name
        written = not (target.exists() and target.read_bytes() == data)
        if written:
            atomic_write_bytes(data, target)
        log.info("%s: %d rows (%s)", name, len(df), "written" if written else "unchanged")
        rows.append({"output": name, "rows": len(df), "sha256": sha256_file(target), "written": written,
                     "synthetic": bool("synthetic" in df.columns and df["synthetic"].all())})
    real, sources = build_sources(out_dir, raw_dir, progress=progress)
    rows += real.to_dict("records")
    manifest = {
        "inputs": [{"path": _rel(p), "sha256": sha256_file(p)} for p in _inputs()],
        "outputs": [{k: r[k] for k in ("output", "rows", "sha256", "synthetic")} for r in rows],
        "sources": sources,
    }
    text = json.dumps(manifest, indent=2, sort_keys=True) + "\n"
    atomic_write_text(text, mpath)
    return pd.DataFrame(rows)
