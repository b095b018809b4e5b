"""Shares that say how they were rounded, rounding half up exactly, and pp changes."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scpb_analysis.core.rounding import (
    format_share,
    percentage_point_change,
    round_half_up,
    shares,
    shares_note,
)

# CCTV incidents by ward, March to May 2023, as printed in the July 2023 board pack (seed 000),
# with the "% of incidents" column it printed: those shares add up to 101 under "Grand Total
# 191 100%".
CCTV_WARDS = {
    "Barnet Vale": (6, 3), "Brunswick Park": (0, 0), "Burnt Oak": (20, 10),
    "Childs Hill": (2, 1), "Colindale North": (15, 8), "Colindale South": (3, 2),
    "Cricklewood": (10, 5), "East Barnet": (7, 4), "East Finchley": (8, 4),
    "Edgware": (26, 14), "Edgwarebury": (0, 0), "Finchley Church End": (21, 11),
    "Friern Barnet": (0, 0), "Garden Suburb": (1, 1), "Golders Green": (18, 9),
    "Hendon": (7, 4), "High Barnet": (16, 8), "Mill Hill": (7, 4),
    "Totteridge & Whetstone": (0, 0), "Underhill": (0, 0), "West Finchley": (8, 4),
    "West Hendon": (0, 0), "Whetstone": (1, 1), "Woodhouse": (15, 8),
}
CCTV_COUNTS = pd.Series({ward: n for ward, (n, _) in CCTV_WARDS.items()})
CCTV_PRINTED = [pct for _, pct in CCTV_WARDS.values()]


def test_seed_half_up_shares_reproduce_the_printed_column_and_its_101():
    assert CCTV_COUNTS.sum() == 191
    table = shares(CCTV_COUNTS)
    assert list(table.columns) == ["label", "count", "share", "share_rounded", "rounding"]
    assert table["label"].tolist() == list(CCTV_WARDS)
    assert table["count"].tolist() == CCTV_COUNTS.tolist()
    assert table["share"].tolist() == pytest.approx([100 * n / 191 for n in CCTV_COUNTS])
    assert table["share_rounded"].tolist() == CCTV_PRINTED
    assert sum(CCTV_PRINTED) == 101
    assert table["rounding"].eq("rounded half up to whole percent").all()
    assert shares_note(table) == (
        "Shares are rounded half up to whole percent, so they sum to 101%, not 100%.")


def test_seed_largest_remainder_sums_to_100():
    table = shares(CCTV_COUNTS, rounding="largest_remainder")
    assert table["share_rounded"].sum() == 100
    assert table["rounding"].eq("rounded by largest remainder to whole percent").all()
    assert shares_note(table) == ""
    # Hamilton by hand: the floors of 100 × n / 191 sum to 91, so the 9 largest remainders get
    # one point each: Finchley Church End (.995), Colindale North and Woodhouse (.853), East
    # Barnet, Hendon and Mill Hill (.665), Edgware (.613), Colindale South (.571), and one of
    # the tied Garden Suburb and Whetstone (.524): the earlier row, Garden Suburb. So the only
    # difference from the printed column is Whetstone's 1%, which becomes 0%.
    floors = {w: math.floor(Fraction(100 * n, 191)) for w, n in CCTV_COUNTS.items()}
    assert sum(floors.values()) == 91
    by_remainder = sorted(CCTV_COUNTS.index,
                          key=lambda w: -(Fraction(100 * CCTV_COUNTS[w], 191) - floors[w]))
    expected = {w: floors[w] + (1 if w in by_remainder[:9] else 0) for w in CCTV_COUNTS.index}
    assert expected == {**dict(zip(CCTV_WARDS, CCTV_PRINTED, strict=True)), "Whetstone": 0}
    assert dict(zip(table["label"], table["share_rounded"], strict=True)) == expected


def test_three_equal_thirds():
    half_up = shares({"A": 1, "B": 1, "C": 1})
    assert half_up["share_rounded"].tolist() == [33, 33, 33]
    assert shares_note(half_up) == (
        "Shares are rounded half up to whole percent, so they sum to 99%, not 100%.")
    # The one spare point goes to the earliest of the tied remainders.
    assert shares([1, 1, 1], rounding="largest_remainder")["share_rounded"].tolist() == [34, 33, 33]


def test_largest_remainder_tie_goes_to_the_larger_count_first():
    # Quotas 12.5, 37.5, 12.5, 37.5 (all remainders 0.5): 2 spare points go to the two 3s.
    table = shares([1, 3, 1, 3], rounding="largest_remainder")
    assert table["share_rounded"].tolist() == [12, 38, 12, 38]


def test_exact_halves_round_up():
    # 1 of 40 is exactly 2.5%; 1 of 800 is exactly 0.125%.
    assert shares([1, 39])["share_rounded"].tolist() == [3, 98]
    two_dp = shares([1, 799], decimals=2)
    assert two_dp["share_rounded"].tolist() == [0.13, 99.88]
    assert two_dp["rounding"].iloc[0] == "rounded half up to 2 decimal places"
    assert shares_note(two_dp) == (
        "Shares are rounded half up to 2 decimal places, so they sum to 100.01%, not 100%.")
    one_dp = shares([1, 2], decimals=1)
    assert one_dp["share_rounded"].tolist() == [33.3, 66.7]
    assert one_dp["rounding"].iloc[0] == "rounded half up to 1 decimal place"
    assert shares_note(one_dp) == ""


def test_round_half_up():
    assert round_half_up(2.5) == 3.0
    assert round_half_up(0.125, 2) == 0.13
    assert round_half_up(-2.5) == -3.0
    assert round_half_up(0.5) == 1.0 and round_half_up(1.5) == 2.0  # not to even
    assert round_half_up(2.675, 2) == 2.68  # as written, not as stored in binary
    assert round_half_up(Fraction(1, 8), 2) == 0.13
    assert round_half_up(Decimal("2.345"), 2) == 2.35
    assert round_half_up(7) == 7.0
    with pytest.raises(ValueError, match="decimals must be a whole number of 0 or more, got -1"):
        round_half_up(1.5, -1)
    with pytest.raises(ValueError, match="value must be a finite number, got nan"):
        round_half_up(float("nan"))


@settings(max_examples=300)
@given(st.integers(min_value=-10**9, max_value=10**9), st.integers(min_value=0, max_value=4))
def test_round_half_up_agrees_with_decimal_half_up(units, decimals):
    text = str(Decimal(units).scaleb(-(decimals + 1)))
    expected = Decimal(text).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    assert round_half_up(float(text), decimals) == float(expected)
    assert round_half_up(Decimal(text), decimals) == float(expected)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=100_000), min_size=1, max_size=40)
       .filter(lambda counts: sum(counts) > 0),
       st.integers(min_value=0, max_value=2))
def test_largest_remainder_always_sums_to_100(counts, decimals):
    table = shares(counts, decimals=decimals, rounding="largest_remainder")
    unit = Fraction(1, 10**decimals)
    rounded = [Fraction(Decimal(repr(v))) for v in table["share_rounded"]]
    assert sum(rounded) == 100
    total = sum(counts)
    for count, value in zip(counts, rounded, strict=True):
        exact = Fraction(100 * count, total)
        # Each share is its exact value rounded down or up by less than one unit.
        assert value % unit == 0
        assert exact - unit < value < exact + unit
        if count == 0:
            assert value == 0
    assert shares_note(table) == ""


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=100_000), min_size=1, max_size=40)
       .filter(lambda counts: sum(counts) > 0))
def test_half_up_note_matches_the_sum(counts):
    table = shares(counts)
    # Half up to a whole percent, in integers: floor(100c / T + 1/2) = (200c + T) // 2T.
    total = sum((200 * c + sum(counts)) // (2 * sum(counts)) for c in counts)
    note = shares_note(table)
    if total == 100:
        assert note == ""
    else:
        assert note == (f"Shares are rounded half up to whole percent, so they sum to {total}%, "
                        "not 100%.")


def test_labels():
    assert shares([2, 2], labels=["Hendon", "Mill Hill"])["label"].tolist() == ["Hendon",
                                                                                "Mill Hill"]
    assert shares([2, 2])["label"].tolist() == [0, 1]
    with pytest.raises(ValueError, match="labels must have one label per count: got 1 labels "
                                         "for 2 counts"):
        shares([2, 2], labels=["Hendon"])


def test_zero_total_is_refused():
    with pytest.raises(ValueError) as err:
        shares({"Hendon": 0, "Mill Hill": 0})
    assert str(err.value) == "shares need a total greater than 0"


def test_negative_count_is_refused():
    with pytest.raises(ValueError) as err:
        shares({"Hendon": 3, "Mill Hill": -1})
    assert str(err.value) == "counts must be 0 or more, got -1 for 'Mill Hill'"


@pytest.mark.parametrize(
    "kwargs, message",
    [({"rounding": "banker"}, "rounding must be one of 'half_up', 'largest_remainder', "
                              "got 'banker'"),
     ({"decimals": 1.5}, "decimals must be a whole number of 0 or more, got 1.5")],
)
def test_bad_options(kwargs, message):
    with pytest.raises(ValueError) as err:
        shares([1, 2], **kwargs)
    assert str(err.value) == message


def test_non_numeric_count_is_refused():
    with pytest.raises(ValueError, match="count for 'Hendon' must be a number, got 'seven'"):
        shares({"Hendon": "seven"})


@pytest.mark.parametrize(
    "value, decimals, text",
    [(33.333, 0, "33%"), (2.5, 0, "3%"), (0.125, 2, "0.13%"), (100, 0, "100%"),
     (12.25, 1, "12.3%"), (0, 1, "0.0%")],
)
def test_format_share(value, decimals, text):
    assert format_share(value, decimals) == text


@pytest.mark.parametrize(
    "current, previous, decimals, text",
    [(15, 12.5, 1, "+2.5 pp"), (33.1, 33.5, 1, "-0.4 pp"), (40, 40, 1, "0.0 pp"),
     (40.01, 40, 1, "+0.01 pp"), (39.99, 40, 1, "-0.01 pp"), (12.35, 12.3, 1, "+0.1 pp"),
     (10, 12.35, 1, "-2.4 pp"), (56, 51, 0, "+5 pp"), (0.3, 0.1, 2, "+0.20 pp")],
)
def test_percentage_point_change(current, previous, decimals, text):
    assert percentage_point_change(current, previous, decimals) == text
    assert "%" not in text


def test_percentage_point_change_needs_numbers():
    with pytest.raises(ValueError, match="previous_pct must be a number, got None"):
        percentage_point_change(12.5, None)
