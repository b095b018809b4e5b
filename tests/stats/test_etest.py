"""Poisson E-test and its power: published examples, statsmodels and scipy as independent
implementations, brute-force power, the exact conditional test as a sanity check, bad input,
and real police.uk counts."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import SHARED_DATA
from scipy import stats

from scpb_analysis.stats.change import change_test
from scpb_analysis.stats.etest import poisson_e_test, poisson_e_test_power

smr = pytest.importorskip("statsmodels.stats.rates")

COLUMNS = ["count1", "exposure1", "count2", "exposure2", "rate1", "rate2", "rate_ratio",
           "statistic", "p_value", "alternative", "method"]
POWER_COLUMNS = ["rate1", "rate2", "exposure1", "exposure2", "alternative", "power", "alpha",
                 "method"]
STATSMODELS_SIDE = {"two-sided": "two-sided", "greater": "larger", "less": "smaller"}


def _statsmodels(k1, n1, k2, n2, ratio=1.0, alternative="two-sided"):
    """statsmodels' E-test with the Wald statistic: the variant that is the paper's eq. 3.3."""
    with warnings.catch_warnings():
        # statsmodels divides the observed rates for its own ratio even when count2 is 0.
        warnings.simplefilter("ignore", RuntimeWarning)
        res = smr.test_poisson_2indep(k1, n1, k2, n2, value=ratio, method="etest-wald",
                                      compare="ratio", alternative=STATSMODELS_SIDE[alternative])
    return float(res.statistic), float(res.pvalue)


# ---------------------------------------------------------------------------
# Published examples
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("k1, k2, published", [
    # Krishnamoorthy & Thomson (2004), their first example (Przyborowski & Wilenski's dodder
    # seeds in clover seed, 0 against 3): E-test p-value 0.0884. Example 2 (6 against 2):
    # 0.1749. (ptools tests/testthat/test-etest.R reproduces both from the paper.)
    (0, 3, 0.0884),
    (6, 2, 0.1749),
])
def test_krishnamoorthy_thomson_examples(k1, k2, published):
    out = poisson_e_test(k1, 1, k2, 1)
    assert round(float(out.loc[0, "p_value"]), 4) == published
    # Swapping the samples leaves the two-sided test unchanged.
    assert poisson_e_test(k2, 1, k1, 1).loc[0, "p_value"] == pytest.approx(
        out.loc[0, "p_value"], abs=1e-14)


def test_breast_cancer_person_years_example():
    # Breast cancer cases: 41 in 28,010 person-years against 15 in 19,017 (Ng, Gu & Tang
    # 2007, Comput. Stat. Data Anal. 51:3085; Gu, Ng, Tang & Schucany 2008, Biom. J. 50:283).
    # Ng et al. print the Wald-type E-test for H1: rate1 > rate2 as statistic 2.2047,
    # p-value 0.0184; Gu et al. print 0.2453 for H0: ratio 1.5 against H1: ratio > 1.5.
    # (Values as transcribed in statsmodels' tests, stats/tests/test_rates_poisson.py, which
    # note that Gu et al.'s printed p-values agree only to about 2.5 decimals.)
    one_sided = poisson_e_test(41, 28010, 15, 19017, alternative="greater").iloc[0]
    assert one_sided["statistic"] == pytest.approx(2.2047, abs=5e-5)
    assert one_sided["p_value"] == pytest.approx(0.0184, abs=5e-5)
    ratio = poisson_e_test(41, 28010, 15, 19017, ratio=1.5, alternative="greater").iloc[0]
    assert ratio["p_value"] == pytest.approx(0.2453, abs=5e-4)
    assert "rate ratio 1.5" in ratio["method"]


def test_gu_et_al_example_1_one_sided():
    # Gu et al. (2008), example 1: 60 events in 51,477.5 against 30 in 54,308.7 person-years;
    # E-test for H1: ratio > 1, p-value 0.000298 (Wald statistic 3.384913).
    row = poisson_e_test(60, 51477.5, 30, 54308.7, alternative="greater").iloc[0]
    assert row["statistic"] == pytest.approx(3.384913, abs=5e-7)
    assert row["p_value"] == pytest.approx(0.000298, abs=5e-7)


# ---------------------------------------------------------------------------
# Independent implementations
# ---------------------------------------------------------------------------

GRID = [
    (0, 1, 3, 1), (6, 1, 2, 1), (1, 1, 1, 1), (5, 1, 0, 2), (0, 31, 4, 28), (40, 28, 30, 31),
    (12, 10, 7, 14), (25, 1, 75, 3), (130, 1, 95, 1), (300, 30, 960, 91), (41, 28010, 15, 19017),
    (2, 0.5, 19, 3.7),
]


@pytest.mark.parametrize("case", GRID)
@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
@pytest.mark.parametrize("ratio", [1.0, 0.6, 2.5])
def test_matches_statsmodels_etest_wald(case, alternative, ratio):
    ours = poisson_e_test(*case, ratio=ratio, alternative=alternative).iloc[0]
    statistic, p_value = _statsmodels(*case, ratio=ratio, alternative=alternative)
    assert ours["statistic"] == pytest.approx(statistic, rel=1e-9, abs=1e-12)
    assert ours["p_value"] == pytest.approx(p_value, abs=1e-6)


@pytest.mark.parametrize("case", GRID)
def test_matches_scipy_poisson_means_test_for_equal_rates(case):
    # scipy.stats.poisson_means_test is the paper's difference form (diff = 0), implemented
    # separately from statsmodels.
    k1, n1, k2, n2 = case
    ref = stats.poisson_means_test(k1, n1, k2, n2)
    ours = poisson_e_test(*case).iloc[0]
    if k1 / n1 == k2 / n2:
        # Observed T = 0, so every cell is as extreme and the p-value is 1 (as in the authors'
        # Fortran, which gives the (0, 0) cell T = 0, and in statsmodels); scipy leaves the
        # (0, 0) cell out and returns 1 - P(0, 0).
        mean = (k1 + k2) / (n1 + n2)
        assert ours["p_value"] == pytest.approx(1.0, abs=1e-12)
        # (scipy truncates its sums at 1e-10 of the mass.)
        assert ref.pvalue == pytest.approx(1 - math.exp(-mean * (n1 + n2)), abs=1e-9)
        return
    assert ours["p_value"] == pytest.approx(ref.pvalue, abs=1e-6)
    if k1 + k2:
        assert ours["statistic"] == pytest.approx(ref.statistic, rel=1e-9)


def test_double_sum_by_brute_force_python_loops():
    # Eq. 3.5 written out term by term with math.exp, for a small unequal-exposure case.
    k1, n1, k2, n2 = 7, 2.0, 3, 3.0
    lam = (k1 + k2) / (n1 + n2)

    def t(x1, x2):
        var = x1 / n1 ** 2 + x2 / n2 ** 2
        return 0.0 if var == 0 else (x1 / n1 - x2 / n2) / math.sqrt(var)

    def pmf(x, mean):
        return math.exp(-mean + x * math.log(mean) - math.lgamma(x + 1))

    t_obs = t(k1, k2)
    p = sum(pmf(x1, n1 * lam) * pmf(x2, n2 * lam)
            for x1 in range(80) for x2 in range(80) if abs(t(x1, x2)) >= abs(t_obs) - 1e-12)
    assert poisson_e_test(k1, n1, k2, n2).loc[0, "p_value"] == pytest.approx(p, abs=1e-12)


def test_same_order_as_exact_conditional_test_for_equal_exposures():
    # Not equal: the E-test is the more powerful, so its p-values are no larger in these
    # cases, but they tell the same story.
    for current, previous in [(13, 2), (30, 20), (587, 608), (45, 25)]:
        e = poisson_e_test(current, 1, previous, 1).loc[0, "p_value"]
        c = change_test(current, previous).loc[0, "p_value"]
        assert e <= c * 1.0001
        assert e > c / 3
        assert (e < 0.05) == (c < 0.05)


def test_output_schema_rates_and_ratio():
    out = poisson_e_test(40, 28, 30, 31)
    assert out.columns.tolist() == COLUMNS
    row = out.iloc[0]
    assert row["rate1"] == pytest.approx(40 / 28)
    assert row["rate2"] == pytest.approx(30 / 31)
    assert row["rate_ratio"] == pytest.approx((40 / 28) / (30 / 31))
    assert row["alternative"] == "two-sided"
    assert "Krishnamoorthy & Thomson 2004" in row["method"]


def test_zero_counts():
    both = poisson_e_test(0, 28, 0, 31).iloc[0]
    assert both["p_value"] == 1.0 and both["statistic"] == 0.0
    assert math.isnan(both["rate_ratio"])
    assert poisson_e_test(4, 1, 0, 1).loc[0, "rate_ratio"] == math.inf


def test_one_sided_p_values_of_opposite_sides_cover_everything_once():
    # P(T >= t) + P(T <= t) = 1 + P(T = t): only the cells tied with the observed one count
    # twice (found here by brute force over the null grid).
    k1, n1, k2, n2 = 12, 10, 7, 14
    greater = poisson_e_test(k1, n1, k2, n2, alternative="greater").loc[0, "p_value"]
    less = poisson_e_test(k1, n1, k2, n2, alternative="less").loc[0, "p_value"]
    lam = (k1 + k2) / (n1 + n2)
    x1, x2 = np.meshgrid(np.arange(120), np.arange(120), indexing="ij")
    with np.errstate(invalid="ignore"):
        t = (x1 / n1 - x2 / n2) / np.sqrt(x1 / n1 ** 2 + x2 / n2 ** 2)
    t_obs = (k1 / n1 - k2 / n2) / math.sqrt(k1 / n1 ** 2 + k2 / n2 ** 2)
    tied = np.isclose(t, t_obs, rtol=0, atol=1e-12)
    mass = (stats.poisson.pmf(x1, n1 * lam) * stats.poisson.pmf(x2, n2 * lam))[tied].sum()
    assert greater + less == pytest.approx(1 + mass, abs=1e-12)


def test_large_counts_stay_exact():
    ours = poisson_e_test(5000, 1, 4800, 1).loc[0, "p_value"]
    assert ours == pytest.approx(stats.poisson_means_test(5000, 1, 4800, 1).pvalue, abs=1e-6)


# ---------------------------------------------------------------------------
# Power
# ---------------------------------------------------------------------------


def _power_by_brute_force(rate1, rate2, n1, n2, alpha, alternative):
    """Sum of alternative probabilities over every (k1, k2) statsmodels' E-test rejects."""
    total = 0.0
    for k1 in range(int(stats.poisson.isf(1e-12, rate1 * n1)) + 1):
        for k2 in range(int(stats.poisson.isf(1e-12, rate2 * n2)) + 1):
            if _statsmodels(k1, n1, k2, n2, alternative=alternative)[1] <= alpha:
                total += stats.poisson.pmf(k1, rate1 * n1) * stats.poisson.pmf(k2, rate2 * n2)
    return total


@pytest.mark.parametrize("rate1, rate2, n1, n2, alpha, alternative", [
    (10, 4, 1, 1, 0.05, "two-sided"),
    (3, 1, 2, 1, 0.05, "greater"),
    (0.5, 1.2, 4, 3, 0.1, "less"),
    (1.5, 1, 28, 31, 0.05, "two-sided"),
])
def test_power_matches_brute_force_over_statsmodels_p_values(rate1, rate2, n1, n2, alpha,
                                                             alternative):
    ours = poisson_e_test_power(rate1, rate2, n1, n2, alpha=alpha, alternative=alternative)
    brute = _power_by_brute_force(rate1, rate2, n1, n2, alpha, alternative)
    assert ours.loc[0, "power"] == pytest.approx(brute, abs=1e-9)


def test_power_agrees_with_simulation():
    rng = np.random.default_rng(20240518)
    k1 = rng.poisson(2.0 * 15, size=4000)
    k2 = rng.poisson(1.0 * 15, size=4000)
    pairs, counts = np.unique(np.column_stack([k1, k2]), axis=0, return_counts=True)
    rejected = sum(n for (a, b), n in zip(pairs, counts, strict=True)
                   if poisson_e_test(int(a), 15, int(b), 15).loc[0, "p_value"] <= 0.05)
    exact = poisson_e_test_power(2.0, 1.0, 15, 15).loc[0, "power"]
    se = math.sqrt(exact * (1 - exact) / 4000)
    assert abs(rejected / 4000 - exact) < 4 * se


def test_size_under_the_null_stays_near_alpha_and_power_grows():
    # The paper's finding: the E-test's size seldom exceeds the nominal level.
    size = poisson_e_test_power(5, 5, 2, 2).loc[0, "power"]
    assert size <= 0.055
    powers = [poisson_e_test_power(r, 5, 2, 2).loc[0, "power"] for r in (6, 9, 14)]
    assert powers == sorted(powers) and powers[-1] > 0.8


def test_power_close_to_normal_approximation_for_larger_counts():
    # statsmodels' power_poisson_ratio_2indep is a normal approximation (not the E-test), so
    # only closeness is expected at moderate counts.
    exact = poisson_e_test_power(60, 45, 1, 1).loc[0, "power"]
    approx = smr.power_poisson_ratio_2indep(60, 45, nobs1=1, value=1, alpha=0.05,
                                            alternative="two-sided").power
    assert exact == pytest.approx(float(approx), abs=0.05)


def test_power_schema():
    out = poisson_e_test_power(10, 4, 1, 1, alpha=0.01)
    assert out.columns.tolist() == POWER_COLUMNS
    assert out.loc[0, "alpha"] == 0.01
    assert "level 0.01" in out.loc[0, "method"]


def test_power_refuses_counts_too_large_for_the_exact_sum():
    with pytest.raises(ValueError, match="too large for the exact E-test power"):
        poisson_e_test_power(2000, 1900, 1, 1)


# ---------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("args, kwargs, message", [
    ((-1, 1, 3, 1), {}, "count1 must be a whole number of 0 or more"),
    ((1, 1, 2.5, 1), {}, "count2 must be a whole number"),
    ((float("nan"), 1, 3, 1), {}, "count1"),
    (("4", 1, 3, 1), {}, "count1"),
    ((1, 0, 3, 1), {}, "exposure1 must be a number greater than 0"),
    ((1, 1, 3, -2), {}, "exposure2 must be a number greater than 0"),
    ((1, 1, 3, math.inf), {}, "exposure2"),
    ((1, 1, 3, 1), {"alternative": "larger"}, "alternative must be one of two-sided, greater"),
    ((1, 1, 3, 1), {"ratio": 0}, "ratio must be a rate ratio greater than 0"),
])
def test_e_test_refuses_bad_input(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        poisson_e_test(*args, **kwargs)


@pytest.mark.parametrize("args, kwargs, message", [
    ((0, 1, 1, 1), {}, "rate1 must be a number greater than 0"),
    ((1, 1, 1, -1), {}, "exposure2"),
    ((1, 2, 1, 1), {"alpha": 0.5}, "alpha must be between 0 and 0.5"),
    ((1, 2, 1, 1), {"alternative": "two.sided"}, "alternative must be one of"),
])
def test_power_refuses_bad_input(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        poisson_e_test_power(*args, **kwargs)


# ---------------------------------------------------------------------------
# Real data: a short month against a long one (police.uk burglary in Barnet)
# ---------------------------------------------------------------------------

BARNET = SHARED_DATA / "policeuk" / "barnet-burglary-policeuk_2010-12_2025-02.csv"


def test_real_february_against_january():
    if not BARNET.exists():
        pytest.skip(f"real public data not found at {BARNET}: these tests read "
                    "../shared/data beside the repository (or $SCPB_SHARED_DATA)")
    months = pd.read_csv(BARNET, usecols=["Month"])["Month"].value_counts()
    february, january = int(months["2023-02"]), int(months["2023-01"])
    row = poisson_e_test(february, 28, january, 31).iloc[0]
    assert row["rate_ratio"] == pytest.approx((february / 28) / (january / 31))
    assert row["p_value"] == pytest.approx(_statsmodels(february, 28, january, 31)[1], abs=1e-6)
    # Per day, not per month: with equal exposures the answer would differ.
    assert row["p_value"] != pytest.approx(poisson_e_test(february, 1, january, 1)
                                           .loc[0, "p_value"], abs=1e-3)
