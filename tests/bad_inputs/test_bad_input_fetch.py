"""Bad-input corpus, family ``fetch``: what a server sends is checked before it is saved.

Each case serves one response from a loopback server (copies of the synthetic demo MPS files,
made in ``tmp_path``) and says its outcome: ``correct`` (the file saved is the published file,
provenance records it) or ``error`` (a :class:`~scpb_analysis.sources.fetch.FetchError` naming the
source id, the URL and what was expected; nothing saved, a good copy already in place left as
it was, ``provenance.json`` unchanged, no temporary file left behind).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import threading
import time
import urllib.request
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from bad_input import CORRECT, ERROR, Case, params

from scpb_analysis.cli import main
from scpb_analysis.sources.fetch import PROVENANCE_FILE, FetchError, fetch_sources

OLD = "mps/borough/to-202307/MPS Borough Level Crime (Historical)_201804-202107.csv"
NEW = "mps/borough/to-202502/MPS Borough Level Crime (Historical)_201804-202302.csv"
WARD = "mps/ward/MPS Ward Level Crime (most recent 24 months)_202303-202502_wards2022.csv"
DEST = "mps/borough/latest/MPS Borough Level Crime (Historical).csv"
SID = "mps-borough-historical"
HEADER = "MajorText,MinorText,BoroughName|MajorText,MinorText,LookUp_BoroughName"
HTML = (b"<!DOCTYPE html>\n<html><head><title>Page not found</title></head>"
        b"<body><h1>London Datastore</h1><p>This file has moved.</p></body></html>\n")


def _cut_rows(text: bytes, keep: int) -> bytes:
    return b"".join(text.splitlines(keepends=True)[:keep + 1])


def _zip(name: str, body: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(name, body)
    return buffer.getvalue()


def _corrupt_zip(name: str, body: bytes) -> bytes:
    data = bytearray(_zip(name, body))
    middle = len(data) // 2
    data[middle:middle + 64] = b"\x00" * 64  # the compressed stream, not the directory
    return bytes(data)


# Each case: ``serve(files) -> response``, where ``files`` maps OLD/NEW/WARD to their bytes and a
# response is a dict of status, headers, body and a delivery ``mode``; ``existing`` is the file
# already fetched into place (by a good run) before the case's run.
CASES = [
    Case("fetch", "html-served-as-text-csv", ERROR, {
        "serve": lambda f: {"body": HTML, "type": "text/csv"}, "expect": "web page (HTML)"}),
    Case("fetch", "html-error-page-status-200", ERROR, {
        "serve": lambda f: {"body": HTML, "type": "text/html"}, "expect": "web page"}),
    Case("fetch", "html-after-blank-lines-and-bom", ERROR, {
        "serve": lambda f: {"body": b"\xef\xbb\xbf\r\n\n  <html><body>Error</body></html>",
                            "type": "application/octet-stream"},
        "expect": "web page (HTML)"}),
    Case("fetch", "html-replacing-a-good-copy-with-force", ERROR, {
        "existing": NEW, "force": True,
        "serve": lambda f: {"body": HTML, "type": "text/csv"}, "expect": "web page (HTML)"}),
    Case("fetch", "truncated-with-content-length", ERROR, {
        "serve": lambda f: {"body": f[NEW], "mode": "truncate_cl"},
        "expect": "connection closed after"}),
    Case("fetch", "truncated-mid-row-without-content-length", ERROR, {
        "serve": lambda f: {"body": f[NEW][: len(f[NEW]) // 2], "mode": "no_length"},
        "expect": "cut short"}),
    Case("fetch", "truncated-at-a-row-end-without-content-length", ERROR, {
        "serve": lambda f: {"body": _cut_rows(f[NEW], 40), "mode": "no_length"},
        "expect": "fewer than the 100 expected"}),
    Case("fetch", "truncated-inside-a-quoted-field", ERROR, {
        "serve": lambda f: {"body": f[NEW] + b'"Violence, Against', "mode": "no_length"},
        "expect": "does not parse as CSV to its end"}),
    Case("fetch", "ragged-row-in-the-middle", ERROR, {
        "serve": lambda f: {"body": f[NEW].replace(b"\n", b"\nextra,cells\n", 1)},
        "expect": "row 2 has 2 fields"}),
    Case("fetch", "redirect-to-another-http-path", CORRECT, {
        "serve": lambda f: {"status": 302, "location": "/moved/good.csv"},
        "also": {"/moved/good.csv": lambda f: {"body": f[NEW]}}, "saved": NEW,
        "final": "/moved/good.csv"}),
    Case("fetch", "redirect-to-a-file-url", ERROR, {
        "serve": lambda f: {"status": 302, "location": "file:///etc/passwd"},
        "expect": "file:///etc/passwd"}),
    Case("fetch", "redirect-to-ftp", ERROR, {
        "serve": lambda f: {"status": 301, "location": "ftp://127.0.0.1/data.csv"},
        "expect": "only http and https addresses are followed"}),
    Case("fetch", "corrupted-zip-archive", ERROR, {
        "source": {"member": "historical.csv"},
        "serve": lambda f: {"body": _corrupt_zip("historical.csv", f[NEW]),
                            "type": "application/zip"},
        "expect": "zip archive"}),
    Case("fetch", "csv-where-a-zip-is-expected", ERROR, {
        "source": {"member": "historical.csv"}, "serve": lambda f: {"body": f[NEW]},
        "expect": "not a readable zip archive"}),
    Case("fetch", "csv-taken-from-a-good-zip", CORRECT, {
        "source": {"member": "historical.csv"},
        "serve": lambda f: {"body": _zip("historical.csv", f[NEW]), "type": "application/zip"},
        "saved": NEW}),
    Case("fetch", "wrong-header-another-table", ERROR, {
        "serve": lambda f: {"body": f[WARD]}, "expect": "header starts"}),
    Case("fetch", "empty-body", ERROR, {
        "serve": lambda f: {"body": b""}, "expect": "empty file (0 bytes)"}),
    Case("fetch", "binary-data-when-text-expected", ERROR, {
        "serve": lambda f: {"body": b"\x89PNG\r\n\x1a\n" + b"\x00" * 400},
        "expect": "not text"}),
    Case("fetch", "gzip-encoded-body", CORRECT, {
        "serve": lambda f: {"body": gzip.compress(f[NEW]), "encoding": "gzip"}, "saved": NEW}),
    Case("fetch", "gzip-bytes-without-an-encoding-header", ERROR, {
        "serve": lambda f: {"body": gzip.compress(f[NEW])}, "expect": "gzip archive"}),
    Case("fetch", "unsupported-content-encoding", ERROR, {
        "serve": lambda f: {"body": b"\x0b\x01\x80", "encoding": "br"},
        "expect": "content encoding 'br'"}),
    Case("fetch", "checksum-mismatch-keeps-the-good-copy", ERROR, {
        "existing": NEW, "force": True, "source": {"sha256": "0" * 64},
        "serve": lambda f: {"body": f[OLD]}, "expect": "SHA-256"}),
    Case("fetch", "http-404", ERROR, {
        "serve": lambda f: {"status": 404, "body": HTML, "type": "text/html"},
        "expect": "HTTP 404"}),
    Case("fetch", "http-500-keeps-the-good-copy", ERROR, {
        "existing": NEW, "force": True,
        "serve": lambda f: {"status": 500, "body": b"oops"}, "expect": "HTTP 500"}),
    Case("fetch", "slow-server-times-out", ERROR, {
        "serve": lambda f: {"body": f[NEW], "mode": "slow"}, "timeout": 0.3,
        "expect": "timed out"}),
    Case("fetch", "size-above-the-pinned-maximum", ERROR, {
        "source": {"max_bytes": 100_000}, "serve": lambda f: {"body": f[NEW]},
        "expect": "more than the 100,000 pinned"}),
    Case("fetch", "force-download-with-far-fewer-rows", ERROR, {
        "existing": NEW, "force": True, "serve": lambda f: {"body": _cut_rows(f[NEW], 300)},
        "expect": "far fewer rows"}),
    Case("fetch", "force-download-with-fewer-months", ERROR, {
        "existing": NEW, "force": True, "serve": lambda f: {"body": f[OLD]},
        "expect": "fewer months"}),
    Case("fetch", "fewer-months-explicitly-allowed", CORRECT, {
        "existing": NEW, "force": True, "allow_smaller": True,
        "serve": lambda f: {"body": f[OLD]}, "saved": OLD}),
    Case("fetch", "good-update-with-more-months", CORRECT, {
        "existing": OLD, "force": True, "serve": lambda f: {"body": f[NEW]}, "saved": NEW}),
]


class _Handler(BaseHTTPRequestHandler):
    """Serves ``server.routes[path](files)``; HTTP/1.0, so a closed connection ends a body."""

    def do_GET(self):  # noqa: N802 - the name http.server calls
        route = self.server.routes.get(self.path)
        if route is None:
            self.send_error(404)
            return
        spec = route(self.server.files)
        body = spec.get("body", b"")
        mode = spec.get("mode", "")
        if mode == "slow":
            time.sleep(1.5)
        self.send_response(spec.get("status", 200))
        self.send_header("Content-Type", spec.get("type", "text/csv"))
        if "location" in spec:
            self.send_header("Location", spec["location"])
        if "encoding" in spec:
            self.send_header("Content-Encoding", spec["encoding"])
        if mode != "no_length":
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body[: len(body) // 2] if mode == "truncate_cl" else body)
        except OSError:
            pass  # the client gave up (the slow case)

    def log_message(self, format, *args):  # keep test output clean
        pass


@pytest.fixture(scope="module")
def files(demo_dir) -> dict[str, bytes]:
    root = demo_dir.parent  # write_demo_data returns the demo folder's mps/
    return {rel: (root / rel).read_bytes() for rel in (OLD, NEW, WARD)}


@pytest.fixture
def server(files, monkeypatch):
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY",
                 "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("no_proxy", "*")
    real = urllib.request.OpenerDirector.open

    def loopback_only(self, request, *args, **kwargs):
        url = request.full_url if isinstance(request, urllib.request.Request) else request
        assert url.startswith("http://127.0.0.1:"), f"a test tried to reach {url}"
        return real(self, request, *args, **kwargs)

    monkeypatch.setattr(urllib.request.OpenerDirector, "open", loopback_only)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    httpd.routes, httpd.files = {}, files
    httpd.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def _config(path: Path, url: str, **extra) -> Path:
    fields = {"id": SID, "title": "MPS Borough Level Crime (Historical)",
              "publisher": "Metropolitan Police Service", "licence": "Open Government Licence",
              "url": url, "path": DEST, "header": HEADER, "min_rows": 100, **extra}
    path.write_text("[[sources]]\n" + "".join(f"{k} = {json.dumps(v)}\n"
                                               for k, v in fields.items()), encoding="utf-8")
    return path


def _state(data: Path) -> tuple[bytes | None, bytes | None]:
    dest, provenance = data / DEST, data / PROVENANCE_FILE
    return (dest.read_bytes() if dest.exists() else None,
            provenance.read_bytes() if provenance.exists() else None)


@pytest.mark.parametrize("case", params(CASES))
def test_fetch_bad_input(case, server, files, tmp_path):
    data = tmp_path / "data"
    good_url = server.url + "/good.csv"
    if "existing" in case.data:
        server.routes["/good.csv"] = lambda f, rel=case.data["existing"]: {"body": f[rel]}
        fetch_sources(data, config=_config(tmp_path / "good.toml", good_url), progress=False)
        assert (data / DEST).read_bytes() == files[case.data["existing"]]
    before = _state(data)

    url = server.url + "/file.csv"
    server.routes["/file.csv"] = case.data["serve"]
    server.routes.update(case.data.get("also", {}))
    config = _config(tmp_path / "sources.toml", url, **case.data.get("source", {}))
    run = dict(config=config, progress=False, force=case.data.get("force", False),
               timeout=case.data.get("timeout", 10),
               allow_smaller=case.data.get("allow_smaller", False))

    if case.outcome == ERROR:
        with pytest.raises(FetchError) as info:
            fetch_sources(data, **run)
        message = str(info.value)
        assert SID in message and server.url in message, message
        assert case.data["expect"] in message, message
        assert "Traceback" not in message
        assert info.value.result.failed == [SID]
        assert _state(data) == before, "a refused download changed the data folder"
    else:
        result = fetch_sources(data, **run)
        assert result.fetched == [SID]
        saved = (data / DEST).read_bytes()
        assert saved == files[case.data["saved"]]
        entry = json.loads((data / PROVENANCE_FILE).read_text())["files"][0]
        assert entry["sha256"] == hashlib.sha256(saved).hexdigest()
        assert entry["bytes"] == len(saved) and entry["url"] == url
        if "final" in case.data:
            assert entry["final_url"] == server.url + case.data["final"]
        else:
            assert "final_url" not in entry
    assert not [p for p in tmp_path.rglob("*.part")], "a temporary download was left behind"


def test_scpb_fetch_refuses_a_worse_copy_with_exit_2_and_says_how_to_allow_it(
        server, files, tmp_path, capsys):
    data = tmp_path / "data"
    server.routes["/file.csv"] = lambda f: {"body": f[NEW]}
    config = _config(tmp_path / "sources.toml", server.url + "/file.csv")
    assert main(["fetch", "--data-dir", str(data), "--config", str(config)]) == 0
    server.routes["/file.csv"] = lambda f: {"body": f[OLD]}
    before = _state(data)
    assert main(["fetch", "--data-dir", str(data), "--config", str(config), "--force"]) == 2
    err = capsys.readouterr().err
    assert "fewer months" in err and "--allow-smaller" in err and SID in err
    assert _state(data) == before
    assert main(["fetch", "--data-dir", str(data), "--config", str(config), "--force",
                 "--allow-smaller"]) == 0
    assert (data / DEST).read_bytes() == files[OLD]


def test_ctrl_c_mid_download_keeps_what_arrived_and_records_it(server, files, tmp_path,
                                                                monkeypatch, capsys):
    from scpb_analysis.sources import fetch

    data = tmp_path / "data"
    server.routes["/file.csv"] = lambda f: {"body": f[NEW]}
    url = server.url + "/file.csv"
    config = tmp_path / "sources.toml"
    first = _config(tmp_path / "one.toml", url).read_text()
    second = first.replace(SID, "mps-borough-second").replace(
        DEST, "mps/borough/latest/second.csv")
    config.write_text(first + "\n" + second, encoding="utf-8")
    real = fetch._download

    def interrupted(source, url, target, **kwargs):
        if source.id == "mps-borough-second":
            target.write_bytes(files[NEW][:1000])  # part of the file had arrived
            raise KeyboardInterrupt
        return real(source, url, target, **kwargs)

    monkeypatch.setattr(fetch, "_download", interrupted)
    assert main(["fetch", "--data-dir", str(data), "--config", str(config)]) == 130
    err = capsys.readouterr().err
    assert err.splitlines()[-1].startswith("scpb: fetch interrupted") and "Traceback" not in err
    assert (data / DEST).read_bytes() == files[NEW]
    assert not (data / "mps/borough/latest/second.csv").exists()
    assert not list(tmp_path.rglob("*.part"))
    recorded = json.loads((data / PROVENANCE_FILE).read_text())["files"]
    assert [entry["id"] for entry in recorded] == [SID]
