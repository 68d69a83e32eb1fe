"""Monte Carlo benchmark: 100,000 draws over a 10-year horizon (target < 1 s); then the ranking of
all options from common random numbers, the full business case at the notebook's 10,000 draws,
writing the formatted workbook, and a generic business case for a group without a scenario file.

Rival (named): the same model evaluated draw by draw in a plain Python loop over every one of
the 100,000 draws (no scaling), on the default Warwickshire and West Mercia "full merger"
option. Both contenders draw the same random numbers with ``scenarios.draw_inputs`` inside
the timed call and compute their benefit and cost vectors and discount factors once (set-up
counted once, never scaled). Each runs in its own fresh process (``_isolated.run``: loading
the scenario untimed, one warm-up call, one timed call) and prints wall s, CPU s and its own
peak RSS; the script checks they give the same NPVs.

Run: .venv/bin/python benchmarks/bench_scenarios.py [--draws N] [--repeats R]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from alliance_analysis import paths, scenarios


HORIZON, OPTION = 10, "full merger"


def load(n_draws: int) -> tuple:
    """Untimed: the default scenario and the number of draws."""
    return scenarios.load_scenarios(paths.SCENARIO_DIR / "warwickshire_west_mercia.yaml"), n_draws


def vectorised(state: tuple) -> list[float]:
    s, n = state
    return np.round(scenarios.monte_carlo(s, OPTION, n_draws=n, seed=2014, horizon=HORIZON).npv_gbp_m, 9).tolist()


def loop(state: tuple) -> list[float]:
    """Per-draw Python loop over years, on the same draws: the rival."""
    s, n = state
    draws = scenarios.draw_inputs(s, n_draws=n, seed=2014, horizon=HORIZON)
    b, c = scenarios._benefit_cost_vectors(s, OPTION, HORIZON)
    df = scenarios.discount_factors(HORIZON)
    out = []
    for d, slip, o in zip(draws["savings_delivery"], draws["timing_slip_years"], draws["cost_overrun"]):
        slip = int(slip)
        bs = [0.0] * slip + list(b[: HORIZON - slip])
        out.append(sum((d * bs[t] - o * c[t]) * df[t] for t in range(HORIZON)))
    return np.round(out, 9).tolist()


def best_of(fn, repeats):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def main() -> None:
    from _isolated import run

    ap = argparse.ArgumentParser()
    ap.add_argument("--draws", type=int, default=100_000)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    horizon, opt = HORIZON, OPTION
    s = scenarios.load_scenarios(paths.SCENARIO_DIR / "warwickshire_west_mercia.yaml")
    pert = s.model_copy(update={"uncertainty": scenarios.Uncertainty(
        savings_delivery=scenarios.Distribution(dist="pert", low=0.7, mode=0.95, high=1.05),
        timing_slip_years=s.uncertainty.timing_slip_years,
        cost_overrun=scenarios.Distribution(dist="lognormal", median=1.1, sigma=0.15))})
    fast = run(__file__, "vectorised", args=[args.draws], prepare="load")
    rival = run(__file__, "loop", args=[args.draws], prepare="load")
    same = bool(np.allclose(fast["result"], rival["result"], rtol=0, atol=1e-6))
    scenarios.monte_carlo(s, opt, n_draws=10, horizon=horizon)  # warm up
    t_pert, _ = best_of(lambda: scenarios.monte_carlo(pert, opt, n_draws=args.draws, seed=2014, horizon=horizon),
                        args.repeats)
    npv = np.array(fast["result"])
    print(f"machine: {os.cpu_count()} cores; contenders each in their own process, warmed")
    print(f"Monte Carlo, {args.draws:,} draws x {horizon} years ({opt}, {s.name}):")
    print(f"  {'contender':46s} {'wall s':>7s} {'CPU s':>7s} {'peak MB':>8s} {'x pkg':>6s}")
    for label, r in (("vectorised monte_carlo (draws included)", fast),
                     ("per-draw Python loop, every draw (same draws)", rival)):
        print(f"  {label:46s} {r['wall']:7.3f} {r['cpu']:7.3f} {r['peak_mb']:8.0f} {r['wall'] / fast['wall']:6.1f}")
    print(f"  NPVs identical (to 1e-6): {same}; target < 1 s: {'met' if fast['wall'] < 1 else 'NOT met'}")
    print(f"  vectorised with PERT/uniform_int/lognormal inputs (in this process, best of {args.repeats}): "
          f"{t_pert:.3f} s")
    print(f"  mean NPV GBP {npv.mean():.1f}m, P(NPV<0) = {(npv < 0).mean():.3f}")
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
    print(f"formatted workbook ({len(case)} tables + cover, PV/NPV/BCR as formulas): {t_book:.3f} s, "
          f"{target.stat().st_size:,} bytes")
    t_gen, rep = best_of(lambda: scenarios.run_business_case(forces=["Cumbria", "Lancashire"], n_draws=10_000,
                                                             seed=2014), max(1, args.repeats // 2))
    print(f"generic business case for Cumbria and Lancashire (real shares loaded, 3 options, 10,000 draws): "
          f"{t_gen:.3f} s")


if __name__ == "__main__":
    main()
