"""Resident population by local authority: Census 2021 LSOAs summed through ONS lookups.

The denominators for rates of areas built from local authorities (Community Safety
Partnerships, police force areas). Census 2021 TS007A gives usual residents by 2021 LSOA
(:func:`~scpb_analysis.sources.population.lsoa_population`); the ONS lookups in the data folder
say which local authority each LSOA is in:

- the LSOA (2011) to LSOA (2021) to LAD (2022) exact-fit lookup
  (:func:`~scpb_analysis.sources.deprivation.exact_fit_lookup`): 2022 authorities, e.g. the
  six Cumbrian districts and the four of Somerset;
- LSOA (2021) to ward to LAD best-fit lookups (``LAD24CD``, ``LAD25CD``, ...): newer
  authorities, e.g. Cumberland (E06000063), North Yorkshire (E06000065), Somerset (E06000066).

A code in the exact-fit lookup takes its population from it; a code only in best-fit lookups
from the newest. Where lookups give one code different populations (a best-fit lookup placing
an LSOA in a neighbouring authority), ``note`` says so. England, Wales and England and Wales
come from every LSOA of the census, not through a lookup.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from scpb_analysis.core.errors import InputDataError, MissingSourceError
from scpb_analysis.sources.deprivation import exact_fit_lookup
from scpb_analysis.sources.files import column_key
from scpb_analysis.sources.population import (
    POPULATION_SOURCES,
    find_column,
    find_tables,
    lsoa_population,
    read_table,
)

__all__ = ["la_population", "lsoa_ward_lad_lookup"]

_LAD_CODE = re.compile(r"lad(\d\d)cd")
_LOOKUP_COLUMNS = ["lsoa_code", "lsoa_name", "ward_code", "ward_name", "la_code", "la_name",
                   "lookup"]
_COUNTRIES = (("K04000001", "England and Wales", ("E", "W")), ("E92000001", "England", ("E",)),
              ("W92000004", "Wales", ("W",)))


def _best_fit_lookups(data_dir: str | Path) -> list[tuple[Path, str]]:
    """LSOA (2021) to LAD lookups other than the exact-fit one: (file, LAD year), newest first."""

    def accept(header) -> bool:
        keys = {column_key(h) for h in header}
        return "lsoa21cd" in keys and "chgind" not in keys and any(
            _LAD_CODE.fullmatch(k) for k in keys)

    found = []
    for path in find_tables(data_dir, accept):
        keys = [column_key(c) for c in read_table(path).columns]
        years = sorted({m[1] for k in keys if (m := _LAD_CODE.fullmatch(k))})
        found.append((path, years[-1]))
    return sorted(found, key=lambda item: item[1], reverse=True)


def _lsoa_to_lad(path: Path, raw: pd.DataFrame, year: str, census: pd.DataFrame,
                 rows: pd.Series | None = None) -> pd.DataFrame:
    """``lsoa_code, la_code, la_name`` once per LSOA; checked to cover the census LSOAs."""
    lsoa_col = find_column(path, raw.columns, "LSOA21CD")
    code_col = find_column(path, raw.columns, f"LAD{year}CD")
    name_col = find_column(path, raw.columns, f"LAD{year}NM")
    if code_col is None or name_col is None:
        raise InputDataError(path, f"has no LAD{year}CD and LAD{year}NM columns", row=1,
                             expected="an ONS LSOA (2021) to local authority lookup")
    pairs = pd.DataFrame({"lsoa_code": raw[lsoa_col].str.strip(),
                          "la_code": raw[code_col].str.strip(),
                          "la_name": raw[name_col].str.strip(),
                          "row": rows if rows is not None else np.arange(len(raw)) + 2})
    pairs = pairs.drop_duplicates(["lsoa_code", "la_code"])
    twice = pairs["lsoa_code"].duplicated(keep="first")
    if twice.any():
        bad = pairs[twice].iloc[0]
        raise InputDataError(path, f"puts LSOA {bad['lsoa_code']} in two local authorities",
                             row=int(bad["row"]), column=code_col,
                             expected="one local authority per 2021 LSOA")
    held, listed = set(census["lsoa_code"]), set(pairs["lsoa_code"])
    if held != listed:
        lacks, extra = sorted(held - listed), sorted(listed - held)
        raise InputDataError(path, f"lists {len(extra)} LSOA(s) not in the census "
                             f"({', '.join(extra[:3])}) and lacks {len(lacks)} of its LSOAs "
                             f"({', '.join(lacks[:3])})",
                             expected="every 2021 LSOA of England and Wales, as the census has")
    return pairs.drop(columns="row")


def lsoa_ward_lad_lookup(data_dir: str | Path, year: int | str | None = None) -> pd.DataFrame:
    """The ONS LSOA (2021) to electoral ward to local authority best-fit lookup, one row an LSOA.

    The lookup found in ``data_dir`` by the same search :func:`la_population` uses (CSV, or a
    Parquet copy, columns ``LSOA21CD, LSOA21NM, WDyyCD, WDyyNM, LADyyCD, LADyyNM`` in any case
    or underscore spelling); of several, the one of ``year`` (e.g. 2024), else the newest.

    Parameters
    ----------
    data_dir : path
        A data folder holding the lookup (e.g. ``../shared/data``), or the lookup file.
    year : int or str, optional
        The ward and local authority year (``2024`` reads ``WD24CD`` and ``LAD24CD``).

    Returns
    -------
    pandas.DataFrame
        ``lsoa_code, lsoa_name, ward_code, ward_name, la_code, la_name, lookup`` (the file
        name), text stripped of surrounding spaces, sorted by ``lsoa_code``.

    Raises
    ------
    MissingSourceError
        If no such lookup (of ``year``, when given) is in ``data_dir``.
    InputDataError
        If the lookup lists an LSOA twice.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "lsoa21_wd24_lad24.csv"
    >>> _ = path.write_text(
    ...     "LSOA21CD,LSOA21NM,WD24CD,WD24NM,LAD24CD,LAD24NM\\n"
    ...     "E01014485,Bristol 001A,E05010885,Avonmouth and Lawrence Weston,E06000023,"
    ...     "\\"Bristol, City of\\"\\n")
    >>> lsoa_ward_lad_lookup(path)[["lsoa_code", "ward_code", "la_code", "la_name"]]
       lsoa_code  ward_code    la_code           la_name
    0  E01014485  E05010885  E06000023  Bristol, City of
    """
    wanted = None if year is None else str(year)[-2:]
    found = []
    for path, lad_year in _best_fit_lookups(data_dir):
        if wanted is not None and lad_year != wanted:
            continue
        raw = read_table(path)
        cols = {name: find_column(path, raw.columns, name) for name in (
            "LSOA21CD", "LSOA21NM", f"WD{lad_year}CD", f"WD{lad_year}NM", f"LAD{lad_year}CD",
            f"LAD{lad_year}NM")}
        if all(cols.values()):
            found.append((path, raw, list(cols.values())))
            break
    if not found:
        which = f"of {year} " if year is not None else ""
        raise MissingSourceError(data_dir, f"holds no ONS LSOA (2021) to ward to local "
                                 f"authority best-fit lookup {which}".strip(),
                                 source="lsoa_ward_lad_lookup",
                                 expected="e.g. LSOA_(2021)_to_Electoral_Ward_(2024)_to_LAD_"
                                 "(2024)_Best_Fit_Lookup_in_EW.csv")
    path, raw, cols = found[0]
    out = pd.DataFrame({new: raw[old].str.strip().to_numpy()
                        for new, old in zip(_LOOKUP_COLUMNS, cols, strict=False)})
    twice = out["lsoa_code"].duplicated()
    if twice.any():
        i = int(np.flatnonzero(twice.to_numpy())[0])
        raise InputDataError(path, f"lists LSOA {out['lsoa_code'].iloc[i]} twice", row=i + 2,
                             column=cols[0], expected="a best-fit lookup: one ward per LSOA")
    out["lookup"] = path.name
    return out.sort_values("lsoa_code").reset_index(drop=True)


def la_population(data_dir: str | Path) -> pd.DataFrame:
    """Census 2021 usual residents by local authority (2022 and newer codes), and by country.

    Parameters
    ----------
    data_dir : path
        A data folder holding the Census 2021 TS007A table by LSOA (England and Wales) and at
        least one ONS lookup from 2021 LSOAs to local authorities (e.g. ``../shared/data``).

    Returns
    -------
    pandas.DataFrame
        ``la_code, la_name, level`` (``"local_authority"`` or ``"country"``), ``population``,
        ``lsoas`` (how many LSOAs were summed), ``lookup`` (the lookup file that placed them,
        ``"all census LSOAs"`` for a country), ``note`` (other lookups that give the code a
        different population, or ``""``), ``vintage`` ("Census 2021") and ``source``; one row
        per code, local authorities sorted by code, then England and Wales, England, Wales.

    Raises
    ------
    InputDataError
        If the census table or no lookup is found, or a lookup puts an LSOA in two local
        authorities or does not list exactly the census LSOAs.

    Examples
    --------
    Two LSOAs of Bristol and one of Cardiff, with everyone in the top age band:

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> bands = ["Aged 4 years and under", *(f"Aged {a} to {a + 4} years"
    ...                                      for a in range(5, 85, 5)), "Aged 85 years and over"]
    >>> census = ["geography code,geography,Age: Total," + ",".join(f"Age: {b}" for b in bands)]
    >>> for code, name, people in [("E01014485", "Bristol 001A", 1500),
    ...                            ("E01014486", "Bristol 001B", 1700),
    ...                            ("W01001690", "Cardiff 001A", 1600)]:
    ...     census.append(f"{code},{name},{people}," + "0," * 17 + str(people))
    >>> _ = (folder / "census2021-ts007a-lsoa.csv").write_text("\\n".join(census) + "\\n")
    >>> _ = (folder / "lsoa21_lad24.csv").write_text(
    ...     "LSOA21CD,LSOA21NM,LAD24CD,LAD24NM\\n"
    ...     "E01014485,Bristol 001A,E06000023,\\"Bristol, City of\\"\\n"
    ...     "E01014486,Bristol 001B,E06000023,\\"Bristol, City of\\"\\n"
    ...     "W01001690,Cardiff 001A,W06000015,Cardiff\\n")
    >>> la_population(folder)[["la_code", "la_name", "level", "population", "lsoas"]]
         la_code            la_name            level  population  lsoas
    0  E06000023   Bristol, City of  local_authority        3200      2
    1  W06000015            Cardiff  local_authority        1600      1
    2  K04000001  England and Wales          country        4800      3
    3  E92000001            England          country        3200      2
    4  W92000004              Wales          country        1600      1
    """
    census = lsoa_population(data_dir, source="census2021")
    lookups: list[tuple[str, pd.DataFrame]] = []
    try:
        path, raw, _ = exact_fit_lookup(data_dir)
    except MissingSourceError:
        if not _best_fit_lookups(data_dir):
            raise
    else:
        lookups.append((f"{path.name} (LAD 2022, exact fit)",
                        _lsoa_to_lad(path, raw, "22", census, raw["row"])))
    for path, year in _best_fit_lookups(data_dir):
        lookups.append((f"{path.name} (LAD 20{year}, best fit)",
                        _lsoa_to_lad(path, read_table(path), year, census)))
    people = census.set_index("lsoa_code")["population"]
    sums = []
    for label, pairs in lookups:
        grouped = pairs.assign(population=pairs["lsoa_code"].map(people)).groupby("la_code")
        sums.append(pd.DataFrame({"la_name": grouped["la_name"].first(),
                                  "population": grouped["population"].sum(),
                                  "lsoas": grouped.size(), "lookup": label}))
    every = pd.concat(sums).reset_index(names="la_code")
    chosen = every.drop_duplicates("la_code", keep="first").set_index("la_code")
    notes = {}
    for code, group in every.groupby("la_code"):
        first = chosen.loc[code, "population"]
        other = group[group["population"] != first]
        if len(other):
            notes[code] = "; ".join(f"{row.lookup} gives {row.population:,}"
                                    for row in other.itertuples())
    chosen["note"] = pd.Series(notes, dtype=object).reindex(chosen.index).fillna("")
    chosen["level"] = "local_authority"
    countries = []
    for code, name, prefixes in _COUNTRIES:
        inside = census["lsoa_code"].str[0].isin(prefixes)
        countries.append({"la_code": code, "la_name": name, "level": "country",
                          "population": int(census.loc[inside, "population"].sum()),
                          "lsoas": int(inside.sum()), "lookup": "all census LSOAs", "note": ""})
    out = pd.concat([chosen.reset_index().sort_values("la_code"), pd.DataFrame(countries)],
                    ignore_index=True)
    out["population"] = out["population"].astype("int64")
    out["lsoas"] = out["lsoas"].astype("int64")
    out["vintage"] = POPULATION_SOURCES["census2021"].vintage
    out["source"] = census["source"].iloc[0]
    return out[["la_code", "la_name", "level", "population", "lsoas", "lookup", "note",
                "vintage", "source"]]
