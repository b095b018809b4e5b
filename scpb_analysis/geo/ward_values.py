"""Values onto wards: the one check of a ward layer and the one join of values to it.

Maps and hot-spot tests both need wards as ``ward_code, ward_name, geometry`` in a projected
CRS, with one value per ward; doing it once keeps a map and its hot-spot test on the same wards.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["join_values", "ward_frame"]

_BNG = 27700


def _ward_codes(frame, what: str, needed: tuple[str, ...], hint: str, repeated: str) -> pd.Series:
    # The needed columns present, then ``ward_code`` as text with no code twice.
    for col in needed:
        if col not in frame.columns:
            raise ValueError(f"{what} must have a '{col}' column{hint}; got columns "
                             f"{list(frame.columns)}")
    codes = frame["ward_code"].astype(str)
    if codes.duplicated().any():
        raise ValueError(repeated.format(code=repr(codes[codes.duplicated()].iloc[0])))
    return codes


def ward_frame(wards):
    """``ward_code, ward_name, geometry`` checked, in the wards' order, in a projected CRS."""
    codes = _ward_codes(wards, "wards", ("ward_code", "geometry"), " (as load_wards returns)",
                        "wards lists ward_code {code} more than once; expected one boundary "
                        "per ward")
    out = wards[["geometry"]].copy()
    out.insert(0, "ward_code", codes.to_numpy())
    names = wards["ward_name"] if "ward_name" in wards.columns else codes
    out.insert(1, "ward_name", names.astype(str).to_numpy())
    out = out.reset_index(drop=True)
    if out.crs is not None and out.crs.is_geographic:
        # Degrees distort shapes (and distances for KNN weights); the pack's grid is BNG.
        out = out.to_crs(_BNG)
    return out


def join_values(wards, values, column: str):
    """Wards (see :func:`ward_frame`) with a float ``value`` column.

    Wards missing from ``values`` get NaN; value rows for wards not in ``wards`` are ignored,
    so London-wide values can be mapped on one borough's wards.
    """
    out = ward_frame(wards)
    if isinstance(values, pd.Series):
        values = values.rename_axis("ward_code").rename(column).reset_index()
    if not isinstance(values, pd.DataFrame):
        raise ValueError("values must be a DataFrame with ward_code and a value column, or a "
                         f"Series indexed by ward code; got {type(values).__name__}")
    given = _ward_codes(values, "values", ("ward_code", column), "",
                        "values has more than one row for ward_code {code}; expected one value "
                        "per ward")
    try:
        numbers = pd.to_numeric(values[column], errors="raise").astype(float)
    except (TypeError, ValueError):
        raise ValueError(f"values column '{column}' must hold numbers") from None
    lookup = pd.Series(numbers.to_numpy(), index=given.to_numpy())
    out.insert(2, "value", out["ward_code"].map(lookup).to_numpy(dtype=float))
    return out
