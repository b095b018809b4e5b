"""The public pack is a different product: no notebooks, no folder paths, labelled, protected.

Builds the demo pack twice, internal and public (``pytest -m slow``).
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from scpb_analysis.cli import main

pytestmark = pytest.mark.slow

HIDDEN = ("<5", "[c]")
# The partnership tables disclosure control applies to (DA MARAC counts are all large).
CONTROLLED = ("partnership_cctv_by_ward", "partnership_cctv_ward_by_type",
              "partnership_asb_outcomes_by_month", "partnership_fpn_by_code")


@pytest.fixture(scope="module")
def packs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("public_pack")
    built = {}
    for audience in ("internal", "public"):
        out = tmp / audience
        status = main(["build", "--demo-dir", str(tmp / "demo"), "--out", str(out),
                       "--jobs", "2", "--no-progress", "--audience", audience])
        built[audience] = {"out": out, "status": status}
    built["demo"] = tmp / "demo"
    return built


def _texts(out: Path):
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as book:
                for name in book.namelist():
                    yield f"{path.name}:{name}", book.read(name).decode("utf-8", "replace")
        elif path.suffix != ".pdf":
            yield str(path.relative_to(out)), path.read_bytes().decode("utf-8", "replace")


def _table(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    return frame.set_index(frame.columns[0])


def test_both_packs_build(packs):
    assert packs["internal"]["status"] == 0 and packs["public"]["status"] == 0


def test_public_pack_ships_no_notebooks(packs):
    assert (packs["internal"]["out"] / "notebooks").is_dir()
    public = packs["public"]["out"]
    assert not (public / "notebooks").exists()
    assert not list(public.rglob("*.ipynb"))


def test_no_file_of_the_public_pack_names_a_folder(packs):
    out, demo = packs["public"]["out"], packs["demo"]
    folders = {str(out.resolve()), str(demo.resolve()), str(out.resolve().parent)}
    for name, text in _texts(out):
        for folder in folders:
            assert folder not in text, (name, folder)
    # The internal pack does record them: the check above can fail.
    assert any(str(demo.resolve()) in text for _, text in _texts(packs["internal"]["out"]))
    record = (out / "provenance.json").read_text(encoding="utf-8")
    assert '"data_dir"' not in record and '"output_dir"' not in record
    assert '"sha256"' in record


def test_every_public_page_and_the_index_say_public_version(packs):
    out = packs["public"]["out"]
    pages = [out / "index.html", *sorted((out / "html").glob("*.html"))]
    assert len(pages) >= 6
    for page in pages:
        text = page.read_text(encoding="utf-8")
        body = text.index("<body")
        label = text.find("Public version")
        assert label > body, page.name
        # Near the top: before the page's first heading.
        assert label < text.index("<h1", body), page.name
    internal = packs["internal"]["out"]
    assert "Public version" not in (internal / "index.html").read_text(encoding="utf-8")


def test_public_partnership_tables_differ_where_controlled(packs):
    internal, public = (packs[a]["out"] / "tables" for a in ("internal", "public"))
    for name in CONTROLLED:
        inside = _table(internal / f"{name}.csv")
        outside = _table(public / f"{name}.csv")
        numbers = pd.to_numeric(pd.Series(inside.to_numpy().ravel()), errors="coerce")
        # Disclosure control applies: the internal table shows counts from 1 to 4 ...
        assert numbers.between(1, 4).any(), name
        # ... and the public one does not, in fewer cells.
        shown = pd.to_numeric(pd.Series(outside.to_numpy().ravel()), errors="coerce")
        assert not shown.between(1, 4).any(), name
        assert not outside.equals(inside), name
        assert outside.size < inside.size, name
    assert not list(public.glob("partnership_prevent*")) and \
        not list(public.glob("partnership_csmarac*"))


def test_no_public_table_hides_a_quarter_of_its_cells(packs):
    tables = sorted((packs["public"]["out"] / "tables").glob("*.csv"))
    assert tables
    for path in tables:
        frame = _table(path)
        if frame.empty:
            continue
        cells = frame.to_numpy().ravel()
        assert sum(c in HIDDEN for c in cells) / len(cells) < 0.25, path.name


def test_no_hidden_cell_can_be_worked_out_across_the_public_tables(packs):
    tables = {p.stem: _table(p) for p in (packs["public"]["out"] / "tables").glob("*.csv")}
    for name, frame in tables.items():
        hidden = frame.isin(HIDDEN)
        if not hidden.to_numpy().any():
            continue
        # Within a table: a line with a total and exactly one hidden cell gives it away.
        if "Total" in frame.columns:
            assert not (hidden.sum(axis=1) == 1).any(), name
        if "Grand Total" in frame.index:
            assert not (hidden.sum(axis=0) == 1).any(), name
    # Across tables: a ward's total is hidden in both tables or shown (the same) in both.
    wards = tables["partnership_cctv_by_ward"]["Number of incidents"]
    by_type = tables["partnership_cctv_ward_by_type"]["Total"]
    shared = wards.index.intersection(by_type.index)
    assert "Grand Total" in shared
    for ward in shared:
        assert wards[ward] == by_type[ward], ward
    # The same total published elsewhere: the dashboard page's ward table is the same table.
    page = (packs["public"]["out"] / "html" / "performance_dashboard.html").read_text()
    grand = wards["Grand Total"]
    assert re.search(rf"Grand Total</t[hd]>\s*<td[^>]*>{grand}<", page)
