"""The processed build: idempotent, atomic, with a manifest."""

from __future__ import annotations

import json

from alliance_analysis import build


def test_build_is_idempotent_with_manifest(tmp_path):
    first = build.build_processed(tmp_path)
    assert first["written"].all()
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    second = build.build_processed(tmp_path)
    assert not second["written"].any()
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
