"""The partnership part of the pack, built from the demo exports for both audiences."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from scpb_analysis.blocks.partnership import SYNTHETIC_BANNER, build_partnership_outputs
from scpb_analysis.demo.partnership import PLANTED_PII, write_partnership_demo
from scpb_analysis.qa.disclosure import SuppressionRule, hidden_ranges, scan_outputs
from scpb_analysis.sources.partnership import load_partnership_period

# Writes the partnership outputs for both audiences: `pytest -m slow` (CI runs it).
pytestmark = pytest.mark.slow


def _period(folder, end):
    return load_partnership_period(folder, "Barnet", end)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("pack")
    exports = write_partnership_demo(tmp / "demo")
    return {audience: build_partnership_outputs(_period(exports, "2023-05"), tmp / audience,
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
    # Issue 16: wards with fewer than 5 incidents are combined rather than shown as <5 (a
    # table mostly of <5 tells the reader nothing), so the ward table hides nothing; the
    # combined row is what the named wards leave of the grand total.
    ranges = hidden_ranges(wards, SuppressionRule(suppress_zeros=True, total_row="Grand Total"))
    assert not ranges["recoverable"].any()
    counts = wards["Number of incidents"].astype(int)
    assert counts["Grand Total"] == 191
    named = counts.drop(index=["Grand Total", "Other wards"])
    assert counts["Other wards"] == 191 - named.sum() >= 5
    assert "Other wards: the " in next(p for p in built["public"]
                                       if p.name == "cctv_by_ward.md").read_text()


def test_scpb_check_passes_every_board_table_the_toolkit_writes(built):
    from scpb_analysis.qa.checks import check_file

    boards = [p for p in built["internal"] if p.name.endswith(".board.csv")]
    assert len(boards) >= 10
    for path in boards:
        report = check_file(path)
        assert report.ok, (path.name, report.text())
    ran = {name for p in boards for name in check_file(p).checks_run}
    assert {"totals", "percent_shares", "narrative_numbers", "period_labels"} <= ran


# --- issue 13: short totals say so, the period end holds everywhere, refusals leave nothing ---


@pytest.fixture(scope="module")
def spoiled(tmp_path_factory):
    """The demo with five March-May 2023 CCTV incidents in a ward of another borough."""
    tmp = tmp_path_factory.mktemp("spoiled")
    exports = write_partnership_demo(tmp / "demo")
    path = exports / "cctv_incidents.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    when = pd.to_datetime(frame["Date/Time"], format="%d/%m/%Y %H:%M").dt.to_period("M")
    spoilt = frame.index[when.between(pd.Period("2023-03", "M"), pd.Period("2023-05", "M"))][:5]
    frame.loc[spoilt, "Ward"] = "Hampstead Town"
    frame.to_csv(path, index=False, lineterminator="\n")
    return {"exports": exports, "rows": len(frame),
            "internal": build_partnership_outputs(_period(exports, "2023-05"), tmp / "internal"),
            "public": build_partnership_outputs(_period(exports, "2023-05"), tmp / "public",
                                                audience="public")}


def test_a_total_short_of_rejected_rows_says_so_in_every_output(spoiled):
    note = (f"cctv_incidents.csv: 5 of {spoiled['rows']:,} rows set aside and not counted "
            "(5 unknown ward).")
    internal = {p.name: p for p in spoiled["internal"]}
    # 191 incidents less the 5 set aside, and the reader is told.
    text = internal["cctv_by_ward.md"].read_text()
    assert "| Grand Total | 186 | 100% |" in text and note in text
    assert f"# note: {note}" in internal["cctv_by_ward.board.csv"].read_text()
    for name in ("cctv_ward_by_type", "cctv_type_shares", "cctv_hour_profile", "cctv_mode"):
        assert note in internal[f"{name}.md"].read_text(), name
    # Tables from other exports are not short, and carry no such note.
    assert "set aside" not in internal["prevent_quarter_comparison.md"].read_text()
    public = {p.name: p for p in spoiled["public"]}
    assert note in public["cctv_by_ward.md"].read_text()
    set_aside = pd.read_csv(public["set_aside.csv"], dtype=str).set_index("File")
    assert set_aside.loc["cctv_incidents.csv", "Rows set aside"] == "5"
    assert set_aside.loc["cctv_incidents.csv", "Why set aside"] == "5 unknown ward"
    # The public list names only the exports behind public tables.
    assert sorted(set_aside.index) == ["asb_outcomes.csv", "cctv_incidents.csv",
                                       "da_marac_referrals.csv", "fixed_penalty_notices.csv"]
    rejected = pd.read_csv(internal["rejected_rows.csv"], dtype=str)
    assert len(rejected) == 5 and not rejected["reason"].str.contains("Hampstead").any()


def test_the_notebook_tables_carry_the_same_note(spoiled):
    from scpb_analysis.blocks.partnership import SET_ASIDE, partnership_tables

    tables = partnership_tables(_period(spoiled["exports"], "2023-05"))
    title, frame, notes, check = tables["cctv_by_ward"]
    assert frame.iloc[-1].tolist() == ["Grand Total", "186", "100%"]
    assert any(n.startswith("cctv_incidents.csv: 5 of ") for n in notes)
    # scpb check is given the same note with the table's CSV.
    assert [n for n in notes if n.startswith("cctv_incidents.csv")] == [
        n for n in check["note"] if n.startswith("cctv_incidents.csv")]
    assert SET_ASIDE in tables


def test_da_marac_table_stops_at_the_period_end(tmp_path):
    from scpb_analysis.blocks.partnership import partnership_tables

    exports = write_partnership_demo(tmp_path)
    raw = pd.read_csv(exports / "da_marac_referrals.csv", dtype=str)
    months = pd.to_datetime(raw["Referral Date"], format="%d/%m/%Y").dt.to_period("M")
    in_q4 = int(months.between(pd.Period("2023-01", "M"), pd.Period("2023-03", "M")).sum())
    assert (months > pd.Period("2023-03", "M")).any()
    _, frame, *_ = partnership_tables(_period(exports, "2023-03"))["damarac_by_quarter"]
    assert frame["Quarter"].iloc[-1] == "Q4 2022/23"
    assert frame["Referrals"].iloc[-1] == f"{in_q4:,}"


def _small_export(folder, name):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(
        "Incident ID,Date/Time,Incident Type,Ward,Proactive/Reactive\n"
        "C1,05/03/2023 14:07,ASB,Burnt Oak,Reactive\n"
        "C2,16/04/2023 23:30,Theft,Edgware,Proactive\n"
        "C3,20/05/2023 13:00,Theft,Edgware,Reactive\n", encoding="utf-8")
    return folder


def test_a_refused_build_writes_nothing_and_keeps_the_previous_outputs(tmp_path):
    from scpb_analysis.qa.disclosure import PersonalDataError

    good = _small_export(tmp_path / "good", "cctv_incidents.csv")
    out = tmp_path / "out"
    before = build_partnership_outputs(_period(good, "2023-05"), out)
    snapshot = {p: p.read_bytes() for p in before}
    # An e-mail address in a file name reaches the load report: the scan refuses the build.
    bad = _small_export(tmp_path / "bad", "cctv from olive.planted@example.com.csv")
    with pytest.raises(PersonalDataError):
        build_partnership_outputs(_period(bad, "2023-05"), out)
    assert sorted(p.name for p in out.iterdir()) == ["partnership"]
    assert {p: p.read_bytes() for p in (out / "partnership").iterdir()} == snapshot
    fresh = tmp_path / "fresh"
    with pytest.raises(PersonalDataError):
        build_partnership_outputs(_period(bad, "2023-05"), fresh)
    assert list(fresh.iterdir()) == []
