"""The partnership data dictionary as code: eight input templates and what each column means.

The Safer Communities Partnership Board pack draws on partner data the police do not publish.
Each source arrives as a CSV file or an Excel workbook laid out like one of the templates below
(:func:`write_templates` writes them; :func:`data_dictionary` lists every column):

==================== ==========================================================================
``cctv``             CCTV control-room incident log, one row per incident
``asb_cases``        ASB cases opened (ECINS-style case list)
``asb_outcomes``     ASB tools-and-powers outcomes (CPN warnings, CPNs, CBOs, PSPOs, closures)
``fpn``              Fixed penalty notices issued, offence codes CST01 to CST17
``community_trigger`` Community Trigger applications and the threshold decision
``csmarac``          Community Safety MARAC meetings, one row per meeting (about every 6 weeks)
``prevent``          Prevent referrals: age band, sex and ideology
``damarac``          Domestic abuse MARAC referrals: repeat flag and children
==================== ==========================================================================

Real exports also carry personal data (names, addresses, phone numbers, dates of birth, free
text). Those columns are listed per source in :data:`PII_COLUMNS`, and any header that looks
personal (:data:`PII_PATTERNS`) is treated the same way: the loaders drop them before anything
else happens, and report only their names.

Header and value matching ignore case, spacing, punctuation and Cyrillic look-alike letters
(:func:`header_key`, :func:`value_key`), so ``"DATE_TIME"`` is the ``Date/Time`` column and
``"СВО"`` typed with Cyrillic letters (as on the July 2023 slide) is a Criminal Behaviour Order.
Anything that is not a known spelling is refused rather than guessed.

The templates, their columns and the known spellings of category values are packaged tables,
``partnership_sources.csv``, ``partnership_columns.csv`` and ``partnership_values.csv``, read
once on import into the constants and :data:`SOURCES` below.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from scpb_analysis.reference.packaged import read_packaged_csv
from scpb_analysis.reference.taxonomy import normalise_label

__all__ = [
    "COLUMN_TYPES",
    "INCIDENT_TYPES",
    "INCIDENT_TYPE_VARIANTS",
    "CCTV_MODES",
    "ASB_OUTCOMES",
    "OUTCOME_VARIANTS",
    "FPN_CODES",
    "TRIGGER_DECISIONS",
    "AGE_BANDS",
    "SEXES",
    "IDEOLOGIES",
    "IDEOLOGY_VARIANTS",
    "FLAG_VALUES",
    "PII_COLUMNS",
    "PII_PATTERNS",
    "CONTROL_ROOM_24_7_FROM",
    "HEADER_SEARCH_ROWS",
    "Column",
    "SourceSchema",
    "SOURCES",
    "SOURCE_NAMES",
    "header_key",
    "value_key",
    "is_personal_header",
    "control_room_open",
    "data_dictionary",
    "write_templates",
]

#: The kinds of column a template can have, and what each accepts.
COLUMN_TYPES = {
    "id": "a reference unique within the source (text; compared after trimming spaces)",
    "date": "a date, day first: dd/mm/yyyy, dd/mm/yy (read as 20yy), yyyy-mm-dd or an Excel "
    "date",
    "datetime": "a date and time, day first: dd/mm/yyyy HH:MM (or HH:MM:SS; dd/mm/yy and "
    "yyyy-mm-dd dates too) or an Excel date-time",
    "category": "one of the listed values (known variants are accepted and mapped)",
    "int": "a whole number of 0 or more",
    "flag": "Y or N (Yes/No, True/False and 1/0 are accepted)",
    "ward": "a May-2022 ward of the borough (spellings such as '&' for 'and' are accepted)",
    "text": "free text that is not personal, such as a camera or location name",
}

#: How many rows from the top of a sheet are searched for the header row.
HEADER_SEARCH_ROWS = 30

#: The control room has been staffed around the clock from this day; before it, 12:00 to 04:00.
CONTROL_ROOM_24_7_FROM = pd.Timestamp("2022-09-01")

# The category values and their other spellings are a table (partnership_values.csv): per
# field, the allowed values in order, then each other spelling with the value it means.
_VALUES = read_packaged_csv("partnership_values.csv", dtype=str, keep_default_na=False)


def _field(name: str) -> tuple[tuple[str, ...], dict[str, str]]:
    rows = _VALUES[_VALUES["field"] == name]
    spelled = rows["spelling"] != ""
    return (tuple(rows.loc[~spelled, "value"]),
            dict(zip(rows.loc[spelled, "spelling"], rows.loc[spelled, "value"], strict=True)))


_FIELDS = {name: _field(name) for name in _VALUES["field"].unique()}

#: The 25 CCTV incident types, spelled as on the control-room log and the board pack.
INCIDENT_TYPES = _FIELDS["incident_type"][0]
#: Other spellings of incident types seen on logs (case, spacing and punctuation are ignored
#: anyway, so "Fly-tipping" and "ANTI SOCIAL BEHAVIOUR" need no entry).
INCIDENT_TYPE_VARIANTS = _FIELDS["incident_type"][1]
#: Whether the control room found the incident itself or was asked to look.
CCTV_MODES = _FIELDS["mode"][0]
#: ASB tools-and-powers outcomes, as the board pack names them, in the column order of the
#: board's table (the published ASB outcomes table follows this order); and other names for
#: them (abbreviations and the full statutory names).
ASB_OUTCOMES, OUTCOME_VARIANTS = _FIELDS["outcome"]
#: Fixed penalty notice offence codes.
FPN_CODES = tuple(f"CST{n:02d}" for n in range(1, 18))
_FIELDS["fpn_code"] = (FPN_CODES, {f"CST{n}": f"CST{n:02d}" for n in range(1, 10)})
#: Community Trigger threshold decisions.
TRIGGER_DECISIONS = _FIELDS["decision"][0]
#: Prevent age bands. The pack's "Over 18" means 18 and over.
AGE_BANDS = _FIELDS["age_band"][0]
#: Prevent sex categories.
SEXES = _FIELDS["sex"][0]
#: Prevent ideology categories, and the names the pack and referral forms use for them. "мии"
#: is Cyrillic em-i-i, the look-alike of MUU printed on the July 2023 Prevent slide.
IDEOLOGIES, IDEOLOGY_VARIANTS = _FIELDS["ideology"]
#: Yes/no answers, mapped to the template's Y and N.
FLAG_VALUES = _FIELDS["flag"][0]

#: Personal columns found in real exports of each source; dropped at load.
PII_COLUMNS: dict[str, tuple[str, ...]] = {
    "cctv": ("Operator Name", "Caller Name", "Caller Phone", "Notes"),
    "asb_cases": ("Complainant Name", "Address", "Date of Birth", "Notes"),
    "asb_outcomes": (),
    "fpn": ("Recipient Name", "Address"),
    "community_trigger": ("Applicant Name", "Email"),
    "csmarac": (),
    "prevent": ("Name", "Date of Birth", "School"),
    "damarac": ("Victim Name", "Perpetrator Name", "Address", "Phone"),
}

#: Header words that mark a column as personal whatever the source (matched as whole words of
#: the header, or inside it for the compound ones such as "postcode").
PII_PATTERNS = (
    r"\b(?:full |first |last |fore|sur)?names?\b",
    r"\bdob\b",
    r"birth",
    r"address",
    r"post ?code",
    r"phone|\bmobile\b|\btel\b|\btelephone\b",
    r"\be ?mail",
    r"\bnotes?\b|\bcomments?\b|\bdescription\b|\bfree ?text\b|\bnarrative\b",
)
_PII_RE = re.compile("|".join(f"(?:{p})" for p in PII_PATTERNS))

# Cursive Cyrillic letters that pass for Latin ones in typed-up slides ("мии" for MUU); the
# taxonomy's table covers the upright look-alikes.
_ITALIC_LOOKALIKES = str.maketrans("мМиИ", "mmuu")
_NOT_ALNUM = re.compile(r"[\W_]+")
# Symbols that carry meaning in age bands ("<18", "18+") are spelled out before they are
# stripped with the rest of the punctuation.
_SYMBOLS = str.maketrans({"<": " under ", ">": " over ", "+": " plus ", "&": " and "})
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")


def header_key(text: object) -> str:
    """Key for matching a header: case, spacing, punctuation and look-alikes ignored.

    A trailing ``(Y/N)`` is part of the key; :meth:`SourceSchema.match_header` also tries the
    key without it.

    Examples
    --------
    >>> header_key("Date / Time") == header_key("DATE_TIME") == header_key("Date/Time")
    True
    >>> header_key("Pro-active / Re-active") == header_key("Proactive/Reactive")
    True
    """
    return _NOT_ALNUM.sub("", normalise_label(str(text)).translate(_SYMBOLS))


def value_key(text: object) -> str:
    """Key for matching a category value: as :func:`header_key`, plus cursive look-alikes.

    Examples
    --------
    >>> value_key("СВО") == value_key("CBO")          # Cyrillic Es, Ve, O
    True
    >>> value_key("мии") == value_key("MUU")          # Cyrillic em, i, i
    True
    >>> value_key("Fly-tipping") == value_key("fly tipping")
    True
    """
    return header_key(normalise_label(str(text)).translate(_ITALIC_LOOKALIKES))


def is_personal_header(header: object, source: str | None = None) -> bool:
    """True if a column with this header may hold personal data (so it must be dropped).

    Examples
    --------
    >>> [is_personal_header(h) for h in ("Caller Phone", "CallerName", "E-mail", "Ward Name")]
    [True, True, True, True]
    >>> [is_personal_header(h) for h in ("Camera/Location", "Incident Type")]
    [False, False]

    Template columns are matched before this test, so "Ward Name" is read as the ``Ward``
    column, never dropped.
    """
    key = header_key(header)
    known = PII_COLUMNS.get(source, ()) if source else sum(PII_COLUMNS.values(), ())
    if key in {header_key(p) for p in known}:
        return True
    words = normalise_label(_CAMEL.sub(" ", str(header)))
    words = " ".join(_NOT_ALNUM.sub(" ", words).split())
    return bool(_PII_RE.search(words)) or bool(_PII_RE.search(key))


def control_room_open(when: pd.Timestamp) -> bool:
    """Whether the CCTV control room was staffed at ``when``.

    12:00 to 04:00 (04:00 itself included) until 31 August 2022; around the clock from
    1 September 2022 (:data:`CONTROL_ROOM_24_7_FROM`).

    Examples
    --------
    >>> control_room_open(pd.Timestamp("2022-06-01 08:00"))
    False
    >>> control_room_open(pd.Timestamp("2022-06-01 03:59")), control_room_open(
    ...     pd.Timestamp("2022-09-01 08:00"))
    (True, True)
    """
    when = pd.Timestamp(when)
    if when >= CONTROL_ROOM_24_7_FROM:
        return True
    seconds = when.hour * 3600 + when.minute * 60 + when.second
    return when.hour >= 12 or seconds <= 4 * 3600


@dataclass(frozen=True)
class Column:
    """One column of an input template.

    Attributes
    ----------
    header : str
        The canonical template header.
    tidy : str
        Its name in the tidy table (a ``ward`` column gives ``ward_code`` and ``ward_name``).
    kind : str
        One of :data:`COLUMN_TYPES`.
    required : bool
        The column must be present, and every row must have a value in it.
    allowed : tuple of str
        Canonical values of a ``category`` or ``flag`` column (empty: any value).
    variants : mapping
        Other spellings accepted for the allowed values, ``{variant: canonical}``.
    header_variants : tuple of str
        Other headers exports use for the column.
    description : str
        What the column holds, for the data dictionary.
    tidy_values : mapping
        Canonical value -> value in the tidy table, where they differ (``"Y"`` -> ``True``).
    noun : str
        What a value is called in messages, where the lower-cased header reads badly.
    """

    header: str
    tidy: str
    kind: str
    required: bool = True
    allowed: tuple[str, ...] = ()
    variants: Mapping[str, str] = field(default_factory=dict)
    header_variants: tuple[str, ...] = ()
    description: str = ""
    tidy_values: Mapping[str, object] = field(default_factory=dict)
    noun: str = ""
    _lookup: Mapping[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.kind not in COLUMN_TYPES:
            raise ValueError(f"column {self.header!r}: kind {self.kind!r} is not one of "
                             f"{', '.join(COLUMN_TYPES)}")
        bad = sorted(set(self.variants.values()) - set(self.allowed))
        if bad:
            raise ValueError(f"column {self.header!r}: variants map to {bad}, not allowed values")
        lookup = {value_key(v): v for v in self.allowed}
        for variant, target in self.variants.items():
            # Two spellings that normalise alike but mean different things would be a guess.
            if lookup.setdefault(value_key(variant), target) != target:
                raise ValueError(f"column {self.header!r}: {variant!r} is ambiguous")
        object.__setattr__(self, "_lookup", lookup)

    @property
    def header_keys(self) -> frozenset[str]:
        """Matching keys of the header and its variants."""
        return frozenset(header_key(h) for h in (self.header, *self.header_variants))

    def canonical(self, value: object) -> str | None:
        """The allowed value ``value`` spells, or ``None`` if it is not a known spelling.

        Examples
        --------
        >>> outcome = SOURCES["asb_outcomes"].column("Outcome")
        >>> outcome.canonical("СВО"), outcome.canonical("community protection notice")
        ('Criminal Behaviour Order', 'CPN')
        >>> outcome.canonical("ASBO") is None
        True
        """
        text = str(value).strip()
        if not self.allowed:
            return text
        return self._lookup.get(value_key(text))


@dataclass(frozen=True)
class SourceSchema:
    """One partnership source: its template columns, personal columns and tidy table.

    Attributes
    ----------
    name : str
        Short name used in code (``"cctv"``).
    title : str
        What the source is, for people.
    columns : tuple of Column
        The template columns, in template order.
    pii : tuple of str
        Personal columns real exports of this source carry (dropped at load).
    tidy_columns : tuple of str
        Columns of the tidy table, in order.
    unique : str or None
        Header of the column whose values must not repeat (second and later rows are rejected).
    description : str
        Notes on the source (how often, what a row is).

    Examples
    --------
    >>> cctv = SOURCES["cctv"]
    >>> cctv.required_headers[:3]
    ('Incident ID', 'Date/Time', 'Incident Type')
    >>> cctv.match_header("DATE_TIME").header, cctv.match_header("Caller Name") is None
    ('Date/Time', True)
    """

    name: str
    title: str
    columns: tuple[Column, ...]
    pii: tuple[str, ...]
    tidy_columns: tuple[str, ...]
    unique: str | None = None
    description: str = ""

    @property
    def headers(self) -> tuple[str, ...]:
        """Canonical template headers, in order."""
        return tuple(c.header for c in self.columns)

    @property
    def required_headers(self) -> tuple[str, ...]:
        """Headers a file must have."""
        return tuple(c.header for c in self.columns if c.required)

    def column(self, header: str) -> Column:
        """The column with this canonical header (or any accepted variant of it)."""
        found = self.match_header(header)
        if found is None:
            raise KeyError(f"{self.name} has no column {header!r}; its columns are "
                           f"{', '.join(self.headers)}")
        return found

    def match_header(self, text: object) -> Column | None:
        """The template column a file's header names, or ``None``."""
        key = header_key(text)
        # "Repeat Referral (Y/N)": the answer format is not part of the name.
        keys = {key, key[:-2]} if key.endswith("yn") and len(key) > 2 else {key}
        for col in self.columns:
            if keys & col.header_keys:
                return col
        return None

    @property
    def date_column(self) -> Column:
        """The date or date-time column that gives each row its month."""
        return next(c for c in self.columns if c.kind in ("date", "datetime"))


_DERIVED = ("source_file", "source_row")
# How a column's canonical values read in the tidy table, by the name the columns table uses.
_TIDY_VALUES = {"": lambda allowed: {}, "lower": lambda allowed: {v: v.lower() for v in allowed},
                "boolean": lambda allowed: {"Y": True, "N": False}}


def _column(row: Mapping[str, str]) -> Column:
    allowed, variants = _FIELDS.get(row["values"], ((), {}))
    return Column(row["header"], row["tidy"], row["kind"], required=row["required"] == "Y",
                  allowed=allowed, variants=variants,
                  header_variants=tuple(h for h in row["header_variants"].split("|") if h),
                  description=row["description"],
                  tidy_values=_TIDY_VALUES[row["tidy_values"]](allowed), noun=row["noun"])


# The templates are tables too: one row per source (partnership_sources.csv) and one per
# template column, in template order (partnership_columns.csv, values naming a _FIELDS entry).
_COLUMNS = read_packaged_csv("partnership_columns.csv", dtype=str, keep_default_na=False)

SOURCES: dict[str, SourceSchema] = {
    row["source"]: SourceSchema(
        row["source"], row["title"],
        tuple(_column(c) for c in _COLUMNS[_COLUMNS["source"] == row["source"]].to_dict("records")),
        PII_COLUMNS[row["source"]], (*row["tidy_columns"].split("|"), *_DERIVED),
        unique=row["unique"] or None, description=row["description"])
    for row in read_packaged_csv("partnership_sources.csv", dtype=str,
                                 keep_default_na=False).to_dict("records")
}

#: Source names, in template order.
SOURCE_NAMES = tuple(SOURCES)


def _allowed_text(col: Column) -> str:
    if col.kind == "ward":
        return "a May-2022 ward"
    if col.kind == "int":
        return "0 or more"
    return "; ".join(col.allowed)


def _description(col: Column) -> str:
    text = col.description
    if col.variants:
        also = ", ".join(f"{v} ({t})" if col.allowed and v != t else v
                         for v, t in col.variants.items())
        text += f". Also accepted: {also}"
    return text


def data_dictionary() -> pd.DataFrame:
    """Every template column: ``source, column, tidy_name, type, required, allowed, description``.

    Personal columns real exports carry are listed too, with type ``pii`` and no tidy name:
    they are dropped at load.

    Examples
    --------
    >>> dd = data_dictionary()
    >>> print(dd.loc[dd.source == "csmarac", ["column", "tidy_name", "type"]]
    ...       .to_string(index=False))
          column    tidy_name type
    Meeting Date meeting_date date
     Cases Heard  cases_heard  int
       New Cases    new_cases  int
    Closed Cases closed_cases  int
    >>> sorted(dd.loc[(dd.source == "prevent") & (dd.type == "pii"), "column"])
    ['Date of Birth', 'Name', 'School']
    """
    rows = []
    for source in SOURCES.values():
        for col in source.columns:
            rows.append({"source": source.name, "column": col.header, "tidy_name": col.tidy,
                         "type": col.kind, "required": col.required,
                         "allowed": _allowed_text(col), "description": _description(col)})
        for pii in source.pii:
            rows.append({"source": source.name, "column": pii, "tidy_name": "", "type": "pii",
                         "required": False, "allowed": "",
                         "description": "Personal data: dropped at load, never output"})
    return pd.DataFrame(rows, columns=["source", "column", "tidy_name", "type", "required",
                                       "allowed", "description"])


def write_templates(folder: str | Path) -> list[Path]:
    """Write the input templates: one empty CSV per source, ``<source>_template.csv``.

    Each holds only the header row of the template columns (no personal columns). Partners
    fill them in (or export in the same layout) and the loaders read them back.

    Returns
    -------
    list of Path
        The files written, in :data:`SOURCE_NAMES` order.

    Examples
    --------
    >>> import tempfile
    >>> paths = write_templates(tempfile.mkdtemp())
    >>> [p.name for p in paths][:2]
    ['cctv_template.csv', 'asb_cases_template.csv']
    >>> paths[0].read_text(encoding="utf-8")
    'Incident ID,Date/Time,Incident Type,Ward,Proactive/Reactive,Camera/Location\\n'
    """
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for source in SOURCES.values():
        path = out / f"{source.name}_template.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle, lineterminator="\n").writerow(source.headers)
        written.append(path)
    return written
