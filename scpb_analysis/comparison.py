"""The board's period comparison: 12 months and 3 months against the year before.

One row per canonical indicator for one borough and one period end, with the counts in the
four windows, the percentage change to one decimal and the direction word derived from the
counts, as the performance dashboard prints them.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from scpb_analysis.errors import CoverageError, UnmappedCategoryError
from scpb_analysis.geography import london_boroughs
from scpb_analysis.indicators import indicator_info
from scpb_analysis.narrative import comparison_narrative
from scpb_analysis.periods import (
    check_coverage,
    month_label,
    month_ranges,
    three_month_windows,
    to_month,
    twelve_month_windows,
)
from scpb_analysis.stats.change import change_test, direction_of_change, format_percent_change
from scpb_analysis.stats.rag import RagRule, rank_movement_rule
from scpb_analysis.stats.ranking import rank_boroughs, rank_movement
from scpb_analysis.taxonomy import UNMAPPED_PREFIX, indicator_table

__all__ = [
    "DASHBOARD_INDICATORS",
    "COMPARISON_COLUMNS",
    "SYNTHETIC_STATUS",
    "compare_periods",
    "comparison_text",
]

#: The headline crime indicators of the performance dashboard, in its order.
DASHBOARD_INDICATORS = (
    "residential_burglary",
    "non_residential_burglary",
    "robbery_of_personal_property",
    "violence_with_injury",
)

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
    "london_rank",
    "london_n",
    "london_rank_prev",
    "london_rank_movement",
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
    "vintage",
    "data_status",
]

SYNTHETIC_STATUS = "SYNTHETIC demo data - not real crime figures"
_PUBLISHED_STATUS = "MPS published recorded crime"


def _break_notes(breaks: pd.DataFrame | None, indicator: str, first: pd.Period,
                 last: pd.Period, level: str, measure: str) -> list[str]:
    if breaks is None or breaks.empty:
        return []
    months = pd.PeriodIndex(breaks["month"], freq="M")
    inside = (
        (breaks["level"] == level)
        & (breaks["measure"] == measure)
        & breaks["indicator"].isin(["*", indicator])
        & (months > first)
        & (months <= last)
    )
    return [
        f"series break {month_label(pd.Period(row.month, freq='M'))} ({row.kind}): {row.detail}"
        for row in breaks.loc[inside].itertuples(index=False)
    ]


def compare_periods(
    table: pd.DataFrame,
    borough: str,
    end: str | pd.Period,
    *,
    indicators: Sequence[str] | None = None,
    breaks: pd.DataFrame | None = None,
    measure: str = "offences",
    rank_basis: str = "pct_change_3m",
    rag_rule: RagRule | None = None,
    alpha: float = 0.05,
    population: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """12-month and 3-month comparisons for one borough, as the dashboard reports them.

    Parameters
    ----------
    table : DataFrame
        The tidy count table from :func:`scpb_analysis.load_mps_crime`.
    borough : str
        Canonical borough name, e.g. ``"Barnet"``.
    end : str or Period
        Last month of the current windows, e.g. ``"2023-05"``.
    indicators : sequence of str, optional
        Canonical indicator ids; default every mapped indicator in the data, with the
        dashboard's headline indicators first.
    breaks : DataFrame, optional
        ``MpsCrimeLoad.breaks``; breaks inside the compared months are listed in ``notes``.
    measure : str
        ``"offences"`` (default) or another measure of the dashboard extract.
    rank_basis : str
        What boroughs are ranked on (:data:`scpb_analysis.stats.ranking.RANK_BASES`); the
        dashboard's slide uses the 3-month % change. Ranks need all 32 boroughs in ``table``;
        otherwise they are left empty and ``notes`` says why.
    rag_rule : RagRule, optional
        Rule for ``rag``; default :func:`~scpb_analysis.stats.rag.rank_movement_rule` on the
        London rank against the quarter before. Its text is in ``rag_rule``.
    alpha : float
        Significance level of the exact change test.
    population : DataFrame, optional
        Borough populations for rate bases (default Census 2021).

    Returns
    -------
    DataFrame
        :data:`COMPARISON_COLUMNS`. ``pct_change_*`` is text: a signed percentage to one
        decimal, or ``n/a (up from 0)`` when the earlier count is 0. ``significance_*`` comes
        from :func:`~scpb_analysis.stats.change.change_test`; ``narrative`` is the
        seed-style paragraph built from the row.

    Raises
    ------
    CoverageError
        If the data for the borough do not hold every month of the four windows (the message
        lists the missing months), or a requested indicator lacks some of them.
    UnmappedCategoryError
        If a requested indicator is not in the taxonomy.

    Examples
    --------
    >>> from scpb_analysis.demo import write_demo_data
    >>> from scpb_analysis import load_mps_crime
    >>> import tempfile
    >>> crime = load_mps_crime(write_demo_data(tempfile.mkdtemp()) / "borough")
    >>> row = compare_periods(crime, "Barnet", "2023-05").iloc[0]
    >>> row["indicator"], row["window_3m"]
    ('residential_burglary', 'March 2023 to May 2023')
    """
    end_m = to_month(end)
    cur12, prev12 = twelve_month_windows(end_m)
    cur3, prev3 = three_month_windows(end_m)
    mine = table[
        (table["area_type"] == "borough") & (table["borough"] == borough)
        & (table["measure"] == measure)
    ]
    if mine.empty:
        known = sorted(table.loc[table["area_type"] == "borough", "borough"].unique())
        raise CoverageError(
            f"no {measure} for borough '{borough}' in the data; boroughs present: "
            + (", ".join(known) if known else "none")
        )
    check_coverage(mine["month"].unique(), [prev12, cur12], what=f"the data for {borough}")
    in_window = mine[(mine["month"] >= prev12.start) & (mine["month"] <= cur12.end)]

    unmapped = in_window["indicator"].str.startswith(UNMAPPED_PREFIX)
    if indicators is None:
        if unmapped.any():
            names = ", ".join(sorted(in_window.loc[unmapped, "indicator"].unique()))
            warnings.warn(
                f"left out of the comparison until added to the taxonomy: {names}", stacklevel=2
            )
        present = set(in_window.loc[~unmapped, "indicator"])
        ordered = [i for i in DASHBOARD_INDICATORS if i in present]
        ordered += sorted(present - set(ordered))
    else:
        ordered = list(dict.fromkeys(indicators))
        for ind in ordered:
            if ind.startswith(UNMAPPED_PREFIX):
                raise UnmappedCategoryError(
                    f"'{ind}' is not in the taxonomy; add it to taxonomy/mps_categories.csv "
                    "before comparing it"
                )

    meta = indicator_table().set_index("indicator")
    by_indicator = {k: g for k, g in in_window.groupby("indicator")}
    synthetic = bool(in_window["synthetic"].any())
    vintages = ", ".join(sorted({str(v) for v in in_window["vintage"].unique()}))
    rows = []
    for ind in ordered:
        if ind not in meta.index:
            raise UnmappedCategoryError(
                f"'{ind}' is not a canonical indicator; known: {', '.join(meta.index)}"
            )
        part = by_indicator.get(ind)
        series = part.groupby("month")["count"].sum() if part is not None else pd.Series(
            dtype="int64")
        missing = [m for m in prev12.months.append(cur12.months) if m not in series.index]
        if missing:
            if indicators is not None:
                check_coverage(series.index, [prev12, cur12],
                               what=f"the data for {meta.loc[ind, 'name']} in {borough}")
            rows.append(_row(ind, meta, borough, end_m, None, cur12, prev12, cur3, prev3,
                             [f"not in this data for {len(missing)} of the 24 months "
                              f"({month_ranges(missing)})"],
                             vintages, synthetic))
            continue
        counts = {
            "n_12m": int(series.loc[cur12.start:cur12.end].sum()),
            "n_12m_prev": int(series.loc[prev12.start:prev12.end].sum()),
            "n_3m": int(series.loc[cur3.start:cur3.end].sum()),
            "n_3m_prev": int(series.loc[prev3.start:prev3.end].sum()),
        }
        notes = _break_notes(breaks, ind, prev12.start, cur12.end, "borough", measure)
        rows.append(_row(ind, meta, borough, end_m, counts, cur12, prev12, cur3, prev3, notes,
                         vintages, synthetic))
    result = pd.DataFrame(rows, columns=COMPARISON_COLUMNS)
    for col in ("n_12m", "n_12m_prev", "n_3m", "n_3m_prev"):
        result[col] = result[col].astype("Int64")
    _add_significance(result, alpha)
    # Ranks look back over the windows of this and the previous quarter: 27 months at most.
    recent = table[(table["area_type"] == "borough") & (table["measure"] == measure)
                   & (table["month"] >= end_m - 26) & (table["month"] <= end_m)]
    _add_ranks(result, recent, borough, end_m, rank_basis, population, measure)
    rule = rag_rule or rank_movement_rule()
    if rule.column not in result.columns:
        raise ValueError(f"RAG rule '{rule.name}' reads '{rule.column}', which the comparison "
                         f"table does not have")
    result["significance_level"] = alpha
    result["rag"] = rule.apply(result[rule.column]).to_numpy()
    no_polarity = result["indicator"].map(_polarity) == "none"
    result.loc[no_polarity, "rag"] = "Not rated (no polarity)"
    result["rag_rule"] = rule.text
    result["narrative"] = [comparison_narrative(r, alpha) for r in result.to_dict("records")]
    return result


def _add_significance(result: pd.DataFrame, alpha: float) -> None:
    for span in ("12m", "3m"):
        have = result[f"n_{span}"].notna()
        result[f"p_value_{span}"] = np.nan
        result[f"significance_{span}"] = None
        if have.any():
            test = change_test(result.loc[have, f"n_{span}"].to_numpy(dtype=np.int64),
                               result.loc[have, f"n_{span}_prev"].to_numpy(dtype=np.int64),
                               alpha=alpha)
            result.loc[have, f"p_value_{span}"] = test["p_value"].round(4).to_numpy()
            result.loc[have, f"significance_{span}"] = test["significance"].to_numpy()


def _polarity(indicator: str) -> str:
    try:
        return indicator_info(indicator)["polarity"]
    except KeyError:
        return "lower_is_better"  # every MPS recorded-crime category: fewer is better


def _add_ranks(result: pd.DataFrame, table: pd.DataFrame, borough: str, end: pd.Period,
               basis: str, population: pd.DataFrame | None, measure: str) -> None:
    columns = ["london_rank", "london_n", "london_rank_prev", "bcu_rank", "bcu_n",
               "bcu_rank_prev"]
    for col in columns:
        result[col] = pd.array([pd.NA] * len(result), dtype="Int64")
    result["bcu"] = ""
    result["rank_basis"] = ""
    london = set(london_boroughs()["borough"])
    held = london & set(table.loc[table["area_type"] == "borough", "borough"])
    by_indicator = {k: g for k, g in table.groupby("indicator", observed=True)}
    bcu_name = london_boroughs().set_index("borough")["bcu"].get(borough, "")
    for i, ind in enumerate(result["indicator"]):
        if pd.isna(result.loc[i, "n_12m"]):
            continue
        if len(held) < len(london):
            note = f"not ranked: the data hold {len(held)} of the {len(london)} London boroughs"
            result.loc[i, "notes"] = "; ".join(n for n in (result.loc[i, "notes"], note) if n)
            continue
        polarity = _polarity(ind)
        rows = by_indicator.get(ind, table.iloc[:0])
        try:
            now = rank_boroughs(rows, ind, end, basis=basis, polarity=polarity,
                                population=population, measure=measure)
        except CoverageError as exc:
            note = f"not ranked: {exc}"
            result.loc[i, "notes"] = "; ".join(n for n in (result.loc[i, "notes"], note) if n)
            continue
        mine = now.set_index("borough").loc[borough]
        result.loc[i, ["london_rank", "london_n", "bcu_rank", "bcu_n"]] = [
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
        result.loc[i, "london_rank_prev"] = int(prev["london_rank"])
        result.loc[i, "bcu_rank_prev"] = int(prev["bcu_rank"])
    movement = rank_movement(result["london_rank"].astype("Float64"),
                             result["london_rank_prev"].astype("Float64"))
    result["london_rank_movement"] = pd.array(movement, dtype="Int64")


def _row(ind, meta, borough, end_m, counts, cur12, prev12, cur3, prev3, notes, vintages,
         synthetic) -> dict[str, object]:
    row: dict[str, object] = {
        "indicator": ind,
        "indicator_name": meta.loc[ind, "name"],
        "group": meta.loc[ind, "group"],
        "dashboard": ind in DASHBOARD_INDICATORS,
        "borough": borough,
        "period_end": str(end_m),
        "window_12m": cur12.label,
        "window_12m_prev": prev12.label,
        "window_3m": cur3.label,
        "window_3m_prev": prev3.label,
        "notes": "; ".join(notes),
        "vintage": vintages,
        "data_status": SYNTHETIC_STATUS if synthetic else _PUBLISHED_STATUS,
    }
    if counts is None:
        row.update({k: pd.NA for k in ("n_12m", "n_12m_prev", "n_3m", "n_3m_prev")})
        row.update({k: "n/a" for k in ("pct_change_12m", "direction_12m", "pct_change_3m",
                                       "direction_3m")})
        return row
    row.update(counts)
    for span in ("12m", "3m"):
        cur, prev = counts[f"n_{span}"], counts[f"n_{span}_prev"]
        row[f"pct_change_{span}"] = format_percent_change(cur, prev)
        row[f"direction_{span}"] = direction_of_change(cur, prev)
    return row


def _count_text(value: object) -> str:
    return "-" if pd.isna(value) else str(value)


def comparison_text(comparison: pd.DataFrame) -> str:
    """The comparison as a plain-text table for the terminal, with its windows stated.

    Examples
    --------
    >>> from scpb_analysis.demo import write_demo_data
    >>> from scpb_analysis import load_mps_crime
    >>> import tempfile
    >>> crime = load_mps_crime(write_demo_data(tempfile.mkdtemp()) / "borough")
    >>> print(comparison_text(compare_periods(crime, "Barnet", "2023-05")).splitlines()[0])
    SYNTHETIC demo data - not real crime figures
    """
    if comparison.empty:
        return "(no indicators)"
    first = comparison.iloc[0]
    lines = []
    if (comparison["data_status"] == SYNTHETIC_STATUS).any():
        lines.append(SYNTHETIC_STATUS)
    lines += [
        f"{first['borough']}: recorded crime ({first['data_status']}, vintage {first['vintage']})",
        f"12 months: {first['window_12m']} vs {first['window_12m_prev']}",
        f"3 months:  {first['window_3m']} vs {first['window_3m_prev']}",
        "",
    ]
    def pct(text: str) -> str:
        return text if text.startswith("n/a") else f"{text}%"

    def sig(label: str) -> str:
        return {"significant increase": "sig. up", "significant decrease": "sig. down",
                "no significant change": "not sig."}.get(label, "-")

    def rank(value: object, n: object) -> str:
        return "-" if pd.isna(value) else f"{int(value)}/{int(n)}"

    shown = pd.DataFrame(
        {
            "Indicator": comparison["indicator_name"],
            "12m": comparison["n_12m"].map(_count_text),
            "prev": comparison["n_12m_prev"].map(_count_text),
            "change": comparison["pct_change_12m"].map(pct),
            "test": comparison["significance_12m"].map(sig),
            "3m": comparison["n_3m"].map(_count_text),
            "prev ": comparison["n_3m_prev"].map(_count_text),
            "change ": comparison["pct_change_3m"].map(pct),
            "test ": comparison["significance_3m"].map(sig),
            "London": [rank(v, n) for v, n in zip(comparison["london_rank"],
                                                   comparison["london_n"], strict=True)],
            "BCU": [rank(v, n) for v, n in zip(comparison["bcu_rank"], comparison["bcu_n"],
                                               strict=True)],
            "RAG": comparison["rag"],
        }
    )
    lines.append(shown.to_string(index=False))
    level = f"{float(first['significance_level']) * 100:g}%"
    lines += ["", "Tests: exact test of the change against the same period a year earlier "
              f"({level} level); 'not sig.' = within what chance alone would give."]
    basis = comparison.loc[comparison["rank_basis"] != "", "rank_basis"]
    if len(basis):
        lines.append("Ranks: " + basis.iloc[0].split(": ", 1)[-1]
                     + " (per indicator, 32 London boroughs and the borough's BCU).")
    lines.append(f"RAG: {first['rag_rule']}.")
    notes = comparison.loc[comparison["notes"] != "", ["indicator_name", "notes"]]
    if len(notes):
        lines += ["", "Notes:"]
        lines += [f"- {r.indicator_name}: {r.notes}" for r in notes.itertuples(index=False)]
    return "\n".join(lines)
