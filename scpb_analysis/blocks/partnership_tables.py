"""The board's partnership tables: CCTV, ASB tools and powers, CS MARAC, Prevent and DA MARAC.

Each table is built twice. A builder (``cctv_by_ward``, ``prevent_quarter_comparison``, ...)
takes a tidy table as the partnership loaders return it and gives a tidy DataFrame of numbers,
with the reporting window in ``DataFrame.attrs``. A formatter (``format_cctv_by_ward``, ...,
or :func:`to_board_table` for any of them) turns that into a :class:`BoardTable`: the cells as
the board pack prints them, a title that states the period, the footnotes the numbers need and
sentences generated from the same numbers.

The July 2023 pack shows why the words are generated rather than typed: its CCTV ward shares
sum to 101% under a "100%" total, its ward table names a ward that does not exist
("Totteridge & Whetstone"), its Prevent slide says 15 referrals above a table of 17, its
Community Trigger sentence says "3 months to March 2023" under a "to May 2023" heading, its
CS MARAC slide calls a per-meeting average "per month", and its hour-of-day chart reads the
control room's unwatched morning hours (04:00-11:59 until 31 August 2022) as quiet ones.

Examples
--------
>>> cctv = pd.DataFrame({
...     "month": pd.PeriodIndex(["2023-03", "2023-04", "2023-04"], freq="M"),
...     "ward_code": ["E05013637", "E05013637", "E05013630"],
...     "ward_name": ["Edgware", "Edgware", "Burnt Oak"]})
>>> board = to_board_table(cctv_by_ward(cctv, "2023-03", "2023-05", "Barnet"))
>>> board.title
'CCTV Incidents by Ward: 3 months of March 2023 to May 2023'
>>> board.table.tail(2)
           Ward Number of Incidents % of incidents
23    Woodhouse                   0             0%
24  Grand Total                   3           100%
>>> board.text[1]
'The largest percentage of CCTV incidents were captured in Edgware (67%), followed by Burnt \
Oak (33%).'
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from fractions import Fraction

import numpy as np
import pandas as pd

from scpb_analysis.core.errors import UnmappedCategoryError
from scpb_analysis.core.periods import (
    Window,
    fy_quarter,
    fy_quarter_window,
    month_label,
    month_ranges,
    to_month,
)
from scpb_analysis.core.rounding import (
    format_share,
    percentage_point_change,
    round_half_up,
    shares,
    shares_note,
)

# The vocabularies are defined once, in the template schema the loaders validate against; the
# board's tables use the same tuples (under the names the board uses) so the two cannot drift.
from scpb_analysis.reference.partnership_schema import (
    AGE_BANDS as PREVENT_AGE_BANDS,
)
from scpb_analysis.reference.partnership_schema import (
    ASB_OUTCOMES,
    CCTV_MODES,
    CONTROL_ROOM_24_7_FROM,
    TRIGGER_DECISIONS,
)
from scpb_analysis.reference.partnership_schema import (
    IDEOLOGIES as PREVENT_IDEOLOGIES,
)
from scpb_analysis.reference.partnership_schema import (
    INCIDENT_TYPES as CCTV_INCIDENT_TYPES,
)
from scpb_analysis.reference.partnership_schema import (
    SEXES as PREVENT_SEXES,
)
from scpb_analysis.reference.wards import ward_reference
from scpb_analysis.stats.change import direction_of_change, format_percent_change, percent_change

__all__ = [
    "ASB_OUTCOMES",
    "BOARD_ABBREVIATIONS",
    "CCTV_INCIDENT_TYPES",
    "CCTV_BROAD_GROUPS",
    "CCTV_TYPE_GROUPS",
    "CONTROL_ROOM_24_7_FROM",
    "FPN_OFFENCES",
    "GRAND_TOTAL",
    "INPUT_NOTES",
    "PREVENT_AGE_BANDS",
    "PREVENT_IDEOLOGIES",
    "PREVENT_SEXES",
    "TRIGGER_DECISIONS",
    "UNMONITORED_HOURS",
    "BoardTable",
    "asb_outcomes_by_month",
    "cctv_by_ward",
    "cctv_hour_profile",
    "cctv_mode",
    "cctv_type_sentences",
    "cctv_type_shares",
    "cctv_ward_by_type",
    "community_triggers",
    "csmarac_averages",
    "csmarac_meetings",
    "damarac_by_quarter",
    "format_asb_outcomes_by_month",
    "format_cctv_by_ward",
    "format_cctv_hour_profile",
    "format_cctv_mode",
    "format_cctv_type_shares",
    "format_cctv_ward_by_type",
    "format_community_triggers",
    "format_csmarac_meetings",
    "format_damarac_by_quarter",
    "format_fpn_by_code",
    "format_prevent_quarter_comparison",
    "format_prevent_vs_national",
    "fpn_by_code",
    "prevent_quarter_comparison",
    "prevent_vs_national",
    "to_board_table",
    "with_input_notes",
]

GRAND_TOTAL = "Grand Total"
_NOT_RECORDED = "Ward not recorded"

#: Hours of the day nobody watched the cameras before :data:`CONTROL_ROOM_24_7_FROM`.
UNMONITORED_HOURS = tuple(range(4, 12))

#: Column headings the board prints for long outcome names.
BOARD_ABBREVIATIONS = {"Criminal Behaviour Order": "CBO", "Premises Closure Order": "PCO"}
_ASB_KEY = (
    "CPN Written Warning - Community Protection Notice Written Warning, precursor to a CPN.",
    "CPN - Community Protection Notice, used to stop a person, business or organisation "
    "committing ASB that spoils the community's quality of life.",
    "PCO - Premises Closure Order, closes premises causing nuisance or disorder.",
    "CBO - Criminal Behaviour Order, available on conviction, for the most serious and "
    "persistent offenders.",
    "PSPO - Public Space Protection Order, enforced from December 2022.",
)

#: Fixed Penalty Notice offence codes and what each is for (codes 07 and 13/14 cover first
#: and later offences).
FPN_OFFENCES = {
    "CST01": "Littering (EPA 1990 s.87/88)",
    "CST02": "Domestic waste presentation notice (EPA 1990 s.46)",
    "CST03": "Business and commercial waste presentation notice (EPA 1990 s.47)",
    "CST04": "Distributing free literature without consent (EPA 1990 Sch.3A para.7)",
    "CST05": "Failing to produce authority (Control of Pollution (Amendment) Act 1989 s.5B)",
    "CST06": "Failing to produce waste transfer notes (EPA 1990 s.34)",
    "CST07": "Household duty of care breach, unauthorised deposit of waste (EPA 1990 s.34(2A))",
    "CST08": "Breach of a Community Protection Notice (ASB, Crime and Policing Act 2014 s.48)",
    "CST09": "Breach of a Public Spaces Protection Order (ASB, Crime and Policing Act 2014 "
             "s.63 and 67)",
    "CST10": "Abandoned vehicles (Refuse Disposal (Amenity) Act 1978 s.2A)",
    "CST11": "Graffiti and fly posting (Anti-Social Behaviour Act 2003 s.43)",
    "CST12": "Exposing vehicles for sale or repairing vehicles on a road (CNEA 2005 s.3 and 4)",
    "CST13": "Fly tipping, first offence (EPA 1990 s.33(1)(a))",
    "CST14": "Fly tipping, second offence (EPA 1990 s.33(1)(a))",
    "CST15": "Wilful obstruction of the highway (Highways Act 1980 s.137(1))",
    "CST16": "Interruption of the user of the highway (Highways Act 1980 s.148(c))",
    "CST17": "Smoking in smoke-free premises or a business vehicle (Health Act 2006 s.7)",
}

#: CCTV incident types in the few groups a public table shows: 25 types by 24 wards over three
#: months is mostly counts under 5, so the public pack publishes groups (every type in one).
#: Domestic and sexual incidents sit with violence: on their own, a ward count of them can
#: point at a household.
CCTV_TYPE_GROUPS: dict[str, tuple[str, ...]] = {
    "Violence, weapons and robbery": ("Violent Crime", "Knife Crime", "Firearms",
                                      "Offensive Weapon", "Robbery", "Sexual Offence",
                                      "Domestic"),
    "Theft, burglary and damage": ("Burglary", "Theft", "Shoplifting", "Vehicle Crime",
                                   "Criminal Damage"),
    "Anti-social behaviour and disorder": ("Anti-Social Behaviour", "Public Disorder",
                                           "Fly tipping", "Suspicious Behaviour"),
    "Roads and traffic": ("Road Traffic Incident", "Drink Drive", "Police Stop"),
    "Welfare and missing persons": ("Welfare Concerns", "Missing Person"),
    "Other (alarms, fires, hoax calls, other)": ("Alarm", "Fire", "Hoax Call", "Other"),
}

#: Three broad groups of :data:`CCTV_TYPE_GROUPS`, for a quarter too sparse to show any ward by
#: the six groups.
CCTV_BROAD_GROUPS: dict[str, tuple[str, ...]] = {
    "Crime (violence, weapons, theft, damage)": ("Violence, weapons and robbery",
                                                 "Theft, burglary and damage"),
    "Anti-social behaviour, disorder and roads": ("Anti-social behaviour and disorder",
                                                  "Roads and traffic"),
    "Welfare and other": ("Welfare and missing persons",
                          "Other (alarms, fires, hoax calls, other)"),
}



@dataclass(frozen=True)
class BoardTable:
    """A table as the board pack prints it.

    Attributes
    ----------
    title : str
        The heading, stating the period (``"CCTV Incidents by Ward: 3 months of March 2023 to
        May 2023"``).
    period : str
        The period alone (``"March 2023 to May 2023"``, ``"Q4 2022/23"``).
    table : pandas.DataFrame
        Every cell a string, as printed.
    notes : tuple of str
        Footnotes the numbers need (rounding, monitoring hours, data checks).
    text : tuple of str
        Sentences for the slide, generated from the same numbers.
    checks : tuple of str
        ``key: value`` options for :func:`scpb_analysis.qa.checks.check_table` that the table's
        shape needs (e.g. the breakdowns that each add up to a total).
    """

    title: str
    period: str
    table: pd.DataFrame
    notes: tuple[str, ...] = field(default_factory=tuple)
    text: tuple[str, ...] = field(default_factory=tuple)
    checks: tuple[str, ...] = field(default_factory=tuple)

    def to_markdown(self) -> str:
        """Title, pipe table, sentences and notes as Markdown.

        Examples
        --------
        >>> t = BoardTable("Demo: May 2023", "May 2023", pd.DataFrame({"Ward": ["Edgware"],
        ...                "Incidents": ["3"]}), notes=("A note.",))
        >>> print(t.to_markdown())
        **Demo: May 2023**
        <BLANKLINE>
        | Ward | Incidents |
        |---|---|
        | Edgware | 3 |
        <BLANKLINE>
        A note.
        """
        def cell(value: object) -> str:
            return str(value).replace("|", r"\|")

        lines = [f"**{self.title}**", ""]
        lines.append("| " + " | ".join(cell(c) for c in self.table.columns) + " |")
        lines.append("|" + "---|" * len(self.table.columns))
        lines.extend("| " + " | ".join(cell(v) for v in row) + " |"
                     for row in self.table.itertuples(index=False))
        for block in (self.text, self.notes):
            if block:
                lines.append("")
                lines.extend(block)
        return "\n".join(lines)

    def to_check_csv(self) -> str:
        """The table as CSV with its title, sentences and notes as ``#`` lines.

        This is the form :func:`scpb_analysis.qa.checks.check_table` (``scpb check``) reads, so
        the toolkit's own tables can be checked like hand-typed ones.

        Examples
        --------
        >>> t = BoardTable("Demo: May 2023", "May 2023", pd.DataFrame({"Ward": ["Edgware"],
        ...                "Incidents": ["3"]}), notes=("A note.",))
        >>> print(t.to_check_csv())
        # title: Demo: May 2023
        # note: A note.
        Ward,Incidents
        Edgware,3
        <BLANKLINE>
        """
        lines = [f"# title: {self.title}"]
        lines += [f"# {option}" for option in self.checks]
        lines += [f"# narrative: {sentence}" for sentence in self.text]
        lines += [f"# note: {note}" for note in self.notes]
        return "\n".join(lines) + "\n" + self.table.to_csv(index=False, lineterminator="\n")


# ---------------------------------------------------------------------------------------------
# shared helpers


def _window(start: str | pd.Period, end: str | pd.Period) -> Window:
    return Window(to_month(start), to_month(end))


def _period_phrase(window: Window) -> str:
    """'3 months of March 2023 to May 2023', the board's wording, or a single month."""
    if window.n_months == 1:
        return window.label
    return f"{window.n_months} months of {window.label}"


def _in_period(window: Window) -> str:
    """'in the 3 months of March 2023 to May 2023', or 'in May 2023' for one month."""
    return f"in {window.label}" if window.n_months == 1 else f"in the {_period_phrase(window)}"


def _require(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise ValueError(f"{what} must be a DataFrame (the tidy table the loader returns), "
                         f"got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{what} lacks column(s) {', '.join(map(repr, missing))}; expected the "
                         f"tidy table the partnership loader returns")


def _months_of(frame: pd.DataFrame) -> pd.Series:
    month = frame["month"]
    if isinstance(month.dtype, pd.PeriodDtype):
        return month.dt.asfreq("M")
    return pd.Series([to_month(m) for m in month], index=frame.index, dtype="period[M]")


def _in_window(frame: pd.DataFrame, window: Window) -> pd.DataFrame:
    months = _months_of(frame)
    return frame.loc[(months >= window.start) & (months <= window.end)]


def _window_rows(frame: pd.DataFrame, columns: Iterable[str], what: str, start: str | pd.Period,
                 end: str | pd.Period) -> tuple[Window, pd.DataFrame]:
    """The window from ``start`` to ``end`` and the rows of a checked tidy table inside it."""
    _require(frame, columns, what)
    window = _window(start, end)
    return window, _in_window(frame, window)


def _check_categories(values: pd.Series, allowed: Iterable[str], what: str) -> None:
    unknown = sorted(set(values.dropna().astype(str)) - set(allowed))
    if unknown:
        raise UnmappedCategoryError(
            f"{what} not in the template's list: {', '.join(map(repr, unknown))}; expected one "
            f"of {', '.join(map(repr, allowed))}")


def _share_table(counts: pd.Series) -> pd.DataFrame:
    """shares() half up to whole percent, or NaN shares when there is nothing to share."""
    if int(counts.sum()) > 0:
        return shares(counts)
    return pd.DataFrame({"label": list(counts.index), "count": [int(c) for c in counts],
                         "share": np.nan, "share_rounded": np.nan,
                         "rounding": "rounded half up to whole percent"})


def _with_attrs(table: pd.DataFrame, kind: str, **attrs: object) -> pd.DataFrame:
    table.attrs.update({"kind": kind, **attrs})
    return table


def _attr(table: pd.DataFrame, kind: str, name: str = "window") -> object:
    if not isinstance(table, pd.DataFrame) or table.attrs.get("kind") != kind:
        raise ValueError(f"format_{kind} needs the table returned by {kind}() (its attrs say "
                         "which period it covers)")
    return table.attrs[name]


def _count_text(value: object) -> str:
    return f"{int(value):,}"


def _share_text(value: float) -> str:
    return "-" if pd.isna(value) else format_share(value)


def _plural(n: int, one: str, many: str) -> str:
    return one if n == 1 else many


# ---------------------------------------------------------------------------------------------
# CCTV


def _ward_counts(cctv: pd.DataFrame, borough: str, scheme: str) -> pd.DataFrame:
    reference = ward_reference(borough, scheme)[["ward_code", "ward_name"]]
    codes = cctv["ward_code"]
    unknown = sorted(set(codes.dropna()) - set(reference["ward_code"]))
    if unknown:
        raise ValueError(f"ward_code(s) {', '.join(map(repr, unknown))} are not {borough} wards "
                         f"in the {scheme} scheme")
    counts = codes.value_counts().reindex(reference["ward_code"], fill_value=0)
    rows = reference.assign(count=counts.to_numpy(dtype=np.int64))
    missing = int(codes.isna().sum())
    if missing:
        # Kept as its own row so the total still equals the incidents in the log.
        rows = pd.concat([rows, pd.DataFrame({"ward_code": [pd.NA], "ward_name": [_NOT_RECORDED],
                                              "count": [missing]})], ignore_index=True)
    return rows


def _cctv_ward_table(cctv: pd.DataFrame, start: str | pd.Period, end: str | pd.Period,
                     borough: str, scheme: str, by_type: bool
                     ) -> tuple[Window, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The window, the log's rows in it, every ward's count and the table's ward columns.

    The two CCTV ward tables list the same wards in the same order (the pack links the ward
    table to the ward by type table's totals), so both start here.
    """
    needed = ["month", "ward_code", *(["incident_type"] if by_type else [])]
    window, rows = _window_rows(cctv, needed, "cctv", start, end)
    if by_type:
        _check_categories(rows["incident_type"], CCTV_INCIDENT_TYPES, "CCTV incident type(s)")
    wards = _ward_counts(rows, borough, scheme)
    out = pd.DataFrame({"ward_code": wards["ward_code"].astype(object).to_numpy(),
                        "ward_name": wards["ward_name"].to_numpy(dtype=object)})
    return window, rows, wards, out


def _with_grand_total(out: pd.DataFrame, values: list, counts: Iterable[str]) -> pd.DataFrame:
    out.loc[len(out)] = [pd.NA, GRAND_TOTAL, *values]
    # Appending a row through .loc widens the count columns; the table keeps whole numbers.
    for col in counts:
        out[col] = out[col].astype(np.int64)
    return out


def cctv_by_ward(cctv: pd.DataFrame, start: str | pd.Period, end: str | pd.Period,
                 borough: str, scheme: str = "2022") -> pd.DataFrame:
    """CCTV incidents per ward, every ward listed, with shares and a Grand Total row.

    Parameters
    ----------
    cctv : pandas.DataFrame
        Tidy CCTV log with ``month``, ``ward_code`` and ``ward_name``.
    start, end : str or pandas.Period
        First and last month of the window (``"2023-03"``, ``"May 2023"``).
    borough, scheme : str
        The ward list: every ward of the scheme gets a row, 0 included.

    Returns
    -------
    pandas.DataFrame
        ``ward_code, ward_name, count, share, share_rounded, rounding``: one row per ward in
        the reference order, then ``"Ward not recorded"`` if any incident has no ward, then
        ``"Grand Total"`` (share 100). Shares are from
        :func:`~scpb_analysis.core.rounding.shares`, half up to whole percent, so the ward
        rows may sum to 99 or 101 (see :func:`format_cctv_by_ward`).

    Examples
    --------
    >>> cctv = pd.DataFrame({"month": pd.PeriodIndex(["2023-05"] * 3, freq="M"),
    ...     "ward_code": ["E05013637", "E05013637", "E05013651"],
    ...     "ward_name": ["Edgware", "Edgware", "Woodhouse"]})
    >>> t = cctv_by_ward(cctv, "2023-03", "2023-05", "Barnet")
    >>> t.loc[t["count"] > 0, ["ward_name", "count", "share_rounded"]]
          ward_name  count  share_rounded
    9       Edgware      2           67.0
    23    Woodhouse      1           33.0
    24  Grand Total      3          100.0
    """
    window, _, wards, out = _cctv_ward_table(cctv, start, end, borough, scheme, by_type=False)
    table = _share_table(wards.set_index("ward_name")["count"])
    out["count"] = wards["count"].to_numpy(dtype=np.int64)
    for col in ("share", "share_rounded"):
        out[col] = table[col].to_numpy(dtype=float)
    out["rounding"] = table["rounding"].to_numpy(dtype=object)
    total = int(out["count"].sum())
    whole = 100.0 if total else np.nan
    out = _with_grand_total(out, [total, whole, whole, out["rounding"].iloc[0]], ["count"])
    return _with_attrs(out, "cctv_by_ward", window=window, borough=borough)


def format_cctv_by_ward(table: pd.DataFrame) -> BoardTable:
    """The board's "CCTV Incidents by Ward" table, with the rounding note.

    The three largest wards go into a sentence, and the note from
    :func:`~scpb_analysis.core.rounding.shares_note` says what the shares sum to.

    Examples
    --------
    >>> cctv = pd.DataFrame({"month": pd.PeriodIndex(["2023-05"] * 3, freq="M"),
    ...     "ward_code": ["E05013637", "E05013637", "E05013651"],
    ...     "ward_name": ["Edgware", "Edgware", "Woodhouse"]})
    >>> board = format_cctv_by_ward(cctv_by_ward(cctv, "2023-05", "2023-05", "Barnet"))
    >>> board.text
    ('In May 2023 there were 3 incidents captured by CCTV in Barnet.', 'The largest \
percentage of CCTV incidents were captured in Edgware (67%), followed by Woodhouse (33%).')
    """
    window: Window = _attr(table, "cctv_by_ward")
    borough = _attr(table, "cctv_by_ward", "borough")
    wards = table[table["ward_name"] != GRAND_TOTAL]
    total = int(table.loc[table["ward_name"] == GRAND_TOTAL, "count"].iloc[0])
    board = pd.DataFrame({
        "Ward": table["ward_name"].astype(str).to_numpy(),
        "Number of Incidents": [_count_text(c) for c in table["count"]],
        "% of incidents": [_share_text(s) for s in table["share_rounded"]],
    })
    notes = [] if total == 0 else [n for n in [shares_note(wards)] if n]
    text = [f"I{_in_period(window)[1:]} there {_plural(total, 'was', 'were')} "
            f"{_count_text(total)} {_plural(total, 'incident', 'incidents')} captured by CCTV "
            f"in {borough}."]
    top = wards[wards["count"] > 0].sort_values(["count", "ward_name"],
                                               ascending=[False, True]).head(3)
    if len(top):
        parts = [f"{r.ward_name} ({format_share(r.share_rounded)})" for r in top.itertuples()]
        joined = parts[0] + "".join(
            f", {'followed by' if i == 1 else 'then'} {p}" for i, p in enumerate(parts[1:], 1))
        text.append(f"The largest percentage of CCTV incidents were captured in {joined}.")
    return BoardTable(f"CCTV Incidents by Ward: {_period_phrase(window)}", window.label, board,
                      tuple(notes), tuple(text))


def cctv_ward_by_type(cctv: pd.DataFrame, start: str | pd.Period, end: str | pd.Period,
                      borough: str, scheme: str = "2022") -> pd.DataFrame:
    """Ward by incident type counts, all wards and all 25 types, with totals.

    Returns
    -------
    pandas.DataFrame
        ``ward_code, ward_name``, one column per type in :data:`CCTV_INCIDENT_TYPES` order,
        then ``Total``; one row per ward (reference order, zeros included), ``"Ward not
        recorded"`` if needed, and a ``"Grand Total"`` row.

    Raises
    ------
    UnmappedCategoryError
        An incident type outside the 25 in the template.

    Examples
    --------
    >>> cctv = pd.DataFrame({"month": pd.PeriodIndex(["2023-05"] * 2, freq="M"),
    ...     "ward_code": ["E05013637", "E05013637"], "ward_name": ["Edgware"] * 2,
    ...     "incident_type": ["Public Disorder", "Theft"]})
    >>> m = cctv_ward_by_type(cctv, "2023-05", "2023-05", "Barnet").set_index("ward_name")
    >>> m.loc[["Edgware", "Grand Total"], ["Public Disorder", "Theft", "Alarm", "Total"]]
                 Public Disorder  Theft  Alarm  Total
    ward_name
    Edgware                    1      1      0      2
    Grand Total                1      1      0      2
    """
    window, rows, wards, out = _cctv_ward_table(cctv, start, end, borough, scheme, by_type=True)
    key = rows["ward_code"].astype(object).where(rows["ward_code"].notna(), _NOT_RECORDED)
    matrix = pd.crosstab(key, rows["incident_type"]) if len(rows) else pd.DataFrame()
    order = [c if pd.notna(c) else _NOT_RECORDED for c in wards["ward_code"]]
    matrix = matrix.reindex(index=order, columns=list(CCTV_INCIDENT_TYPES), fill_value=0)
    matrix = matrix.fillna(0).astype(np.int64)
    for col in CCTV_INCIDENT_TYPES:
        out[col] = matrix[col].to_numpy(dtype=np.int64)
    out["Total"] = out[list(CCTV_INCIDENT_TYPES)].sum(axis=1).astype(np.int64)
    columns = [*CCTV_INCIDENT_TYPES, "Total"]
    out = _with_grand_total(out, out[columns].sum(axis=0).astype(np.int64).tolist(), columns)
    return _with_attrs(out, "cctv_ward_by_type", window=window)


def format_cctv_ward_by_type(table: pd.DataFrame) -> BoardTable:
    """The board's "Number of CCTV Incidents by Ward" matrix, with each big ward's top type.

    Examples
    --------
    >>> cctv = pd.DataFrame({"month": pd.PeriodIndex(["2023-05"] * 3, freq="M"),
    ...     "ward_code": ["E05013637"] * 3, "ward_name": ["Edgware"] * 3,
    ...     "incident_type": ["Public Disorder", "Public Disorder", "Theft"]})
    >>> board = format_cctv_ward_by_type(cctv_ward_by_type(cctv, "2023-05", "2023-05", "Barnet"))
    >>> board.table.columns[[0, 1, -1]].tolist(), board.text
    (['LBB Ward', 'Alarm', 'Total'], ('In Edgware, the largest number of CCTV incidents \
captured was for Public Disorder (2).',))
    """
    window: Window = _attr(table, "cctv_ward_by_type")
    columns = [*CCTV_INCIDENT_TYPES, "Total"]
    board = pd.DataFrame({"LBB Ward": table["ward_name"].astype(str).to_numpy()})
    for col in columns:
        board[col] = [_count_text(v) for v in table[col]]
    wards = table[~table["ward_name"].isin([GRAND_TOTAL, _NOT_RECORDED])]
    text = []
    top = wards[wards["Total"] > 0].sort_values(["Total", "ward_name"],
                                               ascending=[False, True]).head(3)
    for _, row in top.iterrows():
        counts = row[list(CCTV_INCIDENT_TYPES)].astype(np.int64)
        best = [t for t, c in counts.items() if c == counts.max()]
        text.append(f"In {row['ward_name']}, the largest number of CCTV incidents captured was "
                    f"for {' and '.join(best)} ({int(counts.max())}).")
    return BoardTable(f"Number of CCTV Incidents by Ward: {_period_phrase(window)}",
                      window.label, board, (), tuple(text))


def cctv_type_shares(cctv: pd.DataFrame, start: str | pd.Period,
                     end: str | pd.Period) -> pd.DataFrame:
    """Incidents per type with shares, largest first, as the board's narrative lists them.

    Returns
    -------
    pandas.DataFrame
        ``incident_type, count, share, share_rounded, rounding`` for all 25 types, sorted by
        count (descending), ties in the template's order.

    Examples
    --------
    >>> cctv = pd.DataFrame({"month": pd.PeriodIndex(["2023-05"] * 3, freq="M"),
    ...     "incident_type": ["Theft", "Alarm", "Theft"]})
    >>> cctv_type_shares(cctv, "2023-05", "2023-05")[["incident_type", "count",
    ...                                                 "share_rounded"]].head(3)
               incident_type  count  share_rounded
    0                  Theft      2           67.0
    1                  Alarm      1           33.0
    2  Anti-Social Behaviour      0            0.0
    """
    window, rows = _window_rows(cctv, ["month", "incident_type"], "cctv", start, end)
    _check_categories(rows["incident_type"], CCTV_INCIDENT_TYPES, "CCTV incident type(s)")
    counts = rows["incident_type"].value_counts().reindex(list(CCTV_INCIDENT_TYPES),
                                                          fill_value=0)
    table = _share_table(counts.astype(np.int64)).rename(columns={"label": "incident_type"})
    table["order"] = range(len(table))
    table = table.sort_values(["count", "order"], ascending=[False, True], kind="mergesort")
    table = table.drop(columns="order").reset_index(drop=True)
    table["incident_type"] = table["incident_type"].astype(object)
    return _with_attrs(table, "cctv_type_shares", window=window)


def cctv_type_sentences(table: pd.DataFrame, top: int = 6) -> list[str]:
    """The board's bullet points: "15% of CCTV incidents involved Public Disorder".

    Examples
    --------
    >>> cctv = pd.DataFrame({"month": pd.PeriodIndex(["2023-05"] * 3, freq="M"),
    ...     "incident_type": ["Theft", "Alarm", "Theft"]})
    >>> cctv_type_sentences(cctv_type_shares(cctv, "2023-05", "2023-05"))
    ['67% of CCTV incidents involved Theft', '33% of CCTV incidents involved Alarm']
    """
    _attr(table, "cctv_type_shares")
    rows = table[table["count"] > 0].head(top)
    return [f"{format_share(r.share_rounded)} of CCTV incidents involved {r.incident_type}"
            for r in rows.itertuples()]


def format_cctv_type_shares(table: pd.DataFrame) -> BoardTable:
    """Incidents by type as printed, with a Grand Total, the rounding note and the bullets.

    Examples
    --------
    >>> cctv = pd.DataFrame({"month": pd.PeriodIndex(["2023-05"] * 3, freq="M"),
    ...     "incident_type": ["Theft", "Alarm", "Theft"]})
    >>> format_cctv_type_shares(cctv_type_shares(cctv, "2023-05", "2023-05")).table.iloc[[0, -1]]
       Incident Type Number of Incidents % of incidents
    0          Theft                   2            67%
    25   Grand Total                   3           100%
    """
    window: Window = _attr(table, "cctv_type_shares")
    total = int(table["count"].sum())
    board = pd.DataFrame({
        "Incident Type": [*table["incident_type"].astype(str), GRAND_TOTAL],
        "Number of Incidents": [*(_count_text(c) for c in table["count"]), _count_text(total)],
        "% of incidents": [*(_share_text(s) for s in table["share_rounded"]),
                           "100%" if total else "-"],
    })
    notes = [n for n in [shares_note(table)] if n] if total else []
    return BoardTable(f"CCTV by Incident Type: {_period_phrase(window)}", window.label, board,
                      tuple(notes), tuple(cctv_type_sentences(table)))


def _days_monitored(window: Window) -> tuple[int, dict[int, int]]:
    days = pd.date_range(window.start.start_time.normalize(), window.end.end_time.normalize(),
                         freq="D")
    before = int((days < CONTROL_ROOM_24_7_FROM).sum())
    n = len(days)
    return n, {h: n - before if h in UNMONITORED_HOURS else n for h in range(24)}


def cctv_hour_profile(cctv: pd.DataFrame, start: str | pd.Period,
                      end: str | pd.Period) -> pd.DataFrame:
    """Incidents by hour of day, saying which hours the control room watched.

    Until 31 August 2022 the control room was staffed 12:00-04:00, so incidents between
    04:00 and 11:59 were not captured because nobody was looking, not because the streets
    were quiet; it has been staffed 24/7 since 1 September 2022.

    Returns
    -------
    pandas.DataFrame
        ``hour`` (0-23), ``label`` ("04:00-04:59"), ``count``, ``days`` (days in the window),
        ``days_monitored`` (days that hour was watched) and ``monitored`` (True only if it was
        watched on every day of the window).

    Examples
    --------
    >>> cctv = pd.DataFrame({"month": pd.PeriodIndex(["2022-07", "2022-07"], freq="M"),
    ...                      "hour": [13, 23]})
    >>> t = cctv_hour_profile(cctv, "2022-06", "2022-08")
    >>> t.loc[t["hour"].isin([3, 4, 11, 12]), ["label", "count", "days_monitored", "monitored"]]
              label  count  days_monitored  monitored
    3   03:00-03:59      0              92       True
    4   04:00-04:59      0               0      False
    11  11:00-11:59      0               0      False
    12  12:00-12:59      0              92       True
    """
    window, rows = _window_rows(cctv, ["month", "hour"], "cctv", start, end)
    hours = pd.to_numeric(rows["hour"], errors="raise")
    bad = hours[(hours < 0) | (hours > 23) | (hours != np.floor(hours))]
    if len(bad):
        raise ValueError(f"hour must be a whole number from 0 to 23, got {bad.iloc[0]!r}")
    counts = hours.astype(np.int64).value_counts().reindex(range(24), fill_value=0)
    n_days, monitored = _days_monitored(window)
    table = pd.DataFrame({
        "hour": np.arange(24, dtype=np.int64),
        "label": [f"{h:02d}:00-{h:02d}:59" for h in range(24)],
        "count": counts.to_numpy(dtype=np.int64),
        "days": n_days,
        "days_monitored": [monitored[h] for h in range(24)],
    })
    table["monitored"] = table["days_monitored"] == table["days"]
    return _with_attrs(table, "cctv_hour_profile", window=window)


def _hour_note(table: pd.DataFrame, window: Window) -> str:
    part = table[~table["monitored"]]
    if part.empty:
        return ""
    n_days = int(table["days"].iloc[0])
    unwatched = n_days - int(part["days_monitored"].iloc[0])
    first, last = int(part["hour"].min()), int(part["hour"].max())
    crosses = window.start.start_time < CONTROL_ROOM_24_7_FROM <= window.end.end_time
    when = (f"on {unwatched} of the {n_days} days in this window (before 1 September 2022)"
            if crosses else "on any day of this window")
    return (f"The control room was staffed 12:00-04:00 until 31 August 2022 and 24 hours a day "
            f"from 1 September 2022, so {first:02d}:00-{last:02d}:59 was not monitored {when}. "
            "Counts for those hours are not comparable with the rest of the day: fewer "
            "incidents there reflect, at least in part, when the cameras were watched.")


def format_cctv_hour_profile(table: pd.DataFrame) -> BoardTable:
    """Incidents by hour as printed, with the monitoring note when any hour was unwatched.

    Examples
    --------
    >>> cctv = pd.DataFrame({"month": pd.PeriodIndex(["2022-09"], freq="M"), "hour": [13]})
    >>> board = format_cctv_hour_profile(cctv_hour_profile(cctv, "2022-08", "2022-09"))
    >>> board.table.iloc[4].tolist(), board.notes
    (['04:00-04:59', '0', '30 of 61 days'], ('The control room ... 04:00-11:59 was not \
monitored on 31 of the 61 days in this window (before 1 September 2022). ...',))
    """
    window: Window = _attr(table, "cctv_hour_profile")

    def watched(row: pd.Series) -> str:
        if row["monitored"]:
            return "Yes"
        if row["days_monitored"] == 0:
            return "No"
        return f"{int(row['days_monitored'])} of {int(row['days'])} days"

    board = pd.DataFrame({
        "Hour": table["label"].to_numpy(dtype=object),
        "Number of Incidents": [_count_text(c) for c in table["count"]],
        "Monitored": [watched(r) for _, r in table.iterrows()],
    })
    notes = [n for n in [_hour_note(table, window)] if n]
    return BoardTable(f"CCTV Incidents by Hour of Day: {_period_phrase(window)}", window.label,
                      board, tuple(notes))


# The loader's tidy values of the template's Proactive/Reactive column are lower case.
_MODES = tuple(mode.lower() for mode in CCTV_MODES)


def cctv_mode(cctv: pd.DataFrame, start: str | pd.Period, end: str | pd.Period) -> pd.DataFrame:
    """Proactive (operator spotted) and reactive (police or council asked) incidents.

    Returns
    -------
    pandas.DataFrame
        ``mode, count, share, share_rounded, rounding``; a ``"not recorded"`` row is added
        when some incidents have no mode.

    Examples
    --------
    >>> cctv = pd.DataFrame({"month": pd.PeriodIndex(["2023-05"] * 4, freq="M"),
    ...                      "mode": ["reactive", "reactive", "reactive", "proactive"]})
    >>> cctv_mode(cctv, "2023-05", "2023-05")[["mode", "count", "share_rounded"]]
            mode  count  share_rounded
    0  proactive      1           25.0
    1   reactive      3           75.0
    """
    window, rows = _window_rows(cctv, ["month", "mode"], "cctv", start, end)
    _check_categories(rows["mode"], _MODES, "CCTV mode(s)")
    counts = rows["mode"].value_counts().reindex(list(_MODES), fill_value=0)
    missing = int(rows["mode"].isna().sum())
    if missing:
        counts.loc["not recorded"] = missing
    table = _share_table(counts.astype(np.int64)).rename(columns={"label": "mode"})
    table["mode"] = table["mode"].astype(object)
    return _with_attrs(table, "cctv_mode", window=window)


def format_cctv_mode(table: pd.DataFrame) -> BoardTable:
    """Proactive and reactive incidents as printed, with a sentence on which is larger.

    Examples
    --------
    >>> cctv = pd.DataFrame({"month": pd.PeriodIndex(["2023-05"] * 4, freq="M"),
    ...                      "mode": ["reactive", "reactive", "reactive", "proactive"]})
    >>> format_cctv_mode(cctv_mode(cctv, "2023-05", "2023-05")).text
    ('75% of CCTV incidents captured were reactive (the police or the council asked the \
control room for assistance).',)
    """
    window: Window = _attr(table, "cctv_mode")
    total = int(table["count"].sum())
    board = pd.DataFrame({
        "Incident": [*(m.capitalize() for m in table["mode"]), GRAND_TOTAL],
        "Number of Incidents": [*(_count_text(c) for c in table["count"]), _count_text(total)],
        "% of incidents": [*(_share_text(s) for s in table["share_rounded"]),
                           "100%" if total else "-"],
    })
    text = []
    counts = table.set_index("mode")["count"]
    reactive, proactive = int(counts.get("reactive", 0)), int(counts.get("proactive", 0))
    if reactive > proactive:
        share = table.set_index("mode").loc["reactive", "share_rounded"]
        text.append(f"{format_share(share)} of CCTV incidents captured were reactive (the police "
                    "or the council asked the control room for assistance).")
    elif proactive > reactive:
        share = table.set_index("mode").loc["proactive", "share_rounded"]
        text.append(f"{format_share(share)} of CCTV incidents captured were proactive (spotted "
                    "by control room operators).")
    notes = [n for n in [shares_note(table)] if n] if total else []
    return BoardTable(f"Proactive or Reactive Incidents: {_period_phrase(window)}", window.label,
                      board, tuple(notes), tuple(text))


# ---------------------------------------------------------------------------------------------
# ASB tools and powers, FPNs, Community Trigger


def asb_outcomes_by_month(outcomes: pd.DataFrame, start: str | pd.Period,
                          end: str | pd.Period) -> pd.DataFrame:
    """ASB tools and powers outcomes per month, every month and outcome listed.

    Returns
    -------
    pandas.DataFrame
        ``month`` (Period) and one count column per outcome in :data:`ASB_OUTCOMES` order.

    Examples
    --------
    >>> outcomes = pd.DataFrame({"month": pd.PeriodIndex(["2023-03", "2023-03"], freq="M"),
    ...                          "outcome": ["CPN Written Warning", "PSPO"]})
    >>> asb_outcomes_by_month(outcomes, "2023-03", "2023-04")[["month", "CPN Written Warning",
    ...                                                       "PSPO", "CPN"]]
         month  CPN Written Warning  PSPO  CPN
    0  2023-03                    1     1    0
    1  2023-04                    0     0    0
    """
    window, rows = _window_rows(outcomes, ["month", "outcome"], "outcomes", start, end)
    _check_categories(rows["outcome"], ASB_OUTCOMES, "ASB outcome(s)")
    matrix = pd.crosstab(_months_of(rows), rows["outcome"]) if len(rows) else pd.DataFrame()
    matrix = matrix.reindex(index=window.months, columns=list(ASB_OUTCOMES), fill_value=0)
    table = pd.DataFrame({"month": window.months})
    for col in ASB_OUTCOMES:
        table[col] = matrix[col].fillna(0).to_numpy(dtype=np.int64)
    return _with_attrs(table, "asb_outcomes_by_month", window=window)


def format_asb_outcomes_by_month(table: pd.DataFrame) -> BoardTable:
    """The board's "ASB Tools and Powers Outcomes" table, with its key as notes.

    Examples
    --------
    >>> months = pd.period_range("2023-03", periods=2, freq="M")
    >>> outcomes = pd.DataFrame({"month": months, "outcome": ["PSPO", "CPN"]})
    >>> board = format_asb_outcomes_by_month(asb_outcomes_by_month(outcomes, "2023-03",
    ...                                                            "2023-04"))
    >>> board.title
    'ASB Tools and Powers Outcomes: March 2023 to April 2023'
    >>> board.table.columns.tolist()
    ['Month', 'Injunction', 'CBO', 'CPN Written Warning', 'CPN', 'CPN Breached', 'PSPO', 'PCO']
    """
    window: Window = _attr(table, "asb_outcomes_by_month")
    board = pd.DataFrame({"Month": [month_label(m) for m in table["month"]]})
    for col in ASB_OUTCOMES:
        board[BOARD_ABBREVIATIONS.get(col, col)] = [_count_text(v) for v in table[col]]
    return BoardTable(f"ASB Tools and Powers Outcomes: {window.label}", window.label, board,
                      _ASB_KEY)


_FPN_CODE = re.compile(r"^\s*CST\s*0?(\d{1,2})\s*$", re.IGNORECASE)


def _fpn_code(value: object) -> str:
    match = _FPN_CODE.match(str(value))
    code = f"CST{int(match.group(1)):02d}" if match else str(value)
    if code not in FPN_OFFENCES:
        raise UnmappedCategoryError(f"FPN offence code {value!r} is not one of CST01 to CST17")
    return code


def fpn_by_code(fpn: pd.DataFrame, start: str | pd.Period, end: str | pd.Period) -> pd.DataFrame:
    """Fixed Penalty Notices per offence code, CST01 to CST17, zeros included.

    Codes typed as ``"CST 15"`` or ``"cst9"`` are read as ``CST15`` and ``CST09``.

    Returns
    -------
    pandas.DataFrame
        ``offence_code, offence, count, share, share_rounded, rounding``.

    Examples
    --------
    >>> fpn = pd.DataFrame({"month": pd.PeriodIndex(["2023-04"] * 3, freq="M"),
    ...                     "offence_code": ["CST01", "CST 09", "CST01"]})
    >>> t = fpn_by_code(fpn, "2023-03", "2023-05").set_index("offence_code")
    >>> t.loc[["CST01", "CST09"], "count"].tolist(), int(t["count"].sum()), len(t)
    ([2, 1], 3, 17)
    """
    window, rows = _window_rows(fpn, ["month", "offence_code"], "fpn", start, end)
    codes = rows["offence_code"].map(_fpn_code)
    counts = codes.value_counts().reindex(list(FPN_OFFENCES), fill_value=0).astype(np.int64)
    table = _share_table(counts).rename(columns={"label": "offence_code"})
    table["offence_code"] = table["offence_code"].astype(object)
    table.insert(1, "offence", [FPN_OFFENCES[c] for c in table["offence_code"]])
    return _with_attrs(table, "fpn_by_code", window=window)


def format_fpn_by_code(table: pd.DataFrame) -> BoardTable:
    """FPNs by offence code as printed, with a Grand Total and the rounding note.

    Examples
    --------
    >>> fpn = pd.DataFrame({"month": pd.PeriodIndex(["2023-04"], freq="M"),
    ...                     "offence_code": ["CST01"]})
    >>> board = format_fpn_by_code(fpn_by_code(fpn, "2023-03", "2023-05"))
    >>> board.title, board.table.iloc[-1].tolist()
    ('Fixed Penalty Notices: 3 months of March 2023 to May 2023', ['Grand Total', '', '1', \
'100%'])
    """
    window: Window = _attr(table, "fpn_by_code")
    total = int(table["count"].sum())
    board = pd.DataFrame({
        "Offence Code": [*table["offence_code"], GRAND_TOTAL],
        "Offence": [*table["offence"], ""],
        "Number of FPNs": [*(_count_text(c) for c in table["count"]), _count_text(total)],
        "% of FPNs": [*(_share_text(s) for s in table["share_rounded"]),
                      "100%" if total else "-"],
    })
    notes = [n for n in [shares_note(table)] if n] if total else []
    text = (f"There {_plural(total, 'was', 'were')} {_count_text(total)} "
            f"{_plural(total, 'FPN', 'FPNs')} issued {_in_period(window)}.")
    return BoardTable(f"Fixed Penalty Notices: {_period_phrase(window)}", window.label, board,
                      tuple(notes), (text,))


def community_triggers(ct: pd.DataFrame, start: str | pd.Period,
                       end: str | pd.Period) -> pd.DataFrame:
    """Community Trigger applications received in the window and their decisions.

    Applications are counted by the month they were received; one without a decision yet
    counts as pending.

    Returns
    -------
    pandas.DataFrame
        ``measure, count``: ``Applications received`` then one row per decision in
        :data:`TRIGGER_DECISIONS`.

    Examples
    --------
    >>> ct = pd.DataFrame({"month": pd.PeriodIndex(["2022-05", "2022-06"], freq="M"),
    ...                    "decision": ["Threshold met", None]})
    >>> community_triggers(ct, "2022-04", "2022-06")
                     measure  count
    0  Applications received      2
    1          Threshold met      1
    2      Threshold not met      0
    3                Pending      1
    """
    window, rows = _window_rows(ct, ["month", "decision"], "community_trigger", start, end)
    _check_categories(rows["decision"], TRIGGER_DECISIONS, "Community Trigger decision(s)")
    decisions = rows["decision"].astype(object).where(rows["decision"].notna(), "Pending")
    counts = decisions.value_counts().reindex(list(TRIGGER_DECISIONS), fill_value=0)
    table = pd.DataFrame({
        "measure": ["Applications received", *TRIGGER_DECISIONS],
        "count": np.array([len(rows), *counts.tolist()], dtype=np.int64),
    })
    return _with_attrs(table, "community_triggers", window=window)


def format_community_triggers(table: pd.DataFrame) -> BoardTable:
    """Community Triggers as printed, the sentence naming the same period as the heading.

    Examples
    --------
    >>> ct = pd.DataFrame({"month": pd.PeriodIndex([], freq="M"), "decision": []})
    >>> board = format_community_triggers(community_triggers(ct, "2023-03", "2023-05"))
    >>> board.title
    'Community Trigger: 3 months of March 2023 to May 2023'
    >>> board.text[0]
    'There were 0 Community Trigger applications received in the 3 months of March 2023 to \
May 2023.'
    """
    window: Window = _attr(table, "community_triggers")
    counts = table.set_index("measure")["count"]
    received = int(counts["Applications received"])
    board = pd.DataFrame({"Community Trigger": table["measure"].to_numpy(dtype=object),
                          "Number": [_count_text(c) for c in table["count"]]})
    text = [f"There {_plural(received, 'was', 'were')} {received} Community Trigger "
            f"{_plural(received, 'application', 'applications')} received "
            f"{_in_period(window)}."]
    if received:
        met, not_met = int(counts["Threshold met"]), int(counts["Threshold not met"])
        pending = int(counts["Pending"])
        text.append(f"{met} met the threshold, {not_met} did not and {pending} "
                    f"{_plural(pending, 'is', 'are')} pending.")
    notes = ("Community Triggers give victims and communities the right to request a review of "
             "their case where the local threshold is met.",)
    return BoardTable(f"Community Trigger: {_period_phrase(window)}", window.label, board, notes,
                      tuple(text))


# ---------------------------------------------------------------------------------------------
# CS MARAC


_CSMARAC_MEASURES = (("cases_heard", "Cases heard"), ("new_cases", "New cases"),
                     ("closed_cases", "Closed cases"))


def csmarac_meetings(csmarac: pd.DataFrame, start: str | pd.Period,
                     end: str | pd.Period) -> pd.DataFrame:
    """CS MARAC meetings in the window, each checked against the stock-flow identity.

    Cases heard at a meeting should equal the cases heard at the previous meeting, less the
    cases closed there, plus the new cases: ``heard[t] = heard[t-1] - closed[t-1] + new[t]``.
    The previous meeting may fall before the window; the first meeting in the data has nothing
    to check against.

    Returns
    -------
    pandas.DataFrame
        ``meeting_date, month, cases_heard, new_cases, closed_cases``, the previous meeting's
        ``previous_cases_heard, previous_closed_cases``, ``expected_cases_heard`` (all Int64,
        missing for the first meeting in the data) and ``stock_flow_ok`` (boolean).

    Examples
    --------
    >>> m = pd.DataFrame({"meeting_date": pd.to_datetime(["2022-07-21", "2022-09-01"]),
    ...     "cases_heard": [23, 16], "new_cases": [3, 2], "closed_cases": [10, 2]})
    >>> csmarac_meetings(m, "2022-04", "2023-03")[["month", "expected_cases_heard",
    ...                                            "stock_flow_ok"]]
         month  expected_cases_heard  stock_flow_ok
    0  2022-07                  <NA>           <NA>
    1  2022-09                    15          False
    """
    _require(csmarac, ["meeting_date", "cases_heard", "new_cases", "closed_cases"], "csmarac")
    window = _window(start, end)
    data = csmarac.copy()
    data["meeting_date"] = pd.to_datetime(data["meeting_date"])
    data = data.sort_values("meeting_date", kind="mergesort").reset_index(drop=True)
    for col, _ in _CSMARAC_MEASURES:
        values = pd.to_numeric(data[col], errors="raise")
        if (values < 0).any() or values.isna().any():
            raise ValueError(f"csmarac {col} must be whole numbers of 0 or more")
        data[col] = values.astype(np.int64)
    previous_heard = data["cases_heard"].shift(1).astype("Int64")
    previous_closed = data["closed_cases"].shift(1).astype("Int64")
    expected = previous_heard - previous_closed + data["new_cases"]
    out = pd.DataFrame({
        "meeting_date": data["meeting_date"],
        "month": data["meeting_date"].dt.to_period("M"),
        "cases_heard": data["cases_heard"],
        "new_cases": data["new_cases"],
        "closed_cases": data["closed_cases"],
        "previous_cases_heard": previous_heard,
        "previous_closed_cases": previous_closed,
        "expected_cases_heard": expected,
        "stock_flow_ok": (data["cases_heard"].astype("Int64") == expected).astype("boolean"),
    })
    out = _in_window(out, window).reset_index(drop=True)
    return _with_attrs(out, "csmarac_meetings", window=window)


def csmarac_averages(csmarac: pd.DataFrame, start: str | pd.Period,
                     end: str | pd.Period) -> pd.DataFrame:
    """Averages per meeting and per calendar month, stated separately.

    The CS MARAC meets about every six weeks, so a year has 8 or 9 meetings in 12 months and
    the two averages differ by about a third; the July 2023 slide printed the per-meeting
    average (about 20 cases heard) as "per month".

    Returns
    -------
    pandas.DataFrame
        ``measure, total, meetings, per_meeting, months, per_month`` (exact averages; the
        formatter rounds them half up).

    Examples
    --------
    >>> m = pd.DataFrame({"meeting_date": pd.to_datetime(["2022-04-21", "2022-06-09"]),
    ...     "cases_heard": [26, 23], "new_cases": [7, 5], "closed_cases": [8, 3]})
    >>> csmarac_averages(m, "2022-04", "2022-06")
            measure  total  meetings  per_meeting  months  per_month
    0   Cases heard     49         2         24.5       3  16.333333
    1     New cases     12         2          6.0       3   4.000000
    2  Closed cases     11         2          5.5       3   3.666667
    """
    meetings = csmarac_meetings(csmarac, start, end)
    window: Window = meetings.attrs["window"]
    n = len(meetings)
    rows = []
    for col, label in _CSMARAC_MEASURES:
        total = int(meetings[col].sum())
        rows.append({"measure": label, "total": total, "meetings": n,
                     "per_meeting": total / n if n else np.nan, "months": window.n_months,
                     "per_month": total / window.n_months})
    table = pd.DataFrame(rows)
    return _with_attrs(table, "csmarac_averages", window=window)


def _meeting_labels(dates: pd.Series) -> list[str]:
    months = dates.dt.strftime("%b-%y")
    if months.duplicated().any():
        return dates.dt.strftime("%d-%b-%y").tolist()
    return months.tolist()


def format_csmarac_meetings(table: pd.DataFrame) -> BoardTable:
    """Table 1 of the board report (meetings as columns), the averages and the check.

    Examples
    --------
    >>> m = pd.DataFrame({"meeting_date": pd.to_datetime(["2022-07-21", "2022-09-01"]),
    ...     "cases_heard": [23, 16], "new_cases": [3, 2], "closed_cases": [10, 2]})
    >>> board = format_csmarac_meetings(csmarac_meetings(m, "2022-07", "2022-09"))
    >>> board.table
                          Month Jul-22 Sep-22
    0         Cases on CS MARAC     23     16
    1  New Cases on CS MARAC      3      2
    2  Closed Cases on CS MARAC     10      2
    3  Expected cases (previous heard - closed + new)      -     15
    >>> board.notes[0]
    'Cases heard at the meeting of 1 September 2022 (16) do not equal the 23 heard at the \
previous meeting less 10 closed plus 2 new (15); check the meeting records.'
    """
    window: Window = _attr(table, "csmarac_meetings")
    labels = _meeting_labels(table["meeting_date"])
    rows = {
        "Cases on CS MARAC": table["cases_heard"],
        "New Cases on CS MARAC": table["new_cases"],
        "Closed Cases on CS MARAC": table["closed_cases"],
        "Expected cases (previous heard - closed + new)": table["expected_cases_heard"],
    }
    board = pd.DataFrame(
        [[name, *("-" if pd.isna(v) else _count_text(v) for v in values)]
         for name, values in rows.items()],
        columns=["Month", *labels])
    notes = []
    for _, row in table.iterrows():
        if row["stock_flow_ok"] is pd.NA or bool(row["stock_flow_ok"]):
            continue
        day = row["meeting_date"]
        notes.append(f"Cases heard at the meeting of {day.day} {day:%B %Y} "
                     f"({int(row['cases_heard'])}) do not equal the "
                     f"{int(row['previous_cases_heard'])} heard at the previous meeting less "
                     f"{int(row['previous_closed_cases'])} closed plus {int(row['new_cases'])} "
                     f"new ({int(row['expected_cases_heard'])}); check the meeting records.")
    text = list(_csmarac_sentences(table, window))
    return BoardTable(f"Community Safety MARAC Cases: {window.label}", window.label, board,
                      tuple(notes), tuple(text))


def _csmarac_sentences(table: pd.DataFrame, window: Window) -> Iterable[str]:
    n = len(table)
    held = set(table["month"])
    without = [m for m in window.months if m not in held]
    months = f"{window.n_months} {_plural(window.n_months, 'month', 'months')}"
    sentence = (f"I{_in_period(window)[1:]} there {_plural(n, 'was', 'were')} {n} CS MARAC "
                f"{_plural(n, 'meeting', 'meetings')}")
    if without:
        sentence += f"; there was no meeting in {month_ranges(without)}"
    yield sentence + "."
    if not n:
        return
    averages = {col: int(table[col].sum()) for col, _ in _CSMARAC_MEASURES}
    per_meeting = ", ".join(
        f"{round_half_up(Fraction(averages[col], n), 1):.1f} {label.lower()}"
        for col, label in _CSMARAC_MEASURES)
    per_month = ", ".join(
        f"{round_half_up(Fraction(averages[col], window.n_months), 1):.1f} {label.lower()}"
        for col, label in _CSMARAC_MEASURES)
    yield f"Average per meeting ({n} {_plural(n, 'meeting', 'meetings')}): {per_meeting}."
    yield f"Average per calendar month ({months}): {per_month}."


# ---------------------------------------------------------------------------------------------
# Prevent


def _prevent_counts(rows: pd.DataFrame) -> dict[str, int]:
    counts = {"Total referrals": len(rows)}
    for column, values in (("age_band", PREVENT_AGE_BANDS), ("sex", PREVENT_SEXES),
                           ("ideology", PREVENT_IDEOLOGIES)):
        found = rows[column].value_counts()
        counts.update({v: int(found.get(v, 0)) for v in values})
    return counts


_PREVENT_GROUPS = (("Total referrals", "total"),
                   *((v, "age") for v in PREVENT_AGE_BANDS),
                   *((v, "sex") for v in PREVENT_SEXES),
                   *((v, "ideology") for v in PREVENT_IDEOLOGIES))
# Rows the board always shows; "Not known" and "Other" only when either quarter has any.
_PREVENT_OPTIONAL = ("Not known", "Other")


def _prevent_quarter(prevent: pd.DataFrame, quarter: str) -> tuple[pd.DataFrame, Window]:
    window = fy_quarter_window(quarter)
    return _in_window(prevent, window), window


def prevent_quarter_comparison(prevent: pd.DataFrame,
                               quarter: str = "Q4 2022/23") -> pd.DataFrame:
    """Prevent referrals in a quarter and the same quarter a year earlier, with % change.

    Parameters
    ----------
    prevent : pandas.DataFrame
        Tidy Prevent referrals with ``month, age_band, sex, ideology``.
    quarter : str
        Financial-year quarter, ``"Q4 2022/23"`` (January to March 2023).

    Returns
    -------
    pandas.DataFrame
        ``measure, group, previous, current`` (counts), ``previous_share, current_share``
        (exact percent of the quarter's referrals), ``pct_change`` (one decimal, half up; NaN
        from a zero base), ``pct_change_text`` (``"-32.0%"``, ``"n/a (up from 0)"``) and
        ``direction``. The July 2023 slide labels "18 and over" as "Over 18", "Islamist" as
        "Islam Inspired" and "Extreme Right Wing" as "Far Right".

    Examples
    --------
    >>> prevent = pd.DataFrame({"month": pd.PeriodIndex(["2022-02", "2022-03", "2023-01"],
    ...     freq="M"), "age_band": ["Under 18", "18 and over", "Under 18"],
    ...     "sex": ["Male", "Male", "Female"], "ideology": ["Islamist", "Other", "Islamist"]})
    >>> t = prevent_quarter_comparison(prevent, "Q4 2022/23")
    >>> t[["measure", "previous", "current", "pct_change_text"]]
                      measure  previous  current  pct_change_text
    0         Total referrals         2        1           -50.0%
    1                Under 18         1        1             0.0%
    2             18 and over         1        0          -100.0%
    3                    Male         2        0          -100.0%
    4                  Female         0        1  n/a (up from 0)
    5                Islamist         1        1             0.0%
    6      Extreme Right Wing         0        0  n/a (0 in both periods)
    7  Mixed/Unclear/Unstable         0        0  n/a (0 in both periods)
    8                   Other         1        0          -100.0%
    """
    _require(prevent, ["month", "age_band", "sex", "ideology"], "prevent")
    for column, allowed in (("age_band", PREVENT_AGE_BANDS), ("sex", PREVENT_SEXES),
                            ("ideology", PREVENT_IDEOLOGIES)):
        _check_categories(prevent[column], allowed, f"Prevent {column.replace('_', ' ')}(s)")
    current_rows, window = _prevent_quarter(prevent, quarter)
    previous_label = fy_quarter(window.start - 12)
    previous_rows = _in_window(prevent, window.shift(-12))
    cur, prev = _prevent_counts(current_rows), _prevent_counts(previous_rows)
    rows = []
    for measure, group in _PREVENT_GROUPS:
        if measure in _PREVENT_OPTIONAL and not (cur[measure] or prev[measure]):
            continue
        pct = percent_change(cur[measure], prev[measure])
        text = format_percent_change(cur[measure], prev[measure])
        rows.append({
            "measure": measure, "group": group,
            "previous": prev[measure], "current": cur[measure],
            "previous_share": (float(Fraction(prev[measure] * 100, prev["Total referrals"]))
                               if prev["Total referrals"] else np.nan),
            "current_share": (float(Fraction(cur[measure] * 100, cur["Total referrals"]))
                              if cur["Total referrals"] else np.nan),
            "pct_change": np.nan if pct is None else pct,
            "pct_change_text": text if text.startswith("n/a") else f"{text}%",
            "direction": direction_of_change(cur[measure], prev[measure]),
        })
    table = pd.DataFrame(rows)
    for col in ("previous", "current"):
        table[col] = table[col].astype(np.int64)
    return _with_attrs(table, "prevent_quarter_comparison", window=window, quarter=quarter,
                       previous_quarter=previous_label)


def _fy_short(quarter: str) -> str:
    """'Q4 2022/23' -> 'Q4 22/23', the board's column heading."""
    q, fy = quarter.split()
    return f"{q} {fy[2:]}"


def format_prevent_quarter_comparison(table: pd.DataFrame) -> BoardTable:
    """The board's Prevent quarterly comparison, with sentences from the same counts.

    Examples
    --------
    >>> prevent = pd.DataFrame({"month": pd.PeriodIndex(["2022-02", "2022-03", "2023-01"],
    ...     freq="M"), "age_band": ["Under 18", "18 and over", "Under 18"],
    ...     "sex": ["Male", "Male", "Female"], "ideology": ["Islamist", "Other", "Islamist"]})
    >>> board = format_prevent_quarter_comparison(prevent_quarter_comparison(prevent))
    >>> board.table.columns.tolist()
    ['Prevent in Barnet', 'Barnet Q4 21/22', 'Barnet Q4 22/23', '% change']
    >>> board.text[0]
    'There was 1 Prevent referral in Barnet in Q4 2022/23 (January 2023 to March 2023). In \
the same quarter of the previous year there were 2: a decrease of 50.0%.'
    """
    window: Window = _attr(table, "prevent_quarter_comparison")
    quarter, previous = table.attrs["quarter"], table.attrs["previous_quarter"]
    board = pd.DataFrame({
        "Prevent in Barnet": table["measure"].to_numpy(dtype=object),
        f"Barnet {_fy_short(previous)}": [_count_text(v) for v in table["previous"]],
        f"Barnet {_fy_short(quarter)}": [_count_text(v) for v in table["current"]],
        "% change": table["pct_change_text"].to_numpy(dtype=object),
    })
    total = table.iloc[0]
    cur, prev = int(total["current"]), int(total["previous"])
    first = (f"There {_plural(cur, 'was', 'were')} {cur} Prevent "
             f"{_plural(cur, 'referral', 'referrals')} in Barnet in {quarter} ({window.label}). "
             f"In the same quarter of the previous year there {_plural(prev, 'was', 'were')} "
             f"{prev}")
    if total["direction"] == "no change":
        first += ": no change."
    elif pd.isna(total["pct_change"]):
        first += "."
    else:
        first += f": {'an' if total['direction'] == 'increase' else 'a'} {total['direction']} "
        first += f"of {abs(total['pct_change']):.1f}%."
    text = [first]
    for row in table.iloc[1:].itertuples():
        if row.direction == "no change" or pd.isna(row.pct_change):
            continue
        text.append(f"{row.measure} referrals: {row.direction} of {abs(row.pct_change):.1f}% "
                    f"(from {row.previous} in {previous} to {row.current} in {quarter}).")
    shown = set(table["measure"])
    breakdowns = [" + ".join(v for v in group if v in shown)
                  for group in (PREVENT_AGE_BANDS, PREVENT_SEXES, PREVENT_IDEOLOGIES)]
    parts = "parts: Total referrals = " + " | ".join(b for b in breakdowns if b)
    return BoardTable(f"Prevent referrals: {quarter} compared with {previous}", quarter, board,
                      (), tuple(text), (parts,))


def prevent_vs_national(prevent: pd.DataFrame, quarter: str,
                        national: Mapping[str, float]) -> pd.DataFrame:
    """Barnet's shares of referrals in a quarter against national shares, in pp.

    Parameters
    ----------
    prevent : pandas.DataFrame
        Tidy Prevent referrals.
    quarter : str
        The Barnet quarter, e.g. ``"Q4 2022/23"``.
    national : mapping of str to float
        National percentages keyed by measure (``"Under 18"``, ``"18 and over"``, ``"Male"``,
        ``"Female"``, ``"Not known"``, ``"Islamist"``, ``"Extreme Right Wing"``,
        ``"Mixed/Unclear/Unstable"``, ``"Other"``), e.g. ``{"Under 18": 48.7}`` for 48.7%.

    Returns
    -------
    pandas.DataFrame
        ``measure, barnet_count, barnet_total, barnet_share, national_share, difference_pp``
        (exact) and ``difference_text`` (``"+16.0 pp"``, from
        :func:`~scpb_analysis.core.rounding.percentage_point_change`), one row per national
        measure given, in the board's order.

    Examples
    --------
    >>> prevent = pd.DataFrame({"month": pd.PeriodIndex(["2023-01"] * 4, freq="M"),
    ...     "age_band": ["Under 18"] * 3 + ["18 and over"], "sex": ["Male"] * 4,
    ...     "ideology": ["Islamist"] * 4})
    >>> prevent_vs_national(prevent, "Q4 2022/23", {"Under 18": 60, "Male": 100})[
    ...     ["measure", "barnet_share", "national_share", "difference_text"]]
        measure  barnet_share  national_share difference_text
    0  Under 18          75.0            60.0        +15.0 pp
    1      Male         100.0           100.0          0.0 pp
    """
    _require(prevent, ["month", "age_band", "sex", "ideology"], "prevent")
    measures = [m for m, g in _PREVENT_GROUPS if g != "total"]
    unknown = [k for k in national if k not in measures]
    if unknown:
        raise ValueError(f"national shares given for {', '.join(map(repr, unknown))}; expected "
                         f"measures among {', '.join(map(repr, measures))}")
    rows_in, window = _prevent_quarter(prevent, quarter)
    counts = _prevent_counts(rows_in)
    total = counts["Total referrals"]
    if total == 0:
        raise ValueError(f"there are no Prevent referrals in {quarter} ({window.label}), so "
                         "there are no shares to compare")
    rows = []
    for measure in (m for m in measures if m in national):
        share = Fraction(counts[measure] * 100, total)
        rows.append({
            "measure": measure, "barnet_count": counts[measure], "barnet_total": total,
            "barnet_share": float(share), "national_share": float(national[measure]),
            "difference_pp": float(share - Fraction(str(national[measure]))),
            "difference_text": percentage_point_change(share, national[measure]),
        })
    table = pd.DataFrame(rows)
    return _with_attrs(table, "prevent_vs_national", window=window, quarter=quarter)


def format_prevent_vs_national(table: pd.DataFrame,
                               national_label: str = "National") -> BoardTable:
    """Barnet vs national shares as printed, differences in pp (never "%").

    Examples
    --------
    >>> prevent = pd.DataFrame({"month": pd.PeriodIndex(["2023-01"] * 4, freq="M"),
    ...     "age_band": ["Under 18"] * 3 + ["18 and over"], "sex": ["Male"] * 4,
    ...     "ideology": ["Islamist"] * 4})
    >>> t = prevent_vs_national(prevent, "Q4 2022/23", {"Under 18": 60})
    >>> format_prevent_vs_national(t, "National 2021/22").table
        Measure Barnet Q4 2022/23 National 2021/22 Percentage point difference
    0  Under 18             75.0%            60.0%                    +15.0 pp
    """
    window: Window = _attr(table, "prevent_vs_national")
    quarter = table.attrs["quarter"]
    board = pd.DataFrame({
        "Measure": table["measure"].to_numpy(dtype=object),
        f"Barnet {quarter}": [format_share(Fraction(int(c) * 100, int(t)), 1) for c, t in
                              zip(table["barnet_count"], table["barnet_total"], strict=True)],
        national_label: [format_share(v, 1) for v in table["national_share"]],
        "Percentage point difference": table["difference_text"].to_numpy(dtype=object),
    })
    notes = ("Differences are in percentage points (pp): the Barnet share minus the national "
             "share, each a percentage of all referrals.",)
    return BoardTable(f"Prevent referrals: Barnet {quarter} vs {national_label}", window.label,
                      board, notes)


# ---------------------------------------------------------------------------------------------
# DA MARAC


def _quarter_start(label: str) -> pd.Period:
    return fy_quarter_window(label).start


def _flags(values: pd.Series, name: str) -> np.ndarray:
    # A "Y"/"N" column cast with astype(bool) would be all True, so insist on real booleans.
    bad = [v for v in values.unique() if pd.isna(v) or v not in (True, False)]
    if bad:
        raise ValueError(f"damarac {name} must be True or False (the loader maps Y/N), got "
                         f"{bad[0]!r}")
    return values.astype(bool).to_numpy()


def damarac_by_quarter(damarac: pd.DataFrame, start: str | pd.Period | None = None,
                       end: str | pd.Period | None = None) -> pd.DataFrame:
    """DA MARAC referrals per financial-year quarter, repeats and children.

    Every quarter from the first to the last referral is listed (0 where there were none);
    ``months_covered`` says how many of a quarter's months lie between the first and the last
    month with a referral (the data's apparent span), so a part quarter at either end is not
    read as a fall.

    Parameters
    ----------
    damarac : pandas.DataFrame
        Tidy DA MARAC referrals with ``month, repeat, children_in_household,
        family_with_children``.
    start, end : str or pandas.Period, optional
        First and last month counted, like every other table's period: referrals outside are
        left out, and the span runs to ``end`` at most. Default: all the data.

    Returns
    -------
    pandas.DataFrame
        ``quarter, months_covered, referrals, repeat_referrals, repeat_pct`` (one decimal,
        half up; NaN with no referrals), ``referrals_with_children`` (children in household
        > 0), ``children_in_household`` (sum) and ``families_with_children`` (flagged Y).

    Examples
    --------
    >>> d = pd.DataFrame({"month": pd.PeriodIndex(["2023-02", "2023-03", "2023-04"], freq="M"),
    ...     "repeat": [True, False, False], "children_in_household": [2, 0, 1],
    ...     "family_with_children": [True, True, True]})
    >>> damarac_by_quarter(d)[["quarter", "months_covered", "referrals", "repeat_pct",
    ...                        "children_in_household"]]
          quarter  months_covered  referrals  repeat_pct  children_in_household
    0  Q4 2022/23               2          2        50.0                      2
    1  Q1 2023/24               1          1         0.0                      1
    >>> damarac_by_quarter(d, end="2023-03")["referrals"].tolist()
    [2]
    """
    _require(damarac, ["month", "repeat", "children_in_household", "family_with_children"],
             "damarac")
    months = _months_of(damarac)
    keep = pd.Series(True, index=damarac.index)
    if start is not None:
        keep &= months >= to_month(start)
    if end is not None:
        keep &= months <= to_month(end)
    damarac, months = damarac.loc[keep], months.loc[keep]
    if months.empty:
        raise ValueError("damarac holds no referrals" + (
            "" if start is None and end is None else " in the period asked for"))
    first, last = months.min(), months.max()
    labels = []
    q = fy_quarter_window(fy_quarter(first)).start
    while q <= last:
        labels.append(fy_quarter(q))
        q += 3
    children = pd.to_numeric(damarac["children_in_household"], errors="raise")
    if (children < 0).any() or children.isna().any():
        raise ValueError("children_in_household must be whole numbers of 0 or more")
    data = pd.DataFrame({
        "quarter": [fy_quarter(m) for m in months],
        "repeat": _flags(damarac["repeat"], "repeat"),
        "with_children": (children > 0).to_numpy(),
        "children": children.astype(np.int64).to_numpy(),
        "family": _flags(damarac["family_with_children"], "family_with_children"),
    })
    grouped = data.groupby("quarter").agg(
        referrals=("repeat", "size"), repeat_referrals=("repeat", "sum"),
        referrals_with_children=("with_children", "sum"),
        children_in_household=("children", "sum"), families_with_children=("family", "sum"),
    ).reindex(labels, fill_value=0).astype(np.int64)
    covered = []
    for label in labels:
        w = fy_quarter_window(label)
        covered.append(sum(1 for m in w.months if first <= m <= last))
    table = pd.DataFrame({
        "quarter": labels,
        "months_covered": np.array(covered, dtype=np.int64),
        "referrals": grouped["referrals"].to_numpy(),
        "repeat_referrals": grouped["repeat_referrals"].to_numpy(),
        "repeat_pct": [round_half_up(Fraction(int(r) * 100, int(n)), 1) if n else np.nan
                       for r, n in zip(grouped["repeat_referrals"], grouped["referrals"],
                                       strict=True)],
        "referrals_with_children": grouped["referrals_with_children"].to_numpy(),
        "children_in_household": grouped["children_in_household"].to_numpy(),
        "families_with_children": grouped["families_with_children"].to_numpy(),
    })
    table["quarter"] = table["quarter"].astype(object)
    window = Window(_quarter_start(labels[0]), fy_quarter_window(labels[-1]).end)
    return _with_attrs(table, "damarac_by_quarter", window=window, first=first, last=last)


def format_damarac_by_quarter(table: pd.DataFrame) -> BoardTable:
    """DA MARAC referrals by quarter as printed, part quarters noted.

    Examples
    --------
    >>> d = pd.DataFrame({"month": pd.PeriodIndex(["2023-02", "2023-03", "2023-04"], freq="M"),
    ...     "repeat": [True, False, False], "children_in_household": [2, 0, 1],
    ...     "family_with_children": [True, True, True]})
    >>> board = format_damarac_by_quarter(damarac_by_quarter(d))
    >>> board.table["Repeat %"].tolist(), board.notes[0]
    (['50.0%', '0.0%'], 'Q4 2022/23 covers only February 2023 to March 2023 in these data.')
    """
    _attr(table, "damarac_by_quarter")
    first, last = table.attrs["first"], table.attrs["last"]
    board = pd.DataFrame({
        "Quarter": table["quarter"].to_numpy(dtype=object),
        "Referrals": [_count_text(v) for v in table["referrals"]],
        "Repeat referrals": [_count_text(v) for v in table["repeat_referrals"]],
        "Repeat %": ["n/a" if pd.isna(v) else f"{v:.1f}%" for v in table["repeat_pct"]],
        "Referrals with children in household": [
            _count_text(v) for v in table["referrals_with_children"]],
        "Children in household": [_count_text(v) for v in table["children_in_household"]],
    })
    notes = []
    for row in table.itertuples():
        if row.months_covered < 3:
            w = fy_quarter_window(row.quarter)
            part = Window(max(w.start, first), min(w.end, last))
            notes.append(f"{row.quarter} covers only {part.label} in these data.")
    period = f"{table['quarter'].iloc[0]} to {table['quarter'].iloc[-1]}"
    return BoardTable(f"DA MARAC referrals by quarter: {period}", period, board, tuple(notes))


# ---------------------------------------------------------------------------------------------

_FORMATTERS: dict[str, Callable[[pd.DataFrame], BoardTable]] = {
    "cctv_by_ward": format_cctv_by_ward,
    "cctv_ward_by_type": format_cctv_ward_by_type,
    "cctv_type_shares": format_cctv_type_shares,
    "cctv_hour_profile": format_cctv_hour_profile,
    "cctv_mode": format_cctv_mode,
    "asb_outcomes_by_month": format_asb_outcomes_by_month,
    "fpn_by_code": format_fpn_by_code,
    "community_triggers": format_community_triggers,
    "csmarac_meetings": format_csmarac_meetings,
    "prevent_quarter_comparison": format_prevent_quarter_comparison,
    "prevent_vs_national": format_prevent_vs_national,
    "damarac_by_quarter": format_damarac_by_quarter,
}


#: ``DataFrame.attrs`` key of notes about the input (rows set aside, how dates were read) that
#: :func:`to_board_table` appends to the table's own notes.
INPUT_NOTES = "input_notes"


def with_input_notes(table: pd.DataFrame, notes: Iterable[str]) -> pd.DataFrame:
    """Attach notes about the table's input (rows set aside, date order) for the board version.

    Parameters
    ----------
    table : pandas.DataFrame
        A table built here.
    notes : iterable of str
        Plain sentences, e.g. from :func:`scpb_analysis.sources.partnership.load_notes`.

    Returns
    -------
    pandas.DataFrame
        ``table`` itself, with the notes in its attrs; :func:`to_board_table` prints them.

    Examples
    --------
    >>> ct = pd.DataFrame({"month": pd.PeriodIndex(["2023-04"], freq="M"),
    ...                    "decision": ["Threshold met"]})
    >>> t = with_input_notes(community_triggers(ct, "2023-04", "2023-04"),
    ...                      ["ct.csv: 1 of 2 rows set aside and not counted (1 not a date)."])
    >>> to_board_table(t).notes[-1]
    'ct.csv: 1 of 2 rows set aside and not counted (1 not a date).'
    """
    table.attrs[INPUT_NOTES] = tuple(table.attrs.get(INPUT_NOTES, ())) + tuple(notes)
    return table


def to_board_table(table: pd.DataFrame) -> BoardTable:
    """The board version of any table built here, by the builder named in its attrs.

    Notes attached with :func:`with_input_notes` follow the table's own notes, so a total that
    is short because input rows were set aside says so.

    Examples
    --------
    >>> ct = pd.DataFrame({"month": pd.PeriodIndex(["2023-04"], freq="M"),
    ...                    "decision": ["Threshold not met"]})
    >>> to_board_table(community_triggers(ct, "2023-04", "2023-04")).text
    ('There was 1 Community Trigger application received in April 2023.', '0 met the \
threshold, 1 did not and 0 are pending.')
    """
    kind = table.attrs.get("kind") if isinstance(table, pd.DataFrame) else None
    if kind not in _FORMATTERS:
        raise ValueError("to_board_table needs a table returned by one of: "
                         f"{', '.join(sorted(_FORMATTERS))}")
    board = _FORMATTERS[kind](table)
    extra = tuple(table.attrs.get(INPUT_NOTES, ()))
    return replace(board, notes=board.notes + extra) if extra else board
