"""What every loader needs: finding the files, refusing or decoding their bytes, and matching
column names however a re-sharer spelled them."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from scpb_analysis.core.errors import InputDataError, MissingSourceError

BINARY_SIGNATURES = (
    (b"PK\x03\x04", "an Excel workbook or zip archive"),
    (b"\xd0\xcf\x11\xe0", "an old-style Excel (.xls) workbook"),
    (b"%PDF", "a PDF document"),
    (b"\x1f\x8b", "a gzip archive"),
)


#: File suffixes a loader of published tables reads: the publisher's CSV, or a re-sharer's
#: Parquet copy of it.
DATA_SUFFIXES = (".csv", ".parquet")
# Re-sharers drop case, spaces and punctuation: 'Age: Total' becomes 'age_total'.
_SEPARATORS = re.compile(r"[\s_\-./:;,()\[\]]+")


def find_csv_files(paths: str | Path | Iterable[str | Path],
                   expected: str) -> tuple[list[Path], list[str]]:
    """CSV files named or found (recursively) in folders, and the other files seen there.

    ``expected`` describes the files wanted, for the error when a folder has none.
    """
    return find_data_files(paths, expected, suffixes=(".csv",))


def find_data_files(paths: str | Path | Iterable[str | Path], expected: str, *,
                    suffixes: tuple[str, ...] = DATA_SUFFIXES) -> tuple[list[Path], list[str]]:
    """Files with one of ``suffixes`` named or found (recursively) in folders, and the others.

    Files named directly are returned whatever their suffix (the loader then says what it
    expected). ``expected`` describes the files wanted, for the error when a folder has none.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> for name in ("b.parquet", "a.csv", "notes.txt"):
    ...     _ = (folder / name).write_text("x")
    >>> found, ignored = find_data_files(folder, "MPS files")
    >>> [p.name for p in found], [Path(p).name for p in ignored]
    (['a.csv', 'b.parquet'], ['notes.txt'])
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    wanted = tuple(s.lower() for s in suffixes)
    kinds = " or ".join(s.lstrip(".").upper() if s == ".csv" else s.lstrip(".").title()
                        for s in wanted)
    files: list[Path] = []
    ignored: list[str] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file())
            data = [p for p in found if p.suffix.lower() in wanted]
            ignored += [str(p) for p in found if p.suffix.lower() not in wanted]
            if not data:
                raise MissingSourceError(path, f"is a folder with no {kinds} files in it",
                                     expected=expected)
            files += data
        elif path.is_file():
            files.append(path)
        else:
            raise MissingSourceError(path, "does not exist",
                                 expected=f"a {kinds} file or a folder of them")
    return list(dict.fromkeys(p.resolve() for p in files)), ignored


def column_key(name: object) -> str:
    """A column name reduced so every spelling of it matches: case, spaces, ``_``, ``-`` ignored.

    Re-sharers copy published tables with the column names lower-cased or snake-cased
    (``Month_Year`` as ``month_year``, ``Area Type`` as ``area_type``, ``Crime ID`` as
    ``crime_id``); the values are the publisher's.

    Examples
    --------
    >>> column_key("Area Type") == column_key("area_type") == column_key(" AREA-TYPE ")
    True
    >>> column_key("LookUp_BoroughName"), column_key("Age: Aged 4 years and under")
    ('lookup_boroughname', 'age_aged_4_years_and_under')
    """
    return _SEPARATORS.sub("_", str(name).strip().casefold()).strip("_")


_OTHER_DELIMITERS = ((";", "semicolons"), ("\t", "tabs"), ("|", "vertical bars"))


def other_delimiter(header: Sequence[str]) -> tuple[str, str] | None:
    """The separator of a file saved with another delimiter than commas, from its header.

    Read as CSV, such a file's header is one field holding the separator between its column
    names; returns the separator and its name in words, or None.

    Examples
    --------
    >>> other_delimiter(["MajorText;MinorText;BoroughName;202305"])
    (';', 'semicolons')
    >>> other_delimiter(["MajorText", "MinorText"]) is None
    True
    """
    if len(header) != 1:
        return None
    return next(((sep, name) for sep, name in _OTHER_DELIMITERS
                 if str(header[0]).count(sep) >= 2), None)


def read_bytes(path: Path, expected: str | None = "a readable CSV file") -> bytes:
    """The file's bytes, or an :class:`InputDataError` saying why it cannot be read.

    Parameters
    ----------
    path : Path
        The file.
    expected : str or None, default "a readable CSV file"
        What the error says was expected (``None``: nothing).

    Returns
    -------
    bytes

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> (folder / "a.csv").write_bytes(b"x,y")
    3
    >>> read_bytes(folder / "a.csv")
    b'x,y'
    >>> try:
    ...     read_bytes(folder / "b.csv")
    ... except InputDataError as err:
    ...     print(err.problem, "-", err.expected)
    cannot be read (No such file or directory) - a readable CSV file
    """
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputDataError(path, f"cannot be read ({exc.strerror})", expected=expected) from None


def decode_text(path: Path, raw: bytes, *, not_csv: str, plain: str) -> tuple[str, str]:
    """The file's text and encoding (UTF-8 with or without BOM, else Windows-1252).

    Spreadsheets, archives and other binary files are refused: ``not_csv`` says what was
    expected instead of a recognised binary format, ``plain`` instead of other binary data.
    """
    for signature, what in BINARY_SIGNATURES:
        if raw.startswith(signature):
            raise InputDataError(path, f"is not a CSV file (it looks like {what})",
                                 expected=not_csv)
    if b"\x00" in raw[:4096]:
        raise InputDataError(path, "is not a CSV file (it contains binary data)", expected=plain)
    try:
        return raw.decode("utf-8-sig"), "utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as exc:
        raise InputDataError(
            path,
            f"cannot be decoded (byte {exc.start})",
            expected="text encoded as UTF-8 (with or without BOM) or Windows-1252",
        ) from None


def is_blank_cell(cell: object) -> bool:
    """True for a spreadsheet or CSV cell with nothing in it (None, NaT, NaN, blank text).

    >>> [is_blank_cell(c) for c in (None, float("nan"), "  ", 0, "x")]
    [True, True, True, False, False]
    """
    import math

    import pandas as pd

    if cell is None or cell is pd.NaT:
        return True
    if isinstance(cell, float) and math.isnan(cell):
        return True
    return isinstance(cell, str) and not cell.strip()


def cell_text(cell: object) -> str:
    """A cell as the text a person would see: numbers without a spurious ``.0``, dates in ISO
    form, runs of spaces closed up.

    >>> cell_text(3.0), cell_text(2.5), cell_text("  a   b "), cell_text(None)
    ('3', '2.5', 'a b', '')
    """
    import numbers
    from datetime import datetime

    import pandas as pd

    if is_blank_cell(cell):
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


def column_letter(index: int) -> str:
    """The spreadsheet column letter of a 0-based column index.

    >>> column_letter(0), column_letter(25), column_letter(26)
    ('A', 'Z', 'AA')
    """
    text = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        text = chr(65 + rem) + text
    return text
