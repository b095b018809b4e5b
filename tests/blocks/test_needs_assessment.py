"""Serious Violence Duty needs assessment blocks, checked against the real public files."""

from __future__ import annotations

import csv
import math
import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import SHARED_DATA

from scpb_analysis.blocks.needs_assessment import (
    NEEDS_COLUMNS,
    NEEDS_DOMAINS,
    NEEDS_INDICATORS,
    check_needs_table,
    definitions_appendix,
    deprivation_rates,
    loglinear_trend,
    risk_factor_table,
    scope_text,
    violence_trend,
)
from scpb_analysis.reference.geography import london_boroughs
from scpb_analysis.reference.indicators import how_measured

VINTAGE = SHARED_DATA / "mps" / "borough" / "to-202307"
RECENT = VINTAGE / "MPS Borough Level Crime (most recent 24 months)_202108-202307.csv"
HISTORICAL = VINTAGE / "MPS Borough Level Crime (Historical)_201004-202107.csv"
TS007A = SHARED_DATA / "population" / "census2021-ts007a-lsoa.csv"
PROFILES = SHARED_DATA / "population" / "ward-profiles-excel-version_wards2014_GLA.csv"
WARD_2022 = SHARED_DATA / "mps" / "ward"
NA = re.compile(r"^not available — needs \S.* from \S.*$")


def _need(*paths: Path) -> None:
    for path in paths:
        if not path.exists():
            pytest.skip(f"real public data not found at {path}: these tests read "
                        "../shared/data beside the repository (or $SCPB_SHARED_DATA)")


def _half_up(value: float, decimals: int) -> float:
    step = Decimal(1).scaleb(-decimals)
    return float(Decimal(repr(float(value))).quantize(step, rounding=ROUND_HALF_UP))


def _raw_counts(path: Path, minor: str, months: list[str]) -> dict[str, int]:
    """Offences by borough over the months, straight from a wide MPS CSV."""
    out: dict[str, int] = {}
    with path.open(newline="", encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle):
            if row["MinorText"].strip() != minor:
                continue
            name = row["LookUp_BoroughName"].strip()
            out[name] = out.get(name, 0) + sum(int(float(row[m])) for m in months if m in row)
    return out


def _yyyymm(first: str, last: str) -> list[str]:
    return [p.strftime("%Y%m") for p in pd.period_range(first, last, freq="M")]


def _census() -> dict[str, dict[str, int]]:
    """Census 2021 TS007A summed by LSOA-name borough: total and 10-24, under-25 residents."""
    out: dict[str, dict[str, int]] = {}
    with TS007A.open(newline="", encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle):
            name = re.sub(r" \d{3}[A-Z]$", "", row["geography"].strip())
            acc = out.setdefault(name, {"total": 0, "10_24": 0, "under_25": 0})
            acc["total"] += int(row["Age: Total"])
            young = [int(row[f"Age: Aged {b} years"]) for b in
                     ("10 to 14", "15 to 19", "20 to 24")]
            acc["10_24"] += sum(young)
            acc["under_25"] += (sum(young) + int(row["Age: Aged 4 years and under"])
                                + int(row["Age: Aged 5 to 9 years"]))
    return out


def _risk(folder, period_end, crime=None):
    """The risk-factor table from what a folder holds, as the needs-assessment page reads it."""
    from scpb_analysis.pack.data import open_pack_data

    data = open_pack_data(folder, "Barnet", period_end, cache_dir=None)
    return risk_factor_table("Barnet", period_end,
                             crime=data.optional("borough_crime") if crime is None else crime,
                             lsoa_population=data.optional("lsoa_population"),
                             imd=data.optional("imd"),
                             ward_profiles=data.optional("ward_profiles_file"))


@pytest.fixture(scope="module")
def real_crime():
    _need(VINTAGE)
    from scpb_analysis.sources.mps import load_mps_crime

    return load_mps_crime(VINTAGE)


@pytest.fixture(scope="module")
def real_table(real_crime):
    _need(TS007A, PROFILES)
    return _risk(SHARED_DATA, "2023-05", crime=real_crime)


def _value(table: pd.DataFrame, measure_start: str, column: str = "borough_value"):
    rows = table[table["measure"] == measure_start]
    if rows.empty:
        rows = table[table["measure"].str.startswith(measure_start)]
    assert len(rows) == 1, measure_start
    return rows[column].iloc[0]


# ---------------------------------------------------------------------------------------------
# Risk-factor table on the real data


def test_real_table_shape_and_clean(real_table):
    assert real_table.columns.tolist() == NEEDS_COLUMNS
    assert check_needs_table(real_table) == []
    domains = list(dict.fromkeys(real_table["domain"]))
    assert domains == list(NEEDS_DOMAINS)
    assert set(real_table["status"]) == {"computed", "not available"}
    for _, row in real_table.iterrows():
        for column in ("borough_value", "comparator_value"):
            value = row[column]
            assert (isinstance(value, str) and NA.match(value)) or (
                not isinstance(value, str) and math.isfinite(float(value))), (row, column)
        assert "TBD" not in str(row.to_dict())


def test_violence_with_injury_count_and_rates_match_raw_csv(real_table):
    _need(RECENT, HISTORICAL, TS007A)
    current = _raw_counts(RECENT, "Violence with Injury", _yyyymm("2022-06", "2023-05"))
    previous = _raw_counts(RECENT, "Violence with Injury", _yyyymm("2021-08", "2022-05"))
    early = _raw_counts(HISTORICAL, "Violence with Injury", _yyyymm("2021-06", "2021-07"))
    assert _value(real_table, "Violence with injury: offences") == current["Barnet"]
    assert (_value(real_table, "Violence with injury: offences", "comparator_value")
            == previous["Barnet"] + early["Barnet"])

    census = _census()
    london = london_boroughs()["borough"].tolist()
    barnet_rate = current["Barnet"] / census["Barnet"]["total"] * 1000
    london_rate = (sum(current[b] for b in london)
                   / sum(census[b]["total"] for b in london) * 1000)
    measure = "Violence with injury: offences per 1,000"
    assert _value(real_table, measure) == _half_up(barnet_rate, 2)
    assert _value(real_table, measure, "comparator_value") == _half_up(london_rate, 2)
    assert census["Barnet"]["total"] == 389_365


def test_sexual_offences_rate_matches_raw_csv(real_table):
    _need(RECENT, TS007A)
    months = _yyyymm("2022-06", "2023-05")
    rape = _raw_counts(RECENT, "Rape", months)
    other = _raw_counts(RECENT, "Other Sexual Offences", months)
    census = _census()
    expected = (rape["Barnet"] + other["Barnet"]) / census["Barnet"]["total"] * 1000
    assert _value(real_table, "Sexual offences") == _half_up(expected, 2)


def test_age_shares_match_ts007a(real_table):
    _need(TS007A)
    census = _census()
    london = london_boroughs()["borough"].tolist()
    for measure, key in (("Residents aged 10 to 24", "10_24"),
                         ("Residents aged under 25", "under_25")):
        barnet = census["Barnet"][key] / census["Barnet"]["total"] * 100
        lon = (sum(census[b][key] for b in london) / sum(census[b]["total"] for b in london)
               * 100)
        assert _value(real_table, measure) == _half_up(barnet, 1)
        assert _value(real_table, measure, "comparator_value") == _half_up(lon, 1)


def test_ward_profile_rows_match_the_gla_file(real_table):
    _need(PROFILES)
    with PROFILES.open(newline="", encoding="cp1252") as handle:
        rows = {r["Ward name"]: r for r in csv.DictReader(handle)
                if r["Ward name"] in ("Barnet", "London")}
    checks = {
        "Dependent children (0-18) in out-of-work households":
            "% dependent children (0-18) in out-of-work households - 2014",
        "Employment rate, ages 16-64": "Employment rate (16-64) - 2011",
        "Average GCSE capped point score": "Average GCSE capped point scores - 2014",
        "Male life expectancy at birth": "Male life expectancy -2009-13",
    }
    for measure, column in checks.items():
        assert _value(real_table, measure) == float(rows["Barnet"][column])
        assert _value(real_table, measure, "comparator_value") == float(rows["London"][column])
        period = _value(real_table, measure, "period")
        assert "old vintage" in period and re.search(r"20\d\d", period)


def test_neighbourhood_share_close_to_published_deciles(real_table):
    from scpb_analysis.sources.deprivation import load_imd

    imd = load_imd(SHARED_DATA)  # published deciles on 2011 LSOAs: 1-2 = most deprived fifth
    barnet = imd[imd["lad_name"] == "Barnet"]
    published = (barnet["imd_decile"] <= 2).mean() * 100
    value = _value(real_table, "LSOAs in England's most deprived fifth")
    assert abs(value - published) < 1.5
    assert value < _value(real_table, "LSOAs in England's most deprived fifth",
                          "comparator_value")


def test_not_available_rows_name_dataset_and_owner(real_table):
    expected = {
        "Sex of victims": "not available — needs victim and suspect age/sex extract from the "
                          "MPS",
        "Residents and young people with a positive perception of violence":
            "not available — needs MOPAC Public Attitude Survey from MOPAC",
        "Under-18 conceptions": "not available — needs teenage conception rates from ONS/OHID",
    }
    for measure, text in expected.items():
        assert _value(real_table, measure) == text
        assert _value(real_table, measure, "status") == "not available"


# ---------------------------------------------------------------------------------------------
# Folders holding only some of the data


def test_folder_with_only_mps_crime(tmp_path):
    _need(VINTAGE)
    folder = tmp_path / "mps" / "borough" / "to-202307"
    folder.mkdir(parents=True)
    for path in VINTAGE.glob("*.csv"):  # links to the files (folder links are not searched)
        (folder / path.name).symlink_to(path)
    table = _risk(tmp_path, "2023-05")
    assert check_needs_table(table) == []
    serious = table[table["domain"] == "Serious violence"]
    assert (serious["status"] == "computed").sum() == 5
    assert "Census 2021 age by LSOA" in _value(table, "Residents aged 10 to 24")
    assert "English Indices of Deprivation 2019" in _value(
        table, "LSOAs in England's most deprived fifth")
    assert "GLA ward profiles" in _value(table, "Employment rate")
    computed = table[table["status"] == "computed"]
    assert set(computed["domain"]) == {"Serious violence"}


def test_demo_folder(demo_dir):
    # The demo may gain synthetic population or IMD files; only the MPS files are relied on.
    table = _risk(demo_dir.parent, "2023-05")
    assert check_needs_table(table) == []
    assert list(dict.fromkeys(table["domain"])) == list(NEEDS_DOMAINS)
    first = table.iloc[0]
    assert first["status"] == "computed" and "SYNTHETIC" in first["source"]


def test_empty_folder_gives_only_not_available(tmp_path):
    table = _risk(tmp_path, "2023-05")
    assert check_needs_table(table) == []
    assert set(table["status"]) == {"not available"}
    assert _value(table, "Violence with injury: offences") == (
        "not available — needs MPS Borough Level Crime (London Datastore) from the MPS")


def test_crime_not_covering_the_window(real_crime, tmp_path):
    table = _risk(tmp_path, "2023-12", crime=real_crime)
    assert check_needs_table(table) == []
    value = _value(table, "Violence with injury: offences")
    assert value.startswith("not available — needs MPS Borough Level Crime") and "2023" in value


# ---------------------------------------------------------------------------------------------
# check_needs_table


def test_check_catches_tbd_blank_and_status_mismatch(demo_dir):
    table = _risk(demo_dir.parent, "2023-05")
    bad = table.copy()
    young = bad.index[bad["domain"] == "Young mothers"][0]
    perception = bad.index[bad["domain"] == "Perception of violence"][0]
    bad.loc[young, "borough_value"] = "TBD"
    bad.loc[perception, "comparator_value"] = ""
    bad.loc[0, "borough_value"] = None
    bad.loc[1, "comparator_value"] = float("nan")
    bad.loc[2, "status"] = "not available"  # a number in a row marked not available
    bad.loc[3, "borough_value"] = "not available"  # no dataset named
    problems = check_needs_table(bad)
    assert any("'TBD'" in p and "Young mothers" in p for p in problems)
    assert any("comparator_value ''" in p and "Perception" in p for p in problems)
    assert any(p.startswith("row 0 ") and "None" in p for p in problems)
    assert any(p.startswith("row 1 ") and "nan" in p for p in problems)
    assert any(p.startswith("row 2 ") and "status is 'not available'" in p for p in problems)
    assert any(p.startswith("row 3 ") for p in problems)
    assert check_needs_table(table.drop(columns="status")) == ["table has no column(s) status"]


def test_check_accepts_formatted_numbers():
    row = {"domain": "Age", "measure": "m", "borough_value": "2,121",
           "comparator": "London", "comparator_value": "14.5%", "unit": "", "period": "",
           "source": "", "status": "computed"}
    assert check_needs_table(pd.DataFrame([row])) == []


# ---------------------------------------------------------------------------------------------
# Trend


def test_violence_trend_matches_raw_csv(real_crime):
    _need(RECENT, HISTORICAL)
    out = violence_trend(real_crime, "Barnet", "2023-05")
    monthly = out.monthly.set_index("month")["count"]
    assert str(monthly.index[0]) == "2018-01" and str(monthly.index[-1]) == "2023-05"
    assert out.notes == []
    for month in ("201801", "202004", "202107"):
        raw = _raw_counts(HISTORICAL, "Violence with Injury", [month])["Barnet"]
        assert monthly[pd.Period(month[:4] + "-" + month[4:], "M")] == raw
    last12 = _raw_counts(RECENT, "Violence with Injury", _yyyymm("2022-06", "2023-05"))
    assert int(monthly.iloc[-12:].sum()) == last12["Barnet"]
    assert f"{last12['Barnet']:,} offences in the 12 months to May 2023" in out.trend_text
    assert out.yearly["total"].sum() == monthly.sum()
    assert out.yearly["months"].sum() == len(monthly)
    fy = out.yearly.set_index("financial_year")
    assert not fy.loc["2017/18", "complete"] and fy.loc["2018/19", "complete"]
    assert fy.loc["2018/19", "monthly_average"] == _half_up(fy.loc["2018/19", "total"] / 12, 1)
    assert 0 <= out.trend["p_value"] <= 1 and "p " in out.trend_text
    assert {"mean", "lower", "upper", "variation"} <= set(out.monthly.columns)


def test_violence_trend_sets_and_errors(real_crime):
    both = violence_trend(real_crime, "Barnet", "2023-05", indicator="sexual_offences")
    rape = violence_trend(real_crime, "Barnet", "2023-05", indicator="rape")
    other = violence_trend(real_crime, "Barnet", "2023-05", indicator=["other_sexual_offences"])
    assert (both.monthly["count"] == rape.monthly["count"] + other.monthly["count"]).all()
    with pytest.raises(ValueError, match="not a taxonomy indicator"):
        violence_trend(real_crime, "Barnet", "2023-05", indicator="sexual_offence")
    with pytest.raises(ValueError, match="ends in July 2023"):
        violence_trend(real_crime, "Barnet", "2023-09")


def test_violence_trend_starts_at_earliest_month(demo_dir):
    from scpb_analysis.sources.mps import load_mps_crime

    crime = load_mps_crime(demo_dir / "borough")
    out = violence_trend(crime, "Barnet", "2023-05")
    first = out.monthly["month"].iloc[0]
    assert first > pd.Period("2018-01", "M")
    assert out.notes and "not January 2018" in out.notes[0] and out.notes[0] in out.trend_text


# ---------------------------------------------------------------------------------------------
# Deprivation rates


def test_deprivation_rates_by_lsoa():
    _need(TS007A, SHARED_DATA / "deprivation", SHARED_DATA / "lookups")
    from scpb_analysis.sources.deprivation import imd_lsoa21, lsoa_deprivation_table
    from scpb_analysis.stats.deprivation import rate_by_deprivation

    lsoas = imd_lsoa21(SHARED_DATA, "Barnet")["lsoa_code"]
    counts = pd.DataFrame({"lsoa_code": lsoas, "count": [i % 7 for i in range(len(lsoas))]})
    lsoa_table = lsoa_deprivation_table(SHARED_DATA, "Barnet")
    out = deprivation_rates(counts, "Barnet", lsoas=lsoa_table)
    assert out["group"].tolist() == ["most deprived quintile", "rest of Barnet",
                                     "all of Barnet"]
    reference = rate_by_deprivation(counts, lsoa_table, "Barnet")
    pd.testing.assert_frame_equal(out.iloc[:2].reset_index(drop=True), reference)
    whole = out.iloc[2]
    census = _census()
    assert whole["count"] == counts["count"].sum()
    assert whole["population"] == census["Barnet"]["total"]
    assert whole["value"] == pytest.approx(counts["count"].sum() / 389_365 * 1000)
    assert whole["lower"] < whole["value"] < whole["upper"]
    assert whole["lsoas"] == len(lsoas) == 220


@pytest.mark.slow
def test_deprivation_rates_by_ward():
    _need(TS007A, WARD_2022, SHARED_DATA / "lookups")
    from scpb_analysis.sources.mps import load_mps_crime

    files = sorted(WARD_2022.glob("*202202-202401_wards2022.csv"))
    if not files:
        pytest.skip("the 2022-ward MPS file for 2022-02..2024-01 is not in the shared data")
    crime = load_mps_crime(files[0])
    window = pd.period_range("2022-06", "2023-05", freq="M")
    vwi = crime[(crime["borough"] == "Barnet") & (crime["indicator"] == "violence_with_injury")
                & crime["month"].isin(window)]
    counts = vwi.groupby("area_code", as_index=False)["count"].sum().rename(
        columns={"area_code": "ward_code"})
    from scpb_analysis.geo.ward_profiles import ward_deprivation

    out = deprivation_rates(counts, "Barnet", wards=ward_deprivation(SHARED_DATA, "Barnet"))
    assert len(out) == 25 and out["ward_name"].iloc[-1] == "all of Barnet"
    assert out["count"].iloc[-1] == counts["count"].sum()
    assert out["share_most_deprived"].iloc[:-1].is_monotonic_decreasing
    assert (out["lower"] <= out["value"]).all() and (out["value"] <= out["upper"]).all()


# ---------------------------------------------------------------------------------------------
# Appendix and scope


def test_definitions_appendix_reuses_registry():
    table = definitions_appendix()
    reference = how_measured(list(NEEDS_INDICATORS))
    assert table.columns.tolist() == reference.columns.tolist()
    pd.testing.assert_frame_equal(table.iloc[:len(reference)], reference)
    notes = table.iloc[len(reference):]
    assert len(notes) == 4 and (notes["Caveats"].str.len() > 0).all()
    assert "Old vintage" in notes["Caveats"].iloc[-1]


def test_scope_text():
    text = scope_text()
    assert "Police, Crime, Sentencing and Courts Act 2022" in text
    for phrase in ("domestic abuse", "sexual offences", "under the age of 25", "terrorism"):
        assert phrase in text


def test_census_for_one_borough_only_gives_no_london_comparator(tmp_path):
    _need(TS007A)
    with TS007A.open(newline="", encoding="utf-8-sig") as handle:
        lines = handle.read().splitlines()
    barnet = [lines[0]] + [line for line in lines[1:] if ",Barnet " in line]
    (tmp_path / "ts007a-barnet.csv").write_text("\n".join(barnet) + "\n", encoding="utf-8")
    table = _risk(tmp_path, "2023-05")
    assert check_needs_table(table) == []
    census = _census()["Barnet"]
    assert _value(table, "Residents aged 10 to 24") == _half_up(
        census["10_24"] / census["total"] * 100, 1)
    assert _value(table, "Residents aged 10 to 24", "comparator_value") == (
        "not available — needs Census 2021 age by LSOA (TS007A) for all 32 boroughs from ONS")


def test_violence_by_deprivation_counts_only_the_areas_own_police_uk_points():
    # A data folder may hold police.uk files of other forces (Avon and Somerset beside the
    # Met): their LSOAs are not the borough's and must neither be counted nor fail the page.
    _need(TS007A, SHARED_DATA / "deprivation", SHARED_DATA / "lookups")
    from scpb_analysis.blocks.needs_assessment import violence_by_deprivation
    from scpb_analysis.sources.deprivation import lsoa_deprivation_table
    from scpb_analysis.sources.policeuk import POINT_COLUMNS

    lsoa_table = lsoa_deprivation_table(SHARED_DATA, "Barnet")
    months = pd.period_range("2022-06", "2023-05", freq="M")
    own = lsoa_table["lsoa_code"].tolist()[:30]
    foreign = ["E01014485", "E01014486", "E01033347"]  # Bristol LSOAs
    rows = [(m, code) for i, m in enumerate(months) for code in own[: 5 + i % 3]]
    rows += [(m, code) for m in months for code in foreign for _ in range(4)]
    points = pd.DataFrame({c: pd.NA for c in POINT_COLUMNS}, index=range(len(rows)))
    points["month"] = pd.PeriodIndex([m for m, _ in rows], freq="M")
    points["lsoa_code"] = [code for _, code in rows]
    points["crime_type"] = "Violence and sexual offences"
    table, notes = violence_by_deprivation("Barnet", "2023-05", points=points,
                                           lsoas=lsoa_table)
    expected = sum(1 for _, code in rows if code in set(own))
    assert table.loc[table["group"] == "all of Barnet", "count"].item() == expected
    assert "police.uk" in notes[0]
    # Only another force's points: the borough has no police.uk LSOA counts of its own.
    with pytest.raises(ValueError, match="without police.uk points by LSOA"):
        violence_by_deprivation("Barnet", "2023-05", lsoas=lsoa_table,
                                points=points[points["lsoa_code"].isin(foreign)])


def test_loglinear_trend_steps_match_a_statsmodels_glm():
    # Counts with a 20% drop in level at month 30 and gaps: the slope, interval and p-value
    # equal a quasi-Poisson GLM with a step term (Pearson dispersion, floored at 1 here, as it
    # exceeds 1 for this series); refused when a step has no month on one side.
    sm = pytest.importorskip("statsmodels.api")
    from scipy.stats import t as t_dist

    rng = np.random.default_rng(7)
    positions = np.array([m for m in range(44) if m not in (5, 17, 18)])
    mean = 80 * 1.06 ** (positions / 12) * np.where(positions >= 30, 0.8, 1.0)
    counts = rng.negative_binomial(20, 20 / (20 + mean)).astype(float)
    out = loglinear_trend(counts, positions=positions, steps=[30])
    design = np.column_stack([np.ones(len(positions)), positions / 12,
                              (positions >= 30).astype(float)])
    fit = sm.GLM(counts, design, family=sm.families.Poisson()).fit(scale="X2")
    assert fit.scale > 1
    dof = len(counts) - 3
    q = t_dist.ppf(0.975, dof)
    assert out["annual_change"] == pytest.approx(np.expm1(fit.params[1]), rel=1e-7)
    assert out["lower"] == pytest.approx(np.expm1(fit.params[1] - q * fit.bse[1]), rel=1e-7)
    assert out["p_value"] == pytest.approx(2 * t_dist.sf(abs(fit.tvalues[1]), dof), rel=1e-6)
    assert out["steps"] == 1 and "step in level" in out["method"]
    with pytest.raises(ValueError, match="no months on one side"):
        loglinear_trend(counts, positions=positions, steps=[60])


def test_homicide_suspect_rows_match_the_raw_file():
    """The age and sex rows from the MPS homicide file, recomputed with plain pandas: people
    proceeded against in the five calendar years 2018 to 2022 (the latest whole 5-year window
    to May 2023), recording errors left out; London is every row of the file."""
    path = SHARED_DATA / "mps" / "homicide" / "homicide.parquet"
    if not path.exists():
        pytest.skip(f"real public data not found at {path}")
    from scpb_analysis.sources.mps_extracts import read_homicide_proceedings

    table = risk_factor_table("Barnet", "2023-05",
                              homicide=read_homicide_proceedings(path.parent))
    raw = pd.read_parquet(path)
    raw = raw[raw["charged_summonsed"] != "Recording Error"]
    year = 2000 + raw["proceedings_date"].str[-2:].astype(int)
    raw = raw[year.between(2018, 2022)]
    barnet = raw[raw["borough"] == "Barnet"]
    young = ("10 to 14", "15 to 19", "20 to 24")

    def share(rows, mask):
        return round(float(rows.loc[mask(rows), "count_of_ppa"].sum()
                           / rows["count_of_ppa"].sum() * 100) + 1e-9, 1)

    for measure, mask in (("aged 10-24", lambda r: r["age_group"].isin(young)),
                          ("who are male", lambda r: r["gender"] == "Male")):
        row = table[table["measure"].str.startswith(
            f"People proceeded against for homicide {measure}")].iloc[0]
        assert row["status"] == "computed" and row["period"] == "2018 to 2022"
        assert row["borough_value"] == pytest.approx(share(barnet, mask), abs=0.05)
        assert row["comparator_value"] == pytest.approx(share(raw, mask), abs=0.05)
    # Without the file the rows name it.
    bare = risk_factor_table("Barnet", "2023-05")
    rows = bare[bare["measure"].str.startswith("People proceeded against for homicide")]
    assert len(rows) == 2 and (rows["status"] == "not available").all()
    assert rows["borough_value"].str.contains("MPS homicide file").all()
