"""The local definitions of serious violence: read from the packaged TOML, checked on loading."""

from __future__ import annotations

import csv
import tomllib
from importlib import resources

import pytest

from scpb_analysis.blocks.needs_assessment import scope_text
from scpb_analysis.core.errors import InputDataError
from scpb_analysis.reference.serious_violence import (
    DEFINITIONS,
    definition_names,
    read_definitions,
    violence_definition,
)

TAXONOMY = resources.files("scpb_analysis.reference.taxonomy")


def _ids(name: str) -> set[str]:
    with TAXONOMY.joinpath(name).open(encoding="utf-8") as handle:
        return {row["indicator"] for row in csv.DictReader(handle)}


def _raw() -> dict:
    text = resources.files("scpb_analysis.reference").joinpath("serious_violence.toml")
    return tomllib.loads(text.read_text(encoding="utf-8"))


def test_the_packaged_definitions_are_london_and_the_home_office():
    assert definition_names() == ["london", "home_office"]
    london = violence_definition("london")
    assert london.under_25_focus and london.domestic_abuse and london.sexual_violence
    assert "under the age of 25" in london.wording and "threats to kill" in london.wording
    assert not violence_definition("home_office").under_25_focus


def test_every_group_id_is_in_its_taxonomy_file_read_with_csv():
    known = {"london": _ids("indicators.csv"), "policeuk": _ids("policeuk_crime_types.csv")}
    for entry in _raw()["definitions"]:
        for group in entry["groups"]:
            assert group["indicator"] in known[group["kind"]], (entry["name"], group)


@pytest.mark.parametrize("name", ["london", "home_office"])
def test_groups_in_and_out_follow_the_file(name):
    entry = next(e for e in _raw()["definitions"] if e["name"] == name)
    for kind in ("london", "policeuk"):
        wanted_in = [g["indicator"] for g in entry["groups"]
                     if g["kind"] == kind and g["in_scope"]]
        wanted_out = {g["indicator"]: g["reason"].strip() for g in entry["groups"]
                      if g["kind"] == kind and not g["in_scope"]}
        definition = DEFINITIONS[name]
        assert list(definition.indicators(kind)) == wanted_in
        assert definition.excluded(kind) == wanted_out
        assert not set(wanted_in) & set(wanted_out)
        table = definition.table(kind)
        assert table["in_scope"].sum() == len(wanted_in)
        assert (table["reason"].str.len() > 0).all()


def test_the_london_groups_the_brief_names():
    london = violence_definition("london")
    inside = set(london.indicators("london"))
    assert {"homicide", "violence_with_injury", "robbery_of_personal_property", "rape",
            "other_sexual_offences", "knife_crime_with_injury",
            "gun_crime_lethal_barrelled_discharges", "domestic_abuse_violence_with_injury",
            "knife_injury_victims_1_24"} <= inside
    out = london.excluded("london")
    assert {"violence_without_injury", "stalking_and_harassment", "possession_of_weapons",
            "public_fear_alarm_distress", "violent_disorder"} <= set(out)
    assert "proactive policing" in out["possession_of_weapons"]
    assert london.indicators("policeuk") == ("violence_and_sexual_offences", "robbery")
    assert set(london.excluded("policeuk")) == {"possession_of_weapons", "public_order",
                                                "anti_social_behaviour"}


def test_text_names_every_group_and_outside_london_says_nothing_of_london():
    london = violence_definition("london").text("london")
    for phrase in ("Violence with Injury", "Left out", "Possession of Weapons",
                   "never added up"):
        assert phrase in london
    outside = violence_definition("home_office").text("policeuk")
    assert "London" not in outside and "borough" not in outside
    assert "Violence and sexual offences" in outside


def test_scope_text_takes_the_definition_and_kind():
    text = scope_text("london")
    assert "Police, Crime, Sentencing and Courts Act 2022" in text
    assert "under the age of 25" in text and "terrorism" in text
    assert scope_text() == text
    outside = scope_text(kind="policeuk")
    assert "London" not in outside and "borough" not in outside
    assert "police force's area" in outside
    assert scope_text(violence_definition("home_office"), "policeuk") == outside
    with pytest.raises(ValueError, match="kind must be one of"):
        scope_text("london", kind="scotland")


_GOOD = '''
[[definitions]]
name = "mine"
title = "Our definition"
wording = "Violence with injury."
source = "Our board, 2024"
under_25_focus = false
domestic_abuse = false
sexual_violence = false

[[definitions.groups]]
kind = "london"
indicator = "violence_with_injury"
in_scope = true
reason = "It is ours."
source = "MPS Borough Level Crime"
'''


def test_a_partnership_file_in_the_same_layout_is_read(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(_GOOD, encoding="utf-8")
    mine = read_definitions(path)["mine"]
    assert mine.indicators("london") == ("violence_with_injury",)
    with pytest.raises(ValueError, match="places no offence groups for 'policeuk'"):
        mine.indicators("policeuk")


@pytest.mark.parametrize(("change", "message"), [
    (("violence_with_injury", "violence_with_injruy"),
     "definition 'mine', group 1: 'violence_with_injruy' is not an id of "
     "taxonomy/indicators.csv"),
    (('kind = "london"', 'kind = "scotland"'), "kind 'scotland' is not known"),
    (("in_scope = true", 'in_scope = "yes"'), "'in_scope' is 'yes'; expected true or false"),
    (('title = "Our definition"\n', ""), "definition 1 has no 'title'"),
    (("under_25_focus = false", "under_25 = false"), "unknown field"),
])
def test_bad_entries_are_refused_naming_the_file_entry_and_value(tmp_path, change, message):
    path = tmp_path / "mine.toml"
    path.write_text(_GOOD.replace(*change), encoding="utf-8")
    with pytest.raises(InputDataError, match="mine.toml") as err:
        read_definitions(path)
    assert message in str(err.value)


def test_a_group_both_in_and_out_is_refused(tmp_path):
    twice = _GOOD + _GOOD.split("[[definitions.groups]]")[1].join(
        ["\n[[definitions.groups]]", ""]).replace("in_scope = true", "in_scope = false")
    path = tmp_path / "mine.toml"
    path.write_text(twice, encoding="utf-8")
    with pytest.raises(InputDataError, match="both in and out of scope"):
        read_definitions(path)


def test_not_toml_and_an_unknown_name_are_refused(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text("[[definitions]\nname=", encoding="utf-8")
    with pytest.raises(InputDataError, match="is not valid TOML"):
        read_definitions(path)
    with pytest.raises(KeyError, match="the package holds: london, home_office"):
        violence_definition("barnet")
