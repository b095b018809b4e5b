"""Which indicators an unmapped category may belong to, so no figure is printed as complete
while part of it may sit in a category the taxonomy does not know.

A new publication can rename or split a category (the Home Office 2023 split of residential
burglary into "of a home" and "of an unconnected building" did both). The loader carries such
a category as ``UNMAPPED: major / minor``; summing the mapped categories alone would then give
a confident, wrong figure. An unmapped category with counts makes an indicator *incomplete*
when:

- it sits in the same major group as one of the indicator's categories, or in the indicator's
  group (``BURGLARY / RES BURGLARY OF A HOME`` and both burglary indicators);
- or its name contains one of the indicator's words (``indicators.csv``, column ``words``:
  ``BURGLARY``, ``ROBBERY``, ``KNIFE``, ...);
- or its major group is one the taxonomy has never seen: then it could hold offences of any
  indicator (a publication may rename a group as well as a category), and every indicator is
  incomplete.

:func:`scpb_analysis.blocks.comparison.compare_periods` refuses an incomplete indicator (or, asked
to, shows it marked incomplete); :func:`scpb_analysis.blocks.ward_report.ward_rates` refuses it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import cache

import pandas as pd

from scpb_analysis.reference.taxonomy import (
    UNMAPPED_PREFIX,
    category_table,
    indicator_table,
    normalise_label,
)

__all__ = ["GAP_COLUMNS", "related_indicators", "mapping_gaps", "gap_message",
           "incomplete_error"]

GAP_COLUMNS = ["indicator", "category", "source_file", "first_month", "last_month", "count",
               "reason"]


@cache
def _vocabulary() -> tuple[dict[str, str], dict[str, set[str]], dict[str, list[str]],
                           dict[str, str]]:
    indicators = indicator_table()
    names = dict(zip(indicators["indicator"], indicators["name"], strict=True))
    majors: dict[str, set[str]] = {}
    for ind, group in zip(indicators["indicator"], indicators["group"], strict=True):
        majors.setdefault(normalise_label(group), set()).add(ind)
    categories = category_table()
    for major, ind in zip(categories["major"], categories["indicator"], strict=True):
        majors.setdefault(normalise_label(major), set()).add(ind)
    words = {ind: [w.strip() for w in text.split(";") if w.strip()]
             for ind, text in zip(indicators["indicator"], indicators["words"], strict=True)}
    groups = dict(zip(indicators["indicator"], indicators["group"], strict=True))
    return names, majors, words, groups


def _split(category: str) -> tuple[str, str]:
    text = category[len(UNMAPPED_PREFIX):] if category.startswith(UNMAPPED_PREFIX) else category
    major, _, minor = text.partition(" / ")
    return major, minor


def related_indicators(category: str) -> dict[str, str]:
    """The indicators an unmapped category may belong to, each with the reason.

    Parameters
    ----------
    category : str
        ``"major / minor"`` as published, with or without the ``UNMAPPED: `` prefix.

    Returns
    -------
    dict
        Canonical indicator id to a short reason, in the taxonomy's order.

    Examples
    --------
    >>> sorted(related_indicators("BURGLARY / RES BURGLARY OF A SHED"))
    ['non_residential_burglary', 'residential_burglary']
    >>> related_indicators("THEFT / HOUSEBREAKING OF A SHED")["residential_burglary"]
    "its name contains 'HOUSEBREAKING'"
    >>> len(related_indicators("QQQ / ZZZ")) == len(indicator_table())
    True
    """
    names, majors, words, groups = _vocabulary()
    major, minor = _split(category)
    if normalise_label(major) not in majors:
        return {ind: f"its group '{major}' is not one the taxonomy knows, so it could hold "
                f"offences of any indicator" for ind in names}
    found: dict[str, str] = {}
    for ind in majors.get(normalise_label(major), ()):
        found[ind] = f"it is published under '{major}', the group of {names[ind]}"
    text = f" {normalise_label(major)} / {normalise_label(minor)} ".upper()
    for ind, vocabulary in words.items():
        if ind in found:
            continue
        for word in vocabulary:
            if re.search(rf"(?<![A-Z0-9]){re.escape(word.upper())}(?![A-Z0-9])", text):
                found[ind] = f"its name contains '{word}'"
                break
    order = {ind: i for i, ind in enumerate(groups)}
    return dict(sorted(found.items(), key=lambda item: order[item[0]]))


def mapping_gaps(table: pd.DataFrame, indicators: Iterable[str] | None = None, *,
                 start: str | pd.Period | None = None, end: str | pd.Period | None = None,
                 area_types: Sequence[str] | None = ("borough",),
                 measure: str | None = None) -> pd.DataFrame:
    """Unmapped categories with counts, and the indicators each leaves incomplete.

    Parameters
    ----------
    table : DataFrame
        A tidy MPS table (:func:`scpb_analysis.sources.mps.read_mps_crime`).
    indicators : iterable of str, optional
        Only gaps affecting these indicators (default: any).
    start, end : str or Period, optional
        Only months in this range (the months a comparison reads).
    area_types : sequence of str, optional
        Only rows of these area types (default ``("borough",)``; None for all).
    measure : str, optional
        Only this measure.

    Returns
    -------
    DataFrame
        :data:`GAP_COLUMNS`: one row per affected indicator, unmapped category and file, with
        the months it has counts in, its total count, and why it may belong to the indicator.
        Empty when every figure is complete. Categories whose counts are all zero in the
        rows selected are left out: they cannot change a figure.

    Examples
    --------
    >>> t = pd.DataFrame({"month": pd.period_range("2023-04", periods=2, freq="M"),
    ...     "area_type": "borough", "indicator": "UNMAPPED: BURGLARY / RES BURGLARY OF A SHED",
    ...     "measure": "offences", "count": [3, 4], "source_file": "new.csv"})
    >>> mapping_gaps(t, ["residential_burglary"])[["indicator", "first_month", "count"]]
                   indicator first_month  count
    0  residential_burglary     2023-04      7
    """
    # Judged once per distinct indicator, not once per row of a table of a million rows.
    unmapped = [i for i in pd.unique(table["indicator"]) if str(i).startswith(UNMAPPED_PREFIX)]
    rows = table[table["indicator"].isin(unmapped)]
    if area_types is not None and "area_type" in rows:
        rows = rows[rows["area_type"].isin(list(area_types))]
    if measure is not None and "measure" in rows:
        rows = rows[rows["measure"] == measure]
    if start is not None:
        rows = rows[rows["month"] >= pd.Period(start, freq="M")]
    if end is not None:
        rows = rows[rows["month"] <= pd.Period(end, freq="M")]
    rows = rows[rows["count"] > 0]
    wanted = None if indicators is None else set(indicators)
    records = []
    if len(rows):
        files = rows["source_file"] if "source_file" in rows else pd.Series("", index=rows.index)
        summary = (rows.assign(source_file=files.astype(str), indicator=rows["indicator"]
                               .astype(str))
                   .groupby(["indicator", "source_file"], sort=True, observed=True)
                   .agg(first_month=("month", "min"), last_month=("month", "max"),
                        count=("count", "sum")).reset_index())
        for gap in summary.itertuples(index=False):
            for ind, reason in related_indicators(gap.indicator).items():
                if wanted is None or ind in wanted:
                    records.append({"indicator": ind,
                                    "category": gap.indicator[len(UNMAPPED_PREFIX):],
                                    "source_file": gap.source_file,
                                    "first_month": str(gap.first_month),
                                    "last_month": str(gap.last_month),
                                    "count": int(gap.count), "reason": reason})
    out = pd.DataFrame(records, columns=GAP_COLUMNS)
    return out.sort_values(["indicator", "category", "source_file"]).reset_index(drop=True)


def gap_message(gaps: pd.DataFrame, indicator: str) -> str:
    """One sentence saying why an indicator is incomplete, naming the file and the category.

    Examples
    --------
    >>> gaps = pd.DataFrame([{"indicator": "residential_burglary",
    ...     "category": "BURGLARY / RES BURGLARY OF A SHED", "source_file": "new.csv",
    ...     "first_month": "2023-04", "last_month": "2023-05", "count": 7,
    ...     "reason": "it is published under 'BURGLARY', the group of Residential Burglary"}])
    >>> print(gap_message(gaps, "residential_burglary"))
    Residential Burglary is incomplete: new.csv counts 7 in 'BURGLARY / RES BURGLARY OF \
A SHED' (2023-04 to 2023-05), a category the taxonomy does not map, and it is published under \
'BURGLARY', the group of Residential Burglary
    """
    names = _vocabulary()[0]
    mine = gaps[gaps["indicator"] == indicator]
    parts = [
        f"{g.source_file} counts {g.count:,} in '{g.category}' "
        f"({g.first_month}{'' if g.first_month == g.last_month else ' to ' + g.last_month}), "
        f"a category the taxonomy does not map, and {g.reason}"
        for g in mine.itertuples(index=False)
    ]
    return f"{names.get(indicator, indicator)} is incomplete: " + "; ".join(parts)


def incomplete_error(gaps: pd.DataFrame, indicators: Iterable[str] | None = None, *,
                     consequence: str = "", remedy: str = ""):
    """The refusal for incomplete indicators: each one's :func:`gap_message`, what is
    withheld, and how to map the category.

    Parameters
    ----------
    gaps : DataFrame
        :func:`mapping_gaps`.
    indicators : iterable of str, optional
        The indicators refused, in order (default every indicator in ``gaps``); beyond four,
        the first two are spelled out and the rest named.
    consequence : str
        What is not given, e.g. ``"no ward rates are given for it"``.
    remedy : str
        Another way out, after mapping the category.

    Returns
    -------
    IncompleteIndicatorError

    Examples
    --------
    >>> gaps = pd.DataFrame([{"indicator": "robbery_of_personal_property",
    ...     "category": "ROBBERY / OF A SHIP", "source_file": "f.csv", "first_month": "2023-03",
    ...     "last_month": "2023-03", "count": 5, "reason": "it is published under 'ROBBERY'"}])
    >>> print(incomplete_error(gaps, consequence="no rates are given"))
    Robbery of Personal Property is incomplete: f.csv counts 5 in 'ROBBERY / OF A SHIP' \
(2023-03), a category the taxonomy does not map, and it is published under 'ROBBERY'; no rates \
are given. Map the category in scpb_analysis/reference/taxonomy/mps_categories.csv
    """
    from scpb_analysis.core.errors import IncompleteIndicatorError

    names = _vocabulary()[0]
    held = list(dict.fromkeys(gaps["indicator"]))
    chosen = held if indicators is None else [i for i in indicators if i in set(held)]
    lines = [gap_message(gaps, ind) for ind in chosen]
    if len(lines) > 4:
        shown = ", ".join(names.get(i, i) for i in chosen[:8])
        more = f" and {len(chosen) - 8} more" if len(chosen) > 8 else ""
        lines = lines[:2] + [f"the same categories make {shown}{more} incomplete"]
    text = "; ".join(lines + ([consequence] if consequence else []))
    text += ". Map the category in scpb_analysis/reference/taxonomy/mps_categories.csv"
    return IncompleteIndicatorError(text + (f", or {remedy}" if remedy else ""), gaps)
