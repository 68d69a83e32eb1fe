"""The default series is read from data/processed when `data build` wrote it (issue 23), and
``load_crime_series("default", include_fraud=True)`` keeps fraud (issue 17)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from alliance_analysis import build, paths
from alliance_analysis.series import longseries
from alliance_analysis.series.sources import load_crime_series


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("processed")
    build.build_processed(out)
    return out


def _assert_same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a, b)
    assert sorted(a.attrs) == sorted(b.attrs) == ["adjustments", "negative"]
    for key in a.attrs:
        pd.testing.assert_frame_equal(a.attrs[key].reset_index(drop=True), b.attrs[key].reset_index(drop=True))


def test_processed_series_is_the_raw_derivation_exactly(built):
    longseries._processed_cached.cache_clear()
    from_parquet = longseries._processed_cached(longseries._mtime_key(None, "HO_ROLLING_PFA"),
                                                longseries._mtime_key(None, "HO_PRC_QUARTERLY"), str(built))
    assert from_parquet is not None, "data build output was not used"
    _assert_same(from_parquet, longseries.spliced_default(use_processed=False))


def _tamper(folder, what):
    if what == "parquet":
        df = pd.read_parquet(folder / longseries.PROCESSED_SERIES)
        df.loc[0, "count"] += 1000
        df.to_parquet(folder / longseries.PROCESSED_SERIES, index=False)
    elif what == "raw_sha":
        m = json.loads((folder / "manifest.json").read_text())
        for s in m["sources"]:
            if s["source"] == "prc_quarterly":
                s["sha256"] = "0" * 64
        (folder / "manifest.json").write_text(json.dumps(m))
    elif what == "other_path":
        m = json.loads((folder / "manifest.json").read_text())
        for s in m["sources"]:
            if s["source"] == "rolling_pfa":
                s["path"] = "data/raw/home_office/rec-crime-pfa-2024.csv"
        (folder / "manifest.json").write_text(json.dumps(m))
    elif what == "no_manifest":
        (folder / "manifest.json").unlink()


@pytest.mark.parametrize("what", [
    pytest.param("parquet", id="parquet-edited-after-build"),
    pytest.param("raw_sha", id="raw-file-changed-since-build"),
    pytest.param("other_path", id="built-from-another-release"),
    pytest.param("no_manifest", id="no-manifest"),
])
def test_stale_or_tampered_processed_series_is_not_used(tmp_path, what):
    build.build_processed(tmp_path)
    _tamper(tmp_path, what)
    longseries._processed_cached.cache_clear()
    assert longseries._processed_cached(longseries._mtime_key(None, "HO_ROLLING_PFA"),
                                        longseries._mtime_key(None, "HO_PRC_QUARTERLY"), str(tmp_path)) is None
    # the public accessor still gives the right numbers, from the raw files
    out = longseries.spliced_default(processed_dir=tmp_path)
    _assert_same(out, longseries.spliced_default(use_processed=False))


def test_build_parses_each_raw_release_once(tmp_path, caplog):
    longseries._load_rolling_cached.cache_clear()
    longseries._load_prc_cached.cache_clear()
    from alliance_analysis.series import default
    default._population_cached.cache_clear()
    with caplog.at_level("WARNING"):
        build.build_processed(tmp_path)
    for text in ("30-12-2017", "district codes in column code carried spaces"):
        said = [r.getMessage() for r in caplog.records if text in r.getMessage()]
        assert len(said) == 1, said


def test_include_fraud_reaches_the_default_series():
    without = load_crime_series("default", forces=["Dorset"])
    with_fraud = load_crime_series("default", forces=["Dorset"], include_fraud=True)
    assert "Fraud" not in set(without.data["offence_group"])
    assert "Fraud" in set(with_fraud.data["offence_group"])
    fraud = with_fraud.data[with_fraud.data["offence_group"] == "Fraud"]["count"].sum()
    assert with_fraud.data["count"].sum() - without.data["count"].sum() == fraud > 0


def test_default_series_starts_2006_q2_as_documented():
    s = load_crime_series("default", forces=["Dorset"])
    assert str(s.start) == "2006Q2"
    assert paths.PROCESSED_DIR.name == "processed"
