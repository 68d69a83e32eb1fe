"""Stop and search and arrests loaders: shipped figures against an independent count, bad cells named."""

from __future__ import annotations

import csv
import gzip

import pytest

from alliance_analysis.datasets import activity
from alliance_analysis.errors import DataValidationError

SS_HEAD = ("year_ending,force_name,legislation,reason_for_search_arrest,ethnic_group_self_defined,"
           "ethnicity_self_defined,searches,resultant_arrests,weapons_arrests_s60_only,other_arrests_s60_only,"
           "persons_found_to_be_carrying_a_weapon_s60_only")


def _sum(path, keep, column):
    total = 0
    with gzip.open(path, "rt", encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            if keep(r) and r[column] != "NA":
                total += int(r[column])
    return total


def test_shipped_stop_search_matches_an_independent_count():
    g = activity.stop_search_by_force_year(activity.load_stop_search())
    row = g[(g["force"] == "West Mercia") & (g["financial_year"] == "2018/19")].iloc[0]
    keep = lambda r: r["force_name"] == "West Mercia" and r["year_ending"] == "2019-03-31"  # noqa: E731
    assert int(row["searches"]) == _sum(activity.STOP_SEARCH_FILE, keep, "searches")
    assert int(row["resultant_arrests"]) == _sum(activity.STOP_SEARCH_FILE, keep, "resultant_arrests")
    assert sorted(g["financial_year"].unique())[0] == "2006/07" and g["force"].nunique() == 44


def test_shipped_arrests_match_an_independent_count():
    g = activity.arrests_by_force_year(activity.load_arrests())
    got = int(g.loc[(g["force"] == "Dorset") & (g["financial_year"] == "2017/18"), "arrests"].iloc[0])
    keep = lambda r: r["force_name"] == "Dorset" and r["financial_year"] == "2017/18"  # noqa: E731
    assert got == _sum(activity.ARRESTS_FILE, keep, "arrests")
    assert g["force"].nunique() == 43


@pytest.mark.parametrize("line, column, message", [
    pytest.param("2019-03-31,Dorset,Section 1 (PACE),Drugs,White,White British,-4,1,NA,NA,NA", "searches",
                 "negative", id="negative"),
    pytest.param("2019-03-31,Dorset,Section 1 (PACE),Drugs,White,White British,4,one,NA,NA,NA", "resultant_arrests",
                 "not a number", id="text"),
    pytest.param("2019-06-30,Dorset,Section 1 (PACE),Drugs,White,White British,4,1,NA,NA,NA", "year_ending",
                 "31 March", id="not-march"),
    pytest.param("2019-03-31,Narnia,Section 1 (PACE),Drugs,White,White British,4,1,NA,NA,NA", "force_name", "",
                 id="unknown-force"),
])
def test_stop_search_bad_cells_named(tmp_path, line, column, message):
    p = tmp_path / "ss.csv"
    p.write_text(SS_HEAD + "\n" + line + "\n")
    with pytest.raises(DataValidationError) as exc:
        activity.load_stop_search(p)
    assert exc.value.column == column and exc.value.row == 1 and message in str(exc.value)


def test_na_is_a_declared_gap_not_zero(tmp_path):
    p = tmp_path / "ss.csv"
    p.write_text(SS_HEAD + "\n2019-03-31,Dorset,Section 1 (PACE),Drugs,White,White British,NA,NA,NA,NA,NA\n"
                 "2019-03-31,Dorset,Section 1 (PACE),Drugs,White,White Irish,5,2,NA,NA,NA\n")
    s = activity.load_stop_search(p)
    assert s["searches"].isna().tolist() == [True, False]
    assert activity.stop_search_by_force_year(s)[["searches", "resultant_arrests"]].values.tolist() == [[5, 2]]
