"""Aoristic weights: a record known only to lie between two times, spread over the week's hours.

A burglary found on return from holiday happened some time between "last secure" and
"discovered". Aoristic analysis (Ratcliffe 2000, "Aoristic analysis: the spatial interpretation
of unspecific temporal events", IJGIS 14(7); Ratcliffe 2002, "Aoristic signatures and the
spatio-temporal analysis of high volume crime patterns", J Quant Criminol 18(1)) gives each
record a total weight of 1, shared between the 168 hours of the week (7 weekdays x 24 hours)
that its from-to window touches, in proportion to the minutes of the window in each. Summing
the weights gives the hour-by-weekday profile without pretending to know the exact time.

The rules, each named in :data:`RULES` and counted in ``AoristicWeights.rules``:

``start only``
    End missing or equal to start (the time is known): the whole weight in the start's hour.
    As in the R package ``aoristic`` (``aoristic.df``, Ratcliffe), which gives a record with no
    end time, or a span of 0 or 1 minute, all its weight in the start hour.
``spread``
    A span under ``max_hours``: the weight spread over the hours of the week the span touches,
    in proportion to the minutes in each (a span from 10:30 to 12:00 gives 10:00-10:59 one
    third and 11:00-11:59 two thirds). A span crossing Sunday into Monday wraps round to the
    start of the week.
``a week or more``
    A span of ``max_hours`` or more: 1/168 to every hour. A window of a week says nothing about
    the time of week (``aoristic.df`` does the same for spans of 10,080 minutes or more).
``end before start``
    Set aside with its reason (``aoristic.df`` quietly uses the start; a reversed window is
    more often a keying error in either field, so it is reported, not guessed at).
``no start`` / ``unreadable start`` / ``unreadable end``
    Set aside with the reason.

Timestamps are naive wall-clock times (Europe/London local time, as police and partnership
systems record them); timezone-aware values are first converted to Europe/London wall-clock
time. Spans are measured in wall-clock minutes, so a window over the October clock change
(when 01:00-01:59 happens twice) counts that hour once, and one over the March change counts
the skipped hour: the profile is of clock hours, which is what the hour-of-week axis means.
Text values must be ISO 8601 (``2023-05-01 22:30``); day-first text such as ``01/05/2023`` is
set aside as unreadable rather than guessed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["AoristicWeights", "RULES", "WEEKDAYS", "aoristic_profile", "aoristic_weights"]

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
HOURS_IN_WEEK = 168
_MINUTES_IN_WEEK = HOURS_IN_WEEK * 60
_NS_PER_MINUTE = 60 * 10**9
# Records whose spans are spread at once; 168 floats each, so about 27 MB per array.
_CHUNK = 20_000

#: Each rule's name and what it does, in the order of ``AoristicWeights.rules``.
RULES = {
    "start only": "end missing or equal to start: the whole weight in the start's hour",
    "spread": "span under max_hours: weight spread over the hours of the week the span "
              "touches, in proportion to the minutes in each (wrapping Sunday into Monday)",
    "a week or more": "span of max_hours or more: 1/168 to every hour of the week (no "
                      "time-of-week information)",
    "end before start": "set aside: the end is before the start",
    "no start": "set aside: the start is missing",
    "unreadable start": "set aside: the start is not a date and time",
    "unreadable end": "set aside: the end is not a date and time",
}
_USED = ("start only", "spread", "a week or more")


@dataclass(frozen=True)
class AoristicWeights:
    """Aoristic weights of a table of records.

    Attributes
    ----------
    weights : DataFrame
        One row per record and hour of the week with a weight above zero: ``record`` (the
        input row's index label), ``weekday`` (0 = Monday .. 6 = Sunday), ``hour`` (0..23),
        ``weight``, ``rule``. Each record's weights sum to 1. Rows are in input order, then
        hour of the week.
    set_aside : DataFrame
        ``record, reason`` for every record not used.
    rules : DataFrame
        ``rule, records, description``: how many records fell under each rule (every rule
        listed, zeros included).
    max_hours : int
        The span from which a record is spread evenly over the week.
    """

    weights: pd.DataFrame
    set_aside: pd.DataFrame
    rules: pd.DataFrame
    max_hours: int


def _datetimes(values: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Wall-clock datetime64[ns] values, and masks of missing and unreadable ones."""
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        values = values.dt.tz_convert("Europe/London").dt.tz_localize(None)
    if pd.api.types.is_datetime64_dtype(values.dtype):
        missing = values.isna().to_numpy()
        return (values.to_numpy().astype("datetime64[ns]"), missing,
                np.zeros(len(values), dtype=bool))
    as_object = values.astype(object)
    blank = as_object.map(lambda v: v is None or v is pd.NaT
                          or (isinstance(v, float) and np.isnan(v))
                          or (isinstance(v, str) and not v.strip())).to_numpy(dtype=bool)
    parsed = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    if (~blank).any():
        given = as_object[~blank]
        texts = given.map(lambda v: v.strip() if isinstance(v, str) else v)
        try:
            converted = pd.to_datetime(texts, format="ISO8601", errors="coerce")
        except (TypeError, ValueError):  # a mixture pandas cannot convert at once
            converted = pd.Series([_one_datetime(v) for v in texts], index=texts.index)
        if isinstance(converted.dtype, pd.DatetimeTZDtype):
            converted = converted.dt.tz_convert("Europe/London").dt.tz_localize(None)
        parsed[~blank] = converted.astype("datetime64[ns]")
    unreadable = parsed.isna().to_numpy() & ~blank
    return parsed.to_numpy().astype("datetime64[ns]"), blank, unreadable


def _one_datetime(value: object) -> pd.Timestamp:
    try:
        stamp = pd.Timestamp(value) if not isinstance(value, str) else pd.to_datetime(
            value, format="ISO8601")
    except (TypeError, ValueError):
        return pd.NaT
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("Europe/London").tz_localize(None)
    return stamp


def _minute_of_week(stamps: np.ndarray) -> np.ndarray:
    """Minutes since the Monday 00:00 before each (naive) timestamp, with fractions."""
    ns = stamps.astype("datetime64[ns]").astype(np.int64)
    # 1970-01-05 was a Monday: count whole weeks from there.
    monday = np.datetime64("1970-01-05", "ns").astype(np.int64)
    week_ns = _MINUTES_IN_WEEK * _NS_PER_MINUTE
    into_week = np.mod(ns - monday, week_ns)
    return into_week / _NS_PER_MINUTE


def _spread(start: np.ndarray, length: np.ndarray) -> np.ndarray:
    """Weights (records x 168) of spans ``[start, start + length)`` in minutes of the week.

    The minutes of an unrolled time ``x`` (from the first Monday 00:00) falling in hour ``h``
    of the week are ``floor(x / 10080) * 60 + clip(x mod 10080 - 60 h, 0, 60)``; a span's
    minutes in hour ``h`` are that at its end minus that at its start.
    """
    edges = np.arange(HOURS_IN_WEEK, dtype=float) * 60

    def minutes_before(x: np.ndarray) -> np.ndarray:
        weeks, into = np.divmod(x, _MINUTES_IN_WEEK)
        return weeks[:, None] * 60 + np.clip(into[:, None] - edges, 0, 60)

    minutes = minutes_before(start + length) - minutes_before(start)
    # Sub-nanosecond float noise is not a minute of anyone's time.
    minutes[minutes < 1e-9] = 0.0
    return minutes / length[:, None]


def _weights(records: pd.DataFrame, start: str, end: str, max_hours: int
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, pd.DataFrame,
                        dict[str, int]]:
    """Positions, hours of the week (0..167), weights and rules of the weights; set aside."""
    if not isinstance(records, pd.DataFrame):
        raise TypeError(f"records must be a pandas DataFrame; got {type(records).__name__}")
    for column, role in ((start, "start"), (end, "end")):
        if column not in records.columns:
            raise ValueError(f"records have no column '{column}' (the {role} time); columns "
                             f"are {', '.join(map(str, records.columns))}")
    if (isinstance(max_hours, bool) or not isinstance(max_hours, (int, np.integer))
            or not 1 <= max_hours <= HOURS_IN_WEEK):
        raise ValueError(f"max_hours must be a whole number of hours from 1 to 168; got "
                         f"{max_hours!r}")
    if not records.index.is_unique:
        repeated = records.index[records.index.duplicated()][0]
        raise ValueError(f"the records' index must be unique (weights are labelled by it); "
                         f"label {repeated!r} appears more than once")

    begin, no_start, bad_start = _datetimes(records[start])
    finish, no_end, bad_end = _datetimes(records[end])
    n = len(records)
    usable = ~(no_start | bad_start | bad_end)
    both = usable & ~no_end
    span = np.zeros(n)
    span[both] = (finish[both].astype(np.int64) - begin[both].astype(np.int64)) / _NS_PER_MINUTE
    reversed_ = usable & ~no_end & (span < 0)
    point = usable & (no_end | (span == 0))
    long = usable & ~no_end & (span >= max_hours * 60)
    spread = usable & ~no_end & (span > 0) & ~long

    reasons = np.full(n, None, dtype=object)
    labels = records.index
    for mask, text in ((bad_end, lambda i: f"the end '{records[end].iloc[i]}' in '{end}' is "
                        "not a date and time (expected ISO 8601, e.g. 2023-05-01 22:30)"),
                       (reversed_, lambda i: f"the end ({pd.Timestamp(finish[i])}) is before "
                        f"the start ({pd.Timestamp(begin[i])})"),
                       (bad_start, lambda i: f"the start '{records[start].iloc[i]}' in "
                        f"'{start}' is not a date and time (expected ISO 8601, e.g. "
                        "2023-05-01 22:30)"),
                       (no_start, lambda i: f"no start time in '{start}'")):
        for i in np.flatnonzero(mask):
            reasons[i] = text(i)  # later rules overwrite: the start is the first problem
    aside = np.flatnonzero(reasons != None)  # noqa: E711 - elementwise on an object array
    set_aside = pd.DataFrame({"record": labels.take(aside), "reason": reasons[aside]})

    counts = {"start only": int(point.sum()), "spread": int(spread.sum()),
              "a week or more": int(long.sum()), "end before start": int(reversed_.sum()),
              "no start": int(no_start.sum()), "unreadable start": int(bad_start.sum()),
              "unreadable end": int((bad_end & ~no_start & ~bad_start).sum())}

    start_minute = np.zeros(n)
    if usable.any():
        start_minute[usable] = _minute_of_week(begin[usable])
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
    at = np.flatnonzero(point)
    parts.append((at, (start_minute[at] // 60).astype(np.int64), np.ones(len(at)),
                  np.zeros(len(at), dtype=np.int8)))
    at = np.flatnonzero(long)
    parts.append((np.repeat(at, HOURS_IN_WEEK), np.tile(np.arange(HOURS_IN_WEEK), len(at)),
                  np.full(len(at) * HOURS_IN_WEEK, 1 / HOURS_IN_WEEK),
                  np.full(len(at) * HOURS_IN_WEEK, 2, dtype=np.int8)))
    at = np.flatnonzero(spread)
    for first in range(0, len(at), _CHUNK):
        chunk = at[first:first + _CHUNK]
        grid = _spread(start_minute[chunk], span[chunk])
        row, hour = np.nonzero(grid)
        parts.append((chunk[row], hour, grid[row, hour], np.ones(len(row), dtype=np.int8)))
    position = np.concatenate([p[0] for p in parts])
    how = np.concatenate([p[1] for p in parts])
    weight = np.concatenate([p[2] for p in parts])
    rule = np.concatenate([p[3] for p in parts])
    order = np.lexsort((how, position))
    return position[order], how[order], weight[order], rule[order], set_aside, counts


def _rules_table(counts: dict[str, int], max_hours: int) -> pd.DataFrame:
    return pd.DataFrame({"rule": list(RULES), "records": [counts[r] for r in RULES],
                         "description": [RULES[r].replace("max_hours", f"{max_hours} hours")
                                         for r in RULES]})


def aoristic_weights(records: pd.DataFrame, start: str = "start", end: str = "end", *,
                     max_hours: int = 168) -> AoristicWeights:
    """Spread each record's weight of 1 over the hours of the week its from-to window touches.

    The rules are those of the module docstring: end missing or equal to start, all in the
    start's hour; a span under ``max_hours``, spread over the hours of the week it touches in
    proportion to the minutes in each (wall-clock minutes; a span over Sunday midnight wraps to
    Monday); a span of ``max_hours`` or more, 1/168 to every hour; end before start, missing
    or unreadable start, unreadable end: set aside with the reason.

    Parameters
    ----------
    records : DataFrame
        One row per record, with a unique index (it labels the weights).
    start, end : str
        Columns of the window's first and last times: datetimes (naive wall-clock time, or
        timezone-aware, converted to Europe/London) or ISO 8601 text. ``end`` may be empty.
    max_hours : int, default 168
        Spans of this many hours or more carry no time-of-week information and are spread
        evenly; 1 to 168.

    Returns
    -------
    AoristicWeights
        ``.weights`` (``record, weekday, hour, weight, rule``), ``.set_aside`` (``record,
        reason``) and ``.rules`` (``rule, records, description``).

    Raises
    ------
    ValueError
        If a column is missing, the index repeats a label or ``max_hours`` is out of range.

    Examples
    --------
    >>> log = pd.DataFrame({"start": ["2023-05-01 10:30", "2023-05-07 23:00", "2023-05-02 09:15"],
    ...                     "end": ["2023-05-01 12:00", "2023-05-08 01:00", None]})
    >>> w = aoristic_weights(log).weights
    >>> w[["record", "weekday", "hour", "weight"]].round(4)
       record  weekday  hour  weight
    0       0        0    10  0.3333
    1       0        0    11  0.6667
    2       1        0     0  0.5000
    3       1        6    23  0.5000
    4       2        1     9  1.0000
    >>> aoristic_weights(log).rules.set_index("rule")["records"].tolist()
    [1, 2, 0, 0, 0, 0, 0]
    """
    position, how, weight, rule, set_aside, counts = _weights(records, start, end, max_hours)
    names = np.array(_USED, dtype=object)
    weights = pd.DataFrame({"record": records.index.take(position),
                            "weekday": how // 24, "hour": how % 24, "weight": weight,
                            "rule": names[rule]})
    return AoristicWeights(weights, set_aside, _rules_table(counts, max_hours), int(max_hours))


def aoristic_profile(records: pd.DataFrame, start: str = "start", end: str = "end", *,
                     by: str | None = None, max_hours: int = 168) -> pd.DataFrame:
    """Hour-of-week profile of records from their aoristic weights (168 rows per group).

    Parameters
    ----------
    records : DataFrame
        As for :func:`aoristic_weights`.
    start, end : str
        The window's columns; ``end`` may be empty (the time is known).
    by : str, optional
        Column to profile separately (e.g. ward, crime type); every group gets all 168 hours.
    max_hours : int, default 168
        As for :func:`aoristic_weights`.

    Returns
    -------
    DataFrame
        ``[by,] weekday, weekday_name, hour, value`` (sum of weights), ``share`` (of the
        group's total; NaN for a group with no records used), ``records`` (records with a
        weight in that hour), ``method``. ``attrs["set_aside"]`` and ``attrs["rules"]`` hold
        the tables of :func:`aoristic_weights`; ``method`` says how many were set aside.

    Raises
    ------
    ValueError
        As :func:`aoristic_weights`, and if ``by`` is not a column or has a missing value.

    Examples
    --------
    >>> log = pd.DataFrame({"start": ["2023-05-01 10:30", "2023-05-01 10:45"],
    ...                     "end": ["2023-05-01 12:00", None]})
    >>> p = aoristic_profile(log)
    >>> len(p), float(p["value"].sum())
    (168, 2.0)
    >>> p.loc[p["value"] > 0, ["weekday_name", "hour", "value", "records"]].round(3)
       weekday_name  hour  value  records
    10       Monday    10  1.333        2
    11       Monday    11  0.667        1
    """
    if by is not None:
        if by not in records.columns:
            raise ValueError(f"records have no column '{by}' to profile by")
        missing = records[by].isna().to_numpy()
        if missing.any():
            raise ValueError(f"'{by}' is missing for record {records.index[missing][0]!r}; "
                             "fill it (e.g. 'unknown') or drop the row first")
    position, how, weight, _, set_aside, counts = _weights(records, start, end, max_hours)
    if by is None:
        codes = np.zeros(len(records), dtype=np.int64)
        groups: list = [None]
    else:
        factor, uniques = pd.factorize(records[by], sort=True)
        codes, groups = factor.astype(np.int64), list(uniques)
    cell = codes[position] * HOURS_IN_WEEK + how
    size = len(groups) * HOURS_IN_WEEK
    value = np.bincount(cell, weights=weight, minlength=size).reshape(len(groups), -1)
    contributing = np.bincount(cell, minlength=size).reshape(len(groups), -1)
    totals = value.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(totals > 0, value / np.where(totals > 0, totals, 1), np.nan)
    hour_of_week = np.tile(np.arange(HOURS_IN_WEEK), len(groups))
    used = sum(counts[r] for r in _USED)
    method = (f"Aoristic weights (Ratcliffe 2002): each record's weight of 1 spread over the "
              f"hours of the week its start-to-end window touches, in proportion to the "
              f"wall-clock minutes in each (Europe/London clock); end missing or equal to "
              f"start: all in the start's hour; a window of {max_hours} hours or more: 1/168 "
              f"to every hour. {used} records used, {len(set_aside)} set aside")
    table = pd.DataFrame({
        "weekday": hour_of_week // 24,
        "weekday_name": [WEEKDAYS[d] for d in hour_of_week // 24],
        "hour": hour_of_week % 24,
        "value": value.ravel(),
        "share": share.ravel(),
        "records": contributing.ravel(),
        "method": method,
    })
    if by is not None:
        table.insert(0, by, np.repeat(np.array(groups, dtype=object), HOURS_IN_WEEK))
    table.attrs["set_aside"] = set_aside
    table.attrs["rules"] = _rules_table(counts, max_hours)
    return table
