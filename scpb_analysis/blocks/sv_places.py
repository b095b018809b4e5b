"""Where serious violence happens: rates by deprivation, and hot spots that persist across years.

Two views of the needs assessment's "where" (issue 17, point 3), each a table for the page and
sentences generated from it:

- :func:`deprivation_profile`: violence per 1,000 residents by the national IMD 2019 decile
  and quintile of the area's 2021 LSOAs, and by the area's own (local) quintiles, with 95%
  confidence intervals; then the most deprived fifth against the rest, as a rate ratio with
  its exact interval (:func:`scpb_analysis.stats.deprivation.rate_by_deprivation`). Counts
  by LSOA come from the MPS LSOA Level Crime files in London and from police.uk outside it
  (the same function, a different input). The 12 months must all be in the files: a month
  they do not hold is a gap, never a zero, and the profile is refused naming the months and
  the file that would give them.
- :func:`persistent_hotspots`: for the last three to five 12-month windows ending in the
  period end's month, which wards were hot, and each ward's persistence class after the
  hot-spot persistence classification Chainey teaches (persistent, emerging, intermittent,
  fading, never hot; also Ashby's ``sfhotspot::hotspot_classify``). A window the data do not
  fully cover is left out and named. London's 2014-ward months (before February 2022) are put
  on 2022 wards by the population-weighted crosswalk
  (:func:`scpb_analysis.geo.crosswalk.rebase_ward_series`): those counts are estimates and
  the table says so.

Both take tables (the tidy count tables of :mod:`scpb_analysis.sources`, the LSOA
deprivation table, ward boundaries and populations), never a path.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from scpb_analysis.charts.persistence_map import PERSISTENCE_COLOURS
from scpb_analysis.core.errors import CoverageError
from scpb_analysis.core.periods import Window, month_label, month_ranges, to_month
from scpb_analysis.core.words import counted
from scpb_analysis.reference.geography import area_name
from scpb_analysis.stats.hotspot_stability import CHAINEY_RULES, chainey_class

__all__ = [
    "CLASS_ORDER",
    "HOT_COLUMNS",
    "HOT_RULES",
    "SMALL_FIFTH_SHARE",
    "SMALL_RATIO_COUNT",
    "DeprivationProfile",
    "PersistenceBlock",
    "deprivation_findings",
    "deprivation_profile",
    "hotspot_windows",
    "latest_covered_end",
    "persistence_findings",
    "persistent_hotspots",
]

#: Below this share of the area's residents, England's most deprived fifth is too small a
#: group to lead with: the area's own most deprived fifth of LSOAs is given beside it.
SMALL_FIFTH_SHARE = 0.10

#: Fewer offences than this in the area (most deprived fifth and rest together) give counts
#: but no rates or rate ratio (ONS treats rates from fewer than 20 events as unreliable).
SMALL_RATIO_COUNT = 20

#: The hot-spot rules :func:`persistent_hotspots` knows.
HOT_RULES = ("gi_star", "top_fifth")

#: Persistence classes, in the order the page lists them (the map's classes, defined once).
CLASS_ORDER = tuple(PERSISTENCE_COLOURS)

#: The window columns of the persistence table, latest first (fixed codes, so the page's
#: labels registry can name them; the windows' months are in ``PersistenceBlock.windows``).
HOT_COLUMNS = ("hot_latest", "hot_1y_before", "hot_2y_before", "hot_3y_before",
               "hot_4y_before")

_GI_SEED = 20230719
_MPS_LSOA = "MPS LSOA Level Crime"


# ---------------------------------------------------------------------------------------------
# Shared


def _fmt(value: float, decimals: int = 1) -> str:
    from scpb_analysis.core.rounding import round_half_up

    return f"{round_half_up(value, decimals):,.{decimals}f}"


def _window(end: pd.Period, months: int) -> Window:
    return Window(end - (months - 1), end)


def _check_columns(frame: pd.DataFrame, needed: Sequence[str], what: str, expected: str) -> None:
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise ValueError(f"{what} has no column(s) {', '.join(missing)}; expected {expected}")


def _offence_words(indicators: Sequence[str]) -> str:
    from scpb_analysis.reference.taxonomy import indicator_name

    names = [indicator_name(i).lower() for i in indicators]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _publication(rows: pd.DataFrame) -> str:
    if "publication" in rows.columns and len(rows):
        return "; ".join(sorted({str(p) for p in rows["publication"]}))
    return "the crime table given"


def _not_held_notes(lacking: Sequence[str], where: str, mps_lsoa: bool) -> list[str]:
    """What the counts cannot give: offence groups the files lack, and the dashboard's flagged
    measures (knife crime, gun crime, domestic abuse), which are not separate offence groups."""
    from scpb_analysis.reference.taxonomy import category_table

    if not lacking:
        return []
    categories = category_table()
    coded = set(categories.loc[categories["scheme"] != "mps_dashboard", "indicator"])
    groups = [i for i in lacking if i in coded]
    flagged = [i for i in lacking if i not in coded]
    notes = []
    if groups:
        notes.append(f"Not in {where}, so not in these figures: {_offence_words(groups)}"
                     + (" (the MPS LSOA files hold no sexual offences)" if mps_lsoa else "")
                     + ".")
    if flagged:
        notes.append(f"Not shown separately: {_offence_words(flagged)}, which the MPS counts "
                     "by flagging offences of the groups above and others (a knife crime with "
                     "injury is also a violence with injury), published by borough and ward "
                     f"in its Monthly Crime Dashboard, not in {where}.")
    return notes


def _counts_rows(crime: pd.DataFrame, area_type: str, what: str) -> pd.DataFrame:
    """The rows of one area type with one row per month x area x indicator (refused if not)."""
    _check_columns(crime, ("month", "area_code", "indicator", "count"), what,
                   "a tidy count table (month, area_code, indicator, count)")
    rows = crime
    if "area_type" in rows.columns:
        rows = rows[rows["area_type"] == area_type]
    keys = rows[["month", "area_code", "indicator"]].astype(str)
    dup = keys.duplicated()
    if dup.any():
        first = keys[dup].iloc[0]
        raise ValueError(f"{what} holds {first['indicator']} for {first['area_code']} in "
                         f"{first['month']} twice; expected one publication per month (the "
                         "table PackData gives, not every vintage)")
    counts = pd.to_numeric(rows["count"], errors="coerce")
    bad = counts.isna() | (counts < 0)
    if bad.any():
        where = rows.index[np.flatnonzero(bad.to_numpy())[0]]
        raise ValueError(f"{what}: count must be a number of 0 or more; got "
                         f"{rows.loc[where, 'count']!r} at row {where!r}")
    return rows


def latest_covered_end(months_held, period_end: str | pd.Period, months: int = 12
                       ) -> pd.Period | None:
    """The latest month, at or before ``period_end``, ending a run of ``months`` months all
    held; None if there is none.

    For a source with a gap in the period's 12 months (police.uk for Avon and Somerset lacks
    July and August 2024), the page can show the latest full 12 months instead, saying so.

    Examples
    --------
    >>> held = list(pd.period_range("2023-01", "2024-06", freq="M"))
    >>> held += list(pd.period_range("2024-09", "2024-12", freq="M"))
    >>> latest_covered_end(held, "2024-12")
    Period('2024-06', 'M')
    >>> latest_covered_end(held, "2023-06") is None
    True
    """
    have = {to_month(m) for m in months_held}
    end = to_month(period_end)
    candidates = sorted((m for m in have if m <= end), reverse=True)
    for last in candidates:
        if all(last - k in have for k in range(months)):
            return last
    return None


# ---------------------------------------------------------------------------------------------
# Rates by deprivation


@dataclass(frozen=True)
class DeprivationProfile:
    """Violence by deprivation: rates by group, the most deprived fifth against the rest.

    Attributes
    ----------
    table : DataFrame
        One row per offence x grouping x group: ``indicator, offence, window, view``
        (``national decile``, ``national quintile``, ``local quintile``, ``all``),
        ``group_number`` (1 = most deprived), ``group``, ``lsoas, residents_share, count,
        population, value, lower, upper, confidence, method, status`` (``computed``, or why
        a group has no rate: no LSOA of the area in it).
    ratios : DataFrame
        One row per offence x basis (``national``: the area's LSOAs in England's most
        deprived fifth; ``local``: the area's own most deprived fifth of LSOAs): ``indicator,
        offence, window, quintile_basis, definition, lsoas, residents_share, count,
        population, value, lower, upper, rest_count, rest_population, rest_value, rest_lower,
        rest_upper, rate_ratio, ratio_lower, ratio_upper, status``.
    text : str
        Sentences for the reader, generated from ``ratios``.
    notes : list of str
        What the figures rest on and what was left out (offences the files do not hold,
        LSOAs without a row).
    """

    table: pd.DataFrame
    ratios: pd.DataFrame
    text: str
    notes: list[str] = field(default_factory=list)


_RATIO_COLUMNS = ["indicator", "offence", "window", "quintile_basis", "definition", "lsoas",
                  "residents_share", "count", "population", "value", "lower", "upper",
                  "rest_count", "rest_population", "rest_value", "rest_lower", "rest_upper",
                  "rate_ratio", "ratio_lower", "ratio_upper", "status"]


def _missing_months_reason(rows: pd.DataFrame, window: Window, missing: list[pd.Period],
                           area: str) -> str:
    held = sorted(set(rows["month"]))
    span = (f"they hold {month_label(held[0])} to {month_label(held[-1])}" if held
            else "they hold no months")
    publication = _publication(rows)
    head = (f"the LSOA counts for {area} ({publication}) do not cover the {window.n_months} "
            f"months {window.label}: {span}, and lack {month_ranges(missing)}; a month the "
            "files do not hold is a gap, never a zero")
    if _MPS_LSOA in publication or "publication" not in rows.columns:
        first, last = window.end, window.start + 23
        head += (f". It needs MPS LSOA Level Crime for those months: the London Datastore's "
                 f"'MPS LSOA Level Crime (most recent 24 months)' file of a vintage ending "
                 f"{month_label(first)} to {month_label(last)}, or the MPS LSOA 'Historical' "
                 "file, in mps/lsoa/")
    elif "police.uk" in publication:
        head += (f". It needs the police.uk street-level files of those months "
                 f"(YYYY-MM-<force>-street.csv for {month_ranges(missing)}) in policeuk/")
    return head


def _group_rows(lsoas: pd.DataFrame, column: str, groups: int, view: str, noun: str,
                multiplier: float, confidence: float) -> list[dict]:
    from scpb_analysis.stats.rates import crude_rate

    total_pop = float(lsoas["population"].sum())
    out = []
    for number in range(1, groups + 1):
        part = lsoas[lsoas[column] == number]
        label = f"{noun} {number}" + (" (most deprived)" if number == 1 else
                                      " (least deprived)" if number == groups else "")
        row = {"view": view, "group_number": number, "group": label, "lsoas": len(part),
               "residents_share": float(part["population"].sum()) / total_pop}
        if part.empty:
            row.update(count=pd.NA, population=0, value=math.nan, lower=math.nan,
                       upper=math.nan, confidence=confidence, method="",
                       status="no LSOA of the area is in this group")
        else:
            rate = crude_rate(int(part["count"].sum()), float(part["population"].sum()),
                              multiplier=multiplier, confidence=confidence).iloc[0]
            row.update(count=int(rate["count"]), population=int(part["population"].sum()),
                       value=rate["value"], lower=rate["lower"], upper=rate["upper"],
                       confidence=confidence, method=rate["method"], status="computed")
        out.append(row)
    return out


def _ratio_row(counts: pd.DataFrame, lsoas: pd.DataFrame, name: str, basis: str,
               multiplier: float, confidence: float) -> dict:
    from scpb_analysis.stats.deprivation import rate_by_deprivation

    quintile = "borough" if basis == "local" else "national"
    column = "borough_quintile" if basis == "local" else "imd_quintile"
    share = float(lsoas.loc[lsoas[column] == 1, "population"].sum() / lsoas["population"].sum())
    try:
        pair = rate_by_deprivation(counts, lsoas, name, quintile_basis=quintile,
                                   multiplier=multiplier, confidence=confidence)
    except ValueError as exc:
        if "most deprived IMD 2019 quintile" not in str(exc):
            raise
        return {"quintile_basis": basis, "definition": f"no LSOA of {name} is in England's "
                "most deprived fifth by IMD 2019 rank", "lsoas": 0, "residents_share": 0.0,
                "status": f"not available: no LSOA of {name} is in England's most deprived "
                "fifth"}
    most, rest = pair.iloc[0], pair.iloc[1]
    total = int(most["count"]) + int(rest["count"])
    if total < SMALL_RATIO_COUNT:
        # A handful of offences (homicide) gives a ratio anywhere from 0 to hundreds: the
        # counts are shown, the ratio is not.
        return {"quintile_basis": basis, "definition": most["definition"],
                "lsoas": int(most["lsoas"]), "residents_share": share,
                "count": int(most["count"]), "population": int(most["population"]),
                "rest_count": int(rest["count"]), "rest_population": int(rest["population"]),
                "status": f"small numbers: {total} offences in all, under "
                          f"{SMALL_RATIO_COUNT}, so no rate or rate ratio"}
    return {"quintile_basis": basis, "definition": most["definition"],
            "lsoas": int(most["lsoas"]), "residents_share": share,
            "count": int(most["count"]), "population": int(most["population"]),
            "value": most["value"], "lower": most["lower"], "upper": most["upper"],
            "rest_count": int(rest["count"]), "rest_population": int(rest["population"]),
            "rest_value": rest["value"], "rest_lower": rest["lower"],
            "rest_upper": rest["upper"], "rate_ratio": most["rate_ratio"],
            "ratio_lower": most["ratio_lower"], "ratio_upper": most["ratio_upper"],
            "status": "computed"}


def deprivation_profile(lsoa_crime: pd.DataFrame, lsoas: pd.DataFrame, area: str,
                        period_end: str | pd.Period, indicators: Sequence[str], *,
                        months: int = 12, multiplier: float = 1000,
                        confidence: float = 0.95) -> DeprivationProfile:
    """Violence per 1,000 residents by IMD 2019 decile and quintile, and the most deprived
    fifth against the rest, for the 12 months to the period end.

    Counts by 2021 LSOA over the window are summed over the area's LSOAs in each national
    IMD 2019 decile and quintile (England's deciles and fifths by rank) and in each of the
    area's own quintiles (its LSOAs ranked among themselves), and divided by Census 2021
    residents (exact Poisson limits below 10 offences, Byar's from 10:
    :func:`~scpb_analysis.stats.rates.crude_rate`). The most deprived fifth is set against the
    rest of the area by :func:`~scpb_analysis.stats.deprivation.rate_by_deprivation` (rate
    ratio with exact conditional limits), on both bases. Each offence is given alone and,
    with more than one, all together.

    Parameters
    ----------
    lsoa_crime : DataFrame
        The area's tidy LSOA counts: ``month, area_code`` (2021 LSOA), ``indicator, count``
        and, if present, ``area_type`` (``lsoa`` rows are read) and ``publication``
        (:meth:`scpb_analysis.pack.data.PackData.lsoa_crime`: the MPS LSOA files in London,
        police.uk's LSOA counts outside).
    lsoas : DataFrame
        The area's 2021 LSOAs with ``imd_decile, imd_quintile, borough_quintile`` and
        ``population`` (:meth:`~scpb_analysis.pack.data.PackData.lsoa_deprivation`).
    area : str
        The borough or local authority.
    period_end : str or Period
        The last month of the window.
    indicators : sequence of str
        The offences (taxonomy ids), e.g. the in-scope groups of the local definition; those
        the LSOA counts do not hold at all are named in ``notes`` and left out.
    months : int, default 12
    multiplier : float, default 1000
    confidence : float, default 0.95

    Returns
    -------
    DeprivationProfile

    Raises
    ------
    CoverageError
        If the counts lack a month of the window (naming the months and the file needed).
    ValueError
        If the tables lack columns, hold a month x LSOA x offence twice, hold LSOAs that are
        not the area's, or none of ``indicators``.

    Examples
    --------
    >>> lsoas = pd.DataFrame({"lsoa_code": ["A", "B", "C", "D", "E"],
    ...     "lsoa11_codes": ["A", "B", "C", "D", "E"], "imd_decile": [1, 3, 5, 7, 9],
    ...     "imd_quintile": [1, 2, 3, 4, 5], "borough_quintile": [1, 2, 3, 4, 5],
    ...     "population": [1500] * 5})
    >>> crime = pd.DataFrame({"month": pd.Period("2023-05", "M"), "area_code": list("ABCDE"),
    ...     "indicator": "violence_with_injury", "count": [30, 12, 9, 6, 3]})
    >>> out = deprivation_profile(crime, lsoas, "Camden", "2023-05", ["violence_with_injury"],
    ...                           months=1)
    >>> out.ratios[["quintile_basis", "count", "rest_count", "rate_ratio"]]
      quintile_basis  count  rest_count  rate_ratio
    0       national     30          30         4.0
    1          local     30          30         4.0
    """
    from scpb_analysis.reference.taxonomy import indicator_name
    from scpb_analysis.stats.rates import crude_rate

    name = area_name(area)
    end = to_month(period_end)
    window = _window(end, months)
    _check_columns(lsoas, ("lsoa_code", "imd_decile", "imd_quintile", "borough_quintile",
                           "population"), "lsoas",
                   "the area's LSOAs with IMD 2019 and Census 2021 residents "
                   "(PackData.lsoa_deprivation)")
    rows = _counts_rows(lsoa_crime, "lsoa", "the LSOA crime table")
    foreign = sorted(set(rows["area_code"].astype(str)) - set(lsoas["lsoa_code"]))
    if foreign:
        raise ValueError(f"the LSOA crime table holds {len(foreign)} LSOA(s) that are not "
                         f"{name}'s 2021 LSOAs: {', '.join(foreign[:5])}"
                         f"{', ...' if len(foreign) > 5 else ''}; pass the area's rows only")
    missing = [m for m in window.months if m not in set(rows["month"])]
    if missing:
        raise CoverageError(_missing_months_reason(rows, window, missing, name))

    inside = rows[rows["month"].isin(set(window.months))]
    held = [i for i in dict.fromkeys(indicators) if (inside["indicator"] == i).any()]
    lacking = [i for i in dict.fromkeys(indicators) if i not in held]
    notes = _not_held_notes(lacking, f"the LSOA counts ({_publication(rows)})",
                            _MPS_LSOA in _publication(rows))
    if not held:
        raise ValueError(f"the LSOA crime table holds none of {', '.join(indicators)} in "
                         f"{window.label}; it holds {', '.join(sorted(set(rows['indicator'])))}")
    no_rows = sorted(set(lsoas["lsoa_code"]) - set(inside["area_code"]))
    if no_rows:
        notes.append(f"{len(no_rows)} of {name}'s {len(lsoas)} LSOAs have no row in the files "
                     f"for {window.label} and count 0 (the publisher leaves out LSOAs with "
                     "nothing recorded).")

    sets: list[tuple[str, str, list[str]]] = [(i, indicator_name(i), [i]) for i in held]
    if len(held) > 1:
        words = _offence_words(held)
        sets.append(("+".join(held), f"{words[:1].upper()}{words[1:]}, together", held))
    table_parts, ratio_rows = [], []
    for code, offence, ids in sets:
        per_lsoa = (inside[inside["indicator"].isin(ids)].groupby("area_code")["count"].sum())
        frame = lsoas.copy()
        frame["count"] = frame["lsoa_code"].map(per_lsoa).fillna(0)
        if not np.allclose(frame["count"], np.round(frame["count"])):
            raise ValueError("the LSOA counts must be whole numbers of offences")
        frame["count"] = frame["count"].round().astype("int64")
        groups = (_group_rows(frame, "imd_decile", 10, "national decile", "decile",
                              multiplier, confidence)
                  + _group_rows(frame, "imd_quintile", 5, "national quintile", "quintile",
                                multiplier, confidence)
                  + _group_rows(frame, "borough_quintile", 5, "local quintile",
                                f"{name} quintile", multiplier, confidence))
        whole = crude_rate(int(frame["count"].sum()), float(frame["population"].sum()),
                           multiplier=multiplier, confidence=confidence).iloc[0]
        groups.append({"view": "all", "group_number": 0, "group": f"all of {name}",
                       "lsoas": len(frame), "residents_share": 1.0, "count": int(whole["count"]),
                       "population": int(frame["population"].sum()), "value": whole["value"],
                       "lower": whole["lower"], "upper": whole["upper"],
                       "confidence": confidence, "method": whole["method"],
                       "status": "computed"})
        part = pd.DataFrame(groups)
        part.insert(0, "window", window.label)
        part.insert(0, "offence", offence)
        part.insert(0, "indicator", code)
        table_parts.append(part)
        counts = frame[["lsoa_code", "count"]]
        for basis in ("national", "local"):
            ratio_rows.append({"indicator": code, "offence": offence, "window": window.label,
                               **_ratio_row(counts, frame, name, basis, multiplier,
                                            confidence)})
    table = pd.concat(table_parts, ignore_index=True)
    table["count"] = table["count"].astype("Int64")
    ratios = pd.DataFrame(ratio_rows).reindex(columns=_RATIO_COLUMNS)
    for column in ("count", "population", "rest_count", "rest_population"):
        ratios[column] = ratios[column].astype("Int64")
    population_source = "Census 2021 usual residents (ONS TS007A) by LSOA (2021)"
    notes.insert(0, f"Offences by LSOA (2021) from {_publication(inside)}, {window.label}; "
                 f"residents: {population_source}; deprivation: English Indices of "
                 "Deprivation 2019, carried from 2011 to 2021 LSOAs by the ONS exact-fit "
                 "lookup. Rates per 1,000 residents with 95% confidence intervals (exact "
                 "Poisson below 10 offences, Byar's approximation from 10); rate ratios with "
                 "exact conditional limits.")
    return DeprivationProfile(table, ratios, _deprivation_text(ratios, table, name, window),
                              notes)


def _ratio_sentence(row: pd.Series, name: str, lead: str) -> str:
    verdict = ("higher beyond what chance would explain" if row["ratio_lower"] > 1 else
               "lower beyond what chance would explain" if row["ratio_upper"] < 1 else
               "not distinguishable from the rest once chance is allowed for")
    times = (f"{_fmt(row['rate_ratio'], 2)} times the rate (95% CI {_fmt(row['ratio_lower'], 2)} "
             f"to {_fmt(row['ratio_upper'], 2)})")
    return (f"{lead} {_fmt(row['value'])} per 1,000 residents (95% CI {_fmt(row['lower'])} to "
            f"{_fmt(row['upper'])}; {row['count']:,} offences) against {_fmt(row['rest_value'])} "
            f"in the rest of {name} ({row['rest_count']:,} offences): {times}, "
            f"{verdict}.")


def _deprivation_text(ratios: pd.DataFrame, table: pd.DataFrame, name: str,
                      window: Window) -> str:
    code = ratios["indicator"].iloc[-1]
    mine = ratios[ratios["indicator"] == code].set_index("quintile_basis")
    offence = _offence_words(code.split("+"))
    national, local = mine.loc["national"], mine.loc["local"]
    whole = table[(table["indicator"] == code) & (table["view"] == "all")].iloc[0]
    parts = [f"From {window.label}, {offence} in {name} were recorded at {_fmt(whole['value'])} "
             f"per 1,000 residents ({whole['count']:,} offences)."]
    small = national["status"] != "computed" or national["residents_share"] < SMALL_FIFTH_SHARE
    if national["status"] == "computed":
        share = f"{_fmt(100 * national['residents_share'])}% of {name}'s residents"
        parts.append(_ratio_sentence(
            national, name, f"In the {int(national['lsoas'])} LSOAs of {name} in England's most "
            f"deprived fifth (national IMD 2019 quintile 1; {share}), the rate was"))
    else:
        parts.append(f"No LSOA of {name} is in England's most deprived fifth by IMD 2019 rank.")
    if small:
        why = (f"England's most deprived fifth holds under {SMALL_FIFTH_SHARE:.0%} of "
               f"{name}'s residents, so" if national["status"] == "computed" else "So")
        parts.append(_ratio_sentence(
            local, name, f"{why} {name}'s own most deprived fifth is shown too: in those "
            f"{int(local['lsoas'])} LSOAs (the most deprived fifth of {name}'s LSOAs by IMD "
            "2019 rank, local quintile 1) the rate was"))
    deciles = table[(table["indicator"] == code) & (table["view"] == "national decile")]
    empty = deciles.loc[deciles["lsoas"] == 0, "group_number"].tolist()
    if empty:
        parts.append(f"No LSOA of {name} is in national decile"
                     f"{'s' if len(empty) > 1 else ''} "
                     f"{', '.join(str(n) for n in empty)}, so those deciles have no rate.")
    return " ".join(parts)


# ---------------------------------------------------------------------------------------------
# Hot spots that persist


@dataclass(frozen=True)
class PersistenceBlock:
    """Ward hot spots across years and each ward's persistence class.

    Attributes
    ----------
    table : DataFrame
        One row per ward: ``ward_code, ward_name``, ``value`` (rate per 1,000 in the latest
        window), one ``hot_*`` column per window used (:data:`HOT_COLUMNS`, latest first:
        True if the ward was hot), ``windows_hot, windows_used`` and ``persistence`` (one of
        :data:`CLASS_ORDER`); persistent wards first.
    windows : DataFrame
        One row per window asked for, oldest first: ``window`` (months in words),
        ``column`` (its ``hot_*`` column, empty if left out), ``start, end, status``
        (``used`` or ``left out``), ``detail`` (why left out; or how many months were
        apportioned from 2014 wards), ``estimated`` and ``n_wards`` hot.
    detail : DataFrame
        One row per ward x window used: ``ward_code, ward_name, window, count, population,
        value, hot`` and the rule's statistic (``z, p_fdr`` for Gi*, ``rank`` for the top
        fifth), ``estimated``.
    text : str
        Sentences for the reader, generated from ``table`` and ``windows``.
    method : str
        The hot-spot rule and the classification, in words.
    """

    table: pd.DataFrame
    windows: pd.DataFrame
    detail: pd.DataFrame
    text: str
    method: str


def hotspot_windows(period_end: str | pd.Period, n_windows: int = 4,
                    months: int = 12) -> list[Window]:
    """The ``n_windows`` consecutive ``months``-month windows ending in ``period_end``'s
    month, oldest first.

    Examples
    --------
    >>> [w.label for w in hotspot_windows("2025-02", 2)]
    ['March 2023 to February 2024', 'March 2024 to February 2025']
    """
    if isinstance(n_windows, bool) or not isinstance(n_windows, int) or not 2 <= n_windows <= 5:
        raise ValueError(f"n_windows must be a whole number from 2 to 5; got {n_windows!r}")
    end = to_month(period_end)
    return [_window(end - months * k, months) for k in reversed(range(n_windows))]


def _classify(hot: Sequence[bool]) -> str:
    """Persistence class of one ward from its hot flags, oldest window first.

    The rules are :func:`scpb_analysis.stats.hotspot_stability.chainey_class`, held once there.

    >>> [_classify(h) for h in ([1, 1, 1, 1], [0, 1, 0, 1], [0, 0, 0, 1], [1, 1, 0, 0],
    ...                         [0, 0, 0, 0], [1, 0, 1])]
    ['persistent', 'intermittent', 'emerging', 'fading', 'never hot', 'persistent']
    """
    return chainey_class(hot)


_CLASS_RULES = CHAINEY_RULES


def _rule_words(rule: str, alpha: float, permutations: int) -> str:
    if rule == "gi_star":
        return (f"a significant Getis-Ord Gi* hot spot of the ward rate per 1,000 residents "
                f"(Queen contiguity, {permutations} permutations, false discovery rate "
                f"{alpha:g} across the wards)")
    return ("among the highest fifth of the wards by rate per 1,000 residents (the ceiling "
            "of a fifth of the wards; wards tied with the last are included)")


def _hot_top_fifth(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    ranks = values.rank(method="min", ascending=False).to_numpy()
    cut = math.ceil(len(values) / 5)
    return ranks <= cut, ranks


def _prepare_ward_rows(ward_crime: pd.DataFrame, indicators: Sequence[str],
                       codes: set[str], crosswalk: pd.DataFrame | None,
                       ) -> tuple[pd.DataFrame, list[str]]:
    rows = _counts_rows(ward_crime, "ward", "the ward crime table")
    wanted = list(dict.fromkeys(indicators))
    lacking = [i for i in wanted if not (rows["indicator"] == i).any()]
    rows = rows[rows["indicator"].isin(wanted)]
    if rows.empty:
        raise ValueError(f"the ward crime table holds none of {', '.join(wanted)}")
    keep = ["month", "area_code", "indicator", "count"]
    rows = rows[keep].copy()
    rows["area_code"] = rows["area_code"].astype(str)
    rows["count"] = rows["count"].astype(float)
    foreign = ~rows["area_code"].isin(codes)
    if foreign.any() and crosswalk is not None:
        import warnings

        from scpb_analysis.geo.crosswalk import rebase_ward_series

        with warnings.catch_warnings():
            # Codes in neither scheme stay 'unmatched' and are reported below, not dropped.
            warnings.simplefilter("ignore")
            moved = rebase_ward_series(rows.assign(area_name=""), crosswalk)
        rows = moved[["month", "area_code", "indicator", "count", "estimated"]]
        rows = rows.assign(foreign=~rows["area_code"].isin(codes))
    else:
        rows = rows.assign(estimated=False, foreign=foreign.to_numpy())
    return rows, lacking


def _window_status(rows: pd.DataFrame, window: Window, codes: set[str],
                   crosswalk_given: bool) -> tuple[str, str, bool]:
    months = set(window.months)
    inside = rows[rows["month"].isin(months)]
    missing = sorted(months - set(inside["month"]))
    if missing:
        return "left out", f"the ward counts lack {month_ranges(missing)}", False
    other = sorted(set(inside.loc[inside["foreign"], "month"]))
    if other:
        how = ("their ward codes are in neither the map's wards nor the crosswalk"
               if crosswalk_given else "they are on other ward codes (2014 wards?) and no "
               "crosswalk to the map's wards was given")
        return "left out", f"{month_ranges(other)}: {how}", False
    absent = sorted(codes - set(inside["area_code"]))
    if absent:
        return ("left out", f"the ward counts hold no row for {counted(len(absent), 'ward')} "
                f"({', '.join(absent[:3])}) in these months", False)
    apportioned = sorted(set(inside.loc[inside["estimated"].astype(bool), "month"]))
    if apportioned:
        return ("used", f"counts for {month_ranges(apportioned)} are on 2014 wards, "
                "apportioned to the map's wards by residents (estimates)", True)
    return "used", "", False


def persistent_hotspots(ward_crime: pd.DataFrame, wards, population: pd.DataFrame,
                        period_end: str | pd.Period, indicators: Sequence[str], *,
                        n_windows: int = 4, crosswalk: pd.DataFrame | None = None,
                        rule: str = "top_fifth",
                        min_windows: int = 3, permutations: int = 999, alpha: float = 0.05,
                        seed: int = _GI_SEED) -> PersistenceBlock:
    """Which wards were hot in each of the last ``n_windows`` years, and how persistently.

    For each 12-month window ending in the period end's month (and one, two, ... years
    before), the offences of ``indicators`` are summed by ward and divided by Census
    2021 residents; a ward is *hot* in a window if its rate is among the highest fifth of the
    wards (``rule="top_fifth"``, the default: the simpler rule Chainey uses), or, with
    ``rule="gi_star"``, if it is a significant Getis-Ord Gi* hot spot of that rate after a
    false-discovery-rate correction across the wards
    (:func:`~scpb_analysis.stats.hotspots.getis_ord_hotspots`). The top fifth is the default
    because with two dozen wards the corrected Gi* test finds no hot spot at all in Barnet in
    any year from 2020 to 2025, which would class every ward "never hot" and say nothing about
    persistence; Gi* stays available for areas with more wards. Each ward is then classed:
    **persistent** (hot in the latest window and in more than half of the windows),
    **emerging** (hot in the latest only), **intermittent** (hot in the latest and some
    earlier, not more than half), **fading** (hot before, not in the latest) or **never
    hot**. Each window is judged on its own wards, so a change in
    recording between years (the MPS's move to CONNECT in February 2024) moves every ward
    alike and does not make one hot.

    A window is used only if the ward counts hold every one of its months, on the map's
    wards or (with ``crosswalk``) on 2014 wards apportioned to them; windows that are not are
    left out and named. The latest window must be usable, and at least ``min_windows`` in all.

    Parameters
    ----------
    ward_crime : DataFrame
        The area's tidy ward counts (``month, area_code, indicator, count``, ``area_type``
        ``ward``): :meth:`scpb_analysis.pack.data.PackData.ward_crime`.
    wards : GeoDataFrame
        The map's wards (``ward_code, ward_name, geometry``, projected CRS).
    population : DataFrame
        ``ward_code, population`` for every ward of ``wards`` (Census 2021 residents).
    period_end : str or Period
    indicators : sequence of str
        Offences summed (taxonomy ids), e.g. the in-scope groups the ward files hold.
    n_windows : int, default 4
        Windows (years) asked for, 2 to 5.
    crosswalk : DataFrame, optional
        2014 to 2022 wards (:func:`scpb_analysis.geo.crosswalk.ward_crosswalk`), to use
        windows with months on 2014 wards.
    rule : {"gi_star", "top_fifth"}
    min_windows : int, default 3
    permutations, alpha, seed
        For the Gi* rule.

    Returns
    -------
    PersistenceBlock

    Raises
    ------
    CoverageError
        If the latest window, or fewer than ``min_windows`` windows, can be used (naming each
        window left out and why).
    ValueError
        If the tables lack columns, a ward has no population, or the rule is unknown.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> wards = gpd.GeoDataFrame({"ward_code": list("ABCDE"), "ward_name": list("ABCDE")},
    ...     geometry=[box(i, 0, i + 1, 1) for i in range(5)], crs=27700)
    >>> pop = pd.DataFrame({"ward_code": list("ABCDE"), "population": 1000})
    >>> months = pd.period_range("2021-03", "2024-02", freq="M")
    >>> rates = {"A": [1, 1, 1], "B": [0, 0, 3], "C": [3, 0, 0], "D": [0, 0, 0], "E": [0, 0, 0]}
    >>> crime = pd.DataFrame([{"month": m, "area_code": w, "indicator": "robbery",
    ...     "count": rates[w][(m - months[0]).n // 12] + 1} for m in months for w in rates])
    >>> out = persistent_hotspots(crime, wards, pop, "2024-02", ["robbery"], n_windows=3,
    ...                           rule="top_fifth")
    >>> dict(zip(out.table["ward_code"], out.table["persistence"]))
    {'B': 'emerging', 'A': 'fading', 'C': 'fading', 'D': 'never hot', 'E': 'never hot'}
    """
    if rule not in HOT_RULES:
        raise ValueError(f"rule must be one of {', '.join(HOT_RULES)}; got {rule!r}")
    if not 1 <= min_windows <= n_windows:
        raise ValueError(f"min_windows must be from 1 to n_windows ({n_windows}); got "
                         f"{min_windows!r}")
    windows = hotspot_windows(period_end, n_windows)
    _check_columns(population, ("ward_code", "population"), "population",
                   "ward_code and population (Census 2021 residents by ward)")
    codes = set(wards["ward_code"].astype(str))
    pop = population.assign(ward_code=population["ward_code"].astype(str)).set_index(
        "ward_code")["population"]
    no_pop = sorted(c for c in codes if not (c in pop.index and pop[c] > 0))
    if no_pop:
        raise ValueError(f"population has no residents for ward(s) {', '.join(no_pop[:5])}; "
                         "expected every ward of the map")
    names = wards.assign(ward_code=wards["ward_code"].astype(str)).set_index(
        "ward_code")["ward_name"]
    rows, lacking = _prepare_ward_rows(ward_crime, indicators, codes, crosswalk)

    window_rows, used = [], []
    for window in windows:
        status, detail, estimated = _window_status(rows, window, codes, crosswalk is not None)
        window_rows.append({"window": window.label, "start": window.start, "end": window.end,
                            "status": status, "detail": detail, "estimated": estimated})
        if status == "used":
            used.append(window)
    window_table = pd.DataFrame(window_rows)
    left = window_table[window_table["status"] != "used"]
    if windows[-1] not in used or len(used) < min_windows:
        why = "; ".join(f"{r.window}: {r.detail}" for r in left.itertuples())
        need = ("the latest window" if windows[-1] not in used
                else f"at least {min_windows} windows")
        raise CoverageError(f"hot-spot persistence needs {need} fully covered by the ward "
                            f"counts; {len(used)} of {len(windows)} can be used ({why})")

    detail_parts, flags = [], {}
    for window in used:
        inside = rows[rows["month"].isin(set(window.months))]
        counts = inside.groupby("area_code")["count"].sum().reindex(sorted(codes),
                                                                    fill_value=0.0)
        frame = pd.DataFrame({"ward_code": counts.index, "count": counts.to_numpy()})
        frame["ward_name"] = frame["ward_code"].map(names)
        frame["population"] = frame["ward_code"].map(pop).astype(float)
        frame["value"] = frame["count"] / frame["population"] * 1000
        if rule == "gi_star":
            from scpb_analysis.stats.hotspots import HOT, getis_ord_hotspots

            gi = getis_ord_hotspots(wards, frame[["ward_code", "value"]], column="value",
                                    permutations=permutations, alpha=alpha, seed=seed)
            gi = gi.set_index("ward_code").reindex(frame["ward_code"])
            frame["z"] = gi["z"].to_numpy()
            frame["p_fdr"] = gi["p_fdr"].to_numpy()
            frame["hot"] = (gi["hotspot"] == HOT).to_numpy()
        else:
            frame["hot"], frame["rank"] = _hot_top_fifth(frame["value"])
        frame["window"] = window.label
        frame["estimated"] = bool(window_table.loc[window_table["window"] == window.label,
                                                   "estimated"].iloc[0])
        detail_parts.append(frame)
        flags[window.label] = frame.set_index("ward_code")["hot"]
    detail = pd.concat(detail_parts, ignore_index=True)

    column_of = {w.label: HOT_COLUMNS[(windows[-1].end - w.end).n // 12] for w in used}
    window_table["column"] = window_table["window"].map(column_of).fillna("")
    window_table["n_wards"] = window_table["window"].map(
        {label: int(f.sum()) for label, f in flags.items()}).astype("Int64")
    table = pd.DataFrame({"ward_code": sorted(codes)})
    table["ward_name"] = table["ward_code"].map(names)
    latest = detail[detail["window"] == used[-1].label].set_index("ward_code")["value"]
    table["value"] = table["ward_code"].map(latest)
    for window in reversed(used):
        table[column_of[window.label]] = table["ward_code"].map(flags[window.label]).astype(bool)
    ordered = [flags[w.label].reindex(table["ward_code"]).to_numpy() for w in used]
    hot_matrix = np.column_stack(ordered)
    table["windows_hot"] = hot_matrix.sum(axis=1).astype("int64")
    table["windows_used"] = len(used)
    table["persistence"] = [_classify(r) for r in hot_matrix]
    rank = {c: i for i, c in enumerate(CLASS_ORDER)}
    table = table.sort_values(["persistence", "windows_hot", "value"],
                              key=lambda s: s.map(rank) if s.name == "persistence" else -s,
                              kind="stable").reset_index(drop=True)
    method = (f"Hot in a window: {_rule_words(rule, alpha, permutations)}. Classes (after "
              f"Chainey's hot-spot persistence classification): {_CLASS_RULES}.")
    text = _persistence_text(table, window_table, indicators, lacking, rule, alpha,
                             permutations)
    return PersistenceBlock(table, window_table, detail, text, method)


def _ward_list(names: Sequence[str], limit: int = 8) -> str:
    names = list(names)
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _persistence_text(table: pd.DataFrame, windows: pd.DataFrame, indicators: Sequence[str],
                      lacking: Sequence[str], rule: str, alpha: float,
                      permutations: int) -> str:
    used = windows[windows["status"] == "used"]
    held = [i for i in dict.fromkeys(indicators) if i not in lacking]
    first, last = used["start"].iloc[0], used["end"].iloc[-1]
    count = {2: "two", 3: "three", 4: "four", 5: "five"}.get(len(used), str(len(used)))
    parts = [f"Hot spots of {_offence_words(held)} by ward, year by year: {count} "
             f"12-month windows from {month_label(first)} to {month_label(last)}, each ending "
             f"in {last.strftime('%B')}; a ward is hot in a window if it is "
             f"{_rule_words(rule, alpha, permutations)}."]
    counts = table["persistence"].value_counts()
    words = {"persistent": f"persistent (hot in the latest window and in more than half of "
                           f"the {len(used)})",
             "emerging": "emerging (hot in the latest window only)",
             "intermittent": "intermittent (hot in the latest window and some earlier ones)",
             "fading": "fading (hot earlier, not in the latest window)"}
    found = []
    for cls in CLASS_ORDER[:-1]:
        n = int(counts.get(cls, 0))
        if n:
            wards = table.loc[table["persistence"] == cls, "ward_name"]
            found.append(f"{n} {'ward' if n == 1 else 'wards'} {words[cls]}: "
                         f"{_ward_list(wards)}")
    never = int(counts.get("never hot", 0))
    if found:
        parts.append("; ".join(found) + f"; {never} never hot.")
    else:
        parts.append(f"No ward was hot in any window ({never} wards).")
    per_window = ", ".join(f"{r.window}: {int(r.n_wards)}" for r in used.itertuples())
    parts.append(f"Hot wards per window: {per_window}.")
    estimated = used[used["estimated"]]
    for r in estimated.itertuples():
        parts.append(f"{r.window}: {r.detail}.")
    left = windows[windows["status"] != "used"]
    for r in left.itertuples():
        parts.append(f"Left out: {r.window} ({r.detail}).")
    parts += _not_held_notes(lacking, "the ward counts", False)
    return " ".join(parts)


# ---------------------------------------------------------------------------------------------
# Key findings


def deprivation_findings(profile: DeprivationProfile, area: str, *,
                         table: str = "needs_assessment_deprivation_fifth") -> list:
    """Key findings from :func:`deprivation_profile`: the rate in the most deprived fifth
    against the rest, England's fifth and (where that is small) the area's own.

    Examples
    --------
    >>> r = pd.DataFrame({"indicator": ["violence_with_injury"] * 2,
    ...     "offence": ["violence with injury"] * 2, "window": ["March 2024 to February 2025"] * 2,
    ...     "quintile_basis": ["national", "local"], "lsoas": [7, 44],
    ...     "residents_share": [0.032, 0.2], "value": [7.41, 7.1], "rest_value": [4.58, 4.1],
    ...     "rate_ratio": [1.617, 1.74], "ratio_lower": [1.30, 1.57], "ratio_upper": [2.0, 1.93],
    ...     "status": ["computed"] * 2})
    >>> for f in deprivation_findings(DeprivationProfile(pd.DataFrame(), r, ""), "Barnet"):
    ...     print(f.text)
    Violence with injury in the neighbourhoods of Barnet in England's most deprived fifth: 7.4 \
per 1,000 residents against 4.6 in the rest of Barnet, 1.62 times the rate (95% CI 1.30 to \
2.00), March 2024 to February 2025.
    Violence with injury in the most deprived fifth of neighbourhoods within Barnet: 7.1 per \
1,000 residents against 4.1 in the rest of Barnet, 1.74 times the rate (95% CI 1.57 to 1.93), \
March 2024 to February 2025.
    """
    from scpb_analysis.blocks.sv_findings import Finding

    ratios = profile.ratios
    if ratios.empty:
        return []
    code = ratios["indicator"].iloc[-1]
    mine = ratios[(ratios["indicator"] == code) & (ratios["status"] == "computed")]
    out = []
    where = {"national": f"the neighbourhoods of {area} in England's most deprived fifth",
             "local": f"the most deprived fifth of neighbourhoods within {area}"}
    national = mine[mine["quintile_basis"] == "national"]
    small = national.empty or national["residents_share"].iloc[0] < SMALL_FIFTH_SHARE
    for _, row in mine.iterrows():
        if row["quintile_basis"] == "local" and not small:
            continue
        quoted = {"value": _fmt(row["value"]), "rest_value": _fmt(row["rest_value"]),
                  "rate_ratio": _fmt(row["rate_ratio"], 2),
                  "ratio_lower": _fmt(row["ratio_lower"], 2),
                  "ratio_upper": _fmt(row["ratio_upper"], 2)}
        offence = str(row["offence"])
        text = (f"{offence[0].upper() + offence[1:]} in {where[row['quintile_basis']]}: "
                f"{quoted['value']} per 1,000 residents against {quoted['rest_value']} in the "
                f"rest of {area}, {quoted['rate_ratio']} times the rate (95% CI "
                f"{quoted['ratio_lower']} to {quoted['ratio_upper']}), {row['window']}.")
        out.append(Finding("Where", text, table, (
            ({"indicator": code, "quintile_basis": row["quintile_basis"]}, quoted),),
            context=("per 1,000", "95% CI")))
    return out


def persistence_findings(block: PersistenceBlock, *,
                         table: str = "needs_assessment_hotspot_persistence",
                         what: str = "violence") -> list:
    """Key findings from :func:`persistent_hotspots`: the persistent and the emerging wards
    (hot spots of ``what``).

    Examples
    --------
    >>> t = pd.DataFrame({"ward_name": ["Burnt Oak", "Edgware", "Hale"],
    ...                   "persistence": ["persistent", "emerging", "never hot"]})
    >>> for f in persistence_findings(PersistenceBlock(t, pd.DataFrame(), pd.DataFrame(),
    ...                                                "", "")):
    ...     print(f.text)
    Wards that are persistent hot spots of violence (hot in the latest 12 months and in most \
earlier years): Burnt Oak.
    Wards that are emerging hot spots (hot in the latest 12 months only): Edgware.
    """
    from scpb_analysis.blocks.sv_findings import Finding

    # The violence sentence keeps its published wording; another offence is named in both.
    of = "" if what == "violence" else f" of {what}"
    lead = {"persistent": f"Wards that are persistent hot spots of {what} (hot in the latest "
                          "12 months and in most earlier years)",
            "emerging": f"Wards that are emerging hot spots{of} (hot in the latest 12 months "
                        "only)"}
    out = []
    for cls, words in lead.items():
        names = block.table.loc[block.table["persistence"] == cls, "ward_name"].tolist()
        if names:
            out.append(Finding("Where", f"{words}: {_ward_list(names, limit=len(names))}.",
                               table, tuple(({"ward_name": n},
                                             {"ward_name": n, "persistence": cls})
                                            for n in names), context=("12 months",)))
    return out
