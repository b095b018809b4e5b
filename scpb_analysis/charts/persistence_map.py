"""Map of hot-spot persistence: each ward coloured by how persistently it was a hot spot.

The classes are those of :func:`scpb_analysis.blocks.sv_places.persistent_hotspots`
(persistent, emerging, intermittent, fading, never hot). The map is drawn by
:func:`scpb_analysis.charts.maps.hotspot_map`, so it follows the pack's map rules: wards
numbered in alphabetical order with a key under the map, a scale bar, a north arrow, a legend
with the number of wards in each class, "No data" for a ward the table lacks, and the credit
line. Each class has a fixed colour (:data:`PERSISTENCE_COLOURS`, passed to ``hotspot_map``):
reds for wards hot in the latest window, the darker the more persistent; blue for fading;
near-white for never hot.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from scpb_analysis.charts.maps import MapResult, hotspot_map

__all__ = ["PERSISTENCE_COLOURS", "persistence_map"]

#: Fill colour and legend wording of each persistence class, in the legend's order.
PERSISTENCE_COLOURS: dict[str, tuple[str, str]] = {
    "persistent": ("#a50f15", "Persistent hot spot"),
    "emerging": ("#fb6a4a", "Emerging hot spot"),
    "intermittent": ("#fdae6b", "Intermittent hot spot"),
    "fading": ("#6baed6", "Fading hot spot"),
    "never hot": ("#f2f2f2", "Never a hot spot"),
}


def persistence_map(wards, table: pd.DataFrame, column: str = "persistence", *,
                    title: str = "", note: str | None = None,
                    legend_title: str = "Hot-spot persistence", **kwargs: Any) -> MapResult:
    """Wards coloured by hot-spot persistence class.

    Parameters
    ----------
    wards : GeoDataFrame
        ``ward_code, ward_name, geometry`` in a projected CRS (British National Grid).
    table : DataFrame
        ``ward_code`` and ``column``, one row per ward, e.g.
        :attr:`scpb_analysis.blocks.sv_places.PersistenceBlock.table`.
    column : str
        The class column.
    title, legend_title : str
    note : str, optional
        After the credit line: the hot-spot rule and the windows (the block's ``method``).
    **kwargs
        ``labels, ax, label_size, figsize`` as for
        :func:`~scpb_analysis.charts.maps.hotspot_map`.

    Returns
    -------
    MapResult
        ``classes`` holds each ward's class; ``key`` the ward numbers.

    Raises
    ------
    ValueError
        If the table lacks a column, holds a ward twice or a class that is not one of
        :data:`PERSISTENCE_COLOURS`.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> wards = gpd.GeoDataFrame({"ward_code": ["A", "B", "C"], "ward_name": ["A", "B", "C"]},
    ...                          geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(2, 0, 3, 1)],
    ...                          crs=27700)
    >>> table = pd.DataFrame({"ward_code": ["A", "B", "C"],
    ...                       "persistence": ["persistent", "never hot", "fading"]})
    >>> persistence_map(wards, table).legend_labels
    ['Persistent hot spot (1 ward)', 'Fading hot spot (1 ward)', 'Never a hot spot (1 ward)']
    """
    if column not in table.columns:
        raise ValueError(f"table must have a '{column}' column; got {list(table.columns)}")
    unknown = sorted(set(table[column].astype(str)) - set(PERSISTENCE_COLOURS))
    if unknown:
        raise ValueError(f"unknown persistence class(es) {', '.join(map(repr, unknown))} in "
                         f"'{column}'; expected {', '.join(PERSISTENCE_COLOURS)}")
    if note is None:
        note = "Hot spots in each 12-month window; the rule and the windows are in the text"
    return hotspot_map(wards, table, column, title=title, legend_title=legend_title,
                       note=note, colours=PERSISTENCE_COLOURS, **kwargs)
