"""Points to wards: exact results on synthetic squares, and Barnet burglary on real boundaries."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from conftest import SHARED_DATA, _require
from pyproj import Transformer
from shapely import box

from scpb_analysis.core.errors import InputDataError
from scpb_analysis.geo.assign import (
    REASON_ASSIGNED,
    REASON_NO_COORDINATES,
    REASON_OUTSIDE,
    REASON_SHARED_BOUNDARY,
    SNAP_POINT_NOTE,
    WardAssignment,
    assign_wards,
    count_by_ward,
)

TO_BNG = Transformer.from_crs(4326, 27700, always_xy=True)
TO_WGS84 = Transformer.from_crs(27700, 4326, always_xy=True)
# The shared edge is placed where this lon/lat lands in British National Grid, so the point is
# exactly on it after the same projection assign_wards uses.
EDGE_LON, EDGE_LAT = -0.2, 51.6
EDGE_X, EDGE_Y = TO_BNG.transform(EDGE_LON, EDGE_LAT)


def _lonlat(dx: float, dy: float) -> tuple[float, float]:
    return TO_WGS84.transform(EDGE_X + dx, EDGE_Y + dy)


@pytest.fixture
def squares() -> gpd.GeoDataFrame:
    """Two 1 km squares sharing the edge x = EDGE_X; East has the lower code."""
    return gpd.GeoDataFrame(
        {"ward_code": ["E05000009", "E05000001"], "ward_name": ["West", "East"],
         "borough": ["Barnet", "Barnet"]},
        geometry=[box(EDGE_X - 1000, EDGE_Y - 500, EDGE_X, EDGE_Y + 500),
                  box(EDGE_X, EDGE_Y - 500, EDGE_X + 1000, EDGE_Y + 500)],
        crs=27700,
    )


@pytest.fixture
def points() -> pd.DataFrame:
    spots = {
        "in west": _lonlat(-500, 0),
        "in east": _lonlat(400, 100),
        "on the shared edge": (EDGE_LON, EDGE_LAT),
        "far east": _lonlat(5000, 0),
        "no location": (np.nan, np.nan),
        "in west again": _lonlat(-20, -400),
        "north": _lonlat(0, 800),
    }
    frame = pd.DataFrame(list(spots.values()), columns=["longitude", "latitude"],
                         index=pd.Index([10, 11, 12, 13, 14, 15, 16], name="id"))
    frame.insert(0, "what", list(spots))
    frame["month"] = pd.PeriodIndex(["2023-01", "2023-01", "2023-03", "2023-03", "2023-03",
                                     "2023-03", "2023-03"], freq="M")
    frame["crime_type"] = "Burglary"
    return frame


def test_synthetic_assignment_exact(points, squares):
    result = assign_wards(points, squares)
    assert isinstance(result, WardAssignment)
    assert result.points.index.equals(points.index)
    pd.testing.assert_frame_equal(result.points[points.columns], points)
    got = result.points.set_index("what")[["ward_code", "ward_name", "borough"]]
    expected = pd.DataFrame(
        {"ward_code": ["E05000009", "E05000001", "E05000001", None, None, "E05000009", None],
         "ward_name": ["West", "East", "East", None, None, "West", None],
         "borough": ["Barnet", "Barnet", "Barnet", None, None, "Barnet", None]},
        index=pd.Index(["in west", "in east", "on the shared edge", "far east", "no location",
                        "in west again", "north"], name="what"))
    assert got.fillna("-").to_dict("index") == expected.fillna("-").to_dict("index")


def test_synthetic_report_exact(points, squares):
    result = assign_wards(points, squares)
    assert result.report.to_dict("records") == [
        {"reason": "assigned", "rows": 3},
        {"reason": "on a boundary shared by several wards — assigned to the lowest ward code",
         "rows": 1},
        {"reason": "no coordinates", "rows": 1},
        {"reason": "outside every ward boundary", "rows": 2},
    ]
    assert result.report["rows"].sum() == len(points)
    assert result.unassigned.index.tolist() == [13, 14, 16]
    assert result.unassigned["reason"].tolist() == [REASON_OUTSIDE, REASON_NO_COORDINATES,
                                                    REASON_OUTSIDE]
    assert result.unassigned["what"].tolist() == ["far east", "no location", "north"]
    assert result.wards.to_dict("records") == [
        {"ward_code": "E05000001", "ward_name": "East", "borough": "Barnet"},
        {"ward_code": "E05000009", "ward_name": "West", "borough": "Barnet"},
    ]


def test_no_shared_boundary_row_when_none(points, squares):
    result = assign_wards(points.drop(index=12), squares)
    assert result.report["reason"].tolist() == [REASON_ASSIGNED, REASON_NO_COORDINATES,
                                                REASON_OUTSIDE]
    assert result.report["rows"].tolist() == [3, 1, 2]


def test_wards_in_lon_lat_give_the_same_wards(points, squares):
    in_bng = assign_wards(points, squares).points["ward_code"]
    in_wgs84 = assign_wards(points.drop(index=12), squares.to_crs(4326)).points["ward_code"]
    pd.testing.assert_series_equal(in_wgs84, in_bng.drop(index=12))


def test_a_ward_in_two_parts_is_one_ward(points, squares):
    # Both squares carry one code: the edge between the parts is inside the ward.
    one = squares.assign(ward_code="E05000005", ward_name="Both")
    result = assign_wards(points, one)
    assert result.report.to_dict("records") == [
        {"reason": REASON_ASSIGNED, "rows": 4}, {"reason": REASON_NO_COORDINATES, "rows": 1},
        {"reason": REASON_OUTSIDE, "rows": 2}]
    assert result.wards["ward_code"].tolist() == ["E05000005"]


def test_other_coordinate_columns(points, squares):
    renamed = points.rename(columns={"longitude": "x", "latitude": "y"})
    result = assign_wards(renamed, squares, lon="x", lat="y")
    assert result.report["rows"].tolist() == [3, 1, 1, 2]


def test_missing_coordinate_column(points, squares):
    with pytest.raises(InputDataError) as err:
        assign_wards(points.drop(columns="latitude"), squares)
    assert str(err.value) == ("the points have no column 'latitude'; expected longitude and "
                              "latitude columns in WGS84 degrees (pass lon= and lat= to name "
                              "them)")


def test_wards_without_crs(points, squares):
    with pytest.raises(InputDataError) as err:
        assign_wards(points, squares.set_crs(None, allow_override=True))
    assert str(err.value) == ("the wards have no coordinate reference system; expected a "
                              "GeoDataFrame with its CRS set, e.g. wards.set_crs(27700) for "
                              "British National Grid")


def test_wards_without_names(points, squares):
    with pytest.raises(InputDataError) as err:
        assign_wards(points, squares.drop(columns="ward_name"))
    assert str(err.value).startswith("the wards have no column 'ward_name'; expected a "
                                     "GeoDataFrame with ward_code, ward_name and geometry")


def test_snap_point_note():
    assert SNAP_POINT_NOTE == ("Locations are anonymised by police.uk to the nearest of a set "
                               "of snap points, not exact addresses.")


# ---------------------------------------------------------------------------------------------
# count_by_ward


def test_count_by_ward_includes_zeros(points, squares):
    table = count_by_ward(assign_wards(points, squares))
    assert list(table.columns) == ["month", "area_type", "area_code", "area_name", "borough",
                                   "indicator", "count"]
    assert table["count"].dtype == np.int64
    assert table["month"].dtype == pd.PeriodDtype("M")
    got = {(str(r.month), r.area_code): r.count for r in table.itertuples()}
    # East: in east (Jan) and the shared-edge point (Mar); West: in west (Jan), again (Mar).
    assert got == {
        ("2023-01", "E05000001"): 1, ("2023-02", "E05000001"): 0, ("2023-03", "E05000001"): 1,
        ("2023-01", "E05000009"): 1, ("2023-02", "E05000009"): 0, ("2023-03", "E05000009"): 1,
    }
    assert set(table["area_type"]) == {"ward"} and set(table["indicator"]) == {"burglary"}
    assert table.set_index("area_code")["area_name"].to_dict() == {"E05000001": "East",
                                                                   "E05000009": "West"}


def test_count_by_ward_gives_wards_without_points_zeros(points, squares):
    only_west = points.loc[[10, 15]]
    table = count_by_ward(assign_wards(only_west, squares))
    east = table.loc[table["area_code"] == "E05000001"]
    assert east["month"].astype(str).tolist() == ["2023-01", "2023-02", "2023-03"]
    assert east["count"].tolist() == [0, 0, 0]


def test_count_by_ward_categories_and_months(points, squares):
    pts = points.copy()
    pts.loc[11, "crime_type"] = "Anti-social behaviour"
    assigned = assign_wards(pts, squares)
    window = pd.period_range("2022-12", "2023-01", freq="M")
    table = count_by_ward(assigned, months=window)
    assert sorted(set(table["indicator"])) == ["anti_social_behaviour", "burglary"]
    assert len(table) == 2 * 2 * 2  # wards x months x indicators
    assert table["count"].sum() == 2  # the two January points; March is outside the window
    assert table.loc[table["indicator"] == "anti_social_behaviour", "count"].sum() == 1
    plain = count_by_ward(assigned.points, by=("crime_type",))
    assert list(plain.columns) == ["area_type", "area_code", "area_name", "borough",
                                   "indicator", "count"]
    assert plain["count"].sum() == 4


# ---------------------------------------------------------------------------------------------
# Real data: 2021-2023 Met burglary in Barnet, May-2022 wards


@pytest.fixture(scope="module")
def barnet_points() -> pd.DataFrame:
    from scpb_analysis.sources.policeuk import load_policeuk

    points = load_policeuk(_require(SHARED_DATA / "policeuk" / "met-burglary-2021-2023"))
    return points.loc[points["lsoa_name"].str.startswith("Barnet ", na=False)]


@pytest.fixture(scope="module")
def barnet_wards() -> gpd.GeoDataFrame:
    path = _require(SHARED_DATA / "boundaries" / "wards-2022-barnet-os"
                    / "OSBoundaryLine - BarnetWards.geojson")
    wards = gpd.read_file(path).rename(columns={"ONSWardCode": "ward_code",
                                                "WardName": "ward_name"})
    return wards.to_crs(27700)


@pytest.fixture(scope="module")
def barnet_assigned(barnet_points, barnet_wards) -> WardAssignment:
    return assign_wards(barnet_points, barnet_wards)


def test_real_every_row_accounted(barnet_points, barnet_assigned):
    report = barnet_assigned.report.set_index("reason")["rows"]
    # Barnet's rows of the real files, each crime once (police.uk lists some crimes twice,
    # with different outcomes), recounted with plain pandas.
    files = sorted((SHARED_DATA / "policeuk" / "met-burglary-2021-2023").glob("*.csv"))
    raw = pd.concat([pd.read_csv(f) for f in files], ignore_index=True)
    barnet = raw[raw["LSOA name"].str.startswith("Barnet ", na=False)]
    once = barnet[~(raw["Crime ID"].notna() & raw["Crime ID"].duplicated())
                  .loc[barnet.index]]
    assert len(barnet) == 7_220 and len(once) == 7_152
    assert report.sum() == len(barnet_points) == len(once)
    assigned = barnet_assigned.points["ward_code"].notna().sum()
    assert assigned + len(barnet_assigned.unassigned) == len(barnet_points)
    assert assigned / len(barnet_points) > 0.99
    assert report[REASON_NO_COORDINATES] == 0  # rows without a location have no LSOA name
    assert REASON_SHARED_BOUNDARY not in report.index


def test_real_codes_are_barnet_2022_wards(barnet_assigned):
    expected = {f"E050136{n}" for n in range(28, 52)}
    assert len(expected) == 24
    codes = set(barnet_assigned.points["ward_code"].dropna())
    assert codes <= expected
    assert set(barnet_assigned.wards["ward_code"]) == expected


def test_real_counts_equal_an_independent_sjoin(barnet_points, barnet_wards, barnet_assigned):
    located = barnet_points.dropna(subset=["longitude", "latitude"])
    geo = gpd.GeoDataFrame(
        located, geometry=gpd.points_from_xy(located["longitude"], located["latitude"]),
        crs=4326).to_crs(27700)
    joined = gpd.sjoin(geo, barnet_wards[["ward_code", "geometry"]], predicate="within")
    independent = joined["ward_code"].value_counts().sort_index()
    ours = barnet_assigned.points["ward_code"].value_counts().sort_index()
    pd.testing.assert_series_equal(ours, independent, check_names=False)
    # The same rows, not just the same totals.
    pd.testing.assert_series_equal(
        barnet_assigned.points.loc[joined.index, "ward_code"], joined["ward_code"],
        check_names=False)


def test_real_count_table(barnet_assigned):
    table = count_by_ward(barnet_assigned)
    assert len(table) == 24 * 36
    assert table["count"].sum() == barnet_assigned.points["ward_code"].notna().sum()
    per_ward = table.groupby("area_code")["count"].sum()
    assert per_ward.to_dict() == barnet_assigned.points["ward_code"].value_counts().to_dict()
