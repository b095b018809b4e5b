"""Wards of a local authority outside London from the ONS best-fit lookup: Bristol's residents
against plain pandas sums of the Census file, and its ward outlines against the LSOA
boundaries they are made of."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import BRISTOL, LOOKUP_2024, SHARED_DATA, _require

from scpb_analysis.core.errors import InputDataError, MissingSourceError
from scpb_analysis.geo.lookup_wards import lookup_ward_boundaries, lookup_ward_population
from scpb_analysis.sources.boundaries import load_lsoas
from scpb_analysis.sources.la_population import lsoa_ward_lad_lookup
from scpb_analysis.sources.population import lsoa_population

CENSUS = SHARED_DATA / "population" / "census2021-ts007a-lsoa.csv"
AVON_BOUNDARIES = SHARED_DATA / "boundaries" / "avon-and-somerset-ons"


@pytest.fixture(scope="module")
def lookup():
    _require(LOOKUP_2024)
    return lsoa_ward_lad_lookup(SHARED_DATA, 2024)


def test_bristol_ward_residents_are_the_census_lsoas_summed(lookup):
    _require(CENSUS)
    wards = lookup_ward_population(lsoa_population(SHARED_DATA), lookup, BRISTOL)
    plain_lookup = pd.read_csv(LOOKUP_2024, dtype=str, encoding="utf-8-sig")
    plain_lookup = plain_lookup[plain_lookup["LAD24CD"] == BRISTOL]
    census = pd.read_csv(CENSUS, dtype={"geography code": str})
    census = census.merge(plain_lookup, left_on="geography code", right_on="LSOA21CD")
    expected = census.groupby("WD24CD")["Age: Total"].sum()
    got = wards.set_index("ward_code")["population"]
    assert got.sort_index().to_dict() == expected.sort_index().to_dict()
    assert len(wards) == plain_lookup["WD24CD"].nunique() == 34
    assert int(wards["lsoas"].sum()) == len(plain_lookup) == 268
    assert (wards["borough"] == "Bristol, City of").all()
    assert wards["method"].str.contains("LSOA_(2021)_to_Electoral_Ward_(2024)", regex=False).all()


def test_bristol_ward_outlines_are_its_lsoas_joined(lookup):
    _require(AVON_BOUNDARIES)
    codes = lookup.loc[lookup["la_code"] == BRISTOL, "lsoa_code"]
    lsoas = load_lsoas(SHARED_DATA, 2021, codes=codes)
    assert sorted(lsoas["lsoa_code"]) == sorted(codes)
    wards = lookup_ward_boundaries(lsoas, lookup, BRISTOL)
    assert len(wards) == 34 and wards.crs.to_epsg() == 27700
    assert wards.area.sum() == pytest.approx(lsoas.area.sum(), rel=1e-6)
    # Each LSOA lies inside the outline of the ward the lookup puts it in.
    placed = lsoas.merge(lookup[["lsoa_code", "ward_code"]], on="lsoa_code")
    outline = wards.set_index("ward_code").geometry
    inside = [outline[w].buffer(1).contains(g) for w, g in zip(placed["ward_code"],
                                                                 placed.geometry, strict=True)]
    assert all(inside)


def test_an_lsoa_without_a_boundary_or_residents_is_an_error(lookup):
    _require(AVON_BOUNDARIES)
    with pytest.raises(MissingSourceError, match="no boundary for 1 of the 2 LSOAs needed: "
                                                 "E01999999"):
        load_lsoas(SHARED_DATA, 2021, codes=["E01014485", "E01999999"])
    people = pd.DataFrame({"lsoa_code": ["E01014485"], "population": [1500],
                           "source": "x", "vintage": "y"})
    with pytest.raises(InputDataError, match="have no residents in the population table"):
        lookup_ward_population(people, lookup, BRISTOL)
    with pytest.raises(InputDataError, match="places no LSOA in E06999999"):
        lookup_ward_population(people, lookup, "E06999999")
