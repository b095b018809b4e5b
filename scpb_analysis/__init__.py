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
    "mapping_gaps": "scpb_analysis.reference.taxonomy.gaps",
    "revision_summary": "scpb_analysis.sources.mps",
    "compare_periods": "scpb_analysis.blocks.comparison",
    "comparison_text": "scpb_analysis.blocks.comparison",
    "DASHBOARD_INDICATORS": "scpb_analysis.reference.indicators",
    "indicator_registry": "scpb_analysis.reference.indicators",
    "how_measured": "scpb_analysis.reference.indicators",
    "comparison_narrative": "scpb_analysis.text.narrative",
    "check_narrative": "scpb_analysis.text.narrative",
    "borough_population": "scpb_analysis.reference.geography",
    "london_boroughs": "scpb_analysis.reference.geography",
    "three_month_windows": "scpb_analysis.core.periods",
    "twelve_month_windows": "scpb_analysis.core.periods",
    "fy_quarter": "scpb_analysis.core.periods",
    "financial_year": "scpb_analysis.core.periods",
    "write_demo_data": "scpb_analysis.demo",
    "ward_rates": "scpb_analysis.blocks.ward_report",
    "load_wards": "scpb_analysis.sources.boundaries",
    "load_boroughs": "scpb_analysis.sources.boundaries",
    "load_lsoas": "scpb_analysis.sources.boundaries",
    "canonical_ward_names": "scpb_analysis.reference.wards",
    "ward_reference": "scpb_analysis.reference.wards",
    "UnknownWardError": "scpb_analysis.reference.wards",
    "ward_population": "scpb_analysis.geo.ward_profiles",
    "lsoa_population": "scpb_analysis.sources.population",
    "la_population": "scpb_analysis.sources.la_population",
    "load_csp_crime": "scpb_analysis.sources.ons_csp",
    "load_imd": "scpb_analysis.sources.deprivation",
    "imd_lsoa21": "scpb_analysis.sources.deprivation",
    "rate_by_deprivation": "scpb_analysis.stats.deprivation",
    "ward_deprivation": "scpb_analysis.geo.ward_profiles",
    "ward_crosswalk": "scpb_analysis.geo.crosswalk",
    "rebase_ward_series": "scpb_analysis.geo.crosswalk",
    "load_policeuk": "scpb_analysis.sources.policeuk",
    "read_policeuk": "scpb_analysis.sources.policeuk",
    "assign_wards": "scpb_analysis.geo.assign",
    "count_by_ward": "scpb_analysis.geo.assign",
    "ward_choropleth": "scpb_analysis.charts.maps",
    "small_multiples": "scpb_analysis.charts.maps",
    "save_figure": "scpb_analysis.charts.maps",
    "getis_ord_hotspots": "scpb_analysis.stats.hotspots",
    "local_moran_clusters": "scpb_analysis.stats.hotspots",
    "hotspot_map": "scpb_analysis.charts.maps",
    "fetch_sources": "scpb_analysis.sources.fetch",
    "ward_month_counts": "scpb_analysis.geo.points",
    "WardIndex": "scpb_analysis.geo.ward_index",
    "write_points_archive": "scpb_analysis.geo.archive",
    "archive_ward_month_counts": "scpb_analysis.geo.archive",
    "dask_ward_month_counts": "scpb_analysis.geo.distributed",
    "dask_client": "scpb_analysis.geo.distributed",
    "InputDataError": "scpb_analysis.core.errors",
    "CoverageError": "scpb_analysis.core.errors",
    "UnmappedCategoryError": "scpb_analysis.core.errors",
}

_STATS = (
    "benchmark_rates", "change_test", "compare_to_benchmark", "crude_rate", "csp_benchmarks",
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
