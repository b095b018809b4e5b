"""police.uk street-level crime: the monthly ``*-street.csv`` archive files, one row per crime.

Every file published at https://data.police.uk/data/ (and in its archive downloads) has the
columns :data:`SOURCE_COLUMNS`. ``Month`` is ``YYYY-MM``; ``Longitude`` and ``Latitude`` are
empty for crimes police.uk could not place (``Location`` is then ``No Location``); ``Crime ID``
is empty for anti-social behaviour. A re-sharer's Parquet copy of a file (the same columns,
named in any case or with underscores: ``crime_id, month, ..., context``) is read exactly as
its CSV would be.

Rows become points (:data:`POINT_COLUMNS`) for :func:`scpb_analysis.geo.assign.assign_wards`.
Crimes without a location are kept, with missing coordinates, and counted in the load report.
Rows set aside are listed with their row number and a reason: rows with nothing in them
(blank lines, rows of empty values, a header repeated where files were joined), and repeats
of a crime already loaded.

police.uk lists some crimes more than once (the same ``Crime ID`` twice in a month's file,
differing only in the outcome), and an analyst's folder can hold a force file beside a borough
extract of it. So, with files taken in sorted path order and rows in file order, a row whose
``Crime ID`` (stripped of surrounding spaces) was already seen, in the same file or an earlier
one, is set aside as ``duplicate Crime ID (same file)`` or ``duplicate Crime ID (earlier
file)``, naming where the crime was first seen. A blank ``Crime ID`` (anti-social behaviour)
is never a duplicate. Locations are anonymised to snap points (see
:data:`scpb_analysis.geo.assign.SNAP_POINT_NOTE`).

Three more rules keep a folder's mistakes out of the counts (issue 13), the same on every
counting path (:func:`read_policeuk`, :func:`scpb_analysis.geo.points.ward_month_counts`, its Dask
and archive versions):

* **A file repeating an earlier one** (the same rows, in any order, under any name or folder,
  blank lines, line endings and a BOM aside) is read but every row of it is set aside as
  ``same rows as earlier file NAME``: rows without a ``Crime ID`` (anti-social behaviour)
  would otherwise be counted twice. Rows are never de-duplicated *within* a file when the ID
  is blank: two anti-social behaviour reports of one type, month and snap point are plausible.
* **Rows of another force.** Each file has one force (:func:`file_force`): the force its name
  gives (``YYYY-MM-<force>-street.csv``, e.g. ``metropolitan``, ``avon-and-somerset``) when
  some row's ``Falls within`` is that force, else the force most of its rows fall within (a
  tie is an error). A row whose ``Falls within`` is another force is set aside as ``falls
  within another force: NAME (the file's force is NAME)``. In the published files every row
  falls within the file's force (checked on the Met and Avon and Somerset files), so this
  only catches files joined or edited by hand.
* **Crime types** are matched to police.uk's (:data:`CRIME_TYPES`) ignoring case and spacing
  (non-breaking spaces included), and loaded as police.uk spells them, so ``Burglary `` is
  Burglary, not a second crime type. A crime type police.uk does not publish is set aside as
  ``unknown crime type 'NAME'``, not counted as a new category.
"""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from scpb_analysis.core.errors import InputDataError
from scpb_analysis.reference.taxonomy import policeuk_crime_types
from scpb_analysis.sources.files import column_key, decode_text, find_data_files, read_bytes

__all__ = [
    "SOURCE_COLUMNS",
    "POINT_COLUMNS",
    "CRIME_TYPES",
    "LAYOUTS",
    "DUPLICATE_REASONS",
    "PoliceUkLoad",
    "read_policeuk",
    "load_policeuk",
    "policeuk_files",
    "canonical_crime_type",
    "file_force",
    "repeated_files",
]

#: The header of a police.uk street-level file.
SOURCE_COLUMNS = (
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Crime type",
    "Last outcome category",
    "Context",
)

#: police.uk's crime types, as it spells them: the fourteen published since May 2013, and the
#: three of 2010-2013 files ("Violent crime", "Public disorder and weapons" and, until 2011,
#: "Other crime" covered what later categories split). The one list is
#: :func:`scpb_analysis.reference.taxonomy.policeuk_crime_types`.
CRIME_TYPES = tuple(policeuk_crime_types()["crime_type"])

#: The columns of the points table.
POINT_COLUMNS = [
    "crime_id",
    "month",
    "reported_by",
    "falls_within",
    "longitude",
    "latitude",
    "location",
    "lsoa_code",
    "lsoa_name",
    "crime_type",
    "last_outcome_category",
    "context",
    "source_file",
]

_RENAME = dict(zip(SOURCE_COLUMNS, POINT_COLUMNS, strict=False))
_EXPECTED_HEADER = "the police.uk street-level columns " + ", ".join(SOURCE_COLUMNS)
MONTH_PATTERN = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
# Generous bounds for the UK and its waters: a coordinate outside them is a corrupt value or
# swapped columns, not a crime the Met recorded outside London.
GB_BOUNDS = {"Longitude": (-9.0, 3.0), "Latitude": (49.0, 61.0)}
_POSITION = {name: i for i, name in enumerate(SOURCE_COLUMNS)}
_COORD_EXPECTED = {
    "Longitude": "a longitude in decimal degrees between -9 and 3 (the UK), or empty where "
    "police.uk has no location",
    "Latitude": "a latitude in decimal degrees between 49 and 61 (the UK), or empty where "
    "police.uk has no location",
}
_FILE_COLUMNS = ["file", "rows_read", "rows_loaded", "rows_set_aside", "duplicates_same_file",
                 "duplicates_earlier_file", "no_location", "first_month", "last_month",
                 "other_force", "unknown_crime_type", "same_rows_as", "force", "encoding",
                 "layout", "path"]
#: What the load report's ``layout`` column says of each file.
LAYOUTS = {
    "csv": "police.uk street-level CSV",
    "csv-respelled": "police.uk street-level CSV (column names re-spelled)",
    "parquet": "police.uk street-level (Parquet copy, police.uk column names)",
    "parquet-respelled": "police.uk street-level (Parquet copy, re-sharer's column names)",
}
#: The two reasons a repeated ``Crime ID`` is set aside (then "; first at FILE row N").
DUPLICATE_REASONS = ("duplicate Crime ID (same file)", "duplicate Crime ID (earlier file)")
_KEYS = {column_key(c): c for c in SOURCE_COLUMNS}
_EXPECTED_FILES = "police.uk street-level CSV files (or Parquet copies of them)"
_EXPECTED_PARQUET = (_EXPECTED_HEADER + " (in a Parquet copy, named in any case or with "
                     "underscores, e.g. crime_id, month, ..., context)")


@dataclass
class PoliceUkLoad:
    """police.uk street-level rows as points, with the load report.

    Attributes
    ----------
    points : DataFrame
        One row per crime (:data:`POINT_COLUMNS`): ``month`` is ``Period[M]``, ``longitude``
        and ``latitude`` are floats (NaN where police.uk has no location), empty text is
        missing, ``source_file`` is the file name.
    files : DataFrame
        One row per file: ``file, rows_read, rows_loaded, rows_set_aside,
        duplicates_same_file, duplicates_earlier_file, no_location, first_month, last_month,
        encoding, layout, path``. ``rows_read = rows_loaded + rows_set_aside``; the rows set
        aside include the ``duplicates_*`` rows (repeats of a ``Crime ID`` first seen in the
        same file or an earlier one). ``no_location``, ``first_month`` and ``last_month``
        describe the rows loaded. ``layout`` is one of :data:`LAYOUTS`' values.
        ``other_force`` and ``unknown_crime_type`` count the rows set aside as falling
        within another force than the file's (``force``, see :func:`file_force`) or having
        a crime type police.uk does not publish; ``same_rows_as`` names the earlier file a
        file repeats (all its rows set aside), else "".
    set_aside : DataFrame
        Every row not loaded: ``file, row, reason`` (row numbers as a spreadsheet shows them,
        the header being row 1; for a Parquet copy, the row its CSV would have). A repeated
        ``Crime ID``'s reason names where it was first seen, e.g. ``duplicate Crime ID (same
        file); first at 2023-05-metropolitan-street.csv row 7``.
    ignored_files : list of str
        Files in the folders given that are not ``.csv`` or ``.parquet`` and were not read.
    """

    points: pd.DataFrame
    files: pd.DataFrame
    set_aside: pd.DataFrame
    ignored_files: list[str] = field(default_factory=list)

    @property
    def no_location(self) -> int:
        """Loaded rows police.uk gives no coordinates for."""
        return int(self.points["longitude"].isna().sum())


# ---------------------------------------------------------------------------------------------
# Reading one file


_PLAIN = "a police.uk street-level CSV file"
_NOT_CSV = _PLAIN + " (unzip the download from data.police.uk first; save a spreadsheet as CSV)"


def _record_shape(raw: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Values per CSV record and which records are empty lines, found on the bytes at once.

    Standard quoting only (a quote opens and closes a field, ``""`` inside one is a quote):
    the caller checks anything unusual with the csv module, which also handles stray quotes.
    """
    b = np.frombuffer(raw, dtype=np.uint8)
    if b.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool)
    quotes = np.flatnonzero(b == ord('"'))

    def unquoted(positions: np.ndarray) -> np.ndarray:
        # A separator is inside quotes when an odd number of quote marks precede it.
        if quotes.size == 0:
            return positions
        return positions[np.searchsorted(quotes, positions) % 2 == 0]

    lf = np.flatnonzero(b == ord("\n"))
    cr = np.flatnonzero(b == ord("\r"))
    lone_cr = cr[b[np.minimum(cr + 1, b.size - 1)] != ord("\n")] if cr.size else cr
    ends = unquoted(np.union1d(lf, lone_cr) if lone_cr.size else lf)
    if ends.size == 0 or ends[-1] != b.size - 1:
        ends = np.append(ends, b.size)  # a last record without a line break
    starts = np.concatenate(([0], ends[:-1] + 1))
    before_end = b[np.clip(ends - 1, 0, b.size - 1)]
    content = ends - starts - ((ends > starts) & (before_end == ord("\r")))
    commas = unquoted(np.flatnonzero(b == ord(",")))
    widths = np.diff(np.searchsorted(commas, ends), prepend=0) + 1
    return widths.astype(np.int64), content == 0


def _record_shape_csv(text: str) -> tuple[np.ndarray, np.ndarray]:
    widths = np.fromiter(map(len, csv.reader(io.StringIO(text, newline=""))), dtype=np.int64)
    return np.maximum(widths, 1), widths == 0


def _header(path: Path, text: str) -> tuple[list[str], bool]:
    """Source column name for each position, and whether any name is spelled differently."""
    try:
        names = next(csv.reader(io.StringIO(text[: 1 << 16], newline="")), [])
    except csv.Error as exc:
        raise InputDataError(path, f"is not readable as CSV ({exc})", row=1,
                             expected=_EXPECTED_HEADER) from None
    names = [" ".join(n.split()) for n in names]
    if not any(names):
        raise InputDataError(path, "has no header row", row=1, expected=_EXPECTED_HEADER)
    known = {c.casefold(): c for c in SOURCE_COLUMNS}
    canonical = _canonical(path, names, [known.get(n.casefold()) for n in names], row=1,
                           expected=_EXPECTED_HEADER)
    return canonical, names != canonical


def _canonical(path: Path, names: list[str], canonical: list[str | None], *, row: int | None,
               expected: str) -> list[str]:
    """The matched names, after checking none is unknown, missing or repeated."""
    unknown = [n if n else f"(no name, column {i + 1})"
               for i, (n, c) in enumerate(zip(names, canonical, strict=True)) if c is None]
    missing = [c for c in SOURCE_COLUMNS if c not in canonical]
    repeated = sorted({c for c in canonical if c is not None and canonical.count(c) > 1})
    problems = []
    if unknown:
        problems.append("has columns police.uk street-level files do not have: "
                        + ", ".join(f"'{n}'" for n in unknown))
    if missing:
        problems.append("is missing the columns " + ", ".join(f"'{c}'" for c in missing))
    if repeated:
        problems.append("repeats the columns " + ", ".join(f"'{c}'" for c in repeated))
    if problems:
        raise InputDataError(path, "; ".join(problems), row=row, expected=expected)
    return [c for c in canonical if c is not None]


def _check_widths(path: Path, raw: bytes, text: str, n_columns: int, *,
                  exact: bool = False) -> np.ndarray:
    """Empty-line flag per data record, after checking every other record has every value."""
    if exact:
        widths, empty = _record_shape_csv(text)
    else:
        widths, empty = _record_shape(raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw)
    bad = (widths != n_columns) & ~empty
    if bad[1:].any():
        if not exact:
            # A stray quote inside a value fools the fast count but not a real CSV parser.
            return _check_widths(path, raw, text, n_columns, exact=True)
        record = int(np.flatnonzero(bad[1:])[0]) + 1
        raise InputDataError(
            path, f"has {widths[record]} values where the header has {n_columns}",
            row=record + 1,
            expected=f"{n_columns} comma-separated values on every row (a value containing "
            "a comma must be in double quotes)",
        )
    return empty[1:]


def _engine() -> str:
    return "pyarrow" if importlib.util.find_spec("pyarrow") is not None else "c"


def _read_frame(path: Path, text: str, names: list[str]) -> pd.DataFrame:
    """The data rows, coordinates as floats if they all parse (else text, for the error)."""
    engine = _engine()
    frame = None
    for coordinate_type in (float, str):
        source = io.BytesIO(text.encode("utf-8")) if engine == "pyarrow" else io.StringIO(text)
        dtype = dict.fromkeys(names, str) | dict.fromkeys(("Longitude", "Latitude"),
                                                          coordinate_type)
        try:
            frame = pd.read_csv(source, header=0, names=names, dtype=dtype,
                                keep_default_na=False, na_values=[""], skip_blank_lines=True,
                                engine=engine)
            break
        except ValueError as exc:
            if coordinate_type is str:
                raise InputDataError(path, f"is not readable as CSV ({str(exc).strip()})",
                                     expected="a comma-separated text file") from None
    assert frame is not None
    return frame


def ordinal_of_month(match: re.Match) -> int:
    """Monthly period ordinal (months since January 1970) of a ``MONTH_PATTERN`` match."""
    return (int(match[1]) - 1970) * 12 + int(match[2]) - 1


def _months(path: Path, values: pd.Series,
            rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Period ordinals per row, and masks of rows with no month and rows reading ``Month``.

    Bad months are errors. Files hold one or a few months, so the distinct values are parsed,
    not every row.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    ordinals = np.zeros(len(uniques) + 1, dtype=np.int64)  # the last slot serves code -1
    is_header = np.zeros(len(uniques) + 1, dtype=bool)
    for i, value in enumerate(uniques):
        text = str(value).strip()
        match = MONTH_PATTERN.match(text)
        if match is not None:
            ordinals[i] = ordinal_of_month(match)
        elif text.casefold() == "month":
            is_header[i] = True
        else:
            first = int(rows[np.flatnonzero(codes == i)[0]])
            raise InputDataError(path, f"'{value}' is not a month", row=first, column="Month",
                                 expected="a month written YYYY-MM, e.g. 2023-05")
    return ordinals[codes], codes < 0, is_header[codes]


def _coordinates(path: Path, frame: pd.DataFrame, rows: np.ndarray) -> dict[str, np.ndarray]:
    """Longitude and latitude as floats; the first impossible value in the file is an error."""
    out: dict[str, np.ndarray] = {}
    given: dict[str, np.ndarray] = {}
    # (row, column position, column, problem, expected): the first row wins, then the column
    # further left, as a reader scanning the file would meet them.
    problems: list[tuple[int, int, str, str, str]] = []
    for column in ("Longitude", "Latitude"):
        values = frame[column]
        if values.dtype == float:
            number = values.to_numpy()
            given[column] = ~np.isnan(number)
            not_number = np.zeros(len(number), dtype=bool)
        else:
            number = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
            given[column] = values.notna().to_numpy()
            not_number = given[column] & np.isnan(number)
        low, high = GB_BOUNDS[column]
        with np.errstate(invalid="ignore"):
            outside = ~np.isnan(number) & ~((number >= low) & (number <= high))
        for mask, what in ((not_number, "is not a number"), (outside, "is outside the UK")):
            if mask.any():
                i = int(np.flatnonzero(mask)[0])
                problems.append((int(rows[i]), _POSITION[column], column,
                                 f"'{values.iloc[i]}' {what}", _COORD_EXPECTED[column]))
        out[column] = number
    lon_given, lat_given = given["Longitude"], given["Latitude"]
    one_only = lon_given != lat_given
    if one_only.any():
        i = int(np.flatnonzero(one_only)[0])
        have, lack = ("longitude", "Latitude") if lon_given[i] else ("latitude", "Longitude")
        problems.append((int(rows[i]), _POSITION[lack], lack,
                         f"there is a {have} but no {lack.lower()}",
                         "both coordinates, or neither where police.uk has no location"))
    if problems:
        row, _, column, problem, expected = min(problems)
        raise InputDataError(path, problem, row=row, column=column, expected=expected)
    return out


# ---------------------------------------------------------------------------------------------
# Crime types, forces and repeated files: the rules every counting path shares


def _label_key(text: object) -> str:
    """Case and spacing ignored: str.split() also splits on non-breaking and other Unicode
    spaces, which spreadsheets leave in pasted labels."""
    return " ".join(str(text).split()).casefold()


_CRIME_TYPE_KEYS = {_label_key(t): t for t in CRIME_TYPES}
# The force names' words that police.uk's file names leave out.
_FORCE_WORDS = re.compile(r"^police-service-of-|-(police-service|constabulary|police)$")
# File names that do not spell out the force: police.uk's own short names.
_FORCE_ALIASES = {"btp": "british-transport"}
_FILE_NAME = re.compile(r"^\d{4}-\d{2}-(?P<force>[a-z0-9-]+?)-street\.(csv|parquet)$",
                        re.IGNORECASE)


def canonical_crime_type(label: object) -> str | None:
    """police.uk's spelling of a crime type, ignoring case and spacing; None if unknown.

    Examples
    --------
    >>> canonical_crime_type("burglary\\u00a0"), canonical_crime_type(" Anti-social  behaviour")
    ('Burglary', 'Anti-social behaviour')
    >>> canonical_crime_type("Burglery") is None
    True
    """
    if label is None or (isinstance(label, float) and np.isnan(label)):
        return None
    return _CRIME_TYPE_KEYS.get(_label_key(label))


def _force_key(name: str) -> str:
    """A force name as police.uk's file names spell it: "Avon and Somerset Constabulary"
    and "avon-and-somerset" are both ``avon-and-somerset``."""
    slug = re.sub(r"[^a-z0-9]+", "-", _label_key(name).replace("&", " and ")).strip("-")
    slug = _FORCE_WORDS.sub("", slug)
    return _FORCE_ALIASES.get(slug, slug)


def file_force(path: str | Path, forces: dict[str, int]) -> str | None:
    """The force a police.uk file is of, given its rows' ``Falls within`` values and counts.

    The force the file name gives (``YYYY-MM-<force>-street.csv``) if some row falls within
    it; else the force most rows fall within. None when no row names a force.

    Raises
    ------
    InputDataError
        When the name gives no force found in the file and two forces tie for most rows.

    Examples
    --------
    >>> file_force("2023-05-metropolitan-street.csv",
    ...            {"Metropolitan Police Service": 3, "City of London Police": 9})
    'Metropolitan Police Service'
    >>> file_force("barnet-extract.csv", {"Metropolitan Police Service": 3,
    ...                                   "City of London Police": 1})
    'Metropolitan Police Service'
    """
    path = Path(path)
    forces = {name: count for name, count in forces.items() if str(name).strip() and count}
    if not forces:
        return None
    match = _FILE_NAME.match(path.name)
    if match is not None:
        named = _force_key(match["force"])
        found = [name for name in forces if _force_key(name) == named]
        if found:
            return max(found, key=lambda name: (forces[name], name))
    by_key: dict[str, int] = {}
    for name, count in forces.items():
        by_key[_force_key(name)] = by_key.get(_force_key(name), 0) + count
    ranked = sorted(by_key.items(), key=lambda item: -item[1])
    if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
        tied = [name for name in forces if _force_key(name) in (ranked[0][0], ranked[1][0])]
        raise InputDataError(
            path, "holds as many rows of " + " as of ".join(f"'{n}'" for n in sorted(tied))
            + ", so which force's file it is cannot be told", column="Falls within",
            expected="rows of one force, or a file named YYYY-MM-<force>-street.csv")
    best = ranked[0][0]
    return max((name for name in forces if _force_key(name) == best),
               key=lambda name: (forces[name], name))


def screen_rows(path: Path, force_labels: list, force_codes: np.ndarray, type_labels: list,
                 type_codes: np.ndarray) -> tuple[np.ndarray, np.ndarray, list, dict]:
    """Rows of another force and of unknown crime types, on factorised columns.

    ``*_codes`` index ``*_labels`` (-1 for a missing value). Returns the rows of another
    force, the rows (not of another force) with an unknown crime type, the crime-type labels
    in police.uk's spelling (unknown ones as given) and the report: ``force`` (the file's),
    ``other_force`` ({name: rows}) and ``unknown`` ({label: rows}).
    """
    counts = np.bincount(force_codes[force_codes >= 0], minlength=len(force_labels))
    by_name: dict[str, int] = {}
    for label, count in zip(force_labels, counts.tolist(), strict=True):
        if label is not None and count:
            name = " ".join(str(label).split())
            by_name[name] = by_name.get(name, 0) + count
    force = file_force(path, by_name)
    other = np.zeros(len(force_codes), dtype=bool)
    other_force: dict[str, int] = {}
    if force is not None:
        key = _force_key(force)
        others = [i for i, label in enumerate(force_labels)
                  if label is not None and str(label).strip() and _force_key(label) != key]
        if others:
            other = np.isin(force_codes, others)
            for i in others:
                if counts[i]:
                    name = " ".join(str(force_labels[i]).split())
                    other_force[name] = other_force.get(name, 0) + int(counts[i])
    canonical = [canonical_crime_type(label) for label in type_labels]
    unknown_codes = [i for i, c in enumerate(canonical)
                     if c is None and type_labels[i] is not None and str(type_labels[i]).strip()]
    unknown = np.zeros(len(type_codes), dtype=bool)
    unknown_types: dict[str, int] = {}
    if unknown_codes:
        unknown = np.isin(type_codes, unknown_codes) & ~other
        found = np.bincount(type_codes[unknown], minlength=len(type_labels))
        unknown_types = {str(type_labels[i]): int(found[i]) for i in unknown_codes if found[i]}
    labels = [c if c is not None else label for c, label in zip(canonical, type_labels,
                                                                 strict=True)]
    return other, unknown, labels, {"force": force or "", "other_force": other_force,
                                    "unknown": unknown_types}


def set_aside_summary(report: dict) -> str:
    """One line naming the rows :func:`screen_rows` set aside and why ("" if none)."""
    parts = [f"{n} row{'s' if n != 1 else ''} falling within {name} (the file's force is "
             f"{report['force']})" for name, n in sorted(report["other_force"].items())]
    parts += [f"{n} row{'s' if n != 1 else ''} of unknown crime type '{label}'"
              for label, n in sorted(report["unknown"].items())]
    return "; ".join(parts)


def _fingerprint_screen(raw: bytes) -> int:
    """Bytes of the data rows, line breaks, carriage returns and a BOM not counted: equal for
    two files holding the same rows in any order (so only files that share it are hashed)."""
    start = 3 if raw.startswith(b"\xef\xbb\xbf") else 0
    header = raw.find(b"\n", start)
    if header < 0:
        return -1  # a header only (or nothing): no rows to repeat
    body = raw[header + 1:]
    return len(body) - body.count(b"\r") - body.count(b"\n")


def _fingerprint(raw: bytes) -> str:
    """The data rows as a sorted list of lines (blank lines, line endings and the header
    aside), hashed: files with the same rows in any order give the same value."""
    lines = raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")[1:]
    return hashlib.sha256(b"\n".join(sorted(line for line in lines if line.strip()))
                          ).hexdigest()


def repeated_files(files: list[Path]) -> dict[Path, Path]:
    """The files holding the same rows as an earlier file (in the order given), each with
    the first file holding them.

    Same rows means the same data lines in any order; the header, blank lines, line endings
    and a BOM do not matter. A Parquet copy repeats an earlier Parquet file with the same
    bytes, and a CSV and a Parquet file of the same name (``2023-05-avon-and-somerset-street``
    ``.csv`` and ``.parquet``, anywhere in the list) repeat each other: the later one is set
    aside. Files are read once more for this (from the operating system's cache, usually);
    only those with the same amount of row data as another are hashed.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> for name, text in (("a.csv", "h\\na\\nb\\n"), ("b.csv", "h\\r\\nb\\r\\na\\r\\n"),
    ...                    ("c.csv", "h\\na\\n")):
    ...     _ = (folder / name).write_text(text)
    >>> {p.name: q.name for p, q in repeated_files(sorted(folder.glob("*.csv"))).items()}
    {'b.csv': 'a.csv'}
    """
    screens: dict[tuple[str, int], list[Path]] = {}
    for path in files:
        try:
            raw = path.read_bytes()
        except OSError:
            continue  # the reader names the file
        if path.suffix.lower() == ".parquet" or raw.startswith(b"PAR1"):
            key = ("parquet", len(raw))
        else:
            key = ("csv", _fingerprint_screen(raw))
        if key[1] > 0:
            screens.setdefault(key, []).append(path)
    out: dict[Path, Path] = {}
    for (kind, _), paths in screens.items():
        if len(paths) < 2:
            continue
        first: dict[str, Path] = {}
        for path in paths:
            raw = path.read_bytes()
            value = (hashlib.sha256(raw).hexdigest() if kind == "parquet"
                     else _fingerprint(raw))
            if value in first:
                out[path] = first[value]
            else:
                first[value] = path
    # A re-sharer's Parquet copy beside the CSV it was made from cannot be compared by bytes;
    # it is the same file by name (rows with a blank Crime ID would otherwise count twice).
    seen: dict[str, Path] = {}
    for path in files:
        stem = path.stem.casefold()
        if path in out:
            continue
        if stem in seen and _is_parquet_name(path) != _is_parquet_name(seen[stem]):
            out[path] = seen[stem]
        else:
            seen.setdefault(stem, path)
    return out


def _is_parquet_name(path: Path) -> bool:
    return path.suffix.lower() == ".parquet"


@dataclass
class _FileRead:
    """One file's rows as points, before repeated Crime IDs are looked for."""

    path: Path
    points: pd.DataFrame
    rows: np.ndarray  # the spreadsheet row of each point
    rows_read: int
    set_aside: list[dict]
    encoding: str
    layout: str
    # What screen_rows set aside: the file's force, other forces' and unknown types' rows.
    report: dict = field(default_factory=lambda: {"force": "", "other_force": {},
                                                  "unknown": {}})


def _read_csv(path: Path) -> tuple[pd.DataFrame, np.ndarray, int, list[dict], str, str]:
    """Data rows, spreadsheet row of each, rows read, blank lines, encoding and layout."""
    raw = read_bytes(path)
    if raw.startswith(b"PAR1"):  # a Parquet copy saved with a .csv name
        return _read_parquet(path)
    text, encoding = decode_text(path, raw, not_csv=_NOT_CSV, plain=_PLAIN)
    names, respelled = _header(path, text)
    empty_line = _check_widths(path, raw, text, len(names))
    frame = _read_frame(path, text, names)
    if len(frame) != (~empty_line).sum():
        empty_line = _check_widths(path, raw, text, len(names), exact=True)
        if len(frame) != (~empty_line).sum():
            raise InputDataError(
                path, f"reads as {len(frame)} rows but has {(~empty_line).sum()} records",
                expected="a CSV file with standard double-quoting")
    # Spreadsheet row of each record pandas returns (it skips empty lines).
    rows = np.flatnonzero(~empty_line) + 2
    blank = [{"file": path.name, "row": int(r), "reason": "blank line"}
             for r in np.flatnonzero(empty_line) + 2]
    layout = LAYOUTS["csv-respelled" if respelled else "csv"]
    return frame, rows, len(empty_line), blank, encoding, layout


def _read_parquet(path: Path) -> tuple[pd.DataFrame, np.ndarray, int, list[dict], str, str]:
    """A Parquet copy as the frame its CSV would give: text (empty is missing), coordinates."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises several types for a damaged or non-Parquet file
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputDataError(path, f"is not a readable Parquet file ({first})",
                             expected="a police.uk street-level CSV file or a Parquet copy of "
                             "one") from None
    names = parquet_names(path, table.column_names)
    frame = {}
    for column, name in names.items():
        values = table[name]
        if pa.types.is_dictionary(values.type):
            values = values.cast(values.type.value_type)
        if column in ("Longitude", "Latitude") and (pa.types.is_floating(values.type)
                                                    or pa.types.is_integer(values.type)
                                                    or pa.types.is_null(values.type)):
            frame[column] = values.cast(pa.float64()).to_numpy(zero_copy_only=False)
            continue
        if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
            values = values.cast(pa.string())
        # As in the CSV, an empty value is missing.
        values = pc.if_else(pc.equal(values, ""), pa.scalar(None, values.type), values)
        frame[column] = pd.Series(values.to_numpy(zero_copy_only=False), dtype="str")
    frame = pd.DataFrame(frame, columns=list(SOURCE_COLUMNS))
    if frame["Longitude"].dtype != frame["Latitude"].dtype:  # one stored as text: both as text
        for column in ("Longitude", "Latitude"):
            frame[column] = frame[column].astype("str")
    respelled = list(names) != list(names.values())
    layout = LAYOUTS["parquet-respelled" if respelled else "parquet"]
    return frame, np.arange(len(frame), dtype=np.int64) + 2, len(frame), [], "utf-8", layout


def parquet_names(path: Path, names: list[str]) -> dict[str, str]:
    """The Parquet copy's column for each of :data:`SOURCE_COLUMNS` (any case or underscores).

    Raises
    ------
    InputDataError
        Naming the file and listing the police.uk columns, if any is missing, repeated or
        not a police.uk column (a pandas index column, ``__index_level_0__``, is ignored).

    Examples
    --------
    >>> names = ["crime_id", "month", "reported_by", "falls_within", "longitude", "latitude",
    ...          "location", "lsoa_code", "lsoa_name", "crime_type", "last_outcome_category",
    ...          "context"]
    >>> parquet_names(Path("copy.parquet"), names)["Crime ID"]
    'crime_id'
    """
    # pandas keeps a non-default index as a column of its own: not the re-sharer's data.
    names = [str(n) for n in names if not re.fullmatch(r"__index_level_\d+__", str(n))]
    canonical = _canonical(path, names, [_KEYS.get(column_key(n)) for n in names], row=None,
                           expected=_EXPECTED_PARQUET)
    found = dict(zip(canonical, names, strict=True))
    return {c: found[c] for c in SOURCE_COLUMNS}


def read_policeuk_file(path: Path) -> _FileRead:
    """One file (CSV, or a Parquet copy) as points; bad values raise, empty rows are set aside."""
    if path.suffix.lower() == ".parquet":
        frame, rows, rows_read, set_aside, encoding, layout = _read_parquet(path)
    else:
        frame, rows, rows_read, set_aside, encoding, layout = _read_csv(path)

    ordinals, no_month, header_again = _months(path, frame["Month"], rows)
    drop = np.zeros(len(frame), dtype=bool)
    if no_month.any():
        nothing = frame.loc[no_month].isna().all(axis=1).to_numpy()
        if not nothing.all():
            first = int(rows[np.flatnonzero(no_month)[~nothing][0]])
            raise InputDataError(path, "the month is empty", row=first, column="Month",
                                 expected="a month written YYYY-MM, e.g. 2023-05")
        drop[no_month] = True
        set_aside += [{"file": path.name, "row": int(r), "reason": "row with no values"}
                      for r in rows[no_month]]
    if header_again.any():
        # Monthly files joined with `cat` repeat the header; anything else is an error.
        again = frame.loc[header_again]
        same = np.all([again[c].fillna("").str.strip().str.casefold() == c.casefold()
                       for c in SOURCE_COLUMNS], axis=0)
        if not same.all():
            first = int(rows[np.flatnonzero(header_again)[~same][0]])
            raise InputDataError(path, "'Month' is not a month", row=first, column="Month",
                                 expected="a month written YYYY-MM, e.g. 2023-05")
        drop[header_again] = True
        set_aside += [{"file": path.name, "row": int(r), "reason": "repeated header row"}
                      for r in rows[header_again]]
    if drop.any():
        frame, ordinals, rows = frame.loc[~drop], ordinals[~drop], rows[~drop]
    set_aside.sort(key=lambda item: item["row"])

    coords = _coordinates(path, frame, rows)
    force_codes, force_labels = pd.factorize(frame["Falls within"])
    type_codes, type_labels = pd.factorize(frame["Crime type"])
    other, unknown, labels, report = screen_rows(path, list(force_labels), force_codes,
                                                  list(type_labels), type_codes)
    frame = frame.assign(**{"Crime type": frame["Crime type"].map(
        dict(zip(type_labels, labels, strict=True))).astype(frame["Crime type"].dtype)})
    drop = other | unknown
    if drop.any():
        for r, i in zip(rows[drop].tolist(), np.flatnonzero(drop).tolist(), strict=True):
            reason = (f"falls within another force: {frame['Falls within'].iloc[i]} (the "
                      f"file's force is {report['force']})" if other[i] else
                      f"unknown crime type '{type_labels[type_codes[i]]}' (not a police.uk "
                      "crime type)")
            set_aside.append({"file": path.name, "row": int(r), "reason": reason})
        set_aside.sort(key=lambda item: item["row"])
        frame, ordinals, rows = frame.loc[~drop], ordinals[~drop], rows[~drop]
        coords = {c: v[~drop] for c, v in coords.items()}
    points = frame.rename(columns=_RENAME)
    points["month"] = pd.PeriodIndex.from_ordinals(ordinals, freq="M")
    points["longitude"] = coords["Longitude"]
    points["latitude"] = coords["Latitude"]
    points["source_file"] = path.name
    points = points[POINT_COLUMNS].reset_index(drop=True)
    return _FileRead(path, points, rows, rows_read, set_aside, encoding, layout, report)


def _as_repeat(read: _FileRead, first: Path) -> _FileRead:
    """A file repeating an earlier one: read (so its rows are counted as read), all set
    aside."""
    reason = f"same rows as earlier file {first.name} (a copy of it)"
    set_aside = read.set_aside + [{"file": read.path.name, "row": int(r), "reason": reason}
                                  for r in read.rows.tolist()]
    set_aside.sort(key=lambda item: item["row"])
    return _FileRead(read.path, read.points.iloc[:0], read.rows[:0], read.rows_read,
                     set_aside, read.encoding, read.layout,
                     {"force": read.report["force"], "other_force": {}, "unknown": {},
                      "same_rows_as": first.name})


def policeuk_files(paths: str | Path | Iterable[str | Path]) -> tuple[list[Path], list[str]]:
    """The police.uk files named or found in folders (``*.csv``, ``*.parquet``), in the order
    every police.uk reader takes them, sorted resolved paths; and the other files seen.

    The order decides which of two rows with one Crime ID is counted: the first.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> for name in ("b/2023-01-street.csv", "a-extract.parquet", "b/notes.txt"):
    ...     (folder / name).parent.mkdir(exist_ok=True)
    ...     _ = (folder / name).write_text("x")
    >>> files, ignored = policeuk_files([folder / "b", folder / "a-extract.parquet"])
    >>> [p.relative_to(folder).as_posix() for p in files], [Path(p).name for p in ignored]
    (['a-extract.parquet', 'b/2023-01-street.csv'], ['notes.txt'])
    """
    files, ignored = find_data_files(paths, _EXPECTED_FILES)
    return sorted(files), ignored


def _repeated_ids(reads: list[_FileRead], ids: pd.Series) -> tuple[np.ndarray, list[dict]]:
    """Which rows repeat a Crime ID seen earlier (files in order), and their set-aside entries.

    The ID text is compared exactly, stripped of surrounding spaces; a blank ID never repeats.
    """
    key = ids.str.strip()
    key = key.where(key != "")
    repeat = (key.notna() & key.duplicated()).to_numpy()
    if not repeat.any():
        return repeat, []
    # factorize numbers the IDs in order of first appearance: ID k first appears at the k-th
    # row that is not a repeat.
    codes = pd.factorize(key)[0]
    first_of_code = np.flatnonzero((codes >= 0) & ~repeat)
    at = np.flatnonzero(repeat)
    first = first_of_code[codes[at]]
    file_of = np.repeat(np.arange(len(reads)), [len(r.points) for r in reads])
    rows = np.concatenate([r.rows for r in reads])
    entries = []
    for i, j in zip(at.tolist(), first.tolist(), strict=True):
        reason = DUPLICATE_REASONS[0 if file_of[i] == file_of[j] else 1]
        entries.append({"file": reads[file_of[i]].path.name, "row": int(rows[i]),
                        "reason": f"{reason}; first at {reads[file_of[j]].path.name} "
                        f"row {int(rows[j])}", "_order": int(file_of[i])})
    return repeat, entries


# ---------------------------------------------------------------------------------------------
# Public


def read_policeuk(paths: str | Path | Iterable[str | Path]) -> PoliceUkLoad:
    """Load police.uk street-level files as points, with the row accounting.

    Parameters
    ----------
    paths : path or iterable of paths
        CSV files (or Parquet copies of them) and/or folders, searched recursively for
        ``*.csv`` and ``*.parquet``; files are read in sorted path order.

    Returns
    -------
    PoliceUkLoad
        ``.points`` (:data:`POINT_COLUMNS`), ``.files`` (rows read, loaded and set aside per
        file, repeated Crime IDs, months, encoding, layout), ``.set_aside`` (file, row,
        reason) and ``.no_location``. For every file ``rows_read = rows_loaded +
        rows_set_aside``.

    Notes
    -----
    A row whose ``Crime ID`` (stripped of surrounding spaces) was already seen, in the same
    file or an earlier one, is set aside (police.uk lists some crimes twice; a folder may hold
    a force file and a borough extract of it): the first row is loaded. Blank IDs
    (anti-social behaviour) are never repeats. A file with the same rows as an earlier one
    (:func:`repeated_files`), rows of another force than the file's (:func:`file_force`) and
    rows of an unknown crime type are set aside with their reason; crime types are loaded as
    police.uk spells them (:func:`canonical_crime_type`).

    Raises
    ------
    InputDataError
        For a header without the police.uk columns, a row with too many or too few values, a
        month that is not ``YYYY-MM``, a coordinate that is not a number or lies outside the
        UK, a file that is not CSV text or a readable Parquet copy; the message names the
        file, row and column.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "2023-05-metropolitan-street.csv").write_text(
    ...     ",".join(SOURCE_COLUMNS) + "\\n"
    ...     "a1,2023-05,Metropolitan Police Service,Metropolitan Police Service,-0.2,51.6,"
    ...     "On or near High Street,E01000248,Barnet 001A,Burglary,Under investigation,\\n"
    ...     "\\n"
    ...     "b2,2023-05,Metropolitan Police Service,Metropolitan Police Service,,,"
    ...     "No Location,,,Burglary,Under investigation,\\n"
    ...     "a1,2023-05,Metropolitan Police Service,Metropolitan Police Service,-0.2,51.6,"
    ...     "On or near High Street,E01000248,Barnet 001A,Burglary,Status update unavailable,\\n")
    >>> load = read_policeuk(folder)
    >>> load.files[["rows_read", "rows_loaded", "rows_set_aside", "duplicates_same_file",
    ...             "no_location"]]
       rows_read  rows_loaded  rows_set_aside  duplicates_same_file  no_location
    0          4            2               2                     1            1
    >>> load.set_aside.to_dict("records")  # doctest: +NORMALIZE_WHITESPACE
    [{'file': '2023-05-metropolitan-street.csv', 'row': 3, 'reason': 'blank line'},
     {'file': '2023-05-metropolitan-street.csv', 'row': 5,
      'reason': 'duplicate Crime ID (same file); first at 2023-05-metropolitan-street.csv row 2'}]
    >>> load.points[["crime_id", "month", "longitude", "location"]]
      crime_id    month  longitude                location
    0       a1  2023-05       -0.2  On or near High Street
    1       b2  2023-05        NaN             No Location
    """
    files, ignored = policeuk_files(paths)
    repeats = repeated_files(files)
    reads = [read_policeuk_file(path) for path in files]
    reads = [_as_repeat(r, repeats[r.path]) if r.path in repeats else r for r in reads]
    if reads:
        table = pd.concat([r.points for r in reads], ignore_index=True)
    else:  # pragma: no cover - find_data_files never returns no files
        table = pd.DataFrame(columns=POINT_COLUMNS)
    repeat, repeats = _repeated_ids(reads, table["crime_id"])
    same = np.zeros(len(reads), dtype=np.int64)
    earlier = np.zeros(len(reads), dtype=np.int64)
    for entry in repeats:
        (same if entry["reason"].startswith(DUPLICATE_REASONS[0]) else earlier)[
            entry["_order"]] += 1
    set_aside = [dict(entry, _order=i) for i, r in enumerate(reads) for entry in r.set_aside]
    set_aside = sorted(set_aside + repeats, key=lambda entry: (entry["_order"], entry["row"]))
    keep = ~repeat
    ends = np.cumsum([len(r.points) for r in reads])
    infos = []
    for i, (read, end) in enumerate(zip(reads, ends, strict=True)):
        start = end - len(read.points)
        kept = read.points.loc[keep[start:end]]
        loaded = len(kept)
        infos.append({
            "file": read.path.name, "rows_read": read.rows_read, "rows_loaded": loaded,
            "rows_set_aside": read.rows_read - loaded,
            "duplicates_same_file": int(same[i]), "duplicates_earlier_file": int(earlier[i]),
            "no_location": int(kept["longitude"].isna().sum()),
            "first_month": str(kept["month"].min()) if loaded else "",
            "last_month": str(kept["month"].max()) if loaded else "",
            "other_force": sum(read.report["other_force"].values()),
            "unknown_crime_type": sum(read.report["unknown"].values()),
            "same_rows_as": read.report.get("same_rows_as", ""),
            "force": read.report["force"], "encoding": read.encoding,
            "layout": read.layout, "path": str(read.path),
        })
    points = table.loc[keep].reset_index(drop=True) if repeat.any() else table
    return PoliceUkLoad(
        points=points,
        files=pd.DataFrame(infos, columns=_FILE_COLUMNS),
        set_aside=pd.DataFrame(set_aside, columns=["file", "row", "reason"]).astype(
            {"row": "int64"}),
        ignored_files=ignored,
    )


def load_policeuk(paths: str | Path | Iterable[str | Path]) -> pd.DataFrame:
    """Load police.uk street-level files as one points table (:data:`POINT_COLUMNS`).

    Shorthand for ``read_policeuk(paths).points``; use :func:`read_policeuk` for the row
    accounting (``rows_read = rows_loaded + rows_set_aside`` per file, repeated Crime IDs
    among the rows set aside). Crimes without a location are kept with NaN coordinates; a
    repeat of a Crime ID already loaded is not.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> path = Path(tempfile.mkdtemp()) / "street.csv"
    >>> _ = path.write_text(",".join(SOURCE_COLUMNS) + "\\n"
    ...     ",2023-06,Metropolitan Police Service,Metropolitan Police Service,-0.21,51.61,"
    ...     "On or near Park Road,E01000200,Barnet 024C,Anti-social behaviour,,\\n")
    >>> points = load_policeuk(path)
    >>> points[["crime_id", "month", "latitude", "crime_type"]]
      crime_id    month  latitude             crime_type
    0      NaN  2023-06     51.61  Anti-social behaviour
    >>> points.dtypes["month"]
    period[M]
    """
    return read_policeuk(paths).points
