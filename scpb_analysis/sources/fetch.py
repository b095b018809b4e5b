"""Download the public sources into a data folder, with checksums and a provenance file.

The sources are listed in one config file, ``scpb_analysis/reference/sources.toml`` (each
source's id, title, publisher, licence, URL, destination path and, where the exact published
bytes are known, SHA-256). :func:`fetch_sources` downloads them into a data folder laid out
like ``../shared/data``, refuses a download whose checksum differs from the one expected, or
that is not what the source publishes (an error page, a cut-short or emptied file, the wrong
table, a worse copy than the one already there), and writes ``provenance.json`` beside them:
one entry per file (where it came from, under what licence, its SHA-256 and size), sorted by
id and without timestamps, so that fetching the same files again writes the same bytes.

Point ``base_url`` at a mirror laid out like the data folder (a shared drive served over HTTP,
a team cache) to fetch from there instead: every file's address becomes
``base_url + "/" + mirror_path`` (``mirror_path`` defaults to ``path``). Earlier MPS releases
that the London Datastore no longer serves are listed as ``archived`` sources for this use.
"""

from __future__ import annotations

import csv
import fnmatch
import hashlib
import http.client
import io
import json
import os
import re
import sys
import tempfile
import tomllib
import urllib.error
import urllib.parse
import urllib.request
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path, PurePosixPath, PureWindowsPath

from tqdm import tqdm

from scpb_analysis.sources.files import BINARY_SIGNATURES, column_key

__all__ = [
    "PROVENANCE_FILE",
    "Source",
    "FetchResult",
    "FetchError",
    "ChecksumMismatchError",
    "load_sources",
    "fetch_sources",
]

PROVENANCE_FILE = "provenance.json"

_CHUNK = 1 << 20
_SCHEMES = ("http", "https")
_FIELDS = ("id", "title", "publisher", "licence", "url", "path", "sha256", "mirror_path",
           "member", "page", "archived", "header", "min_bytes", "max_bytes", "min_rows")
_INTEGERS = ("min_bytes", "max_bytes", "min_rows")
_REQUIRED = ("id", "title", "publisher", "licence", "url", "path")
_ID = re.compile(r"[a-z0-9][a-z0-9._-]*")
_SHA256 = re.compile(r"[0-9a-f]{64}")
# Some publishers turn away urllib's default agent; say who is asking instead.
_USER_AGENT = "scpb_analysis/0.1 (scpb fetch; Python urllib)"
# A new download is "worse" than the copy it would replace when it has fewer months, or fewer
# than this share of its rows or bytes: a publisher's restructure has cut rows by a third
# (MPS borough files, 2024), a cut-short or emptied file loses far more.
_SHRINK = 0.5
_MONTH_COLUMN = re.compile(r"\d{6}")
_SQLITE = b"SQLite format 3\x00"
_HTML_START = re.compile(rb"\s*<(?:!doctype|html|head|body|\?xml|!--)", re.I)


class FetchError(Exception):
    """A source could not be downloaded (HTTP error, no connection, wrong content).

    ``source_id``, ``url`` and ``reason`` say which, from where and why; when several sources
    failed, ``errors`` holds one error for each. ``result`` is the :class:`FetchResult` of the
    run, so the files that were fetched can still be reported.

    Examples
    --------
    >>> err = FetchError.for_source("census", "http://example.org/c.zip", "HTTP 404 Not Found")
    >>> str(err)
    'census: could not download http://example.org/c.zip: HTTP 404 Not Found'
    """

    def __init__(self, message: str, *, source_id: str | None = None, url: str | None = None,
                 reason: str | None = None) -> None:
        super().__init__(message)
        self.source_id = source_id
        self.url = url
        self.reason = reason
        self.errors: list[FetchError] = [self]
        self.result: FetchResult | None = None

    @classmethod
    def for_source(cls, source_id: str, url: str, reason: str) -> FetchError:
        """The error for one source, with the standard message."""
        return cls(f"{source_id}: could not download {url}: {reason}", source_id=source_id,
                   url=url, reason=reason)


class ChecksumMismatchError(FetchError, ValueError):
    """A downloaded file's SHA-256 is not the one ``sources.toml`` expects; it was not saved.

    Examples
    --------
    >>> err = ChecksumMismatchError("imd", "https://example.org/imd.xlsx", "ab" * 32, "cd" * 32)
    >>> print(err)
    imd: downloaded file's SHA-256 is abab...ab, expected cdcd...cd
    (from https://example.org/imd.xlsx); the file was not saved ... update sources.toml
    >>> isinstance(err, ValueError), isinstance(err, FetchError)
    (True, True)
    """

    def __init__(self, source_id: str, url: str, got: str, want: str) -> None:
        super().__init__(
            f"{source_id}: downloaded file's SHA-256 is {got}, expected {want} (from {url}); "
            "the file was not saved — the source may have been updated: check it and update "
            "sources.toml",
            source_id=source_id, url=url, reason="checksum mismatch",
        )
        self.got = got
        self.want = want


@dataclass(frozen=True)
class Source:
    """One downloadable file, as listed in ``sources.toml``.

    Attributes
    ----------
    id, title, publisher, licence : str
        Stable name, description, publisher and licence (recorded in ``provenance.json``).
    url : str
        Where the publisher serves the file (``http`` or ``https``).
    path : str
        Destination inside the data folder, relative, ``/``-separated.
    sha256 : str or None
        Expected SHA-256 of the saved file, where the exact published bytes are known.
    mirror_path : str
        The file's address under a mirror (``base_url``); defaults to ``path``.
    member : str or None
        When ``url`` is a zip archive: the file to take out of it. A mirror holds the file
        itself, so nothing is extracted when fetching from one.
    page : str or None
        The publisher's page for the data set, where a moved file can be found.
    archived : bool
        An earlier release the publisher no longer serves: fetched only when asked for by id
        (or pattern), in practice from a mirror.
    header : str or None
        For a CSV file: the columns it must start with, comma-separated, compared with case,
        spaces and ``_`` ignored; alternatives separated by ``|``
        (``"MajorText,MinorText,BoroughName|MajorText,MinorText,LookUp_BoroughName"``).
    min_bytes, max_bytes, min_rows : int or None
        The plausible size of the saved file and its least number of data rows: pinned for
        sources without a checksum, so an error page or a cut-short file is refused.

    Examples
    --------
    >>> s = Source(id="pop", title="Population", publisher="ONS", licence="OGL v3.0",
    ...            url="https://example.org/pop.csv", path="population/pop 2021.csv")
    >>> s.mirror_path
    'population/pop 2021.csv'
    >>> s.url_for("http://127.0.0.1:8000/mirror/")
    'http://127.0.0.1:8000/mirror/population/pop%202021.csv'
    >>> s.url_for(None)
    'https://example.org/pop.csv'
    """

    id: str
    title: str
    publisher: str
    licence: str
    url: str
    path: str
    sha256: str | None = None
    mirror_path: str = ""
    member: str | None = None
    page: str | None = None
    archived: bool = False
    header: str | None = None
    min_bytes: int | None = None
    max_bytes: int | None = None
    min_rows: int | None = None

    @property
    def kind(self) -> str:
        """What the saved file must be: ``csv``, ``zip`` (also ``.xlsx``), ``gpkg`` or ``any``.

        Examples
        --------
        >>> Source(id="a", title="", publisher="", licence="", url="https://x.org/a",
        ...        path="deprivation/imd.xlsx").kind
        'zip'
        """
        suffix = PurePosixPath(self.path).suffix.lower()
        return {".csv": "csv", ".zip": "zip", ".xlsx": "zip", ".gpkg": "gpkg"}.get(suffix, "any")

    def __post_init__(self) -> None:
        if not self.mirror_path:
            object.__setattr__(self, "mirror_path", self.path)

    def url_for(self, base_url: str | None = None) -> str:
        """The address to download from: ``url``, or ``mirror_path`` under ``base_url``."""
        if base_url is None:
            return self.url
        return base_url.rstrip("/") + "/" + urllib.parse.quote(self.mirror_path)


@dataclass
class FetchResult:
    """What :func:`fetch_sources` did: source ids fetched, skipped (already present and
    unchanged) and failed, and the provenance file written.

    Examples
    --------
    >>> print(FetchResult(["a"], ["b", "c"], [], Path("data/provenance.json")).summary())
    fetched 1, skipped 2 (already present and unchanged), failed 0;
    provenance: data/provenance.json
    """

    fetched: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    provenance: Path | None = None

    def summary(self) -> str:
        """One line for the end of a run."""
        return (f"fetched {len(self.fetched)}, skipped {len(self.skipped)} (already present and "
                f"unchanged), failed {len(self.failed)}; provenance: {self.provenance}")


# --- the config ----------------------------------------------------------------------------

def load_sources(config: str | Path | None = None) -> list[Source]:
    """Read and check the list of sources.

    Parameters
    ----------
    config : str or Path, optional
        A TOML file with one ``[[sources]]`` table per file; default: the packaged
        ``scpb_analysis/reference/sources.toml``.

    Returns
    -------
    list of Source
        In the order of the file.

    Raises
    ------
    ValueError
        Naming the source (and the file) when an id is repeated or malformed, a required field
        is missing, a field is unknown, a URL is not ``http``/``https``, a checksum is not 64
        hex digits, or a path is absolute or climbs out of the data folder (``..``).

    Examples
    --------
    >>> census = {s.id: s for s in load_sources()}["census2021-ts007a-lsoa"]
    >>> census.path, census.member
    ('population/census2021-ts007a-lsoa.csv', 'census2021-ts007a-lsoa.csv')
    >>> census.sha256[:12]
    '61b4601ca535'
    """
    if config is None:
        ref = resources.files("scpb_analysis.reference").joinpath("sources.toml")
        where, text = "sources.toml (packaged)", ref.read_text(encoding="utf-8")
    else:
        where, text = str(config), Path(config).read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{where}: not valid TOML: {exc}") from None
    tables = data.get("sources")
    if not isinstance(tables, list) or not tables:
        raise ValueError(f"{where}: expected one or more [[sources]] tables")
    sources = [_source(table, n, where) for n, table in enumerate(tables, start=1)]
    _check_unique(sources, where)
    return sources


def _source(table: object, n: int, where: str) -> Source:
    if not isinstance(table, dict):
        raise ValueError(f"{where}: [[sources]] entry {n} is not a table")
    sid = table.get("id")
    name = f"{where}: source {sid!r}" if sid else f"{where}: [[sources]] entry {n}"
    missing = [k for k in _REQUIRED if k not in table]
    if missing:
        raise ValueError(f"{name}: missing {', '.join(missing)}")
    unknown = sorted(set(table) - set(_FIELDS))
    if unknown:
        raise ValueError(f"{name}: unknown field(s) {', '.join(unknown)}; "
                         f"expected some of {', '.join(_FIELDS)}")
    for key, value in table.items():
        if key == "archived":
            if not isinstance(value, bool):
                raise ValueError(f"{name}: archived should be true or false")
        elif key in _INTEGERS:
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name}: {key} should be a whole number, not {value!r}")
        elif not isinstance(value, str):
            raise ValueError(f"{name}: {key} should be a string")
    if table.get("min_bytes", 0) > table.get("max_bytes", float("inf")):
        raise ValueError(f"{name}: min_bytes is more than max_bytes")
    if not _ID.fullmatch(sid):
        raise ValueError(f"{name}: an id is lower-case letters, digits, '.', '_' and '-'")
    _check_url(table["url"], f"{name}: url")
    if "page" in table:
        _check_url(table["page"], f"{name}: page")
    for key in ("path", "mirror_path"):
        if key in table:
            _check_relative(table[key], f"{name}: {key}")
    if table["path"] == PROVENANCE_FILE:
        raise ValueError(f"{name}: path {PROVENANCE_FILE} is where the provenance goes")
    sha = table.get("sha256")
    if sha is not None:
        sha = sha.strip().lower()
        if not _SHA256.fullmatch(sha):
            raise ValueError(f"{name}: sha256 should be 64 hexadecimal digits, not {sha!r}")
    return Source(**{**table, "sha256": sha})


def _check_url(url: str, what: str) -> None:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme.lower() not in _SCHEMES or not parts.netloc:
        raise ValueError(f"{what}: {url!r} is not an http or https address")


def _check_relative(path: str, what: str) -> None:
    pure = PurePosixPath(path)
    if (not path.strip() or "\\" in path or pure.is_absolute() or PureWindowsPath(path).drive
            or ".." in pure.parts or pure == PurePosixPath(".")):
        raise ValueError(f"{what}: {path!r} must be a relative path inside the data folder "
                         "(no leading '/', drive, '\\' or '..')")


def _check_unique(sources: list[Source], where: str) -> None:
    for key in ("id", "path"):
        seen: set[str] = set()
        for s in sources:
            value = getattr(s, key)
            if value in seen:
                raise ValueError(f"{where}: source {s.id!r}: {key} {value!r} is listed twice")
            seen.add(value)


def _select(sources: list[Source], ids: Iterable[str] | None) -> list[Source]:
    if ids is None:
        return [s for s in sources if not s.archived]
    if isinstance(ids, str):
        ids = [ids]
    wanted = list(ids)
    for pattern in wanted:
        if not any(fnmatch.fnmatchcase(s.id, pattern) for s in sources):
            raise ValueError(f"no source matches {pattern!r}; sources are: "
                             + ", ".join(s.id for s in sources))
    return [s for s in sources if any(fnmatch.fnmatchcase(s.id, p) for p in wanted)]


# --- fetching ------------------------------------------------------------------------------

def fetch_sources(
    data_dir: str | Path,
    *,
    ids: Iterable[str] | None = None,
    base_url: str | None = None,
    config: str | Path | None = None,
    force: bool = False,
    progress: bool = True,
    timeout: float = 60,
    allow_smaller: bool = False,
) -> FetchResult:
    """Download sources into ``data_dir``, check them and record their provenance.

    Each file is streamed to a temporary file beside its destination, hashed as it arrives,
    and moved into place only when complete and checked: where ``sources.toml`` gives a
    SHA-256, matching it; always, being what the source publishes (a CSV file with the expected
    header, every row whole and at least ``min_rows`` of them, not a web page or binary data; a
    readable zip archive or workbook; a GeoPackage), within any pinned ``min_bytes`` and
    ``max_bytes``, and complete (the ``Content-Length`` the server gave, or else a CSV file
    that parses to its end and ends with a line break). Without a checksum, a download with
    fewer months, or less than half the rows or bytes, of the good copy it would replace is
    refused unless ``allow_smaller``. So an interrupted, refused or worse download never
    replaces a good file, ``force`` or not. Redirects are followed only to ``http``/``https``
    addresses; the address the file finally came from is recorded as ``final_url`` when it
    differs from ``url``. A file
    already present whose SHA-256 matches (the expected one, or else the one recorded in
    ``provenance.json``) is skipped unless ``force``. ``data_dir/provenance.json`` is updated
    with one entry per file (id, title, publisher, licence, the URL actually used, path,
    sha256, bytes, and ``member`` when taken out of a zip archive), sorted by id, without
    timestamps.

    A failed source does not stop the others: every selected source is tried, the files that
    arrived are kept and recorded, and then the error is raised.

    Parameters
    ----------
    data_dir : str or Path
        The data folder (created if need be).
    ids : iterable of str, optional
        Source ids, or shell-style patterns such as ``"mps-borough-*"``, to fetch. Default:
        every source that is not ``archived``.
    base_url : str, optional
        A mirror laid out like the data folder: each file is fetched from
        ``base_url + "/" + mirror_path`` instead of the publisher's URL (and, for sources
        inside a zip archive, the mirror holds the file itself).
    config : str or Path, optional
        Another sources file (see :func:`load_sources`).
    force : bool
        Download even files already present and unchanged.
    progress : bool
        Show a progress bar per download (only when stderr is a terminal) and one line per
        source on stderr.
    timeout : float
        Seconds to wait for a server before giving up on a source.
    allow_smaller : bool
        Accept a download with fewer months, rows or bytes than the copy it replaces (when the
        publisher really did shrink the file).

    Returns
    -------
    FetchResult

    Raises
    ------
    ChecksumMismatchError
        A download's SHA-256 differs from the expected one (the file is not saved).
    FetchError
        A source could not be downloaded (its id, the URL and the reason are in the message);
        when several failed, one error listing them all. ``.result`` holds the run's result.
    ValueError
        An unknown id, a bad config, or a ``base_url`` that is not ``http``/``https``.

    Examples
    --------
    Only web addresses are fetched:

    >>> fetch_sources("data", base_url="file:///srv/mirror")
    Traceback (most recent call last):
    ...
    ValueError: base_url: 'file:///srv/mirror' is not an http or https address

    With internet access, or a mirror:

    >>> result = fetch_sources("data", ids=["mps-borough-recent"])  # doctest: +SKIP
    >>> result.fetched, result.provenance  # doctest: +SKIP
    (['mps-borough-recent'], PosixPath('data/provenance.json'))
    """
    sources = _select(load_sources(config), ids)
    if base_url is not None:
        _check_url(base_url, "base_url")
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    provenance = data_dir / PROVENANCE_FILE
    records = _read_provenance(provenance)
    result = FetchResult(provenance=provenance)
    errors: list[FetchError] = []
    bars = progress and _is_terminal(sys.stderr)
    # Check every destination before downloading anything.
    destinations = [_destination(data_dir, source) for source in sources]

    try:
        for source, dest in zip(sources, destinations, strict=True):
            if not force:
                kept = _unchanged(source, dest, records.get(source.id))
                if kept is not None:
                    records[source.id] = kept
                    result.skipped.append(source.id)
                    _say(progress, f"{source.id}: skipped, {source.path} is present and unchanged")
                    continue
            url = source.url_for(base_url)
            unzip = source.member if base_url is None else None
            try:
                records[source.id] = _fetch_one(source, url, dest, unzip=unzip, timeout=timeout,
                                                bar=bars, allow_smaller=allow_smaller)
            except FetchError as exc:
                errors.append(exc)
                result.failed.append(source.id)
                continue
            result.fetched.append(source.id)
            entry = records[source.id]
            _say(progress, f"{source.id}: saved {source.path} ({entry['bytes']:,} bytes, "
                           f"SHA-256 {entry['sha256'][:12]}…)")
    finally:
        # Also when interrupted (Ctrl-C): the files already moved into place are recorded.
        if records or provenance.exists():
            _write_provenance(provenance, records)
    if errors:
        raise _combined(errors, result)
    return result


def _combined(errors: list[FetchError], result: FetchResult) -> FetchError:
    if len(errors) == 1:
        error = errors[0]
    else:
        tried = len(errors) + len(result.fetched) + len(result.skipped)
        error = FetchError(f"{len(errors)} of {tried} sources failed:\n"
                           + "\n".join(f"  {e}" for e in errors))
        error.errors = errors
    error.result = result
    return error


def _destination(data_dir: Path, source: Source) -> Path:
    dest = data_dir / source.path
    # The config check forbids '..'; resolving also catches a symlinked folder leading out.
    if not dest.resolve().is_relative_to(data_dir.resolve()):
        raise ValueError(f"{source.id}: {source.path!r} leads outside the data folder {data_dir}")
    return dest


def _unchanged(source: Source, dest: Path, record: dict | None) -> dict | None:
    """The provenance entry to keep when ``dest`` is already the right file, else None."""
    if not dest.is_file():
        return None
    if source.sha256:
        want = source.sha256
    elif record and record.get("path") == source.path:
        want = record.get("sha256")
    else:
        return None
    digest, size = hash_file(dest)
    if digest != want:
        return None
    url = record["url"] if record and record.get("sha256") == digest else source.url
    entry = _entry(source, url, digest, size)
    for key in ("final_url", "member"):
        if record and record.get(key) and (key == "member" or record.get("sha256") == digest):
            entry[key] = record[key]
    return entry


def _fetch_one(source: Source, url: str, dest: Path, *, unzip: str | None, timeout: float,
               bar: bool, allow_smaller: bool = False) -> dict:
    _check_url(url, f"{source.id}: url")
    dest.parent.mkdir(parents=True, exist_ok=True)
    temps: list[Path] = []

    def temp() -> Path:
        # Beside the destination, so the final move is a rename on the same file system.
        fd, name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
        os.close(fd)
        temps.append(Path(name))
        return temps[-1]

    try:
        saved = temp()
        download = _download(source, url, saved, timeout=timeout, bar=bar)
        digest, size = download.digest, download.size
        final = download.final_url
        if unzip:
            _check_zip(source, final, saved)
            archive, saved = saved, temp()
            digest, size = _extract(source, final, archive, unzip, saved)
        if source.sha256 and digest != source.sha256:
            raise ChecksumMismatchError(source.id, final, digest, source.sha256)
        shape = _verify(source, final, saved, size, length_checked=download.length_checked
                        and not unzip)
        if not source.sha256 and not allow_smaller:
            _refuse_worse(source, final, dest, shape)
        os.replace(saved, dest)
    finally:
        for path in temps:
            path.unlink(missing_ok=True)
    entry = _entry(source, url, digest, size)
    if final != url:
        entry["final_url"] = final
    if unzip:
        entry["member"] = unzip
    return entry


@dataclass
class _Download:
    digest: str
    size: int
    final_url: str
    # True when the server said how long the body is and exactly that much arrived.
    length_checked: bool


class _RefusedRedirect(urllib.error.URLError):
    pass


class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
    """Follow redirects only to http(s): urllib would also follow one to ftp://."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        scheme = urllib.parse.urlsplit(newurl).scheme.lower()
        if scheme not in _SCHEMES:
            raise _RefusedRedirect(f"redirected (HTTP {code}) to {newurl}; only http and https "
                                   "addresses are followed")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _opener() -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(_HttpOnlyRedirects)


def _download(source: Source, url: str, target: Path, *, timeout: float,
              bar: bool) -> _Download:
    def failed(reason: str, where: str = url) -> FetchError:
        return FetchError.for_source(source.id, where, reason)

    request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT,
                                                   "Accept-Encoding": "identity"})
    try:
        response = _opener().open(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        exc.close()
        raise failed(f"HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        raise failed(str(exc.reason)) from None
    except (http.client.HTTPException, OSError) as exc:
        raise failed(f"{type(exc).__name__}: {exc}") from None

    digest = hashlib.sha256()
    size = received = 0
    with response:
        final = response.geturl()
        if urllib.parse.urlsplit(final).scheme.lower() not in _SCHEMES:
            raise failed(f"redirected to {final}")
        _refuse_web_page(source, final, response)
        length = _content_length(response)
        decoder = _decoder(source, final, response)
        with open(target, "wb") as out, tqdm(
            total=length, unit="B", unit_scale=True, unit_divisor=1024, desc=source.id,
            file=sys.stderr, disable=not bar, leave=False,
        ) as progress:
            while True:
                try:
                    chunk = response.read(_CHUNK)
                except (http.client.HTTPException, OSError) as exc:
                    raise failed(f"{type(exc).__name__} after {received:,} bytes: {exc}",
                                 final) from None
                if not chunk:
                    break
                received += len(chunk)
                progress.update(len(chunk))
                try:
                    data = decoder.decompress(chunk) if decoder else chunk
                except zlib.error as exc:
                    raise failed(f"the gzip-encoded body is corrupt ({exc})", final) from None
                out.write(data)
                digest.update(data)
                size += len(data)
    if length is not None and received != length:
        raise failed(f"the connection closed after {received:,} of {length:,} bytes", final)
    if decoder is not None and not decoder.eof:
        raise failed(f"the gzip-encoded body ends early (after {received:,} bytes)", final)
    return _Download(digest.hexdigest(), size, final, length is not None)


def _decoder(source: Source, url: str, response: http.client.HTTPResponse):
    # Asked for identity; a server that compresses anyway is decoded, so the file saved (and
    # hashed) is the file published, not its transfer encoding.
    encoding = (response.headers.get("Content-Encoding") or "identity").strip().lower()
    if encoding in ("identity", ""):
        return None
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    raise FetchError.for_source(source.id, url, f"the server sent the file in content encoding "
                                f"{encoding!r}; expected it plain or gzip-encoded")


def _content_length(response: http.client.HTTPResponse) -> int | None:
    try:
        return int(response.headers.get("Content-Length", ""))
    except ValueError:
        return None


def _refuse_web_page(source: Source, url: str, response: http.client.HTTPResponse) -> None:
    # A moved file often comes back as the portal's HTML page with status 200; saving that
    # under a .csv name would only fail later, far from the cause.
    kind = response.headers.get_content_type()
    if kind == "text/html" and not source.path.lower().endswith((".html", ".htm")):
        where = f"; find the file's current address at {source.page}" if source.page else ""
        raise FetchError.for_source(
            source.id, url, f"the server sent a web page, not the file (it may have moved{where})")


# --- checking what arrived -----------------------------------------------------------------

@dataclass(frozen=True)
class _Shape:
    """How much a file holds, to compare a new download with the copy it would replace."""

    size: int
    rows: int | None = None
    months: int | None = None

    def text(self) -> str:
        parts = [f"{self.size:,} bytes"]
        if self.rows is not None:
            parts.append(f"{self.rows:,} rows")
        if self.months:
            parts.append(f"{self.months} months")
        return ", ".join(parts)


def _expected(source: Source) -> str:
    if source.kind == "csv":
        if not source.header:
            return "a CSV file"
        return "a CSV file with columns starting " + " or ".join(source.header.split("|"))
    if source.kind == "zip":
        return ("an Excel workbook (.xlsx)" if source.path.lower().endswith(".xlsx")
                else "a zip archive")
    if source.kind == "gpkg":
        return "a GeoPackage (SQLite) file"
    return "the published file"


def _verify(source: Source, url: str, path: Path, size: int, *,
            length_checked: bool) -> _Shape:
    """Refuse a download that is not what ``source`` publishes; return its shape."""
    def refuse(reason: str) -> FetchError:
        return FetchError.for_source(source.id, url, f"{reason}; expected {_expected(source)}; "
                                     "nothing was saved")

    if size == 0:
        raise refuse("the server sent an empty file (0 bytes)")
    with open(path, "rb") as handle:
        head = handle.read(4096)
    if _HTML_START.match(head.removeprefix(b"\xef\xbb\xbf")):
        where = f" (the file may have moved; see {source.page})" if source.page else ""
        raise refuse(f"the server sent a web page (HTML), not the file{where}")
    shape = _Shape(size)
    if source.kind == "csv":
        shape = _check_csv(source, path, size, length_checked=length_checked, refuse=refuse)
    elif source.kind == "zip":
        _check_zip(source, url, path)
        if source.path.lower().endswith(".xlsx"):
            with zipfile.ZipFile(path) as zf:
                if "[Content_Types].xml" not in zf.namelist():
                    raise refuse("the zip archive is not an Excel workbook")
    elif source.kind == "gpkg" and not head.startswith(_SQLITE):
        raise refuse("the file does not start with the SQLite signature")
    if source.min_bytes is not None and size < source.min_bytes:
        raise refuse(f"the file has {size:,} bytes, fewer than the {source.min_bytes:,} pinned "
                     "in sources.toml")
    if source.max_bytes is not None and size > source.max_bytes:
        raise refuse(f"the file has {size:,} bytes, more than the {source.max_bytes:,} pinned "
                     "in sources.toml")
    return shape


def _check_csv(source: Source, path: Path, size: int, *, length_checked: bool,
               refuse) -> _Shape:
    raw = path.read_bytes()
    for signature, what in BINARY_SIGNATURES:
        if raw.startswith(signature):
            raise refuse(f"the file is not text (it looks like {what})")
    if b"\x00" in raw[:65536]:
        raise refuse("the file is not text (it contains binary data)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    try:
        rows = [row for row in csv.reader(io.StringIO(text, newline=""), strict=True) if row]
    except csv.Error as exc:
        raise refuse(f"the file does not parse as CSV to its end ({exc}); it may be cut "
                     "short") from None
    if not rows:
        raise refuse("the file holds no rows")
    header = rows[0]
    if source.header:
        alternatives = [[column_key(c) for c in alt.split(",")] for alt in source.header.split("|")]
        if not any([column_key(c) for c in header[:len(want)]] == want for want in alternatives):
            longest = max(len(want) for want in alternatives)
            raise refuse(f"the header starts {','.join(header[:longest])[:200]!r}")
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise refuse(f"row {number:,} has {len(row)} fields, the header {len(header)} (the "
                         "file may be cut short)")
    if not length_checked and not text.endswith(("\n", "\r")):
        # Without a Content-Length nothing else says the last row arrived whole.
        raise refuse("the file does not end with a line break and the server did not say its "
                     "length, so the last row may be cut short")
    data_rows = len(rows) - 1
    least = source.min_rows if source.min_rows is not None else 1
    if data_rows < least:
        raise refuse(f"the file has {data_rows:,} data rows, fewer than the {least:,} expected")
    months = sum(1 for c in header if _MONTH_COLUMN.fullmatch(c.strip()))
    return _Shape(size, data_rows, months)


def _check_zip(source: Source, url: str, path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as zf:
            bad = zf.testzip()
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
        raise FetchError.for_source(source.id, url, f"not a readable zip archive ({exc}); "
                                    f"expected {_expected(source)}; nothing was saved") from None
    if bad is not None:
        raise FetchError.for_source(source.id, url, f"the zip archive is corrupt ({bad!r} fails "
                                    "its check); nothing was saved")


def _refuse_worse(source: Source, url: str, dest: Path, new: _Shape) -> None:
    """Refuse a download smaller or shorter than the good copy it would replace."""
    if not dest.is_file():
        return
    size = dest.stat().st_size
    try:
        old = _verify(source, url, dest, size, length_checked=True)
    except FetchError:
        return  # the copy in place is not good either: nothing worth keeping
    worse = []
    if old.months and (new.months or 0) < old.months:
        worse.append("fewer months")
    if old.rows and (new.rows or 0) < _SHRINK * old.rows:
        worse.append("far fewer rows")
    if new.size < _SHRINK * old.size:
        worse.append("far fewer bytes")
    if worse:
        raise FetchError.for_source(
            source.id, url,
            f"the new download ({new.text()}) has {' and '.join(worse)} than the copy already "
            f"in {source.path} ({old.text()}); the copy was kept. If the publisher really "
            "shrank the file, fetch again with --allow-smaller (allow_smaller=True)")


def _extract(source: Source, url: str, archive: Path, member: str,
             target: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    try:
        with zipfile.ZipFile(archive) as zf:
            if member not in zf.namelist():
                names = ", ".join(zf.namelist()[:10])
                raise FetchError.for_source(
                    source.id, url, f"the archive has no {member!r} (it has: {names})")
            with zf.open(member) as src, open(target, "wb") as out:
                while chunk := src.read(_CHUNK):
                    out.write(chunk)
                    digest.update(chunk)
                    size += len(chunk)
    except zipfile.BadZipFile as exc:
        raise FetchError.for_source(source.id, url, f"not a zip archive ({exc})") from None
    return digest.hexdigest(), size


def hash_file(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


# --- provenance ----------------------------------------------------------------------------

def _entry(source: Source, url: str, digest: str, size: int) -> dict:
    return {"id": source.id, "title": source.title, "publisher": source.publisher,
            "licence": source.licence, "url": url, "path": source.path, "sha256": digest,
            "bytes": size}


def _read_provenance(path: Path) -> dict[str, dict]:
    if not path.exists():
        return {}
    try:
        files = json.loads(path.read_text(encoding="utf-8"))["files"]
        return {entry["id"]: entry for entry in files}
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{path}: not a provenance file written by scpb fetch ({exc}); "
                         "move it aside and fetch again") from None


def _write_provenance(path: Path, records: dict[str, dict]) -> None:
    text = json.dumps({"files": [records[k] for k in sorted(records)]}, indent=2,
                      ensure_ascii=False) + "\n"
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(name, path)
    finally:
        Path(name).unlink(missing_ok=True)


def _is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _say(enabled: bool, text: str) -> None:
    if enabled:
        tqdm.write(text, file=sys.stderr)
