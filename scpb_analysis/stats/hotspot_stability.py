"""Hot-spot stability: is a place a hot spot period after period, newly, now and then, or no more?

A map of this year's hot spots does not say whether they are the usual places or new ones.
Classifying each place (a grid cell or a ward) by its hot-spot history over successive
periods does: Chainey (2020, *Understanding Crime: Analyzing the Geography of Crime*, ESRI
Press) teaches hot-spot classification over time, and Ashby's R package ``sfhotspot`` implements
one version in ``hotspot_classify()``. Two schemes are offered, each exactly as specified:

``"chainey"`` (the rules the serious-violence needs assessment uses,
:func:`scpb_analysis.blocks.sv_places.persistent_hotspots`): see :data:`CHAINEY_RULES`.

``"sfhotspot"``: the categories of ``sfhotspot::hotspot_classify()`` for hot spots, following
its documentation (https://search.r-project.org/CRAN/refmans/sfhotspot/html/hotspot_classify.html
and ``hotspot_classify_params``), with its default proportions ``hotspot_prop=0.1``,
``persistent_prop=0.8``, ``recent_prop=0.2``. The last ``floor(recent_prop x periods)``
periods are *recent* (at least one, and at least one period must be older, as in sfhotspot);
then, in this order:

* *persistent hotspot*: hot in at least ``persistent_prop`` of all periods;
* *emerging hotspot*: hot in at least ``hotspot_prop`` of the recent periods and in less than
  ``hotspot_prop`` of the older ones;
* *former hotspot*: hot in at least ``hotspot_prop`` of the older periods and in less than
  ``hotspot_prop`` of the recent ones;
* *intermittent hotspot*: hot in at least ``hotspot_prop`` of all periods;
* *no pattern*: none of these.

sfhotspot's source (R/hotspot_classify.R on GitHub) departs from its documentation in two
places, and this module follows the documentation: it counts the recent share over the last
*recent + 1* periods (an R index range one too long) and tests emerging hot spots against
``recent_prop`` rather than ``hotspot_prop``. sfhotspot also classifies cold spots; a table of
hot flags has none.

:func:`grid_hotspot_stability` goes from points to classes: points counted into square cells,
Getis-Ord Gi* per period on the cell counts, a multiple-testing correction per period across
the cells, then :func:`classify_stability`. sfhotspot's own Gi* differs: normal-approximation
two-sided p-values, adjusted per cell across the periods (Holm by default); here p-values come
from conditional permutations (esda, as :mod:`scpb_analysis.stats.hotspots`) and are corrected
across the cells of each period (Benjamini-Hochberg by default).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from scpb_analysis.core.seeding import seeded
from scpb_analysis.stats.hotspots import benjamini_hochberg

__all__ = [
    "CHAINEY_CLASSES",
    "CHAINEY_RULES",
    "CORRECTIONS",
    "SCHEMES",
    "SFHOTSPOT_CLASSES",
    "StabilityResult",
    "chainey_class",
    "classify_stability",
    "grid_hotspot_stability",
    "sfhotspot_class",
]

#: Stability schemes :func:`classify_stability` knows.
SCHEMES = ("chainey", "sfhotspot")

#: Chainey classes, most persistent first.
CHAINEY_CLASSES = ("persistent", "emerging", "intermittent", "fading", "never hot")

#: sfhotspot's hot-spot categories, in its order of precedence.
SFHOTSPOT_CLASSES = ("persistent hotspot", "emerging hotspot", "former hotspot",
                     "intermittent hotspot", "no pattern")

#: The Chainey rules in words (quoted by the needs assessment's method note).
CHAINEY_RULES = ("persistent: hot in the latest window and in more than half of the windows; "
                 "emerging: hot in the latest window only; intermittent: hot in the latest "
                 "window and in some earlier ones, but not in more than half; fading: hot in "
                 "an earlier window, not in the latest; never hot: hot in no window")

#: Multiple-testing corrections :func:`grid_hotspot_stability` applies per period.
CORRECTIONS = ("fdr", "bonferroni", "none")

_CORRECTION_WORDS = {"fdr": "Benjamini-Hochberg false discovery rate",
                     "bonferroni": "Bonferroni", "none": "no multiple-testing correction"}


# ---------------------------------------------------------------------------------------------
# Classification


def chainey_class(hot: Sequence[bool]) -> str:
    """Chainey stability class of one place from its hot flags, oldest period first.

    Examples
    --------
    >>> [chainey_class(h) for h in ([1, 1, 1, 1], [0, 1, 0, 1], [0, 0, 0, 1], [1, 1, 0, 0],
    ...                             [0, 0, 0, 0], [1, 0, 1])]
    ['persistent', 'intermittent', 'emerging', 'fading', 'never hot', 'persistent']
    """
    flags = [bool(h) for h in hot]
    n, k = len(flags), sum(flags)
    if n == 0:
        raise ValueError("a stability class needs at least one period")
    if k == 0:
        return "never hot"
    if not flags[-1]:
        return "fading"
    if k == 1:
        return "emerging"
    return "persistent" if k > n / 2 else "intermittent"


def _recent_periods(n: int, recent_prop: float) -> int:
    recent = math.floor(recent_prop * n)
    if recent < 1 or n - recent < 1:
        recent = 1
    if n - recent < 1:
        raise ValueError(f"the sfhotspot scheme needs at least one recent and one older period; "
                         f"got {n} period(s)")
    return recent


def _check_props(hotspot_prop: float, persistent_prop: float, recent_prop: float) -> None:
    for name, value in (("hotspot_prop", hotspot_prop), ("persistent_prop", persistent_prop),
                        ("recent_prop", recent_prop)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 1:
            raise ValueError(f"{name} must be greater than 0 and less than 1 (as in "
                             f"sfhotspot::hotspot_classify_params); got {value!r}")


def sfhotspot_class(hot: Sequence[bool], *, hotspot_prop: float = 0.1,
                    persistent_prop: float = 0.8, recent_prop: float = 0.2) -> str:
    """sfhotspot ``hotspot_classify`` category of one place from its hot flags, oldest first.

    Parameters
    ----------
    hot : sequence of bool
        Hot in each period, oldest first (at least two periods).
    hotspot_prop, persistent_prop, recent_prop : float
        sfhotspot's ``hotspot_classify_params`` of the same names, at its defaults.

    Examples
    --------
    Ten periods, so the last two are recent:

    >>> [sfhotspot_class(h) for h in ([1] * 8 + [0] * 2, [0] * 8 + [0, 1], [1] + [0] * 9,
    ...                               [0, 1, 0, 0, 1, 0, 0, 0, 1, 0], [0] * 10)]
    ['persistent hotspot', 'emerging hotspot', 'former hotspot', 'intermittent hotspot', \
'no pattern']
    """
    _check_props(hotspot_prop, persistent_prop, recent_prop)
    flags = np.asarray([bool(h) for h in hot])
    n = len(flags)
    recent = _recent_periods(n, recent_prop)
    share = flags.mean()
    recent_share = flags[n - recent:].mean()
    older_share = flags[:n - recent].mean()
    if share >= persistent_prop:
        return "persistent hotspot"
    if older_share < hotspot_prop and recent_share >= hotspot_prop:
        return "emerging hotspot"
    if older_share >= hotspot_prop and recent_share < hotspot_prop:
        return "former hotspot"
    if share >= hotspot_prop:
        return "intermittent hotspot"
    return "no pattern"


def _hot_matrix(hot: pd.DataFrame) -> np.ndarray:
    if not isinstance(hot, pd.DataFrame):
        raise TypeError(f"hot must be a DataFrame (places x periods); got "
                        f"{type(hot).__name__}")
    if hot.shape[1] == 0:
        raise ValueError("hot has no period columns; expected one column per period, oldest "
                         "first")
    if hot.empty:
        raise ValueError("hot has no places; expected one row per place")
    if hot.index.has_duplicates:
        dup = hot.index[hot.index.duplicated()][0]
        raise ValueError(f"place {dup!r} appears more than once in hot; expected one row per "
                         "place")
    if hot.columns.has_duplicates:
        dup = hot.columns[hot.columns.duplicated()][0]
        raise ValueError(f"period {dup!r} appears more than once in hot's columns")
    labels = list(hot.columns)
    comparable = (all(isinstance(c, pd.Period) for c in labels)
                  or all(isinstance(c, (int, np.integer)) and not isinstance(c, bool)
                         for c in labels))
    if comparable and any(a >= b for a, b in zip(labels, labels[1:], strict=False)):
        raise ValueError(f"hot's period columns must run oldest first; got {labels}")
    for column in hot.columns:
        values = hot[column]
        ok = values.isin([True, False]) & values.notna()
        if not ok.all():
            place = values.index[np.flatnonzero(~ok.to_numpy())[0]]
            raise ValueError(f"hot[{column!r}] for place {place!r} is {str(values[place])!r}; "
                             "expected True or False (or 1/0)")
    return hot.to_numpy(dtype=bool)


def _scheme_method(scheme: str, n: int, hotspot_prop: float, persistent_prop: float,
                   recent_prop: float) -> str:
    if scheme == "chainey":
        return f"Hot-spot stability over {n} periods (after Chainey 2020): {CHAINEY_RULES}"
    recent = _recent_periods(n, recent_prop)
    forced = recent_prop * n < 1
    # In the reader's words: the page shows this text (sfhotspot's argument names in brackets).
    recent_words = (f"the last {recent} of {n} periods count as recent"
                    + (f" (a recent share of {recent_prop:g} of {n} periods rounds down to "
                       "none, so the latest is taken as recent, as sfhotspot does)"
                       if forced else ""))
    return (f"Hot-spot categories of Ashby's sfhotspot package (its documented rules; a "
            f"hot-spot share of {hotspot_prop:g}, a persistent share of {persistent_prop:g} "
            f"and a recent share of {recent_prop:g} of the periods; {recent_words}): "
            f"persistent hotspot: hot in at least {persistent_prop:g} of the periods; "
            f"emerging hotspot: hot in at least {hotspot_prop:g} of the recent periods and "
            f"less than {hotspot_prop:g} of the older ones; former hotspot: the reverse; "
            f"intermittent hotspot: hot in at least {hotspot_prop:g} of the periods otherwise; "
            "no pattern: none of these")


def classify_stability(hot: pd.DataFrame, *, scheme: str = "chainey",
                       hotspot_prop: float = 0.1, persistent_prop: float = 0.8,
                       recent_prop: float = 0.2) -> pd.DataFrame:
    """Classify each place by its hot-spot history over successive periods.

    Parameters
    ----------
    hot : DataFrame
        Index: place (cell or ward code); columns: periods, oldest first; values: True where
        the place was a hot spot in the period (1/0 are accepted). Integer or ``Period``
        column labels out of order are refused.
    scheme : {"chainey", "sfhotspot"}
        The classes and rules (see the module notes).
    hotspot_prop, persistent_prop, recent_prop : float
        sfhotspot's proportions, at its defaults (``scheme="sfhotspot"`` only).

    Returns
    -------
    DataFrame
        One row per place, in the order given: ``place, periods, hot_periods, hot_in_latest,
        stability, method``.

    Examples
    --------
    >>> hot = pd.DataFrame({2021: [1, 0, 1, 0], 2022: [1, 0, 0, 0], 2023: [1, 1, 0, 0]},
    ...                    index=["A", "B", "C", "D"]).astype(bool)
    >>> classify_stability(hot)[["place", "hot_periods", "stability"]]
      place  hot_periods   stability
    0     A            3  persistent
    1     B            1    emerging
    2     C            1      fading
    3     D            0   never hot
    >>> classify_stability(hot, scheme="sfhotspot")["stability"].tolist()
    ['persistent hotspot', 'emerging hotspot', 'former hotspot', 'no pattern']
    """
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {', '.join(SCHEMES)}; got {scheme!r}")
    flags = _hot_matrix(hot)
    n = flags.shape[1]
    if scheme == "chainey":
        classes = [chainey_class(row) for row in flags]
    else:
        _check_props(hotspot_prop, persistent_prop, recent_prop)
        _recent_periods(n, recent_prop)
        classes = [sfhotspot_class(row, hotspot_prop=hotspot_prop,
                                   persistent_prop=persistent_prop, recent_prop=recent_prop)
                   for row in flags]
    return pd.DataFrame({
        "place": hot.index.to_numpy(), "periods": n,
        "hot_periods": flags.sum(axis=1).astype(np.int64), "hot_in_latest": flags[:, -1],
        "stability": classes,
        "method": _scheme_method(scheme, n, hotspot_prop, persistent_prop, recent_prop),
    })


# ---------------------------------------------------------------------------------------------
# From points on a grid


@dataclass(frozen=True)
class StabilityResult:
    """Hot-spot stability of grid cells.

    Attributes
    ----------
    cells : GeoDataFrame
        One row per cell: ``cell`` (the easting and northing of its south-west corner),
        ``geometry``, then per period ``count_<p>, z_<p>, p_<p>`` (the corrected p-value) and
        ``hot_<p>``, then ``hot_periods`` and ``stability``. British National Grid.
    summary : DataFrame
        ``stability, cells``: the number of cells in each class, every class listed.
    method : str
        The grid, the Gi* weights, permutations, seed, correction, alpha, the periods and the
        classification rules.
    periods : list
        The periods, oldest first.
    """

    cells: object
    summary: pd.DataFrame
    method: str
    periods: list


def _coordinates(points: pd.DataFrame, x: str, y: str, period: str
                 ) -> tuple[np.ndarray, np.ndarray, pd.Series]:
    if not isinstance(points, pd.DataFrame):
        raise TypeError(f"points must be a DataFrame; got {type(points).__name__}")
    missing = [c for c in (x, y, period) if c not in points.columns]
    if missing:
        raise ValueError(f"points have no column(s) {', '.join(missing)}; expected {x!r} and "
                         f"{y!r} in metres (British National Grid) and {period!r}")
    if points.empty:
        raise ValueError("points is empty; expected at least one point per period")
    coords = {}
    for name in (x, y):
        values = pd.to_numeric(points[name], errors="coerce")
        bad = ~np.isfinite(values.to_numpy(dtype=float))
        if bad.any():
            where = points.index[np.flatnonzero(bad)[0]]
            value = points.loc[where, name]
            shown = "missing" if pd.isna(value) else f"{str(value)!r}"
            raise ValueError(f"points[{name!r}] at row {where!r} is {shown}; expected a "
                             f"coordinate in metres ({int(bad.sum())} row(s) lack one; drop "
                             "them first and report how many)")
        coords[name] = values.to_numpy(dtype=float)
    xs, ys = coords[x], coords[y]
    if (np.abs(xs) <= 180).all() and (np.abs(ys) <= 90).all():
        raise ValueError("the coordinates look like longitude and latitude in degrees; "
                         "expected metres (project to British National Grid, EPSG:27700)")
    labels = points[period]
    if labels.isna().any():
        where = points.index[np.flatnonzero(labels.isna().to_numpy())[0]]
        raise ValueError(f"points[{period!r}] is missing at row {where!r}; expected a period "
                         "for every point")
    return xs, ys, labels


def _grid(xs: np.ndarray, ys: np.ndarray, cell_size: float
          ) -> tuple[np.ndarray, int, int, float, float]:
    """Cell index of each point, with the grid's shape and south-west corner.

    Cells are aligned to multiples of ``cell_size`` (on British National Grid, the national
    grid squares), so the same cell means the same ground whatever the points' extent; a point
    on a cell edge belongs to the cell to its east or north.
    """
    x0 = math.floor(xs.min() / cell_size) * cell_size
    y0 = math.floor(ys.min() / cell_size) * cell_size
    cols = np.floor((xs - x0) / cell_size).astype(np.int64)
    rows = np.floor((ys - y0) / cell_size).astype(np.int64)
    n_cols, n_rows = int(cols.max()) + 1, int(rows.max()) + 1
    return rows * n_cols + cols, n_rows, n_cols, x0, y0


_MAX_CELLS = 250_000


def _neighbours(n_rows: int, n_cols: int, cell_size: float, bandwidth: float):
    """Binary distance-band graph between cell centres (self excluded; Gi* adds it)."""
    from libpysal.graph import Graph
    from scipy.spatial import cKDTree

    centres = np.column_stack([(np.arange(n_rows * n_cols) % n_cols) * cell_size,
                               (np.arange(n_rows * n_cols) // n_cols) * cell_size])
    # A hair of tolerance so a diagonal neighbour at exactly the band is not lost to rounding.
    pairs = cKDTree(centres).query_pairs(bandwidth * (1 + 1e-9), output_type="ndarray")
    focal = np.concatenate([pairs[:, 0], pairs[:, 1]])
    neighbour = np.concatenate([pairs[:, 1], pairs[:, 0]])
    order = np.lexsort((neighbour, focal))
    return Graph.from_arrays(focal[order], neighbour[order], np.ones(len(order)))


def _folded(observed: np.ndarray, simulated: np.ndarray) -> np.ndarray:
    # The GeoDa/esda folded pseudo p-value, as stats.hotspots reports it.
    permutations = simulated.shape[1]
    larger = (simulated >= observed[:, None]).sum(axis=1)
    return (np.minimum(larger, permutations - larger) + 1) / (permutations + 1)


def _gi_star(y: np.ndarray, graph, permutations: int, seed: int
             ) -> tuple[np.ndarray, np.ndarray]:
    import esda

    if np.ptp(y) == 0:
        return np.zeros(len(y)), np.ones(len(y))
    with warnings.catch_warnings(), seeded(seed):
        warnings.filterwarnings("ignore", message="The alternative hypothesis",
                                category=DeprecationWarning)
        gi = esda.G_Local(y, graph, transform="B", star=True, permutations=int(permutations),
                          n_jobs=1, seed=seed, keep_simulations=True)
    return (np.asarray(gi.Zs, dtype=float),
            _folded(np.asarray(gi.Gs, dtype=float), np.asarray(gi.rGs)))


def _correct(p: np.ndarray, correction: str) -> np.ndarray:
    if correction == "fdr":
        return benjamini_hochberg(p)
    if correction == "bonferroni":
        return np.minimum(p * len(p), 1.0)
    return p


def _check_grid_parameters(cell_size: float, bandwidth: float | None, permutations: int,
                           alpha: float, correction: str, seed: int, scheme: str) -> float:
    if isinstance(cell_size, bool) or not isinstance(cell_size, (int, float)) or not (
            math.isfinite(cell_size) and cell_size > 0):
        raise ValueError(f"cell_size must be a positive number of metres; got {cell_size!r}")
    if bandwidth is None:
        bandwidth = cell_size * math.sqrt(2)
    elif isinstance(bandwidth, bool) or not isinstance(bandwidth, (int, float)) or not (
            math.isfinite(bandwidth) and bandwidth >= cell_size):
        raise ValueError(f"bandwidth must be a distance in metres of at least cell_size "
                         f"({cell_size:g}), or None for the eight surrounding cells; a shorter "
                         f"one leaves every cell without neighbours; got {bandwidth!r}")
    if isinstance(permutations, bool) or not isinstance(permutations, (int, np.integer)) or (
            permutations < 1):
        raise ValueError(f"permutations must be a whole number, 1 or more; got {permutations!r}")
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not 0 < alpha < 1:
        raise ValueError(f"alpha must be a probability such as 0.05; got {alpha!r}")
    if 1 / (permutations + 1) > alpha:
        raise ValueError(f"with {permutations} permutations the smallest p-value is "
                         f"{1 / (permutations + 1):.3g}, above alpha {alpha:g}; use at least "
                         f"{math.ceil(1 / alpha)} permutations")
    if correction not in CORRECTIONS:
        raise ValueError(f"correction must be one of {', '.join(CORRECTIONS)}; got "
                         f"{correction!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(f"seed must be a whole number; got {seed!r}")
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {', '.join(SCHEMES)}; got {scheme!r}")
    return float(bandwidth)


def grid_hotspot_stability(points: pd.DataFrame, *, x: str = "x", y: str = "y",
                           period: str = "period", cell_size: float = 250.0,
                           bandwidth: float | None = None, permutations: int = 99,
                           alpha: float = 0.05, correction: str = "fdr", seed: int = 20240101,
                           scheme: str = "sfhotspot", hotspot_prop: float = 0.1,
                           persistent_prop: float = 0.8,
                           recent_prop: float = 0.2) -> StabilityResult:
    """Hot-spot stability of square grid cells over successive periods, from points.

    The points are counted into square cells of ``cell_size`` covering their extent (cells
    aligned to multiples of ``cell_size``); in each period Getis-Ord Gi* (binary weights,
    each cell's own count included) is computed on the cell counts, with conditional
    permutation pseudo p-values (folded, as :mod:`scpb_analysis.stats.hotspots`), corrected
    for multiple testing across the cells of the period; a cell is hot in a period when its
    corrected p-value is ``alpha`` or less and its z is positive. The hot flags are then
    classified by :func:`classify_stability`.

    Parameters
    ----------
    points : DataFrame
        One row per crime: coordinates in metres (British National Grid) and its period.
    x, y, period : str
        Column names. Periods are ordered by sorting their values (years, ``pd.Period``,
        or labels that sort in time order such as ``"2021"``).
    cell_size : float
        Side of a cell in metres.
    bandwidth : float, optional
        Neighbours are cells whose centres lie within this distance (at least ``cell_size``);
        default ``cell_size * sqrt(2)``, the eight surrounding cells, as sfhotspot's default
        ``nb_dist``.
    permutations : int
        Conditional permutations per period.
    alpha : float
        Significance level (the false discovery rate under ``"fdr"``).
    correction : {"fdr", "bonferroni", "none"}
        Benjamini-Hochberg, Bonferroni, or none, across the cells of each period.
    seed : int
        Permutation seed; the same seed gives the same result.
    scheme : {"sfhotspot", "chainey"}
        Classification (see :func:`classify_stability`); sfhotspot's proportions follow.
    hotspot_prop, persistent_prop, recent_prop : float
        As in :func:`classify_stability`.

    Returns
    -------
    StabilityResult
        ``.cells`` (GeoDataFrame), ``.summary`` (cells per class), ``.method``, ``.periods``.

    Raises
    ------
    ValueError
        Missing columns or coordinates, coordinates that look like degrees, a missing period,
        too few periods for the scheme, a bad parameter, or a grid of over 250,000 cells.

    Examples
    --------
    Background crime spread evenly over a 2 km square in three years, and in the last year a
    cluster over the 750 m square in its middle:

    >>> rng = np.random.default_rng(1)
    >>> xy = rng.uniform(0, 2000, size=(600, 2)) + [530000, 180000]
    >>> points = pd.DataFrame({"x": xy[:, 0], "y": xy[:, 1], "period": [2021, 2022, 2023] * 200})
    >>> xy = rng.uniform(500, 1250, size=(120, 2)) + [530000, 180000]
    >>> cluster = pd.DataFrame({"x": xy[:, 0], "y": xy[:, 1], "period": 2023})
    >>> result = grid_hotspot_stability(pd.concat([points, cluster]), permutations=999,
    ...                                 scheme="chainey")
    >>> result.summary
          stability  cells
    0    persistent      0
    1      emerging      4
    2  intermittent      0
    3        fading      0
    4     never hot     60
    >>> result.cells.loc[result.cells["stability"] == "emerging", "cell"].tolist()
    ['530750_180500', '530500_180750', '530750_180750', '531000_180750']

    Gi* here holds each cell's own count fixed and permutes its neighbours' (conditional
    permutation), so a spike confined to a single cell is found through its neighbours, not in
    the cell itself; a cell size about the size of the hot spots sought suits it best.
    """
    import geopandas as gpd
    from shapely import box

    bandwidth = _check_grid_parameters(cell_size, bandwidth, permutations, alpha, correction,
                                       seed, scheme)
    xs, ys, labels = _coordinates(points, x, y, period)
    try:
        periods = sorted(pd.unique(labels))
    except TypeError as exc:
        raise ValueError(f"points[{period!r}] mixes kinds of value that cannot be put in time "
                         "order (e.g. numbers and text); expected one kind, such as years") \
            from exc
    if scheme == "sfhotspot":
        _check_props(hotspot_prop, persistent_prop, recent_prop)
        _recent_periods(len(periods), recent_prop)
    index, n_rows, n_cols, x0, y0 = _grid(xs, ys, cell_size)
    n_cells = n_rows * n_cols
    if n_cells > _MAX_CELLS:
        raise ValueError(f"{cell_size:g} m cells over the points' extent make {n_cells:,} "
                         f"cells (over {_MAX_CELLS:,}); use larger cells or fewer points")
    if n_cells < 3:
        raise ValueError(f"{cell_size:g} m cells over the points' extent make {n_cells} "
                         "cell(s); Gi* needs at least 3 (use smaller cells)")
    graph = _neighbours(n_rows, n_cols, cell_size, bandwidth)
    position = {p: i for i, p in enumerate(periods)}
    period_index = labels.map(position).to_numpy(dtype=np.int64)
    counts = np.zeros((n_cells, len(periods)), dtype=np.int64)
    np.add.at(counts, (index, period_index), 1)

    cols = np.arange(n_cells) % n_cols
    rows = np.arange(n_cells) // n_cols
    west, south = x0 + cols * cell_size, y0 + rows * cell_size
    data: dict[str, object] = {"cell": [f"{w:g}_{s:g}" for w, s in zip(west, south,
                                                                         strict=True)]}
    hot = np.zeros_like(counts, dtype=bool)
    for t, label in enumerate(periods):
        z, p = _gi_star(counts[:, t].astype(float), graph, permutations, seed)
        adjusted = _correct(p, correction)
        hot[:, t] = (adjusted <= alpha) & (z > 0)
        data[f"count_{label}"] = counts[:, t]
        data[f"z_{label}"] = z
        data[f"p_{label}"] = adjusted
        data[f"hot_{label}"] = hot[:, t]
    flags = pd.DataFrame(hot, index=data["cell"], columns=range(len(periods)))
    classes = classify_stability(flags, scheme=scheme, hotspot_prop=hotspot_prop,
                                 persistent_prop=persistent_prop, recent_prop=recent_prop)
    data["hot_periods"] = classes["hot_periods"].to_numpy()
    data["stability"] = classes["stability"].to_numpy()
    cells = gpd.GeoDataFrame(data, geometry=box(west, south, west + cell_size,
                                                south + cell_size), crs=27700)
    cells = cells[["cell", "geometry"] + [c for c in data if c != "cell"]]
    order = CHAINEY_CLASSES if scheme == "chainey" else SFHOTSPOT_CLASSES
    tally = classes["stability"].value_counts()
    summary = pd.DataFrame({"stability": list(order),
                            "cells": [int(tally.get(c, 0)) for c in order]})
    method = _grid_method(periods, cell_size, n_rows, n_cols, bandwidth, permutations, seed,
                          correction, alpha, classes["method"].iloc[0])
    return StabilityResult(cells, summary, method, list(periods))


def _grid_method(periods: list, cell_size: float, n_rows: int, n_cols: int, bandwidth: float,
                 permutations: int, seed: int, correction: str, alpha: float,
                 rules: str) -> str:
    queen = math.isclose(bandwidth, cell_size * math.sqrt(2))
    weights = ("the eight surrounding cells" if queen
               else f"cells whose centres lie within {bandwidth:g} m")
    smallest = 1 / (permutations + 1)
    parts = [f"Points counted in {cell_size:g} m square cells ({n_cols} x {n_rows} cells over "
             f"the points' extent, aligned to the {cell_size:g} m national grid; cells with no "
             f"points are counted as 0). Periods: {', '.join(str(p) for p in periods)}. In "
             f"each period, Getis-Ord Gi* (binary weights, the cell itself included; "
             f"neighbours: {weights}), {permutations} conditional permutations, seed {seed}, "
             f"folded pseudo p-values, {_CORRECTION_WORDS[correction]} across the cells of "
             f"the period at {alpha:g}; a cell is hot where significant with a positive z."]
    if correction == "fdr":
        cells = n_rows * n_cols
        need = math.ceil(cells * smallest / alpha - 1e-9)
        parts.append(f"With {permutations} permutations the smallest p-value is "
                     f"{smallest:.3g}, so a cell can pass the correction only if at least "
                     f"{need} of the {cells} cells reach it; more permutations find more "
                     "hot spots.")
    parts.append(rules + ".")
    return " ".join(parts)
