"""Bad ward and LSOA boundary files: each is loaded right, refused clearly, or reported.

Cases are built in tmp_path from the real files: Barnet's 24 May-2022 wards (OS
Boundary-Line, GeoJSON lon/lat), Camden's and Barnet's wards from the ONS files, the ONS ward
lookup and the GLA 2011 LSOAs. ``correct`` means the wards loaded are the scheme's, each
covering what the intact file's ward covers (checked with geopandas on the intact file: every
ward's interior point falls in the same ward, areas agree).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from bad_input import CORRECT, ERROR, REPORTED, Case, assert_clear_error, params
from conftest import SHARED_DATA

from scpb_analysis.core.errors import InputDataError
from scpb_analysis.reference.wards import ward_reference
from scpb_analysis.sources.boundaries import load_lsoas, load_wards

BOUNDARIES = SHARED_DATA / "boundaries"
BARNET_OS = BOUNDARIES / "wards-2022-barnet-os" / "OSBoundaryLine - BarnetWards.geojson"
BY_BOROUGH = BOUNDARIES / "wards-2022-london-ons-by-borough"
LONDON_2024 = BOUNDARIES / "wards-2024-london-ons" / "london_ward.gpkg"
LOOKUP = SHARED_DATA / "lookups" / (
    "LSOA_(2021)_to_Electoral_Ward_(2024)_to_LAD_(2024)_Best_Fit_Lookup_in_EW.csv")
LSOA_2011 = BOUNDARIES / "statistical-gis-boundaries-london" / "LSOA_2011_London_gen_MHW.shp"


@pytest.fixture(scope="module")
def barnet() -> gpd.GeoDataFrame:
    """Barnet's 24 wards as published (lon/lat), code and name columns only."""
    for path in (BARNET_OS, BY_BOROUGH / "E09000007.geojson", LONDON_2024, LOOKUP):
        if not path.exists():
            pytest.skip(f"real boundary file not found at {path}: these tests read "
                        "../shared/data beside the repository (or $SCPB_SHARED_DATA)")
    frame = gpd.read_file(BARNET_OS)[["ONSWardCode", "WardName", "geometry"]]
    assert len(frame) == 24
    return frame


class Built:
    """A case's folder and what it must give: ``intact`` (code, geometry in BNG) for what
    should load, or the file the error must name. A plain class: the corpus count loads this
    module without registering it, where a dataclass cannot resolve its annotations."""

    def __init__(self, folder: Path, intact: gpd.GeoDataFrame | None = None, *,
                 error_file: Path | None = None, column: str | None = None,
                 borough: str = "Barnet", scheme: str = "2022", lsoa: bool = False) -> None:
        self.folder, self.intact, self.error_file, self.column = folder, intact, error_file, column
        self.borough, self.scheme, self.lsoa = borough, scheme, lsoa


def _ok(built_folder: Path, frame: gpd.GeoDataFrame, code: str = "ONSWardCode") -> Built:
    intact = frame.to_crs(27700).rename(columns={code: "code"})[["code", "geometry"]]
    return Built(built_folder, intact)


# ---------------------------------------------------------------------------------------------
# Builders


def _short_names(frame, path: Path):
    """A shapefile keeps 10 characters of a column name: the ONS names fit."""
    if path.suffix == ".shp":
        return frame.rename(columns={"ONSWardCode": "WD22CD", "WardName": "WD22NM"})
    return frame


def _write_as(name: str, *, crs=None, driver=None):
    """The Barnet wards written as ``name`` (reprojected to ``crs`` first): correct."""
    def build(barnet, root):
        frame = barnet if crs is None else barnet.to_crs(crs)
        _short_names(frame, root / name).to_file(root / name, driver=driver)
        return _ok(root, barnet)
    return build


def _bad_crs(name: str, coords_crs, declared, *, driver=None, strip_crs=False):
    """Coordinates of ``coords_crs`` written declaring ``declared``: an error."""
    def build(barnet, root):
        frame = barnet.to_crs(coords_crs).set_crs(declared, allow_override=True)
        path = root / name
        _short_names(frame, path).to_file(path, driver=driver)
        if strip_crs:  # a GeoJSON with no "crs" member: readers take it as EPSG:4326
            data = json.loads(path.read_text())
            data.pop("crs", None)
            path.write_text(json.dumps(data))
        return Built(root, error_file=path)
    return build


def _swapped(barnet, root):
    frame = barnet.copy()
    frame.geometry = gpd.GeoSeries(shapely.transform(frame.geometry.to_numpy(),
                                                     lambda xy: xy[:, ::-1]), crs=frame.crs)
    path = root / "swapped.geojson"
    frame.to_file(path)
    return Built(root, error_file=path)


def _edited(edit, *, outcome_error=True, column="ONSWardCode"):
    """The Barnet wards edited (a ward dropped, repeated, re-coded ...) as GeoJSON."""
    def build(barnet, root):
        frame = edit(barnet.copy())
        path = root / "barnet-wards.geojson"
        frame.to_file(path)
        if outcome_error:
            return Built(root, error_file=path, column=column)
        return _ok(root, barnet)
    return build


def _recode_2014(frame):
    codes = ward_reference("Barnet", "2014")["ward_code"].tolist()
    frame.loc[:20, "ONSWardCode"] = codes
    return frame


def _bow_tie(frame):
    x0, y0, x1, y1 = frame.geometry.iloc[5].bounds
    frame.loc[5, "geometry"] = shapely.Polygon([(x0, y0), (x1, y1), (x1, y0), (x0, y1)])
    return frame


def _shapefile_without(*suffixes: str, error=True):
    def build(barnet, root):
        path = root / "barnet_wards.shp"
        _short_names(barnet.to_crs(27700), path).to_file(path)
        for suffix in suffixes:
            path.with_suffix(suffix).unlink()
        return Built(root, error_file=path)
    return build


def _with_camden_ward(lookup: bool, *, borough_column: bool = False):
    """Barnet's ONS 2022 file with a Camden ward added. With the file's borough column, or a
    lookup naming the ward's borough, the Barnet wards load (correct); with neither its
    borough cannot be told (error)."""
    def build(barnet, root):
        own = gpd.read_file(BY_BOROUGH / "E09000003.geojson")
        camden = gpd.read_file(BY_BOROUGH / "E09000007.geojson")
        both = pd.concat([own, camden.iloc[:1]], ignore_index=True)
        if not borough_column:
            both = both.drop(columns=["LAD22CD", "LAD22NM"])
        path = root / "barnet-and-one-more.geojson"
        gpd.GeoDataFrame(both, crs=own.crs).to_file(path)
        if borough_column:
            return _ok(root, own, code="WD22CD")
        if lookup:
            pd.DataFrame({"WD22CD": [camden["WD22CD"].iloc[0]],
                          "LAD22NM": ["Camden"]}).to_csv(root / "lookup.csv", index=False)
            return _ok(root, own, code="WD22CD")
        return Built(root, error_file=path, column="WD22CD")
    return build


def _camden_2024(drop: bool):
    """Camden's Dec-2024 wards (GeoPackage, BNG) with the ONS lookup's Camden rows beside
    them; a ward dropped is an error found through the lookup."""
    def build(barnet, root):
        lookup = pd.read_csv(LOOKUP, encoding="utf-8-sig", dtype=str)
        lookup = lookup[lookup["LAD24NM"] == "Camden"]
        lookup.to_csv(root / "lookup.csv", index=False)
        london = gpd.read_file(LONDON_2024)
        camden = london[london["WD24CD"].isin(set(lookup["WD24CD"]))].reset_index(drop=True)
        assert len(camden) == lookup["WD24CD"].nunique() > 10
        path = root / "camden.gpkg"
        (camden.iloc[1:] if drop else camden).to_file(path)
        built = _ok(root, camden, code="WD24CD") if not drop else Built(
            root, error_file=path, column="WD24CD")
        built.borough, built.scheme = "Camden", "2024"
        return built
    return build


def _lsoas(edit, error: bool):
    def build(barnet, root):
        if not LSOA_2011.exists():
            pytest.skip(f"real LSOA file not found at {LSOA_2011}")
        lsoas = gpd.read_file(LSOA_2011)
        lsoas = lsoas[lsoas["LSOA11NM"].str.startswith("Barnet ")].reset_index(drop=True)
        # One real Barnet LSOA is invalid (repaired, reported): keep to the valid ones here.
        lsoas = lsoas[lsoas.is_valid].reset_index(drop=True)
        path = root / "barnet_lsoa.gpkg"
        edit(lsoas).to_file(path)
        built = Built(root, error_file=path if error else None, lsoa=True)
        if not error:
            built.intact = lsoas.to_crs(27700).rename(columns={"LSOA11CD": "code"})[
                ["code", "geometry"]]
        return built
    return build


# ---------------------------------------------------------------------------------------------
# The corpus

CASES = [
    # Formats and CRSs that must load exactly.
    Case("boundaries", "geojson-lon-lat", CORRECT, {"build": _write_as("wards.geojson")}),
    Case("boundaries", "geopackage-bng", CORRECT,
         {"build": _write_as("wards.gpkg", crs=27700)}),
    Case("boundaries", "shapefile-bng-with-prj", CORRECT,
         {"build": _write_as("wards.shp", crs=27700)}),
    Case("boundaries", "web-mercator-geojson-reprojected", CORRECT,
         {"build": _write_as("wards.geojson", crs=3857)}),
    Case("boundaries", "utm-30n-geopackage-reprojected", CORRECT,
         {"build": _write_as("wards.gpkg", crs=32630)}),
    # CRSs that do not fit the coordinates.
    Case("boundaries", "geojson-in-metres-without-crs", ERROR,
         {"build": _bad_crs("wards.geojson", 27700, 4326, strip_crs=True),
          "says": ["EPSG:4326", "British National Grid metres"]}),
    Case("boundaries", "lon-lat-declared-bng-shapefile", ERROR,
         {"build": _bad_crs("wards.shp", 4326, 27700),
          "says": ["EPSG:27700", "longitude/latitude degrees"]}),
    Case("boundaries", "lon-lat-declared-bng-geopackage", ERROR,
         {"build": _bad_crs("wards.gpkg", 4326, 27700),
          "says": ["EPSG:27700", "longitude/latitude degrees"]}),
    Case("boundaries", "metres-declared-lon-lat-geopackage", ERROR,
         {"build": _bad_crs("wards.gpkg", 27700, 4326),
          "says": ["EPSG:4326", "British National Grid metres"]}),
    Case("boundaries", "bng-metres-declared-web-mercator", ERROR,
         {"build": _bad_crs("wards.gpkg", 27700, 3857),
          "says": ["EPSG:3857", "British National Grid metres"]}),
    Case("boundaries", "web-mercator-metres-declared-bng", ERROR,
         {"build": _bad_crs("wards.gpkg", 3857, 27700),
          "says": ["EPSG:27700", "Web Mercator metres"]}),
    Case("boundaries", "latitude-and-longitude-swapped", ERROR,
         {"build": _swapped, "says": ["EPSG:4326"]}),
    # Shapefile sidecars.
    Case("boundaries", "shapefile-without-prj", ERROR,
         {"build": _shapefile_without(".prj"),
          "says": [".prj", "British National Grid metres"]}),
    Case("boundaries", "shapefile-without-dbf", ERROR,
         {"build": _shapefile_without(".dbf"), "says": ["barnet_wards.dbf"]}),
    Case("boundaries", "shapefile-without-shx", ERROR,
         {"build": _shapefile_without(".shx"), "says": ["barnet_wards.shx"]}),
    # The ward set.
    Case("boundaries", "missing-ward", ERROR,
         {"build": _edited(lambda f: f.drop(index=3)), "says": ["Barnet"], "missing": 3}),
    Case("boundaries", "duplicated-ward", ERROR,
         {"build": _edited(lambda f: pd.concat([f, f.iloc[[7]]], ignore_index=True)),
          "says": ["2 times", "Barnet"], "named": 7}),
    Case("boundaries", "two-wards-one-code", ERROR,
         {"build": _edited(lambda f: f.assign(ONSWardCode=f["ONSWardCode"].where(
             f.index != 9, f["ONSWardCode"].iloc[10]))), "says": ["2 times"], "named": 10}),
    Case("boundaries", "ward-codes-of-the-2014-scheme", ERROR,
         {"build": _edited(_recode_2014), "says": ["not Barnet wards in the 2022 scheme",
                                                    "E05000043"]}),
    Case("boundaries", "extra-ward-of-another-borough-named-in-the-file", CORRECT,
         {"build": _with_camden_ward(lookup=False, borough_column=True)}),
    Case("boundaries", "extra-ward-of-another-borough-with-lookup", CORRECT,
         {"build": _with_camden_ward(lookup=True)}),
    Case("boundaries", "extra-ward-of-another-borough-without-lookup", ERROR,
         {"build": _with_camden_ward(lookup=False), "says": ["no borough"]}),
    Case("boundaries", "missing-ward-found-through-the-ons-lookup", ERROR,
         {"build": _camden_2024(drop=True), "says": ["Camden", "missing"]}),
    Case("boundaries", "ward-set-checked-through-the-ons-lookup", CORRECT,
         {"build": _camden_2024(drop=False)}),
    # Geometry.
    Case("boundaries", "bow-tie-ward-repaired", REPORTED,
         {"build": _edited(_bow_tie, outcome_error=False), "repaired": 5}),
    Case("boundaries", "empty-geometry", ERROR,
         {"build": _edited(lambda f: f.assign(geometry=f.geometry.where(
             f.index != 2, shapely.Polygon()))), "says": ["no geometry"], "named": 2,
          "column": "geometry"}),
    Case("boundaries", "missing-geometry", ERROR,
         {"build": _edited(lambda f: f.assign(geometry=f.geometry.where(f.index != 4, None))),
          "says": ["no geometry"], "named": 4, "column": "geometry"}),
    # LSOAs.
    Case("boundaries", "lsoa-repeated", ERROR,
         {"build": _lsoas(lambda f: pd.concat([f, f.iloc[[0]]], ignore_index=True), True),
          "says": ["more than once"]}),
    Case("boundaries", "lsoa-file-in-metres-declared-lon-lat", ERROR,
         {"build": _lsoas(lambda f: f.set_crs(4326, allow_override=True), True),
          "says": ["British National Grid metres"]}),
    Case("boundaries", "lsoa-file-in-web-mercator", CORRECT,
         {"build": _lsoas(lambda f: f.to_crs(3857), False)}),
]


# ---------------------------------------------------------------------------------------------
# The test


def _load(built: Built):
    if built.lsoa:
        return load_lsoas(built.folder, 2011, "Barnet")
    return load_wards(built.folder, built.borough, scheme=built.scheme)


def _assert_same_areas(loaded: gpd.GeoDataFrame, code: str, intact: gpd.GeoDataFrame) -> None:
    """The loaded areas are the intact file's: same codes, each intact area's interior point
    within the same loaded area (geopandas on the intact file), areas equal to 1e-6."""
    assert sorted(loaded[code]) == sorted(intact["code"])
    points = gpd.GeoDataFrame({"code": intact["code"].to_numpy()},
                              geometry=intact.geometry.representative_point().to_numpy(),
                              crs=27700)
    joined = gpd.sjoin(points, loaded[[code, "geometry"]], predicate="within")
    assert len(joined) == len(intact) and (joined["code"] == joined[code]).all()
    area = loaded.set_index(code).geometry.area
    expected = intact.set_index("code").geometry.area
    pd.testing.assert_series_equal(area.loc[expected.index], expected, check_names=False,
                                   rtol=1e-6)


@pytest.mark.parametrize("case", params(CASES))
def test_boundaries_bad_input(case, barnet, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    built = case.data["build"](barnet, folder)
    if case.outcome == ERROR:
        with pytest.raises(InputDataError) as excinfo:
            _load(built)
        message = assert_clear_error(excinfo, built.error_file,
                                     column=case.data.get("column", built.column))
        for part in case.data.get("says", []):
            assert part in message, f"{part!r} not in: {message}"
        for i in [case.data[k] for k in ("missing", "named") if k in case.data]:
            code, name = barnet["ONSWardCode"].iloc[i], barnet["WardName"].iloc[i]
            assert code in message and (name in message or case.data.get("column")), message
        return

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loaded = _load(built)
    code = "lsoa_code" if built.lsoa else "ward_code"
    assert loaded.crs.to_epsg() == 27700
    if case.outcome == CORRECT:
        assert loaded.attrs["repaired"] == [] and not [w for w in caught
                                                       if "make_valid" in str(w.message)]
        _assert_same_areas(loaded, code, built.intact)
        if not built.lsoa and built.borough == "Barnet":
            assert sorted(loaded[code]) == sorted(ward_reference("Barnet", "2022")["ward_code"])
        return

    # Reported: the repair is named (warning and attrs), the repaired ward is the planted
    # bow-tie made valid (shapely on the planted geometry), every other ward as published.
    i = case.data["repaired"]
    ward = barnet["ONSWardCode"].iloc[i]
    assert len(loaded.attrs["repaired"]) == 1 and ward in loaded.attrs["repaired"][0]
    assert any(ward in str(w.message) and "make_valid" in str(w.message) for w in caught)
    planted = gpd.read_file(built.folder / "barnet-wards.geojson")
    bow_tie = planted.geometry.iloc[i]
    assert not bow_tie.is_valid
    made_valid = gpd.GeoSeries([shapely.make_valid(bow_tie)], crs=planted.crs).to_crs(27700)
    repaired = loaded.set_index(code).geometry.loc[ward]
    assert repaired.is_valid and repaired.geom_type == "MultiPolygon"  # the two triangles
    assert repaired.area == pytest.approx(made_valid.area.iloc[0], rel=1e-9)
    others = built.intact[built.intact["code"] != ward]
    _assert_same_areas(loaded[loaded[code] != ward], code, others)
