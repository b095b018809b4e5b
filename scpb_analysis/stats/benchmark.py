"""Comparing areas with a benchmark: the Fingertips confidence-interval rule and funnel plots.

:func:`compare_to_benchmark` labels an area "Similar" when its confidence interval contains
the benchmark value and otherwise "Better"/"Worse" (or "Lower"/"Higher" where neither direction
is good), as the OHID Fingertips tools do. :func:`funnel_limits` and :func:`funnel_position`
give control limits around a benchmark rate for areas of different size, so that a small ward
with a high rate is not mistaken for an outlier.

Limits on counts use the exact Poisson (chi-square) formulas, implemented from their published
form; see :mod:`scpb_analysis.stats.rates`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from scpb_analysis.reference.indicators import POLARITIES
from scpb_analysis.stats.rates import (
    EXACT_POISSON,
    as_array,
    broadcast,
    check_counts,
    check_multiplier,
    check_positive,
    confidence_levels,
    crude_rate,
    exact_poisson_limits,
    fail,
    index_of,
    level_suffix,
)

__all__ = ["compare_to_benchmark", "benchmark_rates", "funnel_limits", "funnel_position"]

#: Label when the area's interval lies wholly below / wholly above the benchmark.
_WORDS = {
    "lower_is_better": ("Better", "Worse"),
    "higher_is_better": ("Worse", "Better"),
    "none": ("Lower", "Higher"),
}

SIMILAR = "Similar"
NOT_COMPARED = "Not compared"


def _check_polarity(polarity: Any, n: int) -> np.ndarray:
    values = np.asarray(
        polarity.to_numpy(dtype=object) if isinstance(polarity, pd.Series) else polarity,
        dtype=object,
    ).reshape(-1)
    allowed = "'lower_is_better', 'higher_is_better' or 'none'"
    for i, value in enumerate(values):
        if not isinstance(value, str) or value not in POLARITIES:
            where = "" if len(values) == 1 else f" at position {i}"
            raise ValueError(f"polarity must be one of {allowed}; got {value!r}{where}")
    if len(values) == 1:
        return np.repeat(values, n)
    if len(values) != n:
        raise ValueError(
            f"polarity must be a single value or one per row; got {len(values)} for {n} rows"
        )
    return values


def _percent_label(level: float) -> str:
    return f"{level * 100:.10g}%"


def compare_to_benchmark(
    lower: Any,
    upper: Any,
    benchmark: Any,
    polarity: str | Sequence[str] = "lower_is_better",
) -> pd.DataFrame:
    """Compare each area's confidence interval with a benchmark value (the Fingertips rule).

    If the benchmark lies inside ``[lower, upper]`` (limits included) the area is
    ``"Similar"``. Otherwise, an interval wholly below the benchmark is ``"Better"`` when lower
    is better, ``"Worse"`` when higher is better and ``"Lower"`` when neither is; an interval
    wholly above is ``"Worse"``, ``"Better"`` or ``"Higher"``. A missing limit or benchmark
    (e.g. a suppressed value) gives ``"Not compared"``.

    Parameters
    ----------
    lower, upper : float, array-like or pandas.Series
        The area's confidence limits.
    benchmark : float, array-like or pandas.Series
        The benchmark value (e.g. the London rate); a single value applies to every area.
    polarity : {"lower_is_better", "higher_is_better", "none"} or sequence of them
        Which direction is good, for all rows or row by row. Crime and harm indicators are
        usually ``"lower_is_better"``.

    Returns
    -------
    pandas.DataFrame
        Columns ``lower, upper, benchmark, polarity, comparison``.

    Raises
    ------
    ValueError
        If ``polarity`` is not one of the three allowed values, a lower limit is above its
        upper limit, or the lengths differ.

    Examples
    --------
    >>> compare_to_benchmark([2.0, 5.0, 8.0], [4.0, 7.0, 9.0], 6.0)
       lower  upper  benchmark         polarity comparison
    0    2.0    4.0        6.0  lower_is_better     Better
    1    5.0    7.0        6.0  lower_is_better    Similar
    2    8.0    9.0        6.0  lower_is_better      Worse
    >>> compare_to_benchmark(8.0, 9.0, 6.0, polarity="none")["comparison"].tolist()
    ['Higher']
    """
    lo, hi, bench = broadcast(
        ["lower", "upper", "benchmark"],
        [
            as_array(lower, "lower limits").astype(float),
            as_array(upper, "upper limits").astype(float),
            as_array(benchmark, "benchmark values").astype(float),
        ],
    )
    n = len(lo)
    polarities = _check_polarity(polarity, n)
    reversed_ = lo > hi  # NaN compares False, so missing values pass through to "Not compared"
    if reversed_.any():
        i = int(np.flatnonzero(reversed_)[0])
        raise ValueError(
            "lower limits must not be greater than upper limits; "
            f"got {lo[i]:g} to {hi[i]:g} at position {i}"
        )

    below_word = np.array([_WORDS[p][0] for p in polarities], dtype=object)
    above_word = np.array([_WORDS[p][1] for p in polarities], dtype=object)
    missing = np.isnan(lo) | np.isnan(hi) | np.isnan(bench)
    comparison = np.select(
        [missing, hi < bench, lo > bench],
        [NOT_COMPARED, below_word, above_word],
        default=SIMILAR,
    )
    return pd.DataFrame(
        {
            "lower": lo,
            "upper": hi,
            "benchmark": bench,
            "polarity": polarities,
            "comparison": comparison,
        },
        index=index_of([lower, upper, benchmark], n),
    )


def benchmark_rates(
    count: Any,
    population: Any,
    benchmark_count: Any,
    benchmark_population: Any,
    multiplier: float = 1000,
    confidence: float | Sequence[float] = 0.95,
    polarity: str | Sequence[str] = "lower_is_better",
) -> pd.DataFrame:
    """Crude rates for areas, each compared with a benchmark rate by the Fingertips rule.

    The benchmark rate is ``benchmark_count / benchmark_population * multiplier`` (e.g. London's
    count and population). Each area's first-level confidence interval from
    :func:`~scpb_analysis.stats.rates.crude_rate` is compared with it by
    :func:`compare_to_benchmark`.

    Parameters
    ----------
    count, population : array-like or pandas.Series
        The areas' counts and populations, as for :func:`~scpb_analysis.stats.rates.crude_rate`.
    benchmark_count, benchmark_population : int or float, or array-like
        The benchmark's count and population; single values apply to every area.
    multiplier : float, default 1000
        Rate per this many people.
    confidence : float or sequence of float, default 0.95
        As for :func:`~scpb_analysis.stats.rates.crude_rate`; the comparison uses the first.
    polarity : {"lower_is_better", "higher_is_better", "none"} or sequence of them
        Which direction is good.

    Returns
    -------
    pandas.DataFrame
        :func:`~scpb_analysis.stats.rates.crude_rate`'s columns, then ``benchmark`` (the
        benchmark rate) and ``comparison``.

    Examples
    --------
    >>> out = benchmark_rates([3, 57, 20], 25_000, 900, 1_000_000, multiplier=100_000)
    >>> out[["count", "value", "lower", "upper", "benchmark", "comparison"]].round(2)
       count  value   lower   upper  benchmark comparison
    0      3   12.0    2.47   35.07       90.0     Better
    1     57  228.0  172.67  295.41       90.0      Worse
    2     20   80.0   48.85  123.56       90.0    Similar
    """
    table = crude_rate(count, population, multiplier=multiplier, confidence=confidence)
    n = len(table)
    bench_count, bench_population = (
        as_array(benchmark_count, "benchmark counts"),
        as_array(benchmark_population, "benchmark population figures"),
    )
    _, bench_count, bench_population = broadcast(
        ["count", "benchmark_count", "benchmark_population"],
        [np.zeros(n), bench_count, bench_population],
    )
    bench_count = check_counts(bench_count, "benchmark counts")
    bench_population = check_positive(
        bench_population, "benchmark population must be greater than 0"
    )
    benchmark = bench_count / bench_population.astype(float) * multiplier
    compared = compare_to_benchmark(
        table["lower"].to_numpy(), table["upper"].to_numpy(), benchmark, polarity
    )
    table["benchmark"] = benchmark
    table["comparison"] = compared["comparison"].to_numpy()
    return table


def _funnel_inputs(
    population: Any, benchmark_rate: Any, count: Any = None
) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
    """Validated (counts, populations, benchmark rates), stretched to one length."""
    names = ["population", "benchmark_rate"]
    arrays = [
        as_array(population, "population figures"),
        as_array(benchmark_rate, "benchmark rates"),
    ]
    if count is not None:
        names.insert(0, "count")
        arrays.insert(0, as_array(count, "counts"))
    *maybe_count, pop, rate = broadcast(names, arrays)
    counts = check_counts(maybe_count[0], "counts") if maybe_count else None
    pop = check_positive(pop, "population must be greater than 0")
    rate = rate.astype(float)
    fail("benchmark rate must be 0 or more", rate, ~(np.isfinite(rate) & (rate >= 0)))
    return counts, pop, rate


def _funnel_table(
    pop: np.ndarray, rate: np.ndarray, multiplier: float, levels: Sequence[float]
) -> dict[str, np.ndarray]:
    expected = rate * pop.astype(float) / multiplier
    scale = multiplier / pop.astype(float)
    columns = {}
    for level in levels:
        lower, upper = exact_poisson_limits(expected, level)
        columns[f"lower_{level_suffix(level)}"] = lower * scale
        columns[f"upper_{level_suffix(level)}"] = upper * scale
    return columns


def funnel_limits(
    population: Any,
    benchmark_rate: Any,
    multiplier: float = 1000,
    confidence: float | Sequence[float] = (0.95, 0.998),
) -> pd.DataFrame:
    """Funnel-plot control limits around a benchmark rate, for areas of the given populations.

    For a population ``P`` the expected count is ``E = benchmark_rate * P / multiplier``. The
    limits on the count are the exact Poisson (chi-square) limits applied to ``E``,
    ``chi2.ppf(a/2, 2E)/2`` and ``chi2.ppf(1 - a/2, 2E + 2)/2`` (the lower one 0 when ``E`` is
    0), converted back to rates. They narrow as the population grows.

    Parameters
    ----------
    population : float, array-like or pandas.Series
        Populations at which to draw the limits (the areas', or a smooth grid for plotting);
        greater than 0.
    benchmark_rate : float or array-like
        The benchmark rate per ``multiplier``; 0 or more.
    multiplier : float, default 1000
        The rate's multiplier.
    confidence : float or sequence of float, default (0.95, 0.998)
        Levels for which to give limits; each adds ``lower_<digits>, upper_<digits>``.

    Returns
    -------
    pandas.DataFrame
        Columns ``population, benchmark_rate, lower_95, upper_95, lower_998, upper_998, method,
        multiplier`` for the default levels; ``method`` is ``"exact Poisson"``.

    Examples
    --------
    >>> limits = funnel_limits([1_000, 10_000, 100_000], 50.0)
    >>> limits[["population", "lower_95", "upper_95", "lower_998", "upper_998"]].round(2)
       population  lower_95  upper_95  lower_998  upper_998
    0        1000     37.11     65.92      30.96      75.94
    1       10000     45.71     54.58      43.37      57.30
    2      100000     48.62     51.41      47.84      52.22
    >>> limits.columns.tolist()
    ['population', 'benchmark_rate', 'lower_95', 'upper_95', 'lower_998', 'upper_998', 'method',
     'multiplier']
    """
    levels = confidence_levels(confidence)
    multiplier = check_multiplier(multiplier)
    _, pop, rate = _funnel_inputs(population, benchmark_rate)
    table = pd.DataFrame(
        {"population": pop, "benchmark_rate": rate}, index=index_of([population], len(pop))
    )
    for name, values in _funnel_table(pop, rate, multiplier, levels).items():
        table[name] = values
    table["method"] = EXACT_POISSON
    table["multiplier"] = multiplier
    return table


def funnel_position(
    count: Any,
    population: Any,
    benchmark_rate: Any,
    multiplier: float = 1000,
    confidence: Sequence[float] = (0.95, 0.998),
) -> pd.DataFrame:
    """Where each area's rate falls on a funnel plot around a benchmark rate.

    Each area's rate ``count / population * multiplier`` is placed against the
    :func:`funnel_limits` for its population: ``"within 95%"`` (limits included), ``"above
    95%"``/``"below 95%"`` between the inner and outer limits, or ``"above 99.8%"``/``"below
    99.8%"`` beyond the outer limits (labels follow the levels given).

    Parameters
    ----------
    count : int, array-like or pandas.Series
        The areas' counts; whole numbers of 0 or more.
    population : float, array-like or pandas.Series
        The areas' populations; greater than 0.
    benchmark_rate : float or array-like
        The benchmark rate per ``multiplier``; 0 or more.
    multiplier : float, default 1000
        The rate's multiplier.
    confidence : pair of float, default (0.95, 0.998)
        The inner and outer control-limit levels, inner first.

    Returns
    -------
    pandas.DataFrame
        Columns ``count, population, benchmark_rate, value, lower_95, upper_95, lower_998,
        upper_998, funnel, method, multiplier`` for the default levels.

    Examples
    --------
    >>> out = funnel_position([50, 70, 30, 90], 1_000, 50.0)
    >>> out[["count", "value", "lower_95", "upper_95", "upper_998", "funnel"]].round(2)
       count  value  lower_95  upper_95  upper_998       funnel
    0     50   50.0     37.11     65.92      75.94   within 95%
    1     70   70.0     37.11     65.92      75.94    above 95%
    2     30   30.0     37.11     65.92      75.94  below 99.8%
    3     90   90.0     37.11     65.92      75.94  above 99.8%
    """
    levels = confidence_levels(confidence)
    if len(levels) != 2 or levels[0] >= levels[1]:
        raise ValueError(
            "confidence must be two levels, inner then outer, such as (0.95, 0.998); "
            f"got {confidence!r}"
        )
    multiplier = check_multiplier(multiplier)
    counts, pop, rate = _funnel_inputs(population, benchmark_rate, count)
    value = counts / pop.astype(float) * multiplier
    limits = _funnel_table(pop, rate, multiplier, levels)
    inner, outer = (level_suffix(level) for level in levels)
    inner_label, outer_label = (_percent_label(level) for level in levels)
    funnel = np.select(
        [
            value > limits[f"upper_{outer}"],
            value < limits[f"lower_{outer}"],
            value > limits[f"upper_{inner}"],
            value < limits[f"lower_{inner}"],
        ],
        [
            f"above {outer_label}",
            f"below {outer_label}",
            f"above {inner_label}",
            f"below {inner_label}",
        ],
        default=f"within {inner_label}",
    )
    table = pd.DataFrame(
        {"count": counts, "population": pop, "benchmark_rate": rate, "value": value},
        index=index_of([count, population], len(counts)),
    )
    for name, values in limits.items():
        table[name] = values
    table["funnel"] = funnel
    table["method"] = EXACT_POISSON
    table["multiplier"] = multiplier
    return table
