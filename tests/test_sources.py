"""One entry point for a notebook's crime series, on every source the package reads.
Totals are checked against independent plain counts of the files (csv module)."""

from __future__ import annotations

import csv
import gzip

import pandas as pd
import pytest

from alliance_analysis import paths
from alliance_analysis.errors import DataValidationError, ParameterError
from alliance_analysis.series.sources import CrimeSeries, load_crime_series

WEST_YORKSHIRE = "crime_sim_toolkit/tests/testing_data/test_policedata"


def _plain_police_uk_count(folder) -> dict[str, int]:
    """Rows per month with a Crime ID counted once per file, plus ASB rows (no Crime ID): the
    archive's own rule, written independently here."""
    out: dict[str, int] = {}
    for f in sorted(folder.rglob("*-street.csv")):
        seen, n = set(), 0
        with open(f, newline="", encoding="utf-8-sig") as fh:
            for r in csv.DictReader(fh):
                cid = r["Crime ID"].strip()
                if cid:
                    if cid in seen:
                        continue
                    seen.add(cid)
                n += 1
        out[f.parent.name] = out.get(f.parent.name, 0) + n
    return out


def test_west_yorkshire_months_from_the_wheel():
    folder = paths.crime_sim_toolkit_file(WEST_YORKSHIRE)
    s = load_crime_series("police_uk", path=folder)
    assert isinstance(s, CrimeSeries)
    assert (s.frequency, s.category, s.synthetic, s.forces) == ("monthly", "crime_type", False, ["West Yorkshire"])
    assert s.n_periods == 3                    # July 2016, 2017, 2018: not consecutive
    by_month = s.data.groupby(s.data["month"].astype(str))["count"].sum().to_dict()
    assert by_month == _plain_police_uk_count(folder)
    assert "West Yorkshire" in s.describe() and "monthly" in s.describe()


@pytest.mark.shared_data
def test_gloucestershire_archive(shared_data):
    folder = shared_data / "police_uk" / "gloucestershire"
    s = load_crime_series("police_uk", path=folder, forces=["Gloucestershire"], start="2023-01", end="2023-12")
    assert s.n_periods == 12 and s.period_label() == "2023-01 to 2023-12 (12 months)"
    plain = _plain_police_uk_count(folder)
    assert int(s.data["count"].sum()) == sum(v for k, v in plain.items() if k.startswith("2023-"))
    # ASB is left out of crime totals
    asb = int(s.data.loc[s.data["crime_type"] == "Anti-social behaviour", "count"].sum())
    assert int(s.totals()["count"].sum()) == int(s.data["count"].sum()) - asb


@pytest.mark.shared_data
def test_forces_the_data_does_not_cover_are_named(shared_data):
    with pytest.raises((ParameterError, DataValidationError), match=r"West Mercia"):
        load_crime_series("police_uk", path=shared_data / "police_uk" / "gloucestershire", forces=["West Mercia"])


def test_synthetic_is_labelled():
    s = load_crime_series("synthetic", forces=["Warwickshire", "West Mercia"], start="2012-04", end="2013-03")
    assert s.synthetic and "SYNTHETIC" in s.describe() and s.data.attrs["synthetic"] is True
    assert s.n_periods == 12


@pytest.mark.parametrize(("kwargs", "match"), [
    pytest.param({"data_source": "nonsense"}, "unknown", id="unknown-source"),
    pytest.param({"data_source": "police_uk"}, "needs a path", id="archive-without-path"),
    pytest.param({"data_source": "prc", "path": "/no/such/table.csv"}, "does not exist", id="missing-table"),
])
def test_bad_parameters_are_named(kwargs, match):
    with pytest.raises(ParameterError, match=match):
        load_crime_series(**kwargs)


def _plain_rolling_total(year_ending: str, force: str) -> int:
    """Recorded crime excluding fraud for the year ending ``year_ending`` (dd-mm-yyyy), summed
    with the csv module from the shipped rolling-year file."""
    n = 0
    with open(paths.RAW_DIR / "home_office" / "rec-crime-pfa.csv", newline="", encoding="utf-8-sig") as fh:
        for r in csv.DictReader(fh):
            if (r["12 months ending"] == year_ending and r["PFA"] == force
                    and r["Offence"] not in ("Fraud offences", "Action Fraud", "CIFAS", "UK Finance")):
                n += int(r["Rolling year total number of offences"])
    return n


def _plain_prc_fy(fy: str, force: str) -> int:
    n = 0
    with gzip.open(paths.RAW_DIR / "home_office" / "prc-pfa-mar2013-onwards-tables-191023.csv.gz", "rt",
                   encoding="utf-8-sig") as fh:
        for r in csv.DictReader(fh):
            if r["Financial Year"] == fy and r["Force Name"] == force and not r["Offence Group"].startswith("Fraud"):
                n += int(r["Number of Offences"])
    return n


def test_default_is_the_real_home_office_series():
    s = load_crime_series("default", forces=["Warwickshire", "West Mercia"])
    assert not s.synthetic and s.frequency == "quarterly" and s.category == "offence_group"
    assert s.start <= pd.Period("2007Q2", "Q") and s.end >= pd.Period("2023Q1", "Q")
    assert "Fraud" not in set(s.data["offence_group"])
    q = s.data[s.data["force"] == "West Mercia"]
    # FY 2009/10 (derived quarters) = the rolling year to March 2010
    fy0910 = q[(q["quarter"] >= pd.Period("2009Q2", "Q")) & (q["quarter"] <= pd.Period("2010Q1", "Q"))]["count"].sum()
    assert int(fy0910) == _plain_rolling_total("31-03-2010", "West Mercia")
    # FY 2016/17 (published quarters, October 2023 release)
    fy1617 = q[(q["quarter"] >= pd.Period("2016Q2", "Q")) & (q["quarter"] <= pd.Period("2017Q1", "Q"))]["count"].sum()
    assert int(fy1617) == _plain_prc_fy("2016/17", "West Mercia")
