"""How the area's violence compares with its police force and England and Wales (ONS).

:func:`ons_violence_rates`: the violence offences of ONS's police recorded crime by Community
Safety Partnership (Table C2) for the table's own year, against the force and England and
Wales (:func:`~scpb_analysis.stats.csp_benchmarks.csp_benchmarks`). Its counts and rates come
only from the ONS table and Census 2021, so a year other than the page's is shown as that
year, under a heading that names it, and never mixed with the page's figures.

The comparison with London (or the force area) for the page's own 12 months is in the problem
profile (:func:`scpb_analysis.blocks.sv_profile.problem_profile`), one rate per in-scope group,
so it is not computed a second time here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from scpb_analysis.core.periods import month_label, to_month

__all__ = ["ONS_VIOLENCE_OFFENCES", "ComparatorBlock", "ons_findings", "ons_violence_rates"]

#: Violence offences of ONS Table C2 compared (``sources.ons_csp.CSP_OFFENCES`` ids).
ONS_VIOLENCE_OFFENCES = ("violence_against_the_person", "homicide", "violence_with_injury",
                         "violence_without_injury", "stalking_and_harassment", "sexual_offences",
                         "robbery", "possession_of_weapons_offences")
_TABLE_C2 = ("ONS Table C2, police recorded crime for headline offences by Community Safety "
             "Partnership area (folder ons/)")


@dataclass(frozen=True)
class ComparatorBlock:
    """One comparison: the table, its heading and the paragraph explaining it.

    Attributes
    ----------
    table : DataFrame or None
        None when the comparison cannot be made (``text`` says why and what is needed).
    heading : str
        The heading for the page (the ONS one names its year).
    text : str
    available : bool
    """

    table: pd.DataFrame | None
    heading: str
    text: str
    available: bool


def _ons_heading(period: str) -> str:
    return f"Against the police force and England and Wales, {period} (ONS)"


def ons_violence_rates(csp_crime: pd.DataFrame | None, populations: pd.DataFrame | None,
                       area: str, period_end: str | pd.Period, *,
                       offences: Sequence[str] = ONS_VIOLENCE_OFFENCES,
                       confidence: float = 0.95) -> ComparatorBlock:
    """The area's violence rates in ONS Table C2's own year, against its force and England
    and Wales.

    Every count and rate comes from the ONS table (its latest year) and Census 2021
    residents (:func:`~scpb_analysis.stats.csp_benchmarks.csp_benchmarks`): none is taken
    from the page's period. When the table's year is not the 12 months to ``period_end``,
    the text says so, and the heading names the year. With no table, or no row for the
    area, the block is a stated gap naming the table needed.

    Parameters
    ----------
    csp_crime : DataFrame or None
        ``data.csp_crime()`` (:func:`~scpb_analysis.sources.ons_csp.load_csp_crime`).
    populations : DataFrame or None
        ``data.la_population()``.
    area : str
        The CSP's name or code as ONS writes it (``"Barnet"``, ``"Bristol, City of"``).
    period_end : str or Period
        The page's period end, only to say whether the ONS year is the same.
    offences : sequence of str
        Table C2 offence ids, in the order shown.
    confidence : float, default 0.95

    Returns
    -------
    ComparatorBlock
        ``table``: the rows of ``csp_benchmarks`` for ``offences``.

    Examples
    --------
    >>> out = ons_violence_rates(None, None, "Barnet", "2023-05")
    >>> out.available, out.text.startswith("Not available")
    (False, True)
    """
    from scpb_analysis.core.errors import InputDataError, UnknownAreaError
    from scpb_analysis.stats.csp_benchmarks import csp_benchmarks

    end = to_month(period_end)
    page = f"{month_label(end - 11)} to {month_label(end)}"
    if csp_crime is None or populations is None:
        need = _TABLE_C2 if csp_crime is None else "Census 2021 residents by local authority"
        return ComparatorBlock(None, _ons_heading("no year available"),
                               f"Not available: needs {need}.", False)
    latest = max(to_month(p) for p in csp_crime["period_end"].dropna().unique())
    rows = csp_crime[csp_crime["period_end"].map(to_month) == latest]
    period = str(rows["period"].iloc[0])
    try:
        table = csp_benchmarks(rows, populations, area, confidence=confidence)
    except (UnknownAreaError, InputDataError) as exc:
        return ComparatorBlock(None, _ons_heading(period),
                               f"Not available for {area}: {exc}. Needs {_TABLE_C2} with a row "
                               "for the area.", False)
    unknown = [o for o in offences if o not in set(table["offence"])]
    if unknown:
        raise ValueError(f"offence id(s) {', '.join(unknown)} are not in the ONS table; "
                         f"expected ids of sources.ons_csp.CSP_OFFENCES")
    table = table.set_index("offence").loc[list(offences)].reset_index()
    return ComparatorBlock(table, _ons_heading(period),
                           _ons_text(table, period, latest, end, page), True)


def _ons_text(table: pd.DataFrame, period: str, latest: pd.Period, end: pd.Period,
              page: str) -> str:
    name, force = table["csp_name"].iloc[0], table["force_name"].iloc[0]
    if latest == end:
        when = (f"These are ONS figures for the {period}, the same 12 months as this page "
                f"({page}).")
    else:
        when = (f"These are ONS figures for the {period}: a different 12 months from the rest "
                f"of this page ({page}). Every count and rate here comes from the ONS table "
                "and Census 2021 residents alone, and none is combined with the page's "
                "figures.")
    parts = [when, f"Offences per 1,000 residents in {name}, against the {force} force area "
             "and England and Wales, with 95% confidence intervals (Similar where the "
             "interval holds the comparator's rate, else Better below it or Worse above it)."]
    for column, against in (("vs_force", force), ("vs_england_and_wales",
                                                  "England and Wales")):
        groups = []
        for verdict in ("Worse", "Similar", "Better"):
            rows = table[table[column] == verdict]
            if len(rows):
                groups.append(f"{verdict.lower()} for "
                              + ", ".join(str(n).lower() for n in rows["offence_name"]))
        if groups:
            parts.append(f"Against {against}: " + "; ".join(groups) + ".")
    missing = table[table["count"].isna()]
    if len(missing):
        parts.append("No figure for " + ", ".join(str(n).lower() for n in
                                                  missing["offence_name"]) + " ([x] in the "
                     "table).")
    return " ".join(parts)


def ons_findings(block: ComparatorBlock, *,
                 table: str = "needs_assessment_vs_force_and_ew") -> list:
    """One key finding from the ONS comparison: the offences whose rate is higher than
    England and Wales's beyond chance (Worse), or, if none is, violence against the person.

    It names the ONS year, since it may not be the page's
    (:class:`~scpb_analysis.blocks.sv_findings.Finding`).

    Examples
    --------
    >>> t = pd.DataFrame({"offence": ["robbery", "homicide"], "offence_name": ["Robbery",
    ...     "Homicide"], "csp_name": ["Barnet"] * 2, "rate": [1.763, 0.003],
    ...     "ew_rate": [1.32, 0.01], "vs_england_and_wales": ["Worse", "Similar"],
    ...     "period": ["year ending June 2025"] * 2})
    >>> print(ons_findings(ComparatorBlock(t, "", "", True))[0].text)
    Against England and Wales (ONS, year ending June 2025), Barnet's rate per 1,000 residents \
is higher beyond chance (Worse) for robbery (1.76 against 1.32).
    """
    from scpb_analysis.blocks.sv_findings import Finding

    if not block.available or block.table is None:
        return []
    frame = block.table[block.table["rate"].notna() & block.table["ew_rate"].notna()]
    worse = frame[frame["vs_england_and_wales"] == "Worse"]
    rows = worse if len(worse) else frame[frame["offence"] == "violence_against_the_person"]
    if rows.empty:
        return []
    first = rows.iloc[0]
    lead = (f"Against England and Wales (ONS, {first['period']}), {first['csp_name']}'s rate "
            "per 1,000 residents")
    quotes, listed = [], []
    for _, row in rows.iterrows():
        rate, ew = f"{row['rate']:,.2f}", f"{row['ew_rate']:,.2f}"
        listed.append(f"{str(row['offence_name']).lower()} ({rate} against {ew})")
        quotes.append(({"offence": row["offence"]}, {"rate": rate, "ew_rate": ew,
                                                     "vs_england_and_wales":
                                                         row["vs_england_and_wales"]}))
    if len(worse):
        text = f"{lead} is higher beyond chance (Worse) for {'; '.join(listed)}."
    else:
        verdict = str(first["vs_england_and_wales"])
        text = (f"{lead} for {listed[0]} is {_EW_WORDS.get(verdict, 'not compared')} "
                f"({verdict}).")
    return [Finding("Comparators", text, table, tuple(quotes), context=("per 1,000",))]


_EW_WORDS = {"Better": "lower beyond chance", "Similar": "not distinguishable once chance is "
             "allowed for"}
