"""``alliance-analysis data build``: raw -> processed, idempotent, atomic, with a manifest.

Outputs in ``data/processed/`` (disposable, rebuilt by ``make data``):

- ``prc_2017_18_by_force_offence.csv``: the real Home Office PRC table, tidy;
- ``population_census_2011_by_force.csv``;
- ``seed_figures.csv``: every seed figure, validated, in one long table;
- ``claims_register.csv``: the recomputed claims register;
- ``synthetic_monthly_crime_default.csv``: the labelled synthetic default series for the
  alliance and peer forces (``synthetic`` column True);
- ``manifest.json``: inputs (path, SHA-256), outputs (path, rows, SHA-256).

Unchanged outputs are not rewritten, so a second build changes nothing.

Examples
--------
>>> import tempfile
>>> m = build_processed(tempfile.mkdtemp())
>>> sorted(m["output"])[0]
'claims_register.csv'
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pandas as pd
from tqdm.auto import tqdm

from alliance_analysis import clean, paths
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


def build_processed(output_dir: str | Path = paths.PROCESSED_DIR, progress: bool = False) -> pd.DataFrame:
    """Build every processed table into ``output_dir`` and write ``manifest.json``.

    Returns
    -------
    DataFrame
        One row per output: ``output``, ``rows``, ``sha256``, ``written`` (False when unchanged).
    """
    out_dir = Path(output_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
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
    manifest = {
        "inputs": [{"path": _rel(p), "sha256": sha256_file(p)} for p in _inputs()],
        "outputs": [{k: r[k] for k in ("output", "rows", "sha256", "synthetic")} for r in rows],
    }
    text = json.dumps(manifest, indent=2, sort_keys=True) + "\n"
    mpath = out_dir / "manifest.json"
    if not (mpath.exists() and mpath.read_text() == text):
        atomic_write_text(text, mpath)
    return pd.DataFrame(rows)
