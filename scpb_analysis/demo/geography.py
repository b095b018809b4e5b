"""Synthetic geography, population, deprivation and police.uk files for the demo borough.

``write_demo_geography`` writes, beside the demo's ``mps/`` folder, what the ward-map, ward
profile and needs-assessment notebooks read, each in the layout of the real publication so
the same loaders run on it:

==============  ============================================================================
folder          content (layout copied from)
==============  ============================================================================
boundaries/     wards (ONS December 2024 ward GeoPackage: ``WD24CD, WD24NM, ...``), the
                borough (ONS LAD 2024: ``LAD24CD, LAD24NM, ...``) and 2021 LSOAs (ONS LSOA
                2021: ``LSOA21CD, LSOA21NM, ...``), all in British National Grid
lookups/        ONS LSOA (2021) to ward (May 2022) best-fit lookup and LSOA (2011) to LSOA
                (2021) exact-fit lookup (CSV with byte-order mark, as ONS publishes them)
population/     Census 2021 TS007A (age by five-year bands) by LSOA
deprivation/    IoD2019 "File 1" workbook (sheet ``IMD2019``: rank and decile by 2011 LSOA)
policeuk/       police.uk street-level archive, ``YYYY-MM/YYYY-MM-metropolitan-street.csv``,
                burglary only, 2021-01..2023-12
==============  ============================================================================

Everything is invented. The ward codes and names are the demo borough's real May-2022 wards
(from the package reference list), but the polygons are a Voronoi tessellation of seeded
points clipped to an invented blob roughly where Barnet is; the LSOAs are a second
tessellation inside each ward, with codes ``E0199xxxx`` that no real LSOA has; populations,
IMD ranks and crime points are seeded draws. No real geometry or value is embedded, and every
folder written carries a ``SYNTHETIC_DATA.txt`` notice.
"""

from __future__ import annotations

import csv
import io
import math
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from scpb_analysis.core.marker import MARKER_FILENAME, SYNTHETIC_NOTICE
from scpb_analysis.demo.common import DEMO_BOROUGH, demo_wards, write_marker
from scpb_analysis.sources.policeuk import SOURCE_COLUMNS

__all__ = ["write_demo_geography"]

_BNG = "EPSG:27700"
_LAD_CODE = "E09000003"  # the demo borough's ONS code (an identifier, not data)
_FORCE = "Metropolitan Police Service"

# The invented borough: an ellipse (half-widths in metres) with a few seeded harmonic wobbles.
_CENTRE = (524_000.0, 192_000.0)
_HALF_WIDTH = (5_000.0, 6_000.0)
_BLOB_VERTICES = 240
_WARD_LLOYD_ROUNDS = 4
_LSOAS_PER_WARD = (8, 12)           # inclusive range
_LSOA_LLOYD_ROUNDS = 2
_LSOA_CODE_START = 1_990_001        # E01990001, ...: above every real LSOA code
_POPULATION = 389_300               # about the demo borough's Census 2021 total
# Five-year age bands of TS007A, with rough outer-London shares (per cent) to draw around.
_AGE_BANDS = (
    ("Aged 4 years and under", 6.3), ("Aged 5 to 9 years", 6.4), ("Aged 10 to 14 years", 6.4),
    ("Aged 15 to 19 years", 5.9), ("Aged 20 to 24 years", 5.6), ("Aged 25 to 29 years", 6.6),
    ("Aged 30 to 34 years", 7.4), ("Aged 35 to 39 years", 7.6), ("Aged 40 to 44 years", 7.3),
    ("Aged 45 to 49 years", 6.9), ("Aged 50 to 54 years", 6.7), ("Aged 55 to 59 years", 6.0),
    ("Aged 60 to 64 years", 5.0), ("Aged 65 to 69 years", 4.0), ("Aged 70 to 74 years", 3.6),
    ("Aged 75 to 79 years", 2.9), ("Aged 80 to 84 years", 2.0), ("Aged 85 years and over", 2.0),
)
_AGE_CONCENTRATION = 400.0
_ENGLAND_LSOAS = 32_844
# National IMD percentile = Phi(_IMD_CENTRE - _IMD_SPREAD * z), z the standardised deprivation
# of an LSOA: most LSOAs sit in the middle and upper quintiles, a few in the most deprived.
_IMD_CENTRE, _IMD_SPREAD = 0.4, 0.85

_FIRST_MONTH, _LAST_MONTH = (2021, 1), (2023, 12)
_BURGLARIES_PER_MONTH = 245.0
_BURGLARY_SEASONALITY = (0.12, 12)  # amplitude, peak month
_BURGLARY_TREND = -0.04             # per year
_NO_LOCATION_SHARE = 0.025
_SNAP_POINTS_PER_LSOA = (6, 16)     # inclusive range
_SNAP_MARGIN = 10.0                 # metres a snap point keeps from its LSOA's edge
_OUTCOMES = (
    ("Investigation complete; no suspect identified", 0.80),
    ("Unable to prosecute suspect", 0.07),
    ("Status update unavailable", 0.05),
    ("Court result unavailable", 0.04),
    ("Awaiting court outcome", 0.015),
    ("Suspect charged as part of another case", 0.01),
    ("Offender given a caution", 0.01),
    ("Local resolution", 0.005),
)
_UNDER_INVESTIGATION = "Under investigation"
_STREET_WORDS = (
    "Park", "Church", "Station", "Mill", "Oak", "Manor", "Green", "Grove", "Elm", "Cedar",
    "Hill", "Brook", "Meadow", "Orchard", "Lodge", "Chestnut", "Willow", "Beech", "Holly",
    "Rose", "Field", "Priory", "Abbey", "Windsor", "Albert", "Victoria", "Kings", "Queens",
    "Avondale", "Beaumont", "Clifton", "Fairfield", "Highfield", "Langley", "Redwood", "Ash",
)
_STREET_TYPES = ("Road", "Avenue", "Close", "Gardens", "Lane", "Way", "Drive", "Crescent",
                 "Street", "Court", "Place", "Rise", "Walk", "Mews")
_PLACES = ("Supermarket", "Parking Area", "Petrol Station", "Park/Open Space",
           "Sports/Recreation Area", "Shopping Area", "Further/Higher Educational Building")

# The demo police.uk files carry exactly the columns the loader knows, in police.uk's order.
_POLICEUK_HEADER = list(SOURCE_COLUMNS)
_CENSUS_NAME = "census2021-ts007a-lsoa.csv"
_IMD_NAME = "File_1_-_IMD2019_Index_of_Multiple_Deprivation.xlsx"
_WARD_LOOKUP_NAME = "LSOA_(2021)_to_Electoral_Ward_(2022)_to_LTLA_(2022)_Best_Fit_Lookup_in_EW.csv"
_EXACT_FIT_NAME = ("LSOA_(2011)_to_LSOA_(2021)_to_Local_Authority_District_(2022)_Exact_Fit_"
                   "Lookup_for_EW_(V3).csv")
_WARDS_NAME = "Wards_December_2024_Boundaries_UK_BGC_demo.gpkg"
_BOROUGH_NAME = "Local_Authority_Districts_December_2024_Boundaries_UK_BGC_demo.gpkg"
_LSOAS_NAME = "Lower_layer_Super_Output_Areas_December_2021_Boundaries_EW_BGC_demo.gpkg"
# Fixed timestamps, so the same seed gives the same bytes.
_GPKG_DATE = "2024-12-01T00:00:00.000Z"
_ZIP_DATE = (2019, 9, 26, 0, 0, 0)
_XLSX_DATE = "2019-09-26T00:00:00Z"


@dataclass
class _Geography:
    """The invented borough: wards, LSOAs (nested in wards) and the borough outline."""

    borough: object                 # shapely Polygon
    ward_codes: list[str]
    ward_names: list[str]           # ONS spellings ("Totteridge & Woodside")
    wards: np.ndarray               # shapely geometries, one per ward
    lsoa_codes: list[str]
    lsoa_names: list[str]
    lsoa_ward: np.ndarray           # index into wards
    lsoas: np.ndarray               # shapely geometries, one per LSOA


def write_demo_geography(out_dir: str | Path, seed: int = 20230719) -> list[Path]:
    """Write synthetic boundaries, lookups, population, IMD and police.uk files.

    The files go under ``out_dir`` (beside the ``mps/`` folder of
    :func:`scpb_analysis.demo.write_demo_data`), each in the layout of the real publication,
    so :func:`~scpb_analysis.sources.boundaries.load_wards`, ``load_boroughs``,
    ``load_lsoas``, :func:`~scpb_analysis.geo.ward_profiles.ward_population`,
    :func:`~scpb_analysis.sources.deprivation.imd_lsoa21`, ``ward_deprivation``,
    ``rate_by_deprivation`` and :func:`~scpb_analysis.sources.policeuk.read_policeuk` read
    them as they read the real ones. The demo borough's 24 May-2022 ward codes and names are
    real; all geometry, LSOA codes (``E0199xxxx``), populations, ranks and points are
    invented. Every folder written gets a ``SYNTHETIC_DATA.txt`` notice. The same seed gives
    byte-identical files; files of the same name are overwritten, nothing else is touched.

    Parameters
    ----------
    out_dir : str or Path
        Folder to write into (the demo data folder); created if missing.
    seed : int, default 20230719
        Seed for ``numpy.random.default_rng``.

    Returns
    -------
    list of Path
        The files written, markers included, in the order written::

            boundaries/   wards (ONS Dec-2024 layout), borough (LAD 2024), LSOAs (2021)
            lookups/      LSOA21 -> WD22 best fit, LSOA11 -> LSOA21 exact fit
            population/   census2021-ts007a-lsoa.csv
            deprivation/  File_1_-_IMD2019_Index_of_Multiple_Deprivation.xlsx
            policeuk/     2021-01/2021-01-metropolitan-street.csv ... 2023-12/...

    Examples
    --------
    >>> import tempfile
    >>> from scpb_analysis.sources.boundaries import load_wards
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     written = write_demo_geography(tmp)
    ...     wards = load_wards(tmp, "Barnet")
    >>> len(wards), wards.crs.to_epsg()
    (24, 27700)
    """
    out = Path(out_dir)
    rng = np.random.default_rng(seed)
    geo = _make_geography(rng)
    written: list[Path] = []
    folders = {name: out / name for name in
               ("boundaries", "lookups", "population", "deprivation", "policeuk")}

    written += _write_boundaries(folders["boundaries"], geo)
    written += _write_lookups(folders["lookups"], geo)

    population = _lsoa_population(rng, len(geo.lsoa_codes))
    written.append(_write_census(folders["population"] / _CENSUS_NAME, geo, population))

    deprivation = _lsoa_deprivation(rng, geo)
    ranks = _imd_ranks(deprivation)
    written.append(_write_imd(folders["deprivation"] / _IMD_NAME, geo, ranks))

    weights = population.sum(axis=1) * np.exp(0.35 * deprivation) * rng.gamma(4.0, 0.25,
                                                                              len(ranks))
    month_folders, files = _write_policeuk(folders["policeuk"], rng, geo, weights)
    written += files

    for folder in [*folders.values(), *month_folders]:
        write_marker(folder, seed, _MARKER_DETAIL)
        written.append(folder / MARKER_FILENAME)
    return written


_MARKER_DETAIL = (
    "Generated by scpb_analysis.demo.geography.write_demo_geography: invented ward and LSOA "
    "polygons (seeded Voronoi tessellations; only the ward codes and names are real), "
    "invented LSOA codes (E0199xxxx), seeded population counts, IMD ranks and police.uk "
    "points, written in the real file layouts."
)


# ---------------------------------------------------------------------------------------------
# Geometry


def _blob(rng: np.random.Generator):
    import shapely

    theta = np.linspace(0.0, 2.0 * np.pi, _BLOB_VERTICES, endpoint=False)
    wobble = np.ones_like(theta)
    for k in (2, 3, 4, 5, 7):
        wobble += rng.uniform(0.01, 0.06) * np.cos(k * theta + rng.uniform(0, 2 * np.pi))
    x = _CENTRE[0] + _HALF_WIDTH[0] * wobble * np.cos(theta)
    y = _CENTRE[1] + _HALF_WIDTH[1] * wobble * np.sin(theta)
    return shapely.Polygon(np.round(np.column_stack([x, y]), 1))


def _points_inside(rng: np.random.Generator, polygon, n: int) -> np.ndarray:
    """n seeded points inside the polygon, by rejection from its bounding box."""
    import shapely

    x0, y0, x1, y1 = polygon.bounds
    found = np.empty((0, 2))
    while len(found) < n:
        candidates = rng.uniform((x0, y0), (x1, y1), size=(4 * n, 2))
        inside = shapely.contains_xy(polygon, candidates[:, 0], candidates[:, 1])
        found = np.vstack([found, candidates[inside]])
    return found[:n]


def _tessellate(rng: np.random.Generator, polygon, n: int, rounds: int) -> np.ndarray:
    """n cells covering the polygon: Voronoi cells of seeded points, relaxed (Lloyd)."""
    import shapely

    seeds = _points_inside(rng, polygon, n)
    cells = None
    for step in range(rounds + 1):
        voronoi = shapely.voronoi_polygons(shapely.multipoints(seeds),
                                           extend_to=polygon.buffer(1_000.0), ordered=True)
        cells = shapely.intersection(np.asarray(shapely.get_parts(voronoi)), polygon)
        cells = np.array([_largest_part(c) for c in cells], dtype=object)
        if step < rounds:
            centroids = shapely.centroid(cells)
            seeds = np.column_stack([shapely.get_x(centroids), shapely.get_y(centroids)])
    return _fill_gaps(cells, polygon)


def _largest_part(geometry):
    import shapely

    parts = shapely.get_parts(geometry)
    polygons = [p for p in parts if p.geom_type == "Polygon"]
    return max(polygons, key=lambda p: p.area) if len(polygons) > 1 else polygons[0]


def _fill_gaps(cells: np.ndarray, polygon) -> np.ndarray:
    """Give any sliver dropped by _largest_part back to the cell it touches most."""
    import shapely

    gap = shapely.difference(polygon, shapely.union_all(cells))
    for part in shapely.get_parts(gap):
        if part.area < 1e-6:
            continue
        touching = shapely.length(shapely.intersection(cells, part.boundary))
        i = int(np.argmax(touching))
        cells[i] = _largest_part(shapely.union(cells[i], part))
    return cells


def _make_geography(rng: np.random.Generator) -> _Geography:
    import shapely

    borough = _blob(rng)
    wards_ref = sorted(demo_wards(), key=lambda w: w[1])  # (ONS name, code) by code
    n_wards = len(wards_ref)
    ward_cells = _tessellate(rng, borough, n_wards, _WARD_LLOYD_ROUNDS)
    # Which cell gets which ward is a seeded shuffle: the map is not the real one.
    ward_cells = ward_cells[rng.permutation(n_wards)]

    lsoa_cells, lsoa_ward = [], []
    for w, cell in enumerate(ward_cells):
        n = int(rng.integers(_LSOAS_PER_WARD[0], _LSOAS_PER_WARD[1] + 1))
        parts = _tessellate(rng, cell, n, _LSOA_LLOYD_ROUNDS)
        lsoa_cells.extend(parts)
        lsoa_ward.extend([w] * n)
    lsoas = np.array(lsoa_cells, dtype=object)
    lsoa_ward_arr = np.array(lsoa_ward)

    # Names as ONS gives them: "<borough> <MSOA number><letter>", MSOAs numbered north to
    # south; here an MSOA is 3 to 6 neighbouring LSOAs of one ward.
    centroids = shapely.centroid(lsoas)
    cx, cy = shapely.get_x(centroids), shapely.get_y(centroids)
    msoa_of = np.empty(len(lsoas), dtype=np.int64)
    msoa_y: list[float] = []
    for w in range(n_wards):
        members = np.flatnonzero(lsoa_ward_arr == w)
        members = members[np.lexsort((cx[members], -cy[members]))]
        groups = 2 if len(members) <= 10 else 3
        for chunk in np.array_split(members, groups):
            msoa_of[chunk] = len(msoa_y)
            msoa_y.append(float(cy[chunk].mean()))
    msoa_number = np.empty(len(msoa_y), dtype=np.int64)
    msoa_number[np.argsort(-np.array(msoa_y), kind="stable")] = np.arange(1, len(msoa_y) + 1)
    names = [""] * len(lsoas)
    for m in range(len(msoa_y)):
        members = np.flatnonzero(msoa_of == m)
        for letter, i in zip("ABCDEFGH", members, strict=False):
            names[i] = f"{DEMO_BOROUGH} {msoa_number[m]:03d}{letter}"
    order = sorted(range(len(lsoas)), key=lambda i: names[i])
    codes = [f"E0{_LSOA_CODE_START + k}" for k in range(len(order))]
    return _Geography(
        borough=borough,
        ward_codes=[code for _, code in wards_ref],
        ward_names=[name for name, _ in wards_ref],
        wards=ward_cells,
        lsoa_codes=codes,
        lsoa_names=[names[i] for i in order],
        lsoa_ward=lsoa_ward_arr[order],
        lsoas=lsoas[order],
    )


# ---------------------------------------------------------------------------------------------
# Boundary files


def _guid(rng: np.random.Generator) -> str:
    h = bytes(rng.integers(0, 256, 16, dtype=np.uint8)).hex()
    return f"{{{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}}}".upper()


def _centres(geometries: np.ndarray) -> dict[str, np.ndarray]:
    """ONS attribute columns BNG_E, BNG_N, LONG, LAT: a point inside each area."""
    import shapely
    from pyproj import Transformer

    points = shapely.point_on_surface(geometries)
    east = np.round(shapely.get_x(points)).astype(np.int64)
    north = np.round(shapely.get_y(points)).astype(np.int64)
    lon, lat = Transformer.from_crs(_BNG, "EPSG:4326", always_xy=True).transform(east, north)
    return {"BNG_E": east, "BNG_N": north, "LONG": np.round(lon, 5), "LAT": np.round(lat, 5)}


def _write_layer(path: Path, layer: str, geometries: np.ndarray,
                 fields: dict[str, np.ndarray]) -> Path:
    """One MultiPolygon layer in a GeoPackage, byte-identical for the same input."""
    import pyogrio
    import shapely
    from pyogrio.raw import write

    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    multi = np.array([shapely.MultiPolygon([g]) if g.geom_type == "Polygon" else g
                      for g in geometries], dtype=object)
    names = list(fields)
    data = [np.asarray(fields[n]) for n in names]
    # GeoPackages stamp the write time in gpkg_contents; pin it for reproducible bytes.
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": _GPKG_DATE})
    try:
        write(str(path), shapely.to_wkb(multi), data, names, layer=layer, driver="GPKG",
              geometry_type="MultiPolygon", crs=_BNG, encoding="UTF-8")
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": None})
    return path


def _write_boundaries(folder: Path, geo: _Geography) -> list[Path]:
    # Stable GlobalIDs: their own stream, so they do not shift the draws that follow.
    ids = np.random.default_rng([len(geo.lsoa_codes), 24])
    ward_fields = {
        "WD24CD": np.array(geo.ward_codes, dtype=object),
        "WD24NM": np.array(geo.ward_names, dtype=object),
        "WD24NMW": np.array([""] * len(geo.ward_codes), dtype=object),
        **_centres(geo.wards),
        "GlobalID": np.array([_guid(ids) for _ in geo.ward_codes], dtype=object),
    }
    borough = np.array([geo.borough], dtype=object)
    borough_fields = {
        "LAD24CD": np.array([_LAD_CODE], dtype=object),
        "LAD24NM": np.array([DEMO_BOROUGH], dtype=object),
        "LAD24NMW": np.array([""], dtype=object),
        **_centres(borough),
        "GlobalID": np.array([_guid(ids)], dtype=object),
    }
    lsoa_fields = {
        "LSOA21CD": np.array(geo.lsoa_codes, dtype=object),
        "LSOA21NM": np.array(geo.lsoa_names, dtype=object),
        "LSOA21NMW": np.array(geo.lsoa_names, dtype=object),
        **_centres(geo.lsoas),
        "GlobalID": np.array([_guid(ids) for _ in geo.lsoa_codes], dtype=object),
    }
    return [
        _write_layer(folder / _WARDS_NAME, "wards", geo.wards, ward_fields),
        _write_layer(folder / _BOROUGH_NAME, "boroughs", borough, borough_fields),
        _write_layer(folder / _LSOAS_NAME, "lsoas", geo.lsoas, lsoa_fields),
    ]


# ---------------------------------------------------------------------------------------------
# CSV files


def _write_rows(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]], *,
                bom: bool = False) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _write_lookups(folder: Path, geo: _Geography) -> list[Path]:
    ward_rows = (
        [k + 1, code, name, geo.ward_codes[w], geo.ward_names[w], "", _LAD_CODE, DEMO_BOROUGH,
         ""]
        for k, (code, name, w) in enumerate(zip(geo.lsoa_codes, geo.lsoa_names, geo.lsoa_ward,
                                                strict=True))
    )
    exact_rows = (
        [code, name, code, name, "U", _LAD_CODE, DEMO_BOROUGH, "", k + 1]
        for k, (code, name) in enumerate(zip(geo.lsoa_codes, geo.lsoa_names, strict=True))
    )
    return [
        _write_rows(folder / _WARD_LOOKUP_NAME,
                    ["ObjectId", "LSOA21CD", "LSOA21NM", "WD22CD", "WD22NM", "WD22NMW",
                     "LTLA22CD", "LTLA22NM", "LTLA22NMW"], ward_rows, bom=True),
        _write_rows(folder / _EXACT_FIT_NAME,
                    ["LSOA11CD", "LSOA11NM", "LSOA21CD", "LSOA21NM", "CHGIND", "LAD22CD",
                     "LAD22NM", "LAD22NMW", "ObjectId"], exact_rows, bom=True),
    ]


def _lsoa_population(rng: np.random.Generator, n: int) -> np.ndarray:
    """Counts, shape (LSOA, age band): totals around 1,600 summing to about 389,000."""
    weights = rng.gamma(14.0, size=n)
    target = _POPULATION + int(rng.integers(-300, 301))
    totals = np.maximum(np.rint(weights / weights.sum() * target).astype(np.int64), 700)
    shares = np.array([s for _, s in _AGE_BANDS])
    shares = shares / shares.sum()
    profile = rng.dirichlet(_AGE_CONCENTRATION * shares, size=n)
    return np.array([rng.multinomial(t, p) for t, p in zip(totals, profile, strict=True)])


def _write_census(path: Path, geo: _Geography, counts: np.ndarray) -> Path:
    header = ["date", "geography", "geography code", "Age: Total",
              *(f"Age: {label}" for label, _ in _AGE_BANDS)]
    rows = (
        [2021, name, code, int(row.sum()), *row.tolist()]
        for code, name, row in zip(geo.lsoa_codes, geo.lsoa_names, counts, strict=True)
    )
    return _write_rows(path, header, rows)


# ---------------------------------------------------------------------------------------------
# Deprivation


def _lsoa_deprivation(rng: np.random.Generator, geo: _Geography) -> np.ndarray:
    """Standardised deprivation per LSOA: a seeded gradient across the borough, a ward effect
    and LSOA noise (higher is more deprived)."""
    import shapely

    centroids = shapely.centroid(geo.wards)
    xy = np.column_stack([shapely.get_x(centroids), shapely.get_y(centroids)])
    angle = rng.uniform(0, 2 * np.pi)
    along = (xy - xy.mean(axis=0)) @ np.array([math.cos(angle), math.sin(angle)])
    ward_effect = along / np.abs(along).max() + rng.normal(0.0, 0.5, len(xy))
    z = ward_effect[geo.lsoa_ward] + rng.normal(0.0, 0.6, len(geo.lsoa_codes))
    return (z - z.mean()) / z.std()


def _imd_ranks(deprivation: np.ndarray) -> np.ndarray:
    """Distinct national ranks (1 = most deprived of England's 32,844 LSOAs)."""
    centre = _IMD_CENTRE - _IMD_SPREAD * deprivation
    percentile = np.array([0.5 * (1.0 + math.erf(v / math.sqrt(2.0))) for v in centre])
    wanted = np.clip(np.ceil(percentile * _ENGLAND_LSOAS), 1, _ENGLAND_LSOAS).astype(np.int64)
    order = np.argsort(wanted, kind="stable")
    ranks = wanted[order].copy()
    for i in range(1, len(ranks)):  # two LSOAs never share a rank here
        ranks[i] = max(ranks[i], ranks[i - 1] + 1)
    ranks = np.minimum(ranks, _ENGLAND_LSOAS - np.arange(len(ranks))[::-1])
    out = np.empty_like(ranks)
    out[order] = ranks
    return out


def _write_imd(path: Path, geo: _Geography, ranks: np.ndarray) -> Path:
    """The IoD2019 File 1 layout: a Notes sheet, then IMD2019 with rank and decile."""
    import openpyxl

    book = openpyxl.Workbook()
    notes = book.active
    notes.title = "Notes"
    notes.append([SYNTHETIC_NOTICE])
    notes.append(["Invented Index of Multiple Deprivation ranks for the demo's invented "
                  "LSOAs, laid out like the English Indices of Deprivation 2019 File 1."])
    notes.append(["Rank 1 is the most deprived of England's 32,844 LSOAs; decile 1 the most "
                  "deprived 10%."])
    sheet = book.create_sheet("IMD2019")
    sheet.append(["LSOA code (2011)", "LSOA name (2011)",
                  "Local Authority District code (2019)", "Local Authority District name (2019)",
                  "Index of Multiple Deprivation (IMD) Rank",
                  "Index of Multiple Deprivation (IMD) Decile"])
    for code, name, rank in zip(geo.lsoa_codes, geo.lsoa_names, ranks.tolist(), strict=True):
        decile = math.ceil(rank * 10 / _ENGLAND_LSOAS)
        sheet.append([code, name, _LAD_CODE, DEMO_BOROUGH, rank, decile])
    buffer = io.BytesIO()
    book.save(buffer)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_reproducible_zip(buffer.getvalue()))
    return path


def _reproducible_zip(data: bytes) -> bytes:
    """The workbook re-zipped with fixed entry dates and document timestamps."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*",
                                 rb"\g<1>" + _XLSX_DATE.encode(), content)
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_DATE)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            target.writestr(entry, content)
    return out.getvalue()


# ---------------------------------------------------------------------------------------------
# police.uk


def _snap_points(rng: np.random.Generator, geo: _Geography):
    """Per LSOA, seeded snap points (lon, lat rounded as police.uk does) and their labels.

    A point is kept only if, after rounding to 6 decimals and projecting back, it lies well
    inside its LSOA, so the loaders put it in the right LSOA and ward.
    """
    import shapely
    from pyproj import Transformer

    to_wgs = Transformer.from_crs(_BNG, "EPSG:4326", always_xy=True)
    to_bng = Transformer.from_crs("EPSG:4326", _BNG, always_xy=True)
    streets = [f"{w} {t}" for w in _STREET_WORDS for t in _STREET_TYPES]
    result = []
    for lsoa in geo.lsoas:
        n = int(rng.integers(_SNAP_POINTS_PER_LSOA[0], _SNAP_POINTS_PER_LSOA[1] + 1))
        inner = lsoa.buffer(-_SNAP_MARGIN)
        xy = _points_inside(rng, inner, n)
        lon, lat = to_wgs.transform(xy[:, 0], xy[:, 1])
        lon, lat = np.round(lon, 6), np.round(lat, 6)
        bx, by = to_bng.transform(lon, lat)
        ok = shapely.contains_xy(lsoa, bx, by)
        ok &= shapely.distance(lsoa.boundary, shapely.points(bx, by)) > 1.0
        lon, lat = lon[ok], lat[ok]
        labels = []
        for _ in range(len(lon)):
            if rng.random() < 0.12:
                labels.append(f"On or near {_PLACES[rng.integers(len(_PLACES))]}")
            else:
                labels.append(f"On or near {streets[rng.integers(len(streets))]}")
        result.append((lon, lat, labels))
    return result


def _month_list() -> list[tuple[int, int]]:
    (year, month), out = _FIRST_MONTH, []
    while (year, month) <= _LAST_MONTH:
        out.append((year, month))
        year, month = (year, month + 1) if month < 12 else (year + 1, 1)
    return out


def _outcome_table(rng: np.random.Generator, n: int, months_to_end: int) -> list[str]:
    labels = [label for label, _ in _OUTCOMES] + [_UNDER_INVESTIGATION]
    settled = np.array([p for _, p in _OUTCOMES])
    # Recent crimes are more often still being investigated when the archive is cut.
    open_share = 0.6 * math.exp(-months_to_end / 2.5) + 0.005
    probs = np.append(settled / settled.sum() * (1 - open_share), open_share)
    return [labels[i] for i in rng.choice(len(labels), size=n, p=probs)]


def _crime_ids(rng: np.random.Generator, n: int) -> list[str]:
    raw = rng.integers(0, 256, size=(n, 32), dtype=np.uint8)
    return [bytes(row).hex() for row in raw]


def _write_policeuk(folder: Path, rng: np.random.Generator, geo: _Geography,
                    weights: np.ndarray) -> tuple[list[Path], list[Path]]:
    snaps = _snap_points(rng, geo)
    p_lsoa = weights / weights.sum()
    months = _month_list()
    amplitude, peak = _BURGLARY_SEASONALITY
    month_folders, files = [], []
    for k, (year, month) in enumerate(months):
        label = f"{year}-{month:02d}"
        mean = (_BURGLARIES_PER_MONTH
                * (1 + amplitude * math.cos(2 * math.pi * (month - peak) / 12))
                * (1 + _BURGLARY_TREND) ** (k / 12))
        n = int(rng.poisson(mean))
        n_unlocated = int(rng.binomial(n, _NO_LOCATION_SHARE))
        located = n - n_unlocated
        per_lsoa = rng.multinomial(located, p_lsoa)
        outcomes = _outcome_table(rng, n, len(months) - 1 - k)
        ids = _crime_ids(rng, n)
        rows = []
        for i in np.flatnonzero(per_lsoa):
            lon, lat, labels = snaps[i]
            for j in rng.integers(0, len(lon), size=per_lsoa[i]):
                rows.append([f"{lon[j]:.6f}", f"{lat[j]:.6f}", labels[j], geo.lsoa_codes[i],
                             geo.lsoa_names[i]])
        rows += [["", "", "No Location", "", ""]] * n_unlocated
        # Located rows by LSOA name, as in the archive files; no-location rows at the end.
        body = [[ids[r], label, _FORCE, _FORCE, *row, "Burglary", outcomes[r], ""]
                for r, row in enumerate(rows)]
        month_folder = folder / label
        files.append(_write_rows(month_folder / f"{label}-metropolitan-street.csv",
                                 _POLICEUK_HEADER, body))
        month_folders.append(month_folder)
    return month_folders, files
