"""When serious violence happens: month of year, hour and weekday, and what the data cannot say.

The needs assessment's "when" section, from the sources that carry a time:

- :func:`seasonality`: the month-of-year pattern of a violence group from the longest monthly
  series the recorded-crime table holds (MPS borough files in London, police.uk outside),
  over complete calendar years that no series break crosses, with a quasi-Poisson F test of
  whether month of year matters beyond a linear trend;
- :func:`hour_weekday_profile`: hour of day by weekday of the violence-related incidents of
  the partnership's CCTV control-room log, allowing for the hours the room was not staffed;
- :func:`timing_gaps`: the questions about timing the public data cannot answer, and the
  dataset (and owner) each needs.

The recorded-crime files give months only: neither the MPS files nor police.uk give a day or a
time, so hour and weekday come only from a log that records them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from scpb_analysis.core.periods import month_label, month_ranges, to_month
from scpb_analysis.core.rounding import round_half_up
from scpb_analysis.core.words import counted
from scpb_analysis.reference.geography import canonical_borough, select_area
from scpb_analysis.stats.aoristic import WEEKDAYS

__all__ = ["CCTV_EXCLUDED_TYPES", "CCTV_VIOLENCE_TYPES", "MIN_SEASON_EXPECTED", "WEEKDAYS",
           "HourWeekdayProfile", "SeasonalityBlock", "hour_weekday_profile", "seasonality",
           "seasonality_findings", "timing_gaps"]

#: CCTV incident types counted as violence, with why (``partnership_values.csv`` vocabulary).
CCTV_VIOLENCE_TYPES: dict[str, str] = {
    "Violent Crime": "violence against the person seen on camera",
    "Robbery": "robbery is violence or the threat of it",
    "Knife Crime": "knife crime: in the local definition of serious violence",
    "Firearms": "gun crime: in the local definition of serious violence",
    "Sexual Offence": "sexual violence is in the definition",
    "Domestic": "domestic abuse is in the definition",
}
#: Incident types near violence that are left out, with why.
CCTV_EXCLUDED_TYPES: dict[str, str] = {
    "Offensive Weapon": "carrying a weapon without an offence against a person: as with "
    "possession of weapons, it reflects proactive policing as much as violence",
    "Public Disorder": "disorder, not violence against a person",
    "Anti-Social Behaviour": "not violence",
}
_MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
                "September", "October", "November", "December")
_BREAK_WORDS = {"coding change": "the offence coding changed",
                "definition change": "the offence definition changed",
                "recording system change": "the MPS moved crime recording from CRIS to CONNECT",
                "boundary change": "the area boundaries changed",
                "gap": "the data have a gap"}
#: The fewest offences each calendar month must hold on average, summed over the years used,
#: for the month-of-year test: the F test rests on counts large enough to be near normal.
MIN_SEASON_EXPECTED = 5

_SEASON_COLUMNS = ["month", "month_name", "years_used", "n_years", "total", "mean_count",
                   "mean_per_day", "seasonal_index", "vs_average_day_pct"]
_SEASON_METHOD = (
    "Complete calendar years only, none crossing a series break. Seasonal index: each calendar "
    "month's offences per day, summed over the years used, over the offences per day of all "
    "the years used (1 = the average day; counts are divided by days so February's fewer days "
    "do not read as less violence). Test: quasi-Poisson log-linear regression of monthly "
    "counts (log days in the month as offset) on a linear trend plus month of year, against "
    "the trend alone; F = (drop in deviance / 11) / dispersion, the dispersion from the "
    "Pearson chi-square of the fuller model (floored at 1), on 11 and n - 13 degrees of "
    "freedom.")


# ---------------------------------------------------------------------------------------------
# Seasonality


@dataclass(frozen=True)
class SeasonalityBlock:
    """The month-of-year pattern of one violence group: table, test and sentence.

    Attributes
    ----------
    table : DataFrame
        One row per calendar month (:data:`_SEASON_COLUMNS`: ``month, month_name,
        years_used, n_years, total, mean_count, mean_per_day, seasonal_index,
        vs_average_day_pct`` (the index as a % above or below the average day)); empty when
        the data hold too few complete years.
    text : str
        The paragraph for the page: peak and trough months only if the test is significant.
    test : dict
        ``F, df1, df2, p_value, dispersion, n_months`` (NaN when not tested) and ``method``.
    years : list of int
        The calendar years used.
    available : bool
        False when the data cannot support the analysis (``text`` says why).
    notes : list of str
        Series breaks and months left out, for the analyst (file names included).
    """

    table: pd.DataFrame
    text: str
    test: dict[str, Any]
    years: list[int]
    available: bool
    notes: list[str] = field(default_factory=list)


def _taxonomy_ids(indicator: str | Sequence[str]) -> tuple[tuple[str, ...], str]:
    """Taxonomy ids an MPS indicator, set or id list stands for, and its name for the reader."""
    from scpb_analysis.blocks.needs_assessment import INDICATOR_SETS
    from scpb_analysis.reference.taxonomy import indicator_table

    table = indicator_table().set_index("indicator")
    if isinstance(indicator, str) and indicator in INDICATOR_SETS:
        return INDICATOR_SETS[indicator], indicator.replace("_", " ").capitalize()
    ids = (indicator,) if isinstance(indicator, str) else tuple(indicator)
    bad = [i for i in ids if i not in table.index]
    if bad or not ids:
        raise ValueError(f"unknown indicator id(s) {', '.join(bad) or '(none given)'}; expected "
                         "ids of reference/taxonomy/indicators.csv or a set of "
                         f"needs_assessment.INDICATOR_SETS ({', '.join(INDICATOR_SETS)})")
    return ids, " and ".join(table.loc[i, "name"] for i in ids)


def _series_rows(crime: pd.DataFrame, area: str, indicator: str | Sequence[str],
                 end: pd.Period) -> tuple[pd.DataFrame, tuple[str, ...], str, str, bool]:
    """The area's rows of the indicator up to ``end``: (rows, ids, label, area name, police.uk)."""
    from scpb_analysis.sources.policeuk_areas import is_policeuk_counts

    needed = {"month", "area_type", "borough", "indicator", "measure", "count"}
    missing = sorted(needed - set(crime.columns))
    if missing:
        raise ValueError(f"the crime table lacks column(s) {', '.join(missing)}; expected the "
                         "tidy table of read_mps_crime_for_period or policeuk_area_crime")
    policeuk = is_policeuk_counts(crime)
    if policeuk:
        from scpb_analysis.reference.taxonomy import indicator_name, policeuk_crime_types

        known = set(policeuk_crime_types()["indicator"])
        if not isinstance(indicator, str) or indicator not in known:
            raise ValueError(f"{indicator!r} is not a police.uk crime type id; expected one of "
                             f"{', '.join(sorted(known))}")
        ids, label, name = (indicator,), indicator_name(indicator), area
        rows = crime[crime["area_type"] == "csp"]
    else:
        ids, label = _taxonomy_ids(indicator)
        name = canonical_borough(area)
        rows = crime[(crime["area_type"] == "borough")
                     & (crime["measure"].astype(str).str.casefold() == "offences")]
    rows = select_area(rows, name, missing="empty")
    rows = rows[rows["indicator"].isin(ids) & (rows["month"] <= end)]
    keys = rows[["month", "indicator"]].astype(str)
    if keys.duplicated().any():
        first = keys[keys.duplicated()].iloc[0]
        raise ValueError(f"the crime table holds {first['indicator']} for {name} in "
                         f"{first['month']} twice; expected one publication per month (the "
                         "table of read_mps_crime_for_period, not every vintage)")
    if rows.empty:
        raise ValueError(f"the crime table holds no {label} for {name} up to {month_label(end)}")
    return rows, ids, label, name, policeuk


def _break_months(rows: pd.DataFrame, ids: Sequence[str], breaks: pd.DataFrame | None
                  ) -> dict[pd.Period, tuple[str, str]]:
    """Months not like for like with the month before: month -> (kind, detail)."""
    found: dict[pd.Period, tuple[str, str]] = {}
    if breaks is not None and len(breaks):
        pubs = set(rows["publication"]) if "publication" in rows else None
        keep = (breaks["level"].isin(["borough", "csp"]) & (breaks["measure"] == "offences")
                & breaks["indicator"].isin(["*", *ids]) & (breaks["kind"] != "vintage seam"))
        if pubs is not None and "publication" in breaks:
            # The move to CONNECT changed how every MPS count was recorded, whichever
            # publication the breaks table found it in (as in the problem profile).
            keep &= (breaks["publication"].isin(pubs)
                     | (breaks["kind"] == "recording system change"))
        for row in breaks[keep].itertuples(index=False):
            found.setdefault(to_month(row.month), (str(row.kind), str(row.detail)))
    if "scheme" in rows:
        # A change of coding between two months is a break even if no breaks table was given.
        schemes = rows.groupby("month")["scheme"].agg(lambda s: tuple(sorted(set(map(str, s)))))
        for prev, month in zip(schemes.index[:-1], schemes.index[1:], strict=True):
            if schemes[prev] != schemes[month]:
                found.setdefault(month, ("coding change", f"{', '.join(schemes[prev])} to "
                                                          f"{', '.join(schemes[month])}"))
    return found


def _segments(months: list[pd.Period], breaks: dict[pd.Period, tuple[str, str]]
              ) -> list[list[pd.Period]]:
    """Runs of consecutive months that no gap or break divides."""
    runs: list[list[pd.Period]] = []
    for m in months:
        if runs and (m - runs[-1][-1]).n == 1 and m not in breaks:
            runs[-1].append(m)
        else:
            runs.append([m])
    return runs


def _complete_years(run: list[pd.Period], exclude: set[int]) -> list[int]:
    held = set(run)
    years = sorted({m.year for m in run})
    return [y for y in years if y not in exclude
            and all(pd.Period(year=y, month=k, freq="M") in held for k in range(1, 13))]


def _poisson_fit(y: np.ndarray, design: np.ndarray, offset: np.ndarray
                 ) -> tuple[np.ndarray, float, float]:
    """Poisson log-linear fit by iteratively reweighted least squares.

    Returns the fitted means, the deviance and the Pearson chi-square.
    """
    beta = np.zeros(design.shape[1])
    beta[0] = math.log(max(y.sum(), 1e-9) / np.exp(offset).sum())
    for _ in range(200):
        eta = design @ beta + offset
        mu = np.exp(eta)
        z = eta - offset + (y - mu) / mu
        new = np.linalg.lstsq(design * np.sqrt(mu)[:, None], z * np.sqrt(mu), rcond=None)[0]
        if not np.all(np.isfinite(new)):
            raise ValueError("the Poisson fit of the month-of-year test did not converge")
        done = np.max(np.abs(new - beta)) < 1e-11
        beta = new
        if done:
            break
    mu = np.exp(design @ beta + offset)
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(y > 0, y * np.log(y / mu), 0.0)
    deviance = float(2 * np.sum(term - (y - mu)))
    pearson = float(np.sum((y - mu) ** 2 / mu))
    return mu, deviance, pearson


def _season_test(counts: pd.Series) -> dict[str, Any]:
    """Quasi-Poisson F test of month of year over a linear trend (log days as offset)."""
    from scipy.stats import f as f_dist

    months = counts.index
    y = counts.to_numpy(dtype=float)
    n = len(y)
    offset = np.log(np.array([m.days_in_month for m in months], dtype=float))
    t = np.array([(m - months[0]).n for m in months], dtype=float) / 12.0
    dummies = np.array([[1.0 if m.month == k else 0.0 for k in range(2, 13)] for m in months])
    null = np.column_stack([np.ones(n), t])
    full = np.column_stack([null, dummies])
    _, dev0, _ = _poisson_fit(y, null, offset)
    _, dev1, pearson = _poisson_fit(y, full, offset)
    df1, df2 = 11, n - full.shape[1]
    # Floored at 1, as the package's trend test is: crime counts are not less variable than
    # Poisson, and an estimate below 1 would only make chance patterns look significant.
    dispersion = max(1.0, pearson / df2)
    f_stat = (dev0 - dev1) / df1 / dispersion
    return {"F": f_stat, "df1": df1, "df2": df2, "p_value": float(f_dist.sf(f_stat, df1, df2)),
            "dispersion": dispersion, "n_months": n, "method": _SEASON_METHOD}


def _years_text(years: list[int]) -> str:
    return str(years[0]) if len(years) == 1 else f"{years[0]} to {years[-1]}"


def _p_text(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {round_half_up(p, 3):.3f}"


def _pct_words(index: float) -> str:
    diff = round_half_up((index - 1) * 100, 1)
    if diff == 0:
        return "the same as the average day"
    return f"{abs(diff):.1f}% {'above' if diff > 0 else 'below'} the average day"


def seasonality(crime: pd.DataFrame, area: str, indicator: str | Sequence[str],
                period_end: str | pd.Period, *, breaks: pd.DataFrame | None = None,
                min_years: int = 2, max_years: int | None = None,
                exclude_years: Sequence[int] = (), alpha: float = 0.05) -> SeasonalityBlock:
    """Month-of-year pattern of a violence group, over complete years no break crosses.

    The series is the area's monthly offences from the earliest month the table holds to
    ``period_end``. It is cut at every gap and every series break (``breaks``, and any change
    of coding scheme between months the table shows): the latest unbroken run holding at
    least ``min_years`` complete calendar years is used, so no seasonal pattern is read across
    a change in what is counted (the MPS's April 2010 coding change, its February 2024 move
    to CONNECT). Each calendar month's seasonal index is its offences per day over the years
    used, divided by the offences per day of those years (1 = the average day). Whether
    month of year matters is tested by a quasi-Poisson regression of the monthly counts on a
    linear trend plus month of year against the trend alone (log days in the month as
    offset): an F test on 11 and n - 13 degrees of freedom. The peak and trough months are
    named only if the test is significant at ``alpha``.

    Parameters
    ----------
    crime : DataFrame
        The tidy recorded-crime table: MPS (``data.crime_for_period().table``, every month
        the publications read hold) or police.uk (``data.policeuk_area().table``).
    area : str
        The borough (any spelling), or the local authority as police.uk's table names it.
    indicator : str or sequence of str
        MPS: a taxonomy id (``"violence_with_injury"``), a set of
        ``needs_assessment.INDICATOR_SETS`` or a list of ids (summed); police.uk: its crime
        type id (``"violence_and_sexual_offences"``).
    period_end : str or Period
        No month after it is used.
    breaks : DataFrame, optional
        The loader's series breaks (``data.crime_for_period().breaks``); police.uk has none.
    min_years : int, default 2
        Fewer complete years than this and the block says the data cannot support it.
    max_years : int, optional
        Use at most the latest this many complete years.
    exclude_years : sequence of int
        Calendar years to leave out.
    alpha : float, default 0.05

    Returns
    -------
    SeasonalityBlock

    Examples
    --------
    >>> months = pd.period_range("2021-01", "2023-12", freq="M")
    >>> crime = pd.DataFrame({"month": months, "area_type": "borough", "borough": "Barnet",
    ...                       "indicator": "robbery_of_personal_property",
    ...                       "measure": "offences",
    ...                       "count": [100 + (60 if m.month in (6, 7) else 0) for m in months]})
    >>> out = seasonality(crime, "Barnet", "robbery_of_personal_property", "2023-12")
    >>> out.years, out.table.loc[out.table["seasonal_index"].idxmax(), "month_name"]
    ([2021, 2022, 2023], 'June')
    >>> out.test["df1"], out.test["df2"], out.test["p_value"] < 0.001
    (11, 23, True)
    >>> seasonality(crime, "Barnet", "robbery_of_personal_property", "2022-11").available
    False
    """
    if not isinstance(min_years, int) or min_years < 2:
        raise ValueError(f"min_years must be a whole number of 2 or more; got {min_years!r}")
    end = to_month(period_end)
    rows, ids, label, name, policeuk = _series_rows(crime, area, indicator, end)
    per_month = rows.groupby("month")["indicator"].nunique()
    held = sorted(per_month.index[per_month == len(ids)])
    partial = sorted(per_month.index[per_month < len(ids)])
    cuts = _break_months(rows, ids, breaks)
    runs = _segments(held, cuts)
    exclude = {int(y) for y in exclude_years}
    chosen: list[int] = []
    run_used: list[pd.Period] = []
    for run in reversed(runs):
        years = _complete_years(run, exclude)
        if len(years) >= min_years:
            chosen, run_used = years, run
            break
    source = ("police.uk street-level crime" if policeuk else
              "; ".join(sorted(set(rows["publication"]))) if "publication" in rows
              else "the crime table given")
    notes = []
    if partial:
        notes.append(f"Months holding only some of the offences summed were not used: "
                     f"{month_ranges(partial)}.")
    gaps = [m for m in pd.period_range(held[0], held[-1], freq="M") if m not in set(held)]
    if gaps:
        notes.append(f"The data hold no {label} for {name} in {month_ranges(gaps)} (a gap, "
                     "not zero).")
    for month, (kind, detail) in sorted(cuts.items()):
        if held[0] < month <= held[-1]:
            notes.append(f"Series break in {month_label(month)}: {kind} ({detail}).")
    test_nan = {"F": math.nan, "df1": 11, "df2": math.nan, "p_value": math.nan,
                "dispersion": math.nan, "n_months": 0, "method": _SEASON_METHOD}
    if not chosen:
        best = max((_complete_years(r, exclude) for r in runs), key=len, default=[])
        have = (f"only {len(best)} complete calendar year ({best[0]})" if len(best) == 1 else
                f"only {len(best)} complete calendar years" if best else
                "no complete calendar year")
        why = (f"the data hold {have} of {label} for {name} between "
               f"{month_label(held[0])} and {month_label(held[-1])} without a gap or series "
               f"break; a month-of-year pattern needs at least {min_years}")
        if gaps:
            why += f" (no data for {month_ranges(gaps)})"
        text = f"Seasonality of {label.lower()} in {name}: not tested: {why}."
        return SeasonalityBlock(pd.DataFrame(columns=_SEASON_COLUMNS), text, test_nan, [],
                                False, notes)
    if max_years is not None:
        chosen = chosen[-max_years:]
    used = [m for m in run_used if m.year in set(chosen)]
    counts = (rows[rows["month"].isin(used)].groupby("month")["count"].sum()
              .reindex(pd.PeriodIndex(used, freq="M")).astype("int64"))
    days = pd.Series([m.days_in_month for m in counts.index], index=counts.index)
    by_month = pd.DataFrame({"count": counts, "days": days,
                             "month": [m.month for m in counts.index]}).groupby("month").sum()
    overall = counts.sum() / days.sum()
    years_used = _years_text(chosen)
    table = pd.DataFrame({
        "month": range(1, 13), "month_name": _MONTH_NAMES, "years_used": years_used,
        "n_years": len(chosen), "total": by_month["count"].to_numpy(),
        "mean_count": by_month["count"].to_numpy() / len(chosen),
        "mean_per_day": by_month["count"].to_numpy() / by_month["days"].to_numpy(),
    })
    table["seasonal_index"] = table["mean_per_day"] / overall if overall > 0 else np.nan
    table["vs_average_day_pct"] = (table["seasonal_index"] - 1) * 100
    total = int(counts.sum())
    if total < 12 * MIN_SEASON_EXPECTED or (table["total"] == 0).any():
        # With a calendar month at nought the fit has no finite estimate, and with a handful
        # a month the F test's approximation does not hold: say so rather than test.
        text = (f"Seasonality of {label.lower()} in {name}: not tested: {total:,} offences in "
                f"the {len(chosen)} complete calendar years {years_used} are too few for a "
                f"month-of-year test (it needs on average at least {MIN_SEASON_EXPECTED} "
                "offences in each calendar month over those years, and none with no "
                "offences).")
        return SeasonalityBlock(pd.DataFrame(columns=_SEASON_COLUMNS), text, test_nan, chosen,
                                False, notes)
    try:
        test = _season_test(counts)
    except ValueError as exc:
        return SeasonalityBlock(pd.DataFrame(columns=_SEASON_COLUMNS),
                                f"Seasonality of {label.lower()} in {name}: not tested: {exc}.",
                                test_nan, chosen, False, notes)
    text = _season_text(table, test, label, name, chosen, source, alpha, run_used, cuts,
                        exclude)
    return SeasonalityBlock(table[_SEASON_COLUMNS], text, test, chosen, True, notes)


def _season_text(table: pd.DataFrame, test: dict, label: str, name: str, years: list[int],
                 source: str, alpha: float, run: list[pd.Period],
                 cuts: dict, exclude: set[int]) -> str:
    n = len(years)
    text = (f"{label} in {name}, calendar years {_years_text(years)} ({n} complete years, "
            f"{int(table['total'].sum()):,} offences; {source}). ")
    stats = (f"F = {round_half_up(test['F'], 2):.2f} on {test['df1']} and {test['df2']} degrees "
             f"of freedom, {_p_text(test['p_value'])}")
    if test["p_value"] < alpha:
        peak = table.loc[table["seasonal_index"].idxmax()]
        trough = table.loc[table["seasonal_index"].idxmin()]
        text += (f"Month of year matters beyond a steady trend ({stats}; quasi-Poisson "
                 f"regression). {peak['month_name']} has the most offences per day, "
                 f"{_pct_words(peak['seasonal_index'])}; {trough['month_name']} the fewest, "
                 f"{_pct_words(trough['seasonal_index'])}.")
    else:
        text += (f"There is no clear seasonal pattern: month of year adds no more than chance "
                 f"would to a steady trend ({stats}; quasi-Poisson regression).")
    text += (" Counts are compared per day, so February's fewer days do not read as less "
             "violence.")
    before = [m for m in cuts if run[0] == m]
    after = [m for m in cuts if m == run[-1] + 1]
    for m in before:
        text += (f" Months before {month_label(m)} are not used: "
                 f"{_BREAK_WORDS.get(cuts[m][0], cuts[m][0])} then, so counts either side are "
                 "not like for like.")
    for m in after:
        text += (f" Months from {month_label(m)} are not used: "
                 f"{_BREAK_WORDS.get(cuts[m][0], cuts[m][0])} then, so counts either side are "
                 "not like for like.")
    spare = [m for m in run if m.year < years[0] or m.year > years[-1]]
    if spare:
        text += (f" {month_ranges(spare).replace(', ', ' and ')} "
                 f"{'is' if len(spare) == 1 else 'are'} not used: not whole calendar years.")
    if exclude & set(range(years[0], years[-1] + 1)):
        text += f" Left out by choice: {', '.join(map(str, sorted(exclude)))}."
    if {2020, 2021} & set(years):
        text += (" The years include the COVID-19 restrictions of 2020-2021, which changed "
                 "when and where violence happened.")
    return text


# ---------------------------------------------------------------------------------------------
# Hour of day and weekday (CCTV control-room log)


@dataclass(frozen=True)
class HourWeekdayProfile:
    """Violence-related CCTV incidents by hour of day and weekday.

    Attributes
    ----------
    table : DataFrame
        168 rows (weekday x hour): ``weekday, weekday_name, hour, hour_label, count, share,
        staffed_hours, per_100_hours`` (incidents per 100 hours the room was staffed in that
        slot; NaN where it never was).
    by_hour, by_weekday : DataFrame
        The same by hour (24 rows) and by weekday (7 rows).
    tests : DataFrame
        ``test, chi_square, df, p_value, min_expected, status``: chi-square tests against an
        even spread over the hours the room was staffed (by hour, by weekday, and of the 168
        cells where every expected count is at least 5).
    set_aside : DataFrame
        Incidents not counted, and why (``reason, count``).
    text : str
        The paragraph for the page.
    types : tuple of str
        The incident types counted.
    notes : list of str
    """

    table: pd.DataFrame
    by_hour: pd.DataFrame
    by_weekday: pd.DataFrame
    tests: pd.DataFrame
    set_aside: pd.DataFrame
    text: str
    types: tuple[str, ...]
    notes: list[str] = field(default_factory=list)


def _hour_label(hour: int) -> str:
    return f"{hour:02d}:00-{(hour + 1) % 24:02d}:00"


def _staffed(day: pd.Timestamp, hour: int) -> bool:
    from scpb_analysis.reference.partnership_schema import control_room_open

    # The hour counts as staffed if the room was open through it: its middle is open.
    return control_room_open(day + pd.Timedelta(hours=hour, minutes=30))


def _chi_square(observed: np.ndarray, exposure: np.ndarray, what: str) -> dict[str, Any]:
    from scipy.stats import chisquare

    keep = exposure > 0
    obs, exp_share = observed[keep], exposure[keep] / exposure[keep].sum()
    expected = exp_share * obs.sum()
    row = {"test": what, "chi_square": math.nan, "df": int(keep.sum() - 1),
           "p_value": math.nan, "min_expected": float(expected.min()) if len(expected) else 0.0}
    if obs.sum() == 0:
        return row | {"status": "not tested: no incidents"}
    if expected.min() < 5:
        return row | {"status": "not tested: some expected counts are below 5"}
    stat, p = chisquare(obs, expected)
    return row | {"chi_square": float(stat), "p_value": float(p), "status": "computed"}


def hour_weekday_profile(cctv: pd.DataFrame, *, types: Sequence[str] | None = None,
                         start: str | pd.Period | None = None,
                         end: str | pd.Period | None = None,
                         alpha: float = 0.05) -> HourWeekdayProfile:
    """Hour-of-day by weekday profile of violence-related CCTV incidents.

    Counts the incidents of ``types`` (default :data:`CCTV_VIOLENCE_TYPES`) in a 24 x 7 table
    with shares. The control room was staffed 12:00 to 04:00 until 31 August 2022 and around
    the clock from 1 September 2022
    (:func:`~scpb_analysis.reference.partnership_schema.control_room_open`), so an hour it was
    closed is not an hour without incidents: each cell's exposure is the number of hours the
    room was staffed in that weekday-and-hour slot over the months the log covers, and each
    cell is given as incidents per 100 staffed hours. The chi-square tests compare the counts
    with an even spread over the staffed hours (expected counts in proportion to exposure).
    An incident logged in an hour the room was closed (04:00 exactly before September 2022,
    which the loader accepts) is set aside and reported. A month in which the log holds no
    incident of any type is read as a month the log does not cover, and left out.

    Parameters
    ----------
    cctv : DataFrame
        The partnership CCTV log (``data.partnership().loads["cctv"].table``): ``occurred_at``
        and ``incident_type`` (``hour`` is checked against ``occurred_at`` if present).
    types : sequence of str, optional
        Incident types to count, from ``reference/partnership_values.csv``.
    start, end : str or Period, optional
        First and last month (default: the log's).
    alpha : float, default 0.05

    Returns
    -------
    HourWeekdayProfile

    Raises
    ------
    ValueError
        If a column is missing, a type is not in the vocabulary, or ``hour`` disagrees with
        ``occurred_at`` (naming the row).

    Examples
    --------
    >>> log = pd.DataFrame({"occurred_at": pd.to_datetime(["2022-06-04 22:10",
    ...     "2022-06-05 08:00", "2022-10-01 09:30"]), "incident_type": "Violent Crime"})
    >>> out = hour_weekday_profile(log)
    >>> int(out.table["count"].sum()), out.set_aside["count"].tolist()
    (2, [1])
    >>> out.by_hour.loc[out.by_hour["hour"] == 9, "staffed_hours"].item()  # October only
    31
    >>> out.notes[0][:60]
    'The log holds no incident of any type in July 2022 to Septem'
    """
    from scpb_analysis.reference.partnership_schema import CONTROL_ROOM_24_7_FROM

    for column in ("occurred_at", "incident_type"):
        if column not in cctv.columns:
            raise ValueError(f"the CCTV table lacks column '{column}'; expected the cctv table "
                             "of scpb_analysis.sources.partnership.load_partnership_period")
    chosen = tuple(CCTV_VIOLENCE_TYPES) if types is None else tuple(types)
    vocabulary = _incident_types()
    bad = [t for t in chosen if t not in vocabulary]
    if bad or not chosen:
        raise ValueError(f"incident type(s) {', '.join(bad) or '(none given)'} not in the CCTV "
                         f"vocabulary (reference/partnership_values.csv: "
                         f"{', '.join(sorted(vocabulary))})")
    when = pd.to_datetime(cctv["occurred_at"])
    if when.isna().any():
        i = int(np.flatnonzero(when.isna().to_numpy())[0])
        raise ValueError(f"CCTV row {_row_of(cctv, i)}: no date/time in 'occurred_at'")
    if "hour" in cctv.columns:
        wrong = cctv["hour"].to_numpy() != when.dt.hour.to_numpy()
        if wrong.any():
            i = int(np.flatnonzero(wrong)[0])
            raise ValueError(f"CCTV row {_row_of(cctv, i)}: 'hour' {cctv['hour'].iloc[i]} is not "
                             f"the hour of 'occurred_at' ({when.iloc[i]})")
    month = when.dt.to_period("M")
    first = to_month(start) if start is not None else month.min()
    last = to_month(end) if end is not None else month.max()
    if pd.isna(first) or pd.isna(last) or first > last:
        raise ValueError("the CCTV table holds no incidents in the months asked for")
    span = pd.period_range(first, last, freq="M")
    logged = set(month[(month >= first) & (month <= last)])
    covered = [m for m in span if m in logged]
    uncovered = [m for m in span if m not in logged]
    notes = []
    if uncovered:
        notes.append(f"The log holds no incident of any type in {month_ranges(uncovered)}: read "
                     "as months it does not cover, left out, not as months without violence.")
    inside = month.isin(covered) & cctv["incident_type"].isin(chosen).to_numpy()
    times = when[inside.to_numpy()]
    slot_open = np.array([_staffed(t.normalize(), t.hour) for t in times], dtype=bool)
    closed = times[~slot_open]
    set_aside = pd.DataFrame({
        "reason": [f"logged in an hour the control room was not staffed "
                   f"({', '.join(sorted({f'{t:%H:%M}' for t in closed}))} before "
                   f"{CONTROL_ROOM_24_7_FROM:%d %B %Y})"] if len(closed) else [],
        "count": [len(closed)] if len(closed) else []}).astype({"count": "int64"})
    counted = times[slot_open]

    days = pd.DatetimeIndex([d for m in covered
                             for d in pd.date_range(m.start_time, m.end_time.normalize())])
    exposure = np.zeros((7, 24), dtype=np.int64)
    for day in days:
        for hour in range(24):
            if _staffed(day, hour):
                exposure[day.day_of_week, hour] += 1
    observed = np.zeros((7, 24), dtype=np.int64)
    np.add.at(observed, (counted.dt.day_of_week.to_numpy(), counted.dt.hour.to_numpy()), 1)
    total = int(observed.sum())

    def rate(count: np.ndarray, hours: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(hours > 0, count / np.where(hours > 0, hours, 1) * 100, np.nan)

    def share(count: np.ndarray) -> np.ndarray:
        return count / total if total else np.full(count.shape, np.nan)

    wd, hr = np.meshgrid(range(7), range(24), indexing="ij")
    table = pd.DataFrame({
        "weekday": wd.ravel(), "weekday_name": [WEEKDAYS[d] for d in wd.ravel()],
        "hour": hr.ravel(), "hour_label": [_hour_label(h) for h in hr.ravel()],
        "count": observed.ravel(), "share": share(observed.ravel()),
        "staffed_hours": exposure.ravel(), "per_100_hours": rate(observed.ravel(),
                                                                 exposure.ravel())})
    by_hour = pd.DataFrame({"hour": range(24), "hour_label": [_hour_label(h) for h in range(24)],
                            "count": observed.sum(0), "share": share(observed.sum(0)),
                            "staffed_hours": exposure.sum(0),
                            "per_100_hours": rate(observed.sum(0), exposure.sum(0))})
    by_weekday = pd.DataFrame({"weekday": range(7), "weekday_name": WEEKDAYS,
                               "count": observed.sum(1), "share": share(observed.sum(1)),
                               "staffed_hours": exposure.sum(1),
                               "per_100_hours": rate(observed.sum(1), exposure.sum(1))})
    tests = pd.DataFrame([
        _chi_square(observed.sum(0), exposure.sum(0), "hour of day"),
        _chi_square(observed.sum(1), exposure.sum(1), "weekday"),
        _chi_square(observed.ravel(), exposure.ravel(), "hour of day by weekday"),
    ], columns=["test", "chi_square", "df", "p_value", "min_expected", "status"])
    text = _hour_text(by_hour, by_weekday, tests, chosen, covered, set_aside, alpha)
    return HourWeekdayProfile(table, by_hour, by_weekday, tests, set_aside, text, chosen, notes)


def _incident_types() -> set[str]:
    from scpb_analysis.reference.packaged import read_packaged_csv

    values = read_packaged_csv("partnership_values.csv", dtype=str, keep_default_na=False)
    return set(values.loc[values["field"] == "incident_type", "value"])


def _row_of(frame: pd.DataFrame, i: int) -> Any:
    return frame["source_row"].iloc[i] if "source_row" in frame.columns else i


def _hour_text(by_hour: pd.DataFrame, by_weekday: pd.DataFrame, tests: pd.DataFrame,
               types: tuple[str, ...], covered: list[pd.Period], set_aside: pd.DataFrame,
               alpha: float) -> str:
    total = int(by_hour["count"].sum())
    one_run = (covered[-1] - covered[0]).n == len(covered) - 1
    span = (f"from {month_label(covered[0])} to {month_label(covered[-1])}" if one_run
            else f"in {month_ranges(covered)}")
    text = (f"The CCTV control room logged {total:,} violence-related incidents "
            f"({', '.join(types)}) {span}. It was staffed 12:00 to 04:00 until 31 August "
            "2022 and around the clock from 1 September 2022, so hours are compared by "
            "incidents per 100 hours staffed, not by raw counts.")
    if total == 0:
        return text
    results = tests.set_index("test")
    for what, table, key, label in (("hour of day", by_hour, "hour_label", "hours"),
                                    ("weekday", by_weekday, "weekday_name", "days")):
        row = results.loc[what]
        if row["status"] != "computed":
            text += (f" By {what}: {row['status']} (too few incidents to test), so no "
                     f"{label} are singled out.")
            continue
        stats = (f"chi-square {round_half_up(row['chi_square'], 1):.1f} on {int(row['df'])} "
                 f"degrees of freedom, {_p_text(row['p_value'])}")
        if row["p_value"] < alpha:
            top = table.dropna(subset=["per_100_hours"]).nlargest(3 if what == "hour of day"
                                                                  else 2, "per_100_hours")
            listed = ", ".join(f"{r[key]} ({round_half_up(r['per_100_hours'], 1):.1f})"
                               for _, r in top.iterrows())
            text += (f" By {what}, incidents are spread less evenly than chance would give "
                     f"({stats}); the busiest {label} per 100 staffed hours: {listed}.")
        else:
            text += (f" By {what}, the spread is no more uneven than chance would give "
                     f"({stats}).")
    if len(set_aside):
        n = int(set_aside["count"].sum())
        text += (f" {counted(n, 'incident')} logged in an hour the room was not staffed "
                 f"{'is' if n == 1 else 'are'} not counted.")
    text += (" These are incidents the operators saw or were asked to watch in the public "
             "places the cameras cover, not all violence.")
    return text


# ---------------------------------------------------------------------------------------------
# What the public data cannot tell


_GAP_COLUMNS = ["question", "answerable", "why", "dataset_needed", "owner"]


def timing_gaps(kind: str, has_cctv: bool) -> pd.DataFrame:
    """What the data cannot tell about when violence happens: one row per question.

    Parameters
    ----------
    kind : {"london", "policeuk"}
        The area's recorded crime: MPS files (London) or police.uk.
    has_cctv : bool
        Whether the partnership's CCTV control-room log is in the data.

    Returns
    -------
    DataFrame
        ``question, answerable, why, dataset_needed, owner``; ``answerable`` is ``yes``,
        ``in part`` or ``no``.

    Examples
    --------
    >>> gaps = timing_gaps("policeuk", has_cctv=False)
    >>> gaps.loc[gaps["question"].str.startswith("At what time"), "answerable"].item()
    'no'
    """
    if kind not in ("london", "policeuk"):
        raise ValueError(f"kind must be 'london' or 'policeuk'; got {kind!r}")
    force = ("the MPS (CRIS to January 2024, CONNECT from February 2024)" if kind == "london"
             else "the police force's records management system (e.g. Niche or Athena)")
    owner = ("MPS BCU and MOPAC analysts" if kind == "london"
             else "the police force's analysts")
    extract = (f"Offence-level extract from {force} with the date and time (or time range) "
               "each offence was committed, offence type, location type and victim age")
    months_only = ("The MPS borough, ward and LSOA files count offences by month only"
                   if kind == "london" else "police.uk street-level files give the month only")
    cctv_part = ("The CCTV control-room log gives the hour and day of the incidents its "
                 "operators saw in public places on camera (shown above), not of all violence"
                 if has_cctv else "No partnership CCTV log is in the data")
    rows = [
        ("Which months of the year see most violence?", "yes" if kind == "london" else
         "in part",
         months_only + ("; enough complete years to test a seasonal pattern (above)"
                        if kind == "london" else "; police.uk files on the data cover few "
                        "complete years, and a missing month breaks a year"),
         "none: the public files answer it" if kind == "london" else "police.uk files for "
         "every month of at least two full calendar years",
         "not needed" if kind == "london" else "police.uk (data.police.uk archive)"),
        ("At what time of day does violence happen?", "in part" if has_cctv else "no",
         f"{months_only}, no day or time. {cctv_part}", extract, owner),
        ("On which days of the week does violence happen?", "in part" if has_cctv else "no",
         f"{months_only}, no date. {cctv_part}", extract, owner),
        ("Is violence concentrated in the night-time economy (evenings, weekends, near "
         "licensed premises)?", "no",
         f"{months_only}, with no time or place type; the CCTV log covers camera locations only",
         extract + ", joined to the licensing register", owner + "; council licensing team"),
        ("When are people injured in assaults treated (A&E attendances by hour)?", "no",
         "Hospital data are not public at this level",
         "Information Sharing to Tackle Violence (ISTV) data: A&E assault attendances with "
         "date, time, location and weapon", "the local NHS trusts' emergency departments "
         "(through the integrated care board)"),
        ("How long after the offence is violence against women and girls reported?",
         "in part" if kind == "london" else "no",
         ("The MPS VAWG file gives the month recorded and the month committed of VAWG "
          "offences (the delay is shown above, in whole months); no days, and nothing for "
          "other violence" if kind == "london" else
          "police.uk gives one month per crime and no committed date"),
         extract.replace("committed", "committed and recorded"), owner),
    ]
    return pd.DataFrame(rows, columns=_GAP_COLUMNS)


def seasonality_findings(block: SeasonalityBlock, label: str, *,
                         table: str = "needs_assessment_seasonality",
                         alpha: float = 0.05) -> list:
    """A key finding from the month-of-year pattern, only when the test finds one.

    It quotes the peak and trough months' seasonal index from ``table``
    (:class:`~scpb_analysis.blocks.sv_findings.Finding`).

    Examples
    --------
    >>> t = pd.DataFrame({"month_name": ["January", "July"], "seasonal_index": [0.911, 1.1],
    ...                   "vs_average_day_pct": [-8.9, 10.0], "years_used": ["2011 to 2022"] * 2})
    >>> b = SeasonalityBlock(t, "", {"p_value": 0.014}, list(range(2011, 2023)), True)
    >>> print(seasonality_findings(b, "Violence with injury")[0].text)
    Violence with injury is seasonal (2011 to 2022): July has the most offences per day \
(+10.0% on the average day), January the fewest (-8.9%).
    """
    from scpb_analysis.blocks.sv_findings import Finding

    if not block.available or not block.test.get("p_value", 1) < alpha:
        return []
    frame = block.table
    peak = frame.loc[frame["seasonal_index"].idxmax()]
    trough = frame.loc[frame["seasonal_index"].idxmin()]

    def shown(pct: float) -> str:
        return f"{round_half_up(pct, 1):+.1f}%"

    text = (f"{label} is seasonal ({peak['years_used']}): {peak['month_name']} has the most "
            f"offences per day ({shown(peak['vs_average_day_pct'])} on the average day), "
            f"{trough['month_name']} the fewest ({shown(trough['vs_average_day_pct'])}).")
    return [Finding("When", text, table, tuple(
        ({"month_name": row["month_name"]},
         {"month_name": row["month_name"], "vs_average_day_pct": shown(row["vs_average_day_pct"])})
        for row in (peak, trough)))]
