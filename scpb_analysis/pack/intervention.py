"""The intervention evaluation page's parts: did it work, repeats and near repeats, when, did
the pattern move, how harmful, and which hot spots last.

Each function takes the page's :class:`~scpb_analysis.pack.data.PackData` and the notebook's
parameters, calls the statistics and blocks, and returns a
:class:`~scpb_analysis.pack.needs.Part` the notebook shows with
:func:`~scpb_analysis.pack.publish.show_part`. Which data an area has is decided here, in
tested code; a source the data lack is a stated gap, never an empty section.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from scpb_analysis.core.errors import CoverageError
from scpb_analysis.core.periods import Window, to_month
from scpb_analysis.pack.needs import Part, PartTable

__all__ = ["EvaluationSettings", "evaluation_part", "evaluation_settings", "harm_part",
           "pattern_part", "pattern_windows", "repeats_part", "stability_part",
           "stability_windows", "timing_part"]


@dataclass(frozen=True)
class EvaluationSettings:
    """What an evaluation compares, from the notebook's parameters and the data.

    ``start`` is None when none was given: the evaluation then ends at the latest month, up
    to the period end, that the data cover with both windows. ``example`` is True when no
    treated area was named: the page shows the ward with the most offences before as an
    illustration, and says so.
    """

    crime_type: str
    start: pd.Period | None
    before_months: int
    after_months: int
    gap_months: int
    treated: tuple[str, ...]
    control: tuple[str, ...]
    displacement: str | tuple[str, ...]
    areas_file: str
    example: bool


def _offence_words(crime_type: str) -> str:
    words = {"Burglary": "burglaries", "Robbery": "robberies",
             "Anti-social behaviour": "anti-social behaviour incidents"}
    return words.get(crime_type, f"{crime_type.lower()} offences")


def _wards(given: str | Sequence[str]) -> tuple[str, ...]:
    items = given.split(";") if isinstance(given, str) else given
    return tuple(w.strip() for w in items if str(w).strip())


def evaluation_settings(data, *, crime_type: str = "Burglary", start: str = "",
                        before_months: int = 12, after_months: int = 12, gap_months: int = 0,
                        treated: str | Sequence[str] = (), control: str | Sequence[str] = (),
                        displacement: str | Sequence[str] = "neighbours",
                        areas_file: str = "") -> EvaluationSettings:
    """The evaluation's settings: the notebook's parameters, with the defaults filled in.

    ``treated``, ``control`` and ``displacement`` (other than ``"neighbours"`` or
    ``"none"``) are ward codes or names, as a sequence or one string separated by ``;``.
    With no ``start``, the after window ends in the period end (or, where the data do not
    cover both windows to it, the latest month they do; the page says so). With no treated
    ward and no areas file, the ward with the most offences of ``crime_type`` in the before
    window is taken, as an example the page labels as such.

    Examples
    --------
    >>> s = evaluation_settings(None, treated="Hendon; West Hendon", control="Childs Hill",
    ...                         start="2022-06")
    >>> s.start, s.treated, s.control, s.example
    (Period('2022-06', 'M'), ('Hendon', 'West Hendon'), ('Childs Hill',), False)
    """
    for name, value in (("before_months", before_months), ("after_months", after_months),
                        ("gap_months", gap_months)):
        if isinstance(value, bool) or not isinstance(value, int) or value < (name != "gap_months"):
            raise ValueError(f"{name} must be a whole number of months"
                             f"{' of at least 1' if name != 'gap_months' else ''}; got {value!r}")
    treated, control = _wards(treated), _wards(control)
    if not (isinstance(displacement, str) and displacement in ("neighbours", "none")):
        displacement = _wards(displacement)
    return EvaluationSettings(crime_type, to_month(start) if start else None, before_months,
                              after_months, gap_months, treated, control, displacement,
                              areas_file, not treated and not areas_file)


def _latest_end(data, months: int) -> pd.Period | None:
    from scpb_analysis.blocks.sv_places import latest_covered_end

    return latest_covered_end(data.policeuk_months(), data.period_end, months)


def _other_period(part: Part, window: Window, data) -> None:
    if window.end != to_month(data.period_end):
        part.add("markdown", f"**{window.label}: the latest 12 months the police.uk files "
                 f"cover in full, not the page's 12 months to "
                 f"{to_month(data.period_end).strftime('%B %Y')}.**")


def _lacks(part: Part, data, *sources: str) -> bool:
    """Add a gap for each source the data lack; True if any is missing."""
    missing = data.missing_notes(*sources)
    for note in missing:
        part.add("gap", f"Not available. {note}")
    return bool(missing)


def _gap(part: Part, exc: Exception | str) -> Part:
    part.add("gap", f"Not available: {exc}")
    return part


def evaluation_part(data, settings: EvaluationSettings) -> Part:
    """Did it work: the weighted displacement difference of the intervention's areas, their
    monthly series chart and the table of counts before and after
    (:mod:`scpb_analysis.blocks.intervention`)."""
    from scpb_analysis.blocks.intervention import (
        areas_from_file,
        areas_from_wards,
        evaluate_intervention,
        role_counts,
    )
    from scpb_analysis.charts.intervention_chart import intervention_chart

    part = Part()
    if _lacks(part, data, "policeuk", "boundaries"):
        return part
    span = settings.before_months + settings.gap_months + settings.after_months
    start = settings.start
    if start is None:
        last = _latest_end(data, span)
        if last is None:
            return _gap(part, f"the police.uk files for {data.area} hold no {span} months in a "
                              "row, which the before and after windows need")
        start = last - settings.after_months + 1
        if last != to_month(data.period_end):
            part.add("markdown", f"**The data do not cover the {span} months to "
                     f"{to_month(data.period_end).strftime('%B %Y')}, so the evaluation ends "
                     f"in {last.strftime('%B %Y')}, the latest month they do.**")
    points = data.area_points(settings.crime_type)
    wards = data.wards()
    before = Window(start - settings.gap_months - settings.before_months,
                    start - settings.gap_months - 1)
    treated = settings.treated
    if settings.example:
        in_before = points.loc[pd.PeriodIndex(points["month"], freq="M").isin(before.months)]
        counts = in_before.groupby("ward_code").size()
        if counts.empty:
            return _gap(part, f"no {settings.crime_type} records in {data.area} in "
                              f"{before.label} to choose an example ward from")
        treated = (sorted(counts.index, key=lambda c: (-counts[c], c))[0],)
    if settings.areas_file:
        areas = areas_from_file(settings.areas_file, wards)
    else:
        in_before = points.loc[pd.PeriodIndex(points["month"], freq="M").isin(before.months)]
        before_counts = (in_before.groupby("ward_code").size()
                         .reindex(wards["ward_code"].astype(str).unique(), fill_value=0))
        areas = areas_from_wards(wards, treated, control=settings.control,
                                 displacement=settings.displacement,
                                 before_counts=before_counts)
    after_end = start + settings.after_months - 1
    months = pd.period_range(before.start, after_end, freq="M")
    counted = role_counts(points, areas, months)
    offence = _offence_words(settings.crime_type)
    try:
        block = evaluate_intervention(counted.counts, start,
                                      before_months=settings.before_months,
                                      after_months=settings.after_months,
                                      gap_months=settings.gap_months,
                                      held_months=data.policeuk_months(), offence=offence,
                                      areas=areas)
    except CoverageError as exc:
        return _gap(part, exc)
    if settings.example:
        part.add("markdown", "**No intervention area was named for this build**, so the page "
                 "shows, as a worked example, the ward with the most "
                 f"{offence} in the {settings.before_months} months before ("
                 f"{areas.areas['area_label'].iloc[0]}, from {start.strftime('%B %Y')}). To "
                 "evaluate a real intervention, give its wards (or a file of its area) and "
                 "its first month as settings when the pack is built.")
    part.add("text", areas.how)
    part.add("figure", intervention_chart(block.series, start,
                                          f"{settings.crime_type} by month in the "
                                          "evaluation's areas", area=data.area,
                                          labels={r: f"{_role_label(r)}: {_short(lab)}"
                                                  for r, lab in
                                                  zip(areas.areas["role"],
                                                      areas.areas["area_label"], strict=True)}))
    summary = block.summary.assign(role_label=block.summary["role"].map(_role_label))
    part.add("table", PartTable("intervention_areas_before_after", summary,
                                ("role_label", "area_label", "before", "after", "change",
                                 "percent_change"), decimals=1))
    part.add("table", PartTable("intervention_wdd", block.table,
                                ("value", "lower", "upper", "se", "z", "p_value", "method"),
                                {"value": "Weighted displacement difference", "z": "z"},
                                decimals=1))
    part.add("text", block.text)
    _treated_change(part, block, offence)
    return part


#: The fall the evaluation's power is reported for: a fifth, a size boards often hope for.
POWER_FALL = 0.2


def _treated_change(part: Part, block, offence: str) -> None:
    from scpb_analysis.stats.etest import poisson_e_test, poisson_e_test_power

    treated = block.summary.set_index("role").loc["treated"]
    after_n, before_n = block.after.n_months, block.before.n_months
    test = poisson_e_test(int(treated["after"]), after_n, int(treated["before"]), before_n)
    row = test.iloc[0]
    rate_before = float(treated["before"]) / before_n
    lines = [f"On its own, the treated area went from {rate_before:,.1f} {offence} a month "
             f"before to {float(row['rate1']):,.1f} a month after (rate ratio "
             f"{float(row['rate_ratio']):.2f}; E-test for two Poisson rates, p = "
             f"{float(row['p_value']):.3f}): this compares the area with itself, with no "
             "control for what happened everywhere else."]
    power_table = None
    if rate_before > 0:
        try:
            power_table = poisson_e_test_power(rate_before * (1 - POWER_FALL), rate_before,
                                               after_n, before_n)
        except ValueError as exc:
            lines.append(f"The power of the test was not computed: {exc}")
    if power_table is not None:
        power = float(power_table["power"].iloc[0])
        lines.append(f"With {before_n} months before and {after_n} after at this level, the "
                     f"test had a {power:.0%} chance of detecting a fall of a fifth (power at "
                     "the 5% level); "
                     + ("a smaller effect could easily go unseen." if power < 0.8 else
                        "a fall of that size would very likely have been seen."))
    part.add("table", PartTable("intervention_treated_change", test,
                                ("count2", "exposure2", "count1", "exposure1", "rate2",
                                 "rate1", "rate_ratio", "p_value", "method"),
                                {"count2": "Offences before", "exposure2": "Months before",
                                 "count1": "Offences after", "exposure1": "Months after",
                                 "rate2": "A month before", "rate1": "A month after"},
                                decimals=2))
    if power_table is not None:
        part.add("table", PartTable("intervention_treated_power", power_table,
                                    ("rate2", "rate1", "exposure2", "exposure1", "power",
                                     "alpha", "method"),
                                    {"rate2": "A month before", "rate1": "A month after, "
                                     "a fifth lower", "exposure2": "Months before",
                                     "exposure1": "Months after"}, decimals=2, shown=False))
    part.add("text", "\n".join(lines))


def _role_label(role: str) -> str:
    return {"treated": "Treated area", "control": "Control area",
            "displacement": "Displacement area",
            "displacement_control": "Displacement control area"}[role]


def _short(label: str) -> str:
    names = label.split(", ")
    return label if len(names) <= 2 else f"{len(names)} wards"


# -- how harmful --------------------------------------------------------------------------


def harm_part(data, weights_file: str = "") -> Part:
    """How harmful: the area's offences in the 12 months to the period end and the 12 before,
    weighted by the Crime Severity Score weights (:mod:`scpb_analysis.stats.severity`), so a
    fall in counts can be told from a fall in harm. ``weights_file`` replaces the packaged
    weights with a partnership's own (same columns)."""
    from scpb_analysis.blocks.sv_places import latest_covered_end
    from scpb_analysis.core.periods import twelve_month_windows
    from scpb_analysis.reference.geography import select_area
    from scpb_analysis.stats.severity import harm_weighted, read_severity_weights

    part = Part()
    source = "policeuk" if data.kind == "policeuk" else "mps_borough"
    if _lacks(part, data, source):
        return part
    weights = read_severity_weights(weights_file or None)
    crime = data.area_crime()
    rows = select_area(crime, data.area, area_type=_area_type(crime, data.area))
    rows = rows.loc[rows["measure"] == "offences"] if "measure" in rows else rows
    last = latest_covered_end(rows["month"].unique(), data.period_end, 24)
    if last is None:
        return _gap(part, f"the recorded-crime files for {data.area} hold no 24 months in a "
                          f"row up to {to_month(data.period_end).strftime('%B %Y')}, which "
                          "two 12-month periods need")
    # latest_covered_end found 24 months held in a row: both windows are covered.
    current, previous = twelve_month_windows(last)
    _other_period(part, current, data)
    months = pd.PeriodIndex(rows["month"], freq="M")
    period = pd.Series(pd.NA, index=rows.index, dtype="object")
    period[months.isin(current.months)] = current.label
    period[months.isin(previous.months)] = previous.label
    counts = rows.assign(period=period).dropna(subset=["period"])
    counts = counts.groupby(["period", "indicator"], as_index=False)["count"].sum()
    population = _area_population(data)
    pop = None if population is None else pd.DataFrame(
        {"period": [current.label, previous.label], "population": population})
    table = harm_weighted(counts, weights, by=("period",), population=pop,
                          unweighted="report")
    latest = table.loc[table["period"] == current.label].copy()
    totals = table.loc[table["indicator"] == "total"].set_index("period")
    shown = latest.loc[latest["indicator"] != "total"].copy()
    total_offences = shown["count"].sum()
    shown["offence_share"] = shown["count"] / total_offences if total_offences else float("nan")
    shown = shown.sort_values(["harm", "indicator"], ascending=[False, True], na_position="last")
    part.add("text", _harm_text(totals, current, previous, shown, data.area))
    columns = ("indicator", "count", "offence_share", "weight", "harm", "harm_share", "status")
    part.add("table", PartTable("intervention_harm_by_offence", shown, columns,
                                {"indicator": "Offence group"}, decimals=1))
    total_columns = ("period", "count", "count_set_aside", "harm", "harm_min", "harm_max")
    if population is not None:
        total_columns += ("population", "rate", "harm_rate")
    part.add("table", PartTable("intervention_harm_totals",
                                totals.reset_index().sort_values("period", key=lambda s: s.map(
                                    {previous.label: 0, current.label: 1})),
                                total_columns, {"count": "Offences with a weight"},
                                decimals=1))
    part.add("markdown", f"Weights: {weights.source} ({weights.date}). "
             "A group's weight is that of its principal offence where the group holds several "
             "(the low and high columns use its lightest and heaviest offence); groups without "
             "a weight are counted but left out of the harm, and the table says so.")
    return part


def _area_type(crime: pd.DataFrame, area: str) -> str | None:
    from scpb_analysis.reference.geography import select_area

    types = set(select_area(crime, area, missing="empty")["area_type"])
    for kind in ("borough", "la", "local_authority", "csp"):
        if kind in types:
            return kind
    return None


def _area_population(data) -> int | None:
    population = data.optional("ward_population")
    if population is None or "population" not in population:
        return None
    return int(population["population"].sum())


def _harm_text(totals: pd.DataFrame, current: Window, previous: Window,
               shown: pd.DataFrame, area: str) -> str:
    from scpb_analysis.stats.change import format_percent_change

    now, before = totals.loc[current.label], totals.loc[previous.label]
    counts = format_percent_change(int(now["count"]), int(before["count"]))
    counts = counts if counts.startswith("n/a") else counts + "%"
    harm_now, harm_before = float(now["harm"]), float(before["harm"])
    harm = (f"{100 * (harm_now - harm_before) / harm_before:+.1f}%" if harm_before
            else "not computable")
    lines = [f"In {current.label}, {area} recorded {int(now['count']):,} offences in groups "
             f"with a severity weight, {counts} on the 12 months before; their harm, in days "
             f"of custody equivalent, changed by {harm} ({harm_before:,.0f} to "
             f"{harm_now:,.0f} days)."]
    weighted = shown.dropna(subset=["harm"])
    if len(weighted):
        top = weighted.iloc[0]
        from scpb_analysis.reference.labels import value_label

        name = value_label(str(top["indicator"]))
        lines.append(f"{name[:1]}{name[1:].lower()} carries "
                     f"{100 * float(top['harm_share']):.0f}% of the harm and "
                     f"{100 * float(top['offence_share']):.0f}% of the offences.")
    set_aside = int(now["count_set_aside"]) if pd.notna(now["count_set_aside"]) else 0
    if set_aside:
        lines.append(f"{set_aside:,} offences are in groups without a weight and are left out "
                     "of the harm (they are listed with their status).")
    return "\n".join(lines)


# -- repeats and near repeats ---------------------------------------------------------------

#: Near-repeat bands for police.uk points: 200 m bands to 1 km (snap points are street
#: segments, so finer bands say little), and months (police.uk gives no day).
KNOX_DISTANCE_BAND, KNOX_DISTANCE_BANDS = 200, 5
KNOX_TIME_BAND, KNOX_TIME_BANDS = 1, 3
KNOX_PERMUTATIONS = 99


def _window_points(data, crime_type: str, window: Window) -> pd.DataFrame:
    from scpb_analysis.core.periods import check_coverage

    check_coverage(data.policeuk_months(), (window,),
                   what=f"the police.uk files for {data.area}")
    points = data.area_points(crime_type)
    return points.loc[pd.PeriodIndex(points["month"], freq="M").isin(window.months)]


def repeats_part(data, crime_type: str = "Burglary", end: str = "", *,
                 public: bool = False) -> Part:
    """Repeat locations and near repeats of ``crime_type`` in the 12 months to ``end``
    (default the period end): the police.uk snap points with more than one offence, and the
    Knox test of pairs close in space and time (:mod:`scpb_analysis.stats.near_repeat`).

    A public page gives the shares only, not the list of locations.
    """
    from scpb_analysis.stats.near_repeat import knox_test, repeat_locations

    part = Part()
    if _lacks(part, data, "policeuk", "boundaries"):
        return part
    last = to_month(end) if end else _latest_end(data, 12)
    if last is None:
        return _gap(part, f"the police.uk files for {data.area} hold no 12 months in a row up "
                          f"to {to_month(data.period_end).strftime('%B %Y')}")
    window = Window(last - 11, last)
    try:
        points = _window_points(data, crime_type, window)
    except CoverageError as exc:
        return _gap(part, exc)
    if not end:
        _other_period(part, window, data)
    offence = _offence_words(crime_type)

    part.add("heading", f"Repeat locations, {window.label}")
    repeats = repeat_locations(points, location=("x", "y"))
    summary = repeats.summary.iloc[0]
    part.add("text", (f"{int(summary['crimes']):,} {offence} were published at "
                      f"{int(summary['locations']):,} map points; "
                      f"{int(summary['repeat_locations']):,} points "
                      f"({100 * float(summary['share_of_locations_repeat']):.1f}%) had more "
                      f"than one, and they hold {int(summary['crimes_at_repeat_locations']):,}"
                      f" of the {offence} "
                      f"({100 * float(summary['share_of_crimes_at_repeats']):.1f}%). A map "
                      "point is the centre of a street or a place such as a station, never an "
                      "address, so a repeat point is a street or place hit more than once, "
                      "not necessarily one home."))
    part.add("table", PartTable("intervention_repeat_summary",
                                repeats.summary.rename(columns={"lower": "share_lower",
                                                                "upper": "share_upper"}),
                                ("crimes", "locations", "repeat_locations",
                                 "crimes_at_repeat_locations", "share_of_locations_repeat",
                                 "share_lower", "share_upper", "share_of_crimes_at_repeats")))
    if public:
        part.add("gap", "The list of the map points hit most often is left out of the public "
                        "version.")
    else:
        named = points.groupby(["x", "y"], as_index=False).agg(
            location=("location", "first"), ward_name=("ward_name", "first"))
        top = repeats.locations.merge(named, on=["x", "y"], how="left").head(10)
        # police.uk publishes some snap points with no street name after "On or near".
        bare = top["location"].fillna("").str.strip().isin(["", "On or near"])
        top.loc[bare, "location"] = "On or near (no name published)"
        part.add("table", PartTable("intervention_repeat_locations", top,
                                    ("location", "ward_name", "crimes")))

    part.add("heading", f"Near repeats, {window.label}")
    knox = knox_test(points.assign(time=pd.PeriodIndex(points["month"], freq="M")
                                   .asi8.astype("int64")),
                     distance_band=KNOX_DISTANCE_BAND, n_distance_bands=KNOX_DISTANCE_BANDS,
                     time_band=KNOX_TIME_BAND, n_time_bands=KNOX_TIME_BANDS,
                     metric="manhattan", permutations=KNOX_PERMUTATIONS, time_unit="months")
    wide = knox.calculator_table().reset_index().rename(columns={"distance": "distance_band"})
    part.add("markdown", "Knox ratios (pairs of offences observed over the mean expected when "
                         "the months are shuffled among the offences), as Ratcliffe's Near "
                         f"Repeat Calculator prints them; {wide.attrs.get('note', '')}. "
                         "police.uk gives the month, not the day, so the time bands are "
                         "months and a near repeat within days cannot be seen.")
    part.add("table", PartTable("intervention_knox_ratios", wide))
    part.add("table", PartTable("intervention_knox_test", knox.table,
                                ("distance_band", "time_band", "observed", "expected",
                                 "knox_ratio", "p_value", "significant"), shown=False))
    part.add("text", knox.text)
    return part


# -- when -----------------------------------------------------------------------------------


def timing_part(data, *, public: bool = False) -> Part:
    """When: the aoristic hour-by-weekday profile of the partnership's CCTV log
    (:func:`scpb_analysis.stats.aoristic.aoristic_profile`), its times spread over the hours
    each incident could have happened in (one hour where the time is exact).

    A public page shows the heat map and the busiest hour, not the table of the 168 cells
    (many hold a handful of incidents)."""
    from scpb_analysis.blocks.sv_timing import hour_weekday_profile
    from scpb_analysis.charts.timing_charts import hour_weekday_heatmap
    from scpb_analysis.stats.aoristic import aoristic_profile

    part = Part()
    cctv = None
    if data.has("partnership"):
        loads = data.partnership().loads
        cctv = loads["cctv"].table if "cctv" in loads else None
    if cctv is None or not len(cctv):
        part.add("gap", "Not available: no partnership CCTV control-room log in this data "
                        "(folder partnership/, the cctv template). police.uk and the MPS files "
                        "give months only.")
        return part
    end = "occurred_end" if "occurred_end" in cctv.columns else None
    records = cctv.assign(start=cctv["occurred_at"],
                          end=cctv[end] if end else pd.NaT)
    profile = aoristic_profile(records, "start", "end")
    staffed = hour_weekday_profile(cctv).table[["weekday", "hour", "staffed_hours"]]
    cells = profile.merge(staffed, on=["weekday", "hour"], how="left")
    part.add("figure", hour_weekday_heatmap(cells.assign(count=cells["value"]),
                                            "CCTV incidents by hour and weekday (aoristic "
                                            "weights)", area=data.area, value="count"))
    rules = profile.attrs.get("rules")
    if rules is not None:
        # The rules no record fell under say nothing to a reader; the CSV keeps the used ones.
        part.add("table", PartTable("intervention_aoristic_rules",
                                    rules.loc[rules["records"] > 0],
                                    ("rule", "records", "description"),
                                    {"records": "Records"}, generated=("description",)))
    by_hour = cells.groupby("hour", as_index=False)["value"].sum()
    peak = by_hour.sort_values(["value", "hour"], ascending=[False, True]).iloc[0]
    part.add("text", f"{profile.attrs.get('records_used', int(round(profile['value'].sum()))):,} "
                     f"incidents; the busiest hour of the day is {int(peak['hour']):02d}:00 to "
                     f"{(int(peak['hour']) + 1) % 24:02d}:00 "
                     f"({100 * float(peak['value']) / float(by_hour['value'].sum()):.1f}% of "
                     "the incidents). Hours the control room was never staffed are grey: no "
                     "incident could be logged then.")
    if not public:
        part.add("table", PartTable("intervention_aoristic_profile", cells,
                                    ("weekday_name", "hour", "value", "share",
                                     "staffed_hours"), decimals=2, shown=False))
    return part


# -- did the pattern move -------------------------------------------------------------------


def _year_or_window(text: str) -> Window | None:
    if not text:
        return None
    text = str(text).strip()
    if len(text) == 4 and text.isdigit():
        return Window(pd.Period(f"{text}-01", "M"), pd.Period(f"{text}-12", "M"))
    last = to_month(text)
    return Window(last - 11, last)


def _covered(window: Window, held: pd.PeriodIndex) -> bool:
    return set(window.months) <= set(held)


def pattern_windows(data, base: str = "", test: str = "") -> tuple[Window, Window, str]:
    """The two periods the pattern is compared between: ``base`` and ``test`` as years
    (``"2021"``) or as 12 months to a month (``"2023-05"``). By default the test period is the
    latest 12 months to the period end that the data cover, and the base the same months two
    years before, or one year before where the data do not go back two. Returns the windows
    and a note saying which was used ("" when it is the default).

    Raises :class:`~scpb_analysis.core.errors.CoverageError` when the data cover no default.
    """
    held = data.policeuk_months()
    notes = []
    test_window = _year_or_window(test)
    if test_window is None:
        last = _latest_end(data, 12)
        if last is None:
            raise CoverageError(f"the police.uk files for {data.area} hold no 12 months in a "
                                "row to compare")
        test_window = Window(last - 11, last)
        if last != to_month(data.period_end):
            notes.append(f"The data do not cover the 12 months to "
                         f"{to_month(data.period_end).strftime('%B %Y')}; the later period "
                         f"is {test_window.label}.")
    given = _year_or_window(base)
    if given is not None:
        return given, test_window, " ".join(notes)
    two = test_window.shift(-24)
    if _covered(two, held):
        return two, test_window, " ".join(notes)
    notes.append(f"The data do not hold {two.label}, so the pattern is compared with the 12 "
                 "months before.")
    return test_window.shift(-12), test_window, " ".join(notes)


def pattern_part(data, crime_type: str = "Burglary", base: str = "", test: str = "") -> Part:
    """Did the pattern move: Andresen's spatial point pattern test of each ward's share of
    ``crime_type`` between two periods (:func:`scpb_analysis.stats.sppt.sppt`)."""
    from scpb_analysis.core.periods import check_coverage
    from scpb_analysis.stats.sppt import HIGHER, LOWER, sppt

    part = Part()
    if _lacks(part, data, "policeuk", "boundaries"):
        return part
    try:
        before, after, note = pattern_windows(data, base, test)
        check_coverage(data.policeuk_months(), (before, after),
                       what=f"the police.uk files for {data.area}")
    except CoverageError as exc:
        return _gap(part, exc)
    points = data.area_points(crime_type)
    months = pd.PeriodIndex(points["month"], freq="M")
    wards = data.wards()
    codes = sorted(wards["ward_code"].astype(str).unique())
    names = dict(zip(wards["ward_code"].astype(str), wards["ward_name"].astype(str),
                     strict=False))

    def per_ward(window: Window) -> pd.Series:
        chosen = points.loc[months.isin(window.months), "ward_code"].astype(str)
        return chosen.value_counts().reindex(codes, fill_value=0)

    result = sppt(per_ward(before), per_ward(after), what=_offence_words(crime_type),
                  area_noun="wards", periods=(before.label, after.label))
    if note:
        part.add("markdown", f"**{note}**")
    part.add("text", result.text)
    words = {HIGHER: "larger share later", LOWER: "smaller share later"}
    areas = result.areas.assign(ward_name=result.areas["area_code"].map(names),
                                direction=result.areas["direction"].replace(words))
    areas = areas.sort_values(["similarity", "ward_name"])
    part.add("table", PartTable("intervention_sppt_wards", areas,
                                ("ward_name", "base_count", "test_count", "base_percent",
                                 "test_percent", "lower", "upper", "direction"),
                                {"base_count": f"Offences, {before.label}",
                                 "test_count": f"Offences, {after.label}",
                                 "base_percent": f"Share, {before.label} (%)",
                                 "test_percent": f"Share, {after.label} (%)",
                                 "lower": "Share after, lower (%)",
                                 "upper": "Share after, upper (%)"}, decimals=1))
    part.add("table", PartTable("intervention_sppt_summary", result.summary,
                                ("s_index", "robust_s_index", "areas", "areas_higher",
                                 "areas_lower", "base_crimes", "test_crimes", "method"),
                                decimals=2))
    return part


# -- which hot spots last -------------------------------------------------------------------

#: Grid cell side (metres) for hot-spot stability: about a neighbourhood's few streets.
STABILITY_CELL = 500.0


def stability_windows(data, *, n: int = 4) -> list[Window]:
    """The successive periods for hot-spot stability: up to ``n`` (at least three) 12-month
    windows, or where the data do not hold three, six-month ones, ending in the period end,
    or where the data do not cover that, in the latest month they do.

    Raises :class:`~scpb_analysis.core.errors.CoverageError` when the data hold no three
    successive six-month periods up to the period end.
    """
    from scpb_analysis.blocks.sv_places import latest_covered_end

    held = data.policeuk_months()
    end = to_month(data.period_end)
    found = []
    for length in (12, 6):
        for count in range(n, 2, -1):
            last = latest_covered_end(held, end, length * count)
            if last is not None:
                found.append((last != end, length != 12, -count, last, length, count))
    if not found:
        raise CoverageError(f"the police.uk files for {data.area} do not cover three "
                            f"successive six-month periods up to {end.strftime('%B %Y')}")
    # The period end first, then yearly periods, then more of them.
    *_, last, length, count = min(found)
    return [Window(last - length * k - length + 1, last - length * k)
            for k in reversed(range(count))]


def stability_part(data, crime_type: str = "Burglary") -> Part:
    """Which hot spots last: Getis-Ord Gi* hot spots of ``crime_type`` on a grid in each of
    the successive periods, and each cell classed persistent, emerging, intermittent or
    former (:func:`scpb_analysis.stats.hotspot_stability.grid_hotspot_stability`)."""
    from scpb_analysis.charts.intervention_chart import stability_map
    from scpb_analysis.stats.hotspot_stability import grid_hotspot_stability

    part = Part()
    if _lacks(part, data, "policeuk", "boundaries"):
        return part
    try:
        windows = stability_windows(data)
    except CoverageError as exc:
        return _gap(part, exc)
    if windows[-1].end != to_month(data.period_end):
        part.add("markdown", f"**The periods end in {windows[-1].end.strftime('%B %Y')}, the "
                 "latest month the police.uk files cover without a gap, not in the page's "
                 f"period end ({to_month(data.period_end).strftime('%B %Y')}).**")
    points = data.area_points(crime_type)
    months = pd.PeriodIndex(points["month"], freq="M")
    period = pd.Series(pd.NA, index=points.index, dtype="object")
    for window in windows:
        # Labels that sort in time order, as the periods are ordered by sorting them.
        period[months.isin(window.months)] = f"{window.start} to {window.end}"
    chosen = points.assign(period=period).dropna(subset=["period"])
    result = grid_hotspot_stability(chosen, cell_size=STABILITY_CELL)
    labels = {f"{w.start} to {w.end}": w.label for w in windows}
    summary = result.summary
    hot = summary.loc[~summary["stability"].isin(["no pattern", "never hot"])]
    described = "; ".join(f"{r.stability}: {int(r.cells):,}" for r in hot.itertuples()
                          if r.cells) or "none"
    part.add("text", f"{len(result.cells):,} cells of {STABILITY_CELL:,.0f} m across "
                     f"{data.area}, over {len(windows)} periods ("
                     + "; ".join(labels.values()) + f"). Cells hot at some time: {described}.")
    part.add("figure", stability_map(result.cells, data.wards(),
                                     f"{crime_type} hot spots over {len(windows)} periods",
                                     area=data.area, cell_size=STABILITY_CELL))
    part.add("table", PartTable("intervention_hotspot_stability", summary,
                                ("stability", "cells")))
    part.add("markdown", "Method: " + result.method.replace("*", "\\*"))
    return part
