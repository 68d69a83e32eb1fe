"""Rolling 12-month PFA table: real-data totals against plain csv counts, and bad input."""

from __future__ import annotations

import csv

import pandas as pd
import pytest

from alliance_analysis import paths
from alliance_analysis.datasets import home_office
from alliance_analysis.errors import DataValidationError

HEADER = "12 months ending,PFA,Region,Offence,Rolling year total number of offences\n"


@pytest.fixture(scope="module")
def rolling():
    return home_office.load_rolling_pfa()


@pytest.fixture(scope="module")
def plain_rows():
    with open(paths.HO_ROLLING_PFA, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_row_count_and_totals_match_plain_csv(rolling, plain_rows):
    assert len(plain_rows) == 46469 == len(rolling)
    plain_total = sum(int(r["Rolling year total number of offences"]) for r in plain_rows)
    assert int(rolling["rolling_total"].sum()) == plain_total


@pytest.mark.parametrize("force, date, expected", [
    pytest.param("West Mercia", "31-03-2016", 72599, id="west-mercia-fy2015-16"),
    pytest.param("Devon and Cornwall", "31-03-2013", None, id="devon-cornwall-fy2012-13"),
    pytest.param("Warwickshire", "31-03-2007", None, id="warwickshire-annual-2006-07"),
])
def test_force_year_totals(rolling, plain_rows, force, date, expected):
    plain = sum(int(r["Rolling year total number of offences"]) for r in plain_rows
                if r["PFA"] == force and r["12 months ending"] == date)
    if expected is not None:
        assert plain == expected
    iso = pd.to_datetime(date, format="%d-%m-%Y")
    got = rolling.loc[(rolling["force"] == force) & (rolling["period_end"] == iso), "rolling_total"].sum()
    assert int(got) == plain > 0


def test_misprinted_date_corrected_and_counted(rolling, plain_rows):
    n_misprint = sum(r["12 months ending"] == "30-12-2017" for r in plain_rows)
    assert n_misprint == 927
    [corr] = rolling.attrs["corrections"]
    assert corr["rows"] == n_misprint and corr["to"] == "2017-12-31"
    assert (rolling["period_end"] == "2017-12-31").sum() == n_misprint
    assert rolling["period_end"].dt.is_month_end.all()


def test_frequency_and_force_types(rolling, plain_rows):
    annual = {r["12 months ending"] for r in plain_rows if r["12 months ending"].endswith(("2003", "2004", "2005", "2006"))}
    annual |= {"31-03-2007"}
    n_annual = sum(r["12 months ending"] in annual for r in plain_rows)
    assert (rolling["frequency"] == "annual").sum() == n_annual
    assert rolling.loc[rolling["frequency"] == "annual", "period_end"].max() == pd.Timestamp("2007-03-31")
    assert rolling.loc[rolling["frequency"] == "quarterly", "period_end"].min() == pd.Timestamp("2007-06-30")
    types = rolling.groupby("force")["force_type"].first()
    assert set(types[types == "national_fraud"].index) == {"Action Fraud", "CIFAS", "UK Finance"}
    assert list(types[types == "btp"].index) == ["British Transport Police"]
    assert (types == "territorial").sum() == 43
    n_negative = sum(int(r["Rolling year total number of offences"]) < 0 for r in plain_rows)
    assert len(rolling.attrs["negative_totals"]) == n_negative == 25


def test_release_from_sources_csv(rolling):
    assert rolling["release"].unique().tolist() == ["2019-04-25"]


def _write(tmp_path, body: str, name: str = "r.csv"):
    p = tmp_path / name
    p.write_text(HEADER + body, encoding="utf-8")
    return p


GOOD = "31-03-2016,West Mercia,West Midlands,Robbery,486\n"


@pytest.mark.parametrize("body, column, row, match", [
    pytest.param(GOOD + "31-03-2016,West Mercia,West Midlands,Robbery,486\n", "12 months ending", 2, "duplicate",
                 id="duplicate-key"),
    pytest.param(GOOD + "31-03-2016,West Mercia,West Midlands,Homicide,\n",
                 "Rolling year total number of offences", 2, "blank cell where a number is required", id="blank-total"),
    pytest.param(GOOD + "31-03-2016,West Mercia,West Midlands,Homicide,1.5\n",
                 "Rolling year total number of offences", 2, "whole number", id="decimal-total"),
    pytest.param(GOOD + "31-03-2016,West Mercia,West Midlands,Homicide,inf\n",
                 "Rolling year total number of offences", 2, "'inf' is not a finite number", id="inf-total"),
    pytest.param(GOOD + "31-03-2016,West Mercia,West Midlands,Homicide,-3\n",
                 "Rolling year total number of offences", 2, "negative", id="negative-total"),
    pytest.param(GOOD + "31-03-2016,West Mercya,West Midlands,Homicide,3\n", "PFA", 2, "West Mercia",
                 id="misspelt-force"),
    pytest.param(GOOD + "31-03-2016,,West Midlands,Homicide,3\n", "PFA", 2, "blank", id="blank-force"),
    pytest.param(GOOD + "15-03-2016,West Mercia,West Midlands,Homicide,3\n", "12 months ending", 2, "quarter",
                 id="not-quarter-end"),
    pytest.param(GOOD + "2016-03-31,West Mercia,West Midlands,Homicide,3\n", "12 months ending", 2,
                 "'2016-03-31' is not a date", id="iso-date"),
    pytest.param(GOOD + "31-03-2016,West Mercia,West Midlands,Homicide,1e3\n",
                 "Rolling year total number of offences", 2, "exponent notation", id="exponent-total"),
    pytest.param(GOOD + "31-03-2016,Devon & Cornwall,South West,Robbery,3\n"
                 "31-03-2016,Devon and Cornwall,South West,Robbery,3\n", "12 months ending", 3, "duplicate key",
                 id="two-spellings-of-one-force"),
    pytest.param(GOOD + "30-12-2017,Dorset,South West,Robbery,3\n31-12-2017,Dorset,South West,Robbery,3\n",
                 "12 months ending", 3, "duplicate key", id="misprint-repeats-a-corrected-date"),
    pytest.param(GOOD + "31-03-2016,West Mercia,West Midlands,,3\n", "Offence", 2, "blank", id="blank-offence"),
])
def test_bad_rows_named(tmp_path, body, column, row, match):
    p = _write(tmp_path, body)
    with pytest.raises(DataValidationError, match=match) as e:
        home_office.load_rolling_pfa(p)
    assert e.value.row == row and e.value.column == column
    assert str(p) in str(e.value) and e.value.fix


@pytest.mark.parametrize("content, match", [
    pytest.param(None, "not found", id="missing-file"),
    pytest.param(b"", "empty", id="empty-file"),
    pytest.param(b"PFA,Offence\nDorset,Robbery\n", r"missing column\(s\) \['12 months ending', 'Region'",
                 id="missing-columns"),
    pytest.param(HEADER.encode(), r"0 data row\(s\)", id="header-only"),
    pytest.param((HEADER + "31-03-2016,Dorset,South West,Robbery \xa3,3\n").encode("cp1252"), "UTF-8",
                 id="cp1252"),
])
def test_bad_files(tmp_path, content, match):
    p = tmp_path / "r.csv"
    if content is not None:
        p.write_bytes(content)
    with pytest.raises(DataValidationError, match=match):
        home_office.load_rolling_pfa(p)


def test_fraud_negative_kept_and_listed(tmp_path):
    p = _write(tmp_path, "30-06-2007,West Mercia,West Midlands,Fraud offences,-2\n" + GOOD)
    df = home_office.load_rolling_pfa(p)
    assert df["rolling_total"].tolist() == [-2, 486]
    assert df.attrs["negative_totals"][0]["row"] == 1
    assert df["release"].iloc[0] == "r.csv (unregistered release)"


def test_input_file_unchanged(tmp_path):
    p = _write(tmp_path, "30-12-2017,West Mercia,West Midlands,Robbery,486\n")
    before = p.read_bytes()
    home_office.load_rolling_pfa(p)
    assert p.read_bytes() == before


@pytest.mark.shared_data
def test_shipped_files_identical_to_shared_data(shared_data):
    for p in paths.SHIPPED_SOURCES.values():
        rel = p.relative_to(paths.RAW_DIR)
        assert p.read_bytes() == (shared_data / rel).read_bytes(), rel


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_cells = st.one_of(st.integers(min_value=-50, max_value=10**7).map(str),
                   st.sampled_from(["", " ", "1.5", "inf", "-inf", "nan", "NaN", "1e3", "12,345", "x", "--1", "0x10"]),
                   st.text(alphabet="0123456789-., ab", max_size=6))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cells=st.lists(_cells, min_size=1, max_size=5), fraud=st.booleans())
def test_generated_totals_give_a_named_error_or_the_right_sum(tmp_path, cells, fraud):
    offence = "Fraud offences" if fraud else "Robbery"
    body = "".join(f"31-03-2016,Dorset,South West,{offence},\"{c}\"\n".replace("Dorset", f) for c, f in
                   zip(cells, ["Dorset", "Kent", "Essex", "Surrey", "Sussex"]))
    p = tmp_path / "gen.csv"
    p.write_text(HEADER + body)
    try:
        df = home_office.load_rolling_pfa(p)
    except DataValidationError as e:
        assert e.row is not None and e.column
        return
    # accepted cells are whole numbers as printed ("7", "7.0", "0.", "12,345"), never "1e3"
    assert not any("e" in c.lower() for c in cells)
    expected = sum(int(float(c.strip().replace(",", ""))) for c in cells)
    assert int(df["rolling_total"].sum()) == expected
    assert (df["rolling_total"] >= 0).all() or fraud


def test_truncated_file_reports_coverage_gaps(tmp_path, plain_rows):
    # keep every row except West Mercia's for the year ending June 2010: a hole the loader must report
    lines = paths.HO_ROLLING_PFA.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [ln for ln in lines if not ln.startswith("30-06-2010,West Mercia,")]
    assert len(lines) - len(kept) == sum(r["PFA"] == "West Mercia" and r["12 months ending"] == "30-06-2010"
                                         for r in plain_rows) > 0
    p = tmp_path / "cut.csv"
    p.write_text("".join(kept), encoding="utf-8")
    df = home_office.load_rolling_pfa(p)
    assert df.attrs["coverage_gaps"] == [{"force": "West Mercia", "period_end": "2010-06-30"}]
    assert home_office.load_rolling_pfa().attrs["coverage_gaps"] == []
