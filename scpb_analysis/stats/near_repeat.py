"""Repeat locations and the Knox test for near repeats.

**Repeat locations.** police.uk moves every crime to an anonymised map point (a "snap point":
the centre of a street segment or a point of interest such as a station or park, never an
address), so crimes with the same published coordinates are crimes at the same snap point.
:func:`repeat_locations` counts them with the exact coordinate values; a partnership export
with an address or property identifier passes that column instead.

**Knox test** (Knox 1964; as Ratcliffe's Near Repeat Calculator computes it, Ratcliffe 2009,
"Near Repeat Calculator" v1.3, Temple University; Johnson et al. 2007, "Space-time patterns of
risk: a cross national assessment of residential burglary victimization", J Quant Criminol
23(3)). Every pair of crimes is classed by distance band and time band; the count of pairs in
each cell is compared with its mean over ``permutations`` Monte Carlo runs in which the times
are shuffled among the crimes (which keeps where crimes happen and when they happen, and breaks
only the link between the two). The Knox ratio is observed / mean simulated; the p-value is
``(1 + runs with a count >= observed) / (1 + runs)``, as in the R package NearRepeat
(Steenbeek) and Toby Davies's Python implementation of the same test.

Bands mean what their labels say. With a distance band of 200 m and 3 bands, "Same location" is
a distance of exactly 0, "1 to 200" holds distances above 0 up to and including 200 m, "201 to
400" above 200 up to 400, and "More than 600" the rest; with a time band of 14 days, "0 to 14"
holds 0 to 14 days apart inclusive, "15 to 28" 15 to 28, and so on. (Steenbeek's NearRepeat
vignette "NearRepeat and the Near Repeat Calculator software: a comparison" shows the
calculator itself computes a band it labels "a to b" as [a - 1, b), so its counts differ from
these on the same data; here the labels and the counts agree.)

The implementation is vectorised: the pairs within the largest distance band are found once with
:class:`scipy.spatial.cKDTree` (space never changes under the permutation), and each run only
re-bins their time differences with :func:`numpy.bincount`. The "More than" distance row is never
listed pair by pair: the number of pairs at each time difference over *all* pairs does not change
when times are shuffled (it is the autocorrelation of the histogram of times), so that row is
all pairs minus the pairs within the distance bands.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from scpb_analysis.stats.rates import proportion

__all__ = ["KnoxResult", "RepeatLocations", "knox_test", "repeat_locations", "SAME_LOCATION"]

SAME_LOCATION = "Same location"
METRICS = {"manhattan": 1, "euclidean": 2}
#: Level at which a Knox cell is called significant (the Near Repeat Calculator's).
ALPHA = 0.05


# ---------------------------------------------------------------------------------------------
# Repeat locations
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RepeatLocations:
    """Locations with two or more crimes, and the shares they make up.

    Attributes
    ----------
    locations : DataFrame
        One row per location (per ``by`` group) with 2 or more crimes: ``[by,]`` the location
        columns, ``crimes``; sorted by group, then crimes (most first), then location.
    summary : DataFrame
        One row (per ``by`` group): ``[by,] crimes, locations, repeat_locations,
        crimes_at_repeat_locations, share_of_locations_repeat, lower, upper, confidence,
        share_of_crimes_at_repeats, method``. ``lower``/``upper`` are the Wilson interval of
        ``share_of_locations_repeat``.
    set_aside : DataFrame
        ``reason, rows``: rows not counted (no location, or no ``by`` value).
    """

    locations: pd.DataFrame
    summary: pd.DataFrame
    set_aside: pd.DataFrame


def repeat_locations(points: pd.DataFrame, *,
                     location: Sequence[str] = ("longitude", "latitude"),
                     by: str | None = None) -> RepeatLocations:
    """Locations with more than one crime: how many, and what share of crimes they hold.

    Crimes are at the same location when every ``location`` column holds the same value
    (exact equality: police.uk publishes each snap point's coordinates identically every time).

    Parameters
    ----------
    points : DataFrame
        One row per crime, e.g. :func:`scpb_analysis.sources.policeuk.read_policeuk` ``.points``.
    location : sequence of str, default ("longitude", "latitude")
        The columns that identify a location; a single column name (an address ID) is accepted.
    by : str, optional
        Column to count separately (e.g. year, ward); a location is a repeat within its group.

    Returns
    -------
    RepeatLocations

    Raises
    ------
    ValueError
        If a column is missing.

    Examples
    --------
    >>> crimes = pd.DataFrame({"longitude": [-0.2, -0.2, -0.2, -0.21, -0.22, None],
    ...                        "latitude": [51.6, 51.6, 51.6, 51.6, 51.61, None]})
    >>> out = repeat_locations(crimes)
    >>> out.locations
       longitude  latitude  crimes
    0       -0.2      51.6       3
    >>> row = out.summary.iloc[0]
    >>> [int(row[c]) for c in ("crimes", "locations", "repeat_locations",
    ...                        "crimes_at_repeat_locations")]
    [5, 3, 1, 3]
    >>> round(float(row["share_of_locations_repeat"]), 3), float(row["share_of_crimes_at_repeats"])
    (0.333, 0.6)
    >>> out.set_aside
                    reason  rows
    0  no location (longitude, latitude missing)     1
    """
    columns = [location] if isinstance(location, str) else list(location)
    if not columns:
        raise ValueError("location must name at least one column")
    for column in columns + ([by] if by is not None else []):
        if column not in points.columns:
            raise ValueError(f"points have no column '{column}'; columns are "
                             f"{', '.join(map(str, points.columns))}")
    if by is not None and by in columns:
        raise ValueError(f"'{by}' is both a location column and the by column")
    no_location = points[columns].isna().any(axis=1).to_numpy()
    no_group = (points[by].isna().to_numpy() & ~no_location) if by is not None \
        else np.zeros(len(points), dtype=bool)
    aside = []
    if no_location.any():
        aside.append({"reason": f"no location ({', '.join(columns)} missing)",
                      "rows": int(no_location.sum())})
    if no_group.any():
        aside.append({"reason": f"no value in '{by}'", "rows": int(no_group.sum())})
    set_aside = pd.DataFrame(aside, columns=["reason", "rows"]).astype({"rows": "int64"})

    keys = ([by] if by is not None else []) + columns
    located = points.loc[~(no_location | no_group), keys]
    per_location = (located.groupby(keys, sort=True, dropna=False).size()
                    .rename("crimes").reset_index())
    repeats = per_location[per_location["crimes"] >= 2]
    order = ([by] if by is not None else []) + ["crimes"] + columns
    ascending = ([True] if by is not None else []) + [False] + [True] * len(columns)
    locations = repeats.sort_values(order, ascending=ascending, kind="mergesort")
    locations = locations.reset_index(drop=True)

    group_keys = [by] if by is not None else []
    if by is not None:
        grouped = per_location.groupby(by, sort=True)
        summary = pd.DataFrame({
            "crimes": grouped["crimes"].sum(),
            "locations": grouped.size(),
            "repeat_locations": grouped["crimes"].apply(lambda c: int((c >= 2).sum())),
            "crimes_at_repeat_locations": grouped["crimes"].apply(
                lambda c: int(c[c >= 2].sum())),
        }).reset_index()
    else:
        crimes = per_location["crimes"]
        summary = pd.DataFrame({"crimes": [int(crimes.sum())], "locations": [len(crimes)],
                                "repeat_locations": [int((crimes >= 2).sum())],
                                "crimes_at_repeat_locations": [int(crimes[crimes >= 2].sum())]})
    summary = summary.astype({c: "int64" for c in ("crimes", "locations", "repeat_locations",
                                                   "crimes_at_repeat_locations")})
    has = summary["locations"].to_numpy() > 0
    value = np.full(len(summary), np.nan)
    lower, upper = value.copy(), value.copy()
    if has.any():
        wilson = proportion(summary["repeat_locations"].to_numpy()[has],
                            summary["locations"].to_numpy()[has])
        value[has], lower[has], upper[has] = (wilson[c].to_numpy()
                                              for c in ("value", "lower", "upper"))
    with np.errstate(invalid="ignore", divide="ignore"):
        crimes_share = np.where(summary["crimes"] > 0, summary["crimes_at_repeat_locations"]
                                / summary["crimes"].where(summary["crimes"] > 0, 1), np.nan)
    what = ("the same exact location values" if columns != ["longitude", "latitude"] else
            "the same published coordinates, i.e. the same police.uk snap point (a street "
            "segment or point of interest, not an address)")
    summary = summary.assign(
        share_of_locations_repeat=value, lower=lower, upper=upper, confidence=0.95,
        share_of_crimes_at_repeats=crimes_share,
        method=(f"Repeat locations: crimes at {what}; a repeat location has 2 or more crimes"
                f"{' within its ' + repr(by) + ' group' if by else ''}. Share of locations that "
                "are repeats with a Wilson 95% interval (locations as the units); share of "
                "crimes at repeat locations without an interval (the crimes at one place are "
                "not independent trials)"))
    return RepeatLocations(locations, summary[group_keys + [c for c in summary.columns
                                                            if c not in group_keys]],
                           set_aside)


# ---------------------------------------------------------------------------------------------
# Knox test
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KnoxResult:
    """The Knox test's table, with the Near Repeat Calculator's layout on demand.

    Attributes
    ----------
    table : DataFrame
        One row per distance band x time band, in band order: ``distance_band, time_band,
        observed, expected, knox_ratio, p_value, significant, method``.
    summary : DataFrame
        One row: ``points, set_aside, pairs, pairs_within, permutations, seed, metric,
        distance_band, n_distance_bands, time_band, n_time_bands, time_unit, best_p``.
    set_aside : DataFrame
        ``record, reason``: points not used (missing coordinate or time).
    """

    table: pd.DataFrame
    summary: pd.DataFrame
    set_aside: pd.DataFrame
    distance_labels: list[str] = field(repr=False)
    time_labels: list[str] = field(repr=False)
    time_unit: str = "days"

    def calculator_table(self, values: str = "knox_ratio") -> pd.DataFrame:
        """The table as the Near Repeat Calculator prints it: distance rows, time columns.

        ``values="knox_ratio"`` gives its "Observed over mean expected frequencies table",
        ``"p_value"`` its "Statistical significance table", each to 2 decimals. The calculator
        marks cells by colour: bright red bold where the p-value is the best the number of
        runs allows (``1 / (permutations + 1)``), dark red bold where it is 0.05 or less. Text
        cannot carry colour, so those cells end in ``**`` and ``*``; the legend is in
        ``attrs["note"]``. A cell whose pairs never occur in any run has no ratio (``-``).

        Examples
        --------
        >>> pts = pd.DataFrame({"x": [530000, 530000, 530150, 531000], "y": [180000] * 4,
        ...                     "time": [0, 3, 5, 40]})
        >>> out = knox_test(pts, distance_band=200, n_distance_bands=1, time_band=7,
        ...                 n_time_bands=1, permutations=19)
        >>> out.calculator_table().columns.tolist()
        ['0 to 7 days', 'More than 7 days']
        >>> out.calculator_table().index.tolist()
        ['Same location', '1 to 200 metres', 'More than 200 metres']
        """
        if values not in ("knox_ratio", "p_value"):
            raise ValueError(f"values must be 'knox_ratio' or 'p_value'; got {values!r}")
        permutations = int(self.summary["permutations"].iloc[0])
        best = 1 / (permutations + 1)
        p = self.table["p_value"].to_numpy()
        number = self.table[values].to_numpy(dtype=float)
        marks = np.where((p <= best + 1e-12) & (p <= ALPHA), "**",
                         np.where(p <= ALPHA, "*", ""))
        text = [("-" if np.isnan(v) else f"{v:.2f}") + (m if not np.isnan(v) else "")
                for v, m in zip(number, marks, strict=True)]
        rows = [r if r == SAME_LOCATION else f"{r} metres" for r in self.distance_labels]
        columns = [f"{c} {self.time_unit}" for c in self.time_labels]
        wide = pd.DataFrame(np.array(text, dtype=object).reshape(len(rows), len(columns)),
                            index=pd.Index(rows, name="distance"),
                            columns=pd.Index(columns, name="time"))
        wide.attrs["note"] = (f"** p = {best:.3g}, the best {permutations} runs allow (the "
                              f"calculator's bright red); * p <= {ALPHA} (its dark red)")
        return wide

    @property
    def text(self) -> str:
        """Plain sentences naming the cells with significantly more pairs than expected."""
        over = self.table[self.table["significant"] & (self.table["knox_ratio"] > 1)]
        near = over[~over["distance_band"].str.startswith("More than")]
        if near.empty:
            return (f"No distance and time band holds significantly more pairs of crimes than "
                    f"the times shuffled among the crimes would give (p <= {ALPHA}).")
        parts = []
        for row in near.itertuples():
            where = ("at the same location" if row.distance_band == SAME_LOCATION
                     else f"{row.distance_band} metres apart")
            when = row.time_band.replace("More than", "more than")
            parts.append(f"{where} and {when} {self.time_unit} apart (Knox ratio "
                         f"{row.knox_ratio:.2f}, p = {row.p_value:.3g})")
        return ("More pairs of crimes than chance would give (p <= "
                f"{ALPHA}): " + "; ".join(parts) + ".")


def _check_int(value: object, name: str, minimum: int) -> int:
    if (isinstance(value, bool) or not isinstance(value, (int, np.integer, float, np.floating))
            or not np.isfinite(value) or value != int(value) or value < minimum):
        raise ValueError(f"{name} must be a whole number of {minimum} or more; got {value!r}")
    return int(value)


def _numbers(points: pd.DataFrame, column: str, role: str) -> np.ndarray:
    values = points[column]
    if not (pd.api.types.is_numeric_dtype(values.dtype)
            and not pd.api.types.is_bool_dtype(values.dtype)):
        hint = (" (convert dates to whole days, e.g. (dates - dates.min()).dt.days, or "
                "police.uk months to month numbers)" if role == "time" else "")
        raise ValueError(f"'{column}' ({role}) must be numbers; it holds {values.dtype}{hint}")
    return values.to_numpy(dtype=float, na_value=np.nan)


def _knox_inputs(points: pd.DataFrame, x: str, y: str, time: str
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, pd.DataFrame]:
    for column, role in ((x, "x"), (y, "y"), (time, "time")):
        if column not in points.columns:
            raise ValueError(f"points have no column '{column}' ({role}); columns are "
                             f"{', '.join(map(str, points.columns))}")
    xs, ys, ts = (_numbers(points, c, r) for c, r in ((x, "x"), (y, "y"), (time, "time")))
    bad = ~(np.isfinite(xs) & np.isfinite(ys))
    no_time = ~np.isfinite(ts)
    reasons = np.where(bad, f"no coordinates in '{x}'/'{y}'",
                       np.where(no_time, f"no time in '{time}'", ""))
    aside = np.flatnonzero(reasons != "")
    set_aside = pd.DataFrame({"record": points.index.take(aside), "reason": reasons[aside]})
    keep = reasons == ""
    xs, ys, ts = xs[keep], ys[keep], ts[keep]
    if len(ts) and ts.max() - ts.min() > 10**7:
        raise ValueError(f"'{time}' spans {ts.max() - ts.min():g} units; expected whole days "
                         "or months (seconds or timestamps are not a time band unit here)")
    fractional = ts != np.floor(ts)
    if fractional.any():
        i = int(np.flatnonzero(fractional)[0])
        raise ValueError(f"'{time}' must hold whole numbers (days, or months); got {ts[i]:g} "
                         f"for record {points.index[keep][i]!r}")
    if len(xs) and np.all(np.abs(xs) <= 180) and np.all(np.abs(ys) <= 90):
        raise ValueError(f"'{x}'/'{y}' look like longitude/latitude (every value within "
                         "+/-180 and +/-90); project them to metres first (British National "
                         "Grid, EPSG:27700), e.g. with geopandas .to_crs(27700)")
    return xs, ys, ts.astype(np.int64), set_aside


def _all_pair_lags(times: np.ndarray) -> np.ndarray:
    """Number of pairs of crimes at each time difference 0, 1, 2, ... over all pairs."""
    counts = np.bincount(times - times.min()).astype(np.int64)
    if len(counts) <= 4096:
        full = np.correlate(counts, counts, mode="full")
    else:  # long ranges: the same autocorrelation by FFT, rounded back to whole pairs
        from scipy.signal import fftconvolve

        full = np.rint(fftconvolve(counts, counts[::-1])).astype(np.int64)
    lags = full[len(counts) - 1:].copy()
    lags[0] = (lags[0] - len(times)) // 2  # each crime with itself out, each pair once
    return lags


def _labels(band: int, n: int, first_from: int) -> list[str]:
    # A band one unit wide (a month of police.uk months) is that unit: "2", not "2 to 2".
    low = [first_from if k == 0 else k * band + 1 for k in range(n)]
    return [f"{a} to {(k + 1) * band}" if a != (k + 1) * band else f"{a}"
            for k, a in enumerate(low)] + [f"More than {n * band}"]


def knox_test(points: pd.DataFrame, *, x: str = "x", y: str = "y", time: str = "time",
              distance_band: float, n_distance_bands: int, time_band: int, n_time_bands: int,
              metric: str = "manhattan", permutations: int = 99, seed: int = 20240101,
              time_unit: str = "days") -> KnoxResult:
    """Knox test of near repeats: pairs of crimes by distance and time band, against chance.

    Parameters
    ----------
    points : DataFrame
        One row per crime.
    x, y : str
        Coordinate columns in metres (British National Grid; project longitude/latitude first).
    time : str
        Column of whole numbers: days (e.g. days since a start date) or, for police.uk, which
        publishes only the month, month numbers.
    distance_band : float
        Width of each distance band in metres (a whole number, as in the calculator).
    n_distance_bands : int
        Bands after "Same location"; a "More than" band is added.
    time_band : int
        Width of each time band in ``time`` units.
    n_time_bands : int
        Time bands; a "More than" band is added.
    metric : {"manhattan", "euclidean"}
        Manhattan (the calculator's default, nearer street distance) or straight-line.
    permutations : int, default 99
        Monte Carlo runs; the smallest p-value possible is ``1 / (permutations + 1)``.
    seed : int, default 20240101
        Seed of the permutations, so a table can be made again exactly.
    time_unit : str, default "days"
        The unit of ``time``, for the labels ("months" for police.uk).

    Returns
    -------
    KnoxResult
        ``.table`` (long), ``.calculator_table()`` (wide, as the calculator prints it),
        ``.summary``, ``.set_aside`` and ``.text``.

    Raises
    ------
    ValueError
        For a missing or non-numeric column, fractional times, coordinates that look like
        longitude/latitude, a band width or count that is not a positive whole number, an
        unknown metric, or fewer than 2 usable points.

    Examples
    --------
    >>> pts = pd.DataFrame({"x": [530000, 530000, 530150, 531000, 530100],
    ...                     "y": [180000, 180000, 180000, 180000, 180050],
    ...                     "time": [0, 3, 5, 40, 60]})
    >>> out = knox_test(pts, distance_band=200, n_distance_bands=1, time_band=7,
    ...                 n_time_bands=1, permutations=19)
    >>> out.table[["distance_band", "time_band", "observed"]]
         distance_band     time_band  observed
    0    Same location        0 to 7         1
    1    Same location   More than 7         0
    2         1 to 200        0 to 7         2
    3         1 to 200   More than 7         3
    4    More than 200        0 to 7         0
    5    More than 200   More than 7         4
    >>> int(out.table["observed"].sum()) == 5 * 4 // 2
    True
    """
    from scipy.spatial import cKDTree

    n_dist = _check_int(n_distance_bands, "n_distance_bands", 1)
    n_time = _check_int(n_time_bands, "n_time_bands", 1)
    width = _check_int(distance_band, "distance_band (metres)", 1)
    t_width = _check_int(time_band, "time_band", 1)
    runs = _check_int(permutations, "permutations", 1)
    if metric not in METRICS:
        raise ValueError(f"metric must be 'manhattan' or 'euclidean'; got {metric!r}")
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise ValueError(f"seed must be a whole number; got {seed!r}")
    if not isinstance(time_unit, str) or not time_unit.strip():
        raise ValueError(f"time_unit must name the unit of '{time}', e.g. 'days'")
    xs, ys, ts, set_aside = _knox_inputs(points, x, y, time)
    n = len(xs)
    if n < 2:
        raise ValueError(f"the Knox test needs at least 2 points with coordinates and a time; "
                         f"got {n} ({len(set_aside)} set aside)")

    reach = n_dist * width
    tree = cKDTree(np.column_stack([xs, ys]))
    # A hair over the reach, so no pair on the outer edge is lost to the tree's rounding; the
    # distances are recomputed below and the pairs beyond the reach dropped.
    pairs = tree.query_pairs(reach * (1 + 1e-9) + 1e-9, p=METRICS[metric],
                             output_type="ndarray")
    i, j = pairs[:, 0], pairs[:, 1]
    dx, dy = np.abs(xs[i] - xs[j]), np.abs(ys[i] - ys[j])
    dist = dx + dy if metric == "manhattan" else np.hypot(dx, dy)
    edges = np.arange(1, n_dist + 1, dtype=float) * width
    d_band = np.where(dist == 0, 0, np.searchsorted(edges, dist, side="left") + 1)
    within = d_band <= n_dist
    i, j, d_band = i[within].astype(np.int32), j[within].astype(np.int32), d_band[within]

    cols = n_time + 1
    rows = n_dist + 2  # same location, the bands, more than
    ts0 = (ts - ts.min()).astype(np.int64)
    lag_pairs = _all_pair_lags(ts0)
    t_edges = np.arange(1, n_time + 1, dtype=np.int64) * t_width
    lag_band = np.searchsorted(t_edges, np.arange(len(lag_pairs)), side="left")
    all_by_time = np.bincount(lag_band, weights=lag_pairs, minlength=cols).round()
    all_by_time = all_by_time.astype(np.int64)
    # The same lookup for the permuted times: lag -> time band, one gather per pair.
    lookup = lag_band.astype(np.int32)
    base = (d_band * cols).astype(np.int32)
    near_cells = (n_dist + 1) * cols

    def table_for(times: np.ndarray) -> np.ndarray:
        lag = np.abs(times[i] - times[j])
        near = np.bincount(base + lookup[lag], minlength=near_cells)
        return np.concatenate([near, all_by_time - near.reshape(-1, cols).sum(axis=0)])

    times32 = ts0.astype(np.int32)
    observed = table_for(times32)
    rng = np.random.default_rng(seed)
    simulated_sum = np.zeros(rows * cols)
    at_least = np.zeros(rows * cols, dtype=np.int64)
    for _ in range(runs):
        simulated = table_for(times32[rng.permutation(n)])
        simulated_sum += simulated
        at_least += simulated >= observed
    expected = simulated_sum / runs
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(expected > 0, observed / np.where(expected > 0, expected, 1), np.nan)
    p_value = (1 + at_least) / (1 + runs)

    d_labels = [SAME_LOCATION] + _labels(width, n_dist, 1)
    t_labels = _labels(t_width, n_time, 0)
    method = (f"Knox test (Near Repeat Calculator layout, Ratcliffe 2009): pairs of crimes by "
              f"{metric} distance (bands of {width} m; 'Same location' = 0 m, 'a to b' = over "
              f"a - 1 up to b m) and time apart (bands of {t_width} {time_unit}, inclusive); "
              f"expected = mean of {runs} runs with times permuted among the crimes (seed "
              f"{seed}); p = (1 + runs >= observed) / (1 + runs); significant at p <= {ALPHA}")
    table = pd.DataFrame({
        "distance_band": np.repeat(d_labels, cols),
        "time_band": np.tile(t_labels, rows),
        "observed": observed.astype(np.int64),
        "expected": expected,
        "knox_ratio": ratio,
        "p_value": p_value,
        "significant": p_value <= ALPHA,
        "method": method,
    })
    summary = pd.DataFrame([{
        "points": n, "set_aside": len(set_aside), "pairs": n * (n - 1) // 2,
        "pairs_within": len(i), "permutations": runs, "seed": int(seed), "metric": metric,
        "distance_band": width, "n_distance_bands": n_dist, "time_band": t_width,
        "n_time_bands": n_time, "time_unit": time_unit, "best_p": 1 / (runs + 1)}])
    return KnoxResult(table, summary, set_aside, d_labels, t_labels, time_unit)
