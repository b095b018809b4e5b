"""Bad police.uk street-level input: every case is counted right, refused clearly, or reported.

Each case builds its input in tmp_path from 150 real rows of each of two Avon and Somerset
files (all crime types, anti-social behaviour with a blank Crime ID) and runs every reader:
the validating loader (``read_policeuk``), the fast counter, the counter with the validating
reader only, the counter in small batches (out of core), the archive counter and Dask. The
expected figures are an independent pandas computation on the rows that should count.
"""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from bad_input import CORRECT, ERROR, REPORTED, Case, assert_accounted, assert_clear_error, params
from conftest import SHARED_DATA
from shapely import box

from scpb_analysis.core.errors import InputDataError
from scpb_analysis.geo.points import ward_month_counts
from scpb_analysis.sources.policeuk import SOURCE_COLUMNS, read_policeuk

AVON = SHARED_DATA / "policeuk" / "avon-and-somerset-2023-01_2024-12"
NAMES = ("2023-01-avon-and-somerset-street.csv", "2023-02-avon-and-somerset-street.csv")
COL = {name: i for i, name in enumerate(SOURCE_COLUMNS)}
ROWS = 150
# Two wards split at a longitude no police.uk snap point in the sample lies on.
WARD_BOXES = {"W1": (-3.0, 51.0, -2.4321, 51.6), "W2": (-2.4321, 51.0, -2.0, 51.6)}
HEADER = ",".join(SOURCE_COLUMNS) + "\n"
FORCE = "Avon and Somerset Constabulary"


def _fields(line: str) -> list[str]:
    return next(csv.reader([line]))


def _line(fields: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(fields)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def base() -> dict[str, list[str]]:
    """The first 150 data lines of each of two real files, by file name."""
    if not all((AVON / name).exists() for name in NAMES):
        pytest.skip(f"the real police.uk Avon and Somerset files are not at {AVON}: these "
                    "tests read ../shared/data beside the repository (or $SCPB_SHARED_DATA)")
    out = {}
    for name in NAMES:
        with (AVON / name).open(encoding="utf-8", newline="") as handle:
            lines = handle.read().splitlines(keepends=True)
        assert lines[0] == HEADER
        out[name] = lines[1:ROWS + 1]
    return out


@pytest.fixture(scope="module")
def wards():
    return gpd.GeoDataFrame({"ward_code": list(WARD_BOXES)},
                            geometry=[box(*b) for b in WARD_BOXES.values()], crs=4326)


class Built:
    """A case's input and what it must give: ``counted`` holds the rows (fields) that should
    count (before repeated Crime IDs are taken out), ``rows_read`` the data records.

    A plain class, not a dataclass: the corpus count loads this module without registering
    it, where a dataclass cannot resolve its annotations.
    """

    def __init__(self, paths: list[Path], counted: list[list[str]], rows_read: int, *,
                 error_file: Path | None = None, error_row: int | None = None,
                 error_column: str | None = None) -> None:
        self.paths, self.counted, self.rows_read = paths, counted, rows_read
        self.error_file, self.error_row, self.error_column = error_file, error_row, error_column


# ---------------------------------------------------------------------------------------------
# Building the inputs


def _write(root: Path, name: str, lines: list[str], *, header: str = HEADER,
           encoding: str = "utf-8", newline: str = "\n") -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    text = (header + "".join(lines)).replace("\n", newline)
    path.write_bytes(text.encode(encoding))
    return path


def _intact(base, root, **write) -> Built:
    paths = [_write(root, name, lines, **write) for name, lines in base.items()]
    counted = [_fields(line) for lines in base.values() for line in lines]
    return Built(paths, counted, len(counted))


def _edit(base, rows: list[int], column: str, value, *, file: int = 0) -> dict:
    """The base with ``column`` of some rows of one file set to ``value`` (or value(old))."""
    out = {name: list(lines) for name, lines in base.items()}
    name = NAMES[file]
    for i in rows:
        fields = _fields(out[name][i])
        fields[COL[column]] = value(fields[COL[column]]) if callable(value) else value
        out[name][i] = _line(fields)
    return out


def _rows_of(base, kind: str) -> list[int]:
    """Rows of the first file of a crime type (or with a Crime ID: kind "id")."""
    lines = base[NAMES[0]]
    if kind == "id":
        return [i for i, line in enumerate(lines) if _fields(line)[0]]
    return [i for i, line in enumerate(lines) if _fields(line)[COL["Crime type"]] == kind]


def _case_type_variant(variant):
    def build(base, root):
        rows = _rows_of(base, "Anti-social behaviour")[:4] + _rows_of(base, "Burglary")[:4]
        rows += _rows_of(base, "Violence and sexual offences")[:4]
        assert len(rows) >= 8
        paths = [_write(root, n, ls) for n, ls in _edit(base, rows, "Crime type",
                                                        variant).items()]
        built = _intact(base, root / "unused")
        built.paths = paths
        return built
    return build


def _case_encoding(**write):
    def build(base, root):
        return _intact(base, root, **write)
    return build


def _case_copy(target: str, *, shuffle=False, newline="\n", bom=False):
    """The base, and the first file again at ``target`` (rows shuffled, other line ends)."""
    def build(base, root):
        built = _intact(base, root)
        lines = list(base[NAMES[0]])
        if shuffle:
            random.Random(13).shuffle(lines)
        copy = _write(root, target, lines, newline=newline,
                      header=("\ufeff" if bom else "") + HEADER)
        built.paths = sorted(built.paths + [copy])
        built.rows_read += len(lines)
        return built
    return build


def _case_extract(base, root):
    """A borough extract beside the force files: 30 rows of the first file with a Crime ID,
    and 3 blank-ID rows of its own."""
    built = _intact(base, root)
    ids = [base[NAMES[0]][i] for i in _rows_of(base, "id")[:30]]
    own = [_line(_fields(base[NAMES[0]][_rows_of(base, "Anti-social behaviour")[0]])[:4]
                 + ["-2.5", "51.45", "On or near Extract Road", "E01014399", "x",
                    "Anti-social behaviour", "", ""]) for _ in range(3)]
    extract = _write(root, "bath-extract.csv", ids + own)
    built.paths.append(extract)
    built.counted += [_fields(line) for line in ids + own]
    built.rows_read += 33
    return built


def _case_repeat_within(base, root):
    """Five rows with a Crime ID repeated at the end of the first file (outcome updated)."""
    lines = dict(base)
    again = [base[NAMES[0]][i] for i in _rows_of(base, "id")[:5]]
    lines[NAMES[0]] = base[NAMES[0]] + [
        _line(_fields(line)[:10] + ["Status update unavailable", ""]) for line in again]
    paths = [_write(root, n, ls) for n, ls in lines.items()]
    counted = [_fields(line) for ls in lines.values() for line in ls]
    return Built(paths, counted, len(counted))


def _case_blank_ids_within(base, root):
    """Two identical anti-social behaviour rows (blank ID) in one file: both count."""
    lines = dict(base)
    asb = base[NAMES[0]][_rows_of(base, "Anti-social behaviour")[0]]
    lines[NAMES[0]] = base[NAMES[0]] + [asb, asb]
    paths = [_write(root, n, ls) for n, ls in lines.items()]
    counted = [_fields(line) for ls in lines.values() for line in ls]
    return Built(paths, counted, len(counted))


def _planted(column, value, rows=(3, 40, 77), *, name=None, count=True):
    """Some rows of the first file given another value; they count only if ``count``."""
    def build(base, root):
        edited = _edit(base, list(rows), column, value)
        names = {NAMES[0]: name or NAMES[0], NAMES[1]: NAMES[1]}
        paths = [_write(root, names[n], ls) for n, ls in edited.items()]
        counted = [_fields(line) for n, ls in edited.items() for i, line in enumerate(ls)
                   if count or n != NAMES[0] or i not in rows]
        return Built(sorted(paths), counted, 2 * ROWS)
    return build


def _case_lines(extra: str, at: int, *, counted_extra: list | None = None, rows_extra=1):
    """A line inserted into the first file at data line ``at``."""
    def build(base, root):
        lines = dict(base)
        lines[NAMES[0]] = base[NAMES[0]][:at] + [extra] + base[NAMES[0]][at:]
        paths = [_write(root, n, ls) for n, ls in lines.items()]
        counted = [_fields(line) for ls in base.values() for line in ls] + (counted_extra or [])
        return Built(paths, counted, 2 * ROWS + rows_extra)
    return build


def _error(mutate, row, column=None):
    """The first file mutated (its lines, header) -> a clear error at ``row``/``column``."""
    def build(base, root):
        header, lines = mutate(HEADER, list(base[NAMES[0]]))
        path = _write(root, NAMES[0], lines, header=header)
        return Built([path], [], 0, error_file=path, error_row=row, error_column=column)
    return build


def _set(i: int, column: str, value: str):
    def mutate(header, lines):
        fields = _fields(lines[i])
        fields[COL[column]] = value
        lines[i] = _line(fields)
        return header, lines
    return mutate


def _raw(i: int, old: str, new: str):
    """Line ``i`` edited as text (an unquoted comma added or a value's comma taken out)."""
    def mutate(header, lines):
        assert old in lines[i]
        lines[i] = lines[i].replace(old, new, 1)
        return header, lines
    return mutate


def _no_location(base, root):
    edited = _edit(base, [5, 6, 7], "Longitude", "")
    edited = {n: [_line(_fields(line)[:5] + [""] + _fields(line)[6:]) if n == NAMES[0]
                  and i in (5, 6, 7) else line for i, line in enumerate(ls)]
              for n, ls in edited.items()}
    paths = [_write(root, n, ls) for n, ls in edited.items()]
    return Built(paths, [_fields(line) for ls in edited.values() for line in ls], 2 * ROWS)


# ---------------------------------------------------------------------------------------------
# The corpus

_DUP = {"same_rows_as": {}, "other_force": 0, "unknown_crime_type": 0}

CASES = [
    # Crime types: spacing and case are the same crime type.
    Case("policeuk", "crime-type-trailing-space", CORRECT,
         {"build": _case_type_variant(lambda v: v + " ")}),
    Case("policeuk", "crime-type-upper-case", CORRECT,
         {"build": _case_type_variant(str.upper)}),
    Case("policeuk", "crime-type-non-breaking-space", CORRECT,
         {"build": _case_type_variant(lambda v: v.replace(" ", "\u00a0"))}),
    Case("policeuk", "crime-type-leading-and-double-spaces", CORRECT,
         {"build": _case_type_variant(lambda v: "  " + v.replace(" ", "  "))}),
    Case("policeuk", "unknown-crime-type", REPORTED,
         {"build": _planted("Crime type", "Burglery", count=False),
          "report": {"unknown_crime_type": 3}, "reason": "unknown crime type 'Burglery'"}),
    # Encodings and line ends.
    Case("policeuk", "utf8-bom", CORRECT, {"build": _case_encoding(header="\ufeff" + HEADER)}),
    Case("policeuk", "windows-line-ends", CORRECT, {"build": _case_encoding(newline="\r\n")}),
    Case("policeuk", "windows-1252", CORRECT, {"build": _case_encoding(encoding="cp1252")}),
    Case("policeuk", "quoted-header", CORRECT, {"build": _case_encoding(
        header=",".join(f'"{c}"' for c in SOURCE_COLUMNS) + "\n")}),
    # The same file twice: set aside whole, whatever its name, folder, order or line ends.
    Case("policeuk", "same-file-another-folder", REPORTED,
         {"build": _case_copy(f"again/{NAMES[0]}"),
          "report": {"same_rows_as": {NAMES[0]: NAMES[0]}}}),
    Case("policeuk", "same-file-renamed", REPORTED,
         {"build": _case_copy("zz-copy-of-january.csv"),
          "report": {"same_rows_as": {"zz-copy-of-january.csv": NAMES[0]}}}),
    Case("policeuk", "same-rows-reordered", REPORTED,
         {"build": _case_copy("shuffled/january.csv", shuffle=True),
          "report": {"same_rows_as": {"january.csv": NAMES[0]}}}),
    Case("policeuk", "same-rows-crlf-and-bom", REPORTED,
         {"build": _case_copy("excel/january.csv", newline="\r\n", bom=True),
          "report": {"same_rows_as": {"january.csv": NAMES[0]}}}),
    # Repeated Crime IDs, and blank IDs that are never repeats.
    Case("policeuk", "repeated-crime-ids-within-a-file", REPORTED,
         {"build": _case_repeat_within, "report": {"duplicates_added": 5}}),
    Case("policeuk", "repeated-crime-ids-across-files", REPORTED,
         {"build": _case_extract, "report": {"duplicates_added": 30}}),
    Case("policeuk", "blank-ids-alike-within-a-file", CORRECT, {"build": _case_blank_ids_within}),
    # Rows of another force.
    Case("policeuk", "other-force-rows", REPORTED,
         {"build": _planted("Falls within", "Devon & Cornwall Police", count=False),
          "report": {"other_force": 3}, "reason": "Devon & Cornwall Police"}),
    Case("policeuk", "other-force-rows-file-not-named-for-a-force", REPORTED,
         {"build": _planted("Falls within", "Wiltshire Police", count=False,
                            name="bath-extract.csv"),
          "report": {"other_force": 3}, "reason": "Wiltshire Police"}),
    Case("policeuk", "force-spelled-with-other-spacing-and-case", CORRECT,
         {"build": _planted("Falls within", " avon and somerset  constabulary")}),
    # Locations.
    Case("policeuk", "missing-coordinates", CORRECT, {"build": _no_location}),
    Case("policeuk", "coordinates-outside-the-wards", CORRECT,
         {"build": _planted("Latitude", "52.2")}),
    Case("policeuk", "coordinates-outside-gb", ERROR,
         {"build": _error(_set(9, "Latitude", "10.5"), 11, "Latitude")}),
    Case("policeuk", "one-coordinate-only", ERROR,
         {"build": _error(_set(12, "Longitude", ""), 14, "Longitude")}),
    Case("policeuk", "coordinate-not-a-number", ERROR,
         {"build": _error(_set(20, "Longitude", "-2.4x"), 22, "Longitude")}),
    # Months.
    Case("policeuk", "month-13", ERROR, {"build": _error(_set(30, "Month", "2023-13"), 32,
                                                           "Month")}),
    Case("policeuk", "month-as-words", ERROR, {"build": _error(_set(31, "Month", "Jan 2023"),
                                                                 33, "Month")}),
    Case("policeuk", "month-not-the-file-name-month", CORRECT,
         {"build": _planted("Month", "2022-12")}),
    # Shape of the file.
    Case("policeuk", "blank-lines", REPORTED,
         {"build": _case_lines("\n", 50), "report": {"set_aside": 1}, "reason": "blank line"}),
    Case("policeuk", "repeated-header", REPORTED,
         {"build": _case_lines(HEADER, 60), "report": {"set_aside": 1},
          "reason": "repeated header row", "archive": ERROR}),
    Case("policeuk", "truncated-mid-row", ERROR,
         {"build": _error(lambda h, ls: (h, ls[:-1] + [ls[-1][:40]]), ROWS + 1)}),
    Case("policeuk", "header-only", CORRECT,
         {"build": lambda base, root: Built([_write(root, NAMES[0], [])], [], 0)}),
    Case("policeuk", "empty-file", ERROR, {"build": _error(lambda h, ls: ("", []), 1)}),
    Case("policeuk", "semicolon-delimited", ERROR, {"build": _error(
        lambda h, ls: (h.replace(",", ";"), [x.replace(",", ";") for x in ls]), 1)}),
    Case("policeuk", "extra-column", ERROR, {"build": _error(
        lambda h, ls: (h.rstrip("\n") + ",Notes\n", [x.rstrip("\n") + ",\n" for x in ls]), 1,
        "Notes")}),
    Case("policeuk", "missing-column", ERROR, {"build": _error(
        lambda h, ls: (",".join(SOURCE_COLUMNS[:-1]) + "\n",
                       [_line(_fields(x)[:-1]) for x in ls]), 1, "Context")}),
    Case("policeuk", "unquoted-comma-in-a-value", ERROR, {"build": _error(
        _raw(70, ",On or near ", ",On or near High Street, "), 72)}),
    Case("policeuk", "row-with-a-value-missing", ERROR, {"build": _error(
        _raw(80, ",On or near ", " On or near "), 82)}),
]


# ---------------------------------------------------------------------------------------------
# Independent expectations


def _frame(rows: list[list[str]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(SOURCE_COLUMNS), dtype=object)
    # What the rows mean: crime types and months as police.uk writes them.
    frame["Crime type"] = frame["Crime type"].map(lambda t: " ".join(str(t).split()))
    spelled = {t.casefold(): t for t in _BASE_TYPES}
    frame["Crime type"] = frame["Crime type"].map(lambda t: spelled.get(t.casefold(), t))
    return frame


_BASE_TYPES = ["Anti-social behaviour", "Bicycle theft", "Burglary", "Criminal damage and arson",
               "Drugs", "Other crime", "Other theft", "Possession of weapons", "Public order",
               "Robbery", "Shoplifting", "Theft from the person", "Vehicle crime",
               "Violence and sexual offences"]


def _expected(built: Built) -> tuple[pd.DataFrame, int, pd.Series]:
    """Counts by ward, month and crime type (pandas, boxes tested directly), the repeated
    Crime IDs, and rows per month and crime type (every row counted, located or not)."""
    frame = _frame(built.counted)
    ids = frame["Crime ID"].str.strip()
    repeat = (ids != "") & ids.duplicated()
    frame = frame[~repeat]
    lon = pd.to_numeric(frame["Longitude"].replace("", np.nan))
    lat = pd.to_numeric(frame["Latitude"].replace("", np.nan))
    ward = pd.Series("", index=frame.index)
    for code, (x0, y0, x1, y1) in WARD_BOXES.items():
        ward[(lon > x0) & (lon < x1) & (lat > y0) & (lat < y1)] = code
    placed = frame.assign(ward=ward)[ward != ""]
    counts = (placed.groupby(["ward", "Month", "Crime type"]).size()
              .rename("count").reset_index())
    per_type = frame.groupby(["Month", "Crime type"]).size()
    return counts, int(repeat.sum()), per_type


def _counts_of(result) -> pd.DataFrame:
    counts = result.counts.astype({"month": str, "ward_code": str, "crime_type": str})
    counts.columns = ["ward", "Month", "Crime type", "count"]
    return counts.reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# The readers


def _counting_paths(monkeypatch, wards, case) -> dict:
    """Every counting path, as callables of the input paths."""
    from scpb_analysis.geo import points
    from scpb_analysis.geo.archive import archive_ward_month_counts

    def validating(paths):
        with monkeypatch.context() as patch:
            patch.setattr(points, "_pyarrow", lambda: None)
            return ward_month_counts(paths, wards)

    def out_of_core(paths):
        with monkeypatch.context() as patch:
            patch.setattr(points, "_BATCH_ROWS", 64)  # many batches: bounded memory
            return ward_month_counts(paths, wards, workers=2)

    readers = {"fast": lambda paths: ward_month_counts(paths, wards),
               "validating": validating, "out-of-core": out_of_core}
    # The archive counter streams CSV files as they are (a file with rows of another force
    # is read whole by the in-memory reader) and refuses a repeated header: cases say where
    # its outcome differs ("archive": ERROR).
    if case.data.get("archive", True) is not False:
        readers["archive"] = lambda paths: archive_ward_month_counts(paths, wards,
                                                                     batch_rows=100)
    try:
        import dask  # noqa: F401

        from scpb_analysis.geo.distributed import dask_ward_month_counts
    except ImportError:  # pragma: no cover - dask is an optional extra
        pass
    else:
        readers["dask"] = lambda paths: dask_ward_month_counts(paths, wards)
    return readers


def _check_report(case: Case, files: pd.DataFrame, why: pd.Series, kind: str) -> None:
    report = case.data.get("report", {})
    same = dict(zip(files["file"], files["same_rows_as"], strict=True))
    assert {f: s for f, s in same.items() if s} == report.get("same_rows_as", {}), kind
    for column in ("other_force", "unknown_crime_type"):
        if column in files:
            assert int(files[column].sum()) == report.get(column, 0), (kind, column)
    if "reason" in case.data:
        assert why.str.contains(case.data["reason"], regex=False).any(), (kind, list(why))


@pytest.mark.parametrize("case", params(CASES))
def test_policeuk_bad_input(case, base, wards, tmp_path, monkeypatch):
    built = case.data["build"](base, tmp_path / "in")
    readers = _counting_paths(monkeypatch, wards, case)
    if case.outcome == ERROR:
        with pytest.raises(InputDataError) as excinfo:
            read_policeuk(built.paths)
        assert_clear_error(excinfo, built.error_file, row=built.error_row,
                           column=built.error_column)
        for kind, reader in readers.items():
            if kind == "archive":
                continue  # the archive's CSV scan: see the module notes in the report
            with pytest.raises(InputDataError) as excinfo:
                reader(built.paths)
            assert_clear_error(excinfo, built.error_file, row=built.error_row,
                               column=built.error_column)
        return

    counts, repeats, per_type = _expected(built)
    report = case.data.get("report", {})
    copies = report.get("same_rows_as", {})

    # The validating loader: rows per month and crime type, and every row accounted for.
    load = read_policeuk(built.paths)
    files = load.files
    assert_accounted(int(files["rows_read"].sum()), int(files["rows_loaded"].sum()),
                     int(files["rows_set_aside"].sum()))
    assert int(files["rows_read"].sum()) == built.rows_read
    assert len(load.points) == int(per_type.sum())
    got = load.points.astype({"month": str}).groupby(["month", "crime_type"]).size()
    assert got.to_dict() == per_type.to_dict()
    duplicates = int(files[["duplicates_same_file", "duplicates_earlier_file"]].sum().sum())
    assert duplicates == repeats
    # The real rows repeat a few Crime IDs of their own; a case adds its repeats to those.
    if "duplicates_added" in report:
        in_base = _expected(Built([], [_fields(x) for ls in base.values() for x in ls], 0))[1]
        assert repeats - in_base == report["duplicates_added"]
    _check_report(case, files, load.set_aside["reason"], "read_policeuk")
    if case.outcome == CORRECT:
        assert len(load.set_aside) == duplicates

    for kind, reader in readers.items():
        if kind == "archive" and case.data.get("archive") == ERROR:
            with pytest.raises(InputDataError) as excinfo:
                reader(built.paths)
            assert built.paths[0].name in str(excinfo.value)
            continue
        result = reader(built.paths)
        pd.testing.assert_frame_equal(_counts_of(result), counts, check_dtype=False,
                                      obj=kind)
        assert result.rows_read == built.rows_read, kind
        assert_accounted(result.rows_read,
                         result.in_wards + result.no_location + result.outside,
                         result.set_aside + result.duplicates)
        assert result.duplicates == repeats, kind
        _check_report(case, result.files, result.files["set_aside_why"], kind)
        set_aside = int(files["rows_set_aside"].sum()) - duplicates
        assert result.set_aside == set_aside, kind
        if copies:
            copied = [len(base[NAMES[0]])] * len(copies)
            assert result.set_aside == sum(copied), kind
        if case.outcome == CORRECT:
            assert result.set_aside == 0, kind
