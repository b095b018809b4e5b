"""Percentage change and its direction, computed exactly and worded as the board reads it.

Published packs have printed "7% increase" for a 7% decrease, "Decrease (3.5%)" for a 3.3%
fall and "a decrease of 0%" for a rise from 0 to 3. Here the direction word is derived from the
counts, the percentage is rounded from the exact fraction (half away from zero), and a zero
base never produces a percentage.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import numpy as np
import pandas as pd

__all__ = [
    "exact_percent_change",
    "percent_change",
    "format_percent_change",
    "direction_of_change",
    "change_test",
    "significance_clause",
]


def _check(current: int, previous: int) -> None:
    for name, value in (("current", current), ("previous", previous)):
        if int(value) != value or value < 0:
            raise ValueError(f"{name} count must be a whole number of 0 or more, got {value!r}")


def exact_percent_change(current: int, previous: int) -> Fraction | None:
    """Percentage change from ``previous`` to ``current`` as an exact fraction, unrounded.

    The one computation of a percentage change: :func:`percent_change` rounds it for print,
    rankings order on it unrounded. Returns ``None`` when ``previous`` is 0.

    Examples
    --------
    >>> exact_percent_change(587, 608)
    Fraction(-525, 152)
    >>> float(exact_percent_change(3, 2)), exact_percent_change(3, 0) is None
    (50.0, True)
    """
    _check(current, previous)
    if previous == 0:
        return None
    return Fraction(int(current) - int(previous), int(previous)) * 100


def percent_change(current: int, previous: int, decimals: int = 1) -> float | None:
    """Percentage change from ``previous`` to ``current``, rounded half away from zero.

    Returns ``None`` when ``previous`` is 0: a change from nothing has no percentage.

    Examples
    --------
    >>> percent_change(1951, 1848)
    5.6
    >>> percent_change(587, 608)
    -3.5
    >>> percent_change(3, 0) is None
    True
    """
    exact = exact_percent_change(current, previous)
    if exact is None:
        return None
    quantum = Decimal(1).scaleb(-decimals)
    magnitude = (Decimal(abs(exact.numerator)) / Decimal(exact.denominator)).quantize(
        quantum, rounding=ROUND_HALF_UP)
    return float(-magnitude if exact < 0 else magnitude)


def direction_of_change(current: int, previous: int) -> str:
    """``'increase'``, ``'decrease'`` or ``'no change'``, from the counts themselves.

    >>> direction_of_change(480, 463), direction_of_change(165, 170), direction_of_change(0, 0)
    ('increase', 'decrease', 'no change')
    """
    _check(current, previous)
    if current > previous:
        return "increase"
    if current < previous:
        return "decrease"
    return "no change"


def format_percent_change(current: int, previous: int, decimals: int = 1) -> str:
    """Signed percentage text, or the reason there is none.

    A real change too small to show at ``decimals`` places is shown to its first significant
    place, never as "-0.0" or "+0.0" (which read as no change, or as a sign on nothing); no
    change at all is "0.0".

    Examples
    --------
    >>> format_percent_change(1951, 1848), format_percent_change(165, 170)
    ('+5.6', '-2.9')
    >>> format_percent_change(3, 0), format_percent_change(0, 0)
    ('n/a (up from 0)', 'n/a (0 in both periods)')
    >>> format_percent_change(19999, 20000), format_percent_change(100, 100)
    ('-0.01', '0.0')
    """
    pct = percent_change(current, previous, decimals)
    if pct is None:
        return "n/a (up from 0)" if current > 0 else "n/a (0 in both periods)"
    if current == previous:
        return f"{0:.{decimals}f}"
    places = decimals
    while pct == 0:
        places += 1
        pct = percent_change(current, previous, places)
    return f"{pct:+.{places}f}"


def change_test(current, previous, alpha: float = 0.05) -> pd.DataFrame:
    """Exact test of a change between two counts over periods of equal length.

    Under no change in the underlying rate, and given the total ``n = current + previous``,
    ``current`` is Binomial(n, 1/2) (the conditional test for two Poisson counts). The
    two-sided p-value is twice the smaller tail, capped at 1.

    Parameters
    ----------
    current, previous : int or array-like of int
        Counts in the later and the earlier period (equal lengths, e.g. 12 months each).
    alpha : float
        Significance level; the label says which level was used.

    Returns
    -------
    DataFrame
        ``current, previous, value`` (the rate ratio current/previous, NaN for a zero base),
        ``lower, upper`` (its exact conditional confidence interval, from the Clopper-Pearson
        interval of current/(current + previous)), ``confidence`` (1 - alpha), ``p_value,
        significance, alpha, method``. ``significance`` is ``significant increase``,
        ``significant decrease`` or ``no significant change``.

    Examples
    --------
    >>> t = change_test([13, 2310, 1951], [2, 2302, 1848])
    >>> t["significance"].tolist()
    ['significant increase', 'no significant change', 'no significant change']
    >>> round(float(t.loc[0, "p_value"]), 4)
    0.0074
    """
    from scipy.stats import beta, binom

    cur = np.atleast_1d(np.asarray(current))
    prev = np.atleast_1d(np.asarray(previous))
    cur, prev = np.broadcast_arrays(cur, prev)
    for name, arr in (("current", cur), ("previous", prev)):
        numeric = np.asarray(arr, dtype=float)
        bad = np.flatnonzero(~np.isfinite(numeric) | (numeric < 0) | (numeric != np.floor(numeric)))
        if bad.size:
            raise ValueError(f"{name} counts must be whole numbers of 0 or more "
                             f"(position {bad[0]}: {arr[bad[0]]!r})")
    if not 0 < alpha < 0.5:
        raise ValueError(f"alpha must be between 0 and 0.5, got {alpha}")
    cur = cur.astype(np.int64)
    prev = prev.astype(np.int64)
    total = cur + prev
    lower_tail = binom.cdf(cur, total, 0.5)
    upper_tail = binom.sf(cur - 1, total, 0.5)
    p_value = np.minimum(1.0, 2 * np.minimum(lower_tail, upper_tail))
    p_value = np.where(total == 0, 1.0, p_value)
    significant = p_value < alpha
    label = np.where(~significant, "no significant change",
                     np.where(cur > prev, "significant increase", "significant decrease"))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(prev > 0, cur / np.where(prev > 0, prev, 1), np.nan)
        share_low = np.where(cur > 0, beta.ppf(alpha / 2, cur, prev + 1), 0.0)
        share_high = np.where(prev > 0, beta.ppf(1 - alpha / 2, cur + 1, prev), 1.0)
        lower = np.where(total > 0, share_low / (1 - share_low), np.nan)
        upper = np.where(total > 0, share_high / (1 - share_high), np.nan)
    return pd.DataFrame({
        "current": cur,
        "previous": prev,
        "value": ratio,
        "lower": lower,
        "upper": np.where(prev > 0, upper, np.inf),
        "confidence": 1 - alpha,
        "p_value": p_value,
        "significance": label,
        "alpha": alpha,
        "method": "exact conditional binomial test for two Poisson counts (two-sided)",
    })


def significance_clause(significance: str, alpha: float = 0.05) -> str:
    """The clause the narrative appends, stating the level.

    >>> significance_clause("no significant change")
    'which is not a statistically significant change (5% level)'
    """
    level = f"{alpha * 100:g}% level"
    if significance == "no significant change":
        return f"which is not a statistically significant change ({level})"
    return f"which is a statistically significant {significance.split()[-1]} ({level})"
