"""The long "MPS Monthly Crime Dashboard" extract, from a fixture built to its documented schema.

No published sample is available here, so the fixture (tests/fixtures/) follows the column list
the London Datastore documents: Month_Year, Area Type, Borough_SNT, Area name, Area code,
Offence Group, Offence Subgroup, Measure, Financial Year, FY_FYIndex, Count, Refresh Date.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from scpb_analysis.blocks.comparison import compare_periods
from scpb_analysis.core.errors import CoverageError, InputDataError
from scpb_analysis.reference.taxonomy import map_category
from scpb_analysis.sources.mps import read_mps_crime

FIXTURE = Path(__file__).parents[1] / "fixtures" / "mps_monthly_crime_dashboard_sample.csv"


def _fixture_rows() -> list[dict[str, str]]:
    with FIXTURE.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_every_fixture_row_lands_in_the_tidy_table():
    load = read_mps_crime(FIXTURE)
    rows = _fixture_rows()
    assert load.files.loc[0, "layout"] == "dashboard"
    assert load.files.loc[0, "rows_read"] == len(rows) == load.files.loc[0, "rows_loaded"]
    assert load.files.loc[0, "vintage"] == "2023-05"
    assert load.files.loc[0, "refresh_date"] == "01/06/2023"
    read = load.table[~load.table["zero_filled"]]
    assert len(read) == len(rows)
    assert load.table["count"].sum() == sum(int(r["Count"]) for r in rows)
    # The extract lists only rows with a count: an area it holds, without a row for a month
    # and measure the indicator has elsewhere, is read as 0 -- never where the file has a row.
    filled = load.table[load.table["zero_filled"]]
    assert len(filled) and (filled["count"] == 0).all()
    published = {(r["Area name"], r["Measure"].lower().replace(" ", "_"),
                  r["Month_Year"][3:5]) for r in rows}
    for row in filled.itertuples(index=False):
        assert row.area_name in {r["Area name"] for r in rows}
        assert (row.area_name, row.measure, row.month.strftime("%m")) not in published or \
            row.indicator not in {map_category(r["Offence Group"], r["Offence Subgroup"])
                                  for r in rows if r["Area name"] == row.area_name
                                  and r["Month_Year"][3:5] == row.month.strftime("%m")
                                  and r["Measure"].lower().replace(" ", "_") == row.measure}


def test_measures_areas_and_categories_are_canonical():
    table = read_mps_crime(FIXTURE).table
    assert sorted(table["measure"].unique()) == ["offences", "positive_outcomes"]
    assert sorted(table["area_type"].unique()) == ["borough", "ward"]
    ward = table[table["area_type"] == "ward"]
    assert set(ward["area_name"]) == {"Burnt Oak"} and set(ward["borough"]) == {"Barnet"}
    assert set(ward["area_code"]) == {"E05013630"}
    assert sorted(table["indicator"].unique()) == [
        "residential_burglary", "robbery_of_personal_property", "violence_with_injury"]
    outcomes = table[(table["measure"] == "positive_outcomes") & (table["borough"] == "Barnet")
                     & (table["indicator"] == "robbery_of_personal_property")]
    expected = {r["Month_Year"]: int(r["Count"]) for r in _fixture_rows()
                if r["Measure"] == "Positive Outcomes"
                and r["Offence Subgroup"] == "Robbery of Personal Property"}
    got = {m.strftime("01/%m/%Y"): c for m, c in zip(outcomes["month"], outcomes["count"],
                                                     strict=True)}
    assert got == expected


def test_months_parse_as_first_of_month_dates():
    months = read_mps_crime(FIXTURE).table["month"]
    assert sorted({str(m) for m in months}) == ["2023-03", "2023-04", "2023-05"]


def test_comparison_refuses_windows_the_extract_does_not_cover():
    table = read_mps_crime(FIXTURE).table
    # Three months (March to May 2023) cannot be compared with the same months a year before.
    with pytest.raises(CoverageError, match="missing months: March 2022 to May 2022$"):
        compare_periods(table, "Barnet", "2023-05")


def test_dashboard_duplicate_is_an_error(tmp_path):
    text = FIXTURE.read_text(encoding="utf-8").splitlines()
    path = tmp_path / "dash.csv"
    path.write_text("\n".join(text + [text[1]]) + "\n", encoding="utf-8")
    with pytest.raises(InputDataError, match=r"row 38: row 38 duplicates row 2 \(same month, area, "
                                             r"offence and measure"):
        read_mps_crime(path)


def test_dashboard_bad_month_is_an_error(tmp_path):
    text = FIXTURE.read_text(encoding="utf-8").splitlines()
    text[3] = text[3].replace("01/03/2023", "Spring 2023", 1)
    path = tmp_path / "dash.csv"
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    with pytest.raises(InputDataError) as err:
        read_mps_crime(path)
    assert str(err.value) == (f"{path}, row 4, column 'Month_Year': 'Spring 2023' is not a month; "
                              "expected a month such as 2023-05, 202305, May 2023 or 01/05/2023")


def test_dashboard_columns_in_another_order_are_accepted(tmp_path):
    frame = pd.read_csv(FIXTURE, dtype=str)
    path = tmp_path / "reordered.csv"
    frame[list(reversed(frame.columns))].to_csv(path, index=False)
    assert read_mps_crime(path).table["count"].sum() == frame["Count"].astype(int).sum()


def test_two_publications_holding_one_cell_count_it_once(tmp_path):
    """The extract and the borough files both give Barnet's residential burglary for March to
    May 2023: the borough file's cells are used, the extract's set aside and reported."""
    from scpb_analysis.demo import write_demo_data

    borough = write_demo_data(tmp_path) / "borough" / "to-202307"
    both = read_mps_crime([borough, FIXTURE])
    keys = ["area_type", "area_code", "indicator", "measure", "month"]
    table = both.table[both.table["area_type"] != "other"]
    assert not table.duplicated(keys).any()
    alone = read_mps_crime(borough).table

    def pick(t: pd.DataFrame) -> pd.DataFrame:
        return t[(t["area_name"] == "Barnet") & (t["indicator"] == "residential_burglary")
                 & (t["measure"] == "offences") & (t["month"] >= pd.Period("2023-03", "M"))
                 & (t["month"] <= pd.Period("2023-05", "M"))]

    assert pick(table)["count"].tolist() == pick(alone)["count"].tolist()
    assert set(pick(table)["publication"]) == {"MPS Borough Level Crime"}
    set_aside = both.accounting[both.accounting["reason"].str.startswith("also published in")]
    assert set(set_aside["file"]) == {FIXTURE.name}
    fixture_offences = [r for r in _fixture_rows() if r["Measure"] == "Offences"
                        and r["Area Type"] == "Borough"]
    assert set_aside["cells"].sum() == len(fixture_offences)
    # The extract's positive outcomes are its own: no borough file has them.
    outcomes = both.table[both.table["measure"] == "positive_outcomes"]
    assert set(outcomes["publication"]) == {"MPS Monthly Crime Dashboard"}
