"""Partnership loaders: a corpus of malformed exports, good files with exact values, Excel input.

Every corpus file in ``fixtures/partnership_bad`` either loads with the exact rejection report
written out below (row, column, what is shown of the value, reason), or is refused with a
message naming the file and, where there is one, the row and column. Expected values are worked
out by hand from the files, not read back from the loader.
"""

from __future__ import annotations

import csv
import io
import shutil
from datetime import date, datetime, timedelta
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scpb_analysis.core.errors import InputDataError
from scpb_analysis.reference.partnership_schema import (
    INCIDENT_TYPES,
    PII_COLUMNS,
    SOURCES,
    data_dictionary,
    header_key,
    is_personal_header,
    value_key,
    write_templates,
)
from scpb_analysis.sources.partnership import (
    REJECTED_COLUMNS,
    REPORT_COLUMNS,
    load_all,
    load_notes,
    load_partnership,
)

FIXTURES = Path(__file__).parents[1] / "fixtures"
BAD = FIXTURES / "partnership_bad"
GOOD = FIXTURES / "partnership_good"

#: Personal values planted in the corpus; none may reach a table, report or message.
PLANTED = ("Olive Planted", "Percy Planted", "07700 900461", "olive.planted@example.com",
           "12 Acacia Avenue", "14/02/1987", "NW9 0ZZ", "Planted Primary School", "Team B")

DATETIME_EXPECTED = ("expected a date and time, day first: dd/mm/yyyy HH:MM (or HH:MM:SS; "
                     "dd/mm/yy and yyyy-mm-dd dates too) or an Excel date-time")
DATE_EXPECTED = ("expected a date, day first: dd/mm/yyyy, dd/mm/yy (read as 20yy), yyyy-mm-dd "
                 "or an Excel date")
COUNT_EXPECTED = "expected a whole number of 0 or more"
FLAG_EXPECTED = "expected Y or N (Yes/No, True/False and 1/0 are accepted)"
# One ASB outcome vocabulary (reference/partnership_schema.py), in the board table's order.
OUTCOMES = ("Injunction, Criminal Behaviour Order, CPN Written Warning, CPN, CPN Breached, PSPO, "
            "Premises Closure Order")
CLOSED = ("when the control room was closed (it was staffed 12:00 to 04:00 until 31 August "
          "2022); check the time (a 12-hour clock?)")
UNLIKE = "not shown: it is like no known value, so it may be personal data"
TOTTERIDGE = ("unknown ward: 'Totteridge & Whetstone' is not a Barnet ward in the 2022 scheme; "
              "did you mean 'Totteridge and Woodside' or 'Whetstone'?")


def loads(source, read, rejected=(), dropped="", header_row=1, blank=0):
    """A corpus case that loads: rows read, each rejection, the columns dropped."""
    return {"source": source, "read": read, "rejected": list(rejected), "dropped": dropped,
            "header_row": header_row, "blank": blank}


def fails(source, *parts, row=None, column=None):
    """A corpus case that is refused: the message names the file, row, column and ``parts``."""
    return {"source": source, "parts": parts, "row": row, "column": column}


CORPUS = {
    "cctv_bad_dates.csv": loads("cctv", 10, [
        (3, "Date/Time", "'31/02/2023 14:05'",
         f"is not a real date (day 31 of month 2, read day first); {DATETIME_EXPECTED}"),
        (4, "Date/Time", "'32/01/2023 14:05'",
         f"is not a real date (day 32 of month 1, read day first); {DATETIME_EXPECTED}"),
        (5, "Date/Time", "'15/03/2023'", f"has no time of day; {DATETIME_EXPECTED}"),
        (6, "Date/Time", "not shown (15 characters)", f"is not a date; {DATETIME_EXPECTED}"),
        (7, "Date/Time", "'15/03/2023 25:10'",
         f"is not a real time of day (25:10); {DATETIME_EXPECTED}"),
        # A date before 2000 may be a date of birth: never repeated.
        (10, "Date/Time", "not shown (16 characters)", f"is before 2000; {DATETIME_EXPECTED}"),
        (11, "Date/Time", "(empty)", f"is empty; {DATETIME_EXPECTED}"),
    ]),
    "cctv_unknown_ward.csv": loads("cctv", 5, [
        (2, "Ward", "'Totteridge & Whetstone'", TOTTERIDGE),
        (4, "Ward", "'Colindale'", "unknown ward: 'Colindale' is not a Barnet ward in the 2022 "
         "scheme; did you mean 'Colindale South' or 'Colindale North'?"),
    ]),
    "cctv_unknown_incident_type.csv": loads("cctv", 6, [
        # Values like no known one may be names typed in the wrong column: length only.
        (2, "Incident Type", "not shown (9 characters)", f"a value of 9 characters ({UNLIKE}) "
         "is not a known incident type; expected one of the 25 values listed for 'Incident "
         "Type' in the data dictionary"),
        (6, "Incident Type", "not shown (5 characters)", f"a value of 5 characters ({UNLIKE}) "
         "is not a known incident type; expected one of the 25 values listed for 'Incident "
         "Type' in the data dictionary"),
        (7, "Proactive/Reactive", "not shown (4 characters)", f"a value of 4 characters "
         f"({UNLIKE}) is not a known mode (proactive or reactive); expected one of Proactive, "
         "Reactive"),
    ]),
    "cctv_title_rows_header_variants.csv": loads("cctv", 3, header_row=4),
    "cctv_pii_columns.csv": loads("cctv", 2, [
        (3, "Ward", "'Hendon Central'", "unknown ward: 'Hendon Central' is not a Barnet ward in "
         "the 2022 scheme; did you mean 'Hendon' or 'West Hendon'?"),
    ], dropped="Operator Name (personal data); Caller Name (personal data); Caller Phone "
       "(personal data); Caller E-mail (personal data); Notes (personal data); Postcode "
       "(personal data); Shift Supervisor (not in the template)"),
    "cctv_duplicate_ids.csv": loads("cctv", 6, [
        (4, "Incident ID", "not shown (2 characters)", "duplicate Incident ID: the same as row 2"),
        (6, "Incident ID", "not shown (2 characters)", "duplicate Incident ID: the same as row 2"),
        (7, "Incident ID", "not shown (2 characters)", "duplicate Incident ID: the same as row 3"),
    ]),
    "cctv_trailing_empty_columns.csv": loads("cctv", 2, blank=1),
    "cctv_cp1252.csv": loads("cctv", 2),
    "cctv_missing_columns.csv": fails(
        "cctv", "lacks the required columns 'Ward', 'Proactive/Reactive'",
        "headers found but not recognised: Caller Name, Wrd",
        "expected the CCTV control-room incident log template headers: Incident ID, Date/Time, "
        "Incident Type, Ward, Proactive/Reactive, Camera/Location", row=1, column="Ward"),
    "cctv_excel_serial_dates.csv": loads("cctv", 5, [
        (4, "Date/Time", "'45002'", f"has no time of day; {DATETIME_EXPECTED}"),
        (5, "Date/Time", "not shown (5 characters)", "is a number outside the Excel date "
         f"serials of 2000 to 2099; {DATETIME_EXPECTED}"),
    ]),
    "cctv_outside_control_room_hours.csv": loads("cctv", 7, [
        (2, "Date/Time", "'01/06/2022 08:00'", f"logged at 08:00 on 01/06/2022, {CLOSED}"),
        (4, "Date/Time", "'01/06/2022 04:01'", f"logged at 04:01 on 01/06/2022, {CLOSED}"),
        (7, "Date/Time", "'01/06/2022 11:59'", f"logged at 11:59 on 01/06/2022, {CLOSED}"),
    ]),
    "cctv_homoglyph_types.csv": loads("cctv", 4),
    "cctv_empty.csv": fails("cctv", "is empty (no rows with values)"),
    "cctv_blank_rows_only.csv": fails("cctv", "is empty (no rows with values)"),
    "cctv_no_header.csv": fails(
        "cctv", "has no header row: none of the first 30 rows names two or more CCTV "
        "control-room incident log columns", "Incident ID, Date/Time, Incident Type"),
    "cctv_values_under_no_header.csv": loads(
        "cctv", 2, dropped="column D (no header); column G (no header)"),
    "asb_outcomes_homoglyphs.csv": loads("asb_outcomes", 8),
    "asb_outcomes_unknown_outcome.csv": loads("asb_outcomes", 6, [
        (2, "Outcome", "not shown (4 characters)",
         f"a value of 4 characters ({UNLIKE}) is not a known outcome; expected one of "
         f"{OUTCOMES}"),
        (5, "Outcome", "not shown (15 characters)",
         f"a value of 15 characters ({UNLIKE}) is not a known outcome; expected one of "
         f"{OUTCOMES}"),
        (6, "Outcome Date", "'30/02/2023'",
         f"is not a real date (day 30 of month 2, read day first); {DATE_EXPECTED}"),
        (7, "Outcome", "not shown (29 characters)",
         f"a value of 29 characters ({UNLIKE}) is not a known outcome; expected one of "
         f"{OUTCOMES}"),
    ]),
    "asb_cases_pii_bad_dates.csv": loads("asb_cases", 3, [
        (3, "Date Opened", "not shown (12 characters)", f"is not a date; {DATE_EXPECTED}"),
    ], dropped="Complainant Name (personal data); Address (personal data); Date of Birth "
       "(personal data); Notes (personal data)"),
    "asb_cases_header_too_deep.csv": fails(
        "asb_cases", "has no header row: none of the first 30 rows names two or more ASB cases",
        "Case ID, Date Opened, Ward, Category"),
    "csmarac_negative_counts.csv": loads("csmarac", 7, [
        (5, "New Cases on CS MARAC", "'-5'", f"is negative; {COUNT_EXPECTED}"),
        (6, "New Cases on CS MARAC", "not shown (5 characters)",
         f"is not a whole number; {COUNT_EXPECTED}"),
        (7, "Closed Case on CS MARAC", "'2.5'", f"is not a whole number; {COUNT_EXPECTED}"),
        (9, "Meeting Date", "'13/10/2022'", "duplicate Meeting Date: the same as row 8"),
        (10, "Meeting Date", "not shown (5 characters)", f"is not a date; {DATE_EXPECTED}"),
    ], header_row=3),
    "prevent_homoglyph_ideology.csv": loads("prevent", 9, [
        (9, "Ideology", "not shown (9 characters)", f"a value of 9 characters ({UNLIKE}) is not "
         "a known ideology; expected one of Islamist, Extreme Right Wing, "
         "Mixed/Unclear/Unstable, Other"),
        (10, "Age Band", "not shown (8 characters)", f"a value of 8 characters ({UNLIKE}) is "
         "not a known age band; expected one of Under 18, 18 and over"),
    ]),
    "prevent_missing_columns.csv": fails(
        "prevent", "lacks the required columns 'Sex', 'Ideology'",
        "expected the Prevent referrals template headers: Referral ID, Referral Date, Age Band, "
        "Sex, Ideology", row=1, column="Sex"),
    "fpn_unknown_codes.csv": loads("fpn", 6, [
        (2, "Offence", "'CST18'", "'CST18' is not a known offence code; expected one of the 17 "
         "values listed for 'Offence Code' in the data dictionary"),
        (3, "Offence", "'CST00'", "'CST00' is not a known offence code; expected one of the 17 "
         "values listed for 'Offence Code' in the data dictionary"),
        (6, "Offence", "not shown (5 characters)", f"a value of 5 characters ({UNLIKE}) is not "
         "a known offence code; expected one of the 17 values listed for 'Offence Code' in the "
         "data dictionary"),
        (7, "LBB Ward", "'Totteridge & Whetstone'", TOTTERIDGE),
    ], dropped="Recipient Name (personal data); Address (personal data)"),
    "community_trigger_decisions.csv": loads("community_trigger", 5, [
        (5, "Decision", "not shown (8 characters)", f"a value of 8 characters ({UNLIKE}) is not "
         "a known decision; expected one of Threshold met, Threshold not met, Pending"),
        (6, "Application ID", "not shown (3 characters)",
         "duplicate Application ID: the same as row 3"),
    ], dropped="Applicant Name (personal data); Email (personal data)"),
    "damarac_flags_counts.csv": loads("damarac", 5, [
        (4, "Repeat Referral (Y/N)", "not shown (5 characters)",
         f"a value of 5 characters ({UNLIKE}) is not Y or N; {FLAG_EXPECTED}"),
        (5, "Children in Household", "'-1'", f"is negative; {COUNT_EXPECTED}"),
        (6, "Children in Household", "not shown (3 characters)",
         f"is not a whole number; {COUNT_EXPECTED}"),
        (6, "Family with Children (Y/N)", "(empty)", f"is empty; {FLAG_EXPECTED}"),
    ], dropped="Victim Name (personal data); Perpetrator Name (personal data); Address "
       "(personal data); Phone (personal data)"),
    "damarac_duplicate_header.csv": fails(
        "damarac", "columns 'Referral Date' and 'Date of Referral' both name the template "
        "column 'Referral Date'; expected each template column once",
        row=1, column="Date of Referral"),
}

LOADING = sorted(name for name, case in CORPUS.items() if "read" in case)
FAILING = sorted(name for name, case in CORPUS.items() if "parts" in case)


def _no_planted_values(*frames: pd.DataFrame) -> None:
    for frame in frames:
        text = frame.astype(str).to_csv(index=False).casefold()
        for value in PLANTED:
            assert value.casefold() not in text, f"planted personal value {value!r} leaked"


def _data_rows(path: Path, header_row: int, encoding: str = "utf-8") -> list[int]:
    """Spreadsheet numbers of the non-blank rows under the header, counted from the raw file."""
    rows = list(csv.reader(io.StringIO(path.read_bytes().decode(encoding), newline="")))
    return [n for n, row in enumerate(rows, start=1)
            if n > header_row and any(c.strip() for c in row)]


def test_corpus_is_complete():
    on_disk = sorted(p.name for p in BAD.iterdir())
    assert on_disk == sorted(CORPUS)
    assert len(on_disk) >= 20


@pytest.mark.parametrize("name", LOADING)
def test_corpus_file_loads_with_exact_rejection_report(name):
    case = CORPUS[name]
    path = BAD / name
    load = load_partnership(path, case["source"], borough="Barnet")
    assert load.source == case["source"]
    assert list(load.report.columns) == REPORT_COLUMNS
    assert list(load.rejected.columns) == REJECTED_COLUMNS
    report = load.report.iloc[0]
    expected_rows = sorted({r[0] for r in case["rejected"]})
    assert report["file"] == name
    assert report["header_row"] == case["header_row"]
    assert report["blank_rows"] == case["blank"]
    assert report["rows_read"] == case["read"]
    assert report["rows_rejected"] == len(expected_rows)
    assert report["rows_loaded"] == case["read"] - len(expected_rows)
    assert report["columns_dropped"] == case["dropped"]
    got = [(r.row, r.column, r.value_description, r.reason)
           for r in load.rejected.itertuples(index=False)]
    assert got == case["rejected"]
    assert (load.rejected["file"] == name).all()
    # Every row is accounted for: loaded rows and rejected rows partition the data rows.
    encoding = "cp1252" if "cp1252" in name else "utf-8"
    data_rows = _data_rows(path, case["header_row"], encoding)
    assert len(data_rows) == case["read"]
    assert sorted(load.table["source_row"].tolist() + expected_rows) == data_rows
    assert list(load.table.columns) == list(SOURCES[case["source"]].tidy_columns)
    _no_planted_values(load.table, load.report, load.rejected, load.dropped)


@pytest.mark.parametrize("name", FAILING)
def test_corpus_file_is_refused_naming_file_row_and_column(name):
    case = CORPUS[name]
    path = BAD / name
    with pytest.raises(InputDataError) as err:
        load_partnership(path, case["source"], borough="Barnet")
    message = str(err.value)
    assert message.startswith(str(path))
    assert err.value.row == case["row"]
    assert err.value.column == case["column"]
    if case["row"] is not None:
        assert f"row {case['row']}, column '{case['column']}'" in message
    for part in case["parts"]:
        assert part in message
    for value in PLANTED:
        assert value not in message


def test_strict_raises_at_the_first_unknown_ward_with_suggestions():
    path = BAD / "cctv_unknown_ward.csv"
    with pytest.raises(InputDataError) as err:
        load_partnership(path, "cctv", borough="Barnet", strict=True)
    assert str(err.value).startswith(f"{path}, row 2, column 'Ward': {TOTTERIDGE}")


def test_values_exact_after_homoglyphs_variants_and_encodings():
    table = load_partnership(BAD / "cctv_homoglyph_types.csv", "cctv", borough="Barnet").table
    assert table["incident_type"].tolist() == ["Robbery", "Theft", "Burglary", "Public Disorder"]
    assert table["ward_name"].tolist() == ["Edgware"] * 4
    assert table["mode"].tolist() == ["reactive", "reactive", "proactive", "reactive"]

    table = load_partnership(BAD / "cctv_cp1252.csv", "cctv", borough="Barnet").table
    assert table["location"].tolist() == ["Café – Broadway", "Cam 12"]
    assert table["ward_name"].tolist() == ["Childs Hill", "Cricklewood"]
    assert table["incident_type"].tolist() == ["Anti-Social Behaviour", "Theft"]

    table = load_partnership(BAD / "asb_outcomes_homoglyphs.csv", "asb_outcomes",
                             borough="Barnet").table
    assert table["outcome"].tolist() == [
        "Criminal Behaviour Order", "Criminal Behaviour Order", "Premises Closure Order", "CPN",
        "CPN Written Warning", "PSPO", "CPN Breached", "Injunction"]

    table = load_partnership(BAD / "prevent_homoglyph_ideology.csv", "prevent",
                             borough="Barnet").table
    muu = "Mixed/Unclear/Unstable"
    assert table["ideology"].tolist() == [muu, muu, "Islamist", "Extreme Right Wing",
                                          "Extreme Right Wing", muu, muu]
    assert table["age_band"].tolist() == ["Under 18", "18 and over", "Under 18", "18 and over",
                                          "18 and over", "Under 18", "Under 18"]
    assert table["sex"].tolist() == ["Male", "Female", "Male", "Not known", "Female", "Male",
                                     "Male"]
    # 15-18 March 2023 fall in January-March (Q4 of 2022/23); 3-5 April 2023 start 2023/24.
    assert table["quarter"].tolist() == ["Q4 2022/23"] * 4 + ["Q1 2023/24"] * 3

    table = load_partnership(BAD / "fpn_unknown_codes.csv", "fpn", borough="Barnet").table
    assert table["offence_code"].tolist() == ["CST05", "CST07"]


def test_title_rows_and_header_variants_give_exact_values():
    table = load_partnership(BAD / "cctv_title_rows_header_variants.csv", "cctv",
                             borough="Barnet").table
    assert table["incident_id"].tolist() == ["V1", "V2", "V3"]
    assert table["occurred_at"].tolist() == [pd.Timestamp("2023-03-05 14:07"),
                                             pd.Timestamp("2023-03-05 23:59"),
                                             pd.Timestamp("2023-03-06 00:15")]
    assert table["hour"].tolist() == [14, 23, 0]
    assert table["ward_name"].tolist() == ["Edgware", "Finchley Church End", "Golders Green"]
    assert table["ward_code"].tolist() == ["E05013637", "E05013639", "E05013642"]
    assert table["location"].tolist() == ["Cam 31", "Cam 32", ""]
    assert table["source_row"].tolist() == [5, 6, 7]


def test_excel_serial_numbers_are_days_since_30_december_1899():
    table = load_partnership(BAD / "cctv_excel_serial_dates.csv", "cctv", borough="Barnet").table
    epoch = datetime(1899, 12, 30)
    expected = [epoch + timedelta(days=d) for d in (45000.5, 45000.604166667, 45001.75)]
    assert table["incident_id"].tolist() == ["S1", "S5", "S2"]  # sorted by time
    assert table["occurred_at"].tolist() == [pd.Timestamp(e).round("s") for e in expected]
    assert table["occurred_at"].tolist()[0] == pd.Timestamp("2023-03-15 12:00")
    assert table["hour"].tolist() == [12, 14, 18]


def test_two_digit_years_are_this_century_and_dates_are_day_first():
    table = load_partnership(BAD / "cctv_bad_dates.csv", "cctv", borough="Barnet").table
    assert dict(zip(table["incident_id"], table["occurred_at"], strict=True)) == {
        "C01": pd.Timestamp("2023-03-15 14:05"),
        "C07": pd.Timestamp("2023-03-16 09:30:15"),
        "C08": pd.Timestamp("2023-03-16 21:00"),
    }
    opened = load_partnership(BAD / "asb_cases_pii_bad_dates.csv", "asb_cases",
                              borough="Barnet").table
    assert opened["opened"].tolist() == [pd.Timestamp("2023-04-01"), pd.Timestamp("2023-04-02")]
    assert opened["ward_name"].tolist() == ["Totteridge and Woodside", "Hendon"]
    assert opened["category"].tolist() == ["Noise", ""]


def test_control_room_hours_boundaries():
    table = load_partnership(BAD / "cctv_outside_control_room_hours.csv", "cctv",
                             borough="Barnet").table
    # 04:00 is the last minute of the night shift; 12:00 the first of the day; from
    # 1 September 2022 every hour is staffed.
    assert table["incident_id"].tolist() == ["H2", "H7", "H4", "H5"]


def test_damarac_flags_and_counts():
    table = load_partnership(BAD / "damarac_flags_counts.csv", "damarac", borough="Barnet").table
    assert table["repeat"].tolist() == [True, False]
    assert table["children_in_household"].tolist() == [2, 0]
    assert table["family_with_children"].tolist() == [True, False]
    assert table["repeat"].dtype == bool
    assert table["children_in_household"].dtype == "int64"


# ---------------------------------------------------------------------------------------------
# Good files, one per source, recognised by their headers


def test_load_all_recognises_every_source_in_the_good_folder():
    loaded = load_all(GOOD, "Barnet")
    assert list(loaded) == list(SOURCES)
    for source, load in loaded.items():
        assert load.source == source
        assert load.rejected.empty, load.rejected
        assert (load.report["rows_read"] == load.report["rows_loaded"]).all()


def test_good_cctv_log_exact_values():
    table = load_all(GOOD, "Barnet")["cctv"].table
    assert table["incident_id"].tolist() == ["CC-001", "CC-002", "CC-003", "CC-004", "CC-005"]
    assert table["hour"].tolist() == [12, 23, 3, 9, 18]
    assert table["month"].astype(str).tolist() == ["2023-03"] * 3 + ["2023-04", "2023-05"]
    assert table["incident_type"].tolist() == ["Public Disorder", "Welfare Concerns",
                                               "Road Traffic Incident", "Anti-Social Behaviour",
                                               "Other"]
    assert table["ward_name"].tolist() == ["Edgware", "Burnt Oak", "Finchley Church End",
                                           "Totteridge and Woodside", "Golders Green"]
    assert table["ward_code"].tolist() == ["E05013637", "E05013630", "E05013639", "E05013646",
                                           "E05013642"]
    assert table["mode"].tolist() == ["reactive", "proactive", "reactive", "reactive",
                                      "proactive"]
    assert table["occurred_at"].dtype == "datetime64[ns]"
    assert isinstance(table["month"].dtype, pd.PeriodDtype)


def test_cs_marac_table_1_matches_the_pack():
    """July 2023 pack, Table 1: 8 meetings, averages of 19-20 heard, 3-4 new, 4-5 closed."""
    table = load_all(GOOD, "Barnet")["csmarac"].table
    assert len(table) == 8
    assert table["month"].astype(str).tolist() == ["2022-04", "2022-06", "2022-07", "2022-09",
                                                   "2022-10", "2022-11", "2023-01", "2023-02"]
    assert table["cases_heard"].tolist() == [26, 23, 23, 16, 16, 19, 20, 16]
    assert 19 < table["cases_heard"].mean() < 20          # 159 / 8
    assert 3 < table["new_cases"].mean() < 4              # 29 / 8
    assert 4 < table["closed_cases"].mean() < 5           # 34 / 8
    # No meeting in May 2022, August 2022, December 2022 or March 2023, as the pack says.
    months = set(table["month"].astype(str))
    assert not months & {"2022-05", "2022-08", "2022-12", "2023-03"}


def test_good_small_sources_exact_values():
    loaded = load_all(GOOD, "Barnet")
    outcomes = loaded["asb_outcomes"].table
    assert outcomes[["case_id", "outcome"]].values.tolist() == [
        ["ASB-1", "CPN Written Warning"], ["ASB-1", "CPN"], ["ASB-2", "PSPO"]]
    fpn = loaded["fpn"].table
    assert fpn["issued"].tolist() == [pd.Timestamp("2023-01-30"), pd.Timestamp("2023-02-14")]
    assert fpn["ward_name"].tolist() == ["Edgware", "Burnt Oak"]
    trigger = loaded["community_trigger"].table
    assert trigger["decision"].tolist() == ["Threshold met", "Threshold not met"]
    prevent = loaded["prevent"].table
    assert prevent["quarter"].tolist() == ["Q4 2022/23", "Q4 2022/23", "Q1 2023/24"]
    damarac = loaded["damarac"].table
    assert damarac["quarter"].tolist() == ["Q4 2022/23", "Q1 2023/24"]
    assert damarac["repeat"].tolist() == [True, False]
    cases = loaded["asb_cases"].table
    assert cases["ward_code"].tolist() == ["E05013632", "E05013649"]


def test_duplicate_ids_across_files_of_a_folder(tmp_path):
    shutil.copy(GOOD / "cctv_log.csv", tmp_path / "a_march.csv")
    (tmp_path / "b_overlap.csv").write_text(
        "Incident ID,Date/Time,Incident Type,Ward,Proactive/Reactive\n"
        "CC-003,02/03/2023 03:10,Road Traffic Incident,Finchley Church End,Reactive\n"
        "CC-006,01/06/2023 13:00,Theft,Hendon,Reactive\n", encoding="utf-8")
    load = load_partnership(tmp_path, "cctv", borough="Barnet")
    assert load.report[["file", "rows_read", "rows_loaded", "rows_rejected"]].values.tolist() \
        == [["a_march.csv", 5, 5, 0], ["b_overlap.csv", 2, 1, 1]]
    assert load.rejected[["file", "row", "reason"]].values.tolist() == [
        ["b_overlap.csv", 2, "duplicate Incident ID: the same as row 4 of a_march.csv"]]
    assert load.table["incident_id"].tolist()[-1] == "CC-006"
    assert load.table["location"].tolist()[-1] == ""  # optional column absent from b_overlap


def test_load_all_refuses_a_file_of_no_known_source(tmp_path):
    shutil.copy(GOOD / "fpn.csv", tmp_path / "fpn.csv")
    (tmp_path / "other.csv").write_text("Month,Count\n2023-01,4\n", encoding="utf-8")
    (tmp_path / "README.txt").write_text("not a spreadsheet", encoding="utf-8")
    with pytest.raises(InputDataError) as err:
        load_all(tmp_path, "Barnet")
    assert str(err.value).startswith(f"{tmp_path / 'other.csv'}: has no sheet whose first 30 "
                                     "rows hold the required headers")


def test_unknown_source_name():
    with pytest.raises(ValueError, match="unknown partnership source 'cctv_log'"):
        load_partnership(GOOD / "cctv_log.csv", "cctv_log", borough="Barnet")


# ---------------------------------------------------------------------------------------------
# Excel workbooks (written here rather than committed as binaries)


def _cctv_workbook(path: Path) -> Path:
    book = openpyxl.Workbook()
    notes = book.active
    notes.title = "Notes"
    notes["A1"] = "Exported from the control-room system"
    log = book.create_sheet("Log")
    log["A1"] = "CCTV incidents: March 2023"
    log.append([])
    log.append(["Incident No", "Date / Time", "Incident type", "Caller Phone", "Ward",
                "Proactive or Reactive", "Camera", None, "   "])
    log.append(["X1", datetime(2023, 3, 5, 14, 7), "ASB", "07700 900461", "BURNT OAK",
                "Reactive", 31])
    log.append([])
    log.append(["X2", 45000.5, "Fly tipping", "07700 900461", "Edgware", "Proactive", "Cam 2"])
    log.append([1003, "16/03/2023 21:00", "Hoax Call", None, "Totteridge & Whetstone",
                "Reactive"])
    book.save(path)
    return path


def test_xlsx_with_title_rows_picks_the_sheet_with_a_header(tmp_path):
    path = _cctv_workbook(tmp_path / "cctv.xlsx")
    load = load_partnership(path, "cctv", borough="Barnet")
    report = load.report.iloc[0]
    assert (report["sheet"], report["header_row"], report["rows_read"], report["rows_loaded"],
            report["rows_rejected"], report["blank_rows"]) == ("Log", 3, 3, 2, 1, 1)
    assert report["columns_dropped"] == "Caller Phone (personal data)"
    assert report["encoding"] == "xlsx"
    table = load.table
    assert table["incident_id"].tolist() == ["X1", "X2"]
    assert table["occurred_at"].tolist() == [pd.Timestamp("2023-03-05 14:07"),
                                             pd.Timestamp("2023-03-15 12:00")]
    assert table["incident_type"].tolist() == ["Anti-Social Behaviour", "Fly tipping"]
    assert table["location"].tolist() == ["31", "Cam 2"]
    assert table["source_row"].tolist() == [4, 6]
    assert load.rejected[["row", "column", "value_description"]].values.tolist() == [
        [7, "Ward", "'Totteridge & Whetstone'"]]
    _no_planted_values(load.table, load.report, load.rejected, load.dropped)
    assert load_partnership(path, "cctv", borough="Barnet", sheet="Log").table.equals(table)
    assert list(load_all(tmp_path, "Barnet")) == ["cctv"]


def test_xlsx_sheet_that_does_not_exist(tmp_path):
    path = _cctv_workbook(tmp_path / "cctv.xlsx")
    with pytest.raises(InputDataError) as err:
        load_partnership(path, "cctv", borough="Barnet", sheet="March")
    assert str(err.value) == f"{path}: has no sheet 'March'; expected one of its sheets: Notes, Log"


def test_xlsx_empty_workbook_is_refused(tmp_path):
    path = tmp_path / "empty.xlsx"
    openpyxl.Workbook().save(path)
    with pytest.raises(InputDataError) as err:
        load_partnership(path, "prevent", borough="Barnet")
    assert str(err.value).startswith(f"{path} (sheet 'Sheet'): is empty (no rows with values)")


def test_xlsx_date_cells_and_cyrillic_categories(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Prevent referrals Q4 2022/23"])
    sheet.append(["REFERRAL_ID", "referral date", "Age band", "Gender", "Type of concern",
                  "Name", "School"])
    sheet.append(["R1", date(2023, 1, 9), "Under 18", "Male", "мии", "Olive Planted",
                  "Planted Primary School"])
    sheet.append(["R2", datetime(2023, 3, 31), "Over 18", "F", "Islam Inspired", "Percy Planted",
                  None])
    path = tmp_path / "prevent.xlsx"
    book.save(path)
    load = load_all(tmp_path, "Barnet")["prevent"]
    assert load.table[["referral_id", "referral_date", "quarter", "age_band", "sex",
                       "ideology"]].values.tolist() == [
        ["R1", pd.Timestamp("2023-01-09"), "Q4 2022/23", "Under 18", "Male",
         "Mixed/Unclear/Unstable"],
        ["R2", pd.Timestamp("2023-03-31"), "Q4 2022/23", "18 and over", "Female", "Islamist"]]
    assert load.report.loc[0, "columns_dropped"] == "Name (personal data); School (personal data)"
    _no_planted_values(load.table, load.report, load.rejected, load.dropped)


def test_demo_partnership_data_loads_whole_without_personal_values(tmp_path):
    demo = pytest.importorskip("scpb_analysis.demo.partnership")
    if not hasattr(demo, "write_partnership_demo"):
        pytest.skip("the partnership demo writer is not available")
    loaded = load_all(demo.write_partnership_demo(tmp_path), "Barnet")
    assert list(loaded) == list(SOURCES)
    for load in loaded.values():
        assert load.rejected.empty
        for frame in (load.table, load.report, load.rejected, load.dropped):
            text = frame.astype(str).to_csv(index=False)
            assert not [v for v in demo.PLANTED_PII if str(v) in text]
    # The pack: 191 incidents captured by CCTV in March to May 2023.
    months = loaded["cctv"].table["month"].astype(str)
    assert months.isin(["2023-03", "2023-04", "2023-05"]).sum() == 191


# Incidents from September 2022 on, when the control room was staffed around the clock.
@settings(max_examples=25, deadline=None)
@given(st.lists(st.datetimes(min_value=datetime(2022, 9, 1), max_value=datetime(2099, 12, 31)),
                min_size=1, max_size=8, unique=True))
def test_day_first_dates_round_trip(tmp_path_factory, stamps):
    stamps = [s.replace(second=0, microsecond=0) for s in stamps]
    lines = ["Incident ID,Date/Time,Incident Type,Ward,Proactive/Reactive"]
    lines += [f"I{i},{s:%d/%m/%Y %H:%M},Theft,Hendon,Reactive" for i, s in enumerate(stamps)]
    path = tmp_path_factory.mktemp("dates") / "cctv.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    table = load_partnership(path, "cctv", borough="Barnet", today="2099-12-31").table
    assert sorted(table["occurred_at"].tolist()) == sorted(pd.Timestamp(s) for s in stamps)


# ---------------------------------------------------------------------------------------------
# The schema


def test_data_dictionary_covers_every_source_and_column():
    dd = data_dictionary()
    assert list(dd.columns) == ["source", "column", "tidy_name", "type", "required", "allowed",
                                "description"]
    inputs = dd[dd["type"] != "pii"]
    assert inputs.groupby("source", sort=False).size().to_dict() == {
        "cctv": 6, "asb_cases": 4, "asb_outcomes": 3, "fpn": 4, "community_trigger": 3,
        "csmarac": 4, "prevent": 5, "damarac": 5}
    incident = inputs.set_index(["source", "column"]).loc[("cctv", "Incident Type")]
    assert incident["allowed"].split("; ") == list(INCIDENT_TYPES)
    assert len(INCIDENT_TYPES) == 25
    assert "CBO (Criminal Behaviour Order)" in inputs.set_index("column").loc[
        "Outcome", "description"]


def test_templates_are_empty_files_that_load(tmp_path):
    paths = write_templates(tmp_path)
    assert [p.name for p in paths] == [f"{s}_template.csv" for s in SOURCES]
    header = paths[list(SOURCES).index("fpn")].read_text(encoding="utf-8")
    assert header == "FPN ID,Date Issued,Offence Code,Ward\n"
    loaded = load_all(tmp_path, "Barnet")
    assert list(loaded) == list(SOURCES)
    for source, load in loaded.items():
        assert list(load.table.columns) == list(SOURCES[source].tidy_columns)
        assert load.report.loc[0, "rows_read"] == 0


@pytest.mark.parametrize("source", list(SOURCES))
def test_personal_columns_are_never_template_columns(source):
    schema = SOURCES[source]
    for other in SOURCES:
        for pii in PII_COLUMNS[other]:
            assert schema.match_header(pii) is None, (source, pii)
            assert is_personal_header(pii, other)
    for col in schema.columns:
        for header in (col.header, *col.header_variants):
            assert schema.match_header(header) is col


def test_header_and_value_keys():
    assert header_key("Pro-active / Re-active") == header_key("Proactive/Reactive")
    assert header_key("DATE_TIME") == header_key("Date / Time")
    assert value_key("\u0421\u0412\u041e") == "cbo"
    assert value_key("\u043c\u0438\u0438") == value_key("MUU") == "muu"
    assert value_key("<18") == value_key("Under 18")
    assert value_key("18+") != value_key("<18")
    assert [is_personal_header(h) for h in ("Mobile No", "Post Code", "DOB", "Free text",
                                            "Comments", "Caller_Name")] == [True] * 6
    assert [is_personal_header(h) for h in ("Category", "Outcome", "Camera")] == [False] * 3


# ---------------------------------------------------------------------------------------------
# Day/month order, decided per file (issue 13)

_DA_HEADER = ("Referral ID,Referral Date,Repeat Referral,Children in Household,"
              "Family with Children\n")


def test_a_file_with_no_number_above_12_is_read_day_first_and_says_so(tmp_path):
    path = tmp_path / "da.csv"
    path.write_text(_DA_HEADER + "D1,01/02/2023,N,0,N\nD2,03/04/2023,Y,1,Y\n", encoding="utf-8")
    load = load_partnership(path, "damarac", borough="Barnet", today="2024-01-31")
    assert load.table["referral_date"].tolist() == [pd.Timestamp("2023-02-01"),
                                                    pd.Timestamp("2023-04-03")]
    assert load.report.loc[0, "date_order"].startswith("day first (assumed")
    assert load_notes(load) == ["Dates in da.csv were read day first (dd/mm/yyyy, the UK "
                                "order): no date in it has a number above 12 to settle the "
                                "order."]


def test_a_whole_file_in_us_order_is_read_month_first(tmp_path):
    path = tmp_path / "da.csv"
    # Row 3 has 15 in second place, so every date of the file is month first, row 2 too.
    path.write_text(_DA_HEADER + "D1,01/02/2023,N,0,N\nD2,03/15/2023,Y,1,Y\n", encoding="utf-8")
    load = load_partnership(path, "damarac", borough="Barnet", today="2024-01-31")
    assert load.table["referral_date"].tolist() == [pd.Timestamp("2023-01-02"),
                                                    pd.Timestamp("2023-03-15")]
    assert load.report.loc[0, "date_order"] == "month first"
    assert "month first (mm/dd/yyyy) throughout" in load_notes(load)[0]


def test_a_file_mixing_orders_is_refused_naming_two_rows_not_values(tmp_path):
    path = tmp_path / "da.csv"
    path.write_text(_DA_HEADER + "D1,01/02/2023,N,0,N\nD2,25/03/2023,N,0,N\n"
                    "D3,03/15/2023,Y,1,Y\n", encoding="utf-8")
    with pytest.raises(InputDataError) as err:
        load_partnership(path, "damarac", borough="Barnet")
    message = str(err.value)
    assert message.startswith(f"{path}, column 'Referral Date': mixes day-first and "
                              "month-first dates: row 3 can only be read day first (dd/mm) and "
                              "row 4 only month first (mm/dd)")
    assert "25/03" not in message and "03/15" not in message


def test_a_header_holding_personal_data_is_named_by_its_column_letter(tmp_path):
    path = tmp_path / "da.csv"
    path.write_text(_DA_HEADER.rstrip("\n") + ",call 07700 900461\nD1,01/02/2023,N,0,N,x\n",
                    encoding="utf-8")
    load = load_partnership(path, "damarac", borough="Barnet", today="2024-01-31")
    assert load.report.loc[0, "columns_dropped"] == "column F (header not shown) (personal data)"
    assert "07700" not in load.dropped.to_csv()


def test_strict_error_gives_the_length_of_a_value_it_may_not_repeat(tmp_path):
    path = tmp_path / "da.csv"
    path.write_text(_DA_HEADER + "D1,01/02/2023,N,0,N\nD2,Olive Planted,N,0,N\n",
                    encoding="utf-8")
    with pytest.raises(InputDataError) as err:
        load_partnership(path, "damarac", borough="Barnet", strict=True)
    assert str(err.value) == (
        f"{path}, row 3, column 'Referral Date': is not a date (13 characters, not shown); "
        f"{DATE_EXPECTED} (strict=True stops at the first row the loader would reject)")
