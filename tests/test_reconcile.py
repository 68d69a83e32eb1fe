"""Hierarchies and forecast reconciliation: hand-worked projections, shrinkage and coherence."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alliance_analysis import forecasting as F
from alliance_analysis.errors import DataValidationError, ParameterError

# two bottom series A, B under one total
S2 = np.array([[1, 1], [1, 0], [0, 1]], dtype=float)
BASE = np.array([[10.0], [4.0], [5.0]])
# orthogonal residual columns (Hadamard rows) -> sample covariance = I, all correlations 0
HADAMARD = np.array([[1, 1, 1], [-1, 1, -1], [1, -1, -1], [-1, -1, 1]], dtype=float)


# --------------------------------------------------------------------------- hierarchies

def test_hierarchy_from_mapping_summing_matrix():
    h = F.hierarchy_from_mapping({"Alliance": ["WM", "Wa"], "WM": ["WM|x", "WM|y"], "Wa": ["Wa|x"]})
    assert h.nodes == ("Alliance", "WM", "Wa", "WM|x", "WM|y", "Wa|x")
    assert h.bottom_nodes == ("WM|x", "WM|y", "Wa|x")
    assert h.S.tolist() == [[1, 1, 1], [1, 1, 0], [0, 0, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1]]


@pytest.mark.parametrize(
    "mapping, message",
    [
        pytest.param({"T": ["A", "B"], "U": ["B"]}, "two parents", id="two-parents"),
        pytest.param({"A": ["B"], "B": ["A"]}, "cycle", id="cycle"),
        pytest.param({"T": []}, "no children", id="empty"),
    ],
)
def test_hierarchy_from_mapping_rejects_non_trees(mapping, message):
    with pytest.raises(ParameterError, match=message):
        F.hierarchy_from_mapping(mapping)


def test_build_hierarchy_with_alliance_groups():
    d = pd.DataFrame({"force": ["W", "W", "V", "G"], "crime_type": ["x", "y", "x", "x"]})
    h = F.build_hierarchy(d, groups={"WW": ["W", "V"], "Solo": ["G"]})
    # two alliances -> grand total; forces sorted within the alliance; bottom last
    assert h.nodes[:3] == ("Total|Total|Total", "Solo|Total|Total", "WW|Total|Total")
    assert set(h.bottom_nodes) == {"WW|W|x", "WW|W|y", "WW|V|x", "Solo|G|x"}
    row = dict(zip(h.nodes, h.S))
    assert row["Total|Total|Total"].sum() == 4 and row["WW|Total|Total"].sum() == 3
    assert row["WW|W|Total"].sum() == 2 and row["Solo|G|Total"].sum() == 1
    assert list(h.bottom.columns) == ["node", "alliance", "force", "crime_type"]


def test_build_hierarchy_names_forces_outside_every_group():
    d = pd.DataFrame({"force": ["W", "X"], "crime_type": ["x", "x"]})
    with pytest.raises(DataValidationError, match=r"\['X'\] are in no alliance group"):
        F.build_hierarchy(d, groups={"WW": ["W"]})
    with pytest.raises(DataValidationError, match="not columns"):
        F.build_hierarchy(d)  # no alliance column and no groups


def test_aggregate_hierarchy_sums_by_hand():
    d = pd.DataFrame({"force": ["A", "A", "B", "A", "A", "B"], "crime_type": ["x", "y", "x"] * 2,
                      "month": pd.PeriodIndex(["2020-01"] * 3 + ["2020-02"] * 3, freq="M"),
                      "count": [1, 2, 4, 10, 20, 40]})
    before = d.copy()
    h = F.build_hierarchy(d, ("force", "crime_type"))
    agg = F.aggregate_hierarchy(d, h).set_index(["node", "month"])["count"]
    # January: total 1+2+4 = 7, force A 1+2 = 3; February: 70 and 30
    assert agg[("Total|Total", pd.Period("2020-01", "M"))] == 7
    assert agg[("A|Total", pd.Period("2020-02", "M"))] == 30
    assert agg[("B|x", pd.Period("2020-02", "M"))] == 40
    pd.testing.assert_frame_equal(d, before)


# --------------------------------------------------------------------------- shrinkage covariance

def test_shrinkage_lambda_by_hand():
    # C = E'E/4: c11 = (4+4+1+1)/4 = 2.5, c22 = 1, c12 = (2+2+1+1)/4 = 1.5; r12^2 = 2.25/2.5 = 0.9
    # standardised products w_k = x1 x2 / sqrt(2.5): 2,2,1,1 over 1.5811; sum w^2 = (4+4+1+1)/2.5 = 4,
    # (sum w)^2 / T = (6/sqrt 2.5)^2 / 4 = 3.6 -> Var(r12) = (4 - 3.6) / (4*3) = 1/30
    # lambda = 2 * (1/30) / (2 * 0.9) = 1/27; shrunk c12 = 1.5 * 26/27
    e = np.array([[2.0, 1], [-2, -1], [1, 1], [-1, -1]])
    W, lam = F.shrinkage_covariance(e)
    assert lam == pytest.approx(1 / 27, abs=1e-12)
    assert W[0, 1] == pytest.approx(1.5 * 26 / 27) and W[0, 0] == pytest.approx(2.5) and W[1, 1] == 1.0


def test_shrinkage_is_full_for_uncorrelated_residuals():
    W, lam = F.shrinkage_covariance(HADAMARD * [1, 1, 2])
    assert lam == 1.0 and np.allclose(W, np.diag([1, 1, 4]))


# --------------------------------------------------------------------------- reconciliation by hand

@pytest.mark.parametrize(
    "method, residuals, expected",
    [
        # bottom-up: 4 + 5 = 9
        pytest.param("bottom_up", None, [9.0, 4.0, 5.0], id="bottom-up"),
        # OLS: (S'S)^-1 S'y = 1/3 [[2,-1],[-1,2]] [14, 15] = [13/3, 16/3], total 29/3
        pytest.param("ols", None, [29 / 3, 13 / 3, 16 / 3], id="ols"),
        # MinT with W = I (orthogonal, equal-variance residuals) equals OLS
        pytest.param("mint_shrink", HADAMARD, [29 / 3, 13 / 3, 16 / 3], id="mint-identity"),
        # MinT with W = diag(1, 1, 4): S'W^-1 S = [[2, 1], [1, 1.25]], S'W^-1 y = [14, 11.25],
        # det 1.5 -> A = (1.25*14 - 11.25)/1.5 = 25/6, B = (2*11.25 - 14)/1.5 = 17/3, total 59/6
        pytest.param("mint_shrink", HADAMARD * [1, 1, 2], [59 / 6, 25 / 6, 17 / 3], id="mint-weighted"),
    ],
)
def test_reconcile_matrix_by_hand(method, residuals, expected):
    out = F.reconcile_matrix(BASE, S2, method=method, residuals=residuals)
    assert np.allclose(out.ravel(), expected, atol=1e-12)


@pytest.mark.parametrize("method", ["bottom_up", "ols", "mint_shrink"])
def test_reconciled_forecasts_are_coherent_to_1e8(method):
    rng = np.random.default_rng(11)
    h = F.hierarchy_from_mapping({"All": ["A", "B", "C"], "A": ["A1", "A2", "A3"], "B": ["B1", "B2"],
                                  "C": ["C1", "C2", "C3", "C4"]})
    base = rng.uniform(50, 500, (len(h.nodes), 12))
    res = rng.normal(0, 10, (48, len(h.nodes))) + rng.normal(0, 5, (48, 1))  # correlated errors
    coh = F.reconcile_matrix(base, h.S, method=method, residuals=res if method == "mint_shrink" else None)
    bottom = coh[-h.S.shape[1]:]
    assert np.max(np.abs(h.S @ bottom - coh)) < 1e-8
    if method == "bottom_up":
        assert np.allclose(coh[0], base[-h.S.shape[1]:].sum(axis=0), atol=1e-8)
        assert np.array_equal(bottom, base[-h.S.shape[1]:])


def test_negative_reconciled_bottom_is_set_to_zero_and_stays_coherent():
    # OLS on total 1, bottoms 10 and 0: S'y = [11, 1]; A = (2*11 - 1)/3 = 7, B = (-11 + 2*1)/3 = -3
    # -> B set to 0, coherent total = A = 7
    out = F.reconcile_matrix(np.array([[1.0], [10.0], [0.0]]), S2, method="ols")
    assert out.ravel().tolist() == pytest.approx([7.0, 7.0, 0.0])
    raw = F.reconcile_matrix(np.array([[1.0], [10.0], [0.0]]), S2, method="ols", nonnegative=False)
    assert raw.ravel()[2] == pytest.approx(-3.0)


def test_reconcile_matrix_errors():
    with pytest.raises(ParameterError, match="one column per node"):
        F.reconcile_matrix(BASE, S2, method="mint_shrink")
    with pytest.raises(ParameterError, match="use 'bottom_up'"):
        F.reconcile_matrix(BASE, S2, method="topdown")
    with pytest.raises(ParameterError, match="shape"):
        F.reconcile_matrix(BASE[:2], S2)


# --------------------------------------------------------------------------- frame API

def test_reconcile_frame_with_mapping_and_residual_frame():
    f = pd.DataFrame({"node": ["T", "A", "B"] * 2, "month": pd.PeriodIndex(["2021-01"] * 3 + ["2021-02"] * 3, freq="M"),
                      "mean": [10.0, 4.0, 5.0, 20.0, 8.0, 10.0]})
    before = f.copy()
    res = pd.DataFrame(HADAMARD, columns=["T", "A", "B"])
    out = F.reconcile(f, {"T": ["A", "B"]}, method="mint_shrink", residuals=res)
    jan = out[out["month"] == pd.Period("2021-01", "M")].set_index("node")["coherent"]
    assert np.allclose(jan[["T", "A", "B"]], [29 / 3, 13 / 3, 16 / 3])
    feb = out[out["month"] == pd.Period("2021-02", "M")].set_index("node")
    assert feb.loc["T", "base"] == 20 and feb.loc["T", "coherent"] == pytest.approx(58 / 3)  # linear in base
    pd.testing.assert_frame_equal(f, before)


def test_reconcile_frame_reports_missing_nodes():
    f = pd.DataFrame({"node": ["A"], "month": pd.Period("2021-01", "M"), "mean": [1.0]})
    with pytest.raises(DataValidationError, match=r"no base forecasts for nodes \['B'\]"):
        F.reconcile(f, {"T": ["A", "B"]})
    with pytest.raises(DataValidationError, match="no column for nodes"):
        F.reconcile(pd.concat([f, f.assign(node="T")]), {"T": ["A"]}, method="mint_shrink",
                    residuals=pd.DataFrame({"T": [1.0, 2.0]}))


@pytest.fixture(scope="module")
def alliance_result():
    rng = np.random.default_rng(4)
    months = pd.period_range("2012-01", periods=60, freq="M")
    rows = []
    for force, scale in (("Warwickshire", 1.0), ("West Mercia", 2.5)):
        for ct, lvl in (("Burglary", 120), ("Drugs", 40), ("Shoplifting", 80)):
            mu = scale * lvl * (1 + 0.15 * np.sin(2 * np.pi * np.arange(60) / 12))
            rows.append(pd.DataFrame({"force": force, "crime_type": ct, "month": months, "count": rng.poisson(mu)}))
    return F.forecast_many(pd.concat(rows, ignore_index=True), horizon=6, n_origins=3)


@pytest.mark.parametrize("method", ["bottom_up", "mint_shrink"])
def test_reconcile_forecasts_crime_types_add_to_forces_and_forces_to_alliance(alliance_result, method):
    history = alliance_result.history.copy()
    out = F.reconcile_forecasts(alliance_result, ["force", "crime_type"], groups={"WW": ["Warwickshire", "West Mercia"]},
                                method=method)
    pd.testing.assert_frame_equal(alliance_result.history, history)
    w = out.pivot(index="node", columns="month", values="coherent")
    for force in ("Warwickshire", "West Mercia"):
        parts = w.loc[[f"WW|{force}|{ct}" for ct in ("Burglary", "Drugs", "Shoplifting")]].sum()
        assert np.max(np.abs(w.loc[f"WW|{force}|Total"] - parts)) < 1e-8
    forces = w.loc["WW|Warwickshire|Total"] + w.loc["WW|West Mercia|Total"]
    assert np.max(np.abs(w.loc["WW|Total|Total"] - forces)) < 1e-8
    assert (w.to_numpy() >= 0).all() and len(w) == 1 + 2 + 6  # one alliance: no separate grand total
    if method == "bottom_up":
        bottom = out[out["node"].str.count("Total") == 0]
        assert np.allclose(bottom["coherent"], bottom["base"])
    else:  # MinT moves the totals towards the (better-measured) aggregate forecasts
        assert not np.allclose(out["coherent"], out["base"])


def test_reconcile_forecasts_on_quarterly_quarter_column():
    # two forces, quarterly, time column named 'quarter': totals stay coherent and keep the name
    q = pd.period_range("2012Q2", periods=40, freq="Q")
    rng = np.random.default_rng(3)
    d = pd.DataFrame({"force": np.repeat(["A", "B"], 40), "crime_type": "Burglary", "quarter": np.tile(q, 2),
                      "count": rng.poisson(np.tile(100 + 10 * np.cos(np.arange(40) * np.pi / 2), 2))})
    r = F.forecast_many(d, horizon=4, n_origins=2)
    out = F.reconcile_forecasts(r, ["force", "crime_type"], method="mint_shrink")
    assert "quarter" in out.columns and str(out["quarter"].min()) == "2022Q2"
    w = out.pivot(index="node", columns="quarter", values="coherent")
    assert np.allclose(w.loc["Total|Total"], w.loc["A|Burglary"] + w.loc["B|Burglary"])


def test_reconcile_forecasts_on_frames_straight_from_the_default_series():
    # issue 17: load_crime_series("default") puts frames in attrs ("adjustments", "negative"); pandas
    # >= 3.1 compares attrs on merge/concat, which raised "The truth value of a DataFrame is ambiguous"
    from alliance_analysis.series.sources import load_crime_series

    s = load_crime_series("default", forces=["Warwickshire", "West Mercia"])
    d = s.data[s.data["offence_group"].isin(["Burglary", "Robbery", "Drug offences"])]
    assert any(isinstance(v, pd.DataFrame) for v in d.attrs.values())  # the condition that used to fail
    before = {k: (v.copy() if isinstance(v, pd.DataFrame) else v) for k, v in d.attrs.items()}
    r = F.forecast_many(d, keys=("force", "offence_group"), horizon=4, n_origins=4)
    out = F.reconcile_forecasts(r, ["force", "offence_group"], groups={"WW": ["Warwickshire", "West Mercia"]})
    w = out.pivot(index="node", columns="quarter", values="coherent")
    assert len(w) == 1 + 2 + 6 and [str(q) for q in w.columns] == ["2023Q3", "2023Q4", "2024Q1", "2024Q2"]
    for force in ("Warwickshire", "West Mercia"):
        parts = w.loc[[f"WW|{force}|{g}" for g in ("Burglary", "Drug offences", "Robbery")]].sum()
        assert np.max(np.abs(w.loc[f"WW|{force}|Total"] - parts)) < 1e-8
    assert np.max(np.abs(w.loc["WW|Total|Total"] - w.loc["WW|Warwickshire|Total"] - w.loc["WW|West Mercia|Total"])
                  ) < 1e-8
    for k, v in before.items():  # the caller's attrs are left as they were
        if isinstance(v, pd.DataFrame):
            pd.testing.assert_frame_equal(d.attrs[k], v)
        else:
            assert d.attrs[k] == v
