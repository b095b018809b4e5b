"""The pack's workbook: numbers as numbers, codes as text, readable unique sheets, a Contents
sheet that links every table, and the same bytes from the same CSVs."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from scpb_analysis.pack.workbook import CONTENTS_SHEET, sheet_names, table_title, write_workbook

LONG = "ward_maps_hotspots_robbery_of_personal_property"


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / f"{name}.csv"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def tables(tmp_path) -> list[Path]:
    folder = tmp_path / "tables"
    folder.mkdir()
    return [
        _write(folder, "ward_counts",
               "ward_code,ward_name,count,rate,pct_change,note,area_id,code\n"
               "E05000001,Hendon,12,3.2591283212727173,+2.2,NA,00123,7\n"
               "E05000002,Mill Hill,0,0.1,-14.4,,00124,8\n"
               "E05000003,Colindale,1500,,0.0,=HYPERLINK(\"http://x\"),00125,9\n"),
        _write(folder, "beat_codes", "beat,officers,share,LSOA code\n01,3,1e-3,11\n02,4,0.5,12\n"
                                     "10,5,.25,13\n"),
        _write(folder, f"{LONG}_2023", "ward,count\nHendon,4\n"),
        _write(folder, f"{LONG}_2024", "ward,count\nHendon,5\nBurnt Oak,6\n"),
        _write(folder, "history", "month,count\n2023-05,7\n"),
        _write(folder, "empty_table", "indicator,value\n"),
    ]


@pytest.fixture
def book(tables, tmp_path):
    return load_workbook(write_workbook(tables, tmp_path / "pack_tables.xlsx"))


def _sheets_by_csv(book) -> dict[str, str]:
    rows = list(book[CONTENTS_SHEET].iter_rows(min_row=2, values_only=True))
    return {Path(csv).stem: sheet for sheet, _, csv, _ in rows}


def _number_columns(path: Path) -> list[str]:
    """The columns the workbook should hold as numbers, by the rule, from pandas' reading."""
    frame = pd.read_csv(path)
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    # pandas reads True/False as bool, which it counts as numeric; the workbook keeps them as
    # the CSV's words, as it keeps codes (by name, or by a leading zero) as text.
    return [c for c in frame.columns
            if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
            and not re.fullmatch(r"(.*[_ ])?(code|id)", c, re.IGNORECASE)
            and not raw[c].str.match(r"[+-]?0\d").any()]


def _column(sheet, name: str) -> list:
    header = [c.value for c in sheet[1]]
    return [row[header.index(name)] for row in sheet.iter_rows(min_row=2, values_only=True)]


def _check_numbers(path: Path, sheet) -> int:
    """Assert every number column of ``sheet`` holds the CSV's numbers; count the cells."""
    frame = pd.read_csv(path)
    checked = 0
    for column in _number_columns(path):
        for cell, value in zip(_column(sheet, column), frame[column], strict=True):
            if pd.isna(value):
                assert cell is None, (path.name, column)
            else:
                assert isinstance(cell, int | float) and not isinstance(cell, bool), \
                    (path.name, column, cell)
                # Full precision: the very double pandas parses, not a rounded one.
                assert cell == value, (path.name, column)
                checked += 1
    return checked


def test_numbers_are_numbers_equal_to_the_csv(tables, book):
    sheets = _sheets_by_csv(book)
    checked = 0
    for path in tables:
        sheet = book[sheets[path.stem]]
        assert [c.value for c in sheet[1]] == list(pd.read_csv(path).columns)
        checked += _check_numbers(path, sheet)
    # counts, rate, pct_change, officers, share and the long tables' counts
    assert checked == 3 + 2 + 3 + 3 + 3 + 1 + 2 + 1


def test_integers_stay_integers(tables, book):
    sheet = book[_sheets_by_csv(book)["ward_counts"]]
    header = [c.value for c in sheet[1]]
    counts = [r[header.index("count")] for r in sheet.iter_rows(min_row=2, values_only=True)]
    expected = pd.read_csv(tables[0], dtype={"count": "Int64"})["count"].tolist()
    assert counts == expected and all(type(c) is int for c in counts)


def test_text_codes_and_empty_cells_are_kept_as_in_the_csv(tables, book):
    sheets = _sheets_by_csv(book)
    for path in tables:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
        numbers = _number_columns(path)
        sheet = book[sheets[path.stem]]
        for column in raw.columns:
            for cell, text in zip(_column(sheet, column), raw[column], strict=True):
                if text == "":
                    assert cell is None, (path.name, column)
                elif column not in numbers:
                    assert cell == text and isinstance(cell, str), (path.name, column, cell)


def test_leading_zeros_and_code_columns_are_not_numbers(book):
    sheets = _sheets_by_csv(book)
    beats = [r[0] for r in book[sheets["beat_codes"]].iter_rows(min_row=2, values_only=True)]
    assert beats == ["01", "02", "10"]
    assert _column(book[sheets["beat_codes"]], "LSOA code") == ["11", "12", "13"]
    wards = book[sheets["ward_counts"]]
    header = [c.value for c in wards[1]]
    rows = list(wards.iter_rows(min_row=2, values_only=True))
    assert [r[header.index("area_id")] for r in rows] == ["00123", "00124", "00125"]
    assert [r[header.index("code")] for r in rows] == ["7", "8", "9"]
    # "NA" is a word in the CSV, not a missing value.
    assert rows[0][header.index("note")] == "NA"


def test_text_that_looks_like_a_formula_stays_text(book):
    sheet = book[_sheets_by_csv(book)["ward_counts"]]
    header = [c.value for c in sheet[1]]
    cell = sheet.cell(row=4, column=header.index("note") + 1)
    assert cell.data_type == "s" and cell.value == '=HYPERLINK("http://x")'


def test_sheet_names_are_readable_short_valid_and_unique(tables, book):
    names = book.sheetnames
    assert names[0] == CONTENTS_SHEET and len(names) == len(tables) + 1
    assert all(len(n) <= 31 for n in names)
    assert len({n.casefold() for n in names}) == len(names)
    assert not any(set(n) & set("[]:*?/\\") for n in names)
    assert "history" not in {n.casefold() for n in names}
    sheets = _sheets_by_csv(book)
    for path in tables:
        name = sheets[path.stem]
        # Readable: words of the title, no underscores, a capital first letter.
        assert "_" not in name and name[0].isupper()
        words = re.sub(r" \(\d+\)$", "", name).split()
        assert words == table_title(path.stem).split()[: len(words)], name
    collided = [sheets[f"{LONG}_2023"], sheets[f"{LONG}_2024"]]
    assert collided[0] != collided[1] and collided[1].endswith(" (2)")


def test_contents_lists_every_table_with_a_link_and_its_row_count(tables, book):
    contents = book[CONTENTS_SHEET]
    assert [c.value for c in contents[1]] == ["Sheet", "Table", "CSV file", "Rows"]
    assert contents.freeze_panes == "A2" and contents["A1"].font.b
    rows = list(contents.iter_rows(min_row=2))
    assert [r[2].value for r in rows] == [f"tables/{p.name}" for p in tables]
    for row, path in zip(rows, tables, strict=True):
        sheet = row[0].value
        assert sheet in book.sheetnames[1:]
        # An internal link to the sheet's first cell (no external file target).
        assert row[0].hyperlink.location == f"'{sheet}'!A1" and not row[0].hyperlink.target
        assert row[1].value == table_title(path.stem)
        assert row[3].value == len(pd.read_csv(path, dtype=str, keep_default_na=False))
        assert book[sheet].max_row == row[3].value + 1


def test_every_sheet_has_a_frozen_bold_header_and_fitted_widths(book):
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2"
        assert all(c.font.b for c in sheet[1])
        for letter, dimension in sheet.column_dimensions.items():
            longest = max(len(str(c.value)) for (c,) in sheet.iter_rows(
                min_col=dimension.min, max_col=dimension.min) if c.value is not None)
            assert 8 <= dimension.width <= 60, (sheet.title, letter)
            assert dimension.width >= min(longest, 11), (sheet.title, letter)


def test_titles_name_the_sheets(tables, tmp_path):
    titles = {"ward_counts": "Offences by ward: counts/rates", "beat_codes": "Beats"}
    book = load_workbook(write_workbook(tables, tmp_path / "t.xlsx", titles=titles))
    contents = list(book[CONTENTS_SHEET].iter_rows(min_row=2, max_row=3, values_only=True))
    assert contents[0][:2] == ("Offences by ward counts-rates", titles["ward_counts"])
    assert contents[1][:2] == ("Beats", "Beats")


def test_building_twice_gives_byte_identical_workbooks(tables, tmp_path):
    first = write_workbook(tables, tmp_path / "a.xlsx").read_bytes()
    second = write_workbook(tables, tmp_path / "b.xlsx").read_bytes()
    assert first == second
    with zipfile.ZipFile(tmp_path / "a.xlsx") as archive:
        # Fixed times, not the clock's: a build a minute later gives the same bytes too.
        assert {i.date_time for i in archive.infolist()} == {(2000, 1, 1, 0, 0, 0)}
        core = archive.read("docProps/core.xml").decode()
    assert "2000-01-01T00:00:00Z" in core and str(pd.Timestamp.now().year) not in core


@pytest.mark.parametrize(("titles", "expected"), [
    (["History"], ["History (2)"]),
    (["contents"], ["contents (2)"]),
    (["A" * 40], ["A" * 31]),
    (["'Quoted'"], ["Quoted"]),
    (["Rates by", "Rates by"], ["Rates by", "Rates by (2)"]),
])
def test_sheet_names_edge_cases(titles, expected):
    assert sheet_names(titles) == expected


def test_sheet_names_cut_long_titles_at_a_word_and_keep_them_unique():
    titles = [f"Needs assessment violence {w} deprivation and income" for w in ("by",) * 12]
    names = sheet_names(titles)
    assert all(len(n) <= 31 for n in names)
    assert len({n.casefold() for n in names}) == len(names) == 12
    assert names[0] == "Needs assessment violence"
    assert names[11].endswith(" (12)")


def test_bad_input_is_named(tmp_path):
    good = _write(tmp_path, "t", "a\n1\n")
    with pytest.raises(ValueError, match=r"expected a file name ending in \.xlsx"):
        write_workbook([good], tmp_path / "t.xls")
    with pytest.raises(FileNotFoundError, match=r"missing\.csv: expected a CSV file"):
        write_workbook([tmp_path / "missing.csv"], tmp_path / "t.xlsx")
    wide = _write(tmp_path, "wide", ",".join(f"c{i}" for i in range(16_385)) + "\n")
    with pytest.raises(ValueError, match=r"wide\.csv: 0 rows and 16385 columns; expected at most "
                                         r"1048575 rows and 16384 columns"):
        write_workbook([wide], tmp_path / "t.xlsx")
    empty = _write(tmp_path, "empty", "")
    with pytest.raises(ValueError, match=r"empty\.csv: the file is empty; expected a CSV with"):
        write_workbook([empty], tmp_path / "t.xlsx")
    assert not (tmp_path / "t.xlsx").exists()


@pytest.mark.slow
def test_every_numeric_column_of_a_demo_pack_reads_back_as_numbers(tmp_path):
    from scpb_analysis.cli import main

    out = tmp_path / "out"
    main(["build", "--demo-dir", str(tmp_path / "demo"), "--out", str(out), "--jobs", "2",
          "--no-progress"])
    tables = sorted((out / "tables").glob("*.csv"))
    assert tables
    book = load_workbook(out / "pack_tables.xlsx")
    sheets = _sheets_by_csv(book)
    assert sorted(sheets) == sorted(p.stem for p in tables)
    checked = sum(_check_numbers(path, book[sheets[path.stem]]) for path in tables)
    assert checked > 1000
