"""The needs assessment's parts: what each shows for an area, built from its pack data.

Each function takes the page's :class:`~scpb_analysis.pack.data.PackData` and the local
definition of serious violence, calls the blocks, and returns a :class:`Part`: the headings,
paragraphs, tables and figures in reading order, and the key findings it offers. Which data
an area has (a London borough or a police.uk area; a source present or not) is decided here,
in tested code, so the notebook only shows parts
(:func:`scpb_analysis.pack.publish.show_part`) and a missing source is a stated gap, never an
empty section.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from scpb_analysis.core.errors import CoverageError
from scpb_analysis.core.periods import month_label

__all__ = ["Part", "PartTable", "affected_part", "comparators_part", "data_gaps_part",
           "definition_for", "deprivation_part", "problem_profile_part", "risk_factors_part",
           "scope_part", "wards_part", "when_part"]


@dataclass(frozen=True)
class PartTable:
    """A table a part publishes: as :func:`~scpb_analysis.pack.publish.publish_table` takes it.

    ``shown`` False writes the CSV (and workbook sheet) without showing it on the page.
    """

    name: str
    frame: pd.DataFrame
    columns: tuple[str, ...] = ()
    labels: dict[str, str] = field(default_factory=dict)
    decimals: int = 2
    generated: tuple[str, ...] = ()
    shown: bool = True


@dataclass
class Part:
    """One part of the page, in reading order.

    Attributes
    ----------
    items : list of (str, object)
        ``("heading", text)`` (a sub-heading), ``("markdown", text)``, ``("text", text)``
        (generated prose), ``("gap", text)`` (what the data cannot give, in italics),
        ``("table", PartTable)`` or ``("figure", Figure)``.
    findings : list of Finding
        Key findings quoting this part's tables.
    """

    items: list[tuple[str, Any]] = field(default_factory=list)
    findings: list = field(default_factory=list)

    def add(self, kind: str, value: Any) -> None:
        """Append an item (see :attr:`items`)."""
        if kind not in ("heading", "markdown", "text", "gap", "table", "figure"):
            raise ValueError(f"unknown part item {kind!r}")
        self.items.append((kind, value))

    def tables(self) -> dict[str, pd.DataFrame]:
        """The part's tables by name (what its findings are checked against)."""
        return {v.name: v.frame for k, v in self.items if k == "table"}


def definition_for(data, name: str = ""):
    """The local definition of serious violence the page uses.

    ``name`` is a packaged definition (:func:`~scpb_analysis.reference.serious_violence.
    definition_names`); empty gives the default for the area's data (London's in London, the
    Home Office's outside it).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> definition_for(SimpleNamespace(kind="policeuk")).name
    'home_office'
    """
    from scpb_analysis.reference.serious_violence import DEFAULT_DEFINITION, violence_definition

    return violence_definition(name or DEFAULT_DEFINITION[data.kind])


def _missing(part: Part, data, *sources: str) -> None:
    for note in data.missing_notes(*sources):
        part.add("gap", f"Not available. {note}")


# -- scope --------------------------------------------------------------------------------


def scope_part(data, definition) -> Part:
    """The duty, the local definition and the offence groups in and out of scope."""
    from scpb_analysis.blocks.needs_assessment import scope_text

    part = Part()
    part.add("markdown", scope_text(definition, data.kind))
    part.add("table", PartTable("needs_assessment_definition", definition.table(data.kind),
                                ("group", "in_scope", "reason", "source")))
    return part


# -- problem profile ----------------------------------------------------------------------


def problem_profile_part(data, definition) -> Part:
    """Each in-scope group: 12 months against the 12 before, rate against London or the
    force, trend and XmR chart (:func:`~scpb_analysis.blocks.sv_profile.problem_profile`)."""
    from scpb_analysis.blocks.sv_profile import (
        problem_profile,
        profile_charts,
        profile_findings,
        profile_text,
    )
    from scpb_analysis.blocks.vawg import VAWG_INDICATOR

    part = Part()
    sources = (data.crime_source,) + (("lookups",) if data.kind == "policeuk" else ())
    if not data.has(*sources):
        _missing(part, data, *sources)
        return part
    if data.kind == "london":
        crime, breaks = _london_crime(data)
        profile = problem_profile(crime, data.area, data.period_end, definition,
                                  data.kind, young_population=data.optional("lsoa_population"),
                                  breaks=breaks)
        if not data.has("mps_dashboard"):
            part.add("gap", f"{data.missing_notes('mps_dashboard')[0]} Knife crime, gun crime, "
                            "domestic abuse and knife injury victims read not available below.")
        if VAWG_INDICATOR in definition.indicators("london") and not data.has("mps_vawg"):
            part.add("gap", f"{data.missing_notes('mps_vawg')[0]} Violence against women and "
                            "girls reads not available below.")
    else:
        profile = problem_profile(data.policeuk_area().table, data.area, data.period_end,
                                  definition, data.kind,
                                  population=data.optional("la_population"))
    part.add("table", PartTable(
        "needs_assessment_problem_profile", profile.table,
        ("group", "series_from", "n_12m", "n_12m_prev", "pct_change_12m", "significance_12m",
         "rate_period", "value", "unit", "lower", "upper", "comparator_value", "comparison",
         "trend_pct_year", "trend_p_value", "spc_variation", "yearly_counts", "status"),
        {"value": "Rate", "unit": "Rate per", "comparator_value": profile.comparator,
         "comparison": f"Compared with {profile.comparator}"},
        generated=("notes", "method")))
    part.add("text", "\n".join([profile_text(profile), "", *profile.notes]))
    for _, figure in profile_charts(profile):
        part.add("figure", figure)
    part.add("table", PartTable(
        "needs_assessment_problem_profile_monthly", profile.monthly,
        ("group", "month", "count", "mean", "lower", "upper", "variation"),
        {"lower": "Lower process limit", "upper": "Upper process limit"}, shown=False))
    part.findings += profile_findings(profile)
    return part


def _london_crime(data) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The MPS recorded-crime table for the period with, where the VAWG file is in the data,
    its borough months as one more group (:func:`~scpb_analysis.blocks.vawg.vawg_crime_rows`),
    and the table's series breaks (the move to CONNECT applies to every MPS count)."""
    load = data.crime_for_period()
    if not data.has("mps_vawg"):
        return load.table, load.breaks
    from scpb_analysis.blocks.vawg import vawg_crime_rows

    vawg = vawg_crime_rows(data.vawg_offences())
    return pd.concat([load.table, vawg], ignore_index=True), load.breaks


# -- who is affected ----------------------------------------------------------------------


def affected_part(data) -> Part:
    """Knife injury victims aged 1-24, the domestic abuse share of violence with injury and
    homicide proceedings by age and sex (:mod:`scpb_analysis.blocks.violence_profile`)."""
    from scpb_analysis.blocks.violence_profile import (
        affected_findings,
        domestic_abuse_injury_share,
        homicide_proceedings_profile,
        knife_victim_rate,
    )
    from scpb_analysis.sources.mps_extracts import HOMICIDE_SOURCE

    part = Part()
    outside = ("Not available: the {what} covers London boroughs only; outside London it "
               "comes from the force's own extract (see the data-gap table).")
    knife = share = proceedings = None

    part.add("heading", "Knife injury victims aged 1-24")
    knife_sources = ("mps_borough", "mps_dashboard", "population")
    if data.kind != "london":
        part.add("gap", outside.format(what="MPS Monthly Crime Dashboard"))
    elif data.has(*knife_sources):
        knife = knife_victim_rate(data.crime_for_period().table, data.lsoa_population(),
                                  data.area, data.period_end)
        part.add("table", PartTable(
            "needs_assessment_knife_victims", knife.table,
            ("area", "period", "count", "population", "value", "lower", "upper",
             "comparison", "status", "method"),
            {"count": "Victims aged 1-24", "population": "Residents aged 0-24",
             "value": "Rate per 100,000"}, decimals=1))
        part.add("text", knife.text)
    else:
        _missing(part, data, *knife_sources)

    part.add("heading", "Domestic abuse share of violence with injury")
    share_sources = ("mps_borough", "mps_dashboard")
    if data.kind != "london":
        part.add("gap", outside.format(what="MPS Monthly Crime Dashboard"))
    elif data.has(*share_sources):
        share = domestic_abuse_injury_share(data.crime_for_period().table, data.area,
                                            data.period_end)
        part.add("table", PartTable(
            "needs_assessment_domestic_abuse_share", share.table,
            ("area", "period", "numerator", "denominator", "share", "share_lower",
             "share_upper", "comparison", "status", "method"),
            {"numerator": "Domestic abuse violence with injury",
             "denominator": "Violence with injury"}))
        part.add("text", share.text)
    else:
        _missing(part, data, *share_sources)

    part.add("heading", "Homicide: persons proceeded against (suspects, not victims)")
    homicide = data.optional("homicide_proceedings") if data.kind == "london" else None
    if homicide is not None:
        proceedings = homicide_proceedings_profile(homicide, data.area, data.period_end)
        part.add("table", PartTable(
            "needs_assessment_homicide_proceedings", proceedings.table,
            labels={"male": f"{data.area}: male", "female": f"{data.area}: female",
                    "sex_not_recorded": f"{data.area}: sex not recorded",
                    "total": f"{data.area}: total"}))
        part.add("text", proceedings.text)
    elif data.kind != "london":
        part.add("gap", outside.format(what="MPS homicide file"))
    else:
        part.add("gap", f"Not available. Not in this data: needs {HOMICIDE_SOURCE} "
                        "(folder mps/homicide/).")
    part.findings += affected_findings(knife, share, proceedings)
    return part


# -- where --------------------------------------------------------------------------------


def deprivation_part(data, definition) -> Part:
    """Where violence concentrates by deprivation: rates by national IMD decile and fifth and
    the area's own fifths from LSOA counts, the most deprived fifth against the rest as a rate
    ratio (:func:`~scpb_analysis.blocks.sv_places.deprivation_profile`).

    12 months the LSOA files do not hold in full are a stated gap (the
    :class:`~scpb_analysis.core.errors.CoverageError`'s own words); the view then falls back to
    the latest 12 months the files hold in full, said in bold as a different period.
    """
    part = Part()
    _deprivation(part, data, definition.indicators(data.kind))
    return part


def wards_part(data, definition) -> Part:
    """Where violence concentrates by ward: each ward's rate beside its deprivation, the
    latest year's Gi* hot spots and the hot spots that persist across years
    (:func:`~scpb_analysis.blocks.sv_places.persistent_hotspots`)."""
    part = Part()
    ward_crime = data.optional("ward_crime") if data.has(*data.ward_sources) else None
    _ward_rates(part, data, ward_crime)
    _hotspots(part, data, ward_crime)
    from scpb_analysis.blocks.vawg import VAWG_INDICATOR

    ids = definition.indicators(data.kind)
    # VAWG has its own persistence below, from the VAWG file's wards.
    _persistence(part, data, ward_crime, [i for i in ids if i != VAWG_INDICATOR])
    if VAWG_INDICATOR in ids:
        _vawg_persistence(part, data)
    return part


def _deprivation(part: Part, data, ids) -> None:
    from scpb_analysis.blocks.sv_places import (
        deprivation_findings,
        deprivation_profile,
        latest_covered_end,
    )

    part.add("heading", "Violence by deprivation")
    sources = ("mps_lsoa" if data.kind == "london" else "policeuk", "population", "lookups",
               "deprivation")
    if not data.has(*sources):
        _missing(part, data, *sources)
        return
    lsoa_crime, lsoas = data.lsoa_crime(), data.lsoa_deprivation()
    try:
        places = deprivation_profile(lsoa_crime, lsoas, data.area, data.period_end, ids)
    except CoverageError as exc:
        part.add("gap", f"Not available for the 12 months to {month_label(data.period_end)}: "
                        f"{exc}.")
        fallback = latest_covered_end(lsoa_crime["month"].unique(), data.period_end)
        if fallback is None:
            return
        part.add("markdown", f"Instead, the latest 12 months the files hold in full, to "
                             f"{month_label(fallback)}: **a different period from the rest of "
                             "this page.**")
        places = deprivation_profile(lsoa_crime, lsoas, data.area, fallback, ids)
    part.add("text", places.text)
    bases = {"national": "England's most deprived fifth",
             "local": f"{data.area}'s own most deprived fifth"}
    part.add("table", PartTable(
        "needs_assessment_deprivation_fifth",
        places.ratios.assign(fifth=places.ratios["quintile_basis"].map(bases)),
        ("offence", "window", "fifth", "lsoas", "residents_share", "count", "value", "lower",
         "upper", "rest_count", "rest_value", "rate_ratio", "ratio_lower", "ratio_upper",
         "status"),
        {"lsoas": "LSOAs in it", "residents_share": "Share of residents",
         "count": "Offences in it", "value": "Rate per 1,000 in it",
         "rest_count": "Offences in the rest", "rest_value": "Rate per 1,000 in the rest"}))
    code = places.ratios["indicator"].iloc[-1]
    headline = places.table[places.table["indicator"] == code]
    part.add("markdown", f"**{headline['offence'].iloc[0].capitalize()}, by deprivation group, "
                         f"{headline['window'].iloc[0]}.**")
    part.add("table", PartTable(
        "needs_assessment_violence_by_imd", headline,
        ("view", "group", "lsoas", "residents_share", "count", "population", "value", "lower",
         "upper", "status"),
        {"lsoas": "LSOAs", "residents_share": "Share of residents",
         "value": "Rate per 1,000"}))
    for note in places.notes:
        part.add("gap", note)
    part.findings += deprivation_findings(places, data.area)


def _ward_rates(part: Part, data, ward_crime) -> None:
    from scpb_analysis.blocks.needs_assessment import violence_by_deprivation

    part.add("heading", "Violence by ward")
    needs = (*data.ward_sources, "deprivation")
    if ward_crime is None or not data.has(*needs):
        _missing(part, data, *needs)
        return
    try:
        table, notes = violence_by_deprivation(data.area, data.period_end,
                                                ward_crime=ward_crime,
                                                indicator=data.violence_indicator,
                                                wards=data.ward_deprivation())
    except CoverageError as exc:
        part.add("gap", f"Not available: {exc}.")
        return
    part.add("markdown", "\n\n".join([f"Ward-level recorded crime: "
                                       f"{ward_crime.attrs.get('publications', '')}.", *notes]))
    part.add("table", PartTable(
        "needs_assessment_violence_by_deprivation", table,
        tuple(c for c in ("group", "ward_name", "count", "population", "value", "lower",
                          "upper", "rate_ratio", "share_most_deprived") if c in table.columns),
        {"value": "Rate per 1,000", "lower": "95% CI lower", "upper": "95% CI upper",
         "share_most_deprived": "Share in the most deprived fifth"}))


def _hotspots(part: Part, data, ward_crime) -> None:
    from scpb_analysis.blocks.ward_report import ward_rate_tables
    from scpb_analysis.charts.maps import hotspot_map
    from scpb_analysis.stats.hotspots import getis_ord_hotspots

    part.add("heading", "Ward hot spots, latest 12 months")
    if ward_crime is None:
        _missing(part, data, *data.ward_sources)
        return
    try:
        rates = ward_rate_tables(ward_crime, data.ward_population(), [data.violence_indicator],
                                 data.period_end)
    except CoverageError as exc:
        part.add("gap", f"Not available: {exc}.")
        return
    if not rates:
        part.add("gap", f"Not available: the ward data hold no "
                        f"{_group_name(data.violence_indicator).lower()}.")
        return
    wards = data.wards()
    hot = getis_ord_hotspots(wards, rates[data.violence_indicator], column="value",
                             permutations=999, seed=20230719)
    part.add("figure", hotspot_map(wards, hot).figure)
    part.add("table", PartTable("needs_assessment_violence_hotspots", hot,
                                ("ward_name", "value", "z", "p_fdr", "hotspot"),
                                {"value": "Rate per 1,000", "z": "Gi* z",
                                 "p_fdr": "p (FDR-adjusted)"}, decimals=3))


def _persistence(part: Part, data, ward_crime, ids) -> None:
    from scpb_analysis.blocks.sv_places import persistence_findings, persistent_hotspots

    part.add("heading", "Hot spots that persist")
    if ward_crime is None:
        _missing(part, data, *data.ward_sources)
        return
    crosswalk = data.optional("ward_crosswalk") if data.kind == "london" else None
    try:
        block = persistent_hotspots(ward_crime, data.wards(), data.ward_population(),
                                    data.period_end, ids, crosswalk=crosswalk)
    except CoverageError as exc:
        part.add("gap", f"Not available: {exc}. Persistence needs at least three 12-month "
                        "windows of ward counts ending in the period's month.")
        return
    _show_persistence(part, data, block, "needs_assessment_hotspot_persistence")
    part.add("gap", block.method)
    part.findings += persistence_findings(block)


def _show_persistence(part: Part, data, block, table: str) -> None:
    from scpb_analysis.blocks.sv_places import HOT_COLUMNS
    from scpb_analysis.charts.persistence_map import persistence_map

    part.add("text", block.text)
    part.add("figure", persistence_map(data.wards(), block.table).figure)
    used = block.windows[block.windows["status"] == "used"]
    part.add("table", PartTable(
        table, block.table,
        ("ward_name", "value", *[c for c in HOT_COLUMNS if c in block.table.columns],
         "windows_hot", "persistence"),
        {"value": "Rate per 1,000, latest 12 months",
         **{c: f"Hot: {w}" for c, w in zip(used["column"], used["window"], strict=True)}}))


def _vawg_persistence(part: Part, data) -> None:
    """Wards where VAWG offences persist: the VAWG file names today's wards back to 2014, so
    five yearly windows are judged on the same wards."""
    if data.kind != "london":
        return
    from scpb_analysis.blocks.sv_places import persistence_findings, persistent_hotspots
    from scpb_analysis.blocks.vawg import VAWG_INDICATOR, vawg_ward_rows

    part.add("heading", "Violence against women and girls: hot spots that persist")
    sources = ("mps_vawg", "boundaries", "population", "lookups")
    if not data.has(*sources):
        _missing(part, data, *sources)
        return
    try:
        rows = vawg_ward_rows(data.vawg_offences(), data.area, data.wards())
        block = persistent_hotspots(rows, data.wards(), data.ward_population(),
                                    data.period_end, [VAWG_INDICATOR], n_windows=5)
    except CoverageError as exc:
        part.add("gap", f"Not available: {exc}.")
        return
    _show_persistence(part, data, block, "needs_assessment_vawg_persistence")
    part.add("gap", " ".join(["Offences are counted by the month recorded (see When).",
                              *rows.attrs.get("set_aside", [])]))
    part.findings += persistence_findings(block, table="needs_assessment_vawg_persistence",
                                          what="violence against women and girls")


# -- when ---------------------------------------------------------------------------------


def when_part(data, definition, *, public: bool = False) -> Part:
    """Month-of-year seasonality of the in-scope groups, the CCTV log's hour and weekday
    profile where the partnership's log is in the data, and what the public data cannot
    tell about timing (:mod:`scpb_analysis.blocks.sv_timing`).

    The CCTV log is partnership data: on a ``public`` page its hour and weekday counts are
    suppressed (:func:`_public_counts`), as the partnership page's CCTV tables are."""
    from scpb_analysis.blocks.sv_timing import hour_weekday_profile, timing_gaps
    from scpb_analysis.charts.timing_charts import hour_weekday_heatmap

    part = Part()
    _seasonality(part, data, definition)
    part.add("heading", "Hour of day and weekday (CCTV control-room log)")
    cctv = None
    if data.has("partnership"):
        loads = data.partnership().loads
        cctv = loads["cctv"].table if "cctv" in loads else None
    if cctv is not None and len(cctv):
        hours = hour_weekday_profile(cctv)
        part.add("figure", hour_weekday_heatmap(
            hours.table, "violence-related CCTV incidents per 100 staffed hours",
            area=data.area))
        notes = []
        for name, table, key, what in (
                ("needs_assessment_cctv_by_hour", hours.by_hour, "hour_label", "by hour of day"),
                ("needs_assessment_cctv_by_weekday", hours.by_weekday, "weekday_name",
                 "by weekday")):
            if public:
                table, note = _public_counts(table, key, f"CCTV incidents {what}")
                notes += [note] if note else []
            part.add("table", PartTable(name, table, (key, "count", "share", "staffed_hours",
                                                      "per_100_hours"), decimals=1))
        if notes:
            part.add("text", " ".join(notes))
        part.add("table", PartTable("needs_assessment_cctv_timing_tests", hours.tests,
                                    ("test", "chi_square", "df", "p_value", "min_expected",
                                     "status")))
        part.add("text", "\n".join([hours.text, *hours.notes]))
    else:
        part.add("gap", "Not available: no partnership CCTV control-room log in this data "
                        "(folder partnership/, the cctv template). The recorded-crime files "
                        "give months only.")

    _reporting_delay(part, data)

    part.add("heading", "What the public data cannot tell")
    part.add("table", PartTable("needs_assessment_timing_gaps",
                                timing_gaps(data.kind, has_cctv=cctv is not None),
                                ("question", "answerable", "why", "dataset_needed", "owner")))
    return part


def _public_counts(table: pd.DataFrame, key: str, what: str) -> tuple[pd.DataFrame, str]:
    """A count table of the CCTV log as a public page shows it, and its note ("" if nothing
    is hidden).

    Counts from 1 to 4 read ``<5`` and further cells ``[c]``, so that no hidden count can be
    worked out from the total the page prints (:func:`~scpb_analysis.qa.disclosure.suppress`,
    checked by :func:`~scpb_analysis.qa.disclosure.verify_suppression`). A hidden count's
    share and rate per 100 staffed hours are hidden too: either, with the total or the
    staffed hours beside it, gives the count back. Should a table be impossible to protect
    while zeros are shown, its zeros are hidden as well.
    """
    from scpb_analysis.qa.disclosure import SuppressionRule, suppress, verify_suppression

    counts = table.set_index(key)[["count"]].astype("int64")
    counts.loc["Total"] = int(counts["count"].sum())
    for rule in (SuppressionRule(total_row="Total"),
                 SuppressionRule(total_row="Total", suppress_zeros=True)):
        try:
            result = suppress(counts, rule)
            break
        except ValueError as err:
            if "can be worked out" not in str(err) or rule.suppress_zeros:
                raise
    problems = verify_suppression(result)
    if problems:
        raise RuntimeError(f"suppression of the {what} table left recoverable cells: "
                           + "; ".join(problems))
    hidden = result.mask["count"].drop("Total").to_numpy()
    shown = table.astype({"count": object, "share": object, "per_100_hours": object})
    shown["count"] = result.table["count"].drop("Total").to_numpy()
    shown.loc[hidden, ["share", "per_100_hours"]] = result.secondary_label
    if not hidden.any():
        return shown, ""
    return shown, (f"{what}: {result.note} The share and the rate per 100 staffed hours of a "
                   f"hidden count are hidden too, shown as {result.secondary_label}.")


def _reporting_delay(part: Part, data) -> None:
    """How long after the month committed VAWG offences are recorded (London only)."""
    if data.kind != "london":
        return
    from scpb_analysis.blocks.vawg import delay_by_band, vawg_findings, vawg_reporting_delay

    part.add("heading", "How long after the offence violence against women and girls is "
                        "recorded")
    if not data.has("mps_vawg"):
        _missing(part, data, "mps_vawg")
        return
    delay = vawg_reporting_delay(data.vawg_offences(), data.area, data.period_end)
    bands = delay_by_band(delay)
    if len(bands):
        part.add("table", PartTable(
            "needs_assessment_vawg_delay_by_band", bands,
            labels={"count": f"{data.area}: offences recorded", "share": f"{data.area}: share",
                    "share_lower": "95% CI lower", "share_upper": "95% CI upper",
                    "comparator_count": "London: offences recorded",
                    "comparator_share": "London: share",
                    "comparison": "Compared with London"}))
    part.add("table", PartTable(
        "needs_assessment_vawg_delay", delay.table,
        ("area", "period", "band", "count", "share", "share_lower", "share_upper",
         "comparison", "status"), generated=("method",), shown=False))
    part.add("text", delay.text)
    part.findings += vawg_findings(delay)


def _seasonality(part: Part, data, definition) -> None:
    from scpb_analysis.blocks.sv_timing import seasonality, seasonality_findings
    from scpb_analysis.charts.timing_charts import seasonal_index_chart

    part.add("heading", "Month of year")
    if not data.has(data.crime_source):
        _missing(part, data, data.crime_source)
        return
    if data.kind == "london":
        crime, breaks = _london_crime(data)
    else:
        crime, breaks = data.policeuk_area().table, None
    # Victims are people, not offences; groups the data do not hold (no dashboard extract)
    # are stated in the problem profile.
    held = set(crime["indicator"].unique())
    groups = [g for g in definition.indicators(data.kind)
              if not g.startswith("knife_injury_victims") and g in held]
    if not groups:
        part.add("gap", "Not available: the recorded-crime data hold none of the offence groups "
                        "the definition puts in scope.")
        return
    main = data.violence_indicator if data.violence_indicator in groups else groups[0]
    label = _group_name(main)
    block = seasonality(crime, data.area, main, data.period_end, breaks=breaks)
    if block.available:
        part.add("figure", seasonal_index_chart(
            block.table, f"{label.lower()}: offences per day by calendar month, against the "
            "average day", area=data.area))
        part.add("table", PartTable(
            "needs_assessment_seasonality", block.table,
            ("month_name", "total", "mean_count", "mean_per_day", "seasonal_index",
             "vs_average_day_pct", "years_used")))
        part.findings += seasonality_findings(block, label)
    part.add("text", block.text)
    others = [seasonality(crime, data.area, g, data.period_end, breaks=breaks).text
              for g in groups if g != main]
    if others:
        part.add("text", "\n".join(others))


def _group_name(indicator: str) -> str:
    from scpb_analysis.reference.taxonomy import indicator_name

    try:
        return indicator_name(indicator)
    except KeyError:
        return indicator.replace("_", " ").capitalize()


# -- comparators --------------------------------------------------------------------------


def comparators_part(data) -> Part:
    """The area against its police force and England and Wales, from ONS Table C2's own
    year (:func:`~scpb_analysis.blocks.sv_comparators.ons_violence_rates`)."""
    from scpb_analysis.blocks.sv_comparators import ons_findings, ons_violence_rates

    part = Part()
    block = ons_violence_rates(data.optional("csp_crime"), data.optional("la_population"),
                               data.area, data.period_end)
    part.add("heading", block.heading)
    if block.available:
        part.add("table", PartTable(
            "needs_assessment_vs_force_and_ew", block.table,
            ("offence_name", "count", "rate", "lower", "upper", "force_rate", "vs_force",
             "ew_rate", "vs_england_and_wales"),
            {"rate": f"{data.area}: rate per 1,000"}, decimals=3))
        part.findings += ons_findings(block)
    part.add("text", block.text)
    return part


# -- risk factors -------------------------------------------------------------------------


def risk_factors_part(data) -> Part:
    """The risk factors of the July 2023 board pack, each computed or naming the dataset
    needed (:func:`~scpb_analysis.blocks.needs_assessment.risk_factor_table`, or outside London
    :func:`~scpb_analysis.blocks.needs_assessment.area_risk_factor_table`), with a count of
    what was computed.

    Violence with injury in the most deprived fifth is taken from the LSOA counts for the
    page's own 12 months only (never the deprivation view's fallback period); it is computed
    here rather than taken from :func:`deprivation_part`, so this part stands if that one
    cannot be built.
    """
    from scpb_analysis.blocks.needs_assessment import (
        area_risk_factor_table,
        check_needs_table,
        risk_factor_table,
    )

    part = Part()
    if data.kind == "policeuk":
        risk = area_risk_factor_table(data.policeuk_area(), data.period_end,
                                      la_population=data.optional("la_population"),
                                      lsoa_population=data.optional("lsoa_population"),
                                      imd=data.optional("imd"), lookup=data.area_lookup())
    else:
        risk = risk_factor_table(data.area, data.period_end, crime=data.optional("area_crime"),
                                 lsoa_population=data.optional("lsoa_population"),
                                 imd=data.optional("imd"),
                                 ward_profiles=data.optional("ward_profiles_file"),
                                 dashboard=(data.crime_for_period().table
                                            if data.has("mps_dashboard") else None),
                                 deprivation_ratios=_page_deprivation_ratios(data),
                                 homicide=data.optional("homicide_proceedings"))
    part.add("table", PartTable("needs_assessment_risk_factors", risk,
                                ("domain", "measure", "borough_value", "comparator",
                                 "comparator_value", "period", "source"),
                                {"borough_value": data.area}))
    problems = check_needs_table(risk)
    counts = risk["status"].value_counts()
    part.add("text", f"{counts.get('computed', 0)} statistics computed from the data, "
                     f"{counts.get('not available', 0)} not available (dataset and owner "
                     f"named); cells neither computed nor marked: {len(problems)}.")
    return part


def _page_deprivation_ratios(data) -> pd.DataFrame | None:
    from scpb_analysis.blocks.sv_places import deprivation_profile
    from scpb_analysis.core.errors import MissingSourceError

    if not data.has("mps_lsoa", "population", "lookups", "deprivation"):
        return None
    try:
        return deprivation_profile(data.lsoa_crime(), data.lsoa_deprivation(), data.area,
                                   data.period_end, ["violence_with_injury"]).ratios
    except (CoverageError, MissingSourceError):
        return None


# -- data gaps ----------------------------------------------------------------------------


def data_gaps_part(data, output_dir: str | Path | None) -> Part:
    """The partner data the guidance asks for: held or not, owner and template.

    The blank templates are written to ``output_dir/templates`` (beside the pack's tables),
    so the page can link each partner to the file to fill in.
    """
    from scpb_analysis.blocks.sv_gaps import data_gap_table, gap_findings, gap_text
    from scpb_analysis.reference.sv_partner_schema import write_sv_templates
    from scpb_analysis.sources.sv_partners import SV_FOLDER

    part = Part()
    loaded = data.sv_partner_data()
    gaps = data_gap_table(loaded)
    part.add("text", gap_text(gaps))
    part.add("table", PartTable("needs_assessment_data_gaps", gaps,
                                ("item", "guidance", "status", "dataset", "owner",
                                 "template_file")))
    for note in loaded.notes():
        part.add("gap", note)
    if output_dir is not None:
        written = write_sv_templates(Path(output_dir) / "templates")
        links = ", ".join(f"[{p.name}](../templates/{p.name})" for p in written)
        part.add("markdown", f"Blank templates for partners to fill in: {links}. Filled "
                             f"templates go in the data folder's `{SV_FOLDER}/` folder and are "
                             "read as strictly as the partnership exports.")
    part.findings += gap_findings(gaps)
    return part

