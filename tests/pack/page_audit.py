"""What a reader's browser shows of a page: its visible text and elements wider than the page.

Headless Chromium lays the page out at a given width; a script added to a copy of the page
writes ``document.body.innerText`` (text a reader can see: not folded ``<details>``, not
``<script>``) and the elements whose right edge passes the window's, and ``--dump-dom``
returns them.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

#: A code name a board member should not read: lower-case words joined by underscores, not
#: part of a file name (``pack_tables.xlsx``) or an address.
SNAKE_CASE = re.compile(r"(?<![\w./-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w./-]*\.[a-z]{2,4}\b)"
                        r"(?![\w/-])")
#: What a missing value looks like when a table is dumped rather than formatted.
MISSING_MARKS = re.compile(r"<NA>|\bNone\b|\bnan\b|\bNaN\b|\bNaT\b")

_SCRIPT = """
<script>
window.addEventListener('load', function () {
  var limit = document.documentElement.clientWidth + 1, wide = [];
  document.querySelectorAll('body *').forEach(function (el) {
    var box = el.getBoundingClientRect();
    if (box.width > 0 && box.right > limit && !el.closest('details:not([open])')) {
      wide.push(el.tagName.toLowerCase() + '.' + (el.className.baseVal !== undefined ?
        el.className.baseVal : el.className) + ' ' + Math.round(box.right) + 'px: ' +
        (el.innerText || '').slice(0, 60));
    }
  });
  var out = document.createElement('script');
  out.type = 'application/json'; out.id = 'scpb-audit';
  out.textContent = JSON.stringify({text: document.body.innerText, wide: wide.slice(0, 20)});
  document.body.appendChild(out);
});
</script>
"""


@dataclass
class PageView:
    """A page as Chromium laid it out: visible text, and elements past the right edge."""

    text: str
    wide: list[str]

    def code_names(self) -> list[str]:
        """snake_case words in the visible text."""
        return sorted(set(SNAKE_CASE.findall(self.text)))

    def missing_marks(self) -> list[str]:
        """Lines of visible text holding <NA>, None, nan or NaT."""
        return [line.strip()[:120] for line in self.text.splitlines()
                if MISSING_MARKS.search(line)]


def chromium() -> str | None:
    """The Chromium on this machine, if any."""
    return shutil.which("chromium") or shutil.which("chromium-browser") or \
        shutil.which("google-chrome")


def view_page(browser: str, page: Path, work: Path, *, width: int = 1280) -> PageView:
    """Lay ``page`` out in headless Chromium ``width`` pixels wide and read what it shows."""
    work.mkdir(parents=True, exist_ok=True)
    copy = page.with_name(f".audit-{page.name}")
    text = page.read_text(encoding="utf-8")
    copy.write_text(text.replace("</body>", _SCRIPT + "</body>", 1), encoding="utf-8")
    try:
        done = subprocess.run(
            [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--hide-scrollbars", f"--user-data-dir={work / 'profile'}",
             f"--window-size={width},1000", "--virtual-time-budget=10000", "--dump-dom",
             copy.as_uri()], check=True, capture_output=True, text=True, timeout=180)
    finally:
        copy.unlink(missing_ok=True)
    found = re.search(r'<script type="application/json" id="scpb-audit">(.*?)</script>',
                      done.stdout, re.S)
    if not found:
        raise AssertionError(f"{page.name}: the audit script did not run in Chromium")
    data = json.loads(found.group(1).replace("&lt;", "<").replace("&gt;", ">")
                      .replace("&amp;", "&"))
    return PageView(data["text"], data["wide"])
