"""The canonical taxonomy package data: complete, consistent, documented."""

from __future__ import annotations

import csv
import re
from importlib import resources

import pytest

from scpb_analysis.reference.taxonomy import (
    breaks_table,
    category_table,
    indicator_name,
    indicator_table,
    map_category,
    normalise_label,
)


def test_every_category_maps_to_a_known_indicator():
    known = set(indicator_table()["indicator"])
    assert set(category_table()["indicator"]) <= known
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", i) for i in known)


def test_every_indicator_is_reachable_from_some_category():
    assert set(indicator_table()["indicator"]) == set(category_table()["indicator"])


def test_no_category_maps_two_ways_after_normalising():
    seen: dict[tuple[str, str], str] = {}
    for row in category_table().itertuples(index=False):
        key = (normalise_label(row.major), normalise_label(row.minor))
        assert seen.setdefault(key, row.indicator) == row.indicator


@pytest.mark.parametrize(
    "major, minor",
    [("Burglary", "Burglary in a Dwelling"), ("Burglary", "Burglary - Residential"),
     ("Burglary", "Domestic Burglary"), ("BURGLARY", "BURGLARY IN A DWELLING"),
     ("BURGLARY", "BURGLARY - RESIDENTIAL"), ("Burglary", "Residential Burglary of a Home"),
     ("Burglary", "Residential Burglary of Unconnected Building")],
)
def test_issue_examples_map_to_residential_burglary(major, minor):
    assert map_category(major, minor) == "residential_burglary"


def test_lookalike_letters_and_dashes_are_tolerated():
    # Cyrillic "В" and "О" typed in place of Latin B and O, an en dash for the hyphen.
    assert map_category("\u0412URGLARY", "BURGLARY \u2013 RESIDENTIAL") == "residential_burglary"
    assert map_category("R\u041eBBERY", "Robbery of Personal Property") == \
        "robbery_of_personal_property"


def test_schemes_and_like_for_like_flags_are_valid():
    table = category_table()
    assert set(table["scheme"]) == {"mps_2008", "mps_2019", "mps_2024", "home_office_2023",
                                    "mps_dashboard", "mps_vawg"}
    assert set(table["like_for_like"]) == {"yes", "no"}
    # Every 2008 mapping that is not like for like says why.
    not_lfl = table[(table["like_for_like"] == "no")]
    assert (not_lfl["note"].str.len() > 0).sum() >= len(not_lfl) - 3


def test_breaks_are_dated_months():
    breaks = breaks_table()
    assert breaks["month"].str.fullmatch(r"\d{4}-(0[1-9]|1[0-2])").all()
    assert set(breaks["indicator"]) <= {"*"} | set(indicator_table()["indicator"])


def test_readme_documents_every_file():
    readme = (resources.files("scpb_analysis.reference.taxonomy")
              .joinpath("README.md").read_text("utf-8"))
    for name in ("indicators.csv", "mps_categories.csv", "mps_breaks.csv",
                 "mps_definitions.csv"):
        assert name in readme
        with resources.files("scpb_analysis.reference.taxonomy").joinpath(name).open() as handle:
            header = next(csv.reader(handle))
        for column in header:
            assert f"`{column}`" in readme, f"{name}: column {column} undocumented"


def test_indicator_names():
    assert indicator_name("residential_burglary") == "Residential Burglary"
    assert indicator_name("UNMAPPED: x / y") == "UNMAPPED: x / y"


def test_an_unmapped_category_is_tied_to_its_group_and_its_words():
    from scpb_analysis.reference.taxonomy.gaps import related_indicators

    burglary = related_indicators("UNMAPPED: BURGLARY / RES BURGLARY OF A CARAVAN")
    assert set(burglary) == {"residential_burglary", "non_residential_burglary"}
    assert "the group of Residential Burglary" in burglary["residential_burglary"]
    # A known group ties every indicator of the group; a word ties indicators elsewhere.
    violence = related_indicators("VIOLENCE AGAINST THE PERSON / KNIFE ASSAULT")
    assert {"homicide", "violence_with_injury", "violence_without_injury",
            "stalking_and_harassment", "knife_crime", "knife_crime_with_injury"} <= set(violence)
    assert violence["knife_crime"] == "its name contains 'KNIFE'"
    assert "shoplifting" not in violence
    # Words match whole words only: "DRUGSTORE" is not "DRUG".
    theft = related_indicators("THEFT / THEFT FROM A DRUGSTORE")
    assert "possession_of_drugs" not in theft and "shoplifting" in theft
    # A group the taxonomy has never seen could hold anything.
    unknown = related_indicators("HOUSEHOLD OFFENCES / SOMETHING NEW")
    assert set(unknown) == set(indicator_table()["indicator"])


def test_mapping_gaps_ignore_zero_counts_and_other_months():
    import pandas as pd

    from scpb_analysis.reference.taxonomy.gaps import GAP_COLUMNS, mapping_gaps

    months = pd.period_range("2023-01", periods=4, freq="M")
    table = pd.DataFrame({"month": months, "area_type": "borough", "measure": "offences",
                          "indicator": "UNMAPPED: ROBBERY / OF A SHIP", "count": [0, 0, 5, 0],
                          "source_file": "f.csv"})
    assert mapping_gaps(table, end="2023-02").empty
    gaps = mapping_gaps(table, ["robbery_of_personal_property"])
    assert gaps.columns.tolist() == GAP_COLUMNS
    assert gaps[["first_month", "last_month", "count"]].values.tolist() == [
        ["2023-03", "2023-03", 5]]
    assert mapping_gaps(table, area_types=("ward",)).empty
