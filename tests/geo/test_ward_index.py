"""WardIndex: the lon/lat grid decides only what sjoin(within) decides, at any distance."""

from __future__ import annotations

import pickle

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis.extra.numpy import array_shapes, arrays
from shapely import Polygon, box

from scpb_analysis.geo import ward_index
from scpb_analysis.geo.ward_index import WardIndex


def _sjoin_pairs(wards: gpd.GeoDataFrame, lon: np.ndarray, lat: np.ndarray) -> set:
    """The baseline's (point, ward row) pairs: points projected as to_crs does, then within."""
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs=4326).to_crs(wards.crs)
    joined = gpd.sjoin(points, wards[["geometry"]].reset_index(drop=True), how="inner",
                       predicate="within")
    return set(zip(joined.index.tolist(), joined["index_right"].tolist(), strict=True))


def _index_pairs(index: WardIndex, lon, lat) -> set:
    row, geom = index.within_lonlat(lon, lat)
    return set(zip(row.tolist(), geom.tolist(), strict=True))


def _near_boundaries(wards: gpd.GeoDataFrame, n: int, reach_m: float, seed: int):
    """Points (lon, lat) scattered within ``reach_m`` metres of the wards' boundaries."""
    rng = np.random.default_rng(seed)
    edges = shapely.get_parts(shapely.boundary(np.asarray(wards.geometry.values)))
    lengths = shapely.length(edges)
    pick = rng.choice(len(edges), n, p=lengths / lengths.sum())
    along = shapely.line_interpolate_point(edges[pick], rng.random(n), normalized=True)
    x, y = shapely.get_coordinates(along).T
    # Offsets at every scale from a millimetre to reach_m: grid cells, margins, the exact band.
    scale = reach_m * 10.0 ** rng.uniform(-6, 0, n)
    angle = rng.uniform(0, 2 * np.pi, n)
    x, y = x + scale * np.cos(angle), y + scale * np.sin(angle)
    # Some points exactly on a vertex or an edge, which are within no ward.
    on = rng.random(n) < 0.05
    x[on], y[on] = shapely.get_coordinates(along[on]).T
    lon, lat = gpd.GeoSeries(gpd.points_from_xy(x, y), crs=wards.crs).to_crs(4326).pipe(
        lambda s: (s.x.to_numpy(), s.y.to_numpy()))
    return np.round(lon, 6), np.round(lat, 6)


def test_real_wards_points_near_boundaries_match_sjoin(london_wards):
    # 40,000 points within 100 m of London's ward boundaries (a few cells of the grid), at
    # every distance down to a millimetre: the grid may only decide points no boundary is
    # near, so every answer must be the baseline's.
    index = WardIndex(london_wards)
    lon, lat = _near_boundaries(london_wards, 40_000, 100.0, seed=3)
    assert _index_pairs(index, lon, lat) == _sjoin_pairs(london_wards, lon, lat)
    placed = index.place(lon, lat)
    assert placed.missing == 0
    assert placed.outside == len(lon) - len({r for r, _ in _index_pairs(index, lon, lat)})


def test_real_wards_random_points_and_coarse_grid_match_sjoin(london_wards):
    rng = np.random.default_rng(11)
    lon = np.round(rng.uniform(-0.56, 0.36, 30_000), 6)
    lat = np.round(rng.uniform(51.26, 51.72, 30_000), 6)
    expected = _sjoin_pairs(london_wards, lon, lat)
    for cells in (64, 2048):
        assert _index_pairs(WardIndex(london_wards, cells_across=cells), lon, lat) == expected


@pytest.mark.parametrize("crs", [4326, 27700, 3857])
def test_each_crs_matches_sjoin_on_edges_holes_and_overlaps(crs):
    ring = box(0.0, 51.5, 0.1, 51.6)
    holed = Polygon(ring.exterior.coords, [box(0.04, 51.54, 0.06, 51.56).exterior.coords])
    wards = gpd.GeoDataFrame(
        {"ward_code": ["W2", "W1", "W3", "W4"]},
        geometry=[box(-0.1, 51.5, 0.0, 51.6), box(-0.2, 51.5, -0.1, 51.6), holed,
                  box(0.08, 51.5, 0.2, 51.6)], crs=4326).to_crs(crs)
    rng = np.random.default_rng(5)
    n = 20_000
    lon = np.where(rng.random(n) < 0.5, rng.choice([-0.2, -0.1, 0.0, 0.04, 0.06, 0.08, 0.1], n),
                   rng.uniform(-0.25, 0.25, n))
    lat = np.where(rng.random(n) < 0.3, rng.choice([51.5, 51.54, 51.56, 51.6], n),
                   rng.uniform(51.45, 51.65, n))
    lon, lat = np.round(lon, 6), np.round(lat, 6)
    index = WardIndex(wards)
    assert _index_pairs(index, lon, lat) == _sjoin_pairs(wards, lon, lat)
    # W3 and W4 overlap: a point in both is placed in both, as a join gives.
    assert {g for r, g in _index_pairs(index, [0.09], [51.55])} == {2, 3}


def test_missing_coordinates_and_invalid_wards():
    bow_tie = Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])  # self-intersecting: no grid
    wards = gpd.GeoDataFrame({"ward_code": ["A", "B"]},
                             geometry=[box(-0.2, 51.5, -0.1, 51.6), bow_tie], crs=4326)
    index = WardIndex(wards)
    assert index._grid is None
    placed = index.place([-0.15, np.nan, 5.0], [51.55, np.nan, 5.0])
    assert (placed.missing, placed.outside, placed.row.tolist()) == (1, 1, [0])


def test_cached_index_is_reused_until_the_wards_change():
    ward_index._CACHE.clear()
    wards = gpd.GeoDataFrame({"ward_code": ["W1", "W2"]},
                             geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], crs=27700)
    first = WardIndex.cached(wards)
    assert WardIndex.cached(wards.copy()) is first
    changed = wards.copy()
    changed.loc[1, "geometry"] = box(1, 0, 3, 1)
    assert WardIndex.cached(changed) is not first
    recoded = wards.assign(ward_code=["W1", "W9"])
    assert WardIndex.cached(recoded) is not first
    assert WardIndex.cached(wards.to_crs(3857)) is not first
    assert WardIndex.cached(wards, cells_across=64) is not first
    assert len(ward_index._CACHE) == ward_index._CACHE_SIZE


def test_pickled_index_places_the_same(london_wards):
    index = WardIndex(london_wards.iloc[:50])
    copy = pickle.loads(pickle.dumps(index))
    lon, lat = _near_boundaries(london_wards.iloc[:50], 5_000, 50.0, seed=9)
    assert _index_pairs(copy, lon, lat) == _index_pairs(index, lon, lat)
    assert (copy.codes == index.codes).all()


def test_within_in_ward_crs_matches_strtree():
    wards = gpd.GeoDataFrame({"ward_code": ["W1", "W2"]},
                             geometry=[box(0, 0, 10, 10), box(10, 0, 20, 10)], crs=27700)
    index = WardIndex(wards)
    x, y = np.array([5.0, 10.0, 15.0, 25.0]), np.array([5.0, 5.0, 5.0, 5.0])
    point, geom = index.within(x, y)
    tree = shapely.STRtree(np.asarray(wards.geometry.values))
    expected = tree.query(shapely.points(x, y), predicate="within")
    assert point.tolist() == expected[0].tolist() and geom.tolist() == expected[1].tolist()
    assert index.on_boundary(x, y).tolist() == [False, True, False, False]


def test_index_tally_accounting_on_every_row():
    from scpb_analysis.geo.points import WardMonthTally, month_ordinals

    wards = gpd.GeoDataFrame({"ward_code": ["W1", "W2"]},
                             geometry=[box(-0.2, 51.5, -0.1, 51.6), box(-0.1, 51.5, 0.0, 51.6)],
                             crs=4326)
    tally = WardMonthTally(WardIndex(wards))
    for months, kinds, lon in ((["2023-05", "2023-05"], ["Burglary", "Robbery"], [-0.15, -0.1]),
                               (["2023-06", "2023-05"], ["Burglary", "Burglary"],
                                [-0.05, np.nan])):
        tally.add(month_ordinals(months), tally.type_ids(kinds), np.array(lon),
                  np.full(2, 51.55))
    counts = tally.counts()
    assert counts.to_dict("list") == {
        "ward_code": ["W1", "W2"], "month": [pd.Period("2023-05", "M"), pd.Period("2023-06", "M")],
        "crime_type": ["Burglary", "Burglary"], "count": [1, 1]}
    assert (tally.rows, tally.no_location, tally.outside, tally.on_boundary) == (4, 1, 1, 1)


@settings(max_examples=200, deadline=None)
@given(arrays(np.bool_, array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=30)))
def test_free_regions_partition_the_grid_as_ndimage_label_does(marked):
    from scipy import ndimage

    from scpb_analysis.geo.ward_index import _free_regions

    row, start, end, region = _free_regions(marked)
    found = np.full(marked.shape, -1)
    for r, a, b, k in zip(row, start, end, region, strict=True):
        found[r, a:b] = k
    expected, n = ndimage.label(~marked)
    assert ((found >= 0) == ~marked).all()
    # The same regions, whatever their numbers: a one-to-one pairing of labels.
    pairs = set(zip(found[~marked].tolist(), expected[~marked].tolist(), strict=True))
    assert len(pairs) == n == len(set(region.tolist()))
