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
