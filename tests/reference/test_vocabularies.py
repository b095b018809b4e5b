"""Each vocabulary, indicator list, area selection, percent change and banner is written once.

Issue 14, item 3: copies drift (the ASB outcomes existed twice in two orders, the headline
indicator list twice with different members). These tests read the package source so that a
new copy fails here rather than in a published table.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

import pytest

import scpb_analysis
from scpb_analysis.blocks import comparison, dashboard, needs_assessment, partnership, ward_report
from scpb_analysis.blocks import partnership_tables as tables
from scpb_analysis.core import marker
from scpb_analysis.core.errors import CoverageError, UnknownAreaError
from scpb_analysis.reference import indicators, partnership_schema
from scpb_analysis.reference.geography import select_area
from scpb_analysis.reference.indicators import indicator_registry

PACKAGE = Path(scpb_analysis.__file__).parent
SOURCES = sorted(PACKAGE.rglob("*.py"))


def _module(path: Path) -> str:
    return ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)


def _string_lists() -> dict[tuple[str, ...], list[str]]:
    """Module-level constants whose value is a literal tuple or list of two or more strings,
    keyed by their members in sorted order (so a copy in another order is still a copy)."""
    found: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.Assign):
                targets, value = node.targets, node.value
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                targets, value = [node.target], node.value
            else:
                continue
            if not isinstance(value, ast.Tuple | ast.List) or len(value.elts) < 2:
                continue
            if not all(isinstance(e, ast.Constant) and isinstance(e.value, str)
                       for e in value.elts):
                continue
            names = [t.id for t in targets if isinstance(t, ast.Name)]
            key = tuple(sorted(e.value for e in value.elts))
            found[key] += [f"{_module(path)}.{n}" for n in names]
    return found


def test_no_literal_list_of_strings_is_defined_twice():
    copies = {k: v for k, v in _string_lists().items() if len(v) > 1}
    assert not copies, "defined more than once: " + "; ".join(
        " and ".join(names) for names in copies.values())


@pytest.mark.parametrize(("name", "schema_name"), [
    ("CCTV_INCIDENT_TYPES", "INCIDENT_TYPES"),
    ("ASB_OUTCOMES", "ASB_OUTCOMES"),
    ("TRIGGER_DECISIONS", "TRIGGER_DECISIONS"),
    ("PREVENT_AGE_BANDS", "AGE_BANDS"),
    ("PREVENT_SEXES", "SEXES"),
    ("PREVENT_IDEOLOGIES", "IDEOLOGIES"),
    ("CONTROL_ROOM_24_7_FROM", "CONTROL_ROOM_24_7_FROM"),
])
def test_board_tables_use_the_schema_vocabulary(name, schema_name):
    assert getattr(tables, name) is getattr(partnership_schema, schema_name)


def test_asb_outcomes_keep_the_published_table_order():
    assert partnership_schema.ASB_OUTCOMES == (
        "Injunction", "Criminal Behaviour Order", "CPN Written Warning", "CPN", "CPN Breached",
        "PSPO", "Premises Closure Order")


def test_indicator_lists_are_defined_once_in_the_registry_module():
    assert comparison.DASHBOARD_INDICATORS is indicators.DASHBOARD_INDICATORS
    assert dashboard.HEADLINE_INDICATORS is indicators.DASHBOARD_INDICATORS
    assert ward_report.WARD_INDICATORS is indicators.WARD_INDICATORS
    assert needs_assessment.NEEDS_INDICATORS is indicators.NEEDS_INDICATORS
    assert scpb_analysis.DASHBOARD_INDICATORS is indicators.DASHBOARD_INDICATORS
    ids = set(indicator_registry()["id"])
    for listed in (indicators.DASHBOARD_INDICATORS, indicators.WARD_INDICATORS,
                   indicators.NEEDS_INDICATORS, indicators.POLICEUK_DASHBOARD_INDICATORS,
                   indicators.POLICEUK_WARD_INDICATORS, indicators.POLICEUK_NEEDS_INDICATORS):
        assert set(listed) <= ids
        assert len(set(listed)) == len(listed)


# A borough written as a comparison on the column, e.g. table["borough"] == name.
_BOROUGH_EQ = re.compile(r"""\[\s*["']borough["']\s*\]\s*(==|\.eq\()""")


def test_boroughs_are_selected_only_through_select_area():
    # demo/common.py reads the ward reference CSV row by row (dicts, not a table).
    exempt = {PACKAGE / "reference" / "geography.py", PACKAGE / "demo" / "common.py"}
    found = [f"{path.relative_to(PACKAGE)}:{n}"
             for path in SOURCES if path not in exempt
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if _BOROUGH_EQ.search(line)]
    assert not found, f"select with select_area instead: {', '.join(found)}"


def test_select_area_keeps_the_area_type_and_names_the_areas_held():
    import pandas as pd

    t = pd.DataFrame({"area_type": ["borough", "other", "ward", "borough"],
                      "borough": ["Barnet", "Barnet", "Barnet", "Brent"], "count": [1, 2, 3, 4]})
    assert select_area(t, "Barnet", area_type="borough")["count"].tolist() == [1]
    assert select_area(t, "Barnet", area_type="ward")["count"].tolist() == [3]
    assert select_area(t, "Nowhere", missing="empty").empty
    with pytest.raises(UnknownAreaError, match="boroughs present: Barnet, Brent"):
        select_area(t, "Nowhere", area_type="borough")
    assert issubclass(UnknownAreaError, CoverageError)


# Only stats/change.py computes (current - previous) / previous; qa/checks.py is an
# independent checker of printed figures in an earlier layer, so it keeps its own arithmetic.
_PCT = re.compile(r"Fraction\((int\()?\s*current\)?\s*-\s*(int\()?previous")


def test_percent_change_is_computed_once():
    found = [str(path.relative_to(PACKAGE)) for path in SOURCES
             if _PCT.search(path.read_text(encoding="utf-8"))]
    assert found == [str(Path("stats") / "change.py")]


def test_one_synthetic_banner():
    banner = marker.SYNTHETIC_BANNER
    assert "SYNTHETIC" in banner
    assert partnership.SYNTHETIC_BANNER is banner
    assert comparison.SYNTHETIC_STATUS is banner
    # pack/runner.py prints the banner in HTML (&mdash;) and is owned elsewhere; it is the one
    # other place allowed to spell it.
    allowed = {PACKAGE / "core" / "marker.py", PACKAGE / "pack" / "runner.py"}
    found = [f"{path.relative_to(PACKAGE)}: {node.value[:60]!r}"
             for path in SOURCES if path not in allowed
             for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
             if isinstance(node, ast.Constant) and isinstance(node.value, str)
             and "SYNTHETIC" in node.value and "not real" in node.value
             and banner not in node.value]
    assert not found, f"use core.marker.SYNTHETIC_BANNER: {found}"


def test_one_marker_file_name():
    found = [str(path.relative_to(PACKAGE)) for path in SOURCES
             if path != PACKAGE / "core" / "marker.py"
             and re.search(r"""=\s*["']SYNTHETIC_DATA\.txt["']""",
                           path.read_text(encoding="utf-8"))]
    assert not found
