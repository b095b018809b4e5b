"""Where serious violence happens (needs assessment): each number recomputed from the raw files.

Rates by deprivation are recomputed with plain pandas from the MPS LSOA parquet, the Census
2021 TS007A CSV, the IMD 2019 File 1 workbook and the ONS exact-fit lookup (IMD carried to
2021 LSOAs as the mean rank of their 2011 LSOAs), rate-ratio limits from scipy's exact
binomial interval. Hot-spot window counts are recomputed from the raw MPS ward CSVs (per month
the newest file holding it, as the pack reads them) and ward residents from TS007A and the ONS
LSOA to ward lookup.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import SHARED_DATA

from scpb_analysis.blocks.sv_places import (
    CLASS_ORDER,
    HOT_COLUMNS,
    deprivation_profile,
    hotspot_windows,
    latest_covered_end,
    persistent_hotspots,
)
from scpb_analysis.core.errors import CoverageError

LSOA_FILE = SHARED_DATA / "mps" / "lsoa" / "recorded-crime-lsoa_202402-202602.parquet"
WARD_DIR = SHARED_DATA / "mps" / "ward"
TS007A = SHARED_DATA / "population" / "census2021-ts007a-lsoa.csv"
IMD = SHARED_DATA / "deprivation" / "File_1_-_IMD2019_Index_of_Multiple_Deprivation.xlsx"
EXACT_FIT = (SHARED_DATA / "lookups" / "LSOA_(2011)_to_LSOA_(2021)_to_Local_Authority_District_"
             "(2022)_Exact_Fit_Lookup_for_EW_(V3).csv")
WARD_LOOKUP = SHARED_DATA / "lookups" / "barnet_LSOA21_to_WD22_lsoa_ward.csv"
ENGLAND_LSOAS = 32_844
VIOLENCE = ("violence_with_injury", "robbery_of_personal_property")
# The Home Office 2023 coding publishes death or serious injury by unlawful driving apart;
# earlier codings (and ONS) count it in violence with injury, so the taxonomy sums it back.
MINORS = {"violence_with_injury": ["VIOLENCE WITH INJURY", "DEATH SERIOUS INJURY ILLEGAL DRIVING"],
          "robbery_of_personal_property": ["ROBBERY OF PERSONAL PROPERTY"]}


# The LSOA and ward Parquet copies hold 0.1% of February 2024: the reader sets the month aside
# and says so in a warning, which these tests expect.
pytestmark = pytest.mark.filterwarnings("ignore:.*month 2024-02 set aside:UserWarning")


def _need(*paths: Path) -> None:
    for path in paths:
        if not path.exists():
            pytest.skip(f"real public data not found at {path}: these tests read "
                        "../shared/data beside the repository (or $SCPB_SHARED_DATA)")


def _open(end: str, **kwargs):
    from scpb_analysis.pack.data import open_pack_data

    return open_pack_data(SHARED_DATA, "Barnet", end, cache_dir=None, **kwargs)


# ---------------------------------------------------------------------------------------------
# Raw recomputation with plain pandas


@pytest.fixture(scope="module")
def raw_lsoas() -> pd.DataFrame:
    """Barnet's 2021 LSOAs: residents, IMD 2019 rank, national and local quintiles."""
    _need(TS007A, IMD, EXACT_FIT)
    lookup = pd.read_csv(EXACT_FIT, encoding="utf-8-sig", dtype=str)
    mine = lookup[lookup["LAD22NM"].isin(["Barnet"])]
    imd = pd.read_excel(IMD, sheet_name="IMD2019", engine="openpyxl")
    rank = imd.set_index("LSOA code (2011)")["Index of Multiple Deprivation (IMD) Rank"]
    mine = mine.assign(rank=mine["LSOA11CD"].map(rank))
    assert mine["rank"].notna().all()
    out = mine.groupby("LSOA21CD")["rank"].mean().rename("rank").to_frame()
    census = pd.read_csv(TS007A, encoding="utf-8-sig").set_index("geography code")
    out["population"] = census["Age: Total"].reindex(out.index)
    out["national"] = np.ceil(out["rank"] * 5 / ENGLAND_LSOAS).astype(int)
    out["decile"] = np.ceil(out["rank"] * 10 / ENGLAND_LSOAS).astype(int)
    position = out["rank"].rank(method="min")
    out["local"] = np.ceil(position * 5 / len(out)).astype(int)
    assert len(out) == 220 and out["population"].notna().all()
    return out


@pytest.fixture(scope="module")
def raw_lsoa_counts(raw_lsoas) -> pd.DataFrame:
    """Offences by Barnet LSOA, March 2024 to February 2025, from the MPS LSOA parquet."""
    _need(LSOA_FILE)
    raw = pd.read_parquet(LSOA_FILE)
    raw = raw[raw["lsoa_code"].isin(raw_lsoas.index)]
    months = [str(m).replace("-", "") for m in pd.period_range("2024-03", "2025-02", freq="M")]
    out = pd.DataFrame(index=raw_lsoas.index)
    for indicator, minors in MINORS.items():
        rows = raw[raw["minor_category"].isin(minors)]
        out[indicator] = rows.groupby("lsoa_code")[months].sum().sum(axis=1).reindex(
            out.index, fill_value=0)
    return out


@pytest.fixture(scope="module")
def barnet_2025():
    _need(LSOA_FILE, TS007A, IMD, EXACT_FIT)
    data = _open("2025-02")
    profile = deprivation_profile(data.lsoa_crime(), data.lsoa_deprivation(), data.area,
                                  "2025-02", [*VIOLENCE, "rape"])
    return data, profile


def _exact_ratio_limits(a: int, b: int, pop_a: float, pop_b: float) -> tuple[float, float]:
    from scipy.stats import binomtest

    ci = binomtest(a, a + b).proportion_ci(0.95, method="exact")
    return (ci.low / (1 - ci.low) * pop_b / pop_a, ci.high / (1 - ci.high) * pop_b / pop_a)


# ---------------------------------------------------------------------------------------------
# Rates by deprivation, Barnet, 12 months to February 2025


@pytest.mark.parametrize("indicator", [*VIOLENCE, "+".join(VIOLENCE)])
def test_rates_by_national_quintile_match_the_raw_files(barnet_2025, raw_lsoas, raw_lsoa_counts,
                                                        indicator):
    _, profile = barnet_2025
    ids = indicator.split("+")
    counts = raw_lsoa_counts[ids].sum(axis=1)
    frame = raw_lsoas.assign(count=counts)
    mine = profile.table[(profile.table["indicator"] == indicator)
                         & (profile.table["view"] == "national quintile")].set_index(
        "group_number")
    for q in range(1, 6):
        part = frame[frame["national"] == q]
        row = mine.loc[q]
        assert row["lsoas"] == len(part)
        assert row["count"] == part["count"].sum()
        assert row["population"] == part["population"].sum()
        assert row["value"] == pytest.approx(part["count"].sum() / part["population"].sum()
                                             * 1000)
    # Barnet's LSOAs in each national decile, and the whole borough.
    deciles = profile.table[(profile.table["indicator"] == indicator)
                            & (profile.table["view"] == "national decile")]
    assert deciles["lsoas"].tolist() == [int((frame["decile"] == d).sum()) for d in range(1, 11)]
    whole = profile.table[(profile.table["indicator"] == indicator)
                          & (profile.table["view"] == "all")].iloc[0]
    assert (whole["count"], whole["population"]) == (frame["count"].sum(),
                                                     frame["population"].sum())


@pytest.mark.parametrize("basis", ["national", "local"])
def test_the_most_deprived_fifth_against_the_rest_matches_the_raw_files(
        barnet_2025, raw_lsoas, raw_lsoa_counts, basis):
    _, profile = barnet_2025
    code = "+".join(VIOLENCE)
    frame = raw_lsoas.assign(count=raw_lsoa_counts[list(VIOLENCE)].sum(axis=1))
    most = frame[frame[basis] == 1]
    rest = frame[frame[basis] != 1]
    a, b = int(most["count"].sum()), int(rest["count"].sum())
    pa, pb = float(most["population"].sum()), float(rest["population"].sum())
    row = profile.ratios.set_index(["indicator", "quintile_basis"]).loc[(code, basis)]
    assert (row["lsoas"], row["count"], row["rest_count"]) == (len(most), a, b)
    assert row["rate_ratio"] == pytest.approx((a / pa) / (b / pb))
    low, high = _exact_ratio_limits(a, b, pa, pb)
    assert (row["ratio_lower"], row["ratio_upper"]) == (pytest.approx(low), pytest.approx(high))
    assert row["residents_share"] == pytest.approx(pa / (pa + pb))
    # Barnet: 7 LSOAs (3.2% of residents) in England's most deprived fifth; 44 in its own.
    assert row["lsoas"] == {"national": 7, "local": 44}[basis]


def test_the_sentence_says_what_the_table_says(barnet_2025):
    from scpb_analysis.core.rounding import round_half_up

    _, profile = barnet_2025
    ratios = profile.ratios.set_index(["indicator", "quintile_basis"])
    national = ratios.loc[("+".join(VIOLENCE), "national")]
    local = ratios.loc[("+".join(VIOLENCE), "local")]
    text = profile.text
    assert "March 2024 to February 2025" in text
    for row in (national, local):  # national fifth under 10% of residents: both are given
        assert f"{round_half_up(row['value'], 1):.1f} per 1,000" in text
        assert f"{round_half_up(row['rate_ratio'], 2):.2f} times" in text
        assert f"{row['count']:,} offences" in text
    assert "3.2% of Barnet's residents" in text
    assert "beyond what chance would explain" in text
    assert "<NA>" not in text and "nan" not in text


def test_offences_the_lsoa_file_does_not_hold_are_named(barnet_2025):
    _, profile = barnet_2025
    assert not (profile.table["indicator"] == "rape").any()
    assert any("rape" in note and "no sexual offences" in note for note in profile.notes)
    raw = pd.read_parquet(LSOA_FILE, columns=["major_category"])
    assert "SEXUAL OFFENCES" not in set(raw["major_category"])


def test_barnet_2023_is_refused_naming_the_file_needed():
    _need(LSOA_FILE, TS007A, IMD, EXACT_FIT)
    raw_months = [c for c in pd.read_parquet(LSOA_FILE).columns if c.isdigit()]
    assert min(raw_months) > "202206"  # the file does not reach back to June 2022
    data = _open("2023-05")
    with pytest.raises(CoverageError) as refused:
        deprivation_profile(data.lsoa_crime(), data.lsoa_deprivation(), data.area, "2023-05",
                            VIOLENCE)
    message = str(refused.value)
    assert "June 2022 to May 2023" in message
    assert "MPS LSOA Level Crime (most recent 24 months)" in message
    assert "vintage ending May 2023 to May 2024" in message
    assert latest_covered_end(data.lsoa_crime()["month"].unique(), "2023-05") is None


def test_a_month_missing_from_the_window_is_refused_not_read_as_zero(barnet_2025):
    data, _ = barnet_2025
    crime = data.lsoa_crime()
    holed = crime[crime["month"] != pd.Period("2024-07", "M")]
    with pytest.raises(CoverageError, match="lack July 2024"):
        deprivation_profile(holed, data.lsoa_deprivation(), data.area, "2025-02", VIOLENCE)
    assert latest_covered_end(holed["month"].unique(), "2025-02") is None
    # From August 2024 the months run unbroken: September 2024 to August 2025 is whole.
    assert str(latest_covered_end(holed["month"].unique(), "2025-08")) == "2025-08"


# ---------------------------------------------------------------------------------------------
# Bad input and small tables


def _small_lsoas() -> pd.DataFrame:
    return pd.DataFrame({"lsoa_code": list("ABCDE"), "lsoa11_codes": list("ABCDE"),
                         "imd_decile": [3, 3, 5, 7, 9], "imd_quintile": [2, 2, 3, 4, 5],
                         "borough_quintile": [1, 2, 3, 4, 5], "population": [1500] * 5})


def _small_crime(counts=(30, 12, 9, 6, 3)) -> pd.DataFrame:
    return pd.DataFrame({"month": pd.Period("2023-05", "M"), "area_type": "lsoa",
                         "area_code": list("ABCDE"), "indicator": "violence_with_injury",
                         "count": list(counts)})


def test_deciles_and_the_national_fifth_without_lsoas_are_said_not_computed():
    out = deprivation_profile(_small_crime(), _small_lsoas(), "Camden", "2023-05",
                              ["violence_with_injury"], months=1)
    deciles = out.table[out.table["view"] == "national decile"].set_index("group_number")
    assert deciles.loc[1, "lsoas"] == 0 and deciles.loc[1, "status"].startswith("no LSOA")
    assert math.isnan(deciles.loc[1, "value"])
    national = out.ratios.set_index("quintile_basis").loc["national"]
    assert national["status"].startswith("not available")
    assert "No LSOA of Camden is in England's most deprived fifth" in out.text
    assert "Camden's own most deprived fifth is shown too" in out.text
    assert "national deciles 1, 2, 4, 6, 8, 10" in out.text


def test_bad_lsoa_tables_are_refused():
    lsoas = _small_lsoas()
    doubled = pd.concat([_small_crime(), _small_crime().head(1)])
    with pytest.raises(ValueError, match="twice"):
        deprivation_profile(doubled, lsoas, "Camden", "2023-05", ["violence_with_injury"],
                            months=1)
    foreign = _small_crime().assign(area_code=["A", "B", "C", "D", "Z"])
    with pytest.raises(ValueError, match="not Camden's 2021 LSOAs: Z"):
        deprivation_profile(foreign, lsoas, "Camden", "2023-05", ["violence_with_injury"],
                            months=1)
    with pytest.raises(ValueError, match="holds none of"):
        deprivation_profile(_small_crime(), lsoas, "Camden", "2023-05", ["robbery"], months=1)
    with pytest.raises(ValueError, match="no column"):
        deprivation_profile(_small_crime().drop(columns="count"), lsoas, "Camden", "2023-05",
                            ["violence_with_injury"], months=1)
    with pytest.raises(ValueError, match="0 or more"):
        deprivation_profile(_small_crime(counts=(1, -2, 0, 0, 0)), lsoas, "Camden", "2023-05",
                            ["violence_with_injury"], months=1)


# ---------------------------------------------------------------------------------------------
# Persistent hot spots: the classification on a small grid


def _grid():
    import geopandas as gpd
    from shapely.geometry import box

    codes = [f"W{i}" for i in range(10)]
    wards = gpd.GeoDataFrame({"ward_code": codes, "ward_name": [f"Ward {c}" for c in codes]},
                             geometry=[box(i % 5, i // 5, i % 5 + 1, i // 5 + 1)
                                       for i in range(10)], crs=27700)
    return wards, pd.DataFrame({"ward_code": codes, "population": 1000})


def _yearly(pattern: dict[str, list[int]], end: str = "2024-02", years: int = 4,
            indicator: str = "robbery") -> pd.DataFrame:
    months = pd.period_range(pd.Period(end, "M") - (12 * years - 1), end, freq="M")
    rows = []
    for m in months:
        year = (m - months[0]).n // 12
        for ward, counts in pattern.items():
            rows.append({"month": m, "area_type": "ward", "area_code": ward,
                         "indicator": indicator, "count": counts[year]})
    return pd.DataFrame(rows)


def test_each_persistence_class_follows_its_rule():
    wards, pop = _grid()
    # Two hot wards a year (the top fifth of ten); oldest year first.
    pattern = {f"W{i}": [1, 1, 1, 1] for i in range(10)}
    pattern.update({"W0": [9, 9, 9, 9], "W2": [1, 1, 1, 9], "W3": [9, 9, 1, 1],
                    "W4": [1, 1, 9, 1]})
    out = persistent_hotspots(_yearly(pattern), wards, pop, "2024-02", ["robbery"])
    got = dict(zip(out.table["ward_code"], out.table["persistence"], strict=True))
    assert got["W0"] == "persistent"
    assert got["W2"] == "emerging"
    assert got["W3"] == got["W4"] == "fading"
    assert got["W1"] == "never hot"
    assert {got[f"W{i}"] for i in range(5, 10)} == {"never hot"}
    assert out.table["persistence"].tolist() == sorted(
        out.table["persistence"], key=CLASS_ORDER.index)
    assert list(out.windows["column"]) == list(reversed(HOT_COLUMNS[:4]))
    assert out.windows["n_wards"].tolist() == [2, 2, 2, 2]
    row = out.table.set_index("ward_code").loc["W3"]
    assert (row["hot_latest"], row["hot_1y_before"], row["hot_2y_before"],
            row["hot_3y_before"]) == (False, False, True, True)
    assert "1 ward persistent" in out.text and "1 ward emerging" in out.text
    assert "2 wards fading" in out.text and "Ward W2" in out.text


def test_intermittent_needs_more_than_three_windows():
    wards, pop = _grid()
    pattern = {f"W{i}": [1, 1, 1, 1] for i in range(10)}
    pattern.update({"W0": [9, 1, 1, 9], "W1": [1, 9, 9, 9], "W2": [9, 9, 1, 1],
                    "W3": [1, 1, 9, 1]})
    out = persistent_hotspots(_yearly(pattern), wards, pop, "2024-02", ["robbery"])
    got = dict(zip(out.table["ward_code"], out.table["persistence"], strict=True))
    assert got["W0"] == "intermittent" and got["W1"] == "persistent"


def test_windows_the_data_do_not_cover_are_left_out_and_named():
    wards, pop = _grid()
    pattern = {f"W{i}": [1, 1, 1, 1, 1] for i in range(10)}
    crime = _yearly(pattern, years=5)
    crime = crime[crime["month"] != pd.Period("2021-06", "M")]  # a gap in the second year
    out = persistent_hotspots(crime, wards, pop, "2024-02", ["robbery"], n_windows=5)
    left = out.windows[out.windows["status"] == "left out"]
    assert left["window"].tolist() == ["March 2021 to February 2022"]
    assert "lack June 2021" in left["detail"].iloc[0]
    assert "Left out: March 2021 to February 2022 (the ward counts lack June 2021)" in out.text
    assert (out.table["windows_used"] == 4).all()
    # The latest window must be whole; and at least min_windows must be usable.
    latest_gap = crime[crime["month"] != pd.Period("2024-01", "M")]
    with pytest.raises(CoverageError, match="needs the latest window"):
        persistent_hotspots(latest_gap, wards, pop, "2024-02", ["robbery"])
    with pytest.raises(CoverageError, match="at least 5 windows"):
        persistent_hotspots(crime, wards, pop, "2024-02", ["robbery"], n_windows=5,
                            min_windows=5)


def test_months_on_other_ward_codes_need_a_crosswalk():
    wards, pop = _grid()
    pattern = {f"W{i}": [1, 1, 1, 1] for i in range(10)}
    crime = _yearly(pattern)
    old = crime["month"] < pd.Period("2021-03", "M")
    crime.loc[old, "area_code"] = crime.loc[old, "area_code"].str.replace("W", "OLD")
    out = persistent_hotspots(crime, wards, pop, "2024-02", ["robbery"])
    left = out.windows[out.windows["status"] == "left out"]
    assert left["window"].tolist() == ["March 2020 to February 2021"]
    assert "no crosswalk" in left["detail"].iloc[0]
    xw = pd.DataFrame({"ward_code_2014": [f"OLD{i}" for i in range(10)],
                       "ward_name_2014": [f"old {i}" for i in range(10)],
                       "ward_code_2022": [f"W{i}" for i in range(10)],
                       "ward_name_2022": [f"Ward W{i}" for i in range(10)], "weight": 1.0})
    moved = persistent_hotspots(crime, wards, pop, "2024-02", ["robbery"], crosswalk=xw)
    first = moved.windows.iloc[0]
    assert first["status"] == "used" and first["estimated"]
    assert "apportioned" in first["detail"] and "estimates" in moved.text


def test_bad_hotspot_input_is_refused():
    wards, pop = _grid()
    crime = _yearly({f"W{i}": [1, 1, 1, 1] for i in range(10)})
    with pytest.raises(ValueError, match="rule must be"):
        persistent_hotspots(crime, wards, pop, "2024-02", ["robbery"], rule="hottest")
    with pytest.raises(ValueError, match="no residents for ward"):
        persistent_hotspots(crime, wards, pop.iloc[1:], "2024-02", ["robbery"])
    with pytest.raises(ValueError, match="holds none of"):
        persistent_hotspots(crime, wards, pop, "2024-02", ["homicide"])
    with pytest.raises(ValueError, match="n_windows"):
        hotspot_windows("2024-02", 6)


# ---------------------------------------------------------------------------------------------
# Persistent hot spots on Barnet's real ward files, 2025-02


def _raw_ward_counts() -> pd.DataFrame:
    """Barnet's ward counts of VIOLENCE by month from the raw CSVs, each month from the newest
    file holding it (the pack's as-published read for 2025-02 keeps all four files)."""
    parts = []
    for path in sorted(WARD_DIR.glob("*.csv")):
        raw = pd.read_csv(path, dtype=str)
        raw = raw[raw["LookUp_BoroughName"].isin(["Barnet"])
                  & raw["MinorText"].str.upper().isin([m for ms in MINORS.values()
                                                       for m in ms])]
        months = [c for c in raw.columns if c.isdigit()]
        long = raw.melt(id_vars=["WardCode"], value_vars=months, var_name="month",
                        value_name="count")
        long["count"] = long["count"].astype(int)
        long["file_end"] = max(months)
        parts.append(long)
    every = pd.concat(parts)
    newest = every.groupby("month")["file_end"].transform("max")
    return every[every["file_end"] == newest].groupby(["month", "WardCode"])["count"].sum(
        ).reset_index()


def test_barnet_hotspot_windows_match_the_raw_ward_files():
    _need(WARD_DIR, TS007A, WARD_LOOKUP)
    data = _open("2025-02")
    out = persistent_hotspots(data.ward_crime(), data.wards(), data.ward_population(),
                              "2025-02", VIOLENCE, crosswalk=data.ward_crosswalk())
    assert out.windows["status"].tolist() == ["used"] * 4
    assert out.windows["estimated"].tolist() == [True, False, False, False]
    raw = _raw_ward_counts()
    census = pd.read_csv(TS007A, encoding="utf-8-sig").set_index("geography code")
    lookup = pd.read_csv(WARD_LOOKUP, encoding="utf-8-sig", dtype=str)
    residents = census["Age: Total"].reindex(lookup["LSOA21CD"]).groupby(
        lookup["WD22CD"].to_numpy()).sum()
    for window in hotspot_windows("2025-02", 4):
        months = {str(m).replace("-", "") for m in window.months}
        mine = out.detail[out.detail["window"] == window.label].set_index("ward_code")
        inside = raw[raw["month"].isin(months)]
        if window.start >= pd.Period("2022-02", "M"):  # all on 2022 wards, as published
            counts = inside.groupby("WardCode")["count"].sum().reindex(mine.index,
                                                                       fill_value=0)
            assert mine["count"].tolist() == counts.astype(float).tolist()
            rate = counts / residents.reindex(mine.index) * 1000
            assert mine["value"].to_numpy() == pytest.approx(rate.to_numpy())
            top = rate.rank(method="min", ascending=False) <= math.ceil(len(rate) / 5)
            assert mine["hot"].tolist() == top.tolist()
        else:  # 2014-ward months apportioned: the borough total is kept exactly
            assert mine["count"].sum() == pytest.approx(inside["count"].sum())
    latest = out.table.set_index("ward_code")
    top_latest = out.detail[out.detail["window"] == "March 2024 to February 2025"]
    assert latest.loc[top_latest.loc[top_latest["hot"], "ward_code"], "hot_latest"].all()
    assert int(latest["hot_latest"].sum()) == math.ceil(24 / 5)


def test_the_persistence_map_draws_each_class_in_its_colour_and_refuses_unknown_ones():
    from scpb_analysis.charts.maps import HOTSPOT_COLOURS
    from scpb_analysis.charts.persistence_map import PERSISTENCE_COLOURS, persistence_map

    wards, pop = _grid()
    pattern = {f"W{i}": [1, 1, 1, 1] for i in range(10)}
    pattern.update({"W0": [9, 9, 9, 9], "W2": [1, 1, 1, 9], "W3": [9, 9, 1, 1]})
    out = persistent_hotspots(_yearly(pattern), wards, pop, "2024-02", ["robbery"])
    drawn = persistence_map(wards, out.table, labels=False)
    assert drawn.classes.to_dict() == dict(zip(out.table["ward_code"], out.table["persistence"],
                                               strict=True))
    assert drawn.legend_labels[0] == "Persistent hot spot (1 ward)"
    import matplotlib.colors as mc

    legend = next(ax.get_legend() for ax in drawn.figure.axes if ax.get_legend())
    shown = {t.get_text().split(" (")[0]: mc.to_hex(h.get_facecolor())
             for t, h in zip(legend.get_texts(), legend.legend_handles, strict=True)}
    expected = {words: colour for colour, words in PERSISTENCE_COLOURS.values()}
    assert shown and all(expected[words] == colour for words, colour in shown.items())
    # The classes are the persistence map's own: the Gi* maps' labels are left alone.
    assert not set(PERSISTENCE_COLOURS) & set(HOTSPOT_COLOURS)
    with pytest.raises(ValueError, match="unknown persistence class"):
        persistence_map(wards, out.table.assign(persistence="hot"))
