"""Rankings, RAG rules, the change test and the indicator registry."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import binomtest

from scpb_analysis.core.errors import CoverageError
from scpb_analysis.reference.geography import borough_population, london_boroughs
from scpb_analysis.reference.indicators import (
    how_measured,
    indicator_categories,
    indicator_registry,
)
from scpb_analysis.reference.taxonomy import indicator_table
from scpb_analysis.stats.change import change_test
from scpb_analysis.stats.rag import RagRule, rank_movement_rule, significance_rule, target_rule
from scpb_analysis.stats.ranking import RANK_BASES, rank_boroughs

BOROUGHS = london_boroughs()["borough"].tolist()


def _table(current: dict[str, int], previous: dict[str, int],
           indicator: str = "robbery_of_personal_property", end: str = "2023-05") -> pd.DataFrame:
    """Two-month-per-window toy table: all counts of a window put in its last month."""
    end_m = pd.Period(end, "M")
    rows = []
    for borough in BOROUGHS:
        for offset in range(24):
            month = end_m - offset
            count = 0
            if offset == 0:
                count = current[borough]
            elif offset == 12:
                count = previous[borough]
            rows.append({"month": month, "area_type": "borough", "borough": borough,
                         "indicator": indicator, "measure": "offences", "count": count})
    return pd.DataFrame(rows)


counts = st.lists(st.integers(min_value=0, max_value=500), min_size=32, max_size=32)


@given(counts, counts)
def test_rank_positions_are_a_permutation_ties_aside(cur, prev):
    table = _table(dict(zip(BOROUGHS, cur, strict=True)), dict(zip(BOROUGHS, prev, strict=True)))
    ranked = rank_boroughs(table, "robbery_of_personal_property", "2023-05")
    ranks = ranked["london_rank"].to_numpy()
    values = ranked["value"].to_numpy()
    # Competition ranking: each rank is 1 + the number of strictly better values.
    assert (ranks == np.array([1 + (values < v).sum() for v in values])).all()
    if not ranked["tied"].any():
        assert sorted(ranks) == list(range(1, 33))
    for _, bcu in ranked.groupby("bcu"):
        assert bcu["bcu_rank"].min() == 1 and bcu["bcu_rank"].max() <= len(bcu)


def test_rank_values_are_exact_percent_changes_and_zero_base_is_worst():
    cur = dict.fromkeys(BOROUGHS, 10)
    prev = dict.fromkeys(BOROUGHS, 10)
    cur["Barnet"], prev["Barnet"] = 5, 0      # rise from zero: worst
    cur["Brent"], prev["Brent"] = 5, 10       # -50%: best
    cur["Harrow"], prev["Harrow"] = 0, 0      # no change
    ranked = rank_boroughs(_table(cur, prev), "robbery_of_personal_property", "2023-05")
    by = ranked.set_index("borough")
    assert by.loc["Brent", "london_rank"] == 1 and by.loc["Brent", "value"] == -50.0
    assert by.loc["Barnet", "london_rank"] == 32 and by.loc["Barnet", "value"] == np.inf
    assert by.loc["Harrow", "value"] == 0.0
    # 30 boroughs at 0% (Harrow included) tie at rank 2.
    assert (ranked["london_rank"] == 2).sum() == 30 and by.loc["Harrow", "tied"]
    nw = by.loc[["Barnet", "Brent", "Harrow"], "bcu_rank"].to_dict()
    assert nw == {"Barnet": 3, "Brent": 1, "Harrow": 2}
    assert by.loc["Barnet", "rank_basis"] == (
        "Robbery of Personal Property: % change, March 2023 to May 2023 vs March 2022 to May "
        "2022; 1 = lowest (best); ties share a rank")


def test_rate_basis_uses_the_documented_population():
    cur = dict.fromkeys(BOROUGHS, 100)
    ranked = rank_boroughs(_table(cur, cur), "robbery_of_personal_property", "2023-05",
                           basis="rate_12m")
    pop = borough_population().set_index("borough")["population"]
    expected = (100 / pop * 1000).rename("value")
    got = ranked.set_index("borough")["value"]
    pd.testing.assert_series_equal(got.sort_index(), expected.sort_index(), check_names=False)
    # Same count everywhere: the largest population has the lowest rate and ranks 1.
    assert ranked.iloc[0]["borough"] == pop.idxmax()
    assert ranked["population_source"].iloc[0].startswith("Census 2021")


def test_higher_is_better_reverses_the_order():
    cur = {b: i for i, b in enumerate(BOROUGHS)}
    ranked = rank_boroughs(_table(cur, cur), "robbery_of_personal_property", "2023-05",
                           basis="count_3m", polarity="higher_is_better")
    assert ranked.iloc[0]["borough"] == BOROUGHS[-1]
    assert "1 = highest (best)" in ranked.iloc[0]["rank_basis"]


def test_ranking_refuses_missing_boroughs_and_bad_basis():
    table = _table(dict.fromkeys(BOROUGHS, 1), dict.fromkeys(BOROUGHS, 1))
    with pytest.raises(CoverageError, match="needs all 32 London boroughs; missing: Barnet$"):
        rank_boroughs(table[table["borough"] != "Barnet"], "robbery_of_personal_property",
                      "2023-05")
    with pytest.raises(ValueError, match="rank basis 'median' is not known; expected one of "
                                         + ", ".join(RANK_BASES)):
        rank_boroughs(table, "robbery_of_personal_property", "2023-05", basis="median")


@given(st.integers(0, 400), st.integers(0, 400))
def test_change_test_is_symmetric_and_exact(a, b):
    forward, backward = change_test(a, b).iloc[0], change_test(b, a).iloc[0]
    assert forward["p_value"] == pytest.approx(backward["p_value"])
    swap = {"significant increase": "significant decrease",
            "significant decrease": "significant increase",
            "no significant change": "no significant change"}
    assert swap[forward["significance"]] == backward["significance"]
    if a + b:
        assert forward["p_value"] == pytest.approx(binomtest(a, a + b, 0.5).pvalue)
    if forward["significance"] != "no significant change":
        assert (a > b) == (forward["significance"] == "significant increase")
    if a and b:
        assert forward["lower"] <= forward["value"] <= forward["upper"]
        assert forward["lower"] == pytest.approx(1 / backward["upper"])


def test_change_test_seed_cases_and_errors():
    t = change_test([13, 2310, 3, 0], [2, 2302, 0, 0])
    assert t["significance"].tolist() == ["significant increase", "no significant change",
                                          "no significant change", "no significant change"]
    assert t.loc[3, "p_value"] == 1.0
    assert set(t["method"]) == {"exact conditional binomial test for two Poisson counts "
                                "(two-sided)"}
    # The interval for the ratio excludes 1 exactly when the test is significant.
    assert t.loc[0, "lower"] > 1 and t.loc[1, "lower"] < 1 < t.loc[1, "upper"]
    assert t.loc[2, "upper"] == np.inf and t.loc[2, "lower"] > 0
    with pytest.raises(ValueError, match=r"previous counts must be whole numbers of 0 or more "
                                         r"\(position 1: "):
        change_test([1, 2], [3, -1])


def test_rag_rules_carry_their_text():
    assert target_rule().apply([100, 99.9, 80, 79.99, 65, 64.9, None]).tolist() == [
        "Green", "Green Amber", "Green Amber", "Red Amber", "Red Amber", "Red", "Not rated"]
    wide = rank_movement_rule(amber_band=2)
    assert wide.apply([3, 2, -2, -3]).tolist() == ["Green", "Amber", "Amber", "Red"]
    assert "within 2 places either way Amber" in wide.text
    sig = significance_rule(polarity="higher_is_better", span="3m")
    assert sig.apply(["significant increase", "significant decrease"]).tolist() == [
        "Green", "Red"]
    assert sig.column == "significance_3m" and "3 months" in sig.text
    with pytest.raises(ValueError, match="has no rating for: maybe"):
        sig.apply(["maybe"])
    with pytest.raises(ValueError, match="ordered from the highest lower bound down"):
        RagRule(name="x", text="x", bands=((0, "Red"), (10, "Green")))


def test_registry_is_consistent_with_the_taxonomy():
    registry = indicator_registry()
    known = set(indicator_table()["indicator"])
    for ind in registry["id"]:
        assert set(indicator_categories(ind)) <= known
    assert set(registry["polarity"]) <= {"lower_is_better", "higher_is_better", "none"}
    changes = registry.set_index("id")["definition_changes"]
    assert "under 25" in changes["knife_crime_with_injury"]
    assert changes["coercive_control"].startswith("2023-04-05")
    table = how_measured(["residential_burglary", "violence_with_injury"])
    assert table["Indicator"].tolist() == ["Residential Burglary", "Violence with Injury"]
    assert table["Measured against"].str.contains("Census 2021").all()
    with pytest.raises(KeyError, match="'spaceship_theft' is not in the indicator registry"):
        how_measured(["spaceship_theft"])
