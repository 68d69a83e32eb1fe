"""Tests for datasets.download against a local HTTP server on 127.0.0.1 (never the internet)."""

from __future__ import annotations

import hashlib
import http.server
import json
import socket
import threading
import time
import urllib.parse
import zipfile
from pathlib import Path

import pytest

from alliance_analysis.datasets import download as dl
from alliance_analysis.datasets.download import (
    MANIFEST_NAME,
    download_file,
    download_police_uk,
    download_prc_table,
    fetch_official_releases,
    read_manifest,
    read_official_releases,
)
from alliance_analysis.datasets.police_uk import load_street_archive
from alliance_analysis.errors import DataValidationError, DownloadError, ParameterError

FIX = Path(__file__).parent / "fixtures" / "police_uk"
PAYLOAD = b"Crime ID,Month\n" + b"x,2020-01\n" * 500  # 15 + 500 * 10 = 5015 bytes
PAYLOAD_SHA = hashlib.sha256(PAYLOAD).hexdigest()
PRC_CSV = (b"Financial Year,Financial Quarter,Force Name,Offence Description,Offence Group,"
           b"Offence Subgroup,Offence Code,Number of Offences\n"
           b"2017/18,1,Dorset,Burglary - residential,Theft offences,Domestic burglary,28E,120\n")
PRC_UNDERSCORED = PRC_CSV.replace(b"Financial Year", b"Financial_Year").replace(
    b"Offence Code", b"Offence_Code").replace(b"Number of Offences", b"Number_of_Offences")


def make_archive(*months: str) -> bytes:
    """A data.police.uk-style zip of the hand-written fixture months (plus a Dorset file)."""
    import io

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for month in months:
            for p in sorted((FIX / "basic" / month).glob("*.csv")):
                zf.write(p, f"{month}/{p.name}")
            zf.writestr(f"{month}/{month}-dorset-street.csv", "Crime ID,Month\n")
    return buf.getvalue()


class Handler(http.server.BaseHTTPRequestHandler):
    """Routes:
    /files/<name>            200 with the body in server.files
    /flaky/<n>/<name>        503 for the first n requests of that path, then the file
    /always503/<name>        503 every time
    /truncate/<name>         headers promise the full length, half the body, then hang up
    /slow/<name>             sleeps past the client's time-out
    /missing                 404
    """

    def log_message(self, *args):  # keep test output quiet
        pass

    def _send(self, body: bytes, status: int = 200, length: int | None = None):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):  # noqa: N802 - http.server API
        srv = self.server
        with srv.lock:
            srv.hits[self.path] = srv.hits.get(self.path, 0) + 1
            hit = srv.hits[self.path]
        parts = self.path.strip("/").split("/")
        kind, name = parts[0], parts[-1]
        body = srv.files.get(name)
        if kind == "files" and body is not None:
            self._send(body)
        elif kind == "flaky" and body is not None:
            if hit <= int(parts[1]):
                self._send(b"busy", 503)
            else:
                self._send(body)
        elif kind == "always503":
            self._send(b"busy", 503)
        elif kind == "truncate" and body is not None:
            self._send(body[: len(body) // 2], length=len(body))
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        elif kind == "drip" and body is not None:
            # headers at once, then one byte every 0.1 s (each read beats any socket time-out)
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                for i in range(len(body)):
                    if srv.release.is_set():
                        break
                    self.wfile.write(body[i:i + 1])
                    self.wfile.flush()
                    time.sleep(0.1)
            except OSError:
                pass
        elif kind == "redirect":
            self.send_response(302)
            self.send_header("Location", "ftp://127.0.0.1/x.csv" if name == "ftp" else f"/files/{name}")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif kind == "retryafter" and body is not None:
            # /retryafter/<n>/<header value>/<name>: 503 + Retry-After for the first n hits
            if hit <= int(parts[1]):
                value = urllib.parse.unquote(parts[2])
                self.send_response(503)
                self.send_header("Retry-After", value)
                self.send_header("Content-Length", "4")
                self.end_headers()
                self.wfile.write(b"busy")
            else:
                self._send(body)
        elif kind == "slow":
            srv.release.wait(2)
            self._send(b"late")
        else:
            self._send(b"not found", 404)


@pytest.fixture
def server():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    srv.hits, srv.lock, srv.release = {}, threading.Lock(), threading.Event()
    srv.files = {
        "data.csv": PAYLOAD,
        "prc.csv": PRC_CSV,
        "prc_underscored.csv": PRC_UNDERSCORED,
        "page.html": b"<!DOCTYPE html><html><body>Police recorded crime tables</body></html>",
        "2020-01.zip": make_archive("2020-01"),
        "2020-03.zip": make_archive("2020-03"),
        "2020-12.zip": make_archive("2020-01", "2020-02", "2020-03"),
        "broken.zip": b"PK\x03\x04 this is not really a zip",
    }
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    srv.url = f"http://127.0.0.1:{srv.server_address[1]}"
    yield srv
    srv.release.set()
    srv.shutdown()
    srv.server_close()


@pytest.fixture
def no_sleep(monkeypatch):
    delays: list[float] = []
    monkeypatch.setattr(dl.time, "sleep", delays.append)
    return delays


def leftovers(folder: Path) -> list[str]:
    """Every file in folder except the manifest (temp files included)."""
    return sorted(p.name for p in folder.rglob("*") if p.is_file() and p.name != MANIFEST_NAME)


# --------------------------------------------------------------------------- download_file


def test_download_records_checksum_in_manifest(server, tmp_path):
    dest = tmp_path / "sub" / "data.csv"
    rec = download_file(f"{server.url}/files/data.csv", dest, sha256=PAYLOAD_SHA.upper())
    assert dest.read_bytes() == PAYLOAD
    assert (rec.sha256, rec.size, rec.attempts, rec.reused) == (PAYLOAD_SHA, 5015, 1, False)
    manifest = json.loads((tmp_path / "sub" / MANIFEST_NAME).read_text())
    assert manifest["files"]["data.csv"]["sha256"] == PAYLOAD_SHA
    assert manifest["files"]["data.csv"]["url"].endswith("/files/data.csv")
    assert leftovers(tmp_path) == ["data.csv"]


def test_existing_verified_file_is_reused(server, tmp_path):
    dest = tmp_path / "data.csv"
    url = f"{server.url}/files/data.csv"
    download_file(url, dest)
    rec = download_file(url, dest)  # manifest knows the checksum for this URL
    assert rec.reused and rec.attempts == 0
    assert server.hits[f"/files/data.csv"] == 1
    dest.write_bytes(b"tampered")  # checksum no longer matches -> fetched again
    assert not download_file(url, dest).reused
    assert dest.read_bytes() == PAYLOAD and server.hits["/files/data.csv"] == 2


@pytest.mark.parametrize(
    "fails, retries, expect_ok, expected_delays",
    [
        # 2 failures, 3 retries: attempts 1, 2 fail -> sleeps 0.1, 0.2; attempt 3 succeeds
        pytest.param(2, 3, True, [0.1, 0.2], id="recovers"),
        # 3 failures, 3 retries: sleeps 0.1, 0.2, 0.4; attempt 4 succeeds
        pytest.param(3, 3, True, [0.1, 0.2, 0.4], id="recovers-on-last"),
        # 5 failures, 2 retries: 3 attempts all fail, sleeps 0.1, 0.2
        pytest.param(5, 2, False, [0.1, 0.2], id="gives-up"),
    ],
)
def test_retries_with_exponential_backoff(server, tmp_path, no_sleep, fails, retries, expect_ok, expected_delays):
    url = f"{server.url}/flaky/{fails}/data.csv"
    dest = tmp_path / "data.csv"
    if expect_ok:
        rec = download_file(url, dest, retries=retries, backoff=0.1)
        assert rec.attempts == fails + 1 and dest.read_bytes() == PAYLOAD
    else:
        with pytest.raises(DownloadError, match=r"after 3 attempt\(s\).*HTTP 503"):
            download_file(url, dest, retries=retries, backoff=0.1)
        assert leftovers(tmp_path) == []
    assert no_sleep == pytest.approx(expected_delays)
    assert server.hits[f"/flaky/{fails}/data.csv"] == len(expected_delays) + 1


def test_connection_dropped_mid_body_leaves_no_file(server, tmp_path, no_sleep):
    dest = tmp_path / "data.csv"
    with pytest.raises(DownloadError, match=r"got 2507 of 5015 bytes"):  # 5015 // 2 = 2507
        download_file(f"{server.url}/truncate/data.csv", dest, retries=1, backoff=0)
    assert server.hits["/truncate/data.csv"] == 2
    assert leftovers(tmp_path) == [] and not (tmp_path / MANIFEST_NAME).exists()


def test_truncated_download_keeps_previous_good_file(server, tmp_path, no_sleep):
    dest = tmp_path / "data.csv"
    dest.write_bytes(b"previous good copy")
    with pytest.raises(DownloadError):
        download_file(f"{server.url}/truncate/data.csv", dest, retries=0)
    assert dest.read_bytes() == b"previous good copy"
    assert leftovers(tmp_path) == ["data.csv"]


def test_checksum_mismatch(server, tmp_path, no_sleep):
    dest = tmp_path / "data.csv"
    wrong = "0" * 64
    with pytest.raises(DownloadError, match=f"expected SHA-256 {wrong} but the download has {PAYLOAD_SHA}"):
        download_file(f"{server.url}/files/data.csv", dest, sha256=wrong)
    assert leftovers(tmp_path) == []
    assert server.hits["/files/data.csv"] == 1  # a mismatch is not retried
    assert no_sleep == []


def test_unreachable_url_gives_offline_error(tmp_path, no_sleep):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens here now: connection refused
    url = f"http://127.0.0.1:{port}/data.csv"
    dest = tmp_path / "data.csv"
    with pytest.raises(DownloadError) as info:
        download_file(url, dest, retries=2, backoff=0.05)
    msg = str(info.value)
    assert url in msg and "cannot connect" in msg and f"place it at {dest}" in msg
    assert no_sleep == pytest.approx([0.05, 0.1])
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize(
    "path, kwargs, exc, pattern",
    [
        pytest.param("/missing", {}, DownloadError, "HTTP 404", id="404-not-retried"),
        pytest.param("/always503/x", {"retries": 0}, DownloadError, r"after 1 attempt", id="no-retries"),
        pytest.param("/slow/x", {"retries": 0, "timeout": 0.2}, DownloadError, "timed out|cannot connect",
                     id="timeout"),
    ],
)
def test_http_failures(server, tmp_path, no_sleep, path, kwargs, exc, pattern):
    with pytest.raises(exc, match=pattern):
        download_file(server.url + path, tmp_path / "x", **kwargs)
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize(
    "url, kwargs, pattern",
    [
        pytest.param("ftp://127.0.0.1/x", {}, "scheme 'ftp'", id="ftp"),
        pytest.param("file:///etc/hostname", {}, "scheme 'file'", id="file-not-allowed"),
        pytest.param("http://127.0.0.1:9/x", {"retries": -1}, "retries", id="negative-retries"),
        pytest.param("http://127.0.0.1:9/x", {"timeout": 0}, "timeout", id="zero-timeout"),
        pytest.param("http://127.0.0.1:9/x", {"sha256": "abc"}, "64-character", id="bad-sha"),
    ],
)
def test_bad_arguments(tmp_path, url, kwargs, pattern):
    with pytest.raises(ParameterError, match=pattern):
        download_file(url, tmp_path / "x", **kwargs)


def test_corrupt_manifest_is_reported(tmp_path):
    (tmp_path / MANIFEST_NAME).write_text("{not json")
    with pytest.raises(DataValidationError, match="not valid JSON"):
        read_manifest(tmp_path)


# --------------------------------------------------------------------------- PRC


@pytest.mark.parametrize(
    "name, ok",
    [
        pytest.param("prc.csv", True, id="official-names"),
        pytest.param("prc_underscored.csv", True, id="underscored-names"),
        pytest.param("page.html", False, id="html-landing-page"),
        pytest.param("data.csv", False, id="not-a-prc-table"),
    ],
)
def test_download_prc_table(server, tmp_path, name, ok):
    dest = tmp_path / "prc.csv"
    url = f"{server.url}/files/{name}"
    if ok:
        rec = download_prc_table(url, dest)
        assert dest.read_bytes() == server.files[name]
        assert read_manifest(tmp_path)["files"]["prc.csv"]["sha256"] == rec.sha256
    else:
        with pytest.raises(DownloadError, match=url):
            download_prc_table(url, dest)
        assert leftovers(tmp_path) == []


def test_prc_spreadsheet_needs_zip_signature(server, tmp_path):
    with pytest.raises(DownloadError, match="not a .xlsx spreadsheet"):
        download_prc_table(f"{server.url}/files/prc.csv", tmp_path / "prc.xlsx")
    assert leftovers(tmp_path) == []


# --------------------------------------------------------------------------- police.uk


def test_download_police_uk_extracts_only_chosen_forces(server, tmp_path):
    out = tmp_path / "police"
    res = download_police_uk("Warwickshire and West Mercia", ["2020-01", "2020-03"], out,
                             base_url=f"{server.url}/files")
    assert leftovers(out) == [
        "2020-01-warwickshire-street.csv", "2020-01-west-mercia-street.csv",
        "2020-03-warwickshire-street.csv", "2020-03-west-mercia-street.csv",
    ]  # no outcomes file, no Dorset file, archives deleted
    for rec in res.files:
        src = FIX / "basic" / rec.path.parent.name / rec.path.name
        assert rec.path.read_bytes() == src.read_bytes()
        assert read_manifest(out)["files"][f"{rec.path.parent.name}/{rec.path.name}"]["sha256"] == \
            hashlib.sha256(src.read_bytes()).hexdigest()
    assert res.missing == () and len(res.archives) == 2
    # the extracted folder loads: Warwickshire 2020-01 has 3 Other theft + 2 ASB (hand count)
    df = load_street_archive(out, forces="Warwickshire", end="2020-01")
    assert dict(zip(df["crime_type"], df["count"])) == {"Anti-social behaviour": 2, "Other theft": 3}

    # second run: every file present and verified -> no archive fetched again
    hits = dict(server.hits)
    again = download_police_uk(["Warwickshire", "West Mercia"], ["2020-01", "2020-03"], out,
                               base_url=f"{server.url}/files")
    assert server.hits == hits and all(r.reused for r in again.files) and again.archives == ()


def test_download_police_uk_reports_missing_force_month(server, tmp_path):
    # Warwickshire has no 2020-02 archive file in our fixtures; ask for Dorset + Kent in 2020-01:
    # the archive has a Dorset file but no Kent file
    res = download_police_uk(["Dorset", "Kent"], "2020-01", tmp_path, base_url=f"{server.url}/files",
                             keep_archives=True)
    assert res.missing == (("2020-01", "Kent"),)
    assert [p.name for p in sorted(tmp_path.rglob("*.csv"))] == ["2020-01-dorset-street.csv"]
    assert (tmp_path / ".archives" / "2020-01.zip").exists()


@pytest.mark.parametrize(
    "kwargs, exc, pattern",
    [
        pytest.param({"forces": "Kent", "months": "2020-01"}, DataValidationError, "none of the requested",
                     id="nothing-found"),
        pytest.param({"forces": "Dorset", "months": "2020-02"}, DownloadError, "HTTP 404", id="no-archive"),
        pytest.param({"forces": "Dorset", "months": "2020-01", "archive": "broken"}, ParameterError,
                     "YYYY-MM", id="bad-archive-month"),
        pytest.param({"forces": "Gotham", "months": "2020-01"}, ParameterError, "Gotham", id="bad-force"),
        pytest.param({"forces": "Dorset", "months": "Jan 2020"}, ParameterError, "YYYY-MM", id="bad-month"),
    ],
)
def test_download_police_uk_errors(server, tmp_path, kwargs, exc, pattern):
    with pytest.raises(exc, match=pattern):
        download_police_uk(dest_dir=tmp_path, base_url=f"{server.url}/files", **kwargs)
    assert list(tmp_path.rglob("*.csv")) == []


def test_download_police_uk_corrupt_archive(server, tmp_path):
    server.files["2021-01.zip"] = server.files["broken.zip"]
    with pytest.raises(DownloadError, match="not a valid zip"):
        download_police_uk("Dorset", "2021-01", tmp_path, base_url=f"{server.url}/files")
    assert leftovers(tmp_path) == []  # the bad archive is removed too


def test_download_police_uk_one_archive_for_many_months(server, tmp_path):
    res = download_police_uk("West Mercia", ["2020-01", "2020-02", "2020-03"], tmp_path,
                             base_url=f"{server.url}/files", archive="2020-12")
    assert [a.url.rsplit("/", 1)[1] for a in res.archives] == ["2020-12.zip"]
    assert sorted(p.name for p in tmp_path.rglob("*.csv")) == [
        "2020-01-west-mercia-street.csv", "2020-02-west-mercia-street.csv", "2020-03-west-mercia-street.csv"]
    assert res.missing == ()


# --------------------------------------------------------------------------- hostile servers (issue 12)


def test_dripping_server_cannot_beat_the_deadline(server, tmp_path):
    server.files["drip.csv"] = b"x" * 200  # 200 bytes at 10 bytes/s would take 20 s
    t0 = time.monotonic()
    with pytest.raises(DownloadError, match="deadline"):
        download_file(f"{server.url}/drip/drip.csv", tmp_path / "d.csv", timeout=1, deadline=1.0,
                      retries=2, backoff=0)
    elapsed = time.monotonic() - t0
    assert elapsed < 3.0  # the 1 s deadline, not the 20 s drip
    assert leftovers(tmp_path) == []


def test_redirect_to_ftp_is_refused(server, tmp_path, no_sleep):
    with pytest.raises(DownloadError, match="not an http"):
        download_file(f"{server.url}/redirect/ftp", tmp_path / "x.csv")
    assert no_sleep == []  # refused, not retried
    assert leftovers(tmp_path) == []


def test_final_url_after_redirect_is_recorded(server, tmp_path):
    url = f"{server.url}/redirect/data.csv"
    rec = download_file(url, tmp_path / "data.csv")
    assert rec.url == url and rec.final_url == f"{server.url}/files/data.csv"
    entry = read_manifest(tmp_path)["files"]["data.csv"]
    assert entry["final_url"] == f"{server.url}/files/data.csv" and entry["url"] == url


@pytest.mark.parametrize(
    "header, kwargs, expected",
    [
        pytest.param("3", {}, [3.0], id="seconds"),
        pytest.param("9999", {"max_retry_after": 5}, [5.0], id="capped"),
        pytest.param("soon", {}, [0.1], id="unparsable-falls-back-to-backoff"),
        pytest.param("0", {}, [0.1], id="zero-keeps-backoff"),
    ],
)
def test_retry_after_is_honoured(server, tmp_path, no_sleep, header, kwargs, expected):
    url = f"{server.url}/retryafter/1/{urllib.parse.quote(header)}/data.csv"
    rec = download_file(url, tmp_path / "data.csv", backoff=0.1, **kwargs)
    assert rec.attempts == 2
    assert no_sleep == pytest.approx(expected)


def test_retry_after_http_date(server, tmp_path, no_sleep):
    import email.utils

    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    url = f"{server.url}/retryafter/1/{urllib.parse.quote(when)}/data.csv"
    download_file(url, tmp_path / "data.csv", backoff=0.1)
    assert len(no_sleep) == 1 and 28 <= no_sleep[0] <= 31


def test_retry_after_beyond_deadline_gives_up_at_once(server, tmp_path, no_sleep):
    url = f"{server.url}/retryafter/5/100/data.csv"
    with pytest.raises(DownloadError, match="deadline"):
        download_file(url, tmp_path / "data.csv", deadline=10, max_retry_after=200)
    assert no_sleep == []
    assert server.hits[f"/retryafter/5/100/data.csv"] == 1


def test_max_bytes(server, tmp_path):
    with pytest.raises(DownloadError, match="max_bytes"):
        download_file(f"{server.url}/files/data.csv", tmp_path / "data.csv", max_bytes=100)
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("kwargs", [pytest.param({"deadline": 0}, id="deadline-zero"),
                                    pytest.param({"deadline": float("inf")}, id="deadline-inf"),
                                    pytest.param({"max_bytes": 0}, id="max-bytes-zero")])
def test_bad_guard_arguments(tmp_path, kwargs):
    with pytest.raises(ParameterError):
        download_file("http://127.0.0.1:9/x.csv", tmp_path / "x.csv", **kwargs)


def _zip_of(members: dict[str, bytes]) -> bytes:
    import io

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name, body in members.items():
            zf.writestr(name, body)
    return buf.getvalue()


def test_extract_by_full_path_right_member_wins(server, tmp_path):
    current, stale = b"Crime ID,Month\nnew,2020-01\n", b"Crime ID,Month\nold,2019-12\n"
    # the stale copy comes later in the zip, so a basename-keyed dict would pick it
    server.files["2020-01.zip"] = _zip_of({"2020-01/2020-01-dorset-street.csv": current,
                                           "old/2020-01-dorset-street.csv": stale})
    download_police_uk("Dorset", "2020-01", tmp_path, base_url=f"{server.url}/files")
    assert (tmp_path / "2020-01" / "2020-01-dorset-street.csv").read_bytes() == current


def test_extract_two_candidates_is_an_error(server, tmp_path):
    server.files["2020-01.zip"] = _zip_of({"a/2020-01/2020-01-dorset-street.csv": b"Crime ID\n",
                                           "b/2020-01/2020-01-dorset-street.csv": b"Crime ID\n"})
    with pytest.raises(DownloadError, match="refusing to guess"):
        download_police_uk("Dorset", "2020-01", tmp_path, base_url=f"{server.url}/files")
    assert not (tmp_path / "2020-01").exists()


@pytest.mark.parametrize(
    "kwargs, pattern",
    [
        pytest.param({}, "ratio", id="ratio-cap"),
        pytest.param({"max_member_bytes": 1000, "max_ratio": 1e9}, "max_member_bytes", id="size-cap"),
    ],
)
def test_zip_bomb_member_is_not_extracted(server, tmp_path, kwargs, pattern):
    bomb = b"Crime ID,Month\n" + b",2020-01\n" * 300_000  # 2.7 MB of one line: ratio >> 200
    server.files["2020-01.zip"] = _zip_of({"2020-01/2020-01-dorset-street.csv": bomb})
    with pytest.raises(DownloadError, match=pattern):
        download_police_uk("Dorset", "2020-01", tmp_path, base_url=f"{server.url}/files", **kwargs)
    assert not (tmp_path / "2020-01" / "2020-01-dorset-street.csv").exists()


# --------------------------------------------------------------------------- official releases


RELEASES_HEADER = "name,source,url,filename,publisher,licence,title\n"


def _releases(tmp_path: Path, body: str) -> Path:
    p = tmp_path / "releases.csv"
    p.write_text(RELEASES_HEADER + body)
    return p


ODS_BYTES = _zip_of({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<x/>"})


def test_fetch_official_releases_from_local_server(server, tmp_path):
    server.files["rec.csv"] = b"a,b\n1,2\n"
    server.files["wf.ods"] = ODS_BYTES
    rel = _releases(tmp_path, "rolling,home_office,https://example.invalid/rec.csv,rec.csv,Home Office,OGL v3,R\n"
                              "workforce,workforce,https://example.invalid/wf.ods,wf.ods,Home Office,OGL v3,W\n")
    out = tmp_path / "raw"
    recs = fetch_official_releases(out, base_url=f"{server.url}/files", releases=rel)
    day = recs[0].path.name[len("rec-fetched-"):-len(".csv")]
    assert [r.path.relative_to(out).as_posix() for r in recs] == [f"home_office/rec-fetched-{day}.csv",
                                                                  f"workforce/wf-fetched-{day}.ods"]
    assert recs[0].sha256 == hashlib.sha256(b"a,b\n1,2\n").hexdigest()
    entry = read_manifest(out / "home_office")["files"][f"rec-fetched-{day}.csv"]
    assert entry["release"] == "rolling" and entry["publisher"] == "Home Office"
    assert entry["licence"] == "OGL v3" and entry["final_url"] == f"{server.url}/files/rec.csv"
    # again: reused from the manifest, no new request
    again = fetch_official_releases(out, sources="home_office", base_url=f"{server.url}/files", releases=rel)
    assert [r.reused for r in again] == [True] and server.hits["/files/rec.csv"] == 1


def test_fetch_official_releases_offline_is_a_clear_error(tmp_path, no_sleep):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once the block ends: nothing listens
    with pytest.raises(DownloadError, match="release 'rolling_pfa'.*could not download.*place it at"):
        fetch_official_releases(tmp_path, sources="rolling_pfa", base_url=f"http://127.0.0.1:{port}",
                                retries=1)
    assert leftovers(tmp_path) == []


def test_fetch_official_releases_rejects_html(server, tmp_path):
    server.files["rec.csv"] = b"<!DOCTYPE html><html>landing page</html>"
    rel = _releases(tmp_path, "rolling,home_office,https://example.invalid/rec.csv,rec.csv,HO,OGL,R\n")
    with pytest.raises(DownloadError, match="HTML page"):
        fetch_official_releases(tmp_path / "raw", base_url=f"{server.url}/files", releases=rel)
    assert leftovers(tmp_path / "raw") == [] and not list((tmp_path / "raw").rglob("rec*.csv"))


def test_fetch_unknown_source_is_a_parameter_error(tmp_path):
    with pytest.raises(ParameterError, match="rolling_pfa"):
        fetch_official_releases(tmp_path, sources="no_such_release")


def test_shipped_release_list_is_valid():
    import csv as _csv

    with open(dl.OFFICIAL_RELEASES_CSV, newline="", encoding="utf-8") as fh:
        plain = list(_csv.DictReader(fh))
    got = read_official_releases()
    assert [r["name"] for r in got] == [r["name"] for r in plain]
    assert {r["name"] for r in got} >= {"rolling_pfa", "prc_quarterly", "workforce_open_data",
                                        "population_lad", "css_force_group"}


@pytest.mark.parametrize(
    "body, column",
    [
        pytest.param("a,x,https://h/f.csv,f.csv,P,L,T\na,y,https://h/g.csv,g.csv,P,L,T\n", "name", id="duplicate-name"),
        pytest.param("a,x,ftp://h/f.csv,f.csv,P,L,T\n", "url", id="ftp-url"),
        pytest.param("a,x,https://h/f.csv,../f.csv,P,L,T\n", "filename", id="path-in-filename"),
        pytest.param("a,x,https://h/f.csv,f.csv,,L,T\n", "publisher", id="blank-publisher"),
    ],
)
def test_bad_release_lists(tmp_path, body, column):
    with pytest.raises(DataValidationError) as ei:
        read_official_releases(_releases(tmp_path, body))
    assert ei.value.column == column


# --------------------------------------------------------------------------- issue 21: a fetch cannot destroy data


@pytest.mark.parametrize("body, pattern", [
    pytest.param(b"Service temporarily unavailable\n", "not a CSV header", id="plain-text"),
    pytest.param(b'{"error": "rate limited"}', "JSON", id="json"),
    pytest.param(b"\xef\xbb\xbf<html><body>moved</body></html>", "HTML page", id="bom-html"),
    pytest.param(b"<!-- cached --><!DOCTYPE html><html></html>", "HTML page", id="comment-first"),
    pytest.param(b"  <head><title>Error</title></head>", "HTML page", id="bare-head"),
    pytest.param(b"\x00\x01\x02binary,junk\n", "binary data", id="binary"),
])
def test_fetch_refuses_bodies_that_are_not_a_csv(server, tmp_path, body, pattern):
    server.files["rec-crime-pfa.csv"] = body
    with pytest.raises(DownloadError, match=pattern):
        fetch_official_releases(tmp_path, sources="rolling_pfa", base_url=f"{server.url}/files")
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("body, pattern", [
    pytest.param(b"PK\x03\x04" + b"\x00" * 23, "not a readable .ods file", id="27-byte-pk"),
    pytest.param(_zip_of({"readme.txt": b"hello"}), "not a .ods workbook", id="zip-without-content"),
])
def test_fetch_refuses_a_pk_file_that_is_not_an_ods(server, tmp_path, body, pattern):
    assert len(b"PK\x03\x04" + b"\x00" * 23) == 27
    server.files["prc-pfa-mar2013-onwards-tables.ods"] = body
    with pytest.raises(DownloadError, match=pattern):
        fetch_official_releases(tmp_path, sources="prc_quarterly", base_url=f"{server.url}/files")
    assert leftovers(tmp_path) == []


def test_fetch_never_overwrites_the_shipped_file_and_force_refetches(server, tmp_path):
    from alliance_analysis import paths

    shipped = tmp_path / "home_office" / "rec-crime-pfa.csv"
    shipped.parent.mkdir(parents=True)
    shipped.write_bytes(paths.HO_ROLLING_PFA.read_bytes())
    before = shipped.read_bytes()
    server.files["rec-crime-pfa.csv"] = b"Sorry, this service is down for maintenance."  # 44 bytes of error text
    with pytest.raises(DownloadError):
        fetch_official_releases(tmp_path, sources="rolling_pfa", base_url=f"{server.url}/files")
    assert shipped.read_bytes() == before
    server.files["rec-crime-pfa.csv"] = (b"12 months ending,PFA,Region,Offence,Rolling year total number of offences\n"
                                         b"31-03-2016,Dorset,South West,Robbery,10\n")
    rec = fetch_official_releases(tmp_path, sources="rolling_pfa", base_url=f"{server.url}/files")[0]
    assert rec.path != shipped and rec.path.name.startswith("rec-crime-pfa-fetched-")
    assert shipped.read_bytes() == before
    again = fetch_official_releases(tmp_path, sources="rolling_pfa", base_url=f"{server.url}/files")[0]
    assert again.reused and server.hits["/files/rec-crime-pfa.csv"] == 2
    forced = fetch_official_releases(tmp_path, sources="rolling_pfa", base_url=f"{server.url}/files", force=True)[0]
    assert not forced.reused and server.hits["/files/rec-crime-pfa.csv"] == 3


def test_fetch_size_cap_and_expected_checksum(server, tmp_path):
    server.files["big.csv"] = b"a,b\n" + b"1,2\n" * 1000
    rel = _releases(tmp_path, "big,home_office,https://example.invalid/big.csv,big.csv,HO,OGL,B\n")
    with pytest.raises(DownloadError, match="max_bytes=1,000"):
        fetch_official_releases(tmp_path / "raw", base_url=f"{server.url}/files", releases=rel, max_bytes=1000)
    p = tmp_path / "sums.csv"
    p.write_text(RELEASES_HEADER.rstrip("\n") + ",sha256\n"
                 "big,home_office,https://example.invalid/big.csv,big.csv,HO,OGL,B," + "0" * 64 + "\n")
    with pytest.raises(DownloadError, match="checksum mismatch"):
        fetch_official_releases(tmp_path / "raw", base_url=f"{server.url}/files", releases=p)
    assert leftovers(tmp_path / "raw") == []


def test_fetch_cli_options():
    from alliance_analysis.cli import build_parser

    args = build_parser().parse_args(["data", "fetch", "--force", "--deadline", "30", "--max-mb", "50"])
    assert (args.force, args.deadline, args.max_mb) == (True, 30, 50)
    with pytest.raises(SystemExit):
        build_parser().parse_args(["data", "fetch", "--deadline", "0"])


def test_undated_copy_never_wins_as_newest(tmp_path):
    from alliance_analysis import build, paths

    home = tmp_path / "home_office"
    home.mkdir()
    (home / "rec-crime-pfa.csv").write_bytes(paths.HO_ROLLING_PFA.read_bytes())  # registered: 2019-04-25
    (home / "rec-crime-pfa-copy.csv").write_text("fake\n")  # no date in its name, modified today
    r = build.find_releases(tmp_path)
    chosen = r[r["selected"] & (r["source"] == "rolling_pfa")]
    assert chosen["path"].map(lambda p: p.name).tolist() == ["rec-crime-pfa.csv"]
    (home / "rec-crime-pfa-fetched-2026-01-02.csv").write_text("fetched\n")  # a dated fetch does win
    r = build.find_releases(tmp_path)
    assert r.loc[r["selected"] & (r["source"] == "rolling_pfa"), "release"].tolist() == ["2026-01-02"]


SIGTERM_SCRIPT = r'''
import http.server, sys, threading, time
from alliance_analysis.datasets.download import fetch_official_releases

class Drip(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", str(10_000_000))
        self.end_headers()
        self.wfile.write(b"a,b\n")
        for _ in range(10_000):
            self.wfile.write(b"1,2\n" * 256)
            self.wfile.flush()
            time.sleep(0.02)
    def log_message(self, *a):
        pass

srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Drip)
srv.daemon_threads = True
threading.Thread(target=srv.serve_forever, daemon=True).start()
fetch_official_releases(sys.argv[1], sources="rolling_pfa", base_url=f"http://127.0.0.1:{srv.server_port}",
                        retries=0, deadline=60)
'''


def test_sigterm_during_fetch_leaves_no_tmp(tmp_path):
    import signal
    import subprocess
    import sys

    script = tmp_path / "drip.py"
    script.write_text(SIGTERM_SCRIPT)
    dest = tmp_path / "raw"
    proc = subprocess.Popen([sys.executable, str(script), str(dest)], stderr=subprocess.PIPE)
    try:
        for _ in range(300):  # up to 30 s for the interpreter to start and the first bytes to land
            if list(dest.rglob("*.tmp")):
                break
            time.sleep(0.1)
        assert list(dest.rglob("*.tmp")), "the fetch never started"
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 128 + signal.SIGTERM
    assert list(dest.rglob("*.tmp")) == [] and not list(dest.rglob("*.csv"))
