"""Synthetic default data and the data-source switches."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alliance_analysis import taxonomy
from alliance_analysis.series import default
from alliance_analysis.datasets import synthetic
from alliance_analysis.errors import ParameterError


@pytest.fixture(scope="module")
def wm():
    return synthetic.synthetic_monthly_crime("West Mercia", "2011-04", "2014-09", seed=7)


@pytest.mark.parametrize(
    "start, crime, asb",
    [  # Table 3 (seed 002): six-month totals for West Mercia, printed
        pytest.param("2012-04", 32_045, 29_860, id="apr-sep-2012"),
        pytest.param("2013-04", 29_297, 27_224, id="apr-sep-2013"),
        pytest.param("2014-04", 30_101, 27_269, id="apr-sep-2014"),
    ],
)
def test_table3_six_month_totals_match_exactly(wm, start, crime, asb):
    window = wm[wm["month"].between(pd.Period(start, "M"), pd.Period(start, "M") + 5)]
    is_asb = window["crime_type"] == "Anti-social behaviour"
    assert window.loc[~is_asb, "count"].sum() == crime
    assert window.loc[is_asb, "count"].sum() == asb


def test_labelled_synthetic_and_well_formed(wm):
    assert wm["synthetic"].all() and wm.attrs["synthetic"] is True
    assert set(wm["crime_type"]) == set(taxonomy.POLICE_UK_CRIME_TYPES)
    assert wm["count"].dtype == "int64" and (wm["count"] >= 0).all()
    assert len(wm) == 14 * 42  # 14 types x 42 months (2011-04..2014-09)
    assert isinstance(wm["month"].dtype, pd.PeriodDtype)


def test_seeded(wm):
    again = synthetic.synthetic_monthly_crime("West Mercia", "2011-04", "2014-09", seed=7)
    pd.testing.assert_frame_equal(wm, again)
    other = synthetic.synthetic_monthly_crime("West Mercia", "2011-04", "2014-09", seed=8)
    assert not np.array_equal(wm["count"].to_numpy(), other["count"].to_numpy())


def test_subset_of_types_is_not_forced_to_all_crime_total():
    d = synthetic.synthetic_monthly_crime("West Mercia", "2012-04", "2012-09", crime_types=["Burglary"])
    assert d["count"].sum() < 32_045 / 3


def test_relative_force_sizes_follow_recorded_crime():
    d = synthetic.synthetic_monthly_crime("Warwickshire and West Mercia", "2012-04", "2013-03", seed=1)
    share = d.groupby("force")["count"].sum() / d["count"].sum()
    # Home Office PRC 2017/18 gives West Mercia about two-thirds of the pair's recorded crime.
    assert 0.6 < share["West Mercia"] < 0.75


@pytest.mark.parametrize(
    "kwargs, message",
    [
        pytest.param({"start": "2014-09", "end": "2014-01"}, "after end", id="reversed"),
        pytest.param({"start": "April"}, "not months", id="bad-month"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ParameterError, match=message):
        synthetic.synthetic_monthly_crime("Dorset", **{"start": "2014-01", "end": "2014-03", **kwargs})


def test_switch_to_police_uk_needs_a_path():
    with pytest.raises(ParameterError, match="needs police_uk_path"):
        default.monthly_crime("police_uk", police_uk_path=None)
    with pytest.raises(ParameterError, match="not a monthly source"):
        default.monthly_crime("prc")


def test_switch_reads_a_real_archive_layout(tmp_path):
    (tmp_path / "2020-01").mkdir()
    (tmp_path / "2020-01" / "2020-01-dorset-street.csv").write_text(
        "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,"
        "Last outcome category,Context\n"
        "x1,2020-01,Dorset Police,Dorset Police,-2.1,50.7,On or near X,E01,Y,Burglary,,\n")
    d = default.monthly_crime("police_uk", police_uk_path=tmp_path, forces=["Dorset"], start="2020-01", end="2020-01")
    assert d[["force", "crime_type", "count"]].values.tolist() == [["Dorset", "Burglary", 1]]
    assert not d["synthetic"].any()


@pytest.mark.parametrize("kwargs, message", [
    pytest.param({"data_source": "census"}, "unknown", id="bad-source"),
    pytest.param({"data_source": "mid2018"}, "population_path", id="mid2018-needs-path"),
])
def test_population_switch_errors(kwargs, message):
    from alliance_analysis.series import default
    from alliance_analysis.errors import ParameterError

    with pytest.raises(ParameterError, match=message):
        default.population(**kwargs)


def test_population_default_is_census_2011():
    from alliance_analysis.series import default

    p = default.population()
    # ONS Census 2011 usual residents: Dorset county 412,905 + Bournemouth 183,491 + Poole 147,645 = 744,041
    assert int(p.loc[p["force"] == "Dorset", "population"].item()) == 412_905 + 183_491 + 147_645
