"""police.uk street-level loader: exact values on hand-made files, bad input, the real archive."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import SHARED_DATA, _require
from hypothesis import given, settings
from hypothesis import strategies as st

from scpb_analysis.errors import InputDataError
from scpb_analysis.sources.policeuk import (
    POINT_COLUMNS,
    SOURCE_COLUMNS,
    load_policeuk,
    read_policeuk,
)

FIXTURES = Path(__file__).parent / "fixtures" / "policeuk"
HEADER = ",".join(SOURCE_COLUMNS) + "\n"
MET = "Metropolitan Police Service,Metropolitan Police Service"
ROW = f"x1,2023-05,{MET},-0.2,51.6,On or near High Street,E01000248,Barnet 001A,Burglary,,\n"
NOWHERE = f"x2,2023-05,{MET},,,No Location,,,Burglary,,\n"
MONTH_EXPECTED = "expected a month written YYYY-MM, e.g. 2023-05"
LON_EXPECTED = ("expected a longitude in decimal degrees between -9 and 3 (the UK), or empty "
                "where police.uk has no location")
LAT_EXPECTED = ("expected a latitude in decimal degrees between 49 and 61 (the UK), or empty "
                "where police.uk has no location")
HEADER_EXPECTED = ("expected the police.uk street-level columns Crime ID, Month, Reported by, "
                   "Falls within, Longitude, Latitude, Location, LSOA code, LSOA name, "
                   "Crime type, Last outcome category, Context")


def _row(**changes: str) -> str:
    values = dict(zip(SOURCE_COLUMNS, ROW.rstrip("\n").split(","), strict=True))
    values.update({k.replace("_", " "): v for k, v in changes.items()})
    return ",".join(values[c] for c in SOURCE_COLUMNS) + "\n"


def _error(path) -> str:
    with pytest.raises(InputDataError) as err:
        read_policeuk(path)
    return str(err.value)


# ---------------------------------------------------------------------------------------------
# Hand-made fixtures: three files (UTF-8; UTF-8 with BOM and CRLF; cp1252) in a folder tree


@pytest.fixture(scope="module")
def fixture_load():
    return read_policeuk(FIXTURES)


def test_fixture_files_report(fixture_load):
    files = fixture_load.files.drop(columns="path")
    expected = pd.DataFrame({
        "file": ["2023-01-sample-street.csv", "2023-02-sample-street-bom.csv",
                 "2023-03-sample-street-cp1252.csv"],
        "rows_read": [4, 3, 1],
        "rows_loaded": [4, 2, 1],
        "rows_set_aside": [0, 1, 0],
        "no_location": [1, 0, 0],
        "first_month": ["2023-01", "2023-02", "2023-03"],
        "last_month": ["2023-01", "2023-02", "2023-03"],
        "encoding": ["utf-8", "utf-8-sig", "cp1252"],
    })
    pd.testing.assert_frame_equal(files, expected, check_dtype=False)
    assert fixture_load.files["path"].tolist() == [
        str(FIXTURES / "2023-01-sample-street.csv"),
        str(FIXTURES / "more" / "2023-02-sample-street-bom.csv"),
        str(FIXTURES / "more" / "2023-03-sample-street-cp1252.csv"),
    ]
    assert fixture_load.ignored_files == [str(FIXTURES / "more" / "README.txt")]


def test_fixture_set_aside_names_the_blank_line(fixture_load):
    assert fixture_load.set_aside.to_dict("records") == [
        {"file": "2023-02-sample-street-bom.csv", "row": 3, "reason": "blank line"}]
    assert fixture_load.no_location == 1


def test_fixture_points_exact(fixture_load):
    p = fixture_load.points
    assert list(p.columns) == POINT_COLUMNS
    assert len(p) == 7
    assert p["crime_id"].tolist()[:2] == ["a1f3c2", "b2e4d1"]
    assert pd.isna(p.loc[2, "crime_id"])  # anti-social behaviour has no crime ID
    assert p["crime_id"].tolist()[3:] == ["c3d5e7", "d4e6f8", "e5f7a9", "f6a8b0"]
    assert p["month"].dtype == pd.PeriodDtype("M")
    assert p["month"].astype(str).tolist() == ["2023-01"] * 4 + ["2023-02"] * 2 + ["2023-03"]
    np.testing.assert_array_equal(
        p["longitude"], [-0.196021, -0.259127, -0.188473, np.nan, -0.17539, -0.21288, -0.2085])
    np.testing.assert_array_equal(
        p["latitude"], [51.653518, 51.603012, 51.600154, np.nan, 51.58811, 51.57113, 51.6123])
    assert p["location"].tolist() == [
        "On or near High Street", "On or near Watling Avenue, Burnt Oak",
        "On or near Ballards Lane", "No Location", "On or near Café Parade",
        "On or near Brent Street", "On or near Café – Station Road",
    ]
    assert p["lsoa_code"].isna().tolist() == [False, False, False, True, False, False, False]
    assert p.loc[6, "lsoa_name"] == "Barnet 014D"
    assert p["crime_type"].tolist() == ["Burglary"] * 2 + ["Anti-social behaviour"] + [
        "Burglary"] * 4
    assert pd.isna(p.loc[2, "last_outcome_category"])
    assert p.loc[0, "last_outcome_category"] == "Investigation complete; no suspect identified"
    assert p["context"].isna().tolist() == [True] * 5 + [False, True]
    assert p.loc[5, "context"] == 'Recorded as "attempted"'
    assert set(p["reported_by"]) == set(p["falls_within"]) == {"Metropolitan Police Service"}
    assert p["source_file"].tolist() == (["2023-01-sample-street.csv"] * 4
                                         + ["2023-02-sample-street-bom.csv"] * 2
                                         + ["2023-03-sample-street-cp1252.csv"])
    assert p["longitude"].dtype == np.float64 and p["latitude"].dtype == np.float64


def test_load_is_read_points():
    pd.testing.assert_frame_equal(load_policeuk(FIXTURES), read_policeuk(FIXTURES).points)


def test_files_and_folders_together_without_duplicates():
    one = FIXTURES / "2023-01-sample-street.csv"
    load = read_policeuk([one, FIXTURES / "more", one])
    assert load.files["file"].tolist() == ["2023-01-sample-street.csv",
                                           "2023-02-sample-street-bom.csv",
                                           "2023-03-sample-street-cp1252.csv"]


# ---------------------------------------------------------------------------------------------
# Accounting for rows that carry nothing


def test_rows_of_empty_values_and_repeated_headers_are_set_aside(write_csv):
    # Monthly files joined with `cat` repeat the header; a spreadsheet export can leave ",,,".
    path = write_csv(HEADER + ROW + "," * 11 + "\n" + HEADER + "\n" + NOWHERE)
    load = read_policeuk(path)
    assert load.set_aside.to_dict("records") == [
        {"file": "crime.csv", "row": 3, "reason": "row with no values"},
        {"file": "crime.csv", "row": 4, "reason": "repeated header row"},
        {"file": "crime.csv", "row": 5, "reason": "blank line"},
    ]
    row = load.files.iloc[0]
    assert (row.rows_read, row.rows_loaded, row.rows_set_aside, row.no_location) == (5, 2, 3, 1)
    assert load.points["crime_id"].tolist() == ["x1", "x2"]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(["row", "nowhere", "blank"]), min_size=1, max_size=12),
       st.sampled_from(["\n", "\r\n"]))
def test_every_row_is_accounted_for(tmp_path_factory, kinds, newline):
    lines = {"row": ROW, "nowhere": NOWHERE, "blank": "\n"}
    text = HEADER + "".join(lines[k] for k in kinds)
    path = tmp_path_factory.mktemp("acc") / "street.csv"
    path.write_bytes(text.replace("\n", newline).encode())
    load = read_policeuk(path)
    row = load.files.iloc[0]
    assert row.rows_read == len(kinds) == row.rows_loaded + row.rows_set_aside
    assert load.set_aside["row"].tolist() == [i + 2 for i, k in enumerate(kinds) if k == "blank"]
    assert load.no_location == kinds.count("nowhere")
    assert len(load.points) == len(kinds) - kinds.count("blank")


def test_a_stray_quote_inside_a_value_is_text(write_csv):
    path = write_csv(HEADER + _row(Location='On or near 5" Road') + ROW)
    load = read_policeuk(path)
    assert load.points["location"].tolist() == ['On or near 5" Road', "On or near High Street"]


def test_a_quoted_line_break_stays_in_its_value_and_rows_count_records(write_csv):
    path = write_csv(HEADER + _row(Context='"two\nlines"') + ROW.replace("2023-05", "2023-13"))
    assert _error(path) == f"{path}, row 3, column 'Month': '2023-13' is not a month; " \
        + MONTH_EXPECTED


# ---------------------------------------------------------------------------------------------
# Bad input: the full message


def test_missing_column(write_csv):
    path = write_csv(HEADER.replace(",Context", "") + ROW.rsplit(",", 1)[0] + "\n")
    assert _error(path) == f"{path}, row 1: is missing the columns 'Context'; " + HEADER_EXPECTED


def test_unknown_and_missing_columns(write_csv):
    path = write_csv(HEADER.replace("LSOA code", "Ward") + ROW)
    assert _error(path) == (
        f"{path}, row 1: has columns police.uk street-level files do not have: 'Ward'; "
        "is missing the columns 'LSOA code'; " + HEADER_EXPECTED)


def test_repeated_column(write_csv):
    path = write_csv(HEADER.replace("LSOA name", "Month") + ROW)
    assert _error(path) == (f"{path}, row 1: is missing the columns 'LSOA name'; repeats the "
                            "columns 'Month'; " + HEADER_EXPECTED)


def test_header_names_match_ignoring_case_and_spacing(write_csv):
    path = write_csv(HEADER.replace("Crime ID", " crime  id").replace("LSOA name", "lsoa Name")
                     + ROW)
    assert load_policeuk(path)["crime_id"].tolist() == ["x1"]


def test_empty_file(write_csv):
    path = write_csv("")
    assert _error(path) == f"{path}, row 1: has no header row; " + HEADER_EXPECTED


@pytest.mark.parametrize("month", ["2023-13", "May 2023", "202305", "2023-5"])
def test_month_not_yyyy_mm(write_csv, month):
    path = write_csv(HEADER + ROW + _row(Month=month))
    assert _error(path) == f"{path}, row 3, column 'Month': '{month}' is not a month; " \
        + MONTH_EXPECTED


def test_empty_month(write_csv):
    path = write_csv(HEADER + ROW + "\n" + _row(Month=""))
    assert _error(path) == f"{path}, row 4, column 'Month': the month is empty; " \
        + MONTH_EXPECTED


def test_longitude_not_a_number(write_csv):
    path = write_csv(HEADER + ROW + ROW + _row(Longitude="-0.2x"))
    assert _error(path) == f"{path}, row 4, column 'Longitude': '-0.2x' is not a number; " \
        + LON_EXPECTED


def test_latitude_outside_the_uk(write_csv):
    path = write_csv(HEADER + ROW + _row(Latitude="151.6"))
    assert _error(path) == f"{path}, row 3, column 'Latitude': '151.6' is outside the UK; " \
        + LAT_EXPECTED


def test_swapped_coordinates_name_the_first_bad_row(write_csv):
    path = write_csv(HEADER + ROW + _row(Longitude="51.6", Latitude="-0.2") + _row(Latitude="x"))
    assert _error(path) == f"{path}, row 3, column 'Longitude': '51.6' is outside the UK; " \
        + LON_EXPECTED


def test_longitude_without_latitude(write_csv):
    path = write_csv(HEADER + ROW + _row(Latitude=""))
    assert _error(path) == (f"{path}, row 3, column 'Latitude': there is a longitude but no "
                            "latitude; expected both coordinates, or neither where police.uk "
                            "has no location")


def test_row_with_too_many_values(write_csv):
    path = write_csv(HEADER + ROW + ROW.replace("High Street", "High Street, Barnet"))
    assert _error(path) == (f"{path}, row 3: has 13 values where the header has 12; expected 12 "
                            "comma-separated values on every row (a value containing a comma "
                            "must be in double quotes)")


def test_row_with_too_few_values(write_csv):
    path = write_csv(HEADER + ROW + "x3,2023-05,Metropolitan Police Service\n")
    assert _error(path) == (f"{path}, row 3: has 3 values where the header has 12; expected 12 "
                            "comma-separated values on every row (a value containing a comma "
                            "must be in double quotes)")


@pytest.mark.parametrize(
    ("payload", "what"),
    [(b"PK\x03\x04rest-of-a-zip", "an Excel workbook or zip archive"),
     (b"\xd0\xcf\x11\xe0rest", "an old-style Excel (.xls) workbook")],
)
def test_file_that_is_not_csv(tmp_path, payload, what):
    path = tmp_path / "2023-05-metropolitan-street.csv"
    path.write_bytes(payload)
    assert _error(path) == (
        f"{path}: is not a CSV file (it looks like {what}); expected a police.uk street-level "
        "CSV file (unzip the download from data.police.uk first; save a spreadsheet as CSV)")


def test_undecodable_bytes(tmp_path):
    path = tmp_path / "street.csv"
    path.write_bytes(HEADER.encode() + b"\x81\x8d")
    assert _error(path) == (f"{path}: cannot be decoded (byte {len(HEADER)}); expected text "
                            "encoded as UTF-8 (with or without BOM) or Windows-1252")


def test_missing_path(tmp_path):
    path = tmp_path / "nope.csv"
    assert _error(path) == f"{path}: does not exist; expected a CSV file or a folder of them"


def test_folder_without_csv(tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    assert _error(tmp_path) == (f"{tmp_path}: is a folder with no CSV files in it; expected "
                                "police.uk street-level CSV files")


# ---------------------------------------------------------------------------------------------
# The real archive: 36 monthly Met burglary files, 2021-01..2023-12


@pytest.fixture(scope="module")
def met_dir() -> Path:
    return _require(SHARED_DATA / "policeuk" / "met-burglary-2021-2023")


@pytest.fixture(scope="module")
def met_load(met_dir):
    return read_policeuk(met_dir)


@pytest.fixture(scope="module")
def met_csv(met_dir) -> dict[str, list[dict[str, str]]]:
    """Every file read independently with the csv module."""
    out = {}
    for path in sorted(met_dir.glob("*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            out[path.name] = list(csv.DictReader(handle))
    return out


def test_real_rows_per_file_equal_a_csv_count(met_load, met_csv):
    assert len(met_csv) == 36
    counts = {name: len(rows) for name, rows in met_csv.items()}
    assert dict(zip(met_load.files["file"], met_load.files["rows_read"], strict=True)) == counts
    assert (met_load.files["rows_loaded"] == met_load.files["rows_read"]).all()
    assert met_load.set_aside.empty
    assert len(met_load.points) == sum(counts.values()) == 163_246


def test_real_no_location_count_is_independent(met_load, met_csv):
    nowhere = sum(1 for rows in met_csv.values() for r in rows if r["Longitude"] == "")
    assert met_load.no_location == nowhere == 4_332
    per_file = {name: sum(1 for r in rows if r["Longitude"] == "")
                for name, rows in met_csv.items()}
    assert dict(zip(met_load.files["file"], met_load.files["no_location"], strict=True)) == per_file
    # ../shared/data/README.md gives 158,914 rows: the rows that have a location.
    assert met_load.points["longitude"].notna().sum() == 158_914


def test_real_months(met_load):
    files = met_load.files
    assert files["first_month"].tolist() == files["last_month"].tolist()
    assert files["first_month"].tolist() == [str(m) for m in pd.period_range("2021-01",
                                                                             "2023-12", freq="M")]
    assert [f[:7] for f in files["file"]] == files["first_month"].tolist()
    months = met_load.points["month"]
    assert (str(months.min()), str(months.max())) == ("2021-01", "2023-12")


def test_real_values_match_the_csv_module(met_load, met_csv):
    rows = [r for name in sorted(met_csv) for r in met_csv[name]]
    points = met_load.points
    nowhere = next(i for i, r in enumerate(rows) if r["Longitude"] == "")
    quoted = next(i for i, r in enumerate(rows) if "," in r["Location"])
    for i in (0, 1, 4_299, 81_000, len(rows) - 1, nowhere, quoted):
        source, got = rows[i], points.iloc[i]
        for column, name in zip(SOURCE_COLUMNS, POINT_COLUMNS, strict=False):
            if column not in ("Month", "Longitude", "Latitude"):
                assert ("" if pd.isna(got[name]) else got[name]) == source[column]
        assert str(got["month"]) == source["Month"]
        if source["Longitude"]:
            assert got["longitude"] == float(source["Longitude"])
            assert got["latitude"] == float(source["Latitude"])
        else:
            assert math.isnan(got["longitude"])
    barnet = sum(1 for r in rows if r["LSOA name"].startswith("Barnet "))
    assert points["lsoa_name"].str.startswith("Barnet ", na=False).sum() == barnet
