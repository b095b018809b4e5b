"""The board's period comparison: 12 months and 3 months against the year before.

One row per canonical indicator for one area and one period end, with the counts in the
four windows, the percentage change to one decimal and the direction word derived from the
counts, as the performance dashboard prints them. A London borough (MPS tables) is ranked
among London's 32 boroughs and within its BCU; a Community Safety Partnership outside London
(police.uk counts, :func:`scpb_analysis.sources.policeuk_areas.policeuk_area_crime`) among
its police force's local authorities. ``peers`` says which, on every row.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from scpb_analysis.core.errors import CoverageError, UnmappedCategoryError
from scpb_analysis.core.marker import SYNTHETIC_BANNER
from scpb_analysis.core.periods import (
    check_coverage,
    month_label,
    month_ranges,
    three_month_windows,
    to_month,
    twelve_month_windows,
)
from scpb_analysis.reference.geography import compared_area_type, london_boroughs, select_area
from scpb_analysis.reference.indicators import (
    DASHBOARD_INDICATORS,
    POLICEUK_DASHBOARD_INDICATORS,
    indicator_info,
)
from scpb_analysis.reference.taxonomy import (
    UNMAPPED_PREFIX,
    indicator_table,
    policeuk_crime_types,
)
from scpb_analysis.reference.taxonomy.gaps import gap_message, incomplete_error, mapping_gaps
from scpb_analysis.sources.policeuk_areas import is_policeuk_counts
from scpb_analysis.stats.change import change_test, direction_of_change, format_percent_change
from scpb_analysis.stats.rag import RagRule, significance_and_rank_rule
from scpb_analysis.stats.ranking import rank_areas, rank_boroughs, rank_movement
from scpb_analysis.text.narrative import INCOMPLETE_MARK, NOT_LIKE_FOR_LIKE, comparison_narrative

__all__ = [
    "DASHBOARD_INDICATORS",
    "COMPARISON_COLUMNS",
    "SYNTHETIC_STATUS",
    "INCOMPLETE_CHOICES",
    "compare_periods",
    "comparison_text",
]

COMPARISON_COLUMNS = [
    "indicator",
    "indicator_name",
    "group",
    "dashboard",
    "borough",
    "period_end",
    "n_12m",
    "n_12m_prev",
    "pct_change_12m",
    "direction_12m",
    "p_value_12m",
    "significance_12m",
    "n_3m",
    "n_3m_prev",
    "pct_change_3m",
    "direction_3m",
    "p_value_3m",
    "significance_3m",
    "significance_level",
    "peers",
    "peer_rank",
    "peer_n",
    "peer_rank_prev",
    "peer_rank_movement",
    "bcu",
    "bcu_rank",
    "bcu_n",
    "bcu_rank_prev",
    "rank_basis",
    "rag",
    "rag_rule",
    "narrative",
    "window_12m",
    "window_12m_prev",
    "window_3m",
    "window_3m_prev",
    "notes",
    "complete",
    "vintage",
    "publications",
    "data_status",
]

#: ``data_status`` of rows counted from synthetic data: the one banner, under the column's name.
SYNTHETIC_STATUS = SYNTHETIC_BANNER
_PUBLISHED_STATUS = "MPS published recorded crime"
_POLICEUK_STATUS = "police.uk street-level crime"
_LONDON_PEERS = "London boroughs"

#: What :func:`compare_periods` does with an indicator an unmapped category may belong to.
INCOMPLETE_CHOICES = ("refuse", "mark")


def _breaks_inside(breaks: pd.DataFrame | None, indicator: str, first: pd.Period,
                   last: pd.Period, level: str, measure: str,
                   publications: set[str]) -> pd.DataFrame:
    if breaks is None or breaks.empty:
        return pd.DataFrame(columns=["month", "kind", "detail"])
    months = pd.PeriodIndex(breaks["month"], freq="M")
    inside = (
        (breaks["level"] == level)
        & (breaks["measure"] == measure)
        & breaks["indicator"].isin(["*", indicator])
        & (months > first)
        & (months <= last)
    )
    if "publication" in breaks and publications:
        inside &= breaks["publication"].isin(publications)
    return breaks.loc[inside]


def _break_notes(found: pd.DataFrame) -> list[str]:
    return [
        f"series break {month_label(pd.Period(row.month, freq='M'))} ({row.kind}): {row.detail}"
        for row in found.itertuples(index=False)
    ]


def _publications_text(rows: pd.DataFrame) -> str:
    if "publication" not in rows or rows.empty:
        return ""
    pairs = sorted({(str(p), str(v)) for p, v in zip(rows["publication"], rows["vintage"],
                                                     strict=True)})
    return "; ".join(f"{p} to {month_label(pd.Period(v, freq='M'))}" for p, v in pairs)


def _zero_fill_note(rows: pd.DataFrame, borough: str) -> str:
    # police.uk zeros are months whose file holds no such crime in the area: real zeros.
    if "zero_filled" not in rows or is_policeuk_counts(rows):
        return ""
    filled = rows[rows["zero_filled"].astype(bool)]
    if filled.empty:
        return ""
    files = ", ".join(sorted({str(f) for f in filled["source_file"]}))
    long = "publication" in filled and filled["publication"].eq(
        "MPS Monthly Crime Dashboard").all()
    why = ("the extract lists only months with a count" if long else
           "the MPS leaves out rows that are zero in every month of a file")
    return (f"{borough} has no row in {files} for {filled['month'].nunique()} of these months: "
            f"{why}, so they are read as 0")


def _indicator_meta(policeuk: bool) -> pd.DataFrame:
    """Name and group of every id a comparison of these counts may hold: police.uk's crime
    types for police.uk counts, else the MPS taxonomy's indicators."""
    if policeuk:
        return (policeuk_crime_types()[["indicator", "name"]]
                .assign(group="police.uk crime type").set_index("indicator"))
    return indicator_table()[["indicator", "name", "group"]].set_index("indicator")


def compare_periods(
    table: pd.DataFrame,
    borough: str,
    end: str | pd.Period,
    *,
    area_type: str | None = None,
    indicators: Sequence[str] | None = None,
    breaks: pd.DataFrame | None = None,
    measure: str = "offences",
    rank_basis: str = "pct_change_3m",
    rag_rule: RagRule | None = None,
    alpha: float = 0.05,
    population: pd.DataFrame | None = None,
    incomplete: str = "refuse",
) -> pd.DataFrame:
    """12-month and 3-month comparisons for one borough, as the dashboard reports them.

    Parameters
    ----------
    table : DataFrame
        The tidy count table from :func:`scpb_analysis.sources.mps.read_mps_crime_for_period`
        (or any MPS load), or police.uk counts from
        :func:`scpb_analysis.sources.policeuk_areas.policeuk_area_crime`.
    borough : str
        The area as the table's ``borough`` column spells it: a canonical borough name
        (``"Barnet"``) or a local authority's (``"Bristol, City of"``).
    end : str or Period
        Last month of the current windows, e.g. ``"2023-05"``.
    area_type : {"borough", "csp"}, optional
        The rows of the area to compare and rank; default ``"borough"`` where the table holds
        borough rows, else ``"csp"`` (police.uk: ranked among the force's local authorities).
    indicators : sequence of str, optional
        Canonical indicator ids; default every mapped indicator in the data, with the
        dashboard's headline indicators first (police.uk's for police.uk counts:
        :data:`~scpb_analysis.reference.indicators.POLICEUK_DASHBOARD_INDICATORS`).
    breaks : DataFrame, optional
        ``MpsCrimeLoad.breaks``; breaks inside the compared months are listed in ``notes``.
        Across a ``definition change`` no percentage, test, rank or RAG rating is given.
    measure : str
        ``"offences"`` (default) or another measure of the dashboard extract
        (``"positive_outcomes"``, for which higher is better).
    rank_basis : str
        What areas are ranked on (:data:`scpb_analysis.stats.ranking.RANK_BASES`); the
        dashboard's slide uses the 3-month % change. A borough's ranks need all 32 boroughs in
        ``table``; otherwise they are left empty and ``notes`` says why. A ``csp`` is ranked
        among the ``csp`` rows of ``table`` (the force's local authorities).
    rag_rule : RagRule, optional
        Rule for ``rag``; default :func:`~scpb_analysis.stats.rag.significance_and_rank_rule`
        (a significant worsening Red and a significant improvement Green, else the rank among
        ``peers`` against the quarter before). Its text is in ``rag_rule``.
    alpha : float
        Significance level of the exact change test.
    population : DataFrame, optional
        ``borough, population, source`` for rate bases (default for London boroughs: Census
        2021; a ``csp`` has no default).
    incomplete : {"refuse", "mark"}
        What to do with an indicator that a category the taxonomy does not map may belong to
        (:func:`scpb_analysis.reference.taxonomy.gaps.mapping_gaps`): ``refuse`` (default) raises
        :class:`~scpb_analysis.core.errors.IncompleteIndicatorError` naming the file, the category
        and the indicator; ``mark`` gives the figures of the mapped categories with
        ``complete`` False, ``INCOMPLETE`` at the start of ``notes`` and ``narrative``, no
        rank and a RAG of ``Not rated (incomplete)``.

    Returns
    -------
    DataFrame
        :data:`COMPARISON_COLUMNS`. ``pct_change_*`` is text: a signed percentage to one
        decimal, ``n/a (up from 0)`` when the earlier count is 0, or ``n/a (definition
        changed)`` across a definition change. ``significance_*`` comes from
        :func:`~scpb_analysis.stats.change.change_test`; ``narrative`` is the seed-style
        paragraph built from the row; ``publications`` names the MPS publications (and their
        vintages) the row's counts came from. Where the data hold the 3-month windows but not
        all of the 12-month ones, the 12-month columns are empty and ``notes`` names the
        missing months.

    Raises
    ------
    CoverageError
        If the data for the borough do not hold the months of the 3-month windows (the
        message lists the missing months), or a requested indicator lacks some of them.
    IncompleteIndicatorError
        If an indicator is incomplete and ``incomplete`` is ``"refuse"``.
    UnmappedCategoryError
        If a requested indicator is not in the taxonomy.

    Examples
    --------
    >>> from scpb_analysis import read_mps_crime_for_period
    >>> from scpb_analysis.demo import example_folder
    >>> load = read_mps_crime_for_period(example_folder() / "mps" / "borough", "2023-05")
    >>> row = compare_periods(load.table, "Barnet", "2023-05", breaks=load.breaks).iloc[0]
    >>> row["indicator"], row["window_3m"], row["publications"]
    ('residential_burglary', 'March 2023 to May 2023', 'MPS Borough Level Crime to July 2023')
    """
    if incomplete not in INCOMPLETE_CHOICES:
        raise ValueError(f"incomplete={incomplete!r}: expected one of "
                         f"{', '.join(INCOMPLETE_CHOICES)}")
    end_m = to_month(end)
    cur12, prev12 = twelve_month_windows(end_m)
    cur3, prev3 = three_month_windows(end_m)
    if area_type is None:
        area_type = compared_area_type(table)
    mine = select_area(table, borough, area_type=area_type, what=measure)
    mine = mine[mine["measure"] == measure]
    if mine.empty:
        raise CoverageError(f"no {measure} for {area_type} '{borough}' in the data")
    policeuk = is_policeuk_counts(mine)
    headline = POLICEUK_DASHBOARD_INDICATORS if policeuk else DASHBOARD_INDICATORS
    check_coverage(mine["month"].unique(), [prev3, cur3], what=f"the data for {borough}")
    in_window = mine[(mine["month"] >= prev12.start) & (mine["month"] <= cur12.end)]

    unmapped = in_window["indicator"].astype(str).str.startswith(UNMAPPED_PREFIX)
    # The ranks of this and the previous quarter read 27 months of every borough.
    gaps = mapping_gaps(table, start=end_m - 26, end=end_m, measure=measure)
    if indicators is None:
        if unmapped.any():
            names = ", ".join(sorted(in_window.loc[unmapped, "indicator"].unique()))
            warnings.warn(
                f"left out of the comparison until added to the taxonomy: {names}", stacklevel=2
            )
        present = set(in_window.loc[~unmapped, "indicator"])
        affected = set(gaps["indicator"]) & (present | set(headline))
        ordered = [i for i in headline if i in present | affected]
        ordered += sorted((present | affected) - set(ordered))
    else:
        ordered = list(dict.fromkeys(indicators))
        for ind in ordered:
            if ind.startswith(UNMAPPED_PREFIX):
                raise UnmappedCategoryError(
                    f"'{ind}' is not in the taxonomy; add it to taxonomy/mps_categories.csv "
                    "before comparing it"
                )
    meta = _indicator_meta(policeuk)
    for ind in ordered:
        if ind not in meta.index:
            raise UnmappedCategoryError(
                f"'{ind}' is not a canonical indicator; known: {', '.join(meta.index)}"
            )
    incomplete_ids = [i for i in ordered if i in set(gaps["indicator"])]
    if incomplete_ids and incomplete == "refuse":
        raise incomplete_error(gaps, incomplete_ids,
                               remedy="show the figures marked incomplete (incomplete='mark'; "
                               "scpb compare --show-incomplete)")

    by_indicator = {k: g for k, g in in_window.groupby("indicator", observed=True)}
    synthetic = bool(in_window["synthetic"].any()) if "synthetic" in in_window else False
    rows = []
    for ind in ordered:
        part = by_indicator.get(ind, in_window.iloc[:0])
        series = part.groupby("month")["count"].sum()
        vintages = ", ".join(sorted({str(v) for v in part["vintage"].unique()})) \
            if "vintage" in part else ""
        publications = _publications_text(part)
        pubs = set(part["publication"].astype(str)) if "publication" in part else set()
        base = dict(ind=ind, meta=meta, borough=borough, end_m=end_m, vintages=vintages,
                    publications=publications, synthetic=synthetic, headline=headline,
                    status=_POLICEUK_STATUS if policeuk else _PUBLISHED_STATUS)
        missing3 = [m for m in prev3.months.append(cur3.months) if m not in series.index]
        missing12 = [m for m in prev12.months.append(cur12.months) if m not in series.index]
        notes: list[str] = []
        if ind in incomplete_ids:
            notes.append(f"{INCOMPLETE_MARK}: {gap_message(gaps, ind)}")
        if missing3:
            if indicators is not None:
                check_coverage(series.index, [prev3, cur3],
                               what=f"the data for {meta.loc[ind, 'name']} in {borough}")
            rows.append(_row(counts=None, notes=notes + [
                f"not in this data for {len(missing12)} of the 24 months "
                f"({month_ranges(missing12)})"], **base))
            continue
        counts = {
            "n_3m": int(series.loc[cur3.start:cur3.end].sum()),
            "n_3m_prev": int(series.loc[prev3.start:prev3.end].sum()),
        }
        if missing12:
            notes.append(f"12-month comparison not available: the data do not hold "
                         f"{month_ranges(missing12)}")
        # The current 12 months are a count of their own even where the year before is not
        # held (police.uk files for a force that starts within it).
        if not any(cur12.start <= m <= cur12.end for m in missing12):
            counts["n_12m"] = int(series.loc[cur12.start:cur12.end].sum())
        if not missing12:
            counts["n_12m_prev"] = int(series.loc[prev12.start:prev12.end].sum())
        first = prev3.start if missing12 else prev12.start
        found = _breaks_inside(breaks, ind, first, cur12.end, area_type, measure, pubs)
        changed = {}
        definition = found[found["kind"] == "definition change"]
        for span, (start, stop) in {"12m": (prev12.start, cur12.end),
                                    "3m": (prev3.start, cur3.end)}.items():
            months = pd.PeriodIndex(definition["month"], freq="M")
            changed[span] = bool(((months > start) & (months <= stop)).any())
        notes += _break_notes(found)
        filled = _zero_fill_note(part[part["month"] >= first], borough)
        if filled:
            notes.append(filled)
        rows.append(_row(counts=counts, notes=notes, changed=changed, **base))
    result = pd.DataFrame(rows, columns=COMPARISON_COLUMNS)
    for col in ("n_12m", "n_12m_prev", "n_3m", "n_3m_prev"):
        result[col] = result[col].astype("Int64")
    result["complete"] = ~result["indicator"].isin(incomplete_ids)
    _add_significance(result, alpha)
    recent = table[(table["area_type"] == area_type) & (table["measure"] == measure)
                   & (table["month"] >= end_m - 26) & (table["month"] <= end_m)]
    if area_type == "borough":
        _add_ranks(result, recent, borough, end_m, rank_basis, population, measure)
    else:
        _add_peer_ranks(result, recent, borough, end_m, rank_basis, population, measure,
                        area_type)
    rule = rag_rule or significance_and_rank_rule(alpha)
    if rule.column not in result.columns:
        raise ValueError(f"RAG rule '{rule.name}' reads '{rule.column}', which the comparison "
                         f"table does not have")
    result["significance_level"] = alpha
    polarity = result["indicator"].map(lambda i: _polarity(i, measure))
    result["rag"] = rule.rate(result, polarity).to_numpy()
    no_polarity = polarity == "none"
    result.loc[no_polarity, "rag"] = "Not rated (no polarity)"
    not_lfl = result["pct_change_12m"].eq(NOT_LIKE_FOR_LIKE) | result["pct_change_3m"].eq(
        NOT_LIKE_FOR_LIKE)
    result.loc[not_lfl, "rag"] = "Not rated (definition change)"
    result.loc[~result["complete"], "rag"] = "Not rated (incomplete)"
    result["rag_rule"] = rule.text
    result["narrative"] = [comparison_narrative(r, alpha) for r in result.to_dict("records")]
    return result


def _add_significance(result: pd.DataFrame, alpha: float) -> None:
    for span in ("12m", "3m"):
        have = (result[f"n_{span}"].notna() & result[f"n_{span}_prev"].notna()
                & result[f"pct_change_{span}"].ne(NOT_LIKE_FOR_LIKE))
        result[f"p_value_{span}"] = np.nan
        result[f"significance_{span}"] = None
        if have.any():
            test = change_test(result.loc[have, f"n_{span}"].to_numpy(dtype=np.int64),
                               result.loc[have, f"n_{span}_prev"].to_numpy(dtype=np.int64),
                               alpha=alpha)
            result.loc[have, f"p_value_{span}"] = test["p_value"].round(4).to_numpy()
            result.loc[have, f"significance_{span}"] = test["significance"].to_numpy()


def _polarity(indicator: str, measure: str = "offences") -> str:
    try:
        polarity = indicator_info(indicator)["polarity"]
    except KeyError:
        polarity = "lower_is_better"  # every MPS recorded-crime category: fewer is better
    if measure == "positive_outcomes" and polarity != "none":
        return "higher_is_better"  # more crimes solved is better, whatever the crime
    return polarity


def _add_note(result: pd.DataFrame, i: int, note: str) -> None:
    result.loc[i, "notes"] = "; ".join(n for n in (result.loc[i, "notes"], note) if n)


def _add_ranks(result: pd.DataFrame, table: pd.DataFrame, borough: str, end: pd.Period,
               basis: str, population: pd.DataFrame | None, measure: str) -> None:
    _empty_ranks(result, _LONDON_PEERS)
    london = set(london_boroughs()["borough"])
    # Every ranking reads only borough rows of this measure: selected once, not in each of
    # the two rankings of every indicator (the MPS table has over a million rows).
    borough_rows = table[table["area_type"] == "borough"]
    held = london & set(borough_rows["borough"].unique())
    ranked = borough_rows[borough_rows["measure"] == measure]
    by_indicator = {k: g for k, g in ranked.groupby("indicator", observed=True)}
    bcu_name = london_boroughs().set_index("borough")["bcu"].get(borough, "")
    for i, ind in enumerate(result["indicator"]):
        if not _rankable(result, i, basis):
            continue
        if len(held) < len(london):
            _add_note(result, i, f"not ranked: the data hold {len(held)} of the {len(london)} "
                      "London boroughs")
            continue
        polarity = _polarity(ind, measure)
        rows = by_indicator.get(ind, table.iloc[:0])
        try:
            now = rank_boroughs(rows, ind, end, basis=basis, polarity=polarity,
                                population=population, measure=measure)
        except CoverageError as exc:
            _add_note(result, i, f"not ranked: {exc}")
            continue
        mine = now.set_index("borough").loc[borough]
        result.loc[i, ["peer_rank", "peer_n", "bcu_rank", "bcu_n"]] = [
            int(mine["london_rank"]), int(mine["london_n"]), int(mine["bcu_rank"]),
            int(mine["bcu_n"])]
        result.loc[i, "bcu"] = bcu_name
        result.loc[i, "rank_basis"] = mine["rank_basis"]
        try:
            before = rank_boroughs(rows, ind, end - 3, basis=basis, polarity=polarity,
                                   population=population, measure=measure)
        except CoverageError:
            continue
        prev = before.set_index("borough").loc[borough]
        result.loc[i, "peer_rank_prev"] = int(prev["london_rank"])
        result.loc[i, "bcu_rank_prev"] = int(prev["bcu_rank"])
    _add_movement(result)


def _empty_ranks(result: pd.DataFrame, peers: str) -> None:
    for col in ("peer_rank", "peer_n", "peer_rank_prev", "bcu_rank", "bcu_n", "bcu_rank_prev"):
        result[col] = pd.array([pd.NA] * len(result), dtype="Int64")
    result["peers"] = peers
    result["bcu"] = ""
    result["rank_basis"] = ""


def _rankable(result: pd.DataFrame, i: int, basis: str) -> bool:
    """False (with the reason in ``notes``) for a row whose figures cannot be ranked."""
    span = basis.rsplit("_", 1)[-1]
    if pd.isna(result.loc[i, f"n_{span}"]):
        return False
    if not result.loc[i, "complete"]:
        _add_note(result, i, "not ranked: the figures are incomplete")
        return False
    if basis.startswith("pct") and result.loc[i, f"pct_change_{span}"] == NOT_LIKE_FOR_LIKE:
        _add_note(result, i, "not ranked: the definition changed between the periods")
        return False
    return True


def _add_movement(result: pd.DataFrame) -> None:
    movement = rank_movement(result["peer_rank"].astype("Float64"),
                             result["peer_rank_prev"].astype("Float64"))
    result["peer_rank_movement"] = pd.array(movement, dtype="Int64")


def _add_peer_ranks(result: pd.DataFrame, table: pd.DataFrame, area: str, end: pd.Period,
                    basis: str, population: pd.DataFrame | None, measure: str,
                    area_type: str) -> None:
    """Ranks among the other areas of ``area_type`` in ``table``: for police.uk counts, the
    force's local authorities (``peers`` names the force)."""
    forces = sorted(set(table["force"].dropna())) if "force" in table else []
    _empty_ranks(result, "local authorities of " + (" and ".join(forces) or "the data"))
    by_indicator = {k: g for k, g in table.groupby("indicator", observed=True)}
    for i, ind in enumerate(result["indicator"]):
        if not _rankable(result, i, basis):
            continue
        rows = by_indicator.get(ind, table.iloc[:0])
        polarity = _polarity(ind, measure)
        ranked = []
        for when in (end, end - 3):
            try:
                ranked.append(rank_areas(rows, ind, when, area_type=area_type, basis=basis,
                                         polarity=polarity, population=population,
                                         measure=measure).set_index("borough").loc[area])
            except CoverageError as exc:
                if when == end:
                    _add_note(result, i, f"not ranked: {exc}")
                break
        if not ranked:
            continue
        result.loc[i, ["peer_rank", "peer_n"]] = [int(ranked[0]["rank"]), int(ranked[0]["n"])]
        result.loc[i, "rank_basis"] = ranked[0]["rank_basis"]
        if len(ranked) == 2:
            result.loc[i, "peer_rank_prev"] = int(ranked[1]["rank"])
    _add_movement(result)


def _row(*, ind, meta, borough, end_m, counts, notes, vintages, publications, synthetic,
         headline, status, changed=None) -> dict[str, object]:
    cur12, prev12 = twelve_month_windows(end_m)
    cur3, prev3 = three_month_windows(end_m)
    row: dict[str, object] = {
        "indicator": ind,
        "indicator_name": meta.loc[ind, "name"],
        "group": meta.loc[ind, "group"],
        "dashboard": ind in headline,
        "borough": borough,
        "period_end": str(end_m),
        "window_12m": cur12.label,
        "window_12m_prev": prev12.label,
        "window_3m": cur3.label,
        "window_3m_prev": prev3.label,
        "notes": "; ".join(notes),
        "vintage": vintages,
        "publications": publications,
        "data_status": SYNTHETIC_STATUS if synthetic else status,
    }
    for span in ("12m", "3m"):
        cur = None if counts is None else counts.get(f"n_{span}")
        if cur is None:
            row.update({f"n_{span}": pd.NA, f"n_{span}_prev": pd.NA,
                        f"pct_change_{span}": "n/a", f"direction_{span}": "n/a"})
            continue
        prev = counts.get(f"n_{span}_prev")
        row[f"n_{span}"], row[f"n_{span}_prev"] = cur, pd.NA if prev is None else prev
        if prev is None:
            row.update({f"pct_change_{span}": "n/a", f"direction_{span}": "n/a"})
        elif changed and changed.get(span):
            row[f"pct_change_{span}"] = NOT_LIKE_FOR_LIKE
            row[f"direction_{span}"] = "n/a"
        else:
            row[f"pct_change_{span}"] = format_percent_change(cur, prev)
            row[f"direction_{span}"] = direction_of_change(cur, prev)
    return row


def _count_text(value: object) -> str:
    return "-" if pd.isna(value) else str(value)


def comparison_text(comparison: pd.DataFrame) -> str:
    """The comparison as a plain-text table for the terminal, with its windows stated.

    Examples
    --------
    >>> from scpb_analysis import load_mps_crime
    >>> from scpb_analysis.demo import example_folder
    >>> crime = load_mps_crime(example_folder() / "mps" / "borough")
    >>> print(comparison_text(compare_periods(crime, "Barnet", "2023-05")).splitlines()[0])
    SYNTHETIC demo data: not real crime or partnership figures
    """
    if comparison.empty:
        return "(no indicators)"
    first = comparison.iloc[0]
    lines = []
    if (comparison["data_status"] == SYNTHETIC_STATUS).any():
        lines.append(SYNTHETIC_STATUS)
    sources = sorted({p for text in comparison.get("publications", pd.Series(dtype=str))
                      for p in str(text).split("; ") if p})
    lines += [
        f"{first['borough']}: recorded crime ({first['data_status']})",
        "Source: " + ("; ".join(sources) if sources else f"vintage {first['vintage']}"),
        f"12 months: {first['window_12m']} vs {first['window_12m_prev']}",
        f"3 months:  {first['window_3m']} vs {first['window_3m_prev']}",
        "",
    ]
    complete = comparison["complete"].astype(bool) if "complete" in comparison else \
        pd.Series(True, index=comparison.index)
    mark = complete.map({True: "", False: "*"})

    def pct(text: str) -> str:
        return text if text.startswith("n/a") else f"{text}%"

    def counts(column: str) -> pd.Series:
        return comparison[column].map(_count_text) + mark

    def sig(label: str) -> str:
        return {"significant increase": "sig. up", "significant decrease": "sig. down",
                "no significant change": "not sig."}.get(label, "-")

    def rank(value: object, n: object) -> str:
        return "-" if pd.isna(value) else f"{int(value)}/{int(n)}"

    shown = pd.DataFrame(
        {
            "Indicator": comparison["indicator_name"] + complete.map(
                {True: "", False: f" [{INCOMPLETE_MARK}]"}),
            "12m": counts("n_12m"),
            "prev": counts("n_12m_prev"),
            "change": comparison["pct_change_12m"].map(pct) + mark,
            "test": comparison["significance_12m"].map(sig),
            "3m": counts("n_3m"),
            "prev ": counts("n_3m_prev"),
            "change ": comparison["pct_change_3m"].map(pct) + mark,
            "test ": comparison["significance_3m"].map(sig),
            "Rank": [rank(v, n) for v, n in zip(comparison["peer_rank"],
                                                 comparison["peer_n"], strict=True)],
            "BCU": [rank(v, n) for v, n in zip(comparison["bcu_rank"], comparison["bcu_n"],
                                               strict=True)],
            "RAG": comparison["rag"],
        }
    )
    lines.append(shown.to_string(index=False))
    if not complete.all():
        lines += ["", f"* {INCOMPLETE_MARK}: these figures leave out a category the taxonomy "
                  "does not map (see Notes); they are not the indicator's full count."]
    level = f"{float(first['significance_level']) * 100:g}%"
    lines += ["", "Tests: exact test of the change against the same period a year earlier "
              f"({level} level); 'not sig.' = within what chance alone would give."]
    basis = comparison.loc[comparison["rank_basis"] != "", "rank_basis"]
    if len(basis):
        peers = f"{int(comparison['peer_n'].max())} {first['peers']}"
        lines.append("Ranks: " + basis.iloc[0].split(": ", 1)[-1] + f" (per indicator, {peers}"
                     + (" and the borough's BCU)." if (comparison["bcu"] != "").any() else ")."))
    lines.append(f"RAG: {first['rag_rule']}.")
    notes = comparison.loc[comparison["notes"] != "", ["indicator_name", "notes"]]
    if len(notes):
        lines += ["", "Notes:"]
        lines += [f"- {r.indicator_name}: {r.notes}" for r in notes.itertuples(index=False)]
    return "\n".join(lines)
