"""Benchmark: policy evaluation against the previous implementation, and calibration by simulation.

1. Synthetic-control placebo set on the 39-state California Proposition 99 panel
   (tests/fixtures/california_prop99.csv; Apache-2.0, CausalPy authors; data from Abadie,
   Diamond & Hainmueller 2010): California and all 38 placebos. The previous implementation
   (``git show <rev>:alliance_analysis/evaluation.py``, imported from a temporary file) only
   accepts monthly periods, so it gets the same values on consecutive months. Target: under
   5 s for the new one.
2. Full evaluation (ITS + DiD + synthetic control with placebos) on a real panel: the Home
   Office quarterly PRC table (``prc-pfa-mar2013-onwards-tables-191023.csv.gz`` in the shared
   data) summed to force x quarter with plain pandas (fraud excluded: it moved to Action
   Fraud), West Mercia against its most similar forces, change date 2019Q4 (the end of the
   Warwickshire-West Mercia alliance; used here for timing). The previous implementation
   gets the quarters relabelled as consecutive months (it cannot read quarters).
3. Calibration and power (seeded, vectorised; 2,000 runs each): rejection rate at a nominal
   5% under no effect, and power against a +10% step, for the DiD small-cluster t and the
   randomisation test with 1 treated force and 4 and 10 controls (Poisson(200) monthly
   counts, 24 months either side); the synthetic-control placebo test (20 units) under no
   effect and against a +5% step (500 runs).

Run: ``.venv/bin/python benchmarks/bench_evaluation.py [--old-rev HEAD~5] [--skip-old]``.
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from alliance_analysis import clean, evaluation, paths, taxonomy

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "california_prop99.csv"
HO_TABLE = "home_office/prc-pfa-mar2013-onwards-tables-191023.csv.gz"
OLD_FILE = Path("/tmp/evaluation_old.py")


def load_old(rev: str):
    """Import the previous evaluation module from ``git show rev:alliance_analysis/evaluation.py``."""
    src = subprocess.run(["git", "show", f"{rev}:alliance_analysis/evaluation.py"], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    OLD_FILE.write_text(src)
    spec = importlib.util.spec_from_file_location("evaluation_old", OLD_FILE)
    mod = importlib.util.module_from_spec(spec)
    sys.modules["evaluation_old"] = mod
    spec.loader.exec_module(mod)
    return mod


def timed(fn, *a, **k):
    """Result, wall seconds and CPU seconds of one call."""
    t, c = time.perf_counter(), time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = fn(*a, **k)
    return out, time.perf_counter() - t, time.process_time() - c


def prop99() -> tuple[pd.DataFrame, list[str]]:
    wide = pd.read_csv(FIXTURE, comment="#")
    long = wide.melt(id_vars="Year", var_name="force", value_name="count")
    long["period"] = pd.PeriodIndex(long["Year"].astype(str), freq="Y")
    return long.drop(columns="Year"), [c for c in wide.columns if c not in ("Year", "California")]


def as_months(df: pd.DataFrame, col: str) -> pd.DataFrame:
    """Relabel periods as consecutive months (for the previous, monthly-only implementation)."""
    per = sorted(df[col].unique())
    mapping = dict(zip(per, pd.period_range("2000-01", periods=len(per), freq="M")))
    return df.assign(month=df[col].map(mapping)).drop(columns=[col]), mapping


def ho_quarterly() -> pd.DataFrame:
    d = pd.read_csv(paths.SHARED_DATA_DIR / HO_TABLE)
    d = d[d["Offence Group"] != "Fraud offences"]
    start_year = d["Financial Year"].str[:4].astype(int)
    q = d["Financial Quarter"].astype(int)
    year = start_year + (q == 4)
    month = np.where(q == 4, 1, 4 + 3 * (q - 1))
    d = d.assign(force=d["Force Name"].str.replace("&", "and", regex=False),
                 quarter=pd.PeriodIndex([f"{y}-{m:02d}" for y, m in zip(year, month)], freq="Q"))
    return d.groupby(["force", "quarter"], as_index=False)["Number of Offences"].sum().rename(
        columns={"Number of Offences": "count"})


def full_evaluation(mod, panel: pd.DataFrame, treated: str, donors: list[str], change: str, **kw):
    its = mod.interrupted_time_series(panel[panel["force"] == treated], change, **kw)
    did = mod.difference_in_differences(panel, treated, donors, change, **kw)
    sc = mod.synthetic_control(panel, treated, donors, change, **kw)
    return its, did, sc


def calibration() -> None:
    rng = np.random.default_rng(2026)
    post = np.arange(48) >= 24
    print("\n3. Calibration (nominal 5%) and power, 1 treated force, Poisson(200) months, 24 either side")
    print(f"{'test':<34}{'controls':>9}{'size':>8}{'power +10%':>12}")
    for k in (4, 10):
        tr = np.arange(k + 1) == 0
        for eff, label in ((0.0, "size"), (0.10, "power")):
            mu = np.full((2000, k + 1, 48), 200.0)
            mu[:, 0, 24:] *= 1 + eff
            st = evaluation.did_statistics(np.log1p(rng.poisson(mu)), post, tr)
            p_ri, pmin, *_ = evaluation.randomisation_p(st["changes"], 1)
            if label == "size":
                size_t, size_ri = np.mean(st["p"] <= 0.05), np.mean(p_ri <= pmin + 1e-12)
            else:
                pow_t, pow_ri = np.mean(st["p"] <= 0.05), np.mean(p_ri <= pmin + 1e-12)
        print(f"{'DiD small-cluster t (G-2 df)':<34}{k:>9}{size_t:>8.3f}{pow_t:>12.3f}")
        print(f"{f'DiD randomisation at p<={pmin:.3f}':<34}{k:>9}{size_ri:>8.3f}{pow_ri:>12.3f}"
              f"   (nominal {pmin:.3f}; p<=0.05 unattainable)")

    def sc_p(effect: float, seed: int) -> float:
        r = np.random.default_rng(seed)
        f = np.cumsum(r.normal(0, 1, (30, 2)), axis=0)
        X = 100 + f @ r.uniform(0.5, 1.5, (2, 20)) + r.normal(0, 1, (30, 20))
        X[20:, 0] *= 1 + effect
        return evaluation.placebo_test_arrays(X, np.arange(30) < 20)["p"]

    size = np.mean([sc_p(0.0, s) <= 0.05 for s in range(500)])
    power = np.mean([sc_p(0.05, 10_000 + s) <= 0.05 for s in range(500)])
    print(f"{'SC placebo test (20 units), +5%':<34}{19:>9}{size:>8.3f}{power:>12.3f}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--old-rev", default="d0a78ed", help="revision holding the previous implementation")
    ap.add_argument("--skip-old", action="store_true", help="do not time the previous implementation")
    args = ap.parse_args()
    old = None if args.skip_old else load_old(args.old_rev)

    long, donors = prop99()
    print("1. Synthetic-control placebo set, Proposition 99 (39 states, 1970-2000, change 1989)")
    new, t_new, c_new = timed(evaluation.synthetic_control, long, "California", donors, "1989")
    print(f"   new ({new.method}): {t_new:.3f} s ({c_new:.3f} CPU s)  {'OK' if t_new < 5 else 'MISS'} (target < 5 s); "
          f"gap 2000 {new.path['gap'].iloc[-1]:+.1f} packs, rank {new.rank} of {len(new.placebos)}, "
          f"p {new.p_value:.3f}, converged {new.converged}")
    if old is not None:
        lm, mapping = as_months(long, "period")
        res_old, t_old, c_old = timed(old.synthetic_control, lm, "California", donors, str(mapping[pd.Period("1989", "Y")]))
        print(f"   old (scaled, SLSQP without gradient): {t_old:.3f} s ({c_old:.3f} CPU s); "
              f"ratio old/new {t_old / t_new:.1f}x")

    if not paths.shared_data_available():
        print("\n2. skipped: shared data not found")
    else:
        panel = ho_quarterly()
        peers = clean.group_members("West Mercia most similar group")
        donors_q = [p for p in peers if p != "West Mercia"]
        print(f"\n2. Full evaluation, West Mercia vs {len(donors_q)} most similar forces, {panel['quarter'].nunique()} "
              f"quarters ({panel['quarter'].min()}-{panel['quarter'].max()}), change 2019Q4")
        (its, did, sc), t_new, c_new = timed(full_evaluation, evaluation, panel, "West Mercia", donors_q, "2019Q4",
                                      data_breaks=taxonomy.data_breaks())
        print(f"   new: {t_new:.3f} s ({c_new:.3f} CPU s); ITS {its.percent_effect:+.1%} (95% CI {its.percent_ci[0]:+.1%} to "
              f"{its.percent_ci[1]:+.1%}); DiD {did.effect:+.1%} (t p {did.p_value:.3f}, randomisation p "
              f"{did.ri_p_value:.3f}, min {did.ri_min_p:.3f}); SC {sc.effect:+.1%} "
              f"rank {sc.rank} of {len(sc.placebos)}")
        if old is not None:
            pm, mapping = as_months(panel, "quarter")
            change_m = str(mapping[pd.Period("2019Q4", "Q")])
            _, t_old, c_old = timed(full_evaluation, old, pm, "West Mercia", donors_q, change_m)
            print(f"   old (quarters as consecutive months): {t_old:.3f} s ({c_old:.3f} CPU s); "
                  f"ratio old/new {t_old / t_new:.1f}x")
        print("   verdict: " + evaluation.verdict(its, sc, did))
    calibration()
    import resource

    print(f"\npeak RSS of this process (both implementations and the simulations): "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
