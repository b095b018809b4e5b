"""Reporting windows as the board writes them.

The performance dashboard compares "the 3 months of March 2023 to May 2023" with the same three
months a year earlier, and "the 12 months up to May 2023" with the 12 months before. Council
reporting also uses financial years (April to March) and their quarters (Q1 = April to June).
Every window here is a closed range of whole calendar months.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from scpb_analysis.core.errors import CoverageError

__all__ = [
    "Window",
    "to_month",
    "month_label",
    "three_month_windows",
    "twelve_month_windows",
    "financial_year",
    "financial_year_window",
    "fy_quarter",
    "fy_quarter_window",
    "calendar_year_window",
    "check_coverage",
    "month_ranges",
]

_MONTH_FORMATS = ("%Y-%m", "%Y%m", "%B %Y", "%b %Y", "%b-%y", "%b-%Y", "%Y-%m-%d", "%d/%m/%Y")


def to_month(value: str | pd.Period | pd.Timestamp) -> pd.Period:
    """Parse a month given as ``"2023-05"``, ``"202305"``, ``"May 2023"`` or a date.

    Examples
    --------
    >>> to_month("2023-05")
    Period('2023-05', 'M')
    >>> to_month("May 2023") == to_month("202305")
    True
    """
    if isinstance(value, pd.Period):
        return value.asfreq("M")
    if isinstance(value, pd.Timestamp):
        return value.to_period("M")
    text = str(value).strip()
    for fmt in _MONTH_FORMATS:
        try:
            return pd.Timestamp(pd.to_datetime(text, format=fmt)).to_period("M")
        except (ValueError, TypeError):
            continue
    raise ValueError(
        f"'{value}' is not a month; expected YYYY-MM (e.g. 2023-05), YYYYMM or 'May 2023'"
    )


def month_label(month: pd.Period) -> str:
    """Full month name and year, as printed in the board pack.

    >>> month_label(to_month("2023-03"))
    'March 2023'
    """
    return month.strftime("%B %Y")


@dataclass(frozen=True)
class Window:
    """A closed range of calendar months, ``start`` to ``end`` inclusive.

    Examples
    --------
    >>> w = Window(to_month("2023-03"), to_month("2023-05"))
    >>> w.n_months, w.label
    (3, 'March 2023 to May 2023')
    """

    start: pd.Period
    end: pd.Period

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"window ends ({self.end}) before it starts ({self.start})")

    @property
    def months(self) -> pd.PeriodIndex:
        """Every month in the window, oldest first."""
        return pd.period_range(self.start, self.end, freq="M")

    @property
    def n_months(self) -> int:
        """Number of months in the window."""
        return (self.end - self.start).n + 1

    @property
    def label(self) -> str:
        """``'March 2023 to May 2023'`` (a single month is just ``'May 2023'``)."""
        if self.start == self.end:
            return month_label(self.end)
        return f"{month_label(self.start)} to {month_label(self.end)}"

    @property
    def up_to_label(self) -> str:
        """``'12 months up to May 2023'``, the board's wording for rolling years."""
        return f"{self.n_months} months up to {month_label(self.end)}"

    def shift(self, months: int) -> Window:
        """The same-length window moved by ``months`` (negative is earlier)."""
        return Window(self.start + months, self.end + months)

    def overlaps(self, other: Window) -> bool:
        """True if the two windows share at least one month."""
        return not (self.end < other.start or other.end < self.start)


def three_month_windows(end: str | pd.Period) -> tuple[Window, Window]:
    """The 3 months to ``end`` and the same 3 months a year earlier.

    Examples
    --------
    >>> cur, prev = three_month_windows("2023-05")
    >>> cur.label, prev.label
    ('March 2023 to May 2023', 'March 2022 to May 2022')
    """
    end_m = to_month(end)
    current = Window(end_m - 2, end_m)
    return current, current.shift(-12)


def twelve_month_windows(end: str | pd.Period) -> tuple[Window, Window]:
    """The 12 months to ``end`` and the 12 months before them.

    Examples
    --------
    >>> cur, prev = twelve_month_windows("2023-05")
    >>> cur.up_to_label, prev.label
    ('12 months up to May 2023', 'June 2021 to May 2022')
    """
    end_m = to_month(end)
    current = Window(end_m - 11, end_m)
    return current, current.shift(-12)


def _fy_start_year(month: pd.Period) -> int:
    return month.year if month.month >= 4 else month.year - 1


def _fy_text(start_year: int) -> str:
    return f"{start_year}/{(start_year + 1) % 100:02d}"


def financial_year(month: str | pd.Period) -> str:
    """The financial year (April to March) containing ``month``.

    >>> financial_year("2023-03"), financial_year("2023-04")
    ('2022/23', '2023/24')
    """
    return _fy_text(_fy_start_year(to_month(month)))


def fy_quarter(month: str | pd.Period) -> str:
    """Financial-year quarter label, Q1 = April to June.

    >>> fy_quarter("2023-03"), fy_quarter("2023-04")
    ('Q4 2022/23', 'Q1 2023/24')
    """
    m = to_month(month)
    quarter = ((m.month - 4) % 12) // 3 + 1
    return f"Q{quarter} {financial_year(m)}"


_FY_RE = re.compile(r"^\s*(\d{4})\s*[/-]\s*(\d{2}|\d{4})\s*$")
_FYQ_RE = re.compile(r"^\s*Q([1-4])\s+(.+)$", re.IGNORECASE)


def _parse_fy(text: str) -> int:
    match = _FY_RE.match(text)
    if not match:
        raise ValueError(f"'{text}' is not a financial year; expected e.g. '2022/23'")
    start = int(match.group(1))
    end = int(match.group(2))
    if end % 100 != (start + 1) % 100:
        raise ValueError(
            f"'{text}' is not a financial year; expected {_fy_text(start)} (April {start} to "
            f"March {start + 1})"
        )
    return start


def financial_year_window(label: str) -> Window:
    """April to March of the financial year ``'2022/23'``.

    >>> financial_year_window("2022/23").label
    'April 2022 to March 2023'
    """
    start = _parse_fy(label)
    return Window(pd.Period(year=start, month=4, freq="M"), pd.Period(year=start + 1, month=3,
                                                                         freq="M"))


def fy_quarter_window(label: str) -> Window:
    """The three months of a quarter labelled like ``'Q4 2022/23'``.

    >>> fy_quarter_window("Q4 2022/23").label
    'January 2023 to March 2023'
    """
    match = _FYQ_RE.match(label)
    if not match:
        raise ValueError(f"'{label}' is not a financial-year quarter; expected e.g. 'Q4 2022/23'")
    quarter = int(match.group(1))
    first = financial_year_window(match.group(2)).start + 3 * (quarter - 1)
    return Window(first, first + 2)


def calendar_year_window(year: int) -> Window:
    """January to December of ``year``.

    >>> calendar_year_window(2022).label
    'January 2022 to December 2022'
    """
    return Window(pd.Period(year=year, month=1, freq="M"), pd.Period(year=year, month=12, freq="M"))


def month_ranges(months: Iterable[pd.Period]) -> str:
    """Months as text, consecutive months written as one range.

    >>> month_ranges(pd.PeriodIndex(["2021-06", "2021-07", "2021-08", "2022-01"], freq="M"))
    'June 2021 to August 2021, January 2022'
    """
    months = sorted(months)
    runs: list[list[pd.Period]] = []
    for m in months:
        if runs and (m - runs[-1][-1]).n == 1:
            runs[-1].append(m)
        else:
            runs.append([m])
    return ", ".join(
        month_label(r[0]) if len(r) == 1 else f"{month_label(r[0])} to {month_label(r[-1])}"
        for r in runs
    )


def check_coverage(
    available: Iterable[pd.Period], windows: Iterable[Window], *, what: str = "the data"
) -> None:
    """Raise :class:`CoverageError` unless every month of every window is available.

    The message says which months are missing (consecutive months as a range) and, if the
    windows run past the data, the latest month the data hold.

    Examples
    --------
    >>> have = pd.period_range("2022-01", "2023-05", freq="M")
    >>> check_coverage(have, three_month_windows("2023-05"))
    >>> check_coverage(have, three_month_windows("2023-07"))
    Traceback (most recent call last):
    ...
    scpb_analysis.core.errors.CoverageError: the data end in May 2023, before the period needed; \
missing months: June 2023 to July 2023
    """
    have = set(available)
    needed = sorted({m for w in windows for m in w.months})
    missing = [m for m in needed if m not in have]
    if not missing:
        return
    if not have:
        raise CoverageError(f"{what} hold no months at all; needed {month_ranges(needed)}")
    latest = max(have)
    if missing[-1] > latest:
        head = f"{what} end in {month_label(latest)}, before the period needed"
    else:
        head = f"{what} lack months the period needs"
    raise CoverageError(f"{head}; missing months: {month_ranges(missing)}")
