"""The words a reader sees for the toolkit's column names and codes: one label registry.

Tables keep their code names (``n_12m``, ``pct_change_12m``) in CSV files, where an analyst
joins and re-reads them; a page shows each column under its label from ``labels.csv`` and
formats its values by the column's ``format``:

``count``
    whole number with thousands separators (``1,951``);
``change``
    signed percentage change (``+5.6%``);
``fraction``
    a share held as a fraction, shown as a percentage (``0.481`` -> ``48.1%``);
``rate``
    rate or value to the table's decimals, with thousands separators;
``rank``
    whole number (a rank held as a float because some rows have none);
``p``
    p-value to three decimals, ``<0.001`` below that;
``number``
    number to the table's decimals;
``flag``
    ``yes`` / ``no``;
``text``
    as it is, with indicator codes replaced by their names.

A column the registry does not hold is shown with underscores as spaces (and the pack's
screenshot test names it, so the registry grows with the tables).
"""

from __future__ import annotations

import re
from functools import cache

from scpb_analysis.reference.packaged import read_packaged_csv

__all__ = ["FORMATS", "column_format", "column_label", "is_registered", "value_label"]

#: The value formats a column can have (see the module docstring).
FORMATS = ("count", "change", "fraction", "rate", "rank", "p", "number", "flag", "text")

_IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*$")

#: Codes that are not indicators but reach tables as values (schemes, sources).
_VALUE_LABELS = {
    "mps_2008": "MPS coding to 2018",
    "mps_2019": "MPS coding from 2019",
    "mps_2024": "MPS coding from February 2024 (CONNECT)",
    "home_office_2023": "Home Office 2023 coding",
    "mps_dashboard": "MPS Monthly Crime Dashboard",
    "mps_vawg": "MPS VAWG offences",
    "mps_borough": "MPS Borough Level Crime",
    "mps_ward": "MPS Ward Level Crime",
    "as_published": "as first published",
    "lower_is_better": "lower is better",
    "higher_is_better": "higher is better",
    "not_applicable": "no better direction",
}


@cache
def _labels() -> dict[str, tuple[str, str]]:
    table = read_packaged_csv("labels.csv", dtype=str, keep_default_na=False)
    bad = sorted(set(table["format"]) - set(FORMATS))
    if bad:
        raise RuntimeError(f"labels.csv: unknown format {', '.join(bad)}; expected one of "
                           f"{', '.join(FORMATS)}")
    if table["code"].duplicated().any():
        raise RuntimeError("labels.csv: code listed twice: "
                           + ", ".join(sorted(table.loc[table["code"].duplicated(), "code"])))
    return {row.code: (row.label, row.format) for row in table.itertuples(index=False)}


def column_label(code: str) -> str:
    """The reader's label for column ``code``.

    An indicator code used as a column (a wide table of indicators) reads as the indicator's
    name; a column the registry does not hold reads with spaces for underscores.

    Examples
    --------
    >>> column_label("n_12m"), column_label("residential_burglary"), column_label("outcome")
    ('12 months', 'Residential Burglary', 'Outcome')
    """
    if code in _labels():
        return _labels()[code][0]
    named = value_label(code)
    if named != code:
        return named
    return code.replace("_", " ").capitalize() if _IDENTIFIER.match(code) else code


def column_format(code: str) -> str | None:
    """The value format of column ``code`` (one of :data:`FORMATS`), or None if unregistered.

    Examples
    --------
    >>> column_format("pct_change_12m"), column_format("share"), column_format("unknown")
    ('change', 'fraction', None)
    """
    entry = _labels().get(code)
    return entry[1] if entry else None


def is_registered(code: str) -> bool:
    """True if ``code`` has a label: in the registry, or an indicator's or known code's name.

    Examples
    --------
    >>> is_registered("n_12m"), is_registered("robbery"), is_registered("n_13m")
    (True, True, False)
    """
    return code in _labels() or value_label(code) != code


def value_label(value: str) -> str:
    """The reader's words for a code that reaches a table as a value; other text unchanged.

    Examples
    --------
    >>> value_label("violence_with_injury"), value_label("mps_2019"), value_label("Barnet")
    ('Violence with Injury', 'MPS coding from 2019', 'Barnet')
    """
    if not isinstance(value, str) or not _IDENTIFIER.match(value):
        return value
    if value in _VALUE_LABELS:
        return _VALUE_LABELS[value]
    from scpb_analysis.reference.taxonomy import indicator_name

    return indicator_name(value)
