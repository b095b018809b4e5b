"""The package front door: every advertised name resolves, and importing stays light."""

from __future__ import annotations

import subprocess
import sys

import scpb_analysis


def test_every_exported_name_resolves():
    for name in scpb_analysis.__all__:
        assert getattr(scpb_analysis, name) is not None, name


def test_import_does_not_load_heavy_libraries():
    code = ("import sys, scpb_analysis; heavy = [m for m in ('geopandas', 'matplotlib', "
            "'esda', 'libpysal', 'mapclassify', 'scipy') if m in sys.modules]; print(heavy)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"
