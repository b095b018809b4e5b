"""The bad-input corpus as a whole: at least 150 cases across the families of issue 13."""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter
from pathlib import Path

from bad_input import FAMILIES, OUTCOMES, Case


def _corpus() -> list[Case]:
    cases: list[Case] = []
    for path in sorted(Path(__file__).parent.glob("test_bad_input_*.py")):
        if path.name == Path(__file__).name:
            continue
        spec = importlib.util.spec_from_file_location(f"_corpus_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        # Registered first, as an import would: dataclasses look their module up by name.
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
        found = getattr(module, "CASES", None)
        assert isinstance(found, list) and found, f"{path.name} has no CASES list"
        cases.extend(found)
    return cases


def test_corpus_has_at_least_150_cases_across_every_family():
    cases = _corpus()
    by_family = Counter(c.family for c in cases)
    assert len(cases) >= 150, f"{len(cases)} cases: {dict(by_family)}"
    missing = [f for f in FAMILIES if by_family[f] == 0]
    assert not missing, f"families without cases: {missing}"
    assert {c.outcome for c in cases} <= set(OUTCOMES)
    keys = Counter((c.family, c.name) for c in cases)
    assert not [k for k, n in keys.items() if n > 1], "case names repeated within a family"
