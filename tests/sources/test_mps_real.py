"""The loader and comparison on the real MPS vintages in ../shared/data (skipped if absent)."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from scpb_analysis.blocks.comparison import compare_periods
from scpb_analysis.reference.taxonomy import map_category
from scpb_analysis.sources.mps import read_mps_crime, revision_summary

# Every real MPS vintage read whole: run with `pytest -m slow` (CI runs it).
pytestmark = pytest.mark.slow

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


@pytest.mark.parametrize("indicator", sorted(RAW_CATEGORIES))
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
    assert set(barnet.loc[~barnet["used"], "kind"]) == {"coding change", "restatement"}
    # The 2024-coded vintage to April 2024 restates; the 2019-coded ones differ by coding.
    assert dict(zip(barnet["vintage"], barnet["kind"], strict=True)) == {
        "2023-07": "coding change", "2024-01": "coding change", "2024-04": "restatement",
        "2025-02": "restatement"}
    summary = revision_summary(rev)
    res = summary[(summary["level"] == "borough")
                  & (summary["indicator"] == "residential_burglary")]
    # History re-coded in 2024 differs by up to about 3%, and must be visible.
    coding = res[res["kind"] == "coding change"]
    assert coding["pct_difference"].abs().max() == pytest.approx(3.2, abs=0.5)
    assert (coding["pct_difference"].abs() > 0).all()
    # Within one coding the restatements are small, and recomputed here from the rows.
    for row in res[res["kind"] == "restatement"].itertuples(index=False):
        mine = rev[(rev["level"] == "borough") & (rev["indicator"] == "residential_burglary")
                   & (rev["vintage"] == row.vintage) & (rev["kind"] == "restatement")
                   & ~rev["used"]]
        assert row.total_replaced == mine["count"].sum()
        assert row.total_used == mine["count_used"].sum()
        assert abs(row.pct_difference) < 1


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


# --- Statistics on the real to-202307 vintage ---------------------------------------------


@pytest.fixture(scope="module")
def every_borough_comparison(to_202307):
    from scpb_analysis.reference.geography import london_boroughs

    return {
        b: compare_periods(to_202307.table, b, "2023-05", breaks=to_202307.breaks)
        for b in london_boroughs()["borough"]
    }


def _three_month_pct(path: Path, minors: set[str]) -> dict[str, float]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    out = {}
    for borough in {r["LookUp_BoroughName"] for r in rows}:
        cur = sum(int(r[m]) for r in rows for m in ("202303", "202304", "202305")
                  if r["LookUp_BoroughName"] == borough and r["MinorText"] in minors)
        prev = sum(int(r[m]) for r in rows for m in ("202203", "202204", "202205")
                   if r["LookUp_BoroughName"] == borough and r["MinorText"] in minors)
        out[borough] = (cur - prev) / prev * 100 if prev else float("inf")
    return out


@pytest.mark.parametrize("indicator", sorted(RAW_CATEGORIES))
def test_ranks_agree_with_an_independent_recount(every_borough_comparison, mps_borough_dir,
                                                 indicator):
    from scpb_analysis.reference.geography import london_boroughs

    recent = next((mps_borough_dir / "to-202307").glob("*most recent 24 months*"))
    pct = _three_month_pct(recent, RAW_CATEGORIES[indicator])
    boroughs = london_boroughs()
    pct = {b: pct[b] for b in boroughs["borough"]}  # the 32 boroughs only
    for borough, cmp in every_borough_comparison.items():
        row = cmp.set_index("indicator").loc[indicator]
        mine = pct[borough]
        expected = 1 + sum(v < mine - 1e-9 for v in pct.values())
        assert row["peer_rank"] == expected, borough
        assert row["peer_n"] == 32 and row["peers"] == "London boroughs"
        bcu = boroughs.set_index("borough").loc[borough, "bcu_code"]
        peers = boroughs.loc[boroughs["bcu_code"] == bcu, "borough"]
        assert row["bcu_rank"] == 1 + sum(pct[p] < mine - 1e-9 for p in peers), borough
        assert row["bcu_n"] == len(peers)
    barnet = every_borough_comparison["Barnet"].set_index("indicator").loc[indicator]
    assert barnet["bcu"] == "North West"
    assert "March 2023 to May 2023 vs March 2022 to May 2022" in barnet["rank_basis"]
    assert barnet["rag_rule"].startswith("Significant change first")


def test_rate_ranks_use_the_documented_population(to_202307, mps_borough_dir):
    from scpb_analysis.stats.ranking import rank_boroughs

    population = _census_population_by_borough()
    ranked = rank_boroughs(to_202307.table, "violence_with_injury", "2023-05", basis="rate_12m")
    recent = next((mps_borough_dir / "to-202307").glob("*most recent 24 months*"))
    rates = {}
    for borough in ranked["borough"]:
        n = _recount(recent, borough, {"Violence with Injury"}, _months("2022-06", "2023-05"))
        rates[borough] = n / population[borough] * 1000
    got = ranked.set_index("borough")
    for borough, rate in rates.items():
        assert got.loc[borough, "value"] == pytest.approx(rate, rel=1e-12)
        assert got.loc[borough, "london_rank"] == 1 + sum(r < rate for r in rates.values())
    assert got.loc["Barnet", "population"] == population["Barnet"]


def _census_population_by_borough() -> dict[str, int]:
    """Census 2021 TS007A LSOA totals summed to boroughs via the ONS best-fit lookup."""
    from conftest import SHARED_DATA

    census = SHARED_DATA / "population" / "census2021-ts007a-lsoa.csv"
    lookup = next((SHARED_DATA / "lookups").glob("LSOA_(2021)_to_Electoral_Ward_(2024)*.csv"))
    with lookup.open(newline="", encoding="utf-8-sig") as handle:
        lad = {r["LSOA21CD"]: r["LAD24NM"] for r in csv.DictReader(handle)}
    totals: dict[str, int] = {}
    with census.open(newline="", encoding="utf-8-sig") as handle:
        for r in csv.DictReader(handle):
            name = lad.get(r["geography code"])
            if name:
                totals[name] = totals.get(name, 0) + int(r["Age: Total"])
    return totals


def test_every_narrative_passes_the_checker(every_borough_comparison):
    from scpb_analysis.text.narrative import check_narrative

    checked = 0
    for cmp in every_borough_comparison.values():
        for row in cmp.to_dict("records"):
            if pd.isna(row["n_12m"]):
                assert "not in this data" in row["narrative"]
                continue
            assert check_narrative(row["narrative"], row) == [], row["narrative"]
            checked += 1
    assert checked >= 32 * 25


def test_the_checker_catches_the_seed_errors():
    from scpb_analysis.text.narrative import check_narrative

    row = {"n_12m": 2310, "n_12m_prev": 2302, "n_3m": 587, "n_3m_prev": 608}
    # Seed 003: a 7% decrease printed as an increase; seed 000: "a decrease of 0%" from 0 to 3.
    wrong = ("There were 2310 cases of X in Barnet in the 12 months up to May 2023. In the 12 "
             "months prior there were 2302. This is an increase of 0.3%. There were 587 cases "
             "of X in Barnet in the 3 months of March 2023 to May 2023. In the same period 12 "
             "months prior there were 608. This is an increase of 3.5%.")
    assert check_narrative(wrong, row) == [
        "3-month change: says an increase of 3.5%, counts 587 vs 608 give a decrease"]
    assert check_narrative(wrong.replace("2302", "2301"), row)[0] == (
        "12-month earlier count: says 2301, data give 2302")


def test_2008_drug_categories_are_stated_with_the_grouping_and_its_evidence(mps_borough_dir):
    """'Other Drugs' (2008 coding, to 2016) is grouped with possession; the registry says so
    with the evidence, recomputed here from the files."""
    from scpb_analysis.reference.indicators import indicator_info

    def totals(path: Path, minor_col: str, year: str) -> dict[str, int]:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
        months = [m for m in rows[0] if m.startswith(year) and m.isdigit()]
        out: dict[str, int] = {}
        for row in rows:
            out[row[minor_col]] = out.get(row[minor_col], 0) + sum(int(row[m]) for m in months)
        return out

    old = next((mps_borough_dir / "to-201612").glob("*.csv"))
    new = next((mps_borough_dir / "to-202307").glob("*Historical*"))
    o11, n11 = totals(old, "Minor Category", "2011"), totals(new, "MinorText", "2011")
    o14, n14 = totals(old, "Minor Category", "2014"), totals(new, "MinorText", "2014")
    possession, other = o11["Possession Of Drugs"], o11["Other Drugs"]
    trafficking = o11["Drug Trafficking"]
    # Possession + other drugs is nearer the MPS restatement than possession alone; trafficking
    # alone is nearer than trafficking + other drugs.
    assert abs(possession + other - n11["Possession of Drugs"]) < abs(
        possession - n11["Possession of Drugs"])
    assert abs(trafficking - n11["Drug Trafficking"]) < abs(
        trafficking + other - n11["Drug Trafficking"])
    assert map_category("Drugs", "Other Drugs") == "possession_of_drugs"
    for indicator in ("possession_of_drugs", "drug_trafficking", "drug_offences"):
        text = indicator_info(indicator)["definition_changes"]
        assert "'Other Drugs'" in text and "2008 coding" in text
        for number in (possession + other, n11["Possession of Drugs"], trafficking,
                       n11["Drug Trafficking"], trafficking + other,
                       o14["Possession Of Drugs"] + o14["Other Drugs"],
                       n14["Possession of Drugs"]):
            assert f"{number:,}" in text


def test_registry_states_the_home_office_2023_decisions():
    from scpb_analysis.reference.indicators import indicator_info
    from scpb_analysis.reference.taxonomy import definitions_table

    assert map_category("VIOLENCE AGAINST THE PERSON", "STALKING AND HARASSMENT") == \
        "stalking_and_harassment"
    assert map_category("VIOLENCE AGAINST THE PERSON", "DEATH SERIOUS INJURY ILLEGAL DRIVING") \
        == "violence_with_injury"
    vwoi = indicator_info("violence_without_injury")["definition_changes"]
    assert "2026-02" in vwoi and "stalking and harassment" in vwoi and "series break" in vwoi
    assert "DEATH SERIOUS INJURY ILLEGAL DRIVING" in indicator_info(
        "violence_with_injury")["definition_changes"]
    assert "RES BURGLARY OF A HOME" in indicator_info(
        "residential_burglary")["definition_changes"]
    defs = definitions_table()
    assert defs[["scheme", "indicator"]].values.tolist() == [
        ["home_office_2023", "violence_without_injury"]]
