"""The business-case Excel workbook: a cover sheet, one formatted sheet per table, written atomically.

Finance teams get numbers they can read and re-use: money in GBP m to one decimal
(``#,##0.0``), probabilities and shares as percentages (``0.0%``), human column labels,
bold frozen headers, widths that fit, long text wrapped, and a cover sheet saying what
produced the workbook (scenario, options, price base, discounting convention, data
sources, parameters, run id). The workbook goes into the run folder
(``ALLIANCE_RUN_DIR``, set by the report runner) or a path the user names; never into
``data/processed/`` by default.
"""

from __future__ import annotations

import datetime as _dt
import logging
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from alliance_analysis.errors import ParameterError

log = logging.getLogger(__name__)

#: environment variable naming the run folder (set by the report runner for each run)
RUN_DIR_ENV = "ALLIANCE_RUN_DIR"
WORKBOOK_NAME = "business_case.xlsx"
#: width (characters) of the cover's value column: label and value fit one landscape page across
COVER_VALUE_WIDTH = 90

GBP_M_FORMAT = "#,##0.0"
PERCENT_FORMAT = "0.0%"
RATIO_FORMAT = "0.00"
FACTOR_FORMAT = "0.0000"
INTEGER_FORMAT = "#,##0"
NUMBER_FORMAT = "#,##0.00"

#: exact labels for the business case's columns; anything else goes through :func:`column_label`
COLUMN_LABELS: dict[str, str] = {
    "option": "Option", "npv_gbp_m": "NPV (GBP m)", "pv_benefits_gbp_m": "PV benefits (GBP m)",
    "pv_costs_gbp_m": "PV costs (GBP m)", "bcr": "Benefit-cost ratio", "discounted_payback": "Discounted payback",
    "undiscounted_net_gbp_m": "Undiscounted net (GBP m)", "year": "Year", "financial_year": "Financial year",
    "benefits_gbp_m": "Benefits (GBP m)", "costs_gbp_m": "Costs (GBP m)", "net_gbp_m": "Net (GBP m)",
    "discount_factor": "Discount factor", "pv_net_gbp_m": "PV net (GBP m)",
    "cumulative_pv_net_gbp_m": "Cumulative PV net (GBP m)", "draws": "Draws",
    "mean_npv_gbp_m": "Expected NPV (GBP m)", "expected_npv_gbp_m": "Expected NPV (GBP m)",
    "p10_npv_gbp_m": "P10 NPV (GBP m)", "p50_npv_gbp_m": "P50 NPV (GBP m)", "p90_npv_gbp_m": "P90 NPV (GBP m)",
    "prob_npv_negative": "P(NPV < 0)", "median_payback": "Median payback", "prob_no_payback": "P(no payback)",
    "payback_year": "Payback year", "share_of_draws": "Share of draws", "input": "Input", "base": "Base case",
    "switching_value": "Switching value", "meaning": "Meaning", "adverse_input": "Adverse end",
    "favourable_input": "Favourable end", "low_npv": "NPV at adverse end (GBP m)",
    "high_npv": "NPV at favourable end (GBP m)", "base_npv": "Planned NPV (GBP m)", "swing": "Swing (GBP m)",
    "rule": "Sharing rule", "force": "Force", "change_vs_agreed_gbp_m": "Change vs agreed split (GBP m)",
    "reserves_gbp_m": "Reserves (GBP m)", "first_breach": "First year below floor", "item": "Item",
    "value_gbp_m": "Value (GBP m)", "source": "Source", "assumption": "Assumption", "rank": "Rank",
    "planned_npv_gbp_m": "Planned NPV (GBP m)", "next_option": "Next option", "prob_beats_next": "P(beats next)", "prob_best": "P(best of all)",
    "expected_margin_gbp_m": "Expected margin over next (GBP m)", "call": "Call", "case": "Case",
    "label": "Input", "distribution": "Distribution", "planned": "Planned value", "mode": "Most likely",
    "mean": "Mean", "lean_vs_plan": "Mean vs plan", "lean_vs_mode": "Mean vs most likely",
    "uncertain": "Uncertain", "effect_gbp_m": "Effect on its own (GBP m)", "share": "Share",
    "basis": "Basis", "value": "Value", "agreed_share": "Agreed share",
    "gap_pp": "Agreed minus real share (percentage points)", "kind": "Kind", "area": "Area", "amount_gbp_m": "Amount (GBP m)",
}

_WORDS = {"npv": "NPV", "pv": "PV", "bcr": "BCR", "gbp": "GBP", "fy": "FY", "id": "id", "p10": "P10", "p50": "P50",
          "p90": "P90", "pct": "%"}
#: columns holding counts (recorded crime, population, workforce FTE, draws): integer format even when held as floats
COUNT_COLUMNS = frozenset({"value", "population", "workforce", "fte", "count", "draws", "crime"})
_WRAP_COLUMNS = {"assumption", "source", "meaning", "item", "area", "description"}


def column_label(name: str) -> str:
    """A human label for a column name: the business case's own labels, else a readable form of snake_case.

    Examples
    --------
    >>> column_label("npv_gbp_m"), column_label("pv_savings_gbp_m"), column_label("workforce_share")
    ('NPV (GBP m)', 'PV savings (GBP m)', 'Workforce share')
    """
    if name in COLUMN_LABELS:
        return COLUMN_LABELS[name]
    text = str(name)
    unit = ""
    if text.endswith("_gbp_m"):
        text, unit = text[: -len("_gbp_m")], " (GBP m)"
    elif text.startswith("prob_"):
        return "P(" + " ".join(_WORDS.get(w, w) for w in text[len("prob_"):].split("_")) + ")"
    words = [_WORDS.get(w, w) for w in text.split("_") if w]
    if not words:
        return str(name)
    first = words[0] if words[0].isupper() else words[0][:1].upper() + words[0][1:]
    return " ".join([first, *words[1:]]) + unit


def number_format(name: str, values: pd.Series) -> str | None:
    """The Excel number format of a column, from its name and values (None: leave text as text).

    Examples
    --------
    >>> number_format("npv_gbp_m", pd.Series([1.25])), number_format("prob_npv_negative", pd.Series([0.1]))
    ('#,##0.0', '0.0%')
    >>> number_format("population", pd.Series([545474])), number_format("option", pd.Series(["a"])) is None
    ('#,##0', True)
    >>> number_format("value", pd.Series([1455.62, 3616.12])), number_format("x", pd.Series([1.5]))  # FTE: a count
    ('#,##0', '#,##0.00')
    """
    n = str(name)
    if "gbp_m" in n:
        return GBP_M_FORMAT
    if n.startswith("prob_") or n.endswith("share") or n.startswith("share") or n.endswith("_pct"):
        return PERCENT_FORMAT
    if n in ("bcr", "switching_value", "adverse_input", "favourable_input", "planned", "mode", "mean", "base"):
        return RATIO_FORMAT
    if n == "discount_factor":
        return FACTOR_FORMAT
    if pd.api.types.is_bool_dtype(values):
        return None
    if pd.api.types.is_integer_dtype(values):
        return None if n in ("year", "rank") else INTEGER_FORMAT
    if pd.api.types.is_float_dtype(values):
        v = values.dropna()
        if n in COUNT_COLUMNS or (len(v) and bool((v == v.round()).all())):
            return INTEGER_FORMAT   # counts (crime, population, FTE, draws) and whole numbers: no decimals
        return NUMBER_FORMAT
    return None


#: text starting with one of these is read as a formula by spreadsheets (formula injection): it is stored as text
FORMULA_TRIGGERS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    """A value openpyxl can write: NaN/None/NA become an empty cell, numpy scalars plain Python."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) else float(value)
    if isinstance(value, (pd.Period, pd.Timestamp, tuple, list, dict)):
        return str(value)
    return value


def sheet_title(key: str, used: set[str]) -> str:
    """A valid, unique Excel sheet title (<= 31 characters, no ``[]:*?/\\``) from a table's key.

    Examples
    --------
    >>> sheet_title("switching_values", set()), sheet_title("a/b", {"A b"})
    ('Switching values', 'A b (2)')
    """
    text = str(key).replace("_", " ").strip()
    for ch in "[]:*?/\\":
        text = text.replace(ch, " ")
    text = " ".join(text.split()) or "Sheet"
    text = (text[:1].upper() + text[1:])[:31]
    base, k = text, 2
    while text.lower() in {u.lower() for u in used} or text.lower() == "cover":
        suffix = f" ({k})"
        text = base[: 31 - len(suffix)] + suffix
        k += 1
    return text


def _as_text(cell: Any) -> None:
    """Store a text cell as text even if it starts with = + - @ (never a live formula), shown as typed."""
    if isinstance(cell.value, str) and cell.value.startswith(FORMULA_TRIGGERS):
        cell.data_type = "s"
        cell.quotePrefix = True


def _print_setup(ws: Any, *, title_rows: str | None = "1:1") -> None:
    """Landscape A4, fitted to one page wide (any number of pages tall), header row repeated on every page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if title_rows:
        ws.print_title_rows = title_rows


def _write_table(ws: Any, table: pd.DataFrame, formulas: Mapping[str, Sequence[str | None]] | None = None) -> None:
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    cols = list(table.columns)
    ws.append([column_label(str(c)) for c in cols])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        _as_text(cell)
    for row in table.itertuples(index=False, name=None):
        ws.append([_cell(v) for v in row])
        for cell in ws[ws.max_row]:
            _as_text(cell)
    for name, column in (formulas or {}).items():  # library-built formulas replace the computed values
        j = cols.index(name) + 1
        for i, f in enumerate(column):
            if f is not None:
                ws.cell(row=i + 2, column=j).value = f
    ws.freeze_panes = "A2"
    _print_setup(ws)
    for j, c in enumerate(cols, start=1):
        letter = get_column_letter(j)
        fmt = number_format(str(c), table[c])
        wrap = str(c) in _WRAP_COLUMNS
        texts = [len(column_label(str(c)))]
        for v in table[c]:
            v = _cell(v)
            if v is None:
                continue
            texts.append(len(f"{v:,.1f}") if isinstance(v, float) else len(str(v)))
        width = min(max(texts) + 2, 60 if wrap else 40)
        ws.column_dimensions[letter].width = max(width, 8)
        formula_col = str(c) in (formulas or {})
        for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
            numeric = isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool)
            if fmt is not None and (numeric or (formula_col and cell.data_type == "f")):
                cell.number_format = fmt
            if wrap:
                cell.alignment = Alignment(wrap_text=True, vertical="top")


def sheet_titles(keys: Sequence[str]) -> dict[str, str]:
    """The sheet title :func:`write_workbook` gives each table key, in order.

    Examples
    --------
    >>> sheet_titles(["cash_flows", "comparison"])
    {'cash_flows': 'Cash flows', 'comparison': 'Comparison'}
    """
    used: set[str] = set()
    out = {}
    for k in keys:
        out[k] = sheet_title(k, used)
        used.add(out[k])
    return out


def write_workbook(tables: Mapping[str, pd.DataFrame], path: str | Path, *,
                   cover: Mapping[str, Any] | None = None,
                   formulas: Mapping[str, Mapping[str, Sequence[str | None]]] | None = None) -> Path:
    """Write tables to an Excel workbook (one formatted sheet each, and a cover sheet), atomically.

    Sheets are titled from the table keys ("cash_flows" -> "Cash flows"); headers are
    human labels (:func:`column_label`), bold and frozen; money columns (``*_gbp_m``) use
    ``#,##0.0``, probabilities and shares ``0.0%`` (:func:`number_format`); missing
    values are empty cells. ``cover`` (label -> value) becomes the first sheet.
    ``formulas`` (table key -> column -> one Excel formula or None per row) replace computed
    values with formulas a reader can trace. Text starting with ``= + - @`` is stored as
    text, never as a live formula. Every sheet prints landscape, one page wide, with its
    header row repeated.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = write_workbook({"npv": pd.DataFrame({"npv_gbp_m": [1.25]})}, pathlib.Path(tempfile.mkdtemp()) / "b.xlsx",
    ...                    cover={"Scenario": "test"})
    >>> pd.read_excel(p, sheet_name=None).keys(), pd.read_excel(p, sheet_name="Npv")["NPV (GBP m)"].tolist()
    (dict_keys(['Cover', 'Npv']), [1.25])
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from alliance_analysis.io import atomic_path

    if not tables:
        raise ParameterError("no tables to write")
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise ParameterError(f"workbook {str(path)!r} must end in .xlsx")
    wb = Workbook()
    first = wb.active
    used: set[str] = set()
    if cover:
        first.title = "Cover"
        first.append(["Item", "Value"])
        for cell in first[1]:
            cell.font = Font(bold=True)
        for k, v in cover.items():
            first.append([str(k), _cover_text(v)])
        first.freeze_panes = "A2"
        first.column_dimensions["A"].width = 24
        first.column_dimensions["B"].width = COVER_VALUE_WIDTH
        for (a, b) in first.iter_rows(min_row=1, max_col=2):
            _as_text(a)
            _as_text(b)
            if a.row == 1:
                continue
            a.font = Font(bold=True)
            a.alignment = Alignment(wrap_text=True, vertical="top")
            b.alignment = Alignment(wrap_text=True, vertical="top")
            # rows tall enough for the wrapped text (spreadsheets do not re-fit rows written by a library)
            lines = sum(max(1, math.ceil(len(part) / (COVER_VALUE_WIDTH - 4))) for part in str(b.value or "").split("\n"))
            first.row_dimensions[a.row].height = 15 * max(1, lines)
        _print_setup(first)
        ws = None
    else:
        ws = first
    for key, t in tables.items():
        if not isinstance(t, pd.DataFrame):
            raise ParameterError(f"table {key!r} is a {type(t).__name__}, not a DataFrame")
        title = sheet_title(key, used)
        used.add(title)
        if ws is None:
            ws = wb.create_sheet(title)
        else:
            ws.title = title
        _write_table(ws, t.reset_index(drop=True), (formulas or {}).get(key))
        ws = None
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():  # reproducible document properties under the report runner
        stamp = _dt.datetime.fromtimestamp(int(epoch), tz=_dt.timezone.utc).replace(tzinfo=None)
        wb.properties.created = wb.properties.modified = stamp
    with atomic_path(path, suffix=".xlsx") as tmp:
        wb.save(tmp)
    log.info("wrote workbook %s (%d sheets)", path, len(wb.sheetnames))
    return path


def _cover_text(v: Any) -> str:
    if isinstance(v, Mapping):
        return "; ".join(f"{k} = {x}" for k, x in v.items()) or "(none)"
    if isinstance(v, (list, tuple)):
        return "; ".join(str(x) for x in v) or "(none)"
    return "" if v is None else str(v)


def run_id() -> str | None:
    """The report run's id (the run folder's name, from ``ALLIANCE_RUN_DIR``), or None outside a run.

    Examples
    --------
    >>> import os
    >>> os.environ.pop("ALLIANCE_RUN_DIR", None) and None
    >>> run_id() is None
    True
    """
    d = os.environ.get(RUN_DIR_ENV)
    return Path(d).name if d else None


def workbook_path(path: str | Path | None = None, *, name: str = WORKBOOK_NAME) -> Path | None:
    """Where the business-case workbook goes.

    ``path`` if the user names one (made absolute against the working directory);
    else ``<run folder>/<name>`` when the report runner has set ``ALLIANCE_RUN_DIR``;
    else None (an interactive session writes no workbook unless asked). Never
    ``data/processed/``.

    Examples
    --------
    >>> import os
    >>> os.environ.pop("ALLIANCE_RUN_DIR", None) and None
    >>> workbook_path() is None, workbook_path("/tmp/x.xlsx").name
    (True, 'x.xlsx')
    """
    if path is not None:
        p = Path(path).expanduser()
        if p.suffix.lower() != ".xlsx":
            raise ParameterError(f"workbook_file {str(p)!r} must end in .xlsx")
        return refuse_raw_data(p.resolve())
    d = os.environ.get(RUN_DIR_ENV)
    if d:
        return Path(d).resolve() / name
    return None


def refuse_raw_data(path: Path) -> Path:
    """``path``, unless it lies inside ``data/raw/`` (the immutable inputs, which a data build reads).

    Rule: a workbook is an output; written into ``data/raw/`` it would be taken for a data
    release. Symlinks are followed before the check.

    Examples
    --------
    >>> from alliance_analysis import paths
    >>> refuse_raw_data(paths.RAW_DIR / "home_office" / "bc.xlsx")
    Traceback (most recent call last):
    ...
    alliance_analysis.errors.ParameterError: workbook_file ... is inside data/raw/ (the project's immutable inputs, read by 'data build'); fix: write the workbook into the run folder or any folder outside data/raw/
    """
    from alliance_analysis import paths

    raw = paths.RAW_DIR.resolve()
    full = Path(path).resolve()
    if full == raw or raw in full.parents:
        raise ParameterError(f"workbook_file {str(path)!r} is inside data/raw/ (the project's immutable inputs, read "
                             "by 'data build'); fix: write the workbook into the run folder or any folder outside "
                             "data/raw/")
    return Path(path)


#: what each business-case table holds (listed on the cover sheet)
SHEET_DESCRIPTIONS: dict[str, str] = {
    "headline": "expected (risk-adjusted) NPV with its P10-P90 range and P(NPV < 0), beside the planned case",
    "ranking": "options ranked by expected NPV, with the probability each beats the next (same draws)",
    "inputs": "each uncertain input: planned value, most likely value, mean, and which way it leans",
    "comparison": "planned (deterministic) NPV, PV benefits and costs, BCR and discounted payback per option",
    "cash_flows": "yearly benefits, costs, discount factors and cumulative PV per option",
    "uncertainty": "Monte Carlo summary per option",
    "payback": "share of draws paying back in each year",
    "switching_values": "how far each input can move before NPV crosses zero",
    "tornado": "NPV at each input's adverse and favourable end",
    "fairness": "each force's PV under each cost-sharing rule",
    "sharing": "partner shares of workforce, population and recorded crime used for the sharing rules",
    "reserves": "year-end reserves per force",
    "assumptions": "every figure with its source row or stated assumption",
}


def workbook_cover(scenario: Any, *, options: list[str] | None = None, horizon: int = 10,
                   schedule: str = "green_book", rate: float = 0.035, scenario_file: str | Path | None = None,
                   parameters: Mapping[str, Any] | None = None, data_sources: list[str] | None = None,
                   sheets: list[str] | None = None) -> dict[str, Any]:
    """The cover sheet of a business-case workbook (label -> value).

    Examples
    --------
    >>> from alliance_analysis.scenarios import load_scenarios
    >>> s = load_scenarios({"name": "x", "base_year": 2013, "price_base": "real 2013/14", "forces": [{"name": "A"}],
    ...                     "options": [{"name": "o"}]})
    >>> c = workbook_cover(s, horizon=3)
    >>> c["Price base"], c["Discounting convention"][:34]
    ('real 2013/14', 'HM Treasury Green Book schedule (3')
    """
    from alliance_analysis import __version__
    from alliance_analysis.scenarios.model import _seed_refs

    names = [o.name for o in scenario.options] if options is None else list(options)
    if schedule == "green_book":
        disc = ("HM Treasury Green Book schedule (3.5% a year for years 1-30, 3.0% for 31-75, ...); "
                "year 0 undiscounted (as numpy_financial.npv; a spreadsheet NPV() would discount year 0 too)")
    else:
        disc = f"flat {rate:.1%} a year; year 0 undiscounted (as numpy_financial.npv)"
    seeds = sorted({i for _, ref in _seed_refs(scenario) for i in [ref.seed, *ref.less]})
    sources = list(data_sources or [])
    if seeds:
        sources.append("Police Foundation review and alliance papers, transcribed in data/raw/seed/: " + ", ".join(seeds))
    bases = sorted({f"{f.name} {k}: {v}" for f in scenario.forces for k, v in f.figure_basis.items()})
    sources.extend(bases)
    prices = scenario.prices + ("" if scenario.prices == "real" else " (deflated to the base year by deflator_index)")
    rid = run_id()
    return {
        "Workbook": f"Economic case: {scenario.name}",
        "Scenario": scenario.name + (f" ({Path(scenario_file).name})" if scenario_file else ""),
        "Options": names,
        "Base year": f"{scenario.base_year}/{(scenario.base_year + 1) % 100:02d} (appraisal year 0)",
        "Price base": scenario.price_base,
        "Prices": prices,
        "Discounting convention": disc,
        "Horizon": f"{horizon} years",
        "Optimism bias": f"{scenario.optimism_bias:.0%} uplift on one-off costs, {scenario.optimism_mitigation:.0%} "
                         "mitigated",
        "Money": "GBP millions against the stand-alone status quo",
        "Data sources": sources or ["figures stated in the scenario file"],
        "Parameters": dict(parameters or {}),
        "Run id": rid if rid else "none (interactive session, not a report run)",
        "Package version": __version__,
        "Sheets": [f"{sheet_title(s, set())}: {SHEET_DESCRIPTIONS.get(s, '')}".rstrip(": ") for s in (sheets or [])],
    }


def save_business_case(case: Mapping[str, pd.DataFrame], scenario: Any, *, workbook_file: str | Path | None = None,
                       **cover: Any) -> Path | None:
    """Write a :func:`~alliance_analysis.scenarios.business_case` to its workbook, with the cover sheet.

    The path is :func:`workbook_path` of ``workbook_file``: the file named, else the run
    folder; outside a report run with no file named nothing is written and None is
    returned. ``cover`` goes to :func:`workbook_cover` (options, horizon, schedule,
    rate, scenario_file, parameters, data_sources). Empty tables are left out.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from alliance_analysis.scenarios import business_case, load_scenarios
    >>> s = load_scenarios({"name": "x", "base_year": 2013, "price_base": "p", "forces": [{"name": "A"}],
    ...     "options": [{"name": "o", "savings": [{"area": "s", "amount_gbp_m": 10, "start_year": 2014}]}]})
    >>> p = save_business_case(business_case(s, horizon=3, n_draws=10), s, horizon=3,
    ...                        workbook_file=pathlib.Path(tempfile.mkdtemp()) / "bc.xlsx")
    >>> pd.read_excel(p, sheet_name=None).keys().__contains__("Cover")
    True
    """
    path = workbook_path(workbook_file)
    if path is None:
        log.info("no workbook written: not a report run and no workbook_file given")
        return None
    tables = {k: t for k, t in case.items() if isinstance(t, pd.DataFrame) and not t.empty}
    return write_workbook(tables, path, cover=workbook_cover(scenario, sheets=list(tables), **cover),
                          formulas=case_formulas(tables))


def case_formulas(tables: Mapping[str, pd.DataFrame]) -> dict[str, dict[str, list[str | None]]]:
    """Excel formulas tracing the economic case to its cash-flow cells.

    On the cash-flow sheet, net = benefits - costs, PV net = net x discount factor and the
    cumulative PV adds each year's PV to the last (per option). On the comparison sheet,
    PV benefits and PV costs are ``SUMPRODUCT`` of that option's benefit or cost cells with
    its discount factors, NPV = PV benefits - PV costs, the benefit-cost ratio
    ``IF(PV costs > 0, PV benefits / PV costs, "")`` and the undiscounted net the ``SUM``
    of the net cells. Only options present on both sheets get formulas.

    Examples
    --------
    >>> flows = pd.DataFrame({"year": [0, 1], "financial_year": ["2013/14", "2014/15"], "benefits_gbp_m": [0.0, 10],
    ...     "costs_gbp_m": [15.0, 0], "net_gbp_m": [-15.0, 10], "discount_factor": [1, 1 / 1.035],
    ...     "pv_net_gbp_m": [-15.0, 9.66], "cumulative_pv_net_gbp_m": [-15.0, -5.34], "option": "o"})
    >>> cmp = pd.DataFrame({"option": ["o"], "npv_gbp_m": [-5.34], "pv_benefits_gbp_m": [9.66], "pv_costs_gbp_m": [15.0],
    ...     "bcr": [0.64], "undiscounted_net_gbp_m": [-5.0]})
    >>> f = case_formulas({"comparison": cmp, "cash_flows": flows})
    >>> f["comparison"]["pv_benefits_gbp_m"][0], f["comparison"]["npv_gbp_m"][0]
    ("=SUMPRODUCT('Cash flows'!C2:C3,'Cash flows'!F2:F3)", '=C2-D2')
    >>> f["cash_flows"]["cumulative_pv_net_gbp_m"]
    ['=G2', '=H2+G3']
    """
    from openpyxl.utils import get_column_letter

    out: dict[str, dict[str, list[str | None]]] = {}
    flows = tables.get("cash_flows")
    need = ["benefits_gbp_m", "costs_gbp_m", "net_gbp_m", "discount_factor", "pv_net_gbp_m",
            "cumulative_pv_net_gbp_m", "option"]
    if flows is None or flows.empty or not set(need) <= set(flows.columns):
        return out
    flows = flows.reset_index(drop=True)
    col = {c: get_column_letter(list(flows.columns).index(c) + 1) for c in need}
    ben, cost, net, dfc, pv, cum = (col[c] for c in need[:6])
    f_net, f_pv, f_cum = [], [], []
    ranges: dict[str, tuple[int, int]] = {}
    for i, opt in enumerate(flows["option"]):
        r = i + 2
        f_net.append(f"={ben}{r}-{cost}{r}")
        f_pv.append(f"={net}{r}*{dfc}{r}")
        first = i == 0 or flows["option"].iloc[i - 1] != opt
        f_cum.append(f"={pv}{r}" if first else f"={cum}{r - 1}+{pv}{r}")
        lo, _ = ranges.get(opt, (r, r))
        ranges[opt] = (lo, r)
    out["cash_flows"] = {"net_gbp_m": f_net, "pv_net_gbp_m": f_pv, "cumulative_pv_net_gbp_m": f_cum}
    cmp = tables.get("comparison")
    if cmp is None or cmp.empty or not {"option", "npv_gbp_m", "pv_benefits_gbp_m", "pv_costs_gbp_m"} <= set(cmp.columns):
        return out
    title = sheet_titles(list(tables))["cash_flows"].replace("'", "''")
    ccol = {c: get_column_letter(list(cmp.columns).index(c) + 1) for c in cmp.columns}
    fc: dict[str, list[str | None]] = {c: [] for c in ("pv_benefits_gbp_m", "pv_costs_gbp_m", "npv_gbp_m", "bcr",
                                                       "undiscounted_net_gbp_m") if c in cmp.columns}
    for i, opt in enumerate(cmp["option"].reset_index(drop=True)):
        r = i + 2
        if opt not in ranges:
            for c in fc:
                fc[c].append(None)
            continue
        lo, hi = ranges[opt]

        def rng(letter: str) -> str:
            return f"'{title}'!{letter}{lo}:{letter}{hi}"

        pvb, pvc = f"{ccol['pv_benefits_gbp_m']}{r}", f"{ccol['pv_costs_gbp_m']}{r}"
        fc["pv_benefits_gbp_m"].append(f"=SUMPRODUCT({rng(ben)},{rng(dfc)})")
        fc["pv_costs_gbp_m"].append(f"=SUMPRODUCT({rng(cost)},{rng(dfc)})")
        fc["npv_gbp_m"].append(f"={pvb}-{pvc}")
        if "bcr" in fc:
            fc["bcr"].append(f'=IF({pvc}>0,{pvb}/{pvc},"")')
        if "undiscounted_net_gbp_m" in fc:
            fc["undiscounted_net_gbp_m"].append(f"=SUM({rng(net)})")
    out["comparison"] = fc
    return out
