"""Who is affected (needs assessment): each number recomputed from the raw public files.

Knife injury victims and domestic abuse violence with injury come straight from the MPS
Monthly Crime Dashboard parquet, violence with injury from the MPS borough CSVs, residents
aged 0-24 from the Census 2021 TS007A CSV placed in boroughs by the ONS exact-fit lookup (not
by LSOA name, as the package does), homicide proceedings from the homicide parquet; intervals
from their published formulas with scipy.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import SHARED_DATA

from scpb_analysis.blocks.violence_profile import (
    domestic_abuse_injury_share,
    homicide_proceedings_profile,
    knife_victim_rate,
)
from scpb_analysis.core.errors import InputDataError, MissingSourceError
from scpb_analysis.sources.mps_extracts import read_homicide_proceedings

DASHBOARD = SHARED_DATA / "mps" / "dashboard" / "monthly-crime-dashboard_202108-202507.parquet"
HOMICIDE = SHARED_DATA / "mps" / "homicide" / "homicide.parquet"
TS007A = SHARED_DATA / "population" / "census2021-ts007a-lsoa.csv"
LOOKUP = (SHARED_DATA / "lookups" / "LSOA_(2011)_to_LSOA_(2021)_to_Local_Authority_District_"
          "(2022)_Exact_Fit_Lookup_for_EW_(V3).csv")
# The borough publication each period end's figures are first published in (as the pack
# reads them), and its "most recent 24 months" file with the borough column it uses.
BOROUGH = {
    "2023-05": (SHARED_DATA / "mps" / "borough" / "to-202307",
                "MPS Borough Level Crime (most recent 24 months)_202108-202307.csv",
                "LookUp_BoroughName"),
    "2025-02": (SHARED_DATA / "mps" / "borough" / "to-202502",
                "MPS Borough Level Crime (most recent 24 months)_202303-202502.csv",
                "BoroughName"),
}
BARNET = "E09000003"
CITY = "E09000001"


def _need(*paths: Path) -> None:
    for path in paths:
        if not path.exists():
            pytest.skip(f"real public data not found at {path}: these tests read "
                        "../shared/data beside the repository (or $SCPB_SHARED_DATA)")


def _window(end: str) -> pd.PeriodIndex:
    last = pd.Period(end, "M")
    return pd.period_range(last - 11, last, freq="M")


@pytest.fixture(scope="module")
def dashboard() -> pd.DataFrame:
    _need(DASHBOARD)
    raw = pd.read_parquet(DASHBOARD)
    raw = raw[(raw["area_type"] == "Borough") & raw["area_code"].fillna("").str.startswith("E09")
              & (raw["measure"] == "Offences")]
    return raw.assign(month=raw["month_year"].dt.to_period("M"))


@pytest.fixture(scope="module")
def young() -> pd.Series:
    """Census 2021 residents aged 0-24 by borough code (the 32 MPS boroughs)."""
    _need(TS007A, LOOKUP)
    census = pd.read_csv(TS007A, encoding="utf-8-sig")
    bands = ["Age: Aged 4 years and under", "Age: Aged 5 to 9 years",
             "Age: Aged 10 to 14 years", "Age: Aged 15 to 19 years", "Age: Aged 20 to 24 years"]
    lookup = pd.read_csv(LOOKUP, encoding="utf-8-sig", dtype=str)
    lad = lookup.drop_duplicates("LSOA21CD").set_index("LSOA21CD")["LAD22CD"]
    census["lad"] = census["geography code"].map(lad)
    london = census[census["lad"].str.startswith("E09", na=False) & (census["lad"] != CITY)]
    out = london.groupby("lad")[bands].sum().sum(axis=1)
    assert len(out) == 32
    return out


_CRIME: dict[str, pd.DataFrame] = {}


def _crime(end: str) -> pd.DataFrame:
    """The tidy table of the publication the pack reads for ``end`` and the extract."""
    folder = BOROUGH[end][0]
    _need(folder, DASHBOARD)
    if end not in _CRIME:
        from scpb_analysis.sources.mps import read_mps_crime_for_period

        _CRIME[end] = read_mps_crime_for_period([folder, DASHBOARD], end).table
    return _CRIME[end]


@pytest.fixture(scope="module")
def population() -> pd.DataFrame:
    _need(TS007A)
    from scpb_analysis.sources.population import lsoa_population

    return lsoa_population(SHARED_DATA)


def _byar(count: int, level: float = 0.95) -> tuple[float, float]:
    from scipy.stats import norm

    z = norm.ppf(1 - (1 - level) / 2)
    lower = count * (1 - 1 / (9 * count) - z / (3 * math.sqrt(count))) ** 3
    upper = (count + 1) * (1 - 1 / (9 * (count + 1)) + z / (3 * math.sqrt(count + 1))) ** 3
    return lower, upper


def _wilson(x: int, n: int, level: float = 0.95) -> tuple[float, float]:
    from scipy.stats import norm

    z = norm.ppf(1 - (1 - level) / 2)
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


# -- 1. knife injury victims aged 1-24 per 100,000 residents aged 0-24 --------------------


@pytest.mark.parametrize("end", ["2023-05", "2025-02"])
def test_knife_victim_rate_matches_the_raw_files(end, dashboard, young, population):
    from scipy.stats import chi2

    months = _window(end)
    victims = dashboard[(dashboard["crime_subtype"] == "Knife Injury Victims (1-24)")
                        & dashboard["month"].isin(months)]
    by_borough = victims.groupby("area_code")["count"].sum()
    count, london_count = int(by_borough[BARNET]), int(by_borough.sum())
    pop, london_pop = int(young[BARNET]), int(young.sum())

    table = knife_victim_rate(_crime(end), population, "Barnet", end).table
    own, london = table.iloc[0], table.iloc[1]
    print(f"\n{end}: Barnet {count} victims / {pop} aged 0-24; London {london_count} / "
          f"{london_pop}; table {own['value']:.3f} ({own['lower']:.3f}-{own['upper']:.3f}) "
          f"{own['comparison']}, London {london['value']:.3f}")
    assert (own["area"], london["area"]) == ("Barnet", "London")
    assert (own["count"], own["population"]) == (count, pop)
    assert (london["count"], london["population"]) == (london_count, london_pop)
    assert own["value"] == pytest.approx(count / pop * 1e5, rel=1e-12)
    assert london["value"] == pytest.approx(london_count / london_pop * 1e5, rel=1e-12)
    lower, upper = _byar(count)
    assert (own["lower"], own["upper"]) == pytest.approx((lower / pop * 1e5, upper / pop * 1e5),
                                                         rel=1e-9)
    # Byar's approximation stays within 1% of the exact (chi-square) limits at these counts.
    exact = (chi2.ppf(0.025, 2 * count) / 2, chi2.ppf(0.975, 2 * count + 2) / 2)
    assert (own["lower"] * pop / 1e5, own["upper"] * pop / 1e5) == pytest.approx(exact,
                                                                                 rel=0.01)
    rate = london_count / london_pop * 1e5
    expected = ("Better" if own["upper"] < rate else "Worse" if own["lower"] > rate
                else "Similar")
    assert (own["comparison"], london["comparison"]) == (expected, "comparator")
    assert "residents aged 0-24 stand in for ages 1-24" in own["method"]
    assert own["status"] == london["status"] == "computed"


def test_knife_months_without_a_row_are_named_as_zero(dashboard, population):
    """Barnet months the extract leaves out are read as no victims, and the method says so."""
    end = "2023-05"
    months = _window(end)
    held = set(dashboard.loc[(dashboard["crime_subtype"] == "Knife Injury Victims (1-24)")
                             & (dashboard["area_code"] == BARNET), "month"])
    absent = [m for m in months if m not in held]
    assert absent, "expected Barnet months without a row in the real extract"
    method = knife_victim_rate(_crime(end), population, "Barnet", end).table["method"].iloc[0]
    print(f"\nBarnet months without a row: {absent}")
    assert f"{len(absent)} month{'' if len(absent) == 1 else 's'} with no row for Barnet" in method
    for month in absent:
        assert month.strftime("%B %Y") in method


def test_knife_rate_refuses_months_the_extract_does_not_cover(population):
    """2022-05: the extract starts in August 2021, so June and July 2021 are missing."""
    block = knife_victim_rate(_crime("2023-05"), population, "Barnet", "2022-05")
    for row in block.table.itertuples():
        assert np.isnan(row.value) and pd.isna(row.count)
        assert row.status.startswith("not available")
        assert "June 2021 to July 2021" in row.status
    assert "not available" in block.text


def test_knife_rate_refuses_a_month_dropped_from_the_table(population):
    crime = _crime("2023-05")
    gap = crime[~((crime["indicator"] == "knife_injury_victims_1_24")
                  & (crime["month"] == pd.Period("2023-01", "M")))]
    table = knife_victim_rate(gap, population, "Barnet", "2023-05").table
    assert table["value"].isna().all()
    assert table["status"].str.contains("January 2023").all()


# -- 2. domestic abuse share of violence with injury -------------------------------------


@pytest.mark.parametrize("end", ["2023-05", "2025-02"])
def test_domestic_abuse_share_matches_the_raw_files(end, dashboard):
    folder, name, column = BOROUGH[end]
    months = _window(end)
    da = dashboard[(dashboard["crime_subtype"].str.casefold()
                    == "domestic abuse violence with injury") & dashboard["month"].isin(months)]
    # Offences only: the positive outcomes carry the other spelling.
    assert set(da["crime_subtype"]) == {"Domestic Abuse violence with injury"}
    da_by = da.groupby("area_name")["count"].sum()
    assert len(da_by) == 32
    wide = pd.read_csv(folder / name, encoding="utf-8-sig")
    cols = [m.strftime("%Y%m") for m in months]
    injury = wide[wide["MinorText"].str.casefold() == "violence with injury"]
    vwi_by = injury.groupby(column)[cols].sum().sum(axis=1)
    vwi_by = vwi_by[vwi_by.index.isin(da_by.index)]  # the 32 boroughs: no airports, Unknown
    assert len(vwi_by) == 32
    x, n = int(da_by["Barnet"]), int(vwi_by["Barnet"])
    lx, ln = int(da_by.sum()), int(vwi_by.sum())

    table = domestic_abuse_injury_share(_crime(end), "Barnet", end).table
    own, london = table.iloc[0], table.iloc[1]
    print(f"\n{end}: Barnet {x}/{n} = {x / n:.4f}, London {lx}/{ln} = {lx / ln:.4f}; "
          f"table {own['share']:.4f} ({own['share_lower']:.4f}-{own['share_upper']:.4f}) "
          f"{own['comparison']}")
    assert (own["numerator"], own["denominator"]) == (x, n)
    assert (london["numerator"], london["denominator"]) == (lx, ln)
    assert own["share"] == pytest.approx(x / n, rel=1e-12)
    assert (own["share_lower"], own["share_upper"]) == pytest.approx(_wilson(x, n), rel=1e-9)
    assert (london["share_lower"], london["share_upper"]) == pytest.approx(_wilson(lx, ln),
                                                                           rel=1e-9)
    share = lx / ln
    expected = ("Lower" if own["share_upper"] < share else "Higher"
                if own["share_lower"] > share else "Similar")
    assert own["comparison"] == expected
    assert "MPS Borough Level Crime" in own["source"]
    assert "MPS Monthly Crime Dashboard" in own["source"]


def test_domestic_abuse_share_refuses_uncovered_months():
    table = domestic_abuse_injury_share(_crime("2023-05"), "Barnet", "2022-05").table
    assert table["share"].isna().all()
    assert table["status"].str.contains("June 2021 to July 2021").all()


# -- 3. homicide: persons proceeded against ----------------------------------------------


_GROUPS = {"10 to 14": "10-19", "15 to 19": "10-19", "20 to 24": "20-24", "25 to 29": "25-34",
           "30 to 34": "25-34"}


@pytest.fixture(scope="module")
def raw_homicide() -> pd.DataFrame:
    _need(HOMICIDE)
    raw = pd.read_parquet(HOMICIDE)
    raw = raw[raw["charged_summonsed"] != "Recording Error"]
    return raw.assign(year=pd.to_datetime(raw["proceedings_date"], format="%b-%y").dt.year,
                      group=raw["age_group"].map(_GROUPS).fillna("35 and over"))


@pytest.mark.parametrize(("end", "windows"), [
    ("2023-05", ["2003 to 2007", "2008 to 2012", "2013 to 2017", "2018 to 2022"]),
    # The file ends in March 2024, so 2023 is the latest full year; 2003 is left out.
    ("2025-02", ["2004 to 2008", "2009 to 2013", "2014 to 2018", "2019 to 2023"]),
])
def test_homicide_profile_matches_the_raw_file(end, windows, raw_homicide):
    block = homicide_proceedings_profile(read_homicide_proceedings(HOMICIDE), "Barnet", end)
    table = block.table
    assert list(dict.fromkeys(table["period"])) == windows
    for period in windows:
        start, stop = (int(y) for y in period.split(" to "))
        inside = raw_homicide[raw_homicide["year"].between(start, stop)]
        barnet = inside[inside["borough"] == "Barnet"]
        for group in ["10-19", "20-24", "25-34", "35 and over", "all ages"]:
            row = table[(table["period"] == period) & (table["age_group"] == group)].iloc[0]
            own = barnet if group == "all ages" else barnet[barnet["group"] == group]
            ldn = inside if group == "all ages" else inside[inside["group"] == group]
            for sex, column in (("Male", "male"), ("Female", "female"),
                                ("Unrecorded", "sex_not_recorded")):
                assert row[column] == own.loc[own["gender"] == sex, "count_of_ppa"].sum()
                assert row[f"london_{column}"] == ldn.loc[ldn["gender"] == sex,
                                                          "count_of_ppa"].sum()
            assert row["total"] == own["count_of_ppa"].sum()
            assert row["london_total"] == ldn["count_of_ppa"].sum()
    latest = table[(table["period"] == windows[-1]) & (table["age_group"] == "all ages")].iloc[0]
    print(f"\n{end}: Barnet {windows[-1]}: {latest['total']} proceeded against "
          f"({latest['male']} male, {latest['female']} female); London {latest['london_total']}")
    assert "not victims" in block.text
    assert "recording error" in block.text


def test_homicide_ethnicity_is_never_returned():
    _need(HOMICIDE)
    ppa = read_homicide_proceedings(HOMICIDE.parent)
    table = homicide_proceedings_profile(ppa, "Barnet", "2023-05").table
    for frame in (ppa, table, ppa.attrs["set_aside"]):
        assert not [c for c in frame.columns if "ethnic" in c.lower()]
    assert int(ppa["count"].sum()) == int(pd.read_parquet(HOMICIDE)["count_of_ppa"].sum()) - 1


def _altered(tmp_path: Path, column: str, index: int, value: str) -> Path:
    raw = pd.read_parquet(HOMICIDE)
    raw.loc[index, column] = value
    path = tmp_path / "homicide.parquet"
    raw.to_parquet(path)
    return path


@pytest.mark.parametrize(("column", "value"), [("age_group", "16 to 17"), ("gender", "Other")])
def test_homicide_refuses_unknown_values_naming_the_row(tmp_path, column, value):
    _need(HOMICIDE)
    path = _altered(tmp_path, column, 100, value)
    with pytest.raises(InputDataError) as caught:
        read_homicide_proceedings(path)
    message = str(caught.value)
    assert f"'{value}'" in message and "row 102" in message and f"'{column}'" in message


def test_homicide_refuses_a_missing_column(tmp_path):
    _need(HOMICIDE)
    path = tmp_path / "homicide.parquet"
    pd.read_parquet(HOMICIDE).drop(columns=["age_group"]).to_parquet(path)
    with pytest.raises(InputDataError, match="lacks column.*age_group"):
        read_homicide_proceedings(path)


def test_homicide_profile_refuses_a_band_no_group_holds():
    ppa = pd.DataFrame({"month": pd.period_range("2018-01", "2022-12", freq="M"),
                        "borough": "Barnet", "sex": "male", "age_group": "16 to 20",
                        "age_from": 16, "age_to": 20, "count": 1, "row": 7})
    with pytest.raises(ValueError, match="row 7: age group '16 to 20'"):
        homicide_proceedings_profile(ppa, "Barnet", "2023-05")
    with pytest.raises(ValueError, match="row 7: sex 'unknown'"):
        homicide_proceedings_profile(ppa.assign(sex="unknown", age_group="20 to 24",
                                                age_from=20, age_to=24), "Barnet", "2023-05")


def test_pack_data_homicide_is_optional(tmp_path):
    from scpb_analysis.pack.data import open_pack_data

    (tmp_path / "mps" / "borough").mkdir(parents=True)
    (tmp_path / "mps" / "borough" / "x.csv").write_text("Borough\n")
    data = open_pack_data(tmp_path, "Barnet", "2023-05", cache_dir=None)
    assert data.optional("homicide_proceedings") is None
    with pytest.raises(MissingSourceError):
        data.homicide_proceedings()
