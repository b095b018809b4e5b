"""Repeat locations and the Knox test: brute-force recounts, hand-computed cases, the seeded
permutations replayed pair by pair, the real Barnet police.uk points, and refusals.

The brute force below is the Knox test written the plain way (Knox 1964; Johnson et al. 2007):
every pair of crimes, its distance and time apart, each band found by comparing against the
band edges one by one ("1 to 200" = above 0 up to and including 200). It shares no code with
the module's k-d tree, lag lookup or "all pairs minus near pairs" shortcut.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from conftest import SHARED_DATA

from scpb_analysis.stats.near_repeat import knox_test, repeat_locations
from scpb_analysis.stats.rates import proportion

BARNET = SHARED_DATA / "policeuk" / "barnet-burglary-policeuk_2010-12_2025-02.csv"
E0, N0 = 525_000, 190_000  # somewhere in Barnet on the British National Grid


def _band(value: float, width: float, n: int, same_band: bool) -> int:
    """0 = 'Same location' (distance only), then the bands, then 'More than'."""
    if same_band:
        if value == 0:
            return 0
        for k in range(1, n + 1):
            if value <= k * width:
                return k
        return n + 1
    for k in range(n):
        if value <= (k + 1) * width:
            return k
    return n


def _brute_table(xs, ys, ts, width, n_dist, t_width, n_time, metric) -> np.ndarray:
    table = np.zeros((n_dist + 2, n_time + 1), dtype=np.int64)
    for a, b in itertools.combinations(range(len(xs)), 2):
        dx, dy = abs(xs[a] - xs[b]), abs(ys[a] - ys[b])
        d = dx + dy if metric == "manhattan" else math.sqrt(dx * dx + dy * dy)
        table[_band(d, width, n_dist, True), _band(abs(ts[a] - ts[b]), t_width, n_time,
                                                   False)] += 1
    return table


def _random_points(seed: int, n: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    # On a 50 m grid, so many pairs sit exactly on band edges and many share a location.
    return pd.DataFrame({"x": E0 + rng.integers(0, 16, n) * 50.0,
                         "y": N0 + rng.integers(0, 16, n) * 50.0,
                         "time": rng.integers(0, 90, n)})


def _grid(result) -> np.ndarray:
    rows = len(result.distance_labels)
    return result.table["observed"].to_numpy().reshape(rows, -1)


# ---------------------------------------------------------------------------------------------
# Knox: counts
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("metric", ["manhattan", "euclidean"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_observed_counts_equal_a_brute_force_double_loop(metric, seed):
    pts = _random_points(seed, 120)
    out = knox_test(pts, distance_band=100, n_distance_bands=3, time_band=7, n_time_bands=4,
                    metric=metric, permutations=9)
    expected = _brute_table(pts["x"].tolist(), pts["y"].tolist(), pts["time"].tolist(),
                            100, 3, 7, 4, metric)
    np.testing.assert_array_equal(_grid(out), expected)
    assert expected[0].sum() > 0 and expected[-1].sum() > 0  # same-location and beyond pairs
    assert out.summary["pairs"].item() == 120 * 119 // 2 == expected.sum()


@pytest.mark.parametrize("dx, dy, gap, metric, cell", [
    (0, 0, 0, "manhattan", ("Same location", "0 to 14")),
    (0, 0, 14, "manhattan", ("Same location", "0 to 14")),
    (0, 0, 15, "manhattan", ("Same location", "15 to 28")),
    (0.01, 0, 28, "manhattan", ("1 to 200", "15 to 28")),
    (200, 0, 29, "manhattan", ("1 to 200", "More than 28")),
    (200.5, 0, 0, "manhattan", ("201 to 400", "0 to 14")),
    (250, 150, 0, "manhattan", ("201 to 400", "0 to 14")),  # 400 m on the edge
    (250, 151, 0, "manhattan", ("More than 400", "0 to 14")),
    (120, 160, 0, "euclidean", ("1 to 200", "0 to 14")),  # a 3-4-5 triangle: 200 m exactly
    (250, 150, 0, "euclidean", ("201 to 400", "0 to 14")),  # 291.5 m
    (300, 300, 0, "euclidean", ("More than 400", "0 to 14")),  # 424.3 m
])
def test_band_edges_are_inclusive_as_labelled(dx, dy, gap, metric, cell):
    pts = pd.DataFrame({"x": [E0, E0 + dx], "y": [N0, N0 + dy], "time": [100, 100 + gap]})
    out = knox_test(pts, distance_band=200, n_distance_bands=2, time_band=14, n_time_bands=2,
                    metric=metric, permutations=1)
    assert out.distance_labels == ["Same location", "1 to 200", "201 to 400", "More than 400"]
    assert out.time_labels == ["0 to 14", "15 to 28", "More than 28"]
    counted = out.table.set_index(["distance_band", "time_band"])["observed"]
    expected = _brute_table([E0, E0 + dx], [N0, N0 + dy], [100, 100 + gap], 200, 2, 14, 2,
                            metric)
    np.testing.assert_array_equal(_grid(out), expected)
    assert counted[cell] == 1 and counted.sum() == 1


def test_beyond_distance_row_against_brute_force_for_far_apart_points():
    # Two clusters 5 km apart: almost every pair is beyond the bands, and the "More than" row
    # (all pairs minus near pairs, never listed) must match pair-by-pair counting.
    rng = np.random.default_rng(8)
    n = 80
    xs = E0 + rng.integers(0, 4, n) * 30.0 + np.where(np.arange(n) < 40, 0, 5000)
    pts = pd.DataFrame({"x": xs, "y": N0 + rng.integers(0, 4, n) * 30.0,
                        "time": rng.integers(0, 400, n)})
    out = knox_test(pts, distance_band=50, n_distance_bands=2, time_band=30, n_time_bands=3,
                    permutations=5)
    expected = _brute_table(pts["x"].tolist(), pts["y"].tolist(), pts["time"].tolist(),
                            50, 2, 30, 3, "manhattan")
    np.testing.assert_array_equal(_grid(out)[-1], expected[-1])
    assert expected[-1].sum() >= 40 * 40


def test_expected_and_p_values_replay_the_seeded_permutations():
    # The permutations are numpy's default_rng(seed).permutation(n), one per run: replaying
    # them through the brute force gives the same expected counts and p-values.
    pts = _random_points(11, 60)
    runs, seed = 19, 77
    out = knox_test(pts, distance_band=150, n_distance_bands=2, time_band=10, n_time_bands=2,
                    metric="euclidean", permutations=runs, seed=seed)
    xs, ys, ts = pts["x"].tolist(), pts["y"].tolist(), pts["time"].to_numpy()
    observed = _brute_table(xs, ys, ts.tolist(), 150, 2, 10, 2, "euclidean").ravel()
    rng = np.random.default_rng(seed)
    sims = np.array([_brute_table(xs, ys, ts[rng.permutation(len(ts))].tolist(), 150, 2, 10,
                                  2, "euclidean").ravel() for _ in range(runs)])
    np.testing.assert_allclose(out.table["expected"], sims.mean(axis=0))
    np.testing.assert_allclose(out.table["p_value"],
                               (1 + (sims >= observed).sum(axis=0)) / (1 + runs))
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = observed / sims.mean(axis=0)
    np.testing.assert_allclose(out.table["knox_ratio"], ratio)
    assert (out.table["significant"] == (out.table["p_value"] <= 0.05)).all()


def test_same_seed_same_table_other_seed_other_simulation():
    pts = _random_points(5, 150)
    args = dict(distance_band=100, n_distance_bands=3, time_band=7, n_time_bands=3,
                permutations=39)
    first, again = knox_test(pts, **args), knox_test(pts, **args)
    pd.testing.assert_frame_equal(first.table, again.table)
    other = knox_test(pts, seed=1, **args)
    assert not np.allclose(first.table["expected"], other.table["expected"])
    np.testing.assert_array_equal(first.table["observed"], other.table["observed"])
    # Permuting times never changes how many pairs are at each time gap overall.
    for result in (first, other):
        sums = result.table.groupby("time_band", sort=False)["expected"].sum()
        obs = result.table.groupby("time_band", sort=False)["observed"].sum()
        np.testing.assert_allclose(sums, obs)


def test_calculator_table_marks_cells_as_the_calculator_colours_them():
    pts = _random_points(4, 200)
    clustered = pts.assign(time=(pts["x"] - E0) // 50 * 3 + (pts["time"] % 3))  # near repeats
    out = knox_test(clustered, distance_band=100, n_distance_bands=2, time_band=7,
                    n_time_bands=2, permutations=99)
    wide = out.calculator_table()
    assert wide.index.tolist() == ["Same location", "1 to 100 metres", "101 to 200 metres",
                                   "More than 200 metres"]
    assert wide.columns.tolist() == ["0 to 7 days", "8 to 14 days", "More than 14 days"]
    cells = wide.to_numpy().ravel()
    p_cells = out.calculator_table("p_value").to_numpy().ravel()
    for cell, p_cell, (_, row) in zip(cells, p_cells, out.table.iterrows(), strict=True):
        mark = "**" if row["p_value"] == pytest.approx(0.01) else (
            "*" if row["p_value"] <= 0.05 else "")
        assert p_cell == f"{row['p_value']:.2f}{mark}"
        if np.isnan(row["knox_ratio"]):
            assert cell == "-"
        else:
            assert cell == f"{row['knox_ratio']:.2f}{mark}"
    assert any(c.endswith("**") for c in cells) and any(not c.endswith("*") for c in cells)
    assert "best 99 runs allow" in wide.attrs["note"]
    assert "1 to 100 metres apart and 0 to 7 days apart" in out.text
    with pytest.raises(ValueError, match="values must be"):
        out.calculator_table("observed")


# ---------------------------------------------------------------------------------------------
# Knox: bad input
# ---------------------------------------------------------------------------------------------


def test_knox_sets_aside_points_without_coordinates_or_time():
    pts = _random_points(1, 30)
    pts.loc[3, "x"] = np.nan
    pts["time"] = pts["time"].astype(float)
    pts.loc[5, "time"] = np.nan
    out = knox_test(pts, distance_band=100, n_distance_bands=1, time_band=7, n_time_bands=1,
                    permutations=1)
    assert out.set_aside["record"].tolist() == [3, 5]
    assert out.set_aside["reason"].tolist() == ["no coordinates in 'x'/'y'", "no time in 'time'"]
    assert out.summary["points"].item() == 28 and out.table["observed"].sum() == 28 * 27 // 2


@pytest.mark.parametrize("change, message", [
    (dict(distance_band=0), "distance_band .metres. must be a whole number of 1 or more"),
    (dict(distance_band=150.5), "distance_band .metres. must be a whole number"),
    (dict(n_distance_bands=0), "n_distance_bands must be"),
    (dict(time_band=1.5), "time_band must be"),
    (dict(n_time_bands=-1), "n_time_bands must be"),
    (dict(permutations=0), "permutations must be"),
    (dict(metric="chebyshev"), "metric must be 'manhattan' or 'euclidean'"),
    (dict(x="easting"), "no column 'easting'"),
    (dict(time_unit=""), "time_unit must name"),
])
def test_knox_refuses_bad_arguments(change, message):
    args = dict(distance_band=100, n_distance_bands=2, time_band=7, n_time_bands=2,
                permutations=1) | change
    with pytest.raises(ValueError, match=message):
        knox_test(_random_points(1, 10), **args)


def test_knox_refuses_bad_coordinates_and_times():
    args = dict(distance_band=100, n_distance_bands=2, time_band=7, n_time_bands=2)
    lonlat = pd.DataFrame({"x": [-0.2, -0.21], "y": [51.6, 51.61], "time": [0, 1]})
    with pytest.raises(ValueError, match="look like longitude/latitude.*EPSG:27700"):
        knox_test(lonlat, **args)
    pts = _random_points(1, 10)
    with pytest.raises(ValueError, match="whole numbers .days, or months.; got 2.5 for record 4"):
        knox_test(pts.assign(time=np.where(pts.index == 4, 2.5, pts["time"])), **args)
    dates = pd.Series(pd.date_range("2023-01-01", periods=10))
    with pytest.raises(ValueError, match="must be numbers.*dt.days"):
        knox_test(pts.assign(time=dates), **args)
    with pytest.raises(ValueError, match="at least 2 points"):
        knox_test(pts.head(1), **args)
    with pytest.raises(ValueError, match="seconds or timestamps"):
        knox_test(pts.assign(time=pts["time"] * 10**9), **args)


# ---------------------------------------------------------------------------------------------
# Repeat locations
# ---------------------------------------------------------------------------------------------


def test_repeat_locations_hand_counted_with_groups():
    crimes = pd.DataFrame({
        "lon": [1.0, 1.0, 1.0, 2.0, 2.0, 3.0, 1.0, 1.0, 4.0, np.nan, 5.0],
        "lat": [9.0, 9.0, 9.0, 9.0, 9.0, 9.0, 9.0, 8.0, 9.0, 9.0, 9.0],
        "year": [2021, 2021, 2022, 2021, 2021, 2021, 2022, 2022, 2022, 2022, None]})
    out = repeat_locations(crimes, location=("lon", "lat"), by="year")
    # 2021: (1,9) x2, (2,9) x2, (3,9) x1 -> 2 of 3 locations repeat, 4 of 5 crimes.
    # 2022: (1,9) x2, (1,8) x1, (4,9) x1 -> 1 of 3 locations, 2 of 4 crimes.
    assert out.locations.to_dict("list") == {"year": [2021.0, 2021.0, 2022.0],
                                             "lon": [1.0, 2.0, 1.0], "lat": [9.0, 9.0, 9.0],
                                             "crimes": [2, 2, 2]}
    s = out.summary.set_index("year")
    assert s.loc[2021, ["crimes", "locations", "repeat_locations",
                        "crimes_at_repeat_locations"]].tolist() == [5, 3, 2, 4]
    assert s.loc[2022, ["crimes", "locations", "repeat_locations",
                        "crimes_at_repeat_locations"]].tolist() == [4, 3, 1, 2]
    assert s.loc[2021, "share_of_crimes_at_repeats"] == pytest.approx(0.8)
    wilson = proportion([2, 1], [3, 3])
    np.testing.assert_allclose(s[["share_of_locations_repeat", "lower", "upper"]].to_numpy(),
                               wilson[["value", "lower", "upper"]].to_numpy())
    assert out.set_aside.to_dict("list") == {
        "reason": ["no location (lon, lat missing)", "no value in 'year'"], "rows": [1, 1]}
    assert "Wilson" in s["method"].iloc[0] and "not independent" in s["method"].iloc[0]


def test_repeat_locations_by_address_id_and_sorting():
    crimes = pd.DataFrame({"uprn": ["b", "a", "b", "c", "a", "b", "c", "d"]})
    out = repeat_locations(crimes, location="uprn")
    assert out.locations.to_dict("list") == {"uprn": ["b", "a", "c"], "crimes": [3, 2, 2]}
    assert out.summary["share_of_crimes_at_repeats"].item() == pytest.approx(7 / 8)
    assert "snap point" not in out.summary["method"].item()
    assert out.set_aside.empty


def test_repeat_locations_refusals_and_empty_input():
    with pytest.raises(ValueError, match="no column 'easting'"):
        repeat_locations(pd.DataFrame({"x": [1]}), location=("easting", "x"))
    with pytest.raises(ValueError, match="no column 'ward'"):
        repeat_locations(pd.DataFrame({"longitude": [1.0], "latitude": [2.0]}), by="ward")
    with pytest.raises(ValueError, match="at least one column"):
        repeat_locations(pd.DataFrame({"x": [1]}), location=())
    empty = repeat_locations(pd.DataFrame({"longitude": [np.nan], "latitude": [np.nan]}))
    assert empty.summary["crimes"].item() == 0
    assert np.isnan(empty.summary["share_of_locations_repeat"].item())
    assert empty.set_aside["rows"].tolist() == [1]


# ---------------------------------------------------------------------------------------------
# Real data: Barnet police.uk burglary, 2022
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def barnet_2022():
    if not BARNET.exists():
        pytest.skip(f"real public data not found at {BARNET}: these tests read ../shared/data "
                    "beside the repository (or $SCPB_SHARED_DATA)")
    from pyproj import Transformer

    from scpb_analysis.sources.policeuk import read_policeuk

    points = read_policeuk(BARNET).points
    points = points[points["month"].dt.year == 2022].reset_index(drop=True)
    located = points.dropna(subset=["longitude", "latitude"])
    x, y = Transformer.from_crs(4326, 27700, always_xy=True).transform(
        located["longitude"].to_numpy(), located["latitude"].to_numpy())
    frame = pd.DataFrame({"x": x, "y": y, "time": located["month"].array.asi8})
    return points, frame


def test_barnet_2022_repeat_locations_against_a_plain_count(barnet_2022):
    points, _ = barnet_2022
    out = repeat_locations(points)
    counter = Counter(zip(points["longitude"], points["latitude"], strict=True))
    repeats = {k: v for k, v in counter.items() if v >= 2}
    assert len(out.locations) == len(repeats)
    assert dict(zip(zip(out.locations["longitude"], out.locations["latitude"], strict=True),
                    out.locations["crimes"], strict=True)) == repeats
    row = out.summary.iloc[0]
    assert row["crimes"] == len(points) and row["locations"] == len(counter)
    assert row["crimes_at_repeat_locations"] == sum(repeats.values())
    assert out.locations["crimes"].is_monotonic_decreasing
    print(f"\nBarnet 2022: {row['crimes']} burglaries at {row['locations']} snap points; "
          f"{row['repeat_locations']} repeat locations hold {row['crimes_at_repeat_locations']} "
          f"({row['share_of_crimes_at_repeats']:.1%}); busiest point "
          f"{out.locations['crimes'].iloc[0]} crimes")


def test_barnet_2022_knox_table_equals_an_all_pairs_count(barnet_2022):
    _, frame = barnet_2022
    out = knox_test(frame, distance_band=200, n_distance_bands=5, time_band=1, n_time_bands=3,
                    permutations=99, time_unit="months")
    # All pairs at once with numpy (no tree, no lag shortcut), bands by explicit comparisons.
    xs, ys, ts = frame["x"].to_numpy(), frame["y"].to_numpy(), frame["time"].to_numpy()
    a, b = np.triu_indices(len(frame), k=1)
    dist = np.abs(xs[a] - xs[b]) + np.abs(ys[a] - ys[b])
    gap = np.abs(ts[a] - ts[b])
    d_band = np.full(len(a), 6)
    for k in range(5, 0, -1):
        d_band[dist <= 200 * k] = k
    d_band[dist == 0] = 0
    t_band = np.full(len(a), 3)
    for k in range(3, 0, -1):
        t_band[gap <= k] = k - 1
    expected = np.zeros((7, 4), dtype=np.int64)
    np.add.at(expected, (d_band, t_band), 1)
    np.testing.assert_array_equal(_grid(out), expected)
    assert out.time_labels == ["0 to 1", "2", "3", "More than 3"]
    print(f"\nBarnet 2022 Knox (200 m x 5, 1 month x 3, Manhattan, 99 runs), "
          f"{len(frame)} points:\n{out.calculator_table().to_string()}\n{out.text}")
