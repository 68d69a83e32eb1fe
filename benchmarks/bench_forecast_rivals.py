"""statsforecast rivals on the same folds (run by ``bench_forecast_real.py`` in ``.bench-venv``).

statsforecast 2.1.1 pins ``pandas<3`` and the project runs pandas 3.1, so the rivals live in a
separate virtual environment (``python3 -m venv .bench-venv && .bench-venv/bin/pip install
statsforecast==2.1.1 pyarrow``). Input: a parquet of ``unique_id, ds, y`` (series already cut
at the last scored period). Output: one parquet per model with the cross-validation frame,
and one JSON line per model with CPU and wall seconds (the warm-up on four series excluded).

Usage: ``python bench_forecast_rivals.py SRC DST_PREFIX H N_WINDOWS SEASON FREQ MODEL[,MODEL...]``
"""

import json
import resource
import sys
import time
import warnings

import pandas as pd
from statsforecast import StatsForecast
from statsforecast.models import AutoARIMA, AutoETS, AutoTheta, SeasonalNaive


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    c = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime + c.ru_utime + c.ru_stime


def main() -> None:
    src, dst, h, n_windows, season, freq, names = sys.argv[1:8]
    h, n_windows, season = int(h), int(n_windows), int(season)
    df = pd.read_parquet(src)
    make = {"SeasonalNaive": lambda: SeasonalNaive(season_length=season),
            "AutoETS": lambda: AutoETS(season_length=season),
            "AutoARIMA": lambda: AutoARIMA(season_length=season),
            "AutoTheta": lambda: AutoTheta(season_length=season)}
    for name in names.split(","):
        def run(d, name=name):
            sf = StatsForecast(models=[make[name]()], freq=freq, n_jobs=1)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return sf.cross_validation(df=d, h=h, n_windows=n_windows, step_size=1, level=[80, 95])
        warm = df["unique_id"].drop_duplicates().head(4)
        run(df[df["unique_id"].isin(warm)])
        c0, t0 = _cpu(), time.perf_counter()
        cv = run(df)
        wall, cpu = time.perf_counter() - t0, _cpu() - c0
        cv.reset_index(drop=False).to_parquet(f"{dst}.{name}.parquet")
        print(json.dumps({"model": name, "wall": wall, "cpu": cpu}), flush=True)


if __name__ == "__main__":
    main()
