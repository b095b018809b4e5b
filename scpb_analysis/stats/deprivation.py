"""Rates by deprivation: counts by LSOA summed by IMD quintile, with the rate ratio.

The most deprived fifth of England's LSOAs (national IMD 2019 rank 1 to 6,568) against the rest
of the borough, with exact Poisson confidence intervals for each rate and for their ratio.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.stats import beta

from scpb_analysis.reference.geography import area_name
from scpb_analysis.sources.deprivation import (
    ENGLAND_LSOAS,
)

__all__ = ["rate_by_deprivation"]

def _rate_ratio(a: int, b: int, pop_a: float, pop_b: float,
                level: float) -> tuple[float, float, float]:
    """Rate ratio (a/pop_a)/(b/pop_b) with exact conditional (Clopper-Pearson) limits.

    Given the total ``a + b``, ``a`` is binomial with ``p = RR pop_a / (RR pop_a + pop_b)``;
    limits on ``p`` convert to limits on RR. Zero counts give 0 or infinite limits.

    >>> [round(x, 3) for x in _rate_ratio(30, 60, 1000, 4000, 0.95)]
    [2.0, 1.245, 3.15]
    """
    n = a + b
    if n == 0:
        return math.nan, math.nan, math.nan
    alpha = 1 - level
    ratio = math.inf if b == 0 else (a / pop_a) / (b / pop_b)
    p_low = 0.0 if a == 0 else float(beta.ppf(alpha / 2, a, n - a + 1))
    p_high = 1.0 if a == n else float(beta.ppf(1 - alpha / 2, a + 1, n - a))
    scale = pop_b / pop_a

    def odds(p: float) -> float:
        return math.inf if p >= 1 else p / (1 - p) * scale

    return ratio, odds(p_low), odds(p_high)


def rate_by_deprivation(counts: pd.DataFrame, lsoas: pd.DataFrame, borough: str,
                        quintile_basis: str = "borough", multiplier: float = 1000,
                        confidence: float = 0.95) -> pd.DataFrame:
    """Rate in the borough's most deprived LSOAs against the rest, with the rate ratio.

    Counts by 2021 LSOA are summed over the most deprived quintile and over the rest of the
    borough, and divided by Census 2021 residents; limits from
    :func:`scpb_analysis.stats.rates.crude_rate`. The rate ratio (most deprived / rest) has
    exact conditional limits (Clopper-Pearson on the most deprived share of the total count).

    Parameters
    ----------
    counts : DataFrame
        ``lsoa_code`` (2021 codes) and ``count``; several rows for an LSOA (e.g. one per
        month) are added up, and the borough's LSOAs without a row count 0.
    lsoas : DataFrame
        The borough's 2021 LSOAs with IMD 2019 and Census 2021 residents, as
        :func:`scpb_analysis.sources.deprivation.lsoa_deprivation_table` returns them.
    borough : str
        The borough.
    quintile_basis : {"borough", "national"}
        ``"borough"``: the most deprived fifth of the borough's LSOAs (borough quintile 1).
        ``"national"``: the borough's LSOAs in England's most deprived fifth (national
        quintile 1).
    multiplier : float, default 1000
        Rate per this many residents.
    confidence : float, default 0.95
        Confidence level of the limits.

    Returns
    -------
    DataFrame
        Two rows, ``group`` = ``"most deprived quintile"`` then ``"rest of <area>"``, with
        ``lsoas, count, population, value, lower, upper, confidence, method, multiplier``,
        ``rate_ratio, ratio_lower, ratio_upper`` (the rest is the reference, ratio 1),
        ``quintile_basis``, ``definition`` (exactly which LSOAs each row covers) and
        ``population_source``.

    Raises
    ------
    ValueError
        If ``counts`` lacks the columns, names LSOAs that are not the borough's 2021 LSOAs
        (listed), or no LSOA of the borough is in the national most deprived quintile.

    Examples
    --------
    >>> counts = pd.DataFrame({"lsoa_code": ["E01000115"], "count": [12]})
    >>> from scpb_analysis.sources.deprivation import lsoa_deprivation_table
    >>> lsoas = lsoa_deprivation_table("../shared/data", "Barnet")  # doctest: +SKIP
    >>> out = rate_by_deprivation(counts, lsoas, "Barnet")  # doctest: +SKIP
    >>> out["definition"].iloc[0]  # doctest: +SKIP
    "LSOAs (2021) in the most deprived fifth of Barnet's 220 LSOAs by IMD 2019 rank (44 LSOAs), \
carried from 2011 LSOAs through the ONS exact-fit lookup; population Census 2021"
    """
    from scpb_analysis.stats.rates import crude_rate

    if quintile_basis not in ("borough", "national"):
        raise ValueError(f"quintile_basis must be 'borough' or 'national'; got "
                         f"{quintile_basis!r}")
    missing = [c for c in ("lsoa_code", "count") if c not in counts]
    if missing:
        raise ValueError(f"counts has no column(s) {', '.join(missing)}; expected lsoa_code "
                         "and count")
    values = pd.to_numeric(counts["count"], errors="coerce")
    bad = ~(np.isfinite(values) & (values >= 0) & (values == np.floor(values)))
    if bad.any():
        where = counts.index[np.flatnonzero(bad.to_numpy())[0]]
        raise ValueError(f"counts must be whole numbers of 0 or more; got "
                         f"{counts['count'].loc[where]!r} at index {where!r}")
    name = area_name(borough)
    lsoas = lsoas.copy()
    codes = counts["lsoa_code"].astype(str).str.strip()
    foreign = sorted(set(codes) - set(lsoas["lsoa_code"]))
    if foreign:
        hint = ""
        # A 2011 code standing where its changed 2021 LSOA should be: say how to fix it.
        changed = {code for codes_2011, code_2021 in zip(lsoas["lsoa11_codes"],
                                                         lsoas["lsoa_code"], strict=True)
                   for code in str(codes_2011).split(";") if code != code_2021}
        if set(foreign) & changed:
            hint = "; some are 2011 LSOAs that changed in 2021: carry counts to 2021 LSOAs first"
        raise ValueError(f"{len(foreign)} LSOA code(s) in counts are not {name}'s 2021 LSOAs: "
                         f"{', '.join(foreign[:5])}{', ...' if len(foreign) > 5 else ''}{hint}")
    per_lsoa = pd.Series(values.to_numpy(), index=codes).groupby(level=0).sum()
    lsoas["count"] = lsoas["lsoa_code"].map(per_lsoa).fillna(0)
    column = "borough_quintile" if quintile_basis == "borough" else "imd_quintile"
    most = lsoas[column] == 1
    n_most, n_all = int(most.sum()), len(lsoas)
    if n_most == 0:
        raise ValueError(f"no LSOA of {name} is in England's most deprived IMD 2019 quintile; "
                         "use quintile_basis='borough'")
    carried = ("carried from 2011 LSOAs through the ONS exact-fit lookup; population "
               "Census 2021")
    if quintile_basis == "borough":
        first = (f"LSOAs (2021) in the most deprived fifth of {name}'s {n_all} LSOAs by IMD "
                 f"2019 rank ({n_most} LSOAs), {carried}")
    else:
        cut = math.floor(ENGLAND_LSOAS / 5)
        first = (f"LSOAs (2021) of {name} in England's most deprived fifth by IMD 2019 rank "
                 f"(national quintile 1: rank 1 to {cut:,} of {ENGLAND_LSOAS:,}; {n_most} of "
                 f"{name}'s {n_all} LSOAs), {carried}")
    rest = (f"the other {n_all - n_most} of {name}'s {n_all} LSOAs (2021), outside that "
            "group; population Census 2021")
    sums = [lsoas.loc[most, ["count", "population"]].sum(),
            lsoas.loc[~most, ["count", "population"]].sum()]
    table = crude_rate([s["count"] for s in sums], [s["population"] for s in sums],
                       multiplier=multiplier, confidence=confidence)
    ratio, low, high = _rate_ratio(int(sums[0]["count"]), int(sums[1]["count"]),
                                   float(sums[0]["population"]), float(sums[1]["population"]),
                                   confidence)
    table.insert(0, "group", ["most deprived quintile", f"rest of {name}"])
    table.insert(1, "lsoas", [n_most, n_all - n_most])
    table["rate_ratio"] = [ratio, 1.0]
    table["ratio_lower"] = [low, math.nan]
    table["ratio_upper"] = [high, math.nan]
    table["quintile_basis"] = quintile_basis
    table["definition"] = [first, rest]
    table["population_source"] = "Census 2021 usual residents (ONS TS007A) by LSOA (2021)"
    return table
