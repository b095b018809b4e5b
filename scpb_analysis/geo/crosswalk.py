"""From 2014 wards to 2022 wards: LSOA-to-ward assignment, a population-weighted crosswalk,
and one ward series across the May 2022 boundary change.

Barnet went from 21 wards (2014 scheme) to 24 in May 2022, and the MPS ward files follow:
months to January 2022 are published on 2014 wards, months from February 2022 on 2022 wards.
:func:`ward_crosswalk` says how the people of each 2014 ward are shared among 2022 wards;
:func:`rebase_ward_series` uses it to put the 2014-ward months on 2022 wards, so a ward
chart can run across the change. Apportioned counts are estimates (``estimated=True``): they
assume crimes in a 2014 ward fall in each part of it in proportion to its residents.

How the crosswalk is built (Census 2021 LSOAs are the building blocks):

* each 2021 LSOA is placed in a 2014 ward by its representative point (a point guaranteed
  inside the LSOA polygon). 2021 LSOAs are 2011 LSOAs or parts of them, drawn inside the
  wards of the time, so in Barnet the median LSOA has 99.8% of its area in one 2014 ward;
* each 2021 LSOA is placed in a 2022 ward by the ONS best-fit lookup (the ward holding its
  population-weighted centroid) where a lookup covers the borough, otherwise by its
  representative point. The same assignment gives
  :func:`scpb_analysis.geo.ward_profiles.ward_population`, so crosswalk and ward
  denominators agree;
* the weight of a (2014 ward, 2022 ward) pair is the share of the 2014 ward's Census 2021
  residents who live in LSOAs placed in that 2022 ward.

Area intersection (sharing each LSOA among the 2022 wards it overlaps) was tried and not
used: on the seven months both MPS files cover (February to August 2022), apportioning the
2014-ward counts with this crosswalk put 1,486 of Barnet's 15,957 offences in a different
2022 ward from the MPS's own 2022-ward counts; area intersection on both sides gave 1,523,
representative points on both sides 1,983.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from scpb_analysis.core.errors import InputDataError
from scpb_analysis.core.words import counted
from scpb_analysis.reference.geography import canonical_borough

__all__ = ["lsoa_to_ward", "ward_crosswalk", "rebase_ward_series"]

_LOOKUP_COLUMNS = {  # lookup code column -> ward schemes it can stand for
    "WD22": ("2022",),
    "WD24": ("2022", "2024"),
}
# Columns of the tidy count table that say where a row came from, not what it counts.
_PROVENANCE = ("vintage", "source_file", "scheme", "synthetic", "publication", "zero_filled")


# ---------------------------------------------------------------------------------------------
# LSOA -> ward


def _lookup_assignment(data_dir: str | Path, borough: str, scheme: str):
    """(assignment, method) from an ONS LSOA 2021 to ward lookup covering the borough, or None.

    The lookup is the ONS CSV or a Parquet copy of it, its columns (``LSOA21CD, LSOA21NM,
    WD22CD, WD22NM``) in any case or underscore spelling; ``method`` names the file and the
    layout recognised in it.
    """
    from scpb_analysis.sources.population import find_column, find_tables, has_columns, read_table

    best = None
    for prefix, schemes in _LOOKUP_COLUMNS.items():
        if scheme not in schemes:
            continue
        published = ("LSOA21CD", "LSOA21NM", f"{prefix}CD", f"{prefix}NM")
        for path in find_tables(data_dir, has_columns(*published)):
            raw = read_table(path)
            # The file's own spelling of each published column (all there: has_columns found them).
            cols = {name: find_column(path, raw.columns, name) for name in published}
            names = raw[cols["LSOA21NM"]].str.strip()
            rows = raw[names.str.rsplit(" ", n=1).str[0] == borough]
            # Fullest coverage wins; on a tie the lookup named for the scheme (WD22) does, and
            # between two files of one layout the first found (a CSV before a Parquet copy).
            if len(rows) and (best is None or len(rows) > len(best[2])):
                best = (path, prefix, rows, cols)
    if best is None:
        return None
    path, prefix, rows, cols = best
    codes = rows[cols[f"{prefix}CD"]].str.strip()
    names = rows[cols[f"{prefix}NM"]].str.strip()
    lsoas = rows[cols["LSOA21CD"]]
    dup = lsoas.duplicated()
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise InputDataError(path, f"LSOA {lsoas.iloc[i]} is listed twice",
                             row=int(rows.index[i]) + 2, column=cols["LSOA21CD"],
                             expected="a best-fit lookup: one ward per LSOA")
    names, note = _ward_names(path, borough, scheme, prefix, rows, codes, names, cols)
    assignment = pd.DataFrame({"lsoa_code": lsoas.str.strip().to_numpy(),
                               "ward_code": codes.to_numpy(), "ward_name": names,
                               "assigned_by": "ONS best-fit lookup"})
    layout = _lookup_layout(path, prefix, cols)
    method = (f"LSOAs (2021) placed in {scheme} wards by the ONS LSOA (2021) to ward "
              f"({'2022' if prefix == 'WD22' else '2024'}) best-fit lookup ({path.name}, "
              f"recognised as {layout}: each LSOA in the ward holding its population-weighted "
              f"centroid){note}")
    return assignment, method


def _lookup_layout(path: Path, prefix: str, cols: dict[str, str]) -> str:
    """The lookup layout recognised and its storage: ``ONS best-fit lookup LSOA21CD to WD22CD
    (CSV)``, or ``(Parquet copy, column names re-spelled)`` for a re-sharer's copy."""
    from scpb_analysis.sources.population import layout_text

    respelled = any(found != published for published, found in cols.items())
    return layout_text(path, f"ONS best-fit lookup LSOA21CD to {prefix}CD", respelled)


def _ward_names(path: Path, borough: str, scheme: str, prefix: str, rows: pd.DataFrame,
                codes: pd.Series, names: pd.Series,
                cols: dict[str, str]) -> tuple[list[str], str]:
    """Canonical names, and the codes checked, where the package has the borough's wards.

    ``cols`` gives the file's spelling of each published column, for the messages.
    """
    from scpb_analysis.reference.wards import WARD_SCHEMES, canonical_ward_names, ward_reference

    if scheme not in WARD_SCHEMES.get(borough, ()):
        note = "" if prefix == "WD22" else (
            "; 2024 codes stand for the May-2022 wards where the borough had no later review")
        return list(names), note
    ref = ward_reference(borough, scheme)
    unknown = ~codes.isin(ref["ward_code"])
    if unknown.any():
        i = int(np.flatnonzero(unknown.to_numpy())[0])
        raise InputDataError(path, f"ward {codes.iloc[i]} ({names.iloc[i]}) is not one of "
                             f"{borough}'s {scheme} wards", row=int(rows.index[i]) + 2,
                             column=cols[f"{prefix}CD"],
                             expected=f"the codes of scpb_analysis.reference.wards.ward_reference("
                             f"'{borough}', '{scheme}')")
    by_code = dict(zip(ref["ward_code"], ref["ward_name"], strict=True))
    canonical = canonical_ward_names(names, borough, scheme)
    for i, (code, found) in enumerate(zip(codes, canonical, strict=True)):
        if by_code[code] != found:
            raise InputDataError(path, f"ward {code} is named '{names.iloc[i]}', which is "
                                 f"{found}, not {by_code[code]}", row=int(rows.index[i]) + 2,
                                 column=cols[f"{prefix}NM"],
                                 expected="each ward's own code and name")
    note = "" if prefix == "WD22" else (
        f"; its 2024 codes are {borough}'s {scheme} wards (checked against the package list)")
    return canonical, note


def _point_assignment(data_dir: str | Path, borough: str, scheme: str, lsoa_year: int):
    """(assignment, method): the ward containing each LSOA's representative point."""
    import geopandas as gpd

    from scpb_analysis.sources.boundaries import load_lsoas, load_wards

    lsoas = load_lsoas(data_dir, lsoa_year, borough)
    wards = load_wards(data_dir, borough, scheme)
    points = gpd.GeoDataFrame({"lsoa_code": lsoas["lsoa_code"]},
                              geometry=lsoas.geometry.representative_point(), crs=lsoas.crs)
    shapes = wards[["ward_code", "ward_name", "geometry"]]
    inside = gpd.sjoin(points, shapes, how="left", predicate="within")
    # A point exactly on a shared edge can fall in two wards; take the lower code, for repeat
    # runs to agree.
    inside = inside.sort_values("ward_code").loc[lambda f: ~f.index.duplicated()].sort_index()
    inside["assigned_by"] = "representative point"
    outside = inside["ward_code"].isna()
    note = ""
    if outside.any():
        near = gpd.sjoin_nearest(points[outside.to_numpy()], shapes, how="left")
        near = near.sort_values("ward_code").loc[lambda f: ~f.index.duplicated()]
        inside.loc[near.index, ["ward_code", "ward_name"]] = near[["ward_code", "ward_name"]]
        inside.loc[near.index, "assigned_by"] = "nearest ward (point outside every ward)"
        note = (f"; {counted(outside.sum(), 'LSOA')} whose point lay outside every ward "
                f"{'was' if int(outside.sum()) == 1 else 'were'} given "
                f"the nearest ward ({', '.join(sorted(points.loc[outside, 'lsoa_code']))})")
    method = (f"LSOAs ({lsoa_year}) placed in {scheme} wards by the ward containing each "
              f"LSOA's representative point ({wards['source'].iloc[0]}){note}")
    return pd.DataFrame(inside[["lsoa_code", "ward_code", "ward_name", "assigned_by"]]), method


def lsoa_to_ward(data_dir: str | Path, borough: str, scheme: str = "2022",
                 lsoa_year: int = 2021) -> pd.DataFrame:
    """The ward each LSOA of a borough falls in, and how that was decided.

    For 2021 LSOAs and the 2022 (or 2024) ward scheme the ONS best-fit lookup is used when one
    in ``data_dir`` covers the borough (a ``WD22CD`` lookup is preferred over a ``WD24CD`` one
    when both cover it equally), read from the ONS CSV or a Parquet copy of it (column names in
    any case or underscore spelling; ``method`` names the file and the layout recognised).
    Otherwise, and always for the 2014 scheme, each LSOA goes to
    the ward containing its representative point, from the boundary files; a point outside
    every ward (generalised boundaries can leave slivers) goes to the nearest ward, and
    ``method`` says so.

    Parameters
    ----------
    data_dir : path
        Folder with the ONS lookups (CSV, or Parquet copies) and/or boundary files.
    borough : str
        The borough.
    scheme : str
        Ward scheme: ``"2022"``, ``"2014"`` (or ``"2018"``, ``"2024"``).
    lsoa_year : {2021, 2011}
        Census year of the LSOAs.

    Returns
    -------
    DataFrame
        ``lsoa_code, ward_code, ward_name, borough, scheme, assigned_by, method`` sorted by
        ``lsoa_code``; ward names canonical where the package lists the borough's wards.

    Examples
    --------
    >>> wards = lsoa_to_ward("../shared/data", "Barnet")  # doctest: +SKIP
    >>> len(wards), wards["ward_code"].nunique()  # doctest: +SKIP
    (220, 24)
    """
    name = canonical_borough(borough)
    scheme = str(scheme)
    if lsoa_year not in (2011, 2021):
        raise ValueError(f"lsoa_year must be 2011 or 2021; got {lsoa_year!r}")
    found = _lookup_assignment(data_dir, name, scheme) if lsoa_year == 2021 else None
    assignment, method = found if found is not None else _point_assignment(
        data_dir, name, scheme, lsoa_year)
    out = assignment.assign(borough=name, scheme=scheme, method=method)
    columns = ["lsoa_code", "ward_code", "ward_name", "borough", "scheme", "assigned_by",
               "method"]
    return out[columns].sort_values("lsoa_code").reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# Crosswalk


def _crosswalk_table(placed: pd.DataFrame, source: str, target: str) -> pd.DataFrame:
    """Weights and quality from LSOAs placed in both schemes.

    ``placed`` has ``population, ward_code_<source>, ward_name_<source>, ward_code_<target>,
    ward_name_<target>``, one row per LSOA.

    >>> placed = pd.DataFrame({
    ...     "population": [100, 300, 600],
    ...     "ward_code_2014": ["A", "A", "B"], "ward_name_2014": ["a", "a", "b"],
    ...     "ward_code_2022": ["X", "Y", "Y"], "ward_name_2022": ["x", "y", "y"]})
    >>> _crosswalk_table(placed, "2014", "2022")[["ward_code_2014", "ward_code_2022", "weight",
    ...                                            "quality"]]
      ward_code_2014 ward_code_2022  weight    quality
    0              A              X    0.25  0.250000
    1              A              Y    0.75  0.916667
    2              B              Y    1.00  0.916667
    """
    src = [f"ward_code_{source}", f"ward_name_{source}"]
    tgt = [f"ward_code_{target}", f"ward_name_{target}"]
    pairs = placed.groupby(src + tgt, sort=True)["population"].sum().reset_index()
    pairs["weight"] = pairs["population"] / pairs.groupby(src[0])["population"].transform("sum")
    # Quality: over the people of a target ward, the average share of their source ward that
    # went with them. 1 means the target ward is made of whole source wards (nothing is
    # apportioned); near 0, its estimate rests on small slices of bigger source wards.
    weighted = pairs["population"] * pairs["weight"]
    pairs["quality"] = (weighted.groupby(pairs[tgt[0]]).transform("sum")
                        / pairs.groupby(tgt[0])["population"].transform("sum"))
    return pairs


def ward_crosswalk(data_dir: str | Path, borough: str, source: str = "2014",
                   target: str = "2022") -> pd.DataFrame:
    """Population-weighted crosswalk between two ward schemes of a borough.

    Built from Census 2021 LSOAs: each is placed in a ``source`` ward and a ``target`` ward by
    :func:`lsoa_to_ward` (representative point for 2014 wards, ONS best-fit lookup for 2022
    wards), and the weight of a pair of wards is the share of the source ward's Census 2021
    residents living in LSOAs placed in the target ward. See the module notes for why points
    and best fit rather than area intersection.

    Parameters
    ----------
    data_dir : path
        Folder with the Census 2021 population CSV, the ONS lookups and boundary files.
    borough : str
        The borough.
    source, target : str
        Ward schemes, ``"2014"`` to ``"2022"`` by default.

    Returns
    -------
    DataFrame
        One row per (source ward, target ward) pair sharing residents:
        ``ward_code_<source>, ward_name_<source>, ward_code_<target>, ward_name_<target>,
        population`` (Census 2021 residents in both), ``weight`` (share of the source ward's
        residents; weights of a source ward sum to 1), ``quality`` and ``method``; sorted by
        source then target ward code.

        ``quality`` belongs to the target ward: the population-weighted mean, over its
        residents, of the weight of the pair they are in, i.e. the average share of their
        source ward that went into this target ward with them. It is between 0 and 1; 1 means
        the target ward is made of whole source wards, so its back series is a sum of
        published counts and no apportioning is involved; lower values mean more of its back
        series is estimated by apportioning.

    Examples
    --------
    >>> xw = ward_crosswalk("../shared/data", "Barnet")  # doctest: +SKIP
    >>> xw["ward_code_2014"].nunique(), xw["ward_code_2022"].nunique()  # doctest: +SKIP
    (21, 24)
    >>> xw.groupby("ward_code_2014")["weight"].sum().round(12).unique()  # doctest: +SKIP
    array([1.])
    """
    from scpb_analysis.sources.population import check_same_lsoas, lsoa_population

    source, target = str(source), str(target)
    if source == target:
        raise ValueError(f"source and target must be different ward schemes; got {source} twice")
    name = canonical_borough(borough)
    pop = lsoa_population(data_dir, name, "census2021")
    placed = pop[["lsoa_code", "population"]]
    methods = []
    for scheme in (source, target):
        wards = lsoa_to_ward(data_dir, name, scheme, lsoa_year=2021)
        check_same_lsoas(pop, wards, "Census 2021 population", f"the {scheme} ward assignment")
        methods.append(f"{scheme} side: {wards['method'].iloc[0]}")
        placed = placed.merge(wards[["lsoa_code", "ward_code", "ward_name"]].rename(
            columns={"ward_code": f"ward_code_{scheme}", "ward_name": f"ward_name_{scheme}"}),
            on="lsoa_code", validate="one_to_one")
    out = _crosswalk_table(placed, source, target)
    out["method"] = (f"{name} {source} to {target} wards, weighted by Census 2021 residents of "
                     f"{len(pop)} LSOAs (2021); " + "; ".join(methods))
    return out.reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# Re-basing a ward series


def _schemes_of(crosswalk: pd.DataFrame) -> tuple[str, str]:
    codes = [c for c in crosswalk.columns if c.startswith("ward_code_")]
    needed = ["ward_code_<source>", "ward_name_<source>", "ward_code_<target>",
              "ward_name_<target>", "weight"]
    if len(codes) != 2 or "weight" not in crosswalk:
        raise ValueError("crosswalk must have the columns " + ", ".join(needed)
                         + f" (as ward_crosswalk returns); got {list(crosswalk.columns)}")
    source, target = (c.removeprefix("ward_code_") for c in codes)
    for column in (f"ward_name_{source}", f"ward_name_{target}"):
        if column not in crosswalk:
            raise ValueError(f"crosswalk has no column '{column}'")
    sums = crosswalk.groupby(codes[0])["weight"].sum()
    off = sums[(sums - 1).abs() > 1e-9]
    if len(off) or (crosswalk["weight"] < 0).any():
        detail = f"; {off.index[0]} sums to {off.iloc[0]:.6f}" if len(off) else ""
        raise ValueError(f"crosswalk weights must be 0 or more and sum to 1 for each "
                         f"{source} ward{detail}")
    return source, target


def _joined(values: pd.Series) -> str:
    return "; ".join(sorted({str(v) for v in values}))


def rebase_ward_series(table: pd.DataFrame, crosswalk: pd.DataFrame,
                       cutover: str = "2022-05") -> pd.DataFrame:
    """Put a ward count table that spans a boundary change onto the new wards.

    Rows on a source-scheme ward code (2014) are shared among target-scheme wards (2022) by
    the crosswalk weights: each 2022 ward gets ``sum(weight x count)`` over the 2014 wards
    that feed it, a fractional count marked ``estimated=True``. Rows already on 2022 codes
    are kept as published (``estimated=False``). The total over wards of every month x
    indicator x measure is unchanged (checked).

    Parameters
    ----------
    table : DataFrame
        Tidy ward counts (``month, area_code, count`` and category columns such as
        ``indicator, measure``), e.g. ``read_mps_crime(ward_files).table`` for one borough.
        Other columns are kept; ``vintage, source_file, scheme, synthetic, publication,
        zero_filled`` are treated as provenance (joined or combined for apportioned rows),
        the rest as categories.
    crosswalk : DataFrame
        From :func:`ward_crosswalk`; its first ``ward_code_<year>`` column is the source scheme.
    cutover : str
        First month of the target scheme (May 2022 for London's 2022 wards). Only used where
        one month (of a category) holds rows on both schemes, as a table concatenated from
        overlapping files does (``read_mps_crime`` already keeps one vintage per month): the
        scheme in force that month is kept, 2014 before the cutover and 2022 from it, and the
        other rows are set aside, with a warning. Pass an earlier month (e.g. ``"2022-02"``)
        to prefer the MPS's 2022-ward counts for months they cover.

    Returns
    -------
    DataFrame
        The input columns (``count`` as float, ``area_code``/``area_name`` the 2022 ward) plus
        ``ward_scheme`` (the target scheme, or ``"unmatched"``), ``estimated`` and ``method``;
        sorted by month, area code and categories. Rows whose code is in neither scheme are
        kept unchanged with ``ward_scheme="unmatched"`` and a warning, not dropped. Rows set
        aside by the cutover rule are in ``result.attrs["set_aside"]``.

    Raises
    ------
    ValueError
        If required columns are missing or the crosswalk weights do not sum to 1.

    Examples
    --------
    >>> xw = pd.DataFrame({"ward_code_2014": ["A", "A", "B"], "ward_name_2014": ["a", "a", "b"],
    ...                    "ward_code_2022": ["X", "Y", "Y"], "ward_name_2022": ["x", "y", "y"],
    ...                    "weight": [0.25, 0.75, 1.0]})
    >>> counts = pd.DataFrame({
    ...     "month": pd.PeriodIndex(["2022-04", "2022-04", "2022-05", "2022-05"], freq="M"),
    ...     "area_code": ["A", "B", "X", "Y"], "area_name": ["a", "b", "x", "y"],
    ...     "indicator": "burglary", "count": [8, 2, 3, 4]})
    >>> out = rebase_ward_series(counts, xw)
    >>> out[["month", "area_code", "count", "estimated"]]
         month area_code  count  estimated
    0  2022-04         X    2.0       True
    1  2022-04         Y    8.0       True
    2  2022-05         X    3.0      False
    3  2022-05         Y    4.0      False
    """
    missing = [c for c in ("month", "area_code", "count") if c not in table]
    if missing:
        raise ValueError(f"table has no column(s) {', '.join(missing)}; expected a tidy ward "
                         "count table (month, area_code, area_name, indicator, measure, count)")
    source, target = _schemes_of(crosswalk)
    src_code, tgt_code = f"ward_code_{source}", f"ward_code_{target}"
    tgt_names = dict(zip(crosswalk[tgt_code], crosswalk[f"ward_name_{target}"], strict=False))
    src_codes = set(crosswalk[src_code])
    start = pd.Period(cutover, freq="M")

    frame = table.copy()
    for column in frame.columns:
        if isinstance(frame[column].dtype, pd.CategoricalDtype):
            frame[column] = frame[column].astype(object)
    frame["count"] = frame["count"].astype(float)
    codes = frame["area_code"].astype(str)
    kind = np.where(codes.isin(tgt_names), target,
                    np.where(codes.isin(src_codes), source, "unmatched"))
    frame["_kind"] = kind
    provenance = [c for c in _PROVENANCE if c in frame]
    keys = [c for c in frame.columns
            if c not in {"area_code", "area_name", "count", "_kind", *provenance}]

    # A month (x category) holding both schemes would count its crimes twice.
    schemes = frame[frame["_kind"] != "unmatched"].groupby(keys, dropna=False)["_kind"]
    mixed = schemes.transform("nunique").reindex(frame.index, fill_value=1) > 1
    in_force = np.where(frame["month"] < start, source, target)
    drop = mixed & (frame["_kind"] != in_force) & (frame["_kind"] != "unmatched")
    set_aside = frame[drop].drop(columns="_kind").assign(
        reason=f"the month also holds {target}-ward rows; the scheme in force that month "
               f"(cutover {start}) was kept")
    set_aside.loc[frame.loc[drop, "_kind"] == target, "reason"] = (
        f"the month also holds {source}-ward rows; the scheme in force that month "
        f"(cutover {start}) was kept")
    if len(set_aside):
        warnings.warn(f"{len(set_aside)} row(s) set aside because their month also holds "
                      f"rows on the other ward scheme (months "
                      f"{', '.join(sorted({str(m) for m in set_aside['month']}))}); see "
                      "result.attrs['set_aside']", UserWarning, stacklevel=2)
    frame = frame[~drop]

    kept = frame[frame["_kind"] == target].assign(
        area_name=lambda f: f["area_code"].map(tgt_names), ward_scheme=target,
        estimated=False, method=f"recorded on {target} wards")
    unmatched = frame[frame["_kind"] == "unmatched"].assign(
        ward_scheme="unmatched", estimated=False,
        method=f"ward code in neither the {source} nor the {target} scheme of the crosswalk: "
               "kept unchanged, not part of the series")
    if len(unmatched):
        listing = ", ".join(sorted(set(unmatched["area_code"].astype(str)))[:10])
        warnings.warn(f"{len(unmatched)} row(s) have ward codes in neither the {source} nor the "
                      f"{target} scheme ({listing}); they are kept with "
                      "ward_scheme='unmatched'", UserWarning, stacklevel=2)

    old = frame[frame["_kind"] == source].merge(
        crosswalk[[src_code, tgt_code, "weight"]], left_on="area_code", right_on=src_code)
    old["count"] = old["count"] * old["weight"]
    aggregations = {"count": "sum"}
    for column in provenance:
        aggregations[column] = {"vintage": "max", "synthetic": "any",
                                "zero_filled": "all"}.get(column, _joined)
    moved = old.groupby([*keys, tgt_code], dropna=False, sort=False).agg(aggregations)
    moved = moved.reset_index().rename(columns={tgt_code: "area_code"})
    method = (f"apportioned from {source} wards by the population-weighted crosswalk "
              f"(share of each {source} ward's Census 2021 residents in the {target} ward)")
    if "method" in crosswalk and len(crosswalk):
        method += f"; {crosswalk['method'].iloc[0]}"
    moved = moved.assign(area_name=moved["area_code"].map(tgt_names), ward_scheme=target,
                         estimated=True, method=method)

    columns = [c for c in table.columns] + ["ward_scheme", "estimated", "method"]
    out = pd.concat([kept.drop(columns="_kind"), moved, unmatched.drop(columns="_kind")],
                    ignore_index=True)[columns]
    _check_conserved(frame, out, keys)
    order = ["month", "area_code", *[k for k in keys if k != "month"]]
    out = out.sort_values(order, kind="stable").reset_index(drop=True)
    out.attrs["set_aside"] = set_aside.reset_index(drop=True)
    return out


def _check_conserved(before: pd.DataFrame, after: pd.DataFrame, keys: list[str]) -> None:
    if not len(before):
        return
    a = before.groupby(keys, dropna=False)["count"].sum()
    b = after.groupby(keys, dropna=False)["count"].sum().reindex(a.index, fill_value=0.0)
    if not np.allclose(a.to_numpy(), b.to_numpy(), rtol=1e-9, atol=1e-6):
        worst = (a - b).abs().idxmax()
        raise AssertionError(f"re-basing changed the total for {worst}: {a[worst]} became "
                             f"{b[worst]}; the crosswalk weights may not sum to 1")
