"""Resident population by LSOA and by ward: the denominators for rates.

Two kinds of source are read, each found under a data folder by its columns (file names vary
between downloads), as the publisher's CSV or a re-sharer's Parquet copy of it (column names
matched in any case or underscore spelling, ``geography_code`` for ``geography code``):

- ``census2021``: ONS Census 2021 table TS007A, columns ``geography code, geography,
  Age: Total, Age: Aged 4 years and under, ..., Age: Aged 85 years and over``; LSOAs on 2021
  boundaries, England and Wales; five-year bands ``age_0_4`` ... ``age_85_plus``.
- ``mid2020``, ``mid2019``: ONS mid-year estimates, columns ``LSOA11CD, LSOA11NM, LAD11NM,
  Persons_All-Ages, Persons_0-15, ..., Persons_65+``; LSOAs on 2011 boundaries, London; bands
  as published (``age_0_15, age_16_29, age_30_44, age_45_64, age_65_plus``). The year is read
  from the file name, as the file itself does not state it.

A Parquet file anywhere under the data folder that cannot be read is an error naming it, as it
may be the table looked for. Where a CSV and a Parquet copy of it are both there, the CSV is read.

Broader bands are added where the published bands add up to them exactly: ``age_0_9``,
``age_10_24``, ``age_under_25``, ``age_25_64`` and ``age_65_plus`` from the Census bands (the
mid-year bands give only ``age_65_plus``). Every table carries ``source``, ``vintage`` and
``geography`` columns, so a rate always says which denominator it used
(:data:`POPULATION_SOURCES` describes each); ``source`` also names the file and the layout
recognised in it, e.g. ``Census 2021 TS007A (Parquet copy, column names re-spelled)``.

Ward populations sum these LSOAs to wards: see :mod:`scpb_analysis.geo.ward_profiles`.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from scpb_analysis.core.errors import InputDataError, MissingSourceError
from scpb_analysis.reference.geography import canonical_borough, select_area
from scpb_analysis.sources.files import column_key as _key
from scpb_analysis.sources.files import find_data_files, other_delimiter

__all__ = ["POPULATION_SOURCES", "PopulationSource", "lsoa_population"]


@dataclass(frozen=True)
class PopulationSource:
    """What one population source is: its vintage, geography, age bands and origin."""

    key: str
    vintage: str
    geography: str
    lsoa_year: int
    description: str


#: The population sources :func:`lsoa_population` reads, by the ``source=`` key.
POPULATION_SOURCES = {
    "census2021": PopulationSource(
        "census2021", "Census 2021", "LSOA 2021", 2021,
        "ONS Census 2021 table TS007A (age by five-year bands): usual residents on Census day, "
        "21 March 2021, by LSOA (2021 boundaries), England and Wales",
    ),
    "mid2020": PopulationSource(
        "mid2020", "ONS mid-2020 estimates", "LSOA 2011", 2011,
        "ONS mid-year population estimates for 30 June 2020 by LSOA (2011 boundaries), London; "
        "published bands 0-15, 16-29, 30-44, 45-64, 65+",
    ),
    "mid2019": PopulationSource(
        "mid2019", "ONS mid-2019 estimates", "LSOA 2011", 2011,
        "ONS mid-year population estimates for 30 June 2019 by LSOA (2011 boundaries), London; "
        "published bands 0-15, 16-29, 30-44, 45-64, 65+",
    ),
}

# Broader bands built when the published bands tile them exactly (upper bound None = and over).
_DERIVED_BANDS = (
    ("age_0_9", 0, 9),
    ("age_10_24", 10, 24),
    ("age_under_25", 0, 24),
    ("age_25_64", 25, 64),
    ("age_65_plus", 65, None),
)
_CENSUS_EXPECTED = ("the ONS Census 2021 TS007A layout: 'geography code', 'geography', "
                    "'Age: Total' and one 'Age: Aged ...' column per five-year band")
_MIDYEAR_EXPECTED = ("the ONS mid-year estimate layout: LSOA11CD, LSOA11NM, Persons_All-Ages "
                     "and Persons_<from>-<to> / Persons_<from>+ band columns")


# ---------------------------------------------------------------------------------------------
# Finding files by their columns (shared with the deprivation and crosswalk modules)

# What each layout read here is called in ``source`` and ``method`` texts.
_CENSUS_LAYOUT = "Census 2021 TS007A"
_MIDYEAR_LAYOUT = "ONS mid-year estimates by LSOA (2011)"
_PARQUET_EXPECTED = "a readable Parquet file (or remove it from the data folder)"
# pandas keeps a non-default index as a column of its own: not the re-sharer's data.
_INDEX_COLUMN = re.compile(r"__index_level_\d+__")


def file_stamp(path: Path) -> tuple[int, int]:
    """Modification time and size: cached reads are redone when a file changes."""
    info = path.stat()
    return info.st_mtime_ns, info.st_size


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _is_parquet(path: Path) -> bool:
    # By content as well as name: a Parquet copy is sometimes saved with a .csv name.
    if path.suffix.lower() == ".parquet":
        return True
    with path.open("rb") as handle:
        return handle.read(4) == b"PAR1"


@cache
def _file_header(path_text: str, stamp: tuple[int, int]) -> tuple[str, tuple[str, ...]]:
    """Storage (``"CSV"`` or ``"Parquet"``) and column names; a Parquet file's from its schema.

    Only the schema is read: every file under a data folder is looked at to find the tables.
    """
    path = Path(path_text)
    if _is_parquet(path):
        import pyarrow.parquet as pq

        try:
            names = pq.read_schema(path).names
        except Exception as exc:  # noqa: BLE001 - pyarrow raises several types for bad files
            raise InputDataError(path, f"is not a readable Parquet file ({_first_line(exc)})",
                                 expected=_PARQUET_EXPECTED) from None
        return "Parquet", tuple(str(n).strip() for n in names if not _INDEX_COLUMN.fullmatch(n))
    # ONS lookups start with a byte-order mark; utf-8-sig removes it from the first column.
    with path.open(newline="", encoding="utf-8-sig", errors="replace") as handle:
        return "CSV", tuple(h.strip() for h in next(csv.reader(handle), []))


def find_tables(data_dir: str | Path, accept: Callable[[Sequence[str]], bool]) -> list[Path]:
    """CSV and Parquet files under ``data_dir`` (or ``data_dir`` itself) whose columns ``accept``
    takes; the publisher's CSVs come before Parquet copies, so a CSV wins where both are kept.

    A Parquet file whose schema cannot be read is an error, wherever it is under ``data_dir``:
    it cannot be told apart from the table looked for.
    """
    folder = Path(data_dir)
    if not folder.exists():
        raise MissingSourceError(folder, "does not exist", expected="a data folder (e.g. "
                             "../shared/data) or a CSV file (or a Parquet copy of one)")
    try:
        paths, _ = find_data_files(folder, "CSV or Parquet files")
    except InputDataError:  # a folder with no CSV or Parquet file holds none of the tables
        return []
    found = [p for p in paths if accept(_file_header(str(p), file_stamp(p))[1])]
    return sorted(found, key=lambda p: _file_header(str(p), file_stamp(p))[0] == "Parquet")


def has_columns(*names: str) -> Callable[[Sequence[str]], bool]:
    wanted = {_key(n) for n in names}
    return lambda header: wanted <= {_key(h) for h in header}


def _check_spellings(path: Path, header: Sequence[str], keys: Sequence[str]) -> None:
    """Two columns that are one column spelled twice cannot be told apart: an error."""
    seen: dict[str, str] = {}
    for column, key in zip(header, keys, strict=True):
        if key in seen:
            raise InputDataError(path, f"columns '{seen[key]}' and '{column}' are the same "
                                 "column spelled two ways", row=1, column=column,
                                 expected="each column once")
        seen[key] = column


def find_column(path: Path, columns: Sequence[str], name: str) -> str | None:
    """The file's own name for the published column ``name`` (any spelling), or None."""
    found = [c for c in columns if _key(c) == _key(name)]
    _check_spellings(path, found, [_key(name)] * len(found))
    return found[0] if found else None


def layout_text(path: Path, layout: str, respelled: bool) -> str:
    """The layout recognised in a file and how it was stored, for ``source`` texts.

    A Parquet copy, or a CSV, whose column names are not the publisher's spelling says so.
    """
    storage = _file_header(str(path), file_stamp(path))[0]
    how = "CSV" if storage == "CSV" else "Parquet copy"
    return f"{layout} ({how}{', column names re-spelled' if respelled else ''})"


def _read_csv(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def _read_parquet(path: Path) -> pd.DataFrame:
    """A Parquet copy as the table its CSV gives: every value as text, missing as empty text.

    Checks on the text (whole numbers, codes, totals) then run as on the CSV.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises several types for bad files
        raise InputDataError(path, f"is not a readable Parquet file ({_first_line(exc)})",
                             expected=_PARQUET_EXPECTED) from None
    columns = {}
    for name, values in zip(table.column_names, table.columns, strict=True):
        if _INDEX_COLUMN.fullmatch(name):
            continue
        try:
            if pa.types.is_dictionary(values.type):
                values = values.cast(values.type.value_type)
            if not pa.types.is_string(values.type):
                values = values.cast(pa.string())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise InputDataError(path, f"holds {values.type} values that cannot be read as "
                                 f"text ({_first_line(exc)})", column=name,
                                 expected="numbers or text, as in the published CSV") from None
        if name.strip() in columns:
            raise InputDataError(path, f"has two columns named '{name.strip()}'", column=name,
                                 expected="each column once")
        # As in the CSV read with keep_default_na=False, a missing value is empty text.
        columns[name.strip()] = pd.Series(values.fill_null("").to_numpy(zero_copy_only=False),
                                          dtype=str)
    return pd.DataFrame(columns, index=pd.RangeIndex(table.num_rows))


def read_table_file(path: Path) -> pd.DataFrame:
    """A CSV, or a Parquet copy of one, as a table of text (empty text where blank)."""
    storage = _file_header(str(path), file_stamp(path))[0]
    return _read_parquet(path) if storage == "Parquet" else _read_csv(path)


@cache
def _file_table(path_text: str, stamp: tuple[int, int]) -> pd.DataFrame:
    return read_table_file(Path(path_text))


def read_table(path: Path) -> pd.DataFrame:
    """A table as text, read once per file version (lookups are read by several functions)."""
    return _file_table(str(path), file_stamp(path)).copy()


def _whole_numbers(path: Path, frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Columns as int64; the first cell that is not a whole number of 0 or more is an error."""
    out = {}
    for column in columns:
        text = frame[column].str.strip().str.replace(",", "", regex=False)
        values = pd.to_numeric(text, errors="coerce")
        bad = values.isna() | (values < 0) | (values != np.floor(values))
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputDataError(path, f"'{frame[column].iloc[i]}' is not a population count",
                                 row=i + 2, column=column, expected="a whole number of 0 or more")
        out[column] = values.astype("int64")
    return pd.DataFrame(out, index=frame.index)


def _borough_name(name: str) -> str:
    """Canonical London borough name; other local authorities keep their ONS name."""
    try:
        return canonical_borough(name)
    except KeyError:
        return name


def _check_unique(path: Path, codes: pd.Series, column: str) -> None:
    dup = codes.duplicated()
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        first = int(np.flatnonzero((codes == codes.iloc[i]).to_numpy())[0])
        raise InputDataError(path, f"LSOA {codes.iloc[i]} appears again (first at row "
                             f"{first + 2})", row=i + 2, column=column,
                             expected="one row per LSOA")


# ---------------------------------------------------------------------------------------------
# Age bands

_BAND_PATTERNS = (
    (re.compile(r"^(?:aged )?under (\d+) years?$"), lambda m: (0, int(m[1]) - 1)),
    (re.compile(r"^(?:aged )?(\d+) years? and under$"), lambda m: (0, int(m[1]))),
    (re.compile(r"^(?:aged )?(\d+) to (\d+) years?$"), lambda m: (int(m[1]), int(m[2]))),
    (re.compile(r"^(?:aged )?(\d+) years? and over$"), lambda m: (int(m[1]), None)),
    (re.compile(r"^(?:aged )?(\d+) years?$"), lambda m: (int(m[1]), int(m[1]))),
    (re.compile(r"^(\d+)-(\d+)$"), lambda m: (int(m[1]), int(m[2]))),
    (re.compile(r"^(\d+)\+$"), lambda m: (int(m[1]), None)),
    # As re-sharers spell them: Persons_0-15 as persons_0_15, Persons_65+ as persons_65_plus.
    (re.compile(r"^(\d+) (\d+)$"), lambda m: (int(m[1]), int(m[2]))),
    (re.compile(r"^(\d+) ?plus$"), lambda m: (int(m[1]), None)),
)


def _band(label: str) -> tuple[int, int | None] | None:
    """Age range of a band label as ONS write them.

    >>> _band("Aged 4 years and under"), _band("Aged 10 to 14 years"), _band("85 years and over")
    ((0, 4), (10, 14), (85, None))
    >>> _band("0-15"), _band("65+"), _band("Total")
    ((0, 15), (65, None), None)
    >>> _band("aged_4_years_and_under"), _band("0_15"), _band("65_plus")
    ((0, 4), (0, 15), (65, None))
    """
    text = " ".join(label.replace("_", " ").casefold().split())
    for pattern, make in _BAND_PATTERNS:
        match = pattern.match(text)
        if match:
            return make(match)
    return None


def _band_name(lo: int, hi: int | None) -> str:
    return f"age_{lo}_plus" if hi is None else (f"age_{lo}" if lo == hi else f"age_{lo}_{hi}")


def _check_bands(path: Path, bands: dict[str, tuple[int, int | None]]) -> list[str]:
    """Band columns in age order; they must run from 0 without gaps to an open top band."""
    ordered = sorted(bands, key=lambda c: bands[c][0])
    expected_lo = 0
    for column in ordered:
        lo, hi = bands[column]
        if lo != expected_lo or (hi is None and column != ordered[-1]):
            raise InputDataError(path, f"age band '{column}' does not follow on from the band "
                                 f"before it (expected one starting at {expected_lo})", row=1,
                                 column=column, expected="age bands from 0 with no gaps or "
                                 "overlaps, ending with an 'and over' band")
        expected_lo = hi + 1 if hi is not None else expected_lo
    if not ordered or bands[ordered[-1]][1] is not None:
        raise InputDataError(path, "has no open top age band", row=1,
                             expected="a last band such as 'Aged 85 years and over'")
    return ordered


def _derived(counts: pd.DataFrame, ranges: dict[str, tuple[int, int | None]]) -> pd.DataFrame:
    """Broader bands that the published bands add up to exactly; others are left out."""
    out = {}
    for name, lo, hi in _DERIVED_BANDS:
        if name in counts:
            continue
        inside = [c for c, (a, b) in ranges.items()
                  if a >= lo and (hi is None or (b is not None and b <= hi))]
        covered = sorted(ranges[c] for c in inside)
        edges_ok = bool(covered) and covered[0][0] == lo and covered[-1][1] == hi
        if edges_ok:
            out[name] = counts[inside].sum(axis=1)
    return pd.DataFrame(out, index=counts.index)


def _check_total(path: Path, frame: pd.DataFrame, total: str, bands: list[str],
                 total_column: str) -> None:
    diff = frame[bands].sum(axis=1) != frame[total]
    if diff.any():
        i = int(np.flatnonzero(diff.to_numpy())[0])
        raise InputDataError(path, f"the age bands add up to {int(frame[bands].iloc[i].sum())} "
                             f"but the total is {int(frame[total].iloc[i])}", row=i + 2,
                             column=total_column, expected="age bands that sum to the total")


# ---------------------------------------------------------------------------------------------
# Readers


def _age_bands(path: Path, cols: dict[str, str], prefix: str, total_key: str,
               expected: str) -> dict[str, tuple[int, int | None]]:
    bands = {}
    for key, column in cols.items():
        if key.startswith(prefix) and key != total_key:
            rng = _band(key.removeprefix(prefix))
            if rng is None:
                raise InputDataError(path, f"'{column}' is not an age band", row=1,
                                     column=column, expected=expected)
            bands[column] = rng
    return bands


def _lsoa_frame(path: Path, raw: pd.DataFrame, code_col: str, name_col: str, total_col: str,
                bands: dict[str, tuple[int, int | None]], ordered: list[str],
                area_of: Callable[[pd.Series], pd.Series]) -> pd.DataFrame:
    codes = raw[code_col].str.strip()
    _check_unique(path, codes, code_col)
    counts = _whole_numbers(path, raw, [total_col, *ordered])
    _check_total(path, counts, total_col, ordered, total_col)
    names = {c: _band_name(*bands[c]) for c in ordered}
    ranges = {names[c]: bands[c] for c in ordered}
    out = counts[ordered].rename(columns=names)
    lsoa_names = raw[name_col].str.strip()
    area = area_of(lsoa_names)
    lookup = {p: _borough_name(p) for p in area.unique()}
    return pd.concat([pd.DataFrame({"lsoa_code": codes, "lsoa_name": lsoa_names,
                                    "borough": area.map(lookup),
                                    "population": counts[total_col]}),
                      out, _derived(out, ranges)], axis=1)


def _census_key(column: str) -> str:
    """Column key, with the Nomis '; measures: Value' suffix removed.

    >>> _census_key("Age: Total; measures: Value"), _census_key("age_aged_5_to_9_years")
    ('age_total', 'age_aged_5_to_9_years')
    """
    return _key(column).removesuffix("_measures_value")


def _census_columns(header: Sequence[str]) -> dict[str, str]:
    """Column key -> column."""
    return {_census_key(column): column for column in header}


def _is_census(header: Sequence[str]) -> bool:
    cols = _census_columns(header)
    return "geography_code" in cols and "age_total" in cols


@cache
def _census(path_text: str, stamp: tuple[int, int]) -> tuple[pd.DataFrame, str]:
    path = Path(path_text)
    raw = read_table_file(path)
    _check_spellings(path, list(raw.columns), [_census_key(c) for c in raw.columns])
    cols = _census_columns(raw.columns)
    bands = _age_bands(path, cols, "age_", "age_total", _CENSUS_EXPECTED)
    ordered = _check_bands(path, bands)
    code_col, name_col, total_col = cols["geography_code"], cols.get("geography"), \
        cols["age_total"]
    if name_col is None:
        raise InputDataError(path, "has no 'geography' (LSOA name) column", row=1,
                             expected=_CENSUS_EXPECTED)
    frame = _lsoa_frame(path, raw, code_col, name_col, total_col, bands, ordered,
                        lambda lsoa_names: lsoa_names.str.rsplit(" ", n=1).str[0])
    published = code_col == "geography code" and name_col == "geography" and all(
        c.startswith("Age: ") for c in (total_col, *ordered))
    layout = layout_text(path, _CENSUS_LAYOUT, respelled=not published)
    return frame.sort_values("lsoa_code").reset_index(drop=True), layout


def _is_midyear(header: Sequence[str]) -> bool:
    return has_columns("LSOA11CD", "Persons_All-Ages")(header)


@cache
def _midyear(path_text: str, stamp: tuple[int, int]) -> tuple[pd.DataFrame, str]:
    path = Path(path_text)
    raw = read_table_file(path)
    keys = [_key(c) for c in raw.columns]
    _check_spellings(path, list(raw.columns), keys)
    cols = dict(zip(keys, raw.columns, strict=True))
    code_col, total_col = cols["lsoa11cd"], cols["persons_all_ages"]
    name_col = cols.get("lsoa11nm")
    if name_col is None:
        raise InputDataError(path, "has no LSOA11NM (LSOA name) column", row=1,
                             expected=_MIDYEAR_EXPECTED)
    bands = _age_bands(path, cols, "persons_", "persons_all_ages", _MIDYEAR_EXPECTED)
    ordered = _check_bands(path, bands)
    lad_col = cols.get("lad11nm")
    frame = _lsoa_frame(path, raw, code_col, name_col, total_col, bands, ordered,
                        lambda lsoa_names: raw[lad_col].str.strip() if lad_col is not None
                        else lsoa_names.str.rsplit(" ", n=1).str[0])
    published = all(c in ("LSOA11CD", "LSOA11NM", "LAD11NM") or c.startswith("Persons_")
                    for c in (code_col, name_col, lad_col or "LAD11NM", total_col, *ordered))
    layout = layout_text(path, _MIDYEAR_LAYOUT, respelled=not published)
    return frame.sort_values("lsoa_code").reset_index(drop=True), layout


def _source_file(data_dir: str | Path, source: str) -> Path:
    if source == "census2021":
        found = find_tables(data_dir, _is_census)
        if not found:
            near = _near_misses(data_dir, ("ts007", "census"))
            raise MissingSourceError(Path(data_dir), "holds no Census 2021 age-by-LSOA table"
                                 + (f" ({near})" if near else ""),
                                 expected=f"a CSV file (or a Parquet copy of one) in "
                                 f"{_CENSUS_EXPECTED}")
        # Prefer a file named like the ONS download if several match (e.g. a Barnet extract);
        # the sort is stable, so the CSV before a Parquet copy of it.
        return sorted(found, key=lambda p: "ts007" not in p.name.casefold())[0]
    year = source.removeprefix("mid")
    layout = find_tables(data_dir, _is_midyear)
    found = [p for p in layout if year in p.name]
    if not found:
        listing = ", ".join(p.name for p in layout) or "none"
        raise MissingSourceError(
            Path(data_dir), f"holds no mid-{year} population estimates by LSOA (files in the "
            f"mid-year layout: {listing}; the year is read from the file name)",
            expected=f"a CSV file (or a Parquet copy of one) with {year} in its name, in "
            f"{_MIDYEAR_EXPECTED}")
    return found[0]


def _near_misses(data_dir: str | Path, words: Sequence[str]) -> str:
    """Why files named like the table looked for were not taken for it (empty, delimiter)."""
    folder = Path(data_dir)
    if not folder.is_dir():
        return ""
    notes = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()
                       and p.suffix.lower() in (".csv", ".parquet")
                       and any(w in p.name.casefold() for w in words)):
        if path.stat().st_size == 0:
            notes.append(f"{path.name} is empty")
            continue
        header = _file_header(str(path), file_stamp(path))[1]
        other = other_delimiter(header)
        if other is not None:
            notes.append(f"{path.name} is delimited by {other[0]!r}, not commas")
        else:
            notes.append(f"{path.name} has columns {', '.join(header[:4])}"
                         f"{', ...' if len(header) > 4 else ''}")
    return "; ".join(notes)


# ---------------------------------------------------------------------------------------------
# Public functions


def lsoa_population(data_dir: str | Path, borough: str | None = None,
                    source: str = "census2021") -> pd.DataFrame:
    """Resident population by LSOA, with age bands and the vintage of the figures.

    Parameters
    ----------
    data_dir : path
        Folder searched (recursively) for the population CSV or a Parquet copy of it (column
        names in any case or underscore spelling), or that file itself. Where both are there,
        the CSV is read.
    borough : str, optional
        Keep one borough's LSOAs (matched on the LSOA name, ``"Barnet 001A"``, for the Census;
        on ``LAD11NM`` for mid-year estimates).
    source : {"census2021", "mid2020", "mid2019"}
        Census 2021 (LSOA 2021 boundaries, five-year bands) or an ONS mid-year estimate (LSOA
        2011 boundaries, bands as published). See :data:`POPULATION_SOURCES`.

    Returns
    -------
    DataFrame
        ``lsoa_code, lsoa_name, borough, population``, one ``age_*`` column per published band
        (``age_0_4`` ... ``age_85_plus`` for the Census), the broader bands those add up to
        (``age_0_9, age_10_24, age_under_25, age_25_64, age_65_plus`` from the Census), then
        ``source, vintage, geography``; sorted by ``lsoa_code``. Bands sum to ``population``
        (checked on reading). ``source`` describes the figures and names the file and the
        layout recognised in it, e.g. ``(census2021-ts007a-lsoa.csv, recognised as Census
        2021 TS007A (CSV))``.

    Raises
    ------
    InputDataError
        If no file in the layout is found, a Parquet file cannot be read, a count is not a
        whole number, an LSOA appears twice, the bands do not add up to the total, the
        borough has no LSOAs in the file, or (2021 LSOAs) the borough's LSOAs differ from
        those an ONS lookup in ``data_dir`` lists for it. Errors in a value name the file,
        the row (the header is row 1, in a Parquet copy too) and the column.

    Examples
    --------
    >>> pop = lsoa_population("../shared/data", "Barnet")  # doctest: +SKIP
    >>> len(pop), int(pop["population"].sum()), pop["vintage"].iloc[0]  # doctest: +SKIP
    (220, 389365, 'Census 2021')
    >>> pop["source"].iloc[0].endswith("recognised as Census 2021 TS007A (CSV))")  # doctest: +SKIP
    True
    >>> sorted(POPULATION_SOURCES)
    ['census2021', 'mid2019', 'mid2020']
    """
    if source not in POPULATION_SOURCES:
        raise ValueError(f"population source '{source}' is not known; expected one of "
                         f"{', '.join(sorted(POPULATION_SOURCES))}")
    info = POPULATION_SOURCES[source]
    path = _source_file(data_dir, source)
    table, layout = (_census if source == "census2021" else _midyear)(str(path), file_stamp(path))
    if borough is not None:
        name = canonical_borough(borough)
        table = select_area(table, name, missing="empty")
        if table.empty:
            raise InputDataError(path, f"has no LSOAs of {name}",
                                 expected=f"{info.geography} rows for {name}")
        if info.lsoa_year == 2021:
            _check_borough_lsoas(data_dir, path, name, table["lsoa_code"])
    return table.assign(source=f"{info.description} ({path.name}, recognised as {layout})",
                        vintage=info.vintage, geography=info.geography).reset_index(drop=True)


def _check_borough_lsoas(data_dir: str | Path, path: Path, borough: str,
                         codes: pd.Series) -> None:
    """The borough's LSOAs in the population file are every LSOA an ONS lookup lists for it.

    A population file cut short (or an extract missing rows) would otherwise give the borough a
    smaller population and every rate built on it would be too high. 2021 LSOAs do not change,
    so every lookup of 2021 LSOAs that covers the borough must list the same ones.
    """
    if Path(data_dir).is_file():
        return
    held = set(codes)
    for lookup in find_tables(data_dir, has_columns("LSOA21CD", "LSOA21NM")):
        raw = read_table(lookup)
        code_col = find_column(lookup, raw.columns, "LSOA21CD")
        name_col = find_column(lookup, raw.columns, "LSOA21NM")
        rows = raw[raw[name_col].str.strip().str.rsplit(" ", n=1).str[0] == borough]
        listed = set(rows[code_col].str.strip())
        if not listed or listed == held:
            continue
        missing, extra = sorted(listed - held), sorted(held - listed)
        parts = []
        if missing:
            parts.append(f"lacks {len(missing)} of the {len(listed)} LSOAs {lookup.name} lists "
                         f"for {borough} ({', '.join(missing[:5])}"
                         f"{', ...' if len(missing) > 5 else ''})")
        if extra:
            parts.append(f"holds {len(extra)} LSOA(s) of {borough} that {lookup.name} does not "
                         f"list ({', '.join(extra[:5])}{', ...' if len(extra) > 5 else ''})")
        raise InputDataError(path, " and ".join(parts),
                             expected=f"every 2021 LSOA of {borough} once (is the file cut "
                             "short, or an extract of some LSOAs?)")








def check_same_lsoas(left: pd.DataFrame, right: pd.DataFrame, left_name: str,
                right_name: str) -> None:
    """Both tables must hold the same LSOAs; name the first few that differ."""
    a, b = set(left["lsoa_code"]), set(right["lsoa_code"])
    if a == b:
        return
    only_a, only_b = sorted(a - b), sorted(b - a)
    parts = []
    if only_a:
        parts.append(f"{len(only_a)} LSOA(s) in the {left_name} but not in {right_name} "
                     f"({', '.join(only_a[:5])}{', ...' if len(only_a) > 5 else ''})")
    if only_b:
        parts.append(f"{len(only_b)} LSOA(s) in {right_name} but not in the {left_name} "
                     f"({', '.join(only_b[:5])}{', ...' if len(only_b) > 5 else ''})")
    raise InputDataError(None, "; ".join(parts),
                         expected="the same LSOAs (of the same census year) in both")
