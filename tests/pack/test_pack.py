"""The quarterly pack by one command: notebooks run by papermill, rendered, validated by nbval.

The demo pack is built once per session (and once more for the determinism check); the real
Barnet pack is built when ``../shared/data`` is present.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
from conftest import SHARED_DATA

from scpb_analysis.blocks.comparison import COMPARISON_COLUMNS
from scpb_analysis.cli import main
from scpb_analysis.pack.runner import NOTEBOOKS, TABLE_PREFIXES, notebooks_dir
from scpb_analysis.sources import datadir

REQUIRED_PARAMETERS = ("borough", "period_end", "data_dir", "audience", "output_dir")
SANITIZER = notebooks_dir() / "nbval_sanitize.cfg"
_IMG = re.compile(r'<img[^>]+src="data:image/png;base64,([A-Za-z0-9+/=]+)"')


def _build(out: Path, demo: Path, *extra: str) -> int:
    return main(["build", "--demo-dir", str(demo), "--out", str(out), "--jobs", "2",
                 "--no-progress", *extra])


@pytest.fixture(scope="session")
def demo_pack(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("demo_pack")
    status = _build(tmp / "out", tmp / "demo")
    return {"out": tmp / "out", "demo": tmp / "demo", "status": status}


def _csv_rows(path: Path) -> dict[str, dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return {row["indicator"]: row for row in csv.DictReader(handle)}


# --- the notebooks as committed -------------------------------------------------------------

@pytest.mark.parametrize("name", list(NOTEBOOKS))
def test_notebook_is_thin_parameterised_and_committed_without_outputs(name):
    book = nbformat.read(notebooks_dir() / f"{name}.ipynb", as_version=4)
    tagged = [c for c in book.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, "exactly one cell tagged parameters"
    assigned = dict(re.findall(r"^(\w+) = (.+?)(?:\s+#.*)?$", tagged[0].source, re.M))
    for key in REQUIRED_PARAMETERS:
        assert key in assigned, key
        # Literal defaults only: a string, number or list of strings.
        assert re.fullmatch(r'"[^"]*"|\d+|\[("[^"]*",?\s*)*\]', assigned[key]), assigned[key]
    assert "period_end" in assigned and re.fullmatch(r'"\d{4}-\d{2}"', assigned["period_end"])
    for cell in book.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
    # Logic lives in the package: no function or class definitions in a notebook.
    code = "\n".join(c.source for c in book.cells if c.cell_type == "code")
    assert not re.search(r"^\s*(def|class) ", code, re.M)


def test_scpb_list_and_params(capsys):
    assert main(["list"]) == 0
    listed = capsys.readouterr().out
    assert [line.split(":")[0] for line in listed.splitlines()] == list(NOTEBOOKS)
    assert main(["params", "ward_profile"]) == 0
    shown = capsys.readouterr().out
    assert 'period_end = "2023-05"' in shown and 'ward = ""' in shown
    assert main(["params", "no_such_notebook"]) == 2
    assert "unknown notebook 'no_such_notebook'" in capsys.readouterr().err


# --- the demo pack --------------------------------------------------------------------------

@pytest.mark.slow
def test_demo_pack_builds_every_notebook(demo_pack):
    assert demo_pack["status"] == 0
    out = demo_pack["out"]
    index = (out / "index.html").read_text()
    assert "SYNTHETIC demo data" in index
    for name in NOTEBOOKS:
        assert f"href='html/{name}.html'" in index, name
        assert (out / "notebooks" / f"{name}.ipynb").exists()


@pytest.mark.slow
@pytest.mark.parametrize("name", list(NOTEBOOKS))
def test_rendered_pages_have_no_code_and_carry_provenance(demo_pack, name):
    page = (demo_pack["out"] / "html" / f"{name}.html").read_text()
    source = nbformat.read(notebooks_dir() / f"{name}.ipynb", as_version=4)
    for cell in source.cells:
        if cell.cell_type == "code":
            for line in cell.source.splitlines():
                if len(line.strip()) > 25:
                    assert line.strip() not in page, line
    # Markdown cells are "input areas" too; code shows as editors and highlighted source.
    assert not re.search(r'class="[^"]*(jp-InputArea-editor|highlight hl-ipython|'
                         r'jp-InputPrompt|jp-OutputPrompt)', page)
    assert "In&nbsp;[" not in page
    assert "How this page was made" in page and "SYNTHETIC demo data" in page
    # Every input file's checksum, computed here, is in the page's provenance.
    prov = json.loads((demo_pack["out"] / "provenance.json").read_text())
    inputs = prov["notebooks"][name]["inputs"]
    assert inputs, name
    for item in inputs[:5]:
        digest = hashlib.sha256((demo_pack["demo"] / item["file"]).read_bytes()).hexdigest()
        assert digest == item["sha256"] and digest[:16] in page


@pytest.mark.slow
def test_dashboard_csv_has_the_compare_columns_and_numbers(demo_pack):
    from scpb_analysis.blocks.comparison import compare_periods
    from scpb_analysis.sources.mps import read_mps_crime_as_published

    path = demo_pack["out"] / "tables" / "dashboard.csv"
    with path.open(newline="") as handle:
        assert next(csv.reader(handle)) == COMPARISON_COLUMNS
    # The pack shows the figures as first published for the period (the demo's 2023-07
    # publication), not the later restatement, and the dashboard extract's three headline
    # indicators beside them.
    mps = demo_pack["demo"] / "mps"
    load = read_mps_crime_as_published([mps / "borough", mps / "dashboard"], "2023-05")
    assert sorted(load.files["vintage"].unique()) == ["2023-07", "2025-02"]
    expected = compare_periods(load.table, "Barnet", "2023-05", breaks=load.breaks)
    assert path.read_text() == expected.to_csv(index=False, lineterminator="\n")
    headline = expected[expected["dashboard"]]
    assert headline["indicator"].tolist()[4:] == [
        "knife_crime_with_injury", "gun_crime_lethal_barrelled_discharges",
        "domestic_abuse_violence_with_injury"]
    assert headline["n_12m"].notna().all()
    page = (demo_pack["out"] / "html" / "performance_dashboard.html").read_text()
    # The demo carries every source but the ONS table by Community Safety Partnership (its
    # national comparison needs every authority of England and Wales): the page says so, once.
    notes = re.findall(r"Not in this data: needs ([^<]+)", page)
    assert notes == [datadir.missing_note("ons_csp").removeprefix("Not in this data: needs ")]


@pytest.mark.slow
def test_every_table_is_in_the_workbook(demo_pack):
    out = demo_pack["out"]
    book = pd.read_excel(out / "pack_tables.xlsx", sheet_name=None, dtype=str,
                         keep_default_na=False)
    contents = book.pop("Contents")
    tables = sorted(p.name for p in (out / "tables").glob("*.csv"))
    assert sorted(Path(c).name for c in contents["CSV file"]) == tables
    prefixes = tuple(TABLE_PREFIXES.values())
    assert all(t.startswith(prefixes) for t in tables)
    for sheet, name in zip(contents["Sheet"], contents["CSV file"], strict=True):
        frame = pd.read_csv(out / name, dtype=str, keep_default_na=False)
        assert book[sheet].shape == frame.shape, name


@pytest.mark.slow
def test_building_twice_gives_byte_identical_tables(demo_pack, tmp_path):
    assert _build(tmp_path / "again", demo_pack["demo"]) == 0
    first = sorted((demo_pack["out"] / "tables").glob("*.csv"))
    second = sorted((tmp_path / "again" / "tables").glob("*.csv"))
    assert [p.name for p in first] == [p.name for p in second] and len(first) > 10
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name


@pytest.mark.slow
def test_executed_notebooks_pass_nbval_with_key_outputs_compared(demo_pack, tmp_path):
    executed = tmp_path / "notebooks"
    shutil.copytree(demo_pack["out"] / "notebooks", executed)
    marked = 0
    for path in executed.glob("*.ipynb"):
        book = nbformat.read(path, as_version=4)
        checked = [c for c in book.cells
                   if c.cell_type == "code" and "NBVAL_CHECK_OUTPUT" in c.source]
        assert checked, f"{path.name}: no key output marked for comparison"
        assert all(c.outputs for c in checked), path.name
        marked += len(checked)
    # An ini of its own: pytest would otherwise take the project's (found upwards from the
    # sanitizer's path), whose addopts spread one notebook's cells over xdist workers.
    ini = tmp_path / "pytest.ini"
    ini.write_text("[pytest]\n")
    done = subprocess.run([sys.executable, "-m", "pytest", "-c", str(ini), "-p",
                           "no:cacheprovider", "-q", "--nbval-lax",
                           "--nbval-sanitize-with", str(SANITIZER),
                           str(executed)], cwd=tmp_path, capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stdout[-3000:]
    assert re.search(r"\d+ passed", done.stdout)
    assert marked >= len(NOTEBOOKS)


@pytest.mark.slow
def test_a_failing_notebook_is_reported_and_the_others_finish(demo_pack, tmp_path, capsys):
    status = _build(tmp_path / "out", demo_pack["demo"], "--only", "ward_profile",
                    "partnership", "--ward", "Nowhere Green")
    printed = capsys.readouterr().out
    assert status == 1
    assert "ward_profile: FAILED" in printed and "partnership: ok" in printed
    assert re.search(r'section ".+": UnknownWardError: \'Nowhere Green\' is not a Barnet ward'
                     r".*\n +at scpb_analysis/[\w/]+\.py:\d+ in \w+", printed), printed
    assert (tmp_path / "out" / "html" / "partnership.html").exists()
    # The failed page is still published, with the reason in place of what it could not build.
    page = (tmp_path / "out" / "html" / "ward_profile.html").read_text()
    assert "Check the ward the pack was built for" in page and "Traceback" not in page


@pytest.mark.slow
def test_a_section_that_cannot_be_built_shows_a_box_and_the_page_goes_on(demo_pack, tmp_path,
                                                                         capsys):
    data = tmp_path / "data"
    shutil.copytree(demo_pack["demo"], data)
    wards = next((data / "boundaries").glob("Wards_*"))
    wards.write_bytes(b"not a GeoPackage\n")
    out = tmp_path / "out"
    status = main(["build", "--data-dir", str(data), "--period-end", "2023-05", "--out",
                   str(out), "--no-progress", "--only", "ward_maps",
                   "serious_violence_needs_assessment", "partnership"])
    printed = capsys.readouterr().out
    assert status == 1
    # The summary: notebook, section, error, and the package line that raised.
    frame = r"\n        at scpb_analysis/[\w/]+\.py:\d+ in \w+\n"
    assert re.search(r'ward_maps: FAILED \(.*\n    section "Ward maps": MissingSourceError: '
                     r".*holds no ward boundaries.*" + frame
                     + r'    not shown, as they need "Ward maps": "Rates by ward", "Hot spots"',
                     printed), printed
    assert re.search(r"serious_violence_needs_assessment: FAILED .*\n    section \"Where "
                     r"violence concentrates: wards and hot spots\": MissingSourceError: .*"
                     + frame, printed), printed
    assert "partnership: ok" in printed and "cell " not in printed
    pages = {p.stem: p.read_text() for p in (out / "html").glob("*.html")}
    assert sorted(pages) == ["partnership", "serious_violence_needs_assessment", "ward_maps"]
    for name, page in pages.items():
        for text in ("Traceback", "most recent call last", 'File "', "\x1b[", "papermill",
                     "MissingSourceError", "boundaries.py"):
            assert text not in page, (name, text)
    box = re.compile(r"This section could not be built\.</strong>.*What is wrong:</strong> "
                     r"[^<]*holds no ward boundaries.*What to do:</strong> Add this source")
    assert box.search(pages["ward_maps"]) and box.search(
        pages["serious_violence_needs_assessment"])
    assert pages["ward_maps"].count("Not shown: this part needs “Ward maps” above") == 2
    # The needs assessment's other sections are all there, after the failed one too.
    assessment = pages["serious_violence_needs_assessment"]
    assert assessment.count('class="scpb-not-built"') == 1
    assert "Appendix: definitions and data quality" in assessment
    assert len(_IMG.findall(assessment)) >= 1
    assert (out / "tables" / "needs_assessment_definitions.csv").exists()
    assert "scpb-not-built" not in pages["partnership"]
    # The analyst's copy keeps the traceback.
    executed = nbformat.read(out / "notebooks" / "ward_maps.ipynb", as_version=4)
    errors = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert errors[0].ename == "MissingSourceError"
    assert any("boundaries.py" in line for line in errors[0].traceback)
    index = (out / "index.html").read_text()
    assert ("Ward maps</a> <strong>incomplete</strong>: 1 section could not be built "
            "(Ward maps)") in index
    recorded = json.loads((out / "provenance.json").read_text())["notebooks"]["ward_maps"]
    assert not recorded["ok"] and recorded["failures"][0]["section"] == "Ward maps"


@pytest.mark.slow
def test_an_incomplete_indicator_fails_its_page_or_is_shown_marked(demo_pack, tmp_path, capsys):
    data = tmp_path / "data"
    shutil.copytree(demo_pack["demo"], data)
    recent = next((data / "mps" / "borough" / "to-202307").glob("*most recent*"))
    months = recent.read_text(encoding="utf-8").splitlines()[0].count(",") - 2
    with recent.open("a", encoding="utf-8") as handle:
        handle.write("Burglary,Burglary of a Shed,Barnet," + ",".join(["2"] * months) + "\n")
    args = ["build", "--data-dir", str(data), "--period-end", "2023-05", "--only",
            "performance_dashboard", "--no-progress"]
    assert main([*args, "--out", str(tmp_path / "refused")]) == 1
    printed = capsys.readouterr().out
    assert "performance_dashboard: FAILED" in printed
    assert "IncompleteIndicatorError: Residential Burglary is incomplete:" in printed
    assert "'Burglary / Burglary of a Shed'" in printed and recent.name in printed
    assert main([*args, "--out", str(tmp_path / "marked"), "--show-incomplete"]) == 0
    capsys.readouterr()
    page = (tmp_path / "marked" / "html" / "performance_dashboard.html").read_text()
    assert "Residential Burglary (INCOMPLETE)" in page
    assert "Non-Residential Burglary (INCOMPLETE)" in page
    rows = _csv_rows(tmp_path / "marked" / "tables" / "dashboard.csv")
    assert rows["residential_burglary"]["complete"] == "False"
    assert rows["residential_burglary"]["notes"].startswith("INCOMPLETE: ")
    assert rows["residential_burglary"]["rag"] == "Not rated (incomplete)"
    assert rows["robbery_of_personal_property"]["complete"] == "True"


def _check_every_table(tables: Path) -> None:
    from scpb_analysis.qa.checks import check_file

    paths = sorted(tables.glob("*.csv"))
    assert paths
    # The partnership tables carry what their page prints beside them (notes, breakdowns)
    # in a .check.toml, as scpb check reads them.
    assert list(tables.glob("partnership_*.check.toml"))
    failures = {p.name: check_file(p).text() for p in paths if not check_file(p).ok}
    assert not failures, failures


@pytest.mark.slow
def test_scpb_check_passes_every_table_of_the_pack(demo_pack):
    _check_every_table(demo_pack["out"] / "tables")


@pytest.mark.slow
def test_public_pack_passes_the_disclosure_checks(demo_pack, tmp_path):
    from scpb_analysis.demo.partnership import PLANTED_PII
    from scpb_analysis.qa.disclosure import scan_outputs

    out = tmp_path / "public"
    assert _build(out, demo_pack["demo"], "--audience", "public", "--only", "partnership",
                  "performance_dashboard") == 0
    assert scan_outputs([out / "html", out / "tables", out / "index.html"],
                        names=[p for p in PLANTED_PII if " " in p]) == []
    names = [p.name for p in (out / "tables").glob("partnership_*.csv")]
    assert names and not any(n.startswith(("partnership_prevent", "partnership_csmarac"))
                             for n in names)
    _check_every_table(out / "tables")
    # Charts would show the small numbers the tables suppress.
    assert not _IMG.search((out / "html" / "partnership.html").read_text())
    assert _IMG.search((demo_pack["out"] / "html" / "partnership.html").read_text())
    for name in names:
        frame = pd.read_csv(out / "tables" / name, dtype=str, keep_default_na=False)
        numbers = [int(c) for c in frame.iloc[:, 1:].to_numpy().ravel()
                   if re.fullmatch(r"\d+", c)]
        assert not [n for n in numbers if 1 <= n <= 4], name


# --- the real Barnet pack -------------------------------------------------------------------

@pytest.fixture(scope="session")
def real_pack(tmp_path_factory):
    if not (SHARED_DATA / "mps" / "borough").is_dir():
        pytest.skip(f"real data not found at {SHARED_DATA} (set SCPB_SHARED_DATA)")
    out = tmp_path_factory.mktemp("real_pack") / "out"
    # With PDFs where this machine has the Chromium that prints them.
    pdf = ["--pdf"] if _chromium() else []
    status = main(["build", "--borough", "Barnet", "--period-end", "2023-05", "--data-dir",
                   str(SHARED_DATA), "--out", str(out), "--jobs", "2", "--no-progress", *pdf])
    return {"out": out, "status": status}


@pytest.mark.slow
def test_real_pack_dashboard_numbers(real_pack):
    assert real_pack["status"] == 0
    rows = _csv_rows(real_pack["out"] / "tables" / "dashboard.csv")
    res = rows["residential_burglary"]
    assert (res["n_12m"], res["n_12m_prev"], res["pct_change_12m"]) == ("1951", "1848", "+5.6")
    assert (res["n_3m"], res["n_3m_prev"]) == ("479", "464")
    assert res["peer_n"] == "32" and 1 <= int(res["peer_rank"]) <= 32
    assert res["bcu_n"] == "3" and 1 <= int(res["bcu_rank"]) <= 3
    assert res["significance_12m"] in ("no significant change", "significant increase")
    assert res["data_status"] == "MPS published recorded crime"


_AGREE = ["indicator", "n_12m", "n_12m_prev", "pct_change_12m", "significance_12m", "n_3m",
          "n_3m_prev", "pct_change_3m", "significance_3m", "peer_rank", "peer_rank_prev",
          "bcu_rank", "rag", "complete", "publications", "notes"]


@pytest.mark.slow
def test_readme_example_command_line_and_pack_agree(real_pack, capsys):
    """The README's Python example, `scpb compare --figures as-published` and the pack give
    the same numbers for Barnet at May 2023."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    block = re.search(r"In Python, the same numbers.*?```python\n(.*?)```", readme, re.S)
    code = block.group(1).replace('"data/', f'"{SHARED_DATA.as_posix()}/')
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)
    capsys.readouterr()
    from_readme = pd.read_csv(io.StringIO(namespace["cmp"].to_csv(index=False)), dtype=str,
                              keep_default_na=False)
    assert main(["compare", "--data", str(SHARED_DATA / "mps" / "borough"),
                 str(SHARED_DATA / "mps" / "dashboard"), "--borough", "Barnet", "--end",
                 "2023-05", "--figures", "as-published", "--format", "csv"]) == 0
    from_cli = pd.read_csv(io.StringIO(capsys.readouterr().out), dtype=str,
                           keep_default_na=False)
    from_pack = pd.read_csv(real_pack["out"] / "tables" / "dashboard.csv", dtype=str,
                            keep_default_na=False)
    assert from_readme[_AGREE].equals(from_cli[_AGREE])
    assert from_pack[_AGREE].equals(from_cli[_AGREE])
    rows = from_pack.set_index("indicator")
    assert rows.loc["residential_burglary", "n_12m"] == "1951"
    # The three headline indicators "not in this data" before come from the extract now.
    knife = rows.loc["knife_crime_with_injury"]
    # The extract starts in August 2021: the 12 months to May 2023 are counted alone, as a
    # plain sum of the extract's Barnet rows gives them; the 12 before are not held.
    extract = pd.read_parquet(next((SHARED_DATA / "mps" / "dashboard").glob("*.parquet")))
    months = pd.to_datetime(extract["month_year"]).dt.to_period("M")
    barnet = extract[(extract["area_type"] == "Borough") & (extract["borough_snt"] == "Barnet")
                     & (extract["crime_subtype"] == "Knife Crime with Injury")
                     & (extract["measure"] == "Offences")
                     & months.between(pd.Period("2022-06", "M"), pd.Period("2023-05", "M"))]
    assert (knife["n_3m"], knife["n_3m_prev"], knife["n_12m_prev"]) == ("24", "30", "")
    assert knife["n_12m"] == str(int(barnet["count"].astype(int).sum()))
    assert knife["publications"] == "MPS Monthly Crime Dashboard to July 2025"


def _png_is_blank(data: bytes) -> bool:
    from PIL import Image

    image = Image.open(io.BytesIO(data)).convert("L")
    low, high = image.getextrema()
    return high - low < 10


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or \
        shutil.which("google-chrome")


def _screenshot(browser: str, page: Path, target: Path, height: int) -> None:
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--hide-scrollbars",
                    f"--user-data-dir={target.parent / 'profile'}",
                    f"--window-size=1200,{height}", f"--screenshot={target}",
                    page.as_uri()], check=True, capture_output=True, timeout=120)


def _white_image(match: re.Match) -> str:
    from PIL import Image

    width, height = Image.open(io.BytesIO(base64.b64decode(match.group(1)))).size
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(buffer, format="PNG")
    return match.group(0).replace(match.group(1), base64.b64encode(buffer.getvalue()).decode())


def _ink(png: Path) -> int:
    from PIL import Image

    image = Image.open(png).convert("L")
    return int((np.asarray(image) < 235).sum())


def _changed(a: Path, b: Path) -> int:
    from PIL import Image, ImageChops

    diff = ImageChops.difference(Image.open(a).convert("L"), Image.open(b).convert("L"))
    return int((np.asarray(diff) > 40).sum())


@pytest.mark.slow
@pytest.mark.parametrize("name", list(NOTEBOOKS))
def test_real_pages_show_every_figure_and_no_code(real_pack, name, tmp_path):
    page = real_pack["out"] / "html" / f"{name}.html"
    text = page.read_text()
    images = _IMG.findall(text)
    if name in ("performance_dashboard", "ward_maps", "ward_profile"):
        assert images, f"{name}: no figures"
    for data in images:
        assert not _png_is_blank(base64.b64decode(data)), name
    browser = _chromium()
    if browser is None:
        pytest.skip("no Chromium on this machine (Debian package chromium) for screenshots")
    # The page with its figures against the same page with each figure replaced by a white
    # image of the same size (same layout): the difference in drawn area is what the
    # figures put on screen.
    blanked = tmp_path / f"{name}_blank.html"
    blanked.write_text(_IMG.sub(_white_image, text))
    # Tall enough for the longest page (the needs assessment) to put every figure on screen.
    height = 16000
    _screenshot(browser, page, tmp_path / "with.png", height)
    _screenshot(browser, blanked, tmp_path / "without.png", height)
    assert _ink(tmp_path / "with.png") > 5_000  # the page itself rendered
    if images:
        # Lines, labels and filled areas: thousands of pixels per figure.
        assert _changed(tmp_path / "with.png", tmp_path / "without.png") > 5_000


def _risk_table_problems(out: Path) -> list[str]:
    from scpb_analysis.blocks.needs_assessment import check_needs_table

    path = out / "tables" / "needs_assessment_risk_factors.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert "TBD" not in path.read_text()
    assert (frame["status"] == "computed").sum() >= 3
    return check_needs_table(frame)


@pytest.mark.slow
def test_demo_needs_assessment_cells_are_computed_or_marked(demo_pack):
    assert _risk_table_problems(demo_pack["out"]) == []


@pytest.mark.slow
def test_real_needs_assessment_cells_are_computed_or_marked(real_pack):
    assert _risk_table_problems(real_pack["out"]) == []
    page = (real_pack["out"] / "html" / "serious_violence_needs_assessment.html").read_text()
    assert "not available — needs" in page


# ---------------------------------------------------------------------------------------------
# Pages a board member reads (issue 16): seen in headless Chromium at 1280 px


def _reader_view(out: Path, page: str, tmp_path: Path):
    from page_audit import view_page

    browser = _chromium()
    if browser is None:
        pytest.skip("no Chromium on this machine (Debian package chromium) to lay pages out")
    path = out / "index.html" if page == "index" else out / "html" / f"{page}.html"
    return view_page(browser, path, tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("page", ["index", *NOTEBOOKS])
def test_real_pages_read_as_board_papers(real_pack, page, tmp_path):
    view = _reader_view(real_pack["out"], page, tmp_path)
    assert view.code_names() == [], f"{page}: code names on the page"
    assert view.missing_marks() == [], f"{page}: dumped missing values"
    assert view.wide == [], f"{page}: elements wider than the page"
    # The title says the area and period in words, and every page leads back to the overview.
    assert "Barnet, 12 months to May 2023" in view.text
    if page != "index":
        assert "Overview" in view.text.split("\n", 3)[0]


@pytest.mark.slow
def test_real_overview_holds_every_headline_indicator(real_pack, tmp_path):
    view = _reader_view(real_pack["out"], "index", tmp_path)
    comparison = pd.read_csv(real_pack["out"] / "tables" / "dashboard.csv", dtype=str,
                             keep_default_na=False)
    headline = comparison[comparison["dashboard"] == "True"]
    assert len(headline) >= 7
    rows = {line.split("\t")[0]: line.split("\t") for line in view.text.splitlines()
            if "\t" in line}
    for row in headline.itertuples(index=False):
        cells = rows[row.indicator_name]
        # 12-month count with thousands separators, rank now and the quarter before, rating.
        assert cells[1] == f"{int(row.n_12m):,}", row.indicator_name
        assert cells[5] == f"{int(row.n_3m):,}" and cells[6] == f"{int(row.n_3m_prev):,}"
        assert cells[9] == row.peer_rank and cells[10] == row.peer_rank_prev
        assert cells[11].strip() == row.rag
    counts = headline["rag"].value_counts()
    assert (f"Ratings: {counts.get('Red', 0)} Red, {counts.get('Amber', 0)} Amber, "
            f"{counts.get('Green', 0)} Green.") in view.text


@pytest.mark.slow
def test_real_pdfs_are_a4_numbered_and_hold_every_table_row(real_pack):
    from pypdf import PdfReader

    if not _chromium():
        pytest.skip("no Chromium on this machine (Debian package chromium) to print PDFs")
    out = real_pack["out"]
    pdfs = sorted((out / "pdf").glob("*.pdf"))
    assert [p.stem for p in pdfs] == sorted(["index", *NOTEBOOKS])
    for pdf in pdfs:
        reader = PdfReader(pdf)
        n = len(reader.pages)
        text = ""
        for i, page in enumerate(reader.pages, start=1):
            width, height = float(page.mediabox.width), float(page.mediabox.height)
            assert abs(width - 595.28) < 1 and abs(height - 841.89) < 1, (pdf.name, i)
            page_text = page.extract_text()
            assert f"Page {i} of {n}" in page_text, (pdf.name, i)
            text += page_text
        # NFKC undoes the PDF's ligatures (ﬁ, ﬃ); a cell wrapped over lines is read word by word.
        flat = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
        _render_first_page(pdf)
        html_page = out / ("index.html" if pdf.stem == "index" else f"html/{pdf.stem}.html")
        # No table cut at the right edge: every word of every row's first and last cell is
        # in the PDF.
        for first, last in _row_ends(html_page.read_text()):
            for word in unicodedata.normalize("NFKC", f"{first} {last}").split():
                assert word in flat, (pdf.name, first, last, word)


def _render_first_page(pdf: Path) -> None:
    """pdftoppm (poppler) draws the first page at 72 dpi: an A4 page is 595 x 842 pixels."""
    from PIL import Image

    if shutil.which("pdftoppm") is None:
        return  # pypdf has checked the page size; poppler-utils draws it where installed
    prefix = pdf.with_suffix("")
    subprocess.run(["pdftoppm", "-r", "72", "-f", "1", "-l", "1", "-png", str(pdf),
                    str(prefix)], check=True, capture_output=True, timeout=120)
    drawn = next(pdf.parent.glob(f"{prefix.name}-*1.png"))
    image = Image.open(drawn)
    assert abs(image.size[0] - 595) <= 1 and abs(image.size[1] - 842) <= 1, image.size
    assert _ink(drawn) > 2_000, pdf.name  # the page has something on it
    drawn.unlink()


def _row_ends(page: str) -> list[tuple[str, str]]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(page, "html.parser")
    for drawing in soup.select("svg"):
        drawing.decompose()  # a trend line's hover title is not printed text
    ends = []
    for table in soup.select("table.reader"):
        for row in table.select("tbody tr"):
            cells = [c.get_text(" ", strip=True) for c in row.find_all("td")]
            cells = [c for c in cells if c]
            if cells:
                ends.append((cells[0], cells[-1]))
    return ends


@pytest.mark.slow
def test_real_workbook_stores_every_count_as_a_number(real_pack):
    import openpyxl

    from scpb_analysis.reference.labels import column_format

    book = openpyxl.load_workbook(real_pack["out"] / "pack_tables.xlsx", read_only=True)
    checked = 0
    for sheet in book.worksheets[1:]:
        rows = list(sheet.iter_rows(values_only=True))
        header = rows[0]
        for j, column in enumerate(header):
            if column_format(str(column)) not in ("count", "rate", "rank", "fraction"):
                continue
            values = [r[j] for r in rows[1:] if r[j] is not None]
            assert all(isinstance(v, (int, float)) for v in values), (sheet.title, column)
            checked += len(values)
    assert checked > 500


@pytest.mark.slow
def test_every_column_of_the_real_pack_has_a_plain_label(real_pack):
    from scpb_analysis.reference.labels import is_registered

    unlabelled = {}
    for path in sorted((real_pack["out"] / "tables").glob("*.csv")):
        header = pd.read_csv(path, nrows=0).columns
        missing = [c for c in header if re.fullmatch(r"[a-z0-9_]+", c) and not is_registered(c)]
        if missing:
            unlabelled[path.name] = missing
    assert unlabelled == {}
