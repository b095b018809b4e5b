"""The dashboard's default RAG rating never contradicts its own significance tests: over every
headline and other indicator of every London borough in every shared MPS vintage, no Green
beside a significant worsening and no Red beside a significant improvement, the tests
recomputed here with scipy from the table's counts."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import _require
from scipy.stats import binomtest

from scpb_analysis.blocks.comparison import compare_periods
from scpb_analysis.reference.geography import london_boroughs
from scpb_analysis.sources.mps import read_mps_crime
from scpb_analysis.stats.rag import significance_and_rank_rule

VINTAGES = ["to-201612", "to-202010", "to-202108", "to-202302", "to-202307", "to-202401",
            "to-202404", "to-202502"]


def _verdict(current, previous, polarity: str) -> str:
    """'worse', 'better' or '' from an exact test of the two counts at the 5% level."""
    if pd.isna(current) or pd.isna(previous) or polarity == "none":
        return ""
    current, previous = int(current), int(previous)
    if current + previous == 0 or binomtest(current, current + previous, 0.5).pvalue >= 0.05:
        return ""
    up = current > previous
    return "worse" if up == (polarity == "lower_is_better") else "better"


@pytest.mark.slow
@pytest.mark.parametrize("vintage", VINTAGES)
def test_no_rating_contradicts_its_significance_test(mps_borough_dir, vintage):
    from scpb_analysis.reference.indicators import indicator_info

    load = read_mps_crime(_require(mps_borough_dir / vintage))
    end = max(load.files["vintage"])
    checked = contradicted_by_rank = 0
    for borough in london_boroughs()["borough"]:
        table = compare_periods(load.table, borough, end, breaks=load.breaks,
                                incomplete="mark")
        for row in table.itertuples(index=False):
            try:
                polarity = indicator_info(row.indicator)["polarity"]
            except KeyError:
                polarity = "lower_is_better"
            verdicts = {_verdict(row.n_12m, row.n_12m_prev, polarity),
                        _verdict(row.n_3m, row.n_3m_prev, polarity)} - {""}
            if row.pct_change_12m.startswith("n/a (definition") or not row.complete:
                continue
            checked += 1
            if verdicts == {"worse"}:
                assert row.rag == "Red", (borough, row.indicator, row.rag)
            elif verdicts == {"better"}:
                assert row.rag == "Green", (borough, row.indicator, row.rag)
            elif verdicts:
                assert row.rag == "Amber", (borough, row.indicator, row.rag)
            # Where the rank alone would have said otherwise, significance won.
            movement = row.peer_rank_movement
            if verdicts == {"worse"} and not pd.isna(movement) and movement > 0:
                contradicted_by_rank += 1
    assert checked > 32 * 10
    rule = significance_and_rank_rule()
    assert rule.column == "peer_rank_movement" and "Significant change first" in rule.text
    # The old rule's contradiction (a significant rise rated Green because the rank improved)
    # occurs in the real data: the case the default rule exists for.
    if vintage == "to-202307":
        assert contradicted_by_rank > 0
