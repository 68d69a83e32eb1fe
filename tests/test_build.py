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
