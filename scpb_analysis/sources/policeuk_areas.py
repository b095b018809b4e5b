"""police.uk street-level crime counted for one local authority (Community Safety Partnership),
its wards and LSOAs, and for every other local authority of the same force.

Outside London the MPS tables do not exist: police.uk's monthly ``*-street.csv`` files (read by
:func:`scpb_analysis.sources.policeuk.read_policeuk`) are the only recorded-crime source. Each
crime there carries the 2021 LSOA it was placed in; the ONS LSOA (2021) to ward to local
authority best-fit lookup (:func:`scpb_analysis.sources.la_population.lsoa_ward_lad_lookup`)
puts each LSOA in a ward and a local authority, and :func:`policeuk_area_crime` counts them in
the tidy count table of :func:`scpb_analysis.sources.mps.load_mps_crime` (same columns, same
meaning), so the code that reads the MPS table can read this one.

Decisions (each visible in :class:`PoliceUkAreaCrime`):

* **Indicators** are one per police.uk crime type (:data:`POLICEUK_INDICATORS`, e.g.
  ``Violence and sexual offences`` is ``violence_and_sexual_offences``), with the police.uk
  label kept in the ``crime_type`` column. Where police.uk publishes a broader group than an
  MPS indicator (its ``robbery`` is the MPS's personal and business robbery together), the id
  is its own, so no MPS id stands for a police.uk total; a type that is the same offences as
  an MPS indicator (shoplifting, bicycle theft) carries that id. ``measure`` is
  ``"offences"``, ``"incidents"`` for anti-social behaviour.
* **Months**: zero counts are filled only for months the files hold; a month without a file is
  absent, never 0. ``months_missing`` lists the gaps inside the span of the files, and
  :meth:`PoliceUkAreaCrime.check_window` raises :class:`~scpb_analysis.core.errors.CoverageError`
  for a window needing them.
* **The force's local authorities** are found from the data, not a list: a local authority is
  the force's when the files hold crimes in at least half of its LSOAs (``min_lsoa_share``).
  police.uk files also hold crimes the force recorded elsewhere (Avon and Somerset 2023-2024:
  crimes in LSOAs of 201 other authorities, none with more than 30% of its LSOAs); those are
  set aside and counted in ``outside_force``.
* **Crimes without an LSOA** (police.uk could not place them) are set aside and counted
  (``no_lsoa``), never silently dropped.
* **2011 LSOA codes.** police.uk moved from 2011 to 2021 LSOAs in 2023: the Avon and Somerset
  files to May 2023 give about 1,100-1,250 crimes a month 2011 codes that the 2021 LSOAs
  replaced (36 codes, 5,921 crimes, e.g. E01014540 Bristol 032B), none from June 2023. Given
  the ONS LSOA (2011) to LSOA (2021) exact-fit lookup (``lsoa11``), each such code is placed
  through its 2021 LSOAs: in their local authority (LSOAs nest in authorities, so there is
  one), and in their ward and 2021 LSOA where they share one; a split LSOA's crimes count for
  the authority only (``not_in_ward``, ``not_in_lsoa``). ``placed_by_2011`` lists them.
* **LSOAs in neither lookup** are reported, not an error (``unplaced``: code, name, records):
  stopping on them would leave the whole force without figures. Without ``lsoa11`` the 2011
  codes are among them, and months to May 2023 are short by those crimes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd

from scpb_analysis.core.errors import InputDataError, UnknownAreaError
from scpb_analysis.core.periods import Window, check_coverage, month_ranges
from scpb_analysis.reference.taxonomy import policeuk_crime_types
from scpb_analysis.sources.mps import TIDY_COLUMNS
from scpb_analysis.sources.policeuk import CRIME_TYPES, PoliceUkLoad

__all__ = [
    "POLICEUK_INDICATORS",
    "POLICEUK_MEASURES",
    "AREA_COLUMNS",
    "PoliceUkAreaCrime",
    "find_local_authority",
    "is_policeuk_counts",
    "policeuk_area_crime",
]

#: police.uk crime type (as police.uk spells it) -> the indicator id its counts carry
#: (:func:`scpb_analysis.reference.taxonomy.policeuk_crime_types`).
POLICEUK_INDICATORS = dict(zip(policeuk_crime_types()["crime_type"],
                               policeuk_crime_types()["indicator"], strict=True))
#: What a count of each police.uk crime type counts (anti-social behaviour is not crime).
POLICEUK_MEASURES = dict(zip(policeuk_crime_types()["crime_type"],
                             policeuk_crime_types()["measure"], strict=True))
#: The columns of :attr:`PoliceUkAreaCrime.table`: the MPS tidy table's, then the police.uk
#: crime type and the force.
AREA_COLUMNS = [*TIDY_COLUMNS, "crime_type", "force"]
_LOOKUP_NEEDS = ("lsoa_code", "lsoa_name", "ward_code", "ward_name", "la_code", "la_name")
_POINT_NEEDS = ("month", "crime_type", "lsoa_code", "falls_within", "source_file")
_PUBLICATION = "police.uk street-level crime"
_AREA_ORDER = {"csp": 0, "ward": 1, "lsoa": 2}
_BY_2011_COLUMNS = ["lsoa_code", "lsoa_name", "records", "la_code", "ward_code", "lsoa21"]


@dataclass
class PoliceUkAreaCrime:
    """police.uk counts for one local authority, its wards and LSOAs, and the force's others.

    Attributes
    ----------
    table : DataFrame
        The tidy count table (:data:`AREA_COLUMNS`): one row per month x area x indicator.
        ``area_type`` is ``"csp"`` (the area and every other local authority of the force:
        ``area_code`` the LAD code), ``"ward"`` or ``"lsoa"`` (the area's own); ``borough`` is
        the local authority's name on every row; ``count`` is int64, ``zero_filled`` True
        where no crime was recorded; ``source_file`` names the month's file(s).
    area_code, area_name : str
        The local authority counted (e.g. ``E06000023``, ``Bristol, City of``).
    force : str
        The force the files are of (their ``Falls within``).
    peers : DataFrame
        Every local authority of the force, the area included: ``la_code, la_name, lsoas``
        (in the lookup), ``lsoas_with_crimes``, ``share`` (of its LSOAs with crimes), ``records``.
    months_present, months_missing : list of Period
        Months the files hold; months inside their span that no file holds.
    no_lsoa : int
        Crimes set aside because police.uk gives them no LSOA (force-wide).
    placed_by_2011 : DataFrame
        Crimes under 2011 LSOA codes that 2021 replaced, placed through the exact-fit lookup:
        ``lsoa_code`` (2011), ``lsoa_name, records, la_code``, ``ward_code`` and ``lsoa21``
        ("" where the 2021 LSOAs of the code fall in several: those crimes count for the
        local authority only, not for a ward or an LSOA).
    not_in_ward, not_in_lsoa : int
        The area's crimes counted in its ``csp`` rows but in no ward (or LSOA) row: so
        ``csp = sum of wards + not_in_ward``.
    unplaced : DataFrame
        LSOA codes not in the lookup: ``lsoa_code, lsoa_name, records`` (force-wide), most
        records first.
    outside_force : DataFrame
        Crimes in LSOAs of local authorities not the force's: ``la_code, la_name, records``.
    lookup : str
        The lookup the LSOAs were placed by.
    """

    table: pd.DataFrame
    area_code: str
    area_name: str
    force: str
    peers: pd.DataFrame
    months_present: list[pd.Period]
    months_missing: list[pd.Period]
    no_lsoa: int
    unplaced: pd.DataFrame
    outside_force: pd.DataFrame
    lookup: str = ""
    notes: list[str] = field(default_factory=list)
    placed_by_2011: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=_BY_2011_COLUMNS))
    not_in_ward: int = 0
    not_in_lsoa: int = 0

    def check_window(self, window: Window | Iterable[Window]) -> None:
        """Raise :class:`CoverageError` unless the files hold every month of ``window``.

        Parameters
        ----------
        window : Window or iterable of Window
            The reporting window(s), e.g. the 12 months to June 2024.

        Raises
        ------
        CoverageError
            Naming the missing months (consecutive months as a range) and the force.

        Examples
        --------
        >>> from scpb_analysis.core.periods import to_month
        >>> result = _example()
        >>> result.months_missing
        [Period('2024-02', 'M')]
        >>> result.check_window(Window(to_month("2024-03"), to_month("2024-03")))
        >>> result.check_window(Window(to_month("2024-01"), to_month("2024-03")))
        Traceback (most recent call last):
        ...
        scpb_analysis.core.errors.CoverageError: the police.uk files of Avon and Somerset \
Constabulary lack months the period needs; missing months: February 2024
        """
        windows = [window] if isinstance(window, Window) else list(window)
        check_coverage(self.months_present, windows,
                       what=f"the police.uk files of {self.force}")

    @property
    def breaks(self) -> None:
        """Series breaks, as :class:`~scpb_analysis.sources.mps.MpsCrimeLoad` has them: police.uk
        records none (its months missing are in ``months_missing``)."""
        return None

    @property
    def summary(self) -> str:
        """One paragraph: the months held and missing and the crimes set aside, and why."""
        parts = [f"{self.area_name} ({self.area_code}), {self.force}: police.uk files for "
                 f"{month_ranges(self.months_present)}"]
        if self.months_missing:
            parts.append(f"no file for {month_ranges(self.months_missing)}")
        if self.no_lsoa:
            parts.append(f"{self.no_lsoa:,} crime{'s' if self.no_lsoa != 1 else ''} without an "
                         "LSOA set aside")
        if len(self.placed_by_2011):
            parts.append(f"{int(self.placed_by_2011['records'].sum()):,} crimes under "
                         f"{len(self.placed_by_2011)} 2011 LSOA codes placed through the "
                         "exact-fit lookup")
        if self.not_in_ward:
            parts.append(f"{self.not_in_ward:,} of {self.area_name}'s crimes (in 2011 LSOAs "
                         "split across wards) counted for the area but in no ward")
        if len(self.unplaced):
            parts.append(f"{int(self.unplaced['records'].sum()):,} crimes in "
                         f"{len(self.unplaced)} LSOA codes not in {self.lookup or 'the lookup'} "
                         "set aside")
        if len(self.outside_force):
            parts.append(f"{int(self.outside_force['records'].sum()):,} crimes in "
                         f"{len(self.outside_force)} local authorities outside the force set "
                         "aside")
        return "; ".join(parts)


def is_policeuk_counts(table: pd.DataFrame) -> bool:
    """True for counts :func:`policeuk_area_crime` made (every row of scheme ``policeuk``).

    >>> is_policeuk_counts(_example().table), is_policeuk_counts(pd.DataFrame({"x": [1]}))
    (True, False)
    """
    return ("scheme" in table and len(table) > 0
            and bool(table["scheme"].eq("policeuk").all()))


def _key(text: object) -> str:
    return " ".join(str(text).replace("&", " and ").split()).casefold()


def _strip(values: pd.Series) -> pd.Series:
    text = values.astype("string").str.strip()
    return text.where(text != "")


def find_local_authority(area: str, las: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``las`` (``la_code, la_name``) that ``area`` names, by code or by name
    (case, spacing and ``&``/``and`` ignored).

    >>> las = pd.DataFrame({"la_code": ["E06000023"], "la_name": ["Bristol, City of"]})
    >>> find_local_authority("bristol,  CITY of", las)["la_code"].tolist()
    ['E06000023']
    """
    text = str(area).strip()
    return las[(las["la_code"].str.upper() == text.upper())
               | (las["la_name"].map(_key) == _key(text))]


def _resolve(area: str, las: pd.DataFrame, force: str) -> pd.Series:
    """The row of ``las`` (``la_code, la_name``) that ``area`` names, by code or name."""
    hit = find_local_authority(area, las)
    if hit.empty:
        held = ", ".join(f"{r.la_name} ({r.la_code})" for r in las.itertuples()) or (
            "no local authority with crimes in at least half its LSOAs")
        raise UnknownAreaError(f"'{area}' is not a local authority of {force} in these "
                               f"police.uk files; they hold {held}")
    return hit.iloc[0]


def _via_2011(codes: set[str], lsoa11: pd.DataFrame, places: pd.DataFrame) -> pd.DataFrame:
    """For 2011 LSOA codes: the local authority, ward and 2021 LSOA their 2021 LSOAs share
    (NA where they do not), indexed by the 2011 code; codes placed in no authority left out."""
    columns = {str(c).strip().upper(): c for c in lsoa11.columns}
    lacking = [c for c in ("LSOA11CD", "LSOA21CD") if c not in columns]
    if lacking:
        raise InputDataError(None, f"the LSOA (2011) to LSOA (2021) lookup lacks the column(s) "
                             f"{', '.join(lacking)}", expected="LSOA11CD, LSOA21CD")
    pairs = pd.DataFrame({"lsoa11": lsoa11[columns["LSOA11CD"]].astype(str).str.strip(),
                          "lsoa21": lsoa11[columns["LSOA21CD"]].astype(str).str.strip()})
    pairs = pairs[pairs["lsoa11"].isin(codes)].merge(
        places[["lsoa_code", "ward_code", "la_code", "la_name"]], left_on="lsoa21",
        right_on="lsoa_code")
    groups = pairs.groupby("lsoa11")

    def shared(column: str) -> pd.Series:
        return groups[column].first().where(groups[column].nunique() == 1)

    out = pd.DataFrame({"la_code": shared("la_code"), "la_name": shared("la_name"),
                        "ward_code": shared("ward_code"), "lsoa21": shared("lsoa21")})
    return out[out["la_code"].notna()]


def _grid(keys: pd.DataFrame, code: str, months: list[pd.Period], codes: list[str],
          types: list[str]) -> pd.DataFrame:
    """Counts of ``keys`` (month, ``code``, crime_type) on every month x code x type."""
    index = pd.MultiIndex.from_product([pd.PeriodIndex(months, freq="M"), codes, types],
                                       names=["month", "area_code", "crime_type"])
    counts = keys.groupby(["month", code, "crime_type"], observed=True).size()
    counts.index = counts.index.set_names(["month", "area_code", "crime_type"])
    out = counts.reindex(index, fill_value=0).rename("count").reset_index()
    out["count"] = out["count"].astype("int64")
    return out


def policeuk_area_crime(load: PoliceUkLoad | pd.DataFrame, lookup: pd.DataFrame, area: str, *,
                        lsoa11: pd.DataFrame | None = None,
                        min_lsoa_share: float = 0.5) -> PoliceUkAreaCrime:
    """One local authority's police.uk counts, by ward and LSOA, and the force's other areas.

    Parameters
    ----------
    load : PoliceUkLoad or DataFrame
        One force's street-level files as read by
        :func:`~scpb_analysis.sources.policeuk.read_policeuk`, or its ``points``.
    lookup : DataFrame
        LSOA (2021) to ward to local authority, one row an LSOA: ``lsoa_code, lsoa_name,
        ward_code, ward_name, la_code, la_name`` (as
        :func:`~scpb_analysis.sources.la_population.lsoa_ward_lad_lookup` returns; its
        ``lookup`` column, if any, names the file).
    area : str
        The local authority (Community Safety Partnership): its name (``"Bristol, City of"``,
        any case or spacing) or code (``"E06000023"``).
    lsoa11 : DataFrame, optional
        The ONS LSOA (2011) to LSOA (2021) exact-fit lookup (columns ``LSOA11CD, LSOA21CD``,
        as :func:`~scpb_analysis.sources.deprivation.exact_fit_lookup` returns): places crimes
        police.uk gives a 2011 LSOA code that 2021 replaced (files to May 2023). Without it
        they are set aside in ``.unplaced``.
    min_lsoa_share : float
        A local authority is the force's when the files hold crimes in at least this share of
        its LSOAs.

    Returns
    -------
    PoliceUkAreaCrime
        ``.table`` (:data:`AREA_COLUMNS`), the months held and missing, the force's local
        authorities (``.peers``) and the crimes set aside (``.no_lsoa``, ``.unplaced``,
        ``.outside_force``).

    Raises
    ------
    InputDataError
        If the points or the lookup lack a column, the points are of more than one force, or
        the lookup lists an LSOA twice.
    UnknownAreaError
        If ``area`` is not one of the force's local authorities (the message lists them).

    Examples
    --------
    Two months of files (January and March 2024; February has no file) for two authorities:

    >>> result = _example()
    >>> bristol = result.table[result.table["area_type"] == "csp"]
    >>> bristol[["month", "area_name", "indicator", "count"]]  # doctest: +NORMALIZE_WHITESPACE
         month         area_name              indicator  count
    0  2024-01  Bristol, City of          anti_social_behaviour      1
    1  2024-03  Bristol, City of          anti_social_behaviour      0
    2  2024-01  Bristol, City of                burglary      1
    3  2024-03  Bristol, City of                burglary      2
    4  2024-01    North Somerset          anti_social_behaviour      0
    5  2024-03    North Somerset          anti_social_behaviour      0
    6  2024-01    North Somerset                burglary      0
    7  2024-03    North Somerset                burglary      1
    >>> result.no_lsoa, result.months_missing
    (1, [Period('2024-02', 'M')])
    """
    points = load.points if isinstance(load, PoliceUkLoad) else load
    for need, frame, what in ((_POINT_NEEDS, points, "police.uk points"),
                              (_LOOKUP_NEEDS, lookup, "the LSOA lookup")):
        lacking = [c for c in need if c not in frame.columns]
        if lacking:
            raise InputDataError(None, f"{what} lack the column(s) {', '.join(lacking)}",
                                 expected=", ".join(need))
    lookup_name = str(lookup["lookup"].iloc[0]) if "lookup" in lookup.columns and len(
        lookup) else ""
    places = lookup[list(_LOOKUP_NEEDS)].astype(str).apply(lambda c: c.str.strip())
    twice = places["lsoa_code"].duplicated()
    if twice.any():
        raise InputDataError(lookup_name or None, f"the lookup lists LSOA "
                             f"{places.loc[twice, 'lsoa_code'].iloc[0]} twice",
                             expected="one ward and local authority per 2021 LSOA")
    forces = _strip(points["falls_within"]).value_counts()
    named = forces.groupby(forces.index.map(lambda s: " ".join(str(s).split()))).sum()
    if len(named) != 1:
        raise InputDataError(None, "the police.uk points fall within "
                             + (" and ".join(map(str, named.index)) or "no force"),
                             column="Falls within", expected="one force's files")
    force = str(named.index[0])

    months_present = sorted(pd.unique(points["month"]))
    held = set(months_present)
    span = pd.period_range(months_present[0], months_present[-1], freq="M")
    months_missing = [m for m in span if m not in held]
    month_files = (points[["month", "source_file"]].dropna().drop_duplicates()
                   .astype({"source_file": str}).groupby("month")["source_file"]
                   .agg(lambda s: ", ".join(sorted(s))))
    types = set(pd.unique(points["crime_type"]))
    order = [t for t in CRIME_TYPES if t in types]

    lsoa = _strip(points["lsoa_code"])
    placed = places.set_index("lsoa_code").reindex(lsoa.fillna("")).reset_index(drop=True)
    placed.index = points.index
    no_lsoa = lsoa.isna()
    placed["lsoa21"] = lsoa.where(placed["la_code"].notna())
    by_2011 = pd.DataFrame(columns=_BY_2011_COLUMNS)
    if lsoa11 is not None:
        old = ~no_lsoa & placed["la_code"].isna()
        via = _via_2011(set(lsoa[old]), lsoa11, places)
        rows = old & lsoa.isin(via.index)
        if rows.any():
            got = via.reindex(lsoa[rows])
            for column in ("la_code", "la_name", "ward_code", "lsoa21"):
                placed.loc[rows, column] = got[column].to_numpy()
            names = (_strip(points.loc[rows, "lsoa_name"]) if "lsoa_name" in points.columns
                     else pd.Series(pd.NA, index=lsoa[rows].index))
            by_2011 = (pd.DataFrame({"lsoa_code": lsoa[rows], "lsoa_name": names})
                       .groupby("lsoa_code").agg(lsoa_name=("lsoa_name", "first"),
                                                 records=("lsoa_code", "size"))
                       .join(via[["la_code", "ward_code", "lsoa21"]]).reset_index()
                       .sort_values(["records", "lsoa_code"], ascending=[False, True])
                       .fillna({"ward_code": "", "lsoa21": ""}).reset_index(drop=True))
            by_2011["records"] = by_2011["records"].astype("int64")
    unplaced_rows = ~no_lsoa & placed["la_code"].isna()
    unplaced = (pd.DataFrame({"lsoa_code": lsoa[unplaced_rows],
                              "lsoa_name": _strip(points.loc[unplaced_rows, "lsoa_name"])
                              if "lsoa_name" in points.columns else pd.NA})
                .groupby(["lsoa_code"], dropna=False)
                .agg(lsoa_name=("lsoa_name", "first"), records=("lsoa_name", "size"))
                .reset_index().sort_values(["records", "lsoa_code"], ascending=[False, True])
                .reset_index(drop=True))
    unplaced["records"] = unplaced["records"].astype("int64")

    crimes = pd.DataFrame({"month": points["month"], "crime_type": points["crime_type"]}).join(
        placed[["lsoa21", "ward_code", "la_code", "la_name"]]).rename(
        columns={"lsoa21": "lsoa_code"})
    crimes = crimes[crimes["la_code"].notna()]
    las = places.groupby(["la_code", "la_name"]).size().rename("lsoas").reset_index()
    seen = crimes.groupby("la_code").agg(lsoas_with_crimes=("lsoa_code", "nunique"),
                                         records=("lsoa_code", "size"))
    las = las.join(seen, on="la_code", how="inner")
    las["share"] = las["lsoas_with_crimes"] / las["lsoas"]
    of_force = las["share"] >= min_lsoa_share
    peers = las[of_force].sort_values("la_code").reset_index(drop=True)
    for column in ("lsoas", "lsoas_with_crimes", "records"):
        peers[column] = peers[column].astype("int64")
    outside = (las[~of_force][["la_code", "la_name", "records"]]
               .astype({"records": "int64"})
               .sort_values(["records", "la_code"], ascending=[False, True])
               .reset_index(drop=True))
    chosen = _resolve(area, peers, force)
    code, name = str(chosen["la_code"]), str(chosen["la_name"])
    crimes = crimes[crimes["la_code"].isin(peers["la_code"])]

    la_names = dict(zip(peers["la_code"], peers["la_name"], strict=True))
    own = places[places["la_code"] == code]
    ward_names = dict(zip(own["ward_code"], own["ward_name"], strict=False))
    lsoa_names = dict(zip(own["lsoa_code"], own["lsoa_name"], strict=True))
    inside = crimes[crimes["la_code"] == code]
    not_in_ward = int(inside["ward_code"].isna().sum())
    not_in_lsoa = int(inside["lsoa_code"].isna().sum())
    parts = []
    for area_type, frame, column, codes, names in (
            ("csp", crimes, "la_code", list(peers["la_code"]), la_names),
            ("ward", inside, "ward_code", sorted(ward_names), ward_names),
            ("lsoa", inside, "lsoa_code", sorted(lsoa_names), lsoa_names)):
        counts = _grid(frame, column, months_present, codes, order)
        counts["area_type"] = area_type
        counts["area_name"] = counts["area_code"].map(names)
        counts["borough"] = (counts["area_code"].map(la_names) if area_type == "csp"
                             else name)
        parts.append(counts)
    table = pd.concat(parts, ignore_index=True)
    table["indicator"] = table["crime_type"].map(POLICEUK_INDICATORS)
    table["measure"] = table["crime_type"].map(POLICEUK_MEASURES)
    table["vintage"] = str(months_present[-1])
    table["scheme"] = "policeuk"
    table["source_file"] = table["month"].map(month_files).fillna("")
    table["synthetic"] = False
    table["publication"] = _PUBLICATION
    table["zero_filled"] = table["count"] == 0
    table["force"] = force
    table = table.assign(_order=table["area_type"].map(_AREA_ORDER)).sort_values(
        ["_order", "area_code", "indicator", "month"], kind="stable")
    table = table[AREA_COLUMNS].reset_index(drop=True)
    notes = []
    if len(unplaced):
        notes.append(f"{int(unplaced['records'].sum()):,} crimes in LSOA codes not in the "
                     f"lookup set aside: " + ", ".join(
                         f"{r.lsoa_code} ({r.lsoa_name}, {r.records:,})"
                         for r in unplaced.head(5).itertuples())
                     + (" and more" if len(unplaced) > 5 else ""))
    return PoliceUkAreaCrime(
        table=table, area_code=code, area_name=name, force=force, peers=peers,
        months_present=months_present, months_missing=months_missing,
        no_lsoa=int(no_lsoa.sum()), unplaced=unplaced, outside_force=outside,
        lookup=lookup_name, notes=notes, placed_by_2011=by_2011, not_in_ward=not_in_ward,
        not_in_lsoa=not_in_lsoa)


def _example() -> PoliceUkAreaCrime:
    """The small case the docstrings show: three Bristol LSOAs in two wards, one of North
    Somerset; January and March 2024 held, February not."""
    lookup = pd.DataFrame({
        "lsoa_code": ["E01014485", "E01014486", "E01014487", "E01014700"],
        "lsoa_name": ["Bristol 001A", "Bristol 001B", "Bristol 002A", "North Somerset 001A"],
        "ward_code": ["E05010885", "E05010885", "E05010886", "E05010900"],
        "ward_name": ["Avonmouth", "Avonmouth", "Bedminster", "Clevedon East"],
        "la_code": ["E06000023", "E06000023", "E06000023", "E06000024"],
        "la_name": ["Bristol, City of"] * 3 + ["North Somerset"]})
    rows = [("2024-01", "Burglary", "E01014485"), ("2024-01", "Anti-social behaviour",
                                                   "E01014487"),
            ("2024-01", "Burglary", None), ("2024-03", "Burglary", "E01014486"),
            ("2024-03", "Burglary", "E01014700"), ("2024-03", "Burglary", "E01014487")]
    points = pd.DataFrame(rows, columns=["month", "crime_type", "lsoa_code"])
    points["month"] = pd.PeriodIndex(points["month"], freq="M")
    points["lsoa_name"] = points["lsoa_code"].map(dict(zip(lookup["lsoa_code"],
                                                           lookup["lsoa_name"], strict=True)))
    points["falls_within"] = "Avon and Somerset Constabulary"
    points["source_file"] = points["month"].astype(str) + "-avon-and-somerset-street.csv"
    return policeuk_area_crime(points, lookup, "Bristol, City of")

