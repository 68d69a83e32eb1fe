"""Monte Carlo benchmark: 100,000 draws over a 10-year horizon (target < 1 s); then the ranking of
all options from common random numbers, the full business case at the notebook's 10,000 draws,
and writing the formatted workbook.

Baseline (named): the same model evaluated draw by draw in a plain Python loop, timed on a
subset of the same draws and scaled linearly, on the default Warwickshire and West Mercia
"full merger" option. Both run in this process; the script checks they give the same NPVs.
The vectorised time includes drawing the random numbers; the loop time does not.

Run: .venv/bin/python benchmarks/bench_scenarios.py [--draws N] [--baseline-draws K] [--repeats R]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from alliance_analysis import paths, scenarios


def loop_npv(scenario, option, draws, horizon):
    """Per-draw Python loop over years: the baseline."""
    b, c = scenarios._benefit_cost_vectors(scenario, option, horizon)
    df = scenarios.discount_factors(horizon)
    out = []
    for d, s, o in zip(*draws):
        s = int(s)
        bs = [0.0] * s + list(b[: horizon - s])
        out.append(sum((d * bs[t] - o * c[t]) * df[t] for t in range(horizon)))
    return np.array(out)


def best_of(fn, repeats):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--draws", type=int, default=100_000)
    ap.add_argument("--baseline-draws", type=int, default=10_000)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    horizon, opt = 10, "full merger"
    s = scenarios.load_scenarios(paths.SCENARIO_DIR / "warwickshire_west_mercia.yaml")
    pert = s.model_copy(update={"uncertainty": scenarios.Uncertainty(
        savings_delivery=scenarios.Distribution(dist="pert", low=0.7, mode=0.95, high=1.05),
        timing_slip_years=s.uncertainty.timing_slip_years,
        cost_overrun=scenarios.Distribution(dist="lognormal", median=1.1, sigma=0.15))})
    scenarios.monte_carlo(s, opt, n_draws=10, horizon=horizon)  # warm up
    t_fast, mc = best_of(lambda: scenarios.monte_carlo(s, opt, n_draws=args.draws, seed=2014, horizon=horizon),
                         args.repeats)
    t_pert, _ = best_of(lambda: scenarios.monte_carlo(pert, opt, n_draws=args.draws, seed=2014, horizon=horizon),
                        args.repeats)
    k = min(args.baseline_draws, args.draws)
    draws = (mc.draws["savings_delivery"][:k], mc.draws["timing_slip_years"][:k], mc.draws["cost_overrun"][:k])
    t_sub, base = best_of(lambda: loop_npv(s, opt, draws, horizon), 1)
    t_loop = t_sub * args.draws / k
    same = bool(np.allclose(base, mc.npv_gbp_m[:k]))
    print(f"machine: {os.cpu_count()} cores; best of {args.repeats} runs")
    print(f"Monte Carlo, {args.draws:,} draws x {horizon} years ({opt}, {s.name}):")
    print(f"  vectorised monte_carlo, triangular/uniform_int/triangular: {t_fast:.3f} s  "
          f"(target < 1 s: {'met' if t_fast < 1 else 'NOT met'})")
    print(f"  vectorised monte_carlo, PERT/uniform_int/lognormal:        {t_pert:.3f} s")
    print(f"  baseline per-draw Python loop (timed on {k:,} draws, scaled): {t_loop:.2f} s")
    print(f"  ratio baseline / vectorised: {t_loop / t_fast:.1f}x; NPVs identical on the subset: {same}")
    print(f"  mean NPV GBP {mc.npv_gbp_m.mean():.1f}m, P(NPV<0) = {(mc.npv_gbp_m < 0).mean():.3f}")
    n_opt = len(s.options)
    t_rank, rank = best_of(lambda: scenarios.rank_options(s, n_draws=args.draws, seed=2014, horizon=horizon),
                           max(1, args.repeats // 2))
    print(f"rank_options, {n_opt} options x {args.draws:,} common draws: {t_rank:.3f} s "
          f"(top: {rank['option'].iloc[0]}, P(beats next) {rank['prob_beats_next'].iloc[0]:.3f})")
    t_case, case = best_of(lambda: scenarios.business_case(s, n_draws=10_000, seed=2014, horizon=horizon),
                           max(1, args.repeats // 2))
    print(f"business_case, {n_opt} options, 10,000 draws (every table of notebook 03): {t_case:.3f} s")
    target = Path(tempfile.mkdtemp()) / "business_case.xlsx"
    t_book, _ = best_of(lambda: scenarios.save_business_case(case, s, workbook_file=target, horizon=horizon),
                        max(1, args.repeats // 2))
    print(f"formatted workbook ({len(case)} tables + cover): {t_book:.3f} s, {target.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
