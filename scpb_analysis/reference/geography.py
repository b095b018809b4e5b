"""London borough and BCU reference, and matching of borough names as sources spell them.

Only what the crime loaders need today; wards, crosswalks and boundaries build on this.
"""

from __future__ import annotations

import difflib
from functools import cache
from typing import Literal

import pandas as pd

from scpb_analysis.core.errors import UnknownAreaError
from scpb_analysis.reference.packaged import read_packaged_csv
from scpb_analysis.reference.taxonomy import normalise_label

__all__ = [
    "area_name",
    "compared_area_type",
    "POPULATION_SOURCE",
    "london_boroughs",
    "canonical_borough",
    "is_non_borough_area",
    "borough_population",
    "select_area",
]

# Rows the MPS publishes beside the 32 boroughs. They are policed areas or totals, not
# boroughs, so they are loaded (and accounted for) but never ranked among boroughs.
_NON_BOROUGH_AREAS = (
    "london heathrow and london city airports",
    "aviation security (so18)",
    "aviation security",
    "heathrow",
    "unknown",
    "london",
    "london total",
    "metropolitan police",
    "metropolitan police service",
    "mps",
    "total",
    "city of london",
    # The Monthly Crime Dashboard's rows beside the boroughs.
    "other / nk",
    "n/k",
    "n/k (legacy only)",
    "aviation security (so18) (legacy only)",
    "non met police force",
)


@cache
def _boroughs() -> pd.DataFrame:
    return read_packaged_csv("london_boroughs.csv", dtype=str, keep_default_na=False)


def london_boroughs() -> pd.DataFrame:
    """The 32 London boroughs the MPS polices: ``borough_code, borough, bcu_code, bcu``.

    The City of London has its own police force and is not among them.

    Examples
    --------
    >>> b = london_boroughs()
    >>> len(b), sorted(b.loc[b.bcu_code == "NW", "borough"])
    (32, ['Barnet', 'Brent', 'Harrow'])
    """
    return _boroughs().copy()


def _key(name: str) -> str:
    return normalise_label(name).replace("&", " and ").replace("  ", " ")


@cache
def _borough_keys() -> dict[str, str]:
    return {_key(name): name for name in _boroughs()["borough"]}


def is_non_borough_area(name: str) -> bool:
    """True for the MPS rows that are not boroughs (airports, ``Unknown``, London totals).

    >>> is_non_borough_area("Aviation Security (SO18)"), is_non_borough_area("Barnet")
    (True, False)
    """
    return _key(name) in _NON_BOROUGH_AREAS


def compared_area_type(table: pd.DataFrame) -> str:
    """The ``area_type`` of the areas a comparison reads: ``"borough"`` where the table holds
    borough rows (MPS tables), else ``"csp"`` (police.uk counts for local authorities).

    >>> compared_area_type(pd.DataFrame({"area_type": ["csp", "ward"]}))
    'csp'
    """
    return "borough" if table["area_type"].eq("borough").any() else "csp"


def area_name(name: str) -> str:
    """A London borough's canonical spelling; any other area's name as given (a local authority
    outside London, spelled as ONS spells it).

    >>> area_name("barnet"), area_name("Bristol, City of")
    ('Barnet', 'Bristol, City of')
    """
    try:
        return canonical_borough(name)
    except KeyError:
        return " ".join(str(name).split())


def canonical_borough(name: str) -> str:
    """The canonical spelling of a London borough name.

    Case, spacing and ``&``/``and`` are ignored; a GSS code (``E09000003``) is accepted too, as
    the MPS LSOA files give it. An unknown name raises ``KeyError`` listing the closest
    boroughs.

    Examples
    --------
    >>> canonical_borough("KINGSTON UPON THAMES")
    'Kingston upon Thames'
    >>> canonical_borough("Hammersmith & Fulham")
    'Hammersmith and Fulham'
    >>> canonical_borough("E09000003")
    'Barnet'
    """
    keys = _borough_keys()
    key = _key(name)
    if key in keys:
        return keys[key]
    by_code = dict(zip(_boroughs()["borough_code"].str.casefold(), _boroughs()["borough"],
                       strict=True))
    if key in by_code:
        return by_code[key]
    close = difflib.get_close_matches(name, list(keys.values()), n=3, cutoff=0.6)
    hint = f"; closest: {', '.join(close)}" if close else ""
    raise KeyError(f"'{name}' is not a London borough{hint}")


#: How the borough populations shipped with the package were made; printed beside every rate.
POPULATION_SOURCE = (
    "Census 2021 usual residents (ONS table TS007A), LSOA counts summed to boroughs through the "
    "ONS LSOA 2021 to LAD 2024 best-fit lookup"
)


@cache
def _populations() -> pd.DataFrame:
    return read_packaged_csv("borough_population_census2021.csv",
                             dtype={"borough_code": str, "borough": str, "population": "int64"})


def borough_population() -> pd.DataFrame:
    """Resident population of the 32 boroughs: ``borough_code, borough, population, source``.

    Census 2021 usual residents, summed from LSOA counts (ONS TS007A). Summing LSOAs gives a
    total a few people different from the borough-level table because ONS perturbs small
    cells (Barnet: 389,365 from LSOAs against 389,344 published).

    Examples
    --------
    >>> pop = borough_population().set_index("borough")
    >>> int(pop.loc["Barnet", "population"])
    389365
    """
    return _populations().assign(source=POPULATION_SOURCE)


def select_area(table: pd.DataFrame, area: str, *, area_type: str | None = None,
                column: str = "borough", missing: Literal["raise", "empty"] = "raise",
                what: str = "rows") -> pd.DataFrame:
    """The rows of a tidy table that belong to one area (a borough; later a partnership).

    Every report block selects "this borough" through here, so the selection is written once:
    rows whose ``column`` equals ``area`` exactly and, if ``area_type`` is given, whose
    ``area_type`` equals it too (so ``area_type="borough"`` leaves out the wards and the
    ``other`` rows, airports and the like, that carry the same borough name). Names are not
    respelled here: pass a name :func:`canonical_borough` has made canonical where the caller
    accepts other spellings.

    Parameters
    ----------
    table : pandas.DataFrame
        A tidy table with a ``column`` column (and an ``area_type`` column if ``area_type`` is
        given).
    area : str
        The area's name as the table spells it, e.g. ``"Barnet"``.
    area_type : str, optional
        Keep only rows of this ``area_type`` (``"borough"``, ``"ward"``); default any.
    column : str, default "borough"
        The column naming the area.
    missing : {"raise", "empty"}, default "raise"
        What to do when no row matches: raise :class:`~scpb_analysis.core.errors.UnknownAreaError`
        naming the areas the table holds, or return the empty selection for callers that
        report a missing area themselves.
    what : str, default "rows"
        What the rows are, for the error message (``"offences"`` gives "no offences for
        borough ...").

    Returns
    -------
    pandas.DataFrame
        The matching rows, index and columns as in ``table`` (like ``table[mask]``).

    Examples
    --------
    >>> t = pd.DataFrame({"area_type": ["borough", "ward", "borough", "other"],
    ...                   "borough": ["Barnet", "Barnet", "Brent", "Barnet"],
    ...                   "count": [10, 4, 7, 1]})
    >>> select_area(t, "Barnet", area_type="borough")["count"].tolist()
    [10]
    >>> select_area(t, "Barnet")["count"].tolist()
    [10, 4, 1]
    >>> select_area(t, "Barnett", area_type="borough")
    Traceback (most recent call last):
    ...
    scpb_analysis.core.errors.UnknownAreaError: no rows for borough 'Barnett' in the data; \
boroughs present: Barnet, Brent
    >>> len(select_area(t, "Barnett", missing="empty"))
    0
    """
    if missing not in ("raise", "empty"):
        raise ValueError(f"missing={missing!r}: expected 'raise' or 'empty'")
    mask = table[column] == area
    if area_type is not None:
        mask &= table["area_type"] == area_type
    if missing == "raise" and not mask.any():
        raise UnknownAreaError(_unknown_area_message(table, area, area_type, column, what))
    return table[mask]


def _unknown_area_message(table: pd.DataFrame, area: str, area_type: str | None, column: str,
                          what: str) -> str:
    held = table if area_type is None else table[table["area_type"] == area_type]
    known = sorted(held[column].dropna().astype(str).unique())
    kind = area_type or column
    return (f"no {what} for {kind} '{area}' in the data; {kind}s present: "
            + (", ".join(known) if known else "none"))
