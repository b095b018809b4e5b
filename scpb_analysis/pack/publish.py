"""How a notebook hands a table to the pack: one CSV per table, scanned for personal data.

Notebooks call :func:`publish_table` for every table a reader sees; the runner
(:mod:`scpb_analysis.pack.runner`) gathers the CSVs into one Excel workbook and links them from the
pack's ``index.html``. CSVs are written deterministically (sorted by the caller, ``\\n`` line
ends, no timestamps), so building twice gives byte-identical tables.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

__all__ = ["PublishedTable", "publish_table", "show_appendix", "show_figure", "show_findings",
           "show_overview", "show_part", "show_sections", "show_tables", "show_text",
           "table_path"]

_NAME = re.compile(r"^[a-z0-9][a-z0-9_]*$")


def table_path(output_dir: str | Path, name: str) -> Path:
    """Where :func:`publish_table` writes table ``name``: ``output_dir/tables/name.csv``.

    Examples
    --------
    >>> table_path("out", "dashboard").as_posix()
    'out/tables/dashboard.csv'
    """
    if not _NAME.match(name):
        raise ValueError(f"table name {name!r}: expected lower-case letters, digits and "
                         "underscores (it becomes a file name and an Excel sheet name)")
    return Path(output_dir) / "tables" / f"{name}.csv"


@dataclass
class PublishedTable:
    """A published table and how a reader sees it (selected, labelled, formatted columns).

    The CSV holds every column at full precision under its code name; the page shows
    ``columns`` (all if empty), each under ``labels[column]`` or its label in the registry
    (:mod:`scpb_analysis.reference.labels`), formatted for reading
    (:func:`scpb_analysis.text.reader_tables.reader_frame`), without the row index.
    """

    frame: pd.DataFrame
    columns: Sequence[str] = ()
    labels: Mapping[str, str] = field(default_factory=dict)
    decimals: int = 2
    empty: str = "None."

    def shown(self) -> pd.DataFrame:
        """The table as the page shows it: labelled columns of formatted strings."""
        from scpb_analysis.text.reader_tables import reader_frame

        view = self.frame[list(self.columns)] if self.columns else self.frame
        return reader_frame(view, self.labels, decimals=self.decimals)

    def _repr_html_(self) -> str:
        from scpb_analysis.text.reader_tables import reader_html

        if self.frame.empty:
            # A table with a header and no rows reads as a fault; say there is nothing.
            return f"<p><em>{html.escape(self.empty)}</em></p>"
        view = self.frame[list(self.columns)] if self.columns else self.frame
        return reader_html(view, self.labels, decimals=self.decimals)

    def __repr__(self) -> str:
        return self.empty if self.frame.empty else self.shown().to_string(index=False)


def show_figure(figure, *, dpi: int = 100) -> None:
    """Display a matplotlib figure as an embedded PNG, whatever the kernel's backend.

    The PNG carries no software or date metadata, so a re-run draws the same bytes.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> show_figure(fig)
    <IPython.core.display.Image object>
    """
    from IPython.display import Image, display

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight",
                   metadata={"Software": None})
    display(Image(data=buffer.getvalue(), format="png"))


def publish_table(frame: pd.DataFrame, name: str, output_dir: str | Path | None, *,
                  generated: tuple[str, ...] = (), columns: Sequence[str] = (),
                  labels: Mapping[str, str] | None = None,
                  decimals: int = 2, empty: str = "None.",
                  check: Mapping[str, str | Sequence[str]] | None = None) -> PublishedTable:
    """Write a table of the pack as CSV and return it for display.

    Columns whose headers name personal data (names, addresses, dates of birth, ...) are
    refused, and the CSV text is scanned for e-mail addresses, phone numbers and postcodes
    before it is written (:mod:`scpb_analysis.qa.disclosure`).

    Parameters
    ----------
    frame : DataFrame
        The table as the reader should see it.
    name : str
        File stem, e.g. ``"ward_maps_rates"``.
    output_dir : path or None
        The pack's output folder; ``None`` displays without writing (interactive use).
    generated : tuple of str
        Free-text columns the toolkit wrote itself (e.g. ``narrative``, ``notes``), which
        the header check would otherwise refuse as possible personal data. Their text is
        still scanned.
    columns, labels, decimals
        What the page shows: these columns (default all), renamed, rounded; the CSV keeps
        every column at full precision.
    empty : str
        What the page says instead of a table with no rows (the CSV keeps its header).
    check : mapping, optional
        What the page prints with the table that :func:`scpb_analysis.qa.checks.check_table`
        needs to check it (``title``, ``narrative``, ``note``, ``parts``...), written beside
        the CSV as ``name.check.toml`` so ``scpb check`` reads the table as the board does
        (rounded shares under a note saying so, several breakdowns of one total).

    Returns
    -------
    PublishedTable
        For the notebook to display (``.frame`` is the table written).

    Raises
    ------
    ValueError
        If a column header names personal data.
    scpb_analysis.qa.disclosure.PersonalDataError
        If the table's text holds personal data.

    Examples
    --------
    >>> import tempfile
    >>> out = tempfile.mkdtemp()
    >>> shown = publish_table(pd.DataFrame({"ward": ["A"], "count": [3]}), "demo", out)
    >>> table_path(out, "demo").read_text()
    'ward,count\\nA,3\\n'
    """
    from scpb_analysis.qa.disclosure import PersonalDataError, pii_columns, scan_text_for_pii

    shown = frame.reset_index(drop=True)
    flagged = [c for c in pii_columns(shown.columns) if c not in generated]
    if flagged:
        raise ValueError(f"table {name}: columns {flagged} hold personal data; drop them "
                         "(scpb_analysis.qa.disclosure.drop_pii) before publishing")
    text = shown.to_csv(index=False, lineterminator="\n")
    findings = scan_text_for_pii(text, path=f"table {name}")
    if findings:
        raise PersonalDataError(findings)
    if output_dir is not None:
        path = table_path(output_dir, name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        if check:
            side = _check_toml(check)
            findings = scan_text_for_pii(side, path=f"table {name} notes")
            if findings:
                raise PersonalDataError(findings)
            path.with_name(f"{name}.check.toml").write_text(side, encoding="utf-8")
    return PublishedTable(shown, columns, labels or {}, decimals, empty)


def _check_toml(options: Mapping[str, str | Sequence[str]]) -> str:
    """``scpb check`` options as TOML; JSON strings are TOML basic strings."""
    import json

    lines = []
    for key in sorted(options):
        value = options[key]
        if isinstance(value, str):
            lines.append(f"{key} = {json.dumps(value, ensure_ascii=False)}")
        elif value:
            items = ", ".join(json.dumps(str(v), ensure_ascii=False) for v in value)
            lines.append(f"{key} = [{items}]")
    return "\n".join(lines) + "\n"


def show_tables(tables: dict[str, tuple],
                output_dir: str | Path | None, *, prefix: str,
                names: list[str] | None = None) -> list[str]:
    """Display titled tables with their notes in a notebook, publishing each as CSV.

    Parameters
    ----------
    tables : dict
        Name -> ``(title, table, notes)`` or ``(title, table, notes, check)``, as
        :func:`scpb_analysis.blocks.partnership.partnership_tables` returns; ``check`` holds
        options for ``scpb check`` beyond the title and notes (see :func:`publish_table`).
    output_dir : path or None
        The pack's output folder (see :func:`publish_table`).
    prefix : str
        Prepended to each table name for its CSV, e.g. ``"partnership_"``.
    names : list of str, optional
        Show only these tables, in this order (missing ones are skipped).

    Returns
    -------
    list of str
        The names shown.

    Examples
    --------
    >>> shown = show_tables({"t": ("Title", pd.DataFrame({"a": [1]}), ["A note."])}, None,
    ...                     prefix="x_")  # doctest: +ELLIPSIS
    <IPython.core.display.Markdown object>
    ...
    >>> shown
    ['t']
    """
    from IPython.display import Markdown, display

    order = [n for n in (names or list(tables)) if n in tables]
    for name in order:
        title, frame, notes, *extra = tables[name]
        check = {"title": title, "note": list(notes), **(extra[0] if extra else {})}
        display(Markdown(f"**{title}**"))
        display(publish_table(frame, f"{prefix}{name}", output_dir, check=check))
        if notes:
            display(Markdown("\n\n".join(notes)))
    return order

def show_sections(sections: list, *, area: str = "", breaks: pd.DataFrame | None = None) -> None:
    """Display the headline sections in a notebook: heading, chart, comparison, narrative.

    ``sections`` are :class:`~scpb_analysis.blocks.dashboard.IndicatorSection` objects;
    each chart names ``area`` and draws the series breaks of ``breaks`` (the loader's table,
    :func:`scpb_analysis.blocks.dashboard.chart_breaks`).

    Examples
    --------
    >>> from scpb_analysis.blocks.dashboard import IndicatorSection
    >>> show_sections([IndicatorSection("x", "X", False, note="Not in this data.")])
    <IPython.core.display.Markdown object>
    """
    from IPython.display import HTML, Markdown, display

    from scpb_analysis.blocks.dashboard import INCOMPLETE_MARK, chart_breaks, trend_chart
    from scpb_analysis.text.reader_tables import reader_html

    for section in sections:
        if not section.available:
            display(Markdown(f"### {section.title}\n\n*{section.note}*"))
            continue
        if not section.complete:
            display(Markdown(f"### {section.title} ({INCOMPLETE_MARK})\n\n**These figures are "
                             "incomplete: part of this indicator may sit in a category the "
                             "toolkit cannot yet place, so they are not its full count. "
                             "The notes below name the file and the category.**"))
        else:
            display(Markdown(f"### {section.title}"))
        if section.trend is not None:
            months = len(section.trend)
            show_figure(trend_chart(section.trend,
                                    f"{section.title}: monthly offences, last {months} months",
                                    area=area, breaks=chart_breaks(breaks, section.indicator)))
        display(HTML(reader_html(section.summary(), {"measure": "Measure", "value": "Value"},
                                 formats={"value": "text"}, classes="summary")))
        lines = [f"**RAG: {section.rag_text}**", "", str(section.comparison["narrative"])]
        if section.note:
            lines += ["", f"*Notes: {section.note}*"]
        display(Markdown("\n".join(lines)))


def show_reader_warnings() -> None:
    """Show the toolkit's warnings on the page as notes; keep library noise off it.

    A warning raised by the toolkit (a month set aside, a ward without LSOAs, ...) tells the
    reader something about the figures, so it is shown where it happened as a visible note. A
    warning from inside another library (a deprecation, a numerical detail) is not something
    the reader can act on, and is not shown.

    Examples
    --------
    >>> import warnings
    >>> show_reader_warnings()
    >>> warnings.warn("2 months set aside")  # doctest: +SKIP
    """
    import warnings

    package = str(Path(__file__).resolve().parents[1])

    def show(message, category, filename, lineno, file=None, line=None):  # noqa: ARG001
        from IPython.display import Markdown, display

        from_us = str(Path(filename).resolve()).startswith(package) or "ipykernel" in filename
        if from_us and issubclass(category, UserWarning):
            display(Markdown(f"> **Note:** {html.escape(str(message))}"))

    warnings.showwarning = show
    # Each note once per place it comes from, as Python shows warnings by default.
    warnings.simplefilter("default")


class _Prose:
    """Markdown for the page whose plain-text form (what nbval compares) is the same words."""

    def __init__(self, text: str) -> None:
        self.text = text

    def _repr_markdown_(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return self.text


def show_text(text: str) -> None:
    """Display sentences as the page's prose, one paragraph per line.

    Their plain-text form is the same words, so nbval compares them as it would ``print``.

    Examples
    --------
    >>> show_text("Two lines.\\nSecond.")
    Two lines.
    <BLANKLINE>
    Second.
    """
    from IPython.display import display

    display(_Prose("\n\n".join(line for line in text.splitlines() if line.strip())))


def show_overview(comparison: pd.DataFrame, trends: pd.DataFrame | None = None) -> None:
    """Display the overview table of the headline indicators and the key messages under it.

    The messages are checked against the table before they are shown
    (:func:`scpb_analysis.blocks.overview.checked_key_messages`); a message that disagrees
    with its row stops the section rather than reaching the board.

    Examples
    --------
    >>> show_overview(pd.DataFrame({"dashboard": [], "indicator_name": [], "rag": []}))
    <IPython.core.display.HTML object>
    - Ratings: 0 Red, 0 Amber, 0 Green.
    """
    from IPython.display import HTML, display

    from scpb_analysis.blocks.overview import checked_key_messages, overview_html, rag_rules

    display(HTML(overview_html(comparison, trends)))
    messages, rules = checked_key_messages(comparison), rag_rules(comparison)
    text = "\n".join(f"- {m}" for m in messages)
    if rules:
        text += "\n\n*RAG rule: " + " ".join(rules) + "*"
    display(_Prose(text))


def show_appendix(summary: str, parts: Sequence) -> None:
    """Display parts for the analyst (load reports, revisions) folded under ``summary``.

    ``parts`` are Markdown strings and tables (:class:`PublishedTable`); the reader sees one
    line, and opens it to see them.

    Examples
    --------
    >>> show_appendix("How the data were loaded", ["Two files read."])
    <IPython.core.display.HTML object>
    """
    import mistune
    from IPython.display import HTML, display

    body = []
    for part in parts:
        body.append(mistune.html(part) if isinstance(part, str) else part._repr_html_())
    display(HTML(f"<details class='appendix'><summary>{html.escape(summary)}</summary>"
                 + "".join(body) + "</details>"))


def show_findings(findings: Sequence, output_dir: str | Path | None,
                  tables: Mapping[str, pd.DataFrame] | None = None, *,
                  name: str = "needs_assessment_key_findings") -> PublishedTable:
    """Check key findings against the tables they quote, publish them and show them as a list.

    Each finding is re-read against its table as published: the CSV in ``output_dir`` (what
    the workbook and the reader get), else ``tables[finding.table]`` when nothing is written
    (interactive use). A finding its table contradicts stops the section
    (:func:`scpb_analysis.blocks.sv_findings.checked_findings`).

    Returns
    -------
    PublishedTable
        The findings table (``topic, finding, table``), written as ``name``.

    Examples
    --------
    >>> from scpb_analysis.blocks.sv_findings import Finding
    >>> t = pd.DataFrame({"area": ["Barnet"], "count": [34]})
    >>> f = Finding("Who is affected", "34 victims.", "t", (({"area": "Barnet"},
    ...                                                      {"count": "34"}),))
    >>> _ = show_findings([f], None, {"t": t})
    **Who is affected**
    <BLANKLINE>
    - 34 victims.
    """
    from scpb_analysis.blocks.sv_findings import checked_findings, findings_table

    quoted = {}
    for finding in findings:
        path = table_path(output_dir, finding.table) if output_dir is not None else None
        if path is not None and path.exists():
            quoted[finding.table] = pd.read_csv(path)
        elif tables is not None and finding.table in tables:
            quoted[finding.table] = tables[finding.table]
    checked = checked_findings(findings, quoted)
    lines = []
    for topic in dict.fromkeys(f.topic for f in checked):
        lines += [f"**{topic}**", *[f"- {f.text}" for f in checked if f.topic == topic]]
    show_text("\n".join(lines) if lines else "No finding could be drawn from the data.")
    return publish_table(findings_table(checked), name, output_dir, generated=("finding",),
                         columns=["topic", "finding"])


def show_part(part, output_dir: str | Path | None) -> None:
    """Show one part of a page (:class:`scpb_analysis.pack.needs.Part`) in reading order,
    publishing each of its tables.

    Headings are level 3, generated prose goes through :func:`show_text`, a gap (what the
    data cannot give) is shown in italics.

    Examples
    --------
    >>> from scpb_analysis.pack.needs import Part, PartTable
    >>> part = Part()
    >>> part.add("heading", "Knife injury victims")
    >>> part.add("gap", "Not available: no extract.")
    >>> show_part(part, None)
    <IPython.core.display.Markdown object>
    <IPython.core.display.Markdown object>
    """
    from IPython.display import Markdown, display

    for kind, value in part.items:
        if kind == "heading":
            display(Markdown(f"### {value}"))
        elif kind == "markdown":
            display(Markdown(value))
        elif kind == "text":
            show_text(value)
        elif kind == "gap":
            display(Markdown(f"*{value}*"))
        elif kind == "figure":
            show_figure(value)
        else:
            shown = publish_table(value.frame, value.name, output_dir, columns=value.columns,
                                  labels=value.labels, decimals=value.decimals,
                                  generated=value.generated)
            if value.shown:
                display(shown)
