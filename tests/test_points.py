"""Fast police.uk ward x month counts: identical to the sjoin(within) baseline, rows accounted."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from conftest import SHARED_DATA, policeuk_header, policeuk_row
from shapely import Polygon, box

from scpb_analysis.errors import InputDataError
from scpb_analysis.points import (
    COUNT_COLUMNS,
    WardIndex,
    baseline_ward_month_counts,
    ward_month_counts,
)

HEADER = policeuk_header()
_row = policeuk_row


def _assert_same(fast, baseline):
    pd.testing.assert_frame_equal(fast.counts, baseline.counts)
    assert (fast.rows_read, fast.no_location, fast.outside) == (
        baseline.rows_read, baseline.no_location, baseline.outside)


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
    # Every row accounted for: no ward overlaps another, so each placed row is counted once.
    assert fast.rows_read == (fast.set_aside + fast.no_location + fast.outside
                              + int(fast.counts["count"].sum()))
    if n_files == 36:
        assert fast.rows_read == 163_246
        assert fast.rows_read - fast.no_location == 158_914
        assert fast.counts["month"].nunique() == 36


def test_prebuilt_index_and_validating_reader_give_the_same_counts(met_files, london_wards,
                                                                   monkeypatch):
    files = met_files[:3]
    expected = baseline_ward_month_counts(files, london_wards)
    index = WardIndex(london_wards)
    _assert_same(ward_month_counts(files, index), expected)
    _assert_same(ward_month_counts(files, index, workers=1), expected)
    # Without pyarrow every file goes through the validating loader: same answer.
    monkeypatch.setattr("scpb_analysis.points._pyarrow", lambda: None)
    slow = ward_month_counts(files, index)
    assert (slow.files["reader"] == "validating").all()
    _assert_same(slow, expected)


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
# The benchmark itself (about 45 s): it raises if any path's counts differ from the baseline's.


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
    # Checked against the baseline in the run (identical counts), with both timed.
    assert result["scaled"][10]["baseline_s"] > 0 and result["scaled"][10]["ratio"] > 0


def test_package_import_is_light_in_a_fresh_interpreter():
    from scpb_analysis.bench import import_seconds

    measured = import_seconds(runs=1)
    assert measured["heavy_loaded"] == []
    assert measured["import_s"] > 0
