"""Words around numbers in generated prose: "1 month", "5 months", never "5 month(s)"."""

from __future__ import annotations

__all__ = ["counted"]


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """A whole number with its noun in the right number, as a reader writes it.

    Parameters
    ----------
    n : int
        How many (printed with thousands separators).
    noun : str
        The noun for one ("month").
    plural : str, optional
        The noun for any other number (default ``noun + "s"``).

    Examples
    --------
    >>> counted(1, "month"), counted(5, "month"), counted(1250, "VAWG offence")
    ('1 month', '5 months', '1,250 VAWG offences')
    >>> counted(0, "LSOA"), counted(2, "proceeding"), counted(3, "ward", "wards")
    ('0 LSOAs', '2 proceedings', '3 wards')
    """
    n = int(n)
    return f"{n:,} {noun if n == 1 else (plural or noun + 's')}"
