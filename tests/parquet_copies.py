"""Re-sharer's Parquet copies of the real published CSVs, written to a test's tmp folder.

Re-sharers publish Parquet copies with the column names lower-cased or snake-cased and the
values the publisher's; pandas infers the types, so counts are stored as integers and an empty
column as nulls. The copies live in tmp folders only: no data is committed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd


def snake_case(name: str) -> str:
    """``Age: Aged 4 years and under`` -> ``age_aged_4_years_and_under``, as re-sharers do."""
    return re.sub(r"[^0-9a-z]+", "_", name.lower()).strip("_")


def lower_case(name: str) -> str:
    """``Persons_All-Ages`` -> ``persons_all-ages``: only the case changed."""
    return name.lower()


def write_copy(source: Path, target: Path, *, rows: Callable[[pd.DataFrame], pd.Series] | None
               = None, rename: Callable[[str], str] = snake_case) -> pd.DataFrame:
    """Write ``target`` (Parquet) from the CSV ``source``: the rows ``rows`` keeps (all by
    default, in file order), the columns renamed by ``rename``. Returns the frame written."""
    frame = pd.read_csv(source, encoding="utf-8-sig")
    if rows is not None:
        frame = frame[rows(frame)]
    frame = frame.rename(columns=rename).reset_index(drop=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(target, index=False)
    return frame


def link_tree(source: Path, target: Path) -> None:
    """Mirror the folder ``source`` under ``target`` as links to its files (not copies).

    Loaders search folders recursively without following linked folders, so each file is
    linked on its own.
    """
    for path in sorted(source.rglob("*")):
        if path.is_file():
            link = target / path.relative_to(source)
            link.parent.mkdir(parents=True, exist_ok=True)
            os.symlink(path, link)
