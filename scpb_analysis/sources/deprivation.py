"""English Indices of Deprivation 2019 (IMD), carried to 2021 LSOAs.

IMD 2019 is published for 2011 LSOAs: the MHCLG "File 1" workbook ranks all 32,844 LSOAs in
England (1 = most deprived) with national deciles; the GLA's London workbook adds the IMD
score. Counts and Census 2021 populations are on 2021 LSOAs, so :func:`imd_lsoa21` carries the
index through the ONS LSOA (2011) to LSOA (2021) exact-fit lookup:

* unchanged (``CHGIND`` U) and split (S) 2021 LSOAs inherit the rank (and score) of their
  2011 LSOA; the parts of a split share a rank;
* merged (M) and irregular (X) 2021 LSOAs take the mean rank (and mean score) of the 2011
  LSOAs they come from. The mean keeps the rank on the same scale and sits between the
  parts; it can be fractional. ``imd_carried`` says which rule each LSOA got, and
  ``lsoa11_codes`` lists its 2011 LSOAs.

Quintiles and deciles come in two flavours:

* national, from the rank among England's 32,844 LSOAs: decile ``ceil(rank x 10 / 32,844)``,
  quintile ``ceil(rank x 5 / 32,844)`` (for unchanged LSOAs the decile equals the published
  one);
* within the borough: the borough's 2021 LSOAs are ordered by rank, most deprived first,
  and cut into fifths (tenths) by count of LSOAs: position ``p`` of ``n`` falls in quintile
  ``ceil(p x 5 / n)``. Tie rule: LSOAs with the same rank (the parts of a split 2011 LSOA,
  or one of the 26 pairs of LSOAs that IMD 2019 itself ranks equal) are kept together and
  all take the position of the first of them, so a quintile can hold a few more or fewer
  than ``n / 5`` LSOAs when a tie straddles a cut (none does in Barnet: 44 LSOAs in each
  quintile).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from scpb_analysis.core.errors import InputDataError, MissingSourceError
from scpb_analysis.reference.geography import area_name
from scpb_analysis.sources.population import file_stamp

__all__ = [
    "ENGLAND_LSOAS",
    "IMD_SOURCE",
    "load_imd",
    "imd_lsoa21",
    "national_quantile",
    "exact_fit_lookup",
    "lsoa_deprivation_table",
]

#: LSOAs (2011) ranked in IMD 2019: every LSOA in England.
ENGLAND_LSOAS = 32_844

#: What the deprivation figures are; printed beside every result that uses them.
IMD_SOURCE = (
    "English Indices of Deprivation 2019 (MHCLG), Index of Multiple Deprivation rank among "
    f"England's {ENGLAND_LSOAS:,} LSOAs (2011), carried to LSOAs (2021) through the ONS LSOA "
    "(2011) to LSOA (2021) exact-fit lookup"
)

_CARRIED = {"U": "unchanged", "S": "split", "M": "merged", "X": "irregular"}
_HEADER_CELLS = {"lsoa code (2011)", "lsoa11cd", "lsoa code"}
_HEADER_SEARCH_ROWS = 30
_EXPECTED_WORKBOOK = ("IoD2019 File 1 (sheet IMD2019) or the GLA 'ID 2019 for London' workbook "
                      "(sheet 'IMD 2019'): a header row with 'LSOA code (2011)' and 'Index of "
                      "Multiple Deprivation (IMD) Rank'")


# ---------------------------------------------------------------------------------------------
# Reading the workbooks


def _label(cell: object) -> str:
    return " ".join(str(cell).casefold().split()) if cell is not None else ""


def _imd_column(labels: list[str], what: str) -> int | None:
    """Column of the overall IMD rank, decile or score (not a domain or sub-domain)."""
    pattern = re.compile(rf"^(index of multiple deprivation \(imd\)|imd)( 2019)? {what}\b")
    for i, label in enumerate(labels):
        if pattern.match(label):
            return i
    return None


def _cell(value: object) -> object:
    # calamine reads an empty cell as "" and every number as a float; the checks and their
    # messages speak of blank cells (None) and whole numbers as the workbook shows them.
    if isinstance(value, str) and value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


@cache
def _workbook_tables(path_text: str, stamp: tuple[int, int]) -> tuple:
    """Per sheet with an IMD header: (sheet, header row, columns found, rows); else notes."""
    from python_calamine import CalamineWorkbook

    path = Path(path_text)
    try:
        # calamine (Rust) reads the two IMD workbooks in about a second; openpyxl took ten.
        book = CalamineWorkbook.from_path(path_text)
    except Exception as exc:  # noqa: BLE001 - any unreadable workbook is reported the same way
        raise InputDataError(path, f"cannot be opened as an Excel workbook ({exc})",
                             expected=_EXPECTED_WORKBOOK) from None
    found, searched = [], []
    try:
        for name in book.sheet_names:
            searched.append(name)
            # From cell A1, so that a row's position is its row number in Excel.
            sheet = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
            for number, raw in enumerate(sheet[:_HEADER_SEARCH_ROWS], start=1):
                row = [_cell(c) for c in raw]
                labels = [_label(c) for c in row]
                if any(label in _HEADER_CELLS for label in labels):
                    header = [str(c).strip() if c is not None else "" for c in row]
                    cols = {"code": next(i for i, lab in enumerate(labels)
                                         if lab in _HEADER_CELLS),
                            "rank": _imd_column(labels, "rank"),
                            "decile": _imd_column(labels, "decile"),
                            "score": _imd_column(labels, "score")}
                    if cols["rank"] is not None or cols["score"] is not None:
                        # Only the identifiers and the overall IMD columns are read: the
                        # London workbook has 28 columns of domains we do not use.
                        width = max([cols["code"] + 4] + [c + 1 for c in cols.values()
                                                          if c is not None])
                        rows = (tuple(_cell(c) for c in r[:width])
                                + (None,) * (width - len(r))
                                for r in sheet[number:])
                        body = [(n, r) for n, r in enumerate(rows, start=number + 1)
                                if any(c is not None and str(c).strip() for c in r)]
                        found.append((name, number, header, cols, body))
                    break
    except Exception as exc:  # noqa: BLE001 - a sheet calamine cannot read, reported as above
        raise InputDataError(path, f"cannot be read as an Excel workbook ({exc})",
                             expected=_EXPECTED_WORKBOOK) from None
    finally:
        book.close()
    return tuple(found), tuple(searched)


def _cell_number(path: Path, sheet: str, row: int, column: str, value: object,
                 low: float, high: float, whole: bool) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        number = math.nan
    if not (low <= number <= high) or (whole and number != math.floor(number)):
        kind = "a whole number" if whole else "a number"
        raise InputDataError(path, f"sheet '{sheet}': '{value}' is not a valid value", row=row,
                             column=column, expected=f"{kind} from {low:g} to {high:g}")
    return number


def _sheet_frame(path: Path, sheet: str, labels: list[str], cols: dict,
                 body: list) -> pd.DataFrame:
    """LSOA rows of one sheet, validated; errors quote file, sheet, row and header as written."""
    names = {"code": labels[cols["code"]]}
    records = []
    for number, row in body:
        code = str(row[cols["code"]] or "").strip()
        if not re.fullmatch(r"E01\d{6}", code):
            raise InputDataError(path, f"sheet '{sheet}': '{code}' is not an LSOA code",
                                 row=number, column=names["code"],
                                 expected="an English LSOA (2011) code such as E01000001")
        record = {"lsoa11_code": code, "row": number}
        if cols["code"] + 1 < len(row):
            record["lsoa11_name"] = str(row[cols["code"] + 1] or "").strip()
        if len(row) > cols["code"] + 3:
            record["lad_code"] = str(row[cols["code"] + 2] or "").strip()
            record["lad_name"] = str(row[cols["code"] + 3] or "").strip()
        if cols["rank"] is not None:
            record["imd_rank"] = _cell_number(path, sheet, number, labels[cols["rank"]],
                                              row[cols["rank"]], 1, ENGLAND_LSOAS, True)
        if cols["decile"] is not None:
            record["imd_decile"] = _cell_number(path, sheet, number, labels[cols["decile"]],
                                                row[cols["decile"]], 1, 10, True)
        if cols["score"] is not None:
            record["imd_score"] = _cell_number(path, sheet, number, labels[cols["score"]],
                                               row[cols["score"]], 0, 100, False)
        records.append(record)
    frame = pd.DataFrame(records)
    dup = frame["lsoa11_code"].duplicated() if len(frame) else pd.Series(dtype=bool)
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise InputDataError(path, f"sheet '{sheet}': LSOA {frame['lsoa11_code'].iloc[i]} "
                             "appears twice", row=int(frame["row"].iloc[i]),
                             column=names["code"], expected="one row per LSOA")
    return frame


def _imd_sheets(data_dir: str | Path) -> tuple[list, list[str]]:
    folder = Path(data_dir)
    if not folder.exists():
        raise MissingSourceError(folder, "does not exist",
                             expected="a data folder holding the IMD 2019 workbooks")
    paths = [folder] if folder.is_file() else sorted(folder.rglob("*.xlsx"))
    sheets, searched = [], []
    for path in paths:
        if path.name.startswith("~$"):  # Excel's lock file beside an open workbook
            continue
        found, names = _workbook_tables(str(path.resolve()), file_stamp(path))
        searched.append(f"{path.name} (sheets: {', '.join(names) or 'none'})")
        sheets.extend((path, *item) for item in found)
    return sheets, searched


def load_imd(data_dir: str | Path) -> pd.DataFrame:
    """IMD 2019 by LSOA (2011): rank and decile from File 1, score where a workbook has it.

    Workbooks (``.xlsx``) under ``data_dir`` are searched for a sheet whose header row (found
    by its ``LSOA code (2011)`` cell within the first 30 rows, so title rows above it are
    fine) has the overall IMD rank (``Index of Multiple Deprivation (IMD) Rank``, with or
    without "(where 1 is most deprived)"). The sheet with the most LSOAs gives the ranks and
    deciles (File 1: all England); the IMD score comes from a sheet that has it (the GLA
    London workbook), checked to carry the same ranks.

    Parameters
    ----------
    data_dir : path
        Folder searched recursively, or one workbook.

    Returns
    -------
    DataFrame
        ``lsoa11_code, lsoa11_name, lad_code, lad_name, imd_rank, imd_decile, imd_score,
        source``; ``imd_score`` is missing where no workbook gives it (outside London with the
        shared data). Sorted by ``lsoa11_code``.

    Raises
    ------
    InputDataError
        If no workbook has an IMD header (the message lists the files and sheets searched), a
        cell is not a valid code, rank, decile or score (naming file, sheet, row and column),
        or the score workbook's ranks disagree with File 1.

    Examples
    --------
    >>> imd = load_imd("../shared/data")  # doctest: +SKIP
    >>> len(imd), int(imd["imd_rank"].min()), int(imd["imd_rank"].max())  # doctest: +SKIP
    (32844, 1, 32844)
    """
    sheets, searched = _imd_sheets(data_dir)
    ranked = [s for s in sheets if s[4]["rank"] is not None and s[4]["decile"] is not None]
    if not ranked:
        raise MissingSourceError(Path(data_dir), "holds no IMD 2019 sheet; searched: "
                             + ("; ".join(searched) or "no .xlsx files"),
                             expected=_EXPECTED_WORKBOOK)
    main = max(ranked, key=lambda s: (len(s[5]), str(s[0])))
    path, sheet, _, labels, cols, body = main
    imd = _sheet_frame(path, sheet, labels, cols, body)
    source = f"IMD 2019 ranks and deciles: {path.name}, sheet '{sheet}'"
    if "imd_score" not in imd:
        scored = [s for s in sheets if s[4]["score"] is not None]
        if scored:
            spath, ssheet, _, slabels, scols, sbody = max(scored,
                                                         key=lambda s: (len(s[5]), str(s[0])))
            scores = _sheet_frame(spath, ssheet, slabels, scols, sbody)
            if "imd_rank" in scores:
                both = imd.merge(scores[["lsoa11_code", "imd_rank", "row"]], on="lsoa11_code",
                                 suffixes=("", "_other"))
                differ = both[both["imd_rank"] != both["imd_rank_other"]]
                if len(differ):
                    first = differ.iloc[0]
                    raise InputDataError(spath, f"sheet '{ssheet}': the IMD rank of "
                                         f"{first['lsoa11_code']} is "
                                         f"{first['imd_rank_other']:g} but {path.name} has "
                                         f"{first['imd_rank']:g}", row=int(first["row_other"]),
                                         column=slabels[scols["rank"]],
                                         expected="the same IMD edition in both workbooks")
            imd = imd.merge(scores[["lsoa11_code", "imd_score"]], on="lsoa11_code", how="left")
            source += f"; scores: {spath.name}, sheet '{ssheet}'"
    if "imd_score" not in imd:
        imd["imd_score"] = np.nan
    for column in ("lsoa11_name", "lad_code", "lad_name"):
        if column not in imd:
            imd[column] = ""
    imd[["imd_rank", "imd_decile"]] = imd[["imd_rank", "imd_decile"]].astype("int64")
    columns = ["lsoa11_code", "lsoa11_name", "lad_code", "lad_name", "imd_rank", "imd_decile",
               "imd_score"]
    return imd[columns].assign(source=source).sort_values("lsoa11_code").reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# Carrying to 2021 LSOAs and cutting into quantiles


def national_quantile(rank, groups: int):
    """National quantile (1 = most deprived) of IMD ranks among England's 32,844 LSOAs.

    ``ceil(rank x groups / 32,844)``: deciles for ``groups=10``, quintiles for 5.

    Examples
    --------
    >>> national_quantile(np.array([1, 3284, 3285, 16422, 16423, 32844]), 10).tolist()
    [1, 1, 2, 5, 6, 10]
    >>> national_quantile(np.array([6568, 6569, 6568.5]), 5).tolist()
    [1, 2, 1]
    """
    return np.ceil(np.asarray(rank, dtype=float) * groups / ENGLAND_LSOAS).astype("int64")


def _borough_quantile(rank: pd.Series, groups: int) -> pd.Series:
    """Quantile within one borough by count of LSOAs; tied ranks share the first position.

    The two LSOAs ranked 5 both take position 2, so both join quintile 1:

    >>> _borough_quantile(pd.Series([1, 5, 5, 7, 9, 11, 13, 15, 17, 19]), 5).tolist()
    [1, 1, 1, 2, 3, 3, 4, 4, 5, 5]
    """
    position = rank.rank(method="min")
    return np.ceil(position * groups / len(rank)).astype("int64")


_EXACT_FIT_COLUMNS = ("LSOA11CD", "LSOA21CD", "LSOA21NM", "CHGIND", "LAD22NM")
_EXACT_FIT_EXPECTED = ("the ONS exact-fit lookup CSV (or a Parquet copy of it, column names in "
                       "any case or underscore spelling) with columns "
                       + ", ".join(_EXACT_FIT_COLUMNS))


def exact_fit_lookup(data_dir: str | Path) -> tuple[Path, pd.DataFrame, str]:
    """The ONS LSOA (2011) to LSOA (2021) exact-fit lookup: file, rows, layout recognised.

    The rows carry the published column names (``LSOA11CD, LSOA21CD, LSOA21NM, CHGIND,
    LAD22NM``) whatever the file's spelling, and ``row``, the file's row of each (header = 1).
    """
    from scpb_analysis.sources.population import find_tables, has_columns

    found = find_tables(data_dir, has_columns("LSOA11CD", "LSOA21CD", "CHGIND"))
    if not found:
        raise MissingSourceError(Path(data_dir), "holds no LSOA (2011) to LSOA (2021) lookup",
                             expected=_EXACT_FIT_EXPECTED)
    path = found[0]  # the ONS CSV before a Parquet copy of it, where both are kept
    return path, *_cached_exact_fit(str(path), file_stamp(path))


@cache
def _cached_exact_fit(path_text: str, stamp: tuple[int, int]) -> tuple[pd.DataFrame, str]:
    from scpb_analysis.sources.population import find_column, layout_text, read_table_file

    path = Path(path_text)
    raw = read_table_file(path)
    cols = {name: find_column(path, raw.columns, name) for name in _EXACT_FIT_COLUMNS}
    missing = [name for name, found in cols.items() if found is None]
    if missing:
        raise InputDataError(path, f"has no {', '.join(missing)} column", row=1,
                             expected=_EXACT_FIT_EXPECTED)
    for column in ("LSOA11CD", "LSOA21CD", "CHGIND"):
        raw[cols[column]] = raw[cols[column]].str.strip()
    change = raw[cols["CHGIND"]]
    unknown = ~change.isin(list(_CARRIED))
    if unknown.any():
        i = int(np.flatnonzero(unknown.to_numpy())[0])
        raise InputDataError(path, f"change indicator '{change.iloc[i]}' is not known",
                             row=i + 2, column=cols["CHGIND"],
                             expected="U (unchanged), S (split), M (merged) or X (irregular)")
    respelled = any(found != name for name, found in cols.items())
    layout = layout_text(path, "ONS exact-fit lookup LSOA11CD to LSOA21CD", respelled)
    # Callers use the published names, whichever spelling the file had.
    raw = raw.rename(columns={found: name for name, found in cols.items()})
    raw["row"] = np.arange(len(raw)) + 2
    return raw, layout


def imd_lsoa21(data_dir: str | Path, borough: str | None = None) -> pd.DataFrame:
    """IMD 2019 on 2021 LSOAs, with national and within-borough quintiles and deciles.

    See the module notes for how ranks are carried from 2011 LSOAs (unchanged and split
    LSOAs inherit; merged and irregular take the mean of their 2011 LSOAs) and for the
    quantile and tie rules.

    Parameters
    ----------
    data_dir : path
        Folder with the IMD workbook(s) and the ONS LSOA (2011) to LSOA (2021) lookup (the
        ONS CSV, or a Parquet copy of it with the column names in any case or underscore
        spelling).
    borough : str, optional
        Keep one borough (by the lookup's LAD22NM); without it, every English 2021 LSOA, with
        borough quantiles computed within each local authority.

    Returns
    -------
    DataFrame
        ``lsoa_code, lsoa_name, borough, lsoa11_codes, imd_carried, imd_rank, imd_score,
        imd_decile, imd_quintile`` (national), ``borough_decile, borough_quintile,
        borough_lsoas``, ``source``; sorted by ``lsoa_code``. ``imd_rank`` is a float (a mean
        for merged LSOAs). ``source`` names the lookup file and the layout recognised in it,
        e.g. ``ONS exact-fit lookup LSOA11CD to LSOA21CD (CSV)``.

    Raises
    ------
    InputDataError
        If a 2011 LSOA of the lookup has no IMD rank, or a file is missing or malformed.

    Examples
    --------
    >>> imd = imd_lsoa21("../shared/data", "Barnet")  # doctest: +SKIP
    >>> len(imd), imd["borough_quintile"].value_counts().tolist()  # doctest: +SKIP
    (220, [44, 44, 44, 44, 44])
    """
    path, lookup, layout = exact_fit_lookup(data_dir)
    lookup = lookup[lookup["LSOA21CD"].str.startswith("E")]  # IMD 2019 is England only
    if borough is not None:
        # A London borough by any spelling; elsewhere the local authority as ONS names it.
        name = area_name(borough)
        lads = lookup["LAD22NM"].str.strip()
        lookup = lookup[lads.map({b: area_name(b) for b in lads.unique()}) == name]
        if lookup.empty:
            raise InputDataError(path, f"has no LSOAs of {name}", column="LAD22NM",
                                 expected=f"rows with LAD22NM '{name}'")
    imd = load_imd(data_dir)
    joined = lookup.merge(imd[["lsoa11_code", "imd_rank", "imd_score"]], how="left",
                          left_on="LSOA11CD", right_on="lsoa11_code")
    lost = joined["imd_rank"].isna()
    if lost.any():
        first = joined[lost].iloc[0]
        raise InputDataError(path, f"LSOA (2011) {first['LSOA11CD']} has no IMD 2019 rank in "
                             f"{imd['source'].iloc[0]}", row=int(first["row"]),
                             column="LSOA11CD", expected="every English LSOA (2011) in File 1")
    groups = joined.groupby("LSOA21CD", sort=True)
    out = pd.DataFrame({
        "lsoa_code": groups["LSOA21CD"].first(),
        "lsoa_name": groups["LSOA21NM"].first().str.strip(),
        "borough": groups["LAD22NM"].first().str.strip(),
        "lsoa11_codes": groups["LSOA11CD"].agg(lambda c: ";".join(sorted(set(c)))),
        "imd_carried": groups["CHGIND"].first().map(_CARRIED),
        "imd_rank": groups["imd_rank"].mean(),
        "imd_score": groups["imd_score"].mean(),
    }).reset_index(drop=True)
    out["borough"] = out["borough"].map({b: area_name(b) for b in out["borough"].unique()})
    out["imd_decile"] = national_quantile(out["imd_rank"], 10)
    out["imd_quintile"] = national_quantile(out["imd_rank"], 5)
    by_borough = out.groupby("borough")["imd_rank"]
    out["borough_decile"] = by_borough.transform(lambda r: _borough_quantile(r, 10))
    out["borough_quintile"] = by_borough.transform(lambda r: _borough_quantile(r, 5))
    out["borough_lsoas"] = by_borough.transform("size").astype("int64")
    out["source"] = (f"{IMD_SOURCE} ({path.name}, recognised as {layout}); "
                     f"{imd['source'].iloc[0]}")
    return out.sort_values("lsoa_code").reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# Rates and ward summaries




def lsoa_deprivation_table(data_dir: str | Path, borough: str, *,
                           lsoa_codes: Iterable[str] | None = None) -> pd.DataFrame:
    """IMD on 2021 LSOAs joined to Census 2021 population, checked to hold the same LSOAs.

    ``lsoa_codes`` names the area's Census LSOAs where their names do not (outside London the
    Census names them "Bristol 058A", not "Bristol, City of"; the ONS lookup says which they
    are); by default they are found by name.
    """
    from scpb_analysis.sources.population import check_same_lsoas, lsoa_population

    imd = imd_lsoa21(data_dir, borough)
    if lsoa_codes is None:
        pop = lsoa_population(data_dir, borough, "census2021")
    else:
        pop = lsoa_population(data_dir, source="census2021")
        pop = pop[pop["lsoa_code"].isin(set(lsoa_codes))]
    check_same_lsoas(imd, pop, "IMD lookup", "Census 2021 population")
    return imd.merge(pop[["lsoa_code", "population"]], on="lsoa_code", validate="one_to_one")



