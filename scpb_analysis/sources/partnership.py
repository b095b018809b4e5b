"""Partnership exports (CSV or Excel) into tidy tables, with personal columns dropped at load.

Every source is laid out like its template in
:mod:`scpb_analysis.reference.partnership_schema`. Reading is tolerant of how spreadsheets are
really kept; meaning is checked strictly:

Tolerated
    CSV in UTF-8 (with or without BOM) or Windows-1252, or an ``.xlsx`` workbook (the sheet
    named, else the first sheet with a recognisable header); title rows above the header (it is
    looked for in the first
    :data:`~scpb_analysis.reference.partnership_schema.HEADER_SEARCH_ROWS` rows);
    headers in any case, spacing or punctuation and common variants (``"DATE_TIME"``,
    ``"Pro-active / Re-active"``); empty columns and blank rows; stray spaces; look-alike
    Cyrillic letters in categories (``"СВО"``, ``"мии"``); known variants such as ``CBO`` or
    ``MUU``.
Dates
    ``dd/mm/yyyy``, ``dd/mm/yy``, ``yyyy-mm-dd``, each optionally followed by ``HH:MM`` or
    ``HH:MM:SS``, Excel date cells and Excel serial numbers (days since 30 December 1899, the
    fraction being the time of day). A two-digit year ``yy`` is read as ``20yy``: every
    partnership record is from this century, so ``01/04/99`` is 2099, and a date before 2000 is
    refused.
Day/month order, decided once per file (and date column), never per row
    Any slashed date whose first number is above 12 makes the file day first (UK); any whose
    second number is above 12 makes it month first (US, ``03/15/2023``), and the whole file is
    then read month first. A file with both is refused, naming two example rows (row numbers
    only). A file with neither is read day first, the UK default, and the load report's
    ``date_order`` says so ("day first (assumed ...)"), as do the notes of every table built
    from it (:func:`load_notes`).
Period end and the future
    With ``period_end`` given, rows dated after its last day are set aside ("dated after the
    period end"); rows dated after today are always set aside ("dated in the future"). Neither
    is ever counted.
Rejected (the row is set aside and reported with its reason)
    An unknown ward (the reason carries the closest wards), an unknown incident type, outcome,
    ideology, offence code or other category (the value is shown: categories are not personal),
    an empty required value, a date that is not a real date, a CCTV time when the control room
    was closed (12:00 to 04:00 until 31 August 2022), a negative or fractional count, a date
    after the period end or in the future, the second and later rows with the same ID (the
    reason names the first) and, in sources without an ID (ASB outcomes), a row identical to an
    earlier one. ``strict=True`` raises :class:`~scpb_analysis.core.errors.InputDataError` at the
    first such row instead. Each rejection has a ``kind`` (``"unknown ward"``, ``"not a
    date"``, ...) so that notes can group them.
Refused (the whole file: :class:`~scpb_analysis.core.errors.InputDataError`)
    An empty file or sheet, no header in the first 30 rows, missing required columns (the
    message lists them and every template header), two columns naming the same template column,
    day-first and month-first dates in the same column. A file with a header and no data rows
    loads with nothing in it, and :func:`load_notes` says so.

What a report or error may repeat of a cell (the rule, applied to rejections and to strict-mode
errors alike)
    Never a value of a personal column (dropped unread), an ID or free text (only the length is
    given). A date is repeated only when it reads as a date from 2000 up to today: a date of
    birth typed into a date column is therefore "not shown (10 characters)". A count is
    repeated only when it is a number of at most 8 characters. A category, flag or ward that is
    not a known value is repeated only when it is a near miss of a known one (the closest value
    or a suggested ward exists), has at most 40 characters, no personal data the scan of
    :func:`scpb_analysis.qa.disclosure.scan_text_for_pii` finds, and (wards) no digits; anything
    else is "not shown (N characters)", since a value like no known one may be a name or an
    address typed into the wrong column. A header that the scan flags is named by its column
    letter only.

Personal columns (the source's known ones, or any header that looks personal: names, dates of
birth, addresses, postcodes, phone numbers, e-mail, notes and other free text) are dropped
before any value is read, as is every other column not in the template; the load report lists
their names, never their contents. Values of ID and free-text columns are never repeated in the
rejection report either. Every data row is accounted for: ``rows_read = rows_loaded +
rows_rejected`` (blank rows are counted separately and hold nothing); every rejected row is
set aside, never counted.
"""

from __future__ import annotations

import csv
import difflib
import io
import numbers
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

import pandas as pd

from scpb_analysis.core.errors import InputDataError, MissingSourceError
from scpb_analysis.core.periods import fy_quarter, month_label, to_month
from scpb_analysis.qa.disclosure import scan_file_name, scan_text_for_pii
from scpb_analysis.reference.partnership_schema import (
    COLUMN_TYPES,
    HEADER_SEARCH_ROWS,
    SOURCES,
    Column,
    SourceSchema,
    control_room_open,
    is_personal_header,
    value_key,
)
from scpb_analysis.reference.wards import UnknownWardError, canonical_ward_names, ward_reference
from scpb_analysis.sources.files import (
    cell_text,
    column_letter,
    decode_text,
    is_blank_cell,
    read_bytes,
)

__all__ = [
    "PartnershipPeriod",
    "load_partnership_period",
    "REPORT_COLUMNS",
    "REJECTED_COLUMNS",
    "DROPPED_COLUMNS",
    "SPREADSHEET_SUFFIXES",
    "PartnershipLoad",
    "load_partnership",
    "load_all",
    "load_notes",
    "set_aside_table",
]

#: Columns of :attr:`PartnershipLoad.report`, one row per file.
REPORT_COLUMNS = ["file", "rows_read", "rows_loaded", "rows_rejected", "columns_dropped",
                  "sheet", "header_row", "blank_rows", "encoding", "date_order"]
#: Columns of :attr:`PartnershipLoad.rejected`, one row per problem found; ``kind`` groups
#: the reasons ("unknown ward", "dated after the period end", ...).
REJECTED_COLUMNS = ["file", "row", "column", "value_description", "reason", "kind"]
#: Columns of :attr:`PartnershipLoad.dropped`, one row per column dropped at load.
DROPPED_COLUMNS = ["file", "column", "reason"]
#: File types read; other files in a folder (notes, markers) are left alone.
SPREADSHEET_SUFFIXES = (".csv", ".xlsx", ".xlsm")

_PERSONAL = "personal data"
_NOT_IN_TEMPLATE = "not in the template"
_NO_HEADER = "no header"
_FIRST_YEAR, _LAST_YEAR = 2000, 2099
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
_SERIAL_MIN = (pd.Timestamp(f"{_FIRST_YEAR}-01-01") - _EXCEL_EPOCH).days
_SERIAL_MAX = (pd.Timestamp(f"{_LAST_YEAR + 1}-01-01") - _EXCEL_EPOCH).days
_TIME = r"(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?"
_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})" + _TIME + "$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})" + _TIME + "$")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_WHOLE = re.compile(r"^\+?\d+(\.0*)?$")
_THOUSANDS = re.compile(r"^\d{1,3}(,\d{3})+(\.0*)?$")
_DAY_FIRST, _MONTH_FIRST = "day first", "month first"
_ASSUMED = "day first (assumed: no date has a number above 12 to settle the order)"
_SHOWN_MAX = 40


@dataclass
class PartnershipLoad:
    """One partnership source loaded from one or more files.

    Attributes
    ----------
    table : DataFrame
        The tidy table (:attr:`SourceSchema.tidy_columns
        <scpb_analysis.reference.partnership_schema.SourceSchema>`), one row per loaded
        record, sorted by date, ID, file and row. ``source_file`` and ``source_row``
        (spreadsheet row, header = the row it is on) lead back to the input.
    report : DataFrame
        One row per file (:data:`REPORT_COLUMNS`): ``rows_read = rows_loaded + rows_rejected``,
        and ``columns_dropped`` naming each column dropped at load and why (names only).
    rejected : DataFrame
        One row per problem (:data:`REJECTED_COLUMNS`); a row with two problems appears twice.
        ``value_description`` shows the value for categories, wards, dates and counts, but only
        the length of IDs and free text, which could be personal.
    source : str
        The source name (:data:`~scpb_analysis.reference.partnership_schema.SOURCE_NAMES`).
    dropped : DataFrame
        The columns dropped at load, one row each (:data:`DROPPED_COLUMNS`).
    """

    table: pd.DataFrame
    report: pd.DataFrame
    rejected: pd.DataFrame
    source: str
    dropped: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=DROPPED_COLUMNS))

    @property
    def rows_rejected(self) -> int:
        """Data rows set aside, over all files."""
        return int(self.report["rows_rejected"].sum())

    @property
    def rows_read(self) -> int:
        """Data rows read (blank rows aside), over all files."""
        return int(self.report["rows_read"].sum())

    @property
    def rows_loaded(self) -> int:
        """Data rows in :attr:`table`: ``rows_read - rows_rejected``."""
        return int(self.report["rows_loaded"].sum())


# ---------------------------------------------------------------------------------------------
# Reading cells


@dataclass
class _Sheet:
    path: Path
    label: str  # file name as reported (relative to the folder loaded)
    name: str | None  # sheet name; None for CSV
    rows: list[list[object]]  # rows[i] is spreadsheet row i + 1
    encoding: str

    @property
    def where(self) -> str:
        """The file (and sheet) for error messages."""
        return str(self.path) if self.name is None else f"{self.path} (sheet '{self.name}')"


def _read_csv_rows(path: Path, raw: bytes) -> tuple[list[list[object]], str]:
    text, encoding = decode_text(
        path, raw,
        not_csv="a CSV file or an .xlsx workbook (an .xlsx file needs the .xlsx extension)",
        plain="a comma-separated text file",
    )
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise InputDataError(path, f"is not readable as CSV ({exc})",
                             expected="a comma-separated text file") from None
    return [list(r) for r in rows], encoding


def _read_sheets(path: Path, label: str) -> list[_Sheet]:
    """Every sheet of a file (a CSV file is one sheet), rows as raw cell values."""
    raw = read_bytes(path, expected=None)
    suffix = path.suffix.lower()
    if suffix == ".xls" or raw.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputDataError(path, "is an old-style Excel (.xls) workbook",
                             expected="an .xlsx workbook or a CSV file (save it as one of them)")
    if suffix in (".xlsx", ".xlsm") or raw.startswith(b"PK\x03\x04"):
        try:
            book = pd.read_excel(path, sheet_name=None, header=None, dtype=object,
                                 engine="openpyxl")
        except Exception as exc:  # openpyxl raises many types for a damaged workbook
            raise InputDataError(path, f"cannot be read as an Excel workbook ({exc})",
                                 expected="an .xlsx workbook") from None
        return [_Sheet(path, label, str(name), frame.to_numpy(dtype=object).tolist(), "xlsx")
                for name, frame in book.items()]
    rows, encoding = _read_csv_rows(path, raw)
    return [_Sheet(path, label, None, rows, encoding)]


# ---------------------------------------------------------------------------------------------
# Finding the header and mapping columns


def _header_scan(rows: list[list[object]], schema: SourceSchema) -> tuple[int, set[str]] | None:
    """The row (0-based) naming most template columns in the first rows, and those columns."""
    best: tuple[int, set[str]] | None = None
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        matched = {col.header for cell in row if not is_blank_cell(cell)
                   for col in [schema.match_header(cell_text(cell))] if col is not None}
        if len(matched) >= 2 and (best is None or len(matched) > len(best[1])):
            best = (index, matched)
    return best


@dataclass
class _Layout:
    header_index: int
    columns: dict[int, tuple[Column, str]]  # column index -> (template column, header as given)
    dropped: list[tuple[str, str]]  # (column name, reason)


def _expected_headers(schema: SourceSchema) -> str:
    return (f"the {schema.title} template headers: {', '.join(schema.headers)} (required: "
            f"{', '.join(schema.required_headers)})")


def _layout(sheet: _Sheet, schema: SourceSchema, header_index: int) -> _Layout:
    header = sheet.rows[header_index]
    body = sheet.rows[header_index + 1:]
    width = max([len(header), *(len(r) for r in body)])
    columns: dict[int, tuple[Column, str]] = {}
    seen: dict[str, str] = {}
    dropped: list[tuple[str, str]] = []
    for index in range(width):
        text = cell_text(header[index]) if index < len(header) else ""
        if not text:
            # Empty columns (often trailing) are nothing; values under no header are dropped
            # unread, since nobody can say what they are.
            if any(index < len(r) and not is_blank_cell(r[index]) for r in body):
                dropped.append((f"column {column_letter(index)}", _NO_HEADER))
            continue
        col = schema.match_header(text)
        if col is None:
            reason = _PERSONAL if is_personal_header(text, schema.name) else _NOT_IN_TEMPLATE
            if scan_text_for_pii(text):
                # A phone number or e-mail typed into the header row: name the column only.
                text, reason = f"column {column_letter(index)} (header not shown)", _PERSONAL
            dropped.append((text, reason))
            continue
        if col.header in seen:
            raise InputDataError(
                sheet.where,
                f"columns '{seen[col.header]}' and '{text}' both name the template column "
                f"'{col.header}'",
                row=header_index + 1, column=text, expected="each template column once",
            )
        seen[col.header] = text
        columns[index] = (col, text)
    missing = [h for h in schema.required_headers if h not in seen]
    if missing:
        other = [name for name, _ in dropped if not name.startswith("column ")]
        found = f"; headers found but not recognised: {', '.join(other)}" if other else ""
        raise InputDataError(
            sheet.where,
            f"lacks the required column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(repr(m) for m in missing)}{found}",
            row=header_index + 1, column=missing[0], expected=_expected_headers(schema),
        )
    return _Layout(header_index, columns, dropped)


def _locate(sheet: _Sheet, schema: SourceSchema) -> _Layout:
    if not any(not is_blank_cell(c) for r in sheet.rows for c in r):
        raise InputDataError(sheet.where, "is empty (no rows with values)",
                             expected=_expected_headers(schema))
    found = _header_scan(sheet.rows, schema)
    if found is None:
        raise InputDataError(
            sheet.where,
            f"has no header row: none of the first {HEADER_SEARCH_ROWS} rows names two or more "
            f"{schema.title} columns",
            expected=_expected_headers(schema),
        )
    return _layout(sheet, schema, found[0])


# ---------------------------------------------------------------------------------------------
# Values


def _expected_value(col: Column, borough: str) -> str:
    if col.kind == "category" and col.allowed:
        if len(col.allowed) <= 10:
            return "one of " + ", ".join(col.allowed)
        return (f"one of the {len(col.allowed)} values listed for '{col.header}' in the data "
                f"dictionary")
    if col.kind == "ward":
        return f"a {borough} ward of the May 2022 scheme"
    return COLUMN_TYPES[col.kind]


def _timestamp(year: int, month: int, day: int, hh: str | None, mm: str | None,
               ss: str | None, order: str = _DAY_FIRST) -> tuple[pd.Timestamp | None, str | None]:
    try:
        day_part = date(year, month, day)
    except ValueError:
        return None, f"is not a real date (day {day} of month {month}, read {order})"
    if hh is None:
        return pd.Timestamp(day_part), None
    try:
        clock = time(int(hh), int(mm), int(ss or 0))
    except ValueError:
        return None, f"is not a real time of day ({hh}:{mm})"
    return pd.Timestamp(datetime.combine(day_part, clock)), None


def _parse_when(cell: object, order: str = _DAY_FIRST
                ) -> tuple[pd.Timestamp | None, bool, str | None]:
    """(timestamp, whether a time of day was given, problem); slashed dates read in ``order``."""
    if isinstance(cell, bool):
        return None, False, "is not a date"
    if isinstance(cell, datetime):
        return pd.Timestamp(cell), True, None
    if isinstance(cell, date):
        return pd.Timestamp(cell), False, None
    if isinstance(cell, time):
        return None, True, "is a time of day with no date"
    text = cell_text(cell)
    if isinstance(cell, numbers.Real) or _NUMBER.match(text):
        serial = float(text)
        if not _SERIAL_MIN <= serial < _SERIAL_MAX:
            return None, False, (f"is a number outside the Excel date serials of {_FIRST_YEAR} "
                                 f"to {_LAST_YEAR}")
        stamp = (_EXCEL_EPOCH + pd.Timedelta(days=serial)).round("s")
        return stamp, not float(serial).is_integer(), None
    match = _DMY.match(text)
    if match:
        day, month, year, hh, mm, ss = match.groups()
        if order == _MONTH_FIRST:
            day, month = month, day
        # Two-digit years are this century: see the module notes.
        full_year = int(year) + (2000 if len(year) == 2 else 0)
        stamp, problem = _timestamp(full_year, int(month), int(day), hh, mm, ss, order)
        return stamp, hh is not None, problem
    match = _ISO.match(text)
    if match:
        year, month, day, hh, mm, ss = match.groups()
        stamp, problem = _timestamp(int(year), int(month), int(day), hh, mm, ss)
        return stamp, hh is not None, problem
    return None, False, "is not a date"


def _parse_count(cell: object) -> tuple[int | None, str | None]:
    if isinstance(cell, bool):
        return None, "is not a whole number"
    text = cell_text(cell)
    if _THOUSANDS.match(text):
        # "1,019" as Excel writes it; "1,5" is not a thousands separator and stays refused.
        text = text.replace(",", "")
    if _WHOLE.match(text):
        return int(float(text)), None
    if _NUMBER.match(text):
        return None, "is negative" if float(text) < 0 else "is not a whole number"
    return None, "is not a whole number"


class _WardResolver:
    """Ward names to (code, canonical name), each distinct spelling looked up once."""

    def __init__(self, borough: str) -> None:
        self.borough = borough
        ref = ward_reference(borough, "2022")
        self.codes = dict(zip(ref["ward_name"], ref["ward_code"], strict=True))
        self.cache: dict[str, tuple[str, str] | UnknownWardError] = {}

    def __call__(self, name: str) -> tuple[str, str] | UnknownWardError:
        if name not in self.cache:
            try:
                canonical = canonical_ward_names([name], self.borough, scheme="2022")[0]
                self.cache[name] = (self.codes[canonical], canonical)
            except UnknownWardError as exc:
                self.cache[name] = exc
        return self.cache[name]


def _hidden(text: str) -> str:
    return f"not shown ({len(text)} characters)"


def _near_known(col: Column, text: str) -> bool:
    """Whether an unknown category value is a near miss of a known one (so not personal)."""
    keys = [k for k in col._lookup if k]
    return bool(difflib.get_close_matches(value_key(text), keys, n=1, cutoff=0.75))


def _may_show(text: str, *, digits: bool = True) -> bool:
    """Short, free of anything the personal-data scan finds, and (if asked) of digits."""
    return (len(text) <= _SHOWN_MAX and not scan_text_for_pii(text)
            and (digits or not any(ch.isdigit() for ch in text)))


def _describe(col: Column, cell: object, show: bool = True) -> str:
    """What the rejection report may say about a value (the rule is in the module notes)."""
    text = cell_text(cell)
    if not text:
        return "(empty)"
    if col.kind in ("id", "text") or not show:
        # IDs and free text are where names and addresses get typed by mistake.
        return _hidden(text)
    return repr(text if len(text) <= 60 else text[:57] + "...")


@dataclass
class _Problem:
    row: int
    column: str
    value_description: str
    reason: str
    kind: str


@dataclass
class _Cell:
    """One cell's tidy values, or why it is rejected (``kind`` groups the reasons)."""

    values: dict
    reason: str | None = None
    kind: str = ""
    show: bool = True


def _date_shaped(text: str) -> bool:
    """A slashed or ISO date from 2000 on (so not a date of birth of anyone over 26)."""
    match = _DMY.match(text)
    if match:
        year = match.group(3)
        return len(year) == 2 or int(year) >= _FIRST_YEAR
    match = _ISO.match(text)
    return bool(match) and int(match.group(1)) >= _FIRST_YEAR


def _parse_cell(col: Column, cell: object, wards: _WardResolver,
                order: str = _DAY_FIRST) -> _Cell:
    """Tidy values for one cell, or the reason it is rejected."""
    text = cell_text(cell)
    if not text:
        if col.required:
            return _Cell({}, f"is empty; expected {_expected_value(col, wards.borough)}",
                         "empty required value")
        return _Cell({col.tidy: ""})
    if col.kind in ("id", "text"):
        return _Cell({col.tidy: text})
    if col.kind in ("date", "datetime"):
        stamp, has_time, problem = _parse_when(cell, order)
        kind = "not a date"
        if problem is None and stamp.year < _FIRST_YEAR:
            problem, kind = f"is before {_FIRST_YEAR}", "dated before 2000"
        if problem is None and col.kind == "datetime" and not has_time:
            problem, kind = "has no time of day", "no time of day"
        if problem:
            # A value that is not a date from 2000 on could be a date of birth: not repeated.
            show = stamp is not None and stamp.year >= _FIRST_YEAR or (
                stamp is None and _date_shaped(text))
            return _Cell({}, f"{problem}; expected {_expected_value(col, wards.borough)}", kind,
                         show)
        return _Cell({col.tidy: stamp if col.kind == "datetime" else stamp.normalize()})
    if col.kind == "int":
        value, problem = _parse_count(cell)
        if problem:
            show = bool(_NUMBER.match(text)) and len(text) <= 8
            return _Cell({}, f"{problem}; expected {_expected_value(col, wards.borough)}",
                         "not a whole number of 0 or more", show)
        return _Cell({col.tidy: value})
    if col.kind == "ward":
        found = wards(text)
        if isinstance(found, UnknownWardError):
            if found.suggestions and _may_show(text, digits=False):
                return _Cell({}, f"unknown ward: {found}", "unknown ward")
            return _Cell({}, f"unknown ward: a value of {len(text)} characters (not shown: it "
                         f"is like no {wards.borough} ward, so it may be personal data) is not "
                         f"a {wards.borough} ward in the 2022 scheme", "unknown ward", False)
        return _Cell({"ward_code": found[0], "ward_name": found[1]})
    canonical = col.canonical(text)
    if canonical is None:
        what = "Y or N" if col.kind == "flag" else f"a known {col.noun or col.header.lower()}"
        kind = "not Y or N" if col.kind == "flag" else f"unknown {col.noun or col.header.lower()}"
        expected = _expected_value(col, wards.borough)
        if _near_known(col, text) and _may_show(text):
            return _Cell({}, f"'{text}' is not {what}; expected {expected}", kind)
        return _Cell({}, f"a value of {len(text)} characters (not shown: it is like no known "
                     f"value, so it may be personal data) is not {what}; expected {expected}",
                     kind, False)
    return _Cell({col.tidy: col.tidy_values.get(canonical, canonical)})


@dataclass
class _Parsed:
    sheet: _Sheet
    layout: _Layout
    records: list[dict]  # tidy values of rows with no problem so far, with 'source_row'
    problems: list[_Problem]
    keys: list[tuple[int, object, object, str]]  # (row, unique value, cell, header as given)
    rows_read: int
    blank_rows: int
    date_order: str = ""


@dataclass(frozen=True)
class _Limits:
    """Rows dated on or after ``after_end`` (or after ``today``) are set aside."""

    after_end: pd.Timestamp | None  # first instant after the period end
    end_label: str
    today: pd.Timestamp


def _limits(period_end: str | pd.Period | None, today: date | str | None) -> _Limits:
    day = pd.Timestamp(date.today() if today is None else today).normalize()
    if period_end is None:
        return _Limits(None, "", day)
    month = to_month(period_end)
    return _Limits((month + 1).start_time, month_label(month), day)


def _date_order(sheet: _Sheet, layout: _Layout) -> str:
    """The day/month order of the file's slashed dates, decided from all of them at once."""
    orders = []
    for position, (col, given) in sorted(layout.columns.items()):
        if col.kind not in ("date", "datetime"):
            continue
        day_rows, month_rows, seen = [], [], False
        for index in range(layout.header_index + 1, len(sheet.rows)):
            row = sheet.rows[index]
            cell = row[position] if position < len(row) else None
            # Excel date cells and serials carry no order; only typed text does.
            match = _DMY.match(cell_text(cell)) if isinstance(cell, str) else None
            if not match:
                continue
            seen = True
            first, second = int(match.group(1)), int(match.group(2))
            if first > 12 >= second:
                day_rows.append(index + 1)
            elif second > 12 >= first:
                month_rows.append(index + 1)
        if day_rows and month_rows:
            # Row numbers only: the values could be anything, and the rows say where to look.
            raise InputDataError(
                sheet.where,
                f"mixes day-first and month-first dates: row {day_rows[0]} can only be read day "
                f"first (dd/mm) and row {month_rows[0]} only month first (mm/dd), so no row "
                "of it can be trusted",
                column=given,
                expected="one date order for the whole file (dd/mm/yyyy, the UK order, "
                "throughout; or mm/dd/yyyy throughout)")
        if month_rows:
            orders.append(_MONTH_FIRST)
        elif day_rows:
            orders.append(_DAY_FIRST)
        elif seen:
            orders.append(_ASSUMED)
    return orders[0] if orders else ""


def _parse(sheet: _Sheet, schema: SourceSchema, layout: _Layout,
           wards: _WardResolver, limits: _Limits | None = None) -> _Parsed:
    limits = limits or _limits(None, None)
    order_text = _date_order(sheet, layout)
    order = _MONTH_FIRST if order_text == _MONTH_FIRST else _DAY_FIRST
    records, problems, keys = [], [], []
    rows_read = blank = 0
    ordered = sorted(layout.columns.items())
    present = {col.header for col, _ in layout.columns.values()}
    absent = [c for c in schema.columns if c.header not in present]
    unique = schema.unique
    date_tidy = schema.date_column.tidy
    date_given = next((g for c, g in layout.columns.values() if c.tidy == date_tidy), "")
    for index in range(layout.header_index + 1, len(sheet.rows)):
        row = sheet.rows[index]
        number = index + 1
        if all(is_blank_cell(c) for c in row):
            blank += 1
            continue
        rows_read += 1
        values: dict = {c.tidy: "" for c in absent}
        ok = True
        for position, (col, given) in ordered:
            cell = row[position] if position < len(row) else None
            parsed = _parse_cell(col, cell, wards, order)
            if parsed.reason:
                ok = False
                problems.append(_Problem(number, given, _describe(col, cell, parsed.show),
                                         parsed.reason, parsed.kind))
                continue
            values.update(parsed.values)
            if col.header == unique:
                keys.append((number, parsed.values[col.tidy], cell, given))
        if ok:
            problem = _date_problem(values[date_tidy], limits, schema.name == "cctv")
            if problem:
                problems.append(_Problem(number, date_given, *problem))
                ok = False
        if ok:
            values["source_row"] = number
            records.append(values)
    return _Parsed(sheet, layout, records, problems, keys, rows_read, blank, order_text)


def _date_problem(when: pd.Timestamp, limits: _Limits,
                  cctv: bool) -> tuple[str, str, str] | None:
    """(value shown, reason, kind) for a real date the tables must not count, else None."""
    if when.normalize() > limits.today:
        # Not shown: a date in the future is a typing slip whose digits may be anything.
        return ("not shown (a date in the future)",
                f"is dated in the future (after today, {limits.today:%d/%m/%Y}); not counted",
                "dated in the future")
    if limits.after_end is not None and when >= limits.after_end:
        return (repr(f"{when:%d/%m/%Y}"),
                f"is dated {when:%d/%m/%Y}, after the period end ({limits.end_label}); not "
                "counted", "dated after the period end")
    # Only the CCTV log has opening hours; a time outside them is usually a 12-hour clock.
    if cctv and not control_room_open(when):
        return (repr(when.strftime("%d/%m/%Y %H:%M")),
                f"logged at {when:%H:%M} on {when:%d/%m/%Y}, when the control room was "
                "closed (it was staffed 12:00 to 04:00 until 31 August 2022); check the "
                "time (a 12-hour clock?)", "logged when the control room was closed")
    return None


# ---------------------------------------------------------------------------------------------
# Combining files into one load


def _typed(frame: pd.DataFrame, schema: SourceSchema) -> pd.DataFrame:
    date_col = schema.date_column.tidy
    kinds = {c.tidy: c.kind for c in schema.columns}
    out = pd.DataFrame(index=frame.index)
    dates = pd.to_datetime(frame[date_col]).astype("datetime64[ns]")
    for name in schema.tidy_columns:
        if name == date_col:
            out[name] = dates
        elif name == "month":
            out[name] = dates.dt.to_period("M")
        elif name == "hour":
            out[name] = dates.dt.hour.astype("int64")
        elif name == "quarter":
            labels = {m: fy_quarter(m) for m in dates.dt.to_period("M").unique()}
            out[name] = dates.dt.to_period("M").map(labels).astype("str")
        elif name == "source_row" or kinds.get(name) == "int":
            out[name] = frame[name].astype("int64")
        elif kinds.get(name) == "flag":
            out[name] = frame[name].astype("bool")
        else:
            out[name] = frame[name].astype("str")
    return out


def _combine(schema: SourceSchema, parsed: list[_Parsed], strict: bool) -> PartnershipLoad:
    unique_col = schema.column(schema.unique) if schema.unique else None
    first: dict[object, tuple[str, int]] = {}
    frames, report, rejected, dropped = [], [], [], []
    for item in parsed:
        label = item.sheet.label
        problems = list(item.problems)
        for number, key, cell, given in item.keys:
            if key not in first:
                first[key] = (label, number)
                continue
            first_file, first_row = first[key]
            where = f"row {first_row}" + ("" if first_file == label else f" of {first_file}")
            problems.append(_Problem(number, given, _describe(unique_col, cell),
                                     f"duplicate {unique_col.header}: the same as {where}",
                                     f"duplicate {unique_col.header}"))
        if unique_col is None:
            # Without an ID, a row identical in every template value to an earlier one is a
            # copy (a file exported twice, a pasted block), not a second outcome.
            given = next((g for c, g in item.layout.columns.values()
                          if c.tidy == schema.date_column.tidy), "")
            for record in item.records:
                key = tuple(sorted((k, str(v)) for k, v in record.items() if k != "source_row"))
                if key not in first:
                    first[key] = (label, record["source_row"])
                    continue
                first_file, first_row = first[key]
                where = f"row {first_row}" + ("" if first_file == label else f" of {first_file}")
                problems.append(_Problem(record["source_row"], given, "(the whole row)",
                                         f"duplicate row: every value the same as {where}",
                                         "duplicate row"))
        problems.sort(key=lambda p: p.row)
        if strict and problems:
            p = problems[0]
            problem, _, expected = p.reason.partition("; expected ")
            if p.value_description.startswith("not shown ("):
                # What may be said of a value that cannot be repeated: its length.
                problem += f" ({p.value_description[len('not shown ('):-1]}, not shown)"
            raise InputDataError(item.sheet.where, problem, row=p.row, column=p.column,
                                 expected=(expected or "a value the template allows") +
                                 " (strict=True stops at the first row the loader would reject)")
        bad_rows = {p.row for p in problems}
        records = [r for r in item.records if r["source_row"] not in bad_rows]
        frame = pd.DataFrame(records, columns=[c for c in schema.tidy_columns
                                               if c not in ("month", "hour", "quarter")])
        frame["source_file"] = label
        frames.append(frame)
        rejected += [{"file": label, "row": p.row, "column": p.column,
                      "value_description": p.value_description, "reason": p.reason,
                      "kind": p.kind} for p in problems]
        dropped += [{"file": label, "column": name, "reason": why}
                    for name, why in item.layout.dropped]
        report.append({
            "file": label,
            "rows_read": item.rows_read,
            "rows_loaded": len(records),
            "rows_rejected": len(bad_rows),
            "columns_dropped": "; ".join(f"{n} ({why})" for n, why in item.layout.dropped),
            "sheet": item.sheet.name or "",
            "header_row": item.layout.header_index + 1,
            "blank_rows": item.blank_rows,
            "encoding": item.sheet.encoding,
            "date_order": item.date_order,
        })
    combined = pd.concat(frames, ignore_index=True)
    table = _typed(combined, schema)
    order = [schema.date_column.tidy] + ([unique_col.tidy] if unique_col and
                                         unique_col.tidy != schema.date_column.tidy else [])
    order += [c.tidy for c in schema.columns if c.kind == "id" and c.tidy not in order]
    table = table.sort_values(order + ["source_file", "source_row"], kind="stable")
    return PartnershipLoad(
        table=table.reset_index(drop=True),
        report=pd.DataFrame(report, columns=REPORT_COLUMNS),
        rejected=pd.DataFrame(rejected, columns=REJECTED_COLUMNS),
        source=schema.name,
        dropped=pd.DataFrame(dropped, columns=DROPPED_COLUMNS),
    )


# ---------------------------------------------------------------------------------------------
# Public entry points


def _schema(source: str) -> SourceSchema:
    if source not in SOURCES:
        raise ValueError(f"unknown partnership source {source!r}; expected one of "
                         f"{', '.join(SOURCES)}")
    return SOURCES[source]


def _files(path: str | Path) -> list[tuple[Path, str]]:
    """Spreadsheet files named or found (recursively, sorted) in a folder, with their labels."""
    path = Path(path)
    if path.is_file():
        return [(path, path.name)]
    if not path.is_dir():
        raise MissingSourceError(path, "does not exist",
                             expected="a CSV or .xlsx file, or a folder of them")
    found = sorted(p for p in path.rglob("*") if p.is_file()
                   and p.suffix.lower() in SPREADSHEET_SUFFIXES and not p.name.startswith("~$"))
    if not found:
        raise MissingSourceError(path, "is a folder with no CSV or .xlsx files in it",
                             expected="partnership exports laid out like the templates")
    return [(p, p.relative_to(path).as_posix()) for p in found]


def _pick_sheet(sheets: list[_Sheet], schema: SourceSchema,
                sheet: str | int | None) -> _Sheet:
    if sheet is None:
        for candidate in sheets:
            if _header_scan(candidate.rows, schema) is not None:
                return candidate
        # No header anywhere: report on the first sheet with anything in it.
        filled = [s for s in sheets if any(not is_blank_cell(c) for r in s.rows for c in r)]
        return (filled or sheets)[0]
    if sheets[0].name is None:
        raise InputDataError(sheets[0].path, f"is a CSV file, so it has no sheet {sheet!r}",
                             expected="sheet=None for CSV files")
    names = [s.name for s in sheets]
    if isinstance(sheet, int) and 0 <= sheet < len(sheets):
        return sheets[sheet]
    if sheet in names:
        return sheets[names.index(sheet)]
    raise InputDataError(sheets[0].path, f"has no sheet {sheet!r}",
                         expected=f"one of its sheets: {', '.join(names)}")


def load_partnership(
    path: str | Path,
    source: str,
    *,
    borough: str,
    sheet: str | int | None = None,
    strict: bool = False,
    period_end: str | pd.Period | None = None,
    today: date | str | None = None,
) -> PartnershipLoad:
    """Load one partnership source from a file (or every CSV/.xlsx file in a folder).

    Parameters
    ----------
    path : path
        A CSV or ``.xlsx`` file laid out like the source's template, or a folder whose every
        CSV/``.xlsx`` file is (use :func:`load_all` for a folder of mixed sources).
    source : str
        One of :data:`~scpb_analysis.reference.partnership_schema.SOURCE_NAMES`.
    borough : str
        Borough whose May-2022 wards the ward columns must name.
    sheet : str or int, optional
        Workbook sheet by name or position; by default the first sheet with a recognisable
        header.
    strict : bool
        Raise at the first row that would be rejected instead of reporting it.
    period_end : str or pandas.Period, optional
        Last month of the reporting period (``"2023-05"``): later rows are set aside.
    today : date or str, optional
        The day after which a date is in the future (default: the machine's today).

    Returns
    -------
    PartnershipLoad
        ``.table`` (tidy, no personal columns), ``.report`` (row accounting per file),
        ``.rejected`` (each rejected row, column and reason), ``.dropped`` (columns dropped).

    Raises
    ------
    InputDataError
        For an empty file or sheet, no header row, missing required columns, a column named
        twice, day-first and month-first dates in one column, or (``strict=True``) the first
        bad row; the message names file, row and column, and repeats a value only as the module
        notes allow.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> csv_file = Path(tempfile.mkdtemp()) / "cctv.csv"
    >>> _ = csv_file.write_text(
    ...     "CCTV incidents March 2023\\n"
    ...     "Incident ID,Date/Time,Incident Type,Ward,Pro-active / Re-active,Caller Phone\\n"
    ...     "C1,05/03/2023 14:07,ASB,Burnt Oak,Reactive,07700 900123\\n"
    ...     "C2,06/03/23 23:30,Theft,Totteridge & Whetstone,Proactive,\\n", encoding="utf-8")
    >>> load = load_partnership(csv_file, "cctv", borough="Barnet")
    >>> row = load.table.iloc[0]
    >>> row.occurred_at, int(row.hour), row.incident_type, row.ward_name, row.ward_code, row["mode"]
    (Timestamp('2023-03-05 14:07:00'), 14, 'Anti-Social Behaviour', 'Burnt Oak', 'E05013630',
     'reactive')
    >>> load.report[["rows_read", "rows_loaded", "rows_rejected", "columns_dropped"]]
       rows_read  rows_loaded  rows_rejected                 columns_dropped
    0          2            1              1  Caller Phone (personal data)
    >>> print(load.rejected.loc[0, "reason"])
    unknown ward: 'Totteridge & Whetstone' is not a Barnet ward in the 2022 scheme; did you
    mean 'Totteridge and Woodside' or 'Whetstone'?
    >>> load_notes(load)[0]
    'cctv.csv: 1 of 2 rows set aside and not counted (1 unknown ward).'
    """
    schema = _schema(source)
    wards = _WardResolver(borough)
    limits = _limits(period_end, today)
    parsed = []
    for file, label in _files(path):
        chosen = _pick_sheet(_read_sheets(file, label), schema, sheet)
        parsed.append(_parse(chosen, schema, _locate(chosen, schema), wards, limits))
    return _combine(schema, parsed, strict)


def _recognise(sheets: list[_Sheet]) -> tuple[_Sheet, SourceSchema]:
    """The first sheet whose header is a template's, and that template."""
    for candidate in sheets:
        complete = []
        for schema in SOURCES.values():
            found = _header_scan(candidate.rows, schema)
            if found and set(schema.required_headers) <= found[1]:
                complete.append((len(found[1]), schema))
        if complete:
            best = max(n for n, _ in complete)
            winners = [s for n, s in complete if n == best]
            if len(winners) > 1:
                raise InputDataError(
                    candidate.where,
                    "has the headers of more than one template "
                    f"({', '.join(s.name for s in winners)})",
                    expected="one source per file; load it with load_partnership(path, source)",
                )
            return candidate, winners[0]
    templates = "; ".join(f"{s.name}: {', '.join(s.required_headers)}" for s in SOURCES.values())
    raise InputDataError(
        sheets[0].path,
        f"has no sheet whose first {HEADER_SEARCH_ROWS} rows hold the required headers of a "
        "partnership template",
        expected=f"the headers of one of the templates ({templates})",
    )


def load_all(folder: str | Path, borough: str, *, strict: bool = False,
             period_end: str | pd.Period | None = None,
             today: date | str | None = None) -> dict[str, PartnershipLoad]:
    """Load every partnership export in a folder, recognising each file's source by its headers.

    Files are read in name order (sub-folders included); other file types are left alone. A
    source spread over several files becomes one load, IDs being unique across its files.

    Parameters
    ----------
    folder : path
        Folder of CSV and ``.xlsx`` files (a single file is accepted too).
    borough : str
        Borough whose wards the ward columns must name.
    strict : bool
        Raise at the first row that would be rejected.
    period_end, today
        As for :func:`load_partnership`: rows dated later are set aside.

    Returns
    -------
    dict
        ``{source: PartnershipLoad}`` for the sources found, in template order.

    Raises
    ------
    InputDataError
        For a spreadsheet that matches no template (or more than one), and as
        :func:`load_partnership`.

    Examples
    --------
    >>> import tempfile
    >>> from scpb_analysis.reference.partnership_schema import write_templates
    >>> folder = tempfile.mkdtemp()
    >>> _ = write_templates(folder)
    >>> loads = load_all(folder, "Barnet")
    >>> list(loads)[:3], len(loads["prevent"].table)
    (['cctv', 'asb_cases', 'asb_outcomes'], 0)
    """
    wards = _WardResolver(borough)
    limits = _limits(period_end, today)
    grouped: dict[str, list[_Parsed]] = {}
    for file, label in _files(folder):
        chosen, schema = _recognise(_read_sheets(file, label))
        grouped.setdefault(schema.name, []).append(
            _parse(chosen, schema, _locate(chosen, schema), wards, limits))
    return {name: _combine(SOURCES[name], grouped[name], strict)
            for name in SOURCES if name in grouped}


# ---------------------------------------------------------------------------------------------
# What was set aside, in plain words


def _row_kinds(load: PartnershipLoad) -> pd.DataFrame:
    """One row per rejected data row: file, row and the kind of its first problem."""
    rejected = load.rejected
    if rejected.empty:
        return pd.DataFrame(columns=["file", "row", "kind"])
    # A row with two problems is counted once, under its first, so the counts add up.
    return rejected.drop_duplicates(["file", "row"])[["file", "row", "kind"]]


def _file_text(label: str) -> str:
    """The file's name for a note, unless the name itself holds personal data."""
    return "a file (its name is not shown: it holds personal data)" if scan_file_name(label) \
        else label


def _kinds_text(kinds: pd.Series) -> str:
    counts = kinds.value_counts(sort=False)
    counts = counts.sort_values(ascending=False, kind="stable")
    return ", ".join(f"{int(n):,} {kind}" for kind, n in counts.items())


def load_notes(load: PartnershipLoad) -> list[str]:
    """Notes every table built from ``load`` must carry: rows set aside, and how dates were read.

    One note per file that had rows set aside (how many of how many, and why, grouped), that
    held no records, or whose day/month order was assumed or found to be month first.

    Parameters
    ----------
    load : PartnershipLoad
        A load from :func:`load_partnership` or :func:`load_all`.

    Returns
    -------
    list of str
        Plain sentences, with no cell values (only counts and kinds of reason).

    Examples
    --------
    >>> import tempfile
    >>> csv_file = Path(tempfile.mkdtemp()) / "da.csv"
    >>> _ = csv_file.write_text(
    ...     "Referral ID,Referral Date,Repeat Referral,Children in Household,"
    ...     "Family with Children\\nD1,01/05/2023,N,0,N\\nD2,01/06/2023,Y,1,Y\\n",
    ...     encoding="utf-8")
    >>> load = load_partnership(csv_file, "damarac", borough="Barnet", period_end="2023-05")
    >>> for note in load_notes(load):
    ...     print(note)
    da.csv: 1 of 2 rows set aside and not counted (1 dated after the period end).
    Dates in da.csv were read day first (dd/mm/yyyy, the UK order): no date in it has a number \
above 12 to settle the order.
    """
    notes = []
    kinds = _row_kinds(load)
    for row in load.report.itertuples(index=False):
        name = _file_text(row.file)
        if row.rows_read == 0:
            notes.append(f"{name} holds no records (a header and no data rows): nothing "
                         "from it is counted, and its figures are not zero by count.")
        elif row.rows_rejected:
            why = _kinds_text(kinds.loc[kinds["file"] == row.file, "kind"])
            notes.append(f"{name}: {int(row.rows_rejected):,} of {int(row.rows_read):,} "
                         f"{_rows(int(row.rows_read))} set aside and not counted ({why}).")
        if row.date_order == _ASSUMED:
            notes.append(f"Dates in {name} were read day first (dd/mm/yyyy, the UK order): "
                         "no date in it has a number above 12 to settle the order.")
        elif row.date_order == _MONTH_FIRST:
            notes.append(f"Dates in {name} are month first (mm/dd/yyyy) throughout and were "
                         "read that way.")
    return notes


def _rows(n: int) -> str:
    return "row" if n == 1 else "rows"


def set_aside_table(loads: dict[str, PartnershipLoad]) -> pd.DataFrame:
    """Per file: rows read, loaded and set aside, and why, in plain words for the page.

    Parameters
    ----------
    loads : dict
        ``{source: PartnershipLoad}`` as :func:`load_all` returns.

    Returns
    -------
    pandas.DataFrame
        ``Source, File, Rows read, Rows loaded, Rows set aside, Why set aside``; every cell a
        string, with no cell values of the inputs. ``Rows read = Rows loaded + Rows set aside``.

    Examples
    --------
    >>> import tempfile
    >>> from scpb_analysis.reference.partnership_schema import write_templates
    >>> folder = tempfile.mkdtemp(); _ = write_templates(folder)
    >>> set_aside_table(load_all(folder, "Barnet")).iloc[0].tolist()
    ['CCTV control-room incident log', 'cctv_template.csv', '0', '0', '0', 'no records in the file']
    """
    rows = []
    for name, load in loads.items():
        kinds = _row_kinds(load)
        for row in load.report.itertuples(index=False):
            why = _kinds_text(kinds.loc[kinds["file"] == row.file, "kind"])
            if row.rows_read == 0:
                why = "no records in the file"
            rows.append([SOURCES[name].title, _file_text(row.file), f"{int(row.rows_read):,}",
                         f"{int(row.rows_loaded):,}", f"{int(row.rows_rejected):,}",
                         why or "-"])
    return pd.DataFrame(rows, columns=["Source", "File", "Rows read", "Rows loaded",
                                       "Rows set aside", "Why set aside"])


@dataclass
class PartnershipPeriod:
    """Every partnership export of a folder, loaded up to a period end.

    Attributes
    ----------
    loads : dict
        Source name (``cctv``, ``asb_outcomes``, ...) -> :class:`PartnershipLoad`.
    end : Period
        The last month of every table; rows dated later were set aside at load.
    borough : str
        The borough whose wards the exports use.
    synthetic : bool
        True if the folder holds the demo data's synthetic-data marker.
    """

    loads: dict[str, PartnershipLoad]
    end: pd.Period
    borough: str
    synthetic: bool = False


def load_partnership_period(folder: str | Path, borough: str, end: str | pd.Period | None = None,
                            today: date | str | None = None) -> PartnershipPeriod:
    """Every export in ``folder`` loaded up to the period end.

    Without ``end``, the latest month of the CCTV log (else of the first source) is the end,
    and the exports are loaded again up to it, so no source is counted past it.

    Parameters
    ----------
    folder : path
        Partnership exports (CSV or Excel), recognised by their headers (:func:`load_all`).
    borough : str
        The borough whose wards the exports use.
    end : str or Period, optional
        Last month of the period.
    today : date or str, optional
        Rows dated after it are in the future and set aside (default: the machine's today).

    Examples
    --------
    >>> from scpb_analysis.demo import example_folder
    >>> period = load_partnership_period(example_folder() / "partnership", "Barnet", "2023-05")
    >>> str(period.end), "cctv" in period.loads, period.synthetic
    ('2023-05', True, True)
    """
    from scpb_analysis.core.marker import MARKER_FILENAME

    if end is None:
        loads = load_all(folder, borough=borough, today=today)
        source = loads.get("cctv") or next(iter(loads.values()))
        if source.table.empty:
            raise InputDataError(folder, f"has no dated {source.source} records to take the "
                                 "period end from", expected="end='YYYY-MM' to be given")
        end = str(source.table["month"].max())
    end_m = to_month(end)
    synthetic = any(True for _ in Path(folder).rglob(MARKER_FILENAME))
    return PartnershipPeriod(load_all(folder, borough=borough, period_end=end_m, today=today),
                             end_m, borough, synthetic)
