"""The Serious Violence Duty partner templates' loader: strict, and nothing personal kept.

Filled templates are written here as a partner would (CSV text, an Excel workbook), read back,
and every rule of the loader is tried with a bad value: each must be set aside (or, with
``strict=True``, refused) naming the file, row and column, and nothing personal may reach the
tables or the reports.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from scpb_analysis.core.errors import InputDataError
from scpb_analysis.reference.sv_partner_schema import SV_TEMPLATES
from scpb_analysis.sources.partnership import load_notes
from scpb_analysis.sources.sv_partners import load_sv_partner_data

TODAY = "2025-06-15"
ADMISSIONS = "Month,Age Band,Sex,Admissions\n"


def _write(folder, name: str, text: str):
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _load(folder, **kw):
    return load_sv_partner_data(folder, today=TODAY, **kw)


# -- tolerated ----------------------------------------------------------------------------


def test_spellings_title_rows_and_month_forms_are_read(tmp_path):
    _write(tmp_path, "csc.csv",
           "Children's social care, monthly return\n\n"
           "MONTH,social care measure,CHILDREN\n"
           "01/04/2023,CLA,329\n"
           "May 2023,CIN,\"1,019\"\n"
           "2023-06-01,CP,248\n")
    table = _load(tmp_path).loads["childrens_social_care"].table
    assert table["measure"].tolist() == ["Children looked after", "Children in need",
                                         "Children on child protection plans"]
    assert table["children"].tolist() == [329, 1019, 248]
    assert table["source_row"].tolist() == [4, 5, 6]


def test_excel_workbook_is_read(tmp_path):
    frame = pd.DataFrame([[pd.Timestamp("2023-05-01"), "Street", "18:00-23:59", "Knife", 5]],
                         columns=["Month", "Location of Assault", "Time of Assault",
                                  "Weapon Used", "Attendances"])
    with pd.ExcelWriter(tmp_path / "istv.xlsx") as writer:
        pd.DataFrame({"note": ["cover sheet"]}).to_excel(writer, sheet_name="Cover",
                                                          index=False)
        frame.to_excel(writer, sheet_name="Data", index=False)
    load = _load(tmp_path).loads["ae_istv"]
    row = load.table.iloc[0]
    assert (str(row["month"]), row["location_type"], row["weapon"], row["attendances"]) == (
        "2023-05", "Street or public place", "Knife or sharp object", 5)
    assert load.report.loc[0, "sheet"] == "Data"


# -- personal data ------------------------------------------------------------------------


def test_personal_columns_are_dropped_and_named_never_shown(tmp_path):
    _write(tmp_path, "yjs.csv",
           "Month,YJS Measure,Sex,Children,Child Name,Date of Birth,Address,Postcode,"
           "07700 900123,Team\n"
           "2023-05,FTE,M,2,Jane Smith,01/02/2008,1 High Street,N3 1AA,x,North\n")
    load = _load(tmp_path).loads["youth_justice"]
    assert list(load.table.columns) == list(SV_TEMPLATES["youth_justice"].tidy_columns)
    assert load.table["children"].tolist() == [2]
    assert load.dropped["column"].tolist() == ["Child Name", "Date of Birth", "Address",
                                               "Postcode", "column I (header not shown)",
                                               "Team"]
    assert load.dropped["reason"].tolist() == ["personal data"] * 5 + ["not in the template"]
    reported = load.report.to_string() + load.rejected.to_string() + load.table.to_string()
    for secret in ("Jane", "01/02/2008", "High Street", "N3 1AA", "07700"):
        assert secret not in reported


def test_a_value_like_no_known_one_is_not_repeated(tmp_path):
    _write(tmp_path, "csc.csv", "Month,Social Care Measure,Children\n"
                                "2023-05,John Smith 12 Acacia Avenue,3\n"
                                "2023-05,Children lookd after,3\n")
    rejected = _load(tmp_path).loads["childrens_social_care"].rejected
    assert rejected["value_description"].tolist() == ["not shown (27 characters)",
                                                      "'Children lookd after'"]
    assert "John" not in rejected.to_string()


# -- each rule: set aside with file, row and column; strict refuses --------------------------

BAD_ROWS = [
    # (template header + row, column named, kind, reason fragment)
    (ADMISSIONS + "2023-05,18-24,Male,-2\n", "Admissions", "not a whole number of 0 or more",
     "is negative"),
    (ADMISSIONS + "2023-05,18-24,Male,2.5\n", "Admissions", "not a whole number of 0 or more",
     "is not a whole number"),
    (ADMISSIONS + "2023-05,18-24,Male,<5\n", "Admissions", "suppressed count",
     "unknown, not zero"),
    (ADMISSIONS + "2023-05,18-24,Male,\n", "Admissions", "empty required value", "is empty"),
    (ADMISSIONS + "2023-05,Teenager,Male,2\n", "Age Band", "unknown age band",
     "is not a known age band"),
    (ADMISSIONS + "2023-05,18-24,Mael,2\n", "Sex", "unknown sex", "'Mael' is not a known sex"),
    (ADMISSIONS + "last spring,18-24,Male,2\n", "Month", "not a month", "is not a month"),
    (ADMISSIONS + "15/05/2023,18-24,Male,2\n", "Month", "not a month",
     "is day 15 of May 2023, not a month"),
    (ADMISSIONS + "2023-13,18-24,Male,2\n", "Month", "not a month", "month 13"),
    (ADMISSIONS + "1987-03,18-24,Male,2\n", "Month", "not a month", "is before 2000"),
    (ADMISSIONS + "2031-01,18-24,Male,2\n", "Month", "dated in the future", "in the future"),
    (ADMISSIONS + "2023-07,18-24,Male,2\n", "Month", "dated after the period end",
     "after the period end (May 2023)"),
    (ADMISSIONS + "2023-05,18-24,Male,2\n2023-05,18-24,M,5\n", "(the whole row)",
     "duplicate month and breakdown", "the same month and breakdown as row 2"),
    ("Month,Survey Question,Respondents,Agreeing\n"
     "2023-05,Feel safe walking alone after dark,40,41\n", "Agreeing",
     "agreeing above respondents", "is more than the respondents (40)"),
]


@pytest.mark.parametrize(("text", "column", "kind", "reason"), BAD_ROWS)
def test_each_bad_row_is_set_aside_with_file_row_and_column(tmp_path, text, column, kind,
                                                            reason):
    _write(tmp_path, "partner.csv", text)
    loaded = _load(tmp_path, period_end="2023-05")
    (load,) = loaded.loads.values()
    last = len(text.strip().splitlines())
    assert load.rows_rejected == 1
    bad = load.rejected.iloc[0]
    assert (bad["file"], bad["row"], bad["column"], bad["kind"]) == (
        "partner.csv", last, column, kind)
    assert reason in bad["reason"]
    assert load.table.empty or last not in set(load.table["source_row"])
    assert any("set aside and not counted" in n for n in load_notes(load))
    with pytest.raises(InputDataError) as err:
        _load(tmp_path, period_end="2023-05", strict=True)
    assert (err.value.row, err.value.column) == (last, column)
    assert str(tmp_path / "partner.csv") in str(err.value)


def test_a_duplicate_in_a_second_file_names_the_first(tmp_path):
    _write(tmp_path, "a.csv", ADMISSIONS + "2023-05,18-24,Male,2\n")
    _write(tmp_path, "b.csv", ADMISSIONS + "May 2023,18 to 24,Male,2\n")
    load = _load(tmp_path).loads["hospital_admissions"]
    assert load.table["admissions"].sum() == 2
    assert load.rejected.loc[0, "reason"] == (
        "duplicate: the same month and breakdown as row 2 of a.csv")


@pytest.mark.parametrize(("text", "message"), [
    ("", "is empty"),
    ("Date,Total,Value\n2023-05,2,2\n", "naming two or more columns of a Serious "
                                          "Violence Duty template"),
    ("Month,Age Band,Sex,Admissions,Number of Admissions\n2023-05,18-24,Male,2,2\n",
     "both name the template column 'Admissions'"),
])
def test_files_that_are_no_template_are_refused(tmp_path, text, message):
    _write(tmp_path, "partner.csv", text)
    with pytest.raises(InputDataError, match=re.escape(message)) as err:
        _load(tmp_path)
    assert "partner.csv" in str(err.value)


def test_a_missing_required_column_is_refused_by_name(tmp_path):
    _write(tmp_path, "pas.csv", "Month,Survey Question,Respondents\n2023-05,"
                                "Feel safe walking alone after dark,40\n")
    with pytest.raises(InputDataError, match="looks like the perception template but lacks "
                                             "the required column 'Agreeing'") as err:
        _load(tmp_path)
    assert (err.value.row, err.value.column) == (1, "Agreeing")
