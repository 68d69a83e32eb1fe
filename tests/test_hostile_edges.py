"""Issue 21, round 3: the data edges (truncated files, future dates, hidden sheets, fetch, archives).

Each defect from the issue is reproduced on a copy of the real shipped file (or a small
hand-made one) in ``tmp_path``; the expected outcome is a named error that says what is
wrong and the fix, or the right total, counted independently in the test.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from alliance_analysis import paths
from alliance_analysis.datasets import harm, home_office, population, prc
from alliance_analysis.errors import DataValidationError

CCHI = Path("harm") / "cchi_days_by_offence_subgroup.csv"


def _text(src: Path) -> bytes:
    return gzip.decompress(src.read_bytes()) if src.suffix == ".gz" else src.read_bytes()


def _save(data: bytes, dst: Path) -> Path:
    dst.write_bytes(gzip.compress(data, mtime=0) if dst.suffix == ".gz" else data)
    return dst


def _cut_mid_number(src: Path, dst: Path) -> Path:
    """The file cut two characters into its last number (e.g. UK Finance's 117875 -> 1178)."""
    data = _text(src).rstrip(b"\r\n")[:-2]
    return _save(data, dst)


def _drop_last_rows(src: Path, dst: Path, n: int = 10) -> Path:
    lines = _text(src).splitlines(keepends=True)
    return _save(b"".join(lines[:-n]), dst)



# (loader, source file, what the message must say for a row cut short / for 10 rows dropped)
LOADERS = [
    pytest.param(home_office.load_rolling_pfa, lambda: paths.HO_ROLLING_PFA,
                 r"'Wiltshire' has 11 of the 21 Offence values published for most units in 2018-12-31",
                 id="rolling-pfa"),
    pytest.param(prc.load_prc_quarterly, lambda: paths.HO_PRC_QUARTERLY,
                 r"'Wiltshire' has 138 of the 145 Offence Code values published for most units in 2023Q2",
                 id="prc-quarterly"),
    pytest.param(population.load_population_by_lad, lambda: paths.POPULATION_LAD,
                 r"'W06000022' has no population for 2010 \(present in 10 of 20 periods\)", id="population-lad"),
    pytest.param(harm.load_cchi_weights, lambda: paths.SHARED_DATA_DIR / CCHI,
                 r"no row for 7 police.uk categories \(Bicycle theft, Burglary, Drugs, Other crime",
                 id="cchi", marks=pytest.mark.shared_data),
]


@pytest.mark.parametrize("load, source, dropped", LOADERS)
def test_file_cut_mid_number_is_refused_at_any_path(tmp_path, load, source, dropped):
    src = source()
    dst = _cut_mid_number(src, tmp_path / ("copy_" + src.name))  # not the default path, not its name
    with pytest.raises(DataValidationError, match=r"last line has no line break, so the file was cut off") as e:
        load(dst)
    assert e.value.file == str(dst) and "restore the complete file" in str(e.value)


@pytest.mark.parametrize("load, source, dropped", LOADERS)
def test_last_ten_rows_dropped_are_refused_at_any_path(tmp_path, load, source, dropped):
    src = source()
    dst = _drop_last_rows(src, tmp_path / ("copy_" + src.name))
    with pytest.raises(DataValidationError, match=dropped):
        load(dst)


@pytest.mark.shared_data
def test_published_file_without_final_newline_still_loads(shared_data):
    # the costs-of-crime file is published without a final line break: declared, and its rows still counted
    df = harm.load_police_cost_and_hours(shared_data / "harm" / "police_cost_and_hours_by_offence.csv")
    assert len(df) == 134  # 135 published rows, one exact repeat kept once


def test_truncated_prc_fails_data_build(tmp_path):
    from alliance_analysis import build

    raw = tmp_path / "raw"
    (raw / "home_office").mkdir(parents=True)
    _cut_mid_number(paths.HO_PRC_QUARTERLY, raw / "home_office" / paths.HO_PRC_QUARTERLY.name)
    with pytest.raises(DataValidationError, match=r"last line has no line break"):
        build.build_sources(tmp_path / "out", raw)
    assert not (tmp_path / "out" / "prc_quarterly.parquet").exists()


def test_truncated_prc_makes_the_data_build_command_exit_non_zero(tmp_path, monkeypatch, capsys):
    from alliance_analysis import build, cli

    raw = tmp_path / "raw"
    (raw / "home_office").mkdir(parents=True)
    _cut_mid_number(paths.HO_PRC_QUARTERLY, raw / "home_office" / paths.HO_PRC_QUARTERLY.name)
    monkeypatch.setattr(paths, "RAW_DIR", raw)
    monkeypatch.setattr(build, "_outputs", dict)  # only the real sources: the bundled tables are not the point
    assert cli.main(["data", "build", "--output-dir", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "last line has no line break" in err and "restore the complete file" in err
    assert not (tmp_path / "out" / "manifest.json").exists()


ROLLING_HEAD = "12 months ending,PFA,Region,Offence,Rolling year total number of offences\n"


@pytest.mark.parametrize("date", [
    pytest.param("31-03-2099", id="year-2099"),
    pytest.param("31-12-2098", id="far-future-december"),
])
def test_rolling_date_in_the_future_is_refused(tmp_path, date):
    p = tmp_path / "r.csv"
    p.write_text(ROLLING_HEAD + "31-03-2016,Dorset,South West,Robbery,10\n"
                 f"{date},Dorset,South West,Robbery,12\n")
    with pytest.raises(DataValidationError, match=r"is in the future: a published twelve-month total cannot end "
                                                  r"after today") as e:
        home_office.load_rolling_pfa(p)
    assert (e.value.row, e.value.column) == (2, "12 months ending")


# ------------------------------------------------------------------ PRC workbooks: hidden sheets, repeats, bombs


def _prc_year(fy: str, counts=(5, 6, 7, 8), force="Dorset"):
    import pandas as pd

    return pd.DataFrame({
        "Financial Year": fy, "Financial Quarter": [1, 2, 3, 4], "Force Name": force,
        "Offence Description": "Robbery of personal property", "Offence Group": "Robbery",
        "Offence Subgroup": "Robbery of personal property", "Offence Code": "34B",
        "Number of Offences": list(counts)})


def _xlsx(path: Path, sheets: dict, states: dict | None = None) -> Path:
    import pandas as pd

    with pd.ExcelWriter(path, engine="openpyxl") as xw:
        for name, df in sheets.items():
            df.to_excel(xw, sheet_name=name, index=False)
        for name, state in (states or {}).items():
            xw.book[name].sheet_state = state
    return path


@pytest.mark.parametrize("state", [pytest.param("hidden", id="hidden"), pytest.param("veryHidden", id="very-hidden")])
def test_hidden_prc_sheet_is_skipped_counted_and_logged(tmp_path, caplog, state):
    # the hidden sheet holds a whole extra year (and, second case, a copy of a visible year)
    hidden_year = _prc_year("2014/15", counts=(100, 100, 100, 100))
    p = _xlsx(tmp_path / "prc.xlsx", {"2012-13": _prc_year("2012/13"), "2013-14": _prc_year("2013/14", (1, 2, 3, 4)),
                                      "2014-15": hidden_year}, {"2014-15": state})
    with caplog.at_level("WARNING"):
        out = prc.load_prc_quarterly(p)
    assert sorted(out["financial_year"].unique()) == ["2012/13", "2013/14"]
    assert int(out["count"].sum()) == 5 + 6 + 7 + 8 + 1 + 2 + 3 + 4  # visible sheets only, added by hand
    assert "2014-15 (hidden)" in out.attrs["skipped_sheets"]
    assert "skipped 1 hidden sheet(s) ['2014-15']" in caplog.text


def test_repeated_year_across_sheets_names_sheet_and_row(tmp_path):
    p = _xlsx(tmp_path / "prc.xlsx", {"2012-13": _prc_year("2012/13"), "2012-13 copy": _prc_year("2012/13")})
    with pytest.raises(DataValidationError, match=r"sheet '2012-13 copy' row 2 repeats sheet '2012-13' row 2 "
                                                  r"\(2012/13, 1, Dorset, 34B\); 4 repeated row\(s\)") as e:
        prc.load_prc_quarterly(p)
    assert e.value.row == 2 and "[sheet 2012-13 copy]" in e.value.file


@pytest.mark.parametrize("suffix", [pytest.param(".csv", id="csv"), pytest.param(".xlsx", id="xlsx")])
def test_two_number_of_offences_columns_named(tmp_path, suffix):
    df = _prc_year("2012/13")
    df.insert(len(df.columns), "Number of Offences ", [9, 9, 9, 9])
    if suffix == ".csv":
        p = tmp_path / "prc.csv"
        df.to_csv(p, index=False)
    else:
        p = _xlsx(tmp_path / "prc.xlsx", {"2012-13": df})
    with pytest.raises(DataValidationError, match=r"two columns are 'Number of Offences': columns 8 and 9.*"
                                                  r"Fix: keep one of the two columns"):
        prc.load_prc_quarterly(p)


def test_prc_workbook_zip_bomb_refused_before_parsing(tmp_path):
    import time
    import zipfile

    good = _xlsx(tmp_path / "good.xlsx", {"2012-13": _prc_year("2012/13")})
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.endswith("sheet1.xml"):  # 64 MB of blank padding compresses about 1000 to 1
                data = data.replace(b"<sheetData>", b"<sheetData>" + b" " * (64 << 20), 1)
            zout.writestr(item, data)
    t0 = time.perf_counter()
    with pytest.raises(DataValidationError, match=r"expands [\d,]+ times .* above the limit of 200 times .*zip bomb"):
        prc.load_prc_quarterly(bomb)
    assert time.perf_counter() - t0 < 5  # refused from the declared sizes, nothing parsed


# ------------------------------------------------------------------ police.uk archives (items 8, 11)

GLOS_FEB = Path("police_uk") / "gloucestershire" / "2022-02" / "2022-02-gloucestershire-street.csv"


def _glos_month(shared_data: Path, root: Path, text: str | None = None, name: str | None = None,
                gz: bool = False) -> Path:
    src = shared_data / GLOS_FEB
    month = root / "2022-02"
    month.mkdir(parents=True)
    data = (src.read_text(encoding="utf-8") if text is None else text).encode("utf-8")
    dst = month / ((name or src.name) + (".gz" if gz else ""))
    dst.write_bytes(gzip.compress(data, mtime=0) if gz else data)
    return root


def _independent_counts(text: str) -> dict[str, int]:
    """Rows per crime type with the csv module: a non-empty Crime ID counted once."""
    import csv
    import io

    counts: dict[str, int] = {}
    seen: set[str] = set()
    for row in csv.DictReader(io.StringIO(text)):
        cid = row["Crime ID"]
        if cid:
            if cid in seen:
                continue
            seen.add(cid)
        counts[row["Crime type"]] = counts.get(row["Crime type"], 0) + 1
    return counts


def _by_type(df) -> dict[str, int]:
    return {k: int(v) for k, v in df.groupby("crime_type")["count"].sum().items()}


@pytest.mark.shared_data
@pytest.mark.parametrize("variant", [
    pytest.param("padded-crime-type-header", id="padded-header"),
    pytest.param("cr-only-line-ends", id="cr-only"),
    pytest.param("csv-gz-month", id="csv-gz"),
])
def test_street_file_variants_load_with_the_right_counts(shared_data, tmp_path, variant):
    from alliance_analysis.datasets import police_uk

    text = (shared_data / GLOS_FEB).read_text(encoding="utf-8")
    expected = _independent_counts(text)
    assert sum(expected.values()) == 4545  # the README's row count for the month: no repeated IDs
    if variant == "padded-crime-type-header":
        changed = text.replace("Crime type", " Crime type ", 1)
    elif variant == "cr-only-line-ends":
        changed = text.replace("\r\n", "\n").replace("\n", "\r")
    else:
        changed = text
    root = _glos_month(shared_data, tmp_path / "a", changed, gz=variant == "csv-gz-month")
    got = police_uk.load_street_archive(root)
    assert _by_type(got) == expected


@pytest.mark.shared_data
def test_street_header_over_a_megabyte_is_refused_not_an_empty_month(shared_data, tmp_path):
    from alliance_analysis.datasets import police_uk

    text = (shared_data / GLOS_FEB).read_text(encoding="utf-8")
    head, rest = text.split("\n", 1)
    root = _glos_month(shared_data, tmp_path / "a", head.rstrip("\r") + "," + "x" * (1 << 20) + "\n" + rest)
    with pytest.raises(DataValidationError, match=r"header line is longer than 65,536 bytes"):
        police_uk.load_street_archive(root)


@pytest.mark.shared_data
@pytest.mark.parametrize("column", [pytest.param("Falls within", id="falls-within"),
                                    pytest.param("Reported by", id="reported-by")])
def test_rows_of_another_force_are_refused(shared_data, tmp_path, column):
    import csv
    import io

    from alliance_analysis.datasets import police_uk

    rows = list(csv.reader(io.StringIO((shared_data / GLOS_FEB).read_text(encoding="utf-8"))))
    j = rows[0].index(column)
    rows[100][j] = "Wiltshire Police"  # data row 100 (rows[0] is the header) filed under another force
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    root = _glos_month(shared_data, tmp_path / "a", buf.getvalue())
    with pytest.raises(DataValidationError, match=r"'Wiltshire Police' is not Gloucestershire, the force the file is "
                                                  r"named for") as e:
        police_uk.load_street_archive(root)
    assert (e.value.column, e.value.row) == (column, 100)


@pytest.mark.shared_data
def test_repeated_crime_ids_counted_the_same_in_any_row_order(shared_data, tmp_path):
    import csv
    import io

    from alliance_analysis.datasets import police_uk

    rows = list(csv.reader(io.StringIO((shared_data / GLOS_FEB).read_text(encoding="utf-8"))))
    header, body = rows[0], rows[1:]
    ci, li, ti = header.index("Crime ID"), header.index("LSOA code"), header.index("Crime type")
    crimes = [r for r in body if r[ci]]
    # 50 crimes repeated with a different LSOA (and, for ten, a different crime type), as police.uk repeats do
    repeats = []
    for k, r in enumerate(crimes[:50]):
        again = list(r)
        again[li] = "E01000001" if r[li] != "E01000001" else "E01999999"
        if k < 10:
            again[ti] = "Anti-social behaviour" if r[ti] != "Anti-social behaviour" else "Arson"
        repeats.append(again)

    def write(order: list[list[str]], where: Path) -> Path:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows([header, *order])
        return _glos_month(shared_data, where, buf.getvalue())

    forward = police_uk.load_street_archive(write(body + repeats, tmp_path / "f"), by_lsoa=True)
    backward = police_uk.load_street_archive(write(list(reversed(body + repeats)), tmp_path / "b"), by_lsoa=True)
    key = ["crime_type", "lsoa_code"]
    assert forward.sort_values(key)[key + ["count"]].values.tolist() == \
        backward.sort_values(key)[key + ["count"]].values.tolist()
    assert int(forward["count"].sum()) == 4545  # the 50 repeats are not counted
    # the rule: of a repeated ID, the row with the smallest (crime type, LSOA code) text is kept
    kept = {}
    for r in body + repeats:
        if r[ci]:
            kept[r[ci]] = min(kept.get(r[ci], (r[ti], r[li])), (r[ti], r[li]))
    by_lsoa: dict[tuple[str, str], int] = {}
    for t, lsoa in kept.values():
        by_lsoa[(t, lsoa)] = by_lsoa.get((t, lsoa), 0) + 1
    crimes_only = forward[forward["crime_type"] != "Anti-social behaviour"]
    got = {(t, lsoa if isinstance(lsoa, str) else ""): int(c) for t, lsoa, c in crimes_only[key + ["count"]].values}
    want = {k: v for k, v in by_lsoa.items() if k[0] != "Anti-social behaviour"}
    assert got == want


# ------------------------------------------------------------------ partial supply gaps (item 10)


@pytest.fixture(scope="module")
def glos():
    if not paths.shared_data_available():
        pytest.skip("real police.uk archive not available")
    from alliance_analysis.datasets.police_uk import load_street_archive

    return load_street_archive(paths.SHARED_DATA_DIR / "police_uk" / "gloucestershire")


def _scaled(df, lo: str, hi: str, factor: float, force: str | None = None):
    import numpy as np
    import pandas as pd

    low = (df["month"] >= pd.Period(lo, "M")) & (df["month"] <= pd.Period(hi, "M"))
    if force is not None:
        low &= df["force"] == force
    return df.assign(count=np.where(low, (df["count"] * factor).round(), df["count"]).astype("int64"))


@pytest.mark.shared_data
def test_eight_months_thirty_percent_low_are_flagged_exactly(glos):
    from alliance_analysis.datasets.police_uk import supply_gaps

    gapped = _scaled(glos, "2023-04", "2023-11", 0.7)  # as Devon and Cornwall's feed in 2023
    g = supply_gaps(gapped)
    assert [str(m) for m in g["month"]] == ["2023-04", "2023-05", "2023-06", "2023-07", "2023-08", "2023-09",
                                            "2023-10", "2023-11"]
    assert g["shortfall"].between(0.2, 0.4).all()
    assert "more than 20% below the force's expected level" in g["rule"].iloc[0]


@pytest.mark.shared_data
@pytest.mark.parametrize("archive", [pytest.param("gloucestershire", id="gloucestershire-2022-24"),
                                     pytest.param("devon_and_cornwall_2019", id="devon-and-cornwall-2019")])
def test_no_false_flags_on_the_real_archives(archive):
    from alliance_analysis.datasets.police_uk import load_street_archive, supply_gaps

    assert supply_gaps(load_street_archive(paths.SHARED_DATA_DIR / "police_uk" / archive)).empty


@pytest.mark.shared_data
def test_a_fall_shared_by_every_force_is_not_a_break(glos):
    import pandas as pd

    from alliance_analysis.datasets.police_uk import supply_gaps

    both = pd.concat([glos, glos.assign(force="Wiltshire")], ignore_index=True)
    common = _scaled(both, "2023-04", "2023-11", 0.7)  # both forces 30% down: a real change, not a feed gap
    assert supply_gaps(common).empty
    one = _scaled(both, "2023-04", "2023-11", 0.7, force="Wiltshire")
    assert set(supply_gaps(one)["force"]) == {"Wiltshire"}


@pytest.mark.shared_data
def test_flagged_months_kept_out_of_the_series_unless_asked(glos):
    from alliance_analysis.datasets.police_uk import exclude_supply_gaps
    from alliance_analysis.series.sources import CrimeSeries

    gapped = _scaled(glos, "2023-04", "2023-11", 0.7)
    series = CrimeSeries(gapped, "data.police.uk street-level records", "test", False)
    out = exclude_supply_gaps(series)
    assert out.n_periods == 35 - 8 and series.n_periods == 35  # a new series; the input untouched
    assert "Data break" in out.notes[-1] and "Gloucestershire 2023-04 to 2023-11" in out.notes[-1]
    kept = exclude_supply_gaps(series, include=True)
    assert kept.n_periods == 35 and "kept at the user's request" in kept.notes[-1]


def test_hidden_sheet_of_an_ods_is_skipped(tmp_path):
    import re
    import zipfile

    import pandas as pd

    plain = tmp_path / "plain.ods"
    with pd.ExcelWriter(plain, engine="odf") as xw:
        _prc_year("2012/13").to_excel(xw, sheet_name="2012-13", index=False)
        _prc_year("2013/14", counts=(100, 100, 100, 100)).to_excel(xw, sheet_name="2013-14", index=False)
    p = tmp_path / "prc.ods"  # the same workbook with sheet 2013-14 hidden, as LibreOffice writes it
    with zipfile.ZipFile(plain) as zin, zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "content.xml":
                text = data.decode("utf-8")
                style = ('<style:style style:name="hid" style:family="table">'
                         '<style:table-properties table:display="false"/></style:style>')
                text = re.sub(r"<office:automatic-styles>|<office:automatic-styles/>",
                              lambda m: "<office:automatic-styles>" + style + (
                                  "</office:automatic-styles>" if m.group(0).endswith("/>") else ""), text, count=1)
                text = text.replace('table:name="2013-14"', 'table:name="2013-14" table:style-name="hid"', 1)
                if "xmlns:style=" not in text:
                    text = text.replace("<office:document-content ", '<office:document-content xmlns:style='
                                        '"urn:oasis:names:tc:opendocument:xmlns:style:1.0" ', 1)
                data = text.encode("utf-8")
            zout.writestr(item, data)
    assert prc.hidden_sheets(p) == ["2013-14"]
    out = prc.load_prc_quarterly(p)
    assert int(out["count"].sum()) == 5 + 6 + 7 + 8 and "2013-14 (hidden)" in out.attrs["skipped_sheets"]


# ------------------------------------------------------------------ YAML (item 11)


@pytest.mark.parametrize("text, pattern", [
    pytest.param("name: a\x00b\n", r"line 1, column 8: control character U\+0000 \(a NUL byte\)", id="nul-byte"),
    pytest.param("discount_rate: " + "9" * 5000 + "\n", r"line 1: a number with 5,000 digits \(at most 100",
                 id="5000-digit-integer"),
    pytest.param("options:\n  - cost: 1" + "0" * 200 + ".5\n", r"line 2: a number with 202 digits", id="long-float"),
])
def test_yaml_nul_and_huge_numbers_are_named_errors(tmp_path, text, pattern):
    from alliance_analysis.yamlio import load_yaml_mapping

    p = tmp_path / "s.yaml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(DataValidationError, match=pattern) as e:
        load_yaml_mapping(p)
    assert e.value.file == str(p) and e.value.fix


def test_yaml_long_quoted_text_is_still_text(tmp_path):
    from alliance_analysis.yamlio import load_yaml_mapping

    p = tmp_path / "s.yaml"
    p.write_text('code: "' + "9" * 500 + '"\n', encoding="utf-8")
    assert load_yaml_mapping(p) == {"code": "9" * 500}


def test_registered_release_without_final_newline_loads_a_cut_copy_does_not(tmp_path, monkeypatch):
    # the 2018/19 outcomes table is published without a final line break: complete by its registered checksum
    import hashlib

    from alliance_analysis import validation
    from alliance_analysis.validation import Column, Schema

    schema = Schema("demo table", [Column("force"), Column("n", "count")])
    p = tmp_path / "t.csv"
    p.write_bytes(b"force,n\nDorset,117875")
    sources = tmp_path / "SOURCES.csv"
    sources.write_text(f"file,sha256\nt.csv,{hashlib.sha256(p.read_bytes()).hexdigest()}\n")
    monkeypatch.setattr(paths, "SOURCES_CSV", sources)
    assert validation.load_table(p, schema)["n"].tolist() == [117875]
    cut = tmp_path / "cut.csv"
    cut.write_bytes(b"force,n\nDorset,1178")
    with pytest.raises(DataValidationError, match="last line has no line break"):
        validation.load_table(cut, schema)


def test_bad_cell_in_a_sheet_named_by_sheet_and_spreadsheet_row(tmp_path):
    import pandas as pd

    p = tmp_path / "prc.xlsx"
    with pd.ExcelWriter(p, engine="openpyxl") as xw:
        _prc_year("2012/13").to_excel(xw, sheet_name="2012-13", index=False)
        _prc_year("2013/14", counts=(1, 2, "x", 4)).to_excel(xw, sheet_name="2013-14", index=False, startrow=2)
        xw.book["2013-14"]["A1"] = "Police recorded crime, 2013/14"  # a title above the header (row 3)
    with pytest.raises(DataValidationError, match=r"\[sheet 2013-14\]: column 'Number of Offences', row 6: ") as e:
        prc.load_prc_quarterly(p)
    assert e.value.row == 6  # title row 1, blank row 2, header row 3, data rows 4-7: the third is row 6
