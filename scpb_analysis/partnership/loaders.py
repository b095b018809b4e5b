"""Partnership exports (CSV or Excel) into tidy tables, with personal columns dropped at load.

Every source is laid out like its template in :mod:`scpb_analysis.partnership.schema`. Reading
is tolerant of how spreadsheets are really kept; meaning is checked strictly:

Tolerated
    CSV in UTF-8 (with or without BOM) or Windows-1252, or an ``.xlsx`` workbook (the sheet
    named, else the first sheet with a recognisable header); title rows above the header (it is
    looked for in the first :data:`~scpb_analysis.partnership.schema.HEADER_SEARCH_ROWS` rows);
    headers in any case, spacing or punctuation and common variants (``"DATE_TIME"``,
    ``"Pro-active / Re-active"``); empty columns and blank rows; stray spaces; look-alike
    Cyrillic letters in categories (``"СВО"``, ``"мии"``); known variants such as ``CBO`` or
    ``MUU``.
Dates
    Always day first (UK): ``dd/mm/yyyy``, ``dd/mm/yy``, ``yyyy-mm-dd``, each optionally
    followed by ``HH:MM`` or ``HH:MM:SS``, Excel date cells and Excel serial numbers (days since
    30 December 1899, the fraction being the time of day). A two-digit year ``yy`` is read as
    ``20yy``: every partnership record is from this century, so ``01/04/99`` is 2099, and a
    date before 2000 is refused. ``03/15/2023`` is refused (there is no month 15), never
    swapped.
Rejected (the row is set aside and reported with its reason)
    An unknown ward (the reason carries the closest wards), an unknown incident type, outcome,
    ideology, offence code or other category (the value is shown: categories are not personal),
    an empty required value, a date that is not a real date, a CCTV time when the control room
    was closed (12:00 to 04:00 until 31 August 2022), a negative or fractional count, and the
    second and later rows with the same ID (the reason names the first). ``strict=True`` raises
    :class:`~scpb_analysis.errors.InputDataError` at the first such row instead.
Refused (the whole file: :class:`~scpb_analysis.errors.InputDataError`)
    An empty file or sheet, no header in the first 30 rows, missing required columns (the
    message lists them and every template header), two columns naming the same template column.

Personal columns (the source's known ones, or any header that looks personal: names, dates of
birth, addresses, postcodes, phone numbers, e-mail, notes and other free text) are dropped
before any value is read, as is every other column not in the template; the load report lists
their names, never their contents. Values of ID and free-text columns are never repeated in the
rejection report either. Every data row is accounted for: ``rows_read = rows_loaded +
rows_rejected`` (blank rows are counted separately and hold nothing).
"""

from __future__ import annotations

import csv
import io
import math
import numbers
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

import pandas as pd

from scpb_analysis.errors import InputDataError
from scpb_analysis.partnership.schema import (
    COLUMN_TYPES,
    HEADER_SEARCH_ROWS,
    SOURCES,
    Column,
    SourceSchema,
    control_room_open,
    is_personal_header,
)
from scpb_analysis.periods import fy_quarter
from scpb_analysis.sources._files import decode_text
from scpb_analysis.wards import UnknownWardError, canonical_ward_names, ward_reference

__all__ = [
    "REPORT_COLUMNS",
    "REJECTED_COLUMNS",
    "DROPPED_COLUMNS",
    "SPREADSHEET_SUFFIXES",
    "PartnershipLoad",
    "load_partnership",
    "load_all",
]

#: Columns of :attr:`PartnershipLoad.report`, one row per file.
REPORT_COLUMNS = ["file", "rows_read", "rows_loaded", "rows_rejected", "columns_dropped",
                  "sheet", "header_row", "blank_rows", "encoding"]
#: Columns of :attr:`PartnershipLoad.rejected`, one row per problem found.
REJECTED_COLUMNS = ["file", "row", "column", "value_description", "reason"]
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


@dataclass
class PartnershipLoad:
    """One partnership source loaded from one or more files.

    Attributes
    ----------
    table : DataFrame
        The tidy table (:attr:`SourceSchema.tidy_columns
        <scpb_analysis.partnership.schema.SourceSchema>`), one row per loaded record, sorted by
        date, ID, file and row. ``source_file`` and ``source_row`` (spreadsheet row, header =
        the row it is on) lead back to the input.
    report : DataFrame
        One row per file (:data:`REPORT_COLUMNS`): ``rows_read = rows_loaded + rows_rejected``,
        and ``columns_dropped`` naming each column dropped at load and why (names only).
    rejected : DataFrame
        One row per problem (:data:`REJECTED_COLUMNS`); a row with two problems appears twice.
        ``value_description`` shows the value for categories, wards, dates and counts, but only
        the length of IDs and free text, which could be personal.
    source : str
        The source name (:data:`~scpb_analysis.partnership.schema.SOURCE_NAMES`).
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


def _is_blank(cell: object) -> bool:
    if cell is None or cell is pd.NaT:
        return True
    if isinstance(cell, float) and math.isnan(cell):
        return True
    return isinstance(cell, str) and not cell.strip()


def _cell_text(cell: object) -> str:
    """A cell as the text a person would see (numbers without a spurious ``.0``)."""
    if _is_blank(cell):
        return ""
    if isinstance(cell, bool):
        return str(cell)
    if isinstance(cell, numbers.Integral):
        return str(int(cell))
    if isinstance(cell, numbers.Real):
        value = float(cell)
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(cell, datetime):
        return pd.Timestamp(cell).isoformat(sep=" ")
    return " ".join(str(cell).split())


def _letter(index: int) -> str:
    """Spreadsheet column letter of a 0-based column index."""
    text = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        text = chr(65 + rem) + text
    return text


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
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputDataError(path, f"cannot be read ({exc.strerror})") from None
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
        matched = {col.header for cell in row if not _is_blank(cell)
                   for col in [schema.match_header(_cell_text(cell))] if col is not None}
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
        text = _cell_text(header[index]) if index < len(header) else ""
        if not text:
            # Empty columns (often trailing) are nothing; values under no header are dropped
            # unread, since nobody can say what they are.
            if any(index < len(r) and not _is_blank(r[index]) for r in body):
                dropped.append((f"column {_letter(index)}", _NO_HEADER))
            continue
        col = schema.match_header(text)
        if col is None:
            reason = _PERSONAL if is_personal_header(text, schema.name) else _NOT_IN_TEMPLATE
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
    if not any(not _is_blank(c) for r in sheet.rows for c in r):
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
               ss: str | None) -> tuple[pd.Timestamp | None, str | None]:
    try:
        day_part = date(year, month, day)
    except ValueError:
        return None, f"is not a real date (day {day} of month {month}, read day first)"
    if hh is None:
        return pd.Timestamp(day_part), None
    try:
        clock = time(int(hh), int(mm), int(ss or 0))
    except ValueError:
        return None, f"is not a real time of day ({hh}:{mm})"
    return pd.Timestamp(datetime.combine(day_part, clock)), None


def _parse_when(cell: object) -> tuple[pd.Timestamp | None, bool, str | None]:
    """(timestamp, whether a time of day was given, problem)."""
    if isinstance(cell, bool):
        return None, False, "is not a date"
    if isinstance(cell, datetime):
        return pd.Timestamp(cell), True, None
    if isinstance(cell, date):
        return pd.Timestamp(cell), False, None
    if isinstance(cell, time):
        return None, True, "is a time of day with no date"
    text = _cell_text(cell)
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
        # Two-digit years are this century: see the module notes.
        full_year = int(year) + (2000 if len(year) == 2 else 0)
        stamp, problem = _timestamp(full_year, int(month), int(day), hh, mm, ss)
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
    text = _cell_text(cell)
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


def _describe(col: Column, cell: object) -> str:
    """What the rejection report may say about a value."""
    text = _cell_text(cell)
    if not text:
        return "(empty)"
    if col.kind in ("id", "text"):
        # IDs and free text are where names and addresses get typed by mistake.
        return f"not shown ({len(text)} characters)"
    return repr(text if len(text) <= 60 else text[:57] + "...")


@dataclass
class _Problem:
    row: int
    column: str
    value_description: str
    reason: str


def _parse_cell(col: Column, cell: object, wards: _WardResolver) -> tuple[dict, str | None]:
    """Tidy values for one cell, or the reason it is rejected."""
    text = _cell_text(cell)
    if not text:
        if col.required:
            return {}, f"is empty; expected {_expected_value(col, wards.borough)}"
        return {col.tidy: ""}, None
    if col.kind in ("id", "text"):
        return {col.tidy: text}, None
    if col.kind in ("date", "datetime"):
        stamp, has_time, problem = _parse_when(cell)
        if problem is None and stamp.year < _FIRST_YEAR:
            problem = f"is before {_FIRST_YEAR}"
        if problem is None and col.kind == "datetime" and not has_time:
            problem = "has no time of day"
        if problem:
            return {}, f"{problem}; expected {_expected_value(col, wards.borough)}"
        return {col.tidy: stamp if col.kind == "datetime" else stamp.normalize()}, None
    if col.kind == "int":
        value, problem = _parse_count(cell)
        if problem:
            return {}, f"{problem}; expected {_expected_value(col, wards.borough)}"
        return {col.tidy: value}, None
    if col.kind == "ward":
        found = wards(text)
        if isinstance(found, UnknownWardError):
            return {}, f"unknown ward: {found}"
        return {"ward_code": found[0], "ward_name": found[1]}, None
    canonical = col.canonical(text)
    if canonical is None:
        what = "Y or N" if col.kind == "flag" else f"a known {col.noun or col.header.lower()}"
        return {}, f"'{text}' is not {what}; expected {_expected_value(col, wards.borough)}"
    return {col.tidy: col.tidy_values.get(canonical, canonical)}, None


@dataclass
class _Parsed:
    sheet: _Sheet
    layout: _Layout
    records: list[dict]  # tidy values of rows with no problem so far, with 'source_row'
    problems: list[_Problem]
    keys: list[tuple[int, object, object, str]]  # (row, unique value, cell, header as given)
    rows_read: int
    blank_rows: int


def _parse(sheet: _Sheet, schema: SourceSchema, layout: _Layout,
           wards: _WardResolver) -> _Parsed:
    records, problems, keys = [], [], []
    rows_read = blank = 0
    ordered = sorted(layout.columns.items())
    present = {col.header for col, _ in layout.columns.values()}
    absent = [c for c in schema.columns if c.header not in present]
    unique = schema.unique
    for index in range(layout.header_index + 1, len(sheet.rows)):
        row = sheet.rows[index]
        number = index + 1
        if all(_is_blank(c) for c in row):
            blank += 1
            continue
        rows_read += 1
        values: dict = {c.tidy: "" for c in absent}
        ok = True
        for position, (col, given) in ordered:
            cell = row[position] if position < len(row) else None
            parsed, reason = _parse_cell(col, cell, wards)
            if reason:
                ok = False
                problems.append(_Problem(number, given, _describe(col, cell), reason))
                continue
            values.update(parsed)
            if col.header == unique:
                keys.append((number, parsed[col.tidy], cell, given))
        # Only the CCTV log has opening hours; a time outside them is usually a 12-hour clock.
        if ok and schema.name == "cctv":
            when = values["occurred_at"]
            if not control_room_open(when):
                given = next(g for c, g in layout.columns.values() if c.tidy == "occurred_at")
                problems.append(_Problem(
                    number, given, repr(when.strftime("%d/%m/%Y %H:%M")),
                    f"logged at {when:%H:%M} on {when:%d/%m/%Y}, when the control room was "
                    "closed (it was staffed 12:00 to 04:00 until 31 August 2022); check the "
                    "time (a 12-hour clock?)"))
                ok = False
        if ok:
            values["source_row"] = number
            records.append(values)
    return _Parsed(sheet, layout, records, problems, keys, rows_read, blank)


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
                                     f"duplicate {unique_col.header}: the same as {where}"))
        problems.sort(key=lambda p: p.row)
        if strict and problems:
            p = problems[0]
            raise InputDataError(item.sheet.where, p.reason, row=p.row, column=p.column,
                                 expected="a value the template allows (strict=True stops at "
                                 "the first row the loader would reject)")
        bad_rows = {p.row for p in problems}
        records = [r for r in item.records if r["source_row"] not in bad_rows]
        frame = pd.DataFrame(records, columns=[c for c in schema.tidy_columns
                                               if c not in ("month", "hour", "quarter")])
        frame["source_file"] = label
        frames.append(frame)
        rejected += [{"file": label, "row": p.row, "column": p.column,
                      "value_description": p.value_description, "reason": p.reason}
                     for p in problems]
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
        raise InputDataError(path, "does not exist",
                             expected="a CSV or .xlsx file, or a folder of them")
    found = sorted(p for p in path.rglob("*") if p.is_file()
                   and p.suffix.lower() in SPREADSHEET_SUFFIXES and not p.name.startswith("~$"))
    if not found:
        raise InputDataError(path, "is a folder with no CSV or .xlsx files in it",
                             expected="partnership exports laid out like the templates")
    return [(p, p.relative_to(path).as_posix()) for p in found]


def _pick_sheet(sheets: list[_Sheet], schema: SourceSchema,
                sheet: str | int | None) -> _Sheet:
    if sheet is None:
        for candidate in sheets:
            if _header_scan(candidate.rows, schema) is not None:
                return candidate
        # No header anywhere: report on the first sheet with anything in it.
        filled = [s for s in sheets if any(not _is_blank(c) for r in s.rows for c in r)]
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
    borough: str = "Barnet",
    sheet: str | int | None = None,
    strict: bool = False,
) -> PartnershipLoad:
    """Load one partnership source from a file (or every CSV/.xlsx file in a folder).

    Parameters
    ----------
    path : path
        A CSV or ``.xlsx`` file laid out like the source's template, or a folder whose every
        CSV/``.xlsx`` file is (use :func:`load_all` for a folder of mixed sources).
    source : str
        One of :data:`~scpb_analysis.partnership.schema.SOURCE_NAMES`.
    borough : str
        Borough whose May-2022 wards the ward columns must name.
    sheet : str or int, optional
        Workbook sheet by name or position; by default the first sheet with a recognisable
        header.
    strict : bool
        Raise at the first row that would be rejected instead of reporting it.

    Returns
    -------
    PartnershipLoad
        ``.table`` (tidy, no personal columns), ``.report`` (row accounting per file),
        ``.rejected`` (each rejected row, column and reason), ``.dropped`` (columns dropped).

    Raises
    ------
    InputDataError
        For an empty file or sheet, no header row, missing required columns, a column named
        twice, or (``strict=True``) the first bad row; the message names file, row and column.

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
    >>> load = load_partnership(csv_file, "cctv")
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
    """
    schema = _schema(source)
    wards = _WardResolver(borough)
    parsed = []
    for file, label in _files(path):
        chosen = _pick_sheet(_read_sheets(file, label), schema, sheet)
        parsed.append(_parse(chosen, schema, _locate(chosen, schema), wards))
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


def load_all(folder: str | Path, borough: str = "Barnet", *,
             strict: bool = False) -> dict[str, PartnershipLoad]:
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
    >>> from scpb_analysis.partnership.schema import write_templates
    >>> folder = tempfile.mkdtemp()
    >>> _ = write_templates(folder)
    >>> loads = load_all(folder)
    >>> list(loads)[:3], len(loads["prevent"].table)
    (['cctv', 'asb_cases', 'asb_outcomes'], 0)
    """
    wards = _WardResolver(borough)
    grouped: dict[str, list[_Parsed]] = {}
    for file, label in _files(folder):
        chosen, schema = _recognise(_read_sheets(file, label))
        grouped.setdefault(schema.name, []).append(
            _parse(chosen, schema, _locate(chosen, schema), wards))
    return {name: _combine(SOURCES[name], grouped[name], strict)
            for name in SOURCES if name in grouped}
