"""The board's period comparison: 12 months and 3 months against the year before.

One row per canonical indicator for one borough and one period end, with the counts in the
four windows, the percentage change to one decimal and the direction word derived from the
counts, as the performance dashboard prints them.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import pandas as pd

from scpb_analysis.errors import CoverageError, UnmappedCategoryError
from scpb_analysis.periods import (
    check_coverage,
    month_label,
    three_month_windows,
    to_month,
    twelve_month_windows,
)
from scpb_analysis.stats.change import direction_of_change, format_percent_change
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
    "n_3m",
    "n_3m_prev",
    "pct_change_3m",
    "direction_3m",
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

    Returns
    -------
    DataFrame
        :data:`COMPARISON_COLUMNS`. ``pct_change_*`` is text: a signed percentage to one
        decimal, or ``n/a (up from 0)`` when the earlier count is 0.

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
                              f"({month_label(missing[0])} to {month_label(missing[-1])})"],
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
    return result


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
    shown = pd.DataFrame(
        {
            "Indicator": comparison["indicator_name"],
            "12m": comparison["n_12m"].map(_count_text),
            "prev 12m": comparison["n_12m_prev"].map(_count_text),
            "change 12m": comparison["pct_change_12m"].map(lambda p: p if p.startswith("n/a")
                                                           else f"{p}%"),
            "": comparison["direction_12m"],
            "3m": comparison["n_3m"].map(_count_text),
            "prev 3m": comparison["n_3m_prev"].map(_count_text),
            "change 3m": comparison["pct_change_3m"].map(lambda p: p if p.startswith("n/a")
                                                         else f"{p}%"),
            " ": comparison["direction_3m"],
        }
    )
    lines.append(shown.to_string(index=False))
    notes = comparison.loc[comparison["notes"] != "", ["indicator_name", "notes"]]
    if len(notes):
        lines += ["", "Notes:"]
        lines += [f"- {r.indicator_name}: {r.notes}" for r in notes.itertuples(index=False)]
    return "\n".join(lines)
