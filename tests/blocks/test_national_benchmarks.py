"""The dashboard's comparison with England and Wales, from the ONS table in the data."""

from __future__ import annotations

import csv

import pytest
from conftest import SHARED_DATA, _require

from scpb_analysis.blocks.dashboard import national_benchmarks


@pytest.fixture(scope="module")
def data():
    _require(SHARED_DATA / "ons")
    from scpb_analysis.pack.data import open_pack_data

    return open_pack_data(SHARED_DATA, "Barnet", "2025-06")


def _published(csp: str, column: str) -> int:
    """The count as printed in the ONS CSV, read with the csv module."""
    path = next((SHARED_DATA / "ons").glob("*table-c2*.csv"))
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    header = next(r for r in rows if r and r[0].startswith("Police Force"))
    row = next(r for r in rows if len(r) > 3 and r[3].strip() == csp)
    return int(row[header.index(column)].replace(",", "").strip())


def test_barnet_against_england_and_wales_in_the_tables_year(data):
    table, text = national_benchmarks(data.csp_crime(), data.la_population(), "Barnet",
                                      "2025-06")
    robbery = table.set_index("offence_name").loc["Robbery"]
    assert robbery["count"] == _published("Barnet", "Robbery")
    assert robbery["force_name"] == "Metropolitan Police"
    assert robbery["lower"] < robbery["rate"] < robbery["upper"]
    assert set(table["vs_england_and_wales"]) <= {"Better", "Similar", "Worse",
                                                  "Not compared"}
    assert "Barnet" in text and "year ending June 2025" in text


def test_another_year_is_not_compared(data):
    table, text = national_benchmarks(data.csp_crime(), data.la_population(), "Barnet",
                                      "2024-01")
    assert table is None
    assert "year ending June 2025" in text and "January 2024" in text
