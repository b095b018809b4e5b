"""IMD 2019: reading the workbooks, carrying ranks to 2021 LSOAs, quintiles and rates.

Real-data tests read ../shared/data (skipped if absent) and compare with independent pandas
computations from the raw workbooks and lookups; header and bad-input tests use tiny
workbooks written here.
"""

from __future__ import annotations

import functools
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import SHARED_DATA, _require
from parquet_copies import link_tree, write_copy

from scpb_analysis.core.errors import InputDataError
from scpb_analysis.geo.ward_profiles import ward_deprivation
from scpb_analysis.sources.deprivation import (
    ENGLAND_LSOAS,
    imd_lsoa21,
    load_imd,
    lsoa_deprivation_table,
    national_quantile,
)
from scpb_analysis.stats.deprivation import rate_by_deprivation
from scpb_analysis.stats.rates import crude_rate


@functools.cache
def _lsoas(data: Path) -> pd.DataFrame:
    """Barnet's LSOAs with IMD and residents, as rates by deprivation take them."""
    return lsoa_deprivation_table(data, "Barnet")


FILE1 = "deprivation/File_1_-_IMD2019_Index_of_Multiple_Deprivation.xlsx"
LONDON = "deprivation/ID 2019 for London.xlsx"
EXACT = ("lookups/LSOA_(2011)_to_LSOA_(2021)_to_Local_Authority_District_(2022)_Exact_Fit_"
         "Lookup_for_EW_(V3).csv")
CENSUS = "population/census2021-ts007a-lsoa.csv"
WD22_LOOKUP = "lookups/barnet_LSOA21_to_WD22_lsoa_ward.csv"
POLICEUK = "policeuk/barnet-burglary-policeuk_2010-12_2025-02.csv"


@pytest.fixture(scope="module")
def data():
    for part in (FILE1, LONDON, EXACT, CENSUS, WD22_LOOKUP):
        _require(SHARED_DATA / part)
    return SHARED_DATA


@pytest.fixture(scope="module")
def file1(data):
    raw = pd.read_excel(data / FILE1, sheet_name="IMD2019")
    raw.columns = ["code", "name", "lad_code", "lad_name", "rank", "decile"]
    return raw


@pytest.fixture(scope="module")
def exact(data):
    return pd.read_csv(data / EXACT, encoding="utf-8-sig")


@pytest.fixture(scope="module")
def census(data):
    raw = pd.read_csv(data / CENSUS)
    return raw.set_index("geography code")["Age: Total"]


@pytest.fixture(scope="module")
def imd(data):
    return load_imd(data)


@pytest.fixture(scope="module")
def england(data):
    return imd_lsoa21(data)


@pytest.fixture(scope="module")
def barnet(data):
    return imd_lsoa21(data, "Barnet")


@pytest.fixture(scope="module")
def barnet_ranks(exact, file1):
    """Barnet's 2021 LSOAs with their 2011 LSOA's rank, independently (Barnet has no merges)."""
    rows = exact[exact["LAD22NM"] == "Barnet"].merge(file1, left_on="LSOA11CD",
                                                     right_on="code")
    assert set(rows["CHGIND"]) == {"U", "S"}
    return rows.set_index("LSOA21CD")["rank"]


@pytest.fixture(scope="module")
def burglary_2024(data):
    _require(data / POLICEUK)
    raw = pd.read_csv(data / POLICEUK, usecols=["Month", "LSOA code"])
    raw = raw[raw["Month"].str.startswith("2024")]
    return raw.groupby("LSOA code").size().rename("count").rename_axis("lsoa_code").reset_index()


# ---------------------------------------------------------------------------------------------
# Reading


@pytest.mark.slow
def test_load_imd_reads_all_england(imd, file1):
    assert len(imd) == ENGLAND_LSOAS == len(file1)
    # Ranks run 1 to 32,844; 26 pairs of LSOAs with equal scores share a rank (and the next
    # rank is skipped), as published.
    ranks = imd["imd_rank"]
    assert ranks.min() == 1 and ranks.max() == ENGLAND_LSOAS
    assert ranks.nunique() == ENGLAND_LSOAS - 26
    assert (ranks.rank(method="min") == ranks).all()
    merged = imd.merge(file1, left_on="lsoa11_code", right_on="code")
    assert (merged["imd_rank"] == merged["rank"]).all()
    assert (merged["imd_decile"] == merged["decile"]).all()
    assert imd["lsoa11_code"].is_monotonic_increasing


def test_scores_come_from_the_london_workbook(imd, data):
    london = pd.read_excel(data / LONDON, sheet_name="IMD 2019", usecols="A,E")
    london.columns = ["code", "score"]
    got = imd.set_index("lsoa11_code")["imd_score"]
    assert got.notna().sum() == len(london) == 4835
    assert np.allclose(got.loc[london["code"]].to_numpy(), london["score"].to_numpy())
    assert "ID 2019 for London.xlsx" in imd["source"].iloc[0]


def test_national_deciles_recomputed_from_ranks_equal_the_published(england, exact, file1):
    inherited = england[england["imd_carried"].isin(["unchanged", "split"])]
    parent = exact.drop_duplicates("LSOA21CD").set_index("LSOA21CD")["LSOA11CD"]
    published = file1.set_index("code")["decile"]
    expected = published.loc[parent.loc[inherited["lsoa_code"]]].to_numpy()
    assert (inherited["imd_decile"].to_numpy() == expected).all()
    # The same rule on File 1 itself reproduces every published decile.
    assert (np.ceil(file1["rank"] / (ENGLAND_LSOAS / 10)) == file1["decile"]).all()
    assert (inherited["imd_quintile"].to_numpy() == np.ceil(expected / 2)).all()


def test_merged_lsoas_take_the_mean_rank(england, exact, file1):
    merged = exact[exact["CHGIND"] == "M"].merge(file1, left_on="LSOA11CD", right_on="code")
    expected = merged.groupby("LSOA21CD")["rank"].mean()
    got = england.set_index("lsoa_code").loc[expected.index]
    assert np.allclose(got["imd_rank"], expected)
    assert set(got["imd_carried"]) == {"merged"}
    assert (got["lsoa11_codes"].str.count(";") >= 1).all()


def test_every_english_2021_lsoa_is_carried(england, exact):
    english = exact.loc[exact["LSOA21CD"].str.startswith("E"), "LSOA21CD"].unique()
    assert len(england) == len(english) == 33_755
    assert england["imd_carried"].value_counts().to_dict() == {
        "unchanged": 31_810, "split": 1_842, "merged": 97, "irregular": 6}


# ---------------------------------------------------------------------------------------------
# Borough quintiles


def test_barnet_borough_quintiles_have_44_lsoas_each(barnet, barnet_ranks):
    assert len(barnet) == 220 and set(barnet["borough_lsoas"]) == {220}
    assert barnet["borough_quintile"].value_counts().sort_index().tolist() == [44] * 5
    assert barnet["borough_decile"].value_counts().sort_index().tolist() == [22] * 10
    most = set(barnet_ranks.sort_values().index[:44])
    assert set(barnet.loc[barnet["borough_quintile"] == 1, "lsoa_code"]) == most


def test_split_lsoas_share_a_rank_and_a_quintile(barnet):
    split = barnet[barnet["imd_carried"] == "split"]
    assert len(split) == 15
    for _, parts in split.groupby("lsoa11_codes"):
        assert parts["imd_rank"].nunique() == 1 and parts["borough_quintile"].nunique() == 1


def test_national_quantile_rule():
    assert national_quantile([6568, 6569], 5).tolist() == [1, 2]
    assert national_quantile([32844], 10).tolist() == [10]


# ---------------------------------------------------------------------------------------------
# Rates by deprivation


def _independent_rates(counts, census, barnet_ranks, most):
    per_lsoa = counts.groupby("lsoa_code")["count"].sum().reindex(barnet_ranks.index,
                                                                  fill_value=0)
    pop = census.loc[barnet_ranks.index]
    inside = barnet_ranks.index.isin(most)
    return [(per_lsoa[inside].sum(), pop[inside].sum()),
            (per_lsoa[~inside].sum(), pop[~inside].sum())]


def test_most_deprived_fifth_against_the_rest(data, burglary_2024, census, barnet_ranks):
    out = rate_by_deprivation(burglary_2024, _lsoas(data), "Barnet")
    most = set(barnet_ranks.sort_values().index[:44])
    (c1, p1), (c2, p2) = _independent_rates(burglary_2024, census, barnet_ranks, most)
    assert out["group"].tolist() == ["most deprived quintile", "rest of Barnet"]
    assert out["count"].tolist() == [c1, c2] and out["population"].tolist() == [p1, p2]
    assert out["count"].sum() == burglary_2024["count"].sum()  # every count is placed
    assert np.allclose(out["value"], [c1 / p1 * 1000, c2 / p2 * 1000])
    limits = crude_rate([c1, c2], [p1, p2])
    assert np.allclose(out[["lower", "upper"]], limits[["lower", "upper"]])
    assert out["rate_ratio"].iloc[0] == pytest.approx((c1 / p1) / (c2 / p2))
    assert out["ratio_lower"].iloc[0] < out["rate_ratio"].iloc[0] < out["ratio_upper"].iloc[0]
    assert out["definition"].tolist() == [
        "LSOAs (2021) in the most deprived fifth of Barnet's 220 LSOAs by IMD 2019 rank "
        "(44 LSOAs), carried from 2011 LSOAs through the ONS exact-fit lookup; population "
        "Census 2021",
        "the other 176 of Barnet's 220 LSOAs (2021), outside that group; population Census "
        "2021",
    ]


def test_national_basis(data, burglary_2024, census, barnet_ranks):
    out = rate_by_deprivation(burglary_2024, _lsoas(data), "Barnet",
                              quintile_basis="national",
                              multiplier=100_000)
    most = set(barnet_ranks[barnet_ranks <= ENGLAND_LSOAS / 5].index)
    assert len(most) == 7
    (c1, p1), (c2, p2) = _independent_rates(burglary_2024, census, barnet_ranks, most)
    assert np.allclose(out["value"], [c1 / p1 * 1e5, c2 / p2 * 1e5])
    assert out["definition"].iloc[0] == (
        "LSOAs (2021) of Barnet in England's most deprived fifth by IMD 2019 rank (national "
        "quintile 1: rank 1 to 6,568 of 32,844; 7 of Barnet's 220 LSOAs), carried from 2011 "
        "LSOAs through the ONS exact-fit lookup; population Census 2021")


def test_zero_counts_are_fine(data, barnet_ranks):
    out = rate_by_deprivation(pd.DataFrame({"lsoa_code": [], "count": []}), _lsoas(data),
                              "Barnet")
    assert out["count"].tolist() == [0, 0] and out["value"].tolist() == [0.0, 0.0]
    assert (out["upper"] > 0).all() and math.isnan(out["rate_ratio"].iloc[0])
    most = barnet_ranks.sort_values().index[0]
    only = rate_by_deprivation(pd.DataFrame({"lsoa_code": [most], "count": [3]}), _lsoas(data),
                               "Barnet")
    assert only["rate_ratio"].iloc[0] == math.inf and only["ratio_lower"].iloc[0] > 0


def test_counts_outside_the_borough_are_refused(data):
    counts = pd.DataFrame({"lsoa_code": ["E01000001", "E01000125"], "count": [1, 2]})
    with pytest.raises(ValueError, match="not Barnet's 2021 LSOAs: E01000001, E01000125; "
                                         "some are 2011 LSOAs"):
        rate_by_deprivation(counts, _lsoas(data), "Barnet")
    with pytest.raises(ValueError, match="whole numbers of 0 or more"):
        rate_by_deprivation(pd.DataFrame({"lsoa_code": ["E01000115"], "count": [-1]}),
                            _lsoas(data),
                            "Barnet")
    with pytest.raises(ValueError, match="quintile_basis"):
        rate_by_deprivation(counts, _lsoas(data), "Barnet", quintile_basis="ward")


# ---------------------------------------------------------------------------------------------
# Wards


def test_ward_deprivation(data, census, barnet_ranks):
    wards = ward_deprivation(data, "Barnet")
    assert len(wards) == 24 and int(wards["population"].sum()) == 389_365
    assert wards["share_most_deprived"].between(0, 1).all()
    lookup = pd.read_csv(data / WD22_LOOKUP, encoding="utf-8-sig").set_index("LSOA21CD")
    frame = pd.DataFrame({"rank": barnet_ranks, "pop": census.loc[barnet_ranks.index],
                          "ward": lookup.loc[barnet_ranks.index, "WD22CD"]})
    frame["deprived_pop"] = frame["pop"].where(frame["rank"] <= ENGLAND_LSOAS / 5, 0)
    frame["rank_pop"] = frame["rank"] * frame["pop"]
    sums = frame.groupby("ward")[["pop", "deprived_pop", "rank_pop"]].sum()
    got = wards.set_index("ward_code").loc[sums.index]
    assert np.allclose(got["share_most_deprived"], sums["deprived_pop"] / sums["pop"])
    assert np.allclose(got["mean_imd_rank"], sums["rank_pop"] / sums["pop"])
    assert int(wards["population_most_deprived"].sum()) == int(frame["deprived_pop"].sum())


# ---------------------------------------------------------------------------------------------
# Workbook layouts (tiny workbooks written here)


def _workbook(path, rows, sheet="IMD2019"):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    book.active.title = "Notes"
    book.active.append(["English Indices of Deprivation 2019"])
    sheet = book.create_sheet(sheet)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


_HEADER = ["LSOA code (2011)", "LSOA name (2011)", "Local Authority District code (2019)",
           "Local Authority District name (2019)",
           "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)",
           "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)"]


def test_title_rows_and_header_variants(tmp_path):
    _workbook(tmp_path / "imd.xlsx", [
        ["English Indices of Deprivation 2019"], [], ["Source: MHCLG"], _HEADER,
        ["E01000001", "City of London 001A", "E09000001", "City of London", 29199, 9],
        ["E01000002", "City of London 001B", "E09000001", "City of London", 30379, 10],
    ])
    imd = load_imd(tmp_path)
    assert imd[["lsoa11_code", "imd_rank", "imd_decile"]].to_numpy().tolist() == [
        ["E01000001", 29199, 9], ["E01000002", 30379, 10]]
    assert imd["imd_score"].isna().all()


def test_workbook_without_an_imd_header(tmp_path):
    _workbook(tmp_path / "other.xlsx", [["Ward", "Count"], ["Hendon", 3]], sheet="Data")
    with pytest.raises(InputDataError, match=r"holds no IMD 2019 sheet; searched: other.xlsx "
                                             r"\(sheets: Notes, Data\)"):
        load_imd(tmp_path)


def test_bad_rank_names_sheet_row_and_column(tmp_path):
    _workbook(tmp_path / "imd.xlsx", [
        _HEADER, ["E01000001", "City of London 001A", "E09000001", "City of London", 29199, 9],
        ["E01000002", "City of London 001B", "E09000001", "City of London", "n/a", 10],
    ])
    with pytest.raises(InputDataError) as err:
        load_imd(tmp_path)
    assert err.value.row == 3 and "sheet 'IMD2019'" in str(err.value)
    assert err.value.column == _HEADER[4]


# ---------------------------------------------------------------------------------------------
# A re-sharer's Parquet copy of the exact-fit lookup (written here, column names re-spelled)


def _copy_exact_fit(data, folder):
    """snake_case Parquet copy of the lookup's rows for Barnet and Enfield."""
    return write_copy(data / EXACT, folder / "lookups" / "lsoa11_lsoa21_lad22_exact_fit.parquet",
                      rows=lambda f: f["LAD22NM"].isin(["Barnet", "Enfield"]))


def test_imd_from_a_parquet_copy_of_the_lookup(data, barnet, tmp_path):
    lookup = _copy_exact_fit(data, tmp_path)
    assert {"lsoa11cd", "lsoa21cd", "chgind", "lad22nm"} <= set(lookup.columns)
    link_tree(data / "deprivation", tmp_path / "deprivation")
    got = imd_lsoa21(tmp_path, "Barnet")
    pd.testing.assert_frame_equal(got.drop(columns="source"), barnet.drop(columns="source"))
    assert ("(lsoa11_lsoa21_lad22_exact_fit.parquet, recognised as ONS exact-fit lookup "
            "LSOA11CD to LSOA21CD (Parquet copy, column names re-spelled))"
            in got["source"].iloc[0])
    assert "recognised as ONS exact-fit lookup LSOA11CD to LSOA21CD (CSV))" in \
        barnet["source"].iloc[0]


def test_bad_change_indicator_in_a_parquet_lookup_names_file_row_and_column(data, tmp_path):
    lookup = _copy_exact_fit(data, tmp_path)
    lookup.loc[9, "chgind"] = "Q"
    target = tmp_path / "lookups" / "lsoa11_lsoa21_lad22_exact_fit.parquet"
    lookup.to_parquet(target, index=False)
    with pytest.raises(InputDataError, match="change indicator 'Q' is not known") as err:
        imd_lsoa21(tmp_path, "Barnet")
    assert err.value.row == 11 and err.value.column == "chgind"
    assert Path(err.value.file) == target.resolve()
