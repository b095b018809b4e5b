"""Report blocks of the performance dashboard: one section per headline indicator.

Each section holds what the board's slide shows for one indicator — the monthly trend with
statistical process control limits, the 12-month and 3-month comparisons with significance,
the London and BCU ranks with the RAG rating and its rule, and the generated narrative — or,
for an indicator the data do not carry, the note saying which source it needs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from scpb_analysis.reference.indicators import DASHBOARD_INDICATORS
from scpb_analysis.text.narrative import INCOMPLETE_MARK

__all__ = [
    "chart_breaks",
    "HEADLINE_INDICATORS",
    "IndicatorSection",
    "NATIONAL_COLUMNS",
    "additional_offences",
    "national_benchmarks",
    "dashboard_sections",
    "recorded_crime_text",
    "monthly_series",
    "trend_chart",
]

#: The dashboard's headline indicators, in the slide's order: the one list,
#: :data:`scpb_analysis.reference.indicators.DASHBOARD_INDICATORS`, under the slide's name.
HEADLINE_INDICATORS = DASHBOARD_INDICATORS

_SECTION_COLUMNS = ["n_12m", "n_12m_prev", "pct_change_12m", "significance_12m", "n_3m",
                    "n_3m_prev", "pct_change_3m", "significance_3m", "peer_rank", "peer_n",
                    "bcu_rank", "bcu_n", "rag"]


@dataclass
class IndicatorSection:
    """One headline indicator's part of the dashboard.

    Attributes
    ----------
    indicator, title : str
        Canonical id and display title.
    available : bool
        False when the data do not carry the indicator; then only ``note`` is set.
    note : str
        Why the section is empty, or notes on the series (breaks, ranks left empty).
    comparison : pandas.Series or None
        The indicator's row of :func:`scpb_analysis.blocks.comparison.compare_periods`.
    trend : pandas.DataFrame or None
        Monthly counts with XmR limits (:func:`scpb_analysis.stats.spc.xmr`).
    """

    indicator: str
    title: str
    available: bool
    note: str = ""
    comparison: pd.Series | None = None
    trend: pd.DataFrame | None = None

    def summary(self) -> pd.DataFrame:
        """The comparison as a small two-column table (measure, value) for display."""
        if self.comparison is None:
            return pd.DataFrame({"measure": ["status"], "value": [self.note]})
        row = self.comparison
        labels = {
            "n_12m": f"12 months {row['window_12m']}",
            "n_12m_prev": f"12 months {row['window_12m_prev']}",
            "pct_change_12m": "12-month change",
            "significance_12m": "12-month significance",
            "n_3m": f"3 months {row['window_3m']}",
            "n_3m_prev": f"3 months {row['window_3m_prev']}",
            "pct_change_3m": "3-month change",
            "significance_3m": "3-month significance",
            "peer_rank": f"Rank of {row['peer_n']} {row['peers']}",
            "peer_rank_prev": "Rank the quarter before",
            "bcu_rank": f"{row['bcu']} BCU rank (of {row['bcu_n']})",
            "rag": "RAG",
        }
        if not row.get("bcu"):
            del labels["bcu_rank"]  # outside London there is no BCU
        from scpb_analysis.reference.labels import column_format
        from scpb_analysis.text.reader_tables import NOT_AVAILABLE, format_value

        mark = "" if bool(row.get("complete", True)) else " (incomplete)"
        values = [(NOT_AVAILABLE if pd.isna(row[c]) or row[c] == "n/a" else
                   format_value(row[c], column_format(c))
                   + (mark if c.startswith(("n_", "pct_")) else ""))
                  for c in labels]
        return pd.DataFrame({"measure": list(labels.values()), "value": values})

    @property
    def complete(self) -> bool:
        """False when a category the taxonomy does not map may hold some of its offences."""
        return self.comparison is None or bool(self.comparison.get("complete", True))

    @property
    def rag_text(self) -> str:
        """The rating with the rule that produced it, e.g. ``"Green: ..."``."""
        if self.comparison is None:
            return ""
        return f"{self.comparison['rag']}. Rule: {self.comparison['rag_rule']}"


def recorded_crime_text(crime, figures: str = "as_published") -> str:
    """The sentence under the dashboard's title saying where its recorded crime comes from.

    Parameters
    ----------
    crime : MpsCrimeLoad or PoliceUkAreaCrime
        :meth:`scpb_analysis.pack.data.PackData.recorded_crime`.
    figures : {"as_published", "latest"}
        How the MPS figures were chosen (police.uk files have no vintages to choose from).

    Examples
    --------
    >>> from scpb_analysis.sources.policeuk_areas import _example
    >>> print(recorded_crime_text(_example()))  # doctest: +NORMALIZE_WHITESPACE
    Recorded crime: police.uk street-level crime, counted by the LSOA each crime was placed in.
    Bristol, City of (E06000023), Avon and Somerset Constabulary: police.uk files for January
    2024, March 2024; no file for February 2024; 1 crime without an LSOA set aside.
    """
    if hasattr(crime, "publications_text"):
        return (f"Recorded crime: {crime.publications_text()}; "
                + ("figures as the board first saw them (later revisions are not shown)."
                   if figures == "as_published" else "latest revised figures."))
    return ("Recorded crime: police.uk street-level crime, counted by the LSOA each crime was "
            f"placed in. {crime.summary}.")


def monthly_series(table: pd.DataFrame, borough: str, indicator: str, end: str | pd.Period,
                   months: int = 36, measure: str = "offences",
                   area_type: str = "borough") -> pd.Series:
    """Monthly counts of one indicator for one area, the ``months`` months to ``end``.

    Months the data do not hold are left out (the series starts at the first month held), so
    a chart never draws a gap as a zero.

    Examples
    --------
    >>> t = pd.DataFrame({"month": pd.period_range("2023-01", periods=4, freq="M"),
    ...     "area_type": "borough", "borough": "Barnet", "indicator": "robbery",
    ...     "measure": "offences", "count": [5, 7, 6, 9]})
    >>> monthly_series(t, "Barnet", "robbery", "2023-04", months=3).tolist()
    [7, 6, 9]
    """
    from scpb_analysis.core.periods import to_month
    from scpb_analysis.reference.geography import select_area

    end_m = to_month(end)
    mine = select_area(table, borough, area_type=area_type, missing="empty")
    rows = mine[(mine["indicator"] == indicator) & (mine["measure"] == measure)
                & (mine["month"] <= end_m) & (mine["month"] > end_m - months)]
    series = rows.groupby("month")["count"].sum().sort_index()
    series.name = indicator
    return series


def trend_chart(trend: pd.DataFrame, title: str, *, ylabel: str = "Offences per month",
                x: str = "period", y: str = "value", area: str = "",
                breaks: Sequence[tuple[str | pd.Period, str]] = ()):
    """Run chart of monthly counts with the XmR mean and limits, special causes marked.

    Drawn the width of a page (11.5 inches at 100 dpi) with 10 pt text. The x axis is
    labelled "Month" and its ticks are counted back from the last month, so the month the
    data end is always labelled; a month missing from ``trend`` is a gap in the line, not a
    zero.

    Parameters
    ----------
    trend : DataFrame
        Output of :func:`scpb_analysis.stats.spc.xmr` (or any table with its ``mean``,
        ``lower``, ``upper`` and ``variation`` columns).
    title : str
        What the chart shows; ``area`` is put before it unless it already starts with it.
    ylabel : str
    x, y : str
        The columns holding the month and the count.
    area : str
        The borough or area, e.g. ``"Barnet"``, so a chart copied out of the pack says where.
    breaks : sequence of (month, label)
        Series breaks, e.g. ``[("2024-02", "CONNECT, Feb 2024")]``: a dashed line with its
        label is drawn before each break month after the first month up to the last (the
        month the series stops being like for like with the month before); others are left
        out.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from scpb_analysis.stats.spc import xmr
    >>> months = pd.period_range("2022-01", periods=24, freq="M")
    >>> fig = trend_chart(xmr(pd.Series(range(10, 34), index=months)), "Burglary",
    ...                   area="Barnet", breaks=[("2023-06", "CONNECT, Jun 2023")])
    >>> ax = fig.axes[0]
    >>> ax.get_title(loc="left"), ax.get_xlabel(), ax.get_xticklabels()[-1].get_text()
    ('Barnet: Burglary', 'Month', 'Dec 2023')
    """
    import matplotlib.pyplot as plt
    import numpy as np

    from scpb_analysis.charts.trends import TREND_SIZE, finish_monthly_chart, month_range
    from scpb_analysis.core.periods import to_month

    months = month_range(trend[x])
    data = trend.set_index(pd.PeriodIndex([to_month(m) for m in trend[x]], freq="M")).sort_index()
    data = data.reindex(months)
    positions = np.arange(len(data))
    fig, ax = plt.subplots(figsize=TREND_SIZE, dpi=100)
    ax.plot(positions, data[y], marker="o", markersize=4, color="#1f4e79",
            label="Monthly count")
    ax.plot(positions, data["mean"], color="#555555", linewidth=1.2, label="Mean")
    ax.plot(positions, data["upper"], color="#999999", linewidth=1.2, linestyle="--",
            label="Process limits")
    ax.plot(positions, data["lower"], color="#999999", linewidth=1.2, linestyle="--")
    variation = data["variation"]
    special = (variation.notna() & (variation != "common cause")).to_numpy()
    if special.any():
        ax.scatter(positions[special], data.loc[special, y], color="#d95f02", zorder=3, s=30,
                   label="Special cause")
    finish_monthly_chart(ax, months, title=title, ylabel=ylabel, area=area, breaks=breaks)
    plt.close(fig)
    return fig


_BREAK_WORDS = {"recording system change": "CONNECT", "coding change": "Coding change",
                "definition change": "Definition change", "gap": "Gap"}


def chart_breaks(breaks: pd.DataFrame | None, indicator: str, *,
                 level: str = "borough") -> list[tuple[pd.Period, str]]:
    """The series breaks a chart of ``indicator`` draws: ``(month, label)`` pairs.

    ``breaks`` is the loader's table of breaks (``read_mps_crime(...).breaks``); breaks of
    every indicator (``"*"``) and of this one at ``level`` are drawn, vintage seams (where one
    publication's months meet another's) are not.

    Examples
    --------
    >>> b = pd.DataFrame({"level": ["borough"], "measure": ["offences"], "indicator": ["*"],
    ...                   "month": [pd.Period("2024-02", "M")],
    ...                   "kind": ["recording system change"], "detail": ["CRIS to CONNECT"]})
    >>> chart_breaks(b, "robbery")
    [(Period('2024-02', 'M'), 'CONNECT, Feb 2024')]
    >>> chart_breaks(None, "robbery")
    []
    """
    if breaks is None or breaks.empty:
        return []
    rows = breaks[(breaks["level"] == level) & (breaks["measure"] == "offences")
                  & breaks["indicator"].isin(["*", indicator])
                  & (breaks["kind"] != "vintage seam")]
    found = {}
    for row in rows.itertuples(index=False):
        month = pd.Period(row.month, "M")
        found.setdefault(month, f"{_BREAK_WORDS.get(row.kind, row.kind)}, "
                                f"{month.strftime('%b %Y')}")
    return sorted(found.items())


def dashboard_sections(table: pd.DataFrame, comparison: pd.DataFrame, borough: str,
                       end: str | pd.Period, *, indicators=None,
                       months: int = 36) -> list[IndicatorSection]:
    """One :class:`IndicatorSection` per headline indicator.

    Parameters
    ----------
    table : DataFrame
        Tidy MPS table (:func:`scpb_analysis.sources.mps.load_mps_crime`), or police.uk counts
        (:func:`scpb_analysis.sources.policeuk_areas.policeuk_area_crime`).
    comparison : DataFrame
        :func:`scpb_analysis.blocks.comparison.compare_periods` for the same area and end.
    borough : str
        The area, as the table's ``borough`` column spells it.
    end : str or Period
        Last month of the period.
    indicators : sequence of str, optional
        Default :data:`HEADLINE_INDICATORS` for a London borough, police.uk's
        (:data:`~scpb_analysis.reference.indicators.POLICEUK_DASHBOARD_INDICATORS`) for a
        Community Safety Partnership counted from police.uk.
    months : int
        Length of the trend (at least 24; default 36), fewer if the data start later.

    Returns
    -------
    list of IndicatorSection
        In the order of ``indicators``; indicators the data lack have ``available=False`` and
        a note naming the source they need.

    Examples
    --------
    >>> from scpb_analysis.blocks.comparison import compare_periods
    >>> from scpb_analysis.demo import example_folder
    >>> from scpb_analysis.sources.mps import load_mps_crime
    >>> mps = example_folder() / "mps"
    >>> t = load_mps_crime(mps / "borough")
    >>> cmp = compare_periods(t, "Barnet", "2023-05")
    >>> [s.available for s in dashboard_sections(t, cmp, "Barnet", "2023-05")]
    [True, True, True, True, False, False, False]
    >>> t = load_mps_crime([mps / "borough", mps / "dashboard"])
    >>> cmp = compare_periods(t, "Barnet", "2023-05")
    >>> [s.available for s in dashboard_sections(t, cmp, "Barnet", "2023-05")]
    [True, True, True, True, True, True, True]
    """
    from scpb_analysis.reference.geography import compared_area_type, select_area
    from scpb_analysis.reference.indicators import POLICEUK_DASHBOARD_INDICATORS, indicator_info
    from scpb_analysis.stats.spc import xmr

    sections = []
    by_id = comparison.set_index("indicator")
    area_type = compared_area_type(table)
    if indicators is None:
        indicators = (HEADLINE_INDICATORS if area_type == "borough"
                      else POLICEUK_DASHBOARD_INDICATORS)
    # The area's rows once, not a search of every area's rows for each chart.
    mine = select_area(table, borough, area_type=area_type, missing="empty")
    for indicator in indicators:
        info = indicator_info(indicator)
        title = info.get("title") or info.get("name") or indicator
        if indicator not in by_id.index:
            source = info.get("source") or "another source"
            sections.append(IndicatorSection(
                indicator, title, False, note=f"Not in this data: {title} comes from {source}."))
            continue
        row = by_id.loc[indicator].copy()
        row["indicator"] = indicator
        series = monthly_series(mine, borough, indicator, end, months=months,
                                area_type=area_type)
        trend = xmr(series) if len(series) >= 2 else None
        notes = "" if pd.isna(row["notes"]) else str(row["notes"])
        sections.append(IndicatorSection(indicator, title, True, note=notes, comparison=row,
                                         trend=trend))
    return sections


def additional_offences(comparison: pd.DataFrame) -> pd.DataFrame:
    """The slide's table of every other offence group: counts, % change and direction.

    Examples
    --------
    >>> cmp = pd.DataFrame({"indicator": ["a", "b"], "indicator_name": ["A", "B"],
    ...     "group": ["G", "G"], "dashboard": [True, False], "n_12m": [5, 4],
    ...     "n_12m_prev": [4, 4], "pct_change_12m": ["+25.0%", "0.0%"],
    ...     "direction_12m": ["increase", "no change"], "significance_12m": ["x", "y"],
    ...     "n_3m": [1, 1], "n_3m_prev": [1, 2], "pct_change_3m": ["0.0%", "-50.0%"],
    ...     "direction_3m": ["no change", "decrease"], "significance_3m": ["x", "y"]})
    >>> additional_offences(cmp)["offence"].tolist()
    ['B']
    >>> additional_offences(cmp.assign(complete=[True, False]))["offence"].tolist()
    ['B [INCOMPLETE]']
    >>> gap = cmp.assign(n_12m=pd.array([5, None], dtype="Int64"), significance_12m=["x", None],
    ...                  pct_change_12m=["+25.0%", "n/a"])
    >>> row = additional_offences(gap).loc[0]
    >>> row[["n_12m", "pct_change_12m", "significance_12m"]].isna().tolist()
    [True, True, True]
    """
    rest = comparison[~comparison["dashboard"].astype(bool)]
    out = rest[["group", "indicator_name", "n_12m", "n_12m_prev", "pct_change_12m",
                "direction_12m", "significance_12m", "n_3m", "n_3m_prev", "pct_change_3m",
                "direction_3m", "significance_3m"]].rename(
        columns={"indicator_name": "offence"})
    if "complete" in rest:
        # An incomplete figure never appears without its mark.
        out["offence"] = out["offence"].where(rest["complete"].astype(bool),
                                              out["offence"] + f" [{INCOMPLETE_MARK}]")
    # A comparison the data cannot give (the extract starts in August 2021, so no 12 months to
    # May 2023) is missing: empty in the CSV, so counts stay numbers, and "not available" on
    # the page (scpb_analysis.text.reader_tables).
    out = out.astype(object).where(out.notna(), None).replace({"n/a": None})
    return out.sort_values(["group", "offence"]).reset_index(drop=True)


#: What a reader sees of :func:`national_benchmarks`, and the headings.
NATIONAL_COLUMNS = ("offence_name", "count", "rate", "lower", "upper", "force_rate",
                    "vs_force", "ew_rate", "vs_england_and_wales")


def national_benchmarks(csp_crime: pd.DataFrame, populations: pd.DataFrame, area: str,
                        end: str | pd.Period) -> tuple[pd.DataFrame | None, str]:
    """The area's rates against its force and England and Wales, when the ONS table fits.

    ONS publishes recorded crime by Community Safety Partnership for a year ending in a given
    month (Table C2). It is shown only for a dashboard whose 12 months end in that month:
    another year's rates beside this period's counts would mislead.

    Parameters
    ----------
    csp_crime : DataFrame
        :func:`scpb_analysis.sources.ons_csp.load_csp_crime`.
    populations : DataFrame
        :func:`scpb_analysis.sources.la_population.la_population`.
    area : str
        The CSP's name as ONS writes it (a London borough's name, ``"Bristol, City of"``).
    end : str or Period
        The dashboard's period end.

    Returns
    -------
    (DataFrame or None, str)
        :func:`scpb_analysis.stats.csp_benchmarks.csp_benchmarks` for the area (None when the
        table's year is not the dashboard's) and a sentence for the page saying which year the
        table covers and how the comparison was made.

    Examples
    --------
    >>> crime = pd.DataFrame({"force_code": ["E23000036"] * 3,
    ...     "force_name": ["Avon and Somerset"] * 3, "csp_code": [None, None, "E22000002"],
    ...     "csp_name": [None, None, "Bristol, City of"],
    ...     "la_code": [None, None, "E06000023"],
    ...     "level": ["force", "england_and_wales", "csp"], "offence": "robbery",
    ...     "offence_name": "Robbery", "count": pd.array([1_500, 70_000, 1_300], dtype="Int64"),
    ...     "period": "year ending June 2025", "period_end": pd.Period("2025-06", "M")})
    >>> crime.loc[1, ["force_code", "force_name"]] = ["K04000001", "England and Wales"]
    >>> people = pd.DataFrame({"la_code": ["E06000023", "K04000001"],
    ...                        "population": [470_000, 59_600_000]})
    >>> table, text = national_benchmarks(crime, people, "Bristol, City of", "2024-06")
    >>> table is None
    True
    >>> print(text)
    The ONS table of recorded crime by Community Safety Partnership in the data covers the \
year ending June 2025, not the 12 months to June 2024: it is not compared here.
    >>> table, _ = national_benchmarks(crime, people, "Bristol, City of", "2025-06")
    >>> table["vs_england_and_wales"].tolist()
    ['Worse']
    """
    from scpb_analysis.core.periods import to_month
    from scpb_analysis.stats.csp_benchmarks import csp_benchmarks

    end_m = to_month(end)
    years = sorted({str(p) for p in csp_crime["period"].dropna().unique()})
    covers = {to_month(p) for p in csp_crime["period_end"].dropna().unique()}
    if end_m not in covers:
        return None, (f"The ONS table of recorded crime by Community Safety Partnership in the "
                      f"data covers the {' and '.join(years)}, not the 12 months to "
                      f"{end_m.strftime('%B %Y')}: it is not compared here.")
    rows = csp_crime[csp_crime["period_end"].map(to_month) == end_m]
    table = csp_benchmarks(rows, populations, area)
    return table, (f"{table['csp_name'].iloc[0]} against its police force and England and "
                   f"Wales, {table['period'].iloc[0]} (ONS Table C2): offences per 1,000 "
                   "residents (Census 2021) with 95% confidence intervals; Similar where the "
                   "interval holds the comparator's rate, else Better (below it) or Worse "
                   "(above it).")
