"""Local definitions of serious violence: what the needs assessment counts, and why.

The Serious Violence Duty leaves *serious* violence to be defined locally. A definition is a
registry entry (``serious_violence.toml``, shipped with the package): its wording and source,
whether it puts under-25s first and includes domestic abuse and sexual violence, and for each
kind of data (``"london"``: the MPS borough files and Monthly Crime Dashboard extract;
``"policeuk"``: police.uk street-level crime) the offence groups in and out of the assessment,
each with its reason. Every block of the needs assessment reads its groups from here, so the
page prints one definition and counts exactly what it prints.

Groups are canonical ids: ``taxonomy/indicators.csv`` for the MPS, ``taxonomy/
policeuk_crime_types.csv`` for police.uk. The file is checked as it is read: an unknown id, a
group both in and out, a kind or field the reader does not know each stop with the file, entry
and value named.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from scpb_analysis.core.errors import InputDataError
from scpb_analysis.reference.taxonomy import indicator_name, indicator_table, policeuk_crime_types

__all__ = ["DATA_KINDS", "DEFAULT_DEFINITION", "DEFINITIONS", "OffenceGroup",
           "ViolenceDefinition", "definition_names", "read_definitions", "violence_definition"]

#: The kinds of recorded-crime data a definition places groups for, and where their ids live.
DATA_KINDS = {"london": "taxonomy/indicators.csv",
              "policeuk": "taxonomy/policeuk_crime_types.csv"}

#: The definition a page uses when none is chosen: London's in London, the Home Office's
#: outside it (the London wording speaks of London's agencies).
DEFAULT_DEFINITION = {"london": "london", "policeuk": "home_office"}

_FILE = "serious_violence.toml"
_FIELDS = {"name": str, "title": str, "wording": str, "source": str, "under_25_focus": bool,
           "domestic_abuse": bool, "sexual_violence": bool}
_GROUP_FIELDS = {"kind": str, "indicator": str, "in_scope": bool, "reason": str, "source": str}
_TABLE_COLUMNS = ["indicator", "group", "in_scope", "reason", "source"]


@dataclass(frozen=True)
class OffenceGroup:
    """One offence group of one kind of data, in or out of the assessment, and why."""

    kind: str
    indicator: str
    in_scope: bool
    reason: str
    source: str


@dataclass(frozen=True)
class ViolenceDefinition:
    """A local definition of serious violence and the offence groups it puts in and out.

    Attributes
    ----------
    name, title : str
        Stable id (``"london"``) and what the definition is.
    wording, source : str
        The definition's words and where they come from.
    under_25_focus, domestic_abuse, sexual_violence : bool
        Whether it puts young people under 25 first, and includes domestic abuse and sexual
        violence.
    groups : tuple of OffenceGroup
        Every group placed, in the file's order.

    Examples
    --------
    >>> london = violence_definition("london")
    >>> london.indicators("london")[:3]
    ('homicide', 'violence_with_injury', 'robbery_of_personal_property')
    >>> london.excluded("policeuk")["possession_of_weapons"][:40]
    'Possession offences are mostly found by '
    """

    name: str
    title: str
    wording: str
    source: str
    under_25_focus: bool
    domestic_abuse: bool
    sexual_violence: bool
    groups: tuple[OffenceGroup, ...]

    def _of(self, kind: str) -> tuple[OffenceGroup, ...]:
        if kind not in DATA_KINDS:
            raise ValueError(f"kind must be one of {', '.join(DATA_KINDS)}; got {kind!r}")
        found = tuple(g for g in self.groups if g.kind == kind)
        if not found:
            raise ValueError(f"the definition '{self.name}' places no offence groups for "
                             f"{kind!r} data ({_FILE})")
        return found

    def indicators(self, kind: str) -> tuple[str, ...]:
        """The ids of the groups in scope for ``kind`` data, in the file's order.

        >>> violence_definition("home_office").indicators("policeuk")
        ('violence_and_sexual_offences', 'robbery')
        """
        return tuple(g.indicator for g in self._of(kind) if g.in_scope)

    def excluded(self, kind: str) -> dict[str, str]:
        """The groups left out for ``kind`` data: id -> reason.

        >>> sorted(violence_definition("london").excluded("policeuk"))
        ['anti_social_behaviour', 'possession_of_weapons', 'public_order']
        """
        return {g.indicator: g.reason for g in self._of(kind) if not g.in_scope}

    def table(self, kind: str) -> pd.DataFrame:
        """One row per group: ``indicator, group, in_scope, reason, source``.

        >>> t = violence_definition("london").table("policeuk")
        >>> t[["group", "in_scope"]].values.tolist()[:2]
        [['Violence and sexual offences', True], ['Robbery', True]]
        """
        rows = [{"indicator": g.indicator, "group": indicator_name(g.indicator),
                 "in_scope": g.in_scope, "reason": g.reason, "source": g.source}
                for g in self._of(kind)]
        return pd.DataFrame(rows, columns=_TABLE_COLUMNS)

    def text(self, kind: str) -> str:
        """The definition, its source and what is in and out, as Markdown for the page.

        >>> text = violence_definition("home_office").text("policeuk")
        >>> text.splitlines()[0]
        '**Definition used here: the Home Office Serious Violence Strategy focus, as a local \
definition under the Serious Violence Duty.** Specific types of crime such as homicide, knife \
crime, and gun crime and areas of criminality where serious violence or its threat is \
inherent, such as in gangs and county lines drug dealing.'
        >>> "London" in text
        False
        """
        groups = self._of(kind)
        title = self.title[0].lower() + self.title[1:] if self.title[:4] == "The " else self.title
        focus = [words for flag, words in ((self.under_25_focus, "puts young people under 25 "
                                            "first"),
                                           (self.domestic_abuse, "includes domestic abuse"),
                                           (self.sexual_violence, "includes sexual violence"))
                 if flag]
        lines = [f"**Definition used here: {title}.** {self.wording}", "",
                 f"*Source:* {self.source}." + (f" The definition {_and(focus)}." if focus else ""),
                 "", "**In this assessment** (the groups overlap, so they are profiled one by one "
                 "and never added up):", ""]
        lines += [f"- {indicator_name(g.indicator)} ({g.source}): {g.reason}"
                  for g in groups if g.in_scope]
        out = [g for g in groups if not g.in_scope]
        if out:
            lines += ["", "**Left out:**", ""]
            lines += [f"- {indicator_name(g.indicator)}: {g.reason}" for g in out]
        return "\n".join(lines) + "\n"


def _and(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _known_ids(kind: str) -> set[str]:
    if kind == "london":
        return set(indicator_table()["indicator"])
    return set(policeuk_crime_types()["indicator"])


def _check_fields(where: str, entry: Any, fields: Mapping[str, type], what: str,
                  file: str) -> None:
    if not isinstance(entry, dict):
        raise InputDataError(file, f"{where} is not a table", expected=what)
    unknown = sorted(set(entry) - set(fields) - {"groups"})
    if unknown:
        raise InputDataError(file, f"{where} has unknown field(s) {', '.join(unknown)}",
                             expected=f"only {', '.join(fields)}")
    for key, kind in fields.items():
        if key not in entry:
            raise InputDataError(file, f"{where} has no '{key}'", expected=what)
        value = entry[key]
        if not isinstance(value, kind) or (kind is str and not value.strip()):
            raise InputDataError(file, f"{where}: '{key}' is {value!r}",
                                 expected="true or false" if kind is bool else "a non-empty text")


def _parse(data: Mapping[str, Any], file: str) -> dict[str, ViolenceDefinition]:
    entries = data.get("definitions")
    if not isinstance(entries, list) or not entries:
        raise InputDataError(file, "holds no [[definitions]] table",
                             expected="one [[definitions]] table per definition")
    out: dict[str, ViolenceDefinition] = {}
    for i, entry in enumerate(entries, start=1):
        _check_fields(f"definition {i}", entry, _FIELDS, "the fields " + ", ".join(_FIELDS), file)
        name = entry["name"]
        if name in out:
            raise InputDataError(file, f"definition '{name}' is given twice",
                                 expected="one entry per name")
        groups = []
        placed: dict[tuple[str, str], bool] = {}
        for j, raw in enumerate(entry.get("groups", []), start=1):
            where = f"definition '{name}', group {j}"
            _check_fields(where, raw, _GROUP_FIELDS, "the fields " + ", ".join(_GROUP_FIELDS),
                          file)
            kind, indicator = raw["kind"], raw["indicator"]
            if kind not in DATA_KINDS:
                raise InputDataError(file, f"{where}: kind {kind!r} is not known",
                                     expected=" or ".join(repr(k) for k in DATA_KINDS))
            if indicator not in _known_ids(kind):
                raise InputDataError(file, f"{where}: '{indicator}' is not an id of "
                                     f"{DATA_KINDS[kind]}",
                                     expected=f"a canonical id of {DATA_KINDS[kind]}")
            key = (kind, indicator)
            if key in placed:
                both = placed[key] != raw["in_scope"]
                raise InputDataError(file, f"{where}: '{indicator}' ({kind}) is "
                                     + ("both in and out of scope" if both else "listed twice"),
                                     expected="each group once, in or out")
            placed[key] = raw["in_scope"]
            groups.append(OffenceGroup(kind, indicator, raw["in_scope"], raw["reason"].strip(),
                                       raw["source"].strip()))
        if not groups:
            raise InputDataError(file, f"definition '{name}' places no offence groups",
                                 expected="[[definitions.groups]] tables")
        out[name] = ViolenceDefinition(
            name=name, title=entry["title"].strip(), wording=entry["wording"].strip(),
            source=entry["source"].strip(), under_25_focus=entry["under_25_focus"],
            domestic_abuse=entry["domestic_abuse"], sexual_violence=entry["sexual_violence"],
            groups=tuple(groups))
    return out


def read_definitions(path: str | Path) -> dict[str, ViolenceDefinition]:
    """Definitions from a TOML file laid out like the packaged ``serious_violence.toml``.

    A partnership with its own local definition writes it in this layout; it is checked as
    the packaged file is.

    Parameters
    ----------
    path : path
        The TOML file.

    Returns
    -------
    dict of str to ViolenceDefinition
        By name, in the file's order.

    Raises
    ------
    InputDataError
        If the file is not TOML, or an entry lacks a field, names an unknown kind or id, or
        puts a group both in and out (the message names the file, entry and value).

    Examples
    --------
    >>> import tempfile
    >>> bad = Path(tempfile.mkdtemp()) / "mine.toml"
    >>> _ = bad.write_text('[[definitions]]\\nname = "x"\\n', encoding="utf-8")
    >>> read_definitions(bad)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    scpb_analysis.core.errors.InputDataError: ...mine.toml: definition 1 has no 'title'; \
expected the fields name, title, ...
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InputDataError(path, f"is not valid TOML ({exc})") from exc
    return _parse(data, str(path))


@cache
def _packaged() -> dict[str, ViolenceDefinition]:
    text = resources.files(__package__).joinpath(_FILE).read_text(encoding="utf-8")
    return _parse(tomllib.loads(text), f"scpb_analysis/reference/{_FILE}")


#: The packaged definitions by name (``"london"``, ``"home_office"``).
DEFINITIONS: Mapping[str, ViolenceDefinition] = _packaged()


def definition_names() -> list[str]:
    """The names of the packaged definitions.

    >>> definition_names()
    ['london', 'home_office']
    """
    return list(DEFINITIONS)


def violence_definition(name: str) -> ViolenceDefinition:
    """The packaged definition called ``name``.

    Raises
    ------
    KeyError
        If there is none, naming those there are.

    Examples
    --------
    >>> violence_definition("london").under_25_focus
    True
    >>> violence_definition("Cardiff")
    Traceback (most recent call last):
    ...
    KeyError: "no serious violence definition 'Cardiff'; the package holds: london, home_office"
    """
    if name not in DEFINITIONS:
        raise KeyError(f"no serious violence definition '{name}'; the package holds: "
                       f"{', '.join(DEFINITIONS)}")
    return DEFINITIONS[name]
