"""The table checker on tables typed from seed 000, and on correct tables the toolkit makes.

Every expected number is worked out here by hand, on fractions, from the seed's own counts, so
a test fails if the checker's arithmetic drifts, not only if its wording does.
"""

from __future__ import annotations

import math
from collections import Counter
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scpb_analysis.core.errors import InputDataError
from scpb_analysis.core.rounding import format_share, shares
from scpb_analysis.qa.checks import CHECKS, CheckReport, Failure, check_file, check_table
from scpb_analysis.stats.change import format_percent_change
from scpb_analysis.text.narrative import comparison_narrative

SEED_TABLES = Path(__file__).parents[1] / "fixtures" / "seed_tables"


def _half_up(value: Fraction, decimals: int = 0) -> Fraction:
    scale = 10**decimals
    whole = math.floor(abs(value) * scale + Fraction(1, 2))
    return Fraction(whole if value >= 0 else -whole, scale)


def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(SEED_TABLES / name, comment="#", dtype=str, keep_default_na=False)


# --------------------------------------------------------------------------- seed 000


def test_cctv_by_ward_shares_sum_to_101_under_a_100_total():
    table = _read("cctv_by_ward_2023_05.csv")
    wards = table[table["Ward"] != "Grand Total"]
    counts = [int(v) for v in wards["Number of Incidents"]]
    assert sum(counts) == 191
    half_up = [_half_up(Fraction(100 * c, 191)) for c in counts]
    # Every printed share is right by the half-up rule; they just do not sum to 100.
    assert [f"{int(v)}%" for v in half_up] == list(wards["% of incidents"])
    assert sum(half_up) == 101

    report = check_file(SEED_TABLES / "cctv_by_ward_2023_05.csv")
    assert [f.check for f in report.failures] == ["percent_shares"]
    failure = report.failures[0]
    assert (failure.row, failure.column) == ("Grand Total", "% of incidents")
    assert failure.numbers == {"printed_total": 100, "sum_of_shares": 101}
    assert "shares sum to 101%, not the 100% printed" in failure.message
    assert "rounded half up" in failure.message
    assert set(report.checks_run) == {"totals", "percent_shares", "period_labels",
                                      "narrative_numbers"}
    assert not report.ok
    assert report.text().startswith(
        "percent_shares: row 'Grand Total', column '% of incidents': shares sum to 101%")


def test_cctv_by_ward_largest_remainder_would_print_different_shares():
    report = check_file(SEED_TABLES / "cctv_by_ward_2023_05.csv", rounding="largest_remainder")
    exact = shares([int(v) for v in _read("cctv_by_ward_2023_05.csv")["Number of Incidents"]
                    [:-1]], rounding="largest_remainder")
    assert exact["share_rounded"].sum() == 100
    # Largest remainder takes the one extra unit from the ward with the smallest remainder.
    moved = [f.row for f in report.failures if f.row != "Grand Total"]
    assert len(moved) == 1
    assert [f.check for f in report.failures] == ["percent_shares", "percent_shares"]


def test_prevent_narrative_says_15_referrals_where_the_table_says_17():
    table = _read("prevent_q4_2022_23.csv").set_index("Prevent In Barnet")
    q4_21, q4_22 = (table[c].astype(int) for c in ("Barnet Q4 21/22", "Barnet Q4 22/23"))
    assert (q4_21["Total referrals"], q4_22["Total referrals"]) == (25, 17)
    for breakdown in (["Under 18", "Over 18"], ["Male", "Female"],
                      ["Islam Inspired", "Far Right", "MUU"]):
        assert q4_21[breakdown].sum() == 25 and q4_22[breakdown].sum() == 17
    for label, printed in table["% change"].items():
        exact = Fraction(int(q4_22[label]) - int(q4_21[label]), int(q4_21[label])) * 100
        assert f"{float(_half_up(exact, 1)):.1f}%" == printed

    report = check_file(SEED_TABLES / "prevent_q4_2022_23.csv")
    assert [f.check for f in report.failures] == ["narrative_numbers"]
    failure = report.failures[0]
    assert (failure.row, failure.column) == ("Total referrals", "Barnet Q4 22/23")
    assert failure.numbers == {"narrative": 15, "table": 17}
    assert "says 15, but the table has 17" in failure.message
    assert set(report.checks_run) == {"totals", "percent_change", "period_labels",
                                      "narrative_numbers"}
    # Every other narrative number (25, 32%, 32.0%, 33.3%, 3, 2, 35.3%, 20%, 46.2%) was
    # placed and checked, not skipped.
    assert report.notes == []


def test_prevent_without_the_parts_line_reports_the_breakdowns_as_a_wrong_total(tmp_path):
    text = (SEED_TABLES / "prevent_q4_2022_23.csv").read_text(encoding="utf-8")
    path = tmp_path / "prevent.csv"
    path.write_text("\n".join(line for line in text.splitlines()
                              if not line.startswith("# parts:")), encoding="utf-8")
    totals = [f for f in check_file(path).failures if f.check == "totals"]
    assert [(f.row, f.column) for f in totals] == [("Total referrals", "Barnet Q4 21/22"),
                                                   ("Total referrals", "Barnet Q4 22/23")]
    assert totals[0].numbers == {"printed": 25, "sum": 75}
    assert "3 times the total" in totals[0].message and "# parts:" in totals[0].message


def test_csmarac_table1_identity_breaks_at_september_2022_and_averages_are_per_meeting():
    table = _read("csmarac_table1.csv").set_index("Month").astype(int)
    cases, new, closed = (table.loc[label] for label in (
        "Cases on CS MARAC", "New Cases on CS MARAC", "Closed Case on CS MARAC"))
    months = list(table.columns)
    breaks = [m for prev, m in zip(months, months[1:], strict=False)
              if cases[prev] - closed[prev] + new[m] != cases[m]]
    assert breaks == ["Sep-22"]
    assert (cases["Jul-22"], closed["Jul-22"], new["Sep-22"], cases["Sep-22"]) == (23, 10, 2, 16)
    assert cases.sum() == 159 and new.sum() == 29 and closed.sum() == 34
    assert Fraction(159, 12) == Fraction("13.25") and _half_up(Fraction(159, 8), 1) == \
        Fraction("19.9")

    report = check_file(SEED_TABLES / "csmarac_table1.csv")
    assert [f.check for f in report.failures] == ["stock_flow"] + ["narrative_numbers"] * 3
    flow = report.failures[0]
    # Table 1 prints periods as columns, so the broken period is a column of the printed table.
    assert (flow.row, flow.column) == (None, "Sep-22")
    assert flow.numbers["period"] == "Sep-22"
    assert (flow.numbers["left"], flow.numbers["right"]) == (16, 15)
    assert flow.numbers["right_terms"] == [23, -10, 2]
    assert flow.numbers["also_breaks"] == []
    assert "first breaks at Sep-22 (September 2022): 23 - 10 + 2 = 15, but 16 is printed" \
        in flow.message

    averages = {f.row: f for f in report.failures[1:]}
    assert set(averages) == {"Cases on CS MARAC", "New Cases on CS MARAC",
                             "Closed Case on CS MARAC"}
    total = averages["Cases on CS MARAC"]
    assert total.numbers["per_month"] == Fraction(159, 12)
    assert total.numbers["per_meeting"] == Fraction(159, 8)
    assert (total.numbers["months"], total.numbers["meetings"]) == (12, 8)
    assert "is 13.25 per month" in total.message
    assert "20 is the average per meeting (159 over 8 meetings = 19.9), labelled per month" \
        in total.message
    assert averages["New Cases on CS MARAC"].numbers["per_month"] == Fraction(29, 12)
    assert averages["Closed Case on CS MARAC"].numbers["per_meeting"] == Fraction(34, 8)
    # The SNA's own sentence says "per meeting" and its ranges hold: 19.875, 3.625, 4.25.
    assert not any("19 to 20" in f.message for f in report.failures)
    assert report.notes == []


def test_da_change_row_decrease_3_5_is_a_3_3_fall_and_3_0_is_2_9():
    counts = {"DA Incidents": (5222, 5048), "DA Offences": (3243, 3149), "DA VWI": (730, 737)}
    exact = {k: Fraction(cur - prev, prev) * 100 for k, (prev, cur) in counts.items()}
    assert {k: _half_up(v, 1) for k, v in exact.items()} == {
        "DA Incidents": Fraction("-3.3"), "DA Offences": Fraction("-2.9"),
        "DA VWI": Fraction("1.0")}

    report = check_file(SEED_TABLES / "da_incidents_2023_03.csv")
    assert [(f.check, f.row, f.column) for f in report.failures] == [
        ("percent_change", "Change", "DA Incidents"), ("percent_change", "Change", "DA Offences")]
    incidents, offences = report.failures
    assert incidents.message == ("printed 3.5% as 'Decrease (3.5%)', but counts 5222 → 5048 "
                                 "give -3.3%")
    assert offences.message == ("printed 3.0% as 'Decrease (3.0%)', but counts 3243 → 3149 "
                                "give -2.9%")
    assert incidents.numbers["printed"] == Fraction("-3.5")
    assert incidents.numbers["expected"] == Fraction("-3.3")
    assert incidents.numbers["exact"] == exact["DA Incidents"]
    assert offences.numbers["expected"] == Fraction("-2.9")
    assert set(report.checks_run) == {"percent_change", "period_labels"}


def test_community_trigger_march_2023_sentence_under_a_may_2023_heading():
    report = check_file(SEED_TABLES / "community_trigger_2023_05.csv")
    assert [f.check for f in report.failures] == ["period_labels"]
    failure = report.failures[0]
    assert "'3 months to March 2023'" in failure.message
    assert "does not end in May 2023" in failure.message
    assert "from the title 'Community Trigger*: 3 Months to May 2023'" in failure.message
    assert failure.numbers["named_end"] == "March 2023"
    assert failure.numbers["period_end"] == "May 2023"
    # The sentence's count, 0, is the table's.
    assert "narrative_numbers" in report.checks_run


def test_csmarac_slide_title_april_2022_to_may_2023_disagrees_with_the_data_period():
    report = check_file(SEED_TABLES / "csmarac_table1.csv",
                        title="Community Safety MARAC Cases (April 2022 - May 2023)")
    periods = [f for f in report.failures if f.check == "period_labels"]
    assert len(periods) == 1
    assert "April 2022 to May 2023, which does not end in March 2023" in periods[0].message


def test_every_seed_fixture_is_checked_and_only_by_known_checks():
    for path in sorted(SEED_TABLES.glob("*.csv")):
        report = check_file(path)
        assert report.source == str(path)
        assert set(report.checks_run) <= set(CHECKS)
        assert {f.check for f in report.failures} <= set(report.checks_run)
        assert len(report.text().splitlines()) == len(report.failures)


@pytest.mark.parametrize(("name", "printed", "changed", "check"), [
    ("prevent_q4_2022_23.csv", "there were 25.", "there were 26.", "narrative_numbers"),
    ("prevent_q4_2022_23.csv", "33.3% decline", "33.3% increase", "narrative_numbers"),
    ("prevent_q4_2022_23.csv", "down from 3 in", "down from 4 in", "narrative_numbers"),
    ("prevent_q4_2022_23.csv", "decreased by 35.3%", "decreased by 25.0%", "narrative_numbers"),
    ("prevent_q4_2022_23.csv", "Female,3,2,-33.3%", "Female,3,2,-33.4%", "percent_change"),
    ("csmarac_table1.csv", "between 19 to 20 cases", "between 17 to 18 cases",
     "narrative_numbers"),
    ("csmarac_table1.csv", "there were 8 Community", "there were 9 Community",
     "narrative_numbers"),
    ("cctv_by_ward_2023_05.csv", "there were 191 incidents", "there were 192 incidents",
     "narrative_numbers"),
    ("cctv_by_ward_2023_05.csv", "Edgware,26,14%", "Edgware,26,15%", "percent_shares"),
    # The narrative's 191 then disagrees with the printed total too.
    ("cctv_by_ward_2023_05.csv", "Grand Total,191", "Grand Total,190",
     "totals narrative_numbers"),
    ("da_incidents_2023_03.csv", "Increase (1.0%)", "Decrease (1.0%)", "percent_change"),
    ("community_trigger_2023_05.csv", "There was 0", "There was 1", "narrative_numbers"),
])
def test_one_more_error_in_a_seed_table_is_one_more_failure(tmp_path, name, printed, changed,
                                                           check):
    text = (SEED_TABLES / name).read_text(encoding="utf-8")
    assert text.count(printed) == 1
    (tmp_path / name).write_text(text.replace(printed, changed), encoding="utf-8")
    before = check_file(SEED_TABLES / name).failures
    after = check_file(tmp_path / name).failures
    added = Counter(f.check for f in after) - Counter(f.check for f in before)
    assert added == Counter(check.split())
    assert len(after) == len(before) + len(check.split())


# --------------------------------------------------------------------------- correct tables


def test_corrected_seed_tables_report_nothing(tmp_path):
    da = (SEED_TABLES / "da_incidents_2023_03.csv").read_text(encoding="utf-8")
    fixed = da.replace("Decrease (3.5%)", "Decrease (3.3%)").replace("Decrease (3.0%)",
                                                                     "Decrease (2.9%)")
    (tmp_path / "da.csv").write_text(fixed, encoding="utf-8")
    assert check_file(tmp_path / "da.csv").ok

    marac = (SEED_TABLES / "csmarac_table1.csv").read_text(encoding="utf-8")
    # One more new case at Sep-22 makes 23 - 10 + 3 = 16; the bullets then say per meeting.
    fixed = (marac.replace("New Cases on CS MARAC,7,5,3,2,", "New Cases on CS MARAC,7,5,3,3,")
             .replace("per month", "per meeting"))
    assert fixed.count("per meeting") == 4
    (tmp_path / "marac.csv").write_text(fixed, encoding="utf-8")
    report = check_file(tmp_path / "marac.csv")
    assert report.ok, report.text()
    assert set(report.checks_run) == {"stock_flow", "period_labels", "narrative_numbers"}

    cctv = (SEED_TABLES / "cctv_by_ward_2023_05.csv").read_text(encoding="utf-8")
    (tmp_path / "cctv.csv").write_text(cctv.replace("191,100%", "191,101%"), encoding="utf-8")
    assert check_file(tmp_path / "cctv.csv").ok


def _comparison_table() -> tuple[pd.DataFrame, str]:
    row = {"indicator_name": "Residential Burglary", "borough": "Barnet",
           "period_end": "2023-05", "n_12m": 1951, "n_12m_prev": 1848,
           "pct_change_12m": format_percent_change(1951, 1848),
           "significance_12m": "no significant change", "window_3m": "March 2023 to May 2023",
           "n_3m": 479, "n_3m_prev": 464, "pct_change_3m": format_percent_change(479, 464),
           "significance_3m": "no significant change", "peer_rank": 4, "peer_n": 32,
           "peers": "London boroughs",
           "bcu_rank": 2, "bcu_n": 4, "bcu": "North West",
           "rank_basis": "rank basis: 3-month % change"}
    table = pd.DataFrame({
        "Indicator": ["Residential Burglary"],
        "12 months up to May 2022": [1848], "12 months up to May 2023": [1951],
        "% change (12 months)": [format_percent_change(1951, 1848) + "%"],
        "3 months to May 2022": [464], "3 months to May 2023": [479],
        "% change (3 months)": [format_percent_change(479, 464) + "%"],
    })
    return table, comparison_narrative(row)


def test_toolkit_comparison_table_and_its_generated_narrative_report_nothing():
    table, narrative = _comparison_table()
    report = check_table(table, narrative=narrative, period="2023-03..2023-05",
                         title="Residential Burglary: 3 months to May 2023")
    assert report.ok, report.text()
    assert set(report.checks_run) == {"percent_change", "period_labels", "narrative_numbers"}
    assert report.notes == []


def test_a_wrong_narrative_number_in_a_generated_paragraph_is_caught():
    table, narrative = _comparison_table()
    for wrong, right in (("1,950", "1,951"), ("1,849", "1,848"), ("5.7%", "5.6%"),
                         ("a decrease of 3.2%", "an increase of 3.2%")):
        report = check_table(table, narrative=narrative.replace(right, wrong, 1))
        assert [f.check for f in report.failures] == ["narrative_numbers"], wrong


def test_toolkit_shares_by_either_rule_report_nothing():
    counts = {"Burnt Oak": 20, "Edgware": 26, "Hendon": 7, "Mill Hill": 7, "Whetstone": 1}
    for rule in ("half_up", "largest_remainder"):
        table = shares(counts, decimals=1, rounding=rule)
        printed = [format_share(v, 1) for v in table["share_rounded"]]
        summed = sum(Decimal(p.rstrip("%")) for p in printed)
        frame = pd.DataFrame({"Ward": list(table["label"]) + ["Total"],
                              "Incidents": list(table["count"]) + [sum(counts.values())],
                              "% of incidents": printed + [f"{summed}%"]})
        report = check_table(frame, rounding=rule)
        assert report.ok, report.text()
        assert report.checks_run == ["totals", "percent_shares"]


def test_toolkit_stock_flow_table_in_either_layout_reports_nothing():
    months = ["Apr-22", "Jun-22", "Jul-22", "Sep-22", "Oct-22"]
    new, closed, cases = [7, 5, 3, 2, 2], [8, 3, 10, 2, 3], [26]
    for i in range(1, len(months)):
        cases.append(cases[-1] - closed[i - 1] + new[i])
    frame = pd.DataFrame({"Meeting": months, "Open cases": cases, "New cases": new,
                          "Closed cases": closed})
    meeting_average = _half_up(Fraction(sum(cases), len(months)), 1)
    narrative = f"Open cases average {float(meeting_average)} per meeting."
    identity = "`Open cases`[t] = `Open cases`[t-1] - `Closed cases`[t-1] + `New cases`[t]"
    report = check_table(frame, identity=identity, narrative=narrative,
                         period="2022-04..2022-10")
    assert report.ok, report.text()
    assert set(report.checks_run) == {"stock_flow", "period_labels", "narrative_numbers"}

    turned = frame.set_index("Meeting").T.reset_index(names="Month")
    report = check_table(turned, identity="open[t] = open[t-1] - closed[t-1] + new[t]",
                         layout="transposed")
    assert report.ok, report.text()
    broken = turned.copy()
    broken.loc[0, "Oct-22"] += 1
    report = check_table(broken, identity="open[t] = open[t-1] - closed[t-1] + new[t]",
                         layout="transposed")
    assert [(f.check, f.column) for f in report.failures] == [("stock_flow", "Oct-22")]


def test_direction_word_must_match_the_counts():
    frame = pd.DataFrame({"Barnet": ["2022", "2023", "Change"],
                          "DA Incidents": ["5222", "5048", "Increase (3.3%)"]})
    report = check_table(frame)
    assert len(report.failures) == 1
    assert "'Increase' for a fall" in report.failures[0].message
    unsigned = frame.assign(**{"DA Incidents": ["5222", "5048", "3.3%"]})
    assert "reads as a rise" in check_table(unsigned).failures[0].message
    arrow = frame.assign(**{"DA Incidents": ["5222", "5048", "▼ -3.3%"]})
    assert check_table(arrow).ok


# --------------------------------------------------------------------------- options


def test_comment_options_are_checked(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("# typed by hand from the pack\n# narative: typo\nWard,Count\nA,1\n",
                    encoding="utf-8")
    with pytest.raises(InputDataError, match=r"t\.csv, row 2: unknown option '# narative:'"):
        check_file(path)
    path.write_text("# period: 2023-03..2023-05\n# period: 2023-04\nWard,Count\nA,1\n",
                    encoding="utf-8")
    with pytest.raises(InputDataError, match="given twice"):
        check_file(path)
    path.write_text("# identity: x[t] = y[t-1] +\nWard,Count\nA,1\n", encoding="utf-8")
    with pytest.raises(InputDataError, match="identity"):
        check_file(path)


def test_sidecar_toml_then_comments_then_arguments(tmp_path):
    (tmp_path / "t.csv").write_text("# period: 2023-03..2023-05\nWard,Count\nA,1\nB,2\n"
                                    "Total,3\n", encoding="utf-8")
    (tmp_path / "t.check.toml").write_text(
        'period = "2022-03..2022-05"\nnarrative = ["There were 4 incidents."]\n',
        encoding="utf-8")
    report = check_file(tmp_path / "t.csv")
    # The comment's period wins over the sidecar's; the sidecar's narrative is used.
    assert [f.numbers for f in report.failures] == [{"narrative": 4, "table": 3}]
    assert check_file(tmp_path / "t.csv", narrative="There were 3 incidents in the 3 months "
                      "to May 2023.").ok


def test_report_text_and_failure_text():
    report = CheckReport(checks_run=["totals"])
    assert report.ok and report.text() == "ok: checks passed: totals"
    failure = Failure("totals", "Total", "printed 4, but the 2 rows above sum to 3",
                      {"printed": 4, "sum": 3}, "Incidents")
    report.failures.append(failure)
    assert not report.ok
    assert report.text() == failure.text()


# --------------------------------------------------------------------------- properties

_WARDS = ["Barnet Vale", "Brunswick Park", "Burnt Oak", "Childs Hill", "Colindale North",
          "Colindale South", "Cricklewood", "East Barnet", "East Finchley", "Edgware",
          "Edgwarebury", "Finchley Church End", "Friern Barnet", "Garden Suburb",
          "Golders Green", "Hendon", "High Barnet", "Mill Hill", "Totteridge & Whetstone",
          "Underhill", "West Finchley", "West Hendon", "Whetstone", "Woodhouse"]
_MEASURES = ["Incidents", "Arrests", "Calls"]


@st.composite
def _count_tables(draw):
    n_rows = draw(st.integers(1, 12))
    n_cols = draw(st.integers(1, 3))
    labels = draw(st.lists(st.sampled_from(_WARDS), min_size=n_rows, max_size=n_rows,
                           unique=True))
    counts = [[draw(st.integers(0, 5000)) for _ in range(n_cols)] for _ in range(n_rows)]
    totals = draw(st.sampled_from(["row", "column", "both"]))
    decimals = draw(st.integers(0, 2))
    frame = pd.DataFrame(counts, columns=_MEASURES[:n_cols]).astype(object)
    frame.insert(0, "Ward", labels)
    if totals in ("column", "both"):
        frame["Total"] = [sum(row) for row in counts]
    if totals in ("row", "both"):
        frame.loc[len(frame)] = ["Total"] + [frame[c].sum() for c in frame.columns[1:]]
    first = [row[0] for row in counts]
    if sum(first) > 0 and draw(st.booleans()):
        printed = [format_share(v, decimals) for v in
                   shares(first, decimals=decimals)["share_rounded"]]
        column = printed + ([f"{sum(Decimal(p.rstrip('%')) for p in printed)}%"]
                            if totals != "column" else [])
        frame.insert(2, f"% of {_MEASURES[0].lower()}", column)
    return frame, totals


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_count_tables(), st.integers(1, 50), st.data())
def test_correct_count_tables_pass_and_one_corrupted_total_is_one_failure(table, delta, data):
    frame, totals = table
    report = check_table(frame)
    assert report.ok, report.text()
    assert "totals" in report.checks_run

    broken = frame.copy()
    if totals == "row":
        row = len(broken) - 1
        column = data.draw(st.sampled_from([c for c in _MEASURES if c in broken.columns]))
    elif totals == "column":
        row = data.draw(st.integers(0, len(broken) - 1))
        column = "Total"
    else:
        # In a two-way table only the grand total is one wrong number in one place: any other
        # total cell also breaks the grand total's sum.
        row, column = len(broken) - 1, "Total"
    broken.loc[row, column] = broken.loc[row, column] + delta
    report = check_table(broken)
    assert [f.check for f in report.failures] == ["totals"], report.text()
    failure = report.failures[0]
    assert failure.row == broken.loc[row, "Ward"]
    assert failure.column == column
    assert failure.numbers["printed"] - delta == failure.numbers["sum"]


def test_title_rows_thousands_and_stray_symbols_in_an_exported_csv(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text('\ufeffDA incidents: 12 months to March 2023,,\n'
                    'Barnet,DA Incidents,DA Offences\n'
                    '12 months to March 2022,"5,222","3,243"\n'
                    '12 months to March 2023,"5,048*","3,149"\n'
                    'Change,▼ -3.3%,Decrease (2.9%)\n', encoding="utf-8")
    report = check_file(path, period="2023-03")
    assert report.ok, report.text()
    assert report.checks_run == ["percent_change", "period_labels"]
    report = check_file(path, period="2023-05")
    assert [f.check for f in report.failures] == ["period_labels"] * 3
    assert report.failures[0].message.startswith("title '12 months to March 2023' names")


# --------------------------------------------------------------------------- own tables


def test_a_narrative_column_quoting_percentages_is_text_not_a_change_column():
    # The dashboard CSV: n_12m_prev -> n_12m, a change column, and the narrative sentence.
    table = pd.DataFrame({
        "indicator": ["residential_burglary"], "n_12m": [1852], "n_12m_prev": [1966],
        "pct_change_12m": ["-5.8"],
        "narrative": ["There were 1852 cases in the 12 months up to May 2023. In the 12 "
                      "months prior there were 1966. This is a decrease of 5.8%, which is not "
                      "a statistically significant change (5% level)."]})
    report = check_table(table)
    assert report.ok, report.text()
    assert "percent_change" not in report.checks_run
    # A short cell is still a percentage: a wrong one is caught.
    wrong = check_table(pd.DataFrame({"Ward": ["Hendon"], "2022": [10], "2023": [8],
                                      "Change": ["Decrease (25.0%)"]}))
    assert [f.check for f in wrong.failures] == ["percent_change"]
    assert "-20.0%" in wrong.failures[0].message  # (8 - 10) / 10


def test_a_total_beside_durations_and_averages_sums_only_counts():
    table = pd.DataFrame({"financial_year": ["2021/22", "2022/23"], "months": [12, 12],
                          "total": [2497, 2586], "monthly_average": [208.1, 215.5]})
    report = check_table(table)
    assert report.ok, report.text()
    # Counts beside a total are still summed: 30 + 12 != 40.
    counts = pd.DataFrame({"Ward": ["Hendon"], "Theft": [30], "Robbery": [12],
                           "months": [3], "Total": [40]})
    failures = check_table(counts).failures
    assert [(f.check, f.row, f.column) for f in failures] == [("totals", "Hendon", "Total")]
    assert failures[0].numbers == {"printed": 40, "sum": 42}


def test_suppressed_cells_are_ranges_not_gaps():
    shown = pd.DataFrame({"Ward": ["Hendon", "Edgware", "Mill Hill", "Grand Total"],
                          "Incidents": ["<5", "26", "[c]", "40"],
                          "Alarm": ["<5", "<5", "<5", "<5"]})
    report = check_table(shown)
    assert report.ok, report.text()
    assert any("checked as a range" in n for n in report.notes)
    # 26 shown plus two <5 (at most 4 each) cannot make 40.
    shown = pd.DataFrame({"Ward": ["Hendon", "Edgware", "Mill Hill", "Grand Total"],
                          "Incidents": ["<5", "26", "<5", "40"]})
    failures = check_table(shown).failures
    assert [(f.row, f.column) for f in failures] == [("Grand Total", "Incidents")]
    assert "can only sum to 26 to 34" in failures[0].message
    # Nor can a total below what is shown.
    shown = pd.DataFrame({"Ward": ["Hendon", "Edgware", "Grand Total"],
                          "Incidents": ["[c]", "26", "20"]})
    assert "can only sum to 26 or more" in check_table(shown).failures[0].message


@pytest.fixture(scope="module")
def demo_partnership(tmp_path_factory):
    from scpb_analysis.demo.partnership import write_partnership_demo

    return write_partnership_demo(tmp_path_factory.mktemp("partnership"))


@pytest.mark.slow
def test_the_public_partnership_tables_pass_and_a_wrong_total_in_one_fails(demo_partnership):
    from scpb_analysis.blocks.partnership import partnership_tables
    from scpb_analysis.sources.partnership import load_partnership_period

    public = partnership_tables(load_partnership_period(demo_partnership, "Barnet", "2023-05"),
                                audience="public")
    assert {"cctv_by_ward", "cctv_ward_by_type"} <= set(public)
    for name, (_, frame, notes) in public.items():
        report = check_table(frame, note=notes)
        assert report.ok, (name, report.text())
    by_type = public["cctv_ward_by_type"][1]
    assert "totals" in check_table(by_type).checks_run
    wrong = by_type.copy()
    wrong.loc[wrong.index[-1], "Total"] = "500"
    assert [f.row for f in check_table(wrong).failures if f.check == "totals"] \
        == ["Grand Total"]
