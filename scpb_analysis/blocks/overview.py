"""The pack's overview: every headline indicator in one table, and the key messages.

Like the seed's dashboard page and Fingertips' overview, a board member sees on one screen
each headline indicator's 12- and 3-month counts and change, whether the change is
significant, the area's rank now and the quarter before, the RAG rating with its rule and a
small trend line. The key messages under it are generated from the same rows, and
:func:`check_key_messages` re-derives every number and word in them from the counts.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence

import pandas as pd

from scpb_analysis.core.periods import month_label, to_month
from scpb_analysis.stats.change import percent_change
from scpb_analysis.text.reader_tables import NOT_AVAILABLE, format_value

__all__ = ["OVERVIEW_COLUMNS", "check_key_messages", "checked_key_messages", "headline_rows",
           "key_messages", "overview_html", "rag_rules", "trend_table"]

#: The comparison columns the overview shows, in order.
OVERVIEW_COLUMNS = ("indicator_name", "n_12m", "n_12m_prev", "pct_change_12m",
                    "significance_12m", "n_3m", "n_3m_prev", "pct_change_3m", "significance_3m",
                    "peer_rank", "peer_rank_prev", "rag")

_FORMATS = {"n_12m": "count", "n_12m_prev": "count", "n_3m": "count", "n_3m_prev": "count",
            "pct_change_12m": "change", "pct_change_3m": "change", "peer_rank": "rank",
            "peer_rank_prev": "rank"}
_SIGNIFICANCE = {"significant increase": "significant increase",
                 "significant decrease": "significant decrease",
                 "no significant change": "not significant"}
_CHIP = {"Red": "#c0392b", "Amber": "#e69f00", "Green": "#2e7d32"}


def headline_rows(comparison: pd.DataFrame) -> pd.DataFrame:
    """The headline indicators' rows of a comparison (its ``dashboard`` column true).

    Examples
    --------
    >>> t = pd.DataFrame({"indicator": ["a", "b"], "dashboard": ["True", False]})
    >>> headline_rows(t)["indicator"].tolist()
    ['a']
    """
    flag = [str(v).strip().lower() == "true" for v in comparison["dashboard"]]
    return comparison.loc[flag].reset_index(drop=True)


def trend_table(sections: Sequence) -> pd.DataFrame:
    """The monthly counts of the dashboard's charted indicators: ``indicator, month, count``.

    ``sections`` are :class:`scpb_analysis.blocks.dashboard.IndicatorSection` objects; those
    without a trend are left out.

    Examples
    --------
    >>> from scpb_analysis.blocks.dashboard import IndicatorSection
    >>> trend = pd.DataFrame({"period": pd.period_range("2023-01", periods=2, freq="M"),
    ...                       "value": [4.0, 5.0]})
    >>> trend_table([IndicatorSection("x", "X", True, trend=trend)]).values.tolist()
    [['x', '2023-01', 4], ['x', '2023-02', 5]]
    """
    frames = [pd.DataFrame({"indicator": s.indicator, "month": s.trend["period"].astype(str),
                            "count": s.trend["value"].round().astype("int64")})
              for s in sections if s.trend is not None]
    if not frames:
        return pd.DataFrame({"indicator": [], "month": [], "count": []})
    return pd.concat(frames, ignore_index=True)


def _months_text(row: Mapping, span: str) -> str:
    end = month_label(to_month(row["period_end"]))
    return f"the {'12' if span == '12m' else '3'} months to {end}"


def _is_number(value: object) -> bool:
    return not pd.isna(value) and str(value).strip() != ""


_INCOMPLETE_LEAD = ("Incomplete (part of the offences may sit in a category the toolkit cannot "
                    "yet place), so not summarised here; see the dashboard: ")


def _complete(row: Mapping) -> bool:
    value = row.get("complete", True)
    return str(value).strip().lower() not in ("false", "0")


def key_messages(comparison: pd.DataFrame) -> list[str]:
    """Short sentences for the board from the headline rows of ``comparison``.

    One sentence per statistically significant 12-month change (and 3-month change where the
    12 months show none), one naming the indicators without a significant change, and the
    count of each rating.

    Examples
    --------
    >>> row = {"indicator_name": "Robbery", "dashboard": True, "period_end": "2023-05",
    ...        "n_12m": 702, "n_12m_prev": 609, "significance_12m": "significant increase",
    ...        "n_3m": 180, "n_3m_prev": 158, "significance_3m": "no significant change",
    ...        "rag": "Red", "rag_rule": "..."}
    >>> for line in key_messages(pd.DataFrame([row])):
    ...     print(line)  # doctest: +NORMALIZE_WHITESPACE
    Robbery rose by 15.3% over the 12 months to May 2023 (702 offences against 609 the year
    before), a statistically significant increase; rated Red.
    Ratings: 1 Red, 0 Amber, 0 Green.
    """
    rows = headline_rows(comparison)
    messages, steady, incomplete = [], [], []
    for row in rows.to_dict("records"):
        if not _complete(row):
            # Part of its offences may be missing: no change of it is summarised.
            incomplete.append(str(row["indicator_name"]))
            continue
        said = False
        for span in ("12m", "3m"):
            significance = str(row.get(f"significance_{span}", ""))
            if said or not significance.startswith("significant"):
                continue
            cur, prev = int(float(row[f"n_{span}"])), int(float(row[f"n_{span}_prev"]))
            verb = "rose" if cur > prev else "fell"
            pct = abs(percent_change(cur, prev, 1))
            messages.append(
                f"{row['indicator_name']} {verb} by {pct:.1f}% over {_months_text(row, span)} "
                f"({cur:,} offences against {prev:,} the year before), a statistically "
                f"{significance}; rated {row['rag']}.")
            said = True
        if not said and _is_number(row.get("n_12m_prev")) and _is_number(row.get("n_3m_prev")):
            steady.append(str(row["indicator_name"]))
    if steady:
        messages.append("No statistically significant change over 12 or 3 months: "
                        + ", ".join(steady) + ".")
    if incomplete:
        messages.append(f"{_INCOMPLETE_LEAD}{', '.join(incomplete)}.")
    ratings = rows["rag"].fillna("").astype(str) if "rag" in rows else pd.Series(dtype=str)
    counts = {colour: int((ratings == colour).sum()) for colour in ("Red", "Amber", "Green")}
    messages.append("Ratings: " + ", ".join(f"{n} {c}" for c, n in counts.items()) + ".")
    return messages


_MOVE = re.compile(r"^(?P<name>.+?) (?P<verb>rose|fell) by (?P<pct>[\d.]+)% over the "
                   r"(?P<span>12|3) months to .+? \((?P<cur>[\d,]+) offences against "
                   r"(?P<prev>[\d,]+) the year before\), a statistically significant "
                   r"(?P<dir>increase|decrease); rated (?P<rag>[^.]+)\.$")
_RATINGS = re.compile(r"^Ratings: (\d+) Red, (\d+) Amber, (\d+) Green\.$")


def check_key_messages(messages: Sequence[str], comparison: pd.DataFrame) -> list[str]:
    """Problems found re-deriving the key messages from the comparison's counts and tests.

    Every change sentence must give the indicator's counts, the percentage computed from
    them, the direction they show, a test result that is significant in that direction and
    the row's rating; the ratings sentence must count the table's ratings.

    Examples
    --------
    >>> row = {"indicator_name": "Robbery", "dashboard": True, "period_end": "2023-05",
    ...        "n_12m": 702, "n_12m_prev": 609, "significance_12m": "significant increase",
    ...        "rag": "Red"}
    >>> check_key_messages(["Robbery fell by 15.3% over the 12 months to May 2023 (702 "
    ...     "offences against 609 the year before), a statistically significant increase; "
    ...     "rated Red."], pd.DataFrame([row]))
    ['Robbery: says fell, counts 702 vs 609 rose']
    """
    rows = headline_rows(comparison).set_index("indicator_name", drop=False)
    problems = []
    for message in messages:
        if match := _MOVE.match(message):
            name, span = match["name"], "12m" if match["span"] == "12" else "3m"
            if name not in rows.index:
                problems.append(f"{name}: not a headline indicator of the table")
                continue
            row = rows.loc[name]
            if not _complete(row):
                problems.append(f"{name}: incomplete, but its change is summarised")
            cur, prev = int(float(row[f"n_{span}"])), int(float(row[f"n_{span}_prev"]))
            said = (int(match["cur"].replace(",", "")), int(match["prev"].replace(",", "")))
            if said != (cur, prev):
                problems.append(f"{name}: says {said[0]} vs {said[1]}, table gives {cur} vs "
                                f"{prev}")
            truth = "rose" if cur > prev else "fell"
            if match["verb"] != truth:
                problems.append(f"{name}: says {match['verb']}, counts {cur} vs {prev} {truth}")
            if prev and float(match["pct"]) != abs(percent_change(cur, prev, 1)):
                problems.append(f"{name}: says {match['pct']}%, counts give "
                                f"{abs(percent_change(cur, prev, 1)):.1f}%")
            test = str(row[f"significance_{span}"])
            if test != f"significant {match['dir']}" or \
                    (match["dir"] == "increase") != (cur > prev):
                problems.append(f"{name}: says significant {match['dir']}, test gives {test}")
            if match["rag"] != str(row["rag"]):
                problems.append(f"{name}: says rated {match['rag']}, table gives {row['rag']}")
        elif match := _RATINGS.match(message):
            ratings = rows["rag"].astype(str)
            for colour, said in zip(("Red", "Amber", "Green"), match.groups(), strict=True):
                if int(said) != int((ratings == colour).sum()):
                    problems.append(f"ratings: says {said} {colour}, table has "
                                    f"{int((ratings == colour).sum())}")
        elif message.startswith(_INCOMPLETE_LEAD):
            for name in message[len(_INCOMPLETE_LEAD):].rstrip(".").split(", "):
                if name not in rows.index or _complete(rows.loc[name]):
                    problems.append(f"{name}: listed as incomplete, but the table has it "
                                    "complete")
        elif message.startswith("No statistically significant change over 12 or 3 months: "):
            names = message.split(": ", 1)[1].rstrip(".").split(", ")
            for name in names:
                if name not in rows.index:
                    problems.append(f"{name}: not a headline indicator of the table")
                    continue
                tests = {str(rows.loc[name, f"significance_{s}"]) for s in ("12m", "3m")}
                if any(t.startswith("significant") for t in tests):
                    problems.append(f"{name}: listed as unchanged, but a test gives "
                                    + " and ".join(sorted(tests)))
        else:
            problems.append(f"unchecked message: {message}")
    return problems


def checked_key_messages(comparison: pd.DataFrame) -> list[str]:
    """:func:`key_messages`, each re-derived by :func:`check_key_messages` before it is given.

    Raises
    ------
    ValueError
        A message disagrees with its row: it never reaches the board.

    Examples
    --------
    >>> checked_key_messages(pd.DataFrame({"dashboard": [], "indicator_name": [], "rag": []}))
    ['Ratings: 0 Red, 0 Amber, 0 Green.']
    """
    messages = key_messages(comparison)
    problems = check_key_messages(messages, comparison)
    if problems:
        raise ValueError("key messages disagree with the overview table: "
                         + "; ".join(problems))
    return messages


def rag_rules(comparison: pd.DataFrame) -> list[str]:
    """The words of the RAG rules the headline rows were rated by (one, unless mixed).

    Examples
    --------
    >>> rag_rules(pd.DataFrame({"dashboard": [True, False], "rag_rule": ["Rule A", "Rule B"]}))
    ['Rule A']
    """
    if "rag_rule" not in comparison:
        return []
    return sorted(set(headline_rows(comparison)["rag_rule"].dropna().astype(str)))


def _chip(rag: object, rule: str) -> str:
    text = str(rag) if _is_number(rag) else NOT_AVAILABLE
    colour = _CHIP.get(text, "#777")
    return (f'<span class="rag" style="background:{colour}" title="{html.escape(rule)}">'
            f"{html.escape(text)}</span>")


def overview_html(comparison: pd.DataFrame, trends: pd.DataFrame | None = None) -> str:
    """The overview table of the headline indicators as HTML, with RAG chips and trend lines.

    Parameters
    ----------
    comparison : DataFrame
        :func:`scpb_analysis.blocks.comparison.compare_periods` (or its CSV read back).
    trends : DataFrame, optional
        :func:`trend_table`: monthly counts drawn as a small line per indicator.

    Examples
    --------
    >>> row = {"indicator_name": "Robbery", "indicator": "robbery", "dashboard": True,
    ...        "period_end": "2023-05", "n_12m": 702, "n_12m_prev": 609,
    ...        "pct_change_12m": "+15.3", "significance_12m": "significant increase",
    ...        "n_3m": 180, "n_3m_prev": 158, "pct_change_3m": "+13.9",
    ...        "significance_3m": "no significant change", "peer_rank": 11,
    ...        "peer_rank_prev": 24, "peers": "London boroughs", "peer_n": 32, "rag": "Red",
    ...        "rag_rule": "Significant change first", "window_12m": "June 2022 to May 2023",
    ...        "window_3m": "March 2023 to May 2023"}
    >>> "702" in overview_html(pd.DataFrame([row]))
    True
    """
    rows = headline_rows(comparison)
    if rows.empty:
        return "<p><em>No headline indicator in this data.</em></p>"
    first = rows.iloc[0]
    peers = f"{int(float(first['peer_n']))} {first['peers']}" if _is_number(
        first.get("peer_n")) else str(first.get("peers", "peers"))
    heads = ["Indicator", f"12 months ({first['window_12m']})", "Year before", "Change",
             "Significance", f"3 months ({first['window_3m']})", "Year before", "Change",
             "Significance", f"Rank of {peers}", "Rank the quarter before", "RAG",
             "Monthly offences"]
    numeric = {1, 2, 3, 5, 6, 7, 9, 10}
    num = ' class="num"'
    head = "".join(f"<th{num if i in numeric else ''}>{html.escape(h)}</th>"
                   for i, h in enumerate(heads))
    body = []
    for row in rows.to_dict("records"):
        cells = []
        for i, column in enumerate(OVERVIEW_COLUMNS[:-1]):
            value = row.get(column)
            if column.startswith("significance_"):
                text = _SIGNIFICANCE.get(str(value), NOT_AVAILABLE)
            elif column.endswith("_prev") and column.startswith("n_") and not _is_number(value):
                text = "not held"
            else:
                text = format_value(value, _FORMATS.get(column))
            css = ' class="num"' if i in numeric else ""
            cells.append(f"<td{css}>{html.escape(text)}</td>")
        cells.append(f"<td>{_chip(row.get('rag'), str(row.get('rag_rule', '')))}</td>")
        cells.append(f"<td>{_sparkline(trends, row)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (f'<table class="reader overview"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table>")


def _sparkline(trends: pd.DataFrame | None, row: Mapping) -> str:
    from scpb_analysis.charts.sparkline import sparkline_svg

    if trends is None or trends.empty:
        return ""
    series = trends[trends["indicator"] == row.get("indicator")].sort_values("month")
    if series.empty:
        return ""
    label = (f"{row['indicator_name']}: monthly offences, "
             f"{month_label(to_month(series['month'].iloc[0]))} to "
             f"{month_label(to_month(series['month'].iloc[-1]))}")
    return sparkline_svg(series["count"].astype(float).tolist(), label=label)
