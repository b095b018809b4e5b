"""The needs assessment outside London: Bristol's risk-factor table and violence trend from
police.uk, the Census and IMD, against plain pandas sums of the same files, compared with the
Avon and Somerset force area."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import BRISTOL, FORCE_LADS, LOOKUP_2024, SHARED_DATA, _require

from scpb_analysis.blocks.needs_assessment import (
    area_risk_factor_table,
    check_needs_table,
    violence_trend,
)
from scpb_analysis.core.rounding import round_half_up
from scpb_analysis.sources.la_population import la_population, lsoa_ward_lad_lookup
from scpb_analysis.sources.population import lsoa_population

CENSUS = SHARED_DATA / "population" / "census2021-ts007a-lsoa.csv"


@pytest.fixture(scope="module")
def census():
    """Census 2021 residents by LSOA with the 2024 lookup's local authority, plain pandas."""
    _require(CENSUS)
    table = pd.read_csv(CENSUS, dtype={"geography code": str})
    lookup = pd.read_csv(_require(LOOKUP_2024), dtype=str, encoding="utf-8-sig")
    return table.merge(lookup[["LSOA21CD", "LAD24CD"]], left_on="geography code",
                       right_on="LSOA21CD")


@pytest.fixture(scope="module")
def risk(avon):
    return area_risk_factor_table(avon, "2024-06", la_population=la_population(SHARED_DATA),
                                  lsoa_population=lsoa_population(SHARED_DATA),
                                  lookup=lsoa_ward_lad_lookup(SHARED_DATA, 2024)
                                  ).set_index("measure")


def _count(raw, lads, crime_type, start, end):
    keep = (raw["LAD"].isin(lads) & (raw["Crime type"] == crime_type)
            & raw["Month"].between(start, end))
    return int(keep.sum())


def test_bristol_counts_and_rates_against_the_force_area(risk, plain, census):
    raw, _ = plain
    people = census.groupby("LAD24CD")["Age: Total"].sum()
    row = risk.loc["Violence and sexual offences: offences"]
    assert row["borough_value"] == _count(raw, {BRISTOL}, "Violence and sexual offences",
                                          "2023-07", "2024-06") == 22_153
    # The files start in January 2023: the 12 months before are named as not available.
    assert row["comparator_value"].startswith("not available — needs police.uk street-level "
                                              "crime of Avon and Somerset Constabulary covering "
                                              "July 2022 to June 2023")
    for crime_type, label in (("Violence and sexual offences", "Violence and sexual offences"),
                              ("Robbery", "Robbery"),
                              ("Possession of weapons", "Possession of weapons")):
        rate = risk.loc[f"{label}: offences per 1,000 residents"]
        mine = _count(raw, {BRISTOL}, crime_type, "2023-07", "2024-06")
        force = _count(raw, FORCE_LADS, crime_type, "2023-07", "2024-06")
        assert rate["borough_value"] == round_half_up(mine / people[BRISTOL] * 1000, 2)
        assert rate["comparator_value"] == round_half_up(
            force / people[list(FORCE_LADS)].sum() * 1000, 2)
        assert rate["comparator"] == ("Avon and Somerset Constabulary area (5 local "
                                      "authorities)")
    asb = risk.loc["Anti-social behaviour: incidents"]
    assert asb["borough_value"] == _count(raw, {BRISTOL}, "Anti-social behaviour", "2023-07",
                                          "2024-06")


def test_bristol_age_shares_from_the_census(risk, census):
    bands = ["Age: Aged 10 to 14 years", "Age: Aged 15 to 19 years", "Age: Aged 20 to 24 years"]
    for codes, column in (({BRISTOL}, "borough_value"), (FORCE_LADS, "comparator_value")):
        part = census[census["LAD24CD"].isin(codes)]
        expected = round_half_up(part[bands].sum().sum() / part["Age: Total"].sum() * 100, 1)
        assert risk.loc["Residents aged 10 to 24: % of all residents", column] == expected


def test_every_cell_is_computed_or_names_what_is_needed(risk):
    table = risk.reset_index()
    assert check_needs_table(table) == []
    assert "GLA" not in " ".join(table["source"]) and "MOPAC" not in " ".join(
        table["borough_value"].astype(str))
    assert (table.loc[table["status"] == "computed", "comparator"].str.contains(
        "Avon and Somerset|previous 12 months")).all()


def test_bristol_violence_trend_counts_each_month(avon, plain):
    raw, _ = plain
    trend = violence_trend(avon.table, "Bristol, City of", "2024-06",
                           indicator="violence_and_sexual_offences")
    monthly = trend.monthly.set_index(trend.monthly["month"].astype(str))["count"]
    expected = (raw[(raw["LAD"] == BRISTOL) & (raw["Crime type"] == "Violence and sexual "
                                                                    "offences")]
                .groupby("Month").size())
    assert monthly.to_dict() == expected[expected.index <= "2024-06"].to_dict()
    assert trend.notes == ["The data hold Violence and sexual offences for Bristol, City of from "
                           "January 2023, not January 2018."]


def test_a_month_without_a_file_is_never_counted_as_zero_by_deprivation():
    from scpb_analysis.blocks.needs_assessment import violence_by_deprivation
    from scpb_analysis.core.errors import CoverageError

    months = [m for m in pd.period_range("2023-03", "2024-02", freq="M")
              if m != pd.Period("2023-08", "M")]
    points = pd.DataFrame({"month": months, "lsoa_code": "L1",
                           "crime_type": "Violence and sexual offences"})
    lsoas = pd.DataFrame({"lsoa_code": ["L1"]})
    wards = pd.DataFrame({"month": months, "area_code": "W1",
                          "indicator": "violence_and_sexual_offences", "count": 1})
    with pytest.raises(CoverageError, match="missing months: August 2023$"):
        violence_by_deprivation("Bristol, City of", "2024-02", points=points, lsoas=lsoas,
                                ward_crime=wards, indicator="violence_and_sexual_offences")


def test_each_crime_type_by_deprivation_adds_up_to_the_plain_counts(avon, plain):
    from scpb_analysis.blocks.needs_assessment import types_by_deprivation
    from scpb_analysis.core.errors import CoverageError
    from scpb_analysis.pack.data import open_pack_data

    raw, _ = plain
    lsoas = open_pack_data(SHARED_DATA, "Bristol, City of", "2024-06",
                           cache_dir=None).lsoa_deprivation()
    table = types_by_deprivation(avon.table, "Bristol, City of", "2024-06", lsoas=lsoas,
                                 indicators=["violence_and_sexual_offences", "drugs"])
    most = set(lsoas.loc[lsoas["borough_quintile"] == 1, "lsoa_code"])
    for indicator, crime_type in (("violence_and_sexual_offences",
                                   "Violence and sexual offences"), ("drugs", "Drugs")):
        mine = raw[(raw["LAD"] == BRISTOL) & (raw["Crime type"] == crime_type)
                   & raw["Month"].between("2023-07", "2024-06")]
        rows = table[table["indicator"] == indicator].set_index("group")["count"]
        assert rows["most deprived quintile"] == mine["LSOA code"].isin(most).sum()
        assert rows["most deprived quintile"] + rows["rest of Bristol, City of"] == len(mine)
    with pytest.raises(CoverageError, match="July 2024 to August 2024"):
        types_by_deprivation(avon.table, "Bristol, City of", "2024-09", lsoas=lsoas,
                             indicators=["drugs"])
