"""Did the pattern move? Andresen's spatial point pattern test (SPPT) between two periods.

The test asks whether each area's *share* of the crimes in one period (the base) is what a
sample of the other period (the test) would give, area by area, and sums the answer up as the
S-index: the proportion of areas whose share is similar in the two periods (1 identical
patterns, 0 nothing alike). It compares patterns, not counts: if every ward's burglaries
halved, the pattern is unchanged and S is 1.

The procedure, after Andresen (2009) "Testing for similarity in area-based spatial patterns: a
nonparametric Monte Carlo approach", Applied Geography 29(3), 333-345:

1. Each area's percentage of the base-period crimes is computed.
2. ``samples`` samples of ``sample_share`` of the test-period crimes are drawn (200 samples
   of 85% in the original), each area's percentage is computed in every sample, and the
   middle ``confidence`` of those percentages is the area's interval.
3. An area is *similar* when its base percentage lies in that interval; otherwise its share
   is higher or lower in the test period.
4. S is the share of areas that are similar. The *robust* S-index (Andresen and Malleson
   2011, "Testing the stability of crime patterns: implications for theory and policy",
   Journal of Research in Crime and Delinquency 48(1)) leaves out the areas with no crime in
   either period, which are similar by construction and inflate S where many areas are empty.

Choices, and why:

* **Sampling with replacement** (``replace=True``, the default), as the ``sppt`` package on
  PyPI (a port of Andresen's R package ``sppt.aggregated.data``) draws its bootstrap. Steenbeek's
  R package ``sppt`` draws the original's 85% *without* replacement; ``replace=False`` does that
  (a multivariate hypergeometric draw). Each sample is one multinomial (or multivariate
  hypergeometric) draw over the areas, so the cost does not grow with the number of crimes.
* **Percentiles** of the samples are linear-interpolated (numpy's default, R's type 7), as in
  the ``sppt`` package.
* ``bootstrap="test"`` (default) is the original test: the base percentage is fixed and only
  the test period is sampled (the ``sppt`` package's ``fix_base=True``). ``bootstrap="both"``
  samples both periods the same way and calls an area similar when the two intervals overlap
  (the ``sppt`` package's default, ``fix_base=False``). With ``sample_share=1`` the two match
  the package's settings exactly; the random draws differ (the package draws per crime, this
  module per area, which is the same distribution), so results agree up to Monte Carlo error.
* **Direction** is read from the shares: "higher in test period" when the test interval lies
  above the base share (or, for ``"both"``, above the base interval). The ``sppt`` package's
  ``SIndex_Bivariate`` reads the direction from the raw counts instead, which can point the
  other way when the totals differ.
* The study area is the union of the two tables' areas; an area missing from one table
  counts 0 crimes there, and the text says how many were filled in so.

Wheeler, Steenbeek and Andresen (2018) "Testing for similarity in area-based spatial patterns:
alternative methods to Andresen's spatial point patterns test", Transactions in GIS 22(3),
show that the test is close to a test of two proportions per area without a correction for
multiple comparisons; that variant is not implemented here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from scpb_analysis.core.errors import InputDataError

__all__ = ["BOOTSTRAPS", "HIGHER", "LOWER", "SpptResult", "sppt"]

#: Which periods are resampled: ``"test"`` (Andresen's original) or ``"both"``.
BOOTSTRAPS = ("test", "both")

SIMILAR = "similar"
HIGHER = "higher in test period"
LOWER = "lower in test period"


@dataclass(frozen=True)
class SpptResult:
    """The SPPT between two periods.

    Attributes
    ----------
    areas : DataFrame
        One row per area: ``area_code, base_count, test_count, base_percent, test_percent,
        base_lower, base_upper`` (the base interval; both equal ``base_percent`` unless
        ``bootstrap="both"``), ``lower, upper`` (the test interval), ``confidence,
        similarity`` (1 similar, 0 different), ``direction`` (``"similar"``, ``"higher in
        test period"``, ``"lower in test period"``), ``in_robust`` (False for an area with no
        crime in either period) and ``method``.
    summary : DataFrame
        One row: ``s_index, robust_s_index, areas, areas_used_robust, areas_higher,
        areas_lower, areas_filled_zero, base_crimes, test_crimes, samples, sample_share,
        replace, bootstrap, confidence, seed, method``.
    text : str
        Plain-English sentences for the reader.
    """

    areas: pd.DataFrame
    summary: pd.DataFrame
    text: str


def _counts(values: pd.Series, name: str) -> pd.Series:
    if not isinstance(values, pd.Series):
        raise InputDataError(None, f"the {name} counts are a {type(values).__name__}",
                             expected="a pandas Series of crime counts indexed by area code")
    if values.index.hasnans:
        raise InputDataError(None, f"the {name} counts have a missing area code in the index",
                             expected="one area code per count")
    duplicated = values.index[values.index.duplicated()]
    if len(duplicated):
        raise InputDataError(None, f"area {duplicated[0]!r} appears more than once in the "
                             f"{name} counts", expected="one count per area")
    if values.dtype == bool:
        raise InputDataError(None, f"the {name} counts are True/False values",
                             expected="whole numbers of crimes")
    numeric = pd.to_numeric(values, errors="coerce")
    for bad, what in ((numeric.isna() & values.notna(), "is not a number"),
                      (values.isna(), "is missing"),
                      (numeric < 0, "is negative"),
                      (np.isinf(numeric), "is infinite"),
                      (numeric.notna() & (numeric != np.floor(numeric)), "is not a whole number")):
        if bad.any():
            area = values.index[np.flatnonzero(bad.to_numpy())[0]]
            raise InputDataError(None, f"the {name} count for area {area!r} {what} "
                                 f"({str(values[area])!r})", column=name,
                                 expected="a whole number of crimes, 0 or more (0 for an area "
                                          "with none)")
    return numeric.astype(np.int64)


def _check_parameters(samples: int, sample_share: float, confidence: float, seed: int,
                      bootstrap: str, replace: bool) -> None:
    if bootstrap not in BOOTSTRAPS:
        raise ValueError(f"bootstrap must be 'test' (resample the test period, Andresen's "
                         f"original) or 'both'; got {bootstrap!r}")
    if isinstance(confidence, bool) or not isinstance(confidence, (int, float)) or not (
            0 < confidence < 1):
        raise ValueError(f"confidence must be between 0 and 1, such as 0.95; got {confidence!r}")
    if isinstance(samples, bool) or not isinstance(samples, (int, np.integer)) or samples < 2:
        raise ValueError(f"samples must be a whole number of 2 or more; got {samples!r}")
    tail = (1 - confidence) / 2
    if samples * tail < 1:
        need = math.ceil(1 / tail - 1e-9)
        raise ValueError(f"{samples} samples cannot estimate a {confidence:.0%} interval (each "
                         f"tail would hold less than one sample); use at least {need}")
    if isinstance(sample_share, bool) or not isinstance(sample_share, (int, float)) or not (
            0 < sample_share <= 1):
        raise ValueError(f"sample_share must be above 0 and at most 1 (0.85 in Andresen's "
                         f"test); got {sample_share!r}")
    if not replace and sample_share == 1:
        raise ValueError("sampling every crime without replacement gives the same sample "
                         "each time (an interval of one value); use replace=True or a "
                         "sample_share below 1")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(f"seed must be a whole number; got {seed!r}")


def _sample_percent(counts: np.ndarray, share: float, samples: int, replace: bool,
                    rng: np.random.Generator, name: str) -> np.ndarray:
    """Area percentages in each sample: one row per sample, one column per area."""
    total = int(counts.sum())
    size = math.floor(share * total + 0.5)
    if size < 1:
        raise ValueError(f"a {share:g} sample of the {total} {name}-period crimes holds none; "
                         "raise sample_share")
    if replace:
        drawn = rng.multinomial(size, counts / total, size=samples)
    else:
        drawn = rng.multivariate_hypergeometric(counts, size, size=samples)
    return drawn / size * 100


def _method(samples: int, share: float, replace: bool, confidence: float,
            bootstrap: str) -> str:
    how = "with replacement" if replace else "without replacement"
    level = f"{confidence * 100:g}%"
    drawn = f"{samples} samples of {share * 100:g}% of the crimes drawn {how}"
    if bootstrap == "test":
        return (f"Andresen's spatial point pattern test (Andresen 2009): base-period share "
                f"compared with the {level} interval of the test-period share in {drawn} "
                "(linear-interpolated percentiles)")
    return (f"Spatial point pattern test, both periods resampled (as sppt.aggregated.data): "
            f"{level} intervals of each period's share from {drawn}, similar where they "
            "overlap (linear-interpolated percentiles)")


def _fmt(value: float) -> str:
    from scpb_analysis.core.rounding import round_half_up

    return f"{round_half_up(value, 2):.2f}"


def sppt(base: pd.Series, test: pd.Series, *, samples: int = 200, sample_share: float = 0.85,
         confidence: float = 0.95, seed: int = 20240101, bootstrap: str = "test",
         replace: bool = True, what: str = "crime", area_noun: str = "areas",
         periods: tuple[str, str] = ("the base period", "the test period")) -> SpptResult:
    """Andresen's spatial point pattern test: is each area's share of crime similar in two
    periods?

    Parameters
    ----------
    base, test : Series
        Crimes per area in the base (earlier) and test (later) period, indexed by area code
        (ward or LSOA). The study area is the union of the two indexes; an area missing from
        one counts 0 there. Counts must be whole numbers of 0 or more, one per area, and
        neither period may be empty.
    samples : int
        Samples drawn from the test period (200 in Andresen's test).
    sample_share : float
        Share of the period's crimes in each sample (0.85 in Andresen's test; 1.0 for a full
        bootstrap as in the ``sppt`` package).
    confidence : float
        Width of the interval taken from the samples.
    seed : int
        Seed of the random draws; the same seed gives the same result.
    bootstrap : {"test", "both"}
        Resample the test period only (Andresen's original) or both periods (similar when the
        intervals overlap).
    replace : bool
        Draw each sample with replacement (the ``sppt`` package's bootstrap) or without
        (Steenbeek's R implementation of the original).
    what, area_noun, periods
        Words for ``text``: what was counted, the areas (plural) and the two periods.

    Returns
    -------
    SpptResult
        ``.areas`` (one row per area), ``.summary`` (S-index, robust S-index and the
        settings) and ``.text``; see :class:`SpptResult`.

    Raises
    ------
    InputDataError
        A count that is missing, negative, fractional or not a number (naming the area), an
        area code given twice, or a period with no crimes at all.
    ValueError
        An unknown ``bootstrap``, or ``samples``, ``sample_share`` or ``confidence`` out of
        range.

    Examples
    --------
    >>> base = pd.Series({"A": 50, "B": 30, "C": 20, "D": 0})
    >>> test = pd.Series({"A": 25, "B": 15, "C": 60, "D": 0})
    >>> result = sppt(base, test)
    >>> result.areas[["area_code", "base_percent", "similarity", "direction"]]
      area_code  base_percent  similarity              direction
    0         A          50.0           0   lower in test period
    1         B          30.0           0   lower in test period
    2         C          20.0           0  higher in test period
    3         D           0.0           1                similar
    >>> result.summary[["s_index", "robust_s_index", "areas_used_robust"]]
       s_index  robust_s_index  areas_used_robust
    0     0.25             0.0                  3
    >>> print(result.text)  # doctest: +NORMALIZE_WHITESPACE
    The pattern of crime was similar in 1 of 4 areas (S = 0.25; robust S = 0.00, leaving out 1
    area with no crime in either period). Of the 4 areas, 1 had a larger share of crime in the
    test period than in the base period and 2 a smaller share (95% intervals from 200 samples
    of 85% of the test period's crimes).
    """
    _check_parameters(samples, sample_share, confidence, seed, bootstrap, replace)
    base_counts = _counts(base, "base")
    test_counts = _counts(test, "test")
    areas = base_counts.index.union(test_counts.index, sort=False)
    filled = int((~areas.isin(base_counts.index)).sum() + (~areas.isin(test_counts.index)).sum())
    b = base_counts.reindex(areas, fill_value=0).to_numpy(dtype=np.int64)
    t = test_counts.reindex(areas, fill_value=0).to_numpy(dtype=np.int64)
    for name, counts in (("base", b), ("test", t)):
        if counts.sum() == 0:
            raise InputDataError(None, f"the {name} period has no crimes in any area",
                                 expected="at least one crime in each period (the test "
                                          "compares shares of each period's total)")

    rng = np.random.default_rng(seed)
    tail = (1 - confidence) / 2
    test_pct = _sample_percent(t, sample_share, samples, replace, rng, "test")
    lower, upper = np.quantile(test_pct, [tail, 1 - tail], axis=0)
    base_percent = b / b.sum() * 100
    if bootstrap == "both":
        base_pct = _sample_percent(b, sample_share, samples, replace, rng, "base")
        base_lower, base_upper = np.quantile(base_pct, [tail, 1 - tail], axis=0)
    else:
        base_lower = base_upper = base_percent
    similar = (np.maximum(base_lower, lower) <= np.minimum(base_upper, upper))
    direction = np.where(similar, SIMILAR, np.where(base_upper < lower, HIGHER, LOWER))
    in_robust = (b + t) > 0
    method = _method(samples, sample_share, replace, confidence, bootstrap)
    table = pd.DataFrame({
        "area_code": areas, "base_count": b, "test_count": t,
        "base_percent": base_percent, "test_percent": t / t.sum() * 100,
        "base_lower": base_lower, "base_upper": base_upper, "lower": lower, "upper": upper,
        "confidence": confidence, "similarity": similar.astype(np.int64),
        "direction": direction, "in_robust": in_robust, "method": method,
    })
    s_index = float(similar.mean())
    robust = float(similar[in_robust].mean())
    higher, lower_n = int((direction == HIGHER).sum()), int((direction == LOWER).sum())
    summary = pd.DataFrame([{
        "s_index": s_index, "robust_s_index": robust, "areas": len(areas),
        "areas_used_robust": int(in_robust.sum()), "areas_higher": higher,
        "areas_lower": lower_n, "areas_filled_zero": filled, "base_crimes": int(b.sum()),
        "test_crimes": int(t.sum()), "samples": int(samples), "sample_share": sample_share,
        "replace": bool(replace), "bootstrap": bootstrap, "confidence": confidence,
        "seed": int(seed),
        "method": method + "; robust S leaves out areas with no crime in either period "
                           "(Andresen and Malleson 2011)",
    }])
    text = _text(summary.iloc[0], what, area_noun, periods)
    return SpptResult(table, summary, text)


def _text(row: pd.Series, what: str, area_noun: str, periods: tuple[str, str]) -> str:
    base_label, test_label = periods
    empty = int(row["areas"]) - int(row["areas_used_robust"])
    left_out = (f", leaving out {empty} {_singular(area_noun) if empty == 1 else area_noun} "
                f"with no {what} in either period" if empty else "")
    similar = round(row["s_index"] * row["areas"])
    parts = [f"The pattern of {what} was similar in {similar} of {int(row['areas'])} "
             f"{area_noun} (S = {_fmt(row['s_index'])}; robust S = "
             f"{_fmt(row['robust_s_index'])}{left_out})."]
    sampled = "both periods'" if row["bootstrap"] == "both" else "the test period's"
    parts.append(f"Of the {int(row['areas'])} {area_noun}, {int(row['areas_higher'])} had a "
                 f"larger share of {what} in {test_label} than in {base_label} and "
                 f"{int(row['areas_lower'])} a smaller share ({row['confidence'] * 100:g}% "
                 f"intervals from {int(row['samples'])} samples of "
                 f"{row['sample_share'] * 100:g}% of {sampled} crimes).")
    if row["areas_filled_zero"]:
        parts.append(f"{int(row['areas_filled_zero'])} area counts absent from one period's "
                     "table were taken as 0.")
    return " ".join(parts)


def _singular(noun: str) -> str:
    return noun[:-1] if noun.endswith("s") else noun
