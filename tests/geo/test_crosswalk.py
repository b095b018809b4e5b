"""2014 -> 2022 ward crosswalk and re-basing MPS ward series across the May 2022 change.

Real-data tests read ../shared/data (skipped if absent); expected totals are computed here
from the raw MPS CSVs, Census table and ONS lookup with plain pandas. The re-basing rules
(mixed months, unknown codes, bad weights) are checked on small tables made here.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import MPS_WARD, SHARED_DATA, _require
from parquet_copies import link_tree, write_copy

from scpb_analysis.core.errors import InputDataError
from scpb_analysis.geo.crosswalk import lsoa_to_ward, rebase_ward_series, ward_crosswalk
from scpb_analysis.reference.wards import ward_reference

CENSUS = "population/census2021-ts007a-lsoa.csv"
WD22_LOOKUP = "lookups/barnet_LSOA21_to_WD22_lsoa_ward.csv"
FILE_2014 = "MPS Ward Level Crime (most recent 24 months)_202009-202208_wards2014.csv"
FILE_2022 = "MPS Ward Level Crime (most recent 24 months)_202202-202401_wards2022.csv"


@pytest.fixture(scope="module")
def data():
    for part in (CENSUS, WD22_LOOKUP, "boundaries"):
        _require(SHARED_DATA / part)
    return SHARED_DATA


@pytest.fixture(scope="module")
def xw(data):
    return ward_crosswalk(data, "Barnet")


@pytest.fixture(scope="module")
def ward_files():
    return [_require(MPS_WARD / FILE_2014), _require(MPS_WARD / FILE_2022)]


@pytest.fixture(scope="module")
def barnet_table(ward_files):
    from scpb_analysis.sources.mps import read_mps_crime

    table = read_mps_crime(ward_files).table
    return table[table["borough"] == "Barnet"].reset_index(drop=True)


@pytest.fixture(scope="module")
def rebased(barnet_table, xw):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing should be set aside or unmatched
        return rebase_ward_series(barnet_table, xw)


def _raw_monthly(path, minor: str) -> pd.Series:
    """Monthly Barnet totals of one minor category, straight from a wide MPS ward CSV."""
    raw = pd.read_csv(path)
    rows = raw[(raw["LookUp_BoroughName"] == "Barnet") & (raw["MinorText"] == minor)]
    months = [c for c in raw.columns if c.isdigit()]
    totals = rows[months].sum()
    totals.index = pd.PeriodIndex([f"{m[:4]}-{m[4:]}" for m in months], freq="M")
    return totals


# ---------------------------------------------------------------------------------------------
# LSOA -> ward


def test_lsoas_to_2022_wards_by_the_ons_lookup(data):
    placed = lsoa_to_ward(data, "Barnet")
    lookup = pd.read_csv(data / WD22_LOOKUP, encoding="utf-8-sig").set_index("LSOA21CD")
    assert len(placed) == 220 and placed["ward_code"].nunique() == 24
    assert (placed.set_index("lsoa_code")["ward_code"]
            == lookup.loc[placed["lsoa_code"], "WD22CD"]).all()
    assert set(placed["assigned_by"]) == {"ONS best-fit lookup"}
    assert set(placed["ward_name"]) == set(ward_reference("Barnet", "2022")["ward_name"])


def test_lsoas_to_2014_wards_by_representative_point(data):
    placed = lsoa_to_ward(data, "Barnet", "2014")
    assert len(placed) == 220 and placed["ward_code"].nunique() == 21
    assert set(placed["assigned_by"]) == {"representative point"}
    assert "representative point" in placed["method"].iloc[0]


# ---------------------------------------------------------------------------------------------
# Crosswalk


def test_weights_sum_to_one_per_2014_ward(xw):
    assert xw["ward_code_2014"].nunique() == 21 and xw["ward_code_2022"].nunique() == 24
    sums = xw.groupby("ward_code_2014")["weight"].sum()
    assert np.allclose(sums, 1.0, rtol=0, atol=1e-12)
    assert ((xw["weight"] > 0) & (xw["weight"] <= 1)).all()


def test_quality_is_a_share(xw):
    quality = xw.groupby("ward_code_2022")["quality"].agg(["min", "max"])
    assert (quality["min"] == quality["max"]).all()  # one value per 2022 ward
    assert quality["min"].between(0, 1).all()
    whole = xw.groupby("ward_name_2022")["quality"].first()
    # These three 2022 wards are whole 2014 wards (same LSOAs, new codes).
    assert whole[["Brunswick Park", "East Barnet", "East Finchley"]].tolist() == [1.0] * 3
    assert whole.min() < 0.35  # Cricklewood: slices of Childs Hill and Golders Green


def test_quality_by_its_definition(xw):
    pop = xw.groupby("ward_code_2022")["population"].sum()
    weighted = (xw["population"] * xw["weight"]).groupby(xw["ward_code_2022"]).sum()
    got = xw.groupby("ward_code_2022")["quality"].first()
    assert np.allclose(got, weighted / pop)


def test_crosswalk_populations_agree_with_the_census_and_lookup(data, xw):
    census = pd.read_csv(data / CENSUS).set_index("geography code")["Age: Total"]
    lookup = pd.read_csv(data / WD22_LOOKUP, encoding="utf-8-sig")
    expected = lookup.assign(pop=lookup["LSOA21CD"].map(census)).groupby("WD22CD")["pop"].sum()
    got = xw.groupby("ward_code_2022")["population"].sum()
    assert got.sort_index().tolist() == expected.sort_index().tolist()
    assert int(xw["population"].sum()) == 389_365


def test_crosswalk_method_is_stated(xw):
    method = xw["method"].iloc[0]
    assert "Census 2021" in method and "representative point" in method
    assert "best-fit lookup" in method


# ---------------------------------------------------------------------------------------------
# Re-basing the MPS ward series (acceptance check)


@pytest.mark.slow
def test_residential_burglary_joins_into_one_24_ward_series(rebased, ward_files):
    burglary = rebased[rebased["indicator"] == "residential_burglary"]
    wards = burglary.groupby("month")["area_code"].nunique()
    assert len(wards) == 41 and (wards == 24).all()  # 2020-09 .. 2024-01, every month
    assert set(burglary["area_code"]) == set(ward_reference("Barnet", "2022")["ward_code"])
    assert set(burglary["ward_scheme"]) == {"2022"}
    # Newest vintage wins, so 2014 codes (estimated) end in January 2022.
    estimated = burglary.groupby("month")["estimated"].agg(["all", "any"])
    before = estimated.index < pd.Period("2022-02", "M")
    assert estimated.loc[before, "all"].all() and not estimated.loc[~before, "any"].any()
    assert pd.Period("2022-05", "M") in set(burglary["month"])

    old, new = (_raw_monthly(path, "Domestic Burglary") for path in ward_files)
    expected = pd.concat([old[old.index < pd.Period("2022-02", "M")], new])
    got = burglary.groupby("month")["count"].sum()
    assert np.allclose(got.to_numpy(), expected.loc[got.index].to_numpy(), rtol=0, atol=1e-9)


def test_totals_are_conserved_for_every_indicator(rebased, barnet_table):
    before = barnet_table.groupby(["month", "indicator", "measure"])["count"].sum()
    after = rebased.groupby(["month", "indicator", "measure"])["count"].sum()
    assert before.index.equals(after.index)
    assert np.allclose(before.to_numpy(), after.to_numpy(), rtol=0, atol=1e-9)


def test_rebased_rows_are_labelled(rebased):
    assert rebased["count"].dtype == float
    assert set(rebased["ward_scheme"]) == {"2022"}
    estimated = rebased[rebased["estimated"]]
    assert estimated["method"].str.startswith("apportioned from 2014 wards").all()
    assert (rebased.loc[~rebased["estimated"], "method"] == "recorded on 2022 wards").all()
    assert "Totteridge and Woodside" in set(rebased["area_name"])
    keys = ["month", "area_code", "indicator", "measure"]
    assert not rebased.duplicated(keys).any()
    assert rebased[keys].equals(rebased.sort_values(keys)[keys].reset_index(drop=True))


@pytest.mark.slow
def test_apportioned_overlap_months_match_the_mps_2022_wards(ward_files, xw):
    """Benchmark: both files cover Feb-Aug 2022, so the estimate can be checked.

    Apportioning the 2014-ward counts puts 1,486 of 15,957 offences (9.3%) in a different
    2022 ward from the MPS's own 2022-ward counts (population is not where all crime is).
    """
    from scpb_analysis.sources.mps import read_mps_crime

    overlap = pd.period_range("2022-02", "2022-08", freq="M")
    tables = [read_mps_crime([path]).table for path in ward_files]
    old, new = (t[(t["borough"] == "Barnet") & t["month"].isin(overlap)] for t in tables)
    estimate = rebase_ward_series(old, xw).groupby("area_code")["count"].sum()
    actual = new.groupby("area_code")["count"].sum()
    assert int(actual.sum()) == 15_957
    assert (estimate - actual).abs().sum() == pytest.approx(1_486, abs=1)


# ---------------------------------------------------------------------------------------------
# Re-basing rules on small tables

_XW = pd.DataFrame({"ward_code_2014": ["A", "A", "B"], "ward_name_2014": ["a", "a", "b"],
                    "ward_code_2022": ["X", "Y", "Y"], "ward_name_2022": ["x", "y", "y"],
                    "weight": [0.25, 0.75, 1.0]})


def _table(months, codes, counts):
    return pd.DataFrame({"month": pd.PeriodIndex(months, freq="M"), "area_type": "ward",
                         "area_code": codes, "area_name": [c.lower() for c in codes],
                         "borough": "Barnet", "indicator": "robbery", "measure": "offences",
                         "count": counts})


def test_unknown_codes_are_kept_and_reported():
    table = _table(["2022-01", "2022-01"], ["A", "Q"], [4, 5])
    with pytest.warns(UserWarning, match=r"neither the 2014 nor the 2022 scheme \(Q\)"):
        out = rebase_ward_series(table, _XW)
    assert out["count"].sum() == 9
    unmatched = out[out["ward_scheme"] == "unmatched"]
    assert unmatched[["area_code", "count"]].to_numpy().tolist() == [["Q", 5.0]]


def test_mixed_months_keep_the_scheme_in_force():
    table = _table(["2022-03", "2022-03", "2022-03", "2022-06", "2022-06"],
                   ["A", "B", "Y", "B", "Y"], [4, 2, 7, 1, 3])
    with pytest.warns(UserWarning, match="2 row"):
        out = rebase_ward_series(table, _XW)
    assert out.groupby("month")["count"].sum().tolist() == [6.0, 3.0]
    assert out.loc[out["month"] == pd.Period("2022-06", "M"), "estimated"].tolist() == [False]
    aside = out.attrs["set_aside"]
    assert aside["area_code"].tolist() == ["Y", "B"]
    with pytest.warns(UserWarning):
        early = rebase_ward_series(table, _XW, cutover="2022-02")
    assert early.groupby("month")["count"].sum().tolist() == [7.0, 3.0]


def test_bad_crosswalk_weights_are_refused():
    bad = _XW.assign(weight=[0.2, 0.7, 1.0])
    with pytest.raises(ValueError, match="sum to 1 for each 2014 ward; A sums to 0.900000"):
        rebase_ward_series(_table(["2022-01"], ["A"], [1]), bad)
    with pytest.raises(ValueError, match="table has no column"):
        rebase_ward_series(pd.DataFrame({"month": []}), _XW)


def test_source_and_target_must_differ(tmp_path):
    with pytest.raises(ValueError, match="different ward schemes"):
        ward_crosswalk(tmp_path, "Barnet", "2022", "2022")


# ---------------------------------------------------------------------------------------------
# A re-sharer's Parquet copies (written here from the real CSVs, column names re-spelled)

_PARQUET_LAYOUT = "(Parquet copy, column names re-spelled)"


@pytest.fixture(scope="module")
def parquet_data(data, tmp_path_factory):
    """A data folder like the real one: snake_case Parquet copies of the Census table
    (Barnet's LSOAs) and the Barnet ward lookup, and links to the real boundary files."""
    folder = tmp_path_factory.mktemp("parquet-data")
    write_copy(data / CENSUS, folder / "population/census2021-ts007a-lsoa.parquet",
               rows=lambda f: f["geography"].str.startswith("Barnet "))
    write_copy(data / WD22_LOOKUP, folder / "lookups/barnet_lsoa21_to_wd22.parquet")
    link_tree(data / "boundaries", folder / "boundaries")
    return folder


def test_lsoas_to_2022_wards_by_a_parquet_lookup(data, parquet_data):
    from_csv = lsoa_to_ward(data, "Barnet")
    from_parquet = lsoa_to_ward(parquet_data, "Barnet")
    pd.testing.assert_frame_equal(from_parquet.drop(columns="method"),
                                  from_csv.drop(columns="method"))
    assert ("(barnet_lsoa21_to_wd22.parquet, recognised as ONS best-fit lookup LSOA21CD to "
            f"WD22CD {_PARQUET_LAYOUT}: each LSOA") in from_parquet["method"].iloc[0]
    assert ("(barnet_LSOA21_to_WD22_lsoa_ward.csv, recognised as ONS best-fit lookup LSOA21CD "
            "to WD22CD (CSV): each LSOA") in from_csv["method"].iloc[0]


def test_crosswalk_from_parquet_copies(parquet_data, xw):
    got = ward_crosswalk(parquet_data, "Barnet")
    pd.testing.assert_frame_equal(got.drop(columns="method"), xw.drop(columns="method"))
    assert f"WD22CD {_PARQUET_LAYOUT}" in got["method"].iloc[0]


def test_bad_ward_code_in_a_parquet_lookup_names_file_row_and_column(data, tmp_path):
    lookup = write_copy(data / WD22_LOOKUP, tmp_path / "lookup.parquet")
    lookup.loc[4, "wd22cd"] = "E05999999"
    lookup.to_parquet(tmp_path / "lookup.parquet", index=False)
    with pytest.raises(InputDataError, match="ward E05999999 .* is not one of Barnet's 2022 "
                                             "wards") as err:
        lsoa_to_ward(tmp_path, "Barnet")
    assert err.value.row == 6 and err.value.column == "wd22cd"
    assert Path(err.value.file) == (tmp_path / "lookup.parquet").resolve()
