"""Tables as a board member reads them, and the overview's key messages (issue 16 points 1-2).

Formatting is checked against plain Python formatting of the same values; the key messages
against counts and tests recomputed with scipy from the real Barnet files.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from conftest import SHARED_DATA

from scpb_analysis.blocks.comparison import COMPARISON_COLUMNS, compare_periods
from scpb_analysis.blocks.dashboard import chart_breaks
from scpb_analysis.blocks.overview import check_key_messages, key_messages, overview_html
from scpb_analysis.charts.sparkline import sparkline_svg
from scpb_analysis.pack.page import frame_page, navigation, period_words, settings_rows
from scpb_analysis.reference.labels import column_format, column_label, is_registered
from scpb_analysis.text.reader_tables import NOT_AVAILABLE, format_value, reader_frame

VINTAGE = SHARED_DATA / "mps" / "borough" / "to-202307"
SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


@pytest.fixture(scope="module")
def barnet():
    """The real comparison for Barnet, 12 months to May 2023 (MPS files to July 2023)."""
    if not VINTAGE.is_dir():
        pytest.skip(f"real data not found at {VINTAGE} (set SCPB_SHARED_DATA)")
    from scpb_analysis.sources.mps import load_mps_crime

    return compare_periods(load_mps_crime(VINTAGE), "Barnet", "2023-05")


def test_every_comparison_column_has_a_plain_label():
    assert [c for c in COMPARISON_COLUMNS if not is_registered(c)] == []
    labels = [column_label(c) for c in COMPARISON_COLUMNS]
    assert not any(SNAKE.search(label) for label in labels)
    assert len(set(labels)) > len(labels) - 6  # windows and counts share words, not all


def test_values_read_with_separators_percent_and_whole_ranks():
    frame = pd.DataFrame({"n_12m": [1951, 23456789], "pct_change_12m": ["+5.6", "-12.25"],
                          "peer_rank": [7.0, np.nan], "share": [0.481, 1.0],
                          "p_value": [0.0004, 0.2], "indicator": ["robbery", "drugs"],
                          "value": [2.756, 1234.5]})
    shown = reader_frame(frame)
    assert shown.columns.tolist() == [column_label(c) for c in frame.columns]
    assert shown.iloc[:, 0].tolist() == [f"{v:,}" for v in frame["n_12m"]]
    assert shown.iloc[:, 1].tolist() == ["+5.6%", f"{-12.25:+.1f}%"]
    assert shown.iloc[:, 2].tolist() == ["7", NOT_AVAILABLE]
    assert shown.iloc[:, 3].tolist() == ["48.1%", "100.0%"]
    assert shown.iloc[:, 4].tolist() == ["<0.001", "0.200"]
    assert shown.iloc[:, 5].tolist() == ["Robbery", "Drugs"]
    assert shown.iloc[:, 6].tolist() == ["2.76", "1,234.50"]


@pytest.mark.parametrize("missing", [None, np.nan, pd.NA, "", "nan", "<NA>", "None"])
def test_a_missing_value_never_reads_as_code(missing):
    for fmt in (None, "count", "change", "rank", "rate", "text"):
        assert format_value(missing, fmt) == NOT_AVAILABLE


def test_words_in_a_number_column_stay_words():
    assert format_value("n/a (definition changed)", "change") == "n/a (definition changed)"
    assert format_value("not held", "count") == "not held"


def test_the_label_registry_names_a_format_for_every_label():
    from scpb_analysis.reference.labels import FORMATS, _labels

    assert all(fmt in FORMATS for _, fmt in _labels().values())
    assert column_format("n_12m") == "count" and column_format("pct_change_3m") == "change"


def test_key_messages_agree_with_counts_recomputed_from_the_files(barnet):
    from scipy.stats import binomtest

    messages = key_messages(barnet)
    assert check_key_messages(messages, barnet) == []
    headline = barnet[barnet["dashboard"]]
    for row in headline.itertuples(index=False):
        cur, prev = int(row.n_12m), int(row.n_12m_prev)
        # The exact conditional test of two Poisson counts over equal periods.
        p = binomtest(cur, cur + prev, 0.5).pvalue
        said = [m for m in messages if m.startswith(f"{row.indicator_name} rose by")
                or m.startswith(f"{row.indicator_name} fell by")]
        if p < 0.05:
            assert said and f"({cur:,} offences against {prev:,}" in said[0]
            pct = 100 * (cur - prev) / prev
            assert f"by {abs(pct):.1f}%" in said[0]
    robbery = next(m for m in messages if m.startswith("Robbery of Personal Property"))
    assert "rose by 15.3%" in robbery and "rated Red" in robbery


def test_a_message_that_disagrees_with_its_table_is_caught(barnet):
    messages = key_messages(barnet)
    robbery = next(m for m in messages if m.startswith("Robbery of Personal Property"))
    assert check_key_messages([robbery.replace("rose", "fell")], barnet)
    assert check_key_messages([robbery.replace("702", "720")], barnet)
    assert check_key_messages([robbery.replace("15.3%", "13.5%")], barnet)
    assert check_key_messages([robbery.replace("Red", "Green")], barnet)
    ratings = next(m for m in messages if m.startswith("Ratings:"))
    assert check_key_messages([ratings.replace("1 Red", "0 Red")], barnet)
    assert check_key_messages(["Everything improved."], barnet) == [
        "unchecked message: Everything improved."]


def test_overview_holds_every_headline_indicator_and_no_code_names(barnet):
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(overview_html(barnet), "html.parser")
    rows = soup.select("tbody tr")
    headline = barnet[barnet["dashboard"]]
    assert [r.td.get_text() for r in rows] == headline["indicator_name"].tolist()
    for row, (_, data) in zip(rows, headline.iterrows(), strict=True):
        cells = [td.get_text() for td in row.find_all("td")]
        assert cells[1] == f"{int(data['n_12m']):,}"
        assert cells[9] == str(int(data["peer_rank"]))
        assert cells[11] == data["rag"]
    text = soup.get_text(" ")
    assert not SNAKE.search(text) and "<NA>" not in text and "nan" not in text.split()


def test_sparkline_breaks_at_a_missing_month_instead_of_drawing_zero():
    svg = sparkline_svg([3, 4, float("nan"), 5, 6])
    assert svg.count("<polyline") == 2
    assert sparkline_svg([float("nan")]) == ""


def test_page_frame_names_the_period_and_leads_back_to_the_overview():
    assert period_words("2024-02") == "12 months to February 2024"
    nav = navigation([("ward_maps", "Ward maps"), ("ward_profile", "Ward profile")],
                     "ward_profile")
    assert '<a href="../index.html">Overview</a>' in nav
    assert '<a href="ward_maps.html">Ward maps</a>' in nav and "ward_profile.html" not in nav
    public = dict(settings_rows({"borough": "Barnet", "data_dir": "/srv/data"},
                                show_paths=False))
    assert "Data folder" not in public
    with pytest.raises(ValueError, match="nbconvert"):
        frame_page("<p>not a page</p>", header="", footer="")


def test_chart_breaks_from_the_loaders_table(barnet):
    from scpb_analysis.sources.mps import read_mps_crime

    breaks = read_mps_crime(SHARED_DATA / "mps" / "borough" / "to-202404").breaks
    drawn = chart_breaks(breaks, "residential_burglary")
    assert (pd.Period("2024-02", "M"), "CONNECT, Feb 2024") in drawn
    assert not any("seam" in label for _, label in drawn)


def test_an_incomplete_indicator_is_named_not_summarised(barnet):
    marked = barnet.copy()
    robbery = marked["indicator"] == "robbery_of_personal_property"
    marked.loc[robbery, "complete"] = False
    marked.loc[robbery, "rag"] = "Not rated (incomplete)"
    messages = key_messages(marked)
    assert check_key_messages(messages, marked) == []
    assert not any(m.startswith("Robbery of Personal Property rose") for m in messages)
    assert any(m.startswith("Incomplete") and "Robbery of Personal Property" in m
               for m in messages)
    # The complete table's sentence about robbery is refused for the incomplete one.
    assert check_key_messages(key_messages(barnet)[:1], marked)


def test_a_wide_table_is_split_into_parts_that_repeat_what_the_rows_are():
    from bs4 import BeautifulSoup

    from scpb_analysis.text.reader_tables import reader_html

    wide = pd.DataFrame({"ward_name": ["Alpha", "Beta"],
                         **{f"Type {i}": [i, 100 * i] for i in range(1, 26)}})
    soup = BeautifulSoup(reader_html(wide, max_columns=10), "html.parser")
    tables = soup.find_all("table")
    assert len(tables) == -(-25 // 9)
    seen = []
    for table in tables:
        heads = [th.get_text() for th in table.find_all("th")]
        assert heads[0] == "Ward" and len(heads) <= 10
        seen += heads[1:]
        assert [tr.td.get_text() for tr in table.tbody.find_all("tr")] == ["Alpha", "Beta"]
    assert seen == [f"Type {i}" for i in range(1, 26)]
