"""Points to wards: vectorised point-in-polygon assignment and ward-level counts.

:func:`assign_wards` places crime points (longitude and latitude in WGS84, as police.uk
publishes them) in ward polygons with one spatial-index query for all points, and accounts
for every row: assigned, without coordinates, outside every ward, or on a boundary shared by
several wards (given to the lowest ward code, so reruns agree). :func:`count_by_ward` turns the
assigned points into the tidy count table, with zero counts for ward-months without a point.

police.uk anonymises locations: each crime is moved to the nearest of a fixed set of "snap
points" (street centres, public places), not its address. Ward counts are sound; a point map
is a map of snap points, and must say so. Put :data:`SNAP_POINT_NOTE` under any such map.
Snap points near a ward boundary can fall on the other side of it from the crime.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer

from scpb_analysis.core.errors import InputDataError
from scpb_analysis.reference.taxonomy import normalise_label

__all__ = [
    "SNAP_POINT_NOTE",
    "REASON_ASSIGNED",
    "REASON_SHARED_BOUNDARY",
    "REASON_NO_COORDINATES",
    "REASON_OUTSIDE",
    "WardAssignment",
    "assign_wards",
    "count_by_ward",
]

#: Caption for any map of police.uk points.
SNAP_POINT_NOTE = (
    "Locations are anonymised by police.uk to the nearest of a set of snap points, "
    "not exact addresses."
)

REASON_ASSIGNED = "assigned"
REASON_SHARED_BOUNDARY = "on a boundary shared by several wards — assigned to the lowest ward code"
REASON_NO_COORDINATES = "no coordinates"
REASON_OUTSIDE = "outside every ward boundary"

_WGS84 = CRS.from_epsg(4326)


@dataclass
class WardAssignment:
    """Points with the ward each lies in, and the accounting of every row.

    Attributes
    ----------
    points : DataFrame
        The input rows (same index) plus ``ward_code`` and ``ward_name`` (and ``borough`` where
        the wards have it); missing where a row is not in any ward.
    report : DataFrame
        ``reason, rows``: :data:`REASON_ASSIGNED`, :data:`REASON_SHARED_BOUNDARY` (only when it
        happens), :data:`REASON_NO_COORDINATES`, :data:`REASON_OUTSIDE`. The rows sum to the
        rows given.
    unassigned : DataFrame
        The input rows in no ward, with a ``reason`` column.
    wards : DataFrame
        The wards (``ward_code, ward_name`` and ``borough`` if given), one row per code in code
        order, without geometry: what :func:`count_by_ward` fills zeros for.
    """

    points: pd.DataFrame
    report: pd.DataFrame
    unassigned: pd.DataFrame
    wards: pd.DataFrame


def _ward_table(wards) -> tuple[pd.DataFrame, np.ndarray, CRS]:
    """Wards sorted by code (so a lower index is a lower code), their geometries and CRS."""
    missing = [c for c in ("ward_code", "ward_name", "geometry") if c not in wards.columns]
    if missing:
        raise InputDataError(
            None, "the wards have no column " + ", ".join(f"'{c}'" for c in missing),
            expected="a GeoDataFrame with ward_code, ward_name and geometry (rename the "
            "boundary file's columns, e.g. ONSWardCode to ward_code)",
        )
    if getattr(wards, "crs", None) is None:
        raise InputDataError(
            None, "the wards have no coordinate reference system",
            expected="a GeoDataFrame with its CRS set, e.g. wards.set_crs(27700) for British "
            "National Grid",
        )
    if wards["ward_code"].isna().any():
        raise InputDataError(None, "a ward has no ward_code", column="ward_code",
                             expected="a code on every ward polygon")
    ordered = wards.sort_values("ward_code", kind="stable")
    keep = [c for c in ("ward_code", "ward_name", "borough") if c in ordered.columns]
    return (
        pd.DataFrame(ordered[keep]).reset_index(drop=True),
        np.asarray(ordered.geometry.values),
        CRS.from_user_input(wards.crs),
    )


def assign_wards(points: pd.DataFrame, wards, *, lon: str = "longitude",
                 lat: str = "latitude") -> WardAssignment:
    """Put each point in the ward polygon that contains it.

    Parameters
    ----------
    points : DataFrame
        Rows with WGS84 longitude and latitude columns (NaN where there is no location), such
        as :func:`scpb_analysis.sources.policeuk.load_policeuk` returns.
    wards : GeoDataFrame
        ``ward_code, ward_name, geometry`` (``borough`` optional) in any CRS; the points are
        projected to it. A ward in several rows (a multi-part ward) is one ward.
    lon, lat : str
        The coordinate columns of ``points``.

    Returns
    -------
    WardAssignment
        ``.points`` with ``ward_code, ward_name`` (and ``borough``), ``.report``,
        ``.unassigned`` and ``.wards``. A point on a ward's edge is in that ward; one on the
        boundary between two wards goes to the lower ward code and is reported as such.

    Raises
    ------
    InputDataError
        If a coordinate column or a ward column is missing, or the wards have no CRS.

    Examples
    --------
    Two square wards side by side (in lon/lat here; British National Grid is usual), a point
    in each, one on the edge they share, one outside and one without coordinates:

    >>> import geopandas as gpd
    >>> from shapely import box
    >>> wards = gpd.GeoDataFrame({"ward_code": ["E05000002", "E05000001"],
    ...                           "ward_name": ["East", "West"]},
    ...                          geometry=[box(-0.1, 51.5, 0.0, 51.6), box(-0.2, 51.5, -0.1, 51.6)],
    ...                          crs=4326)
    >>> pts = pd.DataFrame({"longitude": [-0.15, -0.05, -0.1, 0.5, None],
    ...                     "latitude": [51.55, 51.55, 51.55, 51.55, None]})
    >>> result = assign_wards(pts, wards)
    >>> result.points["ward_name"].tolist()
    ['West', 'East', 'West', nan, nan]
    >>> for row in result.report.itertuples():
    ...     print(row.rows, row.reason)
    2 assigned
    1 on a boundary shared by several wards — assigned to the lowest ward code
    1 no coordinates
    1 outside every ward boundary
    """
    for column in (lon, lat):
        if column not in points.columns:
            raise InputDataError(None, f"the points have no column '{column}'",
                                 expected="longitude and latitude columns in WGS84 degrees "
                                 "(pass lon= and lat= to name them)")
    table, geoms, crs = _ward_table(wards)
    x = pd.to_numeric(points[lon], errors="coerce").to_numpy(dtype=float)
    y = pd.to_numeric(points[lat], errors="coerce").to_numpy(dtype=float)
    located = np.flatnonzero(np.isfinite(x) & np.isfinite(y))
    px, py = x[located], y[located]
    if not crs.equals(_WGS84):
        px, py = Transformer.from_crs(_WGS84, crs, always_xy=True).transform(px, py)
    hits = shapely.STRtree(geoms).query(shapely.points(px, py), predicate="intersects")

    # Several polygons may share a code (multi-part wards); count distinct codes per point.
    code_rank = pd.factorize(table["ward_code"], sort=True)[0]
    point_of, rank = hits[0], code_rank[hits[1]]
    n_codes = int(code_rank.max()) + 1 if len(code_rank) else 1
    pairs = np.unique(point_of.astype(np.int64) * n_codes + rank)  # sorted: point, then code
    pair_point, pair_rank = pairs // n_codes, pairs % n_codes
    first = np.flatnonzero(np.diff(pair_point, prepend=-1) != 0)
    codes_per_point = np.bincount(pair_point, minlength=len(located))

    chosen = np.full(len(points), -1, dtype=np.int64)
    chosen[located[pair_point[first]]] = pair_rank[first]
    per_code = table.drop_duplicates("ward_code").reset_index(drop=True)
    reason = np.full(len(points), REASON_OUTSIDE, dtype=object)
    reason[np.setdiff1d(np.arange(len(points)), located)] = REASON_NO_COORDINATES
    reason[located[codes_per_point == 1]] = REASON_ASSIGNED
    reason[located[codes_per_point > 1]] = REASON_SHARED_BOUNDARY

    out = points.copy()
    for column in per_code.columns:
        out[column] = per_code[column].reindex(chosen).to_numpy()
    report_order = [REASON_ASSIGNED, REASON_SHARED_BOUNDARY, REASON_NO_COORDINATES,
                    REASON_OUTSIDE]
    counts = pd.Series(reason).value_counts()
    report = pd.DataFrame(
        {"reason": report_order,
         "rows": [int(counts.get(r, 0)) for r in report_order]}
    )
    report = report.loc[(report["reason"] != REASON_SHARED_BOUNDARY) | (report["rows"] > 0)]
    missing = chosen < 0
    unassigned = points.loc[missing].assign(reason=reason[missing])
    return WardAssignment(out, report.reset_index(drop=True), unassigned, per_code)


def _snake(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", normalise_label(text)).strip("_")


def count_by_ward(assigned: WardAssignment | pd.DataFrame,
                  by: Sequence[str] = ("month", "crime_type"), *,
                  wards: pd.DataFrame | None = None,
                  months: Iterable | None = None) -> pd.DataFrame:
    """Count assigned points per ward as a tidy count table, zeros included.

    Parameters
    ----------
    assigned : WardAssignment or DataFrame
        The result of :func:`assign_wards` (or its ``.points``). Points in no ward are not
        counted; the assignment report accounts for them.
    by : sequence of str
        Columns to count by besides the ward. ``month`` gives a ``month`` column covering
        every month from the first to the last (or ``months``); ``crime_type`` becomes
        ``indicator`` in snake_case (``Burglary`` -> ``burglary``); other columns are kept
        as they are.
    wards : DataFrame, optional
        ``ward_code, ward_name`` (``borough`` optional) of every ward to report, so wards
        without a single point get zeros. Defaults to the wards of the
        :class:`WardAssignment`, or to the wards among the points.
    months : iterable of Period or str, optional
        The months to report; points in other months are not counted.

    Returns
    -------
    DataFrame
        ``month, area_type ("ward"), area_code, area_name`` (``borough`` where known),
        ``indicator`` and any other ``by`` columns, and ``count`` (int64): one row per ward x
        month x category, zero where no point fell.

    Examples
    --------
    >>> pts = pd.DataFrame({"month": pd.PeriodIndex(["2023-01", "2023-03", "2023-03"],
    ...                                             freq="M"),
    ...                     "crime_type": "Burglary",
    ...                     "ward_code": ["E05000001", "E05000001", pd.NA],
    ...                     "ward_name": ["West", "West", pd.NA]})
    >>> wards = pd.DataFrame({"ward_code": ["E05000001", "E05000002"],
    ...                       "ward_name": ["West", "East"]})
    >>> count_by_ward(pts, wards=wards)
         month area_type  area_code area_name indicator  count
    0  2023-01      ward  E05000001      West  burglary      1
    1  2023-02      ward  E05000001      West  burglary      0
    2  2023-03      ward  E05000001      West  burglary      1
    3  2023-01      ward  E05000002      East  burglary      0
    4  2023-02      ward  E05000002      East  burglary      0
    5  2023-03      ward  E05000002      East  burglary      0
    """
    if isinstance(assigned, WardAssignment):
        points = assigned.points
        wards = assigned.wards if wards is None else wards
    else:
        points = assigned
    by = list(by)
    needed = ["ward_code", *by]
    absent = [c for c in needed if c not in points.columns]
    if absent:
        raise InputDataError(None, "the points have no column "
                             + ", ".join(f"'{c}'" for c in absent),
                             expected="points from assign_wards with the columns to count by")
    data = points.loc[points["ward_code"].notna(), needed]
    if wards is None:
        keep = ["ward_code", "ward_name"] + (["borough"] if "borough" in points.columns else [])
        wards = points.loc[points["ward_code"].notna(), keep]
    ward_info = (pd.DataFrame(wards)[[c for c in ("ward_code", "ward_name", "borough")
                                      if c in wards.columns]]
                 .drop_duplicates("ward_code").sort_values("ward_code"))
    unknown = sorted(set(data["ward_code"]) - set(ward_info["ward_code"]))
    if unknown:
        raise InputDataError(None, "points are assigned to wards not in the wards table: "
                             + ", ".join(unknown[:5]) + (" ..." if len(unknown) > 5 else ""),
                             expected="every ward the points were assigned to")

    keys = pd.DataFrame({"ward_code": data["ward_code"].to_numpy()})
    levels: list[pd.Index] = [pd.Index(ward_info["ward_code"], name="ward_code")]
    for column in by:
        values = data[column]
        if values.isna().any():
            raise InputDataError(None, f"{int(values.isna().sum())} assigned points have no "
                                 f"{column}", column=column,
                                 expected=f"a {column} on every point counted")
        if column == "month":
            month = pd.PeriodIndex(values, freq="M")
            if months is None and month.empty:
                span = pd.PeriodIndex([], freq="M", name="month")
            elif months is None:
                span = pd.period_range(month.min(), month.max(), freq="M", name="month")
            else:
                span = pd.PeriodIndex(list(months), freq="M", name="month")
            keys["month"] = month
            levels.append(span)
        else:
            name = "indicator" if column == "crime_type" else column
            codes, uniques = pd.factorize(values, sort=True)
            if column == "crime_type":
                uniques = pd.Index([_snake(u) for u in uniques])
            keys[name] = np.asarray(uniques)[codes]
            levels.append(pd.Index(sorted(set(uniques)), name=name))
    names = [level.name for level in levels]
    counted = keys.groupby(names, sort=False, observed=True).size()
    full = pd.MultiIndex.from_product(levels, names=names)
    table = counted.reindex(full, fill_value=0).astype("int64").rename("count").reset_index()
    info = ward_info.set_index("ward_code")
    table = table.rename(columns={"ward_code": "area_code"})
    table["area_type"] = "ward"
    table["area_name"] = table["area_code"].map(info["ward_name"])
    area = ["area_type", "area_code", "area_name"]
    if "borough" in info.columns:
        table["borough"] = table["area_code"].map(info["borough"])
        area.append("borough")
    front = ["month"] if "month" in names else []
    middle = [n for n in names if n not in ("ward_code", "month")]
    return table[front + area + middle + ["count"]]
