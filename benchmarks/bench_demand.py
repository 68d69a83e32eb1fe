"""Demand benchmarks: Erlang C over 10,000 intervals, and the demand notebook on default data.

Rivals for Erlang C, on the same intervals in the same run: (1) the strongest simple scalar
method, the Erlang B recursion B(n) = A B(n-1) / (n + A B(n-1)) carried incrementally while
searching agents upwards, C = n B / (n - A (1 - B)), one interval at a time in Python, run on
every interval (no scaling); (2) the textbook factorial formula per interval (timed on a
sample of ``--baseline-sample`` intervals and scaled linearly, as labelled). Each contender
runs in its own fresh process (``_isolated.run``: one untimed warm-up call, then one timed
call) and prints wall seconds, CPU seconds and its own peak RSS; every contender's agents are
checked against the package's. Target: vectorised < 1 s for 10,000 intervals; notebook < 30 s.

Run: .venv/bin/python benchmarks/bench_demand.py [--intervals N] [--no-notebook]
"""

from __future__ import annotations

import argparse
import math
import os
import tempfile
import time

import numpy as np

from alliance_analysis import demand, paths


def textbook_agents(calls: float, aht: float, interval: float, target: float, sl: float) -> int:
    a = calls * aht / interval
    if a == 0:
        return 0
    n = math.floor(a) + 1
    while True:
        # log-space factorial terms to avoid overflow at large n
        log_terms = [k * math.log(a) - math.lgamma(k + 1) for k in range(n)]
        log_top = n * math.log(a) - math.lgamma(n + 1) + math.log(n / (n - a))
        mx = max(max(log_terms), log_top)
        s = sum(math.exp(t - mx) for t in log_terms)
        top = math.exp(log_top - mx)
        c = top / (s + top)
        if 1 - c * math.exp(-(n - a) * target / aht) >= sl:
            return n
        n += 1


def erlang_b_agents(calls: float, aht: float, interval: float, target: float, sl: float) -> int:
    """Scalar Erlang B recursion, carried incrementally as agents are added."""
    a = calls * aht / interval
    if a == 0:
        return 0
    b, n = 1.0, 0
    while True:
        n += 1
        b = a * b / (n + a * b)
        if n <= a:
            continue
        c = n * b / (n - a * (1 - b))
        if 1 - c * math.exp(-(n - a) * target / aht) >= sl:
            return n


def make_calls(n: int, sample: int | None = None) -> np.ndarray:
    """The seeded calls per interval (0-250 per 30 minutes); the first ``sample`` if given."""
    calls = np.random.default_rng(2014).uniform(0, 250, n).round()
    return calls if sample is None else calls[:sample]


def vectorised(calls: np.ndarray) -> list[int]:
    fast = demand.erlang_c_staffing(calls, 300, interval_seconds=1800, target_answer_seconds=20,
                                    target_service_level=0.8, shrinkage=0.3)
    return fast["agents"].astype(int).tolist()


def scalar_erlang_b(calls: np.ndarray) -> list[int]:
    return [erlang_b_agents(c, 300, 1800, 20, 0.8) for c in calls]


def textbook(calls: np.ndarray) -> list[int]:
    return [textbook_agents(c, 300, 1800, 20, 0.8) for c in calls]


def main() -> None:
    from _isolated import run

    ap = argparse.ArgumentParser()
    ap.add_argument("--intervals", type=int, default=10_000)
    ap.add_argument("--baseline-sample", type=int, default=1_000)
    ap.add_argument("--no-notebook", action="store_true")
    args = ap.parse_args()
    n, k = args.intervals, min(args.baseline_sample, args.intervals)
    fast = run(__file__, "vectorised", args=[n], prepare="make_calls")
    scalar = run(__file__, "scalar_erlang_b", args=[n], prepare="make_calls")
    base = run(__file__, "textbook", args=[n, k], prepare="make_calls")
    scale = n / k
    print(f"machine: {os.cpu_count()} cores; each contender in its own process, warmed")
    print(f"Erlang C, {n:,} intervals (0-250 calls per 30 min, AHT 300 s, 80/20):")
    print(f"  {'contender':52s} {'wall s':>7s} {'CPU s':>7s} {'peak MB':>8s} {'x pkg':>6s}  agents")
    rows = [("vectorised (demand.erlang_c_staffing)", fast, 1.0, None),
            ("scalar Erlang B recursion, every interval", scalar, 1.0, scalar["result"] == fast["result"]),
            (f"textbook formula (timed on {k:,}, x{scale:g} as labelled)", base, scale,
             base["result"] == fast["result"][:k])]
    for label, r, mult, same in rows:
        print(f"  {label:52s} {r['wall'] * mult:7.3f} {r['cpu'] * mult:7.3f} {r['peak_mb']:8.0f} "
              f"{r['wall'] * mult / fast['wall']:6.1f}  {'reference' if same is None else 'identical' if same else 'DIFFER'}")
    print(f"  target < 1 s: {'met' if fast['wall'] < 1 else 'NOT met'}")
    if not args.no_notebook:
        import papermill as pm

        with tempfile.TemporaryDirectory() as d:
            t0 = time.perf_counter()
            pm.execute_notebook(str(paths.NOTEBOOKS_DIR / "01_demand_analysis.ipynb"), os.path.join(d, "o.ipynb"),
                                kernel_name="alliance-analysis", progress_bar=False)
            t_nb = time.perf_counter() - t0
        print(f"notebook 01_demand_analysis on default data (incl. kernel start): {t_nb:.1f} s  target < 30 s: "
              f"{'met' if t_nb < 30 else 'NOT met'}")


if __name__ == "__main__":
    main()
