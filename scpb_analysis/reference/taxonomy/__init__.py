"""The canonical crime taxonomy: one stable snake_case id per category, across every vintage.

Package data (documented in ``README.md`` beside this file):

- ``indicators.csv``: each canonical indicator's id, display name and group;
- ``mps_categories.csv``: every (major, minor) category name seen in any MPS publication, with
  the coding scheme it belongs to, its canonical indicator and whether the mapping is like for
  like;
- ``mps_breaks.csv``: dated recodings inside a coding scheme that make months either side not
  like for like;
- ``mps_definitions.csv``: where a coding defines a canonical indicator differently (a category
  moved out of it), so months coded one way are not like for like with months coded the other;
- ``policeuk_crime_types.csv``: police.uk's crime types, the indicator id each one's counts
  carry outside London, its display name and what it counts.

A category the taxonomy does not know is carried as ``UNMAPPED: major / minor``;
:func:`scpb_analysis.reference.taxonomy.gaps.mapping_gaps` says which indicators it may
belong to, so no
figure is printed as complete while part of it may sit in an unmapped category.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import pandas as pd

from scpb_analysis.reference.packaged import read_packaged_csv

__all__ = [
    "UNMAPPED_PREFIX",
    "indicator_table",
    "category_table",
    "breaks_table",
    "definitions_table",
    "normalise_label",
    "map_category",
    "category_schemes",
    "indicator_name",
    "policeuk_crime_types",
]

UNMAPPED_PREFIX = "UNMAPPED: "

# Exports re-typed from PDFs carry Cyrillic letters that look Latin ("СВО" for "CBO").
_LOOKALIKES = str.maketrans(
    "АВЕКМНОРСТХаеорсухіІѕјԁ",
    "ABEKMHOPCTXaeopcyxiIsjd",
)
_DASHES = re.compile(r"[\u2010-\u2015\u2212]")
_SPACE = re.compile(r"\s+")


def normalise_label(text: str) -> str:
    """Key used to match a category name: case, dashes, spacing and look-alikes ignored.

    Examples
    --------
    >>> normalise_label("  BURGLARY  –  RESIDENTIAL ") == normalise_label("Burglary - Residential")
    True
    """
    text = unicodedata.normalize("NFKC", str(text)).translate(_LOOKALIKES)
    text = _DASHES.sub("-", text)
    return _SPACE.sub(" ", text).strip().casefold()


def _read(name: str) -> pd.DataFrame:
    return read_packaged_csv(name, __name__, dtype=str, keep_default_na=False)


@cache
def _tables() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, dict[tuple[str, str], str]]:
    indicators = _read("indicators.csv")
    categories = _read("mps_categories.csv")
    breaks = _read("mps_breaks.csv")
    lookup: dict[tuple[str, str], str] = {}
    for row in categories.itertuples(index=False):
        key = (normalise_label(row.major), normalise_label(row.minor))
        if lookup.setdefault(key, row.indicator) != row.indicator:
            raise RuntimeError(
                f"taxonomy/mps_categories.csv maps '{row.major} / {row.minor}' to two indicators"
            )
    return indicators, categories, breaks, lookup


@cache
def _schemes() -> dict[tuple[str, str], frozenset[str]]:
    found: dict[tuple[str, str], set[str]] = {}
    for row in _tables()[1].itertuples(index=False):
        key = (normalise_label(row.major), normalise_label(row.minor))
        found.setdefault(key, set()).add(row.scheme)
    return {key: frozenset(value) for key, value in found.items()}


@cache
def _definitions() -> pd.DataFrame:
    table = _read("mps_definitions.csv")
    unknown = sorted(set(table["indicator"]) - set(_tables()[0]["indicator"]))
    if unknown:
        raise RuntimeError(f"taxonomy/mps_definitions.csv names unknown indicators: {unknown}")
    return table


def indicator_table() -> pd.DataFrame:
    """The canonical indicators: ``indicator, name, group, words``.

    ``words`` (``;``-separated) are the words that, found in the name of a category the
    taxonomy does not know, tie it to the indicator (see
    :mod:`scpb_analysis.reference.taxonomy.gaps`).

    >>> indicator_table().set_index("indicator").loc["residential_burglary", "name"]
    'Residential Burglary'
    """
    return _tables()[0].copy()


def category_table() -> pd.DataFrame:
    """Every known source category: ``scheme, major, minor, indicator, like_for_like, note``.

    >>> t = category_table()
    >>> sorted(t.loc[t.minor.str.upper() == "BURGLARY IN A DWELLING", "indicator"].unique())
    ['residential_burglary']
    """
    return _tables()[1].copy()


def breaks_table() -> pd.DataFrame:
    """Dated recodings within a coding scheme: ``scheme, indicator, month, kind, detail``.

    ``indicator`` is ``*`` where the recoding touches every category.

    >>> breaks_table().loc[0, "month"]
    '2024-02'
    """
    return _tables()[2].copy()


def definitions_table() -> pd.DataFrame:
    """Codings that define an indicator differently: ``scheme, indicator, definition, detail``.

    A file in ``scheme`` counts ``indicator`` as ``definition`` says; months from files of
    other codings are not like for like with it, and the loader reports a series break of
    kind ``definition change`` where a series passes from one to the other.

    >>> row = definitions_table().iloc[0]
    >>> row["indicator"], row["definition"]
    ('violence_without_injury', 'excluding stalking and harassment')
    """
    return _definitions().copy()


def category_schemes(major: str, minor: str) -> frozenset[str]:
    """The codings a category name is listed under (empty if the taxonomy does not know it).

    >>> sorted(category_schemes("BURGLARY", "RES BURGLARY OF A HOME"))
    ['home_office_2023']
    """
    return _schemes().get((normalise_label(major), normalise_label(minor)), frozenset())


def map_category(major: str, minor: str) -> str | None:
    """Canonical indicator id for a source category, or ``None`` if it is not in the taxonomy.

    Examples
    --------
    >>> map_category("BURGLARY", "BURGLARY - RESIDENTIAL")
    'residential_burglary'
    >>> map_category("Burglary", "Burglary in a Dwelling")
    'residential_burglary'
    >>> map_category("Burglary", "Burglary of a spaceship") is None
    True
    """
    return _tables()[3].get((normalise_label(major), normalise_label(minor)))


@cache
def _policeuk() -> pd.DataFrame:
    table = _read("policeuk_crime_types.csv")
    if table["indicator"].duplicated().any() or table["crime_type"].duplicated().any():
        raise RuntimeError("taxonomy/policeuk_crime_types.csv lists a crime type twice")
    return table


def policeuk_crime_types() -> pd.DataFrame:
    """police.uk's crime types: ``crime_type`` (as police.uk spells it), ``indicator``,
    ``name`` and ``measure`` (``offences``, or ``incidents`` for anti-social behaviour).

    The fourteen types published since May 2013 come first, then the two only older files use
    ("Violent crime", "Public disorder and weapons").
    Where a type is the MPS taxonomy's group of the same offences (bicycle theft, other theft,
    possession of weapons, shoplifting) it carries the same id; police.uk's broader totals
    (burglary, robbery, violence and sexual offences) have ids of their own.

    >>> t = policeuk_crime_types().set_index("crime_type")
    >>> t.loc["Violence and sexual offences", "indicator"]
    'violence_and_sexual_offences'
    >>> t.loc["Anti-social behaviour", "measure"]
    'incidents'
    """
    return _policeuk().copy()


def indicator_name(indicator: str) -> str:
    """Display name of a canonical indicator or police.uk crime type (unmapped ids are
    returned as they are).

    >>> indicator_name("violence_with_injury"), indicator_name("violence_and_sexual_offences")
    ('Violence with Injury', 'Violence and sexual offences')
    """
    names = dict(zip(_policeuk()["indicator"], _policeuk()["name"], strict=True))
    names.update(zip(_tables()[0]["indicator"], _tables()[0]["name"], strict=True))
    return names.get(indicator, indicator)
