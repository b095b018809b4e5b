"""Bad-input corpus, family ``build``: a pack is whole or not there, and never leaks a name.

Most cases run stub notebooks (``$SCPB_NOTEBOOKS`` pointed at one-cell notebooks named like the
pack's, each writing one table), so a build takes seconds; the Ctrl-C case runs ``scpb build``
as a subprocess with the real ``partnership`` notebook, and the personal-data cases build the
real ``partnership`` page once per session from demo data with planted file names.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from bad_input import CORRECT, ERROR, REPORTED, Case, assert_not_repeated, params

from scpb_analysis.cli import main
from scpb_analysis.pack import runner
from scpb_analysis.pack.runner import NOTEBOOKS, TABLE_PREFIXES, WITHHELD_LABEL, build_pack
from scpb_analysis.qa.disclosure import scan_file_name

# Each case builds a pack: `pytest -m slow` (CI runs it).
pytestmark = pytest.mark.slow

STUBS = ("partnership", "ward_maps")
# kind -> (file planted in the data folder, the personal data in its name)
PLANTED = {
    "phone": ("partnership/callback 07700 900123.txt", "07700 900123"),
    "phone-international": ("partnership/log_+44_7700_900456.txt", "7700 900456"),
    "postcode": ("partnership/visit_N3_1AA_notes.txt", "N3 1AA"),
    "folder": ("partnership/EN5 2BY/extract.txt", "EN5 2BY"),
    "name": ("partnership/referral Joe Bloggs.txt", "Joe Bloggs"),
}

CASES = [
    Case("build", "ctrl-c-mid-build-keeps-the-previous-pack", ERROR, {"run": "sigint"}),
    Case("build", "failed-notebook-shown-on-the-index-not-mixed", REPORTED, {"run": "failed"}),
    Case("build", "output-folder-is-a-file", ERROR, {"run": "out_is_file"}),
    Case("build", "output-folder-not-writable", ERROR, {"run": "out_not_writable"}),
    Case("build", "output-folder-holds-other-files", ERROR, {"run": "out_not_a_pack"}),
    Case("build", "error-mid-build-keeps-the-previous-pack", ERROR, {"run": "crash"}),
    Case("build", "partial-only-rebuild-keeps-other-pages", CORRECT, {"run": "only"}),
    Case("build", "partial-only-rebuild-for-another-borough-not-mixed", CORRECT,
         {"run": "only_other"}),
    Case("build", "personal-data-in-an-executed-notebook-keeps-the-previous-pack", ERROR,
         {"run": "leaky"}),
    *(Case("build", f"personal-data-in-input-file-name-{kind}", REPORTED,
           {"run": "planted", "kind": kind}) for kind in PLANTED),
]


def _tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _leftovers(out: Path) -> list[str]:
    return [p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.")]


# --- fixtures -------------------------------------------------------------------------------

_LEAK = "07700 900777"


def _stub(path: Path, name: str, fail: bool = False, leak: bool = False) -> None:
    book = nbformat.v4.new_notebook()
    book.cells.append(nbformat.v4.new_code_cell(
        'borough = "Barnet"\nperiod_end = "2023-05"\ndata_dir = ""\naudience = "internal"\n'
        'output_dir = ""\nfigures = "as_published"\nincomplete = "refuse"',
        metadata={"tags": ["parameters"]}))
    body = ("raise ValueError('planted failure')" if fail else
            "import pathlib\n"
            f"pathlib.Path(output_dir, 'tables', '{TABLE_PREFIXES[name]}stub.csv')"
            ".write_text(f'borough,period_end\\n{borough},{period_end}\\n')\n"
            f"print('{name} for', borough)")
    if leak:
        # In the code only: the rendered page (code hidden) is clean, the notebook is not.
        body += f"\n# called back on {_LEAK}"
    book.cells.append(nbformat.v4.new_code_cell(body))
    book.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                   "language": "python"}
    nbformat.write(book, path / f"{name}.ipynb")


@pytest.fixture(scope="session")
def stubs(tmp_path_factory) -> dict[str, Path]:
    good, broken = tmp_path_factory.mktemp("stubs"), tmp_path_factory.mktemp("broken")
    leaky = tmp_path_factory.mktemp("leaky")
    for name in NOTEBOOKS:
        _stub(good, name)
        _stub(broken, name, fail=name == "ward_maps")
        _stub(leaky, name, leak=name == "ward_maps")
    return {"good": good, "broken": broken, "leaky": leaky}


@pytest.fixture(scope="session")
def demo_data(tmp_path_factory) -> Path:
    from scpb_analysis.demo import write_demo_data
    from scpb_analysis.demo.partnership import write_partnership_demo

    folder = tmp_path_factory.mktemp("demo_data")
    write_demo_data(folder)
    write_partnership_demo(folder)
    return folder


def _stub_build(out: Path, data: Path, names=STUBS, borough: str = "Barnet"):
    return build_pack(borough=borough, period_end="2023-05", data_dir=data, out=out,
                      only=list(names), jobs=2, progress=False)


@pytest.fixture(scope="session")
def planted_pack(demo_data, tmp_path_factory) -> dict:
    """The real partnership page, built from demo data with personal data in file names."""
    root = tmp_path_factory.mktemp("planted")
    data = root / "data"
    shutil.copytree(demo_data, data)
    for number, (rel, _) in enumerate(PLANTED.values()):
        (data / rel).parent.mkdir(parents=True, exist_ok=True)
        (data / rel).write_text(f"stray file {number}, never to be named in a pack\n")
    result = subprocess.run(
        [sys.executable, "-m", "scpb_analysis.cli", "build", "--data-dir", str(data),
         "--out", str(root / "out"), "--only", "partnership", "--no-progress"],
        capture_output=True, text=True, timeout=600, env={**os.environ, "PYTHONPATH": os.pathsep
                                                          .join(sys.path)})
    return {"out": root / "out", "data": data, "result": result}


# --- the cases --------------------------------------------------------------------------------

def _run_sigint(case, tmp_path, stubs, demo_data, monkeypatch):
    out = tmp_path / "out"
    monkeypatch.setenv("SCPB_NOTEBOOKS", str(stubs["good"]))
    _stub_build(out, demo_data)
    monkeypatch.delenv("SCPB_NOTEBOOKS")
    before = _tree(out)
    env = {k: v for k, v in os.environ.items() if k != "SCPB_NOTEBOOKS"}
    env["PYTHONPATH"] = os.pathsep.join(sys.path)
    proc = subprocess.Popen(
        [sys.executable, "-m", "scpb_analysis.cli", "build", "--data-dir", str(demo_data),
         "--out", str(out), "--only", "partnership", "--no-progress"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        kernels: list[int] = []
        deadline = time.monotonic() + 120
        while not kernels and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)
            for children in Path(f"/proc/{proc.pid}/task").glob("*/children"):
                kernels += [int(pid) for pid in children.read_text().split()]
        assert kernels, "no kernel started"
        time.sleep(1.0)  # the kernel is running the notebook
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=90)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert "interrupted" in lines[0] and f"previous pack in {out} is unchanged" in lines[0]
    assert _tree(out) == before
    assert not _leftovers(out)
    for pid in kernels:
        stat = Path(f"/proc/{pid}/stat")
        for _ in range(50):
            if not stat.exists() or stat.read_text().split(") ")[1].startswith("Z"):
                break
            time.sleep(0.1)
        assert not stat.exists() or stat.read_text().split(") ")[1].startswith("Z"), \
            f"kernel {pid} still running after Ctrl-C"


def _run_failed(case, tmp_path, stubs, demo_data, monkeypatch, capsys):
    out = tmp_path / "out"
    monkeypatch.setenv("SCPB_NOTEBOOKS", str(stubs["good"]))
    _stub_build(out, demo_data, names=list(NOTEBOOKS)[:3], borough="Camden")
    old_pages = _tree(out)
    monkeypatch.setenv("SCPB_NOTEBOOKS", str(stubs["broken"]))
    status = main(["build", "--data-dir", str(demo_data), "--out", str(out), "--period-end",
                   "2023-05", "--only", *STUBS, "--no-progress"])
    printed = capsys.readouterr().out
    assert status == 1
    assert "ward_maps: FAILED" in printed and "planted failure" in printed
    index = (out / "index.html").read_text()
    assert re.search(r"Ward maps</a> <strong>incomplete</strong>: 1 section could not be built",
                     index), index
    # The failed page is published with a plain box, the traceback only in the notebook.
    page = (out / "html" / "ward_maps.html").read_text()
    assert "ValueError: planted failure" in page and "Traceback" not in page
    assert "Traceback" in (out / "notebooks" / "ward_maps.ipynb").read_text()
    # The new pack alone: nothing of the previous one (a third notebook's page) left beside it.
    assert sorted(p.name for p in (out / "html").iterdir()) == ["partnership.html",
                                                                 "ward_maps.html"]
    assert sorted(p.name for p in (out / "tables").iterdir()) == ["partnership_stub.csv"]
    assert "performance_dashboard" not in json.loads((out / "provenance.json").read_text())[
        "notebooks"]
    assert "Camden" not in (out / "tables" / "partnership_stub.csv").read_text()
    assert "html/performance_dashboard.html" in old_pages
    assert not _leftovers(out)


def _run_out_is_file(case, tmp_path, stubs, demo_data, monkeypatch, capsys):
    out = tmp_path / "pack"
    out.write_text("not a folder\n")
    status = main(["build", "--data-dir", str(demo_data), "--out", str(out), "--period-end",
                   "2023-05", "--only", "partnership", "--no-progress"])
    err = capsys.readouterr().err
    assert status == 2
    assert f"output folder {out} is a file" in err and "Traceback" not in err
    assert out.read_text() == "not a folder\n"
    assert not _leftovers(out)


def _run_out_not_writable(case, tmp_path, stubs, demo_data, monkeypatch, capsys):
    if os.geteuid() == 0:
        # root writes anywhere chmod allows nothing; a folder inside /proc refuses even root.
        out = Path("/proc/scpb-pack/out")
    else:
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o500)
        out = locked / "out"
    status = main(["build", "--data-dir", str(demo_data), "--out", str(out), "--period-end",
                   "2023-05", "--only", "partnership", "--no-progress"])
    err = capsys.readouterr().err
    assert status == 2
    assert f"output folder {out}: cannot write beside it" in err and "Traceback" not in err
    assert not out.exists()


def _run_out_not_a_pack(case, tmp_path, stubs, demo_data, monkeypatch, capsys):
    out = tmp_path / "documents"
    out.mkdir()
    (out / "minutes.docx").write_bytes(b"board minutes")
    status = main(["build", "--data-dir", str(demo_data), "--out", str(out), "--period-end",
                   "2023-05", "--only", "partnership", "--no-progress"])
    err = capsys.readouterr().err
    assert status == 2 and "holds files that are not a pack built by scpb" in err
    assert _tree(out) == {"minutes.docx": hashlib.sha256(b"board minutes").hexdigest()}
    assert not _leftovers(out)


def _run_crash(case, tmp_path, stubs, demo_data, monkeypatch, capsys):
    out = tmp_path / "out"
    monkeypatch.setenv("SCPB_NOTEBOOKS", str(stubs["good"]))
    _stub_build(out, demo_data)
    before = _tree(out)

    def full_disk(tables, target):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(runner, "_workbook", full_disk)
    with pytest.raises(OSError, match="No space left"):
        _stub_build(out, demo_data, borough="Camden")
    assert _tree(out) == before
    assert not _leftovers(out)


def _run_only(case, tmp_path, stubs, demo_data, monkeypatch, capsys):
    out = tmp_path / "out"
    monkeypatch.setenv("SCPB_NOTEBOOKS", str(stubs["good"]))
    _stub_build(out, demo_data)
    first = _tree(out)
    build = _stub_build(out, demo_data, names=["ward_maps"])
    assert build.ok and build.carried == ["partnership"]
    after = _tree(out)
    for kept in ("html/partnership.html", "notebooks/partnership.ipynb",
                 "tables/partnership_stub.csv"):
        assert after[kept] == first[kept], kept
    index = (out / "index.html").read_text()
    assert "href='html/partnership.html'" in index and "href='html/ward_maps.html'" in index
    assert "kept from the previous build" in index
    record = json.loads((out / "provenance.json").read_text())
    assert list(record["notebooks"]) == ["ward_maps", "partnership"]
    contents = pd.read_excel(out / "pack_tables.xlsx", sheet_name="Contents", dtype=str)
    assert {"tables/partnership_stub.csv", "tables/ward_maps_stub.csv"} <= set(
        contents["CSV file"])
    # The notebooks ran in the temporary folder; the pack names the folder it is in.
    executed = (out / "notebooks" / "ward_maps.ipynb").read_text()
    assert ".building-" not in executed and json.dumps(str(out))[1:-1] in executed
    assert not _leftovers(out)


def _run_only_other(case, tmp_path, stubs, demo_data, monkeypatch, capsys):
    out = tmp_path / "out"
    monkeypatch.setenv("SCPB_NOTEBOOKS", str(stubs["good"]))
    _stub_build(out, demo_data)
    build = _stub_build(out, demo_data, names=["ward_maps"], borough="Camden")
    assert build.ok and build.carried == []
    assert sorted(_tree(out / "tables")) == ["ward_maps_stub.csv"]
    assert "Barnet" not in (out / "tables" / "ward_maps_stub.csv").read_text()
    assert "html/partnership.html" not in (out / "index.html").read_text()


def _run_leaky(case, tmp_path, stubs, demo_data, monkeypatch, capsys):
    from scpb_analysis.qa.disclosure import PersonalDataError

    out = tmp_path / "out"
    monkeypatch.setenv("SCPB_NOTEBOOKS", str(stubs["good"]))
    _stub_build(out, demo_data)
    before = _tree(out)
    monkeypatch.setenv("SCPB_NOTEBOOKS", str(stubs["leaky"]))
    with pytest.raises(PersonalDataError) as excinfo:
        _stub_build(out, demo_data)
    assert "ward_maps.ipynb" in str(excinfo.value)
    assert_not_repeated(str(excinfo.value), _LEAK, "900777")
    assert _tree(out) == before
    assert not _leftovers(out)
    status = main(["build", "--data-dir", str(demo_data), "--out", str(out), "--period-end",
                   "2023-05", "--only", *STUBS, "--no-progress"])
    err = capsys.readouterr().err
    assert status == 2 and "personal data found; not publishing" in err
    assert _LEAK not in err and _tree(out) == before


def _run_planted(case, tmp_path, stubs, demo_data, monkeypatch, capsys, planted_pack):
    rel, value = PLANTED[case.data["kind"]]
    assert any(scan_file_name(part) for part in Path(rel).parts), \
        f"disclosure.scan_file_name does not recognise {case.data['kind']!r} in a file name"
    result, out = planted_pack["result"], planted_pack["out"]
    assert result.returncode == 0, result.stderr
    # The kernels' shutdown chatter stays out of a successful build's terminal.
    assert "KeyboardInterrupt" not in result.stderr and "IPKernelApp" not in result.stderr
    flagged = [r for r, _ in PLANTED.values()
               if any(scan_file_name(part) for part in Path(r).parts)]
    # One warning, naming the count only.
    warnings = [line for line in result.stderr.splitlines() if "personal data" in line]
    assert warnings == [f"scpb: warning: {len(flagged)} input file name(s) hold personal data; "
                        "the pack lists them as withheld"], result.stderr
    variants = {value, value.replace(" ", "_"), value.replace(" ", "%20"), Path(rel).name}
    found = 0
    for path in sorted(out.rglob("*")):
        if not path.is_file():
            continue
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as book:
                text = " ".join(book.read(n).decode("utf-8", "replace") for n in book.namelist())
        else:
            text = path.read_text(encoding="utf-8", errors="replace")
        assert_not_repeated(text, *variants)
        found += 1
    assert found >= 5
    record = json.loads((out / "provenance.json").read_text())
    digest = hashlib.sha256((planted_pack["data"] / rel).read_bytes()).hexdigest()
    listed = [f for f in record["notebooks"]["partnership"]["inputs"] if f["sha256"] == digest]
    assert listed and all(f["file"].startswith(WITHHELD_LABEL) for f in listed)
    assert f"sha256 {digest[:12]}" in listed[0]["file"]
    page = (out / "html" / "partnership.html").read_text()
    assert WITHHELD_LABEL in page and "cctv_incidents.csv" in page


_RUNS = {"sigint": _run_sigint, "failed": _run_failed, "out_is_file": _run_out_is_file,
         "out_not_writable": _run_out_not_writable, "out_not_a_pack": _run_out_not_a_pack,
         "crash": _run_crash, "only": _run_only, "only_other": _run_only_other,
         "leaky": _run_leaky}


@pytest.mark.parametrize("case", params(CASES))
def test_build_bad_input(case, tmp_path, stubs, demo_data, monkeypatch, capsys, request):
    if case.data["run"] == "sigint":
        _run_sigint(case, tmp_path, stubs, demo_data, monkeypatch)
    elif case.data["run"] == "planted":
        _run_planted(case, tmp_path, stubs, demo_data, monkeypatch, capsys,
                     request.getfixturevalue("planted_pack"))
    else:
        _RUNS[case.data["run"]](case, tmp_path, stubs, demo_data, monkeypatch, capsys)
