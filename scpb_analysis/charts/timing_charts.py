"""Charts of when violence happens: a seasonal-index bar chart and an hour-by-weekday heat map.

Drawn as the trend charts are (:mod:`scpb_analysis.charts.trends`): the width of a page at 100
dpi, text of 10 pt or more, the area before the title. matplotlib is imported inside each
function.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["hour_weekday_heatmap", "seasonal_index_chart"]

_TEXT_SIZE = 10
_LABEL_SIZE = 11
_TITLE_SIZE = 13
_HEATMAP_SIZE = (11.5, 4.2)


def _title(title: str, area: str) -> str:
    if not area or title.startswith(area):
        return title
    return f"{area}: {title}" if title else area


def seasonal_index_chart(table: pd.DataFrame, title: str, *, area: str = ""):
    """Bar chart of each calendar month's seasonal index, with the average day at 1.

    Parameters
    ----------
    table : DataFrame
        :attr:`~scpb_analysis.blocks.sv_timing.SeasonalityBlock.table` (``month_name``,
        ``seasonal_index``, ``years_used``), twelve rows.
    title : str
    area : str
        Put before the title unless it already starts with it.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> table = pd.DataFrame({"month_name": ["January", "February"] * 6,
    ...                       "seasonal_index": [0.9, 1.1] * 6, "years_used": "2011 to 2022"})
    >>> fig = seasonal_index_chart(table, "Violence with injury", area="Barnet")
    >>> fig.axes[0].get_title(loc="left"), len(fig.axes[0].patches)
    ('Barnet: Violence with injury', 12)
    """
    from matplotlib.figure import Figure

    from scpb_analysis.charts.trends import TREND_SIZE

    if len(table) != 12:
        raise ValueError(f"a seasonal index chart needs 12 months; the table has {len(table)}")
    figure = Figure(figsize=TREND_SIZE, dpi=100)
    ax = figure.subplots()
    index = table["seasonal_index"].to_numpy(dtype=float)
    colours = np.where(index >= 1, "#1f4e79", "#9dc3e6")
    positions = np.arange(12)
    ax.bar(positions, index, color=colours, width=0.7)
    ax.axhline(1.0, color="#404040", linewidth=1.2, linestyle="--", label="Average day (1.0)")
    ax.set_xticks(positions)
    ax.set_xticklabels([str(m)[:3] for m in table["month_name"]], fontsize=_TEXT_SIZE)
    ax.tick_params(axis="y", labelsize=_TEXT_SIZE)
    ax.set_xlabel(f"Calendar month ({table['years_used'].iloc[0]})", fontsize=_LABEL_SIZE)
    ax.set_ylabel("Offences per day / average day", fontsize=_LABEL_SIZE)
    top = float(np.nanmax(index)) if np.isfinite(index).any() else 1.0
    ax.set_ylim(0, max(top * 1.12, 1.2))
    ax.set_title(_title(title, area), fontsize=_TITLE_SIZE, loc="left")
    ax.legend(fontsize=_TEXT_SIZE, loc="upper center", bbox_to_anchor=(0.5, -0.2),
              frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    return figure


def hour_weekday_heatmap(table: pd.DataFrame, title: str, *, area: str = "",
                         value: str = "per_100_hours"):
    """Heat map of incidents by weekday (rows) and hour of day (columns).

    Cells the control room was never staffed in are grey and say so in the legend, so an
    hour without cover does not read as an hour without incidents.

    Parameters
    ----------
    table : DataFrame
        :attr:`~scpb_analysis.blocks.sv_timing.HourWeekdayProfile.table` (``weekday, hour,
        staffed_hours`` and ``value``), 168 rows.
    title : str
    area : str
    value : str, default "per_100_hours"
        The column shaded (``count`` or ``share`` also work).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> cells = pd.DataFrame({"weekday": np.repeat(range(7), 24), "hour": list(range(24)) * 7,
    ...                       "staffed_hours": 10, "per_100_hours": 1.0})
    >>> fig = hour_weekday_heatmap(cells, "Violence-related CCTV incidents", area="Barnet")
    >>> fig.axes[0].get_title(loc="left"), fig.axes[0].get_yticklabels()[0].get_text()
    ('Barnet: Violence-related CCTV incidents', 'Monday')
    """
    from matplotlib.colors import ListedColormap
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    needed = {"weekday", "hour", "staffed_hours", value}
    if not needed <= set(table.columns) or len(table) != 168:
        raise ValueError("a heat map needs the 168 weekday x hour rows of hour_weekday_profile "
                         f"with columns {', '.join(sorted(needed))}")
    grid = np.full((7, 24), np.nan)
    grid[table["weekday"].to_numpy(), table["hour"].to_numpy()] = np.where(
        table["staffed_hours"].to_numpy() > 0, table[value].to_numpy(dtype=float), np.nan)
    figure = Figure(figsize=_HEATMAP_SIZE, dpi=100)
    ax = figure.subplots()
    cmap = ListedColormap(["#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6",
                           "#2171b5", "#08519c", "#08306b"])
    cmap = cmap.with_extremes(bad="#bfbfbf")
    image = ax.imshow(np.ma.masked_invalid(grid), aspect="auto", cmap=cmap,
                      interpolation="nearest")
    ax.set_xticks(range(0, 24, 2))
    ax.set_xticklabels([f"{h:02d}:00" for h in range(0, 24, 2)], fontsize=_TEXT_SIZE)
    ax.set_yticks(range(7))
    # 1 January 2024 was a Monday: weekday k's name, in the order of pandas' dayofweek.
    names = [(pd.Timestamp("2024-01-01") + pd.Timedelta(days=k)).day_name() for k in range(7)]
    ax.set_yticklabels(names, fontsize=_TEXT_SIZE)
    ax.set_xlabel("Hour of day (start of the hour)", fontsize=_LABEL_SIZE)
    bar = figure.colorbar(image, ax=ax, pad=0.01)
    words = {"per_100_hours": "Incidents per 100 staffed hours", "count": "Incidents",
             "share": "Share of incidents"}
    bar.set_label(words.get(value, value.replace("_", " ")), fontsize=_LABEL_SIZE)
    bar.ax.tick_params(labelsize=_TEXT_SIZE)
    if np.isnan(grid).any():
        ax.legend(handles=[Patch(facecolor="#bfbfbf", label="Control room never staffed")],
                  fontsize=_TEXT_SIZE, loc="upper center", bbox_to_anchor=(0.5, -0.22),
                  frameon=False)
    ax.set_title(_title(title, area), fontsize=_TITLE_SIZE, loc="left")
    figure.tight_layout()
    return figure
