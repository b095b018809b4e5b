"""Fast police.uk ward x month counts: identical to the sjoin(within) baseline, rows accounted,
each crime counted once (repeated Crime IDs set aside), Parquet copies read as their CSV."""

from __future__ import annotations

import itertools
import shutil

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from conftest import SHARED_DATA, _require, policeuk_header, policeuk_row
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely import Polygon, box

from scpb_analysis.core.errors import InputDataError
from scpb_analysis.geo.points import (
    COUNT_COLUMNS,
    SeenCrimeIds,
    WardIndex,
    baseline_ward_month_counts,
    crime_id_keys,
    ward_month_counts,
)
from scpb_analysis.sources.files import column_key
from scpb_analysis.sources.policeuk import SOURCE_COLUMNS, read_policeuk

HEADER = policeuk_header()
_ids = itertools.count()


def _row(month="2023-05", lon="-0.15", lat="51.55", crime_type="Burglary", crime_id=None):
    """A police.uk data line with its own Crime ID (or the one given)."""
    line = policeuk_row(month, lon, lat, crime_type)
    return (f"c{next(_ids)}" if crime_id is None else crime_id) + line[line.index(","):]


def _assert_same(fast, baseline):
    pd.testing.assert_frame_equal(fast.counts, baseline.counts)
    assert (fast.rows_read, fast.duplicates, fast.no_location, fast.outside) == (
        baseline.rows_read, baseline.duplicates, baseline.no_location, baseline.outside)


def _accounted(result):
    """rows_read = set_aside + duplicates + no_location + outside + in wards, overall and per
    file (wards that do not overlap: every row placed is counted once)."""
    assert result.rows_read == (result.set_aside + result.duplicates + result.no_location
                                + result.outside + int(result.counts["count"].sum()))
    assert result.in_wards == int(result.counts["count"].sum())
    files = result.files
    assert result.duplicates == int(files["duplicates_same_file"].sum()
                                    + files["duplicates_earlier_file"].sum())
    assert (result.rows_read, result.set_aside, result.no_location) == (
        int(files["rows_read"].sum()), int(files["rows_set_aside"].sum()),
        int(files["no_location"].sum()))


# ---------------------------------------------------------------------------------------------
# Real data


@pytest.mark.parametrize("n_files", [3, 36])
def test_fast_counts_equal_baseline_on_real_files(met_files, london_wards, n_files):
    files = met_files[:n_files]
    fast = ward_month_counts(files, london_wards)
    baseline = baseline_ward_month_counts(files, london_wards)
    _assert_same(fast, baseline)
    assert fast.counts.columns.tolist() == COUNT_COLUMNS
    assert fast.counts["count"].dtype == np.int64
    assert (fast.files["reader"] == "fast").all()
    _accounted(fast)
    _accounted(baseline)
    pd.testing.assert_frame_equal(fast.files.drop(columns="reader"),
                                  baseline.files.drop(columns="reader"))
    # police.uk's repeated Crime IDs, found independently: each crime is counted once.
    crimes = pd.concat([pd.read_csv(p) for p in files], ignore_index=True)
    repeat = crimes["Crime ID"].notna() & crimes["Crime ID"].duplicated()
    assert fast.duplicates == int(repeat.sum()) > 0
    assert fast.no_location == int(crimes.loc[~repeat, "Longitude"].isna().sum())
    if n_files == 36:
        assert fast.rows_read == 163_246
        assert fast.duplicates == 1_852
        assert fast.counts["month"].nunique() == 36


def test_prebuilt_index_and_validating_reader_give_the_same_counts(met_files, london_wards,
                                                                   monkeypatch):
    files = met_files[:3]
    expected = baseline_ward_month_counts(files, london_wards)
    index = WardIndex(london_wards)
    _assert_same(ward_month_counts(files, index), expected)
    _assert_same(ward_month_counts(files, index, workers=1), expected)
    # Without pyarrow every file goes through the validating loader: same answer.
    monkeypatch.setattr("scpb_analysis.geo.points._pyarrow", lambda: None)
    slow = ward_month_counts(files, index)
    assert (slow.files["reader"] == "validating").all()
    _assert_same(slow, expected)
    pd.testing.assert_frame_equal(slow.files.drop(columns="reader"),
                                  expected.files.drop(columns="reader"))


# ---------------------------------------------------------------------------------------------
# Synthetic geometry: boundaries, holes, overlaps, outside


def _synthetic_wards():
    # In lon/lat, so the test can put points exactly on edges: two squares sharing the edge
    # lon = -0.1, a third with a hole, a fourth overlapping the third, a two-part ward.
    ring = box(0.0, 51.5, 0.1, 51.6)
    holed = Polygon(ring.exterior.coords, [box(0.04, 51.54, 0.06, 51.56).exterior.coords])
    two_parts = box(0.3, 51.5, 0.35, 51.55).union(box(0.4, 51.5, 0.45, 51.55))
    return gpd.GeoDataFrame(
        {"ward_code": ["W2", "W1", "W3", "W4", "W5"]},
        geometry=[box(-0.1, 51.5, 0.0, 51.6), box(-0.2, 51.5, -0.1, 51.6), holed,
                  box(0.08, 51.5, 0.2, 51.6), two_parts],
        crs=4326,
    )


def test_points_on_boundaries_and_outside_follow_within(write_csv):
    points = [
        (-0.15, 51.55),   # inside W1
        (-0.05, 51.55),   # inside W2
        (-0.1, 51.55),    # on the edge W1 and W2 share: in neither
        (-0.1, 51.5),     # on a shared corner
        (-0.2, 51.55),    # on W1's outer edge
        (0.05, 51.55),    # in W3's hole: in no ward
        (0.04, 51.55),    # on the hole's edge
        (0.09, 51.55),    # in W3 and W4, which overlap: counted in both
        (0.42, 51.52),    # in W5's second part
        (0.5, 51.55),     # outside every ward
    ]
    text = HEADER + "".join(_row(lon=x, lat=y) for x, y in points) + _row(lon="", lat="")
    path = write_csv(text, "2023-05-metropolitan-street.csv")
    wards = _synthetic_wards()
    fast = ward_month_counts(path, wards)
    _assert_same(fast, baseline_ward_month_counts(path, wards))
    assert dict(zip(fast.counts["ward_code"], fast.counts["count"], strict=True)) == {
        "W1": 1, "W2": 1, "W3": 1, "W4": 1, "W5": 1}
    assert (fast.rows_read, fast.no_location, fast.outside, fast.on_boundary) == (11, 1, 6, 4)
    # The same crimes listed again (a point in two wards, one on an edge, one in a hole, one
    # with no location): not counted again, and no boundary or outside point counted twice.
    listed = "".join(_row(lon=points[i][0], lat=points[i][1], crime_id=f"b{i}") for i in (7, 2, 5))
    listed += _row(lon="", lat="", crime_id="b9")
    again = write_csv(text + listed + listed, "2023-06-metropolitan-street.csv")
    twice = ward_month_counts(again, wards)
    _assert_same(twice, baseline_ward_month_counts(again, wards))
    assert dict(zip(twice.counts["ward_code"], twice.counts["count"], strict=True)) == {
        "W1": 1, "W2": 1, "W3": 2, "W4": 2, "W5": 1}
    assert (twice.rows_read, twice.duplicates, twice.no_location, twice.outside,
            twice.on_boundary) == (19, 4, 2, 8, 5)


def test_many_points_near_boundaries_match_baseline(write_csv):
    # Thousands of points on and around edges, so the grid and the exact test both work.
    rng = np.random.default_rng(7)
    n = 4000
    lon = rng.choice([-0.2, -0.1, 0.0, 0.04, 0.06, 0.08, 0.1, 0.2, 0.3, 0.35, 0.4], n)
    lon = np.where(rng.random(n) < 0.5, lon, rng.uniform(-0.25, 0.5, n))
    lat = np.where(rng.random(n) < 0.3, rng.choice([51.5, 51.54, 51.55, 51.56, 51.6], n),
                   rng.uniform(51.45, 51.65, n))
    lon, lat = np.round(lon, 6), np.round(lat, 6)
    months = rng.choice(["2023-04", "2023-05"], n)
    kinds = rng.choice(["Burglary", "Robbery"], n)
    text = HEADER + "".join(_row(m, f"{x:.6f}", f"{y:.6f}", k)
                            for m, x, y, k in zip(months, lon, lat, kinds, strict=True))
    path = write_csv(text, "2023-04-metropolitan-street.csv")
    wards = _synthetic_wards()
    fast = ward_month_counts(path, wards)
    _assert_same(fast, baseline_ward_month_counts(path, wards))
    assert fast.on_boundary > 0
    # The same in British National Grid, where points are projected first.
    bng = wards.to_crs(27700)
    _assert_same(ward_month_counts(path, bng), baseline_ward_month_counts(path, bng))


# ---------------------------------------------------------------------------------------------
# Row accounting and bad input


def test_rows_without_location_are_reported_not_dropped(write_csv):
    path = write_csv(HEADER + _row() + _row(lon="", lat="") + _row(lon="", lat="")
                     + _row(lon="-0.05"), "2023-05-metropolitan-street.csv")
    result = ward_month_counts(path, _synthetic_wards())
    assert (result.rows_read, result.no_location, result.outside, result.set_aside) == (
        4, 2, 0, 0)
    assert result.files.loc[0, ["rows_read", "no_location", "reader"]].tolist() == [
        4, 2, "fast"]
    assert result.duplicates == 0
    assert int(result.counts["count"].sum()) == 2


def test_irregular_files_go_through_the_validating_loader(write_csv):
    # A blank line and a repeated header (files joined with cat) are set aside and reported.
    path = write_csv(HEADER + _row() + "\n" + HEADER + _row(lon="", lat=""),
                     "2023-05-metropolitan-street.csv")
    result = ward_month_counts(path, _synthetic_wards())
    assert result.files.loc[0, "reader"] == "validating"
    assert (result.rows_read, result.set_aside, result.no_location, result.in_wards) == (
        4, 2, 1, 1)


@pytest.mark.parametrize(
    "row, line, column, problem",
    [
        (_row(lon="west"), 3, "Longitude", "'west' is not a number"),
        (_row(lat="151.5"), 3, "Latitude", "'151.5' is outside the UK"),
        (_row(month="May 2023"), 3, "Month", "'May 2023' is not a month"),
        (_row(lat=""), 3, "Latitude", "there is a longitude but no latitude"),
        (_row(crime_type=""), 3, "Crime type", "the crime type is empty"),
    ],
)
def test_bad_values_name_file_row_and_column(write_csv, row, line, column, problem):
    path = write_csv(HEADER + _row() + row + _row(), "2023-05-metropolitan-street.csv")
    with pytest.raises(InputDataError) as caught:
        ward_month_counts(path, _synthetic_wards())
    err = caught.value
    assert (err.row, err.column) == (line, column)
    assert err.file.endswith("2023-05-metropolitan-street.csv")
    assert problem in str(err)


def test_wrong_header_and_bad_wards_are_clear_errors(write_csv):
    path = write_csv("Month,Longitude,Latitude\n2023-05,-0.15,51.55\n", "street.csv")
    with pytest.raises(InputDataError, match=r"street\.csv, row 1: is missing the columns"):
        ward_month_counts(path, _synthetic_wards())
    good = write_csv(HEADER + _row(), "2023-05-metropolitan-street.csv")
    with pytest.raises(InputDataError, match="the wards have no column 'WD22CD'"):
        ward_month_counts(good, _synthetic_wards(), ward_code="WD22CD")
    with pytest.raises(InputDataError, match="no coordinate reference system"):
        ward_month_counts(good, _synthetic_wards().set_crs(None, allow_override=True))


# ---------------------------------------------------------------------------------------------
# Each crime once: repeated Crime IDs within a file, across files, a file twice


def _box_wards():
    return gpd.GeoDataFrame({"ward_code": ["W2", "W1"]},
                            geometry=[box(-0.1, 51.5, 0.0, 51.6), box(-0.2, 51.5, -0.1, 51.6)],
                            crs=4326)


def _repeats_folder(root):
    """Two folders: a/ holds a file with repeats within it and one repeating it; b/ holds
    a's first file edited (its last row taken out): not a copy of it, so its rows are
    compared by Crime ID (a copy is set aside whole: test_bad_input_policeuk)."""
    first = (HEADER + _row(crime_id="r1") + _row(crime_id="r2", lon="-0.05")
             + _row(crime_id=" r1 ", lon="-0.05")  # r1 again (spaces): not counted
             + _row(crime_id="", crime_type="Anti-social behaviour")  # blank: never a repeat
             + _row(crime_id="", crime_type="Anti-social behaviour")
             + _row(crime_id="r3", lon="", lat="") + _row(crime_id="r3", lon="", lat="")
             + _row(crime_id="r4", lon="0.3"))  # outside both wards
    second = (HEADER + _row(crime_id="r2", month="2023-06")  # r2 first seen in the 2023-05 file
              + _row(crime_id="r5", month="2023-06") + _row(crime_id="r5", month="2023-06")
              + _row(crime_id="r6", month="2023-06", lon="-0.05"))
    for folder, files in (("a", {"2023-05-street.csv": first, "2023-06-street.csv": second}),
                          ("b", {"2023-05-street.csv": first.rsplit("\n", 2)[0] + "\n"})):
        (root / folder).mkdir()
        for name, text in files.items():
            (root / folder / name).write_text(text)
    return root


def test_repeated_crime_ids_are_counted_once_on_every_path(tmp_path, monkeypatch):
    from scpb_analysis.geo.archive import archive_ward_month_counts

    root = _repeats_folder(tmp_path)
    wards = _box_wards()
    fast = ward_month_counts(root, wards)
    assert fast.files[["rows_read", "duplicates_same_file", "duplicates_earlier_file",
                       "no_location"]].values.tolist() == [
        [8, 2, 0, 1],   # a/2023-05: " r1 " and the second r3
        [4, 1, 1, 0],   # a/2023-06: r2 (from a/2023-05) and the second r5
        [7, 0, 5, 0]]   # b/2023-05: every row with an ID; the two blank IDs are counted
    assert fast.counts.astype({"month": str}).values.tolist() == [
        ["W1", "2023-05", "Anti-social behaviour", 4], ["W1", "2023-05", "Burglary", 1],
        ["W1", "2023-06", "Burglary", 1], ["W2", "2023-05", "Burglary", 1],
        ["W2", "2023-06", "Burglary", 1]]
    assert (fast.rows_read, fast.duplicates, fast.no_location, fast.outside) == (19, 9, 1, 1)
    _accounted(fast)
    baseline = baseline_ward_month_counts(root, wards)
    _assert_same(fast, baseline)
    pd.testing.assert_frame_equal(fast.files.drop(columns="reader"),
                                  baseline.files.drop(columns="reader"))
    for batch_rows in (3, 1_000):
        archived = archive_ward_month_counts(root, wards, batch_rows=batch_rows)
        _assert_same(fast, archived)
        _accounted(archived)
        pd.testing.assert_frame_equal(fast.files.drop(columns="reader"),
                                      archived.files.drop(columns="reader"))
    monkeypatch.setattr("scpb_analysis.geo.points._pyarrow", lambda: None)
    slow = ward_month_counts(root, wards)
    assert (slow.files["reader"] == "validating").all()
    _assert_same(fast, slow)
    pd.testing.assert_frame_equal(fast.files.drop(columns="reader"),
                                  slow.files.drop(columns="reader"))


def test_an_id_is_the_same_crime_whatever_the_file_encoding(tmp_path):
    # The same non-ASCII Crime ID in a UTF-8 file (read fast) and a Windows-1252 one (decoded
    # by the validating loader): one crime, as the loader's text comparison says.
    (tmp_path / "2023-05-street.csv").write_text(HEADER + _row(crime_id="caf\u00e9-1"),
                                                 encoding="utf-8")
    (tmp_path / "2023-06-street.csv").write_bytes(
        (HEADER + _row(crime_id="caf\u00e9-1", month="2023-06") + _row(month="2023-06"))
        .encode("cp1252"))
    result = ward_month_counts(tmp_path, _box_wards())
    assert result.files["reader"].tolist() == ["fast", "validating"]
    assert result.files["duplicates_earlier_file"].tolist() == [0, 1]
    assert read_policeuk(tmp_path).files["duplicates_earlier_file"].tolist() == [0, 1]


def test_real_met_file_twice_in_two_folders_counts_once(met_files, london_wards, tmp_path):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        shutil.copy(met_files[0], tmp_path / folder / met_files[0].name)
    index = WardIndex.cached(london_wards)
    once = ward_month_counts(met_files[0], index)
    twice = ward_month_counts(tmp_path, index)
    pd.testing.assert_frame_equal(twice.counts, once.counts)
    rows = len(pd.read_csv(met_files[0]))
    # The copy is read and set aside whole, as a copy (not row by row as repeated IDs).
    assert twice.files[["rows_read", "rows_set_aside", "duplicates_same_file",
                        "duplicates_earlier_file", "same_rows_as"]].values.tolist() == [
        [rows, 0, once.duplicates, 0, ""], [rows, rows, 0, 0, met_files[0].name]]
    assert twice.repeated_files == {met_files[0].name: met_files[0].name}
    pd.testing.assert_frame_equal(
        twice.counts, baseline_ward_month_counts(tmp_path, london_wards).counts)
    _accounted(twice)


def test_barnet_extract_with_the_met_files_counts_barnet_once(met_files, london_wards):
    # The Barnet extract is the Barnet rows of re-shared Met files, 2010-12..2025-02: with the
    # 36 Met files its 2021-2023 rows are repeats, so Barnet's wards count as the Met files
    # alone give them, and the other years as the extract alone.
    barnet = _require(SHARED_DATA / "policeuk" / "barnet-burglary-policeuk_2010-12_2025-02.csv")
    from scpb_analysis.sources.boundaries import load_wards

    barnet_wards = set(load_wards(SHARED_DATA, "Barnet")["ward_code"])
    index = WardIndex.cached(london_wards)
    met = ward_month_counts(met_files, index)
    both = ward_month_counts([*met_files, barnet], index)
    extract = ward_month_counts(barnet, index)
    def part(counts, in_window, barnet_only=False):
        keep = counts["month"].between(pd.Period("2021-01", "M"), pd.Period("2023-12", "M"))
        keep = keep if in_window else ~keep
        if barnet_only:
            keep &= counts["ward_code"].isin(barnet_wards)
        return counts[keep].reset_index(drop=True)

    assert len(part(both.counts, True, barnet_only=True)) > 500
    pd.testing.assert_frame_equal(part(both.counts, True, barnet_only=True),
                                  part(met.counts, True, barnet_only=True))
    pd.testing.assert_frame_equal(part(both.counts, True), met.counts)
    pd.testing.assert_frame_equal(part(both.counts, False), part(extract.counts, False))
    # The repeats, found independently with pandas over the files in sorted path order.
    # The readers name files by their resolved paths (../shared may be a link).
    paths = sorted(p.resolve() for p in [*met_files, barnet])
    crimes = pd.concat([pd.read_csv(p).assign(file=str(p)) for p in paths], ignore_index=True)
    crime_id = crimes["Crime ID"]
    repeat = crime_id.notna() & crime_id.duplicated()
    first_file = crimes[crime_id.notna()].groupby("Crime ID")["file"].first()
    same = repeat & (crime_id.map(first_file) == crimes["file"])
    assert both.duplicates == int(repeat.sum())
    files = both.files.set_index("path")
    assert files["duplicates_same_file"].to_dict() == crimes[same].groupby("file").size(
        ).reindex(files.index, fill_value=0).to_dict()
    assert files["duplicates_earlier_file"].to_dict() == crimes[repeat & ~same].groupby(
        "file").size().reindex(files.index, fill_value=0).to_dict()
    _accounted(both)
    _assert_same(both, baseline_ward_month_counts([*met_files, barnet], london_wards))


def test_blank_crime_ids_of_anti_social_behaviour_are_all_counted():
    # Avon and Somerset files: all crime types, anti-social behaviour with a blank Crime ID.
    folder = _require(SHARED_DATA / "policeuk" / "avon-and-somerset-2023-01_2024-12")
    paths = sorted(folder.glob("*.csv"))[:2]
    somerset = gpd.GeoDataFrame({"ward_code": ["AS"]}, geometry=[box(-4.0, 50.7, -2.2, 51.8)],
                                crs=4326)
    result = ward_month_counts(paths, somerset)
    crimes = pd.concat([pd.read_csv(p) for p in paths], ignore_index=True)
    blank = crimes["Crime ID"].isna()
    repeat = ~blank & crimes["Crime ID"].duplicated()
    located = crimes[~repeat].dropna(subset=["Longitude"])
    lon, lat = located["Longitude"], located["Latitude"]
    inside = (lon > -4.0) & (lon < -2.2) & (lat > 50.7) & (lat < 51.8)
    assert result.duplicates == int(repeat.sum())
    assert int(result.counts["count"].sum()) == int(inside.sum())
    asb = result.counts.loc[result.counts["crime_type"] == "Anti-social behaviour", "count"]
    assert int(asb.sum()) == int((inside & located["Crime type"].eq("Anti-social behaviour")
                                  ).sum()) > 1_000
    _accounted(result)
    _assert_same(result, baseline_ward_month_counts(paths, somerset))


# ---------------------------------------------------------------------------------------------
# Parquet copies


def _snake_parquet(csv_path, target, *, text_coordinates=False):
    """A re-sharer's Parquet copy of a police.uk CSV: snake_case names, empty text as null."""
    kinds = {c: pa.string() for c in SOURCE_COLUMNS}
    if not text_coordinates:
        kinds |= {"Longitude": pa.float64(), "Latitude": pa.float64()}
    table = pacsv.read_csv(csv_path, convert_options=pacsv.ConvertOptions(
        column_types=kinds, strings_can_be_null=True))
    pq.write_table(table.rename_columns([column_key(c) for c in table.column_names]), target)
    return target


def test_a_parquet_copy_counts_as_its_csv(met_files, london_wards, tmp_path, monkeypatch):
    source = met_files[7]
    copy = _snake_parquet(source, tmp_path / (source.stem + ".parquet"))
    index = WardIndex.cached(london_wards)
    expected = ward_month_counts(source, index)
    found = ward_month_counts(copy, index)
    assert found.files["reader"].item() == "fast-parquet"
    _assert_same(found, expected)
    _accounted(found)
    assert found.duplicates > 0
    pd.testing.assert_frame_equal(found.files.drop(columns=["reader", "file", "path"]),
                                  expected.files.drop(columns=["reader", "file", "path"]))
    # Coordinates stored as text go through the validating loader: the same counts.
    (tmp_path / "text").mkdir()
    text = _snake_parquet(source, tmp_path / "text" / "copy.parquet", text_coordinates=True)
    slow = ward_month_counts(text, index)
    assert slow.files["reader"].item() == "validating"
    _assert_same(slow, expected)
    _assert_same(baseline_ward_month_counts(copy, london_wards), expected)
    # The copy beside its CSV: each crime once.
    both = ward_month_counts([source, copy], index)
    pd.testing.assert_frame_equal(both.counts, expected.counts)


def test_a_parquet_file_without_police_uk_columns_is_an_error(tmp_path):
    bad = tmp_path / "extract.parquet"
    pq.write_table(pa.table({"Month": ["2023-05"], "Longitude": [-0.15],
                             "Latitude": [51.55]}), bad)
    with pytest.raises(InputDataError) as caught:
        ward_month_counts(bad, _box_wards())
    message = str(caught.value)
    assert message.startswith(f"{bad}: is missing the columns 'Crime ID', 'Reported by', ")
    assert "expected the police.uk street-level columns Crime ID, Month, " in message


# ---------------------------------------------------------------------------------------------
# Crime ID keys and the set of IDs seen


def test_crime_id_keys_tell_every_real_id_apart():
    # Every Crime ID in the shared police.uk files (about 700,000): distinct IDs, distinct
    # keys, even on each 64-bit half alone.
    folders = [SHARED_DATA / "policeuk" / "met-burglary-2021-2023",
               SHARED_DATA / "policeuk" / "avon-and-somerset-2023-01_2024-12"]
    paths = [p for f in folders if f.exists() for p in sorted(f.glob("*.csv"))]
    if not paths:
        pytest.skip(f"real police.uk files not found under {SHARED_DATA / 'policeuk'}")
    ids = pa.chunked_array([pacsv.read_csv(p, convert_options=pacsv.ConvertOptions(
        include_columns=["Crime ID"], column_types={"Crime ID": pa.string()}))["Crime ID"]
        .combine_chunks() for p in paths]).unique().drop_null()
    hi, lo, has_id = crime_id_keys(ids)
    distinct = ids.filter(pa.array(has_id))
    assert len(distinct) > 100_000
    assert len(np.unique(hi[has_id])) == len(np.unique(lo[has_id])) == len(distinct)


def test_crime_id_keys_are_the_same_from_every_kind_of_input():
    values = ["abc", " abc\t", "abcdefgh" * 9, "ü-1", None, "", "  ", "x"]
    hi, lo, has_id = crime_id_keys(values)
    assert has_id.tolist() == [True, True, True, True, False, False, False, True]
    assert (hi[0], lo[0]) == (hi[1], lo[1]) and hi[0] != hi[7]
    for other in (pa.array(values).dictionary_encode(), pa.array(values, pa.large_string()),
                  pa.chunked_array([values[:3], values[3:]]),
                  pa.array([v.encode() if v is not None else None for v in values],
                           pa.binary())):
        h, low, has = crime_id_keys(other)
        assert (h[has_id] == hi[has_id]).all() and (low[has_id] == lo[has_id]).all()
        assert (has == has_id).all()
    # One at a time, as a file with a single ID would give it.
    assert all(crime_id_keys([v])[0][0] == hi[i] for i, v in enumerate(values) if has_id[i])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 2), st.booleans()),
                         max_size=25), min_size=1, max_size=5), st.booleans())
def test_seen_crime_ids_match_a_plain_dictionary(calls, filtered):
    # Keys from tiny ranges, so high halves collide with different low halves: the set must
    # still compare whole keys. Each call is one file; the reference is a dict of first files.
    # With `filtered`, the lookups go through the filter a large set builds.
    import scpb_analysis.geo.points as points

    points_filter_from, points._FILTER_FROM = points._FILTER_FROM, 1 if filtered else 1 << 20
    try:
        _check_seen_against_a_dictionary(calls)
    finally:
        points._FILTER_FROM = points_filter_from


def _check_seen_against_a_dictionary(calls):
    seen, first_file = SeenCrimeIds(), {}
    for file, rows in enumerate(calls):
        hi = np.array([r[0] for r in rows], dtype=np.uint64) << np.uint64(62)
        lo = np.array([r[1] for r in rows], dtype=np.uint64)
        has_id = np.array([r[2] for r in rows], dtype=bool)
        repeat, same = seen.repeats(hi, lo, has_id, file=file)
        expected_repeat, expected_same = [], []
        for h, low, has in rows:
            key = (h, low)
            expected_repeat.append(has and key in first_file)
            expected_same.append(has and first_file.get(key) == file)
            if has:
                first_file.setdefault(key, file)
        assert repeat.tolist() == expected_repeat
        assert same.tolist() == expected_same
    assert len(seen) == len(first_file)


def test_seen_crime_ids_across_many_batches_and_files_in_one_batch():
    rng = np.random.default_rng(3)
    keys = rng.integers(0, 5_000, 60_000).astype(np.uint64)
    hi, lo = keys * np.uint64(0x9E3779B97F4A7C15), keys % np.uint64(7)
    file = np.repeat(np.arange(12), 5_000)
    whole, whole_same = SeenCrimeIds().repeats(hi, lo, np.ones(len(hi), bool), file)
    seen, parts = SeenCrimeIds(), []
    for start in range(0, len(hi), 3_333):  # batches that split files
        stop = start + 3_333
        parts.append(seen.repeats(hi[start:stop], lo[start:stop],
                                  np.ones(len(hi[start:stop]), bool), file[start:stop]))
    assert (np.concatenate([p[0] for p in parts]) == whole).all()
    assert (np.concatenate([p[1] for p in parts]) == whole_same).all()
    first = pd.Series(file).groupby(keys).transform("first").to_numpy()
    assert (whole == pd.Series(keys).duplicated().to_numpy()).all()
    assert (whole_same == (whole & (first == file))).all()


# ---------------------------------------------------------------------------------------------
# The benchmark itself (about 45 s): it raises if any path's counts differ from the baseline's.


@pytest.mark.slow
def test_run_benchmarks_quick(met_files):
    from scpb_analysis.bench import run_benchmarks

    result = run_benchmarks(quick=True, data_dir=SHARED_DATA)
    for key in ("points_rows", "points_ratio", "points_rows_per_s", "points_peak_mb",
                "points_ratio_first_call", "baseline_rows_per_s", "mps_load_s",
                "archive_csv_s", "archive_parquet_s", "dask_s", "scaled"):
        assert result[key] is not None, key
    assert "pack_build_s" in result and result["pack_build_s"] is None
    assert result["points_rows"] == 163_246
    assert result["scaled"][10]["rows"] == 1_632_460
    # Each copy's Crime IDs differ from the others', and police.uk's repeats stay repeats.
    assert result["scaled"][10]["duplicates"] == 10 * result["points_duplicates"] > 0
    # Checked against the baseline in the run (identical counts), with both timed.
    assert result["scaled"][10]["baseline_s"] > 0 and result["scaled"][10]["ratio"] > 0


def test_package_import_is_light_in_a_fresh_interpreter():
    from scpb_analysis.bench import import_seconds

    measured = import_seconds(runs=1)
    assert measured["heavy_loaded"] == []
    assert measured["import_s"] > 0
