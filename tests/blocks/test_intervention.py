"""Intervention evaluation (WDD) areas, counts and windows.

On the real data the counts per area are recomputed from the raw police.uk CSV with plain
pandas and a geopandas spatial join, the neighbouring wards with shapely's ``touches``, and
the WDD from the four before/after totals by Wheeler and Ratcliffe's formula.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from conftest import SHARED_DATA
from shapely import box

from scpb_analysis.blocks.intervention import (
    areas_from_file,
    areas_from_wards,
    evaluate_intervention,
    role_counts,
)
from scpb_analysis.core.errors import CoverageError, InputDataError

BARNET_BURGLARY = SHARED_DATA / "policeuk" / "barnet-burglary-policeuk_2010-12_2025-02.csv"
needs_data = pytest.mark.skipif(not BARNET_BURGLARY.exists(),
                                reason=f"real data not found: {BARNET_BURGLARY}")


def _row_wards(n: int = 5) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"ward_code": [f"E0500000{i}" for i in range(n)],
                             "ward_name": [chr(65 + i) for i in range(n)]}, crs=27700,
                            geometry=[box(i * 1000, 0, i * 1000 + 1000, 1000)
                                      for i in range(n)])


@pytest.fixture(scope="module")
def barnet_wards():
    if not BARNET_BURGLARY.exists():
        pytest.skip(f"real data not found: {BARNET_BURGLARY}")
    from scpb_analysis.sources.boundaries import load_wards

    return load_wards(SHARED_DATA, "Barnet")


@pytest.fixture(scope="module")
def barnet_points(barnet_wards):
    raw = pd.read_csv(BARNET_BURGLARY)
    raw = raw.dropna(subset=["Longitude", "Latitude"])
    points = gpd.GeoDataFrame(raw, geometry=gpd.points_from_xy(raw["Longitude"],
                                                                raw["Latitude"]), crs=4326)
    points = points.to_crs(barnet_wards.crs)
    return pd.DataFrame({"month": pd.PeriodIndex(points["Month"], freq="M"),
                         "x": points.geometry.x, "y": points.geometry.y,
                         "geometry": points.geometry})


def test_neighbours_and_matched_controls_by_hand():
    wards = _row_wards()
    counts = pd.Series([40, 25, 12, 38, 30], index=wards["ward_code"])
    areas = areas_from_wards(wards, ["E05000000"], before_counts=counts)
    roles = dict(zip(areas.wards["ward_name"], areas.wards["role"], strict=True))
    # B touches A; of C (12), D (38), E (30) the nearest to A's 40 is D; of those left, the
    # nearest to B's 25 is E.
    assert roles == {"A": "treated", "B": "displacement", "D": "control",
                     "E": "displacement_control"}
    assert "Control: D" in areas.how and "Displacement" in areas.how
    none = areas_from_wards(wards, ["a"], displacement="none", control=["C"])
    assert set(none.areas["role"]) == {"treated", "control"}


def test_unknown_ward_and_a_ward_in_two_roles_are_refused():
    wards = _row_wards()
    with pytest.raises(InputDataError, match=r"no ward 'Hendon' in the area.*E05000000 \(A\)"):
        areas_from_wards(wards, ["Hendon"], control=["B"])
    with pytest.raises(InputDataError, match="both treated area and control area"):
        areas_from_wards(wards, ["A"], control=["A"], displacement="none")
    with pytest.raises(InputDataError, match="no control ward given and no counts"):
        areas_from_wards(wards, ["A"])


def test_areas_file_wrong_crs_overlap_and_roles_are_refused(tmp_path):
    wards = _row_wards()
    good = gpd.GeoDataFrame({"role": ["treated", "control"]}, crs=27700,
                            geometry=[box(0, 0, 500, 500), box(3000, 0, 3500, 500)])
    path = tmp_path / "areas.gpkg"
    good.to_file(path)
    assert areas_from_file(path, wards).areas["role"].tolist() == ["treated", "control"]
    # The same coordinates declared as degrees: the polygons land far from the wards.
    wrong = good.set_crs(4326, allow_override=True)
    wrong.to_file(tmp_path / "wrong.gpkg")
    with pytest.raises(InputDataError, match="lies outside the area's wards.*CRS"):
        areas_from_file(tmp_path / "wrong.gpkg", wards)
    overlap = gpd.GeoDataFrame({"role": ["treated", "control"]}, crs=27700,
                               geometry=[box(0, 0, 500, 500), box(250, 0, 750, 500)])
    overlap.to_file(tmp_path / "overlap.gpkg")
    with pytest.raises(InputDataError, match="treated area and the control area overlap"):
        areas_from_file(tmp_path / "overlap.gpkg", wards)
    bad = good.assign(role=["treated", "buffer"])
    bad.to_file(tmp_path / "bad.gpkg")
    with pytest.raises(InputDataError, match=r"row 3, column 'role': unknown role 'buffer'"):
        areas_from_file(tmp_path / "bad.gpkg", wards)
    good.drop(columns="role").assign(kind="x").to_file(tmp_path / "norole.gpkg")
    with pytest.raises(InputDataError, match="no column 'role'"):
        areas_from_file(tmp_path / "norole.gpkg", wards)


def test_a_window_month_the_data_do_not_hold_is_refused():
    months = pd.period_range("2022-01", "2023-12", freq="M")
    counts = pd.DataFrame({"month": list(months) * 2, "role": ["treated"] * 24
                           + ["control"] * 24, "count": 5})
    held = [m for m in months if m != pd.Period("2022-07", "M")]
    with pytest.raises(CoverageError, match="do not hold July 2022"):
        evaluate_intervention(counts, "2023-01", held_months=held)
    with pytest.raises(CoverageError, match="do not hold"):
        evaluate_intervention(counts, "2023-06")  # the after window runs past 2023-12
    with pytest.raises(ValueError, match="before_months must be a whole number"):
        evaluate_intervention(counts, "2023-01", before_months=0)


def test_unequal_windows_are_weighted_by_their_lengths():
    months = pd.period_range("2022-01", "2023-12", freq="M")
    counts = pd.DataFrame({"month": list(months) * 2, "role": ["treated"] * 24
                           + ["control"] * 24, "count": [4] * 24 + [6] * 24})
    out = evaluate_intervention(counts, "2023-01", before_months=12, after_months=6)
    row = out.table.iloc[0]
    # Per month: treated 4 -> 4, control 6 -> 6: no difference once the lengths are used.
    assert row["value"] == pytest.approx(0.0, abs=1e-12)
    assert out.summary.set_index("role").loc["treated", "after"] == 24


@needs_data
def test_role_counts_match_a_spatial_join_of_the_raw_csv(barnet_wards, barnet_points):
    months = pd.period_range("2021-06", "2023-05", freq="M")
    in_months = barnet_points.loc[barnet_points["month"].isin(months)]
    before = in_months.loc[in_months["month"] < pd.Period("2022-06", "M")]
    joined = gpd.sjoin(gpd.GeoDataFrame(before, geometry="geometry", crs=barnet_wards.crs),
                       barnet_wards[["ward_code", "geometry"]], predicate="within")
    before_counts = joined.groupby("ward_code").size().reindex(barnet_wards["ward_code"],
                                                              fill_value=0)
    treated = before_counts.idxmax()
    areas = areas_from_wards(barnet_wards, [treated], before_counts=before_counts)

    # Neighbours by shapely, independently of the block's 1 m tolerance.
    shape = barnet_wards.loc[barnet_wards["ward_code"] == treated].geometry.iloc[0]
    touching = set(barnet_wards.loc[barnet_wards.geometry.touches(shape)
                                    | barnet_wards.geometry.intersects(shape), "ward_code"])
    touching.discard(treated)
    got = set(areas.wards.loc[areas.wards["role"] == "displacement", "ward_code"])
    assert got == touching

    counted = role_counts(in_months, areas, months).counts
    role_of = areas.wards.set_index("ward_code")["role"]
    j = gpd.sjoin(gpd.GeoDataFrame(in_months, geometry="geometry", crs=barnet_wards.crs),
                  barnet_wards[["ward_code", "geometry"]], predicate="intersects")
    j = j.loc[~j.index.duplicated()]  # a point on a shared edge counts once
    j["role"] = j["ward_code"].map(role_of)
    expected = j.dropna(subset=["role"]).groupby(["role"]).size()
    got_totals = counted.groupby("role")["count"].sum()
    for role in expected.index:
        assert abs(int(got_totals[role]) - int(expected[role])) <= 2, role

    block = evaluate_intervention(counted, "2022-06", held_months=months)
    totals = block.summary.set_index("role")
    d = {r: (totals.loc[r, "before"], totals.loc[r, "after"]) for r in totals.index}
    wdd = ((d["treated"][1] - d["treated"][0]) - (d["control"][1] - d["control"][0])
           + (d["displacement"][1] - d["displacement"][0])
           - (d["displacement_control"][1] - d["displacement_control"][0]))
    variance = sum(sum(v) for v in d.values())
    row = block.table.iloc[0]
    assert row["value"] == wdd
    assert row["se"] == pytest.approx(math.sqrt(variance))
    assert row["p_value"] == pytest.approx(math.erfc(abs(wdd) / math.sqrt(variance)
                                                     / math.sqrt(2)))
    assert "<NA>" not in block.text and "nan" not in block.text
    word = "fewer" if wdd < 0 else "more"
    assert f"{abs(wdd):,.0f} {word} crimes" in block.text
    assert np.isfinite(row["lower"]) and row["lower"] < wdd < row["upper"]
