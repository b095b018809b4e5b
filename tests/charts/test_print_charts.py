"""Charts and maps for print and screen (issue 16 point 4): scale bar, north arrow, numbered
wards with their key, legend classes from the lowest to the highest value, page-wide trend
charts with the last month labelled and series breaks drawn, and the interactive ward map."""

from __future__ import annotations

import re
import warnings

import geopandas as gpd
import matplotlib
import numpy as np
import pandas as pd
import pytest
from conftest import SHARED_DATA
from shapely.geometry import Point, box

from scpb_analysis.charts.maps import (
    NO_DATA_LABEL,
    ZERO_LABEL,
    hotspot_map,
    interactive_ward_map,
    small_multiples,
    ward_choropleth,
)

matplotlib.use("Agg")

NAMES = ["Oak", "Ash", "Yew", "Elm", "Fir", "Box", "Bay", "Lime", "Holly", "Pine", "Rowan",
         "Hazel"]


@pytest.fixture
def wards():
    """Twelve wards of unequal size (4 x 3 cells of 1.5 km by 1 km) in British National Grid,
    named out of alphabetical order so the numbering is not just the row order."""
    x0, y0 = 520_000, 180_000
    cells = [box(x0 + c * 1500, y0 + r * 1000, x0 + (c + 1) * 1500, y0 + (r + 1) * 1000)
             for r in range(3) for c in range(4)]
    return gpd.GeoDataFrame({"ward_code": [f"E0500{i:04d}" for i in range(12)],
                             "ward_name": NAMES}, geometry=cells, crs=27700)


@pytest.fixture
def rates(wards):
    rng = np.random.default_rng(16)
    return pd.DataFrame({"ward_code": wards["ward_code"],
                         "value": rng.uniform(2.76, 41.3, len(wards)).round(3)})


def _scale_bar(ax):
    (bar,) = [a for a in ax.artists if a.get_gid() == "scpb-scale-bar"]
    rectangle = bar.size_bar.get_children()[0]
    return bar.txt_label.get_text(), rectangle.get_width()


def _label_metres(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+) (km|m)", text).groups()
    return float(number) * (1000 if unit == "km" else 1)


def _check_scale_bar(result, frame) -> None:
    minx, _, maxx, _ = frame.total_bounds
    width = maxx - minx   # metres: both frames here are in EPSG:27700
    for ax in result.axes:
        text, drawn = _scale_bar(ax)
        # The label says what is drawn, in the map's own units (metres).
        assert _label_metres(text) == pytest.approx(drawn)
        assert 1 / 8 <= drawn / width <= 1 / 3
        # A round length: 1, 2 or 5 times a power of ten.
        mantissa = drawn / 10 ** np.floor(np.log10(drawn))
        assert min(abs(mantissa - m) for m in (1, 2, 5)) < 1e-9
        north = [t for t in ax.texts if t.get_gid() == "scpb-north-arrow"]
        assert [t.get_text() for t in north if t.get_text()] == ["N"]


def _numbers_on_map(ax) -> dict[int, tuple[float, float]]:
    texts = [t for t in ax.texts if t.get_gid() == "scpb-ward-label"]
    return {int(t.get_text()): t.get_position() for t in texts}


def _key_drawn(figure) -> list[tuple[int, str]]:
    (key_ax,) = [a for a in figure.axes if a.get_gid() == "scpb-ward-key"]
    numbers = [int(t.get_text()) for t in key_ax.texts if t.get_gid() == "scpb-ward-key-number"]
    names = [t.get_text() for t in key_ax.texts if t.get_gid() == "scpb-ward-key-name"]
    return list(zip(numbers, names, strict=True))


def _check_numbers(result, frame) -> None:
    key = result.key
    # Every ward once, numbered 1..n in alphabetical order of name.
    assert sorted(key["ward_code"]) == sorted(frame["ward_code"])
    assert key["number"].tolist() == list(range(1, len(frame) + 1))
    assert key["ward_name"].tolist() == sorted(frame["ward_name"], key=str.casefold)
    assert _key_drawn(result.figure) == list(zip(key["number"], key["ward_name"], strict=True))
    polygons = frame.set_index("ward_code").geometry
    for ax in result.axes:
        placed = _numbers_on_map(ax)
        assert sorted(placed) == key["number"].tolist()
        for number, code in zip(key["number"], key["ward_code"], strict=True):
            assert polygons[code].contains(Point(placed[number]))


def _legend_font_sizes(legend) -> list[float]:
    texts = list(legend.get_texts()) + ([legend.get_title()] if legend.get_title().get_text()
                                         else [])
    return [t.get_fontsize() for t in texts]


def test_choropleth_scale_bar_north_arrow_and_numbered_wards(wards, rates):
    result = ward_choropleth(wards, rates, legend_title="per 1,000 residents", decimals=1)
    _check_scale_bar(result, wards)
    _check_numbers(result, wards)
    assert min(_legend_font_sizes(result.ax.get_legend())) >= 10
    # No title unless asked: the notebook's heading names the map.
    assert result.ax.get_title(loc="left") == result.ax.get_title() == ""
    titled = ward_choropleth(wards, rates, title="Burglary")
    assert titled.ax.get_title(loc="left") == "Burglary"


def test_scale_bar_follows_the_extent(rates):
    # 60 km across: the bar is a round number of km near a fifth of it.
    wide = gpd.GeoDataFrame({"ward_code": ["A", "B"], "ward_name": ["A", "B"]},
                            geometry=[box(400_000, 100_000, 430_000, 140_000),
                                      box(430_000, 100_000, 460_000, 140_000)], crs=27700)
    result = ward_choropleth(wide, pd.Series({"A": 1.0, "B": 2.0}))
    _check_scale_bar(result, wide)
    assert _scale_bar(result.ax)[0] == "10 km"


def test_wards_without_a_crs_or_in_degrees_get_no_wrong_scale_bar(wards, rates):
    with pytest.raises(ValueError, match="no coordinate reference system"):
        ward_choropleth(wards.set_crs(None, allow_override=True), rates)
    # Degrees are projected to British National Grid before drawing (ward_frame), so the
    # bar is the same as for the wards in metres.
    result = ward_choropleth(wards.to_crs(4326), rates)
    assert _scale_bar(result.ax)[0] == _scale_bar(ward_choropleth(wards, rates).ax)[0]


def test_legend_classes_run_from_the_lowest_to_the_highest_value(wards, rates):
    for scheme in ("quantiles", "equal_interval", "fisher_jenks", "natural_breaks"):
        result = ward_choropleth(wards, rates, scheme=scheme, k=4, decimals=1)
        positive = [lab for lab in result.legend_labels if lab not in (ZERO_LABEL,
                                                                        NO_DATA_LABEL)]
        low = positive[0].split(" to ")[0]
        high = positive[-1].split(" to ")[-1]
        assert low == f"{rates['value'].min():,.1f}"
        assert high == f"{rates['value'].max():,.1f}"


def test_legend_with_user_bins_starts_at_the_lowest_and_stops_at_the_highest(wards):
    values = pd.Series(dict(zip(wards["ward_code"], [0, 2.76, 3.1, 5, 6, 7, 8, 9, 10, 11,
                                                     12, 13.4], strict=True)))
    result = ward_choropleth(wards, values, bins=[3.3, 8, 20], decimals=1)
    assert result.legend_labels == ["0", "2.8 to 3.3", "3.4 to 8.0", "8.1 to 13.4"]
    assert result.bins == [3.3, 8.0, 20.0]


def test_small_multiples_share_classes_from_the_lowest_over_all_maps(wards, rates):
    later = rates.assign(value=rates["value"] * 1.7)
    result = small_multiples(wards, {"Before": rates, "After": later}, k=4, decimals=1,
                             labels=True)
    pooled = pd.concat([rates["value"], later["value"]])
    positive = [lab for lab in result.legend_labels if lab not in (ZERO_LABEL, NO_DATA_LABEL)]
    assert positive[0].split(" to ")[0] == f"{pooled.min():,.1f}"
    assert positive[-1].split(" to ")[-1] == f"{pooled.max():,.1f}"
    assert min(_legend_font_sizes(result.figure.legends[0])) >= 10
    _check_scale_bar(result, wards)
    _check_numbers(result, wards)
    # A map drawn apart with the same classes and range reads the same.
    alone = ward_choropleth(wards, later, bins=result.bins, decimals=1,
                            value_range=(pooled.min(), pooled.max()))
    pd.testing.assert_series_equal(result.classes["After"], alone.classes, check_names=False)
    with pytest.raises(ValueError, match="must hold every positive value"):
        ward_choropleth(wards, later, bins=result.bins, value_range=(5, 10))


def test_hotspot_map_is_printable_too(wards):
    table = pd.DataFrame({"ward_code": wards["ward_code"],
                          "hotspot": ["hot spot"] * 3 + ["not significant"] * 9})
    result = hotspot_map(wards, table)
    _check_scale_bar(result, wards)
    _check_numbers(result, wards)
    assert min(_legend_font_sizes(result.ax.get_legend())) >= 10


def test_unnumbered_map_has_no_key(wards, rates):
    result = ward_choropleth(wards, rates, labels=False)
    assert result.key is None
    assert not _numbers_on_map(result.ax)
    assert not [a for a in result.figure.axes if a.get_gid() == "scpb-ward-key"]


def test_barnet_wards_numbered_inside_with_a_true_scale_bar():
    if not SHARED_DATA.exists():
        pytest.skip(f"real public data not found at {SHARED_DATA}: this test maps Barnet's "
                    "2022 wards from ../shared/data")
    from scpb_analysis.sources.boundaries import load_wards

    wards = load_wards(SHARED_DATA, "Barnet")
    rate = pd.DataFrame({"ward_code": wards["ward_code"],
                         "value": wards.geometry.area / 1e6 + 2.76})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = ward_choropleth(wards, rate, legend_title="per 1,000 residents")
        result._repr_png_()
    assert wards.crs.to_epsg() == 27700
    _check_scale_bar(result, wards)
    _check_numbers(result, wards)
    assert len(result.key) == 24
    assert result.legend_labels[0].split(" to ")[0] == f"{rate['value'].min():,.1f}"


# ---------------------------------------------------------------------------
# Trend charts
# ---------------------------------------------------------------------------


def _xmr_trend(last: str, months: int):
    from scpb_analysis.stats.spc import xmr

    index = pd.period_range(end=last, periods=months, freq="M")
    counts = np.random.default_rng(4).poisson(100, months)
    return xmr(pd.Series(counts, index=index)), index


def _ward_trend(last: str, months: int):
    index = pd.period_range(end=last, periods=months, freq="M")
    rng = np.random.default_rng(5)
    return pd.DataFrame({"month": index.astype(str), "robbery": rng.poisson(4, months),
                         "residential_burglary": rng.poisson(7, months)}), index


def _draw(kind: str, last: str, months: int, **kwargs):
    from scpb_analysis.blocks.dashboard import trend_chart
    from scpb_analysis.blocks.ward_report import ward_trend_chart

    if kind == "dashboard":
        trend, index = _xmr_trend(last, months)
        return trend_chart(trend, "Residential burglary: monthly offences", **kwargs), index
    trend, index = _ward_trend(last, months)
    return ward_trend_chart(trend, "Hendon: monthly offences", **kwargs), index


@pytest.mark.parametrize("kind", ["dashboard", "ward"])
@pytest.mark.parametrize(("last", "months"), [("2024-05", 36), ("2023-05", 24),
                                              ("2023-11", 13), ("2023-05", 7)])
def test_trend_chart_labels_the_last_month_and_is_page_wide(kind, last, months):
    fig, index = _draw(kind, last, months, area="Barnet")
    ax = fig.axes[0]
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert ticks[-1] == index[-1].strftime("%b %Y")
    # Ticks evenly spaced, counted back from the last month.
    positions = list(ax.get_xticks())
    assert positions[-1] == len(index) - 1
    assert len(set(np.diff(positions))) <= 1
    assert ax.get_xlabel() == "Month"
    assert ax.get_ylabel() == "Offences per month"
    assert ax.get_title(loc="left").startswith("Barnet: ")
    assert fig.get_figwidth() >= 11
    sizes = [t.get_fontsize() for t in ax.get_xticklabels() + ax.get_yticklabels()]
    sizes += [t.get_fontsize() for t in ax.get_legend().get_texts()]
    assert min(sizes) >= 10


@pytest.mark.parametrize("kind", ["dashboard", "ward"])
def test_trend_chart_draws_the_breaks_inside_its_months_only(kind):
    breaks = [("2024-02", "CONNECT, Feb 2024"), (pd.Period("2022-09", "M"), "Vintage seam"),
              ("2021-06", "First month: nothing before it"), ("2020-01", "Before the chart"),
              ("2024-06", "After the chart")]
    fig, index = _draw(kind, "2024-05", 36, breaks=breaks)
    ax = fig.axes[0]
    first, last = index[0], index[-1]
    inside = [(pd.Period(m, "M"), label) for m, label in breaks
              if first < pd.Period(m, "M") <= last]
    lines = [line for line in ax.lines if line.get_gid() == "scpb-series-break"]
    labels = [t.get_text() for t in ax.texts if t.get_gid() == "scpb-series-break-label"]
    assert sorted(labels) == sorted(label for _, label in inside)
    # Each line sits between the month before the break and the break month.
    drawn = sorted(line.get_xdata()[0] for line in lines)
    assert drawn == sorted((m - first).n - 0.5 for m, _ in inside)


def test_trend_chart_title_is_left_alone_when_it_names_the_area():
    fig, _ = _draw("dashboard", "2024-05", 36)
    assert fig.axes[0].get_title(loc="left") == "Residential burglary: monthly offences"
    from scpb_analysis.blocks.dashboard import trend_chart

    trend, _ = _xmr_trend("2024-05", 12)
    fig = trend_chart(trend, "Barnet: knife crime", area="Barnet")
    assert fig.axes[0].get_title(loc="left") == "Barnet: knife crime"


def test_missing_month_is_a_gap_not_a_zero():
    from scpb_analysis.blocks.ward_report import ward_trend_chart

    trend, index = _ward_trend("2023-12", 12)
    fig = ward_trend_chart(trend.drop(index=5), "Gap")
    ax = fig.axes[0]
    line = ax.get_lines()[0]
    assert len(line.get_xdata()) == 12 and np.isnan(line.get_ydata()[5])
    assert ax.get_xticklabels()[-1].get_text() == "Dec 2023"


# ---------------------------------------------------------------------------
# Interactive map
# ---------------------------------------------------------------------------


def test_interactive_map_tooltips_hold_every_ward_in_plain_words(wards, rates):
    table = rates.assign(count=np.arange(len(rates)) * 101, ward_name=NAMES,
                         rank=rates["value"].rank(ascending=False).astype(int))
    table.loc[3, "value"] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m = interactive_ward_map(wards, table, title="Burglary & theft",
                                 tooltip_columns=("ward_name", "value", "count", "rank"),
                                 tooltip_labels={"value": "Offences per 1,000 residents"})
        page = m.render()
    for name in wards["ward_name"]:
        assert f'"{name}"' in page
    for value in table["value"].dropna():
        assert f'"{value:,.2f}"' in page
    assert '"1,111"' in page            # a count, with a thousands separator
    assert f'"{NO_DATA_LABEL}"' in page  # the ward with no value
    assert "Offences per 1,000 residents" in page and "Offences" in page
    assert "Rank among the wards (1 = highest rate)" in page
    assert "Burglary &amp; theft" in page
    assert "Contains OS data" in page
    # Column code names are not shown as tooltip headings.
    aliases = re.search(r"aliases = (\[.*?\]);", page).group(1)
    assert "count" not in aliases and "rank" not in aliases.replace("Rank", "")
    assert "Leaflet" in m._repr_html_() or "leaflet" in m._repr_html_()
    assert repr(m) == "Interactive ward map: Burglary & theft"
    # Same map, same page.
    again = interactive_ward_map(wards, table, title="Burglary & theft",
                                 tooltip_columns=("ward_name", "value", "count", "rank"),
                                 tooltip_labels={"value": "Offences per 1,000 residents"})
    assert again.render() == page


def test_interactive_map_refuses_an_unknown_tooltip_column(wards, rates):
    with pytest.raises(ValueError, match="tooltip column 'colour'"):
        interactive_ward_map(wards, rates, tooltip_columns=("ward_name", "colour"))
