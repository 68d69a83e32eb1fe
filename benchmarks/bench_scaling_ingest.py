"""Ingest scaling benchmark: time and peak memory of the package at 1, 5 and 20 M rows.

For each size, a police.uk archive of at least that many rows is generated from
the real Gloucestershire street files (as in ``bench_ingest.py``, in a temporary
folder) and ``load_street_archive`` is run in a fresh process twice: force x month
x crime type (``by_lsoa=False``) and with the LSOA breakdown (``by_lsoa=True``,
whose output grows with the input). Printed per size: wall and CPU seconds,
rows/s, peak RSS (``ru_maxrss``) and output rows. Targets (issue 13): peak RSS
under 300 MB without LSOA and under 1 GB with it at any size; a miss is reported
and the script exits 0. The 20 M row archive is about 4.5 GB of CSV in the temporary
folder (removed afterwards); ``--quick`` leaves it out.

Usage::

    .venv/bin/python benchmarks/bench_scaling_ingest.py           # 1, 5 and 20 M rows
    .venv/bin/python benchmarks/bench_scaling_ingest.py --quick   # 1 and 5 M rows
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_ingest import build  # noqa: E402

TARGETS_MB = {False: 300.0, True: 1024.0}


def child(folder: Path, by_lsoa: bool) -> None:
    from alliance_analysis.datasets.police_uk import load_street_archive

    r0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    df = load_street_archive(folder, by_lsoa=by_lsoa)
    seconds = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"rows": df.attrs["rows_read"], "out": len(df), "seconds": seconds,
                      "cpu": (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime),
                      "peak_mb": r1.ru_maxrss / 1024, "total": int(df["count"].sum())}))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="1 and 5 million rows only (no 20 M)")
    ap.add_argument("--sizes", type=int, nargs="*", default=None, help="row counts (overrides --quick)")
    ap.add_argument("--data", type=Path, default=None)
    ap.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--lsoa", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.lsoa)
        return 0
    from alliance_analysis import paths

    src = args.data or paths.SHARED_DATA_DIR / "police_uk" / "gloucestershire"
    if not src.is_dir():
        print(f"SKIPPED: real police.uk street files not found at {src}")
        return 0
    sizes = args.sizes or ([1_000_000, 5_000_000] + ([] if args.quick else [20_000_000]))
    print(f"{'rows':>12s} {'by_lsoa':>7s} {'wall s':>7s} {'CPU s':>7s} {'rows/s':>12s} "
          f"{'peak MB':>8s} {'out rows':>10s}")
    misses = []
    for size in sizes:
        work = Path(tempfile.mkdtemp(prefix="bench_scaling_"))
        try:
            build(src, work, size)
            for by_lsoa in (False, True):
                cmd = [sys.executable, __file__, "--child", str(work)] + (["--lsoa"] if by_lsoa else [])
                out = subprocess.run(cmd, capture_output=True, text=True)
                if out.returncode != 0:
                    print(f"{size:>12,} {str(by_lsoa):>7s} failed: {out.stderr.strip().splitlines()[-1:]}")
                    continue
                r = json.loads(out.stdout.strip().splitlines()[-1])
                print(f"{r['rows']:>12,} {str(by_lsoa):>7s} {r['seconds']:>7.2f} {r['cpu']:>7.2f} "
                      f"{r['rows'] / r['seconds']:>12,.0f} {r['peak_mb']:>8.0f} {r['out']:>10,}", flush=True)
                if r["peak_mb"] >= TARGETS_MB[by_lsoa]:
                    misses.append(f"{r['rows']:,} rows by_lsoa={by_lsoa}: peak {r['peak_mb']:.0f} MB "
                                  f">= {TARGETS_MB[by_lsoa]:.0f} MB")
        finally:
            shutil.rmtree(work, ignore_errors=True)
    for m in misses:
        print(f"TARGET MISSED: {m}")
    if not misses:
        print("targets met (peak RSS < 300 MB without LSOA, < 1 GB with LSOA)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
