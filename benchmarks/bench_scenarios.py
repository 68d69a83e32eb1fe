"""Monte Carlo benchmark: 100,000 draws over a 10-year horizon (target < 1 s).

Baseline: the same model evaluated draw by draw in a plain Python loop (timed on a
subset and scaled linearly), on the default Warwickshire and West Mercia full-merger option.

Run: .venv/bin/python benchmarks/bench_scenarios.py [--draws N]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from alliance_analysis import paths, scenarios


def loop_npv(scenario, option, draws, horizon):
    b, c = scenarios._benefit_cost_vectors(scenario, option, horizon)
    df = scenarios.discount_factors(horizon)
    out = []
    for d, s, o in zip(*draws):
        s = int(s)
        bs = [0.0] * s + list(b[: horizon - s])
        out.append(sum((d * bs[t] - o * c[t]) * df[t] for t in range(horizon)))
    return np.array(out)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--draws", type=int, default=100_000)
    ap.add_argument("--baseline-draws", type=int, default=10_000)
    args = ap.parse_args()
    s = scenarios.load_scenarios(paths.SCENARIO_DIR / "warwickshire_west_mercia.yaml")
    opt = "full merger"
    scenarios.monte_carlo(s, opt, n_draws=10, horizon=10)  # warm up
    t0 = time.perf_counter()
    mc = scenarios.monte_carlo(s, opt, n_draws=args.draws, seed=2014, horizon=10)
    t_fast = time.perf_counter() - t0
    k = args.baseline_draws
    draws = (mc.draws["savings_delivery"][:k], mc.draws["timing_slip_years"][:k], mc.draws["cost_overrun"][:k])
    t0 = time.perf_counter()
    base = loop_npv(s, opt, draws, 10)
    t_loop = (time.perf_counter() - t0) * args.draws / k
    same = bool(np.allclose(base, mc.npv_gbp_m[:k]))
    print(f"machine: {os.cpu_count()} cores")
    print(f"Monte Carlo, {args.draws:,} draws x 10 years ({opt}, {s.name}):")
    print(f"  vectorised (alliance_analysis.scenarios.monte_carlo): {t_fast:.3f} s  target < 1 s: "
          f"{'met' if t_fast < 1 else 'NOT met'}")
    print(f"  baseline per-draw Python loop (timed on {k:,}, scaled): {t_loop:.2f} s")
    print(f"  ratio loop / vectorised: {t_loop / t_fast:.0f}x; NPVs identical on the subset: {same}")
    print(f"  mean NPV GBP {mc.npv_gbp_m.mean():.1f}m, P(NPV<0) = {(mc.npv_gbp_m < 0).mean():.3f}")


if __name__ == "__main__":
    main()
