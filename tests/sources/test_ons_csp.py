"""ONS Table C2 (police recorded crime by Community Safety Partnership): the real June 2025 file
checked against an independent reading, and planted faults each named by line and column."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from scpb_analysis.core.errors import InputDataError, MissingSourceError
from scpb_analysis.sources.datadir import locate_data, missing_note
from scpb_analysis.sources.ons_csp import CSP_OFFENCES, load_csp_crime
from tests.conftest import SHARED_DATA

C2 = SHARED_DATA / "ons" / "police-recorded-crime-by-csp_ye-2025-06_table-c2.csv"


@pytest.fixture(scope="module")
def c2_file() -> Path:
    if not C2.exists():
        pytest.skip(f"real ONS Table C2 not found at {C2}: these tests read ../shared/data "
                    "beside the repository (or $SCPB_SHARED_DATA)")
    return C2


@pytest.fixture(scope="module")
def crime(c2_file) -> pd.DataFrame:
    return load_csp_crime(c2_file)


def _number(cell: str) -> int | None:
    cell = cell.strip().replace(",", "")
    return None if cell in ("", "[x]") else int(cell)


@pytest.fixture(scope="module")
def independent(c2_file) -> tuple[list[str], list[list[str]]]:
    """The file read with the csv module alone: the header cells and the rows after it."""
    with c2_file.open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    start = next(i for i, r in enumerate(rows) if r and r[0].startswith("Police Force"))
    return [" ".join(c.split()) for c in rows[start]], rows[start + 1:]


def _value(crime: pd.DataFrame, csp_code: str, offence: str) -> int:
    rows = crime[(crime["csp_code"] == csp_code) & (crime["offence"] == offence)]
    assert len(rows) == 1
    return int(rows["count"].iloc[0])


# ---------------------------------------------------------------------------------------------
# The real file


def test_bristol_counts_equal_an_independent_reading(crime, independent):
    header, rows = independent
    bristol = next(r for r in rows if r[2] == "E22000002")
    total = _number(bristol[header.index("Total recorded crime (excluding fraud)")])
    injury = _number(bristol[header.index("Violence with injury")])
    assert (total, injury) == (64_114, 4_764)
    assert _value(crime, "E22000002", "total_recorded_crime") == total
    assert _value(crime, "E22000002", "violence_with_injury") == injury
    row = crime[crime["csp_code"] == "E22000002"].iloc[0]
    assert (row["csp_name"], row["la_code"], row["force_name"]) == (
        "Bristol, City of", "E06000023", "Avon and Somerset")


def test_every_count_equals_the_independent_reading(crime, independent):
    header, rows = independent
    expected = [_number(r[header.index(label)]) for r in rows if any(c.strip() for c in r)
                for label in CSP_OFFENCES.values()]
    got = [None if pd.isna(v) else int(v) for v in crime["count"]]
    assert got == expected
    assert len(crime) == 399 * len(CSP_OFFENCES)


def test_every_force_is_the_sum_of_its_csps_and_unassigned(crime, independent):
    # Independently: forces by name (the file gives two rows another force's code).
    header, rows = independent
    totals: dict[str, list[int]] = {}
    parts: dict[str, list[int]] = {}
    for r in rows:
        name = r[1].split("[")[0].strip()
        counts = [_number(r[header.index(label)]) or 0 for label in CSP_OFFENCES.values()]
        target = totals if not (r[2] or r[3]) else parts
        target[name] = [a + b for a, b in zip(target.get(name, [0] * 23), counts, strict=True)]
    assert set(totals) == set(parts) - {"City of London"}
    for name, total in totals.items():
        assert parts[name] == total, name
    # And in the loaded table, grouped by the force codes it settled on.
    counts = crime.assign(count=crime["count"].fillna(0))
    force = counts[counts["level"] == "force"].set_index(["force_code", "offence"])["count"]
    summed = counts[counts["level"].isin(["csp", "unassigned", "other_area"])].groupby(
        ["force_code", "offence"])["count"].sum()
    assert (summed.reindex(force.index) == force).all()


def test_england_and_wales_is_the_sum_of_the_forces(crime):
    # The June 2025 export has no England and Wales row: the sum of the forces (and the City of
    # London, which has no force row) is the national figure the benchmarks use.
    assert "england_and_wales" not in set(crime["level"])
    total = crime[crime["offence"] == "total_recorded_crime"]
    forces = total[total["level"] == "force"]["count"].sum()
    city = total[total["csp_name"] == "City of London"]["count"].sum()
    assert forces + city == 5_204_149


def test_levels_period_and_the_slips_of_the_file(crime):
    per_row = crime.drop_duplicates("line")
    assert per_row["level"].value_counts().to_dict() == {
        "csp": 314, "force": 42, "unassigned": 42, "other_area": 1}
    assert set(per_row.loc[per_row["level"] == "other_area", "csp_name"]) == {
        "Manchester Airport"}
    assert set(crime["period"]) == {"year ending June 2025"}
    assert set(crime["period_end"]) == {pd.Period("2025-06", "M")}
    assert str(crime["count"].dtype) == "Int64"
    gwent = per_row[per_row["csp_name"] == "Unassigned Gwent"].iloc[0]
    assert gwent["force_code"] == "W15000002"
    assert "W15000003 in the file (South Wales's code)" in gwent["qa_note"]
    surrey = crime[crime["csp_name"] == "unassigned Surrey"]
    assert surrey["count"].isna().all() and (surrey["count_marker"] == "blank").all()
    assert surrey["force_code"].iloc[0] == "E23000031"
    assert "Humberside" in set(per_row["force_name"])
    assert per_row.loc[per_row["force_name"] == "Humberside", "notes"].iloc[0] == "[note 4]"
    combined = per_row[per_row["csp_name"] == "East and Mid Devon"].iloc[0]
    assert pd.isna(combined["la_code"]) and combined["la_name"] == "Combined Local Authorities"
    assert not per_row["force_name"].str.endswith(" ").any()


def test_the_data_folder_knows_the_source(c2_file):
    found = locate_data(SHARED_DATA)
    assert found.has("ons_csp") and found.path("ons_csp") == SHARED_DATA / "ons"
    assert len(load_csp_crime(found.path("ons_csp"))) == len(load_csp_crime(c2_file))
    assert "Table C2" in missing_note("ons_csp")


# ---------------------------------------------------------------------------------------------
# Planted faults


TITLE = ('"Table C2: Number of police recorded crimes for headline offences by Community Safety '
         'Partnership area, England and Wales, year ending June 2025 [note 1]"')
AREA = ['"Police Force\nArea code"', '"Police Force\nArea name"',
        '"Community Safety\nPartnership code"', '"Community Safety\nPartnership name"',
        "Local Authority code", "Local Authority name"]


def _counts(total: int, theft: int = 0) -> list[str]:
    values = dict.fromkeys(CSP_OFFENCES, "0")
    values.update(total_recorded_crime=f'"{total:,} "', theft_offences=str(theft),
                  shoplifting=str(theft), violence_against_the_person=str(total - theft),
                  violence_with_injury=str(total - theft))
    return list(values.values())


def _rows() -> list[list[str]]:
    return [
        ["E23000036", "Avon and Somerset", "", "", "", "", *_counts(1_300, 300)],
        ["E23000036", "Avon and Somerset", "E22000002", '"Bristol, City of"', "E06000023",
         '"Bristol, City of "', *_counts(1_000, 200)],
        ["E23000036", "Avon and Somerset", "E22000003", "North Somerset", "E06000024",
         "North Somerset", *_counts(250, 100)],
        ["E23000036", "Avon and Somerset", "", "Unassigned Avon and Somerset", "", "",
         *_counts(50, 0)],
    ]


def _cell(offence: str) -> int:
    return 6 + list(CSP_OFFENCES).index(offence)


def _table(title: str = TITLE, header: list[str] | None = None,
           rows: list[list[str]] | None = None) -> str:
    header = header or AREA + ['"Total recorded crime\n (excluding fraud)"',
                               *list(CSP_OFFENCES.values())[1:]]
    rows = _rows() if rows is None else rows
    lines = [title, "Some shorthand is used in this table. [x] indicates data are unavailable.",
             "Source: Police recorded crime from the Home Office", ",".join(header)]
    lines += [",".join(r) for r in rows]
    return "\n".join(lines) + "\n"


# The header spans lines 4-9 (five quoted cells hold a line break): data start on line 10.
FORCE_LINE, BRISTOL_LINE, NORTH_SOMERSET_LINE = 10, 11, 12


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "c2.csv"
    path.write_text(text, encoding="utf-8")
    return path


def _error(tmp_path: Path, text: str) -> InputDataError:
    with pytest.raises(InputDataError) as caught:
        load_csp_crime(_write(tmp_path, text))
    return caught.value


def test_the_planted_table_loads(tmp_path):
    crime = load_csp_crime(_write(tmp_path, _table()))
    total = crime[crime["offence"] == "total_recorded_crime"]
    assert total["count"].tolist() == [1_300, 1_000, 250, 50]
    assert total["line"].tolist() == [FORCE_LINE, BRISTOL_LINE, NORTH_SOMERSET_LINE, 13]
    assert total["level"].tolist() == ["force", "csp", "csp", "unassigned"]


@pytest.mark.parametrize("title, problem", [
    (TITLE.replace("year ending June 2025", "latest year"), "does not state one period"),
    ('"Table C3: Number of offences by local authority, year ending June 2025"',
     "is not the ONS police recorded crime by Community Safety Partnership table"),
])
def test_a_changed_title_is_refused(tmp_path, title, problem):
    err = _error(tmp_path, _table(title=title))
    assert problem in err.problem and err.row == 1 and err.column == "A"


def test_the_period_is_read_from_the_title(tmp_path):
    crime = load_csp_crime(_write(tmp_path, _table(
        title=TITLE.replace("year ending June 2025", "year ending March 2024"))))
    assert set(crime["period"]) == {"year ending March 2024"}
    assert set(crime["period_end"]) == {pd.Period("2024-03", "M")}


def test_a_new_offence_column_is_refused(tmp_path):
    header = AREA + list(CSP_OFFENCES.values()) + ["Fraud offences"]
    rows = [r + ["5"] for r in [
        ["E23000036", "Avon and Somerset", "", "", "", "", *_counts(1_000, 200)],
        ["E23000036", "Avon and Somerset", "E22000002", "Bristol", "E06000023", "Bristol",
         *_counts(1_000, 200)]]]
    err = _error(tmp_path, _table(header=header, rows=rows))
    assert err.column == "Fraud offences" and err.row == 4
    assert "is not a Table C2 column" in err.problem and "CSP_OFFENCES" in err.expected


def test_a_missing_offence_column_is_refused(tmp_path):
    header = AREA + list(CSP_OFFENCES.values())[:-1]
    err = _error(tmp_path, _table(header=header, rows=[]))
    assert "Miscellaneous crimes against society" in err.problem and err.row == 4


def test_x_is_missing_not_zero(tmp_path):
    rows = _rows()
    rows[1][_cell("homicide")] = "[x]"
    crime = load_csp_crime(_write(tmp_path, _table(rows=rows)))
    homicide = crime[(crime["csp_code"] == "E22000002") & (crime["offence"] == "homicide")]
    assert homicide["count"].isna().all() and homicide["count_marker"].tolist() == ["[x]"]


def test_a_count_with_misplaced_separators_is_refused(tmp_path):
    text = _table().replace('"1,000 "', '"1,2,34"', 1)
    err = _error(tmp_path, text)
    assert (err.row, err.column) == (BRISTOL_LINE, "Total recorded crime (excluding fraud)")
    assert "'1,2,34' is not a count" in err.problem
    assert "whole number" in err.expected


def test_a_duplicated_csp_is_refused(tmp_path):
    text = _table().replace("E22000003,North Somerset", "E22000002,North Somerset")
    err = _error(tmp_path, text)
    assert (err.row, err.column) == (NORTH_SOMERSET_LINE, "Community Safety Partnership code")
    assert f"first at line {BRISTOL_LINE}" in err.problem


def test_a_csp_row_without_a_force_is_refused(tmp_path):
    text = _table().replace("E23000036,Avon and Somerset,E22000003", ",,E22000003")
    err = _error(tmp_path, text)
    assert (err.row, err.column) == (NORTH_SOMERSET_LINE, "Police Force Area code")
    assert "has no police force" in err.problem


def test_a_force_that_is_not_the_sum_of_its_rows_is_refused(tmp_path):
    rows = _rows()
    rows[0][6:] = _counts(1_301, 300)  # its own groups still add up
    err = _error(tmp_path, _table(rows=rows))
    assert err.row == FORCE_LINE and err.column == "Total recorded crime (excluding fraud)"
    assert "is 1,301 but its 3 CSP, unassigned and other rows" in err.problem
    assert "add up to 1,300" in err.problem


def test_offences_that_do_not_add_up_to_their_group_are_refused(tmp_path):
    rows = _rows()
    rows[1][_cell("shoplifting")] = "201"
    err = _error(tmp_path, _table(rows=rows))
    assert err.row == BRISTOL_LINE and err.column == "Theft offences"
    assert "Theft offences is 200 but its offences add up to 201" in err.problem


def test_no_header_row_is_refused(tmp_path):
    err = _error(tmp_path, TITLE + "\nSource: Home Office\n")
    assert "has no header row" in err.problem


def test_a_folder_without_the_table_is_a_missing_source(tmp_path):
    (tmp_path / "other.csv").write_text("a,b\n1,2\n")
    with pytest.raises(MissingSourceError) as caught:
        load_csp_crime(tmp_path)
    assert caught.value.source == "ons_csp"
