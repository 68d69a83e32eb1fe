"""Forecasting benchmark: 600 monthly series x 120 months, 4 origins, horizon 12.

Fast path: alliance_analysis.forecasting.forecast_many (vectorised ETS + baselines,
backtest selection). Baseline ("naive"): refit statsmodels models (Holt-Winters
ExponentialSmoothing and SARIMAX(1,0,0)(0,1,1)) for every series at every origin in a
plain loop; timed on a subset and scaled linearly (said in the output). Where statsforecast
is installed, StatsForecast(AutoETS).cross_validation on the same series is timed too.
Series are SYNTHETIC (seeded negative binomial with trend and seasonality).

Run: .venv/bin/python benchmarks/bench_forecasting.py [--series 600] [--naive-subset 20]
"""

from __future__ import annotations

import argparse
import os
import time
import warnings

import numpy as np
import pandas as pd

from alliance_analysis import forecasting


def make_series(n_series: int, n_months: int, seed: int = 2014) -> pd.DataFrame:
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


def naive_loop(y: np.ndarray, horizon: int, origins: list[int]) -> tuple[float, float]:
    from statsmodels.tsa.holtwinters import ExponentialSmoothing
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    t0 = time.perf_counter()
    scores = []
    for series in y:
        best = []
        for o in origins:
            train, test = series[:o], series[o:o + horizon]
            scale = np.mean(np.abs(train[12:] - train[:-12]))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                hw = ExponentialSmoothing(np.log1p(train), trend="add", seasonal="add", seasonal_periods=12).fit()
                f1 = np.expm1(hw.forecast(horizon))
                sa = SARIMAX(np.log1p(train), order=(1, 0, 0), seasonal_order=(0, 1, 1, 12), trend="c").fit(disp=False)
                f2 = np.expm1(sa.forecast(horizon))
            best.append((np.mean(np.abs(test - f1)) / scale, np.mean(np.abs(test - f2)) / scale))
        b = np.array(best)
        scores.append(b[:, np.argmin(b.mean(axis=0))].mean())  # select by backtest MASE, like the fast path
    return time.perf_counter() - t0, float(np.mean(scores))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--series", type=int, default=600)
    ap.add_argument("--months", type=int, default=120)
    ap.add_argument("--naive-subset", type=int, default=20)
    args = ap.parse_args()
    df = make_series(args.series, args.months)
    t0 = time.perf_counter()
    res = forecasting.forecast_many(df.drop(columns="synthetic"), horizon=12, n_origins=4, step=1)
    t_fast = time.perf_counter() - t0
    sel = res.accuracy[res.accuracy["selected"]]
    print(f"machine: {os.cpu_count()} cores; {args.series} SYNTHETIC series x {args.months} months, 4 origins, h=12")
    print(f"  fast path (forecast_many, models {res.settings['models']}): {t_fast:.2f} s, "
          f"mean MASE of selected {sel['mase'].mean():.3f}; target < 60 s: {'met' if t_fast < 60 else 'NOT met'}")
    k = min(args.naive_subset, args.series)
    wide = df.pivot_table(index=["force", "crime_type"], columns="month", values="count").to_numpy(dtype=float)
    origins = [args.months - 12 - (3 - i) for i in range(4)]
    t_sub, mase_naive = naive_loop(wide[:k], 12, origins)
    t_naive = t_sub * args.series / k
    sub_fast = sel.iloc[:k]["mase"].mean()
    print(f"  naive statsmodels loop (Holt-Winters + SARIMAX refit at every origin): {t_sub:.1f} s for {k} series, "
          f"scaled to {args.series}: {t_naive:.0f} s; mean MASE {mase_naive:.3f} (fast path on the same {k}: {sub_fast:.3f})")
    print(f"  ratio naive / fast: {t_naive / t_fast:.0f}x")
    try:
        from statsforecast import StatsForecast
        from statsforecast.models import AutoETS
    except ImportError:
        print("  statsforecast: not installed (not a project dependency); `pip install statsforecast` to compare")
        return
    sf_df = pd.DataFrame({"unique_id": df["force"] + "|" + df["crime_type"],
                          "ds": df["month"].dt.to_timestamp(), "y": df["count"].astype(float)})
    t0 = time.perf_counter()
    cv = StatsForecast(models=[AutoETS(season_length=12)], freq="MS").cross_validation(df=sf_df, h=12, n_windows=4,
                                                                                       step_size=1)
    t_sf = time.perf_counter() - t0
    print(f"  statsforecast AutoETS cross_validation: {t_sf:.1f} s; ratio statsforecast / fast: {t_sf / t_fast:.1f}x")


if __name__ == "__main__":
    main()
