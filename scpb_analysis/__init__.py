"""scpb_analysis: community-safety analysis for London boroughs.

Loaders turn every source into one tidy count table; statistics and report blocks take that
table; thin notebooks call them. The names below are the front door; heavy modules are
imported only when first used, so a notebook pays only for what it touches.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "load_mps_crime": "scpb_analysis.sources.mps",
    "read_mps_crime": "scpb_analysis.sources.mps",
    "revision_summary": "scpb_analysis.sources.mps",
    "compare_periods": "scpb_analysis.comparison",
    "comparison_text": "scpb_analysis.comparison",
    "DASHBOARD_INDICATORS": "scpb_analysis.comparison",
    "percent_change": "scpb_analysis.stats.change",
    "format_percent_change": "scpb_analysis.stats.change",
    "direction_of_change": "scpb_analysis.stats.change",
    "three_month_windows": "scpb_analysis.periods",
    "twelve_month_windows": "scpb_analysis.periods",
    "fy_quarter": "scpb_analysis.periods",
    "financial_year": "scpb_analysis.periods",
    "write_demo_data": "scpb_analysis.demo",
    "InputDataError": "scpb_analysis.errors",
    "CoverageError": "scpb_analysis.errors",
    "UnmappedCategoryError": "scpb_analysis.errors",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'scpb_analysis' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
