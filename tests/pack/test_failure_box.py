"""A section that cannot be built: a plain box on the page, the failing line for the analyst.

Fast: a hand-made executed notebook (as papermill leaves one when cells raise with errors
allowed) is read and rendered as the runner does, without running a kernel. The whole-pack
builds with a planted failure are in ``test_pack.py`` (slow).
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from nbconvert import HTMLExporter

from scpb_analysis.pack.failures import (
    SectionFailure,
    failures_text,
    find_failures,
    not_built_box,
    show_failures_plainly,
)
from scpb_analysis.pack.runner import NotebookRun, PackBuild
from scpb_analysis.qa.disclosure import scan_outputs

# As IPython 9 prints them to the notebook (coloured), for a package error raised two frames
# down and for a cell that raises itself.
_PACKAGE_TRACEBACK = [
    "\x1b[31m---------------------------------------------------------------------------\x1b[39m",
    "\x1b[31mInputDataError\x1b[39m                            Traceback (most recent call last)",
    "\x1b[36mCell\x1b[39m\x1b[36m \x1b[39m\x1b[32mIn[3]\x1b[39m\x1b[32m, line 2\x1b[39m\n"
    "\x1b[32m      1\x1b[39m crime = data.ward_crime()\n"
    "\x1b[32m----> \x1b[39m\x1b[32m2\x1b[39m population = data.ward_population()\n",
    "\x1b[36mFile \x1b[39m\x1b[32m/srv/scpb/scpb_analysis/pack/data.py:210\x1b[39m, in "
    "\x1b[36mPackData.ward_population\x1b[39m\x1b[34m(self)\x1b[39m\n"
    "\x1b[32m--> \x1b[39m\x1b[32m210\x1b[39m     return read_population(self.dir)\n",
    "\x1b[36mFile \x1b[39m\x1b[32m/srv/scpb/scpb_analysis/sources/population.py:88\x1b[39m, in "
    "\x1b[36mread_population\x1b[39m\x1b[34m(folder)\x1b[39m\n"
    "\x1b[32m---> \x1b[39m\x1b[32m88\x1b[39m     raise InputDataError(path, problem)\n",
    "\x1b[36mFile \x1b[39m\x1b[32m/usr/lib/python3/site-packages/pandas/io/parsers.py:12\x1b[39m, "
    "in \x1b[36mread_csv\x1b[39m\x1b[34m()\x1b[39m\n",
    "\x1b[31mInputDataError\x1b[39m: population.csv, row 5: 'abc' is not a count",
]
_CELL_TRACEBACK = [
    "\x1b[31m---------------------------------------------------------------------------\x1b[39m",
    "\x1b[31mKeyError\x1b[39m                                  Traceback (most recent call last)",
    "\x1b[36mCell\x1b[39m\x1b[36m \x1b[39m\x1b[32mIn[6]\x1b[39m\x1b[32m, line 2\x1b[39m\n"
    "\x1b[32m      1\x1b[39m top = rates.iloc[0]\n"
    "\x1b[32m----> \x1b[39m\x1b[32m2\x1b[39m print(top['ward'])\n",
    "\x1b[31mKeyError\x1b[39m: 'ward'",
]


def _error(ename: str, evalue: str, traceback: list[str]):
    return nbformat.v4.new_output("error", ename=ename, evalue=evalue, traceback=traceback)


def _code(source: str, count: int, *outputs):
    cell = nbformat.v4.new_code_cell(source, execution_count=count)
    cell.outputs = list(outputs)
    return cell


@pytest.fixture
def executed():
    """Title; a section whose load fails; two sections needing it; one that does not; a
    section whose own cell raises; papermill's banners, as it leaves them."""
    def banner():
        return nbformat.v4.new_markdown_cell(
            '<span style="color:red">Execution using papermill encountered an exception here '
            "and stopped:</span>", metadata={"tags": ["papermill-error-cell-tag"]})

    return nbformat.v4.new_notebook(cells=[
        banner(),
        nbformat.v4.new_markdown_cell("# Ward maps\n\nRates per 1,000 residents."),
        _code("borough = 'Barnet'", 1),
        _code("crime = data.ward_crime()\npopulation = data.ward_population()", 3,
              nbformat.v4.new_output("stream", name="stdout", text="reading wards\n"),
              _error("InputDataError", "population.csv, row 5: 'abc' is not a count",
                     _PACKAGE_TRACEBACK)),
        nbformat.v4.new_markdown_cell("## Rates by *ward*"),
        _code("show(population)", 4, _error(
            "NameError", "name 'population' is not defined",
            ["\x1b[31mNameError\x1b[39m: name 'population' is not defined"])),
        _code("check(population)", 5, _error(
            "NameError", "name 'population' is not defined",
            ["\x1b[31mNameError\x1b[39m: name 'population' is not defined"])),
        nbformat.v4.new_markdown_cell("## Partnership"),
        _code("show_tables(tables)", 6, nbformat.v4.new_output(
            "display_data", data={"text/html": "<p>CCTV incidents: 412</p>",
                                  "text/plain": "CCTV incidents: 412"})),
        nbformat.v4.new_markdown_cell("## Top wards"),
        banner(),
        _code("top = rates.iloc[0]\nprint(top['ward'])", 6,
              _error("KeyError", "'ward'", _CELL_TRACEBACK)),
    ])


def _render(notebook) -> str:
    show_failures_plainly(notebook, find_failures(notebook, "Ward maps"))
    body, _ = HTMLExporter(exclude_input=True, exclude_input_prompt=True,
                           exclude_output_prompt=True).from_notebook_node(notebook)
    return body


def test_failures_name_section_error_and_the_line_that_raised(executed):
    failures = find_failures(executed, "Ward maps")
    assert [(f.section, f.ename, f.needs) for f in failures] == [
        ("Ward maps", "InputDataError", ""),
        ("Rates by ward", "NameError", "Ward maps"),
        ("Rates by ward", "NameError", "Ward maps"),
        ("Top wards", "KeyError", ""),
    ]
    # The innermost frame inside the package, not pandas below it nor the cell above it.
    assert failures[0].where == "scpb_analysis/sources/population.py:88 in read_population"
    # Raised by the cell itself: the notebook line, in its words.
    assert failures[3].where == "notebook In [6], line 2: print(top['ward'])"
    assert failures[0].analyst_text() == (
        "section \"Ward maps\": InputDataError: population.csv, row 5: 'abc' is not a count\n"
        "    at scpb_analysis/sources/population.py:88 in read_population")


def test_the_page_shows_plain_boxes_and_no_traceback(executed, tmp_path):
    page = _render(executed)
    # What is wrong, in the package error's own words, and what to do.
    assert "This section could not be built." in page
    assert "population.csv, row 5: 'abc' is not a count" in page
    assert "Correct or replace the file named above" in page
    # Any other error: said to be the toolkit's, with its type and message.
    assert re.search(r"This section could not be built because of an error in the toolkit\."
                     r"</strong>.*What is wrong:</strong> KeyError: 'ward'</p>", page)
    # The sections needing the failed one say so once, not once per cell.
    assert page.count("Not shown: this part needs “Ward maps” above") == 1
    assert page.count('class="scpb-not-built"') == 3
    # The rest of the page is there: output before the error, a section not needing it.
    assert "reading wards" in page and "CCTV incidents: 412" in page
    for traceback_text in ("Traceback", "most recent call last", 'File "', ".py:", "\x1b[",
                           "[0;3", "NameError", "papermill", "InputDataError"):
        assert traceback_text not in page, traceback_text
    assert not re.search(r"\bIn \[\d+\]", page)
    target = tmp_path / "page.html"
    target.write_text(page, encoding="utf-8")
    assert scan_outputs([target]) == []


def test_the_box_passes_the_page_scan(tmp_path):
    # An error quoting personal data is found by the page's scan like any other text on it.
    box = not_built_box(SectionFailure(3, "Partnership", "InputDataError",
                                       "cctv.csv, row 4: caller 07700 900777 is not a ward"))
    target = tmp_path / "page.html"
    target.write_text(f"<html><body>{box}</body></html>", encoding="utf-8")
    assert [f.kind for f in scan_outputs([target])] == ["phone"]


def test_the_summary_names_notebook_section_and_line(executed):
    failures = find_failures(executed, "Ward maps")
    run = NotebookRun("ward_maps", False, 2.0, error=failures_text(failures),
                      failures=failures)
    lines = PackBuild(Path("out"), [run]).summary().splitlines()
    assert lines[:5] == [
        "ward_maps: FAILED (2.0 s)",
        "    section \"Ward maps\": InputDataError: population.csv, row 5: 'abc' is not a count",
        "        at scpb_analysis/sources/population.py:88 in read_population",
        "    section \"Top wards\": KeyError: 'ward'",
        "        at notebook In [6], line 2: print(top['ward'])"]
    # The cells that failed only for want of the first section: named once, no traceback.
    assert lines[5] == '    not shown, as they need "Ward maps": "Rates by ward"'
