"""police.uk points to ward x month x crime type counts, at scale.

:func:`ward_month_counts` does what a borough analyst does with ``pd.read_csv`` per file,
``pd.concat``, ``geopandas.sjoin(predicate="within")`` to wards and a ``groupby`` -- which
:func:`baseline_ward_month_counts` keeps as the reference -- and gives the same counts, more
than ten times faster (``scpb bench`` measures it):

* only ``Crime ID, Month, Longitude, Latitude, Crime type`` are converted (pyarrow's CSV
  reader; a re-sharer's Parquet copy is read as its CSV would be), files read in parallel
  threads while the ward index is built;
* repeated Crime IDs are found on 128-bit keys of the IDs (:func:`crime_id_keys`,
  :class:`SeenCrimeIds`), in a second thread while the rows are placed: a sort, not a table of
  strings; when the input is one batch only the IDs sharing a cheap screening value with
  another are keyed at all;
* a :class:`~scpb_analysis.geo.ward_index.WardIndex` places points with a grid lookup from their
  longitude and latitude, and tests exactly only the points near a boundary;
* counting is one ``np.bincount`` on integer codes per batch of rows
  (:class:`WardMonthTally`), so memory is bounded by the batch, not the input.

A point is counted in a ward when it lies *within* it (in its interior): a point exactly on a
ward boundary is in no ward, as with ``sjoin(predicate="within")``. Such points are counted in
:attr:`PointCounts.outside` and, separately, in :attr:`PointCounts.on_boundary`.
(:func:`scpb_analysis.geo.assign.assign_wards` instead gives a boundary point to the lowest ward
code; use it, not this, where each row's ward is wanted.)

Each crime is counted once. police.uk lists some crimes twice (the same ``Crime ID`` in a
month's file, differing only in the outcome), and a folder may hold a force file beside a
borough extract of it. With files in sorted path order and rows in file order, a row whose
``Crime ID`` (stripped of surrounding spaces) was seen before, in the same file or an earlier
one, is not counted: it is reported in :attr:`PointCounts.duplicates`, and per file as a
repeat from the same file or an earlier one. A blank ``Crime ID`` (anti-social behaviour) is
never a repeat. The validating loader applies the same rule, listing each repeat.

The validating loader's other rules (:mod:`scpb_analysis.sources.policeuk`) hold on every
path too: a file with the same rows as an earlier one is set aside whole (its anti-social
behaviour rows, which have no Crime ID, would otherwise count twice); rows falling within
another force than the file's and rows of a crime type police.uk does not publish are set
aside; crime types are counted as police.uk spells them, whatever the case or spacing.
:attr:`PointCounts.files` says per file what was set aside and why.

Rows are not dropped silently: ``rows_read = set_aside + duplicates + no_location + outside +
in a ward``. Files whose layout is not the plain police.uk one (other column order or
spelling, blank lines, repeated headers, quoted line breaks, impossible values, text
coordinates in a Parquet copy) are read by the validating loader
:func:`scpb_analysis.sources.policeuk.read_policeuk`, which sets aside empty rows with a
reason and raises :class:`~scpb_analysis.core.errors.InputDataError` naming the file, row and
column of a bad value.

For archives too big for memory see :mod:`scpb_analysis.geo.archive`; to run on a Dask cluster,
:mod:`scpb_analysis.geo.distributed`.
"""

from __future__ import annotations

import csv
import functools
import importlib.util
import os
import threading
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from scpb_analysis.core.errors import InputDataError
from scpb_analysis.geo.ward_index import Placement, WardIndex
from scpb_analysis.sources.files import column_key
from scpb_analysis.sources.policeuk import (
    GB_BOUNDS,
    MONTH_PATTERN,
    SOURCE_COLUMNS,
    ordinal_of_month,
    parquet_names,
    policeuk_files,
    read_policeuk_file,
    repeated_files,
    screen_rows,
    set_aside_summary,
)

__all__ = [
    "COUNT_COLUMNS",
    "PointCounts",
    "SeenCrimeIds",
    "WardIndex",
    "WardMonthTally",
    "ward_month_counts",
    "baseline_ward_month_counts",
    "crime_id_keys",
]

#: The columns of :attr:`PointCounts.counts`.
COUNT_COLUMNS = ["ward_code", "month", "crime_type", "count"]
FILE_COLUMNS = ["file", "rows_read", "rows_set_aside", "duplicates_same_file",
                 "duplicates_earlier_file", "no_location", "other_force", "unknown_crime_type",
                 "same_rows_as", "set_aside_why", "reader", "path"]
_NEEDED = ["Crime ID", "Month", "Longitude", "Latitude", "Crime type", "Falls within"]
_PUBLISHED = {column_key(c): c for c in SOURCE_COLUMNS}
_HEADER = ",".join(SOURCE_COLUMNS).encode()
# Rows gathered before they are placed and counted, and read ahead of the counting: bounds
# memory on very large inputs. Counting in small pieces while files are still being read
# was measured slower (the reading threads wait for the interpreter lock), so a batch is
# counted only when it is full or the files are all read.
_BATCH_ROWS = 2_000_000


@dataclass
class PointCounts:
    """Ward x month x crime type counts of police.uk points, with the row accounting.

    Attributes
    ----------
    counts : DataFrame
        ``ward_code, month (Period[M]), crime_type, count (int64)``, one row per combination
        with at least one point, sorted by ward code, month and crime type.
    rows_read : int
        Data rows in the files (header rows not counted). Every one is in exactly one of
        ``set_aside``, ``duplicates``, ``no_location``, ``outside`` and :attr:`in_wards`.
    no_location : int
        Rows police.uk gives no coordinates for (repeats apart): read, not placed, not
        counted.
    outside : int
        Rows with coordinates within no ward (outside the wards given, or exactly on a ward
        boundary: see ``on_boundary``).
    on_boundary : int
        Of ``outside``, the rows lying exactly on a ward's boundary.
    set_aside : int
        Rows read but not counted for a reason other than a repeated Crime ID: rows with
        nothing in them (blank lines, empty rows, repeated headers), rows falling within
        another force than the file's, rows of a crime type police.uk does not publish, and
        every row of a file repeating an earlier one (see
        :mod:`scpb_analysis.sources.policeuk`). ``files`` says which, per file.
    duplicates : int
        Rows repeating a ``Crime ID`` seen before, in the same file or an earlier one (files
        in sorted path order): read, not counted.
    files : DataFrame
        One row per file: ``file, rows_read, rows_set_aside, duplicates_same_file,
        duplicates_earlier_file, no_location, other_force, unknown_crime_type, same_rows_as,
        set_aside_why, reader ("fast", "fast-parquet" or "validating"), path``.
        ``other_force`` and ``unknown_crime_type`` are rows (of ``rows_set_aside``) of
        another force or an unknown crime type; ``same_rows_as`` names the earlier file a
        file repeats (all its rows set aside); ``set_aside_why`` says it in words ("3 rows
        falling within City of London Police (the file's force is Metropolitan Police
        Service)").
    """

    counts: pd.DataFrame
    rows_read: int
    no_location: int
    outside: int
    files: pd.DataFrame
    on_boundary: int = 0
    set_aside: int = 0
    duplicates: int = 0

    @property
    def other_force(self) -> int:
        """Rows set aside as falling within another force than their file's."""
        return int(self.files["other_force"].sum()) if "other_force" in self.files else 0

    @property
    def unknown_crime_type(self) -> int:
        """Rows set aside for a crime type police.uk does not publish."""
        return (int(self.files["unknown_crime_type"].sum())
                if "unknown_crime_type" in self.files else 0)

    @property
    def repeated_files(self) -> dict[str, str]:
        """Files set aside whole as repeating an earlier file: {file: earlier file}."""
        if "same_rows_as" not in self.files:
            return {}
        rows = self.files[self.files["same_rows_as"].fillna("") != ""]
        return dict(zip(rows["file"], rows["same_rows_as"], strict=True))

    @property
    def in_wards(self) -> int:
        """Rows counted in a ward (the counts' total when wards do not overlap)."""
        return (self.rows_read - self.set_aside - self.duplicates - self.no_location
                - self.outside)


# ---------------------------------------------------------------------------------------------
# Reading


@dataclass
class FileRows:
    """The columns counting needs of one file's data rows (empty rows set aside)."""

    path: Path
    month: np.ndarray  # period ordinals, int64
    type_code: np.ndarray  # into type_labels
    type_labels: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    ids: object  # the Crime IDs: Arrow text, blank as "" or null
    rows_read: int
    set_aside: int
    reader: str
    _keys: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
    # Of set_aside, what policeuk.screen_rows set aside: the file's force, other forces'
    # and unknown crime types' rows ({name: rows}); "same_rows_as" for a repeated file.
    report: dict | None = None

    def keys(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:func:`crime_id_keys` of the IDs, hashed when first asked for: not by the threads
        reading (numpy calls on one file's rows are too small to run two at once)."""
        if self._keys is None:
            self._keys = crime_id_keys(self.ids)
        return self._keys

    @property
    def key_hi(self) -> np.ndarray:
        return self.keys()[0]

    @property
    def key_lo(self) -> np.ndarray:
        return self.keys()[1]

    @property
    def has_id(self) -> np.ndarray:
        return self.keys()[2]

    def summary(self, same_file: int, earlier_file: int, no_location: int) -> dict:
        """The file's row of :attr:`PointCounts.files`, given its repeats and, of the rows
        counted, those without a location:
        ``rows_read = rows_set_aside + duplicates_* + no_location + outside + in wards``."""
        report = self.report or {"force": "", "other_force": {}, "unknown": {}}
        same_as = report.get("same_rows_as", "")
        why = (f"all {self.rows_read} rows: same rows as earlier file {same_as}" if same_as
               else set_aside_summary(report))
        empty = (self.set_aside - sum(report["other_force"].values())
                 - sum(report["unknown"].values())) if not same_as else 0
        if empty:
            why = "; ".join(filter(None, [why, empty_rows(empty)]))
        return {"file": self.path.name, "rows_read": self.rows_read,
                "rows_set_aside": self.set_aside, "duplicates_same_file": int(same_file),
                "duplicates_earlier_file": int(earlier_file), "no_location": int(no_location),
                "other_force": sum(report["other_force"].values()),
                "unknown_crime_type": sum(report["unknown"].values()),
                "same_rows_as": same_as, "set_aside_why": why,
                "reader": self.reader, "path": str(self.path)}

    def as_repeat_of(self, first: Path) -> FileRows:
        """This file's rows all set aside: it repeats ``first`` (still read, so its rows
        are counted as read)."""
        import pyarrow as pa

        empty = np.zeros(0, dtype=np.int64)
        return FileRows(path=self.path, month=empty, type_code=empty,
                         type_labels=np.zeros(0, dtype=object), lon=np.zeros(0),
                         lat=np.zeros(0), ids=pa.array([], type=pa.string()),
                         rows_read=self.rows_read, set_aside=self.rows_read,
                         reader=self.reader,
                         report={"force": (self.report or {}).get("force", ""),
                                 "other_force": {}, "unknown": {},
                                 "same_rows_as": first.name})


def empty_rows(n: int) -> str:
    """What the validating loader's empty rows are, for a file's ``set_aside_why``."""
    return (f"{n} empty row{'s' if n != 1 else ''} (blank lines, rows of no values or "
            "repeated header rows)")


@functools.cache
def _pyarrow():
    """pyarrow and the CSV reader's options for the plain layout, or None without pyarrow."""
    if importlib.util.find_spec("pyarrow") is None:
        return None
    import pyarrow as pa
    import pyarrow.csv as pacsv

    text = pa.dictionary(pa.int32(), pa.string())
    options = {
        # One block for a monthly file (a few MB): its columns are single arrays, not chunks.
        "read_options": pacsv.ReadOptions(use_threads=False, block_size=8 << 20),
        # Blank lines become empty rows, whose empty month sends the file to the loader.
        "parse_options": pacsv.ParseOptions(ignore_empty_lines=False),
        "convert_options": pacsv.ConvertOptions(
            include_columns=_NEEDED,
            # Crime IDs as bytes: no dictionary to build (nearly all are distinct), and
            # bytes convert faster than text; checked ASCII (else UTF-8) after.
            column_types={"Crime ID": pa.binary(), "Month": text, "Crime type": text,
                          "Falls within": text, "Longitude": pa.float64(),
                          "Latitude": pa.float64()}),
    }
    return pa, pacsv, options


def plain_header(path: Path) -> bool:
    """Whether the file starts with the police.uk header (BOM and quoting allowed)."""
    try:
        with open(path, "rb") as handle:
            first = handle.readline(4096)
    except OSError:
        return False  # the validating loader reports it
    first = first.removeprefix(b"\xef\xbb\xbf").rstrip(b"\r\n")
    if first == _HEADER:
        return True
    try:  # quoted names, say
        names = next(csv.reader([first.decode("utf-8")]), [])
    except (UnicodeDecodeError, csv.Error):
        return False
    return tuple(names) == SOURCE_COLUMNS


def _read_fast(path: Path) -> FileRows | None:
    """The plain police.uk layout read with pyarrow; None for anything else (or no pyarrow).

    Anything unusual (a blank line, an empty month or crime type, a bad month, a coordinate
    outside the UK or without its pair, Crime IDs that are not UTF-8) returns None, and the
    validating loader reads the file and names the row.
    """
    modules = _pyarrow()
    if modules is None:
        return None
    if path.suffix.lower() == ".parquet":
        return _read_fast_parquet(path)
    if not plain_header(path):
        return None
    pa, pacsv, options = modules
    try:
        table = pacsv.read_csv(path, **options)
    except (pa.ArrowException, ValueError, OSError):
        return None
    return _fast_rows(path, table["Month"], table["Crime type"], table["Longitude"],
                      table["Latitude"], table["Crime ID"], "fast", table["Falls within"])


def _read_fast_parquet(path: Path) -> FileRows | None:
    """A Parquet copy of a police.uk file, its columns named in any spelling; None if odd."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        names = parquet_names(path, pq.read_schema(path).names)
        table = pq.read_table(path, columns=[names[c] for c in _NEEDED])
    except Exception:  # not Parquet, or not police.uk's columns: the loader says which
        return None
    month, kind, force = (table[names[c]] for c in ("Month", "Crime type", "Falls within"))
    lon, lat = (table[names[c]] for c in ("Longitude", "Latitude"))
    if not all(pa.types.is_floating(c.type) for c in (lon, lat)):
        return None
    for values in (month, kind, force):
        if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)
                or pa.types.is_dictionary(values.type)):
            return None
    return _fast_rows(path, month, kind, lon, lat, table[names["Crime ID"]], "fast-parquet",
                      force)


def _fast_rows(path: Path, month, kind, lon, lat, crime_id, reader: str,
               force) -> FileRows | None:
    """Arrow columns checked and turned into :class:`FileRows`; None if anything is odd."""
    import pyarrow as pa

    month, kind = dictionary_columns(month), dictionary_columns(kind)
    if month.null_count or kind.null_count:
        return None
    try:
        ordinals = month_ordinals(month.dictionary.to_pylist())
    except InputDataError:
        return None
    labels = kind.dictionary.to_pylist()
    if any(not label.strip() for label in labels):
        return None
    lon_values = lon.to_numpy(zero_copy_only=False).astype(float, copy=False)
    lat_values = lat.to_numpy(zero_copy_only=False).astype(float, copy=False)
    missing = np.isnan(lon_values)  # empty cells become NaN
    if (lon.null_count != lat.null_count or np.count_nonzero(missing) != lon.null_count
            or not np.array_equal(missing, np.isnan(lat_values))):
        return None  # a coordinate without its pair, or a NaN written in the file
    for values, (low, high) in ((lon_values, GB_BOUNDS["Longitude"]),
                                (lat_values, GB_BOUNDS["Latitude"])):
        # fmin/fmax skip NaN (no location), so rows without one never fail the check.
        if np.fmin.reduce(values, initial=np.inf) < low or np.fmax.reduce(
                values, initial=-np.inf) > high:
            return None
    if isinstance(crime_id, pa.ChunkedArray):
        crime_id = crime_id.combine_chunks()
    if pa.types.is_dictionary(crime_id.type):
        crime_id = crime_id.cast(crime_id.type.value_type)
    if pa.types.is_binary(crime_id.type) and _ascii(crime_id):
        crime_id = crime_id.view(pa.string())  # police.uk's IDs: ASCII, so text as they are
    elif not (pa.types.is_string(crime_id.type) or pa.types.is_large_string(crime_id.type)
              or pa.types.is_null(crime_id.type)):
        try:
            crime_id = crime_id.cast(pa.string())
        except pa.ArrowInvalid:
            return None  # bytes that are not UTF-8: the loader decodes the file
    # Rows of another force or an unknown crime type: set aside here as the loader does.
    force = dictionary_columns(force)
    force_codes = force.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    type_code = kind.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    other, unknown, labels, report = screen_rows(path, force.dictionary.to_pylist(),
                                                  force_codes, labels, type_code)
    month_values = ordinals[month.indices.to_numpy()]
    drop = other | unknown
    if drop.any():
        keep = ~drop
        month_values, type_code = month_values[keep], type_code[keep]
        lon_values, lat_values = lon_values[keep], lat_values[keep]
        crime_id = crime_id.filter(pa.array(keep))
    return FileRows(
        path=path, month=month_values,
        type_code=type_code, type_labels=np.asarray(labels, dtype=object),
        lon=lon_values, lat=lat_values, ids=crime_id,
        rows_read=len(drop), set_aside=int(drop.sum()), reader=reader, report=report,
    )


def _ascii(values) -> bool:
    """Whether an Arrow binary array's bytes are all ASCII (a test on 8 bytes at a time)."""
    data = values.buffers()[2]
    if data is None:
        return True
    raw = np.frombuffer(data, dtype=np.uint8)
    whole = len(raw) // 8 * 8
    high = np.bitwise_or.reduce(raw[:whole].view(np.uint64)) if whole else np.uint64(0)
    return not (int(high) & 0x8080808080808080) and not (raw[whole:] & 0x80).any()


def dictionary_columns(values):
    """A text column as one Arrow dictionary array (CSV and Parquet give chunks or plain)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()  # unifies the chunks' dictionaries
    if not pa.types.is_dictionary(values.type):
        values = pc.dictionary_encode(values)
    return values


def _read_validating(path: Path) -> FileRows:
    """Any file the loader accepts, through the loader (which raises for bad values)."""
    import pyarrow as pa

    read = read_policeuk_file(path)
    points = read.points
    crime_type = points["crime_type"]
    if crime_type.isna().any():
        first = int(read.rows[int(np.flatnonzero(crime_type.isna().to_numpy())[0])])
        raise InputDataError(path, "the crime type is empty", row=first, column="Crime type",
                             expected="a police.uk crime type on every row, e.g. Burglary")
    codes, labels = pd.factorize(crime_type)
    return FileRows(
        path=path,
        month=pd.PeriodIndex(points["month"]).asi8.astype(np.int64),
        type_code=codes.astype(np.int64), type_labels=np.asarray(labels, dtype=object),
        lon=points["longitude"].to_numpy(dtype=float),
        lat=points["latitude"].to_numpy(dtype=float),
        ids=_one_array(pa.array(points["crime_id"], type=pa.string(), from_pandas=True)),
        rows_read=read.rows_read, set_aside=read.rows_read - len(points),
        reader="validating", report=read.report,
    )


def _one_array(values):
    """An Arrow array, its chunks joined (pandas' Arrow-backed text comes in chunks)."""
    import pyarrow as pa

    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def read_one(path: Path) -> FileRows:
    """One file's rows (their Crime IDs hashed when first asked for)."""
    return _read_fast(path) or _read_validating(path)


class _Prefetch:
    """Files read in order by ``workers`` threads, ahead of the caller up to ``budget`` rows.

    Reading starts on entering the ``with`` block, so the caller can do other work (build
    the ward index) while files are parsed; a new read starts whenever a thread is free and
    the rows read but not yet taken are under the budget, which bounds memory.
    """

    def __init__(self, files: list[Path], workers: int, budget: int = _BATCH_ROWS) -> None:
        self._files = iter(files)
        self._workers = workers
        self._budget = budget
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="scpb-read")
        self._pending: deque = deque()
        self._lock = threading.RLock()  # a callback may run in the submitting thread
        self._running = 0
        self._held = 0
        self._closed = False

    def __enter__(self) -> _Prefetch:
        with self._lock:
            self._fill()
        return self

    def __exit__(self, *exc) -> None:
        with self._lock:
            self._closed = True
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _fill(self) -> None:
        while not self._closed and self._running < self._workers and self._held < self._budget:
            path = next(self._files, None)
            if path is None:
                return
            self._running += 1
            future = self._pool.submit(read_one, path)
            self._pending.append(future)
            future.add_done_callback(self._done)

    def _done(self, future) -> None:
        with self._lock:
            self._running -= 1
            if not future.cancelled() and future.exception() is None:
                self._held += len(future.result().lon)
            self._fill()

    def __iter__(self) -> Iterator[FileRows]:
        while True:
            with self._lock:
                if not self._pending:
                    return
                future = self._pending.popleft()
            rows = future.result()
            with self._lock:
                self._held -= len(rows.lon)
                self._fill()
            yield rows


# ---------------------------------------------------------------------------------------------
# Crime IDs: 128-bit keys, and the set of keys already counted

_M1, _M2 = np.uint64(0xFF51AFD7ED558CCD), np.uint64(0xC4CEB9FE1A85EC53)
_LENGTH_SALT = 0x2545F4914F6CDD1D
# ASCII whitespace (str.strip's, with the separators \x1c-\x1f): a byte at either end of an
# ID that is one of these, or any non-ASCII byte, sends the IDs through Python's strip().
_EDGE_BYTES = np.zeros(256, dtype=bool)
_EDGE_BYTES[[9, 10, 11, 12, 13, 28, 29, 30, 31, 32]] = True
_EDGE_BYTES[128:] = True


def _fmix(x: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finaliser, in place: a bijection whose every input bit reaches
    every output bit."""
    x ^= x >> np.uint64(33)
    x *= _M1
    x ^= x >> np.uint64(33)
    x *= _M2
    x ^= x >> np.uint64(33)
    return x


@functools.cache
def _constants(length: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """For IDs of ``length`` bytes: per-word salts and odd weights (as columns), and the
    length's own terms of the two halves."""
    k = -(-length // 8)
    j = np.arange(1, k + 2, dtype=np.uint64)
    salt = _fmix(j * np.uint64(0x9E3779B97F4A7C15))
    weight = _fmix(j ^ np.uint64(0xD6E8FEB86659FD93)) | np.uint64(1)
    size = _fmix(np.array([length ^ _LENGTH_SALT], dtype=np.uint64))
    return salt[1:, None], weight[1:, None], size, size * weight[:1]


_FILTER_FROM = 1 << 20  # keys kept before SeenCrimeIds filters the lookups
_HASH_ROWS = 32768  # rows hashed at a time: the working arrays stay small, in cache


def _hash_block(data: np.ndarray, starts: np.ndarray | None, length: int, count: int, *,
                screen: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
    """Keys of ``count`` IDs of ``length`` bytes each: those starting at ``starts`` in
    ``data``, or (``starts`` None) ``data``'s first ``count * length`` bytes, one after another.

    Each 8-byte word (zero-padded) is salted by its position and mixed (:func:`_fmix`); the
    key's halves are the plain and the weighted sums of the mixed words and of the mixed
    length. Two IDs differing in one word differ in both halves (the mix is a bijection);
    otherwise a collision needs two 64-bit sums to agree at once.

    With ``screen``, only a 64-bit screening value and None: the weighted sum of the raw
    words, one dot product. Equal IDs get equal values, but so may different ones: it only
    picks the rows worth keying (:func:`_screened_repeats`).
    """
    k = -(-length // 8)
    salt, weight, size_hi, size_lo = _constants(length)
    copied = starts is not None or length % 8
    rows = max(1, min(count, _HASH_ROWS if copied or not screen else count))
    if copied:
        padded = np.zeros((rows, k * 8), dtype=np.uint8)
        # Each row of `padded` seen as one value of `length` bytes, to copy IDs in whole.
        slots = np.ndarray((rows,), dtype=f"V{length}", buffer=padded, strides=(k * 8,))
    if starts is not None:
        every = np.ndarray((len(data) - length + 1,), dtype=f"V{length}", buffer=data,
                           strides=(1,))
    hi = np.empty(count, dtype=np.uint64)
    if screen:
        weights = weight.ravel()
    else:
        lo = np.empty(count, dtype=np.uint64)
        words = np.empty((k, rows), dtype=np.uint64)  # a word per row: contiguous ops
        spare = np.empty_like(words)
    for start in range(0, count, rows):
        n = min(rows, count - start)
        if n < rows:
            if copied:
                padded, slots = padded[:n], slots[:n]
            if not screen:
                words, spare = words[:, :n], spare[:, :n]
        if starts is not None:
            slots[:] = every[starts[start:start + n]]
            part = padded
        else:
            part = data[start * length:(start + n) * length].reshape(n, length)
            if copied:
                padded[:, :length] = part
                part = padded
        if screen:
            np.dot(part.view("<u8"), weights, out=hi[start:start + n])
            continue
        np.bitwise_xor(part.view("<u8").T, salt, out=words)
        for multiplier in (_M1, _M2, None):  # _fmix, in place
            np.right_shift(words, np.uint64(33), out=spare)
            np.bitwise_xor(words, spare, out=words)
            if multiplier is not None:
                np.multiply(words, multiplier, out=words)
        np.add.reduce(words, axis=0, out=hi[start:start + n])
        np.multiply(words, weight, out=words)
        np.add.reduce(words, axis=0, out=lo[start:start + n])
    if screen:
        hi += size_lo
        return hi, None
    hi += size_hi
    lo += size_lo
    return hi, lo


def _keys_of_bytes(offsets: np.ndarray, data: np.ndarray, valid: np.ndarray | None, *,
                   check_ends: bool = True, screen: bool = False) -> tuple | None:
    """Keys (with ``screen``: screening values, and None) of the values of an Arrow text
    array; None if ``check_ends`` and a value has a space (or a non-ASCII byte) at either
    end, to be stripped first."""
    edge = _EDGE_BYTES if check_ends else np.zeros(256, dtype=bool)
    n = len(offsets) - 1
    lengths = np.diff(offsets)
    if valid is not None:
        lengths[~valid] = 0
    has_id = lengths > 0
    everyone = bool(has_id.all())
    sizes = lengths if everyone else lengths[has_id]
    if not len(sizes):
        zeros = np.zeros(n, dtype=np.uint64)
        return zeros, None if screen else zeros.copy(), has_id
    size = int(sizes[0])
    if (sizes == size).all() and size * len(sizes) == int(offsets[-1] - offsets[0]):
        # police.uk's IDs are all 64 characters: the IDs are one block of bytes, in order.
        block = data[int(offsets[0]):int(offsets[-1])]
        if edge[block.reshape(-1, size)[:, [0, -1]]].any():
            return None
        keys = _hash_block(block, None, size, len(sizes), screen=screen)
        if everyone:
            return keys[0], keys[1], has_id
        hi = np.zeros(n, dtype=np.uint64)
        hi[has_id] = keys[0]
        if screen:
            return hi, None, has_id
        lo = np.zeros(n, dtype=np.uint64)
        lo[has_id] = keys[1]
        return hi, lo, has_id
    starts = offsets[:-1][has_id]
    if edge[data[starts]].any() or edge[data[starts + sizes - 1]].any():
        return None
    hi = np.zeros(n, dtype=np.uint64)
    lo = None if screen else np.zeros(n, dtype=np.uint64)
    for size in np.unique(sizes).tolist():
        rows = np.flatnonzero(lengths == size)
        keys = _hash_block(data, offsets[rows], size, len(rows), screen=screen)
        hi[rows] = keys[0]
        if not screen:
            lo[rows] = keys[1]
    return hi, lo, has_id


def crime_id_keys(values) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """128-bit keys of Crime IDs (stripped of surrounding spaces): high and low halves, and
    which rows have an ID at all.

    The same ID gives the same key in every path and process (Arrow strings, pandas text,
    CSV or Parquet); a blank ID (anti-social behaviour) has no key. Two different IDs share a
    key with a chance of about 2**-120 per pair: for a billion IDs, about one in 10**18.

    Parameters
    ----------
    values : pyarrow array or chunked array (text, binary, dictionary or null), or a
        sequence of str or None (e.g. a pandas Series).

    Examples
    --------
    >>> hi, lo, has_id = crime_id_keys(["a1", " a1 ", None, "  ", "b2"])
    >>> has_id.tolist()
    [True, True, False, False, True]
    >>> bool(hi[0] == hi[1] and lo[0] == lo[1]), bool(hi[0] == hi[4])
    (True, False)
    """
    return _id_keys(values, screen=False)


def _id_keys(values, *, screen: bool) -> tuple:
    """:func:`crime_id_keys`, or with ``screen`` screening values (see :func:`_hash_block`)
    and None for the low halves."""
    import pyarrow as pa

    if isinstance(values, pa.ChunkedArray):
        parts = [_id_keys(chunk, screen=screen) for chunk in values.chunks]
        if not parts:
            return (np.zeros(0, dtype=np.uint64), None if screen else
                    np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=bool))
        hi, lo, has_id = zip(*parts, strict=True)
        return (np.concatenate(hi), None if screen else np.concatenate(lo),
                np.concatenate(has_id))
    if not isinstance(values, pa.Array):
        values = pa.array(values, type=pa.string(), from_pandas=True)
    kind = values.type
    n = len(values)
    if pa.types.is_null(kind) or values.null_count == n:
        zeros = np.zeros(n, dtype=np.uint64)
        return zeros, None if screen else zeros.copy(), np.zeros(n, dtype=bool)
    if pa.types.is_dictionary(kind):
        hi, lo, has_id = _id_keys(values.dictionary, screen=screen)
        codes = values.indices.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
        has_id = has_id[codes] & np.asarray(values.is_valid())
        return (np.where(has_id, hi[codes], 0),
                None if screen else np.where(has_id, lo[codes], 0), has_id)
    if pa.types.is_binary(kind) or pa.types.is_large_binary(kind):
        offsets, data = _buffers(values)
        if data.size and data[int(offsets[0]):int(offsets[-1])].max() >= 0x80:
            values = values.cast(pa.large_string() if pa.types.is_large_binary(kind)
                                 else pa.string())  # checks the bytes are UTF-8
    elif not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
        values = values.cast(pa.string())
    offsets, data = _buffers(values)
    keys = _keys_of_bytes(offsets, data,
                          np.asarray(values.is_valid()) if values.null_count else None,
                          screen=screen)
    if keys is not None:
        return keys
    # Rare: spaces around an ID (or a non-ASCII character at an end). Python strips as the
    # validating loader does, so every path compares the same text.
    text = values if pa.types.is_string(values.type) else values.cast(pa.string())
    stripped = pa.array([None if v is None else v.strip() for v in text.to_pylist()],
                        type=pa.string())
    offsets, data = _buffers(stripped)
    valid = np.asarray(stripped.is_valid()) if stripped.null_count else None
    keys = _keys_of_bytes(offsets, data, valid, screen=screen)
    if keys is None:  # a non-ASCII character at an end that is not a space: hash as is
        keys = _keys_of_bytes(offsets, data, valid, check_ends=False, screen=screen)
    return keys


def _buffers(values) -> tuple[np.ndarray, np.ndarray]:
    """Offsets (int64, one per value and one more) and the data bytes of an Arrow text array."""
    import pyarrow as pa

    wide = pa.types.is_large_string(values.type) or pa.types.is_large_binary(values.type)
    _, offset_buffer, data_buffer = values.buffers()
    offsets = np.frombuffer(offset_buffer, dtype=np.int64 if wide else np.int32)[
        values.offset: values.offset + len(values) + 1].astype(np.int64)
    data = (np.frombuffer(data_buffer, dtype=np.uint8) if data_buffer is not None
            else np.zeros(0, dtype=np.uint8))
    return offsets, data


class SeenCrimeIds:
    """The Crime IDs counted so far (as :func:`crime_id_keys`), each with the file it was
    first seen in: the one de-duplication rule every counting path applies.

    Give it rows in order (files in order, rows in file order): a row whose ID was seen
    before, in an earlier call or earlier in this one, is a repeat; it is a repeat from the
    same file when the ID was first seen in the row's own file. Memory is about 20 bytes per
    distinct ID, in sorted runs (a log-structured merge keeps them few; two to three times that
    while two large runs merge), and past a million IDs a byte-per-slot filter of about four
    slots per ID (at most 256 MB); never the rows.

    Examples
    --------
    >>> seen = SeenCrimeIds()
    >>> hi, lo, has_id = crime_id_keys(["a", "b", "a", None, None])
    >>> repeat, same_file = seen.repeats(hi, lo, has_id, file=0)
    >>> repeat.tolist(), same_file.tolist()
    ([False, False, True, False, False], [False, False, True, False, False])
    >>> hi, lo, has_id = crime_id_keys(["b", "c", "c"])
    >>> repeat, same_file = seen.repeats(hi, lo, has_id, file=1)
    >>> repeat.tolist(), same_file.tolist()
    ([True, False, True], [False, False, True])
    >>> len(seen)
    3
    """

    def __init__(self) -> None:
        # (hi, lo, file, hi_repeats): sorted by hi then lo; no key is in two runs.
        self._runs: list[tuple[np.ndarray, np.ndarray, np.ndarray, bool]] = []
        # The last call's rows (hi, lo, file, which are new IDs, whether in key order):
        # made a run only if another call comes, so a single batch costs no more than its
        # own sort.
        self._new: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, bool]] = []
        # Once many keys are kept: which values of a key's top bits any key has (a byte
        # each, about four slots per key), so most new IDs skip the runs altogether.
        self._filter: np.ndarray | None = None
        self._filter_shift = np.uint64(64)

    def __len__(self) -> int:
        return (sum(len(run[0]) for run in self._runs)
                + sum(int(np.count_nonzero(new[3])) for new in self._new))

    def repeats(self, hi: np.ndarray, lo: np.ndarray, has_id: np.ndarray,
                file: int | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mark rows as seen; which were repeats, and which of those repeat an ID first seen
        in the row's own ``file`` (a number of 0 or more per row, or one for all; files in
        order)."""
        n = len(hi)
        file = np.broadcast_to(np.asarray(file, dtype=np.int32), (n,))
        if not has_id.all():  # blank IDs (anti-social behaviour) are never repeats
            rows = np.flatnonzero(has_id)
            repeat, same = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
            repeat[rows], same[rows] = self.repeats(hi[rows], lo[rows], has_id[rows],
                                                    file[rows])
            return repeat, same
        first_file = np.full(n, -1, dtype=np.int32)
        self._settle()
        order = None
        if self._runs:
            probe = (None if self._filter is None
                     else np.flatnonzero(self._filter[hi >> self._filter_shift]))
            # Looked up in key order, each run is read front to back: many times faster
            # than in row order once the runs outgrow the cache.
            order = np.argsort(hi) if probe is None else probe[np.argsort(hi[probe])]
            found = np.full(len(order), -1, dtype=np.int32)
            sorted_hi, sorted_lo = hi[order], lo[order]
            for run in self._runs:
                _look_up(run, sorted_hi, sorted_lo, found)
            first_file[order] = found
            if probe is not None:
                order = None
        if self._runs and (first_file >= 0).any():
            new = np.flatnonzero(first_file < 0)
            h, low = hi[new], lo[new]
        else:
            new, h, low = None, hi, lo
        later, first = _first_of_each(h, low)
        if new is not None:
            later, first = new[later], new[first]
        first_file[later] = file[first]
        repeat = first_file >= 0
        if order is None:
            self._new.append((hi, lo, file, ~repeat, False))
        else:  # kept in key order: the next call's run needs no sort
            self._new.append((sorted_hi, sorted_lo, file[order], ~repeat[order], True))
        return repeat, repeat & (first_file == file)

    def _settle(self) -> None:
        """Sort the keys added since the last call into a run; merge runs of similar size."""
        if not self._new:
            return
        added = [(h[new], lo[new], f[new]) for h, lo, f, new, _ in self._new]
        in_order = len(self._new) == 1 and self._new[0][4]
        self._new = []
        run = _run(*(np.concatenate(c) for c in zip(*added, strict=True)), in_order=in_order)
        if not len(run[0]):
            return
        self._runs.append(run)
        self._mark(run[0])
        while len(self._runs) > 1 and len(self._runs[-2][0]) <= 2 * len(self._runs[-1][0]):
            b, a = self._runs.pop(), self._runs.pop()
            # Two runs in key order, one after the other: timsort merges them in one pass.
            self._runs.append(_run(*(np.concatenate((x, y)) for x, y in zip(a[:3], b[:3],
                                                                             strict=True)),
                                   kind="stable"))


    def _mark(self, hi: np.ndarray) -> None:
        """Add keys to the filter: made once there are ``_FILTER_FROM`` keys, made anew
        (larger) when they outnumber a quarter of its slots, up to 2**28 slots."""
        total = sum(len(run[0]) for run in self._runs)
        if total < _FILTER_FROM:
            return
        bits = int(min(28, np.ceil(np.log2(total * 4))))
        if self._filter is None or 64 - int(self._filter_shift) < bits:
            self._filter = np.zeros(1 << bits, dtype=bool)
            self._filter_shift = np.uint64(64 - bits)
            for run in self._runs:
                self._filter[run[0] >> self._filter_shift] = True
        else:
            self._filter[hi >> self._filter_shift] = True


def _run(hi, lo, file, *, in_order: bool = False,
         kind: str = "quicksort") -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
    """Keys as a run: sorted by the high half (and by the low half where high halves repeat,
    which :func:`_look_up` then scans)."""
    if not in_order:
        order = np.argsort(hi, kind=kind)
        hi, lo, file = hi[order], lo[order], file[order]
    hi_repeats = bool(len(hi) > 1 and (hi[1:] == hi[:-1]).any())
    if hi_repeats:  # distinct keys sharing a high half: order by the low half too
        order = np.lexsort((lo, hi))
        hi, lo, file = hi[order], lo[order], file[order]
    return hi, lo, file.astype(np.int32, copy=False), hi_repeats


def _look_up(run, hi: np.ndarray, lo: np.ndarray, first_file: np.ndarray) -> None:
    """Fill ``first_file`` for the keys found in ``run`` (only where not yet found)."""
    run_hi, run_lo, run_file, hi_repeats = run
    at = np.searchsorted(run_hi, hi)
    at_c = np.minimum(at, len(run_hi) - 1)
    hit = run_hi[at_c] == hi
    if hi_repeats:
        shared = np.unique(run_hi[1:][run_hi[1:] == run_hi[:-1]])
        scan = hit & np.isin(hi, shared)
        for i in np.flatnonzero(scan).tolist():
            j = int(at[i])
            while j < len(run_hi) and run_hi[j] == hi[i]:
                if run_lo[j] == lo[i]:
                    first_file[i] = run_file[j]
                    break
                j += 1
        hit &= ~scan
    match = hit & (run_lo[at_c] == lo) & (first_file < 0)
    first_file[match] = run_file[at_c[match]]


def _maybe_shared(hi: np.ndarray) -> np.ndarray:
    """Rows whose value may be another row's too (all that are, and a few more): a sort of
    the values' top 32 bits finds the repeated ones, a bitmap on those bits the rows."""
    if len(hi) < 2:
        return np.zeros(0, dtype=np.int64)
    top = (hi >> np.uint64(32)).astype(np.uint32)
    ordered = np.sort(top)
    same_top = ordered[1:] == ordered[:-1]
    if not same_top.any():  # the usual case in a file: a sort and no more
        return np.zeros(0, dtype=np.int64)
    values = ordered[1:][same_top]
    bits = int(min(26, max(12, np.ceil(np.log2(len(values) * 64)))))
    shift = np.uint32(32 - bits)
    bitmap = np.zeros(1 << bits, dtype=bool)
    bitmap[values >> shift] = True
    return np.flatnonzero(bitmap[top >> shift])


def _first_of_each(hi: np.ndarray, lo: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rows whose key an earlier row has, and for each the row where it first appears.

    Only the rows that may share a key (:func:`_maybe_shared`) are ordered exactly, on both
    halves of the key.
    """
    rows = _maybe_shared(hi)
    if not len(rows):
        return rows, rows
    rows = rows[np.lexsort((rows, lo[rows], hi[rows]))]
    h, low = hi[rows], lo[rows]
    starts = np.ones(len(rows), dtype=bool)
    starts[1:] = (h[1:] != h[:-1]) | (low[1:] != low[:-1])
    first = rows[starts][np.cumsum(starts) - 1]
    return rows[~starts], first[~starts]


# ---------------------------------------------------------------------------------------------
# Counting


def month_ordinals(values: Sequence[str], *, file: str | Path | None = None,
                   column: str = "Month") -> np.ndarray:
    """``YYYY-MM`` strings to monthly period ordinals (months since January 1970).

    Raises
    ------
    InputDataError
        For a value that is not a month, naming it.

    Examples
    --------
    >>> month_ordinals(["1970-01", "2023-05"]).tolist()
    [0, 640]
    """
    out = np.empty(len(values), dtype=np.int64)
    for i, value in enumerate(values):
        match = MONTH_PATTERN.match(value) if isinstance(value, str) else None
        if match is None:
            raise InputDataError(file, f"'{value}' is not a month", column=column,
                                 expected="a month as YYYY-MM, e.g. 2023-05")
        out[i] = ordinal_of_month(match)
    return out


class WardMonthTally:
    """Ward x month x crime type counts, added batch by batch, with the row accounting.

    The building block of every counting path (in memory, out of core, on Dask): give it
    rows as month ordinals, crime-type labels and WGS84 coordinates; it places them with a
    :class:`~scpb_analysis.geo.ward_index.WardIndex` and keeps only the counts.

    Parameters
    ----------
    index : WardIndex
        The wards.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> wards = gpd.GeoDataFrame({"ward_code": ["W1"]}, geometry=[box(-0.2, 51.5, -0.1, 51.6)],
    ...                          crs=4326)
    >>> tally = WardMonthTally(WardIndex(wards))
    >>> tally.add(month_ordinals(["2023-05"] * 3), tally.type_ids(["Burglary"])[[0, 0, 0]],
    ...           np.array([-0.15, -0.15, 0.3]), np.array([51.55, 51.55, 51.55]))
    >>> tally.counts()
      ward_code    month crime_type  count
    0        W1  2023-05   Burglary      2
    >>> tally.rows, tally.outside, tally.no_location
    (3, 1, 0)
    """

    def __init__(self, index: WardIndex) -> None:
        self.index = index
        self.labels: list[str] = []
        self._label_id: dict[str, int] = {}
        self._parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        self.rows = 0
        self.no_location = 0
        self.outside = 0
        self.on_boundary = 0

    def type_ids(self, labels: Iterable[str]) -> np.ndarray:
        """Ids of crime-type labels in this tally (new labels are added)."""
        ids = []
        for label in labels:
            label = str(label)
            if label not in self._label_id:
                self._label_id[label] = len(self.labels)
                self.labels.append(label)
            ids.append(self._label_id[label])
        return np.asarray(ids, dtype=np.int64)

    def add(self, month: np.ndarray, kind: np.ndarray, lon: np.ndarray, lat: np.ndarray) -> None:
        """Place and count rows: month ordinals, crime-type ids (:meth:`type_ids`), lon, lat."""
        self.add_placed(self.index.place(lon, lat), month, kind)

    def add_placed(self, placed: Placement, month: np.ndarray, kind: np.ndarray) -> None:
        """Count rows placed already (:meth:`WardIndex.place`): ``placed.row`` indexes
        ``month`` and ``kind``."""
        self.rows += placed.n
        self.no_location += placed.missing
        self.outside += placed.outside
        self.on_boundary += placed.on_boundary
        if not len(placed.row):
            return
        ward = self.index.code_of_geometry[placed.geom]
        month, kind = np.asarray(month, np.int64)[placed.row], np.asarray(kind)[placed.row]
        m0 = int(month.min())
        n_months = int(month.max()) - m0 + 1
        n_types = max(len(self.labels), 1)
        key = (ward * n_months + (month - m0)) * n_types + kind
        if len(self.index.codes) * n_months * n_types <= 4 * len(key) + 1_000_000:
            tally = np.bincount(key)
            key = np.flatnonzero(tally)
            tally = tally[key]
        else:  # a wide key space: sorting beats a mostly empty bincount
            key, tally = np.unique(key, return_counts=True)
        rest, kind_of = np.divmod(key, n_types)
        ward_of, month_of = np.divmod(rest, n_months)
        self._parts.append((ward_of, month_of + m0, kind_of, tally.astype(np.int64)))

    def add_parts(self, parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]
                  ) -> None:
        """:meth:`add` several pieces (month, kind, lon, lat) as one batch."""
        if parts:
            self.add(*(np.concatenate(column) for column in zip(*parts, strict=True)))

    def result(self, files: pd.DataFrame) -> PointCounts:
        """The counts and accounting, with ``files`` (one row per file) beside them."""
        return PointCounts(
            counts=self.counts(),
            rows_read=int(files["rows_read"].sum()),
            no_location=self.no_location,
            outside=self.outside,
            files=files,
            on_boundary=self.on_boundary,
            set_aside=int(files["rows_set_aside"].sum()),
            duplicates=int(files["duplicates_same_file"].sum()
                           + files["duplicates_earlier_file"].sum()),
        )

    def counts(self) -> pd.DataFrame:
        """``ward_code, month, crime_type, count`` sorted by ward code, month and crime type."""
        if not self._parts:
            return counts_frame([], [], [], [])
        ward, month, kind, count = (np.concatenate(column) for column in zip(*self._parts,
                                                                              strict=True))
        # Crime types ranked by label, so integer order is the order of the sorted table.
        labels = np.asarray(self.labels, dtype=object)
        by_label = np.argsort(labels, kind="stable")
        rank = np.empty(len(labels), dtype=np.int64)
        rank[by_label] = np.arange(len(labels))
        kind = rank[kind]
        m0 = int(month.min())
        n_months = int(month.max()) - m0 + 1
        n_types = max(len(labels), 1)
        key = (ward * n_months + (month - m0)) * n_types + kind
        if len(self.index.codes) * n_months * n_types <= 4 * len(key) + 1_000_000:
            # Float weights are exact: every total is far below 2**53.
            total = np.bincount(key, weights=count)
            key = np.flatnonzero(total)
            count = total[key].astype(np.int64)
        else:  # a wide key space: sort instead of a mostly empty bincount
            order = np.argsort(key, kind="stable")
            key, count = key[order], count[order]
            first = np.flatnonzero(np.concatenate(([True], key[1:] != key[:-1])))
            count, key = np.add.reduceat(count, first), key[first]
        rest, kind = np.divmod(key, n_types)
        ward, month = np.divmod(rest, n_months)
        return _frame(self.index.codes, ward, month + m0, labels[by_label], kind, count)


def _frame(ward_codes, ward, month_ordinal, crime_types, kind, count) -> pd.DataFrame:
    """The counts table from small label arrays and integer positions in them."""
    return pd.DataFrame({
        "ward_code": pd.array(np.asarray(ward_codes, dtype=object), dtype="str").take(
            np.asarray(ward, dtype=np.int64)),
        "month": pd.PeriodIndex.from_ordinals(np.asarray(month_ordinal, dtype=np.int64),
                                              freq="M"),
        "crime_type": pd.array(np.asarray(crime_types, dtype=object), dtype="str").take(
            np.asarray(kind, dtype=np.int64)),
        "count": np.asarray(count, dtype=np.int64),
    })


def counts_frame(ward_code, month_ordinal, crime_type, count) -> pd.DataFrame:
    """The counts table from per-row values, sorted."""
    ward, ward_codes = pd.factorize(np.asarray(ward_code, dtype=object))
    kind, crime_types = pd.factorize(np.asarray(crime_type, dtype=object))
    frame = _frame(ward_codes, ward, month_ordinal, crime_types, kind, count)
    return frame.sort_values(COUNT_COLUMNS[:3], kind="stable").reset_index(drop=True)


def ward_month_counts(paths: str | Path | Iterable[str | Path], wards, *,
                      ward_code: str = "ward_code", workers: int | None = None) -> PointCounts:
    """Count police.uk street-level rows by ward, month and crime type, each crime once.

    Parameters
    ----------
    paths : path or iterable of paths
        police.uk ``*-street.csv`` files (or Parquet copies of them) and/or folders, searched
        recursively for ``*.csv`` and ``*.parquet``; files are taken in sorted path order.
    wards : GeoDataFrame or WardIndex
        Ward polygons with a CRS and a code column (e.g.
        :func:`scpb_analysis.sources.boundaries.load_wards`), or a :class:`WardIndex` built
        from them once, to count several inputs without rebuilding it.
    ward_code : str
        The wards' code column (ignored for a :class:`WardIndex`).
    workers : int, optional
        Threads reading files; defaults to the number of CPUs (at most 8).

    Returns
    -------
    PointCounts
        ``.counts`` (``ward_code, month, crime_type, count``) and the row accounting:
        ``rows_read = set_aside + duplicates + no_location + outside + in_wards``. A row
        repeating a ``Crime ID`` seen before (same file or an earlier one) is in
        ``duplicates``, not counted; blank IDs never repeat. A file repeating an earlier one,
        rows of another force and rows of an unknown crime type are in ``set_aside``, named
        per file in ``files``. Crime types are counted as police.uk spells them, whatever
        the spacing or case in the file. Points exactly on a ward boundary are in no ward
        (``within`` semantics).

    Raises
    ------
    InputDataError
        For a file that is not police.uk street-level CSV (or a Parquet copy), or a bad
        month, coordinate or empty crime type; the message names the file, row and column.

    Examples
    --------
    >>> import tempfile
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> wards = gpd.GeoDataFrame({"ward_code": ["E05000002", "E05000001"]},
    ...                          geometry=[box(-0.1, 51.5, 0.0, 51.6), box(-0.2, 51.5, -0.1, 51.6)],
    ...                          crs=4326)
    >>> path = Path(tempfile.mkdtemp()) / "2023-05-metropolitan-street.csv"
    >>> row = "{},{},Met,Met,{},{},On or near A Road,E01,Barnet 001A,Burglary,,\\n"
    >>> _ = path.write_text(",".join(SOURCE_COLUMNS) + "\\n"
    ...     + row.format("c1", "2023-05", -0.15, 51.55) + row.format("c2", "2023-05", -0.05, 51.55)
    ...     + row.format("c3", "2023-06", -0.05, 51.55) + row.format("c4", "2023-05", -0.1, 51.55)
    ...     + row.format("c5", "2023-05", 1.0, 51.55) + row.format("c6", "2023-05", "", "")
    ...     + row.format("c1", "2023-05", -0.15, 51.55))
    >>> result = ward_month_counts(path, wards)
    >>> result.counts
       ward_code    month crime_type  count
    0  E05000001  2023-05   Burglary      1
    1  E05000002  2023-05   Burglary      1
    2  E05000002  2023-06   Burglary      1
    >>> result.rows_read, result.duplicates, result.no_location, result.outside
    (7, 1, 1, 2)
    >>> result.on_boundary, result.in_wards
    (1, 3)
    """
    files, _ = policeuk_files(paths)
    repeats = repeated_files(files)
    workers = max(1, min(workers or min(8, os.cpu_count() or 1), len(files)))
    summaries: list[dict] = []
    seen = SeenCrimeIds()
    # Files are read in threads from here on; the index is built meanwhile.
    with _Prefetch(files, workers) as reader, ThreadPoolExecutor(1) as helper:
        index = wards if isinstance(wards, WardIndex) else WardIndex.cached(
            wards, ward_code=ward_code)
        tally = WardMonthTally(index)
        batch: list[FileRows] = []
        held = 0
        for rows in reader:
            if rows.path in repeats:  # a copy of an earlier file: read, all set aside
                rows = rows.as_repeat_of(repeats[rows.path])
            batch.append(rows)
            held += len(rows.lon)
            if held >= _BATCH_ROWS:
                summaries += _count_files(batch, tally, seen, len(summaries), helper,
                                          last=False)
                batch, held = [], 0
        summaries += _count_files(batch, tally, seen, len(summaries), helper, last=True)
    return tally.result(pd.DataFrame(summaries, columns=FILE_COLUMNS))


def _count_files(batch: list[FileRows], tally: WardMonthTally, seen: SeenCrimeIds,
                 first_file: int, helper: ThreadPoolExecutor, last: bool) -> list[dict]:
    """Count files' rows (files in order) but the repeats of Crime IDs seen before; the files'
    summaries. ``first_file`` numbers the first file of the batch among all files; ``last``
    says no batch follows."""
    if not batch:
        return []
    starts = np.cumsum([0] + [len(rows.lon) for rows in batch])
    # The Crime IDs are hashed and the repeats found in another thread while every row is
    # placed here; a point's place does not depend on the others, so the repeats' are then
    # taken away.
    found = helper.submit(_repeats_of, batch, seen, starts, first_file,
                          last and first_file == 0)
    month = np.concatenate([r.month for r in batch])
    kind = np.concatenate([tally.type_ids(r.type_labels)[r.type_code] for r in batch])
    lon = np.concatenate([r.lon for r in batch])
    lat = np.concatenate([r.lat for r in batch])
    placed = tally.index.place(lon, lat)
    repeat, same = found.result()
    n = len(batch)
    no_location = np.array([np.count_nonzero(np.isnan(r.lon)) for r in batch])
    same_file = earlier_file = np.zeros(n, dtype=np.int64)
    if len(repeat):  # the rows repeating a Crime ID seen before, and whether from their file
        counted = np.ones(len(lon), dtype=bool)
        counted[repeat] = False
        pair = counted[placed.row]
        in_ward = np.zeros(len(lon), dtype=bool)
        in_ward[placed.row] = True
        nowhere = np.isnan(lon[repeat])
        # Of the repeats with coordinates in no ward, those on a boundary: placed again.
        outside = repeat[~nowhere & ~in_ward[repeat]]
        gone = tally.index.place(lon[outside], lat[outside]).on_boundary if len(outside) else 0
        placed = Placement(row=placed.row[pair], geom=placed.geom[pair],
                           n=placed.n - len(repeat),
                           missing=placed.missing - int(nowhere.sum()),
                           outside=placed.outside - len(outside),
                           on_boundary=placed.on_boundary - gone)
        file = np.searchsorted(starts, repeat, side="right") - 1
        same_file = np.bincount(file[same], minlength=n)
        earlier_file = np.bincount(file[~same], minlength=n)
        no_location -= np.bincount(file[nowhere], minlength=n)
    tally.add_placed(placed, month, kind)
    return [rows.summary(same_file[i], earlier_file[i], no_location[i])
            for i, rows in enumerate(batch)]


def _repeats_of(batch: list[FileRows], seen: SeenCrimeIds, starts: np.ndarray,
                first_file: int, alone: bool) -> tuple[np.ndarray, np.ndarray]:
    """The rows (positions in the batch, in order) repeating a Crime ID seen before, and for
    each whether it was first seen in the row's own file. ``starts``: where each file's rows
    start; ``first_file`` numbers the batch's first file among all. ``alone``: no rows were
    seen before and none will come after, so the IDs are screened first
    (:func:`_screened_repeats`); otherwise :meth:`SeenCrimeIds.repeats`, hashed file by file
    (each file's arrays stay in cache; the IDs' text is let go once hashed)."""
    if alone:
        return _screened_repeats(batch, starts)
    keys = []
    for rows in batch:
        keys.append(rows.keys())
        rows.ids = None
    hi, lo, has_id = (np.concatenate(c) for c in zip(*keys, strict=True))
    file = np.repeat(np.arange(len(batch), dtype=np.int32) + first_file, np.diff(starts))
    repeat, same = seen.repeats(hi, lo, has_id, file)
    rows = np.flatnonzero(repeat)
    return rows, same[rows]


def _screened_repeats(batch: list[FileRows],
                      starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """What ``SeenCrimeIds().repeats`` would find in all the rows there will be (as
    :func:`_repeats_of` gives it), for a fraction of the hashing: every ID gets a cheap
    screening value (equal IDs, equal values), and only the rows sharing a value with
    another (the repeats and a few more) are keyed and compared."""
    import pyarrow as pa

    ids = [rows.ids for rows in batch]
    for rows in batch:
        rows.ids = None
    ids = pa.concat_arrays([i if i.type == pa.string() else i.cast(pa.string()) for i in ids])
    value, _, has_id = _id_keys(ids, screen=True)
    if has_id.all():
        candidates = _maybe_shared(value)
    else:
        rows = np.flatnonzero(has_id)
        candidates = rows[_maybe_shared(value[rows])]
    if not len(candidates):
        return candidates, np.zeros(0, dtype=bool)
    hi, lo, _ = crime_id_keys(ids.take(pa.array(candidates)))
    later, first = _first_of_each(hi, lo)
    order = np.argsort(later)
    later, first = candidates[later[order]], candidates[first[order]]
    same = (np.searchsorted(starts, first, side="right")
            == np.searchsorted(starts, later, side="right"))
    return later, same


def _read_baseline(path: Path) -> pd.DataFrame:
    if path.suffix.lower() == ".parquet":
        frame = pd.read_parquet(path)
        return frame.rename(columns=lambda c: _PUBLISHED.get(column_key(c), c))
    return pd.read_csv(path)


def baseline_ward_month_counts(paths: str | Path | Iterable[str | Path], wards, *,
                               ward_code: str = "ward_code") -> PointCounts:
    """The reference: per-file ``pd.read_csv``, ``pd.concat``, ``duplicated()`` Crime IDs
    dropped, ``gpd.sjoin(within)``, groupby.

    The obvious code an analyst writes, kept to check :func:`ward_month_counts` against and to
    time it: a row whose Crime ID (stripped, not blank) is ``duplicated()`` in the
    concatenated files is dropped. No validation beyond what pandas does; ``on_boundary`` is
    not computed (0). Parquet copies are read with ``pd.read_parquet``, columns renamed.
    """
    import geopandas as gpd

    files, _ = policeuk_files(paths)
    frames = [_read_baseline(path) for path in files]
    crimes = pd.concat(frames, ignore_index=True)
    crime_id = crimes["Crime ID"].astype("str").str.strip()
    repeat = (crime_id.notna() & (crime_id != "") & crime_id.duplicated()).to_numpy()
    file = np.repeat(np.arange(len(frames)), [len(f) for f in frames])
    counted = crimes[~repeat]
    located = counted.dropna(subset=["Longitude", "Latitude"])
    points = gpd.GeoDataFrame(
        located[["Month", "Crime type"]],
        geometry=gpd.points_from_xy(located["Longitude"], located["Latitude"]),
        crs=4326,
    ).to_crs(wards.crs)
    joined = gpd.sjoin(points, wards[[ward_code, "geometry"]], how="inner", predicate="within")
    grouped = joined.groupby([ward_code, "Month", "Crime type"]).size()
    months = pd.PeriodIndex(grouped.index.get_level_values("Month"), freq="M")
    counts = counts_frame(grouped.index.get_level_values(ward_code).astype(str), months.asi8,
                           grouped.index.get_level_values("Crime type"), grouped.to_numpy())
    # The report: the file each repeat's ID was first seen in. factorize numbers the IDs in
    # order of first appearance, so ID k is first seen at the k-th row that is not a repeat.
    same = np.zeros(len(crimes), dtype=bool)
    if repeat.any():
        codes = pd.factorize(crime_id.mask(crime_id == ""))[0]
        first_row = np.flatnonzero((codes >= 0) & ~repeat)
        same[repeat] = file[first_row[codes[repeat]]] == file[repeat]
    no_location = counted["Longitude"].isna().to_numpy()
    n = len(frames)
    per_file = {"same": np.bincount(file[same], minlength=n),
                "earlier": np.bincount(file[repeat & ~same], minlength=n),
                "nowhere": np.bincount(file[~repeat][no_location], minlength=n)}
    info = pd.DataFrame(
        [{"file": Path(p).name, "rows_read": len(f), "rows_set_aside": 0,
          "duplicates_same_file": int(per_file["same"][i]),
          "duplicates_earlier_file": int(per_file["earlier"][i]),
          "no_location": int(per_file["nowhere"][i]), "other_force": 0,
          "unknown_crime_type": 0, "same_rows_as": "", "set_aside_why": "",
          "reader": "baseline", "path": str(p)}
         for i, (p, f) in enumerate(zip(files, frames, strict=True))],
        columns=FILE_COLUMNS)
    return PointCounts(
        counts=counts,
        rows_read=len(crimes),
        no_location=len(counted) - len(located),
        outside=len(located) - joined.index.nunique(),
        files=info,
        duplicates=int(repeat.sum()),
    )
