"""police.uk archives of any size counted out of core: the same counts in bounded memory.

A national comparison (all 43 forces, several years) is tens of millions of rows: more than
an analyst's machine holds as a table, and more than the in-memory path
(:func:`scpb_analysis.points.ward_month_counts`) should hold at once. Here the rows stream
through Arrow datasets in batches of ``batch_rows``; each batch is placed in wards and
reduced to counts (:class:`~scpb_analysis.points.WardMonthTally`), so memory depends on the
batch size and the number of distinct ward x month x crime type combinations, never on the
number of rows. The counts are exactly those of the in-memory path (tested on the real Met
files).

Two kinds of input:

* police.uk street-level CSV files, read directly (blank lines are set aside and reported;
  anything else irregular is an error naming the file and row);
* a Parquet archive written once by :func:`write_points_archive`, which reads each CSV with
  the validating loader (so irregular rows are set aside with a reason), keeps the four
  columns counting needs, and is a tenth of the size and many times faster to scan.

Examples
--------
>>> import tempfile
>>> import geopandas as gpd
>>> from shapely import box
>>> from scpb_analysis.sources.policeuk import SOURCE_COLUMNS
>>> folder = Path(tempfile.mkdtemp())
>>> row = "x,2023-05,Met,Met,{},51.55,On or near A Road,E01,Barnet 001A,Burglary,,\\n"
>>> _ = (folder / "2023-05-metropolitan-street.csv").write_text(
...     ",".join(SOURCE_COLUMNS) + "\\n" + row.format(-0.15) + row.format(-0.15) + row.format(1.0))
>>> wards = gpd.GeoDataFrame({"ward_code": ["W1"]}, geometry=[box(-0.2, 51.5, -0.1, 51.6)],
...                          crs=4326)
>>> report = write_points_archive(folder, folder / "archive")
>>> report[["file", "rows_read", "rows_written"]]
                              file  rows_read  rows_written
0  2023-05-metropolitan-street.csv          3             3
>>> result = archive_ward_month_counts(folder / "archive", wards)
>>> result.counts
  ward_code    month crime_type  count
0        W1  2023-05   Burglary      2
>>> result.rows_read, result.outside
(3, 1)
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from scpb_analysis.errors import InputDataError
from scpb_analysis.points import (
    _BOUNDS,
    _FILE_COLUMNS,
    PointCounts,
    WardIndex,
    WardMonthTally,
    _plain_header,
    _read_one,
    month_ordinals,
)

__all__ = ["ARCHIVE_COLUMNS", "archive_ward_month_counts", "write_points_archive"]

#: The columns of a Parquet archive (:func:`write_points_archive`).
ARCHIVE_COLUMNS = ["month", "crime_type", "longitude", "latitude"]
# police.uk's names for them, in a CSV file or a Parquet file written by other tools.
_POLICEUK_NAMES = {"month": "Month", "crime_type": "Crime type", "longitude": "Longitude",
                   "latitude": "Latitude"}
_REPORT_COLUMNS = ["file", "rows_read", "rows_set_aside", "no_location", "rows_written",
                   "reader", "output"]


def write_points_archive(paths: str | Path | Iterable[str | Path], folder: str | Path, *,
                         compression: str = "zstd") -> pd.DataFrame:
    """Convert police.uk street-level CSV files to a Parquet archive for counting at scale.

    Each CSV becomes one Parquet file (same name, ``.parquet``) in ``folder`` with the
    columns :data:`ARCHIVE_COLUMNS`: ``month`` (``YYYY-MM``), ``crime_type``, ``longitude``
    and ``latitude`` (null where police.uk gives no location). Files are read as
    :func:`~scpb_analysis.points.ward_month_counts` reads them: plain files quickly, others
    with the validating loader, whose set-aside rows (blank lines, repeated headers) are
    counted in the report, never written.

    Parameters
    ----------
    paths : path or iterable of paths
        CSV files and/or folders (searched recursively).
    folder : path
        Where the Parquet files go (created if needed).
    compression : str
        Parquet compression codec.

    Returns
    -------
    DataFrame
        One row per file: ``file, rows_read, rows_set_aside, no_location, rows_written,
        reader, output``.

    Raises
    ------
    InputDataError
        For a file that is not police.uk street-level CSV or has a bad value (named by file,
        row and column), or two input files with the same name.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    from scpb_analysis.sources._files import find_csv_files

    files, _ = find_csv_files(paths, "police.uk street-level CSV files")
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
        seen[target.name] = path
        rows = _read_one(path)
        month_text = pd.PeriodIndex.from_ordinals(rows.month, freq="M").strftime("%Y-%m")
        located = ~np.isnan(rows.lon)
        table = pa.table({
            "month": pa.array(np.asarray(month_text, dtype=object), pa.string())
            .dictionary_encode(),
            "crime_type": pa.DictionaryArray.from_arrays(
                pa.array(rows.type_code, pa.int32()), pa.array(rows.type_labels, pa.string())),
            "longitude": pa.array(rows.lon, mask=~located),
            "latitude": pa.array(rows.lat, mask=~located),
        })
        pq.write_table(table, target, compression=compression)
        report.append({"file": path.name, "rows_read": rows.rows_read,
                       "rows_set_aside": rows.set_aside,
                       "no_location": int(np.count_nonzero(~located)),
                       "rows_written": len(table), "reader": rows.reader,
                       "output": str(target)})
    return pd.DataFrame(report, columns=_REPORT_COLUMNS)


def _archive_files(source: str | Path | Iterable[str | Path]) -> tuple[list[Path], str]:
    """The Parquet or CSV files named or found in folders, and which of the two they are."""
    given = [source] if isinstance(source, (str, Path)) else list(source)
    files: list[Path] = []
    for item in given:
        path = Path(item)
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.is_file()
                            and p.suffix.lower() in (".parquet", ".csv"))
        elif path.is_file():
            files.append(path)
        else:
            raise InputDataError(path, "does not exist",
                                 expected="a Parquet archive or police.uk CSV files or folders")
    kinds = {p.suffix.lower() for p in files}
    if not files:
        raise InputDataError(given[0] if given else None, "holds no .parquet or .csv files",
                             expected="a Parquet archive (write_points_archive) or police.uk "
                             "street-level CSV files")
    if len(kinds) > 1 or not kinds <= {".parquet", ".csv"}:
        raise InputDataError(given[0], "mixes " + " and ".join(sorted(kinds)) + " files",
                             expected="either a Parquet archive or CSV files, not both")
    return list(dict.fromkeys(p.resolve() for p in files)), kinds.pop().lstrip(".")


def _columns(path: Path, names: list[str], kind: str) -> dict[str, str]:
    """The file's column for each archive column (archive or police.uk names)."""
    for naming in (dict(zip(ARCHIVE_COLUMNS, ARCHIVE_COLUMNS, strict=True)), _POLICEUK_NAMES):
        if all(naming[c] in names for c in ARCHIVE_COLUMNS):
            return naming
    raise InputDataError(path, "does not have the columns counting needs",
                         row=1 if kind == "csv" else None,
                         expected="police.uk street-level columns (Month, Longitude, Latitude, "
                         "Crime type) or an archive's (month, crime_type, longitude, latitude)")


def _dataset(files: list[Path], kind: str):
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq

    text = pa.dictionary(pa.int32(), pa.string())
    if kind == "csv":
        for path in files:
            if not _plain_header(path):
                first = path.open("rb").readline(4096).decode("utf-8", "replace").strip()
                _columns(path, [c.strip('"') for c in first.lstrip("\ufeff").split(",")], kind)
        fmt = ds.CsvFileFormat(
            read_options=pacsv.ReadOptions(block_size=16 << 20),
            # Blank lines come through as rows of nulls, to be set aside and counted.
            parse_options=pacsv.ParseOptions(ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                column_types={"Month": text, "Crime type": text,
                              "Longitude": pa.float64(), "Latitude": pa.float64()},
                strings_can_be_null=True))
        return ds.dataset([str(p) for p in files], format=fmt), _POLICEUK_NAMES
    naming = None
    for path in files:
        found = _columns(path, pq.read_schema(path).names, kind)
        if naming is not None and found != naming:
            raise InputDataError(path, "names its columns differently from the other files",
                                 expected="one naming across the archive")
        naming = found
    return ds.dataset([str(p) for p in files], format="parquet"), naming


def archive_ward_month_counts(source: str | Path | Iterable[str | Path], wards, *,
                              ward_code: str = "ward_code",
                              batch_rows: int = 1_000_000) -> PointCounts:
    """Count a police.uk archive by ward, month and crime type, streaming it in batches.

    Parameters
    ----------
    source : path or iterable of paths
        A Parquet archive (folder or files, from :func:`write_points_archive` or any Parquet
        with police.uk's or the archive's column names), or police.uk street-level CSV
        files and/or folders.
    wards : GeoDataFrame or WardIndex
        Ward polygons with a CRS and a code column, or a
        :class:`~scpb_analysis.ward_index.WardIndex`.
    ward_code : str
        The wards' code column (ignored for a WardIndex).
    batch_rows : int
        Rows placed and counted at a time. Memory grows with this and with Arrow's read-ahead
        (a few batches of a few files), never with the archive: at the default, about 1.2 GB
        at its peak for the 60-million-row benchmark archive (``scpb bench --national``).

    Returns
    -------
    PointCounts
        As :func:`~scpb_analysis.points.ward_month_counts` returns: the same counts and row
        accounting; ``files.reader`` is ``"archive-parquet"`` or ``"archive-csv"``.

    Raises
    ------
    InputDataError
        For a file without the columns, or a bad month, coordinate or empty crime type
        (naming the file and, for CSV, the spreadsheet row).
    """
    import pyarrow as pa

    files, kind = _archive_files(source)
    index = wards if isinstance(wards, WardIndex) else WardIndex.cached(wards,
                                                                        ward_code=ward_code)
    tally = WardMonthTally(index)
    per_file: dict[str, dict] = {str(p): {"file": p.name, "rows_read": 0, "rows_set_aside": 0,
                                          "no_location": 0, "reader": f"archive-{kind}",
                                          "path": str(p)} for p in files}
    held: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
    held_rows = 0
    try:
        # Read ahead a few batches and files at most: memory stays bounded.
        dataset, naming = _dataset(files, kind)
        columns = [naming[c] for c in ARCHIVE_COLUMNS]
        scanner = dataset.scanner(columns=columns, batch_size=min(batch_rows, 1 << 20),
                                  batch_readahead=4, fragment_readahead=4, use_threads=True)
        for tagged in scanner.scan_batches():
            batch, path = tagged.record_batch, tagged.fragment.path
            info = per_file[path]
            parts = _batch_rows(batch, columns, tally, info, Path(path), kind)
            if parts is not None:
                held.append(parts)
                held_rows += len(parts[0])
            if held_rows >= batch_rows:
                tally.add_parts(held)
                held, held_rows = [], 0
    except pa.ArrowInvalid as exc:
        first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputDataError(None, f"the archive could not be read: {first_line}",
                             expected="police.uk street-level rows; irregular CSV files can be "
                             "read with ward_month_counts or converted with "
                             "write_points_archive, which set odd rows aside") from None
    tally.add_parts(held)
    return tally.result(pd.DataFrame(list(per_file.values()), columns=_FILE_COLUMNS))


def _batch_rows(batch, columns: list[str], tally: WardMonthTally, info: dict, path: Path,
                kind: str):
    """One record batch checked and turned into (month, crime type id, lon, lat) arrays."""
    import pyarrow as pa
    import pyarrow.compute as pc

    start = info["rows_read"]
    n = batch.num_rows
    info["rows_read"] += n
    if not n:
        return None
    month, kind_col, lon, lat = (batch.column(c) for c in columns)

    def where(i: int, column: str, problem: str, expected: str):
        row = start + i + 2 if kind == "csv" else None  # spreadsheet row: header is row 1
        what = problem if kind == "csv" else f"{problem} (data row {start + i + 1})"
        return InputDataError(path, what, row=row, column=column, expected=expected)

    empty = np.asarray(pc.and_(pc.and_(month.is_null(), kind_col.is_null()),
                               pc.and_(lon.is_null(), lat.is_null())))
    keep = None
    if empty.any():  # blank lines: set aside and counted, as the validating loader does
        info["rows_set_aside"] += int(empty.sum())
        keep = pa.array(~empty)
        month, kind_col, lon, lat = (pc.filter(c, keep) for c in (month, kind_col, lon, lat))
        rows = np.flatnonzero(~empty)
    else:
        rows = None

    def position(i: int) -> int:
        return int(rows[i]) if rows is not None else i

    for column, values in ((columns[0], month), (columns[1], kind_col)):
        if values.null_count:
            i = position(int(np.flatnonzero(np.asarray(values.is_null()))[0]))
            raise where(i, column, f"the {column.lower()} is empty",
                        "a value on every row with any values")
    month, kind_col = _dictionary(month), _dictionary(kind_col)
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
    lon_v = lon.to_numpy(zero_copy_only=False).astype(float)
    lat_v = lat.to_numpy(zero_copy_only=False).astype(float)
    lon_missing, lat_missing = np.isnan(lon_v), np.isnan(lat_v)
    if (lon_missing != lat_missing).any():
        i = int(np.flatnonzero(lon_missing != lat_missing)[0])
        column = columns[3] if lat_missing[i] else columns[2]
        raise where(position(i), column, "one coordinate is given without the other",
                    "both longitude and latitude, or neither")
    for values, column, (low, high) in ((lon_v, columns[2], _BOUNDS["Longitude"]),
                                        (lat_v, columns[3], _BOUNDS["Latitude"])):
        with np.errstate(invalid="ignore"):
            outside = (values < low) | (values > high)
        if outside.any():
            i = int(np.flatnonzero(outside)[0])
            raise where(position(i), column, f"{values[i]} is outside the UK",
                        f"a value between {low:g} and {high:g}")
    info["no_location"] += int(lon_missing.sum())
    return ordinals[month_codes], tally.type_ids(labels)[kind_codes], lon_v, lat_v


def _used(dictionary, codes: np.ndarray) -> list[tuple[int, object]]:
    """(position, value) of the dictionary entries some row uses."""
    values = dictionary.to_pylist()
    return [(int(k), values[k]) for k in np.flatnonzero(np.bincount(codes,
                                                                    minlength=len(values)))]


def _dictionary(values):
    """A string column as one dictionary array (Parquet may give plain or chunked strings)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if not pa.types.is_dictionary(values.type):
        values = pc.dictionary_encode(values)
    return values
