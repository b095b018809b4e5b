"""A Community Safety Partnership's crime rates against its police force and England and Wales.

For each headline offence of ONS Table C2 (:func:`scpb_analysis.sources.ons_csp.load_csp_crime`)
the CSP's crimes per 1,000 residents, with a confidence interval, are set beside those of its
force area and of England and Wales, and labelled Better, Similar or Worse against each by
:func:`scpb_analysis.stats.benchmark.benchmark_rates` (the PHE Fingertips rule: the CSP's
interval holding the comparator's rate is Similar; lower is better for crime).

Populations are Census 2021 usual residents by local authority
(:func:`scpb_analysis.sources.la_population.la_population`). A force's population is the sum
over the distinct local authorities of its CSPs; its count is its force row (crimes not placed
in a CSP included, as they happened in the force's area), or the sum of its rows where the table
has no force row (the City of London). England and Wales is the table's row if it has one, else
the sum of the forces.

Regions are not compared: the table holds no region rows and neither it nor the ONS lookups in
the data relate police forces (or local authorities) to regions, so a region comparison would
need a list typed in by hand.
"""

from __future__ import annotations

import difflib

import numpy as np
import pandas as pd

from scpb_analysis.core.errors import InputDataError, UnknownAreaError
from scpb_analysis.stats.benchmark import benchmark_rates
from scpb_analysis.stats.rates import crude_rate

__all__ = ["csp_benchmarks"]

_PARTS = ("csp", "unassigned", "other_area")
_EW = "K04000001"
NO_REGION = ("No region comparison: the table has no region rows, and neither it nor the ONS "
             "lookups in the data say which region a force is in")


def _find_csp(crime: pd.DataFrame, csp: str) -> pd.DataFrame:
    csps = crime[crime["level"] == "csp"]
    key = str(csp).strip().casefold()
    rows = csps[(csps["csp_code"].str.casefold() == key)
                | (csps["csp_name"].str.casefold() == key)]
    if rows.empty:
        names = sorted(set(csps["csp_name"].dropna()))
        near = difflib.get_close_matches(str(csp), names, n=3, cutoff=0.5)
        raise UnknownAreaError(f"the crime table has no CSP '{csp}' (by code or name)"
                               + (f"; close names: {', '.join(near)}" if near else
                                  f"; it holds {len(names)} CSPs, e.g. {', '.join(names[:3])}"))
    if rows["csp_code"].nunique() > 1:
        raise InputDataError(None, f"'{csp}' names {rows['csp_code'].nunique()} CSPs ("
                             + ", ".join(sorted(set(rows["csp_code"]))) + ")",
                             expected="a CSP code such as E22000002")
    return rows


def _population_of(codes: list, populations: pd.Series, what: str) -> tuple[float, str]:
    """Summed population of local-authority ``codes``, or NaN and the reason."""
    if any(pd.isna(c) for c in codes):
        return np.nan, (f"{what} has no population: a CSP of it is made of several local "
                        "authorities ('Combined Local Authorities' in the table) without "
                        "their codes")
    missing = [c for c in codes if c not in populations.index]
    if missing:
        return np.nan, (f"{what} has no population: local authority "
                        f"{'code' if len(missing) == 1 else 'codes'} {', '.join(missing)} "
                        f"{'is' if len(missing) == 1 else 'are'} in no population lookup in the "
                        "data (newer or older codes than the lookups')")
    return float(populations.loc[codes].sum()), ""


def _counts(rows: pd.DataFrame) -> pd.Series:
    """Counts by offence summed over rows; <NA> where any row lacks the figure."""
    return rows.groupby("offence", sort=False)["count"].sum(min_count=1).where(
        ~rows["count"].isna().groupby(rows["offence"], sort=False).any())


def _force_counts(crime: pd.DataFrame, force_code: str) -> tuple[pd.Series, str]:
    rows = crime[crime["force_code"] == force_code]
    own = rows[rows["level"] == "force"]
    if len(own):
        return own.set_index("offence")["count"], ""
    return _counts(rows[rows["level"].isin(_PARTS)]), (
        "the table has no row for the force: its count is the sum of its CSP rows")


def _ew_counts(crime: pd.DataFrame) -> tuple[pd.Series, str]:
    own = crime[crime["level"] == "england_and_wales"]
    if len(own):
        return own.set_index("offence")["count"], "England and Wales row of the table"
    with_row = set(crime.loc[crime["level"] == "force", "force_code"])
    members = crime[(crime["level"] == "force") | (crime["level"].isin(_PARTS)
                                                   & ~crime["force_code"].isin(with_row))]
    return _counts(members), ("England and Wales count is the sum of the force rows (and of the "
                              "CSP rows of forces without one); the table has no total row")


def _rate(count: pd.Series, population: float, multiplier: float,
          confidence: float) -> pd.DataFrame:
    out = pd.DataFrame(np.nan, index=count.index,
                       columns=["value", "lower", "upper"], dtype=float)
    out["method"] = ""
    known = count.notna() & np.isfinite(population)
    if known.any():
        got = crude_rate(count[known].astype("int64"), population, multiplier, confidence)
        out.loc[known, ["value", "lower", "upper"]] = got[["value", "lower", "upper"]].to_numpy()
        out.loc[known, "method"] = got["method"].to_numpy()
    return out


def _compare(count: pd.Series, population: float, bench_count: pd.Series,
             bench_population: float, multiplier: float, confidence: float) -> pd.Series:
    out = pd.Series("Not compared", index=count.index, dtype=object)
    known = count.notna() & bench_count.notna() & np.isfinite(population) & \
        np.isfinite(bench_population)
    if known.any():
        got = benchmark_rates(count[known].astype("int64"), population,
                              bench_count[known].astype("int64"), bench_population,
                              multiplier=multiplier, confidence=confidence)
        out[known] = got["comparison"].to_numpy()
    return out


def csp_benchmarks(crime: pd.DataFrame, populations: pd.DataFrame, csp: str, *,
                   multiplier: float = 1000, confidence: float = 0.95) -> pd.DataFrame:
    """A CSP's crime rate for each headline offence, against its force and England and Wales.

    Parameters
    ----------
    crime : pandas.DataFrame
        The table of :func:`scpb_analysis.sources.ons_csp.load_csp_crime`.
    populations : pandas.DataFrame
        Populations by local authority code, with columns ``la_code`` and ``population``, and
        a row for England and Wales (``K04000001``), as
        :func:`scpb_analysis.sources.la_population.la_population` gives.
    csp : str
        The CSP's code (``"E22000002"``) or name as in the table (``"Bristol, City of"``, any
        case).
    multiplier : float, default 1000
        Rates per this many residents.
    confidence : float, default 0.95
        Level of the confidence intervals, used for the comparisons too.

    Returns
    -------
    pandas.DataFrame
        One row per headline offence: ``offence, offence_name, csp_code, csp_name, count,
        population, rate, lower, upper``, then for the force (``force_``) and England and Wales
        (``ew_``) ``name, count, population, rate, lower, upper``, then ``vs_force`` and
        ``vs_england_and_wales`` (``"Better"``, ``"Similar"``, ``"Worse"`` or ``"Not
        compared"`` where a count or population is missing), ``period, confidence,
        multiplier, method`` (how the CSP's rate, interval and comparisons were made) and
        ``caveats`` (why a figure is missing, how a comparator's count was made, and that regions
        are not compared).

    Raises
    ------
    UnknownAreaError
        If the table has no such CSP.
    InputDataError
        If the CSP has no population: it is made of several local authorities the table does
        not name, shares its local authority with other CSPs, or its local authority code is
        in no lookup the populations came from; or England and Wales has no population.

    Examples
    --------
    >>> crime = pd.DataFrame({
    ...     "force_code": ["E23000036"] * 4, "force_name": ["Avon and Somerset"] * 4,
    ...     "csp_code": [None, None, "E22000002", "E22000003"],
    ...     "csp_name": [None, None, "Bristol, City of", "North Somerset"],
    ...     "la_code": [None, None, "E06000023", "E06000024"],
    ...     "level": ["force", "england_and_wales", "csp", "csp"],
    ...     "offence": "robbery", "offence_name": "Robbery",
    ...     "count": pd.array([1_500, 70_000, 1_300, 200], dtype="Int64"),
    ...     "period": "year ending June 2025"})
    >>> crime.loc[1, ["force_code", "force_name"]] = ["K04000001", "England and Wales"]
    >>> populations = pd.DataFrame({"la_code": ["E06000023", "E06000024", "K04000001"],
    ...                             "population": [470_000, 215_000, 59_600_000]})
    >>> out = csp_benchmarks(crime, populations, "Bristol, City of")
    >>> out[["count", "rate", "force_rate", "vs_force", "ew_rate", "vs_england_and_wales"]].round(2)
       count  rate  force_rate vs_force  ew_rate vs_england_and_wales
    0   1300  2.77        2.19    Worse     1.17                Worse
    """
    rows = _find_csp(crime, csp)
    first = rows.iloc[0]
    name, code, la = first["csp_name"], first["csp_code"], first["la_code"]
    people = populations.set_index("la_code")["population"].astype(float)
    if pd.isna(la):
        raise InputDataError(None, f"CSP {name} ({code}) is made of several local authorities "
                             "('Combined Local Authorities' in the table) without their codes, "
                             "so its population is not known",
                             expected="a CSP with one local authority code, or a lookup of the "
                             "CSP's local authorities")
    sharing = crime[(crime["level"] == "csp") & (crime["la_code"] == la)
                    & (crime["csp_code"] != code)]["csp_name"].unique()
    if len(sharing):
        raise InputDataError(None, f"CSP {name} ({code}) shares local authority {la} with "
                             f"{', '.join(sharing)}; the population of {la} covers them all "
                             "and the table does not split it",
                             expected="a CSP that is a whole local authority")
    population, why = _population_of([la], people, f"CSP {name}")
    if why:
        raise InputDataError(None, why, expected="populations for the local authority codes "
                             "of the crime table (see la_population)")
    if _EW not in people.index:
        raise InputDataError(None, "the populations have no England and Wales row (K04000001)",
                             expected="the table la_population gives")

    force_code = first["force_code"]
    force_rows = crime[(crime["force_code"] == force_code) & (crime["level"] == "csp")]
    las = list(dict.fromkeys(force_rows.drop_duplicates("csp_code")["la_code"].tolist()))
    force_population, force_why = _population_of(las, people, f"Force {first['force_name']}")
    force_count, force_how = _force_counts(crime, force_code)
    ew_count, ew_how = _ew_counts(crime)
    ew_population = float(people.loc[_EW])

    count = rows.set_index("offence")["count"]
    offences = count.index
    force_count = force_count.reindex(offences)
    ew_count = ew_count.reindex(offences)
    own = _rate(count, population, multiplier, confidence)
    force = _rate(force_count, force_population, multiplier, confidence)
    ew = _rate(ew_count, ew_population, multiplier, confidence)
    period = str(first["period"]) if "period" in rows else ""
    method = [
        (f"Crude rate per {multiplier:,g} residents (Census 2021 usual residents summed from "
         f"LSOAs to local authorities) of crimes recorded in the {period}; {confidence:.0%} "
         f"interval by {m} (exact Poisson under 10 crimes, Byar's approximation from 10); "
         "compared with the force's and England and Wales's rates by the PHE Fingertips rule "
         "(Similar if the interval holds the comparator's rate, else Better below it or Worse "
         "above it: lower is better for crime)") if m else "no rate: the count is missing"
        for m in own["method"]]
    notes = "; ".join(n for n in (force_why, force_how, ew_how, NO_REGION) if n)
    return pd.DataFrame({
        "offence": offences,
        "offence_name": rows["offence_name"].to_numpy(),
        "csp_code": code, "csp_name": name,
        "count": count.to_numpy(), "population": population,
        "rate": own["value"].to_numpy(), "lower": own["lower"].to_numpy(),
        "upper": own["upper"].to_numpy(),
        "force_name": first["force_name"], "force_count": force_count.to_numpy(),
        "force_population": force_population, "force_rate": force["value"].to_numpy(),
        "force_lower": force["lower"].to_numpy(), "force_upper": force["upper"].to_numpy(),
        "vs_force": _compare(count, population, force_count, force_population, multiplier,
                             confidence).to_numpy(),
        "ew_name": "England and Wales", "ew_count": ew_count.to_numpy(),
        "ew_population": ew_population, "ew_rate": ew["value"].to_numpy(),
        "ew_lower": ew["lower"].to_numpy(), "ew_upper": ew["upper"].to_numpy(),
        "vs_england_and_wales": _compare(count, population, ew_count, ew_population,
                                         multiplier, confidence).to_numpy(),
        "period": period, "confidence": confidence, "multiplier": multiplier,
        "method": method, "caveats": notes,
    })
