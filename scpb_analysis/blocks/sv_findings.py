"""Key findings of the needs assessment: short sentences, each checked against its table.

A finding quotes a few cells of one published table (a count, a rate, a rate ratio, a
comparison word), from one row or a few. It carries which table, which rows and what it
printed for each cell, so
:func:`check_findings` can re-read the table and refuse a finding whose words or numbers are
not the table's: the same discipline as the dashboard's key messages
(:func:`scpb_analysis.blocks.overview.check_key_messages`). A finding whose table is missing,
whose rows are not found once each, or which prints a number that is in no quoted cell and
no text cell of its rows, is a problem, and :func:`checked_findings` stops the page.

The sentences are made by the blocks that own the numbers (``finding_from_*``); this module
knows nothing of knives or deprivation, only how a sentence quotes a row.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

__all__ = ["Finding", "check_findings", "checked_findings", "findings_table", "printed"]

# A number as a sentence prints it: optional sign, thousands separators, decimals, percent.
_NUMBER = re.compile(r"(?<![\w.])[-+−]?\d[\d,]*(?:\.\d+)?%?")


@dataclass(frozen=True)
class Finding:
    """One key finding and the table cells it quotes.

    Attributes
    ----------
    topic : str
        The section it summarises ("Who is affected", "Where", ...), for the reader.
    text : str
        The sentence.
    table : str
        The published table it quotes (its :func:`~scpb_analysis.pack.publish.publish_table`
        name).
    rows : tuple of (Mapping, Mapping)
        For each row quoted: the column values picking exactly that row, and column -> the
        text the sentence prints for it: a number as printed (``"2,321"``, ``"28.6"``,
        ``"29.9%"``, ``"+4.1%"``) or a word (``"Worse"``).
    context : tuple of str
        Phrases the sentence may print numbers from besides its rows (e.g.
        ``"12 months"``, ``"aged 1 to 24"``): words, never a statistic.
    """

    topic: str
    text: str
    table: str
    rows: tuple[tuple[Mapping[str, Any], Mapping[str, str]], ...]
    context: tuple[str, ...] = field(default=())


def printed(value: float, decimals: int = 0, *, percent: bool = False,
            signed: bool = False) -> str:
    """A number as a finding prints it: thousands separators, fixed decimals.

    ``percent`` multiplies nothing: pass the value already in percent.

    Examples
    --------
    >>> printed(2321), printed(28.64, 1), printed(29.87, 1, percent=True)
    ('2,321', '28.6', '29.9%')
    >>> printed(4.06, 1, percent=True, signed=True)
    '+4.1%'
    """
    text = f"{value:{'+' if signed else ''},.{decimals}f}"
    return text + "%" if percent else text


def _as_number(text: str) -> tuple[float, int, bool] | None:
    body = text.strip().replace(",", "").replace("−", "-")
    percent = body.endswith("%")
    body = body.rstrip("%")
    try:
        value = float(body)
    except ValueError:
        return None
    decimals = len(body.split(".")[1]) if "." in body else 0
    return value, decimals, percent


def _same_number(cell: Any, printed_text: str) -> bool:
    parsed = _as_number(printed_text)
    if parsed is None:
        return False
    value, decimals, percent = parsed
    try:
        number = float(cell)
    except (TypeError, ValueError):
        return False
    if math.isnan(number):
        return False
    # A share column may hold a fraction (0.299) printed as a percent (29.9%).
    candidates = [number, number * 100] if percent else [number]
    half = 0.5 * 10 ** -decimals + 1e-9
    return any(abs(c - value) <= half for c in candidates)


def _row_of(frame: pd.DataFrame, key: Mapping[str, Any]) -> tuple[pd.Series | None, str]:
    missing = [c for c in key if c not in frame.columns]
    if missing:
        return None, f"has no column {', '.join(missing)}"
    hit = pd.Series(True, index=frame.index)
    for column, value in key.items():
        hit &= frame[column].astype(str) == str(value)
    if hit.sum() != 1:
        return None, f"has {int(hit.sum())} rows with {dict(key)}, expected 1"
    return frame[hit].iloc[0], ""


def _tokens(text: str) -> list[str]:
    return [t.rstrip(",") for t in _NUMBER.findall(text)]


def _check_row(where: str, row: pd.Series, quoted: Mapping[str, str], text: str,
               allowed: set[str]) -> list[str]:
    problems = []
    for column, shown in quoted.items():
        if column not in row.index:
            problems.append(f"{where}: no column {column} for {shown!r}")
            continue
        cell = row[column]
        if _as_number(shown) is not None:
            if not _same_number(cell, shown):
                problems.append(f"{where}: {column} is {cell} in the table, the finding "
                                f"prints {shown}")
            allowed.add(shown)
        elif str(cell) != shown:
            problems.append(f"{where}: {column} is {str(cell)!r} in the table, the "
                            f"finding prints {shown!r}")
        if shown not in text:
            problems.append(f"{where}: {shown!r} ({column}) is not in the sentence")
    for cell in row.values:
        if isinstance(cell, str):
            allowed.update(_tokens(cell))
    return problems


def check_findings(findings: Sequence[Finding],
                   tables: Mapping[str, pd.DataFrame]) -> list[str]:
    """Problems with the findings: each one re-read against its table row.

    Parameters
    ----------
    findings : sequence of Finding
    tables : mapping
        Published table name -> the table (as published, full precision).

    Returns
    -------
    list of str
        Empty if every finding quotes its row faithfully: the row exists once, every quoted
        cell matches the table (numbers to the printed decimals, words exactly) and is in the
        sentence, and every number in the sentence is a quoted cell, part of a text cell of a
        quoted row (a period, an age group) or of the finding's context.

    Examples
    --------
    >>> table = pd.DataFrame({"area": ["Barnet"], "period": ["June 2022 to May 2023"],
    ...                       "count": [34], "comparison": ["Better"]})
    >>> good = Finding("Who", "34 young knife victims in June 2022 to May 2023 (Better).",
    ...                "knife", (({"area": "Barnet"}, {"count": "34", "comparison": "Better"}),))
    >>> check_findings([good], {"knife": table})
    []
    >>> bad = Finding("Who", "35 young knife victims (Worse).", "knife",
    ...               (({"area": "Barnet"}, {"count": "35", "comparison": "Worse"}),))
    >>> for problem in check_findings([bad], {"knife": table}):
    ...     print(problem)
    knife: count is 34 in the table, the finding prints 35
    knife: comparison is 'Better' in the table, the finding prints 'Worse'
    """
    problems = []
    for finding in findings:
        where = finding.table
        if where not in tables:
            problems.append(f"{where}: no such table for the finding {finding.text!r}")
            continue
        allowed: set[str] = set()
        for key, quoted in finding.rows:
            row, why = _row_of(tables[where], key)
            if row is None:
                problems.append(f"{where}: {why}")
                continue
            problems.extend(_check_row(where, row, quoted, finding.text, allowed))
        for phrase in finding.context:
            allowed.update(_tokens(phrase))
        allowed.update(t.lstrip("+-−") for t in list(allowed))
        for token in _tokens(finding.text):
            if token not in allowed and token.lstrip("+-−") not in allowed:
                problems.append(f"{where}: the finding prints {token}, which is in no quoted "
                                f"cell of its row: {finding.text!r}")
    return problems


def checked_findings(findings: Sequence[Finding],
                     tables: Mapping[str, pd.DataFrame]) -> list[Finding]:
    """The findings, after :func:`check_findings` found nothing wrong.

    Raises
    ------
    ValueError
        Listing every problem: a page never prints a finding its table contradicts.

    Examples
    --------
    >>> table = pd.DataFrame({"area": ["Barnet"], "count": [34]})
    >>> f = Finding("Who", "34 victims.", "knife", (({"area": "Barnet"}, {"count": "34"}),))
    >>> [x.text for x in checked_findings([f], {"knife": table})]
    ['34 victims.']
    """
    problems = check_findings(findings, tables)
    if problems:
        raise ValueError("key findings disagree with their tables:\n  " + "\n  ".join(problems))
    return list(findings)


def findings_table(findings: Sequence[Finding]) -> pd.DataFrame:
    """The findings as a table for the page and the workbook: ``topic, finding, table``.

    Examples
    --------
    >>> f = Finding("Who", "34 victims.", "knife", (({"area": "Barnet"}, {"count": "34"}),))
    >>> findings_table([f]).to_dict("records")
    [{'topic': 'Who', 'finding': '34 victims.', 'table': 'knife'}]
    """
    return pd.DataFrame([{"topic": f.topic, "finding": f.text, "table": f.table}
                         for f in findings], columns=["topic", "finding", "table"])
