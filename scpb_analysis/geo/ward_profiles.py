"""Ward populations and ward deprivation: Census and IMD LSOAs summed to wards.

LSOAs are placed in wards through the ONS best-fit lookup for Census 2021 LSOAs and May-2022
wards, or by the ward holding each LSOA's representative point otherwise (see
:func:`scpb_analysis.geo.crosswalk.lsoa_to_ward`).
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import pandas as pd

from scpb_analysis.reference.geography import canonical_borough
from scpb_analysis.sources.deprivation import ENGLAND_LSOAS, IMD_SOURCE, lsoa_deprivation_table
from scpb_analysis.sources.population import (
    POPULATION_SOURCES,
    check_same_lsoas,
    lsoa_population,
)

__all__ = ["ward_deprivation", "ward_deprivation_of", "ward_population"]

def _age_columns(table: pd.DataFrame) -> list[str]:
    return [c for c in table.columns if c.startswith("age_")]


def ward_population(data_dir: str | Path, borough: str, scheme: str = "2022",
                    source: str = "census2021") -> pd.DataFrame:
    """Resident population of a borough's wards, summed from LSOAs, with age bands.

    Method, by ward scheme and source:

    * ``scheme="2022"`` with the Census (the default): Census 2021 LSOAs summed to May-2022
      wards through the ONS LSOA (2021) to ward best-fit lookup, which places each LSOA in the
      ward holding its population-weighted centroid. A lookup naming May-2022 wards (``WD22CD``)
      is used when one covers the borough; otherwise the ONS LSOA 2021 to ward (2024) lookup,
      whose codes are the May-2022 wards' for boroughs with no later review (Barnet's 24 are
      identical; checked against the package's ward list where it has one).
    * ``scheme="2014"`` (or a scheme with no lookup): each LSOA is placed in the ward containing
      its representative point (a point guaranteed inside the LSOA polygon) from the LSOA and
      ward boundaries (:func:`scpb_analysis.sources.boundaries.load_lsoas`, ``load_wards``).
      With the Census these are the 2021 LSOAs; 2021 LSOAs are 2011 LSOAs or parts of them,
      and 2011 LSOAs were drawn inside the wards of the time, so they nest in 2014 wards to
      within boundary generalisation. With ``source="mid2020"`` or ``"mid2019"`` the 2011
      LSOAs of the mid-year estimates are placed the same way.

    Ward totals are sums of LSOA counts, so a borough total is the LSOA total (Barnet, Census
    2021: 389,365, within LSOA rounding of the published 389,344).

    Parameters
    ----------
    data_dir : path
        Folder with the population CSV, the lookups (or Parquet copies of them) and (for point
        placement) boundaries.
    borough : str
        The borough.
    scheme : str
        Ward scheme: ``"2022"`` (default) or ``"2014"``.
    source : {"census2021", "mid2020", "mid2019"}
        Population source (see :data:`POPULATION_SOURCES`).

    Returns
    -------
    DataFrame
        ``ward_code, ward_name, borough, scheme, population``, the age bands of
        :func:`lsoa_population`, ``lsoas`` (how many LSOAs make the ward), ``source, vintage,
        method``; sorted by ward name. Ward names are canonical where the package has the
        borough's ward list (:func:`scpb_analysis.reference.wards.canonical_ward_names`).

    Raises
    ------
    InputDataError
        If the LSOAs of the population file and of the lookup or boundaries differ (the
        message lists them), or a source file is missing or malformed.

    Examples
    --------
    >>> wards = ward_population("../shared/data", "Barnet")  # doctest: +SKIP
    >>> len(wards), int(wards["population"].sum())  # doctest: +SKIP
    (24, 389365)
    >>> len(ward_population("../shared/data", "Barnet", scheme="2014"))  # doctest: +SKIP
    21
    """
    from scpb_analysis.geo.crosswalk import lsoa_to_ward

    scheme = str(scheme)
    pop = lsoa_population(data_dir, borough, source)
    info = POPULATION_SOURCES[source]
    placed = lsoa_to_ward(data_dir, borough, scheme, lsoa_year=info.lsoa_year)
    check_same_lsoas(pop, placed, f"{info.vintage} population", "the ward assignment")
    joined = pop.merge(placed[["lsoa_code", "ward_code", "ward_name"]], on="lsoa_code",
                       validate="one_to_one")
    numbers = ["population", *_age_columns(pop)]
    wards = joined.groupby(["ward_code", "ward_name"], sort=True)[numbers].sum()
    wards["lsoas"] = joined.groupby(["ward_code", "ward_name"], sort=True).size()
    wards = wards.reset_index()
    missing = _wards_without_lsoas(borough, scheme, wards)
    if len(missing):
        warnings.warn(f"{len(missing)} {scheme} ward(s) of {canonical_borough(borough)} hold "
                      f"no LSOA and have population 0: {', '.join(missing['ward_name'])}",
                      UserWarning, stacklevel=2)
        wards = pd.concat([wards, missing], ignore_index=True).fillna(0)
    method = (f"{info.vintage} {info.geography} populations summed to {scheme} wards; "
              f"{placed['method'].iloc[0]}")
    out = wards.assign(borough=canonical_borough(borough), scheme=scheme,
                       source=pop["source"].iloc[0], vintage=info.vintage, method=method)
    columns = ["ward_code", "ward_name", "borough", "scheme", *numbers, "lsoas", "source",
               "vintage", "method"]
    out[numbers + ["lsoas"]] = out[numbers + ["lsoas"]].astype("int64")
    return out[columns].sort_values(["ward_name", "ward_code"]).reset_index(drop=True)


def _wards_without_lsoas(borough: str, scheme: str, wards: pd.DataFrame) -> pd.DataFrame:
    from scpb_analysis.reference.wards import WARD_SCHEMES, ward_reference

    name = canonical_borough(borough)
    if scheme not in WARD_SCHEMES.get(name, ()):
        return wards.iloc[0:0][["ward_code", "ward_name"]]
    ref = ward_reference(name, scheme)
    return ref.loc[~ref["ward_code"].isin(wards["ward_code"]), ["ward_code", "ward_name"]]


def ward_deprivation(data_dir: str | Path, borough: str) -> pd.DataFrame:
    """Deprivation of each May-2022 ward, from its 2021 LSOAs weighted by residents.

    LSOAs are placed in wards as for :func:`scpb_analysis.geo.ward_profiles.ward_population`
    (ONS best-fit lookup), with Census 2021 residents as weights.

    Parameters
    ----------
    data_dir : path
        Folder with the IMD workbook(s), ONS lookups and the Census CSV.
    borough : str
        The borough.

    Returns
    -------
    DataFrame
        ``ward_code, ward_name, population, lsoas``, ``population_most_deprived`` and
        ``share_most_deprived`` (residents in LSOAs in England's most deprived IMD quintile,
        and their share of the ward), ``share_borough_most_deprived`` (share in the borough's
        most deprived fifth of LSOAs), ``mean_imd_rank`` (population-weighted mean national
        rank; lower is more deprived) and ``method``; sorted by ward name.

    Examples
    --------
    >>> wards = ward_deprivation("../shared/data", "Barnet")  # doctest: +SKIP
    >>> len(wards), bool(wards["share_most_deprived"].between(0, 1).all())  # doctest: +SKIP
    (24, True)
    """
    from scpb_analysis.geo.crosswalk import lsoa_to_ward

    name = canonical_borough(borough)
    lsoas = lsoa_deprivation_table(data_dir, name)
    placed = lsoa_to_ward(data_dir, name, "2022", lsoa_year=2021)
    return ward_deprivation_of(lsoas, placed, placed["method"].iloc[0])


def ward_deprivation_of(lsoas: pd.DataFrame, placed: pd.DataFrame, placement: str) -> pd.DataFrame:
    """Deprivation of each ward from its LSOAs: :func:`ward_deprivation` for LSOAs already
    placed in wards (outside London, by the ONS lookup).

    Parameters
    ----------
    lsoas : DataFrame
        The area's 2021 LSOAs with IMD 2019 and residents
        (:func:`scpb_analysis.sources.deprivation.lsoa_deprivation_table`).
    placed : DataFrame
        ``lsoa_code, ward_code, ward_name``: the ward of each LSOA.
    placement : str
        How the LSOAs were placed, for ``method``.

    Returns
    -------
    DataFrame
        As :func:`ward_deprivation`.

    Examples
    --------
    >>> lsoas = pd.DataFrame({"lsoa_code": ["L1", "L2"], "population": [1000, 3000],
    ...     "imd_quintile": [1, 3], "borough_quintile": [1, 5], "imd_rank": [100.0, 20000.0]})
    >>> placed = pd.DataFrame({"lsoa_code": ["L1", "L2"], "ward_code": ["W1", "W1"],
    ...                        "ward_name": ["Central", "Central"]})
    >>> ward_deprivation_of(lsoas, placed, "lookup").loc[0, ["population", "share_most_deprived",
    ...                                                    "mean_imd_rank"]].tolist()
    [4000.0, 0.25, 15025.0]
    """
    from scpb_analysis.sources.population import check_same_lsoas

    check_same_lsoas(lsoas, placed, "IMD lookup", "the ward assignment")
    joined = lsoas.merge(placed[["lsoa_code", "ward_code", "ward_name"]], on="lsoa_code",
                         validate="one_to_one")
    joined["in_most"] = joined["population"].where(joined["imd_quintile"] == 1, 0)
    joined["in_borough_most"] = joined["population"].where(joined["borough_quintile"] == 1, 0)
    joined["rank_x_pop"] = joined["imd_rank"] * joined["population"]
    wards = joined.groupby(["ward_code", "ward_name"], sort=True).agg(
        population=("population", "sum"), lsoas=("lsoa_code", "size"),
        population_most_deprived=("in_most", "sum"),
        in_borough_most=("in_borough_most", "sum"), rank_x_pop=("rank_x_pop", "sum"),
    ).reset_index()
    wards["share_most_deprived"] = wards["population_most_deprived"] / wards["population"]
    wards["share_borough_most_deprived"] = wards["in_borough_most"] / wards["population"]
    wards["mean_imd_rank"] = wards["rank_x_pop"] / wards["population"]
    wards["method"] = (f"{IMD_SOURCE}; England's most deprived quintile = national IMD rank "
                       f"1 to {math.floor(ENGLAND_LSOAS / 5):,}; residents Census 2021; "
                       f"{placement}")
    columns = ["ward_code", "ward_name", "population", "lsoas", "population_most_deprived",
               "share_most_deprived", "share_borough_most_deprived", "mean_imd_rank", "method"]
    return wards[columns].sort_values(["ward_name", "ward_code"]).reset_index(drop=True)

