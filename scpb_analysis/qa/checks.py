"""Check a board table against itself, its narrative and its period.

Published packs have carried ward shares summing to 101% under a "100%" total, "There were 15
PREVENT referrals" above a table totalling 17, a CS MARAC average labelled "per month" that is
per meeting, a CS MARAC case count that does not follow from the previous meeting's open, new
and closed cases, "Decrease (3.5%)" for a 3.3% fall, and a "3 Months to May 2023" heading over
"the 3 months to March 2023". :func:`check_table` re-derives every number it can from the
table's own counts, exactly (on fractions), and reports each disagreement as a
:class:`Failure` naming the row, the column and the numbers on both sides.

The checks
----------
``totals``
    A total row (its label contains "total") equals the sum of the other rows, per count
    column; a total column equals the sum of the other count columns, per row.
``percent_shares``
    A share column ("% of ...", "share", or a column whose total row reads 100%) holds each
    row's share of the count column to its left, rounded by the declared rule at the printed
    precision; the printed total percentage equals the sum of the printed shares.
``percent_change``
    A change column (its header says "change") or a "Change" row holds the change between
    two counts, rounded half away from zero at the printed precision; a direction word
    (Increase, Decrease, an arrow) agrees with the counts.
``stock_flow``
    A declared identity such as ``cases[t] = cases[t-1] - closed[t-1] + new[t]`` holds at
    every period; the first period that breaks is named with its numbers.
``period_labels``
    Windows named in the title, headers, row labels and narrative end in the table's period
    (or a whole number of years before it, the board's comparison period).
``narrative_numbers``
    Counts, percentages and averages quoted in the narrative equal the table's; an average
    "per month" must be the sum over the months of the period, not over the meetings.

The input
---------
A CSV exported from a board table: the first column holds the row labels; the other columns
hold counts ("1,234" is read as 1234; blank, "-", "*" and "n/a" are no value) or percentages
("14%", "-32.0%", "Decrease (3.5%)", "Increase (1.0%)", "▼ -38.3%", stray symbols ignored).
Rows above the header with only a first cell are title lines. Options come from a sidecar
``<name>.check.toml`` beside the CSV, then from comment lines at the top of the CSV, then from
the keyword arguments of :func:`check_table`; each later source overrides the earlier.

Comment syntax
--------------
Comment lines start with ``#`` and come before the table. A line ``# key: value`` sets an
option (keys are case-insensitive); a comment without a ``key:`` word is ignored. ``# note:``
lines are the table's footnotes: a note saying the rounded shares "sum to 101%" declares that
difference, so the printed 100% total is not reported. An unknown key is an error, so a
misspelt option is never silently dropped.
Keys marked *repeatable* may appear on several lines. The same keys, with the same values
(a list of strings for repeatable keys), may be written in the sidecar TOML file.

``# title: CCTV Incidents by Ward: 3 months of March 2023 to May 2023`` *(repeatable)*
    The heading printed over the table.
``# period: 2023-03..2023-05``
    The table's reporting period: ``YYYY-MM..YYYY-MM``, a single ``YYYY-MM``, or text the
    board uses ("Q4 2022/23", "3 months to May 2023", "April 2022 to March 2023"). Without
    it the period is read from the title, else from the latest window in the headers.
``# narrative: There were 15 PREVENT referrals in Barnet over Qtr4. ...`` *(repeatable)*
    Text printed with the table; each line is a paragraph.
``# layout: transposed``
    The table's rows are measures and its columns are periods (CS MARAC Table 1); the table
    is turned so that measures are columns before checking. The default is ``normal``.
``# rounding: half_up`` or ``largest_remainder``
    How shares were rounded (default half up, as the packs print).
``# decimals: 1``
    Printed precision of every percentage, overriding what each cell shows.
``# parts: Total referrals = Under 18 + Over 18 | Male + Female`` *(repeatable)*
    The named total is each ``|``-separated group's sum (for a total that several breakdowns
    share); by default a total row sums every other row.
``# shares: % of incidents = Number of Incidents`` *(repeatable)*
    The percentage column holds shares of that count column.
``# change: 12 months to March 2022 -> 12 months to March 2023`` *(repeatable)*
    The change row (or column) is the change from the first named row (or column) to the
    second; prefix ``TARGET =`` to name the change row or column when there are several.
    Without it a change column compares the two count columns before it, and a change row
    the two count rows above it.
``# names: cases = Cases on CS MARAC; closed = Closed Case on CS MARAC`` *(repeatable)*
    Short names for measures, used in identities.
``# identity: cases[t] = cases[t-1] - closed[t-1] + new[t]`` *(repeatable)*
    A stock-flow identity across consecutive periods (rows, or columns before ``layout:
    transposed`` turns them). A name is a short name, a measure's label in backquotes, or a
    word that picks out one measure; ``t`` may be offset by whole periods; terms may carry a
    whole-number factor (``2*new[t]``).
``# meetings: 8``
    Number of meetings in the period, for averages "per meeting" (default: the number of
    periods in the table).

Example::

    # title: Table 1. MARAC data
    # period: 2022-04..2023-03
    # layout: transposed
    # identity: cases[t] = cases[t-1] - closed[t-1] + new[t]
    # narrative: Total CS MARAC cases average approx. 20 per month
    Month,Apr-22,Jun-22,Jul-22,Sep-22
    Cases on CS MARAC,26,23,23,16
    New Cases on CS MARAC,7,5,3,2
    Closed Case on CS MARAC,8,3,10,2

How narrative numbers are matched
---------------------------------
Each clause of the narrative is matched to the rows and measures whose distinctive label words
it contains ("female referrals" picks "Female" over "Total referrals"); a clause naming none
inherits the row of the sentence, then of the clause before, then the total row. Years,
durations ("3 months", "every 6 weeks"), quarter numbers ("Qtr4"), dates, rates ("12.1 per
1000"), significance levels ("5% level") and numbers inside the matched label ("Under 18") are
not claims. "between 19 to 20" is a range. A number the table cannot place is left unchecked
and listed in :attr:`CheckReport.notes`.
"""

from __future__ import annotations

import csv
import io
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pandas as pd

from scpb_analysis.core.errors import InputDataError
from scpb_analysis.core.periods import Window, month_label, to_month
from scpb_analysis.core.rounding import ROUNDING_RULES, round_fraction_half_up
from scpb_analysis.core.rounding import shares as _rounded_shares

__all__ = ["CHECKS", "CheckReport", "Failure", "check_file", "check_table"]

CHECKS = ("totals", "percent_shares", "percent_change", "stock_flow", "period_labels",
          "narrative_numbers")


# --------------------------------------------------------------------------- report


@dataclass(frozen=True)
class Failure:
    """One disagreement found by a check.

    Attributes
    ----------
    check : str
        The check's name, one of :data:`CHECKS`.
    row : str or None
        The row of the printed table (as printed, before any ``layout: transposed`` turn).
    message : str
        What disagrees, with the numbers on both sides.
    numbers : dict
        The numbers behind the message (exact fractions where computed).
    column : str or None
        The column of the printed table.

    Examples
    --------
    >>> Failure("totals", "Total", "printed 4, but the 2 rows above sum to 3", {},
    ...         "Incidents").text()
    "totals: row 'Total', column 'Incidents': printed 4, but the 2 rows above sum to 3"
    """

    check: str
    row: str | None
    message: str
    numbers: dict[str, Any] = field(default_factory=dict)
    column: str | None = None

    def text(self) -> str:
        """One line: the check, where, and the message."""
        where = [f"row '{self.row}'"] if self.row is not None else []
        if self.column is not None:
            where.append(f"column '{self.column}'")
        head = f"{', '.join(where)}: " if where else ""
        return f"{self.check}: {head}{self.message}"


@dataclass
class CheckReport:
    """What :func:`check_table` found.

    Attributes
    ----------
    failures : list of Failure
        Every disagreement, in the order the checks ran.
    checks_run : list of str
        The checks that found something to check in this table.
    notes : list of str
        What could not be checked, and why.
    source : str or None
        The file checked, if any.
    """

    failures: list[Failure] = field(default_factory=list)
    checks_run: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    source: str | None = None

    @property
    def ok(self) -> bool:
        """True when no check failed."""
        return not self.failures

    def text(self, notes: bool = False) -> str:
        """One line per failure, or one line saying which checks passed.

        Parameters
        ----------
        notes : bool, default False
            Also list what could not be checked.
        """
        lines = [f.text() for f in self.failures]
        if not lines:
            ran = ", ".join(self.checks_run) if self.checks_run else "none applied"
            lines = [f"ok: checks passed: {ran}"]
        if notes:
            lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)


# --------------------------------------------------------------------------- numbers

_BLANKS = {"", "-", "–", "—", "*", "**", "n/a", "na", "n.a.", "..", ":", "x", "c", "[c]",
           "[x]", "null", "nan", "none", "nochange", "n/c"}
_STRAY = re.compile(r"[*†‡£^~≈#\s]")
_COUNT_RE = re.compile(r"^[-+]?\d+(?:\.\d+)?$")
_THOUSANDS_RE = re.compile(r"^[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_UP_RE = re.compile(r"increas|\brise\b|\brisen\b|\brose\b|\bup\b|higher|[↑▲⬆]", re.I)
_DOWN_RE = re.compile(r"decreas|declin|\bfall|\bfell\b|\bdown\b|lower|reduc|[↓▼⬇]", re.I)
_PCT_NUMBER_RE = re.compile(r"([-+])?\s*(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?\s*%")
_DASHES = str.maketrans({"−": "-", "–": "-", "—": "-"})


def _parse_count(text: str) -> Fraction | None:
    """A count written in a cell, or None for a blank, suppressed or non-numeric cell."""
    plain = _STRAY.sub("", text.translate(_DASHES))
    if plain.lower() in _BLANKS:
        return None
    if _THOUSANDS_RE.match(plain):
        plain = plain.replace(",", "")
    if not _COUNT_RE.match(plain):
        return None
    return Fraction(Decimal(plain))


@dataclass(frozen=True)
class _Pct:
    """A printed percentage: its value as a reader takes it, and how it was printed."""

    value: Fraction
    magnitude: Fraction
    decimals: int
    word: int
    sign: int
    text: str


def _parse_pct(text: str) -> _Pct | None:
    plain = text.translate(_DASHES).strip()
    match = _PCT_NUMBER_RE.search(plain)
    if not match:
        return None
    magnitude = Fraction(Decimal(match.group(2).replace(",", "") + (match.group(3) or "")))
    rest = plain[:match.start()] + " " + plain[match.end():]
    up, down = bool(_UP_RE.search(rest)), bool(_DOWN_RE.search(rest))
    word = 1 if up and not down else -1 if down and not up else 0
    sign = {"-": -1, "+": 1}.get(match.group(1) or "", 0)
    direction = sign or word or 1
    return _Pct(direction * magnitude, magnitude, len((match.group(3) or ".")[1:]), word, sign,
                text.strip())


def _is_pct_like(text: str) -> bool:
    # One percentage with at most a direction word or two ("Decrease (3.5%)", "▼ -38.3%"); a
    # sentence quoting a percentage (a dashboard's narrative column) is text, not a cell.
    found = _PCT_NUMBER_RE.findall(text)
    if len(found) != 1:
        return False
    rest = _PCT_NUMBER_RE.sub(" ", text)
    return len(re.findall(r"[A-Za-z]+", rest)) <= 3


# A suppressed count as disclosure control prints it: "<5" is a count below 5 (0 when zeros
# are hidden too), "[c]" a count withheld to protect one, at least the threshold.
_SMALL_RE = re.compile(r"^<\s*(\d+)$")


def _small_bound(text: str) -> int | None:
    """The threshold of a ``<N`` cell, or None."""
    match = _SMALL_RE.match(text.strip())
    return int(match.group(1)) if match else None


def _is_suppressed(text: str) -> bool:
    return (_small_bound(text) is not None
            or _STRAY.sub("", text).lower() in ("[c]", "c", "[x]", "x"))


def _is_blank(text: str) -> bool:
    return (_STRAY.sub("", text.translate(_DASHES)).lower() in _BLANKS
            or _small_bound(text) is not None)


# The packs round half away from zero, as stats.shares does; kept exact.
_round = round_fraction_half_up


def _dec(value: Fraction, decimals: int) -> str:
    """``value`` rounded half up and written with exactly ``decimals`` places."""
    rounded = _round(value, decimals)
    text = f"{Decimal(rounded.numerator) / Decimal(rounded.denominator):.{decimals}f}"
    return "0" + text[2:] if text.startswith("-0") and rounded == 0 else text


def _num(value: Fraction) -> str:
    """A number as a reader wants it: whole, exact to 2 places, else to 1 place."""
    if value.denominator == 1:
        return str(value.numerator)
    if 100 % value.denominator == 0:
        return _dec(value, 2).rstrip("0").rstrip(".")
    return _dec(value, 1)


def _signed(value: Fraction, decimals: int) -> str:
    text = _dec(value, decimals)
    return text if text.startswith("-") else f"+{text}" if value > 0 else text


def _plain(value: Fraction) -> int | Fraction:
    return value.numerator if value.denominator == 1 else value


# --------------------------------------------------------------------------- periods

_MONTHS = (r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
           r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?")
_MONTH_YEAR = rf"(?:{_MONTHS})\.?\s+\d{{4}}"
_N_TO_RE = re.compile(rf"\b(\d{{1,2}})\s+months?\s+(?:up\s+)?to\s+({_MONTH_YEAR})\b", re.I)
_RANGE_RE = re.compile(rf"\b({_MONTH_YEAR})\s*(?:-|–|—|to|until)\s*({_MONTH_YEAR})\b", re.I)
_QUARTER_RE = re.compile(r"\b(?:q|qtr|quarter)\s*([1-4])\s+(\d{4}|\d{2})\s*/\s*(\d{2})\b", re.I)
_QUARTER_RANGE_RE = re.compile(rf"({_QUARTER_RE.pattern})\s+to\s+({_QUARTER_RE.pattern})", re.I)
_FY_RE = re.compile(r"(?<![\d/])(\d{4}|\d{2})\s*/\s*(\d{2})(?![\d/])")
_DOTS_RE = re.compile(r"^\s*(\S+)\s*\.\.\s*(\S+)\s*$")


def _month_text(text: str) -> pd.Period:
    words = re.sub(r"\.", "", text).split()
    name = words[0][:3]
    return to_month(f"{name} {words[-1]}")


def _fy_start(first: str, second: str) -> int | None:
    start = int(first) + (2000 if len(first) == 2 else 0)
    return start if (start + 1) % 100 == int(second) else None


@dataclass(frozen=True)
class _Mention:
    """A period named somewhere in the table's text."""

    source: str
    text: str
    window: Window
    kind: str  # "window", "year" (a bare financial year) or "month" (a period column)


def _windows_in(text: str, source: str) -> list[_Mention]:
    found: list[tuple[int, _Mention]] = []
    masked = text

    def take(match: re.Match, window: Window | None, kind: str) -> None:
        nonlocal masked
        if window is not None:
            found.append((match.start(), _Mention(source, match.group(0).strip(), window,
                                                  kind)))
        masked = masked[:match.start()] + " " * (match.end() - match.start()) + \
            masked[match.end():]

    for match in list(_N_TO_RE.finditer(masked)):
        end = _month_text(match.group(2))
        take(match, Window(end - int(match.group(1)) + 1, end), "window")
    for match in list(_RANGE_RE.finditer(masked)):
        start, end = _month_text(match.group(1)), _month_text(match.group(2))
        take(match, Window(start, end) if start <= end else None, "window")
    def quarter_start(number: str, first: str, second: str) -> pd.Period | None:
        start = _fy_start(first, second)
        return None if start is None else pd.Period(year=start, month=4, freq="M") + \
            3 * (int(number) - 1)

    for match in list(_QUARTER_RANGE_RE.finditer(masked)):
        first = quarter_start(*match.group(2, 3, 4))
        last = quarter_start(*match.group(6, 7, 8))
        ok = first is not None and last is not None and first <= last
        take(match, Window(first, last + 2) if ok else None, "window")
    for match in list(_QUARTER_RE.finditer(masked)):
        first = quarter_start(*match.group(1, 2, 3))
        take(match, None if first is None else Window(first, first + 2), "window")
    for match in list(_FY_RE.finditer(masked)):
        start = _fy_start(match.group(1), match.group(2))
        if start is not None and len(match.group(1)) == 4:
            take(match, Window(pd.Period(year=start, month=4, freq="M"),
                               pd.Period(year=start + 1, month=3, freq="M")), "year")
    return [m for _, m in sorted(found, key=lambda item: item[0])]


def _cell_month(text: str) -> pd.Period | None:
    plain = text.strip()
    if not re.search(r"[A-Za-z]", plain) and not re.fullmatch(r"\d{4}-\d{2}", plain):
        return None
    try:
        return to_month(plain)
    except ValueError:
        return None


def _parse_period(value: Any, source: str | None) -> Window:
    if isinstance(value, Window):
        return value
    text = str(value).strip()
    dots = _DOTS_RE.match(text)
    try:
        if dots:
            return Window(to_month(dots.group(1)), to_month(dots.group(2)))
        single = _cell_month(text) if re.fullmatch(r"\d{4}-\d{2}|\w+\s+\d{4}", text) else None
        if single is not None:
            return Window(single, single)
    except ValueError as exc:
        raise InputDataError(source, f"period '{text}' is not a period: {exc}",
                             expected="YYYY-MM..YYYY-MM, e.g. 2023-03..2023-05") from None
    mentions = _windows_in(text, "period")
    if len(mentions) == 1:
        return mentions[0].window
    raise InputDataError(source, f"period '{text}' is not a period",
                         expected="YYYY-MM..YYYY-MM (e.g. 2023-03..2023-05), 'Q4 2022/23' or "
                         "'3 months to May 2023'")


# --------------------------------------------------------------------------- options

_REPEATABLE = ("title", "narrative", "parts", "shares", "change", "names", "identity", "note")
_SCALAR = ("period", "layout", "rounding", "decimals", "meetings")
_KEYS = _REPEATABLE + _SCALAR
_COMMENT_KEY_RE = re.compile(r"^#\s*([A-Za-z_]+)\s*:\s?(.*)$")


@dataclass
class _Options:
    title: list[str] = field(default_factory=list)
    narrative: list[str] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)
    shares: list[str] = field(default_factory=list)
    change: list[str] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)
    identity: list[str] = field(default_factory=list)
    note: list[str] = field(default_factory=list)
    period: Window | None = None
    period_text: str | None = None
    layout: str = "normal"
    rounding: str = "half_up"
    decimals: int | None = None
    meetings: int | None = None

    def update(self, values: Mapping[str, Any], source: str | None, origin: str) -> None:
        for key, value in values.items():
            if value is None:
                continue
            if key not in _KEYS:
                raise InputDataError(source, f"unknown option '{key}' in {origin}",
                                     expected="one of " + ", ".join(_KEYS))
            if key == "names":
                self.names = _parse_names(value, source)
            elif key in _REPEATABLE:
                items = [value] if isinstance(value, str) else list(value)
                if not all(isinstance(v, str) for v in items):
                    raise InputDataError(source, f"option '{key}' in {origin} must be text "
                                         f"or a list of text, got {value!r}")
                setattr(self, key, items)
            elif key == "period":
                self.period = _parse_period(value, source)
                self.period_text = value.label if isinstance(value, Window) else str(value)
            elif key == "layout":
                if str(value).strip().lower() not in ("normal", "transposed"):
                    raise InputDataError(source, f"layout '{value}' in {origin} is not known",
                                         expected="normal or transposed")
                self.layout = str(value).strip().lower()
            elif key == "rounding":
                if str(value).strip() not in ROUNDING_RULES:
                    raise InputDataError(source, f"rounding '{value}' in {origin} is not known",
                                         expected=" or ".join(ROUNDING_RULES))
                self.rounding = str(value).strip()
            else:
                self.__setattr__(key, _whole(value, key, source, origin,
                                             minimum=0 if key == "decimals" else 1))


def _whole(value: Any, key: str, source: str | None, origin: str, minimum: int) -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        number = None
    if number is None or isinstance(value, bool) or number < minimum:
        raise InputDataError(source, f"{key} '{value}' in {origin} is not a whole number",
                             expected=f"a whole number of {minimum} or more")
    return number


def _parse_names(value: Any, source: str | None) -> dict[str, str]:
    if isinstance(value, Mapping):
        return {str(k).strip(): str(v).strip() for k, v in value.items()}
    items = [value] if isinstance(value, str) else list(value)
    names: dict[str, str] = {}
    for item in items:
        for part in str(item).split(";"):
            if not part.strip():
                continue
            short, sep, label = part.partition("=")
            if not sep or not short.strip() or not label.strip():
                raise InputDataError(source, f"names entry '{part.strip()}' has no '='",
                                     expected="short = Label; other = Other label")
            names[short.strip()] = label.strip()
    return names


def _comment_options(lines: list[tuple[int, str]], source: str | None) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for number, line in lines:
        match = _COMMENT_KEY_RE.match(line.strip())
        if not match:
            continue
        key, value = match.group(1).lower(), match.group(2).strip()
        if key not in _KEYS:
            raise InputDataError(source, f"unknown option '# {match.group(1)}:'", row=number,
                                 expected="one of " + ", ".join(_KEYS))
        if key in _REPEATABLE:
            values.setdefault(key, []).append(value)
        elif key in values:
            raise InputDataError(source, f"'# {key}:' is given twice", row=number,
                                 expected=f"one '# {key}:' line")
        else:
            values[key] = value
    return values


# --------------------------------------------------------------------------- the table


@dataclass
class _Table:
    """The table as checked: measures are columns, periods or categories are rows."""

    label_header: str
    headers: list[str]
    labels: list[str]
    cells: list[list[str]]
    transposed: bool = False

    def __post_init__(self) -> None:
        rows, cols = range(len(self.labels)), range(len(self.headers))
        self.pct_rows = {r for r in rows if self._percent_row(r)}
        self.count_cols: list[int] = []
        self.pct_cols: list[int] = []
        for c in cols:
            texts = [self.cells[r][c] for r in rows if r not in self.pct_rows
                     and not _is_blank(self.cells[r][c])]
            if texts and all(_is_pct_like(t) for t in texts):
                self.pct_cols.append(c)
            elif texts and all(_parse_count(t) is not None for t in texts):
                self.count_cols.append(c)
            elif not texts and any(_is_suppressed(self.cells[r][c]) for r in rows):
                # Every count of the column suppressed: still counts, each within a range.
                self.count_cols.append(c)
        self.total_rows = [r for r in rows if r not in self.pct_rows
                           and _TOTAL_RE.search(self.labels[r])]
        self.total_cols = [c for c in self.count_cols if _TOTAL_RE.search(self.headers[c])]
        self.part_rows = [r for r in rows if r not in self.pct_rows
                          and r not in self.total_rows]
        self.part_cols = [c for c in self.count_cols if c not in self.total_cols]
        # Averages, rates, ranks, durations and populations are numbers but not counts: a
        # total neither sums them nor is summed by them (a year's "total" beside its "months"
        # and "monthly_average").
        self.measure_cols = {c for c in self.count_cols if _NOT_COUNT_RE.search(
            re.sub(r"[_\W]+", " ", self.headers[c])) or any(
            (v := _parse_count(self.cells[r][c])) is not None and v.denominator != 1
            for r in rows if r not in self.pct_rows)}

    def _percent_row(self, r: int) -> bool:
        texts = [t for t in self.cells[r] if not _is_blank(t)]
        return bool(texts) and all(_is_pct_like(t) for t in texts)

    def count(self, r: int, c: int) -> Fraction | None:
        if r in self.pct_rows or c not in self.count_cols:
            return None
        return _parse_count(self.cells[r][c])

    def where(self, r: int | None = None, c: int | None = None) -> dict[str, str | None]:
        row = self.labels[r] if r is not None else None
        col = self.headers[c] if c is not None else None
        if self.transposed:
            row, col = col, row
        return {"row": row, "column": col}

    def row_index(self, name: str) -> int | None:
        return _find(self.labels, name)

    def col_index(self, name: str) -> int | None:
        return _find(self.headers, name)


_TOTAL_RE = re.compile(r"\btotals?\b", re.I)
_NOT_COUNT_RE = re.compile(
    r"\b(?:months?|weeks?|days?|years?|hours?|monthly|average|avg|mean|median|rate|ratio|rank|"
    r"ranks|per|population|multiplier|decile|quintile|score|index|lower|upper|z|p|value|"
    r"confidence|pct|percent|percentage|change|movement|share)\b", re.I)
_CHANGE_RE = re.compile(r"change|\bdiff|\+/-|variance", re.I)
_SHARE_RE = re.compile(r"%\s*of\b|\bshares?\b|proportion|percent(?:age)?\s+of\b", re.I)


def _norm_label(text: str) -> str:
    return " ".join(text.casefold().split())


def _find(labels: Sequence[str], name: str) -> int | None:
    wanted = _norm_label(name)
    hits = [i for i, label in enumerate(labels) if _norm_label(label) == wanted]
    return hits[0] if hits else None


def _cell_text(value: Any, percent: bool) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | Fraction) or float(value).is_integer():
        text = str(int(value)) if not isinstance(value, Fraction) else _num(value)
    else:
        text = repr(float(value))
    return f"{text}%" if percent else text


def _from_frame(frame: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
    if frame.shape[1] < 2:
        raise InputDataError(None, f"a table needs a label column and at least one value "
                             f"column, got {frame.shape[1]} column(s)")
    header = [str(c) for c in frame.columns]
    percent = ["%" in h for h in header]
    rows = [[_cell_text(v, percent[i] and i > 0) for i, v in enumerate(values)]
            for values in frame.itertuples(index=False, name=None)]
    return header, rows


def _read_csv(text: str, source: str | None) -> tuple[dict[str, Any], list[str], list[str],
                                                       list[list[str]]]:
    lines = text.splitlines()
    comments: list[tuple[int, str]] = []
    start = 0
    for number, line in enumerate(lines, 1):
        if line.lstrip().startswith("#"):
            comments.append((number, line))
            start = number
        elif line.strip():
            break
        else:
            start = number
    options = _comment_options(comments, source)
    rows = [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(
        "\n".join(lines[start:])))]
    rows = [row for row in rows if any(row)]
    titles: list[str] = []
    while rows and sum(1 for cell in rows[0] if cell) == 1 and rows[0][0]:
        titles.append(rows.pop(0)[0])
    if not rows:
        raise InputDataError(source, "no table found", expected="a header row and data rows")
    header, body = rows[0], rows[1:]
    while len(header) > 2 and not header[-1] and not any(len(r) >= len(header) and
                                                         r[len(header) - 1] for r in body):
        header = header[:-1]
    for i, row in enumerate(body):
        if len(row) > len(header) and any(row[len(header):]):
            raise InputDataError(source, f"row has {len(row)} cells but the header has "
                                 f"{len(header)}", row=start + i + 2,
                                 expected="one cell per header column")
    return options, titles, header, [(row + [""] * len(header))[:len(header)] for row in body]


def _build_table(header: list[str], body: list[list[str]], transposed: bool,
                 source: str | None) -> _Table:
    if len(header) < 2:
        raise InputDataError(source, "a table needs a label column and at least one value "
                             "column", expected="label,count[,...]")
    if transposed:
        turned = [[header[0]] + [row[0] for row in body]]
        turned += [[header[j]] + [row[j] for row in body] for j in range(1, len(header))]
        header, body = turned[0], turned[1:]
    return _Table(header[0], header[1:], [row[0] for row in body], [row[1:] for row in body],
                  transposed)


# --------------------------------------------------------------------------- checks


class _Run:
    """The state of one check run: the table, its options, and what was found."""

    def __init__(self, table: _Table, options: _Options, titles: list[str],
                 source: str | None) -> None:
        self.table = table
        self.options = options
        self.titles = titles
        self.source = source
        self.report = CheckReport(source=source)

    def ran(self, check: str) -> None:
        if check not in self.report.checks_run:
            self.report.checks_run.append(check)

    def fail(self, check: str, message: str, numbers: dict[str, Any] | None = None,
             r: int | None = None, c: int | None = None) -> None:
        self.ran(check)
        self.report.failures.append(Failure(check, message=message, numbers=numbers or {},
                                            **self.table.where(r, c)))

    def note(self, text: str) -> None:
        if text not in self.report.notes:
            self.report.notes.append(text)


def _parts_spec(run: _Run) -> dict[tuple[str, int], list[list[int]]]:
    """Declared breakdowns: (axis, index of the total) -> groups of part indices."""
    table, spec = run.table, {}
    for line in run.options.parts:
        name, sep, rest = line.partition("=")
        if not sep:
            raise InputDataError(run.source, f"parts '{line}' has no '='",
                                 expected="Total = A + B | C + D")
        for axis, find in (("row", table.row_index), ("col", table.col_index)):
            total = find(name)
            if total is None:
                continue
            groups = []
            for group in rest.split("|"):
                members = [find(m) for m in group.split("+")]
                missing = [m.strip() for m, i in zip(group.split("+"), members, strict=True)
                           if i is None]
                if missing:
                    raise InputDataError(run.source, f"parts for '{name.strip()}' name "
                                         f"{', '.join(map(repr, missing))}, not found in the "
                                         "table", expected="labels as printed")
                groups.append(members)
            spec[(axis, total)] = groups
            break
        else:
            raise InputDataError(run.source, f"parts name '{name.strip()}', which is not a row "
                                 "or measure of the table", expected="a total's label as "
                                 "printed")
    return spec


def _check_totals(run: _Run) -> None:
    table = run.table
    if not table.total_rows and not table.total_cols and not run.options.parts:
        return
    run.ran("totals")
    spec = _parts_spec(run)
    found: dict[tuple[int, int], Failure] = {}

    def record(r: int, c: int, message: str, numbers: dict[str, Any]) -> None:
        failure = Failure("totals", message=message, numbers=numbers, **table.where(r, c))
        if (r, c) in found:
            # One wrong cell is one failure, even when both its row and column sums catch it.
            old = found[(r, c)]
            failure = Failure("totals", old.row, f"{old.message}; and {message}",
                              {**numbers, **old.numbers}, old.column)
        found[(r, c)] = failure

    def compare(r: int, c: int, printed: Fraction, members: list[tuple[int, int]],
                what: str, hint: str = "") -> bool:
        values = [table.count(i, j) for i, j in members]
        if any(v is None for v in values):
            return _compare_suppressed(r, c, printed, members, what)
        total = sum(values, Fraction(0))
        if total == printed:
            return True
        record(r, c, f"printed {_num(printed)}, but {what} sum to {_num(total)}{hint}",
               {"printed": _plain(printed), "sum": _plain(total)})
        return False

    def _compare_suppressed(r: int, c: int, printed: Fraction,
                            members: list[tuple[int, int]], what: str) -> bool:
        # A "<5" part is 0 to 4, a "[c]" part at least 0: the printed total must lie between
        # what the shown parts and the hidden ones can add up to.
        where = table.where(r, c)
        texts = [table.cells[i][j] for i, j in members]
        shown = [table.count(i, j) for i, j in members]
        small = [_small_bound(t) for t in texts]
        withheld = [_is_suppressed(t) and _small_bound(t) is None for t in texts]
        if any(v is None and b is None and not w
               for v, b, w in zip(shown, small, withheld, strict=True)):
            run.note(f"totals: row '{where['row']}', column '{where['column']}' not checked: "
                     "a part is blank")
            return True
        known = sum((v for v in shown if v is not None), Fraction(0))
        most = None if any(withheld) else known + sum(b - 1 for b in small if b is not None)
        if printed < known or (most is not None and printed > most):
            hidden = sum(b is not None for b in small) + sum(withheld)
            bound = f"{_num(known)}" + (f" to {_num(most)}" if most is not None else
                                        " or more")
            record(r, c, f"printed {_num(printed)}, but {what} (with {hidden} suppressed) "
                   f"can only sum to {bound}",
                   {"printed": _plain(printed), "shown_sum": _plain(known)})
            return False
        run.note(f"totals: row '{where['row']}', column '{where['column']}' checked as a "
                 "range: some parts are suppressed")
        return True

    for r in table.total_rows:
        for c in table.count_cols:
            printed = table.count(r, c)
            if printed is None or (c in table.measure_cols and not spec.get(("row", r))):
                continue
            groups = spec.get(("row", r))
            if groups:
                for group in groups:
                    compare(r, c, printed, [(i, c) for i in group],
                            " + ".join(table.labels[i] for i in group))
                continue
            parts = _default_parts(table, r)
            values = [table.count(i, c) for i in parts]
            total = sum((v for v in values if v is not None), Fraction(0))
            hint = ""
            if printed and total % printed == 0 and total // printed > 1:
                hint = (f" ({total // printed} times the total: if the rows are several "
                        f"breakdowns of it, declare them with '# parts: {table.labels[r]} = "
                        "A + B | C + D')")
            what = f"the {len(parts)} {'row' if len(parts) == 1 else 'rows'} " + (
                "above" if parts and max(parts) < r else "below" if parts and min(parts) > r
                else "besides the totals")
            compare(r, c, printed, [(i, c) for i in parts], what, hint)
    for c in table.total_cols:
        groups = spec.get(("col", c))
        if c in table.measure_cols and not groups:
            continue
        cols = [[j for j in table.part_cols if j not in table.measure_cols]] \
            if not groups else groups
        if not cols[0]:
            run.note(f"totals: column '{table.headers[c]}' not checked: no count columns "
                     "beside it")
            continue
        for r in range(len(table.labels)):
            printed = table.count(r, c)
            if printed is None:
                continue
            for group in cols:
                what = (f"the {len(group)} columns ("
                        f"{', '.join(repr(table.headers[j]) for j in group)})")
                compare(r, c, printed, [(r, j) for j in group], what)
    for (axis, index), groups in spec.items():
        if axis == "col" and index not in table.total_cols:
            for r in range(len(table.labels)):
                printed = table.count(r, index)
                for group in groups if printed is not None else []:
                    compare(r, index, printed, [(r, j) for j in group],
                            " + ".join(table.headers[j] for j in group))
        if axis == "row" and index not in table.total_rows:
            for c in table.count_cols:
                printed = table.count(index, c)
                for group in groups if printed is not None else []:
                    compare(index, c, printed, [(i, c) for i in group],
                            " + ".join(table.labels[i] for i in group))
    run.report.failures.extend(found.values())


def _default_parts(table: _Table, r: int) -> list[int]:
    """The rows a total row sums: every other row, or the rows since the last subtotal."""
    if len(table.total_rows) == 1 or re.search(r"grand", table.labels[r], re.I):
        return list(table.part_rows)
    before = [t for t in table.total_rows if t < r and not re.search(r"grand", table.labels[t],
                                                                      re.I)]
    start = before[-1] + 1 if before else 0
    return [i for i in table.part_rows if start <= i < r]


def _share_columns(run: _Run) -> list[tuple[int, int]]:
    table, pairs = run.table, []
    declared = set()
    for line in run.options.shares:
        target, sep, base = line.partition("=")
        t, b = table.col_index(target), table.col_index(base)
        if not sep or t is None or b is None or b not in table.count_cols:
            raise InputDataError(run.source, f"shares '{line}' must name a percentage column "
                                 "and a count column of the table",
                                 expected="% column = count column")
        pairs.append((t, b))
        declared.add(t)
    change_targets = {t for t, *_ in _change_specs(run, quiet=True) if t[0] == "col"}
    for c in table.pct_cols:
        if c in declared or ("col", c) in change_targets or _CHANGE_RE.search(table.headers[c]):
            continue
        totals = [_parse_pct(table.cells[r][c]) for r in table.total_rows]
        if not (_SHARE_RE.search(table.headers[c])
                or any(p is not None and p.value == 100 for p in totals)):
            continue
        left = [b for b in table.part_cols if b < c]
        if left:
            pairs.append((c, left[-1]))
        else:
            run.note(f"percent_shares: no count column before '{table.headers[c]}'")
    return pairs


def _check_shares(run: _Run) -> None:
    table, opts = run.table, run.options
    for c, base in _share_columns(run):
        run.ran("percent_shares")
        rows = [r for r in table.part_rows if table.count(r, base) is not None]
        counts = [table.count(r, base) for r in rows]
        if any(v < 0 for v in counts) or sum(counts, Fraction(0)) <= 0:
            run.note(f"percent_shares: '{table.headers[c]}' not checked: the counts in "
                     f"'{table.headers[base]}' do not have a positive total")
            continue
        total = sum(counts, Fraction(0))
        printed = {r: _parse_pct(table.cells[r][c]) for r in rows}
        places = [p.decimals for p in printed.values() if p is not None]
        column_places = opts.decimals if opts.decimals is not None else max(places, default=0)
        if opts.rounding == "largest_remainder":
            rounded = _rounded_shares(counts, decimals=column_places,
                                      rounding="largest_remainder")
            expected = {r: Fraction(Decimal(repr(v))) for r, v in zip(
                rows, rounded["share_rounded"], strict=True)}
        else:
            expected = {}
        rule = "half up" if opts.rounding == "half_up" else "by largest remainder"
        for r, count in zip(rows, counts, strict=True):
            pct = printed[r]
            if pct is None:
                continue
            places_r = opts.decimals if opts.decimals is not None else (
                pct.decimals if opts.rounding == "half_up" else column_places)
            exact = count * 100 / total
            want = expected.get(r, _round(exact, places_r))
            if pct.value != want:
                run.fail("percent_shares", f"printed {_dec(pct.value, places_r)}%, but "
                         f"{_num(count)} of {_num(total)} is {_num(exact)}%, which rounds {rule} "
                         f"to {_dec(want, places_r)}%",
                         {"printed": pct.value, "expected": want, "exact": exact,
                          "count": _plain(count), "total": _plain(total)}, r, c)
        for r in table.total_rows:
            pct = _parse_pct(table.cells[r][c])
            if pct is None:
                continue
            summed = sum((p.value for p in printed.values() if p is not None), Fraction(0))
            if summed == pct.value:
                continue
            if _declared_sum(run.options.note, summed):
                # The table says what its rounded shares add up to: a declared difference.
                run.note(f"percent_shares: shares sum to {_num(summed)}%, as the table's note "
                         "says")
                continue
            places_t = max(places + [pct.decimals])
            exact_note = (f"each share is rounded {rule} from the exact shares of {_num(total)}, "
                          "which sum to exactly 100%, so the rounded shares need not; print "
                          "their sum with a note, or round by largest remainder")
            run.fail("percent_shares", f"shares sum to {_dec(summed, places_t)}%, not the "
                     f"{_dec(pct.value, places_t)}% printed; {exact_note}",
                     {"printed_total": _plain(pct.value), "sum_of_shares": _plain(summed)},
                     r, c)


def _declared_sum(notes: Sequence[str], summed: Fraction) -> bool:
    for text in notes:
        for match in re.finditer(r"sum to (\d+(?:\.\d+)?)%", text):
            if Fraction(match.group(1)) == summed:
                return True
    return False


def _change_specs(run: _Run, quiet: bool = False) -> list[tuple[tuple[str, int], int, int]]:
    """Change cells to check: ((axis, target), from, to); axis "col" or "row"."""
    table, specs = run.table, []
    for line in run.options.change:
        target_name, sep, pair = line.rpartition("=")
        frm, arrow, to = pair.partition("->")
        if not arrow:
            frm, arrow, to = pair.partition("→")
        if not arrow:
            raise InputDataError(run.source, f"change '{line}' has no '->'",
                                 expected="[Change =] earlier -> later")
        for axis, find, candidates in (
                ("row", table.row_index, sorted(table.pct_rows)),
                ("col", table.col_index, [c for c in table.pct_cols])):
            a, b = find(frm), find(to)
            if a is None or b is None:
                continue
            if sep:
                target = find(target_name)
                if target is None:
                    raise InputDataError(run.source, f"change '{line}' names '"
                                         f"{target_name.strip()}', not found in the table")
            else:
                changing = [i for i in candidates if _CHANGE_RE.search(
                    (table.labels if axis == "row" else table.headers)[i])] or candidates
                if len(changing) != 1:
                    raise InputDataError(run.source, f"change '{line}': which {axis} holds "
                                         "the change?", expected="'Change = A -> B'")
                target = changing[0]
            specs.append(((axis, target), a, b))
            break
        else:
            raise InputDataError(run.source, f"change '{line}' must name two rows or two "
                                 "measures of the table", expected="labels as printed")
    declared = {t for t, *_ in specs}
    for c in table.pct_cols:
        if ("col", c) in declared or not (_CHANGE_RE.search(table.headers[c]) or any(
                (p := _parse_pct(table.cells[r][c])) is not None and p.word
                for r in range(len(table.labels)))):
            continue
        left = [b for b in table.part_cols if b < c]
        if len(left) >= 2:
            specs.append((("col", c), left[-2], left[-1]))
        elif not quiet:
            run.note(f"percent_change: '{table.headers[c]}' needs two count columns before it")
    for r in sorted(table.pct_rows):
        if ("row", r) in declared or not _CHANGE_RE.search(table.labels[r]):
            continue
        above = [i for i in table.part_rows if i < r]
        if len(above) >= 2:
            specs.append((("row", r), above[-2], above[-1]))
        elif not quiet:
            run.note(f"percent_change: '{table.labels[r]}' needs two count rows above it")
    return specs


def _check_change(run: _Run) -> None:
    table = run.table
    for (axis, target), a, b in _change_specs(run):
        run.ran("percent_change")
        if axis == "col":
            cells = [(r, target, table.count(r, a), table.count(r, b))
                     for r in range(len(table.labels)) if r not in table.pct_rows]
            names = (table.headers[a], table.headers[b])
        else:
            cells = [(target, c, table.count(a, c), table.count(b, c)) for c in table.count_cols]
            names = (table.labels[a], table.labels[b])
        for r, c, previous, current in cells:
            pct = _parse_pct(table.cells[r][c])
            if pct is None or previous is None or current is None:
                continue
            problem, numbers = _change_problem(pct, previous, current, run.options.decimals)
            if problem:
                numbers.update({"from": names[0], "to": names[1]})
                run.fail("percent_change", problem, numbers, r, c)


def _change_problem(pct: _Pct, previous: Fraction, current: Fraction,
                    decimals: int | None) -> tuple[str, dict[str, Any]]:
    places = pct.decimals if decimals is None else decimals
    counts = f"counts {_num(previous)} → {_num(current)}"
    numbers: dict[str, Any] = {"printed": pct.value, "previous": _plain(previous),
                               "current": _plain(current)}
    if previous == 0:
        if current == 0 and pct.magnitude == 0:
            return "", numbers
        return (f"printed '{pct.text}', but a change from 0 has no percentage ({counts})",
                numbers)
    exact = (current - previous) * 100 / previous
    want = _round(exact, places)
    numbers.update({"expected": want, "exact": exact})
    direction = (current > previous) - (current < previous)
    words = {1: "Increase", -1: "Decrease"}
    problems = []
    if pct.word and pct.sign and pct.word != pct.sign:
        problems.append("its direction word and its sign disagree")
    if pct.word and direction and pct.word != direction:
        problems.append(f"'{words[pct.word]}' for a {'rise' if direction > 0 else 'fall'}")
    # A real change that rounds to 0 may print as 0.0% with either sign.
    value_ok = pct.value == want or (pct.magnitude == 0 and want == 0)
    if not value_ok and not pct.word and not pct.sign and pct.magnitude == abs(want):
        problems.append("with no sign or direction word it reads as a rise")
    if value_ok and not problems:
        return "", numbers
    said = f"printed {_dec(pct.magnitude, places)}%"
    if pct.text != f"{_dec(pct.magnitude, places)}%":
        said += f" as '{pct.text}'"
    message = f"{said}, but {counts} give {_signed(want, places)}%"
    if problems:
        message += f" ({'; '.join(problems)})"
    return message, numbers


# --------------------------------------------------------------------------- stock-flow

_REF_RE = re.compile(r"\s*(?:(\d+)\s*\*\s*)?(`[^`]+`|[A-Za-z_][\w]*)\s*\[\s*t\s*(?:([-+])\s*"
                     r"(\d+)\s*)?\]\s*")
_CONST_RE = re.compile(r"\s*(\d+)\s*")


@dataclass(frozen=True)
class _Term:
    sign: int
    factor: int
    name: str
    lag: int | None  # None for a constant


def _parse_side(text: str, identity: str, source: str | None) -> list[_Term]:
    terms, pos, sign = [], 0, 1
    text = text.strip()
    if text[:1] in "+-":
        sign, pos = (-1 if text[0] == "-" else 1), 1
    while True:
        ref = _REF_RE.match(text, pos)
        const = None if ref else _CONST_RE.match(text, pos)
        if ref:
            lag = int(ref.group(4) or 0) * (-1 if ref.group(3) == "-" else 1)
            terms.append(_Term(sign, int(ref.group(1) or 1), ref.group(2), lag))
            pos = ref.end()
        elif const:
            terms.append(_Term(sign, int(const.group(1)), "", None))
            pos = const.end()
        else:
            raise InputDataError(source, f"identity '{identity}' cannot be read at "
                                 f"'{text[pos:] or text}'",
                                 expected="name[t] = name[t-1] - other[t-1] + more[t]")
        if pos >= len(text):
            return terms
        if text[pos] not in "+-":
            raise InputDataError(source, f"identity '{identity}': expected + or - at "
                                 f"'{text[pos:]}'",
                                 expected="name[t] = name[t-1] - other[t-1] + more[t]")
        sign, pos = (-1 if text[pos] == "-" else 1), pos + 1


def _resolve_measure(run: _Run, name: str, identity: str) -> int:
    table = run.table
    label = name[1:-1] if name.startswith("`") else run.options.names.get(name, name)
    found = table.col_index(label)
    if found is None and not name.startswith("`"):
        hits = _match_labels(_label_info(table.headers, table.count_cols, set()),
                             _words(label.replace("_", " ")))
        if not hits:
            words = _words(label.replace("_", " "))
            hits = [c for c in table.count_cols if words and words <= _words(table.headers[c])]
        if len(hits) == 1:
            found = hits[0]
    if found is None or found not in table.count_cols:
        measures = ", ".join(repr(table.headers[c]) for c in table.count_cols)
        raise InputDataError(run.source, f"identity '{identity}' names '{name}', which picks "
                             f"out no single measure of {measures}",
                             expected="'# names: short = Label' or the label in backquotes")
    return found


def _check_identities(run: _Run) -> None:
    table = run.table
    periods = list(table.part_rows)
    for identity in run.options.identity:
        left, sep, right = identity.partition("=")
        if not sep or "=" in right:
            raise InputDataError(run.source, f"identity '{identity}' needs one '='",
                                 expected="name[t] = name[t-1] - other[t-1] + more[t]")
        lhs, rhs = _parse_side(left, identity, run.source), _parse_side(right, identity,
                                                                        run.source)
        cols = {t.name: _resolve_measure(run, t.name, identity) for t in lhs + rhs if t.name}
        lags = [t.lag for t in lhs + rhs if t.lag is not None]
        run.ran("stock_flow")
        first, last = -min(min(lags), 0), len(periods) - 1 - max(max(lags), 0)
        breaks = []
        for i in range(first, last + 1):
            sides = []
            for terms in (lhs, rhs):
                values = []
                for term in terms:
                    if term.lag is None:
                        values.append(Fraction(term.sign * term.factor))
                        continue
                    value = table.count(periods[i + term.lag], cols[term.name])
                    values.append(None if value is None else term.sign * term.factor * value)
                sides.append(values)
            if any(v is None for side in sides for v in side):
                run.note(f"stock_flow: {table.labels[periods[i]]} not checked: a value is blank")
                continue
            if sum(sides[0], Fraction(0)) != sum(sides[1], Fraction(0)):
                breaks.append((i, sides))
        if breaks:
            i, sides = breaks[0]
            run.fail("stock_flow", _identity_message(run, identity, lhs, rhs, periods, i,
                                                     sides, breaks),
                     {"period": table.labels[periods[i]],
                      "left": _plain(sum(sides[0], Fraction(0))),
                      "right": _plain(sum(sides[1], Fraction(0))),
                      "right_terms": [_plain(v) for v in sides[1]],
                      "also_breaks": [table.labels[periods[j]] for j, _ in breaks[1:]]},
                     periods[i], None)


def _period_name(label: str) -> str:
    month = _cell_month(label)
    return label if month is None or month_label(month) == label else \
        f"{label} ({month_label(month)})"


def _identity_message(run: _Run, identity: str, lhs: list[_Term], rhs: list[_Term],
                      periods: list[int], i: int, sides: list[list[Fraction]],
                      breaks: list) -> str:
    table = run.table

    def arithmetic(values: list[Fraction]) -> str:
        text = ""
        for k, value in enumerate(values):
            sign = "-" if value < 0 else "+"
            text += (f"-{_num(-value)}" if value < 0 else _num(value)) if k == 0 else \
                f" {sign} {_num(abs(value))}"
        return text

    def terms_text(terms: list[_Term]) -> str:
        shown = []
        for t in terms:
            if t.lag is None:
                continue
            value = table.count(periods[i + t.lag], _resolve_measure(run, t.name, identity))
            shown.append(f"{t.name}[{table.labels[periods[i + t.lag]]}] = {_num(value)}")
        return ", ".join(dict.fromkeys(shown))

    left, right = sum(sides[0], Fraction(0)), sum(sides[1], Fraction(0))
    text = (f"{identity.strip()} first breaks at {_period_name(table.labels[periods[i]])}: "
            f"{arithmetic(sides[1])} = {_num(right)}, but {arithmetic(sides[0])} "
            f"{'is' if len(sides[0]) == 1 else '='} printed")
    if len(sides[0]) > 1:
        text += f" ({_num(left)})"
    text += f" ({terms_text(lhs + rhs)})"
    if len(breaks) > 1:
        text += "; it also breaks at " + ", ".join(table.labels[periods[j]]
                                                   for j, _ in breaks[1:])
    return text


# --------------------------------------------------------------------------- periods check


def _agrees(mention: _Mention, period: Window) -> bool:
    if mention.kind == "year":
        return mention.window.start <= period.end
    if mention.kind == "month":
        month = mention.window.end
        gap = (period.end - month).n
        # A period column lies in the period, or in the same months of an earlier year.
        return gap >= 0 and gap % 12 < period.n_months
    if mention.source in ("row label", "header") and period.start <= mention.window.start \
            and mention.window.end <= period.end:
        return True  # one of the periods a multi-period table is laid out by
    # The board sets 3- and 12-month windows to the same end side by side, and compares
    # with the same window a year or more earlier: what must agree is the end month.
    gap = (period.end - mention.window.end).n
    return gap >= 0 and gap % 12 == 0


def _label_mentions(texts: Sequence[str], source: str) -> list[tuple[str, _Mention]]:
    found = []
    for text in texts:
        month = _cell_month(text)
        if month is not None:
            found.append((text, _Mention(source, text, Window(month, month), "month")))
        else:
            found += [(text, m) for m in _windows_in(text, source)]
    return found


def _check_periods(run: _Run) -> None:
    table, opts = run.table, run.options
    titles = run.titles + opts.title
    printed_heads = table.labels if table.transposed else table.headers
    printed_rows = table.headers if table.transposed else table.labels
    title_mentions = [(t, m) for t in titles for m in _windows_in(t, "title")]
    header_mentions = _label_mentions(printed_heads, "header")
    row_mentions = _label_mentions(printed_rows, "row label")
    narrative_mentions = [(None, m) for p in opts.narrative for m in _windows_in(p, "narrative")]
    mentions = title_mentions + header_mentions + row_mentions + narrative_mentions
    period, origin, own = opts.period, f"declared as '{opts.period_text}'", None
    if period is None:
        for text, mention in title_mentions:
            if mention.kind == "window":
                period, origin, own = mention.window, f"from the title '{text}'", mention
                break
    if period is None:
        windows = [(t, m) for t, m in header_mentions if m.kind == "window"]
        if windows:
            text, own = max(windows, key=lambda item: item[1].window.end)
            period, origin = own.window, f"from the header '{text}'"
    if period is None:
        if mentions:
            run.note("period_labels: not checked: no period declared and no window in the "
                     "title or headers")
        return
    checked = [(t, m) for t, m in mentions if m is not own]
    if not checked:
        return
    run.ran("period_labels")
    for text, mention in checked:
        if _agrees(mention, period):
            continue
        numbers = {"named": mention.window.label, "named_end": month_label(mention.window.end),
                   "period": period.label, "period_end": month_label(period.end)}
        if mention.kind == "month":
            problem = (f"{month_label(mention.window.end)} is outside the table's period, "
                       f"{period.label} ({origin})")
        elif mention.kind == "year":
            problem = (f"{mention.window.label} starts after the table's period, "
                       f"{period.label} ({origin})")
        else:
            problem = (f"names {mention.window.label}, which does not end in "
                       f"{month_label(period.end)}: the table's period is {period.label} "
                       f"({origin})")
        where: dict[str, str | None] = {"row": None, "column": None}
        if mention.source == "header":
            where["column"] = text
        elif mention.source == "row label":
            where["row"] = text
        run.report.failures.append(Failure(
            "period_labels", message=f"{mention.source} '{mention.text}' {problem}",
            numbers=numbers, **where))


# --------------------------------------------------------------------------- narrative

_STOP = {"a", "an", "the", "of", "on", "in", "to", "for", "and", "or", "by", "with", "at",
         "from", "per", "no", "number", "total", "totals", "grand", "all", "count", "counts"}
_WORD_RE = re.compile(r"\d{2,4}/\d{2}|[^\W_]+(?:['’]s)?")
_ABBREV_END_RE = re.compile(r"\b(?:approx|incl|e\.g|i\.e|c|ca|no|vs|etc|fig|st|inc)\.$", re.I)
_SENTENCE_RE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'(])|\n+")
# Parentheses stay inside their clause: "(MUU) referrals" and "referrals (down from 3 ...)"
# name the row the numbers beside them belong to.
_CLAUSE_RE = re.compile(r",\s+|;\s+|:\s+|\s+[-–]\s+")
_NUM_RE = re.compile(r"(?:(?P<sign>(?<![\w./])[-−–])|(?<![\w./\-−–]))"
                     r"(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?P<frac>\.\d+)?(?![\w/]|\.\d|,\d)"
                     r"(?P<pct>\s*(?:%|per\s?cent\b|percent\b))?", re.I)
_BETWEEN_RE = re.compile(r"\bbetween\s+(\d+(?:\.\d+)?)\s*(?:and|to|-|–)\s*(\d+(?:\.\d+)?)"
                         r"(?P<pct>\s*%)?", re.I)
_UNIT_RE = re.compile(r"\bper\s+(month|meeting|quarter|year|week)\b|\beach\s+(?:[\w-]+\s+)"
                      r"{0,4}?(month|meeting|quarter|year)\b|\ba\s+(month|year|quarter)\b|"
                      r"\b(monthly|quarterly|annually)\b", re.I)
_AVERAGE_RE = re.compile(r"\b(?:average|averag\w*|avg|mean)\b", re.I)
_MEETINGS_RE = re.compile(r"\s+(?:(?!per\b|each\b|a\b|every\b)[A-Za-z-]+\s+){0,4}?meetings?\b",
                          re.I)
_DURATION_RE = re.compile(r"[\s-]*(?:months?|weeks?|days?|years?|yrs?|quarters?|hours?|hrs?|"
                          r"minutes?|mins?)\b", re.I)
# A four-digit number is a year only where the words say so: "There were 1951 cases" is a count,
# "in 2022", "May 2022", "2022 to 2023" and "calendar year 2022" are years.
_YEAR_CONTEXT_RE = re.compile(
    rf"\b(?:in|during|since|until|year|calendar|end|before|after|between|{_MONTHS})\.?\s*\|"
    r"|\b(?:19|20)\d\d\s*(?:-|–|to|and)\s*\||\|\s*(?:-|–|to|and)\s*(?:19|20)?\d\d\b", re.I)
_REFERENCE_RE = re.compile(r"\b(?:quarter|qtr|q|table|figure|fig|chart|page|section|appendix|"
                           r"annex|no|every|top|bottom)\.?\s*$", re.I)


def _word(raw: str) -> str:
    word = raw.casefold()
    fy = re.fullmatch(r"(\d{2,4})/(\d{2})", word)
    if fy:
        start = int(fy.group(1)) + (2000 if len(fy.group(1)) == 2 else 0)
        return f"fy{start}"
    word = re.sub(r"['’]s$", "", word)
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    return word


def _words(text: str) -> set[str]:
    return {_word(w) for w in _WORD_RE.findall(text)}


def _label_info(labels: Sequence[str], indices: Sequence[int],
                totals: set[int]) -> list[tuple[int, set[str], set[str], bool]]:
    contents = {i: _words(labels[i]) - _STOP for i in indices}
    others = [contents[i] for i in indices if i not in totals]
    # Words every label shares ("CS MARAC" in each measure of Table 1) pick out none of them.
    shared = set.intersection(*others) if len(others) >= 2 else set()
    return [(i, contents[i], contents[i] - shared, i in totals) for i in indices]


def _match_labels(info: list[tuple[int, set[str], set[str], bool]],
                  tokens: set[str]) -> list[int]:
    best: list[int] = []
    top: tuple[int, int, bool] | None = None
    for index, content, distinctive, is_total in info:
        hit = len(content & tokens)
        if not hit or not distinctive <= tokens:
            continue
        score = (len(distinctive), hit, not is_total)
        if top is None or score > top:
            best, top = [index], score
        elif score == top:
            best.append(index)
    return best


def _sentences(paragraph: str) -> list[str]:
    pieces = [p for p in _SENTENCE_RE.split(paragraph) if p.strip()]
    merged: list[str] = []
    for piece in pieces:
        if merged and _ABBREV_END_RE.search(merged[-1]):
            merged[-1] = f"{merged[-1]} {piece}"
        else:
            merged.append(piece)
    return [re.sub(r"^\s*[-•·*]\s+", "", s).strip() for s in merged]


@dataclass(frozen=True)
class _Claim:
    kind: str  # "count", "percent", "average" or "meetings"
    value: Fraction
    decimals: int
    text: str
    high: Fraction | None = None
    unit: str | None = None
    direction: int = 0
    signed: bool = False


def _number(text: str) -> tuple[Fraction, int]:
    plain = text.replace(",", "")
    return Fraction(Decimal(plain)), len(plain.partition(".")[2])


def _skip(clause: str, match: re.Match) -> bool:
    after, before = clause[match.end():], clause[:match.start()]
    whole = match.group("int")
    if (not match.group("frac") and not match.group("pct") and not match.group("sign")
            and re.fullmatch(r"(?:19[89]|20[0-3])\d", whole) and _YEAR_CONTEXT_RE.search(
                before[-25:] + "|" + after[:12])):
        return True
    if not match.group("pct") and _DURATION_RE.match(after):
        return True
    if _REFERENCE_RE.search(before):
        return True
    if match.group("pct") and re.match(r"\s*(?:level|significance|confidence|ci)\b", after,
                                       re.I):
        return True
    if re.match(r"\s*per\s+[\d,]+", after) or re.search(r"\bper\s*$", before, re.I):
        return True
    # "ranks 4 of 32 London boroughs" is a rank, not a count of the table's.
    if re.search(r"\brank", clause, re.I) and (re.match(r"\s*of\s+\d", after)
                                              or re.search(r"\d\s+of\s*$", before)):
        return True
    return bool(re.match(rf"\s*(?:{_MONTHS})\b", after, re.I)
                or re.search(rf"\b(?:{_MONTHS})\.?\s*$", before, re.I))


def _unit(*texts: str) -> str | None:
    for text in texts:
        match = _UNIT_RE.search(text)
        if match:
            unit = next(g for g in match.groups() if g).lower()
            return {"monthly": "month", "quarterly": "quarter", "annually": "year"}.get(unit,
                                                                                        unit)
    return None


def _direction_near(clause: str, start: int, end: int) -> int:
    """The direction word nearest the number: "a 33.3% decline ... (down from 3" is a fall."""
    best: tuple[int, int] | None = None
    for regex, sign in ((_UP_RE, 1), (_DOWN_RE, -1)):
        for match in regex.finditer(clause):
            distance = match.start() - end if match.start() >= end else start - match.end()
            if best is None or distance < best[0]:
                best = (distance, sign)
    return best[1] if best else 0


def _claims(clause: str, sentence: str) -> list[_Claim]:
    claims: list[_Claim] = []
    taken: list[tuple[int, int]] = []
    for match in _BETWEEN_RE.finditer(clause):
        if all(re.fullmatch(r"(?:19|20)\d\d", match.group(i)) for i in (1, 2)):
            continue  # "between 2021 and 2022" names years
        low, places = _number(match.group(1))
        high, places_high = _number(match.group(2))
        average = bool(_AVERAGE_RE.search(clause[:match.start()]))
        kind = "average" if average else "percent" if match.group("pct") else "count"
        claims.append(_Claim(kind, low, max(places, places_high), match.group(0), high,
                             _unit(clause[match.end():], sentence) if average else None,
                             _direction_near(clause, *match.span())))
        taken.append(match.span())
    for match in _NUM_RE.finditer(clause):
        if any(a <= match.start() < b for a, b in taken) or _skip(clause, match):
            continue
        value, places = _number(match.group("int") + (match.group("frac") or ""))
        signed = bool(match.group("sign"))
        if signed:
            value = -value
        text = match.group(0).strip()
        after = clause[match.end():]
        direction = _direction_near(clause, *match.span())
        if _AVERAGE_RE.search(clause[:match.start()]) and not match.group("pct"):
            claims.append(_Claim("average", value, places, text, None,
                                 _unit(after, sentence), direction))
        elif match.group("pct"):
            claims.append(_Claim("percent", value, places, text, None, None, direction,
                                 signed))
        elif _MEETINGS_RE.match(after):
            claims.append(_Claim("meetings", value, places, text))
        else:
            claims.append(_Claim("count", value, places, text))
    return claims


def _agrees_claim(claim: _Claim, value: Fraction) -> bool:
    if claim.high is not None:
        return claim.value <= _round(value, claim.decimals) <= claim.high
    return _round(value, claim.decimals) == claim.value


class _Narrative:
    """Matches narrative clauses to the table's rows and measures and checks their numbers."""

    def __init__(self, run: _Run) -> None:
        self.run = run
        table = run.table
        self.table = table
        self.rows = _label_info(table.labels, table.part_rows + table.total_rows
                                + sorted(table.pct_rows), set(table.total_rows))
        self.cols = _label_info(table.headers, table.count_cols + table.pct_cols,
                                set(table.total_cols))
        self.pct_cells = self._percent_cells()

    def _percent_cells(self) -> dict[tuple[int, int], tuple[_Pct, Fraction | None, set[int],
                                                             set[int]]]:
        """Each printed percentage: value, exact value, rows and columns it is about."""
        run, table = self.run, self.table
        cells = {}
        for r in range(len(table.labels)):
            for c in range(len(table.headers)):
                if r in table.pct_rows or c in table.pct_cols:
                    pct = _parse_pct(table.cells[r][c])
                    if pct is not None:
                        cells[(r, c)] = (pct, None, {r}, {c})
        for (axis, target), a, b in _change_specs(run, quiet=True):
            for (r, c), (pct, _, rows, cols) in list(cells.items()):
                if (axis, target) == ("col", c):
                    prev, cur, extra_rows, extra_cols = table.count(r, a), table.count(r, b), \
                        set(), {a, b}
                elif (axis, target) == ("row", r):
                    prev, cur, extra_rows, extra_cols = table.count(a, c), table.count(b, c), \
                        {a, b}, set()
                else:
                    continue
                exact = None if not prev or cur is None else (cur - prev) * 100 / prev
                cells[(r, c)] = (pct, exact, rows | extra_rows, cols | extra_cols)
        for c, base in _share_columns(run):
            counts = [table.count(r, base) for r in table.part_rows]
            total = sum((v for v in counts if v is not None), Fraction(0))
            for r in table.part_rows + table.total_rows:
                if (r, c) in cells and total > 0 and table.count(r, base) is not None:
                    pct, _, rows, cols = cells[(r, c)]
                    cells[(r, c)] = (pct, table.count(r, base) * 100 / total, rows,
                                     cols | {base})
        return cells

    def check(self) -> None:
        for paragraph in self.run.options.narrative:
            carry: list[int] = []
            for sentence in _sentences(paragraph):
                sentence_words = _words(sentence)
                for clause in _CLAUSE_RE.split(sentence):
                    clause_words = _words(clause)
                    rows = _match_labels(self.rows, clause_words)
                    cols = _match_labels(self.cols, clause_words)
                    claims = _claims(clause, sentence)
                    if not claims:
                        carry = rows or carry
                        continue
                    rows = rows or _match_labels(self.rows, sentence_words)
                    cols = cols or _match_labels(self.cols, sentence_words)
                    carry = rows or carry
                    rows = rows or carry
                    if not rows and not cols:
                        rows = self.table.total_rows[:1] or (
                            self.table.part_rows if len(self.table.part_rows) == 1 else [])
                    label_words = set().union(*(_words(self.table.labels[r]) for r in rows),
                                              *(_words(self.table.headers[c]) for c in cols))
                    for claim in claims:
                        if claim.kind == "count" and claim.text in label_words:
                            continue
                        self.run.ran("narrative_numbers")
                        self._check_claim(claim, sentence, rows, cols)

    def _where(self, r: int | None, c: int | None) -> str:
        where = self.table.where(r, c)
        parts = [f"row '{where['row']}'" if where["row"] is not None else "",
                 f"column '{where['column']}'" if where["column"] is not None else ""]
        return ", ".join(p for p in parts if p)

    def _unplaced(self, claim: _Claim, sentence: str, why: str) -> None:
        self.run.note(f"narrative_numbers: {claim.text} in '{_snippet(sentence)}' not checked: "
                      f"{why}")

    def _check_claim(self, claim: _Claim, sentence: str, rows: list[int],
                     cols: list[int]) -> None:
        if claim.kind == "count":
            self._check_count(claim, sentence, rows, cols)
        elif claim.kind == "percent":
            self._check_percent(claim, sentence, rows, cols)
        elif claim.kind == "average":
            self._check_average(claim, sentence, rows, cols)
        else:
            self._check_meetings(claim, sentence)

    def _check_count(self, claim: _Claim, sentence: str, rows: list[int],
                     cols: list[int]) -> None:
        table = self.table
        count_cols = [c for c in cols if c in table.count_cols]
        if rows and count_cols:
            cells = [(r, c) for r in rows for c in count_cols]
        elif rows:
            cells = [(r, c) for r in rows for c in table.count_cols]
        else:
            cells = [(r, c) for c in count_cols for r in table.part_rows + table.total_rows]
        values = [(r, c, v) for r, c in cells if (v := table.count(r, c)) is not None]
        if not values:
            self._unplaced(claim, sentence, "no row or measure of the table matches it")
            return
        if any(_agrees_claim(claim, v) for _, _, v in values):
            return
        # The closest value is the one the sentence most likely meant; ties go to the later
        # column (the current period) and then the total.
        r, c, best = min(values, key=lambda item: (abs(item[2] - claim.value), -item[1],
                                                   item[0] not in table.total_rows))
        others = [f"{_num(v)} ({self._where(i, j)})" for i, j, v in values
                  if (i, j) != (r, c)] if len(values) <= 4 else []
        message = (f"narrative '{_snippet(sentence)}' says {claim.text}, but the table has "
                   f"{_num(best)}")
        if others:
            message += f" (other cells it may mean: {', '.join(others)})"
        self.run.fail("narrative_numbers", message,
                      {"narrative": _plain(claim.value), "table": _plain(best)}, r, c)

    def _check_percent(self, claim: _Claim, sentence: str, rows: list[int],
                       cols: list[int]) -> None:
        found = []
        for (r, c), (pct, exact, about_rows, about_cols) in self.pct_cells.items():
            if rows and not about_rows & set(rows):
                continue
            if cols and not about_cols & set(cols) and not rows:
                continue
            found.append((r, c, pct, exact))
        if not found:
            self._unplaced(claim, sentence, "the table has no percentage it can be")
            return
        for _, _, pct, exact in found:
            for value in (v for v in (pct.value, exact) if v is not None):
                compared = value if claim.signed else abs(value)
                if claim.direction and value and (value > 0) != (claim.direction > 0):
                    continue
                if _agrees_claim(claim, compared):
                    return
        r, c, pct, exact = min(found, key=lambda item: abs(abs(item[2].value) - abs(
            claim.value)))
        message = (f"narrative '{_snippet(sentence)}' says {claim.text}, but the table has "
                   f"{pct.text}")
        if exact is not None:
            message += f" (exactly {_num(exact)}%)"
        if claim.direction and pct.value and (pct.value > 0) != (claim.direction > 0):
            message += (f", a {'rise' if pct.value > 0 else 'fall'} where the narrative says "
                        f"{'a rise' if claim.direction > 0 else 'a fall'}")
        self.run.fail("narrative_numbers", message,
                      {"narrative": claim.value, "table": pct.value, "exact": exact}, r, c)

    def _series(self, rows: list[int], cols: list[int]) -> tuple[int | None, int | None,
                                                                 list[Fraction | None]]:
        table = self.table
        count_cols = [c for c in cols if c in table.part_cols]
        if len(count_cols) == 1:
            c = count_cols[0]
            return None, c, [table.count(r, c) for r in table.part_rows]
        part_rows = [r for r in rows if r in table.part_rows]
        if len(part_rows) == 1:
            r = part_rows[0]
            return r, None, [table.count(r, c) for c in table.part_cols]
        return None, None, []

    def _check_average(self, claim: _Claim, sentence: str, rows: list[int],
                       cols: list[int]) -> None:
        r, c, values = self._series(rows, cols)
        if not values or any(v is None for v in values):
            self._unplaced(claim, sentence, "no single row or measure of the table matches it"
                           if not values else "a value in its series is blank")
            return
        if claim.unit not in ("month", "meeting", "quarter", "year"):
            self._unplaced(claim, sentence, "its unit (per month, per meeting, ...) is not said")
            return
        total = sum(values, Fraction(0))
        period = self.run.options.period
        months = period.n_months if period is not None else None
        meetings = self.run.options.meetings or len(values)
        per = {"meeting": total / meetings}
        if months:
            per.update({"month": total / months, "quarter": total * 3 / months,
                        "year": total * 12 / months})
        if claim.unit not in per:
            self._unplaced(claim, sentence, f"an average per {claim.unit} needs the period "
                           "('# period:')")
            return
        if _agrees_claim(claim, per[claim.unit]):
            return
        said = claim.text if claim.high is None else f"between {_num(claim.value)} and " \
            f"{_num(claim.high)}"
        numbers = {"narrative": _plain(claim.value), "sum": _plain(total), "meetings": meetings,
                   "months": months, "per_meeting": per["meeting"],
                   "per_month": per.get("month")}
        over = {"meeting": f"{meetings} meetings", "month": f"the {months} months of "
                f"{period.label}" if period else "", "quarter": f"{months} months",
                "year": f"{months} months"}
        message = (f"narrative '{_snippet(sentence)}' gives {said} per {claim.unit}, but "
                   f"{_num(total)} over {over[claim.unit]} is "
                   f"{_num(per[claim.unit])} per {claim.unit}")
        other = "meeting" if claim.unit != "meeting" else "month"
        if other in per and _agrees_claim(claim, per[other]):
            message += (f"; {said} is the average per {other} ({_num(total)} over "
                        f"{over[other]} = {_num(per[other])}), labelled per {claim.unit}")
        self.run.fail("narrative_numbers", message, numbers, r, c)

    def _check_meetings(self, claim: _Claim, sentence: str) -> None:
        table = self.table
        meetings = self.run.options.meetings
        if meetings is None and table.part_rows and all(
                _cell_month(table.labels[r]) is not None for r in table.part_rows):
            meetings = len(table.part_rows)
        if meetings is None:
            self._unplaced(claim, sentence, "the number of meetings is not known "
                           "('# meetings:')")
            return
        if claim.value != meetings:
            self.run.fail("narrative_numbers", f"narrative '{_snippet(sentence)}' says "
                          f"{claim.text} meetings, but the table has {meetings}",
                          {"narrative": _plain(claim.value), "table": meetings})


def _snippet(text: str, width: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[:width - 1].rstrip() + "…"


# --------------------------------------------------------------------------- front door


def _sidecar(path: Path) -> dict[str, Any]:
    side = path.with_name(f"{path.stem}.check.toml")
    if not side.exists():
        return {}
    try:
        return tomllib.loads(side.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InputDataError(side, f"not valid TOML: {exc}") from None


def check_table(
    path_or_frame: str | Path | pd.DataFrame,
    *,
    rounding: str | None = None,
    decimals: int | None = None,
    narrative: str | Sequence[str] | None = None,
    period: str | Window | None = None,
    identity: str | Sequence[str] | None = None,
    layout: str | None = None,
    change: str | Sequence[str] | None = None,
    parts: str | Sequence[str] | None = None,
    shares: str | Sequence[str] | None = None,
    names: str | Mapping[str, str] | None = None,
    title: str | Sequence[str] | None = None,
    meetings: int | None = None,
    note: str | Sequence[str] | None = None,
) -> CheckReport:
    """Check a board table's totals, percentages, identities, periods and narrative.

    Parameters
    ----------
    path_or_frame : str, Path or pandas.DataFrame
        A CSV exported from a board table (with optional ``#`` option lines and a sidecar
        ``<name>.check.toml``; see the module docstring), or a DataFrame whose first column
        holds the row labels. A DataFrame's numeric cells in a column whose header contains
        "%" are read as percentages.
    rounding : {"half_up", "largest_remainder"}, optional
        How shares were rounded (default half up).
    decimals : int, optional
        Printed precision of every percentage (default: as each cell prints).
    narrative : str or list of str, optional
        Text printed with the table, one paragraph per item.
    period : str or Window, optional
        The reporting period, e.g. ``"2023-03..2023-05"`` or ``"Q4 2022/23"``.
    identity : str or list of str, optional
        Stock-flow identities, e.g. ``"cases[t] = cases[t-1] - closed[t-1] + new[t]"``.
    layout, change, parts, shares, names, title, meetings, note
        As the comment keys of the same names (module docstring); ``note`` is the table's
        footnotes as printed with it.

    Returns
    -------
    CheckReport
        ``ok`` is False when any check failed; ``text()`` gives one line per failure.

    Raises
    ------
    InputDataError
        An option or the table cannot be read (the message names the file and line).

    Examples
    --------
    >>> table = pd.DataFrame({"Ward": ["Edgware", "Hendon", "Grand Total"],
    ...                       "Incidents": [2, 1, 4], "% of incidents": ["67%", "33%", "100%"]})
    >>> report = check_table(table)
    >>> print(report.text())
    totals: row 'Grand Total', column 'Incidents': printed 4, but the 2 rows above sum to 3
    >>> report.ok, report.checks_run
    (False, ['totals', 'percent_shares'])
    >>> check_table(table.assign(Incidents=[2, 1, 3])).ok
    True
    >>> check_table(table.assign(Incidents=[2, 1, 3]), narrative="There were 4 incidents "
    ...             "in the 3 months to May 2023.", period="2023-03..2023-05").text()
    "narrative_numbers: row 'Grand Total', column 'Incidents': narrative 'There were 4 ...
    says 4, but the table has 3 ..."
    """
    source = None
    opts = _Options()
    if isinstance(path_or_frame, pd.DataFrame):
        header, body = _from_frame(path_or_frame)
        titles: list[str] = []
    elif isinstance(path_or_frame, str | Path):
        path = Path(path_or_frame)
        source = str(path)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise InputDataError(path, f"cannot be read: {exc.strerror or exc}") from None
        opts.update(_sidecar(path), source, f"{path.stem}.check.toml")
        comments, titles, header, body = _read_csv(text, source)
        opts.update(comments, source, "a '#' comment line")
    else:
        raise TypeError(f"check_table needs a CSV path or a DataFrame, got "
                        f"{type(path_or_frame).__name__}")
    opts.update({"rounding": rounding, "decimals": decimals, "narrative": narrative,
                 "period": period, "identity": identity, "layout": layout, "change": change,
                 "parts": parts, "shares": shares, "names": names, "title": title,
                 "meetings": meetings, "note": note}, source, "the arguments")
    table = _build_table(header, body, opts.layout == "transposed", source)
    run = _Run(table, opts, titles, source)
    _check_totals(run)
    _check_shares(run)
    _check_change(run)
    _check_identities(run)
    _check_periods(run)
    if opts.narrative:
        _Narrative(run).check()
    return run.report


def check_file(path: str | Path, **options: Any) -> CheckReport:
    """:func:`check_table` on a CSV file, for the command line.

    Parameters
    ----------
    path : str or Path
        The CSV file; options are read from its ``#`` lines and ``<name>.check.toml``.
    **options
        Keyword arguments of :func:`check_table`; they override the file's own options.

    Returns
    -------
    CheckReport
        With ``source`` set to the file's path.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "trigger.csv").write_text(
    ...     "# title: Community Trigger: 3 Months to May 2023\\n"
    ...     "# narrative: There was 0 Community Trigger applications received during the "
    ...     "3 months to March 2023.\\n"
    ...     "Measure,Count\\nCommunity Trigger applications received,0\\n")
    >>> print(check_file(folder / "trigger.csv").text())
    period_labels: narrative '3 months to March 2023' names January 2023 to March 2023, which
    does not end in May 2023: the table's period is March 2023 to May 2023 (from the title
    'Community Trigger: 3 Months to May 2023')
    """
    if isinstance(path, pd.DataFrame):
        raise TypeError("check_file needs a path; use check_table for a DataFrame")
    return check_table(Path(path), **options)
