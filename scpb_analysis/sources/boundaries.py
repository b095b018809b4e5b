"""Ward, borough and LSOA boundaries from shapefiles, GeoPackages and GeoJSON.

Users drop the ONS, OS Boundary-Line or GLA boundary files they have into a folder (for
example ``shapefiles/`` or a ``scpb fetch`` data folder); the loaders find the right file by
its columns, normalise it to British National Grid (EPSG:27700) and return canonical codes and
names. Recognised layouts:

=========================  ===========================================  =================
kind                       identifying columns                          ward scheme
=========================  ===========================================  =================
ONS wards (Dec 2024)       ``WD24CD, WD24NM``                           2022 (and 2024)
ONS wards (May 2022)       ``WD22CD, WD22NM``                           2022
OS Boundary-Line wards     ``ONSWardCode, WardName``                    2022
GLA London_Ward (2014)     ``GSS_CODE, NAME, BOROUGH, LB_GSS_CD``       2014
GLA London_Ward (2018)     ``GSS_CODE, NAME, DISTRICT, LAGSSCODE``      2018
ONS / GLA boroughs         ``LAD24CD``/``LAD22CD`` or ``GSS_CODE``/``gss_code`` with a name
ONS LSOAs                  ``LSOA21CD``/``lsoa21cd`` (2021) or ``LSOA11CD`` (2011)
=========================  ===========================================  =================

London's wards did not change between the May 2022 scheme and the ONS December 2024 edition
except where a borough had a later review; for Barnet the 24 codes are identical.

A boundary file that would put every point outside, or count a ward twice, is refused
rather than loaded (issue 13):

* **CRS plausibility.** The coordinates must lie in Great Britain for the CRS the file
  declares: British National Grid (EPSG:27700) x 0..700,000 m and y 0..1,300,000 m;
  longitude/latitude (EPSG:4326 and other geographic CRSs) -9..3 and 49..61; any other CRS
  (Web Mercator, say) reprojected to longitude/latitude and checked there. A GeoJSON in
  metres without a CRS (which GeoJSON readers take as EPSG:4326) or degrees declared as
  EPSG:27700 is an error naming the file, the declared CRS and what the coordinates look
  like. A file with no CRS at all (a shapefile without its ``.prj``) is an error too.
* **Every ward once.** A borough's wards must all be there, once: checked against the
  package's reference list (:data:`scpb_analysis.reference.wards.WARD_SCHEMES`) or, for other
  boroughs, the ONS ward lookup found in the data folder (wards it lists for the borough
  must be present). A ward missing, a code twice, or a code of another scheme is an error
  naming the file, the ward and the borough.
* **Geometry.** An empty or missing geometry is an error naming the ward; an invalid one (a
  self-intersecting "bow-tie") is repaired with ``shapely.make_valid`` and reported: a
  ``UserWarning`` and ``frame.attrs["repaired"]`` (one line per repaired feature).
* **Shapefile sidecars.** A ``.shp`` without its ``.dbf`` or ``.shx`` is named with the
  missing file when no boundary file of the kind is found.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pandas as pd

from scpb_analysis.core.errors import InputDataError, MissingSourceError
from scpb_analysis.reference.geography import (
    canonical_borough,
    is_non_borough_area,
    london_boroughs,
    select_area,
)

__all__ = ["load_wards", "load_boroughs", "load_lsoas", "boundary_files"]

BNG = 27700
_SUFFIXES = {".shp", ".gpkg", ".geojson", ".json"}
# Great Britain's extent (generous: Scilly to Shetland, with the sea around), in
# longitude/latitude degrees and in British National Grid metres (x0, y0, x1, y1).
_GB_LONLAT = (-9.0, 49.0, 3.0, 61.0)
_GB_BNG = (0.0, 0.0, 700_000.0, 1_300_000.0)
# Web Mercator metres of the same extent, to name a file's coordinates.
_GB_WEB_MERCATOR = (-1_002_000.0, 6_275_000.0, 334_000.0, 8_680_000.0)


@dataclass(frozen=True)
class _Layout:
    kind: str            # "ward", "borough" or "lsoa"
    edition: str         # ward scheme, or LSOA census year
    code: str            # column with the GSS code
    name: str            # column with the name
    borough: str = ""    # column with the borough name, if the file has one


def _layout(columns: list[str]) -> _Layout | None:
    cols = {c.lower(): c for c in columns}

    def has(*names: str) -> bool:
        return all(n.lower() in cols for n in names)

    def c(name: str) -> str:
        return cols[name.lower()]

    if has("WD24CD", "WD24NM"):
        return _Layout("ward", "2024", c("WD24CD"), c("WD24NM"))
    if has("WD22CD", "WD22NM"):
        return _Layout("ward", "2022", c("WD22CD"), c("WD22NM"),
                       c("LAD22NM") if has("LAD22NM") else "")
    if has("ONSWardCode", "WardName"):
        return _Layout("ward", "2022", c("ONSWardCode"), c("WardName"))
    if has("GSS_CODE", "NAME", "BOROUGH", "LB_GSS_CD"):
        return _Layout("ward", "2014", c("GSS_CODE"), c("NAME"), c("BOROUGH"))
    if has("GSS_CODE", "NAME", "DISTRICT", "LAGSSCODE"):
        return _Layout("ward", "2018", c("GSS_CODE"), c("NAME"), c("DISTRICT"))
    if has("LSOA21CD", "LSOA21NM"):
        return _Layout("lsoa", "2021", c("LSOA21CD"), c("LSOA21NM"))
    if has("LSOA11CD", "LSOA11NM"):
        return _Layout("lsoa", "2011", c("LSOA11CD"), c("LSOA11NM"))
    for code, name in (("LAD24CD", "LAD24NM"), ("LAD22CD", "LAD22NM"), ("GSS_CODE", "NAME"),
                       ("gss_code", "name")):
        if has(code, name):
            return _Layout("borough", "", c(code), c(name))
    return None


@cache
def _scan(folder: str) -> tuple[tuple[str, _Layout, int], ...]:
    import pyogrio

    found = []
    for path in sorted(Path(folder).rglob("*")):
        if path.suffix.lower() not in _SUFFIXES or not path.is_file():
            continue
        try:
            with warnings.catch_warnings():
                # Files we do not use (e.g. measured line layers) warn on inspection.
                warnings.simplefilter("ignore", UserWarning)
                info = pyogrio.read_info(path)
        except Exception:  # noqa: BLE001 - a .json that is not geographic is simply not ours
            continue
        layout = _layout(list(info["fields"]))
        if layout is not None:
            found.append((str(path), layout, int(info["features"])))
    return tuple(found)


def _broken_shapefiles(folder: Path) -> list[str]:
    """Shapefiles without the sidecar files a reader needs, each with what is missing."""
    out = []
    for shp in sorted(folder.rglob("*")):
        if shp.suffix.lower() != ".shp" or not shp.is_file():
            continue
        beside = {p.name.lower() for p in shp.parent.iterdir()}
        missing = [f"{shp.stem}{ext}" for ext in (".dbf", ".shx")
                   if f"{shp.stem}{ext}".lower() not in beside]
        if missing:
            out.append(f"{shp.name} (missing {' and '.join(missing)} beside it)")
    return out


def boundary_files(data_dir: str | Path) -> pd.DataFrame:
    """Boundary files found under ``data_dir``: ``path, kind, edition, features``.

    >>> import tempfile
    >>> boundary_files(tempfile.mkdtemp()).columns.tolist()
    ['path', 'kind', 'edition', 'features']
    """
    rows = [(p, lay.kind, lay.edition, n) for p, lay, n in _scan(str(Path(data_dir).resolve()))]
    return pd.DataFrame(rows, columns=["path", "kind", "edition", "features"])


def _within(bounds, box: tuple[float, float, float, float]) -> bool:
    x0, y0, x1, y1 = bounds
    return bool(x0 >= box[0] and y0 >= box[1] and x1 <= box[2] and y1 <= box[3])


def _looks_like(bounds) -> str:
    """What a file's coordinates look like, to say in an error."""
    x0, y0, x1, y1 = (float(b) for b in bounds)
    shown = f"x {x0:,.6g} to {x1:,.6g}, y {y0:,.6g} to {y1:,.6g}"
    if _within(bounds, _GB_LONLAT):
        return f"{shown}: they look like longitude/latitude degrees (EPSG:4326)"
    if _within(bounds, _GB_BNG):
        return f"{shown}: they look like British National Grid metres (EPSG:27700)"
    if _within(bounds, _GB_WEB_MERCATOR):
        return f"{shown}: they look like Web Mercator metres (EPSG:3857)"
    return (f"{shown}: they look like neither longitude/latitude in Great Britain nor "
            "British National Grid metres")


def _crs_name(crs) -> str:
    epsg = crs.to_epsg(min_confidence=70)
    return f"EPSG:{epsg} ({crs.name})" if epsg else crs.name


_EXPECTED_CRS = ("coordinates inside Great Britain for the declared CRS (British National Grid "
                 "x 0..700,000 and y 0..1,300,000 metres; longitude -9..3 and latitude 49..61 "
                 "degrees); declare the CRS the coordinates are in (a .prj beside a shapefile, "
                 "or in GeoPandas set_crs(..., allow_override=True))")


def _check_crs(path: str, frame) -> None:
    """Refuse coordinates that are not in Great Britain for the CRS the file declares."""
    bounds = frame.total_bounds
    if not len(frame) or pd.isna(bounds).any():
        return  # no geometry at all: the geometry check says so
    if frame.crs is None:
        extra = " (no .prj beside it)" if Path(path).suffix.lower() == ".shp" else ""
        raise InputDataError(path, f"has no coordinate reference system{extra}; its "
                             f"coordinates are {_looks_like(bounds)}",
                             expected="a boundary file with a .prj or an embedded CRS")
    crs = frame.crs
    if crs.is_geographic:
        plausible = _within(bounds, _GB_LONLAT)
    elif crs.to_epsg(min_confidence=70) == BNG:
        plausible = _within(bounds, _GB_BNG) and not _within(bounds, _GB_LONLAT)
    else:
        # Degrees declared as metres of another projection would land near its origin.
        plausible = (not _within(bounds, _GB_LONLAT)
                     and _within(frame.to_crs(4326).total_bounds, _GB_LONLAT))
    if not plausible:
        default = (" (GeoJSON's default when a file gives no CRS)"
                   if Path(path).suffix.lower() in (".geojson", ".json")
                   and crs.to_epsg() == 4326 else "")
        raise InputDataError(
            path, f"declares the CRS {_crs_name(crs)}{default} but its coordinates are "
            f"{_looks_like(bounds)}, so every point would fall outside its areas",
            expected=_EXPECTED_CRS)


def _repair(path: str, frame, code: str) -> list[str]:
    """Empty geometries are an error; invalid ones are repaired (``make_valid``), and the
    repairs returned as notes."""
    import shapely

    geometry = frame.geometry
    empty = geometry.isna() | geometry.is_empty
    if empty.any():
        i = int(empty.to_numpy().nonzero()[0][0])
        raise InputDataError(
            path, f"{int(empty.sum())} feature(s) have no geometry, e.g. {code} "
            f"'{frame[code].iloc[i]}' (feature {i + 1})", column="geometry",
            expected="a polygon for every area")
    invalid = ~geometry.is_valid
    if not invalid.any():
        return []
    notes = []
    for i in invalid.to_numpy().nonzero()[0].tolist():
        why = shapely.is_valid_reason(geometry.iloc[i])
        notes.append(f"{Path(path).name}: {code} '{frame[code].iloc[i]}' (feature {i + 1}) "
                     f"had invalid geometry ({why}); repaired with shapely.make_valid")
    # "structure" keeps polygons polygons (a bow-tie becomes its two triangles), where the
    # default may add the crossing point as a stray line.
    repaired = shapely.make_valid(geometry[invalid].to_numpy(), method="structure",
                                  keep_collapsed=False)
    frame.loc[invalid, frame.geometry.name] = repaired
    warnings.warn("; ".join(notes), UserWarning, stacklevel=3)
    return notes


def _read(path: str, code: str | None = None):
    """The file in British National Grid, its CRS checked and its geometry repaired (the
    repairs in ``attrs["repaired"]``); ``code`` names features in messages."""
    import geopandas as gpd

    frame = gpd.read_file(path, engine="pyogrio")
    _check_crs(path, frame)
    notes = _repair(path, frame, code) if code is not None else []
    if frame.crs.to_epsg(min_confidence=70) == BNG:
        # GLA files carry an OSGB36 WKT without the EPSG code; it is the same grid.
        frame = frame.set_crs(BNG, allow_override=True)
    else:
        frame = frame.to_crs(BNG)
    frame.attrs["repaired"] = notes
    return frame


def _candidates(data_dir: str | Path, kind: str, editions: tuple[str, ...]) -> list:
    folder = Path(data_dir)
    if not folder.is_dir():
        raise InputDataError(folder, "is not a folder", expected="a folder of boundary files")
    found = [(p, lay, n) for p, lay, n in _scan(str(folder.resolve()))
             if lay.kind == kind and lay.edition in editions]
    if not found:
        seen = boundary_files(folder)
        listing = "; ".join(f"{Path(r.path).name} ({r.kind} {r.edition})".strip()
                            for r in seen.itertuples(index=False)) or "none"
        broken = _broken_shapefiles(folder)
        if broken:
            listing += "; unreadable: " + "; ".join(broken)
        wanted = {"ward": "ward boundaries", "borough": "borough boundaries",
                  "lsoa": "LSOA boundaries"}[kind]
        raise MissingSourceError(folder, f"holds no {wanted} for {'/'.join(editions)}; boundary "
                             f"files found: {listing}",
                             expected="a shapefile, GeoPackage or GeoJSON with the columns "
                             "listed in scpb_analysis.sources.boundaries")
    return found


def load_boroughs(data_dir: str | Path):
    """London borough boundaries: ``borough_code, borough, policed_by_mps, geometry`` (BNG).

    The City of London is kept (it is a London borough) but marked ``policed_by_mps=False``.

    Examples
    --------
    >>> load_boroughs("../shared/data").shape[0]  # doctest: +SKIP
    33
    """
    path, layout, _ = max(_candidates(data_dir, "borough", ("",)), key=lambda f: f[2])
    frame = _read(path, layout.code)
    names = frame[layout.name].astype(str).str.strip()
    keep = ~names.map(is_non_borough_area) | (names.str.casefold() == "city of london")
    frame, names = frame[keep], names[keep]
    mps = set(london_boroughs()["borough"])
    canonical = [n if n.casefold() == "city of london" else canonical_borough(n) for n in names]
    out = frame.assign(borough_code=frame[layout.code].astype(str), borough=canonical)
    out["policed_by_mps"] = out["borough"].isin(mps)
    out = out[["borough_code", "borough", "policed_by_mps", "geometry"]].sort_values(
        "borough").reset_index(drop=True)
    out.attrs["repaired"] = frame.attrs.get("repaired", [])
    return out


def _ward_boroughs(data_dir: str | Path, wards, layout: _Layout, path: str) -> pd.Series:
    """Borough of each ward: from the file, a reference list, an ONS lookup, or by location."""
    from scpb_analysis.reference.wards import WARD_SCHEMES, ward_reference

    if layout.borough:
        return wards[layout.borough].astype(str).map(
            lambda b: b if is_non_borough_area(b) else canonical_borough(b))
    known: dict[str, str] = {}
    for borough, schemes in WARD_SCHEMES.items():
        for scheme in schemes:
            ref = ward_reference(borough, scheme)
            known.update(dict(zip(ref["ward_code"], ref["borough"], strict=True)))
    codes = wards[layout.code].astype(str)
    # Object dtype: a map that finds nothing is all-missing floats, not text to fill.
    result = codes.map(known).astype(object)
    if result.isna().any():
        result = result.fillna(codes.map(_ward_lookup(str(Path(data_dir).resolve()),
                                                      layout.code.upper()[:4])).astype(object))
    if result.isna().any():
        import geopandas as gpd

        try:
            boroughs = load_boroughs(data_dir)
        except InputDataError as exc:
            unknown = wards.loc[result.isna().to_numpy(), [layout.code, layout.name]]
            listed = ", ".join(f"{c} ({n})" for c, n in unknown.head(5).itertuples(index=False))
            raise InputDataError(
                path, f"holds wards of no borough the package's reference lists or an ONS "
                f"lookup in the folder name: {listed}"
                f"{' and more' if len(unknown) > 5 else ''}; and their borough cannot be "
                f"found by location ({exc.problem})", column=layout.code,
                expected="wards of the scheme, with an ONS ward-to-borough lookup or borough "
                "boundaries beside them") from None
        points = gpd.GeoDataFrame(geometry=wards.geometry.representative_point(),
                                  crs=wards.crs)
        joined = gpd.sjoin(points, boroughs[["borough", "geometry"]], how="left",
                           predicate="within")
        located = joined.loc[~joined.index.duplicated(), "borough"]
        result = result.fillna(located)
    return result


@cache
def _ward_lookup(folder: str, prefix: str) -> dict[str, str]:
    """Ward code to borough from an ONS lookup CSV in the folder (e.g. LSOA21-WD24-LAD24)."""
    import csv

    ward_col, lad_col = f"{prefix}CD", f"LAD{prefix[2:]}NM"
    for path in sorted(Path(folder).rglob("*.csv")):
        with path.open(newline="", encoding="utf-8-sig", errors="replace") as handle:
            header = next(csv.reader(handle), [])
            if ward_col not in header or lad_col not in header:
                continue
            w, b = header.index(ward_col), header.index(lad_col)
            return {row[w]: row[b] for row in csv.reader(handle) if len(row) > max(w, b)}
    return {}


def _key(name: object) -> str:
    return " ".join(str(name).replace("&", " and ").split()).casefold()


def _check_ward_set(path: str, wards, layout: _Layout, data_dir: str | Path,
                    scheme: str) -> None:
    """Every ward of each borough in ``wards`` there once: against the package's reference
    list, else the wards an ONS lookup in the folder gives the borough (present at least)."""
    from scpb_analysis.reference.wards import WARD_SCHEMES, ward_reference

    codes = wards["ward_code"]
    repeated = codes[codes.duplicated()]
    if len(repeated):
        code = repeated.iloc[0]
        rows = wards[codes == code]
        names = ", ".join(dict.fromkeys(rows["ward_name"]))
        raise InputDataError(
            path, f"holds the ward {code} ({names}; {rows['borough'].iloc[0]}) "
            f"{len(rows)} times", column=layout.code,
            expected=f"each ward of the {scheme} scheme once")
    lookup = None
    for borough, part in wards.groupby("borough"):
        if borough in WARD_SCHEMES and scheme in WARD_SCHEMES[borough]:
            reference = ward_reference(borough, scheme)
            expected = dict(zip(reference["ward_code"], reference["ward_name"], strict=True))
            source, exact = f"the package's {borough} {scheme} ward list", True
        else:
            if lookup is None:
                lookup = _ward_lookup(str(Path(data_dir).resolve()), layout.code.upper()[:4])
            expected = {c: "" for c, b in lookup.items() if _key(b) == _key(borough)}
            source, exact = "the ONS ward lookup in the folder", False
            if not expected:
                continue
        have = set(part["ward_code"])
        missing = [c for c in expected if c not in have]
        extra = sorted(have - set(expected)) if exact else []
        if missing or extra:
            names = dict(zip(part["ward_code"], part["ward_name"], strict=True))
            problems = []
            if missing:
                problems.append(f"{len(missing)} of {borough}'s {len(expected)} wards missing ("
                                + ", ".join(f"{c} {expected[c]}".strip() for c in missing[:6])
                                + (" and more" if len(missing) > 6 else "") + ")")
            if extra:
                problems.append(f"{len(extra)} ward code(s) that are not {borough} wards in "
                                f"the {scheme} scheme ("
                                + ", ".join(f"{c} {names[c]}" for c in extra[:6])
                                + (" and more" if len(extra) > 6 else "") + ")")
            raise InputDataError(path, "has " + "; ".join(problems), column=layout.code,
                                 expected=f"every {borough} ward of the {scheme} scheme once, "
                                 f"as in {source}")


def load_wards(data_dir: str | Path, borough: str | None = None, scheme: str = "2022"):
    """Ward boundaries with canonical codes and names, in British National Grid.

    Parameters
    ----------
    data_dir : path
        Folder searched (recursively) for boundary files.
    borough : str, optional
        Keep one borough's wards.
    scheme : str
        ``"2022"`` (May 2022 wards; the ONS December 2024 edition serves too), ``"2014"``,
        ``"2018"`` or ``"2024"``.

    Returns
    -------
    GeoDataFrame
        ``ward_code, ward_name, borough, scheme, source, geometry`` sorted by ward name; for
        boroughs with a package reference list the names are the canonical ones
        (:func:`scpb_analysis.canonical_ward_names`). ``attrs["repaired"]`` lists the
        invalid geometries repaired (with a ``UserWarning``), if any.

    Raises
    ------
    InputDataError
        Naming the file: no ward file for the scheme (a shapefile missing its ``.dbf`` or
        ``.shx`` named); coordinates outside Great Britain for the declared CRS; an empty
        geometry; a borough's ward missing, repeated, or of another scheme.

    Examples
    --------
    >>> wards = load_wards("../shared/data", "Barnet")  # doctest: +SKIP
    >>> len(wards), wards.crs.to_epsg()  # doctest: +SKIP
    (24, 27700)
    """
    from scpb_analysis.reference.wards import WARD_SCHEMES, canonical_ward_names

    scheme = str(scheme)
    editions = {"2022": ("2022", "2024"), "2024": ("2024",), "2014": ("2014",),
                "2018": ("2018",)}.get(scheme)
    if editions is None:
        raise ValueError(f"ward scheme '{scheme}' is not known; expected 2014, 2018, 2022 "
                         "or 2024")
    target = canonical_borough(borough) if borough else None
    candidates = _candidates(data_dir, "ward", editions)
    # For one borough prefer the scheme's own edition; for all of London the fullest file.
    if target is None:
        candidates.sort(key=lambda f: (-f[2], editions.index(f[1].edition), f[0]))
    else:
        candidates.sort(key=lambda f: (editions.index(f[1].edition), -f[2], f[0]))
    tried = []
    for path, layout, _ in candidates:
        frame = _read(path, layout.code)
        frame["borough"] = _ward_boroughs(data_dir, frame, layout, path).to_numpy()
        if target is not None:
            frame = select_area(frame, target, missing="empty")
        if frame.empty:
            tried.append(Path(path).name)
            continue
        out = frame.assign(ward_code=frame[layout.code].astype(str),
                           ward_name=frame[layout.name].astype(str).str.strip(),
                           scheme=scheme, source=Path(path).name)
        for name, part in out.groupby("borough"):
            if name in WARD_SCHEMES and scheme in WARD_SCHEMES[name]:
                out.loc[part.index, "ward_name"] = canonical_ward_names(
                    part["ward_name"], name, scheme)
        columns = ["ward_code", "ward_name", "borough", "scheme", "source", "geometry"]
        out = out[columns].sort_values(["borough", "ward_name"]).reset_index(drop=True)
        _check_ward_set(path, out, layout, data_dir, scheme)
        out.attrs["repaired"] = frame.attrs.get("repaired", [])
        return out
    raise InputDataError(Path(data_dir), f"no {scheme}-scheme wards of {target} in "
                         f"{', '.join(tried)}", expected=f"a boundary file covering {target}")


def load_lsoas(data_dir: str | Path, year: int = 2021, borough: str | None = None, *,
               codes: Iterable[str] | None = None):
    """LSOA boundaries: ``lsoa_code, lsoa_name, borough, geometry`` (BNG).

    The borough is read from the LSOA name (``"Barnet 001A"``), as ONS names them.

    Parameters
    ----------
    data_dir : path
        Folder searched (recursively) for boundary files.
    year : int
        LSOA edition (2021 or 2011).
    borough : str, optional
        Keep one London borough's LSOAs (from the file with the most LSOAs).
    codes : iterable of str, optional
        Keep these LSOAs, from whichever files hold them (e.g. one file per local authority,
        as the ONS portal cuts them): each from the file holding most of them. An LSOA no
        file holds is an error.

    Examples
    --------
    >>> len(load_lsoas("../shared/data", 2021, "Barnet"))  # doctest: +SKIP
    220
    """
    candidates = _candidates(data_dir, "lsoa", (str(year),))
    if codes is not None:
        return _lsoas_with_codes(data_dir, candidates, set(codes))
    path, layout, _ = max(candidates, key=lambda f: (f[2], f[0]))
    frame = _read(path, layout.code)
    out = _lsoa_columns(frame, layout)
    if borough:
        out = select_area(out, canonical_borough(borough), missing="empty")
    repeated = out["lsoa_code"][out["lsoa_code"].duplicated()]
    if len(repeated):
        raise InputDataError(path, f"holds the LSOA {repeated.iloc[0]} more than once",
                             column=layout.code, expected="each LSOA once")
    out = out[["lsoa_code", "lsoa_name", "borough", "geometry"]].sort_values(
        "lsoa_code").reset_index(drop=True)
    out.attrs["repaired"] = frame.attrs.get("repaired", [])
    return out


def _lsoa_columns(frame, layout: _Layout):
    names = frame[layout.name].astype(str).str.strip()
    return frame.assign(lsoa_code=frame[layout.code].astype(str).str.strip(), lsoa_name=names,
                        borough=names.str.rsplit(" ", n=1).str[0])


def _lsoas_with_codes(data_dir: str | Path, candidates: list, wanted: set[str]):
    parts = []
    for path, layout, _ in candidates:
        frame = _lsoa_columns(_read(path, layout.code), layout)
        frame = frame[frame["lsoa_code"].isin(wanted)]
        if len(frame):
            parts.append((len(frame), path, frame))
    found: set[str] = set()
    keep, repaired = [], []
    for _, _path, frame in sorted(parts, key=lambda p: (-p[0], p[1])):
        frame = frame[~frame["lsoa_code"].isin(found)]
        found |= set(frame["lsoa_code"])
        keep.append(frame[["lsoa_code", "lsoa_name", "borough", "geometry"]])
        repaired += frame.attrs.get("repaired", [])
    lacking = sorted(wanted - found)
    if lacking:
        raise MissingSourceError(Path(data_dir), f"holds no boundary for {len(lacking)} of the "
                                 f"{len(wanted)} LSOAs needed: " + ", ".join(lacking[:5])
                                 + (" and more" if len(lacking) > 5 else ""),
                                 source="boundaries",
                                 expected="LSOA boundary files covering the area (ONS Open "
                                 "Geography Portal)")
    out = pd.concat(keep, ignore_index=True).sort_values("lsoa_code").reset_index(drop=True)
    out.attrs["repaired"] = repaired
    return out
