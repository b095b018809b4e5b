"""Ward reference data and ward-name matching.

Barnet's wards went from 21 (2014 scheme) to 24 in May 2022. The reference lists ship with the
package (``reference/barnet_wards_2014.csv`` and ``barnet_wards_2022.csv``: GSS code,
canonical name, borough and the ONS spelling). Hand-typed tables spell wards many ways
("Totteridge & Woodside", "Totteridge and Woodside", "TOTTERIDGE AND WOODSIDE") and sometimes
name a ward that does not exist ("Totteridge & Whetstone", July 2023 CCTV table); matching
here ignores case, ``&``/``and``, punctuation and spacing, and an unknown name is an error that
lists the closest real wards.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources

import pandas as pd

from scpb_analysis.reference.geography import canonical_borough
from scpb_analysis.reference.packaged import read_packaged_csv
from scpb_analysis.reference.taxonomy import normalise_label

__all__ = ["WARD_SCHEMES", "UnknownWardError", "ward_reference", "canonical_ward_names",
           "ward_key"]

#: Ward schemes with reference lists in the package, by borough.
WARD_SCHEMES = {"Barnet": ("2014", "2022")}

_PUNCTUATION = re.compile(r"[^\w\s]")
# Words too common in ward names to suggest a match on their own.
_COMMON_WORDS = {"and", "the", "of", "north", "south", "east", "west", "central", "park",
                 "green", "hill", "town", "vale"}


class UnknownWardError(ValueError):
    """A ward name that matches no ward of the scheme; ``suggestions`` lists the closest."""

    def __init__(self, name: str, borough: str, scheme: str, suggestions: list[str]) -> None:
        self.name = name
        self.suggestions = suggestions
        hint = f"; did you mean {' or '.join(repr(s) for s in suggestions)}?" if suggestions \
            else ""
        super().__init__(f"'{name}' is not a {borough} ward in the {scheme} scheme{hint}")


def ward_key(name: str) -> str:
    """Matching key: case, ``&``/``and``, punctuation and spacing ignored.

    >>> ward_key("Totteridge & Woodside") == ward_key("TOTTERIDGE AND WOODSIDE")
    True
    >>> ward_key("Child's Hill") == ward_key("Childs Hill")
    True
    """
    text = normalise_label(name).replace("&", " and ")
    text = _PUNCTUATION.sub("", text.replace("-", " "))
    return " ".join(text.split())


@cache
def _reference(borough: str, scheme: str) -> pd.DataFrame:
    name = f"{borough.lower().replace(' ', '_')}_wards_{scheme}.csv"
    path = resources.files("scpb_analysis.reference").joinpath(name)
    if not path.is_file():
        known = ", ".join(f"{b} ({'/'.join(s)})" for b, s in WARD_SCHEMES.items())
        raise KeyError(f"no ward reference for {borough} in the {scheme} scheme; the package "
                       f"has: {known}. Pass reference= (e.g. from load_wards) for others")
    return read_packaged_csv(name, dtype=str, keep_default_na=False)


def ward_reference(borough: str, scheme: str = "2022") -> pd.DataFrame:
    """The wards of a borough in a scheme: ``ward_code, ward_name, borough, ons_ward_name``.

    Examples
    --------
    >>> len(ward_reference("Barnet", "2022")), len(ward_reference("Barnet", "2014"))
    (24, 21)
    """
    return _reference(canonical_borough(borough), str(scheme)).copy()


def _suggest(name: str, canonical: list[str]) -> list[str]:
    key = ward_key(name)
    keys = {ward_key(c): c for c in canonical}
    words = set(key.split()) - _COMMON_WORDS
    by_word = [c for k, c in keys.items() if words & (set(k.split()) - _COMMON_WORDS)]
    close = [keys[k] for k in difflib.get_close_matches(key, list(keys), n=3, cutoff=0.6)]
    return list(dict.fromkeys(close + by_word))[:5]


def canonical_ward_names(
    names: Iterable[str],
    borough: str,
    scheme: str = "2022",
    aliases: Mapping[str, str] | None = None,
    reference: pd.DataFrame | None = None,
) -> list[str]:
    """Canonical ward names for names as a source spells them.

    Parameters
    ----------
    names : iterable of str
        Ward names from a table, form or export.
    borough : str
        The borough the wards are in.
    scheme : str
        Ward scheme: ``"2022"`` (May 2022 wards) or ``"2014"``.
    aliases : mapping, optional
        The caller's own spellings, ``{"Totteridge": "Totteridge and Woodside"}``; each target
        must itself be a ward of the scheme.
    reference : DataFrame, optional
        ``ward_code, ward_name`` for a borough the package has no list for (e.g. from
        :func:`scpb_analysis.load_wards`).

    Returns
    -------
    list of str
        Canonical names, in input order.

    Raises
    ------
    UnknownWardError
        For the first name that matches no ward, with the closest wards suggested.

    Examples
    --------
    >>> canonical_ward_names(["BURNT OAK", "totteridge & woodside"], "Barnet")
    ['Burnt Oak', 'Totteridge and Woodside']
    >>> canonical_ward_names(["Totteridge & Whetstone"], "Barnet")
    Traceback (most recent call last):
    ...
    scpb_analysis.reference.wards.UnknownWardError: 'Totteridge & Whetstone' is not a Barnet ward \
in the 2022 scheme; did you mean 'Totteridge and Woodside' or 'Whetstone'?
    """
    table = ward_reference(borough, scheme) if reference is None else reference
    canonical = list(table["ward_name"])
    lookup = {ward_key(c): c for c in canonical}
    if "ons_ward_name" in table:
        lookup.update({ward_key(o): c for o, c in zip(table["ons_ward_name"], canonical,
                                                      strict=True)})
    for alias, target in (aliases or {}).items():
        if ward_key(target) not in lookup:
            raise UnknownWardError(target, canonical_borough(borough), scheme,
                                   _suggest(target, canonical))
        lookup[ward_key(alias)] = lookup[ward_key(target)]
    out = []
    for name in names:
        found = lookup.get(ward_key(name))
        if found is None:
            raise UnknownWardError(name, canonical_borough(borough), scheme,
                                   _suggest(name, canonical))
        out.append(found)
    return out
