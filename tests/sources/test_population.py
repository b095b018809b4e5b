"""Population loaders: Census 2021 and mid-year estimates by LSOA, summed to wards.

Real-data tests read ../shared/data (skipped if absent) and check against independent sums
made here with plain pandas from the raw CSVs; bad-input tests use tiny files written here.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import SHARED_DATA, _require
from parquet_copies import lower_case, write_copy

from scpb_analysis.core.errors import InputDataError
from scpb_analysis.geo.ward_profiles import ward_population
from scpb_analysis.reference.wards import ward_reference
from scpb_analysis.sources.population import POPULATION_SOURCES, lsoa_population

CENSUS = "population/census2021-ts007a-lsoa.csv"
MID2020 = "population/london-mid2020-pop_LSOA11.csv"
WD22_LOOKUP = "lookups/barnet_LSOA21_to_WD22_lsoa_ward.csv"
WD24_LOOKUP = "lookups/LSOA_(2021)_to_Electoral_Ward_(2024)_to_LAD_(2024)_Best_Fit_Lookup_in_EW.csv"
BARNET_LSOA_TOTAL = 389_365   # sum of Barnet's 220 LSOAs in TS007A
BARNET_PUBLISHED = 389_344    # ONS borough-level Census 2021 figure


@pytest.fixture(scope="module")
def data():
    for part in (CENSUS, MID2020, WD22_LOOKUP, "boundaries"):
        _require(SHARED_DATA / part)
    return SHARED_DATA


@pytest.fixture(scope="module")
def census_raw(data):
    raw = pd.read_csv(data / CENSUS)
    return raw[raw["geography"].str.startswith("Barnet ")].set_index("geography code")


@pytest.fixture(scope="module")
def wards_2022(data):
    return ward_population(data, "Barnet")


@pytest.fixture(scope="module")
def wards_2014(data):
    return ward_population(data, "Barnet", scheme="2014")


# ---------------------------------------------------------------------------------------------
# LSOAs


def test_barnet_census_lsoas_match_the_raw_file(data, census_raw):
    pop = lsoa_population(data, "Barnet")
    assert len(pop) == 220 and pop["lsoa_code"].is_monotonic_increasing
    assert int(pop["population"].sum()) == BARNET_LSOA_TOTAL
    # LSOA counts are perturbed independently, so their sum drifts from the published total.
    assert abs(BARNET_LSOA_TOTAL - BARNET_PUBLISHED) <= 0.0001 * BARNET_PUBLISHED
    pop = pop.set_index("lsoa_code")
    assert (pop["population"] == census_raw.loc[pop.index, "Age: Total"]).all()
    assert (pop["age_0_4"] == census_raw.loc[pop.index, "Age: Aged 4 years and under"]).all()
    assert (pop["age_85_plus"]
            == census_raw.loc[pop.index, "Age: Aged 85 years and over"]).all()
    teen = ["Age: Aged 10 to 14 years", "Age: Aged 15 to 19 years", "Age: Aged 20 to 24 years"]
    assert (pop["age_10_24"] == census_raw.loc[pop.index, teen].sum(axis=1)).all()
    young = ["Age: Aged 4 years and under", "Age: Aged 5 to 9 years", *teen]
    assert (pop["age_under_25"] == census_raw.loc[pop.index, young].sum(axis=1)).all()
    assert set(pop["vintage"]) == {"Census 2021"} and set(pop["geography"]) == {"LSOA 2021"}
    assert "TS007A" in pop["source"].iloc[0]


def test_census_bands_tile_the_total(data):
    pop = lsoa_population(data, "Barnet")
    fives = [f"age_{lo}_{lo + 4}" for lo in range(0, 85, 5)] + ["age_85_plus"]
    assert (pop[fives].sum(axis=1) == pop["population"]).all()
    broad = ["age_0_9", "age_10_24", "age_25_64", "age_65_plus"]
    assert (pop[broad].sum(axis=1) == pop["population"]).all()


def test_mid2020_estimates_keep_published_bands(data):
    raw = pd.read_csv(data / MID2020)
    raw = raw[raw["LAD11NM"] == "Barnet"]
    pop = lsoa_population(data, "Barnet", source="mid2020")
    assert len(pop) == len(raw) == 211
    assert int(pop["population"].sum()) == int(raw["Persons_All-Ages"].sum())
    bands = ["age_0_15", "age_16_29", "age_30_44", "age_45_64", "age_65_plus"]
    assert [c for c in pop.columns if c.startswith("age_")] == bands
    assert (pop[bands].sum(axis=1) == pop["population"]).all()
    assert set(pop["vintage"]) == {"ONS mid-2020 estimates"}
    assert set(pop["geography"]) == {"LSOA 2011"}
    assert POPULATION_SOURCES["mid2020"].lsoa_year == 2011


# ---------------------------------------------------------------------------------------------
# Wards


def test_barnet_2022_wards_sum_to_the_borough(wards_2022):
    assert len(wards_2022) == 24
    assert int(wards_2022["population"].sum()) == BARNET_LSOA_TOTAL
    assert int(wards_2022["lsoas"].sum()) == 220
    ref = ward_reference("Barnet", "2022")
    assert sorted(wards_2022["ward_code"]) == sorted(ref["ward_code"])
    assert set(wards_2022["ward_name"]) == set(ref["ward_name"])
    assert "Totteridge and Woodside" in set(wards_2022["ward_name"])
    assert wards_2022["ward_name"].is_monotonic_increasing


def test_ward_age_bands_sum_to_the_total(wards_2022):
    fives = [f"age_{lo}_{lo + 4}" for lo in range(0, 85, 5)] + ["age_85_plus"]
    assert (wards_2022[fives].sum(axis=1) == wards_2022["population"]).all()
    assert (wards_2022["age_under_25"]
            == wards_2022[["age_0_9", "age_10_24"]].sum(axis=1)).all()


def test_2022_wards_equal_an_independent_lookup_sum(data, census_raw, wards_2022):
    lookup = pd.read_csv(data / WD22_LOOKUP, encoding="utf-8-sig")
    expected = (census_raw["Age: Total"].rename_axis("LSOA21CD").reset_index()
                .merge(lookup, on="LSOA21CD").groupby("WD22CD")["Age: Total"].sum())
    got = wards_2022.set_index("ward_code")["population"]
    pd.testing.assert_series_equal(got.sort_index(), expected.sort_index(),
                                   check_names=False, check_dtype=False)


def test_2022_wards_say_how_they_were_made(wards_2022):
    method = wards_2022["method"].iloc[0]
    assert "best-fit lookup" in method and "barnet_LSOA21_to_WD22_lsoa_ward.csv" in method
    assert set(wards_2022["vintage"]) == {"Census 2021"}
    assert set(wards_2022["scheme"]) == {"2022"}


def test_falls_back_to_the_2024_lookup(data, tmp_path, wards_2022):
    # A folder holding only the Census table and the WD24 lookup (links, not copies).
    _require(data / WD24_LOOKUP)
    for part in (CENSUS, WD24_LOOKUP):
        target = tmp_path / part
        target.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(data / part, target)
    wards = ward_population(tmp_path, "Barnet")
    assert "ward (2024) best-fit lookup" in wards["method"].iloc[0]
    assert "checked against the package list" in wards["method"].iloc[0]
    pd.testing.assert_frame_equal(
        wards.drop(columns=["method"]), wards_2022.drop(columns=["method"]))


def test_barnet_2014_wards(wards_2014):
    assert len(wards_2014) == 21
    assert int(wards_2014["population"].sum()) == BARNET_LSOA_TOTAL
    assert sorted(wards_2014["ward_code"]) == sorted(ward_reference("Barnet", "2014")["ward_code"])
    assert "representative point" in wards_2014["method"].iloc[0]


def test_2014_wards_equal_an_independent_point_in_polygon_sum(data, census_raw, wards_2014):
    gpd = pytest.importorskip("geopandas")
    lsoas = gpd.read_file(data / "boundaries/lsoa-2021-london/london_lsoa.gpkg")
    code = next(c for c in lsoas.columns if c.lower() == "lsoa21cd")
    lsoas = lsoas[lsoas[code].isin(census_raw.index)].to_crs(27700)
    wards = gpd.read_file(data / "boundaries/statistical-gis-boundaries-london/London_Ward.shp")
    wards = wards[wards["BOROUGH"] == "Barnet"].set_crs(27700, allow_override=True)
    points = gpd.GeoDataFrame({"lsoa": lsoas[code]}, geometry=lsoas.representative_point(),
                              crs=27700)
    joined = gpd.sjoin(points, wards[["GSS_CODE", "geometry"]], predicate="within")
    assert len(joined) == 220
    expected = joined.assign(pop=joined["lsoa"].map(census_raw["Age: Total"])).groupby(
        "GSS_CODE")["pop"].sum()
    got = wards_2014.set_index("ward_code")["population"]
    assert got.sort_index().tolist() == expected.sort_index().tolist()


def test_2014_wards_from_mid_year_estimates(data):
    wards = ward_population(data, "Barnet", scheme="2014", source="mid2019")
    raw = pd.read_csv(data / "population/london-mid2019-pop_LSOA11.csv")
    assert len(wards) == 21
    assert int(wards["population"].sum()) == int(
        raw.loc[raw["LAD11NM"] == "Barnet", "Persons_All-Ages"].sum())
    assert "LSOAs (2011)" in wards["method"].iloc[0]
    assert set(wards["vintage"]) == {"ONS mid-2019 estimates"}


# ---------------------------------------------------------------------------------------------
# Bad input (tiny files written here)

_HEADER = ("date,geography,geography code,Age: Total,Age: Aged 4 years and under,"
           "Age: Aged 5 to 9 years,Age: Aged 10 years and over")


def _census(tmp_path, *rows: str):
    (tmp_path / "ts007a.csv").write_text("\n".join([_HEADER, *rows]) + "\n", encoding="utf-8")
    return tmp_path


def test_tiny_census_file_reads_with_its_own_bands(tmp_path):
    folder = _census(tmp_path, "2021,Barnet 001A,E01000001,10,2,3,5",
                     "2021,Barnet 001B,E01000002,7,1,1,5")
    pop = lsoa_population(folder, "Barnet")
    assert pop[["age_0_4", "age_5_9", "age_10_plus", "age_0_9"]].to_numpy().tolist() == [
        [2, 3, 5, 5], [1, 1, 5, 2]]
    assert "age_10_24" not in pop  # the bands cannot make it


def test_bad_count_names_file_row_and_column(tmp_path):
    folder = _census(tmp_path, "2021,Barnet 001A,E01000001,10,2,3,5",
                     "2021,Barnet 001B,E01000002,7,1,x,5")
    with pytest.raises(InputDataError) as err:
        lsoa_population(folder)
    assert err.value.row == 3 and err.value.column == "Age: Aged 5 to 9 years"
    assert "ts007a.csv" in str(err.value) and "'x' is not a population count" in str(err.value)


def test_bands_that_do_not_add_up_are_an_error(tmp_path):
    folder = _census(tmp_path, "2021,Barnet 001A,E01000001,11,2,3,5")
    with pytest.raises(InputDataError, match="add up to 10 but the total is 11"):
        lsoa_population(folder)


def test_duplicate_lsoa_is_an_error(tmp_path):
    folder = _census(tmp_path, "2021,Barnet 001A,E01000001,10,2,3,5",
                     "2021,Barnet 001A,E01000001,10,2,3,5")
    with pytest.raises(InputDataError, match="appears again"):
        lsoa_population(folder)


def test_missing_sources_are_clear(tmp_path):
    with pytest.raises(InputDataError, match="no Census 2021 age-by-LSOA table"):
        lsoa_population(tmp_path)
    with pytest.raises(InputDataError, match="no mid-2020 population estimates"):
        lsoa_population(tmp_path, source="mid2020")
    with pytest.raises(ValueError, match="expected one of census2021, mid2019, mid2020"):
        lsoa_population(tmp_path, source="census2011")


def test_borough_missing_from_the_file(tmp_path):
    folder = _census(tmp_path, "2021,Barnet 001A,E01000001,10,2,3,5")
    with pytest.raises(InputDataError, match="has no LSOAs of Camden"):
        lsoa_population(folder, "Camden")


def test_ward_assignment_must_cover_the_same_lsoas(tmp_path):
    folder = _census(tmp_path, "2021,Barnet 001A,E01000001,10,2,3,5",
                     "2021,Barnet 001B,E01000002,7,1,1,5")
    (tmp_path / "lookup.csv").write_text(
        "LSOA21CD,LSOA21NM,WD22CD,WD22NM\nE01000001,Barnet 001A,E05013628,Barnet Vale\n",
        encoding="utf-8")
    # The population file is checked against the lookup before any ward is summed.
    with pytest.raises(InputDataError, match=r"ts007a.csv: holds 1 LSOA\(s\) of Barnet that "
                                             r"lookup.csv does not list \(E01000002\)"):
        ward_population(folder, "Barnet")
    with pytest.raises(InputDataError,
                       match=r"lacks 1 of the 3 LSOAs lookup.csv lists for Barnet \(E01000003\)"):
        (tmp_path / "lookup.csv").write_text(
            "LSOA21CD,LSOA21NM,WD22CD,WD22NM\nE01000001,Barnet 001A,E05013628,Barnet Vale\n"
            "E01000002,Barnet 001B,E05013628,Barnet Vale\nE01000003,Barnet 001C,E05013628,"
            "Barnet Vale\n", encoding="utf-8")
        lsoa_population(folder, "Barnet")


def test_counts_with_thousands_separators_are_read(tmp_path):
    folder = _census(tmp_path, '2021,Barnet 001A,E01000001,"1,010",2,3,"1,005"')
    assert lsoa_population(folder)["population"].tolist() == [1010]
    assert np.issubdtype(lsoa_population(folder)["population"].dtype, np.integer)


# ---------------------------------------------------------------------------------------------
# A re-sharer's Parquet copies (written here from the real CSVs, column names re-spelled)

_PARQUET_LAYOUT = "(Parquet copy, column names re-spelled)"


def _two_boroughs(frame: pd.DataFrame) -> pd.Series:
    return frame["geography"].str.startswith(("Barnet ", "Enfield "))


@pytest.fixture(scope="module")
def parquet_data(data, tmp_path_factory):
    """A data folder like the real one holding only snake_case Parquet copies: the Census
    table (Barnet's and Enfield's LSOAs) and the Barnet LSOA-to-May-2022-ward lookup."""
    folder = tmp_path_factory.mktemp("parquet-data")
    census = write_copy(data / CENSUS, folder / "population/census2021-ts007a-lsoa.parquet",
                        rows=_two_boroughs)
    assert "age_aged_4_years_and_under" in census and census["age_total"].dtype == np.int64
    lookup = write_copy(data / WD22_LOOKUP, folder / "lookups/barnet_lsoa21_to_wd22.parquet")
    assert {"lsoa21cd", "wd22cd", "wd22nmw"} <= set(lookup.columns)
    return folder


@pytest.mark.parametrize("borough", ["Barnet", "Enfield"])
def test_census_parquet_copy_gives_the_csv_table(data, parquet_data, borough):
    from_csv = lsoa_population(data, borough)
    from_parquet = lsoa_population(parquet_data, borough)
    pd.testing.assert_frame_equal(from_parquet.drop(columns="source"),
                                  from_csv.drop(columns="source"))
    assert from_csv["source"].iloc[0].endswith(
        "(census2021-ts007a-lsoa.csv, recognised as Census 2021 TS007A (CSV))")
    assert from_parquet["source"].iloc[0].endswith(
        "(census2021-ts007a-lsoa.parquet, recognised as Census 2021 TS007A "
        f"{_PARQUET_LAYOUT})")
    named = lsoa_population(parquet_data / "population/census2021-ts007a-lsoa.parquet", borough)
    pd.testing.assert_frame_equal(named, from_parquet)
    raw = pd.read_csv(data / CENSUS, usecols=["geography", "Age: Total"])
    expected = raw.loc[raw["geography"].str.startswith(f"{borough} "), "Age: Total"]
    assert len(from_parquet) == len(expected)
    assert int(from_parquet["population"].sum()) == int(expected.sum())


def test_ward_population_from_parquet_copies(parquet_data, wards_2022):
    wards = ward_population(parquet_data, "Barnet")
    pd.testing.assert_frame_equal(wards.drop(columns=["source", "method"]),
                                  wards_2022.drop(columns=["source", "method"]))
    assert f"Census 2021 TS007A {_PARQUET_LAYOUT}" in wards["source"].iloc[0]
    assert ("barnet_lsoa21_to_wd22.parquet, recognised as ONS best-fit lookup LSOA21CD to "
            f"WD22CD {_PARQUET_LAYOUT}") in wards["method"].iloc[0]
    assert "recognised as ONS best-fit lookup LSOA21CD to WD22CD (CSV)" in \
        wards_2022["method"].iloc[0]


def test_mid_year_parquet_copy_with_lower_case_names(data, tmp_path):
    write_copy(data / MID2020, tmp_path / "population/london-mid2020-pop_lsoa11.parquet",
               rows=lambda f: f["LAD11NM"] == "Barnet", rename=lower_case)
    from_parquet = lsoa_population(tmp_path, "Barnet", source="mid2020")
    from_csv = lsoa_population(data, "Barnet", source="mid2020")
    pd.testing.assert_frame_equal(from_parquet.drop(columns="source"),
                                  from_csv.drop(columns="source"))
    assert from_parquet["source"].iloc[0].endswith(
        f"recognised as ONS mid-year estimates by LSOA (2011) {_PARQUET_LAYOUT})")


def test_the_csv_is_read_where_a_parquet_copy_sits_beside_it(tmp_path):
    folder = _census(tmp_path, "2021,Barnet 001A,E01000001,10,2,3,5")
    pd.read_csv(folder / "ts007a.csv").assign(**{"Age: Total": 11}).to_parquet(
        folder / "ts007a.parquet")  # published names, so not "re-spelled"
    assert lsoa_population(folder)["source"].iloc[0].endswith(
        "(ts007a.csv, recognised as Census 2021 TS007A (CSV))")
    (folder / "ts007a.csv").unlink()
    with pytest.raises(InputDataError, match="add up to 10 but the total is 11"):
        lsoa_population(folder)
    (folder / "ts007a.parquet").write_bytes(
        pd.read_csv(io.StringIO(f"{_HEADER}\n2021,Barnet 001A,E01000001,10,2,3,5\n"))
        .to_parquet())
    assert lsoa_population(folder)["source"].iloc[0].endswith(
        "(ts007a.parquet, recognised as Census 2021 TS007A (Parquet copy))")


@pytest.mark.parametrize("bad", [-3, "x", None])
def test_bad_count_in_a_parquet_copy_names_file_row_and_column(data, tmp_path, bad):
    census = write_copy(data / CENSUS, tmp_path / "census.parquet", rows=_two_boroughs)
    column = "age_aged_5_to_9_years"
    if bad == "x":  # a copy storing the counts as text
        census[column] = census[column].astype(str)
    census.loc[6, column] = bad  # None: a null, in a column then stored as floats
    census.to_parquet(tmp_path / "census.parquet", index=False)
    with pytest.raises(InputDataError) as err:
        lsoa_population(tmp_path)
    # Row 8: the row a spreadsheet of the table would show (header in row 1, data from row 2).
    assert err.value.row == 8 and err.value.column == column
    shown = "" if bad is None else str(bad)
    assert "census.parquet" in str(err.value)
    assert f"'{shown}' is not a population count" in str(err.value)


def test_unreadable_parquet_file_is_named(data, tmp_path):
    target = tmp_path / "population" / "census2021-ts007a-lsoa.parquet"
    write_copy(data / CENSUS, target, rows=_two_boroughs)
    whole = target.read_bytes()
    target.write_bytes(whole[: len(whole) // 2])  # cut short, as a failed download is
    for given in (tmp_path, target):
        with pytest.raises(InputDataError, match="is not a readable Parquet file") as err:
            lsoa_population(given)
        assert Path(err.value.file) == target.resolve()
