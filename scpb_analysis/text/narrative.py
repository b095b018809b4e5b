"""Sentences generated from computed numbers, and a checker that re-derives them.

The board pack's prose has contradicted its own tables ("a 7% increase" for a 7% decrease;
"a decrease of 0%" for a rise from 0 to 3). Here every sentence is built only from a row of
the comparison table, and :func:`check_narrative` independently re-reads a sentence's counts,
percentages, direction words and ranks against the counts it came from.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

from scpb_analysis.core.periods import month_label, to_month
from scpb_analysis.stats.change import percent_change, significance_clause

__all__ = ["INCOMPLETE_MARK", "NOT_LIKE_FOR_LIKE", "comparison_narrative", "check_narrative"]

#: The mark every printed figure of an incomplete indicator carries.
INCOMPLETE_MARK = "INCOMPLETE"
#: The percentage-change text across a definition change.
NOT_LIKE_FOR_LIKE = "n/a (definition changed)"


def _change_phrase(current: int, previous: int, pct_text: str) -> str:
    if previous == 0:
        return "no change (0 in both periods)" if current == 0 else f"a rise from 0 to {current:,}"
    if current == previous:
        return "no change"
    word = "an increase" if current > previous else "a decrease"
    magnitude = pct_text.lstrip("+-")
    if float(magnitude) < 0.05:
        return f"{word} of less than 0.05%"
    return f"{word} of {magnitude}%"


#: Where the data hold the current 12 months but not the 12 before.
_NO_PRIOR_12 = "The data do not hold the 12 months before, so no 12-month change is given."


def _span_sentences(row: Mapping, span: str, alpha: float) -> list[str]:
    name, borough = row["indicator_name"], row["borough"]
    cur = int(row[f"n_{span}"])
    if span == "12m" and pd.isna(row.get("n_12m_prev")):
        end = month_label(to_month(row["period_end"]))
        return [f"There were {cur:,} cases of {name} in {borough} in the 12 months up to {end}."]
    prev = int(row[f"n_{span}_prev"])
    if span == "12m":
        end = month_label(to_month(row["period_end"]))
        first = f"There were {cur:,} cases of {name} in {borough} in the 12 months up to {end}."
        second = f"In the 12 months prior there were {prev:,}."
    else:
        first = f"There were {cur:,} cases of {name} in {borough} in the 3 months of " \
                f"{row['window_3m']}."
        second = f"In the same period 12 months prior there were {prev:,}."
    if str(row[f"pct_change_{span}"]).startswith(NOT_LIKE_FOR_LIKE):
        return [first, second, "The two periods count it under different definitions (see the "
                "notes), so no change is given."]
    change = _change_phrase(cur, prev, str(row[f"pct_change_{span}"]))
    significance = row.get(f"significance_{span}")
    clause = f", {significance_clause(significance, alpha)}" if isinstance(significance, str) \
        and significance else ""
    return [first, second, f"This is {change}{clause}."]


def comparison_narrative(row: Mapping, alpha: float = 0.05) -> str:
    """The seed-style paragraph for one row of :func:`scpb_analysis.compare_periods`.

    Examples
    --------
    >>> row = {"indicator_name": "Residential Burglary", "borough": "Barnet",
    ...        "period_end": "2023-05", "n_12m": 1951, "n_12m_prev": 1848,
    ...        "pct_change_12m": "+5.6", "significance_12m": "no significant change",
    ...        "window_3m": "March 2023 to May 2023", "n_3m": 479, "n_3m_prev": 464,
    ...        "pct_change_3m": "+3.2", "significance_3m": "no significant change"}
    >>> print(comparison_narrative(row))  # doctest: +NORMALIZE_WHITESPACE
    There were 1,951 cases of Residential Burglary in Barnet in the 12 months up to May 2023.
    In the 12 months prior there were 1,848. This is an increase of 5.6%, which is not a
    statistically significant change (5% level). There were 479 cases of Residential
    Burglary in Barnet in the 3 months of March 2023 to May 2023. In the same period 12 months
    prior there were 464. This is an increase of 3.2%, which is not a statistically
    significant change (5% level).
    """
    if any(pd.isna(row.get(k)) for k in ("n_3m", "n_3m_prev")):
        return (f"{row['indicator_name']} is not in this data for every month compared, so no "
                "comparison is given.")
    sentences = []
    if not bool(row.get("complete", True)):
        sentences.append(f"{INCOMPLETE_MARK}: these figures leave out offences in a category the "
                         "toolkit cannot yet place (see the notes), so they are not the full "
                         "count.")
    if pd.isna(row.get("n_12m")):
        sentences.append("No 12-month comparison is given: the data do not cover all 24 "
                         "months.")
    elif pd.isna(row.get("n_12m_prev")):
        sentences += [_span_sentences(row, "12m", alpha)[0], _NO_PRIOR_12]
    else:
        sentences += _span_sentences(row, "12m", alpha)
    sentences += _span_sentences(row, "3m", alpha)
    rank = row.get("peer_rank")
    if rank is not None and not pd.isna(rank):
        text = f"{row['borough']} ranks {int(rank)} of {int(row['peer_n'])} {row['peers']}"
        bcu_rank = row.get("bcu_rank")
        if bcu_rank is not None and not pd.isna(bcu_rank):
            text += f" and {int(bcu_rank)} of {int(row['bcu_n'])} in the {row['bcu']} BCU"
        basis = str(row["rank_basis"]).split(": ", 1)[-1]
        sentences.append(f"{text} (ranked on {basis}).")
    return " ".join(sentences)


def _int(text: str) -> int:
    return int(text.replace(",", ""))


def _exact_pct_text(current: int, previous: int) -> str:
    # The size of the change as the narrative prints it (one decimal, half up, no sign).
    return f"{abs(percent_change(current, previous, 1)):.1f}"


# Counts are printed with thousands separators (1,951).
_COUNT_12 = re.compile(r"There were ([\d,]+) cases of .+? in the 12 months up to ")
_PRIOR_12 = re.compile(r"In the 12 months prior there were ([\d,]+)\.")
_COUNT_3 = re.compile(r"There were ([\d,]+) cases of .+? in the 3 months of ")
_PRIOR_3 = re.compile(r"In the same period 12 months prior there were ([\d,]+)\.")
_CHANGE = re.compile(r"This is (an increase|a decrease) of (less than 0\.05|[\d.,]+)%"
                     r"|This is (no change)|This is a rise from 0 to ([\d,]+)")
_SIG = re.compile(r"which is (not a statistically significant change|a statistically "
                  r"significant (increase|decrease))")
_RANKS = re.compile(r"ranks (\d+) of (\d+) (?:London boroughs|local authorities of .+?)"
                    r"(?: and (\d+) of (\d+) in the .+? BCU)? \(ranked on")


def check_narrative(text: str, row: Mapping) -> list[str]:
    """Problems found re-deriving a narrative's numbers and words from its counts.

    Returns an empty list when every count, percentage, direction word, significance word
    and rank in ``text`` agrees with ``row``.

    >>> row = {"n_12m": 13, "n_12m_prev": 2, "n_3m": 3, "n_3m_prev": 0}
    >>> check_narrative("There were 13 cases of X in Y in the 12 months up to May 2023. "
    ...                 "In the 12 months prior there were 2. This is an increase of 550.0%. "
    ...                 "There were 3 cases of X in Y in the 3 months of March 2023 to May "
    ...                 "2023. In the same period 12 months prior there were 0. "
    ...                 "This is a decrease of 0%.", row)
    ['3-month change: says a decrease of 0%, counts 3 vs 0 give a rise from 0']
    """
    problems: list[str] = []
    parts: dict[str, str] = {}
    for piece in re.split(r"(?=There were [\d,]+ cases of )", text):
        for span, pattern in (("12m", _COUNT_12), ("3m", _COUNT_3)):
            if pattern.match(piece) and span not in parts:
                parts[span] = piece
                break
    if "12m" not in parts and not pd.isna(row.get("n_12m", np.nan)):
        return ["expected a 12-month and a 3-month passage"]
    if "3m" not in parts:
        return ["expected a 3-month passage"]
    patterns = {"12m": (_COUNT_12, _PRIOR_12), "3m": (_COUNT_3, _PRIOR_3)}
    for span, part in parts.items():
        label = "12-month" if span == "12m" else "3-month"
        if span == "12m" and pd.isna(row.get("n_12m_prev", np.nan)):
            found = _COUNT_12.search(part)
            if not found or _int(found.group(1)) != int(row["n_12m"]):
                problems.append(f"{label} count: says {found.group(1) if found else 'nothing'}"
                                f", data give {row['n_12m']}")
            if _NO_PRIOR_12 not in part or _CHANGE.search(part):
                problems.append(f"{label} change: stated without the 12 months before")
            continue
        cur, prev = int(row[f"n_{span}"]), int(row[f"n_{span}_prev"])
        count_re, prior_re = patterns[span]
        for regex, expected, what in ((count_re, cur, "count"), (prior_re, prev,
                                                                   "earlier count")):
            found = regex.search(part)
            if not found or _int(found.group(1)) != expected:
                problems.append(f"{label} {what}: says {found.group(1) if found else 'nothing'}, "
                                f"data give {expected}")
        change = _CHANGE.search(part)
        previous_is_zero = prev == 0
        if previous_is_zero:
            truth = "no change" if cur == 0 else "a rise from 0"
        else:
            truth = ("an increase" if cur > prev else "a decrease" if cur < prev
                     else "no change")
        if not change:
            if "so no change is given" in part and str(
                    row.get(f"pct_change_{span}", "")).startswith(NOT_LIKE_FOR_LIKE):
                continue
            problems.append(f"{label} change: not stated")
            continue
        if change.group(1):
            said = f"{change.group(1)} of {change.group(2)}%"
            ok = not previous_is_zero and change.group(1) == truth
            if ok and change.group(2) != "less than 0.05":
                ok = change.group(2) == _exact_pct_text(cur, prev)
            elif ok:
                ok = _exact_pct_text(cur, prev) == "0.0"
        elif change.group(3):
            said, ok = "no change", truth == "no change"
        else:
            said = f"a rise from 0 to {change.group(4)}"
            ok = previous_is_zero and _int(change.group(4)) == cur
        if not ok:
            problems.append(f"{label} change: says {said}, counts {cur} vs {prev} give {truth}")
        sig = _SIG.search(part)
        expected_sig = row.get(f"significance_{span}")
        if sig and isinstance(expected_sig, str):
            said_sig = ("no significant change" if sig.group(1).startswith("not")
                        else f"significant {sig.group(2)}")
            if said_sig != expected_sig:
                problems.append(f"{label} significance: says {said_sig}, test gives "
                                f"{expected_sig}")
            if said_sig != "no significant change" and not said_sig.endswith(
                    "increase" if cur > prev else "decrease"):
                problems.append(f"{label} significance contradicts the counts {cur} vs {prev}")
    ranks = _RANKS.search(text)
    if ranks:
        pairs = [("peer_rank", 1), ("peer_n", 2), ("bcu_rank", 3), ("bcu_n", 4)]
        for key, group in pairs:
            if ranks.group(group) is not None and int(ranks.group(group)) != int(row[key]):
                problems.append(f"{key}: says {ranks.group(group)}, table gives {row[key]}")
    return problems
