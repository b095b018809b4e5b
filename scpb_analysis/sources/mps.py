"""Metropolitan Police recorded crime, from every layout the MPS has published.

Layouts read (see ``../shared/data/README.md`` for the vintages they come from), as the
publisher's CSV or as a re-sharer's Parquet copy of it (column names matched in any case or
``_``/space spelling, e.g. ``majortext`` or ``month_year``):

- "MPS Borough Level Crime", wide, one column per month ``YYYYMM`` after the identifiers
  ``Borough, Major Category, Minor Category`` (2008 coding),
  ``MajorText, MinorText, LookUp_BoroughName`` (2019 coding) or
  ``MajorText, MinorText, BoroughName`` (2024 recoding, upper-case categories);
- "MPS Ward Level Crime", wide: ``MajorText, MinorText, WardName, WardCode,
  LookUp_BoroughName``;
- "MPS LSOA Level Crime", wide: ``LSOA Code, LSOA Name, Borough, Major Category, Minor
  Category`` (or ``MajorText, MinorText``);
- the long "MPS Monthly Crime Dashboard" extract: ``Month_Year, Area Type, Borough_SNT,
  Area name, Area code, Offence Group, Offence Subgroup, Measure, Financial Year,
  FY_FYIndex, Count, Refresh Date`` (a re-shared copy names the offence columns
  ``crime_type, crime_subtype``).

Every file becomes rows of the tidy count table (one row per month x area x indicator x
measure). The MPS leaves out a category x area row that is zero in every month of a file: an
area the file holds, without a row for an indicator the file holds, is read as zero for the
file's months, and flagged (``zero_filled``). Files of one publication (borough, ward, LSOA,
dashboard) compete with each other only: the newest vintage wins month by month; the values
it replaced are kept in a revisions report (restatement or coding change), and changes of
coding or definition between months are reported as series breaks.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import re
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from scpb_analysis.core.errors import InputDataError
from scpb_analysis.core.marker import MARKER_FILENAME
from scpb_analysis.core.words import counted
from scpb_analysis.reference.geography import (
    canonical_borough,
    is_non_borough_area,
    london_boroughs,
)
from scpb_analysis.reference.taxonomy import (
    UNMAPPED_PREFIX,
    breaks_table,
    category_schemes,
    definitions_table,
    map_category,
    normalise_label,
)
from scpb_analysis.sources.files import (
    DATA_SUFFIXES,
    column_key,
    decode_text,
    find_data_files,
    other_delimiter,
    read_bytes,
)

__all__ = [
    "area_ward_crime",
    "TIDY_COLUMNS",
    "PUBLICATIONS",
    "FIGURES",
    "MpsCrimeLoad",
    "read_mps_crime",
    "read_mps_crime_as_published",
    "read_mps_crime_for_period",
    "load_mps_crime",
    "revision_summary",
    "revision_text",
]

TIDY_COLUMNS = [
    "month",
    "area_type",
    "area_code",
    "area_name",
    "borough",
    "indicator",
    "measure",
    "count",
    "vintage",
    "scheme",
    "source_file",
    "synthetic",
    "publication",
    "zero_filled",
]

#: The MPS publication each layout belongs to. Files compete (newest vintage wins) only with
#: files of the same publication.
PUBLICATIONS = {
    "borough": "MPS Borough Level Crime",
    "ward": "MPS Ward Level Crime",
    "lsoa": "MPS LSOA Level Crime",
    "dashboard": "MPS Monthly Crime Dashboard",
}
# Where two publications hold the same area, indicator, measure and month, the first here wins.
_PRIORITY = ("borough", "ward", "lsoa", "dashboard")


@dataclass(frozen=True)
class _WideLayout:
    product: str
    columns: tuple[str, ...]  # the published spelling of the identifier columns
    roles: tuple[str, ...]  # what each identifier column holds
    scheme: str | None  # None: decided from the case of the category names

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(column_key(c) for c in self.columns)


_WIDE_LAYOUTS = (
    _WideLayout("borough", ("Borough", "Major Category", "Minor Category"),
                ("borough", "major", "minor"), "mps_2008"),
    _WideLayout("borough", ("MajorText", "MinorText", "LookUp_BoroughName"),
                ("major", "minor", "borough"), None),
    _WideLayout("borough", ("MajorText", "MinorText", "BoroughName"),
                ("major", "minor", "borough"), None),
    _WideLayout("ward", ("MajorText", "MinorText", "WardName", "WardCode", "LookUp_BoroughName"),
                ("major", "minor", "area_name", "area_code", "borough"), None),
    _WideLayout("ward", ("MajorText", "MinorText", "WardName", "WardCode", "BoroughName"),
                ("major", "minor", "area_name", "area_code", "borough"), None),
    _WideLayout("lsoa", ("LSOA Code", "LSOA Name", "Borough", "Major Category", "Minor Category"),
                ("area_code", "area_name", "borough", "major", "minor"), None),
    _WideLayout("lsoa", ("LSOA Code", "LSOA Name", "Borough", "MajorText", "MinorText"),
                ("area_code", "area_name", "borough", "major", "minor"), None),
)

# The dashboard extract: role -> accepted column spellings (first = as published).
_DASHBOARD_ROLES = {
    "month": ("Month_Year",),
    "area_type": ("Area Type",),
    "borough_snt": ("Borough_SNT",),
    "area_name": ("Area name",),
    "area_code": ("Area code",),
    "group": ("Offence Group", "crime_type"),
    "subgroup": ("Offence Subgroup", "crime_subtype"),
    "measure": ("Measure",),
    "count": ("Count",),
}
_DASHBOARD_OPTIONAL = ("Financial Year", "FY_FYIndex", "Refresh Date")
_DASHBOARD_COLUMNS = tuple(v[0] for v in _DASHBOARD_ROLES.values()) + _DASHBOARD_OPTIONAL

_EXPECTED_HEADERS = (
    ", ".join(f"'{', '.join(layout.columns)}'" for layout in _WIDE_LAYOUTS)
    + ", each followed by one column per month YYYYMM; or the MPS Monthly Crime Dashboard "
    "columns " + ", ".join(_DASHBOARD_COLUMNS)
    + " (as CSV, or a Parquet copy with the column names in any case)"
)
_MONTH_RE = re.compile(r"^(\d{4})(0[1-9]|1[0-2])$")
_COUNT_RE = re.compile(r"^(\d+|\d{1,3}(,\d{3})+)(\.0+)?$")
_COUNT_EXPECTED = "a whole number of 0 or more"
# No area records a million offences of one kind in a month: the largest cell in every real
# vintage (borough, ward, LSOA, dashboard) is under 11,000 and London's whole monthly total is
# under 100,000. A larger count is a unit or export error, not a figure.
_COUNT_MAX = 1_000_000
_COUNT_LIMIT = f"a whole number from 0 to {_COUNT_MAX:,} (a month's offences in one area)"
# Area types that are filled with zeros where a file has no row for them.
_FILLED_AREAS = ("borough", "ward", "lsoa")
_ZERO_FILL_REASON = ("read as 0: the file holds the area and the indicator but no row for "
                     "them (the MPS leaves out rows that are zero in every month)")


@dataclass
class _ParsedFile:
    path: Path
    layout: str  # the product: borough, ward, lsoa or dashboard
    scheme: str
    encoding: str
    long: pd.DataFrame  # tidy rows before combining, with a 'row' column (0 = zero-filled)
    rows_read: int
    blank_rows: list[int]
    first_month: pd.Period
    last_month: pd.Period
    synthetic: bool
    recognised: str = ""
    refresh_date: str = ""
    vintage: pd.Period | None = None
    vintage_basis: str = ""
    # London boroughs and the (normalised) major groups each holds, at the file's own level.
    majors: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["borough",
                                                                              "major"]))
    digest: str = ""  # SHA-256 of the file's bytes
    # Months left out of the load, with the reason and the cells they held.
    set_aside_months: dict = field(default_factory=dict)

    @property
    def definitions(self) -> dict[str, str]:
        table = definitions_table()
        mine = table[table["scheme"] == self.scheme]
        return dict(zip(mine["indicator"], mine["definition"], strict=True))


@dataclass
class MpsCrimeLoad:
    """The result of loading MPS crime files: the tidy table and its reports.

    Attributes
    ----------
    table : DataFrame
        The tidy count table (:data:`TIDY_COLUMNS`), one row per month x area x indicator x
        measure, newest vintage of each publication winning month by month.
    files : DataFrame
        One row per file: publication, layout recognised, coding scheme, encoding, months,
        vintage and how it was decided, synthetic flag, row accounting (``rows_read =
        rows_loaded + rows_set_aside``) and how many area x indicator rows were read as zero;
        a file not read because it repeats another has ``duplicate_of`` saying which (and
        whether by its bytes or its rows), and all its rows set aside.
    accounting : DataFrame
        Rows and cells per file and outcome (loaded, superseded by a newer vintage, blank,
        held by another publication, read as zero, a month set aside as incomplete, a copy of
        another file).
    revisions : DataFrame
        For every month x area x indicator that more than one file of a publication holds:
        each file's value, which one was used, the difference from it, and whether the
        difference is a ``restatement`` (same coding) or a ``coding change`` (or the file
        used does not hold the series: ``not in the file used``).
    breaks : DataFrame
        Months at which a series is not like for like with the month before (coding change,
        definition change, recording-system change, seam between vintages, gap).
    unmapped : DataFrame
        Source categories not in the taxonomy, carried as ``UNMAPPED: major / minor``.
    zero_filled : DataFrame
        Area x indicator series a file has no row for and which were read as zero.
    ignored_files : list of str
        Files in the folders given that are not CSV or Parquet, or are the MPS homicide or
        VAWG extracts (:func:`~scpb_analysis.sources.mps_extracts.extract_layout`), and were
        not read.
    later_files : list of str
        Files left out because they were published after the period's first publication
        (:func:`read_mps_crime_as_published`).
    notes : list of str
        What was set aside and why, in words for the user (also issued as warnings): a month
        extracted before it was complete, a file given twice.
    """

    table: pd.DataFrame
    files: pd.DataFrame
    accounting: pd.DataFrame
    revisions: pd.DataFrame
    breaks: pd.DataFrame
    unmapped: pd.DataFrame
    zero_filled: pd.DataFrame = field(default_factory=pd.DataFrame)
    ignored_files: list[str] = field(default_factory=list)
    later_files: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def synthetic(self) -> bool:
        """True if any loaded file is synthetic demo data."""
        return bool(self.files["synthetic"].any()) if len(self.files) else False

    def publications_text(self) -> str:
        """The publications the table came from, in words, for a page or a CSV header.

        Per publication, its newest vintage read, and how many older ones fill months it
        does not cover, e.g. ``"MPS Borough Level Crime to July 2023 (2 files; 3 earlier
        publications fill earlier months)"``.
        """
        from scpb_analysis.core.periods import month_label

        parts = []
        read = self.files
        if "duplicate_of" in read:
            read = read[read["duplicate_of"] == ""]
        for publication, files in read.groupby("publication", sort=True):
            newest = files["vintage"].max()
            group = files[files["vintage"] == newest]
            refresh = ", ".join(sorted({d for r in group["refresh_date"] if r
                                        for d in r.split("; ")}))
            older = files.loc[files["vintage"] != newest, "vintage"].nunique()
            detail = f"{len(group)} file{'s' if len(group) > 1 else ''}"
            if older:
                detail += (f"; {older} earlier publication{'s' if older > 1 else ''} "
                           "fill earlier months")
            parts.append(f"{publication} to {month_label(pd.Period(newest, freq='M'))}"
                         + (f", refreshed {refresh}" if refresh else "") + f" ({detail})")
        return "; ".join(parts)


# ---------------------------------------------------------------------------------------------
# Reading one file into a frame of strings


_NOT_CSV = ("a comma-separated text file as published on the London Datastore (save the sheet "
            "as CSV first), or a Parquet copy of one")


def _split_rows(path: Path, text: str) -> list[list[str]]:
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise InputDataError(path, f"is not readable as CSV ({exc})",
                             expected="a comma-separated text file") from None
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise InputDataError(path, "has no header row", row=1, expected=_EXPECTED_HEADERS)
    # A file saved with another separator reads as one column per line; say so, rather than
    # that the header is unknown or that row 11 has the wrong number of values.
    other = other_delimiter(rows[0])
    if other is not None:
        sep, name = other
        raise InputDataError(
            path, f"has its values separated by {name} ({sep!r}), not commas", row=1,
            expected="a comma-separated file as the MPS publishes it (save it again as "
            "CSV with ',' as the delimiter)")
    return rows


def _trim_trailing_empty_columns(path: Path, rows: list[list[str]]) -> list[list[str]]:
    header = rows[0]
    keep = len(header)
    while keep and not header[keep - 1].strip():
        keep -= 1
    for number, row in enumerate(rows[1:], start=2):
        extra = [c for c in row[keep:] if c.strip()]
        if extra:
            raise InputDataError(
                path,
                f"has a value '{extra[0]}' under an empty header",
                row=number,
                column=f"#{keep + 1}",
                expected="every value to sit under a named column",
            )
    return [row[:keep] for row in rows]


def _body_frame(path: Path, header: list[str],
                rows: list[list[str]]) -> tuple[pd.DataFrame, list[int]]:
    """Data rows as strings indexed by file row number (header = row 1), and the blank rows."""
    width = len(header)
    body: list[list[str]] = []
    numbers: list[int] = []
    blank: list[int] = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            blank.append(number)
            continue
        if len(row) != width:
            raise InputDataError(path, f"has {len(row)} values where the header has {width}",
                                 row=number, expected=f"{width} comma-separated values")
        body.append(row)
        numbers.append(number)
    frame = pd.DataFrame(body, columns=header, index=pd.Index(numbers, name="row"), dtype=object)
    return frame, blank


@dataclass
class _Source:
    """One file's header and rows, however it was stored."""

    header: list[str]
    frame: pd.DataFrame  # indexed by row number as a spreadsheet shows it (header = row 1)
    blank: list[int]
    encoding: str
    rows_read: int
    storage: str  # "CSV" or "Parquet"


def _read_csv(path: Path) -> _Source:
    raw = read_bytes(path)
    if raw.startswith(b"PAR1"):
        return _read_parquet(path)
    text, encoding = decode_text(path, raw, not_csv=_NOT_CSV, plain="a comma-separated text file")
    rows = _trim_trailing_empty_columns(path, _split_rows(path, text))
    header = [h.strip() for h in rows[0]]
    frame, blank = _body_frame(path, header, rows)
    return _Source(header, frame, blank, encoding, len(rows) - 1, "CSV")


def _read_parquet(path: Path) -> _Source:
    import pyarrow.parquet as pq

    try:
        # Text as categoricals: a long extract repeats a few hundred values 470,000 times.
        frame = pq.read_table(path).to_pandas(strings_to_categorical=True)
    except Exception as exc:  # pyarrow raises several types for a damaged or non-Parquet file
        raise InputDataError(path, f"is not a readable Parquet file ({exc})",
                             expected="a Parquet copy of an MPS publication") from None
    header = [str(c).strip() for c in frame.columns]
    frame.columns = header
    for col in header:
        values = frame[col]
        if pd.api.types.is_datetime64_any_dtype(values):
            values = values.dt.strftime("%Y-%m-%d").astype("category")
        elif pd.api.types.is_integer_dtype(values):
            continue
        elif not isinstance(values.dtype, pd.CategoricalDtype):
            values = values.astype(object).astype("category")
        cats = values.cat.categories
        frame[col] = values.cat.rename_categories([str(c) for c in cats]).cat.add_categories(
            [] if "" in cats else [""]).fillna("")
    frame.index = pd.RangeIndex(2, len(frame) + 2, name="row")
    return _Source(header, frame, [], "parquet", len(frame), "Parquet")


# ---------------------------------------------------------------------------------------------
# Parsing the layouts


def _is_synthetic(path: Path) -> bool:
    return (path.parent / MARKER_FILENAME).exists() or "synthetic" in path.name.lower()


def _scheme_of(base: str | None, majors: Iterable[str], minors: Iterable[str],
               pairs: Iterable[tuple[str, str]]) -> str:
    """The coding of a file: fixed by its header, a listed coding of its names, or their case."""
    listed: set[str] = set()
    for major, minor in pairs:
        listed |= category_schemes(major, minor)
    for special in ("home_office_2023", "mps_dashboard"):
        if special in listed:
            return special
    if base is not None:
        return base
    letters = "".join(majors) + "".join(minors)
    cased = [ch for ch in letters if ch.isalpha()]
    return "mps_2024" if cased and all(ch.isupper() for ch in cased) else "mps_2019"


def _parse_counts(path: Path, frame: pd.DataFrame, columns: Sequence[str]) -> np.ndarray:
    """Validate count cells and return them as int64; errors name the first bad cell.

    ``frame`` is indexed by file row number, so the error can name the row.
    """
    block = frame[list(columns)]
    if all(pd.api.types.is_integer_dtype(block[c]) for c in columns):
        # Python integers: an unsigned 64-bit Parquet column must not wrap round to negative.
        wide = block.to_numpy(dtype=object)
        big = np.vectorize(lambda v: int(v) > _COUNT_MAX, otypes=[bool])(wide)
        if big.any():
            r, c = np.argwhere(big)[0]
            raise InputDataError(path, f"the count {wide[r, c]} is too large to be a month's "
                                 "offences", row=int(frame.index[r]), column=str(columns[c]),
                                 expected=_COUNT_LIMIT)
        counts = block.to_numpy(dtype=np.int64)
        if (counts >= 0).all():
            return counts
        r, c = np.argwhere(counts < 0)[0]
        raise InputDataError(path, f"the count {counts[r, c]} is negative",
                             row=int(frame.index[r]), column=str(columns[c]),
                             expected=_COUNT_EXPECTED)
    # Counts repeat: each distinct cell is parsed once (np.char on a million cells was slow).
    codes, uniques = pd.factorize(block.to_numpy(dtype=object).ravel(), use_na_sentinel=False)
    try:
        distinct = np.char.strip(np.asarray(uniques, dtype=object).astype(str)).astype(np.int64)
    except (ValueError, OverflowError):
        distinct = None
    if distinct is not None and (distinct >= 0).all():
        return _check_count_limit(path, frame, columns, distinct[codes].reshape(block.shape))
    text = np.char.strip(block.to_numpy(dtype=str))
    try:
        counts = text.astype(np.int64)
    except (ValueError, OverflowError):
        counts = None
    if counts is not None and (counts >= 0).all():
        return _check_count_limit(path, frame, columns, counts)
    # Slow path: exports re-saved from Excel write "1,234" or "12.0"; anything else is an error.
    ok = np.vectorize(lambda cell: bool(_COUNT_RE.match(cell)), otypes=[bool])(text)
    if not ok.all():
        r, c = np.argwhere(~ok)[0]
        cell = str(text[r, c])
        if cell == "":
            problem = "the count is empty"
        elif re.match(r"^-\s*\d", cell):
            problem = f"the count {cell} is negative"
        else:
            problem = f"'{cell}' is not a count"
        raise InputDataError(path, problem, row=int(frame.index[r]), column=str(columns[c]),
                             expected=_COUNT_EXPECTED)
    cleaned = np.char.partition(np.char.replace(text, ",", ""), ".")[..., 0]
    long_cells = np.char.str_len(cleaned) > 18
    if long_cells.any():
        r, c = np.argwhere(long_cells)[0]
        raise InputDataError(path, f"the count {text[r, c]} is too large to be a month's "
                             "offences", row=int(frame.index[r]), column=str(columns[c]),
                             expected=_COUNT_LIMIT)
    return _check_count_limit(path, frame, columns, cleaned.astype(np.int64))


def _check_count_limit(path: Path, frame: pd.DataFrame, columns: Sequence[str],
                       counts: np.ndarray) -> np.ndarray:
    if (counts <= _COUNT_MAX).all():
        return counts
    r, c = np.argwhere(counts > _COUNT_MAX)[0]
    raise InputDataError(path, f"the count {counts[r, c]} is too large to be a month's offences",
                         row=int(frame.index[r]), column=str(columns[c]), expected=_COUNT_LIMIT)


@dataclass(frozen=True)
class _Area:
    area_type: str
    area_code: str
    borough: str


@functools.cache
def _borough_codes() -> dict[str, str]:
    # Indexing the reference table again for each distinct name took a second a load.
    boroughs = london_boroughs()
    return dict(zip(boroughs["borough"], boroughs["borough_code"], strict=True))


def _resolve_borough(path: Path, raw: str, row: int, column: str) -> _Area:
    codes = _borough_codes()
    text = str(raw).strip()
    if is_non_borough_area(text):
        return _Area("other", "", text)
    try:
        name = canonical_borough(text)
    except KeyError as exc:
        raise InputDataError(
            path,
            exc.args[0],
            row=row,
            column=column,
            expected="one of the 32 London boroughs (name or GSS code), or a known non-borough "
            "row such as 'Aviation Security (SO18)' or 'Unknown'",
        ) from None
    return _Area("borough", codes[name], name)


def _area_columns(path: Path, names: pd.Series, column: str) -> pd.DataFrame:
    """Canonical borough names and codes; non-borough rows kept with area_type 'other'."""
    # Once per distinct name, in the order of first appearance (the first unknown one is
    # the one reported): a file repeats each borough thousands of times.
    codes, uniques = pd.factorize(names, use_na_sentinel=False)
    first_row = names.index[np.unique(codes, return_index=True)[1]]
    areas = [_resolve_borough(path, raw, int(row), column)
             for raw, row in zip(uniques, first_row, strict=True)]
    return pd.DataFrame({key: np.array([getattr(a, key) for a in areas], dtype=object)[codes]
                         for key in ("area_type", "area_code", "borough")}, index=names.index)


def _check_duplicates(path: Path, keys: pd.DataFrame, what: str) -> None:
    dup = keys.duplicated(keep=False)
    if dup.any():
        rows = keys.index[dup]
        first = keys.loc[rows].drop_duplicates().iloc[0]
        same = keys.index[(keys == first).all(axis=1)]
        detail = ", ".join(f"{c}={first[c]!r}" for c in keys.columns)
        raise InputDataError(
            path,
            f"row {int(same[1])} duplicates row {int(same[0])} (same {what}: {detail})",
            row=int(same[1]),
            expected="each category and area to appear once per file (and once per month in "
            "long files)",
        )


def _check_respelled(path: Path, frame: pd.DataFrame, shown: Sequence[str],
                     canonical: pd.DataFrame, what: str = "category or area",
                     expected: str = "each category and area to appear once per file") -> None:
    """Two rows that are one category and area spelled two ways ("BARNET" and "Barnet")
    would each be loaded and summed: the same offences counted twice. ``canonical`` holds
    each row's normalised key; ``shown`` the columns quoted as the file spells them."""
    repeated = canonical.duplicated(keep=False)
    if not repeated.any():
        return
    first = canonical[repeated].iloc[0]
    rows = canonical.index[(canonical == first).all(axis=1)]
    spelled = " and ".join(
        "(" + ", ".join(f"{col}={frame.loc[r, col]!r}" for col in shown) + ")"
        for r in rows[:2])
    raise InputDataError(
        path, f"row {int(rows[1])} repeats row {int(rows[0])} with the {what} spelled "
        f"differently: {spelled}; loading both would count the same offences twice",
        row=int(rows[1]), expected=expected)


def _map_unique(values: pd.Series, func) -> np.ndarray:
    """``func`` applied once per distinct value."""
    codes, uniques = pd.factorize(values)
    return np.array([func(u) for u in uniques], dtype=object)[codes]


def _recognised(product: str, found: Sequence[str], published: Sequence[str],
                storage: str) -> str:
    spelled = [c.strip() for c in found] != list(published)
    how = "Parquet copy" if storage == "Parquet" else "CSV"
    if spelled:
        how += ", column names re-spelled"
    return f"{PUBLICATIONS[product]} ({', '.join(published[:5])}; {how})"


def _no_data_rows(path: Path, source: _Source) -> None:
    if source.frame.empty:
        raise InputDataError(path, "has no data rows (only the header"
                             + (" and blank lines)" if source.blank else ")"),
                             expected="the header followed by one row per category and area")


def _check_month_run(path: Path, months: pd.PeriodIndex, column: str | None) -> None:
    """A publication covers a run of months: a month missing inside it is not zero offences."""
    run = pd.period_range(months.min(), months.max(), freq="M")
    missing = run.difference(months)
    if len(missing):
        shown = ", ".join(m.strftime("%Y%m") for m in missing[:6]) + (
            f" and {len(missing) - 6} more" if len(missing) > 6 else "")
        raise InputDataError(
            path, f"has no data for month{'s' if len(missing) > 1 else ''} {shown} inside its "
            f"span {months.min().strftime('%Y%m')}-{months.max().strftime('%Y%m')}",
            row=1 if column is None else None, column=column,
            expected="every month from the first to the last, with no gap")


def _majors_held(path: Path, area: pd.DataFrame, major: pd.Series) -> pd.DataFrame:
    london = (area["area_type"] != "other").to_numpy()
    return pd.DataFrame({"borough": area["borough"].to_numpy()[london],
                         "major": _map_unique(major[london], normalise_label)}
                        ).drop_duplicates().reset_index(drop=True)


def _parse_wide(path: Path, source: _Source, layout: _WideLayout) -> _ParsedFile:
    header = source.header
    n_id = len(layout.columns)
    month_cols = header[n_id:]
    if not month_cols:
        raise InputDataError(path, "has no month columns", row=1,
                             expected="one column per month named YYYYMM after the identifiers")
    _no_data_rows(path, source)
    seen: set[str] = set()
    for col in month_cols:
        if not _MONTH_RE.match(col):
            raise InputDataError(path, f"column '{col}' is not a month", row=1, column=col,
                                 expected="month columns named YYYYMM, e.g. 202305")
        if col in seen:
            raise InputDataError(path, f"month column '{col}' appears twice", row=1, column=col,
                                 expected="each month once")
        seen.add(col)
    frame = source.frame
    id_cols = dict(zip(layout.roles, header[:n_id], strict=True))
    for col in id_cols.values():
        frame[col] = _map_unique(frame[col], lambda v: str(v).strip())
        empty = frame.index[frame[col] == ""]
        if len(empty):
            raise InputDataError(path, "the identifier is empty", row=int(empty[0]), column=col,
                                 expected=f"a value in '{col}' on every row")
    major, minor = frame[id_cols["major"]], frame[id_cols["minor"]]
    pairs = set(zip(major, minor, strict=True))
    scheme = _scheme_of(layout.scheme, major.unique(), minor.unique(), pairs)
    # Heathrow Villages ward appears twice: its Hillingdon part and its Aviation Security part.
    key_roles = [r for r in layout.roles if r != "area_name"]
    _check_duplicates(path, frame[[id_cols[r] for r in key_roles]], "category and area")
    counts = _parse_counts(path, frame, month_cols)
    area = _area_columns(path, frame[id_cols["borough"]], id_cols["borough"])
    if layout.product == "borough":
        area_code, area_name = area["area_code"], area["borough"]
    else:
        area_code, area_name = frame[id_cols["area_code"]], frame[id_cols["area_name"]]
        area.loc[area["area_type"] == "borough", "area_type"] = layout.product
    _check_respelled(path, frame, list(id_cols.values()), pd.DataFrame({
        "major": _map_unique(major, normalise_label), "minor": _map_unique(minor,
                                                                           normalise_label),
        "area_type": area["area_type"], "area_code": _map_unique(area_code, str.casefold),
        "borough": np.where(area["area_type"] == "other",
                            _map_unique(frame[id_cols["borough"]], normalise_label),
                            area["borough"])},
        index=frame.index))
    months = pd.PeriodIndex([pd.Period(f"{c[:4]}-{c[4:]}", freq="M") for c in month_cols])
    _check_month_run(path, months, None)
    majors = _majors_held(path, area, major)
    rows = pd.DataFrame({
        "row": frame.index.to_numpy(),
        "area_type": area["area_type"].to_numpy(),
        "area_code": area_code.to_numpy(),
        "area_name": area_name.to_numpy(),
        "borough": area["borough"].to_numpy(),
        "indicator": _row_indicators(major, minor),
    })
    rows, counts = _zero_fill_wide(rows, counts)
    n_rows, n_months = counts.shape
    long = pd.DataFrame(
        {
            "row": np.repeat(rows["row"].to_numpy(), n_months),
            "level": _repeat_categorical(np.full(n_rows, layout.product, dtype=object),
                                         n_months),
            "month": pd.PeriodIndex.from_ordinals(np.tile(months.asi8, n_rows), freq="M"),
            "area_type": _repeat_categorical(rows["area_type"].to_numpy(), n_months),
            "area_code": _repeat_categorical(rows["area_code"].to_numpy(), n_months),
            "area_name": _repeat_categorical(rows["area_name"].to_numpy(), n_months),
            "borough": _repeat_categorical(rows["borough"].to_numpy(), n_months),
            "indicator": _repeat_categorical(rows["indicator"].to_numpy(), n_months),
            "measure": _repeat_categorical(np.full(n_rows, "offences", dtype=object), n_months),
            "count": counts.reshape(-1),
            "zero_filled": np.repeat(rows["row"].to_numpy() == 0, n_months),
        }
    )
    recognised = _recognised(layout.product, header[:n_id], layout.columns, source.storage)
    return _ParsedFile(path, layout.product, scheme, source.encoding, long, source.rows_read,
                       source.blank, months.min(), months.max(), _is_synthetic(path),
                       recognised=recognised, majors=majors)


def _zero_fill_wide(rows: pd.DataFrame, counts: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    """Add a zero row (row number 0) for each area the file holds without a row for an
    indicator the file holds."""
    areas_cols = ["area_type", "area_code", "area_name", "borough"]
    filled = rows[rows["area_type"].isin(_FILLED_AREAS)]
    if filled.empty:
        return rows, counts
    area_id = filled.groupby(areas_cols, sort=True).ngroup().to_numpy()
    keys = filled[areas_cols].drop_duplicates().sort_values(areas_cols).reset_index(drop=True)
    inds = pd.Index(pd.unique(rows["indicator"]))
    ind_codes = inds.get_indexer(filled["indicator"])
    present = np.zeros((len(keys), len(inds)), dtype=bool)
    present[area_id, ind_codes] = True
    missing_area, missing_ind = np.nonzero(~present)
    if not len(missing_area):
        return rows, counts
    extra = keys.iloc[missing_area].reset_index(drop=True)
    extra["indicator"] = inds[missing_ind].to_numpy()
    extra["row"] = 0
    out = pd.concat([rows, extra[rows.columns]], ignore_index=True)
    zeros = np.zeros((len(extra), counts.shape[1]), dtype=np.int64)
    return out, np.vstack([counts, zeros])


def _parse_months(path: Path, values: pd.Series, column: str) -> np.ndarray:
    """Month ordinals of a column of month texts (parsed once per distinct text)."""
    codes, uniques = pd.factorize(values)
    text = pd.Series(uniques, dtype=object).map(lambda v: str(v).strip())
    out = pd.Series(pd.NaT, index=text.index, dtype="period[M]")
    remaining = pd.Series(True, index=text.index)
    for fmt in ("%Y%m", "%Y-%m", "%d/%m/%Y", "%Y-%m-%d", "%b-%y", "%b %Y", "%B %Y", "%m/%Y"):
        if not remaining.any():
            break
        parsed = pd.to_datetime(text[remaining], format=fmt, errors="coerce")
        good = parsed.notna()
        out.loc[good[good].index] = parsed[good].dt.to_period("M")
        remaining.loc[good[good].index] = False
    if remaining.any():
        bad = int(np.flatnonzero(codes == remaining[remaining].index[0])[0])
        raise InputDataError(path, f"'{values.iloc[bad]}' is not a month",
                             row=int(values.index[bad]), column=column,
                             expected="a month such as 2023-05, 202305, May 2023 or 01/05/2023")
    return out.array.asi8[codes]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", normalise_label(text)).strip("_")


def _codes(values: pd.Series, func=None) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes and distinct values of a column, each value stripped (and passed through
    ``func``) once: long files repeat a few values hundreds of thousands of times."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    cleaned = [str(u).strip() if not pd.isna(u) else "" for u in uniques]
    if func is not None:
        cleaned = [func(u) for u in cleaned]
    again, distinct = pd.factorize(pd.Index(cleaned, dtype=object))
    return again[codes], np.asarray(distinct, dtype=object)


def _dashboard_columns(header: list[str]) -> dict[str, str] | None:
    """Role -> column for the dashboard extract, or None if the header is not that layout."""
    by_key = {column_key(h): h for h in header}
    found = {}
    for role, spellings in _DASHBOARD_ROLES.items():
        match = [by_key[column_key(s)] for s in spellings if column_key(s) in by_key]
        if not match:
            return None
        found[role] = match[0]
    return found


@functools.cache
def _borough_prefixes() -> tuple[tuple[str, str, str], ...]:
    """(key, name, code) per borough, longest name first."""
    boroughs = london_boroughs()
    found = [(normalise_label(n), n, c) for n, c in zip(boroughs["borough"],
                                                        boroughs["borough_code"], strict=True)]
    return tuple(sorted(found, key=lambda item: -len(item[0])))


def _snt_borough(value: str) -> _Area:
    """The borough a Safer Neighbourhood Team row belongs to: Borough_SNT starts with it."""
    key = normalise_label(value).replace("&", " and ")
    for lowered, name, code in _borough_prefixes():
        if key == lowered or key.startswith(lowered + " "):
            return _Area("ward", code, name)
    return _Area("other", "", value)


_WARD_CODE = re.compile(r"^[EW]05\d{6}$")
_AREA_KINDS = {"borough": "borough", "ward": "ward", "snt": "ward",
               "safer neighbourhood teams": "ward", "safer neighbourhood team": "ward"}


def _dashboard_areas(path: Path, frame: pd.DataFrame, columns: dict[str, str],
                     kind: np.ndarray, snt: np.ndarray, code: np.ndarray,
                     name: np.ndarray) -> pd.DataFrame:
    """One row per distinct (area type, Borough_SNT, Area code, Area name) of the extract:
    its level and tidy area columns."""
    combos = pd.DataFrame({"kind": kind, "snt": snt, "code": code, "name": name})
    first_row = combos.drop_duplicates()
    out = []
    for row_no, combo in zip(frame.index[first_row.index], first_row.itertuples(index=False),
                             strict=True):
        level = _AREA_KINDS[combo.kind]
        if level == "borough":
            area = _resolve_borough(path, combo.snt, int(row_no), columns["borough_snt"])
            if area.area_type == "other":
                out.append(("borough", "other", "", combo.name or combo.snt, ""))
            else:
                out.append(("borough", "borough", area.area_code, area.borough, area.borough))
            continue
        area = _snt_borough(combo.snt)
        # A ward row must carry a ward code: "NON ATHENA FORCE" and the like are not wards.
        if area.area_type == "other" or not _WARD_CODE.match(combo.code):
            out.append(("ward", "other", "", combo.name or combo.snt, ""))
        else:
            out.append(("ward", "ward", combo.code, combo.name or combo.snt, area.borough))
    areas = pd.DataFrame(out, columns=["level", "area_type", "area_code", "area_name",
                                       "borough"], index=first_row.index)
    # One name per ward: the extract spells some Safer Neighbourhood Teams two ways
    # ("Island Gardens", "Isl& Gardens") and splits others ("Edgware", "Edgware (SX)").
    wards = areas["area_type"] == "ward"
    if wards.any():
        weight = combos.groupby(["kind", "snt", "code", "name"], sort=False).size()
        named = areas[wards].assign(n=[weight[tuple(first_row.loc[i])] for i in
                                       areas.index[wards]])
        usual = (named.groupby(["area_code", "borough", "area_name"]).n.sum().reset_index()
                 .sort_values(["area_code", "borough", "n", "area_name"],
                              ascending=[True, True, False, True])
                 .drop_duplicates(["area_code", "borough"])
                 .set_index(["area_code", "borough"])["area_name"])
        areas.loc[wards, "area_name"] = [usual[(c, b)] for c, b in zip(
            areas.loc[wards, "area_code"], areas.loc[wards, "borough"], strict=True)]
    # Rows point at their combination; combinations with equal tidy columns become one area.
    combo_id = combos.merge(first_row.reset_index(), on=list(combos.columns),
                            how="left")["index"].to_numpy()
    # Factorised per combination, then spread to the rows: combinations are in the order of
    # their first row, so the areas come in the order a factorisation of the rows gives.
    combo_area, area_keys = pd.factorize(pd.MultiIndex.from_frame(areas))
    area_id = combo_area[first_row.index.get_indexer(combo_id)]
    table = pd.DataFrame(list(area_keys), columns=areas.columns)
    table.attrs["row_area"] = area_id
    return table


def _check_respelled_long(path: Path, frame: pd.DataFrame, columns: dict[str, str],
                          month: np.ndarray) -> None:
    """Rows of the extract that are one month, area, offence and measure spelled two ways
    ("BARNET " and "Barnet") would be summed: the same offences counted twice."""
    roles = ["area_type", "borough_snt", "area_code", "area_name", "group", "subgroup",
             "measure"]
    keys = pd.DataFrame({"month": month} | {
        role: _codes(frame[columns[role]], normalise_label)[0] for role in roles},
        index=frame.index)
    _check_respelled(path, frame, [columns[r] for r in roles[1:4]], keys,
                     what="area or offence",
                     expected="each month, area, offence and measure to appear once")


def _parse_dashboard(path: Path, source: _Source, columns: dict[str, str]) -> _ParsedFile:
    frame = source.frame
    _no_data_rows(path, source)
    month = _parse_months(path, frame[columns["month"]], columns["month"])
    _check_month_run(path, pd.PeriodIndex.from_ordinals(np.unique(month), freq="M"),
                     columns["month"])
    counts = _parse_counts(path, frame, [columns["count"]])[:, 0]
    kind_code, kinds = _codes(frame[columns["area_type"]], normalise_label)
    unknown = [k for k in kinds if k not in _AREA_KINDS]
    if unknown:
        row = int(np.flatnonzero(kinds[kind_code] == unknown[0])[0])
        raise InputDataError(path, f"area type '{frame[columns['area_type']].iloc[row]}' is "
                             "not known", row=int(frame.index[row]), column=columns["area_type"],
                             expected="Borough, Ward or Safer Neighbourhood Teams")
    coded = {role: _codes(frame[columns[role]], _slug if role == "measure" else None)
             for role in ("borough_snt", "area_code", "area_name", "group", "subgroup",
                          "measure")}
    keys = pd.DataFrame({"month": month, "kind": kind_code}
                        | {role: c for role, (c, _) in coded.items()}, index=frame.index)
    if keys.duplicated().any():
        named = pd.DataFrame({"month": pd.PeriodIndex.from_ordinals(month, freq="M").astype(str),
                              "area_type": kinds[kind_code]}
                             | {role: u[c] for role, (c, u) in coded.items()}, index=frame.index)
        _check_duplicates(path, named, "month, area, offence and measure")
    _check_respelled_long(path, frame, columns, month)

    def values(role: str) -> np.ndarray:
        codes_, uniques = coded[role]
        return uniques[codes_]

    areas = _dashboard_areas(path, frame, columns, kinds[kind_code], values("borough_snt"),
                             values("area_code"), values("area_name"))
    area_id = areas.attrs["row_area"]
    row_area = areas.iloc[area_id]
    at_borough = (row_area["level"] == "borough").to_numpy()
    majors = _majors_held(path, row_area[at_borough].set_index(frame.index[at_borough]),
                          pd.Series(values("group")[at_borough], index=frame.index[at_borough]))
    group_c, groups = coded["group"]
    sub_c, subs = coded["subgroup"]
    pair_id, pairs = pd.factorize(pd.MultiIndex.from_arrays([group_c, sub_c]))
    indicators = _row_indicators(pd.Series(groups[[g for g, _ in pairs]]),
                                 pd.Series(subs[[s for _, s in pairs]]))
    scheme = _scheme_of(None, groups, subs, {(groups[g], subs[s]) for g, s in pairs})
    ind_id, ind_names = pd.factorize(indicators[pair_id])
    measure_id, measures = coded["measure"]
    cells = pd.DataFrame({"row": frame.index.to_numpy(), "area": area_id, "indicator": ind_id,
                          "measure": measure_id, "month": month, "count": counts,
                          "zero_filled": False})
    cells = _zero_fill_long(cells, areas)
    long = pd.DataFrame({
        "row": cells["row"].to_numpy(),
        "level": _categorical(areas["level"].to_numpy(), cells["area"].to_numpy()),
        "month": pd.PeriodIndex.from_ordinals(cells["month"].to_numpy(), freq="M"),
    })
    for col in ("area_type", "area_code", "area_name", "borough"):
        long[col] = _categorical(areas[col].to_numpy(), cells["area"].to_numpy())
    long["indicator"] = _categorical(np.asarray(ind_names, dtype=object),
                                     cells["indicator"].to_numpy())
    long["measure"] = _categorical(measures, cells["measure"].to_numpy())
    long["count"] = cells["count"].to_numpy()
    long["zero_filled"] = cells["zero_filled"].to_numpy()
    refresh = ""
    if "refresh_date" in {column_key(h) for h in source.header}:
        col = next(h for h in source.header if column_key(h) == "refresh_date")
        refresh = "; ".join(sorted(d for d in _codes(frame[col])[1] if d))
    published = [_DASHBOARD_ROLES[r][0] for r in columns]
    used = {column_key(c) for c in columns.values()} | {column_key(c)
                                                        for c in _DASHBOARD_OPTIONAL}
    unused = [h for h in source.header if column_key(h) not in used]
    recognised = _recognised("dashboard", list(columns.values()), published, source.storage)
    if unused:
        recognised += f"; columns not used: {', '.join(unused)}"
    span = pd.PeriodIndex.from_ordinals([month.min(), month.max()], freq="M")
    return _ParsedFile(path, "dashboard", scheme, source.encoding, long, source.rows_read,
                       source.blank, span[0], span[1], _is_synthetic(path),
                       recognised=recognised, refresh_date=refresh, majors=majors)


def _categorical(values: np.ndarray, codes: np.ndarray) -> pd.Categorical:
    """``values[codes]`` as a categorical, built from the codes (no string per row)."""
    distinct, inverse = np.unique(np.asarray(values, dtype=object).astype(str),
                                  return_inverse=True)
    return pd.Categorical.from_codes(inverse[codes], categories=pd.Index(distinct, dtype=object))


def _zero_fill_long(cells: pd.DataFrame, areas: pd.DataFrame) -> pd.DataFrame:
    """Zeros for the months a long file leaves out.

    Within the months an indicator and measure appear at a level, every area of that level in
    the file without a row for a month has zero: the extract lists only months with a count.
    """
    fillable = areas["area_type"].isin(_FILLED_AREAS).to_numpy()
    level_of = pd.factorize(areas["level"])[0]
    held = cells[fillable[cells["area"].to_numpy()]]
    if held.empty:
        return cells
    extra = []
    held = held.assign(level=level_of[held["area"].to_numpy()])
    for (level, indicator, measure), part in held.groupby(["level", "indicator", "measure"],
                                                         sort=True):
        members = np.flatnonzero(fillable & (level_of == level))
        first, last = int(part["month"].min()), int(part["month"].max())
        present = np.zeros((len(areas), last - first + 1), dtype=bool)
        present[part["area"].to_numpy(), part["month"].to_numpy() - first] = True
        grid = present[members]
        a, m = np.nonzero(~grid)
        if len(a):
            extra.append(pd.DataFrame({"row": 0, "area": members[a], "indicator": indicator,
                                       "measure": measure, "month": first + m, "count": 0,
                                       "zero_filled": True}))
    if not extra:
        return cells
    return pd.concat([cells] + extra, ignore_index=True)


def _read_file(path: Path) -> _ParsedFile:
    source = _read_parquet(path) if path.suffix.lower() == ".parquet" else _read_csv(path)
    keys = tuple(column_key(h) for h in source.header)
    dashboard = _dashboard_columns(source.header)
    parsed = None
    if dashboard is not None:
        parsed = _parse_dashboard(path, source, dashboard)
    else:
        for layout in sorted(_WIDE_LAYOUTS, key=lambda item: -len(item.columns)):
            if keys[: len(layout.keys)] == layout.keys:
                parsed = _parse_wide(path, source, layout)
                break
    if parsed is not None:
        parsed.digest = hashlib.sha256(path.read_bytes()).hexdigest()
        _check_complete(parsed, int(source.frame.index.max()))
        return parsed
    shown = ", ".join(h.strip() for h in source.header[:6]) + (
        ", ..." if len(source.header) > 6 else "")
    raise InputDataError(path, f"has an unknown header ({shown})", row=1,
                         expected=_EXPECTED_HEADERS)


# ---------------------------------------------------------------------------------------------
# Completeness: checked, not assumed
#
# A file cut short at a row boundary parses cleanly, and the MPS's own habit of leaving out
# rows that are zero in every month means a missing row cannot simply be read as a fault. So
# each file is checked against what its kind of publication must hold, and against the older
# vintage it would replace, before it may win a month. The thresholds come from the real
# vintages in ../shared/data/mps (borough 2016-2025, ward 2014 and 2022 schemes, LSOA and ward
# Parquet copies, dashboard extract) and the demo data:
#
# - a borough-level file holds all 32 London boroughs: every real vintage does. The extract is
#   long and ordered by month, so a cut shows as a short last month (checked below), and an
#   extract filtered to some boroughs is a legitimate download. A ward or LSOA file holds all
#   32, or one borough (a download for one borough, as the demo's Barnet wards); a file of 2
#   to 31 boroughs is what a London file cut short at a row boundary looks like (it is sorted
#   by borough), and is refused. Ward and LSOA vintages compete borough by borough, so a
#   one-borough download replaces that borough only.
# - a recorded-crime file (borough, ward, LSOA) holds the seven major groups every real file of
#   every coding holds: burglary, robbery, theft, violence against the person, sexual offences,
#   drug offences, criminal damage (the LSOA publication leaves out sexual offences; the
#   extract may be cut to a few offences, as the demo's).
# - every borough a recorded-crime file holds has rows in each of those seven groups: every
#   real file has them in every borough (other groups can be sparse: Fraud and Forgery is in 25
#   of 32 boroughs, NFIB Fraud in 10, a new group may start in one borough).
# - a missing area x indicator row is read as zero only where zero is plausible: where the
#   areas holding it have a median monthly count below _MISSING_SERIES_MEDIAN (the largest such
#   median of a series the real files leave out is 0.25 a month for boroughs, 5.2 for wards,
#   1.4 for LSOAs).
# - a month's London total within 0.5-2 times the file's median month (real: 0.66, April 2020,
#   to 1.24), and within 0.8-1.25 times the same month in an older vintage (real: 0.947-1.035,
#   coding changes included); each borough's month within 0.5-2 times the older vintage's
#   (real: 0.76-1.15) where the older has at least _MIN_COMPARED offences.
#
# A month failing these at the edge of the file's span, and too low, is a month the publisher
# (or a re-sharer) extracted before it was complete: the real LSOA and ward Parquet copies hold
# 0.1% of a month in their first column (February 2024). It is set aside, reported in the
# load's accounting and notes, and the older vintage (if any) gives that month. Any other
# failure refuses the file: its figures cannot be told from a complete file's.

_LONDON_BOROUGH_COUNT = 32
# Words of the major groups every recorded-crime file holds, in every coding (2008: "Theft and
# Handling", "Drugs", "Criminal Damage"; 2019 and 2024: "Theft", "Drug Offences", "Arson and
# Criminal Damage").
_REQUIRED_GROUPS = {"burglary": "Burglary", "robbery": "Robbery", "theft": "Theft",
                    "violence": "Violence Against the Person", "sexual": "Sexual Offences",
                    "drug": "Drug Offences", "damage": "Criminal Damage"}
_MISSING_SERIES_MEDIAN = {"borough": 5.0, "ward": 15.0, "lsoa": 5.0}
_FILE_MONTH_RANGE = (0.5, 2.0)
_LONDON_VINTAGE_RANGE = (0.8, 1.25)
_BOROUGH_VINTAGE_RANGE = (0.5, 2.0)
# Below this a month's total is too small for a ratio to mean anything (a test file, a row).
_MIN_COMPARED = 100


def _listed(names: Iterable[str], limit: int = 6) -> str:
    names = sorted(names)
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _level_cells(item: _ParsedFile) -> pd.DataFrame:
    """The file's London-area offence cells at its own level (borough rows of the extract)."""
    level = "borough" if item.layout == "dashboard" else item.layout
    long = item.long
    keep = ((long["level"] == level) & (long["area_type"] != "other")
            & (long["measure"] == "offences"))
    return long.loc[keep.to_numpy()]


def _cut_hint(last_row: int) -> str:
    return f" (its last row is row {last_row}: the file may have been cut short)"


def _check_complete(item: _ParsedFile, last_row: int) -> None:
    """What a file of its kind must hold, checked on the file alone (see the notes above)."""
    path = item.path
    majors = item.majors
    held = set(majors["borough"])
    if item.layout == "borough":
        missing = set(london_boroughs()["borough"]) - held
        if missing:
            raise InputDataError(
                path, f"holds {len(held)} of the {_LONDON_BOROUGH_COUNT} London boroughs; "
                f"missing: {_listed(missing)}" + _cut_hint(last_row),
                expected=f"a row for every one of the {_LONDON_BOROUGH_COUNT} London boroughs "
                "in a borough-level publication")
    elif item.layout in _SCOPED and 1 < len(held) < _LONDON_BOROUGH_COUNT:
        missing = set(london_boroughs()["borough"]) - held
        raise InputDataError(
            path, f"holds {len(held)} of the {_LONDON_BOROUGH_COUNT} London boroughs; missing: "
            f"{_listed(missing)}" + _cut_hint(last_row),
            expected=f"a {item.layout}-level file for all {_LONDON_BOROUGH_COUNT} boroughs, or "
            "for one borough")
    if item.layout != "dashboard":
        required = _required_groups(item.layout)
        expected = (f"rows in each of the major groups every MPS {item.layout}-level file "
                    f"holds, in every borough: {', '.join(required.values())}")
        lacking = _lacking_groups(set(majors["major"]), required)
        if lacking:
            raise InputDataError(
                path, f"has no row in the major group{'s' if len(lacking) > 1 else ''} "
                f"{', '.join(lacking)}" + _cut_hint(last_row), expected=expected)
        for borough, mine in majors.groupby("borough")["major"].agg(set).items():
            lacking = _lacking_groups(mine, required)
            if lacking:
                raise InputDataError(
                    path, f"{borough} has no row in the major group"
                    f"{'s' if len(lacking) > 1 else ''} {', '.join(lacking)}, which the other "
                    "boroughs in the file hold" + _cut_hint(last_row), expected=expected)
    _check_missing_series(item, last_row)
    _check_file_months(item)


def _required_groups(layout: str) -> dict[str, str]:
    # The LSOA publication leaves out sexual offences (too few per LSOA to publish safely).
    return {w: n for w, n in _REQUIRED_GROUPS.items() if layout != "lsoa" or w != "sexual"}


def _lacking_groups(groups: set[str], required: dict[str, str]) -> list[str]:
    return [name for word, name in required.items() if not any(word in g for g in groups)]


def _check_missing_series(item: _ParsedFile, last_row: int) -> None:
    if item.layout == "dashboard":
        return  # the extract lists months with a count; its zeros are filled month by month
    cells = _level_cells(item)
    if cells.empty:
        return
    series = (cells.groupby(["area_code", "area_name", "borough", "indicator"], observed=True)
              .agg(mean=("count", "mean"), filled=("zero_filled", "min")).reset_index())
    typical = series[~series["filled"]].groupby("indicator", observed=True)["mean"].median()
    filled = series[series["filled"]].assign(
        typical=lambda d: d["indicator"].map(typical).astype(float))
    limit = _MISSING_SERIES_MEDIAN[item.layout]
    odd = filled[filled["typical"] >= limit]
    if odd.empty:
        return
    worst = odd.sort_values("typical", ascending=False).iloc[0]
    where = worst["area_name"] if worst["area_name"] == worst["borough"] else (
        f"{worst['area_name']} ({worst['borough']})")
    raise InputDataError(
        item.path, f"has no row for {worst['indicator']} in {where}, though the other areas "
        f"holding it have a median of {worst['typical']:.0f} a month; reading it as zero would "
        f"be wrong ({len(odd)} such area x indicator series)" + _cut_hint(last_row),
        expected=f"a row for every area and indicator with more than {limit:g} offences a "
        "month elsewhere (the MPS leaves out only rows that are zero in every month)")


def _month_total(cells: pd.DataFrame) -> pd.Series:
    return cells.groupby("month", observed=True)["count"].sum().sort_index()


def _implausible_month(item: _ParsedFile, month: pd.Period, problem: str,
                       expected: str, low: bool) -> None:
    """Set an incomplete edge month aside, or refuse the file."""
    # The edge of the span as published: a month set aside does not make its neighbour one.
    edge = month in (item.first_month, item.last_month)
    if low and edge and item.first_month != item.last_month:
        held = (item.long["month"] == month).to_numpy()
        from_file = (item.long["row"] > 0).to_numpy()
        # Rows of a long file hold one month: those go with the month, and are counted.
        gone = set(item.long.loc[held & from_file, "row"]) - set(
            item.long.loc[~held & from_file, "row"])
        item.set_aside_months[month] = (
            f"month {month} set aside: {problem}; expected {expected}; read as a month "
            "extracted before it was complete", int((held & from_file).sum()), len(gone))
        item.long = item.long.loc[~held].reset_index(drop=True)
        return
    raise InputDataError(item.path, problem, column=month.strftime("%Y%m"), expected=expected)


def _check_file_months(item: _ParsedFile) -> None:
    """Each month's London total against the file's median month."""
    totals = _month_total(_level_cells(item))
    if len(totals) < 2:
        return
    median = float(totals.median())
    if median < _MIN_COMPARED:
        return
    lo, hi = _FILE_MONTH_RANGE
    for month, total in totals.items():
        ratio = total / median
        if lo <= ratio <= hi:
            continue
        _implausible_month(
            item, month, f"the London total for {month} is {total:,}, {ratio:.1%} of the "
            f"file's median month ({median:,.0f})",
            f"each month between {lo:g} and {hi:g} times the median month", ratio < lo)


def _check_against_older(parsed: list[_ParsedFile]) -> None:
    """Each file against every older vintage of its publication holding the same months."""
    totals = {id(f): _level_cells(f).groupby(["borough", "month"], observed=True)["count"].sum()
              for f in parsed}
    names = pd.Index(sorted({str(b) for t in totals.values()
                             for b in t.index.get_level_values("borough").unique()}),
                     dtype=object)
    flat = {key: (names.get_indexer(t.index.get_level_values("borough").astype(str)
                                    .to_numpy(dtype=object)),
                  t.index.get_level_values("month").asi8, t.to_numpy())
            for key, t in totals.items()}
    for item in sorted(parsed, key=lambda f: (f.vintage, f.last_month)):
        older = [o for o in parsed if o.layout == item.layout and o.vintage < item.vintage]
        for other in sorted(older, key=lambda f: (f.vintage, f.last_month), reverse=True):
            if not _vintages_agree(item, other, flat[id(item)], flat[id(other)], len(names)):
                _compare_vintages(item, other, totals)
            _compare_other_areas(item, other)


def _vintages_agree(item: _ParsedFile, other: _ParsedFile, mine: tuple, theirs: tuple,
                    n_boroughs: int) -> bool:
    """True if :func:`_compare_vintages` would find nothing wrong, decided on integer arrays
    (borough code, month ordinal, total).

    Nearly every pair of vintages agrees, and the exact comparison, month by month and
    borough by borough on Period objects, took most of the time of reading the borough
    folder; it runs only where this finds something, and words the messages.
    """
    (my_borough, my_month, my_total), (their_borough, their_month, their_total) = mine, theirs
    aside = [p.ordinal for p in (*item.set_aside_months, *other.set_aside_months)]
    shared = np.setdiff1d(np.intersect1d(my_month, their_month), aside)
    if not len(shared):
        return True
    my_in, their_in = np.isin(my_month, shared), np.isin(their_month, shared)
    if item.layout not in _SCOPED and not np.isin(
            their_borough[their_in & (their_total > 0)], my_borough[my_in]).all():
        return False
    my_keys = my_month[my_in] * n_boroughs + my_borough[my_in]
    their_keys = their_month[their_in] * n_boroughs + their_borough[their_in]
    both, at_mine, at_theirs = np.intersect1d(my_keys, their_keys, return_indices=True)
    new, old = my_total[my_in][at_mine], their_total[their_in][at_theirs]
    _, month = np.unique(both // n_boroughs, return_inverse=True)
    london_new = np.bincount(month, weights=new)
    london_old = np.bincount(month, weights=old)
    compared = london_old >= _MIN_COMPARED
    lo, hi = _LONDON_VINTAGE_RANGE
    ratio = london_new[compared] / london_old[compared]
    if ((ratio < lo) | (ratio > hi)).any():
        return False
    compared = old >= _MIN_COMPARED
    lo, hi = _BOROUGH_VINTAGE_RANGE
    ratio = new[compared] / old[compared]
    return not ((ratio < lo) | (ratio > hi)).any()


def _other_areas(item: _ParsedFile, months: np.ndarray) -> dict[str, str]:
    """Rows that are not boroughs (airports, "Unknown") with offences in the months (as
    ordinals), by their normalised name."""
    long = item.long
    keep = ((long["area_type"] == "other") & (long["level"] == item.layout)
            & (long["measure"] == "offences")).to_numpy() & np.isin(long["month"].array.asi8,
                                                                    months)
    sums = long.loc[keep].groupby("area_name", observed=True)["count"].sum()
    return {normalise_label(a): str(a) for a in sums[sums > 0].index}


def _compare_other_areas(item: _ParsedFile, other: _ParsedFile) -> None:
    """A newer borough file without the airport or "Unknown" rows the older one holds for the
    same months would drop those offences from London's total."""
    if item.layout != "borough":
        return
    # Month ordinals: sets of Period objects from every cell were slow to build and compare.
    shared = np.intersect1d(pd.unique(item.long["month"].array.asi8),
                            pd.unique(other.long["month"].array.asi8))
    if not len(shared):
        return
    held = {normalise_label(a) for a in item.long.loc[item.long["area_type"] == "other",
                                                        "area_name"].unique()}
    missing = [name for key, name in _other_areas(other, shared).items() if key not in held]
    if missing:
        first, last = pd.PeriodIndex.from_ordinals([shared.min(), shared.max()], freq="M")
        raise InputDataError(
            item.path, f"holds no rows for {_listed(missing)} in {first}..{last}, "
            f"which the older vintage {other.path.name} holds with offences in those months",
            expected="a newer vintage to hold every area the older one holds (the non-borough "
            "rows included)")


def _compare_vintages(item: _ParsedFile, other: _ParsedFile, totals: dict) -> None:
    mine, theirs = totals[id(item)], totals[id(other)]
    shared = (set(mine.index.get_level_values("month"))
              & set(theirs.index.get_level_values("month")))
    shared -= set(item.set_aside_months) | set(other.set_aside_months)
    if not shared:
        return
    span = f"{min(shared)}..{max(shared)}"
    theirs = theirs[theirs.index.get_level_values("month").isin(list(shared))]
    mine = mine[mine.index.get_level_values("month").isin(list(shared))]
    theirs_boroughs = set(theirs[theirs > 0].index.get_level_values("borough"))
    missing = theirs_boroughs - set(mine.index.get_level_values("borough"))
    if missing and item.layout not in _SCOPED:
        raise InputDataError(
            item.path, f"holds no rows for {_listed(missing)} in {span}, which the older "
            f"vintage {other.path.name} holds; as the newer vintage it would drop their "
            "figures for those months",
            expected="a newer vintage to hold every borough the older one holds")
    both = mine.index.intersection(theirs.index)
    mine, theirs = mine.reindex(both), theirs.reindex(both)
    london_mine = mine.groupby(level="month").sum()
    london_theirs = theirs.groupby(level="month").sum()
    lo, hi = _LONDON_VINTAGE_RANGE
    for month in sorted(london_mine.index):
        new, old = int(london_mine[month]), int(london_theirs[month])
        if month in item.set_aside_months or old < _MIN_COMPARED:
            continue
        ratio = new / old
        if not lo <= ratio <= hi:
            _implausible_month(
                item, month, f"the London total for {month} is {new:,}, {ratio:.1%} of the "
                f"{old:,} in the older vintage {other.path.name}",
                f"a newer vintage to restate a month by less than a fifth (between {lo:g} and "
                f"{hi:g} times the older figure)", ratio < lo)
    lo, hi = _BOROUGH_VINTAGE_RANGE
    ratio = (mine / theirs.where(theirs >= _MIN_COMPARED)).dropna()
    bad = ratio[(ratio < lo) | (ratio > hi)]
    bad = bad[~bad.index.get_level_values("month").isin(list(item.set_aside_months))]
    for (borough, month), value in bad.items():
        if month in item.set_aside_months:
            continue
        _implausible_month(
            item, month, f"{borough}'s total for {month} is {int(mine[(borough, month)]):,}, "
            f"{value:.1%} of the {int(theirs[(borough, month)]):,} in the older vintage "
            f"{other.path.name}", f"each borough's month between {lo:g} and {hi:g} times the "
            "older vintage's", value < lo)


def _drop_duplicate_files(parsed: list[_ParsedFile]) -> tuple[list[_ParsedFile],
                                                               list[tuple[_ParsedFile, str]]]:
    """The same publication given twice (same bytes, or the same rows under another name or
    order, e.g. a CSV and its Parquet copy) is read once; the copies are reported."""
    kept: list[_ParsedFile] = []
    copies: list[tuple[_ParsedFile, str]] = []
    fingerprints: dict[int, str] = {}

    def rows_of(item: _ParsedFile) -> str:
        if id(item) not in fingerprints:
            cols = ["level", "month", "area_type", "area_code", "area_name", "borough",
                    "indicator", "measure", "count", "zero_filled"]
            keyed = item.long[cols].astype(str)
            hashed = np.sort(pd.util.hash_pandas_object(keyed, index=False).to_numpy())
            fingerprints[id(item)] = hashlib.sha256(hashed.tobytes()).hexdigest()
        return fingerprints[id(item)]

    for item in sorted(parsed, key=lambda f: str(f.path)):
        reason = ""
        for first in kept:
            if first.digest == item.digest:
                reason = f"same bytes as {first.path.name}"
            elif (first.layout, first.first_month, first.last_month, len(first.long)) == (
                    item.layout, item.first_month, item.last_month, len(item.long)) and \
                    rows_of(first) == rows_of(item):
                reason = f"same rows as {first.path.name}"
            if reason:
                copies.append((item, reason + "; read once"))
                break
        if not reason:
            kept.append(item)
    return kept, copies


# ---------------------------------------------------------------------------------------------
# Deciding vintages, combining


def _assign_vintages(parsed: list[_ParsedFile]) -> None:
    """Vintage = last month of the publication a file belongs to.

    The MPS publishes a "most recent 24 months" file with a "Historical" companion (longer
    than 24 months) that ends where it starts, or overlaps it by a month or two. A companion in
    the same folder takes the vintage of the file it accompanies; otherwise a file's vintage is
    its own last month.
    """
    for item in parsed:
        item.vintage = item.last_month
        item.vintage_basis = "last month in the file"
    changed = True
    while changed:
        changed = False
        for item in parsed:
            if (item.last_month - item.first_month).n + 1 <= 24:
                continue
            for other in parsed:
                if other is item or other.path.parent != item.path.parent:
                    continue
                if other.layout != item.layout or other.last_month <= item.last_month:
                    continue
                starts_at_seam = item.last_month - 2 < other.first_month <= item.last_month + 1
                if starts_at_seam and other.vintage > item.vintage:
                    item.vintage = other.vintage
                    item.vintage_basis = f"published with {other.path.name}"
                    changed = True


def _row_indicators(majors: pd.Series, minors: pd.Series) -> np.ndarray:
    """Canonical indicator per source row; unknown names are carried, labelled unmapped."""
    pairs = pd.MultiIndex.from_arrays([np.asarray(majors, dtype=object),
                                       np.asarray(minors, dtype=object)])
    codes, uniques = pd.factorize(pairs)
    names = [map_category(major, minor) or f"{UNMAPPED_PREFIX}{major} / {minor}"
             for major, minor in uniques]
    return np.array(names, dtype=object)[codes]


def _constant(value: str, length: int) -> pd.Categorical:
    """One value ``length`` times, as a categorical built without a string per row."""
    return pd.Categorical.from_codes(np.zeros(length, dtype=np.int8),
                                     categories=pd.Index([value], dtype=object))


def _repeat_categorical(values: np.ndarray, times: int) -> pd.Categorical:
    """Each value repeated ``times``, as a categorical (string keys group far faster so)."""
    codes, uniques = pd.factorize(values, sort=True)
    return pd.Categorical.from_codes(np.repeat(codes, times), categories=uniques)


# "level" is the geography of a row (borough, ward, lsoa); the publication ("product") is
# added when files are combined. Vintages compete within a publication and level, so a ward
# file never supersedes a borough file's airport or "Unknown" rows, and the dashboard extract
# never supersedes the borough files.
_SERIES_KEYS = ["product", "level", "area_type", "area_code", "area_name", "borough",
                "indicator", "measure"]
# Ward and LSOA files compete borough by borough ("scope"): a download for one borough
# supersedes that borough only, never the other 31 boroughs of a London file.
_WINNER_KEYS = ["product", "level", "scope", "measure", "month"]
_SCOPED = ("ward", "lsoa")


def _with_scope(frame: pd.DataFrame, product: str) -> pd.DataFrame:
    scope = (frame["borough"] if product in _SCOPED else _constant("", len(frame)))
    return frame.assign(product=_constant(product, len(frame)), scope=scope)


def _file_table(item: _ParsedFile, order: int) -> pd.DataFrame:
    long = _with_scope(item.long, item.layout)
    # Several source names can map to one indicator in a month (February 2024 burglary).
    grouped = (
        long.groupby(_SERIES_KEYS + ["scope", "month"], sort=False, observed=True)
        .agg(count=("count", "sum"), zero_filled=("zero_filled", "min"))
        .reset_index()
    )
    grouped["order"] = order
    return grouped


def _series_breaks(table: pd.DataFrame, files: pd.DataFrame,
                   ranked: list[_ParsedFile]) -> pd.DataFrame:
    """Months where the combined series stops being like for like with the month before."""
    out: list[dict[str, object]] = []
    info = files.set_index("order")
    definitions = [item.definitions for item in ranked]
    defined = sorted({ind for d in definitions for ind in d})
    known = breaks_table()
    # Only the columns used: splitting the whole table copied every column of every row.
    needed = table[["product", "level", "measure", "month", "order", "area_code"]]
    for (product, level, measure), part in needed.groupby(["product", "level", "measure"],
                                                          sort=True, observed=True):
        publication = PUBLICATIONS[str(product)]
        by_month = part.groupby("month")["order"].first().sort_index()
        months = by_month.index
        codes = (part.groupby("month")["area_code"].agg(frozenset) if level == "ward" else None)
        base_all = {"publication": publication, "level": level, "measure": measure}
        for prev_m, m in zip(months[:-1], months[1:], strict=True):
            before, after = info.loc[by_month[prev_m]], info.loc[by_month[m]]
            base = base_all | {"indicator": "*", "month": m}
            if (m - prev_m).n > 1:
                out.append(base | {"kind": "gap",
                                   "detail": f"no data for {counted((m - prev_m).n - 1, 'month')} "
                                   f"after {prev_m}"})
            if before["scheme"] != after["scheme"]:
                out.append(base | {"kind": "coding change",
                                   "detail": f"{before['scheme']} ({before['file']}) to "
                                   f"{after['scheme']} ({after['file']})"})
            elif level == "ward" and codes[prev_m] != codes[m]:
                out.append(base | {"kind": "boundary change",
                                   "detail": f"{len(codes[prev_m])} ward codes in {prev_m} "
                                   f"({before['file']}), {len(codes[m])} in {m} "
                                   f"({after['file']}), {len(codes[m] - codes[prev_m])} new"})
            elif before["vintage"] != after["vintage"]:
                out.append(base | {"kind": "vintage seam",
                                   "detail": f"vintage {before['vintage']} ({before['file']}) "
                                   f"to vintage {after['vintage']} ({after['file']}); "
                                   "later vintages restate history"})
            old, new = definitions[by_month[prev_m]], definitions[by_month[m]]
            for ind in defined:
                if old.get(ind, "") != new.get(ind, ""):
                    was = old.get(ind) or "as in earlier codings"
                    now = new.get(ind) or "as in earlier codings"
                    out.append(base | {"indicator": ind, "kind": "definition change",
                                       "detail": f"counted {was} in {before['file']} "
                                       f"({before['scheme']}), {now} in {after['file']} "
                                       f"({after['scheme']}); months either side are not "
                                       "like for like"})
        for row in known.itertuples(index=False):
            m = pd.Period(row.month, freq="M")
            if m in by_month.index and (m - 1) in by_month.index:
                if info.loc[by_month[m], "scheme"] == row.scheme:
                    out.append(base_all | {"indicator": row.indicator, "month": m,
                                           "kind": row.kind, "detail": row.detail})
    columns = ["publication", "level", "measure", "indicator", "month", "kind", "detail"]
    result = pd.DataFrame(out, columns=columns)
    if len(result):
        result["month"] = pd.PeriodIndex(result["month"], freq="M")
    return result.sort_values(["publication", "level", "measure", "month", "kind",
                               "indicator"]).reset_index(drop=True)


def _plain_strings(frame: pd.DataFrame) -> pd.DataFrame:
    """Categorical key columns back to strings for the public tables.

    Python strings (object dtype): building Arrow strings for a million rows costs 30 times
    as long and gains nothing here.
    """
    cats = [c for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)]
    return frame.astype({c: object for c in cats})


def _sort_ranks(values: pd.Series) -> np.ndarray:
    """Integers ordered as ``sort_values`` orders the values (missing last)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        rank, _ = pd.factorize(np.asarray(values.cat.categories, dtype=object), sort=True)
        codes = values.cat.codes.to_numpy()
        return np.where(codes < 0, len(rank), rank[np.maximum(codes, 0)] if len(rank) else 0)
    if isinstance(values.dtype, pd.PeriodDtype):
        ordinals = values.array.asi8
        return np.where(values.isna().to_numpy(), ordinals.max(initial=0) + 1, ordinals)
    codes, uniques = pd.factorize(values, sort=True)
    return np.where(codes < 0, len(uniques), codes)


def _sorted(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """``frame.sort_values(by).reset_index(drop=True)``, sorting on integer ranks: sorting
    a million rows of strings by several columns took seconds."""
    order = _lexsort([_sort_ranks(frame[c]) for c in by])
    return frame.take(order).reset_index(drop=True)


def _concat_categorical(tables: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    """Concatenate keeping categorical key columns categorical (plain concat would not)."""
    # Concatenating categoricals with differing categories makes Python strings of every row
    # first; only the other columns are concatenated, the categoricals are united by code.
    combined = pd.concat([t.drop(columns=columns) for t in tables], ignore_index=True)
    for col in columns:
        combined[col] = union_categoricals([_object_categories(t[col]) for t in tables],
                                           sort_categories=True)
    return combined[list(tables[0].columns)]


def _object_categories(values: pd.Series) -> pd.Categorical:
    """A categorical with plain-string categories (files parsed differently agree on them)."""
    if not isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype(str).astype("category")
    cats = values.cat.categories
    return pd.Categorical.from_codes(values.cat.codes,
                                     categories=pd.Index([str(c) for c in cats], dtype=object))


@dataclass
class _Parsed:
    files: list[_ParsedFile]
    ignored: list[str]
    copies: list[tuple[_ParsedFile, str]]


def _parse_paths(paths: str | Path | Iterable[str | Path]) -> _Parsed:
    from scpb_analysis.sources.mps_extracts import extract_layout

    files, ignored = find_data_files(paths, "MPS recorded-crime CSV files (or Parquet copies)")
    # The homicide and VAWG extracts sit beside the recorded-crime folders under mps/: passed
    # over (and listed), as they count people proceeded against and VAWG offences by ward.
    extracts = [p for p in files if p.suffix.lower() in DATA_SUFFIXES and extract_layout(p)]
    if extracts and len(extracts) == len(files):
        raise InputDataError(extracts[0], f"is the MPS {extract_layout(extracts[0])} extract, "
                             "not recorded-crime counts", row=1, expected=_EXPECTED_HEADERS)
    files = [p for p in files if p not in extracts]
    ignored += [str(p) for p in extracts]
    parsed, copies = _drop_duplicate_files([_read_file(p) for p in files])
    _assign_vintages(parsed)
    _check_against_older(parsed)
    return _Parsed(parsed, ignored, copies)


def read_mps_crime(paths: str | Path | Iterable[str | Path]) -> MpsCrimeLoad:
    """Load MPS recorded-crime files (any published layout) with the full load report.

    Parameters
    ----------
    paths : path or iterable of paths
        CSV or Parquet files and/or folders (searched recursively for ``*.csv`` and
        ``*.parquet``). Files in one folder that form one publication (a "most recent 24
        months" file and its "Historical" companion) share a vintage.

    Returns
    -------
    MpsCrimeLoad
        ``.table`` is the tidy count table; ``.files`` (with the layout recognised for each
        file), ``.accounting``, ``.revisions``, ``.breaks``, ``.unmapped`` and
        ``.zero_filled`` report how it was made.

    Raises
    ------
    InputDataError
        For an unknown header (or a file separated by semicolons or tabs), a file with no data
        rows, a month column that is not ``YYYYMM`` or a month missing inside the span, a count
        that is not a whole number from 0 to 1,000,000, a duplicated row (or one area and
        category spelled two ways: ``BARNET `` and ``Barnet``), a file that is not CSV or
        Parquet, an unknown borough, or a file that is not complete; the message names the
        file, row and column where there are ones, and what was expected.

    Notes
    -----
    Completeness is checked, not assumed: a file cut short at a row boundary parses cleanly
    and would otherwise win every month as the newest vintage. A file is refused unless

    - a borough-level file holds all 32 boroughs, and no
      fewer non-borough rows (airports, "Unknown") than an older vintage it replaces; a ward
      or LSOA file holds all 32 or one (a download for one borough; ward and LSOA vintages
      compete borough by borough, so it replaces that borough's figures only);
    - every borough has rows in the seven major groups every MPS file holds (burglary,
      robbery, theft, violence against the person, sexual offences, drugs, criminal damage;
      LSOA files leave out sexual offences); the dashboard extract, long and ordered by month,
      may hold some boroughs and offences only;
    - there is no month gap, and no area lacks a row for an indicator the other areas hold
      with a median of 5 or more a month (15 for wards): the MPS leaves out only all-zero rows;
    - each month's London total is 0.5-2 times the file's median month and 0.8-1.25 times
      the same month in an older vintage, each borough's 0.5-2 times the older's.

    The thresholds hold every real vintage (2008-2026) with a wide margin. One exception is
    reported, not refused: a first or last month far below the others is a month extracted
    before it was complete (the real ward and LSOA Parquet copies hold 0.1% of February 2024).
    It is set aside, listed in ``accounting`` and ``notes`` and issued as a warning, and an
    older vintage gives that month if one holds it. A file given twice (the same bytes, or
    the same rows in another order, name or format) is read once; the copy is listed in
    ``files`` (``duplicate_of``) and ``accounting`` with the file it repeats.

    Examples
    --------
    >>> from scpb_analysis.demo import write_demo_data
    >>> import tempfile
    >>> folder = write_demo_data(tempfile.mkdtemp())
    >>> load = read_mps_crime(folder / "borough")
    >>> load.synthetic, sorted(load.files["vintage"].astype(str).unique())
    (True, ['2023-07', '2025-02'])
    """
    found = _parse_paths(paths)
    return _combine(found.files, found.ignored, copies=found.copies)


def _combine(parsed: list[_ParsedFile], ignored: list[str],
             later: list[str] | None = None,
             copies: list[tuple[_ParsedFile, str]] | None = None) -> MpsCrimeLoad:
    if not parsed:
        raise InputDataError(None, "no MPS files to load",
                             expected="at least one MPS recorded-crime file")
    # Newest vintage first; within a vintage the file reaching later wins its overlap.
    ranked = sorted(parsed, key=lambda f: (f.vintage, f.last_month, str(f.path)), reverse=True)
    tables = [_file_table(item, order) for order, item in enumerate(ranked)]
    every = _concat_categorical(tables, _SERIES_KEYS + ["scope"])

    # One source per publication, area level, measure and month: the highest-ranked file.
    winner = every.groupby(_WINNER_KEYS, sort=False, observed=True)["order"].min().rename(
        "winner")
    every = every.join(winner, on=_WINNER_KEYS)
    used = every["order"] == every["winner"]

    files_info = pd.DataFrame(
        {
            "order": range(len(ranked)),
            "file": [f.path.name for f in ranked],
            "path": [str(f.path) for f in ranked],
            "publication": [PUBLICATIONS[f.layout] for f in ranked],
            "layout": [f.layout for f in ranked],
            "recognised": [f.recognised for f in ranked],
            "scheme": [f.scheme for f in ranked],
            "encoding": [f.encoding for f in ranked],
            "first_month": [str(f.first_month) for f in ranked],
            "last_month": [str(f.last_month) for f in ranked],
            "vintage": [str(f.vintage) for f in ranked],
            "vintage_basis": [f.vintage_basis for f in ranked],
            "refresh_date": [f.refresh_date for f in ranked],
            "synthetic": [f.synthetic for f in ranked],
        }
    )

    table = every.loc[used].copy()
    table, clashes = _one_publication_per_cell(table, files_info)
    meta = files_info.set_index("order")
    vintage_ordinal = {o: f.vintage.ordinal for o, f in enumerate(ranked)}
    table["vintage"] = pd.PeriodIndex.from_ordinals(
        table["order"].map(vintage_ordinal).to_numpy(dtype=np.int64), freq="M")
    table["scheme"] = table["order"].map(meta["scheme"])
    table["source_file"] = table["order"].map(meta["file"])
    table["publication"] = table["order"].map(meta["publication"])
    table["synthetic"] = table["order"].map(meta["synthetic"]).astype(bool)
    table["count"] = table["count"].astype("int64")
    table["zero_filled"] = table["zero_filled"].astype(bool)
    breaks = _series_breaks(table, files_info, ranked)
    zero_filled = _zero_filled_report(table)
    table = _plain_strings(_sorted(table[TIDY_COLUMNS], ["area_type", "borough", "area_name",
                                                         "indicator", "measure", "month"]))

    accounting, files_info = _account(ranked, winner, files_info, clashes, copies or [])
    notes = [f"{f.path.name}: {reason}" for f in ranked
             for reason, _, _ in f.set_aside_months.values()]
    notes += [f"{f.path.name}: not read, {reason}" for f, reason in copies or []]
    for note in notes:
        warnings.warn(note, stacklevel=3)
    revisions = _revisions(every, files_info, ranked)
    unmapped_mask = every["indicator"].astype(str).str.startswith(UNMAPPED_PREFIX) & (
        ~every["zero_filled"].astype(bool))
    unmapped = (
        every.loc[unmapped_mask]
        .assign(file=lambda d: d["order"].map(meta["file"]))
        .groupby(["indicator", "file"], sort=True, observed=True)
        .agg(cells=("count", "size"), total=("count", "sum"))
        .reset_index()
        .pipe(_plain_strings)
    )
    return MpsCrimeLoad(table, files_info.drop(columns="order"), accounting, revisions, breaks,
                        unmapped, zero_filled, ignored, list(later or []), notes)


def _value_codes(values: pd.Series) -> np.ndarray:
    """Integer codes, equal exactly where the values as strings are equal (missing apart)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        # Two categories can spell the same string; codes of the spellings keep them one key.
        spelled, _ = pd.factorize(values.cat.categories.astype(str))
        codes = values.cat.codes.to_numpy()
        return np.where(codes < 0, -1, spelled[np.maximum(codes, 0)])
    return pd.factorize(values.astype(str))[0]


def _row_keys(columns: Sequence[np.ndarray]) -> tuple[np.ndarray, int]:
    """One integer per row, equal exactly where every column is, and how many there are."""
    keys = np.zeros(len(columns[0]), dtype=np.int64)
    bound = 1  # keys are below this
    for column in columns:
        codes, uniques = pd.factorize(column)
        if bound * max(len(uniques), 1) >= _KEY_LIMIT:
            # Re-coding keeps the combined key below rows squared: no overflow.
            keys, distinct = pd.factorize(keys)
            bound = len(distinct)
        keys = keys * len(uniques) + codes
        bound *= max(len(uniques), 1)
    keys, distinct = pd.factorize(keys)
    return keys, len(distinct)


# Combined integer keys stay below this (no int64 overflow), re-coded where they would not.
_KEY_LIMIT = 2**62


def _lexsort(ranks: Sequence[np.ndarray]) -> np.ndarray:
    """``np.lexsort(ranks[::-1])`` (first rank most significant), for integer ranks: one
    stable sort of a combined key where it fits in 64 bits, far faster than lexsort."""
    lowest = [int(r.min(initial=0)) for r in ranks]
    sizes = [int(r.max(initial=0)) - low + 1 for r, low in zip(ranks, lowest, strict=True)]
    if float(np.prod(np.array(sizes, dtype=float))) >= _KEY_LIMIT:
        return np.lexsort(list(ranks)[::-1])
    key = np.zeros(len(ranks[0]), dtype=np.int64)
    for rank, low, size in zip(ranks, lowest, sizes, strict=True):
        key = key * size + (rank - low)
    return np.argsort(key, kind="stable")


def _one_publication_per_cell(table: pd.DataFrame,
                              files: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Where two publications hold the same area, indicator, measure and month, keep one.

    Summing both would count the offences twice; the publication first in :data:`_PRIORITY`
    is kept and the other's cells are reported as set aside.
    """
    if table["product"].nunique() < 2:
        return table, pd.DataFrame(columns=["order", "cells", "kept_file"])
    # Integer keys: the dashboard extract adds over a million cells, and comparing their
    # months as Period objects and their names as strings took most of the combining time.
    # Per category, then taken by code (-1, missing, takes the last entry appended).
    area_type = table["area_type"].astype("category")
    other = np.append(area_type.cat.categories.astype(str) == "other",
                      False)[area_type.cat.codes.to_numpy()]
    area = np.where(other, _value_codes(table["area_name"]), _value_codes(table["area_code"]))
    keys, count = _row_keys([_value_codes(area_type), area,
                             _value_codes(table["indicator"]), _value_codes(table["measure"]),
                             table["month"].array.asi8])
    product = table["product"].astype("category")
    rank_of = np.array([_PRIORITY.index(p) if p in _PRIORITY else np.nan
                        for p in product.cat.categories.astype(str)] + [np.nan])
    ranked = np.argsort(rank_of[product.cat.codes.to_numpy()], kind="stable")
    lost_ranked = pd.Index(keys[ranked]).duplicated(keep="first")
    lost = np.empty(len(table), dtype=bool)
    lost[ranked] = lost_ranked
    if not lost.any():
        return table, pd.DataFrame(columns=["order", "cells", "kept_file"])
    orders = table["order"].to_numpy()
    kept = ranked[~lost_ranked]
    kept_by = np.empty(count, dtype=orders.dtype)
    kept_by[keys[kept]] = orders[kept]
    meta = files.set_index("order")["file"]
    clashes = (pd.DataFrame({"order": orders[lost],
                             "kept_file": pd.Series(kept_by[keys[lost]]).map(meta).to_numpy()})
               .groupby(["order", "kept_file"]).size().rename("cells").reset_index())
    return table.loc[~lost], clashes


def _zero_filled_report(table: pd.DataFrame) -> pd.DataFrame:
    columns = ["source_file", "publication", "area_type", "area_name", "borough", "indicator",
               "measure", "first_month", "last_month", "months"]
    filled = table[table["zero_filled"]]
    if filled.empty:
        return pd.DataFrame(columns=columns)
    # The groupby of the table's strings, on integer ranks: groups in sorted key order, a
    # row with a missing key in none.
    keys = columns[:7]
    ranks = [_sort_ranks(filled[c]) for c in keys]
    present = filled[keys].notna().all(axis=1).to_numpy()
    order = _lexsort(ranks)
    order = order[present[order]]
    if not len(order):
        return pd.DataFrame(columns=columns)
    ranked = np.stack([r[order] for r in ranks])
    starts = np.flatnonzero(np.r_[True, (np.diff(ranked, axis=1) != 0).any(axis=0)])
    months = filled["month"].array.asi8[order]
    out = pd.DataFrame({c: filled[c].iloc[order[starts]].to_numpy(dtype=object) for c in keys})
    out["first_month"] = pd.PeriodIndex.from_ordinals(np.minimum.reduceat(months, starts),
                                                      freq="M")
    out["last_month"] = pd.PeriodIndex.from_ordinals(np.maximum.reduceat(months, starts),
                                                     freq="M")
    out["months"] = np.diff(np.r_[starts, len(order)]).astype(np.int64)
    return out


def _group_count(frame: pd.DataFrame, columns: list[str]) -> int:
    """``frame.groupby(columns, observed=True).ngroups``, on integer codes."""
    codes = [_value_codes(frame[c]) for c in columns]
    complete = np.logical_and.reduce([c >= 0 for c in codes])
    if not complete.any():
        return 0
    return _row_keys([c[complete] for c in codes])[1]


def _winner_lookup(winner: pd.Series):
    """A function giving, for each cell of a file, the order of the file winning its
    publication, level, scope, measure and month (-1: none).

    Joining each file's cells to the winners on their text keys took seconds a file; the
    keys are few, so they are coded against the winners' own and looked up in an array.
    """
    keys = winner.index.to_frame(index=False)
    texts = [c for c in _WINNER_KEYS if c != "month"]
    vocab = {c: pd.Index(pd.unique(keys[c].astype(str).to_numpy(dtype=object)), dtype=object)
             for c in texts}
    months = keys["month"].array.asi8
    first = int(months.min()) if len(months) else 0
    sizes = [len(vocab[c]) for c in texts] + [int(months.max()) - first + 1 if len(months) else 1]

    def code(frame: pd.DataFrame) -> np.ndarray:
        out = np.zeros(len(frame), dtype=np.int64)
        valid = np.ones(len(frame), dtype=bool)
        for c, size in zip(texts, sizes, strict=False):
            values = frame[c]
            if isinstance(values.dtype, pd.CategoricalDtype):
                at = vocab[c].get_indexer(values.cat.categories.astype(str).to_numpy(
                    dtype=object))
                codes = values.cat.codes.to_numpy()
                found = np.append(at, -1)[codes]
            else:
                found = vocab[c].get_indexer(values.astype(str).to_numpy(dtype=object))
            valid &= found >= 0
            out = out * size + found
        month = frame["month"].array.asi8 - first
        valid &= (month >= 0) & (month < sizes[-1]) & ~frame["month"].isna().to_numpy()
        return np.where(valid, out * sizes[-1] + month, -1)

    table = np.full(int(np.prod(sizes)), -1, dtype=np.int64)
    table[code(keys)] = winner.to_numpy()

    def won_by(cells: pd.DataFrame) -> np.ndarray:
        at = code(cells)
        return np.where(at >= 0, table[np.maximum(at, 0)], -1)

    return won_by


def _account(ranked: list[_ParsedFile], winner: pd.Series, files_info: pd.DataFrame,
             clashes: pd.DataFrame,
             copies: list[tuple[_ParsedFile, str]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows and cells per file: read = loaded + set aside, each with its reason."""
    records = []
    loaded_rows, set_aside_rows, filled_series = [], [], []
    won_by = _winner_lookup(winner)
    for order, item in enumerate(ranked):
        cells = _with_scope(item.long[["row", "level", "borough", "measure", "month"]],
                            item.layout)
        won = won_by(cells) == order
        from_file = (cells["row"] > 0).to_numpy()
        row = cells["row"].to_numpy()
        rows_used = np.unique(row[won & from_file])
        superseded = np.setdiff1d(row[from_file], rows_used)
        n_used = int((won & from_file).sum())
        n_filled = int((won & ~from_file).sum())
        records += [
            {"file": item.path.name, "outcome": "loaded", "rows": len(rows_used),
             "cells": n_used, "reason": ""},
            {"file": item.path.name, "outcome": "set aside", "rows": len(superseded),
             "cells": int(from_file.sum()) - n_used,
             "reason": "superseded by a newer vintage (every month of the row)"},
            {"file": item.path.name, "outcome": "set aside", "rows": len(item.blank_rows),
             "cells": 0, "reason": "blank line"},
            {"file": item.path.name, "outcome": "added", "rows": 0, "cells": n_filled,
             "reason": _ZERO_FILL_REASON},
        ]
        for reason, cells_out, rows_out in item.set_aside_months.values():
            records.append({"file": item.path.name, "outcome": "set aside", "rows": rows_out,
                            "cells": cells_out, "reason": reason})
        for clash in clashes[clashes["order"] == order].itertuples(index=False):
            records.append({"file": item.path.name, "outcome": "set aside", "rows": 0,
                            "cells": int(clash.cells),
                            "reason": f"also published in {clash.kept_file}, which is used"})
        loaded_rows.append(len(rows_used))
        set_aside_rows.append(len(superseded) + len(item.blank_rows) + sum(
            rows_out for _, _, rows_out in item.set_aside_months.values()))
        filled = item.long.loc[~from_file]
        filled_series.append(_group_count(filled, ["area_code", "area_name", "indicator",
                                                   "measure"]) if len(filled) else 0)
    accounting = pd.DataFrame(records)
    # Cells of a loaded row can be superseded too; say so rather than hide them.
    partly = (accounting["outcome"] == "set aside") & (accounting["rows"] == 0) & (
        accounting["cells"] > 0) & accounting["reason"].str.startswith("superseded")
    accounting.loc[partly, "reason"] = "months superseded by a newer vintage"
    keep = (accounting["outcome"] == "loaded") | (accounting["rows"] > 0) | (
        accounting["cells"] > 0)
    files_info = files_info.assign(
        rows_read=[f.rows_read for f in ranked], rows_loaded=loaded_rows,
        rows_set_aside=set_aside_rows, series_read_as_zero=filled_series, duplicate_of="",
    )
    accounting = accounting.loc[keep]
    if copies:
        # A copy's rows are all set aside, with the file it repeats as the reason.
        accounting = pd.concat([accounting, pd.DataFrame(
            [{"file": f.path.name, "outcome": "set aside", "rows": f.rows_read,
              "cells": int((f.long["row"] > 0).sum()), "reason": reason}
             for f, reason in copies])], ignore_index=True)
        files_info = pd.concat([files_info, pd.DataFrame([{
            "order": -1, "file": f.path.name, "path": str(f.path),
            "publication": PUBLICATIONS[f.layout], "layout": f.layout,
            "recognised": f.recognised, "scheme": f.scheme, "encoding": f.encoding,
            "first_month": str(f.first_month), "last_month": str(f.last_month),
            "vintage": str(f.last_month), "vintage_basis": "not read: a copy",
            "refresh_date": f.refresh_date, "synthetic": f.synthetic,
            "rows_read": f.rows_read, "rows_loaded": 0, "rows_set_aside": f.rows_read,
            "series_read_as_zero": 0, "duplicate_of": reason} for f, reason in copies])],
            ignore_index=True)
    return accounting.reset_index(drop=True), files_info


_REVISION_KINDS = ("restatement", "coding change")


def _revisions(every: pd.DataFrame, files_info: pd.DataFrame,
               ranked: list[_ParsedFile]) -> pd.DataFrame:
    keys = _SERIES_KEYS + ["month"]
    columns = [k for k in keys if k != "product"] + [
        "publication", "vintage", "file", "count", "used", "count_used", "difference", "kind"]
    # Integer keys throughout: grouping, joining and sorting a million rows on nine text keys
    # spent most of the time turning categories into strings.
    codes = [_value_codes(every[c]) for c in _SERIES_KEYS]
    months = every["month"].array.asi8
    series, count = _row_keys(codes + [months])
    # Rows with a missing key belong to no group, as in a groupby.
    complete = np.logical_and.reduce([c >= 0 for c in codes]) & ~every["month"].isna().to_numpy()
    held = (np.bincount(series[complete], minlength=count)[series] > 1) & complete
    if not held.any():
        return pd.DataFrame(columns=columns)
    rows = np.flatnonzero(held)
    order = every["order"].to_numpy()[rows]
    used = order == every["winner"].to_numpy()[rows]
    counts = every["count"].to_numpy()[rows]
    key = series[rows]
    # The file used for a series and month: at most one row per key (see _WINNER_KEYS).
    has_used = np.zeros(count, dtype=bool)
    has_used[key[used]] = True
    count_used = np.zeros(count, dtype=counts.dtype)
    count_used[key[used]] = counts[used]
    order_used = np.full(count, -1, dtype=np.int64)
    order_used[key[used]] = order[used]
    meta = files_info.set_index("order")
    at = meta.index.get_indexer(order)
    vintage_rank, _ = pd.factorize(meta["vintage"].to_numpy(dtype=object), sort=True)
    sort_keys = [_sort_ranks(every[c])[rows] for c in keys if c not in ("product", "month")]
    sort_keys += [months[rows], vintage_rank[at]]
    perm = _lexsort(sort_keys)
    rows, order, used, counts, key, at = (a[perm] for a in (rows, order, used, counts, key, at))
    found = has_used[key]
    # A difference between two files of the same coding is a restatement (offences added,
    # reclassified or cancelled after first recording); between codings, it is the coding.
    # A series the file used does not hold at all (an airport row an older vintage had) is
    # neither: the newer publication simply does not report it.
    codings = [(f.scheme, tuple(sorted(f.definitions.items()))) for f in ranked]
    coding_id = np.array([codings.index(c) for c in codings])
    used_order = order_used[key]
    same = coding_id[order.astype(np.int64)] == coding_id[np.maximum(used_order, 0)]
    out = {c: _object_strings(every[c], rows) for c in keys if c not in ("product", "month")}
    out["month"] = pd.PeriodIndex.from_ordinals(months[rows], freq="M")
    for col in ("publication", "vintage", "file"):
        out[col] = meta[col].iloc[at].reset_index(drop=True)
    out["count"] = counts
    out["used"] = used
    out["count_used"] = pd.arrays.IntegerArray(count_used[key].astype(np.int64), ~found)
    out["difference"] = pd.arrays.IntegerArray((counts - count_used[key]).astype(np.int64),
                                               ~found)
    result = pd.DataFrame(out)
    result["kind"] = np.where(used_order < 0, "not in the file used",
                              np.where(same, "restatement", "coding change"))
    return result[columns]


def _object_strings(values: pd.Series, rows: np.ndarray) -> pd.Series:
    """``values.iloc[rows]`` as Python strings (object dtype), taken by category code."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        categories = np.asarray(values.cat.categories, dtype=object)
        codes = values.cat.codes.to_numpy()[rows]
        taken = np.append(categories, np.nan)[codes]
        return pd.Series(taken, dtype=object)
    return pd.Series(values.to_numpy(dtype=object)[rows], dtype=object)


def revision_summary(revisions: pd.DataFrame) -> pd.DataFrame:
    """Per indicator, older vintage and kind: how much the vintage used restated it.

    Returns one row per ``level, indicator, vintage, kind`` (the older, replaced vintage;
    ``kind`` is ``restatement`` when both files use the same coding, ``coding change`` when
    the newer file codes the same offences differently) with the months compared, the total in
    the replaced vintage and in the one used, and the percentage difference of the totals.

    Examples
    --------
    >>> from scpb_analysis.demo import write_demo_data
    >>> import tempfile
    >>> load = read_mps_crime(write_demo_data(tempfile.mkdtemp()) / "borough")
    >>> s = revision_summary(load.revisions)
    >>> bool((s["pct_difference"].abs() < 10).all()), sorted(s["kind"].unique())
    (True, ['coding change'])
    """
    columns = ["level", "indicator", "vintage", "kind", "months", "total_replaced",
               "total_used", "pct_difference"]
    replaced = revisions.loc[~revisions["used"].astype(bool)] if len(revisions) else revisions
    if "kind" not in replaced:
        replaced = replaced.assign(kind="restatement")
    replaced = replaced[replaced["kind"].isin(_REVISION_KINDS)]
    if replaced.empty:
        return pd.DataFrame(columns=columns)
    summary = (
        replaced.groupby(["level", "indicator", "vintage", "kind"], sort=True, observed=True)
        .agg(months=("month", "nunique"), total_replaced=("count", "sum"),
             total_used=("count_used", "sum"))
        .reset_index()
    )
    used = summary["total_used"].astype(float)
    summary["pct_difference"] = np.where(
        used > 0, (summary["total_replaced"] - used) / used * 100, np.nan).round(2)
    return summary[columns]


def revision_text(summary: pd.DataFrame, *, level: str = "borough",
                  indicators: Sequence[str] | None = None) -> str:
    """The revisions in words a board member reads: restatements apart from coding changes.

    Parameters
    ----------
    summary : DataFrame
        :func:`revision_summary`.
    level : str
        Area level to describe (``borough``).
    indicators : sequence of str, optional
        Only these indicators (default all).

    Examples
    --------
    >>> s = pd.DataFrame({"level": "borough", "indicator": ["robbery_of_personal_property",
    ...     "residential_burglary"], "vintage": ["2023-07", "2023-07"],
    ...     "kind": ["restatement", "coding change"], "months": [24, 24],
    ...     "total_replaced": [1010, 970], "total_used": [1000, 1000],
    ...     "pct_difference": [1.0, -3.0]})
    >>> print(revision_text(s))
    Restatements: later publications revised the months they share with earlier ones by up to \
1.0% (Robbery of Personal Property, publication to July 2023: 1.0% above the figures used). \
This is normal: crimes are reclassified, added or cancelled after they are first recorded.
    Coding changes: where a later publication codes the same offences differently, its months \
differ from the earlier publication's by up to 3.0% (Residential Burglary, publication to July \
2023: 3.0% below the figures used). These are not revisions of the count; comparisons are made \
within one coding.
    """
    from scpb_analysis.core.periods import month_label
    from scpb_analysis.reference.taxonomy import indicator_name

    if summary.empty:
        return "No month was published in more than one of the files used, so nothing was revised."
    rows = summary[summary["level"] == level]
    if indicators is not None:
        rows = rows[rows["indicator"].isin(list(indicators))]
    rows = rows.dropna(subset=["pct_difference"])
    intro = {
        "restatement": ("Restatements: later publications revised the months they share with "
                        "earlier ones by up to {max}% ({worst}). This is normal: crimes are "
                        "reclassified, added or cancelled after they are first recorded."),
        "coding change": ("Coding changes: where a later publication codes the same offences "
                          "differently, its months differ from the earlier publication's by up "
                          "to {max}% ({worst}). These are not revisions of the count; "
                          "comparisons are made within one coding."),
    }
    lines = []
    for kind in _REVISION_KINDS:
        part = rows[rows["kind"] == kind]
        if part.empty:
            continue
        worst = part.loc[part["pct_difference"].abs().idxmax()]
        side = "above" if worst["pct_difference"] > 0 else "below"
        where = (f"{indicator_name(worst['indicator'])}, publication to "
                 f"{month_label(pd.Period(worst['vintage'], freq='M'))}: "
                 f"{abs(worst['pct_difference']):.1f}% {side} the figures used")
        if worst["pct_difference"] == 0:
            where = f"{indicator_name(worst['indicator'])}: no difference"
        lines.append(intro[kind].format(max=f"{part['pct_difference'].abs().max():.1f}",
                                        worst=where))
    return "\n".join(lines) or "No figure used was revised."


# ---------------------------------------------------------------------------------------------
# Choosing publications for a report


def _first_published(parsed: list[_ParsedFile], end: pd.Period) -> tuple[list[_ParsedFile],
                                                                         list[_ParsedFile]]:
    """Per publication: the first vintage reaching ``end`` and every older one; the rest."""
    kept, later = [], []
    for product in sorted({f.layout for f in parsed}):
        mine = [f for f in parsed if f.layout == product]
        reaching = sorted(f.vintage for f in mine if f.vintage >= end)
        if not reaching:
            kept += mine
            continue
        kept += [f for f in mine if f.vintage <= reaching[0]]
        later += [f for f in mine if f.vintage > reaching[0]]
    return kept, later


def read_mps_crime_as_published(paths: str | Path | Iterable[str | Path],
                                period_end: str | pd.Period) -> MpsCrimeLoad:
    """The data as they stood when the period was first reported: no later revisions.

    A quarter's pack, re-built later, should show what the board saw. For each publication
    (borough, ward, LSOA files, the dashboard extract) this keeps the first vintage whose last
    month is on or after ``period_end``, and every older one (they fill earlier months of long
    trends), and leaves out newer vintages, whose restatements would otherwise win; they are
    listed in ``later_files``. A publication with no vintage reaching ``period_end`` is kept
    whole (and comparisons report the missing months).

    Parameters
    ----------
    paths : path or iterable of paths
        As for :func:`read_mps_crime`.
    period_end : str or Period
        Last month of the period reported, ``YYYY-MM``.

    Returns
    -------
    MpsCrimeLoad
        As :func:`read_mps_crime` on the kept files; ``files`` lists only those.

    Examples
    --------
    >>> import tempfile
    >>> from scpb_analysis.demo import write_demo_data
    >>> mps = write_demo_data(tempfile.mkdtemp())
    >>> sorted(read_mps_crime_as_published(mps / "borough", "2023-05").files["vintage"].unique())
    ['2023-07']
    >>> sorted(read_mps_crime(mps / "borough").files["vintage"].unique())
    ['2023-07', '2025-02']
    """
    from scpb_analysis.core.periods import to_month

    found = _parse_paths(paths)
    kept, later = _first_published(found.files, to_month(period_end))
    return _combine(kept, found.ignored, sorted(str(f.path) for f in later), found.copies)


#: How a report chooses among vintages (:func:`read_mps_crime_for_period`).
FIGURES = ("as_published", "latest")


def read_mps_crime_for_period(paths: str | Path | Iterable[str | Path],
                              period_end: str | pd.Period,
                              figures: str = "as_published") -> MpsCrimeLoad:
    """The MPS files for a report on the period to ``period_end``, as the report asks.

    This is what ``scpb build`` and ``scpb compare`` read, so a script that calls it gives the
    pack's numbers.

    Parameters
    ----------
    paths : path or iterable of paths
        MPS files and/or folders (any publication: borough, ward, LSOA, dashboard extract).
    period_end : str or Period
        Last month of the period reported, ``YYYY-MM``.
    figures : {"as_published", "latest"}
        ``as_published`` (default): the figures as the board first saw them, from the first
        publication covering the period (:func:`read_mps_crime_as_published`); ``latest``:
        every vintage, the newest winning month by month, so later revisions are shown
        (:func:`read_mps_crime`). ``as-published`` is accepted for ``as_published``.

    Returns
    -------
    MpsCrimeLoad
        ``.publications_text()`` names the publications the numbers came from.

    Examples
    --------
    >>> import tempfile
    >>> from scpb_analysis.demo import write_demo_data
    >>> mps = write_demo_data(tempfile.mkdtemp()) / "borough"
    >>> read_mps_crime_for_period(mps, "2023-05").publications_text()
    'MPS Borough Level Crime to July 2023 (2 files)'
    >>> read_mps_crime_for_period(mps, "2023-05", figures="revised")
    Traceback (most recent call last):
    ...
    ValueError: figures='revised': expected one of as_published, latest
    """
    choice = str(figures).replace("-", "_")
    if choice not in FIGURES:
        raise ValueError(f"figures={figures!r}: expected one of {', '.join(FIGURES)}")
    if choice == "latest":
        return read_mps_crime(paths)
    return read_mps_crime_as_published(paths, period_end)


def load_mps_crime(paths: str | Path | Iterable[str | Path]) -> pd.DataFrame:
    """Load MPS recorded-crime files into the tidy count table.

    The table has one row per month x area x indicator x measure with the columns
    :data:`TIDY_COLUMNS`: ``month`` (``Period[M]``), ``area_type`` (``borough``, ``ward``,
    ``lsoa`` or ``other`` for rows such as airports and ``Unknown`` that are not boroughs),
    ``area_code`` (GSS), ``area_name``, ``borough``, ``indicator`` (canonical id from the
    taxonomy, or ``UNMAPPED: major / minor``), ``measure``, ``count`` (int64), provenance
    (``vintage``, ``scheme``, ``source_file``, ``synthetic``, ``publication``) and
    ``zero_filled`` (True where the file had no row and the count is read as 0). Use
    :func:`read_mps_crime` for the row accounting, revisions and series breaks; this function
    warns if any category is unmapped.

    Examples
    --------
    >>> from scpb_analysis.demo import write_demo_data
    >>> import tempfile
    >>> crime = load_mps_crime(write_demo_data(tempfile.mkdtemp()) / "borough")
    >>> crime.loc[crime.area_name == "Barnet", "indicator"].nunique() >= 25
    True
    """
    load = read_mps_crime(paths)
    if len(load.unmapped):
        names = ", ".join(sorted(load.unmapped["indicator"].unique()))
        warnings.warn(f"categories not in the taxonomy are carried as unmapped: {names}",
                      stacklevel=2)
    return load.table


def area_ward_crime(paths: str | Path | Sequence[str | Path], area: str,
                    period_end: str | pd.Period | None = None,
                    figures: str = "as_published") -> pd.DataFrame:
    """One area's ward rows from MPS ward-level files.

    Parameters
    ----------
    paths : path or sequence of paths
        MPS ward-level files and/or folders (``mps/ward``).
    area : str
        The borough (canonical name).
    period_end : str or Period, optional
        The period reported: the files are chosen as the dashboard chooses them
        (:func:`read_mps_crime_for_period`); without it, every vintage, the newest winning.
    figures : {"as_published", "latest"}

    Returns
    -------
    DataFrame
        The tidy table, ward rows of ``area`` only; ``attrs["publications"]`` names the
        publications read and the files whose rows the table holds.

    Examples
    --------
    >>> import tempfile
    >>> from scpb_analysis.demo import write_demo_data
    >>> mps = write_demo_data(tempfile.mkdtemp())
    >>> crime = area_ward_crime(mps / "ward", "Barnet", "2023-05")
    >>> crime["area_code"].nunique(), crime.attrs["publications"]
    (24, 'MPS Ward Level Crime to January 2024 (1 file); files used: ...202401_wards2022.csv')
    """
    load = (read_mps_crime(paths) if period_end is None
            else read_mps_crime_for_period(paths, period_end, figures))
    table = load.table
    from scpb_analysis.reference.geography import select_area

    out = select_area(table, area, area_type="ward", missing="empty").reset_index(drop=True)
    # Several folders (mps/ward, mps/ward-all-offences) may be read: name the files used.
    used = sorted(set(out["source_file"].astype(str)))
    out.attrs["publications"] = (load.publications_text()
                                 + (f"; files used: {', '.join(used)}" if used else ""))
    return out
