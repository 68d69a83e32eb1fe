"""Calibrated coverage and nested accuracy on real public series (skips without ../shared/data).

Home Office PRC open data tables (quarterly, force x offence group, summed with plain pandas)
and the Gloucestershire police.uk months (force x crime type, via the package loader).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alliance_analysis import forecasting as F


@pytest.fixture(scope="module")
def home_office_quarterly():
    from alliance_analysis import paths

    if not paths.shared_data_available():
        pytest.skip("real public reference data not found")
    raw = pd.read_csv(paths.SHARED_DATA_DIR / "home_office" / "prc-pfa-mar2013-onwards-tables-191023.csv.gz",
                      usecols=["Financial Year", "Financial Quarter", "Force Name", "Offence Group",
                               "Number of Offences"])
    start = raw["Financial Year"].str[:4].astype(int)
    fq = raw["Financial Quarter"].astype(int)
    # financial quarter 1 is April-June: calendar quarter fq + 1 of the start year, Q4 is Jan-Mar next year
    quarter = pd.PeriodIndex.from_fields(year=start + (fq == 4), quarter=fq % 4 + 1, freq="Q")
    d = (raw.assign(quarter=quarter).groupby(["Force Name", "Offence Group", "quarter"], as_index=False)
         ["Number of Offences"].sum())
    d.columns = ["force", "offence_group", "quarter", "count"]
    complete = d.groupby(["force", "offence_group"])["quarter"].transform("size") == d["quarter"].nunique()
    return d[complete].reset_index(drop=True)


@pytest.mark.shared_data
def test_home_office_quarterly_coverage_within_5_points(home_office_quarterly):
    d = home_office_quarterly
    assert str(d["quarter"].min()) == "2012Q2" and str(d["quarter"].max()) == "2023Q2"
    r = F.forecast_many(d, keys=("force", "offence_group"), horizon=4, n_origins=4, keep="all")
    assert r.settings["season_length"] == 4 and r.settings["time"] == "quarter"
    sel = r.accuracy[r.accuracy["selected"]]
    assert len(sel) == d.groupby(["force", "offence_group"]).ngroups >= 300
    # hold-out coverage of the selected models, recounted from the backtest rows
    bt = r.backtest.merge(r.selected[["force", "offence_group", "model"]])
    hold = bt[bt["origin"].isin(sorted(bt["origin"].unique())[2:])]
    for lv in (80, 95):
        cov = ((hold["actual"] >= hold[f"lo_{lv}"]) & (hold["actual"] <= hold[f"hi_{lv}"])).mean()
        assert abs(cov - lv / 100) <= 0.05, (lv, cov)
        assert cov == pytest.approx(sel[f"coverage_{lv}"].mean())
    assert np.isfinite(sel["accuracy_holdout"]).all()


@pytest.mark.shared_data
def test_gloucestershire_monthly_coverage_within_5_points(shared_data):
    from alliance_analysis.datasets import police_uk

    g = police_uk.load_street_archive(shared_data / "police_uk" / "gloucestershire")
    r = F.forecast_many(g, keys=("force", "crime_type"), horizon=6, n_origins=4)
    sel = r.accuracy[r.accuracy["selected"]]
    for lv in (80, 95):
        assert abs(sel[f"coverage_{lv}"].mean() - lv / 100) <= 0.05
    # 35 months: first origin 26 >= 24 (ETS, Theta, their combination), < 32 (SARIMA): SARIMA fits
    # the whole series but is scored nowhere, never copied from ETS
    assert len(r.skipped) == 0 and r.settings["partly_backtested"] == {"sarima": 32}
    assert "sarima" not in set(r.backtest["model"]) and (r.selected["model"] == "combo").all()


# --------------------------------------------------------------------------- issue 17: the shipped default series
# (data/raw: no ../shared/data needed). Scored origins: the package sees only the data up to
# each origin (its selection and interval calibration run on earlier origins inside that
# stretch), so the 8 held-out quarters are origins selection never saw. Training ends 2017 Q1
# and 2018 Q1: both hold-outs end before the 2020 lockdowns and after the 2014-16 uplift began.

HOLD = 8
UNSEEN = ("2017Q1", "2018Q1")


@pytest.fixture(scope="module")
def default_wide():
    from alliance_analysis.series.sources import load_crime_series

    d = load_crime_series("default").data
    w = d.pivot_table(index=["force", "offence_group"], columns="quarter", values="count", aggfunc="sum")
    assert w.notna().all().all() and w.shape == (473, 69)  # 43 forces x 11 groups, 2006 Q2 .. 2023 Q2
    return w


def _package_at(w: pd.DataFrame, end: str) -> tuple[int, dict[str, np.ndarray]]:
    from alliance_analysis import taxonomy

    o = [str(c) for c in w.columns].index(end) + 1
    r = F.forecast_many(w.iloc[:, :o], horizon=HOLD, breaks=taxonomy.data_breaks())  # defaults otherwise
    assert (r.selected["model"] == "combo").all() and len(r.forecasts) == len(w) * HOLD
    return o, {k: r.forecasts[k].to_numpy().reshape(len(w), HOLD) for k in ("mean", "lo_80", "hi_80", "lo_95",
                                                                          "hi_95")}


def _pooled_mase(Y: np.ndarray, o: int, f: np.ndarray) -> float:
    """Sum over series of the hold-out MAE over the sum of the in-sample seasonal-naive (lag 4) MAEs."""
    scale = np.abs(Y[:, 4:o] - Y[:, :o - 4]).mean(axis=1).sum()
    return float(np.abs(Y[:, o:o + HOLD] - f).mean(axis=1).sum() / scale)


def _holt_winters_log(train: np.ndarray) -> np.ndarray:
    """statsmodels Holt-Winters, damped additive trend and additive season on log counts (ETS(A,Ad,A))."""
    import warnings

    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    out = []
    for y in train:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = ExponentialSmoothing(np.log(y), trend="add", damped_trend=True, seasonal="add",
                                       seasonal_periods=4).fit()
        out.append(np.exp(fit.forecast(HOLD)))
    return np.array(out)


def test_force_totals_on_unseen_origins_beat_seasonal_naive_and_match_statsmodels_ets(default_wide):
    # Margin against the rival: the mean pooled MASE over the two origins may exceed statsmodels'
    # damped Holt-Winters by at most 10%. Why 10%: both origins follow the end of the declared
    # 2014-16 recording change, so the whole-history models run as they did before it entered
    # the models, when the benchmark (bench_forecast_real.py, 17 origins) scored the force totals
    # 1.834 against AutoETS's 1.715, a gap of 7%; two origins add noise. (With the change in the
    # models the 17 origins score 1.485; origins within it are tested below.)
    ft = default_wide.groupby(level="force").sum()
    Y = ft.to_numpy(float)
    pkg, snaive, rival = [], [], []
    for end in UNSEEN:
        o, f = _package_at(ft, end)
        pkg.append(_pooled_mase(Y, o, f["mean"]))
        snaive.append(_pooled_mase(Y, o, np.tile(Y[:, o - 4:o], 2)))  # last year's quarters, twice
        rival.append(_pooled_mase(Y, o, _holt_winters_log(Y[:, :o])))
    assert all(p < s for p, s in zip(pkg, snaive)), (pkg, snaive)
    assert np.mean(pkg) <= 1.10 * np.mean(rival), (pkg, rival)


def test_force_totals_within_the_recording_change_beat_statsmodels_ets_by_a_tenth(default_wide):
    # Training ends 2015 Q4 and 2016 Q2: the declared 2014-16 recording change is in force, with
    # more than a season of data since it began (2014 Q1), so level and trend come from that
    # data and the season from the whole history. The 8 held-out quarters (to 2017 Q4 and 2018
    # Q2) were never seen. Margin: at least 10% below statsmodels' damped Holt-Winters fitted on
    # the same data (the benchmark's eight origins inside the change, 2015 Q1 .. 2016 Q4, average
    # 1.60 against AutoETS's 2.06, 22% lower), and below seasonal naive at each origin.
    ft = default_wide.groupby(level="force").sum()
    Y = ft.to_numpy(float)
    pkg, rival = [], []
    for end in ("2015Q4", "2016Q2"):
        o, f = _package_at(ft, end)
        pkg.append(_pooled_mase(Y, o, f["mean"]))
        rival.append(_pooled_mase(Y, o, _holt_winters_log(Y[:, :o])))
        assert pkg[-1] < _pooled_mase(Y, o, np.tile(Y[:, o - 4:o], 2))
    assert np.mean(pkg) <= 0.9 * np.mean(rival), (pkg, rival)


def test_force_by_offence_group_unseen_origins_accuracy_and_hold_out_coverage(default_wide):
    # 473 series. Seasonal naive by hand at the two unseen origins. Hold-out coverage pooled over
    # four origins a year apart (training to 2015 Q1 .. 2018 Q1: the first two forecast into the
    # 2014-16 recording uplift, the last two calm years; 473 x 8 x 4 = 15,136 forecasts): 80%
    # intervals within 7.5 points of nominal and 95% within 5. Why not 5 points at every
    # origin: a shared shock moves every series' errors at once, so one origin's coverage is one
    # correlated draw; calibrated on past errors, the intervals are too narrow going into the
    # uplift and wide after it (bench_forecast_real.py prints coverage at all 17 origins).
    Y = default_wide.to_numpy(float)
    inside = {80: [], 95: []}
    for end in ("2015Q1", "2016Q1", *UNSEEN):
        o, f = _package_at(default_wide, end)
        act = Y[:, o:o + HOLD]
        if end in UNSEEN:
            assert _pooled_mase(Y, o, f["mean"]) < _pooled_mase(Y, o, np.tile(Y[:, o - 4:o], 2))
        for lv in inside:
            inside[lv].append((act >= f[f"lo_{lv}"]) & (act <= f[f"hi_{lv}"]))
    cov80, cov95 = np.mean(inside[80]), np.mean(inside[95])
    assert abs(cov80 - 0.80) <= 0.075, cov80
    assert abs(cov95 - 0.95) <= 0.05, cov95


@pytest.mark.shared_data
def test_thirty_police_uk_months_run_ets_with_a_season_and_theta(shared_data):
    # A police.uk Gloucestershire archive cut to 30 months (2022-02 .. 2024-07): two full seasons
    # (24) are enough for exponential smoothing and Theta, as for a standard library; the seasonal
    # ARIMA needs 2m + 8 = 32 and is skipped with its reason, never copied from another model.
    from alliance_analysis.datasets import police_uk

    g = police_uk.load_street_archive(shared_data / "police_uk" / "gloucestershire")
    g = g[g["month"] <= g["month"].min() + 29]
    assert g["month"].nunique() == 30
    r = F.forecast_many(g, keys=("force", "crime_type"), horizon=6, keep="all")
    n = g["crime_type"].nunique()
    assert set(r.skipped["model"]) == {"sarima"} and "32" in r.skipped["reason"].iloc[0]
    runs = r.forecasts.groupby("model")["crime_type"].nunique()
    assert runs["ets"] == runs["theta"] == runs["combo"] == n == 14
    assert (r.selected["model"] == "combo").all()
    # ETS scored at every origin with 24+ training months: 30 - 6 = 24 is the last origin
    assert set(r.backtest.loc[r.backtest["model"] == "ets", "origin"]) == {"2024-02"}
    # the seasonality test worked by hand on the whole 30 months (log1p counts): the lag-12
    # autocorrelation above 1.645 sqrt((1 + 2 sum_{k<12} r_k^2) / n), as forecast::thetaf does.
    # Series that pass get a seasonal ETS (the forecast rises and falls with last year's months);
    # the others a damped trend (forecasts move one way only).
    w = g.pivot_table(index="crime_type", columns="month", values="count")
    f = r.forecasts[r.forecasts["model"] == "ets"].pivot_table(index="crime_type", columns="month", values="mean")
    passed = []
    for ct, y in w.iterrows():
        z = np.log1p(y.to_numpy(float))
        zc = z - z.mean()
        acf = [np.sum(zc[k:] * zc[:len(z) - k]) / np.sum(zc * zc) for k in range(13)]
        seasonal = abs(acf[12]) > 1.645 * np.sqrt((1 + 2 * np.sum(np.square(acf[1:12]))) / len(z))
        steps = np.diff(f.loc[ct].to_numpy())
        if seasonal:
            passed.append(ct)
            same_months = y.to_numpy(float)[-12:-6]  # the same six calendar months a year earlier
            assert np.corrcoef(f.loc[ct].to_numpy(), same_months)[0, 1] > 0.5, ct
            assert (steps > 0).any() and (steps < 0).any(), ct
        else:
            assert (steps >= -1e-9).all() or (steps <= 1e-9).all(), ct
    assert passed == ["Theft from the person"]


@pytest.mark.parametrize("use_breaks, inside", [pytest.param(True, True, id="lockdown-masked"),
                                               pytest.param(False, False, id="no-breaks-projects-the-dip")])
def test_forecast_from_a_lockdown_quarter_does_not_project_the_dip(use_breaks, inside):
    # Hand-made quarterly series, 2010 Q1 .. 2020 Q4: 1,000 a quarter times seasonal factors
    # 1.05, 0.95, 1.02, 0.98 (Q1..Q4) with a seeded +-1% wobble, then 2020 Q2-Q4 (the declared
    # lockdown covers at least half of each) at 60% of normal. The next four quarters' normal
    # level is 1,050, 950, 1,020, 980; the forecast from the dip must be within 5% of it
    # (and without the declared breaks it is not: it follows the dip).
    from alliance_analysis import taxonomy

    q = pd.period_range("2010Q1", "2020Q4", freq="Q")
    factor = np.array([1.05, 0.95, 1.02, 0.98])[np.arange(len(q)) % 4]
    wobble = 1 + 0.01 * np.random.default_rng(17).uniform(-1, 1, len(q))
    count = np.round(1000 * factor * wobble)
    count[-3:] = np.round(0.6 * count[-3:])
    d = pd.DataFrame({"force": "A", "offence_group": "Robbery", "quarter": q, "count": count})
    r = F.forecast_many(d, keys=("force", "offence_group"), horizon=4,
                        breaks=taxonomy.data_breaks() if use_breaks else None)
    expected = np.array([1050.0, 950.0, 1020.0, 980.0])
    got = r.forecasts["mean"].to_numpy()
    assert [str(p) for p in r.forecasts["quarter"]] == ["2021Q1", "2021Q2", "2021Q3", "2021Q4"]
    assert (np.abs(got / expected - 1) <= 0.05).all() == inside, got
    if use_breaks:
        assert r.settings["shock_periods"] == 3


def _newspaper(x: float) -> str:
    """Three significant figures above 1,000, thousands separated (worked independently)."""
    x = float(x)
    if x < 1000:
        return f"{round(x):,}"
    k = int(np.floor(np.log10(x))) - 2
    return f"{int(round(x / 10 ** k)) * 10 ** k:,}"


def test_outlook_sentence_numbers_are_the_coherent_total_rounded_by_hand():
    from alliance_analysis.forecasting.outlook import forecast_outlook
    from alliance_analysis.series.sources import load_crime_series

    forces = ["Warwickshire", "West Mercia"]
    s = load_crime_series("default", forces=forces)
    o = forecast_outlook(s, forces=forces, horizon=4, n_origins=8, step=1, group_name="WW")
    c = o.coherent
    top = c[c["node"] == "WW|Total|Total"].sort_values("quarter").iloc[0]
    assert str(top["quarter"]) == "2023Q3"  # the default series ends 2023 Q2
    # the group total is the sum of its force totals (coherent)
    forces_sum = c[(c["quarter"] == top["quarter"]) & c["node"].isin([f"WW|{f}|Total" for f in forces])]["coherent"]
    assert forces_sum.sum() == pytest.approx(top["coherent"], rel=1e-9)
    # how often the 80% range held: the selected model's backtest rows at the hold-out origins
    bt = o.result.backtest.merge(o.result.selected[["force", "offence_group", "model"]])
    hold = bt[bt["origin"].isin(sorted(bt["origin"].unique())[-o.result.settings["holdout"]:])]
    cov = ((hold["actual"] >= hold["lo_80"]) & (hold["actual"] <= hold["hi_80"])).mean()
    expected = (f"About {_newspaper(top['coherent'])} crimes are expected in WW in July to September 2023, "
                f"most likely between {_newspaper(top['lo_80'])} and {_newspaper(top['hi_80'])}. Forecasts made "
                f"this way fell inside their range {int(np.floor(cov * 10 + 0.5))} times in 10 when tested on past "
                "quarters they had not seen.")
    assert o.sentences() == expected


@pytest.mark.parametrize("keys, group, use_breaks, follows", [
    pytest.param(("force", "offence_group"), "Violence against the person", True, True, id="named-group"),
    pytest.param(("force",), None, True, True, id="force-total-contains-the-groups"),
    pytest.param(("force", "offence_group"), "Robbery", True, False, id="group-not-named"),
    pytest.param(("force", "offence_group"), "Violence against the person", False, False, id="no-breaks"),
])
def test_declared_recording_change_fits_the_new_level_while_it_is_in_force(keys, group, use_breaks, follows):
    # Hand-made quarterly series, 2008 Q1 .. 2016 Q2: 1,000 a quarter times seasonal factors 1.05,
    # 0.95, 1.02, 0.98 (Q1..Q4) with a seeded +-1% wobble, then from 2014 Q1 (the declared
    # 2014-16 recording-practice change begins) 1,500 times the same factors: ten quarters of the
    # new level, more than the one season (4) the refit needs. The next four quarters at the new
    # level are 1,530, 1,470, 1,575, 1,425 (Q3, Q4, Q1, Q2). With the season taken from the whole
    # history and level and trend from the ten quarters since the change began, the forecasts
    # are within 3% of them. Fitted on the whole history (no breaks, or a group the change does
    # not name), Theta's and the seasonal AR's slopes carry the jump forward as growth and the
    # forecasts are not.
    from alliance_analysis import taxonomy

    q = pd.period_range("2008Q1", "2016Q2", freq="Q")
    factor = np.array([1.05, 0.95, 1.02, 0.98])[np.arange(len(q)) % 4]
    wobble = 1 + 0.01 * np.random.default_rng(2014).uniform(-1, 1, len(q))
    level = np.where(q >= pd.Period("2014Q1", "Q"), 1500.0, 1000.0)
    d = pd.DataFrame({"force": "A", "quarter": q, "count": np.round(level * factor * wobble)})
    if group is not None:
        d["offence_group"] = group
    r = F.forecast_many(d, keys=keys, horizon=4, breaks=taxonomy.data_breaks() if use_breaks else None)
    assert r.settings["regime_series"] == int(follows)
    expected = np.array([1530.0, 1470.0, 1575.0, 1425.0])
    got = r.forecasts["mean"].to_numpy()
    assert (np.abs(got / expected - 1) <= 0.03).all() == follows, got


def test_recording_change_positions_on_the_shipped_quarters():
    # The shipped series start in 2006 Q2, so 2014 Q1 (the change begins 1 January 2014) is
    # quarter 31 counting from 0 (7 years x 4 + 3) and 2016 Q4 (it ends 31 December 2016) is 42.
    from alliance_analysis import taxonomy
    from alliance_analysis.forecasting.breaks import regime_starts

    q = pd.period_range("2006Q2", "2021Q1", freq="Q")
    groups = ["Violence against the person", "Sexual offences", "Public order offences", "Burglary", "Robbery"]
    got = regime_starts(q, taxonomy.data_breaks(), groups, np.zeros(5, bool))
    assert got.tolist() == [[31, 42]] * 3 + [[0, 0]] * 2
    assert regime_starts(q, taxonomy.data_breaks(), ["Warwickshire"], np.array([True])).tolist() == [[31, 42]]
    # monthly police.uk archives from 2022 start after the change: nothing to refit
    months = pd.period_range("2022-02", "2024-12", freq="M")
    assert not regime_starts(months, taxonomy.data_breaks(), ["Violence and sexual offences"], True).any()
