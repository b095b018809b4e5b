"""Build the quarterly pack: run the parameterised notebooks with papermill and render them.

``build_pack`` runs each notebook in ``notebooks/`` with the same parameters (``borough``,
``period_end``, ``data_dir``, ``audience``, ``output_dir``), in parallel, then for each one
writes the executed notebook, a code-free HTML page (figures embedded, no input cells, no
prompts, with a provenance section: parameters, package version, input files with SHA-256,
build time), and finally one Excel workbook of every table the notebooks published, an
``index.html`` linking the pack and ``provenance.json``.

A section that cannot be built does not stop its notebook: the notebooks run with cell errors
allowed, the page shows a short plain box in the section's place (what is missing or wrong,
what to do; :mod:`scpb_analysis.pack.failures`) and the sections after it that do not need it,
and the executed notebook keeps the full traceback. The build then fails (``ok`` False) and
its summary names the notebook, the section and the line that raised. A notebook that fails
as a whole (its kernel dies) is reported with its error; the others still finish.

A build is atomic. The pack is written in a temporary folder beside ``out`` and moved into
place only when complete, so ``out`` always holds one whole pack: the previous one until the
new one is ready, never a mixture (an ``--only`` rebuild starts from a copy of the previous
pack, carrying its other pages over when it was built with the same parameters). A notebook
that fails does not stop the pack: the new pack is moved into place with the failure shown on
its index page, as a complete pack of what ran. An interrupted build (Ctrl-C) stops the running
kernels, deletes the temporary folder and leaves the previous pack untouched.

Input files are listed in the provenance by their path in the data folder, unless a part of
that path holds personal data (:func:`scpb_analysis.qa.disclosure.scan_file_name`): the notebooks
then read the data through a mirror with those words masked
(:func:`scpb_analysis.qa.input_names.publishable_inputs`), and the provenance lists the file as
``file withheld (personal data in its name)`` with its SHA-256 prefix.
"""

from __future__ import annotations

import functools
import html
import json
import logging
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from scpb_analysis.pack.failures import SectionFailure
from scpb_analysis.qa.input_names import PublishableInputs, publishable_inputs

__all__ = [
    "NOTEBOOKS",
    "WITHHELD_LABEL",
    "NotebookRun",
    "TABLE_PREFIXES",
    "PackBuild",
    "build_pack",
    "list_notebooks",
    "notebook_parameters",
    "notebooks_dir",
]

#: The pack's notebooks in reading order: name -> (title, data sources it reads). Each
#: notebook's tables are named with its own prefix (:data:`TABLE_PREFIXES`).
NOTEBOOKS: dict[str, tuple[str, tuple[str, ...]]] = {
    "performance_dashboard": ("Performance dashboard",
                              ("mps_borough", "mps_dashboard", "ons_csp", "population",
                               "lookups", "partnership")),
    "ward_maps": ("Ward maps", ("mps_ward", "boundaries", "population", "lookups")),
    "ward_profile": ("Ward profile", ("mps_ward", "boundaries", "population", "lookups",
                                      "deprivation")),
    "serious_violence_needs_assessment": (
        "Serious Violence Duty strategic needs assessment",
        ("mps_borough", "mps_dashboard", "mps_ward", "mps_ward_all", "mps_lsoa", "mps_homicide",
         "mps_vawg", "boundaries", "population", "lookups", "deprivation", "ons_csp",
         "partnership", "svd")),
    "partnership": ("Partnership data", ("partnership",)),
    "intervention_evaluation": ("Intervention evaluation and crime-pattern methods",
                                ("policeuk", "boundaries", "partnership", "mps_borough",
                                 "lookups")),
}

#: The file-name prefix of each notebook's tables, so a re-run replaces only its own.
TABLE_PREFIXES = {
    "performance_dashboard": "dashboard",
    "ward_maps": "ward_maps_",
    "ward_profile": "ward_profile_",
    "serious_violence_needs_assessment": "needs_assessment_",
    "partnership": "partnership_",
    "intervention_evaluation": "intervention_",
}

# Outside London a notebook reads the force's police.uk files where it would read MPS tables.
_MPS_SOURCES = ("mps_borough", "mps_dashboard", "mps_ward", "mps_ward_all", "mps_lsoa",
                "mps_homicide", "mps_vawg")

_WORKBOOK = "pack_tables.xlsx"
_PROVENANCE = "provenance.json"
#: How an input file whose name holds personal data is listed in the pack.
WITHHELD_LABEL = "file withheld (personal data in its name)"
# Parameters that make two packs comparable: an --only rebuild carries the previous pack's
# other pages over only when they were built with these the same.
_SAME_PACK = ("borough", "period_end", "data_dir", "audience", "figures", "incomplete",
              "ward", "rag")


def notebooks_dir() -> Path:
    """The folder holding the pack's notebooks.

    ``$SCPB_NOTEBOOKS`` if set, else ``notebooks/`` beside the package (the repository
    layout an editable install uses).

    Examples
    --------
    >>> (notebooks_dir() / "performance_dashboard.ipynb").exists()
    True
    """
    override = os.environ.get("SCPB_NOTEBOOKS")
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[2] / "notebooks"


#: The order notebooks start in: the two that read the most first (they fill the table cache
#: with the MPS borough and ward files), then the needs assessment, which reads most of what
#: they read and more, so the slowest page is not left to run alone at the end.
_START_ORDER = ("performance_dashboard", "ward_maps", "serious_violence_needs_assessment",
                "ward_profile", "partnership")


def _start_order(name: str) -> int:
    return _START_ORDER.index(name) if name in _START_ORDER else len(_START_ORDER)


def _notebook_path(name: str) -> Path:
    if name not in NOTEBOOKS:
        raise ValueError(f"unknown notebook {name!r}; the pack's notebooks are "
                         f"{', '.join(NOTEBOOKS)}")
    path = notebooks_dir() / f"{name}.ipynb"
    if not path.exists():
        raise FileNotFoundError(f"{path}: notebook not found (set SCPB_NOTEBOOKS to the "
                                "folder holding the pack's notebooks)")
    return path


def list_notebooks() -> list[dict[str, str]]:
    """The pack's notebooks: ``name``, ``title`` and ``path``, in reading order.

    Examples
    --------
    >>> [n["name"] for n in list_notebooks()][:2]
    ['performance_dashboard', 'ward_maps']
    """
    return [{"name": name, "title": title, "path": str(_notebook_path(name))}
            for name, (title, _) in NOTEBOOKS.items()]


def notebook_parameters(name: str) -> list[dict[str, str]]:
    """The parameters of one notebook, read from its cell tagged ``parameters``.

    Returns
    -------
    list of dict
        ``name``, ``type`` and ``default`` (as written in the cell) and ``help`` (the
        comment after it).

    Examples
    --------
    >>> [p["name"] for p in notebook_parameters("ward_profile")][:3]
    ['borough', 'period_end', 'data_dir']
    """
    import papermill

    found = papermill.inspect_notebook(str(_notebook_path(name)))
    return [{"name": key, "type": str(info.get("inferred_type_name") or "").replace("None", ""),
             "default": str(info.get("default", "")), "help": str(info.get("help", ""))}
            for key, info in found.items()]


@dataclass
class NotebookRun:
    """What happened to one notebook of the pack.

    ``error`` is the analyst's account of what failed (sections, errors, failing lines);
    ``failures`` holds the sections that could not be built, each shown on the page as a box.
    """

    name: str
    ok: bool
    seconds: float
    html: Path | None = None
    notebook: Path | None = None
    error: str = ""
    failures: list[SectionFailure] = field(default_factory=list)


@dataclass
class PackBuild:
    """The result of :func:`build_pack`."""

    out: Path
    runs: list[NotebookRun]
    tables: list[Path] = field(default_factory=list)
    workbook: Path | None = None
    index: Path | None = None
    #: Input files listed as withheld because their names hold personal data.
    withheld: int = 0
    #: Notebooks whose pages were carried over from the previous pack by an --only rebuild.
    carried: list[str] = field(default_factory=list)
    #: Whether the pages are also printed to PDF, and the PDFs printed.
    pdf: bool = False
    pdfs: list[Path] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True if every notebook ran."""
        return all(run.ok for run in self.runs)

    def summary(self) -> str:
        """One line per notebook (and what failed in it) and where to open the pack.

        Examples
        --------
        >>> run = NotebookRun("ward_maps", False, 1.0, error='section "Ward maps": OSError: x')
        >>> print(PackBuild(Path("out"), [run]).summary())
        ward_maps: FAILED (1.0 s)
            section "Ward maps": OSError: x
        0 tables in out/tables
        """
        lines = []
        for run in self.runs:
            status = "ok" if run.ok else "FAILED"
            detail = "".join(f"\n    {line}" for line in run.error.splitlines())
            lines.append(f"{run.name}: {status} ({run.seconds:.1f} s){detail}")
        if self.carried:
            lines.append(f"kept from the previous pack: {', '.join(self.carried)}")
        lines.append(f"{len(self.tables)} tables in {self.out / 'tables'}"
                     + (f" and {self.workbook}" if self.workbook else ""))
        if self.pdfs:
            lines.append(f"{len(self.pdfs)} PDFs (A4) in {self.out / 'pdf'}")
        if self.index:
            lines.append(f"Open the pack: {self.index.resolve().as_uri()}")
        return "\n".join(lines)


def _sources_read(name: str, kind: str) -> tuple[str, ...]:
    """The data sources notebook ``name`` reads for an area of ``kind``
    (:attr:`scpb_analysis.pack.data.PackData.kind`)."""
    sources = NOTEBOOKS[name][1]
    if kind != "policeuk":
        return sources
    kept = [s for s in sources if s not in _MPS_SOURCES]
    if len(kept) < len(sources):
        kept += [s for s in ("policeuk", "lookups") if s not in kept]
    return tuple(kept)


def _input_files(data_dir: Path, sources: Iterable[str], withheld: set[str],
                 masked: Iterable[str]) -> list[dict[str, str]]:
    """Every file of ``sources`` with its size and SHA-256; a file whose name (or a folder's)
    :func:`scpb_analysis.qa.input_names.publishable_inputs` masked (``masked``, paths in the
    mirror) is listed as :data:`WITHHELD_LABEL` and its path added to ``withheld``."""
    from scpb_analysis.sources.datadir import locate_data
    from scpb_analysis.sources.fetch import hash_file

    found = locate_data(data_dir)
    masked = {m.rstrip("/") for m in masked}
    files = []
    for source in sources:
        if not found.has(source):
            continue
        for path in sorted(p for p in found.path(source).rglob("*") if p.is_file()):
            digest, size = hash_file(path)
            relative = path.relative_to(data_dir)
            # Every folder name too: a folder may be named after a person as well as a file.
            personal = any("/".join(relative.parts[:i]) in masked
                           for i in range(1, len(relative.parts) + 1))
            name = f"{WITHHELD_LABEL}, sha256 {digest[:12]}…" if personal else relative.as_posix()
            if personal:
                withheld.add(relative.as_posix())
            files.append({"source": source, "file": name, "bytes": str(size), "sha256": digest,
                          **({"withheld": "personal data in its name"} if personal else {})})
    return files


def _failure_text(exc: BaseException) -> str:
    """A whole notebook's failure (its kernel died, it could not start), for the analyst."""
    return f"{type(exc).__name__}: {exc}"


class _Kernels:
    """The kernels a build has started, so that an interrupted build can stop them.

    Each kernel runs in a session of its own (jupyter_client starts it so), so Ctrl-C at the
    terminal reaches only ``scpb``; without this its kernels would run on, writing into a
    folder about to be deleted.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._managers: list = []
        self.stopping = threading.Event()

    def manager_class(self) -> type:
        from jupyter_client import AsyncKernelManager

        kernels = self

        class TrackedKernelManager(AsyncKernelManager):
            async def start_kernel(self, **kwargs):
                if kernels.stopping.is_set():
                    raise RuntimeError("the build was interrupted")
                with kernels._lock:
                    kernels._managers.append(self)
                await super().start_kernel(**kwargs)
                if kernels.stopping.is_set():  # interrupted while the kernel started
                    kernels._kill(self)

        return TrackedKernelManager

    def stop(self) -> None:
        self.stopping.set()
        with self._lock:
            managers = list(self._managers)
        for manager in managers:
            self._kill(manager)

    @staticmethod
    def _kill(manager) -> None:
        pid = getattr(getattr(manager, "provisioner", None), "pid", None)
        if not pid:
            return
        try:
            if not hasattr(os, "killpg"):  # Windows
                os.kill(pid, signal.SIGTERM)
                return
            group = os.getpgid(pid)
            if group != os.getpgrp():  # the kernel's own session: it and anything it started
                os.killpg(group, signal.SIGKILL)
            else:
                os.kill(pid, signal.SIGKILL)
        except OSError:
            pass  # already gone


def _execute(name: str, parameters: dict, executed: Path,
             kernels: _Kernels | None = None) -> tuple[str, float]:
    """Run one notebook; return the failure text ("" if it ran to its end, whether or not
    some of its cells raised: those are read from the executed notebook) and the seconds."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    started = time.perf_counter()
    if kernels is not None and kernels.stopping.is_set():
        return "not run: the build was interrupted", 0.0
    # Each notebook gets the pack's parameters it declares (papermill would inject the others
    # as unused variables, with a warning).
    declared = {item["name"] for item in notebook_parameters(name)}
    parameters = {k: v for k, v in parameters.items() if k in declared}
    extra = {} if kernels is None else {"kernel_manager_class": kernels.manager_class()}
    try:
        papermill.execute_notebook(str(_notebook_path(name)), str(executed),
                                   parameters=parameters, kernel_name="python3",
                                   progress_bar=False, cwd=str(notebooks_dir()),
                                   # Kernel start-up and shutdown chatter ("KeyboardInterrupt
                                   # caught in kernel" as it is stopped) is not for the pack's
                                   # user; a failing cell is reported from the notebook.
                                   extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
                                   # A section that fails must not hide the ones after it
                                   # (nbclient runs on; papermill still raises at the end).
                                   allow_errors=True, **extra)
    except PapermillExecutionError:
        pass
    except Exception as exc:  # noqa: BLE001 - every failure is reported, the pack goes on
        return _failure_text(exc), time.perf_counter() - started
    return "", time.perf_counter() - started


@functools.cache
def _html_exporter():
    # One exporter for every page: building one loads and compiles its templates, which cost
    # as much as rendering a page.
    from nbconvert import HTMLExporter

    return HTMLExporter(exclude_input=True, exclude_input_prompt=True,
                        exclude_output_prompt=True)


def _render(executed: Path, target: Path, record: dict, title: str,
            failed: str = "") -> list[SectionFailure]:
    """Render the page; return the sections that could not be built (each shown as a box).

    ``failed`` is the notebook's own failure (its kernel died): the page shows what ran and a
    box in place of the rest.
    """
    import nbformat

    from scpb_analysis.pack.failures import find_failures, not_built_box, show_failures_plainly
    from scpb_analysis.pack.page import (
        frame_page,
        lead_cells_first,
        navigation,
        period_words,
        provenance_html,
        sources_line,
    )

    notebook = nbformat.read(executed, as_version=4)
    failures = find_failures(notebook, title)
    # The reader gets a plain box where a section failed; the traceback stays in the
    # executed notebook for the analyst.
    show_failures_plainly(notebook, failures)
    notebook.cells = lead_cells_first(notebook.cells)
    if failed and not failures:
        box = not_built_box(heading="The rest of this report could not be built because of an "
                                    "error in the toolkit.",
                            message=failed.splitlines()[0][:300],
                            advice="Tell the analyst who builds the pack.")
        notebook.cells.append(nbformat.v4.new_markdown_cell(box))
    for cell in notebook.cells:
        if cell.cell_type == "code":
            # Warnings and logging are for the analyst re-running the notebook, not the reader.
            cell.outputs = [o for o in cell.get("outputs", [])
                            if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
    parameters = record["parameters"]
    full_title = f"{title}: {parameters['borough']}, {period_words(parameters['period_end'])}"
    first = notebook.cells[0] if notebook.cells else None
    if first is not None and first.cell_type == "markdown" and first.source.startswith("# "):
        # The page's own heading names the area and period, as a board paper's title does.
        first.source = f"# {full_title}" + first.source[len(first.source.split("\n")[0]):]
    notebook.metadata["title"] = full_title
    body, _ = _html_exporter().from_notebook_node(notebook)
    pages = [(name, NOTEBOOKS[name][0]) for name in record.get("pages", NOTEBOOKS)]
    header = (navigation(pages, target.stem)
              + f'<p class="sources">{html.escape(sources_line(record["inputs"]))}</p>')
    footer = provenance_html(record, record["inputs"],
                             show_paths=parameters.get("audience") != "public")
    target.write_text(frame_page(body, header=header, footer=footer), encoding="utf-8")
    return failures


def _workbook(tables: Sequence[Path], target: Path) -> Path:
    from scpb_analysis.pack.workbook import write_workbook

    return write_workbook(tables, target)


def _overview_section(tables: Path) -> str:
    """The overview table and key messages from the dashboard's tables, or why there are none."""
    import pandas as pd

    from scpb_analysis.blocks.overview import checked_key_messages, overview_html, rag_rules

    path = tables / "dashboard.csv"
    if not path.exists():
        return ("<p><em>The performance dashboard was not built, so there is no overview; "
                "the list of pages below says why.</em></p>")
    comparison = pd.read_csv(path, keep_default_na=True)
    trends_path = tables / "dashboard_trends.csv"
    trends = pd.read_csv(trends_path, dtype={"month": str}) if trends_path.exists() else None
    messages, rules = checked_key_messages(comparison), rag_rules(comparison)
    esc = html.escape
    return (overview_html(comparison, trends)
            + "<h3>Key messages</h3><ul>"
            + "".join(f"<li>{esc(m)}</li>" for m in messages) + "</ul>"
            + "".join(f"<p class='sources'>RAG rule: {esc(r)}</p>" for r in rules))


def _index_html(build: PackBuild, record: dict) -> str:
    from scpb_analysis.pack.page import PAGE_CSS, navigation, period_words, settings_rows

    esc = html.escape
    parameters = record["parameters"]
    banner = ("<p class='banner'>SYNTHETIC demo data &mdash; not real crime or partnership "
              "figures</p>" if record["synthetic"] else "")
    items = []
    for run in build.runs:
        title = esc(NOTEBOOKS[run.name][0])
        link = (f"<a href='html/{esc(run.name)}.html'>{title}</a>" if run.html else title)
        own = [f.section for f in run.failures if not f.needs]
        if own and run.html:
            # The reader's words: which parts are missing; the page says why.
            status = (f" <strong>incomplete</strong>: {len(own)} section"
                      f"{'' if len(own) == 1 else 's'} could not be built ("
                      + "; ".join(esc(s) for s in own) + "); the page says what is missing")
        else:
            status = "" if run.ok else f" <strong>failed</strong>: {esc(run.error)}"
        if run.name in build.carried:
            status += " <em>(kept from the previous build)</em>"
        if build.pdf and run.html:
            status += f" (<a href='pdf/{esc(run.name)}.pdf'>PDF</a>)"
        items.append(f"<li>{link}{status}</li>")
    tables = "".join(f"<li><a href='tables/{esc(p.name)}'>{esc(p.name)}</a></li>"
                     for p in build.tables)
    settings = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in
                       settings_rows(parameters,
                                     show_paths=parameters.get("audience") != "public"))
    workbook = (f"<p>All tables in one workbook: <a href='{_WORKBOOK}'>{_WORKBOOK}</a></p>"
                if build.workbook else "")
    area, period = esc(parameters["borough"]), esc(period_words(parameters["period_end"]))
    pages = [(run.name, NOTEBOOKS[run.name][0]) for run in build.runs if run.html]
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Community safety pack: {area}, {period}</title>
{PAGE_CSS}</head>
<body class="scpb">{navigation(pages, "index", up="")}
<h1>Community safety pack: {area}, {period}</h1>
{banner}<h2>Overview</h2>
<p>Every headline indicator: the 12 and 3 months to the period end against the same months a
year before, whether the change is statistically significant (an exact test at the 5% level),
the rank now and the quarter before, and the RAG rating. The performance dashboard gives each
one's chart and notes.</p>
{_overview_section(build.out / "tables")}
<h2>Pages</h2><ul>{''.join(items)}</ul>
<h2>Tables</h2>{workbook}
<details class="appendix"><summary>Each table as a CSV file</summary><ul>{tables}</ul></details>
<h2>Settings</h2><table class="reader"><tbody>{settings}</tbody></table>
<p class="sources">Built by the scpb-analysis toolkit, version {esc(record['version'])}; every
input file and its checksum are in <a href='provenance.json'>provenance.json</a>.</p>
</body></html>
"""


def build_pack(
    *,
    borough: str,
    period_end: str,
    data_dir: str | Path,
    out: str | Path,
    only: Sequence[str] | None = None,
    audience: str = "internal",
    jobs: int = 2,
    progress: bool = True,
    figures: str = "as_published",
    incomplete: str = "refuse",
    cache_dir: str | Path | bool | None = True,
    ward: str = "",
    rag: str = "significance-and-rank",
    pdf: bool = False,
    settings: Mapping[str, str] | None = None,
) -> PackBuild:
    """Run the pack's notebooks and write the rendered pack.

    Parameters
    ----------
    borough : str
        Canonical borough name.
    period_end : str
        Last month of the period, ``YYYY-MM``.
    data_dir : path
        Folder laid out like the demo data (:mod:`scpb_analysis.sources.datadir`).
    out : path
        Output folder: ``index.html``, ``html/``, ``notebooks/`` (executed), ``tables/``,
        ``pack_tables.xlsx`` and ``provenance.json``. New, empty or an earlier pack: the
        pack is built beside it and replaces it whole when complete.
    only : sequence of str, optional
        Notebook names to run (default all of :data:`NOTEBOOKS`). The other notebooks'
        pages, tables and provenance are kept from the previous pack in ``out`` when it was
        built with the same borough, period, data folder, audience and options.
    audience : {"internal", "public"}
        Passed to every notebook; ``public`` publishes only disclosure-controlled tables.
    jobs : int
        Notebooks run at once.
    progress : bool
        Show a progress bar on stderr.
    figures : {"as_published", "latest"}
        Recorded crime as the board first saw it, or with every later revision
        (:func:`scpb_analysis.sources.mps.read_mps_crime_for_period`).
    incomplete : {"refuse", "mark"}
        An indicator a category the taxonomy does not map may belong to fails its page
        (``refuse``) or is shown marked INCOMPLETE (``mark``); see
        :func:`scpb_analysis.blocks.comparison.compare_periods`.
    ward : str
        The ward the ward profile covers; empty for the ward the profile's rule picks
        (:func:`scpb_analysis.blocks.ward_report.ward_to_profile`).
    rag : str
        The dashboard's RAG rule, by name (:data:`scpb_analysis.stats.rag.RAG_RULES`).
    pdf : bool
        Also print every page and the overview to ``pdf/<page>.pdf`` (A4, numbered pages) with
        headless Chromium (:mod:`scpb_analysis.pack.pdf`), as council agenda systems publish.
    cache_dir : path, True or None
        Where the notebooks keep the harmonised tables they share (:mod:`scpb_analysis.pack.cache`):
        True for the default (``$SCPB_CACHE_DIR`` or the user's cache folder), None or False to
        have every notebook read its own sources.
    settings : mapping of str to str, optional
        Other parameters of the notebooks run (``scpb params NAME`` lists them), e.g.
        ``{"treated_wards": "Burnt Oak", "intervention_start": "2022-06"}`` for the
        intervention evaluation; each must be declared by one of them, and is converted to a
        whole number where the notebook's default is one. They are shown in the page's
        settings.

    Returns
    -------
    PackBuild
        ``ok`` is False if any section of any notebook could not be built; each failure names
        its notebook, section, error and the line that raised. A failure does not stop the
        pack: its page shows what was built and a plain box where a section could not be, the
        index page names the sections missing, and the pack is moved into place whole, never
        mixed with the previous pack.

    Raises
    ------
    ValueError
        ``out`` is a file, a folder holding files that are not a pack, or cannot be written
        beside; an unknown notebook; a bad audience.
    scpb_analysis.qa.disclosure.PersonalDataError
        Personal data found in any file of the finished pack (the finds masked): the previous
        pack is left as it was.
    KeyboardInterrupt
        Ctrl-C: the running kernels are stopped, the unfinished pack deleted and ``out`` left
        as it was.

    Examples
    --------
    >>> build = build_pack(borough="Barnet", period_end="2023-05",
    ...                    data_dir="data/demo", out="output")  # doctest: +SKIP
    >>> build.ok  # doctest: +SKIP
    True
    """
    from scpb_analysis.pack.cache import CACHE_ENV

    # The kernels inherit the runner's environment: that is how they find the shared cache.
    before = os.environ.get(CACHE_ENV)
    if cache_dir is not True:
        os.environ[CACHE_ENV] = str(Path(cache_dir).resolve()) if cache_dir else "off"
    try:
        return _build_pack(borough=borough, period_end=period_end, data_dir=data_dir, out=out,
                           only=only, audience=audience, jobs=jobs, progress=progress,
                           figures=figures, incomplete=incomplete, ward=ward, rag=rag,
                           pdf=pdf, settings=settings)
    finally:
        if before is None:
            os.environ.pop(CACHE_ENV, None)
        else:
            os.environ[CACHE_ENV] = before


def _build_pack(*, borough: str, period_end: str, data_dir: str | Path, out: str | Path,
                only: Sequence[str] | None, audience: str, jobs: int, progress: bool,
                figures: str, incomplete: str, ward: str, rag: str,
                pdf: bool = False, settings: Mapping[str, str] | None = None) -> PackBuild:
    from scpb_analysis.core.periods import to_month
    from scpb_analysis.pack.pdf import chromium_path
    from scpb_analysis.pack.public import public_parameters
    from scpb_analysis.qa.disclosure import PersonalDataError, check_audience, scan_outputs

    check_audience(audience)
    if pdf and chromium_path() is None:
        raise ValueError("PDFs need headless Chromium (Debian package chromium, or Chrome on "
                         "the PATH); install it or build without --pdf")
    names = list(only) if only else list(NOTEBOOKS)
    for name in names:
        _notebook_path(name)
    data_path = Path(data_dir).resolve()
    out_path = Path(out).resolve()
    previous = _previous_pack(out_path)
    parameters = {"borough": borough, "period_end": str(to_month(period_end)),
                  "data_dir": str(data_path), "audience": audience,
                  "output_dir": str(out_path), "figures": figures, "incomplete": incomplete,
                  "ward": ward, "rag": rag}
    parameters.update(_notebook_settings(names, settings or {}, set(parameters)))
    staging = _staging_folder(out_path)
    # The notebooks read the data through names with any personal words masked, so no load
    # report, table or page can print them (:mod:`scpb_analysis.qa.input_names`).
    inputs = publishable_inputs(data_path)
    try:
        carried = {}
        # A public pack records no folder paths, only a fingerprint of the data folder.
        recorded = public_parameters(parameters) if audience == "public" else parameters
        if only and previous is not None and all(
                previous["parameters"].get(k) == recorded.get(k)
                for k in (*_SAME_PACK, "data_fingerprint")):
            shutil.copytree(out_path, staging, dirs_exist_ok=True, symlinks=True)
            carried = {n: e for n, e in previous["notebooks"].items()
                       if n in NOTEBOOKS and n not in names}
        build = _build_in(staging, names, parameters, carried, jobs=jobs, progress=progress,
                          inputs=inputs, pdf=pdf)
        # Every file of the pack, not only its pages (an executed notebook's code and
        # parameters, the provenance, the index), before anything replaces the previous pack.
        findings = scan_outputs([staging])
        if findings:
            raise PersonalDataError(findings)
        _move_into_place(staging, out_path)
    except BaseException:
        # Interrupted (Ctrl-C) or broken: the previous pack stays as it was.
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        inputs.cleanup()
    return _rebased(build, staging, out_path)


# The options every notebook of the pack is given (the others are one notebook's settings).
_PACK_OPTIONS = ("borough", "period_end", "data_dir", "audience", "output_dir", "figures",
                 "incomplete", "ward", "rag")


def _page_parameters(name: str, parameters: Mapping[str, object]) -> dict[str, object]:
    """The pack's options and the settings ``name`` declares: what its page records."""
    extra = set(parameters) - set(_PACK_OPTIONS)
    if not extra:
        return dict(parameters)
    declared = {item["name"] for item in notebook_parameters(name)}
    return {k: v for k, v in parameters.items() if k not in extra or k in declared}


def _notebook_settings(names: Sequence[str], settings: Mapping[str, str],
                       pack_parameters: set[str]) -> dict[str, object]:
    declared: dict[str, str] = {}
    for name in names:
        for item in notebook_parameters(name):
            whole = item["type"] == "int" or re.fullmatch(r"-?\d+", item["default"].strip())
            declared.setdefault(item["name"], "int" if whole else "str")
    out: dict[str, object] = {}
    for key, value in settings.items():
        if key in pack_parameters:
            raise ValueError(f"setting {key!r} is one of the pack's own options; use its "
                             f"option (--{key.replace('_', '-')})")
        if key not in declared:
            known = sorted(set(declared) - pack_parameters)
            raise ValueError(f"setting {key!r}: no notebook run declares it (they declare: "
                             f"{', '.join(known) or 'nothing else'}; see scpb params NAME)")
        if declared[key] == "int":
            try:
                out[key] = int(str(value))
            except ValueError:
                raise ValueError(f"setting {key!r}: {value!r} is not a whole number") from None
        else:
            out[key] = str(value)
    return out


def _previous_pack(out: Path) -> dict | None:
    """The previous pack's provenance, or None for a new or empty folder.

    The whole folder is replaced by the new pack, so a folder that is not a pack is refused
    rather than emptied.
    """
    if not out.exists():
        return None
    if not out.is_dir():
        raise ValueError(f"output folder {out} is a file, not a folder; give --out a new "
                         "folder or an earlier pack's")
    if not any(out.iterdir()):
        return None
    try:
        record = json.loads((out / _PROVENANCE).read_text(encoding="utf-8"))
        if isinstance(record.get("parameters"), dict) and isinstance(record.get("notebooks"),
                                                                     dict):
            return record
    except (OSError, ValueError, AttributeError):
        pass
    raise ValueError(f"output folder {out} holds files that are not a pack built by scpb (no "
                     f"{_PROVENANCE}); a build replaces the whole folder, so give --out a new "
                     "folder or an earlier pack's")


def _staging_folder(out: Path) -> Path:
    # Beside ``out``, so moving the finished pack into place is a rename on one file system.
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.building-"))
        # mkdtemp makes a private folder; the pack gets a folder's usual permissions.
        umask = os.umask(0)
        os.umask(umask)
        staging.chmod(0o777 & ~umask)
        return staging
    except OSError as exc:
        raise ValueError(f"output folder {out}: cannot write beside it "
                         f"({exc.strerror or exc})") from None


def _move_into_place(staging: Path, out: Path) -> None:
    """Replace ``out`` by the finished pack in ``staging``: two renames, Ctrl-C held off."""
    masked = threading.current_thread() is threading.main_thread() and hasattr(
        signal, "pthread_sigmask")
    if masked:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        if out.exists():
            retired = out.parent / f".{out.name}.previous-{os.getpid()}-{time.time_ns()}"
            os.replace(out, retired)
            try:
                os.replace(staging, out)
            except OSError:
                os.replace(retired, out)
                raise
            shutil.rmtree(retired, ignore_errors=True)
        else:
            os.replace(staging, out)
    finally:
        if masked:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _rebased(build: PackBuild, staging: Path, out: Path) -> PackBuild:
    def moved(path: Path | None) -> Path | None:
        return None if path is None else out / path.relative_to(staging)

    for run in build.runs:
        run.html, run.notebook = moved(run.html), moved(run.notebook)
    build.out = out
    build.tables = [moved(p) for p in build.tables]
    build.workbook, build.index = moved(build.workbook), moved(build.index)
    build.pdfs = [moved(p) for p in build.pdfs]
    return build


def _build_in(staging: Path, names: list[str], parameters: dict, carried: dict[str, dict], *,
              jobs: int, progress: bool, inputs: PublishableInputs,
              pdf: bool = False) -> PackBuild:
    """Run ``names`` on ``inputs.data_dir`` and write the whole pack into ``staging``."""
    from tqdm.auto import tqdm

    from scpb_analysis import __version__
    from scpb_analysis.pack.data import area_kind
    from scpb_analysis.pack.public import label_public_page, public_parameters
    from scpb_analysis.sources.datadir import locate_data

    data_path = inputs.data_dir
    found = locate_data(data_path)
    for sub in ("html", "notebooks", "tables"):
        (staging / sub).mkdir(parents=True, exist_ok=True)
    for name in names:
        # A re-run replaces the notebook's outputs; tables it no longer makes must not linger.
        stale = [staging / "html" / f"{name}.html", staging / "notebooks" / f"{name}.ipynb",
                 *(staging / "tables").glob(f"{TABLE_PREFIXES[name]}*.csv"),
                 *(staging / "tables").glob(f"{TABLE_PREFIXES[name]}*.check.toml")]
        for path in stale:
            path.unlink(missing_ok=True)
    # The notebooks write into the temporary folder; the pack records where it is published.
    running = {**parameters, "output_dir": str(staging), "data_dir": str(data_path)}
    built = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    status = ("SYNTHETIC demo data" if found.synthetic else "published source data")
    withheld: set[str] = set()
    kind = area_kind(data_path, parameters["borough"])
    records = {name: {"notebook": name, "parameters": _page_parameters(name, parameters),
                      "version": __version__,
                      "built": built, "data_status": status, "synthetic": found.synthetic,
                      "inputs": _input_files(data_path, _sources_read(name, kind), withheld,
                                             [w.shown for w in inputs.withheld]),
                      # The pages this pack holds, for every page's navigation.
                      "pages": [n for n in NOTEBOOKS if n in names or n in carried]}
               for name in names}
    if withheld:
        print(f"scpb: warning: {len(withheld)} input file name(s) hold personal data; the "
              "pack lists them as withheld", file=sys.stderr)

    os.environ.setdefault("MPLBACKEND", "Agg")
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    runs: dict[str, NotebookRun] = {}
    kernels = _Kernels()
    pool = ThreadPoolExecutor(max_workers=max(1, jobs))
    futures: dict = {}
    try:
        with tqdm(total=len(names), desc="scpb build", unit="notebook", file=sys.stderr,
                  disable=not progress) as bar:
            futures = {pool.submit(_execute, name, running,
                                   staging / "notebooks" / f"{name}.ipynb", kernels): name
                       for name in sorted(names, key=_start_order)}
            for future in as_completed(futures):
                name = futures[future]
                error, seconds = future.result()
                runs[name] = NotebookRun(name, not error, seconds,
                                         notebook=staging / "notebooks" / f"{name}.ipynb",
                                         error=error)
                # Rendered while the other notebooks still run: the runner waits on their
                # kernels, so the page costs the build no time of its own.
                _finish(runs[name], staging, data_path, parameters, records[name])
                bar.set_postfix_str(f"{name} {'ok' if not error else 'FAILED'}")
                bar.update(1)
    except BaseException:
        _stop(pool, kernels, futures)
        raise
    pool.shutdown()

    for name, entry in carried.items():
        page = staging / "html" / f"{name}.html"
        book = staging / "notebooks" / f"{name}.ipynb"
        runs[name] = NotebookRun(name, bool(entry.get("ok")), 0.0,
                                 html=page if page.exists() else None,
                                 notebook=book if book.exists() else None,
                                 error=str(entry.get("error", "")),
                                 failures=[SectionFailure(**f)
                                           for f in entry.get("failures", [])])
    order = [name for name in NOTEBOOKS if name in runs]
    tables = sorted((staging / "tables").glob("*.csv"))
    build = PackBuild(out=staging, runs=[runs[name] for name in order], tables=tables,
                      withheld=len(withheld), carried=list(carried), pdf=pdf)
    public = parameters.get("audience") == "public"
    if public:
        # The executed notebooks hold the code and the parameters, folder paths included:
        # the pages were rendered from them, and a public pack ships the pages only.
        shutil.rmtree(staging / "notebooks", ignore_errors=True)
        for run in build.runs:
            run.notebook = None
    (staging / _WORKBOOK).unlink(missing_ok=True)
    if tables:
        build.workbook = _workbook(tables, staging / _WORKBOOK)
    notebooks = {n: {**carried[n], "built": carried[n].get("built", "")} for n in carried}
    notebooks.update({n: {"ok": runs[n].ok, "error": runs[n].error,
                          "failures": [f.as_dict() for f in runs[n].failures],
                          "built": built, "inputs": records[n]["inputs"]} for n in names})
    (staging / _PROVENANCE).write_text(
        json.dumps({"parameters": public_parameters(parameters) if public else parameters,
                    "version": __version__, "built": built,
                    "data_status": status,
                    "notebooks": {n: notebooks[n] for n in order}},
                   indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    index = staging / "index.html"
    page = _index_html(build, {**records[names[0]], "parameters": parameters})
    index.write_text(label_public_page(page) if public else page, encoding="utf-8")
    build.index = index
    if pdf:
        from scpb_analysis.pack.pdf import print_pack

        build.pdfs = print_pack(staging)
    return build


def _finish(run: NotebookRun, staging: Path, data_path: Path, parameters: dict,
            record: dict) -> None:
    """Publish one executed notebook: its paths named as published, its page rendered and
    scanned; a page with personal data is deleted with its notebook and the run failed."""
    from scpb_analysis.pack.failures import failures_text
    from scpb_analysis.qa.disclosure import scan_outputs

    if not (run.notebook and run.notebook.exists()):
        return
    _publish_paths(run.notebook, staging, Path(parameters["output_dir"]))
    if data_path != Path(parameters["data_dir"]):
        _publish_paths(run.notebook, data_path, Path(parameters["data_dir"]))
    target = staging / "html" / f"{run.name}.html"
    run.failures = _render(run.notebook, target, record, NOTEBOOKS[run.name][0], run.error)
    if parameters.get("audience") == "public":
        from scpb_analysis.pack.public import label_public_page

        target.write_text(label_public_page(target.read_text(encoding="utf-8")),
                          encoding="utf-8")
    if run.failures:
        run.ok = False
        run.error = failures_text(run.failures)
    # The boxes are on the page, so their words pass the same scan as the rest of it.
    findings = scan_outputs([target])
    if findings:
        # The executed notebook holds what the page showed: neither is published.
        target.unlink()
        run.notebook.unlink()
        run.notebook = None
        run.ok = False
        run.error = (f"personal data found in the rendered page, not published: "
                     f"{findings[0]}")
    else:
        run.html = target


def _stop(pool: ThreadPoolExecutor, kernels: _Kernels, futures: dict) -> None:
    """Stop an interrupted build: no new notebooks, every kernel killed, workers finished."""
    pool.shutdown(wait=False, cancel_futures=True)
    # The kernels die on purpose: papermill's and nbclient's complaints about it are noise.
    quiet = [logging.getLogger(name) for name in ("papermill", "traitlets", "nbclient")]
    levels = [logger.level for logger in quiet]
    for logger in quiet:
        logger.setLevel(logging.CRITICAL + 1)
    try:
        deadline = time.monotonic() + 30
        while True:
            # Again each round: a worker may have been starting a kernel as the first ran.
            kernels.stop()
            if all(f.done() for f in futures) or time.monotonic() > deadline:
                break
            time.sleep(0.2)
    finally:
        for logger, level in zip(quiet, levels, strict=True):
            logger.setLevel(level)


def _publish_paths(executed: Path, staging: Path, out: Path) -> None:
    """Name ``out`` wherever the executed notebook names ``staging`` (a temporary folder)."""
    # papermill records the parameters (and so the temporary folder) in the notebook; the
    # published copy names the folder the pack is published in.
    text = executed.read_text(encoding="utf-8")
    for old, new in ((str(staging), str(out)), (json.dumps(str(staging))[1:-1],
                                                  json.dumps(str(out))[1:-1])):
        text = text.replace(old, new)
    executed.write_text(text, encoding="utf-8")
