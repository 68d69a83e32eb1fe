"""Hostile inputs (issue 12 item 5): malformed copies of the real files give a named error or a correct total.

Each reproduction in issue 12 for these loaders is one named ``pytest.param``: the real
file from ``../shared/data`` is copied into ``tmp_path`` and corrupted (duplicated rows,
"598,830", blanks, text, negatives, inf, empty file, header-only file without a trailing
newline, cp1252 bytes, extra fields, truncation). Then hypothesis feeds generated
malformed cells to every tabular loader in ``alliance_analysis.datasets`` and checks the
contract: a ``DataValidationError`` naming the file, or a result whose total equals an
independent count made with the ``csv`` module, never a raw exception or a changed total.
"""

from __future__ import annotations

import csv
import functools
import gzip
import io
import math
import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alliance_analysis import paths
from alliance_analysis.datasets import finance, harm, lookups, seed
from alliance_analysis.errors import DataValidationError

pytestmark = pytest.mark.shared_data

SHARED = paths.SHARED_DATA_DIR


# ------------------------------------------------------------------ helpers: read, corrupt, write


def _read_rows(path: Path, encoding: str = "utf-8-sig") -> tuple[list[str], list[list[str]], list[str]]:
    """(comment lines, header, rows) of a CSV or CSV.gz, with the csv module."""
    raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    lines = raw.decode(encoding).splitlines(keepends=True)
    comments = [ln for ln in lines if ln.startswith("#")]
    body = "".join(ln for ln in lines if not ln.startswith("#"))
    rows = list(csv.reader(io.StringIO(body)))
    return comments, rows[0], rows[1:]


def _write_rows(path: Path, comments: list[str], header: list[str], rows: list[list[str]],
                encoding: str = "utf-8") -> Path:
    buf = io.StringIO()
    buf.writelines(comments)
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


@dataclass(frozen=True)
class Corruption:
    """How to corrupt a copy of a real file."""

    kind: str  # cell | duplicate | truncate | empty | header_only | extra_field | extra_field_all | bytes | missing
    row: int = 0
    column: str = ""
    value: str = ""
    old: str = ""


def _corrupt(src: Path, dst: Path, c: Corruption, encoding: str = "utf-8-sig") -> Path:
    out_encoding = "cp1252" if encoding == "cp1252" else "utf-8"
    comments, header, rows = _read_rows(src, encoding)
    if c.kind == "missing":
        return dst
    if c.kind == "empty":
        dst.write_bytes(b"")
    elif c.kind == "header_only":
        dst.write_bytes(("".join(comments) + ",".join(header)).encode(out_encoding))  # no trailing newline
    elif c.kind == "bytes":  # an undecodable byte (0x81 is undefined in cp1252 and invalid UTF-8)
        _write_rows(dst, comments, header, rows, out_encoding)
        data = dst.read_bytes()
        cut = data.index(b"\n", len("".join(comments).encode(out_encoding))) + 3
        dst.write_bytes(data[:cut] + b"\x81" + data[cut:])
    else:
        rows = [list(r) for r in rows]
        if c.kind == "cell":
            rows[c.row][header.index(c.column)] = c.value
        elif c.kind == "duplicate":
            rows.insert(c.row + 1, list(rows[c.row]))
        elif c.kind == "replace_all":  # every cell of ``column`` equal to ``old`` becomes ``value``
            j = header.index(c.column)
            for r in rows:
                if r[j] == c.old:
                    r[j] = c.value
        elif c.kind == "truncate":
            rows = rows[: len(rows) // 2]
        elif c.kind == "extra_field":
            rows[c.row].append("9")
        elif c.kind == "extra_field_all":
            rows = [[*r, "9"] for r in rows]
        _write_rows(dst, comments, header, rows, out_encoding)
    return dst


# ------------------------------------------------------------------ the reproductions, one named param each

CCHI = "harm/cchi_days_by_offence_subgroup.csv"
CSS_FORCE = "css/crime_severity_score_by_force_2003_2023.csv"
COST = "harm/police_cost_and_hours_by_offence.csv"
CSS_W = "harm/ons_css_weights_by_offence_code.csv"
JOIN = "harm/ons_offence_code_to_police_uk_category.csv"
GRANT = "finance/police_grant_by_force_2025_26.csv"
LAD21 = "lookups/lad_pfa_2021.csv"
LAD17 = "lookups/lad_csp_pfa_2017.csv"

LOADERS: dict[str, tuple[Callable[[Path], pd.DataFrame], str]] = {
    CCHI: (harm.load_cchi_weights, "utf-8-sig"),
    CSS_FORCE: (harm.load_css_by_force, "utf-8-sig"),
    COST: (harm.load_police_cost_and_hours, "cp1252"),
    CSS_W: (harm.load_css_weights, "utf-8-sig"),
    JOIN: (harm.load_offence_to_police_uk, "utf-8-sig"),
    GRANT: (finance.load_police_grant, "utf-8-sig"),
    LAD21: (lookups.load_lad_pfa, "utf-8-sig"),
    LAD17: (lookups.load_lad_csp_pfa, "utf-8-sig"),
}

NC = "national_count_2024_25"
P = pytest.param
ERRORS = [
    # harm.load_cchi_weights: the violence weight must not move (194.21 -> 266.25 / 430.81)
    P(CCHI, Corruption("cell", 3, NC, "598,830"), NC, r"row 4: '598,830' is not a number \(a thousands separator",
      id="cchi-count-thousands-separator"),
    P(CCHI, Corruption("cell", 3, NC, ""), NC, r"row 4: blank cell", id="cchi-count-blank"),
    P(CCHI, Corruption("cell", 3, NC, "n/a"), NC, r"row 4: 'n/a' is not a number", id="cchi-count-text"),
    P(CCHI, Corruption("cell", 3, NC, "-598830"), NC, r"row 4: '-598830' is negative", id="cchi-count-negative"),
    P(CCHI, Corruption("cell", 3, NC, "inf"), NC, r"row 4: 'inf' is not a finite number", id="cchi-count-inf"),
    P(CCHI, Corruption("cell", 0, "cchi_days", "5475 days"), "cchi_days", r"row 1: '5475 days' is not a number",
      id="cchi-days-text"),
    P(CCHI, Corruption("duplicate", 1), "prc_subgroup", r"row 3: duplicate key", id="cchi-duplicate-row"),
    P(CCHI, Corruption("truncate"), None, r"11 data rows, expected 23 .*truncated", id="cchi-truncated-half"),
    # harm.load_css_by_force: text, negative, infinite scores; duplicates; year 0
    P(CSS_FORCE, Corruption("cell", 5, "score", "high"), "score", r"row 6: 'high' is not a number",
      id="css-force-score-text"),
    P(CSS_FORCE, Corruption("cell", 5, "score", "-3.2"), "score", r"row 6: '-3.2' is negative",
      id="css-force-score-negative"),
    P(CSS_FORCE, Corruption("cell", 5, "score", "Infinity"), "score", r"row 6: 'Infinity' is not a finite number",
      id="css-force-score-inf"),
    P(CSS_FORCE, Corruption("duplicate", 5), "code", r"row 7: duplicate key \('E23000013', 2008\) \(first on row 6\)",
      id="css-force-duplicate-row"),
    P(CSS_FORCE, Corruption("cell", 5, "year", "0"), "year", r"row 6: year 0 is out of range", id="css-force-year-0"),
    P(CSS_FORCE, Corruption("cell", 5, "year", "2008.5"), "year", r"row 6: '2008.5' is not a whole number",
      id="css-force-year-fraction"),
    P(CSS_FORCE, Corruption("truncate"), None, r"451 data rows, expected 903", id="css-force-truncated-half"),
    # harm.load_police_cost_and_hours: bad costs were NaN
    P(COST, Corruption("cell", 0, "Cost", "£11,960"), "Cost", r"row 1: '£11,960' is not a number",
      id="cost-pound-text"),
    P(COST, Corruption("cell", 0, "Cost", "-11960"), "Cost", r"row 1: '-11960' is negative", id="cost-negative"),
    P(COST, Corruption("cell", 0, "Cost", "inf"), "Cost", r"row 1: 'inf' is not a finite number", id="cost-inf"),
    P(COST, Corruption("duplicate", 0), "Offence", r"row 2: row repeats an earlier row exactly",
      id="cost-duplicate-row"),
    P(COST, Corruption("truncate"), None, r"67 data rows, expected 135", id="cost-truncated-half"),
    # harm.load_css_weights / load_offence_to_police_uk
    P(CSS_W, Corruption("cell", 0, "weight", ""), "weight", r"row 1: blank cell", id="css-weight-blank"),
    P(CSS_W, Corruption("cell", 0, "weight", "-inf"), "weight", r"row 1: '-inf' is not a finite number",
      id="css-weight-minus-inf"),
    P(CSS_W, Corruption("cell", 1, "code_severity", "56A"), "code_severity", r"'56A' has two different weights",
      id="css-weight-conflicting-code"),
    P(JOIN, Corruption("cell", 0, "ONS_SEVERITY_weight", "heavy"), "ONS_SEVERITY_weight",
      r"row 1: 'heavy' is not a number", id="join-weight-text"),
    P(JOIN, Corruption("cell", 0, "POLICE_UK_CAT_MAP_category", "Mugging"), "POLICE_UK_CAT_MAP_category",
      r"row 1: unknown police.uk category 'Mugging'", id="join-unknown-category"),
    # finance.load_police_grant: duplicated rows gave GBP 19.61bn instead of 9.81bn
    P(GRANT, Corruption("duplicate", 0), "force", r"row 2: duplicate key \('Avon and Somerset',\)",
      id="grant-duplicate-row"),
    P(GRANT, Corruption("cell", 0, "force", "Devon & Cornwall"), "force", r"'Devon and Cornwall' appears twice",
      id="grant-two-spellings"),
    P(GRANT, Corruption("cell", 0, "budget_gbp", "231,607,316"), "budget_gbp", r"row 1: '231,607,316' is not a number",
      id="grant-thousands-separator"),
    P(GRANT, Corruption("cell", 0, "budget_gbp", "1e400"), "budget_gbp", r"row 1: '1e400' is not a finite number",
      id="grant-overflow-inf"),
    P(GRANT, Corruption("cell", 0, "budget_gbp", "231607316.5"), "budget_gbp", r"row 1: .* is not a whole number",
      id="grant-fraction"),
    P(GRANT, Corruption("cell", 0, "budget_gbp", "231607317000"), "budget_gbp", r"does not|national total",
      id="grant-does-not-reconcile"),
    P(GRANT, Corruption("truncate"), "budget_gbp", r"the rows add up to GBP .* national total of GBP 9,806,553,489",
      id="grant-truncated-half"),
    P(GRANT, Corruption("cell", 0, "force", ""), "force", r"row 1: blank cell", id="grant-blank-force"),
    # lookups: a repeated district counts its population twice
    P(LAD21, Corruption("duplicate", 10), "lad21cd", r"row 12: duplicate key", id="lad-pfa-duplicate-row"),
    P(LAD21, Corruption("cell", 10, "pfa21nm", ""), "pfa21nm", r"row 11: blank cell", id="lad-pfa-blank-force"),
    P(LAD21, Corruption("cell", 10, "lad21cd", "E0700022"), "lad21cd", r"row 11: 'E0700022' is not a GSS code",
      id="lad-pfa-bad-code"),
    P(LAD21, Corruption("truncate"), None, r"165 data rows, expected 331", id="lad-pfa-truncated-half"),
    P(LAD17, Corruption("duplicate", 3), "LAD17CD", r"row 5: duplicate key", id="lad-csp-pfa-duplicate-row"),
]

# file-level faults, applied to every loader
FILE_FAULTS = [
    P(Corruption("empty"), r"is empty \(0 bytes\)", id="empty-file"),
    P(Corruption("header_only"), r"0 data row\(s\)", id="header-only-no-newline"),
    P(Corruption("extra_field", 2), r"Expected \d+ fields in line \d+, saw \d+", id="extra-field-one-row"),
    P(Corruption("extra_field_all"), r"more fields than the header", id="extra-field-every-row"),
    P(Corruption("bytes"), r"not text in any of", id="undecodable-byte"),
    P(Corruption("missing"), r"not found", id="missing-file"),
]


@pytest.mark.parametrize("rel, corruption, column, message", ERRORS)
def test_corrupted_real_file_is_refused(tmp_path, shared_data, rel, corruption, column, message):
    loader, encoding = LOADERS[rel]
    src = shared_data / rel
    dst = _corrupt(src, tmp_path / src.name, corruption, encoding)
    with pytest.raises(DataValidationError, match=message) as exc:
        loader(dst)
    assert exc.value.file == str(dst)
    if column is not None:
        assert exc.value.column == column
    assert len(str(exc.value)) < 2000


@pytest.mark.parametrize("fault, message", FILE_FAULTS)
@pytest.mark.parametrize("rel", list(LOADERS))
def test_file_level_faults_are_refused(tmp_path, shared_data, rel, fault, message):
    loader, encoding = LOADERS[rel]
    src = shared_data / rel
    dst = _corrupt(src, tmp_path / src.name, fault, encoding)
    with pytest.raises(DataValidationError, match=message) as exc:
        loader(dst)
    assert exc.value.file == str(dst)


# ------------------------------------------------------------------ the issue's reproductions for the long-series loaders
# Each declares a module-level Schema (validation.py). Repeated rows are also covered on samples by the
# property tests below; here the full published files are corrupted.

OTHER_REPRODUCTIONS = [
    P("prc", "load_force_category_table", "prc/recorded_crime_by_force_and_category_2024_25.csv",
      Corruption("duplicate", 0), id="prc-force-category-duplicate-row"),
    P("population", "load_population_mid2018", "population/population_by_force_mid2018.csv",
      Corruption("duplicate", 3), id="population-mid2018-duplicate-row"),
    P("population", "load_population_mid2018", "population/population_by_force_mid2018.csv",
      Corruption("cell", 3, "MYE2018", "-1000"), id="population-mid2018-negative"),
    P("population", "load_population_2001_2010", "population/population_by_force_mid2001_mid2010_thousands.csv",
      Corruption("duplicate", 3), id="population-2001-2010-duplicate-row"),
    P("workforce", "load_workforce", "workforce/police_workforce_by_force_2014_2019_long.csv",
      Corruption("replace_all", column="area", old="West Mercia", value="West Mercya"),
      id="workforce-misspelt-force-west-mercya"),
    P("workforce", "load_workforce", "workforce/police_workforce_by_force_2014_2019_long.csv",
      Corruption("replace_all", column="area", old="West Mercia", value=""), id="workforce-blank-force"),
]


@pytest.mark.parametrize("module, name, rel, corruption", OTHER_REPRODUCTIONS)
def test_issue_reproductions_for_other_loaders(tmp_path, shared_data, module, name, rel, corruption):
    loader = _loader(module, name)
    if loader is None:
        pytest.skip(f"alliance_analysis.datasets.{module}.{name} does not exist yet")
    src = shared_data / rel
    # written uncompressed under the published name (loaders infer compression from the suffix)
    dst = _corrupt(src, tmp_path / src.name.removesuffix(".gz"), corruption)
    with pytest.raises(DataValidationError) as exc:
        loader(dst)
    assert str(dst) in str(exc.value) or exc.value.file == str(dst)
    assert len(str(exc.value)) < 2000


LONG_SERIES = "home_office/rec-crime-pfa.csv"
POP_LAD = "population/population_by_lad_mid2001_mid2020.csv.gz"
CSS_GROUP = "css/crime_severity_score_by_force_and_offence_group_2003_2022.csv.gz"
WF_OPEN = "workforce/police_workforce_open_data_2007_2022.csv.gz"
LONG_REPRODUCTIONS = [
    P("home_office", "load_rolling_pfa", LONG_SERIES, Corruption("duplicate", 100), "12 months ending", 102,
      r"duplicate key .* \(first on row 101\)", id="rolling-duplicate-row"),
    P("home_office", "load_rolling_pfa", LONG_SERIES,
      Corruption("cell", 100, "Rolling year total number of offences", "1,2"), "Rolling year total number of offences",
      101, r"'1,2' is not a number \(a thousands separator\?\)", id="rolling-bad-separator"),
    P("home_office", "load_rolling_pfa", LONG_SERIES, Corruption("cell", 100, "PFA", "West Mercya"), "PFA", 101,
      r"unknown police force name 'West Mercya'", id="rolling-misspelt-force"),
    P("population", "load_population_by_lad", POP_LAD, Corruption("duplicate", 7), "code", 9,
      r"duplicate key .* \(first on row 8\)", id="population-by-lad-duplicate-row"),
    P("population", "load_population_by_lad", POP_LAD, Corruption("cell", 7, "population", "1.4e5"), "population", 8,
      r"'1.4e5' is not a whole number as printed", id="population-by-lad-exponent"),
    P("css", "load_css_by_force_group", CSS_GROUP, Corruption("duplicate", 9), "code", 11,
      r"duplicate key .* \(first on row 10\)", id="css-group-duplicate-row"),
    P("css", "load_css_by_force_group", CSS_GROUP, Corruption("cell", 9, "severity_score", "-0.5"), "severity_score",
      10, r"'-0.5' is negative", id="css-group-negative-score"),
    P("workforce", "load_workforce_open_data", WF_OPEN, Corruption("duplicate", 11), "date", 13,
      r"duplicate key .* \(first on row 12\)", id="workforce-open-data-duplicate-row"),
    P("workforce", "load_workforce_open_data", WF_OPEN, Corruption("cell", 11, "total_fte", "Infinity"), "total_fte",
      12, r"row 12: (inf|'Infinity') is not a finite number", id="workforce-open-data-inf-fte"),
]


@pytest.mark.parametrize("module, name, rel, corruption, column, row, message", LONG_REPRODUCTIONS)
def test_long_series_reproductions(tmp_path, shared_data, module, name, rel, corruption, column, row, message):
    loader = _loader(module, name)
    src = shared_data / rel
    dst = _corrupt(src, tmp_path / src.name.removesuffix(".gz"), corruption)
    with pytest.raises(DataValidationError, match=message) as exc:
        loader(dst)
    assert (exc.value.file, exc.value.column, exc.value.row) == (str(dst), column, row)


TRUNCATABLE = [
    P("home_office", "load_rolling_pfa", "HO_ROLLING_PFA", id="rolling-pfa"),
    P("prc", "load_prc_quarterly", "HO_PRC_QUARTERLY", id="prc-quarterly"),
    P("workforce", "load_workforce_open_data", "WORKFORCE_OPEN_DATA", id="workforce-open-data"),
    P("population", "load_population_by_lad", "POPULATION_LAD", id="population-by-lad"),
    P("population", "load_lad_force_lookup", "LAD_PFA_LOOKUP", id="lad-force-lookup"),
    P("css", "load_css_by_force_group", "CSS_FORCE_GROUP", id="css-by-force-group"),
]


@pytest.mark.parametrize("module, name, attr", TRUNCATABLE)
def test_shipped_file_cut_in_half_is_refused(tmp_path, monkeypatch, shared_data, module, name, attr):
    """Issue 12: "a file cut to half its rows loads without a warning where the expected coverage is known"."""
    loader = _loader(module, name)
    src = getattr(paths, attr)
    comments, header, rows = _read_rows(src)  # records (CSS year labels span two lines inside quotes)
    dst = _write_rows(tmp_path / src.name.removesuffix(".gz"), comments, header, rows[: len(rows) // 2])
    monkeypatch.setattr(paths, attr, dst)  # the loader's default file, now half of it
    with pytest.raises(DataValidationError, match=rf"{len(rows) // 2:,} data rows, expected {len(rows):,} "
                                                  r"\(the published file\); the file looks truncated") as exc:
        loader()
    assert exc.value.file == str(dst)


# ------------------------------------------------------------------ correct totals on the real and recoded files


def _violence_weight(rows: list[dict[str, str]]) -> float:
    v = [r for r in rows if r["category"] == "Violence and sexual offences"]
    return sum(float(r["cchi_days"]) * int(r[NC]) for r in v) / sum(int(r[NC]) for r in v)


def test_cchi_violence_weight_is_194_21(shared_data):
    with open(shared_data / CCHI, newline="") as fh:
        rows = list(csv.DictReader(fh))
    expected = _violence_weight(rows)
    assert round(expected, 2) == 194.21  # the figure quoted in issue 12
    w = harm.load_cchi_weights(shared_data / CCHI)
    v = w[w["category"] == "Violence and sexual offences"]
    assert (v["cchi_days"] * v["national_count"]).sum() / v["national_count"].sum() == pytest.approx(expected)


def test_cost_and_hours_real_cp1252_file(shared_data):
    raw = (shared_data / COST).read_bytes()
    assert b"\xa3" in raw  # the real file is cp1252 (pound sign)
    out = harm.load_police_cost_and_hours(shared_data / COST)
    comments, header, rows = _read_rows(shared_data / COST, "cp1252")
    assert header[-1] == "Police Hours Assuming £50p/h"
    # independent total of the costs with the csv module (the one exact repeated row counted once)
    seen, total = set(), 0.0
    for r in rows:
        if tuple(r) not in seen and r[7]:
            total += float(r[7])
        seen.add(tuple(r))
    assert len(out) == len(seen) == len(rows) - 1
    assert out["cost_gbp"].sum() == pytest.approx(total)
    assert any("dropped 1 exact repeat" in c for c in out.attrs["corrections"])
    assert "decoded as cp1252 (not utf-8-sig)" in out.attrs["corrections"]


@pytest.mark.parametrize("encoding", [P("utf-8", id="utf-8"), P("cp1252", id="cp1252")])
def test_grant_file_in_either_encoding_reconciles(tmp_path, shared_data, encoding):
    comments, header, rows = _read_rows(shared_data / GRANT)
    dst = _write_rows(tmp_path / "grant.csv", comments, header, rows, encoding)
    g = finance.load_police_grant(dst)
    assert int(g["grant_gbp"].sum()) == sum(int(r[1]) for r in rows)
    assert abs(int(g["grant_gbp"].sum()) - 9_806_553_489) <= 43


@pytest.fixture
def seed_copy(tmp_path, monkeypatch):
    folder = tmp_path / "seed"
    shutil.copytree(paths.SEED_DIR, folder)
    monkeypatch.setattr(paths, "SEED_DIR", folder)
    seed._load_cached.cache_clear()
    yield folder
    seed._load_cached.cache_clear()


def test_seed_table_saved_as_cp1252_reads_the_same(seed_copy):
    f = seed_copy / "finance.csv"
    text = f.read_text(encoding="utf-8")
    assert "£" in text
    f.write_bytes(text.encode("cp1252"))
    seed._load_cached.cache_clear()
    t = seed.load_seed_table("finance")
    with open(paths.SEED_DIR / "finance.csv", encoding="cp1252", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert t["value_as_printed"].tolist() == [r["value_as_printed"] for r in rows]
    assert t["value"].sum() == pytest.approx(sum(float(r["value"]) for r in rows))


@pytest.mark.parametrize(
    "corruption, message",
    [
        P(Corruption("duplicate", 0), r"row 2: duplicate key", id="seed-duplicate-row"),
        P(Corruption("cell", 1, "value", "inf"), r"row 2: 'inf' is not a finite number", id="seed-value-inf"),
        P(Corruption("cell", 1, "value", ""), r"row 2: blank cell", id="seed-value-blank"),
        P(Corruption("cell", 1, "value", "£4 million"), r"row 2: '£4 million' is not a number", id="seed-value-text"),
        P(Corruption("cell", 1, "document", "005.txt"), r"row 2: '005.txt' is not an allowed value",
          id="seed-unknown-document"),
        P(Corruption("empty"), r"is empty", id="seed-empty"),
        P(Corruption("header_only"), r"0 data row", id="seed-header-only"),
    ],
)
def test_corrupted_seed_table_is_refused(seed_copy, corruption, message):
    f = seed_copy / "finance.csv"
    src = f.with_suffix(".orig")
    shutil.copy(f, src)
    _corrupt(src, f, corruption)
    seed._load_cached.cache_clear()
    with pytest.raises(DataValidationError, match=message) as exc:
        seed.load_seed_table("finance")
    assert exc.value.file == str(f)


# ------------------------------------------------------------------ property tests over every tabular loader


def _loader(module: str, name: str) -> Callable[[Path], pd.DataFrame] | None:
    import importlib

    try:
        mod = importlib.import_module(f"alliance_analysis.datasets.{module}")
    except ImportError:
        return None
    return getattr(mod, name, None)


@dataclass(frozen=True)
class Spec:
    """A tabular loader, a real file, its value column and how to total the loader's result."""

    module: str
    loader: str
    rel: str
    value: str  # the source column holding the quantity
    total: Callable[[pd.DataFrame], float]  # the same quantity from the loader's result
    nullable: bool = False  # blank / NA in the value column is a declared gap
    sample_name: str = "sample.csv"
    encoding: str = "utf-8-sig"
    rows: int = 40
    header_rows: int = 1


def _sum(col: str) -> Callable[[pd.DataFrame], float]:
    return lambda df: float(pd.to_numeric(df[col]).sum(skipna=True))


SPECS = [
    Spec("harm", "load_cchi_weights", CCHI, NC, _sum("national_count")),
    Spec("harm", "load_css_by_force", CSS_FORCE, "score", _sum("css"), nullable=True),
    Spec("harm", "load_police_cost_and_hours", COST, "Cost", _sum("cost_gbp"), nullable=True, encoding="cp1252",
         rows=30),  # above the one known repeated row (33/34), which the loader drops by a declared rule
    Spec("harm", "load_offence_to_police_uk", JOIN, "ONS_SEVERITY_weight", _sum("css_weight")),
    Spec("finance", "load_police_grant", GRANT, "budget_gbp", _sum("grant_gbp"), rows=43),
    Spec("home_office", "load_rolling_pfa", "home_office/rec-crime-pfa.csv",
         "Rolling year total number of offences", _sum("rolling_total")),
    Spec("prc", "load_prc_quarterly", "home_office/prc-pfa-mar2013-onwards-tables-191023.csv.gz",
         "Number of Offences", _sum("count")),
    Spec("workforce", "load_workforce_open_data", "workforce/police_workforce_open_data_2007_2022.csv.gz",
         "total_fte", _sum("fte")),
    Spec("population", "load_population_by_lad", "population/population_by_lad_mid2001_mid2020.csv.gz",
         "population", _sum("population")),
    Spec("css", "load_css_by_force_group", "css/crime_severity_score_by_force_and_offence_group_2003_2022.csv.gz",
         "severity_score", _sum("severity_score")),
]

#: examples per loader; ALLIANCE_HOSTILE_EXAMPLES=500 for a deeper, randomised search (e.g. nightly)
EXAMPLES = int(os.environ.get("ALLIANCE_HOSTILE_EXAMPLES", "30"))
DERANDOMIZE = "ALLIANCE_HOSTILE_EXAMPLES" not in os.environ  # the default run is reproducible

#: loaders that fail the property contract (owned by other engineers: reported, not edited here)
KNOWN_FAILURES: dict[str, str] = {}

HOSTILE_VALUES = st.one_of(
    st.sampled_from(["", " ", "NA", "nan", "NaN", "inf", "-inf", "Infinity", "1e400", "-1", "-0.5", "1,234",
                     "598,830", "12 345", "£5", "five", "0x10", "1_000", "NULL", "#N/A", "-", "0", "7", "3.25",
                     "\u00a0", "\ufeff5", "١٢٣"]),
    st.integers(-10**6, 10**12).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(max_size=12),
)

_PLAIN = re.compile(r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$")
_THOUSANDS = re.compile(r"^\s*[+-]?\d{1,3}(,\d{3})+(\.\d+)?\s*$")


def _strict(cell: str) -> float | None:
    """An independent reading of one cell: a finite plain number, else None."""
    if not _PLAIN.match(cell):
        return None
    x = float(cell)
    return x if math.isfinite(x) else None


@functools.lru_cache(maxsize=None)
def _head(rel: str, encoding: str, n: int) -> tuple[tuple[str, ...], tuple[str, ...], tuple[tuple[str, ...], ...]]:
    """Comment lines, header and the first ``n`` rows of a real file, streamed (never the whole file)."""
    path = SHARED / rel
    opener = gzip.open if path.suffix == ".gz" else open
    comments: list[str] = []
    with opener(path, "rt", encoding=encoding, newline="") as fh:
        while True:  # note lines above the header
            line = fh.readline()
            if not line.startswith("#"):
                break
            comments.append(line)
        first = list(csv.reader(io.StringIO(line)))[0]
        reader = csv.reader(fh)  # records, including quoted cells spanning lines
        rows = [first, *(r for _, r in zip(range(n), reader))]
    return tuple(comments), tuple(rows[0]), tuple(tuple(r) for r in rows[1: n + 1])


def _sample(spec: Spec, tmp: Path) -> tuple[list[str], list[str], list[list[str]]]:
    comments, header, rows = _head(spec.rel, spec.encoding, spec.rows)
    return list(comments), list(header), [list(r) for r in rows]


def _run(spec: Spec, loader: Callable[[Path], pd.DataFrame], path: Path) -> pd.DataFrame | DataValidationError:
    try:
        return loader(path)
    except DataValidationError as exc:
        assert exc.file is None or Path(exc.file).name == path.name or str(path) in str(exc), str(exc)
        assert len(str(exc)) < 2000
        return exc


def _spec_params() -> list:
    out = []
    for s in SPECS:
        marks = []
        if s.loader in KNOWN_FAILURES:
            marks.append(pytest.mark.xfail(strict=True, reason=KNOWN_FAILURES[s.loader]))
        out.append(P(s, id=f"{s.module}.{s.loader}", marks=marks))
    return out


def _resolve(spec: Spec) -> Callable[[Path], pd.DataFrame]:
    if not (SHARED / spec.rel).exists():
        pytest.skip(f"{spec.rel} not in {SHARED}")
    fn = _loader(spec.module, spec.loader)
    if fn is None:
        pytest.skip(f"alliance_analysis.datasets.{spec.module}.{spec.loader} does not exist yet")
    return fn


@pytest.mark.parametrize("spec", _spec_params())
def test_unchanged_sample_loads_with_the_independent_total(tmp_path, shared_data, spec):
    loader = _resolve(spec)
    comments, header, rows = _sample(spec, tmp_path)
    path = _write_rows(tmp_path / spec.sample_name, comments, header, rows, "utf-8")
    out = loader(path)
    col = header.index(spec.value)
    expected = sum(x for r in rows if (x := _strict(r[col])) is not None)
    assert spec.total(out) == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("spec", _spec_params())
@settings(max_examples=EXAMPLES, deadline=None, derandomize=DERANDOMIZE,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_malformed_cell_gives_an_error_or_the_right_total(tmp_path, shared_data, spec, data):
    loader = _resolve(spec)
    comments, header, rows = _sample(spec, tmp_path)
    row = data.draw(st.integers(0, len(rows) - 1), label="row")
    column = data.draw(st.sampled_from(header), label="column")
    value = data.draw(HOSTILE_VALUES, label="value")
    before = rows[row][header.index(column)]
    rows[row][header.index(column)] = value
    path = _write_rows(tmp_path / spec.sample_name, comments, header, rows, "utf-8")
    result = _run(spec, loader, path)
    if isinstance(result, DataValidationError):
        return  # a specific, named error is always acceptable
    vcol = header.index(spec.value)
    cells = [r[vcol] for r in rows]
    if column == spec.value:
        strict = _strict(value)
        missing_ok = spec.nullable and value.strip() in ("", "NA")
        comma = _THOUSANDS.match(value) is not None
        assert strict is not None or missing_ok or comma, (
            f"{spec.loader} accepted {value!r} in {column!r} (was {before!r}) without an error")
    expected = sum(x for c in cells if (x := _strict(c)) is not None)
    alt = sum(x for c in cells if (x := _strict(c.replace(",", "") if _THOUSANDS.match(c) else c)) is not None)
    got = spec.total(result)
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-6) or got == pytest.approx(alt, rel=1e-9, abs=1e-6), (
        f"{spec.loader}: total {got} after setting {column!r} row {row + 1} to {value!r}; independent count {expected}")


@pytest.mark.parametrize("spec", _spec_params())
@settings(max_examples=max(EXAMPLES // 3, 5), deadline=None, derandomize=DERANDOMIZE,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_repeated_rows_never_change_the_total_silently(tmp_path, shared_data, spec, data):
    loader = _resolve(spec)
    comments, header, rows = _sample(spec, tmp_path)
    vcol = header.index(spec.value)
    original = sum(x for r in rows if (x := _strict(r[vcol])) is not None)
    row = data.draw(st.integers(0, len(rows) - 1), label="row")
    copies = data.draw(st.integers(1, 3), label="copies")
    rows = rows[: row + 1] + [list(rows[row]) for _ in range(copies)] + rows[row + 1:]
    path = _write_rows(tmp_path / spec.sample_name, comments, header, rows, "utf-8")
    result = _run(spec, loader, path)
    if isinstance(result, DataValidationError):
        return
    # a repeated row is either an error or removed by a declared, logged rule; never added to the total
    assert spec.total(result) == pytest.approx(original, rel=1e-9, abs=1e-6), (
        f"{spec.loader}: {copies} repeat(s) of row {row + 1} changed the total from {original} to "
        f"{spec.total(result)} without an error")
