"""Tables as a reader sees them: plain labels, thousands separators, ``%``, no ``<NA>``.

The pack's CSV files keep code names and full precision for analysts;
:func:`reader_frame` turns a table into the strings a page prints, column by column, using
the label registry (:mod:`scpb_analysis.reference.labels`), and :func:`reader_html` into an
HTML table whose number columns are right-aligned and whose long text wraps to the page.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Mapping

import pandas as pd

from scpb_analysis.reference.labels import column_format, column_label, value_label

__all__ = ["NOT_AVAILABLE", "format_value", "reader_frame", "reader_html"]

#: What a page prints for a missing value.
NOT_AVAILABLE = "not available"

_SIGNED = re.compile(r"^[+-]?\d+(?:\.\d+)?$")
_NUMERIC_FORMATS = {"count", "change", "fraction", "rate", "rank", "p", "number"}


def _is_missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip().lower() in ("", "nan", "<na>", "none")


def format_value(value: object, fmt: str | None, decimals: int = 2,
                 missing: str = NOT_AVAILABLE) -> str:
    """One value as the page prints it in a column of format ``fmt``.

    Parameters
    ----------
    value : object
        The cell.
    fmt : str or None
        A format of :data:`scpb_analysis.reference.labels.FORMATS`; None infers it from the
        value (whole numbers as counts, other numbers to ``decimals``, text as text).
    decimals : int
        Decimal places of rates and numbers.
    missing : str
        Printed for a missing value.

    Examples
    --------
    >>> format_value(1951, "count"), format_value("+5.6", "change"), format_value(0.481, "fraction")
    ('1,951', '+5.6%', '48.1%')
    >>> format_value(7222.0, "rank"), format_value(float("nan"), "rank"), format_value(True, None)
    ('7,222', 'not available', 'yes')
    >>> format_value(0.0004, "p"), format_value("violence_with_injury", "text")
    ('<0.001', 'Violence with Injury')
    >>> format_value(-0.03, "change"), format_value(0.0, "change")
    ('-0.03%', '+0.0%')
    """
    if _is_missing(value):
        return missing
    if isinstance(value, bool) or fmt == "flag":
        text = str(value).strip().lower()
        return {"true": "yes", "false": "no", "1": "yes", "0": "no"}.get(text, text)
    if fmt == "change":
        text = str(value).strip()
        if _SIGNED.match(text.rstrip("%")):
            change = float(text.rstrip("%"))
            # A real change too small for one decimal keeps its first significant place, as
            # the sentences print it (stats.change.format_percent_change): never "-0.0%".
            places = 1
            while change and round(abs(change), places) == 0 and places < 6:
                places += 1
            return f"{change:+.{places}f}%"
        return value_label(text)
    number = _number(value)
    if fmt in _NUMERIC_FORMATS and number is None:
        return value_label(str(value))  # a note in a number column ("n/a (...)") stays words
    if fmt == "count" or fmt == "rank":
        return f"{number:,.0f}"
    if fmt == "fraction":
        return f"{number * 100:.1f}%"
    if fmt == "p":
        return "<0.001" if number < 0.001 else f"{number:.3f}"
    if fmt == "rate" or (fmt == "number" and not float(number).is_integer()):
        return f"{number:,.{decimals}f}"
    if fmt == "number":
        return f"{number:,.0f}"  # a count among rates in a mixed column reads as a count
    if fmt is None and number is not None and not isinstance(value, str):
        return f"{number:,.0f}" if float(number).is_integer() and not isinstance(value, float) \
            else f"{number:,.{decimals}f}"
    return value_label(str(value))


def _number(value: object) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    try:
        return float(str(value).replace(",", ""))
    except ValueError:
        return None


def _column_format(frame: pd.DataFrame, column: str) -> str | None:
    fmt = column_format(column)
    if fmt is not None:
        return fmt
    series = frame[column]
    if pd.api.types.is_bool_dtype(series):
        return "flag"
    if pd.api.types.is_integer_dtype(series):
        return "count"
    if pd.api.types.is_float_dtype(series):
        whole = series.dropna()
        return "count" if len(whole) and (whole == whole.round()).all() else "number"
    return None


def reader_frame(frame: pd.DataFrame, labels: Mapping[str, str] | None = None, *,
                 decimals: int = 2, formats: Mapping[str, str] | None = None,
                 missing: str = NOT_AVAILABLE) -> pd.DataFrame:
    """The table as strings a reader sees, under plain-English column labels.

    Parameters
    ----------
    frame : DataFrame
        The table with its code-named columns.
    labels : mapping, optional
        Column code -> label, for labels that depend on the table (e.g. the months of a
        window); other columns take the label registry's.
    decimals : int
        Decimal places of rates and numbers.
    formats : mapping, optional
        Column code -> format, overriding the registry's.
    missing : str
        What a missing value reads as.

    Examples
    --------
    >>> t = pd.DataFrame({"indicator": ["robbery"], "n_12m": [1951], "pct_change_12m": ["+5.6"],
    ...                   "peer_rank": [float("nan")]})
    >>> reader_frame(t).iloc[0].tolist()
    ['Robbery', '1,951', '+5.6%', 'not available']
    >>> reader_frame(t).columns.tolist()
    ['Indicator', '12 months', '12-month change', 'Rank']
    """
    labels = dict(labels or {})
    formats = dict(formats or {})
    shown = {}
    for column in frame.columns:
        fmt = formats.get(column) or _column_format(frame, column)
        name = labels.get(column) or column_label(str(column))
        shown[name] = [format_value(v, fmt, decimals, missing) for v in frame[column]]
    return pd.DataFrame(shown, index=range(len(frame)), columns=list(shown))


_LONG_TOKEN = re.compile(r"\S{24,}")


def _breakable(text: str) -> str:
    """Escaped text whose long tokens (file names, addresses) may break after ``/ _ - .``.

    Only there: a table that may break any word squeezes its short columns mid-word.
    """
    parts, last = [], 0
    for match in _LONG_TOKEN.finditer(text):
        parts.append(html.escape(text[last:match.start()]))
        parts.append(re.sub(r"([/_\-.,(])", r"\1<wbr>", html.escape(match.group())))
        last = match.end()
    parts.append(html.escape(text[last:]))
    return "".join(parts)


def reader_html(frame: pd.DataFrame, labels: Mapping[str, str] | None = None, *,
                decimals: int = 2, formats: Mapping[str, str] | None = None,
                missing: str = NOT_AVAILABLE, classes: str = "",
                max_columns: int = 13) -> str:
    """The table as an HTML ``<table class="reader">``: labelled, formatted, numbers right.

    A table wider than ``max_columns`` is split into parts that fit the page, each repeating
    the first column (what the rows are) and saying which columns it holds.

    Examples
    --------
    >>> print(reader_html(pd.DataFrame({"n_12m": [1951]})))  # doctest: +NORMALIZE_WHITESPACE
    <table class="reader"><thead><tr><th class="num">12 months</th></tr></thead>
    <tbody><tr><td class="num">1,951</td></tr></tbody></table>
    >>> wide = pd.DataFrame({f"c{i}": [i] for i in range(30)})
    >>> reader_html(wide).count("<table")
    3
    """
    resolved = {c: (formats or {}).get(c) or _column_format(frame, c) for c in frame.columns}
    shown = reader_frame(frame, labels, decimals=decimals, formats=resolved, missing=missing)
    numeric = [resolved[c] in _NUMERIC_FORMATS for c in frame.columns]
    css = " ".join(["reader", classes]).strip()

    def cell(tag: str, text: str, right: bool) -> str:
        attribute = ' class="num"' if right else ""
        return f"<{tag}{attribute}>{_breakable(text)}</{tag}>"

    def table(positions: list[int]) -> str:
        head = "".join(cell("th", str(shown.columns[j]), numeric[j]) for j in positions)
        rows = "".join("<tr>" + "".join(cell("td", row[j], numeric[j]) for j in positions)
                       + "</tr>" for row in shown.itertuples(index=False))
        return (f'<table class="{css}"><thead><tr>{head}</tr></thead>\n'
                f"<tbody>{rows}</tbody></table>")

    n = len(shown.columns)
    if n <= max(max_columns, 2):
        return table(list(range(n)))
    step = max_columns - 1
    parts = []
    for first in range(1, n, step):
        last = min(first + step, n)
        parts.append(f'<p class="part">Columns {first + 1} to {last} of {n}:</p>'
                     + table([0, *range(first, last)]))
    return "".join(parts)
