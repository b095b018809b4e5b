"""Which ward a longitude/latitude lies *within*, for millions of points at a time.

:class:`WardIndex` answers the question ``geopandas.sjoin(points.to_crs(wards.crs), wards,
predicate="within")`` answers, with the same result, at a small fraction of the cost:

* a grid (about 2,000 cells across, cells roughly square on the ground) is laid over the
  wards in longitude/latitude, the coordinates police.uk publishes, so finding a point's cell
  is two subtractions and two multiplications: no point is projected to find it;
* the ward boundaries are carried into longitude/latitude (the inverse projection of their
  vertices). Every cell a boundary passes through, or comes near, is marked; "near" is a
  margin of a thousandth of a cell plus several times the largest error measured when the
  index is built: how far the projected boundary's straight chords stray from the true curve,
  and how far the inverse projection is from undoing the forward one;
* each connected region of unmarked cells lies in one face of the boundaries, so one exact
  test of one point in it (projected as ``to_crs`` projects, tested with the ``within``
  predicate) tells, for every point that falls in it, which ward, if any, contains it;
* only points in marked cells are projected (``pyproj``, as ``to_crs`` does) and tested
  against the candidate wards with GEOS's prepared point-in-polygon test (``contains``, the
  converse of ``within``).

A point exactly on a ward boundary is within no ward, as with ``sjoin(predicate="within")``.
The grid only decides points no boundary comes near, so it never changes an answer; the tests
check the result against the ``sjoin`` baseline on the real Met files and on synthetic points
placed on edges, corners and holes.
"""

from __future__ import annotations

import functools
import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer

from scpb_analysis.core.errors import InputDataError

__all__ = ["Placement", "WardIndex"]

_WGS84 = CRS.from_epsg(4326)
# Values of a grid cell: a ward geometry's position (>= 0), or one of these.
_OUTSIDE, _CHECK = -2, -1
# Cells within this fraction of a cell of a boundary are marked even with no measured error:
# it covers floating-point rounding in finding a point's cell.
_MIN_MARGIN = 1e-3
# Measured errors (chord deviation, round trip) are multiplied by this in the margin.
_SAFETY = 8.0
# Segments checked for chord deviation: the longest, where it is largest (it grows as the
# square of the length).
_CHORD_CHECKS = 512
# Grid cells along each side of a bucket of the candidate lookup.
_BUCKET = 16
# WardIndex.cached keeps this many indexes.
_CACHE_SIZE = 4
_CACHE: OrderedDict[bytes, WardIndex] = OrderedDict()
_CACHE_LOCK = threading.Lock()


@functools.lru_cache(maxsize=16)
def _transformer(source_wkt: str, target_wkt: str) -> Transformer:
    # Creating a transformer costs tens of milliseconds; it is the one ``to_crs`` would use.
    return Transformer.from_crs(CRS.from_wkt(source_wkt), CRS.from_wkt(target_wkt),
                                always_xy=True)


@dataclass(frozen=True)
class _Grid:
    """Cell values over longitude/latitude: ``value[row, col]`` for ``lon0 + col * dlon``."""

    value: np.ndarray  # (ny, nx) int16 or int32: geometry position, _OUTSIDE or _CHECK
    lon0: float
    lat0: float
    dlon: float
    dlat: float
    margin: float  # cells
    # Candidate wards for the exact test: each geometry's box in cell coordinates (widened by
    # the margin), and for each bucket of _BUCKET x _BUCKET cells the geometries whose boxes
    # reach it, as CSR (bucket_start indexes bucket_geom).
    box: np.ndarray  # (n_geometries, 4): u_lo, u_hi, v_lo, v_hi; NaN for empty geometries
    bucket_start: np.ndarray
    bucket_geom: np.ndarray

    def cell(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Fractional cell coordinates (column, row) of WGS84 points."""
        return (lon - self.lon0) * (1 / self.dlon), (lat - self.lat0) * (1 / self.dlat)

    def candidates(self, u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(point, geometry) pairs whose box holds the point: every ward it may be within."""
        ny, nx = self.value.shape
        bx = -(-nx // _BUCKET)
        on = np.flatnonzero((u >= 0) & (u < nx) & (v >= 0) & (v < ny))
        bucket = (v[on] // _BUCKET).astype(np.int64) * bx + (u[on] // _BUCKET).astype(np.int64)
        first, size = self.bucket_start[bucket], np.diff(self.bucket_start)[bucket]
        point = np.repeat(on, size)
        offset = np.arange(len(point)) - np.repeat(np.cumsum(size) - size, size)
        geom = self.bucket_geom[np.repeat(first, size) + offset]
        box = self.box[geom]
        pu, pv = u[point], v[point]
        keep = (pu >= box[:, 0]) & (pu <= box[:, 1]) & (pv >= box[:, 2]) & (pv <= box[:, 3])
        return point[keep], geom[keep]


def _mark(u0: np.ndarray, v0: np.ndarray, u1: np.ndarray, v1: np.ndarray,
          shape: tuple[int, int], margin: float) -> np.ndarray:
    """Cells each segment (cell coordinates) passes through or comes within ``margin`` of.

    A supercover: for each column of cells the segment's span reaches (widened by the
    margin), every cell between its lowest and highest point there (widened likewise).
    """
    flip = u0 > u1
    u0, u1 = np.where(flip, u1, u0), np.where(flip, u0, u1)
    v0, v1 = np.where(flip, v1, v0), np.where(flip, v0, v1)
    ny, nx = shape
    first = np.floor(u0 - margin).astype(np.int64)
    columns = np.floor(u1 + margin).astype(np.int64) - first + 1
    seg = np.repeat(np.arange(len(u0)), columns)
    col = first[seg] + (np.arange(len(seg)) - np.repeat(np.cumsum(columns) - columns, columns))
    a = np.maximum(u0[seg], col - margin)
    b = np.minimum(u1[seg], col + 1 + margin)
    du = (u1 - u0)[seg]
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = np.where(du > 0, (v1 - v0)[seg] / du, 0.0)
    steep = du <= 0  # vertical: the whole v range lies in its one column
    va = np.where(steep, v0[seg], v0[seg] + (a - u0[seg]) * slope)
    vb = np.where(steep, v1[seg], v0[seg] + (b - u0[seg]) * slope)
    low = np.floor(np.minimum(va, vb) - margin).astype(np.int64)
    rows = np.floor(np.maximum(va, vb) + margin).astype(np.int64) - low + 1
    k = np.repeat(np.arange(len(col)), rows)
    row = low[k] + (np.arange(len(k)) - np.repeat(np.cumsum(rows) - rows, rows))
    marked = np.zeros(shape, dtype=bool)
    marked[np.clip(row, 0, ny - 1), np.clip(col[k], 0, nx - 1)] = True
    return marked


def _free_regions(marked: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The unmarked cells as row runs, and the 4-connected region each run belongs to.

    Returns ``row, start, end, region`` per run (cells ``start`` to ``end - 1`` of ``row``),
    runs in raster order, regions numbered from 0. The same partition as
    ``scipy.ndimage.label(~marked)`` (tested), in a fraction of the time: runs in adjacent
    rows that share a column are joined, and the graph's connected components found.
    """
    from scipy import sparse
    from scipy.sparse import csgraph

    ny, nx = marked.shape
    width = nx + 1  # keys row * width + column keep every row's runs apart
    free = ~marked.ravel()
    before = np.zeros_like(free)  # the cell to the left is free (never across rows)
    before[1:] = free[:-1]
    before[::nx] = False
    after = np.zeros_like(free)  # the cell to the right is free
    after[:-1] = free[1:]
    after[nx - 1::nx] = False
    row, start = np.divmod(np.flatnonzero(free & ~before), nx)
    end = np.flatnonzero(free & ~after) % nx + 1
    # Runs of the row above overlapping each run: they end after it starts and start before
    # it ends.
    lo = np.searchsorted(row * width + end, (row - 1) * width + start, side="right")
    hi = np.searchsorted(row * width + start, (row - 1) * width + end, side="left")
    size = np.maximum(hi - lo, 0)
    below = np.repeat(np.arange(len(row)), size)
    above = np.repeat(lo, size) + (np.arange(len(below)) - np.repeat(np.cumsum(size) - size,
                                                                     size))
    graph = sparse.coo_matrix((np.ones(len(below), dtype=np.int8), (below, above)),
                              shape=(len(row), len(row)))
    region = csgraph.connected_components(graph, directed=False)[1]
    return row, start, end, region.astype(np.int64)


def _buckets(geom_of_vertex: np.ndarray, u: np.ndarray, v: np.ndarray, n_geoms: int,
             shape: tuple[int, int], margin: float
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each geometry's box (cell coordinates, widened by ``margin``) and the bucket lists."""
    order = np.argsort(geom_of_vertex, kind="stable")
    g, gu, gv = geom_of_vertex[order], u[order], v[order]
    first = np.flatnonzero(np.concatenate(([True], g[1:] != g[:-1])))
    box = np.full((n_geoms, 4), np.nan)
    box[g[first]] = np.column_stack([
        np.minimum.reduceat(gu, first) - margin, np.maximum.reduceat(gu, first) + margin,
        np.minimum.reduceat(gv, first) - margin, np.maximum.reduceat(gv, first) + margin])
    ny, nx = shape
    bx, by = -(-nx // _BUCKET), -(-ny // _BUCKET)
    has = np.flatnonzero(~np.isnan(box[:, 0]))
    c0 = np.clip(box[has, 0] // _BUCKET, 0, bx - 1).astype(np.int64)
    c1 = np.clip(box[has, 1] // _BUCKET, 0, bx - 1).astype(np.int64)
    r0 = np.clip(box[has, 2] // _BUCKET, 0, by - 1).astype(np.int64)
    r1 = np.clip(box[has, 3] // _BUCKET, 0, by - 1).astype(np.int64)
    width, height = c1 - c0 + 1, r1 - r0 + 1
    size = width * height
    k = np.repeat(np.arange(len(has)), size)
    j = np.arange(len(k)) - np.repeat(np.cumsum(size) - size, size)
    bucket = (r0[k] + j // width[k]) * bx + c0[k] + j % width[k]
    order = np.argsort(bucket, kind="stable")
    start = np.searchsorted(bucket[order], np.arange(bx * by + 1))
    return box, start, has[k[order]]


def _check_wards(wards, ward_code: str) -> None:
    if ward_code not in getattr(wards, "columns", ()):
        raise InputDataError(None, f"the wards have no column '{ward_code}'",
                             expected="a GeoDataFrame of ward polygons with a code column "
                             "(pass ward_code= to name it)")
    if getattr(wards, "crs", None) is None:
        raise InputDataError(None, "the wards have no coordinate reference system",
                             expected="a GeoDataFrame with its CRS set, e.g. "
                             "wards.set_crs(27700) for British National Grid")
    if wards[ward_code].isna().any():
        raise InputDataError(None, "a ward has no code", column=ward_code,
                             expected="a code on every ward polygon")


class WardIndex:
    """Ward polygons ready for fast *within* tests; build once to count many inputs.

    Parameters
    ----------
    wards : GeoDataFrame
        Ward polygons with a CRS and a code column (named by ``ward_code``). Several rows may
        share a code; a point within two rows is placed in both, as ``sjoin`` would.
    ward_code : str
        The code column.
    cells_across : int
        Grid cells along the longer side of the wards' extent: more cost more to build and
        decide more points without a geometry test (2,048 is about 28 m for London).

    Attributes
    ----------
    codes : ndarray
        The distinct ward codes, sorted.
    code_of_geometry : ndarray
        For each ward polygon (in the order given), its position in ``codes``.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> wards = gpd.GeoDataFrame({"ward_code": ["E05000002", "E05000001"]},
    ...                          geometry=[box(-0.1, 51.5, 0.0, 51.6), box(-0.2, 51.5, -0.1, 51.6)],
    ...                          crs=4326).to_crs(27700)
    >>> index = WardIndex(wards)
    >>> row, ward = index.within_lonlat([-0.15, -0.05, 0.3, None], [51.55, 51.55, 51.55, None])
    >>> row.tolist(), index.codes[index.code_of_geometry[ward]].tolist()
    ([0, 1], ['E05000001', 'E05000002'])
    """

    def __init__(self, wards, *, ward_code: str = "ward_code", cells_across: int = 2048) -> None:
        _check_wards(wards, ward_code)
        rank, codes = pd.factorize(wards[ward_code].astype(str), sort=True)
        self.codes = np.asarray(codes, dtype=object)
        self.code_of_geometry = rank.astype(np.int64)
        self._setup(np.asarray(wards.geometry.values, dtype=object),
                    CRS.from_user_input(wards.crs))
        self._grid = self._build_grid(cells_across)

    @classmethod
    def cached(cls, wards, *, ward_code: str = "ward_code", cells_across: int = 2048
               ) -> WardIndex:
        """The index for these wards, built once and reused while they are unchanged.

        Indexes are kept (the last few) by a digest of the ward codes, the geometries' WKB,
        the CRS and ``cells_across``, so changing a ward in any way builds a new one; the
        digest costs about a millisecond for London's 684 wards, the build twenty. This is
        what ``geopandas`` does for ``sjoin`` by keeping ``wards.sindex``.

        Examples
        --------
        >>> import geopandas as gpd
        >>> from shapely import box
        >>> wards = gpd.GeoDataFrame({"ward_code": ["W1"]}, geometry=[box(0, 0, 1, 1)], crs=27700)
        >>> WardIndex.cached(wards) is WardIndex.cached(wards)
        True
        >>> moved = wards.set_geometry([box(0, 0, 2, 1)], crs=27700)
        >>> WardIndex.cached(moved) is WardIndex.cached(wards)
        False
        """
        _check_wards(wards, ward_code)
        digest = hashlib.blake2b(digest_size=20)
        digest.update(f"{cells_across}\0{CRS.from_user_input(wards.crs).to_wkt()}".encode())
        digest.update("\0".join(wards[ward_code].astype(str).tolist()).encode())
        wkb = shapely.to_wkb(np.asarray(wards.geometry.values, dtype=object))
        digest.update(np.array([len(w) if w is not None else -1 for w in wkb]).tobytes())
        digest.update(b"".join(w for w in wkb if w is not None))
        key = digest.digest()
        with _CACHE_LOCK:
            found = _CACHE.get(key)
            if found is not None:
                _CACHE.move_to_end(key)
                return found
        built = cls(wards, ward_code=ward_code, cells_across=cells_across)
        with _CACHE_LOCK:
            _CACHE[key] = built
            while len(_CACHE) > _CACHE_SIZE:
                _CACHE.popitem(last=False)
        return built

    def _setup(self, geometries: np.ndarray, crs: CRS) -> None:
        self.geometries = geometries
        self.crs = crs
        self.tree = shapely.STRtree(geometries)
        # Prepared copies for the point-in-polygon tests: the caller's geometries stay as given.
        self._prepared = shapely.from_wkb(shapely.to_wkb(geometries))
        shapely.prepare(self._prepared)
        if crs.equals(_WGS84):
            self._to_crs = self._to_wgs84 = None
        else:
            self._to_crs = _transformer(_WGS84.to_wkt(), crs.to_wkt())
            self._to_wgs84 = _transformer(crs.to_wkt(), _WGS84.to_wkt())

    # Pickled (for Dask workers) as WKB and arrays; the tree and transformers are rebuilt.
    def __getstate__(self) -> dict:
        return {"codes": self.codes, "code_of_geometry": self.code_of_geometry,
                "wkb": shapely.to_wkb(self.geometries), "crs": self.crs.to_wkt(),
                "grid": self._grid}

    def __setstate__(self, state: dict) -> None:
        self.codes = state["codes"]
        self.code_of_geometry = state["code_of_geometry"]
        self._setup(shapely.from_wkb(state["wkb"]), CRS.from_wkt(state["crs"]))
        self._grid = state["grid"]

    # -- grid ------------------------------------------------------------------------------

    def _to_lonlat(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if self._to_wgs84 is None:
            return x, y
        lon, lat = self._to_wgs84.transform(x, y)
        return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)

    def _build_grid(self, cells_across: int) -> _Grid | None:
        geoms = self.geometries
        present = geoms[~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)]
        polygonal = np.isin(shapely.get_type_id(present), (3, 6))  # Polygon, MultiPolygon
        if not len(present) or not polygonal.all() or not shapely.is_valid(present).all():
            return None  # every point gets the exact test
        rings, ring_geom = shapely.get_parts(shapely.boundary(present), return_index=True)
        if self._to_wgs84 is not None:
            # Long straight edges bend when carried into longitude/latitude (by ~0.4 m over
            # 4 km in London); vertices every 16 cells keep the bend to millimetres, and so
            # the margin, and the cells it marks, small.
            minx, miny, maxx, maxy = shapely.total_bounds(present)
            rings = shapely.segmentize(rings, 16 * max(maxx - minx, maxy - miny) / cells_across)
        xy, ring = shapely.get_coordinates(rings, return_index=True)
        lon, lat = self._to_lonlat(xy[:, 0], xy[:, 1])
        if not (np.isfinite(lon).all() and np.isfinite(lat).all()):
            return None
        # Cells about square on the ground: a degree of longitude is cos(latitude) as long.
        lon_lo, lon_hi, lat_lo, lat_hi = lon.min(), lon.max(), lat.min(), lat.max()
        squash = np.cos(np.radians(np.clip((lat_lo + lat_hi) / 2, -80, 80)))
        cell = max((lon_hi - lon_lo) * squash, lat_hi - lat_lo) / cells_across
        if not cell > 0:
            return None
        dlon, dlat = cell / squash, cell
        lon0, lat0 = lon_lo - 2 * dlon, lat_lo - 2 * dlat
        shape = (int(np.ceil((lat_hi - lat0) / dlat)) + 3,
                 int(np.ceil((lon_hi - lon0) / dlon)) + 3)
        u, v = (lon - lon0) / dlon, (lat - lat0) / dlat
        same = ring[1:] == ring[:-1]
        a = np.flatnonzero(same)
        b = a + 1
        margin = _MIN_MARGIN + _SAFETY * self._carried_error(xy, lon, lat, a, b, u, v, lon0,
                                                             lat0, dlon, dlat)
        if margin > 0.25:  # pragma: no cover - the grid is too fine for this projection
            return None
        marked = _mark(u[a], v[a], u[b], v[b], shape, margin)
        row, start, end, region = _free_regions(marked)
        n_regions = int(region.max(initial=-1)) + 1
        # One cell of each region is probed: its ward (or none) is every cell's there.
        some_run = np.zeros(n_regions, dtype=np.int64)
        some_run[region] = np.arange(len(region))
        cy, cx = row[some_run], start[some_run]
        px, py = self.project(lon0 + (cx + 0.5) * dlon, lat0 + (cy + 0.5) * dlat)
        point_of, geom_of = self.tree.query(shapely.points(px, py), predicate="within")
        hits = np.bincount(point_of, minlength=n_regions)
        value = np.where(hits == 0, _OUTSIDE, _CHECK).astype(np.int32)
        single = np.flatnonzero(hits[point_of] == 1)
        value[point_of[single]] = geom_of[single]
        # Each run's value written as a step up at its start and down at its end, summed along
        # the grid: marked cells (in no run) keep _CHECK.
        small = np.int16 if len(geoms) < 2**15 - 2 else np.int32  # half the memory to read
        steps = np.zeros(marked.size + 1, dtype=small)
        run_value = (value[region] - _CHECK).astype(small)
        steps[row * shape[1] + start] += run_value
        np.subtract.at(steps, row * shape[1] + end, run_value)
        cells = (np.cumsum(steps[:-1], dtype=small) + small(_CHECK)).reshape(shape)
        box, bucket_start, bucket_geom = _buckets(
            np.flatnonzero(~shapely.is_missing(geoms) & ~shapely.is_empty(geoms))[
                ring_geom[ring]], u, v, len(geoms), shape, margin)
        return _Grid(cells, lon0, lat0, dlon, dlat, margin, box, bucket_start, bucket_geom)

    def _carried_error(self, xy, lon, lat, a, b, u, v, lon0, lat0, dlon, dlat) -> float:
        """Largest error (cells) in carrying the boundaries into longitude/latitude.

        Two: how far the true (curved) image of a straight boundary segment strays from the
        chord between its carried ends, measured at the midpoints of the longest segments;
        and how far the inverse projection is from undoing the forward one, measured on up to
        a thousand vertices.
        """
        if self._to_wgs84 is None:
            return 0.0
        length = np.hypot(*(xy[b] - xy[a]).T)
        longest = np.argsort(length)[-_CHORD_CHECKS:]
        mid = (xy[a[longest]] + xy[b[longest]]) / 2
        mlon, mlat = self._to_lonlat(mid[:, 0], mid[:, 1])
        chord = max(np.abs((mlon - lon0) / dlon - (u[a] + u[b])[longest] / 2).max(initial=0),
                    np.abs((mlat - lat0) / dlat - (v[a] + v[b])[longest] / 2).max(initial=0))
        some = np.unique(np.linspace(0, len(u) - 1, min(len(u), 1000)).astype(np.int64))
        back_x, back_y = self.project(lon[some], lat[some])
        # The CRS's units (metres) per cell, the smaller of the two directions' scales.
        per_cell = min(np.ptp(xy[:, 0]) / max(np.ptp(u), 1e-12),
                       np.ptp(xy[:, 1]) / max(np.ptp(v), 1e-12))
        trip = np.hypot(back_x - xy[some, 0], back_y - xy[some, 1]).max(initial=0) / per_cell
        error = float(max(chord, trip))
        return error if np.isfinite(error) else np.inf

    def _grid_values(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Per point (no missing coordinates): its one ward geometry, ``_OUTSIDE`` or ``_CHECK``."""
        if self._grid is None:
            return np.full(len(lon), _CHECK, dtype=np.int64)
        g = self._grid
        ny, nx = g.value.shape
        u, v = g.cell(lon, lat)
        on = (u >= 0) & (u < nx) & (v >= 0) & (v < ny)
        cell = np.where(on, v.astype(np.int64) * nx + u.astype(np.int64), 0)
        value = g.value.ravel().take(cell).astype(np.int64)
        value[~on] = _OUTSIDE
        return value

    # -- exact tests -----------------------------------------------------------------------

    def project(self, lon, lat) -> tuple[np.ndarray, np.ndarray]:
        """WGS84 longitude/latitude to the wards' CRS (the transformation ``to_crs`` uses)."""
        lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
        if self._to_crs is None:
            return lon, lat
        x, y = self._to_crs.transform(lon, lat)
        return np.asarray(x, dtype=float), np.asarray(y, dtype=float)

    def _contains(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(point, geometry) pairs with the point in the geometry's interior (CRS coordinates)."""
        point, geom = self.tree.query(shapely.points(x, y))
        inside = shapely.contains_xy(self._prepared[geom], x[point], y[point])
        return point[inside], geom[inside]

    def within(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        """(point, ward geometry) index pairs for points within a ward, points in the wards' CRS.

        The same pairs as ``STRtree(geometries).query(points, predicate="within")``, sorted by
        point; every point is tested exactly (the grid is for longitude/latitude: see
        :meth:`within_lonlat`).
        """
        point, geom = self._contains(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
        order = np.lexsort((geom, point))
        return point[order], geom[order]

    def within_lonlat(self, lon, lat) -> tuple[np.ndarray, np.ndarray]:
        """(point, ward geometry) pairs for WGS84 points within a ward, sorted by point.

        What ``sjoin(points.to_crs(wards.crs), wards, predicate="within")`` pairs. Points
        with a missing coordinate are within no ward.
        """
        placed = self.place(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
        order = np.lexsort((placed.geom, placed.row))
        return placed.row[order], placed.geom[order]

    def on_boundary(self, x, y) -> np.ndarray:
        """Which points (wards' CRS) lie on some ward's boundary: touch a ward, within none."""
        pts = shapely.points(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
        touching = np.zeros(len(pts), dtype=bool)
        touching[self.tree.query(pts, predicate="intersects")[0]] = True
        inside = np.zeros(len(pts), dtype=bool)
        inside[self.tree.query(pts, predicate="within")[0]] = True
        return touching & ~inside

    def place(self, lon, lat) -> Placement:
        """Place WGS84 points in wards: (point, ward geometry) pairs and the points in none.

        Parameters
        ----------
        lon, lat : array of float
            WGS84 coordinates; a point with a missing coordinate is within no ward and is
            counted in ``Placement.missing``.

        Returns
        -------
        Placement
            The pairs, in no particular order, and the counts of points placed nowhere.
        """
        lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
        n = len(lon)
        present = ~(np.isnan(lon) | np.isnan(lat))
        missing = n - int(np.count_nonzero(present))
        rows = np.flatnonzero(present) if missing else None
        if rows is not None:
            lon, lat = lon[rows], lat[rows]
        value = self._grid_values(lon, lat)
        decided = np.flatnonzero(value >= 0)
        check = np.flatnonzero(value == _CHECK)
        row_c, geom_c, placed_c, boundary = self._place_exactly(lon[check], lat[check])
        row = np.concatenate([decided, check[row_c]])
        geom = np.concatenate([value[decided], geom_c])
        if rows is not None:
            row = rows[row]
        placed = len(decided) + placed_c
        return Placement(row=row, geom=geom, n=n, missing=missing,
                         outside=n - missing - placed, on_boundary=boundary)

    def _place_exactly(self, lon: np.ndarray, lat: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray, int, int]:
        """Pairs for points tested exactly: (row, geom), rows placed, rows on a boundary."""
        if not len(lon):
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, 0, 0
        # Distinct coordinates (exact float pairs): police.uk snap points repeat.
        pair = np.empty(len(lon), dtype=np.complex128)
        pair.real, pair.imag = lon, lat
        code, distinct = pd.factorize(pair)
        x, y = self.project(distinct.real, distinct.imag)
        if self._grid is None:
            point, geom = self._contains(x, y)
        else:
            point, geom = self._grid.candidates(*self._grid.cell(distinct.real, distinct.imag))
            inside = shapely.contains_xy(self._prepared[geom], x[point], y[point])
            point, geom = point[inside], geom[inside]
        hits = np.bincount(point, minlength=len(distinct))
        per_point = np.bincount(code, minlength=len(distinct))
        if hits.max(initial=0) <= 1:  # the usual case: no point in two wards
            geom_of = np.full(len(distinct), -1, dtype=np.int64)
            geom_of[point] = geom
            found = geom_of[code]
            row = np.flatnonzero(found >= 0)
            geom_row = found[row]
        else:  # overlapping wards: a pair for every ward a point is in, as a join gives
            order = np.argsort(point, kind="stable")
            point, geom = point[order], geom[order]
            start = np.concatenate(([0], np.cumsum(hits)[:-1]))
            n_pairs = hits[code]
            row = np.repeat(np.arange(len(code)), n_pairs)
            offset = np.arange(len(row)) - np.repeat(np.cumsum(n_pairs) - n_pairs, n_pairs)
            geom_row = geom[start[code[row]] + offset]
        none = np.flatnonzero(hits == 0)
        edge = none[self.on_boundary(x[none], y[none])] if len(none) else none
        placed = int(per_point[hits > 0].sum())
        return row, geom_row.astype(np.int64), placed, int(per_point[edge].sum())


@dataclass(frozen=True)
class Placement:
    """Where :meth:`WardIndex.place` put each point.

    Attributes
    ----------
    row, geom : ndarray of int64
        One pair per (point, ward geometry) with the point within the geometry.
    n : int
        Points given.
    missing : int
        Points with a missing coordinate (placed nowhere).
    outside : int
        Points with coordinates within no ward (outside them all, or on a boundary).
    on_boundary : int
        Of ``outside``, points exactly on a ward's boundary.
    """

    row: np.ndarray
    geom: np.ndarray
    n: int
    missing: int
    outside: int
    on_boundary: int
