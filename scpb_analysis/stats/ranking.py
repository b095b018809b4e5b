"""London and BCU rankings of boroughs, with the basis written down.

The dashboard ranks a borough 1-32 in London and 1-3 in its Basic Command Unit; "the lower the
ranking the better". Here the basis is chosen explicitly (percentage change on the same period
last year, rate per 1,000 residents, or count), 1 is best given the indicator's polarity, ties
share a rank, and every row carries the sentence that says what was ranked.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scpb_analysis.core.errors import CoverageError
from scpb_analysis.core.periods import (
    check_coverage,
    three_month_windows,
    to_month,
    twelve_month_windows,
)
from scpb_analysis.reference.geography import borough_population, london_boroughs
from scpb_analysis.reference.indicators import POLARITIES
from scpb_analysis.reference.taxonomy import indicator_name
from scpb_analysis.stats.change import exact_percent_change

__all__ = ["RANK_BASES", "basis_span", "rank_areas", "rank_boroughs", "rank_basis_text",
           "rank_movement"]

#: Bases a ranking can use: what is compared between boroughs.
RANK_BASES = {
    "pct_change_3m": "% change, 3 months to the period end vs the same 3 months a year earlier",
    "pct_change_12m": "% change, 12 months to the period end vs the 12 months before",
    "rate_12m": "offences per 1,000 residents in the 12 months to the period end",
    "rate_3m": "offences per 1,000 residents in the 3 months to the period end (not annualised)",
    "count_12m": "offences in the 12 months to the period end",
    "count_3m": "offences in the 3 months to the period end",
}


_SPAN_WINDOWS = {"3m": three_month_windows, "12m": twelve_month_windows}


def basis_span(basis: str) -> str:
    """The span a rank basis compares, ``"3m"`` or ``"12m"``; an unknown basis is refused.

    Examples
    --------
    >>> basis_span("rate_12m"), basis_span("pct_change_3m")
    ('12m', '3m')
    """
    if basis not in RANK_BASES:
        raise ValueError(f"rank basis '{basis}' is not known; expected one of "
                         f"{', '.join(RANK_BASES)}")
    return basis.rsplit("_", 1)[1]


def rank_basis_text(basis: str, indicator: str, end: str | pd.Period,
                    polarity: str = "lower_is_better") -> str:
    """One sentence saying what a rank is computed on and which end is best.

    >>> rank_basis_text("pct_change_3m", "residential_burglary", "2023-05")
    'Residential Burglary: % change, March 2023 to May 2023 vs March 2022 to May 2022; \
1 = lowest (best); ties share a rank'
    """
    current, previous = _SPAN_WINDOWS[basis_span(basis)](to_month(end))
    what = {
        "pct": f"% change, {current.label} vs {previous.label}",
        "rate": f"offences per 1,000 residents, {current.label}"
        + (" (not annualised)" if basis == "rate_3m" else ""),
        "count": f"offences, {current.label}",
    }[basis.split("_", 1)[0]]
    order = {"lower_is_better": "1 = lowest (best)", "higher_is_better": "1 = highest (best)",
             "none": "1 = lowest (neither better nor worse)"}[polarity]
    return f"{indicator_name(indicator)}: {what}; {order}; ties share a rank"


def _exact_pct(current: int, previous: int) -> float:
    # A rise from zero has no percentage; it ranks as the largest possible increase.
    if previous == 0:
        return 0.0 if current == 0 else float("inf")
    return float(exact_percent_change(current, previous))


def rank_boroughs(
    table: pd.DataFrame,
    indicator: str,
    end: str | pd.Period,
    *,
    basis: str = "pct_change_3m",
    polarity: str = "lower_is_better",
    population: pd.DataFrame | None = None,
    measure: str = "offences",
) -> pd.DataFrame:
    """Rank the 32 London boroughs, and the boroughs within each BCU, on one indicator.

    Parameters
    ----------
    table : DataFrame
        Tidy count table holding every London borough (non-borough rows are ignored); a
        ``dask.dataframe`` of it is ranked the same way, its sums computed by Dask (see
        :mod:`scpb_analysis.geo.distributed`).
    indicator : str
        Canonical indicator id.
    end : str or Period
        Period end, e.g. ``"2023-05"``.
    basis : str
        One of :data:`RANK_BASES`.
    polarity : str
        ``"lower_is_better"`` (crime), ``"higher_is_better"`` or ``"none"`` (ranked lowest
        first, with no judgement).
    population : DataFrame, optional
        ``borough, population, source``; default Census 2021
        (:func:`scpb_analysis.reference.geography.borough_population`). Used by the rate bases.
    measure : str
        Measure to rank (``offences``).

    Returns
    -------
    DataFrame
        One row per borough: ``borough, borough_code, bcu, indicator, period_end, basis,
        n_current, n_previous, population, value, london_rank, london_n, bcu_rank, bcu_n,
        tied, rank_basis, population_source``. ``value`` is the exact basis value
        (``inf`` for a rise from zero).

    Raises
    ------
    CoverageError
        If a borough or a month is missing.

    Examples
    --------
    >>> from scpb_analysis import load_mps_crime
    >>> from scpb_analysis.demo import example_folder
    >>> crime = load_mps_crime(example_folder() / "mps" / "borough")
    >>> r = rank_boroughs(crime, "residential_burglary", "2023-05")
    >>> int(r["london_rank"].min()), int(r["london_n"].iloc[0]), int(r["bcu_n"].max())
    (1, 32, 4)
    """
    end_m, present, months, n_cur, n_prev = _sums(table, indicator, end, basis, polarity,
                                                  "borough", measure)
    boroughs = london_boroughs()
    missing = sorted(set(boroughs["borough"]) - present)
    if missing:
        raise CoverageError(
            f"ranking {indicator_name(indicator)} needs all 32 London boroughs; missing: "
            + ", ".join(missing)
        )
    _check_months(months, end_m, basis, indicator)

    pop = borough_population() if population is None else population
    names = boroughs["borough"]
    n_current, n_previous, population_of, value = _basis_values(names, n_cur, n_prev, pop, basis)
    ascending = polarity != "higher_is_better"
    bcu = boroughs["bcu_code"]
    source = ""
    if basis.startswith("rate"):
        source = str(pop["source"].iloc[0]) if "source" in pop else "population supplied"
    out = pd.DataFrame({
        "borough": names, "borough_code": boroughs["borough_code"], "bcu": bcu,
        "indicator": indicator, "period_end": str(end_m), "basis": basis,
        "n_current": n_current,
        "n_previous": n_previous if basis.startswith("pct") else pd.NA,
        "population": population_of, "value": value,
        "london_rank": value.rank(method="min", ascending=ascending).astype("int64"),
        "london_n": len(names),
        "bcu_rank": value.groupby(bcu).rank(method="min", ascending=ascending).astype("int64"),
        "bcu_n": bcu.map(bcu.value_counts()).astype("int64"),
        "tied": value.duplicated(keep=False),
        "rank_basis": rank_basis_text(basis, indicator, end_m, polarity) + (
            f"; residents: {source}" if source else ""),
        "population_source": source,
    })
    return out.sort_values(["london_rank", "borough"]).reset_index(drop=True)


def _sums(table, indicator: str, end, basis: str, polarity: str, area_type: str,
          measure: str):
    """The period end, and the areas, months and each area's counts in the basis's windows."""
    span = basis_span(basis)
    if polarity not in POLARITIES:
        raise ValueError(f"polarity '{polarity}' is not known; expected one of "
                         f"{', '.join(POLARITIES)}")
    end_m = to_month(end)
    current, previous = _SPAN_WINDOWS[span](end_m)
    rows = table[(table["area_type"] == area_type) & (table["indicator"] == indicator)
                 & (table["measure"] == measure)]
    return (end_m, *_window_totals(rows, current, previous))


def _check_months(months, end_m: pd.Period, basis: str, indicator: str) -> None:
    current, previous = _SPAN_WINDOWS[basis_span(basis)](end_m)
    windows = [previous, current] if basis.startswith("pct") else [current]
    check_coverage(months, windows, what=f"the data for {indicator_name(indicator)}")


def _basis_values(names: pd.Series, n_cur, n_prev, pop: pd.DataFrame, basis: str):
    """Each area's counts, residents and the value ranked, as whole columns indexed like
    ``names``: the dashboard ranks every indicator twice, and a row-by-row build of these
    few rows cost more than the sums behind them."""
    n_current = names.map(n_cur).fillna(0).astype("int64")
    n_previous = names.map(n_prev).fillna(0).astype("int64")
    population_of = (names.map(pop.set_index("borough")["population"]) if pop is not None
                     else pd.Series(np.nan, index=names.index))
    if basis.startswith("pct"):
        value = pd.Series([_exact_pct(c, p) for c, p in zip(n_current, n_previous,
                                                             strict=True)],
                          index=names.index, dtype=float)
    elif basis.startswith("rate"):
        if population_of.isna().any():
            lacking = ", ".join(names[population_of.isna()])
            raise CoverageError(f"no population for: {lacking}")
        value = n_current / population_of * 1000
    else:
        value = n_current.astype(float)
    return n_current, n_previous, population_of, value


def rank_areas(
    table: pd.DataFrame,
    indicator: str,
    end: str | pd.Period,
    *,
    area_type: str,
    basis: str = "pct_change_3m",
    polarity: str = "lower_is_better",
    population: pd.DataFrame | None = None,
    measure: str = "offences",
) -> pd.DataFrame:
    """Rank every area of one type in ``table`` on one indicator: a police force's local
    authorities outside London, where :func:`rank_boroughs` ranks London's 32 boroughs.

    Parameters
    ----------
    table : DataFrame
        Tidy count table; rows of ``area_type`` are ranked, by their ``borough`` column (the
        area's name), e.g. the ``csp`` rows of
        :func:`scpb_analysis.sources.policeuk_areas.policeuk_area_crime` (the force's local
        authorities).
    indicator, end, basis, polarity, measure
        As for :func:`rank_boroughs`.
    area_type : str
        The rows to rank (``"csp"``).
    population : DataFrame, optional
        ``borough, population, source`` (``borough`` the area's name); needed by the rate bases.

    Returns
    -------
    DataFrame
        One row per area: ``borough, indicator, period_end, basis, n_current, n_previous,
        population, value, rank, n, tied, rank_basis, population_source``, best first.

    Raises
    ------
    CoverageError
        If a month of the windows is missing, or a rate basis lacks an area's residents.

    Examples
    --------
    >>> months = pd.period_range("2023-03", "2024-05", freq="M")
    >>> rows = [dict(area_type="csp", borough=b, indicator="burglary", measure="offences",
    ...              month=m, count=c + (m >= pd.Period("2024-03", "M")) * d)
    ...         for b, c, d in (("Bristol, City of", 100, -10), ("North Somerset", 30, 5),
    ...                         ("Somerset", 50, 0)) for m in months]
    >>> r = rank_areas(pd.DataFrame(rows), "burglary", "2024-05", area_type="csp")
    >>> r[["borough", "n_current", "n_previous", "value", "rank", "n"]]
                borough  n_current  n_previous      value  rank  n
    0  Bristol, City of        270         300 -10.000000     1  3
    1          Somerset        150         150   0.000000     2  3
    2    North Somerset        105          90  16.666667     3  3
    """
    end_m, present, months, n_cur, n_prev = _sums(table, indicator, end, basis, polarity,
                                                  area_type, measure)
    _check_months(months, end_m, basis, indicator)
    names = pd.Series(sorted(present), dtype=object)
    n_current, n_previous, population_of, value = _basis_values(names, n_cur, n_prev,
                                                                population, basis)
    source = ""
    if basis.startswith("rate"):
        source = (str(population["source"].iloc[0]) if "source" in population
                  else "population supplied")
    out = pd.DataFrame({
        "borough": names, "indicator": indicator, "period_end": str(end_m), "basis": basis,
        "n_current": n_current,
        "n_previous": n_previous if basis.startswith("pct") else pd.NA,
        "population": population_of, "value": value,
        "rank": value.rank(method="min", ascending=polarity != "higher_is_better")
        .astype("int64"),
        "n": len(names),
        "tied": value.duplicated(keep=False),
        "rank_basis": rank_basis_text(basis, indicator, end_m, polarity) + (
            f"; residents: {source}" if source else ""),
        "population_source": source,
    })
    return out.sort_values(["rank", "borough"]).reset_index(drop=True)


def _window_totals(rows, current, previous):
    """Boroughs present, months present, and each borough's count in the two windows.

    ``rows`` may be a pandas or a ``dask.dataframe`` table: for Dask the four are computed
    together on its scheduler (the cluster sums, this process ranks 32 rows).
    """
    months = rows["month"]
    totals = [rows[(months >= window.start) & (months <= window.end)].groupby("borough")[
        "count"] for window in (current, previous)]
    if hasattr(rows, "__dask_graph__"):
        import dask

        # Tree reductions (split_out=1): the results are small, so nothing is shuffled.
        found = list(dask.compute(rows["borough"].unique(split_out=1),
                                  months.unique(split_out=1),
                                  *(t.sum(split_out=1) for t in totals)))
    else:
        found = [rows["borough"].unique(), months.unique(), *(t.sum() for t in totals)]
    return {str(b) for b in found[0]}, found[1], found[2], found[3]


def rank_movement(current_rank, previous_rank) -> np.ndarray:
    """Places moved towards 1 since the previous ranking (positive = improved).

    >>> rank_movement([3, 10, 5], [5, 10, 1]).tolist()
    [2, 0, -4]
    """
    return np.asarray(previous_rank) - np.asarray(current_rank)
