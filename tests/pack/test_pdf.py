"""PDFs of the pack's pages: A4, numbered "Page i of N", long tables neither cut at the right
edge nor left without their header on a later page, and a clear error without a browser."""

from __future__ import annotations

import base64
import io
import re
import stat
from pathlib import Path

import pytest

from scpb_analysis.pack.pdf import (
    PRINT_CSS,
    PRINT_CSS_MARKER,
    chromium_path,
    print_pack,
    print_pdf,
    with_print_css,
)

pypdf = pytest.importorskip("pypdf", reason="pypdf reads the PDFs (pip install -e '.[test]')")

needs_chromium = pytest.mark.skipif(
    chromium_path() is None,
    reason="no Chromium on PATH to print with (Debian package chromium: apt-get install chromium)")

A4 = (595.28, 841.89)
ROWS, COLUMNS = 150, 10
# Long labels, each with a short token that text extraction keeps whole when the label wraps.
HEADERS = [f"HDR{c:02d} recorded offences in the twelve months to the end of May (count)"
           for c in range(COLUMNS)]


def _row_token(row: int) -> str:
    return f"END{row:03d}X"


def _png(width: int, height: int) -> str:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 40, 40)).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def _page(css: bool = True) -> str:
    head = "".join(f"<th>{h}</th>" for h in HEADERS)
    rows = "".join(
        "<tr>" + "".join(f"<td>r{r}c{c} {r * c}</td>" for c in range(COLUMNS - 1))
        + f"<td>{_row_token(r)}</td></tr>" for r in range(ROWS))
    style = f"<style>{PRINT_CSS}</style>" if css else ""
    # Screen styles like nbconvert's that would run a table off the right edge of the paper.
    screen = ("<style>body { width: 1600px } .out { overflow-x: auto; max-width: 1600px }"
              " table { table-layout: fixed; width: 1600px } th, td { white-space: nowrap }"
              "</style>")
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Test page</title>{screen}"
            f"{style}"
            "</head><body><nav class='no-print'>NAVTOKEN menu</nav><h1>Board pack test</h1>"
            f"<img alt='chart' src='data:image/png;base64,{_png(2400, 600)}'>"
            "<details><summary>Method</summary><p>DETAILTOKEN shown in print</p></details>"
            f"<div class='out'><table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody>"
            "</table></div>"
            "</body></html>")


@pytest.fixture(scope="module")
def printed(tmp_path_factory) -> dict:
    if chromium_path() is None:
        pytest.skip("no Chromium on PATH to print with (Debian package chromium)")
    folder = tmp_path_factory.mktemp("pdf")
    page = folder / "page.html"
    page.write_text(_page(), encoding="utf-8")
    pdf = print_pdf(page, folder / "out" / "page.pdf")
    reader = pypdf.PdfReader(pdf)
    return {"page": page, "pdf": pdf, "reader": reader,
            "texts": [p.extract_text() for p in reader.pages]}


@needs_chromium
def test_every_page_is_a4_and_there_is_more_than_one(printed):
    pages = printed["reader"].pages
    assert len(pages) > 1
    for page in pages:
        box = page.mediabox
        assert float(box.width) == pytest.approx(A4[0], abs=1)
        assert float(box.height) == pytest.approx(A4[1], abs=1)


@needs_chromium
def test_each_page_says_page_i_of_n(printed):
    texts = printed["texts"]
    for i, text in enumerate(texts, start=1):
        assert f"Page {i} of {len(texts)}" in text, (i, text[-200:])


@needs_chromium
def test_no_row_is_cut_at_the_right_edge(printed):
    text = "\n".join(printed["texts"])
    missing = [r for r in range(ROWS) if _row_token(r) not in text]
    assert not missing, f"last-column values of rows {missing[:10]} are not in the PDF"
    assert all(f"r{r}c0 " in text for r in range(ROWS))


@needs_chromium
def test_the_header_repeats_on_every_page_the_table_spans(printed):
    spanned = [i for i, text in enumerate(printed["texts"])
               if any(_row_token(r) in text for r in range(ROWS))]
    assert len(spanned) > 1
    for i in spanned:
        found = re.findall(r"HDR\d\d", printed["texts"][i])
        assert sorted(set(found)) == [f"HDR{c:02d}" for c in range(COLUMNS)], i


@needs_chromium
def test_details_print_open_nav_is_left_out_and_the_image_is_there(printed):
    text = "\n".join(printed["texts"])
    assert "DETAILTOKEN" in text and "NAVTOKEN" not in text
    assert sum(len(p.images) for p in printed["reader"].pages) >= 1


@needs_chromium
def test_printing_twice_gives_the_same_bytes_and_a_fixed_date(printed, tmp_path):
    again = print_pdf(printed["page"], tmp_path / "again.pdf")
    assert again.read_bytes() == printed["pdf"].read_bytes()
    info = printed["reader"].metadata
    assert info["/CreationDate"].startswith("D:20000101000000")
    assert info["/ModDate"].startswith("D:20000101000000")


@needs_chromium
def test_structure_ids_that_shift_between_runs_give_the_same_bytes(printed, tmp_path):
    # On a busy machine Chromium numbers the DOM nodes one or two higher in one run than in
    # another; the tagged PDF's structure ids (/ID (node00000025)) follow them.
    original = printed["pdf"].read_bytes()
    ids = sorted({int(m) for m in re.findall(rb"\(node(\d{8})\)", original)})
    assert ids, "the printed PDF holds no structure ids to shift"
    shifted = re.sub(rb"\(node(\d{8})\)",
                     lambda m: b"(node%08d)" % (int(m.group(1)) * 3 + 7), original)
    assert shifted != original and len(shifted) == len(original)
    (tmp_path / "shifted.pdf").write_bytes(shifted)
    browser = _fake_browser(tmp_path, f"""for a in "$@"; do
  case "$a" in --print-to-pdf=*) cp '{tmp_path / "shifted.pdf"}' "${{a#--print-to-pdf=}}";; esac
done
""")
    out = print_pdf(printed["page"], tmp_path / "again.pdf", browser=browser)
    assert out.read_bytes() == original
    assert len(pypdf.PdfReader(out).pages) == len(printed["reader"].pages)


@needs_chromium
def test_a_page_without_the_css_is_printed_from_a_copy_with_it(tmp_path):
    page = tmp_path / "plain.html"
    page.write_text(_page(css=False), encoding="utf-8")
    before = page.read_bytes()
    reader = pypdf.PdfReader(print_pdf(page, tmp_path / "plain.pdf"))
    assert page.read_bytes() == before
    texts = [p.extract_text() for p in reader.pages]
    assert len(texts) > 1 and f"Page {len(texts)} of {len(texts)}" in texts[-1]
    assert float(reader.pages[0].mediabox.width) == pytest.approx(A4[0], abs=1)
    # The copy and the browser profile were temporary: nothing is left beside the page.
    assert sorted(tmp_path.iterdir()) == [page, tmp_path / "plain.pdf"]


@needs_chromium
def test_print_pack_prints_the_index_and_every_page(tmp_path):
    out = tmp_path / "out"
    (out / "html").mkdir(parents=True)
    (out / "index.html").write_text("<html><head><title>Pack</title></head><body>"
                                    "<h1>INDEXTOKEN</h1></body></html>", encoding="utf-8")
    for name in ("ward_maps", "dashboard"):
        (out / "html" / f"{name}.html").write_text(
            f"<html><body><h1>{name.upper()}TOKEN</h1></body></html>", encoding="utf-8")
    pdfs = print_pack(out)
    assert pdfs == [out / "pdf" / "index.pdf", out / "pdf" / "dashboard.pdf",
                    out / "pdf" / "ward_maps.pdf"]
    for pdf, token in zip(pdfs, ("INDEXTOKEN", "DASHBOARDTOKEN", "WARD_MAPSTOKEN"), strict=True):
        reader = pypdf.PdfReader(pdf)
        assert token in reader.pages[0].extract_text()
        assert "Page 1 of 1" in reader.pages[0].extract_text()


@needs_chromium
def test_local_links_become_text_and_web_and_in_page_links_are_kept(tmp_path):
    page = tmp_path / "index.html"
    page.write_text("<html><head><title>Pack</title></head><body>"
                    "<a href='html/ward_maps.html'>Ward maps</a> "
                    "<a href='https://data.london.gov.uk/'>Datastore</a> "
                    "<a href='#method'>Method</a><div style='height: 1500px'></div>"
                    "<h2 id='method'>Method</h2></body></html>", encoding="utf-8")
    pdf = print_pdf(page, tmp_path / "index.pdf")
    reader = pypdf.PdfReader(pdf)
    links = [a.get_object() for p in reader.pages for a in p.get("/Annots") or []]
    uris = [a["/A"]["/URI"] for a in links if "/A" in a]
    assert uris == ["https://data.london.gov.uk/"]
    assert [a["/Dest"] for a in links if "/Dest" in a] == ["/method"]
    # The link's text stays; the folder the page was printed from is nowhere in the PDF.
    assert "Ward maps" in reader.pages[0].extract_text()
    assert str(tmp_path).encode() not in pdf.read_bytes()


def test_a_missing_browser_names_the_debian_package(tmp_path):
    page = tmp_path / "p.html"
    page.write_text("<html><body>x</body></html>", encoding="utf-8")
    with pytest.raises(RuntimeError, match=r"/nonexistent/chromium: not found.*Debian package "
                                           r"chromium"):
        print_pdf(page, tmp_path / "p.pdf", browser="/nonexistent/chromium")
    assert not (tmp_path / "p.pdf").exists()


def test_no_browser_on_path_names_the_debian_package(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    page = tmp_path / "p.html"
    page.write_text("<html><body>x</body></html>", encoding="utf-8")
    with pytest.raises(RuntimeError, match=r"no Chromium found on PATH.*Debian package chromium"):
        print_pdf(page, tmp_path / "p.pdf")


def _fake_browser(tmp_path: Path, script: str) -> str:
    path = tmp_path / "fake-chromium"
    path.write_text("#!/bin/sh\n" + script, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return str(path)


def test_a_failing_browser_names_the_page_and_its_error(tmp_path):
    page = tmp_path / "ward_maps.html"
    page.write_text("<html><body>x</body></html>", encoding="utf-8")
    browser = _fake_browser(tmp_path, "echo 'dbus noise' >&2\necho 'GPU process crashed' >&2\n"
                                      "exit 3\n")
    with pytest.raises(RuntimeError) as caught:
        print_pdf(page, tmp_path / "out.pdf", browser=browser)
    message = str(caught.value)
    assert str(page) in message and "exit status 3" in message
    assert message.endswith("GPU process crashed") and "dbus" not in message
    assert not (tmp_path / "out.pdf").exists()


def test_a_browser_that_writes_no_pdf_is_an_error(tmp_path):
    page = tmp_path / "p.html"
    page.write_text("<html><body>x</body></html>", encoding="utf-8")
    with pytest.raises(RuntimeError, match=r"p\.html to PDF failed \(it wrote no PDF\)"):
        print_pdf(page, tmp_path / "p.pdf", browser=_fake_browser(tmp_path, "exit 0\n"))


def test_a_browser_that_hangs_is_stopped(tmp_path):
    page = tmp_path / "p.html"
    page.write_text("<html><body>x</body></html>", encoding="utf-8")
    with pytest.raises(RuntimeError, match=r"did not finish within 0\.5 s"):
        print_pdf(page, tmp_path / "p.pdf", browser=_fake_browser(tmp_path, "sleep 30\n"),
                  timeout=0.5)


def test_missing_page_and_pack_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"missing\.html: expected an HTML file"):
        print_pdf(tmp_path / "missing.html", tmp_path / "p.pdf")
    with pytest.raises(FileNotFoundError, match=r"expected a built pack with index\.html"):
        print_pack(tmp_path)


@pytest.mark.parametrize("page", [
    "<html><head><title>t</title></head><body></body></html>",
    "<HTML><HEAD></HEAD><BODY></BODY></HTML>",
    "<html><body>no head</body></html>",
    "<p>a fragment</p>",
])
def test_print_css_is_added_once_inside_a_head(page):
    added = with_print_css(page)
    assert added.count(PRINT_CSS_MARKER) == 1 and with_print_css(added) == added
    style = added.index(PRINT_CSS_MARKER)
    assert added.lower().rindex("<head", 0, style) < style < added.lower().index("</head>")
    assert added.replace(f"<style>\n{PRINT_CSS}</style>\n", "").replace("<head></head>", "") \
        == page


def test_print_css_has_the_agreed_rules():
    css = re.sub(r"\s+", " ", PRINT_CSS)
    assert "size: A4" in css and "margin: 15mm 12mm 18mm 12mm" in css
    assert 'content: "Page " counter(page) " of " counter(pages)' in css
    assert "thead { display: table-header-group; }" in css
    assert "break-after: avoid" in css and ".no-print" in css
