"""Ingest benchmark: police.uk street files -> force x month x crime type counts.

Compares, on the same files in the same run:

(a) ``alliance_analysis.datasets.police_uk.load_street_archive`` (pyarrow, needed
    columns only, aggregated file by file), and
(b) the naive baseline: ``pandas.read_csv`` of every file, all columns, default
    engine, concatenated, then grouped by Falls within, Month and Crime type.

Input: the real Gloucestershire street files in ``../shared/data/police_uk`` (35
months, ~186k rows), copied into a temporary folder (never into the repository)
under new month names until at least ``--rows`` rows exist (default 5,000,000); each
copy's Month column is rewritten to its new month so the files stay valid.

Each approach runs in its own subprocess; peak memory is that process's peak RSS
(``resource.getrusage(RUSAGE_SELF).ru_maxrss``, read at its end; tracemalloc
would miss pyarrow's allocations). Timings cover the load and aggregation only,
not interpreter start-up or imports. Both results are checked to agree.

Usage::

    .venv/bin/python benchmarks/bench_ingest.py            # 5 million rows
    .venv/bin/python benchmarks/bench_ingest.py --rows 1000000
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

TARGET_SPEEDUP = 4.0
TARGET_PEAK_MB = 500.0


def build(src: Path, dest: Path, rows: int) -> tuple[int, int]:
    """Copy the source months under new month names until ``rows`` rows; return (rows, files)."""
    files = sorted(src.glob("*/*-street.csv"))
    if not files:
        raise SystemExit(f"no street files under {src}")
    blobs = []
    for f in files:
        data = f.read_bytes()
        blobs.append((f.name[:7], f.name[8:], data, data.count(b"\n") - 1))
    total = n_files = 0
    offset = 0  # months added to every copy of the 35-month block
    while total < rows:
        for month, rest, data, n in blobs:
            y, m = int(month[:4]), int(month[5:7])
            k = (y * 12 + m - 1) + offset
            new = f"{k // 12:04d}-{k % 12 + 1:02d}"
            folder = dest / new
            folder.mkdir(parents=True, exist_ok=True)
            body = data if new == month else data.replace(f",{month},".encode(), f",{new},".encode())
            (folder / f"{new}-{rest}").write_bytes(body)
            total += n
            n_files += 1
            if total >= rows:
                break
        offset += 36
    return total, n_files


def child(approach: str, folder: Path, end: str | None, workers: int | None) -> None:
    """Run one approach in this process and print a JSON line with its figures."""
    import pandas as pd

    from alliance_analysis.datasets.police_uk import load_street_archive

    t0 = time.perf_counter()
    if approach == "ours":
        df = load_street_archive(folder, end=end, workers=workers)
        rows = df.attrs["rows_read"]
        total = int(df["count"].sum())
        cells = len(df)
    else:
        frames = [pd.read_csv(p) for p in sorted(folder.glob("*/*-street.csv"))]
        raw = pd.concat(frames, ignore_index=True)
        del frames
        agg = raw.groupby(["Falls within", "Month", "Crime type"]).size()
        rows = len(raw)
        total = int(agg.sum())
        cells = len(agg)
    seconds = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(json.dumps({"approach": approach, "rows": rows, "seconds": seconds, "peak_mb": peak_mb,
                      "total": total, "cells": cells}))


def run_child(approach: str, folder: Path, end: str | None = None, workers: int | None = None) -> dict:
    cmd = [sys.executable, __file__, "--child", approach, "--dir", str(folder)]
    if end:
        cmd += ["--end", end]
    if workers:
        cmd += ["--workers", str(workers)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def baseline_rss() -> float:
    """Peak RSS of a process that only imports pandas, pyarrow and the loader."""
    code = ("import resource, pandas, pyarrow.csv; import alliance_analysis.datasets.police_uk; "
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)")
    return float(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                                text=True).stdout.strip())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=5_000_000, help="minimum rows to build (default 5e6)")
    ap.add_argument("--data", type=Path, default=None, help="folder of source street files")
    ap.add_argument("--workers", type=int, default=None,
                    help="files parsed concurrently by load_street_archive (default: its own)")
    ap.add_argument("--skip-naive", action="store_true", help="measure only load_street_archive")
    ap.add_argument("--child", choices=["ours", "naive"], help=argparse.SUPPRESS)
    ap.add_argument("--dir", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--end", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.dir, args.end, args.workers)
        return 0

    from alliance_analysis import paths

    src = args.data or paths.SHARED_DATA_DIR / "police_uk" / "gloucestershire"
    if not src.is_dir():
        print(f"SKIPPED: real police.uk street files not found at {src} (../shared/data is absent; "
              "pass --data FOLDER to benchmark other files)")
        return 0

    work = Path(tempfile.mkdtemp(prefix="bench_ingest_"))
    try:
        t0 = time.perf_counter()
        rows, n_files = build(src, work, args.rows)
        size_mb = sum(p.stat().st_size for p in work.rglob("*.csv")) / 2**20
        print(f"input: {rows:,} rows in {n_files} files ({size_mb:,.0f} MB), built in "
              f"{time.perf_counter() - t0:.1f}s under {work}")
        print(f"interpreter + pandas + pyarrow imported, no data: peak RSS {baseline_rss():.0f} MB")

        months = sorted(p.name for p in work.iterdir())
        fifth = months[max(len(months) // 5 - 1, 0)]
        small = run_child("ours", work, end=fifth, workers=args.workers)
        ours = run_child("ours", work, workers=args.workers)
        results = [("load_street_archive, first fifth of months", small),
                   ("load_street_archive (a)", ours)]
        naive = None
        if not args.skip_naive:
            naive = run_child("naive", work)
            results.append(("naive pandas.read_csv + concat + groupby (b)", naive))
        print(f"{'approach':48s} {'rows':>11s} {'seconds':>8s} {'rows/s':>12s} {'peak MB':>8s}")
        for name, r in results:
            print(f"{name:48s} {r['rows']:>11,} {r['seconds']:>8.2f} {r['rows'] / r['seconds']:>12,.0f} "
                  f"{r['peak_mb']:>8.0f}")
        ok = ours["peak_mb"] < TARGET_PEAK_MB
        if naive is not None:
            if (naive["rows"], naive["total"]) != (ours["rows"], ours["total"]):
                print(f"MISMATCH: naive counted {naive['total']:,} of {naive['rows']:,} rows, "
                      f"ours {ours['total']:,} of {ours['rows']:,}")
                return 1
            ratio = (ours["rows"] / ours["seconds"]) / (naive["rows"] / naive["seconds"])
            print(f"speed ratio (a)/(b): {ratio:.1f}x rows/s (target >= {TARGET_SPEEDUP:.0f}x); "
                  f"memory ratio (b)/(a): {naive['peak_mb'] / ours['peak_mb']:.1f}x; "
                  f"both counted {ours['total']:,} records")
            ok = ok and ratio >= TARGET_SPEEDUP
        print(f"peak memory (a): {ours['peak_mb']:.0f} MB at {ours['rows']:,} rows vs "
              f"{small['peak_mb']:.0f} MB at {small['rows']:,} rows (target < {TARGET_PEAK_MB:.0f} MB)")
        print("targets met" if ok else "TARGETS NOT MET")
        return 0 if ok else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
