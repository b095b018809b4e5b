"""Ward hot spots: Getis-Ord Gi* and local Moran clusters, with false-discovery control.

A hot-spot map answers "where are high values surrounded by high values, more than chance
would arrange?". With two dozen wards tested at once, some pass a 5% test by chance alone, so
by default significance is judged after a Benjamini-Hochberg false discovery rate (FDR)
correction across the wards.

Every function returns one row per ward in the order of ``wards``:
``ward_code, ward_name, value``, the statistic (``z`` and, for Moran, ``local_i``), the
permutation ``p_value``, the FDR-adjusted ``p_fdr``, ``significant``, the label drawn on the map
and ``method``, which names the weights, permutations, seed, alpha and correction so a map can
be re-made exactly.

Conventions, and why:

* **Weights.** ``"queen"`` contiguity (wards sharing a boundary or a corner) by default;
  ``"rook"`` (a shared boundary); or ``"knn"`` (the ``k`` nearest ward centres). A ward with no
  contiguous neighbour (an island) would be compared only with itself, so it is joined to its
  nearest ward, and ``method`` names it.
* **p-values** are conditional-permutation pseudo p-values from esda, *folded*: with ``P``
  permutations and ``m`` of them at least as extreme as observed in the direction of the
  observed value, ``p = (m + 1) / (P + 1)``. This is the GeoDa/esda convention. It is about half
  a two-sided p-value; pass ``alternative="two-sided"`` to double it (capped at 1), which is the
  stricter test and closer to ArcGIS's two-sided Gi* p-values.
* **The permutation seed is fixed** (``seed=12345``), so the same data give the same map every
  quarter. numpy's global random state is restored after each run.
* **FDR** is Benjamini-Hochberg, implemented here (:func:`benjamini_hochberg`) so the adjusted
  p-values can be shown; ``significant`` is ``p_fdr <= alpha`` (or ``p_value <= alpha`` with
  ``fdr=False``). ``esda.fdr`` gives the equivalent threshold.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd

from scpb_analysis.core.seeding import seeded
from scpb_analysis.geo.ward_values import join_values

__all__ = [
    "benjamini_hochberg",
    "getis_ord_hotspots",
    "global_moran",
    "local_moran_clusters",
]

HOT, COLD, NOT_SIGNIFICANT = "hot spot", "cold spot", "not significant"
WEIGHTS = ("queen", "rook", "knn")
ALTERNATIVES = ("folded", "two-sided")

_QUADRANTS = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}


# ---------------------------------------------------------------------------
# p-values
# ---------------------------------------------------------------------------


def benjamini_hochberg(p_values: Any) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (the "q-values" of a false discovery rate test).

    For ``m`` p-values sorted ascending, the ``i``-th is multiplied by ``m / i``, then each is
    replaced by the smallest adjusted value at or above its rank (so the order is kept), and
    capped at 1. A test is significant at false discovery rate ``alpha`` when its adjusted
    p-value is ``alpha`` or less: the same tests as the BH step-up rule (largest ``i`` with
    ``p_(i) <= i * alpha / m``) and as the threshold ``esda.fdr`` returns. Missing values stay
    missing and are not counted in ``m``.

    Parameters
    ----------
    p_values : array-like of float

    Returns
    -------
    numpy.ndarray
        Adjusted p-values, in the input order.

    Examples
    --------
    >>> benjamini_hochberg([0.01, 0.04, 0.03, 0.005])
    array([0.02, 0.04, 0.04, 0.02])
    """
    p = np.asarray(p_values, dtype=float).reshape(-1)
    known = np.isfinite(p)
    if ((p[known] < 0) | (p[known] > 1)).any():
        raise ValueError("p-values must be between 0 and 1")
    out = np.full(p.shape, np.nan)
    m = int(known.sum())
    if m == 0:
        return out
    values = p[known]
    order = np.argsort(values, kind="stable")
    # m / rank first: exactly 1 at the top rank, so no adjusted value rounds below its p.
    scaled = values[order] * (m / np.arange(1, m + 1))
    # Step-up: each rank takes the smallest scaled value at or above it.
    adjusted = np.minimum.accumulate(scaled[::-1])[::-1]
    result = np.empty(m)
    result[order] = np.minimum(adjusted, 1.0)
    out[known] = result
    return out


def _folded_p(observed: np.ndarray, simulated: np.ndarray) -> np.ndarray:
    """Folded pseudo p-values from simulations (rows: wards, columns: permutations).

    Computed here from the kept simulations, in float64, rather than read from esda, whose
    default alternative is due to change in its next major release.
    """
    permutations = simulated.shape[1]
    larger = (simulated >= observed[:, None]).sum(axis=1)
    extreme = np.minimum(larger, permutations - larger)
    return (extreme + 1) / (permutations + 1)


def _adjust(p: np.ndarray, alternative: str) -> np.ndarray:
    if alternative not in ALTERNATIVES:
        raise ValueError(f"alternative must be 'folded' or 'two-sided'; got {alternative!r}")
    return np.minimum(2 * p, 1.0) if alternative == "two-sided" else p


def _check_test(permutations: int, alpha: float, alternative: str) -> None:
    if isinstance(permutations, bool) or not isinstance(permutations, (int, np.integer)) or (
            permutations < 1):
        raise ValueError(f"permutations must be a whole number, 1 or more; got {permutations!r}")
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not 0 < alpha < 1:
        raise ValueError(f"alpha must be a probability such as 0.05; got {alpha!r}")
    if alternative not in ALTERNATIVES:
        raise ValueError(f"alternative must be 'folded' or 'two-sided'; got {alternative!r}")
    sides = 1 if alternative == "folded" else 2
    smallest = sides / (permutations + 1)
    if smallest > alpha:
        raise ValueError(f"with {permutations} permutations the smallest possible p-value is "
                         f"{smallest:.3g}, above alpha {alpha}; use at least "
                         f"{int(np.ceil(sides / alpha))} permutations (999 is usual)")


@contextmanager
def _quiet_esda(seed: int) -> Iterator[None]:
    with warnings.catch_warnings(), seeded(seed):
        # esda warns that its default alternative hypothesis will change; p-values are
        # computed here from the simulations, so the change does not affect these results.
        warnings.filterwarnings("ignore", message="The alternative hypothesis",
                                category=DeprecationWarning)
        yield


# ---------------------------------------------------------------------------
# Weights
# ---------------------------------------------------------------------------


def _weights(frame, weights: str, k: int):
    """A libpysal Graph on positions 0..n-1 and a description for ``method``."""
    from libpysal.graph import Graph

    n = len(frame)
    if weights not in WEIGHTS:
        raise ValueError(f"weights must be one of {', '.join(WEIGHTS)}; got {weights!r}")
    if n < 3:
        raise ValueError(f"a local statistic needs at least 3 wards; got {n}")
    indexed = frame.reset_index(drop=True)
    points = indexed.geometry.representative_point()
    if weights == "knn":
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k < n:
            raise ValueError(f"k must be a whole number from 1 to {n - 1} (one fewer than the "
                             f"wards); got {k!r}")
        return Graph.build_knn(points, k=int(k)), f"{k} nearest wards"
    graph = Graph.build_contiguity(indexed, rook=weights == "rook")
    kind = "Queen" if weights == "queen" else "Rook"
    islands = list(graph.isolates)
    if not islands:
        return graph, f"{kind} contiguity"
    nearest = Graph.build_knn(points, k=1).adjacency
    adjacency = graph.adjacency[graph.adjacency > 0]
    focal = adjacency.index.get_level_values(0).to_numpy()
    neighbour = adjacency.index.get_level_values(1).to_numpy()
    extra = [(i, int(nearest.loc[i].index[0])) for i in islands]
    # Both directions, so contiguity stays symmetric and the neighbour also counts the island.
    pairs = {(int(a), int(b)) for a, b in zip(focal, neighbour, strict=True)}
    pairs |= {(a, b) for a, b in extra} | {(b, a) for a, b in extra}
    ordered = sorted(pairs)
    joined = Graph.from_arrays([a for a, _ in ordered], [b for _, b in ordered],
                               np.ones(len(ordered)))
    names = ", ".join(str(indexed.loc[i, "ward_name"]) for i in islands)
    return joined, f"{kind} contiguity (no neighbour, joined to the nearest ward: {names})"


def _analysis_frame(wards, values, column: str, what: str):
    frame = join_values(wards, values, column)
    missing = frame.loc[frame["value"].isna(), "ward_name"].tolist()
    if missing:
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5
                                          else "")
        raise ValueError(f"{what} needs a value for every ward; missing for {shown}. Give a "
                         "ward with no recorded crimes the value 0, or leave the ward out of "
                         "wards")
    return frame


def _describe_test(permutations: int, seed: int, alternative: str, alpha: float,
                   fdr: bool) -> str:
    correction = "Benjamini-Hochberg FDR" if fdr else "no multiple-testing correction"
    return (f"{permutations} permutations, seed {seed}, {alternative} pseudo p-values, "
            f"alpha {alpha:g}, {correction}")


def _confidence(p: np.ndarray, significant: np.ndarray, alpha: float) -> list[str]:
    """ArcGIS-style confidence bands (99/95/90%) for significant wards, '' otherwise."""
    levels = sorted({0.01, 0.05, 0.10, float(alpha)})
    levels = [level for level in levels if level <= alpha]
    out = []
    for value, sig in zip(p, significant, strict=True):
        level = next((lv for lv in levels if value <= lv), None) if sig else None
        out.append("" if level is None else f"{round((1 - level) * 100, 4):g}%")
    return out


# ---------------------------------------------------------------------------
# Statistics
# ---------------------------------------------------------------------------


def getis_ord_hotspots(wards, values, *, column: str = "value", weights: str = "queen",
                       k: int = 5, permutations: int = 999, alpha: float = 0.05,
                       fdr: bool = True, seed: int = 12345,
                       alternative: str = "folded") -> pd.DataFrame:
    """Getis-Ord Gi* hot and cold spots among wards.

    Gi* compares the sum of a ward's value and its neighbours' values (binary weights, the
    ward itself included) with what the borough-wide mean would give. A significant positive
    z is a hot spot, a significant negative z a cold spot.

    Parameters
    ----------
    wards : GeoDataFrame
        ``ward_code, ward_name, geometry``.
    values : DataFrame or Series
        ``ward_code`` and ``column`` (counts or rates, 0 or more), one per ward; every ward
        needs a value.
    column : str
        The value column.
    weights : {"queen", "rook", "knn"}
        Who counts as a neighbour (see the module notes); ``k`` for ``"knn"``.
    k : int
        Neighbours per ward for ``"knn"``.
    permutations : int
        Conditional permutations for the pseudo p-values.
    alpha : float
        Significance level (false discovery rate when ``fdr``).
    fdr : bool
        Judge significance on Benjamini-Hochberg adjusted p-values.
    seed : int
        Permutation seed; the same seed gives the same table.
    alternative : {"folded", "two-sided"}
        Folded pseudo p-values (GeoDa/esda convention) or twice them.

    Returns
    -------
    DataFrame
        ``ward_code, ward_name, value, z, p_value, p_fdr, significant, hotspot, confidence,
        neighbours, method``; ``z`` is the Gi* z-score (Getis and Ord 1995), ``hotspot`` is
        ``"hot spot"``, ``"cold spot"`` or ``"not significant"``, ``confidence`` the
        ArcGIS-style band ("99%", "95%", "90%") a significant ward reaches and
        ``neighbours`` the neighbours of each ward (itself not counted). If every value is the
        same, nothing is significant (``z`` 0, ``p_value`` 1).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box

    A block of high wards (40 crimes) and a corner of wards with none, among wards with 10:

    >>> cells = [box(c, r, c + 1, r + 1) for r in range(6) for c in range(6)]
    >>> wards = gpd.GeoDataFrame({"ward_code": [f"W{i:02d}" for i in range(36)]},
    ...                          geometry=cells, crs=27700)
    >>> grid = np.full((6, 6), 10.0)
    >>> grid[1:3, 1:3] = 40
    >>> grid[4:, 4:] = 0
    >>> table = getis_ord_hotspots(wards, pd.Series(grid.ravel(), index=wards["ward_code"]))
    >>> print(table["hotspot"].str[0].to_numpy().reshape(6, 6))  # h hot, c cold, n neither
    [['n' 'n' 'n' 'n' 'n' 'n']
     ['n' 'h' 'h' 'n' 'n' 'n']
     ['n' 'h' 'h' 'n' 'n' 'n']
     ['n' 'n' 'n' 'n' 'n' 'c']
     ['n' 'n' 'n' 'n' 'c' 'c']
     ['n' 'n' 'n' 'c' 'c' 'c']]
    >>> table.loc[0, "method"]
    'Getis-Ord Gi* (binary weights, self included; Queen contiguity), 999 permutations, ...'
    """
    import esda

    _check_test(permutations, alpha, alternative)
    frame = _analysis_frame(wards, values, column, "Gi*")
    y = frame["value"].to_numpy(dtype=float)
    if (y < 0).any():
        raise ValueError(f"Gi* needs values of 0 or more (counts or rates); got {y[y < 0][0]:g}")
    graph, described = _weights(frame, weights, k)
    if np.ptp(y) == 0:
        z, p = np.zeros(len(y)), np.ones(len(y))
    else:
        with _quiet_esda(seed):
            gi = esda.G_Local(y, graph, transform="B", star=True, permutations=int(permutations),
                              n_jobs=1, seed=seed, keep_simulations=True)
        z = np.asarray(gi.Zs, dtype=float)
        p = _adjust(_folded_p(np.asarray(gi.Gs, dtype=float), np.asarray(gi.rGs)), alternative)
    p_fdr = benjamini_hochberg(p)
    significant = (p_fdr if fdr else p) <= alpha
    label = np.where(significant & (z > 0), HOT,
                     np.where(significant & (z < 0), COLD, NOT_SIGNIFICANT))
    method = (f"Getis-Ord Gi* (binary weights, self included; {described}), "
              + _describe_test(permutations, seed, alternative, alpha, fdr))
    return pd.DataFrame({
        "ward_code": frame["ward_code"], "ward_name": frame["ward_name"], "value": y,
        "z": z, "p_value": p, "p_fdr": p_fdr, "significant": significant,
        "hotspot": label, "confidence": _confidence(p_fdr if fdr else p, significant, alpha),
        "neighbours": _neighbour_counts(graph, len(y)), "method": method,
    })


def _neighbour_counts(graph, n: int) -> np.ndarray:
    adjacency = graph.adjacency
    real = adjacency[(adjacency > 0)
                     & (adjacency.index.get_level_values(0)
                        != adjacency.index.get_level_values(1))]
    counts = real.groupby(level=0).size()
    return counts.reindex(range(n), fill_value=0).to_numpy()


def local_moran_clusters(wards, values, *, column: str = "value", weights: str = "queen",
                         k: int = 5, permutations: int = 999, alpha: float = 0.05,
                         fdr: bool = True, seed: int = 12345,
                         alternative: str = "folded") -> pd.DataFrame:
    """Local Moran's I clusters (HH, LL) and outliers (HL, LH) among wards.

    Each ward's value and the average of its neighbours' (row-standardised weights) are
    compared with the borough mean: ``HH`` a high ward among high neighbours, ``LL`` low among
    low, ``HL`` a high ward among low neighbours, ``LH`` low among high. Wards not significant
    (after FDR by default) are labelled ``"not significant"``. The global Moran's I of the same
    values and weights is in ``table.attrs["global_moran"]`` (see :func:`global_moran`).

    Parameters
    ----------
    wards, values, column, weights, k, permutations, alpha, fdr, seed, alternative
        As for :func:`getis_ord_hotspots` (values may be negative here).

    Returns
    -------
    DataFrame
        ``ward_code, ward_name, value, local_i, z, quadrant, p_value, p_fdr, significant,
        cluster, neighbours, method``; ``z`` is the local I standardised by its permutation
        distribution, ``quadrant`` the ward's quadrant whether significant or not, ``cluster``
        the quadrant if significant, else ``"not significant"``.

    Examples
    --------
    >>> from scpb_analysis.demo import grid_wards
    >>> wards = grid_wards(4)
    >>> halves = pd.Series([9, 9, 1, 1] * 4, index=wards["ward_code"])
    >>> table = local_moran_clusters(wards, halves, weights="rook", permutations=199)
    >>> table["quadrant"].tolist()[:4]
    ['HH', 'HH', 'LL', 'LL']
    >>> round(table.attrs["global_moran"]["morans_i"], 3)
    0.708
    """
    import esda

    _check_test(permutations, alpha, alternative)
    frame = _analysis_frame(wards, values, column, "Local Moran's I")
    y = frame["value"].to_numpy(dtype=float)
    graph, described = _weights(frame, weights, k)
    n = len(y)
    if np.ptp(y) == 0:
        local_i, z, p = np.zeros(n), np.zeros(n), np.ones(n)
        quadrant = np.full(n, "", dtype=object)
    else:
        with _quiet_esda(seed):
            lisa = esda.Moran_Local(y, graph, transformation="r",
                                    permutations=int(permutations), n_jobs=1, seed=seed,
                                    keep_simulations=True)
        local_i = np.asarray(lisa.Is, dtype=float)
        z = np.asarray(lisa.z_sim, dtype=float)
        p = _adjust(_folded_p(local_i, np.asarray(lisa.rlisas)), alternative)
        quadrant = np.array([_QUADRANTS[int(q)] for q in lisa.q], dtype=object)
    p_fdr = benjamini_hochberg(p)
    significant = (p_fdr if fdr else p) <= alpha
    cluster = np.where(significant & (quadrant != ""), quadrant, NOT_SIGNIFICANT)
    method = (f"Local Moran's I (row-standardised {described}), "
              + _describe_test(permutations, seed, alternative, alpha, fdr))
    table = pd.DataFrame({
        "ward_code": frame["ward_code"], "ward_name": frame["ward_name"], "value": y,
        "local_i": local_i, "z": z, "quadrant": quadrant, "p_value": p, "p_fdr": p_fdr,
        "significant": significant, "cluster": cluster,
        "neighbours": _neighbour_counts(graph, n), "method": method,
    })
    table.attrs["global_moran"] = _global_moran(y, graph, described, permutations, seed)
    return table


def _global_moran(y: np.ndarray, graph, described: str, permutations: int,
                  seed: int) -> dict[str, Any]:
    import esda

    n = len(y)
    method = (f"Global Moran's I (row-standardised {described}), {permutations} "
              f"permutations, seed {seed}, folded pseudo p-value")
    if np.ptp(y) == 0:
        return {"morans_i": np.nan, "expected_i": -1 / (n - 1), "z": np.nan, "p_value": 1.0,
                "n_wards": n, "method": method + "; every value is the same"}
    with seeded(seed):
        # esda.Moran draws its permutations from numpy's global generator.
        moran = esda.Moran(y, graph, transformation="r", permutations=int(permutations))
    sims = np.asarray(moran.sim, dtype=float)
    p = float(_folded_p(np.array([moran.I]), sims[None, :])[0])
    return {"morans_i": float(moran.I), "expected_i": float(moran.EI),
            "z": float(moran.z_sim), "p_value": p, "n_wards": n, "method": method}


def global_moran(wards, values, *, column: str = "value", weights: str = "queen", k: int = 5,
                 permutations: int = 999, seed: int = 12345) -> pd.DataFrame:
    """Global Moran's I: are similar values next to each other across the whole borough?

    Positive I means clustering (high near high, low near low), negative I a checkerboard,
    and about ``-1 / (n - 1)`` (the expected value) no pattern.

    Parameters
    ----------
    wards, values, column, weights, k, permutations, seed
        As for :func:`local_moran_clusters`.

    Returns
    -------
    DataFrame
        One row: ``morans_i, expected_i, z`` (against the permutation distribution),
        ``p_value`` (folded permutation pseudo p-value), ``n_wards, method``.

    Examples
    --------
    >>> from scpb_analysis.demo import grid_wards
    >>> wards = grid_wards(4)
    >>> board = pd.Series([(r + c) % 2 for r in range(4) for c in range(4)],
    ...                   index=wards["ward_code"])
    >>> global_moran(wards, board, weights="rook", permutations=99)[["morans_i", "expected_i"]]
       morans_i  expected_i
    0      -1.0   -0.066667
    """
    if isinstance(permutations, bool) or not isinstance(permutations, (int, np.integer)) or (
            permutations < 1):
        raise ValueError(f"permutations must be a whole number, 1 or more; got {permutations!r}")
    frame = _analysis_frame(wards, values, column, "Moran's I")
    graph, described = _weights(frame, weights, k)
    result = _global_moran(frame["value"].to_numpy(dtype=float), graph, described,
                           permutations, seed)
    return pd.DataFrame([result])


# ---------------------------------------------------------------------------
# Map
# ---------------------------------------------------------------------------
