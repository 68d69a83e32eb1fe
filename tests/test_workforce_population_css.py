"""Workforce, population and CSS loaders: shipped files against plain counts, and bad input (issues 9, 12)."""

from __future__ import annotations

import csv
import gzip
import math
from collections import defaultdict

import pandas as pd
import pytest

from alliance_analysis import paths
from alliance_analysis.datasets import css, population, workforce
from alliance_analysis.errors import DataValidationError, ParameterError


def _plain(path):
    with gzip.open(path, "rt", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


# ----------------------------------------------------------------------------- workforce open data

@pytest.fixture(scope="module")
def wf():
    return workforce.load_workforce_open_data()


def test_workforce_rows_and_fte_against_plain_count(wf):
    rows = _plain(paths.WORKFORCE_OPEN_DATA)
    assert len(rows) == 25198 == len(wf)
    fte = sum(float(r["total_fte"]) for r in rows
              if r["force_name"] == "West Mercia" and r["date"] == "2013-03-01" and r["worker_type"] == "police officer")
    by_year = workforce.workforce_by_force_year(wf)
    got = by_year.loc[(by_year["force"] == "West Mercia") & (by_year["year"] == 2013)
                      & (by_year["worker_type"] == "police_officer"), "value"].item()
    assert got == pytest.approx(fte) and fte > 1000
    head = sum(float(r["total_headcount"]) for r in rows if r["force_name"] == "Devon & Cornwall")
    assert wf.loc[wf["force"] == "Devon and Cornwall", "headcount"].sum() == pytest.approx(head)
    assert set(wf["as_at"].dt.strftime("%m-%d")) == {"03-31"}
    assert sorted(wf["year"].unique()) == list(range(2007, 2023))
    assert wf["force"].nunique() == 43
    assert set(wf["worker_type"]) == {"police_officer", "police_staff", "pcso", "designated_officer",
                                      "special_constable", "police_support_volunteer"}


WF_HEAD = "date,geo_code,force_name,region,sex,rank_description,worker_type,total_headcount,total_fte\n"
WF_ROW = "2015-03-01,E23000016,West Mercia,West Midlands,Female,Constable,police officer,10,9.5\n"


@pytest.mark.parametrize("body, column, row, match", [
    pytest.param(WF_ROW * 2, "date", 2, "duplicate", id="duplicate-row"),
    pytest.param(WF_ROW + WF_ROW.replace("West Mercia", "West Mercya"), "force_name", 2, "West Mercia",
                 id="misspelt-force"),
    pytest.param(WF_ROW.replace("West Mercia", "British Transport Police"), "force_name", 1, "territorial",
                 id="non-territorial"),
    pytest.param(WF_ROW.replace(",10,", ",-1,"), "total_headcount", 1, "negative", id="negative-headcount"),
    pytest.param(WF_ROW.replace(",9.5", ",inf"), "total_fte", 1, "finite", id="inf-fte"),
    pytest.param(WF_ROW.replace(",9.5", ","), "total_fte", 1, "blank cell where a number is required",
                 id="blank-fte"),
    pytest.param(WF_ROW.replace(",9.5", ",9.5 FTE"), "total_fte", 1, "'9.5 FTE' is not a number", id="text-fte"),
    pytest.param(WF_ROW.replace("police officer", "police dog"), "worker_type", 1,
                 "'police dog' is not an allowed value", id="unknown-worker-type"),
    pytest.param(WF_ROW + WF_ROW.replace("West Mercia", "West Mercia Police"), "date", 2, "duplicate key",
                 id="two-spellings-of-one-force"),
    pytest.param(WF_ROW.replace("2015-03-01", "01/03/2015"), "date", 1, "is not a date", id="bad-date"),
    pytest.param(WF_ROW.replace("2015-03-01", "2015-09-30"), "date", 1, "March", id="not-march"),
])
def test_workforce_open_data_bad_rows(tmp_path, body, column, row, match):
    p = tmp_path / "w.csv"
    p.write_text(WF_HEAD + body)
    with pytest.raises(DataValidationError, match=match) as e:
        workforce.load_workforce_open_data(p)
    assert (e.value.column, e.value.row) == (column, row) and str(p) in str(e.value)


def test_workforce_by_force_year_measure_checked(wf):
    with pytest.raises(ParameterError):
        workforce.workforce_by_force_year(wf, measure="cost")
    head = workforce.workforce_by_force_year(wf.iloc[:50], measure="headcount")
    assert head["value"].sum() == pytest.approx(wf["headcount"].iloc[:50].sum())


LONG_HEAD = "as_at,area,is_region_or_total,measure,value,source_file\n"


@pytest.mark.parametrize("body, match, row", [
    pytest.param("2015-03-31,West Mercia,False,officers_fte,1,a.ods\n"
                 "2015-03-31,West Mercya,False,staff_fte,1,a.ods\n", "West Mercia", 2, id="misspelt-force-named"),
    pytest.param("2015-03-31,West Mercia,False,officers_fte,1,a.ods\n"
                 "2015-03-31,,False,staff_fte,1,a.ods\n", "blank", 2, id="blank-force-named"),
    pytest.param("2015-03-31,West Mercia,False,officers_fte,1,a.ods\n" * 2, "duplicate", 2, id="duplicate-row"),
    pytest.param("2015-03-31,West Mercia,False,officers_fte,inf,a.ods\n", "finite", 1, id="inf-value"),
    pytest.param("2015-03-31,West Mercia,False,officers_fte,-4,a.ods\n", "negative", 1, id="negative-value"),
    pytest.param("2015-03-31,West Mercia,False,officers_fte,1,a.ods\n"
                 "2015-03-31,West Mercia,False,sergeants_fte,1,a.ods\n", "unknown measure 'sergeants_fte'", 2,
                 id="unknown-measure"),
    pytest.param("2015-03-31,West Mercia,False,officers_fte,1,a.ods\n"
                 "2015-03-31,Dorset,maybe,officers_fte,1,a.ods\n", "not an allowed value", 2,
                 id="region-flag-not-true-or-false"),
    pytest.param("2015-03-31,West Mercia,False,officers_fte,1,a.ods\n"
                 "2015-13-31,Dorset,False,officers_fte,1,a.ods\n", "not a date", 2, id="bad-date"),
])
def test_load_workforce_no_silent_drops(tmp_path, body, match, row):
    p = tmp_path / "w.csv"
    p.write_text(LONG_HEAD + body)
    with pytest.raises(DataValidationError, match=match) as e:
        workforce.load_workforce(p)
    assert e.value.row == row


def test_load_workforce_drops_only_named_non_force_areas(tmp_path):
    p = tmp_path / "w.csv"
    p.write_text(LONG_HEAD + "2015-03-31,Central Service Secondments,False,officers_fte,3,a.ods\n"
                 "2015-03-31,South West,True,officers_fte,9,a.ods\n2015-03-31,Dorset,False,officers_fte,2,a.ods\n")
    assert workforce.load_workforce(p)["force"].tolist() == ["Dorset"]


# ----------------------------------------------------------------------------- population

def test_population_by_force_year_against_plain_sum():
    rows = _plain(paths.POPULATION_LAD)
    with open(paths.LAD_PFA_LOOKUP, newline="", encoding="utf-8") as fh:
        lad_force = {r["lad21cd"].strip(): r["pfa21nm"] for r in csv.DictReader(fh)}
    expected: dict[tuple[str, int], int] = defaultdict(int)
    for r in rows:
        expected[(lad_force[r["code"].strip().strip("\xa0")], int(r["year"]))] += int(r["population"])
    pop = population.population_by_force_year()
    got = pop.set_index(["force", "year"])["population"]
    assert got[("West Mercia", 2013)] == expected[("West Mercia", 2013)]
    assert got[("Devon and Cornwall", 2015)] == expected[("Devon & Cornwall", 2015)]
    assert int(pop["population"].sum()) == sum(int(r["population"]) for r in rows)
    assert len(pop) == 43 * 20 and pop["districts"].sum() == len(rows)
    # the two Northamptonshire unitary authorities (codes published with a trailing space)
    nn = sum(int(r["population"]) for r in rows if r["year"] == "2020" and lad_force[r["code"].strip().strip("\xa0")]
             == "Northamptonshire")
    assert got[("Northamptonshire", 2020)] == nn > 700_000
    assert pop.attrs["corrections"][0]["rows"] == 40


POP_HEAD = "code,name,year,population\n"


@pytest.mark.parametrize("body, column, row, match", [
    pytest.param("E07000222,Warwick,2015,140000\nE07000222,Warwick,2015,140000\n", "code", 2, "duplicate",
                 id="duplicate-district-year"),
    pytest.param("E07000222,Warwick,2015,-5\n", "population", 1, "negative", id="negative"),
    pytest.param("E07000222,Warwick,2015,\n", "population", 1, "blank cell where a number is required", id="blank"),
    pytest.param("E07000222,Warwick,2015,1.5e5\n", "population", 1, "exponent notation", id="exponent"),
    pytest.param("E07000222,Warwick,2015,140000.5\n", "population", 1, "not a whole number", id="not-integer"),
    pytest.param("E07000222,Warwick,2015,inf\n", "population", 1, "not a finite number", id="inf"),
    pytest.param("E07000222,Warwick,1815,140000\n", "year", 1, "not a year", id="year-out-of-range"),
    pytest.param("E07000222,Warwick,mid-15,140000\n", "year", 1, "year", id="bad-year"),
    pytest.param(",Warwick,2015,140000\n", "code", 1, "blank", id="blank-code"),
])
def test_population_by_lad_bad_rows(tmp_path, body, column, row, match):
    p = tmp_path / "p.csv"
    p.write_text(POP_HEAD + body)
    with pytest.raises(DataValidationError, match=match) as e:
        population.load_population_by_lad(p)
    assert (e.value.column, e.value.row) == (column, row)


def test_district_without_force_is_named(tmp_path):
    p = tmp_path / "p.csv"
    p.write_text(POP_HEAD + "E07000222,Warwick,2015,140000\nE99999999,Nowhere,2015,10\n")
    with pytest.raises(DataValidationError, match="E99999999 \\(Nowhere\\) has no police force") as e:
        population.population_by_force_year(p)
    assert e.value.row == 2


@pytest.mark.parametrize("keep", [
    pytest.param(lambda rows: rows[: len(rows) // 2], id="file-cut-in-half"),
    pytest.param(lambda rows: [r for r in rows if not (r.startswith("E07000222") and ",2015," in r)],
                 id="one-district-year-missing"),
])
def test_truncated_population_is_an_error(tmp_path, keep):
    with gzip.open(paths.POPULATION_LAD, "rt", encoding="utf-8") as fh:
        head, *rows = fh.read().splitlines(keepends=True)
    p = tmp_path / "p.csv"
    p.write_text(head + "".join(keep(rows)))
    with pytest.raises(DataValidationError, match="has no population for"):
        population.population_by_force_year(p)


def test_lookup_duplicates_rejected(tmp_path):
    lk = tmp_path / "l.csv"
    lk.write_text("lad21cd,pfa21cd,pfa21nm\nE07000222,E23000017,Warwickshire\nE07000222,E23000016,West Mercia\n")
    with pytest.raises(DataValidationError, match="duplicate"):
        population.population_by_force_year(lookup=lk)


@pytest.mark.parametrize("loader, header, body, match", [
    pytest.param(population.load_population_2001_2010, "Police Force,Mid 2001,Mid 2002\n",
                 "Dorset,690.1,695.5\nDorset Police,690.1,695.5\n", "duplicate", id="2001-2010-duplicate"),
    pytest.param(population.load_population_2001_2010, "Police Force,Mid 2001,Mid 2002\n",
                 "Dorset,690.1,-695.5\n", "negative", id="2001-2010-negative"),
    pytest.param(population.load_population_mid2018, "code,name,MYE2018\n",
                 "E23000039,Dorset,772268\nE23000039,Dorset,772268\n", "duplicate", id="mid2018-duplicate"),
    pytest.param(population.load_population_mid2018, "code,name,MYE2018\n",
                 "E23000039,Dorset,-772268\n", "negative", id="mid2018-negative"),
])
def test_older_population_loaders_reject_duplicates_and_negatives(tmp_path, loader, header, body, match):
    p = tmp_path / "p.csv"
    p.write_text(header + body)
    with pytest.raises(DataValidationError, match=match):
        loader(p)


@pytest.mark.parametrize("call", [
    pytest.param(lambda p: workforce.load_workforce(p), id="load_workforce"),
    pytest.param(lambda p: workforce.load_workforce_open_data(p), id="load_workforce_open_data"),
    pytest.param(lambda p: population.load_population_by_lad(p), id="load_population_by_lad"),
    pytest.param(lambda p: population.population_by_force_year(lookup=p), id="population_lookup"),
    pytest.param(lambda p: population.load_population_2001_2010(p), id="load_population_2001_2010"),
    pytest.param(lambda p: population.load_population_mid2018(p), id="load_population_mid2018"),
    pytest.param(lambda p: css.load_css_by_force_group(p), id="load_css_by_force_group"),
])
def test_missing_file_is_a_validation_error(tmp_path, call):
    p = tmp_path / "absent.csv"
    with pytest.raises(DataValidationError, match="not found") as e:
        call(p)
    assert "absent.csv" in str(e.value) and e.value.fix


# ----------------------------------------------------------------------------- CSS

def test_css_against_plain_rows():
    rows = _plain(paths.CSS_FORCE_GROUP)
    df = css.load_css_by_force_group()
    assert len(df) == len(rows) == 7700
    plain = [float(r["severity_score"]) for r in rows if r["severity_score"] != ":"]
    assert math.isclose(df["severity_score"].sum(), sum(plain), rel_tol=1e-12)
    assert df.attrs["not_available"] == sum(r["severity_score"] == ":" for r in rows) == 140
    wm = [float(r["severity_score"]) for r in rows if r["name"] == "West Mercia"
          and r["offence_group"] == "Total recorded crime" and r["year_ending"] == "2016-03-31"]
    got = df.loc[(df["force"] == "West Mercia") & (df["offence_group"] == "Total recorded crime")
                 & (df["financial_year"] == "2015/16"), "severity_score"]
    assert got.tolist() == wm
    assert df.loc[df["area_type"] == "force", "force"].nunique() == 43
    assert df.loc[df["area_type"] != "force", "force"].isna().all()
    dc_code = {r["code"] for r in rows if r["name"] == "Devon and Cornwall"}.pop()
    assert df.loc[df["area_code"] == dc_code, "force"].unique().tolist() == ["Devon and Cornwall"]


CSS_HEAD = "offence_group,code,name,year,severity_score,year_ending\n"
CSS_ROW = "Robbery,E23000016,West Mercia,Apr '15 to Mar '16,{s},2016-03-31\n"


@pytest.mark.parametrize("body, column, row, match", [
    pytest.param(CSS_ROW.format(s="1.5") * 2, "code", 2, "duplicate", id="duplicate"),
    pytest.param(CSS_ROW.format(s="1.5") + CSS_ROW.format(s=":").replace("E23000016", "E23000001"), None, None,
                 None, id="marker-is-a-counted-gap"),
    pytest.param(CSS_ROW.format(s="-1.5"), "severity_score", 1, "negative", id="negative"),
    pytest.param(CSS_ROW.format(s="inf"), "severity_score", 1, "finite", id="inf"),
    pytest.param(CSS_ROW.format(s="n/a"), "severity_score", 1, "'n/a' is not a number", id="text"),
    pytest.param(CSS_ROW.format(s=""), "severity_score", 1, "blank cell", id="blank-is-not-the-marker"),
    pytest.param(CSS_ROW.format(s="1").replace("2016-03-31", "31/03/2016"), "year_ending", 1, "is not a date",
                 id="bad-date"),
    pytest.param(CSS_ROW.format(s="1").replace("West Mercia", "West Mercya"), "name", 1, "West Mercia",
                 id="misspelt-force"),
    pytest.param(CSS_ROW.format(s="1").replace("E23000016", "X99"), "code", 1, "area code", id="bad-code"),
    pytest.param(CSS_ROW.format(s="1").replace("2016-03-31", "2016-06-30"), "year_ending", 1, "31 March",
                 id="not-march"),
])
def test_css_bad_rows(tmp_path, body, column, row, match):
    p = tmp_path / "c.csv"
    p.write_text(CSS_HEAD + body)
    if match is None:  # ':' is ONS's "not available": NaN, counted; the other score kept
        out = css.load_css_by_force_group(p)
        assert out["severity_score"].isna().tolist() == [False, True] and out.attrs["not_available"] == 1
        return
    with pytest.raises(DataValidationError, match=match) as e:
        css.load_css_by_force_group(p)
    assert (e.value.column, e.value.row) == (column, row)


def test_workforce_missing_year_reported(tmp_path, wf):
    assert wf.attrs["coverage_gaps"] == []
    p = tmp_path / "w.csv"
    p.write_text(WF_HEAD + WF_ROW + WF_ROW.replace("2015", "2016") + WF_ROW.replace("West Mercia", "Dorset"))
    assert workforce.load_workforce_open_data(p).attrs["coverage_gaps"] == [{"force": "Dorset", "year": 2016}]


@pytest.mark.parametrize("content, match", [
    pytest.param(b"code,name,year,population", r"0 data row\(s\)", id="header-only-no-newline"),
    pytest.param(b"", "empty", id="empty"),
    pytest.param(gzip.compress(b"code,name,year,population\nE07000222,Warwick,2015,1\n" * 50)[:-30] + b"\x00" * 30,
                 "cannot read", id="corrupt-gzip"),
    pytest.param(b"code,name,year,population\nE07000222,W\xa3rwick,2015,1\n", "UTF-8", id="cp1252"),
])
def test_population_bad_files(tmp_path, content, match):
    p = tmp_path / "p.csv.gz" if content[:2] == b"\x1f\x8b" else tmp_path / "p.csv"
    p.write_bytes(content)
    with pytest.raises(DataValidationError, match=match) as e:
        population.load_population_by_lad(p)
    assert str(p) in str(e.value)


# ----------------------------------------------------------------------------- Census 2011 by force

@pytest.mark.parametrize("edit, column, match", [
    pytest.param(lambda rows: rows + [rows[-1]], "lad_code", r"duplicate key", id="supplement-row-repeated"),
    pytest.param(lambda rows: rows[:1] + [rows[1].replace(rows[1].split(",")[2], "Wessex", 1)] + rows[2:], "force",
                 r"row 1: unknown police force name 'Wessex'", id="supplement-unknown-force-names-the-supplement"),
    pytest.param(lambda rows: rows[:1] + rows[2:], "lad_code", r"has no police force", id="supplement-row-missing"),
])
def test_census_supplement_faults_are_named(tmp_path, monkeypatch, edit, column, match):
    src = paths.REFERENCE_DIR / "lad_to_force_supplement_2011.csv"
    rows = src.read_text(encoding="utf-8").splitlines(keepends=True)
    ref = tmp_path / "reference"
    ref.mkdir()
    for f in paths.REFERENCE_DIR.iterdir():
        if f.is_file():
            (ref / f.name).write_bytes(f.read_bytes())
    (ref / src.name).write_text("".join(edit(rows)), encoding="utf-8")
    monkeypatch.setattr(paths, "REFERENCE_DIR", ref)
    with pytest.raises(DataValidationError, match=match) as e:
        population.load_census_2011_population()
    assert e.value.column == column and e.value.file == str(ref / src.name)


def test_census_2011_total_against_plain_sum():
    with open(paths.crime_sim_toolkit_file(population.LSOA_POPULATION), encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        j = header.index("Persons")
        total = sum(int(r[j].replace(",", "")) for r in reader)
    pop = population.load_census_2011_population()
    assert int(pop["population"].sum()) == total and pop["force"].nunique() == len(pop)
