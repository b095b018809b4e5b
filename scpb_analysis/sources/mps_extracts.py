"""MPS extracts beyond recorded-crime counts: homicide proceedings and VAWG offences.

Two readers, each strict about the layout it knows:

- :func:`read_homicide_proceedings`: persons proceeded against for homicide;
- :func:`read_vawg_offences`: violence against women and girls offences by borough, ward,
  month recorded and month committed (see that function for its file).

The MPS homicide file (London Datastore, re-shared as ``mps/homicide/homicide.parquet``) has
one row per person proceeded against (charged or summonsed, or the accused died before they
could be): columns ``count_of_ppa, borough, gender, age_group, self_classified_ethnicity,
offence_type, charged_summonsed, proceedings_date`` (``"Jan-03"``: month and two-digit year of
the proceedings). These are suspects and defendants, not victims. Column names are matched in
any case or ``_``/space spelling (:func:`~scpb_analysis.sources.files.column_key`), as the
publisher's CSV or a re-sharer's Parquet copy.

Every value is checked against the values seen in the published file; a new age group, sex,
offence type, outcome or area stops the load with the file, row and column, so a changed
coding never turns into a plausible wrong count.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd

from scpb_analysis.core.errors import InputDataError, MissingSourceError
from scpb_analysis.sources.files import column_key, find_data_files

__all__ = ["HOMICIDE_AGE_GROUPS", "HOMICIDE_SEXES", "HOMICIDE_SOURCE", "VAWG_SOURCE",
           "extract_layout", "read_homicide_proceedings", "read_vawg_offences"]

#: What the homicide file is and who publishes it, for "not in this data" notes.
HOMICIDE_SOURCE = ("the MPS homicide file (persons proceeded against by borough, age group and "
                   "sex) from the London Datastore")

#: What the VAWG file is and who publishes it, for "not in this data" notes.
VAWG_SOURCE = ("the MPS violence against women and girls (VAWG) offences file (offences by "
               "borough, ward, month recorded and month committed) from the London Datastore")

#: The published age groups and the ages each spans (None: and over).
HOMICIDE_AGE_GROUPS: dict[str, tuple[int, int | None]] = {
    "10 to 14": (10, 14), "15 to 19": (15, 19), "20 to 24": (20, 24), "25 to 29": (25, 29),
    "30 to 34": (30, 34), "35 to 39": (35, 39), "40 to 44": (40, 44), "45 to 49": (45, 49),
    "50 to 54": (50, 54), "55 to 59": (55, 59), "60 to 64": (60, 64), "65 and over": (65, None),
}

#: The published ``gender`` values and the sex they are reported as.
HOMICIDE_SEXES: dict[str, str] = {"Male": "male", "Female": "female",
                                  "Unrecorded": "not recorded"}

_OFFENCES = ("Murder", "Manslaughter", "Corporate Manslaughter", "Infanticide")
# "Recording Error" marks a proceeding the MPS itself says was recorded in error: it is set
# aside (and listed), never counted.
_OUTCOMES_KEPT = ("Charge or Summons", "Accused is Deceased")
_OUTCOMES_SET_ASIDE = ("Recording Error",)
# Rows the MPS places at the airport, not in a borough: London's total keeps them.
_NOT_BOROUGHS = ("Heathrow",)


# Each column of the published file, and what it holds (for the error messages).
_COLUMNS = {
    "count_of_ppa": "persons proceeded against (a whole number)",
    "borough": "the borough (or Heathrow)",
    "gender": f"one of {', '.join(HOMICIDE_SEXES)}",
    "age_group": f"one of {', '.join(HOMICIDE_AGE_GROUPS)}",
    "offence_type": f"one of {', '.join(_OFFENCES)}",
    "charged_summonsed": f"one of {', '.join(_OUTCOMES_KEPT + _OUTCOMES_SET_ASIDE)}",
    "proceedings_date": "a month such as 'Jan-03'",
}
# Read only to recognise the file's shape, then dropped: see read_homicide_proceedings.
_ETHNICITY = "self_classified_ethnicity"
_EXPECTED = ("the MPS homicide persons-proceeded-against layout: "
             + ", ".join(_COLUMNS) + f" (and {_ETHNICITY}, which is not read)")


def _find_file(path: Path) -> Path:
    """The one file under ``path`` in the homicide layout."""
    files, _ = find_data_files(path, _EXPECTED)
    return _only_file(path, [f for f in files if set(_COLUMNS) <= set(_header(f))],
                      "homicide", "MPS homicide", "mps_homicide", _EXPECTED)


def _only_file(path: Path, matching: list[Path], what: str, layout: str, source: str,
               expected: str) -> Path:
    """The one matching file of a folder: none is a missing source, two a copy to remove."""
    if not matching:
        raise MissingSourceError(path, f"holds no file in the {layout} layout", source=source,
                                 expected=expected)
    if len(matching) > 1:
        raise InputDataError(path, f"holds more than one {what} file ("
                             + ", ".join(f.name for f in matching) + ")",
                             expected=f"one {what} file (remove the older copy)")
    return matching[0]


def _header(path: Path) -> list[str]:
    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        try:
            names = pq.read_schema(path).names
        except Exception as exc:  # noqa: BLE001 - any unreadable Parquet is the same error
            raise InputDataError(path, f"cannot be read as Parquet ({exc})",
                                 expected="a readable Parquet file") from None
    else:
        with path.open(encoding="utf-8-sig", errors="replace") as handle:
            names = handle.readline().rstrip("\r\n").split(",")
    return [column_key(n) for n in names]


def _read_raw(path: Path, *, keyed: bool = True) -> pd.DataFrame:
    """The file's rows as read; column names reduced by ``column_key`` unless not ``keyed``."""
    if path.suffix.lower() == ".parquet":
        frame = pd.read_parquet(path)
    else:
        try:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        except UnicodeDecodeError:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="cp1252")
    if keyed:
        frame.columns = [column_key(c) for c in frame.columns]
    return frame


def _check_columns(path: Path, frame: pd.DataFrame) -> None:
    names = list(_COLUMNS)
    missing = [n for n in names if n not in frame.columns]
    if missing:
        raise InputDataError(path, f"lacks column(s) {', '.join(missing)}", row=1,
                             expected=_EXPECTED)
    extra = [c for c in frame.columns if c not in (*names, _ETHNICITY)]
    if extra:
        raise InputDataError(path, f"has column(s) not seen in the published file: "
                             f"{', '.join(map(str, extra))}", row=1, expected=_EXPECTED)
    if frame.columns.duplicated().any():
        dup = frame.columns[frame.columns.duplicated()][0]
        raise InputDataError(path, f"has column '{dup}' twice (in two spellings)", row=1,
                             expected=_EXPECTED)


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    # Published values carry trailing spaces in places ('Black '): compared stripped.
    return frame[column].astype("string").str.strip()


def _refuse_unknown(path: Path, values: pd.Series, known: tuple[str, ...] | list[str],
                    column: str) -> None:
    bad = ~values.isin(known) | values.isna()
    if bad.any():
        i = int(bad.to_numpy().nonzero()[0][0])
        raise InputDataError(path, f"{values.iloc[i]!r} is not a value the loader knows",
                             row=i + 2, column=column,
                             expected=f"one of {', '.join(known)}")


def _counts(path: Path, frame: pd.DataFrame) -> pd.Series:
    raw = frame["count_of_ppa"]
    numbers = pd.to_numeric(raw, errors="coerce")
    bad = numbers.isna() | (numbers < 0) | (numbers % 1 != 0)
    if bad.any():
        i = int(bad.to_numpy().nonzero()[0][0])
        raise InputDataError(path, f"{raw.iloc[i]!r} is not a count", row=i + 2,
                             column="count_of_ppa", expected="a whole number of 0 or more")
    return numbers.astype("int64")


def _months(path: Path, frame: pd.DataFrame) -> pd.PeriodIndex:
    text = _text(frame, "proceedings_date")
    parsed = pd.to_datetime(text, format="%b-%y", errors="coerce")
    if parsed.isna().any():
        i = int(parsed.isna().to_numpy().nonzero()[0][0])
        raise InputDataError(path, f"{text.iloc[i]!r} is not a month", row=i + 2,
                             column="proceedings_date",
                             expected="a month and two-digit year such as 'Jan-03'")
    return pd.PeriodIndex(parsed, freq="M")


def _areas(path: Path, frame: pd.DataFrame) -> tuple[list[str], list[str]]:
    from scpb_analysis.reference.geography import canonical_borough

    names, kinds = [], []
    lookup: dict[str, tuple[str, str]] = {}
    for i, raw in enumerate(_text(frame, "borough")):
        if raw not in lookup:
            if raw in _NOT_BOROUGHS:
                lookup[raw] = (raw, "other")
            else:
                try:
                    lookup[raw] = (canonical_borough(str(raw)), "borough")
                except (KeyError, TypeError):
                    raise InputDataError(path, f"{raw!r} is not a London borough", row=i + 2,
                                         column="borough",
                                         expected="a London borough or "
                                         + ", ".join(_NOT_BOROUGHS)) from None
        names.append(lookup[raw][0])
        kinds.append(lookup[raw][1])
    return names, kinds


def read_homicide_proceedings(path: str | Path) -> pd.DataFrame:
    """Persons proceeded against for homicide in London, by month, area, sex and age group.

    Self-classified ethnicity is dropped as the file is read and never returned: at borough
    level a handful of defendants a year, crossed with age and sex, could identify a person,
    and the needs assessment does not need it.

    Parameters
    ----------
    path : path
        The homicide file (CSV or Parquet), or a folder holding it (searched recursively).

    Returns
    -------
    DataFrame
        One row per file row kept: ``month`` (Period[M], from ``proceedings_date``),
        ``area_type`` (``borough``, or ``other`` for Heathrow), ``borough`` (canonical
        spelling; ``"Heathrow"``), ``sex`` (``male``, ``female``, ``not recorded``),
        ``age_group`` (as published, ``"15 to 19"``), ``age_from``, ``age_to`` (``<NA>`` for
        ``65 and over``), ``offence_type``, ``outcome`` (``charged_summonsed``), ``count``,
        ``source_file``, ``row`` (the file row, header = row 1). ``attrs["set_aside"]`` lists
        the rows not counted (``row, month, borough, outcome, count, reason``), and
        ``attrs["months"]`` the first and last month the file holds.

    Raises
    ------
    MissingSourceError
        If ``path`` does not exist or holds no file in the layout.
    InputDataError
        If a column is missing or unknown, or a value (age group, gender, offence type,
        outcome, borough, month, count) is not one the loader knows; the message names the
        file, the row and the column.

    Examples
    --------
    >>> ppa = read_homicide_proceedings("../shared/data/mps/homicide")  # doctest: +SKIP
    >>> int(ppa["count"].sum()), len(ppa.attrs["set_aside"])  # doctest: +SKIP
    (4511, 1)
    >>> sorted(HOMICIDE_SEXES.values())
    ['female', 'male', 'not recorded']
    """
    given = Path(path)
    file = _find_file(given) if given.is_dir() else given
    if not file.is_file():
        raise MissingSourceError(file, "does not exist", source="mps_homicide",
                                 expected=_EXPECTED)
    raw = _read_raw(file)
    _check_columns(file, raw)
    raw = raw.drop(columns=[_ETHNICITY], errors="ignore").reset_index(drop=True)
    if raw.empty:
        raise InputDataError(file, "has no data rows", row=2, expected=_EXPECTED)

    age = _text(raw, "age_group")
    _refuse_unknown(file, age, list(HOMICIDE_AGE_GROUPS), "age_group")
    gender = _text(raw, "gender")
    _refuse_unknown(file, gender, list(HOMICIDE_SEXES), "gender")
    offence = _text(raw, "offence_type")
    _refuse_unknown(file, offence, _OFFENCES, "offence_type")
    outcome = _text(raw, "charged_summonsed")
    _refuse_unknown(file, outcome, _OUTCOMES_KEPT + _OUTCOMES_SET_ASIDE, "charged_summonsed")
    count = _counts(file, raw)
    months = _months(file, raw)
    names, kinds = _areas(file, raw)

    bounds = [HOMICIDE_AGE_GROUPS[a] for a in age]
    table = pd.DataFrame({
        "month": months,
        "area_type": kinds,
        "borough": names,
        "sex": gender.map(HOMICIDE_SEXES).astype(str).to_numpy(),
        "age_group": age.astype(str).to_numpy(),
        "age_from": [lo for lo, _ in bounds],
        "age_to": pd.array([hi for _, hi in bounds], dtype="Int64"),
        "offence_type": offence.astype(str).to_numpy(),
        "outcome": outcome.astype(str).to_numpy(),
        "count": count.to_numpy(),
        "source_file": file.name,
        "row": range(2, len(raw) + 2),
    })
    dropped = table["outcome"].isin(_OUTCOMES_SET_ASIDE)
    set_aside = table.loc[dropped, ["row", "month", "borough", "outcome", "count"]].assign(
        reason="the MPS marks the proceeding a recording error").reset_index(drop=True)
    kept = table[~dropped].reset_index(drop=True)
    kept.attrs["set_aside"] = set_aside
    kept.attrs["months"] = (months.min(), months.max())
    return kept


# -- VAWG offences ---------------------------------------------------------------------------

_VAWG_LOCATION = "Offence count location"
_VAWG_CLASSIFICATION = "Offence count classification"
# Each field read, with the spellings (column_key form) it is found under: the publisher's
# workbook headers ("Recorded Date (Months)") as a re-sharer snake-cases them, and the shorter
# names of other copies. Two spellings of one field in a file are refused.
_VAWG_FIELDS: dict[str, tuple[str, ...]] = {
    "bcu": ("bcu_location", "bcu"),
    "borough": ("borough_name", "borough"),
    "ward": ("ward_name_clean_2", "ward_name_clean", "ward_name", "ward"),
    "recorded": ("recorded_date_months", "recorded_date", "recorded_month", "month_recorded"),
    "committed": ("date_committed_from_date_months", "date_committed_from_date",
                  "committed_month", "month_committed"),
    "count": ("count", "offence_count", "offences"),
    # The re-sharer's name of the workbook sheet a row came from.
    "sheet": ("sheet",),
    "crimsec_group": ("crimsec_group",),
    "crimseccodeexpansion": ("crimseccodeexpansion", "crimsec_code_expansion"),
    "crimsec_offences": ("crimsec_offences",),
    "vawg_offence": ("vawg_offence",),
}
_VAWG_REQUIRED = ("borough", "ward", "recorded", "committed", "count")
_VAWG_CLASSIFICATION_FIELDS = ("crimsec_group", "crimseccodeexpansion", "crimsec_offences",
                               "vawg_offence")
# Areas the MPS places offences in that are not one of the 32 boroughs (British Transport
# Police and other forces' areas, airports, no location): London's total has them, no
# borough's does.
_VAWG_NOT_BOROUGHS = ("Other", "Unknown")
_VAWG_OUTSIDE = "outside the boroughs"
# The MPS writes an unrecorded committed date as a placeholder (1 January 1900); no offence in
# the file is genuinely dated before 1910 except these.
_VAWG_PLACEHOLDER_BEFORE = pd.Period("1910-01", "M")
# A last month whose London total is under this fraction of the median month was extracted
# before the month was complete (as the MPS LSOA and ward files show).
_VAWG_INCOMPLETE = 0.5
_MONTH_FORMATS = ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m", "%Y%m",
                  "%d/%m/%Y", "%b-%y", "%b %Y", "%B %Y")
_VAWG_EXPECTED = ("the MPS VAWG offences layout: borough_name, ward_name_clean_2, "
                  "recorded_date_months, date_committed_from_date_months, count (and "
                  "bcu_location; a re-shared copy adds sheet and the classification columns "
                  + ", ".join(_VAWG_CLASSIFICATION_FIELDS) + ")")


def _vawg_columns(path: Path, names: list[str]) -> dict[str, str]:
    """Field -> the file's column for it; unknown, missing or doubled columns are refused."""
    spelling = {s: field for field, spellings in _VAWG_FIELDS.items() for s in spellings}
    found: dict[str, str] = {}
    for name in names:
        field = spelling.get(column_key(name))
        if field is None:
            raise InputDataError(path, f"has column '{name}', not seen in the published file",
                                 row=1, column=name, expected=_VAWG_EXPECTED)
        if field in found:
            raise InputDataError(path, f"has the {field} column twice ('{found[field]}' and "
                                 f"'{name}')", row=1, column=name, expected=_VAWG_EXPECTED)
        found[field] = name
    missing = [_VAWG_FIELDS[f][0] for f in _VAWG_REQUIRED if f not in found]
    if missing:
        raise InputDataError(path, f"lacks column(s) {', '.join(missing)}", row=1,
                             expected=_VAWG_EXPECTED)
    return found


def _find_vawg_file(path: Path) -> Path:
    """The one file under ``path`` in the VAWG layout."""
    try:
        files, _ = find_data_files(path, _VAWG_EXPECTED)
    except MissingSourceError as err:
        raise MissingSourceError(path, err.problem, source="mps_vawg",
                                 expected=_VAWG_EXPECTED) from None
    spellings = [set(_VAWG_FIELDS[f]) for f in _VAWG_REQUIRED]
    matching = [f for f in files
                if all(set(_header(f)) & names for names in spellings)]
    return _only_file(path, matching, "VAWG offences", "MPS VAWG offences", "mps_vawg",
                      _VAWG_EXPECTED)


def _blank_to_na(values: pd.Series) -> pd.Series:
    text = values.astype("string").str.strip()
    return text.mask(text == "")


def _first_bad(path: Path, bad: pd.Series, values: pd.Series, problem: str, column: str,
               expected: str) -> None:
    """Refuse the first row flagged ``bad``, naming its file row (the header is row 1)."""
    if bad.any():
        label = bad[bad].index[0]
        raise InputDataError(path, problem.format(value=values.loc[label]), row=int(label) + 2,
                             column=column, expected=expected)


def _parse_months(values: pd.Series) -> pd.Series:
    """Each value as a month (Period[M]); NaT where blank or not a month in a known format."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.dt.to_period("M")
    text = _blank_to_na(values)
    parsed = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    for fmt in _MONTH_FORMATS:
        todo = parsed.isna() & text.notna()
        if not todo.any():
            break
        parsed[todo] = pd.to_datetime(text[todo], format=fmt, errors="coerce")
    return parsed.dt.to_period("M")


def _vawg_months(path: Path, frame: pd.DataFrame, column: str, *, blank_ok: bool) -> pd.Series:
    months = _parse_months(frame[column])
    given = (frame[column].notna() if pd.api.types.is_datetime64_any_dtype(frame[column])
             else _blank_to_na(frame[column]).notna())
    bad = months.isna() & (given | (not blank_ok))
    _first_bad(path, bad, frame[column], "{value!r} is not a month", column,
               "a month (a date such as 2014-01-01, or 2014-01)"
               + (", or blank where not recorded" if blank_ok else ""))
    return months


def _vawg_boroughs(path: Path, raw: pd.Series, column: str) -> tuple[pd.Series, pd.Series]:
    from scpb_analysis.reference.geography import canonical_borough

    text = _blank_to_na(raw)
    lookup: dict[str, str] = {}
    for value in text.dropna().unique():
        if value in _VAWG_NOT_BOROUGHS:
            lookup[value] = value
            continue
        try:
            lookup[value] = canonical_borough(str(value))
        except (KeyError, TypeError):
            lookup[value] = ""
    names = text.map(lookup)
    _first_bad(path, names.isna() | (names == ""), raw, "{value!r} is not a London borough",
               column, "one of the 32 London boroughs, or " + " or ".join(_VAWG_NOT_BOROUGHS))
    kinds = names.map(lambda n: _VAWG_OUTSIDE if n in _VAWG_NOT_BOROUGHS else "borough")
    return names.astype(str), kinds.astype(str)


def _vawg_counts(path: Path, raw: pd.Series, column: str) -> pd.Series:
    numbers = pd.to_numeric(raw, errors="coerce")
    bad = numbers.isna() | (numbers < 0) | (numbers % 1 != 0)
    _first_bad(path, bad, raw, "{value!r} is not a count", column,
               "a whole number of 0 or more")
    return numbers.astype("int64")


def _vawg_sheets(path: Path, raw: pd.DataFrame, columns: dict[str, str]) -> pd.Series:
    """Whether each row is of the location sheet (a file without ``sheet`` is that sheet)."""
    if "sheet" not in columns:
        return pd.Series(True, index=raw.index)
    column = columns["sheet"]
    sheet = _blank_to_na(raw[column])
    known = (_VAWG_LOCATION, _VAWG_CLASSIFICATION)
    _first_bad(path, ~sheet.isin(known) | sheet.isna(), raw[column],
               "{value!r} is not a sheet of the published workbook", column,
               f"'{_VAWG_LOCATION}' or '{_VAWG_CLASSIFICATION}'")
    return sheet == _VAWG_LOCATION


def _vawg_gaps(path: Path, months: pd.Series, column: str) -> pd.PeriodIndex:
    from scpb_analysis.core.periods import month_ranges

    span = pd.period_range(months.min(), months.max(), freq="M")
    lacking = span.difference(pd.PeriodIndex(months.unique()))
    if len(lacking):
        raise InputDataError(path, f"holds no offences recorded in {month_ranges(lacking)}, "
                             f"inside the months it covers ({span[0]} to {span[-1]})",
                             column=column, expected="rows for every month from the first to "
                             "the last (a month with none recorded is not left out)")
    return span


def _classification_note(raw: pd.DataFrame, location: pd.Series, columns: dict[str, str]
                         ) -> list[str]:
    other = raw.loc[~location]
    if other.empty:
        return []
    offences = int(pd.to_numeric(other[columns["count"]], errors="coerce").fillna(0).sum())
    return [f"The {len(other):,} rows of the '{_VAWG_CLASSIFICATION}' sheet ({offences:,} "
            "offences) are not read: they count offences across London by offence "
            "classification (crimsec_group, vawg_offence), with no borough or ward, so no "
            "area's figure can be taken from them."]


def extract_layout(path: str | Path) -> str | None:
    """Which of these extracts a file is, by its header: ``"homicide"``, ``"vawg"`` or None.

    The recorded-crime reader uses it to pass over these files when it is given the whole
    ``mps`` folder: they are read by the needs assessment, not counted as recorded crime.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "v.csv").write_text("Borough Name,Ward Name Clean 2,Recorded Date "
    ...     "(Months),Date Committed From Date (Months),Count")
    >>> extract_layout(folder / "v.csv"), extract_layout(folder / "missing.csv")
    ('vawg', None)
    """
    file = Path(path)
    try:
        header = set(_header(file))
    except (OSError, InputDataError):
        return None
    if set(_COLUMNS) <= header:
        return "homicide"
    if all(header & set(_VAWG_FIELDS[f]) for f in _VAWG_REQUIRED):
        return "vawg"
    return None


def read_vawg_offences(path: str | Path) -> pd.DataFrame:
    """Violence against women and girls offences in London, by borough, ward and month.

    The MPS VAWG offences workbook (London Datastore; re-shared as
    ``mps/vawg/vawg-offences.parquet``, one row per workbook row with the sheet in a ``sheet``
    column) has two sheets. ``Offence count location`` counts offences flagged VAWG by BCU,
    borough, ward (2022 ward names, used for every year), month recorded and month committed;
    it is the sheet read. ``Offence count classification`` counts them across London by offence
    classification, with no area: it is not read, and ``attrs["set_aside"]`` says so. Column
    names are matched in any case or ``_``/space spelling
    (:func:`~scpb_analysis.sources.files.column_key`), as the publisher's CSV of the location
    sheet (no ``sheet`` column) or the re-sharer's Parquet copy.

    A month committed the file leaves blank, or gives as a placeholder date before 1910 (the
    MPS writes 1 January 1900 for "not recorded"), is read as not recorded (NaT): such rows
    count in every total by month recorded, and in no measure of the time to recording.

    Parameters
    ----------
    path : path
        The VAWG file (CSV or Parquet), or a folder holding it (searched recursively).

    Returns
    -------
    DataFrame
        One row per area x ward x month recorded x month committed: ``area_type``
        (``borough``, or ``outside the boroughs`` for the MPS's ``Other`` and ``Unknown``),
        ``borough`` (canonical spelling; ``Other``, ``Unknown`` as published), ``ward`` (as
        published; NA where the file gives none), ``month`` (month recorded, Period[M]),
        ``month_committed`` (Period[M], NaT where not recorded), ``count`` (int64),
        ``source_file``. ``attrs["set_aside"]`` lists in sentences what was not read or set
        aside and why, ``attrs["months"]`` the first and last month recorded kept.

    Raises
    ------
    MissingSourceError
        If ``path`` does not exist or holds no file in the layout (``source="mps_vawg"``).
    InputDataError
        If a column is missing, unknown or given twice; a sheet, borough, month or count is
        not one the loader can read; a row repeats another's borough, ward, month recorded
        and month committed (a file or rows given twice); or a month inside the file's span
        has no rows at all. The message names the file, the row and the column.

    Warns
    -----
    UserWarning
        If the last month's London total is under half the median month: that month was
        extracted before it was complete, and is set aside (named in ``attrs["set_aside"]``).

    Examples
    --------
    >>> vawg = read_vawg_offences("../shared/data/mps/vawg")  # doctest: +SKIP
    >>> len(vawg), str(vawg["month"].min()), str(vawg["month"].max())  # doctest: +SKIP
    (314159, '2014-01', '2026-02')
    >>> "Unknown" in _VAWG_NOT_BOROUGHS
    True
    """
    given = Path(path)
    file = _find_vawg_file(given) if given.is_dir() else given
    if not file.is_file():
        raise MissingSourceError(file, "does not exist", source="mps_vawg",
                                 expected=_VAWG_EXPECTED)
    # Column names kept as the file spells them, so an error names the file's own column.
    raw = _read_raw(file, keyed=False).reset_index(drop=True)
    columns = _vawg_columns(file, [str(c) for c in raw.columns])
    if raw.empty:
        raise InputDataError(file, "has no data rows", row=2, expected=_VAWG_EXPECTED)

    location = _vawg_sheets(file, raw, columns)
    notes = _classification_note(raw, location, columns)
    rows = raw.loc[location]
    if rows.empty:
        raise InputDataError(file, f"has no rows of the '{_VAWG_LOCATION}' sheet",
                             expected=_VAWG_EXPECTED)
    for field in _VAWG_CLASSIFICATION_FIELDS:
        if field in columns:
            held = _blank_to_na(rows[columns[field]]).notna()
            _first_bad(file, held, rows[columns[field]], "{value!r}: a row of the location "
                       "sheet holds an offence classification", columns[field],
                       "blank (the location sheet counts all VAWG offences of an area)")

    names, kinds = _vawg_boroughs(file, rows[columns["borough"]], columns["borough"])
    ward = _blank_to_na(rows[columns["ward"]]).astype(object)
    count = _vawg_counts(file, rows[columns["count"]], columns["count"])
    month = _vawg_months(file, rows, columns["recorded"], blank_ok=False)
    committed = _vawg_months(file, rows, columns["committed"], blank_ok=True)

    key = pd.DataFrame({"borough": names, "ward": ward.fillna(""), "month": month.astype(str),
                        "committed": committed.astype(str)})
    twice = key.duplicated(keep="first")
    if twice.any():
        label = twice[twice].index[0]
        first = key.index[(key == key.loc[label]).all(axis=1)][0]
        raise InputDataError(file, f"repeats row {first + 2}: the same borough, ward, month "
                             "recorded and month committed (a file or rows given twice)",
                             row=int(label) + 2, expected="one row per borough, ward, month "
                             "recorded and month committed")
    span = _vawg_gaps(file, month, columns["recorded"])

    placeholder = committed.notna() & (committed < _VAWG_PLACEHOLDER_BEFORE)
    unknown = committed.isna() | placeholder
    if unknown.any():
        notes.append(
            f"{int(unknown.sum()):,} rows ({int(count[unknown].sum()):,} offences) give no "
            f"month committed ({int(placeholder.sum()):,} of them a placeholder date before "
            "1910, such as January 1900, the MPS's mark for not recorded): they are kept in "
            "every count by month recorded, with month_committed empty, and left out of any "
            "measure of the time from committing to recording.")
    table = pd.DataFrame({"area_type": kinds, "borough": names, "ward": ward,
                          "month": month, "month_committed": committed.mask(placeholder),
                          "count": count})

    totals = table.groupby("month")["count"].sum()
    last = span[-1]
    if len(span) > 2 and totals[last] < _VAWG_INCOMPLETE * totals.median():
        note = (f"{file.name}: month {last} set aside: its London total ({totals[last]:,} "
                f"offences) is under half the median month ({totals.median():,.0f}); read as a "
                "month extracted before it was complete.")
        warnings.warn(note, stacklevel=2)
        notes.append(note)
        table = table[table["month"] != last]

    keys = ["area_type", "borough", "ward", "month", "month_committed"]
    merged = (table.groupby(keys, dropna=False, sort=True)["count"].sum().reset_index())
    if len(merged) < len(table):
        notes.append(f"{len(table) - len(merged):,} rows with a placeholder month committed "
                     "and a blank one in the same ward and month recorded are added together, "
                     "both being not recorded.")
    merged["ward"] = merged["ward"].astype(object).where(merged["ward"].notna(), pd.NA)
    merged["count"] = merged["count"].astype("int64")
    merged["source_file"] = file.name
    merged.attrs["set_aside"] = notes
    merged.attrs["months"] = (merged["month"].min(), merged["month"].max())
    return merged
