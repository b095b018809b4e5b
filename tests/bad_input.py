"""The bad-input corpus: every malformed, truncated, duplicated or hostile input states its outcome.

Each ``tests/test_bad_input_<family>.py`` module holds a list ``CASES`` of :class:`Case` and
parametrises its tests with :func:`params`, so every case runs and says which of the three
acceptable outcomes it must have:

``correct``
    loaded, and the figures equal an independent computation (or the reference figures of the
    intact input);
``error``
    refused, with an error naming the file (and the row and column where there is one) and
    what was expected;
``reported``
    loaded, with an accurate report of what was set aside and why.

There is no fourth class: a silently wrong figure fails its case. ``test_bad_input_corpus.py``
counts the corpus across families.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CORRECT = "correct"
ERROR = "error"
REPORTED = "reported"
OUTCOMES = (CORRECT, ERROR, REPORTED)
FAMILIES = ("mps", "policeuk", "boundaries", "partnership", "personal_data", "fetch", "build",
            "reference")


@dataclass(frozen=True)
class Case:
    """One bad input and the outcome it must have.

    ``data`` carries whatever the family's test needs to build the input and check it (a
    mutation name, a planted value, the expected count); the corpus only reads ``family``,
    ``name`` and ``outcome``.
    """

    family: str
    name: str
    outcome: str
    data: dict = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        if self.family not in FAMILIES:
            raise ValueError(f"case {self.name!r}: family {self.family!r} not in {FAMILIES}")
        if self.outcome not in OUTCOMES:
            raise ValueError(f"case {self.name!r}: outcome {self.outcome!r} not in {OUTCOMES}")


def params(cases: list[Case]) -> list:
    """``pytest.param`` per case, with the outcome in the test id (``error-header-only``)."""
    names = [c.name for c in cases]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValueError(f"case names repeated: {repeated}")
    # A case reading the real files whole is marked slow: it runs with `pytest -m slow` (CI).
    return [pytest.param(c, id=f"{c.outcome}-{c.name}",
                         marks=[pytest.mark.slow] if c.data.get("slow") else [])
            for c in cases]


def assert_names(message: str, *parts: str | Path) -> None:
    """Every part (a file is named by its file name) appears in ``message``."""
    for part in parts:
        text = part.name if isinstance(part, Path) else str(part)
        assert text in message, f"{text!r} not named in: {message}"


def assert_clear_error(excinfo: pytest.ExceptionInfo, path: str | Path, *,
                       row: int | None = None, column: str | None = None) -> str:
    """The error names the file, and the row and column when given; returns its text."""
    message = str(excinfo.value)
    assert_names(message, Path(path))
    if row is not None:
        assert re.search(rf"\brows?\s+[^.;:]*\b{row}\b", message), \
            f"row {row} not named in: {message}"
    if column is not None:
        assert column in message, f"column {column!r} not named in: {message}"
    assert "Traceback" not in message
    return message


def assert_accounted(read: int, loaded: int, set_aside: int) -> None:
    """Row accounting: every row read was loaded or set aside, none lost."""
    assert read == loaded + set_aside, (
        f"row accounting does not balance: read {read} != loaded {loaded} + set aside "
        f"{set_aside}")


def assert_not_repeated(text: str, *values: str) -> None:
    """None of the (personal) values appears in ``text``, ignoring case."""
    lowered = text.lower()
    for value in values:
        assert value.lower() not in lowered, f"{value!r} repeated in: {text[:300]}"
