"""Bad input, personal data: planted personal data is refused or reported, never published
or repeated; look-alikes (ranks, codes, wards, streets, incident dates) are published as they
are.

Each case plants one value in one place: ``text`` (a rendered page or table file, scanned by
:func:`refuse_if_pii`), ``table`` (a frame published by :func:`publish_table`), ``header`` (a
frame whose column labels are data, as a file read without its header row gives),
``columns`` (a partnership export with personal columns, for :func:`drop_pii`) or ``file``
(an input file's name, for :func:`scan_file_name`, which decides whether provenance may print
it).
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from bad_input import CORRECT, ERROR, REPORTED, Case, assert_not_repeated, params

from scpb_analysis.pack.publish import publish_table
from scpb_analysis.qa.disclosure import (
    PersonalDataError,
    drop_pii,
    refuse_if_pii,
    scan_file_name,
    scan_outputs,
    scan_text_for_pii,
)


def _case(case_name: str, outcome: str, **data) -> Case:
    return Case("personal_data", case_name, outcome, data)


CASES = [
    # --- planted in rendered text and table files: refused, the value never repeated -------
    _case("name-after-cue-beside-phone", ERROR, where="text", suffix=".txt",
          text="Called by John Smith on 07700 900123 about the noise.",
          secret=["John Smith", "07700 900123", "Smith"], kinds={"name", "phone"}),
    _case("name-after-title-in-html", ERROR, where="text", suffix=".html",
          text="<p>Mrs Okafor reported youths on the estate.</p>", secret=["Okafor"],
          kinds={"name"}),
    _case("name-labelled", ERROR, where="text", suffix=".md",
          text="Incident 14. Name: Jane Doe. Outcome: words of advice.", secret=["Jane Doe"],
          kinds={"name"}),
    _case("caller-labelled", ERROR, where="text", suffix=".txt",
          text="Caller: Priya Shah, concerned about a vehicle.", secret=["Priya Shah"],
          kinds={"name"}),
    _case("ni-number-compact-in-cell", ERROR, where="text", suffix=".csv",
          text="ward,ref\nHendon,AB123456C\n", secret=["AB123456C"], kinds={"ni_number"}),
    _case("ni-number-spaced", ERROR, where="text", suffix=".txt",
          text="Checked NI JG 10 37 29 D with DWP.", secret=["JG 10 37 29 D", "103729"],
          kinds={"ni_number"}),
    _case("dob-labelled-slashes", ERROR, where="text", suffix=".txt",
          text="Subject DOB: 03/03/1985, known to services.", secret=["03/03/1985"],
          kinds={"date_of_birth"}),
    _case("dob-born-in-words", ERROR, where="text", suffix=".html",
          text="<td>born 3 March 1985</td>", secret=["March 1985"], kinds={"date_of_birth"}),
    _case("dob-column-in-csv", ERROR, where="text", suffix=".csv",
          text="Ward,Date of Birth\nHendon,1985-03-03\n", secret=["1985-03-03"],
          kinds={"date_of_birth"}),
    _case("name-column-in-csv", ERROR, where="text", suffix=".csv",
          text="Ward,Victim Name\nBurnt Oak,Kemi Adeyemi\n", secret=["Kemi Adeyemi", "Adeyemi"],
          kinds={"name"}),
    _case("email-as-html-entity", ERROR, where="text", suffix=".html",
          text="<p>Contact jo&#64;example.org</p>", secret=["jo&#64;example.org",
                                                            "jo@example.org"],
          kinds={"email"}),
    _case("phone-international-landline", ERROR, where="text", suffix=".txt",
          text="Ring +44 20 7946 0018 after 6pm.", secret=["7946 0018"], kinds={"phone"}),
    _case("postcode-in-cell", ERROR, where="text", suffix=".csv",
          text="ward,location\nBurnt Oak,NW9 7AA\n", secret=["NW9 7AA"], kinds={"postcode"}),
    _case("name-beside-email", ERROR, where="text", suffix=".md",
          text="Raised with Sarah Jones (sarah.j@example.org) on 4 May.",
          secret=["Sarah Jones", "sarah.j@example.org"], kinds={"name", "email"}),
    _case("name-in-notebook-output", ERROR, where="text", suffix=".ipynb",
          text="Reported by: Mohammed Ali", secret=["Mohammed Ali"], kinds={"name"}),
    _case("phone-in-published-table", ERROR, where="table",
          frame={"ward": ["Hendon", "Edgware"], "contact": ["call 07700 900123", "none"]},
          secret=["07700 900123", "900123"]),
    _case("header-row-is-a-person", ERROR, where="header",
          columns=["Jane Doe", "07700 900123", "Burnt Oak"],
          secret=["Jane Doe", "07700 900123"]),
    # --- personal columns of an export: dropped at load and reported by header ------------
    _case("export-personal-columns", REPORTED, where="columns",
          frame={"Ward": ["Hendon"], "Incident Type": ["ASB"], "Caller Name": ["Jane Doe"],
                 "DOB": ["03/03/1985"], "Contact Tel": ["07700 900123"],
                 "Notes": ["lives at 4 Oak Road"]},
          dropped=["Caller Name", "DOB", "Contact Tel", "Notes"]),
    # --- input file names: found, so provenance does not print them --------------------------
    _case("file-forename-surname", REPORTED, where="file", name="referral_jane_doe_2023.csv",
          secret=["jane", "doe"], kinds=["name"]),
    _case("file-camel-case-name", REPORTED, where="file", name="cctv-log-JohnSmith.csv",
          secret=["John", "Smith"], kinds=["name"]),
    _case("file-title-surname", REPORTED, where="file", name="mr_okafor_notes.docx",
          secret=["okafor"], kinds=["name"]),
    _case("file-dob", REPORTED, where="file", name="client_dob_1985-03-03.csv",
          secret=["1985"], kinds=["date_of_birth"]),
    _case("file-email", REPORTED, where="file", name="jo.bloggs@example.org_log.csv",
          secret=["bloggs", "example"], kinds=["email"]),
    _case("file-ni-number", REPORTED, where="file", name="asb_AB123456C.xlsx",
          secret=["AB123456C", "123456"], kinds=["ni_number"]),
    _case("file-phone", REPORTED, where="file", name="caller_07700-900123.csv",
          secret=["900123"], kinds=["phone"]),
    # --- look-alikes: published unchanged -----------------------------------------------
    _case("mean-rank-long-decimals", CORRECT, where="table",
          frame={"ward_name": ["Burnt Oak", "Colindale North"],
                 "mean_imd_rank": [22794.07605313093, 9120.020794600123]}),
    _case("rates-and-shares-with-zero-decimals", CORRECT, where="table",
          frame={"ward_name": ["Hendon", "Edgware"], "value": [0.07700900123, 1.0207946001],
                 "p_value": [0.0121496, 0.03001234567]}),
    _case("ons-codes", CORRECT, where="text", suffix=".csv",
          text="ward_code,lsoa_code,borough_code\nE05013628,E01000115,E09000003\n"),
    _case("lsoa-names", CORRECT, where="text", suffix=".csv",
          text="lsoa_name,imd_rank\nBarnet 001A,22794\nBarnet 034F,3120\n"),
    _case("ward-names-that-read-as-people", CORRECT, where="table",
          frame={"Ward": ["Burnt Oak", "William Morris", "Isaac Newton", "Mary Tavy"],
                 "Contact": ["07700 900000", "", "", ""]}, allow=["07700 900000"]),
    _case("ward-name-label", CORRECT, where="text", suffix=".html",
          text="<p>Ward Name: Burnt Oak. ward_name: West Hendon</p>"),
    _case("policeuk-streets-named-after-people", CORRECT, where="text", suffix=".csv",
          text="location,crime_type\nOn or near John Archer Way,Burglary\n"
               "On or near Annie Besant Close,Robbery\nOn or near High Street,Other theft\n"),
    _case("incident-dates", CORRECT, where="text", suffix=".txt",
          text="Incident date: 03/03/2023. Period 2023-03-01 to 2023-05-31; 31 May 2023."),
    _case("crime-reference-numbers", CORRECT, where="text", suffix=".txt",
          text="CAD 1234/03MAR23, CRIS 5201234/23, ref 01/2345678/23."),
    _case("ni-look-alikes-with-prefixes-hmrc-never-issues", CORRECT, where="text",
          suffix=".txt", text="Codes BG123456C, GB123456A, QQ123456C, DA123456A, TN123456B."),
    _case("indicator-labels-and-ranks", CORRECT, where="text", suffix=".md",
          text="Violence Against the Person: rank 8 of 32 (Dr = 1.2 per 1,000); Knife Crime "
               "with Injury 128 (-14.7%)."),
    _case("file-names-of-public-data", CORRECT, where="file",
          names=["MPS Ward Level Crime (most recent 24 months).csv",
                 "william_morris_ward_2023.csv", "may_2023_asb_outcomes.csv",
                 "LSOA_(2021)_to_Electoral_Ward_(2024)_to_LAD_(2024)_Best_Fit_Lookup_in_EW.csv",
                 "barnet-burglary-policeuk_2010-12_2025-02.csv"]),
]


def _write(tmp_path: Path, case: Case) -> Path:
    path = tmp_path / f"out{case.data['suffix']}"
    if case.data["suffix"] == ".ipynb":
        notebook = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
            {"cell_type": "code", "source": "print(summary)", "metadata": {},
             "outputs": [{"output_type": "stream", "name": "stdout",
                          "text": [case.data["text"] + "\n"]}]}]}
        path.write_text(json.dumps(notebook), encoding="utf-8")
    else:
        path.write_text(case.data["text"], encoding="utf-8")
    return path


@pytest.mark.parametrize("case", params(CASES))
def test_personal_data(case: Case, tmp_path: Path) -> None:
    data, where = case.data, case.data["where"]
    if where == "text":
        path = _write(tmp_path, case)
        before = path.read_bytes()
        if case.outcome == ERROR:
            with pytest.raises(PersonalDataError) as excinfo:
                refuse_if_pii(path)
            assert {f.kind for f in excinfo.value.findings} == data["kinds"]
            assert_not_repeated(str(excinfo.value), *data["secret"])
        else:
            assert scan_outputs(path) == []
            refuse_if_pii(path)
        assert path.read_bytes() == before
    elif where == "table":
        frame = pd.DataFrame(data["frame"])
        if case.outcome == ERROR:
            with pytest.raises(PersonalDataError) as excinfo:
                publish_table(frame, "t", tmp_path)
            assert_not_repeated(str(excinfo.value), *data["secret"])
            assert not (tmp_path / "tables").exists() or not any(tmp_path.rglob("*.csv"))
        else:
            text = frame.to_csv(index=False, lineterminator="\n")
            # Allowed values (the team's own switchboard) aside, nothing is found.
            assert scan_text_for_pii(text, allow=data.get("allow", ())) == []
            if "allow" not in data:
                publish_table(frame, "t", tmp_path)
                written = next(tmp_path.rglob("t.csv")).read_text(encoding="utf-8")
                assert written == text
    elif where == "header":
        frame = pd.DataFrame([[1, 2, 3]], columns=data["columns"])
        with pytest.raises(PersonalDataError) as excinfo:
            drop_pii(frame)
        assert {f.kind for f in excinfo.value.findings} == {"name", "phone"}
        assert_not_repeated(str(excinfo.value), *data["secret"])
    elif where == "columns":
        frame = pd.DataFrame(data["frame"])
        kept, dropped = drop_pii(frame)
        assert dropped == data["dropped"]
        assert list(kept.columns) == [c for c in frame.columns if c not in data["dropped"]]
        published = kept.to_csv(index=False)
        assert_not_repeated(published, "Jane Doe", "03/03/1985", "07700 900123", "Oak Road")
    elif where == "file":
        if case.outcome == CORRECT:
            assert {n: scan_file_name(n) for n in data["names"]} \
                == {n: [] for n in data["names"]}
        else:
            findings = scan_file_name(Path("exports") / data["name"])
            assert [f.kind for f in findings] == data["kinds"]
            assert_not_repeated(" ".join(map(str, findings)), *data["secret"])
    else:  # pragma: no cover - a case with an unknown place is a mistake in CASES
        raise AssertionError(where)


# --- the scan against a corpus: every planted value found, no real value flagged -----------

PLANTED = {
    "name": ["Called by John Smith", "Mr Okafor", "Dr J. Patel", "Name: Jane Doe",
             "Victim: Kemi Adeyemi", "Spoke to Sarah Jones", "Mrs O'Brien", "MS PATEL"],
    "phone": ["07700 900123", "07700900123", "+44 7700 900123", "020 7946 0018",
              "(020) 7946 0018", "0121 496 0000", "01632 960123", "0300 123 4567"],
    "email": ["jo.bloggs@example.org", "a.b+asb@barnet.gov.uk", "x_y@mail.example.co.uk"],
    "postcode": ["N3 1AA", "EN5 2BY", "NW9 7AA", "SW1A 1AA", "NW96AB", "e17 4qr"],
    "ni_number": ["AB123456C", "AB 12 34 56 C", "JG103729D", "ce 12 34 56 a"],
    "date_of_birth": ["DOB: 03/03/1985", "D.O.B. 3-3-85", "born 3 March 1985",
                      "date of birth 1985-03-03", "Born on 12th Jan 1990", "dob 19850303"],
}
CONTEXTS = ["{}", "Hendon,{},12", "<td>{}</td>", "Seen at Burnt Oak: {}.", '"{}"',
            "| Edgware | {} | 3 |"]


@pytest.mark.parametrize("kind", list(PLANTED))
def test_every_planted_value_is_found_in_every_context(kind):
    missed = [(value, context) for value in PLANTED[kind] for context in CONTEXTS
              if kind not in {f.kind for f in scan_text_for_pii(context.format(value))}]
    assert missed == []


def _real_values() -> list[str]:
    """Every distinct cell of the real public data a pack reads: ward, borough and LSOA
    names and codes (ONS lookups for England and Wales), police.uk locations, crime counts,
    rates, populations and ranks."""
    root = Path(__file__).resolve().parents[3] / "shared" / "data"
    if not root.exists():
        pytest.skip(f"real public data not found at {root}")
    files = [*root.glob("lookups/*.csv"), *root.glob("population/*.csv"),
             *root.glob("ons/*.csv"), *root.glob("policeuk/avon-and-somerset*/**/*.csv"),
             *root.glob("mps/ward/*.csv")]
    values: set[str] = set()
    for path in files:
        with path.open(encoding="utf-8-sig", errors="replace", newline="") as handle:
            for row in csv.reader(handle):
                values.update(row)
    return sorted(values)


@pytest.mark.slow
def test_no_real_value_is_flagged_alone_or_beside_a_phone_number():
    values = _real_values()
    assert len(values) > 100_000
    alone = [v for v in values if scan_text_for_pii(v)]
    assert alone == []
    # Beside other personal data a forename and surname are a name: ward and street names
    # ("William Morris", "On or near John Archer Way") must still not read as people.
    words = [v for v in values if re.search(r"[A-Za-z]{3}", v) and len(v) < 120]
    beside = [v for v in words
              if [f.kind for f in scan_text_for_pii(f"{v}, 07700 900123")] != ["phone"]]
    assert beside == []


def test_numbers_of_every_shape_are_never_phone_numbers():
    # Ranks, rates and shares as pandas writes them: a float's digits after the point often
    # start 0[1237] and run to ten digits (22794.07605313093).
    numbers = [repr(a / b) for a in range(1, 40_000, 7) for b in (3, 7, 13, 0.9, 1e4)]
    numbers += [f"{a / 7:.12f}" for a in range(1, 5_000)]
    numbers += [f"-{n}" for n in numbers[:5_000]]
    assert [n for n in numbers if scan_text_for_pii(n)] == []
