"""The shared validation layer: every hostile cell or file named by file, row and column."""

from __future__ import annotations

import csv
import gzip
import logging

import numpy as np
import pandas as pd
import pytest

from alliance_analysis.errors import DataValidationError, ParameterError
from alliance_analysis.validation import Column, Schema, load_table, read_table, validate

SCHEMA = Schema(
    "demo table",
    [Column("force"), Column("kind", "category", allowed=("a", "b")), Column("n", "count", thousands=True),
     Column("w", "float", nonnegative=True), Column("when", "date", required=False),
     Column("note", required=False, nullable=True)],
    key=("force", "kind"),
)
GOOD = "force,kind,n,w\nDorset,a,1,0.5\nDorset,b,2,1.5\nKent,a,3,2\n"


def _write(tmp_path, text: str | bytes, name: str = "t.csv"):
    p = tmp_path / name
    p.write_bytes(text if isinstance(text, bytes) else text.encode())
    return p


@pytest.mark.parametrize(
    "text, message",
    [
        pytest.param(GOOD + "Kent,a,4,1\n", r"column 'force', row 4: duplicate key \('Kent', 'a'\) \(first on row 3\)",
                     id="duplicate-key"),
        pytest.param(GOOD.replace("3,2", "3,x"), r"column 'w', row 3: 'x' is not a number", id="text-number"),
        pytest.param(GOOD.replace("3,2", "3,"), r"column 'w', row 3: blank cell where a number is required",
                     id="blank-number"),
        pytest.param(GOOD.replace("3,2", "3,inf"), r"column 'w', row 3: 'inf' is not a finite number", id="inf"),
        pytest.param(GOOD.replace("3,2", "3,nan"), r"column 'w', row 3: 'nan' is not a number", id="nan-text"),
        pytest.param(GOOD.replace("3,2", "3,-2"), r"column 'w', row 3: '-2' is negative", id="negative-float"),
        pytest.param(GOOD.replace("Kent,a,3", "Kent,a,-3"), r"column 'n', row 3: '-3' is negative", id="negative-count"),
        pytest.param(GOOD.replace("Kent,a,3", "Kent,a,3.5"), r"column 'n', row 3: '3.5' is not a whole number",
                     id="fractional-count"),
        pytest.param(GOOD.replace("Kent,a,3", 'Kent,a,"3,50"'), r"column 'n', row 3: '3,50' is not a number "
                     r"\(a thousands separator\?\)", id="bad-separator"),
        pytest.param(GOOD.replace("Kent,a", "Kent,c"), r"column 'kind', row 3: 'c' is not an allowed value",
                     id="not-allowed"),
        pytest.param(GOOD.replace("Kent,a", ",a"), r"column 'force', row 3: blank cell", id="blank-text"),
        pytest.param(GOOD.replace(",w\n", ",x\n"), r"missing column\(s\) \['w'\]", id="missing-column"),
        pytest.param("force,kind,n,w\n", r"0 data row\(s\), need at least 1", id="header-only"),
        pytest.param("force,kind,n,w", r"0 data row\(s\), need at least 1", id="header-only-no-newline"),
        pytest.param("", r"is empty \(0 bytes\)", id="empty-file"),
        pytest.param("\n\n", r"has no header and no data", id="blank-lines-only"),
        pytest.param(GOOD + "Kent,b,4,1,extra\n", r"Expected 4 fields in line 5, saw 5", id="ragged-row"),
        pytest.param("force,kind,n,w\nDorset,a,1,0.5,9\nKent,a,3,2,9\n", r"more fields than the header",
                     id="every-row-one-field-too-many"),
        pytest.param(GOOD + 'Kent,b,"4,1\n', r"not a readable CSV: .*EOF inside string", id="bad-quoting"),
        pytest.param(b"force,kind,n,w\n\x81\x8d,a,1,1\n", r"not text in any of \['utf-8-sig', 'cp1252'\] \(byte 15",
                     id="undecodable"),
        pytest.param(GOOD.replace("force,kind,n,w\n", "force,kind,n,w,when\n").replace("\n", ",2020-13-01\n")
                     .replace("w,when,2020-13-01", "w,when"), r"column 'when', row 1: '2020-13-01' is not a date",
                     id="bad-date"),
    ],
)
def test_hostile_cells_and_files_are_named(tmp_path, text, message):
    p = _write(tmp_path, text)
    with pytest.raises(DataValidationError, match=message) as exc:
        load_table(p, SCHEMA)
    assert exc.value.file == str(p)
    assert len(str(exc.value)) < 2000


def test_good_file_types_and_totals(tmp_path):
    p = _write(tmp_path, GOOD.replace("Kent,a,3", 'Kent,a,"1,003"'))
    out = load_table(p, SCHEMA)
    # independent count with the csv module: 1 + 2 + 1003
    with open(p, newline="") as fh:
        total = sum(int(r["n"].replace(",", "")) for r in csv.DictReader(fh))
    assert out["n"].sum() == total == 1006
    assert out["n"].dtype == "int64" and out["w"].dtype == "float64"
    assert out["force"].tolist() == ["Dorset", "Dorset", "Kent"]
    assert out.attrs["corrections"] == ["column 'n': 1 value(s) with a thousands separator read as numbers"]


def test_missing_file_names_path(tmp_path):
    with pytest.raises(DataValidationError, match=r"demo table not found.*Fix: check the path"):
        load_table(tmp_path / "nope.csv", SCHEMA)


def test_cp1252_read_and_logged(tmp_path, caplog):
    p = _write(tmp_path, "force,kind,n,w\nDorset \xa3,a,1,1\n".encode("cp1252"))
    with caplog.at_level(logging.INFO, logger="alliance_analysis.validation"):
        out = load_table(p, SCHEMA)
    assert out["force"].iloc[0] == "Dorset £"
    assert "decoded as cp1252" in caplog.text
    assert out.attrs["corrections"] == ["decoded as cp1252 (not utf-8-sig)"]


def test_bom_and_spaces_in_header(tmp_path):
    p = _write(tmp_path, "\ufeffforce , kind,n,w\n Dorset ,a,1,1\n".encode("utf-8"))
    assert load_table(p, SCHEMA)["force"].tolist() == ["Dorset"]


def test_gzip_and_truncated_gzip(tmp_path):
    p = tmp_path / "t.csv.gz"
    p.write_bytes(gzip.compress(GOOD.encode()))
    assert load_table(p, SCHEMA)["n"].sum() == 6
    p.write_bytes(gzip.compress(GOOD.encode() * 50)[:-30])
    with pytest.raises(DataValidationError, match=r"t\.csv\.gz"):
        load_table(p, SCHEMA)


@pytest.mark.parametrize(
    "rows, ok",
    [pytest.param(100, True, id="complete"), pytest.param(99, True, id="one-percent-short"),
     pytest.param(98, False, id="two-percent-short"), pytest.param(50, False, id="cut-to-half")],
)
def test_expected_rows_catch_truncation(rows, ok):
    s = Schema("coverage", [Column("i", "int")], key=("i",), expected_rows=100)
    df = pd.DataFrame({"i": [str(i) for i in range(rows)]})
    if ok:
        assert len(validate(df, s, source="c.csv")) == rows
    else:
        with pytest.raises(DataValidationError, match=rf"{rows} data rows, expected 100 .*truncated"):
            validate(df, s, source="c.csv")


def test_aliases_prefix_nullable_and_input_not_mutated():
    s = Schema("a", [Column("count", "int", aliases=("Number of Offences",)),
                     Column("national_count", "count", prefix=True, nullable=True)])
    df = pd.DataFrame({"Number of Offences": ["1", "2"], "national_count_2024_25": ["5", ""], "other": [1, 2]})
    before = df.copy()
    out = validate(df, s, source="x")
    pd.testing.assert_frame_equal(df, before)
    assert list(out.columns) == ["count", "national_count", "other"]
    assert out["national_count"].tolist()[0] == 5 and out["national_count"].isna().tolist() == [False, True]


def test_numeric_input_columns_are_checked_too():
    s = Schema("n", [Column("x", "float", nonnegative=True)])
    with pytest.raises(DataValidationError, match=r"row 2: inf is not a finite number"):
        validate(pd.DataFrame({"x": [1.0, np.inf]}), s, source="n")
    with pytest.raises(DataValidationError, match=r"row 1: blank cell"):
        validate(pd.DataFrame({"x": [np.nan, 1.0]}), s, source="n")


@pytest.mark.parametrize(
    "make, message",
    [pytest.param(lambda: Column("x", "money"), "kind 'money'", id="bad-kind"),
     pytest.param(lambda: Schema("s", [Column("x")], key=("y",)), "key column 'y'", id="bad-key")],
)
def test_bad_declarations(make, message):
    with pytest.raises(ParameterError, match=message):
        make()


def test_error_counts_further_bad_rows():
    s = Schema("n", [Column("x", "count")])
    with pytest.raises(DataValidationError, match=r"row 2: '-1' is negative \(2 more rows like it\)"):
        validate(pd.DataFrame({"x": ["1", "-1", "-2", "-3"]}), s, source="n")


def test_hash_inside_a_cell_is_data_not_a_comment(tmp_path):
    # pandas' comment="#" would cut the line at "#N/A" and drop the row silently
    p = _write(tmp_path, "# notes above the header\n# more notes\nforce,kind,n,w\nDorset,a,1,0.5\n#N/A,b,2,1.5\n")
    out = load_table(p, SCHEMA, comment="#")
    assert out["force"].tolist() == ["Dorset", "#N/A"] and out["n"].sum() == 3
    p = _write(tmp_path, "force,kind,n,w\nDorset,a,1,0.5\nKent,b,2,#N/A\n")
    with pytest.raises(DataValidationError, match=r"column 'w', row 2: '#N/A' is not a number"):
        load_table(p, SCHEMA, comment="#")


@pytest.mark.parametrize("value", [P for P in ("9.223372036854776e+18", "1e17", "-9007199254740993")])
def test_counts_beyond_exact_float_range_are_refused(value):
    s = Schema("n", [Column("x", "int")])
    with pytest.raises(DataValidationError, match="too large to be an exact count"):
        validate(pd.DataFrame({"x": ["1", value]}), s, source="n")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        pytest.param({"usecols": ["force", "nope"]}, r"cannot read demo table: .*nope", id="usecols-absent"),
        pytest.param({"encodings": ("ascii",)}, r"not text in any of \['ascii'\]", id="only-ascii-allowed"),
    ],
)
def test_read_table_wraps_reader_errors(tmp_path, kwargs, message):
    p = _write(tmp_path, "force,kind,n,w\nDorset \u00a3,a,1,1\n")
    with pytest.raises(DataValidationError, match=message) as exc:
        read_table(p, SCHEMA, **kwargs)
    assert exc.value.file == str(p)


def test_read_table_folder_is_refused(tmp_path):
    with pytest.raises(DataValidationError, match="is a folder, not a file"):
        read_table(tmp_path, SCHEMA)


def test_error_text_stays_bounded_for_a_hostile_header(tmp_path):
    header = ",".join("h" * 5000 + str(i) for i in range(200))
    p = _write(tmp_path, header + "\n" + ",".join("1" for _ in range(200)) + "\n")
    with pytest.raises(DataValidationError, match=r"missing column\(s\) \['force', 'kind', 'n', 'w'\]") as exc:
        load_table(p, SCHEMA)
    assert len(str(exc.value)) < 2000


HOSTILE_TEXTS = [GOOD, GOOD.replace("3,2", "3,x"), GOOD.replace("3,2", "3,"), GOOD.replace("3,2", "3,inf"),
                 GOOD.replace("3,2", "3,nan"), GOOD.replace("3,2", "3,-2"), GOOD.replace("Kent,a,3", "Kent,a,-3"),
                 GOOD.replace("Kent,a,3", "Kent,a,3.5"), GOOD.replace("Kent,a,3", 'Kent,a,"1,003"'),
                 GOOD.replace("Kent,a,3", "Kent,a,1e400"), GOOD.replace("Kent,a,3", "Kent,a,99999999999999999999"),
                 GOOD + "Kent,a,4,1\n", GOOD.replace("Kent", "007")]


@pytest.mark.parametrize("text", [pytest.param(t, id=f"case-{i}") for i, t in enumerate(HOSTILE_TEXTS)])
def test_fast_numbers_mode_gives_the_same_result_or_the_same_error(tmp_path, text):
    p = _write(tmp_path, text)

    def run(fast):
        try:
            return validate(read_table(p, SCHEMA, fast_numbers=fast), SCHEMA, source=p)
        except DataValidationError as exc:
            return (exc.column, exc.row)

    slow, fast = run(False), run(True)
    if isinstance(slow, tuple) or isinstance(fast, tuple):
        assert slow == fast
    else:
        pd.testing.assert_frame_equal(slow, fast, check_dtype=False)
        assert fast["force"].tolist() == slow["force"].tolist()  # "007" stays text


# ----------------------------------------------------------------------------- added for the loaders (issue 12 item 1)

PLAIN = Schema("plain counts", [Column("force"), Column("n", "count", scientific=False)], key=("force",))


@pytest.mark.parametrize(
    "text, fast, message",
    [
        pytest.param("force,n\nDorset,1\nKent,1e3\n", False, r"column 'n', row 2: '1e3' is not a whole number as "
                     r"printed \(exponent notation\)", id="exponent-text-path"),
        pytest.param("force,n\nDorset,1\nKent,1.5E+05\n", True, r"column 'n', row 2: '1.5E\+05' is not a whole "
                     r"number as printed", id="exponent-fast-path-reread-as-text"),
        pytest.param("force,n\nDorset,1\nKent,2.0\n", True, None, id="point-zero-is-whole"),
    ],
)
def test_exponent_notation_refused_where_declared(tmp_path, text, fast, message):
    p = _write(tmp_path, text)
    if message is None:
        assert validate(read_table(p, PLAIN, fast_numbers=fast), PLAIN, source=p)["n"].tolist() == [1, 2]
        return
    with pytest.raises(DataValidationError, match=message) as exc:
        validate(read_table(p, PLAIN, fast_numbers=fast), PLAIN, source=p)
    assert exc.value.file == str(p)


def test_exponent_still_accepted_by_default():
    s = Schema("d", [Column("n", "count")])
    assert validate(pd.DataFrame({"n": ["1e3"]}), s, source="d")["n"].tolist() == [1000]


def test_missing_marker_is_a_gap_but_a_blank_is_still_an_error():
    s = Schema("css", [Column("score", "float", missing_markers=(":",))])
    out = validate(pd.DataFrame({"score": ["1.5", ":"]}), s, source="c.csv")
    assert out["score"].isna().tolist() == [False, True] and out["score"].iloc[0] == 1.5
    with pytest.raises(DataValidationError, match=r"row 2: blank cell where a number is required"):
        validate(pd.DataFrame({"score": [":", ""]}), s, source="c.csv")
    counts = validate(pd.DataFrame({"n": ["3", ":"]}), Schema("n", [Column("n", "count", missing_markers=(":",))]),
                      source="c.csv")
    assert str(counts["n"].dtype) == "Int64" and counts["n"].isna().tolist() == [False, True]


@pytest.mark.parametrize(
    "frame, key, row, message",
    [
        pytest.param(pd.DataFrame({"a": [1, 2, 1]}), ["a"], 3, r"duplicate key \(1,\) \(first on row 1\)", id="plain"),
        pytest.param(pd.DataFrame({"a": ["x", "y", "x", "x"]}, index=[10, 11, 12, 13]), ["a"], 13,
                     r"\(first on row 11\); 2 duplicated row\(s\) in all", id="index-labels-are-file-rows"),
        pytest.param(pd.DataFrame({"a": [np.nan, np.nan]}), ["a"], 2, r"duplicate key \(nan,\)", id="missing-key"),
    ],
)
def test_check_key(frame, key, row, message):
    from alliance_analysis.validation import check_key

    with pytest.raises(DataValidationError, match=message) as exc:
        check_key(frame, key, source="k.csv", columns={"a": "Column A"})
    assert exc.value.row == row and exc.value.column == "Column A"
    assert "one row per Column A" in exc.value.fix


def test_check_key_passes_unique_and_refuses_an_undeclared_column():
    from alliance_analysis.validation import check_key

    check_key(pd.DataFrame({"a": [1, 2]}), ["a"], source="k.csv")
    with pytest.raises(ParameterError, match=r"key column\(s\) \['b'\]"):
        check_key(pd.DataFrame({"a": [1, 2]}), ["b"], source="k.csv")
