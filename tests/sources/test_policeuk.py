"""police.uk street-level loader: exact values on hand-made files, bad input, the real archive,
repeated Crime IDs (set aside, each named) and Parquet copies (read as their CSV)."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv  # noqa: F401 - pa.csv
import pyarrow.parquet as pq
import pytest
from conftest import SHARED_DATA, _require
from hypothesis import given, settings
from hypothesis import strategies as st

from scpb_analysis.core.errors import InputDataError
from scpb_analysis.sources.files import column_key
from scpb_analysis.sources.policeuk import (
    LAYOUTS,
    POINT_COLUMNS,
    SOURCE_COLUMNS,
    load_policeuk,
    read_policeuk,
)

FIXTURES = Path(__file__).parents[1] / "fixtures" / "policeuk"
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
        "duplicates_same_file": [0, 0, 0],
        "duplicates_earlier_file": [0, 0, 0],
        "no_location": [1, 0, 0],
        "first_month": ["2023-01", "2023-02", "2023-03"],
        "last_month": ["2023-01", "2023-02", "2023-03"],
        "other_force": [0, 0, 0],
        "unknown_crime_type": [0, 0, 0],
        "same_rows_as": ["", "", ""],
        "force": ["Metropolitan Police Service"] * 3,
        "encoding": ["utf-8", "utf-8-sig", "cp1252"],
        "layout": ["police.uk street-level CSV"] * 3,
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
@given(st.lists(st.tuples(st.sampled_from(["row", "nowhere", "blank", "asb"]),
                          st.sampled_from(["a", "b", "c", " a", "b  "])), min_size=1, max_size=12),
       st.sampled_from(["\n", "\r\n"]))
def test_every_row_is_accounted_for(tmp_path_factory, kinds, newline):
    # Rows with a few IDs (some padded with spaces), rows without a location, blank lines and
    # anti-social behaviour (no ID); the expected repeats are found here by hand.
    lines = {"row": ROW, "nowhere": NOWHERE, "blank": "\n"}
    text, seen, repeats, blank_rows = HEADER, set(), [], []
    for i, (kind, crime_id) in enumerate(kinds):
        if kind == "blank":
            text += "\n"
            blank_rows.append(i + 2)
            continue
        if kind == "asb":
            text += _row(Crime_ID="", Crime_type="Anti-social behaviour")
            continue
        text += crime_id + lines[kind][2:]
        if crime_id.strip() in seen:
            repeats.append(i + 2)
        seen.add(crime_id.strip())
    path = tmp_path_factory.mktemp("acc") / "street.csv"
    path.write_bytes(text.replace("\n", newline).encode())
    load = read_policeuk(path)
    row = load.files.iloc[0]
    assert row.rows_read == len(kinds) == row.rows_loaded + row.rows_set_aside
    assert row.duplicates_same_file == len(repeats) and row.duplicates_earlier_file == 0
    assert load.set_aside["row"].tolist() == sorted(blank_rows + repeats)
    assert len(load.points) == len(kinds) - len(blank_rows) - len(repeats)
    assert load.points["crime_id"].isna().sum() == sum(k == "asb" for k, _ in kinds)


def test_a_stray_quote_inside_a_value_is_text(write_csv):
    path = write_csv(HEADER + _row(Location='On or near 5" Road', Crime_ID="x0") + ROW)
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
    assert _error(path) == (f"{path}: does not exist; expected a CSV or Parquet file or a "
                            "folder of them")


def test_folder_without_csv(tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    assert _error(tmp_path) == (f"{tmp_path}: is a folder with no CSV or Parquet files in it; "
                                "expected police.uk street-level CSV files (or Parquet copies "
                                "of them)")


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


@pytest.fixture(scope="module")
def met_first(met_csv) -> dict[str, list[dict[str, str]]]:
    """Per file, the rows whose Crime ID was not seen before (files in name order)."""
    seen, out = set(), {}
    for name in sorted(met_csv):
        out[name] = []
        for row in met_csv[name]:
            crime_id = row["Crime ID"].strip()
            if crime_id and crime_id in seen:
                continue
            seen.add(crime_id)
            out[name].append(row)
    return out


def test_real_rows_per_file_equal_a_csv_count(met_load, met_csv, met_first):
    assert len(met_csv) == 36
    counts = {name: len(rows) for name, rows in met_csv.items()}
    files = met_load.files
    assert dict(zip(files["file"], files["rows_read"], strict=True)) == counts
    assert dict(zip(files["file"], files["rows_loaded"], strict=True)) == {
        name: len(rows) for name, rows in met_first.items()}
    assert (files["rows_read"] == files["rows_loaded"] + files["rows_set_aside"]).all()
    assert len(met_load.points) == sum(len(rows) for rows in met_first.values())
    assert sum(counts.values()) == 163_246


def test_real_repeated_crime_ids_are_set_aside_as_plain_pandas_finds_them(met_dir, met_load):
    # police.uk lists some crimes twice in a month's file (differing in the outcome): the
    # same rows pandas' duplicated() finds, all within their file.
    frames = [frame.assign(file=p.name, row=np.arange(2, len(frame) + 2))
              for p in sorted(met_dir.glob("*.csv")) for frame in [pd.read_csv(p)]]
    crimes = pd.concat(frames, ignore_index=True)
    repeat = crimes["Crime ID"].notna() & crimes["Crime ID"].duplicated()
    assert repeat.sum() == len(crimes) - len(
        crimes[crimes["Crime ID"].notna()].drop_duplicates("Crime ID")) - crimes[
        "Crime ID"].isna().sum()
    assert len(met_load.set_aside) == int(repeat.sum()) == 1_852
    per_file = crimes[repeat].groupby("file").size()
    files = met_load.files.set_index("file")
    assert (files["duplicates_same_file"] == per_file.reindex(files.index, fill_value=0)).all()
    assert (files["duplicates_earlier_file"] == 0).all()
    assert (files["rows_set_aside"] == files["duplicates_same_file"]).all()
    # Each row set aside is named by file and row, and its reason names the first row with
    # the same Crime ID.
    aside = met_load.set_aside.merge(crimes, on=["file", "row"], how="left")
    assert aside[["file", "row"]].values.tolist() == crimes.loc[repeat, ["file", "row"]
                                                                ].values.tolist()
    first = crimes[~repeat & crimes["Crime ID"].notna()].set_index("Crime ID")
    expected = ("duplicate Crime ID (same file); first at " + first.loc[aside["Crime ID"], "file"]
                + " row " + first.loc[aside["Crime ID"], "row"].astype(str))
    assert aside["reason"].tolist() == expected.tolist()
    # The loaded points are the first rows, in order.
    assert met_load.points["crime_id"].tolist() == crimes.loc[~repeat, "Crime ID"].tolist()


def test_real_no_location_count_is_independent(met_load, met_csv, met_first):
    nowhere = sum(1 for rows in met_first.values() for r in rows if r["Longitude"] == "")
    assert met_load.no_location == nowhere
    per_file = {name: sum(1 for r in rows if r["Longitude"] == "")
                for name, rows in met_first.items()}
    assert dict(zip(met_load.files["file"], met_load.files["no_location"], strict=True)) == per_file
    assert met_load.points["longitude"].notna().sum() == sum(
        1 for rows in met_first.values() for r in rows if r["Longitude"])
    # ../shared/data/README.md gives 158,914 rows with a location, repeats included.
    assert sum(1 for rows in met_csv.values() for r in rows if r["Longitude"]) == 158_914


def test_real_months(met_load):
    files = met_load.files
    assert files["first_month"].tolist() == files["last_month"].tolist()
    assert files["first_month"].tolist() == [str(m) for m in pd.period_range("2021-01",
                                                                             "2023-12", freq="M")]
    assert [f[:7] for f in files["file"]] == files["first_month"].tolist()
    months = met_load.points["month"]
    assert (str(months.min()), str(months.max())) == ("2021-01", "2023-12")


def test_real_values_match_the_csv_module(met_load, met_first):
    rows = [r for name in sorted(met_first) for r in met_first[name]]
    points = met_load.points
    assert len(points) == len(rows)
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


# ---------------------------------------------------------------------------------------------
# Repeated Crime IDs across files, and blank IDs


@pytest.mark.slow
def test_a_borough_extract_beside_the_force_files_adds_nothing(met_dir, met_load):
    # The Barnet extract is the Barnet rows of the Met files (and other years); its path sorts
    # first, so the Met rows it holds are the repeats, from an earlier file.
    barnet = _require(SHARED_DATA / "policeuk" / "barnet-burglary-policeuk_2010-12_2025-02.csv")
    both = read_policeuk([met_dir, barnet])
    assert both.files["file"].tolist()[0] == barnet.name
    frames = [pd.read_csv(p).assign(file=p.name)
              for p in [barnet, *sorted(met_dir.glob("*.csv"))]]
    crimes = pd.concat(frames, ignore_index=True)
    crime_id = crimes["Crime ID"]
    repeat = crime_id.notna() & crime_id.duplicated()
    first_file = crimes.loc[crime_id.notna()].groupby("Crime ID")["file"].first()
    same = repeat & (crime_id.map(first_file) == crimes["file"])
    files = both.files.set_index("file")
    index = files.index
    assert (files["duplicates_same_file"]
            == crimes[same].groupby("file").size().reindex(index, fill_value=0)).all()
    assert (files["duplicates_earlier_file"]
            == crimes[repeat & ~same].groupby("file").size().reindex(index, fill_value=0)).all()
    assert len(both.points) == int((~repeat).sum())
    # Every Met row Barnet's extract holds is in the Met files: together they load exactly
    # the Met crimes plus Barnet's other years.
    met_ids = set(met_load.points["crime_id"].dropna())
    extra = both.points[both.points["crime_id"].notna()
                        & ~both.points["crime_id"].isin(met_ids)]
    in_met_months = extra["month"].between(pd.Period("2021-01", "M"), pd.Period("2023-12", "M"))
    assert not in_met_months.any()
    assert files.loc[barnet.name, "rows_set_aside"] == files.loc[
        barnet.name, "duplicates_same_file"]
    reasons = both.set_aside["reason"]
    assert reasons.str.startswith("duplicate Crime ID (earlier file); first at "
                                  + barnet.name + " row ").sum() == int((repeat & ~same).sum())


def test_blank_crime_ids_are_never_repeats(tmp_path):
    # Avon and Somerset files hold anti-social behaviour, whose Crime ID is blank.
    folder = _require(SHARED_DATA / "policeuk" / "avon-and-somerset-2023-01_2024-12")
    paths = sorted(folder.glob("*.csv"))[:2]
    load = read_policeuk(paths)
    crimes = pd.concat([pd.read_csv(p) for p in paths], ignore_index=True)
    blank = crimes["Crime ID"].isna()
    assert blank.sum() > 1_000
    assert (crimes.loc[blank, "Crime type"] == "Anti-social behaviour").all()
    repeat = ~blank & crimes["Crime ID"].duplicated()
    assert load.points["crime_id"].isna().sum() == blank.sum()
    assert len(load.set_aside) == int(repeat.sum())
    assert len(load.points) == len(crimes) - int(repeat.sum())
    assert (load.files["rows_read"] == load.files["rows_loaded"]
            + load.files["rows_set_aside"]).all()


def test_spaces_around_a_crime_id_do_not_make_it_another(write_csv):
    path = write_csv(HEADER + _row(Crime_ID="k9") + _row(Crime_ID=" k9 ")
                     + _row(Crime_ID="K9") + _row(Crime_ID=" "))
    load = read_policeuk(path)
    assert load.set_aside.to_dict("records") == [
        {"file": "crime.csv", "row": 3,
         "reason": "duplicate Crime ID (same file); first at crime.csv row 2"}]
    assert load.points["crime_id"].tolist() == ["k9", "K9", " "]


def test_a_parquet_copy_beside_its_csv_is_counted_once(tmp_path):
    # Blank Crime IDs (anti-social behaviour) cannot be matched by ID: the copy is set aside
    # whole because it is the CSV's Parquet copy by name.
    source = tmp_path / "2023-05-street.csv"
    source.write_text(HEADER + ROW + _row(Crime_ID="", Crime_type="Anti-social behaviour"))
    copy = _parquet_copy(source, tmp_path / "2023-05-street.parquet")
    load = read_policeuk(tmp_path)
    assert load.files[["rows_read", "rows_loaded", "rows_set_aside", "same_rows_as"]
                      ].values.tolist() == [[2, 2, 0, ""], [2, 0, 2, "2023-05-street.csv"]]
    assert load.points["crime_id"].isna().sum() == 1
    assert copy.exists()


def test_a_file_twice_in_two_folders_is_counted_once(tmp_path):
    text = HEADER + ROW + NOWHERE + _row(Crime_ID="", Crime_type="Anti-social behaviour")
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "2023-05-street.csv").write_text(text)
    load = read_policeuk(tmp_path)
    # The copy is set aside whole: its anti-social behaviour row (blank ID) is not counted
    # twice, which Crime IDs alone could not tell.
    assert load.files[["rows_read", "rows_loaded", "rows_set_aside", "duplicates_same_file",
                       "duplicates_earlier_file", "same_rows_as"]].values.tolist() == [
        [3, 3, 0, 0, 0, ""], [3, 0, 3, 0, 0, "2023-05-street.csv"]]
    assert load.set_aside["reason"].tolist() == [
        "same rows as earlier file 2023-05-street.csv (a copy of it)"] * 3
    assert load.points["crime_id"].tolist()[:2] == ["x1", "x2"]
    assert load.points["crime_id"].isna().sum() == 1


# ---------------------------------------------------------------------------------------------
# Parquet copies


def _parquet_copy(csv_path: Path, target: Path, *, snake: bool = True) -> Path:
    """A re-sharer's copy: the CSV read as text, names lower-cased with underscores."""
    table = pa.csv.read_csv(csv_path, convert_options=pa.csv.ConvertOptions(
        column_types={c: pa.string() for c in SOURCE_COLUMNS} | {
            "Longitude": pa.float64(), "Latitude": pa.float64()}))
    if snake:
        table = table.rename_columns([column_key(c) for c in table.column_names])
    pq.write_table(table, target)
    return target


def test_a_parquet_copy_reads_as_its_csv(met_dir, tmp_path):
    source = sorted(met_dir.glob("*.csv"))[5]
    copy = _parquet_copy(source, tmp_path / (source.stem + ".parquet"))
    assert pq.read_schema(copy).names[:3] == ["crime_id", "month", "reported_by"]
    from_csv, from_parquet = read_policeuk(source), read_policeuk(copy)
    pd.testing.assert_frame_equal(from_parquet.points.drop(columns="source_file"),
                                  from_csv.points.drop(columns="source_file"))
    columns = ["rows_read", "rows_loaded", "rows_set_aside", "duplicates_same_file",
               "no_location", "first_month", "last_month"]
    assert from_parquet.files[columns].values.tolist() == from_csv.files[columns].values.tolist()
    assert from_parquet.files["duplicates_same_file"].item() > 0
    assert from_parquet.files["layout"].item() == LAYOUTS["parquet-respelled"]
    assert from_csv.files["layout"].item() == "police.uk street-level CSV"
    assert from_parquet.set_aside["row"].tolist() == from_csv.set_aside["row"].tolist()
    # Together, the later file (in sorted path order) is set aside whole as a copy of the
    # earlier one: the same name, one a CSV and the other Parquet.
    both = read_policeuk([source, copy])
    first, second = sorted([source.resolve(), copy.resolve()])
    assert both.files["path"].tolist() == [str(first), str(second)]
    pd.testing.assert_frame_equal(both.points.drop(columns="source_file"),
                                  from_csv.points.drop(columns="source_file")
                                  if first == source.resolve() else
                                  from_parquet.points.drop(columns="source_file"))
    rows = int(from_csv.files["rows_read"].item())
    assert both.files["rows_set_aside"].tolist()[1] == rows
    assert both.files["same_rows_as"].tolist() == ["", Path(first).name]


def test_a_parquet_copy_with_police_uk_names_and_a_bad_one(tmp_path, write_csv):
    source = write_csv(HEADER + ROW + NOWHERE, "2023-05-street.csv")
    copy = _parquet_copy(source, tmp_path / "published-names.parquet", snake=False)
    load = read_policeuk(copy)
    assert load.files["layout"].item() == LAYOUTS["parquet"]
    assert load.points["crime_id"].tolist() == ["x1", "x2"]
    bad = tmp_path / "other.parquet"
    pq.write_table(pa.table({"crime_id": ["a"], "month": ["2023-05"], "borough": ["Barnet"]}),
                   bad)
    message = _error(bad)
    assert message.startswith(f"{bad}: has columns police.uk street-level files do not have: "
                              "'borough'; is missing the columns 'Reported by', ")
    assert message.endswith("expected the police.uk street-level columns Crime ID, Month, "
                            "Reported by, Falls within, Longitude, Latitude, Location, LSOA "
                            "code, LSOA name, Crime type, Last outcome category, Context (in a "
                            "Parquet copy, named in any case or with underscores, e.g. "
                            "crime_id, month, ..., context)")
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"not a parquet file at all")
    assert _error(broken).startswith(f"{broken}: is not a readable Parquet file (")
