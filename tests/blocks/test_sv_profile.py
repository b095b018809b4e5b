"""The problem profile of serious violence, each headline number recomputed from the raw files.

MPS borough groups come straight from the wide borough CSVs (the publication the pack reads for
the period end), dashboard groups from the Monthly Crime Dashboard parquet, residents from the
Census 2021 TS007A CSV placed in boroughs by the ONS exact-fit lookup, police.uk counts from the
Avon and Somerset street-level CSVs (repeated Crime IDs dropped, LSOAs placed by the ONS
lookups); tests and intervals from their published formulas with scipy.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import SHARED_DATA

from scpb_analysis.blocks.needs_assessment import loglinear_trend, risk_factor_table
from scpb_analysis.blocks.sv_profile import (
    PROFILE_COLUMNS,
    SMALL_COUNT,
    problem_profile,
    profile_charts,
)
from scpb_analysis.reference.geography import london_boroughs

BOROUGH = {
    "2023-05": (SHARED_DATA / "mps" / "borough" / "to-202307", "_202108-202307.csv",
                "_201004-202107.csv", "LookUp_BoroughName"),
    "2025-02": (SHARED_DATA / "mps" / "borough" / "to-202502", "_202303-202502.csv",
                "_201004-202302.csv", "BoroughName"),
}
DASHBOARD = SHARED_DATA / "mps" / "dashboard" / "monthly-crime-dashboard_202108-202507.parquet"
TS007A = SHARED_DATA / "population" / "census2021-ts007a-lsoa.csv"
EXACT_FIT = (SHARED_DATA / "lookups" / "LSOA_(2011)_to_LSOA_(2021)_to_Local_Authority_District_"
             "(2022)_Exact_Fit_Lookup_for_EW_(V3).csv")
BEST_FIT = (SHARED_DATA / "lookups" / "LSOA_(2021)_to_Electoral_Ward_(2024)_to_LAD_(2024)_"
            "Best_Fit_Lookup_in_EW.csv")
AVON = SHARED_DATA / "policeuk" / "avon-and-somerset-2023-01_2024-12"
BARNET, BRISTOL, CITY = "E09000003", "E06000023", "E09000001"
MINORS = {"violence_with_injury": "violence with injury", "rape": "rape",
          "robbery_of_personal_property": "robbery of personal property",
          "other_sexual_offences": "other sexual offences", "homicide": "homicide"}
SUBTYPES = {"knife_crime_with_injury": ["Knife Crime with Injury"],
            "gun_crime": ["Gun Crime"],
            "gun_crime_lethal_barrelled_discharges": ["Lethal Barrel Discharge"],
            "domestic_abuse": ["Domestic Abuse"],
            "domestic_abuse_violence_with_injury": ["Domestic Abuse violence with injury"],
            "knife_injury_victims_1_24": ["Knife Injury Victims (1-24)"]}


def _need(*paths: Path) -> None:
    for path in paths:
        if not path.exists():
            pytest.skip(f"real public data not found at {path}: these tests read "
                        "../shared/data beside the repository (or $SCPB_SHARED_DATA)")


def _months(end: str, back: int = 0) -> list[pd.Period]:
    last = pd.Period(end, "M") - 12 * back
    return list(pd.period_range(last - 11, last, freq="M"))


# -- raw files, read with plain pandas ---------------------------------------------------


_RAW: dict[str, pd.DataFrame] = {}


def _raw_borough(end: str) -> pd.DataFrame:
    """Offences by borough, minor category (lower case) and month; the recent file wins."""
    folder, recent, historical, column = BOROUGH[end]
    _need(folder)
    if end not in _RAW:
        parts = []
        for suffix in (historical, recent):
            path = next(folder.glob(f"*{suffix}"))
            wide = pd.read_csv(path, dtype=str)
            months = [c for c in wide.columns if c.isdigit()]
            long = wide.melt(id_vars=["MinorText", column], value_vars=months,
                             var_name="yyyymm", value_name="count")
            long["count"] = pd.to_numeric(long["count"]).fillna(0).astype(int)
            long["month"] = pd.PeriodIndex(long["yyyymm"], freq="M")
            long["minor"] = long["MinorText"].str.strip().str.lower()
            long["borough"] = long[column].str.strip()
            parts.append(long[["borough", "minor", "month", "count"]])
        old, new = parts
        old = old[~old["month"].isin(set(new["month"]))]
        _RAW[end] = pd.concat([old, new])
    return _RAW[end]


def _borough_sum(end: str, minor: str, months: list[pd.Period], borough: str | None) -> int:
    raw = _raw_borough(end)
    rows = raw[(raw["minor"] == minor) & raw["month"].isin(months)]
    if borough is not None:
        rows = rows[rows["borough"] == borough]
    else:
        rows = rows[rows["borough"].isin(london_boroughs()["borough"])]
    return int(rows["count"].sum())


@pytest.fixture(scope="module")
def dashboard() -> pd.DataFrame:
    _need(DASHBOARD)
    raw = pd.read_parquet(DASHBOARD)
    raw = raw[(raw["area_type"] == "Borough") & raw["area_code"].fillna("").str.startswith("E09")
              & (raw["area_code"] != CITY) & (raw["measure"] == "Offences")]
    return raw.assign(month=raw["month_year"].dt.to_period("M"))


@pytest.fixture(scope="module")
def residents() -> pd.DataFrame:
    """Census 2021 residents, all ages and aged 0-24, by borough code (32 boroughs)."""
    _need(TS007A, EXACT_FIT)
    census = pd.read_csv(TS007A, encoding="utf-8-sig")
    young = ["Age: Aged 4 years and under", "Age: Aged 5 to 9 years",
             "Age: Aged 10 to 14 years", "Age: Aged 15 to 19 years", "Age: Aged 20 to 24 years"]
    lookup = pd.read_csv(EXACT_FIT, encoding="utf-8-sig", dtype=str)
    lad = lookup.drop_duplicates("LSOA21CD").set_index("LSOA21CD")["LAD22CD"]
    census["lad"] = census["geography code"].map(lad)
    london = census[census["lad"].str.startswith("E09", na=False) & (census["lad"] != CITY)]
    out = pd.DataFrame({"all": london.groupby("lad")["Age: Total"].sum(),
                        "young": london.groupby("lad")[young].sum().sum(axis=1)})
    assert len(out) == 32
    return out


_PROFILES: dict[str, object] = {}


def _profile(end: str):
    """The profile as the page makes it, from the pack's own tables."""
    _need(BOROUGH[end][0], DASHBOARD, TS007A)
    if end not in _PROFILES:
        from scpb_analysis.pack.data import open_pack_data

        data = open_pack_data(SHARED_DATA, "Barnet", end, cache_dir=None)
        load = data.crime_for_period()
        _PROFILES[end] = problem_profile(load.table, data.area, end, "london",
                                         young_population=data.lsoa_population(),
                                         breaks=load.breaks)
    return _PROFILES[end]


def _row(profile, indicator: str) -> pd.Series:
    return profile.table.set_index("indicator").loc[indicator]


# -- London: the MPS borough files -------------------------------------------------------


@pytest.mark.parametrize("end", ["2023-05", "2025-02"])
@pytest.mark.parametrize("indicator", ["violence_with_injury", "rape",
                                       "robbery_of_personal_property", "other_sexual_offences"])
def test_borough_groups_match_the_raw_csvs(end, indicator, residents):
    from scipy.stats import binomtest

    row = _row(_profile(end), indicator)
    minor = MINORS[indicator]
    current = _borough_sum(end, minor, _months(end), "Barnet")
    previous = _borough_sum(end, minor, _months(end, 1), "Barnet")
    assert (row["n_12m"], row["n_12m_prev"]) == (current, previous)
    assert not row["small_numbers"]
    assert row["pct_change_12m"] == pytest.approx(round((current - previous) / previous * 100,
                                                        1))
    test = binomtest(current, current + previous, 0.5)
    assert row["p_value_12m"] == pytest.approx(test.pvalue, rel=1e-9)
    assert row["significance_12m"].startswith(
        "no significant" if test.pvalue >= 0.05 else "significant")
    population = int(residents.loc[BARNET, "all"])
    assert row["denominator"] == population
    assert row["value"] == pytest.approx(current / population * 1000)
    london = _borough_sum(end, minor, _months(end), None)
    assert row["comparator_value"] == pytest.approx(london / residents["all"].sum() * 1000)
    inside = row["lower"] <= row["comparator_value"] <= row["upper"]
    expected = ("Similar" if inside else
                "Better" if row["upper"] < row["comparator_value"] else "Worse")
    assert row["comparison"] == expected
    assert row["series_from"] == "January 2008"


@pytest.mark.parametrize("end", ["2023-05", "2025-02"])
def test_homicide_is_counted_over_years_never_as_a_rate(end):
    row = _row(_profile(end), "homicide")
    counts = [_borough_sum(end, "homicide", _months(end, k), "Barnet") for k in range(5)]
    assert row["small_numbers"] and min(counts[:2]) < SMALL_COUNT
    assert row["count"] == sum(counts)
    for k, n in enumerate(counts):
        months = _months(end, k)
        label = f"{months[0].strftime('%B %Y')} to {months[-1].strftime('%B %Y')}: {n}"
        assert label in row["yearly_counts"]
    for column in ("value", "lower", "upper", "pct_change_12m", "trend_pct_year"):
        assert pd.isna(row[column]), column
    assert pd.isna(row["spc_variation"])
    homicide = _profile(end).monthly.query("indicator == 'homicide'")
    assert homicide["mean"].isna().all()


def test_the_recording_system_change_is_stated_and_a_step_not_a_bend():
    row = _row(_profile("2025-02"), "violence_with_injury")
    assert "February 2024 (recording system change)" in row["breaks"]
    assert row["like_for_like_from"] == "February 2024"
    assert "not like for like" in row["notes"]
    # The trend runs from the last coding change (April 2010) across the move to CONNECT,
    # with a step in level there: a quasi-Poisson GLM with a step term, fitted by statsmodels
    # on the raw borough CSV's counts, gives the same slope and interval.
    sm = pytest.importorskip("statsmodels.api")
    from scipy.stats import t as t_dist

    assert row["trend_window"] == ("April 2010 to February 2025, with a step in level at "
                                   "February 2024 (recording system change)")
    raw = _raw_borough("2025-02")
    months = pd.period_range("2010-04", "2025-02", freq="M")
    barnet = raw[(raw["borough"] == "Barnet") & (raw["minor"] == "violence with injury")]
    counts = barnet.groupby("month")["count"].sum().reindex(months).to_numpy()
    x = np.arange(len(counts)) / 12
    step = (months >= pd.Period("2024-02", "M")).astype(float)
    fit = sm.GLM(counts, np.column_stack([np.ones(len(x)), x, step]),
                 family=sm.families.Poisson()).fit(scale="X2")
    slope, se = fit.params[1], fit.bse[1] * math.sqrt(max(1.0, fit.scale) / fit.scale)
    assert row["trend_pct_year"] == pytest.approx(math.expm1(slope) * 100, rel=1e-6)
    q = t_dist.ppf(0.975, len(counts) - 3)
    assert row["trend_lower"] == pytest.approx(math.expm1(slope - q * se) * 100, rel=1e-6)
    assert row["trend_p_value"] == pytest.approx(
        2 * t_dist.sf(abs(slope / se), len(counts) - 3), rel=1e-6, abs=1e-12)
    monthly = _profile("2025-02").monthly.query("indicator == 'violence_with_injury'")
    after = monthly[monthly["month"] >= pd.Period("2024-02", "M")]
    before = monthly[(monthly["month"] < pd.Period("2024-02", "M"))
                     & (monthly["month"] >= pd.Period("2010-04", "M"))]
    # Limits are drawn afresh after the break: two runs, each with its own mean.
    assert after["segment"].nunique() == 1 and before["segment"].nunique() == 1
    assert after["mean"].iloc[0] == pytest.approx(after["count"].mean())
    assert before["mean"].iloc[0] == pytest.approx(before["count"].mean())
    breaks = _profile("2025-02").breaks["violence_with_injury"]
    assert (pd.Period("2024-02", "M"), "Recording system change, Feb 2024") in breaks


def test_the_trend_is_the_log_linear_fit_of_the_like_for_like_months():
    row = _row(_profile("2023-05"), "rape")
    raw = _raw_borough("2023-05")
    months = pd.period_range("2010-04", "2023-05", freq="M")
    barnet = raw[(raw["borough"] == "Barnet") & (raw["minor"] == "rape")]
    counts = barnet.groupby("month")["count"].sum().reindex(months).to_numpy()
    # A plain Poisson GLM by Newton's method gives the same slope as the block's IRLS.
    x = np.arange(len(counts)) / 12
    beta = np.array([math.log(counts.mean()), 0.0])
    for _ in range(50):
        mu = np.exp(beta[0] + beta[1] * x)
        grad = np.array([np.sum(counts - mu), np.sum((counts - mu) * x)])
        hess = np.array([[mu.sum(), (mu * x).sum()], [(mu * x).sum(), (mu * x * x).sum()]])
        beta = beta + np.linalg.solve(hess, grad)
    assert row["trend_pct_year"] == pytest.approx(math.expm1(beta[1]) * 100, rel=1e-6)
    assert row["trend_window"] == "April 2010 to May 2023"


# -- London: the dashboard extract -------------------------------------------------------


@pytest.mark.parametrize("end", ["2023-05", "2025-02"])
@pytest.mark.parametrize("indicator", sorted(SUBTYPES))
def test_dashboard_groups_match_the_parquet(end, indicator, dashboard, residents):
    row = _row(_profile(end), indicator)
    rows = dashboard[dashboard["crime_subtype"].isin(SUBTYPES[indicator])]
    own = rows[rows["area_code"] == BARNET]
    current = int(own[own["month"].isin(_months(end))]["count"].sum())
    assert row["series_from"] == "August 2021"
    if row["small_numbers"]:
        assert str(current) in row["yearly_counts"] and pd.isna(row["value"])
        return
    assert row["n_12m"] == current
    if end == "2023-05":
        # The extract starts in August 2021: no whole 12 months before June 2022.
        assert pd.isna(row["n_12m_prev"]) and "June 2021 to July 2021" in row["notes"]
    else:
        previous = int(own[own["month"].isin(_months(end, 1))]["count"].sum())
        assert row["n_12m_prev"] == previous
    london = int(rows[rows["month"].isin(_months(end))]["count"].sum())
    if indicator == "knife_injury_victims_1_24":
        assert row["value"] == pytest.approx(current / residents.loc[BARNET, "young"] * 1e5)
        assert row["comparator_value"] == pytest.approx(london / residents["young"].sum() * 1e5)
    else:
        assert row["value"] == pytest.approx(current / residents.loc[BARNET, "all"] * 1000)
        assert row["comparator_value"] == pytest.approx(london / residents["all"].sum() * 1000)


def test_the_text_reads_from_the_table():
    profile = _profile("2023-05")
    row = _row(profile, "violence_with_injury")
    line = next(s for s in profile.text.splitlines() if s.startswith("- Violence with Injury"))
    assert f"{int(row['n_12m']):,} offences in June 2022 to May 2023" in line
    assert f"against {int(row['n_12m_prev']):,} in June 2021 to May 2022" in line
    assert f"{row['value']:.2f} offences per 1,000 residents" in line
    assert "<NA>" not in profile.text and "nan" not in profile.text
    assert "n_12m" not in profile.text
    assert len(profile.text.splitlines()) == len(profile.table)


def test_one_chart_per_group_with_enough_numbers():
    profile = _profile("2023-05")
    charts = profile_charts(profile)
    # Groups the crime table does not hold (VAWG without the VAWG file) have no series.
    held = ~profile.table["small_numbers"] & profile.table["series_from"].notna()
    assert [i for i, _ in charts] == profile.table.loc[held, "indicator"].tolist()
    assert "vawg_offences" not in [i for i, _ in charts]


# -- police.uk: Bristol in Avon and Somerset ---------------------------------------------


@pytest.fixture(scope="module")
def avon_raw() -> pd.DataFrame:
    _need(AVON, EXACT_FIT, BEST_FIT)
    frames = [pd.read_csv(p, usecols=["Crime ID", "Month", "LSOA code", "Crime type"],
                          dtype=str) for p in sorted(AVON.glob("*.csv"))]
    raw = pd.concat(frames, ignore_index=True)
    raw = raw[raw["Crime ID"].isna() | ~raw["Crime ID"].str.strip().duplicated()]
    best = pd.read_csv(BEST_FIT, encoding="utf-8-sig", dtype=str)
    lad21 = best.drop_duplicates("LSOA21CD").set_index("LSOA21CD")["LAD24CD"]
    exact = pd.read_csv(EXACT_FIT, encoding="utf-8-sig", dtype=str)
    lad11 = exact.groupby("LSOA11CD")["LAD22CD"].agg(
        lambda s: s.iloc[0] if s.nunique() == 1 else None)
    raw["lad"] = raw["LSOA code"].map(lad21).fillna(raw["LSOA code"].map(lad11))
    return raw


@pytest.fixture(scope="module")
def bristol():
    _need(AVON, TS007A, BEST_FIT)
    from scpb_analysis.pack.data import open_pack_data

    data = open_pack_data(SHARED_DATA, "Bristol, City of", "2024-12", cache_dir=None)
    return problem_profile(data.policeuk_area().table, data.area, "2024-12", "home_office",
                           "policeuk", population=data.la_population())


@pytest.mark.parametrize(("indicator", "crime_type"),
                         [("violence_and_sexual_offences", "Violence and sexual offences"),
                          ("robbery", "Robbery")])
def test_bristol_rows_match_the_police_uk_files(bristol, avon_raw, indicator, crime_type):
    row = _row(bristol, indicator)
    rows = avon_raw[avon_raw["Crime type"] == crime_type]
    own = rows[rows["lad"] == BRISTOL]
    assert row["series_from"] == "January 2023" and row["months_held"] == 22
    # July and August 2024 are missing: a gap, not zeros, so no total to December 2024.
    assert row["gaps"] == "July 2024 to August 2024"
    assert pd.isna(row["n_12m"]) and "no 12-month total" in row["notes"]
    assert row["n_12m_prev"] == own["Month"].between("2023-01", "2023-12").sum()
    assert pd.isna(row["spc_variation"]) and "only 4 consecutive" in row["notes"]
    # The rate is for the latest 12 months the files hold whole, and says so.
    assert row["rate_period"] == "July 2023 to June 2024"
    count = int(own["Month"].between("2023-07", "2024-06").sum())
    assert row["count"] == count
    assert row["value"] == pytest.approx(count / row["denominator"] * 1000)
    peers = ["E06000022", BRISTOL, "E06000024", "E06000025", "E06000066"]
    force = int((rows["lad"].isin(peers) & rows["Month"].between("2023-07", "2024-06")).sum())
    census = pd.read_csv(TS007A, encoding="utf-8-sig")
    best = pd.read_csv(BEST_FIT, encoding="utf-8-sig", dtype=str)
    codes = set(best.loc[best["LAD24CD"].isin(peers), "LSOA21CD"])
    people = int(census.loc[census["geography code"].isin(codes), "Age: Total"].sum())
    assert row["comparator_value"] == pytest.approx(force / people * 1000)
    assert row["comparator"].startswith("Avon and Somerset Constabulary area")
    assert "London" not in bristol.text and "borough" not in bristol.text


def test_bristol_population_is_the_census_of_the_local_authority(bristol):
    _need(TS007A, BEST_FIT)
    census = pd.read_csv(TS007A, encoding="utf-8-sig")
    best = pd.read_csv(BEST_FIT, encoding="utf-8-sig", dtype=str)
    codes = set(best.loc[best["LAD24CD"] == BRISTOL, "LSOA21CD"])
    people = int(census.loc[census["geography code"].isin(codes), "Age: Total"].sum())
    assert _row(bristol, "robbery")["denominator"] == people


# -- the risk-factor rows the dashboard gives --------------------------------------------


@pytest.mark.parametrize("end", ["2023-05", "2025-02"])
def test_risk_factor_rows_read_the_dashboard(end, dashboard):
    _need(BOROUGH[end][0])
    from scpb_analysis.pack.data import open_pack_data

    data = open_pack_data(SHARED_DATA, "Barnet", end, cache_dir=None)
    table = risk_factor_table("Barnet", end, crime=data.borough_crime(),
                              dashboard=data.crime_for_period().table).set_index("measure")
    own = dashboard[dashboard["area_code"] == BARNET]
    for measure, subtype in (
            ("Domestic abuse offences (all): offences", "Domestic Abuse"),
            ("Domestic abuse violence with injury: offences",
             "Domestic Abuse violence with injury"),
            ("Knife crime with injury: offences", "Knife Crime with Injury")):
        rows = own[own["crime_subtype"] == subtype]
        assert table.loc[measure, "borough_value"] == rows[rows["month"].isin(_months(end))][
            "count"].sum()
        previous = table.loc[measure, "comparator_value"]
        if end == "2023-05":
            assert str(previous).startswith("not available — needs the MPS Monthly Crime "
                                            "Dashboard extract for Barnet covering June 2021")
        else:
            assert previous == rows[rows["month"].isin(_months(end, 1))]["count"].sum()
    # Without the extract the rows still say what is needed.
    alone = risk_factor_table("Barnet", end, crime=data.borough_crime()).set_index("measure")
    assert alone.loc["Knife crime with injury: offences", "status"] == "not available"


# -- bad input ---------------------------------------------------------------------------


def _toy(borough: str = "Barnet") -> pd.DataFrame:
    months = pd.period_range("2021-06", "2023-05", freq="M")
    rows = pd.DataFrame({"month": months, "area_type": "borough", "indicator": "rape",
                         "measure": "offences", "count": 12})
    return pd.concat([rows.assign(borough=b) for b in london_boroughs()["borough"]])


def test_a_table_of_the_wrong_kind_is_refused():
    with pytest.raises(ValueError, match="lacks column"):
        problem_profile(_toy().drop(columns="measure"), "Barnet", "2023-05", "london")
    with pytest.raises(ValueError, match="lacks column"):
        problem_profile(_toy(), "Bristol, City of", "2023-05", "london", "policeuk")
    with pytest.raises(ValueError, match="kind must be"):
        problem_profile(_toy(), "Barnet", "2023-05", "london", "scotland")


def test_a_month_held_twice_is_refused():
    toy = _toy()
    for borough in ("Barnet", "Camden"):
        crime = pd.concat([toy, toy[toy["borough"] == borough].tail(1)])
        with pytest.raises(ValueError, match=f"rape for {borough} in 2023-05 twice"):
            problem_profile(crime, "Barnet", "2023-05", "london")


def test_a_missing_month_is_a_gap_not_a_zero():
    crime = _toy()
    crime = crime[~((crime["borough"] == "Barnet") & (crime["month"] == pd.Period("2023-01",
                                                                                   "M")))]
    row = problem_profile(crime, "Barnet", "2023-05", "london").table.set_index(
        "indicator").loc["rape"]
    assert row["gaps"] == "January 2023"
    assert pd.isna(row["n_12m"])
    # The rate falls back to the latest 12 whole months, and London lacks no month there.
    assert row["rate_period"] == "January 2022 to December 2022"
    assert row["count"] == 12 * 12


def test_groups_the_data_do_not_hold_say_so():
    table = problem_profile(_toy(), "Barnet", "2023-05", "london").table
    homicide = table.set_index("indicator").loc["homicide"]
    assert homicide["status"].startswith("not available: the data hold no homicide for Barnet")
    assert table.columns.tolist() == PROFILE_COLUMNS


def test_the_trend_uses_each_months_place_in_time():
    counts = np.array([100 * 1.02 ** m for m in (0, 1, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14)])
    out = loglinear_trend(np.round(counts), positions=np.array([0, 1, 5, 6, 7, 8, 9, 10, 11,
                                                                 12, 13, 14]))
    assert out["annual_change"] == pytest.approx(1.02 ** 12 - 1, abs=0.01)
    with pytest.raises(ValueError, match="positions"):
        loglinear_trend(np.array([1, 2, 3]), positions=np.array([0, 0, 1]))


def test_a_change_across_the_move_to_connect_is_caveated_and_not_a_headline():
    from scpb_analysis.blocks.sv_profile import SeriousViolenceProfile, profile_findings

    def row(indicator, group, **values):
        out = {c: None for c in PROFILE_COLUMNS}
        out.update(indicator=indicator, group=group, window_12m="March 2024 to February 2025",
                   small_numbers=False, multiplier=1000, unit="offences per 1,000 residents",
                   comparator="London", value=1.0, comparator_value=2.0, comparison="Better",
                   n_12m=100, n_12m_prev=150, significance_12m="no significant change",
                   notes="")
        out.update(values)
        return out

    crossing = ("the two 12-month periods are not like for like: recording system change "
                "in February 2024")
    table = pd.DataFrame([
        row("violence_with_injury", "Violence with injury"),
        row("robbery_of_personal_property", "Robbery", significance_12m="significant decrease",
            notes=crossing),
        row("rape", "Rape", trend_p_value=0.001, trend_pct_year=9.6,
            trend_window="April 2010 to February 2025"),
        row("other_sexual_offences", "Other sexual offences"),
    ], columns=PROFILE_COLUMNS)
    found = profile_findings(SeriousViolenceProfile(table, pd.DataFrame(), area="Barnet"),
                             most=2)
    # The trending group outranks the confounded change, which earns nothing on its own; the
    # first group always speaks.
    assert [f.text.split(":")[0] for f in found] == ["Rape", "Violence with injury"]
    one = profile_findings(SeriousViolenceProfile(table.iloc[[1]], pd.DataFrame(),
                                                  area="Barnet"))[0]
    assert ("a statistically significant decrease, but the periods are not like for like: "
            "recording system change in February 2024") in one.text
    assert "recording system change in February 2024" in one.context


# -- London: the MPS VAWG file -------------------------------------------------------------

VAWG = SHARED_DATA / "mps" / "vawg" / "vawg-offences.parquet"


@pytest.mark.slow
@pytest.mark.parametrize("end", ["2023-05", "2025-02"])
def test_vawg_group_matches_the_raw_parquet(end, residents):
    """VAWG offences as the page profiles them (the VAWG file's borough months beside the MPS
    tables): counts, exact test, rate against London and the trend (with its step at the move
    to CONNECT at 2025-02) recomputed from the raw parquet with pandas and statsmodels."""
    _need(VAWG)
    from scipy.stats import binomtest

    from scpb_analysis.blocks.vawg import vawg_crime_rows
    from scpb_analysis.pack.data import open_pack_data
    from scpb_analysis.sources.mps_extracts import read_vawg_offences

    sm = pytest.importorskip("statsmodels.api")
    data = open_pack_data(SHARED_DATA, "Barnet", end, cache_dir=None)
    load = data.crime_for_period()
    crime = pd.concat([load.table, vawg_crime_rows(read_vawg_offences(VAWG.parent))],
                      ignore_index=True)
    row = _row(problem_profile(crime, "Barnet", end, "london", breaks=load.breaks),
               "vawg_offences")

    raw = pd.read_parquet(VAWG)
    raw = raw[(raw["sheet"] == "Offence count location")
              & raw["borough_name"].isin(london_boroughs()["borough"])]
    raw = raw.assign(month=raw["recorded_date_months"].dt.to_period("M"))
    barnet = raw[raw["borough_name"] == "Barnet"].groupby("month")["count"].sum()
    current = int(barnet.reindex(_months(end)).sum())
    previous = int(barnet.reindex(_months(end, 1)).sum())
    assert (row["n_12m"], row["n_12m_prev"]) == (current, previous)
    assert row["p_value_12m"] == pytest.approx(
        binomtest(current, current + previous, 0.5).pvalue, rel=1e-9)
    assert row["value"] == pytest.approx(current / int(residents.loc[BARNET, "all"]) * 1000)
    london = int(raw[raw["month"].isin(_months(end))]["count"].sum())
    assert row["comparator_value"] == pytest.approx(london / residents["all"].sum() * 1000)
    assert row["series_from"] == "January 2014"

    months = pd.period_range("2014-01", end, freq="M")
    counts = barnet.reindex(months).to_numpy(dtype=float)
    x = np.arange(len(counts)) / 12
    columns = [np.ones(len(x)), x]
    if pd.Period(end, "M") >= pd.Period("2024-02", "M"):
        columns.append((months >= pd.Period("2024-02", "M")).astype(float))
    fit = sm.GLM(counts, np.column_stack(columns), family=sm.families.Poisson()).fit()
    assert row["trend_pct_year"] == pytest.approx(math.expm1(fit.params[1]) * 100, rel=1e-6)


def test_a_change_too_small_for_one_decimal_reads_the_same_in_table_and_finding():
    """Croydon's VAWG offences at 2024-01 were 7,121 against 7,123: -0.03%, which one
    decimal would print as -0.0. The table keeps the change as the sentence prints it, so the
    key-finding check (which once stopped Croydon's page) agrees."""
    from scpb_analysis.blocks.sv_findings import check_findings
    from scpb_analysis.blocks.sv_profile import profile_findings

    months = pd.period_range("2022-01", "2023-12", freq="M")
    rows = []
    for borough in london_boroughs()["borough"]:
        for k, month in enumerate(months):
            if borough == "Barnet":  # 7,123 in 2022, 7,121 in 2023
                count = 593 + (k % 12 >= (5 if k < 12 else 7))
            else:
                count = 400
            rows.append({"month": month, "area_type": "borough", "borough": borough,
                         "indicator": "violence_with_injury", "measure": "offences",
                         "count": count, "publication": "MPS Borough Level Crime"})
    crime = pd.DataFrame(rows)
    barnet = crime[crime["borough"] == "Barnet"]
    assert barnet["count"].iloc[:12].sum() == 7123 and barnet["count"].iloc[12:].sum() == 7121
    profile = problem_profile(crime, "Barnet", "2023-12", "london")
    row = _row(profile, "violence_with_injury")
    assert row["pct_change_12m"] == -0.03
    findings = profile_findings(profile)
    assert "-0.03% on the 12 months before" in findings[0].text
    assert check_findings(findings, {"needs_assessment_problem_profile": profile.table}) == []
