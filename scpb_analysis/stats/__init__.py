"""Statistics that take tidy tables (or counts cut from them) and return tables."""

from scpb_analysis.stats.change import direction_of_change, format_percent_change, percent_change

__all__ = ["percent_change", "format_percent_change", "direction_of_change"]
