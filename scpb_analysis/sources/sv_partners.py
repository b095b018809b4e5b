"""Filled Serious Violence Duty partner templates (CSV or Excel) into tidy tables.

The templates are those of :mod:`scpb_analysis.reference.sv_partner_schema` (one per checklist
item: A&E/ISTV, hospital admissions, youth justice, education, probation, children's social
care, the police victim and suspect extract, the perception survey). Each is an aggregate, one
row per month and breakdown with whole-number counts; a filled file holding personal columns
(names, dates of birth, addresses) has them dropped before any value is read, and named (never
their contents) in the load report.

Filled templates live in the data folder's :data:`SV_FOLDER` (``svd/``), apart from the
partnership exports in ``partnership/`` (whose loader refuses files that are no partnership
template). :func:`load_sv_partner_data` reads them as strictly as the partnership loader
(:mod:`scpb_analysis.sources.partnership`) reads the board's exports, and returns the same
:class:`~scpb_analysis.sources.partnership.PartnershipLoad` objects, so
:func:`~scpb_analysis.sources.partnership.load_notes` words what was set aside:

Tolerated
    CSV (UTF-8 with or without BOM, or Windows-1252) or ``.xlsx``; title rows above the header
    (searched in the first
    :data:`~scpb_analysis.reference.partnership_schema.HEADER_SEARCH_ROWS` rows); headers in
    any case, spacing or punctuation and listed variants; blank rows; known spellings of
    values (``CLA`` for children looked after, ``FTE`` for first-time entrants); months written
    ``2023-05``, ``May 2023``, ``2023-05-01``, ``01/05/2023`` (day first) or as an Excel date;
    counts with thousands separators.
Set aside (reported with file, row, column and reason; ``strict=True`` raises instead)
    An empty value, a value that is no known spelling, a month that is not a month (or a date
    that is not the first of one), a count that is negative, fractional or suppressed (``*``,
    ``<5``, ``[c]``: an unknown number is not zero), those agreeing above the respondents, a
    month after the period end or in the future, and a second row for the same month and
    breakdown (it would double the count; the reason names the first).
Refused (:class:`~scpb_analysis.core.errors.InputDataError`, naming the file)
    An empty file, a file whose header is no template's (or more than one template's), a
    template column named twice, a missing required column.

What a message may repeat of a cell follows the partnership loader's rule: a value that is
like no known one is "not shown (N characters)", since it may be personal data typed into the
wrong column.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from scpb_analysis.core.errors import InputDataError
from scpb_analysis.core.periods import month_label, to_month
from scpb_analysis.qa.disclosure import scan_text_for_pii
from scpb_analysis.reference.partnership_schema import (
    HEADER_SEARCH_ROWS,
    Column,
    SourceSchema,
    is_personal_header,
    value_key,
)
from scpb_analysis.reference.sv_partner_schema import SV_NOT_ABOVE, SV_TEMPLATES
from scpb_analysis.sources.files import (
    cell_text,
    column_letter,
    decode_text,
    is_blank_cell,
    read_bytes,
)
from scpb_analysis.sources.partnership import (
    DROPPED_COLUMNS,
    REJECTED_COLUMNS,
    REPORT_COLUMNS,
    SPREADSHEET_SUFFIXES,
    PartnershipLoad,
    load_notes,
)

__all__ = ["SV_FOLDER", "SVPartnerData", "load_sv_partner_data"]

#: The folder of the data folder that holds filled Serious Violence Duty templates.
SV_FOLDER = "svd"


@dataclass
class SVPartnerData:
    """The filled templates found in one folder.

    Attributes
    ----------
    loads : dict
        Template name -> :class:`~scpb_analysis.sources.partnership.PartnershipLoad` (``.table``
        tidy, ``.report`` one row per file, ``.rejected`` each row set aside and why,
        ``.dropped`` the columns dropped), for the templates found.
    folder : Path
        The folder read.
    found : bool
        False if the folder does not exist (then no template is loaded).
    period_end : Period or None
        Months after it were set aside.
    """

    loads: dict[str, PartnershipLoad]
    folder: Path
    found: bool
    period_end: pd.Period | None = None

    def notes(self) -> list[str]:
        """What was set aside or empty, file by file, in plain words (no cell values)."""
        return [note for load in self.loads.values() for note in load_notes(load)]


_MONTH_NAMES = {m.lower(): i for i in range(1, 13)
                for m in (date(2000, i, 1).strftime("%B"), date(2000, i, 1).strftime("%b"))}
_YM = re.compile(r"^(\d{4})[-/](\d{1,2})$")
_YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?$")
_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?: 00:00(?::00)?)?$")
_NAMED = re.compile(r"^([A-Za-z]+)[ \-]+(\d{4})$")
_WHOLE = re.compile(r"^\+?\d+(\.0*)?$")
_THOUSANDS = re.compile(r"^\d{1,3}(,\d{3})+$")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
# How publishers mark a count withheld to protect small numbers.
_SUPPRESSED = re.compile(r"^(\*+|x|c|\[[a-z]\]|<\s*\d+|~|-)$", re.IGNORECASE)
_FIRST_YEAR = 2000
_SHOWN_MAX = 40


def _sheets(path: Path) -> list[tuple[str | None, list[list[object]]]]:
    raw = read_bytes(path, expected=None)
    if path.suffix.lower() == ".xls" or raw.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputDataError(path, "is an old-style Excel (.xls) workbook",
                             expected="an .xlsx workbook or a CSV file")
    if path.suffix.lower() in (".xlsx", ".xlsm") or raw.startswith(b"PK\x03\x04"):
        try:
            book = pd.read_excel(path, sheet_name=None, header=None, dtype=object,
                                 engine="openpyxl")
        except Exception as exc:  # openpyxl raises many types for a damaged workbook
            raise InputDataError(path, f"cannot be read as an Excel workbook ({exc})",
                                 expected="an .xlsx workbook") from None
        return [(str(name), frame.to_numpy(dtype=object).tolist()) for name, frame in
                book.items()]
    text, _ = decode_text(path, raw, not_csv="a CSV file or an .xlsx workbook",
                          plain="a comma-separated text file")
    try:
        return [(None, [list(r) for r in csv.reader(io.StringIO(text, newline=""))])]
    except csv.Error as exc:
        raise InputDataError(path, f"is not readable as CSV ({exc})",
                             expected="a comma-separated text file") from None


def _expected_headers() -> str:
    return "the header of one template (" + "; ".join(
        f"{s.name}: {', '.join(s.headers)}" for s in SV_TEMPLATES.values()) + ")"


def _recognise(where: str, rows: list[list[object]]
               ) -> tuple[int, SourceSchema, list[str]] | None:
    """(header row index, template, its required columns missing) for the row naming most
    columns of one template (two at least), complete templates first; None if no row does."""
    best: list[tuple[bool, int, int, SourceSchema, list[str]]] = []
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        cells = [cell_text(c) for c in row if not is_blank_cell(c)]
        for schema in SV_TEMPLATES.values():
            matched = {col.header for cell in cells
                       for col in [schema.match_header(cell)] if col is not None}
            missing = [h for h in schema.required_headers if h not in matched]
            if len(matched) >= 2:
                best.append((not missing, len(matched), index, schema, missing))
    if not best:
        return None
    top = max((complete, n) for complete, n, _, _, _ in best)
    winners = {s.name: (i, s, m) for c, n, i, s, m in best if (c, n) == top}
    if len(winners) > 1:
        what = "headers of more than one template" if top[0] else \
            "some headers of more than one template and all of none"
        raise InputDataError(where, f"has the {what} ({', '.join(winners)})",
                             expected="one template per file, with all its columns: "
                             + _expected_headers())
    return next(iter(winners.values()))


def _layout(where: str, row: list[object], schema: SourceSchema, header_index: int
            ) -> tuple[dict[int, Column], list[tuple[str, str]]]:
    columns: dict[int, Column] = {}
    seen: dict[str, str] = {}
    dropped = []
    for index, cell in enumerate(row):
        text = cell_text(cell)
        if not text:
            continue
        col = schema.match_header(text)
        if col is None:
            reason = "personal data" if is_personal_header(text) else "not in the template"
            if scan_text_for_pii(text):
                # A phone number or e-mail typed into the header row: name the column only.
                text, reason = f"column {column_letter(index)} (header not shown)", "personal data"
            dropped.append((text, reason))
            continue
        if col.header in seen:
            raise InputDataError(where, f"columns '{seen[col.header]}' and '{text}' both name "
                                 f"the template column '{col.header}'", row=header_index + 1,
                                 column=text, expected="each template column once")
        seen[col.header] = text
        columns[index] = col
    return columns, dropped


def _month(cell: object) -> tuple[pd.Period | None, str | None, bool]:
    """(month, problem, whether the value may be shown) for one month cell."""
    if isinstance(cell, bool):
        return None, "is not a month", True
    if isinstance(cell, datetime | date):
        stamp = pd.Timestamp(cell)
        year, month, day = stamp.year, stamp.month, stamp.day
    else:
        text = cell_text(cell)
        year = month = None
        day = 1
        if m := _YM.match(text):
            year, month = int(m.group(1)), int(m.group(2))
        elif m := _YMD.match(text):
            year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
        elif m := _DMY.match(text):
            day, month, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
        elif (m := _NAMED.match(text)) and m.group(1).lower() in _MONTH_NAMES:
            year, month = int(m.group(2)), _MONTH_NAMES[m.group(1).lower()]
        if year is None:
            return None, "is not a month", False
    if not 1 <= month <= 12:
        return None, f"is not a month (month {month})", year >= _FIRST_YEAR
    try:
        date(year, month, day)
    except ValueError:
        return None, "is not a real date", year >= _FIRST_YEAR
    if year < _FIRST_YEAR:
        # Not shown: a date before 2000 in a month column may be a date of birth.
        return None, f"is before {_FIRST_YEAR}", False
    if day != 1:
        return None, (f"is day {day} of {month_label(pd.Period(year=year, month=month, freq='M'))}"
                      ", not a month: each row counts a whole month (dates are read day "
                      "first)"), True
    return pd.Period(year=year, month=month, freq="M"), None, True


def _count(cell: object) -> tuple[int | None, str | None, str]:
    """(count, problem, kind) for one count cell."""
    text = cell_text(cell)
    if isinstance(cell, bool):
        return None, "is not a whole number", "not a whole number of 0 or more"
    if _SUPPRESSED.match(text):
        return None, ("is a suppressed count (the number is withheld, so it is unknown, not "
                      "zero)"), "suppressed count"
    if _THOUSANDS.match(text):
        text = text.replace(",", "")
    if _WHOLE.match(text):
        return int(float(text)), None, ""
    if _NUMBER.match(text):
        problem = "is negative" if float(text) < 0 else "is not a whole number"
        return None, problem, "not a whole number of 0 or more"
    return None, "is not a whole number", "not a whole number of 0 or more"


def _may_show(col: Column, text: str) -> bool:
    keys = [k for k in (value_key(v) for v in (*col.allowed, *col.variants)) if k]
    near = difflib.get_close_matches(value_key(text), keys, n=1, cutoff=0.75)
    return bool(near) and len(text) <= _SHOWN_MAX and not scan_text_for_pii(text)


def _expected(col: Column) -> str:
    if col.kind == "int":
        return "a whole number of 0 or more"
    if col.kind == "date":
        return "a month: 2023-05, May 2023 or its first day (01/05/2023)"
    return "one of " + "; ".join(col.allowed)


@dataclass
class _Problem:
    row: int
    column: str
    shown: str
    reason: str
    kind: str


def _cell(col: Column, cell: object) -> tuple[object, _Problem | None]:
    text = cell_text(cell)
    if not text:
        return None, _Problem(0, col.header, "(empty)", f"is empty; expected {_expected(col)}",
                              "empty required value")
    if col.kind == "date":
        month, problem, show = _month(cell)
        if problem:
            return None, _Problem(0, col.header, repr(text) if show else
                                  f"not shown ({len(text)} characters)",
                                  f"{problem}; expected {_expected(col)}", "not a month")
        return month, None
    if col.kind == "int":
        value, problem, kind = _count(cell)
        if problem:
            show = len(text) <= 8 and (_NUMBER.match(text) or _SUPPRESSED.match(text))
            return None, _Problem(0, col.header, repr(text) if show else
                                  f"not shown ({len(text)} characters)",
                                  f"{problem}; expected {_expected(col)}", kind)
        return value, None
    canonical = col.canonical(text)
    if canonical is None:
        noun = col.header.lower()
        if _may_show(col, text):
            return None, _Problem(0, col.header, repr(text),
                                  f"'{text}' is not a known {noun}; expected {_expected(col)}",
                                  f"unknown {noun}")
        return None, _Problem(0, col.header, f"not shown ({len(text)} characters)",
                              f"a value of {len(text)} characters (not shown: it is like no "
                              f"known value, so it may be personal data) is not a known "
                              f"{noun}; expected {_expected(col)}", f"unknown {noun}")
    return canonical, None


def _parse_file(where: str, label: str, rows: list[list[object]], header_index: int,
                schema: SourceSchema, end: pd.Period | None, this_month: pd.Period,
                first_seen: dict) -> tuple[list[dict], list[_Problem], dict]:
    columns, dropped = _layout(where, rows[header_index], schema, header_index)
    given = {c.header: cell_text(rows[header_index][i]) for i, c in columns.items()}
    counts = {c.header for c in schema.columns if c.kind == "int"}
    month_header = schema.date_column.header
    records, problems = [], []
    read = blank = 0
    for index in range(header_index + 1, len(rows)):
        row, number = rows[index], index + 1
        if all(is_blank_cell(c) for c in row):
            blank += 1
            continue
        read += 1
        values, found = {}, []
        for position, col in sorted(columns.items()):
            cell = row[position] if position < len(row) else None
            value, problem = _cell(col, cell)
            if problem:
                problem.row, problem.column = number, given[col.header]
                found.append(problem)
            else:
                values[col.header] = value
        if not found:
            month = values[month_header]
            if month > this_month:
                found.append(_Problem(number, given[month_header], repr(str(month)),
                                      f"is {month_label(month)}, in the future; not counted",
                                      "dated in the future"))
            elif end is not None and month > end:
                found.append(_Problem(number, given[month_header], repr(str(month)),
                                      f"is {month_label(month)}, after the period end "
                                      f"({month_label(end)}); not counted",
                                      "dated after the period end"))
            for header, limit in SV_NOT_ABOVE.items():
                if header[0] == schema.name and values[header[1]] > values[limit]:
                    found.append(_Problem(number, given[header[1]], repr(str(values[header[1]])),
                                          f"is more than the {limit.lower()} "
                                          f"({values[limit]:,}); not counted",
                                          f"{header[1].lower()} above {limit.lower()}"))
        if not found:
            # Counts add up over rows, so a second row for the same cell would double it.
            key = tuple(str(v) for h, v in values.items() if h not in counts)
            if key in first_seen:
                first_label, first_row = first_seen[key]
                there = f"row {first_row}" + ("" if first_label == label else f" of {first_label}")
                found.append(_Problem(number, "(the whole row)", "(the whole row)",
                                      f"duplicate: the same month and breakdown as {there}",
                                      "duplicate month and breakdown"))
            else:
                first_seen[key] = (label, number)
        if found:
            problems += found
            continue
        values["source_row"] = number
        records.append(values)
    report = {"file": label, "rows_read": read, "rows_loaded": len(records),
              "rows_rejected": read - len(records),
              "columns_dropped": "; ".join(f"{n} ({why})" for n, why in dropped),
              "sheet": "", "header_row": header_index + 1, "blank_rows": blank,
              "encoding": "", "date_order": ""}
    report["dropped"] = dropped
    return records, problems, report


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()
                  and p.suffix.lower() in SPREADSHEET_SUFFIXES and not p.name.startswith("~$"))


def load_sv_partner_data(folder: str | Path, *, period_end: str | pd.Period | None = None,
                         strict: bool = False,
                         today: date | str | None = None) -> SVPartnerData:
    """Read every filled Serious Violence Duty template in ``folder`` (sub-folders included).

    Each file's template is recognised by its header. A missing folder is no error: it holds
    no partner data, and :func:`~scpb_analysis.blocks.sv_gaps.data_gap_table` then lists every
    item as needed.

    Parameters
    ----------
    folder : path
        Usually ``<data folder>/svd`` (:data:`SV_FOLDER`).
    period_end : str or Period, optional
        Last month reported: later months are set aside.
    strict : bool
        Raise at the first row that would be set aside.
    today : date or str, optional
        Months after today's are in the future (default: the machine's today).

    Returns
    -------
    SVPartnerData

    Raises
    ------
    InputDataError
        For a file that matches no template or more than one, lacks a required column, names
        a template column twice, or (``strict=True``) at the first row set aside; the message
        names the file, row and column.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "admissions.csv").write_text(
    ...     "Month,Age Band,Sex,Admissions,Patient Name\\n"
    ...     "2023-04,18-24,M,3,\\nMay 2023,Under 10,Female,*,\\n", encoding="utf-8")
    >>> loaded = load_sv_partner_data(folder, period_end="2023-05")
    >>> load = loaded.loads["hospital_admissions"]
    >>> load.table[["month", "age_band", "sex", "admissions"]].to_string(index=False)
    '  month age_band  sex  admissions\\n2023-04    18-24 Male           3'
    >>> load.report.loc[0, "columns_dropped"]
    'Patient Name (personal data)'
    >>> print(load.rejected.loc[0, "reason"])
    is a suppressed count (the number is withheld, so it is unknown, not zero); expected a whole \
number of 0 or more
    """
    root = Path(folder)
    end = to_month(period_end) if period_end is not None else None
    this_month = pd.Timestamp(date.today() if today is None else today).to_period("M")
    if not root.is_dir():
        return SVPartnerData({}, root, False, end)
    parsed: dict[str, list] = {}
    seen: dict[str, dict] = {}
    for path in _files(root):
        label = path.relative_to(root).as_posix()
        for sheet, rows in _sheets(path):
            where = str(path) if sheet is None else f"{path} (sheet '{sheet}')"
            if not any(not is_blank_cell(c) for r in rows for c in r):
                if sheet is None:
                    raise InputDataError(where, "is empty (no rows with values)",
                                         expected=_expected_headers())
                continue
            found = _recognise(where, rows)
            if found is None:
                if sheet is not None:
                    continue
                raise InputDataError(where, f"has no row in its first {HEADER_SEARCH_ROWS} "
                                     "naming two or more columns of a Serious Violence Duty "
                                     "template",
                                     expected=_expected_headers())
            header_index, schema, missing = found
            if missing:
                raise InputDataError(
                    where, f"looks like the {schema.name} template but lacks the required "
                    f"column{'s' if len(missing) > 1 else ''} "
                    f"{', '.join(repr(m) for m in missing)}", row=header_index + 1,
                    column=missing[0], expected=f"the {schema.name} template's columns: "
                    f"{', '.join(schema.headers)}")
            records, problems, report = _parse_file(
                where, label, rows, header_index, schema, end, this_month,
                seen.setdefault(schema.name, {}))
            report["sheet"] = sheet or ""
            if strict and problems:
                p = problems[0]
                problem, _, expected = p.reason.partition("; expected ")
                raise InputDataError(where, problem, row=p.row, column=p.column,
                                     expected=(expected or "a value the template allows")
                                     + " (strict=True stops at the first row set aside)")
            parsed.setdefault(schema.name, []).append((label, records, problems, report))
            break
        else:
            raise InputDataError(path, "has no sheet whose header is a Serious Violence Duty "
                                 "template's", expected=_expected_headers())
    loads = {name: _combine(SV_TEMPLATES[name], parsed[name])
             for name in SV_TEMPLATES if name in parsed}
    return SVPartnerData(loads, root, True, end)


def _combine(schema: SourceSchema, parsed: list) -> PartnershipLoad:
    tidy = {c.header: c.tidy for c in schema.columns}
    frames, reports, rejected, dropped = [], [], [], []
    for label, records, problems, report in parsed:
        frame = pd.DataFrame([{**{tidy[h]: v for h, v in r.items() if h in tidy},
                               "source_file": label, "source_row": r["source_row"]}
                              for r in records], columns=list(schema.tidy_columns))
        frames.append(frame)
        rejected += [{"file": label, "row": p.row, "column": p.column,
                      "value_description": p.shown, "reason": p.reason, "kind": p.kind}
                     for p in problems]
        dropped += [{"file": label, "column": n, "reason": why} for n, why in report["dropped"]]
        reports.append({k: report[k] for k in REPORT_COLUMNS})
    table = pd.concat(frames, ignore_index=True)
    for col in schema.columns:
        if col.kind == "int":
            table[col.tidy] = table[col.tidy].astype("int64")
        elif col.kind == "date":
            table[col.tidy] = pd.PeriodIndex(table[col.tidy], freq="M") if len(table) else \
                pd.PeriodIndex([], freq="M")
        else:
            table[col.tidy] = table[col.tidy].astype("str")
    table["source_row"] = table["source_row"].astype("int64")
    keys = [c.tidy for c in schema.columns if c.kind != "int"]
    table = table.sort_values([*keys, "source_file", "source_row"], kind="stable")
    return PartnershipLoad(table=table.reset_index(drop=True),
                           report=pd.DataFrame(reports, columns=REPORT_COLUMNS),
                           rejected=pd.DataFrame(rejected, columns=REJECTED_COLUMNS),
                           source=schema.name,
                           dropped=pd.DataFrame(dropped, columns=DROPPED_COLUMNS))

