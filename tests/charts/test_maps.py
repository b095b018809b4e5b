"""Ward maps: what the legend says, which class each ward is drawn in, and that it renders."""

from __future__ import annotations

import re
import warnings

import geopandas as gpd
import mapclassify
import matplotlib
import numpy as np
import pandas as pd
import pytest
from conftest import SHARED_DATA
from matplotlib.collections import PatchCollection
from matplotlib.colors import to_hex
from shapely.geometry import box

from scpb_analysis.charts.maps import (
    CREDIT,
    NO_DATA_LABEL,
    ZERO_LABEL,
    save_figure,
    shared_bins,
    small_multiples,
    ward_choropleth,
)

matplotlib.use("Agg")

CODES = [f"E0500{i:04d}" for i in range(1, 10)]
NAMES = ["Ash", "Beech", "Cedar", "Damson", "Elm", "Fir", "Gorse", "Hazel", "Ivy"]


@pytest.fixture
def grid():
    """Nine 1 km square wards in a 3 x 3 block, numbered row by row from the south-west."""
    cells = [box(c * 1000, r * 1000, (c + 1) * 1000, (r + 1) * 1000)
             for r in range(3) for c in range(3)]
    return gpd.GeoDataFrame({"ward_code": CODES, "ward_name": NAMES}, geometry=cells,
                            crs=27700)


@pytest.fixture
def counts():
    """A zero (Ash), eight other counts, and Ivy missing altogether."""
    return pd.DataFrame({"ward_code": CODES[:8], "value": [0, 1, 3, 4, 5, 8, 12, 20]})


def _legend_texts(ax_or_fig):
    legend = ax_or_fig.get_legend() if hasattr(ax_or_fig, "get_legend") else None
    if legend is None:
        legend = ax_or_fig.legends[0]
    return [t.get_text() for t in legend.get_texts()]


def _drawn_polygons(ax):
    """Polygons filled on the Axes (outlines are drawn as lines, so not counted)."""
    return sum(len(c.get_paths()) for c in ax.collections if isinstance(c, PatchCollection))


def _credit_texts(figure):
    return [t.get_text() for t in figure.texts if CREDIT in t.get_text()]


def test_legend_labels_are_plain_ranges_with_zero_and_no_data(grid, counts):
    result = ward_choropleth(grid, counts, bins=[4, 9, 20], decimals=0)
    expected = ["0", "1 to 4", "5 to 9", "10 to 20", "No data"]
    assert result.legend_labels == expected
    assert _legend_texts(result.ax) == expected
    assert result.bins == [4.0, 9.0, 20.0]


def test_zero_ward_and_missing_ward_have_their_own_classes(grid, counts):
    result = ward_choropleth(grid, counts, bins=[4, 9, 20], decimals=0)
    assert result.classes["E05000001"] == ZERO_LABEL
    assert result.classes["E05000009"] == NO_DATA_LABEL
    assert result.classes.to_dict() == dict(zip(CODES, [
        "0", "1 to 4", "1 to 4", "1 to 4", "5 to 9", "5 to 9", "10 to 20", "10 to 20",
        "No data"], strict=True))
    assert result.n_drawn == 9
    assert _drawn_polygons(result.ax) == 9


def test_zero_and_no_data_look_different(grid, counts):
    result = ward_choropleth(grid, counts, bins=[4, 9, 20], decimals=0)
    handles = dict(zip(_legend_texts(result.ax), result.ax.get_legend().legend_handles,
                       strict=True))
    zero, missing = handles["0"], handles["No data"]
    assert zero.get_hatch() and not missing.get_hatch()
    assert to_hex(zero.get_facecolor()) == "#ffffff"
    assert to_hex(missing.get_facecolor()) != to_hex(zero.get_facecolor())
    # ...and the lowest positive class is not white either.
    assert to_hex(handles["1 to 4"].get_facecolor()) != "#ffffff"
    # On the map itself, exactly one polygon is hatched (the zero ward).
    hatched = [c for c in result.ax.collections
               if isinstance(c, PatchCollection) and c.get_hatch()]
    assert sum(len(c.get_paths()) for c in hatched) == 1


def test_nan_value_is_no_data_not_zero(grid):
    values = pd.DataFrame({"ward_code": CODES, "value": [np.nan, 0, 1, 2, 3, 4, 5, 6, 7]})
    result = ward_choropleth(grid, values, k=3, decimals=0)
    assert result.classes["E05000001"] == NO_DATA_LABEL
    assert result.classes["E05000002"] == ZERO_LABEL


def test_class_counts_in_legend(grid, counts):
    result = ward_choropleth(grid, counts, bins=[4, 9, 20], decimals=0, show_counts=True)
    assert result.legend_labels == ["0 (1 ward)", "1 to 4 (3 wards)", "5 to 9 (2 wards)",
                                    "10 to 20 (2 wards)", "No data (1 ward)"]
    # The classes themselves carry no counts, so they can be compared between maps.
    assert result.classes["E05000002"] == "1 to 4"


def test_decimals_thousands_and_no_scientific_notation(grid):
    values = pd.DataFrame({"ward_code": CODES,
                           "value": [0, 0.3, 4.04, 4.05, 9.9, 10, 1234.5, 2_500_000, 77]})
    result = ward_choropleth(grid, values, bins=[4, 9.9, 2_000], decimals=1)
    # The first class starts at the lowest value (0.3), not at 0.1.
    assert result.legend_labels == ["0", "0.3 to 4.0", "4.1 to 9.9", "10.0 to 2,000.0",
                                    "2,000.1 to 2,500,000.0"]
    # 4.04 prints as 4.0 and is in the class that says so; 4.05 prints as 4.1.
    assert result.classes["E05000003"] == "0.3 to 4.0"
    assert result.classes["E05000004"] == "4.1 to 9.9"
    assert not any(re.search(r"\d[eE][+-]?\d", label) for label in result.legend_labels)


def test_every_ward_value_as_printed_lies_in_its_printed_class(grid):
    rng = np.random.default_rng(7)
    values = pd.DataFrame({"ward_code": CODES, "value": rng.gamma(2.0, 30.0, 9).round(3)})
    for scheme in ("quantiles", "equal_interval", "fisher_jenks", "natural_breaks"):
        result = ward_choropleth(grid, values, scheme=scheme, k=4, decimals=1)
        for code, value in zip(values["ward_code"], values["value"], strict=True):
            low, _, high = result.classes[code].partition(" to ")
            shown = round(value + 1e-9, 1)
            assert float(low.replace(",", "")) <= shown <= float((high or low).replace(",", ""))


def test_quantile_classes_match_mapclassify(grid):
    values = pd.DataFrame({"ward_code": CODES, "value": [1, 2, 3, 4, 5, 6, 7, 8, 0]})
    result = ward_choropleth(grid, values, scheme="quantiles", k=4, decimals=0)
    reference = mapclassify.Quantiles(np.arange(1, 9), k=4)
    assert result.bins == np.floor(reference.bins).tolist() == [2.0, 4.0, 6.0, 8.0]
    order = result.legend_labels[1:]  # after "0"
    drawn = [order.index(result.classes[c]) for c in CODES[:8]]
    assert drawn == reference.yb.tolist()


def test_fewer_distinct_values_than_classes_gives_one_class_each_without_warning(grid):
    values = pd.DataFrame({"ward_code": CODES, "value": [1, 1, 2, 2, 2, 5, 5, 5, 5]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = ward_choropleth(grid, values, k=5, decimals=0)
    assert result.legend_labels == ["1", "2", "3 to 5"]


def test_shared_bins_make_small_multiples_comparable(grid):
    before = pd.DataFrame({"ward_code": CODES, "value": [0, 1, 2, 3, 4, 5, 6, 7, 8]})
    after = pd.DataFrame({"ward_code": CODES[1:], "value": [10, 12, 14, 30, 31, 40, 41, 50]})
    bins = shared_bins([before["value"], after["value"]], "quantiles", 4, decimals=0)
    result = small_multiples(grid, {"Before": before, "After": after}, k=4, decimals=0,
                             legend_title="Crimes")
    assert result.bins == bins
    assert len(result.axes) == 2
    # One legend for the figure, none per map; it shows zero and no data (each is in one map).
    assert len(result.figure.legends) == 1
    assert all(ax.get_legend() is None for ax in result.axes)
    assert result.legend_labels[0] == "0" and result.legend_labels[-1] == "No data"
    assert _legend_texts(result.figure) == result.legend_labels
    # Each map classed with the shared limits and the range of all the maps' values is
    # exactly what a single map with them draws.
    pooled = pd.concat([before["value"], after["value"]])
    pooled = pooled[pooled > 0]
    assert result.legend_labels[1].startswith(f"{pooled.min():.0f} to ")
    assert result.legend_labels[-2].endswith(f" to {pooled.max():.0f}")
    for title, values in (("Before", before), ("After", after)):
        alone = ward_choropleth(grid, values, bins=bins, decimals=0,
                                value_range=(pooled.min(), pooled.max()))
        assert alone.bins == bins
        pd.testing.assert_series_equal(result.classes[title], alone.classes,
                                       check_names=False)
    assert result.n_drawn == 9
    assert [_drawn_polygons(ax) for ax in result.axes] == [9, 9]
    assert len(_credit_texts(result.figure)) == 1


def test_png_renders_without_warnings_and_is_reproducible(grid, counts, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = ward_choropleth(grid, counts, title="Burglary, March to May 2023",
                                 legend_title="Offences", bins=[4, 9, 20], decimals=0,
                                 note="Synthetic test values")
        first = save_figure(result, tmp_path / "one.png")
        second = result.save(tmp_path / "nested" / "two.png")
    data = first.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data == second.read_bytes()
    assert b"Software" not in data and b"atplotlib" not in data
    assert result._repr_png_()[:4] == b"\x89PNG"


def test_credit_line_is_always_drawn_with_the_note(grid, counts):
    plain = ward_choropleth(grid, counts, decimals=0)
    assert _credit_texts(plain.figure) == [CREDIT]
    noted = ward_choropleth(grid, counts, decimals=0,
                            note="Rates use ONS mid-2021 population estimates")
    (text,) = _credit_texts(noted.figure)
    assert text.startswith(CREDIT) and text.endswith("ONS mid-2021 population estimates")


def _ward_numbers(ax):
    return [t.get_text() for t in ax.texts if t.get_gid() == "scpb-ward-label"]


def test_ward_labels_follow_the_labels_switch(grid, counts):
    # Wards are numbered on the map, with a key of numbers and names (names overlapped).
    named = ward_choropleth(grid, counts, decimals=0)
    assert sorted(int(n) for n in _ward_numbers(named.ax)) == list(range(1, 10))
    assert named.key["ward_name"].tolist() == sorted(NAMES)
    unnamed = ward_choropleth(grid, counts, decimals=0, labels=False)
    assert _ward_numbers(unnamed.ax) == [] and unnamed.key is None


def test_drawing_into_a_given_axes_keeps_one_credit(grid, counts):
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8, 4))
    left, right = figure.subplots(1, 2)
    ward_choropleth(grid, counts, ax=left, decimals=0)
    result = ward_choropleth(grid, counts, ax=right, decimals=0, note="Right-hand map")
    assert result.figure is figure and result.ax is right
    assert len(_credit_texts(figure)) == 1
    assert _drawn_polygons(left) == _drawn_polygons(right) == 9


def test_natural_breaks_is_repeatable_and_leaves_global_random_state_alone(grid):
    values = pd.DataFrame({"ward_code": CODES, "value": [1, 2, 4, 8, 16, 32, 64, 128, 256]})
    # The legacy global generator is the one scikit-learn's k-means would otherwise consume.
    np.random.seed(99)  # noqa: NPY002
    expected_next = np.random.random()  # noqa: NPY002
    np.random.seed(99)  # noqa: NPY002
    first = ward_choropleth(grid, values, scheme="natural_breaks", k=3, decimals=0)
    assert np.random.random() == expected_next  # noqa: NPY002
    second = ward_choropleth(grid, values, scheme="natural_breaks", k=3, decimals=0)
    assert first.bins == second.bins


def test_values_for_other_wards_are_ignored(grid, counts):
    extra = pd.concat([counts, pd.DataFrame({"ward_code": ["E05999999"], "value": [99]})])
    result = ward_choropleth(grid, extra, bins=[4, 9, 20], decimals=0)
    assert result.legend_labels == ["0", "1 to 4", "5 to 9", "10 to 20", "No data"]


@pytest.mark.parametrize(("values", "message"), [
    (pd.DataFrame({"ward_code": [CODES[0], CODES[0]], "value": [1, 2]}), "more than one row"),
    (pd.DataFrame({"ward_code": [CODES[0]], "value": [-1]}), "0 or more"),
    (pd.DataFrame({"ward_code": [CODES[0]], "count": [1]}), "'value' column"),
])
def test_bad_values_are_refused_plainly(grid, values, message):
    with pytest.raises(ValueError, match=message):
        ward_choropleth(grid, values)


def test_bad_scheme_and_bins_are_refused(grid, counts):
    with pytest.raises(ValueError, match="scheme must be one of"):
        ward_choropleth(grid, counts, scheme="jenks")
    with pytest.raises(ValueError, match="increasing upper limits"):
        ward_choropleth(grid, counts, bins=[9, 4])


def test_barnet_wards_choropleth():
    if not SHARED_DATA.exists():
        pytest.skip(f"real public data not found at {SHARED_DATA}: this test maps Barnet's "
                    "2022 wards from ../shared/data")
    from scpb_analysis.sources.boundaries import load_wards

    wards = load_wards(SHARED_DATA, "Barnet")
    # A made-up rate per ward (from its area), so the test depends on boundaries only.
    rate = pd.DataFrame({"ward_code": wards["ward_code"], "value": wards.geometry.area / 1e5})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = ward_choropleth(wards, rate, title="Barnet", legend_title="per km²",
                                 k=5, show_counts=True)
        result._repr_png_()
    assert result.n_drawn == 24
    assert len(result.bins) == 5 and len(result.legend_labels) == 5
    assert sum(int(re.search(r"\((\d+) wards?\)", lab).group(1))
               for lab in result.legend_labels) == 24
    assert set(result.classes.index) == set(wards["ward_code"])
    assert len(_ward_numbers(result.ax)) == 24
    assert sorted(result.key["ward_name"]) == sorted(wards["ward_name"])
    assert _credit_texts(result.figure) == [CREDIT]
