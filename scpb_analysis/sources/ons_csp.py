"""ONS police recorded crime by Community Safety Partnership (Table C2), as one tidy table.

ONS publish, with each quarter's crime statistics, "Table C2: Number of police recorded crimes
for headline offences by Community Safety Partnership area, England and Wales, year ending
<month> <year>". A CSV export of the sheet holds:

- title and notes lines before the header (the title gives the period, "year ending June
  2025"); the header is found by its cells, which hold line breaks ("Police Force\\nArea
  code");
- a row per police force area (the CSP columns empty), then its CSP rows, an "Unassigned
  <force>" row (crimes the force could not place in a CSP) and, in Greater Manchester, a
  "Manchester Airport" row without a CSP code; England and Wales, country or region total rows
  where the export holds them (the June 2025 one holds none);
- counts with thousands separators and trailing spaces ("170,002 "), ``[x]`` where a figure
  is unavailable, note markers in names ("Humberside [note 4]"), trailing spaces in names.

:func:`load_csp_crime` reads it strictly: a header it does not know, an offence column it does
not know, a count that is not a whole number, a CSP row without a force, a CSP twice, offences
that do not add up to their group (violence against the person, theft, burglary, total) or a
force whose row is not the sum of its CSP, unassigned and other rows is an
:class:`~scpb_analysis.core.errors.InputDataError` naming the file, the line (1-based, counting
the lines inside the quoted header cells) and the column.

Two slips of the published file are read and said, not silently: a row whose force code is
another force's (Gwent's unassigned row carries South Wales's code) takes the code of its
force's own row, and a row whose every count is blank (Surrey's unassigned row) is read as
missing (``<NA>``, never 0); ``qa_note`` says so on the row.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from scpb_analysis.core.errors import InputDataError, MissingSourceError
from scpb_analysis.sources.files import decode_text, find_data_files, read_bytes

__all__ = ["CSP_OFFENCES", "CSP_LEVELS", "load_csp_crime"]

#: Headline offence columns of Table C2: canonical id -> the ONS label, in published order.
CSP_OFFENCES = {
    "total_recorded_crime": "Total recorded crime (excluding fraud)",
    "violence_against_the_person": "Violence against the person",
    "homicide": "Homicide",
    "death_or_serious_injury_illegal_driving": "Death or serious injury caused by illegal "
    "driving",
    "violence_with_injury": "Violence with injury",
    "violence_without_injury": "Violence without injury",
    "stalking_and_harassment": "Stalking and harassment",
    "sexual_offences": "Sexual offences",
    "robbery": "Robbery",
    "theft_offences": "Theft offences",
    "burglary": "Burglary",
    "residential_burglary": "Residential burglary",
    "non_residential_burglary": "Non-residential burglary",
    "vehicle_offences": "Vehicle offences",
    "theft_from_the_person": "Theft from the person",
    "bicycle_theft": "Bicycle theft",
    "shoplifting": "Shoplifting",
    "all_other_theft_offences": "All other theft offences",
    "criminal_damage_and_arson": "Criminal damage and arson",
    "drug_offences": "Drug offences",
    "possession_of_weapons_offences": "Possession of weapons offences",
    "public_order_offences": "Public order offences",
    "miscellaneous_crimes_against_society": "Miscellaneous crimes against society",
}

#: Offence groups and the offences that add up to them in every row (checked on reading).
_GROUPS = {
    "total_recorded_crime": ("violence_against_the_person", "sexual_offences", "robbery",
                             "theft_offences", "criminal_damage_and_arson", "drug_offences",
                             "possession_of_weapons_offences", "public_order_offences",
                             "miscellaneous_crimes_against_society"),
    "violence_against_the_person": ("homicide", "death_or_serious_injury_illegal_driving",
                                    "violence_with_injury", "violence_without_injury",
                                    "stalking_and_harassment"),
    "theft_offences": ("burglary", "vehicle_offences", "theft_from_the_person", "bicycle_theft",
                       "shoplifting", "all_other_theft_offences"),
    "burglary": ("residential_burglary", "non_residential_burglary"),
}

_AREA_COLUMNS = {
    "force_code": "Police Force Area code",
    "force_name": "Police Force Area name",
    "csp_code": "Community Safety Partnership code",
    "csp_name": "Community Safety Partnership name",
    "la_code": "Local Authority code",
    "la_name": "Local Authority name",
}

#: What each ``level`` means.
CSP_LEVELS = {
    "england_and_wales": "England and Wales total (code K04000001)",
    "england": "England total (E92000001)",
    "wales": "Wales total (W92000004)",
    "region": "English region total (E12 code)",
    "force": "police force area total (CSP columns empty)",
    "csp": "Community Safety Partnership (E22/W14 code)",
    "unassigned": "crimes the force recorded without placing them in a CSP",
    "other_area": "a named area of a force that is not a CSP (e.g. Manchester Airport)",
}
_TOTAL_CODES = {"K04000001": "england_and_wales", "E92000001": "england",
                "W92000004": "wales"}

_EXPECTED_TITLE = ("an ONS title such as 'Table C2: Number of police recorded crimes for headline "
                   "offences by Community Safety Partnership area, England and Wales, year ending "
                   "June 2025'")
_EXPECTED_HEADER = ("the Table C2 header: " + ", ".join(f"'{v}'" for v in _AREA_COLUMNS.values())
                    + ", then the headline offence columns")
_NOTE = re.compile(r"\s*\[note\s*\d+\]", re.IGNORECASE)
_PERIOD = re.compile(
    r"\byear ending (January|February|March|April|May|June|July|August|September|October|"
    r"November|December) (\d{4})\b", re.IGNORECASE)
_COUNT = re.compile(r"\d{1,3}(?:,\d{3})+|\d+")
_CODE = re.compile(r"[EWKSN]\d{8}")
_MARKERS = {"[x]": "unavailable", "[c]": "confidential", "[z]": "not applicable"}
_COMBINED = "combined local authorities"


def _clean(text: str) -> str:
    """A cell without note markers, line breaks or repeated spaces.

    >>> _clean(" Humberside [note 4] "), _clean("Police Force\\nArea code")
    ('Humberside', 'Police Force Area code')
    """
    return " ".join(_NOTE.sub(" ", text).split())


def _label_key(text: str) -> str:
    return _clean(text).casefold()


_AREA_KEYS = {_label_key(v): k for k, v in _AREA_COLUMNS.items()}
_OFFENCE_KEYS = {_label_key(v): k for k, v in CSP_OFFENCES.items()}


@dataclass
class _Record:
    line: int
    cells: list[str]


def _records(path: Path, text: str) -> list[_Record]:
    """CSV records with the file line each starts on (quoted cells may span lines)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    out = []
    start = 1
    try:
        for cells in reader:
            out.append(_Record(start, cells))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise InputDataError(path, f"is not readable as CSV ({exc})", row=reader.line_num,
                             expected="a CSV export of ONS Table C2") from None
    return out


def _period(path: Path, records: list[_Record]) -> tuple[str, pd.Period, int]:
    title = next((r for r in records if any(c.strip() for c in r.cells)), None)
    if title is None:
        raise InputDataError(path, "is empty", expected=_EXPECTED_TITLE)
    text = _clean(title.cells[0])
    key = text.casefold()
    if "police recorded crime" not in key or "community safety partnership" not in key:
        raise InputDataError(path, f"title '{text}' is not the ONS police recorded crime by "
                             "Community Safety Partnership table", row=title.line,
                             column="A", expected=_EXPECTED_TITLE)
    found = _PERIOD.findall(text)
    if len(found) != 1:
        raise InputDataError(path, f"title '{text}' does not state one period "
                             f"('year ending <month> <year>'); found {len(found)}",
                             row=title.line, column="A", expected=_EXPECTED_TITLE)
    month, year = found[0]
    end = pd.Period(f"{month} {year}", freq="M")
    return f"year ending {month.title()} {year}", end, title.line


def _header(path: Path, records: list[_Record]) -> tuple[int, dict[int, str]]:
    """Index of the header record and column position -> column id."""
    wanted = {_label_key(_AREA_COLUMNS["force_code"]), _label_key(_AREA_COLUMNS["csp_code"])}
    i = next((i for i, r in enumerate(records)
              if wanted <= {_label_key(c) for c in r.cells}), None)
    if i is None:
        raise InputDataError(path, "has no header row (no row holds both 'Police Force Area "
                             "code' and 'Community Safety Partnership code')",
                             expected=_EXPECTED_HEADER)
    record = records[i]
    columns: dict[int, str] = {}
    seen: dict[str, int] = {}
    for position, cell in enumerate(record.cells):
        key = _label_key(cell)
        if not key:
            continue
        column = _AREA_KEYS.get(key) or _OFFENCE_KEYS.get(key)
        if column is None:
            raise InputDataError(path, f"column '{_clean(cell)}' is not a Table C2 column",
                                 row=record.line, column=_clean(cell),
                                 expected="one of the known headline offences ("
                                 + ", ".join(CSP_OFFENCES.values()) + ") or area columns; "
                                 "a new offence column must be added to CSP_OFFENCES")
        if column in seen:
            raise InputDataError(path, f"column '{_clean(cell)}' appears twice",
                                 row=record.line, column=_clean(cell),
                                 expected="each column once")
        seen[column] = position
        columns[position] = column
    missing = [label for key, label in {**_AREA_COLUMNS, **CSP_OFFENCES}.items()
               if key not in seen]
    if missing:
        raise InputDataError(path, f"header has no column {', '.join(map(repr, missing))}",
                             row=record.line, expected=_EXPECTED_HEADER)
    return i, columns


def _count(path: Path, line: int, label: str, cell: str) -> tuple[int | None, str]:
    text = cell.strip()
    if text.casefold() in _MARKERS:
        return None, text.casefold()
    if not _COUNT.fullmatch(text):
        raise InputDataError(path, f"'{cell}' is not a count", row=line, column=label,
                             expected="a whole number of 0 or more (thousands separated as "
                             "'12,345'), or [x] where unavailable")
    return int(text.replace(",", "")), ""


def _code(path: Path, line: int, column: str, cell: str) -> str | None:
    text = cell.strip()
    if not text:
        return None
    if not _CODE.fullmatch(text):
        raise InputDataError(path, f"'{text}' is not an ONS area code", row=line,
                             column=_AREA_COLUMNS[column],
                             expected="a nine-character GSS code such as E22000002")
    return text


def _level(path: Path, line: int, area: dict[str, str | None]) -> str:
    code, name = area["force_code"], area["force_name"]
    if area["csp_code"]:
        if not (code or name):
            raise InputDataError(path, f"CSP row '{area['csp_name']}' has no police force",
                                 row=line, column=_AREA_COLUMNS["force_code"],
                                 expected="the code and name of the force the CSP is in")
        if not area["csp_name"]:
            raise InputDataError(path, f"CSP {area['csp_code']} has no name", row=line,
                                 column=_AREA_COLUMNS["csp_name"], expected="the CSP's name")
        return "csp"
    if not (code or name):
        raise InputDataError(path, f"row for '{area['csp_name'] or ''}' has no police force",
                             row=line, column=_AREA_COLUMNS["force_code"],
                             expected="a force, CSP, country or region row")
    if code in _TOTAL_CODES:
        return _TOTAL_CODES[code]
    if code and code.startswith("E12"):
        return "region"
    if not area["csp_name"]:
        if not (code and name):
            raise InputDataError(path, "force row lacks its code or name", row=line,
                                 column=_AREA_COLUMNS["force_code" if not code else
                                                      "force_name"],
                                 expected="both the force's code and name")
        return "force"
    return "unassigned" if area["csp_name"].casefold().startswith("unassigned") else "other_area"


def _resolve_forces(path: Path, rows: list[dict]) -> None:
    """Give every row the code of its force's own row (by name); say where the file differs."""
    force_rows: dict[str, dict] = {}
    for row in rows:
        if row["level"] != "force":
            continue
        key = row["force_name"].casefold()
        if key in force_rows:
            raise InputDataError(path, f"force '{row['force_name']}' has a second total row "
                                 f"(the first at line {force_rows[key]['line']})",
                                 row=row["line"], column=_AREA_COLUMNS["force_name"],
                                 expected="one row per force")
        force_rows[key] = row
    by_code = {r["force_code"]: r for r in force_rows.values()}
    for row in rows:
        if row["level"] not in ("csp", "unassigned", "other_area") or not row["force_name"]:
            continue
        own = force_rows.get(row["force_name"].casefold())
        if own is None:
            continue
        if row["force_code"] != own["force_code"]:
            other = by_code.get(row["force_code"])
            whose = f" ({other['force_name']}'s code)" if other else ""
            row["qa_note"].append(
                f"force code {row['force_code'] or 'blank'} in the file{whose} read as "
                f"{own['force_code']}, the code of {own['force_name']}'s row at line "
                f"{own['line']}")
            row["force_code"] = own["force_code"]
        row["force_name"] = own["force_name"]


def _check_groups(path: Path, row: dict) -> None:
    counts = row["counts"]
    for group, parts in _GROUPS.items():
        values = [counts[p] for p in parts]
        if counts[group] is None or any(v is None for v in values):
            continue
        if sum(values) != counts[group]:
            raise InputDataError(
                path, f"{CSP_OFFENCES[group]} is {counts[group]:,} but its offences add up to "
                f"{sum(values):,}", row=row["line"], column=CSP_OFFENCES[group],
                expected=" + ".join(CSP_OFFENCES[p] for p in parts))


def _check_forces(path: Path, rows: list[dict]) -> None:
    """Each force row equals the sum of its CSP, unassigned and other rows, offence by offence.

    A part without figures (``[x]`` or blank) leaves the sum incomplete: the force must then be
    at least the known parts, and ``qa_note`` on the force row says the check was partial.
    """
    forces = [r for r in rows if r["level"] == "force"]
    for force in forces:
        parts = [r for r in rows if r["level"] in ("csp", "unassigned", "other_area")
                 and r["force_code"] == force["force_code"]]
        lines = ", ".join(str(r["line"]) for r in parts)
        partial = False
        for offence, label in CSP_OFFENCES.items():
            total = force["counts"][offence]
            known = [r["counts"][offence] for r in parts if r["counts"][offence] is not None]
            incomplete = len(known) < len(parts)
            if total is None:
                continue
            if sum(known) > total or (not incomplete and sum(known) != total):
                raise InputDataError(
                    path, f"{force['force_name']} is {total:,} but its {len(parts)} CSP, "
                    f"unassigned and other rows (lines {lines}) add up to {sum(known):,}",
                    row=force["line"], column=label,
                    expected="a force row equal to the sum of its CSP and unassigned rows")
            partial |= incomplete
        if partial:
            gaps = [str(r["line"]) for r in parts if None in r["counts"].values()]
            force["qa_note"].append(
                "force total checked against its CSP and unassigned rows where they have "
                f"figures (line(s) {', '.join(gaps)} lack some)")


def _check_totals(path: Path, rows: list[dict]) -> None:
    """An England and Wales row equals the sum of the forces (and CSPs of forces without a row)."""
    totals = [r for r in rows if r["level"] == "england_and_wales"]
    if not totals:
        return
    total = totals[0]
    with_row = {r["force_code"] for r in rows if r["level"] == "force"}
    members = [r for r in rows if r["level"] == "force" or (
        r["level"] in ("csp", "unassigned", "other_area") and r["force_code"] not in with_row)]
    for offence, label in CSP_OFFENCES.items():
        values = [r["counts"][offence] for r in members]
        if total["counts"][offence] is None or None in values:
            continue
        if sum(values) != total["counts"][offence]:
            raise InputDataError(
                path, f"England and Wales is {total['counts'][offence]:,} but the forces add "
                f"up to {sum(values):,}", row=total["line"], column=label,
                expected="the England and Wales row equal to the sum of the force rows")


def _csp_file(path: str | Path) -> Path:
    given = Path(path)
    if given.is_file():
        return given
    files, _ = find_data_files(given, "the ONS Table C2 CSV (police recorded crime by CSP)",
                               suffixes=(".csv",))
    found = []
    for file in files:
        head = read_bytes(file)[:2000].decode("utf-8", errors="replace").casefold()
        if "community safety partnership" in head and "police" in head:
            found.append(file)
    if not found:
        raise MissingSourceError(given, "holds no ONS police recorded crime by Community Safety "
                                 "Partnership table", source="ons_csp", expected=_EXPECTED_TITLE)
    if len(found) > 1:
        raise InputDataError(given, "holds several ONS CSP tables ("
                             + ", ".join(p.name for p in found) + ")",
                             expected="one, or the file named directly")
    return found[0]


def load_csp_crime(path: str | Path) -> pd.DataFrame:
    """Police recorded crime by Community Safety Partnership (ONS Table C2) as a tidy table.

    Parameters
    ----------
    path : path
        The CSV export of Table C2, or a folder holding one (e.g. ``data/ons``).

    Returns
    -------
    pandas.DataFrame
        One row per area row of the file x headline offence, in file order: ``force_code,
        force_name, csp_code, csp_name, la_code, la_name`` (text, ``<NA>`` where blank; names
        without note markers or trailing spaces; a CSP made of several local authorities has
        ``la_code`` ``<NA>`` and ``la_name`` "Combined Local Authorities", as the file says),
        ``level`` (see :data:`CSP_LEVELS`), ``offence`` (an id of :data:`CSP_OFFENCES`),
        ``offence_name`` (the ONS label), ``count`` (Int64; ``<NA>`` for ``[x]`` and blank
        cells, never 0), ``count_marker`` (``"[x]"``, ``"blank"`` or ``""``), ``period``
        ("year ending June 2025"), ``period_end`` (a monthly ``Period``), ``line`` (the file
        line of the row), ``notes`` (the ONS note markers on the row's names, e.g.
        ``"[note 4]"``) and ``qa_note`` (what was read differently from the cell, and why).

    Raises
    ------
    InputDataError
        Naming the file, the line (1-based, header lines included) and the column: a title
        without the table's name or period; no header row; a header or offence column not
        known; a count that is not a whole number; a CSP row without a force; a CSP or force
        twice; offences not adding up to their group; a force (or England and Wales) row not
        equal to the sum of its rows.

    Examples
    --------
    >>> import tempfile
    >>> head = ('"Table C2: Number of police recorded crimes for headline offences by Community '
    ...         'Safety Partnership area, England and Wales, year ending June 2025"\\n'
    ...         + ",".join(['"Police Force\\nArea code"', "Police Force Area name",
    ...                     "Community Safety Partnership code",
    ...                     "Community Safety Partnership name", "Local Authority code",
    ...                     "Local Authority name", *CSP_OFFENCES.values()]) + "\\n")
    >>> def row(*area, total, theft):
    ...     counts = dict.fromkeys(CSP_OFFENCES, "0")
    ...     counts.update(total_recorded_crime=total, theft_offences=theft,
    ...                   shoplifting=theft)
    ...     return ",".join([*area, *counts.values()]) + "\\n"
    >>> text = (head + row("E23000036", "Avon and Somerset", "", "", "", "",
    ...                    total='"1,002 "', theft="1002")
    ...         + row("E23000036", "Avon and Somerset", "E22000002", '"Bristol, City of "',
    ...               "E06000023", "Bristol", total="1000", theft="1000")
    ...         + row("E23000036", "Avon and Somerset", "", "Unassigned Avon and Somerset", "",
    ...               "", total="2", theft="2"))
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "c2.csv").write_text(text)
    >>> crime = load_csp_crime(folder / "c2.csv")
    >>> crime[crime["offence"] == "total_recorded_crime"][["csp_name", "level", "count"]]
                           csp_name       level  count
    0                          <NA>       force   1002
    23             Bristol, City of         csp   1000
    46  Unassigned Avon and Somerset  unassigned      2
    >>> crime["period"].iloc[0], crime["period_end"].iloc[0]
    ('year ending June 2025', Period('2025-06', 'M'))
    """
    file = _csp_file(path)
    text, _ = decode_text(file, read_bytes(file), not_csv="a CSV export of ONS Table C2",
                          plain="a CSV export of ONS Table C2")
    records = _records(file, text)
    period, period_end, _ = _period(file, records)
    start, columns = _header(file, records)
    width = max(columns) + 1
    rows: list[dict] = []
    seen_csp: dict[str, int] = {}
    for record in records[start + 1:]:
        cells = [c.strip() for c in record.cells]
        if not any(cells):
            continue
        extra = [i for i, c in enumerate(cells) if c and i not in columns]
        if extra:
            raise InputDataError(file, f"holds '{cells[extra[0]]}' under no header",
                                 row=record.line, column=f"column {extra[0] + 1}",
                                 expected=f"values only under the {len(columns)} headed columns")
        cells += [""] * (width - len(cells))
        by_id = {column: cells[i] for i, column in columns.items()}
        notes: list[str] = []
        area: dict[str, str | None] = {}
        for column in _AREA_COLUMNS:
            if column.endswith("_code"):
                if column == "la_code" and by_id[column].casefold() == _COMBINED:
                    area[column] = None
                    continue
                area[column] = _code(file, record.line, column, by_id[column])
            else:
                notes += [m.strip() for m in _NOTE.findall(by_id[column])]
                area[column] = _clean(by_id[column]) or None
        if by_id["la_code"].casefold() == _COMBINED:
            area["la_name"] = area["la_name"] or "Combined Local Authorities"
        level = _level(file, record.line, area)
        qa_note = []
        blank = all(not by_id[o] for o in CSP_OFFENCES)
        counts: dict[str, int | None] = {}
        markers: dict[str, str] = {}
        for offence, label in CSP_OFFENCES.items():
            if blank:
                counts[offence], markers[offence] = None, "blank"
            else:
                counts[offence], markers[offence] = _count(file, record.line, label,
                                                           by_id[offence])
        if blank:
            qa_note.append("every count is blank in the file: read as missing, not 0")
        if level == "csp":
            code = area["csp_code"]
            if code in seen_csp:
                raise InputDataError(file, f"CSP {code} ({area['csp_name']}) appears again "
                                     f"(first at line {seen_csp[code]})", row=record.line,
                                     column=_AREA_COLUMNS["csp_code"],
                                     expected="one row per CSP")
            seen_csp[code] = record.line
        rows.append({**area, "level": level, "line": record.line, "counts": counts,
                     "markers": markers, "qa_note": qa_note, "notes": " ".join(notes)})
        _check_groups(file, rows[-1])
    if not rows:
        raise InputDataError(file, "has a header but no area rows", row=records[start].line,
                             expected="force and CSP rows after the header")
    _resolve_forces(file, rows)
    _check_forces(file, rows)
    _check_totals(file, rows)
    return _tidy(rows, period, period_end)


def _tidy(rows: list[dict], period: str, period_end: pd.Period) -> pd.DataFrame:
    n_off = len(CSP_OFFENCES)
    repeat = {column: np.repeat(np.array([r[column] for r in rows], dtype=object), n_off)
              for column in (*_AREA_COLUMNS, "level")}
    frame = pd.DataFrame({
        **{column: pd.array(values, dtype="string") for column, values in repeat.items()},
        "offence": np.tile(list(CSP_OFFENCES), len(rows)),
        "offence_name": np.tile(list(CSP_OFFENCES.values()), len(rows)),
        "count": pd.array([r["counts"][o] for r in rows for o in CSP_OFFENCES], dtype="Int64"),
        "count_marker": [r["markers"][o] for r in rows for o in CSP_OFFENCES],
        "period": period,
        "period_end": pd.Series([period_end] * (len(rows) * n_off), dtype="period[M]"),
        "line": np.repeat([r["line"] for r in rows], n_off),
        "notes": np.repeat([r["notes"] for r in rows], n_off),
        "qa_note": np.repeat(["; ".join(r["qa_note"]) for r in rows], n_off),
    })
    frame["level"] = frame["level"].astype(str)
    return frame
