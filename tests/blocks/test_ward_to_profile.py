"""The ward a profile covers when none is named: the rule, recomputed independently."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from conftest import SHARED_DATA, _require
from scipy.stats import chi2

from scpb_analysis.blocks.ward_report import WARD_INDICATORS, ward_rate_tables, ward_to_profile
from scpb_analysis.reference.wards import UnknownWardError


def _lower(count: int, population: int) -> float:
    """Lower 95% limit per 1,000: exact Poisson under 10, Byar's from 10 (PHE's methods)."""
    if count == 0:
        return 0.0
    if count < 10:
        return chi2.ppf(0.025, 2 * count) / 2 / population * 1000
    z = 1.959963984540054
    return count * (1 - 1 / (9 * count) - z / (3 * math.sqrt(count))) ** 3 / population * 1000


def _expected(crime: pd.DataFrame, population: pd.DataFrame, end: str) -> str:
    months = pd.period_range(pd.Period(end, "M") - 11, end, freq="M")
    rows = crime[(crime["area_type"] == "ward") & (crime["measure"] == "offences")
                 & crime["month"].isin(months) & crime["indicator"].isin(WARD_INDICATORS)]
    pop = population.set_index("ward_code")["population"]
    above = pd.Series(0, index=pop.index)
    total = pd.Series(0, index=pop.index)
    for _, group in rows.groupby("indicator"):
        counts = group.groupby("area_code")["count"].sum().reindex(pop.index, fill_value=0)
        borough = counts.sum() / pop.sum() * 1000
        above += [int(_lower(int(c), int(p)) > borough) for c, p in zip(counts, pop,
                                                                       strict=True)]
        total += counts
    names = population.set_index("ward_code")["ward_name"]
    order = sorted(pop.index, key=lambda w: (-above[w], -total[w] / pop[w], names[w]))
    return order[0]


def test_the_rule_picks_the_ward_with_most_indicators_significantly_above():
    wards = pd.DataFrame({"ward_code": ["W1", "W2", "W3"], "ward_name": ["Ash", "Birch", "Cedar"],
                          "population": [10_000, 10_000, 10_000], "source": "Census 2021",
                          "vintage": "2021"})
    months = pd.period_range("2022-06", "2023-05", freq="M")
    # Ash is far above on burglary only; Birch is above on both robbery and violence.
    per_month = {("W1", "residential_burglary"): 9, ("W2", "residential_burglary"): 1,
                 ("W3", "residential_burglary"): 1, ("W1", "robbery_of_personal_property"): 1,
                 ("W2", "robbery_of_personal_property"): 6,
                 ("W3", "robbery_of_personal_property"): 1, ("W1", "violence_with_injury"): 2,
                 ("W2", "violence_with_injury"): 8, ("W3", "violence_with_injury"): 2}
    crime = pd.DataFrame([{"month": m, "area_type": "ward", "area_code": w, "indicator": i,
                           "measure": "offences", "count": n}
                          for (w, i), n in per_month.items() for m in months])
    rates = ward_rate_tables(crime, wards, WARD_INDICATORS, "2023-05")
    code, why = ward_to_profile(rates, borough="Barnet")
    assert code == _expected(crime, wards, "2023-05") == "W2"
    assert "Birch" in why and "2 of 3" in why and "--ward" in why
    assert ward_to_profile(rates, "cedar", borough="Barnet")[0] == "W3"
    with pytest.raises(UnknownWardError, match="Nowhere"):
        ward_to_profile(rates, "Nowhere", borough="Barnet")


@pytest.mark.parametrize("borough, end", [("Barnet", "2023-05"), ("Camden", "2024-01")])
def test_the_rule_on_real_ward_data_matches_an_independent_count(borough, end):
    _require(SHARED_DATA / "mps" / "ward")
    from scpb_analysis.pack.data import open_pack_data

    data = open_pack_data(SHARED_DATA, borough, end)
    crime, population = data.ward_crime(), data.ward_population()
    rates = ward_rate_tables(crime, population, WARD_INDICATORS, end)
    code, why = ward_to_profile(rates, borough=borough)
    assert code == _expected(crime, population, end)
    name = population.set_index("ward_code").loc[code, "ward_name"]
    assert name in why and borough in why
