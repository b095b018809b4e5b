"""police.uk archives of any size counted out of core: the same counts in bounded memory.

A national comparison (all 43 forces, several years) is tens of millions of rows: more than
an analyst's machine holds as a table, and more than the in-memory path
(:func:`scpb_analysis.geo.points.ward_month_counts`) should hold at once. Here the rows stream
through Arrow datasets in batches of ``batch_rows``; each batch is placed in wards and
reduced to counts (:class:`~scpb_analysis.geo.points.WardMonthTally`), so memory depends on the
batch size, the number of distinct ward x month x crime type combinations and the number of
distinct Crime IDs (about 20 bytes each, to count every crime once), never on the number of
rows held. The counts are exactly those of the in-memory path (tested on the real Met files).

Each crime is counted once, by the in-memory path's rule: files in sorted path order, rows in
file order, a row whose ``Crime ID`` (stripped of surrounding spaces) was seen before, in the
same file or an earlier one, is not counted but reported (:attr:`PointCounts.duplicates`, and
per file); blank IDs (anti-social behaviour) are never repeats. IDs are compared on 128-bit
keys (:func:`~scpb_analysis.geo.points.crime_id_keys`), kept in sorted runs
(:class:`~scpb_analysis.geo.points.SeenCrimeIds`). The in-memory path's other rules hold too
(:mod:`scpb_analysis.sources.policeuk`): a file repeating an earlier one is set aside whole;
crime types are matched ignoring case and spacing, an unknown one set aside; a file with rows
of another force (found by reading its ``Falls within`` column first) is read whole by the
in-memory reader, which sets those rows aside.

Inputs, in any mix (files are read in sorted path order):

* police.uk street-level CSV files, read directly (blank lines are set aside and reported;
  anything else irregular is an error naming the file and row);
* Parquet files with the columns counting needs (:data:`ARCHIVE_COLUMNS`, or police.uk's
  names for them in any case or with underscores): a Parquet archive written once by
  :func:`write_points_archive`, which reads each CSV with the validating loader (so
  irregular rows are set aside with a reason) and is a fraction of the size and many times
  faster to scan, or a re-sharer's Parquet copy of a police.uk file.

Examples
--------
>>> import tempfile
>>> from scpb_analysis.demo import example_points
>>> folder, wards = example_points(Path(tempfile.mkdtemp()))
>>> report = write_points_archive(folder, folder / "archive")
>>> report[["file", "rows_read", "rows_written"]]
                              file  rows_read  rows_written
0  2023-05-metropolitan-street.csv          4             4
>>> result = archive_ward_month_counts(folder / "archive", wards)
>>> result.counts
  ward_code    month crime_type  count
0        W1  2023-05   Burglary      2
>>> result.rows_read, result.duplicates, result.outside
(4, 1, 1)
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import groupby
from pathlib import Path

import numpy as np
import pandas as pd

from scpb_analysis.core.errors import InputDataError, MissingSourceError
from scpb_analysis.geo.points import (
    FILE_COLUMNS,
    GB_BOUNDS,
    PointCounts,
    SeenCrimeIds,
    WardIndex,
    WardMonthTally,
    crime_id_keys,
    dictionary_columns,
    empty_rows,
    month_ordinals,
    plain_header,
    read_one,
)
from scpb_analysis.sources.files import column_key, find_data_files
from scpb_analysis.sources.policeuk import (
    canonical_crime_type,
    policeuk_files,
    repeated_files,
    screen_rows,
)

__all__ = ["ARCHIVE_COLUMNS", "archive_ward_month_counts", "write_points_archive"]

#: The columns of a Parquet archive (:func:`write_points_archive`). ``crime_id`` is the
#: police.uk ``Crime ID`` (null where blank), kept so each crime is counted once.
ARCHIVE_COLUMNS = ["month", "crime_type", "longitude", "latitude", "crime_id"]
# police.uk's names for them, in a CSV file.
_POLICEUK_NAMES = {"month": "Month", "crime_type": "Crime type", "longitude": "Longitude",
                   "latitude": "Latitude", "crime_id": "Crime ID"}
_REPORT_COLUMNS = ["file", "rows_read", "rows_set_aside", "no_location", "rows_written",
                   "reader", "output"]
_EXPECTED_COLUMNS = ("police.uk street-level columns (Crime ID, Month, Longitude, Latitude, "
                     "Crime type; in a Parquet file named in any case or with underscores) or "
                     "an archive's (" + ", ".join(ARCHIVE_COLUMNS) + "); an archive written "
                     "without crime_id must be written again with write_points_archive")


def write_points_archive(paths: str | Path | Iterable[str | Path], folder: str | Path, *,
                         compression: str = "zstd") -> pd.DataFrame:
    """Convert police.uk street-level files to a Parquet archive for counting at scale.

    Each input file (CSV, or a re-sharer's Parquet copy) becomes one Parquet file (same
    name, ``.parquet``) in ``folder`` with the columns :data:`ARCHIVE_COLUMNS`: ``month``
    (``YYYY-MM``), ``crime_type``, ``longitude`` and ``latitude`` (null where police.uk
    gives no location) and ``crime_id`` (null where blank). Files are read as
    :func:`~scpb_analysis.geo.points.ward_month_counts` reads them: plain files quickly, others
    with the validating loader, whose set-aside rows (blank lines, repeated headers) are
    counted in the report, never written. Every other row is written, repeated Crime IDs
    included: :func:`archive_ward_month_counts` counts each crime once, whatever archives
    and files it is given together.

    Parameters
    ----------
    paths : path or iterable of paths
        CSV (or Parquet copy) files and/or folders, searched recursively.
    folder : path
        Where the Parquet files go (created if needed).
    compression : str
        Parquet compression codec.

    Returns
    -------
    DataFrame
        One row per file: ``file, rows_read, rows_set_aside, no_location, rows_written,
        reader, output``; ``rows_read = rows_set_aside + rows_written``.

    Raises
    ------
    InputDataError
        For a file that is not police.uk street-level data or has a bad value (named by
        file, row and column), two input files with the same name, or an input the archive
        would overwrite.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    files, _ = policeuk_files(paths)
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    seen: dict[str, Path] = {}
    report = []
    for path in files:
        target = out / (path.stem + ".parquet")
        if target.name in seen:
            raise InputDataError(path, f"has the same name as {seen[target.name]}",
                                 expected="one file per name (they would both be written "
                                 f"to {target})")
        if target.resolve() == path:
            raise InputDataError(path, "would be overwritten by its own archive file",
                                 expected="an archive folder other than the input's")
        seen[target.name] = path
        rows = read_one(path)
        month_text = pd.PeriodIndex.from_ordinals(rows.month, freq="M").strftime("%Y-%m")
        located = ~np.isnan(rows.lon)
        table = pa.table({
            "month": pa.array(np.asarray(month_text, dtype=object), pa.string())
            .dictionary_encode(),
            "crime_type": pa.DictionaryArray.from_arrays(
                pa.array(rows.type_code, pa.int32()), pa.array(rows.type_labels, pa.string())),
            "longitude": pa.array(rows.lon, mask=~located),
            "latitude": pa.array(rows.lat, mask=~located),
            "crime_id": blank_as_null(rows.ids),
        })
        pq.write_table(table, target, compression=compression)
        report.append({"file": path.name, "rows_read": rows.rows_read,
                       "rows_set_aside": rows.set_aside,
                       "no_location": int(np.count_nonzero(~located)),
                       "rows_written": len(table), "reader": rows.reader,
                       "output": str(target)})
    return pd.DataFrame(report, columns=_REPORT_COLUMNS)


def blank_as_null(ids):
    """Crime IDs as Arrow strings, null where blank (anti-social behaviour)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_null(ids.type):
        return pa.nulls(len(ids), pa.string())
    ids = ids.cast(pa.string())
    return pc.if_else(pc.equal(pc.utf8_trim_whitespace(ids), ""), pa.scalar(None, pa.string()),
                      ids)


def _archive_files(source: str | Path | Iterable[str | Path]) -> list[Path]:
    """The Parquet and CSV files named or found in folders, in sorted path order."""
    try:
        files, _ = find_data_files(source, "a Parquet archive or police.uk street-level CSV "
                                   "files")
    except InputDataError as exc:
        if "folder with no" in exc.problem:
            raise MissingSourceError(exc.file, "holds no .parquet or .csv files",
                                 expected="a Parquet archive (write_points_archive) or "
                                 "police.uk street-level CSV files") from None
        raise
    return sorted(files)


def _columns(path: Path, names: list[str], kind: str) -> dict[str, str]:
    """The file's column for each archive column (archive names, or police.uk's)."""
    if kind == "csv":
        if all(_POLICEUK_NAMES[c] in names for c in ARCHIVE_COLUMNS):
            return dict(_POLICEUK_NAMES)
    else:
        by_key: dict[str, list[str]] = {}
        for name in names:
            by_key.setdefault(column_key(name), []).append(name)
        if all(len(by_key.get(c, [])) == 1 for c in ARCHIVE_COLUMNS):
            return {c: by_key[c][0] for c in ARCHIVE_COLUMNS}
    raise InputDataError(path, "does not have the columns counting needs",
                         row=1 if kind == "csv" else None, expected=_EXPECTED_COLUMNS)


def _scans(files: list[Path]):
    """(dataset, naming, kind) for each run of consecutive files read alike, in file order."""
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq

    text = pa.dictionary(pa.int32(), pa.string())
    csv_format = ds.CsvFileFormat(
        read_options=pacsv.ReadOptions(block_size=16 << 20),
        # Blank lines come through as rows of nulls, to be set aside and counted.
        parse_options=pacsv.ParseOptions(ignore_empty_lines=False),
        convert_options=pacsv.ConvertOptions(
            column_types={"Month": text, "Crime type": text, "Longitude": pa.float64(),
                          "Latitude": pa.float64(), "Crime ID": pa.string()},
            strings_can_be_null=True))
    named = []
    for path in files:
        if path.suffix.lower() == ".parquet":
            try:
                names = pq.read_schema(path).names
            except Exception as exc:  # pyarrow raises several types for a non-Parquet file
                raise InputDataError(path, f"is not a readable Parquet file ({exc})",
                                     expected=_EXPECTED_COLUMNS) from None
            named.append((path, "parquet", tuple(_columns(path, names, "parquet").items())))
        else:
            if not plain_header(path):
                with path.open("rb") as handle:
                    first = handle.readline(4096).decode("utf-8", "replace").strip()
                _columns(path, [c.strip('"') for c in first.lstrip("\ufeff").split(",")], "csv")
            named.append((path, "csv", tuple(_POLICEUK_NAMES.items())))
    for (kind, naming), run in groupby(named, key=lambda item: (item[1], item[2])):
        paths = [str(item[0]) for item in run]
        fmt = csv_format if kind == "csv" else ds.ParquetFileFormat()
        yield ds.dataset(paths, format=fmt), dict(naming), kind


def archive_ward_month_counts(source: str | Path | Iterable[str | Path], wards, *,
                              ward_code: str = "ward_code",
                              batch_rows: int = 1_000_000) -> PointCounts:
    """Count a police.uk archive by ward, month and crime type, streaming it in batches.

    Parameters
    ----------
    source : path or iterable of paths
        Parquet files (from :func:`write_points_archive`, or any Parquet with the archive's
        column names or police.uk's in any case or with underscores, e.g. a re-sharer's copy
        of a police.uk file) and/or police.uk street-level CSV files, and/or folders of them;
        files are read in sorted path order.
    wards : GeoDataFrame or WardIndex
        Ward polygons with a CRS and a code column, or a
        :class:`~scpb_analysis.geo.ward_index.WardIndex`.
    ward_code : str
        The wards' code column (ignored for a WardIndex).
    batch_rows : int
        Rows placed and counted at a time. Memory grows with this and with Arrow's read-ahead
        (a few batches of a few files), and with the distinct Crime IDs seen (about 20 bytes
        each), never with the rows held.

    Returns
    -------
    PointCounts
        As :func:`~scpb_analysis.geo.points.ward_month_counts` returns: the same counts and row
        accounting (``rows_read = set_aside + duplicates + no_location + outside +
        in_wards``); ``files.reader`` is ``"archive-parquet"`` or ``"archive-csv"``.

    Raises
    ------
    InputDataError
        For a file without the columns (an archive written without ``crime_id`` included),
        or a bad month, coordinate or empty crime type (naming the file and, for CSV, the
        spreadsheet row).
    """
    import pyarrow as pa

    files = _archive_files(source)
    index = wards if isinstance(wards, WardIndex) else WardIndex.cached(wards,
                                                                        ward_code=ward_code)
    tally = WardMonthTally(index)
    seen = SeenCrimeIds()
    number = {str(p): i for i, p in enumerate(files)}
    per_file: dict[str, dict] = {
        str(p): {"file": p.name, "rows_read": 0, "rows_set_aside": 0,
                 "duplicates_same_file": 0, "duplicates_earlier_file": 0, "no_location": 0,
                 "other_force": 0, "unknown_crime_type": 0, "same_rows_as": "",
                 "set_aside_why": "",
                 "reader": f"archive-{'parquet' if p.suffix.lower() == '.parquet' else 'csv'}",
                 "path": str(p)} for p in files}
    # A file repeating an earlier one (issue 13): read for its row count, all set aside.
    repeats = repeated_files(files)
    for path, first in repeats.items():
        info = per_file[str(path)]
        info.update(rows_read=read_one(path).rows_read, same_rows_as=first.name)
        info.update(rows_set_aside=info["rows_read"],
                    set_aside_why=f"all {info['rows_read']} rows: same rows as earlier file "
                    f"{first.name}")
    files_read = [p for p in files if p not in repeats]
    held: list[tuple] = []
    held_rows = 0
    # Files holding rows of another force are read whole by the in-memory reader, which sets
    # those rows aside (the scan reads no Falls within); the rest stream. Runs keep file order.
    own = _files_with_other_forces(files_read)
    runs: list[tuple[bool, list[Path]]] = []
    for path in files_read:
        if path in own or not runs or runs[-1][0]:
            runs.append((path in own, [path]))
        else:
            runs[-1][1].append(path)
    try:
        for whole, paths in runs:
            if whole:
                rows = read_one(paths[0])
                summary = rows.summary(0, 0, 0)
                info = per_file[str(paths[0])]
                for column in ("rows_read", "other_force", "unknown_crime_type",
                               "set_aside_why"):
                    info[column] = summary[column]
                info["rows_set_aside"] = summary["rows_set_aside"]
                held.append((rows.month, tally.type_ids(rows.type_labels)[rows.type_code],
                             rows.lon, rows.lat, *rows.keys(),
                             np.full(len(rows.lon), number[str(paths[0])], dtype=np.int32)))
                held_rows += len(rows.lon)
                continue
            for dataset, naming, kind in _scans(paths):
                columns = [naming[c] for c in ARCHIVE_COLUMNS]
                # Read ahead a few batches and files at most: memory stays bounded. Batches
                # come in file order, and in row order within a file.
                scanner = dataset.scanner(columns=columns, batch_size=min(batch_rows, 1 << 20),
                                          batch_readahead=4, fragment_readahead=4,
                                          use_threads=True)
                for tagged in scanner.scan_batches():
                    batch, path = tagged.record_batch, tagged.fragment.path
                    parts = _batch_rows(batch, columns, tally, per_file[path], number[path],
                                        Path(path), kind)
                    if parts is not None:
                        held.append(parts)
                        held_rows += len(parts[0])
                    if held_rows >= batch_rows:
                        _count_held(held, tally, seen, per_file, files)
                        held, held_rows = [], 0
    except pa.ArrowInvalid as exc:
        first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputDataError(None, f"the archive could not be read: {first_line}",
                             expected="police.uk street-level rows; irregular CSV files can be "
                             "read with ward_month_counts or converted with "
                             "write_points_archive, which set odd rows aside") from None
    _count_held(held, tally, seen, per_file, files)
    for info in per_file.values():  # blank lines, said as the in-memory path says them
        empty = (info["rows_set_aside"] - info["unknown_crime_type"]
                 if not info["same_rows_as"] else 0)
        if empty:
            info["set_aside_why"] = "; ".join(filter(None, [info["set_aside_why"],
                                                            empty_rows(empty)]))
    return tally.result(pd.DataFrame(list(per_file.values()), columns=FILE_COLUMNS))


def _files_with_other_forces(files: list[Path]) -> set[Path]:
    """The CSV files and Parquet copies with a ``Falls within`` column naming another force
    than the file's (:func:`~scpb_analysis.sources.policeuk.file_force`): only that column is
    read. A file that cannot be read is left to the scan, which names it."""
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    text = pa.dictionary(pa.int32(), pa.string())
    out = set()
    for path in files:
        try:
            if path.suffix.lower() == ".parquet":
                names = [n for n in pq.read_schema(path).names
                         if column_key(n) == column_key("Falls within")]
                if len(names) != 1:
                    continue  # an archive: written by the reader that sets them aside
                values = pq.read_table(path, columns=names).column(0)
            else:
                values = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(
                    include_columns=["Falls within"], column_types={"Falls within": text})
                ).column(0)
            values = dictionary_columns(values)
        except (pa.ArrowException, OSError, ValueError):
            continue
        codes = values.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
        # A header repeated where files were joined is no force (the scan refuses it).
        labels = [None if str(v).strip().casefold() == "falls within" else v
                  for v in values.dictionary.to_pylist()]
        other = screen_rows(path, labels, codes, [], np.zeros(0, dtype=np.int64))[0]
        if other.any():
            out.add(path)
    return out


def _count_held(held: list[tuple], tally: WardMonthTally, seen: SeenCrimeIds,
                per_file: dict[str, dict], files: list[Path]) -> None:
    """Count the rows held (in file order) but repeats of Crime IDs seen before; the files'
    repeats and rows without a location go in their reports."""
    if not held:
        return
    month, kind, lon, lat, hi, lo, has_id, file = (np.concatenate(c)
                                                   for c in zip(*held, strict=True))
    repeat, same = seen.repeats(hi, lo, has_id, file)
    if repeat.any():
        keep = ~repeat
        month, kind, lon, lat, counted = month[keep], kind[keep], lon[keep], lat[keep], file[keep]
    else:
        counted = file
    tally.add(month, kind, lon, lat)
    n = len(files)
    tallies = {"duplicates_same_file": np.bincount(file[same], minlength=n),
               "duplicates_earlier_file": np.bincount(file[repeat & ~same], minlength=n),
               "no_location": np.bincount(counted[np.isnan(lon)], minlength=n)}
    for i in np.unique(file).tolist():
        info = per_file[str(files[i])]
        for column, values in tallies.items():
            info[column] += int(values[i])


def _batch_rows(batch, columns: list[str], tally: WardMonthTally, info: dict, file: int,
                path: Path, kind: str):
    """One record batch checked (blank lines set aside) and turned into (month, crime type id,
    lon, lat, Crime ID key halves, has an ID, file number) arrays."""
    import pyarrow as pa
    import pyarrow.compute as pc

    start = info["rows_read"]
    n = batch.num_rows
    info["rows_read"] += n
    if not n:
        return None
    month, kind_col, lon, lat, crime_id = (batch.column(c) for c in columns)

    def where(i: int, column: str, problem: str, expected: str):
        row = start + i + 2 if kind == "csv" else None  # spreadsheet row: header is row 1
        what = problem if kind == "csv" else f"{problem} (data row {start + i + 1})"
        return InputDataError(path, what, row=row, column=column, expected=expected)

    empty = np.asarray(pc.and_(pc.and_(pc.and_(month.is_null(), kind_col.is_null()),
                                       pc.and_(lon.is_null(), lat.is_null())),
                               crime_id.is_null()))
    if empty.any():  # blank lines: set aside and counted, as the validating loader does
        info["rows_set_aside"] += int(empty.sum())
        keep = pa.array(~empty)
        month, kind_col, lon, lat, crime_id = (pc.filter(c, keep)
                                               for c in (month, kind_col, lon, lat, crime_id))
        rows = np.flatnonzero(~empty)
    else:
        rows = None

    def position(i: int) -> int:
        return int(rows[i]) if rows is not None else i

    for column, values in ((columns[0], month), (columns[1], kind_col)):
        if values.null_count:
            i = position(int(np.flatnonzero(np.asarray(values.is_null()))[0]))
            raise where(i, column, f"the {column.lower().replace('_', ' ')} is empty",
                        "a value on every row with any values")
    month, kind_col = dictionary_columns(month), dictionary_columns(kind_col)
    month_codes = np.asarray(month.indices, dtype=np.int64)
    kind_codes = np.asarray(kind_col.indices, dtype=np.int64)
    # Dictionaries may hold values no row uses (after filtering): check the used ones.
    ordinals = np.full(len(month.dictionary), -1, dtype=np.int64)
    for k, value in _used(month.dictionary, month_codes):
        try:
            ordinals[k] = month_ordinals([value])[0]
        except InputDataError as exc:
            i = position(int(np.flatnonzero(month_codes == k)[0]))
            raise where(i, columns[0], exc.problem, exc.expected) from None
    labels = kind_col.dictionary.to_pylist()
    for k, label in _used(kind_col.dictionary, kind_codes):
        if not str(label).strip():
            i = position(int(np.flatnonzero(kind_codes == k)[0]))
            raise where(i, columns[1], "the crime type is empty",
                        "a police.uk crime type on every row, e.g. Burglary")
    # Crime types as police.uk spells them ("Burglary " is Burglary); an unknown one is set
    # aside and reported, as the in-memory path does. (Falls within is not in an archive:
    # rows of another force are set aside by write_points_archive's reader, not here.)
    canonical = [canonical_crime_type(label) for label in labels]
    unknown_codes = [k for k, c in enumerate(canonical) if c is None]
    if unknown_codes:
        unknown = np.isin(kind_codes, unknown_codes)
        if unknown.any():
            info["rows_set_aside"] += int(unknown.sum())
            info["unknown_crime_type"] += int(unknown.sum())
            found = sorted({labels[k] for k in kind_codes[unknown].tolist()})
            info["set_aside_why"] = "; ".join(
                filter(None, [info["set_aside_why"], "unknown crime type " + ", ".join(
                    f"'{label}'" for label in found)]))
            keep = ~unknown
            month_codes, kind_codes = month_codes[keep], kind_codes[keep]
            lon, lat, crime_id = (c.filter(pa.array(keep)) for c in (lon, lat, crime_id))
            rows = np.flatnonzero(keep) if rows is None else rows[keep]  # for position()
    labels = [c if c is not None else label for c, label in zip(canonical, labels,
                                                                 strict=True)]
    lon_v = lon.to_numpy(zero_copy_only=False).astype(float)
    lat_v = lat.to_numpy(zero_copy_only=False).astype(float)
    lon_missing, lat_missing = np.isnan(lon_v), np.isnan(lat_v)
    if (lon_missing != lat_missing).any():
        i = int(np.flatnonzero(lon_missing != lat_missing)[0])
        column = columns[3] if lat_missing[i] else columns[2]
        raise where(position(i), column, "one coordinate is given without the other",
                    "both longitude and latitude, or neither")
    for values, column, (low, high) in ((lon_v, columns[2], GB_BOUNDS["Longitude"]),
                                        (lat_v, columns[3], GB_BOUNDS["Latitude"])):
        with np.errstate(invalid="ignore"):
            outside = (values < low) | (values > high)
        if outside.any():
            i = int(np.flatnonzero(outside)[0])
            raise where(position(i), column, f"{values[i]} is outside the UK",
                        f"a value between {low:g} and {high:g}")
    hi, lo, has_id = crime_id_keys(crime_id)
    return (ordinals[month_codes], tally.type_ids(labels)[kind_codes], lon_v, lat_v, hi, lo,
            has_id, np.full(len(lon_v), file, dtype=np.int32))


def _used(dictionary, codes: np.ndarray) -> list[tuple[int, object]]:
    """(position, value) of the dictionary entries some row uses."""
    values = dictionary.to_pylist()
    return [(int(k), values[k]) for k in np.flatnonzero(np.bincount(codes,
                                                                    minlength=len(values)))]
