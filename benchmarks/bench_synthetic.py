"""Benchmark: synthetic monthly series for all 43 forces x 120 months.

Baseline: a naive per-cell Python implementation of the same model (trend, seasonality,
Table 3 scale, negative binomial draw), one force x month x type cell at a time. Each runs in
its own fresh process (``_isolated.run``: levels loaded untimed, one warm-up call, one timed
call), printing wall s, CPU s and its own peak RSS. The script checks that the baseline's
expected levels equal the library's before printing the ratio.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from alliance_analysis import clean
from alliance_analysis.datasets import synthetic as syn

START, END = "2010-04", "2020-03"


def naive(forces: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Per-cell loop: expected level and one NB draw per cell (no Table 3 redraw)."""
    lv = syn._levels(forces)
    wm = syn._levels(["West Mercia"])
    months = pd.period_range(START, END, freq="M")
    # Table 3 scale knots, computed once (as the library does)
    knots = {}
    for is_asb in (False, True):
        sub = wm[(wm["crime_type"] == "Anti-social behaviour") == is_asb]
        mids, ratios = [], []
        for w_start, crime_total, asb_total in syn.TABLE3_WEST_MERCIA:
            window = pd.period_range(w_start, periods=6, freq="M")
            expected = 0.0
            for _, row in sub.iterrows():
                for m in window:
                    t = (m - syn.ANCHOR).n
                    g = syn.ASSUMED_ANNUAL_GROWTH[row["crime_type"]]
                    expected += row["monthly"] * (1 + g) ** (t / 12) * (
                        1 + syn.SEASONAL_AMPLITUDE * math.cos(2 * math.pi * (m.month - 7) / 12))
            mids.append((window[0] - syn.ANCHOR).n + 2.5)
            ratios.append((asb_total if is_asb else crime_total) / expected)
        knots[is_asb] = (mids, ratios)
    rng = np.random.default_rng(1)
    mus, draws = [], []
    for _, row in lv.iterrows():
        for m in months:
            t = (m - syn.ANCHOR).n
            g = syn.ASSUMED_ANNUAL_GROWTH[row["crime_type"]]
            season = 1 + syn.SEASONAL_AMPLITUDE * math.cos(2 * math.pi * (m.month - 7) / 12)
            mids, ratios = knots[row["crime_type"] == "Anti-social behaviour"]
            mu = row["monthly"] * (1 + g) ** (t / 12) * season * float(np.interp(t, mids, ratios))
            mus.append(mu)
            draws.append(int(rng.negative_binomial(syn.DISPERSION, syn.DISPERSION / (syn.DISPERSION + mu))))
    return np.array(mus), np.array(draws)


def load() -> list[str]:
    """Untimed: the forces (the PRC levels are read by the warm-up call)."""
    return list(clean.CANONICAL_FORCES)


def library(forces: list[str]) -> int:
    return int(syn.synthetic_monthly_crime(forces, start=START, end=END, seed=2014)["count"].sum())


def naive_loop(forces: list[str]) -> list[float]:
    return naive(forces)[0].tolist()


def main() -> None:
    from _isolated import run

    lib = run(__file__, "library", prepare="load")
    base = run(__file__, "naive_loop", prepare="load")
    # same model: the library's expected levels on the same grid, same cell order
    forces = load()
    lv = syn._levels(forces)
    grid = lv.merge(pd.DataFrame({"month": pd.period_range(START, END, freq="M")}), how="cross")
    mu_lib = syn._expected(grid) * syn._table3_scale(grid, syn._levels(["West Mercia"]))
    same = bool(np.allclose(mu_lib, np.array(base["result"]), rtol=1e-10))
    print(f"cells: {len(grid):,} (43 forces x 120 months x {grid['crime_type'].nunique()} types), SYNTHETIC")
    print(f"  {'contender':36s} {'wall s':>7s} {'CPU s':>7s} {'peak MB':>8s} {'x pkg':>6s}")
    for label, r in (("library (vectorised)", lib), ("naive per-cell loop", base)):
        print(f"  {label:36s} {r['wall']:7.3f} {r['cpu']:7.3f} {r['peak_mb']:8.0f} {r['wall'] / lib['wall']:6.1f}")
    print(f"  expected levels identical: {same}")


if __name__ == "__main__":
    main()
