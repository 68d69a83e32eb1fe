"""Loaders for the Home Office PRC tables and Census 2011 population."""

from __future__ import annotations

import csv

import pandas as pd
import pytest

from alliance_analysis import paths
from alliance_analysis.datasets import population, prc
from alliance_analysis.errors import DataValidationError

OFFICIAL = {
    "Financial Year": ["2013/14", "2013/14", "2013-14"],
    "Financial Quarter": ["1", "2", "3"],
    "Force Name": ["West Mercia Police", "Warwickshire", "Devon & Cornwall"],
    "Offence Description": ["Robbery of business property", "Shoplifting", "Shoplifting"],
    "Offence Group": ["Robbery", "Theft offences", "Theft offences"],
    "Offence Subgroup": ["Robbery of business property", "Shoplifting", "Shoplifting"],
    "Offence Code": ["34A", "46", "46"],
    "Number of Offences": ["7", "1,204", "-2"],
}


def test_official_and_underscored_layouts_give_the_same_table():
    a = prc.tidy_prc(pd.DataFrame(OFFICIAL))
    b = prc.tidy_prc(pd.DataFrame({k.replace(" ", "_"): v for k, v in OFFICIAL.items()}))
    pd.testing.assert_frame_equal(a, b)
    assert a["force"].tolist() == ["West Mercia", "Warwickshire", "Devon and Cornwall"]
    assert a["financial_year"].tolist() == ["2013/14"] * 3
    assert a["count"].tolist() == [7, 1204, -2]  # thousands separator parsed; negative adjustment kept
    assert a["count"].dtype == "int64"


def test_csp_level_table_keeps_the_csp():
    raw = pd.DataFrame({**OFFICIAL, "Community Safety Partnership": ["Wychavon", "Warwick", "Plymouth"]})
    assert prc.tidy_prc(raw)["csp"].tolist() == ["Wychavon", "Warwick", "Plymouth"]


@pytest.mark.parametrize(
    "column, value, message",
    [
        pytest.param("Number of Offences", "seven", r"column 'Number of Offences', row 2: .*'seven' is not a whole number", id="count-text"),
        pytest.param("Financial Quarter", "5", r"column 'Financial Quarter', row 2: financial quarter '5'", id="quarter-5"),
        pytest.param("Force Name", "Wessex", r"unknown police force name 'Wessex'", id="unknown-force"),
        pytest.param("Financial Year", "2013/15", r"not consecutive", id="bad-fy"),
    ],
)
def test_bad_prc_values(column, value, message):
    raw = pd.DataFrame(OFFICIAL)
    raw.loc[1, column] = value
    with pytest.raises(DataValidationError, match=message):
        prc.tidy_prc(raw, source="prc.csv")


def test_missing_column_names_the_fix(tmp_path):
    p = tmp_path / "prc.csv"
    pd.DataFrame(OFFICIAL).drop(columns="Offence Code").to_csv(p, index=False)
    with pytest.raises(DataValidationError, match=r"prc.csv: missing columns \['offence_code'\]"):
        prc.load_prc_table(p)


def test_bundled_2017_18_table_totals_match_an_independent_count():
    path = paths.crime_sim_toolkit_file(prc.BUNDLED_PRC_2017_18)
    totals: dict[str, int] = {}
    with open(path, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            totals[row["Force_Name"]] = totals.get(row["Force_Name"], 0) + int(row["Number_of_Offences"])
    t = prc.load_prc_table()
    got = t.groupby("force")["count"].sum()
    assert got["West Mercia"] == totals["West Mercia"]
    assert got["City of London"] == totals["London, City of"]
    assert t["count"].sum() == sum(totals.values())
    assert t.loc[t["is_territorial"], "force"].nunique() == 43


def test_census_2011_population_matches_published_totals():
    pop = population.load_census_2011_population().set_index("force")["population"]
    assert len(pop) == 43
    assert pop.sum() == 56_075_912  # ONS Census 2011, England and Wales usual residents
    assert pop["Warwickshire"] == 545_474  # ONS Census 2011, Warwickshire county
    # West Mercia = Herefordshire 183,477 + Shropshire 306,129 + Telford and Wrekin 166,641
    #             + Worcestershire 566,169 (ONS Census 2011)
    assert pop["West Mercia"] == 183_477 + 306_129 + 166_641 + 566_169
    # Devon and Cornwall = Devon 746,399 + Plymouth 256,384 + Torbay 130,959 + Cornwall 532,273 + Scilly 2,203
    assert pop["Devon and Cornwall"] == 746_399 + 256_384 + 130_959 + 532_273 + 2_203


def test_population_2001_2010_in_persons(tmp_path):
    p = tmp_path / "p.csv"
    p.write_text("Police Force,Mid 2001,Mid 2002,\nWest Mercia Police,1150.2,1155,\n")
    out = population.load_population_2001_2010(p)
    assert out.values.tolist() == [["West Mercia", 2001, 1150200], ["West Mercia", 2002, 1155000]]
    p.write_text("Police Force,Mid 2001,\nWest Mercia,-5,\n")
    with pytest.raises(DataValidationError, match="row 1"):
        population.load_population_2001_2010(p)


@pytest.mark.shared_data
def test_population_2001_2010_real_file(shared_data):
    out = population.load_population_2001_2010(shared_data / "population" / "population_by_force_mid2001_mid2010_thousands.csv")
    assert out["force"].nunique() == 43 and sorted(out["year"].unique()) == list(range(2001, 2011))


# ---------------------------------------------------------------- other loaders on the real files

@pytest.mark.shared_data
def test_workforce_real_file(shared_data):
    from alliance_analysis.datasets.workforce import load_workforce

    w = load_workforce(shared_data / "workforce" / "police_workforce_by_force_2014_2019_long.csv")
    assert w["force"].nunique() >= 43  # 43 territorial forces (+ BTP where published)
    assert not w.duplicated(["force", "as_at", "measure"]).any()
    raw = pd.read_csv(shared_data / "workforce" / "police_workforce_by_force_2014_2019_long.csv")
    # independent check: the latest vintage's West Mercia officers at 2018-03-31, read directly
    r = raw[(raw["area"] == "West Mercia") & (raw["measure"] == "officers_fte") & (raw["as_at"] == "2018-03-31")]
    expected = r.sort_values("source_file")["value"].iloc[-1]
    got = w[(w["force"] == "West Mercia") & (w["measure"] == "officers_fte") & (w["as_at"] == "2018-03-31")]["value"]
    assert got.item() == expected


@pytest.mark.shared_data
def test_harm_weight_files(shared_data):
    from alliance_analysis.datasets.harm import load_cchi_weights, load_css_weights

    css = load_css_weights(shared_data / "harm" / "ons_css_weights_by_offence_code.csv")
    assert css["offence_code"].is_unique and (css["css_weight"] >= 0).all()
    assert css.set_index("offence_code").loc["56A", "css_weight"] == pytest.approx(826.19, abs=0.01)  # as in the file
    cchi = load_cchi_weights(shared_data / "harm" / "cchi_days_by_offence_subgroup.csv")
    assert len(cchi) == 23 and cchi.set_index("offence_subgroup").loc["Homicide", "cchi_days"] == 5475


@pytest.mark.shared_data
def test_police_grant_reconciles_to_the_published_total(shared_data):
    from alliance_analysis.datasets.finance import load_police_grant

    g = load_police_grant(shared_data / "finance" / "police_grant_by_force_2025_26.csv")
    assert len(g) == 43 and g["force"].is_unique
    # the file's own note says the national total reconciles to GBP 9,806,553,489; the per-force
    # figures are rounded to the pound, so the sum may differ by at most GBP 1 a force
    assert abs(g["grant_gbp"].sum() - 9_806_553_489) <= 43


@pytest.mark.shared_data
def test_lookups_and_mid2018_population(shared_data):
    from alliance_analysis.datasets.lookups import load_lad_csp_pfa, load_lad_pfa

    a = load_lad_csp_pfa(shared_data / "lookups" / "lad_csp_pfa_2017.csv")
    b = load_lad_pfa(shared_data / "lookups" / "lad_pfa_2021.csv")
    assert a["force"].nunique() == 43 and b["force"].nunique() == 43
    assert set(a.loc[a["force"] == "Warwickshire", "lad_name"]) >= {"Warwick", "Stratford-on-Avon"}
    p = population.load_population_mid2018(shared_data / "population" / "population_by_force_mid2018.csv")
    assert p["force"].nunique() == 43


def test_bad_loader_inputs(tmp_path):
    from alliance_analysis.datasets.finance import load_police_grant
    from alliance_analysis.datasets.harm import load_css_weights
    from alliance_analysis.datasets.workforce import load_workforce

    f = tmp_path / "g.csv"
    f.write_text("force,budget_gbp\nDorset,lots\n")
    with pytest.raises(DataValidationError, match=r"column 'budget_gbp', row 1: 'lots' is not a number"):
        load_police_grant(f)
    f.write_text("code_severity,description,weight\n56A,Arson,-1\n")
    with pytest.raises(DataValidationError, match=r"column 'weight', row 1: '-1' is negative"):
        load_css_weights(f)
    f.write_text("as_at,area,is_region_or_total,measure,value,source_file\n2015-03-31,Dorset,False,cats,1,a\n")
    with pytest.raises(DataValidationError, match=r"unknown measures? .*'cats'"):
        load_workforce(f)


@pytest.mark.shared_data
def test_force_category_table_2024_25(shared_data):
    p = shared_data / "prc" / "recorded_crime_by_force_and_category_2024_25.csv"
    t = prc.load_force_category_table(p)
    assert t["force"].nunique() == 43  # the 43 territorial forces
    assert t["count"].dtype == "int64"
    with open(p, newline="") as fh:  # independent total with the csv module
        rows = list(csv.DictReader(fh))
    assert int(t["count"].sum()) == sum(int(r["count_2024_25"]) for r in rows)
    wm = [float(r["harm_cchi_days"]) for r in rows if r["force"] == "West Mercia"]
    assert t.loc[t["force"] == "West Mercia", "harm_cchi_days"].sum() == pytest.approx(sum(wm))


@pytest.mark.shared_data
def test_css_by_force_and_cost_hours(shared_data):
    from alliance_analysis.datasets.harm import load_css_by_force, load_police_cost_and_hours

    css = load_css_by_force(shared_data / "css" / "crime_severity_score_by_force_2003_2023.csv")
    assert css["force"].nunique() == 43
    assert {"West Mercia", "Warwickshire", "Devon and Cornwall", "Dorset"} <= set(css["force"])
    assert css["year"].min() == 2003 and css["year"].max() == 2023
    ch = load_police_cost_and_hours(shared_data / "harm" / "police_cost_and_hours_by_offence.csv")
    # source row 1: homicide, cost 11960, 239.2 hours; 11960 / 50 per hour = 239.2
    hom = ch[ch["offence"] == "homicide"].iloc[0]
    assert hom["cost_gbp"] == 11960 and hom["police_hours"] == pytest.approx(11960 / 50)


def test_force_category_table_rejects_bad_rows(tmp_path):
    p = tmp_path / "fc.csv"
    p.write_text("force,crime_type,count_2024_25,harm_cchi_days\nDorset,Robbery,-3,1.0\n")
    with pytest.raises(DataValidationError, match="count_2024_25") as e:
        prc.load_force_category_table(p)
    assert "row 1" in str(e.value)
    p.write_text("force,crime_type,count_2024_25,harm_cchi_days\nDorset,Mugging,3,1.0\n")
    with pytest.raises(DataValidationError, match="Mugging"):
        prc.load_force_category_table(p)


def test_cost_and_hours_reads_the_cp1252_pound_sign(tmp_path):
    from alliance_analysis.datasets.harm import load_police_cost_and_hours

    p = tmp_path / "c.csv"
    p.write_bytes("Offence,Event-Priority,Weight,Cost,Cost cat,Police Hours Assuming \u00a350p/h\r\n"
                  "robbery,2,100,500,Robbery,10\r\n".encode("cp1252"))
    out = load_police_cost_and_hours(p)
    assert out[["offence", "cost_gbp", "police_hours"]].values.tolist() == [["robbery", 500.0, 10.0]]
