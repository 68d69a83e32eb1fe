"""coverage: sources, coverage by force x year, revisions, breaks, series summary, rates.

Expected values are worked by hand in each case (or counted independently from the
shipped files with the csv module), never taken from the code's own output.
"""

from __future__ import annotations

import csv
import gzip

import numpy as np
import pandas as pd
import pytest

from alliance_analysis import overview, paths
from alliance_analysis.errors import DataValidationError, ParameterError
from alliance_analysis.series.sources import CrimeSeries


def _monthly(force: str, months: list[str], crime_type: str = "Drugs", count: int = 1) -> pd.DataFrame:
    return pd.DataFrame({"force": force, "month": pd.PeriodIndex(months, freq="M"), "crime_type": crime_type,
                         "count": count})


def _quarterly(force: str, quarters: list[str], count: int = 1) -> pd.DataFrame:
    return pd.DataFrame({"force": force, "quarter": pd.PeriodIndex(quarters, freq="Q"),
                         "offence_group": "Robbery", "count": count})


# --------------------------------------------------------------------------------------
# crime_coverage
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize("data, expected", [
    pytest.param(_quarterly("A", ["2013Q2", "2013Q3", "2013Q4", "2014Q1"]),
                 [("A", "2013/14", 4, 4, "complete", "")], id="one-complete-fy-of-quarters"),
    # 2014Q1 belongs to FY 2013/14; 2014Q2 opens FY 2014/15
    pytest.param(_quarterly("A", ["2014Q1", "2014Q2"]),
                 [("A", "2013/14", 1, 4, "partial", "2013 Q2, 2013 Q3, 2013 Q4"),
                  ("A", "2014/15", 1, 4, "partial", "2014 Q3, 2014 Q4, 2015 Q1")], id="quarters-straddling-april"),
    # March 2014 is FY 2013/14; nothing in FY 2014/15; April 2015 is FY 2015/16
    pytest.param(_monthly("A", ["2014-03", "2015-04"]),
                 [("A", "2013/14", 1, 12, "partial", None), ("A", "2014/15", 0, 12, "missing", None),
                  ("A", "2015/16", 1, 12, "partial", None)], id="a-whole-missing-year-is-a-row"),
    pytest.param(pd.concat([_monthly("B", ["2020-04"]), _monthly("A", ["2021-04"])]),
                 [("A", "2020/21", 0, 12, "missing", None), ("A", "2021/22", 1, 12, "partial", None),
                  ("B", "2020/21", 1, 12, "partial", None), ("B", "2021/22", 0, 12, "missing", None)],
                 id="every-force-gets-every-year"),
])
def test_crime_coverage_counts_periods_per_financial_year(data, expected):
    before = data.copy()
    got = overview.crime_coverage(data)
    rows = list(got[["force", "financial_year", "periods_present", "periods_expected", "status"]]
                .itertuples(index=False, name=None))
    assert rows == [e[:5] for e in expected]
    for (_, _, _, _, _, missing), actual in zip(expected, got["missing"], strict=True):
        if missing is not None:
            assert actual == missing
    pd.testing.assert_frame_equal(data, before)  # input not mutated


def test_crime_coverage_lists_every_missing_month_and_counts_two_categories_once():
    d = pd.concat([_monthly("A", ["2013-04", "2013-06"], "Drugs"), _monthly("A", ["2013-04"], "Robbery")])
    got = overview.crime_coverage(d)
    assert got["periods_present"].tolist() == [2]   # April counted once though two categories
    missing = got["missing"].item().split(", ")
    assert missing[0] == "2013-05" and missing[-1] == "2014-03" and len(missing) == 10


def test_crime_coverage_joins_the_basis_of_a_year():
    d = _quarterly("A", ["2011Q2", "2011Q3", "2011Q4", "2012Q1", "2012Q2"])
    got = overview.crime_coverage(d, basis=overview.default_basis(d))
    # FY 2011/12 (2011Q2-2012Q1) derived; FY 2012/13 starts with the first published quarter 2012Q2
    assert got["basis"].tolist() == ["derived", "published"]
    mixed = overview.crime_coverage(d, basis=pd.Series(["x", "y", "x", "x", "y"]))
    assert mixed["basis"].tolist() == ["x and y", "y"]


def test_crime_coverage_requires_a_time_column():
    with pytest.raises(DataValidationError, match="quarter"):
        overview.crime_coverage(pd.DataFrame({"force": ["A"], "count": [1]}))


# --------------------------------------------------------------------------------------
# yearly series and the combined table
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize("year_is, years_in_frame, expected", [
    # mid-2013 population belongs to FY 2013/14
    pytest.param("start", [2013], ["missing", "complete", "missing"], id="mid-year-population"),
    # 31 March 2013 snapshot (or year ending March 2013) closes FY 2012/13
    pytest.param("end", [2013], ["complete", "missing", "missing"], id="31-march-snapshot"),
])
def test_yearly_coverage_aligns_years_on_financial_years(year_is, years_in_frame, expected):
    f = pd.DataFrame({"force": "A", "year": years_in_frame, "value": 1.0})
    got = overview.yearly_coverage(f, series="S", forces=["A"], years=[2012, 2013, 2014], year_is=year_is)
    assert got["financial_year"].tolist() == ["2012/13", "2013/14", "2014/15"]
    assert got["status"].tolist() == expected


@pytest.mark.parametrize("frame, forces, expected", [
    pytest.param(None, ["A"], ["missing", "missing"], id="series-absent"),
    pytest.param(pd.DataFrame({"force": "A", "year": [2012, 2013], "value": [1.0, np.nan]}), ["A"],
                 ["complete", "missing"], id="nan-value-is-missing"),
    pytest.param(pd.DataFrame({"force": "A", "year": [2012, 2013], "value": 1.0}), ["B"],
                 ["missing", "missing"], id="force-not-in-frame"),
])
def test_yearly_coverage_gaps(frame, forces, expected):
    got = overview.yearly_coverage(frame, series="S", forces=forces, years=[2012, 2013], value="value")
    assert got["status"].tolist() == expected


def test_yearly_coverage_rejects_bad_year_is():
    with pytest.raises(ParameterError, match="year_is"):
        overview.yearly_coverage(None, series="S", forces=["A"], years=[2012], year_is="middle")


def test_coverage_by_force_year_spans_every_series_and_never_fills():
    crime = _quarterly("A", ["2019Q2", "2019Q3", "2019Q4", "2020Q1"])  # FY 2019/20
    pop = pd.DataFrame({"force": "A", "year": [2017, 2018], "population": [10, 11]})   # FY 2017/18, 2018/19
    wf = pd.DataFrame({"force": "A", "year": [2021], "value": [5.0]})                   # 31 Mar 2021 -> 2020/21
    long = overview.coverage_by_force_year(crime, population=pop, workforce=wf)
    wide = long.pivot(index="series", columns="financial_year", values="status")
    assert list(wide.columns) == ["2017/18", "2018/19", "2019/20", "2020/21"]
    assert wide.loc["Recorded crime"].tolist() == ["missing", "missing", "complete", "missing"]
    assert wide.loc["Population"].tolist() == ["complete", "complete", "missing", "missing"]
    assert wide.loc["Workforce"].tolist() == ["missing", "missing", "missing", "complete"]
    assert "Crime severity" not in wide.index  # not given, not invented


def test_coverage_wide_and_gaps():
    crime = pd.concat([_quarterly("A", ["2019Q2", "2019Q3", "2019Q4", "2020Q1", "2020Q2"])])
    pop = pd.DataFrame({"force": "A", "year": [2019], "population": [10]})
    long = overview.coverage_by_force_year(crime, population=pop, basis="published")
    wide = overview.coverage_wide(long)
    assert wide.columns.tolist() == ["Force", "Financial year", "Recorded crime", "Population"]
    assert wide.values.tolist() == [["A", "2019/20", "4 of 4 (published)", "yes"],
                                    ["A", "2020/21", "1 of 4 (published)", "missing"]]
    gaps = overview.coverage_gaps(long)
    assert gaps[["series", "from", "to", "status", "missing"]].values.tolist() == [
        ["Population", "2020/21", "2020/21", "missing", ""],
        ["Recorded crime", "2020/21", "2020/21", "partial", "2020 Q3, 2020 Q4, 2021 Q1"]]


def test_coverage_gaps_merges_runs_of_missing_years_only():
    long = pd.DataFrame({"force": "A", "series": "S", "year": [1, 2, 3, 4, 5, 6],
                         "financial_year": ["y1", "y2", "y3", "y4", "y5", "y6"],
                         "status": ["missing", "missing", "complete", "partial", "partial", "missing"],
                         "missing": ["", "", "", "m4", "m5", ""]})
    got = overview.coverage_gaps(long)
    assert got[["from", "to", "years", "status"]].values.tolist() == [
        ["y1", "y2", 2, "missing"], ["y4", "y4", 1, "partial"], ["y5", "y5", 1, "partial"], ["y6", "y6", 1, "missing"]]


def test_plot_coverage_has_one_row_per_force_and_series():
    long = overview.coverage_by_force_year(pd.concat([_quarterly("A", ["2019Q2"]), _quarterly("B", ["2019Q2"])]),
                                           population=pd.DataFrame({"force": ["A", "B"], "year": 2019,
                                                                    "population": 1}))
    fig = overview.plot_coverage(long, synthetic=True)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["A – Recorded crime", "A – Population",
                                                            "B – Recorded crime", "B – Population"]
    assert "SYNTHETIC" in ax.get_title()


# --------------------------------------------------------------------------------------
# revisions
# --------------------------------------------------------------------------------------

def test_revision_tables_by_hand():
    rev = pd.DataFrame({"force": ["A", "A", "B", "B"], "offence_group": ["Robbery", "Theft", "Robbery", "Theft"],
                        "financial_year": "2015/16", "release_2019": [100, 0, 50, 50],
                        "release_2023": [90, 4, 50, 50]})
    t = overview.revision_tables(rev, top=5)
    # A: 100 -> 94 (-6, -6%); B unchanged
    assert t.by_force_year[["force", "release_2019", "release_2023", "difference"]].values.tolist() == [
        ["A", 100, 94, -6], ["B", 100, 100, 0]]
    assert t.by_force_year["percent"].tolist() == [-6.0, 0.0]
    # unchanged rows are not "revisions"; largest absolute first; zero base has no percentage
    assert t.largest[["offence_group", "difference"]].values.tolist() == [["Robbery", -10], ["Theft", 4]]
    assert np.isnan(t.largest["percent"].iloc[1])
    assert len(overview.revision_tables(rev, top=1).largest) == 1


@pytest.mark.parametrize("rev, top, error", [
    pytest.param(pd.DataFrame({"force": ["A"]}), 3, DataValidationError, id="missing-columns"),
    pytest.param(pd.DataFrame(columns=["force", "offence_group", "financial_year", "release_2019", "release_2023"]),
                 0, ParameterError, id="top-zero"),
])
def test_revision_tables_rejects(rev, top, error):
    with pytest.raises(error):
        overview.revision_tables(rev, top=top)


def _plain_prc_total(force: str, fy: str) -> int:
    total = 0
    with gzip.open(paths.HO_PRC_QUARTERLY, "rt", encoding="utf-8", newline="") as f:
        header = next(csv.reader([f.readline()]))
        lines = [ln for ln in f if force in ln]   # cheap pre-filter; rows are parsed by csv below
    for row in csv.DictReader(lines, fieldnames=header):
        if row["Force Name"] == force and row["Financial Year"] == fy and "raud" not in row["Offence Group"]:
            total += int(row["Number of Offences"])
    return total


def _plain_rolling_total(force: str, year_ending: str) -> int:
    total = 0
    with open(paths.HO_ROLLING_PFA, encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f):
            if row["PFA"] == force and row["12 months ending"] == year_ending and "raud" not in row["Offence"]:
                total += int(row["Rolling year total number of offences"].replace(",", ""))
    return total


def test_west_mercia_2015_16_revision_matches_plain_counts_of_both_releases():
    t = overview.revision_tables(overview.release_revisions(["West Mercia"]))
    row = t.by_force_year.set_index("financial_year").loc["2015/16"]
    old, new = _plain_rolling_total("West Mercia", "31-03-2016"), _plain_prc_total("West Mercia", "2015/16")
    assert (old, new) == (72599, 76290)  # the figures the brief quotes
    assert (int(row["release_2019"]), int(row["release_2023"])) == (old, new)
    assert int(row["difference"]) == new - old
    assert t.by_force_year["financial_year"].tolist() == ["2012/13", "2013/14", "2014/15", "2015/16", "2016/17",
                                                          "2017/18"]  # the years both releases give in full


# --------------------------------------------------------------------------------------
# breaks, series summary, rates, seed tables
# --------------------------------------------------------------------------------------

def test_breaks_table_is_readable():
    b = pd.DataFrame({"break_id": ["covid_lockdowns_2020_21", "burglary_reclassification_2017"],
                      "start": pd.to_datetime(["2020-03-23", "2017-04-01"]), "end": pd.to_datetime(["2021-07-19", None]),
                      "offence_groups": ["all", "Burglary;Robbery"], "kind": ["shock", "reclassification"],
                      "description": ["d1", "d2"], "source": ["s1", "s2"]})
    got = overview.breaks_table(b)
    assert got.values.tolist() == [
        ["COVID-19 lockdowns 2020-21", "March 2020", "July 2021", "all groups", "shock", "d1", "s1"],
        ["Burglary reclassification 2017", "April 2017", "no end: permanent", "Burglary, Robbery",
         "reclassification", "d2", "s2"]]
    with pytest.raises(DataValidationError, match="break_id"):
        overview.breaks_table(b.drop(columns="break_id"))


@pytest.mark.parametrize("data, expected", [
    pytest.param(_monthly("A", ["2022-01", "2022-04"]), [["A", "2022-01", "2022-04", 2, 4, "2022-02, 2022-03"]],
                 id="gap-in-the-middle"),
    pytest.param(pd.concat([_quarterly("A", ["2013Q2", "2013Q3"]), _quarterly("B", ["2013Q3"])]),
                 [["A", "2013 Q2", "2013 Q3", 2, 2, "none"], ["B", "2013 Q3", "2013 Q3", 1, 2, "2013 Q2"]],
                 id="late-starting-force"),
])
def test_series_summary(data, expected):
    got = overview.series_summary(data)
    assert got[["force", "first_period", "last_period", "periods_present", "periods_expected",
                "missing"]].values.tolist() == expected


def test_rates_use_the_population_of_each_year_and_leave_out_asb():
    months = pd.period_range("2012-04", "2014-03", freq="M")   # FY 2012/13 and 2013/14 complete
    d = pd.concat([pd.DataFrame({"force": "A", "month": months, "crime_type": "Drugs", "count": 10}),
                   pd.DataFrame({"force": "A", "month": months, "crime_type": "Anti-social behaviour", "count": 99})])
    s = CrimeSeries(d, "police.uk", "test", False)
    pop = pd.DataFrame({"force": "A", "year": [2012, 2013], "population": [1_000, 2_000]})
    got = overview.rates_by_force_year(s, pop)
    # 12 x 10 = 120 crimes a year; 120 / 1,000 x 1,000 = 120.0; 120 / 2,000 x 1,000 = 60.0
    assert got[["financial_year", "count", "population", "population_year"]].values.tolist() == [
        ["2012/13", 120, 1000, "mid-2012"], ["2013/14", 120, 2000, "mid-2013"]]
    assert got["rate_per_1000"].tolist() == [120.0, 60.0]


def test_rates_empty_without_a_complete_year():
    s = CrimeSeries(_monthly("A", ["2016-07", "2017-07"]), "police.uk", "test", False)
    got = overview.rates_by_force_year(s, pd.DataFrame({"force": "A", "year": [2016], "population": [10]}))
    assert got.empty
    assert got.attrs["incomplete_years"] == ["2016/17", "2017/18"]


def test_seed_summary_counts_figures_independently():
    figures = pd.DataFrame({"table": ["crime_volumes"] * 3 + ["finance"],
                            "document": ["002_4cc3981417ef25d8.txt"] * 3 + ["unknown.txt"]})
    got = overview.seed_summary(figures)
    assert got["table"].tolist() == ["Crime volumes", "Finance"]
    assert got["figures"].tolist() == [3, 1]
    assert got["document"].iloc[1] == "unknown.txt"       # no title invented
    assert "Police Foundation" in got["document"].iloc[0]


# --------------------------------------------------------------------------------------
# sources table
# --------------------------------------------------------------------------------------

def test_sources_table_lists_every_shipped_file_with_its_licence():
    with open(paths.SOURCES_CSV, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    got = overview.sources_table(coverage={rows[0]["file"]: "2003-2018"})
    assert len(got) == len(rows)
    assert got["File"].tolist() == [f"data/raw/{r['file']}" for r in rows]
    assert got["Licence"].tolist() == [r["licence"] for r in rows]
    assert got["Attribution"].str.startswith("Contains public sector information").all()
    assert got["Coverage"].tolist()[:2] == ["2003-2018", "–"]


@pytest.mark.parametrize("text, match", [
    pytest.param("file,publisher\nx.csv,HO\n", "lacks columns", id="missing-columns"),
    pytest.param("file,publisher,title,official_source_url,release_date,licence,attribution,sha256\n"
                 "x.csv,HO,t,u,2020-01-01,,a,0\n", "row 1", id="blank-licence"),
])
def test_read_sources_rejects_bad_manifests(tmp_path, text, match):
    p = tmp_path / "SOURCES.csv"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(DataValidationError, match=match) as exc:
        overview.read_sources(p)
    assert str(p) in str(exc.value)


def test_read_sources_missing_file(tmp_path):
    with pytest.raises(DataValidationError, match="not found"):
        overview.read_sources(tmp_path / "nope.csv")


@pytest.mark.parametrize("synthetic, month, publisher", [
    pytest.param(False, True, "data.police.uk (Home Office)", id="police-uk"),
    pytest.param(False, False, "Home Office", id="prc-table"),
    pytest.param(True, True, "this package (seeded generator)", id="synthetic"),
])
def test_series_source_row(synthetic, month, publisher):
    d = _monthly("A", ["2022-01"]) if month else _quarterly("A", ["2013Q2"])
    row = overview.series_source_row(CrimeSeries(d, "Some source", "r", synthetic), "in.csv")
    assert row["publisher"] == publisher
    assert row["file"] == "in.csv"


# --------------------------------------------------------------------------------------
# display, header, summary, the whole overview
# --------------------------------------------------------------------------------------

def test_display_table_is_readable_and_deterministic():
    df = pd.DataFrame({"force": ["A", "B"], "count": [1234567, np.nan], "percent": [5.04, -1.0]})
    html = overview.display_table(df, counts=["count"], pct=["percent"], caption="c").to_html()
    assert "1,234,567" in html and "5.0%" in html and "-1.0%" in html
    assert 'class="row_heading' not in html  # no index column
    assert "–" in html and "nan" not in html.lower()
    assert "Recorded crimes" in html and ">count<" not in html   # human label
    assert html == overview.display_table(df, counts=["count"], pct=["percent"], caption="c").to_html()


def test_header_lists_only_parameters_that_differ():
    s = CrimeSeries(_monthly("A", ["2022-01"]), "data.police.uk street-level records", "as read", False)
    h = overview.header_markdown(s, {"forces": ["A"], "seed": 2014, "data_source": "police_uk"},
                                 {"forces": ["B"], "seed": 2014, "data_source": "default"})
    assert "forces = ['A']" in h and "data_source = 'police_uk'" in h and "seed" not in h
    assert "SYNTHETIC" not in h
    assert "SYNTHETIC" in overview.header_markdown(CrimeSeries(_monthly("A", ["2022-01"]), "s", "r", True))


def test_data_overview_on_a_monthly_archive_says_there_are_no_revisions():
    from alliance_analysis.series.sources import load_context

    months = pd.period_range("2016-04", "2017-05", freq="M")
    s = CrimeSeries(pd.DataFrame({"force": "Dorset", "month": months, "crime_type": "Drugs", "count": 2}),
                    "data.police.uk street-level records", "as read from x", False)
    ov = overview.data_overview(s, load_context(["Dorset"]), path="x")
    assert ov.revisions is None and "no revision" in ov.revision_note
    assert ov.rates["financial_year"].tolist() == ["2016/17"] and ov.rates["count"].tolist() == [24]
    assert "Burglary reclassification 2017" in ov.breaks["Break"].tolist()  # April 2017 falls inside
    assert ov.sources["File"].iloc[-1] == "x"
    assert "synthetic" not in (ov.header + ov.summary).lower()
    assert "2 months are missing" not in ov.summary and "0 months are missing" in ov.summary


@pytest.mark.parametrize("break_id, name", [
    pytest.param("fraud_to_action_fraud", "Fraud to Action Fraud", id="proper-noun"),
    pytest.param("recording_practice_uplift_2014_2016", "Recording practice uplift 2014-2016", id="year-range"),
    pytest.param("covid_lockdowns_2020_21", "COVID-19 lockdowns 2020-21", id="short-year-range"),
])
def test_break_names_read_as_text(break_id, name):
    b = pd.DataFrame({"break_id": [break_id], "start": pd.to_datetime(["2011-04-01"]), "end": [pd.NaT],
                      "offence_groups": ["Fraud"], "kind": ["k"], "description": ["d"], "source": ["s"]})
    assert overview.breaks_table(b)["Break"].item() == name


def test_data_overview_on_a_quarterly_table_with_three_forces():
    from alliance_analysis.series.sources import load_context

    q = pd.period_range("2013Q2", "2015Q1", freq="Q")          # FY 2013/14 and 2014/15
    forces = ["Dorset", "Wiltshire", "Devon and Cornwall"]
    d = pd.concat([pd.DataFrame({"force": f, "quarter": q, "offence_group": "Robbery", "count": 10 * (i + 1)})
                   for i, f in enumerate(forces)])
    s = CrimeSeries(d, "Home Office police recorded crime table t.csv", "2023-10-19", False)
    ov = overview.data_overview(s, load_context(forces), path="t.csv")
    assert ov.revisions is None and "single Home Office table" in ov.revision_note
    # 4 quarters x 10, 20, 30 a year, one row per force and year
    got = ov.rates.set_index(["area", "financial_year"])["count"].to_dict()
    assert got == {("Devon and Cornwall", "2013/14"): 120, ("Devon and Cornwall", "2014/15"): 120,
                   ("Dorset", "2013/14"): 40, ("Dorset", "2014/15"): 40,
                   ("Wiltshire", "2013/14"): 80, ("Wiltshire", "2014/15"): 80}
    crime = ov.coverage[ov.coverage["series"] == "Recorded crime"]
    assert set(crime.loc[crime["year"].between(2013, 2014), "status"]) == {"complete"}
    assert (crime["basis"] == "").all()        # derived/published applies only to the shipped default
    assert ov.sources["Publisher"].iloc[-1] == "Home Office"
    assert "3 forces" in ov.summary and "6 of 6 force-years from 2013/14 to 2014/15 are complete" in ov.summary
