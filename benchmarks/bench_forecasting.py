"""Forecasting benchmark: 600 monthly series x 120 months, 4 rolling origins, horizon 12.

All series are SYNTHETIC: seeded negative-binomial counts (size 50) with a level drawn from a
log-normal, a yearly growth rate, and a seasonal cycle of 2-15% amplitude (43 forces x 14
crime types scale).

Approaches timed in the same process, on the same series:

1. fast path: ``forecasting.forecast_many`` (vectorised ETS grid, seasonal naive, drift,
   combo; backtest selection; refit and final forecasts), ``n_jobs=1`` and ``n_jobs=2``;
2. naive baseline: a plain loop refitting statsmodels Holt-Winters ``ExponentialSmoothing``
   (additive trend and season) and ``SARIMAX(1,0,0)(0,1,1)12`` on log1p counts at every origin
   and selecting per series by mean backtest MASE. It is timed on a SUBSET of series
   (``--naive-subset``) and scaled linearly to all series (said in the output);
3. ``statsforecast`` ``AutoETS(season_length=12)`` ``cross_validation(h=12, n_windows=4,
   step_size=1)`` when statsforecast is importable (not a project dependency).

MASE is always scaled by the in-sample seasonal-naive MAE of each training window and
averaged over origins, then over series. Run::

    .venv/bin/python benchmarks/bench_forecasting.py [--series 600] [--naive-subset 20] [--sf-series 600]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import warnings

import numpy as np
import pandas as pd

from alliance_analysis import forecasting

H, N_ORIGINS = 12, 4


def make_series(n_series: int, n_months: int, seed: int = 2014) -> pd.DataFrame:
    """Seeded SYNTHETIC negative-binomial monthly counts with trend and seasonality."""
    rng = np.random.default_rng(seed)
    t = np.arange(n_months)
    level = rng.lognormal(4.5, 1.0, n_series)
    growth = rng.normal(0, 0.05, n_series)
    amp = rng.uniform(0.02, 0.15, n_series)
    mu = level[:, None] * (1 + growth[:, None]) ** (t / 12) * (1 + amp[:, None] * np.cos(2 * np.pi * (t - 6) / 12))
    y = rng.negative_binomial(50, 50 / (50 + mu))
    months = pd.period_range("2010-01", periods=n_months, freq="M")
    return pd.DataFrame({"force": np.repeat([f"F{i // 14:02d}" for i in range(n_series)], n_months),
                         "crime_type": np.repeat([f"T{i % 14:02d}" for i in range(n_series)], n_months),
                         "month": np.tile(months, n_series), "count": y.ravel(), "synthetic": True})


def _scaled_mae(actual: np.ndarray, fc: np.ndarray, train: np.ndarray) -> float:
    return float(np.mean(np.abs(actual - fc)) / np.mean(np.abs(train[12:] - train[:-12])))


def naive_loop(y: np.ndarray, origins: list[int]) -> tuple[float, float, float]:
    """Refit statsmodels models at every origin; return seconds, mean MASE of selected, of Holt-Winters."""
    from statsmodels.tsa.holtwinters import ExponentialSmoothing
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    t0 = time.perf_counter()
    selected, hw_only = [], []
    for series in y:
        scores = []
        for o in origins:
            train, test = series[:o], series[o:o + H]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                hw = ExponentialSmoothing(np.log1p(train), trend="add", seasonal="add", seasonal_periods=12).fit()
                sa = SARIMAX(np.log1p(train), order=(1, 0, 0), seasonal_order=(0, 1, 1, 12), trend="c").fit(disp=False)
            scores.append((_scaled_mae(test, np.expm1(hw.forecast(H)), train),
                           _scaled_mae(test, np.expm1(sa.forecast(H)), train)))
        s = np.array(scores)
        selected.append(s[:, np.argmin(s.mean(axis=0))].mean())
        hw_only.append(s[:, 0].mean())
    return time.perf_counter() - t0, float(np.mean(selected)), float(np.mean(hw_only))


def statsforecast_cv(df: pd.DataFrame, wide: np.ndarray, months: pd.PeriodIndex) -> tuple[float, float] | None:
    try:
        from statsforecast import StatsForecast
        from statsforecast.models import AutoETS
    except ImportError:
        return None
    sf_df = pd.DataFrame({"unique_id": df["force"] + "|" + df["crime_type"],
                          "ds": df["month"].dt.to_timestamp(), "y": df["count"].astype(float)})
    t0 = time.perf_counter()
    cv = StatsForecast(models=[AutoETS(season_length=12)], freq="MS", n_jobs=1).cross_validation(
        df=sf_df, h=H, n_windows=N_ORIGINS, step_size=1)
    seconds = time.perf_counter() - t0
    ids = sorted(sf_df["unique_id"].unique())
    row = {u: i for i, u in enumerate(ids)}
    pos = {p.to_timestamp(): k for k, p in enumerate(months)}
    scores = []
    for (uid, cutoff), g in cv.groupby(["unique_id", "cutoff"]):
        train = wide[row[uid], :pos[cutoff] + 1]
        scores.append((uid, _scaled_mae(g["y"].to_numpy(), np.clip(g["AutoETS"].to_numpy(), 0, None), train)))
    per_series = pd.DataFrame(scores, columns=["id", "mase"]).groupby("id")["mase"].mean()
    return seconds, float(per_series.mean())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--series", type=int, default=600)
    ap.add_argument("--months", type=int, default=120)
    ap.add_argument("--naive-subset", type=int, default=20)
    ap.add_argument("--sf-series", type=int, default=None, help="series for statsforecast (default: all)")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    df = make_series(args.series, args.months)
    tidy = df.drop(columns="synthetic")
    times = {}
    for n_jobs in (1, 2):
        runs = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            res = forecasting.forecast_many(tidy, horizon=H, n_origins=N_ORIGINS, step=1, n_jobs=n_jobs)
            runs.append(time.perf_counter() - t0)
        times[n_jobs] = statistics.median(runs)
    acc = res.accuracy
    sel = acc[acc["selected"]].reset_index(drop=True)
    ets = acc[acc["model"] == "ets"].reset_index(drop=True)
    t_fast = times[1]
    print(f"machine: {os.cpu_count()} cores; {args.series} SYNTHETIC series x {args.months} months, "
          f"{N_ORIGINS} origins, h={H}")
    print(f"fast path forecast_many (models {res.settings['models']}), median of {args.repeats}: "
          f"{times[1]:.2f} s (n_jobs=1), {times[2]:.2f} s (n_jobs=2); target < 60 s: "
          f"{'met' if min(times.values()) < 60 else 'NOT met'}")
    print(f"  mean backtest MASE: selected {sel['mase'].mean():.3f}, ETS alone {ets['mase'].mean():.3f}; "
          f"ETS coverage 80% {ets['coverage_80'].mean():.3f}, 95% {ets['coverage_95'].mean():.3f}")

    wide = tidy.pivot_table(index=["force", "crime_type"], columns="month", values="count").to_numpy(dtype=float)
    origins = [args.months - H - (N_ORIGINS - 1 - i) for i in range(N_ORIGINS)]
    k = min(args.naive_subset, args.series)
    t_sub, naive_sel, naive_hw = naive_loop(wide[:k], origins)
    t_naive = t_sub * args.series / k
    print(f"naive statsmodels loop (Holt-Winters + SARIMAX refit at every origin, select by MASE): {t_sub:.1f} s "
          f"for the first {k} series, scaled linearly to {args.series}: {t_naive:.0f} s")
    print(f"  mean MASE on those {k}: naive selected {naive_sel:.3f}, naive Holt-Winters {naive_hw:.3f}; "
          f"fast selected {sel['mase'][:k].mean():.3f}, fast ETS {ets['mase'][:k].mean():.3f}")
    print(f"  ratio naive / fast (n_jobs=1): {t_naive / t_fast:.0f}x")

    n_sf = args.sf_series or args.series
    sf_ids = sorted((df["force"] + "|" + df["crime_type"]).unique())[:n_sf]
    sub = df[(df["force"] + "|" + df["crime_type"]).isin(sf_ids)]
    out = statsforecast_cv(sub, wide[:n_sf], pd.period_range("2010-01", periods=args.months, freq="M"))
    if out is None:
        print("statsforecast: not installed (not a project dependency); `pip install statsforecast` to compare")
        return
    t_sf, sf_mase = out
    t_sf_all = t_sf * args.series / n_sf
    scaled = f", scaled linearly to {args.series}: {t_sf_all:.0f} s" if n_sf < args.series else ""
    print(f"statsforecast AutoETS cross_validation (n_jobs=1, includes numba compilation): {t_sf:.1f} s for "
          f"{n_sf} series{scaled}")
    print(f"  mean MASE on those {n_sf}: AutoETS {sf_mase:.3f}; fast selected {sel['mase'][:n_sf].mean():.3f}, "
          f"fast ETS {ets['mase'][:n_sf].mean():.3f}")
    print(f"  ratio statsforecast / fast (n_jobs=1): {t_sf_all / t_fast:.0f}x")


if __name__ == "__main__":
    main()
