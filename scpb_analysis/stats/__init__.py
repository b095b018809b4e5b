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
from scpb_analysis.stats.aoristic import aoristic_profile, aoristic_weights
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
from scpb_analysis.stats.etest import poisson_e_test, poisson_e_test_power
from scpb_analysis.stats.hotspot_stability import classify_stability, grid_hotspot_stability
from scpb_analysis.stats.near_repeat import knox_test, repeat_locations
from scpb_analysis.stats.rag import RagRule, rank_movement_rule, significance_rule, target_rule
from scpb_analysis.stats.ranking import (
    RANK_BASES,
    basis_span,
    rank_basis_text,
    rank_boroughs,
    rank_movement,
)
from scpb_analysis.stats.rates import crude_rate, proportion
from scpb_analysis.stats.severity import harm_weighted, read_severity_weights
from scpb_analysis.stats.spc import XMR_RULES, xmr, xmr_summary
from scpb_analysis.stats.sppt import sppt
from scpb_analysis.stats.wdd import harm_weighted_wdd, wdd

__all__ = [
    "RANK_BASES",
    "XMR_RULES",
    "RagRule",
    "aoristic_profile",
    "aoristic_weights",
    "basis_span",
    "benchmark_rates",
    "change_test",
    "classify_stability",
    "compare_to_benchmark",
    "crude_rate",
    "csp_benchmarks",
    "direction_of_change",
    "format_percent_change",
    "format_share",
    "funnel_limits",
    "funnel_position",
    "grid_hotspot_stability",
    "harm_weighted",
    "harm_weighted_wdd",
    "knox_test",
    "percent_change",
    "percentage_point_change",
    "poisson_e_test",
    "poisson_e_test_power",
    "proportion",
    "rank_basis_text",
    "rank_boroughs",
    "rank_movement",
    "rank_movement_rule",
    "read_severity_weights",
    "repeat_locations",
    "round_half_up",
    "shares",
    "shares_note",
    "significance_clause",
    "significance_rule",
    "sppt",
    "target_rule",
    "wdd",
    "xmr",
    "xmr_summary",
]
