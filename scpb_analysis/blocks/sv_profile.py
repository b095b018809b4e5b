"""The problem profile of serious violence: each in-scope offence group, its series and its rate.

For every group a local definition puts in scope
(:mod:`scpb_analysis.reference.serious_violence`) and the data hold, :func:`problem_profile`
gives one row of facts and :func:`profile_text` one sentence built from that row:

- the monthly series from the earliest month the data hold for the group, its gaps and its
  series breaks (stated, never bridged: the XmR limits are drawn afresh after each break and
  gap, and the trend is fitted on the months since the latest break);
- an XmR verdict for the last month (:func:`~scpb_analysis.stats.spc.xmr`) and a log-linear
  trend test (:func:`~scpb_analysis.blocks.needs_assessment.loglinear_trend`: % a year, 95%
  CI, p);
- the 12-month total against the 12 before with the exact test of
  :func:`~scpb_analysis.stats.change.change_test`;
- a rate per 1,000 Census 2021 residents (victims aged 1-24 per 100,000 residents aged 0-24:
  :func:`~scpb_analysis.blocks.violence_profile.knife_victim_rate`) with its 95% confidence
  interval, beside London (or the police force's area), Better/Similar/Worse by the Fingertips
  rule;
- small numbers (fewer than :data:`SMALL_COUNT` in either 12-month period): counts in each
  12-month period over up to five years, never a rate, test or chart verdict.

The long monthly table (:attr:`SeriousViolenceProfile.monthly`) is what
:func:`~scpb_analysis.blocks.dashboard.trend_chart` draws; :func:`profile_charts` draws one
chart per group.

Months the data do not hold are gaps, never zeros. The one exception is the publisher's own
convention, carried by the loader as ``zero_filled``: a month a file covers without a row for
the series is a month with none recorded (the MPS leaves such rows out); the notes say how many
months of each 12-month total were read so.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from scpb_analysis.core.periods import month_label, month_ranges, to_month
from scpb_analysis.core.rounding import round_half_up
from scpb_analysis.core.words import counted
from scpb_analysis.reference.geography import (
    borough_population,
    canonical_borough,
    london_boroughs,
    select_area,
)
from scpb_analysis.reference.serious_violence import ViolenceDefinition, violence_definition
from scpb_analysis.reference.taxonomy import indicator_name

__all__ = ["MIN_SPC_MONTHS", "MIN_TREND_MONTHS", "PROFILE_COLUMNS", "SMALL_COUNT",
           "SMALL_COUNT_YEARS", "SeriousViolenceProfile", "problem_profile", "profile_charts",
           "profile_findings", "profile_text"]

#: A group with fewer offences (or victims) than this in either 12-month period is shown as
#: counts over several years, without a rate, a test or a chart verdict (ONS treats rates from
#: fewer than 20 events as unreliable).
SMALL_COUNT = 20
#: How many 12-month periods small numbers are counted over, at most.
SMALL_COUNT_YEARS = 5
#: The fewest consecutive like-for-like months an XmR chart is drawn over.
MIN_SPC_MONTHS = 12
#: The fewest like-for-like months a trend is fitted on: two years, so that a season's high or
#: low months at either end of a short series are not read as a trend.
MIN_TREND_MONTHS = 24

#: Columns of :attr:`SeriousViolenceProfile.table`, in order.
PROFILE_COLUMNS = [
    "indicator", "group", "source", "series_from", "series_to", "months_held", "gaps", "breaks",
    "like_for_like_from", "spc_month", "spc_variation", "special_cause_months",
    "trend_pct_year", "trend_lower", "trend_upper", "trend_p_value", "trend_window",
    "window_12m", "n_12m", "window_12m_prev", "n_12m_prev", "pct_change_12m", "p_value_12m",
    "significance_12m", "rate_period", "count", "denominator", "value", "lower", "upper",
    "confidence", "multiplier", "unit", "comparator", "comparator_value", "comparison",
    "small_numbers", "yearly_counts", "status", "method", "notes",
]
_MONTHLY_COLUMNS = ["indicator", "group", "month", "count", "zero_filled", "segment", "mean",
                    "lower", "upper", "variation"]
_KNIFE_VICTIMS = "knife_injury_victims_1_24"
_DEFINITION_CHANGE = "definition change"
_RECORDING_CHANGE = "recording system change"
_NOT_LIKE_FOR_LIKE = "the two 12-month periods are not like for like"
# Breaks of these kinds are not changes in what a borough series counts.
_NOT_SERIES_BREAKS = ("vintage seam", "boundary change")
_SMALL_RULE = (f"fewer than {SMALL_COUNT} in either 12-month period: shown as counts in each "
               f"12-month period (up to {SMALL_COUNT_YEARS}), without a rate, confidence "
               "interval, test or chart verdict, as a few events more or less would move them "
               "by a large fraction (ONS treats rates from fewer than 20 events as unreliable)")


@dataclass(frozen=True)
class SeriousViolenceProfile:
    """The problem profile: one row per in-scope group, the monthly series and the sentences.

    Attributes
    ----------
    table : DataFrame
        :data:`PROFILE_COLUMNS`, one row per in-scope group of the definition (a group the
        data do not hold has its reason in ``status``).
    monthly : DataFrame
        ``indicator, group, month, count, zero_filled, segment, mean, lower, upper,
        variation``: every month held, with the XmR chart of its like-for-like run (NaN
        limits where the run is shorter than :data:`MIN_SPC_MONTHS` or the numbers small).
    breaks : dict
        Per indicator, the ``(month, label)`` series breaks a chart draws.
    text : str
        :func:`profile_text`: one sentence per group.
    area, comparator, kind, definition : str
        What was profiled, against what, from which data, under which definition.
    notes : list of str
        What the table cannot show and why, for the page.
    """

    table: pd.DataFrame
    monthly: pd.DataFrame
    breaks: dict[str, list[tuple[pd.Period, str]]] = field(default_factory=dict)
    text: str = ""
    area: str = ""
    comparator: str = ""
    kind: str = "london"
    definition: str = ""
    notes: list[str] = field(default_factory=list)


# -- the data of each kind ----------------------------------------------------------------


@dataclass
class _Frame:
    """The area's rows, the comparator's rows by area and their residents, for one kind."""

    name: str
    comparator: str
    own: pd.DataFrame
    peers: pd.DataFrame          # comparator rows, "key" naming each area of the comparator
    keys: list[str]              # every area the comparator needs
    residents: pd.Series | None  # residents by key (None: no population given)
    own_key: str
    population_source: str


def _check_columns(crime: pd.DataFrame, needed: set[str], expected: str) -> None:
    missing = sorted(needed - set(crime.columns))
    if missing:
        raise ValueError(f"the crime table lacks column(s) {', '.join(missing)}; expected "
                         f"{expected}")


def _london_frame(crime: pd.DataFrame, area: str, population: pd.DataFrame | None) -> _Frame:
    _check_columns(crime, {"month", "area_type", "borough", "indicator", "measure", "count"},
                   "the tidy table of scpb_analysis.sources.mps.read_mps_crime_for_period "
                   "(data.crime_for_period().table)")
    name = canonical_borough(area)
    rows = crime[(crime["area_type"] == "borough") & (crime["measure"] == "offences")]
    rows = rows.assign(borough=rows["borough"].astype(str), indicator=rows["indicator"]
                       .astype(str))
    keys = london_boroughs()["borough"].tolist()
    pops = borough_population() if population is None else population
    _check_columns(pops, {"borough", "population"}, "Census 2021 residents by borough "
                   "(scpb_analysis.reference.geography.borough_population)")
    source = str(pops["source"].iloc[0]) if "source" in pops else "the population given"
    residents = pops.set_index(pops["borough"].astype(str))["population"]
    return _Frame(name, "London", select_area(rows, name, missing="empty"),
                  rows[rows["borough"].isin(keys)].assign(key=lambda f: f["borough"]), keys,
                  residents.reindex(keys), name, source)


def _policeuk_frame(crime: pd.DataFrame, area: str, population: pd.DataFrame | None) -> _Frame:
    _check_columns(crime, {"month", "area_type", "area_code", "borough", "indicator", "count"},
                   "police.uk counts of scpb_analysis.sources.policeuk_areas."
                   "policeuk_area_crime (data.policeuk_area().table)")
    rows = crime[crime["area_type"] == "csp"]
    own = select_area(rows, area, missing="empty")
    if own.empty:
        held = ", ".join(sorted(set(rows["borough"].astype(str))))
        raise ValueError(f"the police.uk counts hold no rows for '{area}'; they hold: {held}")
    code = str(own["area_code"].iloc[0])
    force = str(crime["force"].iloc[0]) if "force" in crime else "the force"
    keys = sorted(set(rows["area_code"].astype(str)))
    residents = None
    source = ""
    if population is not None:
        _check_columns(population, {"la_code", "population"}, "Census 2021 residents by "
                       "local authority (scpb_analysis.sources.la_population.la_population)")
        residents = population.set_index(population["la_code"].astype(str))["population"]
        residents = residents[~residents.index.duplicated()].reindex(keys)
        source = (str(population["source"].iloc[0]) if "source" in population
                  else "the population given")
    return _Frame(area, f"{force} area ({len(keys)} local authorities)", own,
                  rows.assign(key=rows["area_code"].astype(str)), keys, residents, code, source)


# -- one group ----------------------------------------------------------------------------


def _check_once(rows: pd.DataFrame, indicator: str) -> None:
    """Refuse an area x month held twice: a sum over it would count the month twice."""
    twice = rows.duplicated(["borough", "month"])
    if twice.any():
        first = rows.loc[twice].iloc[0]
        raise ValueError(f"the crime table holds {indicator} for {first['borough']} in "
                         f"{first['month']} twice; expected one publication per month (the "
                         "table of read_mps_crime_for_period, not every vintage)")


def _series(own: pd.DataFrame, indicator: str, end: pd.Period) -> tuple[pd.Series, pd.Series]:
    """Monthly counts of the area held up to ``end``, and which were read as zero."""
    rows = own[(own["indicator"] == indicator) & (own["month"] <= end)]
    _check_once(rows, indicator)
    counts = rows.set_index("month")["count"].sort_index().astype("int64")
    filled = (rows.set_index("month")["zero_filled"].sort_index().astype(bool)
              if "zero_filled" in rows else pd.Series(False, index=counts.index))
    return counts, filled


def _group_breaks(breaks: pd.DataFrame | None, indicator: str, publications: set[str],
                  first: pd.Period, end: pd.Period) -> pd.DataFrame:
    """Breaks inside the series: its publication's, and recording-system changes of any MPS
    publication (the CRIS to CONNECT move changed how every MPS count was recorded)."""
    if breaks is None or breaks.empty:
        return pd.DataFrame(columns=["month", "kind", "detail"])
    months = pd.PeriodIndex(breaks["month"].astype(str), freq="M")
    keep = ((breaks["level"] == "borough") & (breaks["measure"] == "offences")
            & breaks["indicator"].isin(["*", indicator])
            & ~breaks["kind"].isin(_NOT_SERIES_BREAKS) & (months > first) & (months <= end))
    if "publication" in breaks:
        keep &= (breaks["publication"].isin(publications)
                 | (breaks["kind"] == "recording system change"))
    found = breaks.loc[keep].assign(month=months[keep.to_numpy()])
    return found.drop_duplicates(["month", "kind"]).sort_values("month")


def _runs(months: pd.PeriodIndex, cuts: Sequence[pd.Period]) -> list[pd.PeriodIndex]:
    """Consecutive months held, split again at each break month."""
    runs: list[list[pd.Period]] = []
    for m in months:
        if runs and (m - runs[-1][-1]).n == 1 and m not in cuts:
            runs[-1].append(m)
        else:
            runs.append([m])
    return [pd.PeriodIndex(r, freq="M") for r in runs]


def _fmt(value: float, decimals: int = 1) -> str:
    return f"{round_half_up(value, decimals):,.{decimals}f}"


def _pct(x: float) -> str:
    value = round_half_up(x * 100, 1)
    return f"{'+' if value > 0 else ''}{value:.1f}%"


def _window_sum(counts: pd.Series, months: pd.PeriodIndex) -> int | None:
    return int(counts.reindex(months).sum()) if set(months) <= set(counts.index) else None


def _comparator_sum(frame: _Frame, indicator: str, months: pd.PeriodIndex) -> int | None:
    """The comparator's count over the months, or None unless every area holds every month."""
    rows = frame.peers[(frame.peers["indicator"] == indicator)
                       & frame.peers["month"].isin(months)]
    _check_once(rows, indicator)
    held = rows.groupby("key")["month"].nunique()
    if any(held.get(k, 0) < len(months) for k in frame.keys):
        return None
    return int(rows["count"].sum())


def _latest_full_window(counts: pd.Series, end: pd.Period) -> pd.PeriodIndex | None:
    """The latest 12 consecutive months held up to ``end``."""
    held = set(counts.index)
    last = end
    while last >= counts.index.min() + 11:
        months = pd.period_range(last - 11, last, freq="M")
        if set(months) <= held:
            return months
        last -= 1
    return None


def _label(months: pd.PeriodIndex) -> str:
    return f"{month_label(months[0])} to {month_label(months[-1])}"


def _rate(frame: _Frame, indicator: str, count: int, months: pd.PeriodIndex,
          confidence: float) -> dict[str, Any]:
    """Rate per 1,000 residents, the comparator's and the Fingertips comparison."""
    from scpb_analysis.stats.benchmark import compare_to_benchmark
    from scpb_analysis.stats.rates import crude_rate

    out: dict[str, Any] = {"multiplier": 1000, "unit": "offences per 1,000 residents"}
    if frame.residents is None or pd.isna(frame.residents.get(frame.own_key)):
        out["why"] = ("no rate: needs Census 2021 residents of the area (ONS, by local "
                      "authority)")
        return out
    own = crude_rate(count, int(frame.residents[frame.own_key]), multiplier=1000,
                     confidence=confidence).iloc[0]
    out.update(count=count, denominator=int(own["population"]), value=float(own["value"]),
               lower=float(own["lower"]), upper=float(own["upper"]), ci=own["method"])
    total = _comparator_sum(frame, indicator, months)
    if total is None or frame.residents.isna().any():
        out["comparison"] = "not compared"
        out["why"] = (f"{frame.comparator} not compared: the data do not hold every area of "
                      f"it for every month of {_label(months)}, or its residents")
        return out
    bench = total / float(frame.residents.sum()) * 1000
    out["comparator_value"] = bench
    out["comparison"] = compare_to_benchmark(own["lower"], own["upper"], bench,
                                             "lower_is_better")["comparison"].iloc[0]
    return out


def _knife_rate(crime: pd.DataFrame, young: pd.DataFrame | None, name: str,
                end: pd.Period, confidence: float) -> dict[str, Any]:
    from scpb_analysis.blocks.violence_profile import knife_victim_rate

    out: dict[str, Any] = {"multiplier": 100_000,
                           "unit": "victims aged 1-24 per 100,000 residents aged 0-24"}
    if young is None:
        out["why"] = ("no rate: needs Census 2021 residents aged 0-24 by LSOA (ONS table "
                      "TS007A)")
        return out
    table = knife_victim_rate(crime, young, name, end, confidence=confidence).table
    own, london = table.iloc[0], table.iloc[1]
    if own["status"] != "computed":
        out["why"] = str(own["status"])
        return out
    out.update(count=int(own["count"]), denominator=int(own["population"]),
               value=float(own["value"]), lower=float(own["lower"]),
               upper=float(own["upper"]), comparison=own["comparison"],
               ci=str(own["method"]))
    if london["status"] == "computed":
        out["comparator_value"] = float(london["value"])
    else:
        out["why"] = str(london["status"])
    return out


def _yearly(counts: pd.Series, end: pd.Period) -> tuple[str, int, int]:
    """Counts in 12-month periods back from ``end`` (those held whole, up to
    :data:`SMALL_COUNT_YEARS`): the text, the total and how many periods."""
    parts, total, n = [], 0, 0
    for k in range(SMALL_COUNT_YEARS):
        months = pd.period_range(end - 12 * k - 11, end - 12 * k, freq="M")
        value = _window_sum(counts, months)
        if value is None:
            break
        parts.append(f"{_label(months)}: {value:,}")
        total += value
        n += 1
    return "; ".join(parts), total, n


def _trend_and_spc(counts: pd.Series, found: pd.DataFrame, small: bool,
                   end: pd.Period) -> tuple[dict[str, Any], list[pd.DataFrame], list[str]]:
    from scpb_analysis.blocks.needs_assessment import loglinear_trend
    from scpb_analysis.stats.spc import xmr

    notes = []
    cuts = list(found["month"])
    start = cuts[-1] if cuts else counts.index.min()
    facts: dict[str, Any] = {"like_for_like_from": month_label(start)}
    # A recording-system change moves the level of every count but not what is counted: the
    # trend is fitted across it with a step in level; a coding or definition change starts
    # the trend again.
    restarts = [b.month for b in found.itertuples() if b.kind != _RECORDING_CHANGE]
    trend_start = restarts[-1] if restarts else counts.index.min()
    steps = [b for b in found.itertuples()
             if b.kind == _RECORDING_CHANGE and b.month > trend_start]
    runs = _runs(pd.PeriodIndex(counts.index, freq="M"), cuts)
    charts = []
    for i, run in enumerate(runs):
        part = pd.DataFrame({"month": run, "segment": i + 1})
        if not small and len(run) >= MIN_SPC_MONTHS:
            chart = xmr(counts.reindex(run).astype(float))
            part = part.assign(mean=chart["mean"].to_numpy(), lower=chart["lower"].to_numpy(),
                               upper=chart["upper"].to_numpy(),
                               variation=chart["variation"].to_numpy())
        charts.append(part)
    last = charts[-1]
    if small:
        notes.append("no chart verdict or trend test: small numbers")
    elif runs[-1][-1] != end:
        notes.append(f"no chart verdict: the data end in {month_label(runs[-1][-1])}")
    elif "variation" not in last:
        notes.append(f"no chart verdict: only {len(runs[-1])} consecutive like-for-like "
                     f"months end in {month_label(end)} (an XmR chart needs "
                     f"{MIN_SPC_MONTHS})")
    else:
        facts.update(spc_month=month_label(end), spc_variation=str(last["variation"].iloc[-1]),
                     special_cause_months=int((last["variation"] != "common cause").sum()))
    inside = counts[counts.index >= trend_start]
    if small:
        pass
    elif len(inside) < MIN_TREND_MONTHS:
        notes.append(f"no trend test: only {len(inside)} like-for-like months since "
                     f"{month_label(trend_start)} (the test needs {MIN_TREND_MONTHS})")
    else:
        positions = np.array([(m - trend_start).n for m in inside.index])
        trend = loglinear_trend(inside.to_numpy(), positions=positions,
                                steps=[(b.month - trend_start).n for b in steps])
        if not math.isnan(trend["p_value"]):
            window = f"{month_label(inside.index[0])} to {month_label(end)}"
            if len(inside) < (end - inside.index[0]).n + 1:
                window += f", {len(inside)} months held"
            if steps:
                window += ", with a step in level at " + " and ".join(
                    f"{month_label(b.month)} ({b.kind})" for b in steps)
            facts.update(trend_pct_year=trend["annual_change"] * 100,
                         trend_lower=trend["lower"] * 100, trend_upper=trend["upper"] * 100,
                         trend_p_value=trend["p_value"], trend_window=window)
    return facts, charts, notes


def _profile_group(frame: _Frame, crime: pd.DataFrame, indicator: str, end: pd.Period,
                   breaks: pd.DataFrame | None, young: pd.DataFrame | None, confidence: float,
                   kind: str) -> tuple[dict[str, Any], pd.DataFrame, list[tuple]]:
    from scpb_analysis.stats.change import change_test, format_percent_change, percent_change

    row: dict[str, Any] = {c: None for c in PROFILE_COLUMNS}
    row.update(indicator=indicator, group=indicator_name(indicator), confidence=confidence,
               comparator=frame.comparator, small_numbers=False)
    counts, filled = _series(frame.own, indicator, end)
    mine = frame.own[frame.own["indicator"] == indicator]
    publications = set(mine["publication"].astype(str)) if "publication" in mine else set()
    row["source"] = "; ".join(sorted(publications)) or "the crime table given"
    if counts.empty:
        row["status"] = (f"not available: the data hold no {row['group'].lower()} for "
                         f"{frame.name} up to {month_label(end)}")
        return row, pd.DataFrame(columns=_MONTHLY_COLUMNS), []
    months = pd.PeriodIndex(counts.index, freq="M")
    span = pd.period_range(months[0], end, freq="M")
    gaps = [m for m in span if m not in set(months)]
    found = _group_breaks(breaks, indicator, publications, months[0], end)
    notes: list[str] = []
    row.update(series_from=month_label(months[0]), series_to=month_label(months[-1]),
               months_held=len(months), gaps=month_ranges(gaps) if gaps else "",
               breaks="; ".join(f"{month_label(b.month)} ({b.kind})"
                                for b in found.itertuples()))
    if gaps:
        notes.append(f"the data lack {month_ranges(gaps)}: gaps, not zeros")

    current = pd.period_range(end - 11, end, freq="M")
    previous = current - 12
    n_cur, n_prev = _window_sum(counts, current), _window_sum(counts, previous)
    row.update(window_12m=_label(current), window_12m_prev=_label(previous), n_12m=n_cur,
               n_12m_prev=n_prev)
    held_counts = [n for n in (n_cur, n_prev) if n is not None]
    if not held_counts:
        latest = _latest_full_window(counts, end)
        held_counts = [_window_sum(counts, latest)] if latest is not None else []
    small = bool(held_counts) and min(held_counts) < SMALL_COUNT
    row["small_numbers"] = small

    facts, charts, spc_notes = _trend_and_spc(counts, found, small, end)
    row.update(facts)
    notes += spc_notes

    if n_cur is None:
        notes.append(f"no 12-month total to {month_label(end)}: the data lack "
                     f"{month_ranges([m for m in current if m not in set(months)])}")
    if n_cur is not None and n_prev is None:
        notes.append(f"no 12-month change: the data lack "
                     f"{month_ranges([m for m in previous if m not in set(months)])}")
    zeros = sorted(m for m in filled.index[filled.to_numpy()] if m in set(current))
    if zeros:
        notes.append(f"{counted(len(zeros), 'month')} of the 12 without a row for {frame.name} "
                     f"({month_ranges(zeros)}) read as none recorded, as the MPS leaves such "
                     "rows out")
    definition_change = found[(found["kind"] == _DEFINITION_CHANGE)
                              & (found["month"] > previous[0])]
    crossing = found[(found["month"] > previous[0]) & (found["month"] <= end)]
    if small:
        text, total, years = _yearly(counts, end)
        row.update(yearly_counts=text, count=total if years else None,
                   rate_period=(f"{years} 12-month period{'s' if years != 1 else ''} to "
                                f"{month_label(end)}" if years else None),
                   status="small numbers: counts only",
                   method=f"Small numbers rule: {_SMALL_RULE}.")
    else:
        if n_cur is not None and n_prev is not None:
            if len(definition_change):
                notes.append("no percentage change or test: the definition changed in "
                             f"{month_label(definition_change['month'].iloc[0])}")
            else:
                test = change_test(n_cur, n_prev).iloc[0]
                # As printed: a real change too small for one decimal keeps its first
                # significant place (-0.03), so the table and its sentence agree.
                pct = percent_change(n_cur, n_prev)
                row.update(pct_change_12m=(None if pct is None else
                                           float(format_percent_change(n_cur, n_prev))),
                           p_value_12m=float(test["p_value"]),
                           significance_12m=str(test["significance"]))
                if len(crossing):
                    notes.append(f"{_NOT_LIKE_FOR_LIKE}: "
                                 + "; ".join(f"{b.kind} in {month_label(b.month)}"
                                             for b in crossing.itertuples()))
        rate_months = current if n_cur is not None else _latest_full_window(counts, end)
        if rate_months is None:
            notes.append("no rate: the data hold no 12 consecutive months")
        else:
            row["rate_period"] = _label(rate_months)
            if indicator == _KNIFE_VICTIMS and kind == "london":
                rate = _knife_rate(crime, young, frame.name, rate_months[-1], confidence)
                if n_cur is None and "count" in rate:
                    rate["count"] = _window_sum(counts, rate_months)
            else:
                rate = _rate(frame, indicator, _window_sum(counts, rate_months), rate_months,
                             confidence)
            if "why" in rate:
                notes.append(rate.pop("why"))
            ci = rate.pop("ci", None)
            row.update({k: v for k, v in rate.items() if k in PROFILE_COLUMNS})
            if ci is not None:
                row["method"] = (f"{row['unit']}; {confidence:.0%} interval: {ci}; compared "
                                 f"with {frame.comparator} by the Fingertips rule (Similar if "
                                 "its value lies inside the interval, else Better or Worse; "
                                 "lower is better)")
        row["status"] = "computed" if not notes else "partly computed"
    row["notes"] = "; ".join(notes)
    monthly = pd.concat(charts, ignore_index=True)
    monthly = monthly.assign(indicator=indicator, group=row["group"],
                             count=counts.reindex(monthly["month"]).to_numpy(),
                             zero_filled=filled.reindex(monthly["month"]).to_numpy())
    monthly = monthly.reindex(columns=_MONTHLY_COLUMNS)
    if small:
        monthly[["mean", "lower", "upper", "variation"]] = np.nan
    labels = [(m, f"{k.capitalize()}, {m.strftime('%b %Y')}") for m, k in
              zip(found["month"], found["kind"], strict=True)]
    return row, monthly, labels


# -- the block ----------------------------------------------------------------------------


def problem_profile(crime: pd.DataFrame, area: str, period_end: str | pd.Period,
                    definition: ViolenceDefinition | str, kind: str = "london", *,
                    population: pd.DataFrame | None = None,
                    young_population: pd.DataFrame | None = None,
                    breaks: pd.DataFrame | None = None,
                    confidence: float = 0.95) -> SeriousViolenceProfile:
    """The problem profile of each in-scope group of a definition, from the data's months.

    Parameters
    ----------
    crime : DataFrame
        In London, the tidy table of the MPS borough files and the Monthly Crime Dashboard
        extract, every borough (``data.crime_for_period().table``); outside London, the
        police.uk counts of the area and its force (``data.policeuk_area().table``).
    area : str
        The borough (any spelling), or the local authority as police.uk's table names it.
    period_end : str or Period
        The last month profiled.
    definition : ViolenceDefinition or str
        The local definition (or its name): its groups in scope for ``kind`` are profiled.
    kind : {"london", "policeuk"}
        Which data ``crime`` is.
    population : DataFrame, optional
        Census 2021 residents: in London ``borough, population`` (default: the packaged
        :func:`~scpb_analysis.reference.geography.borough_population`); outside London
        ``la_code, population`` for every local authority of the force
        (:func:`~scpb_analysis.sources.la_population.la_population`; without it, no rates).
    young_population : DataFrame, optional
        London only: Census 2021 LSOA residents with ``borough, age_under_25``
        (:func:`~scpb_analysis.sources.population.lsoa_population`), the denominator of the
        knife injury victims aged 1-24 rate.
    breaks : DataFrame, optional
        The loader's series breaks (``data.crime_for_period().breaks``).
    confidence : float, default 0.95

    Returns
    -------
    SeriousViolenceProfile

    Raises
    ------
    ValueError
        If the crime table is not of the kind named (a column missing), holds a month twice,
        or (outside London) holds no rows for the area.

    Examples
    --------
    >>> months = pd.period_range("2021-06", "2023-05", freq="M")
    >>> rows = pd.DataFrame({"month": months, "area_type": "borough",
    ...                      "indicator": "robbery_of_personal_property",
    ...                      "measure": "offences", "count": 30})
    >>> crime = pd.concat([rows.assign(borough=b) for b in london_boroughs()["borough"]])
    >>> out = problem_profile(crime, "Barnet", "2023-05", "london")
    >>> row = out.table.iloc[0]
    >>> int(row["n_12m"]), int(row["n_12m_prev"]), row["significance_12m"]
    (360, 360, 'no significant change')
    >>> float(round(row["value"], 2)), float(round(row["comparator_value"], 2)), row["comparison"]
    (0.92, 1.31, 'Better')
    >>> out.table["group"].tolist()[:2]  # groups the data hold first
    ['Robbery of Personal Property', 'Homicide']
    """
    if isinstance(definition, str):
        definition = violence_definition(definition)
    if kind == "london":
        frame = _london_frame(crime, area, population)
    elif kind == "policeuk":
        frame = _policeuk_frame(crime, area, population)
    else:
        raise ValueError(f"kind must be 'london' or 'policeuk'; got {kind!r}")
    end = to_month(period_end)
    rows, monthly, chart_breaks = [], [], {}
    for indicator in definition.indicators(kind):
        row, series, labels = _profile_group(frame, crime, indicator, end, breaks,
                                             young_population, confidence, kind)
        rows.append(row)
        if len(series):
            monthly.append(series)
        chart_breaks[indicator] = labels
    held = [r for r in rows if r["series_from"] is not None]
    table = pd.DataFrame(held + [r for r in rows if r["series_from"] is None],
                         columns=PROFILE_COLUMNS)
    for column in ("n_12m", "n_12m_prev", "count", "denominator", "months_held",
                   "special_cause_months", "multiplier"):
        table[column] = table[column].astype("Int64")
    for column in ("pct_change_12m", "p_value_12m", "trend_pct_year", "trend_lower",
                   "trend_upper", "trend_p_value", "value", "lower", "upper",
                   "comparator_value"):
        table[column] = pd.to_numeric(table[column], errors="coerce").astype(float)
    notes = [f"Groups with {_SMALL_RULE}."]
    if frame.population_source:
        notes.append(f"Residents: {frame.population_source}.")
    profile = SeriousViolenceProfile(
        table=table,
        monthly=(pd.concat(monthly, ignore_index=True) if monthly
                 else pd.DataFrame(columns=_MONTHLY_COLUMNS)),
        breaks=chart_breaks, area=frame.name, comparator=frame.comparator, kind=kind,
        definition=definition.name, notes=notes)
    return SeriousViolenceProfile(**{**profile.__dict__, "text": profile_text(profile)})


# -- the sentences ------------------------------------------------------------------------


_VARIATION_WORDS = {"common cause": "common cause variation (nothing beyond the usual)",
                    "special cause: high": "special cause variation, high",
                    "special cause: low": "special cause variation, low"}


def _absent(value: Any) -> bool:
    """True for a cell with nothing in it (None, NaN, NA or empty text)."""
    return value is None or (not isinstance(value, str) and pd.isna(value)) or value == ""


def _p_text(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def _group_sentence(row: pd.Series, area: str) -> str:
    from scpb_analysis.stats.change import format_percent_change, significance_clause

    group = row["group"]
    noun = "victims" if row["indicator"] == _KNIFE_VICTIMS else "offences"
    if _absent(row["series_from"]):
        return f"{group}: {row['status']}."
    parts = []
    if row["small_numbers"]:
        if not _absent(row["yearly_counts"]):
            parts.append(f"{group} in {area}: small numbers, so counts by 12-month period "
                         f"({row['yearly_counts']}), {int(row['count']):,} in all; no rate or "
                         "test is given")
        else:
            parts.append(f"{group} in {area}: small numbers, and the data hold no whole "
                         f"12-month period to {row['window_12m'].split(' to ')[-1]}")
    else:
        if not pd.isna(row["n_12m"]):
            text = f"{group} in {area}: {int(row['n_12m']):,} {noun} in {row['window_12m']}"
            if not pd.isna(row["n_12m_prev"]):
                text += f", against {int(row['n_12m_prev']):,} in {row['window_12m_prev']}"
                if not pd.isna(row["pct_change_12m"]):
                    change = format_percent_change(int(row["n_12m"]), int(row["n_12m_prev"]))
                    text += f" ({change}%), {significance_clause(row['significance_12m'])}"
            parts.append(text)
        else:
            text = f"{group} in {area}: no 12-month total to {row['window_12m'].split(' to ')[-1]}"
            if not pd.isna(row["n_12m_prev"]):
                text += f" ({int(row['n_12m_prev']):,} {noun} in {row['window_12m_prev']})"
            parts.append(text)
        if not pd.isna(row["value"]):
            decimals = 1 if row["multiplier"] == 100_000 else 2
            rate = (f"{_fmt(row['value'], decimals)} {row['unit']} in {row['rate_period']} "
                    f"(95% confidence interval {_fmt(row['lower'], decimals)} to "
                    f"{_fmt(row['upper'], decimals)})")
            if not pd.isna(row["comparator_value"]):
                rate += (f"; {row['comparator']} {_fmt(row['comparator_value'], decimals)}, so "
                         f"{row['comparison']}")
            parts.append(rate)
        if not pd.isna(row["trend_pct_year"]):
            verdict = ("a statistically significant "
                       + ("rise" if row["trend_pct_year"] > 0 else "fall")
                       if row["trend_p_value"] < 0.05 else "no statistically significant trend")
            parts.append(f"fitted trend {_pct(row['trend_pct_year'] / 100)} a year over "
                         f"{row['trend_window']} (95% confidence interval "
                         f"{_pct(row['trend_lower'] / 100)} to {_pct(row['trend_upper'] / 100)};"
                         f" {_p_text(row['trend_p_value'])}): {verdict}")
        if not _absent(row["spc_variation"]):
            words = _VARIATION_WORDS.get(row["spc_variation"], row["spc_variation"])
            parts.append(f"on an XmR chart {row['spc_month']} shows {words}")
    sentence = "; ".join(parts) + "."
    series = f"The monthly series runs from {row['series_from']}"
    if not _absent(row["breaks"]):
        many = ";" in row["breaks"]
        series += (f", with {'series breaks' if many else 'a series break'} in "
                   f"{row['breaks']}: chart limits start again from "
                   f"{row['like_for_like_from']}")
        series += ("; the trend is fitted over " + row["trend_window"]
                   if not _absent(row["trend_window"]) else "")
    extra = [series]
    if not _absent(row["notes"]):
        extra.append(f"Not shown: {row['notes']}")
    return sentence + " " + ". ".join(extra) + "."


def profile_text(profile: SeriousViolenceProfile) -> str:
    """One sentence per group, built from the profile's table (Markdown list).

    Each figure in a sentence is read from the group's row, so the sentence and the table
    cannot disagree; a part the data cannot give says why instead.

    Examples
    --------
    >>> row = {c: None for c in PROFILE_COLUMNS}
    >>> row.update(indicator="homicide", group="Homicide", status="not available: no data")
    >>> table = pd.DataFrame([row], columns=PROFILE_COLUMNS)
    >>> profile_text(SeriousViolenceProfile(table, pd.DataFrame(), area="Barnet"))
    '- Homicide: not available: no data.'
    """
    return "\n".join(f"- {_group_sentence(row, profile.area)}"
                     for _, row in profile.table.iterrows())


def profile_charts(profile: SeriousViolenceProfile, *, small: bool = False) -> list[tuple]:
    """One run chart per group (:func:`~scpb_analysis.blocks.dashboard.trend_chart`), with its
    series breaks; small-number groups are left out unless ``small``.

    Returns
    -------
    list of (str, matplotlib.figure.Figure)
        ``(indicator, figure)`` in the table's order.
    """
    from scpb_analysis.blocks.dashboard import trend_chart

    out = []
    for _, row in profile.table.iterrows():
        series = profile.monthly[profile.monthly["indicator"] == row["indicator"]]
        if series.empty or (row["small_numbers"] and not small):
            continue
        noun = "victims" if row["indicator"] == _KNIFE_VICTIMS else "offences"
        out.append((row["indicator"],
                    trend_chart(series, f"{row['group']}, monthly {noun}", x="month",
                                y="count", area=profile.area, ylabel=f"{noun.capitalize()} "
                                "per month", breaks=profile.breaks.get(row["indicator"], []))))
    return out


def profile_findings(profile: SeriousViolenceProfile, *,
                     table: str = "needs_assessment_problem_profile",
                     most: int = 3) -> list:
    """Key findings from the problem profile: what changed, what is high, what is trending.

    A group earns a finding for a statistically significant 12-month change, a rate worse
    than its comparator or a significant fitted trend, in that order of weight; the first
    group (the broadest in the definition) always gets one, so a quiet year still says so.
    Small-number groups give none. Each finding quotes its row of ``table``
    (:class:`~scpb_analysis.blocks.sv_findings.Finding`).

    Examples
    --------
    >>> row = {c: None for c in PROFILE_COLUMNS}
    >>> row.update(indicator="violence_with_injury", group="Violence with injury",
    ...            window_12m="June 2022 to May 2023", n_12m=2321, n_12m_prev=2304,
    ...            pct_change_12m=0.74, significance_12m="no significant change",
    ...            small_numbers=False, value=5.961, unit="per 1,000 residents",
    ...            comparator="London", comparator_value=8.83, comparison="Better")
    >>> t = pd.DataFrame([row], columns=PROFILE_COLUMNS)
    >>> print(profile_findings(SeriousViolenceProfile(t, pd.DataFrame(), area="Barnet"))[0].text)
    Violence with injury: 2,321 offences in June 2022 to May 2023, +0.7% on the 12 months \
before (not a statistically significant change); 5.96 per 1,000 residents, London 8.83 \
(Better).
    """
    from scpb_analysis.blocks.sv_findings import Finding
    from scpb_analysis.stats.change import format_percent_change

    scored = []
    for i, (_, row) in enumerate(profile.table.iterrows()):
        if row["small_numbers"] or pd.isna(row["n_12m"]):
            continue
        # A change across a recording-system change is partly that change: it does not
        # earn a finding on its own.
        changed = (not pd.isna(row["n_12m_prev"]) and not _absent(row["significance_12m"])
                   and row["significance_12m"] != "no significant change"
                   and _NOT_LIKE_FOR_LIKE not in str(row["notes"] or ""))
        worse = row["comparison"] == "Worse"
        trending = (not pd.isna(row["trend_p_value"]) and row["trend_p_value"] < 0.05)
        score = 4 * changed + 2 * worse + trending
        if score or i == 0:
            scored.append((-score, i, row))
    out = []
    for _, _, row in sorted(scored, key=lambda s: s[:2])[:most]:
        noun = "victims" if row["indicator"] == _KNIFE_VICTIMS else "offences"
        quoted = {"group": row["group"], "n_12m": f"{int(row['n_12m']):,}"}
        context: tuple[str, ...] = ("12 months",)
        text = f"{row['group']}: {int(row['n_12m']):,} {noun} in {row['window_12m']}"
        if not pd.isna(row["n_12m_prev"]) and not _absent(row["significance_12m"]):
            change = format_percent_change(int(row["n_12m"]), int(row["n_12m_prev"]))
            word = ("not a statistically significant change"
                    if row["significance_12m"] == "no significant change"
                    else f"a statistically significant {row['significance_12m'].split()[-1]}")
            caveat = re.search(_NOT_LIKE_FOR_LIKE + r": ([^;]*)", str(row["notes"] or ""))
            if caveat:
                # A change across a recording-system change is partly the change of system.
                word += f", but the periods are not like for like: {caveat.group(1)}"
                context += (caveat.group(1),)
            text += f", {change}% on the 12 months before ({word})"
            quoted["pct_change_12m"] = f"{change}%"
        if not pd.isna(row["value"]):
            decimals = 1 if row["multiplier"] == 100_000 else 2
            text += f"; {_fmt(row['value'], decimals)} {row['unit']}"
            quoted["value"] = _fmt(row["value"], decimals)
            if not pd.isna(row["comparator_value"]):
                shown = _fmt(row["comparator_value"], decimals)
                text += f", {row['comparator']} {shown} ({row['comparison']})"
                quoted.update(comparator_value=shown, comparison=row["comparison"])
        if not pd.isna(row["trend_p_value"]) and row["trend_p_value"] < 0.05:
            trend = _pct(row["trend_pct_year"] / 100)
            text += f"; a significant trend of {trend} a year over {row['trend_window']}"
            quoted["trend_pct_year"] = trend
        out.append(Finding("Problem profile", text + ".", table,
                           (({"indicator": row["indicator"]}, quoted),),
                           context=context))
    return out
