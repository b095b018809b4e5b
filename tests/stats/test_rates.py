"""Crude rates and proportions: reference values, independent checks, properties, bad input."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.optimize import brentq
from scipy.stats import binomtest, gamma, norm, poisson

from scpb_analysis.stats.rates import crude_rate, exact_poisson_limits, proportion

RATE_COLUMNS = ["count", "population", "value", "lower", "upper", "confidence", "method",
                "multiplier"]
PROPORTION_COLUMNS = ["numerator", "denominator", "value", "lower", "upper", "confidence",
                      "method", "multiplier"]

# Reference values per 100,000 for a population of 25,000 (count, value, lower, upper, method).
REFERENCE = [
    (3, 12.0, 2.47, 35.07, "exact Poisson"),
    (57, 228.0, 172.67, 295.41, "Byar"),
    (0, 0.0, 0.0, 14.76, "exact Poisson"),
]


def _poisson_limits_by_root_finding(observed: int, level: float) -> tuple[float, float]:
    """Exact Poisson limits from their definition: tail probabilities equal to alpha / 2."""
    alpha = 1 - level
    hi = brentq(lambda mu: poisson.cdf(observed, mu) - alpha / 2, 1e-12, 10 * observed + 50)
    if observed == 0:
        return 0.0, hi
    lo = brentq(lambda mu: poisson.sf(observed - 1, mu) - alpha / 2, 1e-12, 10 * observed + 50)
    return lo, hi


def _wilson_by_hand(k: int, n: int, level: float) -> tuple[float, float]:
    """Wilson in its centre +/- half-width form (a different algebra from the module's)."""
    z = norm.ppf(1 - (1 - level) / 2)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


# ---------------------------------------------------------------------------
# Reference values and the output schema
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("count, value, lower, upper, method", REFERENCE)
def test_reference_values_to_two_decimals(count, value, lower, upper, method):
    row = crude_rate(count, 25_000, multiplier=100_000).iloc[0]
    assert round(row["value"], 2) == value
    assert round(row["lower"], 2) == lower
    assert round(row["upper"], 2) == upper
    assert row["method"] == method


def test_vectorised_call_returns_all_reference_values_in_input_order():
    order = [1, 2, 0]  # deliberately not sorted by count
    counts = [REFERENCE[i][0] for i in order]
    out = crude_rate(counts, 25_000, multiplier=100_000)
    assert out.columns.tolist() == RATE_COLUMNS
    assert out["count"].tolist() == counts
    expected = pd.DataFrame([REFERENCE[i][1:4] for i in order], columns=["value", "lower", "upper"])
    pd.testing.assert_frame_equal(out[["value", "lower", "upper"]].round(2), expected)
    assert out["method"].tolist() == [REFERENCE[i][4] for i in order]
    assert (out["confidence"] == 0.95).all()
    assert (out["multiplier"] == 100_000).all()
    assert (out["population"] == 25_000).all()


@pytest.mark.parametrize(
    "count, population",
    [
        (np.array([3, 57, 0]), np.array([25_000, 25_000, 25_000])),
        (pd.Series([3, 57, 0]), 25_000),
        ([3, 57, 0], [25_000, 25_000, 25_000]),
        ((3, 57, 0), pd.Series([25_000] * 3)),
    ],
)
def test_accepts_arrays_series_lists_and_tuples(count, population):
    out = crude_rate(count, population, multiplier=100_000)
    assert out["value"].round(2).tolist() == [12.0, 228.0, 0.0]


def test_series_index_labels_the_rows():
    counts = pd.Series([3, 57], index=["Burnt Oak", "Colindale North"])
    out = crude_rate(counts, 25_000)
    assert out.index.tolist() == ["Burnt Oak", "Colindale North"]


def test_population_may_vary_and_a_single_population_broadcasts():
    out = crude_rate([10, 10], [1_000, 2_000])
    assert out["value"].tolist() == [10.0, 5.0]
    assert out["lower"].iloc[0] == pytest.approx(2 * out["lower"].iloc[1])


def test_confidence_pair_adds_named_columns_matching_a_separate_call():
    counts = [0, 3, 9, 10, 57, 1_000]
    pair = crude_rate(counts, 25_000, 100_000, confidence=(0.95, 0.998))
    assert pair.columns.tolist() == RATE_COLUMNS + ["lower_998", "upper_998"]
    assert (pair["confidence"] == 0.95).all()
    alone = crude_rate(counts, 25_000, 100_000, confidence=0.998)
    np.testing.assert_allclose(pair["lower_998"], alone["lower"])
    np.testing.assert_allclose(pair["upper_998"], alone["upper"])
    # 99.8% limits are wider than the 95% ones (the lower limit of a zero count stays 0).
    assert (pair["lower_998"] <= pair["lower"]).all()
    assert (pair["lower_998"] < pair["lower"])[pair["count"] > 0].all()
    assert (pair["upper_998"] > pair["upper"]).all()


@pytest.mark.parametrize("level, suffix", [(0.99, "_99"), (0.998, "_998"), (0.9, "_90"),
                                           (0.999, "_999")])
def test_second_level_column_names_come_from_its_digits(level, suffix):
    out = crude_rate(5, 100, confidence=(0.95, level))
    assert out.columns[-2:].tolist() == [f"lower{suffix}", f"upper{suffix}"]


def test_zero_count_is_valid_and_has_a_zero_lower_limit():
    row = crude_rate(0, 1_000).iloc[0]
    assert row["value"] == 0 and row["lower"] == 0
    assert row["upper"] == pytest.approx(-math.log(0.025))  # exact: chi2(0.975, 2) / 2


# ---------------------------------------------------------------------------
# Independent checks of the interval formulas
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("level", [0.8, 0.9, 0.95, 0.99, 0.998])
def test_exact_limits_match_the_gamma_form_for_many_counts(level):
    observed = np.arange(0, 501)
    lower, upper = exact_poisson_limits(observed, level)
    alpha = 1 - level
    expected_lower = np.where(observed == 0, 0.0, gamma.ppf(alpha / 2, np.maximum(observed, 1)))
    np.testing.assert_allclose(lower, expected_lower, rtol=1e-10)
    np.testing.assert_allclose(upper, gamma.ppf(1 - alpha / 2, observed + 1), rtol=1e-10)


@pytest.mark.parametrize("level", [0.9, 0.95, 0.998])
@pytest.mark.parametrize("observed", range(10))
def test_small_counts_use_exact_limits_found_by_root_finding(observed, level):
    row = crude_rate(observed, 1, multiplier=1, confidence=level).iloc[0]
    lower, upper = _poisson_limits_by_root_finding(observed, level)
    assert row["method"] == "exact Poisson"
    assert row["lower"] == pytest.approx(lower, rel=1e-8, abs=1e-10)
    assert row["upper"] == pytest.approx(upper, rel=1e-8)


@pytest.mark.parametrize("level", [0.9, 0.95, 0.99])
def test_byar_is_within_one_percent_of_exact_from_ten_events(level):
    observed = np.concatenate([np.arange(10, 200), np.geomspace(200, 1e6, 60).round()])
    out = crude_rate(observed, 1, multiplier=1, confidence=level)
    assert (out["method"] == "Byar").all()
    exact_lower, exact_upper = exact_poisson_limits(observed, level)
    np.testing.assert_allclose(out["lower"], exact_lower, rtol=0.01)
    np.testing.assert_allclose(out["upper"], exact_upper, rtol=0.01)


@pytest.mark.parametrize("level", [0.9, 0.95, 0.998])
@pytest.mark.parametrize("n", [1, 2, 5, 10, 37, 100, 1_000])
def test_wilson_matches_scipy_binomtest_and_the_hand_formula(n, level):
    ks = np.unique(np.linspace(0, n, min(n + 1, 25)).round().astype(int))
    out = proportion(ks, n, confidence=level)
    for k, lower, upper in zip(ks, out["lower"], out["upper"], strict=True):
        ci = binomtest(int(k), n).proportion_ci(confidence_level=level, method="wilson")
        assert lower == pytest.approx(ci.low, abs=1e-12)
        assert upper == pytest.approx(ci.high, abs=1e-12)
        hand_lower, hand_upper = _wilson_by_hand(int(k), n, level)
        assert lower == pytest.approx(hand_lower, abs=1e-12)
        assert upper == pytest.approx(hand_upper, abs=1e-12)


def test_proportion_reference_value_and_schema():
    out = proportion(65, 100)
    assert out.columns.tolist() == PROPORTION_COLUMNS
    row = out.iloc[0]
    assert (round(row["value"], 4), round(row["lower"], 4), round(row["upper"], 4)) == \
        (0.65, 0.5525, 0.7364)
    assert row["method"] == "Wilson" and row["confidence"] == 0.95 and row["multiplier"] == 1


def test_proportion_multiplier_gives_percentages_and_pairs_work():
    out = proportion([65, 0, 100], 100, confidence=(0.95, 0.998), multiplier=100)
    assert out.columns.tolist() == PROPORTION_COLUMNS + ["lower_998", "upper_998"]
    assert out["value"].tolist() == [65.0, 0.0, 100.0]
    assert out[["lower", "upper"]].iloc[0].round(2).tolist() == [55.25, 73.64]
    assert out["lower"].iloc[1] == 0 and out["upper"].iloc[2] == 100
    assert (out["lower_998"] <= out["lower"]).all() and (out["upper_998"] >= out["upper"]).all()


# ---------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------

counts = st.one_of(st.integers(0, 30), st.integers(0, 10**6))
populations = st.integers(1, 10**7)
levels = st.sampled_from([0.6, 0.8, 0.9, 0.95, 0.99, 0.998, 0.999])


@given(st.lists(counts, min_size=1, max_size=20), populations, levels)
def test_rate_limits_bracket_the_value(count_list, population, level):
    out = crude_rate(count_list, population, multiplier=100_000, confidence=level)
    assert (out["lower"] >= 0).all()
    assert (out["lower"] <= out["value"]).all()
    assert (out["value"] <= out["upper"]).all()


@given(st.lists(counts, min_size=1, max_size=20), populations)
def test_rate_intervals_widen_as_confidence_rises(count_list, population):
    out = crude_rate(count_list, population, confidence=(0.9, 0.95, 0.998))
    assert (out["lower_998"] <= out["lower_95"]).all() and (out["lower_95"] <= out["lower"]).all()
    assert (out["upper"] < out["upper_95"]).all() and (out["upper_95"] < out["upper_998"]).all()


@given(st.lists(counts, min_size=2, max_size=30), populations, levels)
def test_rates_do_not_fall_as_the_count_rises(count_list, population, level):
    out = crude_rate(sorted(count_list), population, confidence=level)
    for column in ("value", "lower", "upper"):
        assert (np.diff(out[column].to_numpy()) >= 0).all(), column


def test_rates_do_not_fall_across_the_exact_to_byar_switch():
    for level in np.linspace(0.51, 0.9999, 200):
        out = crude_rate(np.arange(0, 60), 1, multiplier=1, confidence=level)
        for column in ("lower", "upper"):
            assert (np.diff(out[column].to_numpy()) > 0).all(), (level, column)


@st.composite
def numerator_denominator(draw):
    n = draw(st.integers(1, 10**6))
    return draw(st.integers(0, n)), n


@given(st.lists(numerator_denominator(), min_size=1, max_size=20), levels)
def test_proportion_bounds_lie_in_zero_to_one_around_the_value(pairs, level):
    num, den = zip(*pairs, strict=True)
    out = proportion(list(num), list(den), confidence=level)
    assert ((out["lower"] >= 0) & (out["upper"] <= 1)).all()
    assert ((out["lower"] <= out["value"]) & (out["value"] <= out["upper"])).all()


@given(st.lists(numerator_denominator(), min_size=1, max_size=20))
def test_proportion_intervals_widen_as_confidence_rises(pairs):
    num, den = zip(*pairs, strict=True)
    out = proportion(list(num), list(den), confidence=(0.9, 0.95, 0.998))
    assert (out["lower_998"] <= out["lower_95"]).all() and (out["lower_95"] <= out["lower"]).all()
    assert (out["upper"] <= out["upper_95"]).all() and (out["upper_95"] <= out["upper_998"]).all()


# ---------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: crude_rate([4, -3], 100),
         "counts must be whole numbers of 0 or more; got -3 at position 1"),
        (lambda: crude_rate([2.5, 3], 100),
         "counts must be whole numbers of 0 or more; got 2.5 at position 0"),
        (lambda: crude_rate([1, None], 100),
         "counts must be whole numbers of 0 or more; got a missing value at position 1"),
        (lambda: crude_rate([1, 2], [100, 0]),
         "population must be greater than 0; got 0 at position 1"),
        (lambda: crude_rate(1, -5),
         "population must be greater than 0; got -5 at position 0"),
        (lambda: crude_rate([1, 2, 3], [10, 20]),
         "count and population must be the same length (or single values); got lengths 3 and 2"),
        (lambda: crude_rate([1, "three"], 100),
         "counts must be numbers; got 'three' at position 1"),
        (lambda: crude_rate(1, pd.Series([100, "200"])),
         "population figures must be numbers; got '200' at position 1"),
        (lambda: crude_rate(3, 100, confidence=95),
         "confidence must be between 0.5 and 1, such as 0.95 or 0.998; got 95"),
        (lambda: crude_rate(3, 100, confidence=(0.95, 1.0)),
         "confidence must be between 0.5 and 1, such as 0.95 or 0.998; got 1.0"),
        (lambda: crude_rate(3, 100, confidence=(0.95, 0.95)),
         "confidence levels must all differ; got (0.95, 0.95)"),
        (lambda: crude_rate(3, 100, multiplier=0),
         "multiplier must be a single number greater than 0; got 0"),
        (lambda: proportion([5, 7], 5),
         "numerators must be less than or equal to their denominators; got 7 out of 5 at "
         "position 1"),
        (lambda: proportion(-1, 5),
         "numerators must be whole numbers of 0 or more; got -1 at position 0"),
        (lambda: proportion(0, 0),
         "denominators must be whole numbers greater than 0; got 0 at position 0"),
        (lambda: proportion(1, 2.5),
         "denominators must be whole numbers greater than 0; got 2.5 at position 0"),
        (lambda: proportion(1, 2, confidence=0.5),
         "confidence must be between 0.5 and 1, such as 0.95 or 0.998; got 0.5"),
    ],
)
def test_bad_input_is_refused_in_plain_language(call, message):
    with pytest.raises(ValueError) as excinfo:
        call()
    assert str(excinfo.value) == message
