"""Bad input: each case names the file, row and column and says what was expected."""

from __future__ import annotations

import csv
import io
import re

import pytest

from scpb_analysis.core.errors import InputDataError
from scpb_analysis.reference.geography import london_boroughs
from scpb_analysis.sources.mps import load_mps_crime, read_mps_crime

HEADER = "MajorText,MinorText,LookUp_BoroughName,202301,202302,202303\n"
GOOD_ROWS = (
    "Burglary,Domestic Burglary,Barnet,150,140,160\n"
    "Robbery,Robbery of Personal Property,Barnet,50,45,61\n"
)


# One category in each major group every borough-level file holds.
_CORE = (("Arson and Criminal Damage", "Arson"), ("Burglary", "Burglary Business and Community"),
         ("Drug Offences", "Possession of Drugs"), ("Robbery", "Robbery of Business Property"),
         ("Sexual Offences", "Rape"), ("Theft", "Bicycle Theft"),
         ("Violence Against the Person", "Homicide"))


def _london(rows: str) -> str:
    """The Barnet rows, the same rows for the other 31 boroughs, and a row in each core major
    group for every borough, all with zero counts.

    A borough-level file must hold all 32 boroughs and the core groups in each; these tests are
    about something else, and the zeros leave every total equal to Barnet's.
    """
    given = [r for r in csv.reader(io.StringIO(rows)) if any(c.strip() for c in r)]
    shape = ["0" if c.strip() else "" for c in given[0][3:]]  # keep empty trailing columns
    held = {(r[0], r[1]) for r in given}
    out = [rows]
    for borough in london_boroughs()["borough"]:
        if borough != "Barnet":
            for row in given:
                cells = [borough if c == "Barnet" else c for c in row]
                out.append(",".join(cells[:3] + ["0" if c.strip() else c for c in cells[3:]])
                           + "\n")
        for major, minor in _CORE:
            if (major, minor) not in held:
                out.append(",".join([major, minor, borough] + shape) + "\n")
    return "".join(out)


def _data_rows(text: str) -> int:
    """Non-blank lines after the header: the rows a loader reads as data."""
    return sum(1 for line in text.splitlines()[1:] if line.strip(", "))


def _error(path) -> str:
    with pytest.raises(InputDataError) as err:
        read_mps_crime(path)
    return str(err.value)


def test_good_file_loads_with_every_row_accounted(write_csv):
    text = HEADER + _london(GOOD_ROWS)
    load = read_mps_crime(write_csv(text))
    assert load.table["count"].sum() == 150 + 140 + 160 + 50 + 45 + 61
    row = load.files.iloc[0]
    n = _data_rows(text)
    assert n == 32 * 2 + 32 * 7  # Barnet's two rows in every borough, seven core fillers
    assert (row.rows_read, row.rows_loaded, row.rows_set_aside) == (n, n, 0)


def test_unknown_header(write_csv):
    path = write_csv("Major,Minor,Area,202301\nBurglary,Domestic Burglary,Barnet,1\n")
    msg = _error(path)
    assert msg.startswith(f"{path}, row 1: has an unknown header (Major, Minor, Area, 202301)")
    assert "expected 'Borough, Major Category, Minor Category'" in msg
    assert "MajorText, MinorText, WardName, WardCode, LookUp_BoroughName" in msg


def test_month_column_not_yyyymm(write_csv):
    path = write_csv("MajorText,MinorText,LookUp_BoroughName,202301,2023-02\n"
                     "Burglary,Domestic Burglary,Barnet,1,2\n")
    assert _error(path) == (
        f"{path}, row 1, column '2023-02': column '2023-02' is not a month; "
        "expected month columns named YYYYMM, e.g. 202305"
    )


def test_month_thirteen_is_not_a_month(write_csv):
    path = write_csv("MajorText,MinorText,LookUp_BoroughName,202313\n"
                     "Burglary,Domestic Burglary,Barnet,1\n")
    assert "column '202313' is not a month" in _error(path)


def test_non_numeric_count(write_csv):
    path = write_csv(HEADER + GOOD_ROWS + "Theft,Shoplifting,Barnet,12,abc,14\n")
    assert _error(path) == (
        f"{path}, row 4, column '202302': 'abc' is not a count; "
        "expected a whole number of 0 or more"
    )


def test_negative_count(write_csv):
    path = write_csv(HEADER + "Theft,Shoplifting,Barnet,12,13,-4\n" + GOOD_ROWS)
    assert _error(path) == (
        f"{path}, row 2, column '202303': the count -4 is negative; "
        "expected a whole number of 0 or more"
    )


def test_empty_count(write_csv):
    path = write_csv(HEADER + GOOD_ROWS + "Theft,Shoplifting,Barnet,12,,14\n")
    assert "row 4, column '202302': the count is empty" in _error(path)


def test_fractional_count_is_not_a_count(write_csv):
    path = write_csv(HEADER + "Theft,Shoplifting,Barnet,12,2.5,14\n")
    assert "row 2, column '202302': '2.5' is not a count" in _error(path)


def test_excel_style_counts_are_accepted(write_csv):
    path = write_csv(HEADER + _london('Theft,Other Theft,Barnet,"1,204",12.0,7\n'))
    table = read_mps_crime(path).table
    theft = table[(table["area_name"] == "Barnet") & (table["indicator"] == "other_theft")]
    assert theft["count"].tolist() == [1204, 12, 7]


def test_duplicated_row(write_csv):
    path = write_csv(HEADER + GOOD_ROWS + "Burglary,Domestic Burglary,Barnet,1,2,3\n")
    msg = _error(path)
    assert msg.startswith(f"{path}, row 4: row 4 duplicates row 2 (same category and area:")
    assert "MinorText='Domestic Burglary'" in msg


def test_ragged_row(write_csv):
    path = write_csv(HEADER + "Burglary,Domestic Burglary,Barnet,1,2\n")
    assert _error(path) == (f"{path}, row 2: has 5 values where the header has 6; "
                            "expected 6 comma-separated values")


@pytest.mark.parametrize(
    "payload, what",
    [(b"PK\x03\x04rest-of-a-zip", "an Excel workbook or zip archive"),
     (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old-style Excel (.xls) workbook"),
     (b"%PDF-1.7", "a PDF document")],
)
def test_file_that_is_not_csv(tmp_path, payload, what):
    path = tmp_path / "crime.xlsx"
    path.write_bytes(payload)
    assert _error(path) == (
        f"{path}: is not a CSV file (it looks like {what}); expected a comma-separated text "
        "file as published on the London Datastore (save the sheet as CSV first), or a Parquet "
        "copy of one"
    )


def test_unknown_borough_suggests_the_closest(write_csv):
    path = write_csv(HEADER + "Burglary,Domestic Burglary,Barnett,1,2,3\n")
    msg = _error(path)
    assert msg.startswith(f"{path}, row 2, column 'LookUp_BoroughName': 'Barnett' is not a "
                          "London borough; closest: Barnet")


def test_missing_path():
    with pytest.raises(InputDataError, match=r"nowhere\.csv: does not exist; expected a CSV"):
        read_mps_crime("nowhere.csv")


def test_folder_without_csv(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    assert _error(tmp_path) == (f"{tmp_path}: is a folder with no CSV or Parquet files in it; "
                                "expected MPS recorded-crime CSV files (or Parquet copies)")


@pytest.mark.parametrize("encoding, bom", [("utf-8", True), ("utf-8", False), ("cp1252", False)])
def test_encodings(write_csv, encoding, bom):
    # Plain-ASCII Windows-1252 is also valid UTF-8, and is reported as such.
    text = HEADER + _london(GOOD_ROWS + "Theft,Shoplifting,Barnet,1,2,3\n")
    path = write_csv(text, encoding=encoding, bom=bom)
    load = read_mps_crime(path)
    assert load.files.loc[0, "encoding"] == {("utf-8", True): "utf-8-sig",
                                             ("utf-8", False): "utf-8",
                                             ("cp1252", False): "utf-8"}[(encoding, bom)]
    assert load.table["count"].sum() == 150 + 140 + 160 + 50 + 45 + 61 + 6


def test_cp1252_bytes_are_decoded(write_csv):
    # 0x96 is an en dash in Windows-1252 and invalid as UTF-8.
    text = HEADER + _london("Burglary,Burglary \u2013 Residential,Barnet,5,6,7\n")
    load = read_mps_crime(write_csv(text, encoding="cp1252"))
    assert load.files.loc[0, "encoding"] == "cp1252"
    counted = load.table[load.table["count"] > 0]
    assert counted["indicator"].unique().tolist() == ["residential_burglary"]


def test_unknown_category_is_carried_and_reported(write_csv):
    path = write_csv(HEADER + _london(GOOD_ROWS
                                      + "Burglary,Burglary of a Spaceship,Barnet,1,0,2\n"))
    load = read_mps_crime(path)
    unmapped = load.table[load.table["indicator"].str.startswith("UNMAPPED")
                          & (load.table["area_name"] == "Barnet")]
    assert unmapped["count"].tolist() == [1, 0, 2]
    assert load.unmapped.to_dict("records") == [
        {"indicator": "UNMAPPED: Burglary / Burglary of a Spaceship", "file": path.name,
         "cells": 3 * 32, "total": 3}
    ]
    with pytest.warns(UserWarning, match=re.escape("Burglary / Burglary of a Spaceship")):
        load_mps_crime(path)


def test_non_borough_rows_are_kept_apart_and_accounted(write_csv):
    text = HEADER + _london(GOOD_ROWS) + (
        "Burglary,Domestic Burglary,Aviation Security (SO18),1,0,0\n"
        "Burglary,Domestic Burglary,London Heathrow and London City Airports,2,0,1\n"
        "Burglary,Domestic Burglary,Unknown,0,3,0\n"
    )
    load = read_mps_crime(write_csv(text))
    other = load.table[load.table["area_type"] == "other"]
    assert sorted(other["area_name"].unique()) == [
        "Aviation Security (SO18)", "London Heathrow and London City Airports", "Unknown"]
    assert other["count"].sum() == 7
    boroughs = load.table[load.table["area_type"] == "borough"]
    assert boroughs["borough"].nunique() == 32
    assert boroughs["count"].sum() == 150 + 140 + 160 + 50 + 45 + 61
    row = load.files.iloc[0]
    assert row.rows_read == row.rows_loaded + row.rows_set_aside == _data_rows(text)


def test_blank_lines_and_trailing_empty_columns_are_accounted(write_csv):
    text = ("MajorText,MinorText,LookUp_BoroughName,202301,202302,,\n"
            + _london("Burglary,Domestic Burglary,Barnet,1,2,,\n"
                      ",,,,,,\n"
                      "Robbery,Robbery of Personal Property,Barnet,3,4,,\n"))
    load = read_mps_crime(write_csv(text))
    row = load.files.iloc[0]
    n = _data_rows(text)
    assert (row.rows_read, row.rows_loaded, row.rows_set_aside) == (n + 1, n, 1)
    blank = load.accounting[load.accounting["reason"] == "blank line"]
    assert blank["rows"].tolist() == [1]


def test_value_under_an_empty_header_is_an_error(write_csv):
    path = write_csv("MajorText,MinorText,LookUp_BoroughName,202301,\n"
                     "Burglary,Domestic Burglary,Barnet,1,9\n")
    assert _error(path) == (f"{path}, row 2, column '#5': has a value '9' under an empty header; "
                            "expected every value to sit under a named column")


def test_files_that_are_not_csv_in_a_folder_are_listed_not_hidden(tmp_path):
    (tmp_path / "notes.txt").write_text("read me")
    (tmp_path / "crime.csv").write_text(HEADER + _london(GOOD_ROWS))
    load = read_mps_crime(tmp_path)
    assert load.ignored_files == [str(tmp_path / "notes.txt")]
    assert load.files["file"].tolist() == ["crime.csv"]


def test_the_same_row_spelled_twice_is_an_error_not_a_double_count(write_csv):
    path = write_csv(HEADER + GOOD_ROWS + "BURGLARY,DOMESTIC BURGLARY,BARNET,150,140,160\n")
    assert _error(path) == (
        f"{path}, row 4: row 4 repeats row 2 with the category or area spelled differently: "
        "(MajorText='Burglary', MinorText='Domestic Burglary', LookUp_BoroughName='Barnet') and "
        "(MajorText='BURGLARY', MinorText='DOMESTIC BURGLARY', LookUp_BoroughName='BARNET'); "
        "loading both would count the same offences twice; expected each category and area to "
        "appear once per file")
