"""load_crime_series keeps police.uk supply gaps out of the series unless asked (issue 21 item 10)."""

from __future__ import annotations

import pytest

from alliance_analysis.series.sources import load_crime_series

GAP = [f"2023-{m:02d}" for m in range(4, 12)]  # April-November 2023, as Devon and Cornwall's feed


@pytest.fixture(scope="module")
def thinned_archive(tmp_path_factory):
    from alliance_analysis import paths

    if not paths.shared_data_available():
        pytest.skip("real police.uk archive not found beside the project")
    src = paths.SHARED_DATA_DIR / "police_uk" / "gloucestershire"
    root = tmp_path_factory.mktemp("archive")
    kept = {}
    for month_dir in sorted(p for p in src.iterdir() if p.is_dir()):
        (root / month_dir.name).mkdir()
        for f in month_dir.glob("*-street.csv"):
            lines = f.read_text(encoding="utf-8").splitlines(keepends=True)
            header, rows = lines[0], lines[1:]
            if month_dir.name in GAP:
                rows = [r for i, r in enumerate(rows) if i % 10 >= 3]  # 30% of records missing
            kept[month_dir.name] = len(rows)
            (root / month_dir.name / f.name).write_text(header + "".join(rows), encoding="utf-8")
    return root, kept


@pytest.mark.shared_data
def test_gap_months_are_left_out_and_said(thinned_archive):
    root, kept = thinned_archive
    s = load_crime_series("police_uk", path=root)
    months = set(s.data["month"].astype(str))
    assert months.isdisjoint(GAP)
    assert len(months) == len(kept) - len(GAP)
    assert any("supply gap" in n and "2023-04 to 2023-11" in n for n in s.notes)


@pytest.mark.shared_data
def test_gap_months_kept_on_request_with_their_counts(thinned_archive):
    root, kept = thinned_archive
    s = load_crime_series("police_uk", path=root, include_supply_gaps=True)
    assert set(GAP) <= set(s.data["month"].astype(str))
    # every record of a kept month is counted (crimes and ASB alike)
    assert int(s.data.loc[s.data["month"].astype(str) == "2023-06", "count"].sum()) == kept["2023-06"]
    assert any("kept at the user's request" in n for n in s.notes)


@pytest.mark.shared_data
def test_real_archive_has_no_gap_and_loses_no_month(shared_data):
    s = load_crime_series("police_uk", path=shared_data / "police_uk" / "gloucestershire")
    assert s.n_periods == 35
    assert not any("supply gap" in n for n in s.notes)
