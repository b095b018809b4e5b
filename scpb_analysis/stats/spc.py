"""Statistical process control for monthly series: the XmR chart of NHS England's
"Making Data Count" (MDC).

A board sees a month that is "up on last month" and asks whether something has changed. An XmR
chart answers with a centre line (the mean), process limits (mean ± 2.66 × mean moving range)
and three rules for special cause variation; every other movement is common cause, the noise a
stable process makes. :func:`xmr` returns one row per month with each rule's flag, so a chart,
a table and a sentence all read the same verdict from the same row.

Comparisons against the mean and the limits are made on exact fractions of the input values, so
a point "exactly on the mean" is decided exactly and the flags do not move when every value is
shifted by a constant or scaled by a positive factor.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["XMR_METHOD", "XMR_RULES", "xmr", "xmr_summary"]

XMR_METHOD = "XmR (mean ± 2.66 × mean moving range)"

SHIFT_RUN = 7
TREND_RUN = 6
_LIMIT_FACTOR = Fraction(266, 100)

XMR_RULES = (
    "Special cause variation (NHS England Making Data Count XmR chart) is any of:\n"
    "- a point beyond the process limits, mean ± 2.66 × mean moving range;\n"
    f"- a shift: {SHIFT_RUN} or more consecutive points all above or all below the mean "
    "(a point on the mean breaks the run);\n"
    f"- a trend: {TREND_RUN} or more consecutive points each higher, or each lower, than the one "
    "before (an equal value breaks the run).\n"
    "All other variation is common cause."
)

HIGH = "special cause: high"
LOW = "special cause: low"
COMMON = "common cause"

XMR_COLUMNS = [
    "period", "value", "mean", "moving_range", "mean_moving_range", "lower", "upper",
    "beyond_limits", "shift", "trend", "special_cause", "variation", "method",
]


def _as_series(values: Any, index: Any) -> pd.Series:
    if isinstance(values, pd.DataFrame):
        raise ValueError("values must be one series of numbers (a pandas Series or a list), "
                         "not a table")
    if isinstance(values, pd.Series):
        series = values.copy()
    else:
        arr = np.asarray(values, dtype=object)
        if arr.ndim != 1:
            raise ValueError(f"values must be one-dimensional, got an array of shape {arr.shape}")
        series = pd.Series(list(arr), dtype=object)
    if index is not None:
        labels = pd.Index(index)
        if len(labels) != len(series):
            raise ValueError(f"index must have one label per value: got {len(labels)} labels "
                             f"for {len(series)} values")
        series.index = labels
    if len(series) < 2:
        raise ValueError(f"an XmR chart needs at least 2 values, got {len(series)}")
    if pd.api.types.is_bool_dtype(series.dtype) or any(isinstance(v, bool | np.bool_)
                                                       for v in series):
        raise ValueError("values must be numbers, not True/False")
    numeric = pd.to_numeric(series, errors="coerce")
    bad = ~np.isfinite(numeric.to_numpy(dtype=float, na_value=np.nan))
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise ValueError(f"values must be finite numbers with no gaps: {series.iloc[pos]!r} at "
                         f"{series.index[pos]!r} is not")
    return numeric.astype(float)


def _baseline_positions(baseline: int | slice | None, index: pd.Index) -> slice:
    n = len(index)
    if baseline is None:
        return slice(0, n)
    if isinstance(baseline, slice):
        if baseline.step is not None:
            raise ValueError("a baseline slice must not have a step: the baseline is a run of "
                             "consecutive points")
        try:
            positions = index.slice_indexer(baseline.start, baseline.stop)
        except (KeyError, TypeError, ValueError) as err:
            raise ValueError(f"baseline slice {baseline!r} does not match the series' index "
                             f"(labels {index[0]!r} to {index[-1]!r}): {err}") from err
        start, stop, _ = positions.indices(n)
        if stop - start < 2:
            raise ValueError(f"the baseline needs at least 2 points; slice {baseline!r} selects "
                             f"{max(stop - start, 0)}")
        return slice(start, stop)
    if isinstance(baseline, bool | np.bool_) or not isinstance(baseline, int | np.integer):
        raise ValueError(f"baseline must be a number of leading points or a slice of the index, "
                         f"got {baseline!r}")
    if not 2 <= baseline <= n:
        raise ValueError(f"baseline must be a whole number of points from 2 to {n} (the length "
                         f"of the series), got {baseline}")
    return slice(0, int(baseline))


def _run_flags(steps: Sequence[int], min_points: int, offset: int, n: int) -> np.ndarray:
    """Flag points inside runs of equal non-zero ``steps`` covering ``min_points`` or more.

    Step ``i`` belongs to point ``i + offset``; a trend's steps are between points, so the
    point before the first step (offset 1) also belongs to the run.
    """
    flags = np.zeros(n, dtype=bool)
    i = 0
    while i < len(steps):
        j = i
        while j + 1 < len(steps) and steps[j + 1] == steps[i]:
            j += 1
        if steps[i] != 0:
            first, last = i + offset - (1 if offset else 0), j + offset
            if last - first + 1 >= min_points:
                flags[first:last + 1] = True
        i = j + 1
    return flags


def _sign(x: Fraction) -> int:
    return (x > 0) - (x < 0)


def xmr(
    values: pd.Series | Sequence[float] | np.ndarray,
    index: Sequence[Any] | pd.Index | None = None,
    baseline: int | slice | None = None,
    *,
    floor_zero: bool = True,
) -> pd.DataFrame:
    """XmR (individuals and moving range) chart with the NHS Making Data Count rules.

    Parameters
    ----------
    values : pandas.Series or array-like of numbers
        One value per period, in time order, with no gaps. A Series' index (for example a
        monthly ``PeriodIndex``) becomes the ``period`` column.
    index : array-like, optional
        Period labels, one per value; overrides a Series' own index.
    baseline : int or slice, optional
        The points that set the centre line and limits: a number of leading points, or a slice
        of the index labels (``slice("2021-04", "2022-03")``, both ends included). At least 2
        points. Default: all points. The limits then apply to every point, so later months are
        judged against the baseline period.
    floor_zero : bool, default True
        Floor the lower limit at 0, since counts cannot be negative. Set False for a series
        that can go below zero (differences, rates of change); with True, negative values are
        refused.

    Returns
    -------
    pandas.DataFrame
        One row per point: ``period, value, mean, moving_range, mean_moving_range, lower,
        upper, beyond_limits, shift, trend, special_cause, variation, method``. ``mean``,
        ``mean_moving_range`` and the limits come from the baseline; ``moving_range`` is
        ``|x_i - x_{i-1}|`` for every point (NaN for the first). ``variation`` is
        ``"special cause: high"``, ``"special cause: low"`` or ``"common cause"``; when a point
        carries signals in both directions, the beyond-limits signal decides, then the shift,
        then the trend the point ends (a peak is high, a trough low). The rules are in
        :data:`XMR_RULES`.

    Raises
    ------
    ValueError
        Fewer than 2 values, missing or non-numeric values, a baseline of fewer than 2 points,
        or negative values with ``floor_zero=True``.

    Examples
    --------
    Limits from the first five months (mean 11.6, mean moving range 1.5):

    >>> months = pd.period_range("2023-01", periods=8, freq="M")
    >>> chart = xmr(pd.Series([10, 12, 11, 13, 12, 30, 11, 12], index=months), baseline=5)
    >>> chart[["period", "value", "mean", "lower", "upper", "variation"]].iloc[4:7]
        period  value  mean  lower  upper            variation
    4  2023-05   12.0  11.6   7.61  15.59         common cause
    5  2023-06   30.0  11.6   7.61  15.59  special cause: high
    6  2023-07   11.0  11.6   7.61  15.59         common cause
    >>> chart["method"].iloc[0]
    'XmR (mean ± 2.66 × mean moving range)'
    """
    series = _as_series(values, index)
    n = len(series)
    base = _baseline_positions(baseline, series.index)
    exact = [Fraction(v) for v in series.to_numpy(dtype=float)]
    if floor_zero and any(x < 0 for x in exact):
        pos = next(i for i, x in enumerate(exact) if x < 0)
        raise ValueError(f"values include a negative number ({series.iloc[pos]!r} at "
                         f"{series.index[pos]!r}), so the lower limit cannot be floored at 0; "
                         "pass floor_zero=False for a series that can go below zero")

    moving = [None] + [abs(exact[i] - exact[i - 1]) for i in range(1, n)]
    base_values = exact[base]
    mean = sum(base_values, Fraction(0)) / len(base_values)
    base_ranges = moving[base.start + 1:base.stop]
    mean_mr = sum(base_ranges, Fraction(0)) / len(base_ranges)
    upper = mean + _LIMIT_FACTOR * mean_mr
    lower = mean - _LIMIT_FACTOR * mean_mr
    if floor_zero:
        lower = max(lower, Fraction(0))

    above_upper = np.array([x > upper for x in exact])
    below_lower = np.array([x < lower for x in exact])
    side = [_sign(x - mean) for x in exact]
    in_shift = _run_flags(side, SHIFT_RUN, 0, n)
    shift_high = in_shift & (np.array(side) > 0)
    shift_low = in_shift & (np.array(side) < 0)
    steps = [_sign(exact[i] - exact[i - 1]) for i in range(1, n)]
    trend_up = _run_flags([s if s > 0 else 0 for s in steps], TREND_RUN, 1, n)
    trend_down = _run_flags([s if s < 0 else 0 for s in steps], TREND_RUN, 1, n)

    variation = []
    for i in range(n):
        if above_upper[i] or below_lower[i]:
            variation.append(HIGH if above_upper[i] else LOW)
        elif shift_high[i] or shift_low[i]:
            variation.append(HIGH if shift_high[i] else LOW)
        elif trend_up[i] and trend_down[i]:
            # Only a peak or a trough can sit in both; it belongs with the trend it ends.
            variation.append(HIGH if exact[i] > exact[i - 1] else LOW)
        elif trend_up[i] or trend_down[i]:
            variation.append(HIGH if trend_up[i] else LOW)
        else:
            variation.append(COMMON)

    beyond = above_upper | below_lower
    shift = shift_high | shift_low
    trend = trend_up | trend_down
    table = pd.DataFrame({
        "period": series.index.array,
        "value": series.to_numpy(dtype=float),
        "mean": float(mean),
        "moving_range": [np.nan if m is None else float(m) for m in moving],
        "mean_moving_range": float(mean_mr),
        "lower": float(lower),
        "upper": float(upper),
        "beyond_limits": beyond,
        "shift": shift,
        "trend": trend,
        "special_cause": beyond | shift | trend,
        "variation": variation,
        "method": XMR_METHOD,
    })
    return table[XMR_COLUMNS]


def xmr_summary(table: pd.DataFrame) -> dict[str, Any]:
    """The facts a sentence about an XmR chart needs, from a table made by :func:`xmr`.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`xmr`.

    Returns
    -------
    dict
        ``latest_period`` and ``latest_value`` (the last row), ``latest_variation``,
        ``special_cause_points`` (how many points show special cause variation), ``points``
        (how many points in all), ``method`` and ``rules`` (:data:`XMR_RULES`).

    Examples
    --------
    >>> months = pd.period_range("2023-01", periods=8, freq="M")
    >>> values = pd.Series([10, 12, 11, 13, 12, 30, 11, 12], index=months)
    >>> summary = xmr_summary(xmr(values, baseline=5))
    >>> summary["latest_period"], summary["latest_variation"], summary["special_cause_points"]
    (Period('2023-08', 'M'), 'common cause', 1)
    >>> summary["rules"] == XMR_RULES
    True
    """
    if not isinstance(table, pd.DataFrame):
        raise ValueError("xmr_summary needs the table returned by xmr()")
    missing = [c for c in ("period", "value", "special_cause", "variation", "method")
               if c not in table.columns]
    if missing:
        raise ValueError(f"xmr_summary needs the table returned by xmr(); it has no "
                         f"{', '.join(missing)} column(s)")
    if table.empty:
        raise ValueError("xmr_summary needs at least one row")
    last = table.iloc[-1]
    return {
        "latest_period": last["period"],
        "latest_value": float(last["value"]),
        "latest_variation": str(last["variation"]),
        "special_cause_points": int(table["special_cause"].astype(bool).sum()),
        "points": len(table),
        "method": str(last["method"]),
        "rules": XMR_RULES,
    }
