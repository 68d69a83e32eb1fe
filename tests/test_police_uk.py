"""Tests for datasets.police_uk: hand-written archives with hand-counted answers,
every bad-input rule, and the real Gloucestershire months against a plain csv count."""

from __future__ import annotations

import csv
import logging
import shutil
import zipfile
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from alliance_analysis.datasets.police_uk import (
    archive_inventory,
    load_street_archive,
    parse_archive_name,
)
from alliance_analysis.errors import DataValidationError, ParameterError

FIX = Path(__file__).parent / "fixtures" / "police_uk"
BASIC = FIX / "basic"
HEADER = ("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,"
          "LSOA name,Crime type,Last outcome category,Context\n")

# Hand count of tests/fixtures/police_uk/basic (read the CSVs):
# West Mercia 2020-01: 10 rows. ASB rows have no Crime ID -> all 3 kept.
#   Burglary: wm01 twice (counted once) + wm02 = 2.
#   Violence and sexual offences: wm03 + wm04 twice (once) = 2.  Drugs: wm05 = 1.
#   Duplicates dropped: 2 (wm01, wm04).  No coordinates: ASB row 3 and wm03 = 2.
# West Mercia 2020-02: header only -> no rows.
# West Mercia 2020-03: Shoplifting wm10 + wm11 = 2, ASB 1, Vehicle crime 1.
# Warwickshire 2020-01: Other theft wa01, wa02, wa03 = 3 (wa03's second row says
#   Shoplifting; of a repeated ID the row with the smallest (crime type, LSOA) text is kept,
#   so it stays Other theft); two identical ASB rows both kept = 2.
#   Duplicates dropped: 1.
# Warwickshire 2020-02: no file.  2020-03: Public order 1, Robbery 1 (no coordinates).
BASIC_EXPECTED = {
    ("Warwickshire", "2020-01", "Anti-social behaviour"): 2,
    ("Warwickshire", "2020-01", "Other theft"): 3,
    ("Warwickshire", "2020-03", "Public order"): 1,
    ("Warwickshire", "2020-03", "Robbery"): 1,
    ("West Mercia", "2020-01", "Anti-social behaviour"): 3,
    ("West Mercia", "2020-01", "Burglary"): 2,
    ("West Mercia", "2020-01", "Drugs"): 1,
    ("West Mercia", "2020-01", "Violence and sexual offences"): 2,
    ("West Mercia", "2020-03", "Anti-social behaviour"): 1,
    ("West Mercia", "2020-03", "Shoplifting"): 2,
    ("West Mercia", "2020-03", "Vehicle crime"): 1,
}


def as_dict(df: pd.DataFrame, keys=("force", "month", "crime_type")) -> dict:
    return {
        tuple(str(v) for v in row[:-1]): int(row[-1])
        for row in df[[*keys, "count"]].itertuples(index=False, name=None)
    }


def zip_folder(folder: Path, target: Path, top: str = "") -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(folder.rglob("*")):
            if p.is_file():
                zf.write(p, top + p.relative_to(folder).as_posix())
    return target


def write_street(root: Path, month: str, slug: str, rows: list[str], name: str | None = None) -> Path:
    d = root / month
    d.mkdir(parents=True, exist_ok=True)
    p = d / (name or f"{month}-{slug}-street.csv")
    p.write_text(HEADER + "".join(r + "\n" for r in rows))
    return p


def row(crime_id: str, month: str, crime_type: str, lon: str = "-2.0", lsoa: str = "E01000001") -> str:
    return f"{crime_id},{month},,,{lon},51.0,On or near X,{lsoa},Y 001A,{crime_type},,"


# --------------------------------------------------------------------------- names


@pytest.mark.parametrize(
    "name, expected",
    [
        pytest.param("2022-02-west-mercia-street.csv", ("2022-02", "west-mercia", "street"), id="street"),
        pytest.param("2014-09-devon-and-cornwall-outcomes.csv", ("2014-09", "devon-and-cornwall", "outcomes"),
                     id="outcomes"),
        pytest.param("2014-09-btp-stop-and-search.csv", ("2014-09", "btp", "stop-and-search"), id="stop-search"),
        pytest.param("2022-13-dorset-street.csv", None, id="month-13"),
        pytest.param("2022-02-dorset-street (1).csv", None, id="browser-copy"),
        pytest.param("dorset-street.csv", None, id="no-month"),
        pytest.param("2022-02-Dorset-street.csv", None, id="capital-slug"),
    ],
)
def test_parse_archive_name(name, expected):
    got = parse_archive_name(name)
    if expected is None:
        assert got is None
    else:
        assert (str(got[0]), got[1], got[2]) == expected


# --------------------------------------------------------------------------- happy paths


def test_basic_folder_counts_by_hand():
    df = load_street_archive(BASIC)
    assert as_dict(df) == BASIC_EXPECTED
    assert list(df.columns) == ["force", "month", "crime_type", "count"]
    assert df["month"].dtype == pd.PeriodDtype("M")
    assert df["count"].dtype == "int64"
    # attrs: 2 + 1 duplicates; 2 + 1 rows without coordinates; 10+0+4+6+2 = 22 rows read
    assert df.attrs["duplicates_dropped"] == 3
    assert df.attrs["missing_coordinates"] == 3
    assert df.attrs["rows_read"] == 22
    assert df.attrs["files_read"] == 5
    assert df.attrs["empty_files"] == ["2020-02/2020-02-west-mercia-street.csv"]
    # the empty month is absent from the counts (not a zero-filled row)
    assert not ((df["force"] == "West Mercia") & (df["month"] == pd.Period("2020-02", "M"))).any()


def test_by_lsoa_counts_by_hand():
    df = load_street_archive(BASIC, forces="West Mercia", end="2020-01", by_lsoa=True)
    got = {(r.crime_type, None if pd.isna(r.lsoa_code) else r.lsoa_code): r.count for r in df.itertuples()}
    # West Mercia 2020-01 by LSOA (from the CSV): ASB E01032000 x2 + one with no LSOA;
    # Burglary wm01 (E01032000) and wm02 (E01032001); VSO wm03 (no LSOA) and wm04 (E01032001);
    # Drugs wm05 (E01032001).
    assert got == {
        ("Anti-social behaviour", "E01032000"): 2,
        ("Anti-social behaviour", None): 1,
        ("Burglary", "E01032000"): 1,
        ("Burglary", "E01032001"): 1,
        ("Violence and sexual offences", "E01032001"): 1,
        ("Violence and sexual offences", None): 1,
        ("Drugs", "E01032001"): 1,
    }
    assert list(df.columns) == ["force", "month", "crime_type", "lsoa_code", "count"]
    assert df["count"].sum() == 8  # 10 rows - 2 duplicates


@pytest.mark.parametrize(
    "kwargs, expected_keys",
    [
        pytest.param({"forces": "Warwickshire"}, {k for k in BASIC_EXPECTED if k[0] == "Warwickshire"},
                     id="one-force"),
        pytest.param({"forces": ["west mercia police"]}, {k for k in BASIC_EXPECTED if k[0] == "West Mercia"},
                     id="spelling"),
        pytest.param({"forces": "Warwickshire and West Mercia"}, set(BASIC_EXPECTED), id="group-name"),
        pytest.param({"start": "2020-02"}, {k for k in BASIC_EXPECTED if k[1] == "2020-03"}, id="start"),
        pytest.param({"end": pd.Period("2020-01", "M")}, {k for k in BASIC_EXPECTED if k[1] == "2020-01"},
                     id="end-period"),
    ],
)
def test_filters(kwargs, expected_keys):
    df = load_street_archive(BASIC, **kwargs)
    assert as_dict(df) == {k: BASIC_EXPECTED[k] for k in expected_keys}


@pytest.mark.parametrize("top", [pytest.param("", id="flat-zip"), pytest.param("police-data/", id="top-folder-zip")])
def test_zip_equals_folder(tmp_path, top):
    z = zip_folder(BASIC, tmp_path / "archive.zip", top)
    df = load_street_archive(z)
    assert as_dict(df) == BASIC_EXPECTED
    assert df.attrs["duplicates_dropped"] == 3
    assert load_street_archive(z, forces="Warwickshire", by_lsoa=True)["count"].sum() == 7  # 3+2+1+1
    inv_zip, inv_dir = archive_inventory(z), archive_inventory(BASIC)
    assert inv_zip[["month", "force", "status", "rows"]].equals(inv_dir[["month", "force", "status", "rows"]])


def test_other_forces_skipped_without_reading(tmp_path):
    root = tmp_path / "arch"
    shutil.copytree(BASIC, root)
    # a Dorset "file" that is not even CSV: reading it would fail
    (root / "2020-01" / "2020-01-dorset-street.csv").write_bytes(b"\x00\xff garbage, not csv \x00")
    df = load_street_archive(root, forces=["Warwickshire", "West Mercia"])
    assert as_dict(df) == BASIC_EXPECTED
    with pytest.raises(DataValidationError, match="2020-01-dorset-street.csv"):
        load_street_archive(root)


def test_duplicates_logged(caplog):
    with caplog.at_level(logging.WARNING, logger="alliance_analysis.datasets.police_uk"):
        load_street_archive(BASIC, forces="Warwickshire")
    assert any("dropped 1 duplicate" in r.getMessage() for r in caplog.records)


def test_historical_and_case_variant_types_are_canonicalised(tmp_path):
    # 'VIOLENT CRIME' (pre-2013 type, upper case) and 'anti-social behaviour' (lower case)
    write_street(tmp_path, "2012-05", "dorset", [
        row("a", "2012-05", "VIOLENT CRIME"), row("b", "2012-05", "Violent crime"),
        row("", "2012-05", "anti-social behaviour"), row("", "2012-05", "Anti-social behaviour"),
    ])
    assert as_dict(load_street_archive(tmp_path)) == {
        ("Dorset", "2012-05", "Violent crime"): 2,  # a + b
        ("Dorset", "2012-05", "Anti-social behaviour"): 2,  # both ASB rows
    }


def test_input_files_untouched():
    before = {p: p.read_bytes() for p in BASIC.rglob("*") if p.is_file()}
    load_street_archive(BASIC, by_lsoa=True)
    archive_inventory(BASIC)
    assert {p: p.read_bytes() for p in BASIC.rglob("*") if p.is_file()} == before


# --------------------------------------------------------------------------- inventory


def test_inventory_makes_gaps_explicit():
    inv = archive_inventory(BASIC)
    got = {(r.force, str(r.month), r.kind, r.status): (None if pd.isna(r.rows) else int(r.rows))
           for r in inv.itertuples()}
    # rows are data lines (header excluded) of each hand-written file
    assert got == {
        ("Warwickshire", "2020-01", "street", "ok"): 6,
        ("Warwickshire", "2020-02", "street", "missing"): None,
        ("Warwickshire", "2020-03", "street", "ok"): 2,
        ("West Mercia", "2020-01", "outcomes", "other_product"): None,
        ("West Mercia", "2020-01", "street", "ok"): 10,
        ("West Mercia", "2020-02", "street", "empty"): 0,
        ("West Mercia", "2020-03", "street", "ok"): 4,
    }
    assert inv["rows"].dtype == "Int64"


@pytest.mark.parametrize(
    "folder, status",
    [
        pytest.param("bad_name", "bad_name", id="bad-name"),
        pytest.param("folder_mismatch", "folder_mismatch", id="folder-mismatch"),
        pytest.param("unknown_force", "unknown_force", id="unknown-force"),
    ],
)
def test_inventory_reports_instead_of_raising(folder, status):
    inv = archive_inventory(FIX / folder)
    assert status in set(inv["status"])


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "folder, kwargs, patterns",
    [
        pytest.param("bad_month", {}, ["2020-01-dorset-street.csv", "row 3", "'2020-02'", "2020-01",
                                      "column 'Month'"], id="month-disagrees"),
        pytest.param("bad_types", {}, ["'Burglery' in", "'Cyber crime' in", "2020-01-dorset-street.csv",
                                      "2020-02-dorset-street.csv", "2 unknown crime type"], id="unknown-types"),
        pytest.param("bad_columns", {}, ["2020-01-dorset-street.csv", "'Longitude'", "'Crime type'"],
                     id="missing-columns"),
        pytest.param("bad_name", {}, ["2020-01-dorset-street (1).csv", "naming pattern"], id="bad-name"),
        pytest.param("folder_mismatch", {}, ["2020-01-dorset-street.csv", "month folder 2020-02",
                                            "month 2020-01"], id="folder-mismatch"),
        pytest.param("unknown_force", {}, ["atlantis", "forces="], id="unknown-force"),
        pytest.param("basic", {"forces": "Dorset"}, ["no street files", "Dorset"], id="nothing-selected"),
    ],
)
def test_bad_archives_raise_specific_errors(folder, kwargs, patterns):
    with pytest.raises(DataValidationError) as info:
        load_street_archive(FIX / folder, **kwargs)
    msg = str(info.value)
    for p in patterns:
        assert p in msg, f"{p!r} not in {msg!r}"
    assert "Fix:" in msg


def test_unknown_force_skipped_when_forces_given():
    # only the Dorset file (one Burglary row) is read; the atlantis file is ignored
    assert as_dict(load_street_archive(FIX / "unknown_force", forces="Dorset")) == {
        ("Dorset", "2020-01", "Burglary"): 1}


def test_month_error_in_renamed_folder(tmp_path):
    # folder and file say 2020-02 but every row says 2020-01 -> row 1
    write_street(tmp_path, "2020-02", "dorset", [row("a", "2020-01", "Drugs"), row("b", "2020-01", "Drugs")])
    with pytest.raises(DataValidationError) as info:
        load_street_archive(tmp_path)
    assert info.value.row == 1 and info.value.column == "Month"
    assert "'2020-01'" in str(info.value) and "2020-02" in str(info.value)


@pytest.mark.parametrize(
    "setup, patterns",
    [
        pytest.param(lambda r: (r / "2020-01").mkdir() or (r / "2020-01" / "2020-01-dorset-street.csv")
                     .write_bytes(b""), ["empty", "no header"], id="zero-byte-file"),
        pytest.param(lambda r: [write_street(r / sub, "2020-01", "dorset", [row("a", "2020-01", "Drugs")])
                                for sub in ("a", "b")], ["two street files", "double-count"],
                     id="same-month-twice"),
        pytest.param(lambda r: write_street(r, "2020-01", "dorset", [row("a", "2020-01", "Drugs", lon="west")]),
                     ["could not parse", "Longitude", "2020-01-dorset-street.csv"], id="bad-coordinate"),
        pytest.param(lambda r: write_street(r, "2020-01", "dorset", ["a,2020-01,,,-2.0"]),
                     ["could not parse", "2020-01-dorset-street.csv"], id="short-row"),
    ],
)
def test_other_bad_files(tmp_path, setup, patterns):
    setup(tmp_path)
    with pytest.raises(DataValidationError) as info:
        load_street_archive(tmp_path)
    for p in patterns:
        assert p in str(info.value)


def test_missing_lsoa_column_only_matters_by_lsoa(tmp_path):
    d = tmp_path / "2020-01"
    d.mkdir()
    (d / "2020-01-dorset-street.csv").write_text("Crime ID,Month,Longitude,Crime type\na,2020-01,-2,Drugs\n")
    assert as_dict(load_street_archive(tmp_path)) == {("Dorset", "2020-01", "Drugs"): 1}
    with pytest.raises(DataValidationError, match="'LSOA code'"):
        load_street_archive(tmp_path, by_lsoa=True)


@pytest.mark.parametrize(
    "kwargs, pattern",
    [
        pytest.param({"source": FIX / "nope"}, "does not exist", id="no-source"),
        pytest.param({"source": BASIC / "README.txt"}, "not a zip", id="not-zip"),
        pytest.param({"source": BASIC, "start": "April"}, "start='April'", id="bad-start"),
        pytest.param({"source": BASIC, "start": "2020-03", "end": "2020-01"}, "after end", id="start-after-end"),
        pytest.param({"source": BASIC, "forces": "Gotham"}, "Gotham", id="unknown-force-param"),
        pytest.param({"source": BASIC, "forces": []}, "selects nothing", id="empty-forces"),
    ],
)
def test_bad_parameters(kwargs, pattern):
    with pytest.raises(ParameterError, match=pattern):
        load_street_archive(**kwargs)


# --------------------------------------------------------------------------- real data


def plain_count(folder: Path) -> tuple[Counter, Counter, int]:
    """Independent count with the csv module, de-duplicating non-empty Crime IDs within
    each file: (month, crime type) -> rows, (month, crime type, LSOA) -> rows, duplicates."""
    counts: Counter = Counter()
    by_lsoa: Counter = Counter()
    dups = 0
    for path in sorted(folder.glob("*/*-street.csv")):
        seen: set[str] = set()
        with open(path, newline="", encoding="utf-8") as fh:
            for rec in csv.DictReader(fh):
                cid = rec["Crime ID"]
                if cid:
                    if cid in seen:
                        dups += 1
                        continue
                    seen.add(cid)
                counts[(rec["Month"], rec["Crime type"])] += 1
                by_lsoa[(rec["Month"], rec["Crime type"], rec["LSOA code"] or None)] += 1
    return counts, by_lsoa, dups


@pytest.fixture(scope="module")
def glos_plain():
    from alliance_analysis import paths

    folder = paths.SHARED_DATA_DIR / "police_uk" / "gloucestershire"
    if not folder.is_dir():
        pytest.skip("../shared/data/police_uk/gloucestershire is absent")
    return folder, plain_count(folder)


@pytest.mark.shared_data
def test_gloucestershire_matches_plain_csv_count(glos_plain):
    folder, (expected, _, dups) = glos_plain
    df = load_street_archive(folder, forces="Gloucestershire")
    got = {(str(m), t): int(c) for m, t, c in df[["month", "crime_type", "count"]].itertuples(index=False)}
    assert got == dict(expected)
    assert set(df["force"]) == {"Gloucestershire"}
    assert df["month"].nunique() == 35
    assert df.attrs["duplicates_dropped"] == dups
    inv = archive_inventory(folder)
    assert (inv["status"] == "ok").sum() == 35 and inv["rows"].sum() == df.attrs["rows_read"]


@pytest.mark.shared_data
def test_gloucestershire_by_lsoa_matches_plain_csv_count(glos_plain):
    folder, (_, expected, _) = glos_plain
    df = load_street_archive(folder, by_lsoa=True)
    got = {(str(r.month), r.crime_type, None if pd.isna(r.lsoa_code) else r.lsoa_code): int(r.count)
           for r in df.itertuples()}
    assert got == dict(expected)


@pytest.mark.shared_data
def test_gloucestershire_zip_subset_equals_folder(glos_plain, tmp_path):
    folder, (expected, _, _) = glos_plain
    z = tmp_path / "glos.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        for m in ("2023-01", "2023-02", "2023-03"):
            p = folder / m / f"{m}-gloucestershire-street.csv"
            zf.write(p, f"police-archive/{m}/{p.name}")
    df = load_street_archive(z, start="2023-02")
    got = {(str(m), t): int(c) for m, t, c in df[["month", "crime_type", "count"]].itertuples(index=False)}
    assert got == {k: v for k, v in expected.items() if k[0] in ("2023-02", "2023-03")}


@pytest.mark.parametrize("workers", [pytest.param(1, id="sequential"), pytest.param(3, id="three-threads")])
def test_workers_do_not_change_counts(workers):
    df = load_street_archive(BASIC, by_lsoa=False, threads=workers)
    assert as_dict(df) == BASIC_EXPECTED and df.attrs["duplicates_dropped"] == 3


@pytest.mark.parametrize("workers", [pytest.param(0, id="zero"), pytest.param(2.5, id="float")])
def test_bad_workers(workers):
    with pytest.raises(ParameterError, match="threads"):
        load_street_archive(BASIC, threads=workers)


# --------------------------------------------------------------------------- hostile input (issue 12)


def _wm_month(root: Path, month: str, n: int = 2) -> None:
    write_street(root, month, "west-mercia", [row(f"c{month}{i}", month, "Drugs") for i in range(n)])


def test_symlinked_month_folders_are_read(tmp_path):
    real = tmp_path / "elsewhere"
    _wm_month(real, "2020-02", 3)
    root = tmp_path / "archive"
    _wm_month(root, "2020-01", 2)
    (root / "2020-02").symlink_to(real / "2020-02", target_is_directory=True)
    df = load_street_archive(root)
    # hand count: 2 Drugs in 2020-01 (real folder), 3 in 2020-02 (linked folder)
    assert as_dict(df) == {("West Mercia", "2020-01", "Drugs"): 2, ("West Mercia", "2020-02", "Drugs"): 3}
    inv = archive_inventory(root)
    assert inv["status"].tolist() == ["ok", "ok"]


def test_symlink_loop_does_not_recurse_or_double_count(tmp_path):
    _wm_month(tmp_path, "2020-01", 2)
    (tmp_path / "2020-01" / "loop").symlink_to(tmp_path, target_is_directory=True)
    (tmp_path / "again").symlink_to(tmp_path / "2020-01", target_is_directory=True)
    df = load_street_archive(tmp_path)
    assert as_dict(df) == {("West Mercia", "2020-01", "Drugs"): 2}


@pytest.mark.parametrize("forces", [pytest.param(None, id="all-forces"), pytest.param("Dorset", id="that-force")])
def test_dangling_street_link_is_an_error(tmp_path, forces):
    _wm_month(tmp_path, "2020-01")
    d = tmp_path / "2020-02"
    d.mkdir()
    link = d / "2020-02-dorset-street.csv"
    link.symlink_to(tmp_path / "gone.csv")
    if forces is None or forces == "Dorset":
        with pytest.raises(DataValidationError, match="symbolic link") as ei:
            load_street_archive(tmp_path, forces=forces)
        assert "2020-02-dorset-street.csv" in str(ei.value)
    inv = archive_inventory(tmp_path)
    dangling = inv[inv["status"] == "dangling_link"]
    assert dangling["file"].tolist() == ["2020-02/2020-02-dorset-street.csv"]
    assert dangling["force"].tolist() == ["Dorset"]


def test_dangling_link_of_another_force_does_not_block(tmp_path):
    _wm_month(tmp_path, "2020-01", 4)
    (tmp_path / "2020-01" / "2020-01-dorset-street.csv").symlink_to(tmp_path / "gone.csv")
    df = load_street_archive(tmp_path, forces="West Mercia")
    assert int(df["count"].sum()) == 4


def _bomb_zip(path: Path, rows: int) -> Path:
    body = HEADER + "".join(row("", "2020-01", "Anti-social behaviour") + "\n" for _ in range(rows))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("2020-01/2020-01-dorset-street.csv", body)
    return path


def test_zip_ratio_cap_names_the_member(tmp_path):
    z = _bomb_zip(tmp_path / "bomb.zip", 40_000)  # ~2.6 MB of one repeated line
    info = zipfile.ZipFile(z).infolist()[0]
    assert info.file_size > 1 << 20 and info.file_size / info.compress_size > 200  # premise
    with pytest.raises(DataValidationError, match="compression ratio") as ei:
        load_street_archive(z)
    assert "2020-01-dorset-street.csv" in str(ei.value)
    inv = archive_inventory(z)
    assert inv["status"].tolist() == ["unreadable"]
    assert "ratio" in inv["error"].iloc[0]
    # a genuine file with a generous cap is read, all 40,000 ASB rows kept
    df = load_street_archive(z, max_ratio=1e6)
    assert df["count"].tolist() == [40_000]


def test_zip_size_cap_names_the_member(tmp_path):
    z = _bomb_zip(tmp_path / "big.zip", 100)
    with pytest.raises(DataValidationError, match="max_member_bytes") as ei:
        load_street_archive(z, max_member_bytes=1000)
    assert "2020-01-dorset-street.csv" in str(ei.value)


@pytest.mark.parametrize("kwargs", [pytest.param({"max_member_bytes": 0}, id="zero-bytes"),
                                    pytest.param({"max_ratio": 0.5}, id="ratio-below-1"),
                                    pytest.param({"max_ratio": float("nan")}, id="ratio-nan")])
def test_bad_caps(kwargs):
    with pytest.raises(ParameterError):
        load_street_archive(BASIC, **kwargs)


def test_crc_error_is_a_validation_error_and_inventory_records_it(tmp_path):
    z = tmp_path / "crc.zip"
    body = HEADER + "".join(row(f"id{i}", "2020-01", "Drugs") + "\n" for i in range(50))
    with zipfile.ZipFile(z, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("2020-01/2020-01-dorset-street.csv", body)
    data = bytearray(z.read_bytes())
    pos = data.index(b"id25,")
    data[pos + 2] = ord("X")  # stored bytes changed, CRC no longer matches
    z.write_bytes(bytes(data))
    with pytest.raises(DataValidationError, match="damaged|CRC|Bad CRC") as ei:
        load_street_archive(z)
    assert "2020-01-dorset-street.csv" in str(ei.value)
    inv = archive_inventory(z)  # never raises
    assert inv["status"].tolist() == ["unreadable"]
    assert "CRC" in inv["error"].iloc[0]


def test_bad_longitude_by_lsoa_names_longitude(tmp_path):
    write_street(tmp_path, "2020-01", "dorset", [row("a", "2020-01", "Drugs"),
                                                 row("b", "2020-01", "Drugs", lon="west")])
    for by_lsoa in (False, True):
        with pytest.raises(DataValidationError) as ei:
            load_street_archive(tmp_path, by_lsoa=by_lsoa)
        assert ei.value.column == "Longitude"


def test_header_only_without_newline_is_an_empty_month(tmp_path):
    _wm_month(tmp_path, "2020-01", 2)
    d = tmp_path / "2020-02"
    d.mkdir()
    (d / "2020-02-west-mercia-street.csv").write_text(HEADER.rstrip("\n"))
    df = load_street_archive(tmp_path)
    assert df.attrs["empty_files"] == ["2020-02/2020-02-west-mercia-street.csv"]
    assert archive_inventory(tmp_path)["status"].tolist() == ["ok", "empty"]
    (d / "2020-02-west-mercia-street.csv").write_text("")
    with pytest.raises(DataValidationError, match="empty"):
        load_street_archive(tmp_path)


def test_dask_cluster_gives_the_serial_result():
    from alliance_analysis.parallel import dask_client

    serial = load_street_archive(BASIC)
    serial_lsoa = load_street_archive(BASIC, by_lsoa=True)
    assert as_dict(serial) == BASIC_EXPECTED
    with dask_client(workers=2) as client:
        dist = load_street_archive(BASIC, client=client)
        dist_lsoa = load_street_archive(BASIC, by_lsoa=True, client=client)
    pd.testing.assert_frame_equal(dist, serial)
    pd.testing.assert_frame_equal(dist_lsoa, serial_lsoa)
    assert dist.attrs["duplicates_dropped"] == serial.attrs["duplicates_dropped"] == 3
