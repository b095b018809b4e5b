"""Shares of a total, rounded by a declared rule, and changes in percentage points labelled pp.

The July 2023 pack printed CCTV incidents by ward as whole-percent shares that add up to 101%
under a "Grand Total ... 100%" row. Rounding each share half up is honest but need not sum to
100; the largest remainder (Hamilton) method always does. :func:`shares` applies either rule
exactly (on fractions, so 2.5 rounds to 3 and 0.125 to 0.13 every time), names the rule in the
table, and :func:`shares_note` writes the footnote a table needs when its shares do not sum
to 100.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from numbers import Rational, Real
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "ROUNDING_RULES",
    "format_share",
    "percentage_point_change",
    "round_fraction_half_up",
    "round_half_up",
    "shares",
    "shares_note",
]

ROUNDING_RULES = ("half_up", "largest_remainder")
SHARES_COLUMNS = ["label", "count", "share", "share_rounded", "rounding"]


def _check_decimals(decimals: Any) -> int:
    if isinstance(decimals, bool | np.bool_) or not isinstance(decimals, int | np.integer) \
            or decimals < 0:
        raise ValueError(f"decimals must be a whole number of 0 or more, got {decimals!r}")
    return int(decimals)


def _exact(value: Any, what: str) -> Fraction:
    """An exact fraction for ``value``; a float is taken as the decimal it prints as."""
    if isinstance(value, bool | np.bool_) or value is None:
        raise ValueError(f"{what} must be a number, got {value!r}")
    if isinstance(value, Fraction | Rational | int | np.integer):
        return Fraction(int(value)) if isinstance(value, np.integer) else Fraction(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{what} must be a finite number, got {value!r}")
        return Fraction(value)
    if isinstance(value, Real | np.floating):
        if not math.isfinite(float(value)):
            raise ValueError(f"{what} must be a finite number, got {value!r}")
        # repr gives the shortest decimal that round-trips: 2.675 is read as 2.675, as the
        # analyst typed and sees it, not as its binary neighbour 2.67499999...
        return Fraction(Decimal(repr(float(value))))
    raise ValueError(f"{what} must be a number, got {value!r}")


def round_fraction_half_up(value: Fraction, decimals: int) -> Fraction:
    """An exact fraction rounded half away from zero, kept exact.

    >>> round_fraction_half_up(Fraction(-1, 8), 2)
    Fraction(-13, 100)
    """
    scale = 10**decimals
    magnitude = abs(value) * scale
    whole = math.floor(magnitude)
    if magnitude - whole >= Fraction(1, 2):
        whole += 1
    return Fraction(-whole if value < 0 else whole, scale)


def _unit_text(decimals: int) -> str:
    if decimals == 0:
        return "whole percent"
    return f"{decimals} decimal place{'s' if decimals > 1 else ''}"


def round_half_up(value: float | int | Decimal | Fraction, decimals: int = 0) -> float:
    """Round half away from zero, exactly, on the value as written.

    A float is taken at its shortest printed form, so ``2.675`` rounds to ``2.68`` (Python's
    built-in ``round`` gives 2.67 because the stored binary value is slightly below 2.675, and
    rounds 2.5 to 2 because it rounds halves to even).

    Parameters
    ----------
    value : float, int, Decimal or Fraction
        The number to round.
    decimals : int, default 0
        Decimal places to keep.

    Returns
    -------
    float

    Examples
    --------
    >>> round_half_up(2.5), round_half_up(0.125, 2), round_half_up(-2.5), round_half_up(2.675, 2)
    (3.0, 0.13, -3.0, 2.68)
    """
    places = _check_decimals(decimals)
    return float(round_fraction_half_up(_exact(value, "value"), places))


def _largest_remainder(counts: list[Fraction], total: Fraction, decimals: int) -> list[Fraction]:
    units = 100 * 10**decimals
    quotas = [c * units / total for c in counts]
    floors = [math.floor(q) for q in quotas]
    spare = units - sum(floors)
    # Ties in the remainder go to the larger count, then to the earlier row, so the result
    # never depends on how a sort happens to break them.
    order = sorted(range(len(counts)), key=lambda i: (-(quotas[i] - floors[i]), -counts[i], i))
    for i in order[:spare]:
        floors[i] += 1
    return [Fraction(f, 10**decimals) for f in floors]


def _counts_and_labels(counts: Any, labels: Any) -> tuple[list[Any], list[Any]]:
    if isinstance(counts, pd.DataFrame):
        raise ValueError("counts must be one column of counts (a Series, dict or list), "
                         "not a table")
    if isinstance(counts, pd.Series):
        values, own = list(counts.to_numpy(dtype=object)), list(counts.index)
    elif isinstance(counts, Mapping):
        values, own = list(counts.values()), list(counts.keys())
    elif isinstance(counts, str) or not isinstance(counts, Sequence | np.ndarray | pd.Index):
        raise ValueError(f"counts must be a Series, dict or list of counts, got {counts!r}")
    else:
        values = list(np.asarray(counts, dtype=object).ravel())
        own = list(range(len(values)))
    if labels is not None:
        labels = list(labels)
        if len(labels) != len(values):
            raise ValueError(f"labels must have one label per count: got {len(labels)} labels "
                             f"for {len(values)} counts")
        own = labels
    if not values:
        raise ValueError("shares need at least one count")
    return values, own


def shares(
    counts: pd.Series | Mapping[Any, float] | Sequence[float] | np.ndarray,
    labels: Sequence[Any] | None = None,
    decimals: int = 0,
    rounding: str = "half_up",
) -> pd.DataFrame:
    """Each count's share of the total, exact and rounded by a declared rule.

    Parameters
    ----------
    counts : pandas.Series, dict or array-like of numbers
        Counts of 0 or more. A Series' index or a dict's keys become the labels.
    labels : array-like, optional
        One label per count; overrides the Series index or dict keys (default for a plain
        list: positions 0, 1, ...).
    decimals : int, default 0
        Decimal places of the rounded share (0 = whole percent).
    rounding : {"half_up", "largest_remainder"}, default "half_up"
        ``"half_up"`` rounds each share half away from zero, as the published packs print,
        so the shares may not sum to 100 (see :func:`shares_note`). ``"largest_remainder"``
        (Hamilton method) rounds each share down, then gives the units still missing from
        100 to the largest remainders (ties to the larger count, then the earlier row), so
        the shares always sum to exactly 100.

    Returns
    -------
    pandas.DataFrame
        One row per count with ``label, count, share`` (exact percent, as a float),
        ``share_rounded`` and ``rounding`` (the rule in words, e.g. "rounded half up to whole
        percent").

    Raises
    ------
    ValueError
        A negative or non-numeric count, a total of 0, or an unknown rounding rule.

    Examples
    --------
    >>> shares({"Edgware": 1, "Hendon": 1, "Mill Hill": 1})
           label  count      share  share_rounded                          rounding
    0    Edgware      1  33.333333           33.0  rounded half up to whole percent
    1     Hendon      1  33.333333           33.0  rounded half up to whole percent
    2  Mill Hill      1  33.333333           33.0  rounded half up to whole percent
    >>> shares([1, 1, 1], rounding="largest_remainder")["share_rounded"].tolist()
    [34.0, 33.0, 33.0]
    """
    places = _check_decimals(decimals)
    if rounding not in ROUNDING_RULES:
        raise ValueError(f"rounding must be one of {', '.join(map(repr, ROUNDING_RULES))}, "
                         f"got {rounding!r}")
    values, names = _counts_and_labels(counts, labels)
    exact = []
    for value, name in zip(values, names, strict=True):
        count = _exact(value, f"count for {name!r}")
        if count < 0:
            raise ValueError(f"counts must be 0 or more, got {value!r} for {name!r}")
        exact.append(count)
    total = sum(exact, Fraction(0))
    if total <= 0:
        raise ValueError("shares need a total greater than 0")

    share = [c * 100 / total for c in exact]
    if rounding == "half_up":
        rounded = [round_fraction_half_up(s, places) for s in share]
        rule = f"rounded half up to {_unit_text(places)}"
    else:
        rounded = _largest_remainder(exact, total, places)
        rule = f"rounded by largest remainder to {_unit_text(places)}"
    return pd.DataFrame({
        "label": pd.Series(names, dtype=object),
        # Counts stay whole numbers when they are, so the table prints as the source did.
        "count": ([int(c) for c in exact] if all(c.denominator == 1 for c in exact)
                  else [float(c) for c in exact]),
        "share": [float(s) for s in share],
        "share_rounded": [float(r) for r in rounded],
        "rounding": rule,
    })[SHARES_COLUMNS]


def shares_note(table: pd.DataFrame) -> str:
    """A footnote for a shares table whose rounded shares do not sum to 100, else ``""``.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`shares`.

    Returns
    -------
    str

    Examples
    --------
    >>> shares_note(shares([1, 1, 1]))
    'Shares are rounded half up to whole percent, so they sum to 99%, not 100%.'
    >>> shares_note(shares([1, 1, 1], rounding="largest_remainder"))
    ''
    """
    if not isinstance(table, pd.DataFrame) or not {"share_rounded", "rounding"} <= set(
            table.columns):
        raise ValueError("shares_note needs the table returned by shares(), with "
                         "share_rounded and rounding columns")
    if table.empty:
        raise ValueError("shares_note needs at least one row")
    rules = table["rounding"].unique()
    if len(rules) != 1:
        raise ValueError(f"shares_note needs one rounding rule per table, found "
                         f"{', '.join(map(repr, rules))}")
    # Summed as decimals so 33.3 + 33.3 + 33.3 is 99.9, not 99.89999999999999.
    total = sum((Decimal(repr(float(v))) for v in table["share_rounded"]), Decimal(0))
    if total == 100:
        return ""
    return f"Shares are {rules[0]}, so they sum to {total.normalize():f}%, not 100%."


def format_share(value: float | int | Decimal | Fraction, decimals: int = 0) -> str:
    """A share already in percent as text, rounded half up: ``33.33`` -> ``"33%"``.

    Examples
    --------
    >>> format_share(33.333), format_share(2.5), format_share(12.25, 1)
    ('33%', '3%', '12.3%')
    """
    places = _check_decimals(decimals)
    rounded = round_fraction_half_up(_exact(value, "share"), places)
    return f"{Decimal(rounded.numerator) / Decimal(rounded.denominator):.{places}f}%"


def percentage_point_change(
    current_pct: float | int | Decimal | Fraction,
    previous_pct: float | int | Decimal | Fraction,
    decimals: int = 1,
) -> str:
    """The change between two percentages, in percentage points (pp), never "%".

    A rise from 12.5% to 15% is "+2.5 pp"; calling it "+2.5%" would read as a relative change
    (which would be 20%). The difference is taken exactly on the values as written and rounded
    half away from zero. A real change too small to show at ``decimals`` places is shown to its
    first significant place ("+0.01 pp"), never as "+0.0 pp" or "-0.0 pp"; no change at all is
    "0.0 pp".

    Parameters
    ----------
    current_pct, previous_pct : number
        The two percentages (for example 15 for 15%).
    decimals : int, default 1
        Decimal places in the text.

    Returns
    -------
    str

    Examples
    --------
    >>> percentage_point_change(15, 12.5), percentage_point_change(33.1, 33.5)
    ('+2.5 pp', '-0.4 pp')
    >>> percentage_point_change(40, 40), percentage_point_change(40.01, 40)
    ('0.0 pp', '+0.01 pp')
    """
    places = _check_decimals(decimals)
    diff = _exact(current_pct, "current_pct") - _exact(previous_pct, "previous_pct")
    rounded = round_fraction_half_up(diff, places)
    while rounded == 0 and diff != 0:
        places += 1
        rounded = round_fraction_half_up(diff, places)
    text = f"{Decimal(abs(rounded.numerator)) / Decimal(rounded.denominator):.{places}f}"
    sign = "+" if diff > 0 else "-" if diff < 0 else ""
    return f"{sign}{text} pp"
