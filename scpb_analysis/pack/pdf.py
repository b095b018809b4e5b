"""PDFs of the pack's pages for the council agenda, printed by headless Chromium.

Council agenda systems publish PDFs, not HTML. :func:`print_pack` prints the pack's
``index.html`` and every ``html/*.html`` page to ``OUT/pdf/<stem>.pdf`` with Chromium
(:func:`print_pdf`, one browser process per page, two at a time).

How the pages print is set by :data:`PRINT_CSS`: A4 with "Page i of N" at the foot of each page,
the full page width for the content, tables that wrap their text rather than run off the
right edge and repeat their header row on every page they span, figures and short tables kept
whole on one page, colours (the RAG ratings) printed, ``<details>`` shown open (a reader of
paper cannot click to open them) and ``.no-print`` elements (e.g. the page's navigation) left
out. Each page is printed from a temporary copy, the page itself unchanged: the CSS is added if
the page does not already carry it (:data:`PRINT_CSS_MARKER`, :func:`with_print_css`), and
links to local files (``index.html`` to ``html/ward_maps.html``) are printed as plain text,
since in a published PDF they would be broken ``file://`` links naming the build folder;
links within the page and to the web are kept.

Printing is offline: the browser resolves no host names, so the scripts nbconvert links from a
CDN (require.js, MathJax) are not fetched, nothing is sent to a third party, and the PDF does
not depend on the network. The PDF's creation and modification dates are set to
2000-01-01, and the ids of the tagged structure (``/ID (node00000025)``, Chromium's DOM node
numbers, which shift by one or two between runs on a busy machine) are renumbered 0, 1, ... in
their order, so printing the same page twice with the same Chromium gives byte-identical PDFs
(checked with Chromium 156; another Chromium version may lay the page out differently).
"""

from __future__ import annotations

import html
import os
import re
import shutil
import signal
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

__all__ = ["PRINT_CSS", "PRINT_CSS_MARKER", "chromium_path", "print_pack", "print_pdf",
           "with_print_css"]

#: The comment that marks a page as already carrying :data:`PRINT_CSS`.
PRINT_CSS_MARKER = "/* scpb-print-css */"

#: CSS for printing a pack page: A4, page numbers, whole-width tables with repeated headers.
PRINT_CSS = PRINT_CSS_MARKER + """
@page {
  size: A4;
  margin: 15mm 12mm 18mm 12mm;
  @bottom-center { content: "Page " counter(page) " of " counter(pages); font-size: 9pt; }
}
@media print {
  html, body {
    width: auto !important; max-width: none !important;
    margin: 0 !important; padding: 0 !important;
    -webkit-print-color-adjust: exact; print-color-adjust: exact;
  }
  body > *, main, .jp-Notebook, .jp-Cell, .jp-OutputArea, .jp-OutputArea-output,
  .jp-RenderedHTMLCommon {
    max-width: none !important; overflow: visible !important;
  }
  table, figure, img, svg, .jp-OutputArea-output { break-inside: avoid; }
  table {
    font-size: 9pt !important; width: 100% !important; table-layout: auto !important;
    word-wrap: break-word; overflow-wrap: anywhere; margin-left: 0 !important;
    margin-right: 0 !important;
  }
  th, td {
    word-wrap: break-word; overflow-wrap: anywhere; white-space: normal !important;
    max-width: none !important;
  }
  thead { display: table-header-group; }
  tfoot { display: table-footer-group; }
  tr { break-inside: avoid; }
  img, svg, canvas { max-width: 100% !important; height: auto !important; }
  pre { white-space: pre-wrap !important; overflow: visible !important; }
  h1, h2, h3, h4, h5, h6 { break-after: avoid; break-inside: avoid; }
  details::details-content { content-visibility: visible !important; display: block !important; }
  details > * { display: revert !important; }
  .no-print, nav.no-print { display: none !important; }
}
"""

# A link to a file beside the page (index.html to html/ward_maps.html) would print as a
# file:// link naming the folder the pack was built in, broken for a reader of the published
# PDF; it keeps its text and loses the link. Links within the page and to the web are kept.
_UNLINK_LOCAL = """<script>
for (const a of document.querySelectorAll("a[href]")) {
  if (a.protocol === "file:" && !a.getAttribute("href").startsWith("#")) {
    a.removeAttribute("href");
  }
}
</script>
"""
_HEAD_START = re.compile(r"<head\b[^>]*>", re.IGNORECASE)
_HEAD_END = re.compile(r"</head\s*>", re.IGNORECASE)
_BODY_END = re.compile(r"</body\s*>", re.IGNORECASE)
_HTML_START = re.compile(r"<html\b[^>]*>", re.IGNORECASE)
# Chromium stamps the clock here; a fixed date of the same length keeps the xref offsets valid.
_PDF_DATE = re.compile(rb"/(CreationDate|ModDate) \(D:\d{14}")
_FIXED_DATE = b"20000101000000"
# Structure ids are DOM node numbers; renumbered by rank at the same width, they keep their
# order (the IDTree's keys stay sorted) and the xref offsets stay valid.
_NODE_ID = re.compile(rb"\(node(\d+)\)")
_BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# Lines Chromium writes on every run in a container without a session bus; they would bury
# the line that says why a print failed.
_NOISE = re.compile(r"dbus|Fontconfig|DevTools listening|bytes written to file|"
                    r"unexpected operator")
_STDERR_LINES = 15
_MAX_WORKERS = 2


def with_print_css(page_html: str) -> str:
    """``page_html`` with :data:`PRINT_CSS` in a ``<style>`` at the end of its ``<head>``.

    A page that already holds :data:`PRINT_CSS_MARKER` is returned unchanged, so the CSS is
    never added twice. Placed last, the print rules win over the page's own styles of the
    same specificity.

    Parameters
    ----------
    page_html
        A whole HTML document.

    Returns
    -------
    str
        The document with the print CSS.

    Examples
    --------
    >>> page = with_print_css("<html><head><title>t</title></head><body></body></html>")
    >>> page.count(PRINT_CSS_MARKER), page.index("@page") < page.index("</head>")
    (1, True)
    >>> with_print_css(page) == page
    True
    """
    if PRINT_CSS_MARKER in page_html:
        return page_html
    style = f"<style>\n{PRINT_CSS}</style>\n"
    head_end = _HEAD_END.search(page_html)
    if head_end:
        return page_html[: head_end.start()] + style + page_html[head_end.start():]
    start = _HTML_START.search(page_html)
    at = start.end() if start else 0
    return page_html[:at] + f"<head>{style}</head>" + page_html[at:]


def chromium_path() -> str | None:
    """The Chromium (or Google Chrome) on ``PATH``, or None if there is none.

    Returns
    -------
    str or None
        The browser's path, trying ``chromium``, ``chromium-browser``, ``google-chrome`` and
        ``google-chrome-stable`` in turn.

    Examples
    --------
    >>> found = chromium_path()
    >>> found is None or Path(found).name.startswith(("chromium", "google-chrome"))
    True
    """
    for name in _BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return None


def print_pdf(page: Path, target: Path, *, browser: str | None = None,
              timeout: float = 120) -> Path:
    """Print an HTML page to an A4 PDF with headless Chromium.

    The page is printed from a temporary copy, with :data:`PRINT_CSS` added unless the page
    holds :data:`PRINT_CSS_MARKER`, and links to local files turned into plain text (the
    module's docstring says why). ``target`` is replaced whole when the PDF is complete; a
    failed print leaves it as it was.

    Parameters
    ----------
    page
        The HTML file.
    target
        The PDF to write; its folder is made if needed.
    browser
        The Chromium (or Chrome) executable; default :func:`chromium_path`.
    timeout
        Seconds to wait for the browser before stopping it.

    Returns
    -------
    Path
        ``target``.

    Raises
    ------
    FileNotFoundError
        ``page`` does not exist.
    RuntimeError
        No browser was found (install the Debian package ``chromium``), or the browser failed,
        timed out or wrote no PDF; the message names the page and ends with the browser's
        error output.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "p.html").write_text("<html><body><h1>Board</h1></body></html>")
    >>> if chromium_path():
    ...     pdf = print_pdf(folder / "p.html", folder / "p.pdf")
    ...     assert pdf.read_bytes().startswith(b"%PDF")
    """
    page, target = Path(page).resolve(), Path(target).resolve()
    if not page.is_file():
        raise FileNotFoundError(f"page {page}: expected an HTML file, found none")
    executable = _browser(browser)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="scpb-pdf-") as work:
        work = Path(work)
        # Printed from a copy: with the print CSS if the page lacks it, a <base> so that the
        # page's relative files still load, and links to local files unlinked.
        source = work / page.name
        text = with_print_css(page.read_text(encoding="utf-8", errors="replace"))
        text = _with_base(text, page.parent.as_uri() + "/")
        end = _BODY_END.search(text)
        at = end.start() if end else len(text)
        source.write_text(text[:at] + _UNLINK_LOCAL + text[at:], encoding="utf-8")
        printed = work / "out.pdf"
        command = [executable, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                   "--disable-background-networking", "--disable-component-update",
                   "--disable-sync", "--no-pdf-header-footer", "--disable-dev-shm-usage",
                   "--host-resolver-rules=MAP * ~NOTFOUND",
                   f"--user-data-dir={work / 'profile'}", f"--print-to-pdf={printed}",
                   source.as_uri()]
        status, stderr = _run(command, timeout)
        if status is None:
            raise RuntimeError(f"printing {page} to PDF: {Path(executable).name} did not finish "
                               f"within {timeout:g} s{_tail(stderr)}")
        data = printed.read_bytes() if printed.is_file() else b""
        if status != 0 or not data.startswith(b"%PDF"):
            why = (f"exit status {status}" if status != 0 else "it wrote no PDF")
            raise RuntimeError(f"printing {page} to PDF failed ({why}){_tail(stderr)}")
        data = _PDF_DATE.sub(lambda m: b"/" + m.group(1) + b" (D:" + _FIXED_DATE, data)
        data = _stable_node_ids(data)
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
            # mkstemp makes the file private; the PDF is published like the rest of the pack.
            os.chmod(temporary, 0o644)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    return target


def print_pack(out: Path, *, browser: str | None = None) -> list[Path]:
    """Print a built pack's pages to ``OUT/pdf/<stem>.pdf``: ``index.html`` and ``html/*.html``.

    Two pages print at a time (one Chromium process each). Every page is tried; if any fails,
    the others' PDFs are still written and one error names each page that failed. PDFs of
    pages the pack no longer has are not removed.

    Parameters
    ----------
    out
        The pack's folder (as written by :func:`scpb_analysis.pack.runner.build_pack`).
    browser
        The Chromium (or Chrome) executable; default :func:`chromium_path`.

    Returns
    -------
    list of Path
        The PDFs: ``index.pdf`` first, then the pages' in name order.

    Raises
    ------
    FileNotFoundError
        ``out`` holds no ``index.html``.
    RuntimeError
        No browser was found, or a page could not be printed (:func:`print_pdf`).

    Examples
    --------
    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp())
    >>> _ = (out / "index.html").write_text("<html><body><h1>Pack</h1></body></html>")
    >>> if chromium_path():
    ...     assert [p.name for p in print_pack(out)] == ["index.pdf"]
    """
    out = Path(out)
    index = out / "index.html"
    if not index.is_file():
        raise FileNotFoundError(f"pack {out}: expected a built pack with index.html, found none")
    executable = _browser(browser)
    pages = [index, *sorted((out / "html").glob("*.html"))]
    targets = [out / "pdf" / f"{p.stem}.pdf" for p in pages]
    if len({t.name for t in targets}) != len(targets):
        raise ValueError(f"pack {out}: html/index.html would overwrite the index page's PDF; "
                         "expected page names other than index")
    errors: list[str] = []
    with ThreadPoolExecutor(max_workers=_MAX_WORKERS) as pool:
        futures = [pool.submit(print_pdf, p, t, browser=executable)
                   for p, t in zip(pages, targets, strict=True)]
        for future in futures:
            try:
                future.result()
            except RuntimeError as error:
                errors.append(str(error))
    if errors:
        raise RuntimeError(f"{len(errors)} of {len(pages)} pages could not be printed:\n"
                           + "\n".join(errors))
    return targets


def _stable_node_ids(data: bytes) -> bytes:
    found = sorted({int(m) for m in _NODE_ID.findall(data)})
    rank = {number: i for i, number in enumerate(found)}

    def renumber(match: re.Match) -> bytes:
        digits = match.group(1)
        new = str(rank[int(digits)]).zfill(len(digits)).encode()
        # A rank (from 0) never has more digits than the number it replaces.
        return b"(node" + new + b")"

    return _NODE_ID.sub(renumber, data)


def _with_base(page_html: str, uri: str) -> str:
    base = f'<base href="{html.escape(uri)}">'
    head = _HEAD_START.search(page_html)
    if head is None:
        return base + page_html
    return page_html[: head.end()] + base + page_html[head.end():]


def _browser(browser: str | None) -> str:
    found = shutil.which(browser) if browser else chromium_path()
    if found:
        return found
    if browser:
        raise RuntimeError(f"browser {browser}: not found or not executable; expected Chromium "
                           "(Debian package chromium: apt-get install chromium)")
    raise RuntimeError("no Chromium found on PATH (chromium, chromium-browser or google-chrome) "
                       "to print the pages to PDF; install the Debian package chromium "
                       "(apt-get install chromium)")


def _run(command: list[str], timeout: float) -> tuple[int | None, str]:
    """The browser's exit status (None if stopped at ``timeout``) and its error output."""
    # Its own session, so a browser stopped at the timeout takes its renderer and GPU
    # processes with it rather than leaving them running.
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, start_new_session=True)
    try:
        _, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        _, stderr = process.communicate()
        return None, stderr.decode("utf-8", "replace")
    return process.returncode, stderr.decode("utf-8", "replace")


def _tail(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip() and not _NOISE.search(line)]
    if not lines:
        return "; the browser wrote no error message"
    return "; the browser said:\n" + "\n".join(lines[-_STDERR_LINES:])
