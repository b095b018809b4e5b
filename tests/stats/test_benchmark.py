"""Benchmark comparison (the Fingertips rule), benchmark rates and funnel-plot limits."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import gamma

from scpb_analysis.stats.benchmark import (
    benchmark_rates,
    compare_to_benchmark,
    funnel_limits,
    funnel_position,
)
from scpb_analysis.stats.rates import crude_rate

# Hand-made intervals around a benchmark of 10: wholly below, containing, touching each end,
# wholly above.
LOWER = [2.0, 8.0, 10.0, 5.0, 11.0]
UPPER = [9.0, 12.0, 14.0, 10.0, 15.0]


@pytest.mark.parametrize(
    "polarity, expected",
    [
        ("lower_is_better", ["Better", "Similar", "Similar", "Similar", "Worse"]),
        ("higher_is_better", ["Worse", "Similar", "Similar", "Similar", "Better"]),
        ("none", ["Lower", "Similar", "Similar", "Similar", "Higher"]),
    ],
)
def test_compare_to_benchmark_for_each_polarity(polarity, expected):
    out = compare_to_benchmark(LOWER, UPPER, 10.0, polarity=polarity)
    assert out.columns.tolist() == ["lower", "upper", "benchmark", "polarity", "comparison"]
    assert out["comparison"].tolist() == expected
    assert (out["polarity"] == polarity).all()
    assert (out["benchmark"] == 10.0).all()


def test_compare_to_benchmark_row_by_row_polarity_and_benchmarks():
    out = compare_to_benchmark(
        pd.Series([1.0, 1.0, 1.0], index=["a", "b", "c"]),
        [2.0, 2.0, 2.0],
        [5.0, 5.0, 0.5],
        polarity=["lower_is_better", "higher_is_better", "none"],
    )
    assert out.index.tolist() == ["a", "b", "c"]
    assert out["comparison"].tolist() == ["Better", "Worse", "Higher"]


def test_missing_values_are_not_compared():
    out = compare_to_benchmark([np.nan, 1.0], [2.0, 2.0], [1.5, np.nan])
    assert out["comparison"].tolist() == ["Not compared", "Not compared"]


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: compare_to_benchmark(1, 2, 3, polarity="up"),
         "polarity must be one of 'lower_is_better', 'higher_is_better' or 'none'; got 'up'"),
        (lambda: compare_to_benchmark([1, 1], [2, 2], 3, polarity=["none", "Lower is better"]),
         "polarity must be one of 'lower_is_better', 'higher_is_better' or 'none'; "
         "got 'Lower is better' at position 1"),
        (lambda: benchmark_rates(3, 100, 10, 1000, polarity="high"),
         "polarity must be one of 'lower_is_better', 'higher_is_better' or 'none'; got 'high'"),
        (lambda: compare_to_benchmark([1, 5], [2, 4], 3),
         "lower limits must not be greater than upper limits; got 5 to 4 at position 1"),
        (lambda: benchmark_rates(3, 100, -1, 1000),
         "benchmark counts must be whole numbers of 0 or more; got -1 at position 0"),
        (lambda: benchmark_rates(3, 100, 10, 0),
         "benchmark population must be greater than 0; got 0 at position 0"),
        (lambda: funnel_limits([1000, 0], 5.0),
         "population must be greater than 0; got 0 at position 1"),
        (lambda: funnel_limits(1000, -5.0),
         "benchmark rate must be 0 or more; got -5 at position 0"),
        (lambda: funnel_position(1.5, 1000, 5.0),
         "counts must be whole numbers of 0 or more; got 1.5 at position 0"),
        (lambda: funnel_position(1, 1000, 5.0, confidence=(0.998, 0.95)),
         "confidence must be two levels, inner then outer, such as (0.95, 0.998); "
         "got (0.998, 0.95)"),
    ],
)
def test_bad_input_is_refused_in_plain_language(call, message):
    with pytest.raises(ValueError) as excinfo:
        call()
    assert str(excinfo.value) == message


# ---------------------------------------------------------------------------
# benchmark_rates
# ---------------------------------------------------------------------------


def test_benchmark_rates_adds_the_benchmark_and_comparison_to_crude_rates():
    counts, population = [3, 57, 20], 25_000
    out = benchmark_rates(counts, population, 900, 1_000_000, multiplier=100_000)
    rates = crude_rate(counts, population, multiplier=100_000)
    assert out.columns.tolist() == rates.columns.tolist() + ["benchmark", "comparison"]
    pd.testing.assert_frame_equal(out[rates.columns], rates)
    assert (out["benchmark"] == 90.0).all()
    assert out["comparison"].tolist() == ["Better", "Worse", "Similar"]


def test_benchmark_rates_with_a_confidence_pair_compares_on_the_first_level():
    out = benchmark_rates([57], 25_000, 700, 1_000_000, multiplier=100_000,
                          confidence=(0.95, 0.998), polarity="higher_is_better")
    assert out.columns[-4:].tolist() == ["lower_998", "upper_998", "benchmark", "comparison"]
    # 70 per 100,000 is below the 95% interval (172.67 to 295.41): high is good, so "Better".
    assert out["comparison"].tolist() == ["Better"]


# ---------------------------------------------------------------------------
# Funnel limits
# ---------------------------------------------------------------------------

FUNNEL_COLUMNS = ["population", "benchmark_rate", "lower_95", "upper_95", "lower_998",
                  "upper_998", "method", "multiplier"]


def test_funnel_limits_schema():
    out = funnel_limits([1_000, 5_000], 12.5, multiplier=1_000)
    assert out.columns.tolist() == FUNNEL_COLUMNS
    assert out["method"].tolist() == ["exact Poisson"] * 2
    assert (out["multiplier"] == 1_000).all() and (out["benchmark_rate"] == 12.5).all()


def test_funnel_limits_match_the_gamma_form_on_the_expected_count():
    population = np.array([150, 1_000, 12_345, 400_000])
    out = funnel_limits(population, 37.5, multiplier=10_000)
    expected = 37.5 * population / 10_000  # fractional expected counts
    for level, suffix in ((0.95, "95"), (0.998, "998")):
        alpha = 1 - level
        np.testing.assert_allclose(
            out[f"lower_{suffix}"], gamma.ppf(alpha / 2, expected) * 10_000 / population,
            rtol=1e-10)
        np.testing.assert_allclose(
            out[f"upper_{suffix}"], gamma.ppf(1 - alpha / 2, expected + 1) * 10_000 / population,
            rtol=1e-10)


def test_funnel_limits_narrow_as_population_grows_and_contain_the_benchmark():
    population = np.geomspace(100, 1e7, 200)
    out = funnel_limits(population, 8.0)
    for suffix in ("95", "998"):
        width = (out[f"upper_{suffix}"] - out[f"lower_{suffix}"]).to_numpy()
        assert (np.diff(width) < 0).all()
        assert (out[f"lower_{suffix}"] <= 8.0).all() and (out[f"upper_{suffix}"] >= 8.0).all()
    assert (out["lower_998"] < out["lower_95"]).all()
    assert (out["upper_998"] > out["upper_95"]).all()


def test_funnel_limits_for_a_zero_benchmark_start_at_zero():
    out = funnel_limits([1_000, 10_000], 0.0)
    assert (out[["lower_95", "lower_998"]] == 0).all().all()
    # Upper count limit for 0 expected is -ln(0.025) = 3.69 events, on a population of 1,000.
    assert out["upper_95"].iloc[0] == pytest.approx(-math.log(0.025))


@given(st.lists(st.floats(1, 1e7), min_size=1, max_size=20), st.floats(0.01, 1_000))
def test_funnel_limits_always_contain_the_benchmark(populations, rate):
    out = funnel_limits(populations, rate)
    assert (out["lower_998"] <= out["lower_95"]).all()
    assert (out["lower_95"] <= rate * (1 + 1e-12)).all()
    assert (out["upper_95"] >= rate * (1 - 1e-12)).all()
    assert (out["upper_95"] <= out["upper_998"]).all()


def test_funnel_limits_accept_a_single_level():
    out = funnel_limits(1_000, 5.0, confidence=0.99)
    assert out.columns.tolist() == ["population", "benchmark_rate", "lower_99", "upper_99",
                                    "method", "multiplier"]


# ---------------------------------------------------------------------------
# Funnel position
# ---------------------------------------------------------------------------


def _counts_on_each_band(population: float, rate: float, multiplier: float) -> dict[str, int]:
    """Counts constructed to fall in each band of the funnel for one population."""
    limits = funnel_limits(population, rate, multiplier).iloc[0]
    to_count = population / multiplier

    def between(a: float, b: float) -> int:
        # A whole count strictly between two limits (the bands here are several counts wide).
        count = math.floor((a + b) / 2 * to_count)
        assert a < count / to_count < b
        return count

    return {
        "within 95%": round(rate * to_count),
        "above 95%": between(limits["upper_95"], limits["upper_998"]),
        "below 95%": between(limits["lower_998"], limits["lower_95"]),
        "above 99.8%": math.ceil(limits["upper_998"] * to_count * 3),
        "below 99.8%": 0,
    }


def test_funnel_position_classifies_constructed_cases():
    population, rate, multiplier = 50_000, 40.0, 1_000  # expect 2,000 events
    cases = _counts_on_each_band(population, rate, multiplier)
    out = funnel_position(list(cases.values()), population, rate, multiplier)
    assert out["funnel"].tolist() == list(cases)
    assert out.columns.tolist() == [
        "count", "population", "benchmark_rate", "value", "lower_95", "upper_95", "lower_998",
        "upper_998", "funnel", "method", "multiplier",
    ]
    assert out["value"].tolist() == [c / population * multiplier for c in cases.values()]


def test_funnel_position_counts_a_rate_on_a_limit_as_inside_it():
    # With a zero benchmark the lower limits are exactly 0, so a zero count sits on them.
    out = funnel_position(0, 1_000, 0.0)
    assert out["lower_95"].iloc[0] == out["value"].iloc[0] == 0
    assert out["funnel"].tolist() == ["within 95%"]


def test_a_zero_count_can_be_below_the_funnel():
    out = funnel_position(0, 1_000, 5.0)  # 5 expected; 0 is improbably few
    assert out["lower_998"].iloc[0] > 0
    assert out["funnel"].tolist() == ["below 99.8%"]


def test_funnel_position_uses_each_area_s_own_population():
    # The same rate (60 per 1,000) is unremarkable for a small ward but an outlier for a big one.
    out = funnel_position(pd.Series([6, 6_000], index=["small", "big"]), [100, 100_000], 40.0)
    assert out.index.tolist() == ["small", "big"]
    assert out["funnel"].tolist() == ["within 95%", "above 99.8%"]


def test_funnel_position_labels_follow_the_levels():
    out = funnel_position([0, 1_000], 1_000, 100.0, confidence=(0.9, 0.99))
    assert out["funnel"].tolist() == ["below 99%", "above 99%"]
    assert "lower_90" in out.columns and "upper_99" in out.columns
