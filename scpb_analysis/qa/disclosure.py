"""Keep personal data and small numbers out of what the board pack publishes.

Partnership data (CCTV incident logs, ASB case lists, Prevent and DA MARAC referrals) carry
names, addresses, dates of birth, phone numbers, e-mails and free text, and a ward-level count
of domestic or sexual incidents can point at a household. This module has two halves.

Personal data: :func:`drop_pii` removes the columns whose header names personal data before
anything is analysed, and :func:`scan_outputs` reads the rendered pack (HTML, CSV, text,
Markdown, JSON, notebooks) for e-mail addresses, UK phone numbers, full postcodes, National
Insurance numbers, dates of birth and names (after a title, a label or a cue, beside other
personal data, or given as the people in the source data), so the pack build can refuse to
publish (:func:`refuse_if_pii`); :func:`scan_file_name` does the same for an input file's
name. Findings and errors never reprint what they found.

Small numbers: :func:`suppress` shows counts from 1 to 4 as ``<5`` in a public table and hides
further cells so that no hidden count can be worked out from the published totals;
:func:`suppress_linked` does so for tables published together that share a margin (a ward
table and the ward by type table whose total column it is); :func:`verify_suppression` and
:func:`verify_linked` check any result independently, by linear programming on what a reader
of the published tables can see.

A public table must stay useful: :func:`release_table` first aggregates a sparse table
(columns into groups with :func:`group_columns`, small rows into one with
:func:`combine_rows`) until fewer than :data:`PUBLIC_MAX_SUPPRESSED` of its cells are hidden,
and only then suppresses it. The rule, for every public table: counts from 1 to 4 are shown as
``<5``; further cells are hidden as ``[c]`` so none can be worked out from a row or column
total, in this or another published table; true zeros are shown as 0 (a count of none
identifies no one), unless a zero has to be hidden to protect a small count, when every zero
of the table is hidden and the note says so.
"""

from __future__ import annotations

import csv
import functools
import html
import json
import math
import re
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import linprog

from scpb_analysis.core.errors import InputDataError

__all__ = [
    "AUDIENCES",
    "PII_HEADER_PATTERNS",
    "PUBLIC_MAX_SUPPRESSED",
    "SCANNED_SUFFIXES",
    "Finding",
    "PersonalDataError",
    "Release",
    "SuppressionResult",
    "SuppressionRule",
    "check_audience",
    "combine_rows",
    "disclosure_problems",
    "drop_pii",
    "group_columns",
    "hidden_ranges",
    "linked_hidden_ranges",
    "pii_columns",
    "refuse_if_pii",
    "release_table",
    "scan_outputs",
    "scan_text_for_pii",
    "scan_file_name",
    "suppress",
    "suppress_linked",
    "suppressed_share",
    "verify_linked",
    "verify_suppression",
]

AUDIENCES = ("internal", "public")


def check_audience(audience: Any) -> str:
    """The audience, if it is one the toolkit knows; otherwise a plain-language error.

    Examples
    --------
    >>> check_audience("public")
    'public'
    >>> check_audience("board")
    Traceback (most recent call last):
    ...
    ValueError: audience must be one of 'internal', 'public', got 'board'
    """
    if not isinstance(audience, str) or audience not in AUDIENCES:
        raise ValueError(f"audience must be one of {', '.join(map(repr, AUDIENCES))}, "
                         f"got {audience!r}")
    return audience


# ---------------------------------------------------------------------------------------------
# Personal data in column headers
# ---------------------------------------------------------------------------------------------

# People whose name a partnership export may hold. A header is a name column only when it names
# a person: "Caller Name" is, "Ward Name" and "Incident Type Name" are not.
_ROLES = (
    "alleged perpetrator", "applicant", "carer", "caller", "child", "client", "complainant",
    "contact", "defendant", "driver", "father", "guardian", "informant", "landlord", "mother",
    "neighbour", "next of kin", "officer", "offender", "operator", "owner", "parent", "partner",
    "patient", "perp", "perpetrator", "person", "recipient", "referrer", "reporter", "resident",
    "respondent", "service user", "staff", "subject", "survivor", "suspect", "tenant", "user",
    "victim", "witness", "worker", "young person",
)
_ROLE = "(?:" + "|".join(sorted((r.replace(" ", r"\s") for r in _ROLES), key=len,
                                reverse=True)) + ")"
# A bare role header ("Operator", "Victim") in a case list holds the person's name.
_BARE_ROLE = ("(?:applicant|caller|complainant|offender|officer|operator|perpetrator|recipient|"
              "referrer|suspect|victim|witness)s?")
_NAME_PART = "(?:full|first|last|given|middle|family|fore|sur|maiden|preferred|legal|christian)"
_ROLE_PREFIX = rf"(?:{_ROLE}(?:\ss)?\s(?:\d+\s)?)?"

PII_HEADER_PATTERNS = MappingProxyType({
    # Headers are compared after _normalise_header: lower case, camelCase split, runs of
    # punctuation and spaces turned into one space ("E-mail" -> "e mail", "D.O.B." -> "d o b").
    "name": re.compile(
        rf"^{_ROLE_PREFIX}(?:{_NAME_PART}\s?)?names?(?!\sof\b)(?:\s.*)?$"
        rf"|^names?\sof\s(?:the\s)?{_ROLE}(?:\s\d+)?$"
        rf"|^{_ROLE_PREFIX}(?:initials|alias(?:es)?|aka|nickname|known\sas)$"
        rf"|^{_BARE_ROLE}(?:\s\d+)?$"
    ),
    "date_of_birth": re.compile(r"\b(?:date\sof\sbirth|dob|d\so\sb|birth\s?date|date\sbirth|"
                                r"birthday)\b"),
    "email": re.compile(r"\be\s?mails?\b"),
    "phone": re.compile(r"\b(?:phone|phones|telephone|tel|mobile|mob|landline|fax|"
                        r"contact\s(?:no|number|tel))\b"),
    "postcode": re.compile(r"\b(?:post\s?codes?|postal\scodes?|zip(?:\s?codes?)?)\b"),
    "address": re.compile(r"\b(?:address(?:es)?|addr|street|house|flat|dwelling|uprn|"
                          r"residence)\b"),
    "free_text": re.compile(r"\b(?:notes?|comments?|free\s?text|descriptions?|narratives?|"
                            r"remarks?|details|summary|observations?|circumstances)\b"),
    "nhs_number": re.compile(r"\bnhs\b"),
    "ni_number": re.compile(r"\b(?:ni|n\si|nino|national\sinsurance)\b"),
    "other_identifier": re.compile(r"\b(?:passport|pnc|driving\slicen[cs]e|vrm|number\splate|"
                                   r"vehicle\sreg(?:istration)?|"
                                   r"reg(?:istration)?\s(?:no|number|mark))\b"),
})


def _normalise_header(label: Any) -> str:
    text = " ".join(map(str, label)) if isinstance(label, tuple) else str(label)
    text = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", text)
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def _pii_kind(label: Any) -> str | None:
    header = _normalise_header(label)
    for kind, pattern in PII_HEADER_PATTERNS.items():
        if pattern.search(header):
            return kind
    return None


def pii_columns(columns: Iterable[Hashable]) -> list[Hashable]:
    """The column labels that name personal data, in their original order.

    A header is matched after lower-casing, splitting camelCase and turning punctuation into
    spaces, against :data:`PII_HEADER_PATTERNS`: person names (``Name``, ``Surname``,
    ``Caller Name``, a bare ``Operator``; never ``Ward Name``, ``Borough Name``,
    ``Incident Type Name``), date of birth, e-mail, phone, postcode, address, free text
    (notes, comments, description, narrative), NHS and National Insurance numbers, and other
    identifiers (passport, PNC, vehicle registration).

    Parameters
    ----------
    columns : iterable of labels
        Column headers, e.g. ``frame.columns``. Tuples (MultiIndex columns) are read as their
        levels joined by spaces.

    Returns
    -------
    list
        The matching labels, unchanged.

    Examples
    --------
    >>> pii_columns(["Ward", "Ward Name", "Caller Name", "DOB", "E-mail", "Incident Type"])
    ['Caller Name', 'DOB', 'E-mail']
    """
    return [label for label in columns if _pii_kind(label) is not None]


def drop_pii(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[Hashable]]:
    """The frame without its personal-data columns, and the labels of the columns dropped.

    Call it straight after loading a partnership export, so nothing downstream ever holds the
    columns; keep the dropped list for the provenance record.

    Examples
    --------
    >>> log = pd.DataFrame({"Ward": ["Hendon"], "Incident Type": ["Theft"],
    ...                     "Caller Name": ["A Person"], "Notes": ["seen near the station"]})
    >>> kept, dropped = drop_pii(log)
    >>> list(kept.columns), dropped
    (['Ward', 'Incident Type'], ['Caller Name', 'Notes'])
    """
    if not isinstance(frame, pd.DataFrame):
        raise ValueError(f"drop_pii needs a DataFrame, got {type(frame).__name__}")
    # A file read without its header row (or with a data row above it) has personal data as
    # its column labels, which would be kept and printed; refuse it, masked.
    # Read as one line, as the row it was: a name beside a phone number is a name.
    findings = scan_text_for_pii(", ".join(map(_normalise_label_text, frame.columns)))
    if findings:
        raise PersonalDataError([Finding(None, 1, f.kind, f"column label {f.excerpt_masked}",
                                         "header row") for f in findings])
    dropped = pii_columns(frame.columns)
    return frame.drop(columns=dropped), dropped


def _normalise_label_text(label: Any) -> str:
    return " ".join(map(str, label)) if isinstance(label, tuple) else str(label)


# ---------------------------------------------------------------------------------------------
# Personal data in rendered text
# ---------------------------------------------------------------------------------------------

SCANNED_SUFFIXES = (".html", ".htm", ".csv", ".txt", ".md", ".json", ".ipynb")

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
                    r"(?![\w-])")

# UK numbers (01, 02, 03 and 07: ten digits after the 0) in the groupings people write them
# in. The 0 must touch the next digit and the groups are fixed, so a row of counts
# ("0 12 3 45"), a year or a date never lines up into a number.
_SEP = r"[ \t-]?"
_PREFIX = r"(?:\+44[ \t]?(?:\(0\)[ \t]?)?|\(?0)"
# A number's decimals are never a phone number: the mean rank 22794.07605313093 holds the
# digits of 07605 313093 after its point (issue 15), so a 0 after a decimal point and a number
# followed by ".digit" are parts of a number, not a number to call. A point counts as a
# decimal point unless a word of two letters or more comes before it ("Tel.07700 900123"):
# minified scripts and SVG paths write fractions without their 0, after a sign or a one-letter
# path command ("-.0207946001", "M.07605313093").
_PHONE = re.compile(
    rf"(?<![\w+(])(?<![^A-Za-z]\.)(?<!^\.)(?<![^A-Za-z][A-Za-z]\.)(?<!^[A-Za-z]\.)"
    rf"{_PREFIX}(?:"
    rf"[1237]\d\)?{_SEP}\d{{4}}{_SEP}\d{{4}}"  # 020 7946 0018
    rf"|[1237]\d{{2}}\)?{_SEP}\d{{3}}{_SEP}\d{{4}}"  # 0121 496 0000, 0208 359 2953
    rf"|[1237]\d{{3}}\)?{_SEP}(?:\d{{6}}|\d{{3}}{_SEP}\d{{3}})"  # 07700 900123
    rf"|1\d{{3}}\)?{_SEP}\d{{5}}"  # the few ten-digit numbers, 01632 96012
    r")(?!\w)(?!\.\d)"
)

# A full postcode: outward code and inward code. The outward code alone ("NW9") is an area of
# thousands of households and is not looked for. The letter rules are the Royal Mail ones
# (no Q/V/X first, no I/J/Z second, inward letters never C/I/K/M/O/V).
_POSTCODE = re.compile(
    r"(?<![#\w])([A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?)(\s?)(\d[ABD-HJLNP-UW-Z]{2})(?!\w)",
    re.IGNORECASE,
)
# Lower-case CSS lengths in a rendered page ("h1 2px") have the shape of a spaced postcode.
_CSS_UNITS = frozenset({"px", "pt", "fr", "vh", "vw", "em", "ex", "ch", "pc"})

# National Insurance numbers: two prefix letters, six digits, a suffix A to D, written
# "AB123456C" or "AB 12 34 56 C". HMRC never uses D, F, I, Q, U or V as either prefix letter,
# nor O as the second, and never allocates the prefixes BG, GB, KN, NK, NT, TN and ZZ, so
# codes with those prefixes are left alone.
_NI_NUMBER = re.compile(
    r"(?<![A-Za-z0-9])(?!(?:BG|GB|KN|NK|NT|TN|ZZ))"
    r"[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z][ ]?\d{2}[ ]?\d{2}[ ]?\d{2}[ ]?[A-D](?![A-Za-z0-9])",
    re.IGNORECASE,
)

# A date of birth is a date labelled as one ("DOB: 03/03/1985", "born 3 March 1985", "date of
# birth 1985-03-03"). A date on its own is an incident date, a period or a publication date.
_MONTHS = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|"
           r"aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")
_DSEP = r"[/.\- ]"
_DATE = (rf"(?:\d{{1,2}}{_DSEP}\d{{1,2}}{_DSEP}(?:\d{{4}}|\d{{2}})"
         rf"|\d{{4}}{_DSEP}\d{{1,2}}{_DSEP}\d{{1,2}}"
         rf"|\d{{1,2}}(?:st|nd|rd|th)?[ \-]{_MONTHS}\.?,?[ \-]\d{{4}}"
         rf"|{_MONTHS}\.?[ ]\d{{1,2}}(?:st|nd|rd|th)?,?[ ]\d{{4}}"
         r"|(?:19|20)\d{6})")
_DATE_OF_BIRTH = re.compile(
    r"(?<![A-Za-z])(?:d\.?[ ]?o\.?[ ]?b\.?|date[ ]of[ ]birth|birth[ ]?date|born(?:[ ]on)?|"
    rf"birthday)[ \t]*[:=\-–]?[ \t]*({_DATE})(?!\d)",
    re.IGNORECASE,
)

# Names. Without a list of the people in the data, a name is recognised by what surrounds
# it: a title ("Mr Smith", "Dr J. Okafor"), a label ("Name: Jane Okafor", "Caller: ..."), or
# a common forename followed by a surname where the line also holds other personal data or a
# cue such as "called by". Ward, street and place names carry none of these.
_NAME_WORD = r"(?:[A-Z][a-z]+(?:['’\-][A-Z]?[a-z]+)*|[A-Z]\.?)"
_SURNAME = r"(?:(?:Mc|Mac|O['’])?[A-Z][a-z]+(?:['’\-][A-Z]?[a-z]+)*|[A-Z]{2,})"
_TITLED = re.compile(
    rf"(?<![\w&])(?:Mr|Mrs|Ms|Miss|Mx|Dr|MR|MRS|MS|MISS|DR)\.?[ ]+"
    rf"((?:{_NAME_WORD}[ ]+){{0,2}}{_SURNAME})(?![\w&])"
)
_LABELLED = re.compile(
    # "Caller name:", "Victim:", "Reported by:"; and a bare "Name:" or "Surname:" only when no
    # word comes before it, so "Ward Name: Burnt Oak" and "ward_name: Hendon" are not names.
    rf"(?:(?<![\w-])(?i:(?:{_ROLE})[ ]+(?:(?:full|first|last|given|family|middle)[ ]+|sur|fore)?"
    rf"names?|caller|complainant|victim|suspect|witness|perpetrator|offender|informant|"
    rf"referrer|(?:called|reported|referred|seen)[ ]by)"
    rf"|(?<![\w-][ ])(?<![\w-])(?i:(?:(?:full|first|last|given|family|middle)[ ]+|sur|fore)?"
    rf"names?))[ \t]*[:=][ \t]*((?:{_NAME_WORD}[ ]+){{0,2}}{_SURNAME})(?![\w&])"
)
_CUE = re.compile(r"(?i:(?:called|reported|referred|seen|raised|logged|contacted|visited|"
                  r"interviewed|arrested)[ ]by|spoke[ ](?:to|with)|"
                  r"caller|victim|suspect|witness|complainant|perpetrator|informant)[ ,:]+$")
# Second words that make "<forename> <word>" a place, a building or a thing, not a person.
_NOT_SURNAMES = frozenset("""
academy and avenue borough bridge building centre church close college common corner court
crescent drive east estate field fields gardens gate grange green grove hall heath hill
hospital house lane library lodge manor market mews north park parade place primary road row
school square station street south terrace the town vale walk ward way west wharf wood yard
""".split())
# Street and building words: "John Archer Way", "Annie Besant Close" are addresses of no one.
_PLACE_WORDS = frozenset("""
approach avenue bank boulevard buildings chase circus close cottages court crescent croft
dale drive embankment end gardens gate glade glen grove heights hill house houses lane
mansions mead meadow meadows mews mount orchard parade park passage path place quay rise
road row square street terrace towers view villas walk way wharf yard
""".split()) | _NOT_SURNAMES
# Ward names in England and Wales (ONS ward lookups, 2024 and 2025 wards) that read as a
# forename and a surname.
_PLACE_NAMES = frozenset({"ashley down", "charles dickens", "isaac newton", "john o'gaunt",
                          "mary tavy", "robin hood", "william morris"})
# Words that are never a surname in a file name: what the file holds, its format or period.
_FILE_WORDS = frozenset("""
and asb bcu borough boroughs case cases cctv copy crime csv data draft dv export extract
final incident incidents json list log logs london marac month monthly new notes of old pdf
police prevent quarter quarterly raw referral referrals report reports summary table tables
the to txt v ward wards week weekly xls xlsx year yearly zip
""".split()) | _NOT_SURNAMES
# Label values that describe rather than name someone ("Victim: Female", "Caller: Police").
_REFUSED_VALUES = frozenset("""
adult anonymous boy business child council female girl juvenile male member n na none
not known given other police public redacted resident shop staff unknown withheld youth
""".split())


def _load_forenames() -> frozenset[str]:
    from importlib.resources import files

    text = files("scpb_analysis.reference").joinpath("forenames.csv").read_text("utf-8")
    return frozenset(line.strip().casefold() for line in text.splitlines()[1:] if line.strip())


#: Common forenames in England and Wales (``reference/forenames.csv``): a curated list of
#: names frequent in the ONS "Baby names in England and Wales" top-100 lists since the
#: 1950s, with names that are also ordinary words, months or places (Mark, May, Grace,
#: Victoria, Amber, Beverley) left out so that they never turn a place or a word into a find.
FORENAMES = _load_forenames()
_FORENAME_PAIR = re.compile(rf"(?<![\w&])([A-Z][a-z]+)[ ]+((?:[A-Z]\.?[ ]+)?{_SURNAME})"
                            rf"(?![\w&])")
_DATA_URI = re.compile(r"data:[\w.+-]+/[\w.+-]+(?:;[\w.+=-]+)*;base64,[A-Za-z0-9+/=]+")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_CONTEXT = 24


@dataclass(frozen=True)
class Finding:
    """One piece of personal data found in text, located but not repeated.

    Attributes
    ----------
    path : str or None
        The file, or None for text scanned directly.
    line : int
        Line number, from 1, in the file (or, for a notebook, within the part named by
        ``where``).
    kind : str
        ``"email"``, ``"phone"``, ``"postcode"``, ``"ni_number"``, ``"date_of_birth"`` or
        ``"name"`` (for a CSV column whose header names personal data, that column's kind).
    excerpt_masked : str
        The text around the find with every find on the line masked: the first character is
        kept and every other letter or digit becomes ``*``.
    where : str
        For a notebook, the part scanned, e.g. ``"cell 3 output 1 (text/html)"``.
    """

    path: str | None
    line: int
    kind: str
    excerpt_masked: str
    where: str = ""

    def __str__(self) -> str:
        place = ", ".join(p for p in (self.path, self.where, f"line {self.line}") if p)
        return f"{place}: {self.kind} in '{self.excerpt_masked}'"


def _mask(text: str) -> str:
    # Same length as the original, so positions on the line still line up.
    return text[:1] + re.sub(r"[^\W_]", "*", text[1:])


def _phone_key(text: str) -> str:
    digits = re.sub(r"\D", "", text)
    if text.lstrip().startswith("+44"):
        rest = digits[2:]
        digits = rest if rest.startswith("0") else "0" + rest
    return digits


def _allow_key(kind: str, text: str) -> str:
    return _phone_key(text) if kind == "phone" else re.sub(r"\s+", "", text).casefold()


def _names_pattern(names: Iterable[str] | str) -> re.Pattern[str] | None:
    if isinstance(names, str):
        names = [names]
    unique: dict[str, str] = {}
    for name in names:
        if name is None or (not isinstance(name, str) and pd.isna(name)):
            continue
        if not isinstance(name, str):
            raise ValueError(f"names must be text, got {name!r}")
        words = name.split()
        # One letter would match initials and list markers everywhere.
        if words and len("".join(words)) > 1:
            unique.setdefault(" ".join(words).casefold(), r"\s+".join(map(re.escape, words)))
    if not unique:
        return None
    # Longest first, so "Jane Smith" is one find rather than "Jane" and "Smith".
    alternatives = sorted(unique.values(), key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)", re.IGNORECASE)


def _value_ok(value: str) -> bool:
    return not set(re.findall(r"\w+", value.casefold())) <= _REFUSED_VALUES


def _is_place(line: str, start: int, end: int) -> bool:
    following = re.match(r"[ ]+([A-Za-z]+)", line[end:])
    return (" ".join(line[start:end].split()).casefold().replace("’", "'") in _PLACE_NAMES
            or (following is not None and following.group(1).casefold() in _PLACE_WORDS)
            # police.uk locations: "On or near Edward Mills Way".
            or re.search(r"(?i)\bnear[ ]+$", line[:start]) is not None)


def _name_spans(line: str, others: bool) -> list[tuple[int, int, str]]:
    spans = [(m.start(1), m.end(1), "name") for pattern in (_TITLED, _LABELLED)
             for m in pattern.finditer(line) if _value_ok(m.group(1))]
    for m in _FORENAME_PAIR.finditer(line):
        first, last = m.group(1), m.group(2).split()[-1]
        if first.casefold() not in FORENAMES or last.casefold().strip(".") in _NOT_SURNAMES \
                or _is_place(line, m.start(), m.end()):
            continue
        # A forename and a surname are a find beside other personal data on the line, or
        # straight after a cue ("Called by", "Victim:").
        if others or _CUE.search(line[:m.start()]):
            spans.append((m.start(), m.end(), "name"))
    return spans


# A number as a table writes it: a sign, whole part (thousands separated or not), decimals,
# exponent, then a percent or percentage-point unit. The whole part never has a leading zero
# ("0.5" yes, "07700900123" no), since no number keeps one: a cell that does is text.
_NUMBER = re.compile(
    r"[-+−]?(?=\.?\d)(?:0|[1-9]\d*|[1-9]\d{0,2}(?:,\d{3})+)?(?:\.\d+)?(?:[eE][-+]?\d+)?"
    r"(?:[ ]?(?:%|pp|p\.p\.))?"
)


def _is_number(value: str) -> bool:
    value = value.strip()
    # "+447700900123" is a phone number written internationally; a number with a plus sign
    # is a change ("+5.6%", "+0.25"), which has a point or a unit.
    if value.startswith("+") and not re.search(r"[.%p]", value):
        return False
    return _NUMBER.fullmatch(value) is not None


def _csv_number_cells(line: str) -> list[tuple[int, int]]:
    # Where each cell of a CSV line that is a number lies on the line, read as csv does
    # ("..." quotes a cell, "" is a quote inside one).
    cells, start, size = [], 0, len(line)
    while start <= size:
        if line.startswith('"', start):
            end = start + 1
            while True:
                end = line.find('"', end)
                if end == -1 or not line.startswith('"', end + 1):
                    break
                end += 2
            end = size if end == -1 else line.find(",", end)
            value = line[start:size if end == -1 else end].strip().strip('"')
        else:
            end = line.find(",", start)
            value = line[start:size if end == -1 else end]
        end = size if end == -1 else end
        if _is_number(value):
            cells.append((start, end))
        start = end + 1
    return cells


def _line_spans(line: str, names_re: re.Pattern[str] | None,
                allowed: frozenset[tuple[str, str]],
                extra: Callable[[str], list[tuple[int, int, str]]] | None = None,
                csv_line: bool = False) -> list[tuple[int, int, str]]:
    spans = [(m.start(), m.end(), "email") for m in _EMAIL.finditer(line)]
    spans += [(m.start(), m.end(), "phone") for m in _PHONE.finditer(line)]
    for m in _POSTCODE.finditer(line):
        found = m.group(0)
        inward_letters = m.group(3)[1:]
        if m.group(2) == "":
            # Unspaced, only in capitals: lower-case runs like "a1b2de" are identifiers.
            if not found.isupper():
                continue
        elif not (found.isupper() or (found.islower()
                                      and inward_letters not in _CSS_UNITS)):
            continue
        spans.append((m.start(), m.end(), "postcode"))
    spans += [(m.start(), m.end(), "ni_number") for m in _NI_NUMBER.finditer(line)
              if m.group(0).isupper() or m.group(0).islower()]
    spans += [(m.start(1), m.end(1), "date_of_birth") for m in _DATE_OF_BIRTH.finditer(line)]
    if csv_line and spans:
        # A table cell that is a number is a count, rank, rate or code, never personal data,
        # whatever its digits spell; dropped before names are judged, so it never makes a
        # forename and surname beside it a find either.
        numbers = _csv_number_cells(line)
        spans = [s for s in spans if not any(lo <= s[0] and s[1] <= hi for lo, hi in numbers)]
    if names_re is not None:
        spans += [(m.start(), m.end(), "name") for m in names_re.finditer(line)]
    spans += _name_spans(line, others=bool(spans))
    if extra is not None:
        spans += extra(line)
    spans = [s for s in spans if (s[2], _allow_key(s[2], line[s[0]:s[1]])) not in allowed]
    # A name inside an e-mail address is one find, the address.
    spans.sort(key=lambda s: (s[0], -s[1]))
    kept: list[tuple[int, int, str]] = []
    for span in spans:
        if not kept or span[0] >= kept[-1][1]:
            kept.append(span)
    return kept


@functools.lru_cache(maxsize=1 << 17)
def _raw_line_spans(raw: str, names_re: re.Pattern[str] | None,
                    allowed: frozenset[tuple[str, str]],
                    extra: Callable[[str], list[tuple[int, int, str]]] | None,
                    csv_line: bool = False
                    ) -> tuple[str, tuple[tuple[int, int, str], ...]]:
    # Remembered by line: every page of a pack repeats the same thousands of template lines
    # (styles, scripts), and the pack is scanned page by page and then whole.
    # Entities first, so "jo&#64;example.org" is read as the address a browser shows;
    # embedded images are base64 noise that can happen to spell a postcode.
    line = html.unescape(_DATA_URI.sub("data:…", raw)).replace("\n", " ").replace("\r", " ")
    return line, tuple(_line_spans(line, names_re, allowed, extra, csv_line))


def _excerpt(masked: str, start: int, end: int) -> str:
    lo, hi = max(0, start - _CONTEXT), min(len(masked), end + _CONTEXT)
    text = " ".join(masked[lo:hi].split())
    return ("…" if lo > 0 else "") + text + ("…" if hi < len(masked) else "")


def _scan(text: str, names_re: re.Pattern[str] | None, allowed: frozenset[tuple[str, str]],
          path: str | None, where: str = "",
          extra: Callable[[str], list[tuple[int, int, str]]] | None = None,
          csv_lines: bool = False) -> list[Finding]:
    findings = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line, spans = _raw_line_spans(raw, names_re, allowed, extra, csv_lines)
        if not spans:
            continue
        chars = list(line)
        for start, end, _ in spans:
            chars[start:end] = _mask(line[start:end])
        masked = "".join(chars)
        findings += [Finding(path, number, kind, _excerpt(masked, start, end), where)
                     for start, end, kind in spans]
    return findings


def _allowed(allow: Iterable[str] | str) -> frozenset[tuple[str, str]]:
    if isinstance(allow, str):
        allow = [allow]
    keys = set()
    for text in allow:
        for kind in ("email", "phone", "postcode", "name"):
            keys.add((kind, _allow_key(kind, text)))
    return frozenset(keys)


def scan_text_for_pii(
    text: str,
    names: Iterable[str] | str = (),
    *,
    allow: Iterable[str] | str = (),
    path: str | Path | None = None,
) -> list[Finding]:
    """Find e-mail addresses, UK phone numbers, postcodes, NI numbers, dates of birth and names.

    Looked for: e-mail addresses; UK phone numbers as people write them (``07700 900123``,
    ``+44 7700 900123``, ``020 7946 0018``, ``(020) 7946 0018``, other 01, 02 and 03 numbers),
    never the digits of a number (``22794.07605313093`` is a mean rank); full postcodes with
    their inward code (``N3 1AA``, ``EN5 2BY``; an outward code alone, ``NW9``, is an area and
    is not a find); National Insurance numbers (``AB123456C``, ``AB 12 34 56 C``; prefixes
    HMRC never issues are left alone); dates labelled as dates of birth (``DOB: 03/03/1985``,
    ``born 3 March 1985``); names after a title (``Mr Smith``, ``Dr J. Okafor``) or a label
    (``Name: Jane Okafor``, ``Caller: ...``; not ``Ward Name: ...``), and a common forename
    with a surname straight after a cue (``Called by John Smith``) or on a line with other
    personal data; and each of ``names``, case-insensitively as whole words. Ward, street
    (``On or near John Archer Way``) and place names are not names. HTML entities are decoded
    first and embedded base64 images skipped.

    Parameters
    ----------
    text : str
        The text to scan, line by line.
    names : iterable of str, optional
        Names of the people in the source data (e.g. the "Caller Name" column before
        :func:`drop_pii` dropped it). A single string is one name. Missing values are skipped.
    allow : iterable of str, optional
        Finds that may be published, e.g. the team's own mailbox or switchboard number.
        Phone numbers are compared by their digits, anything else ignoring case and spaces.
    path : str or Path, optional
        Recorded on each finding.

    Returns
    -------
    list of Finding
        In line order; each excerpt masks every find on its line.

    Examples
    --------
    >>> text = "Called 07700 900123 about N3 1AA.\\nNW9: 191 incidents in 2023."
    >>> for finding in scan_text_for_pii(text):
    ...     print(finding.line, finding.kind, finding.excerpt_masked)
    1 phone Called 0**** ****** about N* ***.
    1 postcode …lled 0**** ****** about N* ***.
    >>> scan_text_for_pii("Seen by Jane Smith", names=["jane smith"])[0].excerpt_masked
    'Seen by J*** *****'
    """
    if not isinstance(text, str):
        raise ValueError(f"text must be a string, got {type(text).__name__}")
    return _scan(text, _names_pattern(names), _allowed(allow),
                 None if path is None else str(path))


def _joined(value: Any) -> str:
    if isinstance(value, list):
        return "".join(map(str, value))
    if isinstance(value, dict):
        return json.dumps(value, indent=1, ensure_ascii=False)
    return str(value)


_FILE_EMAIL = re.compile(r"[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
                         r"(?![A-Za-z0-9-])")


def _file_name_spans(text: str) -> list[tuple[int, int, str]]:
    spans = []
    words = list(re.finditer(r"[^\W\d_]+", text))
    for here, after in zip(words, words[1:], strict=False):
        first, second = here.group(0).casefold(), after.group(0).casefold()
        if text[here.end():after.start()] != " " or len(second) < 2 or second in _FILE_WORDS:
            continue
        if (first in FORENAMES and not _is_place(text, here.start(), after.end())) \
                or first in {"mr", "mrs", "ms", "miss", "mx", "dr"}:
            spans.append((here.start(), after.end(), "name"))
    return spans


def scan_file_name(name: str | Path) -> list[Finding]:
    """Personal data in a file's name, which a pack would otherwise print in its provenance.

    The name (not its folders) is read as words: ``_``, ``-`` and ``.`` separate them and
    camelCase is split, so ``cctv-log-JohnSmith.csv`` is scanned as ``cctv log John Smith
    csv``. Besides what :func:`scan_text_for_pii` finds, a common forename (or a title) followed
    by another word that is not a file word (``log``, ``export``, ``ward``, ``2023``...) is a
    name in any case (``referral_jane_doe_2023.csv``), and a date after ``dob`` or ``born`` is
    a date of birth (``client_dob_1985-03-03.csv``).

    Parameters
    ----------
    name : str or Path
        A file name or path; only the last part is scanned.

    Returns
    -------
    list of Finding
        Empty when the name may be published.

    Examples
    --------
    >>> [f.kind for f in scan_file_name("cctv/log_07700_900123.csv")]
    ['phone']
    >>> [f.kind for f in scan_file_name("referral_jane_doe_2023.csv")]
    ['name']
    >>> [f.kind for f in scan_file_name("cctv-log-JohnSmith.csv")]
    ['name']
    >>> scan_file_name("cctv-incidents-2023.csv")
    []
    """
    text = Path(name).name
    # E-mail addresses first, while their dots still join them; masked, they are not read
    # again as words.
    # In a name "_" separates words, so an address may end at one ("jo@x.org_2023.csv").
    # Each address becomes one word of stars (its first character kept), found again below.
    text = _FILE_EMAIL.sub(lambda m: m.group(0)[0] + "*" * (len(m.group(0)) - 1), text)
    text = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", text)
    text = re.sub(r"[_.\-]+", " ", text)

    def spans(line: str) -> list[tuple[int, int, str]]:
        return _file_name_spans(line) + [(m.start(), m.end(), "email")
                                         for m in re.finditer(r"\S\*{4,}", line)]

    return _scan(text, None, frozenset(), None, extra=spans)


def _notebook_parts(notebook: dict[str, Any]) -> Iterator[tuple[str, str]]:
    # papermill writes the run's parameters into the notebook metadata as well as the
    # injected cell, so metadata is scanned too.
    yield "notebook metadata", json.dumps(notebook.get("metadata", {}), indent=1,
                                          ensure_ascii=False)
    for number, cell in enumerate(notebook["cells"], start=1):
        yield f"cell {number} source", _joined(cell.get("source", ""))
        if cell.get("metadata"):
            yield f"cell {number} metadata", json.dumps(cell["metadata"], indent=1,
                                                        ensure_ascii=False)
        for k, output in enumerate(cell.get("outputs") or [], start=1):
            kind = output.get("output_type")
            where = f"cell {number} output {k}"
            if kind == "stream":
                yield where, _joined(output.get("text", ""))
            elif kind == "error":
                lines = [output.get("ename", ""), output.get("evalue", "")]
                lines += [_ANSI.sub("", str(t)) for t in output.get("traceback", [])]
                yield where, "\n".join(lines)
            else:
                for mime, value in (output.get("data") or {}).items():
                    # Images and PDFs are binary; text, HTML, Markdown, JSON and scripts are
                    # what a reader (or view-source) sees.
                    if mime.startswith("text/") or mime.endswith("json") \
                            or mime == "application/javascript":
                        yield f"{where} ({mime})", _joined(value)


def _files(paths: str | Path | Iterable[str | Path]) -> list[Path]:
    if isinstance(paths, str | Path):
        paths = [paths]
    found: list[Path] = []
    for item in paths:
        path = Path(item)
        if path.is_dir():
            found += sorted(p for p in path.rglob("*")
                            if p.is_file() and p.suffix.lower() in SCANNED_SUFFIXES)
        elif not path.exists():
            raise FileNotFoundError(f"{path}: no such file or folder to scan")
        elif path.suffix.lower() not in SCANNED_SUFFIXES:
            raise ValueError(f"{path}: cannot scan {path.suffix or 'files without a suffix'}; "
                             f"expected one of {', '.join(SCANNED_SUFFIXES)}")
        else:
            found.append(path)
    return found


# Columns whose every value is personal data. Address, free text and other identifiers are
# left to the text scan: a published table may well have a "Description" column.
_CELL_KINDS = ("name", "date_of_birth", "email", "phone", "ni_number", "nhs_number")
_NO_VALUE = frozenset({"", "-", "n/a", "na", "none", "null", "nan", "redacted", "withheld",
                       "[c]", "*"})


def _csv_columns(text: str, path: str) -> list[Finding]:
    lines = text.splitlines()
    reader = csv.reader(lines)
    header = next(reader, None)
    if not header:
        return []
    flagged = {i: kind for i, label in enumerate(header)
               if (kind := _pii_kind(label)) in _CELL_KINDS}
    if not flagged:
        return []
    findings = []
    for row in reader:
        for i, kind in flagged.items():
            if i < len(row) and row[i].strip().casefold() not in _NO_VALUE:
                findings.append(Finding(path, reader.line_num, kind,
                                        f"column {header[i]}: {_mask(row[i].strip())}"))
    return findings


def scan_outputs(
    paths: str | Path | Iterable[str | Path],
    names: Iterable[str] | str = (),
    *,
    allow: Iterable[str] | str = (),
) -> list[Finding]:
    """Scan rendered outputs for personal data, as :func:`scan_text_for_pii` does.

    Parameters
    ----------
    paths : path or iterable of paths
        Files (``.html``, ``.htm``, ``.csv``, ``.txt``, ``.md``, ``.json``, ``.ipynb``) or
        folders, which are searched recursively for files with those suffixes. Notebooks are
        read cell by cell: sources, text outputs (stream, HTML, plain text, Markdown, JSON,
        tracebacks) and metadata; images are skipped.
    names, allow
        As for :func:`scan_text_for_pii`.

    Returns
    -------
    list of Finding

    Notes
    -----
    In a CSV table, a cell whose whole value is a number (a sign, digits with or without
    thousands separators, decimals, an exponent, ``%`` or ``pp``: ``22794.07605313093``,
    ``1.2345678901e-05``, ``1,234,567``, ``+5.6%``) is a count, rank, rate or code and never
    personal data, whatever its digits spell. A number never keeps a leading 0 on its whole
    part, so a cell ``07700900123`` is text, and found as a phone number like a text cell
    ``call 07700 900123``. Every filled cell of a column whose header names personal data
    (``Mobile``, ``DOB``, ``Caller Name``) is a find, numbers included: a phone column written
    as whole numbers has only lost its leading 0.

    Raises
    ------
    FileNotFoundError
        A path does not exist.
    ValueError
        A file given by name has a suffix that cannot be scanned.
    InputDataError
        A ``.ipynb`` file is not a notebook (nbformat 4 JSON).

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "wards.csv").write_text("ward,contact\\nHendon,jo.bloggs@example.org\\n")
    >>> [(f.line, f.kind, f.excerpt_masked) for f in scan_outputs(folder)]
    [(2, 'email', 'Hendon,j*.******@*******.***')]
    """
    names_re, allowed = _names_pattern(names), _allowed(allow)
    findings: list[Finding] = []
    for path in _files(paths):
        text = path.read_text(encoding="utf-8-sig", errors="replace")
        if path.suffix.lower() != ".ipynb":
            findings += _scan(text, names_re, allowed, str(path),
                              csv_lines=path.suffix.lower() == ".csv")
            if path.suffix.lower() == ".csv":
                findings += _csv_columns(text, str(path))
            continue
        try:
            notebook = json.loads(text)
        except json.JSONDecodeError as err:
            raise InputDataError(path, f"not valid JSON ({err.msg}, line {err.lineno})",
                                 expected="a Jupyter notebook (nbformat 4)") from err
        if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
            raise InputDataError(path, "has no list of cells",
                                 expected="a Jupyter notebook (nbformat 4)")
        for where, part in _notebook_parts(notebook):
            findings += _scan(part, names_re, allowed, str(path), where)
    return findings


class PersonalDataError(ValueError):
    """Rendered outputs hold personal data; ``findings`` says where (masked)."""

    def __init__(self, findings: list[Finding]) -> None:
        self.findings = findings
        shown = "\n".join(f"  {f}" for f in findings[:20])
        more = f"\n  ... and {len(findings) - 20} more" if len(findings) > 20 else ""
        super().__init__(f"{len(findings)} piece{'s' if len(findings) != 1 else ''} of "
                         f"personal data found; not publishing:\n{shown}{more}")


def refuse_if_pii(
    paths: str | Path | Iterable[str | Path],
    names: Iterable[str] | str = (),
    *,
    allow: Iterable[str] | str = (),
) -> None:
    """Raise :class:`PersonalDataError` if :func:`scan_outputs` finds anything.

    The pack build calls this on the rendered folder before anything is published.

    Examples
    --------
    >>> import tempfile
    >>> page = Path(tempfile.mkdtemp()) / "pack.md"
    >>> _ = page.write_text("Contact community.safety@barnet.gov.uk\\n")
    >>> refuse_if_pii(page, allow=["community.safety@barnet.gov.uk"])
    >>> refuse_if_pii(page)
    Traceback (most recent call last):
    ...
    scpb_analysis.qa.disclosure.PersonalDataError: 1 piece of personal data found; not publishing:
      .../pack.md, line 1: email in 'Contact c********.******@******.***.**'
    """
    findings = scan_outputs(paths, names, allow=allow)
    if findings:
        raise PersonalDataError(findings)


# ---------------------------------------------------------------------------------------------
# Small-number suppression
# ---------------------------------------------------------------------------------------------

_PUBLISHED, _PRIMARY, _SECONDARY = 0, 1, 2


@dataclass(frozen=True)
class SuppressionRule:
    """How a table is suppressed: what a small count is, how hidden cells read, where totals are.

    One rule is what :func:`suppress` applies and what :func:`hidden_ranges` and
    :func:`disclosure_problems` assume a reader knows, so the three read the same settings.

    Attributes
    ----------
    threshold : int, default 5
        Counts below this are small.
    label : str, optional
        Text for a small count; default ``f"<{threshold}"``.
    secondary_label : str, default "[c]"
        Text for a cell hidden to protect a small count ("[c]", confidential, as ONS tables
        use). It differs from ``label`` because the cell is not a small count.
    min_count : int, default 1
        The smallest count hidden.
    suppress_zeros : bool, default False
        Hide zeros as small counts too (the same as ``min_count=0``).
    total_row, total_col : label, optional
        The row and column of the table holding totals. :func:`suppress_linked` takes each
        table's totals from its ``totals`` argument instead.

    Examples
    --------
    >>> rule = SuppressionRule(threshold=10, total_row="Total")
    >>> rule.threshold, rule.label, rule.secondary_label, rule.total_col
    (10, None, '[c]', None)
    """

    threshold: int = 5
    label: str | None = None
    secondary_label: str = "[c]"
    min_count: int = 1
    suppress_zeros: bool = False
    total_row: Hashable | None = None
    total_col: Hashable | None = None


@dataclass(frozen=True, eq=False)
class SuppressionResult:
    """A table ready for its audience, and which cells are (or would be) hidden.

    Attributes
    ----------
    table : pandas.DataFrame
        For ``audience="public"``, text: each count, ``label`` for a small count and
        ``secondary_label`` for a cell hidden to protect one. For ``"internal"``, the counts
        as given.
    mask_primary, mask_secondary : pandas.DataFrame of bool
        Cells hidden (public) or that a public table would hide (internal): small counts, and
        the further cells hidden so small counts cannot be worked out from the totals.
    note : str
        The footnote the table needs, or ``""`` if nothing is (or would be) hidden.
    audience : str
    public_table : pandas.DataFrame
        The table a public audience gets; the same as ``table`` for ``"public"``.
    threshold, label, secondary_label, min_count, total_row, total_col
        The settings used, so :func:`verify_suppression` can check the result.
    """

    table: pd.DataFrame
    mask_primary: pd.DataFrame
    mask_secondary: pd.DataFrame
    note: str
    audience: str
    public_table: pd.DataFrame
    threshold: int
    label: str
    secondary_label: str
    min_count: int
    total_row: Hashable | None = None
    total_col: Hashable | None = None

    @property
    def mask(self) -> pd.DataFrame:
        """Every hidden cell, primary or secondary."""
        return self.mask_primary | self.mask_secondary

    @property
    def rule(self) -> SuppressionRule:
        """The rule the public table follows, as :func:`disclosure_problems` needs it."""
        return SuppressionRule(threshold=self.threshold, label=self.label,
                               secondary_label=self.secondary_label, min_count=self.min_count,
                               total_row=self.total_row, total_col=self.total_col)


def _whole(value: Any, what: str, minimum: int) -> int:
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | np.integer) \
            or value < minimum:
        raise ValueError(f"{what} must be a whole number of {minimum} or more, got {value!r}")
    return int(value)


def _settings(rule: SuppressionRule | None) -> tuple[int, int, str, str]:
    rule = SuppressionRule() if rule is None else rule
    if not isinstance(rule, SuppressionRule):
        raise ValueError(f"rule must be a SuppressionRule, got {type(rule).__name__}")
    label, secondary_label = rule.label, rule.secondary_label
    threshold = _whole(rule.threshold, "threshold", 1)
    low = 0 if rule.suppress_zeros else _whole(rule.min_count, "min_count", 0)
    # A hidden count must have at least two possible values, or the label itself discloses it
    # ("<2" with zeros shown can only be 1).
    if threshold - 1 - low < 1:
        raise ValueError(f"threshold {threshold} with counts from {low} hidden leaves one "
                         f"possible value for a hidden count; use a threshold of at least "
                         f"{low + 2}")
    label = f"<{threshold}" if label is None else label
    for name, text in (("label", label), ("secondary_label", secondary_label)):
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"{name} must be non-empty text, got {text!r}")
        if re.fullmatch(r"[\d,]+", text.strip()):
            raise ValueError(f"{name} must not look like a count, got {text!r}")
    if label.strip() == secondary_label.strip():
        raise ValueError(f"label and secondary_label must differ, both are {label!r}")
    return threshold, low, label.strip(), secondary_label.strip()


def _position(labels: pd.Index, label: Hashable | None, what: str) -> int | None:
    if label is None:
        return None
    if label not in labels:
        raise ValueError(f"{what} {label!r} is not in the table; it has "
                         f"{', '.join(map(repr, labels))}")
    return int(labels.get_loc(label))


def _check_labels(table: pd.DataFrame) -> None:
    if table.empty:
        raise ValueError("the table has no cells")
    for axis, labels in (("row", table.index), ("column", table.columns)):
        if labels.has_duplicates:
            raise ValueError(f"{axis} labels must be unique; repeated: "
                             f"{', '.join(map(repr, labels[labels.duplicated()].unique()))}")


def _counts(table: Any) -> np.ndarray:
    if not isinstance(table, pd.DataFrame):
        raise ValueError(f"table must be a DataFrame of counts (rows x columns), "
                         f"got {type(table).__name__}")
    _check_labels(table)
    try:
        values = table.to_numpy(dtype="float64", na_value=np.nan)
    except (TypeError, ValueError) as err:
        raise ValueError("table must hold counts (whole numbers of 0 or more) in every "
                         "cell") from err
    bad = ~np.isfinite(values) | (values < 0) | (values != np.round(values))
    if bad.any():
        i, j = np.argwhere(bad)[0]
        value = table.iat[i, j]
        value = value.item() if isinstance(value, np.generic) else value
        raise ValueError(f"counts must be whole numbers of 0 or more: row {table.index[i]!r}, "
                         f"column {table.columns[j]!r} holds {value!r}")
    return values.astype(np.int64)


def _equations(shape: tuple[int, int], r_tot: int | None, c_tot: int | None) -> np.ndarray:
    """One equation per row (and column) with a total: +1 on its parts, -1 on its total.

    The total row and total column are lines too (column totals add up to the grand total),
    so a hidden total is protected the same way as a hidden count.
    """
    m, n = shape
    flat = np.arange(m * n).reshape(m, n)
    blocks = []
    if c_tot is not None:
        rows = np.zeros((m, m * n), dtype=np.int64)
        rows[np.repeat(np.arange(m), n), flat.ravel()] = 1
        rows[np.arange(m), flat[:, c_tot]] = -1
        blocks.append(rows)
    if r_tot is not None:
        cols = np.zeros((n, m * n), dtype=np.int64)
        cols[np.tile(np.arange(n), m), flat.ravel()] = 1
        cols[np.arange(n), flat[r_tot, :]] = -1
        blocks.append(cols)
    return np.vstack(blocks) if blocks else np.zeros((0, m * n), dtype=np.int64)


def _line_names(table: pd.DataFrame, r_tot: int | None, c_tot: int | None) -> list[str]:
    names = []
    if c_tot is not None:
        names += [f"row {label!r}" for label in table.index]
    if r_tot is not None:
        names += [f"column {label!r}" for label in table.columns]
    return names


def _check_totals(table: pd.DataFrame, values: np.ndarray, equations: np.ndarray,
                  r_tot: int | None, c_tot: int | None) -> None:
    residual = equations @ values.ravel()
    names = _line_names(table, r_tot, c_tot)
    for line in np.flatnonzero(residual):
        total = values.ravel()[np.flatnonzero(equations[line] < 0)[0]]
        raise ValueError(f"{names[line]}: the total is {total} but the other cells add up to "
                         f"{total + residual[line]}")


def _check_unmarked_totals(table: pd.DataFrame, values: np.ndarray, r_tot: int | None,
                           c_tot: int | None) -> None:
    # A total left unmarked would be treated as an ordinary row, and the cells it lets a
    # reader work out would go unprotected.
    for axis, labels, given, data in (("row", table.index, r_tot, values),
                                      ("column", table.columns, c_tot, values.T)):
        if given is not None or len(labels) < 2:
            continue
        for i, label in enumerate(labels):
            others = np.delete(data, i, axis=0)
            if "total" in str(label).lower() and np.array_equal(data[i], others.sum(axis=0)):
                raise ValueError(f"{axis} {label!r} is the sum of the other {axis}s; pass "
                                 f"total_{'col' if axis == 'column' else 'row'}={label!r} so "
                                 f"small counts cannot be worked out from it")


class _Inconsistent(ValueError):
    pass


class _Unprotectable(ValueError):
    def __init__(self, cell: int) -> None:
        super().__init__(cell)
        self.cell = cell


def _lp_problem(equations: np.ndarray, values: np.ndarray, kind: np.ndarray, low: int,
                threshold: int, secondary_low: int) -> tuple[np.ndarray, Any, Any, list]:
    hidden = np.flatnonzero(kind != _PUBLISHED)
    shown = kind == _PUBLISHED
    a_eq = equations[:, hidden].astype(float)
    b_eq = -(equations[:, shown] @ np.where(shown, values, 0)[shown]).astype(float)
    used = (a_eq != 0).any(axis=1)
    if np.any(b_eq[~used] != 0):
        raise _Inconsistent("the published counts do not add up to the published totals")
    a_eq, b_eq = a_eq[used], b_eq[used]
    bounds = [(low, threshold - 1) if kind[h] == _PRIMARY else (secondary_low, None)
              for h in hidden]
    if not len(a_eq):
        return hidden, None, None, bounds
    return hidden, a_eq, b_eq, bounds


def _cell_range(k: int, a_eq: Any, b_eq: Any, bounds: list) -> tuple[float, float]:
    objective = np.zeros(len(bounds))
    objective[k] = 1.0
    lowest = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
    if lowest.status == 2:
        raise _Inconsistent("no counts fit the published numbers")
    highest = linprog(-objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
    upper = math.inf if highest.status == 3 else -highest.fun
    return float(lowest.fun), float(upper)


def _free_cells(a_eq: Any, b_eq: Any, bounds: list, tries: int = 16) -> np.ndarray:
    """Hidden cells shown to take two whole numbers, from a few feasible tables.

    Two linear programmes per hidden cell are exact but slow on a 25 x 26 table; most cells
    are free, and a few solutions with random objectives show it: a cell whose values across
    them span two whole numbers cannot be pinned. Only the rest need their own programmes.
    """
    n = len(bounds)
    if a_eq is None or n == 0:
        return np.zeros(n, dtype=bool)
    rng = np.random.default_rng(0)
    # A cap keeps every random objective bounded; a table found under it is still a table
    # the reader cannot rule out, which is all the proof needs.
    cap = float(np.abs(b_eq).sum()) + 1e6
    capped = [(lo, cap if hi is None else hi) for lo, hi in bounds]
    solutions = []
    for _ in range(tries // 2):
        # Each direction and its opposite: every cell is pushed down in one and up in the
        # other.
        direction = rng.choice([-1.0, 1.0], size=n) + 0.01 * rng.standard_normal(n)
        for sign in (1.0, -1.0):
            found = linprog(sign * direction, A_eq=a_eq, b_eq=b_eq, bounds=capped,
                            method="highs")
            if found.status == 0:
                solutions.append(found.x)
    if len(solutions) < 2:
        return np.zeros(n, dtype=bool)
    seen = np.array(solutions)
    return np.floor(seen.max(axis=0) + 1e-7) > np.ceil(seen.min(axis=0) - 1e-7)


def _pinned(lower: float, upper: float) -> bool:
    # Cells are whole numbers: a range holding one whole number gives the count away.
    return math.isfinite(upper) and math.floor(upper + 1e-7) <= math.ceil(lower - 1e-7)


def _secondary_low(threshold: int, low: int) -> int:
    # Secondary cells are chosen from counts at or above the threshold, so a reader who knows
    # the rule knows that much. With min_count above 1 a complement may (rarely) be a shown
    # small count, so only "at least 1" is assumed.
    return threshold if low <= 1 else 1


def _smallest(candidates: np.ndarray, values: np.ndarray, is_total: np.ndarray) -> int | None:
    cells = np.flatnonzero(candidates)
    if not cells.size:
        return None
    # Keys, last first: totals only when no count will do, then the smallest value, then the
    # first cell by position (row by row).
    order = np.lexsort((cells, values[cells], is_total[cells]))
    return int(cells[order[0]])


def _complete_lines(equations: np.ndarray, values: np.ndarray, hidden: np.ndarray,
                    is_total: np.ndarray, threshold: int) -> None:
    incidence = equations != 0
    counts_in_line = incidence.astype(np.int64)
    while True:
        single = np.flatnonzero(counts_in_line @ hidden.astype(np.int64) == 1)
        if not single.size:
            return
        line = incidence[single[0]]
        pick = _smallest(line & ~hidden & (values >= threshold), values, is_total)
        if pick is None:
            # Only with min_count above 1: the line's other cells are shown small counts.
            pick = _smallest(line & ~hidden & (values > 0), values, is_total)
        if pick is None:  # pragma: no cover - a line with one hidden non-zero cell has a
            raise AssertionError("no cell to hide")  # non-zero total or part beside it
        hidden[pick] = True


def _first_pinned(equations: np.ndarray, values: np.ndarray, hidden: np.ndarray,
                  primary: np.ndarray, low: int, threshold: int) -> int | None:
    kind = np.where(primary, _PRIMARY, np.where(hidden, _SECONDARY, _PUBLISHED))
    cells, a_eq, b_eq, bounds = _lp_problem(equations, values, kind, low, threshold,
                                            _secondary_low(threshold, low))
    free = _free_cells(a_eq, b_eq, bounds)
    # Small counts first: those are what the suppression is for.
    for k in sorted(range(cells.size), key=lambda k: kind[cells[k]] != _PRIMARY):
        if not free[k] and _pinned(*_cell_range(k, a_eq, b_eq, bounds)):
            return int(cells[k])
    return None


def _protect(equations: np.ndarray, values: np.ndarray, primary: np.ndarray,
             is_total: np.ndarray, low: int, threshold: int) -> np.ndarray:
    hidden = primary.copy()
    incidence = equations != 0
    while True:
        _complete_lines(equations, values, hidden, is_total, threshold)
        pinned = _first_pinned(equations, values, hidden, primary, low, threshold)
        if pinned is None:
            return hidden
        # Two or more hidden cells in every line can still give a count away (4 + 4 = 8 with
        # both hidden); widen the pinned cell's lines, then anywhere near the hidden cells.
        near = incidence[incidence[:, pinned]].any(axis=0)
        touched = incidence[(incidence & hidden).any(axis=1)].any(axis=0)
        pick = None
        for area in (near, touched, np.ones_like(hidden)):
            pick = _smallest(area & ~hidden & (values >= threshold), values, is_total)
            if pick is None:
                pick = _smallest(area & ~hidden & (values > 0), values, is_total)
            if pick is not None:
                break
        if pick is None:
            raise _Unprotectable(pinned)
        hidden[pick] = True


def _display(values: np.ndarray, primary: np.ndarray, secondary: np.ndarray, label: str,
             secondary_label: str, like: pd.DataFrame) -> pd.DataFrame:
    text = np.where(primary, label, np.where(secondary, secondary_label, values.astype(str)))
    return pd.DataFrame(text.astype(object), index=like.index, columns=like.columns)


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _note(audience: str, n_primary: int, n_secondary: int, low: int, threshold: int,
          label: str, secondary_label: str) -> str:
    if n_primary + n_secondary == 0:
        return ""
    small = f"from {low} to {threshold - 1}"
    if audience == "public":
        text = f"Counts {small} are shown as {label}"
        if n_secondary:
            text += (f"; {_plural(n_secondary, 'further cell is', 'further cells are')} hidden "
                     f"(shown as {secondary_label}) so the small counts cannot be worked out "
                     f"from the totals")
        return text + "."
    text = (f"Not for publication: {_plural(n_primary, 'count', 'counts')} {small} shown; a "
            f"public table would show them as {label}")
    if n_secondary:
        text += f" and hide {_plural(n_secondary, 'further cell', 'further cells')}"
    return text + "."


def suppress(
    table: pd.DataFrame,
    rule: SuppressionRule | None = None,
    *,
    audience: str = "public",
) -> SuppressionResult:
    """Hide small counts in a table, and the cells that would let a reader work them out.

    Primary suppression hides every count from ``min_count`` (1) to ``threshold - 1`` (4),
    shown as ``label`` (``"<5"``). True zeros are shown by default: a zero says no one was
    counted, which identifies no one, and hiding every zero would blank most ward tables of
    rare incidents. Set ``suppress_zeros=True`` (the same as ``min_count=0``) where a zero
    itself discloses something, e.g. that every referral in a ward fell in one category.

    Secondary (complementary) suppression then makes sure no hidden cell can be worked out
    from the published totals. Each row and each column with a total, the total row and total
    column included, is an equation: its cells add up to its total. Repeatedly, the first row
    (top to bottom), else the first column (left to right), with exactly one hidden cell gets
    a second: the smallest shown non-zero count in that line, the first by position on ties,
    and a total only when no count is left. Totals stay published unless one is itself a
    small count; then it is hidden and its line is treated like any other.

    Two hidden cells in a line are not always enough: two ``<5`` in a row of total 8 must both
    be 4. So the result is then checked as :func:`hidden_ranges` does, assuming the reader
    knows the rule (a ``<5`` is 1 to 4 when zeros are shown, a ``[c]`` is at least 5), and
    while any hidden cell's possible values narrow to one, the smallest shown count (else
    total) in its row or column is hidden too.

    Parameters
    ----------
    table : pandas.DataFrame
        Counts (whole numbers of 0 or more), rows by columns, with unique labels. Include
        every total that is published anywhere (in this table, another table or the text):
        only totals the function knows about are protected against.
    rule : SuppressionRule, optional
        Threshold, labels, smallest count hidden and the total row and column of ``table``;
        default ``SuppressionRule()`` (counts 1 to 4 shown as ``<5``, no totals).
    audience : {"public", "internal"}, default "public"
        ``"internal"`` returns the counts unchanged, with the masks and note saying what a
        public table would hide.

    Returns
    -------
    SuppressionResult

    Raises
    ------
    ValueError
        A cell is not a count; a total does not equal the sum of its parts; a row or column
        labelled as a total is the sum of the others but was not passed as
        ``total_row``/``total_col``; the settings leave a hidden count one possible value; or
        no choice of cells protects the table. The last happens with zeros shown when, say,
        a column's only counts are four 1s and its total is 4: a reader knows each ``<5`` is
        at least 1, so all four are 1. The message says to use ``suppress_zeros=True``.

    Examples
    --------
    >>> counts = pd.DataFrame(
    ...     {"Theft": [10, 6, 8, 24], "Robbery": [2, 12, 11, 25], "Burglary": [7, 9, 15, 31],
    ...      "Total": [19, 27, 34, 80]}, index=["Burnt Oak", "Hendon", "Mill Hill", "Total"])
    >>> totals = SuppressionRule(total_row="Total", total_col="Total")
    >>> result = suppress(counts, totals)
    >>> result.table
              Theft Robbery Burglary Total
    Burnt Oak    10      <5      [c]    19
    Hendon      [c]      12      [c]    27
    Mill Hill   [c]     [c]       15    34
    Total        24      25       31    80
    >>> result.note
    'Counts from 1 to 4 are shown as <5; 5 further cells are hidden (shown as [c]) so the small
    counts cannot be worked out from the totals.'
    >>> verify_suppression(result)
    []
    >>> suppress(counts, totals, audience="internal").note
    'Not for publication: 1 count from 1 to 4 shown; a public table would show them as <5 and
    hide 5 further cells.'
    """
    audience = check_audience(audience)
    threshold, low, label, secondary_label = _settings(rule)
    rule = SuppressionRule() if rule is None else rule
    total_row, total_col = rule.total_row, rule.total_col
    values = _counts(table)
    r_tot = _position(table.index, total_row, "total_row")
    c_tot = _position(table.columns, total_col, "total_col")
    _check_unmarked_totals(table, values, r_tot, c_tot)
    equations = _equations(values.shape, r_tot, c_tot)
    _check_totals(table, values, equations, r_tot, c_tot)

    flat = values.ravel()
    primary = (flat >= low) & (flat < threshold)
    is_total = np.zeros(values.shape, dtype=bool)
    if r_tot is not None:
        is_total[r_tot, :] = True
    if c_tot is not None:
        is_total[:, c_tot] = True
    try:
        hidden = _protect(equations, flat, primary, is_total.ravel(), low, threshold)
    except _Unprotectable as err:
        row, col = divmod(err.cell, values.shape[1])
        where = f"row {table.index[row]!r}, column {table.columns[col]!r}"
        # Typically four counts of 1 under a hidden total of 4: with zeros shown, a reader
        # knows every <5 is at least 1, so the four must all be 1.
        advice = ("pass suppress_zeros=True (zeros are then hidden too, so a reader cannot "
                  "tell a hidden 0 from a hidden 1), or merge small rows or columns"
                  if low >= 1 else "merge small rows or columns, or publish fewer totals")
        raise ValueError(f"even with every other count hidden, {where} can be worked out "
                         f"from what is shown; {advice}") from None
    primary = primary.reshape(values.shape)
    secondary = hidden.reshape(values.shape) & ~primary

    public = _display(values, primary, secondary, label, secondary_label, table)
    note = _note(audience, int(primary.sum()), int(secondary.sum()), low, threshold, label,
                 secondary_label)

    def frame(mask: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(mask, index=table.index, columns=table.columns)

    return SuppressionResult(
        table=public if audience == "public" else table.copy(),
        mask_primary=frame(primary),
        mask_secondary=frame(secondary),
        note=note,
        audience=audience,
        public_table=public,
        threshold=threshold,
        label=label,
        secondary_label=secondary_label,
        min_count=low,
        total_row=total_row,
        total_col=total_col,
    )


def _read_display(display: pd.DataFrame, label: str, secondary_label: str
                  ) -> tuple[np.ndarray, np.ndarray]:
    if not isinstance(display, pd.DataFrame):
        raise ValueError(f"display must be a DataFrame, got {type(display).__name__}")
    _check_labels(display)
    cells = display.map(lambda v: str(v).strip()).to_numpy(dtype=object)
    kind = np.where(cells == label, _PRIMARY,
                    np.where(cells == secondary_label, _SECONDARY, _PUBLISHED))
    shown = kind == _PUBLISHED
    numbers = pd.to_numeric(pd.Series(cells[shown]).str.replace(",", "", regex=False),
                            errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(numbers) | (numbers < 0) | (numbers != np.round(numbers))
    if bad.any():
        i, j = np.argwhere(shown)[np.flatnonzero(bad)[0]]
        raise ValueError(f"row {display.index[i]!r}, column {display.columns[j]!r} shows "
                         f"{cells[i, j]!r}: expected a count, {label!r} or {secondary_label!r}")
    values = np.zeros(cells.shape, dtype=np.int64)
    values[shown] = numbers.astype(np.int64)
    return values, kind


def _display_setup(display: pd.DataFrame, rule: SuppressionRule | None):
    threshold, low, label, secondary_label = _settings(rule)
    values, kind = _read_display(display, label, secondary_label)
    rule = SuppressionRule() if rule is None else rule
    r_tot = _position(display.index, rule.total_row, "total_row")
    c_tot = _position(display.columns, rule.total_col, "total_col")
    return threshold, low, values, kind, r_tot, c_tot


def hidden_ranges(display: pd.DataFrame, rule: SuppressionRule | None = None) -> pd.DataFrame:
    """What a reader of a published table can work out about each hidden cell.

    From the published table alone: shown counts are fixed, rows and columns with a total add
    up to it, a ``label`` cell is a count from ``min_count`` to ``threshold - 1`` and a
    ``secondary_label`` cell is a count of at least ``threshold`` (the rule
    :func:`suppress` follows). ``scipy.optimize.linprog`` finds the smallest and largest
    value each hidden cell can take; a count is given away when that range holds one whole
    number. (For a table with totals the extreme points are whole numbers, so the linear
    programme's range is the range of whole-number tables.) Two linear programmes per hidden
    cell: meant for board-pack tables, not for tables of thousands of cells.

    Parameters
    ----------
    display : pandas.DataFrame
        The published table, e.g. ``SuppressionResult.public_table``.
    rule : SuppressionRule, optional
        As given to :func:`suppress` (``SuppressionResult.rule``); default
        ``SuppressionRule()``.

    Returns
    -------
    pandas.DataFrame
        One row per hidden cell: ``row, column, kind`` ("primary" or "secondary"),
        ``lower, upper`` (``inf`` when unbounded) and ``recoverable``.

    Raises
    ------
    ValueError
        A cell is neither a count nor a label, or no counts fit the published numbers.

    Examples
    --------
    Two small counts hidden in a row of total 8 must both be 4:

    >>> shown = pd.DataFrame({"Theft": ["<5"], "Robbery": ["<5"], "Total": ["8"]},
    ...                      index=["Edgware"])
    >>> hidden_ranges(shown, SuppressionRule(total_col="Total"))
           row   column     kind  lower  upper  recoverable
    0  Edgware    Theft  primary    4.0    4.0         True
    1  Edgware  Robbery  primary    4.0    4.0         True
    """
    threshold, low, values, kind, r_tot, c_tot = _display_setup(display, rule)
    equations = _equations(values.shape, r_tot, c_tot)
    try:
        cells, a_eq, b_eq, bounds = _lp_problem(equations, values.ravel(), kind.ravel(), low,
                                                threshold, _secondary_low(threshold, low))
        ranges = [_cell_range(k, a_eq, b_eq, bounds) for k in range(cells.size)]
    except _Inconsistent as err:
        raise ValueError(f"the published table is inconsistent: {err}") from err
    rows, cols = np.divmod(cells, values.shape[1])
    lower = np.array([r[0] for r in ranges], dtype=float)
    upper = np.array([r[1] for r in ranges], dtype=float)
    return pd.DataFrame({
        "row": pd.Series(display.index[rows], dtype=object),
        "column": pd.Series(display.columns[cols], dtype=object),
        "kind": np.where(kind.ravel()[cells] == _PRIMARY, "primary", "secondary"),
        "lower": lower,
        "upper": upper,
        "recoverable": [_pinned(lo, hi) for lo, hi in zip(lower, upper, strict=True)],
    })


def disclosure_problems(display: pd.DataFrame, rule: SuppressionRule | None = None
                        ) -> list[str]:
    """Every way a published table gives a small count away; an empty list when it is safe.

    Three checks, each independent of how the table was suppressed: no shown count is from
    ``min_count`` to ``threshold - 1``; no row or column with a total (the total row and column
    included) has exactly one hidden cell; and no hidden cell's range, as found by
    :func:`hidden_ranges`, narrows to one value. ``rule`` is as for :func:`hidden_ranges`.

    Examples
    --------
    >>> shown = pd.DataFrame({"Theft": ["<5", "3", "7"], "Robbery": ["10", "9", "19"],
    ...                       "Total": ["14", "12", "26"]}, index=["Edgware", "Hendon", "Total"])
    >>> rule = SuppressionRule(total_row="Total", total_col="Total")
    >>> for problem in disclosure_problems(shown, rule):
    ...     print(problem)
    row 'Hendon', column 'Theft' shows a count from 1 to 4
    row 'Edgware' has one hidden cell, which its total gives away
    column 'Theft' has one hidden cell, which its total gives away
    row 'Edgware', column 'Theft' can be worked out exactly from the published numbers
    """
    threshold, low, values, kind, r_tot, c_tot = _display_setup(display, rule)
    problems = [f"row {display.index[i]!r}, column {display.columns[j]!r} shows a count from "
                f"{low} to {threshold - 1}"
                for i, j in np.argwhere((kind == _PUBLISHED) & (values >= low)
                                        & (values < threshold))]
    equations = _equations(values.shape, r_tot, c_tot)
    hidden_per_line = (equations != 0).astype(np.int64) @ (kind.ravel() != _PUBLISHED)
    names = _line_names(display, r_tot, c_tot)
    problems += [f"{names[line]} has one hidden cell, which its total gives away"
                 for line in np.flatnonzero(hidden_per_line == 1)]
    try:
        ranges = hidden_ranges(display, rule)
    except ValueError as err:
        return [*problems, str(err)]
    problems += [f"row {r.row!r}, column {r.column!r} can be worked out exactly from the "
                 f"published numbers" for r in ranges[ranges["recoverable"]].itertuples()]
    return problems


def verify_suppression(result: SuppressionResult) -> list[str]:
    """:func:`disclosure_problems` for the public table of a :func:`suppress` result.

    For an internal result this checks the table a public audience would get. The pack build
    refuses to publish a table while this list is not empty.

    Examples
    --------
    >>> counts = pd.DataFrame({"A": [4, 4, 8], "B": [6, 7, 13], "Total": [10, 11, 21]},
    ...                       index=["Edgware", "Hendon", "Total"])
    >>> verify_suppression(suppress(counts, SuppressionRule(total_row="Total", total_col="Total")))
    []
    """
    if not isinstance(result, SuppressionResult):
        raise ValueError(f"verify_suppression needs the result of suppress(), got "
                         f"{type(result).__name__}")
    return disclosure_problems(result.public_table, result.rule)


# ---------------------------------------------------------------------------------------------
# Small-number suppression across tables that share a margin
# ---------------------------------------------------------------------------------------------


def _link_cells(tables: dict[str, pd.DataFrame], links: Iterable[tuple[str, Hashable, str,
                                                                          Hashable]],
                offsets: dict[str, int]) -> list[tuple[int, int]]:
    pairs = []
    for link in links:
        if not (isinstance(link, tuple) and len(link) == 4):
            raise ValueError(f"each link must be (table, column, table, column), got {link!r}")
        name_a, col_a, name_b, col_b = link
        for name, col in ((name_a, col_a), (name_b, col_b)):
            if name not in tables:
                raise ValueError(f"link {link!r}: no table {name!r}; the tables are "
                                 f"{', '.join(map(repr, tables))}")
            if col not in tables[name].columns:
                raise ValueError(f"link {link!r}: table {name!r} has no column {col!r}")
        a, b = tables[name_a], tables[name_b]
        shared = [row for row in a.index if row in b.index]
        if not shared:
            raise ValueError(f"link {link!r}: the tables share no row labels")
        for row in shared:
            i, j = a.index.get_loc(row), b.index.get_loc(row)
            if a.at[row, col_a] != b.at[row, col_b]:
                raise ValueError(f"link {link!r}: row {row!r} is {a.at[row, col_a]} in "
                                 f"{name_a!r} but {b.at[row, col_b]} in {name_b!r}; linked "
                                 f"cells must be the same count")
            pairs.append((offsets[name_a] + i * a.shape[1] + a.columns.get_loc(col_a),
                          offsets[name_b] + j * b.shape[1] + b.columns.get_loc(col_b)))
    return pairs


def _union(size: int, pairs: list[tuple[int, int]]) -> np.ndarray:
    parent = list(range(size))

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    roots = np.array([root(x) for x in range(size)])
    # Number the shared cells 0, 1, 2... in order of first appearance.
    _, index = np.unique(roots, return_inverse=True)
    return index


def suppress_linked(
    tables: dict[str, pd.DataFrame],
    *,
    totals: dict[str, tuple[Hashable | None, Hashable | None]] | None = None,
    links: Iterable[tuple[str, Hashable, str, Hashable]] = (),
    rule: SuppressionRule | None = None,
    audience: str = "public",
) -> dict[str, SuppressionResult]:
    """Suppress tables published together, so no hidden cell follows from any of them.

    A ward by type table whose row totals are also published as a ward table shares that
    margin: a total hidden in one is printed in the other, and the cells behind it can be
    worked out. Here every cell that appears in several tables is one unknown, every row and
    column with a total in any table is one equation, and :func:`suppress`'s protection
    (primary suppression of counts from ``min_count`` to ``threshold - 1``, then complementary
    cells until no hidden cell's range narrows to one value) runs on them all at once, so a
    shared cell is hidden in every table or in none.

    Parameters
    ----------
    tables : dict of str to pandas.DataFrame
        Count tables by name, as for :func:`suppress`.
    totals : dict of str to (total_row, total_col), optional
        Each table's total row and total column (``None`` for none).
    links : iterable of (table, column, table, column)
        Columns of two tables that hold the same counts for the rows both have (matched by
        row label), e.g. ``("by_ward", "Incidents", "by_type", "Total")``.
    rule : SuppressionRule, optional
        As for :func:`suppress`, the same for every table; its ``total_row`` and ``total_col``
        must be unset (each table's are in ``totals``).
    audience : {"public", "internal"}, default "public"
        As for :func:`suppress`.

    Returns
    -------
    dict of str to SuppressionResult
        One per table; each note says the tables were protected together.
        :func:`verify_linked` checks them.

    Raises
    ------
    ValueError
        As :func:`suppress`, for any table; a link names an unknown table or column, or
        linked cells differ.

    Examples
    --------
    >>> by_type = pd.DataFrame({"Theft": [3, 9, 12], "Robbery": [8, 7, 15],
    ...                         "Total": [11, 16, 27]}, index=["Hendon", "Mill Hill", "Total"])
    >>> by_ward = pd.DataFrame({"Incidents": [11, 16, 27]},
    ...                        index=["Hendon", "Mill Hill", "Total"])
    >>> results = suppress_linked(
    ...     {"by_type": by_type, "by_ward": by_ward},
    ...     totals={"by_type": ("Total", "Total"), "by_ward": ("Total", None)},
    ...     links=[("by_ward", "Incidents", "by_type", "Total")])
    >>> results["by_type"].table
              Theft Robbery Total
    Hendon       <5     [c]    11
    Mill Hill   [c]     [c]    16
    Total        12      15    27
    >>> verify_linked(results, links=[("by_ward", "Incidents", "by_type", "Total")])
    []
    """
    audience = check_audience(audience)
    threshold, low, label, secondary_label = _settings(rule)
    if rule is not None and (rule.total_row is not None or rule.total_col is not None):
        raise ValueError("suppress_linked takes each table's total row and column from "
                         "totals, not from the rule")
    if not isinstance(tables, dict) or not tables:
        raise ValueError("tables must be a non-empty dict of name -> DataFrame of counts")
    totals = totals or {}
    unknown = set(totals) - set(tables)
    if unknown:
        raise ValueError(f"totals name tables that are not given: {sorted(map(str, unknown))}")
    values, blocks, is_total, offsets, shapes = [], [], [], {}, {}
    size = 0
    for name, table in tables.items():
        total_row, total_col = totals.get(name, (None, None))
        counts = _counts(table)
        r_tot = _position(table.index, total_row, f"{name}: total_row")
        c_tot = _position(table.columns, total_col, f"{name}: total_col")
        _check_unmarked_totals(table, counts, r_tot, c_tot)
        equations = _equations(counts.shape, r_tot, c_tot)
        _check_totals(table, counts, equations, r_tot, c_tot)
        offsets[name], shapes[name] = size, counts.shape
        totals_here = np.zeros(counts.shape, dtype=bool)
        if r_tot is not None:
            totals_here[r_tot, :] = True
        if c_tot is not None:
            totals_here[:, c_tot] = True
        values.append(counts.ravel())
        is_total.append(totals_here.ravel())
        blocks.append((size, equations))
        size += counts.size
    cell_values = np.concatenate(values)
    variable = _union(size, _link_cells(tables, links, offsets))
    n_vars = int(variable.max()) + 1
    # Each line of each table, over the shared unknowns; a line repeated by two tables (the
    # ward column of both) is kept once.
    rows = []
    for start, equations in blocks:
        for line in equations:
            merged = np.zeros(n_vars, dtype=np.int64)
            np.add.at(merged, variable[start:start + line.size], line)
            if merged.any():
                rows.append(merged)
    equations = (np.unique(np.vstack(rows), axis=0) if rows
                 else np.zeros((0, n_vars), dtype=np.int64))
    var_values = np.zeros(n_vars, dtype=np.int64)
    var_values[variable] = cell_values
    var_total = np.zeros(n_vars, dtype=bool)
    np.logical_or.at(var_total, variable, np.concatenate(is_total))
    primary = (var_values >= low) & (var_values < threshold)
    try:
        hidden = _protect(equations, var_values, primary, var_total, low, threshold)
    except _Unprotectable as err:
        cell = int(np.flatnonzero(variable == err.cell)[0])
        name = next(n for n in reversed(list(offsets)) if offsets[n] <= cell)
        row, col = divmod(cell - offsets[name], shapes[name][1])
        advice = ("pass suppress_zeros=True, or merge small rows or columns" if low >= 1
                  else "merge small rows or columns, or publish fewer totals")
        raise ValueError(f"even with every other count hidden, table {name!r} row "
                         f"{tables[name].index[row]!r}, column {tables[name].columns[col]!r} "
                         f"can be worked out from what is shown; {advice}") from None
    results = {}
    for name, table in tables.items():
        start = offsets[name]
        here = variable[start:start + table.size].reshape(table.shape)
        p_mask, s_mask = primary[here], hidden[here] & ~primary[here]
        public = _display(_counts(table), p_mask, s_mask, label, secondary_label, table)
        note = _note(audience, int(p_mask.sum()), int(s_mask.sum()), low, threshold, label,
                     secondary_label)
        others = ", ".join(map(str, (n for n in tables if n != name)))
        if note and audience == "public":
            if others:
                note += (f" Suppressed together with {others}, which shares its totals, so no "
                         f"hidden cell can be worked out from any of them.")
            # The rule, so a reader knows what a hidden cell may hold.
            note += (" Zeros are shown: a count of none identifies no one." if low >= 1 else
                     f" Zeros are hidden as well, so a hidden 0 cannot be told from 1 to "
                     f"{threshold - 1}.")
        total_row, total_col = totals.get(name, (None, None))
        results[name] = SuppressionResult(
            table=public if audience == "public" else table.copy(),
            mask_primary=pd.DataFrame(p_mask, index=table.index, columns=table.columns),
            mask_secondary=pd.DataFrame(s_mask, index=table.index, columns=table.columns),
            note=note, audience=audience, public_table=public, threshold=threshold,
            label=label, secondary_label=secondary_label, min_count=low,
            total_row=total_row, total_col=total_col)
    return results


def linked_hidden_ranges(
    results: dict[str, SuppressionResult],
    links: Iterable[tuple[str, Hashable, str, Hashable]] = (),
    *,
    exact: bool = True,
) -> pd.DataFrame:
    """What a reader of all the published tables together can work out about each hidden cell.

    Each table's hidden cells are unknowns of their own (as :func:`hidden_ranges` has them,
    with the table's own rule for ``<5`` and ``[c]``); each table's rows and columns with a
    total add up to it; and linked cells are equal, so a count shown in one table fixes the
    cell hidden in another. A linear programme gives each hidden cell's smallest and largest
    value.

    Parameters
    ----------
    results : dict of str to SuppressionResult
        The tables as published, e.g. from :func:`suppress_linked` (or several
        :func:`suppress` results, to see what publishing them together gives away).
    links : iterable of (table, column, table, column)
        As for :func:`suppress_linked`.
    exact : bool, default True
        False: cells that a few feasible tables already show to take two whole numbers get
        ``lower=-inf`` and ``upper=inf`` (not computed) instead of their own two programmes,
        which is much faster; ``recoverable`` is exact either way.

    Returns
    -------
    pandas.DataFrame
        One row per hidden cell: ``table, row, column, kind, lower, upper, recoverable``.

    Examples
    --------
    >>> by_type = pd.DataFrame({"Theft": [3, 9, 12], "Robbery": [8, 7, 15],
    ...                         "Total": [11, 16, 27]}, index=["Hendon", "Mill Hill", "Total"])
    >>> by_ward = by_type[["Total"]].rename(columns={"Total": "Incidents"})
    >>> both = SuppressionRule(total_row="Total", total_col="Total")
    >>> alone = {"by_type": suppress(by_type, both),
    ...          "by_ward": suppress(by_ward, SuppressionRule(total_row="Total"))}
    >>> linked_hidden_ranges(alone)["recoverable"].any()
    np.False_
    """
    names = list(results)
    kinds, values, equations_by_table, offsets = [], [], [], {}
    size = 0
    lows, highs = [], []
    for name in names:
        result = results[name]
        if not isinstance(result, SuppressionResult):
            raise ValueError(f"{name!r}: expected a SuppressionResult, got "
                             f"{type(result).__name__}")
        display = result.public_table
        vals, kind = _read_display(display, result.label, result.secondary_label)
        r_tot = _position(display.index, result.total_row, "total_row")
        c_tot = _position(display.columns, result.total_col, "total_col")
        equations_by_table.append((size, _equations(vals.shape, r_tot, c_tot)))
        offsets[name] = size
        kinds.append(kind.ravel())
        values.append(vals.ravel())
        lows.append(np.full(vals.size, result.min_count))
        highs.append(np.full(vals.size, result.threshold - 1))
        size += vals.size
    kind, value = np.concatenate(kinds), np.concatenate(values)
    low, high = np.concatenate(lows), np.concatenate(highs)
    tables = {n: results[n].public_table for n in names}
    rows = []
    for start, equations in equations_by_table:
        for line in equations:
            full = np.zeros(size)
            full[start:start + line.size] = line
            rows.append(full)
    for a, b in _link_cells_display(tables, links, offsets):
        full = np.zeros(size)
        full[a], full[b] = 1, -1
        rows.append(full)
    hidden = np.flatnonzero(kind != _PUBLISHED)
    matrix = np.array(rows) if rows else np.zeros((0, size))
    shown = kind == _PUBLISHED
    a_eq = matrix[:, hidden]
    b_eq = -(matrix[:, shown] @ value[shown])
    used = (a_eq != 0).any(axis=1)
    if np.any(np.abs(b_eq[~used]) > 1e-9):
        raise ValueError("the published tables are inconsistent: shown counts do not add up "
                         "to shown totals")
    a_eq, b_eq = (a_eq[used], b_eq[used]) if used.any() else (None, None)
    bounds = [(low[h], high[h]) if kind[h] == _PRIMARY
              else (_secondary_low(high[h] + 1, low[h]), None) for h in hidden]
    out = []
    free = np.zeros(len(bounds), dtype=bool) if exact else _free_cells(a_eq, b_eq, bounds)
    for k, cell in enumerate(hidden):
        try:
            lower, upper = (-math.inf, math.inf) if free[k] else _cell_range(k, a_eq, b_eq,
                                                                             bounds)
        except _Inconsistent as err:
            raise ValueError(f"the published tables are inconsistent: {err}") from err
        name = next(n for n in reversed(names) if offsets[n] <= cell)
        row, col = divmod(cell - offsets[name], tables[name].shape[1])
        out.append({"table": name, "row": tables[name].index[row],
                    "column": tables[name].columns[col],
                    "kind": "primary" if kind[cell] == _PRIMARY else "secondary",
                    "lower": lower, "upper": upper, "recoverable": _pinned(lower, upper)})
    return pd.DataFrame(out, columns=["table", "row", "column", "kind", "lower", "upper",
                                      "recoverable"])


def _link_cells_display(tables: dict[str, pd.DataFrame], links: Iterable, offsets: dict
                        ) -> list[tuple[int, int]]:
    pairs = []
    for name_a, col_a, name_b, col_b in links:
        a, b = tables[name_a], tables[name_b]
        for row in (r for r in a.index if r in b.index):
            pairs.append((offsets[name_a] + a.index.get_loc(row) * a.shape[1]
                          + a.columns.get_loc(col_a),
                          offsets[name_b] + b.index.get_loc(row) * b.shape[1]
                          + b.columns.get_loc(col_b)))
    return pairs


def verify_linked(results: dict[str, SuppressionResult],
                  links: Iterable[tuple[str, Hashable, str, Hashable]] = ()) -> list[str]:
    """Every way tables published together give a small count away; empty when they do not.

    Each table's own :func:`verify_suppression` problems, then every hidden cell that
    :func:`linked_hidden_ranges` pins to one value from all the tables at once.

    Examples
    --------
    >>> by_type = pd.DataFrame({"Theft": [0, 9, 9], "Robbery": [8, 7, 15],
    ...                         "Total": [8, 16, 24]}, index=["Hendon", "Mill Hill", "Total"])
    >>> by_ward = by_type[["Total"]].rename(columns={"Total": "Incidents"})
    >>> links = [("by_ward", "Incidents", "by_type", "Total")]
    >>> verify_linked(suppress_linked({"by_type": by_type, "by_ward": by_ward},
    ...     totals={"by_type": ("Total", "Total"), "by_ward": ("Total", None)}, links=links),
    ...     links)
    []
    """
    links = list(links)
    problems = []
    for name, result in results.items():
        _, low, values, kind, r_tot, c_tot = _display_setup(result.public_table, result.rule)
        display = result.public_table
        problems += [f"{name}: row {display.index[i]!r}, column {display.columns[j]!r} shows "
                     f"a count from {low} to {result.threshold - 1}"
                     for i, j in np.argwhere((kind == _PUBLISHED) & (values >= low)
                                             & (values < result.threshold))]
    # The joint programme holds every table's own equations, so it finds at least what each
    # table's hidden_ranges would.
    ranges = linked_hidden_ranges(results, links, exact=False)
    problems += [f"{r.table}: row {r.row!r}, column {r.column!r} can be worked out exactly "
                 f"from the tables published together"
                 for r in ranges[ranges["recoverable"]].itertuples()]
    return problems


# ---------------------------------------------------------------------------------------------
# Tables for a public pack: aggregate first, then suppress
# ---------------------------------------------------------------------------------------------

#: The largest share of a public table's cells that may be hidden: a table with more hidden
#: is aggregated further (or not published), since a grid of ``<5`` tells the reader nothing.
PUBLIC_MAX_SUPPRESSED = 0.25


def suppressed_share(display: pd.DataFrame, rule: SuppressionRule | None = None) -> float:
    """The share of a published table's cells shown as hidden (``label`` or ``secondary_label``).

    Every cell counts, totals included; row labels are the index, not cells.

    Examples
    --------
    >>> shown = pd.DataFrame({"Theft": ["<5", "12"], "Robbery": ["[c]", "9"]})
    >>> suppressed_share(shown)
    0.5
    """
    _, _, label, secondary_label = _settings(rule)
    if not isinstance(display, pd.DataFrame) or display.empty:
        raise ValueError("display must be a non-empty DataFrame")
    cells = display.map(lambda v: str(v).strip()).to_numpy(dtype=object)
    return float(np.isin(cells, [label, secondary_label]).mean())


def group_columns(counts: pd.DataFrame, groups: dict[str, Iterable[Hashable]], *,
                  total_col: Hashable | None = None) -> pd.DataFrame:
    """Add a count table's columns up into named groups, in the order of ``groups``.

    Every column but ``total_col`` must be in exactly one group, so no count is lost or
    counted twice; a group none of whose columns is in the table is left out. The total
    column, if any, stays last and unchanged.

    Examples
    --------
    >>> counts = pd.DataFrame({"Theft": [3, 9], "Robbery": [1, 4], "Fire": [2, 0],
    ...                        "Total": [6, 13]}, index=["Hendon", "Mill Hill"])
    >>> group_columns(counts, {"Acquisitive": ["Theft", "Robbery"], "Other": ["Fire"]},
    ...               total_col="Total")
               Acquisitive  Other  Total
    Hendon               4      2      6
    Mill Hill           13      0     13
    """
    _check_labels(counts)
    parts = [c for c in counts.columns if c != total_col]
    seen: dict[Hashable, str] = {}
    for name, members in groups.items():
        for column in members:
            if column in seen:
                raise ValueError(f"column {column!r} is in groups {seen[column]!r} and "
                                 f"{name!r}")
            seen[column] = name
    missing = [c for c in parts if c not in seen]
    if missing:
        raise ValueError(f"columns in no group: {', '.join(map(repr, missing))}")
    out = pd.DataFrame(index=counts.index)
    for name, members in groups.items():
        present = [c for c in members if c in counts.columns]
        if present:
            out[name] = counts[present].sum(axis=1)
    if total_col is not None:
        out[total_col] = counts[total_col]
    return out


def combine_rows(counts: pd.DataFrame, rows: Iterable[Hashable], label: Hashable, *,
                 total_row: Hashable | None = None) -> pd.DataFrame:
    """Replace ``rows`` of a count table by one row, ``label``, holding their sum.

    The combined row goes after the other rows and before ``total_row``; ``label`` may name a
    row already combined (the new rows are added to it).

    Examples
    --------
    >>> counts = pd.DataFrame({"Incidents": [26, 3, 1, 30]},
    ...                       index=["Edgware", "Hendon", "Mill Hill", "Total"])
    >>> combine_rows(counts, ["Hendon", "Mill Hill"], "Other wards", total_row="Total")
                 Incidents
    Edgware             26
    Other wards          4
    Total               30
    """
    _check_labels(counts)
    rows = list(rows)
    unknown = [r for r in rows if r not in counts.index]
    if unknown or total_row in rows:
        raise ValueError(f"cannot combine rows {', '.join(map(repr, unknown or [total_row]))}")
    merged = counts.loc[rows + ([label] if label in counts.index and label not in rows
                                else [])].sum()
    kept = counts.drop(index=[*rows, label], errors="ignore")
    body = kept.drop(index=[total_row]) if total_row is not None else kept
    pieces = [body, merged.to_frame(label).T.astype(counts.dtypes.to_dict())]
    if total_row is not None:
        pieces.append(kept.loc[[total_row]])
    return pd.concat(pieces).rename_axis(counts.index.name)


@dataclass(frozen=True, eq=False)
class Release:
    """A count table made fit to publish: aggregated, then suppressed.

    Attributes
    ----------
    counts : pandas.DataFrame
        The aggregated counts (rows combined), as suppressed.
    combined : tuple
        The row labels added up into the row ``other_label`` (empty if none).
    other_label : Hashable
        The label of the combined row.
    result : SuppressionResult
        :func:`suppress` on ``counts``.
    """

    counts: pd.DataFrame
    combined: tuple
    other_label: Hashable
    result: SuppressionResult

    @property
    def share(self) -> float:
        """The share of the public table's cells hidden (:func:`suppressed_share`)."""
        return suppressed_share(self.result.public_table, self.result.rule)


def _suppress_any(counts: pd.DataFrame, rule: SuppressionRule, audience: str
                  ) -> SuppressionResult:
    try:
        return suppress(counts, rule, audience=audience)
    except ValueError as err:
        if "can be worked out" not in str(err) or rule.suppress_zeros:
            raise
    # Some tables (four 1s under a total of 4) cannot be protected while zeros are shown;
    # with zeros hidden too they always can.
    return suppress(counts, replace(rule, suppress_zeros=True), audience=audience)


def release_table(
    counts: pd.DataFrame,
    *,
    other_label: Hashable = "Other",
    rule: SuppressionRule | None = None,
    max_suppressed: float = PUBLIC_MAX_SUPPRESSED,
    combine_zero_rows: bool = False,
    audience: str = "public",
) -> Release:
    """Combine small rows of a count table, then suppress it, so few of its cells are hidden.

    Small-number suppression alone turns a sparse table into a grid of ``<5``. So rows are
    aggregated first, in two steps, before :func:`suppress` runs:

    1. Every row whose total is a small count (from 1 to ``threshold - 1``) goes into one row,
       ``other_label``; if that is one row, the row with the next smallest total joins it (a
       row alone under another name would be that row). Rows of zeros stay as they are: a
       true zero identifies no one, and showing it is checked like any other published
       number.
    2. While more than ``max_suppressed`` of the suppressed table's cells are hidden, the row
       with the smallest (non-zero) total joins ``other_label`` too.

    Then :func:`suppress` (counts 1 to 4 shown as ``<5``, secondary suppression against
    every total, verified by linear programming); should zeros have to be hidden to protect
    the table, they are (``suppress_zeros=True``). If even combining every row leaves too
    many cells hidden, the last result is returned: check :attr:`Release.share`.

    Parameters
    ----------
    counts : pandas.DataFrame
        Counts, rows by columns (group columns first with :func:`group_columns`).
    other_label : Hashable, default "Other"
        Label of the combined row; it must not be a row of ``counts``.
    rule : SuppressionRule, optional
        As for :func:`suppress` (``total_row`` and ``total_col`` are the table's totals).
    max_suppressed : float, default :data:`PUBLIC_MAX_SUPPRESSED`
        The share of cells that may be hidden; the table is aggregated until fewer are.
    combine_zero_rows : bool, default False
        Put rows of zeros in ``other_label`` too, where another table already shows them as
        zero (a ward by type table beside a ward table): they would only pad the table, and
        make its share of hidden cells look smaller than it is.
    audience : {"public", "internal"}, default "public"

    Returns
    -------
    Release

    Examples
    --------
    >>> counts = pd.DataFrame(
    ...     {"Violence": [9, 6, 2, 3, 1, 0, 21], "Other": [12, 7, 2, 1, 2, 0, 24],
    ...      "Total": [21, 13, 4, 4, 3, 0, 45]},
    ...     index=["Edgware", "Hendon", "Mill Hill", "Underhill", "Whetstone", "Woodhouse",
    ...            "Total"])
    >>> release = release_table(counts, other_label="Other wards",
    ...                         rule=SuppressionRule(total_row="Total", total_col="Total"))
    >>> release.combined
    ('Whetstone', 'Mill Hill', 'Underhill')
    >>> release.result.public_table
                Violence Other Total
    Edgware            9    12    21
    Hendon             6     7    13
    Woodhouse          0     0     0
    Other wards        6     5    11
    Total             21    24    45
    >>> release.share < 0.25
    True
    """
    audience = check_audience(audience)
    rule = SuppressionRule() if rule is None else rule
    threshold, _, _, _ = _settings(rule)
    _counts(counts)
    if other_label in counts.index:
        raise ValueError(f"other_label {other_label!r} is already a row of the table")
    total_row, total_col = rule.total_row, rule.total_col

    def totals(frame: pd.DataFrame) -> pd.Series:
        body = frame.drop(index=[total_row]) if total_row is not None else frame
        if total_col is not None:
            return body[total_col]
        return body.sum(axis=1)

    row_totals = totals(counts)
    # Smallest first, ties in table order, so the same data always combine the same rows.
    order = sorted(range(len(row_totals)), key=lambda i: (row_totals.iloc[i], i))
    ranked = [row_totals.index[i] for i in order if row_totals.iloc[i] > 0]
    members = [r for r in ranked if row_totals[r] < threshold]
    rest = [r for r in ranked if r not in members]
    if members and len(members) < 2 and rest:
        members.append(rest.pop(0))
    if combine_zero_rows:
        members += [r for r in row_totals.index if row_totals[r] == 0]

    def attempt() -> tuple[pd.DataFrame, SuppressionResult]:
        frame = (combine_rows(counts, members, other_label, total_row=total_row)
                 if members else counts)
        return frame, _suppress_any(frame, rule, audience)

    frame, result = attempt()
    while rest and suppressed_share(result.public_table, result.rule) >= max_suppressed:
        had = (row_totals[members] > 0).sum()
        members.append(rest.pop(0))
        if had == 0 and rest:
            # One row alone under "other" would be that row, named differently.
            members.append(rest.pop(0))
        frame, result = attempt()
    return Release(counts=frame, combined=tuple(members), other_label=other_label,
                   result=result)
