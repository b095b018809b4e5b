"""Personal data kept out of published outputs, and small counts that stay hidden."""

from __future__ import annotations

import base64
import itertools
import json
import random
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scpb_analysis.core.errors import InputDataError
from scpb_analysis.qa.disclosure import (
    AUDIENCES,
    Finding,
    PersonalDataError,
    SuppressionRule,
    check_audience,
    disclosure_problems,
    drop_pii,
    hidden_ranges,
    linked_hidden_ranges,
    pii_columns,
    refuse_if_pii,
    scan_outputs,
    scan_text_for_pii,
    suppress,
    suppress_linked,
    verify_linked,
    verify_suppression,
)

SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"

# ---------------------------------------------------------------------------------------------
# Audience
# ---------------------------------------------------------------------------------------------


def test_audiences_are_internal_and_public():
    assert AUDIENCES == ("internal", "public")
    assert [check_audience(a) for a in AUDIENCES] == ["internal", "public"]
    with pytest.raises(ValueError, match="'internal', 'public'"):
        check_audience("Public")


# ---------------------------------------------------------------------------------------------
# Headers
# ---------------------------------------------------------------------------------------------

# Headers as they come in CCTV incident logs, ASB case lists and referral spreadsheets.
KEPT_HEADERS = [
    "Ward", "Incident Type", "Ward Name", "Borough Name", "Incident Type Name", "Category Name",
    "Area Name", "Month", "Date", "Count", "Location", "Crime Type", "LSOA code", "Ward code",
    "Major Category", "Name of ward", "Age", "Household size", "Total", "Outcome",
]
DROPPED_HEADERS = [
    "Caller Name", "DOB", "Address", "Post Code", "Mobile", "E-mail", "Notes",
    "Name", "Full Name", "First Name", "Surname", "Forename", "Victim Name", "Operator Name",
    "Applicant Name", "Recipient Name", "Complainant Name", "Perpetrator Name",
    "Victim's Name", "Victim 1 Name", "Name of caller", "Caller name (if given)", "callerName",
    "Operator", "Date of Birth", "DateOfBirth", "D.O.B.", "Street", "House No",
    "Home Address", "Postcode", "phone_number", "Tel.", "Telephone", "Email Address",
    "Comments", "Free Text", "Incident Description", "Narrative", "NHS Number", "NI Number",
    "National Insurance No", "Vehicle Registration", "Street Name",
]


def test_pii_columns_keeps_area_and_category_headers_and_drops_personal_ones():
    found = pii_columns(KEPT_HEADERS + DROPPED_HEADERS)
    assert found == DROPPED_HEADERS


@pytest.mark.parametrize("header", ["Ward Name", "Borough Name", "Incident Type Name",
                                    "Category Name", "Area Name", "Crime Type Name"])
def test_area_and_category_name_headers_are_not_person_names(header):
    assert pii_columns([header]) == []


def test_drop_pii_returns_the_frame_without_the_columns_and_what_it_dropped():
    log = pd.DataFrame({
        "Ward": ["Burnt Oak", "Hendon"], "Ward Name": ["Burnt Oak", "Hendon"],
        "Incident Type": ["Theft", "Public Disorder"], "Caller Name": ["x", "y"],
        "DOB": ["1990-01-01", "1985-02-03"], "Post Code": ["N3 1AA", "NW4 4BQ"],
        "E-mail": ["a@b.org", "c@d.org"], "Notes": ["...", "..."], "Count": [1, 2],
    })
    kept, dropped = drop_pii(log)
    assert list(kept.columns) == ["Ward", "Ward Name", "Incident Type", "Count"]
    assert dropped == ["Caller Name", "DOB", "Post Code", "E-mail", "Notes"]
    assert "Caller Name" in log.columns  # the input is left alone
    pd.testing.assert_frame_equal(kept, log[["Ward", "Ward Name", "Incident Type", "Count"]])


def test_drop_pii_reads_multiindex_headers_by_their_levels():
    frame = pd.DataFrame([[1, 2]], columns=pd.MultiIndex.from_tuples(
        [("Victim", "Name"), ("Incident", "Type")]))
    assert drop_pii(frame)[1] == [("Victim", "Name")]


# ---------------------------------------------------------------------------------------------
# Scanning text
# ---------------------------------------------------------------------------------------------

EMAIL = "jo.bloggs@example.org"
MOBILE = "07700 900123"
LANDLINE = "020 7946 0018"
POSTCODE = "EN5 2BY"
NAME = "Jane Okafor"
PLANTED = [EMAIL, MOBILE, LANDLINE, POSTCODE, NAME]


def _assert_masked(findings: list[Finding]) -> None:
    for finding in findings:
        for secret in PLANTED + ["7700", "900123", "7946", "0018", "bloggs", "Okafor", "2BY"]:
            assert secret.lower() not in finding.excerpt_masked.lower(), finding
        assert finding.excerpt_masked.strip()


@pytest.mark.parametrize("text, kind", [
    ("contact jo.bloggs@example.org today", "email"),
    ("mailto:a.b+asb@barnet.gov.uk", "email"),
    ("07700 900123", "phone"), ("07700900123", "phone"), ("07700 900 123", "phone"),
    ("+44 7700 900123", "phone"), ("+447700900123", "phone"), ("+44 (0)20 7946 0018", "phone"),
    ("020 7946 0018", "phone"), ("(020) 7946 0018", "phone"), ("0208 359 2953", "phone"),
    ("0121 496 0000", "phone"), ("01632 960123", "phone"), ("0300 123 4567", "phone"),
    ("N3 1AA", "postcode"), ("EN5 2BY", "postcode"), ("NW4 4BQ", "postcode"),
    ("SW1A 1AA", "postcode"), ("n3 1aa", "postcode"), ("NW96AB", "postcode"),
])
def test_each_kind_of_personal_data_is_found_and_masked(text, kind):
    findings = scan_text_for_pii(f"Seen at Burnt Oak: {text}.")
    assert [f.kind for f in findings] == [kind]
    assert text not in findings[0].excerpt_masked
    assert "Burnt Oak: " in findings[0].excerpt_masked


NOT_PERSONAL = """\
Quarterly performance, 3 months to May 2023 (March 2023 to May 2023), FY 2022/23 Q4.
Ward,Theft from the person,Violence Against the Person,Burglary,Total
Burnt Oak,20,191,2023,2234
Colindale North,15,0,1,16
Golders Green,18,12,3,33
Totteridge & Whetstone,0,0,0,0
Edgware (NW9) and Colindale (NW9 ward area), West Hendon NW9, Mill Hill NW7.
Ward codes E05013628, E05000043; LSOA E01000115; MSOA E02000001.
Dates: 01/03/2023, 2023-05-31, 31 May 2023, 10:30, FY2023/24; counts 191 of 1,234 (15.5%).
Rate 4.2 per 1,000; change +2.5 pp; rank 12 of 32 boroughs; 0 1 2 3 4 5 6 7 8 9 10.
Roads: the A1 2nd junction, the M1, the A406; CSS h1 2px; colour #A1B2DE; id a1b2de.
<td>191</td><td>2023</td><td>Q1 2023</td> Anti-Social Behaviour, Violence with Injury.
"""


def test_no_false_positives_on_wards_categories_dates_years_counts_and_outward_codes():
    assert scan_text_for_pii(NOT_PERSONAL, names=["Jane Okafor"]) == []


def test_names_are_whole_words_in_any_case_and_longest_first():
    text = "Called by Jane Okafor; JANE  OKAFOR again; janet okaforson is someone else."
    findings = scan_text_for_pii(text, names=["jane okafor", "Okafor", None, float("nan")])
    assert [f.kind for f in findings] == ["name", "name"]
    assert findings[0].excerpt_masked == "Called by J*** ******; J*** ****** again; ja…"
    # The partial match "okaforson" is not a find, so it is left as it is.
    assert findings[1].excerpt_masked == ("Called by J*** ******; J*** ****** again; "
                                          "janet okaforson…")


def test_a_single_name_string_is_one_name_not_its_letters():
    assert scan_text_for_pii("Jane Okafor rang", names="Jane Okafor")[0].kind == "name"
    assert scan_text_for_pii("a e i o", names="a") == []


def test_every_find_on_a_line_is_masked_in_every_excerpt():
    line = f"{NAME} {EMAIL} {MOBILE} {POSTCODE}"
    findings = scan_text_for_pii(line, names=[NAME])
    assert [f.kind for f in findings] == ["name", "email", "phone", "postcode"]
    _assert_masked(findings)


def test_a_name_inside_an_email_address_is_one_find():
    findings = scan_text_for_pii("write to okafor@example.org", names=["Okafor"])
    assert [f.kind for f in findings] == ["email"]


def test_allow_lists_what_may_be_published():
    text = "Community Safety: community.safety@barnet.gov.uk, 020 8359 2000; caller 07700 900123"
    allowed = scan_text_for_pii(text, allow=["Community.Safety@barnet.gov.uk",
                                             "+44 20 8359 2000"])
    assert [f.kind for f in allowed] == ["phone"]


def test_html_entities_are_decoded_and_embedded_images_skipped():
    image = base64.b64encode(random.Random(1).randbytes(30000)).decode()
    page = (f'<p>jo.bloggs&#64;example.org</p>\n<img src="data:image/png;base64,{image}"/>\n'
            f'<p>&lt;5 incidents</p>')
    findings = scan_text_for_pii(page)
    assert [(f.line, f.kind) for f in findings] == [(1, "email")]


# ---------------------------------------------------------------------------------------------
# Scanning files
# ---------------------------------------------------------------------------------------------


def _notebook(cells: list[dict], metadata: dict | None = None) -> str:
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": metadata or {},
                       "cells": cells})


@pytest.fixture
def rendered(tmp_path):
    """A rendered pack with personal data planted in each kind of file."""
    table = pd.DataFrame({"Ward": ["Burnt Oak", "Hendon"], "Incidents": [191, 12],
                          "Notes": [f"caller {MOBILE}", f"lives at {POSTCODE}"]})
    (tmp_path / "pack.html").write_text(
        "<html><body><h1>CCTV incidents, March 2023 to May 2023</h1>\n"
        + table.to_html(index=False) + f"\n<p>Raised by {NAME}</p>\n</body></html>\n")
    (tmp_path / "wards.csv").write_text("Ward,Count,Contact\nBurnt Oak,191,\n"
                                        f"Hendon,12,{EMAIL}\n")
    (tmp_path / "notes.md").write_text(f"# Notes\n\nCall {LANDLINE} (NW9, 2023).\n")
    (tmp_path / "clean.txt").write_text(NOT_PERSONAL)
    (tmp_path / "figure.png").write_bytes(b"\x89PNG not scanned")
    sub = tmp_path / "notebooks"
    sub.mkdir()
    (sub / "pack.ipynb").write_text(_notebook(
        [
            {"cell_type": "code", "metadata": {"tags": ["parameters"]}, "execution_count": 1,
             "source": ["ward = 'Hendon'\n", "quarter = '2023Q1'\n"], "outputs": []},
            {"cell_type": "code", "metadata": {}, "execution_count": 2,
             "source": f"lookup('{EMAIL}')",
             "outputs": [
                 {"output_type": "stream", "name": "stdout", "text": ["191 incidents\n"]},
                 {"output_type": "execute_result", "execution_count": 2, "metadata": {},
                  "data": {"text/plain": [f"victim {NAME}"],
                           "image/png": base64.b64encode(b"EN5 2BY " * 50).decode()}},
                 {"output_type": "error", "ename": "KeyError", "evalue": f"'{POSTCODE}'",
                  "traceback": ["\x1b[0;31mKeyError\x1b[0m: 'x'"]},
             ]},
        ],
        metadata={"papermill": {"parameters": {"officer_phone": MOBILE}}}))
    return tmp_path


def test_scan_outputs_finds_what_was_planted_in_html_csv_md_and_notebooks(rendered):
    findings = scan_outputs(rendered, names=[NAME])
    found = {(Path(f.path).name, f.where, f.kind) for f in findings}
    assert found == {
        ("pack.html", "", "phone"), ("pack.html", "", "postcode"), ("pack.html", "", "name"),
        ("wards.csv", "", "email"),
        ("notes.md", "", "phone"),
        ("pack.ipynb", "notebook metadata", "phone"),
        ("pack.ipynb", "cell 2 source", "email"),
        ("pack.ipynb", "cell 2 output 2 (text/plain)", "name"),
        ("pack.ipynb", "cell 2 output 3", "postcode"),
    }
    assert len(findings) == len(found)
    _assert_masked(findings)
    csv_find = next(f for f in findings if f.path.endswith("wards.csv"))
    assert (csv_find.line, csv_find.excerpt_masked) == (3, "Hendon,12,j*.******@*******.***")


def test_scan_outputs_reads_single_files_and_lists_of_paths(rendered):
    assert [f.kind for f in scan_outputs(rendered / "wards.csv")] == ["email"]
    assert scan_outputs([rendered / "clean.txt"]) == []


def test_scan_outputs_says_what_it_cannot_read(rendered):
    with pytest.raises(ValueError, match=r"cannot scan \.png"):
        scan_outputs(rendered / "figure.png")
    with pytest.raises(FileNotFoundError, match="no such file"):
        scan_outputs(rendered / "missing.html")
    (rendered / "broken.ipynb").write_text("{not json")
    with pytest.raises(InputDataError, match="broken.ipynb.*not valid JSON"):
        scan_outputs(rendered / "broken.ipynb")


def test_refuse_if_pii_stops_publishing_without_repeating_the_data(rendered):
    with pytest.raises(PersonalDataError) as caught:
        refuse_if_pii(rendered, names=[NAME])
    message = str(caught.value)
    assert message.startswith("9 pieces of personal data found; not publishing:")
    assert len(caught.value.findings) == 9
    for secret in PLANTED:
        assert secret not in message
    refuse_if_pii(rendered / "clean.txt")


def test_a_notebook_rendered_by_nbconvert_is_clean_when_its_data_are(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbconvert = pytest.importorskip("nbconvert")
    table = pd.DataFrame({"Ward": ["Burnt Oak", "Golders Green"], "Incidents": [191, 2023]})
    notebook = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("table")
    cell.outputs = [nbformat.v4.new_output(
        "execute_result", execution_count=1,
        data={"text/html": table.to_html(), "text/plain": table.to_string()})]
    image = nbformat.v4.new_code_cell("plot()")
    image.outputs = [nbformat.v4.new_output("display_data", data={
        "image/png": base64.b64encode(random.Random(2).randbytes(60000)).decode(),
        "text/plain": "<Figure size 640x480 with 1 Axes>"})]
    notebook.cells = [nbformat.v4.new_markdown_cell("# CCTV, NW9, March 2023 to May 2023"),
                      cell, image]
    body, _ = nbconvert.HTMLExporter().from_notebook_node(notebook)
    (tmp_path / "pack.html").write_text(body)
    nbformat.write(notebook, tmp_path / "pack.ipynb")
    assert scan_outputs(tmp_path, names=["Jane Okafor"]) == []


@pytest.mark.skipif(not SEEDS.exists(), reason=f"council papers not found at {SEEDS}")
def test_the_published_council_papers_hold_officer_contacts_the_scan_would_stop():
    # Real pack text: committee officers' e-mails and phone numbers, the town hall postcode.
    findings = scan_outputs(next(SEEDS.glob("000_*.txt")))
    assert {"email", "phone", "postcode"} <= {f.kind for f in findings}
    assert not any("@barnet.gov.uk" in f.excerpt_masked for f in findings)


# ---------------------------------------------------------------------------------------------
# Suppression: worked examples
# ---------------------------------------------------------------------------------------------


def _with_totals(counts: dict[str, list[int]], rows: list[str]) -> pd.DataFrame:
    table = pd.DataFrame(counts, index=rows)
    table.loc["Total"] = table.sum()
    table["Total"] = table.sum(axis=1)
    return table


def _mask(table: pd.DataFrame, cells: list[tuple[str, str]]) -> pd.DataFrame:
    mask = pd.DataFrame(False, index=table.index, columns=table.columns)
    for row, col in cells:
        mask.loc[row, col] = True
    return mask


WARDS_3X3 = _with_totals({"Theft": [10, 6, 8], "Robbery": [2, 12, 11], "Burglary": [7, 9, 15]},
                         ["Burnt Oak", "Hendon", "Mill Hill"])
# The rule of most tables here: the defaults, with a total row and column named "Total".
BOTH_TOTALS = SuppressionRule(total_row="Total", total_col="Total")
ZEROS_HIDDEN = SuppressionRule(suppress_zeros=True, total_row="Total", total_col="Total")


def test_one_small_count_in_a_3x3_table_hides_the_smallest_counts_beside_it():
    # Worked by hand. Burnt Oak/Robbery = 2 is hidden. Burnt Oak's row then has one hidden
    # cell: its smallest other count, Burglary 7, is hidden. Robbery's column has one: its
    # smallest other, Mill Hill 11. Mill Hill's row has one: Theft 8. Theft's column has one:
    # Hendon 6. Hendon's row has one: Burglary 9. Every line now has two; none is pinned.
    result = suppress(WARDS_3X3, BOTH_TOTALS)
    pd.testing.assert_frame_equal(result.mask_primary,
                                  _mask(WARDS_3X3, [("Burnt Oak", "Robbery")]))
    pd.testing.assert_frame_equal(result.mask_secondary, _mask(WARDS_3X3, [
        ("Burnt Oak", "Burglary"), ("Mill Hill", "Robbery"), ("Mill Hill", "Theft"),
        ("Hendon", "Theft"), ("Hendon", "Burglary")]))
    assert result.table.to_numpy().tolist() == [
        ["10", "<5", "[c]", "19"],
        ["[c]", "12", "[c]", "27"],
        ["[c]", "[c]", "15", "34"],
        ["24", "25", "31", "80"],
    ]
    assert result.note == ("Counts from 1 to 4 are shown as <5; 5 further cells are hidden "
                           "(shown as [c]) so the small counts cannot be worked out from the "
                           "totals.")
    ranges = hidden_ranges(result.table, BOTH_TOTALS)
    # The 2 could be 1, 2 or 3: Hendon/Theft = 8 - Robbery must be at least 5.
    small = ranges[ranges["kind"] == "primary"].iloc[0]
    assert (small["lower"], small["upper"]) == (1.0, 3.0)
    assert verify_suppression(result) == []


def test_two_hidden_counts_that_must_add_up_to_a_total_get_more_cells_hidden():
    # Edgware: 4 + 4 = 8. Each column's count rule hides Hendon's cell, leaving two hidden
    # cells everywhere, yet 8 published beside two <5 means both are 4. The row total is
    # hidden, then (total column) Hendon's total.
    table = _with_totals({"A": [4, 6], "B": [4, 7]}, ["Edgware", "Hendon"])
    count_rule_only = pd.DataFrame([["<5", "<5", "8"], ["[c]", "[c]", "13"],
                                    ["10", "11", "21"]], index=table.index,
                                   columns=table.columns)
    assert disclosure_problems(count_rule_only, BOTH_TOTALS) == [
        "row 'Edgware', column 'A' can be worked out exactly from the published numbers",
        "row 'Edgware', column 'B' can be worked out exactly from the published numbers",
        "row 'Hendon', column 'A' can be worked out exactly from the published numbers",
        "row 'Hendon', column 'B' can be worked out exactly from the published numbers",
    ]
    result = suppress(table, BOTH_TOTALS)
    pd.testing.assert_frame_equal(result.mask_primary,
                                  _mask(table, [("Edgware", "A"), ("Edgware", "B")]))
    pd.testing.assert_frame_equal(result.mask_secondary, _mask(table, [
        ("Edgware", "Total"), ("Hendon", "A"), ("Hendon", "B"), ("Hendon", "Total")]))
    assert verify_suppression(result) == []


def _brute_force_values(display: pd.DataFrame, cell: tuple[str, str], cap: int) -> set[int]:
    """Every value a hidden cell can take in a whole-number table matching the display.

    Independent of the linear programme: tries every assignment of the hidden cells (<5 from
    1 to 4, [c] from 5 to ``cap``) and keeps those whose rows and columns add up.
    """
    text = display.astype(str).to_numpy()
    hidden = np.argwhere(np.isin(text, ["<5", "[c]"]))
    ranges = [np.arange(1, 5) if text[i, j] == "<5" else np.arange(5, cap + 1)
              for i, j in hidden]
    combos = np.stack(np.meshgrid(*ranges, indexing="ij"), axis=-1).reshape(-1, len(hidden))
    filled = np.where(np.isin(text, ["<5", "[c]"]), 0, text).astype(int)
    tables = np.repeat(filled[None], len(combos), axis=0)
    tables[:, hidden[:, 0], hidden[:, 1]] = combos
    # The last row and column are the totals.
    fits = ((tables[:, :, :-1].sum(axis=2) == tables[:, :, -1]).all(axis=1)
            & (tables[:, :-1, :].sum(axis=1) == tables[:, -1, :]).all(axis=1))
    i, j = display.index.get_loc(cell[0]), display.columns.get_loc(cell[1])
    return set(tables[fits, i, j].tolist())


def test_the_linear_programme_agrees_with_trying_every_table():
    count_rule_only = pd.DataFrame([["<5", "<5", "8"], ["[c]", "[c]", "13"],
                                    ["10", "11", "21"]], index=["Edgware", "Hendon", "Total"],
                                   columns=["A", "B", "Total"])
    assert _brute_force_values(count_rule_only, ("Edgware", "A"), cap=21) == {4}
    table = _with_totals({"A": [4, 6], "B": [4, 7]}, ["Edgware", "Hendon"])
    protected = suppress(table, BOTH_TOTALS).table
    assert _brute_force_values(protected, ("Edgware", "A"), cap=21) == {1, 2, 3, 4}
    ranges = hidden_ranges(protected, BOTH_TOTALS)
    assert ranges.iloc[0][["lower", "upper"]].tolist() == [1.0, 4.0]


def test_a_small_total_is_hidden_and_its_line_protected():
    # Robbery's column total is 3, so it is hidden with its counts 1 and 2. Each ward's row
    # then has one hidden cell: Theft (7, 8) is the smaller other count. The total row has
    # one hidden cell, Robbery's 3: the smaller other column total is Theft's 15.
    table = _with_totals({"Theft": [7, 8], "Robbery": [1, 2], "Burglary": [9, 12]},
                         ["Hendon", "Mill Hill"])
    result = suppress(table, BOTH_TOTALS)
    pd.testing.assert_frame_equal(result.mask_primary, _mask(table, [
        ("Hendon", "Robbery"), ("Mill Hill", "Robbery"), ("Total", "Robbery")]))
    pd.testing.assert_frame_equal(result.mask_secondary, _mask(table, [
        ("Hendon", "Theft"), ("Mill Hill", "Theft"), ("Total", "Theft")]))
    assert result.table.loc["Total"].tolist() == ["[c]", "<5", "21", "39"]
    assert verify_suppression(result) == []


def test_true_zeros_are_shown_unless_asked():
    table = _with_totals({"Domestic": [0, 6, 9], "Sexual Offence": [0, 7, 8]},
                         ["Edgwarebury", "Hendon", "Underhill"])
    shown = suppress(table, BOTH_TOTALS)
    assert shown.table.loc["Edgwarebury"].tolist() == ["0", "0", "0"]
    assert not shown.mask.to_numpy().any()
    assert shown.note == ""
    hidden = suppress(table, ZEROS_HIDDEN)
    assert hidden.table.loc["Edgwarebury"].tolist() == ["<5", "<5", "<5"]
    assert hidden.note.startswith("Counts from 0 to 4 are shown as <5")
    assert verify_suppression(hidden) == []


def test_threshold_and_label_are_configurable():
    table = _with_totals({"A": [12, 7, 20], "B": [30, 15, 6]}, ["p", "q", "r"])
    result = suppress(table, SuppressionRule(threshold=10, total_row="Total", total_col="Total"))
    assert result.label == "<10"
    assert set(result.table.to_numpy().ravel()) >= {"<10"}
    assert result.mask_primary.loc[["q", "r"], ["A", "B"]].to_numpy().tolist() == [
        [True, False], [False, True]]
    assert result.note.startswith("Counts from 1 to 9 are shown as <10")
    assert verify_suppression(result) == []
    own = suppress(table, SuppressionRule(threshold=10, label="fewer than 10", total_row="Total",
                                      total_col="Total"))
    assert own.table.loc["q", "A"] == "fewer than 10"


def test_internal_audience_changes_nothing_but_says_what_would_be_hidden():
    public = suppress(WARDS_3X3, BOTH_TOTALS)
    internal = suppress(WARDS_3X3, BOTH_TOTALS, audience="internal")
    pd.testing.assert_frame_equal(internal.table, WARDS_3X3)
    pd.testing.assert_frame_equal(internal.mask_primary, public.mask_primary)
    pd.testing.assert_frame_equal(internal.mask_secondary, public.mask_secondary)
    pd.testing.assert_frame_equal(internal.public_table, public.table)
    assert internal.note == ("Not for publication: 1 count from 1 to 4 shown; a public table "
                             "would show them as <5 and hide 5 further cells.")
    assert verify_suppression(internal) == []


def test_without_totals_only_small_counts_are_hidden():
    table = pd.DataFrame({"A": [2, 9], "B": [8, 7]}, index=["p", "q"])
    result = suppress(table)
    assert result.table.to_numpy().tolist() == [["<5", "8"], ["9", "7"]]
    assert result.note == "Counts from 1 to 4 are shown as <5."
    assert not result.mask_secondary.to_numpy().any()


def test_a_total_row_alone_protects_the_columns():
    # CCTV incidents by ward, March to May 2023, with the pack's "Grand Total" of 191
    # (seed 000). Four wards had 1 to 4; hidden together they add up to 7, each between 1
    # and 4, so no further cell is needed.
    counts = {"Barnet Vale": 6, "Brunswick Park": 0, "Burnt Oak": 20, "Childs Hill": 2,
              "Colindale North": 15, "Colindale South": 3, "Cricklewood": 10, "East Barnet": 7,
              "East Finchley": 8, "Edgware": 26, "Edgwarebury": 0, "Finchley Church End": 21,
              "Friern Barnet": 0, "Garden Suburb": 1, "Golders Green": 18, "Hendon": 7,
              "High Barnet": 16, "Mill Hill": 7, "Totteridge & Whetstone": 0, "Underhill": 0,
              "West Finchley": 8, "West Hendon": 0, "Whetstone": 1, "Woodhouse": 15,
              "Grand Total": 191}
    table = pd.DataFrame({"CCTV incidents": counts})
    result = suppress(table, SuppressionRule(total_row="Grand Total"))
    assert result.mask_primary["CCTV incidents"][lambda s: s].index.tolist() == [
        "Childs Hill", "Colindale South", "Garden Suburb", "Whetstone"]
    assert not result.mask_secondary.to_numpy().any()
    assert result.table.loc["Grand Total", "CCTV incidents"] == "191"
    assert verify_suppression(result) == []


def test_four_ones_under_a_total_of_four_need_zeros_hidden_too():
    # With zeros shown a reader knows each <5 is at least 1: four of them under a <5 total
    # are all 1, whatever else is hidden.
    table = _with_totals({"Criminal Damage": [1, 1, 1, 1], "Theft": [5, 6, 7, 8]},
                         ["p", "q", "r", "s"])
    with pytest.raises(ValueError, match="suppress_zeros=True"):
        suppress(table, BOTH_TOTALS)
    result = suppress(table, ZEROS_HIDDEN)
    assert verify_suppression(result) == []


@pytest.mark.skipif(not SEEDS.exists(), reason=f"council papers not found at {SEEDS}")
def test_the_packs_cctv_ward_by_type_table_cannot_be_published_with_zeros_shown():
    lines = next(SEEDS.glob("000_*.txt")).read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| LBB Ward"))
    rows = [[c.strip() for c in line.strip("|").split("|")]
            for line in itertools.takewhile(lambda x: x.startswith("|"), lines[start:])]
    table = pd.DataFrame([[int(v) for v in r[1:]] for r in rows[2:]],
                         index=[r[0] for r in rows[2:]], columns=rows[0][1:])
    assert table.loc["Grand Total", "Total"] == 191
    # Criminal Damage: four wards with 1, total 4.
    with pytest.raises(ValueError, match="'Criminal Damage'.*suppress_zeros=True"):
        suppress(table, SuppressionRule(total_row="Grand Total", total_col="Total"))


# ---------------------------------------------------------------------------------------------
# Suppression: bad input
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kwargs, message", [
    ({"audience": "board"}, "audience must be one of"),
    ({"threshold": 2}, "use a threshold of at least 3"),
    ({"threshold": 0}, "threshold must be a whole number of 1 or more"),
    ({"label": "[c]"}, "label and secondary_label must differ"),
    ({"label": "5"}, "must not look like a count"),
    ({"total_row": "All"}, "total_row 'All' is not in the table"),
])
def test_settings_are_checked(kwargs, message):
    audience = kwargs.pop("audience", "public")
    with pytest.raises(ValueError, match=re.escape(message)):
        suppress(WARDS_3X3, replace(BOTH_TOTALS, **kwargs), audience=audience)


def test_the_rule_is_checked_the_same_by_every_function_that_reads_it():
    shown = suppress(WARDS_3X3, BOTH_TOTALS).public_table
    for check in (hidden_ranges, disclosure_problems):
        with pytest.raises(ValueError, match="use a threshold of at least 3"):
            check(shown, replace(BOTH_TOTALS, threshold=2))
    with pytest.raises(ValueError, match="rule must be a SuppressionRule"):
        suppress(WARDS_3X3, {"threshold": 3})
    with pytest.raises(ValueError, match="totals, not from the rule"):
        suppress_linked({"by_type": CROSS}, rule=BOTH_TOTALS)


def test_counts_are_checked():
    with pytest.raises(ValueError, match=r"row 'q', column 'B' holds -1"):
        suppress(pd.DataFrame({"A": [1, 2], "B": [3, -1]}, index=["p", "q"]))
    with pytest.raises(ValueError, match="whole numbers"):
        suppress(pd.DataFrame({"A": [1.5]}))
    with pytest.raises(ValueError, match="whole numbers"):
        suppress(pd.DataFrame({"A": [1, None]}))
    with pytest.raises(ValueError, match="must hold counts"):
        suppress(pd.DataFrame({"A": ["three"]}))


def test_totals_must_add_up():
    wrong = WARDS_3X3.copy()
    wrong.loc["Hendon", "Total"] = 28
    with pytest.raises(ValueError, match="row 'Hendon': the total is 28 but the other cells "
                                         "add up to 27"):
        suppress(wrong, BOTH_TOTALS)


def test_a_total_left_unmarked_is_refused():
    with pytest.raises(ValueError, match="row 'Total' is the sum of the other rows; pass "
                                         "total_row='Total'"):
        suppress(WARDS_3X3, SuppressionRule(total_col="Total"))


def test_display_checks_read_only_counts_and_labels():
    with pytest.raises(ValueError, match="shows 'n/a'"):
        hidden_ranges(pd.DataFrame({"A": ["n/a"]}))
    inconsistent = pd.DataFrame({"A": ["<5", "9"], "Total": ["12", "9"]},
                                index=["p", "Total"])
    assert disclosure_problems(inconsistent, BOTH_TOTALS)[-1] \
        .startswith("the published table is inconsistent")


# ---------------------------------------------------------------------------------------------
# Suppression: properties over random tables
# ---------------------------------------------------------------------------------------------


@st.composite
def count_tables(draw):
    rows = draw(st.integers(1, 4))
    cols = draw(st.integers(1, 4))
    cell = st.one_of(st.just(0), st.integers(1, 4), st.integers(5, 30))
    values = draw(st.lists(st.lists(cell, min_size=cols, max_size=cols), min_size=rows,
                           max_size=rows))
    table = pd.DataFrame(values, index=[f"ward {i}" for i in range(rows)],
                         columns=[f"type {j}" for j in range(cols)])
    totals = draw(st.sampled_from(["both", "row", "column"]))
    if totals in ("both", "row"):
        table.loc["Total"] = table.sum()
    if totals in ("both", "column"):
        table["Total"] = table.sum(axis=1)
    return (table, "Total" if totals != "column" else None,
            "Total" if totals != "row" else None)


def _hidden_per_line(display: pd.DataFrame, total_row, total_col) -> list[int]:
    hidden = display.isin(["<5", "[c]"])
    lines = []
    if total_col is not None:
        lines += hidden.sum(axis=1).tolist()
    if total_row is not None:
        lines += hidden.sum(axis=0).tolist()
    return lines


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(count_tables())
def test_no_small_count_is_shown_or_can_be_worked_out(case):
    table, total_row, total_col = case
    try:
        result = suppress(table, SuppressionRule(total_row=total_row, total_col=total_col))
    except ValueError as err:
        assert "suppress_zeros=True" in str(err)
        result = suppress(table, SuppressionRule(suppress_zeros=True, total_row=total_row,
                                                  total_col=total_col))
    low = result.min_count
    shown = result.table
    published = ~shown.isin(["<5", "[c]"])

    # Published cells are the counts as given, and none is a small count.
    numbers = shown.where(published).stack().dropna().astype(int)
    assert (numbers == table.stack()[numbers.index]).all()
    assert not numbers.between(low, 4).any()
    # Every small count is hidden as <5, and only small counts are.
    assert (shown == "<5").equals(table.ge(low) & table.lt(5))
    # Rows and columns with a total (totals included) have no hidden cell or several.
    assert 1 not in _hidden_per_line(shown, total_row, total_col)
    # The linear programme finds a range of at least two whole numbers for every hidden cell.
    ranges = hidden_ranges(shown, SuppressionRule(min_count=low, total_row=total_row,
                                                  total_col=total_col))
    assert len(ranges) == int(result.mask.to_numpy().sum())
    assert not ranges["recoverable"].any()
    assert (np.floor(ranges["upper"] + 1e-7) - np.ceil(ranges["lower"] - 1e-7) >= 1).all()
    # True values lie inside the ranges.
    truth = np.array([table.loc[r, c] for r, c in zip(ranges["row"], ranges["column"],
                                                       strict=True)])
    assert ((ranges["lower"] - 1e-7 <= truth) & (truth <= ranges["upper"] + 1e-7)).all()
    assert verify_suppression(result) == []


@settings(max_examples=60, deadline=None)
@given(count_tables(), st.integers(3, 12))
def test_internal_tables_are_unchanged_at_any_threshold(case, threshold):
    table, total_row, total_col = case
    try:
        internal = suppress(table, SuppressionRule(threshold=threshold, total_row=total_row,
                                                    total_col=total_col), audience="internal")
    except ValueError as err:
        assert "suppress_zeros=True" in str(err)
        return
    pd.testing.assert_frame_equal(internal.table, table)
    assert internal.mask_primary.equals(table.ge(1) & table.lt(threshold))
    assert (internal.note == "") == (not internal.mask.to_numpy().any())


# ---------------------------------------------------------------------------------------------
# Suppression across tables that share a margin
# ---------------------------------------------------------------------------------------------


def _recover(published: dict[str, tuple[pd.DataFrame, object, object]], links,
             low: int = 1) -> list[tuple[str, object, object, int]]:
    """An independent attack: every hidden cell a reader of all the tables can pin down.

    Written apart from the module: one unknown per hidden cell of each table; each row and
    column with a total adds up; linked cells are equal (a shown one fixes the hidden one);
    <5 is ``low`` to 4, [c] at least 5. scipy's linprog then gives each unknown's range.
    """
    from scipy.optimize import linprog

    unknowns, fixed = {}, {}
    for name, (frame, _, _) in published.items():
        for r in frame.index:
            for c in frame.columns:
                text = str(frame.at[r, c])
                if text in ("<5", "[c]"):
                    unknowns[(name, r, c)] = (low, 4) if text == "<5" else (5, None)
                else:
                    fixed[(name, r, c)] = int(text)
    keys = list(unknowns)
    rows, rhs = [], []

    def equation(terms):  # terms: list of (key, coefficient); sum == 0
        row, constant = np.zeros(len(keys)), 0.0
        for key, coef in terms:
            if key in unknowns:
                row[keys.index(key)] += coef
            else:
                constant += coef * fixed[key]
        if row.any():
            rows.append(row)
            rhs.append(-constant)

    for name, (frame, total_row, total_col) in published.items():
        if total_col is not None:
            for r in frame.index:
                equation([((name, r, c), 1) for c in frame.columns if c != total_col]
                         + [((name, r, total_col), -1)])
        if total_row is not None:
            for c in frame.columns:
                equation([((name, r, c), 1) for r in frame.index if r != total_row]
                         + [((name, total_row, c), -1)])
    for name_a, col_a, name_b, col_b in links:
        for r in published[name_a][0].index.intersection(published[name_b][0].index):
            equation([((name_a, r, col_a), 1), ((name_b, r, col_b), -1)])
    pinned = []
    bounds = [unknowns[k] for k in keys]
    for i, key in enumerate(keys):
        c = np.zeros(len(keys))
        c[i] = 1
        lo = linprog(c, A_eq=np.array(rows) if rows else None, b_eq=rhs if rows else None,
                     bounds=bounds, method="highs")
        hi = linprog(-c, A_eq=np.array(rows) if rows else None, b_eq=rhs if rows else None,
                     bounds=bounds, method="highs")
        assert lo.status == 0
        if hi.status == 0 and np.floor(-hi.fun + 1e-7) <= np.ceil(lo.fun - 1e-7):
            pinned.append((*key, round(lo.fun)))
    return pinned


CROSS = pd.DataFrame({"Theft": [1, 1, 1, 1, 0, 4], "Robbery": [5, 6, 7, 8, 0, 26],
                      "Total": [6, 7, 8, 9, 0, 30]},
                     index=["Hendon", "Mill Hill", "Edgware", "Burnt Oak", "Garden Suburb",
                            "Total"])
BY_WARD = CROSS[["Total"]].rename(columns={"Total": "Incidents"})
LINKS = [("by_ward", "Incidents", "by_type", "Total")]


def test_tables_suppressed_apart_give_each_other_away():
    # The pack's old way: four 1s under a Theft total of 4 cannot be protected with zeros
    # shown, so the ward by type table hides zeros too; the ward table, alone, shows them.
    with pytest.raises(ValueError, match="suppress_zeros=True"):
        suppress(CROSS, BOTH_TOTALS)
    apart = {"by_type": suppress(CROSS, ZEROS_HIDDEN),
             "by_ward": suppress(BY_WARD, SuppressionRule(total_row="Total"))}
    assert verify_suppression(apart["by_type"]) == []
    assert verify_suppression(apart["by_ward"]) == []
    # Garden Suburb's row is hidden in one table, and its total of 0 printed in the other.
    published = {"by_type": (apart["by_type"].public_table, "Total", "Total"),
                 "by_ward": (apart["by_ward"].public_table, "Total", None)}
    attack = _recover(published, LINKS, low=0)
    assert ("by_type", "Garden Suburb", "Theft", 0) in attack
    found = linked_hidden_ranges(apart, LINKS)
    assert sorted((r.table, r.row, r.column) for r in found[found.recoverable].itertuples()) \
        == sorted((t, r, c) for t, r, c, _ in attack)
    assert verify_linked(apart, LINKS)


def test_tables_suppressed_together_give_nothing_away():
    tables = {"by_type": CROSS, "by_ward": BY_WARD}
    totals = {"by_type": ("Total", "Total"), "by_ward": ("Total", None)}
    with pytest.raises(ValueError, match="suppress_zeros=True"):
        suppress_linked(tables, totals=totals, links=LINKS)
    together = suppress_linked(tables, totals=totals, links=LINKS,
                               rule=SuppressionRule(suppress_zeros=True))
    by_type, by_ward = together["by_type"].public_table, together["by_ward"].public_table
    # A shared cell is hidden in both tables or in neither: Garden Suburb's 0 in both.
    assert (by_type["Total"] == by_ward["Incidents"]).all()
    assert by_ward.loc["Garden Suburb", "Incidents"] == "<5"
    assert _recover({"by_type": (by_type, "Total", "Total"),
                     "by_ward": (by_ward, "Total", None)}, LINKS, low=0) == []
    assert verify_linked(together, LINKS) == []
    assert "Suppressed together with by_ward" in together["by_type"].note
    assert "Zeros are hidden as well" in together["by_type"].note
    # Shown counts are the counts given.
    for (r, c), text in by_type.stack().items():
        assert text in ("<5", "[c]") or int(text) == CROSS.at[r, c]


def test_linked_cells_must_agree_and_name_real_columns():
    wrong = BY_WARD.copy()
    wrong.loc["Hendon", "Incidents"] = 7
    wrong.loc["Total", "Incidents"] = 31
    with pytest.raises(ValueError, match="row 'Hendon' is 7 in 'by_ward' but 6 in 'by_type'"):
        suppress_linked({"by_type": CROSS, "by_ward": wrong},
                        totals={"by_type": ("Total", "Total"), "by_ward": ("Total", None)},
                        links=LINKS)
    with pytest.raises(ValueError, match="has no column 'Count'"):
        suppress_linked({"by_type": CROSS, "by_ward": BY_WARD},
                        totals={"by_type": ("Total", "Total"), "by_ward": ("Total", None)},
                        links=[("by_ward", "Count", "by_type", "Total")])


@st.composite
def linked_tables(draw):
    table, _, _ = draw(count_tables().filter(lambda case: case[1] and case[2]))
    return table, table[["Total"]].rename(columns={"Total": "Incidents"})


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.filter_too_much])
@given(linked_tables())
def test_no_hidden_cell_follows_from_the_tables_together(case):
    cross, by_ward = case
    totals = {"by_type": ("Total", "Total"), "by_ward": ("Total", None)}
    tables = {"by_type": cross, "by_ward": by_ward}
    try:
        together = suppress_linked(tables, totals=totals, links=LINKS)
    except ValueError as err:
        assert "suppress_zeros=True" in str(err)
        together = suppress_linked(tables, totals=totals, links=LINKS,
                                   rule=SuppressionRule(suppress_zeros=True))
    low = together["by_type"].min_count
    published = {name: (together[name].public_table, *totals[name]) for name in tables}
    assert _recover(published, LINKS, low=low) == []
    for name, frame in tables.items():
        shown = together[name].public_table
        assert (shown == "<5").equals(frame.ge(low) & frame.lt(5))


@pytest.mark.slow
def test_the_public_packs_cctv_tables_give_no_hidden_cell_away(tmp_path):
    # Issue 13: suppressed apart, 156 of the 625 hidden cells of the demo's ward by type
    # table followed exactly from the ward table. Published together, none does.
    from scpb_analysis.blocks.partnership import partnership_tables
    from scpb_analysis.demo.partnership import write_partnership_demo
    from scpb_analysis.sources.partnership import load_partnership_period

    period = load_partnership_period(write_partnership_demo(tmp_path), "Barnet", "2023-05")
    public = partnership_tables(period, audience="public")
    by_ward = public["cctv_by_ward"][1].set_index("ward_name")
    by_type = public["cctv_ward_by_type"][1].set_index("ward_name")
    # Issue 16: the public ward by type table is aggregated (incident groups, small wards
    # combined); a ward in both tables shows the same total in both.
    shared = by_ward.index.intersection(by_type.index)
    assert by_type.size < 25 * 26 and "Grand Total" in shared and len(shared) >= 2
    assert (by_ward.loc[shared, "Number of incidents"] == by_type.loc[shared, "Total"]).all()
    assert "Suppressed together with cctv_by_ward" in public["cctv_ward_by_type"][2][0]
    low = 0 if "Zeros are hidden" in public["cctv_ward_by_type"][2][0] else 1
    links = [("by_ward", "Number of incidents", "by_type", "Total")]
    published = {"by_type": (by_type, "Grand Total", "Total"),
                 "by_ward": (by_ward, "Grand Total", None)}
    assert _recover(published, links, low=low) == []
