"""scpb fetch: downloads from a loopback server serving copies of the real published files.

Nothing here leaves the machine: every download goes to a ``ThreadingHTTPServer`` on
127.0.0.1, proxies are bypassed, and ``urlopen`` is wrapped so that any other address fails the
test before a connection is made.
"""

from __future__ import annotations

import functools
import hashlib
import json
import shutil
import socket
import threading
import urllib.parse
import urllib.request
import zipfile
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import SHARED_DATA

from scpb_analysis.sources import fetch
from scpb_analysis.sources.fetch import (
    ChecksumMismatchError,
    FetchError,
    fetch_sources,
    load_sources,
)

RECENT = "mps/borough/to-202307/MPS Borough Level Crime (most recent 24 months)_202108-202307.csv"
HISTORICAL = "mps/borough/to-202307/MPS Borough Level Crime (Historical)_201004-202107.csv"
CENSUS = "population/census2021-ts007a-lsoa.csv"
CENSUS_ZIP = "archives/census2021-ts007a.zip"
PROVENANCE_KEYS = {"id", "title", "publisher", "licence", "url", "path", "sha256", "bytes"}
LOOPBACK = "http://127.0.0.1:"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def shared() -> Path:
    if not (SHARED_DATA / CENSUS).exists():
        pytest.skip(f"real public data not found at {SHARED_DATA}: these tests serve copies of "
                    "../shared/data (or $SCPB_SHARED_DATA) from a local server")
    return SHARED_DATA


@pytest.fixture(scope="module")
def mirror(shared, tmp_path_factory) -> Path:
    """A folder laid out like the data folder, plus the census zip and a stray web page."""
    root = tmp_path_factory.mktemp("mirror")
    for rel in (RECENT, HISTORICAL, CENSUS):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shared / rel, root / rel)
    (root / CENSUS_ZIP).parent.mkdir(parents=True)
    with zipfile.ZipFile(root / CENSUS_ZIP, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(shared / CENSUS, "census2021-ts007a-lsoa.csv")
        zf.writestr("census2021-ts007a-msoa.csv", "date,geography\n")
    (root / "moved.html").write_text("<html><body>This file has moved</body></html>\n")
    return root


class _Server:
    def __init__(self, directory: Path) -> None:
        requests: list[str] = []

        class Handler(SimpleHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the name http.server calls
                requests.append(self.path)
                super().do_GET()

            def log_message(self, format, *args):  # keep test output clean
                pass

        self.requests = requests
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0),
                                         functools.partial(Handler, directory=str(directory)))
        host, port = self.httpd.server_address[:2]
        self.url = f"http://{host}:{port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)


@pytest.fixture
def server(mirror, loopback_only):
    srv = _Server(mirror)
    yield srv
    srv.close()
    assert all(url.startswith(srv.url + "/") for url in loopback_only), loopback_only


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch):
    """Fail any request to an address other than 127.0.0.1, before it is made."""
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY",
                 "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("no_proxy", "*")
    monkeypatch.setenv("NO_PROXY", "*")
    requested: list[str] = []
    real = urllib.request.OpenerDirector.open

    # Every opener's open, so a redirect followed inside urllib is guarded too.
    def guarded(self, request, *args, **kwargs):
        url = request.full_url if isinstance(request, urllib.request.Request) else request
        requested.append(url)
        assert url.startswith(LOOPBACK), f"a test tried to reach {url}"
        return real(self, request, *args, **kwargs)

    monkeypatch.setattr(urllib.request.OpenerDirector, "open", guarded)
    return requested


def _toml_value(value) -> str:
    # JSON strings and booleans are valid TOML basic strings and booleans.
    return json.dumps(value, ensure_ascii=False)


def _config(path: Path, sources: list[dict]) -> Path:
    lines = []
    for source in sources:
        lines.append("[[sources]]")
        lines += [f"{key} = {_toml_value(value)}" for key, value in source.items()]
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _source(sid: str, url: str, path: str, **extra) -> dict:
    return {"id": sid, "title": f"Test source {sid}", "publisher": "Test publisher",
            "licence": "Open Government Licence v3.0", "url": url, "path": path, **extra}


def _url(server: _Server, rel: str) -> str:
    return f"{server.url}/{urllib.parse.quote(rel)}"


@pytest.fixture
def config(tmp_path, server, shared) -> Path:
    """Three real files with their real checksums, one of them inside a zip archive."""
    return _config(tmp_path / "sources.toml", [
        _source("mps-recent", _url(server, RECENT), RECENT, sha256=_sha256(shared / RECENT)),
        _source("mps-historical", _url(server, HISTORICAL), HISTORICAL,
                sha256=_sha256(shared / HISTORICAL)),
        _source("census", _url(server, CENSUS_ZIP), CENSUS, member="census2021-ts007a-lsoa.csv",
                sha256=_sha256(shared / CENSUS)),
    ])


def _no_partial_files(folder: Path) -> bool:
    return not [p for p in folder.rglob("*") if p.name.endswith(".part")]


# --- downloading ---------------------------------------------------------------------------

def test_files_reproduced_byte_for_byte(tmp_path, config, shared, server):
    data = tmp_path / "data"
    result = fetch_sources(data, config=config, progress=False)
    assert result.fetched == ["mps-recent", "mps-historical", "census"]
    assert result.skipped == [] and result.failed == []
    for rel in (RECENT, HISTORICAL, CENSUS):
        assert (data / rel).read_bytes() == (shared / rel).read_bytes(), rel
    assert _no_partial_files(data)
    assert sorted(server.requests) == sorted(
        "/" + urllib.parse.quote(rel) for rel in (RECENT, HISTORICAL, CENSUS_ZIP))


def test_provenance_records_each_file_without_timestamps(tmp_path, config, shared, server):
    data = tmp_path / "data"
    result = fetch_sources(data, config=config, progress=False)
    assert result.provenance == data / "provenance.json"
    text = result.provenance.read_text(encoding="utf-8")
    files = json.loads(text)["files"]
    assert [f["id"] for f in files] == ["census", "mps-historical", "mps-recent"]
    by_id = {f["id"]: f for f in files}
    for sid, rel in (("mps-recent", RECENT), ("mps-historical", HISTORICAL), ("census", CENSUS)):
        entry = by_id[sid]
        assert entry["sha256"] == hashlib.sha256((shared / rel).read_bytes()).hexdigest()
        assert entry["bytes"] == (shared / rel).stat().st_size
        assert entry["path"] == rel
        assert entry["licence"] == "Open Government Licence v3.0"
        assert entry["publisher"] == "Test publisher"
        assert entry["title"] == f"Test source {sid}"
    assert set(by_id["mps-recent"]) == PROVENANCE_KEYS
    assert by_id["mps-recent"]["url"] == _url(server, RECENT)
    assert set(by_id["census"]) == PROVENANCE_KEYS | {"member"}
    assert by_id["census"]["url"] == _url(server, CENSUS_ZIP)
    assert by_id["census"]["member"] == "census2021-ts007a-lsoa.csv"
    assert not any(word in text.lower() for word in ("time", "date", "fetched_at", "when"))
    # Deterministic: fetching everything again writes the same bytes.
    fetch_sources(data, config=config, progress=False, force=True)
    assert result.provenance.read_text(encoding="utf-8") == text


def test_base_url_fetches_from_a_mirror_laid_out_like_the_data_folder(tmp_path, shared, server):
    # The publisher addresses are never contacted: the loopback guard would fail the test.
    config = _config(tmp_path / "sources.toml", [
        _source("mps-recent", "https://data.london.gov.uk/download/x/recent.csv", RECENT,
                sha256=_sha256(shared / RECENT)),
        _source("census", "https://www.nomisweb.co.uk/output/census/2021/census2021-ts007a.zip",
                CENSUS, member="census2021-ts007a-lsoa.csv", sha256=_sha256(shared / CENSUS)),
        _source("renamed", "https://data.london.gov.uk/download/x/historical.csv",
                "mps/borough/latest/historical.csv", mirror_path=HISTORICAL),
    ])
    data = tmp_path / "data"
    result = fetch_sources(data, config=config, base_url=server.url + "/", progress=False)
    assert result.fetched == ["mps-recent", "census", "renamed"]
    assert (data / CENSUS).read_bytes() == (shared / CENSUS).read_bytes()
    assert (data / "mps/borough/latest/historical.csv").read_bytes() == \
        (shared / HISTORICAL).read_bytes()
    by_id = {f["id"]: f for f in json.loads(result.provenance.read_text())["files"]}
    assert by_id["census"]["url"] == _url(server, CENSUS)  # the file itself, not the zip
    assert "member" not in by_id["census"]
    assert by_id["renamed"]["url"] == _url(server, HISTORICAL)


def test_second_run_skips_unchanged_files(tmp_path, config, server, capsys):
    data = tmp_path / "data"
    fetch_sources(data, config=config, progress=False)
    served = len(server.requests)
    provenance = (data / "provenance.json").read_text()
    result = fetch_sources(data, config=config, progress=True)
    assert result.skipped == ["mps-recent", "mps-historical", "census"]
    assert result.fetched == [] and result.failed == []
    assert len(server.requests) == served  # nothing downloaded
    assert (data / "provenance.json").read_text() == provenance
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"mps-recent: skipped, {RECENT} is present and unchanged" in captured.err
    assert "fetched 0, skipped 3" in result.summary()


def test_changed_or_forced_files_are_fetched_again(tmp_path, config, shared, server):
    data = tmp_path / "data"
    fetch_sources(data, config=config, progress=False)
    (data / RECENT).write_bytes(b"edited by hand\n")
    result = fetch_sources(data, config=config, progress=False)
    assert result.fetched == ["mps-recent"]
    assert (data / RECENT).read_bytes() == (shared / RECENT).read_bytes()
    result = fetch_sources(data, config=config, ids=["mps-*"], progress=False, force=True)
    assert result.fetched == ["mps-recent", "mps-historical"]


def test_without_a_checksum_provenance_decides_what_is_unchanged(tmp_path, server, shared):
    config = _config(tmp_path / "sources.toml",
                     [_source("latest", _url(server, RECENT), "mps/latest.csv")])
    data = tmp_path / "data"
    assert fetch_sources(data, config=config, progress=False).fetched == ["latest"]
    entry = json.loads((data / "provenance.json").read_text())["files"][0]
    assert entry["sha256"] == _sha256(shared / RECENT)
    assert fetch_sources(data, config=config, progress=False).skipped == ["latest"]
    (data / "mps/latest.csv").write_bytes(b"truncated")
    assert fetch_sources(data, config=config, progress=False).fetched == ["latest"]


def test_wrong_checksum_is_refused_and_nothing_is_saved(tmp_path, server, shared):
    want = "0" * 64
    config = _config(tmp_path / "sources.toml",
                     [_source("mps-recent", _url(server, RECENT), RECENT, sha256=want)])
    data = tmp_path / "data"
    with pytest.raises(ChecksumMismatchError) as info:
        fetch_sources(data, config=config, progress=False)
    got, url = _sha256(shared / RECENT), _url(server, RECENT)
    assert str(info.value) == (
        f"mps-recent: downloaded file's SHA-256 is {got}, expected {want} (from {url}); the "
        "file was not saved — the source may have been updated: check it and update "
        "sources.toml")
    assert isinstance(info.value, ValueError)
    assert (info.value.got, info.value.want, info.value.source_id) == (got, want, "mps-recent")
    assert not (data / RECENT).exists()
    assert _no_partial_files(data)
    # A run that saved nothing leaves no provenance behind (not even an empty one).
    assert not (data / "provenance.json").exists()
    assert info.value.result.failed == ["mps-recent"]


def test_wrong_checksum_leaves_an_existing_file_untouched(tmp_path, server):
    config = _config(tmp_path / "sources.toml",
                     [_source("mps-recent", _url(server, RECENT), RECENT, sha256="a" * 64)])
    data = tmp_path / "data"
    older = b"MajorText,MinorText,LookUp_BoroughName,202306\nolder vintage,,Barnet,1\n"
    (data / RECENT).parent.mkdir(parents=True)
    (data / RECENT).write_bytes(older)
    with pytest.raises(ChecksumMismatchError):
        fetch_sources(data, config=config, progress=False)
    assert (data / RECENT).read_bytes() == older
    assert _no_partial_files(data)


def test_http_404_names_the_source_and_url_and_keeps_the_others(tmp_path, server, shared):
    missing = _url(server, "mps/borough/to-209912/not-published-yet.csv")
    config = _config(tmp_path / "sources.toml", [
        _source("mps-recent", _url(server, RECENT), RECENT),
        _source("not-there", missing, "mps/not-there.csv"),
        _source("mps-historical", _url(server, HISTORICAL), HISTORICAL),
    ])
    data = tmp_path / "data"
    with pytest.raises(FetchError) as info:
        fetch_sources(data, config=config, progress=False)
    err = info.value
    assert not isinstance(err, ChecksumMismatchError)
    assert str(err) == f"not-there: could not download {missing}: HTTP 404 File not found"
    assert (err.source_id, err.url) == ("not-there", missing)
    assert err.result.fetched == ["mps-recent", "mps-historical"]
    assert err.result.failed == ["not-there"]
    assert (data / HISTORICAL).read_bytes() == (shared / HISTORICAL).read_bytes()
    recorded = [f["id"] for f in json.loads((data / "provenance.json").read_text())["files"]]
    assert recorded == ["mps-historical", "mps-recent"]
    assert not (data / "mps/not-there.csv").exists()


def test_connection_refused_is_a_fetch_error(tmp_path, loopback_only):
    with socket.socket() as sock:  # a port nobody listens on once closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/file.csv"
    config = _config(tmp_path / "sources.toml", [_source("offline", url, "file.csv")])
    with pytest.raises(FetchError) as info:
        fetch_sources(tmp_path / "data", config=config, progress=False, timeout=5)
    assert str(info.value).startswith(f"offline: could not download {url}: ")
    assert "refused" in str(info.value).lower()
    assert loopback_only == [url]


def test_several_failures_are_listed_together(tmp_path, server):
    config = _config(tmp_path / "sources.toml", [
        _source("gone-1", _url(server, "gone-1.csv"), "gone-1.csv"),
        _source("gone-2", _url(server, "gone-2.csv"), "gone-2.csv"),
        _source("mps-recent", _url(server, RECENT), RECENT),
    ])
    with pytest.raises(FetchError) as info:
        fetch_sources(tmp_path / "data", config=config, progress=False)
    text = str(info.value)
    assert text.startswith("2 of 3 sources failed:")
    assert "gone-1: could not download" in text and "gone-2: could not download" in text
    assert [e.source_id for e in info.value.errors] == ["gone-1", "gone-2"]
    assert info.value.result.fetched == ["mps-recent"]


def test_a_web_page_instead_of_the_file_is_refused(tmp_path, server):
    page = "https://data.london.gov.uk/dataset/recorded_crime_summary"
    config = _config(tmp_path / "sources.toml",
                     [_source("moved", _url(server, "moved.html"), "mps/moved.csv", page=page)])
    with pytest.raises(FetchError, match="sent a web page, not the file") as info:
        fetch_sources(tmp_path / "data", config=config, progress=False)
    assert page in str(info.value)
    assert not (tmp_path / "data/mps/moved.csv").exists()


def test_missing_zip_member_is_a_fetch_error(tmp_path, server):
    config = _config(tmp_path / "sources.toml", [
        _source("census", _url(server, CENSUS_ZIP), CENSUS, member="census2021-ts007a-oa.csv")])
    with pytest.raises(FetchError, match="the archive has no 'census2021-ts007a-oa.csv'"):
        fetch_sources(tmp_path / "data", config=config, progress=False)
    assert _no_partial_files(tmp_path / "data")


def test_archived_sources_only_when_asked_for(tmp_path, server):
    config = _config(tmp_path / "sources.toml", [
        _source("current", _url(server, RECENT), "latest.csv"),
        _source("old-release", _url(server, HISTORICAL), HISTORICAL, archived=True),
    ])
    data = tmp_path / "data"
    assert fetch_sources(data, config=config, progress=False).fetched == ["current"]
    result = fetch_sources(data, config=config, ids=["old-*"], progress=False)
    assert result.fetched == ["old-release"]
    with pytest.raises(ValueError, match="no source matches 'nothing'"):
        fetch_sources(data, config=config, ids=["nothing"], progress=False)


def test_progress_goes_to_stderr(tmp_path, config, server, capsys, monkeypatch):
    monkeypatch.setattr(fetch, "_is_terminal", lambda stream: True)
    fetch_sources(tmp_path / "data", config=config, ids=["mps-recent"], progress=True)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "mps-recent: saved" in captured.err
    assert "B/s" in captured.err or "MB" in captured.err or "kB" in captured.err


# --- the config ----------------------------------------------------------------------------

def test_packaged_sources_load_and_their_checksums_are_real(shared):
    sources = load_sources()
    ids = [s.id for s in sources]
    assert len(ids) == len(set(ids))
    assert len({s.path for s in sources}) == len(sources)
    pinned = [s for s in sources if s.sha256]
    assert len(pinned) >= 10
    for source in pinned:
        copy = shared / source.path
        assert copy.exists(), f"{source.id}: no copy at {copy}"
        assert _sha256(copy) == source.sha256, source.id
    for source in sources:
        assert source.url.startswith("https://"), source.id
        assert source.title and source.publisher and source.licence
        assert "127.0.0.1" not in source.url
    assert {"mps-borough-recent", "census2021-ts007a-lsoa", "imd2019-file1",
            "lookup-lsoa21-ward24-lad24", "wards-2024-uk-ons", "lsoa-2021-ew-ons"} <= set(ids)
    assert all(s.sha256 for s in sources if s.archived)


def test_sources_without_a_checksum_are_pinned_and_every_published_copy_passes(shared):
    """Every current source without a checksum has a pinned header and size, the headers are
    layouts the MPS loader reads, and every real copy of that product passes its pins."""
    from scpb_analysis.sources.files import column_key
    from scpb_analysis.sources.mps import _WIDE_LAYOUTS

    layouts = {tuple(layout.keys) for layout in _WIDE_LAYOUTS}
    unpinned = [s for s in load_sources() if not s.sha256 and s.kind == "csv"]
    assert {s.id for s in unpinned} == {"mps-borough-recent", "mps-borough-historical",
                                        "mps-ward-recent"}
    for source in unpinned:
        assert source.header and source.min_bytes and source.max_bytes and source.min_rows
        for alternative in source.header.split("|"):
            assert tuple(column_key(c) for c in alternative.split(",")) in layouts, alternative
        product = "ward" if "ward" in source.id else "borough"
        recent = "recent" in source.id
        copies = [p for p in (shared / "mps" / product).rglob("*.csv")
                  if ("recent" in p.name or "FEB2022-FEB2024" in p.name) == recent
                  and "Historic_" not in p.name]
        assert copies, source.id
        for copy in copies:
            shape = fetch._verify(source, source.url, copy, copy.stat().st_size,
                                  length_checked=False)
            assert shape.rows >= source.min_rows and shape.months >= 24, copy.name


def test_a_download_that_is_not_what_the_path_says_is_refused(tmp_path, server):
    config = _config(tmp_path / "sources.toml", [
        _source("imd", _url(server, RECENT), "deprivation/imd.xlsx"),
        _source("wards", _url(server, RECENT), "boundaries/wards.gpkg")])
    with pytest.raises(FetchError) as info:
        fetch_sources(tmp_path / "data", config=config, progress=False)
    text = str(info.value)
    assert "imd: could not download" in text and "expected an Excel workbook (.xlsx)" in text
    assert "wards: could not download" in text and "expected a GeoPackage" in text
    assert not (tmp_path / "data" / "deprivation").exists() or not list(
        (tmp_path / "data" / "deprivation").iterdir())


@pytest.mark.parametrize("bad", ["../outside.csv", "mps/../../outside.csv", "/etc/passwd",
                                 "C:/data/x.csv", "..\\outside.csv", "", "."])
@pytest.mark.parametrize("key", ["path", "mirror_path"])
def test_paths_escaping_the_folder_are_refused(tmp_path, bad, key):
    fields = {"path": "ok.csv", key: bad}
    config = _config(tmp_path / "sources.toml",
                     [_source("escape", "https://example.org/x.csv", **fields)])
    with pytest.raises(ValueError, match=f"source 'escape': {key}"):
        load_sources(config)


def test_a_symlink_out_of_the_data_folder_is_refused(tmp_path, server):
    data, outside = tmp_path / "data", tmp_path / "outside"
    data.mkdir()
    outside.mkdir()
    (data / "mps").symlink_to(outside, target_is_directory=True)
    config = _config(tmp_path / "sources.toml",
                     [_source("sneaky", _url(server, RECENT), "mps/recent.csv")])
    with pytest.raises(ValueError, match="sneaky: 'mps/recent.csv' leads outside"):
        fetch_sources(data, config=config, progress=False)
    assert server.requests == [] and list(outside.iterdir()) == []


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/x.csv", "example.org/x"])
def test_only_http_and_https_urls(tmp_path, url):
    config = _config(tmp_path / "sources.toml", [_source("local", url, "x.csv")])
    with pytest.raises(ValueError, match="source 'local': url: .* is not an http or https"):
        load_sources(config)


def test_base_url_must_be_http(tmp_path, config):
    with pytest.raises(ValueError, match="base_url: 'file:///srv/mirror' is not an http"):
        fetch_sources(tmp_path / "data", config=config, base_url="file:///srv/mirror")
    assert not (tmp_path / "data").exists()


@pytest.mark.parametrize(("sources", "message"), [
    ([_source("twice", "https://e.org/a", "a.csv"), _source("twice", "https://e.org/b", "b.csv")],
     "source 'twice': id 'twice' is listed twice"),
    ([_source("a", "https://e.org/a", "same.csv"), _source("b", "https://e.org/b", "same.csv")],
     "source 'b': path 'same.csv' is listed twice"),
    ([_source("typo", "https://e.org/a", "a.csv", sha265="0" * 64)],
     "source 'typo': unknown field"),
    ([_source("short", "https://e.org/a", "a.csv", sha256="abc")],
     "source 'short': sha256 should be 64 hexadecimal digits"),
    ([{"id": "bare", "url": "https://e.org/a", "path": "a.csv"}],
     "source 'bare': missing title, publisher, licence"),
    ([_source("Upper Case", "https://e.org/a", "a.csv")], "an id is lower-case"),
])
def test_config_mistakes_are_named(tmp_path, sources, message):
    with pytest.raises(ValueError, match=message):
        load_sources(_config(tmp_path / "sources.toml", sources))


# --- the scpb fetch command ----------------------------------------------------------------

def test_scpb_fetch_command(tmp_path, config, shared, server, capsys):
    from scpb_analysis.cli import main

    data = tmp_path / "data"
    assert main(["fetch", "--data-dir", str(data), "--config", str(config)]) == 0
    assert capsys.readouterr().out.startswith("fetched 3, skipped 0")
    assert (data / RECENT).read_bytes() == (shared / RECENT).read_bytes()
    bad = _config(tmp_path / "bad.toml",
                  [_source("mps-recent", _url(server, RECENT), RECENT, sha256="0" * 64)])
    assert main(["fetch", "--data-dir", str(tmp_path / "other"), "--config", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "scpb: error: mps-recent: downloaded file's SHA-256 is" in err
    assert "fetched 0, skipped 0 (already present and unchanged), failed 1" in err
