"""The intervention evaluation page on the real Barnet data, its numbers recomputed from the raw
police.uk CSVs with plain pandas, geopandas and numpy.

The page is built as a user would (``scpb build --only intervention_evaluation --set ...``):
Burnt Oak as the treated ward, the Knox table for 2022, the spatial point pattern test 2021
against 2023 by ward. The raw Met burglary files are read with pandas, Crime IDs kept once,
placed in Barnet's wards with a spatial join; each count on the page is checked against them.
"""

from __future__ import annotations

import math
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from conftest import MET_BURGLARY, SHARED_DATA

from scpb_analysis.pack.runner import build_pack

pytestmark = pytest.mark.slow

SETTINGS = {"treated_wards": "Burnt Oak", "knox_end": "2022-12", "pattern_base": "2021",
            "pattern_test": "2023"}


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    if not MET_BURGLARY.exists():
        pytest.skip(f"real public data not found at {MET_BURGLARY}")
    out = tmp_path_factory.mktemp("intervention") / "pack"
    build = build_pack(borough="Barnet", period_end="2023-05", data_dir=SHARED_DATA, out=out,
                       only=["intervention_evaluation"], progress=False, settings=SETTINGS)
    assert build.ok, build.summary()
    return out


@pytest.fixture(scope="module")
def raw_points():
    """Met burglary 2021-2023 from the raw CSVs, each Crime ID once, in Barnet's wards."""
    from scpb_analysis.sources.boundaries import load_wards

    frames = [pd.read_csv(p) for p in sorted(MET_BURGLARY.glob("*.csv"))]
    raw = pd.concat(frames, ignore_index=True)
    raw = raw.loc[raw["Crime type"] == "Burglary"].dropna(subset=["Longitude", "Latitude"])
    raw = raw.loc[raw["Crime ID"].isna() | ~raw["Crime ID"].duplicated()]
    points = gpd.GeoDataFrame(raw, crs=4326, geometry=gpd.points_from_xy(raw["Longitude"],
                                                                        raw["Latitude"]))
    wards = load_wards(SHARED_DATA, "Barnet")
    points = points.to_crs(wards.crs)
    joined = gpd.sjoin(points, wards[["ward_code", "ward_name", "geometry"]],
                       predicate="intersects")
    joined = joined.loc[~joined.index.duplicated()]
    joined["month"] = pd.PeriodIndex(joined["Month"], freq="M")
    joined["x"], joined["y"] = joined.geometry.x, joined.geometry.y
    return joined


def _table(page, name: str) -> pd.DataFrame:
    return pd.read_csv(page / "tables" / f"{name}.csv")


def _year(points: pd.DataFrame, year: int) -> pd.DataFrame:
    return points.loc[points["month"].dt.year == year]


def test_the_page_holds_every_method_and_reads_as_a_board_member_would(page):
    # The words of the page, without the charts' image data.
    text = re.sub(r"base64,[A-Za-z0-9+/=]+", "",
                  (page / "html" / "intervention_evaluation.html").read_text())
    for heading in ("Did it work?", "Repeat locations, January 2022 to December 2022",
                    "Near repeats, January 2022 to December 2022",
                    "Did the pattern move?", "How harmful", "Which hot spots last"):
        assert heading in text, heading
    assert "Treated: Burnt Oak" in text and "worked example" not in text
    assert "Treated wards" in text and "Burnt Oak</td>" in text  # the setting is recorded
    for bad in ("&lt;NA&gt;", ">nan<", "NaN", "n_12m"):
        assert bad not in text, bad


def test_repeat_locations_for_2022_match_the_raw_files(page, raw_points):
    points = _year(raw_points, 2022)
    per_point = points.groupby(["Longitude", "Latitude"]).size()
    summary = _table(page, "intervention_repeat_summary").iloc[0]
    assert summary["crimes"] == len(points)
    assert summary["locations"] == len(per_point)
    assert summary["repeat_locations"] == int((per_point >= 2).sum())
    assert summary["crimes_at_repeat_locations"] == int(per_point[per_point >= 2].sum())
    top = _table(page, "intervention_repeat_locations")
    assert top["crimes"].iloc[0] == per_point.max()


def test_knox_observed_pairs_for_2022_match_an_all_pairs_count(page, raw_points):
    points = _year(raw_points, 2022)
    x, y = points["x"].to_numpy(), points["y"].to_numpy()
    t = points["month"].dt.month.to_numpy()
    i, j = np.triu_indices(len(points), k=1)
    distance = np.abs(x[i] - x[j]) + np.abs(y[i] - y[j])  # Manhattan, as the page says
    apart = np.abs(t[i] - t[j])
    table = _table(page, "intervention_knox_test").set_index(["distance_band", "time_band"])
    same = distance == 0
    assert table.loc[("Same location", "0 to 1"), "observed"] == int((same & (apart <= 1)).sum())
    assert table.loc[("Same location", "2"), "observed"] == int((same & (apart == 2)).sum())
    near = (distance > 0) & (distance <= 200)
    assert table.loc[("1 to 200", "0 to 1"), "observed"] == int((near & (apart <= 1)).sum())
    far = distance > 1000
    assert table.loc[("More than 1000", "More than 3"), "observed"] == int(
        (far & (apart > 3)).sum())
    assert table["observed"].sum() == len(points) * (len(points) - 1) // 2


def test_the_pattern_test_counts_2021_and_2023_by_ward_from_the_raw_files(page, raw_points):
    wards = _table(page, "intervention_sppt_wards").set_index("area_code")
    for year, column in ((2021, "base_count"), (2023, "test_count")):
        expected = _year(raw_points, year).groupby("ward_code").size()
        got = wards[column]
        assert got.sum() == expected.sum(), year
        assert (got.reindex(expected.index, fill_value=0) == expected).all(), year
    summary = _table(page, "intervention_sppt_summary").iloc[0]
    assert summary["s_index"] == pytest.approx(wards["similarity"].mean())


def test_the_wdd_of_burnt_oak_against_its_neighbours_matches_the_raw_counts(page, raw_points):
    areas = _table(page, "intervention_areas_before_after").set_index("role")
    names = {role: set(str(label).split(", ")) for role, label in areas["area_label"].items()}
    assert names["treated"] == {"Burnt Oak"}
    # The displacement area is Burnt Oak's neighbours, from the ward polygons.
    from scpb_analysis.sources.boundaries import load_wards

    wards = load_wards(SHARED_DATA, "Barnet")
    shape = wards.loc[wards["ward_name"] == "Burnt Oak"].geometry.iloc[0]
    touching = set(wards.loc[wards.geometry.intersects(shape), "ward_name"]) - {"Burnt Oak"}
    assert names["displacement"] == touching

    before = raw_points.loc[raw_points["month"].between(pd.Period("2021-06", "M"),
                                                        pd.Period("2022-05", "M"))]
    after = raw_points.loc[raw_points["month"].between(pd.Period("2022-06", "M"),
                                                       pd.Period("2023-05", "M"))]
    totals = {}
    for role, members in names.items():
        b = int(before["ward_name"].isin(members).sum())
        a = int(after["ward_name"].isin(members).sum())
        assert (areas.loc[role, "before"], areas.loc[role, "after"]) == (b, a), role
        totals[role] = (b, a)
    change = {r: a - b for r, (b, a) in totals.items()}
    expected = (change["treated"] - change["control"] + change["displacement"]
                - change["displacement_control"])
    variance = sum(b + a for b, a in totals.values())
    wdd = _table(page, "intervention_wdd").iloc[0]
    assert wdd["value"] == expected
    assert wdd["se"] == pytest.approx(math.sqrt(variance))
    assert wdd["p_value"] == pytest.approx(math.erfc(abs(expected) / math.sqrt(2 * variance)))
