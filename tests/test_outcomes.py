"""Home Office crime outcomes loaders (both published forms and the workbooks) and police.uk outcomes."""

from __future__ import annotations

import csv
import gzip
import io

import pandas as pd
import pytest

from alliance_analysis import paths
from alliance_analysis.datasets import outcomes
from alliance_analysis.errors import DataValidationError

HEAD = ("Financial Year,Financial Quarter,Force Name,Offence Description,Offence Group,Offence Subgroup,Offence Code,"
        "Offence code expired,Outcome Description,Outcome Group,Outcome Type,"
        "Force outcomes for offences recorded in quarter,Force outcomes recorded in quarter")
ROWS = [
    "2018/19,1,Dorset,Burglary - residential,Theft offences,Burglary,28E,,Charged/Summonsed,Charged/Summonsed,1,12,15",
    "2018/19,1,Dorset,Burglary - residential,Theft offences,Burglary,28E,,Not yet assigned an outcome,"
    "Not yet assigned an outcome,0,30,NA",
    "2018/19,2,Devon & Cornwall,Abandoning child,Violence against the person,Violence without injury,12,x,"
    "Charged/Summonsed,Charged/Summonsed,1,N/A - offence code expired,2",
]
TIDY_HEAD = ("financial_year,financial_quarter,force_name,offence_description,offence_group,offence_subgroup,"
             "offence_code,offence_code_expired,outcome_description,outcome_group,outcome_type,offences,"
             "force_outcomes_recorded_in_quarter")


def _published(tmp_path, rows=ROWS, name="o.csv"):
    p = tmp_path / name
    p.write_text("\ufeff" + HEAD + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return p


def test_as_published_form_with_bom_and_expired_placeholder(tmp_path):
    o = outcomes.load_outcomes(_published(tmp_path))
    assert o["force"].tolist() == ["Dorset", "Dorset", "Devon and Cornwall"]
    assert [str(q) for q in o["quarter"]] == ["2018Q2", "2018Q2", "2018Q3"]   # FY Q1 = Apr-Jun
    assert o["outcomes_of_recorded"].tolist()[:2] == [12, 30] and pd.isna(o["outcomes_of_recorded"].iloc[2])
    assert pd.isna(o["outcomes_assigned"].iloc[1]) and o["outcomes_assigned"].iloc[2] == 2
    assert o["offence_code_expired"].tolist() == [False, False, True]
    assert o.attrs["expired_placeholders"] == 1


def test_tidy_form_with_trailing_blank_row_gives_the_same_frame(tmp_path):
    tidy = tmp_path / "t.csv"
    body = [r.replace("Devon & Cornwall", "Devon and Cornwall").replace(",x,", ",y,") for r in ROWS]
    body = [r if "N/A" not in r else r.replace("N/A - offence code expired", "NA") for r in body]
    tidy.write_text(TIDY_HEAD + "\n" + "\n".join(b.replace(",,", ",NA,") for b in body) + "\n"
                    + ",".join(["NA"] * 13) + "\n", encoding="utf-8")
    a = outcomes.load_outcomes(tidy)
    b = outcomes.load_outcomes(_published(tmp_path))
    assert a.attrs["blank_rows_dropped"] == 1
    cols = ["force", "quarter", "offence_code", "outcome_type", "outcomes_of_recorded", "outcomes_assigned"]
    pd.testing.assert_frame_equal(a[cols], b[cols])


@pytest.mark.parametrize("suffix", [pytest.param(".xlsx", id="xlsx"), pytest.param(".ods", id="ods")])
def test_workbook_one_sheet_per_year_and_a_cover_sheet(tmp_path, suffix):
    rows = list(csv.reader(io.StringIO(HEAD + "\n" + "\n".join(ROWS))))
    frame = pd.DataFrame(rows[1:], columns=rows[0])
    p = tmp_path / f"outcomes{suffix}"
    with pd.ExcelWriter(p, engine="openpyxl" if suffix == ".xlsx" else "odf") as xw:
        pd.DataFrame({"x": ["Crime outcomes open data", "Contents"]}).to_excel(xw, sheet_name="Cover", index=False,
                                                                              header=False)
        frame.to_excel(xw, sheet_name="2018-19", index=False, startrow=2)
    o = outcomes.load_outcomes(p)
    assert o["outcomes_of_recorded"].tolist()[:2] == [12, 30]
    assert o.attrs["expired_placeholders"] == 1 and len(o) == 3


@pytest.mark.parametrize("change, column, message", [
    pytest.param(("28E,,Charged/Summonsed,Charged/Summonsed,1,12", "28E,,Charged/Summonsed,Charged/Summonsed,1,"
                  "N/A - offence code expired"), "Force outcomes for offences recorded in quarter",
                 "not marked expired", id="placeholder-on-live-code"),
    pytest.param((",1,12,15", ",1,twelve,15"), "Force outcomes for offences recorded in quarter", "not a number",
                 id="text-count"),
    pytest.param(("2018/19,1,Dorset,Burglary - residential,Theft offences,Burglary,28E,,Charged",
                  "2018/19,5,Dorset,Burglary - residential,Theft offences,Burglary,28E,,Charged"),
                 "Financial Quarter", "not 1-4", id="bad-quarter"),
    pytest.param(("2018/19,1,Dorset,Burglary - residential,Theft offences,Burglary,28E,,Charged",
                  "2018/19,1,Dorsett Police Force,Burglary - residential,Theft offences,Burglary,28E,,Charged"),
                 "Force Name", "", id="unknown-force"),
    pytest.param((",1,12,15", ",1,-3,15"), None, "", id="negative-count-allowed-as-adjustment"),
])
def test_bad_cells_named_by_row_and_column(tmp_path, change, column, message):
    rows = [ROWS[0].replace(*change)] + ROWS[1:]
    p = _published(tmp_path, rows)
    if column is None:   # the Home Office publishes negative adjustments: kept, not an error
        assert outcomes.load_outcomes(p)["outcomes_of_recorded"].iloc[0] == -3
        return
    with pytest.raises(DataValidationError) as exc:
        outcomes.load_outcomes(p)
    assert exc.value.column == column and exc.value.row == 1 and message in str(exc.value)


def test_duplicate_row_and_missing_column_refused(tmp_path):
    with pytest.raises(DataValidationError, match="duplicate"):
        outcomes.load_outcomes(_published(tmp_path, ROWS + [ROWS[0]]))
    p = tmp_path / "m.csv"
    p.write_text(HEAD.replace(",Outcome Type", "") + "\n", encoding="utf-8")
    with pytest.raises(DataValidationError, match="Outcome Type"):
        outcomes.load_outcomes(p)


def _independent(path, force, fy, column, type_col, outcome_type):
    total = 0
    with gzip.open(path, "rt", encoding="utf-8-sig", newline="") as fh:
        header = next(csv.reader(fh))
        idx = [header.index(c) for c in (*type_col, column)]
        # only lines naming the force are parsed (a plain substring test first: fast)
        for r in csv.reader(line for line in fh if force in line):
            if (r[idx[0]], r[idx[1]], r[idx[2]]) == (force, fy, outcome_type):
                v = r[idx[3]]
                total += int(v) if v.lstrip("-").isdigit() else 0
    return total


def test_shipped_tables_match_an_independent_count():
    o = outcomes.load_outcomes()
    wm = o[(o["force"] == "West Mercia") & (o["outcome_type"] == 1)]
    # the shared data README states 8,241 West Mercia charges/summonses for 2018/19
    assert int(wm.loc[wm["financial_year"] == "2018/19", "outcomes_of_recorded"].sum()) == 8241
    got = int(wm.loc[wm["financial_year"] == "2017/18", "outcomes_assigned"].sum())
    assert got == _independent(outcomes.SHIPPED_OUTCOMES[0], "West Mercia", "2017/18",
                               "force_outcomes_recorded_in_quarter",
                               ("force_name", "financial_year", "outcome_type"), "1")
    assert o.attrs["blank_rows_dropped"] == 1 and o.attrs["expired_placeholders"] > 0
    assert sorted(o["financial_year"].unique()) == ["2017/18", "2018/19"]


@pytest.mark.shared_data
def test_shipped_outcomes_and_activity_identical_to_shared_data(shared_data):
    for p in list(outcomes.SHIPPED_OUTCOMES) + sorted((paths.RAW_DIR / "activity").glob("*.gz")):
        rel = p.relative_to(paths.RAW_DIR)
        assert p.read_bytes() == (shared_data / rel).read_bytes(), rel


def test_street_outcomes_counts_crimes_once_and_leaves_out_asb(tmp_path):
    d = tmp_path / "2020-01"
    d.mkdir()
    (d / "2020-01-dorset-street.csv").write_text(
        "Crime ID,Month,Crime type,Last outcome category\n"
        "a,2020-01,Burglary,Offender fined\na,2020-01,Burglary,Offender fined\n"
        "b,2020-01,Burglary,Unable to prosecute suspect\n,2020-01,Anti-social behaviour,\n")
    s = outcomes.load_street_outcomes(tmp_path)
    assert dict(zip(s["outcome_group"], s["count"])) == {"Charged or summonsed": 1, "Evidential difficulties": 1}


@pytest.mark.parametrize("text, match", [
    pytest.param("Crime ID,Month,Crime type,Last outcome category\na,2020-01,Burglary,Sent to the moon\n",
                 "unknown outcome categories", id="unknown-category"),
    pytest.param("Crime ID,Month,Crime type,Last outcome category\na,2020-02,Burglary,Local resolution\n",
                 "Month", id="month-disagrees"),
    pytest.param("Crime ID,Month,Crime type\na,2020-01,Burglary\n", "Last outcome category", id="no-outcome-column"),
])
def test_street_outcomes_refuses_bad_files(tmp_path, text, match):
    d = tmp_path / "2020-01"
    d.mkdir()
    (d / "2020-01-dorset-street.csv").write_text(text)
    with pytest.raises(DataValidationError, match=match):
        outcomes.load_street_outcomes(tmp_path)


@pytest.mark.shared_data
def test_street_outcomes_on_gloucestershire_match_an_independent_count(shared_data):
    root = shared_data / "police_uk" / "gloucestershire"
    s = outcomes.load_street_outcomes(root)
    want = 0
    for f in sorted(root.glob("*/*-street.csv")):
        with open(f, newline="", encoding="utf-8") as fh:
            want += len({r["Crime ID"] for r in csv.DictReader(fh) if r["Crime ID"].strip()})
    assert int(s["count"].sum()) == want
    assert s["month"].nunique() == 35 and set(s["force"]) == {"Gloucestershire"}


@pytest.mark.shared_data
def test_street_outcome_categories_on_gloucestershire_match_a_hand_count(shared_data):
    # an independent count with the csv module: each file's crimes (a Crime ID) counted once, by category
    root = shared_data / "police_uk" / "gloucestershire"
    want: dict[str, int] = {}
    for f in sorted(root.glob("*/*-street.csv")):
        with open(f, newline="", encoding="utf-8") as fh:
            seen: dict[str, str] = {}
            for r in csv.DictReader(fh):
                if r["Crime ID"].strip():
                    seen.setdefault(r["Crime ID"], r["Last outcome category"].strip())
        for cat in seen.values():
            want[cat] = want.get(cat, 0) + 1
    got = outcomes.load_street_outcomes(root).groupby("outcome_category")["count"].sum()
    for cat in ("Investigation complete; no suspect identified", "Unable to prosecute suspect",
                "Awaiting court outcome", "Under investigation", "Local resolution"):
        assert int(got[cat]) == want[cat], cat
    # the charged group adds every court-stage category; the hand count adds the same names
    court = [c for c, g in outcomes.STREET_OUTCOME_GROUPS.items() if g == "Charged or summonsed"]
    s = outcomes.load_street_outcomes(root)
    assert int(s.loc[s["outcome_group"] == "Charged or summonsed", "count"].sum()) == sum(want.get(c, 0) for c in court)


OUTCOME_FILE_HEAD = "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Outcome type\n"


def _outcome_row(crime: str, month: str, outcome: str) -> str:
    return f"{crime},{month},Dorset Police,Dorset Police,-2.0,50.7,On or near High Street,E01020304,Poole 001A,{outcome}\n"


def test_police_uk_outcome_files_count_outcomes_given_each_month(tmp_path):
    for month, rows in {"2020-01": [("a", "Suspect charged"), ("b", "Investigation complete; no suspect identified"),
                                    ("b", "Investigation complete; no suspect identified"),   # repeated row: once
                                    ("c", "Unable to prosecute suspect")],
                        "2020-02": [("a", "Offender fined"), ("d", "Local resolution")]}.items():
        (tmp_path / month).mkdir()
        (tmp_path / month / f"{month}-dorset-outcomes.csv").write_text(
            OUTCOME_FILE_HEAD + "".join(_outcome_row(c, month, o) for c, o in rows))
    o = outcomes.load_police_uk_outcome_files(tmp_path)
    got = {(str(r.month), r.outcome_group): r.count for r in o.itertuples()}
    assert got == {("2020-01", "Charged or summonsed"): 1, ("2020-01", "No suspect identified"): 1,
                   ("2020-01", "Evidential difficulties"): 1, ("2020-02", "Court result"): 1,
                   ("2020-02", "Out-of-court"): 1}
    assert set(o["force"]) == {"Dorset"}
    # street files only: no outcomes files, an empty frame (the report then says how to proceed)
    empty = tmp_path / "street-only" / "2020-01"
    empty.mkdir(parents=True)
    (empty / "2020-01-dorset-street.csv").write_text("Crime ID,Month,Crime type,Last outcome category\n")
    assert outcomes.load_police_uk_outcome_files(tmp_path / "street-only").empty


@pytest.mark.parametrize("text, match", [
    pytest.param(OUTCOME_FILE_HEAD + _outcome_row("a", "2020-01", "Sent to the moon"), "unknown outcome types",
                 id="unknown-type"),
    pytest.param(OUTCOME_FILE_HEAD + _outcome_row("a", "2020-02", "Suspect charged"), "Month", id="month-disagrees"),
    pytest.param("Crime ID,Month\na,2020-01\n", "Outcome type", id="no-outcome-column"),
])
def test_police_uk_outcome_files_refuse_bad_files(tmp_path, text, match):
    (tmp_path / "2020-01").mkdir()
    (tmp_path / "2020-01" / "2020-01-dorset-outcomes.csv").write_text(text)
    with pytest.raises(DataValidationError, match=match) as e:
        outcomes.load_police_uk_outcome_files(tmp_path)
    assert "2020-01-dorset-outcomes.csv" in str(e.value)
