"""Boundary loaders on the real files in ../shared/data (skipped if absent)."""

from __future__ import annotations

import pytest

from scpb_analysis.core.errors import InputDataError
from scpb_analysis.reference.wards import ward_reference
from scpb_analysis.sources.boundaries import (
    boundary_files,
    load_boroughs,
    load_lsoas,
    load_wards,
)


@pytest.fixture(scope="module")
def data(mps_borough_dir):
    return mps_borough_dir.parents[1]


def test_barnet_2022_wards(data):
    wards = load_wards(data, "Barnet")
    assert len(wards) == 24 and wards.crs.to_epsg() == 27700
    assert sorted(wards["ward_code"]) == [f"E0501{n}" for n in range(3628, 3652)]
    assert set(wards["ward_name"]) == set(ward_reference("Barnet", "2022")["ward_name"])
    assert wards.geometry.is_valid.all()
    # Barnet is about 86.7 km2; the wards tile it.
    assert wards.geometry.area.sum() / 1e6 == pytest.approx(86.7, rel=0.02)


def test_barnet_2014_wards(data):
    wards = load_wards(data, "Barnet", scheme="2014")
    assert len(wards) == 21
    assert set(wards["ward_code"]) == set(ward_reference("Barnet", "2014")["ward_code"])


def test_both_2022_sources_agree_for_barnet(data):
    os_wards = load_wards(data, "Barnet")
    london = load_wards(data)
    ons = london[london["borough"] == "Barnet"]
    assert set(ons["ward_code"]) == set(os_wards["ward_code"])
    assert london["borough"].notna().all() and london["borough"].nunique() == 33
    a = os_wards.set_index("ward_code").geometry
    b = ons.set_index("ward_code").geometry.loc[a.index]
    # Two editions of one scheme: OS full resolution against ONS generalised lines.
    overlap = a.intersection(b, align=False).area / a.area
    assert (overlap > 0.85).all() and overlap.median() > 0.93
    assert b.contains(a.representative_point(), align=False).all()


def test_boroughs_and_lsoas(data):
    boroughs = load_boroughs(data)
    assert len(boroughs) == 33 and boroughs["policed_by_mps"].sum() == 32
    assert boroughs.crs.to_epsg() == 27700
    lsoa21 = load_lsoas(data, 2021, "Barnet")
    lsoa11 = load_lsoas(data, 2011, "Barnet")
    assert len(lsoa21) == 220 and len(lsoa11) == 211
    assert lsoa21["lsoa_name"].str.startswith("Barnet ").all()


def test_missing_scheme_names_what_was_found(tmp_path, data):
    with pytest.raises(InputDataError, match="holds no ward boundaries for 2014; boundary "
                                             "files found: none"):
        load_wards(tmp_path, scheme="2014")
    with pytest.raises(ValueError, match="ward scheme '2019' is not known"):
        load_wards(data, scheme="2019")
    found = boundary_files(data)
    assert {"ward", "borough", "lsoa"} <= set(found["kind"])


def test_real_invalid_lsoas_are_repaired_and_reported(data):
    # The GLA 2011 LSOA file has self-intersecting rings (shapely says which): repaired with
    # make_valid, each named in a warning and in attrs["repaired"], none left invalid.
    import geopandas as gpd

    path = data / "boundaries" / "statistical-gis-boundaries-london" / \
        "LSOA_2011_London_gen_MHW.shp"
    published = gpd.read_file(path)
    invalid = sorted(published.loc[~published.is_valid, "LSOA11CD"])
    assert len(invalid) == 8
    with pytest.warns(UserWarning, match="repaired with shapely.make_valid") as caught:
        lsoas = load_lsoas(data, 2011)
    repaired = lsoas.attrs["repaired"]
    assert sorted(note.split("'")[1] for note in repaired) == invalid
    assert all(code in str(caught[0].message) for code in invalid)
    assert lsoas.geometry.is_valid.all() and len(lsoas) == len(published)
