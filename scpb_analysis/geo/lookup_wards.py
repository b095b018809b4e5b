"""The wards of a local authority outside London, built from its LSOAs by the ONS lookup.

Outside London the toolkit counts crime by LSOA (police.uk) and places each LSOA in a ward
with the ONS LSOA (2021) to ward to local authority best-fit lookup
(:func:`scpb_analysis.sources.la_population.lsoa_ward_lad_lookup`). The same placement gives
the wards' residents and their outlines, so counts, denominators and maps agree:

* **residents**: Census 2021 residents of the LSOAs the lookup places in each ward, summed
  (:func:`lookup_ward_population`);
* **outlines**: the LSOA boundaries of each ward dissolved into one shape
  (:func:`lookup_ward_boundaries`). A best-fit ward is the set of LSOAs whose
  population-weighted centroid lies in the ward, so its outline follows LSOA edges, not the
  ward's legal boundary: close, not exact, and said so in ``source``.
"""

from __future__ import annotations

import pandas as pd

from scpb_analysis.core.errors import InputDataError

__all__ = ["lookup_ward_population", "lookup_ward_boundaries"]

_OUTLINE = "LSOA (2021) boundaries dissolved by the ONS best-fit lookup (follows LSOA edges)"


def _area_lsoas(lookup: pd.DataFrame, la_code: str) -> pd.DataFrame:
    own = lookup[lookup["la_code"] == la_code]
    if own.empty:
        raise InputDataError(str(lookup["lookup"].iloc[0]) if "lookup" in lookup and len(
            lookup) else None, f"the lookup places no LSOA in {la_code}",
            expected="the local authority's LSOAs")
    return own


def lookup_ward_population(lsoa_population: pd.DataFrame, lookup: pd.DataFrame,
                           la_code: str) -> pd.DataFrame:
    """Residents of each ward of a local authority: its LSOAs' residents summed by the lookup.

    Parameters
    ----------
    lsoa_population : DataFrame
        :func:`scpb_analysis.sources.population.lsoa_population` (``lsoa_code, population``,
        age bands, ``source, vintage``).
    lookup : DataFrame
        LSOA to ward to local authority, one row an LSOA (``lsoa_code, ward_code, ward_name,
        la_code, la_name``, and ``lookup``, the file).
    la_code : str
        The local authority.

    Returns
    -------
    DataFrame
        ``ward_code, ward_name, borough`` (the local authority's name), ``scheme`` (the
        lookup's), ``population``, the age bands, ``lsoas, source, vintage, method``: the
        columns of :func:`scpb_analysis.geo.ward_profiles.ward_population`, sorted by ward name.

    Raises
    ------
    InputDataError
        If an LSOA the lookup places in the authority has no residents' row.

    Examples
    --------
    >>> lookup = pd.DataFrame({"lsoa_code": ["L1", "L2", "L3"], "ward_code": ["W1", "W1", "W2"],
    ...     "ward_name": ["Avonmouth", "Avonmouth", "Bedminster"], "la_code": "E06000023",
    ...     "la_name": "Bristol, City of", "lookup": "lsoa21_wd24_lad24.csv"})
    >>> people = pd.DataFrame({"lsoa_code": ["L1", "L2", "L3"], "population": [1500, 1600, 1400],
    ...     "source": "Census 2021 TS007A", "vintage": "Census 2021"})
    >>> lookup_ward_population(people, lookup, "E06000023")[["ward_name", "population", "lsoas"]]
        ward_name  population  lsoas
    0   Avonmouth        3100      2
    1  Bedminster        1400      1
    """
    own = _area_lsoas(lookup, la_code)
    joined = own.merge(lsoa_population.drop(columns=["borough", "lsoa_name"], errors="ignore"),
                       on="lsoa_code", how="left", validate="one_to_one")
    lacking = joined.loc[joined["population"].isna(), "lsoa_code"]
    if len(lacking):
        raise InputDataError(None, f"{len(lacking)} LSOA(s) the lookup places in {la_code} "
                             f"have no residents in the population table: "
                             + ", ".join(lacking.head(5)),
                             expected="Census 2021 residents for every LSOA of the authority")
    numbers = ["population", *[c for c in lsoa_population.columns if c.startswith("age_")]]
    keys = ["ward_code", "ward_name"]
    wards = joined.groupby(keys, sort=True)[numbers].sum()
    wards["lsoas"] = joined.groupby(keys, sort=True).size()
    wards = wards.reset_index()
    wards[numbers + ["lsoas"]] = wards[numbers + ["lsoas"]].astype("int64")
    name = str(own["la_name"].iloc[0])
    file = str(own["lookup"].iloc[0]) if "lookup" in own else "the ONS best-fit lookup"
    out = wards.assign(borough=name, scheme=file,
                       source=str(lsoa_population["source"].iloc[0]),
                       vintage=str(lsoa_population["vintage"].iloc[0]),
                       method=f"Census 2021 LSOAs summed to wards by {file}")
    columns = ["ward_code", "ward_name", "borough", "scheme", *numbers, "lsoas", "source",
               "vintage", "method"]
    return out[columns].sort_values(["ward_name", "ward_code"]).reset_index(drop=True)


def lookup_ward_boundaries(lsoas, lookup: pd.DataFrame, la_code: str):
    """Ward outlines of a local authority: its LSOAs' boundaries dissolved by the lookup.

    Parameters
    ----------
    lsoas : GeoDataFrame
        LSOA boundaries (``lsoa_code, geometry``, British National Grid), e.g.
        :func:`scpb_analysis.sources.boundaries.load_lsoas` with ``codes``.
    lookup : DataFrame
        As for :func:`lookup_ward_population`.
    la_code : str

    Returns
    -------
    GeoDataFrame
        ``ward_code, ward_name, borough, scheme, source, geometry``, the columns of
        :func:`scpb_analysis.sources.boundaries.load_wards`, sorted by ward name.

    Raises
    ------
    InputDataError
        If an LSOA the lookup places in the authority has no boundary.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> lsoas = gpd.GeoDataFrame({"lsoa_code": ["L1", "L2", "L3"]},
    ...     geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(0, 1, 2, 2)], crs=27700)
    >>> lookup = pd.DataFrame({"lsoa_code": ["L1", "L2", "L3"], "ward_code": ["W1", "W1", "W2"],
    ...     "ward_name": ["Avonmouth", "Avonmouth", "Bedminster"], "la_code": "E06000023",
    ...     "la_name": "Bristol, City of"})
    >>> wards = lookup_ward_boundaries(lsoas, lookup, "E06000023")
    >>> wards["ward_name"].tolist(), wards.area.tolist()
    (['Avonmouth', 'Bedminster'], [2.0, 2.0])
    """
    own = _area_lsoas(lookup, la_code)
    placed = lsoas[["lsoa_code", "geometry"]].merge(
        own[["lsoa_code", "ward_code", "ward_name"]], on="lsoa_code", how="right")
    lacking = placed.loc[placed["geometry"].isna(), "lsoa_code"]
    if len(lacking):
        raise InputDataError(None, f"{len(lacking)} LSOA(s) the lookup places in {la_code} "
                             "have no boundary in the boundary files: "
                             + ", ".join(lacking.head(5)),
                             expected="LSOA (2021) boundaries covering the authority")
    wards = placed.dissolve(by=["ward_code", "ward_name"], as_index=False)
    file = str(own["lookup"].iloc[0]) if "lookup" in own else "the ONS best-fit lookup"
    wards = wards.assign(borough=str(own["la_name"].iloc[0]), scheme=file, source=_OUTLINE)
    return wards[["ward_code", "ward_name", "borough", "scheme", "source", "geometry"]] \
        .sort_values(["ward_name", "ward_code"]).reset_index(drop=True)
