"""Crude rates and proportions with confidence intervals, in one table schema.

Every function takes scalars, lists, numpy arrays or pandas Series, and returns a DataFrame
whose columns are the inputs, then ``value, lower, upper, confidence, method`` and any extra
columns the statistic needs. ``method`` names, row by row, the confidence-interval method
that produced the limits, so a number on a slide can be traced back to how it was made.

Methods are implemented from their published formulas:

* exact Poisson limits from the chi-square distribution (counts under 10);
* Byar's approximation to them (counts of 10 or more), as in the PHE/UKHSA technical guidance
  on confidence intervals;
* the Wilson score interval for proportions.

``confidence`` may be one level (``0.95``) or several (``(0.95, 0.998)``): the first fills
``lower``, ``upper`` and ``confidence``, and each further level adds a pair of columns named
from its digits, e.g. ``lower_998`` and ``upper_998`` for 99.8%.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import chi2, norm

__all__ = ["crude_rate", "proportion"]

#: Below this count, limits come from the exact Poisson formula; from it upwards, Byar's.
BYAR_THRESHOLD = 10

EXACT_POISSON = "exact Poisson"
BYAR = "Byar"
WILSON = "Wilson"


# ---------------------------------------------------------------------------
# Input handling shared by the rates and benchmark modules
# ---------------------------------------------------------------------------


def _describe(value: float) -> str:
    if isinstance(value, float) and math.isnan(value):
        return "a missing value"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value) if isinstance(value, (int, str)) else f"{value:g}"


def fail(rule: str, values: np.ndarray, bad: np.ndarray) -> None:
    """Raise ``rule`` naming the first offending value and its position."""
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"{rule}; got {_describe(values[i].item())} at position {i}")


def as_array(values: Any, name: str) -> np.ndarray:
    """One-dimensional numpy array of ``values`` (missing values become NaN).

    ``name`` is the plural noun used in error messages, e.g. ``"counts"``.
    """
    if isinstance(values, (pd.Series, pd.Index)):
        if values.dtype.kind in "biuf":
            return values.to_numpy(dtype=float if values.hasnans else None)
        values = values.to_numpy(dtype=object, na_value=np.nan)
    array = np.asarray(values)
    if array.ndim > 1:
        raise ValueError(f"{name} must be a single number or a one-dimensional list of numbers")
    array = array.reshape(-1)
    if array.dtype.kind in "iuf":
        return array
    # Element by element so the message can point at the first thing that is not a number;
    # text such as "1,234" from a spreadsheet is refused rather than guessed at.
    converted = np.empty(len(array), dtype=float)
    # numpy turns [1, "x"] into all-text ["1", "x"], so look at the items as they were given.
    items = np.asarray(values, dtype=object).reshape(-1).tolist()
    for i, item in enumerate(items):
        try:
            if isinstance(item, (str, bytes)):
                raise TypeError
            converted[i] = np.nan if item is None else float(item)
        except (TypeError, ValueError):
            raise ValueError(f"{name} must be numbers; got {item!r} at position {i}") from None
    return converted


def broadcast(names: Sequence[str], arrays: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Stretch single values to the common length; refuse mismatched lengths."""
    lengths = {len(a) for a in arrays if len(a) != 1}
    if len(lengths) > 1:
        got = " and ".join(str(len(a)) for a in arrays)
        raise ValueError(
            f"{', '.join(names[:-1])} and {names[-1]} must be the same length (or single "
            f"values); got lengths {got}"
        )
    n = lengths.pop() if lengths else 1
    return [np.repeat(a, n) if len(a) == 1 and n != 1 else a for a in arrays]


def index_of(inputs: Sequence[Any], n: int) -> pd.Index:
    """The index of the first pandas Series input, so rows stay labelled (e.g. by ward)."""
    for values in inputs:
        if isinstance(values, pd.Series) and len(values) == n:
            return values.index
    return pd.RangeIndex(n)


def check_counts(values: np.ndarray, noun: str) -> np.ndarray:
    as_float = values.astype(float)
    rule = f"{noun} must be whole numbers of 0 or more"
    ok = np.isfinite(as_float) & (as_float >= 0) & (np.floor(as_float) == as_float)
    fail(rule, as_float, ~ok)
    return as_float.astype(np.int64)


def check_positive(values: np.ndarray, rule: str) -> np.ndarray:
    as_float = values.astype(float)
    fail(rule, as_float, ~(np.isfinite(as_float) & (as_float > 0)))
    return values if values.dtype.kind in "iu" else as_float


def check_multiplier(multiplier: float) -> float:
    if (
        isinstance(multiplier, bool)
        or not isinstance(multiplier, (int, float, np.integer, np.floating))
        or not np.isfinite(multiplier)
        or multiplier <= 0
    ):
        raise ValueError(f"multiplier must be a single number greater than 0; got {multiplier!r}")
    return multiplier


def confidence_levels(confidence: float | Sequence[float]) -> list[float]:
    """Confidence levels as a list, first one leading; each strictly between 0.5 and 1."""
    if isinstance(confidence, (str, bytes)):
        raise ValueError(f"confidence must be a number such as 0.95; got {confidence!r}")
    raw = list(np.atleast_1d(np.asarray(confidence, dtype=object)).reshape(-1))
    if not raw:
        raise ValueError("confidence must be a level such as 0.95, or levels such as "
                         "(0.95, 0.998); got no levels")
    levels = []
    for level in raw:
        if (
            isinstance(level, bool)
            or not isinstance(level, (int, float, np.integer, np.floating))
            or not 0.5 < level < 1
        ):
            raise ValueError(
                f"confidence must be between 0.5 and 1, such as 0.95 or 0.998; got {level!r}"
            )
        levels.append(float(level))
    suffixes = [level_suffix(level) for level in levels]
    if len(set(suffixes)) != len(suffixes):
        raise ValueError(f"confidence levels must all differ; got {tuple(levels)}")
    return levels


def level_suffix(level: float) -> str:
    """Column suffix from a level's percentage digits: 0.998 -> '998', 0.99 -> '99', 0.9 -> '90'.

    >>> [level_suffix(x) for x in (0.95, 0.998, 0.99, 0.9, 0.999)]
    ['95', '998', '99', '90', '999']
    """
    # Rounding to 10 significant figures hides float noise such as 99.80000000000001.
    return f"{level * 100:.10g}".replace(".", "")


def _z(level: float) -> float:
    return float(norm.ppf(1 - (1 - level) / 2))


# ---------------------------------------------------------------------------
# Interval formulas on counts
# ---------------------------------------------------------------------------


def exact_poisson_limits(observed: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Garwood) limits on a Poisson count, via the chi-square distribution.

    ``observed`` may be fractional (an expected count for funnel limits); the formula is
    continuous in it. A zero count has no lower tail, so its lower limit is 0.
    """
    alpha = 1 - level
    observed = np.asarray(observed, dtype=float)
    positive = observed > 0
    # chi2 with 0 degrees of freedom is undefined, so give it a harmless stand-in and mask.
    lower = np.where(positive, chi2.ppf(alpha / 2, 2 * np.where(positive, observed, 1)) / 2, 0.0)
    upper = chi2.ppf(1 - alpha / 2, 2 * observed + 2) / 2
    return lower, upper


def _byar_limits(observed: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Byar's approximation to the exact Poisson limits (good from about 10 events)."""
    z = _z(level)
    o = np.asarray(observed, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        lower = o * (1 - 1 / (9 * o) - z / (3 * np.sqrt(o))) ** 3
    upper = (o + 1) * (1 - 1 / (9 * (o + 1)) + z / (3 * np.sqrt(o + 1))) ** 3
    # At extreme levels (z above ~9) the cubed term turns negative; a count cannot.
    return np.clip(np.nan_to_num(lower, nan=0.0), 0, None), upper


def _poisson_count_limits(
    observed: np.ndarray, level: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Limits on counts, exact below :data:`BYAR_THRESHOLD` and Byar's from it; plus methods."""
    exact = observed < BYAR_THRESHOLD
    ex_lower, ex_upper = exact_poisson_limits(observed, level)
    by_lower, by_upper = _byar_limits(observed, level)
    methods = np.where(exact, EXACT_POISSON, BYAR)
    return np.where(exact, ex_lower, by_lower), np.where(exact, ex_upper, by_upper), methods


def _wilson_limits(
    numerator: np.ndarray, denominator: np.ndarray, level: float
) -> tuple[np.ndarray, np.ndarray]:
    z = _z(level)
    x = numerator.astype(float)
    n = denominator.astype(float)
    spread = z * np.sqrt(z**2 + 4 * x * (1 - x / n))
    lower = (2 * x + z**2 - spread) / (2 * (n + z**2))
    upper = (2 * x + z**2 + spread) / (2 * (n + z**2))
    # The limits are exactly 0 and 1 at the ends; rounding would otherwise leave 1e-17 slivers.
    lower = np.where(x == 0, 0.0, np.clip(lower, 0, 1))
    upper = np.where(x == n, 1.0, np.clip(upper, 0, 1))
    return lower, upper


def _add_alongside(
    table: pd.DataFrame, levels: Sequence[float], limits
) -> pd.DataFrame:
    """Append ``lower_<digits>, upper_<digits>`` for every level after the first."""
    for level in levels[1:]:
        lower, upper = limits(level)
        table[f"lower_{level_suffix(level)}"] = lower
        table[f"upper_{level_suffix(level)}"] = upper
    return table


def _read_inputs(confidence: Any, multiplier: Any, inputs: dict[str, tuple[Any, str]]
                 ) -> tuple[Any, ...]:
    """Checked levels and multiplier, then each input as an array, broadcast together."""
    levels = confidence_levels(confidence)
    multiplier = check_multiplier(multiplier)
    arrays = broadcast(list(inputs), [as_array(value, what) for value, what in inputs.values()])
    return (levels, multiplier, *arrays)


def _interval_table(
    inputs: dict[str, np.ndarray], value: np.ndarray, bounds: tuple[np.ndarray, np.ndarray],
    method: Any, multiplier: float, index: Any, levels: Sequence[float], limits
) -> pd.DataFrame:
    """The inputs, ``value, lower, upper, confidence, method, multiplier``, then further levels."""
    table = pd.DataFrame(
        {
            **inputs,
            "value": value,
            "lower": bounds[0],
            "upper": bounds[1],
            "confidence": levels[0],
            "method": method,
            "multiplier": multiplier,
        },
        index=index,
    )
    return _add_alongside(table, levels, limits)


# ---------------------------------------------------------------------------
# Public functions
# ---------------------------------------------------------------------------


def crude_rate(
    count: Any,
    population: Any,
    multiplier: float = 1000,
    confidence: float | Sequence[float] = 0.95,
) -> pd.DataFrame:
    """Crude rate per ``multiplier`` population, with Poisson confidence limits.

    The rate is ``count / population * multiplier``. Limits are exact Poisson (chi-square)
    limits for counts under 10 and Byar's approximation for counts of 10 or more, each divided
    by the population and multiplied by ``multiplier``.

    Parameters
    ----------
    count : int, array-like or pandas.Series
        Events observed (crimes, incidents); whole numbers of 0 or more.
    population : float, array-like or pandas.Series
        Population at risk; greater than 0. A single value applies to every count.
    multiplier : float, default 1000
        Rate per this many people, e.g. 1000 or 100_000.
    confidence : float or sequence of float, default 0.95
        Confidence level strictly between 0.5 and 1, or several levels such as
        ``(0.95, 0.998)``: the first fills ``lower``/``upper``/``confidence``, each further level
        adds ``lower_<digits>``/``upper_<digits>`` columns (``lower_998`` for 0.998).

    Returns
    -------
    pandas.DataFrame
        Columns ``count, population, value, lower, upper, confidence, method, multiplier``
        (then any extra-level columns), one row per input in input order. ``method`` is
        ``"exact Poisson"`` or ``"Byar"``. The index is that of the first Series input, if any.

    Raises
    ------
    ValueError
        If a count is negative, fractional or missing, a population is not greater than 0,
        the lengths differ, ``multiplier`` is not greater than 0 or a confidence level is not
        between 0.5 and 1.

    Examples
    --------
    >>> out = crude_rate([3, 57, 0], 25_000, multiplier=100_000)
    >>> out[["count", "value", "lower", "upper", "method"]].round(2)
       count  value   lower   upper         method
    0      3   12.0    2.47   35.07  exact Poisson
    1     57  228.0  172.67  295.41           Byar
    2      0    0.0    0.00   14.76  exact Poisson
    >>> crude_rate(57, 25_000, 100_000, confidence=(0.95, 0.998)).columns.tolist()
    ['count', 'population', 'value', 'lower', 'upper', 'confidence', 'method', 'multiplier',
     'lower_998', 'upper_998']
    """
    levels, multiplier, raw_count, raw_population = _read_inputs(
        confidence, multiplier, {"count": (count, "counts"),
                                 "population": (population, "population figures")})
    counts = check_counts(raw_count, "counts")
    population_out = check_positive(raw_population, "population must be greater than 0")
    scale = multiplier / population_out.astype(float)

    lower, upper, methods = _poisson_count_limits(counts, levels[0])

    def limits(level: float) -> tuple[np.ndarray, np.ndarray]:
        lo, hi, _ = _poisson_count_limits(counts, level)
        return lo * scale, hi * scale

    return _interval_table({"count": counts, "population": population_out}, counts * scale,
                           (lower * scale, upper * scale), methods, multiplier,
                           index_of([count, population], len(counts)), levels, limits)


def proportion(
    numerator: Any,
    denominator: Any,
    confidence: float | Sequence[float] = 0.95,
    multiplier: float = 1,
) -> pd.DataFrame:
    """Proportion ``numerator / denominator`` with a Wilson score confidence interval.

    Parameters
    ----------
    numerator : int, array-like or pandas.Series
        Cases with the attribute (e.g. offences with a suspect identified); whole numbers of
        0 or more and no greater than the denominator.
    denominator : int, array-like or pandas.Series
        All cases; whole numbers greater than 0. A single value applies to every numerator.
    confidence : float or sequence of float, default 0.95
        As for :func:`crude_rate`: one level, or several with the first leading.
    multiplier : float, default 1
        1 gives proportions, 100 percentages.

    Returns
    -------
    pandas.DataFrame
        Columns ``numerator, denominator, value, lower, upper, confidence, method,
        multiplier`` (then any extra-level columns); ``method`` is ``"Wilson"``.

    Raises
    ------
    ValueError
        If a numerator is negative, fractional, missing or greater than its denominator, a
        denominator is not a whole number greater than 0, or another argument is out of range.

    Examples
    --------
    >>> out = proportion(65, 100)
    >>> out[["value", "lower", "upper", "method"]].round(4)
       value   lower   upper  method
    0   0.65  0.5525  0.7364  Wilson
    >>> proportion([65, 0], 100, multiplier=100)[["value", "lower", "upper"]].round(2)
       value  lower  upper
    0   65.0  55.25  73.64
    1    0.0   0.00   3.70
    """
    levels, multiplier, raw_num, raw_den = _read_inputs(
        confidence, multiplier, {"numerator": (numerator, "numerators"),
                                 "denominator": (denominator, "denominators")})
    num = check_counts(raw_num, "numerators")
    den_float = raw_den.astype(float)
    fail(
        "denominators must be whole numbers greater than 0",
        den_float,
        ~(np.isfinite(den_float) & (den_float > 0) & (np.floor(den_float) == den_float)),
    )
    den = den_float.astype(np.int64)
    too_big = num > den
    if too_big.any():
        i = int(np.flatnonzero(too_big)[0])
        raise ValueError(
            "numerators must be less than or equal to their denominators; "
            f"got {num[i]} out of {den[i]} at position {i}"
        )

    lower, upper = _wilson_limits(num, den, levels[0])

    def limits(level: float) -> tuple[np.ndarray, np.ndarray]:
        lo, hi = _wilson_limits(num, den, level)
        return lo * multiplier, hi * multiplier

    return _interval_table({"numerator": num, "denominator": den}, num / den * multiplier,
                           (lower * multiplier, upper * multiplier), WILSON, multiplier,
                           index_of([numerator, denominator], len(num)), levels, limits)
