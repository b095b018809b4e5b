"""Ward maps for the board pack: classed choropleths a board member can read.

Every drawing function returns a :class:`MapResult`, not a bare matplotlib Figure. The figure
is in it (``result.figure``), next to what a reviewer or a test needs to check the map without
looking at pixels: the class upper limits (``bins``), the legend text exactly as drawn
(``legend_labels``), the class each ward was drawn in (``classes``, by ward code) and how many
wards were drawn (``n_drawn``). In a notebook a ``MapResult`` displays as its PNG.

Rules every map follows, because board papers have got them wrong by hand:

* **Zero is its own class**, drawn white with grey hatching and labelled ``"0"``: a ward with
  no recorded crimes is not the same as a ward with one.
* **No data is never zero**: a ward missing from the values (or with a missing value) is drawn
  solid grey and labelled ``"No data"``.
* **Legend labels are plain ranges** at the precision of the map (``decimals``), with thousands
  separators and never scientific notation: ``"1 to 4"``, ``"5.0 to 9.9"``,
  ``"1,000 to 2,500"``. Values are rounded to ``decimals`` (half away from zero, as in the
  pack's tables) before they are classed and class limits are cut to that precision, so a
  ward's value as printed always sits inside its printed class and classes never overlap.
  A positive value that rounds to zero is drawn in the lowest positive class, not as ``"0"``.
  The first class starts at the lowest ward value and the class holding the highest value
  ends at it (over every map, for :func:`small_multiples`), so the legend says where the
  wards are, not where a rounded scheme begins.
* **The credit line is always drawn**: "Contains OS data © Crown copyright and database
  right", followed by an optional note (the population source of a rate, the police.uk
  snap-point caveat, the hot-spot method).
* **Printable**: every map has a scale bar (a round length, from the wards' CRS: a frame
  without a CRS is refused rather than given a wrong bar) and a north arrow; wards are
  numbered on the map, in alphabetical order of name so a number means the same ward on every
  map of an area, with a key of numbers and names under the map (``MapResult.key``); legend
  text is 10 pt. The title is optional: the pack's notebooks print a heading instead, so
  the page says it once.

:func:`interactive_ward_map` draws the same wards as a zoomable web map whose tooltips give
each ward's figures under plain-English headings.

Figures are made with :class:`matplotlib.figure.Figure` directly rather than through pyplot, so
building a pack of many maps does not accumulate open pyplot figures and nothing depends on
the interactive backend; pass ``ax=`` to draw into a figure of your own instead.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scpb_analysis.core.seeding import seeded
from scpb_analysis.geo.ward_values import join_values, ward_frame
from scpb_analysis.stats.hotspots import COLD, HOT, NOT_SIGNIFICANT

__all__ = [
    "HOTSPOT_COLOURS",
    "InteractiveMap",
    "hotspot_map",
    "interactive_ward_map",
    "CREDIT",
    "TOOLTIP_LABELS",
    "NO_DATA_LABEL",
    "SCHEMES",
    "ZERO_LABEL",
    "MapResult",
    "save_figure",
    "shared_bins",
    "small_multiples",
    "ward_choropleth",
]

#: Attribution required by the OS OpenData / ONS boundary licences.
CREDIT = "Contains OS data © Crown copyright and database right"
ZERO_LABEL = "0"
NO_DATA_LABEL = "No data"
#: Classification schemes accepted by :func:`ward_choropleth` and :func:`shared_bins`.
SCHEMES = ("quantiles", "natural_breaks", "equal_interval", "fisher_jenks")

_BNG = 27700
_OUTLINE = "#636363"
_ZERO_STYLE = {"facecolor": "#ffffff", "hatch": "////", "edgecolor": "#b0b0b0"}
_NO_DATA_STYLE = {"facecolor": "#a6a6a6"}
_CREDIT_GID = "scpb-credit"
_LABEL_GID = "scpb-ward-label"
_KEY_GID = "scpb-ward-key"
_KEY_NUMBER_GID = "scpb-ward-key-number"
_KEY_NAME_GID = "scpb-ward-key-name"
_SCALE_GID = "scpb-scale-bar"
_NORTH_GID = "scpb-north-arrow"
_LEGEND_SIZE = 10
_LEGEND_TITLE_SIZE = 11
# Inches: a page at 100% zoom shows about 11 inches of a figure drawn at 100 dpi.
_PAGE_WIDTH = 11.0
_KEY_COLUMN_WIDTH = 2.7
_KEY_LINE = 0.22
# natural_breaks is k-means with random starts (scikit-learn, global numpy state): a fixed
# seed keeps the same data giving the same breaks from one quarter's run to the next.
_BREAKS_SEED = 12345


@dataclass(frozen=True, eq=False)
class MapResult:
    """A drawn map and what it shows, in a form tests and reviewers can check.

    Attributes
    ----------
    figure : matplotlib.figure.Figure
        The figure; save it with :func:`save_figure` (or :meth:`save`).
    axes : list of matplotlib.axes.Axes
        One Axes per map (one for a single map); ``ax`` is the first.
    bins : list of float
        Upper limits of the value classes, at the map's precision (empty for category maps).
    legend_labels : list of str
        The legend entries exactly as drawn, in order.
    classes : pandas.Series or pandas.DataFrame
        The class label (without counts) each ward was drawn in, indexed by ward code; a
        DataFrame with one column per map for :func:`small_multiples`.
    n_drawn : int
        Wards drawn on each map (every ward in ``wards``, including those with no data).
    key : pandas.DataFrame or None
        The ward numbers printed on the map: ``number, ward_code, ward_name`` in number order;
        None when the wards are not numbered (``labels=False``). The key is drawn under the
        map in a figure the function makes; with ``ax=`` there is no room it knows of, so show
        this table beside the map instead.
    """

    figure: Any
    axes: list
    bins: list[float]
    legend_labels: list[str]
    classes: pd.Series | pd.DataFrame
    n_drawn: int
    key: pd.DataFrame | None = None

    @property
    def ax(self):
        """The (first) map's Axes."""
        return self.axes[0]

    def save(self, path: str | Path, dpi: int = 150) -> Path:
        """Write the figure to ``path``; see :func:`save_figure`."""
        return save_figure(self.figure, path, dpi=dpi)

    def _repr_png_(self) -> bytes:
        from io import BytesIO

        buffer = BytesIO()
        _savefig(self.figure, buffer, "png", dpi=100)
        return buffer.getvalue()


# ---------------------------------------------------------------------------
# Values onto wards
# ---------------------------------------------------------------------------






# ---------------------------------------------------------------------------
# Classing
# ---------------------------------------------------------------------------


def _to_units(values: np.ndarray, decimals: int) -> np.ndarray:
    """Values as whole numbers of display units (0.1 for decimals=1), rounded half up."""
    from scpb_analysis.stats import round_half_up

    scale = 10**decimals
    return np.array([int(round(round_half_up(float(v), decimals) * scale)) for v in values],
                    dtype=np.int64)


def _check_decimals(decimals: int) -> int:
    if isinstance(decimals, bool) or not isinstance(decimals, (int, np.integer)) or not (
            0 <= decimals <= 6):
        raise ValueError(f"decimals must be a whole number from 0 to 6; got {decimals!r}")
    return int(decimals)


def _check_non_negative(values: np.ndarray, what: str) -> None:
    bad = np.isfinite(values) & (values < 0)
    if bad.any():
        raise ValueError(f"{what} maps counts and rates, which are 0 or more; got "
                         f"{values[bad][0]:g}")




def _scheme_units(units: np.ndarray, scheme: str, k: int) -> np.ndarray:
    """Class upper limits (in display units) for positive values in display units."""
    import mapclassify

    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {', '.join(SCHEMES)}; got {scheme!r}")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a whole number of classes, 1 or more; got {k!r}")
    if units.size == 0:
        return np.array([], dtype=np.int64)
    distinct = np.unique(units)
    if distinct.size <= k:
        # Too few distinct values to cut: one class per value, which mapclassify would only
        # reach after warning.
        return distinct
    classifier = {
        "quantiles": mapclassify.Quantiles,
        "natural_breaks": mapclassify.NaturalBreaks,
        "equal_interval": mapclassify.EqualInterval,
        "fisher_jenks": mapclassify.FisherJenks,
    }[scheme]
    with warnings.catch_warnings(), seeded(_BREAKS_SEED):
        # Heavy ties can leave fewer than k classes; the legend and MapResult.bins show the
        # classes actually used, so the warning adds nothing for the reader.
        warnings.simplefilter("ignore")
        bins = np.asarray(classifier(units.astype(float), k=int(k)).bins, dtype=float)
    # Cutting a limit down to a whole display unit keeps every value in the class it had:
    # the values are whole units already.
    cut = np.floor(bins + 1e-9).astype(np.int64)
    cut = np.unique(cut[cut >= 1])
    if cut.size == 0 or cut[-1] < units.max():
        cut = np.append(cut, units.max())
    return cut


def _user_units(bins: Iterable[float], decimals: int) -> np.ndarray:
    limits = np.asarray(list(bins), dtype=float)
    if limits.ndim != 1 or limits.size == 0 or not np.isfinite(limits).all():
        raise ValueError("bins must be a list of class upper limits, e.g. [4, 9, 20]")
    if (limits <= 0).any() or (np.diff(limits) <= 0).any():
        raise ValueError(f"bins must be increasing upper limits greater than 0 (zero is its "
                         f"own class); got {limits.tolist()}")
    cut = np.floor(limits * 10**decimals + 1e-9).astype(np.int64)
    if (cut < 1).any() or (np.diff(cut) <= 0).any():
        raise ValueError(f"bins {limits.tolist()} do not make distinct classes at "
                         f"{decimals} decimal places")
    return cut


def _units_to_floats(units: Iterable[int], decimals: int) -> list[float]:
    return [round(int(u) / 10**decimals, decimals) for u in units]


def _format_units(units: int, decimals: int) -> str:
    return f"{units / 10**decimals:,.{decimals}f}"


def _range_labels(bin_units: np.ndarray, decimals: int, low: int | None = None,
                  high: int | None = None) -> list[str]:
    """Legend text per class; the class holding ``low`` starts there, the one holding ``high``
    ends there (display units), so "0.1 to 3.3" reads "2.8 to 3.3" when 2.8 is the lowest."""
    labels = []
    lower = 1  # the smallest positive value at this precision; 0 has its own class
    for upper in (int(u) for u in bin_units):
        start, end = lower, upper
        if low is not None and lower <= low <= upper:
            start = low
        if high is not None and lower <= high <= upper:
            end = high
        first, last = _format_units(start, decimals), _format_units(end, decimals)
        labels.append(first if start == end else f"{first} to {last}")
        lower = upper + 1
    return labels


def _span_units(value_range: tuple[float, float] | None, units: np.ndarray,
                decimals: int) -> tuple[int, int] | None:
    """Lowest and highest positive value the legend runs from and to, in display units."""
    if value_range is None:
        return (int(units.min()), int(units.max())) if units.size else None
    try:
        low, high = (float(v) for v in value_range)
    except (TypeError, ValueError):
        raise ValueError("value_range must be (lowest, highest), e.g. (2.76, 41.3)") from None
    if not (np.isfinite(low) and np.isfinite(high)) or not 0 < low <= high:
        raise ValueError(f"value_range must be (lowest, highest) positive values; got "
                         f"{value_range!r}")
    span = (max(int(_to_units(np.array([low]), decimals)[0]), 1),
            int(_to_units(np.array([high]), decimals)[0]))
    if units.size and (units.min() < span[0] or units.max() > span[1]):
        raise ValueError(f"value_range {value_range!r} must hold every positive value mapped "
                         f"(here {_format_units(int(units.min()), decimals)} to "
                         f"{_format_units(int(units.max()), decimals)})")
    return span


def shared_bins(values: Iterable[Any], scheme: str = "quantiles", k: int = 5,
                decimals: int = 1) -> list[float]:
    """One set of class upper limits for several maps, so their colours mean the same.

    Zeros and missing values are left out (they have their own classes); the positive values
    of every series are pooled, rounded to ``decimals`` and classed together.

    Parameters
    ----------
    values : iterable of Series or array-like
        One set of values per map.
    scheme : str
        One of :data:`SCHEMES`.
    k : int
        Number of positive classes wanted; fewer are made when the values have fewer
        distinct values.
    decimals : int
        The precision the maps will label (pass the same ``decimals`` to the maps).

    Returns
    -------
    list of float
        Increasing upper limits; pass as ``bins=`` to :func:`ward_choropleth`.

    Examples
    --------
    >>> shared_bins([[0, 1, 2, 3], [4, 5, float("nan")]], scheme="equal_interval", k=2,
    ...             decimals=0)
    [3.0, 5.0]
    """
    decimals = _check_decimals(decimals)
    pooled = [np.asarray(pd.to_numeric(pd.Series(list(v)), errors="coerce"), dtype=float)
              for v in values]
    allv = np.concatenate(pooled) if pooled else np.array([], dtype=float)
    _check_non_negative(allv, "shared_bins")
    positive = allv[np.isfinite(allv) & (allv > 0)]
    units = np.maximum(_to_units(positive, decimals), 1)
    return _units_to_floats(_scheme_units(units, scheme, k), decimals)


@dataclass
class _Classed:
    labels: pd.Series          # class label per ward (positional, same order as the frame)
    bin_units: np.ndarray
    range_labels: list[str]


def _positive_units(raw: np.ndarray, decimals: int) -> np.ndarray:
    positive = raw[np.isfinite(raw) & (raw > 0)]
    # A positive value that rounds to 0 still belongs with the smallest positive values.
    return np.maximum(_to_units(positive, decimals), 1)


def _classify(raw: np.ndarray, bin_units: np.ndarray | None, scheme: str, k: int,
              decimals: int, span: tuple[int, int] | None = None) -> _Classed:
    """Class every ward; ``span`` is the legend's (lowest, highest) positive value in display
    units when it is wider than this map's own (maps that share classes)."""
    import mapclassify

    missing = ~np.isfinite(raw)
    zero = ~missing & (raw == 0)
    positive = ~missing & ~zero
    units = _positive_units(raw, decimals)
    if bin_units is None:
        bin_units = _scheme_units(units, scheme, k)
    if span is None and units.size:
        span = (int(units.min()), int(units.max()))
    low, high = span if span is not None else (None, None)
    labels = np.full(raw.shape, NO_DATA_LABEL, dtype=object)
    labels[zero] = ZERO_LABEL
    if units.size:
        classifier = mapclassify.UserDefined(units, bin_units)
        # UserDefined adds a top class when values exceed the last limit given.
        bin_units = np.asarray(classifier.bins).astype(np.int64)
        ranges = _range_labels(bin_units, decimals, low, high)
        labels[positive] = [ranges[i] for i in classifier.yb]
    else:
        ranges = _range_labels(bin_units, decimals, low, high)
    return _Classed(pd.Series(labels), np.asarray(bin_units, dtype=np.int64), ranges)


# ---------------------------------------------------------------------------
# Drawing
# ---------------------------------------------------------------------------


def _class_colours(n: int, cmap: str) -> list[str]:
    import matplotlib
    from matplotlib.colors import to_hex

    colourmap = matplotlib.colormaps[cmap]
    # Start above the palest end so the lowest class is not mistaken for the white zero class.
    positions = [0.6] if n == 1 else np.linspace(0.2, 0.9, n)
    return [to_hex(colourmap(p)) for p in positions]


def _patch(style: Mapping[str, Any]):
    from matplotlib.patches import Patch

    return Patch(facecolor=style["facecolor"], hatch=style.get("hatch"),
                 edgecolor=style.get("edgecolor", _OUTLINE), linewidth=0.5)


def _draw_categories(ax, frame, labels: pd.Series, styles: Mapping[str, Mapping[str, Any]],
                     numbers: pd.Series | None, label_size: float) -> int:
    """Fill each ward in its category's style, outline all wards, number them, add the scale
    bar and north arrow."""
    drawn = 0
    for label, style in styles.items():
        part = frame[(labels == label).to_numpy()]
        if part.empty:
            continue
        part.plot(ax=ax, facecolor=style["facecolor"], hatch=style.get("hatch"),
                  edgecolor=style.get("edgecolor", "none"), linewidth=0)
        drawn += len(part)
    # Outlines drawn once, on top, so hatched and grey wards get the same boundary.
    frame.boundary.plot(ax=ax, color=_OUTLINE, linewidth=0.4)
    if numbers is not None:
        _number_wards(ax, frame, numbers, label_size)
    ax.set_axis_off()
    ax.set_aspect("equal")
    _frame_map(ax, frame)
    return drawn


def _ward_numbers(frame) -> pd.Series:
    """1, 2, ... by ward name (then code), positional like ``frame``: the same ward gets the
    same number on every map of the area, and the key reads as an alphabetical index."""
    order = sorted(range(len(frame)), key=lambda i: (str(frame["ward_name"].iloc[i]).casefold(),
                                                     str(frame["ward_code"].iloc[i])))
    numbers = np.empty(len(frame), dtype=np.int64)
    numbers[order] = np.arange(1, len(frame) + 1)
    return pd.Series(numbers)


def _key_table(frame, numbers: pd.Series) -> pd.DataFrame:
    key = pd.DataFrame({"number": numbers.to_numpy(), "ward_code": frame["ward_code"].to_numpy(),
                        "ward_name": frame["ward_name"].to_numpy()})
    return key.sort_values("number", kind="stable").reset_index(drop=True)


def _number_wards(ax, frame, numbers: pd.Series, size: float) -> None:
    from matplotlib import patheffects

    halo = [patheffects.withStroke(linewidth=2.2, foreground="white")]
    # A representative point is always inside its ward, unlike the centroid of a crescent.
    points = frame.geometry.representative_point()
    for number, point in zip(numbers, points, strict=True):
        text = ax.text(point.x, point.y, str(int(number)), fontsize=size, fontweight="bold",
                       ha="center", va="center", color="#252525", path_effects=halo,
                       gid=_LABEL_GID)
        text.set_clip_on(True)


def _key_rows(n: int, width: float) -> tuple[int, int]:
    columns = max(1, min(n, int(width // _KEY_COLUMN_WIDTH)))
    return columns, -(-n // columns)


def _draw_key(key_ax, key: pd.DataFrame) -> None:
    """Number and name of every ward in columns, filled top to bottom then left to right."""
    key_ax.set_axis_off()
    key_ax.set_gid(_KEY_GID)
    bbox = key_ax.get_position()
    width = bbox.width * key_ax.figure.get_figwidth()
    height = bbox.height * key_ax.figure.get_figheight()
    columns, rows = _key_rows(len(key), width)
    key_ax.text(0.0, 1.0 - 0.4 * _KEY_LINE / height, "Wards on the map",
                fontsize=_LEGEND_TITLE_SIZE, fontweight="bold", ha="left", va="top",
                transform=key_ax.transAxes)
    for i, (number, name) in enumerate(zip(key["number"], key["ward_name"], strict=True)):
        column, row = divmod(i, rows)
        x = column / columns
        y = 1.0 - (1.8 + row) * _KEY_LINE / height
        # Numbers right-aligned in a narrow column so the names line up.
        key_ax.text(x + 0.32 / width, y, str(int(number)), fontsize=_LEGEND_SIZE, ha="right",
                    va="top", transform=key_ax.transAxes, gid=_KEY_NUMBER_GID)
        key_ax.text(x + 0.4 / width, y, str(name), fontsize=_LEGEND_SIZE, ha="left",
                    va="top", transform=key_ax.transAxes, gid=_KEY_NAME_GID)


def _metres_per_unit(frame) -> float:
    crs = frame.crs
    if crs is None:
        raise ValueError("the wards have no coordinate reference system, so the map's scale "
                         "is unknown; set it first (British National Grid: "
                         "wards.set_crs(27700))")
    if crs.is_geographic:
        # A degree of longitude is not a fixed distance: a bar in degrees would be wrong.
        raise ValueError(f"the wards are in a geographic CRS ({crs.name}), in degrees; project "
                         "them first, e.g. wards.to_crs(27700)")
    return float(crs.axis_info[0].unit_conversion_factor)


def _round_length(target: float) -> float:
    """The 1, 2 or 5 times a power of ten nearest ``target`` (on a log scale)."""
    power = 10.0 ** np.floor(np.log10(target))
    candidates = [step * power for step in (1, 2, 5, 10)]
    return min(candidates, key=lambda c: abs(np.log(c / target)))


def _length_text(metres: float) -> str:
    return f"{metres / 1000:g} km" if metres >= 1000 else f"{metres:g} m"


def _frame_map(ax, frame) -> None:
    """Limits with a band under the wards for the scale bar and north arrow, then both."""
    from matplotlib.font_manager import FontProperties
    from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar

    per_unit = _metres_per_unit(frame)
    minx, miny, maxx, maxy = (float(v) for v in frame.total_bounds)
    width, height = maxx - minx, maxy - miny
    size = max(width, height)
    ax.set_xlim(minx - 0.02 * size, maxx + 0.02 * size)
    ax.set_ylim(miny - 0.12 * size, maxy + 0.02 * size)
    length = _round_length(width * per_unit / 5)
    bar = AnchoredSizeBar(ax.transData, length / per_unit, _length_text(length), "lower left",
                          pad=0.3, borderpad=0.4, sep=3, frameon=False, color="#252525",
                          size_vertical=0.008 * size, label_top=True,
                          fontproperties=FontProperties(size=_LEGEND_SIZE))
    bar.set_gid(_SCALE_GID)
    ax.add_artist(bar)
    # British National Grid north is within 2 degrees of true north across England.
    ax.annotate("", xy=(0.96, 0.085), xytext=(0.96, 0.015), xycoords="axes fraction",
                textcoords="axes fraction", gid=_NORTH_GID,
                arrowprops={"arrowstyle": "-|>,head_width=0.3,head_length=0.6",
                            "color": "#252525", "linewidth": 1.8, "shrinkA": 0,
                            "shrinkB": 0})
    ax.text(0.96, 0.09, "N", transform=ax.transAxes, ha="center", va="bottom",
            fontsize=_LEGEND_TITLE_SIZE, fontweight="bold", gid=_NORTH_GID)


def _credit(figure, note: str | None) -> None:
    """Write the credit line (replacing an earlier one, e.g. when maps share a figure)."""
    for text in list(figure.texts):
        if text.get_gid() == _CREDIT_GID:
            text.remove()
    line = CREDIT if not note else f"{CREDIT}. {note}"
    figure.text(0.01, 0.005, line, fontsize=9, color="#4d4d4d", ha="left", va="bottom",
                wrap=True, gid=_CREDIT_GID)


def _new_figure(ncols: int, figsize: tuple[float, float] | None, n_key: int = 0):
    """Figure with ``ncols`` map Axes and, if ``n_key``, a key band under them (inches fixed,
    so the key's lines stay 10 pt apart whatever the figure's size)."""
    from matplotlib.figure import Figure

    width = figsize[0] if figsize else max(_PAGE_WIDTH, 3.7 * ncols)
    key_height = 0.0
    if n_key:
        # Two lines more than the rows: the key's heading and a gap under the scale bar.
        key_height = (_key_rows(n_key, width - 0.3)[1] + 2.0) * _KEY_LINE
    credit, legend_band = 0.45, (0.0 if ncols == 1 else 0.9)
    maps_height = figsize[1] - key_height - credit - legend_band if figsize else (
        6.8 if ncols == 1 else 4.4)
    if maps_height <= 1:
        raise ValueError(f"figsize {figsize!r} leaves no room for the map above the ward key; "
                         "make it taller or pass labels=False")
    height = figsize[1] if figsize else maps_height + legend_band + key_height + credit + 0.5
    figure = Figure(figsize=(width, height))
    top = 0.5 / height if not figsize else 0.3 / height
    bottom = (credit + key_height + legend_band) / height
    axes = list(figure.subplots(1, ncols, squeeze=False)[0])
    # Single map: the legend sits to the right of the map.
    figure.subplots_adjust(left=0.02, right=0.62 if ncols == 1 else 0.98, top=1 - top,
                           bottom=bottom, wspace=0.04)
    key_ax = None
    if n_key:
        key_ax = figure.add_axes((0.15 / width, credit / height, 1 - 0.3 / width,
                                  key_height / height))
    return figure, axes, key_ax


def _count_text(n: int) -> str:
    return f"({n:,} ward{'s' if n != 1 else ''})"


def _value_styles(range_labels: list[str], present: set[str], cmap: str,
                  always_zero: bool = False) -> dict[str, dict[str, Any]]:
    styles: dict[str, dict[str, Any]] = {}
    if ZERO_LABEL in present or always_zero:
        styles[ZERO_LABEL] = dict(_ZERO_STYLE)
    for label, colour in zip(range_labels, _class_colours(len(range_labels), cmap),
                             strict=True):
        styles[label] = {"facecolor": colour}
    if NO_DATA_LABEL in present:
        styles[NO_DATA_LABEL] = dict(_NO_DATA_STYLE)
    return styles


def ward_choropleth(wards, values, *, column: str = "value", title: str = "",
                    scheme: str = "quantiles", k: int = 5,
                    bins: Sequence[float] | None = None, legend_title: str = "",
                    labels: bool = True, ax=None, note: str | None = None,
                    decimals: int = 1, show_counts: bool = False, cmap: str = "YlOrRd",
                    label_size: float = 8, figsize: tuple[float, float] | None = None,
                    value_range: tuple[float, float] | None = None) -> MapResult:
    """Classed map of one value (a count or a rate) per ward.

    Parameters
    ----------
    wards : GeoDataFrame
        ``ward_code, ward_name, geometry`` (as :func:`~scpb_analysis.sources.boundaries.
        load_wards` returns) in a projected CRS (metres: the scale bar is drawn from it).
        Every ward is drawn.
    values : DataFrame or Series
        ``ward_code`` and ``column``; or a Series indexed by ward code. Wards missing here,
        or with a missing value, are drawn as "No data". Counts and rates only: negative
        values are refused.
    column : str
        The value column in ``values``.
    title, legend_title : str
        Map title and legend heading (say what is mapped and its unit, e.g. "per 1,000").
        Leave ``title`` empty when the page prints a heading above the map, so the reader
        is not told twice.
    scheme : str
        How positive values are cut into classes: one of :data:`SCHEMES`. Ignored if
        ``bins`` is given.
    k : int
        Number of positive classes (zero and no data are extra classes).
    bins : list of float, optional
        Class upper limits to use instead of ``scheme``; use :func:`shared_bins` to make
        several maps comparable. A top class is added if values exceed the last limit.
    labels : bool
        Number the wards on the map (at a point inside each ward, in alphabetical order of
        name) and print the key of numbers and names under it (see ``MapResult.key``).
    ax : matplotlib Axes, optional
        Draw into this Axes (its figure gets the credit line); otherwise a new figure. The
        ward key is then not drawn: show ``result.key`` beside the map.
    note : str, optional
        Added after the credit line, e.g. the population source of a rate.
    decimals : int
        Precision of values and legend labels (0 for counts).
    show_counts : bool
        Add the number of wards to each legend entry, e.g. ``"5 to 9 (6 wards)"``.
    cmap : str
        A sequential matplotlib colour map for the positive classes.
    label_size : float
        Font size of the ward numbers.
    figsize : (float, float), optional
        Size in inches of a new figure (by default 11 inches wide, a page at 100% zoom).
    value_range : (float, float), optional
        The lowest and highest positive value the legend runs from and to. By default this
        map's own; for maps drawn apart with the same ``bins``, pass the range over all of
        them so their legends read alike (:func:`small_multiples` does this itself).

    Returns
    -------
    MapResult
        The figure and what it shows; ``classes`` holds the class label of each ward and
        ``key`` the ward numbers.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> wards = gpd.GeoDataFrame(
    ...     {"ward_code": ["A", "B", "C", "D"], "ward_name": ["Ash", "Beech", "Cedar", "Dale"]},
    ...     geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(0, 1, 1, 2), box(1, 1, 2, 2)],
    ...     crs=27700)
    >>> counts = pd.DataFrame({"ward_code": ["A", "B", "C"], "value": [0, 3, 12]})
    >>> result = ward_choropleth(wards, counts, bins=[5, 15], decimals=0, show_counts=True)
    >>> result.legend_labels
    ['0 (1 ward)', '3 to 5 (1 ward)', '6 to 12 (1 ward)', 'No data (1 ward)']
    >>> result.classes.to_dict()
    {'A': '0', 'B': '3 to 5', 'C': '6 to 12', 'D': 'No data'}
    >>> result.n_drawn, result.key["ward_name"].tolist()
    (4, ['Ash', 'Beech', 'Cedar', 'Dale'])
    """
    decimals = _check_decimals(decimals)
    frame = join_values(wards, values, column)
    raw = frame["value"].to_numpy(dtype=float)
    _check_non_negative(raw, "ward_choropleth")
    user = None if bins is None else _user_units(bins, decimals)
    span = _span_units(value_range, _positive_units(raw, decimals), decimals)
    classed = _classify(raw, user, scheme, k, decimals, span)
    present = set(classed.labels)
    styles = _value_styles(classed.range_labels, present, cmap)
    numbers = _ward_numbers(frame) if labels else None

    key_ax = None
    if ax is None:
        figure, axes, key_ax = _new_figure(1, figsize, len(frame) if labels else 0)
        ax = axes[0]
    else:
        figure = ax.figure
    drawn = _draw_categories(ax, frame, classed.labels, styles, numbers, label_size)
    if title:
        ax.set_title(title, fontsize=13, loc="left")
    counts = classed.labels.value_counts()
    legend_labels = [f"{label} {_count_text(int(counts.get(label, 0)))}" if show_counts
                     else label for label in styles]
    ax.legend(handles=[_patch(s) for s in styles.values()], labels=legend_labels,
              title=legend_title or None, loc="upper left", bbox_to_anchor=(1.02, 1.0),
              frameon=False, fontsize=_LEGEND_SIZE, title_fontsize=_LEGEND_TITLE_SIZE,
              alignment="left")
    key = None if numbers is None else _key_table(frame, numbers)
    if key_ax is not None:
        _draw_key(key_ax, key)
    _credit(figure, note)
    classes = pd.Series(classed.labels.to_numpy(), index=frame["ward_code"].to_numpy(),
                        name="class").rename_axis("ward_code")
    return MapResult(figure, [ax], _units_to_floats(classed.bin_units, decimals),
                     legend_labels, classes, drawn, key)


def small_multiples(wards, frames: Mapping[str, Any], *, column: str = "value",
                    title: str = "", scheme: str = "quantiles", k: int = 5,
                    bins: Sequence[float] | None = None, legend_title: str = "",
                    labels: bool = False, note: str | None = None, decimals: int = 1,
                    cmap: str = "YlOrRd", label_size: float = 7,
                    figsize: tuple[float, float] | None = None) -> MapResult:
    """A row of ward maps (e.g. one per quarter or per crime type) sharing one set of classes.

    The classes are computed once from all the maps' values (:func:`shared_bins`) unless
    ``bins`` is given, and one legend serves every map, so a colour means the same range on
    each: the first class starts at the lowest value on any of the maps and the class holding
    the highest ends there. The legend shows "0" and "No data" if any map has them. Each map
    has its own scale bar and north arrow; with ``labels=True`` every map is numbered and one
    key under the row names the wards.

    Parameters
    ----------
    wards : GeoDataFrame
        ``ward_code, ward_name, geometry``.
    frames : dict
        Map title -> values (a DataFrame with ``ward_code`` and ``column``, or a Series by
        ward code), drawn left to right in order.
    column, title, scheme, k, bins, legend_title, labels, note, decimals, cmap, label_size
        As for :func:`ward_choropleth`; ``title`` heads the whole figure.
    figsize : (float, float), optional
        Size in inches.

    Returns
    -------
    MapResult
        ``axes`` one per map; ``classes`` a DataFrame (ward code by map title); ``n_drawn``
        the wards drawn on each map.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> wards = gpd.GeoDataFrame({"ward_code": ["A", "B"], "ward_name": ["Ash", "Beech"]},
    ...                          geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], crs=27700)
    >>> before = pd.Series({"A": 2, "B": 8})
    >>> after = pd.Series({"A": 0, "B": 20})
    >>> result = small_multiples(wards, {"2022": before, "2023": after}, k=2, decimals=0,
    ...                          scheme="equal_interval")
    >>> result.bins, result.legend_labels
    ([11.0, 20.0], ['0', '2 to 11', '12 to 20'])
    >>> result.classes.loc["B"].tolist()
    ['2 to 11', '12 to 20']
    """
    decimals = _check_decimals(decimals)
    if not frames:
        raise ValueError("frames must hold at least one map: {title: values}")
    joined = {name: join_values(wards, v, column) for name, v in frames.items()}
    for frame in joined.values():
        _check_non_negative(frame["value"].to_numpy(dtype=float), "small_multiples")
    pooled = _positive_units(np.concatenate([f["value"].to_numpy(dtype=float)
                                             for f in joined.values()]), decimals)
    if bins is None:
        user = _scheme_units(pooled, scheme, k)
    else:
        user = _user_units(bins, decimals)
        if pooled.size and pooled.max() > user[-1]:
            # The top class every map shares, rather than one per map ending at its own maximum.
            user = np.append(user, pooled.max())
    span = (int(pooled.min()), int(pooled.max())) if pooled.size else None
    classed = {name: _classify(f["value"].to_numpy(dtype=float), user, scheme, k, decimals,
                               span)
               for name, f in joined.items()}
    shared = next(iter(classed.values()))
    present = set().union(*(set(c.labels) for c in classed.values()))
    styles = _value_styles(shared.range_labels, present, cmap)

    first = next(iter(joined.values()))
    numbers = _ward_numbers(first) if labels else None
    figure, axes, key_ax = _new_figure(len(joined), figsize, len(first) if labels else 0)
    drawn = 0
    for ax, (name, frame) in zip(axes, joined.items(), strict=True):
        drawn = _draw_categories(ax, frame, classed[name].labels, styles, numbers, label_size)
        ax.set_title(str(name), fontsize=12)
    if title:
        figure.suptitle(title, fontsize=13, x=0.02, ha="left")
    legend_labels = list(styles)
    band = figure.subplotpars.bottom
    figure.legend(handles=[_patch(s) for s in styles.values()], labels=legend_labels,
                  title=legend_title or None, loc="upper center", bbox_to_anchor=(0.5, band),
                  ncols=min(len(styles), 7), frameon=False, fontsize=_LEGEND_SIZE,
                  title_fontsize=_LEGEND_TITLE_SIZE)
    key = None if numbers is None else _key_table(first, numbers)
    if key_ax is not None:
        _draw_key(key_ax, key)
    _credit(figure, note)
    codes = first["ward_code"].to_numpy()
    classes = pd.DataFrame({name: c.labels.to_numpy() for name, c in classed.items()},
                           index=pd.Index(codes, name="ward_code"))
    return MapResult(figure, axes, _units_to_floats(shared.bin_units, decimals), legend_labels,
                     classes, drawn, key)


# ---------------------------------------------------------------------------
# Saving
# ---------------------------------------------------------------------------

# Keys each writer would otherwise fill with the matplotlib version or the time of writing.
_QUIET_METADATA = {
    "png": {"Software": None},
    "pdf": {"Creator": None, "Producer": None, "CreationDate": None},
    "svg": {"Creator": None, "Date": None},
}


def _savefig(figure, target, fmt: str, dpi: int) -> None:
    import matplotlib

    # SVG element ids are random unless salted.
    with matplotlib.rc_context({"svg.hashsalt": "scpb_analysis"}):
        figure.savefig(target, format=fmt, dpi=dpi, metadata=_QUIET_METADATA[fmt],
                       bbox_inches="tight", pad_inches=0.15, facecolor="white")


def save_figure(fig, path: str | Path, dpi: int = 150) -> Path:
    """Write a figure (or a :class:`MapResult`) so that the same map gives the same bytes.

    The format follows the file suffix (``.png``, ``.pdf`` or ``.svg``). Writer metadata
    that would embed the matplotlib version or a timestamp is left out, so re-running a
    quarter's pack only changes files whose maps changed. The folder is created if needed.

    Parameters
    ----------
    fig : matplotlib.figure.Figure or MapResult
    path : str or Path
    dpi : int
        Resolution for PNG (150 suits a slide; 300 for print).

    Returns
    -------
    Path
        The file written.

    Examples
    --------
    >>> import tempfile
    >>> from matplotlib.figure import Figure
    >>> figure = Figure(figsize=(1, 1))
    >>> path = save_figure(figure, Path(tempfile.mkdtemp()) / "blank.png", dpi=20)
    >>> path.read_bytes()[:4] == b"\\x89PNG", b"Software" in path.read_bytes()
    (True, False)
    """
    figure = fig.figure if isinstance(fig, MapResult) else fig
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".") or "png"
    if fmt not in _QUIET_METADATA:
        raise ValueError(f"save_figure writes .png, .pdf or .svg files; got {path.name!r}")
    path.parent.mkdir(parents=True, exist_ok=True)
    _savefig(figure, path, fmt, dpi)
    return path


#: Fill colour and legend wording of each label :func:`hotspot_map` knows.
HOTSPOT_COLOURS: dict[str, tuple[str, str]] = {
    HOT: ("#d7301f", "Hot spot"),
    COLD: ("#2b8cbe", "Cold spot"),
    "HH": ("#d7301f", "High among high (HH)"),
    "HL": ("#fc9272", "High among low (HL)"),
    "LH": ("#9ecae1", "Low among high (LH)"),
    "LL": ("#2b8cbe", "Low among low (LL)"),
    NOT_SIGNIFICANT: ("#e6e6e6", "Not significant"),
}
# Colours for labels a caller invents (e.g. "hot spot 99%"), in order of first appearance.
_SPARE_COLOURS = ("#984ea3", "#ff7f00", "#4daf4a", "#a65628", "#f781bf", "#ffff33")


def hotspot_map(wards, table: pd.DataFrame, label_column: str = "hotspot", *,
                title: str = "", legend_title: str = "", labels: bool = True, ax=None,
                note: str | None = None, label_size: float = 8,
                figsize: tuple[float, float] | None = None,
                colours: dict[str, tuple[str, str]] | None = None) -> MapResult:
    """Map of hot spots (or Moran clusters), one fixed colour per label, with ward counts.

    Hot spots are red, cold spots blue, not significant light grey (see
    :data:`HOTSPOT_COLOURS`; for Moran clusters pass ``label_column="cluster"``). Wards
    missing from ``table`` are drawn as "No data". The legend gives the number of wards in each
    label, e.g. ``"Hot spot (4 wards)"``.

    Parameters
    ----------
    wards : GeoDataFrame
        ``ward_code, ward_name, geometry``.
    table : DataFrame
        ``ward_code`` and ``label_column``, e.g. from :func:`getis_ord_hotspots`.
    label_column : str
        The column of labels to draw.
    title, legend_title, labels, ax, label_size, figsize
        As for :func:`~scpb_analysis.charts.maps.ward_choropleth`.
    note : str, optional
        After the credit line; by default the table's ``method``, so the map says how the
        hot spots were found.
    colours : dict, optional
        Label -> ``(fill colour, legend words)``, in legend order, for labels other than
        :data:`HOTSPOT_COLOURS`' (e.g. hot-spot persistence classes).

    Returns
    -------
    MapResult
        ``classes`` holds each ward's label; ``bins`` is empty; ``key`` the ward numbers.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> wards = gpd.GeoDataFrame({"ward_code": ["A", "B", "C"], "ward_name": ["A", "B", "C"]},
    ...                          geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(2, 0, 3, 1)],
    ...                          crs=27700)
    >>> table = pd.DataFrame({"ward_code": ["A", "B"], "hotspot": ["hot spot", "not significant"]})
    >>> hotspot_map(wards, table).legend_labels
    ['Hot spot (1 ward)', 'Not significant (1 ward)', 'No data (1 ward)']
    """
    for needed in ("ward_code", label_column):
        if needed not in table.columns:
            raise ValueError(f"table must have a '{needed}' column; got {list(table.columns)}")
    codes = table["ward_code"].astype(str)
    if codes.duplicated().any():
        raise ValueError(f"table has more than one row for ward_code "
                         f"{codes[codes.duplicated()].iloc[0]!r}")
    lookup = pd.Series(table[label_column].astype(object).to_numpy(), index=codes.to_numpy())
    frame = ward_frame(wards)
    drawn_labels = frame["ward_code"].map(lookup)
    drawn_labels = drawn_labels.where(drawn_labels.notna(), NO_DATA_LABEL).astype(str)

    known = colours if colours is not None else HOTSPOT_COLOURS
    present = list(dict.fromkeys(drawn_labels))
    order = [lab for lab in known if lab in present]
    order += sorted(lab for lab in present if lab not in known and lab != NO_DATA_LABEL)
    styles: dict[str, dict[str, Any]] = {}
    display: dict[str, str] = {}
    spare = iter(_SPARE_COLOURS * (1 + len(order) // len(_SPARE_COLOURS)))
    for lab in order:
        colour, words = known.get(lab, (next(spare), lab[:1].upper() + lab[1:]))
        styles[lab] = {"facecolor": colour}
        display[lab] = words
    if NO_DATA_LABEL in present:
        styles[NO_DATA_LABEL] = dict(_NO_DATA_STYLE)
        display[NO_DATA_LABEL] = NO_DATA_LABEL

    numbers = _ward_numbers(frame) if labels else None
    key_ax = None
    if ax is None:
        figure, axes, key_ax = _new_figure(1, figsize, len(frame) if labels else 0)
        ax = axes[0]
    else:
        figure = ax.figure
    drawn = _draw_categories(ax, frame, drawn_labels.reset_index(drop=True), styles, numbers,
                             label_size)
    if title:
        ax.set_title(title, fontsize=13, loc="left")
    counts = drawn_labels.value_counts()
    legend_labels = [f"{display[lab]} {_count_text(int(counts[lab]))}" for lab in styles]
    ax.legend(handles=[_patch(s) for s in styles.values()], labels=legend_labels,
              title=legend_title or None, loc="upper left", bbox_to_anchor=(1.02, 1.0),
              frameon=False, fontsize=_LEGEND_SIZE, title_fontsize=_LEGEND_TITLE_SIZE,
              alignment="left")
    if note is None and "method" in table.columns and len(table):
        note = str(table["method"].iloc[0])
    key = None if numbers is None else _key_table(frame, numbers)
    if key_ax is not None:
        _draw_key(key_ax, key)
    _credit(figure, note)
    classes = pd.Series(drawn_labels.to_numpy(), index=frame["ward_code"].to_numpy(),
                        name="class").rename_axis("ward_code")
    return MapResult(figure, [ax], [], legend_labels, classes, drawn, key)



# ---------------------------------------------------------------------------
# Interactive map
# ---------------------------------------------------------------------------

#: Tooltip headings for the columns of the pack's ward tables (others: their name in words).
TOOLTIP_LABELS: dict[str, str] = {
    "ward_name": "Ward",
    "ward_code": "Ward code",
    "value": "Value",
    "count": "Offences",
    "population": "Residents",
    "lower": "95% confidence interval, lower",
    "upper": "95% confidence interval, upper",
    "rank": "Rank among the wards (1 = highest rate)",
    "window": "Months",
    "hotspot": "Hot spot",
}


def _tooltip_text(values: pd.Series, decimals: int) -> list[str]:
    def one(v: Any) -> str:
        if v is None or (isinstance(v, float) and not np.isfinite(v)) or v is pd.NA:
            return NO_DATA_LABEL
        if isinstance(v, (bool, np.bool_)):
            return "yes" if v else "no"
        if isinstance(v, (int, np.integer)):
            return f"{int(v):,}"
        if isinstance(v, (float, np.floating)):
            return f"{float(v):,.0f}" if float(v).is_integer() and decimals == 0 else (
                f"{float(v):,.{decimals}f}")
        return str(v)

    return [one(v) for v in values.astype(object)]


def _fixed_ids(element, counter: list[int] | None = None) -> None:
    """Name every element by its place in the tree: folium's random ids would make each
    run's HTML differ."""
    counter = [0] if counter is None else counter
    counter[0] += 1
    element._id = f"{counter[0]:08d}"
    for child in list(element._children.values()):
        _fixed_ids(child, counter)


@dataclass(frozen=True, eq=False)
class InteractiveMap:
    """A web map for the page: displays in a notebook as HTML; its text form is fixed.

    Attributes
    ----------
    map : folium.Map
        The map itself, to add layers to or save (``.save("map.html")``).
    title : str
    """

    map: Any
    title: str = ""

    def render(self) -> str:
        """The map as a complete HTML page (the same map gives the same text)."""
        return self.map.get_root().render()

    def _repr_html_(self) -> str:
        # Folium's placeholder speaks to a notebook user; the pack's reader sees it only when
        # the map's library and tiles cannot load, so it says that instead.
        return self.map._repr_html_().replace(
            "Make this Notebook Trusted to load map: File -&gt; Trust Notebook",
            "The interactive map loads its library and map tiles from the internet; "
            "without a connection only the static map above is shown.")

    def __repr__(self) -> str:
        # Not folium's default, which holds a memory address that changes on every run.
        return f"Interactive ward map{': ' + self.title if self.title else ''}"


def interactive_ward_map(wards, values, *, column: str = "value", title: str = "",
                         tooltip_columns: Sequence[str] = ("ward_name", "value"),
                         tooltip_labels: Mapping[str, str] | None = None, decimals: int = 2,
                         cmap: str = "YlOrRd", height: int = 560) -> InteractiveMap:
    """A zoomable web map of one value per ward, giving each ward's figures on hover.

    Built with :meth:`geopandas.GeoDataFrame.explore` (folium and Leaflet; the page loads
    Leaflet and the background map from the web). Wards are shaded on a continuous scale of
    ``column``; a ward with no value is grey. The tooltip shows ``tooltip_columns`` under
    plain-English headings (:data:`TOOLTIP_LABELS`, overridden by ``tooltip_labels``), never
    the tables' column names. Element ids are fixed, so the same map gives the same HTML.

    Parameters
    ----------
    wards : GeoDataFrame
        ``ward_code, ward_name, geometry``.
    values : DataFrame or Series
        ``ward_code`` and ``column`` (and any other tooltip columns); or a Series by ward
        code.
    column : str
        The value that shades the wards.
    title : str
        Shown over the top of the map; leave empty when the page prints a heading.
    tooltip_columns : sequence of str
        Columns shown on hover, in order: ``ward_name``, ``ward_code``, ``column`` or any
        other column of ``values``.
    tooltip_labels : dict, optional
        Heading for a column, e.g. ``{"value": "Offences per 1,000 residents"}``; the heading
        of ``column`` is also the colour scale's caption.
    decimals : int
        Decimal places of fractional numbers in the tooltip.
    cmap : str
        A sequential matplotlib colour map.
    height : int
        Height of the map in pixels.

    Returns
    -------
    InteractiveMap
        Displays in a notebook as HTML; ``.render()`` gives the page, ``.map`` the
        ``folium.Map``.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> wards = gpd.GeoDataFrame({"ward_code": ["A", "B"], "ward_name": ["Ash", "Beech"]},
    ...                          geometry=[box(530000, 180000, 531000, 181000),
    ...                                    box(531000, 180000, 532000, 181000)], crs=27700)
    >>> rates = pd.DataFrame({"ward_code": ["A", "B"], "value": [2.5, 7.25]})
    >>> m = interactive_ward_map(wards, rates, tooltip_labels={"value": "Rate per 1,000"})
    >>> html = m.render()
    >>> "Beech" in html and "7.25" in html and "Rate per 1,000" in html
    True
    >>> m
    Interactive ward map
    """
    import html as html_text

    import folium

    decimals = _check_decimals(decimals)
    headings = {**TOOLTIP_LABELS, **(tooltip_labels or {})}
    if column not in headings:
        headings[column] = column.replace("_", " ").capitalize()
    frame = join_values(wards, values, column)
    extra = values.set_index(values["ward_code"].astype(str)) if isinstance(
        values, pd.DataFrame) else None
    shown = frame[["geometry"]].copy()
    shown["shade"] = frame["value"].to_numpy(dtype=float)
    tips, aliases = [], []
    for i, name in enumerate(tooltip_columns):
        if name in ("ward_name", "ward_code"):
            data = frame[name]
        elif name == column:
            data = frame["value"]
        elif extra is not None and name in extra.columns:
            data = frame["ward_code"].map(extra[name])
        else:
            raise ValueError(f"tooltip column {name!r} is not ward_name, ward_code, {column!r} "
                             "or a column of values")
        shown[f"tip{i}"] = _tooltip_text(pd.Series(data.to_numpy()), decimals)
        tips.append(f"tip{i}")
        aliases.append(headings.get(name, name.replace("_", " ").capitalize()))
    shaded = bool(np.isfinite(shown["shade"]).any())
    m = shown.explore(
        column="shade" if shaded else None, cmap=cmap, color=None if shaded else "#a6a6a6",
        tooltip=tips, tooltip_kwds={"aliases": aliases, "localize": False}, popup=False,
        legend=shaded, legend_kwds={"caption": headings[column]},
        missing_kwds={"color": _NO_DATA_STYLE["facecolor"], "label": NO_DATA_LABEL},
        style_kwds={"color": _OUTLINE, "weight": 1, "fillOpacity": 0.75},
        tiles="OpenStreetMap", height=height)
    box_style = ("position:absolute;z-index:1000;background:rgba(255,255,255,0.85);"
                 "padding:2px 6px;font-family:sans-serif;")
    root = m.get_root().html
    if title:
        root.add_child(folium.Element(
            f'<div style="{box_style}top:8px;left:56px;font-size:16px;font-weight:bold">'
            f"{html_text.escape(title)}</div>"))
    root.add_child(folium.Element(
        f'<div style="{box_style}bottom:4px;left:4px;font-size:11px">'
        f"{html_text.escape(CREDIT)}</div>"))
    _fixed_ids(m.get_root())
    return InteractiveMap(m, title)
