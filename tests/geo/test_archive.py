"""Out-of-core counting (Arrow datasets): exactly the in-memory counts, in batches, each crime
once (repeated Crime IDs set aside across batches and files), Parquet copies read."""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from conftest import policeuk_header, policeuk_row
from shapely import box

from scpb_analysis.core.errors import InputDataError
from scpb_analysis.geo.archive import (
    ARCHIVE_COLUMNS,
    archive_ward_month_counts,
    write_points_archive,
)
from scpb_analysis.geo.points import ward_month_counts
from scpb_analysis.sources.files import column_key
from scpb_analysis.sources.policeuk import SOURCE_COLUMNS

HEADER = policeuk_header()
_ids = itertools.count()


def _row(month="2023-05", lon="-0.15", lat="51.55", crime_type="Burglary", crime_id=None):
    """A police.uk data line with its own Crime ID (or the one given)."""
    line = policeuk_row(month, lon, lat, crime_type)
    return (f"a{next(_ids)}" if crime_id is None else crime_id) + line[line.index(","):]


def _same(found, expected):
    pd.testing.assert_frame_equal(found.counts, expected.counts)
    for name in ("rows_read", "duplicates", "no_location", "outside", "on_boundary",
                 "set_aside"):
        assert getattr(found, name) == getattr(expected, name), name
    assert found.rows_read == (found.set_aside + found.duplicates + found.no_location
                               + found.outside + int(found.counts["count"].sum()))


def _wards():
    return gpd.GeoDataFrame({"ward_code": ["W2", "W1"]},
                            geometry=[box(-0.1, 51.5, 0.0, 51.6), box(-0.2, 51.5, -0.1, 51.6)],
                            crs=4326).to_crs(27700)


def test_real_files_out_of_core_equal_in_memory(met_files, london_wards, tmp_path):
    expected = ward_month_counts(met_files, london_wards)
    # Straight from the CSV files, in batches far smaller than the input.
    direct = archive_ward_month_counts(met_files, london_wards, batch_rows=20_000)
    _same(direct, expected)
    assert (direct.files["reader"] == "archive-csv").all()
    pd.testing.assert_frame_equal(direct.files.drop(columns="reader"),
                                  expected.files.drop(columns="reader"))
    # Through a Parquet archive: a fifth of the size (the Crime IDs are most of it), the same
    # counts.
    report = write_points_archive(met_files, tmp_path / "archive")
    assert report["rows_written"].sum() == expected.rows_read == 163_246
    # Every row is written, repeats too (counting sets them aside): 158,914 have a location.
    assert report["no_location"].sum() == expected.rows_read - 158_914
    parquet = archive_ward_month_counts(tmp_path / "archive", london_wards, batch_rows=50_000)
    _same(parquet, expected)
    assert expected.duplicates > 0  # police.uk's repeats, counted as tests/test_points.py shows
    pd.testing.assert_frame_equal(parquet.files.drop(columns=["reader", "file", "path"]),
                                  expected.files.drop(columns=["reader", "file", "path"]))
    assert pq.read_schema(next((tmp_path / "archive").glob("*.parquet"))).names == ARCHIVE_COLUMNS
    size = sum(p.stat().st_size for p in (tmp_path / "archive").glob("*.parquet"))
    assert size < sum(p.stat().st_size for p in met_files) / 4


def test_blank_lines_are_set_aside_and_batches_merge(write_csv, tmp_path):
    rows = [_row(lon=f"{-0.19 + 0.03 * (i % 6):.6f}", month=f"2023-0{1 + i % 3}",
                 crime_type=("Burglary", "Robbery")[i % 2]) for i in range(500)]
    text = HEADER + "".join(rows[:200]) + "\n" + "".join(rows[200:]) + _row(lon="", lat="")
    path = write_csv(text, "2023-05-metropolitan-street.csv")
    expected = ward_month_counts(path, _wards())
    assert expected.set_aside == 1
    for batch_rows in (7, 100, 10_000):
        _same(archive_ward_month_counts(path, _wards(), batch_rows=batch_rows), expected)
    report = write_points_archive(path, tmp_path / "a")
    assert report.loc[0, ["rows_read", "rows_set_aside", "rows_written"]].tolist() == [
        502, 1, 501]
    archived = archive_ward_month_counts(tmp_path / "a", _wards(), batch_rows=64)
    pd.testing.assert_frame_equal(archived.counts, expected.counts)
    assert (archived.rows_read, archived.outside, archived.no_location) == (
        501, expected.outside, 1)


def test_parquet_with_police_uk_names_is_read(tmp_path):
    table = pa.table({"Crime ID": ["k1", "k2", "k3"], "Month": ["2023-05", "2023-05", "2023-06"],
                      "Crime type": ["Burglary", "Burglary", "Robbery"],
                      "Longitude": [-0.15, None, -0.05], "Latitude": [51.55, None, 51.55],
                      "LSOA code": ["E01", "E01", "E01"]})
    pq.write_table(table, tmp_path / "other-tool.parquet")
    found = archive_ward_month_counts(tmp_path, _wards())
    assert found.counts[["ward_code", "crime_type", "count"]].values.tolist() == [
        ["W1", "Burglary", 1], ["W2", "Robbery", 1]]
    assert (found.rows_read, found.no_location) == (3, 1)


@pytest.mark.parametrize(
    "row, line, column, problem",
    [
        (_row(month="May 2023"), 3, "Month", "'May 2023' is not a month"),
        (_row(lat=""), 3, "Latitude", "one coordinate is given without the other"),
        (_row(lat="151.5"), 3, "Latitude", "151.5 is outside the UK"),
        (_row(crime_type=""), 3, "Crime type", "the crime type is empty"),
    ],
)
def test_bad_csv_values_name_file_row_and_column(write_csv, row, line, column, problem):
    path = write_csv(HEADER + _row() + row + _row(), "2023-05-metropolitan-street.csv")
    with pytest.raises(InputDataError) as caught:
        archive_ward_month_counts(path, _wards())
    err = caught.value
    assert (err.row, err.column) == (line, column)
    assert err.file.endswith("2023-05-metropolitan-street.csv")
    assert problem in str(err)


def test_unreadable_inputs_are_clear_errors(write_csv, tmp_path):
    with pytest.raises(InputDataError, match="does not exist"):
        archive_ward_month_counts(tmp_path / "nowhere", _wards())
    with pytest.raises(InputDataError, match="holds no .parquet or .csv files"):
        archive_ward_month_counts(tmp_path, _wards())
    write_csv(HEADER + _row(), "a.csv")
    pq.write_table(pa.table({"month": ["2023-05"]}), tmp_path / "b.parquet")
    with pytest.raises(InputDataError, match="b.parquet: does not have the columns"):
        archive_ward_month_counts(tmp_path, _wards())
    # An archive written before Crime IDs were kept cannot count each crime once.
    old = pa.table({c: v for c, v in zip(ARCHIVE_COLUMNS[:4], (
        ["2023-05"], ["Burglary"], [-0.15], [51.55]), strict=True)})
    pq.write_table(old, tmp_path / "old.parquet")
    with pytest.raises(InputDataError) as caught:
        archive_ward_month_counts(tmp_path / "old.parquet", _wards())
    assert str(caught.value).startswith(f"{tmp_path / 'old.parquet'}: does not have the "
                                        "columns counting needs; expected police.uk ")
    assert str(caught.value).endswith("an archive written without crime_id must be written "
                                      "again with write_points_archive")
    odd = write_csv("Month,Longitude,Latitude\n2023-05,-0.15,51.55\n", "odd.csv")
    with pytest.raises(InputDataError, match=r"odd\.csv, row 1: does not have the columns"):
        archive_ward_month_counts(odd, _wards())
    twice = write_csv(HEADER + _row() + HEADER + _row(), "joined.csv")
    with pytest.raises(InputDataError, match="irregular CSV files can be read with "
                       "ward_month_counts"):
        archive_ward_month_counts(twice, _wards())
    # ...which the in-memory path and the archive writer read, setting the header aside.
    assert ward_month_counts(twice, _wards()).set_aside == 1


def test_nan_coordinates_in_parquet_count_as_no_location(tmp_path):
    table = pa.table({c: v for c, v in zip(ARCHIVE_COLUMNS, (
        ["2023-05", "2023-05"], ["Burglary", "Burglary"], [np.nan, -0.15], [np.nan, 51.55],
        ["n1", "n2"]), strict=True)})
    pq.write_table(table, tmp_path / "a.parquet")
    found = archive_ward_month_counts(tmp_path, _wards())
    assert (found.rows_read, found.no_location, int(found.counts["count"].sum())) == (2, 1, 1)


def test_repeats_across_batches_files_and_an_archive_with_csv(write_csv, tmp_path):
    # A file whose repeats fall in different batches, a later file repeating it, and the
    # archive of the first beside the CSV of the second: counted as in memory.
    first = write_csv(HEADER + "".join(_row(crime_id=f"k{i % 7}", lon=f"{-0.19 + 0.03 * (i % 6)}")
                                       for i in range(40)) + _row(crime_id=""), "2023-05.csv")
    second = write_csv(HEADER + _row(crime_id="k3") + _row(crime_id="k99") + _row(crime_id="k99"),
                       "2023-06.csv")
    expected = ward_month_counts([first, second], _wards())
    assert expected.files[["duplicates_same_file", "duplicates_earlier_file"]
                          ].values.tolist() == [[33, 0], [1, 1]]
    for batch_rows in (4, 10_000):
        found = archive_ward_month_counts([first, second], _wards(), batch_rows=batch_rows)
        _same(found, expected)
        pd.testing.assert_frame_equal(found.files.drop(columns="reader"),
                                      expected.files.drop(columns="reader"))
    # The archive's folder sorts before the second CSV, so the files keep their order.
    write_points_archive(first, tmp_path / "0-archive")
    assert pq.read_table(tmp_path / "0-archive" / "2023-05.parquet")["crime_id"].to_pylist()[
        -3:] == ["k3", "k4", None]
    mixed = archive_ward_month_counts([second, tmp_path / "0-archive"], _wards(), batch_rows=8)
    _same(mixed, expected)


def test_a_re_sharers_parquet_copy_counts_as_its_csv(met_files, london_wards, tmp_path):
    source = met_files[11]
    table = pacsv.read_csv(source, convert_options=pacsv.ConvertOptions(
        column_types={c: pa.string() for c in SOURCE_COLUMNS} | {
            "Longitude": pa.float64(), "Latitude": pa.float64()}, strings_can_be_null=True))
    copy = tmp_path / "copy.parquet"
    pq.write_table(table.rename_columns([column_key(c) for c in table.column_names]), copy)
    expected = ward_month_counts(source, london_wards)
    found = archive_ward_month_counts(copy, london_wards, batch_rows=1_000)
    _same(found, expected)
    assert found.duplicates > 0 and found.files["reader"].item() == "archive-parquet"
