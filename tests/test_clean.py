"""Force names, financial years/quarters and monthly calendars, with hand-worked expectations."""

from __future__ import annotations

import pandas as pd
import pytest

from alliance_analysis import clean
from alliance_analysis.errors import DataValidationError, ParameterError


@pytest.mark.parametrize("raw, expected", [
    pytest.param("Devon & Cornwall Police", "Devon and Cornwall", id="ampersand-police"),
    pytest.param("Devon and Cornwall", "Devon and Cornwall", id="canonical"),
    pytest.param("devon-and-cornwall", "Devon and Cornwall", id="police-uk-slug"),
    pytest.param("West Mercia Police", "West Mercia", id="suffix-police"),
    pytest.param("west-mercia", "West Mercia", id="slug"),
    pytest.param("Dyfed Powys", "Dyfed-Powys", id="dyfed-no-hyphen"),
    pytest.param("Dyfed-Powys Police", "Dyfed-Powys", id="dyfed-police"),
    pytest.param("Metropolitan Police Service", "Metropolitan Police", id="met-service"),
    pytest.param("metropolitan", "Metropolitan Police", id="met-slug"),
    pytest.param("London, City of", "City of London", id="ons-city-of-london"),
    pytest.param("City of London Police", "City of London", id="col-police"),
    pytest.param("Avon & Somerset Constabulary", "Avon and Somerset", id="constabulary"),
    pytest.param("northern-ireland", "Northern Ireland", id="ni-slug"),
    pytest.param("btp", "British Transport Police", id="btp-slug"),
])
def test_canonical_force_name(raw, expected):
    assert clean.canonical_force_name(raw) == expected


def test_northern_ireland_is_not_a_territorial_force():
    assert "Northern Ireland" not in clean.CANONICAL_FORCES
    assert len(clean.CANONICAL_FORCES) == 43


def test_unknown_force_names_close_matches():
    with pytest.raises(DataValidationError, match="West Mercia") as e:
        clean.canonical_force_name("West Merica", source="x.csv")
    assert "x.csv" in str(e.value)


@pytest.mark.parametrize("force, slug", [
    pytest.param("British Transport Police", "btp", id="btp"),
    pytest.param("Metropolitan Police", "metropolitan", id="met"),
    pytest.param("Devon & Cornwall", "devon-and-cornwall", id="dc"),
    pytest.param("Northern Ireland", "northern-ireland", id="ni"),
])
def test_force_slug(force, slug):
    assert clean.force_slug(force) == slug


@pytest.mark.parametrize("date, fy, q, label", [
    # April starts Q1 of the year; March closes Q4 of the previous one
    pytest.param("2013-04-01", "2013/14", 1, "2013/14 Q1", id="first-day"),
    pytest.param("2014-03-31", "2013/14", 4, "2013/14 Q4", id="last-day"),
    pytest.param("2013-12-15", "2013/14", 3, "2013/14 Q3", id="december"),
    pytest.param("2000-01-10", "1999/00", 4, "1999/00 Q4", id="century"),
])
def test_financial_year_and_quarter(date, fy, q, label):
    assert clean.financial_year(date) == fy
    assert clean.financial_quarter(date) == q
    assert clean.quarter_label(date) == label


def test_month_range_and_its_errors():
    # Nov 2013 .. Feb 2014 = Nov, Dec, Jan, Feb = 4 months
    assert len(clean.month_range("2013-11", "2014-02")) == 4
    # Apr 2010 .. Mar 2020 = 10 years x 12 = 120 months
    assert len(clean.month_range("2010-04", "2020-03")) == 120
    with pytest.raises(ParameterError, match="before"):
        clean.month_range("2014-02", "2013-11")


def test_complete_monthly_index_marks_gaps_without_filling():
    d = pd.DataFrame({"force": ["A", "A", "B"], "crime_type": ["Drugs"] * 3,
                      "month": pd.PeriodIndex(["2020-01", "2020-04", "2020-02"], freq="M"),
                      "count": [5, 7, 3]})
    before = d.copy()
    out = clean.complete_monthly_index(d, start="2020-01", end="2020-04")
    # 2 groups x 4 months = 8 rows; A misses Feb, Mar; B misses Jan, Mar, Apr -> 5 gaps
    assert len(out) == 8
    assert int(out["is_gap"].sum()) == 5
    assert out.loc[out["is_gap"], "count"].isna().all()
    assert int(out["count"].sum()) == 15
    pd.testing.assert_frame_equal(d, before)


# ----------------------------------------------------------------------------- strict parsing (now validation.py)
# The strict helpers that lived here (read_csv_strict, parse_count_column, parse_float_column,
# check_unique) were folded into the one validation layer; their cases are kept, against it.

from alliance_analysis.validation import Column, Schema, check_key, validate  # noqa: E402

COUNT = Schema("t", [Column("n", "count", thousands=True, scientific=False)])
SIGNED = Schema("t", [Column("n", "int", thousands=True, scientific=False)])
FLOAT = Schema("t", [Column("v", "float", nonnegative=True)])


@pytest.mark.parametrize("schema, values, expected", [
    pytest.param(COUNT, ["0", "12", "1,234"], [0, 12, 1234], id="plain-and-thousands"),
    pytest.param(SIGNED, [" 7 ", "-3"], [7, -3], id="negative-where-declared-signed"),
    pytest.param(COUNT, ["7.0"], [7], id="whole-number-printed-with-point"),
])
def test_counts_good(schema, values, expected):
    assert validate(pd.DataFrame({"n": values}), schema, source="f.csv")["n"].tolist() == expected


@pytest.mark.parametrize("values, row, match", [
    pytest.param(["1", ""], 2, "blank cell", id="blank"),
    pytest.param(["1", "2", "x"], 3, "'x' is not a number", id="text"),
    pytest.param(["2.5"], 1, "not a whole number", id="decimal"),
    pytest.param(["nan"], 1, "'nan' is not a number", id="nan"),
    pytest.param(["1", "-1"], 2, "negative", id="negative"),
    pytest.param(["1e3"], 1, "exponent notation", id="exponent"),
])
def test_counts_bad(values, row, match):
    with pytest.raises(DataValidationError, match=match) as e:
        validate(pd.DataFrame({"n": values}), COUNT, source="f.csv")
    assert (e.value.file, e.value.column, e.value.row) == ("f.csv", "n", row)


@pytest.mark.parametrize("values, row, match", [
    pytest.param(["1.5", "inf"], 2, "not a finite number", id="inf"),
    pytest.param(["-inf"], 1, "not a finite number", id="minus-inf"),
    pytest.param(["NaN"], 1, "not a number", id="nan"),
    pytest.param(["1", "1.2.3"], 2, "not a number", id="two-points"),
])
def test_floats_refuse_non_finite(values, row, match):
    with pytest.raises(DataValidationError, match=match) as e:
        validate(pd.DataFrame({"v": values}), FLOAT, source="f.csv")
    assert e.value.row == row


def test_duplicate_rows_keep_their_file_numbers_after_a_filter():
    df = pd.DataFrame({"a": [1, 2, 1], "b": ["x", "y", "x"]}, index=[4, 7, 9])  # rows 5, 8, 10 survived
    with pytest.raises(DataValidationError, match=r"duplicate key \(1, 'x'\) \(first on row 5\)") as e:
        check_key(df, ["a", "b"], source="f.csv")
    assert e.value.row == 10
    check_key(df.iloc[:2], ["a", "b"], source="f.csv")  # no error without the repeat


@pytest.mark.parametrize("names, expected", [
    pytest.param(["Devon & Cornwall", "London, City of"], ["Devon and Cornwall", "City of London"], id="published"),
])
def test_canonical_force_column(names, expected):
    assert clean.canonical_force_column(pd.Series(names), file=None, column="f").tolist() == expected


@pytest.mark.parametrize("names, row", [
    pytest.param(["Dorset", "West Mercya"], 2, id="misspelt"),
    pytest.param(["", "Dorset"], 1, id="blank"),
])
def test_canonical_force_column_bad(names, row):
    with pytest.raises(DataValidationError) as e:
        clean.canonical_force_column(pd.Series(names), file="f.csv", column="PFA")
    assert (e.value.column, e.value.row) == ("PFA", row)


def test_force_type():
    got = clean.force_type(pd.Series(["West Mercia", "British Transport Police", "CIFAS", "UK Finance"])).tolist()
    assert got == ["territorial", "btp", "national_fraud", "national_fraud"]


@pytest.mark.parametrize("cell", [
    pytest.param("1e400", id="overflow-to-inf"),
    pytest.param("\u0661\u0662\u0663", id="arabic-indic-digits"),
    pytest.param("12 345", id="space-thousands"),
    pytest.param("\ufeff5", id="bom"),
])
def test_numbers_that_would_coerce_silently_are_refused(cell):
    with pytest.raises(DataValidationError) as e:
        validate(pd.DataFrame({"v": [cell]}), FLOAT, source="f.csv")
    assert e.value.column == "v" and e.value.row == 1
    with pytest.raises(DataValidationError) as e:
        validate(pd.DataFrame({"n": [cell]}), COUNT, source="f.csv")
    assert e.value.column == "n" and e.value.row == 1


def test_strict_helpers_are_gone_from_clean():
    # one validation layer: no second copy of the number parsing or the duplicate check
    for name in ("read_csv_strict", "parse_count_column", "parse_float_column", "check_unique"):
        assert not hasattr(clean, name), name
