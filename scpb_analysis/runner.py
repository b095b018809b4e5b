"""Build the quarterly pack: run the parameterised notebooks with papermill and render them.

``build_pack`` runs each notebook in ``notebooks/`` with the same parameters (``borough``,
``period_end``, ``data_dir``, ``audience``, ``output_dir``), in parallel, then for each one
writes the executed notebook, a code-free HTML page (figures embedded, no input cells, no
prompts, with a provenance section: parameters, package version, input files with SHA-256,
build time), and finally one Excel workbook of every table the notebooks published, an
``index.html`` linking the pack and ``provenance.json``. A notebook that fails is reported with
its failing cell and error; the others still finish.
"""

from __future__ import annotations

import html
import json
import os
import sys
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "NOTEBOOKS",
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
                              ("mps_borough", "mps_dashboard", "partnership")),
    "ward_maps": ("Ward maps", ("mps_ward", "boundaries", "population", "lookups")),
    "ward_profile": ("Ward profile", ("mps_ward", "boundaries", "population", "lookups",
                                      "deprivation")),
    "serious_violence_needs_assessment": (
        "Serious Violence Duty strategic needs assessment",
        ("mps_borough", "mps_ward", "policeuk", "boundaries", "population", "lookups",
         "deprivation")),
    "partnership": ("Partnership data", ("partnership",)),
}

#: The file-name prefix of each notebook's tables, so a re-run replaces only its own.
TABLE_PREFIXES = {
    "performance_dashboard": "dashboard",
    "ward_maps": "ward_maps_",
    "ward_profile": "ward_profile_",
    "serious_violence_needs_assessment": "needs_assessment_",
    "partnership": "partnership_",
}

_WORKBOOK = "pack_tables.xlsx"


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
    return Path(__file__).resolve().parent.parent / "notebooks"


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
    """What happened to one notebook of the pack."""

    name: str
    ok: bool
    seconds: float
    html: Path | None = None
    notebook: Path | None = None
    error: str = ""


@dataclass
class PackBuild:
    """The result of :func:`build_pack`."""

    out: Path
    runs: list[NotebookRun]
    tables: list[Path] = field(default_factory=list)
    workbook: Path | None = None
    index: Path | None = None

    @property
    def ok(self) -> bool:
        """True if every notebook ran."""
        return all(run.ok for run in self.runs)

    def summary(self) -> str:
        """One line per notebook and where to open the pack."""
        lines = []
        for run in self.runs:
            status = "ok" if run.ok else "FAILED"
            lines.append(f"{run.name}: {status} ({run.seconds:.1f} s)"
                         + (f"\n    {run.error}" if run.error else ""))
        lines.append(f"{len(self.tables)} tables in {self.out / 'tables'}"
                     + (f" and {self.workbook}" if self.workbook else ""))
        if self.index:
            lines.append(f"Open the pack: {self.index.resolve().as_uri()}")
        return "\n".join(lines)


def _input_files(data_dir: Path, sources: Iterable[str]) -> list[dict[str, str]]:
    from scpb_analysis.datadir import locate_data
    from scpb_analysis.fetch import _hash_file

    found = locate_data(data_dir)
    files = []
    for source in sources:
        if not found.has(source):
            continue
        for path in sorted(p for p in found.path(source).rglob("*") if p.is_file()):
            digest, size = _hash_file(path)
            files.append({"source": source, "file": path.relative_to(data_dir).as_posix(),
                          "bytes": str(size), "sha256": digest})
    return files


def _failure_text(exc: BaseException) -> str:
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, PapermillExecutionError):
        first = next((line for line in exc.source.splitlines() if line.strip()), "")
        return (f"cell {exc.exec_count} (`{first.strip()[:80]}`) raised {exc.ename}: "
                f"{exc.evalue}")
    return f"{type(exc).__name__}: {exc}"


def _execute(name: str, parameters: dict, executed: Path) -> tuple[str, float]:
    """Run one notebook; return the failure text ("" if it ran) and the seconds it took."""
    import papermill

    started = time.perf_counter()
    # Each notebook gets the pack's parameters it declares (papermill would inject the others
    # as unused variables, with a warning).
    declared = {item["name"] for item in notebook_parameters(name)}
    parameters = {k: v for k, v in parameters.items() if k in declared}
    try:
        papermill.execute_notebook(str(_notebook_path(name)), str(executed),
                                   parameters=parameters, kernel_name="python3",
                                   progress_bar=False, cwd=str(notebooks_dir()),
                                   # Kernel start-up chatter is not for the pack's user.
                                   extra_arguments=["--IPKernelApp.log_level=ERROR"])
    except Exception as exc:  # noqa: BLE001 - every failure is reported, the pack goes on
        return _failure_text(exc), time.perf_counter() - started
    return "", time.perf_counter() - started


def _provenance_markdown(record: dict) -> str:
    params = "\n".join(f"| `{k}` | `{v}` |" for k, v in record["parameters"].items())
    inputs = "\n".join(f"| {f['file']} | {f['bytes']} | `{f['sha256'][:16]}…` |"
                       for f in record["inputs"]) or "| (none found) | | |"
    return (
        "## Provenance\n\n"
        f"Built by scpb_analysis {record['version']} at {record['built']} "
        f"({record['data_status']}).\n\n"
        f"| parameter | value |\n|---|---|\n{params}\n\n"
        "Input files (SHA-256, first 16 hex digits; full digests in `provenance.json`):\n\n"
        f"| file | bytes | SHA-256 |\n|---|---|---|\n{inputs}\n"
    )


def _render(executed: Path, target: Path, record: dict, title: str) -> None:
    import nbformat
    from nbconvert import HTMLExporter

    notebook = nbformat.read(executed, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            # Warnings and logging are for the analyst re-running the notebook, not the reader.
            cell.outputs = [o for o in cell.get("outputs", [])
                            if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
    notebook.cells.append(nbformat.v4.new_markdown_cell(_provenance_markdown(record)))
    notebook.metadata["title"] = title
    exporter = HTMLExporter(exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(notebook)
    target.write_text(body, encoding="utf-8")


def _workbook(tables: Sequence[Path], target: Path) -> Path:
    import pandas as pd

    sheets: dict[str, Path] = {}
    for path in tables:
        sheet = path.stem[:31]
        n = 2
        while sheet in sheets:
            suffix = f"~{n}"
            sheet = path.stem[: 31 - len(suffix)] + suffix
            n += 1
        sheets[sheet] = path
    contents = pd.DataFrame({"sheet": list(sheets), "csv": [f"tables/{p.name}"
                                                             for p in sheets.values()]})
    with pd.ExcelWriter(target, engine="openpyxl") as writer:
        contents.to_excel(writer, sheet_name="contents", index=False)
        for sheet, path in sheets.items():
            pd.read_csv(path, dtype=str, keep_default_na=False).to_excel(
                writer, sheet_name=sheet, index=False)
    return target


def _index_html(build: PackBuild, record: dict) -> str:
    esc = html.escape
    banner = ("<p class='banner'>SYNTHETIC demo data &mdash; not real crime or partnership "
              "figures</p>" if record["synthetic"] else "")
    items = []
    for run in build.runs:
        title = esc(NOTEBOOKS[run.name][0])
        link = (f"<a href='html/{esc(run.name)}.html'>{title}</a>" if run.html else title)
        status = "" if run.ok else f" <strong>failed</strong>: {esc(run.error)}"
        items.append(f"<li>{link}{status}</li>")
    tables = "".join(f"<li><a href='tables/{esc(p.name)}'>{esc(p.name)}</a></li>"
                     for p in build.tables)
    params = "".join(f"<tr><th>{esc(k)}</th><td>{esc(str(v))}</td></tr>"
                     for k, v in record["parameters"].items())
    workbook = (f"<p>All tables in one workbook: <a href='{_WORKBOOK}'>{_WORKBOOK}</a></p>"
                if build.workbook else "")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{esc(record['parameters']['borough'])} community safety pack</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}
.banner{{background:#fde0c5;padding:.5em;font-weight:bold}}
th{{text-align:left;padding-right:1em}}</style></head>
<body><h1>{esc(record['parameters']['borough'])} community safety pack:
period ending {esc(record['parameters']['period_end'])}</h1>
{banner}<h2>Reports</h2><ul>{''.join(items)}</ul>
<h2>Tables</h2>{workbook}<ul>{tables}</ul>
<h2>Parameters</h2><table>{params}</table>
<p>Built by scpb_analysis {esc(record['version'])}; inputs and checksums in
<a href='provenance.json'>provenance.json</a>.</p></body></html>
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
) -> PackBuild:
    """Run the pack's notebooks and write the rendered pack.

    Parameters
    ----------
    borough : str
        Canonical borough name.
    period_end : str
        Last month of the period, ``YYYY-MM``.
    data_dir : path
        Folder laid out like the demo data (:mod:`scpb_analysis.datadir`).
    out : path
        Output folder: ``index.html``, ``html/``, ``notebooks/`` (executed), ``tables/``,
        ``pack_tables.xlsx`` and ``provenance.json``.
    only : sequence of str, optional
        Notebook names to run (default all of :data:`NOTEBOOKS`).
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
        :func:`scpb_analysis.comparison.compare_periods`.

    Returns
    -------
    PackBuild
        ``ok`` is False if any notebook failed; each failure names its cell and error.

    Examples
    --------
    >>> build = build_pack(borough="Barnet", period_end="2023-05",
    ...                    data_dir="data/demo", out="output")  # doctest: +SKIP
    >>> build.ok  # doctest: +SKIP
    True
    """
    from tqdm.auto import tqdm

    from scpb_analysis import __version__
    from scpb_analysis.datadir import locate_data
    from scpb_analysis.disclosure import check_audience, scan_outputs
    from scpb_analysis.periods import to_month

    check_audience(audience)
    names = list(only) if only else list(NOTEBOOKS)
    for name in names:
        _notebook_path(name)
    data_path = Path(data_dir).resolve()
    found = locate_data(data_path)
    out_path = Path(out).resolve()
    for sub in ("html", "notebooks", "tables"):
        (out_path / sub).mkdir(parents=True, exist_ok=True)
    for name in names:
        # A re-run replaces the notebook's outputs; tables it no longer makes must not linger.
        stale = [out_path / "html" / f"{name}.html", out_path / "notebooks" / f"{name}.ipynb",
                 *(out_path / "tables").glob(f"{TABLE_PREFIXES[name]}*.csv")]
        for path in stale:
            path.unlink(missing_ok=True)
    parameters = {"borough": borough, "period_end": str(to_month(period_end)),
                  "data_dir": str(data_path), "audience": audience,
                  "output_dir": str(out_path.resolve()), "figures": figures,
                  "incomplete": incomplete}
    built = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    status = ("SYNTHETIC demo data" if found.synthetic else "published source data")
    records = {name: {"notebook": name, "parameters": parameters, "version": __version__,
                      "built": built, "data_status": status, "synthetic": found.synthetic,
                      "inputs": _input_files(data_path, NOTEBOOKS[name][1])}
               for name in names}

    os.environ.setdefault("MPLBACKEND", "Agg")
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    runs: dict[str, NotebookRun] = {}
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool, \
            tqdm(total=len(names), desc="scpb build", unit="notebook", file=sys.stderr,
                 disable=not progress) as bar:
        futures = {}
        for name in names:
            executed = out_path / "notebooks" / f"{name}.ipynb"
            futures[pool.submit(_execute, name, parameters, executed)] = name
        for future in as_completed(futures):
            name = futures[future]
            error, seconds = future.result()
            runs[name] = NotebookRun(name, not error, seconds,
                                     notebook=out_path / "notebooks" / f"{name}.ipynb",
                                     error=error)
            bar.set_postfix_str(f"{name} {'ok' if not error else 'FAILED'}")
            bar.update(1)

    for name in names:
        run = runs[name]
        if run.notebook and run.notebook.exists():
            target = out_path / "html" / f"{name}.html"
            _render(run.notebook, target, records[name], NOTEBOOKS[name][0])
            findings = scan_outputs([target])
            if findings:
                target.unlink()
                run.ok = False
                run.error = (f"personal data found in the rendered page, not published: "
                             f"{findings[0]}")
            else:
                run.html = target
    ordered = [runs[name] for name in names]
    tables = sorted((out_path / "tables").glob("*.csv"))
    build = PackBuild(out=out_path, runs=ordered, tables=tables)
    if tables:
        build.workbook = _workbook(tables, out_path / _WORKBOOK)
    (out_path / "provenance.json").write_text(
        json.dumps({"parameters": parameters, "version": __version__, "built": built,
                    "data_status": status,
                    "notebooks": {n: {"ok": runs[n].ok, "error": runs[n].error,
                                      "inputs": records[n]["inputs"]} for n in names}},
                   indent=2) + "\n", encoding="utf-8")
    index = out_path / "index.html"
    index.write_text(_index_html(build, {**records[names[0]], "parameters": parameters}),
                     encoding="utf-8")
    build.index = index
    return build
