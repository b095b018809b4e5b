"""The loader and comparison on the real MPS vintages in ../shared/data (skipped if absent)."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from scpb_analysis.comparison import DASHBOARD_INDICATORS, compare_periods
from scpb_analysis.sources.mps import read_mps_crime, revision_summary
from scpb_analysis.taxonomy import map_category

# The raw minor categories behind each dashboard indicator in the title-case vintages, used for
# an independent recount with the csv module.
RAW_CATEGORIES = {
    "residential_burglary": {"Domestic Burglary", "Burglary - Residential"},
    "non_residential_burglary": {"Burglary Business and Community",
                                 "Burglary - Business and Community"},
    "robbery_of_personal_property": {"Robbery of Personal Property"},
    "violence_with_injury": {"Violence with Injury"},
}


def _recount(path: Path, borough: str, minors: set[str], months: list[str]) -> int:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return sum(
            int(row[m])
            for row in csv.DictReader(handle)
            if row["LookUp_BoroughName"] == borough and row["MinorText"] in minors
            for m in months
        )


def _months(first: str, last: str) -> list[str]:
    return [p.strftime("%Y%m") for p in pd.period_range(first, last, freq="M")]


@pytest.fixture(scope="module")
def to_202307(mps_borough_dir):
    return read_mps_crime(mps_borough_dir / "to-202307")


def test_acceptance_residential_burglary_barnet_may_2023(to_202307):
    cmp = compare_periods(to_202307.table, "Barnet", "2023-05", breaks=to_202307.breaks)
    row = cmp.set_index("indicator").loc["residential_burglary"]
    assert (row.n_12m, row.n_12m_prev, row.pct_change_12m, row.direction_12m) == (
        1951, 1848, "+5.6", "increase")
    assert (row.n_3m, row.n_3m_prev, row.pct_change_3m, row.direction_3m) == (
        479, 464, "+3.2", "increase")
    assert row.window_3m == "March 2023 to May 2023"
    assert row.notes == ""


@pytest.mark.parametrize("indicator", DASHBOARD_INDICATORS)
def test_dashboard_indicators_match_an_independent_recount(to_202307, mps_borough_dir,
                                                           indicator):
    recent = next((mps_borough_dir / "to-202307").glob("*most recent 24 months*"))
    minors = RAW_CATEGORIES[indicator]
    expected = {
        "n_12m": _recount(recent, "Barnet", minors, _months("2022-06", "2023-05")),
        "n_12m_prev": _recount(recent, "Barnet", minors, _months("2021-08", "2022-05")),
        "n_3m": _recount(recent, "Barnet", minors, _months("2023-03", "2023-05")),
        "n_3m_prev": _recount(recent, "Barnet", minors, _months("2022-03", "2022-05")),
    }
    historical = next((mps_borough_dir / "to-202307").glob("*Historical*"))
    expected["n_12m_prev"] += _recount(historical, "Barnet", minors,
                                       _months("2021-06", "2021-07"))
    row = compare_periods(to_202307.table, "Barnet", "2023-05",
                          indicators=[indicator]).iloc[0]
    assert {k: int(row[k]) for k in expected} == expected
    for span in ("12m", "3m"):
        cur, prev = expected[f"n_{span}"], expected[f"n_{span}_prev"]
        pct = round((cur - prev) / prev * 100 + 1e-9, 1)
        assert float(row[f"pct_change_{span}"]) == pytest.approx(pct, abs=0.05)
        word = "increase" if cur > prev else "decrease" if cur < prev else "no change"
        assert row[f"direction_{span}"] == word


def test_every_category_in_every_real_vintage_is_mapped(all_borough_vintages,
                                                        all_ward_vintages):
    assert all_borough_vintages.unmapped.empty
    assert all_ward_vintages.unmapped.empty


def test_all_vintages_give_one_series_per_category(all_borough_vintages):
    table = all_borough_vintages.table
    keys = ["area_type", "area_code", "area_name", "borough", "indicator", "measure", "month"]
    assert not table.duplicated(keys).any(), "a month is counted twice"
    boroughs = table[table["area_type"] == "borough"]
    assert boroughs["borough"].nunique() == 32
    # Each month comes from exactly one file.
    assert (boroughs.groupby("month")["source_file"].nunique() == 1).all()
    months = pd.period_range("2008-01", "2025-02", freq="M")
    assert sorted(boroughs["month"].unique()) == list(months)
    # The newest publication (to-202502) supplies everything from April 2010.
    late = boroughs[boroughs["month"] >= pd.Period("2010-04", "M")]
    assert set(late["vintage"].astype(str)) == {"2025-02"}


def test_all_vintages_report_breaks(all_borough_vintages):
    breaks = all_borough_vintages.breaks
    borough = breaks[breaks["level"] == "borough"]
    found = {(str(m), k) for m, k in zip(borough["month"], borough["kind"], strict=True)}
    assert ("2010-04", "coding change") in found
    assert ("2024-02", "recording system change") in found
    cmp = compare_periods(all_borough_vintages.table, "Barnet", "2024-05",
                          breaks=all_borough_vintages.breaks,
                          indicators=["residential_burglary"])
    assert "series break February 2024 (recording system change)" in cmp.loc[0, "notes"]


def test_revisions_are_visible(all_borough_vintages, mps_borough_dir):
    rev = all_borough_vintages.revisions
    barnet = rev[(rev["area_name"] == "Barnet") & (rev["indicator"] == "residential_burglary")
                 & (rev["month"] == pd.Period("2023-05", "M"))]
    by_vintage = dict(zip(barnet["vintage"], barnet["count"], strict=True))
    # Independent look-up in the raw files.
    recent = next((mps_borough_dir / "to-202307").glob("*most recent 24 months*"))
    assert by_vintage["2023-07"] == _recount(recent, "Barnet", {"Domestic Burglary"}, ["202305"])
    assert set(by_vintage) == {"2023-07", "2024-01", "2024-04", "2025-02"}
    used = barnet[barnet["used"]]
    assert used["vintage"].tolist() == ["2025-02"]
    summary = revision_summary(rev)
    res = summary[(summary["level"] == "borough")
                  & (summary["indicator"] == "residential_burglary")]
    # History restated by up to about 3% is normal, and must be visible.
    assert res["pct_difference"].abs().max() == pytest.approx(3.2, abs=0.5)
    assert (res["pct_difference"].abs() > 0).all()


def test_row_accounting_adds_up(all_borough_vintages):
    files = all_borough_vintages.files
    assert (files["rows_read"] == files["rows_loaded"] + files["rows_set_aside"]).all()
    acc = all_borough_vintages.accounting
    for name, part in acc.groupby("file"):
        read = int(files.loc[files["file"] == name, "rows_read"].iloc[0])
        assert part["rows"].sum() == read


def test_non_borough_rows_are_accounted_not_ranked(all_borough_vintages):
    table = all_borough_vintages.table
    other = table[table["area_type"] == "other"]
    assert set(other["area_name"]) == {"London Heathrow and London City Airports", "Unknown"}
    assert other["area_code"].eq("").all()


def test_ward_vintages_change_boundaries_in_2022(all_ward_vintages):
    load = all_ward_vintages
    barnet = load.table[(load.table["borough"] == "Barnet")]
    wards_per_month = barnet.groupby("month")["area_code"].nunique()
    assert wards_per_month[pd.Period("2021-06", "M")] == 21
    assert wards_per_month[pd.Period("2023-06", "M")] == 24
    kinds = set(load.breaks["kind"])
    assert "boundary change" in kinds
    so18 = load.table[load.table["borough"] == "Aviation Security (SO18)"]
    assert set(so18["area_type"]) == {"other"}


def test_taxonomy_maps_the_2024_split_of_burglary(mps_borough_dir):
    path = next((mps_borough_dir / "to-202502").glob("*most recent 24 months*"))
    with path.open(newline="", encoding="utf-8") as handle:
        pairs = {(r["MajorText"], r["MinorText"]) for r in csv.DictReader(handle)}
    dwelling = [p for p in pairs if p[1] in {"BURGLARY IN A DWELLING", "BURGLARY - RESIDENTIAL"}]
    assert len(dwelling) == 2
    assert {map_category(*p) for p in dwelling} == {"residential_burglary"}
    load = read_mps_crime(path)
    feb = load.table[(load.table["borough"] == "Barnet")
                     & (load.table["indicator"] == "residential_burglary")
                     & (load.table["month"] == pd.Period("2024-02", "M"))]
    with path.open(newline="", encoding="utf-8") as handle:
        raw = sum(int(r["202402"]) for r in csv.DictReader(handle)
                  if r["BoroughName"] == "Barnet" and r["MinorText"] in
                  {"BURGLARY IN A DWELLING", "BURGLARY - RESIDENTIAL"})
    assert feb["count"].tolist() == [raw]
