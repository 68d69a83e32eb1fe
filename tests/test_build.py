"""The processed build: idempotent, atomic, with a manifest."""

from __future__ import annotations

import json

from alliance_analysis import build


def test_build_is_idempotent_with_manifest(tmp_path):
    first = build.build_processed(tmp_path)
    assert first["written"].all()
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    second = build.build_processed(tmp_path)
    assert second.loc[second["written"], "output"].tolist() == []
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    outs = {o["output"]: o for o in manifest["outputs"]}
    assert outs["synthetic_monthly_crime_default.csv"]["synthetic"] is True
    assert outs["prc_2017_18_by_force_offence.csv"]["synthetic"] is False
    assert any(i["path"] == "data/raw/seed/finance.csv" for i in manifest["inputs"])
    assert all(len(i["sha256"]) == 64 for i in manifest["inputs"])
    assert not list(tmp_path.glob(".*.tmp"))  # no temporary files left behind


def _independent_count(path) -> tuple[str, int]:
    import csv
    import gzip
    import hashlib
    import io

    raw = path.read_bytes()
    text = (gzip.decompress(raw) if path.name.endswith(".gz") else raw).decode("utf-8")
    return hashlib.sha256(raw).hexdigest(), sum(1 for _ in csv.reader(io.StringIO(text, newline=""))) - 1


def test_sources_csv_matches_every_shipped_file():
    import csv

    from alliance_analysis import paths

    with open(paths.SOURCES_CSV, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["file"] for r in rows} == {p.relative_to(paths.RAW_DIR).as_posix()
                                        for p in paths.SHIPPED_SOURCES.values()}
    for r in rows:
        sha, n = _independent_count(paths.RAW_DIR / r["file"])
        assert r["sha256"] == sha, r["file"]
        assert int(r["rows"]) == n, r["file"]
        assert r["attribution"] == ("Contains public sector information licensed under the "
                                    "Open Government Licence v3.0")
        assert r["official_source_url"].startswith("https://")
        assert r["release_date"][:2] == "20"


def test_newer_release_beside_the_shipped_one_is_used_and_recorded(tmp_path):
    import shutil

    import pandas as pd

    from alliance_analysis import paths

    raw = tmp_path / "raw"
    (raw / "home_office").mkdir(parents=True)
    shutil.copy(paths.HO_ROLLING_PFA, raw / "home_office")
    newer = raw / "home_office" / "rec-crime-pfa-2024-07-18.csv"
    newer.write_text("12 months ending,PFA,Region,Offence,Rolling year total number of offences\n"
                     "31-03-2024,West Mercia,West Midlands,Robbery,700\n"
                     "31-03-2024,Warwickshire,West Midlands,Robbery,300\n")
    out, sources = build.build_sources(tmp_path / "out", raw)
    assert out["output"].tolist() == ["rolling_pfa.parquet"]  # the other sources are absent: skipped
    [rec] = sources
    assert rec["release"] == "2024-07-18" and rec["registered"] is False
    assert rec["path"].endswith("rec-crime-pfa-2024-07-18.csv")
    assert [s["release"] for s in rec["superseded"]] == ["2019-04-25"]
    df = pd.read_parquet(tmp_path / "out" / "rolling_pfa.parquet")
    assert int(df["rolling_total"].sum()) == 700 + 300
    assert df["release"].unique().tolist() == ["2024-07-18"]


def test_real_source_parquet_totals_match_plain_counts(tmp_path):
    import csv
    import gzip

    import pandas as pd

    from alliance_analysis import paths

    out, sources = build.build_sources(tmp_path)
    assert set(out["output"]) == {"rolling_pfa.parquet", "prc_quarterly.parquet", "workforce_open_data.parquet",
                                  "population_by_force_year.parquet", "css_by_force_group.parquet",
                                  "recorded_crime_quarterly.parquet", "recorded_crime_quarterly_adjustments.parquet",
                                  "recorded_crime_quarterly_negative.parquet"}
    assert {s["source"] for s in sources} == set(paths.SHIPPED_SOURCES)
    assert all(s["registered"] and not s["superseded"] for s in sources)
    with open(paths.HO_ROLLING_PFA, newline="", encoding="utf-8") as fh:
        rolling_plain = sum(int(r["Rolling year total number of offences"]) for r in csv.DictReader(fh))
    with gzip.open(paths.HO_PRC_QUARTERLY, "rt", newline="", encoding="utf-8") as fh:
        prc_plain = sum(int(r["Number of Offences"]) for r in csv.DictReader(fh))
    assert int(pd.read_parquet(tmp_path / "rolling_pfa.parquet")["rolling_total"].sum()) == rolling_plain
    prc = pd.read_parquet(tmp_path / "prc_quarterly.parquet")
    assert int(prc["count"].sum()) == prc_plain and len(prc) == 258905
    assert prc["quarter"].iloc[0][:4].isdigit()  # calendar quarter stored as text, e.g. '2012Q2'


def test_failed_build_leaves_no_stale_manifest(tmp_path, monkeypatch):
    # issue 21 item 13: a build that fails after writing some outputs must not leave the old manifest
    import pandas as pd
    import pytest

    from alliance_analysis.errors import DataValidationError

    old = {"inputs": [], "outputs": [{"output": "t.csv", "rows": 1, "sha256": "0" * 64, "synthetic": False}],
           "sources": []}
    (tmp_path / "manifest.json").write_text(json.dumps(old))
    monkeypatch.setattr(build, "_outputs", lambda: {"t.csv": lambda: pd.DataFrame({"a": [1, 2]})})

    def fail(*args, **kwargs):
        raise DataValidationError("truncated release", file="prc.csv.gz")

    monkeypatch.setattr(build, "build_sources", fail)
    with pytest.raises(DataValidationError):
        build.build_processed(tmp_path)
    assert (tmp_path / "t.csv").read_text() == "a\n1\n2\n"  # the output was rewritten ...
    assert not (tmp_path / "manifest.json").exists()  # ... so the manifest describing the old one is gone
