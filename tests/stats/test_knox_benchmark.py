"""The Knox benchmark on a year of Met burglary: the vectorised test against a naive loop.

Slow (about a minute): it runs the full-year test and a pure-Python pairwise loop.
"""

from __future__ import annotations

import json

import pytest
from conftest import MET_BURGLARY, SHARED_DATA


@pytest.mark.slow
def test_knox_benchmark_is_much_faster_than_a_naive_loop():
    if not MET_BURGLARY.exists():
        pytest.skip(f"real public data not found at {MET_BURGLARY}: the benchmark reads "
                    "../shared/data beside the repository (or $SCPB_SHARED_DATA)")
    from scpb_analysis.bench import knox_benchmark

    figures = knox_benchmark(SHARED_DATA)
    print("\n" + json.dumps(figures, indent=2))
    assert figures["points"] > 45_000  # one year of Met burglary with a location
    assert figures["permutations"] == 99 and figures["full_s"] > 0
    assert figures["sample"] == 1500
    assert figures["ratio"] > 10
