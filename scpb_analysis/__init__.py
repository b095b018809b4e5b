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
    "read_mps_crime_for_period": "scpb_analysis.sources.mps",
    "read_mps_crime_as_published": "scpb_analysis.sources.mps",
    "revision_text": "scpb_analysis.sources.mps",
    "mapping_gaps": "scpb_analysis.taxonomy.gaps",
    "revision_summary": "scpb_analysis.sources.mps",
    "compare_periods": "scpb_analysis.comparison",
    "comparison_text": "scpb_analysis.comparison",
    "DASHBOARD_INDICATORS": "scpb_analysis.comparison",
    "indicator_registry": "scpb_analysis.indicators",
    "how_measured": "scpb_analysis.indicators",
    "comparison_narrative": "scpb_analysis.narrative",
    "check_narrative": "scpb_analysis.narrative",
    "borough_population": "scpb_analysis.geography",
    "london_boroughs": "scpb_analysis.geography",
    "three_month_windows": "scpb_analysis.periods",
    "twelve_month_windows": "scpb_analysis.periods",
    "fy_quarter": "scpb_analysis.periods",
    "financial_year": "scpb_analysis.periods",
    "write_demo_data": "scpb_analysis.demo",
    "build_crime_outputs": "scpb_analysis.report",
    "ward_rates": "scpb_analysis.report",
    "load_wards": "scpb_analysis.sources.boundaries",
    "load_boroughs": "scpb_analysis.sources.boundaries",
    "load_lsoas": "scpb_analysis.sources.boundaries",
    "canonical_ward_names": "scpb_analysis.wards",
    "ward_reference": "scpb_analysis.wards",
    "UnknownWardError": "scpb_analysis.wards",
    "ward_population": "scpb_analysis.sources.population",
    "lsoa_population": "scpb_analysis.sources.population",
    "load_imd": "scpb_analysis.sources.deprivation",
    "imd_lsoa21": "scpb_analysis.sources.deprivation",
    "rate_by_deprivation": "scpb_analysis.sources.deprivation",
    "ward_deprivation": "scpb_analysis.sources.deprivation",
    "ward_crosswalk": "scpb_analysis.crosswalk",
    "rebase_ward_series": "scpb_analysis.crosswalk",
    "load_policeuk": "scpb_analysis.sources.policeuk",
    "read_policeuk": "scpb_analysis.sources.policeuk",
    "assign_wards": "scpb_analysis.spatial",
    "count_by_ward": "scpb_analysis.spatial",
    "ward_choropleth": "scpb_analysis.maps",
    "small_multiples": "scpb_analysis.maps",
    "save_figure": "scpb_analysis.maps",
    "getis_ord_hotspots": "scpb_analysis.hotspots",
    "local_moran_clusters": "scpb_analysis.hotspots",
    "hotspot_map": "scpb_analysis.hotspots",
    "fetch_sources": "scpb_analysis.fetch",
    "ward_month_counts": "scpb_analysis.points",
    "WardIndex": "scpb_analysis.ward_index",
    "write_points_archive": "scpb_analysis.archive",
    "archive_ward_month_counts": "scpb_analysis.archive",
    "dask_ward_month_counts": "scpb_analysis.distributed",
    "dask_client": "scpb_analysis.distributed",
    "InputDataError": "scpb_analysis.errors",
    "CoverageError": "scpb_analysis.errors",
    "UnmappedCategoryError": "scpb_analysis.errors",
}

_STATS = (
    "benchmark_rates", "change_test", "compare_to_benchmark", "crude_rate",
    "direction_of_change", "format_percent_change", "format_share", "funnel_limits",
    "funnel_position", "percent_change", "percentage_point_change", "proportion",
    "rank_boroughs", "rank_movement_rule", "RagRule", "round_half_up", "shares", "shares_note",
    "significance_rule", "target_rule", "xmr", "xmr_summary",
)
_EXPORTS.update({name: "scpb_analysis.stats" for name in _STATS})

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'scpb_analysis' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
