"""XmR chart: limits worked by hand, each Making Data Count rule at its threshold, invariances."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scpb_analysis.stats.spc import XMR_COLUMNS, XMR_METHOD, XMR_RULES, xmr, xmr_summary

# Alternating either side of 11 with moving ranges of 2: mean 11, limits 11 ± 5.32. It ends
# below the mean so a run of high points that follows starts fresh.
BASE = [12, 10, 12, 10, 12, 10]
BASE_MEAN, BASE_MR = 11.0, 2.0


def _hand_limits(values, floor_zero=True):
    mean = sum(values) / len(values)
    ranges = [abs(b - a) for a, b in zip(values, values[1:], strict=False)]
    mr_bar = sum(ranges) / len(ranges)
    lower = mean - 2.66 * mr_bar
    return mean, ranges, mr_bar, (max(lower, 0.0) if floor_zero else lower), mean + 2.66 * mr_bar


def test_hand_worked_series():
    values = [5, 9, 6, 8, 12, 7]
    # By hand: mean 47/6 = 7.8333; moving ranges 4, 3, 2, 4, 5 -> mean 3.6;
    # limits 7.8333 ± 2.66 × 3.6 = 7.8333 ± 9.576 -> -1.7427 (floored to 0) and 17.4093.
    mean, ranges, mr_bar, lower, upper = _hand_limits(values)
    assert ranges == [4, 3, 2, 4, 5] and mr_bar == pytest.approx(3.6)
    assert upper == pytest.approx(17.409333, abs=1e-6) and lower == 0.0

    months = pd.period_range("2022-04", periods=6, freq="M")
    chart = xmr(pd.Series(values, index=months))
    assert list(chart.columns) == XMR_COLUMNS
    assert chart["period"].dtype == "period[M]"
    assert list(chart["period"]) == list(months)
    assert chart["value"].tolist() == values
    assert math.isnan(chart["moving_range"].iloc[0])
    assert chart["moving_range"].iloc[1:].tolist() == ranges
    assert chart["mean"].tolist() == pytest.approx([mean] * 6)
    assert chart["mean_moving_range"].tolist() == pytest.approx([mr_bar] * 6)
    assert chart["upper"].tolist() == pytest.approx([upper] * 6)
    assert chart["lower"].tolist() == [0.0] * 6
    assert not chart["special_cause"].any()
    assert chart["variation"].eq("common cause").all()
    assert chart["method"].eq(XMR_METHOD).all()
    assert XMR_METHOD == "XmR (mean ± 2.66 × mean moving range)"

    unfloored = xmr(values, floor_zero=False)
    assert unfloored["lower"].iloc[0] == pytest.approx(47 / 6 - 9.576)


def test_single_outlier_is_the_only_point_beyond_limits():
    values = [10, 11, 10, 12, 11, 10, 11, 40, 11, 10, 12, 11]
    mean, _, _, lower, upper = _hand_limits(values)
    assert lower < min(v for v in values if v != 40) and upper < 40  # 29.94 by hand
    chart = xmr(values)
    assert chart["beyond_limits"].tolist() == [v == 40 for v in values]
    assert chart.loc[7, "variation"] == "special cause: high"


def test_low_outlier_is_special_cause_low():
    chart = xmr([50, 52, 51, 50, 53, 51, 5, 52, 50, 51], floor_zero=True)
    assert chart["beyond_limits"].tolist() == [i == 6 for i in range(10)]
    assert chart.loc[6, "variation"] == "special cause: low"


def test_seven_points_above_the_mean_are_a_shift_and_six_are_not():
    seven = xmr(BASE + [13, 14, 13, 14, 13, 14, 13] + [10], baseline=6)
    assert seven["mean"].iloc[0] == BASE_MEAN
    assert seven["shift"].tolist() == [False] * 6 + [True] * 7 + [False]
    assert not seven["beyond_limits"].any() and not seven["trend"].any()
    assert seven["variation"].tolist() == (["common cause"] * 6 + ["special cause: high"] * 7
                                           + ["common cause"])

    six = xmr(BASE + [13, 14, 13, 14, 13, 14] + [10], baseline=6)
    assert not six["shift"].any()
    assert not six["special_cause"].any()


def test_seven_points_below_the_mean_are_a_low_shift():
    chart = xmr([10, 12, 10, 12, 10, 12] + [9, 8, 9, 8, 9, 8, 9], baseline=6)
    assert chart["shift"].tolist() == [False] * 6 + [True] * 7
    assert chart["variation"].iloc[6:].eq("special cause: low").all()


def test_a_point_on_the_mean_breaks_a_shift():
    unbroken = xmr(BASE + [13, 14, 13, 14, 13, 14, 13], baseline=6)
    assert unbroken["shift"].iloc[6:].all()
    broken = xmr(BASE + [13, 14, 13, 11, 14, 13, 14, 13], baseline=6)
    assert broken.loc[9, "value"] == broken.loc[9, "mean"]
    assert not broken["shift"].any()


def test_six_increasing_points_are_a_trend_and_five_are_not():
    # 8..13 cross the mean (11) on the way up, so no shift can be what flags them.
    six = xmr(BASE + [8, 9, 10, 11, 12, 13] + [10], baseline=6)
    assert six["trend"].tolist() == [False] * 6 + [True] * 6 + [False]
    assert not six["shift"].any() and not six["beyond_limits"].any()
    assert six["variation"].iloc[6:12].eq("special cause: high").all()
    assert six.loc[12, "variation"] == "common cause"

    five = xmr(BASE + [8, 9, 10, 11, 12] + [10], baseline=6)
    assert not five["trend"].any()
    assert not five["special_cause"].any()


def test_six_decreasing_points_are_a_low_trend():
    chart = xmr(BASE + [14, 13, 12, 11, 10, 9] + [12], baseline=6)
    assert chart["trend"].tolist() == [False] * 6 + [True] * 6 + [False]
    assert chart["variation"].iloc[6:12].eq("special cause: low").all()


def test_an_equal_value_breaks_a_trend():
    tied = xmr(BASE + [8, 9, 10, 10, 11, 12, 13] + [10], baseline=6)
    assert not tied["trend"].any()
    untied = xmr(BASE + [8, 9, 10, 10.5, 11, 12, 13] + [10], baseline=6)
    assert untied["trend"].tolist() == [False] * 6 + [True] * 7 + [False]


def test_beyond_limits_decides_a_point_with_signals_both_ways():
    # 30 is above the upper limit (16.32) and starts six falling points 30 > 14 > ... > 6.
    chart = xmr(BASE + [30, 14, 12, 10, 8, 6], baseline=6)
    assert chart.loc[6, ["beyond_limits", "trend"]].tolist() == [True, True]
    assert chart.loc[6, "variation"] == "special cause: high"
    assert chart["variation"].iloc[7:].eq("special cause: low").all()


def test_a_peak_in_two_trends_goes_with_the_rise_it_ends():
    # 8 ... 13 rises over six points and 13 ... 8 falls over six: 13 is in both trends.
    chart = xmr(BASE + [8, 9, 10, 11, 12, 13, 12, 11, 10, 9, 8], baseline=6)
    assert chart["trend"].tolist() == [False] * 6 + [True] * 11
    assert not chart["shift"].any() and not chart["beyond_limits"].any()
    assert chart["variation"].iloc[6:].tolist() == (["special cause: high"] * 6
                                                    + ["special cause: low"] * 5)
    # The mirror image: a trough ends a fall, so it is low.
    mirror = xmr(BASE + [14, 13, 12, 11, 10, 9, 10, 11, 12, 13, 14], baseline=6)
    assert mirror["variation"].iloc[6:].tolist() == (["special cause: low"] * 6
                                                     + ["special cause: high"] * 5)


def test_baseline_fixes_limits_from_the_first_points():
    values = [20, 24, 22, 26, 21, 60, 70, 80]
    mean, _, mr_bar, lower, upper = _hand_limits(values[:5])
    assert (mean, mr_bar) == (22.6, 3.75)
    chart = xmr(values, baseline=5)
    assert chart["mean"].eq(mean).all()
    assert chart["mean_moving_range"].eq(mr_bar).all()
    assert chart["upper"].tolist() == pytest.approx([upper] * 8)
    assert chart["lower"].tolist() == pytest.approx([lower] * 8)
    # Later points never move the limits, and are judged against them.
    changed = xmr(values[:5] + [1000, 0, 5], baseline=5)
    assert changed["upper"].tolist() == chart["upper"].tolist()
    assert chart["beyond_limits"].tolist() == [False] * 5 + [True] * 3
    # The moving range is still reported for every point, baseline or not.
    assert chart["moving_range"].iloc[5] == 39


def test_baseline_as_a_slice_of_months():
    months = pd.period_range("2022-01", periods=8, freq="M")
    values = pd.Series([20, 24, 22, 26, 21, 60, 70, 80], index=months)
    by_slice = xmr(values, baseline=slice("2022-01", "2022-05"))
    by_count = xmr(values, baseline=5)
    pd.testing.assert_frame_equal(by_slice, by_count)
    middle = xmr(values, baseline=slice("2022-02", "2022-04"))
    assert middle["mean"].iloc[0] == 24.0 and middle["mean_moving_range"].iloc[0] == 3.0


@pytest.mark.parametrize("baseline", [1, 0, 9, -2, 2.5, True, "5"])
def test_baseline_needs_two_to_all_points(baseline):
    with pytest.raises(ValueError, match="baseline"):
        xmr([1, 2, 3, 4, 5, 6, 7, 8], baseline=baseline)


def test_a_one_month_baseline_slice_is_refused():
    months = pd.period_range("2022-01", periods=4, freq="M")
    with pytest.raises(ValueError, match="the baseline needs at least 2 points; slice .* "
                                         "selects 1"):
        xmr(pd.Series([1, 2, 3, 4], index=months), baseline=slice("2022-02", "2022-02"))


def test_floor_zero():
    values = [0, 3, 0, 4, 1, 0, 2]
    mean, _, _, _, _ = _hand_limits(values)
    unfloored = _hand_limits(values, floor_zero=False)[3]
    assert unfloored < 0
    assert xmr(values)["lower"].eq(0.0).all()
    assert xmr(values, floor_zero=False)["lower"].iloc[0] == pytest.approx(unfloored)
    # Limits well above zero are never raised by the floor.
    assert xmr([100, 102, 101], floor_zero=True)["lower"].iloc[0] == pytest.approx(
        101 - 2.66 * 1.5)


def test_negative_values_need_floor_zero_false():
    with pytest.raises(ValueError, match=r"negative number .*pass floor_zero=False"):
        xmr([3, -1, 2])
    assert xmr([3, -1, 2], floor_zero=False)["lower"].iloc[0] < -1


@pytest.mark.parametrize(
    "values, message",
    [([5], "an XmR chart needs at least 2 values, got 1"),
     ([1, float("nan"), 3], "values must be finite numbers with no gaps"),
     ([1, "x", 3], "values must be finite numbers with no gaps"),
     ([True, False, True], "values must be numbers, not True/False")],
)
def test_bad_values(values, message):
    with pytest.raises(ValueError, match=message):
        xmr(values)


def test_index_labels_one_per_value():
    labels = ["Jan", "Feb", "Mar"]
    assert xmr([1, 2, 3], index=labels)["period"].tolist() == labels
    with pytest.raises(ValueError, match="index must have one label per value: got 2 labels "
                                         "for 3 values"):
        xmr([1, 2, 3], index=["Jan", "Feb"])


def test_summary():
    months = pd.period_range("2023-01", periods=14, freq="M")
    chart = xmr(pd.Series(BASE + [13, 14, 13, 14, 13, 14, 13, 10], index=months), baseline=6)
    summary = xmr_summary(chart)
    assert summary == {
        "latest_period": pd.Period("2024-02", "M"),
        "latest_value": 10.0,
        "latest_variation": "common cause",
        "special_cause_points": 7,
        "points": 14,
        "method": XMR_METHOD,
        "rules": XMR_RULES,
    }
    with pytest.raises(ValueError, match="xmr_summary needs the table returned by xmr"):
        xmr_summary(pd.DataFrame({"value": [1]}))


def test_rules_text_names_each_rule():
    assert "2.66" in XMR_RULES
    assert "7 or more consecutive points" in XMR_RULES
    assert "6 or more consecutive points" in XMR_RULES
    assert "common cause" in XMR_RULES


series = st.lists(st.integers(min_value=0, max_value=10_000), min_size=2, max_size=40)


@settings(max_examples=200, deadline=None)
@given(series)
def test_limits_bracket_the_mean(values):
    chart = xmr(values)
    assert (chart["lower"] <= chart["mean"]).all()
    assert (chart["mean"] <= chart["upper"]).all()
    assert (chart["lower"] >= 0).all()
    assert chart["special_cause"].eq(
        chart["beyond_limits"] | chart["shift"] | chart["trend"]).all()
    assert set(chart["variation"]) <= {"special cause: high", "special cause: low",
                                       "common cause"}
    assert chart["variation"].ne("common cause").eq(chart["special_cause"]).all()


@settings(max_examples=200, deadline=None)
@given(series, st.integers(min_value=-100_000, max_value=100_000))
def test_translation_moves_limits_by_the_constant(values, shift):
    before = xmr(values, floor_zero=False)
    after = xmr([v + shift for v in values], floor_zero=False)
    for column in ("mean", "lower", "upper"):
        np.testing.assert_allclose(after[column], before[column] + shift, rtol=0, atol=1e-6)
    np.testing.assert_allclose(after["mean_moving_range"], before["mean_moving_range"],
                               rtol=1e-12)
    flags = ["beyond_limits", "shift", "trend", "special_cause", "variation"]
    pd.testing.assert_frame_equal(after[flags], before[flags])


@settings(max_examples=200, deadline=None)
@given(series, st.sampled_from([0.25, 0.5, 2, 3, 7, 10, 1000]))
def test_scaling_scales_limits(values, k):
    before = xmr(values)
    after = xmr([v * k for v in values])
    for column in ("mean", "mean_moving_range", "lower", "upper"):
        np.testing.assert_allclose(after[column], before[column] * k, rtol=1e-12, atol=1e-9)
    flags = ["beyond_limits", "shift", "trend", "special_cause", "variation"]
    pd.testing.assert_frame_equal(after[flags], before[flags])
