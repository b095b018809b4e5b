"""Weighted displacement difference (WDD): did crime fall in the treated area, and did it move?

Wheeler, A. P. & Ratcliffe, J. H. (2018), "A simple weighted displacement difference test to
evaluate place based crime interventions", *Crime Science* 7:11. With counts before (0) and
after (1) the intervention in the treated area T, its control C, a displacement (buffer) area D
and the buffer's control DC::

    WDD = (T1 - T0) - (C1 - C0) + (D1 - D0) - (DC1 - DC0)

A negative WDD is fewer crimes than the controls' trend predicts, i.e. a reduction (crime moved
into the buffer adds to it, so displacement counts against the intervention). Treating each
count as Poisson, the variance is the sum of the eight counts, and the test is a z-test with a
normal confidence interval. Periods of unequal length (``time_weights``) divide each count by
its period's length, so the variance of a count ``c`` over length ``w`` is ``c / w**2``; this is
the parameterisation of ``wdd()`` in Wheeler's R package ptools.

:func:`harm_weighted_wdd` weights each offence's WDD by a harm weight (e.g. an ONS Crime
Severity Score weight) and adds them up, with variance ``sum(w**2 * count)`` over every cell,
as ptools' ``wdd_harm()`` combines per-offence WDDs.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from scpb_analysis.core.words import counted

__all__ = ["wdd", "harm_weighted_wdd"]

ROLES = ("treated", "control", "displacement", "displacement_control")
PERIODS = ("before", "after")

#: The eight count columns every WDD table starts with, in this order.
COUNT_COLUMNS = [f"{role}_{period}" for role in ROLES for period in PERIODS]

_SIGN = {"treated": 1, "control": -1, "displacement": 1, "displacement_control": -1}
_SOURCE = "Wheeler & Ratcliffe 2018"


def _check_confidence(confidence: float) -> float:
    if (isinstance(confidence, bool)
            or not isinstance(confidence, (int, float, np.integer, np.floating))
            or not 0.5 < confidence < 1):
        raise ValueError(f"confidence must be between 0.5 and 1, such as 0.95; got {confidence!r}")
    return float(confidence)


def _pair(value: Sequence[float] | None, name: str) -> tuple[float, float] | None:
    """A (before, after) pair of whole counts of 0 or more, or None."""
    if value is None:
        return None
    if isinstance(value, (str, bytes, Mapping)) or not hasattr(value, "__len__") \
            or len(value) != 2:
        raise ValueError(f"{name} must be a (before, after) pair of counts; got {value!r}")
    out = []
    for period, count in zip(PERIODS, value, strict=True):
        try:
            if isinstance(count, (str, bytes)):
                raise TypeError
            number = float(count)
        except (TypeError, ValueError):
            raise ValueError(f"{name} {period} count must be a number; got {count!r}") from None
        if isinstance(count, bool) or not math.isfinite(number) or number < 0 \
                or not number.is_integer():
            raise ValueError(
                f"{name} {period} count must be a whole number of 0 or more; got {_show(count)} "
                "(pass raw counts, not averages: unequal periods go in time_weights)")
        out.append(number)
    return out[0], out[1]


def _time_weights(value: Sequence[float] | None) -> tuple[float, float]:
    if value is None:
        return 1.0, 1.0
    if isinstance(value, (str, bytes, Mapping)) or not hasattr(value, "__len__") \
            or len(value) != 2:
        raise ValueError("time_weights must be the (before, after) lengths of the periods, "
                         f"e.g. (24, 12) months; got {value!r}")
    out = []
    for period, length in zip(PERIODS, value, strict=True):
        try:
            number = float(length)
        except (TypeError, ValueError):
            number = math.nan
        if isinstance(length, bool) or not math.isfinite(number) or number <= 0:
            raise ValueError(f"time_weights {period} length must be a number greater than 0; "
                             f"got {length!r}")
        out.append(number)
    return out[0], out[1]


def _show(value: object) -> str:
    """repr of a value with numpy scalars shown as plain numbers."""
    return repr(value.item() if isinstance(value, np.generic) else value)


def _row(sums: dict[str, float], value: float, variance: float, confidence: float,
         method: str) -> pd.DataFrame:
    from scipy.stats import norm

    if variance <= 0:
        raise ValueError("every count is 0, so the WDD has no variance and cannot be tested")
    se = math.sqrt(variance)
    z = value / se
    half = float(norm.ppf(0.5 + confidence / 2)) * se
    row = {column: sums.get(column, math.nan) for column in COUNT_COLUMNS}
    row.update(value=value, variance=variance, se=se, z=z, p_value=float(2 * norm.sf(abs(z))),
               lower=value - half, upper=value + half, confidence=confidence, method=method)
    return pd.DataFrame([row])


def _level(confidence: float) -> str:
    return f"{confidence * 100:.10g}%"


def wdd(treated: tuple[float, float], control: tuple[float, float],
        displacement: tuple[float, float] | None = None,
        displacement_control: tuple[float, float] | None = None, *,
        time_weights: tuple[float, float] | None = None,
        confidence: float = 0.95) -> pd.DataFrame:
    """Weighted displacement difference test (Wheeler & Ratcliffe 2018) on before/after counts.

    Parameters
    ----------
    treated, control : (before, after) pair of int
        Crime counts in the treated area and its control area, before and after the start of
        the intervention.
    displacement, displacement_control : (before, after) pair of int, optional
        Counts in the displacement (buffer) area around the treated area and in the buffer's
        control area. Give both or neither.
    time_weights : (before, after) pair of float, optional
        Lengths of the before and after periods (e.g. ``(24, 12)`` months) when they differ.
        Each count is divided by its period's length, so ``value`` is a change in crimes per
        unit of that length, and each count's variance is ``count / length**2`` (as ptools
        ``wdd()``). Without it the periods are taken to be of equal length.
    confidence : float
        Level of the normal confidence interval, e.g. 0.95.

    Returns
    -------
    DataFrame
        One row: ``treated_before, treated_after, control_before, control_after,
        displacement_before, displacement_after, displacement_control_before,
        displacement_control_after`` (the counts as given; NaN where not given), ``value``
        (the WDD; negative means fewer crimes than the controls predict, i.e. a reduction),
        ``variance`` and ``se`` (Poisson: the sum of the counts, each divided by its period
        length squared), ``z``, ``p_value`` (two-sided), ``lower, upper, confidence, method``.

    Raises
    ------
    ValueError
        A count that is negative, missing, infinite or not whole (naming the argument and
        period); only one of the two displacement pairs; a bad period length or confidence;
        every count 0 (no variance, so no test).

    Notes
    -----
    The WDD compares changes in counts, not rates: choose control areas whose counts are of a
    similar size to the treated (or displacement) area's, or the busier area's change will
    dominate the estimate.

    Examples
    --------
    The worked example of Wheeler & Ratcliffe (2018):

    >>> t = wdd((207, 110), (308, 318), (178, 157), (150, 140))
    >>> t[["value", "variance"]].iloc[0].tolist()
    [-118.0, 1568.0]
    >>> row = t.iloc[0]
    >>> round(float(row["z"]), 2), round(row["lower"]), round(row["upper"])
    (-2.98, -196, -40)
    """
    confidence = _check_confidence(confidence)
    pairs = {"treated": _pair(treated, "treated"), "control": _pair(control, "control"),
             "displacement": _pair(displacement, "displacement"),
             "displacement_control": _pair(displacement_control, "displacement_control")}
    if (pairs["displacement"] is None) != (pairs["displacement_control"] is None):
        given = "displacement" if pairs["displacement"] is not None else "displacement_control"
        raise ValueError(f"only {given} was given: the displacement area's change is measured "
                         "against its own control, so give displacement and "
                         "displacement_control together (or neither)")
    lengths = _time_weights(time_weights)
    value = variance = 0.0
    sums: dict[str, float] = {}
    for role, pair in pairs.items():
        if pair is None:
            continue
        for period, count, length in zip(PERIODS, pair, lengths, strict=True):
            sums[f"{role}_{period}"] = count
            direction = 1 if period == "after" else -1
            value += _SIGN[role] * direction * count / length
            variance += count / length ** 2
    areas = ("treated and displacement areas against their controls"
             if pairs["displacement"] is not None else "treated area against its control")
    per = ("" if time_weights is None else
           f"; counts per unit period length (before {lengths[0]:g}, after {lengths[1]:g})")
    method = (f"Weighted displacement difference ({_SOURCE}), {areas}{per}; Poisson variance, "
              f"two-sided z-test, normal {_level(confidence)} interval")
    return _row(sums, value, variance, confidence, method)


def _weights(weights: pd.Series | Mapping[str, float]) -> pd.Series:
    if isinstance(weights, Mapping):
        weights = pd.Series(dict(weights), dtype=object)
    if not isinstance(weights, pd.Series):
        raise ValueError("weights must be a pandas Series or a dict mapping each offence to its "
                         f"harm weight; got {type(weights).__name__}")
    if weights.index.has_duplicates:
        dup = weights.index[weights.index.duplicated()][0]
        raise ValueError(f"weights lists offence {dup!r} more than once")
    numeric = pd.to_numeric(weights, errors="coerce").astype(float)
    bad = ~np.isfinite(numeric) | (numeric <= 0)
    if bad.any():
        offence = numeric.index[bad.to_numpy()][0]
        raise ValueError(f"the harm weight of offence {offence!r} must be a number greater "
                         f"than 0; got {_show(weights[offence])}")
    return numeric


def harm_weighted_wdd(counts: pd.DataFrame, weights: pd.Series | Mapping[str, float], *,
                      confidence: float = 0.95) -> pd.DataFrame:
    """Harm-weighted WDD: each offence's weighted displacement difference times its harm weight.

    The estimate is ``sum over offences of w * WDD(offence)`` and, each count being Poisson,
    its variance is ``sum of w**2 * count`` over every role, period and offence (the variance
    ptools ``wdd_harm()`` gets by combining per-offence WDDs). With every weight 1 it is
    :func:`wdd` on the summed counts.

    Parameters
    ----------
    counts : DataFrame
        Tidy counts with columns ``role`` (``treated``, ``control``, ``displacement``,
        ``displacement_control``), ``period`` (``before``, ``after``), ``offence`` and
        ``count`` (whole numbers of 0 or more). Rows repeating a role, period and offence (e.g.
        one row a month) are added up; an offence absent from a role and period that has other
        rows counts 0 there. Treated and control need rows in both periods; the displacement
        roles are optional but go together.
    weights : Series or dict
        Harm weight (greater than 0) of every offence in ``counts``, indexed by offence.
        Weights of offences not in ``counts`` are ignored.
    confidence : float
        Level of the normal confidence interval, e.g. 0.95.

    Returns
    -------
    DataFrame
        The columns of :func:`wdd`; the eight role/period columns hold the harm-weighted sums
        ``sum(w * count)``, ``value`` is the harm-weighted WDD (negative = less harm than the
        controls predict) and ``method`` names the weighting and the weights' total.

    Raises
    ------
    ValueError
        A missing column; an unknown role or period; a count that is negative, missing or not
        whole (naming its row); an offence without a harm weight (naming it); treated or
        control without rows in a period; only one of the displacement roles.

    Examples
    --------
    >>> counts = pd.DataFrame({
    ...     "role": ["treated"] * 4 + ["control"] * 4,
    ...     "period": ["before", "after"] * 4,
    ...     "offence": ["robbery", "robbery", "theft", "theft"] * 2,
    ...     "count": [20, 10, 70, 20, 20, 20, 80, 60]})
    >>> t = harm_weighted_wdd(counts, {"robbery": 10, "theft": 1})
    >>> t[["treated_before", "treated_after", "value", "variance"]].iloc[0].tolist()
    [270.0, 120.0, -130.0, 7230.0]
    """
    confidence = _check_confidence(confidence)
    if not isinstance(counts, pd.DataFrame):
        raise ValueError(f"counts must be a DataFrame; got {type(counts).__name__}")
    missing = [c for c in ("role", "period", "offence", "count") if c not in counts.columns]
    if missing:
        raise ValueError(f"counts has no column(s) {', '.join(missing)}; expected role, period, "
                         "offence and count")
    for column, allowed in (("role", ROLES), ("period", PERIODS)):
        bad = ~counts[column].isin(allowed).to_numpy()
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ValueError(f"counts row {_show(counts.index[i])}: {column} "
                             f"{_show(counts[column].iloc[i])} is not one of "
                             f"{', '.join(allowed)}")
    # Text such as "12" from a spreadsheet is refused rather than guessed at.
    text = counts["count"].map(lambda v: isinstance(v, (str, bytes))).to_numpy(dtype=bool)
    number = pd.to_numeric(counts["count"].where(~text), errors="coerce").astype(float)
    bad = ~(np.isfinite(number) & (number >= 0) & (number == np.floor(number))).to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"counts row {_show(counts.index[i])}: count must be a whole number of "
                         f"0 or more; got {_show(counts['count'].iloc[i])}")
    if counts["offence"].isna().any():
        i = int(np.flatnonzero(counts["offence"].isna().to_numpy())[0])
        raise ValueError(f"counts row {_show(counts.index[i])}: offence is missing")
    w = _weights(weights)
    offences = pd.unique(counts["offence"])
    unweighted = [o for o in offences if o not in w.index]
    if unweighted:
        raise ValueError(f"no harm weight for offence(s) {', '.join(map(repr, unweighted))}; "
                         "every offence in counts needs a weight")
    cells = set(zip(counts["role"], counts["period"], strict=True))
    for role in ("treated", "control"):
        for period in PERIODS:
            if (role, period) not in cells:
                raise ValueError(f"counts has no {role} rows for the {period} period; the WDD "
                                 "needs treated and control counts before and after")
    roles_given = {role for role, _ in cells}
    if ("displacement" in roles_given) != ("displacement_control" in roles_given):
        given = "displacement" if "displacement" in roles_given else "displacement_control"
        raise ValueError(f"counts has {given} rows but not the other displacement role: give "
                         "displacement and displacement_control together (or neither)")
    for role in ("displacement", "displacement_control"):
        for period in PERIODS:
            if role in roles_given and (role, period) not in cells:
                raise ValueError(f"counts has no {role} rows for the {period} period")
    weight = counts["offence"].map(w).to_numpy(dtype=float)
    sign = (counts["role"].map(_SIGN).to_numpy(dtype=float)
            * np.where(counts["period"].to_numpy() == "after", 1.0, -1.0))
    value = float(np.sum(sign * weight * number.to_numpy()))
    variance = float(np.sum(weight ** 2 * number.to_numpy()))
    weighted = pd.Series(weight * number.to_numpy()).groupby(
        (counts["role"] + "_" + counts["period"]).to_numpy()).sum()
    sums = {column: float(total) for column, total in weighted.items()}
    used = w[list(offences)]
    areas = ("treated and displacement areas against their controls"
             if "displacement" in roles_given else "treated area against its control")
    method = (f"Harm-weighted weighted displacement difference ({_SOURCE}; per-offence WDDs "
              f"weighted and summed as ptools wdd_harm), {areas}; harm weights of the "
              f"{counted(len(used), 'offence')} total {used.sum():g}; Poisson variance "
              "sum(w^2 * count), "
              f"two-sided z-test, normal {_level(confidence)} interval")
    return _row(sums, value, variance, confidence, method)
