"""Percentage change and its direction, computed exactly and worded as the board reads it.

Published packs have printed "7% increase" for a 7% decrease, "Decrease (3.5%)" for a 3.3%
fall and "a decrease of 0%" for a rise from 0 to 3. Here the direction word is derived from the
counts, the percentage is rounded from the exact fraction (half away from zero), and a zero
base never produces a percentage.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

__all__ = ["percent_change", "format_percent_change", "direction_of_change"]


def _check(current: int, previous: int) -> None:
    for name, value in (("current", current), ("previous", previous)):
        if int(value) != value or value < 0:
            raise ValueError(f"{name} count must be a whole number of 0 or more, got {value!r}")


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
    _check(current, previous)
    if previous == 0:
        return None
    exact = Fraction(int(current) - int(previous), int(previous)) * 100
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

    Examples
    --------
    >>> format_percent_change(1951, 1848), format_percent_change(165, 170)
    ('+5.6', '-2.9')
    >>> format_percent_change(3, 0), format_percent_change(0, 0)
    ('n/a (up from 0)', 'n/a (0 in both periods)')
    """
    pct = percent_change(current, previous, decimals)
    if pct is None:
        return "n/a (up from 0)" if current > 0 else "n/a (0 in both periods)"
    if pct == 0:
        # A real change can round to 0.0; keep its sign so the text agrees with the direction.
        sign = "+" if current > previous else "-" if current < previous else ""
        return f"{sign}{0:.{decimals}f}"
    return f"{pct:+.{decimals}f}"
