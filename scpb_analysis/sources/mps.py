"""Metropolitan Police recorded crime, from every format the MPS has published.

Formats read (see ``../shared/data/README.md`` for the vintages they come from):

- wide borough files, one column per month ``YYYYMM`` after the identifiers
  ``Borough, Major Category, Minor Category`` (2008 coding),
  ``MajorText, MinorText, LookUp_BoroughName`` (2019 coding) or
  ``MajorText, MinorText, BoroughName`` (2024 recoding, upper-case categories);
- wide ward files: ``MajorText, MinorText, WardName, WardCode, LookUp_BoroughName``;
- the long "MPS Monthly Crime Dashboard" extract: ``Month_Year, Area Type, Borough_SNT,
  Area name, Area code, Offence Group, Offence Subgroup, Measure, Financial Year, FY_FYIndex,
  Count, Refresh Date``.

Every file becomes rows of the tidy count table (one row per month x area x indicator x
measure). When files overlap, the newest vintage wins month by month; the values it replaced
are kept in a revisions report, and changes of coding between months are reported as series
breaks.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from scpb_analysis.errors import InputDataError
from scpb_analysis.geography import canonical_borough, is_non_borough_area, london_boroughs
from scpb_analysis.sources._files import decode_text, find_csv_files
from scpb_analysis.taxonomy import UNMAPPED_PREFIX, breaks_table, map_category, normalise_label

__all__ = [
    "TIDY_COLUMNS",
    "SYNTHETIC_MARKER",
    "MpsCrimeLoad",
    "read_mps_crime",
    "read_mps_crime_as_published",
    "read_mps_crime_for_period",
    "load_mps_crime",
    "revision_summary",
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
]

#: A file of this name in a folder marks every file there as synthetic demo data.
SYNTHETIC_MARKER = "SYNTHETIC_DATA.txt"

_WIDE_HEADERS = {
    ("borough", "major category", "minor category"): ("borough", "mps_2008"),
    ("majortext", "minortext", "lookup_boroughname"): ("borough", None),
    ("majortext", "minortext", "boroughname"): ("borough", None),
    ("majortext", "minortext", "wardname", "wardcode", "lookup_boroughname"): ("ward", None),
}
_DASHBOARD_COLUMNS = (
    "Month_Year",
    "Area Type",
    "Borough_SNT",
    "Area name",
    "Area code",
    "Offence Group",
    "Offence Subgroup",
    "Measure",
    "Financial Year",
    "FY_FYIndex",
    "Count",
    "Refresh Date",
)
_EXPECTED_HEADERS = (
    "'Borough, Major Category, Minor Category', 'MajorText, MinorText, LookUp_BoroughName', "
    "'MajorText, MinorText, BoroughName' or 'MajorText, MinorText, WardName, WardCode, "
    "LookUp_BoroughName', each followed by one column per month YYYYMM; or the MPS Monthly "
    "Crime Dashboard columns " + ", ".join(_DASHBOARD_COLUMNS)
)
_MONTH_RE = re.compile(r"^(\d{4})(0[1-9]|1[0-2])$")
_COUNT_RE = re.compile(r"^(\d+|\d{1,3}(,\d{3})+)(\.0+)?$")
_COUNT_EXPECTED = "a whole number of 0 or more"


@dataclass
class _ParsedFile:
    path: Path
    layout: str
    scheme: str
    encoding: str
    long: pd.DataFrame  # tidy rows before combining, with a 'row' column (file row number)
    rows_read: int
    blank_rows: list[int]
    first_month: pd.Period
    last_month: pd.Period
    synthetic: bool
    refresh_date: str = ""
    vintage: pd.Period | None = None
    vintage_basis: str = ""


@dataclass
class MpsCrimeLoad:
    """The result of loading MPS crime files: the tidy table and its reports.

    Attributes
    ----------
    table : DataFrame
        The tidy count table (:data:`TIDY_COLUMNS`), one row per month x area x indicator x
        measure, newest vintage winning month by month.
    files : DataFrame
        One row per file: layout, coding scheme, encoding, months, vintage and how the vintage
        was decided, synthetic flag, and row accounting (``rows_read = rows_loaded +
        rows_set_aside``).
    accounting : DataFrame
        Rows and cells per file and outcome (loaded, superseded by a newer vintage, blank).
    revisions : DataFrame
        For every month x area x indicator that more than one file holds: each file's value,
        which one was used, and the difference from it.
    breaks : DataFrame
        Months at which a series is not like for like with the month before (coding change,
        recording-system change, seam between vintages, gap).
    unmapped : DataFrame
        Source categories not in the taxonomy, carried as ``UNMAPPED: major / minor``.
    """

    table: pd.DataFrame
    files: pd.DataFrame
    accounting: pd.DataFrame
    revisions: pd.DataFrame
    breaks: pd.DataFrame
    unmapped: pd.DataFrame
    ignored_files: list[str] = field(default_factory=list)

    @property
    def synthetic(self) -> bool:
        """True if any loaded file is synthetic demo data."""
        return bool(self.files["synthetic"].any()) if len(self.files) else False


# ---------------------------------------------------------------------------------------------
# Reading one file


def _decode(path: Path, raw: bytes) -> tuple[str, str]:
    return decode_text(
        path, raw,
        not_csv="a comma-separated text file as published on the London Datastore (save the "
        "sheet as CSV first)",
        plain="a comma-separated text file",
    )


def _split_rows(path: Path, text: str) -> list[list[str]]:
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise InputDataError(path, f"is not readable as CSV ({exc})",
                             expected="a comma-separated text file") from None
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise InputDataError(path, "has no header row", row=1, expected=_EXPECTED_HEADERS)
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


def _is_synthetic(path: Path) -> bool:
    return (path.parent / SYNTHETIC_MARKER).exists() or "synthetic" in path.name.lower()


def _scheme_from_case(majors: Iterable[str], minors: Iterable[str]) -> str:
    letters = "".join(majors) + "".join(minors)
    cased = [ch for ch in letters if ch.isalpha()]
    return "mps_2024" if cased and all(ch.isupper() for ch in cased) else "mps_2019"


def _parse_counts(path: Path, frame: pd.DataFrame, columns: Sequence[str]) -> np.ndarray:
    """Validate count cells and return them as int64; errors name the first bad cell.

    ``frame`` is indexed by file row number, so the error can name the row.
    """
    text = np.char.strip(frame[list(columns)].to_numpy(dtype=str))
    try:
        counts = text.astype(np.int64)
    except ValueError:
        counts = None
    if counts is not None and (counts >= 0).all():
        return counts
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
    return cleaned.astype(np.int64)


def _area_columns(path: Path, names: pd.Series, layout: str, column: str) -> pd.DataFrame:
    """Canonical borough names and codes; non-borough rows kept with area_type 'other'."""
    codes = dict(zip(london_boroughs()["borough"], london_boroughs()["borough_code"], strict=True))
    resolved: dict[str, tuple[str, str, str]] = {}
    for idx, raw in names.items():
        if raw in resolved:
            continue
        text = str(raw).strip()
        if is_non_borough_area(text):
            resolved[raw] = ("other", "", text)
            continue
        try:
            name = canonical_borough(text)
        except KeyError as exc:
            raise InputDataError(
                path,
                exc.args[0],
                row=int(idx),
                column=column,
                expected="one of the 32 London boroughs, or a known non-borough row such as "
                "'Aviation Security (SO18)' or 'Unknown'",
            ) from None
        resolved[raw] = ("borough", codes[name], name)
    out = pd.DataFrame([resolved[n] for n in names], columns=["area_type", "area_code", "borough"])
    out.index = names.index
    if layout == "ward":
        out.loc[out["area_type"] == "borough", "area_type"] = "ward"
    return out


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


def _parse_wide(path: Path, rows: list[list[str]], encoding: str, layout: str,
                scheme: str | None, n_id: int) -> _ParsedFile:
    header = [h.strip() for h in rows[0]]
    month_cols = header[n_id:]
    if not month_cols:
        raise InputDataError(path, "has no month columns", row=1,
                             expected="one column per month named YYYYMM after the identifiers")
    seen: set[str] = set()
    for col in month_cols:
        if not _MONTH_RE.match(col):
            raise InputDataError(path, f"column '{col}' is not a month", row=1, column=col,
                                 expected="month columns named YYYYMM, e.g. 202305")
        if col in seen:
            raise InputDataError(path, f"month column '{col}' appears twice", row=1, column=col,
                                 expected="each month once")
        seen.add(col)
    frame, blank = _body_frame(path, header, rows)
    id_cols = header[:n_id]
    if layout == "ward":
        major_col, minor_col, ward_col, code_col, borough_col = id_cols
    elif scheme == "mps_2008":
        borough_col, major_col, minor_col = id_cols
    else:
        major_col, minor_col, borough_col = id_cols
    for col in id_cols:
        frame[col] = frame[col].map(lambda v: str(v).strip())
        empty = frame.index[frame[col] == ""]
        if len(empty):
            raise InputDataError(path, "the identifier is empty", row=int(empty[0]), column=col,
                                 expected=f"a value in '{col}' on every row")
    if scheme is None:
        scheme = _scheme_from_case(frame[major_col].unique(), frame[minor_col].unique())
    # Heathrow Villages ward appears twice: its Hillingdon part and its Aviation Security part.
    key_cols = [major_col, minor_col] + ([code_col, borough_col] if layout == "ward"
                                         else [borough_col])
    _check_duplicates(path, frame[key_cols], "category and area")
    counts = _parse_counts(path, frame, month_cols)
    area = _area_columns(path, frame[borough_col], layout, borough_col)
    if layout == "ward":
        area_code = frame[code_col]
        area_name = frame[ward_col]
        borough = area["borough"]
    else:
        area_code = area["area_code"]
        area_name = area["borough"]
        borough = area["borough"]
    months = pd.PeriodIndex([pd.Period(f"{c[:4]}-{c[4:]}", freq="M") for c in month_cols])
    n_rows, n_months = counts.shape
    ordinals = np.tile(months.asi8, n_rows)
    long = pd.DataFrame(
        {
            "row": np.repeat(frame.index.to_numpy(), n_months),
            "level": _repeat_categorical(np.full(n_rows, layout, dtype=object), n_months),
            "month": pd.PeriodIndex.from_ordinals(ordinals, freq="M"),
            "area_type": _repeat_categorical(area["area_type"].to_numpy(), n_months),
            "area_code": _repeat_categorical(area_code.to_numpy(), n_months),
            "area_name": _repeat_categorical(area_name.to_numpy(), n_months),
            "borough": _repeat_categorical(borough.to_numpy(), n_months),
            "indicator": _repeat_categorical(
                _row_indicators(frame[major_col], frame[minor_col]), n_months),
            "measure": _repeat_categorical(np.full(n_rows, "offences", dtype=object), n_months),
            "count": counts.reshape(-1),
        }
    )
    return _ParsedFile(path, layout, scheme, encoding, long, len(rows) - 1, blank, months.min(),
                       months.max(), _is_synthetic(path))


def _parse_dashboard_month(path: Path, values: pd.Series) -> pd.Series:
    text = values.str.strip()
    out = pd.Series(pd.NaT, index=values.index, dtype="period[M]")
    remaining = pd.Series(True, index=values.index)
    for fmt in ("%Y%m", "%Y-%m", "%d/%m/%Y", "%Y-%m-%d", "%b-%y", "%b %Y", "%B %Y", "%m/%Y"):
        if not remaining.any():
            break
        parsed = pd.to_datetime(text[remaining], format=fmt, errors="coerce")
        good = parsed.notna()
        out.loc[good[good].index] = parsed[good].dt.to_period("M")
        remaining.loc[good[good].index] = False
    if remaining.any():
        bad = remaining[remaining].index[0]
        raise InputDataError(path, f"'{values[bad]}' is not a month", row=int(bad),
                             column="Month_Year",
                             expected="a month such as 2023-05, 202305, May 2023 or 01/05/2023")
    return out


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", normalise_label(text)).strip("_")


def _parse_dashboard(path: Path, rows: list[list[str]], encoding: str) -> _ParsedFile:
    header = [h.strip() for h in rows[0]]
    frame, blank = _body_frame(path, header, rows)
    by_key = {normalise_label(h): h for h in header}
    frame = frame.rename(columns={by_key[normalise_label(c)]: c for c in _DASHBOARD_COLUMNS})
    month = _parse_dashboard_month(path, frame["Month_Year"])
    counts = _parse_counts(path, frame, ["Count"])[:, 0]
    area_kind = frame["Area Type"].str.strip().map(normalise_label)
    bad_kind = ~area_kind.isin(["borough", "ward", "snt"])
    if bad_kind.any():
        row = bad_kind[bad_kind].index[0]
        raise InputDataError(path, f"area type '{frame.loc[row, 'Area Type']}' is not known",
                             row=int(row), column="Area Type", expected="Borough or Ward")
    is_ward = area_kind != "borough"
    area = _area_columns(path, frame["Borough_SNT"].str.strip(), "borough", "Borough_SNT")
    measure = frame["Measure"].map(_slug)
    keys = pd.DataFrame({"month": month.astype(str), "area_code": frame["Area code"].str.strip(),
                         "area": frame["Area name"].str.strip(),
                         "group": frame["Offence Group"].str.strip(),
                         "subgroup": frame["Offence Subgroup"].str.strip(), "measure": measure})
    _check_duplicates(path, keys, "month, area, offence and measure")
    area_type = np.where(is_ward & (area["area_type"] == "borough"), "ward", area["area_type"])
    area_code = np.where(is_ward, keys["area_code"], area["area_code"])
    area_name = np.where(is_ward, keys["area"], area["borough"])
    long = pd.DataFrame(
        {
            "row": frame.index.to_numpy(),
            "level": _repeat_categorical(np.where(is_ward, "ward", "borough"), 1),
            "month": month.to_numpy(),
            "area_type": _repeat_categorical(area_type, 1),
            "area_code": _repeat_categorical(area_code, 1),
            "area_name": _repeat_categorical(area_name, 1),
            "borough": _repeat_categorical(area["borough"].to_numpy(), 1),
            "indicator": _repeat_categorical(_row_indicators(keys["group"], keys["subgroup"]), 1),
            "measure": _repeat_categorical(measure.to_numpy(), 1),
            "count": counts,
        }
    )
    long["month"] = pd.PeriodIndex(long["month"], freq="M")
    scheme = _scheme_from_case(keys["group"].unique(), keys["subgroup"].unique())
    refresh = sorted({d.strip() for d in frame["Refresh Date"] if d.strip()})
    return _ParsedFile(path, "dashboard", scheme, encoding, long, len(rows) - 1, blank,
                       long["month"].min(), long["month"].max(), _is_synthetic(path),
                       refresh_date="; ".join(refresh))


def _read_file(path: Path) -> _ParsedFile:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputDataError(path, f"cannot be read ({exc.strerror})",
                             expected="a readable CSV file") from None
    text, encoding = _decode(path, raw)
    rows = _trim_trailing_empty_columns(path, _split_rows(path, text))
    header = tuple(normalise_label(h) for h in rows[0])
    dashboard = {normalise_label(c) for c in _DASHBOARD_COLUMNS}
    if set(header) == dashboard and len(header) == len(dashboard):
        return _parse_dashboard(path, rows, encoding)
    for ids, (layout, scheme) in _WIDE_HEADERS.items():
        if header[: len(ids)] == ids:
            return _parse_wide(path, rows, encoding, layout, scheme, len(ids))
    shown = ", ".join(h.strip() for h in rows[0][:6]) + (", ..." if len(rows[0]) > 6 else "")
    raise InputDataError(path, f"has an unknown header ({shown})", row=1,
                         expected=_EXPECTED_HEADERS)


# ---------------------------------------------------------------------------------------------
# Finding files, deciding vintages, combining


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
    cache: dict[tuple[str, str], str] = {}
    out = np.empty(len(majors), dtype=object)
    for i, pair in enumerate(zip(majors, minors, strict=True)):
        if pair not in cache:
            cache[pair] = map_category(*pair) or f"{UNMAPPED_PREFIX}{pair[0]} / {pair[1]}"
        out[i] = cache[pair]
    return out


def _repeat_categorical(values: np.ndarray, times: int) -> pd.Categorical:
    """Each value repeated ``times``, as a categorical (string keys group far faster so)."""
    codes, uniques = pd.factorize(values, sort=True)
    return pd.Categorical.from_codes(np.repeat(codes, times), categories=uniques)


# "level" is the geography a file reports at (borough or ward). Vintages compete within a level,
# so a ward file never supersedes a borough file's airport or "Unknown" rows.
_SERIES_KEYS = ["level", "area_type", "area_code", "area_name", "borough", "indicator", "measure"]


def _file_table(item: _ParsedFile, order: int) -> pd.DataFrame:
    # Several source names can map to one indicator in a month (February 2024 burglary).
    grouped = (
        item.long.groupby(_SERIES_KEYS + ["month"], sort=False, observed=True)["count"]
        .sum()
        .reset_index()
    )
    grouped["order"] = order
    return grouped


def _series_breaks(table: pd.DataFrame, files: pd.DataFrame) -> pd.DataFrame:
    """Months where the combined series stops being like for like with the month before."""
    out: list[dict[str, object]] = []
    info = files.set_index("order")
    for (level, measure), part in table.groupby(["level", "measure"], sort=True, observed=True):
        by_month = part.groupby("month")["order"].first().sort_index()
        months = by_month.index
        codes = (part.groupby("month")["area_code"].agg(frozenset) if level == "ward" else None)
        for prev_m, m in zip(months[:-1], months[1:], strict=True):
            before, after = info.loc[by_month[prev_m]], info.loc[by_month[m]]
            base = {"level": level, "measure": measure, "indicator": "*", "month": m}
            if (m - prev_m).n > 1:
                out.append(base | {"kind": "gap",
                                   "detail": f"no data for {(m - prev_m).n - 1} month(s) "
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
        known = breaks_table()
        for row in known.itertuples(index=False):
            m = pd.Period(row.month, freq="M")
            if m in by_month.index and (m - 1) in by_month.index:
                if info.loc[by_month[m], "scheme"] == row.scheme:
                    out.append({"level": level, "measure": measure,
                                "indicator": row.indicator, "month": m, "kind": row.kind,
                                "detail": row.detail})
    columns = ["level", "measure", "indicator", "month", "kind", "detail"]
    result = pd.DataFrame(out, columns=columns)
    if len(result):
        result["month"] = pd.PeriodIndex(result["month"], freq="M")
    return result.sort_values(["level", "measure", "month", "kind"]).reset_index(drop=True)


def _plain_strings(frame: pd.DataFrame) -> pd.DataFrame:
    """Categorical key columns back to strings for the public tables."""
    cats = [c for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)]
    return frame.astype({c: str for c in cats})


def _concat_categorical(tables: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    """Concatenate keeping categorical key columns categorical (plain concat would not)."""
    combined = pd.concat(tables, ignore_index=True)
    for col in columns:
        combined[col] = union_categoricals([t[col] for t in tables], sort_categories=True)
    return combined


def read_mps_crime(paths: str | Path | Iterable[str | Path]) -> MpsCrimeLoad:
    """Load MPS recorded-crime files (any published format) with the full load report.

    Parameters
    ----------
    paths : path or iterable of paths
        CSV files and/or folders (searched recursively for ``*.csv``). Files in one folder that
        form one publication (a "most recent 24 months" file and its "Historical" companion)
        share a vintage.

    Returns
    -------
    MpsCrimeLoad
        ``.table`` is the tidy count table; ``.files``, ``.accounting``, ``.revisions``,
        ``.breaks`` and ``.unmapped`` report how it was made.

    Raises
    ------
    InputDataError
        For an unknown header, a month column that is not ``YYYYMM``, a count that is not a
        whole number of 0 or more, a duplicated row, a file that is not CSV or an unknown
        borough; the message names the file, row and column.

    Examples
    --------
    >>> from scpb_analysis.demo import write_demo_data
    >>> import tempfile
    >>> folder = write_demo_data(tempfile.mkdtemp())
    >>> load = read_mps_crime(folder / "borough")
    >>> load.synthetic, sorted(load.files["vintage"].astype(str).unique())
    (True, ['2023-07', '2025-02'])
    """
    files, ignored = find_csv_files(paths, "MPS recorded-crime CSV files")
    parsed = [_read_file(p) for p in files]
    _assign_vintages(parsed)
    # Newest vintage first; within a vintage the file reaching later wins its overlap.
    ranked = sorted(parsed, key=lambda f: (f.vintage, f.last_month, str(f.path)), reverse=True)
    tables = [_file_table(item, order) for order, item in enumerate(ranked)]
    every = _concat_categorical(tables, _SERIES_KEYS)

    # One source per area level, measure and month: the highest-ranked file holding it.
    level_keys = ["level", "measure", "month"]
    winner = every.groupby(level_keys, sort=False, observed=True)["order"].min().rename("winner")
    every = every.join(winner, on=level_keys)
    used = every["order"] == every["winner"]

    files_info = pd.DataFrame(
        {
            "order": range(len(ranked)),
            "file": [f.path.name for f in ranked],
            "path": [str(f.path) for f in ranked],
            "layout": [f.layout for f in ranked],
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
    meta = files_info.set_index("order")
    vintage_ordinal = {o: f.vintage.ordinal for o, f in enumerate(ranked)}
    table["vintage"] = pd.PeriodIndex.from_ordinals(
        table["order"].map(vintage_ordinal).to_numpy(dtype=np.int64), freq="M")
    table["scheme"] = table["order"].map(meta["scheme"])
    table["source_file"] = table["order"].map(meta["file"])
    table["synthetic"] = table["order"].map(meta["synthetic"]).astype(bool)
    table["count"] = table["count"].astype("int64")
    breaks = _series_breaks(table, files_info)
    table = (
        _plain_strings(table[TIDY_COLUMNS])
        .sort_values(["area_type", "borough", "area_name", "indicator", "measure", "month"])
        .reset_index(drop=True)
    )

    accounting, files_info = _account(ranked, winner, files_info)
    revisions = _revisions(every, files_info)
    unmapped_mask = every["indicator"].str.startswith(UNMAPPED_PREFIX)
    unmapped = (
        every.loc[unmapped_mask]
        .assign(file=lambda d: d["order"].map(meta["file"]))
        .groupby(["indicator", "file"], sort=True, observed=True)
        .agg(cells=("count", "size"), total=("count", "sum"))
        .reset_index()
        .pipe(_plain_strings)
    )
    load = MpsCrimeLoad(table, files_info.drop(columns="order"), accounting, revisions, breaks,
                        unmapped, ignored)
    return load


def _account(ranked: list[_ParsedFile], winner: pd.Series,
             files_info: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows and cells per file: read = loaded + set aside, each with its reason."""
    records = []
    loaded_rows, set_aside_rows = [], []
    for order, item in enumerate(ranked):
        cells = item.long[["row", "level", "measure", "month"]]
        won = cells.join(winner, on=["level", "measure", "month"])["winner"] == order
        rows_used = set(cells.loc[won, "row"])
        superseded = set(cells["row"]) - rows_used
        n_used = int(won.sum())
        records += [
            {"file": item.path.name, "outcome": "loaded", "rows": len(rows_used),
             "cells": n_used, "reason": ""},
            {"file": item.path.name, "outcome": "set aside", "rows": len(superseded),
             "cells": len(cells) - n_used,
             "reason": "superseded by a newer vintage (every month of the row)"},
            {"file": item.path.name, "outcome": "set aside", "rows": len(item.blank_rows),
             "cells": 0, "reason": "blank line"},
        ]
        loaded_rows.append(len(rows_used))
        set_aside_rows.append(len(superseded) + len(item.blank_rows))
    accounting = pd.DataFrame(records)
    # Cells of a loaded row can be superseded too; say so rather than hide them.
    partly = (accounting["outcome"] == "set aside") & (accounting["rows"] == 0) & (
        accounting["cells"] > 0)
    accounting.loc[partly, "reason"] = "months superseded by a newer vintage"
    keep = (accounting["outcome"] == "loaded") | (accounting["rows"] > 0) | (
        accounting["cells"] > 0)
    files_info = files_info.assign(
        rows_read=[f.rows_read for f in ranked], rows_loaded=loaded_rows,
        rows_set_aside=set_aside_rows,
    )
    return accounting.loc[keep].reset_index(drop=True), files_info


def _revisions(every: pd.DataFrame, files_info: pd.DataFrame) -> pd.DataFrame:
    keys = _SERIES_KEYS + ["month"]
    held = every.groupby(keys, sort=False, observed=True)["order"].transform("size")
    multi = every.loc[held > 1, keys + ["order", "winner", "count"]].copy()
    columns = keys + ["vintage", "file", "count", "used", "count_used", "difference"]
    if multi.empty:
        return pd.DataFrame(columns=columns)
    meta = files_info.set_index("order")
    multi["vintage"] = multi["order"].map(meta["vintage"])
    multi["file"] = multi["order"].map(meta["file"])
    multi["used"] = multi["order"] == multi["winner"]
    chosen = multi.loc[multi["used"]].set_index(keys)["count"].rename("count_used")
    multi = multi.join(chosen, on=keys)
    multi["count_used"] = multi["count_used"].astype("Int64")
    multi["difference"] = multi["count"] - multi["count_used"]
    return _plain_strings(multi[columns]).sort_values(keys + ["vintage"]).reset_index(drop=True)


def revision_summary(revisions: pd.DataFrame) -> pd.DataFrame:
    """Per indicator and older vintage: how much the vintage used restated it.

    Returns one row per ``level, indicator, vintage`` (the older, replaced vintage) with the
    months compared, the total in the replaced vintage and in the one used, and the percentage
    difference of the totals.

    Examples
    --------
    >>> from scpb_analysis.demo import write_demo_data
    >>> import tempfile
    >>> load = read_mps_crime(write_demo_data(tempfile.mkdtemp()) / "borough")
    >>> s = revision_summary(load.revisions)
    >>> bool((s["pct_difference"].abs() < 10).all())
    True
    """
    replaced = revisions.loc[~revisions["used"]]
    if replaced.empty:
        return pd.DataFrame(columns=["level", "indicator", "vintage", "months",
                                     "total_replaced", "total_used", "pct_difference"])
    summary = (
        replaced.groupby(["level", "indicator", "vintage"], sort=True, observed=True)
        .agg(months=("month", "nunique"), total_replaced=("count", "sum"),
             total_used=("count_used", "sum"))
        .reset_index()
    )
    used = summary["total_used"].astype(float)
    summary["pct_difference"] = np.where(
        used > 0, (summary["total_replaced"] - used) / used * 100, np.nan).round(2)
    return summary


def read_mps_crime_as_published(paths: str | Path | Iterable[str | Path],
                                period_end: str | pd.Period) -> MpsCrimeLoad:
    """The data as they stood when the period was first reported: no later revisions.

    A quarter's pack, re-built later, should show what the board saw. This keeps the first
    publication (vintage) whose last month is on or after ``period_end``, and every older
    one (they fill earlier months of long trends), and drops newer vintages, whose
    restatements would otherwise win. With no vintage reaching ``period_end`` every file is
    kept (and comparisons report the missing months).

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
    from scpb_analysis.periods import to_month

    end = str(to_month(period_end))
    every = read_mps_crime(paths)
    vintages = sorted(set(every.files["vintage"]))
    reaching = [v for v in vintages if v >= end]
    if not reaching or reaching[0] == vintages[-1]:
        return every
    keep = every.files.loc[every.files["vintage"] <= reaching[0], "path"]
    return read_mps_crime([Path(p) for p in sorted(keep)])


#: How a report chooses among vintages (:func:`read_mps_crime_for_period`).
FIGURES = ("as_published", "latest")


def read_mps_crime_for_period(paths: str | Path | Iterable[str | Path], period_end: str,
                              figures: str = "as_published") -> MpsCrimeLoad:
    """The MPS files for a report on the period to ``period_end``, as the report asks.

    Parameters
    ----------
    paths : path or iterable of paths
    period_end : str
    figures : {"as_published", "latest"}
        ``as_published``: :func:`read_mps_crime_as_published` (what the board saw);
        ``latest``: every vintage, newest winning (:func:`read_mps_crime`).

    Examples
    --------
    >>> read_mps_crime_for_period([], "2023-05", figures="revised")
    Traceback (most recent call last):
    ...
    ValueError: figures='revised': expected one of as_published, latest
    """
    if figures not in FIGURES:
        raise ValueError(f"figures={figures!r}: expected one of {', '.join(FIGURES)}")
    if figures == "latest":
        return read_mps_crime(paths)
    return read_mps_crime_as_published(paths, period_end)


def load_mps_crime(paths: str | Path | Iterable[str | Path]) -> pd.DataFrame:
    """Load MPS recorded-crime files into the tidy count table.

    The table has one row per month x area x indicator x measure with the columns
    :data:`TIDY_COLUMNS`: ``month`` (``Period[M]``), ``area_type`` (``borough``, ``ward`` or
    ``other`` for rows such as airports and ``Unknown`` that are not boroughs), ``area_code``
    (GSS), ``area_name``, ``borough``, ``indicator`` (canonical id from the taxonomy, or
    ``UNMAPPED: major / minor``), ``measure``, ``count`` (int64) and provenance (``vintage``,
    ``scheme``, ``source_file``, ``synthetic``). Use :func:`read_mps_crime` for the row
    accounting, revisions and series breaks; this function warns if any category is unmapped.

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
