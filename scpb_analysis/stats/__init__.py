"""Statistics that take tidy tables (or counts cut from them) and return tables.

Every function returns a table with one schema: its inputs, then ``value, lower, upper,
confidence, method`` (and ``p_value`` or labels where relevant), so a number on a slide can be
traced to a method.
"""

from scpb_analysis.core.rounding import (
    format_share,
    percentage_point_change,
    round_half_up,
    shares,
    shares_note,
)
from scpb_analysis.stats.benchmark import (
    benchmark_rates,
    compare_to_benchmark,
    funnel_limits,
    funnel_position,
)
from scpb_analysis.stats.change import (
    change_test,
    direction_of_change,
    format_percent_change,
    percent_change,
    significance_clause,
)
from scpb_analysis.stats.csp_benchmarks import csp_benchmarks
from scpb_analysis.stats.rag import RagRule, rank_movement_rule, significance_rule, target_rule
from scpb_analysis.stats.ranking import (
    RANK_BASES,
    basis_span,
    rank_basis_text,
    rank_boroughs,
    rank_movement,
)
from scpb_analysis.stats.rates import crude_rate, proportion
from scpb_analysis.stats.spc import XMR_RULES, xmr, xmr_summary

__all__ = [
    "RANK_BASES",
    "XMR_RULES",
    "RagRule",
    "basis_span",
    "benchmark_rates",
    "change_test",
    "compare_to_benchmark",
    "crude_rate",
    "csp_benchmarks",
    "direction_of_change",
    "format_percent_change",
    "format_share",
    "funnel_limits",
    "funnel_position",
    "percent_change",
    "percentage_point_change",
    "proportion",
    "rank_basis_text",
    "rank_boroughs",
    "rank_movement",
    "rank_movement_rule",
    "round_half_up",
    "shares",
    "shares_note",
    "significance_clause",
    "significance_rule",
    "target_rule",
    "xmr",
    "xmr_summary",
]
