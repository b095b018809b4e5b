"""MPS extracts beyond recorded-crime counts: persons proceeded against for homicide.

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

from pathlib import Path

import pandas as pd

from scpb_analysis.core.errors import InputDataError, MissingSourceError
from scpb_analysis.sources.files import column_key, find_data_files

__all__ = ["HOMICIDE_AGE_GROUPS", "HOMICIDE_SEXES", "HOMICIDE_SOURCE", "read_homicide_proceedings"]

#: What the homicide file is and who publishes it, for "not in this data" notes.
HOMICIDE_SOURCE = ("the MPS homicide file (persons proceeded against by borough, age group and "
                   "sex) from the London Datastore")

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
    matching = [f for f in files if set(_COLUMNS) <= set(_header(f))]
    if not matching:
        raise MissingSourceError(path, "holds no file in the MPS homicide layout",
                                 source="mps_homicide", expected=_EXPECTED)
    if len(matching) > 1:
        raise InputDataError(path, "holds more than one homicide file ("
                             + ", ".join(f.name for f in matching) + ")",
                             expected="one homicide file (remove the older copy)")
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


def _read_raw(path: Path) -> pd.DataFrame:
    if path.suffix.lower() == ".parquet":
        frame = pd.read_parquet(path)
    else:
        try:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        except UnicodeDecodeError:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="cp1252")
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
