"""Synthetic difference-in-differences against its published Proposition 99 result.

Arkhangelsky, Athey, Hirshberg, Imbens and Wager (2021), 'Synthetic Difference-in-Differences',
American Economic Review 111(12), Table 1 (California, 1989-2000, packs per capita): SDID -15.6
(standard error 8.4), DID -27.3 (17.7). Fixture: tests/fixtures/california_prop99.csv (the same
39-state panel). Tolerances: the estimates to 0.1 pack (the paper rounds to 0.1); the placebo
standard error to 1.5 packs (the paper draws placebo treated states at random; ours uses every
control state once).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alliance_analysis.errors import ParameterError
from alliance_analysis.evaluation import sdid


@pytest.fixture(scope="module")
def panel():
    path = Path(__file__).parent / "fixtures" / "california_prop99.csv"
    with open(path, newline="") as fh:
        rows = [r for r in csv.reader(fh) if r and not r[0].startswith("#")]
    w = pd.DataFrame([[float(x) for x in r] for r in rows[1:]], columns=rows[0]).astype({"Year": int}).set_index("Year")
    controls = w.drop(columns="California")
    return w["California"].to_numpy(), controls.T.to_numpy(), int((w.index < 1989).sum()), list(controls.columns)


def test_prop99_matches_the_published_estimates(panel):
    y, Y0, t0, _ = panel
    r = sdid.synthetic_did(y, Y0, t0)
    assert r.effect == pytest.approx(-15.6, abs=0.1)
    assert r.did == pytest.approx(-27.3, abs=0.1)
    # DID recomputed by hand: California's change less the 38 states' average change
    hand = (y[t0:].mean() - y[:t0].mean()) - (Y0[:, t0:].mean() - Y0[:, :t0].mean())
    assert r.did == pytest.approx(hand)
    assert sdid.placebo_se(Y0, t0) == pytest.approx(8.4, abs=1.5)


def test_weights_are_simplex_and_time_weights_sit_on_the_last_pre_years(panel):
    y, Y0, t0, _ = panel
    r = sdid.synthetic_did(y, Y0, t0)
    for w in (r.unit_weights, r.time_weights):
        assert w.sum() == pytest.approx(1) and (w >= -1e-12).all()
    years = np.arange(1970, 1970 + t0)
    assert set(years[r.time_weights > 0.05]) <= {1986, 1987, 1988}    # paper, figure 1: mostly 1986-88
    assert (r.unit_weights > 0).sum() > 10                            # regularised: spread over many states


def test_a_known_step_on_parallel_paths_is_recovered():
    rng = np.random.default_rng(5)
    Y0 = 100 + rng.normal(0, 1, (25, 20)).cumsum(axis=1)
    y = Y0[:5].mean(axis=0) + 3.0
    y[14:] += 7.0
    assert sdid.synthetic_did(y, Y0, 14).effect == pytest.approx(7.0, abs=1.0)


@pytest.mark.parametrize(("t0", "match"), [
    pytest.param(1, "two periods before", id="too-early"),
    pytest.param(20, "two periods before", id="too-late"),
])
def test_impossible_change_dates_are_refused(t0, match):
    with pytest.raises(ParameterError, match=match):
        sdid.synthetic_did(np.ones(20), np.ones((5, 20)), t0)
