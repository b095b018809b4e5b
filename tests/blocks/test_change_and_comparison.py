"""Percentage change, direction words and the comparison table."""

from __future__ import annotations

import re
from fractions import Fraction

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scpb_analysis.blocks.comparison import COMPARISON_COLUMNS, SYNTHETIC_STATUS, compare_periods
from scpb_analysis.core.errors import (
    CoverageError,
    IncompleteIndicatorError,
    UnmappedCategoryError,
)
from scpb_analysis.stats.change import (
    direction_of_change,
    format_percent_change,
    percent_change,
)
from scpb_analysis.text.narrative import check_narrative

counts = st.integers(min_value=0, max_value=10**7)


@pytest.mark.parametrize(
    "current, previous, text",
    [(1951, 1848, "+5.6"), (479, 464, "+3.2"), (587, 608, "-3.5"), (1000, 1035, "-3.4"),
     (13, 2, "+550.0"), (3, 0, "n/a (up from 0)"), (0, 0, "n/a (0 in both periods)"),
     (100, 100, "0.0"), (1, 2, "-50.0"), (20001, 20000, "+0.01"), (19999, 20000, "-0.01")],
)
def test_seed_cases(current, previous, text):
    assert format_percent_change(current, previous) == text


def test_rounding_is_half_away_from_zero_on_the_exact_value():
    # 1/8 = 12.5% exactly at two decimals: 0.125 -> "0.13"-style rounding, not banker's.
    assert percent_change(1125, 1000, decimals=2) == 12.5
    assert percent_change(10025, 10000, decimals=1) == 0.3  # 0.25 rounds up
    assert percent_change(9975, 10000, decimals=1) == -0.3  # -0.25 rounds away from zero


@given(counts, counts)
def test_direction_word_always_matches_the_sign(current, previous):
    word = direction_of_change(current, previous)
    assert word == ("increase" if current > previous else "decrease" if current < previous
                    else "no change")
    text = format_percent_change(current, previous)
    if previous == 0:
        assert text.startswith("n/a")
    elif current > previous:
        assert text.startswith("+")
    elif current < previous:
        assert text.startswith("-")
    else:
        assert text == "0.0"
    # A signed zero ("-0.0", "+0.0") is never printed: it reads as no change with a sign.
    assert not re.fullmatch(r"[+-]0(\.0*)?", text)


@given(counts, st.integers(min_value=1, max_value=10**7))
def test_percent_is_the_exact_change_rounded(current, previous):
    exact = Fraction(current - previous, previous) * 100
    assert abs(Fraction(percent_change(current, previous)).limit_denominator(10) - exact) <= \
        Fraction(1, 20)


@pytest.mark.parametrize("bad", [-1, 2.5])
def test_counts_must_be_whole_and_non_negative(bad):
    with pytest.raises(ValueError, match="must be a whole number of 0 or more"):
        percent_change(bad, 3)


def _table(series: dict[str, list[int]], start="2021-06", borough="Barnet", synthetic=False):
    rows = []
    for ind, values in series.items():
        for i, n in enumerate(values):
            rows.append({"month": pd.Period(start, "M") + i, "area_type": "borough",
                         "area_code": "E09000003", "area_name": borough, "borough": borough,
                         "indicator": ind, "measure": "offences", "count": n,
                         "vintage": pd.Period("2023-07", "M"), "scheme": "mps_2019",
                         "source_file": "x.csv", "synthetic": synthetic})
    return pd.DataFrame(rows)


def test_comparison_sums_the_right_months():
    values = list(range(1, 25))  # June 2021 .. May 2023
    cmp = compare_periods(_table({"robbery_of_personal_property": values}), "Barnet", "2023-05")
    row = cmp.iloc[0]
    assert list(cmp.columns) == COMPARISON_COLUMNS
    assert (row.n_12m, row.n_12m_prev) == (sum(values[12:]), sum(values[:12]))
    assert (row.n_3m, row.n_3m_prev) == (sum(values[21:]), sum(values[9:12]))
    assert row.data_status != SYNTHETIC_STATUS


def test_zero_base_is_never_a_percentage():
    values = [0] * 21 + [1, 1, 1]
    row = compare_periods(_table({"homicide": values}), "Barnet", "2023-05").iloc[0]
    assert (row.pct_change_3m, row.direction_3m) == ("n/a (up from 0)", "increase")
    assert (row.pct_change_12m, row.direction_12m) == ("n/a (up from 0)", "increase")


def test_dashboard_indicators_come_first_and_synthetic_is_flagged():
    table = _table({"arson": [1] * 24, "violence_with_injury": [2] * 24,
                    "residential_burglary": [3] * 24}, synthetic=True)
    cmp = compare_periods(table, "Barnet", "2023-05")
    assert cmp["indicator"].tolist() == ["residential_burglary", "violence_with_injury", "arson"]
    assert cmp["dashboard"].tolist() == [True, True, False]
    assert (cmp["data_status"] == SYNTHETIC_STATUS).all()


def test_missing_months_are_an_error_naming_them():
    table = _table({"arson": [1] * 24})
    # A month missing from the 3-month windows: no comparison at all.
    short = table[table["month"] != pd.Period("2022-04", "M")]
    with pytest.raises(CoverageError, match="^the data for Barnet lack months the period "
                                            "needs; missing months: April 2022$"):
        compare_periods(short, "Barnet", "2023-05")
    with pytest.raises(CoverageError, match="the data for Barnet end in May 2023"):
        compare_periods(table, "Barnet", "2023-08")
    # A month missing only from the year before the 12 months: the 3-month comparison
    # stands, the current 12 months are counted alone (no earlier count, change or test) and
    # the note names the month.
    row = compare_periods(table[table["month"] != pd.Period("2022-01", "M")], "Barnet",
                          "2023-05").iloc[0]
    assert row.n_12m == 12 and pd.isna(row.n_12m_prev) and row.pct_change_12m == "n/a"
    assert pd.isna(row.p_value_12m) and row.significance_12m is None
    assert (row.n_3m, row.n_3m_prev, row.pct_change_3m) == (3, 3, "0.0")
    assert row.notes.startswith("12-month comparison not available: the data do not hold "
                                "January 2022; ")
    assert row.narrative.startswith("There were 12 cases of Arson in Barnet in the 12 months "
                                    "up to May 2023. The data do not hold the 12 months before")
    assert check_narrative(row.narrative, row.to_dict()) == []
    # A month missing from the 12 months themselves: no 12-month figure at all.
    row = compare_periods(table[table["month"] != pd.Period("2022-07", "M")], "Barnet",
                          "2023-05").iloc[0]
    assert pd.isna(row.n_12m) and pd.isna(row.n_12m_prev)
    assert row.narrative.startswith("No 12-month comparison is given")
    assert check_narrative(row.narrative, row.to_dict()) == []


def test_unknown_borough_lists_the_ones_present():
    with pytest.raises(CoverageError, match="no offences for borough 'Barnett'.*present: Barnet"):
        compare_periods(_table({"arson": [1] * 24}), "Barnett", "2023-05")


def test_unmapped_categories_are_refused_and_warned():
    table = _table({"arson": [1] * 24, "UNMAPPED: Burglary / Spaceship": [1] * 24})
    # The unmapped category may hold residential burglary, a headline indicator: refused,
    # naming the file, the category and the indicator.
    with pytest.warns(UserWarning, match="left out of the comparison.*Spaceship"), \
            pytest.raises(IncompleteIndicatorError, match=r"^Residential Burglary is incomplete: "
                          r"x\.csv counts 24 in 'Burglary / Spaceship'"):
        compare_periods(table, "Barnet", "2023-05")
    cmp = compare_periods(table, "Barnet", "2023-05", indicators=["arson"])
    assert cmp["indicator"].tolist() == ["arson"]
    # An unmapped category no word or group ties to arson leaves it complete.
    unrelated = _table({"arson": [1] * 24, "UNMAPPED: Theft / Spaceship": [1] * 24})
    with pytest.warns(UserWarning, match="Spaceship"):
        assert compare_periods(unrelated, "Barnet", "2023-05")["complete"].tolist() == [True]
    with pytest.raises(UnmappedCategoryError, match="add it to taxonomy/mps_categories.csv"):
        compare_periods(table, "Barnet", "2023-05",
                        indicators=["UNMAPPED: Burglary / Spaceship"])
    with pytest.raises(UnmappedCategoryError, match="'burglary' is not a canonical indicator"):
        compare_periods(table, "Barnet", "2023-05", indicators=["burglary"])


def test_indicator_absent_for_some_months_is_reported_not_invented():
    table = pd.concat([_table({"arson": [1] * 24}),
                       _table({"nfib_fraud": [2] * 4}, start="2023-02")])
    cmp = compare_periods(table, "Barnet", "2023-05").set_index("indicator")
    assert pd.isna(cmp.loc["nfib_fraud", "n_12m"])
    assert cmp.loc["nfib_fraud", "notes"] == (
        "not in this data for 20 of the 24 months (June 2021 to January 2023)")
    with pytest.raises(CoverageError, match="^the data for NFIB Fraud in Barnet lack months the "
                                            "period needs; missing months: March 2022 to "
                                            "May 2022$"):
        compare_periods(table, "Barnet", "2023-05", indicators=["nfib_fraud"])


def test_breaks_inside_the_windows_are_noted():
    breaks = pd.DataFrame([{"level": "borough", "measure": "offences", "indicator": "*",
                            "month": pd.Period("2022-09", "M"), "kind": "coding change",
                            "detail": "a to b"},
                           {"level": "borough", "measure": "offences", "indicator": "*",
                            "month": pd.Period("2021-06", "M"), "kind": "coding change",
                            "detail": "at the first month, so not inside"}])
    cmp = compare_periods(_table({"arson": [1] * 24}), "Barnet", "2023-05", breaks=breaks)
    assert cmp.loc[0, "notes"].split("; ") == [
        "series break September 2022 (coding change): a to b",
        "not ranked: the data hold 1 of the 32 London boroughs"]
