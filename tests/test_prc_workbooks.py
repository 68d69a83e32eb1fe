"""Quarterly PRC open data tables: CSV, ODS and XLSX workbooks the tests write, the shipped release, bad input."""

from __future__ import annotations

import csv
import gzip
import io

import pandas as pd
import pytest

from alliance_analysis import paths
from alliance_analysis.datasets import prc
from alliance_analysis.errors import DataValidationError

OFFICIAL = ["Financial Year", "Financial Quarter", "Force Name", "Offence Description", "Offence Group",
            "Offence Subgroup", "Offence Code", "Number of Offences"]


def _year(fy: str, counts=(5, 6, 7, 8), force="Devon & Cornwall") -> pd.DataFrame:
    return pd.DataFrame({
        "Financial Year": fy, "Financial Quarter": [1, 2, 3, 4], "Force Name": force,
        "Offence Description": "Robbery of personal property", "Offence Group": "Robbery",
        "Offence Subgroup": "Robbery of personal property", "Offence Code": "34B",
        "Number of Offences": list(counts)})


def _workbook(path, sheets: dict[str, pd.DataFrame], engine: str, *, cover=True, notes=True, title_rows=0):
    with pd.ExcelWriter(path, engine=engine) as xw:
        if cover:
            pd.DataFrame({"Police recorded crime open data tables": ["Published 19 October 2023", "Contents"]}
                         ).to_excel(xw, sheet_name="Cover", index=False)
        for name, df in sheets.items():
            if title_rows:
                pd.DataFrame({"Title": ["Recorded crime by PFA"] * title_rows}).to_excel(
                    xw, sheet_name=name, index=False, header=False)
            df.to_excel(xw, sheet_name=name, index=False, startrow=title_rows)
        if notes:
            pd.DataFrame({"Notes": ["1. Fraud is recorded by Action Fraud", "2. Figures are revised"]}).to_excel(
                xw, sheet_name="Notes", index=False)
    return path


@pytest.mark.parametrize("engine, suffix, names, title_rows", [
    pytest.param("odf", ".ods", ("2012-13", "2013-14"), 0, id="ods-hyphen"),
    pytest.param("odf", ".ods", ("2012_13", "2013_14"), 2, id="ods-underscore-title-rows"),
    pytest.param("odf", ".ods", ("2012/13", "2013/14"), 0, id="ods-slash"),
    pytest.param("openpyxl", ".xlsx", ("2012-13", "2013-14"), 0, id="xlsx-hyphen"),
    pytest.param("openpyxl", ".xlsx", ("FY 2012-13", "FY 2013_14"), 3, id="xlsx-fy-prefix-title-rows"),
])
def test_workbook_one_sheet_per_year(tmp_path, engine, suffix, names, title_rows):
    p = _workbook(tmp_path / f"prc{suffix}", {names[0]: _year("2012/13"), names[1]: _year("2013/14", (1, 2, 3, 4))},
                  engine, title_rows=title_rows)
    df = prc.load_prc_quarterly(p)
    assert df.attrs["skipped_sheets"] == ["Cover", "Notes"]
    assert len(df) == 8
    # 5+6+7+8 = 26 in 2012/13, 1+2+3+4 = 10 in 2013/14
    assert df.groupby("financial_year")["count"].sum().to_dict() == {"2012/13": 26, "2013/14": 10}
    assert set(df["force"]) == {"Devon and Cornwall"}
    assert df["count"].dtype == "int64" and df["offence_code"].tolist()[0] == "34B"
    # FY 2012/13 Q1 = Apr-Jun 2012 = calendar 2012Q2; Q4 = Jan-Mar 2013 = 2013Q1
    assert [str(q) for q in df["quarter"][:4]] == ["2012Q2", "2012Q3", "2012Q4", "2013Q1"]


def test_workbook_sheet_selection(tmp_path):
    p = _workbook(tmp_path / "prc.xlsx", {"2012-13": _year("2012/13"), "2013-14": _year("2013/14")}, "openpyxl")
    df = prc.load_prc_quarterly(p, sheet="2013-14")
    assert df["financial_year"].unique().tolist() == ["2013/14"]
    with pytest.raises(DataValidationError, match="no sheet"):
        prc.load_prc_quarterly(p, sheet="2019-20")


@pytest.mark.parametrize("sheets, match", [
    pytest.param({"2012-13": _year("2013/14")}, "sheet for 2012/13", id="row-in-wrong-year-sheet"),
    pytest.param({"2012-13": _year("2012/13"), "2012_13": _year("2012/13")}, "duplicate", id="year-twice"),
    pytest.param({"2012-13": pd.DataFrame({"a": [1]})}, "no header row", id="year-sheet-without-header"),
    pytest.param({"Data notes": pd.DataFrame({"a": [1]})}, "no financial-year data sheet", id="no-data-sheet"),
    # rows are the spreadsheet's own: header on row 1, the third data row is row 4
    pytest.param({"2012-13": _year("2012/13", (1, 2, "x", 4))}, r"\[sheet 2012-13\]: column 'Number of Offences', "
                 r"row 4: number of offences 'x' is not a whole number", id="text-count"),
    pytest.param({"2012-13": _year("2012/13", (1, 2, 3.5, 4))}, "row 4: '3.5' is not a whole number",
                 id="fractional-count"),
    pytest.param({"2012-13": _year("2012/13", force="West Mercya")}, "West Mercia", id="misspelt-force"),
])
def test_workbook_bad_input(tmp_path, sheets, match):
    p = _workbook(tmp_path / "prc.xlsx", sheets, "openpyxl")
    with pytest.raises(DataValidationError, match=match) as e:
        prc.load_prc_quarterly(p)
    assert str(p) in str(e.value)


def test_corrupt_workbook(tmp_path):
    p = tmp_path / "prc.ods"
    p.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(DataValidationError, match="cannot read the workbook"):
        prc.load_prc_quarterly(p)


@pytest.mark.parametrize("columns", [
    pytest.param(OFFICIAL, id="official"),
    pytest.param([c.replace(" ", "_") for c in OFFICIAL], id="underscored"),
    pytest.param([c.replace(" ", ".") for c in OFFICIAL], id="dotted"),
])
def test_csv_column_variants(tmp_path, columns):
    df = _year("2015/16")
    df.columns = columns
    p = tmp_path / "prc.csv.gz"
    df.to_csv(p, index=False)
    out = prc.load_prc_quarterly(p)
    assert out["count"].tolist() == [5, 6, 7, 8]


CSV_HEAD = ",".join(OFFICIAL) + "\n"
ROW = "2015/16,1,West Mercia,Robbery of personal property,Robbery,Robbery of personal property,34B,{n}\n"


@pytest.mark.parametrize("body, column, row, match", [
    pytest.param(ROW.format(n=3) * 2, "Financial Year", 2, "duplicate", id="duplicate-row"),
    pytest.param(ROW.format(n=3) + ROW.format(n="").replace(",1,", ",2,"), "Number of Offences", 2,
                 "blank cell where a number is required", id="blank-count"),
    pytest.param(ROW.format(n="inf"), "Number of Offences", 1, "'inf' is not a finite number", id="inf-count"),
    pytest.param(ROW.format(n="2e3"), "Number of Offences", 1, "exponent notation", id="exponent-count"),
    pytest.param(ROW.format(n="3") + ROW.format(n="3").replace("West Mercia", "West Mercia Police"),
                 "Financial Year", 2, r"duplicate key \('2015/16', 1, 'West Mercia', '34B'\)",
                 id="two-spellings-of-one-force"),
    pytest.param(ROW.format(n="3") + ROW.format(n="3").replace(",34B,", ",34B.0,"), "Financial Year", 2,
                 "duplicate key", id="code-printed-as-float"),
    pytest.param(ROW.format(n=3).replace(",1,", ",5,"), "Financial Quarter", 1, "1-4", id="bad-quarter"),
    pytest.param(ROW.format(n=3).replace("2015/16", "2015/17"), "Financial Year", 1, "financial year",
                 id="bad-year"),
    pytest.param(ROW.format(n=3).replace("West Mercia", ""), "Force Name", 1, "blank", id="blank-force"),
])
def test_csv_bad_rows(tmp_path, body, column, row, match):
    p = tmp_path / "prc.csv"
    p.write_text(CSV_HEAD + body)
    with pytest.raises(DataValidationError, match=match) as e:
        prc.load_prc_quarterly(p)
    assert (e.value.column, e.value.row) == (column, row)


def test_missing_file_named(tmp_path):
    for name in ("gone.csv", "gone.ods"):
        with pytest.raises(DataValidationError, match="not found") as e:
            prc.load_prc_quarterly(tmp_path / name)
        assert name in str(e.value) and e.value.fix


@pytest.fixture(scope="module")
def shipped():
    return prc.load_prc_quarterly()


@pytest.fixture(scope="module")
def plain():
    with gzip.open(paths.HO_PRC_QUARTERLY, "rt", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_shipped_release_rows_and_totals(shipped, plain):
    assert len(plain) == 258905 == len(shipped)
    assert int(shipped["count"].sum()) == sum(int(r["Number of Offences"]) for r in plain)
    assert shipped.attrs["negative_counts"] == sum(int(r["Number of Offences"]) < 0 for r in plain)
    assert shipped["release"].unique().tolist() == ["2023-10-19"]


@pytest.mark.parametrize("published, canonical, fy, expected", [
    pytest.param("West Mercia", "West Mercia", "2015/16", 76290, id="west-mercia-2015-16"),
    pytest.param("Devon & Cornwall", "Devon and Cornwall", "2013/14", None, id="devon-cornwall-2013-14"),
    pytest.param("London, City of", "City of London", "2019/20", None, id="city-of-london-2019-20"),
])
def test_shipped_force_year_totals(shipped, plain, published, canonical, fy, expected):
    total = sum(int(r["Number of Offences"]) for r in plain
                if r["Force Name"] == published and r["Financial Year"] == fy)
    if expected is not None:
        assert total == expected
    got = shipped.loc[(shipped["force"] == canonical) & (shipped["financial_year"] == fy), "count"].sum()
    assert int(got) == total > 0


def test_duplicated_rows_are_an_error_in_tidy_prc_and_load_prc_table(tmp_path):
    # issue 12: a file with every row twice gave twice the total; now the repeated row is named.
    raw = pd.read_csv(io.StringIO(CSV_HEAD + ROW.format(n=3) + ROW.format(n=3)), dtype=str)
    with pytest.raises(DataValidationError, match=r"duplicate key .* \(first on row 1\)") as e:
        prc.tidy_prc(raw, source="x.csv")
    assert e.value.row == 2
    bundled = pd.read_csv(paths.crime_sim_toolkit_file(prc.BUNDLED_PRC_2017_18), dtype=str, keep_default_na=False)
    p = tmp_path / "doubled.csv"
    pd.concat([bundled, bundled.iloc[:3]]).to_csv(p, index=False)
    with pytest.raises(DataValidationError, match="duplicate"):
        prc.load_prc_table(p)


def test_force_category_table_duplicates_and_inf(tmp_path):
    head = "force,crime_type,count_2024_25,harm_cchi_days\n"
    row = "Dorset,Robbery,10,20.5\n"
    p = tmp_path / "cat.csv"
    p.write_text(head + row + row)
    with pytest.raises(DataValidationError, match="duplicate"):
        prc.load_force_category_table(p)
    p.write_text(head + row.replace("20.5", "inf"))
    with pytest.raises(DataValidationError, match="finite") as e:
        prc.load_force_category_table(p)
    assert e.value.column == "harm_cchi_days"


def test_missing_force_quarter_reported(tmp_path):
    # a gap inside the file is reported; Dorset's FY Q3 (2012Q4) is absent
    df = pd.concat([_year("2012/13"), _year("2012/13", force="Dorset").iloc[[0, 1, 3]]])
    p = tmp_path / "prc.csv"
    df.to_csv(p, index=False)
    out = prc.load_prc_quarterly(p)
    assert out.attrs["coverage_gaps"] == [{"force": "Dorset", "quarter": "2012Q4"}]


def test_force_missing_from_last_quarter_is_truncation(tmp_path):
    # issue 21 item 3: rows dropped from the end of an explicit path remove a force from the last quarter
    df = pd.concat([_year("2012/13"), _year("2012/13", force="Dorset").iloc[:3]])
    p = tmp_path / "prc.csv"
    df.to_csv(p, index=False)
    with pytest.raises(DataValidationError, match=r"last period \(2013Q1\) lacks 1 unit.*'Dorset'.*truncated"):
        prc.load_prc_quarterly(p)


def test_shipped_release_has_no_coverage_gaps(shipped):
    assert shipped.attrs["coverage_gaps"] == []


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cells=st.lists(st.one_of(st.integers(-20, 10**6).map(str),
                                st.sampled_from(["", "1.5", "inf", "nan", "1e3", "7.0", "1,000", "x", "\u0667"])),
                      min_size=1, max_size=4))
def test_generated_counts_give_a_named_error_or_the_right_sum(tmp_path, cells):
    body = "".join(ROW.replace(",1,", f",{q},").format(n=f'"{c}"') for q, c in zip((1, 2, 3, 4), cells))
    p = tmp_path / "gen.csv"
    p.write_text(CSV_HEAD + body)
    try:
        df = prc.load_prc_quarterly(p)
    except DataValidationError as e:
        assert e.column == "Number of Offences" and e.row is not None
        return
    expected = sum(int(float(c.replace(",", ""))) for c in cells)
    assert int(df["count"].sum()) == expected


def test_float_mangled_offence_codes_are_repaired_and_counted(tmp_path):
    """The shipped release's codes went through floating point in an R export ("4.9000000000000004");
    the loader repairs them to the printed code and counts the repairs."""
    import csv
    import gzip

    from alliance_analysis import paths
    from alliance_analysis.datasets.prc import load_prc_quarterly

    with gzip.open(paths.RAW_DIR / "home_office" / "prc-pfa-mar2013-onwards-tables-191023.csv.gz", "rt") as fh:
        mangled = sum(1 for r in csv.DictReader(fh) if len(r["Offence Code"].split(".")[-1]) >= 6
                      and "." in r["Offence Code"])
    q = load_prc_quarterly()
    assert mangled > 0 and q.attrs["repaired_codes"] == mangled
    assert not q["offence_code"].str.fullmatch(r"\d+\.\d{6,}").any()
    assert {"4.9", "37.2"} <= set(q["offence_code"])
