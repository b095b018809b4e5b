"""The partnership part of the pack, built from the demo exports for both audiences."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from scpb_analysis.disclosure import hidden_ranges, scan_outputs
from scpb_analysis.partnership.demo import PLANTED_PII, write_partnership_demo
from scpb_analysis.partnership.pack import SYNTHETIC_BANNER, build_partnership_outputs


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("pack")
    exports = write_partnership_demo(tmp / "demo")
    return {audience: build_partnership_outputs(exports, tmp / audience, end="2023-05",
                                                audience=audience)
            for audience in ("internal", "public")}


def test_internal_tables_are_the_boards(built):
    by_name = {p.name: p for p in built["internal"]}
    text = by_name["cctv_by_ward.md"].read_text()
    assert text.startswith(SYNTHETIC_BANNER)
    assert "| Edgware | 26 | 14% |" in text and "| Grand Total | 191 | 100% |" in text
    assert "sum to 101%, not 100%" in text
    assert "prevent_quarter_comparison.md" in by_name and "csmarac_meetings.md" in by_name
    report = pd.read_csv(by_name["load_report.csv"])
    assert (report["rows_read"] == report["rows_loaded"] + report["rows_rejected"]).all()
    # Personal columns were dropped at load and are named, never shown.
    assert report["columns_dropped"].fillna("").str.contains("personal data").any()


def test_no_personal_data_in_any_output(built):
    for audience, paths in built.items():
        assert scan_outputs(paths, names=[p for p in PLANTED_PII if " " in p]) == [], audience
        for path in paths:
            text = path.read_text()
            planted = [p for p in PLANTED_PII if p in text]
            assert planted == [], (audience, path.name, len(planted))


def test_public_outputs_hide_small_numbers_unrecoverably(built):
    names = {p.name for p in built["public"]}
    assert not any(n.startswith(("prevent", "csmarac")) for n in names)
    for path in built["public"]:
        if path.suffix != ".csv":
            continue
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        cells = frame.iloc[:, 1:].to_numpy().ravel()
        numbers = [int(c) for c in cells if re.fullmatch(r"\d+", c)]
        assert not [n for n in numbers if 1 <= n <= 4], path.name
    wards = pd.read_csv(next(p for p in built["public"] if p.name == "cctv_by_ward.csv"),
                        dtype=str, keep_default_na=False).set_index("ward_name")
    ranges = hidden_ranges(wards, total_row="Grand Total")
    assert len(ranges) == 4 and not ranges["recoverable"].any()
    assert wards.loc["Grand Total", "Number of incidents"] == "191"


def test_scpb_check_passes_every_board_table_the_toolkit_writes(built):
    from scpb_analysis.checks import check_file

    boards = [p for p in built["internal"] if p.name.endswith(".board.csv")]
    assert len(boards) >= 10
    for path in boards:
        report = check_file(path)
        assert report.ok, (path.name, report.text())
    ran = {name for p in boards for name in check_file(p).checks_run}
    assert {"totals", "percent_shares", "narrative_numbers", "period_labels"} <= ran
