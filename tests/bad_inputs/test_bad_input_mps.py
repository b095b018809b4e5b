"""The MPS recorded-crime corpus of bad inputs: each is refused clearly, reported, or correct.

Every case builds its input in ``tmp_path`` from a real public file in ``../shared/data/mps``
(borough vintages, ward, LSOA and ward Parquet copies) or from the demo data, runs the public
loader, and checks the outcome its :class:`Case` states (see ``tests/bad_input.py``):

- ``correct``: the figures per borough and month equal those computed by pandas straight from
  the intact file(s) (for two vintages, the newer file's months, then the older's for months
  the newer does not hold);
- ``error``: an :class:`InputDataError` naming the file (and row and column where there is one)
  and what was wrong;
- ``reported``: loaded, with the set-aside rows or cells in the accounting and the load's
  notes, and the rest of the figures correct.

Every load's row accounting balances (``read = loaded + set aside``) for every file.
"""

import csv
import io
import random
import shutil
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from bad_input import (
    CORRECT,
    ERROR,
    REPORTED,
    Case,
    assert_accounted,
    assert_clear_error,
    params,
)
from conftest import SHARED_DATA

from scpb_analysis.blocks.comparison import compare_periods
from scpb_analysis.core.errors import InputDataError
from scpb_analysis.reference.geography import canonical_borough
from scpb_analysis.sources.mps import read_mps_crime, read_mps_crime_for_period

MPS = SHARED_DATA / "mps"
B_NEW = (MPS / "borough" / "to-202307"
         / "MPS Borough Level Crime (most recent 24 months)_202108-202307.csv")
B_OLD = (MPS / "borough" / "to-202302"
         / "MPS Borough Level Crime (most recent 24 months)_202103-202302.csv")
B_UPPER = (MPS / "borough" / "to-202502"
           / "MPS Borough Level Crime (most recent 24 months)_202303-202502.csv")
B_2008 = MPS / "borough" / "to-201612" / "MPS_Borough_Level_Crime_Historic_200801-201612.csv"
W_NEW = MPS / "ward" / "MPS Ward Level Crime (most recent 24 months)_202304-202503_wards2022.csv"
W_OLD = MPS / "ward" / "MPS Ward Level Crime (most recent 24 months)_202202-202401_wards2022.csv"
W_PARQUET = MPS / "ward-all-offences" / "recorded-crime-ward_202402-202602.parquet"
LSOA = MPS / "lsoa" / "recorded-crime-lsoa_202402-202602.parquet"
DEMO_DASHBOARD = "MPS Monthly Crime Dashboard Data_202104-202502.csv"

_BOROUGH_COLUMNS = ("LookUp_BoroughName", "BoroughName", "Borough")


# ---------------------------------------------------------------------------------------------
# Independent figures: pandas straight from the published file


def _frame(path: Path) -> pd.DataFrame:
    if path.suffix == ".parquet":
        frame = pd.read_parquet(path)
    else:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    # A re-sharer's copy spells the columns in lower case ("lookup_boroughname").
    published = {c.lower(): c for c in _BOROUGH_COLUMNS}
    return frame.rename(columns=lambda c: published.get(str(c).lower(), str(c)))


def _borough_of(name: str) -> str:
    text = " ".join(str(name).split())
    try:
        return canonical_borough(text)
    except KeyError:
        return text  # airports, "Unknown", Aviation Security: kept under their own name


def expected_totals(path: Path, months: set[str] | None = None) -> pd.Series:
    """Offences per borough and month (``YYYY-MM``) summed by pandas from a wide file."""
    frame = _frame(path)
    borough = next(c for c in _BOROUGH_COLUMNS if c in frame.columns)
    month_cols = [c for c in frame.columns if str(c).isdigit() and len(str(c)) == 6]
    counts = frame[month_cols].apply(pd.to_numeric).astype("int64")
    counts.columns = [f"{c[:4]}-{c[4:]}" for c in month_cols]
    counts["borough"] = frame[borough].map(_borough_of)
    long = counts.melt(id_vars="borough", var_name="month", value_name="count")
    if months is not None:
        long = long[long["month"].isin(months)]
    return long.groupby(["borough", "month"])["count"].sum()


def newest_wins(*paths: Path) -> pd.Series:
    """Per month, the figures of the newest file holding it (files given newest first)."""
    parts, taken = [], set()
    for path in paths:
        totals = expected_totals(path)
        months = set(totals.index.get_level_values("month")) - taken
        parts.append(totals[totals.index.get_level_values("month").isin(months)])
        taken |= months
    return pd.concat(parts).sort_index()


def loaded_totals(table: pd.DataFrame) -> pd.Series:
    return (table.assign(month=table["month"].astype(str))
            .groupby(["borough", "month"])["count"].sum().sort_index())


def assert_same_figures(actual: pd.Series, expected: pd.Series) -> None:
    # Zero-filled areas add zero totals pandas has no row for; drop zeros on both sides.
    actual = actual[actual != 0].astype("int64").sort_index()
    expected = expected[expected != 0].astype("int64").sort_index()
    pd.testing.assert_series_equal(actual, expected, check_names=False)


# ---------------------------------------------------------------------------------------------
# Building inputs


@dataclass
class Spec:
    """A built input: what to load and what the outcome must show."""

    paths: list[Path]
    named: Path | None = None  # the file an error must name
    row: int | None = None
    column: str | None = None
    says: tuple[str, ...] = ()  # further words the error or the report must contain
    expected: pd.Series | None = None  # figures for correct / reported
    reason: str = ""  # set-aside reason (reported)
    loader: Callable | None = None  # default read_mps_crime
    check: Callable | None = None  # an extra check on the load
    extra: dict = field(default_factory=dict)


def lines_of(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


def put(folder: Path, name: str, data: bytes | str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    target.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return target


def copy(source: Path, folder: Path, name: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copyfile(source, folder / (name or source.name)))


def rows_of(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))


def csv_text(rows: list[list[str]], **kwargs) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n", **kwargs).writerows(rows)
    return out.getvalue()


def row_where(rows: list[list[str]], **match: str) -> int:
    """Index in ``rows`` (header = 0) of the first row whose named columns hold the values."""
    header = rows[0]
    where = {header.index(k): v for k, v in match.items()}
    return next(i for i, r in enumerate(rows) if i and all(r[c] == v for c, v in where.items()))


def mutate_cells(path: Path, func: Callable[[list[str], list[str]], list[str]],
                 n_id: int = 3) -> list[list[str]]:
    """Rows with ``func(header, row)`` applied to each data row."""
    rows = rows_of(path)
    return [rows[0]] + [func(rows[0], r) for r in rows[1:]]


def scaled(factor: float, n_id: int = 3, borough: str | None = None,
           column: int | None = None):
    def func(header: list[str], row: list[str]) -> list[str]:
        if borough is not None and row[2] != borough:
            return row
        out = list(row)
        cols = range(n_id, len(row)) if column is None else [column]
        for c in cols:
            out[c] = str(int(int(out[c]) * factor))
        return out
    return func


def two_vintages(tmp: Path, newer: bytes | str, newer_name: str = B_NEW.name) -> list[Path]:
    """The mutated newer vintage in one folder, the real older one in another."""
    return [put(tmp / "new", newer_name, newer), copy(B_OLD, tmp / "old")]


# ---------------------------------------------------------------------------------------------
# The cases: borough level (to-202307's 24-month file, beside to-202302's where a newer vintage
# competes with an older one)


def cut_rows(n: int, source: Path = B_NEW, beside_older: bool = False):
    def build(tmp: Path, request) -> Spec:
        data = b"".join(lines_of(source)[: n + 1])
        if beside_older:
            paths = two_vintages(tmp, data, source.name)
        else:
            paths = [put(tmp, source.name, data)]
        return Spec(paths, named=paths[0], says=("cut short",))
    return build


def cut_last_rows(k: int):
    def build(tmp: Path, request) -> Spec:
        path = put(tmp, B_NEW.name, b"".join(lines_of(B_NEW)[:-k]))
        return Spec([path], named=path, says=("Westminster", "cut short"))
    return build


def cut_within_westminster(tmp: Path, request) -> Spec:
    rows = rows_of(B_NEW)
    at = row_where(rows, LookUp_BoroughName="Westminster", MajorText="Robbery")
    path = put(tmp, B_NEW.name, b"".join(lines_of(B_NEW)[:at]))
    return Spec([path], named=path, says=("Westminster has no row in the major groups",
                                          "Robbery"))


def cut_mid_row(source: Path = B_NEW, beside_older: bool = False):
    def build(tmp: Path, request) -> Spec:
        lines = lines_of(source)
        last = lines[-1]
        data = b"".join(lines[:-1]) + last[: len(last) // 2]
        paths = (two_vintages(tmp, data, source.name) if beside_older
                 else [put(tmp, source.name, data)])
        return Spec(paths, named=paths[0], row=len(lines), says=("values where the header",))
    return build


def header_only(source: Path = B_NEW, beside_older: bool = False, blank: bool = False):
    def build(tmp: Path, request) -> Spec:
        data = lines_of(source)[0] + (b"\r\n\r\n" if blank else b"")
        paths = (two_vintages(tmp, data, source.name) if beside_older
                 else [put(tmp, source.name, data)])
        return Spec(paths, named=paths[0], says=("no data rows",))
    return build


def empty_file(tmp: Path, request) -> Spec:
    path = put(tmp, B_NEW.name, b"")
    return Spec([path], named=path, row=1, says=("no header row",))


def reencoded(transform: Callable[[bytes], bytes]):
    def build(tmp: Path, request) -> Spec:
        path = put(tmp, B_NEW.name, transform(B_NEW.read_bytes()))
        return Spec([path], expected=expected_totals(B_NEW))
    return build


def cp1252_en_dash(tmp: Path, request) -> Spec:
    """Saved by Excel on Windows: "BURGLARY – RESIDENTIAL" with the en dash as byte 0x96."""
    text = B_UPPER.read_text(encoding="utf-8")
    assert " - " in text
    path = put(tmp, B_UPPER.name, text.replace(" - ", " \u2013 ").encode("cp1252"))
    return Spec([path], expected=expected_totals(B_UPPER))


def utf16(tmp: Path, request) -> Spec:
    path = put(tmp, B_NEW.name, B_NEW.read_text(encoding="utf-8").encode("utf-16"))
    return Spec([path], named=path, says=("binary data",))


def delimited(sep: str, word: str):
    def build(tmp: Path, request) -> Spec:
        rows = rows_of(B_NEW)
        out = io.StringIO()
        csv.writer(out, delimiter=sep, lineterminator="\r\n").writerows(rows)
        path = put(tmp, B_NEW.name, out.getvalue())
        return Spec([path], named=path, row=1, says=(word, "not commas"))
    return build


def quoted_everywhere(tmp: Path, request) -> Spec:
    path = put(tmp, B_NEW.name, csv_text(rows_of(B_NEW), quoting=csv.QUOTE_ALL))
    return Spec([path], expected=expected_totals(B_NEW))


def respelled_repeat(spelling: str, borough: str = "Barnet"):
    """The borough's rows repeated under another spelling: an error naming both rows."""
    def build(tmp: Path, request) -> Spec:
        rows = rows_of(B_NEW)
        again = [r[:2] + [spelling] + r[3:] for r in rows[1:] if r[2] == borough]
        path = put(tmp, B_NEW.name, csv_text(rows + again))
        first = row_where(rows, LookUp_BoroughName=borough) + 1
        return Spec([path], named=path, row=len(rows) + 1, says=(f"row {first}",))
    return build


def respelled_only(spelling: str, borough: str):
    """The borough spelled another way throughout: read as the borough, figures unchanged."""
    def build(tmp: Path, request) -> Spec:
        rows = [r[:2] + [spelling if r[2] == borough else r[2]] + r[3:] for r in rows_of(B_NEW)]
        path = put(tmp, B_NEW.name, csv_text(rows))
        return Spec([path], expected=expected_totals(B_NEW))
    return build


def duplicated_row(tmp: Path, request) -> Spec:
    lines = lines_of(B_NEW)
    path = put(tmp, B_NEW.name, b"".join(lines + [lines[10]]))
    return Spec([path], named=path, row=len(lines) + 1, says=("duplicates row 11",))


def same_bytes_twice(source: Path = B_NEW):
    def build(tmp: Path, request) -> Spec:
        first = copy(source, tmp / "a")
        second = copy(source, tmp / "b")
        return Spec([first, second], expected=expected_totals(source),
                    reason=f"same bytes as {first.name}",
                    extra={"copy": second})
    return build


def same_rows_reordered(tmp: Path, request) -> Spec:
    rows = rows_of(B_NEW)
    body = rows[1:]
    random.Random(13).shuffle(body)
    first = copy(B_NEW, tmp)
    second = put(tmp, "z copy of the borough file.csv", csv_text([rows[0]] + body))
    return Spec([tmp], expected=expected_totals(B_NEW), reason=f"same rows as {first.name}",
                extra={"copy": second})


def parquet_copy(tmp: Path, request) -> Spec:
    first = copy(B_NEW, tmp)
    frame = pd.read_csv(B_NEW, dtype=str, keep_default_na=False)
    second = tmp / "z-borough-copy.parquet"
    frame.to_parquet(second, index=False)
    return Spec([tmp], expected=expected_totals(B_NEW), reason=f"same rows as {first.name}",
                extra={"copy": second})


def planted(value: str, says: str, data_row: int = 5, column: str = "202201"):
    """One count replaced by ``value``: the error names its row and column."""
    def build(tmp: Path, request) -> Spec:
        rows = rows_of(B_NEW)
        c = rows[0].index(column)
        rows[data_row][c] = value
        path = put(tmp, B_NEW.name, csv_text(rows))
        return Spec([path], named=path, row=data_row + 1, column=column, says=(says,))
    return build


def excel_counts(tmp: Path, request) -> Spec:
    rows = rows_of(B_NEW)
    for r in rows[1:]:
        r[3:] = [f"{int(v):,}" if int(v) >= 1000 else f"{v}.0" for v in r[3:]]
    assert any("," in v for r in rows[1:] for v in r[3:])
    path = put(tmp, B_NEW.name, csv_text(rows))
    return Spec([path], expected=expected_totals(B_NEW))


def drop_columns(names: list[str], outcome_error: bool):
    def build(tmp: Path, request) -> Spec:
        rows = rows_of(B_NEW)
        keep = [i for i, h in enumerate(rows[0]) if h not in names]
        path = put(tmp, B_NEW.name, csv_text([[r[i] for i in keep] for r in rows]))
        if outcome_error:
            return Spec([path], named=path, says=tuple(names))
        months = {f"{h[:4]}-{h[4:]}" for h in rows[0][3:] if h not in names}
        return Spec([path], expected=expected_totals(B_NEW, months))
    return build


def reorder_columns(which: str):
    def build(tmp: Path, request) -> Spec:
        rows = rows_of(B_NEW)
        if which == "months":
            order = [0, 1, 2] + random.Random(7).sample(range(3, len(rows[0])),
                                                        len(rows[0]) - 3)
        else:
            order = [2, 0, 1] + list(range(3, len(rows[0])))
        path = put(tmp, B_NEW.name, csv_text([[r[i] for i in order] for r in rows]))
        if which == "months":
            return Spec([path], expected=expected_totals(B_NEW))
        return Spec([path], named=path, row=1, says=("unknown header",))
    return build


def extra_column(name: str, value: str, says: str):
    def build(tmp: Path, request) -> Spec:
        rows = rows_of(B_NEW)
        rows = [rows[0] + [name]] + [r + [value] for r in rows[1:]]
        path = put(tmp, B_NEW.name, csv_text(rows))
        return Spec([path], named=path, row=1, column=name, says=(says,))
    return build


def without_rows(keep: Callable[[list[str]], bool], says: tuple[str, ...],
                 beside_older: bool = False):
    def build(tmp: Path, request) -> Spec:
        rows = rows_of(B_NEW)
        text = csv_text([rows[0]] + [r for r in rows[1:] if keep(r)])
        paths = two_vintages(tmp, text) if beside_older else [put(tmp, B_NEW.name, text)]
        return Spec(paths, named=paths[0], says=says)
    return build


def unknown_area(tmp: Path, request) -> Spec:
    rows = rows_of(B_NEW)
    extra = [r[:2] + ["Gotham"] + r[3:] for r in rows[1:4]]
    path = put(tmp, B_NEW.name, csv_text(rows + extra))
    return Spec([path], named=path, row=len(rows) + 1, column="LookUp_BoroughName",
                says=("Gotham",))


def newer_scaled(factor: float, says: str, borough: str | None = None):
    def build(tmp: Path, request) -> Spec:
        text = csv_text(mutate_cells(B_NEW, scaled(factor, borough=borough)))
        paths = two_vintages(tmp, text)
        return Spec(paths, named=paths[0], says=(says, B_OLD.name))
    return build


def partial_month(column: str, beside_older: bool):
    """One edge month cut to 1% of its counts: set aside, the rest (and the older vintage's
    figures for that month) loaded."""
    def build(tmp: Path, request) -> Spec:
        c = rows_of(B_NEW)[0].index(column)
        text = csv_text(mutate_cells(B_NEW, scaled(0.01, column=c)))
        month = f"{column[:4]}-{column[4:]}"
        if beside_older:
            paths = two_vintages(tmp, text)
            newer = expected_totals(B_NEW)
            newer = newer[newer.index.get_level_values("month") != month]
            older = expected_totals(B_OLD)
            older = older[~older.index.get_level_values("month").isin(
                set(newer.index.get_level_values("month")))]
            expected = pd.concat([newer, older]).sort_index()
        else:
            paths = [put(tmp, B_NEW.name, text)]
            months = {f"{h[:4]}-{h[4:]}" for h in rows_of(B_NEW)[0][3:]} - {month}
            expected = expected_totals(B_NEW, months)
        return Spec(paths, expected=expected, reason=f"month {month} set aside")
    return build


def interior_month(factor: float, says: str):
    def build(tmp: Path, request) -> Spec:
        c = rows_of(B_NEW)[0].index("202201")
        path = put(tmp, B_NEW.name, csv_text(mutate_cells(B_NEW, scaled(factor, column=c))))
        return Spec([path], named=path, column="202201", says=(says,))
    return build


def blank_lines(tmp: Path, request) -> Spec:
    lines = lines_of(B_NEW)
    data = b"".join(line + (b",,,\r\n" if i % 100 == 50 else b"") for i, line in
                    enumerate(lines))
    path = put(tmp, B_NEW.name, data)

    def check(load):
        blank = load.accounting[load.accounting["reason"] == "blank line"]
        assert blank["rows"].sum() == sum(1 for i in range(len(lines)) if i % 100 == 50)
    return Spec([path], expected=expected_totals(B_NEW), check=check)


def trailing_empty_columns(tmp: Path, request) -> Spec:
    data = b"".join(line.rstrip(b"\r\n") + b",,\r\n" for line in lines_of(B_NEW))
    path = put(tmp, B_NEW.name, data)
    return Spec([path], expected=expected_totals(B_NEW))


def compare_after_copy(tmp: Path, request) -> Spec:
    """The harm of a double count shows in a comparison: a folder holding the file twice gives
    the comparison of the file once."""
    copy(B_NEW, tmp / "a")
    copy(B_NEW, tmp / "b", "the same file downloaded again.csv")
    intact = read_mps_crime(B_NEW)
    want = compare_periods(intact.table, "Barnet", "2023-05")[["indicator", "n_12m", "n_3m"]]

    def check(load):
        got = compare_periods(load.table, "Barnet", "2023-05")[["indicator", "n_12m", "n_3m"]]
        pd.testing.assert_frame_equal(got.reset_index(drop=True), want.reset_index(drop=True))
    return Spec([tmp], expected=expected_totals(B_NEW), reason="same bytes as", check=check,
                loader=lambda paths: read_mps_crime_for_period(paths, "2023-05", "latest"))


def compare_truncated_newer(tmp: Path, request) -> Spec:
    paths = two_vintages(tmp, b"".join(lines_of(B_NEW)[:1500]))
    return Spec(paths, named=paths[0], says=("missing",),
                loader=lambda p: compare_periods(read_mps_crime_for_period(
                    p, "2023-05", "latest").table, "Barnet", "2023-05"))


def as_published_truncated(tmp: Path, request) -> Spec:
    paths = two_vintages(tmp, b"".join(lines_of(B_NEW)[:700]))
    return Spec(paths, named=paths[0], says=("missing",),
                loader=lambda p: read_mps_crime_for_period(p, "2023-05"))


# ---------------------------------------------------------------------------------------------
# Ward level: the 2022-ward files to March 2025 and to January 2024


def ward_rows(source: Path = W_NEW) -> list[list[str]]:
    return rows_of(source)


def ward_cut(n: int, beside_older: bool):
    def build(tmp: Path, request) -> Spec:
        data = b"".join(lines_of(W_NEW)[: n + 1])
        paths = [put(tmp / "new", W_NEW.name, data)]
        if beside_older:
            paths.append(copy(W_OLD, tmp / "old"))
        return Spec(paths, named=paths[0], says=("missing",))
    return build


def ward_one_borough(beside_older: bool):
    def build(tmp: Path, request) -> Spec:
        rows = ward_rows()
        text = csv_text([rows[0]] + [r for r in rows[1:] if r[4] == "Barnet"])
        paths = [put(tmp / "new", W_NEW.name, text)]
        totals = expected_totals(W_NEW)
        barnet = totals[totals.index.get_level_values("borough") == "Barnet"]
        if not beside_older:
            return Spec(paths, expected=barnet)
        # Barnet's months from the newer download, every other figure from the older file.
        paths.append(copy(W_OLD, tmp / "old"))
        older = expected_totals(W_OLD)
        newer_months = set(barnet.index.get_level_values("month"))
        keep = ~((older.index.get_level_values("borough") == "Barnet")
                 & older.index.get_level_values("month").isin(newer_months))
        return Spec(paths, expected=pd.concat([barnet, older[keep]]).sort_index())
    return build


def ward_two_downloads(tmp: Path, request) -> Spec:
    """Barnet's and Camden's wards downloaded apart: both boroughs load, neither hides the
    other."""
    rows = ward_rows()
    paths = [put(tmp, f"{b} {W_NEW.name}", csv_text([rows[0]] + [r for r in rows[1:]
                                                                 if r[4] == b]))
             for b in ("Barnet", "Camden")]
    totals = expected_totals(W_NEW)
    return Spec(paths, expected=totals[totals.index.get_level_values("borough").isin(
        ["Barnet", "Camden"])])


def ward_respelled(tmp: Path, request) -> Spec:
    rows = ward_rows()
    again = [r[:4] + ["BARNET "] + r[5:] for r in rows[1:] if r[4] == "Barnet"][:5]
    path = put(tmp, W_NEW.name, csv_text(rows + again))
    return Spec([path], named=path, row=len(rows) + 1, says=("twice",))


def ward_gap(tmp: Path, request) -> Spec:
    rows = ward_rows()
    c = rows[0].index("202401")
    path = put(tmp, W_NEW.name, csv_text([r[:c] + r[c + 1:] for r in rows]))
    return Spec([path], named=path, says=("202401",))


def ward_missing_group(tmp: Path, request) -> Spec:
    rows = ward_rows()
    text = csv_text([rows[0]] + [r for r in rows[1:] if r[0] != "ROBBERY"])
    path = put(tmp, W_NEW.name, text)
    return Spec([path], named=path, says=("Robbery",))


def ward_overflow(tmp: Path, request) -> Spec:
    rows = ward_rows()
    c = rows[0].index("202306")
    rows[40][c] = "99999999999999999999"
    path = put(tmp, W_NEW.name, csv_text(rows))
    return Spec([path], named=path, row=41, column="202306", says=("too large",))


def ward_same_rows_as_parquet(tmp: Path, request) -> Spec:
    first = copy(W_NEW, tmp)
    second = tmp / "ward-copy.parquet"
    pd.read_csv(W_NEW, dtype=str, keep_default_na=False).to_parquet(second, index=False)
    return Spec([tmp], expected=expected_totals(W_NEW), reason=f"same rows as {first.name}",
                extra={"copy": second})


# ---------------------------------------------------------------------------------------------
# Parquet copies: ward all-offences and LSOA (to February 2026)


def parquet_real_partial_month(beside_csv: bool):
    """The real ward Parquet copy holds 0.1% of February 2024: that month is set aside."""
    def build(tmp: Path, request) -> Spec:
        paths = [copy(W_PARQUET, tmp / "parquet")]
        later = expected_totals(W_PARQUET)
        later = later[later.index.get_level_values("month") != "2024-02"]
        expected = later
        if beside_csv:
            paths.append(copy(W_NEW, tmp / "csv"))
            earlier = expected_totals(W_NEW)
            earlier = earlier[~earlier.index.get_level_values("month").isin(
                set(later.index.get_level_values("month")))]
            assert "2024-02" in set(earlier.index.get_level_values("month"))
            expected = pd.concat([later, earlier]).sort_index()
        return Spec(paths, expected=expected, reason="month 2024-02 set aside")
    return build


def parquet_rows_cut(source: Path, n: int):
    def build(tmp: Path, request) -> Spec:
        import pyarrow.parquet as pq

        path = tmp / source.name
        pq.write_table(pq.read_table(source).slice(0, n), path)
        return Spec([path], named=path, says=("missing",))
    return build


def parquet_bytes_cut(tmp: Path, request) -> Spec:
    data = W_PARQUET.read_bytes()
    path = put(tmp, W_PARQUET.name, data[: len(data) // 2])
    return Spec([path], named=path, says=("not a readable Parquet file",))


def parquet_unsigned_overflow(tmp: Path, request) -> Spec:
    frame = pd.read_csv(B_NEW, dtype=str, keep_default_na=False)
    months = [c for c in frame.columns if c.isdigit()]
    for month in months:
        frame[month] = frame[month].astype("uint64")
    wrapped = frame["202110"].to_numpy(dtype=np.uint64).copy()
    wrapped[3] = np.uint64(2**64 - 1)  # read as int64 it would be -1
    frame["202110"] = wrapped
    path = tmp / "borough.parquet"
    frame.to_parquet(path, index=False)
    return Spec([path], named=path, row=5, column="202110", says=("too large",))


def parquet_header_only(tmp: Path, request) -> Spec:
    import pyarrow.parquet as pq

    path = tmp / W_PARQUET.name
    pq.write_table(pq.read_table(W_PARQUET).slice(0, 0), path)
    return Spec([path], named=path, says=("no data rows",))


# ---------------------------------------------------------------------------------------------
# The dashboard extract (the demo's, a small CSV in the published layout)


def demo_dashboard(request) -> Path:
    return request.getfixturevalue("demo_dir") / "dashboard" / DEMO_DASHBOARD


def dashboard_totals(load) -> pd.Series:
    table = load.table[load.table["area_type"] == "borough"]
    return (table.assign(month=table["month"].astype(str))
            .groupby(["borough", "measure", "month"])["count"].sum().sort_index())


def dashboard_case(mutate: Callable[[list[list[str]]], list[list[str]]], *, error_says=(),
                   row: int | None = None, column: str | None = None, reason: str = ""):
    def build(tmp: Path, request) -> Spec:
        source = demo_dashboard(request)
        rows = mutate(rows_of(source))
        path = put(tmp, DEMO_DASHBOARD, csv_text(rows))
        if error_says:
            return Spec([path], named=path, row=row, column=column, says=error_says)
        intact = dashboard_totals(read_mps_crime(source))
        kept = {r[0] for r in rows[1:]}
        months = {pd.Period(pd.to_datetime(m, dayfirst=True), "M").strftime("%Y-%m")
                  for m in kept}

        def check(load):
            got = dashboard_totals(load)
            want = intact[intact.index.get_level_values("month").isin(months)]
            if reason:
                want = want[want.index.get_level_values("month") != max(months)]
            pd.testing.assert_series_equal(got[got != 0], want[want != 0], check_names=False)
        return Spec([path], check=check, reason=reason)
    return build


def _last_month_half(rows):
    last = rows[-1][0]
    body = [r for r in rows[1:] if r[0] != last]
    tail = [r for r in rows[1:] if r[0] == last]
    return [rows[0]] + body + tail[: len(tail) // 20]


def _respelled_dashboard(rows):
    again = [r[:2] + ["BARNET "] + r[3:] for r in rows[1:]
             if r[1] == "Borough" and r[2] == "Barnet"][:3]
    return rows + again


def _dashboard_overflow(rows):
    rows[7][rows[0].index("Count")] = "99999999999999999999"
    return rows


def _dashboard_gap(rows):
    second = sorted({r[0] for r in rows[1:]}, key=lambda m: pd.to_datetime(m, dayfirst=True))[5]
    return [r for r in rows if r[0] != second]


def dashboard_semicolon(tmp: Path, request) -> Spec:
    rows = rows_of(demo_dashboard(request))
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(rows)
    path = put(tmp, DEMO_DASHBOARD, out.getvalue())
    return Spec([path], named=path, row=1, says=("semicolons",))


def dashboard_same_bytes(tmp: Path, request) -> Spec:
    source = demo_dashboard(request)
    first = copy(source, tmp / "a")
    copy(source, tmp / "b", "dashboard again.csv")
    intact = dashboard_totals(read_mps_crime(source))

    def check(load):
        pd.testing.assert_series_equal(dashboard_totals(load), intact, check_names=False)
    return Spec([tmp], check=check, reason=f"same bytes as {first.name}")


def demo_borough_same_rows(tmp: Path, request) -> Spec:
    """The demo's borough vintages plus a re-saved copy of one (reordered rows, Parquet)."""
    demo = request.getfixturevalue("demo_dir") / "borough"
    shutil.copytree(demo, tmp / "borough")
    recent = next((tmp / "borough" / "to-202502").glob("*24 months*"))
    frame = pd.read_csv(recent, dtype=str, keep_default_na=False).sample(frac=1,
                                                                          random_state=3)
    frame.to_parquet(tmp / "borough" / "to-202502" / "copy.parquet", index=False)
    intact = loaded_totals(read_mps_crime(demo).table)
    return Spec([tmp / "borough"], expected=intact, reason=f"same rows as {recent.name}")


# ---------------------------------------------------------------------------------------------


def _c(name: str, outcome: str, build: Callable, **data) -> Case:
    return Case("mps", name, outcome, {"build": build, **data})


CASES: list[Case] = [
    # Truncation at a row boundary
    _c("borough-cut-after-73-rows", ERROR, cut_rows(73)),
    _c("borough-newer-cut-at-row-1500-beside-complete-older", ERROR,
       cut_rows(1500, beside_older=True)),
    _c("borough-newer-cut-at-row-73-beside-complete-older", ERROR,
       cut_rows(73, beside_older=True)),
    _c("borough-last-row-cut", ERROR, cut_last_rows(1)),
    _c("borough-last-three-rows-cut", ERROR, cut_last_rows(3)),
    _c("borough-cut-inside-the-last-borough", ERROR, cut_within_westminster),
    _c("borough-2008-layout-cut-at-row-500", ERROR, cut_rows(500, source=B_2008)),
    _c("borough-2024-coding-cut-at-row-600", ERROR, cut_rows(600, source=B_UPPER)),
    # Truncation mid-row
    _c("borough-cut-mid-row", ERROR, cut_mid_row()),
    _c("borough-newer-cut-mid-row-beside-older", ERROR, cut_mid_row(beside_older=True)),
    _c("borough-2008-layout-cut-mid-row", ERROR, cut_mid_row(B_2008)),
    # Header only, empty
    _c("borough-header-only", ERROR, header_only()),
    _c("borough-newer-header-only-beside-older", ERROR, header_only(beside_older=True)),
    _c("borough-header-and-blank-lines-only", ERROR, header_only(blank=True)),
    _c("borough-empty-file", ERROR, empty_file),
    # Encodings, line ends, quoting, delimiters
    _c("borough-utf8-bom", CORRECT, reencoded(lambda b: b"\xef\xbb\xbf" + b)),
    _c("borough-lf-line-ends", CORRECT, reencoded(lambda b: b.replace(b"\r\n", b"\n"))),
    _c("borough-cp1252-en-dash-in-a-category", CORRECT, cp1252_en_dash),
    _c("borough-utf16", ERROR, utf16),
    _c("borough-every-field-quoted", CORRECT, quoted_everywhere),
    _c("borough-semicolon-delimited", ERROR, delimited(";", "semicolons")),
    _c("borough-tab-delimited", ERROR, delimited("\t", "tabs")),
    _c("borough-pipe-delimited", ERROR, delimited("|", "vertical bars")),
    # Spellings of areas
    _c("borough-barnet-repeated-with-trailing-space", ERROR, respelled_repeat("BARNET ")),
    _c("borough-barnet-repeated-lower-case", ERROR, respelled_repeat("barnet")),
    _c("borough-barnet-repeated-with-non-breaking-space", ERROR,
       respelled_repeat("Barnet\u00a0")),
    _c("borough-repeated-with-double-spaces", ERROR,
       respelled_repeat("Kingston  upon  Thames", "Kingston upon Thames")),
    _c("borough-barnet-spelled-upper-with-trailing-space", CORRECT,
       respelled_only("BARNET ", "Barnet")),
    _c("borough-spelled-with-non-breaking-space", CORRECT,
       respelled_only("Barnet\u00a0", "Barnet")),
    _c("borough-spelled-with-double-spaces", CORRECT,
       respelled_only("Kingston  upon  Thames", "Kingston upon Thames")),
    _c("borough-spelled-with-ampersand", CORRECT,
       respelled_only("Hammersmith & Fulham", "Hammersmith and Fulham")),
    # Duplicates
    _c("borough-row-duplicated", ERROR, duplicated_row),
    _c("borough-same-file-twice-same-bytes", REPORTED, same_bytes_twice()),
    _c("borough-same-rows-reordered-under-another-name", REPORTED, same_rows_reordered),
    _c("borough-parquet-copy-beside-the-csv", REPORTED, parquet_copy),
    _c("borough-same-file-twice-in-a-comparison", REPORTED, compare_after_copy, slow=True),
    _c("demo-borough-reordered-parquet-copy-of-a-vintage", REPORTED, demo_borough_same_rows,
       slow=True),
    # Counts
    _c("borough-count-overflows", ERROR, planted("99999999999999999999", "too large")),
    _c("borough-count-huge", ERROR, planted("5000000", "too large")),
    _c("borough-count-negative", ERROR, planted("-4", "negative")),
    _c("borough-count-fractional", ERROR, planted("2.5", "not a count")),
    _c("borough-count-empty", ERROR, planted("", "empty")),
    _c("borough-count-text", ERROR, planted("n/a", "not a count")),
    _c("borough-excel-thousands-and-decimals", CORRECT, excel_counts),
    # Months
    _c("borough-month-column-missing-inside-the-span", ERROR,
       drop_columns(["202201"], outcome_error=True)),
    _c("borough-three-month-columns-missing", ERROR,
       drop_columns(["202110", "202201", "202305"], outcome_error=True)),
    _c("borough-first-month-column-dropped", CORRECT,
       drop_columns(["202108"], outcome_error=False)),
    _c("borough-month-columns-reordered", CORRECT, reorder_columns("months")),
    _c("borough-identifier-columns-reordered", ERROR, reorder_columns("ids")),
    _c("borough-extra-unknown-column", ERROR, extra_column("Notes", "x", "not a month")),
    _c("borough-month-column-twice", ERROR, extra_column("202301", "1", "appears twice")),
    _c("borough-interior-month-near-empty", ERROR, interior_month(0.01, "median month")),
    _c("borough-interior-month-tripled", ERROR, interior_month(3, "median month")),
    _c("borough-last-month-partial", REPORTED, partial_month("202307", beside_older=False)),
    _c("borough-newer-first-month-partial-beside-older", REPORTED,
       partial_month("202108", beside_older=True)),
    # Areas and groups
    _c("borough-major-group-missing-everywhere", ERROR,
       without_rows(lambda r: r[0] != "Robbery", ("Robbery",))),
    _c("borough-newer-without-violence-beside-older", ERROR,
       without_rows(lambda r: r[0] != "Violence Against the Person",
                    ("Violence Against the Person",), beside_older=True)),
    _c("borough-major-group-missing-in-one-borough", ERROR,
       without_rows(lambda r: not (r[2] == "Barnet" and r[0] == "Theft"),
                    ("Barnet has no row", "Theft"))),
    _c("borough-large-category-missing-in-one-borough", ERROR,
       without_rows(lambda r: not (r[2] == "Barnet" and r[1] == "Violence with Injury"),
                    ("violence_with_injury", "Barnet"))),
    _c("borough-missing-westminster", ERROR,
       without_rows(lambda r: r[2] != "Westminster", ("Westminster",))),
    _c("borough-newer-missing-barnet-beside-older", ERROR,
       without_rows(lambda r: r[2] != "Barnet", ("Barnet",), beside_older=True)),
    _c("borough-unknown-area", ERROR, unknown_area),
    _c("borough-newer-without-the-airport-rows-beside-older", ERROR,
       without_rows(lambda r: "Airports" not in r[2], ("Airports", B_OLD.name),
                    beside_older=True)),
    # Plausibility against the older vintage
    _c("borough-newer-a-tenth-of-the-older", ERROR, newer_scaled(0.1, "London total")),
    _c("borough-newer-doubled", ERROR, newer_scaled(2, "London total")),
    _c("borough-newer-barnet-a-quarter-of-the-older", ERROR,
       newer_scaled(0.25, "Barnet's total", borough="Barnet")),
    # Harmless noise
    _c("borough-blank-lines-inside", CORRECT, blank_lines),
    _c("borough-trailing-empty-columns", CORRECT, trailing_empty_columns),
    # Where the harm shows: comparisons and as-published loads
    _c("borough-comparison-over-a-truncated-newer-vintage", ERROR, compare_truncated_newer),
    _c("borough-as-published-over-a-truncated-vintage", ERROR, as_published_truncated),
    # Ward level
    _c("ward-cut-at-row-9000", ERROR, ward_cut(9000, beside_older=False)),
    _c("ward-newer-cut-at-row-9000-beside-older", ERROR, ward_cut(9000, beside_older=True)),
    _c("ward-cut-mid-row", ERROR, cut_mid_row(W_NEW)),
    _c("ward-header-only", ERROR, header_only(W_NEW)),
    _c("ward-one-borough-download", CORRECT, ward_one_borough(beside_older=False)),
    _c("ward-one-borough-newer-beside-london-older", CORRECT,
       ward_one_borough(beside_older=True), slow=True),
    _c("ward-two-one-borough-downloads-of-one-vintage", CORRECT, ward_two_downloads),
    _c("ward-borough-repeated-with-trailing-space", ERROR, ward_respelled),
    _c("ward-month-column-missing", ERROR, ward_gap),
    _c("ward-major-group-missing", ERROR, ward_missing_group),
    _c("ward-count-overflows", ERROR, ward_overflow, slow=True),
    _c("ward-same-file-twice-same-bytes", REPORTED, same_bytes_twice(W_NEW), slow=True),
    _c("ward-parquet-copy-beside-the-csv", REPORTED, ward_same_rows_as_parquet, slow=True),
    # Parquet copies
    _c("ward-parquet-real-partial-first-month", REPORTED, parquet_real_partial_month(False),
       slow=True),
    _c("ward-parquet-partial-month-beside-older-csv", REPORTED,
       parquet_real_partial_month(True), slow=True),
    _c("ward-parquet-rows-cut", ERROR, parquet_rows_cut(W_PARQUET, 9000)),
    _c("lsoa-parquet-rows-cut", ERROR, parquet_rows_cut(LSOA, 50000)),
    _c("ward-parquet-bytes-cut", ERROR, parquet_bytes_cut),
    _c("ward-parquet-no-rows", ERROR, parquet_header_only),
    _c("borough-parquet-unsigned-overflow", ERROR, parquet_unsigned_overflow),
    # The dashboard extract
    _c("dashboard-last-month-cut-short", REPORTED, dashboard_case(_last_month_half,
                                                                  reason="set aside")),
    _c("dashboard-header-only", ERROR, dashboard_case(lambda rows: rows[:1],
                                                      error_says=("no data rows",))),
    _c("dashboard-barnet-repeated-with-trailing-space", ERROR,
       dashboard_case(_respelled_dashboard, error_says=("twice",))),
    _c("dashboard-count-overflows", ERROR,
       dashboard_case(_dashboard_overflow, error_says=("too large",), row=8, column="Count")),
    _c("dashboard-month-missing-inside-the-span", ERROR,
       dashboard_case(_dashboard_gap, error_says=("inside its span",))),
    _c("dashboard-semicolon-delimited", ERROR, dashboard_semicolon),
    _c("dashboard-same-file-twice", REPORTED, dashboard_same_bytes),
]

_SOURCES = (B_NEW, B_OLD, B_UPPER, B_2008, W_NEW, W_OLD, W_PARQUET, LSOA)


def _load(spec: Spec):
    loader = spec.loader or read_mps_crime
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # notes are checked on the load itself
        return loader(spec.paths)


@pytest.mark.parametrize("case", params(CASES))
def test_bad_mps_input(case: Case, tmp_path: Path, request) -> None:
    missing = [p for p in _SOURCES if not p.exists()]
    if missing:
        pytest.skip(f"real public data not found ({missing[0]}): these cases read "
                    "../shared/data beside the repository (or $SCPB_SHARED_DATA)")
    spec = case.data["build"](tmp_path, request)
    if case.outcome == ERROR:
        with pytest.raises(InputDataError) as excinfo:
            _load(spec)
        message = assert_clear_error(excinfo, spec.named, row=spec.row, column=spec.column)
        for words in spec.says:
            assert words in message, f"{words!r} not in: {message}"
        return
    load = _load(spec)
    for row in load.files.itertuples(index=False):
        assert_accounted(row.rows_read, row.rows_loaded, row.rows_set_aside)
    if case.outcome == REPORTED:
        set_aside = load.accounting[load.accounting["outcome"] == "set aside"]
        reasons = set_aside.loc[(set_aside["rows"] > 0) | (set_aside["cells"] > 0), "reason"]
        assert any(spec.reason in r for r in reasons), list(reasons)
        assert any(spec.reason in note for note in load.notes), load.notes
        if "copy" in spec.extra:
            copy_row = load.files[load.files["path"] == str(spec.extra["copy"].resolve())
                                  ].iloc[0]
            assert copy_row.rows_loaded == 0
            assert copy_row.rows_set_aside == copy_row.rows_read > 0
            assert "superseded" not in copy_row.duplicate_of
    else:
        assert not load.notes, load.notes
    if spec.expected is not None:
        assert_same_figures(loaded_totals(load.table), spec.expected)
    if spec.check is not None:
        spec.check(load)


def test_the_corpus_is_large_enough() -> None:
    assert len(CASES) >= 55
    assert {c.outcome for c in CASES} == {CORRECT, ERROR, REPORTED}
