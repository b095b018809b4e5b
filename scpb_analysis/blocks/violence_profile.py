"""Who serious violence affects: the needs assessment's victim and suspect profile.

Three statistics for a London borough, each beside London, each as a table for the page and a
paragraph that says what it shows:

- :func:`knife_victim_rate`: victims aged 1-24 of knife crime with injury per 100,000
  residents aged 0-24, 12 months to the period end (MPS Monthly Crime Dashboard extract and
  Census 2021), with an exact Poisson / Byar 95% confidence interval and a Better / Similar /
  Worse comparison with London;
- :func:`domestic_abuse_injury_share`: the share of violence with injury that is flagged as
  domestic abuse, 12 months to the period end, with a Wilson 95% interval;
- :func:`homicide_proceedings_profile`: persons proceeded against for homicide (suspects and
  defendants, not victims) by age group and sex, summed over five-year windows.

The blocks take tables (the tidy recorded-crime table of
:func:`~scpb_analysis.sources.mps.read_mps_crime_for_period`, the LSOA populations of
:func:`~scpb_analysis.sources.population.lsoa_population`, the proceedings of
:func:`~scpb_analysis.sources.mps_extracts.read_homicide_proceedings`), never a path.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from scpb_analysis.core.periods import month_label, month_ranges, to_month
from scpb_analysis.core.words import counted
from scpb_analysis.reference.geography import canonical_borough, london_boroughs, select_area

__all__ = ["HOMICIDE_AGE_GROUPING", "ProfileBlock", "affected_findings",
           "domestic_abuse_injury_share", "homicide_proceedings_profile", "knife_victim_rate"]

LONDON = "London"
#: What the London row's ``comparison`` says: it is what the borough is compared with.
COMPARATOR = "comparator"
KNIFE_VICTIMS = "knife_injury_victims_1_24"
DA_INJURY = "domestic_abuse_violence_with_injury"
INJURY = "violence_with_injury"

#: The age groups homicide proceedings are shown in, from the published five-year bands.
#: The file's band 15 to 19 straddles 18, so under-18s cannot be told apart: 10-19 is the
#: youngest group (no one under 10 is proceeded against: the age of criminal responsibility).
HOMICIDE_AGE_GROUPING: tuple[tuple[str, int, int | None], ...] = (
    ("10-19", 10, 19), ("20-24", 20, 24), ("25-34", 25, 34), ("35 and over", 35, None),
)

_SEXES = (("male", "male"), ("female", "female"), ("not recorded", "sex_not_recorded"))
_RATE_COLUMNS = ["area", "period", "count", "population", "value", "lower", "upper",
                 "confidence", "comparison", "status", "method"]
_SHARE_COLUMNS = ["area", "period", "numerator", "denominator", "share", "share_lower",
                  "share_upper", "confidence", "comparison", "status", "method"]
_FINGERTIPS_SHARE = ("compared with London by the Fingertips rule: Similar if London's share lies "
                     "inside the borough's 95% confidence interval, otherwise Higher or Lower")
_CI_WORDS = {"Byar": "Byar's approximation to the exact Poisson limits (10 or more events)",
             "exact Poisson": "exact Poisson limits (fewer than 10 events)"}
_FINGERTIPS = ("compared with London by the Fingertips rule: Similar if London's value lies "
               "inside the borough's 95% confidence interval, otherwise Better or Worse "
               "(lower or higher)")


@dataclass(frozen=True)
class ProfileBlock:
    """One statistic of the profile: the table for the page and the paragraph explaining it.

    Attributes
    ----------
    table : DataFrame
        The statistic, borough and London rows (or age groups); ``status`` says
        ``computed`` or ``not available: <reason>``.
    text : str
        One plain-English paragraph for the page.
    """

    table: pd.DataFrame
    text: str


# -- shared ------------------------------------------------------------------------------


def _window(period_end: str | pd.Period) -> tuple[pd.Period, pd.PeriodIndex, str]:
    end = to_month(period_end)
    months = pd.period_range(end - 11, end, freq="M")
    return end, months, f"{month_label(months[0])} to {month_label(end)}"


def _borough_rows(crime: pd.DataFrame, indicator: str) -> pd.DataFrame:
    needed = {"month", "area_type", "borough", "indicator", "measure", "count"}
    missing = sorted(needed - set(crime.columns))
    if missing:
        raise ValueError(f"the crime table lacks column(s) {', '.join(missing)}; expected the "
                         "tidy table of scpb_analysis.sources.mps.read_mps_crime_for_period")
    rows = crime[(crime["indicator"] == indicator) & (crime["measure"] == "offences")
                 & (crime["area_type"] == "borough")]
    keys = rows[["borough", "month"]].astype(str)
    dup = keys.duplicated()
    if dup.any():
        first = keys[dup].iloc[0]
        raise ValueError(f"the crime table holds {indicator} for {first['borough']} in "
                         f"{first['month']} twice; expected one publication per month (the "
                         "table of read_mps_crime_for_period, not every vintage)")
    return rows


def _gaps(rows: pd.DataFrame, months: pd.PeriodIndex) -> dict[str, list[pd.Period]]:
    """The window's months each of the 32 boroughs has no row for (missing, never zero)."""
    held = rows.groupby(rows["borough"].astype(str), observed=True)["month"].agg(set)
    out = {}
    for name in london_boroughs()["borough"]:
        lacking = [m for m in months if m not in held.get(name, set())]
        if lacking:
            out[name] = lacking
    return out


def _gap_reason(what: str, gaps: dict[str, list[pd.Period]], area: str) -> str | None:
    """Why ``area`` (a borough, or London needing all 32) has no figure, or None."""
    lacking = gaps.get(area) if area != LONDON else sorted({m for v in gaps.values() for m in v})
    if not lacking:
        return None
    if area != LONDON:
        who = area
    elif len(gaps) == len(london_boroughs()):
        who = "any of the 32 boroughs"
    else:
        who = f"{len(gaps)} of the 32 boroughs"
    return (f"not available: the data hold no {what} for {who} in {month_ranges(lacking)}; "
            "months the data do not cover are not read as zero")


def _publications(rows: pd.DataFrame) -> str:
    if "publication" not in rows.columns:
        return "the crime table given"
    parts = []
    for (pub, vintage), _ in rows.groupby(["publication", "vintage"], observed=True):
        parts.append(f"{pub} to {month_label(pd.Period(vintage, 'M'))}")
    return "; ".join(sorted(set(parts))) or "the crime table given"


def _zero_read(rows: pd.DataFrame, borough: str, months: pd.PeriodIndex) -> list[pd.Period]:
    if "zero_filled" not in rows.columns:
        return []
    own = select_area(rows, borough, missing="empty")
    return sorted(own.loc[own["month"].isin(months) & own["zero_filled"], "month"])


def _window_sums(rows: pd.DataFrame, months: pd.PeriodIndex) -> pd.Series:
    inside = rows[rows["month"].isin(months)]
    sums = inside.groupby(inside["borough"].astype(str), observed=True)["count"].sum()
    return sums.reindex(london_boroughs()["borough"], fill_value=0).astype("int64")


def _fmt(value: float, decimals: int = 1) -> str:
    from scpb_analysis.core.rounding import round_half_up

    return f"{round_half_up(value, decimals):,.{decimals}f}"


# -- 1. knife injury victims aged 1-24 ---------------------------------------------------


def _young_residents(population: pd.DataFrame) -> pd.Series:
    """Residents aged 0-24 of each of the 32 boroughs from Census 2021 LSOA rows (NaN where the
    table holds none of a borough's LSOAs)."""
    if "age_under_25" not in population.columns or "borough" not in population.columns:
        raise ValueError("the population table lacks 'borough' or 'age_under_25'; expected "
                         "Census 2021 LSOA populations (scpb_analysis.sources.population."
                         "lsoa_population), whose five-year bands give residents aged 0-24")
    if "vintage" in population.columns and not population["vintage"].eq("Census 2021").all():
        raise ValueError("the population table is not Census 2021 (vintage "
                         f"{sorted(set(population['vintage']))}); the 0-24 denominator needs "
                         "its five-year bands")
    sums = population.groupby("borough")["age_under_25"].sum()
    sums = sums[sums > 0]
    return sums.reindex(london_boroughs()["borough"]).astype("float")


def _population_reason(residents: pd.Series, area: str) -> str | None:
    lacking = list(residents.index[residents.isna()])
    if area != LONDON:
        lacking = [area] if area in lacking else []
    if not lacking:
        return None
    listed = ", ".join(lacking[:5]) + (", ..." if len(lacking) > 5 else "")
    return (f"not available: the population table holds no residents aged 0-24 for "
            f"{counted(len(lacking), 'borough')} ({listed})"
            + ("; London's rate needs all 32" if area == LONDON else ""))


def knife_victim_rate(crime: pd.DataFrame, population: pd.DataFrame, borough: str,
                      period_end: str | pd.Period, *, confidence: float = 0.95
                      ) -> ProfileBlock:
    """Knife injury victims aged 1-24 per 100,000 residents aged 0-24, borough and London.

    The MPS Monthly Crime Dashboard counts victims aged 1-24 of knife crime with injury
    (``Knife Injury Victims (1-24)``, measure offences). Census 2021 publishes five-year
    bands, so the denominator is residents aged 0-24: infants under one are in the
    denominator and cannot be victims in the count, which lowers the rate very slightly. London
    is the 32 boroughs the MPS polices (victims the extract places in no borough, such as
    ``N/K``, are left out of it). The 95% interval is exact Poisson below 10 victims and
    Byar's approximation from 10 (:func:`~scpb_analysis.stats.rates.crude_rate`); the borough
    is compared with London by the Fingertips rule
    (:func:`~scpb_analysis.stats.benchmark.benchmark_rates`).

    A month the crime table holds no row for (the extract does not cover it) gives no rate,
    naming the months. A month the extract covers but leaves a borough without a row is a
    month with no victims there (the MPS leaves such months out; the loader marks them
    ``zero_filled``), and the method says how many there were.

    Parameters
    ----------
    crime : DataFrame
        The tidy recorded-crime table (:func:`~scpb_analysis.sources.mps.read_mps_crime_for_period`
        of the MPS borough files and the dashboard extract), every borough.
    population : DataFrame
        Census 2021 LSOA populations with ``borough`` and ``age_under_25``
        (:func:`~scpb_analysis.sources.population.lsoa_population`), every London LSOA.
    borough : str
        A London borough, any spelling.
    period_end : str or Period
        The last month of the 12.
    confidence : float, default 0.95

    Returns
    -------
    ProfileBlock
        ``table``: rows for the borough and London, columns ``area, period, count,
        population, value, lower, upper, confidence, comparison, status, method`` (rate per
        100,000; ``comparison`` Better/Similar/Worse for the borough, ``comparator`` for
        London).

    Examples
    --------
    >>> crime = pd.DataFrame({"month": pd.period_range("2022-06", "2023-05", freq="M"),
    ...                       "area_type": "borough", "borough": "Barnet",
    ...                       "indicator": KNIFE_VICTIMS, "measure": "offences", "count": 1})
    >>> crime = pd.concat([crime.assign(borough=b) for b in london_boroughs()["borough"]])
    >>> pop = london_boroughs()[["borough"]].assign(age_under_25=100_000,
    ...                                             vintage="Census 2021")
    >>> out = knife_victim_rate(crime, pop, "barnet", "2023-05").table
    >>> out[["area", "count", "value", "comparison"]]
         area  count  value comparison
    0  Barnet     12   12.0    Similar
    1  London    384   12.0  comparator
    """
    from scpb_analysis.stats.benchmark import benchmark_rates
    from scpb_analysis.stats.rates import crude_rate

    name = canonical_borough(borough)
    end, months, period = _window(period_end)
    rows = _borough_rows(crime, KNIFE_VICTIMS)
    gaps = _gaps(rows, months)
    residents = _young_residents(population)
    sums = _window_sums(rows, months)
    source = (f"{_publications(rows[rows['month'].isin(months)])}; Census 2021 TS007A "
              "residents aged 0-24")
    base = ("Victims aged 1-24 of knife crime with injury (MPS Monthly Crime Dashboard "
            "'Knife Injury Victims (1-24)') per 100,000 residents aged 0-24 (Census 2021 "
            "TS007A: the census publishes five-year bands, so residents aged 0-24 stand in for "
            f"ages 1-24); {confidence:.0%} confidence interval")
    london_reason = (_gap_reason("knife injury victims (1-24)", gaps, LONDON)
                     or _population_reason(residents, LONDON))
    own_reason = (_gap_reason("knife injury victims (1-24)", gaps, name)
                  or _population_reason(residents, name))

    out = []
    london = None
    if london_reason is None:
        london = crude_rate(int(sums.sum()), int(residents.sum()), multiplier=100_000,
                            confidence=confidence).iloc[0]
    if own_reason is None:
        if london is not None:
            row = benchmark_rates(int(sums[name]), int(residents[name]), int(sums.sum()),
                                  int(residents.sum()), multiplier=100_000,
                                  confidence=confidence).iloc[0]
            comparison = row["comparison"]
            compared = f"; {_FINGERTIPS}"
        else:
            row = crude_rate(int(sums[name]), int(residents[name]), multiplier=100_000,
                             confidence=confidence).iloc[0]
            comparison, compared = "not compared", "; not compared (no London rate)"
        zeros = _zero_read(rows, name, months)
        zero_text = (f"; {counted(len(zeros), 'month')} with no row for {name} in the extract "
                     f"({month_ranges(zeros)}) read as 0 victims, as the MPS leaves out "
                     "months without a count" if zeros else "")
        out.append({"area": name, "period": period, "count": int(row["count"]),
                    "population": int(row["population"]), "value": row["value"],
                    "lower": row["lower"], "upper": row["upper"], "confidence": confidence,
                    "comparison": comparison, "status": "computed",
                    "method": f"{base}: {_CI_WORDS[row['method']]}{compared}{zero_text}"})
    else:
        out.append(_empty_rate_row(name, period, residents[name], confidence, own_reason,
                                   base))
    if london is not None:
        out.append({"area": LONDON, "period": period, "count": int(london["count"]),
                    "population": int(london["population"]), "value": london["value"],
                    "lower": london["lower"], "upper": london["upper"],
                    "confidence": confidence, "comparison": COMPARATOR, "status": "computed",
                    "method": f"{base}: {_CI_WORDS[london['method']]}; London is the 32 "
                    "boroughs the MPS polices"})
    else:
        out.append(_empty_rate_row(LONDON, period, residents.sum(min_count=32), confidence,
                                   london_reason, base))
    table = pd.DataFrame(out, columns=_RATE_COLUMNS).assign(source=source)
    return ProfileBlock(table, _knife_text(table, name, end))


def _empty_rate_row(area: str, period: str, population: float, confidence: float, reason: str,
                    base: str) -> dict:
    return {"area": area, "period": period, "count": pd.NA,
            "population": pd.NA if pd.isna(population) else int(population),
            "value": np.nan, "lower": np.nan, "upper": np.nan, "confidence": confidence,
            "comparison": COMPARATOR if area == LONDON else "not compared", "status": reason,
            "method": base}


def _knife_text(table: pd.DataFrame, name: str, end: pd.Period) -> str:
    own, london = table.iloc[0], table.iloc[1]
    if own["status"] != "computed":
        return (f"Knife injury victims aged 1-24, {name}, 12 months to {month_label(end)}: "
                f"{own['status']}.")
    text = (f"In the 12 months to {month_label(end)}, {own['count']} people aged 1 to 24 were "
            f"recorded by the police as injured in knife crime in {name}: "
            f"{_fmt(own['value'])} per 100,000 residents aged 0-24 (95% confidence interval "
            f"{_fmt(own['lower'])} to {_fmt(own['upper'])}).")
    if london["status"] == "computed":
        words = {"Better": "lower than London's, beyond what chance would explain",
                 "Worse": "higher than London's, beyond what chance would explain",
                 "Similar": "not distinguishable from London's once chance is allowed for"}
        text += (f" London's rate was {_fmt(london['value'])} ({london['count']:,} victims), "
                 f"so {name}'s rate is {words.get(own['comparison'], 'not compared')} "
                 f"({own['comparison']}).")
    text += (" The census counts residents in five-year bands, so the rate is per resident "
             "aged 0-24 although the victims are aged 1-24.")
    return text


# -- 2. domestic abuse share of violence with injury ---------------------------------------


def domestic_abuse_injury_share(crime: pd.DataFrame, borough: str,
                                period_end: str | pd.Period, *, confidence: float = 0.95
                                ) -> ProfileBlock:
    """The share of violence with injury flagged as domestic abuse, borough and London.

    Numerator: ``Domestic Abuse violence with injury`` offences from the MPS Monthly Crime
    Dashboard extract (its positive outcomes are spelled ``Domestic Abuse Violence with
    Injury``; the loader matches both spellings to one indicator, and only the offences
    measure is counted). Denominator: violence with injury offences from the MPS borough files
    (the extract publishes no overall violence with injury). Both are counted over the same 12
    months and the same 32 borough boundaries, and every borough must hold both series for
    every month; the method names each publication, as the two may be refreshed at different
    dates. The interval is Wilson's (:func:`~scpb_analysis.stats.rates.proportion`); the
    borough is compared with London's share by the Fingertips rule, as Higher / Similar / Lower
    (a higher share is not in itself better or worse).

    Parameters
    ----------
    crime : DataFrame
        The tidy recorded-crime table of the MPS borough files and the dashboard extract
        (:func:`~scpb_analysis.sources.mps.read_mps_crime_for_period`), every borough.
    borough : str
    period_end : str or Period
    confidence : float, default 0.95

    Returns
    -------
    ProfileBlock
        ``table``: borough and London rows, columns ``area, period, numerator, denominator,
        share, share_lower, share_upper, confidence, comparison, status, method, source``.

    Raises
    ------
    ValueError
        If a borough's domestic abuse violence with injury exceeds its violence with injury
        (the two series do not describe the same offences).

    Examples
    --------
    >>> months = pd.period_range("2022-06", "2023-05", freq="M")
    >>> one = pd.concat([pd.DataFrame({"month": months, "area_type": "borough",
    ...                                "indicator": i, "measure": "offences", "count": n})
    ...                  for i, n in ((DA_INJURY, 3), (INJURY, 10))])
    >>> crime = pd.concat([one.assign(borough=b) for b in london_boroughs()["borough"]])
    >>> domestic_abuse_injury_share(crime, "Barnet", "2023-05").table[
    ...     ["area", "numerator", "denominator", "share", "comparison"]]
         area  numerator  denominator  share comparison
    0  Barnet         36          120    0.3    Similar
    1  London       1152         3840    0.3  comparator
    """
    from scpb_analysis.stats.benchmark import compare_to_benchmark
    from scpb_analysis.stats.rates import proportion

    name = canonical_borough(borough)
    end, months, period = _window(period_end)
    num_rows = _borough_rows(crime, DA_INJURY)
    den_rows = _borough_rows(crime, INJURY)
    num_gaps, den_gaps = _gaps(num_rows, months), _gaps(den_rows, months)
    num, den = _window_sums(num_rows, months), _window_sums(den_rows, months)
    sources = {"numerator": _publications(num_rows[num_rows["month"].isin(months)]),
               "denominator": _publications(den_rows[den_rows["month"].isin(months)])}
    base = ("Domestic abuse violence with injury (MPS Monthly Crime Dashboard, offences) over "
            "violence with injury (MPS borough files), the same 12 months and the same 32 "
            f"borough boundaries; {confidence:.0%} Wilson score interval")
    if sources["numerator"] != sources["denominator"]:
        base += (f"; numerator from {sources['numerator']}, denominator from "
                 f"{sources['denominator']}: refreshed at different dates, so a later "
                 "restatement of either is not in the other")

    def reason(area: str) -> str | None:
        return (_gap_reason("domestic abuse violence with injury", num_gaps, area)
                or _gap_reason("violence with injury", den_gaps, area))

    # Only boroughs holding both series for every month: a part-year sum proves nothing.
    ok = (num <= den) | num.index.isin([*num_gaps, *den_gaps])
    if not ok.all():
        bad = ok[~ok].index[0]
        raise ValueError(f"{bad}: domestic abuse violence with injury ({num[bad]}) exceeds "
                         f"violence with injury ({den[bad]}) in {period}; the two series do "
                         "not count the same offences")
    out = []
    london = None
    if reason(LONDON) is None:
        london = proportion(int(num.sum()), int(den.sum()), confidence=confidence).iloc[0]
    for area, n, d in ((name, num[name], den[name]), (LONDON, num.sum(), den.sum())):
        why = reason(area)
        if why is not None or d == 0:
            out.append({"area": area, "period": period, "numerator": pd.NA,
                        "denominator": pd.NA, "share": np.nan, "share_lower": np.nan,
                        "share_upper": np.nan, "confidence": confidence,
                        "comparison": COMPARATOR if area == LONDON else "not compared",
                        "status": why or "not available: no violence with injury recorded",
                        "method": base})
            continue
        row = proportion(int(n), int(d), confidence=confidence).iloc[0]
        comparison = COMPARATOR if area == LONDON else "not compared"
        if area != LONDON and london is not None:
            comparison = compare_to_benchmark(row["lower"], row["upper"], london["value"],
                                              "none")["comparison"].iloc[0]
        out.append({"area": area, "period": period, "numerator": int(n), "denominator": int(d),
                    "share": row["value"], "share_lower": row["lower"],
                    "share_upper": row["upper"], "confidence": confidence,
                    "comparison": comparison, "status": "computed",
                    "method": base + (f"; {_FINGERTIPS_SHARE}"
                                      if comparison in ("Higher", "Lower", "Similar") else "")})
    table = pd.DataFrame(out, columns=_SHARE_COLUMNS).assign(
        source=f"numerator: {sources['numerator']}; denominator: {sources['denominator']}")
    return ProfileBlock(table, _share_text(table, name, end))


def _share_text(table: pd.DataFrame, name: str, end: pd.Period) -> str:
    own, london = table.iloc[0], table.iloc[1]
    if own["status"] != "computed":
        return (f"Domestic abuse share of violence with injury, {name}, 12 months to "
                f"{month_label(end)}: {own['status']}.")
    text = (f"Of the {own['denominator']:,} offences of violence with injury recorded in {name} "
            f"in the 12 months to {month_label(end)}, {own['numerator']:,} were flagged as "
            f"domestic abuse: {_fmt(own['share'] * 100)}% (95% confidence interval "
            f"{_fmt(own['share_lower'] * 100)}% to {_fmt(own['share_upper'] * 100)}%).")
    if london["status"] == "computed":
        words = {"Higher": "higher than", "Lower": "lower than",
                 "Similar": "not distinguishable from"}
        text += (f" Across London the share was {_fmt(london['share'] * 100)}%; {name}'s is "
                 f"{words.get(own['comparison'], 'not compared with')} London's.")
    text += (" The domestic abuse count comes from the MPS Monthly Crime Dashboard and the "
             "total from the MPS borough files, over the same months and boroughs.")
    return text


# -- 3. homicide: persons proceeded against ----------------------------------------------


def _age_group_of(frame: pd.DataFrame) -> pd.Series:
    """The grouping's label for each row; a band no group holds whole is refused."""
    labels = []
    for i, (lo, hi) in enumerate(zip(frame["age_from"], frame["age_to"], strict=True)):
        hi = None if pd.isna(hi) else int(hi)
        found = [g for g, g_lo, g_hi in HOMICIDE_AGE_GROUPING
                 if lo >= g_lo and (g_hi is None or (hi is not None and hi <= g_hi))]
        if not found:
            row = frame["row"].iloc[i] if "row" in frame.columns else i
            raise ValueError(f"row {row}: age group {frame['age_group'].iloc[i]!r} does not fall "
                             "within one of the groups "
                             f"{', '.join(g for g, _, _ in HOMICIDE_AGE_GROUPING)}")
        labels.append(found[0])
    return pd.Series(labels, index=frame.index)


def _check_sexes(frame: pd.DataFrame) -> None:
    known = [s for s, _ in _SEXES]
    bad = ~frame["sex"].isin(known)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        row = frame["row"].iloc[i] if "row" in frame.columns else i
        raise ValueError(f"row {row}: sex {frame['sex'].iloc[i]!r} is not one of "
                         f"{', '.join(known)}")


def _year_windows(first: pd.Period, last: pd.Period, end: pd.Period, years: int
                  ) -> tuple[list[tuple[int, int]], str]:
    latest = end.year if end.month == 12 else end.year - 1
    covered_to = last.year if last.month == 12 else last.year - 1
    covered_from = first.year if first.month == 1 else first.year + 1
    note = ""
    if covered_to < latest:
        note = (f"The file ends in {month_label(last)}, so the latest full year it covers is "
                f"{covered_to}, not {latest}.")
        latest = covered_to
    windows = []
    stop = latest
    while stop - years + 1 >= covered_from:
        windows.append((stop - years + 1, stop))
        stop -= years
    if windows and windows[-1][0] > covered_from:
        note += (f" {covered_from}" + (f"-{windows[-1][0] - 1}" if windows[-1][0] - 1 >
                                       covered_from else "")
                 + f" (too short for a {years}-year window) is left out.")
    return windows[::-1], note.strip()


def homicide_proceedings_profile(proceedings: pd.DataFrame, borough: str,
                                 period_end: str | pd.Period, *, years: int = 5
                                 ) -> ProfileBlock:
    """Persons proceeded against for homicide by age group and sex, over multi-year windows.

    These are suspects and defendants (charged or summonsed, or the accused died first), not
    victims. Numbers in one borough are small, so counts are summed over ``years``-year
    windows ending with the latest full calendar year up to the period end (and covered by the
    file), and no rates are given. Age groups are :data:`HOMICIDE_AGE_GROUPING` (10-19, 20-24,
    25-34, 35 and over: the file's five-year band 15 to 19 does not split at 18). London is
    every row of the file (the 32 boroughs and Heathrow). Ethnicity is never read or published:
    crossed with age and sex in one borough it could point to a person
    (:func:`~scpb_analysis.sources.mps_extracts.read_homicide_proceedings` drops it).

    Parameters
    ----------
    proceedings : DataFrame
        :func:`~scpb_analysis.sources.mps_extracts.read_homicide_proceedings`'s table
        (``month, borough, sex, age_group, age_from, age_to, count``), every area.
    borough : str
    period_end : str or Period
    years : int, default 5
        Length of each window.

    Returns
    -------
    ProfileBlock
        ``table``: one row per window and age group plus ``all ages``, columns ``period,
        age_group, male, female, sex_not_recorded, total, london_male, london_female,
        london_sex_not_recorded, london_total``.

    Raises
    ------
    ValueError
        If a row's sex is unknown or its age band falls in no group (naming the row).

    Examples
    --------
    >>> ppa = pd.DataFrame({"month": pd.period_range("2013-01", "2022-12", freq="M"),
    ...                     "borough": "Barnet", "sex": "male", "age_group": "20 to 24",
    ...                     "age_from": 20, "age_to": 24, "count": 1})
    >>> out = homicide_proceedings_profile(ppa, "Barnet", "2023-05").table
    >>> out.loc[out["age_group"] == "20-24", ["period", "male", "total", "london_total"]]
               period  male  total  london_total
    1  2013 to 2017    60     60            60
    6  2018 to 2022    60     60            60
    """
    if not isinstance(years, int) or years < 1:
        raise ValueError(f"years must be a whole number of 1 or more; got {years!r}")
    name = canonical_borough(borough)
    end = to_month(period_end)
    frame = proceedings.reset_index(drop=True)
    _check_sexes(frame)
    frame = frame.assign(group=_age_group_of(frame), year=frame["month"].dt.year)
    months = frame.attrs.get("months") or (frame["month"].min(), frame["month"].max())
    windows, note = _year_windows(months[0], months[1], end, years)
    columns = ["period", "age_group", *[c for _, c in _SEXES], "total",
               *[f"london_{c}" for _, c in _SEXES], "london_total"]
    out = []
    for start, stop in windows:
        inside = frame[frame["year"].between(start, stop)]
        for group in [g for g, _, _ in HOMICIDE_AGE_GROUPING] + ["all ages"]:
            cut = inside if group == "all ages" else inside[inside["group"] == group]
            row: dict = {"period": f"{start} to {stop}", "age_group": group}
            for prefix, part in (("", select_area(cut, name, missing="empty")),
                                 ("london_", cut)):
                by_sex = part.groupby("sex")["count"].sum()
                for sex, column in _SEXES:
                    row[f"{prefix}{column}"] = int(by_sex.get(sex, 0))
                row[f"{prefix}total"] = int(part["count"].sum())
            out.append(row)
    table = pd.DataFrame(out, columns=columns)
    return ProfileBlock(table, _homicide_text(table, name, end, years, note,
                                              proceedings.attrs.get("set_aside")))


def _homicide_text(table: pd.DataFrame, name: str, end: pd.Period, years: int, note: str,
                   set_aside: pd.DataFrame | None) -> str:
    if table.empty:
        return (f"Homicide proceedings, {name}: not available: the file covers no full "
                f"{years}-year window up to {month_label(end)}.")
    totals = table[table["age_group"] == "all ages"]
    latest = totals.iloc[-1]
    young = table[(table["period"] == latest["period"])
                  & table["age_group"].isin(["10-19", "20-24"])]["total"].sum()
    text = (f"These are people the police charged or summonsed for homicide (murder, "
            f"manslaughter, corporate manslaughter, infanticide), or whose accused died before "
            f"proceedings: suspects and defendants, not victims. In {latest['period']}, "
            f"{latest['total']} people were proceeded against in {name} "
            f"({latest['male']} male, {latest['female']} female"
            + (f", {latest['sex_not_recorded']} sex not recorded"
               if latest["sex_not_recorded"] else "")
            + f"), {young} of them aged 10-24; London's total (the 32 boroughs and Heathrow) was "
            f"{latest['london_total']:,}. "
            f"Numbers are small, so they are summed over {years}-year calendar windows and "
            "shown as counts, not rates. Age groups are 10-19, 20-24, 25-34 and 35 and over: "
            "the published five-year band 15 to 19 does not split at 18, so under-18s cannot "
            "be shown apart. Ethnicity is in the file but is not shown: at borough level, "
            "crossed with age and sex, it could point to a person.")
    if set_aside is not None and len(set_aside):
        n = int(set_aside["count"].sum())
        text += (f" {counted(n, 'proceeding')} the MPS marks as a recording error "
                 f"{'is' if n == 1 else 'are'} not counted.")
    if note:
        text += f" {note}"
    return text


# -- key findings --------------------------------------------------------------------------


def affected_findings(knife: ProfileBlock | None = None, share: ProfileBlock | None = None,
                     homicide: ProfileBlock | None = None, *,
                     tables: dict[str, str] | None = None) -> list:
    """Key findings from the who-is-affected blocks, one per block that was computed.

    Parameters
    ----------
    knife, share, homicide : ProfileBlock, optional
        :func:`knife_victim_rate`, :func:`domestic_abuse_injury_share`,
        :func:`homicide_proceedings_profile`.
    tables : dict, optional
        The published table name of each block (keys ``knife``, ``share``, ``homicide``),
        which :func:`~scpb_analysis.blocks.sv_findings.check_findings` re-reads.

    Returns
    -------
    list of Finding

    Examples
    --------
    >>> table = pd.DataFrame({"area": ["Barnet", "London"], "period": "June 2022 to May 2023",
    ...     "count": [34, 1361], "value": [28.56, 50.92], "comparison": ["Better", "comparator"],
    ...     "status": "computed"})
    >>> print(affected_findings(ProfileBlock(table, ""))[0].text)
    Knife injury victims aged 1 to 24 in Barnet, June 2022 to May 2023: 34, 28.6 per 100,000 \
residents aged 0-24, lower than London (50.9) beyond chance (Better).
    """
    from scpb_analysis.blocks.sv_findings import Finding

    names = {"knife": "needs_assessment_knife_victims",
             "share": "needs_assessment_domestic_abuse_share",
             "homicide": "needs_assessment_homicide_proceedings", **(tables or {})}
    words = {"Better": "lower than London", "Worse": "higher than London",
             "Lower": "lower than London", "Higher": "higher than London",
             "Similar": "not distinguishable from London"}
    out = []
    if knife is not None and knife.table["status"].iloc[0] == "computed":
        own, london = knife.table.iloc[0], knife.table.iloc[1]
        cmp = own["comparison"]
        beyond = " beyond chance" if cmp in ("Better", "Worse") else ""
        text = (f"Knife injury victims aged 1 to 24 in {own['area']}, {own['period']}: "
                f"{own['count']:,}, {_fmt(own['value'])} per 100,000 residents aged 0-24, "
                f"{words.get(cmp, 'not compared with London')} ({_fmt(london['value'])})"
                f"{beyond} ({cmp}).")
        out.append(Finding("Who is affected", text, names["knife"], (
            ({"area": own["area"]}, {"count": f"{own['count']:,}", "value": _fmt(own["value"]),
                                     "comparison": cmp}),
            ({"area": london["area"]}, {"value": _fmt(london["value"])})),
            context=("aged 1 to 24", "per 100,000", "aged 0-24")))
    if share is not None and share.table["status"].iloc[0] == "computed":
        own, london = share.table.iloc[0], share.table.iloc[1]
        cmp = own["comparison"]
        pct, london_pct = _fmt(own["share"] * 100) + "%", _fmt(london["share"] * 100) + "%"
        text = (f"Domestic abuse accounts for {pct} of violence with injury in {own['area']} "
                f"({own['numerator']:,} of {own['denominator']:,} offences, {own['period']}), "
                f"{words.get(cmp, 'not compared with London')} ({london_pct}).")
        out.append(Finding("Who is affected", text, names["share"], (
            ({"area": own["area"]}, {"share": pct, "numerator": f"{own['numerator']:,}",
                                     "denominator": f"{own['denominator']:,}"}),
            ({"area": london["area"]}, {"share": london_pct}))))
    if homicide is not None and not homicide.table.empty:
        table = homicide.table
        latest = table[table["age_group"] == "all ages"].iloc[-1]
        young = {g: table[(table["period"] == latest["period"]) & (table["age_group"] == g)]
                 .iloc[0] for g in ("10-19", "20-24")}
        text = (f"{latest['total']:,} people were proceeded against for homicide in "
                f"{latest['period']} ({latest['male']:,} male): {young['10-19']['total']:,} "
                f"aged 10-19 and {young['20-24']['total']:,} aged 20-24.")
        out.append(Finding("Who is affected", text, names["homicide"], (
            ({"period": latest["period"], "age_group": "all ages"},
             {"total": f"{latest['total']:,}", "male": f"{latest['male']:,}"}),
            *(({"period": latest["period"], "age_group": g},
               {"total": f"{row['total']:,}"}) for g, row in young.items()))))
    return out
