"""The business-case workbook: formats read back with openpyxl, cover sheet, where it is written, atomicity."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

from alliance_analysis import paths, scenarios
from alliance_analysis.errors import ParameterError
from alliance_analysis.scenarios import workbook as wbmod

BASE = {"name": "t", "base_year": 2013, "price_base": "real 2013/14 prices",
        "forces": [{"name": "A", "population": 300}, {"name": "B", "population": 100}],
        "agreed_split": {"A": 69, "B": 31},
        "uncertainty": {"savings_delivery": {"dist": "triangular", "low": 0.7, "mode": 0.95, "high": 1.05}}}
SIMPLE = [{"name": "o", "split": {"A": 69, "B": 31},
           "savings": [{"area": "s", "amount_gbp_m": 10, "start_year": 2014}],
           "costs": [{"kind": "capital", "item": "c", "amount_gbp_m": 15, "year": 2013,
                      "assumption": "a long assumption text " * 8}]},
          {"name": "o2", "savings": [{"area": "s", "amount_gbp_m": 9, "start_year": 2014}]}]
NPV = 10 / 1.035 + 10 / 1.035**2 - 15  # 3.996943, by hand


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("wb")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ALLIANCE_RUN_DIR", str(tmp_path / "run-20260101T000000-abc"))
        s = scenarios.load_scenarios({**BASE, "options": SIMPLE})
        case = scenarios.business_case(s, horizon=3, n_draws=200)
        p = scenarios.save_business_case(case, s, horizon=3, parameters={"n_draws": 200, "seed": 2014},
                                         scenario_file="t.yaml", data_sources=["ONS mid-year population (test)"])
    return p, openpyxl.load_workbook(p)


def _header(ws) -> dict[str, int]:
    return {c.value: c.column for c in ws[1]}


# openpyxl does not evaluate formulas: this small evaluator computes the few forms the workbook writes
# (cell arithmetic, SUM, SUMPRODUCT over ranges of another sheet, IF(x>0, a/b, "")) independently of the library
_REF = r"(?:'((?:[^']|'')+)'!)?\$?([A-Z]+)\$?(\d+)"


def _value(wb, ws, cell):
    v = cell.value
    if not (isinstance(v, str) and cell.data_type == "f"):
        return v
    return _formula(wb, ws, v[1:])


def _ref(wb, ws, sheet, col, row):
    sh = wb[sheet.replace("''", "'")] if sheet else ws
    return _value(wb, sh, sh[f"{col}{row}"])


def _range(wb, ws, text):
    import re
    m = re.fullmatch(r"(?:'((?:[^']|'')+)'!)?([A-Z]+)(\d+):([A-Z]+)(\d+)", text)
    sheet, c1, r1, c2, r2 = m.groups()
    assert c1 == c2
    return [_ref(wb, ws, sheet, c1, r) for r in range(int(r1), int(r2) + 1)]


def _formula(wb, ws, f):
    import re
    if m := re.fullmatch(r"SUMPRODUCT\((.+),(.+)\)", f):
        return sum((a or 0) * (b or 0) for a, b in zip(_range(wb, ws, m[1]), _range(wb, ws, m[2])))
    if m := re.fullmatch(r"SUM\((.+)\)", f):
        return sum(x or 0 for x in _range(wb, ws, m[1]))
    if m := re.fullmatch(r'IF\((\w+)>0,(\w+)/(\w+),""\)', f):
        den = _formula(wb, ws, m[1])
        return _formula(wb, ws, m[2]) / _formula(wb, ws, m[3]) if den > 0 else ""
    if m := re.fullmatch(rf"({_REF})([-+*])({_REF})", f):
        a = _ref(wb, ws, m[2], m[3], m[4])
        b = _ref(wb, ws, m[7], m[8], m[9])
        return {"-": a - b, "+": a + b, "*": a * b}[m[5]]
    if m := re.fullmatch(_REF, f):
        return _ref(wb, ws, m[1], m[2], m[3])
    raise AssertionError(f"formula form not expected: ={f}")


def test_workbook_goes_to_the_run_folder(written):
    p, _ = written
    assert p.name == "business_case.xlsx" and p.parent.name == "run-20260101T000000-abc" and p.is_absolute()
    assert p.exists() and not list(p.parent.glob(".*.tmp"))


def test_cover_sheet_says_what_produced_it(written):
    _, wb = written
    assert wb.sheetnames[0] == "Cover"
    cover = {r[0]: r[1] for r in wb["Cover"].iter_rows(min_row=2, values_only=True)}
    for key in ("Scenario", "Options", "Price base", "Discounting convention", "Data sources", "Parameters",
                "Run id"):
        assert cover.get(key), key
    assert cover["Scenario"] == "t (t.yaml)"
    assert cover["Price base"] == "real 2013/14 prices"
    assert cover["Run id"] == "run-20260101T000000-abc"
    assert cover["Parameters"] == "n_draws = 200; seed = 2014"
    assert "Green Book" in cover["Discounting convention"] and "year 0 undiscounted" in cover["Discounting convention"]
    assert "ONS mid-year population (test)" in cover["Data sources"]
    assert "Comparison: planned (deterministic) NPV" in cover["Sheets"]


@pytest.mark.parametrize(
    "sheet, column, fmt",
    [
        pytest.param("Comparison", "NPV (GBP m)", "#,##0.0", id="npv-gbp-m"),
        pytest.param("Comparison", "PV costs (GBP m)", "#,##0.0", id="pv-costs"),
        pytest.param("Comparison", "Benefit-cost ratio", "0.00", id="bcr"),
        pytest.param("Uncertainty", "P(NPV < 0)", "0.0%", id="prob-negative-percent"),
        pytest.param("Payback", "Share of draws", "0.0%", id="share-percent"),
        pytest.param("Headline", "P10 NPV (GBP m)", "#,##0.0", id="headline-p10"),
        pytest.param("Ranking", "P(beats next)", "0.0%", id="ranking-prob"),
        pytest.param("Cash flows", "Discount factor", "0.0000", id="discount-factor"),
        pytest.param("Fairness", "Change vs agreed split (GBP m)", "#,##0.0", id="fairness-change"),
    ],
)
def test_number_formats_read_back(written, sheet, column, fmt):
    _, wb = written
    ws = wb[sheet]
    col = _header(ws)[column]
    cells = [r[0] for r in ws.iter_rows(min_row=2, min_col=col, max_col=col)
             if isinstance(r[0].value, (int, float)) or r[0].data_type == "f"]
    assert cells, f"no numbers in {sheet}/{column}"
    assert {c.number_format for c in cells} == {fmt}


def test_values_keep_full_precision_and_missing_are_empty(written):
    _, wb = written
    ws = wb["Comparison"]
    h = _header(ws)
    assert _value(wb, ws, ws.cell(2, h["NPV (GBP m)"])) == pytest.approx(NPV, abs=1e-9)  # formatted, not rounded
    head = wb["Headline"]
    hh = _header(head)
    assert head.cell(3, hh["Case"]).value == "planned (deterministic)"
    assert head.cell(3, hh["P10 NPV (GBP m)"]).value is None  # no 'nan' text in the sheet
    texts = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert not any(t in ("nan", "None", "NaN") for t in texts)


def test_headers_bold_frozen_labelled_and_widths_set(written):
    _, wb = written
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2", ws.title
        assert all(c.font.bold for c in ws[1] if c.value is not None), ws.title
        assert not any("_" in str(c.value) for c in ws[1]), ws.title  # human labels, no snake_case
    ws = wb["Assumptions"]
    col = _header(ws)["Assumption"]
    letter = openpyxl.utils.get_column_letter(col)
    assert ws.column_dimensions[letter].width == 60  # long text: widest allowed, wrapped
    assert ws.cell(2, col).alignment.wrap_text
    assert wb["Comparison"].column_dimensions["A"].width >= len("Option")


def test_one_sheet_per_non_empty_table(written):
    _, wb = written
    assert wb.sheetnames[1:4] == ["Headline", "Ranking", "Inputs"]
    assert "Comparison" in wb.sheetnames and "Reserves" in wb.sheetnames


def test_no_workbook_outside_a_run_unless_asked(tmp_path, monkeypatch):
    monkeypatch.delenv("ALLIANCE_RUN_DIR", raising=False)
    s = scenarios.load_scenarios({**BASE, "options": SIMPLE})
    before = sorted(paths.PROCESSED_DIR.glob("*.xlsx")) if paths.PROCESSED_DIR.exists() else []
    assert scenarios.save_business_case(scenarios.business_case(s, horizon=3, n_draws=10), s) is None
    after = sorted(paths.PROCESSED_DIR.glob("*.xlsx")) if paths.PROCESSED_DIR.exists() else []
    assert after == before


@pytest.mark.parametrize(
    "given, run_dir, expected",
    [
        pytest.param("mine.xlsx", None, "cwd/mine.xlsx", id="relative-named-against-cwd"),
        pytest.param("mine.xlsx", "run1", "cwd/mine.xlsx", id="named-wins-over-run-folder"),
        pytest.param(None, "run1", "run1/business_case.xlsx", id="run-folder"),
    ],
)
def test_workbook_path(tmp_path, monkeypatch, given, run_dir, expected):
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    if run_dir:
        monkeypatch.setenv("ALLIANCE_RUN_DIR", str(tmp_path / run_dir))
    else:
        monkeypatch.delenv("ALLIANCE_RUN_DIR", raising=False)
    assert scenarios.workbook_path(given) == (tmp_path / expected).resolve()


def test_failed_write_leaves_the_old_workbook(tmp_path, monkeypatch):
    target = tmp_path / "bc.xlsx"
    scenarios.write_workbook({"a": pd.DataFrame({"x": [1]})}, target)
    before = target.read_bytes()

    def boom(self, filename):
        open(filename, "wb").write(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(openpyxl.Workbook, "save", boom)
    with pytest.raises(OSError, match="disk full"):
        scenarios.write_workbook({"a": pd.DataFrame({"x": [2]})}, target)
    assert target.read_bytes() == before
    assert not list(tmp_path.glob(".*.tmp"))


@pytest.mark.parametrize(
    "name, label",
    [
        pytest.param("npv_gbp_m", "NPV (GBP m)", id="known"),
        pytest.param("pv_savings_gbp_m", "PV savings (GBP m)", id="money-suffix"),
        pytest.param("prob_no_payback", "P(no payback)", id="probability"),
        pytest.param("workforce_share", "Workforce share", id="plain"),
        pytest.param("recorded_crime", "Recorded crime", id="two-words"),
    ],
)
def test_column_labels(name, label):
    assert scenarios.column_label(name) == label


@pytest.mark.parametrize(
    "name, values, fmt",
    [
        pytest.param("npv_gbp_m", [1.0], "#,##0.0", id="money"),
        pytest.param("prob_npv_negative", [0.1], "0.0%", id="prob"),
        pytest.param("population_share", [0.3], "0.0%", id="share"),
        pytest.param("population", [545474], "#,##0", id="count"),
        pytest.param("year", [2013], None, id="year-no-separator"),
        pytest.param("force", ["A"], None, id="text"),
        pytest.param("rate_per_1000", [1.5], "#,##0.00", id="other-float"),
    ],
)
def test_number_format_rules(name, values, fmt):
    assert scenarios.number_format(name, pd.Series(values)) == fmt


@pytest.mark.parametrize(
    "key, used, title",
    [
        pytest.param("cash_flows", set(), "Cash flows", id="underscores"),
        pytest.param("a" * 40, set(), "A" + "a" * 30, id="31-characters"),
        pytest.param("x/y:z", set(), "X y z", id="forbidden-characters"),
        pytest.param("cover", set(), "Cover (2)", id="reserved-cover"),
        pytest.param("payback", {"Payback"}, "Payback (2)", id="duplicate"),
    ],
)
def test_sheet_titles(key, used, title):
    assert wbmod.sheet_title(key, used) == title


@pytest.mark.parametrize(
    "call, message",
    [
        pytest.param(lambda: scenarios.write_workbook({"a": pd.DataFrame()}, "x.csv"), r"must end in \.xlsx", id="suffix"),
        pytest.param(lambda: scenarios.write_workbook({"a": [1, 2]}, "/tmp/x.xlsx"), "not a DataFrame", id="not-frame"),
        pytest.param(lambda: scenarios.workbook_path("book.xls"), r"must end in \.xlsx", id="xls"),
    ],
)
def test_bad_workbook_arguments(call, message):
    with pytest.raises(ParameterError, match=message):
        call()


def test_pv_npv_and_bcr_are_formulas_over_the_cash_flows(written):
    # issue 20 item 5: a finance director can trace NPV, PV and BCR in Excel; their values, evaluated
    # independently here, equal the library's and the hand NPV
    _, wb = written
    ws = wb["Comparison"]
    h = _header(ws)
    s = scenarios.load_scenarios({**BASE, "options": SIMPLE})
    for row in range(2, ws.max_row + 1):
        option = ws.cell(row, h["Option"]).value
        a = scenarios.appraise(s, option, horizon=3)
        for label, expected in (("NPV (GBP m)", a.npv_gbp_m), ("PV benefits (GBP m)", a.pv_benefits_gbp_m),
                                ("PV costs (GBP m)", a.pv_costs_gbp_m)):
            cell = ws.cell(row, h[label])
            assert cell.data_type == "f", (option, label)
            assert _value(wb, ws, cell) == pytest.approx(expected, abs=1e-9), (option, label)
        bcr = _value(wb, ws, ws.cell(row, h["Benefit-cost ratio"]))
        assert bcr == (pytest.approx(a.bcr) if a.pv_costs_gbp_m > 0 else "")
    o = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, h["Option"]).value == "o")
    assert _value(wb, ws, ws.cell(o, h["NPV (GBP m)"])) == pytest.approx(NPV, abs=1e-9)
    # 10 x (1/1.035 + 1/1.035^2) / (15 x 1.1): optimism bias 0 here, so / 15
    assert _value(wb, ws, ws.cell(o, h["Benefit-cost ratio"])) == pytest.approx(10 * (1 / 1.035 + 1 / 1.035**2) / 15)
    cf = wb["Cash flows"]
    ch = _header(cf)
    last = max(r for r in range(2, cf.max_row + 1) if cf.cell(r, ch["Option"]).value == "o")
    assert _value(wb, cf, cf.cell(last, ch["Cumulative PV net (GBP m)"])) == pytest.approx(NPV, abs=1e-9)


def test_every_sheet_prints_landscape_one_page_wide_with_repeated_headers(written):
    _, wb = written
    for ws in wb.worksheets:
        ps = ws.page_setup
        assert ps.orientation == "landscape" and ps.fitToWidth == 1 and ps.fitToHeight == 0, ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert ws.print_title_rows == "$1:$1", ws.title
    cover = wb["Cover"]
    # labels and values on one page: both columns are inside the fitted width, values wrap, tall rows
    assert cover.column_dimensions["B"].width <= 100
    long_rows = [r for r in cover.iter_rows(min_row=2) if len(str(r[1].value or "")) > 200]
    assert long_rows and all(r[1].alignment.wrap_text for r in cover.iter_rows(min_row=2))
    assert all(cover.row_dimensions[r[0].row].height > 15 for r in long_rows)


def test_counts_use_integer_formats(tmp_path):
    t = pd.DataFrame({"basis": ["workforce (FTE)", "population"], "force": ["A", "B"],
                      "value": [1455.62, 549517.0], "share": [0.3, 0.7]})
    p = wbmod.write_workbook({"sharing": t, "uncertainty": pd.DataFrame({"draws": [2000.0], "mean_npv_gbp_m": [1.0]})},
                             tmp_path / "c.xlsx")
    wb = openpyxl.load_workbook(p)
    assert {wb["Sharing"].cell(r, 3).number_format for r in (2, 3)} == {"#,##0"}
    assert wb["Uncertainty"].cell(2, 1).number_format == "#,##0"


@pytest.mark.parametrize(
    "name",
    [
        pytest.param('=HYPERLINK("http://example.invalid","CLICK")', id="hyperlink"),
        pytest.param("+1+1", id="plus"), pytest.param("-2+3", id="minus"), pytest.param("@SUM(A1)", id="at"),
    ],
)
def test_text_that_looks_like_a_formula_is_stored_as_text(tmp_path, name):
    # issue 21 item 2: an option name never becomes a live formula, in a table or on the cover
    s = scenarios.load_scenarios({**BASE, "options": [{**SIMPLE[0], "name": name}]})
    case = scenarios.business_case(s, horizon=3, n_draws=20)
    p = scenarios.save_business_case(case, s, horizon=3, workbook_file=tmp_path / "inj.xlsx")
    import zipfile
    with zipfile.ZipFile(p) as z:
        xml = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/"))
    assert "HYPERLINK" not in "".join(__import__("re").findall(r"<f>(.*?)</f>", xml))
    wb = openpyxl.load_workbook(p)
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None and name in str(c.value)]
    assert cells
    assert all(c.data_type == "s" for c in cells)
