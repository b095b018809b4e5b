"""The frame every page of the pack shares: title in words, navigation, sources, provenance.

A board member opening any page sees which area and period it covers ("Barnet, 12 months to
May 2023"), can go back to the overview or on to another page, reads the data sources in one
line, and finds how the page was made in a folded section at its end. The styles make tables
fit the page (long text wraps, numbers align right) and print to A4.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

from scpb_analysis.core.periods import month_label, to_month

__all__ = ["LEAD_AFTER_TAG", "LEAD_TAG", "PAGE_CSS", "frame_page", "lead_cells_first",
           "navigation", "period_words", "provenance_html", "settings_rows", "sources_line"]

#: Styles of every page: readable tables that fit the page, RAG chips, folded appendices.
PAGE_CSS = """
<style id="scpb-page">
body.jp-Notebook, body.scpb { font-size: 15px; }
body.scpb { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif;
  padding: 0 1em; }
main, body.scpb { max-width: 1180px; margin: 0 auto; }
.jp-OutputArea-output img { max-width: 100%; height: auto; }
nav.pack { display: flex; flex-wrap: wrap; gap: .3em 1.2em; padding: .5em 0;
  border-bottom: 1px solid #ccc; margin-bottom: .6em; font-size: 14px; }
nav.pack a { color: #1f4e79; }
nav.pack .here { font-weight: bold; }
p.sources { color: #444; font-size: 13px; margin: .2em 0 1em; }
main table.reader, body table.reader { border-collapse: collapse; margin: .4em 0 1em;
  font-size: 13px; max-width: 100%; table-layout: auto; width: auto; }
main table.reader th, main table.reader td, body table.reader th, body table.reader td {
  border-bottom: 1px solid #ddd; padding: .25em .5em; vertical-align: top;
  overflow-wrap: break-word; text-align: left !important; }
main table.reader th, body table.reader th { background: #f2f2f2; font-weight: 600; }
/* !important: JupyterLab right-aligns every cell of an output table, text included. */
main table.reader .num, body table.reader .num { text-align: right !important; }
table.overview td:last-child { min-width: 120px; }
span.rag { color: #fff; padding: .1em .6em; border-radius: .8em; font-weight: 600;
  white-space: nowrap; }
details.appendix, details.provenance { margin: 1em 0; }
details > summary { cursor: pointer; color: #1f4e79; font-weight: 600; }
.jp-RenderedHTMLCommon table { max-width: 100%; }
.jp-RenderedHTMLCommon td, .jp-RenderedHTMLCommon th { overflow-wrap: break-word; }
.banner { background: #fde0c5; padding: .5em; font-weight: bold; }
@media print { nav.pack { display: none; } details > * { display: block; } }
</style>
"""


def period_words(period_end: str) -> str:
    """The pack's period in words, as a title says it.

    Examples
    --------
    >>> period_words("2023-05")
    '12 months to May 2023'
    """
    return f"12 months to {month_label(to_month(period_end))}"


def navigation(pages: Sequence[tuple[str, str]], current: str, *, up: str = "../") -> str:
    """Links to the overview and every page; the current page is marked, not linked.

    Parameters
    ----------
    pages : sequence of (name, title)
        The pack's pages in reading order (``html/<name>.html``).
    current : str
        The page being rendered (``"index"`` for the overview).
    up : str
        The path from the page to the pack's folder.

    Examples
    --------
    >>> print(navigation([("ward_maps", "Ward maps")], "ward_maps"))  # doctest: +ELLIPSIS
    <nav class="pack no-print"><a href="../index.html">Overview</a> <span ...>Ward maps</span></nav>
    """
    links = ['<span class="here">Overview</span>' if current == "index" else
             f'<a href="{up}index.html">Overview</a>']
    for name, title in pages:
        here = html.escape(title)
        target = f"html/{name}.html" if current == "index" else f"{name}.html"
        links.append(f'<span class="here">{here}</span>' if name == current else
                     f'<a href="{html.escape(target)}">{here}</a>')
    return '<nav class="pack no-print">' + " ".join(links) + "</nav>"


def sources_line(inputs: Sequence[Mapping[str, str]]) -> str:
    """The data sources a page read, in one line with how many files of each.

    Examples
    --------
    >>> print(sources_line([{"source": "population", "file": "a.csv"}]))
    ... # doctest: +NORMALIZE_WHITESPACE
    Data: Census 2021 TS007A population by LSOA from ONS (1 file). The files and their
    checksums are listed at the end of the page.
    """
    from scpb_analysis.sources.datadir import SOURCE_OWNERS

    counts: dict[str, int] = {}
    for item in inputs:
        counts[item["source"]] = counts.get(item["source"], 0) + 1
    if not counts:
        return "Data: none of the sources this page reads were found."
    named = [f"{SOURCE_OWNERS.get(s, s)} ({n} file{'' if n == 1 else 's'})"
             for s, n in counts.items()]
    return ("Data: " + "; ".join(named)
            + ". The files and their checksums are listed at the end of the page.")


_SETTINGS = (("borough", "Area"), ("period_end", "Period end"), ("figures", "Figures"),
             ("audience", "Audience"), ("incomplete", "An incomplete indicator is"),
             ("rag", "RAG rule"), ("ward", "Ward profiled"), ("data_dir", "Data folder"))
_SETTING_WORDS = {"as_published": "as first published", "latest": "with later revisions",
                  "refuse": "refused", "mark": "shown, marked INCOMPLETE"}


def settings_rows(parameters: Mapping[str, object], *, show_paths: bool = True) -> list[
        tuple[str, str]]:
    """The build's settings as (label, words) pairs; folders only where ``show_paths``.

    Examples
    --------
    >>> settings_rows({"borough": "Barnet", "period_end": "2023-05", "ward": ""})
    [('Area', 'Barnet'), ('Period end', 'May 2023'), ('Ward profiled', 'the default')]
    >>> settings_rows({"borough": "Barnet", "treated_wards": "Burnt Oak"})
    [('Area', 'Barnet'), ('Treated wards', 'Burnt Oak')]
    """
    rows = []
    for key, label in _SETTINGS:
        if key not in parameters or (key == "data_dir" and not show_paths):
            continue
        value = str(parameters[key])
        if key == "period_end":
            value = month_label(to_month(value))
        elif key == "ward" and not value:
            value = "the default"
        rows.append((label, _SETTING_WORDS.get(value, value)))
    # A notebook's own settings (scpb build --set NAME=VALUE), under their names in words.
    known = {key for key, _ in _SETTINGS} | {"output_dir"}
    for key in sorted(set(parameters) - known):
        rows.append((key.replace("_", " ").capitalize(), str(parameters[key]) or "the default"))
    return rows


def provenance_html(record: Mapping, inputs: Sequence[Mapping[str, str]], *,
                    show_paths: bool = True) -> str:
    """How the page was made, folded: toolkit version, settings in words, every input file.

    Examples
    --------
    >>> text = provenance_html({"version": "0.1", "built": "2023-06-01T00:00:00Z",
    ...                         "data_status": "published source data",
    ...                         "parameters": {"borough": "Barnet"}}, [])
    >>> "<details class=\\"provenance\\">" in text and "Barnet" in text
    True
    """
    settings = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
                       for k, v in settings_rows(record["parameters"], show_paths=show_paths))
    files = "".join(
        f"<tr><td>{html.escape(f['file'])}</td><td class=\"num\">{int(f['bytes']):,}</td>"
        f"<td><code>{html.escape(f['sha256'][:16])}…</code></td></tr>" for f in inputs)
    files = files or '<tr><td colspan="3">None found.</td></tr>'
    return (
        '<details class="provenance"><summary>How this page was made</summary>'
        f"<p>Built by the scpb-analysis toolkit, version {html.escape(str(record['version']))}, "
        f"on {html.escape(str(record['built'])[:10])}, from "
        f"{html.escape(str(record['data_status']))}.</p>"
        f'<table class="reader"><tbody>{settings}</tbody></table>'
        "<p>Input files (SHA-256, first 16 hexadecimal digits; full digests in "
        "provenance.json):</p>"
        '<table class="reader"><thead><tr><th>File</th><th class="num">Bytes</th>'
        f"<th>SHA-256</th></tr></thead><tbody>{files}</tbody></table></details>")


def frame_page(body: str, *, header: str, footer: str, css: str = PAGE_CSS) -> str:
    """An nbconvert page with the pack's styles, ``header`` first and ``footer`` last.

    Examples
    --------
    >>> frame_page("<html><head></head><body><main><p>x</p></main></body></html>",
    ...            header="<nav>n</nav>", footer="<p>f</p>", css="<style></style>")
    '<html><head><style></style></head><body><main><nav>n</nav><p>x</p><p>f</p></main></body></html>'
    """
    if "<main>" not in body or "</main>" not in body or "</head>" not in body:
        raise ValueError("page: expected nbconvert's HTML with <head> and <main>")
    body = body.replace("</head>", css + "</head>", 1)
    body = body.replace("<main>", "<main>" + header, 1)
    head, tail = body.rsplit("</main>", 1)
    return head + footer + "</main>" + tail


#: A cell tagged ``lead`` is shown, on the rendered page, right after the cell tagged
#: ``lead-after``: a summary computed from the sections below it (the needs assessment's key
#: findings) is read first, though the notebook computes it last.
LEAD_TAG, LEAD_AFTER_TAG = "lead", "lead-after"


def lead_cells_first(cells: Sequence) -> list:
    """The cells in reading order: ``lead``-tagged cells moved after the ``lead-after`` cell.

    Cells keep their order among themselves. The executed notebook is not changed, only the
    page, so re-running it still computes the summary after what it summarises.

    Raises
    ------
    ValueError
        If cells are tagged ``lead`` but none ``lead-after``.

    Examples
    --------
    >>> cells = [{"id": i, "metadata": {"tags": t}} for i, t in
    ...          [(0, []), (1, ["lead-after"]), (2, []), (3, ["lead"]), (4, ["lead"])]]
    >>> [c["id"] for c in lead_cells_first(cells)]
    [0, 1, 3, 4, 2]
    """
    def tags(cell) -> list:
        return cell["metadata"].get("tags", [])

    lead = [c for c in cells if LEAD_TAG in tags(c)]
    if not lead:
        return list(cells)
    rest = [c for c in cells if LEAD_TAG not in tags(c)]
    anchors = [i for i, c in enumerate(rest) if LEAD_AFTER_TAG in tags(c)]
    if not anchors:
        raise ValueError(f"{len(lead)} cell(s) tagged '{LEAD_TAG}' but no cell tagged "
                         f"'{LEAD_AFTER_TAG}' to show them after")
    at = anchors[0] + 1
    return rest[:at] + lead + rest[at:]
