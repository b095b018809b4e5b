"""Reporting windows: the board's labels, FY quarters, coverage errors, and properties."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scpb_analysis.core.errors import CoverageError
from scpb_analysis.core.periods import (
    Window,
    calendar_year_window,
    check_coverage,
    financial_year,
    financial_year_window,
    fy_quarter,
    fy_quarter_window,
    three_month_windows,
    to_month,
    twelve_month_windows,
)

months = st.builds(
    lambda y, m: pd.Period(year=y, month=m, freq="M"),
    st.integers(min_value=2000, max_value=2040),
    st.integers(min_value=1, max_value=12),
)


def test_labels_in_the_seed_style():
    cur3, prev3 = three_month_windows("2023-05")
    assert cur3.label == "March 2023 to May 2023"
    assert prev3.label == "March 2022 to May 2022"
    cur12, prev12 = twelve_month_windows("2023-05")
    assert cur12.up_to_label == "12 months up to May 2023"
    assert prev12.label == "June 2021 to May 2022"


def test_windows_cross_the_year_end():
    cur3, prev3 = three_month_windows("2024-01")
    assert (str(cur3.start), str(cur3.end)) == ("2023-11", "2024-01")
    assert (str(prev3.start), str(prev3.end)) == ("2022-11", "2023-01")


@pytest.mark.parametrize(
    "month, quarter, fy",
    [("2023-04", "Q1 2023/24", "2023/24"), ("2023-06", "Q1 2023/24", "2023/24"),
     ("2023-07", "Q2 2023/24", "2023/24"), ("2023-12", "Q3 2023/24", "2023/24"),
     ("2024-01", "Q4 2023/24", "2023/24"), ("2023-03", "Q4 2022/23", "2022/23"),
     ("1999-12", "Q3 1999/00", "1999/00")],
)
def test_financial_quarters(month, quarter, fy):
    assert fy_quarter(month) == quarter
    assert financial_year(month) == fy


def test_fy_and_calendar_windows():
    assert financial_year_window("2022/23").label == "April 2022 to March 2023"
    assert fy_quarter_window("Q4 2022/23").label == "January 2023 to March 2023"
    assert fy_quarter_window("Q1 2023/24").label == "April 2023 to June 2023"
    assert calendar_year_window(2022).n_months == 12
    with pytest.raises(ValueError, match=r"expected 2021/22 \(April 2021 to March 2022\)"):
        financial_year_window("2021/23")
    with pytest.raises(ValueError, match="expected e.g. 'Q4 2022/23'"):
        fy_quarter_window("Q5 2022/23")


def test_month_parsing():
    assert to_month("202305") == to_month("2023-05") == to_month("May 2023")
    with pytest.raises(ValueError, match="'2023-13' is not a month"):
        to_month("2023-13")


def test_period_end_after_the_data_names_missing_months():
    have = pd.period_range("2021-06", "2023-05", freq="M")
    with pytest.raises(CoverageError) as err:
        check_coverage(have, twelve_month_windows("2023-07"))
    msg = str(err.value)
    assert "the data end in May 2023" in msg
    assert msg.endswith("missing months: June 2023 to July 2023")


def test_gap_inside_the_windows_is_named():
    have = pd.period_range("2021-06", "2023-05", freq="M").delete(5)  # drops November 2021
    with pytest.raises(CoverageError) as err:
        check_coverage(have, twelve_month_windows("2023-05"), what="the counts")
    assert str(err.value) == ("the counts lack months the period needs; "
                              "missing months: November 2021")
    have = have.delete([0, 6, 7])  # June 2021, January and February 2022
    with pytest.raises(CoverageError, match="missing months: June 2021, November 2021, "
                                            "January 2022 to February 2022$"):
        check_coverage(have, twelve_month_windows("2023-05"))


@given(months)
def test_three_month_windows_properties(end):
    cur, prev = three_month_windows(end)
    assert cur.end == end
    assert len(set(cur.months)) == 3 and len(set(prev.months)) == 3
    assert not cur.overlaps(prev)
    assert set(cur.months).isdisjoint(prev.months)
    assert [m - 12 for m in cur.months] == list(prev.months)


@given(months)
def test_twelve_month_windows_properties(end):
    cur, prev = twelve_month_windows(end)
    assert cur.end == end
    assert len(set(cur.months)) == 12 and len(set(prev.months)) == 12
    assert set(cur.months).isdisjoint(prev.months)
    # Together they are 24 consecutive months ending at `end`.
    assert list(prev.months.append(cur.months)) == list(pd.period_range(end - 23, end, freq="M"))


@given(months)
def test_quarter_window_contains_its_month(month):
    window = fy_quarter_window(fy_quarter(month))
    assert window.n_months == 3 and window.start <= month <= window.end
    assert window.start.month in (1, 4, 7, 10)


def test_window_rejects_reversed_range():
    with pytest.raises(ValueError, match="ends .* before it starts"):
        Window(to_month("2023-05"), to_month("2023-01"))
