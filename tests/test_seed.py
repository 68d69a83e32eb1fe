"""Seed tables: structure, and spot checks against the printed papers (read by hand)."""

from __future__ import annotations

import pandas as pd
import pytest

from alliance_analysis import paths
from alliance_analysis.datasets import seed
from alliance_analysis.errors import DataValidationError


@pytest.mark.parametrize("name", list(seed.SEED_TABLES))
def test_every_table_loads_with_sources(name):
    t = seed.load_seed_table(name)
    assert len(t) > 0
    assert t["id"].is_unique
    assert t["document"].isin(seed.SEED_DOCUMENTS).all()
    assert (t["location"].str.len() > 0).all()


def test_ids_unique_across_tables():
    figs = seed.all_seed_figures()
    assert figs["id"].is_unique
    assert len(figs) >= 200


# Expected values read from the papers by hand (document, location in the id's row).
@pytest.mark.parametrize(
    "seed_id, expected",
    [
        pytest.param("t3_total_2012_h1", 32045, id="table3-total-2012"),
        pytest.param("t3_total_2013_14", 57969, id="table3-total-fy1314"),
        pytest.param("t3_vap_injury_2014_h1", 3560, id="table3-vap-2014"),
        pytest.param("t3_rape_2014_h1", 302, id="table3-rape-2014"),
        pytest.param("t3_dom_burglary_2013_14", 2548, id="table3-burglary-unformatted"),
        pytest.param("t3_asb_2012_13", 54650, id="table3-asb"),
        pytest.param("t3_rtc_ksi_2013_h1", 220, id="table3-rtc"),
        pytest.param("t4_emerg_2012_13_q3", 95.0, id="table4-emergency-q3"),
        pytest.param("t4_prior_2013_14_q4", 75.7, id="table4-priority-q4"),
        pytest.param("t5_impact_q1_1415", 62.8, id="table5-impact"),
        pytest.param("t5_perception_base", 82.4, id="table5-perception"),
        pytest.param("pb_total_ytd_change", 2.5, id="bulletin-2.5pc"),
        pytest.param("pb_vap_injury_ytd", 3656, id="bulletin-3656"),
        pytest.param("pb_rape_jul_2014_peak", 70, id="bulletin-rape-peak"),
        pytest.param("ww_blueprint_savings", 30.2, id="blueprint-30.2m"),
        pytest.param("ww_required_savings_total", 34.2, id="required-34.2m"),
        pytest.param("ww_cj_review_slip_2016_17", 2.125, id="slip-2.125m"),
        pytest.param("ww_recurring_savings_2014_15", 32, id="recurring-32m"),
        pytest.param("ww_reserves_2014", 87, id="reserves-87m"),
        pytest.param("dcd_combined_budget", 396, id="dcd-budget-396m"),
        pytest.param("dcd_in_scope", 145, id="dcd-scope-145m"),
        pytest.param("dc_share_of_peak_savings", 8, id="dc-8m"),
        pytest.param("ww_mtfp_capital_2017_21", 26.5, id="capital-26.5m"),
        pytest.param("ww_mtfp_one_off_revenue_2017_21", 12.4, id="revenue-12.4m"),
        pytest.param("ww_additional_investment_2017", 1.95, id="contingency-1.95m"),
        pytest.param("ww_workforce_before", 5400, id="workforce-5400"),
        pytest.param("ww_workforce_after", 4736, id="workforce-4736"),
        pytest.param("ww_constable_posts", 2286, id="constables-2286"),
        pytest.param("ww_chief_officers_actual", 8, id="chief-officers-8"),
        pytest.param("dcd_2017_approved", 27, id="pipeline-27"),
        pytest.param("cb_actual_investigate_2013_14", 18, id="crime-bureau-18"),
        pytest.param("pcso_blueprint_west_mercia", 184, id="pcso-184"),
        pytest.param("dcd_officers_staff", 7394, id="dcd-7394"),
    ],
)
def test_seed_values_match_print(seed_id, expected):
    assert seed.seed_value(seed_id) == pytest.approx(expected)


def test_splits_sum_to_100_per_alliance_and_basis():
    t = seed.load_seed_table("cost_splits")
    sums = t.groupby(["alliance", "basis"])["share_pct"].sum()
    assert (sums == 100).all()


def test_table3_six_month_rows_cover_three_years_for_each_measure():
    t = seed.load_seed_table("crime_volumes")
    six = t[t["period_label"].str.startswith("April")]
    assert six.groupby("measure").size().eq(3).all()
    assert six["measure"].nunique() == 8


def test_unknown_id_error_names_close_ids():
    with pytest.raises(DataValidationError, match="ww_blueprint_savings"):
        seed.seed_value("ww_blueprint_saving")


def test_unknown_table():
    with pytest.raises(DataValidationError, match="unknown seed table"):
        seed.load_seed_table("nope")


def test_bad_value_is_reported_with_row(tmp_path, monkeypatch):
    bad = tmp_path / "seed"
    bad.mkdir()
    src = pd.read_csv(paths.SEED_DIR / "leadership.csv", dtype=str, keep_default_na=False)
    src.loc[2, "value"] = "eight"
    src.to_csv(bad / "leadership.csv", index=False)
    monkeypatch.setattr(paths, "SEED_DIR", bad)
    seed._load_cached.cache_clear()
    try:
        with pytest.raises(DataValidationError, match=r"row 3.*'eight' is not a number"):
            seed.load_seed_table("leadership")
    finally:
        seed._load_cached.cache_clear()


def test_loader_returns_a_copy():
    a = seed.load_seed_table("finance")
    a.loc[0, "value"] = -1
    assert seed.load_seed_table("finance")["value"].iloc[0] != -1
