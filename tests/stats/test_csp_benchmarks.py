"""CSP benchmarks: Bristol's rates and intervals against an independent computation, and the
CSPs whose population the data cannot give refused or noted, never a silent NaN."""

from __future__ import annotations

import csv

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2, norm

from scpb_analysis.core.errors import InputDataError, UnknownAreaError
from scpb_analysis.sources.la_population import la_population
from scpb_analysis.sources.ons_csp import load_csp_crime
from scpb_analysis.stats.csp_benchmarks import csp_benchmarks
from tests.conftest import SHARED_DATA

C2 = SHARED_DATA / "ons" / "police-recorded-crime-by-csp_ye-2025-06_table-c2.csv"
CENSUS = SHARED_DATA / "population" / "census2021-ts007a-lsoa.csv"
EXACT_FIT = (SHARED_DATA / "lookups" / "LSOA_(2011)_to_LSOA_(2021)_to_Local_Authority_District_"
             "(2022)_Exact_Fit_Lookup_for_EW_(V3).csv")


@pytest.fixture(scope="module")
def real():
    for path in (C2, CENSUS, EXACT_FIT):
        if not path.exists():
            pytest.skip(f"real public data not found at {path}: these tests read "
                        "../shared/data beside the repository (or $SCPB_SHARED_DATA)")
    return load_csp_crime(C2), la_population(SHARED_DATA)


def _bristol_population() -> int:
    """Census 2021 residents of Bristol's LSOAs, summed with the csv module alone."""
    with EXACT_FIT.open(newline="", encoding="utf-8-sig") as handle:
        lsoas = {r["LSOA21CD"] for r in csv.DictReader(handle) if r["LAD22CD"] == "E06000023"}
    with CENSUS.open(newline="", encoding="utf-8-sig") as handle:
        return sum(int(r["Age: Total"]) for r in csv.DictReader(handle)
                   if r["geography code"] in lsoas)


def _exact(count: int, level: float = 0.95) -> tuple[float, float]:
    alpha = 1 - level
    lower = chi2.ppf(alpha / 2, 2 * count) / 2 if count else 0.0
    return lower, chi2.ppf(1 - alpha / 2, 2 * count + 2) / 2


def _byar(count: int, level: float = 0.95) -> tuple[float, float]:
    z = norm.ppf(1 - (1 - level) / 2)
    lower = count * (1 - 1 / (9 * count) - z / (3 * np.sqrt(count))) ** 3
    upper = (count + 1) * (1 - 1 / (9 * (count + 1)) + z / (3 * np.sqrt(count + 1))) ** 3
    return lower, upper


def test_bristol_rates_and_intervals_match_an_independent_computation(real):
    crime, populations = real
    out = csp_benchmarks(crime, populations, "Bristol, City of").set_index("offence")
    population = _bristol_population()
    assert population == 472_517
    total = out.loc["total_recorded_crime"]
    assert (total["count"], total["population"]) == (64_114, population)
    lower, upper = _byar(64_114)
    assert total["rate"] == pytest.approx(64_114 / population * 1000)
    assert (total["lower"], total["upper"]) == pytest.approx(
        (lower / population * 1000, upper / population * 1000))
    homicide = out.loc["homicide"]
    lower, upper = _exact(4)
    assert (homicide["lower"], homicide["upper"]) == pytest.approx(
        (lower / population * 1000, upper / population * 1000))
    assert "exact Poisson" in homicide["method"] and "Byar" in total["method"]


def test_bristol_against_avon_and_somerset_and_england_and_wales(real):
    crime, populations = real
    out = csp_benchmarks(crime, populations, "E22000002").set_index("offence")
    total = out.loc["total_recorded_crime"]
    force_population = populations.set_index("la_code").loc[
        ["E06000022", "E06000023", "E06000024", "E06000066", "E06000025"], "population"].sum()
    assert (total["force_name"], total["force_count"]) == ("Avon and Somerset", 170_002)
    assert total["force_population"] == force_population
    assert total["force_rate"] == pytest.approx(170_002 / force_population * 1000)
    assert (total["ew_count"], total["ew_population"]) == (5_204_149, 59_597_611)
    assert total["vs_force"] == "Worse" and total["vs_england_and_wales"] == "Worse"
    # Bristol's interval for theft from the person lies below England and Wales's rate.
    assert out.loc["theft_from_the_person", "vs_england_and_wales"] == "Better"
    assert out.loc["homicide", "vs_force"] == "Similar"
    assert "No region comparison" in total["caveats"]
    assert "Fingertips" in total["method"] and "lower is better" in total["method"]


def test_a_force_without_a_total_row_and_one_without_a_population(real):
    crime, populations = real
    city = csp_benchmarks(crime, populations, "City of London").iloc[0]
    assert city["force_count"] == city["count"] == 8_801
    assert "no row for the force" in city["caveats"]
    exeter = csp_benchmarks(crime, populations, "Exeter").iloc[0]
    assert np.isnan(exeter["force_rate"]) and exeter["vs_force"] == "Not compared"
    assert "Combined Local Authorities" in exeter["caveats"]
    assert exeter["vs_england_and_wales"] == "Worse"


@pytest.mark.parametrize("csp, problem", [
    ("East and Mid Devon", "made of several local authorities"),
    ("Bournemouth", "shares local authority E06000058 with Poole"),
])
def test_a_csp_without_its_own_population_is_refused(real, csp, problem):
    crime, populations = real
    with pytest.raises(InputDataError, match=problem):
        csp_benchmarks(crime, populations, csp)


def test_an_unknown_csp_names_close_ones(real):
    crime, populations = real
    with pytest.raises(UnknownAreaError, match="Bristol, City of"):
        csp_benchmarks(crime, populations, "Bristol")


def _tiny(count: list) -> pd.DataFrame:
    n = len(count)
    return pd.DataFrame({
        "force_code": "E23000036", "force_name": "Avon and Somerset",
        "csp_code": [None, "E22000002"] * (n // 2), "csp_name": [None, "Bristol"] * (n // 2),
        "la_code": [None, "E06000023"] * (n // 2), "level": ["force", "csp"] * (n // 2),
        "offence": np.repeat(["robbery", "homicide"], 2),
        "offence_name": np.repeat(["Robbery", "Homicide"], 2),
        "count": pd.array(count, dtype="Int64"), "period": "year ending June 2025"})


def test_a_missing_count_is_not_compared():
    crime = _tiny([1_500, 1_300, 6, None])
    populations = pd.DataFrame({"la_code": ["E06000023", "K04000001"],
                                "population": [470_000, 59_600_000]})
    out = csp_benchmarks(crime, populations, "bristol").set_index("offence")
    # The force has Bristol's population here, and 200 more robberies: Bristol is Better.
    assert out.loc["robbery", "vs_force"] == "Better"
    assert np.isnan(out.loc["homicide", "rate"])
    assert out.loc["homicide", ["vs_force", "vs_england_and_wales"]].tolist() == [
        "Not compared", "Not compared"]
    assert out.loc["homicide", "method"] == "no rate: the count is missing"


def test_a_local_authority_in_no_lookup_is_refused():
    crime = _tiny([1_500, 1_300, 6, 4])
    populations = pd.DataFrame({"la_code": ["E06000099", "K04000001"],
                                "population": [470_000, 59_600_000]})
    with pytest.raises(InputDataError, match="code E06000023 is in no population lookup"):
        csp_benchmarks(crime, populations, "E22000002")
