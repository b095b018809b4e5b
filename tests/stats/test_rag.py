"""The RAG rules by name, and the default rule's reading of each row's polarity."""

from __future__ import annotations

import pandas as pd
import pytest

from scpb_analysis.stats.rag import RAG_RULES, rag_rule_named, significance_and_rank_rule


def test_every_named_rule_is_built_and_an_unknown_name_is_refused():
    names = {name: rag_rule_named(name).name for name in RAG_RULES}
    assert names == {"significance-and-rank": "significance and rank",
                     "rank-movement": "rank movement",
                     "significance-12m": "significance of change",
                     "significance-3m": "significance of change"}
    assert rag_rule_named("significance-3m").column == "significance_3m"
    with pytest.raises(ValueError, match="'traffic-lights' is not known; expected one of "
                                         "significance-and-rank"):
        rag_rule_named("traffic-lights")


def test_polarity_decides_which_significant_change_is_worse():
    table = pd.DataFrame({"significance_12m": ["significant increase"] * 3,
                          "significance_3m": ["no significant change"] * 3,
                          "peer_rank_movement": pd.array([-4, 2, pd.NA], dtype="Int64")})
    polarity = pd.Series(["lower_is_better", "higher_is_better", "none"])
    rated = significance_and_rank_rule().rate(table, polarity).tolist()
    # More crime is worse; more crimes solved is better; no polarity: the rank alone (none).
    assert rated == ["Red", "Green", "Not rated"]
    # No significant change: the rank movement's bands, as the board's rule.
    quiet = table.assign(significance_12m="no significant change",
                         peer_rank_movement=pd.array([-1, 0, 3], dtype="Int64"))
    assert significance_and_rank_rule().rate(quiet).tolist() == ["Red", "Amber", "Green"]
