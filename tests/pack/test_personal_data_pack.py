"""Personal data planted in every partnership column and in input file names never reaches a pack.

Issue 13's acceptance: names, NI numbers, dates of birth, e-mails, phone numbers and postcodes
planted in every input column and in file names; zero occurrences in any output file of a public
or internal build (HTML, CSV, the workbook's XML, executed notebooks, JSON).
"""

from __future__ import annotations

import csv
import html
import re
import zipfile
from pathlib import Path

import pytest

from scpb_analysis.cli import main

# Builds the pack with planted personal data: `pytest -m slow` (CI runs it).
pytestmark = pytest.mark.slow

# Distinctive values, so a literal search of the outputs cannot match anything else.
PLANTED = {
    "name": "Margaret Quillfeather",
    "ni_number": "QQ 12 34 56 C",
    "date_of_birth": "DOB 17/03/1984",
    "email": "margaret.quillfeather@example.org",
    "phone": "07700 900987",
    "postcode": "N3 9ZQ",
}
# How each value might be respelled on the way out (spaces dropped, parts alone).
_FORMS = {
    "name": ["Margaret Quillfeather", "Quillfeather"],
    "ni_number": ["QQ 12 34 56 C", "QQ123456C"],
    "date_of_birth": ["17/03/1984", "1984-03-17"],
    "email": ["margaret.quillfeather@example.org", "quillfeather@example"],
    "phone": ["07700 900987", "07700900987", "900987"],
    "postcode": ["N3 9ZQ", "N39ZQ"],
}
# A person's name and a phone number in input file names.
_NAMED_FILE = "cctv_incidents_Margaret_Quillfeather"
_PHONE_FILE = "from_07700900987"


def _plant(folder: Path) -> int:
    """Put a planted value in every column of every partnership export; return cells planted."""
    kinds = list(PLANTED)
    planted = 0
    for path in sorted(folder.glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
        header, body = rows[0], rows[1:]
        for j in range(len(header)):
            # One row per column, spread through the file; each column gets another kind.
            i = (7 * j + 3) % len(body)
            body[i][j] = PLANTED[kinds[(j + planted) % len(kinds)]]
        planted += len(header)
        with path.open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows([header, *body])
    return planted


@pytest.fixture(scope="module")
def planted_data(tmp_path_factory) -> Path:
    from scpb_analysis.demo import write_demo_data
    from scpb_analysis.demo.partnership import write_partnership_demo

    root = tmp_path_factory.mktemp("planted") / "data"
    write_demo_data(root)
    folder = write_partnership_demo(root)
    assert _plant(folder) > 30
    cctv = folder / "cctv_incidents.csv"
    cctv.rename(folder / f"{_NAMED_FILE}.csv")
    borough = next((root / "mps" / "borough").rglob("*most recent 24 months*.csv"))
    borough.rename(borough.with_name(borough.stem + f" {_PHONE_FILE}.csv"))
    return root


def _texts(out: Path):
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as book:
                for member in book.namelist():
                    yield f"{path.name}!{member}", book.read(member).decode("utf-8", "replace")
        elif path.suffix in {".html", ".csv", ".json", ".ipynb", ".md", ".txt"}:
            yield path.name, path.read_text(encoding="utf-8", errors="replace")


@pytest.mark.parametrize("audience", ["internal", "public"])
def test_no_planted_value_reaches_any_output_file(planted_data, tmp_path, audience):
    out = tmp_path / audience
    main(["build", "--data-dir", str(planted_data), "--out", str(out), "--no-progress",
          "--audience", audience, "--only", "performance_dashboard", "partnership"])
    texts = dict(_texts(out))
    assert any(name.endswith(".html") for name in texts), sorted(texts)
    leaks = []
    for name, text in texts.items():
        plain = html.unescape(text)
        for kind, forms in _FORMS.items():
            leaks += [(name, kind) for form in forms
                      if re.search(re.escape(form), plain, re.IGNORECASE)]
        for part in (_NAMED_FILE, _PHONE_FILE, "Margaret"):
            if part.lower() in plain.lower():
                leaks.append((name, f"file name part {part!r}"))
    assert not leaks, sorted(set(leaks))
