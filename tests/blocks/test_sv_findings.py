"""Key findings: every sentence re-read against its table, on the real Barnet data and on
tables altered so that a sentence no longer matches."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import SHARED_DATA

from scpb_analysis.blocks.sv_findings import Finding, check_findings, checked_findings, printed
from scpb_analysis.blocks.violence_profile import (
    ProfileBlock,
    affected_findings,
    domestic_abuse_injury_share,
    homicide_proceedings_profile,
    knife_victim_rate,
)

DASHBOARD = SHARED_DATA / "mps" / "dashboard" / "monthly-crime-dashboard_202108-202507.parquet"
HOMICIDE = SHARED_DATA / "mps" / "homicide" / "homicide.parquet"
BOROUGH_2023 = SHARED_DATA / "mps" / "borough" / "to-202307"


def _need(*paths: Path) -> None:
    for path in paths:
        if not path.exists():
            pytest.skip(f"real public data not found at {path}: these tests read "
                        "../shared/data beside the repository (or $SCPB_SHARED_DATA)")


def _knife_table() -> pd.DataFrame:
    return pd.DataFrame({"area": ["Barnet", "London"], "period": "June 2022 to May 2023",
                         "count": [34, 1361], "value": [28.5633, 50.9212],
                         "comparison": ["Better", "comparator"], "status": "computed"})


def test_a_faithful_finding_passes_and_each_kind_of_misquote_is_named():
    table = _knife_table()
    good = affected_findings(ProfileBlock(table, ""))
    assert check_findings(good, {"needs_assessment_knife_victims": table}) == []

    # The table changes under the sentence: count, rate and comparison each caught.
    for column, value, word in (("count", 35, "count is 35"), ("value", 29.1, "value is 29.1"),
                                ("comparison", "Similar", "comparison is 'Similar'")):
        altered = table.copy()
        altered.loc[0, column] = value
        problems = check_findings(good, {"needs_assessment_knife_victims": altered})
        assert any(word in p for p in problems), problems

    # A number in the sentence that no quoted cell holds.
    extra = Finding("Who", good[0].text + " Up 12.5% on last year.", good[0].table,
                    good[0].rows, good[0].context)
    problems = check_findings([extra], {"needs_assessment_knife_victims": table})
    assert problems == [f"needs_assessment_knife_victims: the finding prints 12.5%, which is in "
                        f"no quoted cell of its row: {extra.text!r}"]
    # A quoted cell the sentence does not print, a row that is not there, a missing table.
    silent = Finding("Who", "Fewer victims.", "t", (({"area": "Barnet"}, {"count": "34"}),))
    assert check_findings([silent], {"t": table}) == ["t: '34' (count) is not in the sentence"]
    lost = Finding("Who", "34.", "t", (({"area": "Camden"}, {"count": "34"}),))
    assert check_findings([lost], {"t": table})[0] == (
        "t: has 0 rows with {'area': 'Camden'}, expected 1")
    assert "no such table" in check_findings([lost], {})[0]
    with pytest.raises(ValueError, match="disagree with their tables"):
        checked_findings([lost], {"t": table})


def test_printed_numbers_round_half_as_the_checker_reads_them():
    table = pd.DataFrame({"k": ["a"], "share": [0.29857], "n": [2321]})
    text = f"{printed(29.857, 1, percent=True)} of {printed(2321)}."
    assert text == "29.9% of 2,321."
    f = Finding("t", text, "t", (({"k": "a"}, {"share": "29.9%", "n": "2,321"}),))
    assert check_findings([f], {"t": table}) == []
    wrong = Finding("t", "29.8% of 2,321.", "t", (({"k": "a"}, {"share": "29.8%",
                                                                  "n": "2,321"}),))
    assert check_findings([wrong], {"t": table})


@pytest.mark.parametrize("end", ["2023-05", "2025-02"])
def test_who_is_affected_findings_quote_the_raw_files(end):
    """The findings' counts equal the raw dashboard parquet and homicide file, and each
    finding passes the checker against the block's own table."""
    from scpb_analysis.sources.mps import read_mps_crime_for_period
    from scpb_analysis.sources.mps_extracts import read_homicide_proceedings
    from scpb_analysis.sources.population import lsoa_population

    folder = SHARED_DATA / "mps" / "borough" / {"2023-05": "to-202307",
                                                 "2025-02": "to-202502"}[end]
    _need(DASHBOARD, HOMICIDE, folder, SHARED_DATA / "population")
    crime = read_mps_crime_for_period([folder, DASHBOARD], end).table
    knife = knife_victim_rate(crime, lsoa_population(SHARED_DATA), "Barnet", end)
    share = domestic_abuse_injury_share(crime, "Barnet", end)
    homicide = homicide_proceedings_profile(read_homicide_proceedings(HOMICIDE), "Barnet", end)
    findings = affected_findings(knife, share, homicide)
    tables = {"needs_assessment_knife_victims": knife.table,
              "needs_assessment_domestic_abuse_share": share.table,
              "needs_assessment_homicide_proceedings": homicide.table}
    assert check_findings(findings, tables) == []
    assert len(findings) == 3

    raw = pd.read_parquet(DASHBOARD)
    raw = raw[(raw["area_type"] == "Borough") & (raw["area_name"] == "Barnet")
              & (raw["measure"] == "Offences")]
    months = pd.period_range(pd.Period(end, "M") - 11, end, freq="M")
    raw = raw[raw["month_year"].dt.to_period("M").isin(months)]
    victims = int(raw.loc[raw["crime_subtype"] == "Knife Injury Victims (1-24)", "count"].sum())
    da = int(raw.loc[raw["crime_subtype"].str.casefold()
                     == "domestic abuse violence with injury", "count"].sum())
    assert f": {victims:,}, " in findings[0].text
    assert f"({da:,} of " in findings[1].text

    ppa = pd.read_parquet(HOMICIDE)
    last = int(homicide.table["period"].iloc[-1][-4:])
    years = pd.to_datetime(ppa["proceedings_date"], format="%b-%y").dt.year
    barnet = ppa[(ppa["borough"] == "Barnet") & years.between(last - 4, last)]
    assert findings[2].text.startswith(f"{int(barnet['count_of_ppa'].sum()):,} people")
