"""Ingest against the previous release of the package (issue 12: the validation and hardening
work must not slow ingest by more than 10% nor grow its memory).

Builds the same 5-million-row archive as ``bench_ingest.py`` (real Gloucestershire street files
copied under new month names, in a temporary folder), extracts the package as it was at
``--rev`` (default f4fd91d, the previous landed release) with ``git archive`` into a temporary
folder, and times ``load_street_archive`` of each in its own process, warmed, ``--repeat`` times:
wall and CPU seconds, peak RSS, and the record total (which must agree). CPU seconds are the
fair comparison on a shared machine.

Run: .venv/bin/python benchmarks/bench_ingest_previous.py [--rev REV] [--rows N] [--repeat K]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_ingest  # noqa: E402

from alliance_analysis import paths  # noqa: E402

CHILD = """
import json, resource, sys, time
if sys.argv[1] != '-':
    sys.path.insert(0, sys.argv[1])
from alliance_analysis.datasets.police_uk import load_street_archive
load_street_archive(sys.argv[2])
t = time.perf_counter(); r0 = resource.getrusage(resource.RUSAGE_SELF)
df = load_street_archive(sys.argv[2])
w = time.perf_counter() - t; r1 = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"wall": w, "cpu": r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime,
                  "rss_mb": r1.ru_maxrss / 1024, "total": int(df["count"].sum())}))
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rev", default="f4fd91d")
    ap.add_argument("--rows", type=int, default=5_000_000)
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    root = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory() as data, tempfile.TemporaryDirectory() as old:
        rows, files = bench_ingest.build(paths.SHARED_DATA_DIR / "police_uk" / "gloucestershire", Path(data),
                                         args.rows)
        archive = subprocess.run(["git", "-C", str(root), "archive", args.rev, "alliance_analysis"],
                                 capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", old], input=archive, check=True)
        print(f"{rows:,} rows in {files} files; previous = {args.rev}")
        best = {}
        for label, where in ((f"previous ({args.rev})", old), ("this tree", "-")):
            runs = []
            for _ in range(args.repeat):
                out = subprocess.run([sys.executable, "-c", CHILD, where, data], capture_output=True, text=True,
                                     cwd=tempfile.gettempdir(), check=True)
                runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
            b = min(runs, key=lambda r: r["cpu"])
            best[label] = b
            print(f"  {label}: best of {args.repeat}: {b['cpu']:.2f} CPU s, {b['wall']:.2f} s wall, "
                  f"{rows / b['wall'] / 1e6:.2f} M rows/s, peak RSS {b['rss_mb']:.0f} MB, total {b['total']:,}")
        prev, now = best.values()
        print(f"  CPU ratio this/previous {now['cpu'] / prev['cpu']:.2f}; peak RSS ratio {now['rss_mb'] / prev['rss_mb']:.2f}; "
              f"totals agree: {prev['total'] == now['total']}; target within 10%: "
              f"{'met' if now['cpu'] <= 1.1 * prev['cpu'] and now['rss_mb'] <= 1.1 * prev['rss_mb'] else 'MISSED'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
