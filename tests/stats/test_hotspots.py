"""Hot spots and clusters on grids whose answer is known, checked against the formulas."""

from __future__ import annotations

import warnings

import esda
import geopandas as gpd
import matplotlib
import numpy as np
import pandas as pd
import pytest
from conftest import SHARED_DATA
from matplotlib.colors import to_hex
from shapely.geometry import box

from scpb_analysis.charts.maps import CREDIT, HOTSPOT_COLOURS, hotspot_map
from scpb_analysis.stats.hotspots import (
    benjamini_hochberg,
    getis_ord_hotspots,
    global_moran,
    local_moran_clusters,
)

matplotlib.use("Agg")

# Fewer permutations than the default keep the suite quick; enough for FDR at 5% on a grid.
PERMUTATIONS = 499


def square_grid(n: int) -> gpd.GeoDataFrame:
    """n x n square wards of 1 km, numbered row by row from the south-west corner."""
    cells = [box(c * 1000, r * 1000, (c + 1) * 1000, (r + 1) * 1000)
             for r in range(n) for c in range(n)]
    codes = [f"W{r}{c}" for r in range(n) for c in range(n)]
    return gpd.GeoDataFrame({"ward_code": codes, "ward_name": [f"Ward {c}" for c in codes]},
                            geometry=cells, crs=27700)


def as_values(wards, grid: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({"ward_code": wards["ward_code"], "value": grid.ravel()})


def labels_grid(table: pd.DataFrame, column: str, n: int) -> np.ndarray:
    return table[column].to_numpy().reshape(n, n)


@pytest.fixture
def hot_and_cold():
    """8 x 8 wards of about 10; a 2 x 2 block of 40s; a 3 x 3 far corner of 0s and 1s."""
    n = 8
    grid = 10.0 + np.random.default_rng(3).integers(-1, 2, (n, n))
    grid[1:3, 1:3] = 40
    grid[5:, 5:] = np.random.default_rng(4).integers(0, 2, (3, 3))
    return square_grid(n), grid


# ---------------------------------------------------------------------------
# Gi*
# ---------------------------------------------------------------------------


def independent_gi_star(grid: np.ndarray) -> np.ndarray:
    """Gi* z-scores (Getis & Ord 1995; ArcGIS's formula) with queen binary weights, self = 1."""
    n_rows, n_cols = grid.shape
    x = grid.ravel().astype(float)
    n = x.size
    rows, cols = np.divmod(np.arange(n), n_cols)
    w = ((np.abs(rows[:, None] - rows[None, :]) <= 1)
         & (np.abs(cols[:, None] - cols[None, :]) <= 1)).astype(float)
    mean = x.mean()
    s = np.sqrt((x**2).mean() - mean**2)
    w_sum = w.sum(axis=1)
    numerator = w @ x - mean * w_sum
    denominator = s * np.sqrt((n * (w**2).sum(axis=1) - w_sum**2) / (n - 1))
    return numerator / denominator


def test_gi_star_z_matches_the_published_formula():
    wards = square_grid(4)
    grid = np.random.default_rng(11).poisson(6, (4, 4)).astype(float)
    table = getis_ord_hotspots(wards, as_values(wards, grid), permutations=99)
    np.testing.assert_allclose(table["z"], independent_gi_star(grid), rtol=1e-10, atol=1e-12)
    # Queen neighbours on a 4 x 4 grid: 3 at corners, 5 on edges, 8 inside.
    assert labels_grid(table, "neighbours", 4).tolist() == [
        [3, 5, 5, 3], [5, 8, 8, 5], [5, 8, 8, 5], [3, 5, 5, 3]]


def test_gi_star_finds_the_hot_block_and_the_cold_corner(hot_and_cold):
    wards, grid = hot_and_cold
    table = getis_ord_hotspots(wards, as_values(wards, grid), permutations=PERMUTATIONS)
    labels = labels_grid(table, "hotspot", 8)
    assert (labels[1:3, 1:3] == "hot spot").all()
    assert (labels[6:, 6:] == "cold spot").all()
    # Nothing hot far from the block, nothing cold far from the corner.
    hot_rows, hot_cols = np.nonzero(labels == "hot spot")
    assert hot_rows.max() <= 3 and hot_cols.max() <= 3
    cold_rows, cold_cols = np.nonzero(labels == "cold spot")
    assert cold_rows.min() >= 4 and cold_cols.min() >= 4
    hot = table[table["hotspot"] == "hot spot"]
    assert (hot["z"] > 0).all() and (hot["p_fdr"] <= 0.05).all()
    assert set(hot["confidence"]) <= {"99%", "95%"}
    assert set(table.loc[~table["significant"], "confidence"]) == {""}
    assert list(table.columns) == ["ward_code", "ward_name", "value", "z", "p_value", "p_fdr",
                                   "significant", "hotspot", "confidence", "neighbours",
                                   "method"]


def test_method_names_weights_permutations_seed_alpha_and_fdr(hot_and_cold):
    wards, grid = hot_and_cold
    table = getis_ord_hotspots(wards, as_values(wards, grid), permutations=PERMUTATIONS,
                               seed=7, alpha=0.1)
    (method,) = table["method"].unique()
    for words in ("Gi*", "Queen contiguity", f"{PERMUTATIONS} permutations", "seed 7",
                  "alpha 0.1", "Benjamini-Hochberg FDR"):
        assert words in method


def test_noise_gives_no_fdr_significant_hot_spots():
    wards = square_grid(8)
    noise = np.random.default_rng(2024).normal(50, 5, (8, 8))
    table = getis_ord_hotspots(wards, as_values(wards, noise), permutations=PERMUTATIONS)
    assert not table["significant"].any()
    assert set(table["hotspot"]) == {"not significant"}
    # The correction is doing work: uncorrected, some wards pass by chance.
    assert (table["p_value"] <= 0.05).any()
    assert (table["p_fdr"] >= table["p_value"]).all()


def test_all_equal_values_are_not_significant_anywhere():
    wards = square_grid(4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table = getis_ord_hotspots(wards, as_values(wards, np.full((4, 4), 5.0)),
                                   permutations=99)
    assert set(table["hotspot"]) == {"not significant"}
    assert (table["z"] == 0).all() and (table["p_value"] == 1).all()


def test_same_seed_same_table_and_global_random_state_untouched(hot_and_cold):
    wards, grid = hot_and_cold
    values = as_values(wards, grid)
    before = np.random.get_state()[1].copy()  # noqa: NPY002
    first = getis_ord_hotspots(wards, values, permutations=199)
    second = getis_ord_hotspots(wards, values, permutations=199)
    pd.testing.assert_frame_equal(first, second)
    np.testing.assert_array_equal(np.random.get_state()[1], before)  # noqa: NPY002
    other = getis_ord_hotspots(wards, values, permutations=199, seed=99)
    assert not np.array_equal(first["p_value"], other["p_value"])
    np.testing.assert_array_equal(first["z"], other["z"])  # z does not depend on permutations


def test_folded_p_values_agree_with_esda(hot_and_cold):
    """Our p-values come from esda's simulations; they must match its own (folded) p_sim."""
    from libpysal.graph import Graph

    wards, grid = hot_and_cold
    table = getis_ord_hotspots(wards, as_values(wards, grid), permutations=199, seed=5,
                               fdr=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        reference = esda.G_Local(grid.ravel(), Graph.build_contiguity(wards, rook=False),
                                 transform="B", star=True, permutations=199, seed=5, n_jobs=1)
    np.testing.assert_allclose(table["p_value"], reference.p_sim, rtol=1e-6)
    np.testing.assert_allclose(table["z"], reference.Zs)
    two_sided = getis_ord_hotspots(wards, as_values(wards, grid), permutations=199, seed=5,
                                   alternative="two-sided")
    np.testing.assert_allclose(two_sided["p_value"], np.minimum(2 * table["p_value"], 1))


def test_knn_weights_and_islands():
    wards = square_grid(3)
    island = gpd.GeoDataFrame({"ward_code": ["ISLE"], "ward_name": ["Far Isle"]},
                              geometry=[box(10_000, 0, 11_000, 1000)], crs=27700)
    wards = pd.concat([wards, island], ignore_index=True)
    values = pd.DataFrame({"ward_code": wards["ward_code"], "value": np.arange(10.0)})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        queen = getis_ord_hotspots(wards, values, permutations=99)
    assert "joined to the nearest ward: Far Isle" in queen.loc[0, "method"]
    assert (queen["neighbours"] >= 1).all()
    # Its nearest ward (the south-east corner) also counts it as a neighbour.
    corner = queen.set_index("ward_code").loc["W02", "neighbours"]
    assert corner == 4
    knn = getis_ord_hotspots(wards, values, weights="knn", k=3, permutations=99)
    assert "3 nearest wards" in knn.loc[0, "method"]
    assert (knn["neighbours"] == 3).all()


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"permutations": 9}, "smallest possible p-value"),
    ({"weights": "bishop"}, "weights must be one of"),
    ({"weights": "knn", "k": 16}, "k must be a whole number"),
    ({"alternative": "greater"}, "alternative must be"),
])
def test_bad_settings_are_refused(kwargs, message):
    wards = square_grid(4)
    with pytest.raises(ValueError, match=message):
        getis_ord_hotspots(wards, as_values(wards, np.arange(16.0)), **kwargs)


def test_missing_and_negative_values_are_refused():
    wards = square_grid(3)
    values = as_values(wards, np.arange(9.0)).iloc[:-1]
    with pytest.raises(ValueError, match="missing for Ward W22"):
        getis_ord_hotspots(wards, values)
    with pytest.raises(ValueError, match="0 or more"):
        getis_ord_hotspots(wards, as_values(wards, np.arange(9.0) - 1))


# ---------------------------------------------------------------------------
# False discovery rate
# ---------------------------------------------------------------------------


def test_benjamini_hochberg_by_hand_and_against_esda_fdr():
    p = np.array([0.01, 0.04, 0.03, 0.005])
    np.testing.assert_allclose(benjamini_hochberg(p), [0.02, 0.04, 0.04, 0.02])
    rng = np.random.default_rng(0)
    for _ in range(20):
        p = np.concatenate([rng.uniform(0, 0.01, 5), rng.uniform(0, 1, 30)])
        adjusted = benjamini_hochberg(p)
        for alpha in (0.05, 0.1):
            threshold = esda.fdr(p, alpha)
            np.testing.assert_array_equal(adjusted <= alpha, p <= threshold)
        assert (adjusted >= p).all() and (adjusted <= 1).all()
    kept = benjamini_hochberg([0.01, np.nan, 0.02])
    assert np.isnan(kept[1])
    np.testing.assert_allclose(kept[[0, 2]], [0.02, 0.02])


# ---------------------------------------------------------------------------
# Moran's I
# ---------------------------------------------------------------------------


def test_global_moran_checkerboard_negative_clusters_positive():
    wards = square_grid(6)
    rows, cols = np.indices((6, 6))
    board = ((rows + cols) % 2).astype(float)
    halves = (cols >= 3).astype(float) * 10 + np.random.default_rng(1).normal(0, 0.5, (6, 6))
    chequered = global_moran(wards, as_values(wards, board), weights="rook",
                             permutations=PERMUTATIONS)
    clustered = global_moran(wards, as_values(wards, halves), weights="rook",
                             permutations=PERMUTATIONS)
    assert chequered.loc[0, "morans_i"] == pytest.approx(-1.0)
    assert chequered.loc[0, "expected_i"] == pytest.approx(-1 / 35)
    assert clustered.loc[0, "morans_i"] > 0.5
    assert chequered.loc[0, "p_value"] <= 0.01 and clustered.loc[0, "p_value"] <= 0.01
    assert chequered.loc[0, "z"] < 0 < clustered.loc[0, "z"]
    # Independent check of I: n / S0 * z'Wz / z'z with row-standardised rook weights.
    z = halves.ravel() - halves.mean()
    r, c = rows.ravel(), cols.ravel()
    w = ((np.abs(r[:, None] - r) + np.abs(c[:, None] - c)) == 1).astype(float)
    w /= w.sum(axis=1, keepdims=True)
    assert clustered.loc[0, "morans_i"] == pytest.approx(z @ w @ z / (z @ z))


def test_local_moran_quadrants_on_clusters_and_checkerboard():
    wards = square_grid(8)
    clustered = np.random.default_rng(5).normal(10, 1, (8, 8))
    clustered[:3, :3] = 30  # a high corner
    clustered[5:, 5:] = 0  # a low corner
    table = local_moran_clusters(wards, as_values(wards, clustered), weights="rook",
                                 permutations=PERMUTATIONS)
    quadrants = labels_grid(table, "quadrant", 8)
    assert (quadrants[:3, :3] == "HH").all() and (quadrants[5:, 5:] == "LL").all()
    cluster = labels_grid(table, "cluster", 8)
    # The heart of each corner is a significant cluster, even after the FDR correction.
    assert (cluster[:2, :2] == "HH").all() and (cluster[6:, 6:] == "LL").all()
    assert set(table["cluster"]) == {"HH", "LL", "not significant"}
    assert table.attrs["global_moran"]["morans_i"] > 0.5

    rows, cols = np.indices((6, 6))
    wards = square_grid(6)
    board = ((rows + cols) % 2) * 10.0 + np.random.default_rng(6).normal(0, 0.5, (6, 6))
    chequered = local_moran_clusters(wards, as_values(wards, board), weights="rook",
                                     permutations=PERMUTATIONS)
    assert set(chequered["quadrant"]) == {"HL", "LH"}
    assert (chequered["local_i"] < 0).all()
    assert chequered.attrs["global_moran"]["morans_i"] < -0.5
    significant = chequered[chequered["significant"]]
    assert set(significant["cluster"]) <= {"HL", "LH"}
    assert (significant["cluster"] == significant["quadrant"]).all()
    assert "Local Moran's I (row-standardised Rook contiguity)" in chequered.loc[0, "method"]


def test_local_moran_is_repeatable():
    wards = square_grid(5)
    values = as_values(wards, np.random.default_rng(8).gamma(2, 5, (5, 5)))
    first = local_moran_clusters(wards, values, permutations=199)
    second = local_moran_clusters(wards, values, permutations=199)
    pd.testing.assert_frame_equal(first, second)
    assert first.attrs == second.attrs


# ---------------------------------------------------------------------------
# Map
# ---------------------------------------------------------------------------


def test_hotspot_map_has_fixed_colours_and_counts(hot_and_cold, tmp_path):
    wards, grid = hot_and_cold
    table = getis_ord_hotspots(wards, as_values(wards, grid), permutations=PERMUTATIONS)
    counts = table["hotspot"].value_counts()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = hotspot_map(wards, table, title="Burglary hot spots")
        path = result.save(tmp_path / "hotspots.png")
    assert path.read_bytes()[:4] == b"\x89PNG"

    def words(n):
        return f"({n} ward{'s' if n != 1 else ''})"

    assert result.legend_labels == [
        f"Hot spot {words(counts['hot spot'])}",
        f"Cold spot {words(counts['cold spot'])}",
        f"Not significant {words(counts['not significant'])}",
    ]
    legend = result.ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == result.legend_labels
    colours = [to_hex(h.get_facecolor()) for h in legend.legend_handles]
    assert colours == [HOTSPOT_COLOURS[k][0] for k in ("hot spot", "cold spot",
                                                        "not significant")]
    assert colours[0] != colours[1] != colours[2]
    assert result.n_drawn == 64
    pd.testing.assert_series_equal(result.classes.reset_index(drop=True), table["hotspot"],
                                   check_names=False)
    (credit,) = [t.get_text() for t in result.figure.texts if CREDIT in t.get_text()]
    assert "Gi*" in credit and f"{PERMUTATIONS} permutations" in credit


def test_cluster_map_and_no_data():
    wards = square_grid(3)
    table = pd.DataFrame({"ward_code": wards["ward_code"][:8],
                          "cluster": ["HH", "HH", "LL", "HL", "LH", "not significant",
                                      "not significant", "not significant"]})
    result = hotspot_map(wards, table, label_column="cluster", labels=False)
    assert result.legend_labels == [
        "High among high (HH) (2 wards)", "High among low (HL) (1 ward)",
        "Low among high (LH) (1 ward)", "Low among low (LL) (1 ward)",
        "Not significant (3 wards)", "No data (1 ward)"]
    assert result.classes["W22"] == "No data"
    (credit,) = [t.get_text() for t in result.figure.texts if CREDIT in t.get_text()]
    assert credit == CREDIT


def test_barnet_gi_star_runs_on_real_wards():
    if not SHARED_DATA.exists():
        pytest.skip(f"real public data not found at {SHARED_DATA}: this test uses Barnet's "
                    "2022 ward boundaries from ../shared/data")
    from scpb_analysis.sources.boundaries import load_wards

    wards = load_wards(SHARED_DATA, "Barnet")
    values = pd.DataFrame({"ward_code": wards["ward_code"],
                           "value": (wards.geometry.area / 1e5).round()})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table = getis_ord_hotspots(wards, values, permutations=199)
        result = hotspot_map(wards, table)
    assert len(table) == 24 and (table["neighbours"] >= 1).all()
    assert "no neighbour" not in table.loc[0, "method"]
    assert result.n_drawn == 24
    assert sum(int(label.rsplit("(", 1)[1].split()[0]) for label in result.legend_labels) == 24
