"""VAWG blocks of the needs assessment: each number recomputed from the raw Parquet.

The monthly rows and the reporting-delay bands are recomputed with plain pandas from
``mps/vawg/vawg-offences.parquet`` (location sheet; month differences as year * 12 + month;
a committed date before 1910 is the MPS's placeholder for not recorded), the Wilson limits with
statsmodels' ``proportion_confint(method="wilson")``, and the comparison by the Fingertips rule
(Similar if London's share lies inside the area's interval) written out here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import SHARED_DATA, _require

from scpb_analysis.blocks.sv_findings import check_findings
from scpb_analysis.blocks.vawg import (
    DELAY_BANDS,
    VAWG_INDICATOR,
    vawg_crime_rows,
    vawg_findings,
    vawg_reporting_delay,
)
from scpb_analysis.blocks.violence_profile import ProfileBlock
from scpb_analysis.reference.geography import london_boroughs

VAWG_DIR = SHARED_DATA / "mps" / "vawg"
VAWG_FILE = VAWG_DIR / "vawg-offences.parquet"
BOROUGHS = london_boroughs()["borough"].tolist()
TABLE = "needs_assessment_vawg_delay"


@pytest.fixture(scope="module")
def real():
    _require(VAWG_FILE)
    from scpb_analysis.sources.mps_extracts import read_vawg_offences

    raw = pd.read_parquet(VAWG_FILE)
    location = raw[(raw["sheet"] == "Offence count location")
                   & raw["borough_name"].isin(BOROUGHS)].copy()
    return location, read_vawg_offences(VAWG_DIR)


# -- monthly rows ----------------------------------------------------------------------------


def test_crime_rows_match_plain_pandas(real):
    location, vawg = real
    rows = vawg_crime_rows(vawg)
    month = location["recorded_date_months"].dt.strftime("%Y-%m")
    barnet = location[location["borough_name"] == "Barnet"].groupby(month)["count"].sum()
    london = location.groupby(month)["count"].sum()
    own = rows[rows["borough"] == "Barnet"]
    got = own.set_index(own["month"].astype(str))["count"]
    pd.testing.assert_series_equal(got.sort_index(), barnet.sort_index(), check_names=False,
                                   check_index_type=False)
    got_london = rows.groupby(rows["month"].astype(str))["count"].sum()
    pd.testing.assert_series_equal(got_london.sort_index(), london.sort_index(),
                                   check_names=False, check_index_type=False)
    assert len(rows) == 32 * 146 and not rows["zero_filled"].any()
    assert set(rows["indicator"]) == {VAWG_INDICATOR} and set(rows["measure"]) == {"offences"}
    assert set(rows["publication"]) == {"MPS VAWG offences"}
    assert str(rows["month"].dtype) == "period[M]" and rows["count"].dtype == "int64"


def test_crime_rows_zero_fill_and_outside_boroughs():
    # Every borough has one offence in March 2023; Barnet also January, Other February.
    march = pd.DataFrame({"area_type": "borough", "borough": BOROUGHS, "ward": "W",
                          "month": pd.Period("2023-03", "M"),
                          "month_committed": pd.Period("2023-03", "M"), "count": 1})
    vawg = pd.concat([march, pd.DataFrame({
        "area_type": ["borough", "borough", "outside the boroughs"],
        "borough": ["Barnet", "Barnet", "Other"], "ward": ["A", "B", pd.NA],
        "month": pd.PeriodIndex(["2023-01", "2023-03", "2023-02"], freq="M"),
        "month_committed": pd.PeriodIndex(["2023-01", None, "2023-02"], freq="M"),
        "count": [2, 5, 50]})], ignore_index=True).assign(source_file="v.csv")
    rows = vawg_crime_rows(vawg)
    assert len(rows) == 32 * 3
    barnet = rows[rows["borough"] == "Barnet"]
    barnet = barnet.set_index(barnet["month"].astype(str))
    assert barnet["count"].tolist() == [2, 0, 6]
    assert barnet["zero_filled"].tolist() == [False, True, False]
    # The 50 outside the boroughs are not in London's total: 32 + 2 + 5.
    assert int(rows["count"].sum()) == 39
    # January: 31 boroughs without a row; February: all 32 (Other is not a borough).
    assert int(rows["zero_filled"].sum()) == 31 + 32
    assert set(rows["source_file"]) == {"v.csv"}


def test_crime_rows_refuse_bad_tables():
    good = pd.DataFrame({"area_type": ["borough"], "borough": ["Barnet"], "ward": ["A"],
                         "month": pd.PeriodIndex(["2023-01"], freq="M"),
                         "month_committed": pd.PeriodIndex(["2023-01"], freq="M"),
                         "count": [1]})
    with pytest.raises(ValueError, match="lacks column"):
        vawg_crime_rows(good.drop(columns="count"))
    with pytest.raises(ValueError, match="twice"):
        vawg_crime_rows(pd.concat([good, good]))
    with pytest.raises(ValueError, match="not one of the 32"):
        vawg_crime_rows(good.assign(borough="Barnett"))
    with pytest.raises(ValueError, match="no rows for 31 of the 32 boroughs"):
        vawg_crime_rows(good)
    with pytest.raises(ValueError, match="no rows"):
        vawg_crime_rows(good.iloc[:0])


# -- reporting delay: real data --------------------------------------------------------------

def _bands_by_hand(rows: pd.DataFrame) -> dict[str, int]:
    """Band counts from the raw columns, months as year * 12 + month."""
    rec = rows["recorded_date_months"]
    com = rows["date_committed_from_date_months"]
    known = com.notna() & (com.dt.year >= 1910)
    diff = (rec.dt.year * 12 + rec.dt.month) - (com.dt.year * 12 + com.dt.month)
    n = rows["count"]
    out = {
        "the same month": n[known & (diff == 0)].sum(),
        "1 to 2 months later": n[known & (diff >= 1) & (diff <= 2)].sum(),
        "3 to 11 months later": n[known & (diff >= 3) & (diff <= 11)].sum(),
        "1 to 4 years later": n[known & (diff >= 12) & (diff <= 59)].sum(),
        "5 years or more later": n[known & (diff >= 60)].sum(),
        "committed month not recorded": n[~known].sum(),
        "committed month after the recorded month (set aside)": n[known & (diff < 0)].sum(),
    }
    out["a year or more later"] = n[known & (diff >= 12)].sum()
    out["all with a committed month"] = n[known & (diff >= 0)].sum()
    out["all recorded"] = n.sum()
    return {k: int(v) for k, v in out.items()}


def _fingertips(lower: float, upper: float, benchmark: float) -> str:
    if lower <= benchmark <= upper:
        return "Similar"
    return "Higher" if lower > benchmark else "Lower"


@pytest.mark.parametrize("end", ["2023-05", "2025-02"])
def test_reporting_delay_matches_plain_pandas(real, end):
    from statsmodels.stats.proportion import proportion_confint

    location, vawg = real
    block = vawg_reporting_delay(vawg, "Barnet", end)
    table = block.table
    last = pd.Timestamp(f"{end}-01")
    first = last - pd.DateOffset(months=11)
    window = location[location["recorded_date_months"].between(first, last)]
    expected = {"Barnet": _bands_by_hand(window[window["borough_name"] == "Barnet"]),
                "London": _bands_by_hand(window)}
    assert (table["status"] == "computed").all()
    shared = [b for b, _, _ in DELAY_BANDS] + ["a year or more later"]
    for area, counts in expected.items():
        own = table[table["area"] == area].set_index("band")
        assert {b: int(c) for b, c in own["count"].items()} == counts
        known = counts["all with a committed month"]
        for band in shared:
            lo, hi = proportion_confint(counts[band], known, alpha=0.05, method="wilson")
            assert own.loc[band, "share"] == pytest.approx(counts[band] / known, rel=1e-12)
            assert own.loc[band, "share_lower"] == pytest.approx(lo, rel=1e-9)
            assert own.loc[band, "share_upper"] == pytest.approx(hi, rel=1e-9)
        assert np.isnan(own.loc["all with a committed month", "share"])
    barnet = table[table["area"] == "Barnet"].set_index("band")
    london = table[table["area"] == "London"].set_index("band")
    for band in shared:
        assert barnet.loc[band, "comparison"] == _fingertips(
            barnet.loc[band, "share_lower"], barnet.loc[band, "share_upper"],
            london.loc[band, "share"])
        assert london.loc[band, "comparison"] == "comparator"
    assert "Wilson" in barnet.loc["a year or more later", "method"]
    assert "Fingertips" in barnet.loc["a year or more later", "method"]
    # The paragraph prints the table's own figures.
    late = barnet.loc["a year or more later"]
    assert f"{int(barnet.loc['all recorded', 'count']):,} violence against" in block.text
    assert f"{late['share'] * 100:.1f}%" in block.text
    assert f"{london.loc['a year or more later', 'share'] * 100:.1f}% across London" in block.text
    assert "reported long after" in block.text


@pytest.mark.parametrize("end, lacking", [("2013-12", "January 2013 to December 2013"),
                                          ("2026-06", "March 2026 to June 2026")])
def test_reporting_delay_not_available(real, end, lacking):
    _, vawg = real
    block = vawg_reporting_delay(vawg, "Barnet", end)
    table = block.table
    assert table["status"].str.startswith("not available").all()
    assert table["status"].str.contains(lacking).all()
    assert table["count"].isna().all() and table["share"].isna().all()
    assert lacking in block.text
    assert vawg_findings(block) == []


def test_finding_quotes_the_table(real):
    _, vawg = real
    block = vawg_reporting_delay(vawg, "Barnet", "2023-05")
    findings = vawg_findings(block)
    assert len(findings) == 1 and findings[0].topic == "When"
    assert findings[0].table == TABLE
    assert check_findings(findings, {TABLE: block.table}) == []
    late = block.table[(block.table["area"] == "Barnet")
                       & (block.table["band"] == "a year or more later")].iloc[0]
    assert f"{late['share'] * 100:.1f}%" in findings[0].text
    assert f"; {late['comparison']})." in findings[0].text
    # A table that says otherwise is caught.
    other = block.table.copy()
    other.loc[(other["area"] == "London") & (other["band"] == "a year or more later"),
              "share"] = 0.5
    assert check_findings(findings, {TABLE: other})
    assert vawg_findings(None) == []


# -- reporting delay: hand-computed cases ----------------------------------------------------


def _hand_table() -> pd.DataFrame:
    """Every borough: 10 offences committed in the month recorded, each month of the year."""
    months = pd.period_range("2022-06", "2023-05", freq="M")
    grid = pd.MultiIndex.from_product([BOROUGHS, months], names=["borough", "month"])
    base = grid.to_frame(index=False).assign(area_type="borough", ward="W",
                                             month_committed=lambda f: f["month"], count=10)
    end = pd.Period("2023-05", "M")
    # Barnet in May 2023: one offence at each band edge, one not recorded, one impossible.
    extra = pd.DataFrame({
        "borough": "Barnet", "month": end, "area_type": "borough",
        "ward": ["W1", "W2", "W3", "W4", "W5", "W6", "W7", "W8", "W9"],
        "month_committed": pd.PeriodIndex([end - 1, end - 2, end - 3, end - 11, end - 12,
                                           end - 59, end - 60, None, end + 1], freq="M"),
        "count": [1, 1, 1, 1, 1, 1, 1, 7, 2]})
    return pd.concat([base, extra], ignore_index=True)


def test_band_edges_by_hand():
    block = vawg_reporting_delay(_hand_table(), "barnet", "2023-05")
    own = block.table[block.table["area"] == "Barnet"].set_index("band")["count"]
    # 120 in the same month; 1-2: edges 1, 2; 3-11: edges 3, 11; 12-59: 12, 59; 60+: 60.
    assert own.to_dict() == {
        "the same month": 120, "1 to 2 months later": 2, "3 to 11 months later": 2,
        "1 to 4 years later": 2, "5 years or more later": 1, "a year or more later": 3,
        "all with a committed month": 127, "committed month not recorded": 7,
        "committed month after the recorded month (set aside)": 2, "all recorded": 136}
    share = block.table.set_index(["area", "band"])["share"]
    assert share[("Barnet", "a year or more later")] == pytest.approx(3 / 127)
    assert share[("London", "the same month")] == pytest.approx(3840 / 3847)
    assert "7 had no month committed recorded and 2 had a month committed after" in block.text


def test_delay_refuses_bad_input():
    table = _hand_table()
    with pytest.raises(ValueError, match="lacks column"):
        vawg_reporting_delay(table.drop(columns="month_committed"), "Barnet", "2023-05")
    with pytest.raises(ValueError, match="twice"):
        vawg_reporting_delay(pd.concat([table, table.head(3)]), "Barnet", "2023-05")
    with pytest.raises(KeyError, match="not a London borough"):
        vawg_reporting_delay(table, "Barsetshire", "2023-05")
    with pytest.raises(ValueError, match="no rows for 31 of the 32 boroughs"):
        vawg_reporting_delay(table[table["borough"] == "Barnet"], "Barnet", "2023-05")


def test_findings_none_for_uncomputed_block():
    rows = pd.DataFrame({"area": ["Barnet"], "period": ["x"], "band": ["a year or more later"],
                         "count": [pd.NA], "share": [np.nan],
                         "comparison": ["not compared"], "status": ["not available: x"]})
    assert vawg_findings(ProfileBlock(rows, "")) == []


# -- wards ------------------------------------------------------------------------------------

TS007A = SHARED_DATA / "population" / "census2021-ts007a-lsoa.csv"
WARD_LOOKUP = SHARED_DATA / "lookups" / "barnet_LSOA21_to_WD22_lsoa_ward.csv"
WARDS_2022 = SHARED_DATA / "boundaries" / "wards-2022-london-ons-by-borough" / "E09000003.geojson"


def _barnet_wards():
    for path in (TS007A, WARD_LOOKUP, WARDS_2022):
        _require(path)
    import geopandas as gpd

    wards = gpd.read_file(WARDS_2022).to_crs(27700)
    return wards.rename(columns={"WD22CD": "ward_code", "WD22NM": "ward_name"})[
        ["ward_code", "ward_name", "geometry"]]


def test_ward_rows_place_every_named_ward_and_report_the_rest(real):
    from scpb_analysis.blocks.vawg import vawg_ward_rows

    location, tidy = real
    wards = _barnet_wards()
    rows = vawg_ward_rows(tidy, "Barnet", wards)
    barnet = location[location["borough_name"] == "Barnet"]
    # Either publication may spell '&' for 'and' (both spell Totteridge & Woodside today).
    spelled = barnet["ward_name_clean_2"].str.replace("&", "and", regex=False)
    names = dict(zip(wards["ward_name"].str.replace("&", "and", regex=False),
                     wards["ward_name"], strict=True))
    named = spelled.isin(set(names))
    by_hand = (barnet[named].assign(ward=spelled[named].map(names))
               .groupby("ward")["count"].sum())
    got = rows.groupby("area_name")["count"].sum()
    assert got.sort_index().to_dict() == by_hand.sort_index().to_dict()
    assert set(rows["area_code"]) <= set(wards["ward_code"])
    unplaced = int(barnet.loc[~named & barnet["ward_name_clean_2"].notna(), "count"].sum())
    no_ward = int(barnet.loc[barnet["ward_name_clean_2"].isna(), "count"].sum())
    assert unplaced > 0 and no_ward > 0
    note = rows.attrs["set_aside"][0]
    assert f"{unplaced:,} VAWG offence{'' if unplaced == 1 else 's'} in Barnet" in note
    assert f"{no_ward:,} with no ward" in note
    assert int(rows["count"].sum()) + unplaced + no_ward == int(barnet["count"].sum())


def test_ward_rows_refuse_ambiguous_wards_and_an_absent_area(real):
    from scpb_analysis.blocks.vawg import vawg_ward_rows

    _, tidy = real
    twins = pd.DataFrame({"ward_code": ["A", "B"], "ward_name": ["Totteridge & Woodside",
                                                                 "totteridge and woodside"]})
    with pytest.raises(ValueError, match="share the name"):
        vawg_ward_rows(tidy, "Barnet", twins)
    with pytest.raises(ValueError, match="no offences for Barnet"):
        vawg_ward_rows(tidy[tidy["borough"] != "Barnet"], "Barnet", twins.iloc[:1])


def test_vawg_persistence_windows_match_the_raw_parquet(real):
    import math

    from scpb_analysis.blocks.sv_places import hotspot_windows, persistent_hotspots
    from scpb_analysis.blocks.vawg import vawg_ward_rows

    location, tidy = real
    wards = _barnet_wards()
    census = pd.read_csv(TS007A, encoding="utf-8-sig").set_index("geography code")
    lookup = pd.read_csv(WARD_LOOKUP, encoding="utf-8-sig", dtype=str)
    residents = census["Age: Total"].reindex(lookup["LSOA21CD"]).groupby(
        lookup["WD22CD"].to_numpy()).sum()
    population = residents.rename_axis("ward_code").reset_index(name="population")
    out = persistent_hotspots(vawg_ward_rows(tidy, "Barnet", wards), wards, population,
                              "2023-05", [VAWG_INDICATOR], n_windows=5)
    assert out.windows["status"].tolist() == ["used"] * 5
    barnet = location[location["borough_name"] == "Barnet"].copy()
    barnet["code"] = barnet["ward_name_clean_2"].str.replace("&", "and", regex=False).map(
        dict(zip(wards["ward_name"].str.replace("&", "and", regex=False), wards["ward_code"],
                 strict=True)))
    barnet["month"] = barnet["recorded_date_months"].dt.strftime("%Y-%m")
    for window in hotspot_windows("2023-05", 5):
        months = {str(m) for m in window.months}
        counts = (barnet[barnet["month"].isin(months)].groupby("code")["count"].sum()
                  .reindex(wards["ward_code"], fill_value=0))
        rate = counts / residents.reindex(counts.index) * 1000
        mine = out.detail[out.detail["window"] == window.label].set_index("ward_code")
        assert mine["count"].reindex(rate.index).tolist() == counts.astype(float).tolist()
        assert mine["value"].reindex(rate.index).to_numpy() == pytest.approx(rate.to_numpy())
        top = rate.rank(method="min", ascending=False) <= math.ceil(len(rate) / 5)
        assert mine["hot"].reindex(rate.index).tolist() == top.tolist()


def test_ward_rows_match_spellings_and_refuse_a_file_on_other_wards():
    from scpb_analysis.blocks.vawg import MAX_UNPLACED_SHARE, vawg_ward_rows
    from scpb_analysis.core.errors import CoverageError

    wards = pd.DataFrame({"ward_code": ["S1", "S2", "T1"],
                          "ward_name": ["St George's", "Nunhead & Queen's Road",
                                        "Bethnal Green"]})
    month = pd.Period("2024-05", "M")
    spelled = pd.DataFrame({"area_type": "borough", "borough": "Southwark", "month": month,
                            "ward": ["St. Georges", "Nunhead & Queens Road"],
                            "count": [7, 5]})
    rows = vawg_ward_rows(spelled, "Southwark", wards)
    assert rows.set_index("area_code")["count"].to_dict() == {"S1": 7, "S2": 5}
    assert rows.attrs["set_aside"] == []
    # Offences on wards the map does not hold: a few are set aside and said; more than
    # MAX_UNPLACED_SHARE of the area's would leave Bethnal Green short, so it is refused.
    few = pd.DataFrame({"area_type": "borough", "borough": "Tower Hamlets", "month": month,
                        "ward": ["Bethnal Green", "Bethnal Green East"], "count": [1000, 5]})
    assert 5 <= MAX_UNPLACED_SHARE * 1005
    assert "Bethnal Green East: 5" in vawg_ward_rows(few, "Tower Hamlets",
                                                     wards).attrs["set_aside"][0]
    many = few.assign(count=[1000, 400])
    with pytest.raises(CoverageError, match=r"400 of Tower Hamlets's 1,400 .*Bethnal Green "
                                            r"East: 400"):
        vawg_ward_rows(many, "Tower Hamlets", wards)
