"""A section that could not be built: a plain box for the reader, the failing line for the analyst.

The pack's notebooks run with cell errors allowed (:mod:`scpb_analysis.pack.runner`), so one
section that fails does not stop the sections after it. The executed notebook keeps each full
traceback for the analyst; the rendered page shows, in its place, a short box saying what is
missing or wrong and what to do (:func:`show_failures_plainly`), and the build summary names
the section and the line that raised (:meth:`SectionFailure.analyst_text`).

A later cell that fails only because an earlier failed cell never defined its variables
(``NameError``) is not a failure of its own: it is reported once per section as needing the
section that failed, never with a box of its own.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

__all__ = ["SectionFailure", "failures_text", "find_failures", "not_built_box",
           "show_failures_plainly"]

#: The package's errors whose messages are written for the person who supplies the data, and
#: what that person can do about each. Keyed by class name, as a kernel reports it.
_ADVICE = {
    "MissingSourceError": "Add this source to the data folder and rebuild the pack, or ask the "
                          "analyst who builds the pack.",
    "InputDataError": "Correct or replace the file named above and rebuild the pack, or ask "
                      "the analyst who prepared the data.",
    "CoverageError": "Supply data that cover this period and rebuild the pack, or ask the "
                     "analyst to build it for a period the data cover.",
    "UnknownAreaError": "Check the borough the pack was built for, or supply data for it; "
                        "ask the analyst who builds the pack.",
    "UnmappedCategoryError": "Ask the analyst who builds the pack: the toolkit's maintainers "
                             "can place this crime category, or the pack can show these "
                             "figures marked incomplete.",
    "IncompleteIndicatorError": "Ask the analyst who builds the pack: the toolkit's "
                                "maintainers can place this crime category, or the pack can "
                                "show these figures marked incomplete.",
    "UnknownWardError": "Check the ward the pack was built for, or ask the analyst who builds "
                        "the pack.",
    "PersonalDataError": "Personal data must not be published: remove it from the source "
                         "data, or ask the data's owner.",
    "FetchError": "Download the source again, or ask the analyst who builds the pack.",
    "ChecksumMismatchError": "Download the source again, or ask the analyst who builds the "
                             "pack.",
}
_TOOLKIT_ADVICE = ("Tell the analyst who builds the pack: the build report names the line "
                   "that failed, for the toolkit's maintainers.")
# Long messages (a table of unmapped categories) belong in the build report, not the box.
_MAX_MESSAGE = 600
_PAPERMILL_BANNER = "papermill-error-cell-tag"

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_HEADING = re.compile(r"^ {0,3}#{1,6}\s+(.+?)\s*#*\s*$")
_FILE_FRAME = re.compile(r"^File (?P<path>.+?):(?P<line>\d+), in (?P<func>[^\s(]+)")
# Python's own format, which older IPython versions and plain kernels print.
_PY_FRAME = re.compile(r'^\s*File "(?P<path>[^"]+)", line (?P<line>\d+), in (?P<func>\S+)')
_CELL_FRAME = re.compile(r"^(?:Cell )?In ?\[(?P<count>\d+)\], line (?P<line>\d+)")
_UNDEFINED = re.compile(r"name '(?P<name>\w+)' is not defined")

_BOX_STYLE = ("border-left:6px solid #b45309;background:#fef3c7;color:#1f2937;"
              "padding:0.6em 1em;margin:0.8em 0;max-width:52em;font-size:1rem;line-height:1.4")
_NOTE_STYLE = ("border-left:6px solid #9ca3af;background:#f3f4f6;color:#1f2937;"
               "padding:0.5em 1em;margin:0.8em 0;max-width:52em;font-size:1rem")


@dataclass
class SectionFailure:
    """One code cell of an executed notebook that raised.

    Attributes
    ----------
    cell : int
        The cell's index in the executed notebook.
    section : str
        The heading above the cell (the notebook's title if none).
    ename, evalue : str
        The exception's class name and message.
    where : str
        The line that raised: the innermost frame inside ``scpb_analysis`` as
        ``scpb_analysis/…/module.py:LINE in function``, else the notebook line itself.
    needs : str
        For a cell that failed only because an earlier section failed (a ``NameError`` for a
        variable that section never defined): that section's heading; ``""`` otherwise.
    """

    cell: int
    section: str
    ename: str
    evalue: str
    where: str = ""
    needs: str = ""

    def analyst_text(self) -> str:
        """The failure for the build summary: section, error and failing line.

        Examples
        --------
        >>> SectionFailure(4, "Ward maps", "ValueError", "bad",
        ...                "scpb_analysis/geo/x.py:12 in read").analyst_text()
        'section "Ward maps": ValueError: bad\\n    at scpb_analysis/geo/x.py:12 in read'
        """
        text = f'section "{self.section}": {self.ename}: {self.evalue}'
        return text + (f"\n    at {self.where}" if self.where else "")

    @property
    def toolkit(self) -> bool:
        """True for an error of the toolkit itself, not one about the data it was given.

        Examples
        --------
        >>> SectionFailure(4, "Ward maps", "KeyError", "'b'").toolkit
        True
        """
        return self.ename not in _ADVICE

    def heading(self) -> str:
        """The box's first line.

        Examples
        --------
        >>> SectionFailure(4, "Ward maps", "KeyError", "'b'").heading()
        'This section could not be built because of an error in the toolkit.'
        """
        return ("This section could not be built because of an error in the toolkit."
                if self.toolkit else "This section could not be built.")

    def reader_message(self) -> str:
        """What is wrong, as the reader sees it (plain text): the package error's own message,
        or for an error of the toolkit its type and message.

        Examples
        --------
        >>> SectionFailure(4, "Ward maps", "KeyError", "'b'").reader_message()
        "KeyError: 'b'"
        """
        message = (f"{self.ename}: {self.evalue}" if self.toolkit else self.evalue)
        message = " ".join(message.split()) or "the data are not as expected"
        if len(message) > _MAX_MESSAGE:
            message = message[:_MAX_MESSAGE].rsplit(" ", 1)[0] + " …"
        return message

    def advice(self) -> str:
        """What to supply or whom to ask.

        Examples
        --------
        >>> SectionFailure(4, "Ward maps", "MissingSourceError", "no boundaries").advice()[:37]
        'Add this source to the data folder an'
        """
        return _ADVICE.get(self.ename, _TOOLKIT_ADVICE)

    def as_dict(self) -> dict[str, str | int]:
        """The failure as JSON-ready fields, as the pack's provenance records it.

        Examples
        --------
        >>> SectionFailure(4, "Ward maps", "ValueError", "bad").as_dict()["section"]
        'Ward maps'
        """
        return asdict(self)


def _plain(text: str) -> str:
    return re.sub(r"[*_`]+", "", text).strip()


def _headings(notebook, title: str) -> list[str]:
    """The heading each cell sits under: the last heading line of a markdown cell above it."""
    current = title
    out = []
    for cell in notebook.cells:
        out.append(current)
        if cell.cell_type != "markdown" or _PAPERMILL_BANNER in cell.metadata.get("tags", []):
            continue
        for line in cell.source.splitlines():
            found = _HEADING.match(line)
            if found:
                current = _plain(found.group(1))
    return out


def _where(traceback: Iterable[str], cell) -> str:
    """The line that raised, from a kernel's (coloured) traceback."""
    entries = [_ANSI.sub("", entry) for entry in traceback]
    # A chained exception prints each traceback in turn; the cell raised the last one.
    starts = [i for i, entry in enumerate(entries) if "Traceback (most recent call last)" in entry]
    entries = entries[starts[-1] + 1:] if starts else entries
    package = cell_line = other = ""
    for entry in entries:
        first = entry.lstrip("\n").split("\n", 1)[0]
        frame = _FILE_FRAME.match(first) or _PY_FRAME.match(first)
        if frame:
            path = frame["path"].replace("\\", "/")
            at = path.rfind("/scpb_analysis/")
            here = f"{path[at + 1:] if at >= 0 else path}:{frame['line']} in {frame['func']}"
            if at >= 0:
                package = here
            other = here
            continue
        frame = _CELL_FRAME.match(first)
        if frame:
            number = int(frame["line"])
            lines = cell.source.splitlines()
            text = lines[number - 1].strip() if (
                str(cell.get("execution_count")) == frame["count"]
                and 0 < number <= len(lines)) else ""
            cell_line = (f"notebook In [{frame['count']}], line {number}"
                         + (f": {text}" if text else ""))
    return package or cell_line or other


def find_failures(notebook, title: str = "") -> list[SectionFailure]:
    """Every code cell of an executed notebook that raised, in order.

    Parameters
    ----------
    notebook : nbformat.NotebookNode
        A notebook run with errors allowed (each failing cell holds an ``error`` output).
    title : str
        The section of a cell above every heading.

    Returns
    -------
    list of SectionFailure
        A ``NameError`` after an earlier failure is marked as needing the section whose cell
        mentions the undefined name (else the first failed section).

    Examples
    --------
    >>> import nbformat
    >>> book = nbformat.v4.new_notebook(cells=[
    ...     nbformat.v4.new_markdown_cell("## Rates"), nbformat.v4.new_code_cell("rates = f()"),
    ...     nbformat.v4.new_markdown_cell("## Maps"), nbformat.v4.new_code_cell("draw(rates)")])
    >>> book.cells[1].outputs = [nbformat.v4.new_output("error", ename="OSError",
    ...                                                 evalue="disk full", traceback=[])]
    >>> book.cells[3].outputs = [nbformat.v4.new_output(
    ...     "error", ename="NameError", evalue="name 'rates' is not defined", traceback=[])]
    >>> [(f.section, f.ename, f.needs) for f in find_failures(book)]
    [('Rates', 'OSError', ''), ('Maps', 'NameError', 'Rates')]
    """
    headings = _headings(notebook, title)
    found: list[SectionFailure] = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            if output.get("output_type") != "error":
                continue
            ename, evalue = str(output.get("ename", "")), str(output.get("evalue", ""))
            failure = SectionFailure(index, headings[index], ename, evalue,
                                     _where(output.get("traceback", []), cell))
            own = [f for f in found if not f.needs]
            undefined = _UNDEFINED.search(evalue)
            if ename == "NameError" and undefined and own:
                name = re.compile(rf"\b{re.escape(undefined['name'])}\b")
                origin = next((f for f in reversed(own)
                               if name.search(notebook.cells[f.cell].source)), own[0])
                failure.needs = origin.section
            found.append(failure)
            break
    return found


def failures_text(failures: Sequence[SectionFailure]) -> str:
    """The failures of one notebook for the build summary, one section after another.

    Each section that failed names its error and failing line; the sections not shown only
    because they need a failed one are listed once.

    Examples
    --------
    >>> print(failures_text([SectionFailure(3, "Ward maps", "OSError", "disk full", "f.py:1"),
    ...                      SectionFailure(5, "Hot spots", "NameError", "...", "",
    ...                                     needs="Ward maps")]))
    section "Ward maps": OSError: disk full
        at f.py:1
    not shown, as they need "Ward maps": "Hot spots"
    """
    lines = [f.analyst_text() for f in failures if not f.needs]
    needing: dict[str, list[str]] = {}
    for failure in failures:
        if failure.needs and failure.section not in needing.setdefault(failure.needs, []):
            needing[failure.needs].append(failure.section)
    for needed, sections in needing.items():
        lines.append(f'not shown, as they need "{needed}": '
                     + ", ".join(f'"{s}"' for s in sections))
    return "\n".join(lines)


def not_built_box(failure: SectionFailure | None = None, *, message: str = "",
                  advice: str = "", heading: str = "This section could not be built.") -> str:
    """The HTML box a reader sees where a section could not be built.

    Parameters
    ----------
    failure : SectionFailure, optional
        The failure to describe; or give ``message`` and ``advice`` directly.
    message, advice, heading : str
        Plain text (escaped here): what is wrong, what to do, the first line.

    Examples
    --------
    >>> box = not_built_box(SectionFailure(4, "Ward maps", "InputDataError", "x.csv: bad"))
    >>> "could not be built" in box and "x.csv: bad" in box
    True
    """
    if failure is not None:
        message, advice = failure.reader_message(), failure.advice()
        heading = failure.heading()
    return (f'<div class="scpb-not-built" role="note" style="{_BOX_STYLE}">'
            f'<p style="margin:0 0 0.4em 0"><strong>{html.escape(heading)}</strong></p>'
            f'<p style="margin:0 0 0.4em 0"><strong>What is wrong:</strong> '
            f'{html.escape(message)}</p>'
            f'<p style="margin:0"><strong>What to do:</strong> {html.escape(advice)}</p>'
            '</div>')


def _needs_note(section: str) -> str:
    return (f'<div class="scpb-not-built" role="note" style="{_NOTE_STYLE}">'
            f'<p style="margin:0">Not shown: this part needs “{html.escape(section)}” above, '
            'which could not be built.</p></div>')


def _display(markup: str, text: str) -> dict:
    import nbformat

    return nbformat.v4.new_output("display_data", data={"text/html": markup,
                                                        "text/plain": text})


def show_failures_plainly(notebook, failures: list[SectionFailure]) -> None:
    """Replace each error output by a plain box and drop papermill's error banners, in place.

    A failure of its own gets :func:`not_built_box`; one that only needs an earlier section
    gets a one-line note, once per section (none in the failed section itself). Outputs the
    cell displayed before it raised are kept.

    Parameters
    ----------
    notebook : nbformat.NotebookNode
        The executed notebook, as :func:`find_failures` read it (cell indices match).
    failures : list of SectionFailure

    Examples
    --------
    >>> import nbformat
    >>> book = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("f()")])
    >>> book.cells[0].outputs = [nbformat.v4.new_output(
    ...     "error", ename="OSError", evalue="disk full", traceback=["Traceback ..."])]
    >>> show_failures_plainly(book, find_failures(book))
    >>> [o["output_type"] for o in book.cells[0].outputs]
    ['display_data']
    """
    noted = {f.section for f in failures if not f.needs}
    for failure in failures:
        cell = notebook.cells[failure.cell]
        if failure.needs:
            shown = ([] if failure.section in noted else
                     [_display(_needs_note(failure.needs),
                               f"Not shown: this part needs {failure.needs}.")])
            noted.add(failure.section)
        else:
            shown = [_display(not_built_box(failure),
                              f"{failure.heading()} {failure.reader_message()}")]
        outputs = []
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                outputs += shown
            else:
                outputs.append(output)
        cell.outputs = outputs
    notebook.cells = [cell for cell in notebook.cells
                      if _PAPERMILL_BANNER not in cell.metadata.get("tags", [])]
