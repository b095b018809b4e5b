"""Monthly trend charts for the page: the month axis, series breaks, title and legend.

A trend chart is drawn the width of a page (:data:`TREND_SIZE` at 100 dpi) with text of 10 pt or
more, its data plotted at one position per month of :func:`month_range`, so a month the data
do not hold is a gap in the line; :func:`finish_monthly_chart` labels the months counted back
from the last (the month the data end is always labelled) and draws the series breaks.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

__all__ = ["TREND_SIZE", "finish_monthly_chart", "month_range"]

# The text sizes of the ward maps' legends, so a page's charts read alike.
_TEXT_SIZE = 10
_LABEL_SIZE = 11


#: Size in inches of a trend chart: the width of a page at 100% zoom when drawn at 100 dpi.
TREND_SIZE = (11.5, 4.6)
_BREAK_GID = "scpb-series-break"
_BREAK_LABEL_GID = "scpb-series-break-label"


def month_range(months: Iterable[Any]) -> pd.PeriodIndex:
    """Every calendar month from the first to the last of ``months``: a trend chart's x axis.

    Reindex a chart's data on it, so a month the data do not hold is a gap in the line and
    not a point joined across it.

    Examples
    --------
    >>> month_range(["2023-03", "2023-01"]).astype(str).tolist()
    ['2023-01', '2023-02', '2023-03']
    """
    from scpb_analysis.core.periods import to_month

    parsed = [to_month(m) for m in months]
    if not parsed:
        raise ValueError("a trend chart needs at least one month")
    return pd.period_range(min(parsed), max(parsed), freq="M")


def _trend_title(title: str, area: str) -> str:
    # A caller that already names the area keeps its title as it is.
    if not area or title.startswith(area):
        return title
    return f"{area}: {title}" if title else area


def _month_ticks(span: int) -> list[int]:
    """Positions counted back from the last month, so the month the data end is labelled."""
    step = 1 if span <= 12 else 3 if span <= 36 else 6 if span <= 72 else 12
    return list(range(span - 1, -1, -step))[::-1]


def _draw_breaks(ax, breaks: Iterable[tuple[Any, str]], months: pd.PeriodIndex) -> None:
    from matplotlib.transforms import blended_transform_factory

    from scpb_analysis.core.periods import to_month

    first, last = months[0], months[-1]
    inside: list[tuple[pd.Period, str]] = []
    for month, label in breaks:
        m = to_month(month)
        # A break at m: m is not like for like with m - 1, as in the loaders' breaks tables;
        # at the first month there is nothing before it on the chart to part from.
        if first < m <= last and (m, str(label)) not in inside:
            inside.append((m, str(label)))
    where = blended_transform_factory(ax.transData, ax.transAxes)
    for i, (m, label) in enumerate(sorted(inside, key=lambda b: b[0])):
        x = (m - first).n - 0.5
        ax.axvline(x, color="#7f7f7f", linestyle="--", linewidth=1.2, gid=_BREAK_GID)
        # Near the right edge the label goes left of its line; close breaks step down.
        right = x > 0.7 * len(months)
        ax.text(x + (-0.3 if right else 0.3), 0.97 - 0.09 * (i % 4), label, transform=where,
                ha="right" if right else "left", va="top", fontsize=_TEXT_SIZE,
                color="#404040", gid=_BREAK_LABEL_GID,
                bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1})


def finish_monthly_chart(ax, months: pd.PeriodIndex, *, title: str, ylabel: str,
                         area: str = "",
                         breaks: Iterable[tuple[str | pd.Period, str]] = ()) -> None:
    """Month axis, series breaks, title and legend of a trend chart plotted at 0, 1, 2, ...

    The data must have been plotted at positions ``0 .. len(months) - 1`` (one per month of
    :func:`month_range`). Ticks are every 1, 3, 6 or 12 months (at most 13 ticks) counted back
    from the last month, so the month the data end is always labelled; the x axis is labelled
    "Month"; text is 10 pt or more; the legend sits under the axis, off the data.

    Parameters
    ----------
    ax : matplotlib Axes
    months : PeriodIndex
        From :func:`month_range`.
    title, ylabel : str
        ``area`` is put before ``title`` unless the title already starts with it.
    area : str
        The borough or area, so a chart copied out of the pack says where.
    breaks : iterable of (month, label)
        Series breaks: a dashed line, with its label, before each break month after the first
        month up to the last; others are not drawn.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> months = month_range(["2023-01", "2023-12"])
    >>> ax = Figure(figsize=TREND_SIZE).subplots()
    >>> _ = ax.plot(range(12), range(12), label="Count")
    >>> finish_monthly_chart(ax, months, title="Robbery", ylabel="Offences", area="Barnet",
    ...                      breaks=[("2023-06", "Vintage seam")])
    >>> ax.get_title(loc="left"), ax.get_xlabel(), ax.get_xticklabels()[-1].get_text()
    ('Barnet: Robbery', 'Month', 'Dec 2023')
    """
    span = len(months)
    positions = _month_ticks(span)
    ax.set_xticks(positions)
    ax.set_xticklabels([months[p].strftime("%b %Y") for p in positions],
                       fontsize=_TEXT_SIZE)
    ax.set_xlim(-0.5, span - 0.5)
    ax.set_xlabel("Month", fontsize=_LABEL_SIZE)
    ax.tick_params(axis="y", labelsize=_TEXT_SIZE)
    _draw_breaks(ax, breaks, months)
    ax.set_title(_trend_title(title, area), fontsize=13, loc="left")
    ax.set_ylabel(ylabel, fontsize=_LABEL_SIZE)
    # Headroom for the break labels at the top.
    ax.set_ylim(bottom=0, top=max(ax.get_ylim()[1] * 1.12, 1))
    ax.legend(fontsize=_TEXT_SIZE, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=5,
              frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    ax.figure.tight_layout()
