"""Hot-spot stability: the Chainey and sfhotspot classes on hand-built hot tables, the grid
counts against a brute-force count, Gi* against its formula (Getis and Ord 1995) and against
:func:`scpb_analysis.stats.hotspots.getis_ord_hotspots`, the multiple-testing correction, and a
cluster that appears part-way through.

sfhotspot's rules are those documented for ``hotspot_classify`` and
``hotspot_classify_params`` (CRAN reference manual,
https://search.r-project.org/CRAN/refmans/sfhotspot/html/hotspot_classify.html): defaults
hotspot_prop 0.1, persistent_prop 0.8, recent_prop 0.2; recent periods floor(recent_prop x n),
at least one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import SHARED_DATA

from scpb_analysis.blocks.sv_places import _CLASS_RULES
from scpb_analysis.stats.hotspot_stability import (
    CHAINEY_CLASSES,
    CHAINEY_RULES,
    SFHOTSPOT_CLASSES,
    chainey_class,
    classify_stability,
    grid_hotspot_stability,
    sfhotspot_class,
)

BURGLARY = SHARED_DATA / "policeuk" / "barnet-burglary-policeuk_2010-12_2025-02.csv"


def _table(rows: dict[str, list[int]]) -> pd.DataFrame:
    width = len(next(iter(rows.values())))
    return pd.DataFrame(rows, index=range(2001, 2001 + width)).T.astype(bool)


# ---------------------------------------------------------------------------------------------
# Chainey


CHAINEY_CASES = {
    # place: (hot flags oldest first, class), by hand from the rules in CHAINEY_RULES
    "all four": ([1, 1, 1, 1], "persistent"),
    "three of four with latest": ([1, 0, 1, 1], "persistent"),
    "half with latest": ([0, 1, 0, 1], "intermittent"),  # 2 of 4 is not more than half
    "latest only": ([0, 0, 0, 1], "emerging"),
    "earlier only": ([1, 1, 0, 0], "fading"),
    "all but latest": ([1, 1, 1, 0], "fading"),
    "never": ([0, 0, 0, 0], "never hot"),
}


def test_chainey_every_class_by_hand():
    hot = _table({k: v[0] for k, v in CHAINEY_CASES.items()})
    out = classify_stability(hot)
    assert out["stability"].tolist() == [v[1] for v in CHAINEY_CASES.values()]
    assert out["place"].tolist() == list(CHAINEY_CASES)
    assert out["hot_periods"].tolist() == [sum(v[0]) for v in CHAINEY_CASES.values()]
    assert out["hot_in_latest"].tolist() == [bool(v[0][-1]) for v in CHAINEY_CASES.values()]
    assert (out["periods"] == 4).all()
    assert set(out["stability"]) == set(CHAINEY_CLASSES)
    assert CHAINEY_RULES in out.loc[0, "method"]


def test_chainey_short_histories():
    # Three windows: two hot with the latest is more than half (persistent); one window alone
    # can only be emerging or never hot.
    assert chainey_class([0, 1, 1]) == "persistent"
    assert chainey_class([1]) == "emerging"
    assert chainey_class([0]) == "never hot"


def test_sv_places_uses_the_one_copy_of_the_rules():
    assert _CLASS_RULES is CHAINEY_RULES


# ---------------------------------------------------------------------------------------------
# sfhotspot


SF_CASES = {
    # Ten periods: the last two recent, the first eight older.
    "8 of 10": ([0, 0, 1, 1, 1, 1, 1, 1, 1, 1], "persistent hotspot"),  # 0.8 >= 0.8
    "7 of 10": ([0, 0, 0, 1, 1, 1, 1, 1, 1, 1], "intermittent hotspot"),
    "recent only": ([0, 0, 0, 0, 0, 0, 0, 0, 1, 1], "emerging hotspot"),
    "latest only": ([0, 0, 0, 0, 0, 0, 0, 0, 0, 1], "emerging hotspot"),
    "older only": ([1, 0, 0, 0, 0, 0, 0, 0, 0, 0], "former hotspot"),
    "now and then": ([0, 1, 0, 0, 0, 0, 0, 0, 1, 0], "intermittent hotspot"),
    "never": ([0] * 10, "no pattern"),
}


def test_sfhotspot_every_class_by_hand():
    hot = _table({k: v[0] for k, v in SF_CASES.items()})
    out = classify_stability(hot, scheme="sfhotspot")
    assert out["stability"].tolist() == [v[1] for v in SF_CASES.values()]
    assert set(out["stability"]) == set(SFHOTSPOT_CLASSES)
    assert "the last 2 of 10 periods count as recent" in out.loc[0, "method"]


def test_sfhotspot_proportions_are_thresholds_not_counts():
    # Twenty periods: the last four recent. Hot once among the 16 older (1/16 < 0.1) and once
    # among the recent (1/4 >= 0.1): emerging, though hot in an older period.
    flags = [1] + [0] * 15 + [0, 0, 0, 1]
    assert sfhotspot_class(flags) == "emerging hotspot"
    # Two older of sixteen (0.125 >= 0.1) and none recent: former.
    assert sfhotspot_class([1, 1] + [0] * 18) == "former hotspot"
    # A lower persistent_prop makes 7 of 10 persistent.
    assert sfhotspot_class(SF_CASES["7 of 10"][0], persistent_prop=0.7) == "persistent hotspot"
    # recent_prop 0.5 of four periods: the last two are recent.
    assert sfhotspot_class([0, 0, 1, 1], recent_prop=0.5) == "emerging hotspot"
    assert sfhotspot_class([0, 0, 1, 1]) == "intermittent hotspot"


def test_sfhotspot_three_periods_follows_the_documentation():
    # 0.2 x 3 periods rounds down to none recent, so the latest is recent (sfhotspot's rule).
    # Hot in the middle year only: hot in 1/2 of the older periods, none of the recent: a
    # former hot spot. (sfhotspot's code reads the recent share over the last two periods, an
    # R range one too long, and would say intermittent; its documentation says former.)
    assert sfhotspot_class([0, 1, 0]) == "former hotspot"
    out = classify_stability(_table({"a": [0, 1, 0]}), scheme="sfhotspot")
    assert "rounds down to none" in out.loc[0, "method"]


# ---------------------------------------------------------------------------------------------
# Refusals of hot tables


@pytest.mark.parametrize("hot,kwargs,match", [
    (pd.DataFrame({2021: [True, np.nan]}, index=["a", "b"]), {}, "for place 'b' is 'nan'"),
    (pd.DataFrame({2021: [True, 2]}, index=["a", "b"]), {}, "expected True or False"),
    (pd.DataFrame({2021: [True, False]}, index=["a", "a"]), {}, "more than once"),
    (pd.DataFrame({2022: [True], 2021: [False]}, index=["a"]), {}, "oldest first"),
    (pd.DataFrame(index=["a"]), {}, "no period columns"),
    (pd.DataFrame({2021: [True]}, index=["a"]), {"scheme": "sfhotspot"},
     "at least one recent and one older"),
    (pd.DataFrame({2021: [True], 2022: [True]}, index=["a"]), {"scheme": "arcgis"},
     "scheme must be one of"),
    (pd.DataFrame({2021: [True], 2022: [True]}, index=["a"]),
     {"scheme": "sfhotspot", "hotspot_prop": 1.5}, "hotspot_prop must be greater than 0"),
])
def test_bad_hot_tables_are_refused(hot, kwargs, match):
    with pytest.raises(ValueError, match=match):
        classify_stability(hot, **kwargs)


# ---------------------------------------------------------------------------------------------
# Grid, Gi*, correction


def _noise(seed: int, n: int, periods: list, side: float = 2000.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, side, size=(n, 2)) + [530000, 180000]
    return pd.DataFrame({"x": xy[:, 0], "y": xy[:, 1],
                         "period": np.resize(np.asarray(periods, dtype=object), n)})


def test_grid_counts_match_a_brute_force_count():
    points = _noise(5, 900, ["2021", "2022", "2023"], side=1900)
    # Points on cell edges go east/north (half-open cells), as the brute force counts them.
    edges = pd.DataFrame({"x": [530250.0, 530000.0, 530500.0], "y": [180250.0, 180750.0,
                                                                     180000.0],
                          "period": ["2021", "2022", "2023"]})
    points = pd.concat([points, edges], ignore_index=True)
    result = grid_hotspot_stability(points, cell_size=250, scheme="chainey")
    cells = result.cells
    for period in ("2021", "2022", "2023"):
        mine = period == points["period"]
        for row in cells.itertuples():
            west, south, east, north = row.geometry.bounds
            inside = (mine & (points["x"] >= west) & (points["x"] < east)
                      & (points["y"] >= south) & (points["y"] < north))
            assert getattr(row, f"count_{period}") == inside.sum(), (row.cell, period)
    assert sum(cells[f"count_{p}"].sum() for p in ("2021", "2022", "2023")) == len(points)
    assert result.periods == ["2021", "2022", "2023"]
    assert len(cells) == 8 * 8 and cells.crs.to_epsg() == 27700


def _gi_star_z(values: np.ndarray, n_rows: int, n_cols: int) -> np.ndarray:
    """Getis-Ord Gi* z-scores by the formula (Getis and Ord 1995, eq. 14), binary weights over
    the cell and its eight neighbours, by loops."""
    n = len(values)
    mean = values.mean()
    s = np.sqrt((values ** 2).mean() - mean ** 2)
    z = np.empty(n)
    for i in range(n):
        r, c = divmod(i, n_cols)
        block = [rr * n_cols + cc for rr in range(r - 1, r + 2) for cc in range(c - 1, c + 2)
                 if 0 <= rr < n_rows and 0 <= cc < n_cols]
        w = len(block)
        z[i] = (values[block].sum() - mean * w) / (s * np.sqrt((n * w - w ** 2) / (n - 1)))
    return z


def test_gi_star_matches_the_formula_and_the_ward_function():
    import geopandas as gpd

    from scpb_analysis.stats.hotspots import getis_ord_hotspots

    points = _noise(11, 400, [2021, 2022], side=1500)
    extra = pd.DataFrame({"x": 530600.0 + np.arange(40) % 5 * 60,
                          "y": 180600.0 + np.arange(40) // 8 * 50, "period": 2022})
    points = pd.concat([points, extra], ignore_index=True)
    result = grid_hotspot_stability(points, cell_size=250, permutations=199,
                                    scheme="chainey", seed=99)
    cells = result.cells
    counts = cells["count_2022"].to_numpy(dtype=float)
    assert np.allclose(cells["z_2022"], _gi_star_z(counts, 6, 6))
    grid = gpd.GeoDataFrame({"ward_code": cells["cell"], "ward_name": cells["cell"]},
                            geometry=cells.geometry, crs=27700)
    ward = getis_ord_hotspots(grid, pd.Series(counts, index=cells["cell"]), permutations=199,
                              seed=99, fdr=False)
    assert np.allclose(ward["z"], cells["z_2022"])
    # Same weights and seed: the same permutation p-values, corrected here by BH.
    from scpb_analysis.stats.hotspots import benjamini_hochberg

    assert np.allclose(benjamini_hochberg(ward["p_value"]), cells["p_2022"])


def test_correction_is_applied_per_period():
    # Crime spread at random: uncorrected, some cells pass 0.05 by chance; the false
    # discovery rate correction across the cells flags none, and Bonferroni none either.
    points = _noise(2, 1200, [2021, 2022, 2023])
    plain = grid_hotspot_stability(points, permutations=999, correction="none",
                                   scheme="chainey")
    fdr = grid_hotspot_stability(points, permutations=999, scheme="chainey")
    bonferroni = grid_hotspot_stability(points, permutations=999, correction="bonferroni",
                                        scheme="chainey")
    hot = [f"hot_{p}" for p in plain.periods]
    assert plain.cells[hot].to_numpy().sum() >= 1
    assert fdr.cells[hot].to_numpy().sum() == 0
    assert bonferroni.cells[hot].to_numpy().sum() == 0
    # The adjusted p-values are the BH / Bonferroni adjustments of the raw ones, per period.
    from scpb_analysis.stats.hotspots import benjamini_hochberg

    for p in plain.periods:
        raw = plain.cells[f"p_{p}"].to_numpy()
        assert np.allclose(fdr.cells[f"p_{p}"], benjamini_hochberg(raw))
        assert np.allclose(bonferroni.cells[f"p_{p}"], np.minimum(raw * len(raw), 1))
    assert "Benjamini-Hochberg false discovery rate" in fdr.method
    assert "Bonferroni" in bonferroni.method
    assert "999 conditional permutations" in fdr.method


def test_cluster_appearing_half_way_is_emerging():
    # Four years of background crime; from the third year a cluster over the 750 m square in
    # the middle. sfhotspot with the second half recent (recent_prop 0.5): the cluster's cells
    # are emerging hot spots, and no cell outside the cluster's reach is classified.
    rng = np.random.default_rng(8)
    points = _noise(8, 800, [2020, 2021, 2022, 2023])
    frames = [points]
    for year in (2022, 2023):
        xy = rng.uniform(500, 1250, size=(120, 2)) + [530000, 180000]
        frames.append(pd.DataFrame({"x": xy[:, 0], "y": xy[:, 1], "period": year}))
    result = grid_hotspot_stability(pd.concat(frames, ignore_index=True), permutations=999,
                                    recent_prop=0.5)
    cells = result.cells
    emerging = cells[cells["stability"] == "emerging hotspot"]
    assert len(emerging) >= 1
    west = emerging.geometry.bounds["minx"] - 530000
    south = emerging.geometry.bounds["miny"] - 180000
    assert west.between(250, 1250).all() and south.between(250, 1250).all()
    assert set(cells["stability"]) <= {"emerging hotspot", "no pattern"}
    assert not cells[["hot_2020", "hot_2021"]].to_numpy().any()
    summary = result.summary.set_index("stability")["cells"]
    assert summary.sum() == len(cells)
    assert summary["emerging hotspot"] == len(emerging)


@pytest.mark.parametrize("points,kwargs,match", [
    (pd.DataFrame({"x": [-0.2, -0.1, 0.0], "y": [51.5, 51.6, 51.55], "period": [1, 1, 2]}), {},
     "longitude and latitude"),
    (pd.DataFrame({"x": [530000, np.nan], "y": [180000, 180100], "period": [1, 2]}), {},
     "row 1 is missing"),
    (pd.DataFrame({"x": [530000, 531000], "y": [180000, 180100]}), {}, "no column"),
    (pd.DataFrame({"x": [530000, 531000], "y": [180000, 181000], "period": [1, None]}), {},
     "missing at row 1"),
    (pd.DataFrame({"x": [530000, 531000], "y": [180000, 181000], "period": [1, 1]}), {},
     "at least one recent and one older"),
    (pd.DataFrame({"x": [530000, 531000], "y": [180000, 181000], "period": [1, 2]}),
     {"bandwidth": 100.0}, "bandwidth must be a distance"),
    (pd.DataFrame({"x": [530000, 531000], "y": [180000, 181000], "period": [1, 2]}),
     {"correction": "holm"}, "correction must be one of"),
    (pd.DataFrame({"x": [530000, 531000], "y": [180000, 181000], "period": [1, 2]}),
     {"permutations": 9}, "smallest p-value"),
    (pd.DataFrame({"x": [530000, 531000], "y": [180000, 181000], "period": [1, 2]}),
     {"cell_size": 0}, "cell_size must be a positive"),
    (pd.DataFrame({"x": [530000, 530010], "y": [180000, 180010], "period": [1, 2]}), {},
     "Gi\\* needs at least 3"),
    (pd.DataFrame({"x": [0, 700000], "y": [0, 1200000], "period": [1, 2]}), {"cell_size": 1},
     "over 250,000"),
])
def test_bad_points_are_refused(points, kwargs, match):
    with pytest.raises(ValueError, match=match):
        grid_hotspot_stability(points, **kwargs)


# ---------------------------------------------------------------------------------------------
# Real data: Barnet police.uk burglary, 2021-2023, 500 m cells


def test_barnet_burglary_grid_stability():
    if not BURGLARY.exists():
        pytest.skip(f"real public data not found at {BURGLARY}: these tests read "
                    "../shared/data beside the repository (or $SCPB_SHARED_DATA)")
    import geopandas as gpd

    raw = pd.read_csv(BURGLARY, usecols=["Month", "Longitude", "Latitude"])
    raw = raw[raw["Month"].str[:4].isin(["2021", "2022", "2023"])]
    located = raw.dropna(subset=["Longitude", "Latitude"])
    geo = gpd.GeoSeries(gpd.points_from_xy(located["Longitude"], located["Latitude"]),
                        crs=4326).to_crs(27700)
    points = pd.DataFrame({"x": geo.x.to_numpy(), "y": geo.y.to_numpy(),
                           "period": located["Month"].str[:4].to_numpy()})
    result = grid_hotspot_stability(points, cell_size=500, permutations=999)
    cells = result.cells
    # Every point counted once, per year as the file has them.
    for year, n in points["period"].value_counts().items():
        assert cells[f"count_{year}"].sum() == n
    summary = result.summary.set_index("stability")["cells"]
    assert summary.sum() == len(cells)
    assert list(summary.index) == list(SFHOTSPOT_CLASSES)
    # A cell hot in every year is persistent (3/3 >= 0.8), and the classes agree with the
    # hot flags by the rules.
    hot = cells[[f"hot_{y}" for y in result.periods]].to_numpy()
    assert (cells.loc[hot.all(axis=1), "stability"] == "persistent hotspot").all()
    assert cells["stability"].tolist() == [sfhotspot_class(row) for row in hot]
    assert summary["persistent hotspot"] >= 1  # Barnet's burglary has lasting hot spots
