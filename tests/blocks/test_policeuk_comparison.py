"""The dashboard's comparison for a Community Safety Partnership outside London, from police.uk:
counts, exact tests and ranks among the force's local authorities recomputed with plain pandas
and scipy from the Avon and Somerset files, and the same rules on a small hand-made table."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import BRISTOL, FORCE_LADS
from scipy.stats import binomtest

from scpb_analysis.blocks.comparison import compare_periods, comparison_text
from scpb_analysis.blocks.dashboard import dashboard_sections
from scpb_analysis.core.errors import CoverageError
from scpb_analysis.reference.indicators import POLICEUK_DASHBOARD_INDICATORS
from scpb_analysis.stats.ranking import rank_areas
from scpb_analysis.text.narrative import check_narrative

TYPES = {"burglary": "Burglary", "robbery": "Robbery",
         "violence_and_sexual_offences": "Violence and sexual offences",
         "possession_of_weapons": "Possession of weapons"}


def _counts(raw: pd.DataFrame, lad: str, crime_type: str, start: str, end: str) -> int:
    keep = ((raw["LAD"] == lad) & (raw["Crime type"] == crime_type)
            & raw["Month"].between(start, end))
    return int(keep.sum())


def _pct(current: int, previous: int) -> float:
    return (current - previous) / previous * 100


@pytest.fixture(scope="module")
def bristol(avon):
    return compare_periods(avon.table, "Bristol, City of", "2024-06").set_index("indicator")


def test_bristol_counts_and_tests_match_plain_pandas_and_scipy(bristol, plain):
    raw, _ = plain
    for indicator, crime_type in TYPES.items():
        row = bristol.loc[indicator]
        assert row["dashboard"], indicator
        assert row["n_12m"] == _counts(raw, BRISTOL, crime_type, "2023-07", "2024-06")
        # The files start in January 2023: the year before the 12 months is not held, so the
        # 12-month figure stands alone, with no change, test or invented earlier count.
        assert pd.isna(row["n_12m_prev"]) and row["pct_change_12m"] == "n/a"
        assert pd.isna(row["p_value_12m"])
        assert "do not hold July 2022 to December 2022" in row["notes"]
        cur = _counts(raw, BRISTOL, crime_type, "2024-04", "2024-06")
        prev = _counts(raw, BRISTOL, crime_type, "2023-04", "2023-06")
        assert (row["n_3m"], row["n_3m_prev"]) == (cur, prev)
        assert row["p_value_3m"] == pytest.approx(binomtest(cur, cur + prev, 0.5).pvalue,
                                                  abs=5e-5)
        assert row["data_status"] == "police.uk street-level crime"
        assert check_narrative(row["narrative"], row.to_dict() | {"indicator": indicator}) == []
    assert bristol.loc["violence_and_sexual_offences", "n_12m"] == 22_153


def test_bristol_is_ranked_among_the_force_local_authorities(bristol, plain, avon):
    raw, lookup = plain
    names = dict(zip(lookup["LAD24CD"], lookup["LAD24NM"], strict=False))
    assert set(avon.peers["la_code"]) == FORCE_LADS
    for indicator, crime_type in TYPES.items():
        changes = {}
        for lad in FORCE_LADS:
            changes[lad] = _pct(_counts(raw, lad, crime_type, "2024-04", "2024-06"),
                                _counts(raw, lad, crime_type, "2023-04", "2023-06"))
        # possession of weapons has no polarity: ranked lowest first all the same.
        expected = 1 + sum(v < changes[BRISTOL] - 1e-9 for v in changes.values())
        row = bristol.loc[indicator]
        assert row["peer_rank"] == expected, (indicator, changes)
        assert row["peer_n"] == 5
        assert row["peers"] == "local authorities of Avon and Somerset Constabulary"
        assert row["bcu"] == "" and pd.isna(row["bcu_rank"])
        assert f"ranks {expected} of 5 local authorities of Avon and Somerset" in row["narrative"]
        # The quarter before (to March 2024) ranked the same way: the RAG reads the movement.
        before = {lad: _pct(_counts(raw, lad, crime_type, "2024-01", "2024-03"),
                            _counts(raw, lad, crime_type, "2023-01", "2023-03"))
                  for lad in FORCE_LADS}
        prev = 1 + sum(v < before[BRISTOL] - 1e-9 for v in before.values())
        assert row["peer_rank_prev"] == prev
        assert row["peer_rank_movement"] == prev - expected
    assert names[BRISTOL] == "Bristol, City of"
    assert bristol.loc["possession_of_weapons", "rag"] == "Not rated (no polarity)"


def test_a_window_needing_the_missing_months_is_refused_naming_them(avon):
    with pytest.raises(CoverageError, match="July 2024 to August 2024"):
        compare_periods(avon.table, "Bristol, City of", "2024-09")
    # Anti-social behaviour is incidents, not offences: its own comparison.
    asb = compare_periods(avon.table, "Bristol, City of", "2024-06", measure="incidents")
    assert asb["indicator"].tolist() == ["anti_social_behaviour"]


def test_dashboard_sections_chart_the_police_uk_headline_indicators(avon, bristol):
    sections = dashboard_sections(avon.table, bristol.reset_index(), "Bristol, City of",
                                  "2024-06")
    assert [s.indicator for s in sections] == list(POLICEUK_DASHBOARD_INDICATORS)
    violence = sections[2]
    # January 2023 (the first file) to June 2024: 18 months, each the plain monthly count.
    assert len(violence.trend) == 18
    summary = violence.summary().set_index("measure")["value"]
    assert summary["Rank of 5 local authorities of Avon and Somerset Constabulary"] == str(
        bristol.loc["violence_and_sexual_offences", "peer_rank"])
    assert not any("BCU" in m for m in summary.index)


# ---------------------------------------------------------------------------------------------
# A hand-made table: three authorities of one force, 27 months


def _table(changes: dict[str, tuple[int, int]], months: int = 27) -> pd.DataFrame:
    """``changes``: area -> (monthly count before March 2024, from March 2024)."""
    rows = []
    for area, (before, after) in changes.items():
        for month in pd.period_range(end="2024-05", periods=months, freq="M"):
            rows.append({"month": month, "area_type": "csp", "area_code": area[:3],
                         "area_name": area, "borough": area, "indicator": "burglary",
                         "measure": "offences",
                         "count": after if month >= pd.Period("2024-03", "M") else before,
                         "vintage": "2024-05", "scheme": "policeuk", "source_file": "x.csv",
                         "synthetic": False, "publication": "police.uk street-level crime",
                         "zero_filled": False, "force": "Test Constabulary",
                         "crime_type": "Burglary"})
    return pd.DataFrame(rows)


def test_ranks_recomputed_from_the_hand_made_counts():
    table = _table({"Alpha": (10, 5), "Beta": (10, 10), "Gamma": (10, 20)})
    ranked = rank_areas(table, "burglary", "2024-05", area_type="csp")
    # 3 months to May 2024 (all from March): Alpha 15 vs 30, Beta 30 vs 30, Gamma 60 vs 30.
    assert ranked.set_index("borough")["n_current"].to_dict() == {"Alpha": 15, "Beta": 30,
                                                                  "Gamma": 60}
    assert ranked["borough"].tolist() == ["Alpha", "Beta", "Gamma"]
    assert ranked["rank"].tolist() == [1, 2, 3] and (ranked["n"] == 3).all()
    row = compare_periods(table, "Gamma", "2024-05").iloc[0]
    assert (row["peer_rank"], row["peer_n"], row["n_3m"], row["n_3m_prev"]) == (3, 3, 60, 30)
    assert row["peers"] == "local authorities of Test Constabulary"
    # 12 months to May 2024 against the 12 before: 27 months hold both.
    assert (row["n_12m"], row["n_12m_prev"]) == (10 * 9 + 20 * 3, 120)
    text = comparison_text(compare_periods(table, "Gamma", "2024-05"))
    assert "3 local authorities of Test Constabulary" in text and "BCU)" not in text


def test_twelve_months_without_the_year_before_stand_alone():
    row = compare_periods(_table({"Alpha": (4, 6), "Beta": (5, 5)}, months=15), "Alpha",
                          "2024-05").iloc[0]
    assert row["n_12m"] == 4 * 9 + 6 * 3 and pd.isna(row["n_12m_prev"])
    assert row["direction_12m"] == "n/a" and pd.isna(row["p_value_12m"])
    assert ("There were 54 cases of Burglary in Alpha in the 12 months up to May 2024. The "
            "data do not hold the 12 months before, so no 12-month change is given.") in \
        row["narrative"]
    assert check_narrative(row["narrative"], row.to_dict()) == []
    # A narrative that states a change it cannot know is caught.
    wrong = row["narrative"].replace("so no 12-month change is given.",
                                     "so no 12-month change is given. This is an increase "
                                     "of 5.0%.")
    assert check_narrative(wrong, row.to_dict()) != []
