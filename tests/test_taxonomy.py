"""Offence taxonomy: offence codes -> PRC subgroups -> police.uk types -> seed categories."""

from __future__ import annotations

import csv

import pandas as pd
import pytest

from alliance_analysis import paths, taxonomy
from alliance_analysis.datasets.prc import load_prc_table
from alliance_analysis.errors import DataValidationError


@pytest.mark.parametrize("code, expected", [
    pytest.param("28A", "Burglary", id="domestic-burglary"),
    pytest.param("34A", "Robbery", id="robbery"),
    pytest.param("46", "Shoplifting", id="shoplifting"),
    pytest.param("105A", "Violence and sexual offences", id="violence"),
    pytest.param("58A", "Criminal damage and arson", id="damage"),
])
def test_offence_code_to_police_uk(code, expected):
    assert taxonomy.offence_code_to_police_uk([code]).item() == expected


def test_unknown_code_is_named():
    with pytest.raises(DataValidationError, match="ZZ9"):
        taxonomy.offence_code_to_police_uk(["ZZ9"])


def test_every_prc_subgroup_is_mapped_and_agrees_with_the_wheel_column():
    prc = load_prc_table()
    tax = taxonomy.subgroup_taxonomy()
    assert set(prc["offence_subgroup"]) == set(tax["offence_subgroup"])
    # independent reference: the wheel's own police_uk_category column, case-folded
    wheel = prc.drop_duplicates("offence_subgroup").set_index("offence_subgroup")["police_uk_category"].str.lower()
    ours = tax.set_index("offence_subgroup")["police_uk_crime_type"].str.lower()
    assert (wheel == ours.loc[wheel.index]).all()


@pytest.mark.shared_data
def test_code_mapping_agrees_with_ons_join(shared_data):
    from alliance_analysis.datasets.harm import load_offence_to_police_uk

    ons = load_offence_to_police_uk(shared_data / "harm" / "ons_offence_code_to_police_uk_category.csv")
    codes = taxonomy.offence_code_table()
    both = ons.merge(codes, on="offence_code")
    assert len(both) > 80
    agree = (both["crime_type"] == both["police_uk_crime_type"]).mean()
    assert agree > 0.9


def test_prc_to_police_uk_totals_match_a_csv_count():
    out = taxonomy.prc_to_police_uk(load_prc_table())
    # independent: sum West Mercia non-fraud 'Domestic burglary' + 'Non-domestic burglary' rows with the csv module
    src = paths.crime_sim_toolkit_file("crime_sim_toolkit/src/prc-pfa-201718_new.csv")
    with open(src, newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    keys = {k.replace("_", " ").strip().lower(): k for k in rows[0]}
    fcol, scol, ncol = keys["force name"], keys["offence subgroup"], keys["number of offences"]
    expected = sum(int(r[ncol].replace(",", "")) for r in rows
                   if r[fcol].strip() == "West Mercia" and r[scol].strip() in ("Domestic burglary", "Non-domestic burglary"))
    got = out.loc[(out["force"] == "West Mercia") & (out["crime_type"] == "Burglary"), "count"].sum()
    assert got == expected
    assert set(out["crime_type"]) <= set(taxonomy.POLICE_UK_CRIME_TYPES)
    assert "Action Fraud" not in set(out["force"])


def test_prc_to_police_uk_does_not_mutate_and_rejects_unknown_subgroups():
    df = pd.DataFrame({"force": ["Dorset"], "financial_year": ["2017/18"], "financial_quarter": [1],
                       "offence_subgroup": ["Made up"], "count": [1]})
    before = df.copy()
    with pytest.raises(DataValidationError, match="Made up"):
        taxonomy.prc_to_police_uk(df)
    pd.testing.assert_frame_equal(df, before)


@pytest.mark.parametrize("crime_type, category, relation", [
    pytest.param("Robbery", "Robbery", "equal", id="robbery"),
    pytest.param("Burglary", "Domestic burglary", "contains", id="burglary"),
    pytest.param("Violence and sexual offences", "Serious sexual offences - rape", "contains", id="rape"),
    pytest.param("Anti-social behaviour", "Anti social behaviour", "equal", id="asb"),
    pytest.param("Drugs", "Total recorded crime", "part_of", id="total"),
])
def test_crime_type_to_seed_category(crime_type, category, relation):
    m = crime_type_to_seed = taxonomy.crime_type_to_seed_category()
    row = crime_type_to_seed[(m["crime_type"] == crime_type) & (m["seed_category"] == category)]
    assert row["relation"].tolist() == [relation]


def test_seed_categories_exist_in_the_seed_table():
    seed = paths.RAW_DIR / "seed" / "crime_volumes.csv"
    if not seed.exists():
        pytest.skip("seed table not present")
    measures = set(pd.read_csv(seed)["measure"])
    assert set(taxonomy.crime_type_to_seed_category()["seed_category"]) <= measures
