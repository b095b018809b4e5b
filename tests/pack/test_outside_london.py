"""The pack for a Community Safety Partnership outside London, from police.uk alone: Bristol on
the Avon and Somerset files (every page), its counts recomputed with plain pandas, the months
the files lack named on the page. Slow: CI runs it (``pytest -m slow``)."""

from __future__ import annotations

import csv
import re

import pytest
from conftest import AVON, BRISTOL
from test_every_borough import BROKEN, _reader_text

from scpb_analysis.cli import main
from scpb_analysis.reference.geography import london_boroughs


@pytest.mark.slow
def test_bristol_pack_from_police_uk(tmp_path, plain, capsys):
    raw, lookup = plain
    status = main(["build", "--data-dir", str(AVON.parents[1]), "--area", "Bristol, City of",
                   "--period-end", "2024-06", "--out", str(tmp_path / "pack"), "--no-progress"])
    assert status == 0, capsys.readouterr().out
    with (tmp_path / "pack" / "tables" / "dashboard.csv").open(newline="") as handle:
        rows = {r["indicator"]: r for r in csv.DictReader(handle)}
    expected = int(((raw["LAD"] == BRISTOL) & (raw["Crime type"] == "Violence and sexual "
                                                "offences")
                    & raw["Month"].between("2023-07", "2024-06")).sum())
    violence = rows["violence_and_sexual_offences"]
    assert int(violence["n_12m"]) == expected == 22_153
    assert violence["peers"] == "local authorities of Avon and Somerset Constabulary"
    page = (tmp_path / "pack" / "html" / "performance_dashboard.html").read_text()
    text = _reader_text(page)
    assert not BROKEN.search(page)
    assert "Bristol, City of, period ending June 2024" in text
    # The gap in the force's files, named, never drawn or counted as zeros.
    assert "no file for July 2024 to August 2024" in text
    assert "Rank of 5 local authorities of Avon and Somerset Constabulary" in text
    boroughs = [b for b in london_boroughs()["borough"] if re.search(rf"\b{b}\b", text)]
    assert boroughs == []
    # The pack lists the files it read: police.uk and the lookup, not MPS tables.
    provenance = (tmp_path / "pack" / "provenance.json").read_text()
    assert "avon-and-somerset" in provenance and "mps/borough" not in provenance
    # Ward rates: each ward's 12 months of violence and sexual offences, counted from the
    # files by the lookup's ward of each crime's LSOA (no 2011 codes after May 2023).
    ward_of = dict(zip(lookup["LSOA21CD"], lookup["WD24CD"], strict=True))
    mine = raw[(raw["LAD"] == BRISTOL) & (raw["Crime type"] == "Violence and sexual offences")
               & raw["Month"].between("2023-07", "2024-06")]
    expected_wards = mine["LSOA code"].map(ward_of).value_counts().to_dict()
    with (tmp_path / "pack" / "tables"
          / "ward_maps_rates_violence_and_sexual_offences.csv").open(newline="") as handle:
        rates = {r["ward_code"]: int(r["count"]) for r in csv.DictReader(handle)}
    assert rates == expected_wards and len(rates) == 34
    for name in ("ward_maps", "ward_profile", "serious_violence_needs_assessment",
                 "partnership"):
        page = (tmp_path / "pack" / "html" / f"{name}.html").read_text()
        assert not BROKEN.search(page), name
        assert "Bristol, City of, period ending June 2024" in _reader_text(page)
    with (tmp_path / "pack" / "tables" / "needs_assessment_risk_factors.csv").open(
            newline="") as handle:
        risk = {r["measure"]: r for r in csv.DictReader(handle)}
    row = risk["Violence and sexual offences: offences"]
    assert int(row["borough_value"]) == expected
    assert risk["Robbery: offences per 1,000 residents"]["comparator"] == (
        "Avon and Somerset Constabulary area (5 local authorities)")
