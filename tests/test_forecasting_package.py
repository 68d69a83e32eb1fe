"""The forecasting package layout: every name of the former single module still importable,
picklable Dask tasks, and the column-wise join of chunk frames equal to ``pd.concat``."""

from __future__ import annotations

import importlib
import pickle

import numpy as np
import pandas as pd
import pytest

from alliance_analysis import forecasting as F
from alliance_analysis.forecasting import core

# the top-level names of alliance_analysis/forecasting.py before the split (written out by hand)
OLD_NAMES = [
    "MODELS", "DEFAULT_MODELS", "INTERMITTENT_MODELS", "FALLBACK_CHAIN", "EXPLODE_MEAN", "EXPLODE_BOUND",
    "TIME_COLUMNS", "CALIB_SERIES", "CALIB_MIN", "CALIB_PER_STEP", "INTERMITTENT_SHARE", "mase", "smape",
    "interval_coverage", "season_length_of", "time_column", "_to_matrix", "_wide_input", "min_length", "_snaive",
    "_drift", "_baseline", "_empty", "_sm_ets", "_sm_sarima", "_forecast_origin", "_guard", "ETS_BLOCK",
    "_ets_states", "_run_block", "_spread", "conformal_quantiles", "_scores", "_apply_calibration", "_calibrate",
    "_Config", "_block_scores", "_quantiles", "_fmt", "_process_chunk", "_process_item", "_map",
    "_bytes_per_series", "ForecastResult", "forecast_many", "Hierarchy", "hierarchy_from_mapping",
    "build_hierarchy", "aggregate_hierarchy", "shrinkage_covariance", "reconcile_matrix", "reconcile",
    "reconcile_forecasts", "_ets", "_sarima", "_intermittent", "normal_bounds",
]


@pytest.mark.parametrize("name", [pytest.param(n, id=n) for n in OLD_NAMES])
def test_old_module_names_still_importable(name):
    assert hasattr(F, name)


def test_reconcile_is_the_function_not_a_module():
    assert callable(F.reconcile) and F.reconcile.__name__ == "reconcile"
    assert importlib.import_module("alliance_analysis.forecasting.hierarchy").reconcile is F.reconcile


@pytest.mark.parametrize("sub", [pytest.param(s, id=s) for s in
                                 ("metrics", "inputs", "models", "backtest", "core", "hierarchy")])
def test_every_module_has_a_docstring(sub):
    mod = importlib.import_module(f"alliance_analysis.forecasting.{sub}")
    assert mod.__doc__ and len(mod.__doc__.split()) >= 20


def test_dask_task_pickles_by_reference():
    # pickled by module path and name, not by value: a worker can import it
    blob = pickle.dumps(F._process_item)
    assert b"alliance_analysis.forecasting.backtest" in blob and pickle.loads(blob) is F._process_item


def _parts() -> list[pd.DataFrame]:
    months = pd.period_range("2020-01", periods=3, freq="M")
    return [pd.DataFrame({"force": ["A", "A", "B"], "month": months, "model": ["ets", "sba", "ets"],
                          "mean": [1.0, 2.0, 3.0], "n": [1, 2, 3], "ok": [True, False, True]}, copy=False),
            pd.DataFrame({"force": ["C"], "month": months[:1], "model": ["drift"], "mean": [4.5], "n": [4],
                          "ok": [False]}, copy=False)]


@pytest.mark.parametrize("make", [
    pytest.param(_parts, id="mixed-dtypes"),
    pytest.param(lambda: _parts()[:1], id="one-part"),
    pytest.param(lambda: [_parts()[0], _parts()[1].rename(columns={"n": "m"})], id="different-columns"),
    pytest.param(lambda: [p.astype({"force": "category"}) for p in _parts()], id="categorical-key"),
])
def test_join_equals_concat(make):
    expected = pd.concat(make(), ignore_index=True)
    got = core._join(make())
    pd.testing.assert_frame_equal(got, expected, check_exact=True)


def test_join_empties_the_parts():
    parts = _parts()
    out = core._join(parts)
    assert len(out) == 4 and all(p.shape[1] == 0 for p in parts)
    assert out["mean"].tolist() == [1.0, 2.0, 3.0, 4.5]


def test_chunked_equals_unchunked_selected_with_string_keys():
    rng = np.random.default_rng(5)
    months = pd.period_range("2016-01", periods=48, freq="M")
    d = pd.DataFrame({"force": np.repeat([f"F{i}" for i in range(45)], 48), "crime_type": "Drugs",
                      "month": np.tile(months, 45), "count": rng.poisson(30, 45 * 48).astype(float)})
    whole = F.forecast_many(d, horizon=3, n_origins=2, keep="selected")
    parts = F.forecast_many(d, horizon=3, n_origins=2, keep="selected", memory_budget_mb=0.01)
    assert whole.settings["n_chunks"] == 1 and parts.settings["n_chunks"] == 3  # 20-series floor: 20, 20, 5
    for name in ("forecasts", "accuracy", "selected", "fallbacks"):
        pd.testing.assert_frame_equal(getattr(whole, name), getattr(parts, name), check_exact=True)
