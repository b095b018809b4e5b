"""Every London borough's pack builds on the real data, and speaks of that borough only.

One build per borough at one period end (2024-01: MPS ward files on May-2022 wards, and
police.uk files of another force in the same data folder, as a user's folder may hold). The
builds share the run's table cache, so the London-wide MPS load is made once. Slow: CI runs
them (``pytest -m slow``).
"""

from __future__ import annotations

import re

import pytest
from conftest import SHARED_DATA, _require

from scpb_analysis.pack.runner import NOTEBOOKS, build_pack
from scpb_analysis.reference.geography import london_boroughs

END = "2024-01"
BOROUGHS = london_boroughs()["borough"].tolist()
# What reaches a reader only when something broke.
BROKEN = re.compile(r"Traceback|File \"[^\"]+\", line \d+|\x1b\[|papermill encountered")


def _reader_text(html: str) -> str:
    """The page's text as a reader sees it, up to the provenance (a list of every input
    file, which names other boroughs' files)."""
    body = html.split('<details class="provenance">')[0]
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


@pytest.mark.slow
@pytest.mark.parametrize("borough", BOROUGHS)
def test_the_borough_pack_builds_and_names_only_its_borough(borough, tmp_path):
    _require(SHARED_DATA / "mps" / "ward")
    from scpb_analysis.pack.data import open_pack_data

    build = build_pack(borough=borough, period_end=END, data_dir=SHARED_DATA,
                       out=tmp_path / "pack", progress=False)
    assert build.ok, build.summary()
    wards = open_pack_data(SHARED_DATA, borough, END).ward_population()
    others = [b for b in BOROUGHS if b != borough]
    pages = {run.name: run.html.read_text(encoding="utf-8") for run in build.runs}
    assert set(pages) == set(NOTEBOOKS)
    for name, html in pages.items():
        assert not BROKEN.search(html), (name, BROKEN.search(html).group(0))
        text = _reader_text(html)
        assert borough in text, name
        # Wards may carry another borough's name (Havering's "Hylands & Harrow Lodge").
        for ward_name in sorted(wards["ward_name"], key=len, reverse=True):
            text = text.replace(ward_name.replace("&", "&amp;"), " ").replace(ward_name, " ")
        # So may streets: police.uk's map points ("On or near Ealing Road", in Brent).
        text = re.sub(r"On or near (?:[A-Z][\w'.-]*\s?)+", " ", text)
        named = sorted(o for o in others if re.search(rf"(?<![\w-]){re.escape(o)}(?![\w-])",
                                                      text))
        assert not named, (name, named)
    # The ward pages count the borough's own wards, from the data.
    counted = re.findall(r"; (\d+) wards", _reader_text(pages["ward_maps"]))
    assert counted and set(counted) == {str(len(wards))}, counted
    profiled = re.search(r"<h2[^>]*>(.+?) \((E05\d{6})\),", pages["ward_profile"])
    assert profiled and profiled.group(2) in set(wards["ward_code"]), profiled
