"""Tables shipped inside the package (reference CSV files), read the same way everywhere."""

from __future__ import annotations

from importlib import resources
from typing import Any

import pandas as pd


def read_packaged_csv(name: str, package: str = "scpb_analysis.reference",
                      **read_csv: Any) -> pd.DataFrame:
    """A CSV file shipped in ``package``, read as UTF-8 with :func:`pandas.read_csv`.

    Parameters
    ----------
    name : str
        File name inside the package, e.g. ``"london_boroughs.csv"``.
    package : str, default "scpb_analysis.reference"
        The package holding the file.
    **read_csv
        Passed to :func:`pandas.read_csv` (e.g. ``dtype=str, keep_default_na=False``).

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> read_packaged_csv("london_boroughs.csv", dtype=str).shape[0] >= 32
    True
    """
    with resources.files(package).joinpath(name).open("r", encoding="utf-8") as handle:
        return pd.read_csv(handle, **read_csv)
