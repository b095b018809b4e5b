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
* **The credit line is always drawn**: "Contains OS data © Crown copyright and database
  right", followed by an optional note (the population source of a rate, the police.uk
  snap-point caveat, the hot-spot method).

Figures are made with :class:`matplotlib.figure.Figure` directly rather than through pyplot, so
building a pack of many maps does not accumulate open pyplot figures and nothing depends on
the interactive backend; pass ``ax=`` to draw into a figure of your own instead.
"""

from __future__ import annotations

import textwrap
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
    "hotspot_map",
    "CREDIT",
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
    """

    figure: Any
    axes: list
    bins: list[float]
    legend_labels: list[str]
    classes: pd.Series | pd.DataFrame
    n_drawn: int

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


def _range_labels(bin_units: np.ndarray, decimals: int) -> list[str]:
    labels = []
    lower = 1  # the smallest positive value at this precision; 0 has its own class
    for upper in bin_units:
        low, high = _format_units(lower, decimals), _format_units(int(upper), decimals)
        labels.append(low if lower == upper else f"{low} to {high}")
        lower = int(upper) + 1
    return labels


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


def _classify(raw: np.ndarray, bin_units: np.ndarray | None, scheme: str, k: int,
              decimals: int) -> _Classed:
    import mapclassify

    missing = ~np.isfinite(raw)
    zero = ~missing & (raw == 0)
    positive = ~missing & ~zero
    units = _to_units(raw[positive], decimals)
    # A positive value that rounds to 0 still belongs with the smallest positive values.
    units = np.maximum(units, 1)
    if bin_units is None:
        bin_units = _scheme_units(units, scheme, k)
    labels = np.full(raw.shape, NO_DATA_LABEL, dtype=object)
    labels[zero] = ZERO_LABEL
    if units.size:
        classifier = mapclassify.UserDefined(units, bin_units)
        # UserDefined adds a top class when values exceed the last limit given.
        bin_units = np.asarray(classifier.bins).astype(np.int64)
        ranges = _range_labels(bin_units, decimals)
        labels[positive] = [ranges[i] for i in classifier.yb]
    else:
        ranges = _range_labels(bin_units, decimals)
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
                     labels_on: bool, label_size: float) -> int:
    """Fill each ward in its category's style, outline all wards, optionally name them."""
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
    if labels_on:
        _label_wards(ax, frame, label_size)
    ax.set_axis_off()
    ax.set_aspect("equal")
    return drawn


def _label_wards(ax, frame, size: float) -> None:
    from matplotlib import patheffects

    halo = [patheffects.withStroke(linewidth=1.8, foreground="white")]
    points = frame.geometry.representative_point()
    for name, point in zip(frame["ward_name"], points, strict=True):
        text = ax.text(point.x, point.y, textwrap.fill(str(name), 14), fontsize=size,
                       ha="center", va="center", color="#252525", path_effects=halo,
                       gid=_LABEL_GID)
        text.set_clip_on(True)


def _credit(figure, note: str | None) -> None:
    """Write the credit line (replacing an earlier one, e.g. when maps share a figure)."""
    for text in list(figure.texts):
        if text.get_gid() == _CREDIT_GID:
            text.remove()
    line = CREDIT if not note else f"{CREDIT}. {note}"
    figure.text(0.01, 0.005, line, fontsize=7, color="#4d4d4d", ha="left", va="bottom",
                wrap=True, gid=_CREDIT_GID)


def _new_figure(ncols: int, figsize: tuple[float, float] | None):
    from matplotlib.figure import Figure

    size = figsize or ((7.5, 7.0) if ncols == 1 else (4.2 * ncols, 5.0))
    figure = Figure(figsize=size)
    axes = list(figure.subplots(1, ncols, squeeze=False)[0])
    bottom = 0.06 if ncols == 1 else 0.2
    figure.subplots_adjust(left=0.02, right=0.72 if ncols == 1 else 0.98, top=0.9,
                           bottom=bottom, wspace=0.04)
    return figure, axes


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
                    label_size: float = 6, figsize: tuple[float, float] | None = None,
                    ) -> MapResult:
    """Classed map of one value (a count or a rate) per ward.

    Parameters
    ----------
    wards : GeoDataFrame
        ``ward_code, ward_name, geometry`` (as :func:`~scpb_analysis.sources.boundaries.
        load_wards` returns). Every ward is drawn.
    values : DataFrame or Series
        ``ward_code`` and ``column``; or a Series indexed by ward code. Wards missing here,
        or with a missing value, are drawn as "No data". Counts and rates only: negative
        values are refused.
    column : str
        The value column in ``values``.
    title, legend_title : str
        Map title and legend heading (say what is mapped and its unit, e.g. "per 1,000").
    scheme : str
        How positive values are cut into classes: one of :data:`SCHEMES`. Ignored if
        ``bins`` is given.
    k : int
        Number of positive classes (zero and no data are extra classes).
    bins : list of float, optional
        Class upper limits to use instead of ``scheme``; use :func:`shared_bins` to make
        several maps comparable. A top class is added if values exceed the last limit.
    labels : bool
        Write ward names at a point inside each ward.
    ax : matplotlib Axes, optional
        Draw into this Axes (its figure gets the credit line); otherwise a new figure.
    note : str, optional
        Added after the credit line, e.g. the population source of a rate.
    decimals : int
        Precision of values and legend labels (0 for counts).
    show_counts : bool
        Add the number of wards to each legend entry, e.g. ``"5 to 9 (6 wards)"``.
    cmap : str
        A sequential matplotlib colour map for the positive classes.
    label_size : float
        Font size of ward names.
    figsize : (float, float), optional
        Size in inches of a new figure.

    Returns
    -------
    MapResult
        The figure and what it shows; ``classes`` holds the class label of each ward.

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
    ['0 (1 ward)', '1 to 5 (1 ward)', '6 to 15 (1 ward)', 'No data (1 ward)']
    >>> result.classes.to_dict()
    {'A': '0', 'B': '1 to 5', 'C': '6 to 15', 'D': 'No data'}
    >>> result.n_drawn
    4
    """
    decimals = _check_decimals(decimals)
    frame = join_values(wards, values, column)
    raw = frame["value"].to_numpy(dtype=float)
    _check_non_negative(raw, "ward_choropleth")
    user = None if bins is None else _user_units(bins, decimals)
    classed = _classify(raw, user, scheme, k, decimals)
    present = set(classed.labels)
    styles = _value_styles(classed.range_labels, present, cmap)

    if ax is None:
        figure, axes = _new_figure(1, figsize)
        ax = axes[0]
    else:
        figure = ax.figure
    drawn = _draw_categories(ax, frame, classed.labels, styles, labels, label_size)
    if title:
        ax.set_title(title, fontsize=12, loc="left")
    counts = classed.labels.value_counts()
    legend_labels = [f"{label} {_count_text(int(counts.get(label, 0)))}" if show_counts
                     else label for label in styles]
    ax.legend(handles=[_patch(s) for s in styles.values()], labels=legend_labels,
              title=legend_title or None, loc="upper left", bbox_to_anchor=(1.0, 1.0),
              frameon=False, fontsize=8, title_fontsize=9, alignment="left")
    _credit(figure, note)
    classes = pd.Series(classed.labels.to_numpy(), index=frame["ward_code"].to_numpy(),
                        name="class").rename_axis("ward_code")
    return MapResult(figure, [ax], _units_to_floats(classed.bin_units, decimals),
                     legend_labels, classes, drawn)


def small_multiples(wards, frames: Mapping[str, Any], *, column: str = "value",
                    title: str = "", scheme: str = "quantiles", k: int = 5,
                    bins: Sequence[float] | None = None, legend_title: str = "",
                    labels: bool = False, note: str | None = None, decimals: int = 1,
                    cmap: str = "YlOrRd", label_size: float = 5,
                    figsize: tuple[float, float] | None = None) -> MapResult:
    """A row of ward maps (e.g. one per quarter or per crime type) sharing one set of classes.

    The classes are computed once from all the maps' values (:func:`shared_bins`) unless
    ``bins`` is given, and one legend serves every map, so a colour means the same range on
    each. The legend shows "0" and "No data" if any map has them.

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
    ([11.0, 20.0], ['0', '1 to 11', '12 to 20'])
    >>> result.classes.loc["B"].tolist()
    ['1 to 11', '12 to 20']
    """
    decimals = _check_decimals(decimals)
    if not frames:
        raise ValueError("frames must hold at least one map: {title: values}")
    joined = {name: join_values(wards, v, column) for name, v in frames.items()}
    for frame in joined.values():
        _check_non_negative(frame["value"].to_numpy(dtype=float), "small_multiples")
    if bins is None:
        pooled = np.concatenate([f["value"].to_numpy(dtype=float) for f in joined.values()])
        positive = pooled[np.isfinite(pooled) & (pooled > 0)]
        user = _scheme_units(np.maximum(_to_units(positive, decimals), 1), scheme, k)
    else:
        user = _user_units(bins, decimals)
    classed = {name: _classify(f["value"].to_numpy(dtype=float), user, scheme, k, decimals)
               for name, f in joined.items()}
    # A map whose values pass the last shared limit gets an extra top class; take the widest
    # set so every map's classes appear in the one legend.
    widest = max(classed.values(), key=lambda c: len(c.bin_units))
    present = set().union(*(set(c.labels) for c in classed.values()))
    styles = _value_styles(widest.range_labels, present, cmap)

    figure, axes = _new_figure(len(joined), figsize)
    drawn = 0
    for ax, (name, frame) in zip(axes, joined.items(), strict=True):
        drawn = _draw_categories(ax, frame, classed[name].labels, styles, labels, label_size)
        ax.set_title(str(name), fontsize=10)
    if title:
        figure.suptitle(title, fontsize=12, x=0.02, ha="left")
    legend_labels = list(styles)
    figure.legend(handles=[_patch(s) for s in styles.values()], labels=legend_labels,
                  title=legend_title or None, loc="lower center", bbox_to_anchor=(0.5, 0.05),
                  ncols=min(len(styles), 7), frameon=False, fontsize=8, title_fontsize=9)
    _credit(figure, note)
    codes = next(iter(joined.values()))["ward_code"].to_numpy()
    classes = pd.DataFrame({name: c.labels.to_numpy() for name, c in classed.items()},
                           index=pd.Index(codes, name="ward_code"))
    return MapResult(figure, axes, _units_to_floats(widest.bin_units, decimals), legend_labels,
                     classes, drawn)


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
                note: str | None = None, label_size: float = 6,
                figsize: tuple[float, float] | None = None) -> MapResult:
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

    Returns
    -------
    MapResult
        ``classes`` holds each ward's label; ``bins`` is empty.

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

    present = list(dict.fromkeys(drawn_labels))
    order = [lab for lab in HOTSPOT_COLOURS if lab in present]
    order += sorted(lab for lab in present if lab not in HOTSPOT_COLOURS and
                    lab != NO_DATA_LABEL)
    styles: dict[str, dict[str, Any]] = {}
    display: dict[str, str] = {}
    spare = iter(_SPARE_COLOURS * (1 + len(order) // len(_SPARE_COLOURS)))
    for lab in order:
        colour, words = HOTSPOT_COLOURS.get(lab, (next(spare), lab[:1].upper() + lab[1:]))
        styles[lab] = {"facecolor": colour}
        display[lab] = words
    if NO_DATA_LABEL in present:
        styles[NO_DATA_LABEL] = dict(_NO_DATA_STYLE)
        display[NO_DATA_LABEL] = NO_DATA_LABEL

    if ax is None:
        figure, axes = _new_figure(1, figsize)
        ax = axes[0]
    else:
        figure = ax.figure
    drawn = _draw_categories(ax, frame, drawn_labels.reset_index(drop=True), styles, labels,
                             label_size)
    if title:
        ax.set_title(title, fontsize=12, loc="left")
    counts = drawn_labels.value_counts()
    legend_labels = [f"{display[lab]} {_count_text(int(counts[lab]))}" for lab in styles]
    ax.legend(handles=[_patch(s) for s in styles.values()], labels=legend_labels,
              title=legend_title or None, loc="upper left", bbox_to_anchor=(1.0, 1.0),
              frameon=False, fontsize=8, title_fontsize=9, alignment="left")
    if note is None and "method" in table.columns and len(table):
        note = str(table["method"].iloc[0])
    _credit(figure, note)
    classes = pd.Series(drawn_labels.to_numpy(), index=frame["ward_code"].to_numpy(),
                        name="class").rename_axis("ward_code")
    return MapResult(figure, [ax], [], legend_labels, classes, drawn)

