"""What makes a public pack a different product: its label, and no folder paths.

A public pack (``scpb build --audience public``) carries a visible "Public version" label at
the top of every page and of the index, ships no executed notebooks (they hold the code and
the parameters, folder paths included), and its ``provenance.json`` lists the input files by
their names in the data folder, with sizes and checksums, but not the data or output folder.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any

__all__ = ["PUBLIC_LABEL", "PATH_PARAMETERS", "label_public_page", "public_label_html",
           "public_parameters"]

#: The words every page of a public pack shows near its top.
PUBLIC_LABEL = "Public version"

#: Parameters that name a folder on the machine that built the pack.
PATH_PARAMETERS = ("data_dir", "output_dir")

_MARK = 'class="public-version"'


def public_label_html() -> str:
    """The label a public page shows under its navigation.

    Examples
    --------
    >>> "Public version" in public_label_html()
    True
    """
    return (f'<p {_MARK} style="display:inline-block;margin:0.5em 0;padding:0.2em 0.6em;'
            f'border:2px solid #1f4e79;color:#1f4e79;font-weight:bold">{PUBLIC_LABEL}: '
            f'small numbers are suppressed and some tables are aggregated or left out.</p>')


def label_public_page(page: str) -> str:
    """The page with the public label just after its ``<body>`` tag (once, however often called).

    Examples
    --------
    >>> page = label_public_page("<html><body class='scpb'><h1>Pack</h1></body></html>")
    >>> page.count("Public version"), page.index("Public version") < page.index("<h1>")
    (1, True)
    >>> label_public_page(page) == page
    True
    """
    if _MARK in page:
        return page
    body = re.search(r"<body[^>]*>", page)
    if body is None:
        return public_label_html() + page
    return page[:body.end()] + "\n" + public_label_html() + page[body.end():]


def public_parameters(parameters: Mapping[str, Any]) -> dict[str, Any]:
    """The build parameters a public pack records: no folder paths.

    The data folder is replaced by a fingerprint (a hash, not the path), so a later
    ``--only`` rebuild can still tell whether it reads the same folder.

    Examples
    --------
    >>> shown = public_parameters({"borough": "Barnet", "data_dir": "/srv/data",
    ...                            "output_dir": "/srv/pack"})
    >>> sorted(shown), "/srv" in str(shown)
    (['borough', 'data_fingerprint'], False)
    """
    shown = {k: v for k, v in parameters.items() if k not in PATH_PARAMETERS}
    if "data_dir" in parameters:
        shown["data_fingerprint"] = hashlib.sha256(
            str(parameters["data_dir"]).encode("utf-8")).hexdigest()[:16]
    return shown
