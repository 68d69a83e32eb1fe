"""Real-default timings (issue 9): `data build` of every shipped source, and each notebook on
the shipped default, against the targets (build < 30 s; all notebooks < 3 min on 2 cores).

Rival for the build: plain pandas reading the same six published files with no checks
(the least any build must do), timed in the same run. Notebook times include kernel start.

Run: .venv/bin/python benchmarks/bench_build.py [--no-notebooks]
Prints figures; exits 0 even when a target is missed (the miss is printed).
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import pandas as pd

from alliance_analysis import paths

TARGET_BUILD_S = 30.0
TARGET_NOTEBOOKS_S = 180.0


def plain_read() -> int:
    rows = 0
    for p in (paths.HO_ROLLING_PFA, paths.HO_PRC_QUARTERLY, paths.WORKFORCE_OPEN_DATA, paths.POPULATION_LAD,
              paths.LAD_PFA_LOOKUP, paths.CSS_FORCE_GROUP):
        rows += len(pd.read_csv(p))
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-notebooks", action="store_true")
    args = ap.parse_args()
    from alliance_analysis.build import build_processed

    t = time.perf_counter()
    rows = plain_read()
    t_plain = time.perf_counter() - t
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        manifest = build_processed(tmp)
        t_build = time.perf_counter() - t
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"data build (all shipped sources, checked, tidy parquet + manifest): {t_build:.1f} s, "
          f"{len(manifest)} outputs, peak RSS {rss:.0f} MB")
    print(f"rival: plain pandas read of the six published files, no checks: {t_plain:.1f} s ({rows:,} rows); "
          f"ratio {t_build / t_plain:.1f}x")
    print(f"target build < {TARGET_BUILD_S:.0f} s: {'met' if t_build < TARGET_BUILD_S else 'MISSED'}")
    if args.no_notebooks:
        return 0
    from alliance_analysis import reports

    cfg = reports.load_run_config(paths.CONFIG_DIR / "run.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        res = reports.run_notebooks(cfg, output_dir=Path(tmp), html=True)
        total = time.perf_counter() - t
    for n in res.notebooks:
        print(f"  {n.name}: {n.status} in {n.seconds:.1f} s")
    print(f"every notebook on the real default with HTML: {total:.1f} s; target < {TARGET_NOTEBOOKS_S:.0f} s: "
          f"{'met' if total < TARGET_NOTEBOOKS_S else 'MISSED'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
