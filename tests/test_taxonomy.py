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


# --------------------------------------------------------------------------------------
# Offence-code reference table, import cycle
# --------------------------------------------------------------------------------------

def test_taxonomy_does_not_import_the_prc_loader():
    import subprocess
    import sys

    code = ("import sys, alliance_analysis.taxonomy as t; t.offence_code_table(); t.harmonised_group('Robbery');"
            "print('alliance_analysis.datasets.prc' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_code_reference_csv_matches_the_real_2017_18_table():
    src = paths.crime_sim_toolkit_file("crime_sim_toolkit/src/prc-pfa-201718_new.csv")
    with open(src, newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    keys = {k.replace("_", " ").strip().lower(): k for k in rows[0]}
    expected = {}
    for r in rows:
        code = r[keys["offence code"]].strip()
        expected[code] = (r[keys["offence description"]].strip(), r[keys["offence group"]].strip(),
                          r[keys["offence subgroup"]].strip())
    table = taxonomy.offence_code_table()
    got = {c: (d, g, s) for c, d, g, s in table[["offence_code", "offence_description", "offence_group",
                                                  "offence_subgroup"]].itertuples(index=False)}
    assert got == expected
    assert table["police_uk_crime_type"].isin(taxonomy.POLICE_UK_CRIME_TYPES).all()


# --------------------------------------------------------------------------------------
# Harmonised offence groups
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize("scheme, label, group", [
    pytest.param("rolling", "Domestic burglary", "Burglary", id="rolling-domestic-burglary"),
    pytest.param("rolling", "Residential burglary", "Burglary", id="rolling-residential-burglary"),
    pytest.param("rolling", "All other theft offences", "Theft (other)", id="rolling-other-theft"),
    pytest.param("rolling", "Death or serious injury caused by illegal driving", "Violence against the person",
                 id="rolling-driving"),
    pytest.param("rolling", "Action Fraud", "Fraud", id="rolling-action-fraud"),
    pytest.param("rolling", "  vehicle   OFFENCES ", "Vehicle offences", id="rolling-case-and-spaces"),
    pytest.param("prc", "Theft of a motor vehicle", "Vehicle offences", id="prc-vehicle"),
    pytest.param("prc", "Rape offences", "Sexual offences", id="prc-rape"),
    pytest.param("prc", "Fraud: action fraud", "Fraud", id="prc-lowercase-af"),
    pytest.param("prc", "Miscellaneous crimes", "Miscellaneous crimes against society", id="prc-2017-misc"),
    pytest.param("prc", "Possession of weapons offences", "Possession of weapons", id="prc-weapons"),
    pytest.param("police_uk", "Vehicle crime", "Vehicle offences", id="pu-vehicle"),
    pytest.param("police_uk", "Violence and sexual offences", "Violence and sexual offences", id="pu-composite"),
    pytest.param("police_uk", "Anti-social behaviour", "Anti-social behaviour", id="pu-asb"),
])
def test_harmonised_group(scheme, label, group):
    assert taxonomy.harmonised_group([label], scheme).tolist() == [group]


@pytest.mark.parametrize("scheme, labels, named", [
    pytest.param("rolling", ["Robbery", "Made up offence"], "Made up offence", id="rolling"),
    pytest.param("prc", ["Theft offences"], "Theft offences", id="prc-group-is-not-a-subgroup"),
    pytest.param("police_uk", ["Burglary", "Cybercrime"], "Cybercrime", id="police-uk"),
])
def test_unmapped_labels_are_named(scheme, labels, named):
    with pytest.raises(DataValidationError, match=named):
        taxonomy.harmonised_group(labels, scheme)


def test_unknown_scheme_is_a_parameter_error():
    from alliance_analysis.errors import ParameterError

    with pytest.raises(ParameterError, match="census"):
        taxonomy.harmonised_group(["Robbery"], "census")


def test_every_police_uk_type_and_prc_subgroup_of_the_wheel_maps():
    groups = taxonomy.harmonised_group(list(taxonomy.ALL_POLICE_UK_CRIME_TYPES), "police_uk")
    allowed = set(taxonomy.HARMONISED_GROUPS) | set(taxonomy.COMPOSITE_GROUPS) | {"Anti-social behaviour"}
    assert set(groups) <= allowed
    subgroups = taxonomy.subgroup_taxonomy()["offence_subgroup"]
    assert set(taxonomy.harmonised_group(subgroups, "prc")) <= set(taxonomy.HARMONISED_GROUPS)


def test_composite_groups_agree_with_the_prc_police_uk_mapping():
    # every PRC subgroup's harmonised group must lie inside the harmonised group of its police.uk type
    tax = taxonomy.subgroup_taxonomy()
    fine = taxonomy.harmonised_group(tax["offence_subgroup"], "prc").to_numpy()
    coarse = taxonomy.harmonised_group(tax["police_uk_crime_type"], "police_uk").to_numpy()
    for f, c, sub in zip(fine, coarse, tax["offence_subgroup"]):
        if f == "Fraud":
            continue  # fraud is not in police.uk street data (listed as Other crime in the subgroup table)
        assert f in taxonomy.expand_groups(c), sub


@pytest.fixture
def ho_dir():
    """The shipped Home Office files (always present), else ../shared/data, else skip."""
    shipped = paths.RAW_DIR / "home_office"
    if (shipped / "rec-crime-pfa.csv").exists():
        return shipped
    if paths.shared_data_available():
        return paths.SHARED_DATA_DIR / "home_office"
    pytest.skip("Home Office files neither shipped nor in ../shared/data")


def test_every_label_of_both_real_files_maps_and_totals_are_preserved(ho_dir):
    import gzip

    d = ho_dir
    with open(d / "rec-crime-pfa.csv", newline="", encoding="utf-8-sig") as fh:
        rolling = list(csv.DictReader(fh))
    with gzip.open(d / "prc-pfa-mar2013-onwards-tables-191023.csv.gz", "rt", newline="", encoding="utf-8-sig") as fh:
        prc = list(csv.DictReader(fh))
    r_labels = sorted({r["Offence"] for r in rolling})
    p_labels = sorted({r["Offence Subgroup"] for r in prc})
    assert len(r_labels) == 25 and len(p_labels) == 31
    assert taxonomy.harmonised_group(r_labels, "rolling").isin(taxonomy.HARMONISED_GROUPS).all()
    assert taxonomy.harmonised_group(p_labels, "prc").isin(taxonomy.HARMONISED_GROUPS).all()
    # totals preserved: plain sums of the csv rows against the harmonised frames
    rdf = pd.DataFrame({"force": [r["PFA"] for r in rolling], "period": [r["12 months ending"] for r in rolling],
                        "offence": [r["Offence"] for r in rolling],
                        "rolling_total": [int(r["Rolling year total number of offences"]) for r in rolling]})
    rh = taxonomy.harmonise(rdf, "rolling")
    assert rh["rolling_total"].sum() == sum(int(r["Rolling year total number of offences"]) for r in rolling)
    assert len(rh) < len(rdf)
    # one cell by hand: West Mercia burglary, year to March 2018 = the four burglary labels
    burg = {"Domestic burglary", "Non-domestic burglary", "Residential burglary", "Non-residential burglary"}
    expected = sum(int(r["Rolling year total number of offences"]) for r in rolling
                   if r["PFA"] == "West Mercia" and r["12 months ending"] == "31-03-2018" and r["Offence"] in burg)
    got = rh.loc[(rh["force"] == "West Mercia") & (rh["period"] == "31-03-2018") & (rh["offence_group"] == "Burglary"),
                 "rolling_total"].item()
    assert got == expected == 5670 + 2345
    pdf = pd.DataFrame({"force": [r["Force Name"] for r in prc], "financial_year": [r["Financial Year"] for r in prc],
                        "offence_subgroup": [r["Offence Subgroup"] for r in prc],
                        "count": [int(r["Number of Offences"]) for r in prc]})
    ph = taxonomy.harmonise(pdf, "prc")
    assert ph["count"].sum() == sum(int(r["Number of Offences"]) for r in prc)
    veh = {"Theft from a vehicle", "Theft of a motor vehicle", "Vehicle interference"}
    expected = sum(int(r["Number of Offences"]) for r in prc if r["Force Name"] == "Dorset"
                   and r["Financial Year"] == "2019/20" and r["Offence Subgroup"] in veh)
    got = ph.loc[(ph["force"] == "Dorset") & (ph["financial_year"] == "2019/20")
                 & (ph["offence_group"] == "Vehicle offences"), "count"].item()
    assert got == expected > 0


def test_harmonise_does_not_mutate_and_can_drop_fraud():
    df = pd.DataFrame({"force": ["A", "A", "A", "B"], "offence_subgroup": ["Arson", "Criminal damage",
                       "Fraud: Action Fraud", "Arson"], "offence_code": ["56A", "58A", "AF", "56A"], "count": [1, 2, 4, 8]})
    before = df.copy()
    out = taxonomy.harmonise(df, "prc", include_fraud=False)
    pd.testing.assert_frame_equal(df, before)
    assert out.values.tolist() == [["A", "Criminal damage and arson", 3], ["B", "Criminal damage and arson", 8]]
    assert taxonomy.harmonise(df, "prc")["count"].sum() == 15


def test_harmonise_names_missing_columns():
    with pytest.raises(DataValidationError, match="rolling_total"):
        taxonomy.harmonise(pd.DataFrame({"offence": ["Robbery"]}), "rolling")


# --------------------------------------------------------------------------------------
# Declared breaks
# --------------------------------------------------------------------------------------

def test_data_breaks_are_declared_with_sources_and_groups():
    b = taxonomy.data_breaks()
    assert set(b["break_id"]) == {"fraud_to_action_fraud", "burglary_reclassification_2017",
                                  "recording_practice_uplift_2014_2016", "covid_lockdowns_2020_21"}
    assert (b["source"].str.len() > 20).all()
    by = b.set_index("break_id")
    assert by.loc["covid_lockdowns_2020_21", "start"] == pd.Timestamp("2020-03-23")
    assert by.loc["covid_lockdowns_2020_21", "end"] == pd.Timestamp("2021-07-19")
    assert by.loc["fraud_to_action_fraud", "offence_groups"] == "Fraud"
    assert pd.isna(by.loc["burglary_reclassification_2017", "end"])
    assert "Sexual offences" in taxonomy.expand_groups(by.loc["recording_practice_uplift_2014_2016", "offence_groups"])


@pytest.mark.parametrize("groups, start, end, expected", [
    pytest.param("Fraud", "2010-01-01", "2012-12-31", ["fraud_to_action_fraud"], id="fraud-overlap"),
    pytest.param("Fraud", "2013-04-01", "2019-12-31", [], id="fraud-after"),
    pytest.param("Burglary", "2015Q1", "2018Q4", ["burglary_reclassification_2017"], id="burglary-spans"),
    pytest.param("Burglary", "2017Q2", "2019Q4", [], id="burglary-wholly-after"),
    pytest.param("Violence and sexual offences", "2013Q1", "2015Q1", ["recording_practice_uplift_2014_2016"],
                 id="composite-uplift"),
    pytest.param(["Robbery"], "2019Q1", "2020Q1", ["covid_lockdowns_2020_21"], id="lockdown-all-groups"),
    pytest.param("all", "2003-01-01", "2023-12-31", ["fraud_to_action_fraud", "burglary_reclassification_2017",
                 "recording_practice_uplift_2014_2016", "covid_lockdowns_2020_21"], id="everything"),
    pytest.param("Drug offences", "2007Q2", "2013Q4", [], id="none"),
])
def test_breaks_for(groups, start, end, expected):
    assert taxonomy.breaks_for(groups, start, end)["break_id"].tolist() == expected


def test_breaks_for_rejects_unknown_groups_and_reversed_dates():
    from alliance_analysis.errors import ParameterError

    with pytest.raises(ParameterError, match="Knife crime"):
        taxonomy.breaks_for("Knife crime", "2010", "2012")
    with pytest.raises(ParameterError, match="before"):
        taxonomy.breaks_for("Robbery", "2012-01-01", "2010-01-01")


def test_harmonised_group_of_each_code_is_the_same_in_both_prc_releases(ho_dir):
    # subgroups moved between releases (e.g. causing death by driving: 'Violence with injury' in
    # 2017/18, 'Death or serious injury - unlawful driving' in the Oct 2023 release); the
    # harmonised group of every code both releases carry must not move
    import gzip

    d = ho_dir
    with gzip.open(d / "prc-pfa-mar2013-onwards-tables-191023.csv.gz", "rt", newline="", encoding="utf-8-sig") as fh:
        pairs = {(r["Offence Code"], r["Offence Subgroup"]) for r in csv.DictReader(fh)}
    codes = taxonomy.offence_code_table().set_index("offence_code")
    both = [(c, s) for c, s in pairs if c in codes.index]
    assert len(both) > 120
    moved = [(c, s, codes.loc[c, "offence_subgroup"]) for c, s in both if s != codes.loc[c, "offence_subgroup"]]
    assert moved  # the releases do disagree at subgroup level...
    new = taxonomy.harmonised_group([s for _, s in both], "prc").tolist()
    old = [codes.loc[c, "harmonised_group"] for c, _ in both]
    assert new == old  # ...but never at harmonised-group level
