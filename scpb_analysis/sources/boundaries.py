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
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pandas as pd

from scpb_analysis.errors import InputDataError
from scpb_analysis.geography import canonical_borough, is_non_borough_area, london_boroughs

__all__ = ["load_wards", "load_boroughs", "load_lsoas", "boundary_files"]

BNG = 27700
_SUFFIXES = {".shp", ".gpkg", ".geojson", ".json"}


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


def boundary_files(data_dir: str | Path) -> pd.DataFrame:
    """Boundary files found under ``data_dir``: ``path, kind, edition, features``.

    >>> import tempfile
    >>> boundary_files(tempfile.mkdtemp()).columns.tolist()
    ['path', 'kind', 'edition', 'features']
    """
    rows = [(p, lay.kind, lay.edition, n) for p, lay, n in _scan(str(Path(data_dir).resolve()))]
    return pd.DataFrame(rows, columns=["path", "kind", "edition", "features"])


def _read(path: str):
    import geopandas as gpd

    frame = gpd.read_file(path, engine="pyogrio")
    if frame.crs is None:
        raise InputDataError(path, "has no coordinate reference system",
                             expected="a boundary file with a .prj or an embedded CRS")
    if frame.crs.to_epsg(min_confidence=70) == BNG:
        # GLA files carry an OSGB36 WKT without the EPSG code; it is the same grid.
        return frame.set_crs(BNG, allow_override=True)
    return frame.to_crs(BNG)


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
        wanted = {"ward": "ward boundaries", "borough": "borough boundaries",
                  "lsoa": "LSOA boundaries"}[kind]
        raise InputDataError(folder, f"holds no {wanted} for {'/'.join(editions)}; boundary "
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
    frame = _read(path)
    names = frame[layout.name].astype(str).str.strip()
    keep = ~names.map(is_non_borough_area) | (names.str.casefold() == "city of london")
    frame, names = frame[keep], names[keep]
    mps = set(london_boroughs()["borough"])
    canonical = [n if n.casefold() == "city of london" else canonical_borough(n) for n in names]
    out = frame.assign(borough_code=frame[layout.code].astype(str), borough=canonical)
    out["policed_by_mps"] = out["borough"].isin(mps)
    return out[["borough_code", "borough", "policed_by_mps", "geometry"]].sort_values(
        "borough").reset_index(drop=True)


def _ward_boroughs(data_dir: str | Path, wards, layout: _Layout) -> pd.Series:
    """Borough of each ward: from the file, a reference list, an ONS lookup, or by location."""
    from scpb_analysis.wards import WARD_SCHEMES, ward_reference

    if layout.borough:
        return wards[layout.borough].astype(str).map(
            lambda b: b if is_non_borough_area(b) else canonical_borough(b))
    known: dict[str, str] = {}
    for borough, schemes in WARD_SCHEMES.items():
        for scheme in schemes:
            ref = ward_reference(borough, scheme)
            known.update(dict(zip(ref["ward_code"], ref["borough"], strict=True)))
    codes = wards[layout.code].astype(str)
    result = codes.map(known)
    if result.isna().any():
        result = result.fillna(codes.map(_ward_lookup(str(Path(data_dir).resolve()),
                                                      layout.code.upper()[:4])))
    if result.isna().any():
        import geopandas as gpd

        boroughs = load_boroughs(data_dir)
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
        (:func:`scpb_analysis.canonical_ward_names`).

    Examples
    --------
    >>> wards = load_wards("../shared/data", "Barnet")  # doctest: +SKIP
    >>> len(wards), wards.crs.to_epsg()  # doctest: +SKIP
    (24, 27700)
    """
    from scpb_analysis.wards import WARD_SCHEMES, canonical_ward_names

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
        frame = _read(path)
        frame["borough"] = _ward_boroughs(data_dir, frame, layout).to_numpy()
        if target is not None:
            frame = frame[frame["borough"] == target]
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
        return out[columns].sort_values(["borough", "ward_name"]).reset_index(drop=True)
    raise InputDataError(Path(data_dir), f"no {scheme}-scheme wards of {target} in "
                         f"{', '.join(tried)}", expected=f"a boundary file covering {target}")


def load_lsoas(data_dir: str | Path, year: int = 2021, borough: str | None = None):
    """LSOA boundaries: ``lsoa_code, lsoa_name, borough, geometry`` (BNG).

    The borough is read from the LSOA name (``"Barnet 001A"``), as ONS names them.

    Examples
    --------
    >>> len(load_lsoas("../shared/data", 2021, "Barnet"))  # doctest: +SKIP
    220
    """
    candidates = _candidates(data_dir, "lsoa", (str(year),))
    path, layout, _ = max(candidates, key=lambda f: (f[2], f[0]))
    frame = _read(path)
    names = frame[layout.name].astype(str).str.strip()
    out = frame.assign(lsoa_code=frame[layout.code].astype(str), lsoa_name=names,
                       borough=names.str.rsplit(" ", n=1).str[0])
    if borough:
        out = out[out["borough"] == canonical_borough(borough)]
    return out[["lsoa_code", "lsoa_name", "borough", "geometry"]].sort_values(
        "lsoa_code").reset_index(drop=True)
