"""Reproduce California's Proposition 99 (Abadie, Diamond & Hainmueller 2010) on CausalPy's panel.

Fixture: tests/fixtures/california_prop99.csv (39 states x 1970-2000 cigarette sales per
capita, packs; Apache-2.0, CausalPy authors; data from ADH 2010). ADH match on predictors
(income, price, beer, age 15-24 and three lagged sales) that this panel does not carry;
the levels estimator here matches on all 19 pre-period years (V = identity). Expected:

- weights concentrated on the ADH donors Utah, Nevada, Montana, Colorado and Connecticut
  (ADH: 0.334, 0.234, 0.199, 0.164, 0.069): we require >= 0.90 of the weight on them;
- 2000 gap near -26 packs per capita (ADH figure 3): tolerance +-3 packs;
- post/pre RMSPE ratio against the 38 placebos: ADH rank 1 of 39 with their predictor
  fit; with outcome-only weights two placebos with tiny pre-period errors (Missouri 0.44,
  Virginia 0.82 packs) rank above California, so we require rank <= 3 (p <= 3/39).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import minimize

from alliance_analysis import evaluation as E
ADH_DONORS = ["Utah", "Nevada", "Montana", "Colorado", "Connecticut"]


def _fixture_path() -> Path:
    return Path(__file__).parent / "fixtures" / "california_prop99.csv"


@pytest.fixture(scope="module")
def wide() -> pd.DataFrame:
    with open(_fixture_path(), newline="") as fh:
        rows = [r for r in csv.reader(fh) if r and not r[0].startswith("#")]
    header, body = rows[0], rows[1:]
    return pd.DataFrame([[float(x) for x in r] for r in body], columns=header).astype({"Year": int})


@pytest.fixture(scope="module")
def result(wide):
    long = wide.melt(id_vars="Year", var_name="force", value_name="count")
    long["period"] = pd.PeriodIndex(long["Year"].astype(str), freq="Y")
    donors = [c for c in wide.columns if c not in ("Year", "California")]
    return E.synthetic_control(long.drop(columns="Year"), "California", donors, "1989")


def test_fixture_is_the_39_state_panel(wide):
    assert wide.shape == (31, 40) and wide["Year"].min() == 1970 and wide["Year"].max() == 2000


def test_weights_concentrate_on_the_adh_donors(result):
    w = result.weights
    assert w.sum() == pytest.approx(1) and (w >= 0).all()
    assert w[ADH_DONORS].sum() >= 0.90
    assert set(w.sort_values(ascending=False).index[:4]) == {"Utah", "Nevada", "Montana", "Connecticut"}
    assert result.method == "levels" and result.converged


def test_weights_are_the_least_squares_optimum(wide, result):
    # independent solve: SLSQP from the uniform start with numerical gradients, tight tolerance
    pre = wide["Year"] < 1989
    donors = list(result.weights.index)
    A, b = wide.loc[pre, donors].to_numpy(), wide.loc[pre, "California"].to_numpy()
    k = len(donors)
    ref = minimize(lambda w: np.sum((A @ w - b) ** 2), np.full(k, 1 / k), method="SLSQP", bounds=[(0, 1)] * k,
                   constraints=[{"type": "eq", "fun": lambda w: w.sum() - 1}], options={"maxiter": 2000, "ftol": 1e-14})
    ours = np.sum((A @ result.weights.to_numpy() - b) ** 2)
    assert ours <= ref.fun * (1 + 1e-6)
    # the pre-period RMSPE is in packs per capita, recomputed here
    assert result.pre_rmspe == pytest.approx(np.sqrt(ours / pre.sum()))
    assert result.pre_rmspe_pct == pytest.approx(result.pre_rmspe / b.mean())


def test_gap_in_2000_is_near_minus_26_packs(wide, result):
    gap_2000 = result.path.loc[result.path["period"] == pd.Period("2000", "Y"), "gap"].item()
    synth_2000 = (wide.loc[wide["Year"] == 2000, result.weights.index].to_numpy() @ result.weights.to_numpy()).item()
    assert gap_2000 == pytest.approx(41.6 - synth_2000, abs=1e-4)  # California sold 41.6 packs per capita in 2000
    assert gap_2000 == pytest.approx(-26, abs=3)


def test_california_ranks_against_38_placebos(result):
    pl = result.placebos
    assert len(pl) == 39 and pl["treated"].sum() == 1
    ca = pl.loc[pl["treated"], "ratio"].item()
    rank = int((pl["ratio"] >= ca).sum())  # independent count
    assert rank == result.rank <= 3
    assert result.p_value == pytest.approx(rank / 39) and result.p_value <= 0.1
    assert "rank 3 of 39" in repr(result) or f"rank {rank} of 39" in repr(result)


def test_scaled_variant_is_named_and_reports_rmspe_both_ways(wide):
    long = wide.melt(id_vars="Year", var_name="force", value_name="count")
    long["period"] = pd.PeriodIndex(long["Year"].astype(str), freq="Y")
    donors = [c for c in wide.columns if c not in ("Year", "California")]
    r = E.synthetic_control(long.drop(columns="Year"), "California", donors, "1989", method="scaled")
    assert r.method == "scaled" and "method='scaled'" in repr(r)
    pre_mean = wide.loc[wide["Year"] < 1989, "California"].mean()
    assert r.pre_rmspe_pct == pytest.approx(r.pre_rmspe / pre_mean)
    assert -0.35 < r.effect < -0.15  # both variants find a large fall
