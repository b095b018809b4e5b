"""The MPS VAWG offences reader: the real file against plain pandas, and every refusal.

The real-file checks recompute from the raw Parquet with plain pandas (filter the location
sheet, group by borough and recorded month); the synthetic files are small CSV and Parquet
copies written in ``tmp_path`` in the publisher's and the re-sharer's spellings.
"""

from __future__ import annotations

import warnings

import pandas as pd
import pytest
from conftest import SHARED_DATA, _require

from scpb_analysis.core.errors import InputDataError, MissingSourceError
from scpb_analysis.sources.mps_extracts import VAWG_SOURCE, read_vawg_offences

VAWG_DIR = SHARED_DATA / "mps" / "vawg"
VAWG_FILE = VAWG_DIR / "vawg-offences.parquet"
LOCATION = "Offence count location"
CLASSIFICATION = "Offence count classification"
# The publisher's workbook headers, and the re-sharer's snake-cased copy of them.
PUBLISHER = {"bcu": "BCU Location", "borough": "Borough Name", "ward": "Ward Name Clean 2",
             "recorded": "Recorded Date (Months)",
             "committed": "Date Committed From Date (Months)", "count": "Count"}
RESHARED = {"bcu": "bcu_location", "borough": "borough_name", "ward": "ward_name_clean_2",
            "recorded": "recorded_date_months",
            "committed": "date_committed_from_date_months", "count": "count"}


@pytest.fixture(scope="module")
def real():
    _require(VAWG_FILE)
    raw = pd.read_parquet(VAWG_FILE)
    return raw, read_vawg_offences(VAWG_DIR)


# -- the real file ---------------------------------------------------------------------------


def test_real_shape_and_columns(real):
    raw, vawg = real
    location = raw[raw["sheet"] == LOCATION]
    assert list(vawg.columns) == ["area_type", "borough", "ward", "month", "month_committed",
                                  "count", "source_file"]
    # Two keys collide once a 1900 placeholder and a blank committed month are both "not
    # recorded": their rows are added together (and said so), nothing else changes.
    assert len(location) == 314_161
    assert len(vawg) == len(location) - 2
    assert int(vawg["count"].sum()) == int(location["count"].sum())
    assert str(vawg["month"].dtype) == "period[M]"
    assert str(vawg["month_committed"].dtype) == "period[M]"
    assert (vawg["month"].min(), vawg["month"].max()) == (pd.Period("2014-01", "M"),
                                                         pd.Period("2026-02", "M"))
    assert len(set(vawg["borough"][vawg["area_type"] == "borough"])) == 32
    outside = vawg[vawg["area_type"] == "outside the boroughs"]
    assert set(outside["borough"]) == {"Other", "Unknown"}
    assert int(outside["count"].sum()) == int(
        location.loc[location["borough_name"].isin(["Other", "Unknown"]), "count"].sum())
    assert vawg["ward"].isna().sum() > 0
    assert set(vawg["source_file"]) == {"vawg-offences.parquet"}


def test_real_barnet_months_match_plain_pandas(real):
    raw, vawg = real
    location = raw[raw["sheet"] == LOCATION]
    expected = (location[location["borough_name"] == "Barnet"]
                .groupby(location["recorded_date_months"].dt.strftime("%Y-%m"))["count"].sum())
    barnet = vawg[vawg["borough"] == "Barnet"]
    got = barnet.groupby(barnet["month"].astype(str))["count"].sum()
    for month in ("2014-01", "2020-04", "2023-05", "2025-02", "2026-02"):
        assert got[month] == expected[month], month
    pd.testing.assert_series_equal(got.sort_index(), expected.sort_index(),
                                   check_names=False, check_index_type=False)


def test_real_unrecorded_committed_months_are_nat_and_reported(real):
    raw, vawg = real
    location = raw[raw["sheet"] == LOCATION]
    committed = location["date_committed_from_date_months"]
    unknown = committed.isna() | (committed.dt.year < 1910)
    assert int(unknown.sum()) == 581 and int(committed.isna().sum()) == 531
    assert int(vawg.loc[vawg["month_committed"].isna(), "count"].sum()) == int(
        location.loc[unknown, "count"].sum())
    assert vawg["month_committed"].dropna().min() >= pd.Period("1910-01", "M")
    notes = vawg.attrs["set_aside"]
    assert all(isinstance(n, str) for n in notes)
    note = next(n for n in notes if "no month committed" in n)
    assert f"{int(unknown.sum()):,} rows ({int(location.loc[unknown, 'count'].sum()):,} " \
           "offences)" in note
    assert "50 of them a placeholder" in note


def test_real_classification_sheet_reported_not_read(real):
    raw, vawg = real
    other = raw[raw["sheet"] == CLASSIFICATION]
    note = next(n for n in vawg.attrs["set_aside"] if CLASSIFICATION in n)
    assert f"The {len(other):,} rows" in note and "not read" in note
    assert f"{int(other['count'].sum()):,} offences" in note
    assert "VAWG" in VAWG_SOURCE and "London Datastore" in VAWG_SOURCE


# -- synthetic files -------------------------------------------------------------------------


def _rows() -> pd.DataFrame:
    """A small location sheet: two boroughs and Other, four months, with odd committed dates."""
    rows = []
    for month in ("2023-01-01", "2023-02-01", "2023-03-01", "2023-04-01"):
        rows += [("North West", "Barnet", "West Hendon", month, month, 10),
                 ("North West", "Barnet", "West Hendon", month, "2021-06-01", 2),
                 ("Central North", "Camden", "Kilburn", month, month, 8),
                 ("Other", "Other", "N/K", month, month, 3)]
    rows += [("North West", "Barnet", "", "2023-02-01", "", 1),
             ("North West", "Barnet", "West Hendon", "2023-03-01", "1900-01-01", 4)]
    return pd.DataFrame(rows, columns=list(RESHARED))


def _write_csv(folder, rows: pd.DataFrame, names=PUBLISHER, name="vawg.csv"):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    rows.rename(columns=names).to_csv(path, index=False)
    return path


def _write_parquet(folder, rows: pd.DataFrame, *, classification: bool = True):
    """The re-sharer's layout: sheet column, classification rows with no area."""
    folder.mkdir(parents=True, exist_ok=True)
    frame = rows.rename(columns=RESHARED).assign(sheet=LOCATION)
    for column in ("recorded_date_months", "date_committed_from_date_months"):
        frame[column] = pd.to_datetime(frame[column].replace("", None))
    frame["ward_name_clean_2"] = frame["ward_name_clean_2"].replace("", None)
    for column in ("crimsec_group", "crimseccodeexpansion", "crimsec_offences", "vawg_offence"):
        frame[column] = None
    if classification:
        extra = pd.DataFrame({"recorded_date_months": pd.to_datetime(["2023-01-01"] * 2),
                              "date_committed_from_date_months": pd.to_datetime(
                                  ["2023-01-01"] * 2),
                              "count": [5, 6], "sheet": CLASSIFICATION,
                              "crimsec_group": "Stalking", "crimseccodeexpansion": "Stalking",
                              "crimsec_offences": "Stalking", "vawg_offence": "Stalking"})
        frame = pd.concat([frame, extra], ignore_index=True)
    path = folder / "vawg.parquet"
    frame.to_parquet(path)
    return path


def test_csv_and_parquet_read_alike(tmp_path):
    from_csv = read_vawg_offences(_write_csv(tmp_path / "csv", _rows()))
    from_parquet = read_vawg_offences(_write_parquet(tmp_path / "pq", _rows()))
    pd.testing.assert_frame_equal(from_csv.drop(columns="source_file"),
                                  from_parquet.drop(columns="source_file"))
    # Hand count: Barnet has 10 + 2 a month, plus 1 (February) and 4 (March).
    barnet = from_csv[from_csv["borough"] == "Barnet"].groupby("month")["count"].sum()
    assert barnet.astype(int).tolist() == [12, 13, 16, 12]
    blank = from_csv[from_csv["month_committed"].isna()]
    assert sorted(blank["count"].tolist()) == [1, 4]
    assert blank["ward"].isna().sum() == 1
    assert set(from_csv.loc[from_csv["borough"] == "Other", "area_type"]) == {
        "outside the boroughs"}
    assert not any(CLASSIFICATION in n for n in from_csv.attrs["set_aside"])
    assert any("The 2 rows" in n and "(11 offences)" in n
               for n in from_parquet.attrs["set_aside"])
    assert any("2 rows (5 offences) give no month committed (1 of them a placeholder" in n
               for n in from_csv.attrs["set_aside"])


def test_folder_and_canonical_borough_spelling(tmp_path):
    rows = _rows()
    rows.loc[rows["borough"] == "Camden", "borough"] = "CAMDEN"
    vawg = read_vawg_offences(_write_csv(tmp_path, rows).parent)
    assert "Camden" in set(vawg["borough"])


def _refused(tmp_path, rows, match, names=PUBLISHER):
    with pytest.raises(InputDataError, match=match) as err:
        read_vawg_offences(_write_csv(tmp_path, rows, names))
    assert "vawg.csv" in str(err.value)
    return err.value


def test_refuses_unknown_column(tmp_path):
    err = _refused(tmp_path, _rows().assign(victim_age="30"), "victim_age")
    assert err.row == 1


def test_refuses_a_column_in_two_spellings(tmp_path):
    rows = _rows().assign(offences=1)
    _refused(tmp_path, rows, "twice")


def test_refuses_missing_column(tmp_path):
    _refused(tmp_path, _rows().drop(columns="committed"), "lacks column")


def test_refuses_unknown_sheet(tmp_path):
    path = _write_parquet(tmp_path, _rows())
    frame = pd.read_parquet(path)
    frame.loc[3, "sheet"] = "Offence count victims"
    frame.to_parquet(path)
    with pytest.raises(InputDataError, match="not a sheet") as err:
        read_vawg_offences(path)
    assert err.value.row == 5 and err.value.column == "sheet"


def test_refuses_unknown_borough(tmp_path):
    rows = _rows()
    rows.loc[5, "borough"] = "Barnett Vale"
    err = _refused(tmp_path, rows, "not a London borough")
    assert (err.row, err.column) == (7, "Borough Name")


@pytest.mark.parametrize("value", ["-1", "2.5", "many", ""])
def test_refuses_counts_not_whole_and_non_negative(tmp_path, value):
    rows = _rows().astype({"count": object})
    rows.loc[2, "count"] = value
    err = _refused(tmp_path, rows, "is not a count")
    assert (err.row, err.column) == (4, "Count")


def test_refuses_bad_months(tmp_path):
    rows = _rows()
    rows.loc[1, "recorded"] = "Spring 2023"
    err = _refused(tmp_path, rows, "not a month")
    assert (err.row, err.column) == (3, "Recorded Date (Months)")
    rows = _rows()
    rows.loc[0, "recorded"] = ""
    _refused(tmp_path, rows, "not a month")
    rows = _rows()
    rows.loc[2, "committed"] = "2023-13-01"
    err = _refused(tmp_path, rows, "not a month")
    assert err.column == "Date Committed From Date (Months)"


def test_refuses_a_key_held_twice(tmp_path):
    rows = _rows()
    err = _refused(tmp_path, pd.concat([rows, rows.iloc[[3]]], ignore_index=True),
                   "repeats row 5")
    assert err.row == len(rows) + 2
    # The same file given twice (one copy in each spelling is two files: refused too).
    folder = tmp_path / "two"
    _write_csv(folder, rows)
    _write_parquet(folder, rows)
    with pytest.raises(InputDataError, match="more than one VAWG"):
        read_vawg_offences(folder)


def test_refuses_a_month_missing_inside_the_range(tmp_path):
    rows = _rows()
    rows = rows[rows["recorded"] != "2023-02-01"]
    _refused(tmp_path, rows, "no offences recorded in February 2023")


def test_truncated_last_month_set_aside_with_warning(tmp_path):
    rows = _rows()
    last = rows["recorded"] == "2023-04-01"
    rows = rows[~last | (rows["borough"] == "Other")]  # April keeps 3 offences of ~25
    with pytest.warns(UserWarning, match="month 2023-04 set aside.*before it was complete"):
        vawg = read_vawg_offences(_write_csv(tmp_path, rows))
    assert vawg["month"].max() == pd.Period("2023-03", "M")
    assert any("2023-04 set aside" in n for n in vawg.attrs["set_aside"])
    assert vawg.attrs["months"][1] == pd.Period("2023-03", "M")


def test_complete_last_month_kept_without_warning(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        vawg = read_vawg_offences(_write_csv(tmp_path, _rows()))
    assert vawg["month"].max() == pd.Period("2023-04", "M")


def test_refuses_classification_on_a_location_row(tmp_path):
    path = _write_parquet(tmp_path, _rows())
    frame = pd.read_parquet(path)
    frame.loc[0, "vawg_offence"] = "Rape"
    frame.to_parquet(path)
    with pytest.raises(InputDataError, match="offence classification"):
        read_vawg_offences(path)


def test_missing_folder_or_file(tmp_path):
    for path in (tmp_path / "nowhere", tmp_path / "nowhere.parquet"):
        with pytest.raises(MissingSourceError) as err:
            read_vawg_offences(path)
        assert err.value.source == "mps_vawg"
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(MissingSourceError) as err:
        read_vawg_offences(empty)
    assert err.value.source == "mps_vawg"
    (tmp_path / "other").mkdir()
    pd.DataFrame({"month": ["2023-01"], "n": [1]}).to_csv(tmp_path / "other" / "x.csv")
    with pytest.raises(MissingSourceError, match="VAWG offences layout"):
        read_vawg_offences(tmp_path / "other")


def test_the_recorded_crime_reader_passes_over_the_extracts():
    """Given the whole mps folder, the recorded-crime reader lists the VAWG file as not read
    (it is not recorded-crime counts); given only the VAWG file, it refuses it by name."""
    from scpb_analysis.core.errors import InputDataError
    from scpb_analysis.demo import example_folder
    from scpb_analysis.sources.mps import read_mps_crime
    from scpb_analysis.sources.mps_extracts import extract_layout

    mps = example_folder() / "mps"
    vawg = sorted((mps / "vawg").glob("*.csv"))
    assert len(vawg) == 1 and extract_layout(vawg[0]) == "vawg"
    load = read_mps_crime(mps)
    assert str(vawg[0].resolve()) in load.ignored_files
    assert not load.files["file"].astype(str).str.contains("VAWG").any()
    with pytest.raises(InputDataError, match="is the MPS vawg extract, not recorded-crime"):
        read_mps_crime(mps / "vawg")
