"""The chart of an intervention evaluation: the monthly counts of its areas before and after.

Drawn as the trend charts are (:mod:`scpb_analysis.charts.trends`): the width of a page at 100
dpi, text of 10 pt or more, the area before the title. matplotlib is imported inside.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["STABILITY_COLOURS", "intervention_chart", "stability_map"]

_TEXT_SIZE = 10
_LABEL_SIZE = 11
_TITLE_SIZE = 13
# One colour and line style per area, so the chart reads in grey print too.
_STYLE = {"treated": ("#c00000", "-", "Treated area"),
          "control": ("#1f4e79", "--", "Control area"),
          "displacement": ("#ed7d31", "-.", "Displacement area"),
          "displacement_control": ("#7f7f7f", ":", "Displacement control area")}


def intervention_chart(series: pd.DataFrame, start: str | pd.Period, title: str, *,
                       area: str = "", labels: dict[str, str] | None = None):
    """Line chart of each area's monthly count, with the intervention's first month marked
    and the before and after windows shaded.

    Parameters
    ----------
    series : DataFrame
        ``month, role, count, window`` (:attr:`~scpb_analysis.blocks.intervention.
        InterventionBlock.series`).
    start : str or Period
        The intervention's first month.
    title : str
    area : str
        Put before the title unless it already starts with it.
    labels : dict, optional
        Role to the legend's words (default "Treated area", ...).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> months = pd.period_range("2022-01", "2023-12", freq="M")
    >>> series = pd.DataFrame({"month": list(months) * 2, "role": ["treated"] * 24
    ...                        + ["control"] * 24, "count": range(48),
    ...                        "window": (["before"] * 12 + ["after"] * 12) * 2})
    >>> fig = intervention_chart(series, "2023-01", "Burglary", area="Barnet")
    >>> fig.axes[0].get_title(loc="left"), len(fig.axes[0].get_lines())
    ('Barnet: Burglary', 3)
    """
    from matplotlib.figure import Figure

    from scpb_analysis.charts.trends import TREND_SIZE

    start = pd.Period(start, freq="M")
    figure = Figure(figsize=TREND_SIZE, dpi=100)
    ax = figure.subplots()
    months = pd.PeriodIndex(series["month"], freq="M")
    first, last = months.min(), months.max()

    def x_of(month) -> float:
        return float((pd.Period(month, freq="M") - first).n)

    for role, (colour, style, words) in _STYLE.items():
        rows = series.loc[series["role"] == role].sort_values("month")
        if rows.empty:
            continue
        xs = np.array([x_of(m) for m in rows["month"]])
        label = (labels or {}).get(role, words)
        ax.plot(xs, rows["count"].to_numpy(dtype=float), color=colour, linestyle=style,
                linewidth=2, marker="o", markersize=3, label=label)
    ax.axvspan(-0.5, x_of(start) - 0.5, color="#f2f2f2", zorder=0)
    ax.axvline(x_of(start) - 0.5, color="#404040", linewidth=1.2)
    ax.annotate("Before (shaded)", (0.0, 1.0), xycoords=("data", "axes fraction"),
                va="top", fontsize=_TEXT_SIZE, color="#595959")
    ax.annotate("Intervention starts", (x_of(start) - 0.3, 1.0), xycoords=("data", "axes fraction"),
                va="top", fontsize=_TEXT_SIZE)
    span = (last - first).n
    step = max(1, int(np.ceil((span + 1) / 12)))
    ticks = list(range(0, span + 1, step))
    ax.set_xticks(ticks)
    ax.set_xticklabels([(first + t).strftime("%b %Y") for t in ticks], fontsize=_TEXT_SIZE,
                       rotation=45, ha="right")
    ax.tick_params(axis="y", labelsize=_TEXT_SIZE)
    ax.set_ylabel("Offences per month", fontsize=_LABEL_SIZE)
    ax.set_ylim(bottom=0)
    ax.set_xlim(-0.5, span + 0.5)
    title_text = title if not area or title.startswith(area) else f"{area}: {title}"
    ax.set_title(title_text, fontsize=_TITLE_SIZE, loc="left")
    ax.legend(fontsize=_TEXT_SIZE, loc="upper center", bbox_to_anchor=(0.5, -0.3),
              frameon=False, ncol=2)
    ax.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    return figure


#: Fill colour of each hot-spot stability class (sfhotspot's names), in the legend's order.
STABILITY_COLOURS = {"persistent hotspot": "#a50f15", "emerging hotspot": "#fb6a4a",
                     "intermittent hotspot": "#fdae6b", "former hotspot": "#6baed6"}


def stability_map(cells, wards, title: str, *, area: str = "", cell_size: float | None = None):
    """Map of grid cells by hot-spot stability class, over the area's ward outlines.

    Cells in no class (sfhotspot's "no pattern") are left blank, so the map shows where the
    hot spots are and how lasting; the legend gives the number of cells in each class.

    Parameters
    ----------
    cells : GeoDataFrame
        ``geometry`` and ``stability`` (:attr:`~scpb_analysis.stats.hotspot_stability.
        StabilityResult.cells`), in the wards' CRS.
    wards : GeoDataFrame
        The area's wards, drawn as outlines.
    title : str
    area : str
        Put before the title unless it already starts with it.
    cell_size : float, optional
        The cells' side in metres, for the legend's title.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> wards = gpd.GeoDataFrame({"ward_code": ["A"]}, geometry=[box(0, 0, 1000, 1000)],
    ...                          crs=27700)
    >>> cells = gpd.GeoDataFrame({"stability": ["persistent hotspot", "no pattern"]},
    ...                          geometry=[box(0, 0, 500, 500), box(500, 0, 1000, 500)],
    ...                          crs=27700)
    >>> fig = stability_map(cells, wards, "Burglary hot spots", area="Barnet")
    >>> [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    ['Persistent hotspot (1 cell)']
    """
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    from scpb_analysis.charts.maps import CREDIT

    figure = Figure(figsize=(11.0, 8.0), dpi=100)
    ax = figure.subplots()
    handles = []
    for label, colour in STABILITY_COLOURS.items():
        chosen = cells.loc[cells["stability"] == label]
        if chosen.empty:
            continue
        chosen.plot(ax=ax, color=colour, edgecolor="none")
        n = len(chosen)
        handles.append(Patch(facecolor=colour,
                             label=f"{label[:1].upper()}{label[1:]} ({n:,} cell"
                                   f"{'' if n == 1 else 's'})"))
    wards.boundary.plot(ax=ax, color="#404040", linewidth=0.7)
    ax.set_axis_off()
    ax.set_aspect("equal")
    title_text = title if not area or title.startswith(area) else f"{area}: {title}"
    ax.set_title(title_text, fontsize=_TITLE_SIZE, loc="left")
    if handles:
        legend_title = (f"Grid cells of {cell_size:,.0f} m" if cell_size else "Grid cells")
        ax.legend(handles=handles, title=legend_title, fontsize=_TEXT_SIZE,
                  title_fontsize=_LABEL_SIZE, loc="upper left", bbox_to_anchor=(1.0, 1.0),
                  frameon=False)
    figure.text(0.01, 0.01, f"{CREDIT}; police.uk street-level crime", fontsize=8,
                color="#595959")
    figure.tight_layout()
    return figure
