"""The pack's Excel workbook: every published table on its own sheet, numbers as numbers.

:func:`write_workbook` gathers the pack's CSVs (:func:`scpb_analysis.pack.publish.publish_table`)
into one ``.xlsx``: a first sheet, "Contents", links to each table's sheet and gives its title,
CSV file and row count; each table's sheet is named from its title, so a reader sees "Ward maps
hotspots robbery" rather than ``ward_maps_hotspots_robbery_of_pe``.

Cells hold what the CSV holds. A column is written as numbers only when every non-empty cell is
a plain decimal literal; codes are kept as text (a leading zero, or a column named ``code``,
``id``, ``..._code``/``..._id`` or ``... code``/``... id``), so ``01`` does not become ``1``.
Empty CSV cells stay empty. Text is always stored as text, never as a formula, so a cell
reading ``=HYPERLINK(...)`` in a CSV cannot run in the reader's Excel.

The file is deterministic: the document dates and the zip entries' times are fixed, so building
twice from the same CSVs gives byte-identical workbooks.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import os
import re
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

__all__ = ["CONTENTS_SHEET", "sheet_names", "table_title", "write_workbook"]

#: The name of the workbook's first sheet.
CONTENTS_SHEET = "Contents"

_MAX_SHEET = 31
_MAX_WIDTH = 60
_MIN_WIDTH = 8
# Excel refuses these in sheet names; "History" is kept for its change-tracking sheet. A slash
# becomes a dash so that "3/12 months" does not read "312 months".
_FORBIDDEN = re.compile(r"[\[\]:*?]")
_SLASH = re.compile(r"\s*[/\\]\s*")
_RESERVED = ("history",)
_CONNECTIVES = frozenset({"a", "an", "and", "at", "by", "for", "from", "in", "of", "on", "or",
                          "per", "the", "to", "vs", "with"})
_INTEGER = re.compile(r"[+-]?\d+")
_DECIMAL = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_LEADING_ZERO = re.compile(r"[+-]?0\d")
# Excel keeps 15 significant digits; a longer integer is an identifier, not a count.
_LARGEST_INTEGER = 10**15
_CODE_COLUMN = re.compile(r"(?:.*[_ ])?(?:code|id)", re.IGNORECASE)
_MAX_ROWS, _MAX_COLUMNS = 1_048_576, 16_384
# The date any build stamps, so the bytes do not depend on the clock.
_FIXED_TIME = dt.datetime(2000, 1, 1)
_ZIP_TIME = (2000, 1, 1, 0, 0, 0)


def table_title(stem: str, titles: Mapping[str, str] | None = None) -> str:
    """The title of table ``stem``: ``titles[stem]`` if given, else the stem made readable.

    Parameters
    ----------
    stem
        The table's CSV file name without ``.csv``.
    titles
        Titles by stem, e.g. from the notebook that published the tables.

    Returns
    -------
    str
        The title, underscores turned to spaces and the first letter a capital when read
        from the stem.

    Examples
    --------
    >>> table_title("ward_maps_rates_residential_burglary")
    'Ward maps rates residential burglary'
    >>> table_title("dashboard", {"dashboard": "Performance dashboard"})
    'Performance dashboard'
    """
    if titles and titles.get(stem):
        return titles[stem]
    text = " ".join(stem.replace("_", " ").split())
    return text[:1].upper() + text[1:]


def sheet_names(titles: Sequence[str], taken: Sequence[str] = (CONTENTS_SHEET,)) -> list[str]:
    """Excel sheet names for ``titles``: readable, at most 31 characters, valid and unique.

    Characters Excel forbids are removed (``[]:*?``) or made dashes (``/\\``), a long title
    is cut at a word boundary where possible, and a name that collides (case-insensitively, as
    Excel compares them) with an earlier one, with ``taken`` or with the reserved ``History``
    gets a `` (2)``-style suffix.

    Parameters
    ----------
    titles
        One title per sheet, in sheet order.
    taken
        Names already in the workbook.

    Returns
    -------
    list of str
        One sheet name per title.

    Examples
    --------
    >>> sheet_names(["Ward maps hotspots robbery of personal property 2023",
    ...              "Ward maps hotspots robbery of personal property 2024", "Rates: 3/12 months"])
    ['Ward maps hotspots robbery', 'Ward maps hotspots robbery (2)', 'Rates 3-12 months']
    """
    used = {name.casefold() for name in taken} | set(_RESERVED)
    names = []
    for title in titles:
        base = _clean(title)
        name, n = _cut(base, _MAX_SHEET), 2
        while name.casefold() in used:
            suffix = f" ({n})"
            name = _cut(base, _MAX_SHEET - len(suffix)) + suffix
            n += 1
        used.add(name.casefold())
        names.append(name)
    return names


def write_workbook(tables: Sequence[Path], target: Path,
                   titles: Mapping[str, str] | None = None) -> Path:
    """Write the pack's tables into one Excel workbook, a Contents sheet first.

    Parameters
    ----------
    tables
        The pack's CSV files (``OUT/tables/<name>.csv``), in sheet order.
    target
        The ``.xlsx`` file to write (replaced whole, never left half-written).
    titles
        Table titles by CSV stem; a table without one is titled from its stem
        (:func:`table_title`).

    Returns
    -------
    Path
        ``target``.

    Raises
    ------
    FileNotFoundError
        A table's CSV does not exist.
    ValueError
        ``target`` does not end in ``.xlsx``, a CSV is empty (not even a header row), or a
        table is larger than an Excel sheet.

    Examples
    --------
    >>> import tempfile
    >>> from openpyxl import load_workbook
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "ward_counts.csv").write_text("ward_code,count\\n01,3\\n02,\\n")
    >>> book = load_workbook(write_workbook([folder / "ward_counts.csv"], folder / "t.xlsx"))
    >>> book.sheetnames
    ['Contents', 'Ward counts']
    >>> [[c.value for c in row] for row in book["Ward counts"].iter_rows()]
    [['ward_code', 'count'], ['01', 3], ['02', None]]
    """
    import pandas as pd
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.hyperlink import Hyperlink

    target = Path(target)
    if target.suffix.lower() != ".xlsx":
        raise ValueError(f"workbook {target}: expected a file name ending in .xlsx")
    tables = [Path(p) for p in tables]
    frames = []
    for path in tables:
        if not path.is_file():
            raise FileNotFoundError(f"table {path}: expected a CSV file, found none")
        try:
            frames.append(pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8"))
        except pd.errors.EmptyDataError:
            raise ValueError(f"table {path}: the file is empty; expected a CSV with a header "
                             "row") from None
        rows, columns = frames[-1].shape
        if rows + 1 > _MAX_ROWS or columns > _MAX_COLUMNS:
            raise ValueError(f"table {path}: {rows} rows and {columns} columns; expected at most "
                             f"{_MAX_ROWS - 1} rows and {_MAX_COLUMNS} columns (an Excel sheet)")
    heads = [table_title(p.stem, titles) for p in tables]
    sheets = sheet_names(heads)

    book = Workbook()
    contents = book.active
    contents.title = CONTENTS_SHEET
    bold = Font(bold=True)
    contents.append(["Sheet", "Table", "CSV file", "Rows"])
    for path, head, sheet, frame in zip(tables, heads, sheets, frames, strict=True):
        contents.append([sheet, head, f"tables/{path.name}", len(frame)])
        link = contents.cell(row=contents.max_row, column=1)
        # A location, not a "#Sheet!A1" target: openpyxl writes a target as an external
        # relationship, which some readers (LibreOffice, web viewers) open as a file name.
        # An apostrophe in a sheet name is escaped by doubling it inside the quotes.
        link.hyperlink = Hyperlink(ref=link.coordinate,
                                   location="'{}'!A1".format(sheet.replace("'", "''")))
        link.style = "Hyperlink"
        _as_text(contents.cell(row=contents.max_row, column=2))
        _as_text(contents.cell(row=contents.max_row, column=3))
    _finish(contents, bold)

    for sheet, frame in zip(sheets, frames, strict=True):
        _write_sheet(book.create_sheet(sheet), frame, bold)

    book.properties.created = _FIXED_TIME
    book.properties.modified = _FIXED_TIME
    book.properties.creator = "scpb_analysis"
    _save(book, target)
    return target


def _clean(title: str) -> str:
    text = " ".join(_SLASH.sub("-", _FORBIDDEN.sub("", title)).split())
    # Excel refuses a sheet name that starts or ends with an apostrophe.
    text = text.strip("'").strip()
    return text or "Table"


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    head = text[:limit]
    at_word = text[limit] == " "
    if not at_word and " " in head:
        word = head.rsplit(" ", 1)[0]
        # A cut that would throw away most of the name reads worse than a cut word.
        if len(word) >= limit // 2:
            head, at_word = word, True
    if at_word:
        head = head.rstrip()
        # "Ward maps hotspots robbery of" reads as a mistake; end on the last real word.
        while " " in head and head.rsplit(" ", 1)[1].casefold() in _CONNECTIVES:
            head = head.rsplit(" ", 1)[0]
    return head.rstrip(" -,;.'") or text[:limit]


def _column_kind(name: str, values: Sequence[str]) -> str:
    """``int``, ``float`` or ``text``: how a CSV column is written to Excel."""
    if _CODE_COLUMN.fullmatch(str(name).strip()):
        return "text"
    filled = [v for v in values if v != ""]
    if not filled or any(_LEADING_ZERO.match(v) for v in filled):
        return "text"
    if all(_INTEGER.fullmatch(v) for v in filled):
        if all(abs(int(v)) < _LARGEST_INTEGER for v in filled):
            return "int"
        return "text"
    if all(_DECIMAL.fullmatch(v) for v in filled):
        return "float" if all(math.isfinite(float(v)) for v in filled) else "text"
    return "text"


def _write_sheet(sheet, frame, bold) -> None:
    convert = {"int": int, "float": float, "text": _legal}
    kinds = [_column_kind(c, frame[c].tolist()) for c in frame.columns]
    sheet.append([_legal(str(c)) for c in frame.columns])
    for c, _ in enumerate(frame.columns, start=1):
        _as_text(sheet.cell(row=1, column=c))
    for row in frame.itertuples(index=False, name=None):
        sheet.append([None if v == "" else convert[k](v) for v, k in zip(row, kinds, strict=True)])
    for c, kind in enumerate(kinds, start=1):
        for (cell,) in sheet.iter_rows(min_row=2, min_col=c, max_col=c):
            if kind == "text":
                _as_text(cell)
            elif kind == "float" and cell.value is not None:
                _exact(cell)
    _finish(sheet, bold)


def _legal(value: str) -> str:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    # Control characters cannot be stored in the XML of an .xlsx; openpyxl would refuse the
    # whole workbook for one stray byte in a free-text field.
    return ILLEGAL_CHARACTERS_RE.sub("", value)


def _as_text(cell) -> None:
    # openpyxl reads a string starting with "=" as a formula; a table's text must stay text.
    if isinstance(cell.value, str):
        cell.data_type = "s"


def _exact(cell) -> None:
    # openpyxl writes a float as "%.16g", one digit short of the 17 a double may need, so
    # 3.2591283212727173 would come back as 3.259128321272717. A numeric cell holding the
    # float's shortest round-trip text is written verbatim, and Excel reads the same double.
    cell._value = repr(cell.value)


def _finish(sheet, bold) -> None:
    from openpyxl.utils import get_column_letter

    for cell in sheet[1]:
        cell.font = bold
    sheet.freeze_panes = "A2"
    for c, column in enumerate(sheet.iter_cols(), start=1):
        width = max((_shown_width(cell) for cell in column), default=0)
        sheet.column_dimensions[get_column_letter(c)].width = min(max(width + 2, _MIN_WIDTH),
                                                                  _MAX_WIDTH)


def _shown_width(cell) -> int:
    value = cell.value
    if value is None:
        return 0
    if cell.data_type == "n":
        # Excel's General format shows about 11 characters of a long decimal.
        return min(len(str(value)), 11)
    return max((len(line) for line in str(value).splitlines()), default=0)


def _save(book, target: Path) -> None:
    from openpyxl.writer.excel import ExcelWriter

    # openpyxl's save() stamps the clock into docProps/core.xml and every zip entry; writing
    # through ExcelWriter keeps the fixed dates, and re-zipping fixes the entries' times.
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(book, archive).save()
    fixed = io.BytesIO()
    with zipfile.ZipFile(raw) as source, zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            out.writestr(entry, source.read(info.filename))
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(fixed.getvalue())
        # mkstemp makes the file private; the workbook is published like the pack's CSVs.
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
