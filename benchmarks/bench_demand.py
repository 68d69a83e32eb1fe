"""Demand benchmarks: Erlang C over 10,000 intervals, and the demand notebook on default data.

Rivals for Erlang C, on the same intervals in the same run: (1) the strongest simple scalar
method, the Erlang B recursion B(n) = A B(n-1) / (n + A B(n-1)) carried incrementally while
searching agents upwards, C = n B / (n - A (1 - B)), one interval at a time in Python, run on
every interval (no scaling); (2) the textbook factorial formula per interval (timed on a
sample and scaled, as labelled). Target: vectorised < 1 s for 10,000 intervals; notebook < 30 s.

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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--intervals", type=int, default=10_000)
    ap.add_argument("--baseline-sample", type=int, default=1_000)
    ap.add_argument("--no-notebook", action="store_true")
    args = ap.parse_args()
    rng = np.random.default_rng(2014)
    calls = rng.uniform(0, 250, args.intervals).round()
    t0 = time.perf_counter()
    fast = demand.erlang_c_staffing(calls, 300, interval_seconds=1800, target_answer_seconds=20,
                                    target_service_level=0.8, shrinkage=0.3)
    t_fast = time.perf_counter() - t0
    t0 = time.perf_counter()
    scalar = [erlang_b_agents(c, 300, 1800, 20, 0.8) for c in calls]
    t_scalar = time.perf_counter() - t0
    sample = calls[: args.baseline_sample]
    t0 = time.perf_counter()
    base = [textbook_agents(c, 300, 1800, 20, 0.8) for c in sample]
    t_base = (time.perf_counter() - t0) * len(calls) / len(sample)
    agree = bool(np.array_equal(np.array(base), fast["agents"].to_numpy()[: len(sample)]))
    print(f"machine: {os.cpu_count()} cores")
    print(f"Erlang C, {len(calls):,} intervals (0-250 calls per 30 min, AHT 300 s, 80/20):")
    print(f"  vectorised (alliance_analysis.demand.erlang_c_staffing): {t_fast:.3f} s  target < 1 s: "
          f"{'met' if t_fast < 1 else 'NOT met'}")
    same = bool(np.array_equal(np.array(scalar), fast["agents"].to_numpy()))
    print(f"  rival: scalar Erlang B recursion, every interval: {t_scalar:.3f} s; ratio {t_scalar / t_fast:.1f}x; "
          f"agents identical: {same}")
    print(f"  baseline textbook loop (timed on {len(sample):,}, scaled): {t_base:.2f} s")
    print(f"  ratio baseline / vectorised: {t_base / t_fast:.0f}x; agents identical on the sample: {agree}")
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
