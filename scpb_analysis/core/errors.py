"""Errors raised on bad input, each naming where the problem is and what was expected."""

from __future__ import annotations

from pathlib import Path


class InputDataError(ValueError):
    """A source file (or a value in it) is not what the loader can use.

    The message names the file, the spreadsheet-style row (the header is row 1)
    and the column where they are known, and says what was expected.

    Examples
    --------
    >>> err = InputDataError("counts.csv", "'abc' is not a count", row=5, column="202305",
    ...                      expected="a whole number of 0 or more")
    >>> str(err)
    "counts.csv, row 5, column '202305': 'abc' is not a count; expected a whole number of 0 or more"
    """

    def __init__(
        self,
        file: str | Path | None,
        problem: str,
        *,
        row: int | None = None,
        column: str | None = None,
        expected: str | None = None,
    ) -> None:
        self.file = str(file) if file is not None else None
        self.row = row
        self.column = column
        self.problem = problem
        self.expected = expected
        where = [p for p in (self.file,) if p]
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column '{column}'")
        text = problem if not where else f"{', '.join(where)}: {problem}"
        if expected:
            text += f"; expected {expected}"
        super().__init__(text)


class CoverageError(ValueError):
    """The data do not cover the months a reporting window needs."""


class UnknownAreaError(CoverageError):
    """A table holds no rows for the area (borough, or later partnership) asked for.

    A :class:`CoverageError`, because the data do not cover what the report was asked about;
    the message names the areas the table does hold.
    """


class UnmappedCategoryError(ValueError):
    """A category name has no entry in the canonical taxonomy yet."""


class IncompleteIndicatorError(UnmappedCategoryError):
    """An indicator's figure would leave out offences sitting in a category the taxonomy does not
    map (see :mod:`scpb_analysis.reference.taxonomy.gaps`).

    ``gaps`` holds the table of :func:`scpb_analysis.reference.taxonomy.gaps.mapping_gaps` behind
    it.
    """

    def __init__(self, message: str, gaps=None) -> None:
        super().__init__(message)
        self.gaps = gaps


class MissingSourceError(InputDataError):
    """A source the page needs is not in the data folder at all (not a malformed file).

    A page shows "not in this data: needs ..." for this error and goes on; every other
    :class:`InputDataError` stops the page, because a malformed file must not read as absent.

    Examples
    --------
    >>> err = MissingSourceError("data/deprivation", "holds no IMD 2019 sheet",
    ...                          source="deprivation")
    >>> isinstance(err, InputDataError), err.source
    (True, 'deprivation')
    """

    def __init__(self, file: str | Path | None, problem: str, *, source: str | None = None,
                 expected: str | None = None) -> None:
        super().__init__(file, problem, expected=expected)
        self.source = source
