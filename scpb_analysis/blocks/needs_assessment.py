"""Report blocks for the Serious Violence Duty strategic needs assessment.

The July 2023 board pack (seed 000) set out the needs assessment as a risk-factor table with
one row per domain (serious violence, age, sex, children, education, young mothers,
employment, neighbourhood, households, health, perception of violence), some cells reading
"TBD". :func:`risk_factor_table` builds that table from the data a folder holds: every
statistic the data allow is computed, with its comparator, unit, period and source; every
other cell reads exactly ``"not available — needs <dataset> from <owner>"``, so the board
sees what is missing and whom to ask. :func:`check_needs_table` refuses anything else
(blank cells, "TBD", numbers in a row marked not available).

The other blocks: :func:`violence_trend` (monthly counts since January 2018, financial-year
summary and a trend statement), :func:`deprivation_rates` (rates overall and in the most
deprived areas, with confidence intervals), :func:`definitions_appendix` (how each measure
is defined, from the indicator registry, plus data-quality notes) and :func:`scope_text` (the
duty and its definition of violence).
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scpb_analysis.core.marker import SYNTHETIC_BANNER
from scpb_analysis.core.periods import financial_year, month_label, to_month, twelve_month_windows
from scpb_analysis.core.rounding import round_half_up
from scpb_analysis.core.words import counted
from scpb_analysis.reference.geography import (
    area_name,
    borough_population,
    canonical_borough,
    london_boroughs,
    select_area,
)
from scpb_analysis.reference.indicators import NEEDS_INDICATORS, how_measured, indicator_registry
from scpb_analysis.reference.serious_violence import ViolenceDefinition
from scpb_analysis.reference.taxonomy import indicator_name, indicator_table
from scpb_analysis.reference.taxonomy.gaps import incomplete_error, mapping_gaps

__all__ = [
    "NEEDS_COLUMNS",
    "NEEDS_DOMAINS",
    "NEEDS_INDICATORS",
    "INDICATOR_SETS",
    "ViolenceTrend",
    "not_available",
    "risk_factor_table",
    "area_risk_factor_table",
    "check_needs_table",
    "violence_trend",
    "loglinear_trend",
    "deprivation_rates",
    "definitions_appendix",
    "scope_text",
    "POLICEUK_VIOLENCE",
    "violence_by_deprivation",
    "types_by_deprivation",
]

#: Columns of :func:`risk_factor_table`, in order.
NEEDS_COLUMNS = ["domain", "measure", "borough_value", "comparator", "comparator_value",
                 "unit", "period", "source", "status"]

#: The risk-factor domains of the July 2023 needs assessment, in the board pack's order.
NEEDS_DOMAINS = ("Serious violence", "Age", "Sex", "Children", "Education", "Young mothers",
                 "Employment", "Neighbourhood", "Households", "Health",
                 "Perception of violence")


_NA_PREFIX = "not available — needs "
_NA_RE = re.compile(r"^not available — needs \S.* from \S.*$")
_NUMBER_RE = re.compile(r"^[£$]?-?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?%?$")
_LONDON = "London (32 boroughs, excluding the City of London)"
_MPS = "the MPS"
_MPS_DATASET = "MPS Borough Level Crime (London Datastore)"


def _taxonomy_groups() -> dict[str, tuple[str, ...]]:
    table = indicator_table()
    return {g: tuple(table.loc[table["group"] == g, "indicator"])
            for g in table["group"].unique()}


_GROUPS = _taxonomy_groups()

#: Named sets of canonical taxonomy ids (``taxonomy/indicators.csv``) that
#: :func:`violence_trend` and :func:`risk_factor_table` sum.
INDICATOR_SETS: dict[str, tuple[str, ...]] = {
    "sexual_offences": _GROUPS["Sexual Offences"],
    "violence_against_the_person": _GROUPS["Violence Against the Person"],
    "violence_and_sexual_offences": (_GROUPS["Violence Against the Person"]
                                     + _GROUPS["Sexual Offences"]),
}


def not_available(dataset: str, owner: str) -> str:
    """The cell text for a statistic the data do not allow.

    Examples
    --------
    >>> not_available("teenage conception rates", "ONS/OHID")
    'not available — needs teenage conception rates from ONS/OHID'
    """
    return f"{_NA_PREFIX}{dataset} from {owner}"


# ---------------------------------------------------------------------------------------------
# Building rows


def _row(domain: str, measure: str, value: Any, comparator: str, comparator_value: Any,
         unit: str, period: str, source: str) -> dict[str, Any]:
    status = "not available" if isinstance(value, str) else "computed"
    if isinstance(value, str) and not isinstance(comparator_value, str):
        comparator_value = value
    return {"domain": domain, "measure": measure, "borough_value": value,
            "comparator": comparator, "comparator_value": comparator_value, "unit": unit,
            "period": period, "source": source, "status": status}


def _na_row(domain: str, measure: str, dataset: str, owner: str, comparator: str = "London",
            unit: str = "", period: str = "latest available") -> dict[str, Any]:
    text = not_available(dataset, owner)
    return _row(domain, measure, text, comparator, text, unit, period,
                f"needed: {dataset} ({owner})")






def _london_names() -> list[str]:
    return london_boroughs()["borough"].tolist()


def _london_part(frame: pd.DataFrame) -> pd.DataFrame | None:
    """The rows of the 32 boroughs, or None unless every one of them is there."""
    names = _london_names()
    part = frame[frame["borough"].isin(names)]
    return part if set(part["borough"]) == set(names) else None


# ---------------------------------------------------------------------------------------------
# Crime


def _ids(indicator: str | Sequence[str]) -> tuple[tuple[str, ...], str]:
    """Taxonomy ids to sum for an indicator, set name or registry id; and a display name."""
    known = set(indicator_table()["indicator"])
    if not isinstance(indicator, str):
        ids = tuple(indicator)
        bad = sorted(set(ids) - known)
        if bad or not ids:
            raise ValueError(f"unknown taxonomy indicator id(s): {', '.join(bad) or 'none'}")
        names = indicator_table().set_index("indicator")["name"]
        return ids, " and ".join(names[i] for i in ids)
    if indicator in INDICATOR_SETS:
        return INDICATOR_SETS[indicator], indicator.replace("_", " ").capitalize()
    if indicator in known:
        return (indicator,), indicator_table().set_index("indicator").loc[indicator, "name"]
    registry = indicator_registry().set_index("id")
    if indicator in registry.index and registry.loc[indicator, "categories"]:
        return (tuple(registry.loc[indicator, "categories"].split(";")),
                registry.loc[indicator, "title"])
    raise ValueError(f"'{indicator}' is not a taxonomy indicator id (taxonomy/indicators.csv), "
                     f"a set ({', '.join(INDICATOR_SETS)}) or a registry indicator carried in "
                     "the MPS borough files")


def _borough_offences(crime: pd.DataFrame) -> pd.DataFrame:
    rows = crime[crime["area_type"] == "borough"]
    if "measure" in rows:
        rows = rows[rows["measure"].astype(str).str.casefold() == "offences"]
    return rows




def _window_counts(offences: pd.DataFrame, ids: Sequence[str], months: pd.PeriodIndex,
                   boroughs: Sequence[str]) -> pd.Series | None:
    """Counts per borough over the months, or None unless every borough has every month."""
    part = offences[offences["month"].isin(months) & offences["borough"].isin(boroughs)]
    held = part.groupby("borough", observed=True)["month"].nunique()
    if any(held.get(b, 0) < len(months) for b in boroughs):
        return None
    chosen = part[part["indicator"].isin(ids)]
    counts = chosen.groupby("borough", observed=True)["count"].sum()
    return counts.reindex(list(boroughs), fill_value=0).astype("int64")


def _unplaced(gaps: pd.DataFrame, ids: Sequence[str]) -> str | None:
    """The cell text for a statistic part of whose offences may sit in an unmapped category."""
    found = gaps[gaps["indicator"].isin(ids)]
    if found.empty:
        return None
    categories = ", ".join(sorted({f"'{c}' in {f}" for c, f in
                                   zip(found["category"], found["source_file"], strict=True)}))
    return not_available(f"the category {categories} placed in the taxonomy (it may hold "
                         "some of these offences)", "the toolkit's taxonomy "
                         "(taxonomy/mps_categories.csv)")


def _crime_rows(crime: pd.DataFrame | None, borough: str, end: pd.Period,
                dashboard: pd.DataFrame | None = None) -> list[dict]:
    domain = "Serious violence"
    current, previous = twelve_month_windows(end)
    rate_measures = [
        ("Violence with injury: offences per 1,000 residents", ("violence_with_injury",)),
        ("Violence against the person and sexual offences: offences per 1,000 residents",
         INDICATOR_SETS["violence_and_sexual_offences"]),
        ("Sexual offences (rape and other sexual offences): offences per 1,000 residents",
         INDICATOR_SETS["sexual_offences"]),
    ]
    count_measures = [
        ("Violence with injury: offences", ("violence_with_injury",)),
        ("Drug trafficking: offences", ("drug_trafficking",)),
    ]
    out: list[dict] = []
    prev_label = f"previous 12 months ({previous.label})"
    if crime is None or crime.empty:
        for measure, _ in count_measures:
            out.append(_na_row(domain, measure, _MPS_DATASET, _MPS, prev_label, "offences",
                               current.label))
        for measure, _ in rate_measures:
            out.append(_na_row(domain, measure, _MPS_DATASET, _MPS, _LONDON,
                               "offences per 1,000 residents", current.label))
    else:
        offences = _borough_offences(crime)
        synthetic = bool(crime["synthetic"].any()) if "synthetic" in crime else False
        vintages = sorted({str(v) for v in crime.get("vintage", pd.Series(dtype=str))
                           .dropna().unique()})
        source = (f"MPS recorded crime, {_MPS_DATASET}"
                  + (f", {'vintage' if len(vintages) == 1 else 'vintages'} {', '.join(vintages)}"
                     if vintages else "")
                  + (f"; {SYNTHETIC_BANNER}" if synthetic else ""))
        gap = not_available(f"{_MPS_DATASET} for {borough} covering {current.label}", _MPS)
        # No figure is printed whole while part of it may sit in a category not yet mapped.
        gaps = mapping_gaps(crime, start=previous.start, end=current.end, measure="offences")
        for measure, ids in count_measures:
            cur = _window_counts(offences, ids, current.months, [borough])
            prev = _window_counts(offences, ids, previous.months, [borough])
            value = gap if cur is None else int(cur[borough])
            prev_value = (not_available(f"{_MPS_DATASET} for {borough} covering "
                                        f"{previous.label}", _MPS)
                          if prev is None else int(prev[borough]))
            unplaced = _unplaced(gaps, ids)
            if unplaced:
                value = prev_value = unplaced
            out.append(_row(domain, measure, value, prev_label, prev_value, "offences",
                            current.label, source))
        pops = borough_population().set_index("borough")["population"]
        london = _london_names()
        pop_note = f"; residents: {borough_population()['source'].iloc[0]}"
        for measure, ids in rate_measures:
            cur = _window_counts(offences, ids, current.months, [borough])
            value: Any = gap if cur is None else round_half_up(
                int(cur[borough]) / int(pops[borough]) * 1000, 2)
            all_b = _window_counts(offences, ids, current.months, london)
            comp: Any = (not_available(f"{_MPS_DATASET} for all 32 boroughs covering "
                                       f"{current.label}", _MPS) if all_b is None else
                         round_half_up(int(all_b.sum()) / int(pops[london].sum()) * 1000, 2))
            unplaced = _unplaced(gaps, ids)
            if unplaced:
                value = comp = unplaced
            out.append(_row(domain, measure, value, _LONDON, comp,
                            "offences per 1,000 residents", current.label,
                            source + pop_note))
    out += _dashboard_rows(dashboard if dashboard is not None else crime, borough, end)
    return out


#: The risk-factor rows the MPS Monthly Crime Dashboard extract gives: (measure, indicator).
_DASHBOARD_MEASURES = (
    ("Domestic abuse offences (all): offences", "domestic_abuse"),
    ("Domestic abuse violence with injury: offences", "domestic_abuse_violence_with_injury"),
    ("Knife crime with injury: offences", "knife_crime_with_injury"),
)
_DASHBOARD = "MPS Monthly Crime Dashboard extract"


def _dashboard_rows(table: pd.DataFrame | None, borough: str, end: pd.Period) -> list[dict]:
    """Domestic abuse and knife crime with injury, 12 months against the 12 before, from the
    dashboard rows of ``table``; the not-available rows where it holds none."""
    domain = "Serious violence"
    current, previous = twelve_month_windows(end)
    prev_label = f"previous 12 months ({previous.label})"
    offences = None if table is None or table.empty else _borough_offences(table)
    held = set() if offences is None else set(offences["indicator"].astype(str))
    if not {i for _, i in _DASHBOARD_MEASURES} & held:
        return [
            _na_row(domain, "Domestic abuse offences (all, and with injury)",
                    "domestic abuse flagged offences (MPS Monthly Crime Dashboard)", _MPS,
                    prev_label, "offences"),
            _na_row(domain, "Knife crime with injury: offences",
                    "knife crime with injury (MPS Monthly Crime Dashboard)", _MPS, prev_label,
                    "offences"),
        ]
    out = []
    for measure, indicator in _DASHBOARD_MEASURES:
        rows = offences[offences["indicator"] == indicator]
        if rows.empty:
            out.append(_na_row(domain, measure, f"{indicator_name(indicator).lower()} "
                               f"({_DASHBOARD})", _MPS, prev_label, "offences",
                               current.label))
            continue
        vintages = sorted({str(v) for v in rows.get("vintage", pd.Series(dtype=str))
                           .dropna().unique()})
        source = (f"MPS recorded crime, {_DASHBOARD}"
                  + (", to " + ", ".join(month_label(pd.Period(v, "M")) for v in vintages)
                     if vintages else ""))
        values = []
        for window in (current, previous):
            got = _window_counts(rows, (indicator,), window.months, [borough])
            values.append(int(got[borough]) if got is not None else not_available(
                f"the {_DASHBOARD} for {borough} covering {window.label}", _MPS))
        out.append(_row(domain, measure, values[0], prev_label, values[1], "offences",
                        current.label, source))
    return out


# ---------------------------------------------------------------------------------------------
# Census 2021 age and IMD 2019


def _age_rows(pop: pd.DataFrame | None, borough: str) -> list[dict]:
    domain = "Age"
    measures = [("Residents aged 10 to 24: % of all residents", "age_10_24"),
                ("Residents aged under 25: % of all residents", "age_under_25")]
    out = []
    for measure, column in measures:
        if pop is None:
            out.append(_na_row(domain, measure, "Census 2021 age by LSOA (table TS007A)",
                               "ONS", _LONDON, "% of residents", "Census 2021"))
            continue
        mine = select_area(pop, borough, missing="empty")
        london = _london_part(pop)
        if mine.empty:
            value: Any = not_available(f"Census 2021 age by LSOA (TS007A) for {borough}", "ONS")
        else:
            value = round_half_up(mine[column].sum() / mine["population"].sum() * 100, 1)
        comp: Any = (not_available("Census 2021 age by LSOA (TS007A) for all 32 boroughs",
                                   "ONS") if london is None else
                     round_half_up(london[column].sum() / london["population"].sum() * 100, 1))
        out.append(_row(domain, measure, value, _LONDON, comp, "% of residents",
                        "Census day, 21 March 2021",
                        f"{pop['source'].iloc[0]}; LSOAs summed to boroughs"))
    out.append(_na_row(domain, "Age of victims and suspects of serious violence",
                       "victim and suspect age/sex extract", "the MPS", _LONDON,
                       "% of victims / suspects"))
    return out


def _homicide_suspect_rows(homicide: pd.DataFrame | None, borough: str,
                           end: pd.Period) -> list[dict]:
    """The age (10-24) and male shares of people proceeded against for homicide, latest
    5-year window, beside London; not available rows without the homicide file."""
    measures = ("People proceeded against for homicide aged 10-24: % of all proceeded against",
                "People proceeded against for homicide who are male: % of all proceeded "
                "against")
    if homicide is None:
        return [_na_row(domain, measure, "the MPS homicide file (persons proceeded against)",
                        "the MPS", _LONDON, "% of people proceeded against")
                for domain, measure in zip(("Age", "Sex"), measures, strict=True)]
    from scpb_analysis.blocks.violence_profile import homicide_proceedings_profile

    table = homicide_proceedings_profile(homicide, borough, end).table
    latest = table[table["period"] == table["period"].iloc[-1]]
    every = latest[latest["age_group"] == "all ages"].iloc[0]
    young = latest[latest["age_group"].isin(["10-19", "20-24"])]
    source = ("MPS homicide file (persons proceeded against: suspects and defendants, not "
              "victims)")
    # The file places some proceedings at Heathrow, in no borough: London's total keeps them.
    london_label = "London (the 32 boroughs and Heathrow)"
    out = []
    for domain, measure, mine, london in (
            ("Age", measures[0], young["total"].sum(), young["london_total"].sum()),
            ("Sex", measures[1], every["male"], every["london_male"])):
        value: Any = (round_half_up(mine / every["total"] * 100, 1) if every["total"] else
                      not_available(f"homicide proceedings in {borough} in "
                                    f"{every['period']}", "the MPS"))
        out.append(_row(domain, measure, value, london_label,
                        round_half_up(london / every["london_total"] * 100, 1),
                        "% of people proceeded against", str(every["period"]), source))
    return out


def _sex_rows() -> list[dict]:
    domain = "Sex"
    return [
        _na_row(domain, "Sex of victims and suspects of serious violence",
                "victim and suspect age/sex extract", "the MPS", _LONDON,
                "% of victims / suspects"),
        _na_row(domain, "Residents who are male: % of all residents",
                "Census 2021 sex by age (table TS009)", "ONS", _LONDON, "% of residents",
                "Census 2021"),
    ]


def _deprivation_rows(imd: pd.DataFrame | None, pop: pd.DataFrame | None,
                      borough: str, ratios: pd.DataFrame | None = None) -> list[dict]:
    from scpb_analysis.sources.deprivation import ENGLAND_LSOAS

    domain = "Neighbourhood"
    cut = math.floor(ENGLAND_LSOAS / 5)
    lsoa_measure = "LSOAs in England's most deprived fifth (IMD 2019): % of LSOAs"
    res_measure = "Residents living in England's most deprived fifth (IMD 2019): % of residents"
    out = []
    period = "IMD 2019 (indicators mostly 2015-16); LSOAs 2021"
    if imd is None:
        out.append(_na_row(domain, lsoa_measure, "English Indices of Deprivation 2019 and the "
                           "LSOA (2011) to LSOA (2021) lookup", "MHCLG and ONS", _LONDON,
                           "% of LSOAs", period))
        out.append(_na_row(domain, res_measure, "English Indices of Deprivation 2019 and the "
                           "LSOA (2011) to LSOA (2021) lookup", "MHCLG and ONS", _LONDON,
                           "% of residents", period))
    else:
        mine = select_area(imd, borough, missing="empty")
        london = _london_part(imd)
        source = (f"{imd['source'].iloc[0]}; most deprived fifth = national IMD rank 1 to "
                  f"{cut:,} of {ENGLAND_LSOAS:,}")

        def share(frame: pd.DataFrame | None) -> Any:
            if frame is None or frame.empty:
                where = borough if frame is not None else "all 32 boroughs"
                return not_available(f"IMD 2019 and the LSOA (2011) to LSOA (2021) lookup "
                                     f"for {where}", "MHCLG and ONS")
            return round_half_up((frame["imd_quintile"] == 1).mean() * 100, 1)

        out.append(_row(domain, lsoa_measure, share(mine), _LONDON, share(london),
                        "% of LSOAs", period, source))
        if pop is None:
            out.append(_na_row(domain, res_measure, "Census 2021 age by LSOA (table TS007A)",
                               "ONS", _LONDON, "% of residents", period))
        else:
            joined = imd.merge(pop[["lsoa_code", "population"]], on="lsoa_code")

            def res_share(frame: pd.DataFrame | None) -> Any:
                if frame is None or frame.empty:
                    where = borough if frame is not None else "all 32 boroughs"
                    return not_available(f"Census 2021 residents by LSOA for {where}", "ONS")
                most = frame.loc[frame["imd_quintile"] == 1, "population"].sum()
                return round_half_up(most / frame["population"].sum() * 100, 1)

            out.append(_row(domain, res_measure,
                            res_share(select_area(joined, borough, missing="empty")), _LONDON,
                            res_share(_london_part(joined)),
                            "% of residents", period + "; residents Census 2021",
                            source + f"; residents: {pop['source'].iloc[0]}"))
    out.append(_most_deprived_violence_row(domain, ratios))
    return out


def _most_deprived_violence_row(domain: str, ratios: pd.DataFrame | None) -> dict:
    """Violence with injury in England's most deprived fifth of the area's LSOAs against the
    rest, from :func:`scpb_analysis.blocks.sv_places.deprivation_profile`'s ``ratios`` for
    the page's own 12 months (never a fallback period)."""
    measure = ("Violence with injury in the most deprived fifth of LSOAs: offences per 1,000 "
               "residents")
    mine = None if ratios is None else ratios[
        (ratios["indicator"] == "violence_with_injury")
        & (ratios["quintile_basis"] == "national") & (ratios["status"] == "computed")]
    if mine is None or mine.empty:
        return _na_row(domain, measure, "violence offences by LSOA for the period (MPS LSOA "
                       "Level Crime)", "the MPS", "rest of the borough",
                       "offences per 1,000 residents")
    r = mine.iloc[0]
    return _row(domain, measure, round_half_up(r["value"], 2), "rest of the borough",
                round_half_up(r["rest_value"], 2), "offences per 1,000 residents", r["window"],
                f"MPS LSOA Level Crime; IMD 2019 national quintile 1 ({int(r['lsoas'])} LSOAs, "
                f"{r['residents_share']:.1%} of residents); Census 2021; rate ratio "
                f"{r['rate_ratio']:.2f} (95% CI {r['ratio_lower']:.2f} to "
                f"{r['ratio_upper']:.2f})")


# ---------------------------------------------------------------------------------------------
# GLA ward profiles (borough and London rows; old vintage)

_PROFILE_DATASET = "GLA ward profiles (ward-profiles-excel-version, borough and London rows)"

# (domain, measure, column as published, unit)
_PROFILE_MEASURES = (
    ("Children", "Dependent children (0-18) in out-of-work households: % of children",
     "% dependent children (0-18) in out-of-work households - 2014", "% of children"),
    ("Education", "Average GCSE capped point score",
     "Average GCSE capped point scores - 2014", "points per pupil"),
    ("Education", "Unauthorised absence in all schools: % of sessions",
     "Unauthorised Absence in All Schools (%) - 2013", "% of sessions"),
    ("Education", "Residents with no qualifications: % of residents aged 16+",
     "% with no qualifications - 2011", "% of residents aged 16+"),
    ("Employment", "Employment rate, ages 16-64: % of residents aged 16-64",
     "Employment rate (16-64) - 2011", "% of residents aged 16-64"),
    ("Employment", "Claimants of key out-of-work benefits: % of working-age residents",
     "Claimant rate of key out-of-work benefits (working age client group) (2014)",
     "% of working-age residents"),
    ("Employment", "Lone parents not in employment: % of lone parents",
     "% of lone parents not in employment - 2011", "% of lone parents"),
    ("Households", "Median household income estimate",
     "Median Household income estimate (2012/13)", "£ a year"),
    ("Health", "Male life expectancy at birth", "Male life expectancy -2009-13", "years"),
    ("Health", "Female life expectancy at birth", "Female life expectancy -2009-13", "years"),
)


def _profile_rows_for(path: Path, names: Sequence[str]) -> tuple[list[str], dict[str, dict]]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252")  # the GLA file is Windows-1252 (its £ is byte A3)
    rows = list(csv.reader(text.splitlines()))
    header = [h.strip() for h in rows[0]]
    found: dict[str, dict] = {}
    for row in rows[1:]:
        if row and row[0].strip() in names and row[0].strip() not in found:
            found[row[0].strip()] = dict(zip(header, (c.strip() for c in row), strict=False))
    return header, found


def _profile_number(text: str | None) -> float | None:
    try:
        value = float(str(text).replace(",", ""))
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _profile_period(column: str) -> str:
    years = re.findall(r"\d{4}(?:/\d{2})?(?:-\d{2,4})?", column)
    year = years[-1] if years else "date not stated"
    return f"{year} (old vintage: GLA ward profiles, 2014 wards)"


def _profile_rows(path: Path | None, borough: str) -> dict[str, list[dict]]:
    rows: dict[str, list[dict]] = {}
    header, found = (_profile_rows_for(path, [borough, "London"]) if path is not None
                     else ([], {}))
    for domain, measure, column, unit in _PROFILE_MEASURES:
        period = _profile_period(column)
        if path is None or column not in header:
            row = _na_row(domain, measure, _PROFILE_DATASET, "the GLA (London Datastore)",
                          "London", unit, period)
        else:
            source = f"GLA ward profiles ({path.name}), column '{column}'"
            mine = _profile_number(found.get(borough, {}).get(column))
            lon = _profile_number(found.get("London", {}).get(column))
            gap = not_available(f"'{column}' for {{}} in the {_PROFILE_DATASET}",
                                "the GLA (London Datastore)")
            row = _row(domain, measure, gap.format(borough) if mine is None else mine,
                       "London", gap.format("London") if lon is None else lon, unit, period,
                       source)
        rows.setdefault(domain, []).append(row)
    return rows


# ---------------------------------------------------------------------------------------------
# The risk-factor table


def _national_na_rows(comparator: str) -> dict[str, list[dict]]:
    """The statistics no data folder holds yet, by domain: national datasets, each named with
    its owner, compared with ``comparator`` (London, or a police force's area)."""
    return {
        "Children": [
            _na_row("Children", "Looked after children, children in need and child protection "
                    "plans: children", "children looked after and children in need statistics",
                    "the DfE", comparator, "children"),
            _na_row("Children", "Children (0-15) in relative low-income families: % of "
                    "children", "children in low income families statistics", "the DWP",
                    comparator, "% of children"),
        ],
        "Education": [_na_row("Education", "Persistent absence and suspensions: % of pupils",
                              "pupil absence and exclusion statistics", "the DfE", comparator,
                              "% of pupils")],
        "Young mothers": [_na_row("Young mothers",
                                  "Under-18 conceptions per 1,000 women aged 15-17",
                                  "teenage conception rates", "ONS/OHID", comparator,
                                  "conceptions per 1,000 women aged 15-17")],
        "Employment": [_na_row("Employment",
                               "Universal Credit claimants: % of residents aged 16-64",
                               "Universal Credit claimant counts (Stat-Xplore)", "the DWP",
                               comparator, "% of residents aged 16-64")],
        "Households": [
            _na_row("Households", "Households deprived in one or more dimensions: % of "
                    "households", "Census 2021 household deprivation (table TS011)", "ONS",
                    comparator, "% of households", "Census 2021"),
            _na_row("Households", "Overcrowded households: % of households",
                    "Census 2021 occupancy rating (table TS052)", "ONS", comparator,
                    "% of households", "Census 2021"),
        ],
        "Health": [
            _na_row("Health", "New STI diagnoses, ages 15-24: per 100,000 residents aged "
                    "15-24", "new STI diagnoses (GUMCAD)", "UKHSA", "England",
                    "diagnoses per 100,000 residents aged 15-24"),
            _na_row("Health", "Hospital admissions for violence: per 100,000 residents",
                    "hospital admissions for violence (Fingertips)", "OHID", comparator,
                    "admissions per 100,000 residents"),
            _na_row("Health", "Residents in substance misuse treatment",
                    "substance misuse treatment statistics (NDTMS)", "OHID", comparator,
                    "residents in treatment"),
        ],
    }


def risk_factor_table(borough: str, period_end: str | pd.Period, *,
                      crime: pd.DataFrame | None = None,
                      lsoa_population: pd.DataFrame | None = None,
                      imd: pd.DataFrame | None = None,
                      ward_profiles: str | Path | None = None,
                      dashboard: pd.DataFrame | None = None,
                      deprivation_ratios: pd.DataFrame | None = None,
                      homicide: pd.DataFrame | None = None) -> pd.DataFrame:
    """The needs assessment's risk-factor table, computed from whatever the data allow.

    One row per (domain, measure), domains in the July 2023 board pack's order
    (:data:`NEEDS_DOMAINS`). Computed rows carry the value for the borough and its comparator
    (London, or the previous 12 months for counts); every statistic the data cannot give reads
    exactly ``"not available — needs <dataset> from <owner>"`` in both value cells, naming the
    dataset to ask for. A source given as None (not in the data) gives not-available rows.

    Sources, each a table the caller loaded (:class:`scpb_analysis.pack.data.PackData`):

    * serious violence: MPS borough recorded crime (``crime``, the tidy table of
      :func:`scpb_analysis.sources.mps.load_mps_crime`), 12 months to ``period_end``; rates
      per 1,000 Census 2021
      residents (:func:`scpb_analysis.reference.geography.borough_population`); London = the
      32 boroughs
      the MPS polices, excluding the City of London;
    * age: Census 2021 TS007A by LSOA (``lsoa_population``,
      :func:`scpb_analysis.sources.population.lsoa_population`), LSOAs summed to the borough
      and to London;
    * neighbourhood: IMD 2019 carried to 2021 LSOAs (``imd``,
      :func:`scpb_analysis.sources.deprivation.imd_lsoa21`), England's most deprived fifth
      (national quintile 1), by LSOAs and by Census 2021 residents;
    * children, education, employment, households, health: the borough and London rows of the
      GLA ward profiles CSV (``ward_profiles``, its path; 2011 to 2015 figures; ``period``
      names each figure's year).

    Values are rounded for the board: rates per 1,000 to 2 decimals and Census/IMD shares to
    1 decimal (half up); GLA figures as published; counts whole.

    Parameters
    ----------
    borough : str
        The borough (any spelling
        :func:`scpb_analysis.reference.geography.canonical_borough` accepts).
    period_end : str or Period
        Last month of the 12-month crime window, e.g. ``"2023-05"``.
    crime : DataFrame, optional
        Tidy MPS borough table (every borough, for the London comparator).
    lsoa_population : DataFrame, optional
        Census 2021 residents by LSOA, every London LSOA.
    imd : DataFrame, optional
        IMD 2019 on 2021 LSOAs, every London LSOA.
    ward_profiles : path, optional
        The GLA ward profiles CSV.
    dashboard : DataFrame, optional
        A tidy table holding the MPS Monthly Crime Dashboard extract's rows
        (``data.crime_for_period().table``): domestic abuse offences (all, and violence with
        injury) and knife crime with injury, 12 months against the 12 before. Without it,
        the rows are read from ``crime`` if it holds them, else read not available.
    deprivation_ratios : DataFrame, optional
        :func:`scpb_analysis.blocks.sv_places.deprivation_profile`'s ``ratios`` for the 12
        months to ``period_end``: violence with injury in the borough's LSOAs in England's
        most deprived fifth against the rest. Without it the row reads not available.
    homicide : DataFrame, optional
        Persons proceeded against for homicide
        (:func:`scpb_analysis.sources.mps_extracts.read_homicide_proceedings`): the share aged
        10-24 and the share male over the latest 5 complete calendar years (the windows of
        :func:`~scpb_analysis.blocks.violence_profile.homicide_proceedings_profile`), beside
        London. Suspects of homicide only: the victims and suspects of all serious violence
        still read not available.

    Returns
    -------
    DataFrame
        :data:`NEEDS_COLUMNS`: ``domain, measure, borough_value, comparator,
        comparator_value, unit, period, source, status`` (``"computed"`` or
        ``"not available"``). Value columns hold numbers or not-available strings.

    Examples
    --------
    >>> from scpb_analysis.demo import example_folder
    >>> from scpb_analysis.sources.mps import load_mps_crime
    >>> crime = load_mps_crime(example_folder() / "mps" / "borough")
    >>> table = risk_factor_table("Barnet", "2023-05", crime=crime)
    >>> table.loc[0, ["domain", "measure", "status"]].tolist()
    ['Serious violence', 'Violence with injury: offences', 'computed']
    >>> table.loc[table["domain"] == "Perception of violence", "borough_value"].iloc[0]
    'not available — needs MOPAC Public Attitude Survey from MOPAC'
    >>> check_needs_table(table)
    []
    """
    name = canonical_borough(borough)
    end = to_month(period_end)
    profiles = _profile_rows(None if ward_profiles is None else Path(ward_profiles), name)
    rows: list[dict] = []
    rows += _crime_rows(crime, name, end, dashboard)
    suspects = _homicide_suspect_rows(homicide, name, end)
    rows += _age_rows(lsoa_population, name) + suspects[:1]
    rows += _sex_rows() + suspects[1:]
    national = _national_na_rows("London")
    rows += profiles.get("Children", []) + national["Children"]
    rows += profiles.get("Education", []) + national["Education"]
    rows += national["Young mothers"]
    rows += profiles.get("Employment", []) + national["Employment"]
    rows += _deprivation_rows(imd, lsoa_population, name, deprivation_ratios)
    rows += profiles.get("Households", []) + national["Households"]
    rows += profiles.get("Health", []) + national["Health"]
    rows.append(_na_row("Perception of violence",
                        "Residents and young people with a positive perception of violence",
                        "MOPAC Public Attitude Survey", "MOPAC", "London", "% of respondents"))
    return _ordered(rows)


def _ordered(rows: list[dict]) -> pd.DataFrame:
    table = pd.DataFrame(rows, columns=NEEDS_COLUMNS)
    order = {d: i for i, d in enumerate(NEEDS_DOMAINS)}
    table = table.iloc[np.argsort(table["domain"].map(order).to_numpy(), kind="stable")]
    for column in ("borough_value", "comparator_value"):
        table[column] = table[column].astype(object)
    return table.reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# Outside London: police.uk counts, compared with the police force's area

#: police.uk crime types the risk-factor table counts outside London: (indicator, measure
#: wording, unit, also as a rate per 1,000 residents).
_POLICEUK_MEASURES = (
    ("violence_and_sexual_offences", "Violence and sexual offences", "offences", True),
    ("robbery", "Robbery", "offences", True),
    ("possession_of_weapons", "Possession of weapons", "offences", True),
    ("drugs", "Drugs", "offences", False),
    ("anti_social_behaviour", "Anti-social behaviour", "incidents", False),
)


def area_risk_factor_table(area, period_end: str | pd.Period, *,
                           la_population: pd.DataFrame | None = None,
                           lsoa_population: pd.DataFrame | None = None,
                           imd: pd.DataFrame | None = None,
                           lookup: pd.DataFrame | None = None) -> pd.DataFrame:
    """The risk-factor table for a Community Safety Partnership outside London.

    The same table as :func:`risk_factor_table` (:data:`NEEDS_COLUMNS`, domains in the same
    order, the same not-available wording), compared with the police force's area (its local
    authorities together) where London's pack compares with London:

    * serious violence: police.uk counts of violence and sexual offences, robbery, possession
      of weapons, drugs and anti-social behaviour, 12 months to ``period_end`` against the 12
      before (a window the files do not hold reads not available, naming it), and rates per
      1,000 Census 2021 residents against the force's area;
    * age and neighbourhood: Census 2021 residents and IMD 2019 of the area's LSOAs against
      the force area's (LSOAs placed by ``lookup``);
    * the GLA ward profiles are London's: their statistics are not in this table; the
      statistics no folder holds name their national dataset and owner.

    Parameters
    ----------
    area : PoliceUkAreaCrime
        :func:`scpb_analysis.sources.policeuk_areas.policeuk_area_crime` for the area.
    period_end : str or Period
    la_population : DataFrame, optional
        :func:`scpb_analysis.sources.la_population.la_population` (``la_code, population``).
    lsoa_population : DataFrame, optional
        :func:`scpb_analysis.sources.population.lsoa_population`.
    imd : DataFrame, optional
        :func:`scpb_analysis.sources.deprivation.imd_lsoa21` (every English LSOA).
    lookup : DataFrame, optional
        LSOA (2021) to ward to local authority (``lsoa_code, la_code``), one row an LSOA.

    Returns
    -------
    DataFrame
        :data:`NEEDS_COLUMNS`, ``borough_value`` holding the area's figures.

    Examples
    --------
    >>> from scpb_analysis.sources.policeuk_areas import _example
    >>> table = area_risk_factor_table(_example(), "2024-03")
    >>> table.loc[0, ["measure", "status"]].tolist()
    ['Violence and sexual offences: offences', 'not available']
    >>> check_needs_table(table)
    []
    """
    end = to_month(period_end)
    current, previous = twelve_month_windows(end)
    force = area.force
    peers = area.peers["la_code"].tolist()
    comparator = f"{force} area ({len(peers)} local authorities)"
    prev_label = f"previous 12 months ({previous.label})"
    held = set(area.months_present)
    source = (f"police.uk street-level crime of {force}, by LSOA ({area.lookup or 'lookup'}); "
              "the force's local authorities found from its files")
    csp = area.table[area.table["area_type"] == "csp"]

    def total(indicator: str, window, codes) -> Any:
        if not set(window.months) <= held:
            return not_available(f"police.uk street-level crime of {force} covering "
                                 f"{window.label}", "data.police.uk")
        rows = csp[(csp["indicator"] == indicator) & csp["area_code"].isin(codes)
                   & csp["month"].isin(window.months)]
        return int(rows["count"].sum())

    people = None
    if la_population is not None:
        people = la_population.set_index("la_code")["population"]
    domain = "Serious violence"
    rows: list[dict] = []
    for indicator, label, unit, _ in _POLICEUK_MEASURES:
        rows.append(_row(domain, f"{label}: {unit}",
                         total(indicator, current, [area.area_code]), prev_label,
                         total(indicator, previous, [area.area_code]), unit, current.label,
                         source))
    for indicator, label, unit, as_rate in _POLICEUK_MEASURES:
        if not as_rate:
            continue
        measure = f"{label}: {unit} per 1,000 residents"
        if people is None or not set(peers) <= set(people.index):
            rows.append(_na_row(domain, measure, "Census 2021 residents by local authority",
                                "ONS", comparator, f"{unit} per 1,000 residents",
                                current.label))
            continue
        mine, force_n = total(indicator, current, [area.area_code]), total(indicator, current,
                                                                          peers)
        rows.append(_row(domain, measure,
                         mine if isinstance(mine, str) else
                         round_half_up(mine / int(people[area.area_code]) * 1000, 2),
                         comparator,
                         force_n if isinstance(force_n, str) else
                         round_half_up(force_n / int(people[peers].sum()) * 1000, 2),
                         f"{unit} per 1,000 residents", current.label,
                         source + "; residents: Census 2021 by local authority"))
    rows += [
        _na_row(domain, "Domestic abuse offences (all, and with injury)",
                "domestic abuse flagged offences", force, prev_label, "offences"),
        _na_row(domain, "Knife crime with injury: offences",
                "knife crime with injury (police recorded crime, knife flag)", force,
                prev_label, "offences"),
    ]
    placed = None if lookup is None else lookup[["lsoa_code", "la_code"]]
    rows += _area_age_rows(lsoa_population, placed, area.area_code, peers, comparator)
    rows += [
        _na_row("Age", "Age of victims and suspects of serious violence",
                "victim and suspect age/sex extract", force, comparator,
                "% of victims / suspects"),
        _na_row("Sex", "Sex of victims and suspects of serious violence",
                "victim and suspect age/sex extract", force, comparator,
                "% of victims / suspects"),
        _na_row("Sex", "Residents who are male: % of all residents",
                "Census 2021 sex by age (table TS009)", "ONS", comparator, "% of residents",
                "Census 2021"),
    ]
    national = _national_na_rows(comparator)
    for domain_name in ("Children", "Education", "Young mothers", "Employment", "Households",
                        "Health"):
        rows += national[domain_name]
    rows += _area_deprivation_rows(imd, lsoa_population, placed, area.area_code, peers,
                                   comparator)
    rows.append(_na_row("Perception of violence",
                        "Residents and young people with a positive perception of violence",
                        "public attitude or confidence survey",
                        "the Police and Crime Commissioner", comparator, "% of respondents"))
    return _ordered(rows)


def _lsoas_of(placed: pd.DataFrame, codes: Sequence[str]) -> set[str]:
    return set(placed.loc[placed["la_code"].isin(codes), "lsoa_code"])


def _area_age_rows(pop: pd.DataFrame | None, placed: pd.DataFrame | None, code: str,
                   peers: Sequence[str], comparator: str) -> list[dict]:
    out = []
    for measure, column in (("Residents aged 10 to 24: % of all residents", "age_10_24"),
                            ("Residents aged under 25: % of all residents", "age_under_25")):
        if pop is None or placed is None:
            out.append(_na_row("Age", measure, "Census 2021 age by LSOA (table TS007A) and the "
                               "LSOA to local authority lookup", "ONS", comparator,
                               "% of residents", "Census 2021"))
            continue
        mine = pop[pop["lsoa_code"].isin(_lsoas_of(placed, [code]))]
        force = pop[pop["lsoa_code"].isin(_lsoas_of(placed, peers))]
        out.append(_row("Age", measure,
                        round_half_up(mine[column].sum() / mine["population"].sum() * 100, 1),
                        comparator,
                        round_half_up(force[column].sum() / force["population"].sum() * 100, 1),
                        "% of residents", "Census day, 21 March 2021",
                        f"{pop['source'].iloc[0]}; LSOAs placed by the lookup"))
    return out


def _area_deprivation_rows(imd: pd.DataFrame | None, pop: pd.DataFrame | None,
                           placed: pd.DataFrame | None, code: str, peers: Sequence[str],
                           comparator: str) -> list[dict]:
    from scpb_analysis.sources.deprivation import ENGLAND_LSOAS

    domain = "Neighbourhood"
    lsoa_measure = "LSOAs in England's most deprived fifth (IMD 2019): % of LSOAs"
    res_measure = "Residents living in England's most deprived fifth (IMD 2019): % of residents"
    period = "IMD 2019 (indicators mostly 2015-16); LSOAs 2021"
    if imd is None or placed is None:
        return [_na_row(domain, m, "English Indices of Deprivation 2019 and the LSOA (2011) to "
                        "LSOA (2021) lookup", "MHCLG and ONS", comparator, u, period)
                for m, u in ((lsoa_measure, "% of LSOAs"), (res_measure, "% of residents"))]
    source = (f"{imd['source'].iloc[0]}; most deprived fifth = national IMD rank 1 to "
              f"{math.floor(ENGLAND_LSOAS / 5):,} of {ENGLAND_LSOAS:,}")
    mine = imd[imd["lsoa_code"].isin(_lsoas_of(placed, [code]))]
    force = imd[imd["lsoa_code"].isin(_lsoas_of(placed, peers))]
    out = [_row(domain, lsoa_measure, round_half_up((mine["imd_quintile"] == 1).mean() * 100, 1),
                comparator, round_half_up((force["imd_quintile"] == 1).mean() * 100, 1),
                "% of LSOAs", period, source)]
    if pop is None:
        out.append(_na_row(domain, res_measure, "Census 2021 age by LSOA (table TS007A)", "ONS",
                           comparator, "% of residents", period))
        return out

    def res_share(frame: pd.DataFrame) -> float:
        joined = frame.merge(pop[["lsoa_code", "population"]], on="lsoa_code")
        most = joined.loc[joined["imd_quintile"] == 1, "population"].sum()
        return round_half_up(most / joined["population"].sum() * 100, 1)

    out.append(_row(domain, res_measure, res_share(mine), comparator, res_share(force),
                    "% of residents", period + "; residents Census 2021",
                    source + f"; residents: {pop['source'].iloc[0]}"))
    return out


def _is_number(value: Any) -> bool:
    if isinstance(value, bool | np.bool_):
        return False
    if isinstance(value, int | float | np.integer | np.floating):
        return math.isfinite(float(value))
    return isinstance(value, str) and bool(_NUMBER_RE.match(value.strip()))


def check_needs_table(frame: pd.DataFrame) -> list[str]:
    """Problems in a needs-assessment table; an empty list means it can go to the board.

    Every value cell (``borough_value``, ``comparator_value``) must be either a number (or a
    formatted number such as ``"18.3"``, ``"2,121"``, ``"14%"``) in a row whose ``status`` is
    ``"computed"``, or a string ``"not available — needs <dataset> from <owner>"``. Blank cells,
    "TBD", "n/a", numbers in a row marked not available, and a computed row whose borough
    value is not a number are all reported; so is a status other than the two allowed.

    Parameters
    ----------
    frame : DataFrame
        A table with :data:`NEEDS_COLUMNS` (e.g. from :func:`risk_factor_table`).

    Returns
    -------
    list of str
        One message per problem, naming the row, domain, measure and column.

    Examples
    --------
    >>> bad = pd.DataFrame([{"domain": "Young mothers", "measure": "Under-18 conceptions",
    ...                      "borough_value": "TBD", "comparator": "London",
    ...                      "comparator_value": "", "unit": "", "period": "", "source": "",
    ...                      "status": "not available"}])
    >>> for problem in check_needs_table(bad):
    ...     print(problem)
    row 0 (Young mothers / Under-18 conceptions): borough_value 'TBD' is neither a computed
    value nor 'not available — needs <dataset> from <owner>'
    row 0 (Young mothers / Under-18 conceptions): comparator_value '' is neither a computed
    value nor 'not available — needs <dataset> from <owner>'
    """
    missing = [c for c in NEEDS_COLUMNS if c not in frame.columns]
    if missing:
        return [f"table has no column(s) {', '.join(missing)}"]
    problems = []
    for i, (_, row) in enumerate(frame.iterrows()):
        where = f"row {i} ({row['domain']} / {row['measure']})"
        status = row["status"]
        if status not in ("computed", "not available"):
            problems.append(f"{where}: status {status!r} is not 'computed' or 'not available'")
        for column in ("borough_value", "comparator_value"):
            value = row[column]
            if isinstance(value, str) and _NA_RE.match(value):
                if column == "borough_value" and status == "computed":
                    problems.append(f"{where}: status is 'computed' but borough_value reads "
                                    f"{value!r}")
                continue
            if _is_number(value):
                if status != "computed":
                    problems.append(f"{where}: {column} {value!r} is a number but status is "
                                    f"{status!r}")
                continue
            problems.append(f"{where}: {column} {value!r} is neither a computed value nor "
                            "'not available — needs <dataset> from <owner>'")
    return problems


# ---------------------------------------------------------------------------------------------
# Trend


@dataclass
class ViolenceTrend:
    """Monthly series, financial-year summary and trend statement from :func:`violence_trend`.

    Attributes
    ----------
    monthly : DataFrame
        ``month, count, financial_year`` and the XmR chart columns ``mean, lower, upper,
        variation`` (:func:`scpb_analysis.stats.spc.xmr`, limits from all months shown).
    yearly : DataFrame
        ``financial_year, first_month, last_month, months, complete, total,
        monthly_average``; financial years run April to March, and ``complete`` is False for
        a year the series holds only part of.
    trend_text : str
        The sentences for the report.
    trend : dict
        ``annual_change`` (fractional change a year of the fitted log-linear trend),
        ``lower``, ``upper`` (95% limits), ``p_value``, ``dispersion`` and ``method``.
    notes : list of str
        Coverage notes (e.g. the series starts later than asked).
    """

    monthly: pd.DataFrame
    yearly: pd.DataFrame
    trend_text: str
    trend: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def loglinear_trend(counts: np.ndarray, level: float = 0.95, *,
                    positions: np.ndarray | None = None,
                    steps: Sequence[float] = ()) -> dict[str, Any]:
    """Quasi-Poisson log-linear trend of monthly counts on time (in years).

    Fitted by iteratively reweighted least squares; the standard error is scaled by the
    Pearson dispersion (floored at 1), and the p-value uses a t distribution with n - 2 - k
    degrees of freedom (k steps).

    ``positions`` are the months' places in time (whole months from any origin, one per
    count): a series with months missing is fitted on the months it holds, each at its own
    place, so a gap is neither a zero nor closed up. Default: consecutive months.

    ``steps`` are positions (on the same scale as ``positions``) from which the level may
    shift: one indicator term each, so a change in how offences are recorded (the MPS move
    from CRIS to CONNECT) moves the level without bending the trend, which is the one slope
    fitted across every segment (segmented regression of an interrupted time series). Each
    step needs months on both sides.

    Returns a dict: ``annual_change`` (fractional change a year), ``lower``, ``upper``,
    ``p_value``, ``dispersion`` and ``method``; NaN values for fewer than 3 months or no
    counts.

    Counts rising 14% over 7 months, (114/100)^(12/7) - 1 = 25.2% a year:

    >>> out = loglinear_trend(np.array([100, 102, 104, 106, 108, 110, 112, 114]))
    >>> round(out["annual_change"], 3)
    0.252
    >>> flat = loglinear_trend(np.full(12, 50))
    >>> round(flat["annual_change"], 6), round(flat["p_value"], 6)
    (0.0, 1.0)
    >>> gap = loglinear_trend(np.array([100, 102, 110, 112, 114]),
    ...                       positions=np.array([0, 1, 5, 6, 7]))
    >>> round(gap["annual_change"], 2)
    0.25

    A series that steps up by half after month 12 but keeps its 10% a year:

    >>> months = np.arange(24)
    >>> y = 100 * 1.1 ** (months / 12) * np.where(months >= 12, 1.5, 1.0)
    >>> stepped = loglinear_trend(y, steps=[12])
    >>> round(stepped["annual_change"], 6), stepped["steps"]
    (0.1, 1)
    """
    from scipy.stats import t as t_dist

    y = counts.astype(float)
    n = len(y)
    method = ("quasi-Poisson log-linear regression of monthly counts on time (dispersion "
              "from Pearson chi-square, floored at 1)")
    if steps:
        method = method.replace("on time", "on time, with a step in level at each break")
    k = len(steps)
    if n < 3 + k or y.sum() == 0:
        return {"annual_change": math.nan, "lower": math.nan, "upper": math.nan,
                "p_value": math.nan, "dispersion": math.nan, "method": method, "steps": k}
    raw = np.arange(n, dtype=float) if positions is None else np.asarray(positions, dtype=float)
    if raw.shape != y.shape or np.any(np.diff(raw) <= 0):
        raise ValueError("positions must give one increasing month position per count")
    columns = [np.ones(n), (raw - raw[0]) / 12.0]
    for step in steps:
        after = raw >= step
        if after.all() or not after.any():
            raise ValueError(f"step at position {step} has no months on one side of it "
                             f"(positions {raw[0]:g} to {raw[-1]:g})")
        columns.append(after.astype(float))
    design = np.column_stack(columns)
    beta = np.concatenate([[math.log(y.mean())], np.zeros(1 + k)])
    for _ in range(100):
        mu = np.exp(design @ beta)
        z = design @ beta + (y - mu) / mu
        w = mu
        xtwx = design.T @ (design * w[:, None])
        new = np.linalg.solve(xtwx, design.T @ (w * z))
        if np.max(np.abs(new - beta)) < 1e-10:
            beta = new
            break
        beta = new
    mu = np.exp(design @ beta)
    dof = n - 2 - k
    dispersion = max(1.0, float(np.sum((y - mu) ** 2 / mu) / dof))
    cov = np.linalg.inv(design.T @ (design * mu[:, None])) * dispersion
    se = math.sqrt(cov[1, 1])
    stat = beta[1] / se
    p_value = float(2 * t_dist.sf(abs(stat), dof))
    q = float(t_dist.ppf(0.5 + level / 2, dof))
    return {"annual_change": math.expm1(beta[1]), "lower": math.expm1(beta[1] - q * se),
            "upper": math.expm1(beta[1] + q * se), "p_value": p_value,
            "dispersion": dispersion, "method": method, "steps": k}


def _pct(x: float) -> str:
    return f"{'+' if x > 0 else ''}{round_half_up(x * 100, 1):.1f}%"


def violence_trend(crime: pd.DataFrame, borough: str, period_end: str | pd.Period, *,
                   start: str | pd.Period = "2018-01",
                   indicator: str | Sequence[str] = "violence_with_injury") -> ViolenceTrend:
    """Monthly counts since ``start``, a financial-year summary and a trend statement.

    Counts are the borough's MPS recorded offences for the indicator, summed over its
    canonical taxonomy ids (``taxonomy/indicators.csv``), month by month from ``start`` (or
    the earliest month the data hold, which the notes and text then say) to ``period_end``.
    Years are financial years (April to March), as the council and MOPAC report; a year the
    series covers only in part is marked ``complete=False`` and compared by its monthly
    average. The trend is a quasi-Poisson log-linear regression on time (change per year,
    95% CI, p-value), and the latest month is judged on an XmR chart.

    Parameters
    ----------
    crime : DataFrame
        Tidy MPS table (:func:`scpb_analysis.sources.mps.load_mps_crime`), or police.uk
        counts for an area outside London
        (:func:`scpb_analysis.sources.policeuk_areas.policeuk_area_crime`).
    borough : str
        The borough, or the local authority as the police.uk table names it.
    period_end : str or Period
        Last month of the series.
    start : str or Period, default "2018-01"
        First month wanted.
    indicator : str or sequence of str, default "violence_with_injury"
        A taxonomy id (``"violence_with_injury"``, ``"rape"``, ``"other_sexual_offences"``,
        ...), a set in :data:`INDICATOR_SETS` (``"sexual_offences"``,
        ``"violence_and_sexual_offences"``), a registry id carried in the MPS files
        (``"drug_offences"``), or a list of taxonomy ids; for police.uk counts, a police.uk
        crime type's id (``"violence_and_sexual_offences"``).

    Returns
    -------
    ViolenceTrend
        ``.monthly``, ``.yearly``, ``.trend_text``, ``.trend``, ``.notes``.

    Raises
    ------
    ValueError
        If the indicator is unknown, the data hold no month of the series for the borough,
        or months are missing inside it (listed).
    IncompleteIndicatorError
        If a category the taxonomy does not map may hold some of the indicator's offences in
        the months of the trend (the message names the file and the category).

    Examples
    --------
    >>> from scpb_analysis.demo import example_folder
    >>> from scpb_analysis.sources.mps import load_mps_crime
    >>> crime = load_mps_crime(example_folder() / "mps" / "borough")
    >>> out = violence_trend(crime, "Barnet", "2023-05")
    >>> out.monthly["month"].iloc[0], len(out.monthly) > 12
    (Period('2018-04', 'M'), True)
    >>> out.notes[0]
    'The data hold Violence with Injury for Barnet from April 2018, not January 2018.'
    >>> out.yearly.columns.tolist()
    ['financial_year', 'first_month', 'last_month', 'months', 'complete', 'total', \
'monthly_average']
    """
    from scpb_analysis.core.periods import month_ranges
    from scpb_analysis.sources.policeuk_areas import is_policeuk_counts
    from scpb_analysis.stats.spc import xmr, xmr_summary

    if is_policeuk_counts(crime):
        ids, label = (indicator,), indicator_name(indicator)
        name = borough
        offences = crime[crime["area_type"] == "csp"]
    else:
        ids, label = _ids(indicator)
        name = canonical_borough(borough)
        offences = _borough_offences(crime)
    end = to_month(period_end)
    first = to_month(start)
    mine = select_area(offences, name, missing="empty")
    mine = mine[(mine["month"] >= first) & (mine["month"] <= end)]
    held = sorted(set(mine["month"]))
    if not held:
        raise ValueError(f"the crime table holds no month from {month_label(first)} to "
                         f"{month_label(end)} for {name}")
    notes = []
    if held[0] > first:
        notes.append(f"The data hold {label} for {name} from {month_label(held[0])}, not "
                     f"{month_label(first)}.")
    if held[-1] < end:
        raise ValueError(f"the crime table ends in {month_label(held[-1])} for {name}, before "
                         f"{month_label(end)}")
    months = pd.period_range(held[0], end, freq="M")
    gaps = [m for m in months if m not in set(held)]
    if gaps:
        raise ValueError(f"the crime table lacks months for {name}: {month_ranges(gaps)}")
    gaps = mapping_gaps(crime, ids, start=months[0], end=end, measure="offences")
    if len(gaps):
        raise incomplete_error(gaps, consequence="no trend is drawn from part of the offences")
    counts = (mine[mine["indicator"].isin(ids)].groupby("month")["count"].sum()
              .reindex(months, fill_value=0).astype("int64"))
    chart = xmr(counts)
    monthly = pd.DataFrame({
        "month": months,
        "count": counts.to_numpy(),
        "financial_year": [financial_year(m) for m in months],
        "mean": chart["mean"].to_numpy(),
        "lower": chart["lower"].to_numpy(),
        "upper": chart["upper"].to_numpy(),
        "variation": chart["variation"].to_numpy(),
    })
    groups = monthly.groupby("financial_year", sort=False)
    yearly = pd.DataFrame({
        "financial_year": list(groups.groups),
        "first_month": groups["month"].min().to_numpy(),
        "last_month": groups["month"].max().to_numpy(),
        "months": groups.size().to_numpy(),
        "total": groups["count"].sum().to_numpy(),
    })
    yearly.insert(4, "complete", yearly["months"] == 12)
    yearly["monthly_average"] = (yearly["total"] / yearly["months"]).map(
        lambda v: round_half_up(v, 1))
    trend = loglinear_trend(counts.to_numpy())
    summary = xmr_summary(chart)
    span = f"{month_label(months[0])} to {month_label(end)}"
    avg_all = round_half_up(counts.mean(), 1)
    parts = []
    if len(months) >= 12:
        last12 = int(counts.iloc[-12:].sum())
        parts.append(f"{label} in {name}: {last12:,} offences in the 12 months to "
                     f"{month_label(end)} ({round_half_up(last12 / 12, 1):.1f} a month), "
                     f"against a monthly average of {avg_all:.1f} from {span}.")
    else:
        parts.append(f"{label} in {name}: monthly average of {avg_all:.1f} from {span}.")
    if math.isnan(trend["p_value"]):
        parts.append("Too few offences or months to test for a trend.")
    else:
        significant = trend["p_value"] < 0.05
        direction = "rise" if trend["annual_change"] > 0 else "fall"
        verdict = (f"a statistically significant {direction}" if significant
                   else "no statistically significant trend")
        p_text = "p < 0.001" if trend["p_value"] < 0.001 else f"p = {trend['p_value']:.3f}"
        parts.append(f"Over the {len(months)} months the fitted trend is "
                     f"{_pct(trend['annual_change'])} a year (95% CI {_pct(trend['lower'])} to "
                     f"{_pct(trend['upper'])}; {p_text}; quasi-Poisson log-linear "
                     f"regression): {verdict} at the 5% level.")
    parts.append(f"On an XmR chart of all {summary['points']} months, "
                 f"{month_label(summary['latest_period'])} shows "
                 f"{summary['latest_variation']} variation; "
                 f"{counted(summary['special_cause_points'], 'month')} "
                 f"{'shows' if summary['special_cause_points'] == 1 else 'show'} special cause "
                 "variation.")
    parts.extend(notes)
    return ViolenceTrend(monthly=monthly, yearly=yearly, trend_text=" ".join(parts),
                         trend=trend, notes=notes)


# ---------------------------------------------------------------------------------------------
# Deprivation


def deprivation_rates(counts: pd.DataFrame, borough: str, *,
                      lsoas: pd.DataFrame | None = None, wards: pd.DataFrame | None = None,
                      quintile_basis: str = "borough", multiplier: float = 1000,
                      confidence: float = 0.95) -> pd.DataFrame:
    """Rates overall and in the most deprived areas, with confidence intervals.

    For counts by 2021 LSOA (``lsoa_code, count``) this is
    :func:`scpb_analysis.stats.deprivation.rate_by_deprivation` (most deprived quintile
    against the rest, with the rate ratio) with a third row for the whole borough. For counts
    by May-2022 ward (``ward_code, count``), which cannot be split by LSOA deprivation, it
    gives each ward's rate beside its deprivation
    (:func:`scpb_analysis.geo.ward_profiles.ward_deprivation`), most deprived ward first,
    then the whole borough. Rates per ``multiplier`` Census 2021 residents with Poisson limits
    (:func:`scpb_analysis.stats.rates.crude_rate`).

    Parameters
    ----------
    counts : DataFrame
        ``lsoa_code`` or ``ward_code``, and ``count``; several rows per area are added up and
        areas without a row count 0.
    borough : str
        The borough.
    lsoas : DataFrame
        For LSOA counts: the borough's 2021 LSOAs with IMD 2019 and residents
        (:func:`scpb_analysis.sources.deprivation.lsoa_deprivation_table`).
    wards : DataFrame
        For ward counts: the borough's wards with their deprivation and residents
        (:func:`scpb_analysis.geo.ward_profiles.ward_deprivation`).
    quintile_basis : {"borough", "national"}
        For LSOA counts: the borough's most deprived fifth of LSOAs, or its LSOAs in England's
        most deprived fifth.
    multiplier : float, default 1000
        Rate per this many residents.
    confidence : float, default 0.95
        Confidence level.

    Returns
    -------
    DataFrame
        LSOA counts: ``group`` (``most deprived quintile``, ``rest of <area>``, ``all of
        <area>``) and the columns of ``rate_by_deprivation`` (``lsoas, count, population,
        value, lower, upper, confidence, method, multiplier, rate_ratio, ratio_lower,
        ratio_upper, quintile_basis, definition, population_source``). Ward counts:
        ``ward_code, ward_name, count, population, value, lower, upper, confidence, method,
        multiplier, share_most_deprived, mean_imd_rank`` with a last ``all of <area>`` row.

    Examples
    --------
    >>> counts = pd.DataFrame({"lsoa_code": ["E01000115"], "count": [12]})
    >>> out = deprivation_rates(counts, "Barnet", lsoas=lsoas)  # doctest: +SKIP
    >>> out["group"].tolist()  # doctest: +SKIP
    ['most deprived quintile', 'rest of Barnet', 'all of Barnet']
    """
    from scpb_analysis.stats.deprivation import rate_by_deprivation
    from scpb_analysis.stats.rates import crude_rate

    name = area_name(borough)
    if "lsoa_code" in counts:
        if lsoas is None:
            raise ValueError("LSOA counts need lsoas: the borough's LSOAs with IMD 2019 and "
                             "residents (lsoa_deprivation_table)")
        table = rate_by_deprivation(counts, lsoas, name, quintile_basis=quintile_basis,
                                    multiplier=multiplier, confidence=confidence)
        total = crude_rate(int(table["count"].sum()), int(table["population"].sum()),
                           multiplier=multiplier, confidence=confidence)
        whole = total.assign(group=f"all of {name}", lsoas=int(table["lsoas"].sum()),
                             rate_ratio=math.nan, ratio_lower=math.nan, ratio_upper=math.nan,
                             quintile_basis=quintile_basis,
                             definition=f"all {int(table['lsoas'].sum())} of {name}'s LSOAs "
                             "(2021); population Census 2021",
                             population_source=table["population_source"].iloc[0])
        return pd.concat([table, whole[table.columns]], ignore_index=True)
    if "ward_code" not in counts or "count" not in counts:
        raise ValueError("counts needs lsoa_code (2021 LSOAs) or ward_code (May-2022 wards), "
                         "and count")
    if wards is None:
        raise ValueError("ward counts need wards: the borough's wards with their deprivation "
                         "and residents (ward_deprivation)")
    codes = counts["ward_code"].astype(str).str.strip()
    foreign = sorted(set(codes) - set(wards["ward_code"]))
    if foreign:
        raise ValueError(f"{len(foreign)} ward code(s) in counts are not {name}'s May-2022 "
                         f"wards: {', '.join(foreign[:5])}")
    values = pd.to_numeric(counts["count"], errors="raise")
    per_ward = pd.Series(values.to_numpy(), index=codes).groupby(level=0).sum()
    ward_counts = wards["ward_code"].map(per_ward).fillna(0).astype("int64")
    rates = crude_rate(ward_counts.to_numpy(), wards["population"].to_numpy(),
                       multiplier=multiplier, confidence=confidence)
    out = pd.concat([wards[["ward_code", "ward_name"]], rates,
                     wards[["share_most_deprived", "mean_imd_rank"]]], axis=1)
    out = out.sort_values(["share_most_deprived", "mean_imd_rank"],
                          ascending=[False, True]).reset_index(drop=True)
    total = crude_rate(int(ward_counts.sum()), int(wards["population"].sum()),
                       multiplier=multiplier, confidence=confidence)
    pop_all = float(wards["population"].sum())
    whole = total.assign(ward_code="", ward_name=f"all of {name}",
                         share_most_deprived=float(
                             wards["population_most_deprived"].sum() / pop_all),
                         mean_imd_rank=float((wards["mean_imd_rank"]
                                              * wards["population"]).sum() / pop_all))
    return pd.concat([out, whole[out.columns]], ignore_index=True)


# ---------------------------------------------------------------------------------------------
# Appendix and scope

_SOURCE_NOTES = (
    {
        "Indicator": "Violence against the person and sexual offences; sexual offences",
        "How measured": "Offences recorded by the MPS in the 12 months, summed over the MPS "
        "categories " + ", ".join(
            indicator_name(i) for i in INDICATOR_SETS["violence_and_sexual_offences"])
        + " (sexual offences: " + ", ".join(
            indicator_name(i) for i in INDICATOR_SETS["sexual_offences"]) + ").",
        "Measured against": "Borough residents, Census 2021 (rate per 1,000); London, the 32 "
        "boroughs the MPS polices",
        "Better is": "lower",
        "Source": "MPS recorded crime: MPS Borough Level Crime, London Datastore",
        "Caveats": "Recorded crime reflects reporting and recording practice as well as "
        "offending; sexual offences are often reported long after they happened; later "
        "vintages restate history",
        "Definition changes": "2024-02: MPS moved crime recording from CRIS to CONNECT; months "
        "either side are not like for like",
    },
    {
        "Indicator": "Residents by age (Census 2021)",
        "How measured": "Usual residents on Census day (21 March 2021) in the age bands, LSOA "
        "counts (table TS007A) summed to the borough and to London.",
        "Measured against": "All usual residents; London, the 32 boroughs (City of London "
        "excluded)",
        "Better is": "no polarity",
        "Source": "ONS Census 2021, table TS007A",
        "Caveats": "ONS perturbs small cells, so LSOA sums differ from published borough "
        "totals by a few people; Census day fell in a lockdown, which moved "
        "some students and young adults",
        "Definition changes": "",
    },
    {
        "Indicator": "Deprivation (IMD 2019)",
        "How measured": "Share of LSOAs (2021), and of their Census 2021 residents, in "
        "England's most deprived fifth by Index of Multiple Deprivation 2019 rank.",
        "Measured against": "London, the 32 boroughs (City of London excluded)",
        "Better is": "lower",
        "Source": "English Indices of Deprivation 2019 (MHCLG); ONS LSOA (2011) to LSOA (2021) "
        "exact-fit lookup",
        "Caveats": "IMD 2019 mostly uses 2015-16 data and ranks areas relative to each other; "
        "published for 2011 LSOAs, carried to 2021 LSOAs (merged LSOAs take the mean rank)",
        "Definition changes": "",
    },
    {
        "Indicator": "GLA ward profiles (children, education, employment, income, health)",
        "How measured": "Borough and London rows of the GLA ward profiles, as published.",
        "Measured against": "London as published by the GLA",
        "Better is": "no polarity",
        "Source": "GLA ward profiles (London Datastore)",
        "Caveats": "Old vintage: figures from 2009 to 2015 on 2014 wards, no longer updated; "
        "each row's period names its year; replace with current DfE, DWP, ONS and OHID "
        "figures when obtained",
        "Definition changes": "",
    },
)


def definitions_appendix(indicators: Sequence[str] | None = None, *,
                         include_sources: bool = True) -> pd.DataFrame:
    """How each measure of the needs assessment is defined, and what to bear in mind.

    The registry's "how measured / measured against" table
    (:func:`scpb_analysis.reference.indicators.how_measured`) for the indicators, then (with
    ``include_sources``) one row per other source of the risk-factor table with its
    definition and data-quality notes.

    Parameters
    ----------
    indicators : sequence of str, optional
        Registry ids; default :data:`NEEDS_INDICATORS`.
    include_sources : bool, default True
        Add the rows for the composite crime measures, Census 2021, IMD 2019 and the GLA ward
        profiles.

    Returns
    -------
    DataFrame
        ``Indicator, How measured, Measured against, Better is, Source, Caveats, Definition
        changes``.

    Examples
    --------
    >>> appendix = definitions_appendix(["violence_with_injury"])
    >>> appendix["Indicator"].tolist()[:2]
    ['Violence with Injury', 'Violence against the person and sexual offences; sexual offences']
    >>> len(definitions_appendix(include_sources=False)) == len(NEEDS_INDICATORS)
    True
    """
    table = how_measured(list(indicators) if indicators is not None else list(NEEDS_INDICATORS))
    if include_sources:
        table = pd.concat([table, pd.DataFrame(list(_SOURCE_NOTES), columns=table.columns)],
                          ignore_index=True)
    return table


def scope_text(definition: ViolenceDefinition | str | None = None, kind: str = "london") -> str:
    """The duty, its meaning of violence, the local definition used and the scope (markdown).

    The Act and duty paragraphs are fixed; the definition paragraph and what is in and out of
    the assessment come from the registry entry
    (:mod:`scpb_analysis.reference.serious_violence`), for the kind of data the page reads.
    Outside London (``kind="policeuk"``) the scope speaks of the area and its police force.

    Parameters
    ----------
    definition : ViolenceDefinition or str, optional
        The local definition, or its name; default the kind's
        (:data:`~scpb_analysis.reference.serious_violence.DEFAULT_DEFINITION`: London's in
        London, the Home Office's outside).
    kind : {"london", "policeuk"}
        The data the page reads: MPS files, or police.uk outside London.

    Returns
    -------
    str

    Examples
    --------
    >>> text = scope_text("london")
    >>> text.splitlines()[0][:40]
    '**The duty.** Chapter 1 of Part 2 of the'
    >>> "under the age of 25" in text and "sexual offences" in text
    True
    >>> outside = scope_text("home_office", kind="policeuk")
    >>> "London" in outside or "borough" in outside
    False
    """
    from scpb_analysis.reference.serious_violence import DEFAULT_DEFINITION, violence_definition

    if kind not in DEFAULT_DEFINITION:
        raise ValueError(f"kind must be one of {', '.join(DEFAULT_DEFINITION)}; got {kind!r}")
    if definition is None:
        definition = DEFAULT_DEFINITION[kind]
    if isinstance(definition, str):
        definition = violence_definition(definition)
    named = ", ".join(indicator_name(i).lower() for i in definition.indicators(kind))
    if kind == "london":
        where = ("Recorded serious violence in the borough (MPS borough files, Monthly Crime "
                 f"Dashboard extract and VAWG offences file: {named}) against London")
    else:
        where = ("Recorded serious violence in the area (police.uk street-level crime: "
                 f"{named}) against its police force's area")
    young = (" for people under 25" if definition.under_25_focus else "")
    return f"""**The duty.** Chapter 1 of Part 2 of the
Police, Crime, Sentencing and Courts Act 2022 (the Serious Violence Duty, in force from 31
January 2023) requires the specified authorities (the police, fire and rescue, justice
(probation and youth offending teams), health (Integrated Care Boards) and local authorities) to
work together to prevent and reduce serious violence in their area: to identify the kinds of
serious violence that occur and their causes, so far as possible, through a strategic needs
assessment, and to prepare, publish and implement a strategy, kept under review. Educational,
prison and youth custody authorities must cooperate with them. The Act also amended the Crime
and Disorder Act 1998 so that preventing and reducing serious violence is an explicit priority
for Community Safety Partnerships.

**What counts as violence.** Section 13 of the Act: "violence" includes, in particular,
domestic abuse (within the meaning of the Domestic Abuse Act 2021), sexual offences, violence
against property and threats of violence, but does not include terrorism. The Act leaves
*serious* violence to be defined locally, taking account of the maximum penalty for the
offence, the impact on any victim, the prevalence of the violence in the area and its impact
on the community (Home Office statutory guidance, December 2022).

{definition.text(kind)}
**Scope of this needs assessment.** {where}; the risk factors{young} (age, sex, children,
education, young mothers, employment, neighbourhood, households, health and perception of
violence); rates in the most deprived areas. Every figure states its period, comparator and
source; statistics the partnership does not yet hold read "not available — needs *a dataset*
from *its owner*", naming the data to request from each duty holder.
"""


#: police.uk's crime type for violence (it includes sexual offences).
POLICEUK_VIOLENCE = "Violence and sexual offences"


def violence_by_deprivation(borough: str, period_end: str | pd.Period, *,
                            points: pd.DataFrame | None = None,
                            ward_crime: pd.DataFrame | None = None,
                            lsoas: pd.DataFrame | None = None,
                            wards: pd.DataFrame | None = None,
                            indicator: str = "violence_with_injury",
                            months: int = 12) -> tuple[pd.DataFrame, list[str]]:
    """Violence per 1,000 residents overall and in the most deprived areas, with 95% CIs.

    The most deprived quintile needs counts by LSOA: police.uk street-level
    "Violence and sexual offences" records (``points``) give them (via
    :func:`deprivation_rates`, most deprived fifth of the borough's LSOAs against the rest).
    Without them, the MPS ward counts of ``indicator`` give each ward's rate beside its
    deprivation, and the notes say what the quintile rate needs.

    Parameters
    ----------
    borough : str
    period_end : str or Period
        Last month of the ``months``-month window.
    points : DataFrame, optional
        police.uk street-level records (:func:`scpb_analysis.sources.policeuk.read_policeuk`);
        None if the data hold none.
    ward_crime : DataFrame, optional
        The borough's MPS ward rows (:func:`scpb_analysis.sources.mps.area_ward_crime`),
        used where police.uk cannot give the LSOA counts.
    lsoas, wards : DataFrame, optional
        As for :func:`deprivation_rates`.

    Returns
    -------
    (DataFrame, list of str)
        The :func:`deprivation_rates` table and notes on what it is based on.

    Examples
    --------
    >>> table, notes = violence_by_deprivation("Barnet", "2023-05", ward_crime=ward_crime,
    ...                                        wards=wards)  # doctest: +SKIP
    """
    from scpb_analysis.core.periods import Window, check_coverage, month_ranges, to_month

    end = to_month(period_end)
    window = Window(end - (months - 1), end)
    notes: list[str] = []
    if points is not None and lsoas is not None:
        # Only the area's own LSOAs: a data folder may hold police.uk files of other forces.
        mine = points[points["lsoa_code"].isin(set(lsoas["lsoa_code"]))]
        violent = mine[(mine["crime_type"] == POLICEUK_VIOLENCE)
                       & (mine["month"] >= window.start) & (mine["month"] <= window.end)]
        # Every month of the window must be in the files (a month with no violence is a 0;
        # a month with no file is a gap, never a 0: the ward counts are used instead, if whole).
        gap = sorted(set(window.months) - set(mine["month"]))
        if len(violent) and gap:
            notes.append(f"The police.uk files lack {month_ranges(gap)}, so they cannot give "
                         "the rate in the most deprived quintile.")
        if len(violent) and not gap:
            counts = violent.groupby("lsoa_code").size().rename("count").reset_index()
            notes.append(f"police.uk '{POLICEUK_VIOLENCE}' by LSOA, {window.label}; the most "
                         "deprived quintile is the borough's most deprived fifth of LSOAs "
                         "(IMD 2019).")
            return deprivation_rates(counts, borough, lsoas=lsoas), notes
    if points is not None:
        # police.uk points were given but cannot give the LSOA counts: say what is lacking.
        notes.append(not_available(f"police.uk street-level '{POLICEUK_VIOLENCE}' records by "
                                   "LSOA for the rate in the most deprived quintile",
                                   "data.police.uk") + ".")
    if ward_crime is None:
        raise ValueError("without police.uk points by LSOA, violence by deprivation needs "
                         "ward_crime: the borough's MPS ward rows")
    check_coverage(set(ward_crime["month"]), [window],
                   what=f"the ward data for {area_name(borough)}")
    rows = ward_crime[(ward_crime["indicator"] == indicator)
                      & (ward_crime["month"] >= window.start) & (ward_crime["month"] <= window.end)]
    counts = rows.groupby("area_code")["count"].sum().rename("count").reset_index().rename(
        columns={"area_code": "ward_code"})
    notes.append(f"Ward counts of {indicator_name(indicator).lower()}, {window.label}, with "
                 "each ward's share of residents in England's most deprived IMD fifth.")
    return deprivation_rates(counts, borough, wards=wards), notes


def types_by_deprivation(crime: pd.DataFrame, area: str, period_end: str | pd.Period, *,
                         lsoas: pd.DataFrame, indicators: Sequence[str],
                         months: int = 12) -> pd.DataFrame:
    """Each crime type's rate in the area's most deprived fifth of LSOAs against the rest.

    Outside London police.uk counts every crime type by LSOA, so the needs assessment can set
    each beside deprivation (violence and sexual offences, robbery, weapons, drugs,
    anti-social behaviour), as :func:`deprivation_rates` does for one.

    Parameters
    ----------
    crime : DataFrame
        police.uk counts for the area
        (:func:`scpb_analysis.sources.policeuk_areas.policeuk_area_crime`), its ``lsoa`` rows
        read.
    area : str
        The local authority.
    period_end : str or Period
        Last month of the ``months``-month window.
    lsoas : DataFrame
        The area's 2021 LSOAs with IMD 2019 and residents.
    indicators : sequence of str
        police.uk crime type ids.

    Returns
    -------
    DataFrame
        ``indicator, crime_type``, then the columns of :func:`deprivation_rates` (three rows per
        type: most deprived quintile, rest, whole area).

    Raises
    ------
    CoverageError
        If the counts lack a month of the window (a month without a police.uk file is never 0).
    """
    from scpb_analysis.core.periods import Window, check_coverage
    from scpb_analysis.reference.taxonomy import indicator_name

    end = to_month(period_end)
    window = Window(end - (months - 1), end)
    rows = crime[crime["area_type"] == "lsoa"]
    check_coverage(set(rows["month"]), [window], what=f"the police.uk counts for {area}")
    rows = rows[(rows["month"] >= window.start) & (rows["month"] <= window.end)]
    parts = []
    for indicator in indicators:
        counts = (rows[rows["indicator"] == indicator].groupby("area_code")["count"].sum()
                  .rename("count").rename_axis("lsoa_code").reset_index())
        table = deprivation_rates(counts, area, lsoas=lsoas)
        table.insert(0, "crime_type", indicator_name(indicator))
        table.insert(0, "indicator", indicator)
        table.insert(2, "window", window.label)
        parts.append(table)
    return pd.concat(parts, ignore_index=True)

